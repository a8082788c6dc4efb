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
