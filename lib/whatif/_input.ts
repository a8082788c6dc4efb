import { invalid } from '../core/_validation';

/**
 * Input checks shared by the what-if HPA functions. They read plain JSON-like values that may
 * come from plain JavaScript, so every check looks at the runtime type first.
 * @internal
 */

/** A plain object (not null, not an array). @internal */
export function requireObject(prop: string, value: unknown): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(prop, value, 'must be an object');
  }
}

/** An array. @internal */
export function requireArray(prop: string, value: unknown): asserts value is unknown[] {
  if (!Array.isArray(value)) throw invalid(prop, value, 'must be an array');
}

/** A finite number. @internal */
export function requireFinite(prop: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(prop, value, 'must be a finite number');
  }
}

/** A finite number greater than or equal to 0. @internal */
export function requireNonNegative(prop: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalid(prop, value, 'must be a finite number greater than or equal to 0');
  }
}

/** A finite number greater than 0. @internal */
export function requireGreaterThanZero(prop: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(prop, value, 'must be a finite number greater than 0');
  }
}

/** A whole number in [min, max]. @internal */
export function requireWholeNumber(prop: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(prop, value, `must be a whole number from ${min} to ${max}`);
  }
}

/** One of the listed strings. @internal */
export function requireOneOf<T extends string>(prop: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(prop, value, `must be one of ${allowed.map(a => `'${a}'`).join(', ')}`);
  }
}

/** A boolean. @internal */
export function requireBoolean(prop: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw invalid(prop, value, 'must be true or false');
}

/** Largest int32, the type of every replica count in the controller. @internal */
export const MAX_INT32 = 2147483647;
