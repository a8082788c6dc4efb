/**
 * Property-based tests of the HPA port: bounds, direction, tolerance and monotonicity, and
 * hostile input always ending in the library's error naming a field.
 */
import { fc, test } from '@fast-check/jest';
import { BehaviorInput, BehaviorScalingRules, normalizeReplicas, proposeReplicas, ReplicaProposalInput } from '../../lib';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261130);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const OPTS = { seed: SEED, numRuns: RUNS };

const rulesArb: fc.Arbitrary<BehaviorScalingRules | undefined> = fc.option(fc.record({
  stabilizationWindowSeconds: fc.option(fc.integer({ min: 0, max: 3600 }), { nil: undefined }),
  selectPolicy: fc.option(fc.constantFrom('Max' as const, 'Min' as const, 'Disabled' as const), { nil: undefined }),
  policies: fc.option(fc.array(fc.record({
    type: fc.constantFrom('Pods' as const, 'Percent' as const),
    value: fc.integer({ min: 1, max: 1000 }),
    periodSeconds: fc.integer({ min: 1, max: 1800 }),
  }), { maxLength: 3 }), { nil: undefined }),
}, { requiredKeys: [] }), { nil: undefined });

const eventsArb = fc.array(fc.record({ secondsAgo: fc.integer({ min: 0, max: 2000 }), change: fc.integer({ min: 0, max: 50 }) }), { maxLength: 6 });

const behaviorInputArb: fc.Arbitrary<BehaviorInput> = fc.record({
  minReplicas: fc.integer({ min: 0, max: 20 }),
  span: fc.integer({ min: 0, max: 80 }),
  currentReplicas: fc.integer({ min: 0, max: 120 }),
  proposedReplicas: fc.integer({ min: 0, max: 500 }),
  behavior: fc.option(fc.record({ scaleUp: rulesArb, scaleDown: rulesArb }), { nil: undefined }),
  recommendations: fc.array(fc.record({ secondsAgo: fc.integer({ min: 0, max: 1000 }), replicas: fc.integer({ min: 0, max: 500 }) }), { maxLength: 6 }),
  scaleUpEvents: eventsArb,
  scaleDownEvents: eventsArb,
}).map(({ span, ...r }) => ({ ...r, maxReplicas: Math.max(1, r.minReplicas + span) }));

describe('normalizeReplicas properties', () => {
  test.prop([behaviorInputArb], OPTS)('the result is within [min, max], except a target at 0 with min > 0 staying at 0', (input) => {
    const result = normalizeReplicas(input);
    expect(Number.isInteger(result)).toBe(true);
    if (input.currentReplicas === 0 && input.minReplicas !== 0) {
      expect(result).toBe(0);
    } else {
      expect(result).toBeGreaterThanOrEqual(input.minReplicas);
      expect(result).toBeLessThanOrEqual(input.maxReplicas);
    }
  });

  // The legacy path (no behavior) takes the largest recent recommendation, which can be above
  // the current replicas: the property holds there only without such history.
  test.prop([behaviorInputArb], OPTS)('never moves against the proposal when the current replicas are within bounds', (input) => {
    fc.pre(input.currentReplicas >= input.minReplicas && input.currentReplicas <= input.maxReplicas && input.currentReplicas > 0);
    fc.pre(input.behavior !== undefined || (input.recommendations ?? []).every(r => r.replicas <= input.currentReplicas));
    const result = normalizeReplicas(input);
    if (input.proposedReplicas >= input.currentReplicas) expect(result).toBeGreaterThanOrEqual(input.currentReplicas);
    if (input.proposedReplicas <= input.currentReplicas && input.proposedReplicas >= input.minReplicas) {
      expect(result).toBeLessThanOrEqual(input.currentReplicas);
    }
  });

  test.prop([behaviorInputArb], OPTS)('a proposal equal to the current replicas is kept without history', (input) => {
    fc.pre(input.currentReplicas >= input.minReplicas && input.currentReplicas <= input.maxReplicas && input.currentReplicas > 0);
    expect(normalizeReplicas({ ...input, proposedReplicas: input.currentReplicas, recommendations: [] })).toBe(input.currentReplicas);
  });
});

/** n ready pods at the same sample, a Pods metric with target 10. */
const podsInput = (n: number, sample: number, tolerance?: number): ReplicaProposalInput => ({
  currentReplicas: n,
  source: 'Pods',
  target: { type: 'AverageValue', averageValue: 10 },
  tolerance,
  pods: Array.from({ length: n }, (_v, i) => ({ name: `p${i}`, phase: 'Running' as const, ready: true })),
  podMetrics: Object.fromEntries(Array.from({ length: n }, (_v, i) => [`p${i}`, sample])),
});

describe('proposeReplicas properties', () => {
  test.prop([fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 100000 }), fc.integer({ min: 0, max: 100000 })], OPTS)(
    'the proposal is monotone in the metric (Pods, all pods ready)', (n, a, b) => {
      const [low, high] = a <= b ? [a / 1000, b / 1000] : [b / 1000, a / 1000];
      expect(proposeReplicas(podsInput(n, low)).replicas).toBeLessThanOrEqual(proposeReplicas(podsInput(n, high)).replicas);
    });

  test.prop([fc.integer({ min: 1, max: 50 }), fc.integer({ min: 900, max: 1100 })], OPTS)(
    'within the tolerance the current replicas are kept', (n, permille) => {
      expect(proposeReplicas(podsInput(n, (10 * permille) / 1000)).replicas).toBe(n);
    });

  test.prop([fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 10000 }), fc.integer({ min: 1, max: 100000 })], OPTS)(
    'Object and External Value targets are monotone in the value', (current, target, value) => {
      const input = (v: number): ReplicaProposalInput => ({ currentReplicas: current, source: 'External', target: { type: 'Value', value: target / 10 }, value: v });
      expect(proposeReplicas(input(value / 10)).replicas).toBeLessThanOrEqual(proposeReplicas(input((value + 1000) / 10)).replicas);
    });

  test.prop([fc.integer({ min: 1, max: 40 }), fc.array(fc.integer({ min: 0, max: 4000 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 10, max: 300 })], OPTS)(
    'Utilization proposals are whole numbers reporting the truncated percentage of requests', (current, millis, targetUtilization) => {
      const pods = millis.map((_m, i) => ({ name: `p${i}`, phase: 'Running' as const, ready: true, requests: { cpu: 1 } }));
      const proposal = proposeReplicas({
        currentReplicas: current, source: 'Resource', resource: 'cpu', target: { type: 'Utilization', averageUtilization: targetUtilization },
        pods, podMetrics: Object.fromEntries(millis.map((m, i) => [`p${i}`, m / 1000])),
      });
      const total = millis.reduce((s, m) => s + m, 0);
      expect(proposal.utilization).toBe(Math.trunc((total * 100) / (1000 * millis.length)));
      expect(Number.isInteger(proposal.replicas) && proposal.replicas >= 0).toBe(true);
    });
});

describe('hostile input ends in the library error naming a field', () => {
  const isLibraryError = (e: unknown) => e instanceof Error && e.constructor === Error && /^'.+' \(/s.test(e.message);
  const junk = fc.oneof(fc.anything(), fc.constant(undefined), fc.constant(NaN), fc.constant(-1), fc.constant(Infinity));

  test.prop([fc.dictionary(fc.constantFrom(
    'currentReplicas', 'source', 'resource', 'target', 'tolerance', 'cpuInitializationPeriodSeconds', 'pods', 'podMetrics',
    'podMetricWindowSeconds', 'value', 'values',
  ), junk)], OPTS)('proposeReplicas', (overrides) => {
    const input = { ...podsInput(2, 12), ...overrides };
    try {
      const proposal = proposeReplicas(input as ReplicaProposalInput);
      expect(Number.isInteger(proposal.replicas)).toBe(true);
    } catch (e) {
      expect(isLibraryError(e)).toBe(true);
    }
  });

  test.prop([fc.dictionary(fc.constantFrom(
    'minReplicas', 'maxReplicas', 'currentReplicas', 'proposedReplicas', 'behavior', 'recommendations', 'scaleUpEvents', 'scaleDownEvents',
  ), junk)], OPTS)('normalizeReplicas', (overrides) => {
    const input = { minReplicas: 1, maxReplicas: 10, currentReplicas: 3, proposedReplicas: 5, ...overrides };
    try {
      expect(Number.isInteger(normalizeReplicas(input as BehaviorInput))).toBe(true);
    } catch (e) {
      expect(isLibraryError(e)).toBe(true);
    }
  });
});
