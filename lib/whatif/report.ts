import * as fs from 'fs';
import { requireArray, requireFinite, requireObject } from './_input';
import type { ReplayResult } from './replay';
import { invalid } from '../core/_validation';

/**
 * The HTML report of a replay: one self-contained file that opens offline in a browser.
 *
 * It holds uPlot (MIT, pinned exactly in the package's dependencies; its `dist/` JS and CSS are
 * read from `node_modules` at render time and inlined), the replay's series as JSON, two charts
 * with a shared time axis (traffic with desired and ready replicas; queue and estimated wait
 * with SLO breaches and fallback shaded), the summary table, the warnings and the scale events.
 * No network request is made when the page is opened.
 *
 * Every text that comes from the input (target name, warnings, events) is HTML-escaped; the
 * JSON data block is escaped so it cannot close its `<script>` element.
 *
 * After drawing, a script in the page counts the non-transparent pixels of each chart canvas
 * and, among them, the opaque coloured ones (the series lines; axes, grid and text are grey, the
 * shaded bands translucent), and
 * writes the counts to `data-chart-pixels` and `data-chart-colored-pixels` on `<body>` (and
 * `data-chart-status="drawn"`),
 * so a headless browser can check that the charts really drew
 * (`chromium --headless --dump-dom --virtual-time-budget=...`).
 *
 * @param result what `replay()` returned
 * @returns the whole HTML document
 * @see https://github.com/leeoniya/uPlot
 */
export function renderReport(result: ReplayResult): string {
  checkResult(result);
  const js = fs.readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = fs.readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const s = result.summary;
  const offset = offsetSeconds(result.startTime);
  const epoch = Date.parse(result.startTime) / 1000;
  const data = {
    // x: wall-clock seconds of the trace's own time zone, drawn as if UTC (tzDate below), so
    // the axis shows the trace's local times whatever the browser's zone.
    x: result.series.t.map(t => epoch + offset + t),
    traffic: result.series.traffic.map(round3),
    desired: result.series.desired,
    ready: result.series.ready,
    waiting: result.series.waiting.map(round3),
    wait: result.series.estimatedWaitSeconds.map(round3),
    breach: result.series.sloBreach.map(b => (b ? 1 : 0)),
    fallback: result.series.fallbackActive.map(b => (b ? 1 : 0)),
  };

  const rows: Array<[string, string]> = [
    ['Target', result.target],
    ['Trace start', result.startTime],
    ['Simulated', `${formatNumber(durationHours(result), 2)} h at ${result.stepSeconds} s steps`],
    ['Minutes over the SLO', formatNumber(s.sloBreachMinutes, 1)],
    ['Largest queue (requests waiting)', formatNumber(s.maxWaiting, 1)],
    ['Peak replicas', String(s.peakReplicas)],
    ['Minutes at max replicas', formatNumber(s.minutesAtMax, 1)],
    ['Scale-ups / scale-downs', `${s.scaleUps} / ${s.scaleDowns}`],
    ['First ready replica after a wake', s.firstReadyAfterWakeSeconds === undefined ? 'no wake from zero' : `${formatNumber(s.firstReadyAfterWakeSeconds, 0)} s`],
    ['GPU-hours', formatNumber(s.gpuHours, 2)],
    ['Cost', s.cost === undefined ? 'no price given' : `${formatNumber(s.cost, 2)} ${s.currency ?? ''}`.trim()],
  ];
  const table = rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  const warnings = result.warnings.length === 0
    ? '<p class="none">No warnings.</p>'
    : `<ul class="warnings">${result.warnings.map(w => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`;
  const shownEvents = result.events.slice(0, MAX_EVENTS);
  const events = shownEvents.length === 0
    ? '<p class="none">No scale events.</p>'
    : `<table class="events"><thead><tr><th>Time</th><th>t (s)</th><th>Event</th></tr></thead><tbody>${shownEvents.map(e =>
      `<tr><td>${escapeHtml(wallClock(epoch + offset + e.t))}</td><td>${e.t}</td><td>${escapeHtml(e.message)}</td></tr>`).join('')}</tbody></table>`
      + (result.events.length > MAX_EVENTS ? `<p class="none">${result.events.length - MAX_EVENTS} more events not shown.</p>` : '');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>What-if replay: ${escapeHtml(result.target)}</title>
<style>
${escapeStyle(css)}
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1a1a1a; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
.sub { color: #555; margin: 0 0 16px; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 3px 12px 3px 0; border-bottom: 1px solid #eee; vertical-align: top; }
.warnings li { color: #8a4b00; }
.none { color: #555; }
.chart { margin-bottom: 8px; }
</style>
</head>
<body data-chart-status="pending">
<h1>What-if replay: ${escapeHtml(result.target)}</h1>
<p class="sub">From ${escapeHtml(result.startTime)}; times on the charts are the trace's local times. Shaded red: over the SLO; shaded amber: KEDA fallback active.</p>
<div id="chart-replicas" class="chart"></div>
<div id="chart-queue" class="chart"></div>
<h2>Summary</h2>
<table class="summary">
${table}
</table>
<h2>Warnings</h2>
${warnings}
<h2>Scale events</h2>
${events}
<script type="application/json" id="replay-data">${escapeJson(JSON.stringify(data))}</script>
<script>
${escapeScript(js)}
</script>
<script>
${PAGE_SCRIPT}
</script>
</body>
</html>
`;
}

const MAX_EVENTS = 500;
const SERIES = ['t', 'traffic', 'desired', 'ready', 'waiting', 'estimatedWaitSeconds', 'ttftP95', 'sloBreach', 'fallbackActive'] as const;
const SUMMARY_NUMBERS = ['sloBreachMinutes', 'maxWaiting', 'scaleUps', 'scaleDowns', 'gpuHours', 'peakReplicas', 'minutesAtMax'] as const;

/** What `replay()` returns, checked for calls from plain JavaScript. */
function checkResult(result: unknown): asserts result is ReplayResult {
  requireObject('result', result);
  const r = result as Record<string, any>;
  for (const key of ['target', 'startTime'] as const) {
    if (typeof r[key] !== 'string') throw invalid(`result.${key}`, r[key], 'must be a string (pass what replay() returned)');
  }
  requireFinite('result.stepSeconds', r.stepSeconds);
  requireObject('result.series', r.series);
  const n = Array.isArray(r.series.t) ? r.series.t.length : 0;
  for (const key of SERIES) {
    requireArray(`result.series.${key}`, r.series[key]);
    if (r.series[key].length !== n) throw invalid(`result.series.${key}`, `${r.series[key].length} values`, `must have one value per point of 'result.series.t' (${n})`);
  }
  requireObject('result.summary', r.summary);
  for (const key of SUMMARY_NUMBERS) requireFinite(`result.summary.${key}`, r.summary[key]);
  requireArray('result.events', r.events);
  requireArray('result.warnings', r.warnings);
}

/** Draws the charts and writes the pixel counts; plain ES2017, runs in the page. */
const PAGE_SCRIPT = `(function () {
  'use strict';
  var d = JSON.parse(document.getElementById('replay-data').textContent);
  var body = document.body;
  try {
    var width = Math.max(600, Math.min(1200, (document.documentElement.clientWidth || 1000) - 48));
    var utc = function (ts) { return uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'); };
    var bands = function (flags, color) {
      return function (u) {
        var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
        ctx.save();
        ctx.fillStyle = color;
        for (var i = 0; i < flags.length; i++) {
          if (!flags[i]) continue;
          var j = i;
          while (j + 1 < flags.length && flags[j + 1]) j++;
          var x0 = u.valToPos(d.x[i], 'x', true);
          var x1 = u.valToPos(j + 1 < d.x.length ? d.x[j + 1] : d.x[j], 'x', true);
          ctx.fillRect(x0, top, Math.max(1, x1 - x0), h);
          i = j;
        }
        ctx.restore();
      };
    };
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    // x values are the trace's wall clock as if UTC: read them with the UTC getters.
    var timeLabels = function (u, splits) {
      return splits.map(function (v) {
        var t = new Date(v * 1e3);
        var hm = pad(t.getUTCHours()) + ':' + pad(t.getUTCMinutes());
        return hm === '00:00' ? hm + '\\n' + t.getUTCFullYear() + '-' + pad(t.getUTCMonth() + 1) + '-' + pad(t.getUTCDate()) : hm;
      });
    };
    var compact = function (u, splits) {
      return splits.map(function (v) {
        var a = Math.abs(v);
        if (a >= 1e6) return +(v / 1e6).toFixed(1) + 'M';
        if (a >= 1e4) return +(v / 1e3).toFixed(1) + 'k';
        return String(+v.toFixed(2));
      });
    };
    var xAxis = { values: timeLabels };
    var sync = uPlot.sync('replay');
    var common = { width: width, height: 260, tzDate: utc, cursor: { sync: { key: sync.key } } };
    var replicas = new uPlot(Object.assign({}, common, {
      title: 'Traffic and replicas',
      scales: { x: { time: true }, rps: { auto: true }, replicas: { auto: true, range: function (u, min, max) { return [0, Math.max(1, max + 1)]; } } },
      series: [
        {},
        { label: 'traffic (req/s)', scale: 'rps', stroke: '#7a7a7a', width: 1, fill: 'rgba(122,122,122,0.12)' },
        { label: 'desired replicas', scale: 'replicas', stroke: '#1f6feb', width: 2, paths: uPlot.paths.stepped({ align: 1 }) },
        { label: 'ready replicas', scale: 'replicas', stroke: '#1a7f37', width: 2, paths: uPlot.paths.stepped({ align: 1 }) }
      ],
      axes: [xAxis, { scale: 'rps', label: 'req/s', values: compact, size: 60 }, { scale: 'replicas', side: 1, label: 'replicas', size: 60, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], grid: { show: false } }],
      hooks: { drawClear: [bands(d.fallback, 'rgba(255,160,0,0.22)'), bands(d.breach, 'rgba(207,34,46,0.12)')] }
    }), [d.x, d.traffic, d.desired, d.ready], document.getElementById('chart-replicas'));
    var queue = new uPlot(Object.assign({}, common, {
      title: 'Queue and SLO',
      scales: { x: { time: true }, q: { auto: true, range: function (u, min, max) { return [0, Math.max(1, max)]; } }, s: { auto: true, range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      series: [
        {},
        { label: 'requests waiting', scale: 'q', stroke: '#bf3989', width: 2, fill: 'rgba(191,57,137,0.10)' },
        { label: 'estimated wait (s)', scale: 's', stroke: '#9a6700', width: 1 }
      ],
      axes: [xAxis, { scale: 'q', label: 'waiting', values: compact, size: 60 }, { scale: 's', side: 1, label: 'seconds', values: compact, size: 60, grid: { show: false } }],
      hooks: { drawClear: [bands(d.fallback, 'rgba(255,160,0,0.22)'), bands(d.breach, 'rgba(207,34,46,0.12)')] }
    }), [d.x, d.waiting, d.wait], document.getElementById('chart-queue'));
    sync.sub(replicas);
    sync.sub(queue);
    // uPlot commits its first draw in a microtask; count after it.
    setTimeout(function () {
      var counts = [], colored = [];
      var canvases = document.querySelectorAll('.chart canvas');
      for (var c = 0; c < canvases.length; c++) {
        var cv = canvases[c];
        var px = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
        var n = 0, k = 0;
        for (var p = 0; p < px.length; p += 4) {
          if (px[p + 3] === 0) continue;
          n++;
          // Axes, grid, text and the traffic area are grey and the shaded bands translucent; the
          // replica and queue lines are opaque colours.
          if (px[p + 3] > 200 && Math.max(px[p], px[p + 1], px[p + 2]) - Math.min(px[p], px[p + 1], px[p + 2]) > 60) k++;
        }
        counts.push(n);
        colored.push(k);
      }
      body.setAttribute('data-chart-pixels', counts.join(','));
      body.setAttribute('data-chart-colored-pixels', colored.join(','));
      body.setAttribute('data-chart-status', 'drawn');
    }, 50);
  } catch (e) {
    body.setAttribute('data-chart-status', 'error: ' + (e && e.message ? e.message : String(e)));
  }
})();`;

/** Escapes text for HTML element content and attribute values. @internal */
export function escapeHtml(text: string): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON inside `<script type="application/json">`: no `<` can open `</script>` or `<!--`. */
function escapeJson(json: string): string {
  return json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Inlined library JS: `</script` would end the element early (none in uPlot 1.6.32; guarded anyway). */
function escapeScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

/** Inlined CSS: `</style` would end the element early. */
function escapeStyle(css: string): string {
  return css.replace(/<\/(style)/gi, '<\\/$1');
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function formatNumber(v: number, digits: number): string {
  return v.toFixed(digits);
}

function durationHours(result: ReplayResult): number {
  const t = result.series.t;
  return t.length === 0 ? 0 : (t[t.length - 1] - t[0] + result.stepSeconds) / 3600;
}

/** The UTC offset of an ISO time in seconds ('Z' or none: 0). */
function offsetSeconds(iso: string): number {
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(iso);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60);
}

/** `YYYY-MM-DD HH:MM:SS` of shifted epoch seconds. */
function wallClock(shiftedEpochSeconds: number): string {
  const d = new Date(shiftedEpochSeconds * 1000);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 19).replace('T', ' ');
}
