import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Testing, Yaml, YamlOutputType } from 'cdk8s';
import { ConfigMap, Deployment } from 'cdk8s-plus-28';
import * as YAML from 'yaml';
import { stringifyManifest } from '../../lib/delivery/_yaml';
import { Accelerator, LiteLLMProxy, synthValidated, validateApp, VllmPool } from '../../lib';

function tmpOutdir(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'streamed-synth-')), 'dist');
}

/** Every file under `dir` (relative path → content). */
function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) visit(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  visit(dir);
  return out;
}

/**
 * Charts that depend on each other (files numbered), a nested chart, ApiObjects whose
 * dependencies reorder them, and a ConfigMap with multi-line, quoted and marker-like strings.
 */
function tangledApp(outdir: string, yamlOutputType?: YamlOutputType): App {
  const app = new App({ outdir, yamlOutputType });
  const base = new Chart(app, 'base', { namespace: 'base' });
  const web = new Chart(app, 'web', { namespace: 'web' });
  const nested = new Chart(web, 'nested', { namespace: 'nested' });
  web.addDependency(base);
  const cm = new ConfigMap(base, 'config', {
    metadata: { name: 'config' },
    data: { 'a.yaml': 'key: value\n\n  indented: yes\n', 'b': 'yes', 'c': '--- not a document', 'd': ' leading', 'e': 'x: y' },
  });
  const second = new ApiObject(web, 'second', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'second' }, data: { n: '1' } });
  const first = new ApiObject(web, 'first', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'first' }, data: { n: '2' } });
  second.addDependency(first);
  new Deployment(web, 'app', { containers: [{ image: 'nginx:1.27', portNumber: 8080, securityContext: { ensureNonRoot: false } }] });
  new ApiObject(nested, 'inner', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inner' }, data: { cm: cm.name } });
  return app;
}

describe('synthValidated writes what app.synth() writes, byte for byte', () => {
  test('charts that depend on each other (numbered files), nested charts and ordered objects', () => {
    const ours = tmpOutdir();
    const theirs = tmpOutdir();
    synthValidated(tangledApp(ours));
    tangledApp(theirs).synth();
    const written = files(ours);
    expect(Object.keys(written).sort()).toEqual(['0000-base.k8s.yaml', '0001-web-nested-c8d7ac44.k8s.yaml', '0002-web.k8s.yaml']);
    expect(written).toEqual(files(theirs));
    // `second` depends on `first`: first is written before it.
    expect(written['0002-web.k8s.yaml'].indexOf('name: first')).toBeLessThan(written['0002-web.k8s.yaml'].indexOf('name: second'));
  });

  test('no construct depends on another: the files app.synth() writes', () => {
    const build = (outdir: string) => {
      const app = new App({ outdir });
      for (const id of ['web', 'api', 'db']) {
        const chart = new Chart(app, id, { namespace: 'ns' });
        for (const name of ['b', 'a', 'c']) new ApiObject(chart, name, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-${id}` }, data: { id } });
      }
      return app;
    };
    const ours = tmpOutdir();
    const theirs = tmpOutdir();
    synthValidated(build(ours));
    build(theirs).synth();
    expect(files(ours)).toEqual(files(theirs));
    expect(files(ours)['web.k8s.yaml'].match(/name: \w-web/g)).toEqual(['name: b-web', 'name: a-web', 'name: c-web']);
  });

  test('charts in app.charts order, top-level ids that are array indexes first (as a JavaScript object lists them)', () => {
    const app = new App({ outdir: tmpOutdir() });
    for (const id of ['web', '10', '2', 'api', '007']) {
      new ApiObject(new Chart(app, id, { namespace: 'ns' }), 'bad', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `bad-${id}` }, datta: {} } as any);
    }
    expect(app.charts.map((c) => c.node.id)).toEqual(['2', '10', 'web', 'api', '007']);
    const expected = validateApp(app).map((e) => e.object);
    expect(expected).toEqual(['v1 ConfigMap ns/bad-2', 'v1 ConfigMap ns/bad-10', 'v1 ConfigMap ns/bad-web', 'v1 ConfigMap ns/bad-api', 'v1 ConfigMap ns/bad-007']);
    let message = '';
    try {
      synthValidated(app);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n').slice(1).map((line) => line.split(' /')[0])).toEqual(expected);
  });

  test('other output types are written by app.synth() itself, after validation', () => {
    const ours = tmpOutdir();
    const theirs = tmpOutdir();
    synthValidated(tangledApp(ours, YamlOutputType.FILE_PER_RESOURCE));
    tangledApp(theirs, YamlOutputType.FILE_PER_RESOURCE).synth();
    expect(Object.keys(files(ours)).length).toBeGreaterThan(3);
    expect(files(ours)).toEqual(files(theirs));
  });

  test('problems are listed in construct order, whatever order the output has', () => {
    const outdir = tmpOutdir();
    const app = new App({ outdir });
    const chart = new Chart(app, 'web', { namespace: 'web' });
    const a = new ApiObject(chart, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, datta: {} } as any);
    const b = new ApiObject(chart, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' }, dota: {} } as any);
    a.addDependency(b);
    const expected = validateApp(app);
    expect(expected.map((e) => e.path)).toEqual(['/datta', '/dota']);
    expect(() => synthValidated(app)).toThrow([
      `synth refused: 2 invalid field(s); ${outdir} was not written`,
      'v1 ConfigMap web/a /datta: unknown field "datta"',
      'v1 ConfigMap web/b /dota: unknown field "dota"',
    ].join('\n'));
    expect(fs.existsSync(outdir)).toBe(false);
  });
});

describe('synthValidated stages the files outside the outdir', () => {
  /** Runs `fn` with os.tmpdir() a fresh empty folder, returned. */
  function withTmpdir(fn: () => void): string {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'staging-'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const spy = jest.spyOn(require('os') as typeof os, 'tmpdir').mockReturnValue(tmp);
    try {
      fn();
    } finally {
      spy.mockRestore();
    }
    return tmp;
  }

  test('files are staged in os.tmpdir(), moved into the outdir, and the staging folder removed', () => {
    const ours = tmpOutdir();
    const theirs = tmpOutdir();
    let staged: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeFs = require('fs') as typeof fs;
    const openSync = nodeFs.openSync;
    const spy = jest.spyOn(nodeFs, 'openSync').mockImplementation(((file: fs.PathLike, ...rest: any[]) => {
      staged.push(String(file));
      return (openSync as any)(file, ...rest);
    }) as any);
    let tmp = '';
    try {
      tmp = withTmpdir(() => synthValidated(tangledApp(ours)));
    } finally {
      spy.mockRestore();
    }
    tangledApp(theirs).synth();
    expect(files(ours)).toEqual(files(theirs));
    staged = staged.filter((f) => f.endsWith('.k8s.yaml'));
    expect(staged).toHaveLength(3);
    for (const f of staged) expect(f.startsWith(tmp + path.sep)).toBe(true);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  test('on a problem in the second App, neither outdir is created and the staging folder is removed', () => {
    const dev = tmpOutdir();
    const prod = tmpOutdir();
    const good = tangledApp(dev);
    const bad = new App({ outdir: prod });
    new ApiObject(new Chart(bad, 'web'), 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, datta: {} } as any);
    const tmp = withTmpdir(() => expect(() => synthValidated([good, bad])).toThrow(
      `synth refused: 1 invalid field(s); none of ${dev}, ${prod} was written\n${prod}: v1 ConfigMap a /datta: unknown field "datta"`));
    expect(fs.existsSync(dev)).toBe(false);
    expect(fs.existsSync(prod)).toBe(false);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});

describe('stringifyManifest: long arrays in slices, the same text as Yaml.stringify', () => {
  const rule = (i: number) => ({
    alert: `Alert${i}`,
    expr: `sum(rate(x{pool="p-${i}"}[5m])) > 0`,
    for: '5m',
    labels: { severity: i % 2 ? 'warning' : 'critical', yes: 'no' },
    annotations: { description: `line one\n\n  line three of ${i}\n`, summary: i % 3 ? 'plain' : ': starts with an indicator', empty: '' },
    list: i % 4 ? [] : [1, 'two', { three: [3] }],
  });
  const doc = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'r', labels: { a: 'b' } },
    spec: { groups: [{ name: 'g1', rules: Array.from({ length: 23 }, (_, i) => rule(i)) }, { name: 'g2', rules: Array.from({ length: 9 }, (_, i) => rule(i + 100)) }], top: ['a', 'b', 'c', 'd'] },
  };

  test.each([1, 2, 3, 4, 7, 64])('slices of %i', (slice) => {
    const pieces = stringifyManifest(doc, slice);
    expect(pieces.join('')).toBe(Yaml.stringify(doc));
  });

  test('the LiteLLM config of more than a slice of models is Yaml.stringify\'s text (its model list is sliced)', () => {
    const chart = new Chart(Testing.app(), 'fleet', { namespace: 'llm' });
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: { secretName: 'litellm', key: 'master-key' } });
    for (let i = 0; i < 70; i++) proxy.addBackend(new VllmPool(chart, `pool-${i}`, { model: `org/model-${i}`, accelerator: Accelerator.nvidiaGpu(1) }));
    const configMap = Testing.synth(chart).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'litellm-config');
    const text: string = configMap.data['config.yaml'];
    const config = YAML.parse(text);
    expect(config.model_list).toHaveLength(70);
    expect(text).toBe(Yaml.stringify(config));
  });

  test('a document is sliced only when it has a long array', () => {
    expect(stringifyManifest(doc, 4).length).toBeGreaterThan(2);
    expect(stringifyManifest({ kind: 'ConfigMap', data: { a: 'b' } }, 4)).toEqual([Yaml.stringify({ kind: 'ConfigMap', data: { a: 'b' } })]);
  });

  test('an object referenced twice (yaml anchors) or a document marker is stringified whole', () => {
    const shared = { a: 1 };
    const twice = { items: [shared, { b: 2 }, shared] };
    expect(stringifyManifest(twice, 1)).toEqual([Yaml.stringify(twice)]);
    const marker = { items: [{ a: '---\nx' }, { b: 2 }] };
    expect(stringifyManifest(marker, 1)).toEqual([Yaml.stringify(marker)]);
    const markerKey = { items: [{ '...': 'x' }, { b: 2 }] };
    expect(stringifyManifest(markerKey, 1)).toEqual([Yaml.stringify(markerKey)]);
  });

  test('a value that looks like the placeholder does not confuse it', () => {
    const tricky = { items: [{ a: 'cdk8sLlmServingSlice0z' }, { b: 'cdk8sLlmServingSlice0z' }], other: 'cdk8sLlmServingSlice0z' };
    expect(stringifyManifest(tricky, 1).join('')).toBe(Yaml.stringify(tricky));
  });
});
