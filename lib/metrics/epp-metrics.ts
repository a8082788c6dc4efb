import { eppTargetMatchers, requireEndpointPicker } from './_epp-identity';
import { EppMetrics, MetricDefinition, ScrapeMetrics } from './catalog';
import { ScopedMetric } from './scoped-metric';
import type { EndpointPicker } from '../gateway/endpoint-picker';

// The series of an InferencePool's endpoint picker (EPP), scoped to that one EPP: by the
// target labels its ServiceMonitor puts on every series (`namespace` and `service`, the EPP
// Service's namespace and name: prometheus-operator v0.93.0 pkg/prometheus/promcfg.go
// `generateServiceMonitorConfig` relabels `__meta_kubernetes_namespace` and
// `__meta_kubernetes_service_name` into them), and for the InferencePool series also by `name`,
// the InferencePool's name (kubernetes-sigs/gateway-api-inference-extension v1.5.0
// pkg/epp/metrics/metrics.go `poolLabels`). The EPP's own series carry no namespace, so
// without the target labels two EPPs of namesake pools in two namespaces would read as one.

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
