/**
 * The library's one error format (STYLE.md §11):
 * `'<prop>' (<value>) <rule>`, no trailing period.
 * @internal
 */
export function invalid(prop: string, value: unknown, rule: string): Error {
  return new Error(`'${prop}' (${formatValue(value)}) ${rule}`);
}

/** Renders a received value for an error message. @internal */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || typeof value === 'symbol') return String(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const HTTP_URL = /^https?:\/\/[^\s/]+(\/\S*)?$/;

/** A DNS-1123 label: lower-case alphanumerics and '-', at most 63 characters. @internal */
export function requireDnsLabel(prop: string, value: string): void {
  if (typeof value !== 'string') throw invalid(prop, value, 'must be a string');
  if (value.length > 63 || !DNS1123_LABEL.test(value)) {
    throw invalid(prop, value, 'must be a DNS-1123 label: at most 63 lower-case alphanumerics or \'-\', starting and ending with an alphanumeric');
  }
}

/** A DNS-1123 subdomain: a Kubernetes object name. @internal */
export function requireDnsSubdomain(prop: string, value: string): void {
  if (typeof value !== 'string') throw invalid(prop, value, 'must be a string');
  if (value.length > 253 || !DNS1123_SUBDOMAIN.test(value)) {
    throw invalid(prop, value, 'must be a DNS-1123 subdomain: at most 253 lower-case alphanumerics, \'-\' or \'.\', starting and ending with an alphanumeric');
  }
}

/** A Kubernetes label value. @internal */
export function requireLabelValue(prop: string, value: string): void {
  if (typeof value !== 'string') throw invalid(prop, value, 'must be a string');
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    throw invalid(prop, value, 'must be a valid Kubernetes label value: at most 63 alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric');
  }
}

/** A whole number greater than zero. @internal */
export function requirePositiveInteger(prop: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw invalid(prop, value, 'must be a whole number greater than 0');
  }
}

/** A whole number greater than or equal to zero. @internal */
export function requireNonNegativeInteger(prop: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw invalid(prop, value, 'must be a whole number greater than or equal to 0');
  }
}

/** A number greater than zero. @internal */
export function requirePositive(prop: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw invalid(prop, value, 'must be greater than 0');
  }
}

/** A TCP port number. @internal */
export function requirePort(prop: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw invalid(prop, value, 'must be a port number from 1 to 65535');
  }
}

/** A Kubernetes label key: an optional DNS subdomain prefix and '/', then a name. @internal */
export function requireLabelKey(prop: string, key: string): void {
  if (typeof key !== 'string') throw invalid(prop, key, 'must be a string');
  const name = key.slice(key.indexOf('/') + 1);
  if (key.length > 316 || name.length > 63 || !LABEL_KEY.test(key)) {
    throw invalid(prop, key, 'is not a Kubernetes label key: an optional DNS subdomain prefix and \'/\', then a name of at most 63 alphanumerics, \'-\', \'_\' or \'.\', e.g. \'nvidia.com/gpu.present\'');
  }
}

/** An http:// or https:// URL with a host. @internal */
export function requireHttpUrl(prop: string, value: string): void {
  if (!HTTP_URL.test(value)) throw invalid(prop, value, 'must be an http:// or https:// URL');
}
