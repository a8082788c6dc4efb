import { Chart, ChartProps, Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { REFERENCE_NEURON_VLLM_VERSION } from './reference-neuron';
import { DISCOVERY, HF_TOKEN, PROMETHEUS, SEED_GATEWAY, VLLM_API_KEY } from './reference-platform';
import {
  Accelerator, KedaScaledObject, LiteLLMProxy, ModelCache, NetworkPeer, ProxyServiceType, VllmPool,
} from '../lib';

/**
 * Who may call the gateway: the VPC's private addresses (an internal network load balancer;
 * the Service keeps the client's address, so these are the addresses the proxy's
 * NetworkPolicy sees). Replace with your clients' CIDRs.
 */
export const GATEWAY_CLIENTS = NetworkPeer.ipBlock('10.0.0.0/16');

/** Props of `GatewayInferentia`. */
export interface GatewayInferentiaProps extends ChartProps {
  /** Your vLLM image for AWS Neuron (there is no upstream one), pinned. */
  readonly neuronImage: string;
  /**
   * The vLLM version in `neuronImage` (its tag names the build, not the vLLM in it).
   * @default REFERENCE_NEURON_VLLM_VERSION (vllm-neuron 0.2.0 installs vLLM 0.11.0)
   */
  readonly neuronVllmVersion?: string;
}

/**
 * Scenario 1, an LLM gateway on AWS Inferentia, in namespace `llm-gateway`: the LiteLLM
 * proxy (PostgreSQL, a Redis response cache of 1 h, least-busy routing with pre-call checks,
 * allowed_fails 3, cooldown 60 s, 2 retries, 120 s timeout, fallbacks both ways) exposed by a
 * LoadBalancer Service `litellm` on port 80, autoscaled 2 to 10 on CPU 70 % / memory 80 %
 * with the seeds' behavior; two vLLM pools on Inferentia2 (one device, two NeuronCores, per
 * pod), each autoscaled by KEDA on its queue and KV cache.
 *
 * Where the usual tutorial YAML goes wrong, and what this stack does instead:
 * - A LoadBalancer proxy behind a NetworkPolicy that admits "the namespace": load balancer
 *   traffic does not come from pods, so the policy must name the clients' addresses, and the
 *   Service must keep them (`externalTrafficPolicy: Local`) or the policy sees node addresses.
 * - The proxy's HPA on utilization without container requests (utilization is undefined):
 *   the proxy sets requests, and the HPA checks them.
 * - Neuron pools scaled on CPU (flat while the NeuronCores queue): refused; they scale on
 *   vLLM's queue and KV cache.
 * - `--shutdown-timeout` passed to a vLLM the Neuron image pins at 0.11 (it exits on an unknown
 *   flag): the pools declare the image's vLLM version, so they drain with a preStop hook.
 * - A startup probe of a few minutes for a first Neuron compile that takes much longer: the
 *   load budget is 45 minutes, and the compiled artifacts live in the model cache.
 */
export class GatewayInferentia extends Chart {
  /** The gateway. */
  public readonly proxy: LiteLLMProxy;
  /** Llama 3.1 8B, int8, on Neuron. */
  public readonly llama: VllmPool;
  /** Qwen3 8B, FP8, on Neuron. */
  public readonly qwen: VllmPool;
  /** The pools' autoscalers. */
  public readonly poolAutoscalers: readonly KedaScaledObject[];

  public constructor(scope: Construct, id: string, props: GatewayInferentiaProps) {
    super(scope, id, { namespace: 'llm-gateway', ...props });
    const vllmVersion = props.neuronVllmVersion ?? REFERENCE_NEURON_VLLM_VERSION;

    this.proxy = new LiteLLMProxy(this, 'litellm', {
      name: 'litellm',
      serviceType: ProxyServiceType.LOAD_BALANCER,
      port: 80,
      // The seeds' gateway: PostgreSQL, Redis cache 1 h, least-busy with pre-call checks, allowed_fails 3,
      // cooldown 60 s, 2 retries, 120 s timeout (shared with the reference platform).
      ...SEED_GATEWAY,
      network: { allowFrom: [GATEWAY_CLIENTS] },
    });

    const neuronPool = (poolId: string, model: string, cache: Size, hfToken?: typeof HF_TOKEN): VllmPool => new VllmPool(this, poolId, {
      model,
      servedModelName: poolId,
      slo: { ttftP95: Duration.seconds(2), e2eLatencyP99: Duration.seconds(60), queuePerReplica: 4 },
      // One Inferentia2 device: two NeuronCores, so tensor parallelism 2.
      accelerator: Accelerator.neuron(1),
      image: props.neuronImage,
      vllmVersion,
      engine: { tensorParallelSize: 2, maxModelLenTokens: 8192, maxNumSeqs: 8 },
      hfToken,
      apiKey: VLLM_API_KEY,
      modelCache: ModelCache.newClaim({ size: cache, storageClassName: 'efs-sc' }),
      // A first start compiles the model for Neuron; later starts load it from the cache.
      maxModelLoadTime: Duration.minutes(45),
    });
    // The int8 / FP8 Neuron compilation settings are specific to the Neuron image: pass them
    // through `engine.extraArgs` for your build.
    this.llama = neuronPool('llama-3-1-8b-int8-neuron', 'meta-llama/Llama-3.1-8B-Instruct', Size.gibibytes(50), HF_TOKEN);
    this.qwen = neuronPool('qwen3-8b-fp8-neuron', 'Qwen/Qwen3-8B-FP8', Size.gibibytes(30));

    const llama = this.proxy.addBackend(this.llama, { rpm: 300, maxParallelRequests: 8 });
    const qwen = this.proxy.addBackend(this.qwen, { rpm: 300, maxParallelRequests: 8 });
    this.proxy.addFallback(llama, [qwen]);
    this.proxy.addFallback(qwen, [llama]);

    this.proxy.monitor(DISCOVERY);
    this.llama.monitor(DISCOVERY);
    this.qwen.monitor(DISCOVERY);

    // The gateway: HPA 2 to 10 on CPU 70 % / memory 80 %, up after 60 s by max(100 %, 2 pods)
    // per minute, down after 300 s by min(50 %, 1 pod) per minute (the defaults of autoscale()).
    this.proxy.autoscale();
    // Each pool: KEDA on its queue depth and KV cache, one pod per 3 minutes while models load.
    this.poolAutoscalers = [
      this.llama.autoscale({ prometheus: PROMETHEUS, minReplicas: 1, maxReplicas: 4 }),
      this.qwen.autoscale({ prometheus: PROMETHEUS, minReplicas: 1, maxReplicas: 4 }),
    ];
  }
}
