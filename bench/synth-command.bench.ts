/**
 * `npm run bench:command`: the wall time (and CPU time) of `cdk8s synth` on apps/main.ts
 * against `cdk8s synth` on an empty app (bench/empty-app.ts) run with the same app command
 * (cdk8s.yaml's `app:` with the file swapped), alternating, several runs, medians. Prints the
 * ratio, and the same with the synth cache off (`CDK8S_LLM_SERVING_SYNTH_CACHE=off`: every
 * object checked and stringified, as when all changed since the last run); asserts nothing
 * (timings are machine-dependent). Then the same for cold runs: the transpile and code caches
 * (scripts/register-ts.js), the validator and synth caches (lib/delivery/validate.ts) removed
 * before each run, as in a CI job that does not restore node_modules/.cache.
 *
 * Usage: npm run bench:command [-- <runs>]   (default 5 runs each, after one warm-up each)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const runs = Number(process.argv[2] ?? 5);
const appCommand = /^app:\s*(.+)$/m.exec(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8'))?.[1];
if (!appCommand?.includes('apps/main.ts')) throw new Error(`cdk8s.yaml: no 'app:' command running apps/main.ts (${appCommand})`);
const cdk8s = path.join(root, 'node_modules', '.bin', 'cdk8s');
const hasTime = fs.existsSync('/usr/bin/time');

interface Sample { wall: number; cpu: number }

function run(app: string, env: NodeJS.ProcessEnv = {}): Sample {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-command-'));
  const args = ['synth', '--no-check-upgrade', '--app', app, '--output', outdir];
  const options = { cwd: root, encoding: 'utf8' as const, env: { ...process.env, ...env } };
  const start = process.hrtime.bigint();
  const r = hasTime
    ? spawnSync('/usr/bin/time', ['-f', 'TIME %U %S', cdk8s, ...args], options)
    : spawnSync(cdk8s, args, options);
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  fs.rmSync(outdir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`cdk8s synth --app '${app}' failed:\n${r.stdout}\n${r.stderr}`);
  const t = /TIME ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  return { wall, cpu: t ? (Number(t[1]) + Number(t[2])) * 1000 : NaN };
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

const ours = appCommand;
const empty = appCommand.replace('apps/main.ts', 'bench/empty-app.ts');
/** The synth cache off (lib/delivery/_synth-cache.ts): every object checked and stringified, as after a change to all. */
const noSynthCache = { CDK8S_LLM_SERVING_SYNTH_CACHE: 'off' };
run(empty); run(ours); // warm-up: fills the transpile, code and validator caches, as every synth after the first finds them
const samples: { empty: Sample[]; ours: Sample[]; uncached: Sample[] } = { empty: [], ours: [], uncached: [] };
for (let i = 0; i < runs; i++) {
  samples.empty.push(run(empty));
  samples.ours.push(run(ours));
  samples.uncached.push(run(ours, noSynthCache));
}
const row = (name: string, s: Sample[]) => `${name.padEnd(28)} ${median(s.map((x) => x.wall)).toFixed(0).padStart(8)} ${median(s.map((x) => x.cpu)).toFixed(0).padStart(8)}`;
console.log(`cdk8s synth, app command: ${appCommand}   (${runs} runs each, medians, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)})`);
console.log(`${'app'.padEnd(28)} ${'wall ms'.padStart(8)} ${'CPU ms'.padStart(8)}`);
console.log(row('empty app (bench/empty-app)', samples.empty));
console.log(row('apps/main.ts', samples.ours));
console.log(row('apps/main.ts, synth cache off', samples.uncached));
const ratio = (ours: Sample[], base: Sample[], f: (x: Sample) => number) => (median(ours.map(f)) / median(base.map(f))).toFixed(2);
console.log(`ratio: ${ratio(samples.ours, samples.empty, (x) => x.wall)}× wall, ${ratio(samples.ours, samples.empty, (x) => x.cpu)}× CPU (goal ≤ 2×)`);
console.log(`ratio, synth cache off: ${ratio(samples.uncached, samples.empty, (x) => x.wall)}× wall, ${ratio(samples.uncached, samples.empty, (x) => x.cpu)}× CPU`);

const caches = ['cdk8s-llm-serving-ts', 'cdk8s-llm-serving'].map((d) => path.join(root, 'node_modules', '.cache', d));
const cold: { empty: Sample[]; ours: Sample[] } = { empty: [], ours: [] };
for (let i = 0; i < Math.min(runs, 3); i++) {
  for (const dir of caches) fs.rmSync(dir, { recursive: true, force: true });
  cold.empty.push(run(empty));
  for (const dir of caches) fs.rmSync(dir, { recursive: true, force: true });
  cold.ours.push(run(ours));
}
console.log(row('cold: empty app', cold.empty));
console.log(row('cold: apps/main.ts', cold.ours));
console.log(`cold ratio: ${ratio(cold.ours, cold.empty, (x) => x.wall)}× wall, ${ratio(cold.ours, cold.empty, (x) => x.cpu)}× CPU (caches left warm for the next run)`);
run(ours); // refill the caches
