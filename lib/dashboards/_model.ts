import { Dashboard, PanelBuilder, dashboard, prometheus, stat, timeseries } from './_grafana-sdk';
import { DashboardPanel, DashboardVariable, PanelKind } from './dashboard-panel';
import { invalid } from '../core/_validation';
import { isCatalogSeries, removedMetric } from '../metrics/catalog';
import { promqlMetricNames, promqlSyntaxError } from '../metrics/promql';
import { RecordedMetric } from '../metrics/recorded-metric';
import { ScopedMetric } from '../metrics/scoped-metric';

/** A dashboard before rendering: rows of panels, variables. @internal */
export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: string[];
  readonly variables: DashboardVariable[];
  readonly panels: DashboardPanel[];
}

/** The name of the datasource variable every panel reads through. */
export const DATASOURCE_VARIABLE = 'datasource';
/** The window `$__rate_interval` stands for when a query is parsed at synth. */
const RATE_INTERVAL = /\$__(rate_interval|interval|range)\b/g;
const VARIABLE_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * A selector for a dashboard: the metric and the label names a construct's metric helper scopes
 * by, with the labels in `variables` matched against a template variable (`namespace=~"$namespace"`)
 * and the others (the model name, the model group) dropped: the variable picks the subject.
 * @param variables label name → variable name
 * @param regexRewrite a regex matcher's value → its templated value (e.g. a pod-name pattern)
 * @internal
 */
export function templated(metric: ScopedMetric | RecordedMetric, variables: Record<string, string>, suffix = '', regexRewrite?: (label: string, value: string) => string | undefined): string {
  const parts: string[] = [];
  for (const label of Object.keys(metric.matchers)) {
    if (variables[label] !== undefined) parts.push(`${label}=~"$${variables[label]}"`);
  }
  if (metric instanceof ScopedMetric && regexRewrite) {
    for (const [label, value] of Object.entries(metric.regexMatchers)) {
      const rewritten = regexRewrite(label, value);
      if (rewritten !== undefined) parts.push(`${label}=~${JSON.stringify(rewritten)}`);
    }
  }
  return `${metric.name}${suffix}{${parts.join(',')}}`;
}

/** The expression as the PromQL parser sees it: Grafana's interval macros as a 5m window. */
function parseable(expr: string): string {
  return expr.replace(RATE_INTERVAL, '5m');
}

/**
 * Checks a dashboard: every query parses (PromQL grammar) and reads only catalog metrics,
 * recorded series of `recorded` or `declared` metrics; every variable is used by some query.
 * @returns the errors, each naming the dashboard, the panel and the query
 * @internal
 */
export function checkDashboard(prop: string, spec: DashboardSpec, known: ReadonlySet<string>): string[] {
  const errors: string[] = [];
  const titles = new Set<string>();
  spec.panels.forEach((panel, i) => {
    const at = `${prop}.panels[${i}]`;
    if (titles.has(panel.title)) errors.push(invalid(`${at}.title`, panel.title, `is the title of another panel of dashboard '${spec.title}': give each panel its own title`).message);
    titles.add(panel.title);
    panel.queries.forEach((q, j) => {
      const where = `${at}.queries[${j}]`;
      const expr = parseable(q.expr);
      const syntax = promqlSyntaxError(expr);
      if (syntax !== undefined) {
        errors.push(invalid(where, q.expr, `in panel '${panel.title}' of dashboard '${spec.title}' is not valid PromQL: syntax error at character ${syntax + 1} (parsed with @prometheus-io/lezer-promql)`).message);
        return;
      }
      for (const name of promqlMetricNames(expr)) {
        if (isCatalogSeries(name) || known.has(name)) continue;
        const removed = removedMetric(name);
        errors.push(invalid(where, q.expr, `in panel '${panel.title}' of dashboard '${spec.title}' reads ${name}, which is ${removed ? `no longer exported (${removed})` : 'neither a catalog metric, a recorded series of the RecordingRules nor one of \'declaredMetrics\''}: the panel would show no data`).message);
      }
    });
  });
  spec.variables.forEach((v, i) => {
    const used = new RegExp(`\\$(\\{${v.name}(:[a-z]+)?\\}|${v.name}\\b)`);
    if (!spec.panels.some(p => p.queries.some(q => used.test(q.expr)))) {
      errors.push(invalid(`${prop}.variables[${i}]`, v.name, `is declared on dashboard '${spec.title}' but no query uses it: picking a value would change nothing; use $${v.name} in a query or remove the variable`).message);
    }
  });
  return errors;
}

/** Throws the library's error unless `panel` is a well-formed panel. @internal */
export function requirePanel(prop: string, panel: DashboardPanel): DashboardPanel {
  if (panel === null || typeof panel !== 'object') throw invalid(prop, panel, 'must be a panel: { row, title, queries: [{ expr }] }');
  if (typeof panel.row !== 'string' || panel.row.trim() === '') throw invalid(`${prop}.row`, panel.row, 'must be a non-empty row title');
  if (typeof panel.title !== 'string' || panel.title.trim() === '') throw invalid(`${prop}.title`, panel.title, 'must be a non-empty panel title');
  if (panel.kind !== undefined && !Object.values(PanelKind).includes(panel.kind)) throw invalid(`${prop}.kind`, panel.kind, `must be one of ${Object.values(PanelKind).join(', ')}`);
  if (!Array.isArray(panel.queries) || panel.queries.length === 0) throw invalid(`${prop}.queries`, panel.queries, 'must be a non-empty list of { expr, legend? }');
  panel.queries.forEach((q, i) => {
    if (q === null || typeof q !== 'object' || typeof q.expr !== 'string' || q.expr.trim() === '') throw invalid(`${prop}.queries[${i}].expr`, q?.expr, 'must be a non-empty PromQL expression');
  });
  return { ...panel, queries: panel.queries.map(q => ({ ...q })) };
}

/** Throws the library's error unless `variable` is a well-formed custom variable. @internal */
export function requireVariable(prop: string, variable: DashboardVariable, taken: readonly string[]): DashboardVariable {
  if (variable === null || typeof variable !== 'object') throw invalid(prop, variable, 'must be a variable: { name, values }');
  if (typeof variable.name !== 'string' || !VARIABLE_NAME.test(variable.name) || variable.name.startsWith('__')) {
    throw invalid(`${prop}.name`, variable.name, 'must be a Grafana variable name: letters, digits and \'_\', not starting with a digit or \'__\'');
  }
  if (taken.includes(variable.name)) throw invalid(`${prop}.name`, variable.name, 'is already a variable of this dashboard: give each variable its own name');
  if (!Array.isArray(variable.values) || variable.values.length === 0 || variable.values.some(v => typeof v !== 'string' || v === '' || v.includes(','))) {
    throw invalid(`${prop}.values`, variable.values, 'must be a non-empty list of non-empty values without commas');
  }
  return { ...variable, values: [...variable.values] };
}

/**
 * Renders a dashboard with the Grafana Foundation SDK builders: a `datasource` variable of
 * type prometheus, the custom variables, then each row and its panels, every query reading
 * through `${datasource}`.
 * @internal
 */
export function renderDashboard(spec: DashboardSpec): Dashboard {
  const ds = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };
  const builder = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(spec.tags)
    .editable()
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .withVariable(new dashboard.DatasourceVariableBuilder(DATASOURCE_VARIABLE).label('Prometheus').type('prometheus'));
  for (const v of spec.variables) {
    builder.withVariable(new dashboard.CustomVariableBuilder(v.name).label(v.label ?? v.name).values(v.values.join(',')).multi(true).includeAll(true)
      .current({ selected: true, text: ['All'], value: ['$__all'] }));
  }
  const rows: string[] = [];
  for (const p of spec.panels) if (!rows.includes(p.row)) rows.push(p.row);
  for (const row of rows) {
    builder.withRow(new dashboard.RowBuilder(row));
    for (const p of spec.panels.filter(x => x.row === row)) builder.withPanel(panelBuilder(p, ds));
  }
  return builder.build();
}

function panelBuilder(p: DashboardPanel, ds: { type: string; uid: string }): PanelBuilder {
  const targets = p.queries.map((q, i) => {
    const t = new prometheus.DataqueryBuilder().expr(q.expr).refId(String.fromCharCode(65 + i)).datasource(ds);
    return q.legend !== undefined ? t.legendFormat(q.legend) : t;
  });
  const unit = p.unit ?? 'short';
  if ((p.kind ?? PanelKind.TIMESERIES) === PanelKind.STAT) {
    const b = new stat.PanelBuilder().title(p.title).datasource(ds).unit(unit).targets(targets).height(6).span(6);
    return p.description ? b.description(p.description) : b;
  }
  const b = new timeseries.PanelBuilder().title(p.title).datasource(ds).unit(unit).targets(targets).height(8).span(12);
  return p.description ? b.description(p.description) : b;
}
