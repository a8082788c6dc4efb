import { Chart, ChartProps, Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { DISCOVERY, HF_TOKEN, PROMETHEUS, VLLM_API_KEY } from './reference-platform';
import {
  Accelerator, HorizontalAutoscaler, HpaMetric, LiteLLMProxy, ModelCache, PrometheusAdapter, ScalingBehaviors, VllmPool,
} from '../lib';

/**
 * The vLLM that the reference Neuron image runs: vllm-project/vllm-neuron 0.2.0 (Inf2,
 * Trn1, Trn2) installs `vllm==0.11.0` (requirements/core.txt @a96712544a). Older than 0.18,
 * so the pools drain without `--shutdown-timeout`; older than 0.16, so vLLM waits a fixed
 * 600 s for its engine whatever the pools' load budget (a first Neuron compile can exceed it:
 * keep compiled artifacts in the model cache).
 */
export const REFERENCE_NEURON_VLLM_VERSION = '0.11.0';

/** Props of `ReferenceNeuronPools`. */
export interface ReferenceNeuronPoolsProps extends ChartProps {
  /** The gateway the pools are added to. */
  readonly proxy: LiteLLMProxy;
  /** Your vLLM image for AWS Neuron (there is no upstream one), pinned. */
  readonly neuronImage: string;
  /**
   * The vLLM version in `neuronImage` (its tag names the build, not the vLLM in it).
   * @default REFERENCE_NEURON_VLLM_VERSION
   */
  readonly neuronVllmVersion?: string;
  /** The prometheus-adapter that serves the Qwen pool's queue depth as a Pods metric. */
  readonly adapter: PrometheusAdapter;
}

/**
 * The seed's AWS Neuron pools in namespace `llm-neuron`, one Inferentia2 device (two
 * NeuronCores, tensor parallelism 2) per pod, added to the gateway of the reference
 * platform as their own model groups. The Llama pool scales with KEDA; the Qwen pool with a
 * plain HPA on a Pods metric from prometheus-adapter.
 *
 * The int8 / FP8 Neuron compilation settings are specific to the Neuron image; pass them
 * through `engine.extraArgs`.
 */
export class ReferenceNeuronPools extends Chart {
  /** Llama 3.1 8B, int8, on Neuron. */
  public readonly llama8b: VllmPool;
  /** Qwen3 8B, FP8, on Neuron. */
  public readonly qwen8b: VllmPool;

  public constructor(scope: Construct, id: string, props: ReferenceNeuronPoolsProps) {
    super(scope, id, { namespace: 'llm-neuron', ...props });

    this.llama8b = new VllmPool(this, 'llama-3-1-8b-int8-neuron', {
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      servedModelName: 'llama-3-1-8b-int8-neuron',
      slo: { ttftP95: Duration.seconds(2), e2eLatencyP99: Duration.seconds(60), queuePerReplica: 4 },
      accelerator: Accelerator.neuron(1),
      image: props.neuronImage,
      vllmVersion: props.neuronVllmVersion ?? REFERENCE_NEURON_VLLM_VERSION,
      engine: { tensorParallelSize: 2, maxModelLenTokens: 8192, maxNumSeqs: 8 },
      hfToken: HF_TOKEN,
      apiKey: VLLM_API_KEY,
      modelCache: ModelCache.newClaim({ size: Size.gibibytes(50) }),
      // Neuron compiles the model on a first start without a compiled artifact in the cache.
      maxModelLoadTime: Duration.minutes(45),
    });

    this.qwen8b = new VllmPool(this, 'qwen3-8b-fp8-neuron', {
      model: 'Qwen/Qwen3-8B-FP8',
      servedModelName: 'qwen3-8b-fp8-neuron',
      slo: { ttftP95: Duration.seconds(2), e2eLatencyP99: Duration.seconds(60), queuePerReplica: 4 },
      accelerator: Accelerator.neuron(1),
      image: props.neuronImage,
      vllmVersion: props.neuronVllmVersion ?? REFERENCE_NEURON_VLLM_VERSION,
      engine: { tensorParallelSize: 2, maxModelLenTokens: 8192, maxNumSeqs: 8 },
      apiKey: VLLM_API_KEY,
      modelCache: ModelCache.newClaim({ size: Size.gibibytes(30) }),
      maxModelLoadTime: Duration.minutes(45),
    });

    props.proxy.addBackend(this.llama8b, { rpm: 300, maxParallelRequests: 8 });
    props.proxy.addBackend(this.qwen8b, { rpm: 300, maxParallelRequests: 8 });

    this.llama8b.monitor(DISCOVERY);
    this.qwen8b.monitor(DISCOVERY);
    this.llama8b.autoscale({ prometheus: PROMETHEUS, minReplicas: 1, maxReplicas: 4 });
    // The seeds' "HPA with custom metrics" path: a plain HPA on vLLM's queue depth per pod,
    // served by prometheus-adapter as vllm_num_requests_waiting.
    new HorizontalAutoscaler(this, 'qwen3-8b-fp8-neuron-hpa', {
      target: this.qwen8b,
      minReplicas: 1,
      maxReplicas: 4,
      metrics: [HpaMetric.adapterPods(props.adapter.addPodsMetric(this.qwen8b.metricRequestsWaiting()), 5)],
      behavior: ScalingBehaviors.GPU_POOL,
    });
  }
}
