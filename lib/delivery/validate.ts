import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import type Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ApiObject, App, Chart, DependencyGraph, Names, YamlOutputType } from 'cdk8s';
import { IConstruct, Node } from 'constructs';
import { SynthCache } from './_synth-cache';
import { isPlainJson } from './_plain-json';
import { isStringifiedWhole, stringifyManifest, stringifyPlainJson } from './_yaml';
import { PendingDocument, YamlThread } from './_yaml-thread';
import { inSynthSession, noteRendered } from '../core/_synth-session';

/** One problem found in a manifest, in the words of the API server. */
export interface ManifestError {
  /** The object, as `<apiVersion> <kind> <namespace>/<name>` (or `<name>` when it has no namespace). */
  readonly object: string;
  /** JSON pointer to the offending field, e.g. `/spec/template/spec/containers/0/name`. */
  readonly path: string;
  /** What is wrong with the field. */
  readonly message: string;
}

/**
 * Validates one manifest the way `kubectl apply --validate=strict` and the API server would:
 * against the Kubernetes 1.28 schema or the vendored CRD for its `apiVersion` and `kind`,
 * rejecting unknown fields, and with the server-side name, label and pod spec checks. An
 * object larger than 1 MiB as JSON ({@link MAX_OBJECT_BYTES}) is a problem too: etcd would
 * refuse it at about 1.5 MiB, so it is refused before any cluster sees it.
 *
 * The schemas ship with the package (`schemas/`, see its README for their provenance); a
 * CRD's schema is read and compiled the first time an object of its kind is validated.
 *
 * @returns every problem found; empty when the object is valid
 */
export function validateManifest(obj: any): ManifestError[] {
  return checkManifest(obj);
}

/** {@link validateManifest}, given the object's JSON text when the caller has it. */
function checkManifest(obj: any, jsonText?: string): ManifestError[] {
  const id = objectId(obj);
  if (!isObject(obj)) return [{ object: id, path: '', message: 'manifest must be an object' }];
  const problems: Problem[] = [];
  const tooLarge = sizeProblem(jsonText ?? JSON.stringify(obj));
  if (tooLarge) problems.push(tooLarge);
  const lookup = findValidator(obj.apiVersion, obj.kind);
  if ('problem' in lookup) {
    problems.push(lookup.problem);
  } else if (!lookup.validate(obj)) {
    problems.push(...(lookup.validate.errors ?? []).map(toProblem));
  }
  problems.push(...serverChecks(obj));
  // allErrors can report the same field twice (e.g. once per failing branch).
  const unique = new Map(problems.map((p) => [`${p.path} ${p.message}`, { object: id, ...p }]));
  return [...unique.values()];
}

/**
 * The largest object accepted, in bytes of its JSON: 1 MiB. Kubernetes documents 1 MiB as the
 * limit of a ConfigMap's data and of a Secret (kubernetes.io docs/concepts/configuration/configmap,
 * .../secret), and etcd refuses any request above 1.5 MiB by default (etcd.io
 * docs/latest/dev-guide/limit, `--max-request-bytes`), the object plus the request's own
 * overhead; 1 MiB keeps every object well clear of it.
 * @internal
 */
export const MAX_OBJECT_BYTES = 1024 * 1024;

/**
 * An object whose JSON (what `kubectl` and Argo CD send, and what the API server stores for a
 * custom resource) is larger than {@link MAX_OBJECT_BYTES}. Measured on the JSON in every
 * path, so `validateApp` and `synthValidated` report the same size.
 */
function sizeProblem(jsonText: string): Problem | undefined {
  const bytes = Buffer.byteLength(jsonText, 'utf8');
  if (bytes <= MAX_OBJECT_BYTES) return undefined;
  return {
    path: '',
    message: `object is ${bytes} bytes as JSON, above the ${MAX_OBJECT_BYTES} bytes (1 MiB) one object may hold: `
      + 'etcd refuses requests above 1.5 MiB by default (--max-request-bytes) and Kubernetes limits a ConfigMap or Secret to 1 MiB; '
      + 'split its content over several objects',
  };
}

/**
 * Validates many manifests (for example the output of `Testing.synth(chart)`).
 *
 * @returns the problems of all objects, in order
 */
export function validateManifests(objs: any[]): ManifestError[] {
  if (!Array.isArray(objs)) return [{ object: '<input>', path: '', message: `manifests must be an array, got ${typeof objs}` }];
  return objs.flatMap(validateManifest);
}

/**
 * Validates every object an App would synthesize, without writing anything: the charts'
 * construct validations run first (as in `app.synth()`, throwing cdk8s's
 * `Validation failed with the following errors` on a failed one), then every object is
 * checked as by {@link validateManifest}.
 *
 * @returns the problems of all objects of all charts, in chart order; empty when all are valid
 * @example
 * const errors = validateApp(app);
 * for (const e of errors) console.error(formatManifestError(e));
 */
export function validateApp(app: App): ManifestError[] {
  if (!isApp(app)) {
    throw new Error(`'app' (${typeName(app)}) must be a cdk8s App: pass the App whose charts you want validated`);
  }
  // One validation pass, then every object rendered once: `chart.toJson()` would run every
  // construct validation of the whole App again for each chart.
  runConstructValidations(app);
  const errors = validateManifests(app.charts.flatMap((chart) => chart.node.findAll()
    .filter((c): c is ApiObject => ApiObject.isApiObject(c) && Chart.of(c) === chart)
    .map((o) => o.toJson())));
  writeCodeCaches();
  return errors;
}

/**
 * The construct validations of the whole App (`node.addValidation`), as cdk8s runs them at
 * synth, with its message.
 */
function runConstructValidations(app: App): void {
  const errors = app.node.findAll().flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
}

/**
 * Runs `app.synth()` without repeating the construct validations {@link validateApp} just
 * passed: cdk8s runs them over the whole App once, then again for every chart it writes (for
 * an App of 10 charts, 11 times). Nothing changes between the passes (the App is built), so
 * the checks are skipped for the duration of the call and restored after it.
 */
function synthOnceValidated(app: App): void {
  const proto = Node.prototype as { validate: () => string[] };
  const validate = proto.validate;
  proto.validate = () => [];
  try {
    app.synth();
  } finally {
    proto.validate = validate;
  }
}

/**
 * `app.synth()` only when every object is valid ({@link validateApp}); otherwise throws a
 * {@link ManifestValidationError} listing every problem and writes nothing (not even the
 * output directory).
 *
 * Given several Apps (one per environment, each with its own `outdir`), every App is
 * validated before any is written: one invalid object in one environment writes nothing at
 * all. Each problem's `object` then starts with its App's `outdir` (`dist/environments/dev: v1
 * ConfigMap ...`). Two Apps writing to one `outdir` are refused (each would overwrite the
 * other's files).
 *
 * The files are byte for byte those of `app.synth()`. With cdk8s's default output (one file
 * per chart, no construct metadata) each object is rendered once, validated, turned into its
 * YAML document at once and appended to its chart's file in a staging folder of the system's
 * temporary directory (`os.tmpdir()`); the files are moved into the outdirs once every object
 * of every App has passed, and the staging folder is removed in any case. Neither the JSON nor
 * the YAML of a whole chart is ever held in memory (`app.synth()` holds both). An object whose
 * JSON is the same as in the last run that wrote everything is known valid and written as that
 * run wrote it, unchecked and not stringified again (the synth cache, beside the compiled
 * validators: `CDK8S_LLM_SERVING_SYNTH_CACHE=off` turns it off; it is keyed by this package's
 * code, Ajv, cdk8s and the schemas, and not used for outputs above 8 MB).
 * Other output types are validated with {@link validateApp}, then written by `app.synth()`.
 *
 * @example
 * // main.ts of a platform repo, run by `cdk8s synth`
 * const app = new App();
 * new MyPlatform(app, 'platform');
 * synthValidated(app);
 * @example
 * // one App per environment, each in its own folder, written all or nothing
 * synthValidated([dev, prod]);
 */
export function synthValidated(app: App | readonly App[]): void {
  const apps: readonly App[] = Array.isArray(app) ? app : [app as App];
  if (apps.length === 0) throw new Error('\'app\' ([]) must be a cdk8s App or a non-empty array of Apps: pass the Apps to synthesize');
  apps.forEach((a, i) => {
    if (!isApp(a)) {
      const prop = Array.isArray(app) ? `app[${i}]` : 'app';
      throw new Error(`'${prop}' (${typeName(a)}) must be a cdk8s App: pass the App whose charts you want validated`);
    }
  });
  const byOutdir = new Map<string, number>();
  apps.forEach((a, i) => {
    const key = path.resolve(a.outdir);
    const first = byOutdir.get(key);
    if (first !== undefined) {
      throw new Error(`'app[${i}].outdir' ("${a.outdir}") is also the outdir of app[${first}]: each App overwrites the other's files; give every App its own outdir`);
    }
    byOutdir.set(key, i);
  });
  const errors: ManifestError[] = [];
  const outputs: Array<ChartFile[] | undefined> = [];
  // The files are written as their objects pass, into a staging folder, and moved into the
  // outdirs only once every object of every App has passed: no document is held in memory
  // until the end, and nothing is ever written to an outdir on a problem.
  const staging = apps.some(writesFilePerChart) ? fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-llm-serving-synth-')) : undefined;
  // Objects unchanged since the last run are known valid and their documents known (see SynthCache).
  const cache = staging ? openSynthCache() : undefined;
  try {
    apps.forEach((a, i) => {
      const rendered = staging && writesFilePerChart(a) ? renderFilePerChart(a, errors.length === 0 ? path.join(staging, String(i)) : undefined, cache) : undefined;
      const problems = rendered ? rendered.problems : validateApp(a);
      outputs.push(rendered?.files);
      errors.push(...(apps.length > 1 ? problems.map((e) => ({ ...e, object: `${a.outdir}: ${e.object}` })) : problems));
    });
    if (errors.length > 0) throw new ManifestValidationError(errors, apps.length > 1 ? apps.map((a) => a.outdir) : apps[0].outdir);
    apps.forEach((a, i) => {
      const files = outputs[i];
      if (!files) {
        synthOnceValidated(a);
        return;
      }
      fs.mkdirSync(a.outdir, { recursive: true });
      for (const file of files) moveFile(file.staged, path.join(a.outdir, file.name));
    });
    cache?.commit();
  } finally {
    cache?.discard();
    if (staging) fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Whether `x` is a cdk8s App (of any copy of cdk8s: not `instanceof`), without reading its
 * `charts`, which builds the dependency graph of the whole App.
 */
function isApp(x: unknown): x is App {
  return typeof x === 'object' && x !== null && 'charts' in x && 'outdir' in x && typeof (x as App).synth === 'function';
}

/** Moves a staged file into place (a rename, or a copy across file systems). */
function moveFile(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    fs.copyFileSync(from, to);
  }
}

/** One chart's file: its name in the outdir and where it was staged. */
interface ChartFile {
  readonly name: string;
  readonly staged: string;
}

/** The App writes one file per chart (cdk8s's default) and no construct metadata. */
function writesFilePerChart(app: App): boolean {
  return app.yamlOutputType === YamlOutputType.FILE_PER_CHART && !(app as unknown as { recordConstructMetadata?: boolean }).recordConstructMetadata;
}

/**
 * Renders an App as `app.synth()` would with one file per chart, validating every object as
 * {@link validateApp} does (construct validations first, once): each object is rendered once
 * (`toJson()`), checked, stringified to its YAML document as cdk8s does (`Yaml.stringify`, one
 * document at a time) and appended to its chart's file in `stageDir`, so neither the JSON of
 * the App nor its YAML is ever held whole. Once a problem is found (here or in an earlier App,
 * `stageDir` undefined), documents are no longer stringified nor written: nothing will be
 * moved into the outdir.
 *
 * Mirrors cdk8s 2.x `App.synth()` (`resolveDependencies`, `charts`, `chartToKube`, the chart
 * file namers); the tests compare the files with `app.synth()`'s byte for byte.
 *
 * @returns the files, and the problems in chart order then construct order (as validateApp)
 */
function renderFilePerChart(app: App, stageDir: string | undefined, cache?: SynthCache): { files: ChartFile[]; problems: ManifestError[] } {
  // No user code runs until the files are rendered: constructs may reuse what their validation
  // computed (see inSynthSession).
  const rendered = inSynthSession(() => renderBuiltApp(app, stageDir, cache));
  writeCodeCaches();
  return rendered;
}

function renderBuiltApp(app: App, stageDir: string | undefined, cache: SynthCache | undefined): { files: ChartFile[]; problems: ManifestError[] } {
  runConstructValidations(app);
  const all = app.node.findAll();
  const hasDependantCharts = resolveDependencies(all);
  const files: ChartFile[] = [];
  const problems: ManifestError[] = [];
  if (stageDir) fs.mkdirSync(stageDir);
  // A second thread stringifies documents while this one renders and checks the next objects.
  const thread = stageDir ? YamlThread.start(all.filter(ApiObject.isApiObject).length) : undefined;
  let index = 0;
  try {
    for (const chart of topology(app.node, all).filter((c): c is Chart => c instanceof Chart)) {
      const name = `${hasDependantCharts ? `${String(index++).padStart(4, '0')}-` : ''}${Names.toDnsLabel(chart)}${app.outputFileExtension}`;
      const staged = stageDir ? path.join(stageDir, `${files.length}-${name}`) : '';
      const objects = topology(chart.node).filter((c): c is ApiObject => ApiObject.isApiObject(c) && Chart.of(c) === chart);
      const found: Array<{ obj: ApiObject; problems: ManifestError[] }> = [];
      let writer = stageDir ? new DocumentWriter(staged) : undefined;
      try {
        for (const obj of objects) {
          const json = obj.toJson();
          const text = JSON.stringify(json);
          noteRendered(obj, { length: text.length });
          const key = cache?.keyOf(json, text);
          const known = key !== undefined ? cache!.get(key) : undefined;
          if (known !== undefined) {
            // Written valid, as this document, by the last run.
            writer?.add({ pieces: [known] });
            if (writer) cache!.put(key!, known);
            continue;
          }
          const objectProblems = checkManifest(json, text);
          if (objectProblems.length > 0) {
            found.push({ obj, problems: objectProblems });
            writer?.abandon();
            writer = undefined;
            stageDir = undefined;
          }
          if (!writer) continue;
          // A plain JSON document without long arrays is stringified whole, by the thread if any.
          const whole = (key !== undefined || isPlainJson(json)) && isStringifiedWhole(json);
          const doc = !whole ? { pieces: stringifyManifest(json) } : thread ? thread.add(json, text) : { pieces: [stringifyPlainJson(json)] };
          writer.add(doc, key === undefined ? undefined : (pieces) => {
            if (pieces.length === 1) cache!.put(key, pieces[0]);
          });
        }
        if (writer) {
          thread?.finish();
          writer.close();
        }
      } finally {
        writer?.abandon();
      }
      if (found.length > 0) {
        // Problems are reported in construct order, as validateApp reports them.
        const position = new Map(chart.node.findAll().map((c, i) => [c, i]));
        found.sort((a, b) => position.get(a.obj)! - position.get(b.obj)!).forEach((f) => problems.push(...f.problems));
      }
      files.push({ name, staged });
    }
  } finally {
    thread?.close();
  }
  return { files, problems };
}

/**
 * The constructs under `node` (itself included) in the order of cdk8s's
 * `new DependencyGraph(node).topology()`, which `app.charts` and `app.synth()` write in. When no
 * construct under `node` depends on another, the graph's root adopts every vertex in the order
 * of its path as a key of a JavaScript object: `findAll()`'s order, except for paths that are
 * array indexes (listed first); so without dependencies or such paths (a top-level id such as
 * "0"), the order is `findAll()`'s, and the graph (thousands of vertices for a large fleet,
 * built twice a synth) is not built.
 *
 * @param all `node.findAll()`, when the caller has it
 */
function topology(node: Node, all: IConstruct[] = node.findAll()): IConstruct[] {
  const treeOrder = all.every((c) => c.node.dependencies.length === 0 && !ARRAY_INDEX.test(c.node.path));
  return treeOrder ? all : new DependencyGraph(node).topology();
}

/** A path a JavaScript object may list as an array index (all digits: the few that are not only cost building the graph). */
const ARRAY_INDEX = /^[0-9]+$/;

/**
 * cdk8s's `resolveDependencies` (app.ts, not exported): makes every dependency between
 * constructs of different charts a dependency between the charts, and every dependency
 * between constructs one between the ApiObjects under them, which orders the output.
 *
 * @returns whether any chart depends on another (chart files are then numbered)
 */
function resolveDependencies(all: IConstruct[]): boolean {
  let hasDependantCharts = false;
  for (const parent of all.filter(Chart.isChart)) {
    for (const child of parent.node.children.filter(Chart.isChart)) {
      parent.node.addDependency(child);
      hasDependantCharts = true;
    }
  }
  const dependencies = () => all.flatMap((source) => source.node.dependencies.map((target) => ({ source, target })));
  for (const { source, target } of dependencies()) {
    const sourceChart = Chart.of(source);
    const targetChart = Chart.of(target);
    if (sourceChart !== targetChart) {
      sourceChart.node.addDependency(targetChart);
      hasDependantCharts = true;
    }
  }
  const below = new Map<IConstruct, IConstruct[]>();
  const apiObjectsOf = (c: IConstruct, chart: Chart) => {
    let found = below.get(c);
    if (!found) below.set(c, found = c.node.findAll());
    return found.filter((x) => ApiObject.isApiObject(x) && Chart.of(x) === chart);
  };
  for (const { source, target } of dependencies()) {
    const targets = apiObjectsOf(target, Chart.of(target));
    const sources = apiObjectsOf(source, Chart.of(source));
    for (const t of targets) {
      for (const s of sources) {
        if (t !== s) s.node.addDependency(t);
      }
    }
  }
  return hasDependantCharts;
}

/**
 * Writes YAML documents to a file as cdk8s's `Yaml.save` does (joined by `---`, UTF-8), in the
 * order they were added, each as soon as it and those before it are known (a document may be
 * stringified by the {@link YamlThread}), about 64 KiB per write: the file's text is never
 * held, and the text waiting to be written is short-lived enough to die young (a megabyte per
 * write kept every document alive long enough to be promoted to V8's old generation, tens of
 * MB of garbage there at 1000 pools).
 */
class DocumentWriter {
  private readonly fd: number;
  private readonly queue: Array<{ doc: PendingDocument; written?: (pieces: readonly string[]) => void }> = [];
  private batch: string[] = [];
  private length = 0;
  private documents = 0;
  private closed = false;

  public constructor(file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  /**
   * Appends one document, given in pieces ({@link stringifyManifest}) or still pending.
   * @param written called with its pieces once it is written
   */
  public add(doc: PendingDocument, written?: (pieces: readonly string[]) => void): void {
    this.queue.push({ doc, written });
    this.writeKnown();
  }

  /** Writes what is left and closes the file: every document added must be known by now. */
  public close(): void {
    this.writeKnown();
    if (this.queue.length > 0) throw new Error(`DocumentWriter: ${this.queue.length} documents are still pending`);
    this.end(true);
  }

  /** Closes the file without writing what is left (its file will not be used). */
  public abandon(): void {
    this.end(false);
  }

  private end(flush: boolean): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (flush) this.flush();
    } finally {
      fs.closeSync(this.fd);
    }
  }

  /** Writes the documents known, in order, up to the first still pending. */
  private writeKnown(): void {
    while (this.queue.length > 0 && this.queue[0].doc.pieces) {
      const { doc, written } = this.queue.shift()!;
      if (this.documents++ > 0) this.push('---\n');
      for (const piece of doc.pieces!) this.push(piece);
      written?.(doc.pieces!);
    }
  }

  private push(text: string): void {
    this.batch.push(text);
    this.length += text.length;
    if (this.length >= 1 << 16) this.flush();
  }

  private flush(): void {
    const bytes = Buffer.from(this.batch.join(''), 'utf8');
    for (let at = 0; at < bytes.length;) at += fs.writeSync(this.fd, bytes, at, bytes.length - at);
    this.batch = [];
    this.length = 0;
  }
}

/** One problem as one line: `<object> <path>: <message>` (the path `/` for the whole object). */
export function formatManifestError(e: ManifestError): string {
  return `${e.object} ${e.path || '/'}: ${e.message}`;
}

/**
 * Thrown by {@link synthValidated} when an object is invalid. The message lists every
 * problem, one per line ({@link formatManifestError}), after a summary line.
 */
export class ManifestValidationError extends Error {
  /** Every problem found. */
  public readonly errors: readonly ManifestError[];

  /**
   * @param errors every problem found
   * @param outdir the output directory (or directories) left unwritten
   */
  public constructor(errors: readonly ManifestError[], outdir: string | readonly string[]) {
    const unwritten = typeof outdir === 'string' ? `${outdir} was not written` : `none of ${outdir.join(', ')} was written`;
    super(`synth refused: ${errors.length} invalid field(s); ${unwritten}\n${errors.map(formatManifestError).join('\n')}`);
    this.name = 'ManifestValidationError';
    this.errors = errors;
  }
}

// ---------------------------------------------------------------------------------------------
// Schemas

type Schema = { [key: string]: any };
type Problem = Omit<ManifestError, 'object'>;
type Lookup = { validate: ValidateFunction } | { problem: Problem };

interface CrdVersion { readonly name: string; readonly served: boolean; readonly schema: Schema }
interface VendoredCrd { readonly group: string; readonly kind: string; readonly versions: CrdVersion[] }
interface SchemaIndex {
  readonly definitions: { readonly file: string };
  /** `<group>/<kind>` → the CRD's file, relative to the schema directory. */
  readonly crds: { readonly [groupKind: string]: { readonly file: string } };
}
interface Registry {
  readonly dir: string;
  readonly index: SchemaIndex;
  /** The Kubernetes definitions as read (strict copies are made only to compile). */
  readonly definitions: { readonly [name: string]: Schema };
  /** sha1 of the definitions file. */
  readonly definitionsHash: string;
  /** Created on the first compile: a run finding every validator in the cache never needs it. */
  ajv?: Ajv;
  /** `<apiVersion>/<kind>` → definition name. */
  readonly coreKinds: Map<string, string>;
  /** `<group>/<kind>` → CRD versions, read on first use. */
  readonly crds: Map<string, CrdVersion[]>;
  readonly validators: Map<string, ValidateFunction>;
}

const K8S_ID = 'k8s-1.28.json';
const OBJECT_META = `${K8S_ID}#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;
let registry: Registry | undefined;

/**
 * The package's `schemas/` directory, found from this file: `lib/delivery/` in the source tree
 * (ts-node, jest), `build/lib/delivery/` in the built package.
 */
function schemaDir(): string {
  const candidates = [path.resolve(__dirname, '../../schemas'), path.resolve(__dirname, '../../../schemas')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'index.json')));
  if (!found) throw new Error(`cdk8s-llm-serving: no schemas/index.json in ${candidates.join(' or ')}: the package is incomplete, reinstall it`);
  return found;
}

function readJson(dir: string, file: string): any {
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
}

function loadRegistry(): Registry {
  if (registry) return registry;
  const dir = schemaDir();
  const index: SchemaIndex = readJson(dir, 'index.json');
  const text = fs.readFileSync(path.join(dir, index.definitions.file), 'utf8');
  const definitions: { [name: string]: Schema } = JSON.parse(text).definitions;
  const coreKinds = new Map<string, string>();
  for (const [name, def] of Object.entries<Schema>(definitions)) {
    for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
      coreKinds.set(`${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`, name);
    }
  }
  const definitionsHash = createHash('sha1').update(text).digest('hex');
  registry = { dir, index, definitions, definitionsHash, coreKinds, crds: new Map(), validators: new Map() };
  return registry;
}

function ajvOf(reg: Registry): Ajv {
  if (!reg.ajv) {
    // validateFormats off: int32, int64, byte, date-time... are not checked by kubectl either.
    // verbose puts the offending value into type errors. code.source keeps the generated code
    // for the cache; code.optimize off compiles ~2× faster (the checks are the same).
    // Required here, not at the top: a run finding every validator in the cache never loads
    // Ajv's compiler (~40 ms), only the runtime helpers its standalone code requires.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const AjvClass: typeof Ajv = require('ajv').default;
    reg.ajv = new AjvClass({ strict: false, allErrors: true, validateFormats: false, verbose: true, code: { source: true, optimize: false } });
    reg.ajv.addSchema({ $id: K8S_ID, definitions: mapValues(reg.definitions, toStrictSchema) });
  }
  return reg.ajv;
}

/**
 * Where compiled validators are kept between runs: `CDK8S_LLM_SERVING_CACHE` (a directory, or
 * `off`), else `node_modules/.cache/cdk8s-llm-serving` of the working directory when it has a
 * `node_modules` (as `cdk8s synth` in a project does), else nowhere.
 */
function cacheDir(): string | undefined {
  const env = process.env.CDK8S_LLM_SERVING_CACHE;
  if (env !== undefined && env !== '') return /^(off|false|0)$/i.test(env) ? undefined : path.resolve(env);
  const modules = path.resolve('node_modules');
  return fs.existsSync(modules) ? path.join(modules, '.cache', 'cdk8s-llm-serving') : undefined;
}

let fingerprint: string | undefined;

/** The synth cache, or undefined when off or when what it depends on cannot be read (then every object is checked). */
function openSynthCache(): SynthCache | undefined {
  const dir = cacheDir();
  if (!dir) return undefined;
  try {
    return SynthCache.open(dir, synthFingerprint());
  } catch {
    return undefined;
  }
}

/**
 * What the synth cache's entries depend on besides the objects: this file (the checks), Ajv,
 * every vendored schema, the YAML code (./_yaml, ./_yaml-thread, cdk8s and its yaml) and the cache's
 * own code (./_synth-cache, ./_plain-json).
 */
function synthFingerprint(): string {
  const hash = createHash('sha1');
  const versionOf = (pkg: string, from?: string) => {
    try {
      return JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`, from ? { paths: [from] } : undefined), 'utf8')).version;
    } catch {
      return 'unknown';
    }
  };
  const cdk8sDir = path.dirname(require.resolve('cdk8s/package.json'));
  hash.update(`${versionOf('ajv')}\0${versionOf('cdk8s')}\0${versionOf('yaml', cdk8sDir)}\0`);
  for (const file of [__filename, require.resolve('./_yaml'), require.resolve('./_yaml-thread'), require.resolve('./_plain-json'), require.resolve('./_synth-cache')]) hash.update(fs.readFileSync(file)).update('\0');
  const reg = loadRegistry();
  hash.update(reg.definitionsHash).update(fs.readFileSync(path.join(reg.dir, 'index.json')));
  for (const entry of Object.values(reg.index.crds)) hash.update('\0').update(fs.readFileSync(path.join(reg.dir, entry.file)));
  return hash.digest('hex');
}

/**
 * Compiles the validator of one kind, or loads it from the cache: compiling the Kubernetes
 * definitions takes ~0.1-0.5 s per kind, loading Ajv's standalone code of a compiled validator
 * ~10-20 ms (the same function: the same errors). A cached validator is keyed by this file's
 * code, Ajv's version, the definitions and the kind's schema, so any change compiles anew.
 * Any cache problem (unwritable, corrupt) falls back to compiling.
 */
function compileValidator(reg: Registry, key: string, schema: Schema): ValidateFunction {
  const dir = cacheDir();
  if (!dir) return ajvOf(reg).compile(schema);
  if (fingerprint === undefined) {
    let ajvVersion = 'unknown';
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ajvVersion = require('ajv/package.json').version;
    } catch {
      // Keyed by this file and the schemas alone.
    }
    fingerprint = createHash('sha1').update(fs.readFileSync(__filename)).update(`\0${ajvVersion}\0${reg.definitionsHash}`).digest('hex');
  }
  const hash = createHash('sha1').update(`${fingerprint}\0${key}\0`).update(JSON.stringify(schema)).digest('hex');
  const file = path.join(dir, `validator-${hash}.js`);
  try {
    return loadStandalone(fs.readFileSync(file, 'utf8'), file);
  } catch {
    // Not cached yet (or unreadable): compile.
  }
  const ajv = ajvOf(reg);
  const validate = ajv.compile(schema);
  try {
    fs.mkdirSync(dir, { recursive: true });
    // Write then rename: parallel runs (jest workers) never read half a file.
    const tmp = `${file}.${process.pid}.tmp`;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const standaloneCode: typeof import('ajv/dist/standalone').default = require('ajv/dist/standalone').default;
    fs.writeFileSync(tmp, standaloneCode(ajv, validate));
    fs.renameSync(tmp, file);
  } catch {
    // An unwritable cache only costs the next run the compile.
  }
  return validate;
}

/**
 * Whether code compiled with `vm` runs in the caller's realm (its objects have this module's
 * `Object.prototype`): not in a sandbox such as jest's, where validators must be created with
 * `new Function` to share the realm of the data they check (Ajv's deep equality compares
 * constructors).
 */
let sameRealm: boolean | undefined;

/** What a V8 code cache depends on besides the code: V8 refuses one made by another V8 or with other flags. */
let v8Key: string | undefined;

/** Validators compiled without a usable code cache: theirs is written by {@link writeCodeCaches}. */
const codeCachesToWrite: Array<{ script: vm.Script; file: string }> = [];

/**
 * Runs Ajv's standalone (CommonJS) code, resolving its `require`s (Ajv's runtime) from this package.
 *
 * With the file it was read from (the cache), V8's compiled code of it is read from
 * `<file>.<v8 key>.code` when there is one, and written otherwise (by {@link writeCodeCaches},
 * once the run has validated its objects, so the code of the validator's functions that ran is
 * in it): a 2 MB validator (the Argo CD Application's) then loads without being parsed, and its
 * functions run without being compiled first. A code cache V8 refuses (another Node or V8 flags)
 * is only a slower load, and is rewritten.
 */
function loadStandalone(code: string, file?: string): ValidateFunction {
  const mod: { exports: any } = { exports: {} };
  sameRealm ??= Object.getPrototypeOf(vm.runInThisContext('({})')) === Object.prototype;
  if (file && sameRealm) {
    v8Key ??= createHash('sha1').update(`${process.version}\0${process.arch}\0${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`).digest('hex').slice(0, 12);
    const codeFile = `${file.replace(/\.js$/, '')}.${v8Key}.code`;
    let cachedData: Buffer | undefined;
    try {
      cachedData = fs.readFileSync(codeFile);
    } catch {
      // Not cached yet.
    }
    const script = new vm.Script(`(function (require, module, exports) {${code}\n})`, { filename: file, cachedData });
    if (!cachedData || script.cachedDataRejected) codeCachesToWrite.push({ script, file: codeFile });
    script.runInThisContext()(require, mod, mod.exports);
  } else {
    new Function('require', 'module', 'exports', code)(require, mod, mod.exports);
  }
  const validate = mod.exports.default ?? mod.exports;
  if (typeof validate !== 'function') throw new Error('not a validator');
  return validate;
}

/** Writes the code caches {@link loadStandalone} found missing (write then rename; failures only cost the next run). */
function writeCodeCaches(): void {
  for (const { script, file } of codeCachesToWrite.splice(0)) {
    try {
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, file);
    } catch {
      return;
    }
  }
}

/** The versions of a vendored CRD, read from its file the first time its kind is seen. */
function crdVersions(reg: Registry, groupKind: string): CrdVersion[] | undefined {
  const cached = reg.crds.get(groupKind);
  if (cached) return cached;
  const entry = Object.prototype.hasOwnProperty.call(reg.index.crds, groupKind) ? reg.index.crds[groupKind] : undefined;
  if (!entry) return undefined;
  const crd: VendoredCrd = readJson(reg.dir, entry.file);
  reg.crds.set(groupKind, crd.versions);
  return crd.versions;
}

/** Finds (and compiles once) the validator for an apiVersion and kind. */
function findValidator(apiVersion: unknown, kind: unknown): Lookup {
  if (typeof apiVersion !== 'string' || !apiVersion) return { problem: { path: '/apiVersion', message: 'apiVersion is required' } };
  if (typeof kind !== 'string' || !kind) return { problem: { path: '/kind', message: 'kind is required' } };
  const reg = loadRegistry();
  const key = `${apiVersion}/${kind}`;
  const cached = reg.validators.get(key);
  if (cached) return { validate: cached };
  const def = reg.coreKinds.get(key);
  const found = def ? { schema: { $ref: `${K8S_ID}#/definitions/${def}` } } : crdSchema(reg, apiVersion, kind);
  if ('problem' in found) return found;
  const validate = compileValidator(reg, key, found.schema);
  reg.validators.set(key, validate);
  return { validate };
}

function crdSchema(reg: Registry, apiVersion: string, kind: string): { schema: Schema } | { problem: Problem } {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  const versions = crdVersions(reg, `${group}/${kind}`);
  if (!versions) {
    return { problem: { path: '/kind', message: `unknown kind "${kind}" in apiVersion "${apiVersion}": no Kubernetes 1.28 definition or CRD` } };
  }
  const served = versions.filter((v) => v.served).map((v) => v.name).join(', ') || 'none';
  const match = versions.find((v) => v.name === version);
  if (!match?.served) {
    const state = match ? 'is not served' : 'does not exist';
    return { problem: { path: '/apiVersion', message: `version "${version}" of ${group}/${kind} ${state} (served: ${served})` } };
  }
  const schema = toStrictSchema(match.schema);
  // CRD schemas leave metadata as a bare object; the API server still validates it as ObjectMeta.
  return { schema: { ...schema, properties: { ...schema.properties, metadata: { $ref: OBJECT_META } } } };
}

/**
 * Returns a strict copy of an OpenAPI schema (the input is left untouched): unknown fields are
 * rejected unless `x-kubernetes-preserve-unknown-fields`, int-or-string and type-only `oneOf`s
 * become type lists, and Go `(?i)` patterns are made case-insensitive.
 */
function toStrictSchema(schema: Schema): Schema {
  if (!isObject(schema)) return schema;
  const out: Schema = { ...schema };
  if (out.properties) out.properties = mapValues(out.properties, toStrictSchema);
  if (out.patternProperties) out.patternProperties = mapValues(out.patternProperties, toStrictSchema);
  if (isObject(out.additionalProperties)) out.additionalProperties = toStrictSchema(out.additionalProperties);
  if (out.items) out.items = Array.isArray(out.items) ? out.items.map(toStrictSchema) : toStrictSchema(out.items);
  if (out.not) out.not = toStrictSchema(out.not);
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    if (Array.isArray(out[key])) out[key] = out[key].map(toStrictSchema);
  }
  if (out.properties && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  // Ajv reports one clear "must be integer,string" instead of one error per oneOf branch.
  for (const key of ['anyOf', 'oneOf']) {
    const branches = out[key];
    if (Array.isArray(branches) && branches.every((b) => isObject(b) && Object.keys(b).join() === 'type')) {
      delete out[key];
      out.type = branches.map((b) => b.type);
    }
  }
  if (out['x-kubernetes-int-or-string'] === true) out.type = ['integer', 'string'];
  if (typeof out.pattern === 'string') out.pattern = goPatternToJs(out.pattern);
  return out;
}

/**
 * Translates a Go (RE2) pattern to an equivalent JavaScript one. Ajv has no per-pattern flags,
 * so a leading `(?i)` (also after `^`) is expanded into explicit upper/lower-case alternatives.
 */
function goPatternToJs(pattern: string): string {
  const m = /^(\^?)\(\?i\)/.exec(pattern);
  return m ? m[1] + caseFold(pattern.slice(m[0].length)) : pattern;
}

function caseFold(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      out += src.slice(i, i + 2);
      i++;
    } else if (c === '[') {
      const end = classEnd(src, i);
      out += foldClass(src.slice(i + 1, end));
      i = end;
    } else {
      out += isLetter(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
    }
  }
  return out;
}

/** Index of the `]` closing the class opened at `start` (a leading `]` is a literal in RE2). */
function classEnd(src: string, start: number): number {
  let i = start + 1;
  if (src[i] === '^') i++;
  if (src[i] === ']') i++;
  for (; i < src.length && src[i] !== ']'; i++) if (src[i] === '\\') i++;
  if (i >= src.length) throw new Error(`unterminated character class in pattern ${JSON.stringify(src)}`);
  return i;
}

/** `body` is the class content without brackets; letters and letter ranges gain their other case. */
function foldClass(body: string): string {
  let extra = '';
  for (let i = body[0] === '^' ? 1 : 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      i++;
    } else if (body[i + 1] === '-' && i + 2 < body.length && isLetter(c) && isLetter(body[i + 2])) {
      extra += swapCase(c) + '-' + swapCase(body[i + 2]);
      i += 2;
    } else if (isLetter(c)) {
      extra += swapCase(c);
    }
  }
  return `[${body}${extra}]`;
}

function isLetter(c: string): boolean {
  return /^[A-Za-z]$/.test(c);
}

function swapCase(c: string): string {
  return c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
}

function toProblem(e: ErrorObject): Problem {
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: `${e.instancePath}/${pointerToken(e.params.additionalProperty)}`, message: `unknown field "${e.params.additionalProperty}"` };
    case 'required':
      return { path: `${e.instancePath}/${pointerToken(e.params.missingProperty)}`, message: `required field "${e.params.missingProperty}" is missing` };
    case 'type':
      return { path: e.instancePath, message: `${e.message}, got ${JSON.stringify(e.data)}` };
    case 'enum':
      return { path: e.instancePath, message: `${e.message}: ${e.params.allowedValues.map((v: unknown) => JSON.stringify(v)).join(', ')}` };
    default:
      return { path: e.instancePath, message: e.message ?? e.keyword };
  }
}

// ---------------------------------------------------------------------------------------------
// Checks the API server does beyond the OpenAPI schema

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function serverChecks(obj: Schema): Problem[] {
  const problems: Problem[] = [];
  const add = (p: string, message: string | undefined) => { if (message) problems.push({ path: p, message }); };
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const isService = obj.kind === 'Service' && obj.apiVersion === 'v1';
  if (typeof meta.name !== 'string' || meta.name === '') {
    add('/metadata/name', 'name is required');
  } else if (isService) {
    add('/metadata/name', dns1035Label(meta.name));
  } else if (obj.kind === 'Namespace' && obj.apiVersion === 'v1') {
    add('/metadata/name', dns1123Label(meta.name));
  } else {
    add('/metadata/name', dns1123Subdomain(meta.name));
  }
  if (typeof meta.namespace === 'string') add('/metadata/namespace', dns1123Label(meta.namespace));

  walk(obj, (value, pointer, key, parentKey) => {
    if (key === 'matchLabels' || (parentKey === 'metadata' && key === 'labels')) problems.push(...labelProblems(value, pointer()));
    if (parentKey === 'metadata' && key === 'annotations') {
      for (const k of Object.keys(value)) add(`${pointer()}/${pointerToken(k)}`, qualifiedName(k, 'annotation key'));
    }
    if (Array.isArray(value.containers)) problems.push(...podSpecProblems(value, pointer()));
  });
  if (isService && isObject(obj.spec)) {
    if (isObject(obj.spec.selector)) problems.push(...labelProblems(obj.spec.selector, '/spec/selector'));
    problems.push(...servicePortProblems(obj.spec.ports));
  }
  return problems;
}

/**
 * Calls `visit` for every plain object inside `value` (not `value` itself), with its key, its
 * parent's key and a function giving its JSON pointer. Only objects and arrays are descended
 * into, and a pointer is built only when asked for (most objects need none).
 */
function walk(value: unknown, visit: (v: Schema, pointer: () => string, key: string, parentKey: string) => void): void {
  const keys: string[] = [];
  const pointer = () => keys.map((k) => `/${pointerToken(k)}`).join('');
  const descend = (v: unknown, key: string, parentKey: string): void => {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const item = v[i];
        if (typeof item !== 'object' || item === null) continue;
        keys.push(String(i));
        descend(item, keys[keys.length - 1], key);
        keys.pop();
      }
    } else if (isObject(v)) {
      if (keys.length > 0) visit(v, pointer, key, parentKey);
      for (const k of Object.keys(v)) {
        const child = v[k];
        if (typeof child !== 'object' || child === null) continue;
        keys.push(k);
        descend(child, k, key);
        keys.pop();
      }
    }
  };
  descend(value, '', '');
}

function labelProblems(labels: Schema, p: string): Problem[] {
  const problems: Problem[] = [];
  for (const [k, v] of Object.entries(labels)) {
    const at = `${p}/${pointerToken(k)}`;
    const keyProblem = qualifiedName(k, 'label key');
    if (keyProblem) problems.push({ path: at, message: keyProblem });
    const valueProblem = typeof v === 'string' ? labelValue(v) : undefined;
    if (valueProblem) problems.push({ path: at, message: valueProblem });
  }
  return problems;
}

/** Container, port and volume checks for one pod spec (found anywhere: Pod, templates, CronJob...). */
function podSpecProblems(spec: Schema, p: string): Problem[] {
  const problems: Problem[] = [];
  const add = (at: string, message: string | undefined) => { if (message) problems.push({ path: at, message }); };
  const volumes = new Set<string>();
  list(spec.volumes).forEach((v, i) => {
    if (typeof v.name !== 'string') return;
    add(`${p}/volumes/${i}/name`, volumes.has(v.name) ? `duplicate volume name "${v.name}"` : dns1123Label(v.name));
    volumes.add(v.name);
  });
  const containerNames = new Set<string>();
  for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
    list(spec[field]).forEach((c, i) => {
      const at = `${p}/${field}/${i}`;
      if (typeof c.name === 'string') {
        add(`${at}/name`, containerNames.has(c.name) ? `duplicate container name "${c.name}"` : dns1123Label(c.name));
        containerNames.add(c.name);
      }
      const portNames = new Set<string>();
      list(c.ports).forEach((port, j) => {
        if (typeof port.name !== 'string') return;
        add(`${at}/ports/${j}/name`, portNames.has(port.name) ? `duplicate port name "${port.name}"` : ianaSvcName(port.name));
        portNames.add(port.name);
      });
      list(c.volumeMounts).forEach((m, j) => {
        if (typeof m.name === 'string' && !volumes.has(m.name)) add(`${at}/volumeMounts/${j}/name`, `volume "${m.name}" is not declared in the pod's volumes`);
      });
    });
  }
  return problems;
}

function servicePortProblems(ports: unknown): Problem[] {
  const problems: Problem[] = [];
  const all = list(ports);
  const names = new Set<string>();
  all.forEach((port, i) => {
    const at = `/spec/ports/${i}/name`;
    if (typeof port.name !== 'string' || port.name === '') {
      if (all.length > 1) problems.push({ path: at, message: 'name is required when a Service has more than one port' });
      return;
    }
    const message = names.has(port.name) ? `duplicate port name "${port.name}"` : dns1123Label(port.name);
    if (message) problems.push({ path: at, message });
    names.add(port.name);
  });
  return problems;
}

function dns1123Label(v: string): string | undefined {
  if (v.length > 63 || !DNS1123_LABEL.test(v)) {
    return `"${v}" is not a valid DNS-1123 label: at most 63 lower-case alphanumerics or '-', starting and ending with an alphanumeric`;
  }
  return undefined;
}

function dns1035Label(v: string): string | undefined {
  if (v.length > 63 || !DNS1035_LABEL.test(v)) {
    return `"${v}" is not a valid DNS-1035 label: at most 63 lower-case alphanumerics or '-', starting with a letter and ending with an alphanumeric`;
  }
  return undefined;
}

function dns1123Subdomain(v: string): string | undefined {
  if (v.length > 253 || !DNS1123_SUBDOMAIN.test(v)) {
    return `"${v}" is not a valid DNS-1123 subdomain: at most 253 lower-case alphanumerics, '-' or '.', starting and ending with an alphanumeric`;
  }
  return undefined;
}

/** A label or annotation key: `[prefix/]name`, prefix a DNS-1123 subdomain. */
function qualifiedName(key: string, what: string): string | undefined {
  const parts = key.split('/');
  const name = parts[parts.length - 1];
  const prefixOk = parts.length === 1 || (parts.length === 2 && parts[0] !== '' && !dns1123Subdomain(parts[0]));
  if (!prefixOk || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return `invalid ${what} "${key}": an optional DNS-1123 subdomain prefix and '/', then a name of at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  }
  return undefined;
}

function labelValue(v: string): string | undefined {
  if (v.length > 63 || (v !== '' && !QUALIFIED_NAME.test(v))) {
    return `invalid label value "${v}" (${v.length} characters): at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  }
  return undefined;
}

function ianaSvcName(v: string): string | undefined {
  if (v.length > 15 || !IANA_SVC_NAME.test(v) || !/[a-z]/.test(v) || v.includes('--')) {
    return `invalid port name "${v}": an IANA_SVC_NAME of 1-15 lower-case alphanumerics or '-', with at least one letter, no '--', starting and ending with an alphanumeric`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function objectId(obj: any): string {
  const meta = isObject(obj) && isObject(obj.metadata) ? obj.metadata : {};
  const name = `${meta.namespace ? `${meta.namespace}/` : ''}${meta.name ?? '<unnamed>'}`;
  return `${obj?.apiVersion ?? '<no apiVersion>'} ${obj?.kind ?? '<no kind>'} ${name}`;
}

function isObject(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(v: unknown): Schema[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

function mapValues(obj: Schema, fn: (v: any) => any): Schema {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, fn(v)]));
}

/** Escapes a key for use in a JSON pointer (RFC 6901): label keys contain '/'. */
function pointerToken(key: string): string {
  return key.includes('~') || key.includes('/') ? key.replace(/~/g, '~0').replace(/\//g, '~1') : key;
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
