import * as kplus from 'cdk8s-plus-28';
import { LABEL_NAME } from '../core/_labels';
import { invalid } from '../core/_validation';
import type { ScalableWorkload, ScaleTarget } from './scale-target';

/** What an autoscaler's replica ownership is keyed on: the Deployment or the other workload. @internal */
export type ReplicaHolder = kplus.Deployment | ScalableWorkload;

/**
 * A `ScaleTarget` resolved to what HPA and KEDA need of it, whether a Deployment or a
 * `ScalableWorkload` (such as a LeaderWorkerSet).
 *
 * Both autoscalers scale any object with a `scale` subresource, with no RBAC to add: the HPA
 * controller's bootstrap role may get and update `*\/scale` (kubernetes/kubernetes
 * plugin/pkg/auth/authorizer/rbac/bootstrappolicy/controller_policy.go,
 * `horizontal-pod-autoscaler`), KEDA's operator role every verb on `*\/scale` and get on every
 * resource (kedacore/keda config/rbac/role.yaml; keda.sh "Scaling Deployments, StatefulSets &
 * Custom Resources": the target must define `/scale`). A LeaderWorkerSet defines it with
 * `status.hpaPodSelector` as its selector, the leader pods only, one per group
 * (kubernetes-sigs/lws api/leaderworkerset/v1/leaderworkerset_types.go, v0.10.0: "The selector
 * for HPA will be that of the leader pod"): its replicas are groups.
 * @internal
 */
export interface ResolvedScaleTarget {
  /** The object replica ownership is recorded on. */
  readonly holder: ReplicaHolder;
  /** The construct path of the workload (for messages). */
  readonly path: string;
  /** The workload's object name: the autoscaler's default name. */
  readonly name: string;
  /** The workload's namespace. */
  readonly namespace: string | undefined;
  /** The workload's kind, for messages ('Deployment', 'LeaderWorkerSet', ...). */
  readonly kind: string;
  /** `spec.scaleTargetRef`. */
  readonly scaleTargetRef: { readonly apiVersion: string; readonly kind: string; readonly name: string };
  /** The `app.kubernetes.io/name` of the workload, if it has one. */
  readonly appName: string | undefined;
  /** The counted pods' containers without a request (nor limit) for `resource`. */
  containersWithoutRequest(resource: 'cpu' | 'memory'): string[];
}

const EXACTLY_ONE = 'must set exactly one of \'deployment\' (a cdk8s-plus Deployment) and \'workload\' (a ScalableWorkload, such as a MultiNodeVllmPool\'s LeaderWorkerSet)';

/**
 * Resolves `target` (already checked to be defined) for HPA and KEDA: exactly one of
 * `deployment` and `workload`, each of the right shape (plain JavaScript may pass anything).
 * @internal
 */
export function resolveScaleTarget(target: ScaleTarget): ResolvedScaleTarget {
  if (target === null || typeof target !== 'object') throw invalid('target', target, 'must be a VllmPool, a LiteLLMProxy, { deployment } or { workload }');
  const set = (['deployment', 'workload'] as const).filter(k => target[k] !== undefined && target[k] !== null);
  if (set.length !== 1) throw invalid('target', set, EXACTLY_ONE);
  if (target.workload !== undefined && target.workload !== null) return resolveWorkload(target.workload);
  const deployment = target.deployment;
  if (!(deployment instanceof kplus.Deployment)) throw invalid('target.deployment', deployment, 'must be a cdk8s-plus Deployment');
  return {
    holder: deployment,
    path: deployment.node.path,
    name: deployment.name,
    namespace: deployment.metadata.namespace,
    kind: 'Deployment',
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.name },
    appName: deployment.metadata.getLabel(LABEL_NAME),
    containersWithoutRequest: resource => deployment.containers.filter(c => {
      const r = resource === 'cpu' ? c.resources?.cpu : c.resources?.memory;
      return !(r?.request ?? r?.limit);
    }).map(c => c.name),
  };
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function resolveWorkload(workload: ScalableWorkload): ResolvedScaleTarget {
  const w = workload as Partial<ScalableWorkload> & { node?: { path?: unknown } };
  const ref = w.scaleTargetRef as Partial<ScalableWorkload['scaleTargetRef']> | undefined;
  const shaped = typeof w === 'object'
    && typeof w.node?.path === 'string'
    && typeof w.namespace === 'string'
    && typeof w.containersWithoutRequest === 'function'
    && typeof w.markHasAutoscaler === 'function'
    && ref !== null && typeof ref === 'object'
    && typeof ref.apiVersion === 'string' && ref.apiVersion.length > 0
    && typeof ref.kind === 'string' && ref.kind.length > 0
    && typeof ref.name === 'string';
  if (!shaped) {
    throw invalid('target.workload', typeof w === 'object' ? Object.keys(w) : w, 'must be a ScalableWorkload: a construct with scaleTargetRef { apiVersion, kind, name }, namespace, podLabels, containersWithoutRequest() and markHasAutoscaler(), such as a MultiNodeVllmPool\'s workload');
  }
  if (ref.name!.length > 253 || !NAME.test(ref.name!)) {
    throw invalid('target.workload.scaleTargetRef.name', ref.name, 'must be a DNS-1123 subdomain: the name of the object to scale');
  }
  const scaleTargetRef = { apiVersion: ref.apiVersion!, kind: ref.kind!, name: ref.name! };
  return {
    holder: workload,
    path: workload.node.path,
    name: scaleTargetRef.name,
    namespace: workload.namespace,
    kind: scaleTargetRef.kind,
    scaleTargetRef,
    appName: typeof workload.podLabels?.[LABEL_NAME] === 'string' ? workload.podLabels[LABEL_NAME] : undefined,
    containersWithoutRequest: resource => {
      const names: unknown = workload.containersWithoutRequest(resource);
      if (!Array.isArray(names)) throw invalid('target.workload', workload.node.path, `returned ${JSON.stringify(names) ?? 'undefined'} from containersWithoutRequest('${resource}'): it must return a list of container names`);
      return names.map(String);
    },
  };
}

/**
 * The error when a counted container of `target` has no request (nor limit) for `resource`:
 * a utilization is a percentage of requests, so the HPA could not compute it. A limit alone
 * will do: Kubernetes then defaults the request to it.
 * @internal
 */
export function missingRequest(target: ResolvedScaleTarget, resource: 'cpu' | 'memory', prop: string): string | undefined {
  const bare = target.containersWithoutRequest(resource)[0];
  if (bare === undefined) return undefined;
  return invalid(prop, resource, `needs a ${resource} request on every container of '${target.path}': utilization is measured against requests (container ${JSON.stringify(bare)} has neither a request nor a limit)`).message;
}

/**
 * The workload a pool's (or any target's) replicas run as, `{ apiVersion, kind, name }`, and
 * the object its replica ownership is recorded on; no checks (the target is a pool's own).
 * @internal
 */
export function workloadOf(target: ScaleTarget): { readonly ref: { readonly apiVersion: string; readonly kind: string; readonly name: string }; readonly holder: ReplicaHolder } {
  if (target.workload) return { ref: { ...target.workload.scaleTargetRef }, holder: target.workload };
  const deployment = target.deployment!;
  return { ref: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.name }, holder: deployment };
}
