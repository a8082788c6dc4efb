#!/usr/bin/env node
import * as fs from 'fs';
import * as path from 'path';
import { invalid } from '../core/_validation';
import { replay, ReplayResult } from './replay';
import { renderReport } from './report';
import { BUILTIN_TRACE_NAMES, BuiltinTraceName, builtinTrace, Trace } from './trace';

/**
 * The package's command line (`bin`): `npx cdk8s-llm-serving whatif ...`.
 *
 * `whatif` replays a traffic trace through one autoscaler of a directory of manifests (the
 * `dist/` of `cdk8s synth`) and prints a text summary on stdout; with `--out` it also writes
 * the self-contained HTML report. Progress goes to stderr. Bad arguments or input: one line on
 * stderr, exit code 2, nothing written.
 */

const USAGE = `Usage: cdk8s-llm-serving whatif --manifests <dir> --target <namespace>/<name> --trace <surge|diurnal|spike|ramp|file.csv|file.json> [options]

Replays a traffic trace through an autoscaler (HorizontalPodAutoscaler or KEDA ScaledObject) of the
synthesized manifests and a model of the pool it scales.

Options:
  --manifests <dir>             directory of YAML manifests, read recursively (e.g. dist/)
  --target <namespace>/<name>   the HorizontalPodAutoscaler or ScaledObject to replay
  --trace <shape|file>          built-in shape (surge, diurnal, spike, ramp) or a .csv/.json trace
  --out <file.html>             write the HTML report there (self-contained, opens offline)
  --start <iso time>            built-in shape: wall-clock start with offset (e.g. 2026-11-30T00:00:00+01:00)
  --hours <n>                   built-in shape: length in hours
  --step-seconds <n>            built-in shape: resolution of its points
  --peak-rps <n>                built-in shape: requests per second at the peak
  --base-rps <n>                built-in shape: the quiet rate
  --price-per-gpu-hour <n>      price of one accelerator-hour, for the cost
  --currency <code>             currency of that price (shown with the cost)
  --initial-replicas <n>        replicas at the trace start (default: the autoscaler's minimum)
  --ready-seconds <n>           override the pool model: seconds from pod creation to Ready
  --max-concurrent-requests <n> override the pool model: running requests per replica
  --request-seconds <n>         override the pool model: mean service time of a request
  --slo-ttft-seconds <n>        TTFT p95 SLO (default: the pool's, from its alerts)
  --slo-queue-per-replica <n>   queue-per-replica SLO (default: the pool's, from its alerts)
  -h, --help                    show this help
`;

/** What the CLI writes to; process streams by default, buffers in tests. */
export interface CliIo {
  /** Standard output. */
  readonly stdout: (text: string) => void;
  /** Standard error. */
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (the progress line is redrawn in place then). */
  readonly stderrIsTty: boolean;
}

/** A bad command line: exit code 2. */
class UsageError extends Error {}

const VALUE_OPTIONS = [
  'manifests', 'target', 'trace', 'out', 'start', 'hours', 'step-seconds', 'peak-rps', 'base-rps', 'price-per-gpu-hour', 'currency', 'initial-replicas',
  'ready-seconds', 'max-concurrent-requests', 'request-seconds', 'slo-ttft-seconds', 'slo-queue-per-replica',
] as const;
type OptionName = typeof VALUE_OPTIONS[number];

/**
 * Runs the command line `argv` (without `node` and the script) and returns the exit code:
 * 0 done, 2 bad arguments or input (one line on stderr, nothing written), 1 an unexpected failure.
 */
export function main(argv: string[], io: CliIo = processIo()): number {
  try {
    const [command, ...rest] = argv;
    if (command === undefined) throw new UsageError('missing command: cdk8s-llm-serving whatif --manifests <dir> --target <namespace>/<name> --trace <shape|file> (see --help)');
    if (command === '-h' || command === '--help' || command === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    if (command !== 'whatif') throw new UsageError(`unknown command '${command}': the only command is 'whatif' (see --help)`);
    if (rest.includes('-h') || rest.includes('--help')) {
      io.stdout(USAGE);
      return 0;
    }
    whatif(parseOptions(rest), io);
    return 0;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const oneLine = message.replace(/\s*\n\s*/g, ' ');
    // The library's own errors and bad arguments are input errors; anything else is a bug.
    const internal = e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError || !(e instanceof Error);
    io.stderr(`cdk8s-llm-serving: ${internal ? 'internal error: ' : ''}${oneLine}\n`);
    return internal ? 1 : 2;
  }
}

function parseOptions(args: string[]): Map<OptionName, string> {
  const out = new Map<OptionName, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}' (see --help)`);
    const eq = arg.indexOf('=');
    const name = (eq < 0 ? arg.slice(2) : arg.slice(2, eq)) as OptionName;
    if (!(VALUE_OPTIONS as readonly string[]).includes(name)) throw new UsageError(`unknown option '--${name}' (see --help)`);
    let value: string | undefined;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      value = args[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`option '--${name}' needs a value (see --help)`);
      i++;
    }
    if (out.has(name)) throw new UsageError(`option '--${name}' is given twice`);
    out.set(name, value);
  }
  for (const required of ['manifests', 'target', 'trace'] as const) {
    if (!out.has(required)) throw new UsageError(`option '--${required}' is required (see --help)`);
  }
  return out;
}

function numberOption(options: Map<OptionName, string>, name: OptionName): number | undefined {
  const raw = options.get(name);
  if (raw === undefined) return undefined;
  const value = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw invalid(`--${name}`, raw, 'must be a number greater than or equal to 0');
  return value;
}

function optionalNumber(key: string, value: number | undefined): Record<string, number> {
  return value === undefined ? {} : { [key]: value };
}

function whatif(options: Map<OptionName, string>, io: CliIo): void {
  const manifests = options.get('manifests')!;
  const target = options.get('target')!;
  const out = options.get('out');
  const price = numberOption(options, 'price-per-gpu-hour');
  const currency = options.get('currency');
  if (currency !== undefined && price === undefined) throw new UsageError('option \'--currency\' needs \'--price-per-gpu-hour\'');
  const initialReplicas = numberOption(options, 'initial-replicas');
  const pool: Record<string, number> = {};
  const readySeconds = numberOption(options, 'ready-seconds');
  if (readySeconds !== undefined) pool.readySeconds = readySeconds;
  const maxConcurrent = numberOption(options, 'max-concurrent-requests');
  if (maxConcurrent !== undefined) pool.maxConcurrentRequests = maxConcurrent;
  const requestSeconds = numberOption(options, 'request-seconds');
  if (requestSeconds !== undefined) pool.requestSeconds = requestSeconds;
  const ttft = numberOption(options, 'slo-ttft-seconds');
  const queue = numberOption(options, 'slo-queue-per-replica');

  // Check where the report goes before the replay: a bad --out costs nothing and writes nothing.
  let outFile: string | undefined;
  if (out !== undefined) {
    outFile = path.resolve(out);
    const dir = path.dirname(outFile);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw invalid('--out', out, `must be a file in an existing directory (${dir} does not exist)`);
    if (fs.existsSync(outFile) && fs.statSync(outFile).isDirectory()) throw invalid('--out', out, 'is a directory: give a file name such as report.html');
  }

  const traceArg = options.get('trace')!;
  const shapeOptions = {
    ...(options.has('start') ? { startTime: options.get('start')! } : {}),
    ...optionalNumber('hours', numberOption(options, 'hours')),
    ...optionalNumber('stepSeconds', numberOption(options, 'step-seconds')),
    ...optionalNumber('peakRequestsPerSecond', numberOption(options, 'peak-rps')),
    ...optionalNumber('baseRequestsPerSecond', numberOption(options, 'base-rps')),
  };
  let trace: Trace | string = traceArg;
  if (Object.keys(shapeOptions).length > 0) {
    if (!(BUILTIN_TRACE_NAMES as readonly string[]).includes(traceArg)) {
      throw new UsageError(`options '--start', '--hours', '--step-seconds', '--peak-rps' and '--base-rps' shape a built-in trace (${BUILTIN_TRACE_NAMES.join(', ')}), not '${traceArg}'`);
    }
    trace = builtinTrace(traceArg as BuiltinTraceName, shapeOptions);
  }

  const started = process.hrtime.bigint();
  let lastPercent = -1;
  const result = replay({
    manifests,
    target,
    trace,
    ...(Object.keys(pool).length > 0 ? { pool } : {}),
    ...(price !== undefined ? { prices: { perAcceleratorHour: price, ...(currency !== undefined ? { currency } : {}) } } : {}),
    ...(ttft !== undefined || queue !== undefined ? { slo: { ...(ttft !== undefined ? { ttftSeconds: ttft } : {}), ...(queue !== undefined ? { queuePerReplica: queue } : {}) } } : {}),
    ...(initialReplicas !== undefined ? { initialReplicas } : {}),
    onProgress: fraction => {
      const percent = Math.floor(fraction * 100);
      if (io.stderrIsTty && percent !== lastPercent) io.stderr(`\rreplaying ${target}: ${percent}%`);
      lastPercent = percent;
    },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // On a terminal: back to the start of the progress line and clear it.
  io.stderr(`${io.stderrIsTty ? '\r\x1b[K' : ''}replayed ${result.target}: ${result.series.t.length} steps (${hours(result).toFixed(1)} h of trace) in ${seconds.toFixed(2)} s\n`);

  if (outFile !== undefined) {
    const html = renderReport(result);
    // Write then rename: an interrupted run leaves no half report.
    const tmp = `${outFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, html);
    fs.renameSync(tmp, outFile);
  }
  io.stdout(formatSummary(result, outFile !== undefined ? path.relative(process.cwd(), outFile) || outFile : undefined));
}

function hours(result: ReplayResult): number {
  const t = result.series.t;
  return t.length === 0 ? 0 : (t[t.length - 1] - t[0] + result.stepSeconds) / 3600;
}

/** The text summary printed on stdout. @internal */
export function formatSummary(result: ReplayResult, report?: string): string {
  const s = result.summary;
  const rows: Array<[string, string]> = [
    ['minutes over the SLO', s.sloBreachMinutes.toFixed(1)],
    ['largest queue', `${s.maxWaiting.toFixed(1)} requests waiting`],
    ['peak replicas', String(s.peakReplicas)],
    ['minutes at max replicas', s.minutesAtMax.toFixed(1)],
    ['scale-ups / scale-downs', `${s.scaleUps} / ${s.scaleDowns}`],
    ['first ready after a wake', s.firstReadyAfterWakeSeconds === undefined ? '-' : `${s.firstReadyAfterWakeSeconds.toFixed(0)} s`],
    ['GPU-hours', s.gpuHours.toFixed(2)],
    ['cost', s.cost === undefined ? '- (no --price-per-gpu-hour)' : `${s.cost.toFixed(2)}${s.currency ? ` ${s.currency}` : ''}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [
    `What-if replay of ${result.target} from ${result.startTime}, ${hours(result).toFixed(1)} h at ${result.stepSeconds} s steps`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
  ];
  if (result.warnings.length > 0) {
    lines.push('warnings:');
    for (const w of result.warnings) lines.push(`  - ${w}`);
  } else {
    lines.push('warnings: none');
  }
  if (report !== undefined) lines.push(`report: ${report}`);
  return lines.join('\n') + '\n';
}

function processIo(): CliIo {
  return {
    stdout: text => process.stdout.write(text),
    stderr: text => process.stderr.write(text),
    stderrIsTty: process.stderr.isTTY === true,
  };
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
