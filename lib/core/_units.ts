import { Duration, Size } from 'cdk8s';
import { invalid } from './_validation';

/**
 * A Duration as whole seconds, with an error naming the prop when it is not one (cdk8s's own
 * message names no prop: "'1500 millis' cannot be converted into a whole number of seconds.").
 * @param min the least number of seconds allowed (default 1)
 * @internal
 */
export function wholeSeconds(prop: string, duration: Duration, min = 1): number {
  const ms = millis(prop, duration);
  const seconds = ms / 1000;
  if (!Number.isInteger(seconds) || seconds < min) {
    throw invalid(prop, describe(duration), `must be a whole number of seconds, at least ${min}s (e.g. Duration.seconds(${Math.max(min, Math.ceil(Math.max(seconds, 0)))}))`);
  }
  return seconds;
}

/**
 * A Duration as milliseconds (finite and greater than 0), with an error naming the prop.
 * @internal
 */
export function positiveMillis(prop: string, duration: Duration): number {
  const ms = millis(prop, duration);
  if (!(ms > 0)) throw invalid(prop, describe(duration), 'must be longer than 0');
  return ms;
}

/** A Size as whole mebibytes greater than 0, with an error naming the prop. @internal */
export function wholeMebibytes(prop: string, size: Size): number {
  if (!(size instanceof Size)) throw invalid(prop, size, 'must be a Size, e.g. Size.gibibytes(2)');
  let mib: number;
  try {
    mib = size.toMebibytes();
  } catch {
    throw invalid(prop, String(size), 'must be a whole number of mebibytes');
  }
  if (!Number.isFinite(mib) || !Number.isInteger(mib) || mib <= 0) {
    throw invalid(prop, `${mib}Mi`, 'must be a whole number of mebibytes greater than 0, e.g. Size.gibibytes(2)');
  }
  return mib;
}

/**
 * Throws the library's error when a required prop is missing (calls from plain JavaScript,
 * where the compiler does not check).
 * @internal
 */
export function requireDefined<T>(prop: string, value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw invalid(prop, value, `is required: ${what}`);
  return value;
}

function millis(prop: string, duration: Duration): number {
  if (!(duration instanceof Duration)) throw invalid(prop, duration, 'must be a Duration, e.g. Duration.seconds(30)');
  let ms: number;
  try {
    ms = duration.toMilliseconds();
  } catch {
    // cdk8s refuses NaN, Infinity and sub-millisecond amounts without naming the prop.
    ms = NaN;
  }
  if (!Number.isFinite(ms)) throw invalid(prop, String(ms), 'must be a finite Duration');
  return ms;
}

function describe(duration: Duration): string {
  const ms = duration.toMilliseconds();
  return Number.isFinite(ms) ? `${ms}ms` : String(ms);
}
