import { Duration } from 'cdk8s';
import {
  Accelerator, KedaMetricType, LiteLLMProxy, LlmSignal, ModelGroup, promqlSyntaxError, SignalSource, VllmPool,
} from '../../lib';
import { testChart } from '../util/synth';

/**
 * The vLLM version a custom image runs (the pool's `vllmVersion`, required for images whose tag
 * carries none), spread in untyped so this file compiles with and without that prop.
 */
const CUSTOM_IMAGE_VERSION = { vllmVersion: '0.16.0' } as object;

const PROMETHEUS = { serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' };

/** A pool in namespace `llm` served as `llama`, behind a proxy in the same namespace whose model group is `llama`. */
function setup(): { pool: VllmPool; proxy: LiteLLMProxy; group: ModelGroup } {
  const chart = testChart();
  const pool = new VllmPool(chart, 'pool', {
    model: 'meta-llama/Llama-3.1-8B-Instruct', servedModelName: 'llama', accelerator: Accelerator.nvidiaGpu(1),
  });
  const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: { secretName: 'litellm', key: 'master-key' } });
  const group = proxy.addBackend(pool);
  return { pool, proxy, group };
}

describe('golden queries', () => {
  const { pool, proxy, group } = setup();
  // Pool selectors come from the pool's helpers (namespace, pool label, model name): the
  // signal never retypes a label. The query around them is pinned exactly.
  const sel = {
    waiting: pool.metricRequestsWaiting().selector,
    running: pool.metricRequestsRunning().selector,
    kv: pool.metricKvCacheUsage().selector,
    ttft: pool.metricTimeToFirstToken().bucketSelector,
    success: pool.metricRequestSuccess().selector,
    tokens: pool.metricGenerationTokens().selector,
    util: pool.metricGpuUtilization().selector,
    active: pool.metricGpuEngineActive().selector,
  };

  test('the fixture: namespace llm, model llama; helpers scoped to the namespace and model', () => {
    expect(pool.namespace).toBe('llm');
    expect(pool.servedModelName).toBe('llama');
    expect(group.name).toBe('llama');
    expect(pool.metricRequestsWaiting().matchers).toMatchObject({ namespace: 'llm', model_name: 'llama' });
    expect(sel.util).toMatch(/^DCGM_FI_DEV_GPU_UTIL\{namespace="llm",pod=~"[a-z0-9-]+-\[a-z0-9\]\+-\[a-z0-9\]\+"\}$/);
  });

  const cases: Array<[string, () => LlmSignal, string, number, KedaMetricType, SignalSource]> = [
    ['queueDepth', () => LlmSignal.queueDepth(pool, 5),
      `sum(${sel.waiting})`, 5, KedaMetricType.AVERAGE_VALUE, SignalSource.OWN_PODS],
    ['runningRequests', () => LlmSignal.runningRequests(pool, 16),
      `sum(${sel.running})`, 16, KedaMetricType.AVERAGE_VALUE, SignalSource.OWN_PODS],
    ['kvCacheUsage', () => LlmSignal.kvCacheUsage(pool, 0.8),
      `sum(${sel.kv})`, 0.8, KedaMetricType.AVERAGE_VALUE, SignalSource.OWN_PODS],
    ['ttftP95', () => LlmSignal.ttftP95(pool, Duration.seconds(2)),
      `histogram_quantile(0.95, sum by (le) (rate(${sel.ttft}[2m])))`, 2, KedaMetricType.VALUE, SignalSource.OWN_PODS],
    ['requestRate', () => LlmSignal.requestRate(pool, 3),
      `sum(rate(${sel.success}[2m]))`, 3, KedaMetricType.AVERAGE_VALUE, SignalSource.OWN_PODS],
    ['generationTokens', () => LlmSignal.generationTokens(pool, 500),
      `sum(rate(${sel.tokens}[2m]))`, 500, KedaMetricType.AVERAGE_VALUE, SignalSource.OWN_PODS],
    ['gpuUtilization (a ratio: the percentage divided by 100)', () => LlmSignal.gpuUtilization(pool, 0.8),
      `avg(${sel.util}) / 100`, 0.8, KedaMetricType.VALUE, SignalSource.OWN_PODS],
    ['gpuEngineActive', () => LlmSignal.gpuEngineActive(pool, 0.7),
      `avg(${sel.active})`, 0.7, KedaMetricType.VALUE, SignalSource.OWN_PODS],
    ['proxyRequestRate', () => LlmSignal.proxyRequestRate(proxy, group, 2),
      'sum(rate(litellm_proxy_total_requests_metric_total{namespace="llm",requested_model="llama"}[2m]))',
      2, KedaMetricType.AVERAGE_VALUE, SignalSource.EXTERNAL],
    ['proxyInFlight', () => LlmSignal.proxyInFlight(proxy, 10),
      'sum(litellm_in_flight_requests{namespace="llm"})',
      10, KedaMetricType.AVERAGE_VALUE, SignalSource.EXTERNAL],
    ['predicted queueDepth (defaults: 15 min lookback, 10 min horizon)', () => LlmSignal.predicted(LlmSignal.queueDepth(pool, 5)),
      `clamp_min(predict_linear(sum(${sel.waiting})[900s:30s], 600), 0)`,
      5, KedaMetricType.AVERAGE_VALUE, SignalSource.OWN_PODS],
    ['predicted kvCacheUsage (30 min lookback, 5 min horizon)',
      () => LlmSignal.predicted(LlmSignal.kvCacheUsage(pool, 0.7), { lookback: Duration.minutes(30), horizon: Duration.minutes(5) }),
      `clamp_min(predict_linear(sum(${sel.kv})[1800s:30s], 300), 0)`,
      0.7, KedaMetricType.AVERAGE_VALUE, SignalSource.OWN_PODS],
    ['predicted runningRequests', () => LlmSignal.predicted(LlmSignal.runningRequests(pool, 16), { horizon: Duration.minutes(3) }),
      `clamp_min(predict_linear(sum(${sel.running})[900s:30s], 180), 0)`,
      16, KedaMetricType.AVERAGE_VALUE, SignalSource.OWN_PODS],
  ];

  describe.each(cases)('%s', (_name, make, query, threshold, metricType, source) => {
    const signal = make();

    test('the exact query', () => {
      expect(signal.query).toBe(query);
    });

    test('parses as PromQL', () => {
      expect(promqlSyntaxError(signal.query)).toBeUndefined();
    });

    test('threshold, metricType and source', () => {
      expect(signal.threshold).toBe(threshold);
      expect(signal.metricType).toBe(metricType);
      expect(signal.source).toBe(source);
    });

    test('never a removed vLLM metric name', () => {
      expect(signal.query).not.toContain('vllm:gpu_cache_usage_perc');
      expect(signal.query).not.toContain('vllm:time_per_output_token_seconds');
    });

    test('its trigger carries the query, the threshold as a string, metricType, source and the kind as name', () => {
      const trigger = signal.trigger(PROMETHEUS);
      expect(trigger.type).toBe('prometheus');
      expect(trigger.metadata).toEqual({ serverAddress: PROMETHEUS.serverAddress, query, threshold: String(threshold) });
      expect(trigger.metricType).toBe(metricType);
      expect(trigger.source).toBe(source);
      expect(trigger.name).toBe(signal.kind);
    });

    test('pool signals name the pool they read (its monitor is required), proxy signals the proxy', () => {
      if (source === SignalSource.OWN_PODS) {
        expect({ pool: signal.pool, proxy: signal.proxy, trigger: signal.trigger(PROMETHEUS).pool }).toEqual({ pool, proxy: undefined, trigger: pool });
      } else {
        expect({ pool: signal.pool, proxy: signal.proxy, trigger: signal.trigger(PROMETHEUS).pool }).toEqual({ pool: undefined, proxy, trigger: undefined });
      }
    });
  });

  test('kinds, which are the trigger names', () => {
    expect(cases.map(([, make]) => make().kind)).toEqual([
      'queue_depth', 'running_requests', 'kv_cache', 'ttft_p95', 'request_rate', 'generation_tokens', 'gpu_utilization', 'gpu_engine_active',
      'proxy_request_rate', 'proxy_in_flight', 'predicted_queue_depth', 'predicted_kv_cache', 'predicted_running_requests',
    ]);
  });
});

describe('trigger()', () => {
  const { pool } = setup();

  test('activationThreshold and ignoreNullValues become string metadata', () => {
    const trigger = LlmSignal.queueDepth(pool, 5).trigger(PROMETHEUS, { activationThreshold: 1, ignoreNullValues: false });
    expect(trigger.metadata.activationThreshold).toBe('1');
    expect(trigger.metadata.ignoreNullValues).toBe('false');
  });

  test('a missing Prometheus from plain JavaScript', () => {
    expect(() => LlmSignal.queueDepth(pool, 5).trigger(undefined as any)).toThrow(new Error(
      '\'prometheus\' (undefined) is required: the Prometheus the trigger queries, e.g. { serverAddress: \'http://prometheus-operated.monitoring.svc:9090\' }'));
  });

  test('the Prometheus auth reaches the trigger', () => {
    const bearerToken = { secretName: 'prometheus-auth', key: 'token' };
    const trigger = LlmSignal.kvCacheUsage(pool, 0.8).trigger({ ...PROMETHEUS, auth: { mode: 'bearer', bearerToken } });
    expect(trigger.metadata.authModes).toBe('bearer');
    expect(trigger.secrets).toEqual([{ parameter: 'bearerToken', secret: bearerToken }]);
  });
});

describe('errors', () => {
  const { pool, proxy } = setup();
  const PREDICT_RULE = 'cannot be predicted: predict_linear needs a gauge signal (queue_depth, running_requests or kv_cache)';
  const ratioRule = (value: number, why: string) =>
    `'ratio' (${value}) must be a ratio greater than 0 and at most 1, not a percentage${value > 1 && value <= 100 ? ` (${value} % is ${value / 100})` : ''}: LlmSignal ratio targets are fractions from 0 to 1 (${why})`;

  test.each([0, 1.5, 80, NaN, Infinity, -0.5])('kvCacheUsage %d', (ratio) => {
    expect(() => LlmSignal.kvCacheUsage(pool, ratio)).toThrow(new Error(ratioRule(ratio, 'vllm:kv_cache_usage_perc is a fraction despite its name')));
  });

  test('kvCacheUsage 1 is allowed', () => {
    expect(LlmSignal.kvCacheUsage(pool, 1).threshold).toBe(1);
  });

  test('gpuUtilization(pool, 80): a percent where a ratio is meant, refused like kvCacheUsage(80)', () => {
    expect(() => LlmSignal.gpuUtilization(pool, 80)).toThrow(new Error(
      '\'ratio\' (80) must be a ratio greater than 0 and at most 1, not a percentage (80 % is 0.8): LlmSignal ratio targets are fractions from 0 to 1 (DCGM_FI_DEV_GPU_UTIL is converted from percent for you)'));
  });

  test.each([0, 120, NaN])('gpuUtilization %d', (ratio) => {
    expect(() => LlmSignal.gpuUtilization(pool, ratio)).toThrow(new Error(ratioRule(ratio, 'DCGM_FI_DEV_GPU_UTIL is converted from percent for you')));
  });

  test.each([0, 70])('gpuEngineActive %d (a ratio, not a percentage)', (ratio) => {
    expect(() => LlmSignal.gpuEngineActive(pool, ratio)).toThrow(new Error(ratioRule(ratio, 'DCGM_FI_PROF_GR_ENGINE_ACTIVE is a ratio')));
  });

  test('GPU utilization on a MIG pool is refused, pointing at engine activity', () => {
    const mig = new VllmPool(testChart(), 'mig', { model: 'org/qwen', accelerator: Accelerator.mig('1g.10gb') });
    expect(() => LlmSignal.gpuUtilization(mig, 0.8)).toThrow(new Error(
      '\'pool\' ("test/mig") runs on a MIG slice (nvidia.com/mig-1g.10gb), where DCGM_FI_DEV_GPU_UTIL is 0 or absent (NVIDIA/dcgm-exporter #216): scale on LlmSignal.gpuEngineActive(pool, ratio), which reads DCGM_FI_PROF_GR_ENGINE_ACTIVE'));
    expect(LlmSignal.gpuEngineActive(mig, 0.6).query).toBe(`avg(${mig.metricGpuEngineActive().selector})`);
  });

  test('GPU signals on a pool without an NVIDIA GPU are refused', () => {
    const neuron = new VllmPool(testChart(), 'neuron', {
      model: 'org/m', accelerator: Accelerator.neuron(1), image: 'registry.example.com/vllm-neuron:v0.11.0', ...CUSTOM_IMAGE_VERSION, engine: { tensorParallelSize: 2 },
    });
    expect(() => LlmSignal.gpuEngineActive(neuron, 0.5)).toThrow(new Error(
      '\'pool\' ("test/neuron") runs on aws.amazon.com/neuron: LlmSignal.gpuEngineActive reads dcgm-exporter, which reports NVIDIA GPUs only; scale on LlmSignal.queueDepth(pool, perReplica)'));
  });

  test('missing pool, proxy or group from plain JavaScript', () => {
    expect(() => LlmSignal.queueDepth(undefined as any, 5)).toThrow(new Error('\'pool\' (undefined) must be a ServingPool (a VllmPool or a MultiNodeVllmPool)'));
    expect(() => LlmSignal.gpuUtilization({} as any, 0.5)).toThrow(new Error('\'pool\' ({}) must be a ServingPool (a VllmPool or a MultiNodeVllmPool)'));
    expect(() => LlmSignal.proxyInFlight(undefined as any, 5)).toThrow(new Error('\'proxy\' (undefined) must be a LiteLLMProxy'));
    expect(() => LlmSignal.proxyRequestRate(proxy, undefined as any, 5)).toThrow(new Error(
      '\'group\' (undefined) is required: the model group whose requests to count, as returned by proxy.addBackend(pool)'));
    expect(() => LlmSignal.predicted('queue_depth' as any)).toThrow(new Error('\'signal\' ("queue_depth") must be an LlmSignal'));
  });

  test('predicted on ttftP95', () => {
    expect(() => LlmSignal.predicted(LlmSignal.ttftP95(pool, Duration.seconds(2)))).toThrow(new Error(`'signal' ("ttft_p95") ${PREDICT_RULE}`));
  });

  test('predicted on requestRate', () => {
    expect(() => LlmSignal.predicted(LlmSignal.requestRate(pool, 3))).toThrow(new Error(`'signal' ("request_rate") ${PREDICT_RULE}`));
  });

  test('predicted on a predicted signal', () => {
    expect(() => LlmSignal.predicted(LlmSignal.predicted(LlmSignal.queueDepth(pool, 5)))).toThrow(new Error(
      `'signal' ("predicted_queue_depth") ${PREDICT_RULE}`));
  });

  test('predicted with a zero lookback or horizon', () => {
    expect(() => LlmSignal.predicted(LlmSignal.queueDepth(pool, 5), { lookback: Duration.seconds(0) })).toThrow(new Error(
      '\'lookback\' ("0ms") must be a whole number of seconds, at least 60s (e.g. Duration.seconds(60))'));
    expect(() => LlmSignal.predicted(LlmSignal.queueDepth(pool, 5), { horizon: Duration.seconds(NaN) })).toThrow(new Error(
      '\'horizon\' ("NaN") must be a finite Duration'));
  });

  test('ttftP95 with a zero, NaN or missing target', () => {
    expect(() => LlmSignal.ttftP95(pool, Duration.seconds(0))).toThrow(new Error('\'target\' ("0ms") must be longer than 0'));
    expect(() => LlmSignal.ttftP95(pool, Duration.seconds(NaN))).toThrow(new Error('\'target\' ("NaN") must be a finite Duration'));
    expect(() => LlmSignal.ttftP95(pool, undefined as any)).toThrow(new Error('\'target\' (undefined) must be a Duration, e.g. Duration.seconds(30)'));
  });

  test.each([
    ['queueDepth', () => LlmSignal.queueDepth(pool, 0)],
    ['runningRequests', () => LlmSignal.runningRequests(pool, 0)],
    ['proxyInFlight', () => LlmSignal.proxyInFlight(proxy, 0)],
  ])('%s perReplica 0', (_name, make) => {
    expect(make).toThrow(new Error('\'perReplica\' (0) must be greater than 0'));
  });

  test.each([NaN, Infinity, -1])('queueDepth perReplica %d', (value) => {
    expect(() => LlmSignal.queueDepth(pool, value)).toThrow(new Error(`'perReplica' (${value}) must be greater than 0`));
  });

  test.each([
    ['requestRate', 0, () => LlmSignal.requestRate(pool, 0)],
    ['generationTokens', -1, () => LlmSignal.generationTokens(pool, -1)],
    ['proxyRequestRate', 0, () => LlmSignal.proxyRequestRate(proxy, proxy.modelGroups[0], 0)],
  ])('%s perReplicaPerSecond %d', (_name, value, make) => {
    expect(make).toThrow(new Error(`'perReplicaPerSecond' (${value}) must be greater than 0`));
  });
});

describe('sub-second and fractional durations', () => {
  const chart = testChart();
  const pool = new VllmPool(chart, 'pool', { model: 'org/llama', servedModelName: 'llama', accelerator: Accelerator.nvidiaGpu(1) });

  test('a TTFT target under a second is kept in seconds, not truncated', () => {
    const signal = LlmSignal.ttftP95(pool, Duration.millis(500));
    expect(signal.threshold).toBe(0.5);
    expect(promqlSyntaxError(signal.query)).toBeUndefined();
  });

  test('a prediction lookback that is not whole seconds is refused with the library\'s message', () => {
    expect(() => LlmSignal.predicted(LlmSignal.queueDepth(pool, 5), { lookback: Duration.millis(1500) }))
      .toThrow(new Error("'lookback' (\"1500ms\") must be a whole number of seconds, at least 60s (e.g. Duration.seconds(60))"));
  });
});
