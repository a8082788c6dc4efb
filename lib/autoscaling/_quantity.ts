import * as kplus from 'cdk8s-plus-28';
import { invalid } from '../core/_validation';

/**
 * A positive metric target as a Kubernetes Quantity: whole numbers as they are, fractions
 * as milli-quantities (`0.75` → `750m`), rounded to the nearest thousandth, never truncated
 * to an integer.
 * @internal
 */
export function targetQuantity(prop: string, value: number): kplus.k8s.Quantity {
  if (!Number.isFinite(value) || value <= 0) throw invalid(prop, value, 'must be greater than 0');
  if (Number.isInteger(value)) return kplus.k8s.Quantity.fromNumber(value);
  const milli = Math.round(value * 1000);
  if (milli === 0) throw invalid(prop, value, 'must be at least 0.001 (a Quantity target has milli precision)');
  return milli % 1000 === 0 ? kplus.k8s.Quantity.fromNumber(milli / 1000) : kplus.k8s.Quantity.fromString(`${milli}m`);
}

/** The same value as a KEDA metadata string: KEDA parses floats itself. @internal */
export function metadataNumber(prop: string, value: number): string {
  if (!Number.isFinite(value) || value <= 0) throw invalid(prop, value, 'must be greater than 0');
  return String(value);
}
