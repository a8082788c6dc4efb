import { parser } from '@prometheus-io/lezer-promql';
import { invalid } from '../core/_validation';

/**
 * Parses `expr` with the Prometheus project's own PromQL grammar
 * (`@prometheus-io/lezer-promql`, the parser behind the Prometheus UI).
 *
 * @returns the character offset of the first syntax error, or undefined when it parses
 */
export function promqlSyntaxError(expr: string): number | undefined {
  if (expr.trim() === '') return 0;
  let at: number | undefined;
  parser.parse(expr).iterate({
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
  const at = promqlSyntaxError(expr);
  if (at !== undefined) {
    throw invalid(prop, expr, `is not valid PromQL: syntax error at character ${at + 1} (parsed with @prometheus-io/lezer-promql)`);
  }
}

/** The metric names `expr` selects (vector selectors with a name), in order of appearance. */
export function promqlMetricNames(expr: string): string[] {
  const names: string[] = [];
  parser.parse(expr).iterate({
    enter: node => {
      if (node.type.name === 'Identifier' && node.node.parent?.type.name === 'VectorSelector') names.push(expr.slice(node.from, node.to));
    },
  });
  return names;
}
