/**
 * proposeReplicas against the Kubernetes replica calculator's own unit tests
 * (kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go), each named
 * after its upstream test, translated by ./upstream.ts; then edge cases and input errors.
 */
import { proposeReplicas, ReplicaProposalInput } from '../../lib';
import { makePodMetricLevels, UpstreamCase, upstreamInput } from './upstream';

const ONES = (n: number) => Array(n).fill(1.0);

interface Expected { replicas: number; utilization?: number; usageMilli: number }

const RESOURCE_CASES: Array<[string, UpstreamCase, Expected]> = [
  ['TestReplicaCalcScaleUp', {
    currentReplicas: 3,
    resource: { name: 'cpu', requests: ONES(3), levels: makePodMetricLevels(300, 500, 700), targetUtilization: 30 },
  }, { replicas: 5, utilization: 50, usageMilli: 2 * 500 }],
  ['TestReplicaCalcContainerScaleUp', {
    currentReplicas: 3, container: 'container2',
    resource: { name: 'cpu', requests: ONES(3), levels: [[1000, 300], [1000, 500], [1000, 700]], targetUtilization: 30 },
  }, { replicas: 5, utilization: 50, usageMilli: 500 }],
  ['TestReplicaCalcScaleUpUnreadyLessScale', {
    currentReplicas: 3, podReadiness: [false, true, true],
    resource: { name: 'cpu', requests: ONES(3), levels: makePodMetricLevels(300, 500, 700), targetUtilization: 30 },
  }, { replicas: 4, utilization: 60, usageMilli: 2 * 600 }],
  ['TestReplicaCalcScaleUpContainerHotCpuLessScale', {
    currentReplicas: 3, podStartTime: ['hot', 'cool', 'cool'], container: 'container2',
    resource: { name: 'cpu', requests: ONES(3), levels: [[0, 300], [0, 500], [0, 700]], targetUtilization: 30 },
  }, { replicas: 4, utilization: 60, usageMilli: 600 }],
  ['TestReplicaCalcScaleUpHotCpuLessScale', {
    currentReplicas: 3, podStartTime: ['hot', 'cool', 'cool'],
    resource: { name: 'cpu', requests: ONES(3), levels: makePodMetricLevels(300, 500, 700), targetUtilization: 30 },
  }, { replicas: 4, utilization: 60, usageMilli: 2 * 600 }],
  ['TestReplicaCalcScaleUpUnreadyNoScale', {
    currentReplicas: 3, podReadiness: [true, false, false],
    resource: { name: 'cpu', requests: ONES(3), levels: makePodMetricLevels(400, 500, 700), targetUtilization: 30 },
  }, { replicas: 3, utilization: 40, usageMilli: 2 * 400 }],
  ['TestReplicaCalcScaleHotCpuNoScale', {
    currentReplicas: 3, podReadiness: [true, false, false], podStartTime: ['cool', 'hot', 'hot'],
    resource: { name: 'cpu', requests: ONES(3), levels: makePodMetricLevels(400, 500, 700), targetUtilization: 30 },
  }, { replicas: 3, utilization: 40, usageMilli: 2 * 400 }],
  ['TestReplicaCalcScaleUpIgnoresFailedPods', {
    currentReplicas: 2, podReadiness: [true, true, false, false], podPhase: ['Running', 'Running', 'Failed', 'Failed'],
    resource: { name: 'cpu', requests: ONES(4), levels: makePodMetricLevels(500, 700), targetUtilization: 30 },
  }, { replicas: 4, utilization: 60, usageMilli: 2 * 600 }],
  ['TestReplicaCalcMissingContainerMetricScaleUpIgnoresFailedPods', {
    currentReplicas: 2, podReadiness: [true, true, false, false], podPhase: ['Running', 'Running', 'Failed', 'Failed'],
    container: 'container2',
    resource: { name: 'cpu', requests: ONES(4), levels: [[1000, 500], [9000, 700], [1000], [9000]], targetUtilization: 30 },
  }, { replicas: 4, utilization: 60, usageMilli: 600 }],
  ['TestReplicaCalcScaleUpContainerIgnoresFailedPods', {
    currentReplicas: 2, podReadiness: [true, true, false, false], podPhase: ['Running', 'Running', 'Failed', 'Failed'],
    container: 'container2',
    resource: { name: 'cpu', requests: ONES(4), levels: [[1000, 500], [9000, 700]], targetUtilization: 30 },
  }, { replicas: 4, utilization: 60, usageMilli: 600 }],
  ['TestReplicaCalcScaleUpIgnoresDeletionPods', {
    currentReplicas: 2, podReadiness: [true, true, false, false], podPhase: ['Running', 'Running', 'Running', 'Running'],
    podDeletionTimestamp: [false, false, true, true],
    resource: { name: 'cpu', requests: ONES(4), levels: makePodMetricLevels(500, 700), targetUtilization: 30 },
  }, { replicas: 4, utilization: 60, usageMilli: 2 * 600 }],
  ['TestReplicaCalcScaleUpContainerIgnoresDeletionPods', {
    currentReplicas: 2, podReadiness: [true, true, false, false], podPhase: ['Running', 'Running', 'Running', 'Running'],
    podDeletionTimestamp: [false, false, true, true], container: 'container1',
    resource: { name: 'cpu', requests: ONES(4), levels: makePodMetricLevels(500, 700), targetUtilization: 30 },
  }, { replicas: 4, utilization: 60, usageMilli: 600 }],
  ['TestReplicaCalcScaleDown', {
    currentReplicas: 5,
    resource: { name: 'cpu', requests: ONES(5), levels: makePodMetricLevels(100, 300, 500, 250, 250), targetUtilization: 50 },
  }, { replicas: 3, utilization: 28, usageMilli: 2 * 280 }],
  ['TestReplicaCalcContainerScaleDown', {
    currentReplicas: 5, container: 'container2',
    resource: {
      name: 'cpu', requests: ONES(5), levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], targetUtilization: 50,
    },
  }, { replicas: 3, utilization: 28, usageMilli: 280 }],
  ['TestReplicaCalcScaleDownExcludeUnreadyPods', {
    currentReplicas: 5, podReadiness: [true, true, true, false, false],
    resource: { name: 'cpu', requests: ONES(5), levels: makePodMetricLevels(100, 300, 500, 250, 250), targetUtilization: 50 },
  }, { replicas: 2, utilization: 30, usageMilli: 2 * 300 }],
  ['TestReplicaCalcScaleDownContainerExcludeUnreadyPods', {
    currentReplicas: 5, podReadiness: [true, true, true, false, false], container: 'container2',
    resource: {
      name: 'cpu', requests: ONES(5), levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], targetUtilization: 50,
    },
  }, { replicas: 2, utilization: 30, usageMilli: 300 }],
  ['TestReplicaCalcScaleDownExcludeUnscheduledPods', {
    currentReplicas: 5, podReadiness: [true, false, false, false, false],
    podPhase: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'],
    resource: { name: 'cpu', requests: ONES(5), levels: makePodMetricLevels(100), targetUtilization: 50 },
  }, { replicas: 1, utilization: 10, usageMilli: 2 * 100 }],
  ['TestReplicaCalcScaleDownContainerExcludeUnscheduledPods', {
    currentReplicas: 5, podReadiness: [true, false, false, false, false],
    podPhase: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'], container: 'container2',
    resource: {
      name: 'cpu', requests: ONES(5), levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], targetUtilization: 50,
    },
  }, { replicas: 1, utilization: 10, usageMilli: 100 }],
  ['TestReplicaCalcScaleDownIgnoreHotCpuPods', {
    currentReplicas: 5, podStartTime: ['cool', 'cool', 'cool', 'hot', 'hot'],
    resource: { name: 'cpu', requests: ONES(5), levels: makePodMetricLevels(100, 300, 500, 250, 250), targetUtilization: 50 },
  }, { replicas: 2, utilization: 30, usageMilli: 2 * 300 }],
  ['TestReplicaCalcScaleDownContainerIgnoreHotCpuPods', {
    currentReplicas: 5, podStartTime: ['cool', 'cool', 'cool', 'hot', 'hot'], container: 'container2',
    resource: {
      name: 'cpu', requests: ONES(5), levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 1000], [1000, 1000]], targetUtilization: 50,
    },
  }, { replicas: 2, utilization: 30, usageMilli: 300 }],
  ['TestReplicaCalcScaleDownIgnoresFailedPods', {
    currentReplicas: 5, podReadiness: [true, true, true, true, true, false, false],
    podPhase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'],
    resource: { name: 'cpu', requests: ONES(7), levels: makePodMetricLevels(100, 300, 500, 250, 250), targetUtilization: 50 },
  }, { replicas: 3, utilization: 28, usageMilli: 2 * 280 }],
  ['TestReplicaCalcScaleDownContainerIgnoresFailedPods', {
    currentReplicas: 5, podReadiness: [true, true, true, true, true, false, false],
    podPhase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'], container: 'container2',
    resource: {
      name: 'cpu', requests: ONES(7), levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], targetUtilization: 50,
    },
  }, { replicas: 3, utilization: 28, usageMilli: 280 }],
  ['TestReplicaCalcScaleDownIgnoresDeletionPods', {
    currentReplicas: 5, podReadiness: [true, true, true, true, true, false, false],
    podPhase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Running', 'Running'],
    podDeletionTimestamp: [false, false, false, false, false, true, true],
    resource: { name: 'cpu', requests: ONES(7), levels: makePodMetricLevels(100, 300, 500, 250, 250), targetUtilization: 50 },
  }, { replicas: 3, utilization: 28, usageMilli: 2 * 280 }],
  ['TestReplicaCalcScaleDownIgnoresDeletionPods_StillRunning', {
    currentReplicas: 5, podReadiness: [true, true, true, true, true, false, false],
    podPhase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Running', 'Running'],
    podDeletionTimestamp: [false, false, false, false, false, true, true], container: 'container2',
    resource: {
      name: 'cpu', requests: ONES(7), levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], targetUtilization: 50,
    },
  }, { replicas: 3, utilization: 28, usageMilli: 280 }],
  ['TestReplicaCalcTolerance', {
    currentReplicas: 3,
    resource: { name: 'cpu', requests: [0.9, 1.0, 1.1], levels: makePodMetricLevels(1010, 1030, 1020), targetUtilization: 100 },
  }, { replicas: 3, utilization: 102, usageMilli: 2 * 1020 }],
  ['TestReplicaCalcSuperfluousMetrics', {
    currentReplicas: 4,
    resource: { name: 'cpu', requests: ONES(4), levels: makePodMetricLevels(4000, 9500, 3000, 7000, 3200, 2000), targetUtilization: 100 },
  }, { replicas: 24, utilization: 587, usageMilli: 2 * 5875 }],
  ['TestReplicaCalcMissingMetrics', {
    currentReplicas: 4,
    resource: { name: 'cpu', requests: ONES(4), levels: makePodMetricLevels(400, 95), targetUtilization: 100 },
  }, { replicas: 3, utilization: 24, usageMilli: 495 }],
  ['TestReplicaCalcMissingMetricsNoChangeEq', {
    currentReplicas: 2,
    resource: { name: 'cpu', requests: ONES(2), levels: makePodMetricLevels(1000), targetUtilization: 100 },
  }, { replicas: 2, utilization: 100, usageMilli: 2 * 1000 }],
  ['TestReplicaCalcMissingMetricsNoChangeGt', {
    currentReplicas: 2,
    resource: { name: 'cpu', requests: ONES(2), levels: makePodMetricLevels(1900), targetUtilization: 100 },
  }, { replicas: 2, utilization: 190, usageMilli: 2 * 1900 }],
  ['TestReplicaCalcMissingMetricsNoChangeLt', {
    currentReplicas: 2,
    resource: { name: 'cpu', requests: ONES(2), levels: makePodMetricLevels(600), targetUtilization: 100 },
  }, { replicas: 2, utilization: 60, usageMilli: 2 * 600 }],
  ['TestReplicaCalcMissingMetricsUnreadyChange', {
    currentReplicas: 3, podReadiness: [false, true, true],
    resource: { name: 'cpu', requests: ONES(3), levels: makePodMetricLevels(100, 450), targetUtilization: 50 },
  }, { replicas: 3, utilization: 45, usageMilli: 2 * 450 }],
  ['TestReplicaCalcMissingMetricsHotCpuNoChange', {
    currentReplicas: 3, podStartTime: ['hot', 'cool', 'cool'],
    resource: { name: 'cpu', requests: ONES(3), levels: makePodMetricLevels(100, 450), targetUtilization: 50 },
  }, { replicas: 3, utilization: 45, usageMilli: 2 * 450 }],
  ['TestReplicaCalcMissingMetricsUnreadyScaleUp', {
    currentReplicas: 3, podReadiness: [false, true, true],
    resource: { name: 'cpu', requests: ONES(3), levels: makePodMetricLevels(100, 2000), targetUtilization: 50 },
  }, { replicas: 4, utilization: 200, usageMilli: 2 * 2000 }],
  ['TestReplicaCalcMissingMetricsHotCpuScaleUp', {
    currentReplicas: 3, podReadiness: [false, true, true], podStartTime: ['hot', 'cool', 'cool'],
    resource: { name: 'cpu', requests: ONES(3), levels: makePodMetricLevels(100, 2000), targetUtilization: 50 },
  }, { replicas: 4, utilization: 200, usageMilli: 2 * 2000 }],
  ['TestReplicaCalcMissingMetricsUnreadyScaleDown', {
    currentReplicas: 4, podReadiness: [false, true, true, true],
    resource: { name: 'cpu', requests: ONES(4), levels: makePodMetricLevels(100, 100, 100), targetUtilization: 50 },
  }, { replicas: 3, utilization: 10, usageMilli: 2 * 100 }],
  ['TestReplicaCalcMissingMetricsScaleDownTargetOver100', {
    currentReplicas: 4, podReadiness: [false, true, true, true],
    resource: { name: 'cpu', requests: [1.0, 1.0, 2.0, 2.0], levels: makePodMetricLevels(200, 100, 100), targetUtilization: 300 },
  }, { replicas: 2, utilization: 6, usageMilli: 2 * 100 }],
  ['TestReplicaCalcDuringRollingUpdateWithMaxSurge', {
    currentReplicas: 2, podPhase: ['Running', 'Running', 'Running'],
    resource: { name: 'cpu', requests: ONES(3), levels: makePodMetricLevels(100, 100), targetUtilization: 50 },
  }, { replicas: 2, utilization: 10, usageMilli: 2 * 100 }],
];

const METRIC_CASES: Array<[string, UpstreamCase, Expected]> = [
  ['TestReplicaCalcScaleUpCM', {
    currentReplicas: 3, metric: { metricType: 'pod', levels: [20000, 10000, 30000], targetUsage: 15000 },
  }, { replicas: 4, usageMilli: 20000 }],
  ['TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale', {
    currentReplicas: 3, podReadiness: [true, true, false], podStartTime: ['cool', 'cool', 'hot'],
    metric: { metricType: 'pod', levels: [50000, 10000, 30000], targetUsage: 15000 },
  }, { replicas: 6, usageMilli: 30000 }],
  ['TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown', {
    currentReplicas: 3, podReadiness: [false, true, false], podStartTime: ['hot', 'cool', 'hot'],
    metric: { metricType: 'pod', levels: [50000, 15000, 30000], targetUsage: 15000 },
  }, { replicas: 7, usageMilli: 31666 }],
  ['TestReplicaCalcScaleUpCMObject', {
    currentReplicas: 3, metric: { metricType: 'object', levels: [20000], targetUsage: 15000 },
  }, { replicas: 4, usageMilli: 20000 }],
  ['TestReplicaCalcScaleUpCMPerPodObject', {
    currentReplicas: 3, metric: { metricType: 'objectPerPod', levels: [20000], perPodTargetUsage: 5000 },
  }, { replicas: 4, usageMilli: 6667 }],
  ['TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods', {
    currentReplicas: 3, podReadiness: [false, true, false],
    metric: { metricType: 'object', levels: [50000], targetUsage: 10000 },
  }, { replicas: 5, usageMilli: 50000 }],
  ['TestReplicaCalcScaleUpCMExternal', {
    currentReplicas: 1, metric: { metricType: 'pod', levels: [8600], targetUsage: 4400 },
  }, { replicas: 2, usageMilli: 8600 }],
  ['TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods', {
    currentReplicas: 3, podReadiness: [false, true, false],
    metric: { metricType: 'external', levels: [8600], targetUsage: 4400 },
  }, { replicas: 2, usageMilli: 8600 }],
  ['TestReplicaCalcScaleUpCMExternalNoLabels', {
    currentReplicas: 1, metric: { metricType: 'pod', levels: [8600], targetUsage: 4400 },
  }, { replicas: 2, usageMilli: 8600 }],
  ['TestReplicaCalcScaleUpPerPodCMExternal', {
    currentReplicas: 3, metric: { metricType: 'externalPerPod', levels: [8600], perPodTargetUsage: 2150 },
  }, { replicas: 4, usageMilli: 2867 }],
  ['TestReplicaCalcScaleDownCM', {
    currentReplicas: 5, metric: { metricType: 'pod', levels: [12000, 12000, 12000, 12000, 12000], targetUsage: 20000 },
  }, { replicas: 3, usageMilli: 12000 }],
  ['TestReplicaCalcScaleDownPerPodCMObject', {
    currentReplicas: 5, metric: { metricType: 'objectPerPod', levels: [6000], perPodTargetUsage: 2000 },
  }, { replicas: 3, usageMilli: 1200 }],
  ['TestReplicaCalcScaleDownCMObject', {
    currentReplicas: 5, metric: { metricType: 'object', levels: [12000], targetUsage: 20000 },
  }, { replicas: 3, usageMilli: 12000 }],
  ['TestReplicaCalcScaleDownCMExternal', {
    currentReplicas: 5, metric: { metricType: 'external', levels: [8600], targetUsage: 14334 },
  }, { replicas: 3, usageMilli: 8600 }],
  ['TestReplicaCalcScaleDownPerPodCMExternal', {
    currentReplicas: 5, metric: { metricType: 'externalPerPod', levels: [8600], perPodTargetUsage: 2867 },
  }, { replicas: 3, usageMilli: 1720 }],
  ['TestReplicaCalcToleranceCM', {
    currentReplicas: 3, metric: { metricType: 'pod', levels: [20000, 21000, 21000], targetUsage: 20000 },
  }, { replicas: 3, usageMilli: 20666 }],
  ['TestReplicaCalcToleranceCMObject', {
    currentReplicas: 3, metric: { metricType: 'object', levels: [20666], targetUsage: 20000 },
  }, { replicas: 3, usageMilli: 20666 }],
  ['TestReplicaCalcTolerancePerPodCMObject', {
    currentReplicas: 4, metric: { metricType: 'objectPerPod', levels: [20166], perPodTargetUsage: 5000 },
  }, { replicas: 4, usageMilli: 5042 }],
  ['TestReplicaCalcToleranceCMExternal', {
    currentReplicas: 3, metric: { metricType: 'external', levels: [8600], targetUsage: 8888 },
  }, { replicas: 3, usageMilli: 8600 }],
  ['TestReplicaCalcTolerancePerPodCMExternal', {
    currentReplicas: 3, metric: { metricType: 'externalPerPod', levels: [8600], perPodTargetUsage: 2900 },
  }, { replicas: 3, usageMilli: 2867 }],
  ['TestPlainMetricReplicaCalcMissingMetricsNoChangeEq', {
    currentReplicas: 5, metric: { metricType: 'pod', levels: [20000, 19000, 21000], targetUsage: 20000 },
  }, { replicas: 5, usageMilli: 20000 }],
  ['TestReplicaCalcDuringRollingUpdateWithMaxSurgeCM', {
    currentReplicas: 2, podPhase: ['Running', 'Running', 'Running'],
    metric: { metricType: 'pod', levels: [10000, 10000], targetUsage: 17000 },
  }, { replicas: 2, usageMilli: 10000 }],
];

describe('proposeReplicas: replica_calculator_test.go, Resource and ContainerResource', () => {
  test.each(RESOURCE_CASES)('%s', (_name, tc, expected) => {
    const proposal = proposeReplicas(upstreamInput(tc));
    expect(proposal).toEqual({ replicas: expected.replicas, utilization: expected.utilization, usage: expected.usageMilli / 1000 });
  });
});

describe('proposeReplicas: replica_calculator_test.go, Pods, Object and External', () => {
  test.each(METRIC_CASES)('%s', (_name, tc, expected) => {
    const proposal = proposeReplicas(upstreamInput(tc));
    expect(proposal).toEqual({ replicas: expected.replicas, usage: expected.usageMilli / 1000 });
  });
});

describe('proposeReplicas: TestReplicaCalcComputedToleranceAlgImplementation', () => {
  // Back-calculates a target just outside, then just inside, the tolerance.
  const startPods = 10;
  const totalUsedCPUOfAllPods = startPods * 150;
  const totalRequestedCPUOfAllPods = 2 * totalUsedCPUOfAllPods;
  const requestedToUsed = Math.trunc(totalRequestedCPUOfAllPods / totalUsedCPUOfAllPods);
  const perPodRequested = totalRequestedCPUOfAllPods / startPods;
  const requestsMilli = [100, -100, 10, -10, 2, -2, 1, -1, 0, 0].map(d => perPodRequested + d);
  const base = (targetUtilization: number): UpstreamCase => ({
    currentReplicas: startPods,
    resource: {
      name: 'cpu',
      requests: requestsMilli.map(m => m / 1000),
      levels: makePodMetricLevels(...Array(10).fill(totalUsedCPUOfAllPods / 10)),
      targetUtilization,
    },
  });

  test('a minimal scaling event just outside the tolerance', () => {
    const target = Math.abs(1 / (requestedToUsed * (1 - 0.1))) + 0.01;
    const finalCPUPercentTarget = Math.trunc(target * 100);
    const resourcesUsedRatio = totalUsedCPUOfAllPods / (totalRequestedCPUOfAllPods * target);
    const finalPods = Math.ceil(resourcesUsedRatio * startPods);
    expect(finalPods).toBe(9);
    expect(proposeReplicas(upstreamInput(base(finalCPUPercentTarget)))).toEqual({
      replicas: finalPods,
      utilization: Math.trunc((totalUsedCPUOfAllPods * 100) / totalRequestedCPUOfAllPods),
      usage: (2 * totalUsedCPUOfAllPods) / 10 / 1000,
    });
  });

  test('no scaling in a very close margin to the tolerance', () => {
    const target = Math.abs(1 / (requestedToUsed * (1 - 0.1))) + 0.004;
    expect(proposeReplicas(upstreamInput(base(Math.trunc(target * 100)))).replicas).toBe(startPods);
  });
});

describe('proposeReplicas: upstream error cases', () => {
  test('TestReplicaCalcDisjointResourcesMetrics: no sample matches a listed pod', () => {
    const input = upstreamInput({
      currentReplicas: 1,
      resource: { name: 'cpu', requests: [1.0], levels: makePodMetricLevels(100), podNames: ['an-older-pod-name'], targetUtilization: 100 },
    });
    expect(() => proposeReplicas(input)).toThrow(new Error(
      '\'podMetrics\' ({"an-older-pod-name":0.2}) must have a sample for at least one listed pod with a request above 0: no metrics returned matched known pods'));
  });

  test('TestReplicaCalcEmptyMetrics: no samples at all', () => {
    const input = upstreamInput({
      currentReplicas: 4, resource: { name: 'cpu', requests: ONES(3), levels: makePodMetricLevels(), targetUtilization: 100 },
    });
    expect(() => proposeReplicas(input)).toThrow(new Error(
      '\'podMetrics\' ({}) must have a sample for at least one pod that is not pending, unready, failed or deleting: the controller did not receive metrics for targeted pods'));
  });

  test('TestReplicaCalcEmptyCPURequest: a Utilization target needs requests', () => {
    const input = upstreamInput({
      currentReplicas: 1, resource: { name: 'cpu', requests: [], levels: makePodMetricLevels(200), targetUtilization: 100 },
    });
    expect(() => proposeReplicas(input)).toThrow(new Error(
      '\'pods[0].requests.cpu\' (undefined) must be set: a Utilization target is a percentage of the request, and the controller refuses a pod without a request for cpu'));
  });
});

/** A ready, long-running pod. */
const pod = (name: string, extra: object = {}) => ({ name, phase: 'Running' as const, ready: true, ...extra });

describe('proposeReplicas: groupPods (TestGroupPods) through the CPU rules', () => {
  // TestGroupPods cases, observed through a Pods-free Resource proposal: one pod with a high
  // sample and one reference pod; whether the first pod counts decides the proposal.
  const cpu = (first: object, window = 30): ReplicaProposalInput => ({
    currentReplicas: 2,
    source: 'Resource',
    resource: 'cpu',
    target: { type: 'AverageValue', averageValue: 0.1 },
    cpuInitializationPeriodSeconds: 120,
    delayOfInitialReadinessStatusSeconds: 10,
    pods: [pod('p', first), pod('ref')],
    podMetrics: { p: 0.1, ref: 0.1 },
    podMetricWindowSeconds: { p: window },
  });

  test('count in a ready pod with fresh metrics during initialization period - CPU', () => {
    // started 60 s ago, ready 30 s ago, window 30 s: the sample is complete, the pod counts
    expect(proposeReplicas({ ...cpu({ startedSecondsAgo: 60, lastReadyTransitionSecondsAgo: 30 }, 30), podMetrics: { p: 0.5, ref: 0.1 } }))
      .toEqual({ replicas: 6, usage: 0.3 });
  });

  test('unready a ready pod without fresh metrics during initialization period - CPU', () => {
    // window 60 s is longer than the 30 s since readiness: the sample is ignored (scale-up with unready: treated as 0)
    expect(proposeReplicas({ ...cpu({ startedSecondsAgo: 60, lastReadyTransitionSecondsAgo: 30 }, 60), podMetrics: { p: 0.5, ref: 0.5 } }))
      .toEqual({ replicas: 5, usage: 0.5 });
  });

  test('unready an unready pod during initialization period - CPU (never ready after the delay)', () => {
    // started 600 s ago, unready since 594 s ago: transition 6 s after start < 10 s delay -> unready
    const input = { ...cpu({ ready: false, startedSecondsAgo: 600, lastReadyTransitionSecondsAgo: 594 }), podMetrics: { p: 0.5, ref: 0.5 } };
    expect(proposeReplicas(input)).toEqual({ replicas: 5, usage: 0.5 });
  });

  test('count in an unready pod that was ready after initialization period - CPU', () => {
    // started 600 s ago, turned unready 540 s ago (60 s after start): the sample counts
    const input = { ...cpu({ ready: false, startedSecondsAgo: 600, lastReadyTransitionSecondsAgo: 540 }), podMetrics: { p: 0.5, ref: 0.5 } };
    expect(proposeReplicas(input)).toEqual({ replicas: 10, usage: 0.5 });
  });

  test('unready pod that has never been ready after initialization period - CPU, at exactly the delay', () => {
    // transition 10 s after start: not less than the 10 s delay -> counted (upstream: 9m50s of 10m)
    const input = { ...cpu({ ready: false, startedSecondsAgo: 600, lastReadyTransitionSecondsAgo: 590 }), podMetrics: { p: 0.5, ref: 0.5 } };
    expect(proposeReplicas(input)).toEqual({ replicas: 10, usage: 0.5 });
  });

  test('count in a ready pod without fresh metrics after initialization period - CPU', () => {
    const input = { ...cpu({ startedSecondsAgo: 180, lastReadyTransitionSecondsAgo: 180 }, 60), podMetrics: { p: 0.5, ref: 0.5 } };
    expect(proposeReplicas(input)).toEqual({ replicas: 10, usage: 0.5 });
  });

  test('count in a ready pod - memory: no CPU rules for other resources', () => {
    const input: ReplicaProposalInput = {
      ...cpu({ ready: false, startedSecondsAgo: 0, lastReadyTransitionSecondsAgo: 0 }), resource: 'memory',
      target: { type: 'AverageValue', averageValue: 100 }, podMetrics: { p: 500, ref: 500 },
    };
    expect(proposeReplicas(input)).toEqual({ replicas: 10, usage: 500 });
  });

  test('pending pods are unreadied, for every metric', () => {
    const input: ReplicaProposalInput = {
      currentReplicas: 2, source: 'Pods', target: { type: 'AverageValue', averageValue: 10 },
      pods: [pod('a'), pod('b', { phase: 'Pending', ready: false })], podMetrics: { a: 30, b: 1000 },
    };
    // a alone at 3x target, b treated as 0: ratio (30+0)/2/10 = 1.5 -> ceil(1.5 * 2) = 3
    expect(proposeReplicas(input)).toEqual({ replicas: 3, usage: 30 });
  });

  test('ignore pods with deletion timestamps and pods in a failed state', () => {
    const input: ReplicaProposalInput = {
      currentReplicas: 1, source: 'Pods', target: { type: 'AverageValue', averageValue: 10 },
      pods: [pod('a'), pod('d', { deleting: true }), pod('f', { phase: 'Failed', ready: false })],
      podMetrics: { a: 30, d: 1000, f: 1000 },
    };
    expect(proposeReplicas(input)).toEqual({ replicas: 3, usage: 30 });
  });
});

describe('proposeReplicas: edge cases', () => {
  const pods3 = [pod('a', { requests: { cpu: 1 } }), pod('b', { requests: { cpu: 1 } }), pod('c', { requests: { cpu: 1 } })];

  test('defaults: tolerance 0.1 keeps current replicas at 10 % over the target', () => {
    expect(proposeReplicas({
      currentReplicas: 3, source: 'Resource', resource: 'cpu', target: { type: 'Utilization', averageUtilization: 50 },
      pods: pods3, podMetrics: { a: 0.55, b: 0.55, c: 0.55 },
    })).toEqual({ replicas: 3, utilization: 55, usage: 0.55 });
  });

  test('a custom tolerance of 0 scales on any difference', () => {
    expect(proposeReplicas({
      currentReplicas: 3, source: 'Resource', resource: 'cpu', target: { type: 'Utilization', averageUtilization: 50 }, tolerance: 0,
      pods: pods3, podMetrics: { a: 0.55, b: 0.55, c: 0.55 },
    }).replicas).toBe(4);
  });

  test('default CPU initialization period (300 s): a pod started 200 s ago and ready 10 s ago is unready', () => {
    const input: ReplicaProposalInput = {
      currentReplicas: 3, source: 'Resource', resource: 'cpu', target: { type: 'Utilization', averageUtilization: 50 },
      pods: [pods3[0], pods3[1], pod('c', { requests: { cpu: 1 }, startedSecondsAgo: 200, lastReadyTransitionSecondsAgo: 10 })],
      podMetrics: { a: 1, b: 1, c: 0 },
    };
    // c unready: a and b at 100 % of 50 % -> scale-up; c counted at 0: (1+1+0)/3 = 66 % -> 1.32 -> ceil(3.96) = 4
    expect(proposeReplicas(input)).toEqual({ replicas: 4, utilization: 100, usage: 1 });
  });

  test('a missing metric on scale-down is assumed at 100 % of its request', () => {
    const input: ReplicaProposalInput = {
      currentReplicas: 4, source: 'Resource', resource: 'memory', target: { type: 'Utilization', averageUtilization: 80 },
      pods: ['a', 'b', 'c', 'd'].map(n => pod(n, { requests: { memory: 1000 } })), podMetrics: { a: 100, b: 100, c: 100 },
    };
    // 10 % of 80 % -> scale-down; d at 100 %: (300 + 1000) / 4000 = 32 % -> 0.4 -> ceil(1.6) = 2
    expect(proposeReplicas(input)).toEqual({ replicas: 2, utilization: 10, usage: 100 });
  });

  test('Pods metric: a missing metric on scale-down is assumed at the target', () => {
    const input: ReplicaProposalInput = {
      currentReplicas: 4, source: 'Pods', target: { type: 'AverageValue', averageValue: 10 },
      pods: ['a', 'b', 'c', 'd'].map(n => pod(n)), podMetrics: { a: 1, b: 1, c: 1 },
    };
    // (1+1+1+10)/4 = 3.25 -> 0.325 * 4 = 1.3 -> 2
    expect(proposeReplicas(input)).toEqual({ replicas: 2, usage: 1 });
  });

  test('Resource AverageValue (GetRawResourceReplicas) uses the CPU rules', () => {
    const input: ReplicaProposalInput = {
      currentReplicas: 2, source: 'Resource', resource: 'cpu', target: { type: 'AverageValue', averageValue: 0.5 },
      pods: [pod('a'), pod('b', { ready: false, startedSecondsAgo: 10 })], podMetrics: { a: 1, b: 1 },
    };
    // b is unready (inside the initialization period, ready for less than one window): a alone is at
    // twice the target; with b counted at 0 the new ratio (1+0)/2/0.5 = 1.0 is within the tolerance
    expect(proposeReplicas(input)).toEqual({ replicas: 2, usage: 1 });
  });

  test('Object Value at 0 replicas scales from zero on the ratio alone', () => {
    expect(proposeReplicas({ currentReplicas: 0, source: 'Object', target: { type: 'Value', value: 10 }, value: 25 }))
      .toEqual({ replicas: 3, usage: 25 });
    expect(proposeReplicas({ currentReplicas: 0, source: 'External', target: { type: 'Value', value: 10 }, value: 0 }))
      .toEqual({ replicas: 0, usage: 0 });
  });

  test('Object Value without pods assumes currentReplicas ready pods', () => {
    expect(proposeReplicas({ currentReplicas: 4, source: 'Object', target: { type: 'Value', value: 10 }, value: 20 }))
      .toEqual({ replicas: 8, usage: 20 });
  });

  test('Object Value inside the tolerance needs no pods at all', () => {
    expect(proposeReplicas({ currentReplicas: 4, source: 'Object', target: { type: 'Value', value: 10 }, value: 10.5, pods: [] }))
      .toEqual({ replicas: 4, usage: 10.5 });
  });

  test('External values are summed', () => {
    expect(proposeReplicas({ currentReplicas: 2, source: 'External', target: { type: 'AverageValue', averageValue: 5 }, values: [10, 20, 5] }))
      .toEqual({ replicas: 7, usage: 17.5 });
  });

  test('per-pod targets at 0 replicas report no per-pod usage', () => {
    expect(proposeReplicas({ currentReplicas: 0, source: 'External', target: { type: 'AverageValue', averageValue: 5 }, value: 12 }))
      .toEqual({ replicas: 3 });
  });

  test('a huge ratio is capped at the int32 maximum', () => {
    expect(proposeReplicas({ currentReplicas: 1, source: 'External', target: { type: 'Value', value: 0.001 }, value: 1e9 }).replicas)
      .toBe(2147483647);
  });

  test('ContainerResource uses the same math on the container request', () => {
    expect(proposeReplicas({
      currentReplicas: 2, source: 'ContainerResource', resource: 'cpu', target: { type: 'Utilization', averageUtilization: 50 },
      pods: [pod('a', { requests: { cpu: 0.5 } }), pod('b', { requests: { cpu: 0.5 } })], podMetrics: { a: 0.5, b: 0.5 },
    })).toEqual({ replicas: 4, utilization: 100, usage: 0.5 });
  });
});

describe('proposeReplicas: input errors name the field', () => {
  const ok: ReplicaProposalInput = {
    currentReplicas: 1, source: 'Pods', target: { type: 'AverageValue', averageValue: 1 }, pods: [pod('a')], podMetrics: { a: 1 },
  };
  const cases: Array<[string, unknown, string]> = [
    ['input not an object', null, '\'input\' (null) must be an object'],
    ['negative currentReplicas', { ...ok, currentReplicas: -1 }, '\'currentReplicas\' (-1) must be a whole number from 0 to 2147483647'],
    ['fractional currentReplicas', { ...ok, currentReplicas: 1.5 }, '\'currentReplicas\' (1.5) must be a whole number from 0 to 2147483647'],
    ['unknown source', { ...ok, source: 'Cheddar' },
      '\'source\' ("Cheddar") must be one of \'Resource\', \'ContainerResource\', \'Pods\', \'Object\', \'External\''],
    ['missing resource', { ...ok, source: 'Resource', resource: undefined },
      '\'resource\' (undefined) must name the resource (e.g. \'cpu\' or \'memory\') for a Resource metric'],
    ['missing target', { ...ok, target: undefined }, '\'target\' (undefined) must be an object'],
    ['Utilization on a Pods metric', { ...ok, target: { type: 'Utilization', averageUtilization: 50 } },
      '\'target.type\' ("Utilization") must be \'AverageValue\' for a Pods metric'],
    ['Value on a Resource metric', { ...ok, source: 'Resource', resource: 'cpu', target: { type: 'Value', value: 1 } },
      '\'target.type\' ("Value") must be \'Utilization\' or \'AverageValue\' for a Resource metric'],
    ['zero utilization', { ...ok, source: 'Resource', resource: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } },
      '\'target.averageUtilization\' (0) must be a whole number from 1 to 2147483647'],
    ['non-numeric averageValue', { ...ok, target: { type: 'AverageValue', averageValue: '1' } },
      '\'target.averageValue\' ("1") must be a finite number greater than 0'],
    ['zero value', { ...ok, source: 'Object', value: 1, target: { type: 'Value', value: 0 } },
      '\'target.value\' (0) must be a finite number greater than 0'],
    ['negative tolerance', { ...ok, tolerance: -0.1 }, '\'tolerance\' (-0.1) must be a finite number greater than or equal to 0'],
    ['NaN cpu period', { ...ok, cpuInitializationPeriodSeconds: NaN },
      '\'cpuInitializationPeriodSeconds\' (NaN) must be a finite number greater than or equal to 0'],
    ['negative delay', { ...ok, delayOfInitialReadinessStatusSeconds: -1 },
      '\'delayOfInitialReadinessStatusSeconds\' (-1) must be a finite number greater than or equal to 0'],
    ['pods not an array', { ...ok, pods: {} }, '\'pods\' ({}) must be an array'],
    ['pod without name', { ...ok, pods: [{ phase: 'Running', ready: true }] }, '\'pods[0].name\' (undefined) must be a non-empty string'],
    ['duplicate pod', { ...ok, pods: [pod('a'), pod('a')] }, '\'pods[1].name\' ("a") must be unique among the pods'],
    ['unknown phase', { ...ok, pods: [pod('a', { phase: 'Unknown' })] },
      '\'pods[0].phase\' ("Unknown") must be one of \'Pending\', \'Running\', \'Succeeded\', \'Failed\''],
    ['ready not boolean', { ...ok, pods: [pod('a', { ready: 'yes' })] }, '\'pods[0].ready\' ("yes") must be true or false'],
    ['deleting not boolean', { ...ok, pods: [pod('a', { deleting: 1 })] }, '\'pods[0].deleting\' (1) must be true or false'],
    ['negative start', { ...ok, pods: [pod('a', { startedSecondsAgo: -5 })] },
      '\'pods[0].startedSecondsAgo\' (-5) must be a finite number greater than or equal to 0'],
    ['negative transition', { ...ok, pods: [pod('a', { lastReadyTransitionSecondsAgo: -5 })] },
      '\'pods[0].lastReadyTransitionSecondsAgo\' (-5) must be a finite number greater than or equal to 0'],
    ['negative request', { ...ok, pods: [pod('a', { requests: { cpu: -1 } })] },
      '\'pods[0].requests.cpu\' (-1) must be a finite number greater than or equal to 0'],
    ['non-numeric sample', { ...ok, podMetrics: { a: 'x' } }, '\'podMetrics.a\' ("x") must be a finite number'],
    ['negative window', { ...ok, podMetricWindowSeconds: { a: -1 } },
      '\'podMetricWindowSeconds.a\' (-1) must be a finite number greater than or equal to 0'],
    ['Object without value', { ...ok, source: 'Object', target: { type: 'Value', value: 1 } },
      '\'value\' (undefined) must be set to the object\'s metric value for an Object metric'],
    ['External without value', { ...ok, source: 'External', target: { type: 'Value', value: 1 } },
      '\'value\' (undefined) must be set (or \'values\' for several series) for an External metric'],
    ['External with both', { ...ok, source: 'External', target: { type: 'Value', value: 1 }, value: 1, values: [1] },
      '\'values\' ([1]) must not be combined with \'value\': give one series as \'value\' or several as \'values\''],
    ['External with no series', { ...ok, source: 'External', target: { type: 'Value', value: 1 }, values: [] },
      '\'values\' ([]) must hold at least one series value: the controller gets no metrics from the external metrics API'],
    ['non-numeric series', { ...ok, source: 'External', target: { type: 'Value', value: 1 }, values: [1, null] },
      '\'values[1]\' (null) must be a finite number'],
    ['Pods without pods', { ...ok, pods: undefined },
      '\'pods\' (undefined) must list the pods the HPA selects: the controller needs them for a Pods metric'],
    ['Pods with no pods', { ...ok, pods: [] },
      '\'pods\' ([]) must list at least one pod: with no pods returned by the selector the controller computes no replica count'],
    ['Object Value outside tolerance with no pods', { currentReplicas: 2, source: 'Object', target: { type: 'Value', value: 1 }, value: 5, pods: [] },
      '\'pods\' ([]) must list at least one pod: with no pods returned by the selector the controller computes no replica count'],
  ];
  test.each(cases)('%s', (_name, input, message) => {
    expect(() => proposeReplicas(input as ReplicaProposalInput)).toThrow(new Error(message));
  });
});

describe('proposeReplicas: names that clash with Object.prototype are plain names', () => {
  test('a resource called constructor needs its own request', () => {
    expect(() => proposeReplicas({
      currentReplicas: 1, source: 'Resource', resource: 'constructor', target: { type: 'Utilization', averageUtilization: 50 },
      pods: [pod('a', { requests: {} })], podMetrics: { a: 1 },
    })).toThrow(new Error(
      '\'pods[0].requests.constructor\' (undefined) must be set: a Utilization target is a percentage of the request, and the controller refuses a pod without a request for constructor'));
  });

  test('a pod called constructor gets the default metric window', () => {
    const input: ReplicaProposalInput = {
      currentReplicas: 2, source: 'Resource', resource: 'cpu', target: { type: 'AverageValue', averageValue: 1 },
      pods: [pod('constructor', { startedSecondsAgo: 10, lastReadyTransitionSecondsAgo: 20 }), pod('b')],
      podMetrics: { constructor: 3, b: 3 },
    };
    // ready 20 s ago < 30 s default window: unready; b alone at 3x, constructor counted at 0 -> 1.5 -> ceil(3) = 3
    expect(proposeReplicas(input)).toEqual({ replicas: 3, usage: 3 });
  });
});

describe('proposeReplicas: optional times and value forms', () => {
  const cpuPods = (p: object) => [pod('p', { requests: { cpu: 1 }, ...p }), pod('q', { requests: { cpu: 1 } })];
  const input = (p: object): ReplicaProposalInput => ({
    currentReplicas: 2, source: 'Resource', resource: 'cpu', target: { type: 'Utilization', averageUtilization: 50 },
    cpuInitializationPeriodSeconds: 120, delayOfInitialReadinessStatusSeconds: 10, pods: cpuPods(p), podMetrics: { p: 1, q: 1 },
  });

  test('a known readiness transition without a start: the pod started at the transition', () => {
    // not ready since 1e9 s, start unknown: never became ready after its start -> unready (q alone, p at 0 on scale-up)
    expect(proposeReplicas(input({ ready: false, lastReadyTransitionSecondsAgo: 1e9 })).replicas).toBe(2);
    // ready, transition 5 s ago: inside the initialization period and one window not yet collected -> unready
    expect(proposeReplicas(input({ lastReadyTransitionSecondsAgo: 5 })).replicas).toBe(2);
    // ready, transition 500 s ago: counted
    expect(proposeReplicas(input({ lastReadyTransitionSecondsAgo: 500 })).replicas).toBe(4);
  });

  test('a pod without times is a long-running pod: counted if ready, unready if not', () => {
    expect(proposeReplicas(input({})).replicas).toBe(4);
    expect(proposeReplicas(input({ ready: false })).replicas).toBe(2);
  });

  test('an Object metric accepts its value as a one-element values list', () => {
    expect(proposeReplicas({ currentReplicas: 3, source: 'Object', target: { type: 'Value', value: 15 }, values: [20] }))
      .toEqual({ replicas: 4, usage: 20 });
  });
});
