import * as kplus from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { Accelerator } from '../vllm/accelerator';

/**
 * A workload other than a Deployment with a `scale` subresource, such as the LeaderWorkerSet
 * of a `MultiNodeVllmPool`: what an autoscaler needs of it.
 */
export interface ScalableWorkload extends IConstruct {
  /** The autoscaler's `spec.scaleTargetRef`, e.g. `{ apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name }`. */
  readonly scaleTargetRef: { readonly apiVersion: string; readonly kind: string; readonly name: string };
  /** The workload's namespace (an autoscaler must be in the same one). */
  readonly namespace: string;
  /**
   * The labels of the pods the scale subresource's selector counts: the HPA averages Pods
   * metrics over these pods (a LeaderWorkerSet counts its leaders only, one per group).
   */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The fixed replica count the workload renders, if any (an autoscaled workload has none). */
  readonly replicas?: number;
  /**
   * The names of the counted pods' containers that have neither a request nor a limit for
   * `resource`: utilization metrics on that resource are refused while any is listed.
   */
  containersWithoutRequest(resource: 'cpu' | 'memory'): string[];
  /** Called by the one autoscaler that owns the replicas: the workload then renders no `spec.replicas`. */
  markHasAutoscaler(): void;
}

/**
 * What an autoscaler scales: a `VllmPool`, a `LiteLLMProxy`, any cdk8s-plus Deployment
 * wrapped as `{ deployment }`, or a `MultiNodeVllmPool` (its LeaderWorkerSet, as `workload`).
 * Exactly one of `deployment` and `workload` is set. A target with an accelerator is an
 * accelerator pool: VPA may not evict or resize it.
 */
export interface ScaleTarget {
  /**
   * The Deployment whose replicas (or resources) the autoscaler owns.
   * @default - none: then `workload` is set
   */
  readonly deployment?: kplus.Deployment;
  /**
   * The non-Deployment workload whose replicas the autoscaler owns (HPA and KEDA only; a
   * `VerticalAutoscaler` refuses it).
   * @default - none: then `deployment` is set
   */
  readonly workload?: ScalableWorkload;
  /** The pool's accelerator, if any. */
  readonly accelerator?: Accelerator;
}

/** Whether the target runs on an accelerator (GPU, MIG, AMD, Neuron). @internal */
export function isAcceleratorPool(target: ScaleTarget): boolean {
  return target.accelerator?.resourceName !== undefined;
}
