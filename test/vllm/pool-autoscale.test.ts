import { Chart, Duration } from 'cdk8s';
import {
  Accelerator, KedaScaledObject, LiteLLMProxy, LlmSignal, ModelGroup, PoolAutoscaleOptions, ScalingBehaviors, VllmPool,
  VllmPoolProps,
} from '../../lib';
import { Manifest, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const PROMETHEUS = { serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' };
const QUEUE_DEPTH = 'sum(vllm:num_requests_waiting{namespace="llm",pool="pool",model_name="llama"})';
const KV_CACHE = 'sum(vllm:kv_cache_usage_perc{namespace="llm",pool="pool",model_name="llama"})';
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

function fixture(poolProps: Partial<VllmPoolProps> = {}): Fixture {
  const chart = testChart();
  const pool = new VllmPool(chart, 'pool', {
    model: 'meta-llama/Llama-3.1-8B-Instruct', servedModelName: 'llama', accelerator: Accelerator.nvidiaGpu(1), ...poolProps,
  });
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

  test('two triggers: queue_depth 5 per replica and kv_cache 0.8, ignoreNullValues "false"', () => {
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

  test('handles: hpaName and bounds', () => {
    expect(scaledObject.hpaName).toBe(`keda-hpa-${oneOfKind(manifests, 'ScaledObject').metadata.name}`);
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
    const { manifests } = render(({ pool }) => ({
      signals: [
        LlmSignal.predicted(LlmSignal.queueDepth(pool, 4)),
        LlmSignal.runningRequests(pool, 32),
        LlmSignal.generationTokens(pool, 1000),
      ],
    }));
    const triggers = specOf(manifests).triggers;
    expect(triggers.map((t: Manifest) => t.name)).toEqual(['predicted_queue_depth', 'running_requests', 'generation_tokens']);
    expect(triggerNamed(manifests, 'predicted_queue_depth').metadata).toEqual({
      serverAddress: PROMETHEUS.serverAddress,
      query: 'clamp_min(predict_linear(sum(vllm:num_requests_waiting{namespace="llm",pool="pool",model_name="llama"})[900s:30s], 600), 0)',
      threshold: '4',
      ignoreNullValues: 'false',
    });
    expect(triggerNamed(manifests, 'generation_tokens').metadata.query).toBe(
      'sum(rate(vllm:generation_tokens_total{namespace="llm",pool="pool",model_name="llama"}[2m]))');
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
      '\'wakeOn\' ("queue_depth") is a metric of the pool\'s own pods, which vanishes at zero replicas: wake on a signal from outside the pool, such as LlmSignal.proxyRequestRate'));
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
