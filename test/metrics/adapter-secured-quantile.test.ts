import { Chart, Duration, Testing } from 'cdk8s';
import { parse } from 'yaml';
import {
  Accelerator, AdapterMetricKind, CaBundle, defineMetric, HorizontalAutoscaler, HpaMetric, LiteLLMMetrics, MetricType, PrometheusAdapter,
  PrometheusAdapterProps, ScopedMetric, VllmPool,
} from '../../lib';
import { promqlSyntaxError } from '../../lib/metrics/promql';
import { allOfKind, containerOf, Manifest, oneOfKind, synth, testChart, SCRAPER } from '../util/synth';
import { expectValidManifests } from '../util/validate';

// prometheus-adapter against a secured Prometheus (flags --prometheus-token-file and
// --prometheus-ca-file, FACTS §D) and quantiles of histograms per pod.

const THANOS = 'https://thanos-querier.openshift-monitoring.svc:9091';
const TOKEN = { secretName: 'thanos-reader-token', key: 'token' };
const LATENCY = defineMetric('http_request_duration_seconds', MetricType.HISTOGRAM, ['route'], 'request latency, seconds');

function adapterConfig(manifests: Manifest[]): Record<string, any> {
  const adapter = allOfKind(manifests, 'ConfigMap').filter(c => 'rules' in (parse(c.data?.['config.yaml'] ?? '{}') ?? {}));
  expect(adapter).toHaveLength(1);
  return parse(adapter[0].data['config.yaml']);
}

function secured(props: Partial<PrometheusAdapterProps> = {}): { chart: Chart; adapter: PrometheusAdapter } {
  const chart = testChart();
  const adapter = new PrometheusAdapter(chart, 'adapter', {
    install: true, prometheusUrl: THANOS, prometheusAuth: { bearerToken: TOKEN, ca: CaBundle.openShiftServiceCa() }, ...props,
  });
  adapter.addPodsQuantileMetric(LATENCY, 0.95);
  return { chart, adapter };
}

describe('prometheusAuth', () => {
  const { chart } = secured();
  const manifests = synth(chart);
  const deployment = oneOfKind(manifests, 'Deployment');
  const container = containerOf(deployment, 'prometheus-adapter');

  test('is valid', () => {
    expectValidManifests(manifests);
  });

  test('the token and the CA as files, passed by flag', () => {
    expect(container.args).toEqual(expect.arrayContaining([
      `--prometheus-url=${THANOS}`,
      '--prometheus-token-file=/etc/prometheus-auth/token/token',
      '--prometheus-ca-file=/etc/prometheus-auth/ca/service-ca.crt',
    ]));
  });

  test('the token Secret key and the CA ConfigMap key mounted read-only, nothing else of them', () => {
    const volumes = deployment.spec.template.spec.volumes;
    expect(volumes).toEqual(expect.arrayContaining([
      { name: 'prometheus-token', secret: { secretName: 'thanos-reader-token', items: [{ key: 'token', path: 'token' }] } },
      { name: 'prometheus-ca', configMap: { name: 'openshift-service-ca.crt', items: [{ key: 'service-ca.crt', path: 'service-ca.crt' }] } },
    ]));
    expect(container.volumeMounts).toEqual(expect.arrayContaining([
      { name: 'prometheus-token', mountPath: '/etc/prometheus-auth/token', readOnly: true },
      { name: 'prometheus-ca', mountPath: '/etc/prometheus-auth/ca', readOnly: true },
    ]));
  });

  test('a CA from a Secret, no token', () => {
    const chart2 = testChart();
    const a = new PrometheusAdapter(chart2, 'adapter', { install: true, prometheusUrl: THANOS, prometheusAuth: { ca: CaBundle.fromSecret({ secretName: 'prom-ca', key: 'ca.crt' }) } });
    a.addPodsMetric(LiteLLMMetrics.IN_FLIGHT_REQUESTS);
    const m = synth(chart2);
    expectValidManifests(m);
    const d = oneOfKind(m, 'Deployment');
    const args: string[] = containerOf(d, 'prometheus-adapter').args;
    expect(args).toContain('--prometheus-ca-file=/etc/prometheus-auth/ca/ca.crt');
    expect(args.some(x => x.startsWith('--prometheus-token-file'))).toBe(false);
    expect(d.spec.template.spec.volumes).toContainEqual({ name: 'prometheus-ca', secret: { secretName: 'prom-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
  });

  test.each([
    ['a token over http', { prometheusUrl: 'http://prometheus.monitoring.svc:9090', prometheusAuth: { bearerToken: TOKEN } },
      '\'prometheusUrl\' ("http://prometheus.monitoring.svc:9090") must be an https:// URL with prometheusAuth: the bearer token would cross the network in clear text'],
    ['a CA over http', { prometheusUrl: 'http://prometheus.monitoring.svc:9090', prometheusAuth: { ca: CaBundle.openShiftServiceCa() } },
      '\'prometheusUrl\' ("http://prometheus.monitoring.svc:9090") must be an https:// URL with prometheusAuth: a CA bundle verifies only a TLS server'],
    ['an empty auth', { prometheusAuth: {} }, '\'prometheusAuth\' ({}) must set bearerToken, ca or both (omit it for an unauthenticated Prometheus)'],
    ['a token that is no SecretKeyRef', { prometheusAuth: { bearerToken: 'abc' } }, '\'prometheusAuth.bearerToken\' ("abc") must be a SecretKeyRef { secretName, key }'],
    ['a CA that is no CaBundle', { prometheusAuth: { ca: { name: 'x', key: 'y' } } }, '\'prometheusAuth.ca\' ({"name":"x","key":"y"}) must be a CaBundle'],
  ] as Array<[string, Partial<PrometheusAdapterProps>, string]>)('%s is refused', (_what, props, message) => {
    expect(() => secured(props as PrometheusAdapterProps)).toThrow(message);
  });

  test('without install it is refused: the existing adapter keeps its own flags', () => {
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { configMapName: 'rules', prometheusAuth: { bearerToken: TOKEN } }))
      .toThrow('\'prometheusAuth\' (["bearerToken"]) applies only when \'install\' is true: without it only the rules ConfigMap is rendered, and the existing install keeps its own settings');
  });
});

describe('addPodsQuantileMetric', () => {
  test('a quantile over the rate of the buckets per pod, named <histogram>_p95, NaN dropped', () => {
    const { chart, adapter } = secured();
    const m = adapter.metrics[0];
    expect(m.name).toBe('http_request_duration_seconds_p95');
    expect(m.kind).toBe(AdapterMetricKind.PODS);
    const rule = adapterConfig(synth(chart)).rules[0];
    expect(rule).toEqual({
      seriesQuery: '{__name__="http_request_duration_seconds_bucket",namespace!="",pod!=""}',
      resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
      name: { matches: '^http_request_duration_seconds_bucket$', as: 'http_request_duration_seconds_p95' },
      metricsQuery: 'histogram_quantile(0.95, sum by (le, <<.GroupBy>>) (rate(<<.Series>>{<<.LabelMatchers>>}[2m]))) >= 0',
    });
    const filled = rule.metricsQuery.replace('<<.Series>>', 'http_request_duration_seconds_bucket').replace('<<.LabelMatchers>>', 'namespace="llm",pod=~"a|b"').replace('<<.GroupBy>>', 'pod');
    expect(promqlSyntaxError(filled)).toBeUndefined();
  });

  test('scoped by a helper\'s matchers; a pool\'s histogram is named after the pool; p99.9 and its own window', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'llama', { model: 'meta-llama/Llama-3.1-8B-Instruct', servedModelName: 'llama', accelerator: Accelerator.nvidiaGpu(1) });
    pool.monitor({ labels: {}, scraper: SCRAPER });
    const adapter = new PrometheusAdapter(chart, 'adapter', { configMapName: 'rules' });
    const p999 = adapter.addPodsQuantileMetric(pool.metricE2eRequestLatency(), 0.999);
    const scoped = adapter.addPodsQuantileMetric(new ScopedMetric(LATENCY, { namespace: 'llm' }), 0.99, { rateWindow: Duration.minutes(5) });
    expect(p999.name).toBe('vllm_e2e_request_latency_seconds_p99_9_llama');
    expect(scoped.name).toBe('http_request_duration_seconds_p99');
    new HorizontalAutoscaler(chart, 'hpa', { target: pool, maxReplicas: 3, metrics: [HpaMetric.adapterPods(p999, 30)] });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const rules = adapterConfig(manifests).rules;
    expect(rules[0].seriesQuery).toBe('{__name__="vllm:e2e_request_latency_seconds_bucket",namespace="llm",pool="llama",model_name="llama",pod!=""}');
    expect(rules[0].metricsQuery).toBe('histogram_quantile(0.999, sum by (le, <<.GroupBy>>) (rate(<<.Series>>{<<.LabelMatchers>>,pool="llama",model_name="llama"}[2m]))) >= 0');
    expect(rules[1].seriesQuery).toBe('{__name__="http_request_duration_seconds_bucket",namespace="llm",pod!=""}');
    expect(rules[1].metricsQuery).toBe('histogram_quantile(0.99, sum by (le, <<.GroupBy>>) (rate(<<.Series>>{<<.LabelMatchers>>}[5m]))) >= 0');
  });

  test.each([0, 1, 95, -0.5, NaN, '0.95'])('quantile %p is refused', (q) => {
    const adapter = new PrometheusAdapter(testChart(), 'adapter', { configMapName: 'rules' });
    expect(() => adapter.addPodsQuantileMetric(LATENCY, q as number)).toThrow(`'quantile' (${typeof q === 'string' ? '"0.95"' : q}) must be greater than 0 and less than 1, e.g. 0.95 for the 95th percentile`);
  });

  test('a metric that is no histogram is refused', () => {
    const adapter = new PrometheusAdapter(testChart(), 'adapter', { configMapName: 'rules' });
    expect(() => adapter.addPodsQuantileMetric(LiteLLMMetrics.IN_FLIGHT_REQUESTS, 0.95))
      .toThrow('\'definition\' ("litellm_in_flight_requests") is a gauge, not a histogram: a quantile needs _bucket series; serve it with addPodsMetric()');
  });

  test('two quantiles with one name are refused', () => {
    const adapter = new PrometheusAdapter(testChart(), 'adapter', { configMapName: 'rules' });
    adapter.addPodsQuantileMetric(LATENCY, 0.95);
    expect(() => adapter.addPodsQuantileMetric(LATENCY, 0.95)).toThrow('\'name\' ("http_request_duration_seconds_p95") is already served by PrometheusAdapter');
  });
});

describe('cluster', () => {
  function twoAdapters(a: string | undefined, b: string | undefined): Chart[] {
    const app = Testing.app();
    const charts = ['one', 'two'].map(ns => new Chart(app, ns, { namespace: ns }));
    [a, b].forEach((cluster, i) => {
      const adapter = new PrometheusAdapter(charts[i], 'adapter', { name: `adapter-${i}`, install: true, prometheusUrl: 'http://prometheus.monitoring.svc:9090', cluster });
      adapter.addPodsMetric(LiteLLMMetrics.IN_FLIGHT_REQUESTS);
    });
    return charts;
  }

  test('two installed adapters of one cluster conflict over the APIService', () => {
    const [one] = twoAdapters(undefined, undefined);
    expect(() => synth(one)).toThrow('\'install\' (true) conflicts with PrometheusAdapter \'two/adapter\': both register the APIService v1beta1.custom.metrics.k8s.io, and only one server can own it; add the metrics to one adapter (or, if they are installed in different clusters, give each its \'cluster\')');
  });

  test('adapters of two clusters do not', () => {
    const [one, two] = twoAdapters('east', 'west');
    expectValidManifests(synth(one));
    expectValidManifests(synth(two));
  });

  test('an empty cluster name is refused; cluster without install too', () => {
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { install: true, prometheusUrl: THANOS, cluster: ' ' })).toThrow('\'cluster\' (" ") must be a non-empty cluster name');
    expect(() => new PrometheusAdapter(testChart(), 'adapter', { configMapName: 'rules', cluster: 'east' })).toThrow('\'cluster\' ("east") applies only when \'install\' is true');
  });
});
