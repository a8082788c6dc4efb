import { basename } from 'path';
import { requireArray, requireFinite, requireGreaterThanZero, requireNonNegative, requireObject, requireOneOf } from './_input';
import { formatValue, invalid } from '../core/_validation';

/**
 * Traffic traces of the what-if replay (issue 12 §3): a request rate over time (step
 * interpolated: each point holds until the next, the last one for `stepSeconds`), optional
 * token sizes per request, and Prometheus outages.
 *
 * **CSV.** A header line, then one row per point. Columns (exact names, any order):
 * `time`, `requests_per_second`, optional `prompt_tokens`, `output_tokens` (empty cell: not
 * given for that row) and `prometheus_up` (`0` or `1`; empty: 1; the rows at 0 make outages
 * until the next row at 1). `time` is either seconds from the trace start (a number ≥ 0; the
 * start is {@link DEFAULT_TRACE_START_TIME}) or, in every row, an ISO 8601 timestamp with an
 * offset (`2026-11-30T06:00:00+01:00`; the first is the start). Rows are sorted by time without
 * duplicates; blank lines are skipped; at least two rows.
 *
 * The CSV is read by the simple rules above rather than a CSV library: every field is a number,
 * an ISO timestamp or empty, none of which can contain a comma, a quote or a line break, so
 * RFC 4180 quoting never applies (a field wrapped in double quotes, as some spreadsheets write,
 * is unwrapped). Reading it here keeps exact line numbers in errors and adds no dependency.
 *
 * **JSON.** The same fields, as an object:
 * ```json
 * { "name": "monday", "startTime": "2026-11-30T00:00:00+01:00", "stepSeconds": 60,
 *   "points": [ { "time": 0, "requests_per_second": 2, "prompt_tokens": 800, "output_tokens": 200, "prometheus_up": 1 } ],
 *   "outages": [ { "from": 3600, "to": 4200 } ] }
 * ```
 * Only `points` (with `time` and `requests_per_second`) is required. `name` defaults to the file
 * name, `startTime` to {@link DEFAULT_TRACE_START_TIME} (not allowed with ISO `time`s, whose
 * first is the start), `stepSeconds` to the smallest spacing of the points, `outages` to none.
 */

/** One point of a trace: the rate from `t` until the next point. */
export interface TracePoint {
  /** Seconds since the trace start. */
  readonly t: number;
  /** Arrival rate, requests per second. */
  readonly requestsPerSecond: number;
  /** Prompt tokens per request. @default - the pool model's `promptTokensPerRequest` */
  readonly promptTokens?: number;
  /** Output tokens per request. @default - the pool model's `outputTokensPerRequest` */
  readonly outputTokens?: number;
}

/** A Prometheus outage: every query errors in [from, to) (seconds since the trace start). */
export interface TraceOutage {
  readonly from: number;
  readonly to: number;
}

/** A traffic trace. */
export interface Trace {
  /** A name for reports (the file name, or the built-in's name). */
  readonly name: string;
  /** The wall-clock time of t = 0: ISO 8601 with an offset (cron windows read it). */
  readonly startTime: string;
  /** The resolution of the points, in seconds (the last point holds this long). */
  readonly stepSeconds: number;
  /** The points, `t` strictly ascending. */
  readonly points: TracePoint[];
  /** Prometheus outages, sorted and not overlapping. */
  readonly outages: TraceOutage[];
  /**
   * Where the trace ends, in seconds since the start.
   * @default - the last point's `t` + `stepSeconds`
   */
  readonly durationSeconds?: number;
}

/** The built-in trace shapes. */
export type BuiltinTraceName = 'surge' | 'diurnal' | 'spike' | 'ramp';

/** The names of the built-in traces. */
export const BUILTIN_TRACE_NAMES: readonly BuiltinTraceName[] = ['surge', 'diurnal', 'spike', 'ramp'];

/**
 * Options of the built-in traces. Their defaults differ per shape:
 *
 * | shape | startTime | hours | base | peak |
 * |---|---|---|---|---|
 * | surge | 2026-11-30T06:00:00+01:00 (a Monday) | 12 | 2 | 100 |
 * | diurnal | 2026-11-30T00:00:00+01:00 | 24 | 2 | 100 |
 * | spike | 2026-11-30T06:00:00+01:00 | 2 | 1 | 100 |
 * | ramp | 2026-11-30T06:00:00+01:00 | 6 | 2 | 100 |
 */
export interface BuiltinTraceOptions {
  /** Wall-clock start, ISO 8601 with an offset; the shapes' local times are in this offset. @default - per shape, see above */
  readonly startTime?: string;
  /** Length in hours. @default - per shape, see above */
  readonly hours?: number;
  /** Resolution of the points in seconds. @default 60 */
  readonly stepSeconds?: number;
  /** Rate at the peak, requests per second. @default 100 */
  readonly peakRequestsPerSecond?: number;
  /** Quiet rate (surge: night; diurnal: the trough; spike: the wake-up trickle; ramp: the start). @default - per shape, see above */
  readonly baseRequestsPerSecond?: number;
  /** Prometheus outages, seconds since the start. @default - none */
  readonly outages?: TraceOutage[];
}

/** The wall-clock start of a trace whose times are seconds: Monday 2026-11-30, midnight UTC. */
export const DEFAULT_TRACE_START_TIME = '2026-11-30T00:00:00Z';

const COLUMNS = ['time', 'requests_per_second', 'prompt_tokens', 'output_tokens', 'prometheus_up'] as const;
type Column = typeof COLUMNS[number];
const REQUIRED: readonly Column[] = ['time', 'requests_per_second'];
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|([+-])(\d{2}):(\d{2}))$/;
const ISO_RULE = 'an ISO 8601 timestamp with an offset (e.g. 2026-11-30T06:00:00+01:00)';
const ISO_WITHOUT_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const OFFSET_RULE = 'must have an offset (Z or ±hh:mm): without one the time depends on the machine\'s time zone';

/** The rule for a time that is neither seconds nor an ISO timestamp with an offset. */
function timeRule(value: unknown): string {
  if (typeof value === 'string' && ISO_WITHOUT_OFFSET.test(value)) return OFFSET_RULE;
  return `must be seconds from the trace start (a number ≥ 0) or ${ISO_RULE}`;
}
/** At most this many points (a year at one-minute resolution is about half of it). */
const MAX_POINTS = 1000000;

/** Epoch milliseconds and the offset in minutes of an ISO 8601 timestamp with an offset, or undefined. */
function parseIso(text: string): { ms: number; offsetMinutes: number } | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  const probe = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day
    || probe.getUTCHours() !== hour || probe.getUTCMinutes() !== minute || second > 59) {
    return undefined;
  }
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return undefined;
  const offsetMinutes = m[7] === 'Z' ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  if (Math.abs(offsetMinutes) > 18 * 60) return undefined;
  return { ms, offsetMinutes };
}

function requireIso(prop: string, value: unknown): { ms: number; offsetMinutes: number } {
  const parsed = typeof value === 'string' ? parseIso(value) : undefined;
  if (!parsed) {
    throw invalid(prop, value, typeof value === 'string' && ISO_WITHOUT_OFFSET.test(value) ? OFFSET_RULE : `must be ${ISO_RULE}`);
  }
  return parsed;
}

/** Merges outages into sorted, non-overlapping windows. */
function mergeOutages(outages: TraceOutage[]): TraceOutage[] {
  const sorted = [...outages].sort((a, b) => a.from - b.from);
  const out: Array<{ from: number; to: number }> = [];
  for (const o of sorted) {
    const last = out[out.length - 1];
    if (last && o.from <= last.to) last.to = Math.max(last.to, o.to);
    else out.push({ from: o.from, to: o.to });
  }
  return out;
}

function checkOutages(prop: string, value: unknown): TraceOutage[] {
  requireArray(prop, value);
  return value.map((o, i) => {
    const p = `${prop}[${i}]`;
    requireObject(p, o);
    requireNonNegative(`${p}.from`, o.from);
    requireFinite(`${p}.to`, o.to);
    if (o.to <= o.from) throw invalid(`${p}.to`, o.to, `must be greater than '${p}.from' (${o.from})`);
    return { from: o.from, to: o.to };
  });
}

/** The smallest spacing of sorted, distinct times. */
function smallestSpacing(times: number[]): number {
  let step = Infinity;
  for (let i = 1; i < times.length; i++) step = Math.min(step, times[i] - times[i - 1]);
  return step;
}

/** Outages from the per-point `prometheus_up` flags: each run of 0 until the next 1 (or the end). */
function outagesFromUp(times: number[], up: boolean[], end: number): TraceOutage[] {
  const out: TraceOutage[] = [];
  let from: number | undefined;
  for (let i = 0; i < times.length; i++) {
    if (!up[i] && from === undefined) from = times[i];
    if (up[i] && from !== undefined) {
      out.push({ from, to: times[i] });
      from = undefined;
    }
  }
  if (from !== undefined) out.push({ from, to: end });
  return out;
}

/** Unwraps a field written as `"..."` by a spreadsheet. */
function unquote(field: string): string {
  const f = field.trim();
  return f.length >= 2 && f.startsWith('"') && f.endsWith('"') ? f.slice(1, -1).trim() : f;
}

/**
 * Parses a CSV trace (format in the description of lib/whatif/trace.ts). Errors name the file,
 * the line and the column: `'traffic.csv:3 requests_per_second' ("-1") must be ...`.
 * @param text the file's content
 * @param file the file's path, for the trace's name and errors
 */
export function parseTraceCsv(text: string, file: string): Trace {
  if (typeof file !== 'string') throw invalid('file', file, 'must be a string');
  if (typeof text !== 'string') throw invalid(file, text, 'must be the text of a CSV file');
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  let headerIndex = lines.findIndex(l => l.trim() !== '');
  if (headerIndex < 0) headerIndex = lines.length;
  const headerLine = lines[headerIndex] ?? '';
  const at = (index: number, column?: string) => `${file}:${index + 1}${column ? ` ${column}` : ''}`;
  const rows: number[] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) if (lines[i].trim() !== '') rows.push(i);
  if (headerIndex >= lines.length || rows.length < 2) {
    throw new Error(`'${file}' (${rows.length} data row${rows.length === 1 ? '' : 's'}) must have a header line (time,requests_per_second,...) and at least two data rows`);
  }
  const header = headerLine.split(',').map(unquote);
  const index: Partial<Record<Column, number>> = {};
  const known = `the columns are ${REQUIRED.join(', ')} and optionally ${COLUMNS.filter(c => !REQUIRED.includes(c)).join(', ')}`;
  for (const [i, name] of header.entries()) {
    if (!(COLUMNS as readonly string[]).includes(name)) {
      throw invalid(at(headerIndex, 'header'), headerLine.trim(), `has an unknown column ${formatValue(name)}: ${known}`);
    }
    if (index[name as Column] !== undefined) {
      throw invalid(at(headerIndex, 'header'), headerLine.trim(), `names the column ${formatValue(name)} twice`);
    }
    index[name as Column] = i;
  }
  const missing = REQUIRED.filter(c => index[c] === undefined);
  if (missing.length > 0) {
    throw invalid(at(headerIndex, 'header'), headerLine.trim(), `is missing the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: ${known}`);
  }

  const times: number[] = [];
  const up: boolean[] = [];
  const points: TracePoint[] = [];
  let iso: { ms: number; text: string } | undefined;
  let isoMode: boolean | undefined;
  let previous: string | undefined;
  for (const lineIndex of rows) {
    const line = lines[lineIndex];
    const fields = line.split(',').map(unquote);
    if (fields.length !== header.length) {
      throw invalid(at(lineIndex), line.trim(), `must have ${header.length} fields like the header (${header.join(',')})`);
    }
    const cell = (c: Column) => (index[c] === undefined ? undefined : fields[index[c]!]);
    const timeText = cell('time')!;
    let t: number;
    const parsedIso = parseIso(timeText);
    const isNumber = NUMBER.test(timeText);
    if (isoMode === undefined) isoMode = parsedIso !== undefined;
    if (isoMode) {
      if (!parsedIso) {
        const rule = isNumber ? `must be ${ISO_RULE} like the first row's` : timeRule(timeText);
        throw invalid(at(lineIndex, 'time'), timeText, rule);
      }
      iso ??= { ms: parsedIso.ms, text: timeText };
      t = (parsedIso.ms - iso.ms) / 1000;
    } else {
      if (!isNumber || Number(timeText) < 0) {
        const rule = parsedIso && times.length > 0 ? 'must be seconds from the trace start like the first row\'s' : timeRule(timeText);
        throw invalid(at(lineIndex, 'time'), timeText, rule);
      }
      t = Number(timeText);
    }
    if (times.length > 0 && t <= times[times.length - 1]) {
      throw invalid(at(lineIndex, 'time'), timeText, `must be later than the previous row's (${formatValue(previous)}): rows must be sorted by time without duplicates`);
    }
    previous = timeText;
    const number = (c: Column, required: boolean): number | undefined => {
      const v = cell(c);
      if (v === undefined || (v === '' && !required)) return undefined;
      if (!NUMBER.test(v) || Number(v) < 0 || !Number.isFinite(Number(v))) {
        throw invalid(at(lineIndex, c), v, 'must be a finite number greater than or equal to 0');
      }
      return Number(v);
    };
    const requestsPerSecond = number('requests_per_second', true)!;
    const promptTokens = number('prompt_tokens', false);
    const outputTokens = number('output_tokens', false);
    const upText = cell('prometheus_up');
    if (upText !== undefined && upText !== '' && upText !== '0' && upText !== '1') {
      throw invalid(at(lineIndex, 'prometheus_up'), upText, 'must be 0 or 1');
    }
    times.push(t);
    up.push(upText !== '0');
    points.push({
      t, requestsPerSecond,
      ...(promptTokens !== undefined ? { promptTokens } : {}),
      ...(outputTokens !== undefined ? { outputTokens } : {}),
    });
  }
  const stepSeconds = smallestSpacing(times);
  const durationSeconds = times[times.length - 1] + stepSeconds;
  return {
    name: basename(file),
    startTime: iso ? iso.text : DEFAULT_TRACE_START_TIME,
    stepSeconds,
    points,
    outages: mergeOutages(outagesFromUp(times, up, durationSeconds)),
    durationSeconds,
  };
}

const JSON_FIELDS = ['name', 'startTime', 'stepSeconds', 'points', 'outages'];

function requireKnownKeys(prop: (key: string) => string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw invalid(prop(key), value[key], `is not a trace field: the fields are ${known.join(', ')}`);
    }
  }
}

/**
 * Parses a JSON trace (shape in the description of lib/whatif/trace.ts). Errors name the file
 * and the field: `'traffic.json points[2].requests_per_second' (-1) must be ...`.
 * @param text the file's content
 * @param file the file's path, for the trace's name and errors
 */
export function parseTraceJson(text: string, file: string): Trace {
  if (typeof file !== 'string') throw invalid('file', file, 'must be a string');
  if (typeof text !== 'string') throw invalid(file, text, 'must be the text of a JSON file');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`'${file}' (not JSON) must be a JSON object with a 'points' array`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid(file, parsed, 'must be a JSON object with a \'points\' array');
  }
  const doc = parsed as Record<string, unknown>;
  const prop = (p: string) => `${file} ${p}`;
  requireKnownKeys(prop, doc, JSON_FIELDS);
  requireArray(prop('points'), doc.points);
  if (doc.points.length < 2) {
    throw invalid(prop('points'), doc.points.length, 'must have at least two points: a trace needs two to have a step');
  }
  if (doc.name !== undefined && (typeof doc.name !== 'string' || doc.name === '')) throw invalid(prop('name'), doc.name, 'must be a non-empty string');
  if (doc.stepSeconds !== undefined) requireGreaterThanZero(prop('stepSeconds'), doc.stepSeconds);
  const times: number[] = [];
  const up: boolean[] = [];
  const points: TracePoint[] = [];
  let first: { ms: number; text: string } | undefined;
  let isoMode: boolean | undefined;
  let previousTime: unknown;
  for (const [i, raw] of doc.points.entries()) {
    const p = (f: string) => prop(`points[${i}]${f}`);
    requireObject(p(''), raw);
    requireKnownKeys(key => p(`.${key}`), raw, COLUMNS);
    const time = raw.time;
    const parsedIso = typeof time === 'string' ? parseIso(time) : undefined;
    const isSeconds = typeof time === 'number' && Number.isFinite(time) && time >= 0;
    isoMode ??= parsedIso !== undefined;
    let t: number;
    if (isoMode && parsedIso) {
      first ??= { ms: parsedIso.ms, text: time as string };
      t = (parsedIso.ms - first.ms) / 1000;
    } else if (!isoMode && isSeconds) {
      t = time;
    } else if (i > 0 && (parsedIso || isSeconds)) {
      throw invalid(p('.time'), time, isoMode ? `must be ${ISO_RULE} like the first point's` : 'must be seconds from the trace start like the first point\'s');
    } else {
      throw invalid(p('.time'), time, timeRule(time));
    }
    if (times.length > 0 && t <= times[times.length - 1]) {
      throw invalid(p('.time'), time, `must be later than the previous point's (${formatValue(previousTime)}): points must be sorted by time without duplicates`);
    }
    previousTime = time;
    requireNonNegative(p('.requests_per_second'), raw.requests_per_second);
    if (raw.prompt_tokens !== undefined) requireNonNegative(p('.prompt_tokens'), raw.prompt_tokens);
    if (raw.output_tokens !== undefined) requireNonNegative(p('.output_tokens'), raw.output_tokens);
    if (raw.prometheus_up !== undefined && raw.prometheus_up !== 0 && raw.prometheus_up !== 1) {
      throw invalid(p('.prometheus_up'), raw.prometheus_up, 'must be 0 or 1');
    }
    times.push(t);
    up.push(raw.prometheus_up !== 0);
    points.push({
      t, requestsPerSecond: raw.requests_per_second as number,
      ...(raw.prompt_tokens !== undefined ? { promptTokens: raw.prompt_tokens as number } : {}),
      ...(raw.output_tokens !== undefined ? { outputTokens: raw.output_tokens as number } : {}),
    });
  }
  let startTime = DEFAULT_TRACE_START_TIME;
  if (doc.startTime !== undefined) {
    if (first) throw invalid(prop('startTime'), doc.startTime, 'must be omitted when the points\' times are ISO timestamps: the first one is the start');
    requireIso(prop('startTime'), doc.startTime);
    startTime = doc.startTime as string;
  } else if (first) {
    startTime = first.text;
  }
  const stepSeconds = (doc.stepSeconds as number | undefined) ?? smallestSpacing(times);
  const durationSeconds = times[times.length - 1] + stepSeconds;
  const explicit = doc.outages === undefined ? [] : checkOutages(prop('outages'), doc.outages);
  return {
    name: (doc.name as string | undefined) ?? basename(file),
    startTime,
    stepSeconds,
    points,
    outages: mergeOutages([...explicit, ...outagesFromUp(times, up, durationSeconds)]),
    durationSeconds,
  };
}

interface ShapeDefaults { startTime: string; hours: number; base: number }
const SHAPE_DEFAULTS: Record<BuiltinTraceName, ShapeDefaults> = {
  surge: { startTime: '2026-11-30T06:00:00+01:00', hours: 12, base: 2 },
  diurnal: { startTime: '2026-11-30T00:00:00+01:00', hours: 24, base: 2 },
  spike: { startTime: '2026-11-30T06:00:00+01:00', hours: 2, base: 1 },
  ramp: { startTime: '2026-11-30T06:00:00+01:00', hours: 6, base: 2 },
};
const OPTION_NAMES = ['startTime', 'hours', 'stepSeconds', 'peakRequestsPerSecond', 'baseRequestsPerSecond', 'outages'];
/** The surge steps up at this local hour and back down at `SURGE_END_HOUR`: a working day. */
const SURGE_START_HOUR = 9;
const SURGE_END_HOUR = 17;
/** Spike: the burst lasts this long, and the wake-up trickle this long before the end. */
const SPIKE_BURST_SECONDS = 600;
const SPIKE_WAKE_SECONDS = 600;
/** The day curve's trough (local hour); its peak is 12 h later. */
const DIURNAL_TROUGH_HOUR = 4;

/** Seconds after `startMs` at which the local clock (in `offsetMinutes`) first reads `hour`:00, at or after the start. */
function secondsUntilLocalHour(startMs: number, offsetMinutes: number, hour: number): number {
  const local = startMs + offsetMinutes * 60000;
  const dayStart = Math.floor(local / 86400000) * 86400000;
  let target = dayStart + hour * 3600000;
  if (target < local) target += 86400000;
  return (target - local) / 1000;
}

/**
 * A built-in trace:
 * - `surge`: a Monday-morning step: `base` through the night, at the first 09:00 local (in the
 *   start time's offset) a step to `peak`, held until 17:00 local, then `base` again.
 * - `diurnal`: a day curve, `base + (peak − base) × (1 − cos(2π (h − 4) / 24)) / 2` at local
 *   hour h: lowest at 04:00, highest at 16:00.
 * - `spike`: `peak` for the first 10 minutes, then nothing (idle, long enough for
 *   scale-to-zero: at least 40 minutes, since `hours` is at least 1), and `base` in the last 10
 *   minutes (the wake-up).
 * - `ramp`: linear from `base` at the start to `peak` at the end.
 * Points every `stepSeconds`, plus one at each step change of `surge` and `spike`.
 * Errors name the option: `'surge.hours' (2) must ...`.
 */
export function builtinTrace(name: BuiltinTraceName, options: BuiltinTraceOptions = {}): Trace {
  requireOneOf('trace', name, BUILTIN_TRACE_NAMES);
  const prop = (p: string) => `${name}.${p}`;
  requireObject(name, options as unknown);
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) {
      throw invalid(prop(key), (options as Record<string, unknown>)[key], `is not an option of the built-in traces: the options are ${OPTION_NAMES.join(', ')}`);
    }
  }
  const defaults = SHAPE_DEFAULTS[name];
  const startTime: string = options.startTime ?? defaults.startTime;
  const start = requireIso(prop('startTime'), startTime);
  const hours = options.hours ?? defaults.hours;
  requireGreaterThanZero(prop('hours'), hours);
  const stepSeconds = options.stepSeconds ?? 60;
  requireGreaterThanZero(prop('stepSeconds'), stepSeconds);
  const peak = options.peakRequestsPerSecond ?? 100;
  requireNonNegative(prop('peakRequestsPerSecond'), peak);
  const base = options.baseRequestsPerSecond ?? defaults.base;
  requireNonNegative(prop('baseRequestsPerSecond'), base);
  if (base > peak) {
    throw invalid(prop('baseRequestsPerSecond'), base, `must be less than or equal to '${prop('peakRequestsPerSecond')}' (${peak})`);
  }
  const outages = options.outages === undefined ? [] : checkOutages(prop('outages'), options.outages);
  const duration = hours * 3600;
  const count = Math.ceil(duration / stepSeconds);
  if (count > MAX_POINTS) {
    throw invalid(prop('stepSeconds'), stepSeconds, `must give at most ${MAX_POINTS} points over ${hours} h (it gives ${count})`);
  }

  let rate: (t: number) => number;
  const changes: number[] = [];
  switch (name) {
    case 'surge': {
      const up = secondsUntilLocalHour(start.ms, start.offsetMinutes, SURGE_START_HOUR);
      if (up >= duration) {
        throw invalid(prop('hours'), hours, `must reach 09:00 local time: the trace starts at ${startTime} and 09:00 comes ${up / 3600} h later`);
      }
      const down = up + (SURGE_END_HOUR - SURGE_START_HOUR) * 3600;
      changes.push(up, down);
      rate = t => (t >= up && t < down ? peak : base);
      break;
    }
    case 'diurnal': {
      const localHour0 = ((start.ms / 1000 + start.offsetMinutes * 60) % 86400) / 3600;
      rate = t => {
        const h = localHour0 + t / 3600;
        return base + (peak - base) * (1 - Math.cos(2 * Math.PI * (h - DIURNAL_TROUGH_HOUR) / 24)) / 2;
      };
      break;
    }
    case 'spike': {
      if (hours < 1) {
        throw invalid(prop('hours'), hours, 'must be at least 1: a 10-minute burst, an idle long enough for scale-to-zero, and a 10-minute wake-up');
      }
      const wake = duration - SPIKE_WAKE_SECONDS;
      changes.push(SPIKE_BURST_SECONDS, wake);
      rate = t => (t < SPIKE_BURST_SECONDS ? peak : t < wake ? 0 : base);
      break;
    }
    case 'ramp':
      rate = t => base + (peak - base) * (t / duration);
      break;
  }
  const times = new Set<number>();
  for (let i = 0; i < count; i++) times.add(i * stepSeconds);
  for (const c of changes) if (c < duration) times.add(c);
  const points = [...times].sort((a, b) => a - b).map(t => ({ t, requestsPerSecond: rate(t) }));
  return { name, startTime, stepSeconds, points, outages: mergeOutages(outages), durationSeconds: duration };
}

/** Where the trace ends: `durationSeconds`, else the last point's `t` + `stepSeconds`. */
export function traceDurationSeconds(trace: Trace): number {
  return trace.durationSeconds ?? trace.points[trace.points.length - 1].t + trace.stepSeconds;
}

/**
 * Rate and token sizes at time `t` (step interpolation: the last point at or before `t`; before
 * the first point, the first point).
 */
export function traceRateAt(trace: Trace, t: number): { requestsPerSecond: number; promptTokens?: number; outputTokens?: number } {
  requireFinite('t', t);
  const points = trace.points;
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (points[mid].t <= t) lo = mid;
    else hi = mid - 1;
  }
  const p = points[lo];
  return {
    requestsPerSecond: p.requestsPerSecond,
    ...(p.promptTokens !== undefined ? { promptTokens: p.promptTokens } : {}),
    ...(p.outputTokens !== undefined ? { outputTokens: p.outputTokens } : {}),
  };
}

/** Whether Prometheus is down at time `t` (inside an outage [from, to)). */
export function traceOutageAt(trace: Trace, t: number): boolean {
  return trace.outages.some(o => t >= o.from && t < o.to);
}

/**
 * Checks a trace built by hand (plain JavaScript included) and returns it with its outages
 * sorted and merged. Errors name the field under `prop`.
 * @default prop 'trace'
 */
export function checkTrace(trace: unknown, prop: string = 'trace'): Trace {
  requireObject(prop, trace);
  if (typeof trace.name !== 'string') throw invalid(`${prop}.name`, trace.name, 'must be a string');
  requireIso(`${prop}.startTime`, trace.startTime);
  requireGreaterThanZero(`${prop}.stepSeconds`, trace.stepSeconds);
  requireArray(`${prop}.points`, trace.points);
  if (trace.points.length === 0) throw invalid(`${prop}.points`, trace.points, 'must have at least one point');
  let previous = -Infinity;
  for (const [i, point] of trace.points.entries()) {
    const p = `${prop}.points[${i}]`;
    requireObject(p, point);
    requireNonNegative(`${p}.t`, point.t);
    if (point.t <= previous) throw invalid(`${p}.t`, point.t, `must be greater than the previous point's (${previous}): points must be sorted by t without duplicates`);
    previous = point.t;
    requireNonNegative(`${p}.requestsPerSecond`, point.requestsPerSecond);
    if (point.promptTokens !== undefined) requireNonNegative(`${p}.promptTokens`, point.promptTokens);
    if (point.outputTokens !== undefined) requireNonNegative(`${p}.outputTokens`, point.outputTokens);
  }
  const outages = checkOutages(`${prop}.outages`, trace.outages ?? []);
  if (trace.durationSeconds !== undefined) {
    requireFinite(`${prop}.durationSeconds`, trace.durationSeconds);
    if (trace.durationSeconds <= previous) {
      throw invalid(`${prop}.durationSeconds`, trace.durationSeconds, `must be greater than the last point's t (${previous})`);
    }
  }
  return { ...(trace as unknown as Trace), outages: mergeOutages(outages) };
}
