import { Chart, ChartProps, Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Accelerator, CaBundle, HorizontalAutoscaler, HpaMetric, LlmSignal, ModelCache, MonitorDiscovery, NetworkPeer, PodUser,
  PrometheusAdapter, PrometheusReader, PrometheusSource, ScalingBehaviors, VerticalAutoscaler, VllmPool, VpaUpdateMode,
} from '../lib';

/**
 * OpenShift user-workload monitoring (cluster-monitoring-operator
 * assets/prometheus-user-workload/prometheus.yaml). Its Prometheus selects every
 * ServiceMonitor, PodMonitor and PrometheusRule except those labelled
 * `openshift.io/user-monitoring: "false"` (a `NotIn` selector), in every namespace not
 * labelled `openshift.io/cluster-monitoring: "true"`: so the monitors carry no `release`
 * label (the kube-prometheus-stack habit of the usual tutorial is merely ignored here, but a
 * monitor copied with `openshift.io/user-monitoring: "false"` would silently never be
 * scraped). It sets `ignoreNamespaceSelectors` (a monitor selects only its own namespace, so
 * every monitor lives beside its pods, as the library's do), `enforcedNamespaceLabel:
 * namespace` and `overrideHonorLabels` (a monitor's `honorLabels` is ignored: exporters that
 * report other pods, such as dcgm-exporter, belong to the platform stack, where the GPU
 * operator's monitor keeps its pod labels). Its pods, in `openshift-user-workload-monitoring`, carry
 * `app.kubernetes.io/name: prometheus` and `app.kubernetes.io/instance: user-workload`: the
 * NetworkPolicies admit exactly them on the metrics ports.
 */
export const OPENSHIFT_DISCOVERY: MonitorDiscovery = {
  labels: {},
  scraper: NetworkPeer.pods('openshift-user-workload-monitoring', {
    'app.kubernetes.io/name': 'prometheus',
    'app.kubernetes.io/instance': 'user-workload',
  }),
};

/**
 * The Thanos querier (Service `thanos-querier` in `openshift-monitoring`, ports `web` 9091 and
 * `tenancy` 9092: cluster-monitoring-operator assets/thanos-querier/service.yaml). Query it,
 * not the user-workload Prometheus: it merges the platform Prometheus (where the GPU
 * operator's dcgm-exporter and kube-state-metrics are scraped) with the user-workload one
 * (the pools' vLLM series), and it is the supported query endpoint. Both ports are TLS with
 * a serving certificate of the service CA, and both need a bearer token: 9091 authorizes
 * `get namespaces` cluster-wide (`cluster-monitoring-view`), 9092 a read of
 * `pods.metrics.k8s.io` in the namespace named by the `namespace` query parameter.
 */
export const THANOS_QUERIER_WEB = 'https://thanos-querier.openshift-monitoring.svc:9091';
/** The Thanos querier's tenancy port: one namespace's series, with namespace-level rights. */
export const THANOS_QUERIER_TENANCY = 'https://thanos-querier.openshift-monitoring.svc:9092';

/** The Hugging Face token for gated models. */
const HF_TOKEN = { secretName: 'hf-token', key: 'token' };
/** The key vLLM requires on /v1/*. */
const VLLM_API_KEY = { secretName: 'vllm-api-key', key: 'api-key' };
/** Who calls the pools: the applications' namespace (a Route's router does not reach them). */
const CLIENTS = NetworkPeer.namespace('llm-apps');

/**
 * Scenario 2, OpenShift: two vLLM pools in namespace `llm` on NVIDIA GPUs, monitored by the
 * user-workload monitoring stack, every pod under the `restricted-v2` SCC.
 *
 * - `restricted-v2` assigns each namespace a UID range and refuses a pod that asks for a uid
 *   outside it: every workload here uses `PodUser.platformAssigned()` (no
 *   runAsUser/runAsGroup/fsGroup), where tutorial manifests pin `runAsUser: 1000` and are
 *   refused admission.
 * - `llama-3-1-8b` is scaled by an HPA on four Pods metrics served by prometheus-adapter from
 *   the Thanos querier (port 9091, a `cluster-monitoring-view` token and the service CA, never
 *   `--prometheus-url=http://prometheus-operated...`, which does not exist in the
 *   user-workload stack, nor `insecureSkipVerify`): request rate, p95 end-to-end latency
 *   (a quantile over the rate of the histogram's buckets per pod: the adapter has no other
 *   single value per pod), GPU utilization and the vLLM queue; with a VPA in recommendation
 *   mode (Off), which never evicts a GPU pod.
 * - `qwen3-8b` is scaled by KEDA on its queue and running requests from the Thanos querier's tenancy
 *   port (9092, `namespace: llm`), with a token that may read only this namespace's metrics
 *   and the service CA through a TriggerAuthentication (`bearerToken` and `ca`).
 */
export class OpenShiftScenario extends Chart {
  /** The pool scaled by an HPA on adapter metrics. */
  public readonly llama: VllmPool;
  /** The pool scaled by KEDA through the Thanos querier's tenancy port. */
  public readonly qwen: VllmPool;
  /** prometheus-adapter, querying the Thanos querier. */
  public readonly adapter: PrometheusAdapter;
  /** The HPA of `llama`. */
  public readonly llamaHpa: HorizontalAutoscaler;
  /** The recommendation-only VPA of `llama`. */
  public readonly llamaVpa: VerticalAutoscaler;

  public constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'llm', ...props });
    const user = PodUser.platformAssigned();

    this.llama = new VllmPool(this, 'llama-3-1-8b', {
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      accelerator: Accelerator.nvidiaGpu(1),
      engine: { maxModelLenTokens: 32768, gpuMemoryUtilization: 0.9, enablePrefixCaching: true },
      slo: { ttftP95: Duration.seconds(1), e2eLatencyP99: Duration.seconds(30), queuePerReplica: 8 },
      hfToken: HF_TOKEN,
      apiKey: VLLM_API_KEY,
      modelCache: ModelCache.newClaim({ size: Size.gibibytes(50) }),
      user,
      network: { allowFrom: [CLIENTS] },
    });
    this.qwen = new VllmPool(this, 'qwen3-8b', {
      model: 'Qwen/Qwen3-8B-FP8',
      accelerator: Accelerator.nvidiaGpu(1),
      engine: { maxModelLenTokens: 32768, enablePrefixCaching: true },
      apiKey: VLLM_API_KEY,
      modelCache: ModelCache.newClaim({ size: Size.gibibytes(30) }),
      user,
      network: { allowFrom: [CLIENTS] },
    });
    for (const pool of [this.llama, this.qwen]) pool.monitor(OPENSHIFT_DISCOVERY);

    // The adapter: a token bound to cluster-monitoring-view for port 9091, the service CA.
    const adapterReader = new PrometheusReader(this, 'adapter-thanos-reader', { clusterRole: 'cluster-monitoring-view' });
    this.adapter = new PrometheusAdapter(this, 'thanos-adapter', {
      install: true,
      // Its own cluster: the other scenarios' adapters are installed elsewhere.
      cluster: 'openshift',
      prometheusUrl: THANOS_QUERIER_WEB,
      prometheusAuth: { bearerToken: adapterReader.token, ca: CaBundle.openShiftServiceCa() },
      user,
    });
    const requestRate = this.adapter.addPodsMetric(this.llama.metricRequestSuccess());
    const latencyP95 = this.adapter.addPodsQuantileMetric(this.llama.metricE2eRequestLatency(), 0.95);
    // dcgm-exporter (GPU operator) labels each GPU with the pod it serves; percent 0 to 100.
    const gpu = this.adapter.addPodsMetric(this.llama.metricGpuUtilization(), { name: 'dcgm_gpu_utilization_llama_3_1_8b' });
    const queue = this.adapter.addPodsMetric(this.llama.metricRequestsWaiting());

    this.llamaHpa = new HorizontalAutoscaler(this, 'llama-3-1-8b-hpa', {
      target: this.llama,
      minReplicas: 1,
      maxReplicas: 6,
      metrics: [
        HpaMetric.adapterPods(requestRate, 4),
        HpaMetric.adapterPods(latencyP95, 20),
        HpaMetric.adapterPods(gpu, 85),
        HpaMetric.adapterPods(queue, 8),
      ],
      behavior: ScalingBehaviors.GPU_POOL,
    });
    this.llamaVpa = new VerticalAutoscaler(this, 'llama-3-1-8b-vpa', { target: this.llama, updateMode: VpaUpdateMode.OFF });

    // KEDA: the tenancy port answers for namespace llm only, to a token with exactly that right.
    const kedaReader = new PrometheusReader(this, 'keda-thanos-reader', { tenancy: true });
    const thanos: PrometheusSource = {
      serverAddress: THANOS_QUERIER_TENANCY,
      namespace: 'llm',
      auth: { mode: 'bearer', bearerToken: kedaReader.token, ca: CaBundle.openShiftServiceCa() },
    };
    // Whole-number targets only: Red Hat's Custom Metrics Autoscaler (KEDA) may trail the
    // community release, and before KEDA 2.18 a fractional threshold (a KV-cache ratio) turns
    // the fallback's metric into 0 (KEDA_MIN_VERSION). With KEDA >= 2.18 add
    // LlmSignal.kvCacheUsage(this.qwen, 0.85).
    this.qwen.autoscale({
      prometheus: thanos,
      minReplicas: 1,
      maxReplicas: 4,
      signals: [LlmSignal.queueDepth(this.qwen, 8), LlmSignal.runningRequests(this.qwen, 48)],
    });
  }
}
