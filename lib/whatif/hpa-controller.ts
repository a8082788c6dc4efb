import { invalid } from '../core/_validation';
import {
  MAX_INT32, requireArray, requireBoolean, requireFinite, requireNonNegative, requireObject, requireOneOf, requireWholeNumber,
} from './_input';
import { BehaviorScalingRules, normalizeReplicas } from './replica-normalization';
import { proposeReplicas, ReplicaMetricSource, ReplicaProposalInput, ReplicaProposalPod, ReplicaProposalTarget } from './replica-proposal';
import { DEFAULT_CPU_INITIALIZATION_PERIOD_SECONDS, DEFAULT_DOWNSCALE_STABILIZATION_SECONDS, DEFAULT_INITIAL_READINESS_DELAY_SECONDS, DEFAULT_SYNC_PERIOD_SECONDS, DEFAULT_TOLERANCE } from './_hpa-defaults';

/*
 * The HPA controller's sync loop around `proposeReplicas` and `normalizeReplicas`.
 *
 * Source read: kubernetes/kubernetes pkg/controller/podautoscaler/horizontal.go as stored by the
 * search index (the autoscaling/v2 version with `monitor` and `hpaSelectors`, v1.3x line):
 *   reconcileAutoscaler        recordInitialRecommendation first; then: target at 0 with
 *                              minReplicas != 0 -> ScalingDisabled, no metric is read; above max
 *                              -> max; below min -> min; else computeReplicasForMetrics and
 *                              normalizeDesiredReplicas (no behavior) or
 *                              normalizeDesiredReplicasWithBehaviors; on a rescale storeScaleEvent.
 *   computeReplicasForMetrics  the largest proposal over the valid metrics; "If all metrics are
 *                              invalid or some are invalid and we would scale down" the sync
 *                              returns an error and does not scale (nor record a recommendation).
 *   stabilizeRecommendation    (no behavior) records the unstabilized proposal, replacing the
 *                              last sample older than the downscale window.
 *   stabilizeRecommendationWithBehaviors  records it, replacing the last sample older than both
 *                              windows.
 *   storeScaleEvent            only with a behavior; replaces the last event older than the
 *                              direction's longest policy period (markScaleEventsOutdated).
 *   convertDesiredReplicasWithRules / convertDesiredReplicasWithBehaviorRate  the ScalingLimited
 *                              reasons TooFewReplicas, TooManyReplicas, ScaleUpLimit, ScaleDownLimit.
 * pkg/apis/autoscaling/v2/defaults.go: minReplicas defaults to 1; no metrics -> CPU at 80 %.
 */

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
  /**
   * The HPA's `ScalingLimited` condition: `min` (TooFewReplicas), `max` (TooManyReplicas) or
   * `policy` (ScaleUpLimit / ScaleDownLimit: a behavior policy or, without behavior, the
   * max(2 x current, 4) scale-up limit). Stabilization is not a limit; `reason` names it.
   */
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

/** pkg/apis/autoscaling/v2/defaults.go: the default scale-up and scale-down policies both use 15 s periods. */
const DEFAULT_POLICY_PERIOD_SECONDS = 15;
/** pkg/apis/autoscaling/validation: MaxPeriodSeconds = 1800; older events count in no policy period. */
const MAX_POLICY_PERIOD_SECONDS = 1800;

/** One metric of the spec, ready for `proposeReplicas`. */
interface MetricSpecEntry {
  readonly source: ReplicaMetricSource;
  readonly resource?: string;
  readonly name: string;
  readonly target: ReplicaProposalTarget;
}

interface Behavior { readonly scaleUp: BehaviorScalingRules; readonly scaleDown: BehaviorScalingRules }

/**
 * One autoscaling/v2 HorizontalPodAutoscaler, synced like the controller (horizontal.go:
 * computeReplicasForMetrics, the no-scale-down-on-invalid-metric rule, stabilization via the
 * recommendations history, scale events for policies, min/max; behavior absent: the legacy path).
 *
 * The simulation keeps the controller's per-HPA memory (recommendations, scale-up and
 * scale-down events) between syncs; call `sync` every `syncPeriodSeconds` in ascending time.
 *
 * @example
 * const hpa = new HpaSimulation({ minReplicas: 1, maxReplicas: 10, metrics: [{ type: 'External',
 *   external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '5' } } }] });
 * hpa.sync({ now: 0, currentReplicas: 1, pods: [], readings: [{ kind: 'ok', value: 40 }] }).desiredReplicas; // 4
 */
export class HpaSimulation {
  /** Seconds between two syncs. */
  public readonly syncPeriodSeconds: number;

  private readonly minReplicas: number;
  private readonly maxReplicas: number;
  private readonly metrics: MetricSpecEntry[];
  private readonly behavior: Behavior | undefined;
  /** The longer of the behavior's two stabilization windows. */
  private readonly behaviorWindow: number;
  private readonly tolerance: number;
  private readonly cpuInitializationPeriodSeconds: number;
  private readonly delayOfInitialReadinessStatusSeconds: number;
  private readonly downscaleStabilizationSeconds: number;
  private readonly prop: string;
  private recommendations: Array<{ t: number; replicas: number }> | undefined;
  private readonly scaleUpEvents: Array<{ t: number; change: number }> = [];
  private readonly scaleDownEvents: Array<{ t: number; change: number }> = [];
  private lastNow: number | undefined;

  /**
   * @param spec the HPA's `spec` as JSON
   * @param options controller flags
   * @param prop the prop path that names `spec` in errors
   */
  constructor(spec: HpaSpec, options?: HpaSimulationOptions, prop: string = 'spec') {
    requireObject(prop, spec);
    const o: HpaSimulationOptions = options ?? {};
    requireObject('options', o as unknown);
    this.prop = prop;
    this.syncPeriodSeconds = o.syncPeriodSeconds ?? DEFAULT_SYNC_PERIOD_SECONDS;
    requireWholeNumber('options.syncPeriodSeconds', this.syncPeriodSeconds, 1, 86400);
    this.tolerance = o.tolerance ?? DEFAULT_TOLERANCE;
    requireNonNegative('options.tolerance', this.tolerance);
    this.cpuInitializationPeriodSeconds = o.cpuInitializationPeriodSeconds ?? DEFAULT_CPU_INITIALIZATION_PERIOD_SECONDS;
    requireNonNegative('options.cpuInitializationPeriodSeconds', this.cpuInitializationPeriodSeconds);
    this.delayOfInitialReadinessStatusSeconds = o.delayOfInitialReadinessStatusSeconds ?? DEFAULT_INITIAL_READINESS_DELAY_SECONDS;
    requireNonNegative('options.delayOfInitialReadinessStatusSeconds', this.delayOfInitialReadinessStatusSeconds);
    this.downscaleStabilizationSeconds = o.downscaleStabilizationSeconds ?? DEFAULT_DOWNSCALE_STABILIZATION_SECONDS;
    requireWholeNumber('options.downscaleStabilizationSeconds', this.downscaleStabilizationSeconds, 0, 3600);

    requireWholeNumber(`${prop}.maxReplicas`, spec.maxReplicas, 1, MAX_INT32);
    this.maxReplicas = spec.maxReplicas;
    // defaults.go: minReplicas defaults to 1 (0 only with the HPAScaleToZero feature gate).
    this.minReplicas = spec.minReplicas ?? 1;
    requireWholeNumber(`${prop}.minReplicas`, this.minReplicas, 0, MAX_INT32);
    if (this.minReplicas > this.maxReplicas) {
      throw invalid(`${prop}.minReplicas`, this.minReplicas, `must be less than or equal to '${prop}.maxReplicas' (${this.maxReplicas})`);
    }
    const metrics = spec.metrics ?? [];
    requireArray(`${prop}.metrics`, metrics);
    this.metrics = metrics.length === 0
      // defaults.go: an HPA without metrics scales on CPU at 80 % utilization.
      ? [{ source: 'Resource', resource: 'cpu', name: 'resource cpu', target: { type: 'Utilization', averageUtilization: 80 } }]
      : metrics.map((m, i) => parseMetricSpec(`${prop}.metrics[${i}]`, m));
    this.behavior = spec.behavior === undefined || spec.behavior === null ? undefined : this.checkBehavior(spec.behavior);
    this.behaviorWindow = this.behavior === undefined ? 0
      : Math.max(this.behavior.scaleUp.stabilizationWindowSeconds ?? 0, this.behavior.scaleDown.stabilizationWindowSeconds ?? 0);
  }

  /** One sync at `input.now` (called in ascending time); `readings` index-aligned with `spec.metrics`. */
  public sync(input: HpaSyncInput): HpaSyncResult {
    requireObject('input', input);
    requireArray('input.readings', input.readings);
    if (input.readings.length !== this.metrics.length) {
      throw invalid('input.readings', input.readings, `must hold one reading per metric of '${this.prop}.metrics' (${this.metrics.length})`);
    }
    return this.syncWith(input.now, input.currentReplicas, input.pods, i => input.readings[i]);
  }

  /**
   * One sync that reads a metric only when the controller reads it: `read(i)` is not called when
   * the controller does not compute the metrics (target at 0 replicas with `minReplicas` > 0,
   * replicas outside min/max). KEDA's fallback counts the reads, so it relies on this.
   */
  public syncWith(now: number, currentReplicas: number, pods: ReplicaProposalPod[], read: (metricIndex: number) => MetricReading): HpaSyncResult {
    requireNonNegative('now', now);
    if (this.lastNow !== undefined && now < this.lastNow) {
      throw invalid('now', now, `must not be earlier than the previous sync (${this.lastNow}): syncs run in ascending time`);
    }
    this.lastNow = now;
    requireWholeNumber('currentReplicas', currentReplicas, 0, MAX_INT32);
    checkPods('pods', pods);
    // recordInitialRecommendation: the first sync records {currentReplicas, now}.
    if (this.recommendations === undefined) this.recommendations = [{ t: now, replicas: currentReplicas }];

    const none = (): Array<number | undefined> => this.metrics.map(() => undefined);
    if (currentReplicas === 0 && this.minReplicas !== 0) {
      return {
        desiredReplicas: 0, proposals: none(), ableToScale: false, limited: undefined,
        reason: 'scaling is disabled since the replica count of the target is zero',
      };
    }
    if (currentReplicas > this.maxReplicas) {
      this.storeScaleEvent(now, currentReplicas, this.maxReplicas);
      return { desiredReplicas: this.maxReplicas, proposals: none(), ableToScale: true, limited: 'max', reason: 'Current number of replicas above Spec.MaxReplicas' };
    }
    if (currentReplicas < this.minReplicas) {
      this.storeScaleEvent(now, currentReplicas, this.minReplicas);
      return { desiredReplicas: this.minReplicas, proposals: none(), ableToScale: true, limited: 'min', reason: 'Current number of replicas below Spec.MinReplicas' };
    }

    // computeReplicasForMetrics
    const proposals: Array<number | undefined> = [];
    let invalidCount = 0;
    let firstError: string | undefined;
    let proposed = 0;
    let proposedBy = '';
    this.metrics.forEach((metric, i) => {
      const outcome = this.propose(metric, read(i), i, currentReplicas, pods);
      if (typeof outcome === 'string') {
        proposals.push(undefined);
        if (invalidCount === 0) firstError = outcome;
        invalidCount++;
        return;
      }
      proposals.push(outcome);
      if (proposed === 0 || outcome > proposed) {
        proposed = outcome;
        proposedBy = metric.name;
      }
    });
    const invalidReason = invalidCount > 0 ? `invalid metrics (${invalidCount} invalid out of ${this.metrics.length}), first error is: ${firstError}` : undefined;
    if (invalidCount >= this.metrics.length || (invalidCount > 0 && proposed < currentReplicas)) {
      // The controller returns an error: no scaling, no recommendation recorded.
      return { desiredReplicas: currentReplicas, proposals, ableToScale: false, limited: undefined, reason: invalidReason };
    }

    const history = this.recommendations;
    const stabilized = this.stabilized(now, currentReplicas, proposed);
    const desired = normalizeReplicas({
      minReplicas: this.minReplicas,
      maxReplicas: this.maxReplicas,
      currentReplicas,
      proposedReplicas: proposed,
      behavior: this.behavior,
      recommendations: this.behavior === undefined
        // normalizeReplicas applies the default 300 s window; pass only the samples within the
        // configured one (a sample exactly at the cutoff counts, as in stabilizeRecommendation).
        ? history.filter(r => now - r.t <= this.downscaleStabilizationSeconds).map(r => ({ secondsAgo: 0, replicas: r.replicas }))
        // (samples outside both windows change nothing: left out to keep the sync cheap)
        : history.filter(r => now - r.t < this.behaviorWindow).map(r => ({ secondsAgo: now - r.t, replicas: r.replicas })),
      scaleUpEvents: this.scaleUpEvents.filter(e => now - e.t < MAX_POLICY_PERIOD_SECONDS).map(e => ({ secondsAgo: now - e.t, change: e.change })),
      scaleDownEvents: this.scaleDownEvents.filter(e => now - e.t < MAX_POLICY_PERIOD_SECONDS).map(e => ({ secondsAgo: now - e.t, change: e.change })),
    });
    this.recordRecommendation(now, proposed);
    if (desired !== currentReplicas) this.storeScaleEvent(now, currentReplicas, desired);

    let limited: HpaSyncResult['limited'];
    if (desired < stabilized) limited = desired === this.maxReplicas ? 'max' : 'policy';
    else if (desired > stabilized) limited = desired === this.minReplicas ? 'min' : 'policy';
    const reasons: string[] = [];
    if (invalidReason !== undefined) reasons.push(invalidReason);
    if (stabilized !== proposed) {
      reasons.push(stabilized > proposed
        ? 'recent recommendations were higher than current one, applying the highest recent recommendation'
        : 'recent recommendations were lower than current one, applying the lowest recent recommendation');
    }
    if (limited === 'max') reasons.push('the desired replica count is more than the maximum replica count');
    if (limited === 'min') reasons.push('the desired replica count is less than the minimum replica count');
    if (limited === 'policy') {
      reasons.push(desired < stabilized
        ? 'the desired replica count is increasing faster than the maximum scale rate'
        : 'the desired replica count is decreasing faster than the maximum scale rate');
    }
    if (reasons.length === 0 && desired !== currentReplicas) {
      reasons.push(desired > currentReplicas ? `${proposedBy} above target` : 'All metrics below target');
    }
    return { desiredReplicas: desired, proposals, ableToScale: true, limited, reason: reasons.length > 0 ? reasons.join('; ') : undefined };
  }

  /** The proposal of one metric, or the reason the controller counts it as invalid. */
  private propose(metric: MetricSpecEntry, reading: MetricReading, i: number, currentReplicas: number, pods: ReplicaProposalPod[]): number | string {
    const prop = `readings[${i}]`;
    requireObject(prop, reading);
    requireOneOf(`${prop}.kind`, reading.kind, ['ok', 'error'] as const);
    if (reading.kind === 'error') return typeof reading.reason === 'string' ? reading.reason : 'the metrics API returned an error';
    if (reading.value !== undefined) requireFinite(`${prop}.value`, reading.value);
    if (reading.values !== undefined) {
      requireArray(`${prop}.values`, reading.values);
      reading.values.forEach((v, j) => requireFinite(`${prop}.values[${j}]`, v));
    }
    if (reading.podMetrics !== undefined) {
      requireObject(`${prop}.podMetrics`, reading.podMetrics);
      for (const [name, v] of Object.entries(reading.podMetrics)) requireFinite(`${prop}.podMetrics.${name}`, v);
    }
    const input: ReplicaProposalInput = {
      currentReplicas,
      source: metric.source,
      resource: metric.resource,
      target: metric.target,
      tolerance: this.tolerance,
      cpuInitializationPeriodSeconds: this.cpuInitializationPeriodSeconds,
      delayOfInitialReadinessStatusSeconds: this.delayOfInitialReadinessStatusSeconds,
      // Object/External AverageValue targets divide by the current replicas and read no pod:
      // leaving the pods out spares their validation on every sync.
      pods: (metric.source === 'Object' || metric.source === 'External') && metric.target.type === 'AverageValue' ? undefined : pods,
      podMetrics: reading.podMetrics,
      ...(metric.source === 'External'
        ? (reading.values !== undefined ? { values: reading.values } : { value: reading.value })
        : { value: reading.value ?? (reading.values?.length === 1 ? reading.values[0] : undefined) }),
    };
    switch (metric.source) {
      case 'Resource':
      case 'ContainerResource':
      case 'Pods':
        if (reading.podMetrics === undefined) return `no metrics returned from ${metric.name}`;
        break;
      default:
        if (input.value === undefined && input.values === undefined) return `no value returned for ${metric.name}`;
    }
    try {
      return proposeReplicas(input).replicas;
    } catch (e) {
      // The replica calculator's own errors (no pods, no usable sample, a missing request): the
      // controller counts the metric as invalid.
      return (e as Error).message;
    }
  }

  /** The stabilized recommendation, as normalizeReplicas computes it before its limits. */
  private stabilized(now: number, currentReplicas: number, proposed: number): number {
    const history = this.recommendations ?? [];
    if (this.behavior === undefined) {
      let max = proposed;
      for (const r of history) if (now - r.t <= this.downscaleStabilizationSeconds && r.replicas > max) max = r.replicas;
      return max;
    }
    const upWindow = this.behavior.scaleUp.stabilizationWindowSeconds ?? 0;
    const downWindow = this.behavior.scaleDown.stabilizationWindowSeconds!;
    let up = proposed;
    let down = proposed;
    for (const r of history) {
      if (now - r.t < upWindow) up = Math.min(up, r.replicas);
      if (now - r.t < downWindow) down = Math.max(down, r.replicas);
    }
    let recommendation = currentReplicas;
    if (recommendation < up) recommendation = up;
    if (recommendation > down) recommendation = down;
    return recommendation;
  }

  /** stabilizeRecommendation / stabilizeRecommendationWithBehaviors: record the unstabilized proposal. */
  private recordRecommendation(now: number, proposed: number): void {
    const history = this.recommendations!;
    let oldIndex = -1;
    history.forEach((r, i) => {
      const old = this.behavior === undefined
        ? r.t < now - this.downscaleStabilizationSeconds
        : r.t < now - (this.behavior.scaleUp.stabilizationWindowSeconds ?? 0) && r.t < now - this.behavior.scaleDown.stabilizationWindowSeconds!;
      if (old) oldIndex = i;
    });
    const sample = { t: now, replicas: proposed };
    if (oldIndex >= 0) history[oldIndex] = sample;
    else history.push(sample);
  }

  /** storeScaleEvent: only with a behavior; reuses the last event older than the longest policy period. */
  private storeScaleEvent(now: number, previous: number, next: number): void {
    if (this.behavior === undefined || previous === next) return;
    const up = next > previous;
    const rules = up ? this.behavior.scaleUp : this.behavior.scaleDown;
    const longest = (rules.policies ?? [{ periodSeconds: DEFAULT_POLICY_PERIOD_SECONDS }]).reduce((m, p) => Math.max(m, p.periodSeconds), 0);
    const events = up ? this.scaleUpEvents : this.scaleDownEvents;
    let oldIndex = -1;
    events.forEach((e, i) => {
      if (e.t < now - longest) oldIndex = i;
    });
    const event = { t: now, change: Math.abs(next - previous) };
    if (oldIndex >= 0) events[oldIndex] = event;
    else events.push(event);
  }

  /** The behavior with maybeInitScaleDownStabilizationWindow applied, validated by normalizeReplicas. */
  private checkBehavior(behavior: unknown): Behavior {
    const prop = `${this.prop}.behavior`;
    requireObject(prop, behavior);
    const b = behavior as { scaleUp?: BehaviorScalingRules; scaleDown?: BehaviorScalingRules };
    if (b.scaleUp !== undefined) requireObject(`${prop}.scaleUp`, b.scaleUp as unknown);
    if (b.scaleDown !== undefined) requireObject(`${prop}.scaleDown`, b.scaleDown as unknown);
    const result: Behavior = {
      scaleUp: b.scaleUp ?? {},
      scaleDown: { ...b.scaleDown, stabilizationWindowSeconds: b.scaleDown?.stabilizationWindowSeconds ?? this.downscaleStabilizationSeconds },
    };
    try {
      normalizeReplicas({ minReplicas: this.minReplicas, maxReplicas: this.maxReplicas, currentReplicas: this.minReplicas, proposedReplicas: this.minReplicas, behavior: result });
    } catch (e) {
      // normalizeReplicas names 'behavior.…': name the spec's prop path instead.
      throw new Error((e as Error).message.replace(/^'behavior/, `'${prop}`));
    }
    return result;
  }
}

/** The pods as the controller lists them: checked here so that bad input is not taken for an invalid metric. */
function checkPods(prop: string, pods: unknown): asserts pods is ReplicaProposalPod[] {
  requireArray(prop, pods);
  pods.forEach((pod, i) => {
    requireObject(`${prop}[${i}]`, pod);
    if (typeof pod.name !== 'string' || pod.name === '') throw invalid(`${prop}[${i}].name`, pod.name, 'must be a non-empty string');
    requireOneOf(`${prop}[${i}].phase`, pod.phase, ['Pending', 'Running', 'Succeeded', 'Failed'] as const);
    requireBoolean(`${prop}[${i}].ready`, pod.ready);
  });
}

/** One `spec.metrics[]` entry of autoscaling/v2 (MetricSpec) as a `proposeReplicas` source and target. */
function parseMetricSpec(prop: string, metric: unknown): MetricSpecEntry {
  requireObject(prop, metric);
  const type = metric.type;
  requireOneOf(`${prop}.type`, type, ['Resource', 'ContainerResource', 'Pods', 'Object', 'External'] as const);
  const field = ({ Resource: 'resource', ContainerResource: 'containerResource', Pods: 'pods', Object: 'object', External: 'external' } as const)[type];
  const source = metric[field];
  requireObject(`${prop}.${field}`, source);
  const allowed: ReadonlyArray<ReplicaProposalTarget['type']> = type === 'Resource' || type === 'ContainerResource'
    ? ['Utilization', 'AverageValue'] : type === 'Pods' ? ['AverageValue'] : ['Value', 'AverageValue'];
  const target = parseTarget(`${prop}.${field}.target`, source.target, allowed);
  if (type === 'Resource' || type === 'ContainerResource') {
    if (typeof source.name !== 'string' || source.name === '') throw invalid(`${prop}.${field}.name`, source.name, 'must be the resource name, e.g. \'cpu\' or \'memory\'');
    return { source: type, resource: source.name, name: `${type === 'Resource' ? 'resource' : 'container resource'} ${source.name}`, target };
  }
  requireObject(`${prop}.${field}.metric`, source.metric);
  const name = source.metric.name;
  if (typeof name !== 'string' || name === '') throw invalid(`${prop}.${field}.metric.name`, name, 'must be the metric name');
  return { source: type, name: `${type.toLowerCase()} metric ${name}`, target };
}

function parseTarget(prop: string, target: unknown, allowed: ReadonlyArray<ReplicaProposalTarget['type']>): ReplicaProposalTarget {
  requireObject(prop, target);
  requireOneOf(`${prop}.type`, target.type, allowed);
  switch (target.type) {
    case 'Utilization':
      requireWholeNumber(`${prop}.averageUtilization`, target.averageUtilization, 1, MAX_INT32);
      return { type: 'Utilization', averageUtilization: target.averageUtilization };
    case 'AverageValue':
      return { type: 'AverageValue', averageValue: parsePositiveQuantity(`${prop}.averageValue`, target.averageValue) };
    default:
      return { type: 'Value', value: parsePositiveQuantity(`${prop}.value`, target.value) };
  }
}

function parsePositiveQuantity(prop: string, value: unknown): number {
  const q = parseQuantity(prop, value);
  if (q <= 0) throw invalid(prop, value, 'must be greater than 0');
  return q;
}

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|(n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/**
 * A Kubernetes quantity (a number, or a string such as '500m', '2', '1.5Gi', '1e3') in base units.
 * @internal
 */
export function parseQuantity(prop: string, value: unknown): number {
  if (typeof value === 'number') {
    requireFinite(prop, value);
    return value;
  }
  const match = typeof value === 'string' ? QUANTITY.exec(value.trim()) : null;
  if (match === null) {
    throw invalid(prop, value, 'must be a Kubernetes quantity, e.g. 5, \'500m\' or \'1Gi\'');
  }
  const n = Number(match[1]);
  if (match[2] !== undefined) return n * BINARY[match[2]];
  if (match[3] !== undefined) return n * DECIMAL[match[3]];
  if (match[4] !== undefined) return n * 10 ** Number(match[4]);
  return n;
}
