/**
 * The what-if pool model: readiness timing, the fluid queue (growth, drain, equilibrium), the
 * ReplicaSet deletion order, what the metrics read, and every error.
 */
import { DEFAULT_POOL_MODEL_PARAMS, PoolModelParams, PoolSimulation, PoolSnapshot, withPoolModelDefaults } from '../../lib';

/** One replica runs 10 requests of 10 s: a capacity of 1 request/s per replica. */
const SMALL: PoolModelParams = {
  readySeconds: 600,
  maxConcurrentRequests: 10,
  requestSeconds: 10,
  baseTtftSeconds: 0.5,
  gpusPerReplica: 1,
};

function pod(snapshot: PoolSnapshot, name: string) {
  const found = snapshot.pods.find(p => p.name === name);
  if (!found) throw new Error(`no pod ${name} in ${snapshot.pods.map(p => p.name).join(', ')}`);
  return found;
}

/** Advances in 1 s steps at a constant rate up to `to`. */
function run(pool: PoolSimulation, from: number, to: number, rate: number): PoolSnapshot {
  let s = pool.advance(from, rate);
  for (let t = from + 1; t <= to; t++) s = pool.advance(t, rate);
  return s;
}

describe('defaults', () => {
  test('the required parameters default as documented', () => {
    expect(DEFAULT_POOL_MODEL_PARAMS).toEqual({
      readySeconds: 1200, maxConcurrentRequests: 256, requestSeconds: 10, baseTtftSeconds: 0.5, gpusPerReplica: 1,
    });
    expect(Object.isFrozen(DEFAULT_POOL_MODEL_PARAMS)).toBe(true);
  });

  test('withPoolModelDefaults overrides with the defined fields only', () => {
    expect(withPoolModelDefaults()).toEqual(DEFAULT_POOL_MODEL_PARAMS);
    expect(withPoolModelDefaults({ readySeconds: 300, maxConcurrentRequests: undefined, terminationSeconds: 20 })).toEqual({
      ...DEFAULT_POOL_MODEL_PARAMS, readySeconds: 300, terminationSeconds: 20,
    });
  });

  test('an idle pool with the defaults reads zero load and the base TTFT', () => {
    const s = new PoolSimulation(withPoolModelDefaults(), 2).advance(0, 0);
    expect(s).toMatchObject({
      t: 0, desiredReplicas: 2, readyReplicas: 2, arrivalsPerSecond: 0, completedPerSecond: 0, waiting: 0, running: 0,
      estimatedWaitSeconds: 0, ttftP50: 0.5, ttftP95: 0.5, ttftP99: 0.5, dropped: 0,
    });
    expect(s.e2eP95).toBeCloseTo(0.5 + 10 * Math.log(20), 10);
    expect(s.perPod['pod-1']).toEqual({
      waiting: 0, running: 0, kvCacheUsage: 0, gpuUtilization: 0, cpuCores: 0,
      completedPerSecond: 0, promptTokensPerSecond: 0, generationTokensPerSecond: 0,
    });
  });
});

describe('readiness', () => {
  test('the initial pods have been Ready for an hour: created at -(3600 + readySeconds), started after the pending time', () => {
    const s = new PoolSimulation(SMALL, 2).advance(0, 0);
    expect(s.pods).toEqual([
      { name: 'pod-1', phase: 'Running', ready: true, createdAt: -4200, startedAt: -4140, readyAt: -3600, deleting: false },
      { name: 'pod-2', phase: 'Running', ready: true, createdAt: -4200, startedAt: -4140, readyAt: -3600, deleting: false },
    ]);
  });

  test('a new pod is Pending for pendingSeconds (default 60), Running but not Ready while loading, Ready after readySeconds', () => {
    const pool = new PoolSimulation(SMALL, 0);
    pool.advance(100, 0);
    pool.scaleTo(100, 1);
    expect(pod(pool.advance(159, 0), 'pod-1')).toEqual({ name: 'pod-1', phase: 'Pending', ready: false, createdAt: 100, deleting: false });
    expect(pod(pool.advance(160, 0), 'pod-1')).toEqual({ name: 'pod-1', phase: 'Running', ready: false, createdAt: 100, startedAt: 160, deleting: false });
    const loading = pool.advance(699, 0);
    expect(pod(loading, 'pod-1').ready).toBe(false);
    expect(loading.readyReplicas).toBe(0);
    expect(loading.perPod).toEqual({});
    const ready = pool.advance(700, 0);
    expect(pod(ready, 'pod-1')).toEqual({ name: 'pod-1', phase: 'Running', ready: true, createdAt: 100, startedAt: 160, readyAt: 700, deleting: false });
    expect(ready.readyReplicas).toBe(1);
    expect(Object.keys(ready.perPod)).toEqual(['pod-1']);
  });

  test('pendingSeconds is a parameter; a pod with readySeconds 0 is Ready at once', () => {
    const pool = new PoolSimulation({ ...SMALL, pendingSeconds: 0 }, 0);
    pool.scaleTo(0, 1);
    expect(pod(pool.advance(1, 0), 'pod-1')).toMatchObject({ phase: 'Running', startedAt: 0, ready: false });
    const instant = new PoolSimulation({ ...SMALL, readySeconds: 0 }, 0);
    instant.scaleTo(0, 1);
    expect(pod(instant.advance(0, 0), 'pod-1')).toMatchObject({ phase: 'Running', ready: true, readyAt: 0 });
  });

  test('a pod turning Ready in the middle of an advance serves from its readyAt on (same state as stopping there)', () => {
    const one = new PoolSimulation(SMALL, 0);
    one.scaleTo(0, 1);
    const whole = one.advance(1000, 3);
    const two = new PoolSimulation(SMALL, 0);
    two.scaleTo(0, 1);
    two.advance(600, 3);
    const split = two.advance(1000, 3);
    expect(whole.waiting).toBeCloseTo(split.waiting, 9);
    expect(whole.running).toBe(10);
    // 600 s without a replica, then 400 s of a saturated replica completing 1 request/s.
    expect(whole.waiting + whole.running).toBeCloseTo(3 * 1000 - 400, 6);
  });
});

describe('the fluid queue', () => {
  test('below capacity the backlog approaches arrivals × service time, nothing waits', () => {
    const s = run(new PoolSimulation(SMALL, 1), 0, 300, 0.5);
    expect(s.running).toBeCloseTo(5, 6);
    expect(s.waiting).toBe(0);
    expect(s.completedPerSecond).toBeCloseTo(0.5, 6);
    expect(s.estimatedWaitSeconds).toBe(0);
    expect(s.ttftP95).toBe(0.5);
  });

  test('the backlog below capacity follows the exact exponential solution', () => {
    const s = new PoolSimulation(SMALL, 1).advance(10, 0.5);
    expect(s.running).toBeCloseTo(5 * (1 - Math.exp(-1)), 12);
  });

  test('above capacity the queue grows by arrivals − capacity rate, linearly', () => {
    const pool = new PoolSimulation(SMALL, 1);
    const s = pool.advance(100, 3);
    // Full at τ = 10 ln(30 / 20); then 2 requests/s more than the replica completes.
    const tau = 10 * Math.log(1.5);
    expect(s.running).toBe(10);
    expect(s.waiting).toBeCloseTo(2 * (100 - tau), 9);
    expect(s.completedPerSecond).toBe(1);
    expect(s.estimatedWaitSeconds).toBeCloseTo(s.waiting / 1, 12);
    const later = pool.advance(200, 3);
    expect(later.waiting - s.waiting).toBeCloseTo(200, 9);
  });

  test('the queue drains at the capacity rate once arrivals drop, then empties exponentially', () => {
    const pool = new PoolSimulation(SMALL, 2);
    pool.advance(0, 0);
    const full = pool.advance(100, 22); // capacity 20 slots, 2 requests/s
    const waiting = full.waiting;
    expect(waiting).toBeGreaterThan(1900);
    const draining = pool.advance(200, 0);
    expect(draining.waiting).toBeCloseTo(waiting - 200, 9);
    expect(draining.running).toBe(20);
    const drained = pool.advance(200 + waiting - 100 + 200, 0);
    expect(drained.waiting).toBe(0);
    expect(drained.running).toBeLessThan(20 * Math.exp(-19));
  });

  test('more replicas drain the queue faster: waiting falls once the new pods are Ready', () => {
    const pool = new PoolSimulation(SMALL, 1);
    const before = pool.advance(300, 3);
    pool.scaleTo(300, 4);
    const loading = pool.advance(899, 3);
    expect(loading.waiting).toBeGreaterThan(before.waiting);
    const ready = pool.advance(900, 3);
    expect(ready.readyReplicas).toBe(4);
    expect(ready.running).toBe(40);
    const after = pool.advance(1500, 3);
    // 4 replicas complete 4/s against 3/s of arrivals.
    expect(after.waiting).toBeCloseTo(ready.waiting - 600, 6);
  });

  test('with no Ready pod everything waits; the estimated wait counts the time until the first pod is Ready', () => {
    const pool = new PoolSimulation(SMALL, 0);
    pool.scaleTo(0, 2);
    const s = pool.advance(100, 2);
    expect(s.running).toBe(0);
    expect(s.waiting).toBe(200);
    expect(s.completedPerSecond).toBe(0);
    // Ready at 600 (500 s away); two pods then complete 2 requests/s.
    expect(s.estimatedWaitSeconds).toBeCloseTo(500 + 200 / 2, 9);
    expect(s.ttftP50).toBeCloseTo(0.5 + Math.LN2 * 600, 9);
    expect(s.ttftP95).toBeCloseTo(0.5 - Math.log(0.05) * 600, 9);
    expect(s.ttftP99).toBeCloseTo(0.5 - Math.log(0.01) * 600, 9);
    expect(s.e2eP95).toBeCloseTo(s.ttftP95 - Math.log(0.05) * 10, 9);
  });

  test('with no pod at all the estimated wait is as if one pod were created now', () => {
    const s = new PoolSimulation(SMALL, 0).advance(10, 1);
    expect(s.waiting).toBe(10);
    expect(s.estimatedWaitSeconds).toBeCloseTo(600 + 10 / 1, 9);
  });

  test('maxWaitingRequests caps the queue and counts the dropped requests since the start', () => {
    const pool = new PoolSimulation({ ...SMALL, maxWaitingRequests: 50 }, 0);
    const s = pool.advance(100, 1);
    expect(s.waiting).toBe(50);
    expect(s.dropped).toBeCloseTo(50, 9);
    expect(pool.advance(110, 1).dropped).toBeCloseTo(60, 9);
  });

  test('without maxWaitingRequests nothing is dropped', () => {
    expect(new PoolSimulation(SMALL, 0).advance(1000, 50).dropped).toBe(0);
  });

  test('outputTokensPerSecond derives the service time from the tokens per request', () => {
    // The default 256 output tokens at 20/s: 12.8 s per request, so 1 request/s needs 12.8 slots of 10.
    const s = run(new PoolSimulation({ ...SMALL, outputTokensPerSecond: 20 }, 1), 0, 200, 1);
    expect(s.running).toBe(10);
    expect(s.completedPerSecond).toBeCloseTo(10 / 12.8, 12);
    expect(s.waiting).toBeGreaterThan(0);
    // 100 output tokens at 20/s: 5 s per request, so 1 request/s keeps 5 running.
    const withTokens = new PoolSimulation({ ...SMALL, outputTokensPerSecond: 20 }, 1);
    let t = withTokens.advance(0, 1, { output: 100 });
    for (let i = 1; i <= 200; i++) t = withTokens.advance(i, 1, { output: 100 });
    expect(t.running).toBeCloseTo(5, 6);
    expect(t.e2eP95).toBeCloseTo(0.5 - Math.log(0.05) * 5, 9);
  });
});

describe('per-pod metrics', () => {
  test('requests spread evenly over the Ready pods; KV cache, GPU, CPU and token rates follow the documented formulas', () => {
    const pool = new PoolSimulation({ ...SMALL, maxConcurrentRequests: 40, kvCacheRequestsAtFull: 20, cpuCoresPerReplicaAtFull: 2, gpuUtilizationRequestScale: 5 }, 2);
    const s = run(pool, 0, 400, 2); // equilibrium 20 running: 10 per pod
    expect(s.running).toBeCloseTo(20, 6);
    for (const name of ['pod-1', 'pod-2']) {
      const m = s.perPod[name];
      expect(m.running).toBeCloseTo(10, 6);
      expect(m.waiting).toBe(0);
      expect(m.kvCacheUsage).toBeCloseTo(0.5, 6);
      expect(m.gpuUtilization).toBeCloseTo(100 * (1 - Math.exp(-2)), 5);
      expect(m.cpuCores).toBeCloseTo(2 * 10 / 40, 6);
      expect(m.completedPerSecond).toBeCloseTo(1, 6);
      expect(m.promptTokensPerSecond).toBeCloseTo(512, 3);
      expect(m.generationTokensPerSecond).toBeCloseTo(256, 3);
    }
  });

  test('KV cache usage is capped at 1 and GPU utilization approaches 100 under a full batch', () => {
    const pool = new PoolSimulation({ ...SMALL, maxConcurrentRequests: 100, kvCacheRequestsAtFull: 50 }, 1);
    const m = pool.advance(300, 20).perPod['pod-1'];
    expect(m.running).toBe(100);
    expect(m.kvCacheUsage).toBe(1);
    expect(m.gpuUtilization).toBeGreaterThan(99.99);
    expect(m.gpuUtilization).toBeLessThanOrEqual(100);
    expect(m.cpuCores).toBe(1);
    expect(m.waiting).toBeGreaterThan(0);
  });

  test('trace token sizes drive the token rates and the prefill term of TTFT', () => {
    const pool = new PoolSimulation({ ...SMALL, prefillTokensPerSecond: 4000 }, 1);
    let s = pool.advance(0, 0.5, { prompt: 2000, output: 50 });
    for (let i = 1; i <= 300; i++) s = pool.advance(i, 0.5, { prompt: 2000, output: 50 });
    expect(s.perPod['pod-1'].promptTokensPerSecond).toBeCloseTo(1000, 3);
    expect(s.perPod['pod-1'].generationTokensPerSecond).toBeCloseTo(25, 4);
    expect(s.ttftP50).toBe(0.5 + 2000 / 4000);
  });
});

describe('scale-down order (ReplicaSet controller ranking)', () => {
  /** pod-1, pod-2 Ready from the start; pod-3 Ready at 700; pod-4 created at 800 (loading at 900); pod-5 created at 880 (Pending at 900). */
  function mixedPool(params: PoolModelParams = SMALL) {
    const pool = new PoolSimulation(params, 2);
    pool.advance(100, 0);
    pool.scaleTo(100, 3);
    pool.advance(800, 0);
    pool.scaleTo(800, 4);
    pool.advance(880, 0);
    pool.scaleTo(880, 5);
    return pool;
  }

  test('Pending first, then Running but not Ready, then the most recently Ready, the oldest last', () => {
    const pool = mixedPool();
    const start = pool.advance(900, 0);
    expect(start.pods.map(p => [p.name, p.phase, p.ready])).toEqual([
      ['pod-1', 'Running', true], ['pod-2', 'Running', true], ['pod-3', 'Running', true],
      ['pod-4', 'Running', false], ['pod-5', 'Pending', false],
    ]);
    const remaining: string[][] = [];
    for (const replicas of [4, 3, 2, 1, 0]) {
      pool.scaleTo(900, replicas);
      remaining.push(pool.advance(900, 0).pods.map(p => p.name));
    }
    expect(remaining).toEqual([
      ['pod-1', 'pod-2', 'pod-3', 'pod-4'],
      ['pod-1', 'pod-2', 'pod-3'],
      ['pod-1', 'pod-2'],
      ['pod-1'],
      [],
    ]);
  });

  test('a deleted pod is marked deleting and keeps serving for terminationSeconds, out of the desired and Ready counts', () => {
    const pool = new PoolSimulation({ ...SMALL, terminationSeconds: 30 }, 2);
    pool.advance(0, 0);
    pool.scaleTo(0, 1);
    const s = pool.advance(29, 1.5);
    expect(s.desiredReplicas).toBe(1);
    expect(s.readyReplicas).toBe(1);
    expect(pod(s, 'pod-2')).toMatchObject({ deleting: true, ready: true });
    expect(Object.keys(s.perPod)).toEqual(['pod-1', 'pod-2']);
    const gone = pool.advance(30, 1.5);
    expect(gone.pods.map(p => p.name)).toEqual(['pod-1']);
    expect(Object.keys(gone.perPod)).toEqual(['pod-1']);
  });

  test('requests of a pod that is gone go back to the backlog', () => {
    const pool = new PoolSimulation(SMALL, 2);
    const busy = pool.advance(100, 2); // equilibrium 20 running on 2 pods
    pool.scaleTo(100, 1);
    const after = pool.advance(100, 2);
    expect(after.running + after.waiting).toBeCloseTo(busy.running + busy.waiting, 9);
    expect(after.running).toBe(10);
  });

  test('a scale-up while pods terminate creates new pods; terminating pods do not count', () => {
    const pool = new PoolSimulation({ ...SMALL, terminationSeconds: 60 }, 3);
    pool.scaleTo(0, 1);
    pool.scaleTo(10, 2);
    const s = pool.advance(10, 0);
    expect(s.pods.map(p => [p.name, p.deleting])).toEqual([['pod-1', false], ['pod-2', true], ['pod-3', true], ['pod-4', false]]);
    expect(s.desiredReplicas).toBe(2);
  });

  test('a pod deleted between two advances served until its deletion', () => {
    const a = new PoolSimulation(SMALL, 2);
    a.advance(0, 3);
    a.scaleTo(50, 1);
    const late = a.advance(100, 3);
    const b = new PoolSimulation(SMALL, 2);
    b.advance(50, 3);
    b.scaleTo(50, 1);
    const stepped = b.advance(100, 3);
    expect(late.waiting).toBeCloseTo(stepped.waiting, 9);
    expect(late.running).toBe(stepped.running);
  });
});

describe('errors', () => {
  const cases: Array<[string, Partial<Record<keyof PoolModelParams, unknown>>, string]> = [
    ['readySeconds', { readySeconds: -1 }, '\'pool.readySeconds\' (-1) must be a finite number greater than or equal to 0'],
    ['readySeconds missing', { readySeconds: undefined }, '\'pool.readySeconds\' (undefined) must be a finite number greater than or equal to 0'],
    ['maxConcurrentRequests', { maxConcurrentRequests: 2.5 }, '\'pool.maxConcurrentRequests\' (2.5) must be a whole number from 1 to 2147483647'],
    ['requestSeconds', { requestSeconds: 0 }, '\'pool.requestSeconds\' (0) must be a finite number greater than 0'],
    ['baseTtftSeconds', { baseTtftSeconds: 'fast' }, '\'pool.baseTtftSeconds\' ("fast") must be a finite number greater than or equal to 0'],
    ['gpusPerReplica', { gpusPerReplica: NaN }, '\'pool.gpusPerReplica\' (NaN) must be a finite number greater than or equal to 0'],
    ['outputTokensPerSecond', { outputTokensPerSecond: 0 }, '\'pool.outputTokensPerSecond\' (0) must be a finite number greater than 0'],
    ['kvCacheRequestsAtFull', { kvCacheRequestsAtFull: -3 }, '\'pool.kvCacheRequestsAtFull\' (-3) must be a finite number greater than 0'],
    ['cpuCoresPerReplicaAtFull', { cpuCoresPerReplicaAtFull: Infinity }, '\'pool.cpuCoresPerReplicaAtFull\' (Infinity) must be a finite number greater than or equal to 0'],
    ['terminationSeconds', { terminationSeconds: -1 }, '\'pool.terminationSeconds\' (-1) must be a finite number greater than or equal to 0'],
    ['pendingSeconds', { pendingSeconds: -1 }, '\'pool.pendingSeconds\' (-1) must be a finite number greater than or equal to 0'],
    ['pendingSeconds > readySeconds', { pendingSeconds: 601 }, '\'pool.pendingSeconds\' (601) must be less than or equal to \'pool.readySeconds\' (600): pending is part of the time to Ready'],
    ['gpuUtilizationRequestScale', { gpuUtilizationRequestScale: 0 }, '\'pool.gpuUtilizationRequestScale\' (0) must be a finite number greater than 0'],
    ['promptTokensPerRequest', { promptTokensPerRequest: -1 }, '\'pool.promptTokensPerRequest\' (-1) must be a finite number greater than or equal to 0'],
    ['outputTokensPerRequest', { outputTokensPerRequest: '256' }, '\'pool.outputTokensPerRequest\' ("256") must be a finite number greater than or equal to 0'],
    ['prefillTokensPerSecond', { prefillTokensPerSecond: 0 }, '\'pool.prefillTokensPerSecond\' (0) must be a finite number greater than 0'],
    ['maxWaitingRequests', { maxWaitingRequests: -5 }, '\'pool.maxWaitingRequests\' (-5) must be a finite number greater than or equal to 0'],
  ];
  test.each(cases)('%s', (_name, override, message) => {
    expect(() => new PoolSimulation({ ...SMALL, ...override } as PoolModelParams, 1)).toThrow(new Error(message));
  });

  test('params that are not an object, with a custom prop', () => {
    expect(() => new PoolSimulation(null as unknown as PoolModelParams, 1, 'pools.big')).toThrow(new Error('\'pools.big\' (null) must be an object'));
  });

  test('initialReadyReplicas', () => {
    expect(() => new PoolSimulation(SMALL, -1)).toThrow(new Error('\'pool.initialReadyReplicas\' (-1) must be a whole number from 0 to 100000'));
    expect(() => new PoolSimulation(SMALL, 100001)).toThrow(new Error('\'pool.initialReadyReplicas\' (100001) must be a whole number from 0 to 100000'));
  });

  test('replicas of scaleTo', () => {
    const pool = new PoolSimulation(SMALL, 1);
    expect(() => pool.scaleTo(0, 1.5)).toThrow(new Error('\'pool.replicas\' (1.5) must be a whole number from 0 to 100000'));
  });

  test('replicas that would leave more than 100000 pods, terminating ones included; nothing changes', () => {
    const pool = new PoolSimulation({ ...SMALL, terminationSeconds: 60 }, 2);
    pool.scaleTo(0, 0);
    expect(() => pool.scaleTo(0, 99999)).toThrow(new Error('\'pool.replicas\' (99999) must leave at most 100000 pods in the model, terminating ones included (it would be 100001)'));
    const s = pool.advance(0, 0);
    expect(s.desiredReplicas).toBe(0);
    expect(s.pods.map(p => [p.name, p.deleting])).toEqual([['pod-1', true], ['pod-2', true]]);
  });

  test('time going backwards or not a number', () => {
    const pool = new PoolSimulation(SMALL, 1);
    pool.advance(30, 0);
    expect(() => pool.advance(15, 0)).toThrow(new Error('\'pool.now\' (15) must be greater than or equal to the time of the last call (30): time only moves forward'));
    pool.scaleTo(45, 2);
    expect(() => pool.advance(40, 0)).toThrow(new Error('\'pool.now\' (40) must be greater than or equal to the time of the last call (45): time only moves forward'));
    expect(() => pool.scaleTo(NaN, 1)).toThrow(new Error('\'pool.now\' (NaN) must be a finite number'));
  });

  test('arrival rate and token sizes', () => {
    const pool = new PoolSimulation(SMALL, 1);
    expect(() => pool.advance(1, -1)).toThrow(new Error('\'pool.arrivalsPerSecond\' (-1) must be a finite number greater than or equal to 0'));
    expect(() => pool.advance(1, NaN)).toThrow(new Error('\'pool.arrivalsPerSecond\' (NaN) must be a finite number greater than or equal to 0'));
    expect(() => pool.advance(1, 1, { prompt: -2 })).toThrow(new Error('\'pool.tokens.prompt\' (-2) must be a finite number greater than or equal to 0'));
    expect(() => pool.advance(1, 1, { output: NaN })).toThrow(new Error('\'pool.tokens.output\' (NaN) must be a finite number greater than or equal to 0'));
    expect(() => pool.advance(1, 1, 5 as unknown as { prompt?: number })).toThrow(new Error('\'pool.tokens\' (5) must be an object'));
  });
});
