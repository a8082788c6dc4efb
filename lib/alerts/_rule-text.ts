import { Duration } from 'cdk8s';
import { MetricDefinition } from '../metrics/catalog';
import { ScopedMetric } from '../metrics/scoped-metric';

/** A catalog metric's selector with equality and regex matchers. @internal */
export function sel(metric: MetricDefinition, matchers: Record<string, string>, regex: Record<string, string> = {}): string {
  return new ScopedMetric(metric, matchers, regex).selector;
}

/** A Prometheus duration: `1h`, `10m`, or `1500s`. @internal */
export function promDuration(d: Duration): string {
  const s = d.toSeconds();
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}
