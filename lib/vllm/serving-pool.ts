import { Duration } from 'cdk8s';
import type { Accelerator } from './accelerator';
import type { PoolSlo } from './vllm-pool';
import type { ScaleTarget } from '../autoscaling/scale-target';
import type { PodUser } from '../core/pod-user';
import type { HostedVllmBackend } from '../litellm/config';
import type { PodMetricsMonitor } from '../metrics/pod-metrics-monitor';
import type { ScopedMetric } from '../metrics/scoped-metric';

/**
 * A pool of vLLM servers of one model, whatever runs it: a `VllmPool` (a Deployment, one
 * pod per replica) or a `MultiNodeVllmPool` (a LeaderWorkerSet, one group of pods per
 * replica, served by its leader). What signals, alerts, recording rules, dashboards and the
 * adapter read of a pool, so each of them takes either kind.
 *
 * Every series of a pool is scoped by `{ namespace, pool: <name>, model_name: <servedModelName> }`
 * (the `pool` label is put on by the pool's PodMonitor, see `podMonitor`).
 */
export interface ServingPool extends HostedVllmBackend {
  /** The pool's name: its workload's name and the value of its `pool` metric label. */
  readonly name: string;
  /** The namespace of the pool's objects. */
  readonly namespace: string;
  /**
   * What runs the pool's replicas, as an autoscaler target: `{ deployment, accelerator }` for a
   * `VllmPool`, `{ workload, accelerator }` (its LeaderWorkerSet) for a `MultiNodeVllmPool`.
   * Readers use it to name the workload (alerts, dashboards, the adapter's object metrics) and
   * to find the autoscaler that owns its replicas.
   */
  readonly scaleTarget: ScaleTarget;
  /** The vLLM version the pool's image runs (flags are gated on it). */
  readonly vllmVersion: string;
  /** The accelerator of the pool's pods. */
  readonly accelerator: Accelerator;
  /** Who the pool's pods run as. */
  readonly user: PodUser;
  /** The pool's service level objectives (alerts and what-if replays read them). */
  readonly slo: Required<PoolSlo>;
  /** vLLM's `--gpu-memory-utilization` (0 to 1). */
  readonly gpuMemoryUtilization: number;
  /** The longest a replica may take to load the model and become ready. */
  readonly maxModelLoadTime: Duration;
  /** The LoRA adapter names the pool serves besides its base model. */
  readonly loraAdapterNames: readonly string[];
  /**
   * The pool's PodMonitor, once `monitor()` was called: it puts the `pool` label on the
   * pool's series, so every reader of them requires it.
   */
  readonly podMonitor: PodMetricsMonitor | undefined;
  /**
   * An RE2 pattern matching the names of the pods whose GPUs serve the pool (what
   * dcgm-exporter labels a GPU's series with).
   */
  readonly podNamePattern: string;

  metricGpuUtilization(): ScopedMetric;
  metricGpuEngineActive(): ScopedMetric;
  metricGpuBusy(): ScopedMetric;
  metricRequestsWaiting(): ScopedMetric;
  metricRequestsRunning(): ScopedMetric;
  metricKvCacheUsage(): ScopedMetric;
  metricTimeToFirstToken(): ScopedMetric;
  metricE2eRequestLatency(): ScopedMetric;
  metricRequestQueueTime(): ScopedMetric;
  metricInterTokenLatency(): ScopedMetric;
  metricPreemptions(): ScopedMetric;
  metricPromptTokens(): ScopedMetric;
  metricGenerationTokens(): ScopedMetric;
  metricRequestSuccess(): ScopedMetric;
  metricPrefixCacheQueries(): ScopedMetric;
  metricPrefixCacheHits(): ScopedMetric;
  metricLoraRequestsInfo(): ScopedMetric;
}

/**
 * Whether `c` is a `ServingPool` (a `VllmPool`, a `MultiNodeVllmPool` or any construct that
 * implements the interface): what readers that look pools up in the construct tree (the
 * adapter) or check what they are given (alerts, recording rules, dashboards) test, so both
 * kinds of pool pass. Checked on the members readers rely on.
 */
export function isServingPool(c: unknown): c is ServingPool {
  if (c === null || typeof c !== 'object') return false;
  const p = c as Partial<Record<keyof ServingPool, unknown>> & { node?: unknown };
  const target = p.scaleTarget as Partial<ScaleTarget> | undefined;
  return typeof p.node === 'object' && p.node !== null
    && typeof p.name === 'string'
    && typeof p.namespace === 'string'
    && typeof p.servedModelName === 'string'
    && typeof p.accelerator === 'object' && p.accelerator !== null
    && typeof p.metricRequestsWaiting === 'function'
    && typeof p.metricKvCacheUsage === 'function'
    && typeof target === 'object' && target !== null
    && (target.deployment !== undefined || target.workload !== undefined);
}

/**
 * The pool that serves a proxy backend's requests: the backend itself when it is a pool, or
 * the pool behind a route to it (a `GatewayInferencePool`'s `pool`); undefined for anything
 * else. What reads a pool's series for a backend (cost budgets, wake checks) uses it, so a
 * pool reached through the inference Gateway counts like one reached through its Service.
 * @internal
 */
export function poolBehind(backend: unknown): ServingPool | undefined {
  if (isServingPool(backend)) return backend;
  const inner = backend !== null && typeof backend === 'object' ? (backend as { pool?: unknown }).pool : undefined;
  return isServingPool(inner) ? inner : undefined;
}
