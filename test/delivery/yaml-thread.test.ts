import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fc, test as prop } from '@fast-check/jest';
import { ApiObject, App, Chart, Yaml } from 'cdk8s';
import { isPlainJson } from '../../lib/delivery/_plain-json';
import * as yamlModule from '../../lib/delivery/_yaml';
import { isStringifiedWhole, stringifyManifest, stringifyPlainJson } from '../../lib/delivery/_yaml';
import { YamlThread } from '../../lib/delivery/_yaml-thread';
import { ManifestValidationError, synthValidated } from '../../lib';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261130);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

/** Strings yaml must quote, or may take for another type, under YAML 1.1. */
const TRICKY = ['yes', 'No', 'on', 'OFF', 'y', '~', 'null', '', ' ', ' lead', 'trail ', '---', '--- x', '...', '%YAML', '0x1F', '0o17', '012', '1_000', '1e3', '.inf', '-.Inf', '.nan',
  '2026-11-30', '2026-11-30T06:00:00Z', '12:30:45', 'a: b', 'a #b', '#c', '- x', '? x', '&a', '*a', '!tag', '|', '>', '@x', '`x', '"q"', "'q'", 'line\nbreak', 'tab\there',
  'trailing\n', '\n\nlead', 'uni\u00e9\u4e2d\ud83d\ude00', '\u0007bell', 'x'.repeat(200), 'cdk8sLlmServingSlice0z'];

const trickyJson = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(...TRICKY),
    fc.string({ unit: 'binary' }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...TRICKY), fc.string()), tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('stringifyPlainJson: cdk8s\'s Yaml.stringify text, byte for byte, for plain JSON', () => {
  prop.prop([trickyJson], { seed: SEED, numRuns: RUNS })('hostile strings, numbers and nesting', (value) => {
    fc.pre(isPlainJson(value));
    expect(stringifyPlainJson(value)).toBe(Yaml.stringify(value));
  });

  prop.prop([fc.jsonValue({ stringUnit: 'grapheme' })], { seed: SEED, numRuns: RUNS })('fast-check\'s JSON values', (value) => {
    fc.pre(isPlainJson(value));
    expect(stringifyPlainJson(value)).toBe(Yaml.stringify(value));
  });
});

describe('isStringifiedWhole: stringifyManifest writes the document in one piece', () => {
  const nest = (depth: number, leaf: unknown): unknown => (depth === 0 ? leaf : { a: nest(depth - 1, leaf) });
  const long = Array.from({ length: 64 }, (_, i) => ({ i }));

  test('a document with an array of 64 elements or more within 8 levels is not whole', () => {
    expect(isStringifiedWhole({ spec: { items: long } })).toBe(false);
    expect(isStringifiedWhole(nest(8, long))).toBe(false);
    expect(stringifyManifest(nest(8, long)).length).toBeGreaterThan(1);
  });

  test('shorter arrays, or long ones deeper than stringifyManifest looks, are whole', () => {
    for (const doc of [{ spec: { items: long.slice(1) } }, nest(9, long), { a: 'x' }, []]) {
      expect(isStringifiedWhole(doc)).toBe(true);
      expect(stringifyManifest(doc)).toEqual([Yaml.stringify(doc)]);
    }
  });
});

describe('YamlThread: a worker stringifies documents in order, never changing them', () => {
  const docs = (n: number) => Array.from({ length: n }, (_, i) => ({
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, labels: { on: 'yes' } }, data: { [`k${i}`]: TRICKY[i % TRICKY.length], n: String(i) },
  }));

  afterEach(async () => {
    YamlThread.stallMs = 30_000;
    jest.restoreAllMocks();
    delete process.env.CDK8S_LLM_SERVING_YAML_THREAD;
    await YamlThread.stopWorker();
  });

  test('started for an App of 400 objects or more, unless CDK8S_LLM_SERVING_YAML_THREAD=off', () => {
    expect(YamlThread.start(399)).toBeUndefined();
    expect(YamlThread.start(400)).toBeInstanceOf(YamlThread);
    process.env.CDK8S_LLM_SERVING_YAML_THREAD = 'off';
    expect(YamlThread.start(5000)).toBeUndefined();
  });

  /** Every value through a new YamlThread: its documents' pieces, and how many the main thread stringified itself. */
  function throughThread(values: unknown[]): { pieces: unknown[]; here: number } {
    const here = jest.spyOn(yamlModule, 'stringifyPlainJson');
    const thread = YamlThread.start(values.length)!;
    const pending = values.map((v) => thread.add(v, JSON.stringify(v)));
    thread.finish();
    thread.close();
    const calls = here.mock.calls.length;
    here.mockRestore();
    return { pieces: pending.map((p) => p.pieces), here: calls };
  }

  test('every document is Yaml.stringify\'s text, in order, most of them stringified by the worker', () => {
    const values = docs(3000);
    const { pieces, here } = throughThread(values);
    expect(pieces).toEqual(values.map((v) => [Yaml.stringify(v)]));
    // The main thread stringified some itself while the worker was behind, not all of them.
    expect(here).toBeLessThan(values.length);
  });

  test('after the worker answers an error, the main thread stringifies the rest, and the next synth gets a new worker', () => {
    const values = docs(1000);
    // A worker that cannot load yaml answers every batch with the error.
    const yamlPath = jest.replaceProperty(yamlModule, 'CDK8S_YAML_MODULE', path.join(os.tmpdir(), 'no-such-yaml-module.js'));
    const failed = throughThread(values);
    expect(failed.pieces).toEqual(values.map((v) => [Yaml.stringify(v)]));
    expect(failed.here).toBe(values.length);

    yamlPath.restore();
    const next = throughThread(values);
    expect(next.pieces).toEqual(values.map((v) => [Yaml.stringify(v)]));
    expect(next.here).toBeLessThan(values.length);
  });

  test('a worker that never answers is waited for stallMs, then the main thread does its work', async () => {
    YamlThread.stallMs = 300;
    const values = docs(400);
    const thread = YamlThread.start(values.length)!;
    // The thread keeps the worker it was started with; stopped, it answers nothing.
    await YamlThread.stopWorker();
    const start = Date.now();
    const pending = values.map((v) => thread.add(v, JSON.stringify(v)));
    thread.finish();
    // It waited (a timer may round a few milliseconds down), then did the work itself.
    expect(Date.now() - start).toBeGreaterThanOrEqual(250);
    expect(pending.map((p) => p.pieces)).toEqual(values.map((v) => [Yaml.stringify(v)]));
  });
});

describe('synthValidated with the YAML thread', () => {
  afterEach(async () => {
    delete process.env.CDK8S_LLM_SERVING_YAML_THREAD;
    await YamlThread.stopWorker();
  });

  const outdir = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'yaml-thread-')), 'dist');
  const read = (dir: string) => Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));

  /**
   * 451 objects over two charts: ConfigMaps (the worker's) and a Role with a long array (sliced
   * here), and an optional invalid one at the end.
   */
  function bigApp(dir: string, invalidLast = false): App {
    const app = new App({ outdir: dir });
    const first = new Chart(app, 'first', { namespace: 'a' });
    const second = new Chart(app, 'second', { namespace: 'b' });
    for (let i = 0; i < 450; i++) {
      const chart = i % 3 === 0 ? second : first;
      new ApiObject(chart, `cm-${i}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { n: String(i), text: TRICKY[i % TRICKY.length] } });
      if (i === 7) {
        const resources = Array.from({ length: 70 }, (_, k) => `item-${k}`);
        new ApiObject(chart, 'long', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'long' }, rules: [{ apiGroups: [''], resources, verbs: ['get'] }] });
      }
    }
    if (invalidLast) new ApiObject(second, 'bad', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad' }, datta: {} } as any);
    return app;
  }

  test.each(['on', 'off'])('writes app.synth()\'s bytes (thread %s)', (mode) => {
    if (mode === 'off') process.env.CDK8S_LLM_SERVING_YAML_THREAD = 'off';
    const ours = outdir();
    const theirs = outdir();
    const start = jest.spyOn(YamlThread, 'start');
    synthValidated(bigApp(ours));
    const started = start.mock.results.map((r) => r.value);
    start.mockRestore();
    bigApp(theirs).synth();
    expect(Object.keys(read(ours))).toEqual(['first.k8s.yaml', 'second.k8s.yaml']);
    expect(read(ours)).toEqual(read(theirs));
    expect(read(ours)['first.k8s.yaml']).toContain('- item-69\n');
    expect(started).toEqual([mode === 'on' ? expect.any(YamlThread) : undefined]);
  });

  test('an invalid object after hundreds sent to the worker: nothing is written, and the next synth is right', () => {
    const dir = outdir();
    expect(() => synthValidated(bigApp(dir, true))).toThrow(ManifestValidationError);
    expect(fs.existsSync(dir)).toBe(false);
    const theirs = outdir();
    synthValidated(bigApp(dir));
    bigApp(theirs).synth();
    expect(read(dir)).toEqual(read(theirs));
  });
});
