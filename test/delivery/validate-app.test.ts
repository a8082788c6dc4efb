import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { Deployment } from 'cdk8s-plus-28';
import {
  formatManifestError, ManifestValidationError, synthValidated, validateApp, validateManifest, validateManifests,
} from '../../lib';

function tmpOutdir(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'validate-app-')), 'dist');
}

/** An App with one valid Deployment chart in `outdir`. */
function validApp(outdir: string): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'web', { namespace: 'web' });
  new Deployment(chart, 'web', { containers: [{ image: 'nginx:1.27', portNumber: 8080, securityContext: { ensureNonRoot: false } }] });
  return app;
}

/** A valid App plus one ConfigMap with an unknown field and one Service with a bad name. */
function invalidApp(outdir: string): App {
  const app = validApp(outdir);
  const chart = new Chart(app, 'bad', { namespace: 'web' });
  new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, datta: { a: 'b' } } as any);
  new ApiObject(chart, 'svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: '1svc' }, spec: { ports: [{ port: 80 }] } } as any);
  return app;
}

describe('validateApp', () => {
  test('a valid App has no problems', () => {
    expect(validateApp(validApp(tmpOutdir()))).toEqual([]);
  });

  test('reports every problem of every chart, in the API server\'s words', () => {
    expect(validateApp(invalidApp(tmpOutdir()))).toEqual([
      { object: 'v1 ConfigMap web/cm', path: '/datta', message: 'unknown field "datta"' },
      { object: 'v1 Service web/1svc', path: '/metadata/name', message: '"1svc" is not a valid DNS-1035 label: at most 63 lower-case alphanumerics or \'-\', starting with a letter and ending with an alphanumeric' },
    ]);
  });

  test('writes nothing', () => {
    const outdir = tmpOutdir();
    validateApp(invalidApp(outdir));
    expect(fs.existsSync(outdir)).toBe(false);
  });

  test('refuses what is not an App', () => {
    expect(() => validateApp({} as App)).toThrow('\'app\' (Object) must be a cdk8s App: pass the App whose charts you want validated');
    expect(() => validateApp(undefined as unknown as App)).toThrow('\'app\' (undefined) must be a cdk8s App: pass the App whose charts you want validated');
  });

  test('runs the constructs\' validations first, as app.synth() does', () => {
    const app = validApp(tmpOutdir());
    const chart = new Chart(app, 'checked');
    chart.node.addValidation({ validate: () => ['not ready'] });
    expect(() => validateApp(app)).toThrow('Validation failed with the following errors:\n  [checked] not ready');
  });
});

describe('synthValidated', () => {
  test('writes exactly what app.synth() writes when every object is valid', () => {
    const a = tmpOutdir();
    const b = tmpOutdir();
    synthValidated(validApp(a));
    validApp(b).synth();
    expect(fs.readdirSync(a)).toEqual(['web.k8s.yaml']);
    expect(fs.readFileSync(path.join(a, 'web.k8s.yaml'), 'utf8')).toEqual(fs.readFileSync(path.join(b, 'web.k8s.yaml'), 'utf8'));
  });

  test('refuses to write anything, not even the output directory, listing every problem', () => {
    const outdir = tmpOutdir();
    let error: unknown;
    try {
      synthValidated(invalidApp(outdir));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ManifestValidationError);
    expect((error as Error).message).toBe([
      `synth refused: 2 invalid field(s); ${outdir} was not written`,
      'v1 ConfigMap web/cm /datta: unknown field "datta"',
      'v1 Service web/1svc /metadata/name: "1svc" is not a valid DNS-1035 label: at most 63 lower-case alphanumerics or \'-\', starting with a letter and ending with an alphanumeric',
    ].join('\n'));
    expect((error as ManifestValidationError).errors).toHaveLength(2);
    expect(fs.existsSync(outdir)).toBe(false);
  });

  test('a failed construct validation also writes nothing', () => {
    const outdir = tmpOutdir();
    const app = validApp(outdir);
    new Chart(app, 'checked').node.addValidation({ validate: () => ['not ready'] });
    expect(() => synthValidated(app)).toThrow('Validation failed with the following errors:\n  [checked] not ready');
    expect(fs.existsSync(outdir)).toBe(false);
  });
});

describe('validateManifest(s)', () => {
  test('formatManifestError: "/" for the whole object', () => {
    expect(formatManifestError({ object: 'v1 ConfigMap x', path: '', message: 'manifest must be an object' })).toBe('v1 ConfigMap x /: manifest must be an object');
  });

  test('validateManifests refuses what is not an array', () => {
    expect(validateManifests({} as any)).toEqual([{ object: '<input>', path: '', message: 'manifests must be an array, got object' }]);
  });

  test('CRD kinds validate against the vendored schema, unknown fields rejected', () => {
    expect(validateManifest({
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'a', namespace: 'argocd' },
      spec: { project: 'default', destination: { server: 'https://kubernetes.default.svc' }, source: { repoURL: 'https://x/y.git', pth: 'dist' } },
    })).toEqual([{ object: 'argoproj.io/v1alpha1 Application argocd/a', path: '/spec/source/pth', message: 'unknown field "pth"' }]);
  });
});

describe('schemas are read lazily, per kind, from the package', () => {
  const saved = process.env.CDK8S_LLM_SERVING_CACHE;
  // The compiled-validator cache is tested below; here every schema is read and compiled.
  beforeEach(() => { process.env.CDK8S_LLM_SERVING_CACHE = 'off'; });
  afterEach(() => { if (saved === undefined) delete process.env.CDK8S_LLM_SERVING_CACHE; else process.env.CDK8S_LLM_SERVING_CACHE = saved; });

  function filesRead(objs: any[]): string[] {
    let read: string[] = [];
    jest.isolateModules(() => {
      // A fresh copy of the module: nothing loaded or compiled yet.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require('../../lib/delivery/validate');
      // The fs module object itself (the namespace import above is frozen).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const spy = jest.spyOn(require('fs') as typeof fs, 'readFileSync');
      try {
        expect(fresh.validateManifests(objs)).toEqual([]);
        read = spy.mock.calls.map((c) => path.relative(path.join(__dirname, '..', '..'), String(c[0])));
      } finally {
        spy.mockRestore();
      }
    });
    return read;
  }

  test('a core kind reads only the index and the Kubernetes definitions', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } };
    expect(filesRead([cm])).toEqual([path.join('schemas', 'index.json'), path.join('schemas', 'k8s-1.28.json')]);
  });

  test('a custom resource adds only its own CRD file, once', () => {
    const rule = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'x' }, spec: { groups: [] } };
    expect(filesRead([rule, rule])).toEqual([
      path.join('schemas', 'index.json'), path.join('schemas', 'k8s-1.28.json'), path.join('schemas', 'crds', 'monitoring.coreos.com_prometheusrules.json'),
    ]);
  });

  test('a package without its schemas says so', () => {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require('../../lib/delivery/validate');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const spy = jest.spyOn(require('fs') as typeof fs, 'existsSync').mockReturnValue(false);
      try {
        const lib = path.join(__dirname, '..', '..', 'lib', 'delivery');
        expect(() => fresh.validateManifest({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })).toThrow(new Error(
          `cdk8s-llm-serving: no schemas/index.json in ${path.resolve(lib, '../../schemas')} or ${path.resolve(lib, '../../../schemas')}: the package is incomplete, reinstall it`));
      } finally {
        spy.mockRestore();
      }
    });
  });
});

describe('construct validations run once per App', () => {
  test('validateApp and synthValidated run each validation once, then restore them for later synths', () => {
    const outdir = tmpOutdir();
    const app = validApp(outdir);
    for (const id of ['a', 'b', 'c']) new Chart(app, id);
    let runs = 0;
    let ready = true;
    app.node.findChild('b').node.addValidation({ validate: () => { runs++; return ready ? [] : ['not ready']; } });
    expect(validateApp(app)).toEqual([]);
    expect(runs).toBe(1);
    synthValidated(app);
    expect(runs).toBe(2);
    expect(fs.readdirSync(outdir).sort()).toEqual(['a.k8s.yaml', 'b.k8s.yaml', 'c.k8s.yaml', 'web.k8s.yaml']);
    ready = false;
    expect(() => app.synth()).toThrow('Validation failed with the following errors:\n  [b] not ready');
  });
});

describe('synthValidated with several Apps (one per environment)', () => {
  test('writes every App to its own outdir, exactly as app.synth() would', () => {
    const root = tmpOutdir();
    const dev = validApp(path.join(root, 'environments', 'dev'));
    const prod = validApp(path.join(root, 'environments', 'prod'));
    synthValidated([dev, prod]);
    expect(fs.readdirSync(path.join(root, 'environments')).sort()).toEqual(['dev', 'prod']);
    for (const env of ['dev', 'prod']) expect(fs.readdirSync(path.join(root, 'environments', env))).toEqual(['web.k8s.yaml']);
  });

  test('one invalid object in one App writes nothing at all, naming the App of each problem', () => {
    const root = tmpOutdir();
    const dev = path.join(root, 'dev');
    const prod = path.join(root, 'prod');
    let error: unknown;
    try {
      synthValidated([validApp(dev), invalidApp(prod)]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ManifestValidationError);
    expect((error as Error).message).toBe([
      `synth refused: 2 invalid field(s); none of ${dev}, ${prod} was written`,
      `${prod}: v1 ConfigMap web/cm /datta: unknown field "datta"`,
      `${prod}: v1 Service web/1svc /metadata/name: "1svc" is not a valid DNS-1035 label: at most 63 lower-case alphanumerics or '-', starting with a letter and ending with an alphanumeric`,
    ].join('\n'));
    expect(fs.existsSync(dev)).toBe(false);
    expect(fs.existsSync(prod)).toBe(false);
  });

  test('two Apps with one outdir, an empty list and what is not an App are refused', () => {
    const outdir = tmpOutdir();
    expect(() => synthValidated([validApp(outdir), validApp(outdir)])).toThrow(new Error(`'app[1].outdir' ("${outdir}") is also the outdir of app[0]: each App overwrites the other's files; give every App its own outdir`));
    expect(() => synthValidated([])).toThrow(new Error('\'app\' ([]) must be a cdk8s App or a non-empty array of Apps: pass the Apps to synthesize'));
    expect(() => synthValidated([validApp(outdir), {} as App])).toThrow(new Error('\'app[1]\' (Object) must be a cdk8s App: pass the App whose charts you want validated'));
    expect(fs.existsSync(outdir)).toBe(false);
  });
});

describe('compiled validators are cached between runs', () => {
  const saved = process.env.CDK8S_LLM_SERVING_CACHE;
  afterEach(() => { if (saved === undefined) delete process.env.CDK8S_LLM_SERVING_CACHE; else process.env.CDK8S_LLM_SERVING_CACHE = saved; });
  const bad = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, datta: { a: 'b' } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 'two', selector: {}, template: { spec: { containers: [{ name: 'c', image: 'nginx:1.27', ports: [{ containerPort: 'http' }] }] } } } },
    { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'x' }, spec: { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0', forr: '5m' }] }] } },
  ];

  /** A fresh copy of the validator (nothing compiled in memory): its problems and whether it compiled. */
  function freshRun(): { problems: unknown; compiled: boolean } {
    let result: { problems: unknown; compiled: boolean } = { problems: undefined, compiled: false };
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require('../../lib/delivery/validate');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const compile = jest.spyOn(require('ajv').default.prototype, 'compile');
      try {
        result = { problems: fresh.validateManifests(bad), compiled: compile.mock.calls.length > 0 };
      } finally {
        compile.mockRestore();
      }
    });
    return result;
  }

  test('the first run compiles and writes them, the next loads them and finds the same problems', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'validator-cache-'));
    process.env.CDK8S_LLM_SERVING_CACHE = dir;
    const first = freshRun();
    expect(first.compiled).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => /^validator-[0-9a-f]{40}\.js$/.test(f))).toHaveLength(3);
    const second = freshRun();
    expect(second.compiled).toBe(false);
    expect(second.problems).toEqual(first.problems);
    expect((first.problems as unknown[]).length).toBeGreaterThanOrEqual(4);
  });

  test('a corrupt cache file is compiled anew; CDK8S_LLM_SERVING_CACHE=off compiles every run', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'validator-cache-'));
    process.env.CDK8S_LLM_SERVING_CACHE = dir;
    const first = freshRun();
    for (const f of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, f), 'module.exports = 42;');
    const again = freshRun();
    expect(again.compiled).toBe(true);
    expect(again.problems).toEqual(first.problems);
    process.env.CDK8S_LLM_SERVING_CACHE = 'off';
    expect(freshRun().compiled).toBe(true);
  });
});

describe('objects larger than 1 MiB', () => {
  const MESSAGE_END = ' bytes (1 MiB) one object may hold: etcd refuses requests above 1.5 MiB by default (--max-request-bytes) and Kubernetes limits a ConfigMap or Secret to 1 MiB; split its content over several objects';
  /** A ConfigMap whose JSON is `bytes` long. */
  function configMap(bytes: number): Record<string, any> {
    const empty = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big', namespace: 'web' }, data: { a: '' } };
    return { ...empty, data: { a: 'x'.repeat(bytes - JSON.stringify(empty).length) } };
  }

  test('1,048,576 bytes of JSON pass; one more is a problem naming the object and its size', () => {
    expect(JSON.stringify(configMap(1048577)).length).toBe(1048577);
    expect(validateManifest(configMap(1048576))).toEqual([]);
    expect(validateManifest(configMap(1048577))).toEqual([{
      object: 'v1 ConfigMap web/big', path: '', message: `object is 1048577 bytes as JSON, above the 1048576${MESSAGE_END}`,
    }]);
  });

  test('bytes, not characters: multi-byte text counts by its UTF-8 length', () => {
    const cm = configMap(1048576);
    cm.data.a = `é${cm.data.a.slice(1)}`;
    expect(JSON.stringify(cm).length).toBe(1048576);
    expect(validateManifest(cm)).toEqual([{
      object: 'v1 ConfigMap web/big', path: '', message: `object is 1048577 bytes as JSON, above the 1048576${MESSAGE_END}`,
    }]);
  });

  test('validateApp reports it and synthValidated refuses to write', () => {
    const outdir = tmpOutdir();
    const app = validApp(outdir);
    const chart = new Chart(app, 'big', { namespace: 'web' });
    const cm = configMap(2 * 1048576);
    new ApiObject(chart, 'big', { apiVersion: cm.apiVersion, kind: cm.kind, metadata: { name: 'big' }, data: cm.data });
    const expected = { object: 'v1 ConfigMap web/big', path: '', message: `object is 2097152 bytes as JSON, above the 1048576${MESSAGE_END}` };
    expect(validateApp(app)).toEqual([expected]);
    expect(() => synthValidated(app)).toThrow(new ManifestValidationError([expected], outdir));
    expect(() => synthValidated(app)).toThrow(`synth refused: 1 invalid field(s); ${outdir} was not written\nv1 ConfigMap web/big /: object is 2097152 bytes as JSON, above the 1048576${MESSAGE_END}`);
    expect(fs.existsSync(outdir)).toBe(false);
  });
});
