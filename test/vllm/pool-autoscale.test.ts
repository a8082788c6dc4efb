import { Chart, Duration } from 'cdk8s';
import {
  Accelerator, KedaScaledObject, LiteLLMProxy, LlmSignal, ModelGroup, PoolAutoscaleOptions, ScalingBehaviors, VllmPool,
  VllmPoolProps,
} from '../../lib';
import { Manifest, oneOfKind, synth, testChart, SCRAPER } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const PROMETHEUS = { serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' };
const PROXY_RATE = 'sum(rate(litellm_proxy_total_requests_metric_total{namespace="llm",requested_model="llama"}[2m]))';

interface Fixture {
  readonly chart: Chart;
  readonly pool: VllmPool;
  readonly proxy: LiteLLMProxy;
  readonly group: ModelGroup;
}

/**
 * A pool served as `llama` in namespace `llm` behind a proxy; `options` builds the autoscale
 * options from it. Synthesized and strictly validated.
 */
function render(
  options: (f: Fixture) => Partial<PoolAutoscaleOptions> = () => ({}),
  poolProps: Partial<VllmPoolProps> = {},
): Fixture & { manifests: Manifest[]; scaledObject: KedaScaledObject } {
  const f = fixture(poolProps);
  const scaledObject = f.pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, ...options(f) });
  const manifests = synth(f.chart);
  expectValidManifests(manifests);
  return { ...f, manifests, scaledObject };
}

/** The pool (monitored unless `monitor` is false: its PodMonitor adds the pool label the signals read) behind a proxy. */
function fixture(poolProps: Partial<VllmPoolProps> = {}, monitor = true): Fixture {
  const chart = testChart();
  const pool = new VllmPool(chart, 'pool', {
    model: 'meta-llama/Llama-3.1-8B-Instruct', servedModelName: 'llama', accelerator: Accelerator.nvidiaGpu(1), ...poolProps,
  });
  if (monitor) pool.monitor({ labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER });
  const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: { secretName: 'litellm', key: 'master-key' } });
  const group = proxy.addBackend(pool);
  return { chart, pool, proxy, group };
}

function specOf(manifests: Manifest[]): Manifest {
  return oneOfKind(manifests, 'ScaledObject').spec;
}

function triggerNamed(manifests: Manifest[], name: string): Manifest {
  const trigger = specOf(manifests).triggers.find((t: Manifest) => t.name === name);
  if (!trigger) throw new Error(`no trigger ${name}`);
  return trigger;
}

describe('defaults', () => {
  const { manifests, pool, scaledObject } = render();
  const spec = specOf(manifests);

  test('a ScaledObject (child Autoscaler) on the pool Deployment, 1 to maxReplicas, polled every 15 s', () => {
    expect(scaledObject.node.path).toBe('test/pool/Autoscaler');
    expect(spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: pool.deployment.name });
    expect(spec.minReplicaCount).toBe(1);
    expect(spec.maxReplicaCount).toBe(4);
    expect(spec.pollingInterval).toBe(15);
  });

  test('two triggers: queue_depth 5 per replica and kv_cache 0.8 on the pool\'s own selectors, ignoreNullValues "false"', () => {
    const QUEUE_DEPTH = `sum(${pool.metricRequestsWaiting().selector})`;
    const KV_CACHE = `sum(${pool.metricKvCacheUsage().selector})`;
    expect(spec.triggers).toEqual([
      {
        type: 'prometheus', name: 'queue_depth', metricType: 'AverageValue',
        metadata: { serverAddress: PROMETHEUS.serverAddress, query: QUEUE_DEPTH, threshold: '5', ignoreNullValues: 'false' },
      },
      {
        type: 'prometheus', name: 'kv_cache', metricType: 'AverageValue',
        metadata: { serverAddress: PROMETHEUS.serverAddress, query: KV_CACHE, threshold: '0.8', ignoreNullValues: 'false' },
      },
    ]);
  });

  test('fallback: 1 replica, currentReplicasIfHigher, after 3 failures', () => {
    expect(spec.fallback).toEqual({ failureThreshold: 3, replicas: 1, behavior: 'currentReplicasIfHigher' });
  });

  test('the GPU_POOL behavior', () => {
    expect(spec.advanced).toEqual({
      horizontalPodAutoscalerConfig: {
        behavior: {
          scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 180 }] },
          scaleDown: { stabilizationWindowSeconds: 900, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }] },
        },
      },
    });
  });

  test('no cooldownPeriod, initialCooldownPeriod or idleReplicaCount', () => {
    expect(spec).not.toHaveProperty('cooldownPeriod');
    expect(spec).not.toHaveProperty('initialCooldownPeriod');
    expect(spec).not.toHaveProperty('idleReplicaCount');
  });

  test('no TriggerAuthentication without Prometheus auth', () => {
    expect(manifests.filter(m => m.kind === 'TriggerAuthentication')).toHaveLength(0);
  });

  test('the pool Deployment renders no spec.replicas', () => {
    expect(oneOfKind(manifests, 'Deployment', pool.deployment.name).spec).not.toHaveProperty('replicas');
  });

  test('handles: named after the pool Deployment, hpaName and bounds', () => {
    expect(oneOfKind(manifests, 'ScaledObject').metadata.name).toBe(pool.deployment.name);
    expect(scaledObject.hpaName).toBe(`keda-hpa-${pool.deployment.name}`);
    expect(scaledObject.minReplicas).toBe(1);
    expect(scaledObject.maxReplicas).toBe(4);
    expect(scaledObject.hasFallback).toBe(true);
  });
});

describe('scale to zero, woken by the proxy', () => {
  const { manifests, pool } = render(({ proxy, group }) => ({ minReplicas: 0, wakeOn: LlmSignal.proxyRequestRate(proxy, group, 2) }));
  const spec = specOf(manifests);

  test('minReplicaCount 0', () => {
    expect(spec.minReplicaCount).toBe(0);
  });

  test('own-pod triggers read an absent series as 0: ignoreNullValues "true"', () => {
    expect(triggerNamed(manifests, 'queue_depth').metadata.ignoreNullValues).toBe('true');
    expect(triggerNamed(manifests, 'kv_cache').metadata.ignoreNullValues).toBe('true');
  });

  test('the wake trigger: the proxy request rate of the model group, activationThreshold "0"', () => {
    expect(triggerNamed(manifests, 'proxy_request_rate')).toEqual({
      type: 'prometheus', name: 'proxy_request_rate', metricType: 'AverageValue',
      metadata: { serverAddress: PROMETHEUS.serverAddress, query: PROXY_RATE, threshold: '2', activationThreshold: '0' },
    });
  });

  test('cooldownPeriod 900 s and initialCooldownPeriod = maxModelLoadTime', () => {
    expect(spec.cooldownPeriod).toBe(900);
    expect(spec.initialCooldownPeriod).toBe(pool.maxModelLoadTime.toSeconds());
    expect(spec.initialCooldownPeriod).toBe(1200);
  });

  test('fallback: 1 replica', () => {
    expect(spec.fallback).toEqual({ failureThreshold: 3, replicas: 1, behavior: 'currentReplicasIfHigher' });
  });

  test('a custom maxModelLoadTime, scale-to-zero cooldown and fallback', () => {
    const custom = render(({ proxy, group }) => ({
      minReplicas: 0, wakeOn: LlmSignal.proxyRequestRate(proxy, group, 2),
      scaleToZeroCooldown: Duration.minutes(30), fallbackReplicas: 2,
    }), { maxModelLoadTime: Duration.minutes(40) });
    const customSpec = specOf(custom.manifests);
    expect(customSpec.cooldownPeriod).toBe(1800);
    expect(customSpec.initialCooldownPeriod).toBe(2400);
    expect(customSpec.fallback.replicas).toBe(2);
  });
});

describe('wakeOn with minReplicas 1', () => {
  test('the wake trigger is added; no scale-to-zero settings', () => {
    const { manifests } = render(({ proxy, group }) => ({ wakeOn: LlmSignal.proxyRequestRate(proxy, group, 2) }));
    const spec = specOf(manifests);
    expect(spec.triggers.map((t: Manifest) => t.name)).toEqual(['queue_depth', 'kv_cache', 'proxy_request_rate']);
    expect(triggerNamed(manifests, 'queue_depth').metadata.ignoreNullValues).toBe('false');
    expect(spec).not.toHaveProperty('cooldownPeriod');
    expect(spec).not.toHaveProperty('initialCooldownPeriod');
  });
});

describe('preWarm', () => {
  const { manifests } = render(() => ({
    minReplicas: 0,
    preWarm: [
      { timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', replicas: 2 },
      { timezone: 'America/New_York', start: '0 9 * * 6', end: '0 12 * * 6', replicas: 1 },
    ],
  }));

  test('each window is a cron trigger prewarm_<i>, metadata as strings', () => {
    expect(triggerNamed(manifests, 'prewarm_0')).toEqual({
      type: 'cron', name: 'prewarm_0',
      metadata: { timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: '2' },
    });
    expect(triggerNamed(manifests, 'prewarm_1')).toEqual({
      type: 'cron', name: 'prewarm_1',
      metadata: { timezone: 'America/New_York', start: '0 9 * * 6', end: '0 12 * * 6', desiredReplicas: '1' },
    });
  });

  test('the windows let the pool scale to zero without wakeOn', () => {
    const spec = specOf(manifests);
    expect(spec.minReplicaCount).toBe(0);
    expect(spec.triggers.map((t: Manifest) => t.name)).toEqual(['queue_depth', 'kv_cache', 'prewarm_0', 'prewarm_1']);
  });

  test('a window with a bad cron expression', () => {
    const { pool } = fixture();
    expect(() => pool.autoscale({
      prometheus: PROMETHEUS, maxReplicas: 4, preWarm: [{ timezone: 'Europe/Berlin', start: '0 0 8 * * 1-5', end: '0 18 * * 1-5', replicas: 2 }],
    })).toThrow(new Error(
      '\'start\' ("0 0 8 * * 1-5") must be a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. \'0 8 * * 1-5\''));
  });
});

describe('custom signals', () => {
  test('predicted queue depth, requests running and generation tokens, in order', () => {
    const { manifests, pool } = render(({ pool: p }) => ({
      signals: [
        LlmSignal.predicted(LlmSignal.queueDepth(p, 4)),
        LlmSignal.runningRequests(p, 32),
        LlmSignal.generationTokens(p, 1000),
      ],
    }));
    const triggers = specOf(manifests).triggers;
    expect(triggers.map((t: Manifest) => t.name)).toEqual(['predicted_queue_depth', 'running_requests', 'generation_tokens']);
    expect(triggerNamed(manifests, 'predicted_queue_depth').metadata).toEqual({
      serverAddress: PROMETHEUS.serverAddress,
      query: `clamp_min(predict_linear(sum(${pool.metricRequestsWaiting().selector})[900s:30s], 600), 0)`,
      threshold: '4',
      ignoreNullValues: 'false',
    });
    expect(triggerNamed(manifests, 'generation_tokens').metadata.query).toBe(
      `sum(rate(${pool.metricGenerationTokens().selector}[2m]))`);
  });

  test('a Value signal (TTFT) beside a per-replica one', () => {
    const { manifests } = render(({ pool }) => ({ signals: [LlmSignal.queueDepth(pool, 5), LlmSignal.ttftP95(pool, Duration.seconds(2))] }));
    expect(triggerNamed(manifests, 'ttft_p95').metricType).toBe('Value');
    expect(triggerNamed(manifests, 'ttft_p95').metadata.threshold).toBe('2');
  });

  test('a custom behavior', () => {
    const { manifests } = render(() => ({ behavior: ScalingBehaviors.SEED }));
    expect(specOf(manifests).advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.policies).toEqual([
      { type: 'Percent', value: 100, periodSeconds: 60 },
      { type: 'Pods', value: 2, periodSeconds: 60 },
    ]);
  });

  test('minReplicas 2: fallback holds 2', () => {
    const { manifests } = render(() => ({ minReplicas: 2 }));
    expect(specOf(manifests).fallback.replicas).toBe(2);
    expect(specOf(manifests).minReplicaCount).toBe(2);
  });

  test('Prometheus auth: one TriggerAuthentication referenced by every trigger', () => {
    const { manifests } = render(() => ({
      prometheus: { ...PROMETHEUS, auth: { mode: 'bearer', bearerToken: { secretName: 'prometheus-auth', key: 'token' } } },
    }));
    const auth = oneOfKind(manifests, 'TriggerAuthentication');
    for (const t of specOf(manifests).triggers) {
      expect(t.authenticationRef).toEqual({ name: auth.metadata.name });
      expect(t.metadata.authModes).toBe('bearer');
    }
  });
});

describe('errors', () => {
  test('minReplicas 0 without wakeOn or preWarm', () => {
    const { pool } = fixture();
    expect(() => pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, minReplicas: 0 })).toThrow(new Error(
      '\'minReplicas\' (0) scales to zero but every trigger reads the workload\'s own pods, which report nothing at zero replicas: it could never wake; add a trigger that exists at zero (LlmSignal.proxyRequestRate for its model group, or a cron window)'));
  });

  test('wakeOn with a signal of the pool\'s own pods', () => {
    const { pool } = fixture();
    expect(() => pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, minReplicas: 0, wakeOn: LlmSignal.queueDepth(pool, 1) })).toThrow(new Error(
      '\'wakeOn\' ("queue_depth") is a metric of a pool\'s own pods, which vanishes at zero replicas: wake the pool on LlmSignal.proxyRequestRate(proxy, group, perReplicaPerSecond) for a model group the pool is a backend of'));
  });

  test('maxReplicas below minReplicas', () => {
    const { pool } = fixture();
    expect(() => pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 1, minReplicas: 2 })).toThrow(new Error(
      '\'minReplicas\' (2) must not exceed maxReplicas (1)'));
  });

  test('fallbackReplicas above maxReplicas', () => {
    const { pool } = fixture();
    expect(() => pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, fallbackReplicas: 5 })).toThrow(new Error(
      '\'fallback.replicas\' (5) must not exceed maxReplicas (4)'));
  });

  test('a pool with fixed replicas', () => {
    const { pool } = fixture({ replicas: 2 });
    expect(() => pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4 })).toThrow(new Error(
      '\'target\' ("test/pool/Resource") has a fixed replicas (2): leave \'replicas\' unset on a workload an autoscaler owns, or Argo CD and the KEDA ScaledObject fight over it'));
  });
});

describe('guardrails added after review', () => {
  test('autoscale() twice is the library\'s error, not a construct id clash', () => {
    const { pool } = fixture();
    pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4 });
    expect(() => pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4 }))
      .toThrow(new Error("'autoscale()' (\"test/pool\") was already called: a pool has one autoscaler; pass every signal to one call"));
  });

  test('only absolute (Value) signals: refused, since the fallback needs a per-replica one', () => {
    const { pool } = fixture();
    expect(() => pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, signals: [LlmSignal.ttftP95(pool, Duration.seconds(2))] }))
      .toThrow(new Error("'signals' ([\"ttft_p95\"]) has no per-replica (AverageValue) signal: the fallback that holds replicas during a metrics outage needs one (KEDA); add LlmSignal.queueDepth or LlmSignal.kvCacheUsage"));
  });
});

describe('guardrails of issue 10', () => {
  test('wakeOn with another model group\'s traffic fails synth, naming the groups the pool serves', () => {
    const { chart, pool, proxy } = fixture();
    const other = new VllmPool(chart, 'other', { model: 'Qwen/Qwen3-8B', servedModelName: 'qwen', accelerator: Accelerator.nvidiaGpu(1) });
    const qwen = proxy.addBackend(other);
    pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, minReplicas: 0, wakeOn: LlmSignal.proxyRequestRate(proxy, qwen, 2) });
    expect(() => synth(chart)).toThrow(
      '\'wakeOn\' ("qwen") counts requests of model group "qwen" on LiteLLMProxy \'test/proxy\', which pool \'test/pool\' does not serve (its groups there: llama): the pool would wake on another model\'s traffic; pass the group proxy.addBackend(pool) returned');
  });

  test('wakeOn on a proxy the pool is no backend of', () => {
    const { chart, pool } = fixture();
    const proxy2 = new LiteLLMProxy(new Chart(chart.node.root, 'gateway-b', { namespace: 'gateway-b' }), 'proxy', { masterKey: { secretName: 'litellm', key: 'master-key' } });
    const other = new VllmPool(chart, 'other', { model: 'Qwen/Qwen3-8B', servedModelName: 'qwen', accelerator: Accelerator.nvidiaGpu(1) });
    const group = proxy2.addBackend(other);
    pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, minReplicas: 0, wakeOn: LlmSignal.proxyRequestRate(proxy2, group, 2) });
    expect(() => synth(chart)).toThrow('which pool \'test/pool\' does not serve (it is no backend there)');
  });

  test('a backend added after autoscale() counts: the wake group is checked at synth', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', { model: 'org/llama', servedModelName: 'llama', accelerator: Accelerator.nvidiaGpu(1) });
    pool.monitor({ labels: {}, scraper: SCRAPER });
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: { secretName: 'litellm', key: 'master-key' } });
    const group = proxy.addModel({ modelName: 'llama', model: 'hosted_vllm/llama', apiBase: 'http://llama-legacy.llm.svc.cluster.local:8000/v1' });
    pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, minReplicas: 0, wakeOn: LlmSignal.proxyRequestRate(proxy, group, 2) });
    expect(() => synth(chart)).toThrow('which pool \'test/pool\' does not serve (it is no backend there)');
    expect(proxy.addBackend(pool)).toBe(group);
    expect(() => expectValidManifests(synth(chart))).not.toThrow();
  });

  test('wakeOn with the proxy\'s in-flight requests (not about this pool)', () => {
    const { pool, proxy } = fixture();
    expect(() => pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, minReplicas: 0, wakeOn: LlmSignal.proxyInFlight(proxy, 5) })).toThrow(new Error(
      '\'wakeOn\' ("proxy_in_flight") is not about this pool\'s traffic: wake the pool on LlmSignal.proxyRequestRate(proxy, group, perReplicaPerSecond) for a model group the pool is a backend of'));
  });

  test('a signal built from another pool', () => {
    const { chart, pool } = fixture();
    const other = new VllmPool(chart, 'other', { model: 'Qwen/Qwen3-8B', servedModelName: 'qwen', accelerator: Accelerator.nvidiaGpu(1) });
    expect(() => pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, signals: [LlmSignal.queueDepth(other, 5)] })).toThrow(new Error(
      '\'signals[0]\' ("queue_depth") reads pool \'test/other\', not \'test/pool\': a pool scales on its own load; build the signal from this pool'));
  });

  test('a pool without a PodMonitor fails synth: its signals read the pool label the monitor adds', () => {
    const { chart, pool } = fixture({}, false);
    pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4 });
    expect(() => synth(chart)).toThrow(
      '\'triggers[0]\' ("test/pool") has no PodMonitor, but KedaScaledObject \'test/pool/Autoscaler\' reads its series by the \'pool\' label, which only the pool\'s PodMonitor adds at scrape time (without it the query matches nothing); call pool.monitor(discovery) on \'test/pool\'');
  });

  test('a GPU-utilization signal on a MIG pool is refused before any metric is read', () => {
    const { pool } = fixture({ accelerator: Accelerator.mig('3g.20gb') });
    expect(() => pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, signals: [LlmSignal.queueDepth(pool, 5), LlmSignal.gpuUtilization(pool, 0.8)] }))
      .toThrow('\'pool\' ("test/pool") runs on a MIG slice (nvidia.com/mig-3g.20gb), where DCGM_FI_DEV_GPU_UTIL is 0 or absent');
  });

  test('hostile input: missing options, no Prometheus, NaN replicas, an empty signal list, a cooldown of 1500 ms', () => {
    // A refused call leaves nothing behind: the pool can still be autoscaled afterwards.
    const { pool } = fixture();
    expect(() => pool.autoscale(undefined as any)).toThrow(new Error('\'options\' (undefined) is required: prometheus and maxReplicas'));
    expect(() => pool.autoscale({ maxReplicas: 4 } as any)).toThrow(new Error(
      '\'prometheus\' (undefined) must be the Prometheus the triggers query, e.g. { serverAddress: \'http://prometheus-operated.monitoring.svc:9090\' }'));
    expect(() => pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: NaN })).toThrow(new Error(
      '\'maxReplicas\' (NaN) must be a whole number from 1 to 2147483647'));
    expect(() => pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, signals: [] })).toThrow(new Error(
      '\'signals\' ([]) must name at least one LlmSignal of this pool (e.g. LlmSignal.queueDepth(pool, 5)), or be left out for the defaults'));
    expect(() => pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, signals: ['queue_depth' as any] })).toThrow(new Error(
      '\'signals[0]\' ("queue_depth") must be an LlmSignal'));
    expect(() => pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, minReplicas: 0, preWarm: [{ timezone: 'UTC', start: '0 8 * * *', end: '0 9 * * *', replicas: 1 }], scaleToZeroCooldown: Duration.millis(1500) }))
      .toThrow(new Error('\'scaleToZeroCooldown\' ("1500ms") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(2))'));
    expect(() => pool.autoscale({ prometheus: { serverAddress: 'prometheus:9090' }, maxReplicas: 4 })).toThrow(new Error(
      '\'serverAddress\' ("prometheus:9090") must be an http:// or https:// URL'));
    expect(pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4 }).maxReplicas).toBe(4);
  });
});
