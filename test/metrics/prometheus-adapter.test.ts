import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parse } from 'yaml';
import {
  Accelerator, AdapterMetric, AdapterMetricKind, DcgmMetrics, HorizontalAutoscaler, HpaMetric, KedaScaledObject, KedaTrigger,
  LiteLLMMetrics, PodUser, PROMETHEUS_ADAPTER_IMAGE, PrometheusAdapter, PrometheusAdapterProps, ScopedMetric, VllmMetrics, VllmPool,
} from '../../lib';
import { METRIC_LABEL_POOL } from '../../lib/core/_labels';
import { poolName } from '../../lib/metrics/_pool-identity';
import { promqlSyntaxError } from '../../lib/metrics/promql';
import { allOfKind, containerOf, Manifest, oneOfKind, synth, testChart, SCRAPER } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const PROMETHEUS = 'http://prometheus-operated.monitoring.svc:9090';
const INSTALL: PrometheusAdapterProps = { install: true, prometheusUrl: PROMETHEUS };
const RULES_ONLY: PrometheusAdapterProps = { configMapName: 'prometheus-adapter-rules' };

/** The parsed config.yaml of the adapter's ConfigMap. */
function adapterConfig(manifests: Manifest[]): Record<string, any> {
  return parse(oneOfKind(manifests, 'ConfigMap').data['config.yaml']);
}

/** Synthesizes and strictly validates. */
function synthValid(chart: Chart): Manifest[] {
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return manifests;
}

/** A pool served as `llama` in `chart`, monitored (its PodMonitor adds the pool label) unless told otherwise. */
function llamaPool(chart: Chart, id = 'llama', monitor = true): VllmPool {
  const pool = new VllmPool(chart, id, { model: 'meta-llama/Llama-3.1-8B-Instruct', servedModelName: 'llama', accelerator: Accelerator.nvidiaGpu(1) });
  if (monitor) pool.monitor({ labels: {}, scraper: SCRAPER });
  return pool;
}

/**
 * A pool helper's value with its pool label, as the pool's helpers render it once they scope by
 * `{ namespace, pool, model_name }` (the same key and value, so this is a no-op on them).
 */
function withPool(pool: VllmPool, metric: ScopedMetric): ScopedMetric {
  return metric.with({ [METRIC_LABEL_POOL]: poolName(pool) });
}

/** The matchers of a scoped metric as the adapter renders them. */
function matchersOf(metric: ScopedMetric): string[] {
  return Object.entries(metric.matchers).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
}

/** The objects of a kind whose name contains a fragment. */
function named(manifests: Manifest[], kind: string, fragment: string): Manifest[] {
  return allOfKind(manifests, kind).filter(m => m.metadata.name.includes(fragment));
}

describe('rules only (the default)', () => {
  const chart = testChart();
  const adapter = new PrometheusAdapter(chart, 'adapter', RULES_ONLY);
  const util = adapter.addPodsMetric(DcgmMetrics.GPU_UTIL);
  const manifests = synthValid(chart);
  const config = adapterConfig(manifests);

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('renders only the ConfigMap, named as given, in the chart namespace', () => {
    expect(manifests.map(m => m.kind)).toEqual(['ConfigMap']);
    const cm = oneOfKind(manifests, 'ConfigMap');
    expect(cm.metadata).toMatchObject({ name: 'prometheus-adapter-rules', namespace: 'llm' });
    expect(adapter.configMap.name).toBe('prometheus-adapter-rules');
    expect(adapter.installed).toBe(false);
    expect(adapter.deployment).toBeUndefined();
  });

  test('a per-GPU utilization rule: per-pod series query, namespace and pod overrides, averaged over the pod\'s GPUs by <<.GroupBy>>', () => {
    expect(config).toEqual({
      rules: [{
        seriesQuery: '{__name__="DCGM_FI_DEV_GPU_UTIL",namespace!="",pod!=""}',
        resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
        name: { matches: '^DCGM_FI_DEV_GPU_UTIL$', as: 'DCGM_FI_DEV_GPU_UTIL' },
        // Summed, a pod on four busy GPUs would read 400 %.
        metricsQuery: 'avg(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
      }],
    });
  });

  test('other gauges are summed per pod (framebuffer used: the pod\'s total)', () => {
    const c = testChart();
    const a = new PrometheusAdapter(c, 'adapter', RULES_ONLY);
    a.addPodsMetric(DcgmMetrics.FB_USED);
    a.addPodsMetric(DcgmMetrics.GR_ENGINE_ACTIVE);
    expect(adapterConfig(synthValid(c)).rules.map((r: Manifest) => r.metricsQuery)).toEqual([
      'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
      'avg(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
    ]);
  });

  test('returns a typed handle: the name, kind pods, the catalog entry', () => {
    expect(util).toBeInstanceOf(AdapterMetric);
    expect(util.name).toBe('DCGM_FI_DEV_GPU_UTIL');
    expect(util.kind).toBe(AdapterMetricKind.PODS);
    expect(util.definition).toBe(DcgmMetrics.GPU_UTIL);
    expect(util.adapterPath).toBe(adapter.node.path);
    expect(adapter.metrics).toEqual([util]);
  });

  test('no external rules unless added', () => {
    expect(config.externalRules).toBeUndefined();
  });
});

describe('rules', () => {
  test('a counter: rate() over 2m, _total renamed _per_second', () => {
    const chart = testChart();
    const adapter = new PrometheusAdapter(chart, 'adapter', RULES_ONLY);
    const tokens = adapter.addPodsMetric(LiteLLMMetrics.TOTAL_TOKENS);
    const [rule] = adapterConfig(synthValid(chart)).rules;
    expect(tokens.name).toBe('litellm_total_tokens_metric_per_second');
    expect(rule).toEqual({
      seriesQuery: '{__name__="litellm_total_tokens_metric_total",namespace!="",pod!=""}',
      resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
      name: { matches: '^litellm_total_tokens_metric_total$', as: 'litellm_total_tokens_metric_per_second' },
      metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)',
    });
  });

  test('a counter with its own rate window and name', () => {
    const chart = testChart();
    const adapter = new PrometheusAdapter(chart, 'adapter', RULES_ONLY);
    const rps = adapter.addPodsMetric(LiteLLMMetrics.PROXY_TOTAL_REQUESTS, { rateWindow: Duration.seconds(90), name: 'litellm_requests_per_second' });
    const [rule] = adapterConfig(synthValid(chart)).rules;
    expect(rps.name).toBe('litellm_requests_per_second');
    expect(rule.name).toEqual({ matches: '^litellm_proxy_total_requests_metric_total$', as: 'litellm_requests_per_second' });
    expect(rule.metricsQuery).toBe('sum(rate(<<.Series>>{<<.LabelMatchers>>}[90s])) by (<<.GroupBy>>)');
  });

  test('a name without a colon is kept (DCGM)', () => {
    const adapter = new PrometheusAdapter(testChart(), 'adapter', RULES_ONLY);
    expect(adapter.addPodsMetric(DcgmMetrics.GPU_UTIL).name).toBe('DCGM_FI_DEV_GPU_UTIL');
  });

  test('several rules keep their order; every query parses once its templates are filled', () => {
    const chart = testChart();
    const adapter = new PrometheusAdapter(chart, 'adapter', RULES_ONLY);
    const pool = llamaPool(chart);
    adapter.addPodsMetric(DcgmMetrics.GPU_UTIL);
    adapter.addPodsMetric(withPool(pool, pool.metricKvCacheUsage()));
    adapter.addPodsMetric(LiteLLMMetrics.TOTAL_TOKENS);
    const { rules } = adapterConfig(synthValid(chart));
    const suffix = poolName(pool).replace(/-/g, '_');
    expect(rules.map((r: Manifest) => r.name.as)).toEqual(['DCGM_FI_DEV_GPU_UTIL', `vllm_kv_cache_usage_perc_${suffix}`, 'litellm_total_tokens_metric_per_second']);
    for (const rule of rules) {
      const filled = rule.metricsQuery
        .replace('<<.Series>>', rule.name.matches.slice(1, -1))
        .replace('<<.LabelMatchers>>', 'namespace="llm",pod="p"')
        .replace('<<.GroupBy>>', 'pod');
      expect(promqlSyntaxError(filled)).toBeUndefined();
      expect(promqlSyntaxError(rule.seriesQuery)).toBeUndefined();
    }
  });

  test('an Object metric maps namespace and the object label, groups by <<.GroupBy>>', () => {
    const chart = testChart();
    const adapter = new PrometheusAdapter(chart, 'adapter', RULES_ONLY);
    const inFlight = adapter.addObjectMetric(LiteLLMMetrics.IN_FLIGHT_REQUESTS, { label: 'service', resource: 'service' });
    const [rule] = adapterConfig(synthValid(chart)).rules;
    expect(inFlight.kind).toBe(AdapterMetricKind.OBJECT);
    expect(inFlight.describedResource).toBe('service');
    expect(rule).toEqual({
      seriesQuery: '{__name__="litellm_in_flight_requests",namespace!="",service!=""}',
      resources: { overrides: { namespace: { resource: 'namespace' }, service: { resource: 'service' } } },
      name: { matches: '^litellm_in_flight_requests$', as: 'litellm_in_flight_requests' },
      metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
    });
  });

  test('an Object metric with an API group', () => {
    const chart = testChart();
    new PrometheusAdapter(chart, 'adapter', RULES_ONLY)
      .addObjectMetric(LiteLLMMetrics.IN_FLIGHT_REQUESTS, { label: 'ingress', resource: 'ingress', group: 'networking.k8s.io' });
    expect(adapterConfig(synthValid(chart)).rules[0].resources.overrides.ingress).toEqual({ group: 'networking.k8s.io', resource: 'ingress' });
  });

  test('an external metric goes to externalRules, namespaced, one value for the matching series', () => {
    const chart = testChart();
    const adapter = new PrometheusAdapter(chart, 'adapter', RULES_ONLY);
    adapter.addPodsMetric(DcgmMetrics.GPU_UTIL);
    const requests = adapter.addExternalMetric(LiteLLMMetrics.PROXY_TOTAL_REQUESTS);
    const config = adapterConfig(synthValid(chart));
    expect(requests.kind).toBe(AdapterMetricKind.EXTERNAL);
    expect(config.rules).toHaveLength(1);
    expect(config.externalRules).toEqual([{
      seriesQuery: '{__name__="litellm_proxy_total_requests_metric_total",namespace!=""}',
      resources: { overrides: { namespace: { resource: 'namespace' } } },
      name: { matches: '^litellm_proxy_total_requests_metric_total$', as: 'litellm_proxy_total_requests_metric_per_second' },
      metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m]))',
    }]);
  });

  test('the same name in rules and externalRules is allowed (two APIs)', () => {
    const adapter = new PrometheusAdapter(testChart(), 'adapter', RULES_ONLY);
    adapter.addPodsMetric(DcgmMetrics.FB_USED);
    expect(() => adapter.addExternalMetric(DcgmMetrics.FB_USED)).not.toThrow();
  });
});

describe('install: true', () => {
  const chart = testChart();
  const adapter = new PrometheusAdapter(chart, 'adapter', INSTALL);
  adapter.addPodsMetric(DcgmMetrics.GPU_UTIL);
  const manifests = synthValid(chart);
  const deployment = oneOfKind(manifests, 'Deployment');
  const container = containerOf(deployment, 'prometheus-adapter');
  const pod = deployment.spec.template.spec;
  const service = oneOfKind(manifests, 'Service');
  const serviceAccount = oneOfKind(manifests, 'ServiceAccount');
  const adapterSubject = { apiGroup: '', kind: 'ServiceAccount', name: serviceAccount.metadata.name, namespace: 'llm' };

  test('NetworkPolicy: only the secure port 6443 is open (the API server calls it); selectors by stable labels', () => {
    const np = oneOfKind(manifests, 'NetworkPolicy');
    expect(np.metadata.name).toBe('adapter');
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'prometheus-adapter', 'app.kubernetes.io/instance': 'adapter' });
    expect(Object.keys(deployment.spec.template.metadata.labels)).not.toContain('cdk8s.io/metadata.addr');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(np.spec.podSelector).toEqual({ matchLabels: deployment.spec.selector.matchLabels });
    expect(np.spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 6443, protocol: 'TCP' }] }]);
  });

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('the pinned v0.12.0 image, 2 replicas', () => {
    expect(container.image).toBe('registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0');
    expect(PROMETHEUS_ADAPTER_IMAGE).toBe(container.image);
    expect(deployment.spec.replicas).toBe(2);
  });

  test('the real flags: prometheus URL, mounted config, 1m relist, secure port 6443, cert dir', () => {
    expect(container.args).toEqual([
      `--prometheus-url=${PROMETHEUS}`,
      '--config=/etc/adapter/config.yaml',
      '--metrics-relist-interval=1m',
      '--secure-port=6443',
      '--cert-dir=/tmp/cert',
    ]);
  });

  test('the ConfigMap is mounted read-only at /etc/adapter; /tmp is an emptyDir', () => {
    const cm = oneOfKind(manifests, 'ConfigMap');
    const volumes = Object.fromEntries(pod.volumes.map((v: Manifest) => [v.name, v]));
    expect(volumes.config.configMap.name).toBe(cm.metadata.name);
    expect(container.volumeMounts).toEqual(expect.arrayContaining([
      { mountPath: '/etc/adapter', name: 'config', readOnly: true },
      { mountPath: '/tmp', name: 'tmp' },
    ]));
    expect(volumes.tmp.emptyDir).toBeDefined();
  });

  test('the pods roll when the rules change', () => {
    const annotation = deployment.spec.template.metadata.annotations['checksum/config'];
    expect(annotation).toMatch(/^[0-9a-f]{64}$/);
    const other = testChart();
    const more = new PrometheusAdapter(other, 'adapter', INSTALL);
    more.addPodsMetric(DcgmMetrics.GPU_UTIL);
    more.addPodsMetric(DcgmMetrics.FB_USED);
    expect(oneOfKind(synth(other), 'Deployment').spec.template.metadata.annotations['checksum/config']).not.toBe(annotation);
  });

  test('probes /livez and /readyz over HTTPS on 6443', () => {
    expect(container.ports).toEqual([{ containerPort: 6443, name: 'https' }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/livez', port: 6443, scheme: 'HTTPS' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 6443, scheme: 'HTTPS' });
  });

  test('hardened: non-root 10001, read-only root, no capabilities, RuntimeDefault seccomp; requests and limits', () => {
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true, runAsUser: 10001, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
      privileged: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001 });
    expect(container.resources).toEqual({ requests: { cpu: '102m', memory: '180Mi' }, limits: { cpu: '1', memory: '512Mi' } });
  });

  test('runs as its ServiceAccount, with its token (it is an aggregated API server)', () => {
    expect(pod.serviceAccountName).toBe(serviceAccount.metadata.name);
    expect(pod.automountServiceAccountToken).toBe(true);
  });

  test('a Service on 443 to the https port', () => {
    expect(service.spec.ports).toEqual([{ name: 'https', port: 443, targetPort: 6443 }]);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(adapter.service?.name).toBe(service.metadata.name);
  });

  test('APIService v1beta1.custom.metrics.k8s.io to the Service, cluster-scoped', () => {
    const apiService = oneOfKind(manifests, 'APIService');
    expect(apiService.apiVersion).toBe('apiregistration.k8s.io/v1');
    expect(apiService.metadata.name).toBe('v1beta1.custom.metrics.k8s.io');
    expect(apiService.metadata.namespace).toBeUndefined();
    expect(apiService.spec).toEqual({
      service: { name: service.metadata.name, namespace: 'llm', port: 443 },
      group: 'custom.metrics.k8s.io',
      version: 'v1beta1',
      groupPriorityMinimum: 100,
      versionPriority: 100,
      insecureSkipTLSVerify: true,
    });
  });

  test('no external metrics APIService without external rules', () => {
    expect(allOfKind(manifests, 'APIService').map(a => a.metadata.name)).toEqual(['v1beta1.custom.metrics.k8s.io']);
  });

  test('auth-delegator ClusterRoleBinding for the adapter', () => {
    const [binding] = named(manifests, 'ClusterRoleBinding', 'auth-delegator');
    expect(binding.metadata.namespace).toBeUndefined();
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' });
    expect(binding.subjects).toEqual([adapterSubject]);
  });

  test('RoleBinding to extension-apiserver-authentication-reader in kube-system', () => {
    const binding = oneOfKind(manifests, 'RoleBinding');
    expect(binding.metadata.namespace).toBe('kube-system');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'extension-apiserver-authentication-reader' });
    expect(binding.subjects).toEqual([adapterSubject]);
  });

  test('resource-reader ClusterRole (namespaces, pods, services, configmaps: read) bound to the adapter', () => {
    const role = oneOfKind(manifests, 'ClusterRole', 'resource-reader');
    expect(role.metadata.namespace).toBeUndefined();
    expect(role.rules.map((r: Manifest) => [r.apiGroups, r.resources, r.verbs])).toEqual(['namespaces', 'pods', 'services', 'configmaps'].map(r => [[''], [r], ['get', 'list', 'watch']]));
    const [binding] = named(manifests, 'ClusterRoleBinding', 'resource-reader');
    expect(binding.roleRef.name).toBe(role.metadata.name);
    expect(binding.subjects).toEqual([adapterSubject]);
  });

  test('the HPA controller may read custom.metrics.k8s.io', () => {
    const role = oneOfKind(manifests, 'ClusterRole', 'custom-metrics-reader');
    expect(role.rules).toEqual([{ apiGroups: ['custom.metrics.k8s.io'], resources: ['*'], resourceNames: [], verbs: ['get', 'list', 'watch'] }]);
    const [binding] = named(manifests, 'ClusterRoleBinding', 'custom-metrics-reader');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ apiGroup: '', kind: 'ServiceAccount', name: 'horizontal-pod-autoscaler', namespace: 'kube-system' }]);
  });

  test('every cluster-scoped object is without namespace', () => {
    for (const kind of ['ClusterRole', 'ClusterRoleBinding', 'APIService']) {
      for (const m of allOfKind(manifests, kind)) expect(m.metadata.namespace).toBeUndefined();
    }
  });

  test('image, replicas, relist interval, resources and user as given; configMapName kept', () => {
    const c = testChart();
    new PrometheusAdapter(c, 'adapter', {
      ...INSTALL, image: 'registry.example/prometheus-adapter:v0.12.0', replicas: 3, metricsRelistInterval: Duration.seconds(30),
      resources: { cpu: { request: kplus.Cpu.millis(50) }, memory: { request: Size.mebibytes(256), limit: Size.mebibytes(256) } }, user: PodUser.fixed(2000), configMapName: 'adapter-config',
    }).addPodsMetric(DcgmMetrics.GPU_UTIL);
    const out = synthValid(c);
    const d = oneOfKind(out, 'Deployment');
    const ctr = containerOf(d, 'prometheus-adapter');
    expect(ctr.image).toBe('registry.example/prometheus-adapter:v0.12.0');
    expect(d.spec.replicas).toBe(3);
    expect(ctr.args).toContain('--metrics-relist-interval=30s');
    expect(ctr.resources).toEqual({ requests: { cpu: '50m', memory: '256Mi' }, limits: { memory: '256Mi' } });
    expect(ctr.securityContext.runAsUser).toBe(2000);
    expect(oneOfKind(out, 'ConfigMap').metadata.name).toBe('adapter-config');
  });

  test('an external metric adds APIService v1beta1.external.metrics.k8s.io and the HPA controller\'s read access', () => {
    const c = testChart();
    const a = new PrometheusAdapter(c, 'adapter', INSTALL);
    a.addPodsMetric(DcgmMetrics.GPU_UTIL);
    a.addExternalMetric(LiteLLMMetrics.PROXY_TOTAL_REQUESTS);
    a.addExternalMetric(LiteLLMMetrics.IN_FLIGHT_REQUESTS);
    const out = synthValid(c);
    expect(allOfKind(out, 'APIService').map(x => x.metadata.name)).toEqual(['v1beta1.custom.metrics.k8s.io', 'v1beta1.external.metrics.k8s.io']);
    const external = allOfKind(out, 'APIService').find(x => x.metadata.name === 'v1beta1.external.metrics.k8s.io')!;
    expect(external.spec).toMatchObject({ group: 'external.metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, insecureSkipTLSVerify: true });
    const role = oneOfKind(out, 'ClusterRole', 'external-metrics-reader');
    expect(role.rules).toEqual([{ apiGroups: ['external.metrics.k8s.io'], resources: ['*'], resourceNames: [], verbs: ['get', 'list', 'watch'] }]);
    const [binding] = named(out, 'ClusterRoleBinding', 'external-metrics-reader');
    expect(binding.subjects).toEqual([{ apiGroup: '', kind: 'ServiceAccount', name: 'horizontal-pod-autoscaler', namespace: 'kube-system' }]);
  });

  test('only external metrics: no custom metrics APIService', () => {
    const c = testChart();
    new PrometheusAdapter(c, 'adapter', INSTALL).addExternalMetric(LiteLLMMetrics.PROXY_TOTAL_REQUESTS);
    expect(allOfKind(synthValid(c), 'APIService').map(x => x.metadata.name)).toEqual(['v1beta1.external.metrics.k8s.io']);
  });
});

describe('HPA metrics by typed link', () => {
  test('HpaMetric.adapterPods on a VllmPool renders a Pods metric with the renamed name', () => {
    const chart = testChart();
    const adapter = new PrometheusAdapter(chart, 'adapter', INSTALL);
    const pool = llamaPool(chart);
    const waiting = adapter.addPodsMetric(withPool(pool, pool.metricRequestsWaiting()));
    new HorizontalAutoscaler(chart, 'hpa', { target: pool, maxReplicas: 4, metrics: [HpaMetric.adapterPods(waiting, 5)] });
    const hpa = oneOfKind(synthValid(chart), 'HorizontalPodAutoscaler');
    expect(hpa.spec.metrics).toEqual([
      { type: 'Pods', pods: { metric: { name: `vllm_num_requests_waiting_${poolName(pool).replace(/-/g, '_')}` }, target: { type: 'AverageValue', averageValue: 5 } } },
    ]);
  });

  test('adapterPods with a fraction and a selector', () => {
    const chart = testChart();
    const adapter = new PrometheusAdapter(chart, 'adapter', RULES_ONLY);
    const pool = llamaPool(chart);
    const kv = adapter.addPodsMetric(withPool(pool, pool.metricKvCacheUsage()), { name: 'llama_kv_cache_usage' });
    new HorizontalAutoscaler(chart, 'hpa', { target: pool, maxReplicas: 4, metrics: [HpaMetric.adapterPods(kv, 0.8, { engine: '0' })] });
    const hpa = oneOfKind(synthValid(chart), 'HorizontalPodAutoscaler');
    expect(hpa.spec.metrics[0].pods).toEqual({
      metric: { name: 'llama_kv_cache_usage', selector: { matchLabels: { engine: '0' } } },
      target: { type: 'AverageValue', averageValue: '800m' },
    });
  });

  test('adapterObject and adapterExternal', () => {
    const chart = testChart();
    const adapter = new PrometheusAdapter(chart, 'adapter', RULES_ONLY);
    const inFlight = adapter.addObjectMetric(LiteLLMMetrics.IN_FLIGHT_REQUESTS, { label: 'service', resource: 'service' });
    const requests = adapter.addExternalMetric(LiteLLMMetrics.PROXY_TOTAL_REQUESTS);
    const pool = new VllmPool(chart, 'pool', { model: 'org/m', accelerator: Accelerator.nvidiaGpu(1) });
    new HorizontalAutoscaler(chart, 'hpa', {
      target: pool, maxReplicas: 4,
      metrics: [
        HpaMetric.adapterObject(inFlight, { apiVersion: 'v1', kind: 'Service', name: 'litellm' }, { averageValue: 10 }),
        HpaMetric.adapterExternal(requests, { averageValue: 2 }),
      ],
    });
    const hpa = oneOfKind(synthValid(chart), 'HorizontalPodAutoscaler');
    expect(hpa.spec.metrics).toEqual([
      {
        type: 'Object',
        object: {
          describedObject: { apiVersion: 'v1', kind: 'Service', name: 'litellm' },
          metric: { name: 'litellm_in_flight_requests' },
          target: { type: 'AverageValue', averageValue: 10 },
        },
      },
      { type: 'External', external: { metric: { name: 'litellm_proxy_total_requests_metric_per_second' }, target: { type: 'AverageValue', averageValue: 2 } } },
    ]);
  });

  test('a metric of another kind is refused, naming the right factory', () => {
    const chart = testChart();
    const adapter = new PrometheusAdapter(chart, 'adapter', RULES_ONLY);
    const requests = adapter.addExternalMetric(LiteLLMMetrics.PROXY_TOTAL_REQUESTS);
    const pool = new VllmPool(chart, 'pool', { model: 'org/m', accelerator: Accelerator.nvidiaGpu(1) });
    expect(() => new HorizontalAutoscaler(chart, 'hpa', { target: pool, maxReplicas: 4, metrics: [HpaMetric.adapterPods(requests, 5)] }))
      .toThrow('\'metrics[0].metric\' ("litellm_proxy_total_requests_metric_per_second") is an External metric of PrometheusAdapter \'test/adapter\', not a Pods metric: use HpaMetric.adapterExternal()');
  });

  test('an Object metric on another kind of object is refused', () => {
    const chart = testChart();
    const adapter = new PrometheusAdapter(chart, 'adapter', RULES_ONLY);
    const inFlight = adapter.addObjectMetric(LiteLLMMetrics.IN_FLIGHT_REQUESTS, { label: 'service', resource: 'service' });
    const pool = new VllmPool(chart, 'pool', { model: 'org/m', accelerator: Accelerator.nvidiaGpu(1) });
    const metric = HpaMetric.adapterObject(inFlight, { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'gw' }, { value: 10 });
    expect(() => new HorizontalAutoscaler(chart, 'hpa', { target: pool, maxReplicas: 4, metrics: [metric] }))
      .toThrow('\'metrics[0].describedObject.kind\' ("Ingress") is not the resource adapter metric "litellm_in_flight_requests" describes (service): the adapter would find no series for it');
  });
});

describe('KEDA owns the external metrics API', () => {
  const trigger = KedaTrigger.prometheus({ serverAddress: PROMETHEUS, query: 'sum(vllm:num_requests_waiting{namespace="llm"})', threshold: 5, name: 'queue' });

  test('external rules beside a KEDA ScaledObject in the App fail synth', () => {
    const app = Testing.app();
    const platform = new Chart(app, 'platform', { namespace: 'monitoring' });
    const adapter = new PrometheusAdapter(platform, 'adapter', INSTALL);
    adapter.addPodsMetric(DcgmMetrics.GPU_UTIL);
    adapter.addExternalMetric(LiteLLMMetrics.PROXY_TOTAL_REQUESTS);
    const serving = new Chart(app, 'serving', { namespace: 'llm' });
    const pool = new VllmPool(serving, 'pool', { model: 'org/m', accelerator: Accelerator.nvidiaGpu(1) });
    new KedaScaledObject(serving, 'so', { target: pool, maxReplicas: 3, triggers: [trigger], fallback: { replicas: 1 } });
    expect(() => app.synth()).toThrow('\'externalMetrics\' (["litellm_proxy_total_requests_metric_per_second"]) must be empty when the App has a KEDA ScaledObject (\'serving/so\'): KEDA owns the external metrics API (v1beta1.external.metrics.k8s.io); both claiming it breaks installs. Serve the metric with addPodsMetric() or scale on it with a KEDA prometheus trigger');
  });

  test('also in rules-only mode', () => {
    const chart = testChart();
    const adapter = new PrometheusAdapter(chart, 'adapter', RULES_ONLY);
    adapter.addExternalMetric(LiteLLMMetrics.PROXY_TOTAL_REQUESTS);
    const pool = new VllmPool(chart, 'pool', { model: 'org/m', accelerator: Accelerator.nvidiaGpu(1) });
    new KedaScaledObject(chart, 'so', { target: pool, maxReplicas: 3, triggers: [trigger], fallback: { replicas: 1 } });
    expect(() => synth(chart)).toThrow('KEDA owns the external metrics API (v1beta1.external.metrics.k8s.io)');
  });

  test('Pods metrics beside KEDA are fine', () => {
    const chart = testChart();
    new PrometheusAdapter(chart, 'adapter', INSTALL).addPodsMetric(DcgmMetrics.GPU_UTIL);
    const pool = new VllmPool(chart, 'pool', { model: 'org/m', accelerator: Accelerator.nvidiaGpu(1) });
    new KedaScaledObject(chart, 'so', { target: pool, maxReplicas: 3, triggers: [trigger], fallback: { replicas: 1 } });
    const manifests = synthValid(chart);
    expect(allOfKind(manifests, 'APIService').map(a => a.metadata.name)).toEqual(['v1beta1.custom.metrics.k8s.io']);
  });
});

describe('errors', () => {
  test('a bad prometheus URL', () => {
    for (const url of ['prometheus:9090', 'ftp://prometheus:9090', 'http://user:pass@prometheus:9090', 'http://prometheus:9090/?x=1']) {
      expect(() => new PrometheusAdapter(testChart(), 'adapter', { install: true, prometheusUrl: url }))
        .toThrow(`'prometheusUrl' (${JSON.stringify(url)}) must be an http:// or https:// URL without credentials, query or fragment, e.g. http://prometheus-operated.monitoring.svc:9090`);
    }
  });

  test('install without a prometheus URL', () => {
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { install: true }))
      .toThrow('\'prometheusUrl\' (undefined) must be set when \'install\' is true: the adapter queries this Prometheus (e.g. http://prometheus-operated.monitoring.svc:9090)');
  });

  test('rules only without a ConfigMap name', () => {
    expect(() => new PrometheusAdapter(testChart(), 'adapter'))
      .toThrow('\'configMapName\' (undefined) must be set when \'install\' is false: the existing adapter mounts a ConfigMap by a fixed name (with the Helm chart, set rules.existing to this name)');
  });

  test('install-only props without install', () => {
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { ...RULES_ONLY, prometheusUrl: PROMETHEUS }))
      .toThrow(`'prometheusUrl' (${JSON.stringify(PROMETHEUS)}) applies only when 'install' is true: without it only the rules ConfigMap is rendered, and the existing install keeps its own settings`);
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { ...RULES_ONLY, metricsRelistInterval: Duration.minutes(5) }))
      .toThrow('\'metricsRelistInterval\' ("5 minutes") applies only when \'install\' is true');
  });

  test('an invalid ConfigMap name', () => {
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { configMapName: 'Adapter_Rules' }))
      .toThrow('\'configMapName\' ("Adapter_Rules") must be a DNS-1123 subdomain');
  });

  test('replicas and relist interval', () => {
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { ...INSTALL, replicas: 0 })).toThrow('\'replicas\' (0) must be a whole number greater than 0');
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { ...INSTALL, metricsRelistInterval: Duration.millis(500) }))
      .toThrow('\'metricsRelistInterval\' ("500ms") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(1))');
  });

  test('no chart namespace', () => {
    expect(() => new PrometheusAdapter(testChart(null), 'adapter', RULES_ONLY))
      .toThrow('\'Chart.namespace\' (undefined) must be set for PrometheusAdapter');
  });

  test('a duplicate metric', () => {
    const adapter = new PrometheusAdapter(testChart(), 'adapter', RULES_ONLY);
    adapter.addPodsMetric(DcgmMetrics.GPU_UTIL);
    expect(() => adapter.addPodsMetric(DcgmMetrics.GPU_UTIL))
      .toThrow('\'name\' ("DCGM_FI_DEV_GPU_UTIL") is already served by PrometheusAdapter \'test/adapter\' (rules[0], from "^DCGM_FI_DEV_GPU_UTIL$"): two rules with one name make the adapter\'s answer ambiguous; add each metric once and reuse its AdapterMetric');
  });

  test('two metrics renamed alike', () => {
    const adapter = new PrometheusAdapter(testChart(), 'adapter', RULES_ONLY);
    adapter.addPodsMetric(DcgmMetrics.GPU_UTIL);
    expect(() => adapter.addPodsMetric(DcgmMetrics.FB_USED, { name: 'DCGM_FI_DEV_GPU_UTIL' }))
      .toThrow('\'name\' ("DCGM_FI_DEV_GPU_UTIL") is already served by PrometheusAdapter \'test/adapter\' (rules[0]');
  });

  test('a histogram as a Pods metric', () => {
    const adapter = new PrometheusAdapter(testChart(), 'adapter', RULES_ONLY);
    expect(() => adapter.addPodsMetric(LiteLLMMetrics.REQUEST_TOTAL_LATENCY))
      .toThrow('\'definition\' ("litellm_request_total_latency_metric") is a histogram: an adapter metric needs one value per pod, and a histogram is a family of _bucket, _sum and _count series; serve a quantile per pod with addPodsQuantileMetric(), record the value you want as a gauge (a recording rule) and add that, or scale on a gauge such as vllm:num_requests_waiting');
  });

  test('a name with a colon', () => {
    const adapter = new PrometheusAdapter(testChart(), 'adapter', RULES_ONLY);
    expect(() => adapter.addPodsMetric(DcgmMetrics.GPU_UTIL, { name: 'vllm:waiting' }))
      .toThrow('\'name\' ("vllm:waiting") must be a metric name of letters, digits and \'_\' (no \':\': the Kubernetes metrics APIs refuse it), not starting with a digit');
  });

  test('a rate window on a gauge', () => {
    const adapter = new PrometheusAdapter(testChart(), 'adapter', RULES_ONLY);
    expect(() => adapter.addPodsMetric(DcgmMetrics.GPU_UTIL, { rateWindow: Duration.minutes(5) }))
      .toThrow('\'rateWindow\' ("5 minutes") applies to counters only: "DCGM_FI_DEV_GPU_UTIL" is a gauge, served as it is');
  });

  test('an Object metric with a bad label or resource', () => {
    const adapter = new PrometheusAdapter(testChart(), 'adapter', RULES_ONLY);
    expect(() => adapter.addObjectMetric(LiteLLMMetrics.IN_FLIGHT_REQUESTS, { label: 'namespace', resource: 'namespace' }))
      .toThrow('\'label\' ("namespace") must be a Prometheus label name other than namespace and __name__ (letters, digits and \'_\', not starting with a digit)');
    expect(() => adapter.addObjectMetric(LiteLLMMetrics.IN_FLIGHT_REQUESTS, { label: 'service', resource: 'Services' }))
      .toThrow('\'resource\' ("Services") must be a Kubernetes resource, singular and lower-case, e.g. service or ingress');
  });

  test('an adapter serving nothing fails synth', () => {
    const chart = testChart();
    new PrometheusAdapter(chart, 'adapter', RULES_ONLY);
    expect(() => synth(chart)).toThrow('\'metrics\' ([]) must not be empty: PrometheusAdapter \'test/adapter\' serves nothing; call addPodsMetric() at least once');
  });

  test('two installed adapters both registering the custom metrics APIService', () => {
    const chart = testChart();
    new PrometheusAdapter(chart, 'a', INSTALL).addPodsMetric(DcgmMetrics.GPU_UTIL);
    new PrometheusAdapter(chart, 'b', INSTALL).addPodsMetric(DcgmMetrics.FB_USED);
    expect(() => synth(chart)).toThrow('\'install\' (true) conflicts with PrometheusAdapter \'test/b\': both register the APIService v1beta1.custom.metrics.k8s.io, and only one server can own it; add the metrics to one adapter');
  });
});

describe('metric identity: rules on a pool\'s series', () => {
  test('a pool helper\'s matchers scope the discovery and the query; the name ends in the pool\'s', () => {
    const chart = testChart();
    const adapter = new PrometheusAdapter(chart, 'adapter', RULES_ONLY);
    const pool = llamaPool(chart);
    const helper = withPool(pool, pool.metricRequestsWaiting());
    const waiting = adapter.addPodsMetric(helper);
    const [rule] = adapterConfig(synthValid(chart)).rules;
    const scope = matchersOf(helper);
    expect(scope).toEqual(expect.arrayContaining(['namespace="llm"', `pool="${poolName(pool)}"`, 'model_name="llama"']));
    expect(waiting.name).toBe(`vllm_num_requests_waiting_${poolName(pool).replace(/-/g, '_')}`);
    expect(waiting.definition).toBe(VllmMetrics.NUM_REQUESTS_WAITING);
    expect(rule).toEqual({
      seriesQuery: `{__name__="vllm:num_requests_waiting",${scope.join(',')},pod!=""}`,
      resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
      name: { matches: '^vllm:num_requests_waiting$', as: waiting.name },
      metricsQuery: `sum(<<.Series>>{<<.LabelMatchers>>,${scope.filter(m => !m.startsWith('namespace=')).join(',')}}) by (<<.GroupBy>>)`,
    });
    expect(promqlSyntaxError(rule.seriesQuery)).toBeUndefined();
  });

  test('two pools serving one model name get one rule each, never a shared one', () => {
    const chart = testChart();
    const adapter = new PrometheusAdapter(chart, 'adapter', RULES_ONLY);
    const a = llamaPool(chart, 'llama-a');
    const b = llamaPool(chart, 'llama-b');
    const ra = adapter.addPodsMetric(withPool(a, a.metricRequestsWaiting()));
    const rb = adapter.addPodsMetric(withPool(b, b.metricRequestsWaiting()));
    expect(ra.name).not.toBe(rb.name);
    const rules = adapterConfig(synthValid(chart)).rules;
    expect(rules[0].seriesQuery).toContain(`pool="${poolName(a)}"`);
    expect(rules[1].seriesQuery).toContain(`pool="${poolName(b)}"`);
  });

  test('a counter of a pool: rate() over the pool\'s series only', () => {
    const chart = testChart();
    const adapter = new PrometheusAdapter(chart, 'adapter', RULES_ONLY);
    const pool = llamaPool(chart);
    const helper = withPool(pool, pool.metricGenerationTokens());
    const tokens = adapter.addPodsMetric(helper);
    const [rule] = adapterConfig(synthValid(chart)).rules;
    expect(tokens.name).toBe(`vllm_generation_tokens_per_second_${poolName(pool).replace(/-/g, '_')}`);
    expect(rule.metricsQuery).toBe(`sum(rate(<<.Series>>{<<.LabelMatchers>>,${matchersOf(helper).filter(m => !m.startsWith('namespace=')).join(',')}}[2m])) by (<<.GroupBy>>)`);
  });

  test('a bare vLLM catalog metric is refused: it would read every pool\'s series', () => {
    const adapter = new PrometheusAdapter(testChart(), 'adapter', RULES_ONLY);
    expect(() => adapter.addPodsMetric(VllmMetrics.NUM_REQUESTS_WAITING)).toThrow(new Error(
      '\'metric\' ("vllm:num_requests_waiting") is a pool metric: a rule on the bare name reads every pool\'s series, so two pools serving one model name would scale on each other\'s load; pass the pool\'s metric helper (e.g. adapter.addPodsMetric(pool.metricRequestsWaiting())), which scopes the rule by the pool\'s \'pool\' label'));
    expect(() => adapter.addExternalMetric(VllmMetrics.KV_CACHE_USAGE)).toThrow(
      'pass the pool\'s metric helper (e.g. adapter.addExternalMetric(pool.metricRequestsWaiting()))');
  });

  test('a rule on a pool without a PodMonitor fails synth, naming the pool and the fix', () => {
    const chart = testChart();
    const adapter = new PrometheusAdapter(chart, 'adapter', RULES_ONLY);
    const pool = llamaPool(chart, 'llama', false);
    const waiting = adapter.addPodsMetric(withPool(pool, pool.metricRequestsWaiting()));
    expect(() => synth(chart)).toThrow(
      `'rules[0] (${waiting.name})' ("test/llama") has no PodMonitor, but PrometheusAdapter 'test/adapter' reads its series by the 'pool' label, which only the pool's PodMonitor adds at scrape time (without it the query matches nothing); call pool.monitor(discovery) on 'test/llama'`);
    pool.monitor({ labels: {}, scraper: SCRAPER });
    expect(() => synthValid(chart)).not.toThrow();
  });

  test('a metric that is neither a helper\'s value nor a catalog metric', () => {
    const adapter = new PrometheusAdapter(testChart(), 'adapter', RULES_ONLY);
    expect(() => adapter.addPodsMetric('vllm:num_requests_waiting' as any)).toThrow(new Error(
      '\'metric\' ("vllm:num_requests_waiting") must be a metric helper\'s value (pool.metricRequestsWaiting()) or a catalog metric (DcgmMetrics.GPU_UTIL)'));
  });
});

describe('names', () => {
  const chart = testChart();
  const adapter = new PrometheusAdapter(chart, 'prometheus-adapter', INSTALL);
  adapter.addPodsMetric(DcgmMetrics.GPU_UTIL);
  adapter.addExternalMetric(LiteLLMMetrics.PROXY_TOTAL_REQUESTS);
  const manifests = synthValid(chart);
  const names = (kind: string) => allOfKind(manifests, kind).map(m => m.metadata.name).sort();

  test('every object is named from the construct id: no hash', () => {
    expect(adapter.name).toBe('prometheus-adapter');
    expect(names('Deployment')).toEqual(['prometheus-adapter']);
    expect(names('Service')).toEqual(['prometheus-adapter']);
    expect(names('ServiceAccount')).toEqual(['prometheus-adapter']);
    expect(names('ConfigMap')).toEqual(['prometheus-adapter-config']);
    expect(names('RoleBinding')).toEqual(['prometheus-adapter-auth-reader']);
    expect(names('ClusterRole')).toEqual(['prometheus-adapter-custom-metrics-reader', 'prometheus-adapter-external-metrics-reader', 'prometheus-adapter-resource-reader']);
    expect(names('ClusterRoleBinding')).toEqual([
      'prometheus-adapter-auth-delegator', 'prometheus-adapter-custom-metrics-reader', 'prometheus-adapter-external-metrics-reader', 'prometheus-adapter-resource-reader',
    ]);
    expect(names('APIService')).toEqual(['v1beta1.custom.metrics.k8s.io', 'v1beta1.external.metrics.k8s.io']);
    for (const m of manifests) expect(m.metadata.name).not.toMatch(/-[0-9a-f]{8}$/);
  });

  test('the instance label is the base name', () => {
    expect(oneOfKind(manifests, 'Deployment').metadata.labels['app.kubernetes.io/instance']).toBe('prometheus-adapter');
  });

  test('a name of its own', () => {
    const c = testChart();
    const a = new PrometheusAdapter(c, 'adapter', { ...INSTALL, name: 'metrics-adapter' });
    a.addPodsMetric(DcgmMetrics.GPU_UTIL);
    const out = synthValid(c);
    expect(oneOfKind(out, 'Deployment').metadata.name).toBe('metrics-adapter');
    expect(oneOfKind(out, 'ConfigMap').metadata.name).toBe('metrics-adapter-config');
  });

  test('two adapters named alike in two namespaces clash on their cluster-wide RBAC, naming both', () => {
    const app = Testing.app();
    new PrometheusAdapter(new Chart(app, 'a', { namespace: 'one' }), 'adapter', INSTALL);
    expect(() => new PrometheusAdapter(new Chart(app, 'b', { namespace: 'two' }), 'adapter', INSTALL)).toThrow(new Error(
      '\'name\' ("adapter-auth-delegator") names a rbac/ClusterRoleBinding cluster-wide that \'a/adapter\' already renders: \'b/adapter\' would overwrite it on apply; give one of them another name'));
  });

  test('a name that is no DNS-1035 label', () => {
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { ...INSTALL, name: 'Adapter' })).toThrow(new Error(
      '\'name\' ("Adapter") must be a DNS-1035 label (at most 63 lower-case alphanumerics or \'-\', starting with a letter and ending with an alphanumeric): object names come from it; set \'name\' to a name like \'llama-3-1-8b\''));
  });
});

describe('user', () => {
  test('platform-assigned: no runAsUser, runAsGroup or fsGroup; still non-root, read-only, no capabilities', () => {
    const chart = testChart();
    new PrometheusAdapter(chart, 'adapter', { ...INSTALL, user: PodUser.platformAssigned() }).addPodsMetric(DcgmMetrics.GPU_UTIL);
    const deployment = oneOfKind(synthValid(chart), 'Deployment');
    const ctr = containerOf(deployment, 'prometheus-adapter');
    for (const ctx of [deployment.spec.template.spec.securityContext, ctr.securityContext]) {
      expect(ctx).not.toHaveProperty('runAsUser');
      expect(ctx).not.toHaveProperty('runAsGroup');
      expect(ctx).not.toHaveProperty('fsGroup');
      expect(ctx.runAsNonRoot).toBe(true);
    }
    expect(ctr.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  test('root, a uid number, the old runAsUser prop, or user without install are refused', () => {
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { ...INSTALL, user: PodUser.fixed(0) })).toThrow(new Error(
      '\'user\' (0) must not be root: the adapter needs no privilege; use PodUser.fixed(10001) or PodUser.platformAssigned()'));
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { ...INSTALL, user: 2000 as any })).toThrow(new Error(
      '\'user\' (2000) must be a PodUser: PodUser.fixed(uid) or PodUser.platformAssigned()'));
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { ...INSTALL, runAsUser: 2000 } as any)).toThrow(new Error(
      '\'runAsUser\' (2000) was replaced by \'user\': PodUser.fixed(uid) or PodUser.platformAssigned()'));
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { ...RULES_ONLY, user: PodUser.fixed(2000) })).toThrow(new Error(
      '\'user\' ("fixed") applies only when \'install\' is true: without it only the rules ConfigMap is rendered, and the existing install keeps its own settings'));
  });

  test('a ConfigMap name that is no string', () => {
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { configMapName: 42 as any })).toThrow(new Error(
      '\'configMapName\' (42) must be a ConfigMap name: a DNS-1123 subdomain'));
  });

  test('hostile input: install cast in, a relist interval of NaN, an image with whitespace', () => {
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { install: 'yes' as any, prometheusUrl: PROMETHEUS })).toThrow(new Error(
      '\'install\' ("yes") must be true or false'));
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { ...INSTALL, metricsRelistInterval: Duration.seconds(NaN) })).toThrow(new Error(
      '\'metricsRelistInterval\' ("NaN") must be a finite Duration'));
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { ...INSTALL, image: 'registry.k8s.io/prometheus-adapter:v0.12.0 --evil' })).toThrow(new Error(
      '\'image\' ("registry.k8s.io/prometheus-adapter:v0.12.0 --evil") must be an image reference without whitespace'));
    expect(() => new PrometheusAdapter(testChart(), 'adapter', RULES_ONLY).addPodsMetric(LiteLLMMetrics.TOTAL_TOKENS, { rateWindow: Duration.seconds(NaN) }))
      .toThrow(new Error('\'rateWindow\' ("NaN") must be a finite Duration'));
    expect(() => new PrometheusAdapter(testChart(), 'adapter', RULES_ONLY).addPodsMetric(LiteLLMMetrics.TOTAL_TOKENS, { rateWindow: Duration.millis(1500) }))
      .toThrow(new Error('\'rateWindow\' ("1500ms") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(2))'));
  });
});
