import { Duration } from 'cdk8s';
import { invalid, requireLabelKey, requireLabelValue } from '../core/_validation';

/**
 * How Prometheus finds the monitors and rules the library renders. kube-prometheus-stack
 * selects only objects labelled `release: <helm release>` (FACTS §G); an unlabelled monitor
 * is silently ignored, so the labels are always an explicit choice (`{}` for a Prometheus
 * that selects everything).
 */
export interface MonitorDiscovery {
  /** Labels on every ServiceMonitor, PodMonitor and PrometheusRule, e.g. `{ release: 'kube-prometheus-stack' }`. */
  readonly labels: Record<string, string>;
  /** Scrape interval. @default Duration.seconds(15) */
  readonly interval?: Duration;
}

/** The default scrape interval. @internal */
export const DEFAULT_SCRAPE_INTERVAL = Duration.seconds(15);

/** Validates discovery options and returns the interval as a Prometheus duration. @internal */
export function validateDiscovery(prop: string, discovery: MonitorDiscovery): string {
  for (const [key, value] of Object.entries(discovery.labels)) {
    requireLabelKey(`${prop}.labels`, key);
    requireLabelValue(`${prop}.labels.${key}`, value);
  }
  const seconds = (discovery.interval ?? DEFAULT_SCRAPE_INTERVAL).toMilliseconds() / 1000;
  if (!(Number.isInteger(seconds) && seconds > 0)) throw invalid(`${prop}.interval`, `${seconds}s`, 'must be whole seconds greater than 0');
  return `${seconds}s`;
}
