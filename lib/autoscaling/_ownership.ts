import * as kplus from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { invalid } from '../core/_validation';

/** Who owns each Deployment's replicas: at most one HPA or KEDA ScaledObject. */
const replicaOwners = new WeakMap<kplus.Deployment, IConstruct>();
/** The container resources an HPA scales each Deployment on (cpu, memory). */
const hpaResources = new WeakMap<kplus.Deployment, Map<string, IConstruct>>();

/**
 * Records `owner` as the one autoscaler that owns `deployment`'s replicas and marks the
 * Deployment autoscaled, so cdk8s-plus renders no `spec.replicas`.
 * @internal
 */
export function claimReplicas(deployment: kplus.Deployment, owner: IConstruct, kind: string): void {
  const existing = replicaOwners.get(deployment);
  if (existing) {
    throw invalid('target', deployment.node.path, `is already scaled by '${existing.node.path}': at most one replica-owning autoscaler (HPA or KEDA ScaledObject) per workload; remove one of '${existing.node.path}' and this ${kind} '${owner.node.path}'`);
  }
  if (deployment.replicas !== undefined) {
    throw invalid('target', deployment.node.path, `has a fixed replicas (${deployment.replicas}): leave 'replicas' unset on a workload an autoscaler owns, or Argo CD and the ${kind} fight over it`);
  }
  replicaOwners.set(deployment, owner);
  deployment.markHasAutoscaler();
}

/** The autoscaler that owns `deployment`'s replicas, if any. @internal */
export function replicaOwner(deployment: kplus.Deployment): IConstruct | undefined {
  return replicaOwners.get(deployment);
}

/** Records that `hpa` scales `deployment` on a container resource (cpu or memory). @internal */
export function recordHpaResource(deployment: kplus.Deployment, resource: string, hpa: IConstruct): void {
  const map = hpaResources.get(deployment) ?? new Map<string, IConstruct>();
  map.set(resource, hpa);
  hpaResources.set(deployment, map);
}

/** The container resources an HPA scales `deployment` on, with the HPA. @internal */
export function hpaScaledResources(deployment: kplus.Deployment): ReadonlyMap<string, IConstruct> {
  return hpaResources.get(deployment) ?? new Map();
}
