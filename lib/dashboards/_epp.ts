import { DashboardSpec, templated } from './_model';
import { DashboardPanel } from './dashboard-panel';
import { invalid } from '../core/_validation';
import type { EndpointPicker } from '../gateway/endpoint-picker';
import { constructPathOr, requireEndpointPicker } from '../metrics/_epp-identity';
import {
  eppMetricKvCacheUtilization, eppMetricQueueSize, eppMetricReadyPods, eppMetricRequestDuration, eppMetricRequestErrors,
  eppMetricRequests, eppMetricSchedulerDuration,
} from '../metrics/epp-metrics';
import type { ServingPool } from '../vllm/serving-pool';

/** The row of the EPP panels on the Model pool dashboard. @internal */
export const EPP_ROW = 'Endpoint picker';
/** The variable picking EPPs, by Service name (one EPP per InferencePool). @internal */
export const EPP_VARIABLE = 'epp';

/** EPP series: `namespace` and the EPP's Service (its `service` target label) from the variables. */
const EPP_VARS = { namespace: 'namespace', service: EPP_VARIABLE };
const RATE = '[$__rate_interval]';
const BY = 'namespace, service';
const LEGEND = '{{service}}';

/**
 * Checks `endpointPickers` of `ServingDashboards`: EPPs in front of `pools` (their row is on
 * the Model pool dashboard, next to their pools' panels), each listed once.
 * @internal
 */
export function validateDashboardEndpointPickers(value: unknown, pools: readonly ServingPool[]): EndpointPicker[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid('endpointPickers', constructPathOr(value), 'must be a list of EndpointPicker (the InferencePool constructs of lib/gateway)');
  return value.map((v, i) => {
    const prop = `endpointPickers[${i}]`;
    const epp = requireEndpointPicker(prop, v);
    const first = value.indexOf(v);
    if (first !== i) throw invalid(prop, epp.node.path, `is endpointPickers[${first}] again: list each InferencePool once`);
    if (!pools.includes(epp.modelPool)) {
      throw invalid(`${prop}.modelPool`, epp.modelPool.node.path, `is not one of 'pools': the panels of InferencePool '${epp.poolName}' are a row of the Model pool dashboard, which shows 'pools'; add the pool to 'pools'`);
    }
    return epp;
  });
}

/**
 * The Model pool dashboard with a row for the endpoint pickers of `epps` (and the variable
 * `epp` picking them by Service): the endpoints each EPP routes to, the queue and KV-cache
 * usage it sees across its pool, requests and errors through it by error code, its
 * scheduling and request latency. Every query comes from the `eppMetric*()` accessors, scoped
 * by `namespace` and the EPP Service's `service` label.
 * @internal
 */
export function withEndpointPickers(spec: DashboardSpec, epps: readonly EndpointPicker[]): DashboardSpec {
  if (epps.length === 0) return spec;
  const sample = epps[0];
  const sel = (m: ReturnType<typeof eppMetricReadyPods>, suffix = '') => templated(m, EPP_VARS, suffix);
  const panels: DashboardPanel[] = [
    {
      row: EPP_ROW, title: 'EPP: ready endpoints', unit: 'short',
      description: 'How many of the pool\'s pods does the endpoint picker route to (Ready, selected by the InferencePool, with fresh model-server metrics)?',
      queries: [{ expr: `max by (${BY}) (${sel(eppMetricReadyPods(sample))})`, legend: LEGEND }],
    },
    {
      row: EPP_ROW, title: 'EPP: mean queue per endpoint', unit: 'short',
      description: 'How many requests wait per endpoint, as the endpoint picker sees the pool?',
      queries: [{ expr: `max by (${BY}) (${sel(eppMetricQueueSize(sample))})`, legend: LEGEND }],
    },
    {
      row: EPP_ROW, title: 'EPP: mean KV-cache usage', unit: 'percentunit',
      description: 'How full are the endpoints\' KV caches on average, as the endpoint picker sees the pool?',
      queries: [{ expr: `max by (${BY}) (${sel(eppMetricKvCacheUtilization(sample))})`, legend: LEGEND }],
    },
    {
      row: EPP_ROW, title: 'EPP: requests and errors per second', unit: 'reqps',
      description: 'How many requests does the endpoint picker schedule, and which fail (by error code)?',
      queries: [
        { expr: `sum by (${BY}) (rate(${sel(eppMetricRequests(sample))}${RATE}))`, legend: `scheduled ${LEGEND}` },
        { expr: `sum by (${BY}, error_code) (rate(${sel(eppMetricRequestErrors(sample))}${RATE}))`, legend: `{{error_code}} ${LEGEND}` },
      ],
    },
    {
      row: EPP_ROW, title: 'EPP: scheduling latency p99', unit: 's',
      description: 'How long does the endpoint picker take to pick an endpoint (its buckets end at 100 ms)?',
      queries: [{ expr: `histogram_quantile(0.99, sum by (${BY}, le) (rate(${sel(eppMetricSchedulerDuration(sample), '_bucket')}${RATE})))`, legend: `p99 ${LEGEND}` }],
    },
    {
      row: EPP_ROW, title: 'EPP: request latency p95', unit: 's',
      description: 'How long do requests take from the endpoint picker receiving them to the end of the response?',
      queries: [{ expr: `histogram_quantile(0.95, sum by (${BY}, le) (rate(${sel(eppMetricRequestDuration(sample), '_bucket')}${RATE})))`, legend: `p95 ${LEGEND}` }],
    },
  ];
  return {
    ...spec,
    variables: [...spec.variables, { name: EPP_VARIABLE, label: 'Endpoint picker', values: epps.map(e => e.service.name) }],
    panels: [...spec.panels, ...panels],
  };
}
