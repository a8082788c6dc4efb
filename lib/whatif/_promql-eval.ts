import { PoolSnapshot } from './_contract';

/** Options of `evaluateQuery`: how the model's series are labelled beyond `poolLabels`. */
export interface EvaluateOptions {
  /** GPUs per pod: one DCGM series each. @default 1 */
  readonly gpusPerPod?: number;
  /** The Deployment's name: pod labels read `<deployment>-<hash>-<suffix>` like ReplicaSet pods. @default - the model's pod names as they are */
  readonly deployment?: string;
  /** The LiteLLM proxy's namespace and the model groups routed to the pool (labels of the proxy's series). @default - no proxy series */
  readonly proxy?: { readonly namespace: string; readonly modelGroups: readonly string[] };
}

/**
 * A tiny evaluator for the PromQL the library emits (parsed with @prometheus-io/lezer-promql).
 * Returns undefined for an empty result.
 */
export function evaluateQuery(query: string, snapshot: PoolSnapshot, history: ReadonlyArray<PoolSnapshot>, poolLabels: Record<string, string>, options: EvaluateOptions = {}): number | undefined {
  void query; void snapshot; void history; void poolLabels; void options;
  throw new Error('not implemented yet');
}
