import { Duration, Names } from 'cdk8s';
import { Construct } from 'constructs';
import { claimReplicas } from './_ownership';
import { renderBehavior, ScalingBehavior } from './behavior';
import { KedaMetricType, KedaTrigger, SignalSource } from './keda-trigger';
import { ScaleTarget } from './scale-target';
import * as keda from '../../imports/keda.sh';
import { recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { invalid, requireNonNegativeInteger, requirePositiveInteger } from '../core/_validation';

/** What KEDA does with replicas when a scaler keeps failing (FACTS §C.2). */
export enum FallbackBehavior {
  /** Exactly `replicas`. */
  STATIC = 'static',
  /** Keep the current replicas. */
  CURRENT_REPLICAS = 'currentReplicas',
  /** The higher of `replicas` and the current replicas: never shrink during a metrics outage. */
  CURRENT_REPLICAS_IF_HIGHER = 'currentReplicasIfHigher',
  /** The lower of `replicas` and the current replicas. */
  CURRENT_REPLICAS_IF_LOWER = 'currentReplicasIfLower',
}

/** Replicas to hold when the metrics behind the triggers are unavailable. */
export interface ScalingFallback {
  /** Replicas during the outage (at least 1). */
  readonly replicas: number;
  /** Consecutive scaler failures before falling back. @default 3 */
  readonly failureThreshold?: number;
  /** @default FallbackBehavior.CURRENT_REPLICAS_IF_HIGHER */
  readonly behavior?: FallbackBehavior;
}

/** A formula over named triggers (`advanced.scalingModifiers`). */
export interface ScalingModifiers {
  /** An expression over trigger names (expr-lang), e.g. `queue_depth + kv_cache * 10`. */
  readonly formula: string;
  /** The target of the composed metric. */
  readonly target: number;
  /** @default - none */
  readonly activationTarget?: number;
  /** @default KedaMetricType.AVERAGE_VALUE */
  readonly metricType?: KedaMetricType;
}

/** Props of `KedaScaledObject`. */
export interface KedaScaledObjectProps {
  /** What to scale: a `VllmPool`, a `LiteLLMProxy`, or `{ deployment }`. */
  readonly target: ScaleTarget;
  /**
   * Fewest replicas; 0 scales to zero, which needs a trigger that exists at zero replicas
   * (a metric of another workload, such as the proxy's requests, or a cron window).
   * @default 1
   */
  readonly minReplicas?: number;
  /** Most replicas. */
  readonly maxReplicas: number;
  /** At least one. */
  readonly triggers: KedaTrigger[];
  /** How often KEDA checks the triggers. @default Duration.seconds(15) */
  readonly pollingInterval?: Duration;
  /** Wait after the last active trigger before scaling to zero. @default - KEDA's default (300 s) */
  readonly cooldownPeriod?: Duration;
  /** No scale-to-zero this long after the ScaledObject is created (a model load). @default - none */
  readonly initialCooldownPeriod?: Duration;
  /** Replicas while no trigger is active (below `minReplicas`, typically 0). @default - none */
  readonly idleReplicaCount?: number;
  /** Replicas to hold on a metrics outage. @default - none (the HPA keeps the last replicas) */
  readonly fallback?: ScalingFallback;
  /** Behavior of the HPA KEDA creates. @default - Kubernetes' default */
  readonly behavior?: ScalingBehavior;
  /** Combine named triggers into one metric. @default - none */
  readonly scalingModifiers?: ScalingModifiers;
}

/**
 * A KEDA ScaledObject (`keda.sh/v1alpha1`) owning a workload's replicas, with a
 * TriggerAuthentication for triggers that read Secrets. KEDA creates the HPA
 * `keda-hpa-<name>`; the target renders no `spec.replicas`.
 */
export class KedaScaledObject extends Construct {
  /** The ScaledObject. */
  public readonly resource: keda.ScaledObject;
  /** The TriggerAuthentications, one per distinct set of Secrets the triggers read. */
  public readonly authentications: readonly keda.TriggerAuthentication[];
  /** The ScaledObject name. */
  public readonly name: string;
  /** The name of the HPA KEDA creates for it (FACTS §C.2). */
  public readonly hpaName: string;
  /** The replica bounds. */
  public readonly minReplicas: number;
  public readonly maxReplicas: number;
  /** The triggers, in order. */
  public readonly triggers: readonly KedaTrigger[];
  /** Whether a fallback is configured. */
  public readonly hasFallback: boolean;

  public constructor(scope: Construct, id: string, props: KedaScaledObjectProps) {
    super(scope, id);
    requireChartNamespace(this, 'KedaScaledObject');
    const min = this.minReplicas = props.minReplicas ?? 1;
    this.maxReplicas = props.maxReplicas;
    this.triggers = props.triggers;
    this.hasFallback = props.fallback !== undefined;
    validate(props, min);
    const deployment = props.target.deployment;
    claimReplicas(deployment, this, 'KEDA ScaledObject');

    const labels = recommendedLabels('keda', Names.toLabelValue(this), 'autoscaler');
    // One TriggerAuthentication per distinct set of Secret parameters: triggers never share
    // a parameter name with different Secrets (KEDA would keep only one of them).
    const authentications = new Map<string, keda.TriggerAuthentication>();
    const authFor = (trigger: KedaTrigger): keda.TriggerAuthentication | undefined => {
      if (trigger.secrets.length === 0) return undefined;
      const refs = trigger.secrets.map(s => ({ parameter: s.parameter, name: s.secret.secretName, key: s.secret.key }));
      const signature = JSON.stringify(refs);
      let auth = authentications.get(signature);
      if (!auth) {
        auth = new keda.TriggerAuthentication(this, `Auth${authentications.size || ''}`, { metadata: { labels }, spec: { secretTargetRef: refs } });
        authentications.set(signature, auth);
      }
      return auth;
    };
    const triggerAuths = props.triggers.map(authFor);
    this.authentications = [...authentications.values()];

    const fallback = props.fallback;
    const modifiers = props.scalingModifiers;
    const advanced = props.behavior || modifiers ? {
      horizontalPodAutoscalerConfig: props.behavior ? { behavior: renderBehavior(props.behavior) as any } : undefined,
      scalingModifiers: modifiers ? {
        formula: modifiers.formula,
        target: String(modifiers.target),
        activationTarget: modifiers.activationTarget === undefined ? undefined : String(modifiers.activationTarget),
        metricType: (modifiers.metricType ?? KedaMetricType.AVERAGE_VALUE) as string as keda.ScaledObjectSpecAdvancedScalingModifiersMetricType,
      } : undefined,
    } : undefined;

    this.resource = new keda.ScaledObject(this, 'Resource', {
      metadata: { labels },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.name },
        minReplicaCount: min,
        maxReplicaCount: props.maxReplicas,
        pollingInterval: (props.pollingInterval ?? Duration.seconds(15)).toSeconds(),
        cooldownPeriod: props.cooldownPeriod?.toSeconds(),
        initialCooldownPeriod: props.initialCooldownPeriod?.toSeconds(),
        idleReplicaCount: props.idleReplicaCount,
        fallback: fallback ? {
          failureThreshold: fallback.failureThreshold ?? 3,
          replicas: fallback.replicas,
          behavior: (fallback.behavior ?? FallbackBehavior.CURRENT_REPLICAS_IF_HIGHER) as string as keda.ScaledObjectSpecFallbackBehavior,
        } : undefined,
        advanced,
        triggers: props.triggers.map((t, i) => ({
          type: t.type,
          name: t.name,
          metadata: { ...t.metadata },
          metricType: t.metricType,
          authenticationRef: triggerAuths[i] ? { name: triggerAuths[i]!.name } : undefined,
        })),
      },
    });
    this.name = this.resource.name;
    this.hpaName = `keda-hpa-${this.name}`;
  }
}

function validate(props: KedaScaledObjectProps, min: number): void {
  requireNonNegativeInteger('minReplicas', min);
  requirePositiveInteger('maxReplicas', props.maxReplicas);
  if (min > props.maxReplicas) {
    throw invalid('minReplicas', min, `must not exceed maxReplicas (${props.maxReplicas})`);
  }
  if (props.triggers.length === 0) throw invalid('triggers', [], 'must name at least one trigger');
  const names = props.triggers.map(t => t.name).filter((n): n is string => n !== undefined);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw invalid('triggers', duplicate, 'names two triggers alike: trigger names must be unique');

  const wakes = props.triggers.some(t => t.source !== SignalSource.OWN_PODS);
  const idle = props.idleReplicaCount;
  if ((min === 0 || idle === 0) && !wakes) {
    throw invalid(min === 0 ? 'minReplicas' : 'idleReplicaCount', 0,
      'scales to zero but every trigger reads the workload\'s own pods, which report nothing at zero replicas: it could never wake; add a trigger that exists at zero (LlmSignal.proxyRequestRate for its model group, or a cron window)');
  }
  if (idle !== undefined) {
    requireNonNegativeInteger('idleReplicaCount', idle);
    if (idle >= min) throw invalid('idleReplicaCount', idle, `must be less than minReplicas (${min}): KEDA only idles below the minimum`);
  }

  const fallback = props.fallback;
  if (fallback) {
    requirePositiveInteger('fallback.replicas', fallback.replicas);
    if (fallback.replicas > props.maxReplicas) {
      throw invalid('fallback.replicas', fallback.replicas, `must not exceed maxReplicas (${props.maxReplicas})`);
    }
    if (fallback.failureThreshold !== undefined) requirePositiveInteger('fallback.failureThreshold', fallback.failureThreshold);
    // KEDA's CheckFallbackValid: with scalingModifiers only their metricType counts; otherwise
    // some trigger must be AverageValue (a trigger without a metricType, such as cron, is).
    const modifiersType = props.scalingModifiers ? props.scalingModifiers.metricType ?? KedaMetricType.AVERAGE_VALUE : undefined;
    const averageValue = modifiersType !== undefined
      ? modifiersType === KedaMetricType.AVERAGE_VALUE
      : props.triggers.some(t => (t.metricType ?? KedaMetricType.AVERAGE_VALUE) === KedaMetricType.AVERAGE_VALUE);
    if (!averageValue) {
      throw invalid('fallback', fallback.replicas, modifiersType !== undefined
        ? 'needs scalingModifiers.metricType AverageValue: KEDA supports fallback only for AverageValue metrics'
        : 'needs at least one trigger with metricType AverageValue: KEDA supports fallback only for those');
    }
  }

  for (const [prop, d] of [['pollingInterval', props.pollingInterval], ['cooldownPeriod', props.cooldownPeriod], ['initialCooldownPeriod', props.initialCooldownPeriod]] as const) {
    if (d !== undefined) requirePositiveInteger(prop, d.toSeconds());
  }

  const modifiers = props.scalingModifiers;
  if (modifiers) {
    if (!(Number.isFinite(modifiers.target) && modifiers.target > 0)) throw invalid('scalingModifiers.target', modifiers.target, 'must be greater than 0');
    const identifiers = modifiers.formula.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
    if (identifiers.length === 0) throw invalid('scalingModifiers.formula', modifiers.formula, 'must reference at least one trigger by name');
    const known = new Set(names);
    const FUNCTIONS = new Set(['min', 'max', 'abs', 'ceil', 'floor', 'round', 'float', 'int', 'len', 'count', 'sum', 'all', 'any', 'none', 'true', 'false', 'nil', 'and', 'or', 'not', 'in']);
    const unknown = identifiers.filter(i => !known.has(i) && !FUNCTIONS.has(i));
    if (unknown.length) {
      throw invalid('scalingModifiers.formula', modifiers.formula, `references ${unknown.map(u => `'${u}'`).join(', ')}, not the name of a trigger (${[...known].join(', ') || 'no trigger has a name'})`);
    }
  }
}
