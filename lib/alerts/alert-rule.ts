import { Duration } from 'cdk8s';

/** Alert severities, as Alertmanager routes them. */
export enum Severity {
  /** Users are failing now: page. */
  CRITICAL = 'critical',
  /** Degraded or heading for failure: a ticket for working hours. */
  WARNING = 'warning',
  /** Worth knowing (cost, capacity): no action needed now. */
  INFO = 'info',
}

/** One alerting rule, as the library renders it into a PrometheusRule group. */
export interface AlertRule {
  /** CamelCase alert name, e.g. `LlmQueueBuildup`. */
  readonly alert: string;
  /** The PromQL condition; parsed at synth. */
  readonly expr: string;
  /** How long the condition must hold. */
  readonly for: Duration;
  readonly severity: Severity;
  /** One line naming the model (or workload) and namespace. */
  readonly summary: string;
  /** What it means and what to do. */
  readonly description: string;
  /** Static labels identifying the subject (`namespace`, `model_name`, ...). */
  readonly labels: Readonly<Record<string, string>>;
}

/** A rule of your own for `addAlert()` on `ServingAlerts` or `WorkloadAlerts`, checked like the built-in ones. */
export interface CustomAlertOptions {
  /** The alert name (letters, digits and `_`), unique in its group, e.g. `QueueWorkerBacklog`. */
  readonly alert: string;
  /**
   * The condition, PromQL: parsed at the call, and every metric it reads must be a catalog
   * metric, a series recorded in the App (`addRecordingRule()`, `RecordingRules`) or one of the
   * construct's `declaredMetrics`.
   */
  readonly expr: string;
  /** How long the condition must hold before the alert fires (whole seconds, at least 1). Required. */
  readonly for: Duration;
  /** The severity, rendered as the `severity` label. */
  readonly severity: Severity;
  /** One line: what is wrong and where (the `summary` annotation). */
  readonly summary: string;
  /** What it means and what to do (the `description` annotation). @default - no description */
  readonly description?: string;
  /** The runbook (the `runbook_url` annotation), an http(s) URL. @default - `<runbookBaseUrl>#<alert in lower case>` */
  readonly runbookUrl?: string;
  /** Static labels (not `severity`). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** The rule group; not a group the construct renders itself. @default 'custom' */
  readonly group?: string;
}

/** A recording rule of your own for `addRecordingRule()` on `ServingAlerts` or `WorkloadAlerts`. */
export interface CustomRecordingRuleOptions {
  /** The recorded name, `level:metric:operations` (e.g. `namespace:http_requests:rate5m`). */
  readonly record: string;
  /** The PromQL expression; checked as `CustomAlertOptions.expr`. */
  readonly expr: string;
  /** Static labels added to the recorded series. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** The rule group; not a group the construct renders itself. @default 'custom' */
  readonly group?: string;
}
