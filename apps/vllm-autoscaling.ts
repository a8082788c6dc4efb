import { Chart, ChartProps, Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { DISCOVERY, HF_TOKEN, PROMETHEUS, VLLM_API_KEY } from './reference-platform';
import {
  Accelerator, AdapterMetric, HorizontalAutoscaler, HpaMetric, KedaScaledObject, LiteLLMProxy, LlmSignal, ModelCache, ModelGroup, ModelInfo,
  NetworkPeer, PoolPlacement, PrometheusAdapter, RecordingRules, ScalingBehaviors, ServingAlerts, VllmPool,
} from '../lib';

/**
 * Per-token prices of the service tiers (USD per token, LiteLLM's `model_info`
 * `input_cost_per_token` / `output_cost_per_token`): what LiteLLM charges each key and team,
 * and what the cost alerts multiply tokens by.
 */
export const TIER_PRICES: Readonly<Record<'premium' | 'standard' | 'batch', Required<Pick<ModelInfo, 'inputCostPerToken' | 'outputCostPerToken'>>>> = {
  premium: { inputCostPerToken: 0.000003, outputCostPerToken: 0.000015 },
  standard: { inputCostPerToken: 0.0000005, outputCostPerToken: 0.0000015 },
  batch: { inputCostPerToken: 0.0000001, outputCostPerToken: 0.0000002 },
};

/** Spend per hour (USD) above which a tier's cost alert fires. */
export const TIER_BUDGETS_PER_HOUR = { premium: 40, standard: 10, batch: 2 } as const;

/** Props of `VllmAutoscaling`. */
export interface VllmAutoscalingProps extends ChartProps {
  /**
   * The cluster's prometheus-adapter (one per cluster: it owns the custom metrics
   * APIService); the chart adds the HPA pool's rules to it.
   */
  readonly adapter: PrometheusAdapter;
  /** Where the alerts link. */
  readonly runbookBaseUrl: string;
}

/**
 * Scenario 4, the vLLM autoscaling module, in namespace `llm-autoscaling`, behind one
 * LiteLLM proxy whose model groups are service tiers with per-token prices:
 *
 * - **premium**: Llama 3.3 70B on four H100s per pod, in two pools, one per way of scaling
 *   the same workload (one replica owner per Deployment):
 *   - `llama-70b-hpa`: a plain HPA on two signals through prometheus-adapter: GPU
 *     utilization per pod (averaged over the pod's four GPUs) and requests waiting per pod;
 *   - `llama-70b-keda`: the KEDA alternative on the same signals, plus the queue predicted
 *     15 minutes ahead (a 70B pod loads for many minutes) and a business-hours pre-warm.
 *   Both bin-pack: 4-GPU pods fill 8-GPU nodes, so whole nodes free up for the node autoscaler.
 * - **standard**: Llama 3.1 8B on one GPU, spread over nodes and zones (a node loss takes
 *   out fewer replicas), on KEDA with the default signals.
 * - **batch**: Qwen2.5 1.5B on a 1g.10gb MIG slice, scaled to zero when idle and woken by the
 *   proxy's requests for the batch tier.
 * - Recording rules: per pool TTFT / end-to-end / queue / inter-token quantiles, tokens per
 *   second, prefix-cache hit rate and error ratio, per tier request rate, error ratio and p95.
 *   The premium HPA also scales on its pool's recorded p95 TTFT (through the adapter, an
 *   Object metric of the pool's Deployment, served as it is), the standard pool's KEDA on its
 *   recorded p99 TTFT.
 * - Alerts: rapid scaling, failures (unable to scale, scaler errors, no ready replica, stuck
 *   at zero), capacity exhaustion (at max replicas, pods pending, accelerator budget) and cost
 *   per tier (tokens × the tier's prices, against a budget per hour).
 *
 * Where the usual tutorial YAML goes wrong, and what this stack does instead:
 * - An adapter rule `sum(DCGM_FI_DEV_GPU_UTIL) by (pod)`: a 4-GPU pod at full load reads
 *   400 %, so a 70 % target asks for six times the pods. The adapter averages per-GPU
 *   utilization over the pod's GPUs.
 * - An HPA and a KEDA ScaledObject on one Deployment (they fight over the replicas): refused;
 *   the two ways are two pools.
 * - `DCGM_FI_DEV_GPU_UTIL` on MIG slices (0 or absent): the MIG pool scales on its queue and
 *   KV cache; its underuse alert reads graphics-engine activity.
 * - Scale to zero on the pool's own metrics, which vanish at zero: the wake signal is the
 *   proxy's request rate for the tier, which exists while the pool has no pod.
 * - A ReadWriteOnce cache shared by replicas on several nodes: the caches are ReadWriteMany.
 */
export class VllmAutoscaling extends Chart {
  /** The gateway whose model groups are the tiers. */
  public readonly proxy: LiteLLMProxy;
  /** Premium, scaled by an HPA through prometheus-adapter. */
  public readonly premiumHpa: VllmPool;
  /** Premium, scaled by KEDA (the alternative). */
  public readonly premiumKeda: VllmPool;
  /** Standard, spread. */
  public readonly standard: VllmPool;
  /** Batch, on a MIG slice, scaled to zero. */
  public readonly batch: VllmPool;
  /** The model groups (tiers). */
  public readonly tiers: Readonly<Record<'premium' | 'standard' | 'batch', ModelGroup>>;
  /** The HPA of `premiumHpa`. */
  public readonly hpa: HorizontalAutoscaler;
  /** The ScaledObjects of `premiumKeda`, `standard` and `batch`. */
  public readonly scaledObjects: Readonly<Record<'premiumKeda' | 'standard' | 'batch', KedaScaledObject>>;
  /** GPU utilization per pod of `premiumHpa` (percent, averaged over each pod's GPUs), from the adapter. */
  public readonly gpuUtilization: AdapterMetric;
  /** Requests waiting per pod of `premiumHpa`, from the adapter. */
  public readonly requestsWaiting: AdapterMetric;
  /** The alert rules. */
  public readonly alerts: ServingAlerts;
  /** The recording rules of every pool and tier. */
  public readonly recordingRules: RecordingRules;
  /** The recorded p95 TTFT of `premiumHpa`, from the adapter (an Object metric of its Deployment). */
  public readonly ttftP95: AdapterMetric;

  public constructor(scope: Construct, id: string, props: VllmAutoscalingProps) {
    super(scope, id, { namespace: 'llm-autoscaling', ...props });

    this.proxy = new LiteLLMProxy(this, 'gateway', {
      masterKey: { secretName: 'litellm-secrets', key: 'master-key' },
      saltKey: { secretName: 'litellm-secrets', key: 'salt-key' },
      database: { url: { secretName: 'litellm-postgres-app', key: 'uri' } },
      network: { allowFrom: [NetworkPeer.namespace('ingress-nginx')] },
    });

    const premium = (poolId: string): VllmPool => new VllmPool(this, poolId, {
      model: 'meta-llama/Llama-3.3-70B-Instruct',
      servedModelName: 'llama-3-3-70b',
      slo: { ttftP95: Duration.seconds(3), e2eLatencyP99: Duration.seconds(90), queuePerReplica: 16 },
      accelerator: Accelerator.nvidiaGpu(4, { product: 'NVIDIA-H100-80GB-HBM3' }),
      engine: { tensorParallelSize: 4, maxModelLenTokens: 65536, gpuMemoryUtilization: 0.92 },
      hfToken: HF_TOKEN,
      apiKey: VLLM_API_KEY,
      modelCache: ModelCache.newClaim({ size: Size.gibibytes(200), storageClassName: 'efs-sc' }),
      maxModelLoadTime: Duration.minutes(40),
      placement: PoolPlacement.BIN_PACK,
    });
    this.premiumHpa = premium('llama-70b-hpa');
    this.premiumKeda = premium('llama-70b-keda');
    this.standard = new VllmPool(this, 'llama-8b', {
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      servedModelName: 'llama-3-1-8b',
      slo: { ttftP95: Duration.seconds(1), e2eLatencyP99: Duration.seconds(30), queuePerReplica: 8 },
      accelerator: Accelerator.nvidiaGpu(1),
      engine: { maxModelLenTokens: 32768, enablePrefixCaching: true },
      hfToken: HF_TOKEN,
      apiKey: VLLM_API_KEY,
      modelCache: ModelCache.newClaim({ size: Size.gibibytes(50), storageClassName: 'efs-sc' }),
      placement: PoolPlacement.SPREAD,
    });
    this.batch = new VllmPool(this, 'qwen-1-5b-mig', {
      model: 'Qwen/Qwen2.5-1.5B-Instruct',
      servedModelName: 'qwen2-5-1-5b',
      slo: { ttftP95: Duration.seconds(5), e2eLatencyP99: Duration.seconds(120), queuePerReplica: 32 },
      accelerator: Accelerator.mig('1g.10gb'),
      engine: { maxModelLenTokens: 8192, gpuMemoryUtilization: 0.85 },
      apiKey: VLLM_API_KEY,
      resources: { memory: Size.gibibytes(16) },
    });

    // Tiers are model groups; their prices are LiteLLM's model_info of each backend.
    const premiumGroup = this.proxy.addBackend(this.premiumHpa, { modelName: 'premium', rpm: 300, modelInfo: TIER_PRICES.premium });
    this.proxy.addBackend(this.premiumKeda, { modelName: 'premium', rpm: 300, modelInfo: TIER_PRICES.premium });
    const standardGroup = this.proxy.addBackend(this.standard, { modelName: 'standard', rpm: 600, modelInfo: TIER_PRICES.standard });
    const batchGroup = this.proxy.addBackend(this.batch, { modelName: 'batch', rpm: 1200, modelInfo: TIER_PRICES.batch });
    this.tiers = { premium: premiumGroup, standard: standardGroup, batch: batchGroup };
    // Premium overflows to standard; standard never to premium (it would cost more).
    this.proxy.addFallback(premiumGroup, [standardGroup]);

    this.proxy.monitor(DISCOVERY);
    for (const pool of [this.premiumHpa, this.premiumKeda, this.standard, this.batch]) pool.monitor(DISCOVERY);
    this.proxy.autoscale();

    // Recorded quantiles, throughput and ratios of every pool and tier: the premium HPA scales
    // on the recorded p95 TTFT of its pool, the standard pool's KEDA on the recorded p99.
    this.recordingRules = new RecordingRules(this, 'llm-autoscaling-recording', {
      pools: [this.premiumHpa, this.premiumKeda, this.standard, this.batch],
      proxy: this.proxy,
      discovery: DISCOVERY,
    });

    // Multi-signal HPA through prometheus-adapter. GPU utilization is DCGM's percent, averaged
    // over each pod's four GPUs by the adapter (summed, a busy pod would read 400 %): the
    // target 70 is 70 %. The HPA takes the larger of the two replica counts.
    this.gpuUtilization = props.adapter.addPodsMetric(this.premiumHpa.metricGpuUtilization(), { name: 'llama_70b_hpa_gpu_utilization' });
    this.requestsWaiting = props.adapter.addPodsMetric(this.premiumHpa.metricRequestsWaiting(), { name: 'llama_70b_hpa_num_requests_waiting' });
    // The pool's p95 TTFT, recorded, served as it is for the pool's Deployment (an Object metric).
    this.ttftP95 = props.adapter.addRecordedMetric(this.recordingRules.pool(this.premiumHpa).ttftP95);
    this.hpa = new HorizontalAutoscaler(this, 'llama-70b-hpa-autoscaler', {
      target: this.premiumHpa,
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [
        HpaMetric.adapterPods(this.gpuUtilization, 70),
        HpaMetric.adapterPods(this.requestsWaiting, 8),
        // The pool's TTFT SLO (p95 3 s) as a scaling target.
        HpaMetric.adapterObject(this.ttftP95, { apiVersion: 'apps/v1', kind: 'Deployment', name: this.premiumHpa.deployment.name }, { value: 3 }),
      ],
      behavior: ScalingBehaviors.GPU_POOL,
    });

    this.scaledObjects = {
      // The KEDA alternative: the same two signals as KEDA prometheus triggers, plus the queue
      // 15 minutes ahead, and two warm replicas in business hours whatever the metrics say.
      premiumKeda: this.premiumKeda.autoscale({
        prometheus: PROMETHEUS,
        minReplicas: 1,
        maxReplicas: 3,
        signals: [
          LlmSignal.gpuUtilization(this.premiumKeda, 0.7),
          LlmSignal.queueDepth(this.premiumKeda, 8),
          LlmSignal.predicted(LlmSignal.queueDepth(this.premiumKeda, 8), { lookback: Duration.minutes(30), horizon: Duration.minutes(15) }),
        ],
        preWarm: [{ timezone: 'Europe/Berlin', start: '30 7 * * 1-5', end: '0 19 * * 1-5', replicas: 2 }],
      }),
      // The default signals, plus the recorded p99 TTFT against 2 s.
      standard: this.standard.autoscale({
        prometheus: PROMETHEUS,
        minReplicas: 1,
        maxReplicas: 8,
        signals: [LlmSignal.queueDepth(this.standard, 5), LlmSignal.kvCacheUsage(this.standard, 0.8), LlmSignal.recorded(this.recordingRules.pool(this.standard).ttftP99, 2)],
      }),
      // Idle at zero; the proxy's requests for the batch tier wake it.
      batch: this.batch.autoscale({
        prometheus: PROMETHEUS,
        minReplicas: 0,
        maxReplicas: 4,
        wakeOn: LlmSignal.proxyRequestRate(this.proxy, batchGroup, 2),
      }),
    };

    this.alerts = new ServingAlerts(this, 'llm-autoscaling-alerts', {
      pools: [this.premiumHpa, this.premiumKeda, this.standard, this.batch],
      proxy: this.proxy,
      discovery: DISCOVERY,
      runbookBaseUrl: props.runbookBaseUrl,
      // Capacity: 3 + 3 pods of 4 GPUs, 8 GPUs, 4 MIG slices at most; alert beyond 28.
      acceleratorBudget: 28,
      costBudgets: [
        { group: premiumGroup, maxPerHour: TIER_BUDGETS_PER_HOUR.premium },
        { group: standardGroup, maxPerHour: TIER_BUDGETS_PER_HOUR.standard },
        { group: batchGroup, maxPerHour: TIER_BUDGETS_PER_HOUR.batch },
      ],
    });
  }
}
