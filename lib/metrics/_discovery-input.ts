import { invalid } from '../core/_validation';

/**
 * Checks a `discovery` prop received from plain JavaScript before it is read: an object whose
 * `labels` is an object (an empty one selects nothing in particular, a deliberate choice).
 * @param kind what Prometheus selects by these labels, for the message (`ServiceMonitors`)
 * @internal
 */
export function requireDiscoveryLabels(discovery: unknown, kind: string): void {
  const labels = (discovery as { labels?: unknown } | null | undefined)?.labels;
  if (discovery === null || typeof discovery !== 'object' || Array.isArray(discovery) || labels === null || typeof labels !== 'object' || Array.isArray(labels)) {
    throw invalid('discovery', discovery, `must be { labels, interval? }: the labels your Prometheus selects ${kind} by, e.g. { labels: { release: 'kube-prometheus-stack' } }`);
  }
}
