import { invalid } from '../core/_validation';

/**
 * The metric catalog: every Prometheus metric name the library references, written once,
 * with its type and labels. Queries, autoscaler triggers, adapter rules and alerts are all
 * built from these entries (via `ScopedMetric`), never from a name typed elsewhere.
 *
 * Names are the exposition names as scraped: prometheus_client appends `_total` to counters.
 * Sources: ../shared/FACTS.md (section noted on each group).
 */

/** Prometheus metric types. */
export enum MetricType {
  COUNTER = 'counter',
  GAUGE = 'gauge',
  HISTOGRAM = 'histogram',
}

/** One metric of the catalog. */
export interface MetricDefinition {
  /** The name as scraped (counters with their `_total` suffix). */
  readonly name: string;
  /** The metric type. */
  readonly type: MetricType;
  /** Label names the exporter attaches (besides the scrape target labels). */
  readonly labels: readonly string[];
  /** What it measures, and its unit. */
  readonly help: string;
}

function metric(name: string, type: MetricType, labels: readonly string[], help: string): MetricDefinition {
  return { name, type, labels, help };
}

/** A Prometheus metric name as scraped (the exposition format's `[a-zA-Z_:][a-zA-Z0-9_:]*`). */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** A Prometheus label name. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * A metric of your own workload (a queue worker's latency histogram, a job counter), for the
 * constructs that take a catalog metric (`adapter.addPodsQuantileMetric()`,
 * `adapter.addPodsMetric()`, `new ScopedMetric(...)`). Checked like the catalog: a valid
 * name as scraped (counters with their `_total`), its type and labels.
 *
 * @example defineMetric('http_request_duration_seconds', MetricType.HISTOGRAM, ['method', 'route'], 'request latency, seconds')
 */
export function defineMetric(name: string, type: MetricType, labels: readonly string[] = [], help = ''): MetricDefinition {
  if (typeof name !== 'string' || !METRIC_NAME.test(name)) {
    throw invalid('name', name, 'must be a Prometheus metric name as scraped: letters, digits, \'_\' and \':\', not starting with a digit');
  }
  if (!Object.values(MetricType).includes(type)) {
    throw invalid('type', type, `must be one of ${Object.values(MetricType).join(', ')}`);
  }
  if (type === MetricType.HISTOGRAM && /_(bucket|sum|count)$/.test(name)) {
    throw invalid('name', name, 'must be the histogram\'s base name, without _bucket, _sum or _count');
  }
  if (!Array.isArray(labels)) throw invalid('labels', labels, 'must be a list of label names');
  labels.forEach((l, i) => {
    if (typeof l !== 'string' || !LABEL_NAME.test(l) || l.startsWith('__')) {
      throw invalid(`labels[${i}]`, l, 'must be a Prometheus label name: letters, digits and \'_\', not starting with a digit or \'__\'');
    }
  });
  if (typeof help !== 'string') throw invalid('help', help, 'must be a string');
  return metric(name, type, [...labels], help);
}

const LITELLM_REQUEST_LABELS = ['end_user', 'hashed_api_key', 'api_key_alias', 'requested_model', 'team', 'team_alias', 'user', 'status_code'] as const;
const LITELLM_DEPLOYMENT_LABELS = ['litellm_model_name', 'model_id', 'api_base', 'api_provider'] as const;

/**
 * LiteLLM proxy metrics (FACTS §B.8; enabled by `litellm_settings.callbacks: ["prometheus"]`).
 */
export const LiteLLMMetrics = {
  /** Requests received by the proxy (counter). */
  PROXY_TOTAL_REQUESTS: metric('litellm_proxy_total_requests_metric_total', MetricType.COUNTER, LITELLM_REQUEST_LABELS, 'requests made to the proxy'),
  /** Failed proxy requests (counter). */
  PROXY_FAILED_REQUESTS: metric('litellm_proxy_failed_requests_metric_total', MetricType.COUNTER, [...LITELLM_REQUEST_LABELS, 'exception_status', 'exception_class'], 'failed requests at the proxy'),
  /** Requests currently being served (gauge). */
  IN_FLIGHT_REQUESTS: metric('litellm_in_flight_requests', MetricType.GAUGE, [], 'requests in flight at the proxy'),
  /** End-to-end request latency at the proxy, seconds (histogram). */
  REQUEST_TOTAL_LATENCY: metric('litellm_request_total_latency_metric', MetricType.HISTOGRAM, ['requested_model', 'model'], 'total request latency, seconds'),
  /** Latency of the upstream LLM API call, seconds (histogram). */
  LLM_API_LATENCY: metric('litellm_llm_api_latency_metric', MetricType.HISTOGRAM, ['model'], 'LLM API call latency, seconds'),
  /** Deployment health: 0 healthy, 1 partial outage, 2 complete outage (gauge). */
  DEPLOYMENT_STATE: metric('litellm_deployment_state', MetricType.GAUGE, LITELLM_DEPLOYMENT_LABELS, '0 healthy, 1 partial outage, 2 complete outage'),
  /** Failed responses per deployment (counter). */
  DEPLOYMENT_FAILURE_RESPONSES: metric('litellm_deployment_failure_responses_total', MetricType.COUNTER, LITELLM_DEPLOYMENT_LABELS, 'failed LLM API calls per deployment'),
  /** Successful fallbacks (counter). */
  DEPLOYMENT_SUCCESSFUL_FALLBACKS: metric('litellm_deployment_successful_fallbacks_total', MetricType.COUNTER, ['requested_model', 'fallback_model'], 'successful fallbacks'),
  /** Tokens processed (counter). */
  TOTAL_TOKENS: metric('litellm_total_tokens_metric_total', MetricType.COUNTER, ['model'], 'input plus output tokens'),
  /**
   * Spend, USD (counter; FACTS §B.8 "Tokens and spend"). Labels verified in BerriAI/litellm
   * litellm/integrations/prometheus.py (`Counter("litellm_spend_metric", "Total spend on LLM
   * requests", labelnames=["end_user", "hashed_api_key", "api_key_alias", "model", "team",
   * "team_alias", "user"])`), and its `spend_metrics` label group in the docs' metric config.
   */
  SPEND: metric('litellm_spend_metric_total', MetricType.COUNTER, ['end_user', 'hashed_api_key', 'api_key_alias', 'model', 'team', 'team_alias', 'user'], 'spend, USD'),
} as const;

const VLLM_LABELS = ['model_name', 'engine'] as const;

/**
 * vLLM V1 engine metrics (FACTS §A.4), all labelled `model_name` (the served model name) and
 * `engine`. Never the removed names `vllm:gpu_cache_usage_perc` or `vllm:time_per_output_token_seconds`.
 */
export const VllmMetrics = {
  /** Requests being processed (gauge). */
  NUM_REQUESTS_RUNNING: metric('vllm:num_requests_running', MetricType.GAUGE, VLLM_LABELS, 'requests running on the engine'),
  /** Requests waiting in the queue (gauge): the primary scaling signal. */
  NUM_REQUESTS_WAITING: metric('vllm:num_requests_waiting', MetricType.GAUGE, VLLM_LABELS, 'requests waiting to be scheduled'),
  /** KV-cache usage as a fraction from 0 to 1, not a percentage (gauge). */
  KV_CACHE_USAGE: metric('vllm:kv_cache_usage_perc', MetricType.GAUGE, VLLM_LABELS, 'KV-cache usage, 0 to 1'),
  /** Time to first token, seconds (histogram). */
  TIME_TO_FIRST_TOKEN: metric('vllm:time_to_first_token_seconds', MetricType.HISTOGRAM, VLLM_LABELS, 'time to first token, seconds'),
  /** End-to-end request latency, seconds (histogram). */
  E2E_REQUEST_LATENCY: metric('vllm:e2e_request_latency_seconds', MetricType.HISTOGRAM, VLLM_LABELS, 'end-to-end request latency, seconds'),
  /** Time requests spent queued, seconds (histogram). */
  REQUEST_QUEUE_TIME: metric('vllm:request_queue_time_seconds', MetricType.HISTOGRAM, VLLM_LABELS, 'time in queue, seconds'),
  /** Inter-token latency, seconds (histogram). */
  INTER_TOKEN_LATENCY: metric('vllm:inter_token_latency_seconds', MetricType.HISTOGRAM, VLLM_LABELS, 'inter-token latency, seconds'),
  /** Preemptions (counter). */
  NUM_PREEMPTIONS: metric('vllm:num_preemptions_total', MetricType.COUNTER, VLLM_LABELS, 'preemptions'),
  /** Prompt tokens processed (counter). */
  PROMPT_TOKENS: metric('vllm:prompt_tokens_total', MetricType.COUNTER, VLLM_LABELS, 'prompt tokens'),
  /** Generated tokens (counter). */
  GENERATION_TOKENS: metric('vllm:generation_tokens_total', MetricType.COUNTER, VLLM_LABELS, 'generated tokens'),
  /** Finished requests by reason (counter). */
  REQUEST_SUCCESS: metric('vllm:request_success_total', MetricType.COUNTER, [...VLLM_LABELS, 'finished_reason'], 'finished requests'),
  // Prefix cache and LoRA (FACTS §A.4), verified upstream: the counters `vllm:prefix_cache_queries`
  // and `vllm:prefix_cache_hits` ("in terms of number of queried / cached tokens") and the KV
  // connector's `vllm:external_prefix_cache_queries` / `_hits`, labelled model_name and engine,
  // and the gauge `vllm:lora_requests_info` labelled max_lora, waiting_lora_adapters and
  // running_lora_adapters only (vllm/v1/metrics/loggers.py `PrometheusStatLogger.__init__`,
  // v0.12 era); `vllm:prefix_cache_queries` / `_hits` are in EXPECTED_METRICS_V1 of
  // vllm-project/vllm tests/entrypoints/instrumentator/test_metrics.py @20ef9d82 and in the
  // metric tables of docs.vllm.ai v0.12.0 (design/metrics) and v0.32.0 (usage/metrics), so every
  // release the pool supports (0.11.0 and newer, pinned v0.26.0) exports them. prometheus_client
  // appends `_total` to counters.
  /** Prefix-cache lookups, in prompt tokens queried (counter). Hit rate = rate(hits) / rate(queries). */
  PREFIX_CACHE_QUERIES: metric('vllm:prefix_cache_queries_total', MetricType.COUNTER, VLLM_LABELS, 'prefix-cache queries, tokens'),
  /** Prefix-cache hits, in prompt tokens found cached (counter). */
  PREFIX_CACHE_HITS: metric('vllm:prefix_cache_hits_total', MetricType.COUNTER, VLLM_LABELS, 'prefix-cache hits, tokens'),
  /** Lookups in a KV connector's cross-instance cache, in tokens (counter; only with a KV connector). */
  EXTERNAL_PREFIX_CACHE_QUERIES: metric('vllm:external_prefix_cache_queries_total', MetricType.COUNTER, VLLM_LABELS, 'external (KV connector) prefix-cache queries, tokens'),
  /** Hits in a KV connector's cross-instance cache, in tokens (counter; only with a KV connector). */
  EXTERNAL_PREFIX_CACHE_HITS: metric('vllm:external_prefix_cache_hits_total', MetricType.COUNTER, VLLM_LABELS, 'external (KV connector) prefix-cache hits, tokens'),
  /**
   * LoRA adapters (gauge, only with `--enable-lora`): its value is the time of the last update
   * (`set_to_current_time`), its labels carry the state: `max_lora`, and the adapters waiting and
   * running (comma-separated names). It has **no** `model_name` or `engine` label.
   */
  LORA_REQUESTS_INFO: metric('vllm:lora_requests_info', MetricType.GAUGE, ['max_lora', 'waiting_lora_adapters', 'running_lora_adapters'], 'LoRA adapters waiting and running (labels); value: last update, unix seconds'),
} as const;

/** Series labels of dcgm-exporter, with Kubernetes pod mapping on (FACTS §E). */
const DCGM_LABELS = ['gpu', 'UUID', 'pci_bus_id', 'device', 'modelName', 'Hostname', 'pod', 'namespace', 'container'] as const;

/**
 * NVIDIA dcgm-exporter GPU metrics (FACTS §E). With `--kubernetes` on and `honorLabels`
 * on the monitor, `pod` / `namespace` / `container` are those of the workload using the GPU.
 * Mind the units: `DCGM_FI_DEV_GPU_UTIL` is 0 to 100, `DCGM_FI_PROF_*` are 0 to 1.
 */
export const DcgmMetrics = {
  /** GPU utilization, percent 0 to 100 (gauge). */
  GPU_UTIL: metric('DCGM_FI_DEV_GPU_UTIL', MetricType.GAUGE, DCGM_LABELS, 'GPU utilization, percent 0 to 100'),
  /** Graphics engine active, ratio 0 to 1 (gauge; DCP profiling metric). */
  GR_ENGINE_ACTIVE: metric('DCGM_FI_PROF_GR_ENGINE_ACTIVE', MetricType.GAUGE, DCGM_LABELS, 'graphics engine active, ratio 0 to 1'),
  /** Framebuffer memory used, MiB (gauge). */
  FB_USED: metric('DCGM_FI_DEV_FB_USED', MetricType.GAUGE, DCGM_LABELS, 'framebuffer used, MiB'),
  /** Framebuffer memory free, MiB (gauge). */
  FB_FREE: metric('DCGM_FI_DEV_FB_FREE', MetricType.GAUGE, DCGM_LABELS, 'framebuffer free, MiB'),
  /** GPU temperature, degrees Celsius (gauge; in dcgm-exporter's default-counters.csv, FACTS §E). */
  GPU_TEMP: metric('DCGM_FI_DEV_GPU_TEMP', MetricType.GAUGE, DCGM_LABELS, 'GPU temperature, C'),
} as const;

/** Labels of every kube-state-metrics v2 HPA series (FACTS §C.1). */
const KSM_HPA_LABELS = ['namespace', 'horizontalpodautoscaler'] as const;

/**
 * kube-state-metrics v2 metrics. HPA metrics (FACTS §C.1): `kube_horizontalpodautoscaler_*`
 * with the label `horizontalpodautoscaler`, never the v1 `kube_hpa_*` / `hpa`; they cover the
 * HPAs KEDA creates as `keda-hpa-<scaledobject>`. Pod and Deployment metrics as noted.
 */
export const KubeStateMetrics = {
  HPA_SPEC_MAX_REPLICAS: metric('kube_horizontalpodautoscaler_spec_max_replicas', MetricType.GAUGE, KSM_HPA_LABELS, 'HPA maxReplicas'),
  HPA_SPEC_MIN_REPLICAS: metric('kube_horizontalpodautoscaler_spec_min_replicas', MetricType.GAUGE, KSM_HPA_LABELS, 'HPA minReplicas'),
  HPA_STATUS_CURRENT_REPLICAS: metric('kube_horizontalpodautoscaler_status_current_replicas', MetricType.GAUGE, KSM_HPA_LABELS, 'current replicas'),
  HPA_STATUS_DESIRED_REPLICAS: metric('kube_horizontalpodautoscaler_status_desired_replicas', MetricType.GAUGE, KSM_HPA_LABELS, 'desired replicas'),
  HPA_STATUS_CONDITION: metric('kube_horizontalpodautoscaler_status_condition', MetricType.GAUGE, [...KSM_HPA_LABELS, 'condition', 'status'], 'AbleToScale / ScalingActive / ScalingLimited, status true / false / unknown'),
  // Pod and Deployment metrics: not in FACTS.md, verified in kubernetes/kube-state-metrics
  // docs/pod-metrics.md (pod, namespace, uid labels) and its deployment metrics.
  /** Whether the pod is scheduled (`condition` true / false / unknown). */
  POD_STATUS_SCHEDULED: metric('kube_pod_status_scheduled', MetricType.GAUGE, ['namespace', 'pod', 'uid', 'condition'], 'pod scheduled condition'),
  /**
   * Whether the pod is ready (`condition` true / false / unknown): kubernetes/kube-state-metrics
   * docs/metrics/workload/pod-metrics.md (STABLE). Counts the ready leaders of a LeaderWorkerSet,
   * of which kube-state-metrics has no metrics of its own.
   */
  POD_STATUS_READY: metric('kube_pod_status_ready', MetricType.GAUGE, ['namespace', 'pod', 'uid', 'condition'], 'pod ready condition'),
  /** Pod phase (`phase` Pending / Running / Succeeded / Failed / Unknown). */
  POD_STATUS_PHASE: metric('kube_pod_status_phase', MetricType.GAUGE, ['namespace', 'pod', 'uid', 'phase'], 'pod phase'),
  /** Container requests; `resource` is sanitized (`nvidia_com_gpu`). */
  POD_CONTAINER_RESOURCE_REQUESTS: metric('kube_pod_container_resource_requests', MetricType.GAUGE, ['namespace', 'pod', 'uid', 'container', 'node', 'resource', 'unit'], 'container resource requests'),
  /** Available replicas of a Deployment. */
  DEPLOYMENT_STATUS_REPLICAS_AVAILABLE: metric('kube_deployment_status_replicas_available', MetricType.GAUGE, ['namespace', 'deployment'], 'available replicas'),
  /** Desired replicas of a Deployment (`spec.replicas`, as set by its autoscaler). */
  DEPLOYMENT_SPEC_REPLICAS: metric('kube_deployment_spec_replicas', MetricType.GAUGE, ['namespace', 'deployment'], 'desired replicas'),
} as const;

/** Labels of KEDA's per-scaler series (FACTS §C.2). */
const KEDA_SCALER_LABELS = ['namespace', 'metric', 'scaledObject', 'scaler', 'triggerIndex', 'type'] as const;

/**
 * KEDA operator metrics (FACTS §C.2), v2.17 names: `keda_scaler_detail_errors_total`, never
 * the removed `keda_scaler_errors_total`.
 */
export const KedaMetrics = {
  SCALER_DETAIL_ERRORS: metric('keda_scaler_detail_errors_total', MetricType.COUNTER, KEDA_SCALER_LABELS, 'errors per scaler'),
  SCALED_OBJECT_ERRORS: metric('keda_scaled_object_errors_total', MetricType.COUNTER, ['namespace', 'scaledObject'], 'errors per ScaledObject'),
  SCALER_METRICS_VALUE: metric('keda_scaler_metrics_value', MetricType.GAUGE, KEDA_SCALER_LABELS, 'the value the HPA sees'),
  SCALER_ACTIVE: metric('keda_scaler_active', MetricType.GAUGE, KEDA_SCALER_LABELS, '1 when the scaler is active'),
} as const;

/** The pool label of the EPP's InferencePool series: the InferencePool's name (`--pool-name`). */
const EPP_POOL_LABELS = ['name'] as const;
/** The labels of the EPP's per-objective series (the requested model and the model it was rewritten to). */
const EPP_MODEL_LABELS = ['model_name', 'target_model_name'] as const;

/**
 * Metrics of the Gateway API Inference Extension's endpoint picker (EPP), scraped from its
 * Service by its ServiceMonitor (so every series also carries the target labels `namespace`,
 * `service`, `job`, `pod`, `endpoint`). All ALPHA upstream.
 *
 * Source: kubernetes-sigs/gateway-api-inference-extension v1.5.0 (df9f8909):
 * pkg/epp/metrics/metrics.go (Subsystem + Name, no Namespace: `inference_pool_…`,
 * `inference_objective_…`, `inference_extension_…`), pkg/epp/metrics/collectors/inference_pool.go
 * (`inference_pool_per_pod_queue_size`), and site-src/guides/metrics-and-observability.md.
 * The InferencePool series are labelled `name` = the InferencePool's name (`pool.Name` in
 * pkg/epp/datalayer/logger/logger.go `refreshPrometheusMetrics`); they carry no namespace
 * of their own. v1.6.0 (992e5c29) has no EPP any more: it moved to llm-d/llm-d-router
 * (README "have moved to new repositories"; PR #2967 removed it), and only the conformance
 * `lwepp` is left, which registers none of these metrics (only controller-runtime's own).
 * So these are the metrics of the pinned EPP image, `epp:v1.5.0`. The names and labels are
 * unchanged in llm-d/llm-d-router v0.9.0 (5f4e762f, pkg/epp/metrics/metrics.go and
 * collectors/inference_pool.go), its successor.
 */
export const EppMetrics = {
  /**
   * Pods of the pool the EPP counts as ready endpoints: those whose model-server metrics are
   * fresh (scraped within `--metrics-staleness-threshold`, 2 s by default); set to 0 when
   * there are none (gauge).
   */
  POOL_READY_PODS: metric('inference_pool_ready_pods', MetricType.GAUGE, EPP_POOL_LABELS, 'ready endpoints the EPP sees in the pool'),
  /**
   * Mean of the endpoints' KV-cache usage as the EPP scrapes it (`vllm:kv_cache_usage_perc`,
   * a ratio from 0 to 1); not updated while the pool has no ready endpoint (gauge).
   */
  POOL_AVERAGE_KV_CACHE_UTILIZATION: metric('inference_pool_average_kv_cache_utilization', MetricType.GAUGE, EPP_POOL_LABELS, 'mean KV-cache usage of the endpoints, 0 to 1'),
  /** Mean of the endpoints' waiting requests (`vllm:num_requests_waiting`); not updated while the pool has no ready endpoint (gauge). */
  POOL_AVERAGE_QUEUE_SIZE: metric('inference_pool_average_queue_size', MetricType.GAUGE, EPP_POOL_LABELS, 'mean waiting requests per endpoint'),
  /** Mean of the endpoints' running requests (`vllm:num_requests_running`) (gauge). */
  POOL_AVERAGE_RUNNING_REQUESTS: metric('inference_pool_average_running_requests', MetricType.GAUGE, EPP_POOL_LABELS, 'mean running requests per endpoint'),
  /** Waiting requests of each endpoint, `model_server_pod` naming its pod (gauge). */
  POOL_PER_POD_QUEUE_SIZE: metric('inference_pool_per_pod_queue_size', MetricType.GAUGE, [...EPP_POOL_LABELS, 'model_server_pod'], 'waiting requests per endpoint'),
  /**
   * Requests the EPP scheduled, counted once it picked an endpoint; `priority` is the
   * InferenceObjective's (counter).
   */
  OBJECTIVE_REQUEST_TOTAL: metric('inference_objective_request_total', MetricType.COUNTER, [...EPP_MODEL_LABELS, 'priority'], 'requests scheduled by the EPP'),
  /**
   * Failed requests, `error_code` one of the EPP's codes (`BadRequest`, `NotFound`,
   * `ResourceExhausted`, `ServiceUnavailable`, `Internal`, `Unknown` ..., pkg/common/error/error.go)
   * or `ModelServerError` for any model-server response status other than 200; also counts
   * requests that failed before an endpoint was picked, which `OBJECTIVE_REQUEST_TOTAL` does
   * not (pkg/epp/handlers/server.go) (counter).
   */
  OBJECTIVE_REQUEST_ERROR_TOTAL: metric('inference_objective_request_error_total', MetricType.COUNTER, [...EPP_MODEL_LABELS, 'error_code'], 'failed requests at the EPP'),
  /** Request latency from the EPP receiving the request to the end of the response, seconds (histogram). */
  OBJECTIVE_REQUEST_DURATION: metric('inference_objective_request_duration_seconds', MetricType.HISTOGRAM, EPP_MODEL_LABELS, 'request latency through the EPP, seconds'),
  /** Requests in flight through the EPP, per requested model (gauge). */
  OBJECTIVE_RUNNING_REQUESTS: metric('inference_objective_running_requests', MetricType.GAUGE, ['model_name'], 'requests in flight through the EPP'),
  /** Request latency divided by output tokens, seconds per token (histogram). */
  OBJECTIVE_NORMALIZED_TIME_PER_OUTPUT_TOKEN: metric('inference_objective_normalized_time_per_output_token_seconds', MetricType.HISTOGRAM, EPP_MODEL_LABELS, 'latency per output token, seconds'),
  /**
   * Time the scheduler takes to pick an endpoint, seconds; no label of its own, buckets from
   * 0.1 ms to 100 ms (histogram).
   */
  SCHEDULER_E2E_DURATION: metric('inference_extension_scheduler_e2e_duration_seconds', MetricType.HISTOGRAM, [], 'scheduling latency, seconds'),
  /**
   * Scheduling attempts, `status` success or failure, with the picked endpoint (`pod_name`,
   * `namespace`, `port`: the exposed `namespace` becomes `exported_namespace` under a
   * ServiceMonitor without honorLabels) (counter).
   */
  SCHEDULER_ATTEMPTS_TOTAL: metric('inference_extension_scheduler_attempts_total', MetricType.COUNTER, ['status', 'target_model_name', 'pod_name', 'namespace', 'port'], 'scheduling attempts'),
  /** Build information, value 1 (gauge). */
  INFO: metric('inference_extension_info', MetricType.GAUGE, ['commit', 'build_ref'], 'build information, value 1'),
} as const;

/**
 * Series Prometheus itself writes for every scrape target (prometheus.io docs, "Jobs and
 * instances": `up` is 1 if the instance is healthy, i.e. reachable, or 0 if the scrape
 * failed). Under prometheus-operator a ServiceMonitor's target carries `namespace`,
 * `service`, `job` (the Service's name unless `jobLabel`), `pod`, `container` and `endpoint`
 * (prometheus-operator v0.93.0 pkg/prometheus/promcfg.go `generateServiceMonitorConfig`).
 */
export const ScrapeMetrics = {
  /** 1 when the target's last scrape succeeded, 0 when it failed (gauge). */
  UP: metric('up', MetricType.GAUGE, [], '1 when the last scrape of the target succeeded, else 0'),
} as const;

/** Every catalog metric, for checks that a query names only known series. */
export const ALL_METRICS: readonly MetricDefinition[] = [
  ...Object.values(LiteLLMMetrics), ...Object.values(VllmMetrics), ...Object.values(DcgmMetrics),
  ...Object.values(KubeStateMetrics), ...Object.values(KedaMetrics),
  ...Object.values(EppMetrics), ...Object.values(ScrapeMetrics),
];

/**
 * Whether `series` is a catalog metric as scraped: its name, or for a histogram its
 * `_bucket`, `_sum` or `_count` series.
 */
export function isCatalogSeries(series: string): boolean {
  return ALL_METRICS.some(m => m.name === series ||
    (m.type === MetricType.HISTOGRAM && [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`].includes(series)));
}

/**
 * Metric names that no longer exist, each with what replaced it: a query on one of them reads
 * nothing (KEDA with `ignoreNullValues` then sees 0 and scales the workload down, an alert
 * never fires). Histograms are listed by base name; their `_bucket`, `_sum` and `_count`
 * series count too.
 *
 * Sources: FACTS §A.4 (vLLM: `vllm:gpu_cache_usage_perc`, `vllm:gpu_prefix_cache_*` and
 * `vllm:time_per_output_token_seconds` deprecated in 0.9/0.10 and absent from current main;
 * V0-only metrics removed with the V1 engine, docs/design/metrics.md @f7e3a087) and FACTS §C.2
 * (KEDA: removed in v2.17.0 by commit 5e7af9e49 "Remove Prometheus metric deprecations";
 * `keda_scaled_errors` renamed earlier, CHANGELOG #4037).
 */
export const REMOVED_METRICS: Readonly<Record<string, string>> = {
  'vllm:gpu_cache_usage_perc': 'use vllm:kv_cache_usage_perc (a ratio from 0 to 1)',
  'vllm:gpu_prefix_cache_queries_total': 'use vllm:prefix_cache_queries_total',
  'vllm:gpu_prefix_cache_hits_total': 'use vllm:prefix_cache_hits_total',
  'vllm:time_per_output_token_seconds': 'use vllm:inter_token_latency_seconds (per token) or vllm:request_time_per_output_token_seconds (per request)',
  'vllm:num_requests_swapped': 'V0 only, removed with the V1 engine: V1 preempts by recompute (vllm:num_preemptions_total)',
  'vllm:cpu_cache_usage_perc': 'V0 only, removed with the V1 engine',
  'vllm:cpu_prefix_cache_hit_rate': 'V0 only, removed with the V1 engine',
  'vllm:gpu_prefix_cache_hit_rate': 'V0 only, removed with the V1 engine: compute rate(vllm:prefix_cache_hits_total) / rate(vllm:prefix_cache_queries_total)',
  'vllm:avg_prompt_throughput_toks_per_s': 'V0 only, removed with the V1 engine: use rate(vllm:prompt_tokens_total)',
  'vllm:avg_generation_throughput_toks_per_s': 'V0 only, removed with the V1 engine: use rate(vllm:generation_tokens_total)',
  'vllm:time_in_queue_requests': 'V0 only, removed with the V1 engine: use vllm:request_queue_time_seconds',
  'vllm:model_forward_time_milliseconds': 'V0 only, removed with the V1 engine',
  'vllm:model_execute_time_milliseconds': 'V0 only, removed with the V1 engine',
  'vllm:spec_decode_draft_acceptance_rate': 'V0 only, removed with the V1 engine',
  'vllm:spec_decode_efficiency': 'V0 only, removed with the V1 engine',
  'keda_scaler_errors': 'removed in KEDA 2.17: use sum(keda_scaler_detail_errors_total)',
  'keda_scaler_errors_total': 'removed in KEDA 2.17: use sum(keda_scaler_detail_errors_total)',
  'keda_scaled_object_errors': 'removed in KEDA 2.17: use keda_scaled_object_errors_total',
  'keda_scaled_job_errors': 'removed in KEDA 2.17: use keda_scaled_job_errors_total',
  'keda_scaler_metrics_latency': 'removed in KEDA 2.17: use keda_scaler_metrics_latency_seconds',
  'keda_trigger_totals': 'removed in KEDA 2.17: use keda_trigger_registered_total',
  'keda_resource_totals': 'removed in KEDA 2.17: use keda_resource_registered_total',
  'keda_internal_scale_loop_latency': 'removed in KEDA 2.17: use keda_internal_scale_loop_latency_seconds',
  'keda_scaled_errors': 'renamed keda_scaled_object_errors (KEDA #4037), itself removed in 2.17: use keda_scaled_object_errors_total',
};

/** The replacement hint when `series` is a removed metric (or a series of a removed histogram). */
export function removedMetric(series: string): string | undefined {
  if (REMOVED_METRICS[series] !== undefined) return REMOVED_METRICS[series];
  const base = series.replace(/_(bucket|sum|count)$/, '');
  return base !== series ? REMOVED_METRICS[base] : undefined;
}

/** The catalog definition of a series name, if the catalog has it. */
export function catalogMetric(series: string): MetricDefinition | undefined {
  return ALL_METRICS.find(m => m.name === series);
}
