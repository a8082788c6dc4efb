import type { PodMetricsMonitor } from './pod-metrics-monitor';
import { METRIC_LABEL_POOL } from '../core/_labels';
import { invalid } from '../core/_validation';
import type { ServingPool } from '../vllm/serving-pool';

/**
 * The pool's PodMonitor (`ServingPool.podMonitor`, set by `pool.monitor()`), if any.
 * @internal
 */
export function poolMonitor(pool: ServingPool): PodMetricsMonitor | undefined {
  return pool.podMonitor;
}

/**
 * The error message when `reader` reads `pool`'s series but the pool has no PodMonitor:
 * nothing would put the `pool` label on its series, so a query scoped by it matches nothing
 * (and one that is not scoped by it reads every pool serving the same model name).
 * @param prop the prop naming the pool, e.g. `pools[0]` or `triggers[1]`
 * @param reader what reads the series, e.g. `ServingAlerts 'monitoring/alerts'`
 * @internal
 */
export function unmonitoredPool(prop: string, pool: ServingPool, reader: string): string | undefined {
  if (poolMonitor(pool) !== undefined) return undefined;
  return invalid(prop, pool.node.path, `has no PodMonitor, but ${reader} reads its series by the '${METRIC_LABEL_POOL}' label, which only the pool's PodMonitor adds at scrape time (without it the query matches nothing); call pool.monitor(discovery) on '${pool.node.path}'`).message;
}

/** The pool's name, the value of its `pool` label (`ServingPool.name`). @internal */
export function poolName(pool: ServingPool): string {
  return pool.name;
}
