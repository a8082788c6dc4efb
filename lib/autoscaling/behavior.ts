import { Duration } from 'cdk8s';
import { requireReplicas } from './_replicas';
import { requireDefined, wholeSeconds } from '../core/_units';
import { invalid } from '../core/_validation';

/** How a scaling policy counts. */
export enum ScalingPolicyType {
  /** An absolute number of pods. */
  PODS = 'Pods',
  /** A percentage of the current replicas. */
  PERCENT = 'Percent',
}

/** Which policy wins when several apply. */
export enum SelectPolicy {
  /** The policy allowing the largest change. */
  MAX = 'Max',
  /** The policy allowing the smallest change. */
  MIN = 'Min',
  /** No scaling in this direction. */
  DISABLED = 'Disabled',
}

/** At most `value` pods (or percent) per `period`. */
export interface ScalingPolicy {
  readonly type: ScalingPolicyType;
  /** Greater than 0. */
  readonly value: number;
  /** From 1 second to 30 minutes (the API's limit, 1800 s). */
  readonly period: Duration;
}

/** One direction of `behavior` (autoscaling/v2 `HPAScalingRules`). */
export interface ScalingRules {
  /**
   * How far back the controller looks for the most conservative recommendation;
   * 0 to 1 hour (the API's limit, 3600 s).
   * @default - the Kubernetes default (0 s up, 300 s down)
   */
  readonly stabilizationWindow?: Duration;
  /** @default SelectPolicy.MAX */
  readonly selectPolicy?: SelectPolicy;
  /** At least one. */
  readonly policies: ScalingPolicy[];
}

/** Scale-up and scale-down behavior of an HPA, or of the HPA KEDA creates. */
export interface ScalingBehavior {
  /** @default - Kubernetes: +100 % or +4 pods per 15 s, no stabilization */
  readonly scaleUp?: ScalingRules;
  /** @default - Kubernetes: -100 % per 15 s after 300 s of stabilization */
  readonly scaleDown?: ScalingRules;
}

const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_SECONDS = 3600;

/** Behavior presets. */
export class ScalingBehaviors {
  /**
   * The seeds' behavior for the proxy: scale up after 60 s by the larger of 100 % and 2 pods
   * per minute; scale down after 300 s by the smaller of 50 % and 1 pod per minute.
   */
  public static readonly SEED: ScalingBehavior = {
    scaleUp: {
      stabilizationWindow: Duration.seconds(60),
      selectPolicy: SelectPolicy.MAX,
      policies: [
        { type: ScalingPolicyType.PERCENT, value: 100, period: Duration.seconds(60) },
        { type: ScalingPolicyType.PODS, value: 2, period: Duration.seconds(60) },
      ],
    },
    scaleDown: {
      stabilizationWindow: Duration.seconds(300),
      selectPolicy: SelectPolicy.MIN,
      policies: [
        { type: ScalingPolicyType.PERCENT, value: 50, period: Duration.seconds(60) },
        { type: ScalingPolicyType.PODS, value: 1, period: Duration.seconds(60) },
      ],
    },
  };

  /**
   * For accelerator pools whose pods take minutes to load a model: scale up at once but by
   * at most one pod per 3 minutes (a queue that keeps growing while new pods load must not
   * add a pod every 15 s), and scale down one pod per 5 minutes after 15 minutes of lower
   * load (a GPU pod given back too early costs another cold start).
   */
  public static readonly GPU_POOL: ScalingBehavior = {
    scaleUp: {
      stabilizationWindow: Duration.seconds(0),
      selectPolicy: SelectPolicy.MAX,
      policies: [{ type: ScalingPolicyType.PODS, value: 1, period: Duration.minutes(3) }],
    },
    scaleDown: {
      stabilizationWindow: Duration.minutes(15),
      selectPolicy: SelectPolicy.MIN,
      policies: [{ type: ScalingPolicyType.PODS, value: 1, period: Duration.minutes(5) }],
    },
  };

  private constructor() {}
}

/**
 * Validates a behavior against the API's limits and renders it as autoscaling/v2
 * `HorizontalPodAutoscalerBehavior` JSON.
 * @param prop the prop path in error messages
 * @internal
 */
export function renderBehavior(behavior: ScalingBehavior, prop = 'behavior'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (behavior.scaleUp) out.scaleUp = renderRules(behavior.scaleUp, `${prop}.scaleUp`);
  if (behavior.scaleDown) out.scaleDown = renderRules(behavior.scaleDown, `${prop}.scaleDown`);
  return out;
}

function renderRules(rules: ScalingRules, prop: string): Record<string, unknown> {
  const window = rules.stabilizationWindow === undefined ? undefined : wholeSeconds(`${prop}.stabilizationWindow`, rules.stabilizationWindow, 0);
  if (window !== undefined && window > MAX_STABILIZATION_SECONDS) {
    throw invalid(`${prop}.stabilizationWindow`, `${window}s`, `must be whole seconds from 0 to ${MAX_STABILIZATION_SECONDS} (the API's limit)`);
  }
  if (rules.selectPolicy !== undefined && !Object.values(SelectPolicy).includes(rules.selectPolicy)) {
    throw invalid(`${prop}.selectPolicy`, rules.selectPolicy, `must be one of ${Object.values(SelectPolicy).join(', ')}`);
  }
  const policies = requireDefined(`${prop}.policies`, rules.policies, 'at least one ScalingPolicy');
  if (!Array.isArray(policies) || policies.length === 0) {
    throw invalid(`${prop}.policies`, policies, 'must not be empty: the API requires at least one policy (use SelectPolicy.DISABLED to turn this direction off)');
  }
  const rendered = policies.map((p, i) => {
    const at = `${prop}.policies[${i}]`;
    if (!Object.values(ScalingPolicyType).includes(p?.type)) {
      throw invalid(`${at}.type`, p?.type, `must be one of ${Object.values(ScalingPolicyType).join(', ')}`);
    }
    requireReplicas(`${at}.value`, p.value, 1);
    const period = wholeSeconds(`${at}.period`, requireDefined(`${at}.period`, p.period, 'a Duration from 1 second to 30 minutes'));
    if (period > MAX_PERIOD_SECONDS) {
      throw invalid(`${at}.period`, `${period}s`, `must be whole seconds from 1 to ${MAX_PERIOD_SECONDS} (the API's limit)`);
    }
    return { type: p.type, value: p.value, periodSeconds: period };
  });
  const out: Record<string, unknown> = { selectPolicy: rules.selectPolicy ?? SelectPolicy.MAX, policies: rendered };
  if (window !== undefined) out.stabilizationWindowSeconds = window;
  return out;
}
