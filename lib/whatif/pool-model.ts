import { MAX_INT32, requireFinite, requireGreaterThanZero, requireNonNegative, requireObject, requireWholeNumber } from './_input';
import { invalid } from '../core/_validation';

/**
 * The pool model of the what-if replay (issue 12 §3): what a Deployment of model-server
 * replicas does with a request rate, and what its metrics read. It is deliberately simple;
 * every assumption is a named parameter of {@link PoolModelParams} with its default and why.
 *
 * **Replicas.** A pod is created by {@link PoolSimulation.scaleTo}; it is `Pending` for
 * `pendingSeconds` (scheduling, image pull), then `Running` but not Ready while the model loads,
 * and Ready `readySeconds` after its creation. Only Ready pods serve. A scale-down picks the pods
 * to delete as the ReplicaSet controller ranks them (kubernetes/kubernetes
 * pkg/controller/controller_utils.go, `ActivePodsWithRanks.Less`): Pending before Running, not
 * Ready before Ready, Ready for a shorter time before longer, newer before older (node, deletion
 * cost and restart-count ranks do not exist in the model; where the controller compares times on
 * a log scale (LogarithmicScaleDown), the model compares them exactly). A deleted pod keeps serving for
 * `terminationSeconds` (its in-flight work; it is out of the Deployment's count at once) and is
 * then gone; requests it still held go back to the backlog (the proxy retries them).
 *
 * **Queue (fluid).** Requests arrive at the trace's rate into one pool-wide backlog `B`
 * (the proxy routes evenly, so per-pod queues are the pool's divided by the serving pods: Ready
 * ones and deleted ones still terminating). Ready
 * replicas run up to `maxConcurrentRequests` each: `running = min(B, capacity)`,
 * `waiting = B − running`. Each running request completes at rate `1 / requestSeconds`, so
 * `dB/dt = arrivals − running / requestSeconds`. Between two readiness changes this equation is
 * solved exactly (exponential approach while below capacity, linear growth or drain above it),
 * so the state after advancing 15 s once equals the state after fifteen 1 s advances.
 * `estimatedWaitSeconds = waiting / completion rate`; with no Ready pod, the time until the
 * first pending pod is Ready plus the drain time at that capacity (or, with no pod at all, as if
 * one pod were created now).
 *
 * **Metrics.** Per Ready pod: running and waiting (the pool's divided evenly), KV cache usage
 * `min(1, running / kvCacheRequestsAtFull)` (vLLM `vllm:kv_cache_usage_perc` is a 0–1 fraction,
 * FACTS.md §A.4), GPU utilization `100 × (1 − e^(−running / gpuUtilizationRequestScale))`
 * (DCGM `DCGM_FI_DEV_GPU_UTIL` is 0–100, FACTS.md §E), CPU cores, completions and token rates
 * (`completions × tokens per request`). A pod that is still loading exposes no vLLM metrics
 * (the API server starts after the load), so only Ready pods appear in `perPod`.
 * TTFT = `baseTtftSeconds` (+ prompt tokens / `prefillTokensPerSecond` when given) + the
 * queueing wait, the wait taken as exponentially distributed with mean `estimatedWaitSeconds`
 * (the waiting time of an M/M/c queue, given that a request waits, is exponential), so the
 * p-quantile adds `−ln(1 − p) × mean` (p50 0.69×, p95 3.0×, p99 4.6×). e2e p95 = TTFT p95 +
 * the p95 of an exponential service time with mean `requestSeconds` (3.0 × requestSeconds), an
 * upper estimate (the sum of two quantiles).
 */

/**
 * Every assumption of the pool model, a named, overridable parameter. The replay's loader
 * derives what the manifests say (vLLM flags, accelerator count, startup budget); the rest comes
 * from {@link DEFAULT_POOL_MODEL_PARAMS} via {@link withPoolModelDefaults}.
 */
export interface PoolModelParams {
  /**
   * Seconds from pod creation until the pod is Ready: pending, image pull and model load.
   * Default (in {@link DEFAULT_POOL_MODEL_PARAMS}): 1200, `VllmPool`'s default
   * `maxModelLoadTime` (20 min), the load the pool is built to tolerate. The loader derives it
   * from the pool's startup budget.
   */
  readonly readySeconds: number;
  /**
   * Running requests per replica; more wait. vLLM `--max-num-seqs`. Default: 256, the API
   * server's default on GPUs under 70 GiB and on A100 (FACTS.md §A.2; vllm/engine/arg_utils.py
   * `default_max_num_seqs` @99d7eb5d6a512cfcc5a2b104f24ebf2d6cda772b: 1024 on ≥ 70 GiB GPUs that
   * are not A100, 128 × world size on CPU; the index holds no copy at the pinned v0.26.0, so the
   * loader should pass the pool's own `--max-num-seqs` when it sets one). Must be a whole
   * number of at least 1.
   */
  readonly maxConcurrentRequests: number;
  /**
   * Mean time a request holds its slot (decode of its output), in seconds. Used unless
   * `outputTokensPerSecond` is given. Default: 10 (256 output tokens at ~25 tokens/s per
   * sequence in a busy batch).
   */
  readonly requestSeconds: number;
  /**
   * Output tokens per second of one running request. When given, a request's service time is
   * its output tokens (from the trace, else `outputTokensPerRequest`) divided by this, instead
   * of `requestSeconds`.
   * @default - not used: `requestSeconds` applies
   */
  readonly outputTokensPerSecond?: number;
  /** Time to first token with an empty queue, in seconds. Default: 0.5 (prefill of a typical prompt on one replica). */
  readonly baseTtftSeconds: number;
  /** Accelerators per replica (GPU-hours = Ready-or-loading pods × this × hours). Default: 1. Fractions are allowed (a shared GPU), 0 for CPU pools. */
  readonly gpusPerReplica: number;
  /**
   * Running requests per replica at which KV cache usage reads 1.0. Capacity stays
   * `maxConcurrentRequests` (the model does not preempt).
   * @default maxConcurrentRequests (vLLM sizes its batch to the cache it has)
   */
  readonly kvCacheRequestsAtFull?: number;
  /**
   * CPU cores a replica uses at full concurrency (for Resource `cpu` metrics); linear in running
   * requests from 0.
   * @default 1 (the vLLM API server process of a GPU replica)
   */
  readonly cpuCoresPerReplicaAtFull?: number;
  /**
   * Seconds a deleted pod keeps serving its requests before it is gone.
   * @default 0 (gone at once; its requests go back to the backlog)
   */
  readonly terminationSeconds?: number;
  /**
   * Seconds of `readySeconds` a new pod spends in phase `Pending` (scheduling, image pull); the
   * rest it is `Running` but not Ready (model load). Matters to the HPA's CPU initialization rules.
   * @default min(60, readySeconds) (scheduling on a warm node and a cached image)
   */
  readonly pendingSeconds?: number;
  /**
   * Running requests per replica at which GPU utilization reads 63 % (1 − 1/e); it saturates
   * towards 100 % above. DCGM utilization is the share of time a kernel runs, and a decode loop
   * with a few sequences keeps the GPU busy most of the time: it saturates long before the
   * batch is full (why it is a poor scaling signal for LLMs).
   * @default 4
   */
  readonly gpuUtilizationRequestScale?: number;
  /**
   * Prompt tokens per request when the trace gives none (token rates, prefill).
   * @default 512
   */
  readonly promptTokensPerRequest?: number;
  /**
   * Output tokens per request when the trace gives none (token rates, service time with
   * `outputTokensPerSecond`).
   * @default 256
   */
  readonly outputTokensPerRequest?: number;
  /**
   * Prompt tokens per second of prefill; when given, TTFT adds prompt tokens / this.
   * @default - no prefill term: `baseTtftSeconds` covers it
   */
  readonly prefillTokensPerSecond?: number;
  /**
   * Most requests waiting pool-wide; arrivals beyond are dropped (counted in `dropped`).
   * @default - no cap (vLLM and the proxy queue without a limit)
   */
  readonly maxWaitingRequests?: number;
}

/**
 * The defaults of the required {@link PoolModelParams}, each explained on its field. The
 * optional ones default as their `@default` says.
 */
export const DEFAULT_POOL_MODEL_PARAMS: Readonly<PoolModelParams> = Object.freeze({
  readySeconds: 1200,
  maxConcurrentRequests: 256,
  requestSeconds: 10,
  baseTtftSeconds: 0.5,
  gpusPerReplica: 1,
});

/**
 * {@link DEFAULT_POOL_MODEL_PARAMS} overridden by the defined fields of `overrides` (fields
 * set to `undefined` do not override).
 */
export function withPoolModelDefaults(overrides?: Partial<PoolModelParams>): PoolModelParams {
  const out: Record<string, unknown> = { ...DEFAULT_POOL_MODEL_PARAMS };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value !== undefined) out[key] = value;
  }
  return out as unknown as PoolModelParams;
}

/** One pod of the pool as the controllers see it at the snapshot's time. */
export interface PodState {
  /** `pod-<n>`, numbered in creation order from 1. */
  readonly name: string;
  /** `Pending` until `pendingSeconds` after creation, then `Running`. */
  readonly phase: 'Pending' | 'Running';
  /** The Ready condition (a deleting pod keeps the one it had). */
  readonly ready: boolean;
  /** Creation time (seconds since trace start; negative for the initial pods). */
  readonly createdAt: number;
  /** When the pod turned Running (its containers started); absent while Pending. */
  readonly startedAt?: number;
  /** When the pod turned Ready; absent while not Ready. */
  readonly readyAt?: number;
  /** It has a deletion timestamp (terminating). */
  readonly deleting: boolean;
}

/** What one Ready pod's own series read. */
export interface PoolPodMetrics {
  /** `vllm:num_requests_waiting` of this pod. */
  readonly waiting: number;
  /** `vllm:num_requests_running` of this pod. */
  readonly running: number;
  /** `vllm:kv_cache_usage_perc`, 0–1. */
  readonly kvCacheUsage: number;
  /** `DCGM_FI_DEV_GPU_UTIL`, 0–100. */
  readonly gpuUtilization: number;
  /** CPU usage in cores. */
  readonly cpuCores: number;
  /** Requests completed per second (the rate of `vllm:request_success_total`). */
  readonly completedPerSecond: number;
  /** Rate of `vllm:prompt_tokens_total`. */
  readonly promptTokensPerSecond: number;
  /** Rate of `vllm:generation_tokens_total`. */
  readonly generationTokensPerSecond: number;
}

/**
 * What the metrics read at time `t`: per pod for per-pod series, pool-wide for the rest. Units
 * as the real metric (KV cache 0–1, GPU utilization 0–100, seconds). Every number is finite and
 * non-negative (except `createdAt` of the initial pods).
 */
export interface PoolSnapshot {
  /** Seconds since trace start. */
  readonly t: number;
  /** The Deployment's `spec.replicas` (the last `scaleTo`). */
  readonly desiredReplicas: number;
  /** Ready pods that are not deleting (the Deployment's `status.readyReplicas`). */
  readonly readyReplicas: number;
  /** Every pod that still exists, in creation order. */
  readonly pods: PodState[];
  /** The arrival rate of the last `advance`. */
  readonly arrivalsPerSecond: number;
  /** Completions per second now (running / service time). */
  readonly completedPerSecond: number;
  /** Requests waiting pool-wide (the sum of `vllm:num_requests_waiting`, or, with no Ready pod, the backlog at the proxy). */
  readonly waiting: number;
  /** Requests running pool-wide (the sum of `vllm:num_requests_running`). */
  readonly running: number;
  /** How long a request arriving now waits for a slot, in seconds. */
  readonly estimatedWaitSeconds: number;
  /** TTFT median, seconds. */
  readonly ttftP50: number;
  /** TTFT 95th percentile, seconds. */
  readonly ttftP95: number;
  /** TTFT 99th percentile, seconds. */
  readonly ttftP99: number;
  /** End-to-end request latency, 95th percentile, seconds. */
  readonly e2eP95: number;
  /** Ready pods' own series, by pod name. */
  readonly perPod: Record<string, PoolPodMetrics>;
  /** Requests dropped since the simulation started (only with `maxWaitingRequests`). */
  readonly dropped: number;
}

/** −ln(1 − p): the p-quantile of an exponential distribution with mean 1. */
const EXP_P50 = Math.LN2;
const EXP_P95 = -Math.log(0.05);
const EXP_P99 = -Math.log(0.01);
/** A request occupies its slot at least this long (keeps the queue equation finite with 0 output tokens). */
const MIN_SERVICE_SECONDS = 0.001;
/** The model keeps one object per pod. */
const MAX_PODS = 100000;
/** The initial pods have been Ready this long when the trace starts (past every initialization window). */
const INITIAL_READY_AGE_SECONDS = 3600;

interface Resolved {
  readonly readySeconds: number;
  readonly pendingSeconds: number;
  readonly maxConcurrentRequests: number;
  readonly requestSeconds: number;
  readonly outputTokensPerSecond: number | undefined;
  readonly baseTtftSeconds: number;
  readonly kvCacheRequestsAtFull: number;
  readonly cpuCoresPerReplicaAtFull: number;
  readonly terminationSeconds: number;
  readonly gpuUtilizationRequestScale: number;
  readonly promptTokensPerRequest: number;
  readonly outputTokensPerRequest: number;
  readonly prefillTokensPerSecond: number | undefined;
  readonly maxWaitingRequests: number;
}

interface SimPod {
  readonly seq: number;
  readonly name: string;
  readonly createdAt: number;
  readonly startedAt: number;
  readonly readyAt: number;
  deletedAt?: number;
  removeAt?: number;
}

function optional<T>(value: T | undefined, check: (v: unknown) => void, fallback: T): T {
  if (value === undefined) return fallback;
  check(value);
  return value;
}

function resolveParams(params: PoolModelParams, prop: string): Resolved {
  requireObject(prop, params);
  const p = (name: string) => `${prop}.${name}`;
  requireNonNegative(p('readySeconds'), params.readySeconds);
  requireWholeNumber(p('maxConcurrentRequests'), params.maxConcurrentRequests, 1, MAX_INT32);
  requireGreaterThanZero(p('requestSeconds'), params.requestSeconds);
  requireNonNegative(p('baseTtftSeconds'), params.baseTtftSeconds);
  requireNonNegative(p('gpusPerReplica'), params.gpusPerReplica);
  const readySeconds = params.readySeconds;
  const pendingSeconds = optional(params.pendingSeconds, v => requireNonNegative(p('pendingSeconds'), v), Math.min(60, readySeconds));
  if (pendingSeconds > readySeconds) {
    throw invalid(p('pendingSeconds'), pendingSeconds, `must be less than or equal to '${p('readySeconds')}' (${readySeconds}): pending is part of the time to Ready`);
  }
  return {
    readySeconds,
    pendingSeconds,
    maxConcurrentRequests: params.maxConcurrentRequests,
    requestSeconds: params.requestSeconds,
    outputTokensPerSecond: optional<number | undefined>(params.outputTokensPerSecond, v => requireGreaterThanZero(p('outputTokensPerSecond'), v), undefined),
    baseTtftSeconds: params.baseTtftSeconds,
    kvCacheRequestsAtFull: optional(params.kvCacheRequestsAtFull, v => requireGreaterThanZero(p('kvCacheRequestsAtFull'), v), params.maxConcurrentRequests),
    cpuCoresPerReplicaAtFull: optional(params.cpuCoresPerReplicaAtFull, v => requireNonNegative(p('cpuCoresPerReplicaAtFull'), v), 1),
    terminationSeconds: optional(params.terminationSeconds, v => requireNonNegative(p('terminationSeconds'), v), 0),
    gpuUtilizationRequestScale: optional(params.gpuUtilizationRequestScale, v => requireGreaterThanZero(p('gpuUtilizationRequestScale'), v), 4),
    promptTokensPerRequest: optional(params.promptTokensPerRequest, v => requireNonNegative(p('promptTokensPerRequest'), v), 512),
    outputTokensPerRequest: optional(params.outputTokensPerRequest, v => requireNonNegative(p('outputTokensPerRequest'), v), 256),
    prefillTokensPerSecond: optional<number | undefined>(params.prefillTokensPerSecond, v => requireGreaterThanZero(p('prefillTokensPerSecond'), v), undefined),
    maxWaitingRequests: optional(params.maxWaitingRequests, v => requireNonNegative(p('maxWaitingRequests'), v), Infinity),
  };
}

/**
 * A Deployment of model-server replicas and its requests, advanced in time by the replay. See
 * the model's description at the top of lib/whatif/pool-model.ts.
 *
 * @example
 * const pool = new PoolSimulation(withPoolModelDefaults({ readySeconds: 600 }), 1);
 * pool.advance(15, 20);          // 20 requests/s for the first 15 s
 * pool.scaleTo(15, 3);           // two more pods, Ready at t = 615
 * const snapshot = pool.advance(30, 20);
 */
export class PoolSimulation {
  private readonly p: Resolved;
  private readonly prop: string;
  private readonly pods: SimPod[] = [];
  private seq = 0;
  /** The time of the last call (scaleTo or advance): time only moves forward. */
  private clock = 0;
  /** The queue is solved up to here (the last advance). */
  private integratedTo = 0;
  private desired: number;
  private backlog = 0;
  private droppedTotal = 0;

  /**
   * @param params the model's parameters (see {@link withPoolModelDefaults})
   * @param initialReadyReplicas pods Ready at t = 0 (Ready for an hour already)
   * @param prop the prop path named in errors
   * @default prop 'pool'
   */
  constructor(params: PoolModelParams, initialReadyReplicas: number, prop: string = 'pool') {
    this.prop = prop;
    this.p = resolveParams(params, prop);
    requireWholeNumber(`${prop}.initialReadyReplicas`, initialReadyReplicas, 0, MAX_PODS);
    const readyAt = -INITIAL_READY_AGE_SECONDS;
    const createdAt = readyAt - this.p.readySeconds;
    for (let i = 0; i < initialReadyReplicas; i++) {
      this.pods.push(this.newPod(createdAt, createdAt + this.p.pendingSeconds, readyAt));
    }
    this.desired = initialReadyReplicas;
  }

  /**
   * Scale the Deployment to `replicas` at time `now`: new pods are Pending, then loading, and
   * Ready `readySeconds` later; a scale-down deletes the pods the ReplicaSet controller ranks
   * first (Pending, then not Ready, then the most recently Ready / newest).
   */
  public scaleTo(now: number, replicas: number): void {
    this.checkTime(now);
    requireWholeNumber(`${this.prop}.replicas`, replicas, 0, MAX_PODS);
    this.clock = now;
    const active = this.pods.filter(pod => pod.deletedAt === undefined);
    const total = this.pods.length + Math.max(0, replicas - active.length);
    if (total > MAX_PODS) {
      throw invalid(`${this.prop}.replicas`, replicas, `must leave at most ${MAX_PODS} pods in the model, terminating ones included (it would be ${total})`);
    }
    if (replicas > active.length) {
      for (let i = active.length; i < replicas; i++) {
        this.pods.push(this.newPod(now, now + this.p.pendingSeconds, now + this.p.readySeconds));
      }
    } else if (replicas < active.length) {
      const ranked = [...active].sort((a, b) => deletionOrder(a, b, now));
      for (const pod of ranked.slice(0, active.length - replicas)) {
        pod.deletedAt = now;
        pod.removeAt = now + this.p.terminationSeconds;
      }
    }
    this.desired = replicas;
    // Pods deleted after the last advance served until now: they leave the list only once the
    // queue is solved past their removal.
    this.prune(this.integratedTo);
  }

  /**
   * Advance from the last time to `now` with this arrival rate (constant over the interval) and
   * optional token sizes per request; returns what the metrics read at `now`.
   */
  public advance(now: number, arrivalsPerSecond: number, tokens?: { prompt?: number; output?: number }): PoolSnapshot {
    this.checkTime(now);
    requireNonNegative(`${this.prop}.arrivalsPerSecond`, arrivalsPerSecond);
    let prompt = this.p.promptTokensPerRequest;
    let output = this.p.outputTokensPerRequest;
    if (tokens !== undefined) {
      requireObject(`${this.prop}.tokens`, tokens);
      if (tokens.prompt !== undefined) {
        requireNonNegative(`${this.prop}.tokens.prompt`, tokens.prompt);
        prompt = tokens.prompt;
      }
      if (tokens.output !== undefined) {
        requireNonNegative(`${this.prop}.tokens.output`, tokens.output);
        output = tokens.output;
      }
    }
    const service = this.serviceSeconds(output);
    this.integrate(this.integratedTo, now, arrivalsPerSecond, service);
    this.clock = now;
    this.integratedTo = now;
    this.prune(now);
    return this.snapshot(now, arrivalsPerSecond, service, prompt, output);
  }

  private serviceSeconds(output: number): number {
    const s = this.p.outputTokensPerSecond === undefined ? this.p.requestSeconds : output / this.p.outputTokensPerSecond;
    return Math.max(MIN_SERVICE_SECONDS, s);
  }

  private checkTime(now: number): void {
    requireFinite(`${this.prop}.now`, now);
    if (now < this.clock) {
      throw invalid(`${this.prop}.now`, now, `must be greater than or equal to the time of the last call (${this.clock}): time only moves forward`);
    }
  }

  private newPod(createdAt: number, startedAt: number, readyAt: number): SimPod {
    this.seq += 1;
    return { seq: this.seq, name: `pod-${this.seq}`, createdAt, startedAt, readyAt };
  }

  private prune(now: number): void {
    for (let i = this.pods.length - 1; i >= 0; i--) {
      const removeAt = this.pods[i].removeAt;
      if (removeAt !== undefined && removeAt <= now) this.pods.splice(i, 1);
    }
  }

  /** Pods serving at time `t`: Ready and not yet gone. */
  private servingAt(t: number): number {
    let n = 0;
    for (const pod of this.pods) {
      if (pod.readyAt <= t && (pod.removeAt === undefined || pod.removeAt > t)) n++;
    }
    return n;
  }

  /** Solves the fluid queue from `from` to `to`, split where the serving capacity changes. */
  private integrate(from: number, to: number, lambda: number, service: number): void {
    if (to <= from) return;
    const cuts: number[] = [];
    for (const pod of this.pods) {
      if (pod.readyAt > from && pod.readyAt < to) cuts.push(pod.readyAt);
      if (pod.removeAt !== undefined && pod.removeAt > from && pod.removeAt < to) cuts.push(pod.removeAt);
    }
    cuts.sort((a, b) => a - b);
    cuts.push(to);
    let start = from;
    for (const end of cuts) {
      if (end <= start) continue;
      const capacity = this.servingAt(start) * this.p.maxConcurrentRequests;
      this.evolve(capacity, lambda, service, end - start);
      start = end;
    }
  }

  /** Exact solution of dB/dt = λ − min(B, C)/S over `dt`, with the optional backlog cap. */
  private evolve(capacity: number, lambda: number, service: number, dt: number): void {
    const cap = capacity + this.p.maxWaitingRequests;
    let b = this.backlog;
    if (b > cap) {
      this.droppedTotal += b - cap;
      b = cap;
    }
    let left = dt;
    // At most three regime changes (below capacity → at capacity → cap), so the loop is bounded.
    for (let guard = 0; left > 0 && guard < 8; guard++) {
      const equilibrium = lambda * service;
      const saturated = b > capacity || (b === capacity && equilibrium > capacity);
      if (!saturated) {
        if (equilibrium <= capacity) {
          b = equilibrium + (b - equilibrium) * Math.exp(-left / service);
          left = 0;
        } else {
          const tau = service * Math.log((equilibrium - b) / (equilibrium - capacity));
          if (tau >= left) {
            b = equilibrium + (b - equilibrium) * Math.exp(-left / service);
            left = 0;
          } else {
            b = capacity;
            left -= tau;
          }
        }
      } else {
        const drift = lambda - capacity / service;
        if (drift > 0) {
          const tau = (cap - b) / drift;
          if (tau >= left) {
            b += drift * left;
          } else {
            this.droppedTotal += drift * (left - tau);
            b = cap;
          }
          left = 0;
        } else if (drift === 0) {
          left = 0;
        } else {
          const tau = (b - capacity) / -drift;
          if (tau >= left) {
            b += drift * left;
            left = 0;
          } else {
            b = capacity;
            left -= tau;
          }
        }
      }
    }
    this.backlog = Math.max(0, b);
  }

  private snapshot(now: number, lambda: number, service: number, prompt: number, output: number): PoolSnapshot {
    const p = this.p;
    const pods: PodState[] = [];
    const serving: SimPod[] = [];
    let readyReplicas = 0;
    let firstPendingReady = Infinity;
    let pendingActive = 0;
    for (const pod of this.pods) {
      const ready = pod.readyAt <= now;
      const deleting = pod.deletedAt !== undefined;
      const running = pod.startedAt <= now;
      const state: { -readonly [K in keyof PodState]: PodState[K] } = { name: pod.name, phase: running ? 'Running' : 'Pending', ready, createdAt: pod.createdAt, deleting };
      if (running) state.startedAt = pod.startedAt;
      if (ready) state.readyAt = pod.readyAt;
      pods.push(state);
      if (ready) serving.push(pod);
      if (ready && !deleting) readyReplicas++;
      if (!ready && !deleting) {
        pendingActive++;
        firstPendingReady = Math.min(firstPendingReady, pod.readyAt);
      }
    }
    const capacity = serving.length * p.maxConcurrentRequests;
    const running = Math.min(this.backlog, capacity);
    const waiting = Math.max(0, this.backlog - running);
    const completed = running / service;
    const perPodRate = p.maxConcurrentRequests / service;
    let wait = 0;
    if (waiting > 0) {
      if (completed > 0) wait = waiting / completed;
      else if (pendingActive > 0) wait = (firstPendingReady - now) + waiting / (pendingActive * perPodRate);
      else wait = p.readySeconds + waiting / perPodRate;
    }
    const baseTtft = p.baseTtftSeconds + (p.prefillTokensPerSecond === undefined ? 0 : prompt / p.prefillTokensPerSecond);
    const ttftP95 = baseTtft + EXP_P95 * wait;
    const perPod: Record<string, PoolPodMetrics> = {};
    const n = serving.length;
    for (const pod of serving) {
      const podRunning = running / n;
      const podCompleted = completed / n;
      perPod[pod.name] = {
        waiting: waiting / n,
        running: podRunning,
        kvCacheUsage: Math.min(1, podRunning / p.kvCacheRequestsAtFull),
        gpuUtilization: 100 * (1 - Math.exp(-podRunning / p.gpuUtilizationRequestScale)),
        cpuCores: p.cpuCoresPerReplicaAtFull * Math.min(1, podRunning / p.maxConcurrentRequests),
        completedPerSecond: podCompleted,
        promptTokensPerSecond: podCompleted * prompt,
        generationTokensPerSecond: podCompleted * output,
      };
    }
    return {
      t: now,
      desiredReplicas: this.desired,
      readyReplicas,
      pods,
      arrivalsPerSecond: lambda,
      completedPerSecond: completed,
      waiting,
      running,
      estimatedWaitSeconds: wait,
      ttftP50: baseTtft + EXP_P50 * wait,
      ttftP95,
      ttftP99: baseTtft + EXP_P99 * wait,
      e2eP95: ttftP95 + EXP_P95 * service,
      perPod,
      dropped: this.droppedTotal,
    };
  }
}

/**
 * The ReplicaSet controller's deletion preference (controller_utils.go `ActivePodsWithRanks.Less`):
 * negative when `a` is deleted before `b`.
 */
function deletionOrder(a: SimPod, b: SimPod, now: number): number {
  const pendingA = a.startedAt > now;
  const pendingB = b.startedAt > now;
  if (pendingA !== pendingB) return pendingA ? -1 : 1;
  const readyA = a.readyAt <= now;
  const readyB = b.readyAt <= now;
  if (readyA !== readyB) return readyA ? 1 : -1;
  if (readyA && a.readyAt !== b.readyAt) return b.readyAt - a.readyAt;
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return b.seq - a.seq;
}
