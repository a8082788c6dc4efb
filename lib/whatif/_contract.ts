/**
 * Types of the other what-if sections (HELPERS12.md §A loops, §B model), declared here until
 * their branches are merged. Structurally identical to theirs; replaced by imports on merge.
 * @internal
 */

/** What one metric of an HPA reads at one sync (§A). @internal */
export type MetricReading =
  | { kind: 'ok'; value?: number; values?: number[]; podMetrics?: Record<string, number> }
  | { kind: 'error'; reason: string };

/** What one KEDA trigger reads at one poll (§A). @internal */
export type TriggerReading =
  | { kind: 'ok'; value: number }
  | { kind: 'empty' }
  | { kind: 'pods'; podMetrics: Record<string, number> }
  | { kind: 'error'; reason: string };

/** The pool model's parameters (§B). @internal */
export interface PoolModelParams {
  readySeconds: number;
  maxConcurrentRequests: number;
  requestSeconds: number;
  outputTokensPerSecond?: number;
  baseTtftSeconds: number;
  gpusPerReplica: number;
  kvCacheRequestsAtFull?: number;
  cpuCoresPerReplicaAtFull?: number;
  terminationSeconds?: number;
}

/** One pod of the model (§B). @internal */
export interface PodState { name: string; phase: 'Pending' | 'Running'; ready: boolean; createdAt: number; readyAt?: number; deleting: boolean }

/** What the metrics read now (§B). @internal */
export interface PoolSnapshot {
  t: number; desiredReplicas: number; readyReplicas: number; pods: PodState[];
  arrivalsPerSecond: number; completedPerSecond: number;
  waiting: number; running: number;
  estimatedWaitSeconds: number; ttftP50: number; ttftP95: number; ttftP99: number; e2eP95: number;
  perPod: Record<string, { waiting: number; running: number; kvCacheUsage: number; gpuUtilization: number; cpuCores: number; completedPerSecond: number; promptTokensPerSecond: number; generationTokensPerSecond: number }>;
  dropped: number;
}
