/**
 * normalizeReplicas against the Kubernetes HPA controller's own unit tests
 * (kubernetes/kubernetes pkg/controller/podautoscaler/horizontal_test.go), each named after its
 * upstream test: TestConvertDesiredReplicasWithRules, TestNormalizeDesiredReplicas,
 * TestScalingWithRules, TestNormalizeDesiredReplicasWithBehavior,
 * TestCalculateScaleUpLimitWithScalingRules, TestCalculateScaleDownLimitWithBehaviors; then the
 * reconcile checks, edge cases and input errors.
 */
import { BehaviorInput, BehaviorScalingRules, normalizeReplicas } from '../../lib';

/** horizontal_test.go generateScalingRules: selectPolicy Max, a Pods then a Percent policy when non-zero. */
function generateScalingRules(pods: number, podsPeriod: number, percent: number, percentPeriod: number, stabilizationWindow: number): BehaviorScalingRules {
  const policies: NonNullable<BehaviorScalingRules['policies']> = [];
  if (pods !== 0) policies.push({ type: 'Pods', value: pods, periodSeconds: podsPeriod });
  if (percent !== 0) policies.push({ type: 'Percent', value: percent, periodSeconds: percentPeriod });
  return { stabilizationWindowSeconds: stabilizationWindow, selectPolicy: 'Max', policies };
}

/**
 * horizontal_test.go generateEventsUniformDistribution: events spread over the last
 * periodSeconds, each in the middle of its segment (time.Duration truncates to whole seconds).
 */
function generateEventsUniformDistribution(rawEvents: number[], periodSeconds: number) {
  const segment = periodSeconds / rawEvents.length;
  return rawEvents.map((change, idx) => ({ secondsAgo: Math.trunc(periodSeconds - segment * (idx + 1) + segment / 2), change }));
}

describe('normalizeReplicas: TestConvertDesiredReplicasWithRules (no behavior)', () => {
  const cases: Array<[string, number, number, number, number, number]> = [
    // annotation, current, desired, min, max, expected
    ['prenormalized desired replicas within range', 5, 7, 3, 8, 7],
    ['prenormalized desired replicas < minReplicas', 3, 1, 2, 8, 2],
    ['prenormalized desired zeroed replicas within range', 1, 0, 0, 10, 0],
    ['maxReplicas is the limit because maxReplicas < scaleUpLimit', 20, 1000, 1, 10, 10],
    ['scaleUpLimit is the limit because scaleUpLimit < maxReplicas', 3, 1000, 1, 2000, 6],
  ];
  test.each(cases)('%s', (_name, currentReplicas, proposedReplicas, minReplicas, maxReplicas, expected) => {
    expect(normalizeReplicas({ currentReplicas, proposedReplicas, minReplicas, maxReplicas })).toBe(expected);
  });

  test('the scale-up limit is at least 4 replicas (calculateScaleUpLimit)', () => {
    expect(normalizeReplicas({ currentReplicas: 1, proposedReplicas: 100, minReplicas: 1, maxReplicas: 100 })).toBe(4);
    expect(normalizeReplicas({ currentReplicas: 0, proposedReplicas: 100, minReplicas: 0, maxReplicas: 100 })).toBe(4);
  });
});

describe('normalizeReplicas: TestNormalizeDesiredReplicas (no behavior, 5-minute downscale stabilization)', () => {
  const cases: Array<[string, Array<{ secondsAgo: number; replicas: number }>, number, number]> = [
    ['empty log', [], 5, 5],
    ['stabilize', [{ replicas: 4, secondsAgo: 120 }, { replicas: 5, secondsAgo: 60 }], 3, 5],
    ['no stabilize', [{ replicas: 1, secondsAgo: 120 }, { replicas: 2, secondsAgo: 60 }], 3, 3],
    ['no stabilize - old recommendations', [{ replicas: 10, secondsAgo: 600 }, { replicas: 9, secondsAgo: 540 }], 3, 3],
    ['stabilize - old recommendations', [
      { replicas: 10, secondsAgo: 600 }, { replicas: 4, secondsAgo: 60 }, { replicas: 5, secondsAgo: 120 }, { replicas: 9, secondsAgo: 540 },
    ], 3, 5],
  ];
  test.each(cases)('%s', (_name, recommendations, proposedReplicas, expected) => {
    expect(normalizeReplicas({ currentReplicas: 10, proposedReplicas, minReplicas: 1, maxReplicas: 100, recommendations })).toBe(expected);
  });

  test('a recommendation exactly 300 s old still counts (only older ones are dropped)', () => {
    const base = { currentReplicas: 10, proposedReplicas: 3, minReplicas: 1, maxReplicas: 100 };
    expect(normalizeReplicas({ ...base, recommendations: [{ secondsAgo: 300, replicas: 8 }] })).toBe(8);
    expect(normalizeReplicas({ ...base, recommendations: [{ secondsAgo: 300.5, replicas: 8 }] })).toBe(3);
  });
});

interface RulesCase {
  name: string;
  scaleUpEvents?: Array<{ secondsAgo: number; change: number }>;
  scaleDownEvents?: Array<{ secondsAgo: number; change: number }>;
  specMinReplicas: number;
  specMaxReplicas: number;
  scaleUpRules?: BehaviorScalingRules;
  scaleDownRules?: BehaviorScalingRules;
  currentReplicas: number;
  prenormalizedDesiredReplicas: number;
  expectedReplicas: number;
}

const SCALING_WITH_RULES: RulesCase[] = [
  { name: 'prenormalized desired replicas within range', currentReplicas: 5, prenormalizedDesiredReplicas: 7, specMinReplicas: 3, specMaxReplicas: 8, expectedReplicas: 7 },
  { name: 'prenormalized desired replicas < minReplicas', currentReplicas: 3, prenormalizedDesiredReplicas: 1, specMinReplicas: 2, specMaxReplicas: 8, expectedReplicas: 2 },
  { name: 'prenormalized desired replicas within range when minReplicas is 0', currentReplicas: 1, prenormalizedDesiredReplicas: 0, specMinReplicas: 0, specMaxReplicas: 10, expectedReplicas: 0 },
  { name: 'maxReplicas is the limit because maxReplicas < scaleUpLimit', currentReplicas: 20, prenormalizedDesiredReplicas: 1000, specMinReplicas: 1, specMaxReplicas: 10, expectedReplicas: 10 },
  { name: 'desired replica count is more than the maximum replica count', currentReplicas: 100, prenormalizedDesiredReplicas: 1000, specMinReplicas: 100, specMaxReplicas: 150, expectedReplicas: 150 },
  {
    name: 'scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies',
    currentReplicas: 3, prenormalizedDesiredReplicas: 1000, specMinReplicas: 1, specMaxReplicas: 2000,
    scaleUpRules: generateScalingRules(0, 0, 1, 60, 0), expectedReplicas: 4,
  },
  {
    name: 'scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies',
    currentReplicas: 1000, prenormalizedDesiredReplicas: 3, specMinReplicas: 3, specMaxReplicas: 2000,
    scaleDownRules: generateScalingRules(20, 60, 0, 0, 0), expectedReplicas: 980,
  },
  { name: 'scaleUp with default behavior', specMinReplicas: 1, specMaxReplicas: 1000, currentReplicas: 10, prenormalizedDesiredReplicas: 50, expectedReplicas: 20 },
  {
    name: 'scaleUp with pods policy larger than percent policy', specMinReplicas: 1, specMaxReplicas: 1000,
    scaleUpRules: generateScalingRules(100, 60, 100, 60, 0), currentReplicas: 10, prenormalizedDesiredReplicas: 500, expectedReplicas: 110,
  },
  {
    name: 'scaleUp with percent policy larger than pods policy', specMinReplicas: 1, specMaxReplicas: 1000,
    scaleUpRules: generateScalingRules(2, 60, 100, 60, 0), currentReplicas: 10, prenormalizedDesiredReplicas: 500, expectedReplicas: 20,
  },
  {
    name: 'scaleUp with spec MaxReplicas limitation with large pod policy', specMinReplicas: 1, specMaxReplicas: 1000,
    scaleUpRules: generateScalingRules(100, 60, 0, 0, 0), currentReplicas: 10, prenormalizedDesiredReplicas: 50, expectedReplicas: 50,
  },
  {
    name: 'scaleUp with spec MaxReplicas limitation with large percent policy', specMinReplicas: 1, specMaxReplicas: 1000,
    scaleUpRules: generateScalingRules(10000, 60, 0, 0, 0), currentReplicas: 10, prenormalizedDesiredReplicas: 50, expectedReplicas: 50,
  },
  {
    name: 'scaleUp with pod policy limitation', specMinReplicas: 1, specMaxReplicas: 1000,
    scaleUpRules: generateScalingRules(30, 60, 0, 0, 0), currentReplicas: 10, prenormalizedDesiredReplicas: 50, expectedReplicas: 40,
  },
  {
    name: 'scaleUp with percent policy limitation', specMinReplicas: 1, specMaxReplicas: 1000,
    scaleUpRules: generateScalingRules(0, 0, 200, 60, 0), currentReplicas: 10, prenormalizedDesiredReplicas: 50, expectedReplicas: 30,
  },
  {
    name: 'scaleDown with percent policy larger than pod policy', specMinReplicas: 1, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(20, 60, 1, 60, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 2, expectedReplicas: 80,
  },
  {
    name: 'scaleDown with pod policy larger than percent policy', specMinReplicas: 1, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(2, 60, 1, 60, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 2, expectedReplicas: 98,
  },
  {
    name: 'scaleDown with spec MinReplicas=nil limitation with large pod policy', specMinReplicas: 1, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(100, 60, 0, 0, 300), currentReplicas: 10, prenormalizedDesiredReplicas: 0, expectedReplicas: 1,
  },
  {
    name: 'scaleDown with spec MinReplicas limitation with large pod policy', specMinReplicas: 1, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(100, 60, 0, 0, 300), currentReplicas: 10, prenormalizedDesiredReplicas: 0, expectedReplicas: 1,
  },
  {
    name: 'scaleDown with spec MinReplicas limitation with large percent policy', specMinReplicas: 5, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(0, 0, 100, 60, 300), currentReplicas: 10, prenormalizedDesiredReplicas: 2, expectedReplicas: 5,
  },
  {
    name: 'scaleDown with pod policy limitation', specMinReplicas: 1, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(5, 60, 0, 0, 300), currentReplicas: 10, prenormalizedDesiredReplicas: 2, expectedReplicas: 5,
  },
  {
    name: 'scaleDown with percent policy limitation', specMinReplicas: 1, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(0, 0, 50, 60, 300), currentReplicas: 10, prenormalizedDesiredReplicas: 5, expectedReplicas: 5,
  },
  {
    name: 'scaleUp with spec MaxReplicas limitation with large pod policy and events',
    scaleUpEvents: generateEventsUniformDistribution([1, 5, 9], 120), specMinReplicas: 1, specMaxReplicas: 200,
    scaleUpRules: generateScalingRules(300, 60, 0, 0, 0), currentReplicas: 100, prenormalizedDesiredReplicas: 500, expectedReplicas: 200,
  },
  {
    name: 'scaleUp with spec MaxReplicas limitation with large percent policy and events',
    scaleUpEvents: generateEventsUniformDistribution([1, 5, 9], 120), specMinReplicas: 1, specMaxReplicas: 200,
    scaleUpRules: generateScalingRules(0, 0, 10000, 60, 0), currentReplicas: 100, prenormalizedDesiredReplicas: 500, expectedReplicas: 200,
  },
  {
    name: 'scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events',
    scaleUpEvents: generateEventsUniformDistribution([1, 5, 9], 120), specMinReplicas: 1, specMaxReplicas: 1000,
    scaleUpRules: generateScalingRules(5, 120, 0, 0, 0), currentReplicas: 100, prenormalizedDesiredReplicas: 500, expectedReplicas: 100,
  },
  {
    name: 'scaleUp with pod policy and previous scale up events',
    scaleUpEvents: generateEventsUniformDistribution([1, 5, 9], 120), specMinReplicas: 1, specMaxReplicas: 1000,
    scaleUpRules: generateScalingRules(150, 120, 0, 0, 0), currentReplicas: 100, prenormalizedDesiredReplicas: 500, expectedReplicas: 235,
  },
  {
    name: 'scaleUp with percent policy and previous scale up events',
    scaleUpEvents: generateEventsUniformDistribution([1, 5, 9], 120), specMinReplicas: 1, specMaxReplicas: 1000,
    scaleUpRules: generateScalingRules(0, 0, 200, 120, 0), currentReplicas: 100, prenormalizedDesiredReplicas: 500, expectedReplicas: 255,
  },
  {
    name: 'scaleUp with percent policy and previous scale up and down events',
    scaleUpEvents: generateEventsUniformDistribution([4], 120), scaleDownEvents: generateEventsUniformDistribution([2], 120),
    specMinReplicas: 1, specMaxReplicas: 1000,
    scaleUpRules: generateScalingRules(0, 0, 300, 300, 0), currentReplicas: 6, prenormalizedDesiredReplicas: 24, expectedReplicas: 16,
  },
  {
    name: 'scaleDown with default policy and previous events',
    scaleDownEvents: generateEventsUniformDistribution([1, 5, 9], 120), specMinReplicas: 1, specMaxReplicas: 1000,
    currentReplicas: 10, prenormalizedDesiredReplicas: 5, expectedReplicas: 5,
  },
  {
    name: 'scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events',
    scaleDownEvents: generateEventsUniformDistribution([1, 5, 9], 120), specMinReplicas: 1, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(115, 120, 0, 0, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 0, expectedReplicas: 1,
  },
  {
    name: 'scaleDown with spec MinReplicas limitation with large pod policy and previous events',
    scaleDownEvents: generateEventsUniformDistribution([1, 5, 9], 120), specMinReplicas: 5, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(130, 120, 0, 0, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 0, expectedReplicas: 5,
  },
  {
    name: 'scaleDown with spec MinReplicas limitation with large percent policy and previous events',
    scaleDownEvents: generateEventsUniformDistribution([1, 5, 9], 120), specMinReplicas: 5, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(0, 0, 100, 120, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 2, expectedReplicas: 5,
  },
  {
    name: 'scaleDown with pod policy limitation and previous events',
    scaleDownEvents: generateEventsUniformDistribution([1, 5, 9], 120), specMinReplicas: 1, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(5, 120, 0, 0, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 2, expectedReplicas: 100,
  },
  {
    name: 'scaleDown with percent policy limitation and previous events',
    scaleDownEvents: generateEventsUniformDistribution([2, 4, 6], 120), specMinReplicas: 1, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(0, 0, 50, 120, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 0, expectedReplicas: 56,
  },
  {
    name: 'scaleDown with percent policy and previous scale up and down events',
    scaleUpEvents: generateEventsUniformDistribution([2], 120), scaleDownEvents: generateEventsUniformDistribution([4], 120),
    specMinReplicas: 1, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(0, 0, 50, 180, 0), currentReplicas: 10, prenormalizedDesiredReplicas: 1, expectedReplicas: 6,
  },
  {
    name: 'scaleDown with previous events preventing further scale down',
    scaleDownEvents: generateEventsUniformDistribution([10, 10, 10], 120), specMinReplicas: 1, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(0, 0, 10, 120, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 0, expectedReplicas: 100,
  },
  {
    name: 'scaleDown with with previous events still allowing more scale down',
    scaleDownEvents: generateEventsUniformDistribution([10, 10, 10], 120), specMinReplicas: 1, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(0, 0, 1000, 120, 300), currentReplicas: 10, prenormalizedDesiredReplicas: 5, expectedReplicas: 5,
  },
  {
    name: 'check \'outdated\' flag for events for one behavior for up',
    scaleUpEvents: generateEventsUniformDistribution([8, 12, 9, 11], 120), specMinReplicas: 1, specMaxReplicas: 1000,
    scaleUpRules: generateScalingRules(1000, 60, 0, 0, 0), currentReplicas: 100, prenormalizedDesiredReplicas: 200, expectedReplicas: 200,
  },
  {
    name: 'check that events were not marked \'outdated\' for two different policies in the behavior for up',
    scaleUpEvents: generateEventsUniformDistribution([8, 12, 9, 11], 120), specMinReplicas: 1, specMaxReplicas: 1000,
    scaleUpRules: generateScalingRules(1000, 120, 100, 60, 0), currentReplicas: 100, prenormalizedDesiredReplicas: 200, expectedReplicas: 200,
  },
  {
    name: 'check that events were marked \'outdated\' for two different policies in the behavior for up',
    scaleUpEvents: generateEventsUniformDistribution([8, 12, 9, 11], 120), specMinReplicas: 1, specMaxReplicas: 1000,
    scaleUpRules: generateScalingRules(1000, 30, 100, 60, 0), currentReplicas: 100, prenormalizedDesiredReplicas: 200, expectedReplicas: 200,
  },
  {
    name: 'check \'outdated\' flag for events for one behavior for down',
    scaleDownEvents: generateEventsUniformDistribution([8, 12, 9, 11], 120), specMinReplicas: 1, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(1000, 60, 0, 0, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 5, expectedReplicas: 5,
  },
  {
    name: 'check that events were not marked \'outdated\' for two different policies in the behavior for down',
    scaleDownEvents: generateEventsUniformDistribution([8, 12, 9, 11], 120), specMinReplicas: 1, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(1000, 120, 100, 60, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 5, expectedReplicas: 5,
  },
  {
    name: 'check that events were marked \'outdated\' for two different policies in the behavior for down',
    scaleDownEvents: generateEventsUniformDistribution([8, 12, 9, 11], 120), specMinReplicas: 1, specMaxReplicas: 1000,
    scaleDownRules: generateScalingRules(1000, 30, 100, 60, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 5, expectedReplicas: 5,
  },
];

describe('normalizeReplicas: TestScalingWithRules (behavior given, no stabilization history)', () => {
  test.each(SCALING_WITH_RULES.map(c => [c.name, c] as const))('%s', (_name, c) => {
    const input: BehaviorInput = {
      minReplicas: c.specMinReplicas,
      maxReplicas: c.specMaxReplicas,
      currentReplicas: c.currentReplicas,
      proposedReplicas: c.prenormalizedDesiredReplicas,
      behavior: { scaleUp: c.scaleUpRules, scaleDown: c.scaleDownRules },
      scaleUpEvents: c.scaleUpEvents,
      scaleDownEvents: c.scaleDownEvents,
    };
    expect(normalizeReplicas(input)).toBe(c.expectedReplicas);
  });
});

describe('normalizeReplicas: TestNormalizeDesiredReplicasWithBehavior (stabilization windows)', () => {
  // The upstream test calls stabilizeRecommendationWithBehaviors alone; here the scale-up rate is
  // opened (1000 pods per 15 s) so that only the stabilization shows. Unset windows are 0 there.
  const cases: Array<[string, Array<{ replicas: number; secondsAgo: number }>, number, number, number, number, number]> = [
    // name, recommendations, current, prenormalized, expected, up window, down window
    ['empty recommendations for scaling down', [], 100, 5, 5, 0, 0],
    ['simple scale down stabilization', [{ replicas: 4, secondsAgo: 120 }, { replicas: 5, secondsAgo: 60 }], 100, 3, 5, 0, 180],
    ['simple scale up stabilization', [{ replicas: 4, secondsAgo: 120 }, { replicas: 5, secondsAgo: 60 }], 1, 7, 4, 300, 0],
    ['no scale down stabilization', [{ replicas: 1, secondsAgo: 120 }, { replicas: 2, secondsAgo: 60 }], 100, 3, 3, 300, 0],
    ['no scale up stabilization', [{ replicas: 4, secondsAgo: 120 }, { replicas: 5, secondsAgo: 60 }], 1, 3, 3, 0, 300],
    ['no scale down stabilization, reuse recommendation element', [{ replicas: 10, secondsAgo: 600 }, { replicas: 9, secondsAgo: 540 }], 100, 3, 3, 0, 0],
    ['no scale up stabilization, reuse recommendation element', [{ replicas: 10, secondsAgo: 600 }, { replicas: 9, secondsAgo: 540 }], 1, 100, 100, 0, 0],
    ['scale down stabilization, reuse one of obsolete recommendation element', [
      { replicas: 10, secondsAgo: 600 }, { replicas: 4, secondsAgo: 60 }, { replicas: 5, secondsAgo: 120 }, { replicas: 9, secondsAgo: 540 },
    ], 100, 3, 5, 0, 180],
    ['scale up stabilization, reuse one of obsolete recommendation element', [
      { replicas: 10, secondsAgo: 6000 }, { replicas: 6, secondsAgo: 60 }, { replicas: 5, secondsAgo: 120 }, { replicas: 9, secondsAgo: 180 },
    ], 1, 100, 5, 300, 0],
    ['scale up and down stabilization, do not scale up when prenormalized rec goes down', [
      { replicas: 2, secondsAgo: 6000 }, { replicas: 3, secondsAgo: 180 },
    ], 2, 1, 2, 300, 300],
    ['scale up and down stabilization, do not scale down when prenormalized rec goes up', [
      { replicas: 2, secondsAgo: 6000 }, { replicas: 1, secondsAgo: 180 },
    ], 2, 3, 2, 300, 300],
  ];
  test.each(cases)('%s', (_name, recommendations, currentReplicas, proposedReplicas, expected, up, down) => {
    expect(normalizeReplicas({
      minReplicas: 1, maxReplicas: 1000, currentReplicas, proposedReplicas, recommendations,
      behavior: {
        scaleUp: { stabilizationWindowSeconds: up, policies: [{ type: 'Pods', value: 1000, periodSeconds: 15 }] },
        scaleDown: { stabilizationWindowSeconds: down },
      },
    })).toBe(expected);
  });

  test('a recommendation exactly at the window edge is outside it (strict After)', () => {
    const base: BehaviorInput = {
      minReplicas: 1, maxReplicas: 100, currentReplicas: 10, proposedReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
    };
    expect(normalizeReplicas({ ...base, recommendations: [{ secondsAgo: 60, replicas: 8 }] })).toBe(3);
    expect(normalizeReplicas({ ...base, recommendations: [{ secondsAgo: 59, replicas: 8 }] })).toBe(8);
  });

  test('behavior given without scaleDown: the 300 s default window applies', () => {
    const input: BehaviorInput = {
      minReplicas: 1, maxReplicas: 100, currentReplicas: 10, proposedReplicas: 3, behavior: { scaleUp: {} },
      recommendations: [{ secondsAgo: 299, replicas: 9 }],
    };
    expect(normalizeReplicas(input)).toBe(9);
    expect(normalizeReplicas({ ...input, recommendations: [{ secondsAgo: 300, replicas: 9 }] })).toBe(3);
  });
});

describe('normalizeReplicas: TestCalculateScaleUpLimitWithScalingRules / TestCalculateScaleDownLimitWithBehaviors', () => {
  const minRules: BehaviorScalingRules = {
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Min',
    policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }, { type: 'Percent', value: 50, periodSeconds: 60 }],
  };

  test('TestCalculateScaleUpLimitWithScalingRules: Min picks the smaller increase', () => {
    expect(normalizeReplicas({ minReplicas: 1, maxReplicas: 100, currentReplicas: 1, proposedReplicas: 50, behavior: { scaleUp: minRules } }))
      .toBe(2);
  });

  test('TestCalculateScaleDownLimitWithBehaviors: Min picks the smaller decrease', () => {
    expect(normalizeReplicas({ minReplicas: 1, maxReplicas: 100, currentReplicas: 5, proposedReplicas: 0, behavior: { scaleDown: minRules } }))
      .toBe(3);
  });
});

describe('normalizeReplicas: reconcileAutoscaler checks (TestZeroReplicas, TestTooFewReplicas, TestTooManyReplicas)', () => {
  test('TestZeroReplicas: a target at 0 with minReplicas > 0 stays at 0 (autoscaling disabled)', () => {
    expect(normalizeReplicas({ minReplicas: 3, maxReplicas: 5, currentReplicas: 0, proposedReplicas: 5 })).toBe(0);
    expect(normalizeReplicas({ minReplicas: 3, maxReplicas: 5, currentReplicas: 0, proposedReplicas: 5, behavior: {} })).toBe(0);
  });

  test('TestTooFewReplicas: below minReplicas goes to minReplicas whatever the proposal', () => {
    expect(normalizeReplicas({ minReplicas: 3, maxReplicas: 5, currentReplicas: 2, proposedReplicas: 0 })).toBe(3);
  });

  test('TestTooManyReplicas: above maxReplicas goes to maxReplicas whatever the proposal', () => {
    expect(normalizeReplicas({ minReplicas: 3, maxReplicas: 5, currentReplicas: 10, proposedReplicas: 10 })).toBe(5);
  });

  test('minReplicas 0 at 0 replicas is normalized (scale from zero)', () => {
    expect(normalizeReplicas({ minReplicas: 0, maxReplicas: 6, currentReplicas: 0, proposedReplicas: 2 })).toBe(2);
    expect(normalizeReplicas({ minReplicas: 0, maxReplicas: 6, currentReplicas: 0, proposedReplicas: 9 })).toBe(4);
    // with behavior: Percent of 0 adds nothing, the 4-pod policy allows 4
    expect(normalizeReplicas({ minReplicas: 0, maxReplicas: 20, currentReplicas: 0, proposedReplicas: 9, behavior: {} })).toBe(4);
  });
});

describe('normalizeReplicas: selectPolicy and policy edge cases', () => {
  const base = { minReplicas: 1, maxReplicas: 100, currentReplicas: 10 };

  test('Disabled scale-up keeps the current replicas', () => {
    expect(normalizeReplicas({ ...base, proposedReplicas: 50, behavior: { scaleUp: { selectPolicy: 'Disabled' } } })).toBe(10);
  });

  test('Disabled scale-down keeps the current replicas, even below minReplicas proposals', () => {
    expect(normalizeReplicas({ ...base, proposedReplicas: 0, behavior: { scaleDown: { selectPolicy: 'Disabled', stabilizationWindowSeconds: 0 } } }))
      .toBe(10);
  });

  test('an explicit empty policy list allows no change (copyHPAScalingRules keeps a non-nil list)', () => {
    expect(normalizeReplicas({ ...base, proposedReplicas: 50, behavior: { scaleUp: { policies: [] } } })).toBe(10);
  });

  test('Percent scale-up rounds up, Percent scale-down truncates', () => {
    expect(normalizeReplicas({ ...base, proposedReplicas: 50, behavior: { scaleUp: { policies: [{ type: 'Percent', value: 15, periodSeconds: 60 }] } } }))
      .toBe(12);
    expect(normalizeReplicas({
      ...base, proposedReplicas: 1, behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 15, periodSeconds: 60 }] } },
    })).toBe(8);
  });

  test('an event exactly one period old no longer counts', () => {
    const behavior = { scaleUp: { policies: [{ type: 'Pods' as const, value: 4, periodSeconds: 60 }] } };
    expect(normalizeReplicas({ ...base, proposedReplicas: 50, behavior, scaleUpEvents: [{ secondsAgo: 60, change: 4 }] })).toBe(14);
    expect(normalizeReplicas({ ...base, proposedReplicas: 50, behavior, scaleUpEvents: [{ secondsAgo: 59, change: 4 }] })).toBe(10);
  });

  test('events are ignored without behavior (the legacy path keeps none)', () => {
    expect(normalizeReplicas({ ...base, proposedReplicas: 50, scaleUpEvents: [{ secondsAgo: 1, change: 40 }] })).toBe(20);
  });
});

describe('normalizeReplicas: input errors name the field', () => {
  const ok: BehaviorInput = { minReplicas: 1, maxReplicas: 10, currentReplicas: 2, proposedReplicas: 3 };
  const cases: Array<[string, unknown, string]> = [
    ['input not an object', 'x', '\'input\' ("x") must be an object'],
    ['negative minReplicas', { ...ok, minReplicas: -1 }, '\'minReplicas\' (-1) must be a whole number from 0 to 2147483647'],
    ['zero maxReplicas', { ...ok, maxReplicas: 0 }, '\'maxReplicas\' (0) must be a whole number from 1 to 2147483647'],
    ['min above max', { ...ok, minReplicas: 11 }, '\'minReplicas\' (11) must not be greater than maxReplicas (10)'],
    ['negative currentReplicas', { ...ok, currentReplicas: -1 }, '\'currentReplicas\' (-1) must be a whole number from 0 to 2147483647'],
    ['missing proposedReplicas', { ...ok, proposedReplicas: undefined }, '\'proposedReplicas\' (undefined) must be a whole number from 0 to 2147483647'],
    ['behavior not an object', { ...ok, behavior: [] }, '\'behavior\' ([]) must be an object'],
    ['scaleUp not an object', { ...ok, behavior: { scaleUp: 5 } }, '\'behavior.scaleUp\' (5) must be an object'],
    ['window too long', { ...ok, behavior: { scaleDown: { stabilizationWindowSeconds: 3601 } } },
      '\'behavior.scaleDown.stabilizationWindowSeconds\' (3601) must be a whole number from 0 to 3600'],
    ['unknown selectPolicy', { ...ok, behavior: { scaleUp: { selectPolicy: 'Avg' } } },
      '\'behavior.scaleUp.selectPolicy\' ("Avg") must be one of \'Max\', \'Min\', \'Disabled\''],
    ['policies not an array', { ...ok, behavior: { scaleUp: { policies: {} } } }, '\'behavior.scaleUp.policies\' ({}) must be an array'],
    ['unknown policy type', { ...ok, behavior: { scaleUp: { policies: [{ type: 'Replicas', value: 1, periodSeconds: 15 }] } } },
      '\'behavior.scaleUp.policies[0].type\' ("Replicas") must be one of \'Pods\', \'Percent\''],
    ['zero policy value', { ...ok, behavior: { scaleDown: { policies: [{ type: 'Pods', value: 0, periodSeconds: 15 }] } } },
      '\'behavior.scaleDown.policies[0].value\' (0) must be a whole number from 1 to 2147483647'],
    ['period too long', { ...ok, behavior: { scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 1801 }] } } },
      '\'behavior.scaleDown.policies[0].periodSeconds\' (1801) must be a whole number from 1 to 1800'],
    ['recommendations not an array', { ...ok, recommendations: 3 }, '\'recommendations\' (3) must be an array'],
    ['negative recommendation age', { ...ok, recommendations: [{ secondsAgo: -1, replicas: 1 }] },
      '\'recommendations[0].secondsAgo\' (-1) must be a finite number greater than or equal to 0'],
    ['fractional recommendation', { ...ok, recommendations: [{ secondsAgo: 1, replicas: 1.5 }] },
      '\'recommendations[0].replicas\' (1.5) must be a whole number from 0 to 2147483647'],
    ['scale-up event without change', { ...ok, scaleUpEvents: [{ secondsAgo: 1 }] },
      '\'scaleUpEvents[0].change\' (undefined) must be a whole number from 0 to 2147483647'],
    ['scale-down event not an object', { ...ok, scaleDownEvents: [null] }, '\'scaleDownEvents[0]\' (null) must be an object'],
  ];
  test.each(cases)('%s', (_name, input, message) => {
    expect(() => normalizeReplicas(input as BehaviorInput)).toThrow(new Error(message));
  });
});

describe('normalizeReplicas: the legacy path stabilizes on the largest recent recommendation', () => {
  test('a recent recommendation above the current replicas wins over a scale-down proposal (stabilizeRecommendation)', () => {
    expect(normalizeReplicas({
      minReplicas: 0, maxReplicas: 2, currentReplicas: 1, proposedReplicas: 0, recommendations: [{ secondsAgo: 0, replicas: 2 }],
    })).toBe(2);
  });

  test('with behavior the recommendation is held between the current replicas and the proposal', () => {
    expect(normalizeReplicas({
      minReplicas: 0, maxReplicas: 2, currentReplicas: 1, proposedReplicas: 0, recommendations: [{ secondsAgo: 0, replicas: 2 }], behavior: {},
    })).toBe(1);
  });
});
