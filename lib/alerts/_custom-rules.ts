import { Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { CustomAlertOptions, CustomRecordingRuleOptions, Severity } from './alert-rule';
import { promDuration } from './_rule-text';
import * as monitoring from '../../imports/monitoring.coreos.com';
import { wholeSeconds } from '../core/_units';
import { invalid, requireHttpUrl } from '../core/_validation';
import { MetricDefinition, MetricType, isCatalogSeries, removedMetric } from '../metrics/catalog';
import { promqlMetricNames, requirePromQL } from '../metrics/promql';

/** A Prometheus label name. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** An alert name: Prometheus requires a valid metric name (rulefmt); the library keeps `:` out of it. */
const ALERT_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** `level:metric:operations`, each part letters, digits and `_` (Prometheus naming best practices). */
const RECORD_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+$/;
/** The group of the user's rules when the options name none. */
export const DEFAULT_CUSTOM_GROUP = 'custom';

interface CustomRule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/**
 * Checks `declaredMetrics` of an alert or recording-rule construct: metric definitions, as
 * returned by `defineMetric()`.
 * @internal
 */
export function requireDeclaredMetrics(value: unknown): MetricDefinition[] {
  const declared = value ?? [];
  if (!Array.isArray(declared)) throw invalid('declaredMetrics', declared, 'must be a list of metric definitions (defineMetric())');
  declared.forEach((d, i) => {
    if (d === null || typeof d !== 'object' || typeof d.name !== 'string' || !Object.values(MetricType).includes(d.type)) {
      throw invalid(`declaredMetrics[${i}]`, d, 'must be a metric definition, as returned by defineMetric()');
    }
  });
  return [...declared] as MetricDefinition[];
}

/**
 * The user's own rules of an alert construct (`addAlert()`, `addRecordingRule()`), checked
 * like the built-in ones: the expression parses (the Prometheus PromQL grammar); every metric
 * it reads is a catalog metric, a series recorded in the App (by this construct or a
 * `RecordingRules`) or one of `declaredMetrics`; an alert has a name, `for`, a severity, a
 * summary and a runbook; a recorded name is `level:metric:operations`. One implementation for
 * `ServingAlerts` and `WorkloadAlerts`.
 * @internal
 */
export class CustomRules {
  private readonly groups = new Map<string, CustomRule[]>();

  /**
   * @param owner the alert construct (named in errors)
   * @param builtInGroups group names the construct renders itself, refused for user rules
   * @param declared metrics the user declared (`declaredMetrics`)
   * @param runbookBase the construct's runbook base URL (without fragment)
   */
  public constructor(
    private readonly owner: Construct,
    private readonly builtInGroups: readonly string[],
    private readonly declared: readonly MetricDefinition[],
    private readonly runbookBase: string,
  ) {}

  public addAlert(options: CustomAlertOptions): void {
    if (options === null || typeof options !== 'object') throw invalid('options', options, 'must be { alert, expr, for, severity, summary, description?, runbookUrl?, labels?, group? }');
    const { alert } = options;
    if (typeof alert !== 'string' || !ALERT_NAME.test(alert)) {
      throw invalid('alert', alert, 'must be an alert name: letters, digits and \'_\', not starting with a digit, e.g. QueueWorkerBacklog');
    }
    const group = this.requireGroup(options.group);
    const expr = this.requireExpr(options.expr);
    if (options.for === undefined) {
      throw invalid('for', undefined, `is required on alert ${alert}: how long the condition must hold before it fires, e.g. Duration.minutes(10); without it one evaluation (a single bad scrape) fires it`);
    }
    if (!(options.for instanceof Duration)) throw invalid('for', options.for, 'must be a Duration, e.g. Duration.minutes(10)');
    const forSeconds = wholeSeconds('for', options.for);
    if (!Object.values(Severity).includes(options.severity)) {
      throw invalid('severity', options.severity, `must be one of ${Object.values(Severity).join(', ')} (Severity.CRITICAL, WARNING or INFO)`);
    }
    if (typeof options.summary !== 'string' || options.summary.trim() === '') {
      throw invalid('summary', options.summary, 'must be a non-empty line saying what is wrong and where');
    }
    if (options.description !== undefined && typeof options.description !== 'string') throw invalid('description', options.description, 'must be a string');
    const runbook = options.runbookUrl ?? `${this.runbookBase}#${alert.toLowerCase()}`;
    if (typeof runbook !== 'string') throw invalid('runbookUrl', runbook, 'must be an http:// or https:// URL');
    requireHttpUrl('runbookUrl', runbook);
    const labels = requireLabels(options.labels, ['severity']);
    const list = this.groups.get(group) ?? [];
    if (list.some(r => r.alert === alert)) {
      throw invalid('alert', alert, `is already an alert of group "${group}" of '${this.owner.node.path}': give each alert its own name, or add it to another group`);
    }
    list.push({
      alert, expr, for: promDuration(Duration.seconds(forSeconds)),
      labels: { severity: options.severity, ...labels },
      annotations: { summary: options.summary, ...(options.description ? { description: options.description } : {}), runbook_url: runbook },
    });
    this.groups.set(group, list);
  }

  public addRecordingRule(options: CustomRecordingRuleOptions): MetricDefinition {
    if (options === null || typeof options !== 'object') throw invalid('options', options, 'must be { record, expr, labels?, group? }');
    const { record } = options;
    if (typeof record !== 'string' || !RECORD_NAME.test(record)) {
      throw invalid('record', record, 'must be a Prometheus metric name in the recording-rule form level:metric:operations (letters, digits and \'_\' in each of the three parts), e.g. namespace:http_requests:rate5m');
    }
    const group = this.requireGroup(options.group);
    const expr = this.requireExpr(options.expr);
    const labels = requireLabels(options.labels, []);
    const list = this.groups.get(group) ?? [];
    if (list.some(r => r.record === record && JSON.stringify(r.labels ?? {}) === JSON.stringify(labels))) {
      throw invalid('record', record, `is already recorded with these labels in group "${group}" of '${this.owner.node.path}': give each rule its own name or labels`);
    }
    list.push({ record, expr, ...(Object.keys(labels).length ? { labels } : {}) });
    this.groups.set(group, list);
    return { name: record, type: MetricType.GAUGE, labels: [], help: `recorded by '${this.owner.node.path}'` };
  }

  /** The user's groups, in the order they were first used. */
  public render(): monitoring.PrometheusRuleSpecGroups[] {
    return [...this.groups.entries()].map(([name, rules]) => ({
      name,
      rules: rules.map(r => ({ ...r, expr: monitoring.PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) })),
    }));
  }

  /** The series this construct records, as gauges. */
  public get recordedMetrics(): MetricDefinition[] {
    return [...this.groups.values()].flat().flatMap(r => r.record ? [{ name: r.record, type: MetricType.GAUGE, labels: [], help: `recorded by '${this.owner.node.path}'` }] : []);
  }

  private requireGroup(group: unknown): string {
    const name = group ?? DEFAULT_CUSTOM_GROUP;
    if (typeof name !== 'string' || name.trim() === '') throw invalid('group', name, 'must be a non-empty rule group name');
    if (this.builtInGroups.includes(name)) {
      throw invalid('group', name, `is a group '${this.owner.node.path}' renders itself: put your rules in a group of their own (default "${DEFAULT_CUSTOM_GROUP}")`);
    }
    return name;
  }

  private requireExpr(expr: unknown): string {
    if (typeof expr !== 'string') throw invalid('expr', expr, 'must be a PromQL expression');
    requirePromQL('expr', expr);
    for (const name of promqlMetricNames(expr)) {
      const hint = removedMetric(name);
      if (hint !== undefined) throw invalid('expr', expr, `reads ${name}, which no longer exists (the rule would read nothing): ${hint}`);
      if (!this.known(name)) {
        throw invalid('expr', expr, `reads ${name}, which is neither a catalog metric, a series recorded in this App nor one of 'declaredMetrics': a rule over a series nothing exports never fires; use a catalog metric (VllmMetrics, KubeStateMetrics, ...), record it with addRecordingRule(), or declare it with defineMetric() in 'declaredMetrics'`);
      }
    }
    return expr;
  }

  private known(series: string): boolean {
    if (isCatalogSeries(series)) return true;
    const declared = this.declared.some(m => m.name === series
      || (m.type === MetricType.HISTOGRAM && [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`].includes(series)));
    return declared || this.recordedInApp().has(series);
  }

  /** Names recorded in the App: by this construct, and by any construct exposing `recordedMetrics` (RecordingRules, alert constructs). */
  private recordedInApp(): Set<string> {
    const names = new Set(this.recordedMetrics.map(m => m.name));
    for (const c of this.owner.node.root.node.findAll()) {
      const recorded = (c as IConstruct & { recordedMetrics?: unknown }).recordedMetrics;
      if (Array.isArray(recorded)) recorded.forEach(m => typeof m?.name === 'string' && names.add(m.name));
    }
    return names;
  }
}

function requireLabels(labels: unknown, reserved: readonly string[]): Record<string, string> {
  if (labels === undefined) return {};
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) throw invalid('labels', labels, 'must be a map of label names to values');
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_NAME.test(k) || k.startsWith('__')) throw invalid(`labels.${k}`, v, 'must be keyed by a Prometheus label name: letters, digits and \'_\', not starting with a digit or \'__\'');
    if (reserved.includes(k)) throw invalid(`labels.${k}`, v, `is set from the option '${k}'`);
    if (typeof v !== 'string') throw invalid(`labels.${k}`, v, 'must be a string');
  }
  return { ...labels as Record<string, string> };
}
