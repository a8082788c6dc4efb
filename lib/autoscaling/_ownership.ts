import { IConstruct } from 'constructs';
import type { ReplicaHolder } from './_target';
import { invalid } from '../core/_validation';

/**
 * Who owns each workload's replicas (a Deployment, or a `ScalableWorkload` such as a
 * LeaderWorkerSet): at most one HPA or KEDA ScaledObject.
 */
const replicaOwners = new WeakMap<ReplicaHolder, IConstruct>();
/** The container resources an HPA scales each workload on (cpu, memory). */
const hpaResources = new WeakMap<ReplicaHolder, Map<string, IConstruct>>();

/**
 * Records `owner` as the one autoscaler that owns `workload`'s replicas and marks the
 * workload autoscaled (`markHasAutoscaler()`), so it renders no `spec.replicas`.
 * @internal
 */
export function claimReplicas(workload: ReplicaHolder, owner: IConstruct, kind: string): void {
  const existing = replicaOwners.get(workload);
  if (existing) {
    throw invalid('target', workload.node.path, `is already scaled by '${existing.node.path}': at most one replica-owning autoscaler (HPA or KEDA ScaledObject) per workload; remove one of '${existing.node.path}' and this ${kind} '${owner.node.path}'`);
  }
  if (workload.replicas !== undefined) {
    throw invalid('target', workload.node.path, `has a fixed replicas (${workload.replicas}): leave 'replicas' unset on a workload an autoscaler owns, or Argo CD and the ${kind} fight over it`);
  }
  replicaOwners.set(workload, owner);
  workload.markHasAutoscaler();
}

/** The autoscaler that owns `workload`'s replicas, if any. @internal */
export function replicaOwner(workload: ReplicaHolder): IConstruct | undefined {
  return replicaOwners.get(workload);
}

/** Records that `hpa` scales `workload` on a container resource (cpu or memory). @internal */
export function recordHpaResource(workload: ReplicaHolder, resource: string, hpa: IConstruct): void {
  const map = hpaResources.get(workload) ?? new Map<string, IConstruct>();
  map.set(resource, hpa);
  hpaResources.set(workload, map);
}

/** The container resources an HPA scales `workload` on, with the HPA. @internal */
export function hpaScaledResources(workload: ReplicaHolder): ReadonlyMap<string, IConstruct> {
  return hpaResources.get(workload) ?? new Map();
}
