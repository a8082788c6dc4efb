import { App, Chart, Duration, Testing } from 'cdk8s';
import {
  Accelerator, AdapterMetricKind, HorizontalAutoscaler, HpaMetric, KedaMetricType, KedaTrigger, LiteLLMProxy, LlmSignal, MetricType,
  PrometheusAdapter, RecordedOperation, RecordingGroup, RecordingRules, RecordingRulesProps, ServingAlerts, SignalSource, VllmMetrics, VllmPool, defineMetric,
  isCatalogSeries, promqlMetricNames, promqlSyntaxError,
} from '../../lib';
import { parse } from 'yaml';
import { PromRule, ruleGroupsOf } from '../util/promtool';
import { Manifest, SCRAPER, allOfKind, oneOfKind, synth } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const DISCOVERY = { labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER };
const PROMETHEUS = { serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' };
const MASTER_KEY = { secretName: 'litellm', key: 'master-key' };

interface Stack {
  readonly app: App;
  readonly models: Chart;
  readonly monitoring: Chart;
  readonly llama: VllmPool;
  readonly qwen: VllmPool;
  readonly proxy: LiteLLMProxy;
}

/** Two monitored pools in `llm` behind a proxy in `litellm`, a monitoring chart. */
function stack(monitorQwen = true): Stack {
  const app = Testing.app();
  const gateway = new Chart(app, 'gateway', { namespace: 'litellm' });
  const models = new Chart(app, 'models', { namespace: 'llm' });
  const monitoring = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  const proxy = new LiteLLMProxy(gateway, 'proxy', { masterKey: MASTER_KEY });
  const llama = new VllmPool(models, 'llama', { model: 'meta-llama/Llama-3.1-8B-Instruct', servedModelName: 'llama-3-1-8b', accelerator: Accelerator.nvidiaGpu(1) });
  const qwen = new VllmPool(models, 'qwen', { model: 'Qwen/Qwen2.5-7B-Instruct', servedModelName: 'qwen2-5-7b', accelerator: Accelerator.nvidiaGpu(1) });
  llama.monitor(DISCOVERY);
  if (monitorQwen) qwen.monitor(DISCOVERY);
  proxy.addBackend(llama);
  proxy.addBackend(qwen);
  return { app, models, monitoring, llama, qwen, proxy };
}

function recording(s: Stack, props: Partial<RecordingRulesProps> = {}, id = 'recording'): RecordingRules {
  return new RecordingRules(s.monitoring, id, { pools: [s.llama, s.qwen], proxy: s.proxy, discovery: DISCOVERY, ...props });
}

function synthApp(app: App): Manifest[] {
  return app.charts.flatMap(c => synth(c));
}

function recordRulesOf(rule: Manifest): PromRule[] {
  return (rule.spec.groups as Array<{ rules: PromRule[] }>).flatMap(g => g.rules);
}

function recordRules(manifests: Manifest[]): PromRule[] {
  return ruleGroupsOf(manifests).flatMap(g => g.rules);
}

/** The one rule recording `record` whose expression selects `matcher` (e.g. `pool="llama"`). */
function recordRule(manifests: Manifest[], record: string, matcher: string): PromRule {
  const found = recordRules(manifests).filter(r => r.record === record && r.expr.includes(matcher));
  if (found.length !== 1) throw new Error(`expected one rule ${record} with ${matcher}, found ${found.length}`);
  return found[0];
}

const POOL_RECORDS = [
  'namespace_pool:vllm_time_to_first_token_seconds:p50_5m',
  'namespace_pool:vllm_time_to_first_token_seconds:p95_5m',
  'namespace_pool:vllm_time_to_first_token_seconds:p99_5m',
  'namespace_pool:vllm_e2e_request_latency_seconds:p95_5m',
  'namespace_pool:vllm_e2e_request_latency_seconds:p99_5m',
  'namespace_pool:vllm_request_queue_time_seconds:p95_5m',
  'namespace_pool:vllm_inter_token_latency_seconds:p95_5m',
  'namespace_pool:vllm_generation_tokens:rate5m',
  'namespace_pool:vllm_prompt_tokens:rate5m',
  'namespace_pool:vllm_prefix_cache_hits:ratio_rate5m',
  'namespace_pool:vllm_request_success:error_ratio_rate5m',
];
const PROXY_RECORDS = [
  'namespace_requested_model:litellm_proxy_total_requests_metric:rate5m',
  'namespace_requested_model:litellm_proxy_failed_requests_metric:ratio_rate5m',
  'namespace_requested_model:litellm_request_total_latency_metric:p95_5m',
];

describe('RecordingRules: defaults', () => {
  const s = stack();
  const rules = recording(s);
  const manifests = synthApp(s.app);
  const rule = oneOfKind(manifests, 'PrometheusRule', 'recording');

  test('one PrometheusRule named after the construct id, with the discovery labels, valid against its CRD', () => {
    expect(rule.metadata).toMatchObject({ name: 'recording', namespace: 'monitoring', labels: { 'release': 'kube-prometheus-stack', 'app.kubernetes.io/instance': 'recording' } });
    expectValidManifests(manifests);
  });

  test('a pool group with every pool rule once per pool, a proxy group with the proxy rules', () => {
    const groups = rule.spec.groups as Array<{ name: string; rules: PromRule[] }>;
    expect(groups.map(g => g.name)).toEqual([RecordingGroup.POOLS, RecordingGroup.PROXY]);
    const pools = groups.find(g => g.name === RecordingGroup.POOLS)!.rules;
    expect(pools.filter(r => r.expr.includes('pool="llama"')).map(r => r.record)).toEqual(POOL_RECORDS);
    expect(pools.filter(r => r.expr.includes('pool="qwen"')).map(r => r.record)).toEqual(POOL_RECORDS);
    expect(groups.find(g => g.name === RecordingGroup.PROXY)!.rules.map(r => r.record)).toEqual(PROXY_RECORDS);
    expect(recordRules(manifests).every(r => r.alert === undefined && r.for === undefined)).toBe(true);
  });

  test('every name is level:metric:operations; every expression parses and reads only catalog series', () => {
    for (const r of recordRules(manifests)) {
      expect(r.record).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+$/);
      expect(promqlSyntaxError(r.expr)).toBeUndefined();
      for (const name of promqlMetricNames(r.expr)) expect(isCatalogSeries(name)).toBe(true);
    }
  });

  test('pool rules read the pool\'s series by namespace, pool and model name, and keep those labels', () => {
    const p95 = recordRule(manifests, 'namespace_pool:vllm_time_to_first_token_seconds:p95_5m', 'pool="llama"');
    expect(p95.expr).toBe('histogram_quantile(0.95, sum by (namespace, pool, model_name, le) (rate(vllm:time_to_first_token_seconds_bucket{namespace="llm",pool="llama",model_name="llama-3-1-8b"}[5m])))');
    expect(recordRule(manifests, 'namespace_pool:vllm_generation_tokens:rate5m', 'pool="qwen"').expr)
      .toBe('sum by (namespace, pool, model_name) (rate(vllm:generation_tokens_total{namespace="llm",pool="qwen",model_name="qwen2-5-7b"}[5m]))');
    expect(recordRule(manifests, 'namespace_pool:vllm_prefix_cache_hits:ratio_rate5m', 'pool="llama"').expr).toBe(
      'sum by (namespace, pool, model_name) (rate(vllm:prefix_cache_hits_total{namespace="llm",pool="llama",model_name="llama-3-1-8b"}[5m]))'
      + ' / sum by (namespace, pool, model_name) (rate(vllm:prefix_cache_queries_total{namespace="llm",pool="llama",model_name="llama-3-1-8b"}[5m]))');
    expect(recordRule(manifests, 'namespace_pool:vllm_request_success:error_ratio_rate5m', 'pool="llama"').expr).toContain('finished_reason="error"');
  });

  test('proxy rules are per model group (requested_model) in the proxy\'s namespace', () => {
    expect(recordRule(manifests, PROXY_RECORDS[2], 'namespace="litellm"').expr)
      .toBe('histogram_quantile(0.95, sum by (namespace, requested_model, le) (rate(litellm_request_total_latency_metric_bucket{namespace="litellm"}[5m])))');
  });

  test('each recorded series is a typed value with its selector, operation and subject', () => {
    const p99 = rules.pool(s.llama).ttftP99;
    expect(p99.name).toBe('namespace_pool:vllm_time_to_first_token_seconds:p99_5m');
    expect(p99.selector).toBe('namespace_pool:vllm_time_to_first_token_seconds:p99_5m{namespace="llm",pool="llama",model_name="llama-3-1-8b"}');
    expect(p99).toMatchObject({ operation: RecordedOperation.QUANTILE, quantile: 0.99, pool: s.llama, source: VllmMetrics.TIME_TO_FIRST_TOKEN, labels: ['namespace', 'pool', 'model_name'] });
    expect(p99.definition).toMatchObject({ name: p99.name, type: MetricType.GAUGE });
    expect(p99.rulesPath).toBe('monitoring/recording');
    const group = s.proxy.backendRoutes[0].group;
    expect(rules.proxyMetrics().latencyP95(group).selector).toBe(`${PROXY_RECORDS[2]}{namespace="litellm",requested_model="llama-3-1-8b"}`);
    expect(rules.proxyMetrics().requestRate().selector).toBe(`${PROXY_RECORDS[0]}{namespace="litellm"}`);
    expect(rules.recordedMetrics).toHaveLength(2 * POOL_RECORDS.length + PROXY_RECORDS.length);
  });
});

describe('RecordingRules: your own rules', () => {
  test('addQuantile and addRate on a pool helper, a catalog metric and a declared metric', () => {
    const s = stack();
    const latency = defineMetric('api_request_duration_seconds', MetricType.HISTOGRAM, ['route'], 'latency');
    const rules = recording(s, { window: Duration.minutes(10), declaredMetrics: [latency] });
    const p90 = rules.addQuantile(s.llama.metricRequestQueueTime(), 0.9);
    expect(p90.name).toBe('namespace_pool_model_name:vllm_request_queue_time_seconds:p90_10m');
    const preemptions = rules.addRate(VllmMetrics.NUM_PREEMPTIONS, { by: ['namespace', 'model_name'] });
    expect(preemptions.name).toBe('namespace_model_name:vllm_num_preemptions:rate10m');
    const api = rules.addQuantile(latency, 0.999, { name: 'namespace_route:api_request_duration_seconds:p99_9_10m', by: ['namespace', 'route'] });
    const manifests = synthApp(s.app);
    expectValidManifests(manifests);
    const custom = (oneOfKind(manifests, 'PrometheusRule', 'recording').spec.groups as Array<{ name: string; rules: PromRule[] }>).find(g => g.name === RecordingGroup.CUSTOM)!;
    expect(custom.rules).toEqual([
      { record: p90.name, expr: 'histogram_quantile(0.9, sum by (namespace, pool, model_name, le) (rate(vllm:request_queue_time_seconds_bucket{namespace="llm",pool="llama",model_name="llama-3-1-8b"}[10m])))' },
      { record: preemptions.name, expr: 'sum by (namespace, model_name) (rate(vllm:num_preemptions_total[10m]))' },
      { record: api.name, expr: 'histogram_quantile(0.999, sum by (namespace, route, le) (rate(api_request_duration_seconds_bucket[10m])))' },
    ]);
    // The window is in every name.
    expect(rules.pool(s.llama).ttftP95.name).toBe('namespace_pool:vllm_time_to_first_token_seconds:p95_10m');
  });
});

describe('RecordingRules: consumers', () => {
  test('an HPA on the pool\'s recorded p95 TTFT through the adapter: an Object metric of the pool\'s Deployment, served as it is', () => {
    const s = stack();
    const rules = recording(s);
    const adapter = new PrometheusAdapter(s.monitoring, 'adapter', { install: true, prometheusUrl: PROMETHEUS.serverAddress });
    const ttft = adapter.addRecordedMetric(rules.pool(s.llama).ttftP95);
    expect(ttft).toMatchObject({ name: 'namespace_pool_vllm_time_to_first_token_seconds_p95_5m_llama', kind: AdapterMetricKind.OBJECT, describedResource: 'deployment' });
    new HorizontalAutoscaler(s.models, 'llama-hpa', {
      target: s.llama, maxReplicas: 4,
      metrics: [HpaMetric.adapterObject(ttft, { apiVersion: 'apps/v1', kind: 'Deployment', name: s.llama.deployment.name }, { value: 1.5 })],
    });
    const manifests = synthApp(s.app);
    expectValidManifests(manifests);
    const config = parse(oneOfKind(manifests, 'ConfigMap', 'adapter').data['config.yaml']);
    expect(config.rules).toEqual([{
      seriesQuery: '{__name__="namespace_pool:vllm_time_to_first_token_seconds:p95_5m",namespace="llm",pool="llama",model_name="llama-3-1-8b"}',
      resources: { overrides: { namespace: { resource: 'namespace' }, pool: { group: 'apps', resource: 'deployment' } } },
      name: { matches: '^namespace_pool:vllm_time_to_first_token_seconds:p95_5m$', as: 'namespace_pool_vllm_time_to_first_token_seconds_p95_5m_llama' },
      metricsQuery: 'max(<<.Series>>{<<.LabelMatchers>>,model_name="llama-3-1-8b"}) by (<<.GroupBy>>)',
    }]);
    expect(config.rules[0].metricsQuery).not.toContain('rate(');
    const hpa = oneOfKind(manifests, 'HorizontalPodAutoscaler', 'llama');
    expect(hpa.spec.metrics).toEqual([{
      type: 'Object',
      object: {
        describedObject: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'llama' },
        metric: { name: 'namespace_pool_vllm_time_to_first_token_seconds_p95_5m_llama' },
        target: { type: 'Value', value: '1500m' },
      },
    }]);
  });

  test('a KEDA trigger on the recorded p99 TTFT: one element, no rate, compared as it is', () => {
    const s = stack();
    const rules = recording(s);
    const signal = LlmSignal.recorded(rules.pool(s.llama).ttftP99, 2);
    expect(signal).toMatchObject({ kind: 'recorded_vllm_time_to_first_token_seconds_p99_5m', metricType: KedaMetricType.VALUE, source: SignalSource.OWN_PODS, pool: s.llama });
    expect(signal.query).toBe('max(namespace_pool:vllm_time_to_first_token_seconds:p99_5m{namespace="llm",pool="llama",model_name="llama-3-1-8b"})');
    s.llama.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, signals: [LlmSignal.queueDepth(s.llama, 8), signal] });
    const rate = LlmSignal.recorded(rules.proxyMetrics().requestRate(s.proxy.backendRoutes[1].group), 5);
    expect(rate).toMatchObject({ metricType: KedaMetricType.AVERAGE_VALUE, source: SignalSource.EXTERNAL, pool: undefined });
    const manifests = synthApp(s.app);
    expectValidManifests(manifests);
    const so = oneOfKind(manifests, 'ScaledObject', 'llama');
    const trigger = so.spec.triggers.find((t: Manifest) => t.name === 'recorded_vllm_time_to_first_token_seconds_p99_5m');
    expect(trigger).toMatchObject({ type: 'prometheus', metricType: 'Value', metadata: { query: signal.query, threshold: '2' } });
  });

  test('a recorded series whose rules are in another App is refused at synth, naming the prop', () => {
    const other = stack();
    const rules = recording(other);
    const s = stack();
    const adapter = new PrometheusAdapter(s.monitoring, 'adapter', { configMapName: 'adapter-rules' });
    adapter.addRecordedMetric(rules.pool(other.llama).ttftP95);
    expect(() => synthApp(s.app)).toThrow('\'rules[0] (namespace_pool_vllm_time_to_first_token_seconds_p95_5m_llama)\' ("namespace_pool:vllm_time_to_first_token_seconds:p95_5m") is recorded by RecordingRules \'monitoring/recording\', which is not rendered in the App of \'monitoring/adapter\': nothing would record the series and it would read nothing; create the RecordingRules in the same App');

    const t = stack();
    const elsewhere = new Chart(Testing.app(), 'monitoring', { namespace: 'monitoring' });
    const foreign = new RecordingRules(elsewhere, 'recording', { pools: [t.llama], discovery: DISCOVERY });
    t.llama.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, signals: [LlmSignal.queueDepth(t.llama, 8), LlmSignal.recorded(foreign.pool(t.llama).ttftP99, 2)] });
    expect(() => synthApp(t.app)).toThrow(/'triggers\[\d\]' \("namespace_pool:vllm_time_to_first_token_seconds:p99_5m"\) is recorded by RecordingRules 'monitoring\/recording', which is not rendered in the App of 'models\/llama\/Autoscaler'/);
  });
});

describe('RecordingRules: alerts read the recorded quantiles', () => {
  test('the TTFT and latency SLO alerts of a recorded pool read its recorded p95 / p99; an unrecorded pool keeps the computed quantile', () => {
    const s = stack();
    const rules = recording(s, { pools: [s.llama] });
    new ServingAlerts(s.monitoring, 'alerts', { pools: [s.llama, s.qwen], discovery: DISCOVERY, runbookBaseUrl: 'https://runbooks.example.com/llm', recordingRules: rules });
    const manifests = synthApp(s.app);
    expectValidManifests(manifests);
    // Every object of the ServingAlerts: the shared `alerts` and one per pool.
    const alerts = allOfKind(manifests, 'PrometheusRule').filter(m => m.metadata.name.startsWith('alerts')).flatMap(recordRulesOf);
    expect(allOfKind(manifests, 'PrometheusRule').map(m => m.metadata.name)).toEqual(['recording', 'alerts', 'alerts-llama', 'alerts-qwen']);
    const of = (alert: string, pool: string) => alerts.find(r => r.alert === alert && r.labels?.pool === pool)!.expr;
    expect(of('LlmTtftSloBreach', 'llama')).toBe(`max by (namespace, model_name) (${rules.pool(s.llama).ttftP95.selector}) > 2`);
    expect(of('LlmE2eLatencySloBreach', 'llama')).toBe(`max by (namespace, model_name) (${rules.pool(s.llama).e2eP99.selector}) > 60`);
    expect(of('LlmTtftSloBreach', 'qwen')).toMatch(/^histogram_quantile\(0\.95, sum by \(namespace, model_name, le\) \(rate\(vllm:time_to_first_token_seconds_bucket\{namespace="llm",pool="qwen"/);
  });

  test('recording rules of another App are refused at synth; a non-construct is refused at once', () => {
    const s = stack();
    const foreign = new RecordingRules(new Chart(Testing.app(), 'monitoring', { namespace: 'monitoring' }), 'recording', { pools: [s.llama], discovery: DISCOVERY });
    new ServingAlerts(s.monitoring, 'alerts', { pools: [s.llama], discovery: DISCOVERY, runbookBaseUrl: 'https://runbooks.example.com/llm', recordingRules: foreign });
    expect(() => synthApp(s.app)).toThrow('\'recordingRules\' ("namespace_pool:vllm_time_to_first_token_seconds:p95_5m") is recorded by RecordingRules \'monitoring/recording\', which is not rendered in the App of \'monitoring/alerts\'');
    const t = stack();
    expect(() => new ServingAlerts(t.monitoring, 'alerts', { pools: [t.llama], discovery: DISCOVERY, runbookBaseUrl: 'https://runbooks.example.com/llm', recordingRules: 'recording' as never }))
      .toThrow('\'recordingRules\' ("recording") must be a RecordingRules construct');
  });
});

describe('RecordingRules: bad input', () => {
  test.each<[string, (s: Stack, r: RecordingRules) => unknown, string]>([
    ['an unknown metric', (_s, r) => r.addRate(defineMetric('jobs_done_total', MetricType.COUNTER)),
      '\'metric\' ("jobs_done_total") is neither a catalog metric nor one of \'declaredMetrics\': a rule over a series nothing exports records nothing; use a catalog metric (VllmMetrics, LiteLLMMetrics, ...) or declare yours with defineMetric() in \'declaredMetrics\''],
    ['a quantile of 1.5', (s, r) => r.addQuantile(s.llama.metricTimeToFirstToken(), 1.5),
      '\'quantile\' (1.5) must be greater than 0 and less than 1, e.g. 0.95 for the 95th percentile'],
    ['a quantile of 0', (s, r) => r.addQuantile(s.llama.metricTimeToFirstToken(), 0),
      '\'quantile\' (0) must be greater than 0 and less than 1, e.g. 0.95 for the 95th percentile'],
    ['a quantile of 95 (a percentile)', (s, r) => r.addQuantile(s.llama.metricTimeToFirstToken(), 95),
      '\'quantile\' (95) must be greater than 0 and less than 1, e.g. 0.95 for the 95th percentile'],
    ['a name that is not a metric name', (s, r) => r.addQuantile(s.llama.metricTimeToFirstToken(), 0.9, { name: 'ttft p90' }),
      '\'name\' ("ttft p90") must be a Prometheus metric name in the recording-rule form level:metric:operations (letters, digits and \'_\' in each of the three parts), e.g. namespace:my_latency_seconds:p95_5m'],
    ['a name without a level', (s, r) => r.addRate(s.llama.metricPreemptions(), { name: 'vllm_preemptions_rate5m' }),
      '\'name\' ("vllm_preemptions_rate5m") must be a Prometheus metric name in the recording-rule form level:metric:operations'],
    ['a name already recorded', (s, r) => r.addQuantile(s.llama.metricTimeToFirstToken(), 0.95, { name: 'namespace_pool:vllm_time_to_first_token_seconds:p95_5m' }),
      '\'name\' ("namespace_pool:vllm_time_to_first_token_seconds:p95_5m") is already recorded by RecordingRules \'monitoring/recording\' (from vllm:time_to_first_token_seconds): give each rule its own name'],
    ['a quantile of a counter', (s, r) => r.addQuantile(s.llama.metricPreemptions(), 0.95),
      '\'metric\' ("vllm:num_preemptions_total") is a counter, not a histogram: a quantile needs _bucket series; record its rate with addRate()'],
    ['a rate of a gauge', (s, r) => r.addRate(s.llama.metricRequestsWaiting()),
      '\'metric\' ("vllm:num_requests_waiting") is a gauge, not a counter: rate() reads a gauge\'s ups and downs as resets'],
    ['a by label le', (s, r) => r.addRate(s.llama.metricPreemptions(), { by: ['namespace', 'le'] }),
      '\'by[1]\' ("le") must be a Prometheus label name (letters, digits and \'_\', not starting with a digit or \'__\'), not le'],
    ['a pool that is not one of pools', (s) => recording(s, { pools: [s.llama] }, 'recording2').pool(s.qwen),
      '\'pool\' ("models/qwen") is not one of the \'pools\' of RecordingRules \'monitoring/recording2\': nothing records its series; add it to \'pools\''],
    ['the proxy\'s series without a proxy', (s) => recording(s, { proxy: undefined }, 'recording2').proxyMetrics(),
      '\'proxy\' (undefined) is not set on RecordingRules \'monitoring/recording2\': nothing records the proxy\'s series; set \'proxy\''],
    ['a window that is not whole minutes', (s) => recording(s, { window: Duration.seconds(90) }, 'recording2'),
      '\'window\' ("1 minute 30 seconds") must be whole minutes, at least 2 (a rate needs two scrapes or more; the window is part of each recorded name)'],
    ['a pool listed twice', (s) => recording(s, { pools: [s.llama, s.llama] }, 'recording2'),
      '\'pools[1]\' ("models/llama") is listed twice (also pools[0]): list each pool once'],
    ['a recorded series of the proxy in the adapter', (s, r) => new PrometheusAdapter(s.monitoring, 'adapter', { configMapName: 'x' }).addRecordedMetric(r.proxyMetrics().latencyP95()),
      '\'metric\' ("namespace_requested_model:litellm_request_total_latency_metric:p95_5m") is not a pool\'s recorded series: the adapter serves a recorded series per pool, as an Object metric of the pool\'s Deployment; scale on a proxy\'s recorded series with LlmSignal.recorded() (KEDA)'],
    ['a retyped string in the adapter', (s) => new PrometheusAdapter(s.monitoring, 'adapter', { configMapName: 'x' }).addRecordedMetric('namespace_pool:x:p95_5m' as never),
      '\'metric\' ("namespace_pool:x:p95_5m") must be a RecordedMetric, as returned by RecordingRules (rules.pool(pool).ttftP95, rules.addQuantile(...))'],
    ['a ratio target above 1 in KEDA', (s, r) => LlmSignal.recorded(r.pool(s.llama).prefixCacheHitRatio, 80),
      '\'target\' (80) must be a ratio greater than 0 and at most 1, not a percentage: namespace_pool:vllm_prefix_cache_hits:ratio_rate5m is a ratio from 0 to 1'],
    ['props that are not an object', (s) => new RecordingRules(s.monitoring, 'recording2', null as never),
      '\'props\' (null) must set discovery, and pools or proxy'],
    ['pools that are not a list', (s) => recording(s, { pools: 'llama' as never }, 'recording2'),
      '\'pools\' ("llama") must be a list of ServingPool (VllmPool or MultiNodeVllmPool)'],
    ['a pool that is not a VllmPool', (s) => recording(s, { pools: [s.llama, 'qwen' as never] }, 'recording2'),
      '\'pools[1]\' ("qwen") must be a ServingPool (a VllmPool or a MultiNodeVllmPool)'],
    ['a proxy that is not a LiteLLMProxy', (s) => recording(s, { proxy: {} as never }, 'recording2'),
      '\'proxy\' ({}) must be a LiteLLMProxy'],
    ['declaredMetrics that are not a list', (s) => recording(s, { declaredMetrics: 'x' as never }, 'recording2'),
      '\'declaredMetrics\' ("x") must be a list of metric definitions (defineMetric())'],
    ['a declared metric that is not a definition', (s) => recording(s, { declaredMetrics: [{ name: 'x' } as never] }, 'recording2'),
      '\'declaredMetrics[0]\' ({"name":"x"}) must be a metric definition, as returned by defineMetric()'],
    ['a metric that is no metric', (_s, r) => r.addRate(null as never),
      '\'metric\' (null) must be a metric helper\'s value (pool.metricTimeToFirstToken()) or a metric definition (VllmMetrics.TIME_TO_FIRST_TOKEN, defineMetric())'],
    ['a catalog name with another type', (_s, r) => r.addRate(defineMetric('vllm:num_requests_waiting', MetricType.COUNTER)),
      '\'metric\' ("vllm:num_requests_waiting") is a gauge in the catalog, not a counter'],
    ['options that are not an object', (s, r) => r.addRate(s.llama.metricPreemptions(), null as never),
      '\'options\' (null) must be { name?, by? }'],
    ['an empty by', (s, r) => r.addRate(s.llama.metricPreemptions(), { by: [] }),
      '\'by\' ([]) must be a non-empty list of label names (the labels the recorded series keeps)'],
    ['a model group of another proxy', (_s, r) => r.proxyMetrics().requestRate('premium' as never),
      '\'group\' ("premium") must be a model group of the rules\' proxy, as returned by proxy.addBackend()'],
    ['adapter options that are not an object', (s, r) => new PrometheusAdapter(s.monitoring, 'adapter', { configMapName: 'x' }).addRecordedMetric(r.pool(s.llama).ttftP95, null as never),
      '\'options\' (null) must be { name? }'],
    ['an adapter name with a colon', (s, r) => new PrometheusAdapter(s.monitoring, 'adapter', { configMapName: 'x' }).addRecordedMetric(r.pool(s.llama).ttftP95, { name: 'a:b' }),
      '\'name\' ("a:b") must be a metric name of letters, digits and \'_\' (no \':\': the Kubernetes metrics APIs refuse it), not starting with a digit'],
    ['a recorded series served twice by one adapter', (s, r) => {
      const adapter = new PrometheusAdapter(s.monitoring, 'adapter', { configMapName: 'x' });
      adapter.addRecordedMetric(r.pool(s.llama).ttftP95);
      return adapter.addRecordedMetric(r.pool(s.llama).ttftP95);
    }, '\'name\' ("namespace_pool_vllm_time_to_first_token_seconds_p95_5m_llama") is already served by PrometheusAdapter \'monitoring/adapter\' (rules[0], from "^namespace_pool:vllm_time_to_first_token_seconds:p95_5m$")'],
    ['a KEDA target of 0', (s, r) => LlmSignal.recorded(r.pool(s.llama).ttftP99, 0),
      '\'target\' (0) must be greater than 0'],
    ['a prometheus trigger with a recorded series that is not one', () => KedaTrigger.prometheus({ serverAddress: PROMETHEUS.serverAddress, query: 'max(x)', threshold: 1, recorded: 'x' as never }),
      '\'recorded\' ("x") must be a RecordedMetric, as returned by RecordingRules'],
  ])('%s is refused', (_what, act, message) => {
    const s = stack();
    const r = recording(s);
    expect(() => act(s, r)).toThrow(message);
  });

  test('a pool without its PodMonitor is refused at synth', () => {
    const s = stack(false);
    recording(s);
    expect(() => synthApp(s.app)).toThrow('\'pools[1]\' ("models/qwen") has no PodMonitor, but RecordingRules \'monitoring/recording\' reads its series by the \'pool\' label');
  });

  test('nothing but a RecordedMetric is a recorded series for KEDA', () => {
    expect(() => LlmSignal.recorded({ name: 'namespace_pool:x:p95_5m' } as never, 1)).toThrow('\'metric\' ({"name":"namespace_pool:x:p95_5m"}) must be a RecordedMetric');
  });

  test('every recorded series of a RecordingRules is rendered', () => {
    const s = stack();
    const rules = recording(s);
    const names = new Set(recordRules(synthApp(s.app)).map(r => r.record));
    for (const m of rules.recordedMetrics) expect(names.has(m.name)).toBe(true);
    expect(allOfKind(synthApp(s.app), 'PrometheusRule')).toHaveLength(1);
  });
});
