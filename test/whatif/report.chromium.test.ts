import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { replay, ReplayResult } from '../../lib/whatif/replay';
import { renderReport } from '../../lib/whatif/report';

/*
 * The HTML report in a real browser: Debian's `chromium`, headless (installed by .ci/run, or
 * `apt-get install chromium`). The page's own script counts the non-transparent and the coloured
 * pixels of each chart canvas after uPlot drew and writes them to <body>; `--dump-dom` gives the
 * DOM after `--virtual-time-budget` of page time.
 */

function chromiumBinary(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error('chromium is not installed: run `apt-get install -y chromium` (Debian), as .ci/run does');
}

/** Loads the file in headless chromium and returns the `<body ...>` start tag after the page ran. */
function bodyAfterLoad(file: string): string {
  const args = [
    '--headless', '--disable-gpu', '--no-first-run', '--no-default-browser-check', '--disable-extensions',
    // No network: the report must be self-contained.
    '--proxy-server=127.0.0.1:9', '--proxy-bypass-list=<-loopback>',
    '--virtual-time-budget=5000', '--dump-dom', `file://${file}`,
  ];
  // Chromium's sandbox cannot start as root (CI runs as root).
  if (process.getuid?.() === 0) args.unshift('--no-sandbox');
  const dom = execFileSync(chromiumBinary(), args, {
    encoding: 'utf8', timeout: 90_000, stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-home-')) },
  });
  const body = /<body[^>]*>/.exec(dom);
  if (!body) throw new Error(`no <body> in chromium's DOM dump: ${dom.slice(0, 500)}`);
  return body[0];
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`${name}="([^"]*)"`).exec(tag)?.[1];
}

function result(overrides: Partial<ReplayResult> = {}): ReplayResult {
  const t: number[] = [];
  for (let i = 0; i < 24 * 60; i++) t.push(i * 60);
  const surge = (x: number) => x >= 3 * 3600 && x < 10 * 3600;
  const waiting = t.map(x => (x >= 3 * 3600 && x < 3 * 3600 + 2400 ? 50 : 0));
  return {
    target: 'litellm/llama-3-3-70b',
    startTime: '2026-11-30T06:00:00+01:00',
    stepSeconds: 60,
    series: {
      t,
      traffic: t.map(x => (surge(x) ? 20 : 2)),
      desired: t.map(x => (x >= 3 * 3600 + 600 && x < 11 * 3600 ? 3 : 1)),
      ready: t.map(x => (x >= 3 * 3600 + 2400 && x < 11 * 3600 ? 3 : 1)),
      waiting,
      estimatedWaitSeconds: waiting.map(w => w / 5),
      ttftP95: waiting.map(w => w / 10),
      sloBreach: waiting.map(w => w > 10),
      fallbackActive: t.map(x => x >= 5 * 3600 && x < 5.5 * 3600),
    },
    events: [{ t: 11400, message: 'scale up: 1 -> 3' }],
    summary: { sloBreachMinutes: 40, maxWaiting: 50, scaleUps: 1, scaleDowns: 1, gpuHours: 120, cost: 300, currency: 'EUR', peakReplicas: 3, minutesAtMax: 480 },
    warnings: ['at max replicas for 480 min'],
    ...overrides,
  };
}

describe('the HTML report in headless chromium', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whatif-report-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('both charts draw their series (coloured pixels on each canvas)', () => {
    // GIVEN
    const file = path.join(dir, 'report.html');
    fs.writeFileSync(file, renderReport(result()));

    // WHEN
    const body = bodyAfterLoad(file);

    // THEN
    expect(attr(body, 'data-chart-status')).toBe('drawn');
    const pixels = attr(body, 'data-chart-pixels')!.split(',').map(Number);
    const colored = attr(body, 'data-chart-colored-pixels')!.split(',').map(Number);
    expect(pixels).toHaveLength(2);
    expect(colored).toHaveLength(2);
    // Axes and labels alone draw a few thousand grey pixels; the lines add coloured ones.
    for (const n of pixels) expect(n).toBeGreaterThan(5000);
    for (const n of colored) expect(n).toBeGreaterThan(1000);
  });

  test('a real replay (the reference 70B pool, built-in spike trace) draws', () => {
    const file = path.join(dir, 'spike.html');
    fs.writeFileSync(file, renderReport(replay({ manifests: path.join(__dirname, '..', '..', 'dist'), target: 'litellm/llama-3-3-70b', trace: 'spike' })));
    const body = bodyAfterLoad(file);
    expect(attr(body, 'data-chart-status')).toBe('drawn');
    for (const n of attr(body, 'data-chart-colored-pixels')!.split(',').map(Number)) expect(n).toBeGreaterThan(1000);
  });

  test('hostile text stays text: no script from the input runs', () => {
    // GIVEN a target, a warning and an event that try to close the script and style elements
    const evil = '</script><script>document.body.setAttribute("data-pwned","1")</script></style>';
    const file = path.join(dir, 'evil.html');
    fs.writeFileSync(file, renderReport(result({
      target: `ns/${evil}`,
      warnings: [evil],
      events: [{ t: 0, message: `<img src=x onerror="document.body.setAttribute('data-pwned','2')">${evil}` }],
    })));

    // WHEN
    const body = bodyAfterLoad(file);

    // THEN the charts still draw and nothing from the input ran
    expect(attr(body, 'data-chart-status')).toBe('drawn');
    expect(attr(body, 'data-pwned')).toBeUndefined();
  });
});

describe('renderReport refuses what replay() does not return', () => {
  test('not an object', () => {
    expect(() => renderReport(undefined as any)).toThrow(new Error('\'result\' (undefined) must be an object'));
  });

  test('series of different lengths', () => {
    const r = result();
    expect(() => renderReport({ ...r, series: { ...r.series, ready: [1] } })).toThrow(new Error(
      '\'result.series.ready\' ("1 values") must have one value per point of \'result.series.t\' (1440)'));
  });

  test('a missing summary number', () => {
    const r = result();
    expect(() => renderReport({ ...r, summary: { ...r.summary, gpuHours: undefined as any } })).toThrow(new Error(
      '\'result.summary.gpuHours\' (undefined) must be a finite number'));
  });

  test('a target that is not a string', () => {
    expect(() => renderReport({ ...result(), target: 7 as any })).toThrow(new Error(
      '\'result.target\' (7) must be a string (pass what replay() returned)'));
  });
});
