import { ApiObject, Chart, ChartProps, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Accelerator, CapacityType, defineMetric, HorizontalAutoscaler, HpaMetric, KedaScaledObject, KedaTrigger, LiteLLMProxy, LlmSignal,
  MetricType, MonitorDiscovery, NetworkPeer, PrometheusAdapter, PrometheusSource, ScalingPolicyType, ScopedMetric, SelectPolicy, ServiceMetricsMonitor,
  Severity, VerticalAutoscaler, VllmPool, VpaResource, VpaUpdateMode, WorkloadAlerts,
} from '../lib';

/** kube-prometheus-stack (Helm release `kube-prometheus-stack` in `monitoring`): selects monitors and rules by `release`. */
export const QUEUE_DISCOVERY: MonitorDiscovery = {
  labels: { release: 'kube-prometheus-stack' },
  scraper: NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }),
};
/** Its Prometheus (prometheus-operator's governing Service). */
export const QUEUE_PROMETHEUS: PrometheusSource = { serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' };
/** Placeholders for the user's own images: a job worker and an HTTP API. */
export const WORKER_IMAGE = 'registry.example.com/acme/summarizer-worker:2.3.1';
export const API_IMAGE = 'registry.example.com/acme/search-api:5.0.0';
/** Where the alerts link. */
export const QUEUE_RUNBOOKS = 'https://runbooks.example.com/workloads';

/**
 * The API's latency histogram (the user's, as its client library exposes it): scraped as
 * `http_request_duration_seconds_bucket`, `_sum` and `_count`.
 */
export const API_LATENCY = defineMetric('http_request_duration_seconds', MetricType.HISTOGRAM, ['method', 'route', 'code'], 'HTTP request latency, seconds');
/** The worker's jobs in progress (a gauge of the user's). */
export const WORKER_IN_PROGRESS = defineMetric('worker_jobs_in_progress', MetricType.GAUGE, [], 'jobs being processed');

/**
 * Scenario 3, queue worker, in namespace `queue-worker`: generic workloads (the user's own
 * images, not vLLM) under the library's autoscaling, monitoring and alert constructs.
 *
 * - `summarizer-worker` drains a Redis list: KEDA scales it from 0 to 30 on the list length
 *   plus a Prometheus query on its jobs in progress. The usual tutorial YAML puts the Redis
 *   password in trigger metadata (it must come from a TriggerAuthentication, or KEDA logs
 *   it), reads `listLength` as a total (it is the target per replica: KEDA's HPA divides),
 *   and queries an unaggregated series (KEDA fails with "multiple elements" once two pods
 *   report): here the password is a Secret reference, the query is a `sum`, and
 *   `ignoreNullValues: false` turns a vanished metric into the fallback's 2 replicas instead
 *   of a silent 0.
 * - `search-api` is scaled by an HPA from 3 to 50 on CPU 70 % and on its p99 latency (a
 *   Pods metric served by prometheus-adapter: a quantile over the rate of the histogram's
 *   buckets per pod, never `_sum / _count`, which is a mean, nor a bare `_bucket`), with a
 *   fast scale-up and a slow scale-down; a ServiceMonitor scrapes it; a VPA sizes only its
 *   memory, so it never moves the CPU utilization the HPA targets (a CPU-and-memory VPA
 *   beside a CPU HPA makes both chase each other).
 * - The worker calls Llama 3.1 8B through a LiteLLM gateway that splits the model group 90 %
 *   / 10 % between a pool preferring spot nodes and one preferring on-demand nodes
 *   (`weight` 9 and 1 under simple-shuffle: `rpm` would also cap each pool's requests).
 * - "Autoscaler at max" and "unable to scale" alerts on both generic workloads, from
 *   kube-state-metrics v2 series (`kube_horizontalpodautoscaler_*`, label
 *   `horizontalpodautoscaler`; the v1 `kube_hpa_*` of older runbooks matches nothing).
 */
export class QueueWorkerScenario extends Chart {
  /** The queue worker. */
  public readonly worker: kplus.Deployment;
  /** KEDA on the worker: Redis list plus Prometheus. */
  public readonly workerScaler: KedaScaledObject;
  /** The HTTP API. */
  public readonly api: kplus.Deployment;
  /** The API's Service. */
  public readonly apiService: kplus.Service;
  /** The API's ServiceMonitor. */
  public readonly apiMonitor: ServiceMetricsMonitor;
  /** The API's HPA (CPU and p99 latency). */
  public readonly apiHpa: HorizontalAutoscaler;
  /** The API's memory-only VPA. */
  public readonly apiVpa: VerticalAutoscaler;
  /** Serves the API's p99 latency. */
  public readonly adapter: PrometheusAdapter;
  /** The LLM gateway the worker calls. */
  public readonly gateway: LiteLLMProxy;
  /** The pool preferring spot nodes (90 % of the model group's traffic). */
  public readonly spotPool: VllmPool;
  /** The pool preferring on-demand nodes (10 %). */
  public readonly onDemandPool: VllmPool;
  /** The alerts on the generic workloads' autoscalers. */
  public readonly alerts: WorkloadAlerts;

  public constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'queue-worker', ...props });

    // The worker: drains the Redis list `summarize-jobs`, exposes /metrics on 9090.
    this.worker = userDeployment(this, 'summarizer-worker', WORKER_IMAGE, 9090, { cpu: 500, memoryMiB: 512 });
    const workerService = userService(this, this.worker, 9090);
    new ServiceMetricsMonitor(this, 'summarizer-worker-monitor', { service: workerService, port: 'http', discovery: QUEUE_DISCOVERY });
    this.workerScaler = new KedaScaledObject(this, 'summarizer-worker-scaler', {
      target: { deployment: this.worker },
      // At zero replicas the worker reports nothing, but the list still has a length: it wakes it.
      minReplicas: 0,
      maxReplicas: 30,
      cooldownPeriod: Duration.minutes(5),
      triggers: [
        KedaTrigger.redisList({
          address: 'redis-master.redis.svc.cluster.local:6379',
          listName: 'summarize-jobs',
          listLength: 20,
          password: { secretName: 'worker-redis', key: 'password' },
          name: 'backlog',
        }),
        KedaTrigger.prometheus({
          serverAddress: QUEUE_PROMETHEUS.serverAddress,
          query: `sum(${WORKER_IN_PROGRESS.name}{namespace="queue-worker"})`,
          threshold: 8,
          ignoreNullValues: false,
          name: 'in_progress',
        }),
      ],
      fallback: { replicas: 2 },
    });

    // The API: /metrics on its http port 8080.
    this.api = userDeployment(this, 'search-api', API_IMAGE, 8080, { cpu: 250, memoryMiB: 384 });
    this.apiService = userService(this, this.api, 8080);
    this.apiMonitor = new ServiceMetricsMonitor(this, 'search-api-monitor', { service: this.apiService, port: 'http', discovery: QUEUE_DISCOVERY });
    // This cluster's adapter serves only custom metrics: KEDA owns the external metrics API.
    this.adapter = new PrometheusAdapter(this, 'queue-adapter', {
      install: true,
      prometheusUrl: QUEUE_PROMETHEUS.serverAddress,
      cluster: 'queue-worker',
    });
    // Scoped to this namespace: another team's API exposing the same histogram is not read.
    const p99 = this.adapter.addPodsQuantileMetric(new ScopedMetric(API_LATENCY, { namespace: 'queue-worker' }), 0.99);
    this.apiHpa = new HorizontalAutoscaler(this, 'search-api-hpa', {
      target: { deployment: this.api },
      minReplicas: 3,
      maxReplicas: 50,
      metrics: [HpaMetric.cpuUtilization(70), HpaMetric.adapterPods(p99, 0.3)],
      behavior: {
        // Up at once by the larger of doubling and 4 pods per 15 s: latency suffers now.
        scaleUp: {
          stabilizationWindow: Duration.seconds(0),
          selectPolicy: SelectPolicy.MAX,
          policies: [
            { type: ScalingPolicyType.PERCENT, value: 100, period: Duration.seconds(15) },
            { type: ScalingPolicyType.PODS, value: 4, period: Duration.seconds(15) },
          ],
        },
        // Down after 5 minutes of lower load, by at most 10 % a minute.
        scaleDown: {
          stabilizationWindow: Duration.minutes(5),
          selectPolicy: SelectPolicy.MIN,
          policies: [{ type: ScalingPolicyType.PERCENT, value: 10, period: Duration.minutes(1) }],
        },
      },
    });
    this.apiVpa = new VerticalAutoscaler(this, 'search-api-vpa', {
      target: { deployment: this.api },
      updateMode: VpaUpdateMode.RECREATE,
      containerPolicies: [{
        containerName: 'search-api',
        controlledResources: [VpaResource.MEMORY],
        minAllowed: { memory: Size.mebibytes(256) },
        maxAllowed: { memory: Size.gibibytes(2) },
      }],
    });

    // The gateway: 90 % of llama-3-1-8b to the spot pool, 10 % to the on-demand one.
    this.gateway = new LiteLLMProxy(this, 'gateway', {
      masterKey: { secretName: 'litellm-secrets', key: 'master-key' },
      // simple-shuffle is the only strategy that reads `weight` (it is also LiteLLM's default).
      network: { allowFrom: [NetworkPeer.namespace('queue-worker')] },
    });
    const pool = (name: string, prefer: CapacityType): VllmPool => new VllmPool(this, name, {
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      servedModelName: 'llama-3-1-8b',
      accelerator: Accelerator.nvidiaGpu(1),
      engine: { maxModelLenTokens: 16384 },
      hfToken: { secretName: 'hf-token', key: 'token' },
      // A preference, not a requirement: when spot capacity is gone the spot pool's pods run
      // on on-demand nodes rather than stay Pending, and the split of traffic holds.
      capacity: { prefer },
    });
    this.spotPool = pool('llama-3-1-8b-spot', CapacityType.SPOT);
    this.onDemandPool = pool('llama-3-1-8b-on-demand', CapacityType.ON_DEMAND);
    this.gateway.addBackend(this.spotPool, { weight: 9 });
    this.gateway.addBackend(this.onDemandPool, { weight: 1 });
    this.gateway.monitor(QUEUE_DISCOVERY);
    for (const p of [this.spotPool, this.onDemandPool]) {
      p.monitor(QUEUE_DISCOVERY);
      // Each pool scales on its own queue, which its share of the traffic fills.
      p.autoscale({ prometheus: QUEUE_PROMETHEUS, maxReplicas: p === this.spotPool ? 9 : 2, signals: [LlmSignal.queueDepth(p, 8)] });
    }

    this.alerts = new WorkloadAlerts(this, 'workload-alerts', {
      autoscalers: [this.workerScaler, this.apiHpa],
      discovery: QUEUE_DISCOVERY,
      runbookBaseUrl: QUEUE_RUNBOOKS,
      declaredMetrics: [API_LATENCY],
    });
    // A rule of the user's own, checked like the built-in ones: the API's p99, recorded once and alerted on.
    const apiP99 = this.alerts.addRecordingRule({
      record: 'namespace:http_request_duration_seconds:p99_5m',
      expr: 'histogram_quantile(0.99, sum by (namespace, le) (rate(http_request_duration_seconds_bucket{namespace="queue-worker"}[5m])))',
    });
    this.alerts.addAlert({
      alert: 'SearchApiLatencyHigh',
      expr: `${apiP99.name}{namespace="queue-worker"} > 0.5`,
      for: Duration.minutes(10),
      severity: Severity.WARNING,
      summary: 'The p99 latency of search-api in namespace queue-worker is above 500 ms',
      description: 'search-api answers slower than its SLO: check whether its HPA is at max (WorkloadAutoscalerAtMaxReplicas) and the API\'s dependencies.',
    });
  }
}

/**
 * A Deployment of the user's image, selected by stable labels (`app.kubernetes.io/name`),
 * with CPU and memory requests (utilization is a percentage of them) and a memory limit.
 */
function userDeployment(scope: Construct, name: string, image: string, port: number, size: { cpu: number; memoryMiB: number }): kplus.Deployment {
  const labels = { 'app.kubernetes.io/name': name };
  const deployment = new kplus.Deployment(scope, name, {
    metadata: { name, labels },
    podMetadata: { labels },
    select: false,
  });
  deployment.select(kplus.LabelSelector.of({ labels }));
  // cdk8s-plus stamps a hash of the construct path on the pod template: a refactor of the
  // code would roll every pod. Keep only the stable labels.
  ApiObject.of(deployment).addJsonPatch(JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'));
  deployment.addContainer({
    name,
    image,
    ports: [{ name: 'http', number: port }],
    resources: {
      cpu: { request: kplus.Cpu.millis(size.cpu) },
      memory: { request: Size.mebibytes(size.memoryMiB), limit: Size.mebibytes(size.memoryMiB * 2) },
    },
    securityContext: {
      user: 65532, group: 65532, allowPrivilegeEscalation: false,
      capabilities: { drop: [kplus.Capability.ALL] }, seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
    },
  });
  return deployment;
}

/** A ClusterIP Service named like the Deployment, on its `http` port. */
function userService(scope: Construct, deployment: kplus.Deployment, port: number): kplus.Service {
  const labels = { 'app.kubernetes.io/name': deployment.name };
  return new kplus.Service(scope, `${deployment.name}-service`, {
    metadata: { name: deployment.name, labels },
    selector: kplus.Pods.select(scope, `${deployment.name}-pods`, { labels }),
    ports: [{ name: 'http', port, targetPort: port }],
  });
}
