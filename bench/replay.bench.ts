/**
 * `npm run bench:replay`: what-if replay time per simulated hour.
 *
 * Replays a 24-hour trace at 15-second steps (5760 ticks) through one target of the reference
 * stack's `dist/` (the manifests are loaded once, outside the timing) and prints, per target,
 * the first (cold) run, the median wall time of the next runs, the time per simulated hour and
 * the goal of issue 12
 * (a 24 h trace at 15 s for one target in under 2 s). Exits 1 when a median misses the goal.
 *
 * Targets: the KEDA ScaledObject of the 70B pool (three prometheus triggers, one a
 * predict_linear subquery) and the plain HPA of the vllm-autoscaling stack (Pods metrics
 * through prometheus-adapter).
 *
 * Usage: npm run bench:replay [-- <runs, default 5>]
 */
import * as path from 'path';
import { loadManifestsFromDir } from '../lib/whatif/manifests';
import { replay } from '../lib/whatif/replay';
import { builtinTrace } from '../lib/whatif/trace';

const GOAL_MS = 2000;
const TARGETS = ['litellm/llama-3-3-70b', 'llm-autoscaling/llama-70b-hpa'];

function main(): number {
  const runs = Number(process.argv[2] ?? 5);
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write(`bench:replay: runs (${process.argv[2]}) must be a whole number greater than 0\n`);
    return 2;
  }
  const manifests = loadManifestsFromDir(path.join(__dirname, '..', 'dist'));
  const trace = builtinTrace('diurnal', { hours: 24, stepSeconds: 15 });
  const hours = trace.points.length * trace.stepSeconds / 3600;
  console.log(`trace: ${trace.name}, ${trace.points.length} points at ${trace.stepSeconds} s (${hours} h); ${runs} runs per target, median`);
  console.log('| target | trace points | first run ms | median ms | ms per simulated hour | goal (< 2000 ms) |');
  console.log('|---|---|---|---|---|---|');
  let ok = true;
  for (const target of TARGETS) {
    // The first run (cold: JIT, PromQL parse caches) is shown apart; the median is of the next ones.
    const coldStart = process.hrtime.bigint();
    replay({ manifests, target, trace });
    const cold = Number(process.hrtime.bigint() - coldStart) / 1e6;
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = process.hrtime.bigint();
      replay({ manifests, target, trace });
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    const met = median < GOAL_MS;
    ok &&= met;
    console.log(`| ${target} | ${trace.points.length} | ${cold.toFixed(0)} | ${median.toFixed(0)} | ${(median / hours).toFixed(1)} | ${met ? 'met' : 'MISSED'} |`);
  }
  return ok ? 0 : 1;
}

process.exitCode = main();
