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
