/**
 * Property tests of the trace parsers: a trace written as CSV or JSON reads back the same, and
 * any damaged cell ends in the library's error naming the file and line (never a TypeError).
 * Seeded (PROPERTY_SEED) and bounded (PROPERTY_RUNS) like test/property/.
 */
import { fc, test } from '@fast-check/jest';
import { builtinTrace, parseTraceCsv, parseTraceJson, traceRateAt } from '../../lib';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261130);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const OPTS = { seed: SEED, numRuns: RUNS };

const rowsArb = fc.array(fc.record({
  gap: fc.integer({ min: 1, max: 3600 }),
  rate: fc.double({ min: 0, max: 1e4, noNaN: true }),
  prompt: fc.option(fc.integer({ min: 0, max: 100000 }), { nil: undefined }),
  output: fc.option(fc.integer({ min: 0, max: 100000 }), { nil: undefined }),
  up: fc.boolean(),
}), { minLength: 2, maxLength: 30 });

function rowsWithTimes(rows: Array<{ gap: number }>): number[] {
  let t = 0;
  return rows.map((r, i) => (i === 0 ? 0 : (t += r.gap)));
}

describe('trace parser properties', () => {
  test.prop([rowsArb], OPTS)('CSV and JSON of the same rows read back the same trace', (rows) => {
    const times = rowsWithTimes(rows);
    const csv = ['time,requests_per_second,prompt_tokens,output_tokens,prometheus_up',
      ...rows.map((r, i) => `${times[i]},${r.rate},${r.prompt ?? ''},${r.output ?? ''},${r.up ? 1 : 0}`)].join('\n');
    const json = JSON.stringify({ points: rows.map((r, i) => ({
      time: times[i], requests_per_second: r.rate, prometheus_up: r.up ? 1 : 0,
      ...(r.prompt !== undefined ? { prompt_tokens: r.prompt } : {}), ...(r.output !== undefined ? { output_tokens: r.output } : {}),
    })) });
    const fromCsv = parseTraceCsv(csv, 't.csv');
    const fromJson = parseTraceJson(json, 't.csv');
    expect(fromJson).toEqual(fromCsv);
    rows.forEach((r, i) => {
      expect(traceRateAt(fromCsv, times[i])).toEqual({
        requestsPerSecond: r.rate,
        ...(r.prompt !== undefined ? { promptTokens: r.prompt } : {}), ...(r.output !== undefined ? { outputTokens: r.output } : {}),
      });
    });
    for (const o of fromCsv.outages) expect(o.to).toBeGreaterThan(o.from);
    const downRows = rows.map((r, i) => ({ t: times[i], up: r.up }));
    for (const { t, up } of downRows) expect(fromCsv.outages.some(o => t >= o.from && t < o.to)).toBe(!up);
  });

  test.prop([rowsArb, fc.nat(), fc.constantFrom('x', '-1', '', '1e999', 'NaN', '0x1', '1,5', '"')], OPTS)('a damaged rate cell ends in an error naming the file and line', (rows, at, cell) => {
    const times = rowsWithTimes(rows);
    const bad = at % rows.length;
    const lines = rows.map((r, i) => `${times[i]},${i === bad ? cell : r.rate}`);
    const text = ['time,requests_per_second', ...lines].join('\n');
    expect(() => parseTraceCsv(text, 'd.csv')).toThrow(new RegExp(`^'d\\.csv:${bad + 2}( requests_per_second)?' \\(`));
  });

  test.prop([fc.constantFrom('surge' as const, 'diurnal' as const, 'spike' as const, 'ramp' as const),
    fc.integer({ min: 1, max: 48 }), fc.integer({ min: 5, max: 900 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 500 })], OPTS)(
    'built-in traces stay between 0 and the peak, ascending, within their duration', (name, hours, stepSeconds, base, extra) => {
      const peak = base + extra;
      let trace;
      try {
        trace = builtinTrace(name, { hours, stepSeconds, baseRequestsPerSecond: base, peakRequestsPerSecond: peak });
      } catch (e) {
        // Only a surge that ends before 09:00 is refused.
        expect(name).toBe('surge');
        expect((e as Error).message).toMatch(/^'surge\.hours' \(\d+\) must reach 09:00 local time/);
        return;
      }
      const problems: string[] = [];
      trace.points.forEach((p, i) => {
        if (!(p.requestsPerSecond >= 0 && p.requestsPerSecond <= peak + 1e-9)) problems.push(`${p.t}: rate ${p.requestsPerSecond}`);
        if (i > 0 && !(p.t > trace.points[i - 1].t)) problems.push(`${p.t}: not ascending`);
        if (!(p.t < hours * 3600)) problems.push(`${p.t}: after the end`);
      });
      expect(problems).toEqual([]);
    });
});
