import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';

/**
 * Soft topology spread of a Deployment's pods over nodes and zones: preferred, never a
 * reason to leave a pod Pending. cdk8s-plus has no API for it, so it is a JSON patch.
 * @internal
 */
export function preferSpread(deployment: kplus.Deployment): void {
  const labelSelector = { matchLabels: { ...deployment.matchLabels } };
  ApiObject.of(deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
    { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector },
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector },
  ]));
}

/** A PodDisruptionBudget `name` over a Deployment's pods (`maxUnavailable`). @internal */
export function podDisruptionBudget(scope: Construct, name: string, deployment: kplus.Deployment, labels: Record<string, string>, maxUnavailable: number): kplus.k8s.KubePodDisruptionBudget {
  return new kplus.k8s.KubePodDisruptionBudget(scope, 'PodDisruptionBudget', {
    metadata: { name, labels },
    spec: {
      maxUnavailable: kplus.k8s.IntOrString.fromNumber(maxUnavailable),
      selector: { matchLabels: deployment.matchLabels },
    },
  });
}

/**
 * Makes a workload select its pods by the library's stable labels instead of cdk8s-plus's
 * `cdk8s.io/metadata.addr` label, and removes that label from the pod template. The address
 * label is a hash of the construct path: in a Deployment's `spec.selector` (immutable) it
 * would make a refactor of the construct tree fail to apply, and in the pod template it would
 * roll every pod (a model reload) for a change that is not one. Create the workload with
 * `select: false` and call this right after.
 * @internal
 */
export function selectByLabels(workload: kplus.Deployment | kplus.DaemonSet | kplus.Job, labels: Record<string, string>): void {
  workload.select(kplus.LabelSelector.of({ labels }));
  dropAddressLabel(workload);
}

/**
 * Removes cdk8s-plus's path-hashed `cdk8s.io/metadata.addr` label from a workload's pod
 * template (a Job, which Kubernetes selects itself, needs only this).
 * @internal
 */
export function dropAddressLabel(workload: kplus.Deployment | kplus.DaemonSet | kplus.Job): void {
  ApiObject.of(workload).addJsonPatch(JsonPatch.remove(`/spec/template/metadata/labels/${escapePointer(kplus.Pod.ADDRESS_LABEL)}`));
}

/**
 * The pods with some labels, as a cdk8s-plus selector for Services, NetworkPolicies and pod
 * affinity: never the path-hashed address label.
 * @internal
 */
export function podsWithLabels(scope: Construct, id: string, labels: Record<string, string>): kplus.Pods {
  return kplus.Pods.select(scope, id, { labels: { ...labels } });
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
