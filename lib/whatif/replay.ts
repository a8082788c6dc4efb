import * as fs from 'fs';
import * as path from 'path';
import type { App } from 'cdk8s';
import { invalid } from '../core/_validation';
import { VllmPool } from '../vllm/vllm-pool';
import { requireGreaterThanZero, requireNonNegative, requireObject, requireWholeNumber, MAX_INT32 } from './_input';
import { HpaSimulation, HpaSpec, MetricReading } from './hpa-controller';
import { KedaSimulation, TriggerReading } from './keda-controller';
import { LoadedManifest, loadManifestsFromApp, loadManifestsFromDir, ReplayTarget, resolveTarget } from './manifests';
import { PodState, PoolModelParams, PoolSimulation, PoolSnapshot, withPoolModelDefaults } from './pool-model';
import { ReplicaProposalPod } from './replica-proposal';
import { hpaSignalReader, kedaSignalReader, SignalReader } from './signals';
import { BUILTIN_TRACE_NAMES, BuiltinTraceName, builtinTrace, checkTrace, parseTraceCsv, parseTraceJson, Trace } from './trace';


/** The pool's service-level objectives the replay counts breaches of. */
export interface ReplaySlo {
  /**
   * Time to first token, p95, in seconds: a tick whose modelled TTFT p95 is above it breaches
   * (only while requests arrive or wait: an idle pool breaches nothing).
   * @default - the pool's `slo.ttftP95` (from the App's VllmPool, or the threshold of its
   * `LlmTtftSloBreach` alert in the manifests), else 2 (VllmPool's default)
   */
  readonly ttftSeconds?: number;
  /**
   * Requests waiting per ready replica: a tick above it breaches (with no ready replica, any
   * waiting request breaches).
   * @default - the pool's `slo.queuePerReplica` (from the App's VllmPool, or the threshold of its
   * `LlmQueueBuildup` alert in the manifests), else 10 (VllmPool's default)
   */
  readonly queuePerReplica?: number;
}

/** What to replay: manifests or an App, one autoscaler in it, and a traffic trace. */
export interface ReplayOptions {
  /**
   * A cdk8s App holding the target (synthesized in memory; nothing is written).
   * @default - give `manifests` instead; exactly one of `app` and `manifests`
   */
  readonly app?: App;
  /**
   * A directory of YAML manifests (read recursively, `*.yaml`/`*.yml`), or parsed manifests.
   * @default - give `app` instead; exactly one of `app` and `manifests`
   */
  readonly manifests?: string | ReadonlyArray<LoadedManifest>;
  /** `namespace/name` of a HorizontalPodAutoscaler or KEDA ScaledObject. */
  readonly target: string;
  /** A Trace, a built-in shape (`surge`, `diurnal`, `spike`, `ramp`), or the path of a `.csv` or `.json` trace. */
  readonly trace: Trace | BuiltinTraceName | string;
  /**
   * Overrides of the pool model's parameters (see `PoolModelParams`).
   * @default - derived from the target's Deployment (vLLM args, accelerators, load budget), then the model's defaults
   */
  readonly pool?: Partial<PoolModelParams>;
  /**
   * Price per accelerator-hour, for the cost.
   * @default - no cost computed
   */
  readonly prices?: { readonly perAcceleratorHour: number; readonly currency?: string };
  /**
   * The SLO whose breaches are counted.
   * @default - the pool's own SLO where the input shows it, else VllmPool's defaults
   */
  readonly slo?: ReplaySlo;
  /**
   * Replicas at the start of the trace, all Ready (a steady state).
   * @default - the autoscaler's minimum (HPA `minReplicas` or 1; ScaledObject `minReplicaCount` or 0)
   */
  readonly initialReplicas?: number;
  /**
   * Called with the fraction done (0 to 1), about every 2 % of the trace and at the end.
   * @default - no progress reported
   */
  readonly onProgress?: (fraction: number) => void;
}

/**
 * The time series of a replay, one value per trace point (index-aligned with `t`), sampled at
 * the point's time. The summary integrates over every internal tick.
 */
export interface ReplaySeries {
  /** Seconds since the trace start, one per trace step. */
  readonly t: number[];
  /** Arriving requests per second. */
  readonly traffic: number[];
  /** Replicas the autoscaler set (the Deployment's spec.replicas). */
  readonly desired: number[];
  /** Ready replicas. */
  readonly ready: number[];
  /** Requests waiting, pool total. */
  readonly waiting: number[];
  /** Estimated wait of a request arriving now, seconds. */
  readonly estimatedWaitSeconds: number[];
  /** Modelled TTFT p95, seconds. */
  readonly ttftP95: number[];
  /** Whether this step is over the SLO. */
  readonly sloBreach: boolean[];
  /** Whether KEDA's fallback replicas are in force (always false for an HPA). */
  readonly fallbackActive: boolean[];
}

/** The summary of a replay. */
export interface ReplaySummary {
  /** Minutes over the SLO (TTFT p95 or queue per replica). */
  readonly sloBreachMinutes: number;
  /** The largest pool-wide queue. */
  readonly maxWaiting: number;
  /** Times the desired replicas went up. */
  readonly scaleUps: number;
  /** Times the desired replicas went down. */
  readonly scaleDowns: number;
  /**
   * Seconds from the first wake (desired 0 → ≥ 1) to the first Ready replica after it.
   * @default - absent when the pool never woke from zero (or the trace ended first)
   */
  readonly firstReadyAfterWakeSeconds?: number;
  /** Accelerator-hours held: every pod that exists (Pending, loading, Ready or terminating) × accelerators per replica. */
  readonly gpuHours: number;
  /**
   * `gpuHours × prices.perAcceleratorHour`.
   * @default - absent without `prices`
   */
  readonly cost?: number;
  /**
   * `prices.currency`.
   * @default - absent without it
   */
  readonly currency?: string;
  /** The largest desired replica count. */
  readonly peakReplicas: number;
  /** Minutes at the autoscaler's maximum replicas. */
  readonly minutesAtMax: number;
}

/** What `replay()` returns. */
export interface ReplayResult {
  /** `namespace/name` of the autoscaler. */
  readonly target: string;
  /** The trace's wall-clock start (ISO with offset). */
  readonly startTime: string;
  /** Seconds between two points of the series. */
  readonly stepSeconds: number;
  /** The time series. */
  readonly series: ReplaySeries;
  /** Scale events, wakes, readiness, KEDA events and Prometheus outages, in time order. */
  readonly events: Array<{ t: number; message: string }>;
  /** The numbers. */
  readonly summary: ReplaySummary;
  /** What deserves a look: time at max, flapping, fallback that cannot trigger, signals the model cannot produce. */
  readonly warnings: string[];
}

/** Flapping: this many direction changes of the desired replicas within `FLAP_WINDOW_SECONDS` or more. */
const FLAP_MIN_CHANGES = 4;
const FLAP_WINDOW_SECONDS = 600;
/** The longest internal tick: the HPA's sync period and the usual KEDA pollingInterval. */
const TICK_SECONDS = 15;
/** Snapshots kept for the queries' look-back (range vectors, subqueries): 17 h at 15 s. */
const HISTORY_KEEP = 4096;
const KEDA_HPA_EVENT = /^hpa: \d+ -> \d+$/;
/** VllmPool's default SLO (lib/vllm/vllm-pool.ts). */
const DEFAULT_TTFT_SECONDS = 2;
const DEFAULT_QUEUE_PER_REPLICA = 10;

/**
 * Replays a traffic trace through one autoscaler exactly as synthesized (an autoscaling/v2
 * HPA or a KEDA ScaledObject) and a model of the pool it scales.
 *
 * Time advances in ticks: each trace step, split evenly into ticks of at most 15 s (a 15 s
 * trace has one tick per point; a 60 s trace four). At every tick the pool model advances to
 * the tick's time (at the rate that held since the last tick); then the autoscaler acts: an HPA
 * syncs every 15 s (the controller's default `--horizontal-pod-autoscaler-sync-period`), a
 * ScaledObject is stepped every tick and
 * polls per its `pollingInterval` (its HPA syncs every 15 s in between). Every metric is read
 * from the pool model through the manifests' own queries (prometheus-adapter rules, KEDA
 * trigger queries); during a Prometheus outage of the trace every reading through Prometheus is
 * an error (the resource metrics API of metrics-server, which HPA Resource metrics and KEDA
 * cpu / memory triggers read, is assumed up). The
 * desired replicas are applied to the pool model at once (new pods become Ready after
 * `readySeconds`).
 *
 * Errors name the prop, the file or the line: an unknown target, a manifest that is not an
 * autoscaler, a bad trace (negative or non-numeric rates, unsorted times, missing columns).
 *
 * @example
 * const result = replay({ manifests: 'dist', target: 'litellm/llama-3-3-70b', trace: 'surge', prices: { perAcceleratorHour: 2.5 } });
 * console.log(result.summary.sloBreachMinutes, result.warnings);
 */
export function replay(options: ReplayOptions): ReplayResult {
  requireObject('options', options);
  if (typeof options.target !== 'string') throw invalid('target', options.target, 'must be a string \'namespace/name\' of a HorizontalPodAutoscaler or ScaledObject');
  const manifests = loadInput(options);
  const target = resolveTarget(manifests, options.target);
  const trace = loadTrace(options.trace);
  const prices = checkPrices(options.prices);
  const slo = resolveSlo(options, target, manifests);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw invalid('onProgress', options.onProgress, 'must be a function (fraction: number) => void');
  }
  const params: PoolModelParams = withPoolModelDefaults({ ...(target.pool?.params ?? {}), ...checkPoolOverrides(options.pool) });
  const requests: Record<string, number> = { ...target.podRequests };

  // The autoscaler; its errors name the file and the object ('dist/x.k8s.yaml ScaledObject ns/name.spec...').
  const where = `${target.file} ${target.kind} ${target.namespace}/${target.name}`;
  let keda: KedaSimulation | undefined;
  let hpa: HpaSimulation | undefined;
  let reader: SignalReader;
  let spec: HpaSpec;
  if (target.kind === 'ScaledObject') {
    keda = new KedaSimulation(target.object, trace.startTime, where);
    spec = keda.hpaSpec;
    reader = kedaSignalReader(target);
  } else {
    spec = (target.object?.spec ?? {}) as HpaSpec;
    hpa = new HpaSimulation(spec, undefined, `${where}.spec`);
    reader = hpaSignalReader(target);
  }
  const minReplicas = keda
    ? numberOr(target.object?.spec?.minReplicaCount, 0)
    : numberOr(spec.minReplicas, 1);
  const maxReplicas = spec.maxReplicas;
  // An HPA without metrics scales on CPU at 80 % (the API server's default): the reader describes it.
  const metricCount = reader.describe.length;
  let initial = minReplicas;
  if (options.initialReplicas !== undefined) {
    requireWholeNumber('initialReplicas', options.initialReplicas, 0, MAX_INT32);
    initial = options.initialReplicas;
  }

  // What a Prometheus outage breaks: everything read through Prometheus (prometheus-adapter
  // metrics, KEDA prometheus triggers), not the resource metrics API (metrics-server: HPA
  // Resource / ContainerResource metrics, KEDA cpu / memory triggers), nor KEDA's cron.
  const viaPrometheus: boolean[] = keda
    ? keda.triggers.map(tr => !['cpu', 'memory', 'cron'].includes(tr.type))
    : reader.describe.map((_, i) => {
      const m: any = Array.isArray(spec.metrics) ? spec.metrics[i] : undefined;
      return m !== undefined && m?.type !== 'Resource' && m?.type !== 'ContainerResource';
    });

  const pool = new PoolSimulation(params, initial, 'pool');
  const gpusPerReplica = params.gpusPerReplica;
  const terminationSeconds = params.terminationSeconds ?? 0;

  const warnings: string[] = [];
  for (const d of reader.describe) {
    if (!d.supported) warnings.push(`signal not modelled: ${keda ? 'trigger' : 'metric'} ${d.index} (${d.source}) reads as an error${d.why ? `: ${d.why}` : ''}`);
  }
  if (keda) warnings.push(...fallbackWarnings(target.object));
  if (target.pool?.vllm !== true && options.pool === undefined) {
    warnings.push(`not a vLLM pool: the pool model's defaults (${params.maxConcurrentRequests} concurrent requests per replica, ${params.requestSeconds} s each) describe a model server; pass 'pool' to describe this workload`);
  }

  const n = trace.points.length;
  const series: ReplaySeries = {
    t: new Array(n), traffic: new Array(n), desired: new Array(n), ready: new Array(n), waiting: new Array(n),
    estimatedWaitSeconds: new Array(n), ttftP95: new Array(n), sloBreach: new Array(n), fallbackActive: new Array(n),
  };
  const events: Array<{ t: number; message: string }> = [];
  const history: PoolSnapshot[] = [];
  const outages = [...trace.outages].sort((a, b) => a.from - b.from);
  const end = trace.durationSeconds ?? trace.points[n - 1].t + trace.stepSeconds;

  let desired = initial;
  let nextHpaSync = 0;
  let outageIndex = 0;
  let inOutage = false;
  let fallbackActive = false;
  let wakeAt: number | undefined;
  let firstReadyAfterWake: number | undefined;
  let scaleUps = 0;
  let scaleDowns = 0;
  let gpuSeconds = 0;
  let breachSeconds = 0;
  let atMaxSeconds = 0;
  let maxWaiting = 0;
  let peak = initial;
  const directionChanges: number[] = [];
  let lastDirection = 0;
  const progressEvery = Math.max(1, Math.floor(n / 50));
  const errorReading = { kind: 'error', reason: 'Prometheus is down' } as const;

  let rate = trace.points[0].requestsPerSecond;
  let rateTokens = tokensOf(trace.points[0]);
  for (let i = 0; i < n; i++) {
    const point = trace.points[i];
    const stepEnd = i + 1 < n ? trace.points[i + 1].t : Math.max(end, point.t + 1e-9);
    const tokens = tokensOf(point);
    // Internal ticks of at most TICK_SECONDS, evenly over the step: the controllers act at
    // their own periods (15 s) whatever the trace's resolution. The series take the first.
    const ticks = Math.max(1, Math.ceil((stepEnd - point.t) / TICK_SECONDS - 1e-9));
    const dt = (stepEnd - point.t) / ticks;
    for (let k = 0; k < ticks; k++) {
      const t = k === 0 ? point.t : point.t + k * dt;
      // advance() integrates the interval that ends at t: at the rate that held over it, the
      // previous point's at a point boundary.
      const snapshot = pool.advance(t, rate, rateTokens);
      rate = point.requestsPerSecond;
      rateTokens = tokens;
      history.push(snapshot);
      // Queries look back hours at most: keep at least HISTORY_KEEP snapshots, not the whole trace.
      if (history.length >= 2 * HISTORY_KEEP) history.splice(0, HISTORY_KEEP);

      // Prometheus outages: [from, to).
      while (outageIndex < outages.length && outages[outageIndex].to <= t) outageIndex++;
      const down = outageIndex < outages.length && outages[outageIndex].from <= t;
      if (down !== inOutage) {
        events.push({ t, message: down ? 'Prometheus down: every query fails' : 'Prometheus back' });
        inOutage = down;
      }

      // The autoscaler.
      const before = desired;
      let reason: string | undefined;
      if (keda) {
        const result = keda.step(t, desired, proposalPods(snapshot.pods, t, requests), index =>
          down && viaPrometheus[index] ? errorReading : reader.read(index, snapshot, history) as TriggerReading);
        desired = result.desiredReplicas;
        fallbackActive = result.fallbackActive;
        // 'hpa: a -> b' is the scale event below; the rest (activation, cooldown, fallback) are KEDA's own.
        for (const e of result.events) if (!KEDA_HPA_EVENT.test(e)) events.push({ t, message: `KEDA: ${e}` });
      } else if (hpa && t >= nextHpaSync) {
        const readings: MetricReading[] = new Array(metricCount);
        for (let m = 0; m < metricCount; m++) {
          readings[m] = down && viaPrometheus[m] ? errorReading : reader.read(m, snapshot, history) as MetricReading;
        }
        const result = hpa.sync({ now: t, currentReplicas: desired, pods: proposalPods(snapshot.pods, t, requests), readings });
        desired = result.desiredReplicas;
        reason = result.reason;
        while (nextHpaSync <= t) nextHpaSync += hpa.syncPeriodSeconds;
      }
      if (desired !== before) {
        const direction = desired > before ? 1 : -1;
        if (direction > 0) scaleUps++; else scaleDowns++;
        if (lastDirection !== 0 && direction !== lastDirection) directionChanges.push(t);
        lastDirection = direction;
        events.push({ t, message: `scale ${direction > 0 ? 'up' : 'down'}: ${before} -> ${desired}${reason ? ` (${reason})` : ''}` });
        if (before === 0 && wakeAt === undefined && snapshot.readyReplicas === 0) wakeAt = t;
        pool.scaleTo(t, desired);
      }
      const ready = snapshot.readyReplicas;
      if (wakeAt !== undefined && firstReadyAfterWake === undefined && ready > 0 && t > wakeAt) {
        firstReadyAfterWake = t - wakeAt;
        events.push({ t, message: `first replica ready ${firstReadyAfterWake} s after the wake` });
      }

      // Only requests can breach: an idle pool (nothing arriving, nothing waiting) does not,
      // whatever a request arriving now would wait.
      const breach = (snapshot.arrivalsPerSecond > 0 || snapshot.waiting > 0)
        && (snapshot.ttftP95 > slo.ttftSeconds || (ready === 0 ? snapshot.waiting > 0 : snapshot.waiting / ready > slo.queuePerReplica));
      if (k === 0) {
        series.t[i] = t;
        series.traffic[i] = point.requestsPerSecond;
        series.desired[i] = desired;
        series.ready[i] = ready;
        series.waiting[i] = snapshot.waiting;
        series.estimatedWaitSeconds[i] = snapshot.estimatedWaitSeconds;
        series.ttftP95[i] = snapshot.ttftP95;
        series.sloBreach[i] = breach;
        series.fallbackActive[i] = fallbackActive;
      }

      // This tick's state holds until the next one. Every pod that exists holds its
      // accelerators: the Deployment's pods after this tick's scale (a scale-up's from now on)
      // and the terminating ones until they are gone.
      let terminating = desired < before && terminationSeconds > 0 ? before - desired : 0;
      for (const p of snapshot.pods) if (p.deleting) terminating++;
      const pods = desired + terminating;
      gpuSeconds += pods * gpusPerReplica * dt;
      if (breach) breachSeconds += dt;
      if (desired >= maxReplicas) atMaxSeconds += dt;
      if (snapshot.waiting > maxWaiting) maxWaiting = snapshot.waiting;
      if (desired > peak) peak = desired;
    }
    if (options.onProgress && (i % progressEvery === 0 || i === n - 1)) options.onProgress((i + 1) / n);
  }

  const flaps = maxInWindow(directionChanges, FLAP_WINDOW_SECONDS);
  const minutesAtMax = atMaxSeconds / 60;
  if (Math.round(minutesAtMax) >= 1) warnings.unshift(`at max replicas for ${Math.round(minutesAtMax)} min`);
  if (flaps >= FLAP_MIN_CHANGES) warnings.push(`flapping: ${flaps} direction changes in ${FLAP_WINDOW_SECONDS / 60} min`);

  const gpuHours = gpuSeconds / 3600;
  const summary: ReplaySummary = {
    sloBreachMinutes: breachSeconds / 60,
    maxWaiting,
    scaleUps,
    scaleDowns,
    ...(firstReadyAfterWake !== undefined ? { firstReadyAfterWakeSeconds: firstReadyAfterWake } : {}),
    gpuHours,
    ...(prices ? { cost: gpuHours * prices.perAcceleratorHour } : {}),
    ...(prices?.currency !== undefined ? { currency: prices.currency } : {}),
    peakReplicas: peak,
    minutesAtMax,
  };
  return { target: `${target.namespace}/${target.name}`, startTime: trace.startTime, stepSeconds: trace.stepSeconds, series, events, summary, warnings };
}

/** The manifests of `app` or `manifests`, exactly one of them. */
function loadInput(options: ReplayOptions): ReadonlyArray<LoadedManifest> {
  if ((options.app === undefined) === (options.manifests === undefined)) {
    throw invalid('manifests', options.manifests === undefined ? undefined : '...', 'give exactly one of \'app\' and \'manifests\'');
  }
  if (options.app !== undefined) {
    if (typeof options.app !== 'object' || options.app === null || typeof (options.app as any).synth !== 'function') {
      throw invalid('app', options.app, 'must be a cdk8s App');
    }
    return loadManifestsFromApp(options.app);
  }
  const m = options.manifests;
  if (typeof m === 'string') {
    if (!fs.existsSync(m) || !fs.statSync(m).isDirectory()) throw invalid('manifests', m, 'must be a directory of YAML manifests');
    return loadManifestsFromDir(m);
  }
  if (!Array.isArray(m)) throw invalid('manifests', m, 'must be a directory path or an array of { object, file }');
  m.forEach((entry, i) => {
    if (typeof entry !== 'object' || entry === null || typeof entry.object !== 'object' || entry.object === null || typeof entry.file !== 'string') {
      throw invalid(`manifests[${i}]`, entry, 'must be { object, file } with the Kubernetes object and the file it came from');
    }
  });
  return m;
}

/** A Trace, a built-in name, or a CSV/JSON file. */
function loadTrace(trace: ReplayOptions['trace']): Trace {
  if (typeof trace === 'string') {
    if ((BUILTIN_TRACE_NAMES as readonly string[]).includes(trace)) return builtinTrace(trace as BuiltinTraceName);
    const ext = path.extname(trace).toLowerCase();
    if (ext !== '.csv' && ext !== '.json') {
      throw invalid('trace', trace, `must be ${BUILTIN_TRACE_NAMES.map(b => `'${b}'`).join(', ')} or the path of a .csv or .json trace`);
    }
    let text: string;
    try {
      text = fs.readFileSync(trace, 'utf8');
    } catch (e) {
      throw invalid('trace', trace, `cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return ext === '.csv' ? parseTraceCsv(text, trace) : parseTraceJson(text, trace);
  }
  return checkTrace(trace, 'trace');
}

function checkPrices(prices: ReplayOptions['prices']): ReplayOptions['prices'] {
  if (prices === undefined) return undefined;
  requireObject('prices', prices);
  requireNonNegative('prices.perAcceleratorHour', prices.perAcceleratorHour);
  if (prices.currency !== undefined && typeof prices.currency !== 'string') throw invalid('prices.currency', prices.currency, 'must be a string');
  return prices;
}

function checkPoolOverrides(pool: ReplayOptions['pool']): Partial<PoolModelParams> {
  if (pool === undefined) return {};
  requireObject('pool', pool);
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(pool)) {
    if (value === undefined) continue;
    requireNonNegative(`pool.${key}`, value);
    out[key] = value;
  }
  return out as Partial<PoolModelParams>;
}

/** The SLO: the option, else the pool's own (App VllmPool, or its alerts in the manifests), else VllmPool's defaults. */
function resolveSlo(options: ReplayOptions, target: ReplayTarget, manifests: ReadonlyArray<LoadedManifest>): Required<ReplaySlo> {
  if (options.slo !== undefined) requireObject('slo', options.slo);
  const given = options.slo ?? {};
  if (given.ttftSeconds !== undefined) requireGreaterThanZero('slo.ttftSeconds', given.ttftSeconds);
  if (given.queuePerReplica !== undefined) requireGreaterThanZero('slo.queuePerReplica', given.queuePerReplica);
  const poolName = target.pool?.name ?? target.deployment?.metadata?.name;
  const fromApp = options.app && poolName ? sloFromApp(options.app, target.namespace, poolName) : {};
  const fromAlerts = poolName ? sloFromAlerts(manifests, target.namespace, poolName) : {};
  return {
    ttftSeconds: given.ttftSeconds ?? fromApp.ttftSeconds ?? fromAlerts.ttftSeconds ?? DEFAULT_TTFT_SECONDS,
    queuePerReplica: given.queuePerReplica ?? fromApp.queuePerReplica ?? fromAlerts.queuePerReplica ?? DEFAULT_QUEUE_PER_REPLICA,
  };
}

/** The SLO of the App's VllmPool of that name and namespace. */
function sloFromApp(app: App, namespace: string, pool: string): ReplaySlo {
  for (const c of app.node.findAll()) {
    if (c instanceof VllmPool && c.name === pool && c.namespace === namespace) {
      return { ttftSeconds: c.slo.ttftP95.toMilliseconds() / 1000, queuePerReplica: c.slo.queuePerReplica };
    }
  }
  return {};
}

/**
 * The pool's SLO as its ServingAlerts render it (lib/alerts/serving-alerts.ts): the threshold
 * after the last `>` of `LlmTtftSloBreach` and `LlmQueueBuildup`, matched by their `namespace`
 * and `pool` labels.
 */
function sloFromAlerts(manifests: ReadonlyArray<LoadedManifest>, namespace: string, pool: string): ReplaySlo {
  const out: { ttftSeconds?: number; queuePerReplica?: number } = {};
  for (const { object } of manifests) {
    if (object?.kind !== 'PrometheusRule' || !Array.isArray(object?.spec?.groups)) continue;
    for (const group of object.spec.groups) {
      if (!Array.isArray(group?.rules)) continue;
      for (const rule of group.rules) {
        if (rule?.labels?.pool !== pool || rule?.labels?.namespace !== namespace || typeof rule?.expr !== 'string') continue;
        const m = />\s*([0-9.eE+-]+)\s*$/.exec(rule.expr);
        const value = m ? Number(m[1]) : NaN;
        if (!Number.isFinite(value) || value <= 0) continue;
        if (rule.alert === 'LlmTtftSloBreach') out.ttftSeconds = value;
        if (rule.alert === 'LlmQueueBuildup') out.queuePerReplica = value;
      }
    }
  }
  return out;
}

/**
 * "fallback never triggers" when a prometheus trigger has `ignoreNullValues` true: KEDA's
 * prometheus scaler then reads an empty result as 0 instead of failing, so no failure is
 * counted towards `fallback.failureThreshold` when the series disappear (only when Prometheus
 * itself cannot be reached). KEDA's default for `ignoreNullValues` is true (FACTS.md §C, prometheus scaler).
 * @see https://github.com/kedacore/keda/blob/v2.18.0/pkg/scalers/prometheus_scaler.go
 */
function fallbackWarnings(scaledObject: any): string[] {
  const spec = scaledObject?.spec ?? {};
  if (spec.fallback === undefined || !Array.isArray(spec.triggers)) return [];
  const names: string[] = [];
  let defaulted = false;
  spec.triggers.forEach((trigger: any, i: number) => {
    if (trigger?.type !== 'prometheus') return;
    const raw = trigger?.metadata?.ignoreNullValues;
    if (raw !== undefined && String(raw).toLowerCase() !== 'true') return;
    defaulted ||= raw === undefined;
    names.push(typeof trigger.name === 'string' && trigger.name !== '' ? `'${trigger.name}'` : `#${i}`);
  });
  if (names.length === 0) return [];
  return [`fallback never triggers: ignoreNullValues is true on trigger${names.length > 1 ? 's' : ''} ${names.join(', ')}`
    + `${defaulted ? ' (KEDA\'s default where unset)' : ''}: a query that returns no series reads 0 instead of failing, so only an unreachable Prometheus counts towards fallback.failureThreshold`];
}

/** The pods as the HPA's replica calculator sees them. */
function proposalPods(pods: ReadonlyArray<PodState>, now: number, requests: Record<string, number>): ReplicaProposalPod[] {
  const out: ReplicaProposalPod[] = new Array(pods.length);
  for (let i = 0; i < pods.length; i++) {
    const p = pods[i];
    out[i] = {
      name: p.name,
      phase: p.phase,
      ready: p.ready,
      deleting: p.deleting,
      startedSecondsAgo: now - p.createdAt,
      lastReadyTransitionSecondsAgo: now - (p.readyAt ?? p.createdAt),
      requests,
    };
  }
  return out;
}

/** The token sizes of a trace point, for the pool model. */
function tokensOf(point: Trace['points'][number]): { prompt?: number; output?: number } | undefined {
  return point.promptTokens !== undefined || point.outputTokens !== undefined
    ? { prompt: point.promptTokens, output: point.outputTokens }
    : undefined;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** The most timestamps within any window of `seconds`. */
function maxInWindow(times: number[], seconds: number): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end] - times[start] >= seconds) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

