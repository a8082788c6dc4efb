/**
 * The what-if PromQL evaluator: every query the library emits in dist/ evaluates over the pool
 * model; selectors, per-pod and pool-wide aggregation, rate/histogram_quantile/predict_linear/
 * clamp, arithmetic, and the exact errors for what it does not support.
 */
import * as path from 'path';
import * as YAML from 'yaml';
import { PoolPodMetrics, PoolSnapshot, evaluateQuery, loadManifestsFromDir, resolveTarget } from '../../lib';
import { EvaluateOptions, ReplayRecordingRule, checkQuery, evaluateVector, modelPodLabel } from '../../lib/whatif/_promql-eval';

const DIST = path.join(__dirname, '..', '..', 'dist');
const LABELS = { namespace: 'llm', pool: 'chat', model_name: 'llama' };
const SEL = 'namespace="llm",pool="chat",model_name="llama"';

interface PodSpec extends Partial<PoolPodMetrics> { name: string; ready?: boolean; phase?: 'Pending' | 'Running' }

const METRICS: PoolPodMetrics = {
  waiting: 0, running: 0, kvCacheUsage: 0, gpuUtilization: 0, cpuCores: 0, completedPerSecond: 0, promptTokensPerSecond: 0, generationTokensPerSecond: 0,
};

/** A snapshot at `t`: ready pods carry their metrics in perPod (the model lists Ready pods only). */
function snap(t: number, pods: PodSpec[], pool: Partial<PoolSnapshot> = {}): PoolSnapshot {
  const perPod: Record<string, PoolPodMetrics> = {};
  for (const p of pods) {
    const ready = p.ready ?? true;
    if (ready) {
      const metrics: Partial<PoolPodMetrics> = { ...p };
      for (const key of ['name', 'ready', 'phase']) delete (metrics as Record<string, unknown>)[key];
      perPod[p.name] = { ...METRICS, ...metrics };
    }
  }
  const waiting = Object.values(perPod).reduce((s, p) => s + p.waiting, 0);
  const running = Object.values(perPod).reduce((s, p) => s + p.running, 0);
  return {
    t, desiredReplicas: pods.length, readyReplicas: Object.keys(perPod).length,
    pods: pods.map(p => ({ name: p.name, phase: p.phase ?? 'Running', ready: p.ready ?? true, createdAt: 0, deleting: false })),
    arrivalsPerSecond: 0, completedPerSecond: 0, waiting, running, estimatedWaitSeconds: 0,
    ttftP50: 0.2, ttftP95: 0.8, ttftP99: 1.5, e2eP95: 12, perPod, dropped: 0, ...pool,
  };
}

/** Snapshots every `step` s from `from` to `to` (inclusive), built by `at(t)`. */
function timeline(from: number, to: number, step: number, at: (t: number) => PoolSnapshot): PoolSnapshot[] {
  const out: PoolSnapshot[] = [];
  for (let t = from; t <= to; t += step) out.push(at(t));
  return out;
}

const last = <T>(a: T[]): T => a[a.length - 1];

function evalNow(query: string, history: PoolSnapshot[], options: EvaluateOptions = {}, labels: Record<string, string> = LABELS): number | undefined {
  return evaluateQuery(query, history[history.length - 1], history, labels, options);
}

describe('every query the library emits (dist/)', () => {
  /** The recording rules of dist/ (every PrometheusRule), as resolveTarget() collects them. */
  const RULES = resolveTarget(loadManifestsFromDir(DIST), 'llm-autoscaling/llama-70b-hpa').recordingRules!;
  /** Every KEDA prometheus query and every prometheus-adapter metricsQuery in dist/. */
  function emittedQueries(): Array<{ query: string; file: string; adapter: boolean }> {
    const out: Array<{ query: string; file: string; adapter: boolean }> = [];
    for (const { object, file } of loadManifestsFromDir(DIST)) {
      for (const t of object.spec?.triggers ?? []) {
        if (t.type === 'prometheus') out.push({ query: t.metadata.query, file, adapter: false });
      }
      if (object.kind === 'ConfigMap') {
        for (const text of Object.values<string>(object.data ?? {})) {
          if (!text.includes('metricsQuery')) continue;
          const config = YAML.parse(text);
          for (const rule of [...(config.rules ?? []), ...(config.externalRules ?? [])]) {
            // Filled as prometheus-adapter fills a Pods query (two pods of the pool).
            const series = /__name__="([^"]+)"/.exec(rule.seriesQuery)![1];
            const ns = /namespace="([^"]+)"/.exec(rule.seriesQuery)?.[1] ?? 'llm';
            const deployment = /pool="([^"]+)"/.exec(rule.seriesQuery)?.[1] ?? /pod=~"(.+)-\[a-z0-9\]\+-\[a-z0-9\]\+"/.exec(rule.seriesQuery)?.[1] ?? 'worker';
            const pods = [modelPodLabel('pod-1', deployment), modelPodLabel('pod-2', deployment)];
            // An Object metric of the Deployment (a pool-wide recorded series): filled as the adapter fills it for one object.
            const overrides: Record<string, { resource: string }> = rule.resources?.overrides ?? {};
            const byDeployment = Object.keys(overrides).find(l => overrides[l].resource === 'deployment');
            const matchers = byDeployment ? `namespace="${ns}",${byDeployment}="${deployment}"` : `namespace="${ns}",pod=~"${pods.join('|')}"`;
            out.push({
              query: rule.metricsQuery.replace('<<.Series>>', series).replace('<<.LabelMatchers>>', matchers).replace(/<<\.GroupBy>>/g, byDeployment ?? 'pod'),
              file, adapter: true,
            });
          }
        }
      }
    }
    return out;
  }

  /** A model pool matching the query's own labels, two ready pods with traffic, 10 min of history. */
  function modelFor(query: string): { history: PoolSnapshot[]; labels: Record<string, string>; options: EvaluateOptions } {
    const namespace = /namespace="([^"]+)"/.exec(query)?.[1] ?? 'llm';
    const pool = /pool="([^"]+)"/.exec(query)?.[1] ?? 'worker';
    const modelName = /model_name="([^"]+)"/.exec(query)?.[1] ?? 'model';
    const deployment = /pod=~"([a-z0-9-]+)-\[a-z0-9\]\+-\[a-z0-9\]\+"/.exec(query)?.[1] ?? /pod=~"([a-z0-9-]+)-5c9d7f8b6-pod1/.exec(query)?.[1] ?? pool;
    const requested = /requested_model="([^"]+)"/.exec(query)?.[1];
    const history = timeline(0, 600, 15, t => snap(t, [
      { name: 'pod-1', waiting: 2 + t / 100, running: 8, kvCacheUsage: 0.4, gpuUtilization: 60, completedPerSecond: 1 },
      { name: 'pod-2', waiting: 1, running: 6, kvCacheUsage: 0.3, gpuUtilization: 40, completedPerSecond: 0.5 },
    ], { arrivalsPerSecond: 3 }));
    return {
      history,
      labels: { namespace, pool, model_name: modelName },
      options: { deployment, gpusPerPod: 2, proxy: requested ? { namespace, modelGroups: [requested] } : undefined, recordingRules: RULES },
    };
  }

  /** Queries on the user's own metrics (not a pool's): the model does not produce them. */
  const NOT_MODELLED = ['worker_jobs_in_progress', 'http_request_duration_seconds_bucket'];

  test('each evaluates to a finite number over a pool that matches its labels', () => {
    const queries = emittedQueries();
    // The reference stacks emit dozens (KEDA triggers and adapter rules): the loop is not vacuous.
    expect(queries.filter(q => !q.adapter).length).toBeGreaterThanOrEqual(30);
    expect(queries.filter(q => q.adapter).length).toBeGreaterThanOrEqual(8);
    // Recorded series (namespace_pool:...) are read through a KEDA trigger and through an adapter rule.
    expect(new Set(queries.filter(q => q.query.includes('namespace_pool:')).map(q => q.adapter))).toEqual(new Set([true, false]));
    const notModelled: string[] = [];
    for (const { query, file } of queries) {
      const { history, labels, options } = modelFor(query);
      const unmodelled = NOT_MODELLED.find(n => query.includes(n));
      if (unmodelled) {
        notModelled.push(unmodelled);
        expect(() => checkQuery(query, RULES)).toThrow(`reads ${unmodelled}, a series the pool model does not produce`);
        continue;
      }
      const samples = evaluateVector(query, history[history.length - 1], history, labels, options);
      expect({ query, file, n: samples.length > 0 }).toEqual({ query, file, n: true });
      for (const s of samples) expect({ query, value: Number.isFinite(s.value) }).toEqual({ query, value: true });
    }
    expect(new Set(notModelled)).toEqual(new Set(NOT_MODELLED));
  });

  test('each KEDA query returns empty (undefined) for another pool: its matchers scope it', () => {
    for (const { query } of emittedQueries().filter(q => !q.adapter && !NOT_MODELLED.some(n => q.query.includes(n)))) {
      const { history, options } = modelFor(query);
      const other = { namespace: 'elsewhere', pool: 'other-pool', model_name: 'other-model' };
      const elsewhere = { ...options, deployment: 'other-deployment', proxy: options.proxy ? { namespace: 'elsewhere', modelGroups: ['other'] } : undefined };
      expect({ query, value: evalNow(query, history, elsewhere, other) }).toEqual({ query, value: undefined });
    }
  });
});

describe('selectors and aggregation', () => {
  const pods: PodSpec[] = [
    { name: 'pod-1', waiting: 3, running: 10, gpuUtilization: 90 },
    { name: 'pod-2', waiting: 5, running: 4, gpuUtilization: 30 },
    { name: 'pod-3', ready: false },
    { name: 'pod-4', ready: false, phase: 'Pending' },
  ];
  const now = [snap(100, pods)];

  test('pool-wide: sum over the ready pods; a loading or pending pod has no vLLM series', () => {
    expect(evalNow(`sum(vllm:num_requests_waiting{${SEL}})`, now)).toBe(8);
    expect(evalNow(`count(vllm:num_requests_running{${SEL}})`, now)).toBe(2);
    expect(evalNow(`max(vllm:num_requests_running{${SEL}})`, now)).toBe(10);
    expect(evalNow(`min(vllm:num_requests_running{${SEL}})`, now)).toBe(4);
    expect(evalNow(`avg(vllm:num_requests_running{${SEL}})`, now)).toBe(7);
  });

  test('per pod: sum by (pod) keeps one element per pod, labelled as ReplicaSet pods', () => {
    const v = evaluateVector(`sum(vllm:num_requests_waiting{${SEL}}) by (pod)`, now[0], now, LABELS, { deployment: 'chat' });
    expect(v).toEqual([
      { labels: { pod: 'chat-5c9d7f8b6-pod1' }, value: 3 },
      { labels: { pod: 'chat-5c9d7f8b6-pod2' }, value: 5 },
    ]);
    const without = evaluateVector(`sum without (engine) (vllm:num_requests_waiting{${SEL}})`, now[0], now, LABELS);
    expect(without.map(s => s.labels)).toEqual([{ ...LABELS, pod: 'pod-1' }, { ...LABELS, pod: 'pod-2' }]);
  });

  test('DCGM: one series per GPU of every running pod, a loading pod reads idle GPUs', () => {
    const q = 'avg(DCGM_FI_DEV_GPU_UTIL{namespace="llm",pod=~"chat-[a-z0-9]+-[a-z0-9]+"})';
    // pod-1 90, pod-2 30, pod-3 (loading) 0, each on 2 GPUs; pod-4 is pending: no GPU yet.
    expect(evalNow(q, now, { deployment: 'chat', gpusPerPod: 2 })).toBe(40);
    expect(evalNow(`count(${q.slice(4, -1)})`, now, { deployment: 'chat', gpusPerPod: 2 })).toBe(6);
    expect(evalNow('avg(DCGM_FI_PROF_GR_ENGINE_ACTIVE{namespace="llm"})', now, { deployment: 'chat' })).toBeCloseTo(0.4, 12);
    // Another Deployment's pods do not match the pod regex.
    expect(evalNow(q, now, { deployment: 'chat-spot' })).toBeUndefined();
  });

  test('a pod already named <deployment>-<hash>-<suffix> keeps its name', () => {
    expect(modelPodLabel('chat-7d4b9c-x2kq', 'chat')).toBe('chat-7d4b9c-x2kq');
    expect(modelPodLabel('pod-12', 'chat')).toBe('chat-5c9d7f8b6-pod12');
    expect(modelPodLabel('pod-12', undefined)).toBe('pod-12');
  });

  test('label matchers: =, !=, =~ (anchored), !~ and __name__; a mismatch is empty', () => {
    expect(evalNow('sum(vllm:num_requests_waiting{pool=~"ch.*"})', now)).toBe(8);
    expect(evalNow('sum(vllm:num_requests_waiting{pool=~"ch"})', now)).toBeUndefined();
    expect(evalNow('sum(vllm:num_requests_waiting{pool!="chat"})', now)).toBeUndefined();
    expect(evalNow('sum(vllm:num_requests_waiting{pod!~"pod-1"})', now)).toBe(5);
    expect(evalNow('sum({__name__="vllm:num_requests_waiting",pool="chat"})', now)).toBe(8);
    expect(evalNow('sum(vllm:num_requests_waiting{model_name="other"})', now)).toBeUndefined();
    expect(evalNow('vllm:num_requests_waiting{pod="pod-2"}', now)).toBe(5);
  });

  test('LiteLLM series exist only with a proxy, split evenly over its model groups', () => {
    const history = timeline(0, 120, 15, t => snap(t, [{ name: 'pod-1' }], { arrivalsPerSecond: 6, waiting: 2, running: 3 }));
    const q = 'sum(rate(litellm_proxy_total_requests_metric_total{namespace="gw",requested_model="batch"}[2m]))';
    expect(evalNow(q, history)).toBeUndefined();
    expect(evalNow(q, history, { proxy: { namespace: 'gw', modelGroups: ['batch'] } })).toBe(6);
    expect(evalNow(q, history, { proxy: { namespace: 'gw', modelGroups: ['batch', 'premium'] } })).toBe(3);
    expect(evalNow('sum(litellm_in_flight_requests{namespace="gw"})', history, { proxy: { namespace: 'gw', modelGroups: ['batch'] } })).toBe(5);
  });
});

describe('rate, irate, increase', () => {
  // pod-1 completes 1/s until t = 60, then 3/s.
  const history = timeline(0, 120, 15, t => snap(t, [{ name: 'pod-1', completedPerSecond: t <= 60 ? 1 : 3 }, { name: 'pod-2', completedPerSecond: 2 }]));

  test('rate() averages the model\'s per-second rate over the window', () => {
    // (60, 120]: 75, 90, 105, 120 at 3/s.
    expect(evalNow(`sum(rate(vllm:request_success_total{${SEL},pod="pod-1"}[1m]))`, history)).toBe(3);
    // (0, 120]: 60 read 1/s (15, 30, 45, 60), 60 s read 3/s.
    expect(evalNow(`sum(rate(vllm:request_success_total{${SEL},pod="pod-1"}[2m]))`, history)).toBe(2);
    expect(evalNow(`sum(rate(vllm:request_success_total{${SEL}}[2m]))`, history)).toBe(4);
  });

  test('increase() is the rate times the window; irate() the last rate', () => {
    expect(evalNow(`sum(increase(vllm:request_success_total{${SEL},pod="pod-1"}[2m]))`, history)).toBe(240);
    expect(evalNow(`sum(irate(vllm:request_success_total{${SEL},pod="pod-1"}[2m]))`, history)).toBe(3);
  });

  test('a series with fewer than two samples in the window has no rate (as in Prometheus)', () => {
    expect(evalNow(`sum(rate(vllm:request_success_total{${SEL}}[2m]))`, history.slice(-1))).toBeUndefined();
    expect(evalNow(`sum(rate(vllm:request_success_total{${SEL}}[10s]))`, history)).toBeUndefined();
  });

  test('token counters read the model\'s token rates', () => {
    const h = timeline(0, 60, 15, t => snap(t, [{ name: 'pod-1', promptTokensPerSecond: 500, generationTokensPerSecond: 80 }]));
    expect(evalNow(`sum(rate(vllm:prompt_tokens_total{${SEL}}[1m]))`, h)).toBe(500);
    expect(evalNow(`sum(rate(vllm:generation_tokens_total{${SEL}}[1m]))`, h)).toBe(80);
  });
});

describe('histogram_quantile', () => {
  const history = timeline(0, 120, 15, t => snap(t, [
    { name: 'pod-1', completedPerSecond: 2 },
    { name: 'pod-2', completedPerSecond: 0 },
  ], { ttftP95: t < 60 ? 1 : 2, e2eP95: 20 }));

  test('per pod: the pool\'s quantile for a pod that served requests; NaN (dropped by >= 0) for one that served none', () => {
    const q = `histogram_quantile(0.95, sum by (le, pod) (rate(vllm:time_to_first_token_seconds_bucket{${SEL}}[2m]))) >= 0`;
    const v = evaluateVector(q, history[history.length - 1], history, LABELS);
    // (0, 120]: p95 1 s at 15..45 (3 points) and 2 s at 60..120 (5 points), weighted by requests.
    expect(v).toEqual([{ labels: { pod: 'pod-1' }, value: (3 * 1 + 5 * 2) / 8 }]);
    const withNaN = evaluateVector(q.replace(' >= 0', ''), history[history.length - 1], history, LABELS);
    expect(withNaN.map(s => [s.labels.pod, s.value])).toEqual([['pod-1', (3 + 10) / 8], ['pod-2', NaN]]);
  });

  test('pool-wide: sum by (le)', () => {
    expect(evalNow(`histogram_quantile(0.95, sum by (le) (rate(vllm:e2e_request_latency_seconds_bucket{${SEL}}[2m])))`, history)).toBe(20);
    expect(evalNow(`histogram_quantile(0.5, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{${SEL}}[1m])))`, history)).toBe(0.2);
  });

  test('a quantile the model does not give is an error naming it', () => {
    const q = `histogram_quantile(0.9, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{${SEL}}[2m])))`;
    expect(() => evalNow(q, history)).toThrow(new Error(`'query' (${JSON.stringify(q)}) asks the 0.9 quantile of vllm:time_to_first_token_seconds, which the pool model does not give (it gives 0.5, 0.95, 0.99)`));
  });

  test('buckets aggregated with anything but sum: an error', () => {
    const q = `histogram_quantile(0.95, avg by (le) (rate(vllm:time_to_first_token_seconds_bucket{${SEL}}[2m])))`;
    expect(() => evalNow(q, history)).toThrow(new Error(`'query' (${JSON.stringify(q)}) aggregates histogram buckets with avg; sum them by le`));
  });

  test('dropping le, or reading buckets outside histogram_quantile, is an error', () => {
    const dropLe = `histogram_quantile(0.95, sum by (pod) (rate(vllm:time_to_first_token_seconds_bucket{${SEL}}[2m])))`;
    expect(() => evalNow(dropLe, history)).toThrow(new Error(`'query' (${JSON.stringify(dropLe)}) aggregates the buckets of vllm:time_to_first_token_seconds without keeping le: histogram_quantile() needs them, e.g. sum by (le, pod) (rate(...))`));
    const bare = `sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{${SEL}}[2m]))`;
    expect(() => evalNow(bare, history)).toThrow(new Error(`'query' (${JSON.stringify(bare)}) reads the buckets of vllm:time_to_first_token_seconds outside histogram_quantile()`));
  });
});

describe('predict_linear over a subquery, clamp', () => {
  // The queue grows by 1 every 60 s: 0.01667/s.
  const growing = timeline(0, 1800, 15, t => snap(t, [{ name: 'pod-1', waiting: t / 60 }]));
  const predict = `predict_linear(sum(vllm:num_requests_waiting{${SEL}})[1800s:30s], 900)`;

  test('least squares over the subquery steps, predicted from now', () => {
    // Exactly linear: now 30, in 900 s 15 more.
    expect(evalNow(predict, growing)).toBeCloseTo(45, 9);
    expect(evalNow(`clamp_min(${predict}, 0)`, growing)).toBeCloseTo(45, 9);
  });

  test('a constant series predicts itself; a falling one is clamped at 0', () => {
    const flat = timeline(0, 1800, 15, () => snap(0, [{ name: 'pod-1', waiting: 7 }])).map((s, i) => ({ ...s, t: i * 15 }));
    expect(evalNow(predict, flat)).toBe(7);
    const falling = timeline(0, 1800, 15, t => snap(t, [{ name: 'pod-1', waiting: Math.max(0, 30 - t / 60) }]));
    expect(evalNow(predict, falling)).toBeLessThan(0);
    expect(evalNow(`clamp_min(${predict}, 0)`, falling)).toBe(0);
  });

  test('fewer than two subquery points: no prediction', () => {
    expect(evalNow(predict, growing.slice(-1))).toBeUndefined();
  });

  test('the subquery reads the history within Prometheus\' 5-minute lookback', () => {
    // Only the last snapshot and one 20 minutes earlier: the steps in between read nothing.
    const sparse = [growing[40], growing[growing.length - 1]];
    // Steps at 630..900 read t = 600 (waiting 10); steps 1710..1800 read t = 1800 (30).
    expect(evalNow(predict, sparse)).toBeGreaterThan(30);
  });

  test('clamp_max, clamp and clamp with min > max', () => {
    const now = [snap(0, [{ name: 'pod-1', waiting: 12 }])];
    expect(evalNow(`clamp_max(sum(vllm:num_requests_waiting{${SEL}}), 10)`, now)).toBe(10);
    expect(evalNow(`clamp(sum(vllm:num_requests_waiting{${SEL}}), 0, 5)`, now)).toBe(5);
    expect(evalNow(`clamp(sum(vllm:num_requests_waiting{${SEL}}), 5, 0)`, now)).toBeUndefined();
  });
});

describe('arithmetic and comparisons', () => {
  const now = [snap(0, [{ name: 'pod-1', waiting: 6, running: 2, kvCacheUsage: 0.5 }, { name: 'pod-2', waiting: 2, running: 2, kvCacheUsage: 0.25 }])];

  test('scalar and vector arithmetic, unary minus, parentheses', () => {
    expect(evalNow(`sum(vllm:num_requests_waiting{${SEL}}) / 2 + 1`, now)).toBe(5);
    expect(evalNow(`-(sum(vllm:num_requests_waiting{${SEL}}) - 10)`, now)).toBe(2);
    expect(evalNow('2 ^ 3 % 5', now)).toBe(3);
    expect(evalNow(`sum(vllm:num_requests_waiting{${SEL}}) / sum(vllm:num_requests_running{${SEL}})`, now)).toBe(2);
    expect(evalNow(`scalar(sum(vllm:kv_cache_usage_perc{${SEL}})) * 100`, now)).toBe(75);
    expect(evalNow('vector(3)', now)).toBe(3);
  });

  test('comparisons filter, or with bool give 0/1', () => {
    expect(evalNow(`sum(vllm:num_requests_waiting{${SEL}}) > 5`, now)).toBe(8);
    expect(evalNow(`sum(vllm:num_requests_waiting{${SEL}}) > 10`, now)).toBeUndefined();
    expect(evalNow(`sum(vllm:num_requests_waiting{${SEL}}) > bool 10`, now)).toBe(0);
    expect(evalNow('3 >= bool 2', now)).toBe(1);
    const perPod = evaluateVector(`vllm:num_requests_waiting{${SEL}} >= 3`, now[0], now, LABELS);
    expect(perPod.map(s => s.labels.pod)).toEqual(['pod-1']);
  });
});

describe('errors', () => {
  const now = [snap(0, [{ name: 'pod-1' }, { name: 'pod-2' }])];
  const q = (query: string) => `'query' (${JSON.stringify(query)})`;
  const SUPPORTED = 'the what-if evaluator supports the PromQL the library emits: selectors of the model\'s series, sum/avg/min/max/count (by/without), rate/irate/increase, histogram_quantile, clamp_min/clamp_max/clamp, predict_linear over a subquery, scalar/vector, arithmetic and comparisons';

  test.each([
    ['sum(vllm:num_requests_waiting', 'is not valid PromQL: syntax error at character 30 (parsed with @prometheus-io/lezer-promql)'],
    ['', 'is not valid PromQL: syntax error at character 1 (parsed with @prometheus-io/lezer-promql)'],
    ['sum(worker_jobs_in_progress{namespace="queue-worker"})', 'reads worker_jobs_in_progress, a series the pool model does not produce (it produces vllm:num_requests_running, vllm:num_requests_waiting, vllm:kv_cache_usage_perc, vllm:request_success_total, vllm:prompt_tokens_total, vllm:generation_tokens_total, vllm:time_to_first_token_seconds_bucket, vllm:e2e_request_latency_seconds_bucket, DCGM_FI_DEV_GPU_UTIL, DCGM_FI_PROF_GR_ENGINE_ACTIVE, litellm_proxy_total_requests_metric_total, litellm_in_flight_requests, litellm_request_total_latency_metric_bucket) and no recording rule in the manifests records it (they hold none)'],
    ['deriv(vllm:num_requests_waiting[5m])', `uses the function deriv(), which ${SUPPORTED}`],
    ['sum(vllm:num_requests_waiting offset 5m)', `uses offset, which ${SUPPORTED}`],
    ['topk(1, vllm:num_requests_waiting)', `uses the aggregation topk, which ${SUPPORTED}`],
    ['sum(vllm:num_requests_waiting) / on(pod) sum(vllm:num_requests_running)', `uses on()/ignoring()/group_left()/group_right() vector matching, which ${SUPPORTED}`],
    ['sum(vllm:num_requests_waiting) and sum(vllm:num_requests_running)', `uses the operator and, which ${SUPPORTED}`],
    ['{pool="chat"}', `uses the selector {pool="chat"} without a metric name, which ${SUPPORTED}`],
    ['sum(vllm:request_success_total)', 'reads the counter vllm:request_success_total as it is; read its rate with rate(), irate() or increase()'],
    ['sum(rate(vllm:num_requests_waiting[2m]))', 'applies a counter function to vllm:num_requests_waiting, a gauge: rate(), irate() and increase() are for counters'],
    ['vllm:num_requests_waiting[5m]', 'returns a range vector: a single value needs a function over it, e.g. rate(...)'],
    ['clamp_min(vllm:num_requests_waiting[5m], 0)', 'passes a range vector as argument 1 of clamp_min(); it takes an instant vector'],
    ['rate(vllm:request_success_total)', 'passes an instant vector as argument 1 of rate(); it takes a range vector'],
    ['1 > 2', 'compares two numbers with >; comparisons between scalars need bool'],
    ['clamp_min(vllm:num_requests_waiting)', 'calls clamp_min() with 1 argument; it takes 2'],
    ['vllm:num_requests_waiting + bool 1', 'uses bool with +; bool applies to comparisons'],
    ['sum(vllm:num_requests_waiting[5m])', 'passes a range vector as argument 1 of sum(); it takes an instant vector'],
    ['rate(vllm:request_success_total[5m:1m])', `uses rate(), irate() or increase() over a subquery, which ${SUPPORTED}`],
    ['max_over_time(vllm:num_requests_waiting[5m])', `uses the function max_over_time(), which ${SUPPORTED}`],
    ['sum(vllm:num_requests_waiting{pod=~"("})', 'has the regular expression "(", which does not compile'],
    ['predict_linear(sum(vllm:num_requests_waiting)[30m:0s], 60)', 'has a subquery step of 0'],
    ['predict_linear(sum(vllm:num_requests_waiting)[30m:], 60)', `uses the subquery sum(vllm:num_requests_waiting)[30m:] (it needs a range and a step, e.g. [30m:30s]), which ${SUPPORTED}`],
    ['sum(vllm:num_requests_waiting)[30m:30s]', 'returns a range vector: a single value needs a function over it, e.g. predict_linear(...)'],
    ['histogram_quantile(0.5, sum(vllm:num_requests_waiting))', 'applies histogram_quantile() to series that are not histogram buckets'],
    ['predict_linear(vllm:request_success_total[30m], 60)', 'applies predict_linear() to vllm:request_success_total, a counter; predict a gauge or a rate over a subquery'],
    ['sum(vllm:num_requests_waiting @ 100)', `uses the @ modifier, which ${SUPPORTED}`],
    ['sum({"vllm:num_requests_waiting"})', `uses the label matcher "vllm:num_requests_waiting", which ${SUPPORTED}`],
    ['"text"', `uses the string "text", which ${SUPPORTED}`],
  ])('%s', (query, rule) => {
    expect(() => evalNow(query, now)).toThrow(new Error(`${q(query)} ${rule}`));
  });

  test('more than one element is an error naming them (KEDA fails on it too)', () => {
    const query = `vllm:num_requests_waiting{${SEL}}`;
    expect(() => evalNow(query, now)).toThrow(new Error(`${q(query)} returned 2 elements ({__name__="vllm:num_requests_waiting",engine="0",model_name="llama",namespace="llm",pod="pod-1",pool="chat"}, {__name__="vllm:num_requests_waiting",engine="0",model_name="llama",namespace="llm",pod="pod-2",pool="chat"}); one value needs an aggregation without by/without, e.g. sum(...) (KEDA's prometheus scaler fails with "returned multiple elements")`));
  });

  test('bad arguments from plain JavaScript name the argument', () => {
    expect(() => evaluateQuery(42 as unknown as string, now[0], now, LABELS)).toThrow(new Error('\'query\' (42) must be a PromQL string'));
    expect(() => evaluateQuery('vector(1)', null as unknown as PoolSnapshot, now, LABELS)).toThrow(new Error('\'snapshot\' (null) must be a PoolSnapshot with a finite t'));
    expect(() => evaluateQuery('vector(1)', now[0], {} as unknown as PoolSnapshot[], LABELS)).toThrow(new Error('\'history\' ({}) must be an array of PoolSnapshot, ascending t'));
    expect(() => evaluateQuery('vector(1)', now[0], now, null as unknown as Record<string, string>)).toThrow(new Error('\'poolLabels\' (null) must be the pool\'s labels { namespace, pool, model_name }'));
  });

  test('an error is the same when the query is evaluated again (compiled once, cached)', () => {
    const query = 'deriv(vllm:num_requests_waiting[5m])';
    expect(() => evalNow(query, now)).toThrow('uses the function deriv()');
    expect(() => evalNow(query, now)).toThrow('uses the function deriv()');
  });
});

describe('caching', () => {
  test('results are per snapshot: the same labels and options over two histories read each its own', () => {
    const options: EvaluateOptions = { deployment: 'chat' };
    const predict = `predict_linear(sum(vllm:num_requests_waiting{${SEL}})[600s:30s], 600)`;
    const rising = timeline(0, 600, 15, t => snap(t, [{ name: 'pod-1', waiting: t / 60 }]));
    const flat = timeline(0, 600, 15, t => snap(t, [{ name: 'pod-1', waiting: 4 }]));
    expect(evalNow(predict, rising, options)).toBeCloseTo(20, 9);
    expect(evalNow(predict, flat, options)).toBe(4);
    expect(evalNow(predict, rising, options)).toBeCloseTo(20, 9);
  });

  test('min and max skip NaN unless every value is NaN, as in Prometheus', () => {
    const h = [snap(0, [{ name: 'pod-1', waiting: 2 }, { name: 'pod-2', waiting: 0 }])];
    // waiting / waiting: NaN for pod-2 (0 / 0), 1 for pod-1.
    expect(evalNow(`min(vllm:num_requests_waiting{${SEL}} / vllm:num_requests_waiting{${SEL}})`, h)).toBe(1);
    expect(evalNow(`max(vllm:num_requests_waiting{${SEL}} / vllm:num_requests_waiting{${SEL}})`, h)).toBe(1);
    expect(evalNow(`max(vllm:num_requests_waiting{${SEL},pod="pod-2"} / vllm:num_requests_waiting{${SEL},pod="pod-2"})`, h)).toBeNaN();
  });
});

describe('recorded series: a selector reads its recording rule\'s result over the model', () => {
  const P95 = 'namespace_pool:vllm_time_to_first_token_seconds:p95_5m';
  const rule = (record: string, expr: string, labels: Record<string, string> = {}, file = 'rules.yaml'): ReplayRecordingRule => ({ record, expr, labels, file });
  /** One rule per pool, as RecordingRules renders them: the static labels name the pool. */
  const RULES: ReplayRecordingRule[] = [
    rule(P95, `histogram_quantile(0.95, sum by (namespace, pool, model_name, le) (rate(vllm:time_to_first_token_seconds_bucket{${SEL}}[5m])))`, { namespace: 'llm', pool: 'chat' }),
    rule(P95, 'histogram_quantile(0.95, sum by (namespace, pool, model_name, le) (rate(vllm:time_to_first_token_seconds_bucket{namespace="llm",pool="other",model_name="llama"}[5m])))', { namespace: 'llm', pool: 'other' }),
    rule('pool:waiting:sum', `sum by (namespace, pool) (vllm:num_requests_waiting{${SEL}})`, { team: 'ml', pool: 'renamed' }),
    rule('pool:waiting:per_replica', 'pool:waiting:sum / scalar(count(vllm:num_requests_running{namespace="llm"}))'),
    rule('pool:ttft_buckets:rate5m', `sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{${SEL}}[5m]))`),
  ];
  const options: EvaluateOptions = { recordingRules: RULES };
  /** 10 min, two ready pods serving; pod-1's queue grows by 1 a minute. */
  const history = timeline(0, 600, 15, t => snap(t, [
    { name: 'pod-1', waiting: t / 60, completedPerSecond: 1 },
    { name: 'pod-2', waiting: 2, completedPerSecond: 1 },
  ]));

  test('a recorded quantile reads the model\'s quantile; another pool\'s rule adds nothing', () => {
    expect(evalNow(`max(${P95}{namespace="llm",pool="chat",model_name="llama"})`, history, options)).toBeCloseTo(0.8, 12);
    expect(evalNow(`max(${P95}{pool="other"})`, history, options)).toBeUndefined();
    expect(evalNow(`count(${P95})`, history, options)).toBe(1);
    // Only the rules whose static labels the matchers accept are evaluated: another pool's rule the evaluator cannot read does not matter.
    const withBroken = [...RULES, rule(P95, 'topk(1, vllm:num_requests_waiting)', { namespace: 'llm', pool: 'broken' })];
    expect(evalNow(`max(${P95}{pool="chat"})`, history, { recordingRules: withBroken })).toBeCloseTo(0.8, 12);
    expect(() => evalNow(`max(${P95})`, history, { recordingRules: withBroken })).toThrow(`reads ${P95}, recorded by a rule (rules.yaml) the what-if evaluator cannot evaluate`);
  });

  test('the element: named by record, the result\'s labels with the rule\'s static labels over them', () => {
    const v = evaluateVector('pool:waiting:sum', last(history), history, LABELS, options);
    expect(v).toEqual([{ labels: { __name__: 'pool:waiting:sum', namespace: 'llm', pool: 'renamed', team: 'ml' }, value: 12 }]);
    // An empty static label removes the label (Prometheus' labels.Builder).
    const emptied = evaluateVector('w', last(history), history, LABELS, { recordingRules: [rule('w', `sum by (namespace, pool) (vllm:num_requests_waiting{${SEL}})`, { pool: '' })] });
    expect(emptied).toEqual([{ labels: { __name__: 'w', namespace: 'llm' }, value: 12 }]);
  });

  test('the selector\'s matchers apply to the recorded labels, static ones included', () => {
    expect(evalNow('sum(pool:waiting:sum{team="ml",pool="renamed"})', history, options)).toBe(12);
    expect(evalNow('sum(pool:waiting:sum{pool="chat"})', history, options)).toBeUndefined();
    expect(evalNow('sum(pool:waiting:sum{team=~"m.*"})', history, options)).toBe(12);
    expect(evalNow('sum(pool:waiting:sum{team!="ml"})', history, options)).toBeUndefined();
  });

  test('a rule over another recorded series; buckets recorded then read by histogram_quantile', () => {
    expect(evalNow('sum(pool:waiting:per_replica)', history, options)).toBe(6);
    expect(evalNow('histogram_quantile(0.95, pool:ttft_buckets:rate5m)', history, options)).toBeCloseTo(0.8, 12);
  });

  test('over time: a subquery evaluates the rule at each step\'s snapshot', () => {
    // pod-1's queue grows by 1/min: the recorded sum follows it, and predict_linear extrapolates it.
    expect(evalNow('predict_linear(sum(pool:waiting:sum)[5m:15s], 600)', history, options)).toBeCloseTo(22, 6);
    // Earlier history only: the value at t=300.
    const earlier = history.filter(s => s.t <= 300);
    expect(evalNow('sum(pool:waiting:sum)', earlier, options)).toBe(7);
  });

  test('errors: a series no rule records, a cycle, a rule the evaluator cannot read, bad rules', () => {
    const qt = (query: string) => `'query' (${JSON.stringify(query)})`;
    expect(() => evalNow('sum(namespace_pool:unknown:p95_5m)', history, options)).toThrow(new Error(`${qt('sum(namespace_pool:unknown:p95_5m)')} reads namespace_pool:unknown:p95_5m, a series the pool model does not produce (it produces vllm:num_requests_running, vllm:num_requests_waiting, vllm:kv_cache_usage_perc, vllm:request_success_total, vllm:prompt_tokens_total, vllm:generation_tokens_total, vllm:time_to_first_token_seconds_bucket, vllm:e2e_request_latency_seconds_bucket, DCGM_FI_DEV_GPU_UTIL, DCGM_FI_PROF_GR_ENGINE_ACTIVE, litellm_proxy_total_requests_metric_total, litellm_in_flight_requests, litellm_request_total_latency_metric_bucket) and no recording rule in the manifests records it (they record ${P95}, pool:waiting:sum, pool:waiting:per_replica, pool:ttft_buckets:rate5m)`));
    const cycle: ReplayRecordingRule[] = [rule('a:x', 'sum(b:y)', {}, 'a.yaml'), rule('b:y', 'sum(a:x) + 1', {}, 'b.yaml')];
    const cycleError = new Error('\'recording rule a:x\' ("sum(b:y)") reads the series it records through a:x -> b:y -> a:x (a.yaml, b.yaml); Prometheus evaluates a rule over series already recorded, so a cycle never yields a value: break it');
    expect(() => evalNow('a:x', history, { recordingRules: cycle })).toThrow(cycleError);
    expect(() => checkQuery('max(a:x)', cycle)).toThrow(cycleError);
    expect(() => checkQuery('b:y', cycle)).toThrow(new Error('\'recording rule b:y\' ("sum(a:x) + 1") reads the series it records through b:y -> a:x -> b:y (b.yaml, a.yaml); Prometheus evaluates a rule over series already recorded, so a cycle never yields a value: break it'));
    expect(() => checkQuery('self:x', [rule('self:x', 'self:x * 2')])).toThrow(new Error('\'recording rule self:x\' ("self:x * 2") reads the series it records through self:x -> self:x (rules.yaml); Prometheus evaluates a rule over series already recorded, so a cycle never yields a value: break it'));
    expect(() => checkQuery('sum(r:topk)', [rule('r:topk', 'topk(1, vllm:num_requests_waiting)', {}, 'r.yaml')])).toThrow(new Error(`${qt('sum(r:topk)')} reads r:topk, recorded by a rule (r.yaml) the what-if evaluator cannot evaluate: ${qt('topk(1, vllm:num_requests_waiting)')} uses the aggregation topk, which the what-if evaluator supports the PromQL the library emits: selectors of the model's series, sum/avg/min/max/count (by/without), rate/irate/increase, histogram_quantile, clamp_min/clamp_max/clamp, predict_linear over a subquery, scalar/vector, arithmetic and comparisons`));
    expect(() => checkQuery('x', {} as unknown as ReplayRecordingRule[])).toThrow(new Error('\'recordingRules\' ({}) must be an array of { record, expr, labels? }'));
    expect(() => evalNow('x', history, { recordingRules: [{ record: 'bad name', expr: '1' }] })).toThrow(new Error('\'options.recordingRules[0].record\' ("bad name") must be a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)'));
    expect(() => evalNow('x', history, { recordingRules: [{ record: 'x', expr: 1 as unknown as string }] })).toThrow(new Error('\'options.recordingRules[0].expr\' (1) must be a PromQL string'));
    expect(() => evalNow('x', history, { recordingRules: [{ record: 'x', expr: '1', labels: { a: 1 as unknown as string } }] })).toThrow(new Error('\'options.recordingRules[0].labels\' ({"a":1}) must map label names to strings'));
    expect(() => evalNow('x', history, { recordingRules: [null as unknown as ReplayRecordingRule] })).toThrow(new Error('\'options.recordingRules[0]\' (null) must be a recording rule { record, expr, labels? }'));
    expect(() => evalNow('x', history, null as unknown as EvaluateOptions)).toThrow(new Error('\'options\' (null) must be EvaluateOptions'));
  });
});
