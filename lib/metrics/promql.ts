import { parser } from '@prometheus-io/lezer-promql';
import { MetricType, catalogMetric, removedMetric } from './catalog';
import { invalid } from '../core/_validation';

type Tree = ReturnType<typeof parser.parse>;
type SyntaxNode = Tree['topNode'];

/**
 * Parses `expr` with the Prometheus project's own PromQL grammar
 * (`@prometheus-io/lezer-promql`, the parser behind the Prometheus UI).
 *
 * @returns the character offset of the first syntax error, or undefined when it parses
 */
export function promqlSyntaxError(expr: string): number | undefined {
  if (expr.trim() === '') return 0;
  return parsed(expr).syntaxError;
}

/**
 * What the two pure functions above and below read of one parse of an expression, kept by
 * expression: an App checks the same queries several times (a dashboard's validation reads each
 * query's syntax, then its metric names; alerts, dashboards and autoscalers share queries), and
 * parsing is most of the cost. Bounded: cleared past {@link MEMO_LIMIT} entries.
 */
const PARSED = new Map<string, { readonly syntaxError: number | undefined; readonly metricNames: readonly string[] }>();
const MEMO_LIMIT = 10_000;

function parsed(expr: string): { readonly syntaxError: number | undefined; readonly metricNames: readonly string[] } {
  let hit = PARSED.get(expr);
  if (!hit) {
    const tree = parser.parse(expr);
    hit = { syntaxError: syntaxErrorIn(tree), metricNames: metricNamesIn(tree, expr) };
    if (PARSED.size >= MEMO_LIMIT) PARSED.clear();
    PARSED.set(expr, hit);
  }
  return hit;
}

/** The offset of the first syntax error in a parsed tree, or undefined when there is none. */
function syntaxErrorIn(tree: Tree): number | undefined {
  let at: number | undefined;
  tree.iterate({
    enter: node => {
      if (at === undefined && node.type.isError) at = node.from;
      return at === undefined;
    },
  });
  return at;
}

/**
 * Throws the library's error when `expr` is not valid PromQL.
 * @param prop the prop (or construct path) the query belongs to, named in the error
 * @internal
 */
export function requirePromQL(prop: string, expr: string): void {
  requireSyntax(prop, expr, promqlSyntaxError(expr));
}

/**
 * `requirePromQL` for many expressions of one shape (a construct's alert rules, the same per
 * pool but for their label values): remembers in `validShapes` the shape of each expression
 * that parsed, and skips the parse of a later expression of a shape already known valid.
 *
 * Sound because the shape only erases what cannot change the parse: the content of
 * double-quoted strings. Such a string's content (no backslash, newline or quote) is one
 * StringLiteral token whatever it holds (lezer-promql promql.grammar `StringLiteral`; keywords
 * are only specialized from Identifier tokens), so two expressions of one shape have the
 * same tokens and the same tree. An expression holding a backslash, a newline, a comment (`#`)
 * or another quote character gets no shape and is always parsed; an invalid one is always
 * parsed too, so its error is the one `requirePromQL` gives.
 * @param validShapes shapes known valid, owned by the caller (one per construct)
 * @internal
 */
export function requirePromQLOfShape(prop: string, expr: string, validShapes: Set<string>): void {
  const shape = promqlShape(expr);
  if (shape !== undefined && validShapes.has(shape)) return;
  requirePromQL(prop, expr);
  if (shape !== undefined) validShapes.add(shape);
}

/** `expr` with the content of its double-quoted strings erased, or undefined (see `requirePromQLOfShape`). */
function promqlShape(expr: string): string | undefined {
  // A quoted grouping label (`by ("pod")`) is read by the checks: such queries are not memoized.
  if (typeof expr !== 'string' || /[\\'`#\n\r]/.test(expr) || /\b(by|without)\s*\([^)]*"/.test(expr)) return undefined;
  return expr.replace(/"[^"]*"/g, '"s"');
}

/**
 * Shapes of the queries `requireKedaQuery` accepted. Its checks read only the tree and the
 * identifiers (metric, function and grouping label names), never a string's content, so a
 * query of an accepted shape passes them all. The one string they read, a quoted grouping
 * label (`sum by ("pod")`), keeps a query out of the memo (`promqlShape` answers undefined).
 * Bounded: a program has a few shapes per signal.
 */
const KEDA_QUERY_SHAPES = new Set<string>();

function requireSyntax(prop: string, expr: string, at: number | undefined): void {
  if (at !== undefined) {
    throw invalid(prop, expr, `is not valid PromQL: syntax error at character ${at + 1} (parsed with @prometheus-io/lezer-promql)`);
  }
}

/** The metric names `expr` selects (vector selectors with a name), in order of appearance. */
export function promqlMetricNames(expr: string): string[] {
  return [...parsed(expr).metricNames];
}

/** The metric names a parsed tree of `expr` selects. */
function metricNamesIn(tree: Tree, expr: string): string[] {
  const names: string[] = [];
  tree.iterate({
    enter: node => {
      if (node.type.name === 'Identifier' && node.node.parent?.type.name === 'VectorSelector') names.push(expr.slice(node.from, node.to));
    },
  });
  return names;
}

/** Aggregations that return more than one element even without a grouping. */
const MULTI_ELEMENT_AGGREGATIONS = new Set(['Topk', 'Bottomk', 'CountValues', 'Limitk', 'LimitRatio']);
/** Functions whose result is one element whatever their argument. */
const SINGLE_ELEMENT_FUNCTIONS = new Set(['scalar', 'vector', 'time', 'pi']);
/** Functions meant for counters: over a gauge their result means nothing. */
const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase']);

/**
 * Throws the library's error unless `expr` is a query KEDA's `prometheus` scaler can use:
 * valid PromQL; aggregated to one element at the top (`sum`, `avg`, `max`, ... without
 * `by`/`without`, or arithmetic and functions over such aggregations: KEDA's scaler fails with
 * "prometheus query ... returned multiple elements" on more than one, kedacore/keda
 * pkg/scalers/prometheus_scaler.go `ExecutePromQuery` @0805d72e, and a query that matches one
 * series today matches two after the next rollout);
 * no `rate()`, `irate()` or `increase()` over a gauge of the catalog; no metric that no
 * longer exists (`REMOVED_METRICS`: `vllm:gpu_cache_usage_perc`, V0-only vLLM metrics,
 * KEDA metrics removed in 2.17).
 * @param prop the prop the query belongs to, named in the error
 * @internal
 */
export function requireKedaQuery(prop: string, expr: string): void {
  const shape = promqlShape(expr);
  if (shape !== undefined && KEDA_QUERY_SHAPES.has(shape)) return;
  // One parse serves every check (requirePromQL's and promqlMetricNames' trees are the same).
  if (expr.trim() === '') requireSyntax(prop, expr, 0);
  const tree = parser.parse(expr);
  requireSyntax(prop, expr, syntaxErrorIn(tree));
  for (const name of metricNamesIn(tree, expr)) {
    const hint = removedMetric(name);
    if (hint !== undefined) throw invalid(prop, expr, `reads ${name}, which no longer exists (the query would return nothing): ${hint}`);
  }
  let counterOverGauge: { fn: string; metric: string } | undefined;
  tree.iterate({
    enter: node => {
      if (counterOverGauge || node.type.name !== 'FunctionCall') return;
      const fn = functionName(node.node, expr);
      if (!COUNTER_FUNCTIONS.has(fn)) return;
      const selector = node.node.getChild('FunctionCallBody')?.getChild('MatrixSelector')?.getChild('VectorSelector')?.getChild('Identifier');
      const metric = selector ? expr.slice(selector.from, selector.to) : undefined;
      if (metric !== undefined && catalogMetric(metric)?.type === MetricType.GAUGE) counterOverGauge = { fn, metric };
    },
  });
  if (counterOverGauge) {
    const { fn, metric } = counterOverGauge;
    throw invalid(prop, expr, `applies ${fn}() to ${metric}, a gauge: ${fn}() is for counters and reads a gauge's ups and downs as resets; use the gauge as it is (e.g. sum(${metric}{...})), or deriv() for its trend`);
  }
  if (!singleElement(tree.topNode, expr)) {
    throw invalid(prop, expr, 'is not aggregated to one element: KEDA\'s prometheus scaler fails ("returned multiple elements") as soon as it matches two series, e.g. two pods; wrap it in an aggregation without by/without, e.g. sum(...), avg(...) or max(...)');
  }
  if (shape !== undefined && KEDA_QUERY_SHAPES.size < 1000) KEDA_QUERY_SHAPES.add(shape);
}

function functionName(node: SyntaxNode, expr: string): string {
  const id = node.getChild('FunctionIdentifier');
  return id ? expr.slice(id.from, id.to) : '';
}

/** The expression children of a node (skipping operators, modifiers and punctuation). */
function operands(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (!['UnaryOp', 'AggregateOp', 'AggregateModifier', 'FunctionIdentifier', 'BoolModifier', 'MatchingModifierClause', 'At', 'Offset', 'OffsetDurationExpr', 'DurationExpr'].includes(c.type.name)
      && !/^(Add|Sub|Mul|Div|Mod|Pow|Eql|Neq|Lte|Lss|Gte|Gtr|And|Or|Unless|Atan2)$/.test(c.type.name)) {
      out.push(c);
    }
  }
  return out;
}

/** Whether the expression yields at most one element (a scalar, or one series). */
function singleElement(node: SyntaxNode, expr: string, ignoreLe = false): boolean {
  switch (node.type.name) {
    case 'PromQL':
    case 'ParenExpr':
    case 'UnaryExpr':
    case 'StepInvariantExpr':
    case 'SubqueryExpr':
    case 'OffsetExpr':
      return operands(node).every(c => singleElement(c, expr, ignoreLe));
    case 'FunctionCallBody':
      return operands(node).every(c => singleElement(c, expr, ignoreLe));
    case 'NumberDurationLiteral':
    case 'NumberLiteral':
    case 'StringLiteral':
      return true;
    case 'AggregateExpr': {
      const op = node.getChild('AggregateOp')?.firstChild?.type.name ?? '';
      if (MULTI_ELEMENT_AGGREGATIONS.has(op)) return false;
      const modifier = node.getChild('AggregateModifier');
      if (!modifier) return true;
      if (modifier.getChild('Without')) return false;
      // Grouping labels may be quoted (`by ("pod")`, Prometheus 3 UTF-8 names): both forms count.
      const grouping = modifier.getChild('GroupingLabels');
      const labels = grouping
        ? [...grouping.getChildren('LabelName'), ...grouping.getChildren('QuotedLabelName')].map(l => expr.slice(l.from, l.to).replace(/^"(.*)"$/, '$1'))
        : [];
      return labels.length === 0 || (ignoreLe && labels.length === 1 && labels[0] === 'le');
    }
    case 'FunctionCall': {
      const fn = functionName(node, expr);
      if (SINGLE_ELEMENT_FUNCTIONS.has(fn)) return true;
      const body = node.getChild('FunctionCallBody');
      if (!body) return true;
      // histogram_quantile folds the `le` buckets: `sum by (le) (...)` under it is one element.
      return operands(body).every(c => singleElement(c, expr, fn === 'histogram_quantile'));
    }
    case 'BinaryExpr':
      return operands(node).every(c => singleElement(c, expr, ignoreLe));
    default:
      // VectorSelector, MatrixSelector: raw series, one element per series.
      return false;
  }
}
