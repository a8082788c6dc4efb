import { Duration } from 'cdk8s';
import { wholeSeconds } from '../core/_units';
import { invalid, requireLabelKey, requireLabelValue } from '../core/_validation';
import { NetworkPeer, requireNetworkPeer } from '../network/network-peer';

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
  /**
   * The Prometheus pods that scrape the monitors, e.g.
   * `NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' })` for
   * kube-prometheus-stack. The NetworkPolicy of every scraped workload admits them on the
   * metrics port (and nobody else there); required when the workload has a NetworkPolicy.
   * @default - none
   */
  readonly scraper?: NetworkPeer;
}

/** The default scrape interval. @internal */
export const DEFAULT_SCRAPE_INTERVAL = Duration.seconds(15);

/** Validates discovery options and returns the interval as a Prometheus duration. @internal */
export function validateDiscovery(prop: string, discovery: MonitorDiscovery): string {
  if (!discovery || typeof discovery !== 'object') {
    throw invalid(prop, discovery, 'is required: the labels Prometheus selects monitors by, e.g. { labels: { release: \'kube-prometheus-stack\' } } ({ labels: {} } for a Prometheus that selects every monitor)');
  }
  if (!discovery.labels || typeof discovery.labels !== 'object') {
    throw invalid(`${prop}.labels`, discovery?.labels, 'is required: the labels your Prometheus selects monitors by, e.g. { release: \'kube-prometheus-stack\' }, or {} for a Prometheus that selects every monitor');
  }
  if (discovery.scraper !== undefined) requireNetworkPeer(`${prop}.scraper`, discovery.scraper);
  for (const [key, value] of Object.entries(discovery.labels)) {
    requireLabelKey(`${prop}.labels`, key);
    requireLabelValue(`${prop}.labels.${key}`, value);
  }
  return `${wholeSeconds(`${prop}.interval`, discovery.interval ?? DEFAULT_SCRAPE_INTERVAL)}s`;
}
