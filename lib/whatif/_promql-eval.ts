import { parser } from '@prometheus-io/lezer-promql';
import { PoolSnapshot } from './pool-model';
import { invalid } from '../core/_validation';
import { DcgmMetrics, LiteLLMMetrics, MetricDefinition, VllmMetrics } from '../metrics/catalog';
import { promqlSyntaxError } from '../metrics/promql';

/**
 * A tiny PromQL evaluator over the what-if pool model: enough for the queries the library
 * emits (KEDA prometheus triggers, prometheus-adapter metricsQuery templates once filled),
 * nothing more, and a clear error on anything else.
 *
 * The model's series (names from lib/metrics/catalog.ts):
 * - vLLM, per ready pod (and per pod still draining after it was ready), labelled
 *   `namespace`, `pool`, `model_name` (and any other `poolLabels`), `pod`, `engine="0"`:
 *   `vllm:num_requests_running` / `_waiting`, `vllm:kv_cache_usage_perc` (gauges);
 *   `vllm:request_success_total`, `vllm:prompt_tokens_total`, `vllm:generation_tokens_total`
 *   (counters: the model gives their per-second rate); the buckets of
 *   `vllm:time_to_first_token_seconds` (quantiles 0.5, 0.95, 0.99) and
 *   `vllm:e2e_request_latency_seconds` (0.95), the pool's quantiles seen by every serving pod.
 * - DCGM, per running pod (loading ones too) and per GPU (`gpu="0"`…), labelled `namespace`, `pod`, `gpu`:
 *   `DCGM_FI_DEV_GPU_UTIL` (0–100), `DCGM_FI_PROF_GR_ENGINE_ACTIVE` (0–1).
 * - LiteLLM (only with `options.proxy`), per model group routed to the pool, labelled
 *   `namespace` (the proxy's) and `requested_model`: `litellm_proxy_total_requests_metric_total`
 *   (the arrivals, split evenly over the groups), `litellm_in_flight_requests` (waiting + running),
 *   buckets of `litellm_request_total_latency_metric` (0.95: the pool's end-to-end p95).
 * - Recorded series (`options.recordingRules`, the manifests' PrometheusRule `record:` entries):
 *   as Prometheus records them, the rule's `expr` evaluated at the time of the snapshot read,
 *   each element named `record` with the rule's static `labels` over its own (an empty one
 *   removes the label; prometheus/prometheus rules/recording.go RecordingRule.Eval), then filtered by the selector's matchers; a rule may read another
 *   recorded series, a cycle is an error naming the rules. Rule expressions are compiled once
 *   per rules array and their results cached per snapshot like selections.
 *
 * Time: `t` of the snapshots (seconds since the trace start). An instant selector reads the
 * latest snapshot at or before the evaluation time within Prometheus' 5-minute lookback;
 * `rate()`/`irate()`/`increase()` read the snapshots in the window `(t - range, t]` and need
 * two of them (Prometheus needs two samples); subqueries step at multiples of their step
 * (Prometheus aligns them to the epoch, the model to the trace start).
 */

/** Options of `evaluateQuery`: how the model's series are labelled beyond `poolLabels`. */
export interface EvaluateOptions {
  /** GPUs per pod: one DCGM series each. @default 1 */
  readonly gpusPerPod?: number;
  /** The Deployment's name: pod labels read `<deployment>-<hash>-<suffix>` like ReplicaSet pods. @default - the model's pod names as they are */
  readonly deployment?: string;
  /** The LiteLLM proxy's namespace and the model groups routed to the pool (labels of the proxy's series). @default - no proxy series */
  readonly proxy?: { readonly namespace: string; readonly modelGroups: readonly string[] };
  /**
   * Prometheus recording rules (of the manifests' PrometheusRule objects): a selector of a
   * series one of them records reads the result of its `expr`, evaluated over the model at the
   * time of the snapshot read, with its static `labels` added, as Prometheus records it
   * (rules/recording.go ReplayRecordingRule.Eval: the result named `record`, `labels` overriding).
   * Several rules recording one name add up to one series set (one rule per pool).
   * Treated as immutable: compiled once per array.
   * @default - none: a series the model does not produce is an error
   */
  readonly recordingRules?: readonly ReplayRecordingRule[];
}

/** One `record:` rule of a PrometheusRule (monitoring.coreos.com/v1 spec.groups[].rules[]). */
export interface ReplayRecordingRule {
  /** The recorded series name. */
  readonly record: string;
  /** Its PromQL expression. */
  readonly expr: string;
  /** Static labels added to every result element (overriding the expression's). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Where it came from, for messages: the file (and PrometheusRule). @default - unnamed */
  readonly file?: string;
}

type Labels = Record<string, string>;
type PerPod = PoolSnapshot['perPod'][string];

/** A histogram's buckets over a window: quantiles known to the model, weighted by the rate of requests. */
interface Hist { readonly metric: string; readonly quantiles: Readonly<Record<string, number>> }
interface Sample { readonly labels: Labels; readonly value: number; readonly hist?: Hist }
interface Series { readonly labels: Labels; readonly points: Array<{ t: number; value: number; hist?: Hist }> }

type Value =
  | { readonly kind: 'scalar'; readonly value: number }
  | { readonly kind: 'vector'; readonly samples: Sample[] }
  | { readonly kind: 'matrix'; readonly series: Series[]; readonly range: number };

interface Matcher { readonly label: string; readonly op: '=' | '!=' | '=~' | '!~'; readonly value: string; readonly re?: RegExp }
type Node =
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'selector'; readonly name: string; readonly matchers: Matcher[]; readonly recorded?: readonly CompiledRule[] }
  | { readonly type: 'matrix'; readonly selector: Extract<Node, { type: 'selector' }>; readonly range: number }
  | { readonly type: 'subquery'; readonly expr: Node; readonly range: number; readonly step: number }
  | { readonly type: 'call'; readonly fn: string; readonly args: Node[] }
  | { readonly type: 'agg'; readonly op: string; readonly by?: string[]; readonly without?: string[]; readonly expr: Node }
  | { readonly type: 'binary'; readonly op: string; readonly bool: boolean; readonly lhs: Node; readonly rhs: Node }
  | { readonly type: 'unary'; readonly op: string; readonly expr: Node };

/** A recording rule compiled: its expression's tree (checked like a query). */
interface CompiledRule { readonly rule: ReplayRecordingRule; readonly node: Node; readonly labels: Labels }
/** The recording rules of one `options.recordingRules` array, compiled lazily, with the queries compiled against them. */
interface RuleSet {
  readonly byName: ReadonlyMap<string, readonly ReplayRecordingRule[]>;
  readonly rules: Map<ReplayRecordingRule, CompiledRule | Error>;
  readonly queries: Map<string, Node | Error>;
  /** The rules being compiled, outermost first (a rule met again is a cycle). */
  readonly compiling: ReplayRecordingRule[];
}

type Family = 'vllm' | 'dcgm' | 'litellm';
/** How the model produces one series name. */
interface ModelSeries {
  readonly family: Family;
  readonly kind: 'gauge' | 'counter' | 'bucket';
  /** Per pod (vllm, dcgm) or pool-wide (litellm): the gauge value or the counter's rate. */
  readonly perPod?: (p: PerPod) => number;
  readonly pool?: (s: PoolSnapshot) => number;
  /** Bucket series: the quantiles the model gives. */
  readonly quantiles?: (s: PoolSnapshot) => Record<string, number>;
}

const bucket = (m: MetricDefinition): string => `${m.name}_bucket`;

/** Every series the model produces, keyed by name as scraped. */
const MODEL_SERIES: ReadonlyMap<string, ModelSeries> = new Map<string, ModelSeries>([
  [VllmMetrics.NUM_REQUESTS_RUNNING.name, { family: 'vllm', kind: 'gauge', perPod: p => p.running }],
  [VllmMetrics.NUM_REQUESTS_WAITING.name, { family: 'vllm', kind: 'gauge', perPod: p => p.waiting }],
  [VllmMetrics.KV_CACHE_USAGE.name, { family: 'vllm', kind: 'gauge', perPod: p => p.kvCacheUsage }],
  [VllmMetrics.REQUEST_SUCCESS.name, { family: 'vllm', kind: 'counter', perPod: p => p.completedPerSecond }],
  [VllmMetrics.PROMPT_TOKENS.name, { family: 'vllm', kind: 'counter', perPod: p => p.promptTokensPerSecond }],
  [VllmMetrics.GENERATION_TOKENS.name, { family: 'vllm', kind: 'counter', perPod: p => p.generationTokensPerSecond }],
  [bucket(VllmMetrics.TIME_TO_FIRST_TOKEN), {
    family: 'vllm', kind: 'bucket', perPod: p => p.completedPerSecond,
    quantiles: s => ({ '0.5': s.ttftP50, '0.95': s.ttftP95, '0.99': s.ttftP99 }),
  }],
  [bucket(VllmMetrics.E2E_REQUEST_LATENCY), { family: 'vllm', kind: 'bucket', perPod: p => p.completedPerSecond, quantiles: s => ({ '0.95': s.e2eP95 }) }],
  [DcgmMetrics.GPU_UTIL.name, { family: 'dcgm', kind: 'gauge', perPod: p => p.gpuUtilization }],
  [DcgmMetrics.GR_ENGINE_ACTIVE.name, { family: 'dcgm', kind: 'gauge', perPod: p => p.gpuUtilization / 100 }],
  [LiteLLMMetrics.PROXY_TOTAL_REQUESTS.name, { family: 'litellm', kind: 'counter', pool: s => s.arrivalsPerSecond }],
  [LiteLLMMetrics.IN_FLIGHT_REQUESTS.name, { family: 'litellm', kind: 'gauge', pool: s => s.waiting + s.running }],
  [bucket(LiteLLMMetrics.REQUEST_TOTAL_LATENCY), { family: 'litellm', kind: 'bucket', pool: s => s.completedPerSecond, quantiles: s => ({ '0.95': s.e2eP95 }) }],
]);

/** The series names the model produces (for messages and tests). @internal */
export const MODEL_SERIES_NAMES: readonly string[] = [...MODEL_SERIES.keys()];

const SUPPORTED = 'the what-if evaluator supports the PromQL the library emits: selectors of the model\'s series, sum/avg/min/max/count (by/without), rate/irate/increase, histogram_quantile, clamp_min/clamp_max/clamp, predict_linear over a subquery, scalar/vector, arithmetic and comparisons';

/** Prometheus' default lookback delta (--query.lookback-delta, 5m). */
const LOOKBACK_SECONDS = 300;
/** A stand-in pod-template-hash for pod labels of the form `<deployment>-<hash>-<suffix>`. */
const POD_TEMPLATE_HASH = '5c9d7f8b6';

/**
 * The `pod` label of a model pod: its name when it already reads `<deployment>-<hash>-<suffix>`
 * (or no Deployment is given), else `<deployment>-5c9d7f8b6-<name, lower-case alphanumerics>`,
 * a ReplicaSet pod name (the library's DCGM selectors match `<deployment>-[a-z0-9]+-[a-z0-9]+`).
 * @internal
 */
export function modelPodLabel(name: string, deployment: string | undefined): string {
  if (deployment === undefined) return name;
  let cache = POD_LABELS.get(deployment);
  if (!cache) POD_LABELS.set(deployment, cache = new Map());
  let label = cache.get(name);
  if (label === undefined) {
    if (cache.size > 10000) cache.clear();
    cache.set(name, label = podLabelOf(name, deployment));
  }
  return label;
}

const POD_LABELS = new Map<string, Map<string, string>>();

function podLabelOf(name: string, deployment: string): string {
  const prefix = `${deployment}-`;
  if (name.startsWith(prefix) && /^[a-z0-9]+-[a-z0-9]+$/.test(name.slice(prefix.length))) return name;
  const suffix = name.toLowerCase().replace(/[^a-z0-9]/g, '') || 'pod';
  return `${prefix}${POD_TEMPLATE_HASH}-${suffix}`;
}

/** One sample of an evaluated instant vector: its labels and value. @internal */
export interface VectorSample { readonly labels: Readonly<Labels>; readonly value: number }

/**
 * Evaluates `query` over the pool model at `snapshot.t` and returns its single value, or
 * undefined for an empty result.
 * @param query PromQL of the shapes the library emits
 * @param snapshot the model now
 * @param history earlier snapshots, ascending `t` (the current one may be included)
 * @param poolLabels labels of the pool's vLLM series: `namespace`, `pool`, `model_name` (others are added as they are)
 * @param options how the other series are labelled
 * Snapshots, `poolLabels` and `options` are treated as immutable: selections are cached per
 * these objects and per snapshot (a subquery re-reads the same snapshots at every poll).
 * @throws an Error naming the query and its unsupported part; or when it returns more than one element
 */
export function evaluateQuery(query: string, snapshot: PoolSnapshot, history: ReadonlyArray<PoolSnapshot>, poolLabels: Record<string, string>, options: EvaluateOptions = {}): number | undefined {
  const value = evaluate(query, snapshot, history, poolLabels, options);
  if (value.kind === 'scalar') return value.value;
  if (value.samples.length === 0) return undefined;
  if (value.samples.length > 1) {
    throw invalid('query', query, `returned ${value.samples.length} elements (${value.samples.map(s => labelText(s.labels)).join(', ')}); one value needs an aggregation without by/without, e.g. sum(...) (KEDA's prometheus scaler fails with "returned multiple elements")`);
  }
  return value.samples[0].value;
}

/**
 * Evaluates `query` to an instant vector (a scalar becomes one sample without labels).
 * @internal
 */
export function evaluateVector(query: string, snapshot: PoolSnapshot, history: ReadonlyArray<PoolSnapshot>, poolLabels: Record<string, string>, options: EvaluateOptions = {}): VectorSample[] {
  const value = evaluate(query, snapshot, history, poolLabels, options);
  return value.kind === 'scalar' ? [{ labels: {}, value: value.value }] : value.samples;
}

/**
 * Checks that `query` parses and uses only what the evaluator supports, without evaluating it.
 * @throws the error `evaluateQuery` would throw for it
 * @internal
 */
export function checkQuery(query: string, recordingRules?: readonly ReplayRecordingRule[]): void {
  compile(query, ruleSetOf(recordingRules, 'recordingRules'));
}

function evaluate(query: string, snapshot: PoolSnapshot, history: ReadonlyArray<PoolSnapshot>, poolLabels: Record<string, string>, options: EvaluateOptions): Extract<Value, { kind: 'scalar' | 'vector' }> {
  if (options === null || typeof options !== 'object') throw invalid('options', options, 'must be EvaluateOptions');
  const node = compile(query, ruleSetOf(options.recordingRules, 'options.recordingRules'));
  if (snapshot === null || typeof snapshot !== 'object' || typeof snapshot.t !== 'number' || !Number.isFinite(snapshot.t)) {
    throw invalid('snapshot', snapshot === null || typeof snapshot !== 'object' ? snapshot : snapshot.t, 'must be a PoolSnapshot with a finite t');
  }
  if (!Array.isArray(history)) throw invalid('history', history, 'must be an array of PoolSnapshot, ascending t');
  if (poolLabels === null || typeof poolLabels !== 'object') throw invalid('poolLabels', poolLabels, 'must be the pool\'s labels { namespace, pool, model_name }');
  const ctx: Context = { query, snapshot, history, poolLabels, options, gpus: options.gpusPerPod ?? 1 };
  const value = evalNode(ctx, node, snapshot.t);
  if (value.kind === 'matrix') throw invalid('query', query, 'returns a range vector: a single value needs a function over it, e.g. rate(...)');
  if (value.kind === 'vector') {
    const hist = value.samples.find(s => s.hist);
    if (hist) throw invalid('query', query, `reads the buckets of ${hist.hist!.metric} outside histogram_quantile()`);
  }
  return value;
}

interface Context {
  readonly query: string;
  readonly snapshot: PoolSnapshot;
  readonly history: ReadonlyArray<PoolSnapshot>;
  readonly poolLabels: Record<string, string>;
  readonly options: EvaluateOptions;
  readonly gpus: number;
}

// ---------------------------------------------------------------------------------------------
// Compilation: lezer tree → a small AST, checked for support. Cached per query text.

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

const NO_RULES: RuleSet = { byName: new Map(), rules: new Map(), queries: new Map(), compiling: [] };
const RULE_SETS = new WeakMap<readonly ReplayRecordingRule[], RuleSet>();
/** Cycle errors pass through the rules reading a recorded series unwrapped: they name the rules already. */
const CYCLES = new WeakSet<Error>();

/** The compiled form of a recording rules array, checked once (plain-JavaScript input). */
function ruleSetOf(recordingRules: readonly ReplayRecordingRule[] | undefined, prop: string): RuleSet {
  if (recordingRules === undefined) return NO_RULES;
  if (!Array.isArray(recordingRules)) throw invalid(prop, recordingRules, 'must be an array of { record, expr, labels? }');
  let set = RULE_SETS.get(recordingRules);
  if (set) return set;
  const byName = new Map<string, ReplayRecordingRule[]>();
  recordingRules.forEach((rule: ReplayRecordingRule, i) => {
    const at = `${prop}[${i}]`;
    if (rule === null || typeof rule !== 'object') throw invalid(at, rule, 'must be a recording rule { record, expr, labels? }');
    if (typeof rule.record !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(rule.record)) throw invalid(`${at}.record`, rule.record, 'must be a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)');
    if (typeof rule.expr !== 'string') throw invalid(`${at}.expr`, rule.expr, 'must be a PromQL string');
    if (rule.labels !== undefined && (rule.labels === null || typeof rule.labels !== 'object' || Array.isArray(rule.labels) || Object.values(rule.labels).some(v => typeof v !== 'string'))) {
      throw invalid(`${at}.labels`, rule.labels, 'must map label names to strings');
    }
    let list = byName.get(rule.record);
    if (!list) byName.set(rule.record, list = []);
    list.push(rule);
  });
  set = { byName, rules: new Map(), queries: new Map(), compiling: [] };
  RULE_SETS.set(recordingRules, set);
  return set;
}

function compile(query: string, rules: RuleSet): Node {
  if (typeof query !== 'string') throw invalid('query', query, 'must be a PromQL string');
  let cached = rules.queries.get(query);
  if (cached === undefined) {
    try {
      cached = compileUncached(rules, query);
    } catch (e) {
      cached = e as Error;
    }
    // Bounded: adapter queries name the pods, so they change with every scaling.
    if (rules.queries.size >= 2000) rules.queries.clear();
    rules.queries.set(query, cached);
  }
  if (cached instanceof Error) throw new Error(cached.message);
  return cached;
}

/** A recording rule's expression compiled (once per rule set); a cycle through the rules is an error naming them. */
function compileRule(rules: RuleSet, rule: ReplayRecordingRule): CompiledRule {
  let cached = rules.rules.get(rule);
  if (cached === undefined) {
    const start = rules.compiling.indexOf(rule);
    if (start >= 0) {
      const chain = [...rules.compiling.slice(start), rule];
      const error = invalid(`recording rule ${rule.record}`, rule.expr,
        `reads the series it records through ${chain.map(r => r.record).join(' -> ')} (${unique(chain.map(r => r.file ?? 'unnamed')).join(', ')}); Prometheus evaluates a rule over series already recorded, so a cycle never yields a value: break it`);
      CYCLES.add(error);
      throw error;
    }
    rules.compiling.push(rule);
    try {
      cached = { rule, node: compileUncached(rules, rule.expr), labels: { ...rule.labels ?? {} } };
    } catch (e) {
      cached = e as Error;
    } finally {
      rules.compiling.pop();
    }
    // A cycle error depends on where the walk entered the cycle: not cached.
    if (!CYCLES.has(cached as Error)) rules.rules.set(rule, cached);
  }
  if (cached instanceof Error) throw cached;
  return cached;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function compileUncached(rules: RuleSet, query: string): Node {
  const at = promqlSyntaxError(query);
  if (at !== undefined) throw invalid('query', query, `is not valid PromQL: syntax error at character ${at + 1} (parsed with @prometheus-io/lezer-promql)`);
  const top = parser.parse(query).topNode;
  const expr = top.firstChild;
  if (!expr) throw invalid('query', query, 'is empty');
  const node = compileNode(rules, query, expr);
  checkPlacement(query, node, 'top');
  return node;
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function text(query: string, node: SyntaxNode): string {
  return query.slice(node.from, node.to);
}

function unsupported(query: string, part: string): Error {
  return invalid('query', query, `uses ${part}, which ${SUPPORTED}`);
}

const BINARY_OPS: Record<string, string> = {
  Add: '+', Sub: '-', Mul: '*', Div: '/', Mod: '%', Pow: '^',
  Eql: '==', Neq: '!=', Gtr: '>', Lss: '<', Gte: '>=', Lte: '<=',
};
const AGGREGATIONS = new Set(['sum', 'avg', 'min', 'max', 'count']);
const FUNCTIONS: Record<string, { args: Array<'vector' | 'matrix' | 'scalar'> }> = {
  rate: { args: ['matrix'] },
  irate: { args: ['matrix'] },
  increase: { args: ['matrix'] },
  histogram_quantile: { args: ['scalar', 'vector'] },
  clamp_min: { args: ['vector', 'scalar'] },
  clamp_max: { args: ['vector', 'scalar'] },
  clamp: { args: ['vector', 'scalar', 'scalar'] },
  predict_linear: { args: ['matrix', 'scalar'] },
  scalar: { args: ['vector'] },
  vector: { args: ['scalar'] },
};

function compileNode(rules: RuleSet, query: string, node: SyntaxNode): Node {
  switch (node.type.name) {
    case 'ParenExpr': {
      const inner = children(node).find(c => !c.type.isError);
      if (!inner) throw invalid('query', query, 'has an empty parenthesis');
      return compileNode(rules, query, inner);
    }
    case 'NumberDurationLiteral':
      return { type: 'number', value: parseNumber(query, text(query, node)) };
    case 'VectorSelector':
      return compileSelector(rules, query, node);
    case 'MatrixSelector': {
      const [sel, dur] = children(node);
      if (sel?.type.name !== 'VectorSelector') throw unsupported(query, `the range selector ${text(query, node)}`);
      return { type: 'matrix', selector: compileSelector(rules, query, sel), range: durationOf(query, dur) };
    }
    case 'SubqueryExpr': {
      const parts = children(node);
      const durations = parts.filter(c => c.type.name === 'DurationExpr');
      const expr = parts.find(c => c.type.name !== 'DurationExpr');
      if (!expr || durations.length !== 2) throw unsupported(query, `the subquery ${text(query, node)} (it needs a range and a step, e.g. [30m:30s])`);
      return { type: 'subquery', expr: compileNode(rules, query, expr), range: durationOf(query, durations[0]), step: durationOf(query, durations[1]) };
    }
    case 'FunctionCall': {
      const [id, body] = children(node);
      const fn = text(query, id);
      const spec = FUNCTIONS[fn];
      if (!spec) throw unsupported(query, `the function ${fn}()`);
      const args = children(body).map(c => compileNode(rules, query, c));
      if (args.length !== spec.args.length) throw invalid('query', query, `calls ${fn}() with ${plural(args.length, 'argument')}; it takes ${spec.args.length}`);
      args.forEach((a, i) => requireArgType(query, fn, i, a, spec.args[i]));
      return { type: 'call', fn, args };
    }
    case 'AggregateExpr': {
      const parts = children(node);
      const op = text(query, parts.find(c => c.type.name === 'AggregateOp')!);
      if (!AGGREGATIONS.has(op)) throw unsupported(query, `the aggregation ${op}`);
      const modifier = parts.find(c => c.type.name === 'AggregateModifier');
      const body = parts.find(c => c.type.name === 'FunctionCallBody')!;
      const args = children(body);
      if (args.length !== 1) throw invalid('query', query, `calls ${op}() with ${plural(args.length, 'argument')}; it takes 1`);
      const expr = compileNode(rules, query, args[0]);
      requireArgType(query, op, 0, expr, 'vector');
      if (!modifier) return { type: 'agg', op, expr };
      const mparts = children(modifier);
      const labels = children(mparts.find(c => c.type.name === 'GroupingLabels')!).map(c => {
        if (c.type.name !== 'LabelName') throw unsupported(query, `the grouping label ${text(query, c)}`);
        return text(query, c);
      });
      return mparts[0].type.name === 'Without' ? { type: 'agg', op, without: labels, expr } : { type: 'agg', op, by: labels, expr };
    }
    case 'BinaryExpr': {
      const parts = children(node);
      if (parts.some(c => c.type.name === 'MatchingModifierClause')) throw unsupported(query, 'on()/ignoring()/group_left()/group_right() vector matching');
      const opNode = parts[1];
      const op = BINARY_OPS[opNode.type.name];
      if (!op) throw unsupported(query, `the operator ${text(query, opNode)}`);
      const bool = parts.some(c => c.type.name === 'BoolModifier');
      const lhs = compileNode(rules, query, parts[0]);
      const rhs = compileNode(rules, query, parts[parts.length - 1]);
      for (const side of [lhs, rhs]) {
        if (side.type === 'matrix' || side.type === 'subquery') throw invalid('query', query, `applies ${op} to a range vector; apply a function first, e.g. rate(...)`);
      }
      if (bool && !['==', '!=', '>', '<', '>=', '<='].includes(op)) throw invalid('query', query, `uses bool with ${op}; bool applies to comparisons`);
      return { type: 'binary', op, bool, lhs, rhs };
    }
    case 'UnaryExpr': {
      const [opNode, expr] = children(node);
      const inner = compileNode(rules, query, expr);
      if (inner.type === 'matrix' || inner.type === 'subquery') throw invalid('query', query, 'negates a range vector');
      return { type: 'unary', op: text(query, opNode), expr: inner };
    }
    case 'OffsetExpr':
      throw unsupported(query, 'offset');
    case 'StepInvariantExpr':
      throw unsupported(query, 'the @ modifier');
    case 'StringLiteral':
      throw unsupported(query, `the string ${text(query, node)}`);
    default:
      throw unsupported(query, `${text(query, node)} (${node.type.name})`);
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function requireArgType(query: string, fn: string, i: number, node: Node, type: 'vector' | 'matrix' | 'scalar'): void {
  const actual = node.type === 'matrix' || node.type === 'subquery' ? 'matrix' : isScalar(node) ? 'scalar' : 'vector';
  if (actual !== type && !(type === 'vector' && actual === 'scalar' && fn === 'scalar')) {
    const names = { vector: 'an instant vector', matrix: 'a range vector', scalar: 'a number' };
    throw invalid('query', query, `passes ${names[actual]} as argument ${i + 1} of ${fn}(); it takes ${names[type]}`);
  }
}

function isScalar(node: Node): boolean {
  switch (node.type) {
    case 'number': return true;
    case 'unary': return isScalar(node.expr);
    case 'binary': return isScalar(node.lhs) && isScalar(node.rhs);
    case 'call': return node.fn === 'scalar';
    default: return false;
  }
}

function parseNumber(query: string, raw: string): number {
  const s = raw.toLowerCase();
  if (s === 'inf' || s === '+inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === 'nan') return NaN;
  const n = /^0x[0-9a-f]+$/.test(s) ? parseInt(s, 16) : Number(s);
  if (!Number.isFinite(n)) throw unsupported(query, `the number ${raw}`);
  return n;
}

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

function durationOf(query: string, node: SyntaxNode | undefined): number {
  const raw = node ? text(query, node).trim() : '';
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw);
  const parts = raw.match(/\d+(ms|s|m|h|d|w|y)/g);
  if (!parts || parts.join('') !== raw) throw unsupported(query, `the duration ${raw}`);
  return parts.reduce((sum, p) => {
    const m = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(p)!;
    return sum + Number(m[1]) * DURATION_UNITS[m[2]];
  }, 0);
}

function compileSelector(rules: RuleSet, query: string, node: SyntaxNode): Extract<Node, { type: 'selector' }> {
  let name: string | undefined;
  const matchers: Matcher[] = [];
  for (const c of children(node)) {
    if (c.type.name === 'Identifier') {
      name = text(query, c);
    } else if (c.type.name === 'LabelMatchers') {
      for (const m of children(c)) {
        if (m.type.name !== 'UnquotedLabelMatcher') throw unsupported(query, `the label matcher ${text(query, m)}`);
        const [label, opNode, value] = children(m);
        const op = text(query, opNode) as Matcher['op'];
        const str = JSON.parse(text(query, value).replace(/^'(.*)'$/s, (_, s: string) => JSON.stringify(s))) as string;
        const matcher: Matcher = { label: text(query, label), op, value: str, re: op === '=~' || op === '!~' ? anchored(query, str) : undefined };
        if (matcher.label === '__name__' && op === '=' && name === undefined) name = str;
        else matchers.push(matcher);
      }
    } else {
      throw unsupported(query, `the selector part ${text(query, c)}`);
    }
  }
  if (name === undefined) throw unsupported(query, `the selector ${text(query, node)} without a metric name`);
  if (MODEL_SERIES.has(name)) return { type: 'selector', name, matchers };
  const recording = rules.byName.get(name);
  if (!recording) {
    const recorded = [...rules.byName.keys()];
    throw invalid('query', query, `reads ${name}, a series the pool model does not produce (it produces ${MODEL_SERIES_NAMES.join(', ')}) and no recording rule in the manifests records it (${recorded.length > 0 ? `they record ${recorded.join(', ')}` : 'they hold none'})`);
  }
  // A rule whose static labels a matcher refuses adds nothing (its labels override the result's):
  // skipped, so a selector of one pool evaluates that pool's rule only.
  const relevant = recording.filter(rule => matchers.every(m => rule.labels?.[m.label] === undefined || matches(m, rule.labels[m.label])));
  const recorded = relevant.map(rule => {
    try {
      return compileRule(rules, rule);
    } catch (e) {
      if (CYCLES.has(e as Error)) throw e;
      throw invalid('query', query, `reads ${name}, recorded by a rule (${rule.file ?? 'unnamed'}) the what-if evaluator cannot evaluate: ${(e as Error).message}`);
    }
  });
  return { type: 'selector', name, matchers, recorded };
}

function anchored(query: string, re: string): RegExp {
  try {
    return new RegExp(`^(?:${re})$`);
  } catch {
    throw invalid('query', query, `has the regular expression ${JSON.stringify(re)}, which does not compile`);
  }
}

/**
 * Counters only under rate()/irate()/increase(), buckets only under those and then
 * histogram_quantile(), range vectors only as the argument of a function taking them.
 */
function checkPlacement(query: string, node: Node, parent: 'top' | 'counter-fn' | 'predict' | 'other'): void {
  switch (node.type) {
    case 'selector': {
      // A recorded series: the instant vector its rule computed (buckets included, for a histogram_quantile over them).
      if (node.recorded) return;
      const series = MODEL_SERIES.get(node.name)!;
      if (series.kind === 'counter') throw invalid('query', query, `reads the counter ${node.name} as it is; read its rate with rate(), irate() or increase()`);
      if (series.kind === 'bucket') throw invalid('query', query, `reads the histogram buckets ${node.name} outside histogram_quantile(q, sum by (le) (rate(...)))`);
      return;
    }
    case 'matrix': {
      const series = MODEL_SERIES.get(node.selector.name) ?? { kind: 'gauge' };
      if (parent === 'top' || parent === 'other') throw invalid('query', query, 'returns a range vector: a single value needs a function over it, e.g. rate(...)');
      if (parent === 'counter-fn' && series.kind === 'gauge') {
        throw invalid('query', query, `applies a counter function to ${node.selector.name}, a gauge: rate(), irate() and increase() are for counters`);
      }
      if (parent === 'predict' && series.kind !== 'gauge') {
        throw invalid('query', query, `applies predict_linear() to ${node.selector.name}, a ${series.kind === 'counter' ? 'counter' : 'histogram bucket'}; predict a gauge or a rate over a subquery`);
      }
      return;
    }
    case 'subquery':
      if (parent === 'top' || parent === 'other') throw invalid('query', query, 'returns a range vector: a single value needs a function over it, e.g. predict_linear(...)');
      if (parent === 'counter-fn') throw unsupported(query, 'rate(), irate() or increase() over a subquery');
      checkPlacement(query, node.expr, 'other');
      return;
    case 'call': {
      const inner = ['rate', 'irate', 'increase'].includes(node.fn) ? 'counter-fn' : node.fn === 'predict_linear' ? 'predict' : 'other';
      node.args.forEach((a, i) => checkPlacement(query, a, i === 0 ? inner : 'other'));
      return;
    }
    case 'agg':
      checkPlacement(query, node.expr, 'other');
      return;
    case 'binary':
      checkPlacement(query, node.lhs, 'other');
      checkPlacement(query, node.rhs, 'other');
      return;
    case 'unary':
      checkPlacement(query, node.expr, 'other');
      return;
    default:
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

function evalNode(ctx: Context, node: Node, ts: number): Value {
  switch (node.type) {
    case 'number':
      return { kind: 'scalar', value: node.value };
    case 'selector': {
      const snap = snapshotAt(ctx, ts);
      return { kind: 'vector', samples: snap ? select(ctx, node, snap) : [] };
    }
    case 'matrix':
      return { kind: 'matrix', series: rangeSelect(ctx, node, ts), range: node.range };
    case 'subquery':
      return { kind: 'matrix', series: subquery(ctx, node, ts), range: node.range };
    case 'call':
      return call(ctx, node, ts);
    case 'agg':
      return aggregate(ctx, node, vectorOf(evalNode(ctx, node.expr, ts)));
    case 'binary':
      return binary(ctx, node, evalNode(ctx, node.lhs, ts), evalNode(ctx, node.rhs, ts));
    case 'unary': {
      const v = evalNode(ctx, node.expr, ts);
      const sign = node.op === '-' ? -1 : 1;
      if (v.kind === 'scalar') return { kind: 'scalar', value: sign * v.value };
      return { kind: 'vector', samples: vectorOf(v).map(s => ({ labels: dropName(s.labels), value: sign * s.value })) };
    }
  }
}

function vectorOf(v: Value): Sample[] {
  if (v.kind !== 'vector') throw new Error(`internal: expected a vector, got ${v.kind}`);
  return v.samples;
}

function scalarOf(v: Value): number {
  if (v.kind !== 'scalar') throw new Error(`internal: expected a scalar, got ${v.kind}`);
  return v.value;
}

/** The latest snapshot at or before `ts` within the lookback. */
function snapshotAt(ctx: Context, ts: number): PoolSnapshot | undefined {
  const { snapshot, history } = ctx;
  if (ts >= snapshot.t) return ts - snapshot.t <= LOOKBACK_SECONDS ? snapshot : undefined;
  const found = lastAtOrBefore(history, ts);
  if (found < 0) return undefined;
  const s = history[found];
  return ts - s.t <= LOOKBACK_SECONDS ? s : undefined;
}

/** Binary search: the index of the last history entry with t <= ts, or -1. */
function lastAtOrBefore(history: ReadonlyArray<PoolSnapshot>, ts: number): number {
  let lo = 0;
  let hi = history.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (history[mid].t <= ts) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** The snapshots with t in (from, to], ascending, the current one included once. */
function snapshotsIn(ctx: Context, from: number, to: number): PoolSnapshot[] {
  const { snapshot, history } = ctx;
  let lo = 0;
  let hi = history.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (history[mid].t <= from) lo = mid + 1; else hi = mid;
  }
  const out: PoolSnapshot[] = [];
  for (let i = lo; i < history.length && history[i].t <= to && history[i].t < snapshot.t; i++) out.push(history[i]);
  if (snapshot.t > from && snapshot.t <= to) out.push(snapshot);
  return out;
}

/**
 * Results already computed, per labels and options objects (a signal reader passes the same
 * ones at every read), per snapshot and per node: selections, and the inner expression of a
 * subquery at each step (a subquery re-reads the same snapshots at every poll). Snapshots are
 * immutable.
 */
const RESULTS = new WeakMap<object, WeakMap<object, Map<PoolSnapshot, Map<Node, Sample[]>>>>();
/**
 * Snapshots remembered per labels and options: the span of the longest subquery at the finest
 * step a replay uses (30 min at 1 s) and more. A plain Map, oldest evicted first: a WeakMap
 * keyed by thousands of snapshots costs the garbage collector more than it saves.
 */
const MAX_CACHED_SNAPSHOTS = 4096;

function snapshotResults(ctx: Context): Map<PoolSnapshot, Map<Node, Sample[]>> {
  let byOptions = RESULTS.get(ctx.poolLabels);
  if (!byOptions) RESULTS.set(ctx.poolLabels, byOptions = new WeakMap());
  let bySnapshot = byOptions.get(ctx.options);
  if (!bySnapshot) byOptions.set(ctx.options, bySnapshot = new Map());
  return bySnapshot;
}

function resultsOf(ctx: Context, snap: PoolSnapshot, bySnapshot = snapshotResults(ctx)): Map<Node, Sample[]> {
  let byNode = bySnapshot.get(snap);
  if (!byNode) {
    if (bySnapshot.size >= MAX_CACHED_SNAPSHOTS) bySnapshot.delete(bySnapshot.keys().next().value!);
    bySnapshot.set(snap, byNode = new Map());
  }
  return byNode;
}

/** The samples of one selector in one snapshot (counters: their rate; buckets: rate and quantiles). */
function select(ctx: Context, node: Extract<Node, { type: 'selector' }>, snap: PoolSnapshot): Sample[] {
  const results = resultsOf(ctx, snap);
  let samples = results.get(node);
  if (!samples) results.set(node, samples = selectUncached(ctx, node, snap));
  return samples;
}

/** Whether a node's value at a time depends only on the snapshot at that time (no range, no subquery). */
function instantOnly(node: Node): boolean {
  switch (node.type) {
    case 'number':
    case 'selector':
      return true;
    case 'agg':
    case 'unary':
      return instantOnly(node.expr);
    case 'binary':
      return instantOnly(node.lhs) && instantOnly(node.rhs);
    case 'call':
      return node.args.every(a => a.type !== 'matrix' && a.type !== 'subquery' && instantOnly(a));
    default:
      return false;
  }
}

/**
 * A recorded series at a snapshot: each rule's expression evaluated at the snapshot's time
 * (Prometheus evaluates rules every interval and a selector reads the latest sample), named
 * `record`, the rule's static labels added over the result's, then the selector's matchers.
 */
function selectRecorded(ctx: Context, node: Extract<Node, { type: 'selector' }>, snap: PoolSnapshot): Sample[] {
  const out: Sample[] = [];
  for (const rule of node.recorded!) {
    const results = resultsOf(ctx, snap);
    let samples = results.get(rule.node);
    if (!samples) {
      const v = evalNode({ ...ctx, query: rule.rule.expr }, rule.node, snap.t);
      if (v.kind === 'matrix') throw invalid('query', ctx.query, `reads ${node.name}, whose recording rule returns a range vector`);
      samples = v.kind === 'scalar' ? [{ labels: {}, value: v.value }] : v.samples;
      results.set(rule.node, samples);
    }
    for (const s of samples) {
      // prometheus rules/recording.go RecordingRule.Eval: lb.Set(labels.MetricName, rule.name), then
      // lb.Set of each static label (labels.Builder: an empty value deletes the label).
      const labels: Labels = { ...s.labels, __name__: node.name, ...rule.labels };
      for (const [k, v] of Object.entries(rule.labels)) if (v === '') delete labels[k];
      if (!node.matchers.every(m => matches(m, labels[m.label] ?? ''))) continue;
      out.push(s.hist ? { labels, value: s.value, hist: s.hist } : { labels, value: s.value });
    }
  }
  return out;
}

function selectUncached(ctx: Context, node: Extract<Node, { type: 'selector' }>, snap: PoolSnapshot): Sample[] {
  if (node.recorded) return selectRecorded(ctx, node, snap);
  const series = MODEL_SERIES.get(node.name)!;
  const out: Sample[] = [];
  const hist = series.quantiles ? { metric: node.name.slice(0, -'_bucket'.length), quantiles: series.quantiles(snap) } : undefined;
  // The labels every series of the family shares, checked once; then the per-series ones.
  const emit = (fixed: Labels, varying: readonly string[], values: (labels: Labels) => void): void => {
    const own = node.matchers.filter(m => !varying.includes(m.label));
    if (!own.every(m => matches(m, fixed[m.label] ?? ''))) return;
    values(fixed);
  };
  const push = (labels: Labels, value: number, perSeries: readonly Matcher[]): void => {
    for (const m of perSeries) if (!matches(m, labels[m.label] ?? '')) return;
    out.push(hist ? { labels, value, hist } : { labels, value });
  };
  if (series.family === 'litellm') {
    const proxy = ctx.options.proxy;
    if (!proxy || proxy.modelGroups.length === 0) return out;
    const value = series.pool!(snap);
    const share = series.kind === 'gauge' ? value : value / proxy.modelGroups.length;
    const perSeries = node.matchers.filter(m => m.label === 'requested_model');
    emit({ __name__: node.name, namespace: proxy.namespace }, ['requested_model'], fixed => {
      for (const group of proxy.modelGroups) push({ ...fixed, requested_model: group }, share, perSeries);
    });
    return out;
  }
  const dcgm = series.family === 'dcgm';
  const podMatchers = node.matchers.filter(m => m.label === 'pod');
  const gpuMatchers = node.matchers.filter(m => m.label === 'gpu');
  const namespace = ctx.poolLabels.namespace ?? '';
  const fixedLabels: Labels = dcgm ? { __name__: node.name, namespace } : { __name__: node.name, ...ctx.poolLabels, engine: '0' };
  emit(fixedLabels, dcgm ? ['pod', 'gpu'] : ['pod'], fixed => {
    for (const pod of snap.pods) {
      if (pod.phase !== 'Running') continue;
      const stats = snap.perPod[pod.name];
      if (!dcgm && !stats) continue;
      const podLabel = modelPodLabel(pod.name, ctx.options.deployment);
      if (!podMatchers.every(m => matches(m, podLabel))) continue;
      if (dcgm) {
        // dcgm-exporter reports the GPUs of every running pod: one still loading its model reads
        // its (idle) GPUs, which pulls an average down while the pool scales up.
        const value = stats ? series.perPod!(stats) : 0;
        for (let gpu = 0; gpu < ctx.gpus; gpu++) {
          const g = String(gpu);
          if (gpuMatchers.every(m => matches(m, g))) out.push({ labels: { __name__: node.name, namespace, pod: podLabel, gpu: g }, value });
        }
      } else {
        // vLLM serves /metrics once its engine is up: the model lists Ready pods in perPod, and
        // a pod still loading has no series.
        push({ ...fixed, pod: podLabel }, series.perPod!(stats), []);
      }
    }
  });
  return out;
}

function matches(m: Matcher, value: string): boolean {
  switch (m.op) {
    case '=': return value === m.value;
    case '!=': return value !== m.value;
    case '=~': return m.re!.test(value);
    case '!~': return !m.re!.test(value);
  }
}

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  return keys.sort().map(k => `${k}\u0000${labels[k]}`).join('\u0001');
}

function labelText(labels: Labels): string {
  return `{${Object.keys(labels).sort().map(k => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

function dropName(labels: Labels): Labels {
  if (!('__name__' in labels)) return labels;
  const rest = { ...labels };
  delete rest.__name__;
  return rest;
}

function rangeSelect(ctx: Context, node: Extract<Node, { type: 'matrix' }>, ts: number): Series[] {
  const bySeries = new Map<string, Series>();
  for (const snap of snapshotsIn(ctx, ts - node.range, ts)) {
    for (const s of select(ctx, node.selector, snap)) {
      const key = labelKey(s.labels);
      let series = bySeries.get(key);
      if (!series) bySeries.set(key, series = { labels: s.labels, points: [] });
      series.points.push({ t: snap.t, value: s.value, hist: s.hist });
    }
  }
  return [...bySeries.values()];
}

/** Prometheus subquery steps: multiples of `step` in (ts - range, ts]. */
function subquery(ctx: Context, node: Extract<Node, { type: 'subquery' }>, ts: number): Series[] {
  const bySeries = new Map<string, Series>();
  if (!(node.step > 0)) throw invalid('query', ctx.query, 'has a subquery step of 0');
  const cache = instantOnly(node.expr) ? snapshotResults(ctx) : undefined;
  // The steps ascend: walk the history once rather than search it at every step.
  let index = -1;
  for (let k = Math.floor((ts - node.range) / node.step) + 1; k * node.step <= ts; k++) {
    const at = k * node.step;
    let snap: PoolSnapshot | undefined;
    if (cache) {
      if (at >= ctx.snapshot.t) {
        snap = snapshotAt(ctx, at);
      } else {
        if (index < 0) index = lastAtOrBefore(ctx.history, at);
        else while (index + 1 < ctx.history.length && ctx.history[index + 1].t <= at) index++;
        snap = index >= 0 && at - ctx.history[index].t <= LOOKBACK_SECONDS ? ctx.history[index] : undefined;
      }
    }
    const results = snap ? resultsOf(ctx, snap, cache) : undefined;
    let samples = results?.get(node.expr);
    if (!samples) {
      const v = evalNode(ctx, node.expr, at);
      samples = v.kind === 'scalar' ? [{ labels: {}, value: v.value }] : vectorOf(v);
      results?.set(node.expr, samples);
    }
    for (const s of samples) {
      const key = labelKey(s.labels);
      let series = bySeries.get(key);
      if (!series) bySeries.set(key, series = { labels: s.labels, points: [] });
      series.points.push({ t: at, value: s.value });
    }
  }
  return [...bySeries.values()];
}

function call(ctx: Context, node: Extract<Node, { type: 'call' }>, ts: number): Value {
  const args = node.args.map(a => evalNode(ctx, a, ts));
  switch (node.fn) {
    case 'rate':
    case 'irate':
    case 'increase': {
      const m = args[0] as Extract<Value, { kind: 'matrix' }>;
      const out: Sample[] = [];
      for (const series of m.series) {
        // Prometheus needs two samples in the window for a rate.
        if (series.points.length < 2) continue;
        const points = node.fn === 'irate' ? series.points.slice(-1) : series.points;
        const weight = points.reduce((sum, p) => sum + p.value, 0);
        const rate = weight / points.length;
        const value = node.fn === 'increase' ? rate * m.range : rate;
        out.push({ labels: dropName(series.labels), value, hist: mergeHist(points) });
      }
      return { kind: 'vector', samples: out };
    }
    case 'histogram_quantile': {
      const q = scalarOf(args[0]);
      return {
        kind: 'vector',
        samples: vectorOf(args[1]).map(s => {
          if (!s.hist) throw invalid('query', ctx.query, 'applies histogram_quantile() to series that are not histogram buckets');
          const known = s.hist.quantiles[String(q)];
          if (known === undefined) {
            throw invalid('query', ctx.query, `asks the ${q} quantile of ${s.hist.metric}, which the pool model does not give (it gives ${Object.keys(s.hist.quantiles).join(', ')})`);
          }
          // Prometheus: NaN when the buckets counted nothing in the window.
          return { labels: dropName(s.labels), value: s.value > 0 ? known : NaN };
        }),
      };
    }
    case 'clamp_min':
    case 'clamp_max':
    case 'clamp': {
      const lo = node.fn === 'clamp_max' ? -Infinity : scalarOf(args[1]);
      const hi = node.fn === 'clamp_min' ? Infinity : scalarOf(args[node.fn === 'clamp' ? 2 : 1]);
      // Prometheus: clamp with min > max returns an empty vector.
      if (lo > hi) return { kind: 'vector', samples: [] };
      return { kind: 'vector', samples: vectorOf(args[0]).map(s => ({ labels: dropName(s.labels), value: Math.min(Math.max(s.value, lo), hi) })) };
    }
    case 'predict_linear': {
      const m = args[0] as Extract<Value, { kind: 'matrix' }>;
      const duration = scalarOf(args[1]);
      const out: Sample[] = [];
      for (const series of m.series) {
        // Prometheus funcPredictLinear: nothing without at least two points.
        if (series.points.length < 2) continue;
        const { slope, intercept } = linearRegression(series.points, ts);
        out.push({ labels: dropName(series.labels), value: slope * duration + intercept });
      }
      return { kind: 'vector', samples: out };
    }
    case 'scalar': {
      if (args[0].kind === 'scalar') return args[0];
      const v = vectorOf(args[0]);
      return { kind: 'scalar', value: v.length === 1 ? v[0].value : NaN };
    }
    case 'vector':
      return { kind: 'vector', samples: [{ labels: {}, value: scalarOf(args[0]) }] };
    default:
      throw unsupported(ctx.query, `the function ${node.fn}()`);
  }
}

/** The quantiles of a window: the average of the points' quantiles weighted by their request rate. */
function mergeHist(points: ReadonlyArray<{ value: number; hist?: Hist }>): Hist | undefined {
  const first = points.find(p => p.hist)?.hist;
  if (!first) return undefined;
  const quantiles: Record<string, number> = {};
  for (const q of Object.keys(first.quantiles)) {
    let sum = 0;
    let weight = 0;
    for (const p of points) {
      const v = p.hist?.quantiles[q];
      if (v === undefined || !(p.value > 0)) continue;
      sum += v * p.value;
      weight += p.value;
    }
    quantiles[q] = weight > 0 ? sum / weight : NaN;
  }
  return { metric: first.metric, quantiles };
}

/** Least squares over (t, value) with the intercept at `at` (Prometheus promql/functions.go linearRegression). */
function linearRegression(points: ReadonlyArray<{ t: number; value: number }>, at: number): { slope: number; intercept: number } {
  const first = points[0].value;
  if (points.every(p => p.value === first)) {
    return Number.isFinite(first) ? { slope: 0, intercept: first } : { slope: NaN, intercept: NaN };
  }
  let n = 0;
  let sumX = 0;
  let sumY = 0;
  let sumXY = 0;
  let sumX2 = 0;
  for (const p of points) {
    const x = p.t - at;
    n += 1;
    sumX += x;
    sumY += p.value;
    sumXY += x * p.value;
    sumX2 += x * x;
  }
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return { slope, intercept: sumY / n - (slope * sumX) / n };
}

function aggregate(ctx: Context, node: Extract<Node, { type: 'agg' }>, samples: Sample[]): Value {
  const keepsLe = node.by ? node.by.includes('le') : node.without !== undefined && !node.without.includes('le');
  const groups = new Map<string, { labels: Labels; samples: Sample[] }>();
  for (const s of samples) {
    if (s.hist && !keepsLe) {
      throw invalid('query', ctx.query, `aggregates the buckets of ${s.hist.metric} without keeping le: histogram_quantile() needs them, e.g. sum by (le, pod) (rate(...))`);
    }
    let labels: Labels = {};
    let key = '';
    if (node.by) {
      // The grouping labels in their order: the key needs no sort.
      for (const l of node.by) {
        const v = s.labels[l];
        if (v !== undefined && l !== '__name__') {
          labels[l] = v;
          key += `${l}\u0000${v}\u0001`;
        }
      }
    } else if (node.without) {
      for (const [l, v] of Object.entries(s.labels)) if (l !== '__name__' && !node.without.includes(l)) labels[l] = v;
      key = labelKey(labels);
    } else {
      labels = {};
    }
    let group = groups.get(key);
    if (!group) groups.set(key, group = { labels, samples: [] });
    group.samples.push(s);
  }
  const out: Sample[] = [];
  for (const { labels, samples: group } of groups.values()) {
    let value = node.op === 'count' ? group.length : group[0].value;
    if (node.op === 'sum' || node.op === 'avg') {
      value = 0;
      for (const g of group) value += g.value;
      if (node.op === 'avg') value /= group.length;
    } else if (node.op === 'min' || node.op === 'max') {
      // Prometheus: NaN only when every value is NaN.
      for (const g of group) {
        if (Number.isNaN(value) || (node.op === 'min' ? g.value < value : g.value > value)) value = g.value;
      }
    }
    const withHist = group.some(g => g.hist);
    if (withHist && node.op !== 'sum') {
      throw invalid('query', ctx.query, `aggregates histogram buckets with ${node.op}; sum them by le`);
    }
    const hist = withHist ? mergeHist(group) : undefined;
    out.push(hist ? { labels, value, hist } : { labels, value });
  }
  return { kind: 'vector', samples: out };
}

function arith(op: string, a: number, b: number): number {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '%': return a % b;
    default: return a ** b;
  }
}

function compare(op: string, a: number, b: number): boolean {
  switch (op) {
    case '==': return a === b;
    case '!=': return a !== b;
    case '>': return a > b;
    case '<': return a < b;
    case '>=': return a >= b;
    default: return a <= b;
  }
}

function binary(ctx: Context, node: Extract<Node, { type: 'binary' }>, lhs: Value, rhs: Value): Value {
  const comparison = ['==', '!=', '>', '<', '>=', '<='].includes(node.op);
  if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
    if (comparison && !node.bool) throw invalid('query', ctx.query, `compares two numbers with ${node.op}; comparisons between scalars need bool`);
    return { kind: 'scalar', value: comparison ? Number(compare(node.op, lhs.value, rhs.value)) : arith(node.op, lhs.value, rhs.value) };
  }
  const apply = (labels: Labels, a: number, b: number, keep: number): Sample | undefined => {
    if (!comparison) return { labels: dropName(labels), value: arith(node.op, a, b) };
    const ok = compare(node.op, a, b);
    if (node.bool) return { labels: dropName(labels), value: Number(ok) };
    return ok ? { labels, value: keep } : undefined;
  };
  const out: Sample[] = [];
  if (lhs.kind === 'vector' && rhs.kind === 'scalar') {
    for (const s of lhs.samples) { const r = apply(s.labels, s.value, rhs.value, s.value); if (r) out.push(r); }
  } else if (lhs.kind === 'scalar' && rhs.kind === 'vector') {
    for (const s of rhs.samples) { const r = apply(s.labels, lhs.value, s.value, s.value); if (r) out.push(r); }
  } else {
    // One-to-one matching on every label but the name.
    const right = new Map(vectorOf(rhs).map(s => [labelKey(dropName(s.labels)), s]));
    for (const s of vectorOf(lhs)) {
      const match = right.get(labelKey(dropName(s.labels)));
      if (!match) continue;
      const r = apply(s.labels, s.value, match.value, s.value);
      if (r) out.push(r);
    }
  }
  return { kind: 'vector', samples: out };
}
