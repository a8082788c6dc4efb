import { Chart } from 'cdk8s';
import {
  Accelerator, LiteLLMProxy, LiteLLMProxyProps, NetworkPeer, ProxyServiceType, VllmPool,
} from '../../lib';
import { allOfKind, Manifest, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const MASTER_KEY = { secretName: 'litellm', key: 'master-key' };
const DATABASE = { url: { secretName: 'pg', key: 'uri' } };
const REDIS = { host: 'redis-master.redis.svc.cluster.local', password: { secretName: 'redis', key: 'password' } };
const SCRAPER = NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' });

function policy(manifests: Manifest[], name: string): Manifest {
  const found = allOfKind(manifests, 'NetworkPolicy').find(m => m.metadata.name === name);
  if (!found) throw new Error(`no NetworkPolicy ${name}`);
  return found;
}

function proxyIn(chart: Chart, props: Partial<LiteLLMProxyProps> = {}): LiteLLMProxy {
  return new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY, ...props });
}

describe('proxy NetworkPolicy', () => {
  test('by default: ingress on 4000 from the proxy\'s namespace only', () => {
    const chart = testChart('llm');
    proxyIn(chart).addModel({ modelName: 'gpt', model: 'openai/gpt-4o' });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const np = policy(manifests, 'litellm');
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'litellm', 'app.kubernetes.io/instance': 'litellm', 'app.kubernetes.io/component': 'proxy' } });
    expect(np.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'llm' } }, podSelector: {} }], ports: [{ port: 4000, protocol: 'TCP' }] },
    ]);
    expect(np.spec.policyTypes).toEqual(['Ingress']);
  });

  test('named sources replace the default, and the scraper is admitted by monitor()', () => {
    const chart = testChart('llm');
    const proxy = proxyIn(chart, { network: { allowFrom: [NetworkPeer.namespace('ingress-nginx')] } });
    proxy.addModel({ modelName: 'gpt', model: 'openai/gpt-4o' });
    proxy.monitor({ labels: {}, scraper: SCRAPER });
    const np = policy(synth(chart), 'litellm');
    expect(np.spec.ingress.map((r: Manifest) => r.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'])).toEqual(['ingress-nginx', 'monitoring']);
    expect(proxy.networkPolicy!.ingressRules.map(r => r.reason)).toEqual(['network.allowFrom[0]', 'Prometheus scrapes /metrics']);
  });

  test('a pool admits exactly the proxies that route to it, across namespaces', () => {
    const app = testChart('llm').node.root as any;
    const gateway = new Chart(app, 'gateway', { namespace: 'gateway' });
    const models = new Chart(app, 'models', { namespace: 'models' });
    const pool = new VllmPool(models, 'llama', { model: 'org/llama', accelerator: Accelerator.nvidiaGpu(1) });
    const other = new VllmPool(models, 'qwen', { model: 'org/qwen', accelerator: Accelerator.nvidiaGpu(1) });
    const proxy = proxyIn(gateway);
    proxy.addBackend(pool);
    proxy.addBackend(pool, { modelName: 'alias' });
    const manifests = synth(models);
    expectValidManifests(manifests);
    expect(policy(manifests, 'llama').spec.ingress).toEqual([{
      from: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'litellm', 'app.kubernetes.io/instance': 'litellm', 'app.kubernetes.io/component': 'proxy' } },
      }],
      ports: [{ port: 8000, protocol: 'TCP' }],
    }]);
    // A pool no proxy routes to admits nobody.
    expect(policy(manifests, 'qwen').spec.ingress).toBeUndefined();
    expect(other.networkPolicy!.ingressRules).toEqual([]);
  });

  test('restricted egress: DNS, backends, database, Redis, provider APIs; the migrations Job: DNS and the database, no ingress', () => {
    const chart = testChart('llm');
    const pool = new VllmPool(chart, 'llama', { model: 'org/llama', accelerator: Accelerator.nvidiaGpu(1) });
    const proxy = proxyIn(chart, {
      database: DATABASE, redis: REDIS,
      network: {
        restrictEgress: true, database: NetworkPeer.pods('postgres', { 'cnpg.io/cluster': 'litellm' }), redis: NetworkPeer.namespace('redis'), providerApis: true,
      },
    });
    proxy.addBackend(pool);
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const np = policy(manifests, 'litellm');
    expect(np.spec.egress.map((r: Manifest) => [JSON.stringify(r.to[0]), r.ports.map((p: Manifest) => `${p.protocol}/${p.port}`).join(',')])).toEqual([
      ['{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"kube-system"}},"podSelector":{"matchLabels":{"k8s-app":"kube-dns"}}}', 'UDP/53,TCP/53'],
      ['{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"postgres"}},"podSelector":{"matchLabels":{"cnpg.io/cluster":"litellm"}}}', 'TCP/5432'],
      ['{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"redis"}},"podSelector":{}}', 'TCP/6379'],
      ['{"ipBlock":{"cidr":"0.0.0.0/0"}}', 'TCP/443'],
      ['{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"llm"}},"podSelector":{"matchLabels":{"app.kubernetes.io/instance":"llama","app.kubernetes.io/name":"vllm"}}}', 'TCP/8000'],
    ]);
    const job = policy(manifests, 'litellm-migrations');
    expect(job.spec.ingress).toBeUndefined();
    expect([...job.spec.policyTypes].sort()).toEqual(['Egress', 'Ingress']);
    expect(job.spec.egress.map((r: Manifest) => r.ports[0].port)).toEqual([53, 5432]);
    expect(job.spec.podSelector.matchLabels['app.kubernetes.io/component']).toBe('migrations');
  });

  test('disabled: no policies at all', () => {
    const chart = testChart('llm');
    proxyIn(chart, { database: DATABASE, network: { enabled: false } }).addModel({ modelName: 'gpt', model: 'openai/gpt-4o' });
    expect(allOfKind(synth(chart), 'NetworkPolicy')).toHaveLength(0);
  });

  test('what would shut traffic out is refused', () => {
    expect(() => proxyIn(testChart(), { serviceType: ProxyServiceType.LOAD_BALANCER })).toThrow(new Error(
      '\'network.allowFrom\' (undefined) must name who may call a LoadBalancer proxy: its traffic does not come from pods of the namespace. Use NetworkPeer.anywhere() (and restrict the load balancer\'s source ranges), the load balancer\'s CIDRs with NetworkPeer.ipBlock(), or set network.enabled to false'));
    expect(() => proxyIn(testChart(), { database: DATABASE, network: { restrictEgress: true } })).toThrow(new Error(
      '\'network.database\' (undefined) must name where PostgreSQL runs when egress is restricted, e.g. NetworkPeer.pods(\'postgres\', { \'cnpg.io/cluster\': \'litellm\' }), or the proxy could not reach its database'));
    expect(() => proxyIn(testChart(), { redis: REDIS, network: { restrictEgress: true } })).toThrow(new Error(
      '\'network.redis\' (undefined) must name where Redis runs when egress is restricted, e.g. NetworkPeer.namespace(\'redis\'), or the proxy could not reach it'));
    const proxy = proxyIn(testChart());
    expect(() => proxy.monitor({ labels: {} })).toThrow(new Error(
      '\'discovery.scraper\' (undefined) is required: LiteLLMProxy \'litellm\' has a NetworkPolicy that admits only named peers, so Prometheus must be named to scrape it, e.g. NetworkPeer.pods(\'monitoring\', { \'app.kubernetes.io/name\': \'prometheus\' }); or set network.enabled to false'));
  });

  test('bad network options name the prop', () => {
    expect(() => proxyIn(testChart(), { network: 'open' as any })).toThrow(new Error('\'network\' ("open") must be ProxyNetworkOptions { enabled?, allowFrom?, restrictEgress?, database?, databasePort?, redis?, providerApis? }'));
    expect(() => proxyIn(testChart(), { network: { enabled: 1 as any } })).toThrow('\'network.enabled\' (1)');
    expect(() => proxyIn(testChart(), { network: { allowFrom: [{} as any] } })).toThrow(new Error('\'network.allowFrom[0]\' ({}) must be a NetworkPeer: NetworkPeer.namespace(), .pods(), .ipBlock() or .anywhere()'));
    expect(() => proxyIn(testChart(), { network: { databasePort: 0 } })).toThrow(new Error('\'network.databasePort\' (0) must be a port number from 1 to 65535'));
  });
});
