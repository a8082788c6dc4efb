import { Duration } from 'cdk8s';
import { KedaMetricType, KedaTrigger, PrometheusAuth, SignalSource } from './keda-trigger';
import { positiveMillis, requireDefined, wholeSeconds } from '../core/_units';
import { invalid, requirePositive } from '../core/_validation';
import type { LiteLLMProxy } from '../litellm/litellm-proxy';
import type { ModelGroup } from '../litellm/model-group';
import { DcgmMetrics, MetricType } from '../metrics/catalog';
import { RecordedMetric, RecordedOperation, requireRecordedMetric } from '../metrics/recorded-metric';
import { ScopedMetric } from '../metrics/scoped-metric';
import { AcceleratorKind } from '../vllm/accelerator';
import type { ServingPool } from '../vllm/serving-pool';

/** The Prometheus a KEDA `prometheus` trigger queries. */
export interface PrometheusSource {
  /** Base URL, e.g. `http://prometheus-operated.monitoring.svc.cluster.local:9090`. */
  readonly serverAddress: string;
  /** Bearer or basic auth, and the CA bundle of an `https://` server. @default - none */
  readonly auth?: PrometheusAuth;
  /**
   * The namespace sent as the `namespace` query parameter, for a multi-tenant endpoint such as
   * OpenShift's Thanos querier tenancy port (`https://thanos-querier.openshift-monitoring.svc:9092`),
   * which answers only for that namespace. @default - none
   */
  readonly namespace?: string;
}

/** Options of `LlmSignal.predicted()`. */
export interface PredictionOptions {
  /** How much history the linear fit uses. @default Duration.minutes(15) */
  readonly lookback?: Duration;
  /** How far ahead to predict: scale for the load expected this far out. @default Duration.minutes(10) */
  readonly horizon?: Duration;
}

/** The window of every `rate()`: eight scrapes at the default 15 s interval. */
const RATE_WINDOW = '2m';

/**
 * An LLM scaling signal: a PromQL query aggregated to one element and scoped to one pool
 * (its namespace, `pool` label and `model_name`, from the pool's `metric…()` helpers) or to
 * the proxy's namespace and model group, with its target. Names come from the metric
 * catalog, labels from the constructs: nothing is typed twice.
 *
 * **Units.** Targets of ratio signals (`kvCacheUsage`, `gpuUtilization`, `gpuEngineActive`)
 * are fractions from 0 to 1 everywhere, never percentages: 80 % is `0.8`, and `80` is
 * refused. `gpuUtilization` converts dcgm-exporter's percentage for you.
 *
 * **Identity.** A signal that reads a pool's series requires the pool's PodMonitor
 * (`pool.monitor(discovery)`): it adds the `pool` label the query selects on, so two pools
 * serving one model name never scale on each other's queue. The autoscaler refuses at synth
 * a pool without one.
 *
 * Per-replica signals (`AverageValue`) are sums over the pool's pods; the HPA divides them by
 * the current replicas, so pods still loading a model (not yet reporting) pull the average
 * down instead of triggering more scale-up.
 *
 * **Pools.** Any `ServingPool`: a `VllmPool` (a replica is a pod) or a `MultiNodeVllmPool`
 * (a replica is a group of pods; its PodMonitor scrapes the leaders, which serve the API and
 * report the engine's series, so "per replica" is per group). Scale the pool's
 * `scaleTarget`: a multi-node pool's LeaderWorkerSet is then scaled by whole groups.
 */
export class LlmSignal {
  /** Requests waiting in the engine queue, per replica: the primary signal of an overloaded pool. */
  public static queueDepth(pool: ServingPool, perReplica: number): LlmSignal {
    requirePool(pool);
    return LlmSignal.gaugeSum('queue_depth', pool, pool.metricRequestsWaiting(), perReplica, 'perReplica');
  }

  /** Requests running on the engine, per replica (batch occupancy). */
  public static runningRequests(pool: ServingPool, perReplica: number): LlmSignal {
    requirePool(pool);
    return LlmSignal.gaugeSum('running_requests', pool, pool.metricRequestsRunning(), perReplica, 'perReplica');
  }

  /**
   * KV-cache usage averaged over replicas (`vllm:kv_cache_usage_perc` is a ratio despite its
   * name): above the target, requests start to queue or be preempted.
   * @param ratio the target, a fraction greater than 0 and at most 1 (e.g. `0.8`), not a percentage
   */
  public static kvCacheUsage(pool: ServingPool, ratio: number): LlmSignal {
    requirePool(pool);
    requireRatio('ratio', ratio, 'vllm:kv_cache_usage_perc is a fraction despite its name');
    return LlmSignal.gaugeSum('kv_cache', pool, pool.metricKvCacheUsage(), ratio, 'ratio');
  }

  /** Time to first token, 95th percentile over the pool, against a latency target. */
  public static ttftP95(pool: ServingPool, target: Duration): LlmSignal {
    requirePool(pool);
    const seconds = positiveMillis('target', target) / 1000;
    const m = pool.metricTimeToFirstToken();
    return new LlmSignal('ttft_p95', `histogram_quantile(0.95, sum by (le) (rate(${m.bucketSelector}[${RATE_WINDOW}])))`,
      seconds, KedaMetricType.VALUE, SignalSource.OWN_PODS, undefined, pool);
  }

  /** Finished requests per second, per replica. */
  public static requestRate(pool: ServingPool, perReplicaPerSecond: number): LlmSignal {
    requirePool(pool);
    return LlmSignal.counterRate('request_rate', pool, pool.metricRequestSuccess(), perReplicaPerSecond);
  }

  /** Generated tokens per second, per replica (decode throughput). */
  public static generationTokens(pool: ServingPool, perReplicaPerSecond: number): LlmSignal {
    requirePool(pool);
    return LlmSignal.counterRate('generation_tokens', pool, pool.metricGenerationTokens(), perReplicaPerSecond);
  }

  /**
   * GPU utilization of the pool's GPUs from dcgm-exporter, averaged, as a ratio from 0 to 1
   * (`DCGM_FI_DEV_GPU_UTIL` is a percentage: the query divides it by 100, so the target reads
   * like every other ratio). Needs dcgm-exporter with pod mapping, scraped with `honorLabels`.
   * A busy-but-idle signal: use it beside queue depth, not instead of it.
   *
   * Refused on a MIG pool: `DCGM_FI_DEV_GPU_UTIL` is 0 or absent on MIG slices
   * (NVIDIA/dcgm-exporter #216, #105, #430); use `gpuEngineActive`, which reads
   * `DCGM_FI_PROF_GR_ENGINE_ACTIVE`.
   * @param ratio the target, a fraction greater than 0 and at most 1 (e.g. `0.8` for 80 %)
   */
  public static gpuUtilization(pool: ServingPool, ratio: number): LlmSignal {
    requireNvidia(pool, 'gpuUtilization');
    if (pool.accelerator.kind === AcceleratorKind.NVIDIA_MIG) {
      throw invalid('pool', pool.node.path, `runs on a MIG slice (${pool.accelerator.resourceName}), where ${DcgmMetrics.GPU_UTIL.name} is 0 or absent (NVIDIA/dcgm-exporter #216): scale on LlmSignal.gpuEngineActive(pool, ratio), which reads ${DcgmMetrics.GR_ENGINE_ACTIVE.name}`);
    }
    requireRatio('ratio', ratio, `${DcgmMetrics.GPU_UTIL.name} is converted from percent for you`);
    return new LlmSignal('gpu_utilization', `avg(${pool.metricGpuUtilization().selector}) / 100`,
      ratio, KedaMetricType.VALUE, SignalSource.OWN_PODS, undefined, pool);
  }

  /**
   * Graphics-engine activity of the pool's GPUs from dcgm-exporter
   * (`DCGM_FI_PROF_GR_ENGINE_ACTIVE`, a ratio from 0 to 1), averaged: a finer measure of GPU
   * busyness than `DCGM_FI_DEV_GPU_UTIL`, and the one that works on MIG slices. Needs
   * profiling metrics (dcgm-exporter with `SYS_ADMIN`).
   * @param ratio the target, a fraction greater than 0 and at most 1 (e.g. `0.8`)
   */
  public static gpuEngineActive(pool: ServingPool, ratio: number): LlmSignal {
    requireNvidia(pool, 'gpuEngineActive');
    requireRatio('ratio', ratio, `${DcgmMetrics.GR_ENGINE_ACTIVE.name} is a ratio`);
    return new LlmSignal('gpu_engine_active', `avg(${pool.metricGpuEngineActive().selector})`,
      ratio, KedaMetricType.VALUE, SignalSource.OWN_PODS, undefined, pool);
  }

  /**
   * Requests per second the proxy receives for one model group, per replica of the pool.
   * It exists while the pool is at zero replicas, so it can wake the pool: pass it as
   * `wakeOn` of a pool that is a backend of `group` (`proxy.addBackend(pool)`).
   */
  public static proxyRequestRate(proxy: LiteLLMProxy, group: ModelGroup, perReplicaPerSecond: number): LlmSignal {
    if (!proxy || typeof proxy.metricRequests !== 'function') throw invalid('proxy', proxy, 'must be a LiteLLMProxy');
    requireDefined('group', group, 'the model group whose requests to count, as returned by proxy.addBackend(pool)');
    const m = proxy.metricRequests(group);
    requirePositive('perReplicaPerSecond', perReplicaPerSecond);
    return new LlmSignal('proxy_request_rate', `sum(rate(${m.selector}[${RATE_WINDOW}]))`,
      perReplicaPerSecond, KedaMetricType.AVERAGE_VALUE, SignalSource.EXTERNAL, undefined, undefined, proxy, group);
  }

  /** Requests in flight at the proxy (all model groups), per replica of the scaled workload. */
  public static proxyInFlight(proxy: LiteLLMProxy, perReplica: number): LlmSignal {
    if (!proxy || typeof proxy.metricInFlightRequests !== 'function') throw invalid('proxy', proxy, 'must be a LiteLLMProxy');
    requirePositive('perReplica', perReplica);
    return new LlmSignal('proxy_in_flight', `sum(${proxy.metricInFlightRequests().selector})`,
      perReplica, KedaMetricType.AVERAGE_VALUE, SignalSource.EXTERNAL, undefined, undefined, proxy);
  }

  /**
   * A series recorded by `RecordingRules` (`rules.pool(pool).ttftP99`,
   * `rules.proxyMetrics().requestRate(group)`), read as it is: `max(<recorded>{<its labels>})`,
   * one element, no `rate()` (the rule already applied it). A quantile or a ratio is compared
   * with `target` as it is (`Value`: e.g. 2 for a p99 TTFT of 2 s); a rate is divided by the
   * replicas (`AverageValue`: per replica per second). A pool's series needs its PodMonitor,
   * and the rules must be rendered in the App of the ScaledObject (both checked at synth); a
   * pool's series disappears at zero replicas (it cannot wake the pool), a proxy's does not.
   * @param metric the recorded series
   * @param target greater than 0, in the series' unit (seconds, a ratio from 0 to 1, per second per replica)
   */
  public static recorded(metric: RecordedMetric, target: number): LlmSignal {
    requireRecordedMetric('metric', metric);
    requirePositive('target', target);
    if (metric.operation === RecordedOperation.RATIO && target > 1) {
      throw invalid('target', target, `must be a ratio greater than 0 and at most 1, not a percentage: ${metric.name} is a ratio from 0 to 1`);
    }
    const perReplica = metric.operation === RecordedOperation.RATE;
    return new LlmSignal(`recorded_${recordedKind(metric)}`, `max(${metric.selector})`, target,
      perReplica ? KedaMetricType.AVERAGE_VALUE : KedaMetricType.VALUE, metric.pool ? SignalSource.OWN_PODS : SignalSource.EXTERNAL,
      undefined, metric.pool, metric.proxy, undefined, metric);
  }

  /**
   * Scale ahead of the trend: the signal's value `horizon` from now, extrapolated linearly
   * over `lookback` (`predict_linear` on a subquery), never below 0. Only for gauge signals
   * (queue depth, running requests, KV cache).
   */
  public static predicted(signal: LlmSignal, options: PredictionOptions = {}): LlmSignal {
    if (!(signal instanceof LlmSignal)) throw invalid('signal', signal, 'must be an LlmSignal');
    if (signal.gauge === undefined) {
      throw invalid('signal', signal.kind, 'cannot be predicted: predict_linear needs a gauge signal (queue_depth, running_requests or kv_cache)');
    }
    const lookback = wholeSeconds('lookback', options.lookback ?? Duration.minutes(15), 60);
    const horizon = wholeSeconds('horizon', options.horizon ?? Duration.minutes(10));
    const query = `clamp_min(predict_linear(${signal.query}[${lookback}s:30s], ${horizon}), 0)`;
    return new LlmSignal(`predicted_${signal.kind}`, query, signal.threshold, signal.metricType, signal.source, undefined, signal.pool);
  }

  private static gaugeSum(kind: string, pool: ServingPool, metric: ScopedMetric, threshold: number, prop: string): LlmSignal {
    requirePositive(prop, threshold);
    if (metric.definition.type !== MetricType.GAUGE) throw new Error(`${metric.name} is not a gauge`);
    return new LlmSignal(kind, `sum(${metric.selector})`, threshold, KedaMetricType.AVERAGE_VALUE, SignalSource.OWN_PODS, metric, pool);
  }

  private static counterRate(kind: string, pool: ServingPool, metric: ScopedMetric, threshold: number): LlmSignal {
    requirePositive('perReplicaPerSecond', threshold);
    return new LlmSignal(kind, `sum(rate(${metric.selector}[${RATE_WINDOW}]))`, threshold, KedaMetricType.AVERAGE_VALUE, SignalSource.OWN_PODS, undefined, pool);
  }

  private constructor(
    /** What the signal measures, also the default trigger name. */
    public readonly kind: string,
    /** The PromQL query, one element. */
    public readonly query: string,
    /** The target value. */
    public readonly threshold: number,
    /** Per replica (AverageValue) or absolute (Value). */
    public readonly metricType: KedaMetricType,
    /** Whether it exists at zero replicas. */
    public readonly source: SignalSource,
    /** The gauge summed, for signals that can be predicted. */
    private readonly gauge: ScopedMetric | undefined,
    /** The pool whose series the query reads (its PodMonitor adds the `pool` label); undefined for proxy signals. */
    public readonly pool?: ServingPool,
    /** The proxy whose series the query reads; undefined for pool signals. */
    public readonly proxy?: LiteLLMProxy,
    /** The model group whose requests a `proxyRequestRate` signal counts. */
    public readonly modelGroup?: ModelGroup,
    /** The recorded series a `recorded` signal reads (its rules must be in the App). */
    public readonly recordedMetric?: RecordedMetric,
  ) {}

  /**
   * This signal as a KEDA `prometheus` trigger named after its kind.
   * @param prometheus where to query
   * @param options `activationThreshold`; `ignoreNullValues` (false turns a vanished metric
   *   into a scaler error, so the ScaledObject's fallback holds the replicas)
   */
  public trigger(prometheus: PrometheusSource, options: { activationThreshold?: number; ignoreNullValues?: boolean } = {}): KedaTrigger {
    requireDefined('prometheus', prometheus, 'the Prometheus the trigger queries, e.g. { serverAddress: \'http://prometheus-operated.monitoring.svc:9090\' }');
    return KedaTrigger.prometheus({
      serverAddress: prometheus.serverAddress,
      auth: prometheus.auth,
      namespace: prometheus.namespace,
      query: this.query,
      threshold: this.threshold,
      activationThreshold: options.activationThreshold,
      ignoreNullValues: options.ignoreNullValues,
      metricType: this.metricType,
      source: this.source,
      name: this.kind,
      pool: this.pool,
      recorded: this.recordedMetric,
    });
  }
}

/** A trigger name from a recorded name: `namespace_pool:vllm_time_to_first_token_seconds:p99_5m` → `vllm_time_to_first_token_seconds_p99_5m`. */
function recordedKind(metric: RecordedMetric): string {
  const [, name, op] = metric.name.split(':');
  return `${name}_${op}`.toLowerCase().slice(0, 54).replace(/_+$/, '');
}

function requirePool(pool: ServingPool): void {
  if (!pool || typeof pool.metricRequestsWaiting !== 'function' || !pool.accelerator) throw invalid('pool', pool, 'must be a ServingPool (a VllmPool or a MultiNodeVllmPool)');
}

function requireNvidia(pool: ServingPool, signal: string): void {
  requirePool(pool);
  const kind = pool.accelerator.kind;
  if (kind !== AcceleratorKind.NVIDIA_GPU && kind !== AcceleratorKind.NVIDIA_MIG) {
    throw invalid('pool', pool.node.path, `runs on ${pool.accelerator.resourceName ?? 'CPU'}: LlmSignal.${signal} reads dcgm-exporter, which reports NVIDIA GPUs only; scale on LlmSignal.queueDepth(pool, perReplica)`);
  }
}

function requireRatio(prop: string, value: number, why: string): void {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 1)) {
    const hint = typeof value === 'number' && value > 1 && value <= 100 ? ` (${value} % is ${value / 100})` : '';
    throw invalid(prop, value, `must be a ratio greater than 0 and at most 1, not a percentage${hint}: LlmSignal ratio targets are fractions from 0 to 1 (${why})`);
  }
}
