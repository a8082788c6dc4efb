import { Duration } from 'cdk8s';
import { KubeStateMetrics, MetricDefinition } from '../metrics/catalog';
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

/**
 * A KEDA error counter's rate for one ScaledObject. KEDA's operator is scraped in its own
 * namespace, so the ScaledObject's `namespace` label survives only with `honorLabels`;
 * otherwise Prometheus renames it `exported_namespace`. Match either.
 * @internal
 */
export function kedaErrorRate(metric: MetricDefinition, namespace: string, scaledObject: string, window = '5m'): string {
  return `sum by (scaledObject) (${kedaErrors('rate', metric, namespace, scaledObject, window)}) > 0`;
}

/** `fn(<metric>[window])` over both namespace labellings of KEDA's series (see `kedaErrorRate`). @internal */
export function kedaErrors(fn: 'rate' | 'increase', metric: MetricDefinition, namespace: string, scaledObject: string, window: string): string {
  const honored = sel(metric, { namespace, scaledObject });
  const exported = sel(metric, { exported_namespace: namespace, scaledObject });
  return `${fn}(${honored}[${window}]) or ${fn}(${exported}[${window}])`;
}

/**
 * Direction changes of an HPA's desired replicas over `window`: the replicas sampled each
 * minute (a subquery), the sign of each minute's change kept only where it changed
 * (`!= 0` drops the steady minutes), and `changes()` counting the flips between +1 and -1.
 * A steady ramp (1, 2, 3, ... 8) counts 0; up, down, up, down counts 3. Two changes within one
 * minute that cancel out are not seen: the HPA syncs every 15 s, so flapping that fast also
 * shows across minutes. Aggregated by HPA: a kube-state-metrics series also carries its own
 * scrape labels (`job`, `instance`, `pod`), which change when it restarts.
 * @internal
 */
export function directionChanges(hpa: Record<string, string>, window: string): string {
  const desired = sel(KubeStateMetrics.HPA_STATUS_DESIRED_REPLICAS, hpa);
  return `max by (namespace, horizontalpodautoscaler) (changes(sgn((${desired} - ${desired} offset 1m) != 0)[${window}:1m]))`;
}
