/**
 * What-if traces: CSV and JSON files, the built-in shapes and what each is for, step
 * interpolation, outages, and every error with its exact message.
 */
import {
  BUILTIN_TRACE_NAMES, builtinTrace, checkTrace, DEFAULT_TRACE_START_TIME, parseTraceCsv, parseTraceJson, Trace,
  traceDurationSeconds, traceOutageAt, traceRateAt,
} from '../../lib';

const ISO_RULE = 'an ISO 8601 timestamp with an offset (e.g. 2026-11-30T06:00:00+01:00)';
const TIME_RULE = `must be seconds from the trace start (a number ≥ 0) or ${ISO_RULE}`;
const COLUMNS_RULE = 'the columns are time, requests_per_second and optionally prompt_tokens, output_tokens, prometheus_up';
const HEADER = 'time,requests_per_second\n';

/** The rate of a trace this many hours after its start. */
function rateAtHours(trace: Trace, hoursAfterStart: number): number {
  return traceRateAt(trace, hoursAfterStart * 3600).requestsPerSecond;
}

describe('CSV traces', () => {
  test('times in seconds: points, smallest spacing as the step, the default start time, the file name', () => {
    const trace = parseTraceCsv(HEADER + '0,1.5\n60,3\n180,0\n', 'traces/monday.csv');
    expect(trace).toEqual({
      name: 'monday.csv',
      startTime: DEFAULT_TRACE_START_TIME,
      stepSeconds: 60,
      points: [{ t: 0, requestsPerSecond: 1.5 }, { t: 60, requestsPerSecond: 3 }, { t: 180, requestsPerSecond: 0 }],
      outages: [],
      durationSeconds: 240,
    });
    expect(DEFAULT_TRACE_START_TIME).toBe('2026-11-30T00:00:00Z');
    expect(new Date(DEFAULT_TRACE_START_TIME).getUTCDay()).toBe(1); // a Monday
  });

  test('ISO times: the first is the start time, the others are seconds after it (offsets may differ)', () => {
    const trace = parseTraceCsv(HEADER + '2026-11-30T08:00:00+01:00,1\n2026-11-30T07:15:00Z,2\n2026-11-30T08:30:00+01:00,3\n', 'a.csv');
    expect(trace.startTime).toBe('2026-11-30T08:00:00+01:00');
    expect(trace.points.map(p => p.t)).toEqual([0, 900, 1800]);
    expect(trace.stepSeconds).toBe(900);
  });

  test('columns in any order, optional token columns (an empty cell is not given), quoted fields, CRLF, a BOM and blank lines', () => {
    const text = '\uFEFFoutput_tokens,"requests_per_second",time,prompt_tokens\r\n\r\n200,"2",0,1000\r\n,4,30,\r\n';
    const trace = parseTraceCsv(text, 'a.csv');
    expect(trace.points).toEqual([
      { t: 0, requestsPerSecond: 2, promptTokens: 1000, outputTokens: 200 },
      { t: 30, requestsPerSecond: 4 },
    ]);
  });

  test('prometheus_up: each run of 0 is an outage until the next 1, or the end of the trace', () => {
    const text = 'time,requests_per_second,prometheus_up\n0,1,1\n60,1,0\n120,1,0\n180,1,1\n240,1,\n300,1,0\n';
    const trace = parseTraceCsv(text, 'a.csv');
    expect(trace.outages).toEqual([{ from: 60, to: 180 }, { from: 300, to: 360 }]);
    expect(traceOutageAt(trace, 59)).toBe(false);
    expect(traceOutageAt(trace, 60)).toBe(true);
    expect(traceOutageAt(trace, 179.9)).toBe(true);
    expect(traceOutageAt(trace, 180)).toBe(false);
    expect(traceOutageAt(trace, 359)).toBe(true);
  });

  describe('errors name the file, the line and the column', () => {
    const cases: Array<[string, string, string]> = [
      ['an empty file', '', '\'a.csv\' (0 data rows) must have a header line (time,requests_per_second,...) and at least two data rows'],
      ['a header only', HEADER, '\'a.csv\' (0 data rows) must have a header line (time,requests_per_second,...) and at least two data rows'],
      ['one data row', HEADER + '0,1\n', '\'a.csv\' (1 data row) must have a header line (time,requests_per_second,...) and at least two data rows'],
      ['an unknown column', 'time,rps\n0,1\n60,2\n', `'a.csv:1 header' ("time,rps") has an unknown column "rps": ${COLUMNS_RULE}`],
      ['a missing column', '\ntime,prompt_tokens\n0,1\n60,2\n', `'a.csv:2 header' ("time,prompt_tokens") is missing the column requests_per_second: ${COLUMNS_RULE}`],
      ['two missing columns', 'prompt_tokens\n1\n2\n', `'a.csv:1 header' ("prompt_tokens") is missing the columns time, requests_per_second: ${COLUMNS_RULE}`],
      ['a column twice', 'time,time,requests_per_second\n0,0,1\n60,60,2\n', '\'a.csv:1 header\' ("time,time,requests_per_second") names the column "time" twice'],
      ['a row with more fields', HEADER + '0,1\n60,2,3\n', '\'a.csv:3\' ("60,2,3") must have 2 fields like the header (time,requests_per_second)'],
      ['a non-numeric rate', HEADER + '0,1\n60,abc\n', '\'a.csv:3 requests_per_second\' ("abc") must be a finite number greater than or equal to 0'],
      ['a negative rate', HEADER + '0,1\n\n60,-1\n', '\'a.csv:4 requests_per_second\' ("-1") must be a finite number greater than or equal to 0'],
      ['an empty rate', HEADER + '0,1\n60,\n', '\'a.csv:3 requests_per_second\' ("") must be a finite number greater than or equal to 0'],
      ['a hexadecimal rate', HEADER + '0,0x10\n60,1\n', '\'a.csv:2 requests_per_second\' ("0x10") must be a finite number greater than or equal to 0'],
      ['a negative time', HEADER + '-5,1\n60,1\n', `'a.csv:2 time' ("-5") ${TIME_RULE}`],
      ['a time that is neither', HEADER + 'yesterday,1\n60,1\n', `'a.csv:2 time' ("yesterday") ${TIME_RULE}`],
      ['a timestamp without an offset', HEADER + '2026-11-30T06:00:00,1\n2026-11-30T06:01:00,1\n', '\'a.csv:2 time\' ("2026-11-30T06:00:00") must have an offset (Z or ±hh:mm): without one the time depends on the machine\'s time zone'],
      ['an impossible date', HEADER + '2026-02-30T06:00:00Z,1\n2026-03-01T06:00:00Z,1\n', `'a.csv:2 time' ("2026-02-30T06:00:00Z") ${TIME_RULE}`],
      ['a timestamp after seconds', HEADER + '0,1\n2026-11-30T06:00:00Z,1\n', '\'a.csv:3 time\' ("2026-11-30T06:00:00Z") must be seconds from the trace start like the first row\'s'],
      ['seconds after a timestamp', HEADER + '2026-11-30T06:00:00Z,1\n60,1\n', `'a.csv:3 time' ("60") must be ${ISO_RULE} like the first row's`],
      ['unsorted times', HEADER + '0,1\n60,1\n30,1\n', '\'a.csv:4 time\' ("30") must be later than the previous row\'s ("60"): rows must be sorted by time without duplicates'],
      ['a duplicate time', HEADER + '0,1\n60,1\n60,1\n', '\'a.csv:4 time\' ("60") must be later than the previous row\'s ("60"): rows must be sorted by time without duplicates'],
      ['a duplicate instant in other offsets', HEADER + '2026-11-30T06:00:00Z,1\n2026-11-30T07:00:00+01:00,1\n', '\'a.csv:3 time\' ("2026-11-30T07:00:00+01:00") must be later than the previous row\'s ("2026-11-30T06:00:00Z"): rows must be sorted by time without duplicates'],
      ['prometheus_up not 0 or 1', 'time,requests_per_second,prometheus_up\n0,1,1\n60,1,2\n', '\'a.csv:3 prometheus_up\' ("2") must be 0 or 1'],
      ['bad prompt tokens', 'time,requests_per_second,prompt_tokens\n0,1,x\n60,1,\n', '\'a.csv:2 prompt_tokens\' ("x") must be a finite number greater than or equal to 0'],
      ['negative output tokens', 'time,requests_per_second,output_tokens\n0,1,5\n60,1,-5\n', '\'a.csv:3 output_tokens\' ("-5") must be a finite number greater than or equal to 0'],
    ];
    test.each(cases)('%s', (_name, text, message) => {
      expect(() => parseTraceCsv(text, 'a.csv')).toThrow(new Error(message));
    });

    test('text or file that is not a string', () => {
      expect(() => parseTraceCsv(undefined as unknown as string, 'a.csv')).toThrow(new Error('\'a.csv\' (undefined) must be the text of a CSV file'));
      expect(() => parseTraceCsv('', 3 as unknown as string)).toThrow(new Error('\'file\' (3) must be a string'));
    });
  });
});

describe('JSON traces', () => {
  test('the documented shape: name, startTime, stepSeconds, points, outages merged with prometheus_up', () => {
    const text = JSON.stringify({
      name: 'monday', startTime: '2026-11-30T00:00:00+01:00', stepSeconds: 30,
      points: [
        { time: 0, requests_per_second: 2, prompt_tokens: 800, output_tokens: 200, prometheus_up: 1 },
        { time: 120, requests_per_second: 5, prometheus_up: 0 },
        { time: 240, requests_per_second: 1 },
      ],
      outages: [{ from: 200, to: 300 }, { from: 10, to: 20 }],
    });
    expect(parseTraceJson(text, 'dir/monday.json')).toEqual({
      name: 'monday',
      startTime: '2026-11-30T00:00:00+01:00',
      stepSeconds: 30,
      points: [
        { t: 0, requestsPerSecond: 2, promptTokens: 800, outputTokens: 200 },
        { t: 120, requestsPerSecond: 5 },
        { t: 240, requestsPerSecond: 1 },
      ],
      outages: [{ from: 10, to: 20 }, { from: 120, to: 300 }],
      durationSeconds: 270,
    });
  });

  test('defaults: the file name, the default start, the smallest spacing; ISO times make the first the start', () => {
    const seconds = parseTraceJson('{"points":[{"time":0,"requests_per_second":1},{"time":15,"requests_per_second":2}]}', 'x/t.json');
    expect(seconds).toMatchObject({ name: 't.json', startTime: DEFAULT_TRACE_START_TIME, stepSeconds: 15, outages: [], durationSeconds: 30 });
    const iso = parseTraceJson(JSON.stringify({ points: [
      { time: '2026-11-30T09:00:00-05:00', requests_per_second: 1 }, { time: '2026-11-30T09:05:00-05:00', requests_per_second: 2 },
    ] }), 't.json');
    expect(iso.startTime).toBe('2026-11-30T09:00:00-05:00');
    expect(iso.points.map(p => p.t)).toEqual([0, 300]);
  });

  describe('errors name the file and the field', () => {
    const two = (a: object, b: object) => JSON.stringify({ points: [a, b] });
    const cases: Array<[string, string, string]> = [
      ['not JSON', '{', '\'a.json\' (not JSON) must be a JSON object with a \'points\' array'],
      ['not an object', '[]', '\'a.json\' ([]) must be a JSON object with a \'points\' array'],
      ['an unknown field', '{"points":[],"point":1}', '\'a.json point\' (1) is not a trace field: the fields are name, startTime, stepSeconds, points, outages'],
      ['no points', '{}', '\'a.json points\' (undefined) must be an array'],
      ['one point', '{"points":[{"time":0,"requests_per_second":1}]}', '\'a.json points\' (1) must have at least two points: a trace needs two to have a step'],
      ['a point that is not an object', '{"points":[1,2]}', '\'a.json points[0]\' (1) must be an object'],
      ['an unknown point field', two({ time: 0, rps: 1 }, { time: 1, requests_per_second: 1 }), '\'a.json points[0].rps\' (1) is not a trace field: the fields are time, requests_per_second, prompt_tokens, output_tokens, prometheus_up'],
      ['a missing rate', two({ time: 0 }, { time: 1, requests_per_second: 1 }), '\'a.json points[0].requests_per_second\' (undefined) must be a finite number greater than or equal to 0'],
      ['a negative rate', two({ time: 0, requests_per_second: 1 }, { time: 60, requests_per_second: -1 }), '\'a.json points[1].requests_per_second\' (-1) must be a finite number greater than or equal to 0'],
      ['a rate as a string', two({ time: 0, requests_per_second: '1' }, { time: 60, requests_per_second: 1 }), '\'a.json points[0].requests_per_second\' ("1") must be a finite number greater than or equal to 0'],
      ['a negative time', two({ time: -1, requests_per_second: 1 }, { time: 60, requests_per_second: 1 }), `'a.json points[0].time' (-1) ${TIME_RULE}`],
      ['a time without an offset', two({ time: '2026-11-30T06:00', requests_per_second: 1 }, { time: 60, requests_per_second: 1 }), '\'a.json points[0].time\' ("2026-11-30T06:00") must have an offset (Z or ±hh:mm): without one the time depends on the machine\'s time zone'],
      ['a timestamp after seconds', two({ time: 0, requests_per_second: 1 }, { time: '2026-11-30T06:00:00Z', requests_per_second: 1 }), '\'a.json points[1].time\' ("2026-11-30T06:00:00Z") must be seconds from the trace start like the first point\'s'],
      ['seconds after a timestamp', two({ time: '2026-11-30T06:00:00Z', requests_per_second: 1 }, { time: 60, requests_per_second: 1 }), `'a.json points[1].time' (60) must be ${ISO_RULE} like the first point's`],
      ['a missing time', two({ time: 0, requests_per_second: 1 }, { requests_per_second: 1 }), `'a.json points[1].time' (undefined) ${TIME_RULE}`],
      ['unsorted times', two({ time: 60, requests_per_second: 1 }, { time: 0, requests_per_second: 1 }), '\'a.json points[1].time\' (0) must be later than the previous point\'s (60): points must be sorted by time without duplicates'],
      ['duplicate times', two({ time: 0, requests_per_second: 1 }, { time: 0, requests_per_second: 1 }), '\'a.json points[1].time\' (0) must be later than the previous point\'s (0): points must be sorted by time without duplicates'],
      ['bad prompt tokens', two({ time: 0, requests_per_second: 1, prompt_tokens: -1 }, { time: 1, requests_per_second: 1 }), '\'a.json points[0].prompt_tokens\' (-1) must be a finite number greater than or equal to 0'],
      ['bad output tokens', two({ time: 0, requests_per_second: 1, output_tokens: 'many' }, { time: 1, requests_per_second: 1 }), '\'a.json points[0].output_tokens\' ("many") must be a finite number greater than or equal to 0'],
      ['prometheus_up not 0 or 1', two({ time: 0, requests_per_second: 1, prometheus_up: true }, { time: 1, requests_per_second: 1 }), '\'a.json points[0].prometheus_up\' (true) must be 0 or 1'],
      ['a name that is not a string', '{"name":5,"points":[{"time":0,"requests_per_second":1},{"time":1,"requests_per_second":1}]}', '\'a.json name\' (5) must be a non-empty string'],
      ['a bad stepSeconds', '{"stepSeconds":0,"points":[{"time":0,"requests_per_second":1},{"time":1,"requests_per_second":1}]}', '\'a.json stepSeconds\' (0) must be a finite number greater than 0'],
      ['a bad startTime', '{"startTime":"monday","points":[{"time":0,"requests_per_second":1},{"time":1,"requests_per_second":1}]}', `'a.json startTime' ("monday") must be ${ISO_RULE}`],
      ['a startTime with ISO times', JSON.stringify({ startTime: '2026-11-30T06:00:00Z', points: [{ time: '2026-11-30T06:00:00Z', requests_per_second: 1 }, { time: '2026-11-30T06:01:00Z', requests_per_second: 1 }] }), '\'a.json startTime\' ("2026-11-30T06:00:00Z") must be omitted when the points\' times are ISO timestamps: the first one is the start'],
      ['outages that are not an array', '{"outages":{},"points":[{"time":0,"requests_per_second":1},{"time":1,"requests_per_second":1}]}', '\'a.json outages\' ({}) must be an array'],
      ['an outage ending before it starts', '{"outages":[{"from":10,"to":5}],"points":[{"time":0,"requests_per_second":1},{"time":60,"requests_per_second":1}]}', '\'a.json outages[0].to\' (5) must be greater than \'a.json outages[0].from\' (10)'],
    ];
    test.each(cases)('%s', (_name, text, message) => {
      expect(() => parseTraceJson(text, 'a.json')).toThrow(new Error(message));
    });
  });
});

describe('built-in traces', () => {
  test('the four names', () => {
    expect(BUILTIN_TRACE_NAMES).toEqual(['surge', 'diurnal', 'spike', 'ramp']);
    for (const name of BUILTIN_TRACE_NAMES) {
      const trace = checkTrace(builtinTrace(name));
      expect(trace.name).toBe(name);
      expect(trace.stepSeconds).toBe(60);
      expect(trace.points[0].t).toBe(0);
    }
  });

  test('surge: a quiet Monday night, then at 09:00 local a step to the peak, held until 17:00', () => {
    const trace = builtinTrace('surge');
    expect(trace.startTime).toBe('2026-11-30T06:00:00+01:00');
    expect(new Date(trace.startTime).getUTCDay()).toBe(1);
    expect(traceDurationSeconds(trace)).toBe(12 * 3600);
    expect(rateAtHours(trace, 0)).toBe(2);
    expect(traceRateAt(trace, 3 * 3600 - 1).requestsPerSecond).toBe(2);
    expect(rateAtHours(trace, 3)).toBe(100); // 09:00 local
    expect(traceRateAt(trace, 11 * 3600 - 1).requestsPerSecond).toBe(100);
    expect(rateAtHours(trace, 11)).toBe(2); // 17:00 local
  });

  test('surge: 09:00 in the start time\'s own offset, on the next day when the start is past it; exact step with any resolution', () => {
    const newYork = builtinTrace('surge', { startTime: '2026-11-30T06:00:00-05:00', peakRequestsPerSecond: 40, baseRequestsPerSecond: 0 });
    expect(traceRateAt(newYork, 3 * 3600 - 1).requestsPerSecond).toBe(0);
    expect(rateAtHours(newYork, 3)).toBe(40);
    const late = builtinTrace('surge', { startTime: '2026-11-30T10:30:00+01:00', hours: 30, stepSeconds: 7 * 60 });
    expect(traceRateAt(late, 22.5 * 3600 - 1).requestsPerSecond).toBe(2);
    expect(rateAtHours(late, 22.5)).toBe(100);
  });

  test('diurnal: a day curve between base and peak, lowest at 04:00 local, highest at 16:00', () => {
    const trace = builtinTrace('diurnal');
    expect(traceDurationSeconds(trace)).toBe(24 * 3600);
    expect(trace.points).toHaveLength(24 * 60);
    const rates = trace.points.map(p => p.requestsPerSecond);
    expect(Math.min(...rates)).toBe(2);
    expect(Math.max(...rates)).toBe(100);
    expect(rateAtHours(trace, 4)).toBeCloseTo(2, 9);
    expect(rateAtHours(trace, 16)).toBeCloseTo(100, 9);
    expect(rateAtHours(trace, 10)).toBeCloseTo(51, 9);
    const shifted = builtinTrace('diurnal', { startTime: '2026-11-30T04:00:00+01:00', hours: 12 });
    expect(shifted.points[0].requestsPerSecond).toBeCloseTo(2, 9);
  });

  test('spike: a 10-minute burst, idle long enough for scale-to-zero, then a wake-up trickle in the last 10 minutes', () => {
    const trace = builtinTrace('spike');
    expect(traceDurationSeconds(trace)).toBe(7200);
    expect(traceRateAt(trace, 0).requestsPerSecond).toBe(100);
    expect(traceRateAt(trace, 599).requestsPerSecond).toBe(100);
    const idleFrom = trace.points.find(p => p.requestsPerSecond === 0)!.t;
    const wakeAt = trace.points.find(p => p.t > idleFrom && p.requestsPerSecond > 0)!.t;
    expect(idleFrom).toBe(600);
    expect(wakeAt).toBe(6600);
    // Idle 100 minutes: far longer than KEDA's default cooldownPeriod (300 s) plus the HPA's 300 s downscale stabilization.
    expect(wakeAt - idleFrom).toBeGreaterThanOrEqual(3600);
    expect(traceRateAt(trace, 6600).requestsPerSecond).toBe(1);
    expect(traceRateAt(trace, 7199).requestsPerSecond).toBe(1);
    const short = builtinTrace('spike', { hours: 1, baseRequestsPerSecond: 0.1 });
    expect(traceRateAt(short, 3000).requestsPerSecond).toBe(0.1);
    expect(traceRateAt(short, 2999).requestsPerSecond).toBe(0);
  });

  test('ramp: linear from base at the start towards peak at the end', () => {
    const trace = builtinTrace('ramp', { hours: 1, stepSeconds: 900, baseRequestsPerSecond: 0, peakRequestsPerSecond: 40 });
    expect(trace.points).toEqual([
      { t: 0, requestsPerSecond: 0 }, { t: 900, requestsPerSecond: 10 }, { t: 1800, requestsPerSecond: 20 }, { t: 2700, requestsPerSecond: 30 },
    ]);
    const rates = builtinTrace('ramp').points.map(p => p.requestsPerSecond);
    expect(rates.every((r, i) => i === 0 || r > rates[i - 1])).toBe(true);
  });

  test('outages are sorted and merged', () => {
    const trace = builtinTrace('ramp', { outages: [{ from: 600, to: 900 }, { from: 100, to: 200 }, { from: 800, to: 1200 }] });
    expect(trace.outages).toEqual([{ from: 100, to: 200 }, { from: 600, to: 1200 }]);
    expect(traceOutageAt(trace, 1199)).toBe(true);
    expect(traceOutageAt(trace, 1200)).toBe(false);
  });

  describe('errors name the option', () => {
    const cases: Array<[string, () => unknown, string]> = [
      ['an unknown name', () => builtinTrace('flat' as 'surge'), '\'trace\' ("flat") must be one of \'surge\', \'diurnal\', \'spike\', \'ramp\''],
      ['an unknown option', () => builtinTrace('surge', { peak: 3 } as object), '\'surge.peak\' (3) is not an option of the built-in traces: the options are startTime, hours, stepSeconds, peakRequestsPerSecond, baseRequestsPerSecond, outages'],
      ['options that are not an object', () => builtinTrace('ramp', null as unknown as object), '\'ramp\' (null) must be an object'],
      ['a start time without an offset', () => builtinTrace('ramp', { startTime: '2026-11-30T06:00:00' }), '\'ramp.startTime\' ("2026-11-30T06:00:00") must have an offset (Z or ±hh:mm): without one the time depends on the machine\'s time zone'],
      ['a start time that is a date', () => builtinTrace('ramp', { startTime: '2026-11-30' }), `'ramp.startTime' ("2026-11-30") must be ${ISO_RULE}`],
      ['hours 0', () => builtinTrace('diurnal', { hours: 0 }), '\'diurnal.hours\' (0) must be a finite number greater than 0'],
      ['stepSeconds negative', () => builtinTrace('ramp', { stepSeconds: -60 }), '\'ramp.stepSeconds\' (-60) must be a finite number greater than 0'],
      ['too many points', () => builtinTrace('ramp', { stepSeconds: 0.001 }), '\'ramp.stepSeconds\' (0.001) must give at most 1000000 points over 6 h (it gives 21600000)'],
      ['a negative peak', () => builtinTrace('ramp', { peakRequestsPerSecond: -1 }), '\'ramp.peakRequestsPerSecond\' (-1) must be a finite number greater than or equal to 0'],
      ['a non-numeric base', () => builtinTrace('ramp', { baseRequestsPerSecond: 'low' as unknown as number }), '\'ramp.baseRequestsPerSecond\' ("low") must be a finite number greater than or equal to 0'],
      ['base above peak', () => builtinTrace('ramp', { baseRequestsPerSecond: 200 }), '\'ramp.baseRequestsPerSecond\' (200) must be less than or equal to \'ramp.peakRequestsPerSecond\' (100)'],
      ['a surge that ends before 09:00', () => builtinTrace('surge', { hours: 2 }), '\'surge.hours\' (2) must reach 09:00 local time: the trace starts at 2026-11-30T06:00:00+01:00 and 09:00 comes 3 h later'],
      ['a spike shorter than an hour', () => builtinTrace('spike', { hours: 0.5 }), '\'spike.hours\' (0.5) must be at least 1: a 10-minute burst, an idle long enough for scale-to-zero, and a 10-minute wake-up'],
      ['an outage from a negative time', () => builtinTrace('ramp', { outages: [{ from: -1, to: 3 }] }), '\'ramp.outages[0].from\' (-1) must be a finite number greater than or equal to 0'],
      ['an outage ending before it starts', () => builtinTrace('ramp', { outages: [{ from: 30, to: 30 }] }), '\'ramp.outages[0].to\' (30) must be greater than \'ramp.outages[0].from\' (30)'],
    ];
    test.each(cases)('%s', (_name, call, message) => {
      expect(call).toThrow(new Error(message));
    });
  });
});

describe('traceRateAt', () => {
  const trace = parseTraceCsv('time,requests_per_second,prompt_tokens,output_tokens\n10,1,100,\n70,2,,50\n130,3,300,30\n', 'a.csv');

  test('step interpolation: the last point at or before t; before the first point, the first', () => {
    expect(traceRateAt(trace, 0)).toEqual({ requestsPerSecond: 1, promptTokens: 100 });
    expect(traceRateAt(trace, 10)).toEqual({ requestsPerSecond: 1, promptTokens: 100 });
    expect(traceRateAt(trace, 69.99)).toEqual({ requestsPerSecond: 1, promptTokens: 100 });
    expect(traceRateAt(trace, 70)).toEqual({ requestsPerSecond: 2, outputTokens: 50 });
    expect(traceRateAt(trace, 130)).toEqual({ requestsPerSecond: 3, promptTokens: 300, outputTokens: 30 });
    expect(traceRateAt(trace, 1e6)).toEqual({ requestsPerSecond: 3, promptTokens: 300, outputTokens: 30 });
    expect(traceDurationSeconds(trace)).toBe(190);
  });

  test('t must be a number', () => {
    expect(() => traceRateAt(trace, NaN)).toThrow(new Error('\'t\' (NaN) must be a finite number'));
  });
});

describe('checkTrace', () => {
  const good: Trace = { name: 'x', startTime: '2026-11-30T00:00:00Z', stepSeconds: 60, points: [{ t: 0, requestsPerSecond: 1 }], outages: [] };

  test('accepts a hand-built trace and merges its outages', () => {
    expect(checkTrace({ ...good, outages: [{ from: 5, to: 10 }, { from: 0, to: 6 }] }).outages).toEqual([{ from: 0, to: 10 }]);
    expect(traceDurationSeconds(good)).toBe(60);
  });

  const cases: Array<[string, unknown, string]> = [
    ['not an object', 'surge', '\'trace\' ("surge") must be an object'],
    ['a name that is not a string', { ...good, name: 1 }, '\'trace.name\' (1) must be a string'],
    ['a bad start time', { ...good, startTime: 'now' }, `'trace.startTime' ("now") must be ${ISO_RULE}`],
    ['a bad step', { ...good, stepSeconds: 0 }, '\'trace.stepSeconds\' (0) must be a finite number greater than 0'],
    ['no points', { ...good, points: [] }, '\'trace.points\' ([]) must have at least one point'],
    ['unsorted points', { ...good, points: [{ t: 5, requestsPerSecond: 1 }, { t: 5, requestsPerSecond: 1 }] }, '\'trace.points[1].t\' (5) must be greater than the previous point\'s (5): points must be sorted by t without duplicates'],
    ['a negative rate', { ...good, points: [{ t: 0, requestsPerSecond: -2 }] }, '\'trace.points[0].requestsPerSecond\' (-2) must be a finite number greater than or equal to 0'],
    ['bad tokens', { ...good, points: [{ t: 0, requestsPerSecond: 2, outputTokens: -1 }] }, '\'trace.points[0].outputTokens\' (-1) must be a finite number greater than or equal to 0'],
    ['a duration before the last point', { ...good, durationSeconds: 0 }, '\'trace.durationSeconds\' (0) must be greater than the last point\'s t (0)'],
  ];
  test.each(cases)('%s', (_name, trace, message) => {
    expect(() => checkTrace(trace)).toThrow(new Error(message));
  });
});
