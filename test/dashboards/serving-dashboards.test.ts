import { App, Chart, Testing } from 'cdk8s';
import {
  Accelerator, HorizontalAutoscaler, HpaMetric, LiteLLMProxy, MetricType, PanelKind, PrometheusAdapter, RecordingRules, ServingDashboard,
  ServingDashboards, ServingDashboardsProps, VllmPool, defineMetric, isCatalogSeries, promqlMetricNames, promqlSyntaxError,
} from '../../lib';
import { Manifest, SCRAPER, allOfKind, oneOfKind, synth } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const DISCOVERY = { labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER };
const PROMETHEUS = { serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' };
const MASTER_KEY = { secretName: 'litellm', key: 'master-key' };

interface Stack {
  readonly app: App;
  readonly monitoring: Chart;
  readonly llama: VllmPool;
  readonly qwen: VllmPool;
  readonly proxy: LiteLLMProxy;
  readonly rules: RecordingRules;
}

/** A proxy in `litellm`, a GPU pool on KEDA and a MIG pool on an HPA in `llm`, recording rules in `monitoring`. */
function stack(monitorQwen = true): Stack {
  const app = Testing.app();
  const gateway = new Chart(app, 'gateway', { namespace: 'litellm' });
  const models = new Chart(app, 'models', { namespace: 'llm' });
  const monitoring = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  const proxy = new LiteLLMProxy(gateway, 'proxy', { masterKey: MASTER_KEY });
  const llama = new VllmPool(models, 'llama', { model: 'meta-llama/Llama-3.1-8B-Instruct', servedModelName: 'llama-3-1-8b', accelerator: Accelerator.nvidiaGpu(1) });
  const qwen = new VllmPool(models, 'qwen', { model: 'Qwen/Qwen2.5-7B-Instruct', servedModelName: 'qwen2-5-7b', accelerator: Accelerator.mig('1g.10gb') });
  llama.monitor(DISCOVERY);
  if (monitorQwen) qwen.monitor(DISCOVERY);
  proxy.addBackend(llama);
  proxy.addBackend(qwen);
  llama.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4 });
  const adapter = new PrometheusAdapter(monitoring, 'adapter', { configMapName: 'adapter-rules' });
  const waiting = adapter.addPodsMetric(qwen.metricRequestsWaiting(), { name: 'qwen_num_requests_waiting' });
  new HorizontalAutoscaler(models, 'qwen-hpa', { target: qwen, maxReplicas: 3, metrics: [HpaMetric.adapterPods(waiting, 5)] });
  const rules = new RecordingRules(monitoring, 'recording', { pools: monitorQwen ? [llama, qwen] : [llama], proxy, discovery: DISCOVERY });
  return { app, monitoring, llama, qwen, proxy, rules };
}

function dashboards(s: Stack, props: Partial<ServingDashboardsProps> = {}): ServingDashboards {
  return new ServingDashboards(s.monitoring, 'llm-dashboards', { proxy: s.proxy, pools: [s.llama, s.qwen], recordingRules: s.rules, ...props });
}

/** The dashboard JSON of the ConfigMap `name`. */
function dashboardOf(manifests: Manifest[], name: string): Record<string, any> {
  const cm = oneOfKind(manifests.filter(m => m.metadata.name === name), 'ConfigMap');
  return JSON.parse(cm.data[`${name}.json`]);
}

/** Every panel (not rows) with its queries. */
function panelsOf(d: Record<string, any>): Array<{ title: string; type: string; exprs: string[] }> {
  return d.panels.filter((p: any) => p.type !== 'row').map((p: any) => ({ title: p.title, type: p.type, exprs: p.targets.map((t: any) => t.expr) }));
}

function rowsOf(d: Record<string, any>): string[] {
  return d.panels.filter((p: any) => p.type === 'row').map((p: any) => p.title);
}

function panel(d: Record<string, any>, title: string): { title: string; type: string; exprs: string[] } {
  const found = panelsOf(d).filter(p => p.title === title);
  if (found.length !== 1) throw new Error(`expected one panel '${title}', found ${found.length}: ${panelsOf(d).map(p => p.title).join(', ')}`);
  return found[0];
}

describe('ServingDashboards', () => {
  let s: Stack;
  let manifests: Manifest[];
  let d: ServingDashboards;
  beforeAll(() => {
    s = stack();
    d = dashboards(s);
    manifests = synth(s.monitoring);
  });

  test('renders four sidecar ConfigMaps, valid strictly', () => {
    expectValidManifests(manifests);
    const names = allOfKind(manifests, 'ConfigMap').map(m => m.metadata.name).filter(n => n.startsWith('llm-dashboards'));
    expect(names.sort()).toEqual(['llm-dashboards-accelerators', 'llm-dashboards-autoscaling', 'llm-dashboards-gateway', 'llm-dashboards-model-pool']);
    for (const name of names) {
      const cm = oneOfKind(manifests.filter(m => m.metadata.name === name), 'ConfigMap');
      expect(cm.metadata.labels.grafana_dashboard).toBe('1');
      expect(cm.metadata.annotations.grafana_folder).toBe('LLM serving');
      expect(cm.metadata.namespace).toBe('monitoring');
      expect(Object.keys(cm.data)).toEqual([`${name}.json`]);
    }
    expect(d.dashboards).toEqual([ServingDashboard.GATEWAY, ServingDashboard.MODEL_POOL, ServingDashboard.AUTOSCALING, ServingDashboard.ACCELERATORS]);
  });

  test('every dashboard has a prometheus datasource variable, namespace (and pool) variables, all used', () => {
    for (const name of ['gateway', 'model-pool', 'autoscaling', 'accelerators']) {
      const json = dashboardOf(manifests, `llm-dashboards-${name}`);
      const vars = json.templating.list;
      expect(vars[0]).toMatchObject({ type: 'datasource', name: 'datasource', query: 'prometheus' });
      const exprs = panelsOf(json).flatMap(p => p.exprs);
      for (const v of vars.slice(1)) {
        expect(v.type).toBe('custom');
        expect(exprs.some(e => e.includes(`$${v.name}`))).toBe(true);
      }
      // Every query reads through the datasource variable.
      for (const p of json.panels.filter((x: any) => x.type !== 'row')) {
        for (const t of p.targets) expect(t.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      }
    }
    expect(dashboardOf(manifests, 'llm-dashboards-model-pool').templating.list.map((v: any) => [v.name, v.query]))
      .toEqual([['datasource', 'prometheus'], ['namespace', 'llm'], ['pool', 'llama,qwen']]);
    expect(dashboardOf(manifests, 'llm-dashboards-gateway').templating.list.map((v: any) => [v.name, v.query]))
      .toEqual([['datasource', 'prometheus'], ['namespace', 'litellm']]);
  });

  test('every query parses and reads only catalog metrics or recorded series', () => {
    const recorded = new Set(s.rules.recordedMetrics.map(m => m.name));
    let count = 0;
    for (const name of ['gateway', 'model-pool', 'autoscaling', 'accelerators']) {
      for (const p of panelsOf(dashboardOf(manifests, `llm-dashboards-${name}`))) {
        for (const expr of p.exprs) {
          const parseable = expr.replace(/\$__(rate_interval|range)/g, '5m');
          expect(promqlSyntaxError(parseable)).toBeUndefined();
          for (const m of promqlMetricNames(parseable)) expect(isCatalogSeries(m) || recorded.has(m)).toBe(true);
          count++;
        }
      }
    }
    expect(count).toBeGreaterThan(30);
  });

  test('Gateway: rows and the questions they answer, recorded error ratio and p95', () => {
    const g = dashboardOf(manifests, 'llm-dashboards-gateway');
    expect(rowsOf(g)).toEqual(['Traffic', 'Errors', 'Latency', 'Fallbacks', 'Tokens and spend']);
    expect(panel(g, 'Requests per second by model group').exprs).toEqual([
      'sum by (requested_model) (rate(litellm_proxy_total_requests_metric_total{namespace=~"$namespace"}[$__rate_interval]))',
    ]);
    expect(panel(g, 'Error ratio by model group').exprs).toEqual([
      'sum by (requested_model) (namespace_requested_model:litellm_proxy_failed_requests_metric:ratio_rate5m{namespace=~"$namespace"})',
    ]);
    expect(panel(g, 'End-to-end latency p95 by model group').exprs).toEqual([
      'sum by (requested_model) (namespace_requested_model:litellm_request_total_latency_metric:p95_5m{namespace=~"$namespace"})',
    ]);
    expect(panel(g, 'Requests in flight').exprs).toEqual(['sum(litellm_in_flight_requests{namespace=~"$namespace"})']);
    expect(panel(g, 'Successful fallbacks').exprs[0]).toContain('litellm_deployment_successful_fallbacks_total{namespace=~"$namespace"}');
    expect(panel(g, 'Tokens per second by model').exprs[0]).toContain('litellm_total_tokens_metric_total{namespace=~"$namespace"}');
    expect(panel(g, 'Spend per hour by model').exprs).toEqual(['sum by (model) (rate(litellm_spend_metric_total{namespace=~"$namespace"}[$__rate_interval])) * 3600']);
    expect(panel(g, 'Spend over the range').type).toBe(PanelKind.STAT);
  });

  test('Model pool: rows, recorded quantiles and rates, replicas from kube-state-metrics', () => {
    const m = dashboardOf(manifests, 'llm-dashboards-model-pool');
    expect(rowsOf(m)).toEqual(['Load', 'Latency', 'Throughput', 'Replicas']);
    expect(panel(m, 'Requests waiting').exprs).toEqual(['sum by (namespace, pool) (vllm:num_requests_waiting{namespace=~"$namespace",pool=~"$pool"})']);
    expect(panel(m, 'KV-cache usage (max over replicas)').exprs).toEqual(['max by (namespace, pool) (vllm:kv_cache_usage_perc{namespace=~"$namespace",pool=~"$pool"})']);
    expect(panel(m, 'Preemptions per second').exprs[0]).toContain('rate(vllm:num_preemptions_total{namespace=~"$namespace",pool=~"$pool"}[$__rate_interval])');
    expect(panel(m, 'Time to first token p50 / p95 / p99').exprs).toEqual([
      'max by (namespace, pool) (namespace_pool:vllm_time_to_first_token_seconds:p50_5m{namespace=~"$namespace",pool=~"$pool"})',
      'max by (namespace, pool) (namespace_pool:vllm_time_to_first_token_seconds:p95_5m{namespace=~"$namespace",pool=~"$pool"})',
      'max by (namespace, pool) (namespace_pool:vllm_time_to_first_token_seconds:p99_5m{namespace=~"$namespace",pool=~"$pool"})',
    ]);
    expect(panel(m, 'Inter-token latency p95').exprs[0]).toContain('namespace_pool:vllm_inter_token_latency_seconds:p95_5m');
    expect(panel(m, 'End-to-end latency p95 / p99').exprs[1]).toContain('namespace_pool:vllm_e2e_request_latency_seconds:p99_5m');
    expect(panel(m, 'Tokens per second').exprs).toEqual([
      'sum by (namespace, pool) (namespace_pool:vllm_prompt_tokens:rate5m{namespace=~"$namespace",pool=~"$pool"})',
      'sum by (namespace, pool) (namespace_pool:vllm_generation_tokens:rate5m{namespace=~"$namespace",pool=~"$pool"})',
    ]);
    expect(panel(m, 'Replicas: available, desired, max').exprs).toEqual([
      'sum by (deployment) (kube_deployment_status_replicas_available{namespace=~"$namespace",deployment=~"$pool"})',
      'sum by (deployment) (kube_deployment_spec_replicas{namespace=~"$namespace",deployment=~"$pool"})',
      'max by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_max_replicas{namespace=~"$namespace",horizontalpodautoscaler=~"keda-hpa-llama|qwen"})',
    ]);
    // No model-load-time panel: no catalog metric measures it.
    expect(panelsOf(m).some(p => /load/i.test(p.title))).toBe(false);
  });

  test('Model pool without recording rules computes quantiles from the buckets', () => {
    const t = stack();
    new ServingDashboards(t.monitoring, 'plain', { pools: [t.llama, t.qwen] });
    const m = dashboardOf(synth(t.monitoring), 'plain-model-pool');
    expect(panel(m, 'Time to first token p50 / p95 / p99').exprs[1]).toBe(
      'histogram_quantile(0.95, sum by (namespace, pool, le) (rate(vllm:time_to_first_token_seconds_bucket{namespace=~"$namespace",pool=~"$pool"}[$__rate_interval])))');
    expect(panel(m, 'Tokens per second').exprs[1]).toBe('sum by (namespace, pool) (rate(vllm:generation_tokens_total{namespace=~"$namespace",pool=~"$pool"}[$__rate_interval]))');
  });

  test('Autoscaling: a row per HPA and ScaledObject, KEDA value vs threshold, errors, failing scalers', () => {
    const a = dashboardOf(manifests, 'llm-dashboards-autoscaling');
    expect(rowsOf(a)).toEqual(expect.arrayContaining(['ScaledObject llm/llama', 'HPA llm/qwen']));
    expect(panel(a, 'llm/llama: replicas desired, current, min, max').exprs).toEqual([
      'max(kube_horizontalpodautoscaler_status_desired_replicas{namespace=~"$namespace",horizontalpodautoscaler="keda-hpa-llama"})',
      'max(kube_horizontalpodautoscaler_status_current_replicas{namespace=~"$namespace",horizontalpodautoscaler="keda-hpa-llama"})',
      'max(kube_horizontalpodautoscaler_spec_min_replicas{namespace=~"$namespace",horizontalpodautoscaler="keda-hpa-llama"})',
      'max(kube_horizontalpodautoscaler_spec_max_replicas{namespace=~"$namespace",horizontalpodautoscaler="keda-hpa-llama"})',
    ]);
    const value = panel(a, 'llm/llama: scaler value vs threshold').exprs;
    expect(value[0]).toBe('max by (triggerIndex, metric) (keda_scaler_metrics_value{namespace=~"$namespace",scaledObject="llama",type="scaledobject"})');
    expect(value.length).toBeGreaterThan(1);
    expect(value.slice(1).every(e => /^\d+(\.\d+)? \* max\(kube_horizontalpodautoscaler_status_current_replicas\{/.test(e) || /^vector\(/.test(e))).toBe(true);
    expect(panel(a, 'llm/llama: scaler errors per second').exprs[0]).toContain('keda_scaler_detail_errors_total{namespace=~"$namespace",scaledObject="llama"}');
    expect(panel(a, 'llm/llama: scalers failing (fallback condition)').exprs).toEqual(['max(increase(keda_scaler_detail_errors_total{namespace=~"$namespace",scaledObject="llama"}[2m]) > bool 0)']);
    expect(panel(a, 'llm/qwen: replicas desired, current, min, max').exprs[0]).toContain('horizontalpodautoscaler="qwen"');
    expect(panelsOf(a).some(p => p.title === 'llm/qwen: scaler value vs threshold')).toBe(false);
  });

  test('Accelerators: engine activity (MIG-aware), utilization on whole GPUs, framebuffer, temperature per pool', () => {
    const x = dashboardOf(manifests, 'llm-dashboards-accelerators');
    expect(rowsOf(x)).toEqual(['Utilization', 'Memory', 'Health']);
    expect(panel(x, 'Graphics engine active (whole GPUs and MIG)').exprs).toEqual([
      'avg by (pool) (label_replace(DCGM_FI_PROF_GR_ENGINE_ACTIVE{namespace=~"$namespace",pod=~"($pool)-[a-z0-9]+-[a-z0-9]+"}, "pool", "$1", "pod", "(.+)-[a-z0-9]+-[a-z0-9]+"))',
    ]);
    expect(panel(x, 'GPU utilization (whole GPUs only)').exprs[0]).toContain('DCGM_FI_DEV_GPU_UTIL{');
    expect(panel(x, 'Framebuffer used').exprs[0]).toContain('DCGM_FI_DEV_FB_USED{');
    expect(panel(x, 'Framebuffer used ratio').exprs[0]).toContain('DCGM_FI_DEV_FB_FREE{');
    expect(panel(x, 'GPU temperature (max)').exprs[0]).toContain('max by (pool) (label_replace(DCGM_FI_DEV_GPU_TEMP{');
  });

  test('the model is the Grafana Foundation SDK dashboard', () => {
    const model = d.model(ServingDashboard.GATEWAY);
    expect(model).toMatchObject({ uid: 'llm-dashboards-gateway', title: 'LLM serving / Gateway', schemaVersion: expect.any(Number) });
  });

  test('no proxy, no GPU pool: only the dashboards it can fill', () => {
    const t = stack();
    const only = new ServingDashboards(t.monitoring, 'auto', {});
    expect(only.dashboards).toEqual([ServingDashboard.AUTOSCALING]);
    expect(() => only.addPanel(ServingDashboard.GATEWAY, { row: 'r', title: 't', queries: [{ expr: 'up' }] }))
      .toThrow('\'dashboard\' ("gateway") is not rendered by ServingDashboards \'monitoring/auto\' (it renders autoscaling)');
  });

  test('custom folder, annotation and sidecar labels', () => {
    const t = stack();
    dashboards(t, { name: 'mine', folder: 'Inference', folderAnnotation: 'k8s-sidecar-target-directory', sidecarLabels: { grafana_dashboard: 'llm' } });
    const cm = oneOfKind(synth(t.monitoring).filter(m => m.metadata.name === 'mine-gateway'), 'ConfigMap');
    expect(cm.metadata.labels.grafana_dashboard).toBe('llm');
    expect(cm.metadata.annotations['k8s-sidecar-target-directory']).toBe('Inference');
  });

  test('addPanel with a declared metric, addVariable used by it', () => {
    const t = stack();
    const mine = defineMetric('queue_jobs_waiting', MetricType.GAUGE, ['namespace', 'queue']);
    const x = dashboards(t, { declaredMetrics: [mine] });
    x.addVariable(ServingDashboard.GATEWAY, { name: 'queue', values: ['a', 'b'] });
    x.addPanel(ServingDashboard.GATEWAY, { row: 'Jobs', title: 'Jobs waiting', queries: [{ expr: 'sum(queue_jobs_waiting{queue=~"$queue"})' }] });
    const g = dashboardOf(synth(t.monitoring), 'llm-dashboards-gateway');
    expect(panel(g, 'Jobs waiting').exprs).toEqual(['sum(queue_jobs_waiting{queue=~"$queue"})']);
    expect(g.templating.list.map((v: any) => v.name)).toEqual(['datasource', 'namespace', 'queue']);
  });
});

test('a dashboard over 200 kB asks Argo CD for a server-side apply; the others do not', () => {
  const s = stack();
  const x = dashboards(s);
  for (let i = 0; i < 400; i++) {
    x.addPanel(ServingDashboard.GATEWAY, { row: 'Many', title: `In flight ${i}`, queries: [{ expr: 'sum(litellm_in_flight_requests{namespace=~"$namespace"})', legend: 'in flight' }] });
  }
  const m = synth(s.monitoring);
  expectValidManifests(m);
  const big = oneOfKind(m.filter(o => o.metadata.name === 'llm-dashboards-gateway'), 'ConfigMap');
  expect(big.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('ServerSideApply=true');
  const small = oneOfKind(m.filter(o => o.metadata.name === 'llm-dashboards-model-pool'), 'ConfigMap');
  expect(small.metadata.annotations['argocd.argoproj.io/sync-options']).toBeUndefined();
});

test('MIG pools only: engine activity, no GPU utilization panel; rules without the proxy: quantiles from buckets', () => {
  const s = stack();
  const rules = new RecordingRules(s.monitoring, 'pool-rules', { pools: [s.qwen], discovery: DISCOVERY });
  new ServingDashboards(s.monitoring, 'mig', { proxy: s.proxy, pools: [s.qwen], recordingRules: rules });
  const m = synth(s.monitoring);
  const x = dashboardOf(m, 'mig-accelerators');
  expect(panelsOf(x).map(p => p.title)).toEqual(['Graphics engine active (whole GPUs and MIG)', 'Framebuffer used', 'Framebuffer used ratio', 'GPU temperature (max)']);
  expect(x.templating.list.map((v: any) => [v.name, v.query])).toEqual([['datasource', 'prometheus'], ['namespace', 'llm'], ['pool', 'qwen']]);
  expect(panel(dashboardOf(m, 'mig-gateway'), 'End-to-end latency p95 by model group').exprs[0]).toMatch(/^histogram_quantile\(0\.95, sum by \(requested_model, le\) \(rate\(litellm_request_total_latency_metric_bucket\{namespace=~"\$namespace"\}/);
  expect(panel(dashboardOf(m, 'mig-model-pool'), 'Queue time p95').exprs[0]).toContain('namespace_pool:vllm_request_queue_time_seconds:p95_5m');
});

describe('ServingDashboards: bad input', () => {
  test('a variable no query uses', () => {
    const s = stack();
    const x = dashboards(s);
    x.addVariable(ServingDashboard.MODEL_POOL, { name: 'engine', values: ['0'] });
    expect(() => synth(s.monitoring)).toThrow('\'dashboards.model-pool.variables[2]\' ("engine") is declared on dashboard \'LLM serving / Model pool\' but no query uses it: picking a value would change nothing; use $engine in a query or remove the variable');
  });

  test('a panel reading an unknown metric', () => {
    const s = stack();
    const x = dashboards(s);
    x.addPanel(ServingDashboard.GATEWAY, { row: 'Mine', title: 'Mystery', queries: [{ expr: 'sum(my_metric{namespace=~"$namespace"})' }] });
    expect(() => synth(s.monitoring)).toThrow(`'dashboards.gateway.panels[10].queries[0]' (${JSON.stringify('sum(my_metric{namespace=~"$namespace"})')}) in panel 'Mystery' of dashboard 'LLM serving / Gateway' reads my_metric, which is neither a catalog metric, a recorded series of the RecordingRules nor one of 'declaredMetrics': the panel would show no data`);
  });

  test('a panel reading a removed metric', () => {
    const s = stack();
    const x = dashboards(s);
    x.addPanel(ServingDashboard.MODEL_POOL, { row: 'Mine', title: 'Old cache', queries: [{ expr: 'max(vllm:gpu_cache_usage_perc{pool=~"$pool"})' }] });
    expect(() => synth(s.monitoring)).toThrow(`'dashboards.model-pool.panels[12].queries[0]' (${JSON.stringify('max(vllm:gpu_cache_usage_perc{pool=~"$pool"})')}) in panel 'Old cache' of dashboard 'LLM serving / Model pool' reads vllm:gpu_cache_usage_perc, which is no longer exported (use vllm:kv_cache_usage_perc (a ratio from 0 to 1)): the panel would show no data`);
  });

  test('a query that is not PromQL', () => {
    const s = stack();
    const x = dashboards(s);
    x.addPanel(ServingDashboard.GATEWAY, { row: 'Mine', title: 'Broken', queries: [{ expr: 'sum(rate(up[5m])' }] });
    expect(() => synth(s.monitoring)).toThrow('\'dashboards.gateway.panels[10].queries[0]\' ("sum(rate(up[5m])") in panel \'Broken\' of dashboard \'LLM serving / Gateway\' is not valid PromQL: syntax error at character 17 (parsed with @prometheus-io/lezer-promql)');
  });

  test('two panels with one title', () => {
    const s = stack();
    const x = dashboards(s);
    x.addPanel(ServingDashboard.GATEWAY, { row: 'Mine', title: 'Requests in flight', queries: [{ expr: 'sum(litellm_in_flight_requests)' }] });
    expect(() => synth(s.monitoring)).toThrow('\'dashboards.gateway.panels[10].title\' ("Requests in flight") is the title of another panel of dashboard \'LLM serving / Gateway\': give each panel its own title');
  });

  test('a pool without its PodMonitor', () => {
    const s = stack(false);
    new ServingDashboards(s.monitoring, 'd', { pools: [s.llama, s.qwen] });
    expect(() => synth(s.monitoring)).toThrow('[monitoring/d] \'pools[1]\' ("models/qwen") has no PodMonitor, but ServingDashboards \'monitoring/d\' reads its series by the \'pool\' label, which only the pool\'s PodMonitor adds at scrape time (without it the query matches nothing); call pool.monitor(discovery) on \'models/qwen\'');
  });

  test('recording rules of another App', () => {
    const s = stack();
    const other = stack();
    new ServingDashboards(s.monitoring, 'd', { pools: [s.llama], recordingRules: other.rules });
    expect(() => synth(s.monitoring)).toThrow('[monitoring/d] \'recordingRules\' ("monitoring/recording") is not in the App of ServingDashboards \'monitoring/d\': nothing would record the series its panels read; create the RecordingRules in the same App');
  });

  test('malformed props, panels and variables', () => {
    const s = stack();
    const m = s.monitoring;
    expect(() => new ServingDashboards(m, 'a', { pools: 'llama' as any })).toThrow('\'pools\' ("llama") must be a list of ServingPool (VllmPool or MultiNodeVllmPool)');
    expect(() => new ServingDashboards(m, 'b', { pools: [s.llama, s.llama] })).toThrow('\'pools[1]\' ("models/llama") is listed twice (also pools[0]): list each pool once');
    expect(() => new ServingDashboards(m, 'c', { proxy: {} as any })).toThrow('\'proxy\' ({}) must be a LiteLLMProxy');
    expect(() => new ServingDashboards(m, 'e', { folder: 'a/b' })).toThrow('\'folder\' ("a/b") must be a non-empty Grafana folder name without \'/\' or \'\\\'');
    expect(() => new ServingDashboards(m, 'h', { folderAnnotation: 'not an annotation' })).toThrow('\'folderAnnotation\' ("not an annotation") must be a Kubernetes annotation name, e.g. grafana_folder');
    expect(() => new ServingDashboards(m, 'i', { declaredMetrics: [{ name: 'x' } as any] })).toThrow('\'declaredMetrics[0]\' ({"name":"x"}) must be a metric definition, as returned by defineMetric()');
    expect(() => new ServingDashboards(m, 'j', { recordingRules: {} as any })).toThrow('\'recordingRules\' ({}) must be a RecordingRules');
    expect(() => new ServingDashboards(m, 'f', { sidecarLabels: {} })).toThrow('\'sidecarLabels\' ({}) must be a non-empty map of label name to string value, e.g. { grafana_dashboard: \'1\' }');
    const x = new ServingDashboards(m, 'g', { proxy: s.proxy });
    expect(() => x.addPanel(ServingDashboard.GATEWAY, { row: 'r', title: 't', queries: [] })).toThrow('\'panel.queries\' ([]) must be a non-empty list of { expr, legend? }');
    expect(() => x.addPanel(ServingDashboard.GATEWAY, { row: '', title: 't', queries: [{ expr: 'up' }] })).toThrow('\'panel.row\' ("") must be a non-empty row title');
    expect(() => x.addVariable(ServingDashboard.GATEWAY, { name: 'namespace', values: ['x'] })).toThrow('\'variable.name\' ("namespace") is already a variable of this dashboard: give each variable its own name');
    expect(() => x.addVariable(ServingDashboard.GATEWAY, { name: '1x', values: ['x'] })).toThrow('\'variable.name\' ("1x") must be a Grafana variable name: letters, digits and \'_\', not starting with a digit or \'__\'');
    expect(() => x.addVariable(ServingDashboard.GATEWAY, { name: 'q', values: [] })).toThrow('\'variable.values\' ([]) must be a non-empty list of non-empty values without commas');
  });
});
