import { invalid, requireLabelValue, requirePositiveInteger } from '../core/_validation';

/** The accelerator families a pool can run on. */
export enum AcceleratorKind {
  NVIDIA_GPU = 'nvidia-gpu',
  NVIDIA_MIG = 'nvidia-mig',
  AMD_GPU = 'amd-gpu',
  AWS_NEURON = 'aws-neuron',
  CPU = 'cpu',
}

/** Options of `Accelerator.nvidiaGpu()`. */
export interface NvidiaGpuOptions {
  /**
   * Schedule only on nodes with this GPU product, as labelled by NVIDIA GPU feature
   * discovery (`nvidia.com/gpu.product`), e.g. `NVIDIA-A100-SXM4-80GB`.
   * @default - any NVIDIA GPU node
   */
  readonly product?: string;
}

/** Options of `Accelerator.neuron()`. */
export interface NeuronOptions {
  /**
   * NeuronCores per device as the Neuron runtime exposes them: 2 on Inferentia2 and
   * Trainium1; on Trainium2 it depends on the logical NeuronCore configuration.
   * @default 2
   */
  readonly coresPerDevice?: number;
}

const MIG_PROFILE = /^[1-9]\d{0,2}g\.[1-9]\d{0,3}gb$/;
/** Devices one pod may request: no node has more; beyond it is a typo. */
const MAX_DEVICES = 1024;
/** NeuronCores per device: 2 on Inferentia2 and Trainium1, up to 8 on Trainium2. */
const MAX_CORES_PER_DEVICE = 64;
const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';

/**
 * What a vLLM pod runs on: the extended resource it requests (requests equal limits),
 * how many devices that is for tensor × pipeline parallelism, and the taint it tolerates.
 * An open choice: build one with the static factories.
 *
 * Resource names (FACTS §A.5): `nvidia.com/gpu`; MIG mixed strategy `nvidia.com/mig-<g>g.<mem>gb`
 * (one MIG type per container); `amd.com/gpu`; `aws.amazon.com/neuron`.
 *
 * @example Accelerator.nvidiaGpu(4, { product: 'NVIDIA-H100-80GB-HBM3' })
 */
export class Accelerator {
  /** `count` whole NVIDIA GPUs per pod (`nvidia.com/gpu`). */
  public static nvidiaGpu(count: number, options: NvidiaGpuOptions = {}): Accelerator {
    requireDeviceCount('accelerator.count', count, MAX_DEVICES);
    requireOptions(options);
    if (options.product !== undefined) {
      if (typeof options.product !== 'string') throw invalid('accelerator.product', options.product, 'must be a string, e.g. \'NVIDIA-A100-SXM4-80GB\'');
      requireLabelValue('accelerator.product', options.product);
    }
    return new Accelerator(AcceleratorKind.NVIDIA_GPU, 'nvidia.com/gpu', count, count,
      options.product ? { [GPU_PRODUCT_LABEL]: options.product } : {});
  }

  /**
   * One NVIDIA MIG slice per pod, mixed strategy (`nvidia.com/mig-<profile>`), e.g. `'3g.20gb'`.
   * A slice is one device: tensor and pipeline parallelism stay 1.
   */
  public static mig(profile: string): Accelerator {
    if (typeof profile !== 'string' || !MIG_PROFILE.test(profile)) {
      throw invalid('accelerator.profile', profile, 'must be a MIG profile like \'1g.10gb\' or \'3g.20gb\' (<compute>g.<memory>gb)');
    }
    return new Accelerator(AcceleratorKind.NVIDIA_MIG, `nvidia.com/mig-${profile}`, 1, 1, {}, 'nvidia.com/gpu');
  }

  /** `count` AMD GPUs per pod (`amd.com/gpu`); needs a ROCm vLLM image that you name. */
  public static amdGpu(count: number): Accelerator {
    requireDeviceCount('accelerator.count', count, MAX_DEVICES);
    return new Accelerator(AcceleratorKind.AMD_GPU, 'amd.com/gpu', count, count);
  }

  /**
   * `count` AWS Neuron devices per pod (`aws.amazon.com/neuron`). Neuron is not an in-tree
   * vLLM device: the pool needs a Neuron vLLM image that you name.
   *
   * On Neuron, tensor parallelism counts NeuronCores, not devices: an Inferentia2 or
   * Trainium1 device has two (vLLM's Neuron example runs `tensor_parallel_size=2` on one
   * inf2 device), so the pool's tensor × pipeline parallel size must equal
   * `count × coresPerDevice`.
   */
  public static neuron(count: number, options: NeuronOptions = {}): Accelerator {
    requireDeviceCount('accelerator.count', count, MAX_DEVICES);
    requireOptions(options);
    const cores = options.coresPerDevice ?? 2;
    requireDeviceCount('accelerator.coresPerDevice', cores, MAX_CORES_PER_DEVICE);
    return new Accelerator(AcceleratorKind.AWS_NEURON, 'aws.amazon.com/neuron', count, count * cores);
  }

  /** No accelerator: vLLM's CPU backend, for development; needs a CPU vLLM image that you name. */
  public static cpu(): Accelerator {
    return new Accelerator(AcceleratorKind.CPU, undefined, 0, 1);
  }

  private constructor(
    /** The family. */
    public readonly kind: AcceleratorKind,
    /** The extended resource requested, or undefined for CPU. */
    public readonly resourceName: string | undefined,
    /** How many of `resourceName` each pod requests (and limits). */
    public readonly count: number,
    /** Devices (NeuronCores on Neuron) one pod spreads a model over: tensor × pipeline parallel size must equal it. */
    public readonly devicesPerPod: number,
    /** Node labels the pod requires. */
    public readonly nodeSelector: Readonly<Record<string, string>> = {},
    /** The taint key accelerator nodes carry, tolerated by the pod. */
    public readonly taintKey: string | undefined = resourceName,
  ) {}

  /**
   * Whether the pool needs an image the user names: `vllm/vllm-openai` is built for CUDA,
   * so AMD (a ROCm image), Neuron (a Neuron image) and CPU (a CPU image) need their own.
   */
  public get needsCustomImage(): boolean {
    return this.kind !== AcceleratorKind.NVIDIA_GPU && this.kind !== AcceleratorKind.NVIDIA_MIG;
  }

  /** The extended resource as requests and limits (equal, as Kubernetes requires), or `{}` on CPU. */
  public get resources(): Record<string, number> {
    return this.resourceName ? { [this.resourceName]: this.count } : {};
  }
}

function requireDeviceCount(prop: string, value: number, max: number): void {
  requirePositiveInteger(prop, value);
  if (value > max) throw invalid(prop, value, `must be at most ${max}`);
}

function requireOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid('accelerator.options', options, 'must be an object of options or omitted');
  }
}

/**
 * Validates an `accelerator` prop received from plain JavaScript.
 * @internal
 */
export function requireAccelerator(prop: string, value: unknown): Accelerator {
  if (value === undefined || value === null) {
    throw invalid(prop, value, 'is required: what each pod runs on, e.g. Accelerator.nvidiaGpu(1), Accelerator.mig(\'3g.20gb\'), Accelerator.neuron(1)');
  }
  if (!(value instanceof Accelerator)) {
    throw invalid(prop, value, 'must be an Accelerator: Accelerator.nvidiaGpu(n), Accelerator.mig(profile), Accelerator.amdGpu(n), Accelerator.neuron(n) or Accelerator.cpu()');
  }
  return value;
}
