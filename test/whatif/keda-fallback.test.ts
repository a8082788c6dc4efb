/**
 * KEDA fallback (pkg/fallback/fallback.go v2.18.3): failures counted per metric on each HPA
 * read, the fallback metric after more than failureThreshold of them, the four behaviors, Value
 * targets divided by the ready pods, and no wake from zero.
 */
import { KedaSimulation, TriggerReading } from '../../lib';
import { drive, firstAt, pods, prometheus, scaledObject, START } from './keda-helpers';

const value = (v: number): TriggerReading => ({ kind: 'ok', value: v });
const down: TriggerReading = { kind: 'error', reason: 'connection refused' };
/** Scale-up and scale-down at once, so that the fallback's proposal shows on the next sync. */
const fast = {
  horizontalPodAutoscalerConfig: {
    behavior: {
      scaleUp: { policies: [{ type: 'Pods', value: 100, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 100, periodSeconds: 15 }] },
    },
  },
};

function withFallback(fallback: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return scaledObject({ minReplicaCount: 1, maxReplicaCount: 20, advanced: fast, fallback, triggers: [prometheus('5')], ...extra });
}

describe('fallback after failureThreshold failed HPA reads', () => {
  test('static: the 4th failed read of a threshold of 3 serves replicas x target, and recovery ends it', () => {
    const keda = new KedaSimulation(withFallback({ failureThreshold: 3, replicas: 6 }), START);
    // 2 replicas at 10 per target 5; Prometheus down from t = 60 to t = 180
    const ticks = drive(keda, { to: 240, start: 2, reading: t => (t >= 60 && t < 180 ? down : value(10)) });
    const at = (t: number) => ticks.find(k => k.t === t)!;
    // HPA reads at 60, 75, 90 fail (1..3): all metrics invalid, no change
    expect([60, 75, 90].map(t => at(t).replicas)).toEqual([2, 2, 2]);
    expect(at(90).result.fallbackActive).toBe(false);
    // 4th failure at 105 > 3: fallback metric 6 x 5 = 30 -> 6 replicas
    expect(at(105).result.fallbackActive).toBe(true);
    expect(at(105).result.events).toContain('fallback: 4 failed reads of s0-prometheus (static)');
    expect(at(105).replicas).toBe(6);
    expect(at(165).replicas).toBe(6);
    // the metric is back at 180: 10 / 5 = 2
    expect(at(180).result.events).toContain('fallback ended: s0-prometheus');
    expect(at(180).result.fallbackActive).toBe(false);
    expect(at(180).replicas).toBe(2);
  });

  test('the polls during the outage leave the target alone (an error with fallback.replicas set)', () => {
    const keda = new KedaSimulation(withFallback({ failureThreshold: 100, replicas: 6 }, { minReplicaCount: 0, cooldownPeriod: 0 }), START);
    const ticks = drive(keda, { to: 600, start: 2, reading: t => (t >= 30 ? down : value(10)) });
    expect(ticks.every(k => k.replicas === 2)).toBe(true);
  });

  test('fallback.replicas 0: an error poll falls through to the scale-to-zero rules', () => {
    const keda = new KedaSimulation(withFallback({ failureThreshold: 3, replicas: 0 }, { minReplicaCount: 0, cooldownPeriod: 60 }), START);
    const ticks = drive(keda, { to: 600, start: 2, reading: t => (t >= 30 ? down : value(10)) });
    // last active poll at 0, cooldown 60: the poll at 90 scales to zero
    expect(firstAt(ticks, 0)).toBe(90);
  });

  test.each([
    ['currentReplicas', 8, 8],
    ['currentReplicasIfHigher', 8, 8],
    ['currentReplicasIfHigher', 3, 6],
    ['currentReplicasIfLower', 8, 6],
    ['currentReplicasIfLower', 3, 3],
    ['static', 8, 6],
  ])('behavior %s with %i current replicas and fallback.replicas 6 -> %i', (behavior, current, expected) => {
    const keda = new KedaSimulation(withFallback({ failureThreshold: 0, replicas: 6, behavior }), START);
    const r = keda.step(0, current, pods(current), () => down);
    expect(r.fallbackActive).toBe(true);
    expect(r.desiredReplicas).toBe(expected);
  });

  test('a Value target: the fallback replicas are divided by the ready pods', () => {
    const keda = new KedaSimulation(withFallback({ failureThreshold: 0, replicas: 6 }, { triggers: [prometheus('5', {}, { metricType: 'Value' })] }), START);
    // 6 / 2 ready x 5 = 15 as the Value; the HPA: 15 / 5 x 2 ready = 6
    expect(keda.step(0, 2, pods(2), () => down).desiredReplicas).toBe(6);
  });

  test('a Value target with no ready pod: no fallback (the read stays an error)', () => {
    const keda = new KedaSimulation(withFallback({ failureThreshold: 0, replicas: 6 }, { triggers: [prometheus('5', {}, { metricType: 'Value' })] }), START);
    const r = keda.step(0, 2, pods(2, false), () => down);
    expect(r.desiredReplicas).toBe(2);
  });

  test('a target at zero is not woken by fallback: its HPA reads nothing, so no failure is counted', () => {
    const keda = new KedaSimulation(withFallback({ failureThreshold: 1, replicas: 6 }, { minReplicaCount: 0 }), START);
    const ticks = drive(keda, { to: 3600, start: 0, reading: () => down });
    expect(ticks.every(k => k.replicas === 0 && !k.result.fallbackActive)).toBe(true);
  });

  test('without fallback, failed reads are invalid metrics: the HPA holds', () => {
    const keda = new KedaSimulation(scaledObject({ minReplicaCount: 1, triggers: [prometheus('5')] }), START);
    const ticks = drive(keda, { to: 600, start: 4, reading: t => (t >= 15 ? down : value(20)) });
    expect(ticks.every(k => k.replicas === 4 && !k.result.fallbackActive)).toBe(true);
  });

  test('ignoreNullValues (the default) never lets an empty result count as a failure', () => {
    const keda = new KedaSimulation(withFallback({ failureThreshold: 0, replicas: 6 }), START);
    const ticks = drive(keda, { to: 300, start: 2, reading: () => ({ kind: 'empty' }) });
    expect(ticks.some(k => k.result.fallbackActive)).toBe(false);
  });

  test('with ignoreNullValues false an empty result counts', () => {
    const keda = new KedaSimulation(withFallback({ failureThreshold: 0, replicas: 6 }, { triggers: [prometheus('5', { ignoreNullValues: 'false' })] }), START);
    expect(keda.step(0, 2, pods(2), () => ({ kind: 'empty' })).fallbackActive).toBe(true);
  });

  test('scalingModifiers with a target that is not a whole number: HasValidFallback is false, no fallback', () => {
    const keda = new KedaSimulation(withFallback({ failureThreshold: 0, replicas: 6 }, {
      advanced: { ...fast, scalingModifiers: { formula: 'q', target: '2.5' } },
      triggers: [prometheus('5', {}, { name: 'q' })],
    }), START);
    const ticks = drive(keda, { to: 120, start: 2, reading: () => down });
    expect(ticks.every(k => k.replicas === 2 && !k.result.fallbackActive)).toBe(true);
  });

  test('scalingModifiers: the composite metric falls back to the modifiers target x replicas', () => {
    const keda = new KedaSimulation(withFallback({ failureThreshold: 0, replicas: 7 }, {
      advanced: { ...fast, scalingModifiers: { formula: 'q + r', target: '4' } },
      triggers: [prometheus('5', {}, { name: 'q' }), prometheus('5', {}, { name: 'r' })],
    }), START);
    const r = keda.step(0, 2, pods(2), i => (i === 0 ? down : value(1)));
    expect(r.fallbackActive).toBe(true);
    expect(r.desiredReplicas).toBe(7);
  });

  test('bad fallback input', () => {
    expect(() => new KedaSimulation(scaledObject({ fallback: { failureThreshold: 3, replicas: 2 }, triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '50' } }] }), START)).toThrow(
      new Error('\'scaledObject.spec.fallback\' ({"failureThreshold":3,"replicas":2}) needs a trigger that is not cpu or memory: KEDA refuses a fallback on cpu/memory triggers only ("at least one trigger (that is not cpu or memory) has to have the `AverageValue` type for the fallback to be enabled")'));
    expect(() => new KedaSimulation(withFallback({ failureThreshold: -1, replicas: 2 }), START)).toThrow(
      new Error("'scaledObject.spec.fallback.failureThreshold' (-1) must be a whole number from 0 to 2147483647"));
    expect(() => new KedaSimulation(withFallback({ failureThreshold: 1, replicas: 2, behavior: 'scalingModifiers' }), START)).toThrow(
      new Error("'scaledObject.spec.fallback.behavior' (\"scalingModifiers\") must be one of 'static', 'currentReplicas', 'currentReplicasIfHigher', 'currentReplicasIfLower'"));
  });
});
