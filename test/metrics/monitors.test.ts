import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Accelerator, LiteLLMProxy, MetricsAuth, NetworkPeer, PodMetricsMonitor, ServiceMetricsMonitor, VllmPool } from '../../lib';
import { liteLLMConfig, Manifest, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const DISCOVERY = { labels: { release: 'kube-prometheus-stack' }, scraper: NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }) };
const MASTER_KEY = { secretName: 'litellm', key: 'master-key' };

function proxyIn(chart = testChart(), props: Partial<ConstructorParameters<typeof LiteLLMProxy>[2]> = {}): LiteLLMProxy {
  const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY, ...props });
  proxy.addModel({ modelName: 'm', model: 'hosted_vllm/m', apiBase: 'http://m.llm.svc.cluster.local:8000/v1' });
  return proxy;
}

describe('proxy.monitor()', () => {
  const chart = testChart();
  const proxy = proxyIn(chart);
  proxy.monitor(DISCOVERY);
  const manifests = synth(chart);
  const monitor = oneOfKind(manifests, 'ServiceMonitor');
  const service = oneOfKind(manifests, 'Service');

  test('is strictly valid', () => expectValidManifests(manifests));

  test('selects the proxy Service by its own labels, in its namespace, on its named port http', () => {
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.spec.selector.matchLabels).toEqual(service.metadata.labels);
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['llm'] });
    expect(service.spec.ports.map((p: Manifest) => p.name)).toContain(monitor.spec.endpoints[0].port);
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'http', path: '/metrics', interval: '15s' });
  });

  test('carries the discovery labels', () => {
    expect(monitor.metadata.labels).toEqual({ release: 'kube-prometheus-stack' });
  });

  test('named after the proxy, no hash', () => {
    expect(monitor.metadata.name).toBe('litellm');
  });

  test('by default /metrics requires auth and the endpoint sends the master key Secret as a bearer token', () => {
    expect(monitor.spec.endpoints[0].authorization).toEqual({ type: 'Bearer', credentials: { name: 'litellm', key: 'master-key' } });
    expect(proxy.serviceMonitor?.resource).toBeDefined();
  });

  test('MetricsAuth.bearerToken sends the named Secret', () => {
    const c = testChart();
    proxyIn(c, { metricsAuth: MetricsAuth.bearerToken({ secretName: 'metrics-reader', key: 'token' }) }).monitor({ labels: {}, interval: Duration.seconds(30), scraper: NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }) });
    const m = synth(c);
    expectValidManifests(m);
    expect(oneOfKind(m, 'ServiceMonitor').spec.endpoints[0]).toEqual({
      port: 'http', path: '/metrics', interval: '30s', authorization: { type: 'Bearer', credentials: { name: 'metrics-reader', key: 'token' } },
    });
    expect(liteLLMConfig(m).litellm_settings.require_auth_for_metrics_endpoint).toBe(true);
  });

  test('MetricsAuth.unauthenticated: no token, and auth turned off explicitly in config.yaml (auth is on by default from 1.84/1.85)', () => {
    const c = testChart();
    proxyIn(c, { metricsAuth: MetricsAuth.unauthenticated() }).monitor(DISCOVERY);
    const m = synth(c);
    expectValidManifests(m);
    expect(oneOfKind(m, 'ServiceMonitor').spec.endpoints[0]).toEqual({ port: 'http', path: '/metrics', interval: '15s' });
    expect(liteLLMConfig(m).litellm_settings.require_auth_for_metrics_endpoint).toBe(false);
  });

  test.each(['1.83.7', '1.84.0', '1.85.0', '1.99.1'])('on LiteLLM %s the setting is explicit either way, so Prometheus never meets a silent 401', version => {
    for (const [auth, expected] of [[MetricsAuth.unauthenticated(), false], [MetricsAuth.masterKey(), true]] as const) {
      const c = testChart();
      proxyIn(c, { metricsAuth: auth, image: 'registry.local/litellm:custom', version });
      expect(liteLLMConfig(synth(c)).litellm_settings.require_auth_for_metrics_endpoint).toBe(expected);
    }
  });

  test('with /metrics off nothing about its auth is rendered', () => {
    const c = testChart();
    proxyIn(c, { prometheusMetrics: false });
    expect(liteLLMConfig(synth(c)).litellm_settings).toEqual({ request_timeout: 600 });
  });

  test('called twice: a clear error, not a construct-id clash', () => {
    const p = proxyIn(testChart());
    p.monitor(DISCOVERY);
    expect(() => p.monitor(DISCOVERY)).toThrow(new Error(
      "'monitor()' (\"test/proxy/Monitor\") was already called on LiteLLMProxy 'test/proxy': one ServiceMonitor per proxy; use the one it returned (proxy.serviceMonitor)"));
  });

  test('a MetricsAuth that is not one', () => {
    expect(() => proxyIn(testChart(), { metricsAuth: 'none' as any })).toThrow(new Error(
      "'metricsAuth' (\"none\") must be a MetricsAuth: MetricsAuth.masterKey(), MetricsAuth.bearerToken(ref) or MetricsAuth.unauthenticated()"));
    expect(() => proxyIn(testChart(), { metricsAuth: MetricsAuth.bearerToken({ secretName: 'Bad', key: 'k' }) })).toThrow(new Error(
      "'metricsAuth.token.secretName' (\"Bad\") must be a DNS-1123 subdomain: at most 253 lower-case alphanumerics, '-' or '.', starting and ending with an alphanumeric"));
  });

  test('refused when /metrics is off', () => {
    expect(() => proxyIn(testChart(), { prometheusMetrics: false }).monitor(DISCOVERY))
      .toThrow(new Error("'prometheusMetrics' (false) turns /metrics off: a monitor would scrape nothing; remove prometheusMetrics: false"));
  });
});

describe('pool.monitor()', () => {
  const chart = testChart();
  const pool = new VllmPool(chart, 'pool', { model: 'org/llama', accelerator: Accelerator.nvidiaGpu(1) });
  pool.monitor(DISCOVERY);
  const manifests = synth(chart);
  const monitor = oneOfKind(manifests, 'PodMonitor');
  const deployment = oneOfKind(manifests, 'Deployment');

  test('is strictly valid', () => expectValidManifests(manifests));

  test('selects the pool pods with the Deployment\'s own selector, on container port http', () => {
    expect(monitor.spec.selector).toEqual(deployment.spec.selector);
    for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels)) expect(deployment.spec.template.metadata.labels[k]).toBe(v);
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['llm'] });
    expect(monitor.spec.podMetricsEndpoints).toEqual([{
      port: 'http', path: '/metrics', interval: '15s',
      relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], targetLabel: 'pool', action: 'replace' }],
    }]);
    expect(deployment.spec.template.spec.containers[0].ports.map((p: Manifest) => p.name)).toContain('http');
    expect(monitor.metadata.labels).toEqual({ release: 'kube-prometheus-stack' });
  });
});

describe('errors', () => {
  test('a Service port that does not exist', () => {
    const chart = testChart();
    const proxy = proxyIn(chart);
    expect(() => new ServiceMetricsMonitor(chart, 'm', { service: proxy.service, port: 'metrics', discovery: DISCOVERY }))
      .toThrow(new Error("'port' (\"metrics\") is not a port of Service 'test/proxy/Service' (its ports: http): the monitor would scrape nothing"));
  });

  test('a ServiceMonitor is named after its Service by default, or as given; two with one name clash', () => {
    const chart = testChart();
    const proxy = proxyIn(chart);
    const a = new ServiceMetricsMonitor(chart, 'a', { service: proxy.service, port: 'http', discovery: DISCOVERY });
    const b = new ServiceMetricsMonitor(chart, 'b', { name: 'litellm-extra', service: proxy.service, port: 'http', discovery: DISCOVERY });
    expect([a.name, b.name]).toEqual(['litellm', 'litellm-extra']);
    expect(() => new ServiceMetricsMonitor(chart, 'c', { service: proxy.service, port: 'http', discovery: DISCOVERY })).toThrow(new Error(
      "'name' (\"litellm\") names a ServiceMonitor in namespace \"llm\" that 'test/a' already renders: 'test/c' would overwrite it on apply; give one of them another name"));
    expect(() => new ServiceMetricsMonitor(chart, 'd', { name: 'Bad', service: proxy.service, port: 'http', discovery: DISCOVERY })).toThrow(
      new Error("'name' (\"Bad\") must be a DNS-1035 label (at most 63 lower-case alphanumerics or '-', starting with a letter and ending with an alphanumeric): object names come from it; set 'name' to a name like 'llama-3-1-8b'"));
  });

  test('missing props from plain JavaScript', () => {
    const chart = testChart();
    const proxy = proxyIn(chart);
    expect(() => new ServiceMetricsMonitor(chart, 'm', {} as any)).toThrow(new Error("'service' (undefined) must be a cdk8s-plus Service"));
    expect(() => new ServiceMetricsMonitor(chart, 'm2', { service: proxy.service, port: 'http' } as any)).toThrow(new Error(
      "'discovery' (undefined) is required: { labels } that the Prometheus selects monitors by, e.g. { labels: { release: 'kube-prometheus-stack' } } ({} for a Prometheus that selects everything)"));
    expect(() => new ServiceMetricsMonitor(chart, 'm3', { service: proxy.service, port: 4000 as any, discovery: DISCOVERY })).toThrow(new Error("'port' (4000) must be the name of a Service port"));
  });

  test('a Service without labels selects nothing', () => {
    const chart = testChart();
    const d = new kplus.Deployment(chart, 'd');
    d.addContainer({ image: 'nginx:1.27', ports: [{ name: 'web', number: 80 }] });
    const service = new kplus.Service(chart, 's', { selector: d, ports: [{ name: 'web', port: 80 }] });
    expect(() => new ServiceMetricsMonitor(chart, 'm', { service, port: 'web', discovery: DISCOVERY }))
      .toThrow(new Error(`'service' ("${service.name}") has no labels: a ServiceMonitor selects Services by label, so it would select nothing`));
  });

  test('a container port that does not exist', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', { model: 'org/llama', accelerator: Accelerator.nvidiaGpu(1) });
    expect(() => new PodMetricsMonitor(chart, 'm', { workload: pool.deployment, port: 'metrics', discovery: DISCOVERY }))
      .toThrow(new Error("'port' (\"metrics\") is not a container port of 'test/pool/Resource' (its ports: http): the monitor would scrape nothing"));
  });

  test('a bad discovery label, value, interval or path', () => {
    const chart = testChart();
    const proxy = proxyIn(chart);
    const make = (props: Partial<ConstructorParameters<typeof ServiceMetricsMonitor>[2]>) =>
      new ServiceMetricsMonitor(chart, `m${Math.random()}`, { name: `m${Math.floor(Math.random() * 1e9)}`, service: proxy.service, port: 'http', discovery: DISCOVERY, ...props });
    expect(() => make({ discovery: { labels: { 'bad key!': 'x' } } })).toThrow(new Error('\'discovery.labels\' ("bad key!") is not a Kubernetes label key: an optional DNS subdomain prefix and \'/\', then a name of at most 63 alphanumerics, \'-\', \'_\' or \'.\', e.g. \'nvidia.com/gpu.present\''));
    expect(() => make({ discovery: { labels: { release: 'has space' } } })).toThrow(
      new Error("'discovery.labels.release' (\"has space\") must be a valid Kubernetes label value: at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric"));
    expect(() => make({ discovery: { labels: {}, interval: Duration.millis(500) } })).toThrow(new Error("'discovery.interval' (\"500ms\") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(1))"));
    expect(() => make({ path: 'metrics' })).toThrow(new Error("'path' (\"metrics\") must start with / and contain no whitespace"));
  });
});

describe('PodMetricsMonitor names and copied pod labels', () => {
  function poolIn(chart = testChart(), name = 'pool'): VllmPool {
    return new VllmPool(chart, name, { model: 'org/llama', accelerator: Accelerator.nvidiaGpu(1) });
  }

  test('named like the workload unless told; copyPodLabels renders one replace relabeling per label', () => {
    const chart = testChart();
    const pool = poolIn(chart);
    new PodMetricsMonitor(chart, 'm', {
      workload: pool.deployment, port: 'http', discovery: DISCOVERY, copyPodLabels: { model_pool: 'app.kubernetes.io/instance', app: 'app.kubernetes.io/name' },
    });
    new PodMetricsMonitor(chart, 'n', { workload: pool.deployment, port: 'http', discovery: DISCOVERY, name: 'pool-extra' });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const monitors = manifests.filter(m => m.kind === 'PodMonitor');
    expect(monitors.map(m => m.metadata.name).sort()).toEqual(['pool', 'pool-extra']);
    const first = monitors.find(m => m.metadata.name === 'pool')!;
    expect(first.spec.podMetricsEndpoints[0].relabelings).toEqual([
      { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], targetLabel: 'model_pool', action: 'replace' },
      { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], targetLabel: 'app', action: 'replace' },
    ]);
    expect(monitors.find(m => m.metadata.name === 'pool-extra')!.spec.podMetricsEndpoints[0].relabelings).toBeUndefined();
  });

  test('two PodMonitors with one name in one namespace', () => {
    const chart = testChart();
    const pool = poolIn(chart);
    pool.monitor(DISCOVERY);
    expect(() => new PodMetricsMonitor(chart, 'm', { workload: pool.deployment, port: 'http', discovery: DISCOVERY })).toThrow(new Error(
      '\'name\' ("pool") names a PodMonitor in namespace "llm" that \'test/pool/Monitor\' already renders: \'test/m\' would overwrite it on apply; give one of them another name'));
  });

  test('bad copied labels', () => {
    const chart = testChart();
    const pool = poolIn(chart);
    const make = (copyPodLabels: Record<string, string>) =>
      new PodMetricsMonitor(chart, `m${Math.random()}`, { workload: pool.deployment, port: 'http', discovery: DISCOVERY, name: `m${Object.keys(copyPodLabels)[0].length}`, copyPodLabels });
    expect(() => make({ 'pool-name': 'app.kubernetes.io/instance' })).toThrow(new Error(
      "'copyPodLabels' (\"pool-name\") must map Prometheus label names (letters, digits and '_', not starting with a digit or '__') to pod label keys"));
    expect(() => make({ __pool: 'app.kubernetes.io/instance' })).toThrow(new Error(
      "'copyPodLabels' (\"__pool\") must map Prometheus label names (letters, digits and '_', not starting with a digit or '__') to pod label keys"));
    expect(() => make({ namespace: 'app.kubernetes.io/instance' })).toThrow(new Error(
      "'copyPodLabels' (\"namespace\") is a label Prometheus or prometheus-operator sets on every target (job, instance, namespace, pod, container, endpoint): choose another target label name"));
    expect(() => make({ pool: 'team' })).toThrow(new Error(
      "'copyPodLabels.pool' (\"team\") is not a label of the pods of 'test/pool/Resource': the target label would be empty"));
    expect(() => make({ pool: 'bad key!' })).toThrow(new Error(
      "'copyPodLabels.pool' (\"bad key!\") is not a Kubernetes label key: an optional DNS subdomain prefix and '/', then a name of at most 63 alphanumerics, '-', '_' or '.', e.g. 'nvidia.com/gpu.present'"));
  });
});

describe('PodMetricsMonitor discovery from plain JavaScript', () => {
  test('missing or malformed discovery names the prop', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', { model: 'org/llama', accelerator: Accelerator.nvidiaGpu(1) });
    const make = (discovery: unknown) => () => new PodMetricsMonitor(chart, `m${Math.random()}`, {
      workload: pool.deployment, port: 'http', discovery: discovery as { labels: Record<string, string> }, name: 'm',
    });
    expect(make(undefined)).toThrow(new Error(
      "'discovery' (undefined) is required: the labels Prometheus selects monitors by, e.g. { labels: { release: 'kube-prometheus-stack' } } ({ labels: {} } for a Prometheus that selects every monitor)"));
    expect(() => pool.monitor(undefined as unknown as { labels: Record<string, string> })).toThrow(new Error(
      "'discovery' (undefined) is required: the labels Prometheus selects monitors by, e.g. { labels: { release: 'kube-prometheus-stack' } } ({ labels: {} } for a Prometheus that selects every monitor)"));
    expect(make({})).toThrow(new Error(
      "'discovery.labels' (undefined) must be an object of labels, e.g. { release: 'kube-prometheus-stack' } ({} for a Prometheus that selects every monitor)"));
    expect(make({ labels: { release: 7 } })).toThrow(new Error("'discovery.labels.release' (7) must be a string"));
    expect(make({ labels: {}, interval: 15 })).toThrow(new Error("'discovery.interval' (15) must be a Duration, e.g. Duration.seconds(15)"));
    expect(make({ labels: {}, interval: Duration.millis(0.5) })).toThrow(new Error("'discovery.interval' (\"0.0005s\") must be whole seconds greater than 0"));
    expect(make({ labels: {}, interval: Duration.seconds(NaN) })).toThrow(new Error("'discovery.interval' (\"NaNs\") must be whole seconds greater than 0"));
  });

  test('a refused monitor() call can be corrected', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', { model: 'org/llama', accelerator: Accelerator.nvidiaGpu(1) });
    expect(() => pool.monitor({ labels: { release: 'has space' } })).toThrow(new Error(
      "'discovery.labels.release' (\"has space\") must be a valid Kubernetes label value: at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric"));
    pool.monitor(DISCOVERY);
    expect(oneOfKind(synth(chart), 'PodMonitor').metadata.labels).toEqual(DISCOVERY.labels);
  });

  test('the monitor exposes its discovery', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', { model: 'org/llama', accelerator: Accelerator.nvidiaGpu(1) });
    expect(pool.monitor(DISCOVERY).discovery).toEqual(DISCOVERY);
  });
});
