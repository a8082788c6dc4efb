import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { ConfigMap, Deployment } from 'cdk8s-plus-28';
import { SynthCache } from '../../lib/delivery/_synth-cache';
import * as yamlModule from '../../lib/delivery/_yaml';
import { ManifestValidationError, synthValidated } from '../../lib';

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Every file under `dir` (name → content). */
function files(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

function app(outdir: string, data: Record<string, unknown> = { data: { n: '1' } }): App {
  const a = new App({ outdir });
  const chart = new Chart(a, 'web', { namespace: 'web' });
  new ConfigMap(chart, 'config', { metadata: { name: 'config' }, data: { 'a.yaml': 'key: value\n', 'b': 'yes' } });
  new Deployment(chart, 'app', { containers: [{ image: 'nginx:1.27', portNumber: 8080, securityContext: { ensureNonRoot: false } }] });
  new ApiObject(chart, 'changing', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'changing' }, ...data });
  return a;
}

describe('synth cache: unchanged objects are not checked nor stringified again', () => {
  let cacheDir: string;
  const saved = { cache: process.env.CDK8S_LLM_SERVING_CACHE, synth: process.env.CDK8S_LLM_SERVING_SYNTH_CACHE };
  beforeEach(() => {
    cacheDir = tmp('synth-cache-');
    process.env.CDK8S_LLM_SERVING_CACHE = cacheDir;
    delete process.env.CDK8S_LLM_SERVING_SYNTH_CACHE;
  });
  afterEach(() => {
    jest.restoreAllMocks();
    for (const [key, value] of [['CDK8S_LLM_SERVING_CACHE', saved.cache], ['CDK8S_LLM_SERVING_SYNTH_CACHE', saved.synth]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
  const synthFiles = () => fs.readdirSync(cacheDir).filter((f) => f.startsWith('synth-'));
  /** Counts the documents stringified: whole (plain JSON) or in slices. */
  const stringified = () => {
    const spies = [jest.spyOn(yamlModule, 'stringifyManifest'), jest.spyOn(yamlModule, 'stringifyPlainJson')];
    return { calls: () => spies.reduce((n, s) => n + s.mock.calls.length, 0), clear: () => spies.forEach((s) => s.mockClear()) };
  };

  test('a second run writes the same bytes as app.synth(), stringifying only the object that changed', () => {
    const outdir = path.join(tmp('synth-cache-out-'), 'dist');
    const spy = stringified();
    synthValidated(app(outdir));
    expect(spy.calls()).toBe(3);
    expect(synthFiles()).toHaveLength(1);

    spy.clear();
    synthValidated(app(outdir));
    expect(spy.calls()).toBe(0);
    const reference = path.join(tmp('synth-cache-ref-'), 'dist');
    app(reference).synth();
    expect(files(outdir)).toEqual(files(reference));

    spy.clear();
    synthValidated(app(outdir, { data: { n: '2' } }));
    expect(spy.calls()).toBe(1);
    const changed = path.join(tmp('synth-cache-ref-'), 'dist');
    app(changed, { data: { n: '2' } }).synth();
    expect(files(outdir)).toEqual(files(changed));
  });

  test('a changed object is checked again: invalid, it is refused, nothing is written and the cache is kept', () => {
    const outdir = path.join(tmp('synth-cache-out-'), 'dist');
    synthValidated(app(outdir));
    const before = files(outdir);
    const cacheFile = path.join(cacheDir, synthFiles()[0]);
    const cached = fs.readFileSync(cacheFile, 'utf8');
    expect(() => synthValidated(app(outdir, { datta: { n: '2' } }))).toThrow(new ManifestValidationError([
      { object: 'v1 ConfigMap web/changing', path: '/datta', message: 'unknown field "datta"' },
    ], outdir));
    expect(files(outdir)).toEqual(before);
    expect(fs.readFileSync(cacheFile, 'utf8')).toBe(cached);
    expect(fs.readdirSync(cacheDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('CDK8S_LLM_SERVING_SYNTH_CACHE=off checks and stringifies every object and writes no cache', () => {
    process.env.CDK8S_LLM_SERVING_SYNTH_CACHE = 'off';
    const outdir = path.join(tmp('synth-cache-out-'), 'dist');
    const spy = stringified();
    synthValidated(app(outdir));
    synthValidated(app(outdir));
    expect(spy.calls()).toBe(6);
    expect(synthFiles()).toEqual([]);
  });

  test('only objects whose JSON text determines them are cached', () => {
    const cache = SynthCache.open(cacheDir, 'test')!;
    const key = (v: unknown) => cache.keyOf(v, JSON.stringify(v) ?? '');
    expect(key({ a: ['x', 1, true, null, { b: 2.5 }] })).toMatch(/^[0-9a-f]{40}$/);
    const shared = { x: 1 };
    for (const v of [{ a: undefined }, { a: shared, b: shared }, { a: -0 }, { a: NaN }, { a: Infinity }, { a: new Date(0) }, { a: () => 1 }, [1, , 3], { a: Symbol('s') }]) {
      expect(key(v)).toBeUndefined();
    }
  });
});
