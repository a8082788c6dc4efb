import { Chart, ChartProps, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { DISCOVERY, HF_TOKEN, VLLM_API_KEY } from './reference-platform';
import {
  Accelerator, AdapterMetric, HorizontalAutoscaler, HpaMetric, ModelCache, NetworkPeer, PoolServiceType, PrometheusAdapter, ScalingBehaviors,
  VllmPool,
} from '../lib';

/**
 * Who may call the service: the clients' private network (the load balancer is internal and
 * the Service keeps the client's source address, so these are the addresses the pool's
 * NetworkPolicy sees). Replace with your clients' CIDRs.
 */
export const SINGLE_MODEL_CLIENTS = NetworkPeer.ipBlock('10.0.0.0/8');

/** Props of `SingleModelGpu`. */
export interface SingleModelGpuProps extends ChartProps {
  /**
   * The cluster's prometheus-adapter (one per cluster: it owns the custom metrics
   * APIService); the chart adds the pool's rules to it.
   */
  readonly adapter: PrometheusAdapter;
}

/**
 * Scenario 5, a single-model GPU service without a proxy, in namespace `llm-single-model`:
 * Llama 3.1 8B on one GPU, reached by clients directly through a LoadBalancer on port 80
 * (forwarding to vLLM's 8000), with a shared model cache, an HPA on the requests waiting per
 * pod (target 5) with CPU as a guard, and GPU utilization flowing DCGM → Prometheus →
 * prometheus-adapter.
 *
 * Where the usual tutorial YAML goes wrong, and what this stack does instead:
 * - A public LoadBalancer in front of vLLM with no key: vLLM's `--api-key` guards only
 *   `/v1`, `/v2` and `/inference` (`/invocations` and `/metrics` stay open, FACTS §A.3).
 *   Here the pool requires `apiKey` and its NetworkPolicy admits only the named clients (and
 *   Prometheus); the Service keeps client addresses (`externalTrafficPolicy: Local`), or a
 *   policy on client CIDRs would see node addresses.
 * - One ReadWriteOnce cache volume for an autoscaled Deployment: the second replica on
 *   another node cannot mount it. The cache is ReadWriteMany (EFS here).
 * - Readiness on `/health`, which can pass before the model serves: the pool's readiness
 *   and startup probes pass only once `/v1/models` lists the served model.
 * - An HPA on `DCGM_FI_DEV_GPU_UTIL` summed per pod (a 2-GPU pod reads 200 %) or on CPU
 *   alone (flat while requests queue): the HPA scales on the queue, CPU is only a guard
 *   (`HpaMetric.cpuGuard`), and the adapter averages GPU utilization over a pod's GPUs.
 * - DCGM series carrying the exporter's pod instead of the workload's: the exporter's
 *   ServiceMonitor keeps dcgm-exporter's `pod`/`namespace` labels (`honorLabels`).
 */
export class SingleModelGpu extends Chart {
  /** The served model's pool. */
  public readonly pool: VllmPool;
  /** Its autoscaler. */
  public readonly autoscaler: HorizontalAutoscaler;
  /** Requests waiting per pod, served by the adapter (the HPA's signal). */
  public readonly requestsWaiting: AdapterMetric;
  /**
   * GPU utilization per pod (percent, averaged over the pod's GPUs), served by the adapter:
   * the end of the DCGM pipeline, for `kubectl get --raw` and for an HPA that wants it (this
   * one scales on the queue, which says how far behind the pool is, not only that it is busy).
   */
  public readonly gpuUtilization: AdapterMetric;

  public constructor(scope: Construct, id: string, props: SingleModelGpuProps) {
    super(scope, id, { namespace: 'llm-single-model', ...props });

    this.pool = new VllmPool(this, 'llama-3-1-8b', {
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      servedModelName: 'llama-3-1-8b',
      accelerator: Accelerator.nvidiaGpu(1),
      engine: { maxModelLenTokens: 16384, gpuMemoryUtilization: 0.9, enablePrefixCaching: true },
      hfToken: HF_TOKEN,
      // Required on a LoadBalancer pool: clients send it as a bearer token on /v1.
      apiKey: VLLM_API_KEY,
      serviceType: PoolServiceType.LOAD_BALANCER,
      servicePort: 80,
      network: { allowFrom: [SINGLE_MODEL_CLIENTS] },
      // Every replica mounts the same weights: ReadWriteMany (EFS), never ReadWriteOnce.
      modelCache: ModelCache.newClaim({ size: Size.gibibytes(50), storageClassName: 'efs-sc' }),
    });
    this.pool.monitor(DISCOVERY);

    // DCGM → Prometheus → adapter: dcgm-exporter (per cluster) maps each GPU to the pod using
    // it; the adapter serves the pool's GPU utilization per pod, averaged over its GPUs.
    this.gpuUtilization = props.adapter.addPodsMetric(this.pool.metricGpuUtilization(), { name: 'llama_3_1_8b_single_gpu_utilization' });
    this.requestsWaiting = props.adapter.addPodsMetric(this.pool.metricRequestsWaiting(), { name: 'llama_3_1_8b_single_num_requests_waiting' });

    this.autoscaler = new HorizontalAutoscaler(this, 'llama-3-1-8b-hpa', {
      target: this.pool,
      minReplicas: 1,
      maxReplicas: 4,
      metrics: [
        // The load: 5 requests waiting per pod.
        HpaMetric.adapterPods(this.requestsWaiting, 5),
        // A guard, not the signal: adds pods only if tokenization and streaming saturate the
        // CPU while the queue looks short. Pods still loading (not Ready) are not counted.
        HpaMetric.cpuGuard(85),
      ],
      behavior: ScalingBehaviors.GPU_POOL,
    });
  }
}
