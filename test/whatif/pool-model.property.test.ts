/**
 * Property tests of the pool model: the state does not depend on the step size (advancing 15 s
 * once or 1 s fifteen times), every number in a snapshot is finite and non-negative, and the
 * metrics stay in their ranges. Seeded (PROPERTY_SEED) and bounded (PROPERTY_RUNS) like
 * test/property/.
 */
import { fc, test } from '@fast-check/jest';
import { PoolModelParams, PoolSimulation, PoolSnapshot } from '../../lib';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261130);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const OPTS = { seed: SEED, numRuns: RUNS };

const paramsArb: fc.Arbitrary<PoolModelParams> = fc.record({
  readySeconds: fc.integer({ min: 0, max: 900 }),
  maxConcurrentRequests: fc.integer({ min: 1, max: 300 }),
  requestSeconds: fc.double({ min: 0.05, max: 60, noNaN: true }),
  baseTtftSeconds: fc.double({ min: 0, max: 2, noNaN: true }),
  gpusPerReplica: fc.integer({ min: 0, max: 8 }),
  kvCacheRequestsAtFull: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
  terminationSeconds: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
  maxWaitingRequests: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }),
  outputTokensPerSecond: fc.option(fc.double({ min: 1, max: 100, noNaN: true }), { nil: undefined }),
}, { requiredKeys: ['readySeconds', 'maxConcurrentRequests', 'requestSeconds', 'baseTtftSeconds', 'gpusPerReplica'] });

/** A schedule of 15-second ticks: the arrival rate of each tick and, sometimes, a scale at its start. */
const scheduleArb = fc.array(fc.record({
  rate: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 200, noNaN: true })),
  scale: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
  output: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
}), { minLength: 1, maxLength: 40 });

const TICK = 15;

function replay(params: PoolModelParams, initial: number, schedule: Array<{ rate: number; scale?: number; output?: number }>, substeps: number): PoolSnapshot[] {
  const pool = new PoolSimulation(params, initial);
  const out: PoolSnapshot[] = [];
  pool.advance(0, 0);
  schedule.forEach((tick, i) => {
    const start = i * TICK;
    if (tick.scale !== undefined) pool.scaleTo(start, tick.scale);
    const tokens = tick.output === undefined ? undefined : { output: tick.output };
    let s: PoolSnapshot | undefined;
    for (let k = 1; k <= substeps; k++) s = pool.advance(start + (TICK * k) / substeps, tick.rate, tokens);
    out.push(s!);
  });
  return out;
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Every number of a snapshot except the pods' times (the initial pods were created before t = 0). */
function numbers(s: PoolSnapshot): number[] {
  const pool = [s.t, s.desiredReplicas, s.readyReplicas, s.arrivalsPerSecond, s.completedPerSecond, s.waiting, s.running,
    s.estimatedWaitSeconds, s.ttftP50, s.ttftP95, s.ttftP99, s.e2eP95, s.dropped];
  return [...pool, ...Object.values(s.perPod).flatMap(m => Object.values(m))];
}

describe('pool model properties', () => {
  test.prop([paramsArb, fc.integer({ min: 0, max: 5 }), scheduleArb], OPTS)('15 s at once and fifteen 1 s steps give the same state', (params, initial, schedule) => {
    const coarse = replay(params, initial, schedule, 1);
    const fine = replay(params, initial, schedule, 15);
    coarse.forEach((c, i) => {
      const f = fine[i];
      expect(f.pods).toEqual(c.pods);
      expect(f.readyReplicas).toBe(c.readyReplicas);
      for (const key of ['waiting', 'running', 'completedPerSecond', 'estimatedWaitSeconds', 'ttftP95', 'dropped'] as const) {
        if (!close(c[key], f[key])) throw new Error(`tick ${i} ${key}: ${c[key]} at once, ${f[key]} in 1 s steps`);
      }
    });
  });

  test.prop([paramsArb, fc.integer({ min: 0, max: 5 }), scheduleArb], OPTS)('every number is finite and non-negative, and the metrics stay in range', (params, initial, schedule) => {
    const problems: string[] = [];
    const check = (ok: boolean, what: string) => { if (!ok) problems.push(what); };
    for (const s of replay(params, initial, schedule, 3)) {
      for (const n of numbers(s)) check(Number.isFinite(n) && n >= 0, `t=${s.t}: ${n} is not finite and non-negative`);
      for (const p of s.pods) check([p.createdAt, p.startedAt ?? 0, p.readyAt ?? 0].every(Number.isFinite), `t=${s.t}: ${p.name} times`);
      check(s.running <= Object.keys(s.perPod).length * params.maxConcurrentRequests + 1e-9, `t=${s.t}: running ${s.running} over capacity`);
      check(params.maxWaitingRequests === undefined || s.waiting <= params.maxWaitingRequests + 1e-6, `t=${s.t}: waiting ${s.waiting} over the cap`);
      check(s.ttftP50 <= s.ttftP95 && s.ttftP95 <= s.ttftP99 && s.ttftP95 <= s.e2eP95, `t=${s.t}: quantiles out of order`);
      for (const [name, m] of Object.entries(s.perPod)) {
        check(m.kvCacheUsage <= 1 && m.gpuUtilization <= 100 && m.running <= params.maxConcurrentRequests + 1e-9, `t=${s.t}: ${name} out of range`);
      }
      check(s.pods.filter(p => !p.deleting).length === s.desiredReplicas, `t=${s.t}: non-deleting pods differ from desired`);
    }
    expect(problems).toEqual([]);
  });
});
