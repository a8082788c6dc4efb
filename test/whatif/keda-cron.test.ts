/**
 * KEDA cron triggers (pkg/scalers/cron_scaler.go v2.18.3): the window is open when the next end
 * does not come after the next start, evaluated in the trigger's time zone.
 */
import { KedaSimulation } from '../../lib';
import { drive, scaledObject } from './keda-helpers';

function cron(metadata: Record<string, string>, extra: Record<string, unknown> = {}) {
  return scaledObject({ minReplicaCount: 0, cooldownPeriod: 300, triggers: [{ type: 'cron', metadata }], ...extra });
}

const never = () => {
  throw new Error('a cron trigger is read internally');
};

/** Seconds from `start` to `at` (both ISO with offset). */
const seconds = (start: string, at: string) => (Date.parse(at) - Date.parse(start)) / 1000;

describe('cron windows', () => {
  const business = { timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: '3' };
  // Monday 06:00 in Berlin
  const monday = '2026-11-30T06:00:00+01:00';

  test('a Monday in Berlin: 0 before 08:00, desiredReplicas from 08:00, back to 0 after 18:00 and the cooldown', () => {
    const keda = new KedaSimulation(cron(business), monday);
    const ticks = drive(keda, { to: 14 * 3600, step: 60, start: 0, reading: never });
    const at = (hhmm: string) => ticks.find(k => k.t === seconds(monday, `2026-11-30T${hhmm}:00+01:00`))!;
    expect(at('07:59').replicas).toBe(0);
    expect(at('07:59').result.triggerValues).toEqual([0]);
    // the window opens at 08:00: next start (Tuesday 08:00) comes after the next end (18:00)
    expect(at('08:00').result.events).toEqual(['activated: 0 -> 1', 'hpa: 1 -> 3']);
    expect(at('08:00').result.triggerValues).toEqual([3]);
    expect(at('17:59').replicas).toBe(3);
    expect(at('18:00').result.triggerValues).toEqual([0]);
    expect(at('18:00').result.active).toBe(false);
    // last active poll 17:59:30; cooldown 300 s: the first poll after 18:04:30 is at 18:05
    expect(at('18:04').replicas).toBe(3);
    expect(at('18:05').replicas).toBe(0);
  });

  test('a window across midnight (22:00 to 06:00)', () => {
    const start = '2026-11-30T12:00:00Z';
    const keda = new KedaSimulation(cron({ timezone: 'UTC', start: '0 22 * * *', end: '0 6 * * *', desiredReplicas: '2' }), start);
    const value = (at: string) => keda.step(seconds(start, at), 0, [], never).triggerValues[0];
    expect(value('2026-11-30T12:00:00Z')).toBe(0);
    expect(value('2026-11-30T23:00:00Z')).toBe(2);
    expect(value('2026-12-01T05:59:00Z')).toBe(2);
    expect(value('2026-12-01T06:00:00Z')).toBe(0);
  });

  test('the window follows the time zone across the spring DST change (Europe/Berlin, 29 March 2026)', () => {
    // Saturday 28 March 00:00 CET; the clocks go from 02:00 CET to 03:00 CEST on Sunday
    const start = '2026-03-28T00:00:00+01:00';
    const keda = new KedaSimulation(cron({ timezone: 'Europe/Berlin', start: '0 8 * * *', end: '0 9 * * *', desiredReplicas: '2' }), start);
    const value = (at: string) => keda.step(seconds(start, at), 0, [], never).triggerValues[0];
    expect(value('2026-03-28T06:59:00Z')).toBe(0); // 07:59 CET
    expect(value('2026-03-28T07:00:00Z')).toBe(2); // 08:00 CET
    expect(value('2026-03-28T08:00:00Z')).toBe(0); // 09:00 CET
    expect(value('2026-03-29T05:59:00Z')).toBe(0); // 07:59 CEST
    expect(value('2026-03-29T06:00:00Z')).toBe(2); // 08:00 CEST: one hour earlier in UTC
    expect(value('2026-03-29T06:30:00Z')).toBe(2);
    expect(value('2026-03-29T07:00:00Z')).toBe(0); // 09:00 CEST (08:00 in CET would still be open)
  });

  test('the window follows the time zone across the autumn DST change (America/New_York, 1 November 2026)', () => {
    const start = '2026-10-31T00:00:00-04:00';
    const keda = new KedaSimulation(cron({ timezone: 'America/New_York', start: '0 9 * * *', end: '0 17 * * *', desiredReplicas: '4' }), start);
    const value = (at: string) => keda.step(seconds(start, at), 0, [], never).triggerValues[0];
    expect(value('2026-10-31T13:00:00Z')).toBe(4); // 09:00 EDT
    expect(value('2026-11-01T13:30:00Z')).toBe(0); // 08:30 EST
    expect(value('2026-11-01T14:00:00Z')).toBe(4); // 09:00 EST
    expect(value('2026-11-01T21:59:00Z')).toBe(4); // 16:59 EST
    expect(value('2026-11-01T22:00:00Z')).toBe(0); // 17:00 EST
  });

  test('a cron trigger with AverageValue target 1: the HPA scales to desiredReplicas', () => {
    const keda = new KedaSimulation(cron({ ...business, desiredReplicas: '5' }), '2026-11-30T08:00:00+01:00');
    expect(keda.step(0, 0, [], never).desiredReplicas).toBe(4); // 1 then the legacy limit max(2 x 1, 4)
    expect(keda.step(15, 4, [], never).desiredReplicas).toBe(5);
  });
});

describe('cron: bad input', () => {
  const base = { timezone: 'Europe/Berlin', start: '0 8 * * *', end: '0 9 * * *', desiredReplicas: '2' };
  const make = (metadata: Record<string, string>) => () => new KedaSimulation(cron(metadata), '2026-11-30T06:00:00+01:00');
  test('an unknown time zone', () => {
    expect(make({ ...base, timezone: 'Mars/Olympus_Mons' })).toThrow(
      new Error("'scaledObject.spec.triggers[0].metadata.timezone' (\"Mars/Olympus_Mons\") must be an IANA time zone, e.g. 'Europe/Berlin' or 'America/New_York': KEDA's time.LoadLocation fails on it and the trigger errors on every poll"));
  });
  test('a cron expression with six fields or a descriptor', () => {
    expect(make({ ...base, start: '0 0 8 * * *' })).toThrow(
      new Error("'scaledObject.spec.triggers[0].metadata.start' (\"0 0 8 * * *\") must be a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. '0 8 * * 1-5'"));
    expect(make({ ...base, end: '@daily' })).toThrow(
      new Error("'scaledObject.spec.triggers[0].metadata.end' (\"@daily\") must be a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. '0 8 * * 1-5'"));
  });
  test('an unparsable field', () => {
    expect(make({ ...base, start: '0 25 * * *' })).toThrow(
      new Error("'scaledObject.spec.triggers[0].metadata.start' (\"0 25 * * *\") must be a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. '0 8 * * 1-5'"));
  });
  test('start equal to end', () => {
    expect(make({ ...base, end: '0 8 * * *' })).toThrow(
      new Error("'scaledObject.spec.triggers[0].metadata.end' (\"0 8 * * *\") must differ from 'scaledObject.spec.triggers[0].metadata.start': KEDA refuses a cron window whose start and end are the same"));
  });
  test('desiredReplicas 0 or missing', () => {
    expect(make({ ...base, desiredReplicas: '0' })).toThrow(
      new Error("'scaledObject.spec.triggers[0].metadata.desiredReplicas' (\"0\") must be a whole number other than 0, as a string (KEDA: \"no desiredReplicas specified\")"));
  });
});

describe('cron day matching as robfig/cron does it', () => {
  const start = '2026-11-28T00:00:00Z'; // a Saturday
  const fires = (expression: string): number[] => {
    // a one-minute window from `expression` to one minute later: the value is non-zero only inside
    const [m, ...rest] = expression.split(' ');
    const keda = new KedaSimulation(cron({ timezone: 'UTC', start: expression, end: [String(Number(m) + 1), ...rest].join(' '), desiredReplicas: '1' }), start);
    const days: number[] = [];
    for (let day = 0; day < 14; day++) {
      const t = day * 86400 + 8 * 3600 + 30; // 08:00:30
      if (keda.step(t, 0, [], never).triggerValues[0] === 1) days.push(new Date(Date.parse(start) + t * 1000).getUTCDate());
    }
    return days;
  };
  test('day-of-month and day-of-week both restricted: either matches', () => {
    expect(fires('0 8 1 * 1')).toEqual([30, 1, 7]);
  });
  test('a star with a step above 1 is no star (robfig/cron v3.0.1 getRange): either matches', () => {
    // odd days of the month or Mondays
    expect(fires('0 8 */2 * 1')).toEqual([29, 30, 1, 3, 5, 7, 9, 11]);
  });
  test('a star with step 1 keeps the star bit: both must match', () => {
    // every day of the month and Mondays: the Mondays
    expect(fires('0 8 */1 * 1')).toEqual([30, 7]);
    expect(fires('0 8 1 * */1')).toEqual([1]);
  });
});
