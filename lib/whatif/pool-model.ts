/**
 * The pool model of the what-if replay (issue 12 §3). Skeleton: signatures first, bodies follow.
 */

/** Every assumption of the pool model, a named, overridable parameter. */
export interface PoolModelParams {
  /** Seconds from pod creation until Ready (pending + image pull + model load). */
  readonly readySeconds: number;
  /** Running requests per replica (vLLM `--max-num-seqs`). */
  readonly maxConcurrentRequests: number;
  /** Mean service time of one request, in seconds. */
  readonly requestSeconds: number;
  /** Output tokens per second per running request. @default - not used: `requestSeconds` applies */
  readonly outputTokensPerSecond?: number;
  /** TTFT with an empty queue, in seconds. */
  readonly baseTtftSeconds: number;
  /** Accelerators per replica. */
  readonly gpusPerReplica: number;
  /** Running requests per replica at which KV cache usage reads 1.0. @default maxConcurrentRequests */
  readonly kvCacheRequestsAtFull?: number;
  /** CPU cores a replica uses at full concurrency. @default 1 */
  readonly cpuCoresPerReplicaAtFull?: number;
  /** Seconds a deleted pod keeps serving. @default 0 */
  readonly terminationSeconds?: number;
}

/** One pod of the pool as the controllers see it. */
export interface PodState {
  readonly name: string;
  readonly phase: 'Pending' | 'Running';
  readonly ready: boolean;
  readonly createdAt: number;
  readonly readyAt?: number;
  readonly deleting: boolean;
}

/** Per-pod metric values. */
export interface PoolPodMetrics {
  readonly waiting: number;
  readonly running: number;
  readonly kvCacheUsage: number;
  readonly gpuUtilization: number;
  readonly cpuCores: number;
  readonly completedPerSecond: number;
  readonly promptTokensPerSecond: number;
  readonly generationTokensPerSecond: number;
}

/** What the metrics read now. */
export interface PoolSnapshot {
  readonly t: number;
  readonly desiredReplicas: number;
  readonly readyReplicas: number;
  readonly pods: PodState[];
  readonly arrivalsPerSecond: number;
  readonly completedPerSecond: number;
  readonly waiting: number;
  readonly running: number;
  readonly estimatedWaitSeconds: number;
  readonly ttftP50: number;
  readonly ttftP95: number;
  readonly ttftP99: number;
  readonly e2eP95: number;
  readonly perPod: Record<string, PoolPodMetrics>;
  readonly dropped: number;
}

/** A Deployment of model-server replicas under a fluid queue. */
export class PoolSimulation {
  constructor(params: PoolModelParams, initialReadyReplicas: number, prop?: string) {
    void params; void initialReadyReplicas; void prop;
  }

  /** Scale the Deployment to `replicas` at time `now`. */
  public scaleTo(now: number, replicas: number): void {
    void now; void replicas;
    throw new Error('not implemented yet');
  }

  /** Advance from the last time to `now` with this arrival rate. */
  public advance(now: number, arrivalsPerSecond: number, tokens?: { prompt?: number; output?: number }): PoolSnapshot {
    void now; void arrivalsPerSecond; void tokens;
    throw new Error('not implemented yet');
  }
}
