/**
 * HpaSimulation: the horizontal.go sync loop around proposeReplicas and normalizeReplicas, over
 * several syncs (recommendation history, scale events, the invalid-metric rule, the legacy path).
 */
import { HpaSimulation, HpaSpec, MetricReading, ReplicaProposalPod } from '../../lib';

const ok = (value: number): MetricReading => ({ kind: 'ok', value });
const down = (reason = 'prometheus is down'): MetricReading => ({ kind: 'error', reason });

function pods(n: number, requests?: Record<string, number>): ReplicaProposalPod[] {
  return Array.from({ length: n }, (_, i) => ({ name: `p-${i}`, phase: 'Running' as const, ready: true, requests }));
}

function external(target: { type: 'AverageValue'; averageValue: string | number } | { type: 'Value'; value: string | number }, name = 'queue') {
  return { type: 'External', external: { metric: { name }, target } };
}

/** Runs syncs every 15 s, feeding desired back as current; returns desired per sync. */
function run(hpa: HpaSimulation, start: number, values: MetricReading[][], from = 0): number[] {
  let current = start;
  return values.map((readings, i) => {
    const r = hpa.sync({ now: from + i * 15, currentReplicas: current, pods: pods(current), readings });
    current = r.desiredReplicas;
    return current;
  });
}

describe('HpaSimulation: one sync', () => {
  test('External AverageValue: the total divided by the per-pod target, without behavior capped at max(2 x current, 4)', () => {
    // GIVEN
    const hpa = new HpaSimulation({ minReplicas: 1, maxReplicas: 20, metrics: [external({ type: 'AverageValue', averageValue: '5' })] });
    // WHEN
    const r = hpa.sync({ now: 0, currentReplicas: 1, pods: pods(1), readings: [ok(40)] });
    // THEN
    expect(r.proposals).toEqual([8]);
    expect(r.desiredReplicas).toBe(4);
    expect(r.limited).toBe('policy');
    expect(r.ableToScale).toBe(true);
    expect(r.reason).toBe('the desired replica count is increasing faster than the maximum scale rate');
  });

  test('External Value: the ratio is multiplied by the ready pods; AverageValue does not divide the total by them', () => {
    const value = new HpaSimulation({ maxReplicas: 50, metrics: [external({ type: 'Value', value: 10 })] });
    const average = new HpaSimulation({ maxReplicas: 50, metrics: [external({ type: 'AverageValue', averageValue: 10 })] });
    const v = value.sync({ now: 0, currentReplicas: 2, pods: pods(2), readings: [ok(40)] });
    const a = average.sync({ now: 0, currentReplicas: 2, pods: pods(2), readings: [ok(40)] });
    expect(v.proposals).toEqual([8]);
    expect(a.proposals).toEqual([4]);
    expect(v.desiredReplicas).toBe(4); // legacy scale-up limit max(2 x 2, 4)
    expect(a.desiredReplicas).toBe(4);
  });

  test('quantities in the spec are read in base units (500m = 0.5)', () => {
    const hpa = new HpaSimulation({ maxReplicas: 10, metrics: [external({ type: 'AverageValue', averageValue: '500m' })] });
    expect(hpa.sync({ now: 0, currentReplicas: 2, pods: pods(2), readings: [ok(1.5)] }).proposals).toEqual([3]);
  });

  test('Resource cpu utilization from per-pod samples and requests', () => {
    const hpa = new HpaSimulation({
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    });
    const r = hpa.sync({
      now: 0, currentReplicas: 2, pods: pods(2, { cpu: 1 }),
      readings: [{ kind: 'ok', podMetrics: { 'p-0': 0.9, 'p-1': 0.7 } }],
    });
    // 80 % average over a 50 % target: ceil(1.6 x 2) = 4
    expect(r.proposals).toEqual([4]);
    expect(r.desiredReplicas).toBe(4);
  });

  test('ContainerResource utilization reads the named container\'s request', () => {
    const hpa = new HpaSimulation({
      maxReplicas: 10,
      metrics: [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'vllm', target: { type: 'Utilization', averageUtilization: 50 } } }],
    });
    const r = hpa.sync({ now: 0, currentReplicas: 2, pods: pods(2, { cpu: 2 }), readings: [{ kind: 'ok', podMetrics: { 'p-0': 2, 'p-1': 2 } }] });
    expect(r.proposals).toEqual([4]);
  });

  test('Pods AverageValue and Object Value metrics', () => {
    const hpa = new HpaSimulation({
      maxReplicas: 10,
      metrics: [
        { type: 'Pods', pods: { metric: { name: 'waiting' }, target: { type: 'AverageValue', averageValue: '2' } } },
        { type: 'Object', object: { describedObject: { kind: 'Service', name: 's' }, metric: { name: 'rps' }, target: { type: 'Value', value: '100' } } },
      ],
    });
    const r = hpa.sync({ now: 0, currentReplicas: 2, pods: pods(2), readings: [{ kind: 'ok', podMetrics: { 'p-0': 3, 'p-1': 3 } }, ok(150)] });
    expect(r.proposals).toEqual([3, 3]);
    expect(r.desiredReplicas).toBe(3);
    expect(r.reason).toBe('pods metric waiting above target');
  });

  test('no metrics: the API default, cpu at 80 % utilization', () => {
    const hpa = new HpaSimulation({ maxReplicas: 10 });
    const r = hpa.sync({ now: 0, currentReplicas: 1, pods: pods(1, { cpu: 1 }), readings: [{ kind: 'ok', podMetrics: { 'p-0': 1.6 } }] });
    expect(r.proposals).toEqual([2]);
  });

  test('a target at 0 replicas with minReplicas > 0: scaling disabled, no metric read', () => {
    const hpa = new HpaSimulation({ minReplicas: 1, maxReplicas: 5, metrics: [external({ type: 'AverageValue', averageValue: 1 })] });
    const read = jest.fn(() => ok(100));
    const r = hpa.syncWith(0, 0, [], read);
    expect(r).toEqual({ desiredReplicas: 0, proposals: [undefined], ableToScale: false, limited: undefined, reason: 'scaling is disabled since the replica count of the target is zero' });
    expect(read).not.toHaveBeenCalled();
  });

  test('replicas above max or below min are brought into range without reading metrics', () => {
    const hpa = new HpaSimulation({ minReplicas: 2, maxReplicas: 5, metrics: [external({ type: 'AverageValue', averageValue: 1 })] });
    const read = jest.fn(() => ok(1));
    expect(hpa.syncWith(0, 9, pods(9), read)).toMatchObject({ desiredReplicas: 5, limited: 'max', reason: 'Current number of replicas above Spec.MaxReplicas' });
    expect(hpa.syncWith(15, 1, pods(1), read)).toMatchObject({ desiredReplicas: 2, limited: 'min', reason: 'Current number of replicas below Spec.MinReplicas' });
    expect(read).not.toHaveBeenCalled();
  });

  test('a proposal below minReplicas is raised to it (TooFewReplicas)', () => {
    // (a behavior without scale-down window: the initial recommendation recorded at the same
    // instant is outside a 0 s window, which is exclusive at its cutoff)
    const hpa = new HpaSimulation({ minReplicas: 3, maxReplicas: 10, metrics: [external({ type: 'AverageValue', averageValue: 10 })], behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } });
    const r = hpa.sync({ now: 0, currentReplicas: 5, pods: pods(5), readings: [ok(1)] });
    expect(r.desiredReplicas).toBe(3);
    expect(r.limited).toBe('min');
  });
});

describe('HpaSimulation: invalid metrics (computeReplicasForMetrics)', () => {
  const spec: HpaSpec = {
    minReplicas: 1, maxReplicas: 20,
    metrics: [external({ type: 'AverageValue', averageValue: 10 }, 'a'), external({ type: 'AverageValue', averageValue: 10 }, 'b')],
  };

  test('all metrics invalid: no scaling', () => {
    const hpa = new HpaSimulation(spec);
    const r = hpa.sync({ now: 0, currentReplicas: 4, pods: pods(4), readings: [down(), down('timeout')] });
    expect(r).toEqual({
      desiredReplicas: 4, proposals: [undefined, undefined], ableToScale: false, limited: undefined,
      reason: 'invalid metrics (2 invalid out of 2), first error is: prometheus is down',
    });
  });

  test('one metric invalid while the others would scale down: no scale-down', () => {
    const hpa = new HpaSimulation(spec, { downscaleStabilizationSeconds: 0 });
    const r = hpa.sync({ now: 0, currentReplicas: 4, pods: pods(4), readings: [ok(10), down()] });
    expect(r.proposals).toEqual([1, undefined]);
    expect(r.desiredReplicas).toBe(4);
    expect(r.ableToScale).toBe(false);
    expect(r.reason).toBe('invalid metrics (1 invalid out of 2), first error is: prometheus is down');
  });

  test('one metric invalid while the others scale up: the controller scales up', () => {
    const hpa = new HpaSimulation(spec);
    const r = hpa.sync({ now: 0, currentReplicas: 4, pods: pods(4), readings: [down(), ok(60)] });
    expect(r.proposals).toEqual([undefined, 6]);
    expect(r.desiredReplicas).toBe(6);
    expect(r.ableToScale).toBe(true);
    expect(r.reason).toBe('invalid metrics (1 invalid out of 2), first error is: prometheus is down');
  });

  test('an invalid-metric sync records no recommendation', () => {
    // Without behavior, with a 30 s window: a high proposal at 0, invalid syncs, then a low one.
    const hpa = new HpaSimulation({ maxReplicas: 20, metrics: [external({ type: 'AverageValue', averageValue: 10 })] }, { downscaleStabilizationSeconds: 30 });
    expect(hpa.sync({ now: 0, currentReplicas: 4, pods: pods(4), readings: [ok(40)] }).desiredReplicas).toBe(4);
    expect(hpa.sync({ now: 15, currentReplicas: 4, pods: pods(4), readings: [down()] }).desiredReplicas).toBe(4);
    expect(hpa.sync({ now: 30, currentReplicas: 4, pods: pods(4), readings: [ok(10)] }).desiredReplicas).toBe(4); // t=0 sample is 30 s old: still counts
    expect(hpa.sync({ now: 45, currentReplicas: 4, pods: pods(4), readings: [ok(10)] }).desiredReplicas).toBe(1);
  });

  test('the replica calculator\'s own errors count as an invalid metric', () => {
    const hpa = new HpaSimulation({ maxReplicas: 5, metrics: [{ type: 'Pods', pods: { metric: { name: 'w' }, target: { type: 'AverageValue', averageValue: 1 } } }] });
    const r = hpa.sync({ now: 0, currentReplicas: 2, pods: pods(2), readings: [{ kind: 'ok', podMetrics: {} }] });
    expect(r.ableToScale).toBe(false);
    expect(r.desiredReplicas).toBe(2);
    expect(r.reason).toMatch(/^invalid metrics \(1 invalid out of 1\), first error is: /);
  });
});

describe('HpaSimulation: stabilization and policies over several syncs', () => {
  test('legacy path: the 5-minute downscale stabilization holds the highest recommendation (sample at the cutoff counts)', () => {
    const hpa = new HpaSimulation({ maxReplicas: 10, metrics: [external({ type: 'AverageValue', averageValue: 10 })] });
    const readings = [[ok(40)], ...Array.from({ length: 21 }, () => [ok(10)])];
    const desired = run(hpa, 4, readings);
    // t = 0 .. 300 hold 4 (the t = 0 sample is 300 s old at t = 300), t = 315 drops to 1
    expect(desired.slice(0, 21)).toEqual(Array(21).fill(4));
    expect(desired[21]).toBe(1);
  });

  test('behavior: the scale-down window (exclusive at the cutoff) holds the highest recent recommendation', () => {
    const hpa = new HpaSimulation({
      minReplicas: 1, maxReplicas: 10, metrics: [external({ type: 'AverageValue', averageValue: 10 })],
      behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
    });
    const desired = run(hpa, 4, [[ok(40)], [ok(10)], [ok(10)], [ok(10)], [ok(10)], [ok(10)]]);
    // samples at 0 (4, and the initial 4); at t = 60 the t = 0 samples are outside the window
    expect(desired).toEqual([4, 4, 4, 4, 1, 1]);
    const r = new HpaSimulation({ maxReplicas: 10, metrics: [external({ type: 'AverageValue', averageValue: 10 })], behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } });
    r.sync({ now: 0, currentReplicas: 4, pods: pods(4), readings: [ok(40)] });
    expect(r.sync({ now: 15, currentReplicas: 4, pods: pods(4), readings: [ok(10)] }).reason)
      .toBe('recent recommendations were higher than current one, applying the highest recent recommendation');
  });

  test('behavior: a scale-up window holds the lowest recent recommendation', () => {
    const hpa = new HpaSimulation({
      maxReplicas: 10, metrics: [external({ type: 'AverageValue', averageValue: 10 })],
      behavior: { scaleUp: { stabilizationWindowSeconds: 45 } },
    });
    expect(run(hpa, 1, [[ok(10)], [ok(50)], [ok(50)], [ok(50)]])).toEqual([1, 1, 1, 5]);
  });

  test('behavior: a Pods policy adds at most 1 replica per 60 s, counted from the stored scale events', () => {
    const hpa = new HpaSimulation({
      maxReplicas: 10, metrics: [external({ type: 'AverageValue', averageValue: 1 })],
      behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
    });
    const desired = run(hpa, 1, Array.from({ length: 10 }, () => [ok(8)]));
    expect(desired).toEqual([2, 2, 2, 2, 3, 3, 3, 3, 4, 4]);
    const r = new HpaSimulation({ maxReplicas: 10, metrics: [external({ type: 'AverageValue', averageValue: 1 })], behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } } });
    expect(r.sync({ now: 0, currentReplicas: 1, pods: pods(1), readings: [ok(8)] }).limited).toBe('policy');
  });

  test('behavior: a Percent scale-down policy of 50 % per 30 s with no window', () => {
    const hpa = new HpaSimulation({
      minReplicas: 1, maxReplicas: 16, metrics: [external({ type: 'AverageValue', averageValue: 1 })],
      behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 50, periodSeconds: 30 }] } },
    });
    expect(run(hpa, 16, Array.from({ length: 7 }, () => [ok(1)]))).toEqual([8, 8, 4, 4, 2, 2, 1]);
  });

  test('behavior: selectPolicy Disabled never scales down', () => {
    const hpa = new HpaSimulation({
      maxReplicas: 16, metrics: [external({ type: 'AverageValue', averageValue: 1 })],
      behavior: { scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Disabled' } },
    });
    expect(run(hpa, 6, [[ok(1)], [ok(1)], [ok(20)]])).toEqual([6, 6, 12]);
  });

  test('behavior: maxReplicas caps a scale-up (TooManyReplicas)', () => {
    const hpa = new HpaSimulation({ maxReplicas: 3, metrics: [external({ type: 'AverageValue', averageValue: 1 })], behavior: {} });
    const r = hpa.sync({ now: 0, currentReplicas: 1, pods: pods(1), readings: [ok(100)] });
    expect(r.desiredReplicas).toBe(3);
    expect(r.limited).toBe('max');
    expect(r.reason).toBe('the desired replica count is more than the maximum replica count');
  });

  test('the scale-down window of a given behavior defaults to the controller flag', () => {
    const hpa = new HpaSimulation({ maxReplicas: 10, metrics: [external({ type: 'AverageValue', averageValue: 10 })], behavior: { scaleUp: {} } },
      { downscaleStabilizationSeconds: 45 });
    expect(run(hpa, 4, [[ok(40)], [ok(10)], [ok(10)], [ok(10)]])).toEqual([4, 4, 4, 1]);
  });
});

describe('HpaSimulation: bad input', () => {
  const metrics = [external({ type: 'AverageValue', averageValue: 1 })];
  test('minReplicas above maxReplicas', () => {
    expect(() => new HpaSimulation({ minReplicas: 5, maxReplicas: 3, metrics })).toThrow(
      new Error("'spec.minReplicas' (5) must be less than or equal to 'spec.maxReplicas' (3)"));
  });
  test('a missing maxReplicas, from plain JavaScript', () => {
    expect(() => new HpaSimulation({ metrics } as unknown as HpaSpec, undefined, 'hpa.spec')).toThrow(
      new Error("'hpa.spec.maxReplicas' (undefined) must be a whole number from 1 to 2147483647"));
  });
  test('an unknown metric type', () => {
    expect(() => new HpaSimulation({ maxReplicas: 3, metrics: [{ type: 'Custom' }] })).toThrow(
      new Error("'spec.metrics[0].type' (\"Custom\") must be one of 'Resource', 'ContainerResource', 'Pods', 'Object', 'External'"));
  });
  test('a target type the source does not take', () => {
    expect(() => new HpaSimulation({ maxReplicas: 3, metrics: [{ type: 'Pods', pods: { metric: { name: 'x' }, target: { type: 'Value', value: 1 } } }] })).toThrow(
      new Error("'spec.metrics[0].pods.target.type' (\"Value\") must be one of 'AverageValue'"));
  });
  test('a quantity that does not parse', () => {
    expect(() => new HpaSimulation({ maxReplicas: 3, metrics: [external({ type: 'AverageValue', averageValue: 'lots' })] })).toThrow(
      new Error("'spec.metrics[0].external.target.averageValue' (\"lots\") must be a Kubernetes quantity, e.g. 5, '500m' or '1Gi'"));
  });
  test('a bad behavior policy names the spec path', () => {
    expect(() => new HpaSimulation({ maxReplicas: 3, metrics, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 0, periodSeconds: 15 }] } } })).toThrow(
      new Error("'spec.behavior.scaleUp.policies[0].value' (0) must be a whole number from 1 to 2147483647"));
  });
  test('readings not aligned with the metrics', () => {
    const hpa = new HpaSimulation({ maxReplicas: 3, metrics });
    expect(() => hpa.sync({ now: 0, currentReplicas: 1, pods: pods(1), readings: [] })).toThrow(
      new Error("'input.readings' ([]) must hold one reading per metric of 'spec.metrics' (1)"));
  });
  test('a reading of the wrong type', () => {
    const hpa = new HpaSimulation({ maxReplicas: 3, metrics });
    expect(() => hpa.sync({ now: 0, currentReplicas: 1, pods: pods(1), readings: [{ kind: 'ok', value: 'x' as unknown as number }] })).toThrow(
      new Error("'readings[0].value' (\"x\") must be a finite number"));
  });
  test('time going backwards', () => {
    const hpa = new HpaSimulation({ maxReplicas: 3, metrics });
    hpa.sync({ now: 30, currentReplicas: 1, pods: pods(1), readings: [ok(1)] });
    expect(() => hpa.sync({ now: 15, currentReplicas: 1, pods: pods(1), readings: [ok(1)] })).toThrow(
      new Error("'now' (15) must not be earlier than the previous sync (30): syncs run in ascending time"));
  });
  test('a pod without a phase', () => {
    const hpa = new HpaSimulation({ maxReplicas: 3, metrics });
    expect(() => hpa.sync({ now: 0, currentReplicas: 1, pods: [{ name: 'a', ready: true } as unknown as ReplicaProposalPod], readings: [ok(1)] })).toThrow(
      new Error("'pods[0].phase' (undefined) must be one of 'Pending', 'Running', 'Succeeded', 'Failed'"));
  });
});
