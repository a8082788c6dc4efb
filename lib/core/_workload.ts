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

/** A PodDisruptionBudget over a Deployment's pods (`maxUnavailable`). @internal */
export function podDisruptionBudget(scope: Construct, deployment: kplus.Deployment, labels: Record<string, string>, maxUnavailable: number): kplus.k8s.KubePodDisruptionBudget {
  return new kplus.k8s.KubePodDisruptionBudget(scope, 'PodDisruptionBudget', {
    metadata: { labels },
    spec: {
      maxUnavailable: kplus.k8s.IntOrString.fromNumber(maxUnavailable),
      selector: { matchLabels: deployment.matchLabels },
    },
  });
}
