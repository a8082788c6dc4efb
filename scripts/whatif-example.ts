/**
 * `npm run whatif:example`: the README's worked example of the what-if replay, reproducible.
 *
 * The reference stack's 70B pool (ScaledObject `litellm/llama-3-3-70b` in
 * dist/reference-platform.k8s.yaml: queue depth, KV cache and predicted queue, 1–3 replicas of
 * four H100s, a 40-minute model-load budget) under a Monday-morning surge, twice:
 *
 * - without pre-warm: the ScaledObject exactly as synthesized;
 * - with pre-warm: the same ScaledObject plus the cron trigger that `VllmPool.autoscale({ preWarm })`
 *   renders, copied from the reference 8B pool's ScaledObject in the same file (`prewarm_0`:
 *   Europe/Berlin, `30 7 * * 1-5` to `0 19 * * 1-5`) with 2 replicas.
 *
 * The trace: the built-in `surge` from Monday 00:00 Berlin for 24 hours at 15-second steps,
 * quiet at 2 requests/s, 180 requests/s from 09:00 to 17:00.
 *
 * Prints a Markdown table of both summaries (the README's table) and writes
 * docs/whatif/llama-70b-surge-{without,with}-prewarm.png: the reports' charts, rendered by
 * headless chromium (Debian's `chromium`). With `--no-png` it only prints the table.
 *
 * Usage: npm run whatif:example [-- --no-png]
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LoadedManifest, loadManifestsFromDir } from '../lib/whatif/manifests';
import { replay, ReplayResult } from '../lib/whatif/replay';
import { renderReport } from '../lib/whatif/report';
import { builtinTrace } from '../lib/whatif/trace';

const ROOT = path.join(__dirname, '..');
const TARGET = 'litellm/llama-3-3-70b';
const PRICE_PER_GPU_HOUR = 2.5;
const PREWARM_REPLICAS = 2;

function scaledObject(manifests: LoadedManifest[], name: string): any {
  const found = manifests.find(m => m.object?.kind === 'ScaledObject' && m.object.metadata?.namespace === 'litellm' && m.object.metadata?.name === name);
  if (!found) throw new Error(`no ScaledObject litellm/${name} in dist/: run npm run synth`);
  return found.object;
}

/** The manifests with the 70B ScaledObject given the 8B pool's pre-warm trigger. */
function withPrewarm(manifests: LoadedManifest[]): LoadedManifest[] {
  const copy: LoadedManifest[] = structuredClone(manifests);
  const prewarm = scaledObject(copy, 'llama-3-1-8b').spec.triggers.find((t: any) => t.type === 'cron');
  if (!prewarm) throw new Error('the 8B pool of the reference stack has no cron pre-warm trigger any more');
  const trigger = structuredClone(prewarm);
  trigger.metadata.desiredReplicas = String(PREWARM_REPLICAS);
  scaledObject(copy, 'llama-3-3-70b').spec.triggers.push(trigger);
  return copy;
}

function screenshot(html: string, png: string): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whatif-example-'));
  try {
    const file = path.join(dir, 'report.html');
    fs.writeFileSync(file, html);
    const args = ['--headless', '--disable-gpu', '--hide-scrollbars', '--force-device-scale-factor=1',
      '--window-size=1100,760', '--virtual-time-budget=5000', `--screenshot=${png}`, `file://${file}`];
    if (process.getuid?.() === 0) args.unshift('--no-sandbox');
    execFileSync('chromium', args, { stdio: 'ignore', env: { ...process.env, HOME: dir }, timeout: 120_000 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function row(label: string, r: ReplayResult): string {
  const s = r.summary;
  // 09:00 Berlin, when the surge starts (the trace starts at 00:00 Berlin).
  const nine = r.series.ready[r.series.t.indexOf(9 * 3600)];
  return `| ${label} | ${nine} | ${s.sloBreachMinutes.toFixed(0)} | ${s.maxWaiting.toFixed(0)} | ${s.peakReplicas} | ${s.scaleUps} / ${s.scaleDowns} | ${s.minutesAtMax.toFixed(0)} | ${s.gpuHours.toFixed(1)} | ${s.cost!.toFixed(2)} |`;
}

function main(): void {
  const png = !process.argv.includes('--no-png');
  const manifests = loadManifestsFromDir(path.join(ROOT, 'dist'));
  const trace = builtinTrace('surge', { startTime: '2026-11-30T00:00:00+01:00', hours: 24, stepSeconds: 15, baseRequestsPerSecond: 2, peakRequestsPerSecond: 180 });
  const runs: Array<[string, string, LoadedManifest[]]> = [
    ['without pre-warm', 'without', manifests],
    ['with pre-warm (2 replicas from 07:30)', 'with', withPrewarm(manifests)],
  ];
  console.log('| ScaledObject | Ready replicas at 09:00 | minutes over the SLO | largest queue | peak replicas | scale-ups / downs | minutes at max | GPU-hours | cost (USD at 2.50 per GPU-hour) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [label, slug, m] of runs) {
    const result = replay({ manifests: m, target: TARGET, trace, prices: { perAcceleratorHour: PRICE_PER_GPU_HOUR, currency: 'USD' } });
    console.log(row(label, result));
    if (result.warnings.length > 0) console.error(`${label}: ${result.warnings.join('; ')}`);
    if (png) {
      const out = path.join(ROOT, 'docs', 'whatif', `llama-70b-surge-${slug}-prewarm.png`);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      screenshot(renderReport(result), out);
      console.error(`wrote ${path.relative(ROOT, out)}`);
    }
  }
}

main();
