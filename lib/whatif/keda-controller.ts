import { CronExpressionParser } from 'cron-parser';
import { invalid } from '../core/_validation';
import { MAX_INT32, requireArray, requireNonNegative, requireObject, requireWholeNumber } from './_input';
import { CompiledFormula, compileFormula } from './_keda-formula';
import { HpaSimulation, HpaSpec, MetricReading, parseQuantity } from './hpa-controller';
import { ReplicaProposalPod } from './replica-proposal';

/*
 * KEDA's operator loop and the HPA it creates, for what-if replays. Read at kedacore/keda
 * v2.18.3 (the last v2.18 patch; commit of the tag in the fetched mirror):
 *   apis/keda/v1alpha1/scaledobject_types.go  defaults (HPA min 1 / max 100: GetHPAMinReplicas,
 *       GetHPAMaxReplicas), CheckReplicaCountBoundsAreValid, CheckFallbackValid, IsUsingModifiers,
 *       fallback behaviors static | currentReplicas | currentReplicasIfHigher | currentReplicasIfLower
 *   apis/keda/v1alpha1/withtriggers_types.go   pollingInterval default 30 s
 *   apis/keda/v1alpha1/scaletriggers_types.go  ValidateTriggers (at least one trigger, unique names)
 *   apis/keda/v1alpha1/scaledobject_webhook.go ValidateAndCompileScalingModifiers (formula, target > 0,
 *       metricType AverageValue | Value)
 *   pkg/scaling/executor/scale_executor.go     cooldownPeriod default 300 s, initialCooldownPeriod 0 s
 *   pkg/scaling/executor/scale_scaledobjects.go RequestScale, scaleToZeroOrIdle, scaleFromZeroOrIdle
 *   pkg/scaling/scale_handler.go               startScaleLoop (a poll at creation, then every
 *       pollingInterval), getScaledObjectState (isActive over triggers; with scalingModifiers the
 *       composite metric against activationTarget; only cpu/memory triggers -> always active),
 *       GetScaledObjectMetrics (what the HPA reads, with fallback per metric)
 *   pkg/scaling/modifiers/formula.go           HandleScalingModifiers, calculateScalingModifiersFormula
 *   pkg/fallback/fallback.go                   GetMetricsWithFallback, HasValidFallback, doFallback
 *   pkg/scalers/cron_scaler.go, prometheus_scaler.go, cpu_memory_scaler.go, scaler.go
 *   controllers/keda/hpa.go                    newHPAForScaledObject, getScaledObjectMetricSpecs
 */

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
  /**
   * Per trigger, the last value KEDA or the HPA read (cron: its metric value, 0 outside the
   * window; cpu/memory: the mean of the pods' samples; an empty prometheus result with
   * ignoreNullValues: 0), undefined when that read failed or was empty and counted as an error.
   */
  readonly triggerValues: Array<number | undefined>;
  /** What happened, e.g. 'activated: 0 -> 1', 'cooldown ended: 1 -> 0', 'fallback: 3 failed polls'. */
  readonly events: string[];
}

/** A trigger of the ScaledObject, as the caller must read it. */
export interface KedaTriggerInfo {
  /** Index in `spec.triggers`. */
  readonly index: number;
  /** The trigger's `name` ('' when unnamed: the formula of `scalingModifiers` cannot read it). */
  readonly name: string;
  /** The trigger's `type` ('prometheus', 'cron', 'cpu' ...). */
  readonly type: string;
  /** The trigger's `metadata` (strings). */
  readonly metadata: Record<string, string>;
  /** The HPA metric target type: 'AverageValue' (default), 'Value' or 'Utilization'. */
  readonly metricType: string;
}


/** A trigger as the simulation reads it. */
interface Trigger {
  readonly info: KedaTriggerInfo;
  readonly keda: 'cron' | 'cpu' | 'memory' | 'prometheus' | 'other';
  /** The External metric name KEDA gives it (also the key of its fallback health). */
  readonly metricName: string;
  /** The HPA target of its External metric (milli-truncated, as GetMetricTargetMili builds it). */
  readonly target: number;
  readonly activationThreshold: number;
  readonly ignoreNullValues: boolean;
  readonly cron?: CronWindow;
}

/** A cron trigger's window in its time zone. */
interface CronWindow {
  readonly start: string;
  readonly end: string;
  readonly timezone: string;
  readonly desiredReplicas: number;
  nextStartMs?: number;
  nextEndMs?: number;
}

/** Where the HPA's metric i comes from. */
type HpaMetricSource = { readonly kind: 'resource' | 'external'; readonly trigger: number } | { readonly kind: 'composite' };

interface Modifiers {
  readonly formula: CompiledFormula;
  readonly formulaText: string;
  readonly target: number;
  readonly activationTarget: number;
  readonly metricType: 'AverageValue' | 'Value';
}

interface Fallback {
  readonly failureThreshold: number;
  readonly replicas: number;
  readonly behavior: 'static' | 'currentReplicas' | 'currentReplicasIfHigher' | 'currentReplicasIfLower';
  /** fallback.go HasValidFallback: with scalingModifiers, the target must parse as a whole number > 0. */
  readonly valid: boolean;
}

type Outcome = { readonly value: number } | { readonly error: string };

/** The KEDA defaults (withtriggers_types.go, scale_executor.go, scaledobject_types.go). */
const DEFAULT_POLLING_INTERVAL_SECONDS = 30;
const DEFAULT_COOLDOWN_PERIOD_SECONDS = 300;
const DEFAULT_INITIAL_COOLDOWN_PERIOD_SECONDS = 0;
const DEFAULT_HPA_MIN_REPLICAS = 1;
const DEFAULT_HPA_MAX_REPLICAS = 100;
/** The Kubernetes HPA controller's default sync period. */
const HPA_SYNC_PERIOD_SECONDS = 15;
/** scaledobject_types.go CompositeMetricName. */
const COMPOSITE_METRIC_NAME = 'composite-metric';
/** scaledobject_types.go ScaledObjectOwnerAnnotation: the label on the External metrics' selector. */
const SCALED_OBJECT_LABEL = 'scaledobject.keda.sh/name';
const FALLBACK_BEHAVIORS = ['static', 'currentReplicas', 'currentReplicasIfHigher', 'currentReplicasIfLower'] as const;
const FIVE_FIELD_CRON = 'must be a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. \'0 8 * * 1-5\'';

/**
 * One keda.sh/v1alpha1 ScaledObject run like KEDA 2.18: the operator's poll loop
 * (pollingInterval, activation 0 <-> 1, cooldownPeriod, initialCooldownPeriod, idleReplicaCount,
 * min/max, fallback incl. behavior and "no wake from zero") and the HPA KEDA creates (External
 * metrics per trigger, AverageValue vs Value vs Utilization,
 * advanced.horizontalPodAutoscalerConfig.behavior, scalingModifiers formula), synced by an
 * HpaSimulation every 15 s between polls; cron triggers evaluated in their timezone from `startTime`.
 *
 * Model: the ScaledObject and its HPA are created at t = 0 (the start of `initialCooldownPeriod`);
 * KEDA polls at t = 0, pollingInterval, ...; the HPA syncs at t = 0, 15, ...; at a tick where
 * both run, KEDA's poll acts first and the HPA syncs on its result. Fallback counts the failed
 * reads of the HPA (KEDA's metrics server updates the health on each HPA request), so a target
 * at zero, whose HPA reads nothing, is never woken by fallback. The annotations
 * `autoscaling.keda.sh/paused`, `paused-replicas`, `paused-scale-in`, `paused-scale-out` and
 * `force-activation` are honoured. Not modelled: `useCachedMetrics`,
 * `restoreToOriginalReplicaCount`, push scalers, scaler latency.
 *
 * @example
 * const keda = new KedaSimulation(scaledObject, '2026-11-30T06:00:00+01:00');
 * const r = keda.step(0, 0, [], () => ({ kind: 'ok', value: 12 }));
 * r.desiredReplicas; // 1: activated
 */
export class KedaSimulation {
  /** Seconds between two polls of the operator. */
  public readonly pollingIntervalSeconds: number;
  /** The HPA KEDA would create (controllers/keda/hpa.go newHPAForScaledObject). */
  public readonly hpaSpec: HpaSpec;
  /** Names and types of the triggers the caller must read (cron triggers are read internally and appear with type 'cron'). */
  public readonly triggers: ReadonlyArray<KedaTriggerInfo>;

  private readonly startMs: number;
  private readonly cooldownPeriodSeconds: number;
  private readonly initialCooldownPeriodSeconds: number;
  private readonly minReplicaCount: number | undefined;
  private readonly idleReplicaCount: number | undefined;
  private readonly triggerStates: Trigger[];
  private readonly modifiers: Modifiers | undefined;
  private readonly fallback: Fallback | undefined;
  private readonly hpa: HpaSimulation;
  private readonly hpaSources: HpaMetricSource[];
  private readonly health = new Map<string, number>();
  private readonly lastValues: Array<number | undefined>;
  private nextPoll = 0;
  private nextSync = 0;
  private lastNow: number | undefined;
  private lastActiveTime: number | undefined;
  private active = false;
  private readonly annotations: Annotations;

  /**
   * @param scaledObject the whole ScaledObject or its spec, as JSON
   * @param startTime the trace's wall-clock start, ISO 8601 with an offset (for cron windows)
   * @param prop the prop path that names the ScaledObject in errors
   */
  constructor(scaledObject: unknown, startTime: string, prop: string = 'scaledObject') {
    requireObject(prop, scaledObject);
    const whole = typeof scaledObject.spec === 'object' && scaledObject.spec !== null;
    const spec = (whole ? scaledObject.spec : scaledObject) as Record<string, unknown>;
    const p = whole ? `${prop}.spec` : prop;
    requireObject(p, spec);
    const metadata = whole && typeof scaledObject.metadata === 'object' && scaledObject.metadata !== null
      ? scaledObject.metadata as Record<string, unknown> : {};
    const name = typeof metadata.name === 'string' ? metadata.name : undefined;
    this.annotations = parseAnnotations(`${prop}.metadata.annotations`, metadata.annotations);

    if (typeof startTime !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(startTime) || Number.isNaN(Date.parse(startTime))) {
      throw invalid('startTime', startTime, 'must be an ISO 8601 date-time with an offset, e.g. \'2026-11-30T06:00:00+01:00\'');
    }
    this.startMs = Date.parse(startTime);

    this.pollingIntervalSeconds = optionalWhole(`${p}.pollingInterval`, spec.pollingInterval, 1, DEFAULT_POLLING_INTERVAL_SECONDS);
    this.cooldownPeriodSeconds = optionalWhole(`${p}.cooldownPeriod`, spec.cooldownPeriod, 0, DEFAULT_COOLDOWN_PERIOD_SECONDS);
    this.initialCooldownPeriodSeconds = optionalWhole(`${p}.initialCooldownPeriod`, spec.initialCooldownPeriod, 0, DEFAULT_INITIAL_COOLDOWN_PERIOD_SECONDS);
    this.minReplicaCount = optionalWhole(`${p}.minReplicaCount`, spec.minReplicaCount, 0, undefined);
    this.idleReplicaCount = optionalWhole(`${p}.idleReplicaCount`, spec.idleReplicaCount, 0, undefined);
    const maxReplicaCount = optionalWhole(`${p}.maxReplicaCount`, spec.maxReplicaCount, 1, DEFAULT_HPA_MAX_REPLICAS);
    // GetHPAMinReplicas: the HPA's minReplicas is minReplicaCount when > 0, else 1.
    const hpaMin = this.minReplicaCount !== undefined && this.minReplicaCount > 0 ? this.minReplicaCount : DEFAULT_HPA_MIN_REPLICAS;
    // CheckReplicaCountBoundsAreValid (the ScaledObject controller refuses the object).
    const boundMin = this.minReplicaCount === undefined ? 0 : hpaMin;
    if (boundMin > maxReplicaCount) {
      throw invalid(`${p}.maxReplicaCount`, maxReplicaCount, `must be greater than or equal to '${p}.minReplicaCount' (${this.minReplicaCount}): KEDA refuses the ScaledObject`);
    }
    if (this.idleReplicaCount !== undefined && this.idleReplicaCount >= boundMin) {
      throw invalid(`${p}.idleReplicaCount`, this.idleReplicaCount,
        `must be less than '${p}.minReplicaCount' (${this.minReplicaCount === undefined ? 'unset, i.e. 0' : this.minReplicaCount}): KEDA refuses the ScaledObject`);
    }

    // Triggers (ValidateTriggers and each scaler's metadata parsing).
    const triggers = spec.triggers;
    if (!Array.isArray(triggers) || triggers.length === 0) {
      throw invalid(`${p}.triggers`, triggers, 'must hold at least one trigger: KEDA refuses a ScaledObject without triggers');
    }
    const names = new Set<string>();
    this.triggerStates = triggers.map((t, i) => parseTrigger(`${p}.triggers[${i}]`, t, i, names));
    this.triggers = this.triggerStates.map(t => t.info);
    this.lastValues = this.triggerStates.map(() => undefined);
    const isResource = (t: Trigger) => t.keda === 'cpu' || t.keda === 'memory';

    // advanced
    const advanced = spec.advanced;
    let behavior: unknown;
    let modifiersSpec: Record<string, unknown> | undefined;
    if (advanced !== undefined && advanced !== null) {
      requireObject(`${p}.advanced`, advanced);
      const hpaConfig = advanced.horizontalPodAutoscalerConfig;
      if (hpaConfig !== undefined && hpaConfig !== null) {
        requireObject(`${p}.advanced.horizontalPodAutoscalerConfig`, hpaConfig);
        behavior = hpaConfig.behavior ?? undefined;
      }
      const sm = advanced.scalingModifiers;
      if (sm !== undefined && sm !== null) {
        requireObject(`${p}.advanced.scalingModifiers`, sm);
        // IsUsingModifiers: any field set.
        if (['formula', 'target', 'activationTarget', 'metricType'].some(k => sm[k] !== undefined && sm[k] !== '')) modifiersSpec = sm;
      }
    }
    this.modifiers = modifiersSpec === undefined ? undefined : parseModifiers(`${p}.advanced.scalingModifiers`, modifiersSpec,
      new Set(this.triggerStates.filter(t => !isResource(t) && t.info.name !== '').map(t => t.info.name)));

    // fallback (CheckFallbackValid, HasValidFallback)
    const fallback = spec.fallback;
    if (fallback !== undefined && fallback !== null) {
      const fp = `${p}.fallback`;
      requireObject(fp, fallback);
      requireWholeNumber(`${fp}.failureThreshold`, fallback.failureThreshold, 0, MAX_INT32);
      requireWholeNumber(`${fp}.replicas`, fallback.replicas, 0, MAX_INT32);
      const fb = fallback.behavior ?? 'static';
      if (typeof fb !== 'string' || !(FALLBACK_BEHAVIORS as readonly string[]).includes(fb)) {
        throw invalid(`${fp}.behavior`, fb, `must be one of ${FALLBACK_BEHAVIORS.map(b => `'${b}'`).join(', ')}`);
      }
      if (this.modifiers === undefined && this.triggerStates.every(isResource)) {
        throw invalid(fp, fallback, 'needs a trigger that is not cpu or memory: KEDA refuses a fallback on cpu/memory triggers only ("at least one trigger (that is not cpu or memory) has to have the `AverageValue` type for the fallback to be enabled")');
      }
      const target = this.modifiers === undefined ? undefined : String((modifiersSpec as Record<string, unknown>).target);
      this.fallback = {
        failureThreshold: fallback.failureThreshold,
        replicas: fallback.replicas,
        behavior: fb as Fallback['behavior'],
        // strconv.ParseInt(target, 10, 64) > 0
        valid: target === undefined || (/^[+-]?\d+$/.test(target) && Number(target) > 0),
      };
    }

    // The HPA (controllers/keda/hpa.go getScaledObjectMetricSpecs): one metric per trigger, sorted by
    // type (ContainerResource < External < Resource; sort.Slice, kept stable here); with
    // scalingModifiers the External metrics are replaced by one composite metric (Resource kept).
    const selector = name === undefined ? undefined : { matchLabels: { [SCALED_OBJECT_LABEL]: name } };
    let entries: Array<{ spec: Record<string, unknown>; source: HpaMetricSource }> = this.triggerStates.map((t, i) => ({
      spec: metricSpecOf(t, selector),
      source: isResource(t) ? { kind: 'resource' as const, trigger: i } : { kind: 'external' as const, trigger: i },
    }));
    entries = entries.map((e, i) => ({ e, i }))
      .sort((a, b) => byteOrder(a.e.spec.type as string, b.e.spec.type as string) || a.i - b.i)
      .map(x => x.e);
    if (this.modifiers !== undefined) {
      const target = { type: this.modifiers.metricType, [this.modifiers.metricType === 'Value' ? 'value' : 'averageValue']: milliQuantity(this.modifiers.target) };
      entries = [
        ...entries.filter(e => e.spec.type === 'Resource'),
        { spec: { type: 'External', external: { metric: { name: COMPOSITE_METRIC_NAME, ...(selector ? { selector } : {}) }, target } }, source: { kind: 'composite' } },
      ];
    }
    this.hpaSources = entries.map(e => e.source);
    // hpa.go newHPAForScaledObject: the pause-scale-in/out annotations disable that direction.
    if (this.annotations.pauseScaleIn || this.annotations.pauseScaleOut) {
      const b = (typeof behavior === 'object' && behavior !== null ? behavior : {}) as Record<string, unknown>;
      const direction = (rules: unknown) => (typeof rules === 'object' && rules !== null ? rules : {});
      behavior = {
        ...b,
        ...(this.annotations.pauseScaleIn ? { scaleDown: { ...direction(b.scaleDown), selectPolicy: 'Disabled' } } : {}),
        ...(this.annotations.pauseScaleOut ? { scaleUp: { ...direction(b.scaleUp), selectPolicy: 'Disabled' } } : {}),
      };
    }
    this.hpaSpec = {
      minReplicas: hpaMin,
      maxReplicas: maxReplicaCount,
      metrics: entries.map(e => e.spec),
      ...(behavior !== undefined ? { behavior } : {}),
    };
    this.hpa = new HpaSimulation(this.hpaSpec, { syncPeriodSeconds: HPA_SYNC_PERIOD_SECONDS }, `${p}.advanced.horizontalPodAutoscalerConfig`);
  }

  /** Advance to `now` (called every tick, ascending); `read(i)` is called only for non-cron triggers when KEDA or the HPA reads them at this tick. */
  public step(now: number, currentReplicas: number, pods: ReplicaProposalPod[], read: (triggerIndex: number) => TriggerReading): KedaStepResult {
    requireNonNegative('now', now);
    if (this.lastNow !== undefined && now < this.lastNow) {
      throw invalid('now', now, `must not be earlier than the previous step (${this.lastNow}): steps run in ascending time`);
    }
    this.lastNow = now;
    requireWholeNumber('currentReplicas', currentReplicas, 0, MAX_INT32);
    requireArray('pods', pods);
    if (typeof read !== 'function') throw invalid('read', read, 'must be a function (triggerIndex) => TriggerReading');

    const cache = new Map<number, TriggerReading>();
    const readOnce = (i: number): TriggerReading => {
      let r = cache.get(i);
      if (r === undefined) {
        r = read(i);
        requireObject(`read(${i})`, r);
        cache.set(i, r);
      }
      return r;
    };
    const events: string[] = [];
    let replicas = currentReplicas;

    // scaledobject_controller.go: `paused` or `paused-replicas` stop the scale loop and delete the
    // HPA; RequestScale holds the target at paused-replicas.
    if (this.annotations.pausedReplicas !== undefined || this.annotations.paused) {
      const to = this.annotations.pausedReplicas ?? currentReplicas;
      if (to !== currentReplicas) events.push(`paused: ${currentReplicas} -> ${to}`);
      return { desiredReplicas: to, active: false, fallbackActive: false, triggerValues: [...this.lastValues], events };
    }
    if (now >= this.nextPoll) {
      replicas = this.poll(now, replicas, readOnce, events);
      this.nextPoll += this.pollingIntervalSeconds;
      while (this.nextPoll <= now) this.nextPoll += this.pollingIntervalSeconds;
    }
    if (now >= this.nextSync) {
      const before = replicas;
      const result = this.hpa.syncWith(now, replicas, pods, m => this.hpaRead(m, now, before, pods, readOnce, events));
      replicas = result.desiredReplicas;
      if (replicas !== before) events.push(`hpa: ${before} -> ${replicas}`);
      this.nextSync += HPA_SYNC_PERIOD_SECONDS;
      while (this.nextSync <= now) this.nextSync += HPA_SYNC_PERIOD_SECONDS;
    }
    return {
      desiredReplicas: replicas,
      active: this.active,
      fallbackActive: this.fallbackActive(),
      triggerValues: [...this.lastValues],
      events,
    };
  }

  /** checkScalers: getScaledObjectState, then the executor's RequestScale. */
  private poll(now: number, current: number, read: (i: number) => TriggerReading, events: string[]): number {
    let isActive = false;
    let isError = false;
    const values: Record<string, number> = {};
    this.triggerStates.forEach((t, i) => {
      // cpu/memory triggers have no External metric: never active, never read by the poll.
      if (t.keda === 'cpu' || t.keda === 'memory') return;
      const outcome = this.evaluate(i, now, read);
      if ('error' in outcome) {
        isError = true;
        return;
      }
      values[t.info.name] = outcome.value;
      // GetMetricsAndActivity: prometheus `val > activationThreshold`; cron: inside the window.
      const triggerActive = t.cron !== undefined ? this.cronWithin(t.cron, now) : outcome.value > t.activationThreshold;
      if (triggerActive) isActive = true;
    });
    if (this.modifiers !== undefined) {
      // getScaledObjectState: with scalingModifiers the activity is the composite metric against
      // activationTarget (default 0), and nothing is active after an error.
      isActive = false;
      if (!isError) {
        const composite = this.modifiers.formula.evaluate(values);
        isActive = Number.isFinite(composite) && milli(composite) > this.modifiers.activationTarget;
      }
    }
    // Only cpu/memory triggers: always active (they cannot wake a target from zero).
    if (this.triggerStates.every(t => t.keda === 'cpu' || t.keda === 'memory') && !isError) isActive = true;
    this.active = isActive;

    // scale_scaledobjects.go RequestScale
    const min = this.minReplicaCount ?? 0;
    const idle = this.idleReplicaCount;
    if (isActive || this.annotations.forceActivation) {
      if ((idle !== undefined && current < min) || current === 0) {
        // scaleFromZeroOrIdle (not with paused-scale-out): to minReplicaCount when > 0, else 1.
        if (this.annotations.pauseScaleOut) return current;
        const to = min > 0 ? min : 1;
        events.push(`activated: ${current} -> ${to}`);
        this.lastActiveTime = now;
        return to;
      }
      // Partial error: the last active time is not updated.
      if (!isError) this.lastActiveTime = now;
      return current;
    }
    if (isError && this.fallback !== undefined && this.fallback.replicas !== 0) return current;
    if (isError && this.fallback === undefined) return current;
    if ((idle !== undefined && current > idle) || (current > 0 && min === 0)) {
      // scaleToZeroOrIdle: after initialCooldownPeriod from creation when never active, else after
      // cooldownPeriod from the last active time (strictly after: time.Before); not with paused-scale-in.
      if (this.annotations.pauseScaleIn) return current;
      const cooled = this.lastActiveTime === undefined
        ? this.initialCooldownPeriodSeconds < now
        : this.lastActiveTime + this.cooldownPeriodSeconds < now;
      if (!cooled) return current;
      const to = idle ?? this.minReplicaCount ?? 0;
      events.push(`${this.lastActiveTime === undefined ? 'initial cooldown' : 'cooldown'} ended: ${current} -> ${to}`);
      return to;
    }
    if (current < min && idle === undefined) {
      events.push(`below minReplicaCount: ${current} -> ${min}`);
      return min;
    }
    return current;
  }

  /** What KEDA's metrics server answers the HPA for its metric `m` (GetScaledObjectMetrics, with fallback). */
  private hpaRead(m: number, now: number, current: number, pods: ReplicaProposalPod[], read: (i: number) => TriggerReading, events: string[]): MetricReading {
    const source = this.hpaSources[m];
    if (source.kind === 'resource') {
      // cpu/memory: the HPA reads metrics-server, not KEDA: no fallback.
      const r = read(source.trigger);
      if (r.kind === 'error') return { kind: 'error', reason: r.reason };
      if (r.kind !== 'pods') {
        throw invalid(`read(${source.trigger})`, r, `must be a 'pods' or 'error' reading for the ${this.triggerStates[source.trigger].keda} trigger`);
      }
      requireObject(`read(${source.trigger}).podMetrics`, r.podMetrics);
      const samples = Object.values(r.podMetrics);
      this.lastValues[source.trigger] = samples.length > 0 ? samples.reduce((a, b) => a + b, 0) / samples.length : undefined;
      return { kind: 'ok', podMetrics: r.podMetrics };
    }
    if (source.kind === 'external') {
      const t = this.triggerStates[source.trigger];
      const type = t.info.metricType === 'Value' ? 'Value' : 'AverageValue';
      const outcome = this.withFallback(t.metricName, this.evaluate(source.trigger, now, read), type, t.target, current, pods, events);
      return 'error' in outcome ? { kind: 'error', reason: outcome.error } : { kind: 'ok', value: outcome.value };
    }
    // The composite metric: every non-cpu/memory trigger is read, each with its own fallback health.
    const modifiers = this.modifiers!;
    const values: Record<string, number> = {};
    let scalerError: string | undefined;
    let fallbackValue: number | undefined;
    this.triggerStates.forEach((t, i) => {
      if (t.keda === 'cpu' || t.keda === 'memory') return;
      const outcome = this.withFallback(t.metricName, this.evaluate(i, now, read), modifiers.metricType, modifiers.target, current, pods, events);
      if ('error' in outcome) {
        scalerError ??= outcome.error;
      } else if (this.fallbackOn(t.metricName)) {
        fallbackValue ??= outcome.value;
      } else {
        values[t.info.name] = outcome.value;
      }
    });
    if (fallbackValue !== undefined) return { kind: 'ok', value: fallbackValue };
    if (scalerError !== undefined) return { kind: 'error', reason: `metric:${COMPOSITE_METRIC_NAME} encountered error (${scalerError})` };
    const composite = modifiers.formula.evaluate(values);
    if (!Number.isFinite(composite)) {
      // KEDA would store int64(±Inf or NaN × 1000): an undefined conversion in Go. Modelled as a failed read.
      return { kind: 'error', reason: `the scalingModifiers formula '${modifiers.formulaText}' gave ${composite}` };
    }
    return { kind: 'ok', value: milli(composite) };
  }

  /** The trigger's metric value now, as its scaler reports it (milli-truncated), or its error. */
  private evaluate(i: number, now: number, read: (i: number) => TriggerReading): Outcome {
    const t = this.triggerStates[i];
    let outcome: Outcome;
    if (t.cron !== undefined) {
      outcome = { value: this.cronWithin(t.cron, now) ? milli(t.cron.desiredReplicas) : 0 };
    } else {
      const r = read(i);
      switch (r.kind) {
        case 'ok':
          if (typeof r.value !== 'number') throw invalid(`read(${i}).value`, r.value, 'must be a number');
          if (Number.isNaN(r.value)) {
            outcome = { error: `the ${t.info.type} trigger returned NaN (KEDA passes it on unchecked; modelled as a failed read)` };
          } else if (!Number.isFinite(r.value)) {
            // prometheus_scaler.go: ±Inf is 0 with ignoreNullValues, else an error.
            outcome = t.keda === 'prometheus' && t.ignoreNullValues ? { value: 0 } : { error: `prometheus query returns ${r.value > 0 ? '+Inf' : '-Inf'}` };
          } else {
            outcome = { value: milli(r.value) };
          }
          break;
        case 'empty':
          // prometheus_scaler.go: an empty result is 0 with ignoreNullValues (the default), else an error.
          outcome = t.keda === 'prometheus' && t.ignoreNullValues
            ? { value: 0 }
            : { error: t.keda === 'prometheus' ? 'prometheus metrics \'prometheus\' target may be lost, the result is empty' : `the ${t.info.type} trigger returned no value` };
          break;
        case 'error':
          outcome = { error: typeof r.reason === 'string' ? r.reason : `the ${t.info.type} trigger failed` };
          break;
        default:
          throw invalid(`read(${i})`, r, `must be an 'ok', 'empty' or 'error' reading for the ${t.info.type} trigger`);
      }
    }
    this.lastValues[i] = 'error' in outcome ? undefined : outcome.value;
    return outcome;
  }

  /** fallback.go GetMetricsWithFallback for one metric read by the HPA. */
  private withFallback(metricName: string, outcome: Outcome, type: 'AverageValue' | 'Value', normalisation: number,
    current: number, pods: ReplicaProposalPod[], events: string[]): Outcome {
    const fb = this.fallback;
    // updateStatus only keeps the health when a valid fallback is configured.
    if (fb === undefined || !fb.valid) return outcome;
    const wasOn = this.fallbackOn(metricName);
    if (!('error' in outcome)) {
      this.health.set(metricName, 0);
      if (wasOn) events.push(`fallback ended: ${metricName}`);
      return outcome;
    }
    const failures = (this.health.get(metricName) ?? 0) + 1;
    this.health.set(metricName, failures);
    if (failures <= fb.failureThreshold) return outcome;
    // doFallback
    let replicas: number;
    switch (fb.behavior) {
      case 'currentReplicas': replicas = current; break;
      case 'currentReplicasIfHigher': replicas = Math.max(current, fb.replicas); break;
      case 'currentReplicasIfLower': replicas = Math.min(current, fb.replicas); break;
      default: replicas = fb.replicas;
    }
    if (type === 'Value') {
      // A Value target: the fallback replicas are divided by the ready pods; none ready -> no fallback.
      const ready = pods.filter(pod => pod.phase === 'Running' && pod.ready === true).length;
      if (ready === 0) return { error: 'error performing fallback (readyReplicas is zero, cannot do fallback)' };
      replicas /= ready;
    }
    if (!wasOn) events.push(`fallback: ${failures} failed reads of ${metricName} (${fb.behavior})`);
    return { value: Math.trunc(normalisation * 1000 * replicas) / 1000 };
  }

  private fallbackOn(metricName: string): boolean {
    return this.fallback !== undefined && this.fallback.valid && (this.health.get(metricName) ?? 0) > this.fallback.failureThreshold;
  }

  /** fallbackExistsInScaledObject: some metric failing more often than failureThreshold. */
  private fallbackActive(): boolean {
    for (const name of this.health.keys()) if (this.fallbackOn(name)) return true;
    return false;
  }

  /**
   * cron_scaler.go GetMetricsAndActivity: with the next start and the next end after now (in the
   * trigger's time zone), the window is open when the next end does not come after the next start.
   */
  private cronWithin(cron: CronWindow, now: number): boolean {
    const t = this.startMs + now * 1000;
    if (cron.nextStartMs === undefined || cron.nextStartMs <= t) cron.nextStartMs = nextFire(cron.start, cron.timezone, t);
    if (cron.nextEndMs === undefined || cron.nextEndMs <= t) cron.nextEndMs = nextFire(cron.end, cron.timezone, t);
    return !(cron.nextStartMs < cron.nextEndMs);
  }
}

/** The annotations KEDA reads on a ScaledObject (scaledobject_types.go). */
interface Annotations {
  readonly paused: boolean;
  readonly pausedReplicas: number | undefined;
  readonly pauseScaleIn: boolean;
  readonly pauseScaleOut: boolean;
  readonly forceActivation: boolean;
}

function parseAnnotations(prop: string, annotations: unknown): Annotations {
  const a = (typeof annotations === 'object' && annotations !== null ? annotations : {}) as Record<string, unknown>;
  // getBoolAnnotation: absent -> false; not a boolean (strconv.ParseBool) -> true.
  const flag = (key: string): boolean => {
    if (a[key] === undefined) return false;
    const v = a[key];
    return !(typeof v === 'string' && ['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v));
  };
  let pausedReplicas: number | undefined;
  const raw = a['autoscaling.keda.sh/paused-replicas'];
  if (raw !== undefined) {
    // GetPausedReplicaCount: strconv.ParseInt(value, 10, 32)
    if (typeof raw !== 'string' || !/^[+-]?\d+$/.test(raw) || Number(raw) < 0 || Number(raw) > MAX_INT32) {
      throw invalid(`${prop}.autoscaling.keda.sh/paused-replicas`, raw, 'must be a whole number of replicas as a string, e.g. \'0\'');
    }
    pausedReplicas = Number(raw);
  }
  return {
    paused: flag('autoscaling.keda.sh/paused'),
    pausedReplicas,
    pauseScaleIn: flag('autoscaling.keda.sh/paused-scale-in'),
    pauseScaleOut: flag('autoscaling.keda.sh/paused-scale-out'),
    forceActivation: flag('autoscaling.keda.sh/force-activation'),
  };
}

/** Go's string `<` (byte order; the metric types are ASCII). */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The first fire strictly after `t` (robfig/cron Schedule.Next, which KEDA's cron scaler uses).
 *
 * Day matching: robfig/cron v3.0.1 (spec.go dayMatches) ANDs day-of-month and day-of-week when
 * either field carries its star bit, and ORs them otherwise. parser.go getRange sets the star bit
 * for a '*' or '?' range whose step is absent or 1 ('*', '*\/1', a list such as '*,5'; not
 * '*\/2'). cron-parser agrees except for a starred field other than a plain '*' or '?' next to a
 * restricted one ('*\/1', '*,5'): that case is computed here, the days the day-of-month field
 * allows filtered by the day of the week in the time zone.
 */
function nextFire(expression: string, timezone: string, t: number): number {
  const fields = expression.trim().split(/\s+/);
  const [dom, dow] = [fields[2], fields[4]];
  const plain = (f: string) => f === '*' || f === '?';
  const starred = (f: string) => f.split(',').some(part => {
    const [range, step] = part.split('/');
    return (range === '*' || range === '?') && (step === undefined || Number(step) === 1);
  });
  if (!((starred(dom) || starred(dow)) && !plain(dom) && !plain(dow))) {
    return CronExpressionParser.parse(expression, { currentDate: new Date(t), tz: timezone }).next().getTime();
  }
  const days = CronExpressionParser.parse([fields[0], fields[1], dom, fields[3], '*'].join(' '), { currentDate: new Date(t), tz: timezone });
  const weekdays = CronExpressionParser.parse(`* * * * ${dow}`, { tz: timezone });
  // At most about 8 years of candidate days (a schedule such as Feb 29 on a Monday is rare, not endless).
  for (let i = 0; i < 3000; i++) {
    const candidate = days.next();
    if (weekdays.includesDate(candidate)) return candidate.getTime();
  }
  return Infinity;
}

/** GenerateMetricInMili: the value as an int64 milli-quantity, truncated. */
function milli(value: number): number {
  return Math.trunc(value * 1000) / 1000;
}

/** A resource.NewMilliQuantity(int64(v*1000)) as its canonical string ('5', '500m'). */
function milliQuantity(value: number): string {
  const m = Math.trunc(value * 1000);
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

function optionalWhole<D extends number | undefined>(prop: string, value: unknown, min: number, fallback: D): number | D {
  if (value === undefined || value === null) return fallback;
  requireWholeNumber(prop, value, min, MAX_INT32);
  return value;
}

/** strconv.ParseFloat of a metadata string. */
function parseFloatString(prop: string, value: unknown, what: string): number {
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(Number(value))) {
    throw invalid(prop, value, `must be ${what} as a string (trigger metadata is a map of strings), e.g. '5'`);
  }
  return Number(value);
}

/** strconv.ParseBool. */
function parseBoolString(prop: string, value: unknown): boolean {
  const truthy = ['1', 't', 'T', 'TRUE', 'true', 'True'];
  const falsy = ['0', 'f', 'F', 'FALSE', 'false', 'False'];
  if (typeof value === 'string' && truthy.includes(value)) return true;
  if (typeof value === 'string' && falsy.includes(value)) return false;
  throw invalid(prop, value, 'must be \'true\' or \'false\' as a string (trigger metadata is a map of strings)');
}

function requireTimezone(prop: string, value: unknown): string {
  const rule = 'must be an IANA time zone, e.g. \'Europe/Berlin\' or \'America/New_York\': KEDA\'s time.LoadLocation fails on it and the trigger errors on every poll';
  if (typeof value !== 'string' || value === '') throw invalid(prop, value, rule);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
  } catch {
    throw invalid(prop, value, rule);
  }
  return value;
}

function requireCronExpression(prop: string, value: unknown, timezone: string): string {
  // cron_scaler.go: cron.NewParser(Minute | Hour | Dom | Month | Dow): exactly five fields, no descriptors.
  if (typeof value !== 'string' || value.trim().split(/\s+/).length !== 5) throw invalid(prop, value, FIVE_FIELD_CRON);
  try {
    CronExpressionParser.parse(value, { tz: timezone });
  } catch {
    throw invalid(prop, value, FIVE_FIELD_CRON);
  }
  return value;
}

function parseTrigger(prop: string, trigger: unknown, index: number, names: Set<string>): Trigger {
  requireObject(prop, trigger);
  const type = trigger.type;
  if (typeof type !== 'string' || type === '') throw invalid(`${prop}.type`, type, 'must be the scaler type, e.g. \'prometheus\', \'cron\' or \'cpu\'');
  let name = '';
  if (trigger.name !== undefined && trigger.name !== null && trigger.name !== '') {
    if (typeof trigger.name !== 'string') throw invalid(`${prop}.name`, trigger.name, 'must be a string');
    if (names.has(trigger.name)) {
      throw invalid(`${prop}.name`, trigger.name, 'must be unique among the triggers: KEDA refuses a trigger name defined multiple times');
    }
    names.add(trigger.name);
    name = trigger.name;
  }
  const metadata = trigger.metadata ?? {};
  requireObject(`${prop}.metadata`, metadata);
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw invalid(`${prop}.metadata.${k}`, v, 'must be a string: trigger metadata is a map of strings');
  }
  const md = metadata as Record<string, string>;
  const metricTypeRaw = trigger.metricType ?? '';
  if (typeof metricTypeRaw !== 'string' || !['', 'AverageValue', 'Value', 'Utilization'].includes(metricTypeRaw)) {
    throw invalid(`${prop}.metricType`, metricTypeRaw, 'must be one of \'AverageValue\', \'Value\', \'Utilization\'');
  }
  const resource = type === 'cpu' || type === 'memory';
  if (!resource && metricTypeRaw === 'Utilization') {
    // scaler.go ErrScalerUnsupportedUtilizationMetricType
    throw invalid(`${prop}.metricType`, metricTypeRaw, 'must be \'AverageValue\' or \'Value\': \'Utilization\' metric type is unsupported for external metrics');
  }
  const metricType = metricTypeRaw === '' ? 'AverageValue' : metricTypeRaw;
  const info: KedaTriggerInfo = { index, name: name === '' ? '' : name, type, metadata: { ...md }, metricType };
  const mp = `${prop}.metadata`;

  if (resource) {
    // cpu_memory_scaler.go (v2.18 removed `metadata.type`): metricType Utilization or AverageValue, `value`.
    if (metricTypeRaw !== 'Utilization' && metricTypeRaw !== 'AverageValue') {
      throw invalid(`${prop}.metricType`, trigger.metricType, `must be 'Utilization' or 'AverageValue' for a ${type} trigger (KEDA 2.18 removed metadata.type)`);
    }
    const value = md.value;
    const target = metricTypeRaw === 'Utilization'
      ? parseUtilization(`${mp}.value`, value)
      : parseQuantity(`${mp}.value`, value);
    return { info: { ...info, metricType: metricTypeRaw }, keda: type, metricName: type, target, activationThreshold: 0, ignoreNullValues: false };
  }
  if (type === 'cron') {
    const timezone = requireTimezone(`${mp}.timezone`, md.timezone);
    const start = requireCronExpression(`${mp}.start`, md.start, timezone);
    const end = requireCronExpression(`${mp}.end`, md.end, timezone);
    if (start === end) throw invalid(`${mp}.end`, end, `must differ from '${mp}.start': KEDA refuses a cron window whose start and end are the same`);
    const desired = md.desiredReplicas;
    if (typeof desired !== 'string' || !/^[+-]?\d+$/.test(desired) || Number(desired) === 0) {
      throw invalid(`${mp}.desiredReplicas`, desired, 'must be a whole number other than 0, as a string (KEDA: "no desiredReplicas specified")');
    }
    const cronFormat = (s: string) => s.replace(/ /g, '').replace(/\*/g, 'x').replace(/\//g, 'Sl').replace(/\?/g, 'Qm');
    return {
      info, keda: 'cron',
      metricName: `s${index}-${normalize(`cron-${timezone}-${cronFormat(start)}-${cronFormat(end)}`)}`,
      // GetMetricTarget(metricType, 1)
      target: 1,
      activationThreshold: 0,
      ignoreNullValues: false,
      cron: { start, end, timezone, desiredReplicas: Number(desired) },
    };
  }
  if (type === 'prometheus') {
    // prometheus_scaler.go prometheusMetadata: serverAddress, query and threshold are required.
    for (const key of ['serverAddress', 'query']) {
      if (md[key] === undefined || md[key] === '') throw invalid(`${mp}.${key}`, md[key], 'must be set: KEDA\'s prometheus scaler requires it');
    }
    const threshold = parseFloatString(`${mp}.threshold`, md.threshold, 'a number');
    const activationThreshold = md.activationThreshold === undefined ? 0 : parseFloatString(`${mp}.activationThreshold`, md.activationThreshold, 'a number');
    const ignoreNullValues = md.ignoreNullValues === undefined ? true : parseBoolString(`${mp}.ignoreNullValues`, md.ignoreNullValues);
    return { info, keda: 'prometheus', metricName: `s${index}-prometheus`, target: milli(threshold), activationThreshold, ignoreNullValues };
  }
  // Other scalers are not modelled: the caller's read(i) answers for them. Their target and
  // activation are read from `threshold` / `activationThreshold` when present (1 / 0 otherwise).
  const threshold = md.threshold === undefined ? 1 : parseFloatString(`${mp}.threshold`, md.threshold, 'a number');
  const activationThreshold = md.activationThreshold === undefined ? 0 : parseFloatString(`${mp}.activationThreshold`, md.activationThreshold, 'a number');
  return { info, keda: 'other', metricName: `s${index}-${normalize(type)}`, target: milli(threshold), activationThreshold, ignoreNullValues: false };
}

function parseUtilization(prop: string, value: unknown): number {
  if (typeof value !== 'string' || !/^[+-]?\d+$/.test(value) || Number(value) < 1) {
    throw invalid(prop, value, 'must be a whole percentage of the request greater than 0, as a string, e.g. \'60\'');
  }
  return Number(value);
}

/** kedautil.NormalizeString. */
function normalize(s: string): string {
  return s.replace(/[/.:%()]/g, '-');
}

/** The External metric (or Resource metric) KEDA puts in its HPA for a trigger. */
function metricSpecOf(t: Trigger, selector: unknown): Record<string, unknown> {
  if (t.keda === 'cpu' || t.keda === 'memory') {
    const target = t.info.metricType === 'Utilization'
      ? { type: 'Utilization', averageUtilization: t.target }
      : { type: 'AverageValue', averageValue: String(t.info.metadata.value) };
    const container = t.info.metadata.containerName;
    return container !== undefined && container !== ''
      ? { type: 'ContainerResource', containerResource: { name: t.keda, container, target } }
      : { type: 'Resource', resource: { name: t.keda, target } };
  }
  const key = t.info.metricType === 'Value' ? 'value' : 'averageValue';
  return {
    type: 'External',
    external: {
      metric: { name: t.metricName, ...(selector ? { selector } : {}) },
      target: { type: t.info.metricType, [key]: milliQuantity(t.target) },
    },
  };
}

function parseModifiers(prop: string, sm: Record<string, unknown>, variables: Set<string>): Modifiers {
  // ValidateAndCompileScalingModifiers
  if (sm.formula === undefined || sm.formula === '') {
    throw invalid(`${prop}.formula`, sm.formula, 'must be set when scalingModifiers is used ("error ScalingModifiers.Formula is mandatory")');
  }
  if (sm.target === undefined || sm.target === '') {
    throw invalid(`${prop}.target`, sm.target, 'must be set with a formula ("formula is given but target is empty")');
  }
  const formula = compileFormula(`${prop}.formula`, sm.formula, variables);
  const target = typeof sm.target === 'string' ? Number(sm.target) : NaN;
  if (!(target > 0) || !Number.isFinite(target) || (sm.target as string).trim() === '') {
    throw invalid(`${prop}.target`, sm.target, 'must be a number greater than 0, as a string, e.g. \'5\'');
  }
  let activationTarget = 0;
  if (sm.activationTarget !== undefined && sm.activationTarget !== '') {
    activationTarget = typeof sm.activationTarget === 'string' && sm.activationTarget.trim() !== '' ? Number(sm.activationTarget) : NaN;
    if (!Number.isFinite(activationTarget)) {
      throw invalid(`${prop}.activationTarget`, sm.activationTarget, 'must be a number, as a string, e.g. \'1\'');
    }
  }
  const metricType = sm.metricType ?? 'AverageValue';
  if (metricType !== 'AverageValue' && metricType !== 'Value' && metricType !== '') {
    throw invalid(`${prop}.metricType`, metricType, 'must be \'AverageValue\' or \'Value\': the composite metric is an External metric');
  }
  return {
    formula,
    formulaText: sm.formula as string,
    target,
    activationTarget,
    metricType: metricType === 'Value' ? 'Value' : 'AverageValue',
  };
}
