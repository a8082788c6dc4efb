import { MetricReading } from './hpa-controller';
import { TriggerReading } from './keda-controller';
import { PoolSnapshot } from './pool-model';
import { EvaluateOptions, MODEL_SERIES_NAMES, VectorSample, checkQuery, evaluateVector, modelPodLabel } from './_promql-eval';
import { AdapterRule, ReplayTarget } from './manifests';
import { formatValue, invalid } from '../core/_validation';

/** How each HPA metric / KEDA trigger of the target reads the pool model. */
export interface SignalReader {
  /** HPA: index-aligned with spec.metrics; KEDA: index-aligned with triggers. */
  read(index: number, snapshot: PoolSnapshot, history: ReadonlyArray<PoolSnapshot>): MetricReading | TriggerReading;
  /** Per index: the query or metric it reads, and whether the model can produce it. */
  readonly describe: ReadonlyArray<SignalDescription>;
}

/** What one metric or trigger reads. */
export interface SignalDescription {
  /** Its index in spec.metrics (HPA) or spec.triggers (KEDA). */
  readonly index: number;
  /** The query or metric it reads, in words. */
  readonly source: string;
  /** Whether the pool model produces it. */
  readonly supported: boolean;
  /** Why not, when not supported; an assumption worth knowing otherwise. @default - none */
  readonly why?: string;
}

/** Options of the signal readers: assumptions for what the pool model does not produce. */
export interface SignalOptions {
  /**
   * Memory usage per pod as a fraction of its memory request. Memory does not follow load in
   * the model: it reads this constant, so a memory target above it never scales up and never
   * holds a scale-down.
   * @default 0.5
   */
  readonly memoryFractionOfRequest?: number;
}

type Read = (snapshot: PoolSnapshot, history: ReadonlyArray<PoolSnapshot>) => MetricReading | TriggerReading;
interface Signal { readonly description: SignalDescription; readonly read: Read }

/** The labels and options the model's series carry for this target. */
interface SeriesContext {
  readonly poolLabels: Record<string, string>;
  readonly options: EvaluateOptions;
  readonly namespace: string;
  readonly deployment: string;
}

/**
 * The API server's default for an autoscaling/v2 HPA without `spec.metrics`: CPU at 80 %
 * (k8s.io/kubernetes pkg/apis/autoscaling/v2/defaults.go SetDefaults_HorizontalPodAutoscaler,
 * DefaultCPUUtilization = 80).
 */
const DEFAULT_HPA_METRICS = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];

/**
 * Reads the metrics of an autoscaling/v2 HorizontalPodAutoscaler target from the pool model:
 * - `Resource` cpu / memory (and `ContainerResource` of the main container): per-pod usage
 *   as metrics-server reports it for running pods, cpu from the model, memory a constant
 *   fraction of the request (`options.memoryFractionOfRequest`);
 * - `Pods`, `Object`, `External`: the prometheus-adapter rule of the manifests serving that
 *   name, its `metricsQuery` filled the way the adapter fills it (`<<.Series>>`,
 *   `<<.LabelMatchers>>`, `<<.GroupBy>>`: kubernetes-sigs/prometheus-adapter
 *   pkg/naming/metrics_query.go @v0.12.0 72575a71, `Build` and `BuildExternal`) and evaluated
 *   over the model, values in milli precision as the adapter serves them (NaN as 0,
 *   pkg/custom-provider/provider.go `metricFor`).
 * What the model cannot produce reads as an error with the reason, and `describe` says why.
 */
export function hpaSignalReader(target: ReplayTarget, options: SignalOptions = {}): SignalReader {
  requireTarget(target, 'HorizontalPodAutoscaler', 'kedaSignalReader()');
  const fraction = memoryFraction(options);
  const ctx = seriesContext(target);
  const specMetrics = target.object?.spec?.metrics;
  const defaulted = specMetrics === undefined || specMetrics === null || (Array.isArray(specMetrics) && specMetrics.length === 0);
  if (!defaulted && !Array.isArray(specMetrics)) throw invalid('spec.metrics', specMetrics, `of HorizontalPodAutoscaler ${target.namespace}/${target.name} must be a list of metric specs`);
  const metrics: any[] = defaulted ? DEFAULT_HPA_METRICS : specMetrics;
  const signals = metrics.map((metric, index): Signal => {
    const signal = hpaMetricSignal(target, ctx, metric, index, fraction);
    return defaulted ? { ...signal, description: { ...signal.description, why: 'spec.metrics is omitted: the API server defaults it to CPU at 80 % utilization' } } : signal;
  });
  return readerOf(signals);
}

/**
 * Reads the triggers of a KEDA ScaledObject target from the pool model: `prometheus`
 * triggers evaluate their query (empty or ±Inf → `empty`, which KEDA's `ignoreNullValues`
 * decides; several elements → KEDA's error; kedacore/keda pkg/scalers/prometheus_scaler.go
 * @v2.18.3 0f98c477 `ExecutePromQuery`), `cpu` / `memory` read the pods like an HPA
 * Resource metric, `cron` is the KEDA simulation's (never read here), any other type reads
 * as an error: not modelled.
 */
export function kedaSignalReader(target: ReplayTarget, options: SignalOptions = {}): SignalReader {
  requireTarget(target, 'ScaledObject', 'hpaSignalReader()');
  const fraction = memoryFraction(options);
  const ctx = seriesContext(target);
  const triggers = target.object?.spec?.triggers;
  if (!Array.isArray(triggers)) throw invalid('spec.triggers', triggers, `of ScaledObject ${target.namespace}/${target.name} must be a list of triggers`);
  return readerOf(triggers.map((trigger, index) => kedaTriggerSignal(target, ctx, trigger, index, fraction)));
}

function readerOf(signals: Signal[]): SignalReader {
  return {
    describe: signals.map(s => s.description),
    read: (index, snapshot, history) => {
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= signals.length) {
        throw invalid('index', index, `must be a whole number from 0 to ${signals.length - 1}`);
      }
      return signals[index].read(snapshot, history);
    },
  };
}

function requireTarget(target: ReplayTarget, kind: ReplayTarget['kind'], other: string): void {
  if (target === null || typeof target !== 'object' || typeof target.kind !== 'string' || target.deployment === null || typeof target.deployment !== 'object') {
    throw invalid('target', target, 'must be a ReplayTarget (resolveTarget())');
  }
  if (target.kind !== kind) throw invalid('target.kind', target.kind, `must be ${kind}; read a ${target.kind} with ${other}`);
}

function memoryFraction(options: SignalOptions): number {
  if (options === null || typeof options !== 'object') throw invalid('options', options, 'must be SignalOptions');
  const f = options.memoryFractionOfRequest ?? 0.5;
  if (typeof f !== 'number' || !Number.isFinite(f) || f < 0) throw invalid('memoryFractionOfRequest', f, 'must be a finite number greater than or equal to 0');
  return f;
}

function seriesContext(target: ReplayTarget): SeriesContext {
  const namespace = typeof target.deployment.metadata?.namespace === 'string' ? target.deployment.metadata.namespace : target.namespace;
  const deployment = String(target.deployment.metadata?.name);
  const poolLabels: Record<string, string> = { namespace, pool: target.pool?.name ?? deployment };
  if (target.pool?.modelName !== undefined) poolLabels.model_name = target.pool.modelName;
  return {
    poolLabels,
    namespace,
    deployment,
    options: { deployment, gpusPerPod: target.pool?.params.gpusPerReplica ?? 1, proxy: target.proxy, recordingRules: target.recordingRules },
  };
}

function unsupportedSignal(index: number, source: string, why: string): Signal {
  return { description: { index, source, supported: false, why }, read: () => ({ kind: 'error', reason: why }) };
}

// ---------------------------------------------------------------------------------------------
// Resource metrics (metrics-server).

/**
 * Per-pod usage of a resource as metrics-server reports it (running pods): cpu from the model,
 * memory a fraction of the request. undefined when the model cannot produce it (with why).
 */
function resourceUsage(target: ReplayTarget, resource: unknown, fraction: number, needsRequest: boolean, what: string): { read: (s: PoolSnapshot) => Record<string, number>; why?: string; note?: string } {
  if (resource !== 'cpu' && resource !== 'memory') {
    return { read: () => ({}), why: `${what} is not modelled: the model gives cpu and memory usage only` };
  }
  const partial = target.partialRequests[resource];
  if (needsRequest && partial !== undefined) {
    return { read: () => ({}), why: `missing request for ${resource} in container ${partial}: the HPA controller computes no utilization without it` };
  }
  const request = target.podRequests[resource];
  if (needsRequest && request === undefined) {
    return { read: () => ({}), why: `the pods request no ${resource}: the HPA controller computes no utilization without it` };
  }
  if (resource === 'memory') {
    if (request === undefined) return { read: () => ({}), why: 'memory usage is modelled as a fraction of the memory request, and the pods request no memory' };
    return {
      read: s => runningPods(s, () => request * fraction),
      note: `memory does not follow load in the model: it reads ${fraction} × the request (memoryFractionOfRequest)`,
    };
  }
  return { read: s => runningPods(s, name => s.perPod[name]?.cpuCores ?? 0) };
}

/** metrics-server reports running pods (ready or not); pending pods have no metrics yet. */
function runningPods(snapshot: PoolSnapshot, value: (name: string) => number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pod of snapshot.pods) if (pod.phase === 'Running') out[pod.name] = value(pod.name);
  return out;
}

// ---------------------------------------------------------------------------------------------
// HPA metrics.

function hpaMetricSignal(target: ReplayTarget, ctx: SeriesContext, metric: any, index: number, fraction: number): Signal {
  const type = metric?.type;
  switch (type) {
    case 'Resource':
    case 'ContainerResource': {
      const spec = type === 'Resource' ? metric.resource : metric.containerResource;
      const resource = spec?.name;
      const source = type === 'Resource' ? `Resource ${resource}` : `ContainerResource ${resource} of container ${spec?.container}`;
      if (type === 'ContainerResource') {
        const main = mainContainerName(target);
        if (spec?.container !== main) return unsupportedSignal(index, source, `the model gives the usage of the main container (${main}) only`);
      }
      const usage = resourceUsage(target, resource, fraction, spec?.target?.type === 'Utilization', source);
      if (usage.why) return unsupportedSignal(index, source, usage.why);
      return {
        description: { index, source, supported: true, why: usage.note },
        read: s => {
          const podMetrics = usage.read(s);
          // k8s.io/kubernetes pkg/controller/podautoscaler/metrics/client.go GetResourceMetric.
          if (Object.keys(podMetrics).length === 0) return { kind: 'error', reason: 'no metrics returned from resource metrics API' };
          return { kind: 'ok', podMetrics };
        },
      };
    }
    case 'Pods': {
      const name = metric.pods?.metric?.name;
      const source = `Pods metric ${formatValue(name)}`;
      const found = findRule(target, 'rules', name, 'pod');
      if ('why' in found) return unsupportedSignal(index, source, found.why);
      const selectorParts = metricSelectorParts(metric.pods?.metric?.selector);
      if ('why' in selectorParts) return unsupportedSignal(index, source, selectorParts.why);
      const { rule, series, resourceLabel, namespaceLabel } = found;
      return {
        description: { index, source: `${source}: ${ruleText(rule)}`, supported: true },
        read: (s, history) => {
          // The adapter lists every pod the HPA's selector matches (pending ones too).
          const byLabel = new Map(s.pods.map(p => [modelPodLabel(p.name, ctx.deployment), p.name]));
          const names = [...byLabel.keys()];
          // k8s.io/kubernetes pkg/controller/podautoscaler/metrics/client.go GetRawMetric.
          if (names.length === 0) return { kind: 'error', reason: 'no metrics returned from custom metrics API' };
          const matchers = [...selectorParts.parts, `${namespaceLabel}=${JSON.stringify(ctx.namespace)}`,
            names.length > 1 ? `${resourceLabel}=~${JSON.stringify(names.join('|'))}` : `${resourceLabel}=${JSON.stringify(names[0])}`];
          const query = fillTemplate(String(rule.rule.metricsQuery), series, matchers.join(','), resourceLabel);
          const samples = evaluateSafely(query, s, history, ctx);
          if ('error' in samples) return { kind: 'error', reason: samples.error };
          const podMetrics: Record<string, number> = {};
          for (const sample of samples) {
            const pod = byLabel.get(sample.labels[resourceLabel] ?? '');
            if (pod !== undefined) podMetrics[pod] = servedValue(sample.value);
          }
          if (Object.keys(podMetrics).length === 0) return { kind: 'error', reason: 'no metrics returned from custom metrics API' };
          return { kind: 'ok', podMetrics };
        },
      };
    }
    case 'Object': {
      const name = metric.object?.metric?.name;
      const described = metric.object?.describedObject;
      const source = `Object metric ${formatValue(name)} of ${described?.kind} ${described?.name}`;
      const group = typeof described?.apiVersion === 'string' && described.apiVersion.includes('/') ? described.apiVersion.split('/')[0] : '';
      const found = findRule(target, 'rules', name, String(described?.kind ?? '').toLowerCase(), group);
      if ('why' in found) return unsupportedSignal(index, source, found.why);
      const selectorParts = metricSelectorParts(metric.object?.metric?.selector);
      if ('why' in selectorParts) return unsupportedSignal(index, source, selectorParts.why);
      const { rule, series, resourceLabel, namespaceLabel } = found;
      const objectName = String(described?.name);
      const query = fillTemplate(String(rule.rule.metricsQuery), series,
        [...selectorParts.parts, `${namespaceLabel}=${JSON.stringify(ctx.namespace)}`, `${resourceLabel}=${JSON.stringify(objectName)}`].join(','), resourceLabel);
      return {
        description: { index, source: `${source}: ${ruleText(rule)}`, supported: true },
        read: (s, history) => {
          const samples = evaluateSafely(query, s, history, ctx);
          if ('error' in samples) return { kind: 'error', reason: samples.error };
          const sample = samples.find(x => x.labels[resourceLabel] === objectName);
          // prometheus-adapter pkg/custom-provider/provider.go GetMetricByName: no value → metric not found.
          if (!sample) return { kind: 'error', reason: `the server could not find the metric ${name} for ${String(described?.kind).toLowerCase()} ${objectName}` };
          return { kind: 'ok', value: servedValue(sample.value) };
        },
      };
    }
    case 'External': {
      const name = metric.external?.metric?.name;
      const source = `External metric ${formatValue(name)}`;
      const found = findRule(target, 'externalRules', name, undefined);
      if ('why' in found) return unsupportedSignal(index, source, found.why);
      const selectorParts = metricSelectorParts(metric.external?.metric?.selector);
      if ('why' in selectorParts) return unsupportedSignal(index, source, selectorParts.why);
      const { rule, series, namespaceLabel } = found;
      const namespaced = (rule.rule.resources as any)?.namespaced !== false;
      const query = fillTemplate(String(rule.rule.metricsQuery), series,
        [...selectorParts.parts, ...(namespaced ? [`${namespaceLabel}=${JSON.stringify(ctx.namespace)}`] : [])].join(','), '');
      return {
        description: { index, source: `${source}: ${ruleText(rule)}`, supported: true },
        read: (s, history) => {
          const samples = evaluateSafely(query, s, history, ctx);
          if ('error' in samples) return { kind: 'error', reason: samples.error };
          // k8s.io/kubernetes pkg/controller/podautoscaler/metrics/client.go GetExternalMetric.
          if (samples.length === 0) return { kind: 'error', reason: 'no metrics returned from external metrics API' };
          return { kind: 'ok', values: samples.map(x => servedValue(x.value)) };
        },
      };
    }
    default:
      return unsupportedSignal(index, `metric type ${formatValue(type)}`, `metric type ${formatValue(type)} is not one of Resource, ContainerResource, Pods, Object, External`);
  }
}

function mainContainerName(target: ReplayTarget): string | undefined {
  const containers: any[] = target.deployment.spec?.template?.spec?.containers ?? [];
  return (containers.find(c => c?.name === 'vllm') ?? containers.find(c => typeof c?.image === 'string' && /vllm/i.test(c.image)) ?? containers[0])?.name;
}

/** A value as the adapter serves it: a milli-quantity (truncated), NaN as 0. */
function servedValue(value: number): number {
  if (Number.isNaN(value)) return 0;
  return Math.trunc(value * 1000) / 1000;
}

function ruleText(rule: AdapterRule): string {
  return `prometheus-adapter ${rule.list}[${rule.index}] of ConfigMap ${rule.configMap} (${rule.file}): ${String(rule.rule.metricsQuery)}`;
}

function evaluateSafely(query: string, s: PoolSnapshot, history: ReadonlyArray<PoolSnapshot>, ctx: SeriesContext): VectorSample[] | { error: string } {
  try {
    return evaluateVector(query, s, history, ctx.poolLabels, ctx.options);
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * The metricsQuery template filled like prometheus-adapter's Go template (delimiters `<<` `>>`).
 * Only `.Series`, `.LabelMatchers` and `.GroupBy` are supported (`findRule` refuses the rest).
 */
function fillTemplate(template: string, series: string, matchers: string, groupBy: string): string {
  return template
    .replace(/<<-?\s*\.Series\s*-?>>/g, series)
    .replace(/<<-?\s*\.LabelMatchers\s*-?>>/g, matchers)
    .replace(/<<-?\s*\.GroupBy\s*-?>>/g, groupBy);
}

type FoundRule = { rule: AdapterRule; series: string; resourceLabel: string; namespaceLabel: string } | { why: string };

/**
 * The adapter rule serving `name`: its `name.as` expanded over a series its `seriesQuery`
 * selects and its `name.matches` matches (pkg/naming/metric_namer.go: `as` defaults to `$0`,
 * or `$1` with one capture group). Rules of the target's file first.
 */
function findRule(target: ReplayTarget, list: AdapterRule['list'], name: unknown, resource: string | undefined, group = ''): FoundRule {
  const api = list === 'rules' ? 'custom' : 'external';
  if (typeof name !== 'string' || name === '') return { why: `the metric has no name (${formatValue(name)})` };
  const rules = target.adapterRules.filter(r => r.list === list);
  const matching: Array<{ rule: AdapterRule; series: string }> = [];
  for (const rule of rules) {
    for (const series of seriesNames(rule, target)) {
      if (servedName(rule, series) === name) {
        matching.push({ rule, series });
        break;
      }
    }
  }
  if (matching.length === 0) {
    const served = unique(rules.flatMap(r => seriesNames(r, target).map(s => servedName(r, s)).filter((s): s is string => s !== undefined)));
    return { why: `no prometheus-adapter rule (${list}) in the manifests serves the ${api} metric ${name} (${served.length > 0 ? `served: ${served.join(', ')}` : `the manifests hold no ${list}`})` };
  }
  const chosen = matching.find(m => m.rule.file === target.file) ?? matching[0];
  const overrides = (chosen.rule.rule.resources as any)?.overrides;
  if ((chosen.rule.rule.resources as any)?.template !== undefined) {
    return { why: `${ruleText(chosen.rule)} maps resources with a template; the replay reads overrides only` };
  }
  const labelFor = (res: string, grp: string): string | undefined => {
    if (overrides === null || typeof overrides !== 'object') return undefined;
    return Object.keys(overrides).find(l => overrides[l]?.resource === res && (overrides[l]?.group ?? '') === grp);
  };
  const namespaceLabel = labelFor('namespace', '');
  if (namespaceLabel === undefined) return { why: `${ruleText(chosen.rule)} maps no label to the namespace resource` };
  let resourceLabel = '';
  if (resource !== undefined) {
    const label = labelFor(resource, group);
    if (label === undefined) return { why: `${ruleText(chosen.rule)} maps no label to the ${resource} resource` };
    resourceLabel = label;
  }
  const leftover = String(chosen.rule.rule.metricsQuery).replace(/<<-?\s*\.(Series|LabelMatchers|GroupBy)\s*-?>>/g, '');
  if (typeof chosen.rule.rule.metricsQuery !== 'string' || leftover.includes('<<')) {
    return { why: `${ruleText(chosen.rule)} uses template fields other than .Series, .LabelMatchers and .GroupBy` };
  }
  try {
    checkQuery(fillTemplate(String(chosen.rule.rule.metricsQuery), chosen.series, `${namespaceLabel}="x"`, resourceLabel || 'namespace'), target.recordingRules);
  } catch (e) {
    return { why: `${ruleText(chosen.rule)} cannot be evaluated over the model: ${(e as Error).message}` };
  }
  return { rule: chosen.rule, series: chosen.series, resourceLabel, namespaceLabel };
}

/** The series names a rule's seriesQuery selects: its `__name__="..."`, its leading name, or model and recorded series matching `__name__=~"..."`. */
function seriesNames(rule: AdapterRule, target: ReplayTarget): string[] {
  const q = typeof rule.rule.seriesQuery === 'string' ? rule.rule.seriesQuery : '';
  const eq = /__name__\s*=\s*"([^"]+)"/.exec(q)?.[1] ?? /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{|$)/.exec(q)?.[1];
  if (eq !== undefined) return [eq];
  const re = /__name__\s*=~\s*"([^"]+)"/.exec(q)?.[1];
  if (re === undefined) return [];
  try {
    const regex = new RegExp(`^(?:${re})$`);
    return unique([...MODEL_SERIES_NAMES, ...(target.recordingRules ?? []).map(r => r.record)]).filter(n => regex.test(n));
  } catch {
    return [];
  }
}

/** The name a rule serves for a series (Go regexp ExpandString of `name.as`), or undefined when `name.matches` does not match. */
function servedName(rule: AdapterRule, series: string): string | undefined {
  const nameSpec = (rule.rule.name ?? {}) as { matches?: unknown; as?: unknown };
  let regex: RegExp;
  try {
    regex = new RegExp(typeof nameSpec.matches === 'string' && nameSpec.matches !== '' ? nameSpec.matches : '.*');
  } catch {
    return undefined;
  }
  const m = regex.exec(series);
  if (!m) return undefined;
  const groups = m.length - 1;
  const as = typeof nameSpec.as === 'string' && nameSpec.as !== '' ? nameSpec.as : groups === 0 ? '$0' : groups === 1 ? '$1' : undefined;
  if (as === undefined) return undefined;
  return as.replace(/\$(\d+)|\$\{(\w+)\}/g, (_, n: string | undefined, braced: string | undefined) => {
    const key = n ?? braced!;
    const value = /^\d+$/.test(key) ? m[Number(key)] : m.groups?.[key];
    return value ?? '';
  });
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

/**
 * The HPA metric selector as prometheus-adapter's query parts (pkg/naming/metrics_query.go
 * `processQueryParts`: one value `=`/`!=`, several `=~`/`!~` joined by `|`, exists `!=""`).
 */
function metricSelectorParts(selector: any): { parts: string[] } | { why: string } {
  if (selector === undefined || selector === null) return { parts: [] };
  const parts: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) parts.push([k, `${k}=${JSON.stringify(String(v))}`]);
  for (const e of selector.matchExpressions ?? []) {
    const values: string[] = Array.isArray(e?.values) ? e.values.map(String).sort() : [];
    switch (e?.operator) {
      case 'In': parts.push([e.key, `${e.key}=~${JSON.stringify(values.join('|'))}`]); break;
      case 'NotIn': parts.push([e.key, `${e.key}!~${JSON.stringify(values.join('|'))}`]); break;
      case 'Exists': parts.push([e.key, `${e.key}!=""`]); break;
      case 'DoesNotExist': parts.push([e.key, `${e.key}=""`]); break;
      default: return { why: `the metric selector's operator ${formatValue(e?.operator)} is not In, NotIn, Exists or DoesNotExist` };
    }
  }
  // labels.Selector keeps its requirements sorted by key.
  return { parts: parts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(p => p[1]) };
}

// ---------------------------------------------------------------------------------------------
// KEDA triggers.

function kedaTriggerSignal(target: ReplayTarget, ctx: SeriesContext, trigger: any, index: number, fraction: number): Signal {
  const type = trigger?.type;
  const metadata = trigger?.metadata ?? {};
  switch (type) {
    case 'prometheus': {
      const query = metadata.query;
      const source = `prometheus: ${typeof query === 'string' ? query : formatValue(query)}`;
      if (typeof query !== 'string' || query.trim() === '') return unsupportedSignal(index, source, 'the prometheus trigger has no metadata.query');
      try {
        checkQuery(query, target.recordingRules);
      } catch (e) {
        return unsupportedSignal(index, source, (e as Error).message);
      }
      return {
        description: { index, source, supported: true },
        read: (s, history) => {
          const samples = evaluateSafely(query, s, history, ctx);
          if ('error' in samples) return { kind: 'error', reason: samples.error };
          // kedacore/keda pkg/scalers/prometheus_scaler.go @v2.18.3 ExecutePromQuery: an empty
          // result and ±Inf are ignoreNullValues' business (0 or an error), several elements fail.
          if (samples.length === 0) return { kind: 'empty' };
          if (samples.length > 1) return { kind: 'error', reason: `prometheus query ${query} returned multiple elements` };
          const value = samples[0].value;
          if (value === Infinity || value === -Infinity) return { kind: 'empty' };
          if (Number.isNaN(value)) return { kind: 'error', reason: `prometheus query ${query} returned NaN: KEDA hands NaN to the HPA as an undefined quantity, which the replay does not model` };
          return { kind: 'ok', value };
        },
      };
    }
    case 'cpu':
    case 'memory': {
      const container = metadata.containerName;
      const source = container ? `${type} of container ${container}` : type;
      if (container !== undefined && container !== mainContainerName(target)) {
        return unsupportedSignal(index, source, `the model gives the usage of the main container (${mainContainerName(target)}) only`);
      }
      // The trigger's metricType (Utilization by default, or AverageValue); metadata.type is the older spelling.
      const utilization = (trigger.metricType ?? metadata.type ?? 'Utilization') === 'Utilization';
      const usage = resourceUsage(target, type, fraction, utilization, `the ${type} trigger`);
      if (usage.why) return unsupportedSignal(index, source, usage.why);
      return { description: { index, source, supported: true, why: usage.note }, read: s => ({ kind: 'pods', podMetrics: usage.read(s) }) };
    }
    case 'cron': {
      const source = `cron ${metadata.start ?? '?'} to ${metadata.end ?? '?'} (${metadata.timezone ?? '?'}): ${metadata.desiredReplicas ?? '?'} replicas`;
      return {
        description: { index, source, supported: true, why: 'evaluated by the KEDA simulation from the trace\'s start time' },
        read: () => ({ kind: 'error', reason: 'a cron trigger is evaluated by the KEDA simulation, not read from the model' }),
      };
    }
    default:
      return unsupportedSignal(index, `${formatValue(type)} trigger`,
        `trigger type ${formatValue(type)} is not modelled: the pool model produces Prometheus series (prometheus triggers), cpu and memory`);
  }
}
