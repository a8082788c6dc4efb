import * as kplus from 'cdk8s-plus-28';
import { Accelerator } from '../vllm/accelerator';

/**
 * What an autoscaler scales: a `VllmPool`, a `LiteLLMProxy`, or any cdk8s-plus Deployment
 * wrapped as `{ deployment }`. A target with an accelerator is an accelerator pool: VPA may
 * not evict or resize it.
 */
export interface ScaleTarget {
  /** The Deployment whose replicas (or resources) the autoscaler owns. */
  readonly deployment: kplus.Deployment;
  /** The pool's accelerator, if any. */
  readonly accelerator?: Accelerator;
}

/** Whether the target runs on an accelerator (GPU, MIG, AMD, Neuron). @internal */
export function isAcceleratorPool(target: ScaleTarget): boolean {
  return target.accelerator?.resourceName !== undefined;
}
