import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { GatewayInferencePool, LiteLLMProxy, LlmSignal, NetworkPeer, ServingAlerts, VllmPool } from '../../lib';
import { allOfKind, Manifest, named, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';
import { GATEWAY, pool } from '../util/gateway';

const MASTER_KEY = { secretName: 'litellm', key: 'master-key' };
function routed(chart: Chart, p: VllmPool): GatewayInferencePool {
  return new GatewayInferencePool(chart, `${p.name}-igw`, { pool: p, gateway: GATEWAY });
}

function modelList(manifests: Manifest[]): Manifest[] {
  const configMap = allOfKind(manifests, 'ConfigMap').find(c => c.metadata.name === 'litellm-config')!;
  return parse(configMap.data['config.yaml']).model_list;
}


describe('LiteLLMProxy.addBackend(GatewayInferencePool)', () => {
  test('the model group\'s api_base is the Gateway route (address + prefix + /v1), not the pool Service', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const p = pool(chart, 'llama', { servedModelName: 'llama-3-1-8b', apiKey: { secretName: 'vllm', key: 'key' } });
    const gw = routed(chart, p);
    const group = proxy.addBackend(gw);
    const manifests = synth(chart);
    expectValidManifests(manifests);
    expect(group.name).toBe('llama-3-1-8b');
    expect(modelList(manifests)).toEqual([{
      model_name: 'llama-3-1-8b',
      litellm_params: {
        model: 'hosted_vllm/llama-3-1-8b',
        api_base: 'http://inference-gateway.gateway.svc.cluster.local:80/llm/llama/v1',
        api_key: 'os.environ/LITELLM_SECRET_VLLM_KEY',
      },
    }]);
    expect(modelList(manifests)[0].litellm_params.api_base).not.toContain(p.service.name + '.');
    // The route the api_base names: its prefix, on the Gateway the address reaches.
    const route = named(manifests, 'HTTPRoute', 'llama');
    expect(gw.url).toBe(`${GATEWAY.address}${route.spec.rules[0].matches[0].path.value}/v1`);
    expect(route.spec.parentRefs[0]).toMatchObject({ name: GATEWAY.name, namespace: GATEWAY.namespace });
    expect(proxy.backends).toEqual([gw]);
    expect(proxy.backendRoutes.map(r => [r.backend, r.group])).toEqual([[gw, group]]);
  });

  test('LoRA adapters become model groups at the Gateway route', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const p = pool(chart, 'llama', { servedModelName: 'llama', loraAdapters: [{ name: 'sql', source: 'org/sql-lora' }] });
    proxy.addBackend(routed(chart, p));
    const manifests = synth(chart);
    expectValidManifests(manifests);
    expect(modelList(manifests).map(m => [m.model_name, m.litellm_params.model, m.litellm_params.api_base])).toEqual([
      ['llama', 'hosted_vllm/llama', 'http://inference-gateway.gateway.svc.cluster.local:80/llm/llama/v1'],
      ['sql', 'hosted_vllm/sql', 'http://inference-gateway.gateway.svc.cluster.local:80/llm/llama/v1'],
    ]);
  });

  test('the pool admits the Gateway, not the proxy; a proxy that restricts egress admits the data plane on its pod port', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY, network: { restrictEgress: true } });
    proxy.addBackend(routed(chart, pool(chart, 'llama')));
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const poolSources = named(manifests, 'NetworkPolicy', 'llama').spec.ingress.flatMap((r: Manifest) => r.from);
    expect(poolSources.map((f: Manifest) => f.podSelector.matchLabels)).not.toContainEqual(expect.objectContaining({ 'app.kubernetes.io/name': 'litellm' }));
    expect(named(manifests, 'NetworkPolicy', 'litellm').spec.egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } }, podSelector: { matchLabels: { 'gateway.envoyproxy.io/owning-gateway-name': 'inference-gateway' } } }],
      ports: [{ port: 10080, protocol: 'TCP' }],
    });
  });

  test('fallbacks name a gateway backend like a pool', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const gw = routed(chart, pool(chart, 'llama', { servedModelName: 'llama' }));
    const qwen = pool(chart, 'qwen', { model: 'Qwen/Qwen3-8B', servedModelName: 'qwen' });
    proxy.addBackend(gw);
    proxy.addBackend(qwen);
    proxy.addFallback(gw, [qwen]);
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const config = parse(allOfKind(manifests, 'ConfigMap').find(c => c.metadata.name === 'litellm-config')!.data['config.yaml']);
    expect(config.router_settings.fallbacks).toEqual([{ llama: ['qwen'] }]);
  });

  test('a gateway backend of another App is refused at synth', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const other = new Chart(Testing.app(), 'other', { namespace: 'llm' });
    proxy.addBackend(routed(other, pool(other, 'llama', { servedModelName: 'llama' })));
    expect(() => synth(chart)).toThrow(
      "'backends' (\"llama\") is 'other/llama-igw' of another App: api_base http://inference-gateway.gateway.svc.cluster.local:80/llm/llama/v1 would name a route that is not deployed with the proxy");
  });

  test('a backend whose service is not an object is refused', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    expect(() => proxy.addBackend({ servedModelName: 'x', url: 'http://x/v1', port: 80, service: 'x' } as any)).toThrow(new Error(
      "'backend' ({\"servedModelName\":\"x\",\"url\":\"http://x/v1\",\"port\":80,\"service\":\"x\"}) must be a HostedVllmBackend such as a VllmPool or a GatewayInferencePool (servedModelName, url, port, service?)"));
  });
});

describe('a pool reached through the Gateway counts as the backend of its groups', () => {
  const PROMETHEUS_URL = { serverAddress: 'http://prometheus-operated.monitoring.svc:9090' };
  const DISCOVERY = { labels: { release: 'kube-prometheus-stack' }, scraper: NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }) };

  test('scale to zero woken by the proxy\'s requests for the group the Gateway route serves', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const p = pool(chart, 'llama', { servedModelName: 'llama-3-1-8b' });
    const group = proxy.addBackend(routed(chart, p));
    p.monitor(DISCOVERY);
    p.autoscale({ prometheus: PROMETHEUS_URL, minReplicas: 0, maxReplicas: 2, wakeOn: LlmSignal.proxyRequestRate(proxy, group, 5) });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const so = allOfKind(manifests, 'ScaledObject')[0];
    expect(so.spec.minReplicaCount).toBe(0);
    expect(so.spec.triggers.some((t: Manifest) => t.type === 'prometheus' && t.metadata.query.includes('requested_model="llama-3-1-8b"'))).toBe(true);
  });

  test('a wake group the pool serves neither directly nor through the Gateway is still refused', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const p = pool(chart, 'llama', { servedModelName: 'llama-3-1-8b' });
    const other = proxy.addBackend(routed(chart, pool(chart, 'qwen', { servedModelName: 'qwen3-8b' })));
    p.monitor(DISCOVERY);
    p.autoscale({ prometheus: PROMETHEUS_URL, minReplicas: 0, maxReplicas: 2, wakeOn: LlmSignal.proxyRequestRate(proxy, other, 5) });
    expect(() => synth(chart)).toThrow(/wakeOn/);
  });

  test('cost budgets price the pool behind the Gateway route', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const p = pool(chart, 'llama', { servedModelName: 'llama-3-1-8b' });
    const group = proxy.addBackend(routed(chart, p), { modelInfo: { inputCostPerToken: 0.000001, outputCostPerToken: 0.000002 } });
    p.monitor(DISCOVERY);
    proxy.monitor(DISCOVERY);
    new ServingAlerts(chart, 'alerts', { pools: [p], proxy, discovery: DISCOVERY, runbookBaseUrl: 'https://runbooks.example.com', costBudgets: [{ group, maxPerHour: 3 }] });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const rules = allOfKind(manifests, 'PrometheusRule').flatMap(r => r.spec.groups.flatMap((g: Manifest) => g.rules));
    const cost = rules.find((r: Manifest) => r.alert === 'LlmTierCostOverBudget');
    expect(cost.expr).toContain('pool="llama"');
    expect(cost.expr).toMatch(/ > 3$/);
  });
});
