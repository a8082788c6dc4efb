import { Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Accelerator, CapacityType, GatewayInferencePool, GatewayRef, LiteLLMProxy, LiteLLMProxyProps, LlmSignal, ModelCache, MultiNodeVllmPool, MonitorDiscovery, NetworkPeer, PoolPlacement, PrometheusSource, Quantization,
  RoutingStrategy, VerticalAutoscaler, VllmPool, VpaUpdateMode,
} from '../lib';

/** The Secret (in every pool's namespace and the proxy's) with the key vLLM requires on /v1/*. */
export const VLLM_API_KEY = { secretName: 'vllm-api-key', key: 'api-key' };
/** The Prometheus of kube-prometheus-stack (prometheus-operator's governing Service). */
export const PROMETHEUS: PrometheusSource = { serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' };
/**
 * kube-prometheus-stack installed as Helm release `kube-prometheus-stack` in namespace
 * `monitoring`: it selects monitors and rules by the `release` label, and its Prometheus pods
 * (prometheus-operator's pod selector labels, `app.kubernetes.io/name: prometheus`, in
 * pkg/prometheus/server/statefulset.go) are the only ones the NetworkPolicies admit on
 * metrics ports.
 */
export const DISCOVERY: MonitorDiscovery = {
  labels: { release: 'kube-prometheus-stack' },
  scraper: NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }),
};
/**
 * The seeds' gateway: secrets by reference, PostgreSQL (a CloudNativePG cluster
 * `litellm-postgres`: its app Secret's `uri`), Redis for router state and a 1 h response cache,
 * least-busy routing with pre-call checks, allowed_fails 3, cooldown 60 s, 2 retries, 120 s timeout.
 * Shared by the reference platform and the Inferentia scenario.
 */
export const SEED_GATEWAY: Pick<LiteLLMProxyProps, 'masterKey' | 'saltKey' | 'database' | 'redis' | 'cache' | 'router'> = {
  masterKey: { secretName: 'litellm-secrets', key: 'master-key' },
  saltKey: { secretName: 'litellm-secrets', key: 'salt-key' },
  database: { url: { secretName: 'litellm-postgres-app', key: 'uri' } },
  redis: {
    host: 'redis-master.redis.svc.cluster.local',
    port: 6379,
    password: { secretName: 'litellm-redis', key: 'password' },
  },
  cache: { ttl: Duration.hours(1) },
  router: {
    routingStrategy: RoutingStrategy.LEAST_BUSY,
    enablePreCallChecks: true,
    allowedFails: 3,
    cooldownTime: Duration.seconds(60),
    numRetries: 2,
    timeout: Duration.seconds(120),
  },
};

/**
 * The cluster's inference Gateway (Gateway API, with the Inference Extension's InferencePool
 * support: Envoy Gateway here), owned by the platform team in namespace `gateway`, whose
 * listener `http` admits routes from the `litellm` namespace. `address` is its listener's
 * in-cluster Service: each Gateway implementation names that Service its own way, so give it
 * a stable name in the implementation's configuration and write it here. Envoy Gateway runs
 * the data plane in `envoy-gateway-system`, its pods labelled with the Gateway's name
 * (envoyproxy/gateway internal/gatewayapi/translator.go), and binds listener port 80 at 10080
 * in the pods (`wellKnownPortShift`): what the NetworkPolicies admit.
 */
export const INFERENCE_GATEWAY: GatewayRef = {
  name: 'inference-gateway',
  namespace: 'gateway',
  sectionName: 'http',
  address: 'http://inference-gateway.gateway.svc.cluster.local:80',
  dataPlane: NetworkPeer.pods('envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name': 'inference-gateway' }),
  dataPlanePort: 10080,
};

/** The Hugging Face token for gated models (Llama). */
export const HF_TOKEN = { secretName: 'hf-token', key: 'token' };

/**
 * The reference platform: the seed's LiteLLM gateway in namespace `litellm`, in front of
 * four vLLM pools on NVIDIA GPUs:
 *
 * - `llama-3-1-8b`: Llama 3.1 8B Instruct on one GPU, preferring on-demand capacity;
 * - `qwen3-8b`: Qwen3 8B FP8 on one GPU, its fallback, preferring spot capacity, reached
 *   through the inference Gateway: an InferencePool whose endpoint picker sends each request
 *   to the replica with the shortest queue and its prompt's prefix already cached;
 * - `llama-3-3-70b`: Llama 3.3 70B Instruct at tensor parallelism 4 on four H100s, bin-packed;
 * - `qwen2-5-1-5b`: a small model on a 1g.10gb MIG slice;
 * - `llama-3-1-405b`: Llama 3.1 405B over two 8-GPU H100 nodes (tensor parallelism 8 in each
 *   node, pipeline parallelism 2 across them), each replica a LeaderWorkerSet group of two pods.
 *
 * Every pool is autoscaled by KEDA on queue depth and KV cache with a fallback; the 8B pool
 * is pre-warmed in business hours, the 70B pool also scales on the predicted queue, and the
 * MIG pool scales to zero, woken by the proxy's requests for it.
 *
 * The Neuron pools live in a second chart (`ReferenceNeuronPools`).
 */
export class ReferencePlatform extends Chart {
  /** The gateway. */
  public readonly proxy: LiteLLMProxy;
  /** Llama 3.1 8B on one GPU. */
  public readonly llama8b: VllmPool;
  /** Qwen3 8B FP8 on one GPU. */
  public readonly qwen8b: VllmPool;
  /** The Qwen3 8B pool as an InferencePool behind the inference Gateway: the proxy's route to it. */
  public readonly qwen8bRouted: GatewayInferencePool;
  /** Llama 3.3 70B on four GPUs. */
  public readonly llama70b: VllmPool;
  /** Qwen2.5 1.5B on a MIG slice. */
  public readonly qwenSmall: VllmPool;
  /** Llama 3.1 405B over two 8-GPU nodes (a LeaderWorkerSet). */
  public readonly llama405b: MultiNodeVllmPool;

  public constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'litellm', ...props });

    this.proxy = new LiteLLMProxy(this, 'gateway', {
      slo: { errorRatio: 0.02 },
      ...SEED_GATEWAY,
      requestTimeout: Duration.seconds(600),
      // Clients reach the gateway through the ingress controller; nothing else may call it.
      network: { allowFrom: [NetworkPeer.namespace('ingress-nginx')] },
    });

    this.llama8b = new VllmPool(this, 'llama-3-1-8b', {
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      servedModelName: 'llama-3-1-8b',
      slo: { ttftP95: Duration.seconds(1), e2eLatencyP99: Duration.seconds(30), queuePerReplica: 8 },
      accelerator: Accelerator.nvidiaGpu(1),
      engine: { maxModelLenTokens: 32768, gpuMemoryUtilization: 0.9, enablePrefixCaching: true },
      hfToken: HF_TOKEN,
      apiKey: VLLM_API_KEY,
      modelCache: ModelCache.newClaim({ size: Size.gibibytes(50) }),
      capacity: { prefer: CapacityType.ON_DEMAND },
      // Two LoRA adapters fine-tuned in-house on Llama 3.1 8B, copied onto the cache volume
      // (a path pins the adapter: --lora-modules takes no revision). The proxy lists each as
      // its own model group, hosted_vllm/<adapter> at this pool.
      loraAdapters: [
        { name: 'llama-3-1-8b-sql', source: '/models/adapters/llama-3-1-8b-sql', rank: 16 },
        { name: 'llama-3-1-8b-support', source: '/models/adapters/llama-3-1-8b-support', rank: 32 },
      ],
      maxLoraRank: 32,
    });

    this.qwen8b = new VllmPool(this, 'qwen3-8b', {
      model: 'Qwen/Qwen3-8B-FP8',
      servedModelName: 'qwen3-8b',
      slo: { ttftP95: Duration.seconds(1.5), e2eLatencyP99: Duration.seconds(45), queuePerReplica: 8 },
      accelerator: Accelerator.nvidiaGpu(1),
      engine: { maxModelLenTokens: 32768, quantization: Quantization.FP8, enablePrefixCaching: true },
      apiKey: VLLM_API_KEY,
      modelCache: ModelCache.newClaim({ size: Size.gibibytes(30) }),
      capacity: { prefer: CapacityType.SPOT },
    });

    // The proxy reaches Qwen through the Gateway: the endpoint picker, not round-robin over
    // the Service, chooses the replica of each request (prefix-cache aware, queue aware).
    // Interactive requests (header x-gateway-inference-objective: interactive) go first
    // when the pool is saturated; batch ones wait.
    this.qwen8bRouted = new GatewayInferencePool(this, 'qwen3-8b-igw', {
      pool: this.qwen8b,
      gateway: INFERENCE_GATEWAY,
      objectives: [{ name: 'interactive', priority: 10 }, { name: 'batch', priority: -10 }],
    });

    this.llama70b = new VllmPool(this, 'llama-3-3-70b', {
      model: 'meta-llama/Llama-3.3-70B-Instruct',
      servedModelName: 'llama-3-3-70b',
      slo: { ttftP95: Duration.seconds(3), e2eLatencyP99: Duration.seconds(90), queuePerReplica: 16 },
      accelerator: Accelerator.nvidiaGpu(4, { product: 'NVIDIA-H100-80GB-HBM3' }),
      engine: { tensorParallelSize: 4, maxModelLenTokens: 65536, gpuMemoryUtilization: 0.92 },
      hfToken: HF_TOKEN,
      apiKey: VLLM_API_KEY,
      modelCache: ModelCache.newClaim({ size: Size.gibibytes(200) }),
      // Downloading 140 GB and capturing CUDA graphs on four GPUs takes longer than the default.
      maxModelLoadTime: Duration.minutes(40),
      placement: PoolPlacement.BIN_PACK,
    });

    this.qwenSmall = new VllmPool(this, 'qwen2-5-1-5b', {
      model: 'Qwen/Qwen2.5-1.5B-Instruct',
      servedModelName: 'qwen2-5-1-5b',
      slo: { ttftP95: Duration.millis(500), e2eLatencyP99: Duration.seconds(15), queuePerReplica: 4 },
      accelerator: Accelerator.mig('1g.10gb'),
      engine: { maxModelLenTokens: 8192, gpuMemoryUtilization: 0.85 },
      apiKey: VLLM_API_KEY,
      resources: { memory: Size.gibibytes(16) },
    });

    // A 405B-class model on two 8-GPU H100 nodes: tensor parallelism 8 inside each node,
    // pipeline parallelism 2 across them; each replica is a LeaderWorkerSet group of 2 pods
    // (vLLM's native multi-node flags: the leader serves the API, the worker runs headless).
    this.llama405b = new MultiNodeVllmPool(this, 'llama-3-1-405b', {
      model: 'meta-llama/Llama-3.1-405B-Instruct',
      servedModelName: 'llama-3-1-405b',
      slo: { ttftP95: Duration.seconds(5), e2eLatencyP99: Duration.seconds(120), queuePerReplica: 16 },
      accelerator: Accelerator.nvidiaGpu(8, { product: 'NVIDIA-H100-80GB-HBM3' }),
      nodes: 2,
      engine: { tensorParallelSize: 8, pipelineParallelSize: 2, maxModelLenTokens: 32768 },
      hfToken: HF_TOKEN,
      apiKey: VLLM_API_KEY,
      // ~810 GB of BF16 weights, shared ReadWriteMany by every node of every group.
      modelCache: ModelCache.newClaim({ size: Size.gibibytes(1000) }),
      resources: { cpu: kplus.Cpu.units(96), memory: Size.gibibytes(1024) },
      // Two nodes each read 405 GB of weights and capture CUDA graphs before the group serves.
      maxModelLoadTime: Duration.minutes(60),
    });

    const llama = this.proxy.addBackend(this.llama8b, { rpm: 600, maxParallelRequests: 256 });
    const qwen = this.proxy.addBackend(this.qwen8bRouted, { rpm: 600, maxParallelRequests: 256 });
    this.proxy.addBackend(this.llama70b, { rpm: 300, maxParallelRequests: 512, modelInfo: { maxInputTokens: 65536 } });
    const small = this.proxy.addBackend(this.qwenSmall, { rpm: 1200, maxParallelRequests: 128 });
    this.proxy.addFallback(llama, [qwen]);
    this.proxy.addFallback(qwen, [llama]);
    this.proxy.addFallback(this.llama70b, [this.llama8b]);
    this.proxy.addBackend(this.llama405b, { rpm: 120, maxParallelRequests: 256, modelInfo: { maxInputTokens: 32768 } });
    this.proxy.addFallback(this.llama405b, [this.llama70b]);
    // An adapter that fails falls back to its base model.
    this.proxy.addFallback(this.proxy.loraGroup(this.llama8b, 'llama-3-1-8b-sql'), [llama]);
    this.proxy.addFallback(this.proxy.loraGroup(this.llama8b, 'llama-3-1-8b-support'), [llama]);

    // Metrics: the proxy's /metrics through its Service, every pool's pods directly.
    this.proxy.monitor(DISCOVERY);
    for (const pool of [this.llama8b, this.qwen8b, this.llama70b, this.qwenSmall]) pool.monitor(DISCOVERY);
    this.qwen8bRouted.endpointPicker.monitor(DISCOVERY);
    // The leaders only: they serve the API and report the engine's metrics.
    this.llama405b.monitor(DISCOVERY);

    // The proxy: HPA 2 to 10 on CPU 70 % / memory 80 % with the seeds' behavior, and a VPA
    // in recommendation mode (Off) to right-size its requests by hand.
    this.proxy.autoscale();
    new VerticalAutoscaler(this, 'gateway-vpa', { target: this.proxy, updateMode: VpaUpdateMode.OFF });

    // Autoscaling: every pool on queue depth and KV cache (the default signals), with a
    // fallback for metrics outages and the GPU behavior (one pod per 3 min while models load).
    this.llama8b.autoscale({
      prometheus: PROMETHEUS,
      minReplicas: 1,
      maxReplicas: 8,
      // Business hours: two warm replicas before the morning peak, whatever the metrics say.
      preWarm: [{ timezone: 'Europe/Berlin', start: '30 7 * * 1-5', end: '0 19 * * 1-5', replicas: 2 }],
    });
    this.qwen8b.autoscale({ prometheus: PROMETHEUS, minReplicas: 1, maxReplicas: 4 });
    // The 70B pool loads for up to 40 minutes: scale on where the queue will be in 15 minutes.
    this.llama70b.autoscale({
      prometheus: PROMETHEUS,
      minReplicas: 1,
      maxReplicas: 3,
      signals: [
        LlmSignal.queueDepth(this.llama70b, 8),
        LlmSignal.kvCacheUsage(this.llama70b, 0.85),
        LlmSignal.predicted(LlmSignal.queueDepth(this.llama70b, 8), { lookback: Duration.minutes(30), horizon: Duration.minutes(15) }),
      ],
    });
    // The 405B pool scales by whole groups of two nodes (KEDA on the LeaderWorkerSet).
    this.llama405b.autoscale({ prometheus: PROMETHEUS, minReplicas: 1, maxReplicas: 2 });
    // The small MIG pool idles at zero; the proxy's requests for its model group wake it.
    this.qwenSmall.autoscale({
      prometheus: PROMETHEUS,
      minReplicas: 0,
      maxReplicas: 4,
      wakeOn: LlmSignal.proxyRequestRate(this.proxy, small, 5),
    });
  }
}
