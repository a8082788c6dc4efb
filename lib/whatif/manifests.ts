import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import type * as YamlModule from 'yaml';
import { parseQuantity } from './hpa-controller';
import { ReplayRecordingRule } from './_promql-eval';
import { PoolModelParams } from './pool-model';
import { formatValue, invalid } from '../core/_validation';
import { LWS_KIND } from '../vllm/_multi-node';

/**
 * The yaml package, required on first use rather than at the top: loading it costs ~40 ms, and a
 * synth (`apps/main.ts`, which loads the whole library) never reads manifests back.
 */
function yaml(): typeof YamlModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('yaml');
}

/** One Kubernetes object read from a manifest file (or synthesized from an App). */
export interface LoadedManifest {
  /** The object as JSON. */
  readonly object: any;
  /** The file it came from (for an App: `chart '<chart path>'`). */
  readonly file: string;
  /** Its 1-based document index in the file. @default - not known (objects of an App) */
  readonly document?: number;
}

/** A prometheus-adapter discovery rule found in a ConfigMap of the manifests. */
export interface AdapterRule {
  /** `rules` (custom metrics: Pods and Object) or `externalRules` (External metrics). */
  readonly list: 'rules' | 'externalRules';
  /** The rule as written in config.yaml (seriesQuery, resources, name, metricsQuery). */
  readonly rule: { seriesQuery?: unknown; resources?: unknown; name?: unknown; metricsQuery?: unknown; [key: string]: unknown };
  /** Its index in its list. */
  readonly index: number;
  /** `namespace/name` of the ConfigMap holding it. */
  readonly configMap: string;
  /** The file of that ConfigMap. */
  readonly file: string;
}

/** What the loader derived about the scale target's pods. */
export interface ReplayPool {
  /** The pool's name: the pods' `app.kubernetes.io/instance` label (the `pool` metric label), else the Deployment's name. */
  readonly name: string;
  /** Model parameters read from the Deployment (the rest take the model's defaults). */
  readonly params: Partial<PoolModelParams>;
  /** Whether the Deployment runs vLLM (labels `app.kubernetes.io/name: vllm` or a vLLM image). */
  readonly vllm: boolean;
  /** The served model name (`--served-model-name`, else the model argument): the `model_name` metric label. @default - none (not vLLM) */
  readonly modelName?: string;
  /** Where each derived parameter came from, in words, for reports. */
  readonly sources: Readonly<Record<string, string>>;
}

/** The LiteLLM proxy in front of the pool, when the manifests hold its config. */
export interface ReplayProxy {
  /** The proxy's namespace (that of its ConfigMap): the `namespace` label of its series. */
  readonly namespace: string;
  /** The model groups (`model_name` of `model_list`) whose `api_base` is the pool's Service: the `requested_model` label values. */
  readonly modelGroups: readonly string[];
}

/** An autoscaler of the manifests and everything a replay needs about it. */
export interface ReplayTarget {
  /** The autoscaler's kind. */
  readonly kind: 'HorizontalPodAutoscaler' | 'ScaledObject';
  /** Its namespace (`default` when the manifest names none). */
  readonly namespace: string;
  /** Its name. */
  readonly name: string;
  /** The autoscaler object. */
  readonly object: any;
  /** The file it came from. */
  readonly file: string;
  /** The Deployment its `scaleTargetRef` names. */
  readonly deployment: any;
  /** The pool derived from the Deployment. @default - always set by resolveTarget (optional for hand-made targets) */
  readonly pool?: ReplayPool;
  /** The pods' resource requests summed over containers, base units (cores, bytes, devices); a resource some container does not request is absent. */
  readonly podRequests: Readonly<Record<string, number>>;
  /** Resources requested by some containers but not all (the HPA controller refuses a Utilization target on them). */
  readonly partialRequests: Readonly<Record<string, string>>;
  /** prometheus-adapter rules found in the manifests (ConfigMap data). */
  readonly adapterRules: readonly AdapterRule[];
  /**
   * Prometheus recording rules of the manifests (every monitoring.coreos.com/v1 PrometheusRule,
   * `spec.groups[].rules[]` with `record`): a query reading a recorded series reads its rule's
   * expression over the model.
   * @default - none (hand-made targets)
   */
  readonly recordingRules?: readonly ReplayRecordingRule[];
  /** The LiteLLM proxy routing to the pool. @default - none found */
  readonly proxy?: ReplayProxy;
}

const YAML_FILE = /\.ya?ml$/i;

/**
 * Reads every `*.yaml` / `*.yml` file under `dir` (recursively, in name order), every
 * document of each. Empty documents are skipped, and so are documents without a `kind`
 * (Helm values, other YAML). Unparsable YAML is an error naming the file and the document.
 * @param dir a directory (or one YAML file)
 */
export function loadManifestsFromDir(dir: string): LoadedManifest[] {
  if (typeof dir !== 'string' || dir.trim() === '') throw invalid('manifests', dir, 'must be a directory of YAML manifests, e.g. dist/');
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw invalid('manifests', dir, 'does not exist: name a directory of YAML manifests, e.g. dist/');
  }
  const files = stat.isDirectory() ? yamlFiles(dir) : [dir];
  if (files.length === 0) throw invalid('manifests', dir, 'holds no *.yaml or *.yml file');
  return files.flatMap(file => parseManifests(fs.readFileSync(file, 'utf8'), file));
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFiles(full));
    else if (entry.isFile() && YAML_FILE.test(entry.name)) out.push(full);
  }
  return out;
}

/**
 * The Kubernetes objects of one YAML text (every document).
 * @param file named in errors
 * @internal
 */
export function parseManifests(text: string, file: string): LoadedManifest[] {
  const out: LoadedManifest[] = [];
  yaml().parseAllDocuments(text).forEach((doc, i) => {
    // parseAllDocuments returns an EmptyStream (no documents) for an empty text.
    const error = (doc as YamlModule.Document).errors?.[0];
    if (error) {
      throw new Error(`'${file}' (document ${i + 1}) is not valid YAML: ${firstLine(error.message)}`);
    }
    const object = (doc as YamlModule.Document).toJS({ maxAliasCount: 100 });
    if (object === null || object === undefined) return;
    if (typeof object !== 'object' || Array.isArray(object)) {
      throw new Error(`'${file}' (document ${i + 1}) is not a Kubernetes object: expected a mapping with apiVersion and kind, got ${formatValue(object).slice(0, 80)}`);
    }
    if (typeof object.kind !== 'string') return;
    out.push({ object, file, document: i + 1 });
  });
  return out;
}

/** The first line of a yaml parser message (its code frame follows), without the colon that introduces the frame. */
function firstLine(message: string): string {
  return message.split('\n')[0].trim().replace(/:$/, '');
}

/**
 * The objects an App synthesizes (validated as `cdk8s synth` validates them), each with the
 * chart it belongs to as its `file`: `chart '<chart path>'`.
 */
export function loadManifestsFromApp(app: App): LoadedManifest[] {
  if (!(app instanceof App)) throw invalid('app', app === null || typeof app !== 'object' ? app : (app as object).constructor?.name, 'must be a cdk8s App');
  // synthYaml() resolves dependencies and runs every construct's validation, like `cdk8s synth`.
  const text = app.synthYaml();
  const chartOf = new Map<string, string>();
  for (const chart of app.charts) {
    for (const c of chart.node.findAll()) {
      if (c instanceof ApiObject && Chart.of(c) === chart) chartOf.set(objectKey(c.apiVersion, c.kind, c.metadata.namespace, c.name), chart.node.path);
    }
  }
  return parseManifests(text, 'app').map(({ object }) => ({
    object,
    file: `chart '${chartOf.get(objectKey(object.apiVersion, object.kind, object.metadata?.namespace, object.metadata?.name)) ?? '?'}'`,
  }));
}

function objectKey(apiVersion: unknown, kind: unknown, namespace: unknown, name: unknown): string {
  return `${apiVersion}|${kind}|${namespace ?? ''}|${name}`;
}

const TARGET = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/;
const HPA_API = 'autoscaling/v2';
const KEDA_API = 'keda.sh/v1alpha1';

/** The namespace of an object, `default` when the manifest names none (as kubectl applies it). */
function namespaceOf(object: any): string {
  const ns = object?.metadata?.namespace;
  return typeof ns === 'string' && ns !== '' ? ns : 'default';
}

function isAutoscaler(object: any): boolean {
  return (object.kind === 'HorizontalPodAutoscaler' && object.apiVersion === HPA_API) || (object.kind === 'ScaledObject' && object.apiVersion === KEDA_API);
}

/**
 * Finds the autoscaler `namespace/name` (an autoscaling/v2 HorizontalPodAutoscaler or a
 * keda.sh/v1alpha1 ScaledObject) and what a replay needs about it: the Deployment it
 * scales, the pool derived from that Deployment, the prometheus-adapter rules and the
 * LiteLLM proxy routing to the pool.
 * @param manifests from `loadManifestsFromDir` or `loadManifestsFromApp`
 * @param target `namespace/name`
 */
export function resolveTarget(manifests: ReadonlyArray<LoadedManifest>, target: string): ReplayTarget {
  if (!Array.isArray(manifests)) throw invalid('manifests', manifests, 'must be a list of { object, file } (loadManifestsFromDir() or loadManifestsFromApp())');
  manifests.forEach((m, i) => {
    if (m === null || typeof m !== 'object' || m.object === null || typeof m.object !== 'object' || typeof m.file !== 'string') {
      throw invalid(`manifests[${i}]`, m, 'must be { object, file }');
    }
  });
  const match = typeof target === 'string' ? TARGET.exec(target) : null;
  if (!match) {
    throw invalid('target', target, 'must be <namespace>/<name> of a HorizontalPodAutoscaler or KEDA ScaledObject, e.g. llm/llama-70b');
  }
  const namespace = match[1];
  const name = match[3];
  const autoscalers = manifests.filter(m => isAutoscaler(m.object));
  const named = manifests.filter(m => namespaceOf(m.object) === namespace && m.object.metadata?.name === name);
  const found = named.filter(m => isAutoscaler(m.object));
  if (found.length === 0) {
    const list = autoscalers.length === 0 ? 'the manifests hold none'
      : `the manifests hold: ${unique(autoscalers.map(m => `${namespaceOf(m.object)}/${m.object.metadata?.name} (${m.object.kind})`)).join(', ')}`;
    if (named.length > 0) {
      const kinds = unique(named.map(m => `${m.object.kind} (${m.object.apiVersion}) in ${m.file}`)).join(', ');
      throw invalid('target', target, `names ${kinds}, not an autoscaler: replay reads a HorizontalPodAutoscaler (autoscaling/v2) or a KEDA ScaledObject (keda.sh/v1alpha1); ${list}`);
    }
    throw invalid('target', target, `matches no HorizontalPodAutoscaler or ScaledObject; ${list}`);
  }
  if (found.length > 1) {
    throw invalid('target', target, `matches ${found.length} autoscalers (${found.map(m => `${m.object.kind} in ${m.file}`).join(', ')}): point --manifests at the files of one App`);
  }
  const { object, file } = found[0];
  const kind = object.kind as ReplayTarget['kind'];
  const deployment = scaleTarget(manifests, object, kind, namespace, name, file);
  const pool = derivePool(deployment);
  const { requests, partial } = podRequestsOf(deployment);
  return {
    kind, namespace, name, object, file,
    deployment,
    pool,
    podRequests: requests,
    partialRequests: partial,
    adapterRules: adapterRules(manifests),
    recordingRules: recordingRules(manifests),
    proxy: proxyOf(manifests, deployment, pool),
  };
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

/** The Deployment `scaleTargetRef` names (same file first, else the only one in the manifests). */
function scaleTarget(manifests: ReadonlyArray<LoadedManifest>, object: any, kind: string, namespace: string, name: string, file: string): any {
  const ref = object.spec?.scaleTargetRef;
  const where = `of ${kind} ${namespace}/${name} (${file})`;
  if (ref === null || typeof ref !== 'object' || typeof ref.name !== 'string') {
    throw invalid('spec.scaleTargetRef', ref, `${where} must name the Deployment it scales`);
  }
  // KEDA defaults scaleTargetRef.kind to Deployment (apps/v1); the HPA requires it.
  const refKind = ref.kind ?? (kind === 'ScaledObject' ? 'Deployment' : undefined);
  if (refKind === LWS_KIND) {
    throw invalid('spec.scaleTargetRef', ref, `${where} names a LeaderWorkerSet (a MultiNodeVllmPool, one group of pods per replica): the replay models a Deployment's pods, one pod per replica, so a multi-node pool cannot be replayed; replay the autoscaler of a VllmPool`);
  }
  if (refKind !== 'Deployment' || (ref.apiVersion !== undefined && ref.apiVersion !== 'apps/v1')) {
    throw invalid('spec.scaleTargetRef', ref, `${where} must name an apps/v1 Deployment: the replay models a Deployment's pods`);
  }
  const candidates = manifests.filter(m => m.object.kind === 'Deployment' && m.object.apiVersion === 'apps/v1'
    && namespaceOf(m.object) === namespace && m.object.metadata?.name === ref.name);
  const sameFile = candidates.filter(m => m.file === file);
  const chosen = sameFile.length > 0 ? sameFile : candidates;
  if (chosen.length === 0) {
    throw invalid('spec.scaleTargetRef.name', ref.name, `${where} names no Deployment in namespace ${namespace} of the manifests: the replay needs the pods' template (resources, vLLM arguments); include the file that defines it`);
  }
  if (chosen.length > 1) {
    throw invalid('spec.scaleTargetRef.name', ref.name, `${where} names ${chosen.length} Deployments (${chosen.map(m => m.file).join(', ')}): point --manifests at the files of one App`);
  }
  return chosen[0].object;
}

/** Extended resources of accelerators (lib/vllm/accelerator.ts). */
const ACCELERATOR_RESOURCE = /^(nvidia\.com\/gpu|nvidia\.com\/mig-.+|amd\.com\/gpu|aws\.amazon\.com\/neuron)$/;

/** The main container of a pod template: the one named `vllm`, else running a vLLM image, else the first. */
function mainContainer(deployment: any): any {
  const containers: any[] = Array.isArray(deployment?.spec?.template?.spec?.containers) ? deployment.spec.template.spec.containers : [];
  return containers.find(c => c?.name === 'vllm') ?? containers.find(c => typeof c?.image === 'string' && /vllm/i.test(c.image)) ?? containers[0];
}

/** `--flag value` or `--flag=value` in an argument list. */
function flagValue(args: string[], ...flags: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    for (const flag of flags) {
      if (args[i] === flag) return args[i + 1];
      if (args[i].startsWith(`${flag}=`)) return args[i].slice(flag.length + 1);
    }
  }
  return undefined;
}

function positiveInteger(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  const n = Number(value);
  return n > 0 ? n : undefined;
}

/**
 * vLLM's `--max-num-seqs` default for the OpenAI API server: 1024 on GPUs with at least
 * 70 GiB that are not an A100, else 256; on CPU 128 × world size (pipeline × tensor
 * parallel); never more than `--max-num-batched-tokens` when that is set
 * (vllm-project/vllm vllm/engine/arg_utils.py `EngineArgs._set_default_args` @99d7eb5d,
 * ~v0.11, FACTS §A.2). The file at the pinned v0.26.0 could not be read (not in the
 * searchable index, and the repository exceeds the fetch limit): unverified there. The
 * device memory is only known at run time: a GPU product of the pods' node affinity
 * (`nvidia.com/gpu.product`) naming an H100, H200, GH200, B100, B200 or GB200 part reads as
 * ≥ 70 GiB; any other GPU as the 256 branch.
 */
const VLLM_MAX_NUM_SEQS = { large: 1024, other: 256, cpuPerRank: 128 };
const LARGE_GPU_PRODUCT = /(^|[^A-Z0-9])(GH200|H100|H200|B100|B200|GB200)/i;

/** The pool a Deployment runs, with every parameter the manifests tell. @internal */
export function derivePool(deployment: any): ReplayPool {
  const labels = deployment?.spec?.template?.metadata?.labels ?? deployment?.metadata?.labels ?? {};
  const name = typeof labels['app.kubernetes.io/instance'] === 'string' ? labels['app.kubernetes.io/instance'] : String(deployment?.metadata?.name);
  const container = mainContainer(deployment) ?? {};
  const vllm = labels['app.kubernetes.io/name'] === 'vllm' || (typeof container.image === 'string' && /vllm/i.test(container.image));
  const params: { -readonly [K in keyof PoolModelParams]?: PoolModelParams[K] } = {};
  const sources: Record<string, string> = {};
  const args: string[] = [...(Array.isArray(container.command) ? container.command : []), ...(Array.isArray(container.args) ? container.args : [])].map(String);

  // Accelerators: the extended resources of every container (requests equal limits).
  let gpus = 0;
  for (const c of deployment?.spec?.template?.spec?.containers ?? []) {
    const res = { ...(c?.resources?.limits ?? {}), ...(c?.resources?.requests ?? {}) };
    for (const [key, value] of Object.entries(res)) {
      if (ACCELERATOR_RESOURCE.test(key)) gpus += quantity(value) ?? 0;
    }
  }
  params.gpusPerReplica = gpus;
  sources.gpusPerReplica = gpus > 0 ? 'the accelerator resources the pods request' : 'no accelerator resource requested';

  // Readiness: vLLM's engine-ready timeout (the pool renders maxModelLoadTime there), else
  // the startup probe's budget (initialDelaySeconds + failureThreshold × periodSeconds).
  const env: any[] = Array.isArray(container.env) ? container.env : [];
  const readyEnv = positiveInteger(env.find(e => e?.name === 'VLLM_ENGINE_READY_TIMEOUT_S')?.value);
  const probe = container.startupProbe;
  if (readyEnv !== undefined) {
    params.readySeconds = readyEnv;
    sources.readySeconds = 'VLLM_ENGINE_READY_TIMEOUT_S of the vLLM container (the pool\'s maxModelLoadTime)';
  } else if (probe && typeof probe === 'object') {
    // Kubernetes probe defaults: periodSeconds 10, failureThreshold 3, initialDelaySeconds 0.
    params.readySeconds = (Number(probe.initialDelaySeconds) || 0) + (Number(probe.failureThreshold) || 3) * (Number(probe.periodSeconds) || 10);
    sources.readySeconds = 'the startup probe budget (initialDelaySeconds + failureThreshold × periodSeconds)';
  }

  let modelName: string | undefined;
  if (vllm) {
    const tp = positiveInteger(flagValue(args, '--tensor-parallel-size', '-tp')) ?? 1;
    const pp = positiveInteger(flagValue(args, '--pipeline-parallel-size', '-pp')) ?? 1;
    const seqs = positiveInteger(flagValue(args, '--max-num-seqs'));
    const batchedTokens = humanReadableInt(flagValue(args, '--max-num-batched-tokens'));
    if (seqs !== undefined) {
      params.maxConcurrentRequests = seqs;
      sources.maxConcurrentRequests = '--max-num-seqs';
    } else {
      let value: number;
      let source: string;
      if (gpus === 0) {
        value = VLLM_MAX_NUM_SEQS.cpuPerRank * tp * pp;
        source = `vLLM's default --max-num-seqs on CPU: 128 × world size (${tp * pp})`;
      } else {
        const product = gpuProduct(deployment);
        const large = product !== undefined && LARGE_GPU_PRODUCT.test(product);
        value = large ? VLLM_MAX_NUM_SEQS.large : VLLM_MAX_NUM_SEQS.other;
        source = large
          ? `vLLM's default --max-num-seqs on a GPU of at least 70 GiB (${product}): 1024`
          : `vLLM's default --max-num-seqs: 256${product ? ` (${product})` : ' (GPU product unknown)'}`;
      }
      if (batchedTokens !== undefined && batchedTokens < value) {
        value = batchedTokens;
        source += `, capped at --max-num-batched-tokens ${batchedTokens}`;
      }
      params.maxConcurrentRequests = value;
      sources.maxConcurrentRequests = source;
    }
    sources.tensorParallelSize = `--tensor-parallel-size ${tp}`;
    const served = flagValue(args, '--served-model-name');
    modelName = served ?? modelArgument(args);
  }
  return { name, params, vllm, modelName, sources };
}

/** vLLM's human_readable_int (arg_utils.py @99d7eb5d): `2048`, `8k` (10^3), `8K` (2^10), `1m`, `1M`, `1g`, `1G`. */
function humanReadableInt(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)([kKmMgG])?$/.exec(value.trim());
  if (!m) return undefined;
  const mult: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 };
  const n = Math.floor(Number(m[1]) * (m[2] ? mult[m[2]] : 1));
  return n > 0 ? n : undefined;
}

/** The model argument: the first positional argument (after `serve` when the command is `vllm serve`). */
function modelArgument(args: string[]): string | undefined {
  const serve = args.indexOf('serve');
  const rest = serve >= 0 ? args.slice(serve + 1) : args;
  const model = flagValue(rest, '--model') ?? rest.find(a => !a.startsWith('-') && !/^(vllm|python3?|-m)$/.test(a));
  return model;
}

function gpuProduct(deployment: any): string | undefined {
  const terms: any[] = deployment?.spec?.template?.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const e of term?.matchExpressions ?? []) {
      if (e?.key === 'nvidia.com/gpu.product' && Array.isArray(e.values) && e.values.length > 0) return String(e.values[0]);
    }
  }
  const selector = deployment?.spec?.template?.spec?.nodeSelector?.['nvidia.com/gpu.product'];
  return typeof selector === 'string' ? selector : undefined;
}

/** Pod requests summed over containers (the HPA controller's calculatePodRequests). */
function podRequestsOf(deployment: any): { requests: Record<string, number>; partial: Record<string, string> } {
  const containers: any[] = deployment?.spec?.template?.spec?.containers ?? [];
  const sums: Record<string, number> = {};
  const counts: Record<string, number> = {};
  for (const c of containers) {
    for (const [key, value] of Object.entries(c?.resources?.requests ?? {})) {
      const q = quantity(value);
      if (q === undefined) continue;
      sums[key] = (sums[key] ?? 0) + q;
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  const requests: Record<string, number> = {};
  const partial: Record<string, string> = {};
  for (const key of Object.keys(sums)) {
    if (counts[key] === containers.length) {
      requests[key] = sums[key];
    } else {
      const missing = containers.find(c => c?.resources?.requests?.[key] === undefined);
      partial[key] = String(missing?.name);
    }
  }
  return { requests, partial };
}

/** A Kubernetes quantity in base units (hpa-controller.ts `parseQuantity`), or undefined when it is not one. */
function quantity(value: unknown): number | undefined {
  try {
    return parseQuantity('quantity', value);
  } catch {
    return undefined;
  }
}

/** Every prometheus-adapter rule of the manifests' ConfigMaps (any data key whose YAML has `rules` or `externalRules` of discovery rules). */
function adapterRules(manifests: ReadonlyArray<LoadedManifest>): AdapterRule[] {
  const out: AdapterRule[] = [];
  for (const { object, file } of manifests) {
    if (object.kind !== 'ConfigMap' || object.apiVersion !== 'v1' || object.data === null || typeof object.data !== 'object') continue;
    for (const text of Object.values(object.data)) {
      if (typeof text !== 'string' || !/metricsQuery|seriesQuery/.test(text)) continue;
      let config: any;
      try {
        config = yaml().parse(text);
      } catch {
        continue;
      }
      if (config === null || typeof config !== 'object') continue;
      for (const list of ['rules', 'externalRules'] as const) {
        if (!Array.isArray(config[list])) continue;
        config[list].forEach((rule: any, index: number) => {
          if (rule !== null && typeof rule === 'object' && typeof rule.seriesQuery === 'string') {
            out.push({ list, rule, index, configMap: `${namespaceOf(object)}/${object.metadata?.name}`, file });
          }
        });
      }
    }
  }
  return out;
}

/**
 * Every recording rule of the manifests' PrometheusRule objects (prometheus-operator
 * monitoring.coreos.com/v1 PrometheusRuleSpec: `groups[].rules[]`, a Rule with `record`, `expr`
 * and optional `labels`); alerting rules and malformed entries are skipped (promtool checks them).
 * `file` reads `<file> (PrometheusRule <namespace>/<name>)`.
 */
function recordingRules(manifests: ReadonlyArray<LoadedManifest>): ReplayRecordingRule[] {
  const out: ReplayRecordingRule[] = [];
  for (const { object, file } of manifests) {
    if (object.kind !== 'PrometheusRule' || object.apiVersion !== 'monitoring.coreos.com/v1') continue;
    const groups = object.spec?.groups;
    if (!Array.isArray(groups)) continue;
    const where = `${file} (PrometheusRule ${namespaceOf(object)}/${object.metadata?.name})`;
    for (const group of groups) {
      if (!Array.isArray(group?.rules)) continue;
      for (const rule of group.rules) {
        if (rule === null || typeof rule !== 'object' || typeof rule.record !== 'string') continue;
        // The operator's Rule.expr is an IntOrString: a bare number is a valid expression.
        const expr = typeof rule.expr === 'number' ? String(rule.expr) : rule.expr;
        if (typeof expr !== 'string') continue;
        const labels: Record<string, string> = {};
        if (rule.labels !== null && typeof rule.labels === 'object') {
          for (const [k, v] of Object.entries(rule.labels)) labels[k] = String(v);
        }
        out.push({ record: rule.record, expr, labels, file: where });
      }
    }
  }
  return out;
}

/**
 * The LiteLLM proxy routing to the pool: a ConfigMap whose config.yaml `model_list` has an
 * `api_base` on a Service selecting the pool's pods (`http://<service>.<namespace>.svc…`).
 */
function proxyOf(manifests: ReadonlyArray<LoadedManifest>, deployment: any, pool: ReplayPool | undefined): ReplayProxy | undefined {
  if (!pool?.vllm) return undefined;
  const ns = namespaceOf(deployment);
  const podLabels: Record<string, string> = deployment?.spec?.template?.metadata?.labels ?? {};
  const services = manifests.filter(m => m.object.kind === 'Service' && namespaceOf(m.object) === ns
    && m.object.spec?.selector && typeof m.object.spec.selector === 'object' && Object.keys(m.object.spec.selector).length > 0
    && Object.entries(m.object.spec.selector).every(([k, v]) => podLabels[k] === v))
    .map(m => String(m.object.metadata?.name));
  if (services.length === 0) return undefined;
  for (const { object } of manifests) {
    if (object.kind !== 'ConfigMap' || object.data === null || typeof object.data !== 'object') continue;
    for (const text of Object.values(object.data)) {
      if (typeof text !== 'string' || !text.includes('model_list')) continue;
      let config: any;
      try {
        config = yaml().parse(text);
      } catch {
        continue;
      }
      const groups = (Array.isArray(config?.model_list) ? config.model_list : []).filter((entry: any) => {
        const base = entry?.litellm_params?.api_base;
        if (typeof base !== 'string') return false;
        const host = /^https?:\/\/([^/:]+)/.exec(base)?.[1] ?? '';
        return services.some(s => host === s || host.startsWith(`${s}.${ns}.`) || host === `${s}.${ns}`);
      }).map((entry: any) => String(entry.model_name));
      if (groups.length > 0) return { namespace: namespaceOf(object), modelGroups: unique(groups) };
    }
  }
  return undefined;
}
