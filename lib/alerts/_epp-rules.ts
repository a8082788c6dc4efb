import { Duration } from 'cdk8s';
import { AlertRule, Severity } from './alert-rule';
import { METRIC_LABEL_POOL } from '../core/_labels';
import { invalid } from '../core/_validation';
import type { EndpointPicker } from '../gateway/endpoint-picker';
import { constructPathOr, requireEndpointPicker } from '../metrics/_epp-identity';
import { eppMetricReadyPods, eppMetricRequestErrors, eppMetricRequests, eppMetricUp } from '../metrics/epp-metrics';

export { unmonitoredEndpointPicker } from '../metrics/_epp-identity';
import type { ServingPool } from '../vllm/serving-pool';

/**
 * The share of the EPP's requests that may fail before `LlmEppErrorRatio` fires: the threshold
 * of the upstream template alert `HighInferenceErrorRate` (kubernetes-sigs/gateway-api-inference-extension
 * v1.5.0 site-src/guides/metrics-and-observability.md, "Prometheus Alerts").
 * @internal
 */
export const EPP_ERROR_RATIO = 0.05;

/**
 * The static labels of an EPP's alerts: those of its model pool's alerts (`namespace`, `pool`,
 * `model_name`) and the InferencePool's name, so that two InferencePools in front of one
 * pool raise distinct alerts.
 * @internal
 */
export function eppLabels(epp: EndpointPicker): Record<string, string> {
  return { namespace: epp.namespace, [METRIC_LABEL_POOL]: epp.modelPool.name, model_name: epp.modelPool.servedModelName, inference_pool: epp.poolName };
}

/**
 * Checks `endpointPickers` of `ServingAlerts`: a list of EPPs, each in front of one of `pools`
 * (its rules go to that pool's PrometheusRule), none listed twice.
 * @internal
 */
export function validateEndpointPickers(value: unknown, pools: readonly ServingPool[]): EndpointPicker[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid('endpointPickers', constructPathOr(value), 'must be a list of EndpointPicker (the InferencePool constructs of lib/gateway)');
  const seen = new Map<unknown, number>();
  return value.map((v, i) => {
    const prop = `endpointPickers[${i}]`;
    const epp = requireEndpointPicker(prop, v);
    const first = seen.get(epp);
    if (first !== undefined) throw invalid(prop, epp.node.path, `is endpointPickers[${first}] again: list each InferencePool once`);
    seen.set(epp, i);
    if (!pools.includes(epp.modelPool)) {
      throw invalid(`${prop}.modelPool`, epp.modelPool.node.path, `is not one of 'pools': the rules of InferencePool '${epp.poolName}' go to its model pool's PrometheusRule and read that pool's series; add the pool to 'pools'`);
    }
    return epp;
  });
}

/**
 * The alert rules of one InferencePool's endpoint picker (group `llm-routing` of its model
 * pool's PrometheusRule):
 * - `LlmEppDown`: Prometheus cannot scrape the EPP, or has no target for it;
 * - `LlmInferencePoolNoEndpoints`: the EPP routes to no endpoint while the pool has pods serving;
 * - `LlmEppMissingEndpoints`: the EPP sees fewer endpoints than the pool has pods serving;
 * - `LlmEppErrorRatio`: more than 5 % of the requests through the EPP fail.
 * Every selector of the EPP's series is scoped by its ServiceMonitor's target labels
 * (`namespace`, `service`) and, for the InferencePool series, the pool's `name`; the pool's
 * pods are counted from its own series (namespace, `pool` label, model name).
 *
 * No alert reads the EPP's `inference_pool_average_queue_size` or
 * `inference_pool_average_kv_cache_utilization`: they are the means of the very
 * `vllm:num_requests_waiting` and `vllm:kv_cache_usage_perc` the model pool's
 * `LlmQueueBuildup` and `LlmKvCacheSaturated` already alert on (the EPP scrapes them from the
 * same pods: v1.5.0 pkg/epp/framework/plugins/datalayer/extractor/metrics/factories.go), so
 * an alert on them would fire twice for one cause.
 *
 * The error codes named in `LlmEppErrorRatio`: v1.5.0 pkg/epp/requestcontrol/director.go and
 * admission.go, pkg/epp/handlers/server.go (`ModelServerError`).
 * @internal
 */
export function eppRules(epp: EndpointPicker): AlertRule[] {
  const labels = eppLabels(epp);
  const pool = epp.modelPool;
  const subject = `InferencePool ${epp.poolName} (model ${pool.servedModelName}, pool ${pool.name}) in namespace ${epp.namespace}`;
  const eppName = `the endpoint picker ${epp.deployment.name}`;
  const up = eppMetricUp(epp).selector;
  const ready = eppMetricReadyPods(epp).selector;
  const byPool = 'by (namespace, name)';
  // The pool's pods Prometheus scrapes (those whose vLLM server is up), counted once each
  // however many engines (`engine` label, data parallelism) a pod runs.
  const servingPods = `count by (namespace) (count by (namespace, pod) (${pool.metricRequestsRunning().selector}))`;
  return [
    {
      alert: 'LlmEppDown',
      expr: `max by (namespace, service) (${up}) == 0 or absent(${up})`,
      for: Duration.minutes(5), severity: Severity.CRITICAL, labels,
      summary: `The endpoint picker of ${subject} is down`,
      description: `Prometheus has not scraped ${eppName} (Service ${epp.service.name}) for 5 minutes: every scrape fails, or no target exists. `
        + 'While the EPP is down the gateway rejects every request to the InferencePool (its endpointPickerRef failureMode FailClose), or, with FailOpen, routes them without picking. '
        + `Check the EPP's pods (kubectl get pods -n ${epp.namespace}), then the scrape: the EPP's metrics port requires a bearer token authorized for the nonResourceURL /metrics unless it runs with --metrics-endpoint-auth=false, and a ServiceMonitor the Prometheus does not select has no target at all.`,
    },
    {
      alert: 'LlmInferencePoolNoEndpoints',
      // Scaled to zero, the pool has no pod serving: silent. Down, the pool's own
      // LlmPoolNoReadyReplica fires. Not yet reporting its pool (absent) while the EPP is scraped:
      // it cannot read the InferencePool (--pool-name, RBAC).
      expr: `(max ${byPool} (${ready}) == 0 or absent(${ready}) and on (namespace) max by (namespace) (${up}) == 1)`
        + ` and on (namespace) ${servingPods}`,
      for: Duration.minutes(5), severity: Severity.CRITICAL, labels,
      summary: `The endpoint picker of ${subject} routes to no endpoint`,
      description: `${eppName} counts no ready endpoint in ${subject} for 5 minutes, while pods of the pool are serving: every request through the gateway fails. `
        + 'The EPP counts a pod once it is Ready, matches the InferencePool\'s selector and its model-server metrics were scraped within --metrics-staleness-threshold (2 s): check the InferencePool\'s selector and target port, the EPP\'s RBAC on pods and inferencepools, and whether a NetworkPolicy keeps the EPP from the pods\' metrics port.',
    },
    {
      alert: 'LlmEppMissingEndpoints',
      // group_left keeps the EPP side's labels (one-to-one matching `on` would keep only namespace).
      expr: `max ${byPool} (${ready}) > 0 < on (namespace) group_left ${servingPods}`,
      for: Duration.minutes(15), severity: Severity.WARNING, labels,
      summary: `The endpoint picker of ${subject} routes to fewer pods than serve`,
      description: `${eppName} counts {{ $value }} ready endpoints in ${subject}, fewer than the pool's pods Prometheus scrapes, for 15 minutes: the others get no traffic through the gateway while holding accelerators. `
        + 'The EPP drops a pod whose model-server metrics it cannot scrape within --metrics-staleness-threshold (2 s): check the EPP\'s logs for scrape errors, NetworkPolicies between the EPP and the pods, and the InferencePool\'s selector.',
    },
    {
      alert: 'LlmEppErrorRatio',
      // Errors over scheduled requests: a request failing before an endpoint is picked counts
      // as an error only, so with nothing scheduled the ratio is +Inf and fires.
      expr: `sum by (namespace, service) (rate(${eppMetricRequestErrors(epp).selector}[5m])) / sum by (namespace, service) (rate(${eppMetricRequests(epp).selector}[5m])) > ${EPP_ERROR_RATIO}`,
      for: Duration.minutes(10), severity: Severity.WARNING, labels,
      summary: `More than ${EPP_ERROR_RATIO * 100} % of requests fail at the endpoint picker of ${subject}`,
      description: `{{ $value | humanizePercentage }} of the requests ${eppName} handles for ${subject} fail. `
        + `Break them down by error_code (sum by (error_code) (rate(inference_objective_request_error_total{namespace="${epp.namespace}",service="${epp.service.name}"}[5m]))): ModelServerError is a model-server status other than 200; ServiceUnavailable, no endpoint candidate (or a request timed out in the EPP's queue); ResourceExhausted, no endpoint picked or a sheddable request dropped while the pool is saturated (scale out); BadRequest, a request the EPP cannot parse; Internal and Unknown, the EPP's own failures (its logs).`,
    },
  ];
}
