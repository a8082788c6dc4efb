import { Chart, Duration, Testing } from 'cdk8s';
import {
  Accelerator, LiteLLMMetrics, LiteLLMProxy, MetricType, RecordedMetric, RecordedOperation, RecordingRule, RecordingRules, ServingAlerts, VllmMetrics, VllmPool,
  defineMetric,
} from '../../lib';
import { PromRuleGroup, checkRules, requirePromtool, ruleGroupsOf, tempDir, testRules, writeRuleFile, writeYaml } from '../util/promtool';
import { SCRAPER, synth } from '../util/synth';
import { expectValidManifests } from '../util/validate';

// Every recording rule of a realistic stack goes through the real Prometheus tooling:
// `promtool check rules`, then `promtool test rules` with, for each rule, input series (two
// pods of the subject, plus a distractor of another pool or namespace that the rule must not
// read) and the value the rule must record. Cases are derived from each rule's RecordedMetric
// (its operation, source metric, labels and subject), so every rule is exercised.

const DISCOVERY = { labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER };
/** Sample step and evaluation interval (minutes); the rules' window is 5 minutes. */
const STEP = '1m';
const EVAL_TIME = '20m';
const SAMPLES = 20;

/** Cumulative bucket counts added per minute over the subject's pods (upper bound → count). */
const BUCKETS: ReadonlyArray<[string, number]> = [['0.5', 20], ['1', 60], ['2', 100], ['+Inf', 100]];

const API_LATENCY = defineMetric('api_request_duration_seconds', MetricType.HISTOGRAM, ['route'], 'API latency, seconds');

function build(): { rules: RecordingRules; groups: PromRuleGroup[] } {
  const app = Testing.app();
  const gateway = new Chart(app, 'gateway', { namespace: 'litellm' });
  const models = new Chart(app, 'models', { namespace: 'llm' });
  const monitoring = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  const proxy = new LiteLLMProxy(gateway, 'proxy', { masterKey: { secretName: 'litellm', key: 'master-key' } });
  const llama = new VllmPool(models, 'llama', { model: 'meta-llama/Llama-3.1-8B-Instruct', servedModelName: 'llama-3-1-8b', accelerator: Accelerator.nvidiaGpu(1) });
  const qwen = new VllmPool(models, 'qwen-small', { model: 'Qwen/Qwen2.5-1.5B-Instruct', servedModelName: 'qwen2-5-1-5b', accelerator: Accelerator.mig('1g.10gb') });
  for (const p of [llama, qwen]) {
    p.monitor(DISCOVERY);
    proxy.addBackend(p);
  }
  const rules = new RecordingRules(monitoring, 'recording', { pools: [llama, qwen], proxy, discovery: DISCOVERY, declaredMetrics: [API_LATENCY] });
  rules.addQuantile(llama.metricRequestQueueTime(), 0.9);
  rules.addRate(VllmMetrics.NUM_PREEMPTIONS, { by: ['namespace', 'model_name'] });
  rules.addQuantile(API_LATENCY, 0.999, { name: 'namespace_route:api_request_duration_seconds:p99_9_5m', by: ['namespace', 'route'] });
  const manifests = app.charts.flatMap(c => synth(c));
  expectValidManifests(manifests);
  return { rules, groups: ruleGroupsOf(manifests) };
}

interface Series {
  readonly series: string;
  readonly values: string;
}

interface Case {
  readonly rule: RecordingRule;
  readonly what: string;
  readonly series: Series[];
  /** The expression promtool evaluates (the recorded series, selected by its subject). */
  readonly expr: string;
  readonly samples: Array<{ labels: string; value: number }>;
}

function labelText(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

/** A counter rising by `perMinute` every minute. */
function counter(name: string, labels: Record<string, string>, perMinute: number): Series {
  return { series: labelText(name, labels), values: `0+${perMinute}x${SAMPLES}` };
}

/** The quantile Prometheus computes from `BUCKETS` (linear interpolation within a bucket). */
function expectedQuantile(q: number): number {
  const total = BUCKETS[BUCKETS.length - 1][1];
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of BUCKETS) {
    if (count >= rank) return lower + (Number(le) - lower) * (rank - below) / (count - below);
    lower = Number(le);
    below = count;
  }
  throw new Error('unreachable');
}

/** The labels of the subject's series (the rule's matchers, and a value for every kept label it does not fix). */
function subjectLabels(m: RecordedMetric): Record<string, string> {
  return { ...Object.fromEntries(m.labels.map(l => [l, `${l}-a`])), ...m.matchers };
}

/** The labels the recorded sample keeps. */
function keptLabels(m: RecordedMetric, labels: Record<string, string>): string {
  return labelText(m.name, Object.fromEntries(m.labels.map(l => [l, labels[l]])));
}

/** A label set of another subject: the rule reads it into another sample, never into the subject's. */
function distractor(m: RecordedMetric, labels: Record<string, string>): Record<string, string> {
  const key = m.labels.includes('pool') ? 'pool' : m.labels.includes('requested_model') ? 'requested_model' : m.labels[m.labels.length - 1];
  return { ...labels, [key]: `${labels[key]}-other` };
}

/** Two pods of the subject (halves of the per-minute increase) and a distractor with three times the load. */
function podsOf(m: RecordedMetric, labels: Record<string, string>, make: (l: Record<string, string>, share: number) => Series[]): Series[] {
  return [
    ...make({ ...labels, pod: 'pod-a', engine: '0' }, 0.5),
    ...make({ ...labels, pod: 'pod-b', engine: '0' }, 0.5),
    ...make({ ...distractor(m, labels), pod: 'pod-c', engine: '0' }, 3),
  ];
}

function caseOf(rule: RecordingRule): Case[] {
  const m = rule.metric;
  const labels = subjectLabels(m);
  const what = `${rule.record} ${JSON.stringify(m.matchers)}`;
  // The subject's sample, selected by every label the rule keeps (the rules of every subject
  // record one name), rounded to a millionth: rates and quantiles carry binary noise
  // (1.8749999999999998 for 1.875), and promtool 2.42 compares exactly. round() drops the name.
  const one = (series: Series[], value: number, note = ''): Case => ({
    rule, what: `${what}${note}`, series, expr: `round(${keptLabels(m, labels)}, 0.000001)`,
    samples: [{ labels: keptLabels(m, labels).slice(m.name.length), value: Number(value.toFixed(6)) }],
  });
  switch (m.operation) {
    case RecordedOperation.QUANTILE: {
      const series = podsOf(m, labels, (l, share) => BUCKETS.map(([le, count]) => counter(`${m.source.name}_bucket`, { ...l, le }, count * share)));
      return [one(series, expectedQuantile(m.quantile!))];
    }
    case RecordedOperation.RATE: {
      // 120 per minute over the subject's pods: 2 per second.
      return [one(podsOf(m, labels, (l, share) => [counter(m.source.name, l, 120 * share)]), 2)];
    }
    case RecordedOperation.RATIO:
      return ratioCases(m, labels, one);
  }
}

function ratioCases(m: RecordedMetric, labels: Record<string, string>, one: (s: Series[], v: number, note?: string) => Case): Case[] {
  switch (m.source.name) {
    case VllmMetrics.PREFIX_CACHE_HITS.name:
      // 45 of 60 prompt tokens per minute found cached.
      return [one(podsOf(m, labels, (l, share) => [
        counter(VllmMetrics.PREFIX_CACHE_HITS.name, l, 45 * share),
        counter(VllmMetrics.PREFIX_CACHE_QUERIES.name, l, 60 * share),
      ]), 0.75)];
    case VllmMetrics.REQUEST_SUCCESS.name: {
      const finished = (reasons: Record<string, number>) => podsOf(m, labels, (l, share) =>
        Object.entries(reasons).map(([reason, n]) => counter(VllmMetrics.REQUEST_SUCCESS.name, { ...l, finished_reason: reason }, n * share)));
      return [
        // 20 of 100 finished requests per minute end in error; aborts are clients leaving.
        one(finished({ stop: 50, length: 20, abort: 10, error: 20 }), 0.2),
        // A vLLM without the error reason, or no error yet: 0, not nothing.
        one(finished({ stop: 80, abort: 20 }), 0, ' (no error series)'),
      ];
    }
    case LiteLLMMetrics.PROXY_FAILED_REQUESTS.name: {
      const requests = (failed: number | undefined) => podsOf(m, labels, (l, share) => [
        counter(LiteLLMMetrics.PROXY_TOTAL_REQUESTS.name, l, 60 * share),
        ...(failed === undefined ? [] : [counter(LiteLLMMetrics.PROXY_FAILED_REQUESTS.name, { ...l, exception_status: '500' }, failed * share)]),
      ]);
      return [one(requests(6), 0.1), one(requests(undefined), 0, ' (nothing failed)')];
    }
    default:
      throw new Error(`no promtool case for the ratio rule ${m.name} over ${m.source.name}: add one`);
  }
}

describe('RecordingRules under promtool', () => {
  const { rules, groups } = build();
  const dir = tempDir('recording-');
  const ruleFile = writeRuleFile(dir, groups);
  const all = [...rules.rules().values()].flat();
  const cases = all.flatMap(caseOf);

  test('promtool check rules accepts the PrometheusRule\'s groups', () => {
    requirePromtool();
    const r = checkRules(ruleFile);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  test('every rule has at least one case', () => {
    expect(all.length).toBeGreaterThanOrEqual(2 * 11 + 3 + 3);
    for (const rule of all) expect(cases.some(c => c.rule === rule)).toBe(true);
  });

  test('promtool test rules: each rule records the expected value from its input series', () => {
    const testFile = writeYaml(dir, 'tests.yaml', {
      rule_files: ['rules.yaml'],
      evaluation_interval: STEP,
      tests: cases.map(c => ({
        name: c.what,
        interval: STEP,
        input_series: c.series,
        promql_expr_test: [{ expr: c.expr, eval_time: EVAL_TIME, exp_samples: c.samples }],
      })),
    });
    const r = testRules(testFile);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  test('the expected values are the ones the README promises (p95 within its bucket, rates per second, ratios 0 to 1)', () => {
    expect(expectedQuantile(0.5)).toBe(0.875);
    expect(expectedQuantile(0.95)).toBe(1.875);
    expect(cases.filter(c => c.what.includes(':ratio_rate5m') || c.what.includes(':error_ratio_rate5m')).every(c => c.samples.every(s => s.value >= 0 && s.value <= 1))).toBe(true);
  });
});

describe('ServingAlerts on recorded quantiles, under promtool', () => {
  // The TTFT SLO alert reads the recorded p95: it fires when the recorded series (computed by
  // the recording rule from the buckets) stays above the SLO for its `for`, and stays silent below.
  const app = Testing.app();
  const models = new Chart(app, 'models', { namespace: 'llm' });
  const monitoring = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  const llama = new VllmPool(models, 'llama', {
    model: 'meta-llama/Llama-3.1-8B-Instruct', servedModelName: 'llama-3-1-8b', accelerator: Accelerator.nvidiaGpu(1),
    slo: { ttftP95: Duration.millis(1500) },
  });
  llama.monitor(DISCOVERY);
  const recordingRules = new RecordingRules(monitoring, 'recording', { pools: [llama], discovery: DISCOVERY });
  new ServingAlerts(monitoring, 'alerts', { pools: [llama], discovery: DISCOVERY, runbookBaseUrl: 'https://runbooks.example.com/llm', recordingRules });
  const manifests = app.charts.flatMap(c => synth(c));
  const dir = tempDir('recorded-alerts-');
  writeRuleFile(dir, ruleGroupsOf(manifests));
  const labels = { namespace: 'llm', pool: 'llama', model_name: 'llama-3-1-8b', engine: '0', pod: 'llama-7c9d8b6f5-x2k4' };
  const buckets = (perMinute: ReadonlyArray<[string, number]>): Series[] =>
    perMinute.map(([le, n]) => counter(`${VllmMetrics.TIME_TO_FIRST_TOKEN.name}_bucket`, { ...labels, le }, n));
  const alerts = 'ALERTS{alertname="LlmTtftSloBreach",alertstate="firing"}';

  test('fires at a recorded p95 of 1.875 s over the 1.5 s SLO, stays silent at 0.99 s', () => {
    expectValidManifests(manifests);
    const firing = '{__name__="ALERTS",alertname="LlmTtftSloBreach",alertstate="firing",model_name="llama-3-1-8b",namespace="llm",pool="llama",severity="warning"}';
    const testFile = writeYaml(dir, 'tests.yaml', {
      rule_files: ['rules.yaml'],
      evaluation_interval: STEP,
      tests: [
        { name: 'above the SLO', interval: STEP, input_series: buckets(BUCKETS), promql_expr_test: [{ expr: alerts, eval_time: EVAL_TIME, exp_samples: [{ labels: firing, value: 1 }] }] },
        { name: 'below the SLO', interval: STEP, input_series: buckets([['0.5', 20], ['1', 96], ['2', 100], ['+Inf', 100]]), promql_expr_test: [{ expr: alerts, eval_time: EVAL_TIME, exp_samples: [] }] },
      ],
    });
    const r = testRules(testFile);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});
