import { invalid } from '../core/_validation';
import { MAX_INT32, requireArray, requireNonNegative, requireObject, requireOneOf, requireWholeNumber } from './_input';
import { DEFAULT_DOWNSCALE_STABILIZATION_SECONDS } from './_hpa-defaults';

/*
 * A port of the Kubernetes HPA controller's normalization of a metric proposal, for what-if
 * replays.
 *
 * Source read: kubernetes/kubernetes master as stored by the search index (v1.33/v1.34 line):
 *   pkg/controller/podautoscaler/horizontal.go  reconcileAutoscaler (the min/max/zero checks
 *     before any metric is read), normalizeDesiredReplicas, stabilizeRecommendation,
 *     convertDesiredReplicasWithRules, calculateScaleUpLimit, normalizeDesiredReplicasWithBehaviors,
 *     maybeInitScaleDownStabilizationWindow, stabilizeRecommendationWithBehaviors,
 *     convertDesiredReplicasWithBehaviorRate, calculateScaleUpLimitWithScalingRules,
 *     calculateScaleDownLimitWithBehaviors, getReplicasChangePerPeriod
 *   pkg/apis/autoscaling/v2/defaults.go  GenerateHPAScaleUpRules, GenerateHPAScaleDownRules,
 *     copyHPAScalingRules (defaults of a given `behavior`)
 *   pkg/controller/podautoscaler/config/v1alpha1/defaults.go  downscale stabilization 5 min
 */

/** One scaling policy, as in HPA v2 `HPAScalingPolicy`. */
export interface BehaviorScalingPolicy {
  /** `Pods`: add/remove at most `value` pods per period; `Percent`: at most `value` % of the replicas at the period's start. */
  readonly type: 'Pods' | 'Percent';
  /** The amount of change the policy allows (> 0). */
  readonly value: number;
  /** The window the change is counted over, 1 to 1800 seconds. */
  readonly periodSeconds: number;
}

/**
 * One direction of an HPA v2 `behavior` (issue 12 calls it `ScalingRules`; renamed because the
 * construct API already exports a `ScalingRules`); omitted fields take the API defaults.
 */
export interface BehaviorScalingRules {
  /**
   * Stabilization window in seconds (0 to 3600).
   * @default scale-up 0; scale-down 300 (the controller's --horizontal-pod-autoscaler-downscale-stabilization)
   */
  readonly stabilizationWindowSeconds?: number;
  /**
   * Which policy wins: `Max` the largest change, `Min` the smallest, `Disabled` no change.
   * @default 'Max'
   */
  readonly selectPolicy?: 'Max' | 'Min' | 'Disabled';
  /**
   * The policies. An explicit empty list allows no change in that direction, as in the controller.
   * @default scale-up: 4 Pods / 15 s and 100 Percent / 15 s; scale-down: 100 Percent / 15 s
   */
  readonly policies?: BehaviorScalingPolicy[];
}

/** What `normalizeReplicas` needs: the HPA bounds and behavior, the proposal and the controller's history. */
export interface BehaviorInput {
  /** `spec.minReplicas` (0 only with the HPAScaleToZero feature). */
  readonly minReplicas: number;
  /** `spec.maxReplicas`. */
  readonly maxReplicas: number;
  /** The scale target's current replicas (`scale.spec.replicas`). */
  readonly currentReplicas: number;
  /** The largest proposal over the HPA's metrics. */
  readonly proposedReplicas: number;
  /**
   * `spec.behavior`. Given: omitted fields take the API defaults. Omitted entirely: the
   * controller's path for an HPA without behavior (scale-up at most max(2 × current, 4), 5-minute
   * downscale stabilization).
   * @default no behavior
   */
  readonly behavior?: { readonly scaleUp?: BehaviorScalingRules; readonly scaleDown?: BehaviorScalingRules };
  /**
   * The controller's earlier unstabilized recommendations for this HPA.
   * @default none
   */
  readonly recommendations?: Array<{ readonly secondsAgo: number; readonly replicas: number }>;
  /**
   * Earlier scale-ups (replicas added) for this HPA; read only when `behavior` is given.
   * @default none
   */
  readonly scaleUpEvents?: Array<{ readonly secondsAgo: number; readonly change: number }>;
  /**
   * Earlier scale-downs (replicas removed) for this HPA; read only when `behavior` is given.
   * @default none
   */
  readonly scaleDownEvents?: Array<{ readonly secondsAgo: number; readonly change: number }>;
}

/** horizontal.go `scaleUpLimitFactor` and `scaleUpLimitMinimum`. */
const SCALE_UP_LIMIT_FACTOR = 2.0;
const SCALE_UP_LIMIT_MINIMUM = 4.0;
const MIN_INT32 = -2147483648;

/** defaults.go `defaultHPAScaleUpRules`. */
const DEFAULT_SCALE_UP: Required<BehaviorScalingRules> = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
};
/** defaults.go `defaultHPAScaleDownRules` (window nil, filled by maybeInitScaleDownStabilizationWindow). */
const DEFAULT_SCALE_DOWN: Required<BehaviorScalingRules> = {
  stabilizationWindowSeconds: DEFAULT_DOWNSCALE_STABILIZATION_SECONDS,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

interface Event { readonly secondsAgo: number; readonly change: number }
interface Recommendation { readonly secondsAgo: number; readonly replicas: number }

/**
 * The replica count the Kubernetes HPA controller sets, given the metrics' proposal: the checks
 * `reconcileAutoscaler` makes first (target at 0 with `minReplicas` > 0: autoscaling disabled,
 * stays 0; above `maxReplicas`: `maxReplicas`; below `minReplicas`: `minReplicas`), then either
 * the behavior path (stabilization windows over `recommendations`, Pods/Percent policies over
 * the scale events within each policy's period, `selectPolicy`, min/max) or, without
 * `behavior`, the legacy path (5-minute downscale stabilization, scale-up at most
 * max(2 × current, 4), min/max). Pure: the caller keeps the history.
 */
export function normalizeReplicas(input: BehaviorInput): number {
  const c = check(input);
  // reconcileAutoscaler: these checks come before any metric is read.
  if (c.currentReplicas === 0 && c.minReplicas !== 0) return 0; // autoscaling is disabled for this resource
  if (c.currentReplicas > c.maxReplicas) return c.maxReplicas;
  if (c.currentReplicas < c.minReplicas) return c.minReplicas;
  if (c.behavior === undefined) {
    const stabilized = stabilizeRecommendation(c.recommendations, c.proposedReplicas);
    return convertDesiredReplicasWithRules(c.currentReplicas, stabilized, c.minReplicas, c.maxReplicas);
  }
  const stabilized = stabilizeRecommendationWithBehaviors(c, c.behavior.scaleUp, c.behavior.scaleDown);
  return convertDesiredReplicasWithBehaviorRate(c, stabilized, c.behavior.scaleUp, c.behavior.scaleDown);
}

/**
 * `stabilizeRecommendation`: the largest recommendation not older than the downscale window
 * (a sample exactly at the cutoff still counts: only samples before it are old).
 */
function stabilizeRecommendation(recommendations: Recommendation[], prenormalized: number): number {
  let max = prenormalized;
  for (const rec of recommendations) {
    if (rec.secondsAgo <= DEFAULT_DOWNSCALE_STABILIZATION_SECONDS && rec.replicas > max) max = rec.replicas;
  }
  return max;
}

/** `convertDesiredReplicasWithRules` with `calculateScaleUpLimit`. */
function convertDesiredReplicasWithRules(current: number, desired: number, min: number, max: number): number {
  const scaleUpLimit = Math.trunc(Math.max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM));
  const maximumAllowed = max > scaleUpLimit ? scaleUpLimit : max;
  if (desired < min) return min;
  if (desired > maximumAllowed) return maximumAllowed;
  return desired;
}

/**
 * `stabilizeRecommendationWithBehaviors`: the proposal is held between the smallest
 * recommendation within the scale-up window and the largest within the scale-down window
 * (windows exclusive at the cutoff), starting from the current replicas.
 */
function stabilizeRecommendationWithBehaviors(c: CheckedInput, up: Required<BehaviorScalingRules>, down: Required<BehaviorScalingRules>): number {
  let upRecommendation = c.proposedReplicas;
  let downRecommendation = c.proposedReplicas;
  for (const rec of c.recommendations) {
    if (rec.secondsAgo < up.stabilizationWindowSeconds) upRecommendation = Math.min(rec.replicas, upRecommendation);
    if (rec.secondsAgo < down.stabilizationWindowSeconds) downRecommendation = Math.max(rec.replicas, downRecommendation);
  }
  let recommendation = c.currentReplicas;
  if (recommendation < upRecommendation) recommendation = upRecommendation;
  if (recommendation > downRecommendation) recommendation = downRecommendation;
  return recommendation;
}

/** `getReplicasChangePerPeriod`: the changes strictly within the last `periodSeconds`. */
function replicasChangePerPeriod(periodSeconds: number, events: Event[]): number {
  return events.reduce((sum, e) => (e.secondsAgo < periodSeconds ? sum + e.change : sum), 0);
}

/** `calculateScaleUpLimitWithScalingRules`. */
function scaleUpLimit(current: number, c: CheckedInput, rules: Required<BehaviorScalingRules>): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? MAX_INT32 : MIN_INT32;
  for (const policy of rules.policies) {
    const added = replicasChangePerPeriod(policy.periodSeconds, c.scaleUpEvents);
    const deleted = replicasChangePerPeriod(policy.periodSeconds, c.scaleDownEvents);
    const periodStartReplicas = current - added + deleted;
    const proposed = policy.type === 'Pods'
      ? periodStartReplicas + policy.value
      // rounded up so that a small percentage still adds a replica
      : Math.ceil(periodStartReplicas * (1 + policy.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** `calculateScaleDownLimitWithBehaviors`. */
function scaleDownLimit(current: number, c: CheckedInput, rules: Required<BehaviorScalingRules>): number {
  if (rules.selectPolicy === 'Disabled') return current;
  // For scaling down the smallest change ('Min') is the largest replica count.
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? MIN_INT32 : MAX_INT32;
  for (const policy of rules.policies) {
    const added = replicasChangePerPeriod(policy.periodSeconds, c.scaleUpEvents);
    const deleted = replicasChangePerPeriod(policy.periodSeconds, c.scaleDownEvents);
    const periodStartReplicas = current - added + deleted;
    const proposed = policy.type === 'Pods'
      ? periodStartReplicas - policy.value
      // Go's int32(float64) conversion truncates toward zero
      : Math.trunc(periodStartReplicas * (1 - policy.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** `convertDesiredReplicasWithBehaviorRate`. */
function convertDesiredReplicasWithBehaviorRate(
  c: CheckedInput, desired: number, up: Required<BehaviorScalingRules>, down: Required<BehaviorScalingRules>,
): number {
  if (desired > c.currentReplicas) {
    let limit = scaleUpLimit(c.currentReplicas, c, up);
    // Do not scale up further until the scale-up events leave their periods.
    if (limit < c.currentReplicas) limit = c.currentReplicas;
    const maximumAllowed = Math.min(c.maxReplicas, limit);
    if (desired > maximumAllowed) return maximumAllowed;
  } else if (desired < c.currentReplicas) {
    let limit = scaleDownLimit(c.currentReplicas, c, down);
    // Do not scale down further until the scale-down events leave their periods.
    if (limit > c.currentReplicas) limit = c.currentReplicas;
    const minimumAllowed = Math.max(c.minReplicas, limit);
    if (desired < minimumAllowed) return minimumAllowed;
  }
  return desired;
}

interface CheckedInput {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly currentReplicas: number;
  readonly proposedReplicas: number;
  readonly behavior: { scaleUp: Required<BehaviorScalingRules>; scaleDown: Required<BehaviorScalingRules> } | undefined;
  readonly recommendations: Recommendation[];
  readonly scaleUpEvents: Event[];
  readonly scaleDownEvents: Event[];
}

function check(input: BehaviorInput): CheckedInput {
  requireObject('input', input);
  requireWholeNumber('minReplicas', input.minReplicas, 0, MAX_INT32);
  requireWholeNumber('maxReplicas', input.maxReplicas, 1, MAX_INT32);
  if (input.minReplicas > input.maxReplicas) {
    throw invalid('minReplicas', input.minReplicas, `must not be greater than maxReplicas (${input.maxReplicas})`);
  }
  requireWholeNumber('currentReplicas', input.currentReplicas, 0, MAX_INT32);
  requireWholeNumber('proposedReplicas', input.proposedReplicas, 0, MAX_INT32);

  let behavior: CheckedInput['behavior'];
  if (input.behavior !== undefined) {
    requireObject('behavior', input.behavior);
    behavior = {
      scaleUp: rulesWithDefaults('behavior.scaleUp', input.behavior.scaleUp, DEFAULT_SCALE_UP),
      scaleDown: rulesWithDefaults('behavior.scaleDown', input.behavior.scaleDown, DEFAULT_SCALE_DOWN),
    };
  }

  const recommendations = input.recommendations ?? [];
  requireArray('recommendations', recommendations);
  recommendations.forEach((r, i) => {
    requireObject(`recommendations[${i}]`, r);
    requireNonNegative(`recommendations[${i}].secondsAgo`, r.secondsAgo);
    requireWholeNumber(`recommendations[${i}].replicas`, r.replicas, 0, MAX_INT32);
  });
  const events = (prop: string, value: BehaviorInput['scaleUpEvents']): Event[] => {
    const list = value ?? [];
    requireArray(prop, list);
    list.forEach((e, i) => {
      requireObject(`${prop}[${i}]`, e);
      requireNonNegative(`${prop}[${i}].secondsAgo`, e.secondsAgo);
      requireWholeNumber(`${prop}[${i}].change`, e.change, 0, MAX_INT32);
    });
    return list;
  };

  return {
    minReplicas: input.minReplicas,
    maxReplicas: input.maxReplicas,
    currentReplicas: input.currentReplicas,
    proposedReplicas: input.proposedReplicas,
    behavior,
    recommendations,
    scaleUpEvents: events('scaleUpEvents', input.scaleUpEvents),
    scaleDownEvents: events('scaleDownEvents', input.scaleDownEvents),
  };
}

/** `copyHPAScalingRules` over the defaults: every field given replaces the default. */
function rulesWithDefaults(prop: string, rules: BehaviorScalingRules | undefined, defaults: Required<BehaviorScalingRules>): Required<BehaviorScalingRules> {
  if (rules === undefined) return defaults;
  requireObject(prop, rules as unknown);
  const window = rules.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds;
  // pkg/apis/autoscaling/validation: MaxStabilizationWindowSeconds = 3600, MaxPeriodSeconds = 1800.
  requireWholeNumber(`${prop}.stabilizationWindowSeconds`, window, 0, 3600);
  const selectPolicy = rules.selectPolicy ?? defaults.selectPolicy;
  requireOneOf(`${prop}.selectPolicy`, selectPolicy, ['Max', 'Min', 'Disabled'] as const);
  const policies: BehaviorScalingPolicy[] = rules.policies ?? defaults.policies;
  requireArray(`${prop}.policies`, policies as unknown);
  policies.forEach((policy, i) => {
    const p = `${prop}.policies[${i}]`;
    requireObject(p, policy);
    requireOneOf(`${p}.type`, policy.type, ['Pods', 'Percent'] as const);
    requireWholeNumber(`${p}.value`, policy.value, 1, MAX_INT32);
    requireWholeNumber(`${p}.periodSeconds`, policy.periodSeconds, 1, 1800);
  });
  return { stabilizationWindowSeconds: window, selectPolicy, policies };
}
