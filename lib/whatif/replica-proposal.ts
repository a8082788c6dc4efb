import { invalid } from '../core/_validation';
import {
  MAX_INT32, requireArray, requireBoolean, requireFinite, requireGreaterThanZero, requireNonNegative, requireObject,
  requireOneOf, requireWholeNumber,
} from './_input';
import { DEFAULT_CPU_INITIALIZATION_PERIOD_SECONDS, DEFAULT_INITIAL_READINESS_DELAY_SECONDS, DEFAULT_TOLERANCE } from './_hpa-defaults';

/*
 * A port of the Kubernetes HPA replica calculator, for what-if replays.
 *
 * Source read: kubernetes/kubernetes master as stored by the search index (the version with the
 * `Tolerances` struct and `calculateRequests` with pod-level requests, i.e. the v1.33/v1.34 line):
 *   pkg/controller/podautoscaler/replica_calculator.go  GetResourceReplicas, GetRawResourceReplicas,
 *     GetMetricReplicas, calcPlainMetricReplicas, GetObjectMetricReplicas, getUsageRatioReplicaCount,
 *     GetObjectPerPodMetricReplicas, getReadyPodsCount, GetExternalMetricReplicas,
 *     GetExternalPerPodMetricReplicas, groupPods, calculateRequests, removeMetricsForPods
 *   pkg/controller/podautoscaler/metrics/utilization.go  GetResourceUtilizationRatio, GetMetricUsageRatio
 *   pkg/controller/podautoscaler/horizontal.go  computeStatusForResourceMetricGeneric,
 *     computeStatusForPodsMetric, computeStatusForObjectMetric, computeStatusForExternalMetric
 * The controller works in int64 milli-units (Quantity.MilliValue(), which rounds up) and int32
 * replica counts; this port does the same so that integer divisions truncate where Go truncates.
 */

/** Where a metric comes from, as in an HPA v2 `spec.metrics[].type`. */
export type ReplicaMetricSource = 'Resource' | 'ContainerResource' | 'Pods' | 'Object' | 'External';

/**
 * What the metric is compared with, as in an HPA v2 `MetricTarget`. Numbers are in base units
 * (cores for cpu, bytes for memory, the metric's own unit otherwise).
 */
export type ReplicaProposalTarget =
  | { readonly type: 'Utilization'; readonly averageUtilization: number }
  | { readonly type: 'AverageValue'; readonly averageValue: number }
  | { readonly type: 'Value'; readonly value: number };

/** A pod the HPA's selector matches, as the controller sees it in its pod lister. */
export interface ReplicaProposalPod {
  /** Pod name; keys `podMetrics` and `podMetricWindowSeconds`. */
  readonly name: string;
  /** `status.phase`. */
  readonly phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  /** The pod's `Ready` condition is `True`. */
  readonly ready: boolean;
  /**
   * The pod has a deletion timestamp (it is terminating); the controller ignores it.
   * @default false
   */
  readonly deleting?: boolean;
  /**
   * Seconds since `status.startTime`.
   * @default `lastReadyTransitionSecondsAgo` if given, else a start long ago (outside every initialization period)
   */
  readonly startedSecondsAgo?: number;
  /**
   * Seconds since the `Ready` condition's `lastTransitionTime`.
   * @default the pod's start (`startedSecondsAgo`)
   */
  readonly lastReadyTransitionSecondsAgo?: number;
  /**
   * Requests by resource name in base units, summed over the pod's containers (for a
   * ContainerResource metric: the named container's request). Needed for `Utilization` targets.
   * @default no requests
   */
  readonly requests?: Record<string, number>;
}

/** Everything `proposeReplicas` needs: one HPA metric, the target's pods and what was sampled. */
export interface ReplicaProposalInput {
  /** The scale target's replicas (`scale.spec.replicas`; also used where the controller reads `status.replicas`). */
  readonly currentReplicas: number;
  /** The metric's source type. */
  readonly source: ReplicaMetricSource;
  /**
   * The resource name for `Resource` and `ContainerResource` (`'cpu'`, `'memory'`, ...). The
   * CPU initialization rules apply only to `'cpu'`.
   * @default none (required for Resource and ContainerResource)
   */
  readonly resource?: string;
  /** The metric target. */
  readonly target: ReplicaProposalTarget;
  /**
   * The controller's tolerance (`--horizontal-pod-autoscaler-tolerance`), applied to both
   * directions (the scale-up and scale-down tolerance of newer controllers).
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
   * The pods the HPA's selector matches. Required for Resource, ContainerResource and Pods
   * metrics. For Object and External `Value` targets only the ready ones are counted.
   * @default none; for Object/External `Value` targets: `currentReplicas` running, ready pods
   */
  readonly pods?: ReplicaProposalPod[];
  /**
   * Pod name to the sample taken now, in base units. A pod without an entry has a missing
   * metric; entries for pods not in `pods` are kept, as the controller keeps them.
   * @default no samples
   */
  readonly podMetrics?: Record<string, number>;
  /**
   * Pod name to the sample's window in seconds (metrics-server's window).
   * @default 30 for every pod
   */
  readonly podMetricWindowSeconds?: Record<string, number>;
  /**
   * The single value of an Object metric (a one-element `values` is accepted too), or of an
   * External metric with one series.
   * @default none
   */
  readonly value?: number;
  /**
   * The values of an External metric's series; the controller sums them.
   * @default `[value]`
   */
  readonly values?: number[];
}

/** The replica count one metric proposes, with the metric's current reading. */
export interface ReplicaProposal {
  /** Proposed replicas (`replicaCountProposal`), before min/max and behavior. */
  readonly replicas: number;
  /**
   * The current reading in base units as the HPA reports it in `status.currentMetrics`: the
   * average per pod for Resource/Pods and for `AverageValue` Object/External targets, the
   * value (sum of series) for `Value` targets.
   * @default absent only for per-pod (`AverageValue`) Object/External targets at 0 replicas
   */
  readonly usage?: number;
  /**
   * Current average utilization in percent of requests, truncated to a whole number.
   * @default absent for targets other than `Utilization`
   */
  readonly utilization?: number;
}

const SOURCES: readonly ReplicaMetricSource[] = ['Resource', 'ContainerResource', 'Pods', 'Object', 'External'];
const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;
const DEFAULT_METRIC_WINDOW = 30;

/** Checked input, with defaults applied. */
interface Checked {
  readonly currentReplicas: number;
  readonly source: ReplicaMetricSource;
  readonly resource: string;
  readonly target: ReplicaProposalTarget;
  readonly tolerance: number;
  readonly cpuInitializationPeriod: number;
  readonly readinessDelay: number;
  readonly pods: ReplicaProposalPod[] | undefined;
  readonly podMetrics: Record<string, number>;
  readonly windows: Record<string, number>;
  readonly value: number | undefined;
  readonly values: number[] | undefined;
}

/**
 * The number of replicas one HPA metric proposes, computed exactly as the Kubernetes HPA
 * controller's replica calculator does (tolerance, ignored deleted/failed pods, unready and
 * pending pods, the CPU initialization period and initial readiness delay, missing metrics
 * assumed at 100 % of the request or the target on scale-down and 0 on scale-up, the
 * direction-change guard, Object/External `Value` targets scaled on ready pods, per-pod targets
 * on current replicas).
 *
 * Where the controller cannot compute a proposal (no pods, no usable sample, a missing
 * request for a `Utilization` target, a sample set that matches no listed pod) it records an
 * error condition and does not scale on this metric; this function throws the library's error
 * naming the field instead. Invalid input also throws, naming the field.
 */
export function proposeReplicas(input: ReplicaProposalInput): ReplicaProposal {
  const c = check(input);
  switch (c.source) {
    case 'Resource':
    case 'ContainerResource':
      // horizontal.go computeStatusForResourceMetricGeneric: AverageValue -> GetRawResourceReplicas,
      // AverageUtilization -> GetResourceReplicas.
      if (c.target.type === 'AverageValue') {
        const r = calcPlainMetricReplicas(c, toMilli(c.target.averageValue), c.resource);
        return { replicas: r.replicas, usage: fromMilli(r.usage) };
      }
      return resourceUtilizationReplicas(c, (c.target as { averageUtilization: number }).averageUtilization);
    case 'Pods': {
      // GetMetricReplicas: plain metric, no resource name, so no CPU readiness rules.
      const r = calcPlainMetricReplicas(c, toMilli((c.target as { averageValue: number }).averageValue), '');
      return { replicas: r.replicas, usage: fromMilli(r.usage) };
    }
    case 'Object':
      return c.target.type === 'Value'
        ? objectValueReplicas(c, toMilli(c.value!), toMilli(c.target.value))
        : perPodReplicas(c, toMilli(c.value!), toMilli((c.target as { averageValue: number }).averageValue));
    case 'External': {
      const usage = (c.values ?? [c.value!]).reduce((sum, v) => sum + toMilli(v), 0);
      return c.target.type === 'Value'
        ? objectValueReplicas(c, usage, toMilli(c.target.value))
        : perPodReplicas(c, usage, toMilli((c.target as { averageValue: number }).averageValue));
    }
  }
}

/** `Tolerances.isWithin`: (1 - down) <= ratio <= (1 + up); here down = up = tolerance. */
function isWithin(tolerance: number, usageRatio: number): boolean {
  return 1.0 - tolerance <= usageRatio && usageRatio <= 1.0 + tolerance;
}

/**
 * `resource.Quantity.MilliValue()`: the value in thousandths, rounded up. Base-unit inputs such
 * as 0.3 are first snapped to the nearest thousandth when they are within float noise of it.
 */
function toMilli(value: number): number {
  const scaled = value * 1000;
  const nearest = Math.round(scaled);
  return Math.abs(scaled - nearest) < 1e-6 ? nearest : Math.ceil(scaled);
}

function fromMilli(milli: number): number {
  return milli / 1000;
}

/** Go's int32(math.Ceil(x)) for a non-negative count, capped at MaxInt32 as the controller caps. */
function ceilReplicas(x: number): number {
  if (x > MAX_INT32) return MAX_INT32;
  return Math.ceil(x);
}

interface PodGroups {
  readyPodCount: number;
  unreadyPods: Set<string>;
  missingPods: Set<string>;
  ignoredPods: Set<string>;
}

/**
 * replica_calculator.go `groupPods`. Ignored: deleting or Failed. Unready: Pending; for the
 * `cpu` resource also a pod still inside the CPU initialization period that is not ready or
 * whose sample window started before its last readiness transition, and after that period a
 * pod that is not ready and never became ready within the initial readiness delay of its start.
 * Missing: no sample. The sample is taken now, so "metric.Timestamp before lastTransition +
 * window" reads "lastReadyTransitionSecondsAgo < window".
 */
function groupPods(c: Checked, pods: ReplicaProposalPod[], metrics: Map<string, number>, resource: string): PodGroups {
  const groups: PodGroups = { readyPodCount: 0, unreadyPods: new Set(), missingPods: new Set(), ignoredPods: new Set() };
  for (const pod of pods) {
    if (pod.deleting === true || pod.phase === 'Failed') {
      groups.ignoredPods.add(pod.name);
      continue;
    }
    if (pod.phase === 'Pending') {
      groups.unreadyPods.add(pod.name);
      continue;
    }
    if (!metrics.has(pod.name)) {
      groups.missingPods.add(pod.name);
      continue;
    }
    if (resource === 'cpu') {
      // Unknown times: a start at the readiness transition (or long ago), a transition at the start.
      const started = pod.startedSecondsAgo ?? pod.lastReadyTransitionSecondsAgo ?? Infinity;
      const transition = pod.lastReadyTransitionSecondsAgo ?? started;
      let unready: boolean;
      if (started < c.cpuInitializationPeriod) {
        // Pod still within possible initialisation period: ignore the sample if the pod is
        // unready or one window of metric wasn't collected since the last state transition.
        const window = own(c.windows, pod.name) ?? DEFAULT_METRIC_WINDOW;
        unready = !pod.ready || transition < window;
      } else {
        // Ignore the metric if the pod is unready and it has never been ready: the readiness
        // transition came less than the initial readiness delay after the start.
        const transitionAfterStart = started === transition ? 0 : started - transition;
        unready = !pod.ready && transitionAfterStart < c.readinessDelay;
      }
      if (unready) {
        groups.unreadyPods.add(pod.name);
        continue;
      }
    }
    groups.readyPodCount++;
  }
  return groups;
}

/** An own property of a record (never one inherited from Object.prototype). */
function own(record: Record<string, number>, key: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** `removeMetricsForPods`. */
function removeMetricsForPods(metrics: Map<string, number>, pods: Set<string>): void {
  for (const name of pods) metrics.delete(name);
}

/** The samples as the metrics client returns them: pod name to milli-value. */
function metricsOf(c: Checked): Map<string, number> {
  const metrics = new Map<string, number>();
  for (const [name, value] of Object.entries(c.podMetrics)) metrics.set(name, toMilli(value));
  return metrics;
}

function requirePods(c: Checked): ReplicaProposalPod[] {
  if (c.pods === undefined) {
    throw invalid('pods', undefined, `must list the pods the HPA selects: the controller needs them for a ${c.source} metric`);
  }
  if (c.pods.length === 0) {
    throw invalid('pods', c.pods, 'must list at least one pod: with no pods returned by the selector the controller computes no replica count');
  }
  return c.pods;
}

function noUsableMetrics(c: Checked): Error {
  return invalid('podMetrics', c.podMetrics,
    'must have a sample for at least one pod that is not pending, unready, failed or deleting: the controller did not receive metrics for targeted pods');
}

/** metrics/utilization.go `GetResourceUtilizationRatio`. */
function resourceUtilizationRatio(c: Checked, metrics: Map<string, number>, requests: Map<string, number>, targetUtilization: number) {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let numEntries = 0;
  for (const [name, value] of metrics) {
    const request = requests.get(name);
    if (request === undefined) continue;
    metricsTotal += value;
    requestsTotal += request;
    numEntries++;
  }
  if (requestsTotal === 0) {
    throw invalid('podMetrics', c.podMetrics,
      'must have a sample for at least one listed pod with a request above 0: no metrics returned matched known pods');
  }
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { usageRatio: utilization / targetUtilization, utilization, rawUtilization: Math.trunc(metricsTotal / numEntries) };
}

/** replica_calculator.go `calculateRequests` (pod-level sums supplied by the caller). */
function calculateRequests(c: Checked, pods: ReplicaProposalPod[]): Map<string, number> {
  const requests = new Map<string, number>();
  pods.forEach((pod, i) => {
    const request = pod.requests === undefined ? undefined : own(pod.requests, c.resource);
    if (request === undefined) {
      throw invalid(`pods[${i}].requests.${c.resource}`, undefined,
        `must be set: a Utilization target is a percentage of the request, and the controller refuses a pod without a request for ${c.resource}`);
    }
    requests.set(pod.name, toMilli(request));
  });
  return requests;
}

/** replica_calculator.go `GetResourceReplicas`. */
function resourceUtilizationReplicas(c: Checked, targetUtilization: number): ReplicaProposal {
  const pods = requirePods(c);
  const metrics = metricsOf(c);
  const { readyPodCount, unreadyPods, missingPods, ignoredPods } = groupPods(c, pods, metrics, c.resource);
  removeMetricsForPods(metrics, ignoredPods);
  removeMetricsForPods(metrics, unreadyPods);
  if (metrics.size === 0) throw noUsableMetrics(c);

  const requests = calculateRequests(c, pods);
  const { usageRatio, utilization, rawUtilization } = resourceUtilizationRatio(c, metrics, requests, targetUtilization);
  const result = (replicas: number): ReplicaProposal => ({ replicas, utilization, usage: fromMilli(rawUtilization) });

  const scaleUpWithUnready = unreadyPods.size > 0 && usageRatio > 1.0;
  if (!scaleUpWithUnready && missingPods.size === 0) {
    if (isWithin(c.tolerance, usageRatio)) return result(c.currentReplicas);
    return result(ceilReplicas(usageRatio * readyPodCount));
  }

  if (missingPods.size > 0) {
    if (usageRatio < 1.0) {
      // On a scale-down, treat missing pods as using 100 % of the request, or the target
      // utilization for targets above 100 %.
      const fallbackUtilization = Math.max(100, targetUtilization);
      for (const name of missingPods) metrics.set(name, Math.trunc((requests.get(name)! * fallbackUtilization) / 100));
    } else if (usageRatio > 1.0) {
      // On a scale-up, treat missing pods as using 0 % of the request.
      for (const name of missingPods) metrics.set(name, 0);
    }
  }
  if (scaleUpWithUnready) {
    for (const name of unreadyPods) metrics.set(name, 0);
  }

  const newUsageRatio = resourceUtilizationRatio(c, metrics, requests, targetUtilization).usageRatio;
  if (isWithin(c.tolerance, newUsageRatio) || (usageRatio < 1.0 && newUsageRatio > 1.0) || (usageRatio > 1.0 && newUsageRatio < 1.0)) {
    // The change would be too small, or the new ratio would change the scale direction.
    return result(c.currentReplicas);
  }
  const newReplicas = ceilReplicas(newUsageRatio * metrics.size);
  if ((newUsageRatio < 1.0 && newReplicas > c.currentReplicas) || (newUsageRatio > 1.0 && newReplicas < c.currentReplicas)) {
    // The number of samples would change the scale direction.
    return result(c.currentReplicas);
  }
  return result(newReplicas);
}

/** replica_calculator.go `calcPlainMetricReplicas` (with `GetMetricUsageRatio`). */
function calcPlainMetricReplicas(c: Checked, targetUsage: number, resource: string): { replicas: number; usage: number } {
  const pods = requirePods(c);
  const metrics = metricsOf(c);
  const { readyPodCount, unreadyPods, missingPods, ignoredPods } = groupPods(c, pods, metrics, resource);
  removeMetricsForPods(metrics, ignoredPods);
  removeMetricsForPods(metrics, unreadyPods);
  if (metrics.size === 0) throw noUsableMetrics(c);

  const usageRatioOf = (m: Map<string, number>) => {
    let total = 0;
    for (const v of m.values()) total += v;
    const currentUsage = Math.trunc(total / m.size);
    return { usageRatio: currentUsage / targetUsage, currentUsage };
  };
  const { usageRatio, currentUsage: usage } = usageRatioOf(metrics);

  const scaleUpWithUnready = unreadyPods.size > 0 && usageRatio > 1.0;
  if (!scaleUpWithUnready && missingPods.size === 0) {
    if (isWithin(c.tolerance, usageRatio)) return { replicas: c.currentReplicas, usage };
    return { replicas: ceilReplicas(usageRatio * readyPodCount), usage };
  }

  if (missingPods.size > 0) {
    if (usageRatio < 1.0) {
      // On a scale-down, treat missing pods as using exactly the target amount.
      for (const name of missingPods) metrics.set(name, targetUsage);
    } else if (usageRatio > 1.0) {
      for (const name of missingPods) metrics.set(name, 0);
    }
  }
  if (scaleUpWithUnready) {
    for (const name of unreadyPods) metrics.set(name, 0);
  }

  const newUsageRatio = usageRatioOf(metrics).usageRatio;
  if (isWithin(c.tolerance, newUsageRatio) || (usageRatio < 1.0 && newUsageRatio > 1.0) || (usageRatio > 1.0 && newUsageRatio < 1.0)) {
    return { replicas: c.currentReplicas, usage };
  }
  const newReplicas = ceilReplicas(newUsageRatio * metrics.size);
  if ((newUsageRatio < 1.0 && newReplicas > c.currentReplicas) || (newUsageRatio > 1.0 && newReplicas < c.currentReplicas)) {
    return { replicas: c.currentReplicas, usage };
  }
  return { replicas: newReplicas, usage };
}

/**
 * `GetObjectMetricReplicas` / `GetExternalMetricReplicas` with `getUsageRatioReplicaCount`:
 * the ratio scales the number of ready pods; at 0 replicas it is rounded up directly (scale
 * from zero), without tolerance.
 */
function objectValueReplicas(c: Checked, usage: number, targetUsage: number): ReplicaProposal {
  const usageRatio = usage / targetUsage;
  let replicas: number;
  if (c.currentReplicas !== 0) {
    if (isWithin(c.tolerance, usageRatio)) {
      replicas = c.currentReplicas;
    } else {
      replicas = ceilReplicas(usageRatio * readyPodsCount(c));
    }
  } else {
    replicas = ceilReplicas(usageRatio);
  }
  return { replicas, usage: fromMilli(usage) };
}

/** `getReadyPodsCount`: pods in phase Running whose Ready condition is True. */
function readyPodsCount(c: Checked): number {
  if (c.pods === undefined) return c.currentReplicas;
  if (c.pods.length === 0) {
    throw invalid('pods', c.pods, 'must list at least one pod: with no pods returned by the selector the controller computes no replica count');
  }
  return c.pods.filter(p => p.phase === 'Running' && p.ready).length;
}

/**
 * `GetObjectPerPodMetricReplicas` / `GetExternalPerPodMetricReplicas`: the total divided by the
 * per-pod target, when the ratio against the current replicas is outside the tolerance.
 */
function perPodReplicas(c: Checked, usage: number, targetAverageUsage: number): ReplicaProposal {
  let replicas = c.currentReplicas;
  const usageRatio = usage / (targetAverageUsage * replicas);
  if (!isWithin(c.tolerance, usageRatio)) replicas = ceilReplicas(usage / targetAverageUsage);
  if (c.currentReplicas === 0) return { replicas };
  return { replicas, usage: fromMilli(Math.ceil(usage / c.currentReplicas)) };
}

function check(input: ReplicaProposalInput): Checked {
  requireObject('input', input);
  requireWholeNumber('currentReplicas', input.currentReplicas, 0, MAX_INT32);
  requireOneOf('source', input.source, SOURCES);
  const source = input.source;

  let resource = '';
  if (source === 'Resource' || source === 'ContainerResource') {
    if (typeof input.resource !== 'string' || input.resource.length === 0) {
      throw invalid('resource', input.resource, `must name the resource (e.g. 'cpu' or 'memory') for a ${source} metric`);
    }
    resource = input.resource;
  } else if (input.resource !== undefined && typeof input.resource !== 'string') {
    throw invalid('resource', input.resource, 'must be a string');
  }

  const target = checkTarget(source, input.target);

  const tolerance = input.tolerance ?? DEFAULT_TOLERANCE;
  requireNonNegative('tolerance', tolerance);
  const cpuInitializationPeriod = input.cpuInitializationPeriodSeconds ?? DEFAULT_CPU_INITIALIZATION_PERIOD_SECONDS;
  requireNonNegative('cpuInitializationPeriodSeconds', cpuInitializationPeriod);
  const readinessDelay = input.delayOfInitialReadinessStatusSeconds ?? DEFAULT_INITIAL_READINESS_DELAY_SECONDS;
  requireNonNegative('delayOfInitialReadinessStatusSeconds', readinessDelay);

  let pods: ReplicaProposalPod[] | undefined;
  if (input.pods !== undefined) {
    requireArray('pods', input.pods);
    const names = new Set<string>();
    input.pods.forEach((pod, i) => {
      const p = `pods[${i}]`;
      requireObject(p, pod);
      if (typeof pod.name !== 'string' || pod.name.length === 0) throw invalid(`${p}.name`, pod.name, 'must be a non-empty string');
      if (names.has(pod.name)) throw invalid(`${p}.name`, pod.name, 'must be unique among the pods');
      names.add(pod.name);
      requireOneOf(`${p}.phase`, pod.phase, PHASES);
      requireBoolean(`${p}.ready`, pod.ready);
      if (pod.deleting !== undefined) requireBoolean(`${p}.deleting`, pod.deleting);
      if (pod.startedSecondsAgo !== undefined) requireNonNegative(`${p}.startedSecondsAgo`, pod.startedSecondsAgo);
      if (pod.lastReadyTransitionSecondsAgo !== undefined) {
        requireNonNegative(`${p}.lastReadyTransitionSecondsAgo`, pod.lastReadyTransitionSecondsAgo);
      }
      if (pod.requests !== undefined) {
        requireObject(`${p}.requests`, pod.requests);
        for (const [name, value] of Object.entries(pod.requests)) requireNonNegative(`${p}.requests.${name}`, value);
      }
    });
    pods = input.pods;
  }

  const podMetrics = input.podMetrics ?? {};
  requireObject('podMetrics', podMetrics);
  for (const [name, value] of Object.entries(podMetrics)) requireFinite(`podMetrics.${name}`, value);
  const windows = input.podMetricWindowSeconds ?? {};
  requireObject('podMetricWindowSeconds', windows);
  for (const [name, value] of Object.entries(windows)) requireNonNegative(`podMetricWindowSeconds.${name}`, value);

  if (input.value !== undefined) requireFinite('value', input.value);
  if (input.values !== undefined) {
    requireArray('values', input.values);
    input.values.forEach((v, i) => requireFinite(`values[${i}]`, v));
  }
  let value = input.value;
  if (source === 'Object') {
    if (value === undefined && input.values !== undefined && input.values.length === 1) value = input.values[0];
    if (value === undefined) {
      throw invalid('value', undefined, 'must be set to the object\'s metric value for an Object metric');
    }
  }
  if (source === 'External') {
    if (input.value !== undefined && input.values !== undefined) {
      throw invalid('values', input.values, 'must not be combined with \'value\': give one series as \'value\' or several as \'values\'');
    }
    if (input.value === undefined && input.values === undefined) {
      throw invalid('value', undefined, 'must be set (or \'values\' for several series) for an External metric');
    }
    if (input.values !== undefined && input.values.length === 0) {
      throw invalid('values', input.values, 'must hold at least one series value: the controller gets no metrics from the external metrics API');
    }
  }

  return {
    currentReplicas: input.currentReplicas,
    source,
    resource,
    target,
    tolerance,
    cpuInitializationPeriod,
    readinessDelay,
    pods,
    podMetrics,
    windows,
    value,
    values: source === 'External' ? input.values : undefined,
  };
}

function checkTarget(source: ReplicaMetricSource, target: unknown): ReplicaProposalTarget {
  requireObject('target', target);
  const allowed: Array<ReplicaProposalTarget['type']> = source === 'Resource' || source === 'ContainerResource'
    ? ['Utilization', 'AverageValue']
    : source === 'Pods' ? ['AverageValue'] : ['Value', 'AverageValue'];
  if (typeof target.type !== 'string' || !(allowed as string[]).includes(target.type)) {
    throw invalid('target.type', target.type, `must be ${allowed.map(a => `'${a}'`).join(' or ')} for a ${source} metric`);
  }
  switch (target.type) {
    case 'Utilization':
      requireWholeNumber('target.averageUtilization', target.averageUtilization, 1, MAX_INT32);
      return { type: 'Utilization', averageUtilization: target.averageUtilization };
    case 'AverageValue':
      requireGreaterThanZero('target.averageValue', target.averageValue);
      return { type: 'AverageValue', averageValue: target.averageValue };
    default:
      requireGreaterThanZero('target.value', target.value);
      return { type: 'Value', value: target.value };
  }
}
