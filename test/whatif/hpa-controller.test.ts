/**
 * proposeReplicas followed by normalizeReplicas, as reconcileAutoscaler chains them, against
 * end-to-end cases of kubernetes/kubernetes pkg/controller/podautoscaler/horizontal_test.go
 * (testCase + prepareTestClient), each named after its upstream test.
 *
 * Fixture facts mirrored: pods `test-pod-<i>`, len(reportedCPURequests) of them (else
 * statusReplicas), default request 1.0, split over two containers (MilliValue/2 each); CPU
 * levels split over two containers with integer halving; the Ready transition time equals the
 * start time; samples taken now with a one-minute window; tolerance 0.1, CPU initialization
 * 2 min, readiness delay 10 s; `recommendations: nil` lets the controller record
 * {currentReplicas, now} first (recordInitialRecommendation).
 *
 * Not mirrored: horizontal_test.go's init() raises scaleUpLimitFactor to 8 "so we don't
 * accidentally run into it"; normalizeReplicas keeps the controller's real factor 2, so only
 * cases that stay under max(2 × current, 4) or set a behavior are ported.
 */
import { BehaviorScalingRules, normalizeReplicas, proposeReplicas, ReplicaProposalInput, ReplicaProposalPod } from '../../lib';

type Start = 'hot' | 'cool';

interface HpaCase {
  minReplicas: number;
  maxReplicas: number;
  specReplicas: number;
  statusReplicas?: number;
  cpuTarget?: number;
  /** A metric other than the CPU target, built from the pods and levels. */
  metric?: { source: 'Pods' | 'Object' | 'External'; target: ReplicaProposalInput['target'] } | { source: 'ContainerResource'; utilization: number };
  reportedLevels: number[];
  reportedCPURequests?: number[];
  reportedPodReadiness?: boolean[];
  reportedPodStartTime?: Start[];
  reportedPodPhase?: ReplicaProposalPod['phase'][];
  reportedPodDeletionTimestamp?: boolean[];
  scaleUpRules?: BehaviorScalingRules;
  scaleDownRules?: BehaviorScalingRules;
  /** undefined: the controller's initial recommendation {specReplicas, now}. */
  recommendations?: Array<{ secondsAgo: number; replicas: number }>;
}

function generateScalingRules(pods: number, podsPeriod: number, percent: number, percentPeriod: number, window: number): BehaviorScalingRules {
  const policies: NonNullable<BehaviorScalingRules['policies']> = [];
  if (pods !== 0) policies.push({ type: 'Pods', value: pods, periodSeconds: podsPeriod });
  if (percent !== 0) policies.push({ type: 'Percent', value: percent, periodSeconds: percentPeriod });
  return { stabilizationWindowSeconds: window, selectPolicy: 'Max', policies };
}

const milliHalf = (milli: number) => Math.trunc(milli / 2);

/** reconcileAutoscaler: the precheck, then the largest proposal over the metrics, then normalization. */
function reconcile(tc: HpaCase): number {
  const statusReplicas = tc.statusReplicas ?? tc.specReplicas;
  const count = tc.reportedCPURequests?.length ?? statusReplicas;
  const pods: ReplicaProposalPod[] = [];
  for (let i = 0; i < count; i++) {
    const request = tc.reportedCPURequests?.[i] ?? 1.0;
    const start = tc.reportedPodStartTime?.[i];
    pods.push({
      name: `test-pod-${i}`,
      phase: tc.reportedPodPhase?.[i] ?? 'Running',
      ready: tc.reportedPodReadiness?.[i] ?? true,
      deleting: tc.reportedPodDeletionTimestamp?.[i] ?? false,
      ...(start === 'hot' ? { startedSecondsAgo: 0 } : start === 'cool' ? { startedSecondsAgo: 180 } : {}),
      requests: { cpu: (2 * milliHalf(Math.round(request * 1000))) / 1000 },
    });
  }
  const common = {
    currentReplicas: tc.specReplicas, tolerance: 0.1, cpuInitializationPeriodSeconds: 120, delayOfInitialReadinessStatusSeconds: 10, pods,
  };
  const cpuSamples = Object.fromEntries(tc.reportedLevels.map((l, i) => [`test-pod-${i}`, (2 * milliHalf(l)) / 1000]));
  const windows = Object.fromEntries(tc.reportedLevels.map((_l, i) => [`test-pod-${i}`, 60]));

  const proposals: number[] = [];
  if (tc.cpuTarget) {
    proposals.push(proposeReplicas({
      ...common, source: 'Resource', resource: 'cpu', target: { type: 'Utilization', averageUtilization: tc.cpuTarget },
      podMetrics: cpuSamples, podMetricWindowSeconds: windows,
    }).replicas);
  }
  if (tc.metric?.source === 'ContainerResource') {
    proposals.push(proposeReplicas({
      ...common,
      pods: pods.map(p => ({ ...p, requests: { cpu: p.requests!.cpu / 2 } })),
      source: 'ContainerResource', resource: 'cpu', target: { type: 'Utilization', averageUtilization: tc.metric.utilization },
      podMetrics: Object.fromEntries(tc.reportedLevels.map((l, i) => [`test-pod-${i}`, milliHalf(l) / 1000])), podMetricWindowSeconds: windows,
    }).replicas);
  } else if (tc.metric?.source === 'Pods') {
    proposals.push(proposeReplicas({
      ...common, source: 'Pods', target: tc.metric.target,
      podMetrics: Object.fromEntries(tc.reportedLevels.map((l, i) => [`test-pod-${i}`, l / 1000])),
    }).replicas);
  } else if (tc.metric?.source === 'Object') {
    proposals.push(proposeReplicas({ ...common, source: 'Object', target: tc.metric.target, value: tc.reportedLevels[0] / 1000 }).replicas);
  } else if (tc.metric?.source === 'External') {
    proposals.push(proposeReplicas({ ...common, source: 'External', target: tc.metric.target, values: tc.reportedLevels.map(l => l / 1000) }).replicas);
  }

  const behavior = tc.scaleUpRules || tc.scaleDownRules ? { scaleUp: tc.scaleUpRules, scaleDown: tc.scaleDownRules } : undefined;
  return normalizeReplicas({
    minReplicas: tc.minReplicas,
    maxReplicas: tc.maxReplicas,
    currentReplicas: tc.specReplicas,
    proposedReplicas: Math.max(0, ...proposals),
    behavior,
    recommendations: tc.recommendations ?? [{ secondsAgo: 0, replicas: tc.specReplicas }],
  });
}

const CASES: Array<[string, HpaCase, number]> = [
  ['TestScaleUp', { minReplicas: 2, maxReplicas: 6, specReplicas: 3, cpuTarget: 30, reportedLevels: [300, 500, 700], reportedCPURequests: [1, 1, 1] }, 5],
  ['TestScaleUpHotCpuLessScale', {
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, cpuTarget: 30, reportedLevels: [300, 500, 700], reportedCPURequests: [1, 1, 1],
    reportedPodStartTime: ['hot', 'cool', 'cool'],
  }, 4],
  ['TestScaleUpUnreadyNoScale', {
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, cpuTarget: 30, reportedLevels: [400, 500, 700], reportedCPURequests: [1, 1, 1],
    reportedPodReadiness: [true, false, false],
  }, 3],
  ['TestScaleUpHotCpuNoScale', {
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, cpuTarget: 30, reportedLevels: [400, 500, 700], reportedCPURequests: [1, 1, 1],
    reportedPodReadiness: [true, false, false], reportedPodStartTime: ['cool', 'hot', 'hot'],
  }, 3],
  ['TestScaleUpIgnoresFailedPods', {
    minReplicas: 2, maxReplicas: 6, specReplicas: 2, cpuTarget: 30, reportedLevels: [500, 700], reportedCPURequests: [1, 1, 1, 1],
    reportedPodReadiness: [true, true, false, false], reportedPodPhase: ['Running', 'Running', 'Failed', 'Failed'],
  }, 4],
  ['TestScaleUpIgnoresDeletionPods', {
    minReplicas: 2, maxReplicas: 6, specReplicas: 2, cpuTarget: 30, reportedLevels: [500, 700], reportedCPURequests: [1, 1, 1, 1],
    reportedPodReadiness: [true, true, false, false], reportedPodPhase: ['Running', 'Running', 'Running', 'Running'],
    reportedPodDeletionTimestamp: [false, false, true, true],
  }, 4],
  ['TestScaleUpDeployment', { minReplicas: 2, maxReplicas: 6, specReplicas: 3, cpuTarget: 30, reportedLevels: [300, 500, 700], reportedCPURequests: [1, 1, 1] }, 5],
  ['TestScaleUpCM', {
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, reportedLevels: [20000, 10000, 30000], reportedCPURequests: [1, 1, 1],
    metric: { source: 'Pods', target: { type: 'AverageValue', averageValue: 15 } },
  }, 4],
  ['TestScaleUpCMUnreadyAndHotCpuNoLessScale', {
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, reportedLevels: [50000, 10000, 30000], reportedCPURequests: [1, 1, 1],
    reportedPodReadiness: [true, true, false], reportedPodStartTime: ['cool', 'cool', 'hot'],
    metric: { source: 'Pods', target: { type: 'AverageValue', averageValue: 15 } },
  }, 6],
  ['TestScaleUpCMUnreadyandCpuHot', {
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, reportedLevels: [50000, 15000, 30000], reportedCPURequests: [1, 1, 1],
    reportedPodReadiness: [false, true, false], reportedPodStartTime: ['hot', 'cool', 'hot'],
    metric: { source: 'Pods', target: { type: 'AverageValue', averageValue: 15 } },
  }, 6],
  ['TestScaleUpHotCpuNoScaleWouldScaleDown', {
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, reportedLevels: [50000, 15000, 30000], reportedCPURequests: [1, 1, 1],
    reportedPodStartTime: ['hot', 'cool', 'hot'],
    metric: { source: 'Pods', target: { type: 'AverageValue', averageValue: 15 } },
  }, 6],
  ['TestScaleUpCMObject', {
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, reportedLevels: [20000], metric: { source: 'Object', target: { type: 'Value', value: 15 } },
  }, 4],
  ['TestScaleUpFromZeroCMObject', {
    minReplicas: 0, maxReplicas: 6, specReplicas: 0, reportedLevels: [20000], metric: { source: 'Object', target: { type: 'Value', value: 15 } },
  }, 2],
  ['TestScaleUpFromZeroIgnoresToleranceCMObject', {
    minReplicas: 0, maxReplicas: 6, specReplicas: 0, reportedLevels: [1000], metric: { source: 'Object', target: { type: 'Value', value: 1 } },
  }, 1],
  ['TestScaleUpPerPodCMObject', {
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, reportedLevels: [40000],
    metric: { source: 'Object', target: { type: 'AverageValue', averageValue: 10 } },
  }, 4],
  ['TestScaleUpCMExternal', {
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, reportedLevels: [8600], metric: { source: 'External', target: { type: 'Value', value: 6.666 } },
  }, 4],
  ['TestScaleUpPerPodCMExternal', {
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, reportedLevels: [8600],
    metric: { source: 'External', target: { type: 'AverageValue', averageValue: 2.222 } },
  }, 4],
  ['TestScaleDown', {
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, cpuTarget: 50, reportedLevels: [100, 300, 500, 250, 250],
    reportedCPURequests: [1, 1, 1, 1, 1], recommendations: [],
  }, 3],
  ['TestScaleDownContainerResource', {
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, reportedLevels: [100, 300, 500, 250, 250], reportedCPURequests: [1, 1, 1, 1, 1],
    metric: { source: 'ContainerResource', utilization: 50 }, recommendations: [],
  }, 3],
  ['TestScaleDownWithScalingRules', {
    minReplicas: 2, maxReplicas: 6, specReplicas: 5, cpuTarget: 50, reportedLevels: [100, 300, 500, 250, 250],
    reportedCPURequests: [1, 1, 1, 1, 1], scaleUpRules: generateScalingRules(0, 0, 100, 15, 30), recommendations: [],
  }, 3],
  ['TestScaleUpOneMetricInvalid (the CPU metric alone)', {
    minReplicas: 2, maxReplicas: 6, specReplicas: 3, cpuTarget: 30, reportedLevels: [300, 400, 500], reportedCPURequests: [1, 1, 1],
  }, 4],
  ['TestScaleUpFromZeroOneMetricInvalid (the CPU metric alone)', {
    minReplicas: 0, maxReplicas: 6, specReplicas: 0, cpuTarget: 30, reportedLevels: [300, 400, 500], reportedCPURequests: [1, 1, 1],
    recommendations: [],
  }, 4],
  ['TestScaleDownRCImmediately', {
    minReplicas: 2, maxReplicas: 5, specReplicas: 6, cpuTarget: 50, reportedLevels: [8000, 9500, 1000], reportedCPURequests: [0.9, 1.0, 1.1],
  }, 5],
  ['TestUpscaleCap', {
    minReplicas: 1, maxReplicas: 100, specReplicas: 3, cpuTarget: 10, reportedLevels: [100, 200, 300], reportedCPURequests: [0.1, 0.1, 0.1],
    scaleUpRules: generateScalingRules(0, 0, 700, 60, 0),
  }, 24],
  ['TestUpscaleCapGreaterThanMaxReplicas', {
    minReplicas: 1, maxReplicas: 20, specReplicas: 3, cpuTarget: 10, reportedLevels: [100, 200, 300], reportedCPURequests: [0.1, 0.1, 0.1],
    scaleUpRules: generateScalingRules(0, 0, 700, 60, 0),
  }, 20],
];

describe('proposeReplicas + normalizeReplicas: horizontal_test.go end-to-end cases', () => {
  test.each(CASES)('%s', (_name, tc, expected) => {
    expect(reconcile(tc)).toBe(expected);
  });

  test('TestZeroReplicas, TestTooFewReplicas, TestTooManyReplicas: the precheck wins over any proposal', () => {
    expect(normalizeReplicas({ minReplicas: 3, maxReplicas: 5, currentReplicas: 0, proposedReplicas: 0 })).toBe(0);
    expect(normalizeReplicas({ minReplicas: 3, maxReplicas: 5, currentReplicas: 2, proposedReplicas: 2 })).toBe(3);
    expect(normalizeReplicas({ minReplicas: 3, maxReplicas: 5, currentReplicas: 10, proposedReplicas: 10 })).toBe(5);
  });
});
