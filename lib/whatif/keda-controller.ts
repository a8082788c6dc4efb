import { HpaSpec } from './hpa-controller';
import { ReplicaProposalPod } from './replica-proposal';

/** What one KEDA trigger reads at one poll. */
export type TriggerReading =
  /** the scaler's metric value (prometheus: the query result) */
  | { readonly kind: 'ok'; readonly value: number }
  /** the query returned no series (ignoreNullValues decides) */
  | { readonly kind: 'empty' }
  /** cpu / memory triggers: per-pod usage in base units */
  | { readonly kind: 'pods'; readonly podMetrics: Record<string, number> }
  /** the scaler failed */
  | { readonly kind: 'error'; readonly reason: string };

/** What one step of a `KedaSimulation` decided. */
export interface KedaStepResult {
  /** What the scale target is set to after this step. */
  readonly desiredReplicas: number;
  /** KEDA's isActive (any trigger above its activation threshold). */
  readonly active: boolean;
  /** The fallback replaces the metrics of the HPA. */
  readonly fallbackActive: boolean;
  /** Per trigger (cron: its metric value), undefined when failed/empty. */
  readonly triggerValues: Array<number | undefined>;
  /** What happened, e.g. 'activated: 0 -> 1', 'cooldown ended: 1 -> 0', 'fallback: 3 failed polls'. */
  readonly events: string[];
}

/** A trigger of the ScaledObject, as the caller must read it. */
export interface KedaTriggerInfo {
  /** Index in `spec.triggers`. */
  readonly index: number;
  /** The trigger's `name`, else `<type>-<index>`. */
  readonly name: string;
  /** The trigger's `type` ('prometheus', 'cron', 'cpu' ...). */
  readonly type: string;
  /** The trigger's `metadata` (strings). */
  readonly metadata: Record<string, string>;
  /** The HPA metric target type: 'AverageValue' (default), 'Value' or 'Utilization'. */
  readonly metricType: string;
}

/**
 * One keda.sh/v1alpha1 ScaledObject run like KEDA 2.18: the operator's poll loop
 * (pollingInterval, activation 0 <-> 1, cooldownPeriod, initialCooldownPeriod, idleReplicaCount,
 * min/max, fallback incl. behavior and "no wake from zero") and the HPA KEDA creates (External
 * metrics per trigger, AverageValue vs Value vs Utilization,
 * advanced.horizontalPodAutoscalerConfig.behavior, scalingModifiers formula), synced by an
 * HpaSimulation every 15 s between polls; cron triggers evaluated in their timezone from `startTime`.
 */
export class KedaSimulation {
  /** Seconds between two polls of the operator. */
  public readonly pollingIntervalSeconds: number;
  /** The HPA KEDA would create. */
  public readonly hpaSpec: HpaSpec;
  /** Names and types of the triggers the caller must read (cron triggers are read internally and appear with type 'cron'). */
  public readonly triggers: ReadonlyArray<KedaTriggerInfo>;

  /**
   * @param scaledObject the whole ScaledObject or its spec, as JSON
   * @param startTime the trace's wall-clock start, ISO 8601 with offset
   * @param prop the prop path that names the ScaledObject in errors
   */
  constructor(scaledObject: unknown, startTime: string, prop?: string) {
    void scaledObject; void startTime; void prop;
    this.pollingIntervalSeconds = 30;
    this.hpaSpec = { maxReplicas: 100 };
    this.triggers = [];
  }

  /** Advance to `now` (called every tick, ascending); `read(i)` is called only for non-cron triggers when KEDA or the HPA reads them at this tick. */
  public step(now: number, currentReplicas: number, pods: ReplicaProposalPod[], read: (triggerIndex: number) => TriggerReading): KedaStepResult {
    void now; void pods; void read;
    return { desiredReplicas: currentReplicas, active: false, fallbackActive: false, triggerValues: [], events: [] };
  }
}
