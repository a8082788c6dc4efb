/** Label keys the library stamps on what it renders (Kubernetes recommended labels). @internal */
export const LABEL_NAME = 'app.kubernetes.io/name';
/** @internal */
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
/** @internal */
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
/** @internal */
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
/** @internal */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';

/** The recommended labels for one component of the library. @internal */
export function recommendedLabels(name: string, instance: string, component: string): Record<string, string> {
  return {
    [LABEL_NAME]: name,
    [LABEL_INSTANCE]: instance,
    [LABEL_COMPONENT]: component,
    [LABEL_PART_OF]: 'cdk8s-llm-serving',
    [LABEL_MANAGED_BY]: 'cdk8s',
  };
}

/**
 * The Prometheus label that carries a pool's identity on every series scraped from its pods:
 * the pool's PodMonitor copies the pods' `app.kubernetes.io/instance` label (the pool name)
 * into it at scrape time, so two pools serving one model name in one namespace never read
 * each other's queue. Every pool signal, adapter rule and alert scopes by it.
 * @internal
 */
export const METRIC_LABEL_POOL = 'pool';

/**
 * The "kind" a pool's name is claimed under (`claimName`) by every kind of vLLM pool: its pods
 * carry `app.kubernetes.io/name: vllm` and `app.kubernetes.io/instance: <name>`, which its
 * selectors, its PodMonitor's `pool` label and an InferencePool select by, so a `VllmPool` and
 * a `MultiNodeVllmPool` of one name in one namespace would select each other's pods.
 * @internal
 */
export const POOL_IDENTITY_KIND = 'vLLM pool (pods labelled app.kubernetes.io/instance)';
