import { ReplicaProposalPod } from './replica-proposal';

/** What one metric of an HPA reads at one sync. `error`: the metrics API failed for it. */
export type MetricReading =
  | { readonly kind: 'ok'; readonly value?: number; readonly values?: number[]; readonly podMetrics?: Record<string, number> }
  | { readonly kind: 'error'; readonly reason: string };

/** One sync of the HPA controller: the time, the scale target's replicas, its pods and what each metric read. */
export interface HpaSyncInput {
  /** Seconds since the trace start. */
  readonly now: number;
  /** The scale subresource's replicas (the desired count of the last sync). */
  readonly currentReplicas: number;
  /** The pods the HPA's selector matches, with requests (cpu/memory in base units) for Resource metrics. */
  readonly pods: ReplicaProposalPod[];
  /** What each metric read, index-aligned with `spec.metrics`. */
  readonly readings: ReadonlyArray<MetricReading>;
}

/** What one sync decided. */
export interface HpaSyncResult {
  /** The replicas the controller sets on the scale target. */
  readonly desiredReplicas: number;
  /** Per metric, the replicas it proposes; undefined when that metric errored. */
  readonly proposals: Array<number | undefined>;
  /** False when horizontal.go would not act (all metrics invalid, or some invalid while the proposal scales down). */
  readonly ableToScale: boolean;
  /**
   * Why, in words, when not able to scale or limited.
   * @default absent when the sync scaled freely
   */
  readonly reason?: string;
  /** What held the desired replicas back: `min`/`max` replicas, or a behavior `policy` (rate limit or stabilization). */
  readonly limited: 'min' | 'max' | 'policy' | undefined;
}

/** The autoscaling/v2 HPA spec as JSON (minReplicas?, maxReplicas, metrics, behavior?; scaleTargetRef ignored). */
export type HpaSpec = { minReplicas?: number; maxReplicas: number; metrics?: unknown[]; behavior?: unknown };

/** Controller flags for an `HpaSimulation`. */
export interface HpaSimulationOptions {
  /**
   * `--horizontal-pod-autoscaler-sync-period` in seconds.
   * @default 15
   */
  readonly syncPeriodSeconds?: number;
  /**
   * `--horizontal-pod-autoscaler-tolerance`.
   * @default 0.1
   */
  readonly tolerance?: number;
  /**
   * `--horizontal-pod-autoscaler-cpu-initialization-period` in seconds.
   * @default 300
   */
  readonly cpuInitializationPeriodSeconds?: number;
  /**
   * `--horizontal-pod-autoscaler-initial-readiness-delay` in seconds.
   * @default 30
   */
  readonly delayOfInitialReadinessStatusSeconds?: number;
  /**
   * `--horizontal-pod-autoscaler-downscale-stabilization` in seconds.
   * @default 300
   */
  readonly downscaleStabilizationSeconds?: number;
}

/**
 * One autoscaling/v2 HorizontalPodAutoscaler, synced like the controller (horizontal.go:
 * computeReplicasForMetrics, the no-scale-down-on-invalid-metric rule, stabilization via the
 * recommendations history, scale events for policies, min/max; behavior absent: the legacy path).
 */
export class HpaSimulation {
  /** Seconds between two syncs. */
  public readonly syncPeriodSeconds: number;

  /**
   * @param spec the HPA's `spec` as JSON
   * @param options controller flags
   * @param prop the prop path that names `spec` in errors
   */
  constructor(spec: HpaSpec, options?: HpaSimulationOptions, prop?: string) {
    void spec; void prop;
    this.syncPeriodSeconds = options?.syncPeriodSeconds ?? 15;
  }

  /** One sync at `input.now` (called in ascending time). */
  public sync(input: HpaSyncInput): HpaSyncResult {
    return { desiredReplicas: input.currentReplicas, proposals: [], ableToScale: true, limited: undefined };
  }
}
