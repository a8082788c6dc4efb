import { Duration, Size } from 'cdk8s';
import { positiveMillis, requireDefined, wholeMebibytes, wholeSeconds } from '../../lib/core/_units';

describe('wholeSeconds', () => {
  test('whole seconds pass', () => {
    expect(wholeSeconds('timeout', Duration.minutes(2))).toBe(120);
    expect(wholeSeconds('delay', Duration.seconds(0), 0)).toBe(0);
  });
  test('what cdk8s cannot convert names the prop', () => {
    expect(() => wholeSeconds('timeout', Duration.millis(1500))).toThrow(new Error('\'timeout\' ("1500ms") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(2))'));
    expect(() => wholeSeconds('requestTimeout', Duration.seconds(0.5))).toThrow(new Error('\'requestTimeout\' ("500ms") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(1))'));
    expect(() => wholeSeconds('x', Duration.seconds(NaN))).toThrow(new Error('\'x\' ("NaN") must be a finite Duration'));
    expect(() => wholeSeconds('x', Duration.seconds(Infinity))).toThrow(new Error('\'x\' ("Infinity") must be a finite Duration'));
    expect(() => wholeSeconds('maxModelLoadTime', Duration.minutes(1e-9))).toThrow(new Error('\'maxModelLoadTime\' ("0.00006ms") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(1))'));
    expect(() => wholeSeconds('x', 30 as any)).toThrow(new Error('\'x\' (30) must be a Duration, e.g. Duration.seconds(30)'));
  });
});

describe('positiveMillis', () => {
  test('sub-second durations pass, zero does not', () => {
    expect(positiveMillis('ttft', Duration.millis(500))).toBe(500);
    expect(() => positiveMillis('ttft', Duration.millis(0))).toThrow(new Error('\'ttft\' ("0ms") must be longer than 0'));
  });
});

describe('wholeMebibytes', () => {
  test('sizes in whole MiB pass, others name the prop', () => {
    expect(wholeMebibytes('shmSize', Size.gibibytes(2))).toBe(2048);
    expect(() => wholeMebibytes('shmSize', Size.mebibytes(NaN))).toThrow(new Error('\'shmSize\' ("NaNMi") must be a whole number of mebibytes from 1 to 1073741824 (1 PiB), e.g. Size.gibibytes(2)'));
    expect(() => wholeMebibytes('shmSize', Size.mebibytes(Infinity))).toThrow(new Error('\'shmSize\' ("InfinityMi") must be a whole number of mebibytes from 1 to 1073741824 (1 PiB), e.g. Size.gibibytes(2)'));
    expect(() => wholeMebibytes('shmSize', Size.kibibytes(1))).toThrow(new Error('\'shmSize\' ("0.0009765625Mi") must be a whole number of mebibytes from 1 to 1073741824 (1 PiB), e.g. Size.gibibytes(2)'));
    expect(() => wholeMebibytes('shmSize', Size.tebibytes(1e9))).toThrow(new Error('\'shmSize\' ("1048576000000000Mi") must be a whole number of mebibytes from 1 to 1073741824 (1 PiB), e.g. Size.gibibytes(2)'));
    expect(() => wholeMebibytes('shmSize', '2Gi' as any)).toThrow(new Error('\'shmSize\' ("2Gi") must be a Size, e.g. Size.gibibytes(2)'));
  });
});

describe('requireDefined', () => {
  test('missing props from plain JavaScript name the prop', () => {
    expect(requireDefined('model', 'm', 'the model to serve')).toBe('m');
    expect(() => requireDefined('model', undefined, 'the model to serve')).toThrow(new Error('\'model\' (undefined) is required: the model to serve'));
  });
});
