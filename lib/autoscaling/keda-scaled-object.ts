import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { claimReplicas, recordHpaResource, replicaOwner } from './_ownership';
import { requireObjectName, requireReplicas } from './_replicas';
import { missingRequest, ResolvedScaleTarget, resolveScaleTarget } from './_target';
import { renderBehavior, ScalingBehavior } from './behavior';
import { KedaMetricType, KedaTrigger, QUERY_METRIC_TYPES, SignalSource, requireEnum } from './keda-trigger';
import { isAcceleratorPool, ScaleTarget } from './scale-target';
import * as keda from '../../imports/keda.sh';
import { recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { claimName } from '../core/_naming';
import { requireDefined, wholeSeconds } from '../core/_units';
import { invalid } from '../core/_validation';
import { unmonitoredPool } from '../metrics/_pool-identity';

/**
 * The oldest KEDA release the library supports: 2.18.0.
 *
 * Fallbacks (which every pool autoscaler sets) with a fractional threshold, such as a KV-cache
 * ratio of 0.8, need 2.18: KEDA 2.17 truncates the fallback's normalisation value to an
 * integer, so the fallback metric becomes 0 and the "held" replicas collapse (kedacore/keda
 * pkg/fallback/fallback.go, fixed in 2.18.0 by commit e438e930d, #6655); 2.17 also refuses a
 * fallback beside a trigger without an explicit AverageValue metricType, such as cron. The
 * operator metrics the alerts read (`keda_scaler_detail_errors_total`) exist from 2.17 on
 * (FACTS §C.2). The CRDs the output is validated against are KEDA 2.20's.
 */
export const KEDA_MIN_VERSION = '2.18.0';

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
  /**
   * What to scale: a `VllmPool`, a `LiteLLMProxy`, `{ deployment }`, or a workload with a scale
   * subresource as `{ workload }` (a `MultiNodeVllmPool`'s LeaderWorkerSet: KEDA then scales
   * whole groups).
   */
  readonly target: ScaleTarget;
  /**
   * The ScaledObject's name (a DNS-1123 subdomain). TriggerAuthentications are named
   * `<name>-auth` (then `<name>-auth-1`, ...), and KEDA names its HPA `keda-hpa-<name>`.
   * @default - the target workload's name (one replica owner per workload, so it is unique)
   */
  readonly name?: string;
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
  /**
   * Replicas to hold on a metrics outage. Required on an accelerator pool: without it a GPU
   * pool drops to `minReplicas` whenever its metrics go missing (a Prometheus restart, a
   * broken scrape). A fallback never wakes a target at zero replicas: KEDA does not scale a
   * target at 0 to `fallback.replicas` (kedacore/keda pkg/scaling/executor/scale_scaledobjects.go),
   * so a pool scaled to zero stays there while its metrics are down (`ServingAlerts` raises
   * `LlmPoolStuckAtZero`). Fractional thresholds need KEDA ≥ 2.18 (`KEDA_MIN_VERSION`).
   * @default - none (refused on an accelerator pool)
   */
  readonly fallback?: ScalingFallback;
  /** Behavior of the HPA KEDA creates. @default - Kubernetes' default */
  readonly behavior?: ScalingBehavior;
  /** Combine named triggers into one metric. @default - none */
  readonly scalingModifiers?: ScalingModifiers;
}

/**
 * A KEDA ScaledObject (`keda.sh/v1alpha1`) owning a workload's replicas, with a
 * TriggerAuthentication for triggers that read Secrets. KEDA creates the HPA
 * `keda-hpa-<name>`; the target renders no `spec.replicas`. Needs KEDA ≥ 2.18
 * (`KEDA_MIN_VERSION`).
 *
 * Guardrails: an accelerator pool needs a `fallback`; every trigger that reads a pool's
 * series (`LlmSignal`) needs that pool's PodMonitor (checked at synth); trigger queries are
 * checked when the trigger is built (`KedaTrigger.prometheus`).
 *
 * @example
 * new KedaScaledObject(chart, 'scaler', {
 *   target: pool,
 *   maxReplicas: 4,
 *   triggers: [LlmSignal.queueDepth(pool, 5).trigger(prometheus)],
 *   fallback: { replicas: 1 },
 * });
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
  /** Replicas while no trigger is active, if set (`idleReplicaCount`). */
  public readonly idleReplicaCount?: number;
  /** Whether a fallback is configured. */
  public readonly hasFallback: boolean;
  /** What the ScaledObject scales. */
  public readonly target: ScaleTarget;
  /** The namespace of the ScaledObject (the target's). */
  public readonly namespace: string;
  /** The ScaledObject's `spec.scaleTargetRef`: the workload it scales. */
  public readonly scaleTargetRef: { readonly apiVersion: string; readonly kind: string; readonly name: string };

  public constructor(scope: Construct, id: string, props: KedaScaledObjectProps) {
    super(scope, id);
    const namespace = requireChartNamespace(this, 'KedaScaledObject');
    requireDefined('props', props, 'target, maxReplicas and triggers');
    const target = requireDefined('target', props.target, 'the workload to scale: a VllmPool, a LiteLLMProxy or { deployment }');
    const workload = resolveScaleTarget(target);
    this.target = target;
    this.scaleTargetRef = workload.scaleTargetRef;
    this.namespace = namespace;
    const min = this.minReplicas = props.minReplicas ?? 1;
    this.maxReplicas = props.maxReplicas;
    this.triggers = props.triggers;
    this.hasFallback = props.fallback !== undefined;
    this.idleReplicaCount = props.idleReplicaCount;
    const durations = validate(props, min, workload);
    const resourceTriggers = props.triggers.flatMap((t, i) => t.resourceName ? [{ resource: t.resourceName, prop: `triggers[${i}]` }] : []);
    for (const { resource, prop } of resourceTriggers) {
      const problem = missingRequest(workload, resource, prop);
      if (problem) throw new Error(problem);
    }
    if (workload.namespace !== namespace) {
      throw invalid('target', workload.path, `is in namespace ${JSON.stringify(workload.namespace)}, the ScaledObject in ${JSON.stringify(namespace)}: scaleTargetRef names a ${workload.kind} of the ScaledObject's own namespace; create the autoscaler in the target's Chart`);
    }
    const holder = workload.holder;
    // A second replica owner is refused with its own message before its name could clash.
    if (replicaOwner(holder) || holder.replicas !== undefined) claimReplicas(holder, this, 'KEDA ScaledObject');
    const name = this.name = claimName(this, 'keda.sh/ScaledObject', requireObjectName('name', props.name) ?? workload.name, namespace);
    this.hpaName = `keda-hpa-${name}`;
    // The HPA KEDA creates must not clash with an HPA the library renders.
    claimName(this, 'autoscaling/HorizontalPodAutoscaler', this.hpaName, namespace);
    claimReplicas(holder, this, 'KEDA ScaledObject');
    // The HPA KEDA creates scales on these resources: a VPA must not control them.
    for (const { resource } of resourceTriggers) recordHpaResource(holder, resource, this);

    const labels = recommendedLabels('keda', name, 'autoscaler');
    // One TriggerAuthentication per distinct set of Secret parameters: triggers never share
    // a parameter name with different Secrets (KEDA would keep only one of them).
    const authentications = new Map<string, keda.TriggerAuthentication>();
    const authFor = (trigger: KedaTrigger): keda.TriggerAuthentication | undefined => {
      if (trigger.secrets.length === 0 && trigger.configMaps.length === 0) return undefined;
      const refs = trigger.secrets.map(s => ({ parameter: s.parameter, name: s.secret.secretName, key: s.secret.key }));
      const configMapRefs = trigger.configMaps.map(c => ({ parameter: c.parameter, name: c.name, key: c.key }));
      const signature = JSON.stringify([refs, configMapRefs]);
      let auth = authentications.get(signature);
      if (!auth) {
        const authName = claimName(this, 'keda.sh/TriggerAuthentication', `${name}-auth${authentications.size ? `-${authentications.size}` : ''}`, namespace);
        auth = new keda.TriggerAuthentication(this, `Auth${authentications.size || ''}`, {
          metadata: { name: authName, labels },
          spec: {
            secretTargetRef: refs.length ? refs : undefined,
            // A CA bundle from a ConfigMap (TriggerAuthentication spec.configMapTargetRef, KEDA 2.20 CRD).
            configMapTargetRef: configMapRefs.length ? configMapRefs : undefined,
          },
        });
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
      metadata: { name, labels },
      spec: {
        scaleTargetRef: { ...workload.scaleTargetRef },
        minReplicaCount: min,
        maxReplicaCount: props.maxReplicas,
        pollingInterval: durations.pollingInterval,
        cooldownPeriod: durations.cooldownPeriod,
        initialCooldownPeriod: durations.initialCooldownPeriod,
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

    // Monitors may be added after the autoscaler: check at synth.
    this.node.addValidation({
      validate: () => [
        ...props.triggers.flatMap((t, i) => t.pool ? unmonitoredPool(`triggers[${i}]`, t.pool, `KedaScaledObject '${this.node.path}'`) ?? [] : []),
        ...props.triggers.flatMap((t, i) => t.recorded?._unrenderedError(`triggers[${i}]`, this) ?? []),
        // Containers added after the autoscaler need the requests too.
        ...resourceTriggers.flatMap(({ resource, prop }) => missingRequest(workload, resource, prop) ?? []),
      ],
    });
  }
}

function validate(props: KedaScaledObjectProps, min: number, workload: ResolvedScaleTarget): { pollingInterval: number; cooldownPeriod?: number; initialCooldownPeriod?: number } {
  requireReplicas('minReplicas', min, 0);
  requireReplicas('maxReplicas', props.maxReplicas, 1);
  if (min > props.maxReplicas) {
    throw invalid('minReplicas', min, `must not exceed maxReplicas (${props.maxReplicas})`);
  }
  if (!Array.isArray(props.triggers)) throw invalid('triggers', props.triggers, 'must be a list of KedaTrigger');
  if (props.triggers.length === 0) throw invalid('triggers', [], 'must name at least one trigger');
  props.triggers.forEach((t, i) => {
    if (!(t instanceof KedaTrigger)) throw invalid(`triggers[${i}]`, t, 'must be a KedaTrigger (KedaTrigger.prometheus(), LlmSignal.trigger(), ...)');
  });
  props.triggers.forEach((t, i) => {
    if (t.resourceName !== undefined && isAcceleratorPool(props.target)) {
      throw invalid(`triggers[${i}]`, t.resourceName, `scales accelerator pool '${workload.path}' (${props.target.accelerator!.resourceName}) on ${t.resourceName}, which says nothing about its load: the accelerator does the work; scale it on its queue (LlmSignal.queueDepth)`);
    }
  });
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
    requireReplicas('idleReplicaCount', idle, 0);
    if (idle >= min) throw invalid('idleReplicaCount', idle, `must be less than minReplicas (${min}): KEDA only idles below the minimum`);
  }

  const fallback = props.fallback;
  if (!fallback && isAcceleratorPool(props.target)) {
    throw invalid('fallback', undefined, `is required on accelerator pool '${workload.path}' (${props.target.accelerator!.resourceName}): without one, the pool drops to minReplicas whenever its metrics go missing (a Prometheus restart, a broken scrape) and each lost pod costs a model load; set fallback: { replicas: n } (KEDA then holds at least n, or the current replicas if more)`);
  }
  if (fallback) {
    requireReplicas('fallback.replicas', fallback.replicas, 1);
    if (fallback.replicas > props.maxReplicas) {
      throw invalid('fallback.replicas', fallback.replicas, `must not exceed maxReplicas (${props.maxReplicas})`);
    }
    if (fallback.failureThreshold !== undefined) requireReplicas('fallback.failureThreshold', fallback.failureThreshold, 1);
    if (fallback.behavior !== undefined) requireEnum('fallback.behavior', fallback.behavior, FallbackBehavior);
    // KEDA's CheckFallbackValid: with scalingModifiers only their metricType counts; otherwise
    // some trigger must be AverageValue (a trigger without a metricType, such as cron, is
    // from KEDA 2.18 on, KEDA_MIN_VERSION).
    const modifiersType = props.scalingModifiers ? props.scalingModifiers.metricType ?? KedaMetricType.AVERAGE_VALUE : undefined;
    const averageValue = modifiersType !== undefined
      ? modifiersType === KedaMetricType.AVERAGE_VALUE
      // cpu/memory triggers never count: KEDA needs a non-cpu/memory AverageValue trigger (FACTS §C.2).
      : props.triggers.some(t => t.resourceName === undefined && (t.metricType ?? KedaMetricType.AVERAGE_VALUE) === KedaMetricType.AVERAGE_VALUE);
    if (!averageValue) {
      throw invalid('fallback', fallback.replicas, modifiersType !== undefined
        ? 'needs scalingModifiers.metricType AverageValue: KEDA supports fallback only for AverageValue metrics'
        : 'needs at least one trigger with metricType AverageValue other than cpu or memory: KEDA supports fallback only for those');
    }
  }

  const durations = {
    pollingInterval: wholeSeconds('pollingInterval', props.pollingInterval ?? Duration.seconds(15)),
    cooldownPeriod: props.cooldownPeriod === undefined ? undefined : wholeSeconds('cooldownPeriod', props.cooldownPeriod),
    initialCooldownPeriod: props.initialCooldownPeriod === undefined ? undefined : wholeSeconds('initialCooldownPeriod', props.initialCooldownPeriod),
  };

  const modifiers = props.scalingModifiers;
  if (modifiers) {
    if (!(Number.isFinite(modifiers.target) && modifiers.target > 0)) throw invalid('scalingModifiers.target', modifiers.target, 'must be greater than 0');
    if (modifiers.activationTarget !== undefined && !(Number.isFinite(modifiers.activationTarget) && modifiers.activationTarget >= 0)) {
      throw invalid('scalingModifiers.activationTarget', modifiers.activationTarget, 'must be greater than or equal to 0');
    }
    if (modifiers.metricType !== undefined) requireEnum('scalingModifiers.metricType', modifiers.metricType, QUERY_METRIC_TYPES);
    if (typeof modifiers.formula !== 'string') throw invalid('scalingModifiers.formula', modifiers.formula, 'must be an expression over trigger names');
    const identifiers = modifiers.formula.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
    if (identifiers.length === 0) throw invalid('scalingModifiers.formula', modifiers.formula, 'must reference at least one trigger by name');
    const known = new Set(names);
    const FUNCTIONS = new Set(['min', 'max', 'abs', 'ceil', 'floor', 'round', 'float', 'int', 'len', 'count', 'sum', 'all', 'any', 'none', 'true', 'false', 'nil', 'and', 'or', 'not', 'in']);
    const unknown = identifiers.filter(i => !known.has(i) && !FUNCTIONS.has(i));
    if (unknown.length) {
      throw invalid('scalingModifiers.formula', modifiers.formula, `references ${unknown.map(u => `'${u}'`).join(', ')}, not the name of a trigger (${[...known].join(', ') || 'no trigger has a name'})`);
    }
  }  return durations;
}
