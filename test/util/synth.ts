import { Chart, Testing } from 'cdk8s';
import { NetworkPeer } from '../../lib/network/network-peer';
import { parse } from 'yaml';

/** A synthesized Kubernetes object, as plain JSON. */
export type Manifest = Record<string, any>;

/** A Chart in namespace `llm` (or the one given) inside a fresh test App. */
export function testChart(namespace: string | null = 'llm'): Chart {
  return new Chart(Testing.app(), 'test', { namespace: namespace ?? undefined });
}

/** Synthesizes a chart (running its validations) into plain objects. */
export function synth(chart: Chart): Manifest[] {
  return Testing.synth(chart);
}

/** The objects of one kind. */
export function allOfKind(manifests: Manifest[], kind: string): Manifest[] {
  return manifests.filter(m => m.kind === kind);
}

/** The labels the LeaderWorkerSet controller puts on a group's pods (lws v0.10.0 api/leaderworkerset/v1/leaderworkerset_types.go). */
export const LWS_NAME_LABEL = 'leaderworkerset.sigs.k8s.io/name';
/** The pod's index in its group: "0" on the leader (same source). */
export const LWS_WORKER_INDEX_LABEL = 'leaderworkerset.sigs.k8s.io/worker-index';

/**
 * Every workload's pods as Deployment-shaped views (`{ kind, metadata, spec: { replicas,
 * selector, template } }`), so tests read them alike: Deployments and DaemonSets as they are;
 * a LeaderWorkerSet as two views, its leaders (`role: 'leader'`, worker index "0") and its
 * workers (`role: 'worker'`, index "1"), each with the labels the LWS controller adds and
 * `groupSize` (`leaderWorkerTemplate.size`). `spec.replicas` is the LeaderWorkerSet's (groups).
 */
export function podWorkloads(manifests: Manifest[]): Manifest[] {
  return manifests.flatMap((m): Manifest[] => {
    if (m.kind === 'Deployment' || m.kind === 'DaemonSet') return [m];
    if (m.kind !== 'LeaderWorkerSet') return [];
    const lwt = m.spec.leaderWorkerTemplate;
    const view = (role: string, template: Manifest, index: string): Manifest => {
      const labels = { ...template.metadata?.labels, [LWS_NAME_LABEL]: m.metadata.name, [LWS_WORKER_INDEX_LABEL]: index };
      return {
        kind: m.kind, role, groupSize: lwt.size, metadata: m.metadata,
        spec: { replicas: m.spec.replicas, selector: { matchLabels: { [LWS_NAME_LABEL]: m.metadata.name, [LWS_WORKER_INDEX_LABEL]: index } }, template: { ...template, metadata: { ...template.metadata, labels } } },
      };
    };
    return [view('leader', lwt.leaderTemplate ?? lwt.workerTemplate, '0'), view('worker', lwt.workerTemplate, '1')];
  });
}

/** The one object of a kind with exactly this name; fails when there is none or more than one. */
export function named(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = allOfKind(manifests, kind).filter(m => m.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0];
}

/** The single object of a kind (optionally whose name contains a fragment); fails otherwise. */
export function oneOfKind(manifests: Manifest[], kind: string, nameContains?: string): Manifest {
  const found = allOfKind(manifests, kind).filter(m => nameContains === undefined || m.metadata.name.includes(nameContains));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${nameContains ? ` named *${nameContains}*` : ''}, found ${found.length}: ${found.map(m => m.metadata.name).join(', ')}`);
  }
  return found[0];
}

/** The parsed LiteLLM config.yaml of the one ConfigMap in the output that has one. */
export function liteLLMConfig(manifests: Manifest[]): Record<string, any> {
  const found = allOfKind(manifests, 'ConfigMap').filter(c => c.data?.['config.yaml'] !== undefined);
  if (found.length !== 1) throw new Error(`expected one ConfigMap with a config.yaml, found ${found.length}: ${found.map(m => m.metadata.name).join(', ')}`);
  return parse(found[0].data['config.yaml']);
}

/** The first container of a workload's pod template. */
export function containerOf(workload: Manifest, name: string): Manifest {
  const c = workload.spec.template.spec.containers.find((x: Manifest) => x.name === name);
  if (!c) throw new Error(`no container ${name} in ${workload.kind} ${workload.metadata.name}`);
  return c;
}

/** The env entries of a container as name → entry. */
export function envOf(container: Manifest): Record<string, Manifest> {
  return Object.fromEntries((container.env ?? []).map((e: Manifest) => [e.name, e]));
}

/** The Prometheus pods of kube-prometheus-stack: the scraper every NetworkPolicy admits on metrics ports. */
export const SCRAPER = NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' });
