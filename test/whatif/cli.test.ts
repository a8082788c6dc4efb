import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CliIo, main } from '../../lib/whatif/cli';

const ROOT = path.join(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');

interface Run { code: number; stdout: string; stderr: string }

/** Runs the CLI in this process with captured streams. */
function run(...argv: string[]): Run {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: t => { stdout += t; }, stderr: t => { stderr += t; }, stderrIsTty: false };
  const code = main(argv, io);
  return { code, stdout, stderr };
}

/** A refused run: exit 2, exactly one line on stderr, nothing on stdout. */
function expectRefused(r: Run, message: string): void {
  expect(r).toEqual({ code: 2, stdout: '', stderr: `cdk8s-llm-serving: ${message}\n` });
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whatif-cli-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('whatif on the reference dist/', () => {
  test('prints the summary on stdout, a progress line on stderr and writes the report', () => {
    // GIVEN
    const out = path.join(dir, 'report.html');

    // WHEN
    const r = run('whatif', '--manifests', DIST, '--target', 'litellm/llama-3-3-70b', '--trace', 'surge', '--out', out,
      '--price-per-gpu-hour', '2.5', '--currency', 'USD');

    // THEN
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^What-if replay of litellm\/llama-3-3-70b from \S+, 12\.0 h at \d+ s steps\n/);
    expect(r.stdout).toMatch(/\n {2}GPU-hours {17}\d+\.\d\d\n/);
    expect(r.stdout).toMatch(/\n {2}cost {22}\d+\.\d\d USD\n/);
    expect(r.stdout).toContain(`report: ${path.relative(process.cwd(), out)}\n`);
    expect(r.stderr).toMatch(/^replayed litellm\/llama-3-3-70b: \d+ steps \(12\.0 h of trace\) in \d+\.\d\d s\n$/);
    const html = fs.readFileSync(out, 'utf8');
    expect(html).toContain('<title>What-if replay: litellm/llama-3-3-70b</title>');
    expect(html).toContain('/*! https://github.com/leeoniya/uPlot (v1.6.32) */');
    // No temp file left beside the report.
    expect(fs.readdirSync(dir)).toEqual(['report.html']);
  });

  test('on a terminal the progress line is redrawn in place, then replaced by the result line', () => {
    let stderr = '';
    const io: CliIo = { stdout: () => undefined, stderr: t => { stderr += t; }, stderrIsTty: true };
    expect(main(['whatif', '--manifests', DIST, '--target', 'litellm/llama-3-3-70b', '--trace', 'spike'], io)).toBe(0);
    expect(stderr).toMatch(/^\rreplaying litellm\/llama-3-3-70b: 0%\r/);
    expect(stderr).toContain('\rreplaying litellm/llama-3-3-70b: 100%');
    expect(stderr).toMatch(/\r\x1b\[Kreplayed litellm\/llama-3-3-70b: 120 steps \(2\.0 h of trace\) in \d+\.\d\d s\n$/);
  });

  test('the cost is GPU-hours × the price (same numbers as printed)', () => {
    const r = run('whatif', '--manifests', DIST, '--target', 'litellm/llama-3-3-70b', '--trace', 'surge', '--price-per-gpu-hour', '3');
    expect(r.code).toBe(0);
    const gpuHours = Number(/GPU-hours +(\d+\.\d\d)/.exec(r.stdout)![1]);
    const cost = Number(/cost +(\d+\.\d\d)/.exec(r.stdout)![1]);
    expect(gpuHours).toBeGreaterThan(0);
    expect(cost).toBeCloseTo(gpuHours * 3, 1);
    expect(r.stdout).not.toContain('report:');
  });

  test('shape options give the built-in trace its start, length, resolution and rates', () => {
    const r = run('whatif', '--manifests', DIST, '--target', 'litellm/llama-3-3-70b', '--trace', 'surge', '--start', '2026-11-30T00:00:00+01:00',
      '--hours', '24', '--step-seconds', '15', '--peak-rps', '250', '--base-rps', '2');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^What-if replay of litellm\/llama-3-3-70b from 2026-11-30T00:00:00\+01:00, 24\.0 h at 15 s steps\n/);
    // 250 requests/s need three replicas of 102.4/s: the 70B pool reaches its maximum.
    expect(r.stdout).toMatch(/\n {2}peak replicas {13}3\n/);
    expect(r.stdout).toMatch(/\n {2}- at max replicas for \d+ min\n/);
  });

  test('without a price the cost says so', () => {
    const r = run('whatif', '--manifests', DIST, '--target', 'litellm/llama-3-3-70b', '--trace', 'surge');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\n {2}cost {22}- \(no --price-per-gpu-hour\)\n/);
  });
});

describe('bad arguments: one line on stderr, exit 2, nothing written', () => {
  test('no command', () => {
    expectRefused(run(), 'missing command: cdk8s-llm-serving whatif --manifests <dir> --target <namespace>/<name> --trace <shape|file> (see --help)');
  });

  test('unknown command', () => {
    expectRefused(run('synth'), 'unknown command \'synth\': the only command is \'whatif\' (see --help)');
  });

  test('unknown option', () => {
    expectRefused(run('whatif', '--manifest', DIST), 'unknown option \'--manifest\' (see --help)');
  });

  test('an option without its value', () => {
    expectRefused(run('whatif', '--manifests', DIST, '--target'), 'option \'--target\' needs a value (see --help)');
    expectRefused(run('whatif', '--manifests', '--target', 'a/b'), 'option \'--manifests\' needs a value (see --help)');
  });

  test('a stray argument', () => {
    expectRefused(run('whatif', 'dist'), 'unexpected argument \'dist\' (see --help)');
  });

  test('a required option missing', () => {
    expectRefused(run('whatif', '--manifests', DIST, '--target', 'litellm/llama-3-3-70b'), 'option \'--trace\' is required (see --help)');
  });

  test('an option given twice', () => {
    expectRefused(run('whatif', '--trace', 'surge', '--trace=spike'), 'option \'--trace\' is given twice');
  });

  test('a price that is not a number', () => {
    expectRefused(run('whatif', '--manifests', DIST, '--target', 'litellm/llama-3-3-70b', '--trace', 'surge', '--price-per-gpu-hour', 'cheap'),
      '\'--price-per-gpu-hour\' ("cheap") must be a number greater than or equal to 0');
  });

  test('a currency without a price', () => {
    expectRefused(run('whatif', '--manifests', DIST, '--target', 'litellm/llama-3-3-70b', '--trace', 'surge', '--currency', 'EUR'),
      'option \'--currency\' needs \'--price-per-gpu-hour\'');
  });

  test('--out in a directory that does not exist', () => {
    const out = path.join(dir, 'missing', 'report.html');
    expectRefused(run('whatif', '--manifests', DIST, '--target', 'litellm/llama-3-3-70b', '--trace', 'surge', '--out', out),
      `'--out' (${JSON.stringify(out)}) must be a file in an existing directory (${path.dirname(out)} does not exist)`);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('an unknown target names it, and nothing is written', () => {
    const out = path.join(dir, 'report.html');
    const r = run('whatif', '--manifests', DIST, '--target', 'litellm/nope', '--trace', 'surge', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^cdk8s-llm-serving: .*litellm\/nope.*\n$/);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('a CSV trace with a negative rate names the file and line, and nothing is written', () => {
    const csv = path.join(dir, 'trace.csv');
    fs.writeFileSync(csv, 'time,requests_per_second\n0,1\n15,-2\n');
    const out = path.join(dir, 'report.html');
    const r = run('whatif', '--manifests', DIST, '--target', 'litellm/llama-3-3-70b', '--trace', csv, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^cdk8s-llm-serving: .*trace\.csv.*3.*\n$/);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(fs.readdirSync(dir)).toEqual(['trace.csv']);
  });

  test('a trace that is neither a shape nor a .csv/.json file', () => {
    expectRefused(run('whatif', '--manifests', DIST, '--target', 'litellm/llama-3-3-70b', '--trace', 'weekly'),
      '\'trace\' ("weekly") must be \'surge\', \'diurnal\', \'spike\', \'ramp\' or the path of a .csv or .json trace');
  });

  test('shape options on a trace file', () => {
    expectRefused(run('whatif', '--manifests', DIST, '--target', 'litellm/llama-3-3-70b', '--trace', 'monday.csv', '--hours', '24'),
      'options \'--start\', \'--hours\', \'--step-seconds\', \'--peak-rps\' and \'--base-rps\' shape a built-in trace (surge, diurnal, spike, ramp), not \'monday.csv\'');
  });

  test('a shape option that is not a number', () => {
    expectRefused(run('whatif', '--manifests', DIST, '--target', 'litellm/llama-3-3-70b', '--trace', 'surge', '--peak-rps', 'high'),
      '\'--peak-rps\' ("high") must be a number greater than or equal to 0');
  });

  test('--help prints the usage and exits 0', () => {
    const r = run('whatif', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: cdk8s-llm-serving whatif --manifests <dir> --target <namespace>/<name>');
    expect(r.stderr).toBe('');
  });
});

describe('as a process (the bin entry point)', () => {
  const cli = path.join(ROOT, 'lib', 'whatif', 'cli.ts');
  const node = (args: string[]) => spawnSync(process.execPath, ['-r', path.join(ROOT, 'scripts', 'register-ts.js'), cli, ...args],
    { encoding: 'utf8', cwd: dir, timeout: 120_000 });

  test('writes the report and exits 0', () => {
    const r = node(['whatif', '--manifests', DIST, '--target', 'litellm/llama-3-3-70b', '--trace', 'spike', '--out', 'r.html']);
    expect(r.stderr).toMatch(/^replayed litellm\/llama-3-3-70b: /);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('report: r.html\n');
    expect(fs.existsSync(path.join(dir, 'r.html'))).toBe(true);
  });

  test('exits 2 on a bad argument', () => {
    const r = node(['whatif', '--bogus']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('cdk8s-llm-serving: unknown option \'--bogus\' (see --help)\n');
  });

  test('the compiled entry point starts with a shebang', () => {
    expect(fs.readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });
});
