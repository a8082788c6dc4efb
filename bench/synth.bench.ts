/**
 * `npm run bench`: synth time and memory as the fleet grows, in one run.
 *
 * The fleet: one autoscaled LiteLLM proxy fronting N vLLM pools, one model group each, each
 * pool autoscaled by KEDA (queue depth, KV cache, wake from zero), scraped by a PodMonitor,
 * with the alert rules of each pool in its own PrometheusRule (ServingAlerts), the proxy's in a shared one.
 *
 * For each N it prints:
 * - library: what a platform repo runs (apps/main.ts does the same): building the fleet with
 *   the library's constructs, then `synthValidated(app)`, which runs the construct
 *   validations, checks every object strictly against the Kubernetes and CRD schemas and
 *   writes the chart's file (byte for byte what `app.synth()` writes), the YAML of the checked
 *   objects stringified by a second thread meanwhile (lib/delivery/_yaml-thread.ts); in ms,
 *   median of the runs;
 * - the same in one thread (`CDK8S_LLM_SERVING_YAML_THREAD=off`), for comparison;
 * - floor: the framework alone for the same output: the objects the library rendered,
 *   re-emitted through plain `ApiObject`s in a fresh App and written by cdk8s's `app.synth()`
 *   (no validation);
 * - the ratio library / floor, and the library's time per pool (flat when linear);
 * then the peak RSS of a fresh process that synthesizes the largest fleet: the library
 * (`synthValidated`, with and without the YAML thread), the library through cdk8s's own
 * `app.synth()` (unvalidated, for comparison), and the floor.
 * Goals (issue 11 §4): ≤ 1.5× the floor at 400 pools, peak RSS ≤ 300 MB at 1000 pools.
 * Asserts nothing: timings are machine-dependent. Keep it out of `npm test`.
 *
 * Usage: npm run bench [-- <runs per size, default 3>]   (BENCH_SIZES=100,400 for other sizes)
 *        node --expose-gc -r ./scripts/register-ts.js bench/synth.bench.ts --rss <pools> [synth | one | objects.json]
 *        (one peak-RSS measurement, JSON: the library with synthValidated, with app.synth(), with
 *        synthValidated in one thread, or the floor re-emitting objects.json)
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { Accelerator, LiteLLMProxy, LlmSignal, MonitorDiscovery, NetworkPeer, ServingAlerts, synthValidated, VllmPool } from '../lib';

// The synth cache (lib/delivery/_synth-cache.ts) would let every run after the first skip the
// checks and the YAML of unchanged objects: off, the bench measures the work itself (the RSS
// children inherit it).
process.env.CDK8S_LLM_SERVING_SYNTH_CACHE = 'off';

const SIZES = process.env.BENCH_SIZES ? process.env.BENCH_SIZES.split(',').map(Number) : [100, 400, 1000];
/** Sizes above this get one run (each costs tens of seconds). */
const MEDIAN_UP_TO = 400;
const OUTDIR = path.join(os.tmpdir(), 'cdk8s-llm-serving-bench');

const discovery: MonitorDiscovery = {
  labels: { release: 'kube-prometheus-stack' },
  scraper: NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }),
};
const prometheus = { serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' };

/** The fleet of `pools` pools in a fresh App writing to `outdir`. */
function fleet(pools: number, outdir = path.join(OUTDIR, 'library')): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'fleet', { namespace: 'llm' });
  const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: { secretName: 'litellm', key: 'master-key' } });
  proxy.autoscale();
  const all: VllmPool[] = [];
  for (let i = 0; i < pools; i++) {
    const pool = new VllmPool(chart, `pool-${i}`, { model: `org/model-${i}`, accelerator: Accelerator.nvidiaGpu(1) });
    const group = proxy.addBackend(pool);
    pool.monitor(discovery);
    pool.autoscale({ prometheus, minReplicas: 0, maxReplicas: 4, wakeOn: LlmSignal.proxyRequestRate(proxy, group, 5) });
    all.push(pool);
  }
  proxy.monitor(discovery);
  new ServingAlerts(chart, 'alerts', { pools: all, proxy, discovery, runbookBaseUrl: 'https://runbooks.example.com/llm' });
  return app;
}

/** The file both paths write (the chart `fleet`). */
const written = (dir: string) => path.join(OUTDIR, dir, 'fleet.k8s.yaml');

/** The library: build the fleet and synthesize it as a platform repo does (validated, written), with or without the YAML thread. */
function library(pools: number, thread = true): Timed {
  global.gc?.();
  if (!thread) process.env.CDK8S_LLM_SERVING_YAML_THREAD = 'off';
  try {
    const start = clock();
    synthValidated(fleet(pools));
    return start.stop();
  } finally {
    delete process.env.CDK8S_LLM_SERVING_YAML_THREAD;
  }
}

/** The library through cdk8s's own `app.synth()` (no strict validation): for the RSS comparison. */
function librarySynth(pools: number): Timed {
  global.gc?.();
  const start = clock();
  fleet(pools, path.join(OUTDIR, 'library-synth')).synth();
  return start.stop();
}

/** The floor: the same objects through plain ApiObjects, written by `app.synth()`. */
function floor(objects: any[]): Timed {
  global.gc?.();
  const start = clock();
  const app = new App({ outdir: path.join(OUTDIR, 'floor') });
  const chart = new Chart(app, 'fleet');
  objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o));
  app.synth();
  return start.stop();
}

interface Timed { ms: number; cpuMs: number }

/** Wall and CPU time (CPU: this process, GC threads included; steadier on a shared machine). */
function clock(): { stop(): { ms: number; cpuMs: number } } {
  const wall = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  return {
    stop: () => {
      const used = process.cpuUsage(cpu);
      return { ms: Number(process.hrtime.bigint() - wall) / 1e6, cpuMs: (used.user + used.system) / 1000 };
    },
  };
}

/** A digest of a file's lines, sorted. */
function sortedLines(file: string): string {
  const lines = fs.readFileSync(file, 'utf8').split('\n').sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Peak RSS (MiB) of a fresh process: the library (`synthValidated`, or `app.synth()` with 'synth') building and synthesizing `pools` pools, or the floor re-emitting `objectsFile`. */
function rssChild(pools: number, what?: string): number {
  const args = [...process.execArgv, __filename, '--rss', String(pools), ...(what ? [what] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`RSS run failed:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!).maxRssMiB;
}

const mib = (x: number) => `${x.toFixed(0)} MiB (${(x * 1.048576).toFixed(0)} MB)`;

function main(runs: number): void {
  // Warm-up: module loading, JIT, compiled validators, the YAML thread.
  library(60);
  library(60, false);
  floor(fleet(60).charts.flatMap((c) => c.toJson()));
  console.log(`synth of N pools: library (build + synthValidated) vs framework floor (plain ApiObjects + app.synth(), same output); median of ${runs} runs up to ${MEDIAN_UP_TO} pools, 1 above;`);
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)} at start`);
  console.log(' pools  objects   library ms (CPU)    floor ms (CPU)   ratio wall (CPU)  library CPU ms/pool   one thread ms (CPU)  ratio wall (CPU)');
  const perPool: number[] = [];
  const perPoolOne: number[] = [];
  let largest: any[] = [];
  for (const n of SIZES) {
    const objects = fleet(n, path.join(OUTDIR, 'unused')).charts.flatMap((c) => c.toJson());
    const lib: Timed[] = [];
    const one: Timed[] = [];
    const flo: Timed[] = [];
    for (let r = 0; r < (n <= MEDIAN_UP_TO ? runs : 1); r++) {
      lib.push(library(n));
      one.push(library(n, false));
      flo.push(floor(objects));
      // The same output: the floor re-emits exactly the library's objects, and the two files
      // hold the same lines (cdk8s sorts some keys of plain ApiObjects that the library's
      // cdk8s-plus objects keep in insertion order, which moves lines, never changes one; that
      // synthValidated writes app.synth()'s bytes is tested in test/delivery).
      if (r === 0 && sortedLines(written('library')) !== sortedLines(written('floor'))) {
        throw new Error(`the floor did not re-emit the library's output at ${n} pools`);
      }
    }
    const l = median(lib.map((x) => x.ms));
    const lc = median(lib.map((x) => x.cpuMs));
    const f = median(flo.map((x) => x.ms));
    const fc = median(flo.map((x) => x.cpuMs));
    const o = median(one.map((x) => x.ms));
    const oc = median(one.map((x) => x.cpuMs));
    perPool.push(lc / n);
    perPoolOne.push(oc / n);
    console.log(`${String(n).padStart(6)}  ${String(objects.length).padStart(7)}  ${`${l.toFixed(0)} (${lc.toFixed(0)})`.padStart(17)}  ${`${f.toFixed(0)} (${fc.toFixed(0)})`.padStart(16)}  ${`${(l / f).toFixed(2)} (${(lc / fc).toFixed(2)})`.padStart(16)}  ${(lc / n).toFixed(2).padStart(19)}  ${`${o.toFixed(0)} (${oc.toFixed(0)})`.padStart(20)}  ${`${(o / f).toFixed(2)} (${(oc / fc).toFixed(2)})`.padStart(16)}`);
    largest = objects;
  }
  const growth = (xs: number[]) => (xs[xs.length - 1] / xs[0]).toFixed(2);
  console.log(`library CPU time per pool at ${SIZES[SIZES.length - 1]} / at ${SIZES[0]} pools: ${growth(perPool)}, in one thread ${growth(perPoolOne)} (1.00 = linear)`);
  const file = path.join(os.tmpdir(), `cdk8s-llm-serving-bench-${process.pid}.json`);
  fs.writeFileSync(file, JSON.stringify(largest));
  largest = [];
  try {
    const n = SIZES[SIZES.length - 1];
    console.log(`peak RSS of a fresh process synthesizing ${n} pools (modules included; goal ≤ 300 MB = 286 MiB):`);
    console.log(`  library, synthValidated: ${mib(rssChild(n))}`);
    console.log(`  the same, one thread:    ${mib(rssChild(n, 'one'))}`);
    console.log(`  library, app.synth():    ${mib(rssChild(n, 'synth'))}`);
    console.log(`  floor, app.synth():      ${mib(rssChild(n, file))}`);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

const at = process.argv.indexOf('--rss');
if (at >= 0) {
  const pools = Number(process.argv[at + 1]);
  const what = process.argv[at + 2];
  if (what === 'synth') librarySynth(pools);
  else if (what === 'one') library(pools, false);
  else if (what) floor(JSON.parse(fs.readFileSync(what, 'utf8')));
  else library(pools);
  // process.resourceUsage().maxRSS is in KiB.
  console.log(JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
} else {
  main(Number(process.argv[2] ?? 3));
}
