/**
 * Translates test cases of kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go
 * (replicaCalcTestCase with prepareTestClientSet / prepareTestMetricsClient / prepareTestCMClient /
 * prepareTestEMClient) into `proposeReplicas` input, so that the ported cases read like the originals.
 *
 * Upstream fixture facts mirrored here:
 * - pods `test-pod-<i>`, as many as max(currentReplicas, len(podPhase)); two containers each;
 *   requests[i] set on both containers (pod-level request = 2 × requests[i]);
 * - resource levels are per-container milli-values; a pod whose level list lacks a container
 *   has no pod-level sample (metrics client skips it), and no `container2` sample for ContainerResource;
 * - custom/external levels are milli-values; the metric window is one minute;
 * - the replica calculator there runs with tolerance 0.1, CPU initialization period 2 min and
 *   initial readiness delay 10 s (defaultTesting* constants);
 * - hotCPUCreationTime() is now, coolCPUCreationTime() is 3 minutes ago; no start time is the
 *   zero time (long ago); the Ready condition's transition time is unset, and the sample's
 *   timestamp is unset too, so a pod inside the initialization period counts as unready; here the
 *   sample is taken now, so a hot pod is given a readiness transition of 0 s ago.
 */
import { ReplicaProposalInput, ReplicaProposalPod } from '../../lib';

export const TESTING_TOLERANCE = 0.1;
export const TESTING_CPU_INITIALIZATION_PERIOD = 120;
export const TESTING_INITIAL_READINESS_DELAY = 10;
const NUM_CONTAINERS_PER_POD = 2;

type Start = 'hot' | 'cool';
type Phase = ReplicaProposalPod['phase'];

export interface UpstreamResource {
  name: string;
  /** Per-pod request in base units, set on each container. */
  requests: number[];
  /** Per-pod, per-container usage in milli-units. */
  levels: number[][];
  podNames?: string[];
  targetUtilization: number;
}

export interface UpstreamMetric {
  metricType: 'object' | 'objectPerPod' | 'external' | 'externalPerPod' | 'pod';
  /** Milli-values. */
  levels: number[];
  targetUsage?: number;
  perPodTargetUsage?: number;
}

export interface UpstreamCase {
  currentReplicas: number;
  podReadiness?: boolean[];
  podStartTime?: Start[];
  podPhase?: Phase[];
  podDeletionTimestamp?: boolean[];
  resource?: UpstreamResource;
  metric?: UpstreamMetric;
  container?: string;
}

/** makePodMetricLevels: the same level on every container of each pod. */
export function makePodMetricLevels(...levels: number[]): number[][] {
  return levels.map(l => Array(NUM_CONTAINERS_PER_POD).fill(l));
}

export function upstreamInput(tc: UpstreamCase): ReplicaProposalInput {
  const podsCount = Math.max(tc.currentReplicas, tc.podPhase?.length ?? 0);
  const pods: ReplicaProposalPod[] = [];
  for (let i = 0; i < podsCount; i++) {
    const start = tc.podStartTime?.[i];
    const request = tc.resource && i < tc.resource.requests.length ? tc.resource.requests[i] : undefined;
    pods.push({
      name: `test-pod-${i}`,
      phase: tc.podPhase?.[i] ?? 'Running',
      ready: tc.podReadiness?.[i] ?? true,
      deleting: tc.podDeletionTimestamp?.[i] ?? false,
      ...(start === 'hot' ? { startedSecondsAgo: 0, lastReadyTransitionSecondsAgo: 0 } : {}),
      ...(start === 'cool' ? { startedSecondsAgo: 180 } : {}),
      ...(request !== undefined && tc.resource
        ? { requests: { [tc.resource.name]: tc.container ? request : NUM_CONTAINERS_PER_POD * request } }
        : {}),
    });
  }
  const common = {
    currentReplicas: tc.currentReplicas,
    tolerance: TESTING_TOLERANCE,
    cpuInitializationPeriodSeconds: TESTING_CPU_INITIALIZATION_PERIOD,
    delayOfInitialReadinessStatusSeconds: TESTING_INITIAL_READINESS_DELAY,
    pods,
  };

  if (tc.resource) {
    const r = tc.resource;
    const podMetrics: Record<string, number> = {};
    const windows: Record<string, number> = {};
    r.levels.forEach((containers, i) => {
      const name = r.podNames?.[i] ?? `test-pod-${i}`;
      let milli: number | undefined;
      if (tc.container) {
        const idx = Number(tc.container.replace('container', '')) - 1;
        milli = containers[idx];
      } else if (containers.length === NUM_CONTAINERS_PER_POD) {
        milli = containers.reduce((a, b) => a + b, 0);
      }
      if (milli !== undefined) {
        podMetrics[name] = milli / 1000;
        windows[name] = 60;
      }
    });
    return {
      ...common,
      source: tc.container ? 'ContainerResource' : 'Resource',
      resource: r.name,
      target: { type: 'Utilization', averageUtilization: r.targetUtilization },
      podMetrics,
      podMetricWindowSeconds: windows,
    };
  }

  const m = tc.metric!;
  switch (m.metricType) {
    case 'pod': {
      const podMetrics: Record<string, number> = {};
      m.levels.forEach((l, i) => { podMetrics[`test-pod-${i}`] = l / 1000; });
      return { ...common, source: 'Pods', target: { type: 'AverageValue', averageValue: m.targetUsage! / 1000 }, podMetrics };
    }
    case 'object':
      return { ...common, source: 'Object', target: { type: 'Value', value: m.targetUsage! / 1000 }, value: m.levels[0] / 1000 };
    case 'objectPerPod':
      return {
        ...common, source: 'Object', target: { type: 'AverageValue', averageValue: m.perPodTargetUsage! / 1000 }, value: m.levels[0] / 1000,
      };
    case 'external':
      return { ...common, source: 'External', target: { type: 'Value', value: m.targetUsage! / 1000 }, values: m.levels.map(l => l / 1000) };
    case 'externalPerPod':
      return {
        ...common,
        source: 'External',
        target: { type: 'AverageValue', averageValue: m.perPodTargetUsage! / 1000 },
        values: m.levels.map(l => l / 1000),
      };
  }
}
