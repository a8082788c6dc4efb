import {
  formatValue, invalid, requireDnsLabel, requireDnsSubdomain, requireLabelValue, requireNonNegativeInteger, requirePort,
  requirePositive, requirePositiveInteger,
} from '../../lib/core/_validation';
import { validateSecretRef } from '../../lib/core/secret-ref';

describe('the one error format', () => {
  test('quoted prop, value as received, the rule, no trailing period', () => {
    expect(invalid('minReplicas', 11, 'must be less than or equal to \'maxReplicas\' (10)').message)
      .toBe("'minReplicas' (11) must be less than or equal to 'maxReplicas' (10)");
  });

  test('values: strings JSON-quoted, numbers and booleans bare, undefined named, objects as JSON', () => {
    expect([formatValue('a'), formatValue(1.5), formatValue(true), formatValue(undefined), formatValue({ a: 1 })])
      .toEqual(['"a"', '1.5', 'true', 'undefined', '{"a":1}']);
  });
});

describe('validators accept the boundary and refuse just past it', () => {
  test('DNS-1123 label: 63 characters pass, 64 fail; upper case and edge hyphens fail', () => {
    expect(() => requireDnsLabel('p', 'a'.repeat(63))).not.toThrow();
    expect(() => requireDnsLabel('p', 'a'.repeat(64))).toThrow(`'p' ("${'a'.repeat(64)}") must be a DNS-1123 label`);
    for (const bad of ['Abc', '-abc', 'abc-', 'a_b']) expect(() => requireDnsLabel('p', bad)).toThrow('must be a DNS-1123 label');
  });

  test('DNS-1123 subdomain allows dots, not underscores', () => {
    expect(() => requireDnsSubdomain('p', 'a.b-c.d')).not.toThrow();
    expect(() => requireDnsSubdomain('p', 'a_b')).toThrow("'p' (\"a_b\") must be a DNS-1123 subdomain");
  });

  test('label value: empty and 63 characters pass, 64 fail, inner dots and underscores pass', () => {
    expect(() => requireLabelValue('p', '')).not.toThrow();
    expect(() => requireLabelValue('p', 'Qwen3_8B.fp8')).not.toThrow();
    expect(() => requireLabelValue('p', 'a'.repeat(64))).toThrow('must be a valid Kubernetes label value');
    expect(() => requireLabelValue('p', 'a/b')).toThrow('must be a valid Kubernetes label value');
  });

  test('ports 1 and 65535 pass; 0, 65536 and fractions fail', () => {
    expect(() => requirePort('port', 1)).not.toThrow();
    expect(() => requirePort('port', 65535)).not.toThrow();
    for (const bad of [0, 65536, 80.5]) expect(() => requirePort('port', bad)).toThrow(`'port' (${bad}) must be a port number from 1 to 65535`);
  });

  test('counts and durations', () => {
    expect(() => requirePositiveInteger('n', 1)).not.toThrow();
    expect(() => requirePositiveInteger('n', 0)).toThrow("'n' (0) must be a whole number greater than 0");
    expect(() => requireNonNegativeInteger('n', 0)).not.toThrow();
    expect(() => requireNonNegativeInteger('n', -1)).toThrow("'n' (-1) must be a whole number greater than or equal to 0");
    expect(() => requirePositive('t', 0.001)).not.toThrow();
    expect(() => requirePositive('t', Number.NaN)).toThrow("'t' (NaN) must be greater than 0");
  });

  test('Secret references: DNS name and a valid key', () => {
    expect(() => validateSecretRef('s', { secretName: 'my-secret', key: 'API_KEY.v1' })).not.toThrow();
    expect(() => validateSecretRef('s', { secretName: 'my-secret', key: '' })).toThrow("'s.key' (\"\") must be a valid Secret key");
  });
});
