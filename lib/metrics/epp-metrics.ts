import * as kplus from 'cdk8s-plus-28';
import { EppMetrics, MetricDefinition, ScrapeMetrics } from './catalog';
import { ScopedMetric } from './scoped-metric';
import { invalid } from '../core/_validation';
import type { EndpointPicker } from '../gateway/endpoint-picker';

// The series of an InferencePool's endpoint picker (EPP), scoped to that one EPP: by the
// target labels its ServiceMonitor puts on every series (`namespace` and `service`, the EPP
// Service's namespace and name: prometheus-operator v0.93.0 pkg/prometheus/promcfg.go
// `generateServiceMonitorConfig` relabels `__meta_kubernetes_namespace` and
// `__meta_kubernetes_service_name` into them), and for the InferencePool series also by `name`,
// the InferencePool's name (kubernetes-sigs/gateway-api-inference-extension v1.5.0
// pkg/epp/metrics/metrics.go `poolLabels`). The EPP's own series carry no namespace, so
// without the target labels two EPPs of namesake pools in two namespaces would read as one.

/** A construct's path (what an error shows of it), or the value itself. @internal */
export function constructPathOr(value: unknown): unknown {
  const path = (value as { node?: { path?: unknown } } | null | undefined)?.node?.path;
  return typeof path === 'string' ? path : value;
}

/**
 * Throws the library's error unless `epp` has what the EPP's readers use: a pool name, a
 * namespace, a model pool, a cdk8s-plus Deployment and Service.
 * @param prop the prop naming the EPP, e.g. `endpointPickers[0]`
 * @internal
 */
export function requireEndpointPicker(prop: string, epp: unknown): EndpointPicker {
  if (epp === null || typeof epp !== 'object') throw invalid(prop, epp, 'must be an EndpointPicker (the InferencePool construct of lib/gateway)');
  const e = epp as Partial<EndpointPicker>;
  const path = constructPathOr(epp);
  const where = typeof path === 'string' ? ` ('${path}')` : '';
  if (typeof e.poolName !== 'string' || e.poolName === '') throw invalid(`${prop}.poolName`, e.poolName, `must be the InferencePool's name${where}`);
  if (typeof e.namespace !== 'string' || e.namespace === '') throw invalid(`${prop}.namespace`, e.namespace, `must be the InferencePool's namespace${where}`);
  if (!(e.service instanceof kplus.Service)) throw invalid(`${prop}.service`, constructPathOr(e.service), `must be the EPP's cdk8s-plus Service${where}`);
  if (!(e.deployment instanceof kplus.Deployment)) throw invalid(`${prop}.deployment`, constructPathOr(e.deployment), `must be the EPP's cdk8s-plus Deployment${where}`);
  if (e.modelPool === null || typeof e.modelPool !== 'object' || typeof e.modelPool.name !== 'string') {
    throw invalid(`${prop}.modelPool`, constructPathOr(e.modelPool), `must be the model pool the InferencePool selects${where}`);
  }
  return epp as EndpointPicker;
}

/**
 * The error message when `reader` reads the series of `epp` but the EPP has no ServiceMonitor:
 * nothing would scrape it, so every query on it matches nothing and `LlmEppDown` would fire
 * for a healthy EPP, and its dashboard panels would stay empty.
 * @internal
 */
export function unmonitoredEndpointPicker(prop: string, epp: EndpointPicker, reader: string): string | undefined {
  if (epp.serviceMonitor !== undefined) return undefined;
  return invalid(prop, epp.node.path, `has no ServiceMonitor, but ${reader} reads the EPP's series by the 'namespace' and 'service' labels its ServiceMonitor's scrape adds (without it nothing scrapes the EPP: the queries match nothing); call monitor() on '${epp.node.path}'`).message;
}

/** `{ namespace, service }`: the target labels of the EPP's scraped series. @internal */
export function eppTargetMatchers(epp: EndpointPicker): Record<string, string> {
  return { namespace: epp.namespace, service: epp.service.name };
}

function target(epp: EndpointPicker, definition: MetricDefinition): ScopedMetric {
  requireEndpointPicker('epp', epp);
  return new ScopedMetric(definition, eppTargetMatchers(epp));
}

function pool(epp: EndpointPicker, definition: MetricDefinition): ScopedMetric {
  requireEndpointPicker('epp', epp);
  return new ScopedMetric(definition, { ...eppTargetMatchers(epp), name: epp.poolName });
}

/**
 * `up` of the EPP's scrape targets (1 scraped, 0 failed), `{ namespace, service }`.
 * @example eppMetricUp(epp).selector  // up{namespace="llm",service="llama-epp"}
 */
export function eppMetricUp(epp: EndpointPicker): ScopedMetric {
  return target(epp, ScrapeMetrics.UP);
}

/** Endpoints of the InferencePool the EPP counts as ready (fresh model-server metrics) (gauge). */
export function eppMetricReadyPods(epp: EndpointPicker): ScopedMetric {
  return pool(epp, EppMetrics.POOL_READY_PODS);
}

/** Mean KV-cache usage of the pool's endpoints as the EPP sees it, 0 to 1 (gauge). */
export function eppMetricKvCacheUtilization(epp: EndpointPicker): ScopedMetric {
  return pool(epp, EppMetrics.POOL_AVERAGE_KV_CACHE_UTILIZATION);
}

/** Mean waiting requests per endpoint as the EPP sees it (gauge). */
export function eppMetricQueueSize(epp: EndpointPicker): ScopedMetric {
  return pool(epp, EppMetrics.POOL_AVERAGE_QUEUE_SIZE);
}

/** Mean running requests per endpoint as the EPP sees it (gauge). */
export function eppMetricRunningRequests(epp: EndpointPicker): ScopedMetric {
  return pool(epp, EppMetrics.POOL_AVERAGE_RUNNING_REQUESTS);
}

/** Waiting requests of each endpoint (`model_server_pod`) as the EPP sees it (gauge). */
export function eppMetricPerPodQueueSize(epp: EndpointPicker): ScopedMetric {
  return pool(epp, EppMetrics.POOL_PER_POD_QUEUE_SIZE);
}

/** Requests the EPP scheduled (counter). */
export function eppMetricRequests(epp: EndpointPicker): ScopedMetric {
  return target(epp, EppMetrics.OBJECTIVE_REQUEST_TOTAL);
}

/** Requests that failed at the EPP or at the model server behind it, by `error_code` (counter). */
export function eppMetricRequestErrors(epp: EndpointPicker): ScopedMetric {
  return target(epp, EppMetrics.OBJECTIVE_REQUEST_ERROR_TOTAL);
}

/** Request latency through the EPP, seconds (histogram). */
export function eppMetricRequestDuration(epp: EndpointPicker): ScopedMetric {
  return target(epp, EppMetrics.OBJECTIVE_REQUEST_DURATION);
}

/** The time the EPP's scheduler takes to pick an endpoint, seconds (histogram). */
export function eppMetricSchedulerDuration(epp: EndpointPicker): ScopedMetric {
  return target(epp, EppMetrics.SCHEDULER_E2E_DURATION);
}
