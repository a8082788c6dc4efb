import { Duration } from 'cdk8s';
import { KedaMetricType, KedaTrigger, PrometheusAuth, SignalSource } from './keda-trigger';
import { invalid, requirePositive } from '../core/_validation';
import type { LiteLLMProxy } from '../litellm/litellm-proxy';
import type { ModelGroup } from '../litellm/model-group';
import { MetricType } from '../metrics/catalog';
import { ScopedMetric } from '../metrics/scoped-metric';
import type { VllmPool } from '../vllm/vllm-pool';

/** The Prometheus a KEDA `prometheus` trigger queries. */
export interface PrometheusSource {
  /** Base URL, e.g. `http://prometheus-operated.monitoring.svc.cluster.local:9090`. */
  readonly serverAddress: string;
  /** @default - none */
  readonly auth?: PrometheusAuth;
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
 * An LLM scaling signal: a PromQL query aggregated to one element and scoped to the pool's
 * namespace and `model_name` (or the proxy's namespace and model group), with its target.
 * Built from the constructs' `metric…()` helpers, so names come from the metric catalog.
 *
 * Per-replica signals (`AverageValue`) are sums over the pool's pods; the HPA divides them by
 * the current replicas, so pods still loading a model (not yet reporting) pull the average
 * down instead of triggering more scale-up.
 */
export class LlmSignal {
  /** Requests waiting in the engine queue, per replica: the primary signal of an overloaded pool. */
  public static queueDepth(pool: VllmPool, perReplica: number): LlmSignal {
    return LlmSignal.gaugeSum('queue_depth', pool.metricRequestsWaiting(), perReplica, 'perReplica');
  }

  /** Requests running on the engine, per replica (batch occupancy). */
  public static runningRequests(pool: VllmPool, perReplica: number): LlmSignal {
    return LlmSignal.gaugeSum('running_requests', pool.metricRequestsRunning(), perReplica, 'perReplica');
  }

  /**
   * KV-cache usage, a fraction from 0 to 1 averaged over replicas (`vllm:kv_cache_usage_perc`
   * is a ratio despite its name): above the target, requests start to queue or be preempted.
   */
  public static kvCacheUsage(pool: VllmPool, target: number): LlmSignal {
    if (!(Number.isFinite(target) && target > 0 && target <= 1)) {
      throw invalid('target', target, 'must be greater than 0 and at most 1: vllm:kv_cache_usage_perc is a fraction, not a percentage');
    }
    return LlmSignal.gaugeSum('kv_cache', pool.metricKvCacheUsage(), target, 'target');
  }

  /** Time to first token, 95th percentile over the pool, against a latency target. */
  public static ttftP95(pool: VllmPool, target: Duration): LlmSignal {
    const seconds = target.toMilliseconds() / 1000;
    if (!(seconds > 0)) throw invalid('target', `${seconds}s`, 'must be greater than 0');
    const m = pool.metricTimeToFirstToken();
    return new LlmSignal('ttft_p95', `histogram_quantile(0.95, sum by (le) (rate(${m.bucketSelector}[${RATE_WINDOW}])))`,
      seconds, KedaMetricType.VALUE, SignalSource.OWN_PODS, undefined);
  }

  /** Finished requests per second, per replica. */
  public static requestRate(pool: VllmPool, perReplicaPerSecond: number): LlmSignal {
    return LlmSignal.counterRate('request_rate', pool.metricRequestSuccess(), perReplicaPerSecond);
  }

  /** Generated tokens per second, per replica (decode throughput). */
  public static generationTokens(pool: VllmPool, perReplicaPerSecond: number): LlmSignal {
    return LlmSignal.counterRate('generation_tokens', pool.metricGenerationTokens(), perReplicaPerSecond);
  }

  /**
   * GPU utilization of the pool's pods from dcgm-exporter (`DCGM_FI_DEV_GPU_UTIL`, percent
   * 0 to 100), averaged over their GPUs. Needs dcgm-exporter with pod mapping, scraped with
   * `honorLabels`. A busy-but-idle signal: use it beside queue depth, not instead of it.
   */
  public static gpuUtilization(pool: VllmPool, percent: number): LlmSignal {
    if (!(Number.isFinite(percent) && percent > 0 && percent <= 100)) {
      throw invalid('percent', percent, 'must be greater than 0 and at most 100: DCGM_FI_DEV_GPU_UTIL is a percentage');
    }
    return new LlmSignal('gpu_utilization', `avg(${pool.metricGpuUtilization().selector})`,
      percent, KedaMetricType.VALUE, SignalSource.OWN_PODS, undefined);
  }

  /**
   * Graphics-engine activity of the pool's GPUs from dcgm-exporter
   * (`DCGM_FI_PROF_GR_ENGINE_ACTIVE`, a ratio 0 to 1, not a percentage), averaged: a finer
   * measure of GPU busyness than `DCGM_FI_DEV_GPU_UTIL`. Needs profiling metrics (SYS_ADMIN).
   */
  public static gpuEngineActive(pool: VllmPool, ratio: number): LlmSignal {
    if (!(Number.isFinite(ratio) && ratio > 0 && ratio <= 1)) {
      throw invalid('ratio', ratio, 'must be greater than 0 and at most 1: DCGM_FI_PROF_GR_ENGINE_ACTIVE is a ratio, not a percentage');
    }
    return new LlmSignal('gpu_engine_active', `avg(${pool.metricGpuEngineActive().selector})`,
      ratio, KedaMetricType.VALUE, SignalSource.OWN_PODS, undefined);
  }

  /**
   * Requests per second the proxy receives for one model group, per replica of the pool.
   * It exists while the pool is at zero replicas, so it can wake the pool.
   */
  public static proxyRequestRate(proxy: LiteLLMProxy, group: ModelGroup, perReplicaPerSecond: number): LlmSignal {
    const m = proxy.metricRequests(group);
    requirePositive('perReplicaPerSecond', perReplicaPerSecond);
    return new LlmSignal('proxy_request_rate', `sum(rate(${m.selector}[${RATE_WINDOW}]))`,
      perReplicaPerSecond, KedaMetricType.AVERAGE_VALUE, SignalSource.EXTERNAL, undefined);
  }

  /** Requests in flight at the proxy (all model groups), per replica of the scaled workload. */
  public static proxyInFlight(proxy: LiteLLMProxy, perReplica: number): LlmSignal {
    requirePositive('perReplica', perReplica);
    return new LlmSignal('proxy_in_flight', `sum(${proxy.metricInFlightRequests().selector})`,
      perReplica, KedaMetricType.AVERAGE_VALUE, SignalSource.EXTERNAL, undefined);
  }

  /**
   * Scale ahead of the trend: the signal's value `horizon` from now, extrapolated linearly
   * over `lookback` (`predict_linear` on a subquery), never below 0. Only for gauge signals
   * (queue depth, running requests, KV cache).
   */
  public static predicted(signal: LlmSignal, options: PredictionOptions = {}): LlmSignal {
    if (signal.gauge === undefined) {
      throw invalid('signal', signal.kind, 'cannot be predicted: predict_linear needs a gauge signal (queue_depth, running_requests or kv_cache)');
    }
    const lookback = requireDuration('lookback', options.lookback ?? Duration.minutes(15));
    const horizon = requireDuration('horizon', options.horizon ?? Duration.minutes(10));
    const query = `clamp_min(predict_linear(${signal.query}[${lookback}s:30s], ${horizon}), 0)`;
    return new LlmSignal(`predicted_${signal.kind}`, query, signal.threshold, signal.metricType, signal.source, undefined);
  }

  private static gaugeSum(kind: string, metric: ScopedMetric, threshold: number, prop: string): LlmSignal {
    requirePositive(prop, threshold);
    if (metric.definition.type !== MetricType.GAUGE) throw new Error(`${metric.name} is not a gauge`);
    return new LlmSignal(kind, `sum(${metric.selector})`, threshold, KedaMetricType.AVERAGE_VALUE, SignalSource.OWN_PODS, metric);
  }

  private static counterRate(kind: string, metric: ScopedMetric, threshold: number): LlmSignal {
    requirePositive('perReplicaPerSecond', threshold);
    return new LlmSignal(kind, `sum(rate(${metric.selector}[${RATE_WINDOW}]))`, threshold, KedaMetricType.AVERAGE_VALUE, SignalSource.OWN_PODS, undefined);
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
  ) {}

  /**
   * This signal as a KEDA `prometheus` trigger named after its kind.
   * @param prometheus where to query
   * @param options `activationThreshold`; `ignoreNullValues` (false turns a vanished metric
   *   into a scaler error, so the ScaledObject's fallback holds the replicas)
   */
  public trigger(prometheus: PrometheusSource, options: { activationThreshold?: number; ignoreNullValues?: boolean } = {}): KedaTrigger {
    return KedaTrigger.prometheus({
      serverAddress: prometheus.serverAddress,
      auth: prometheus.auth,
      query: this.query,
      threshold: this.threshold,
      activationThreshold: options.activationThreshold,
      ignoreNullValues: options.ignoreNullValues,
      metricType: this.metricType,
      source: this.source,
      name: this.kind,
    });
  }
}

function requireDuration(prop: string, d: Duration): number {
  const s = d.toMilliseconds() / 1000;
  if (!(Number.isInteger(s) && s > 0)) throw invalid(prop, `${s}s`, 'must be a whole number of seconds greater than 0');
  return s;
}
