import { invalid } from '../core/_validation';

/** The most replicas the API accepts (`int32`). */
const MAX_INT32 = 2147483647;

/**
 * A replica count: a whole number from `min` to 2147483647 (the API's int32), so NaN,
 * Infinity, fractions and huge numbers end in an error naming the prop, never in a manifest
 * the API server refuses.
 * @internal
 */
export function requireReplicas(prop: string, value: number, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_INT32) {
    throw invalid(prop, value, `must be a whole number from ${min} to ${MAX_INT32}`);
  }
  return value;
}

/**
 * The `name` prop of an autoscaler, when given: a string (claimName checks it is a DNS-1123
 * subdomain); a number or boolean from plain JavaScript would render as a non-string name.
 * @internal
 */
export function requireObjectName(prop: string, name: unknown): string | undefined {
  if (name === undefined || name === null) return undefined;
  if (typeof name !== 'string') throw invalid(prop, name, 'must be a string: a DNS-1123 subdomain such as \'llama-3-1-8b\'');
  return name;
}
