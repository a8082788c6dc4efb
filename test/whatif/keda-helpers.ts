/** Shared fixtures of the KedaSimulation tests. */
import { KedaSimulation, KedaStepResult, ReplicaProposalPod, TriggerReading } from '../../lib';

export const START = '2026-11-30T06:00:00+01:00';

export function pods(n: number, ready = true): ReplicaProposalPod[] {
  return Array.from({ length: n }, (_, i) => ({ name: `p-${i}`, phase: 'Running' as const, ready }));
}

/** A prometheus trigger (metadata as strings). */
export function prometheus(threshold: string, extra: Record<string, string> = {}, more: Record<string, unknown> = {}) {
  return { type: 'prometheus', metadata: { serverAddress: 'http://prometheus:9090', query: 'sum(q)', threshold, ...extra }, ...more };
}

export function scaledObject(spec: Record<string, unknown>, name = 'llm') {
  return { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name, namespace: 'serving' }, spec: { scaleTargetRef: { name }, ...spec } };
}

export interface Tick { t: number; replicas: number; result: KedaStepResult }

/**
 * Steps every `step` seconds from `from` to `to` (inclusive), feeding desired replicas back as
 * current (pods follow at once, all ready); `reading(t)` answers every read.
 */
export function drive(keda: KedaSimulation, opts: { from?: number; to: number; step?: number; start: number; reading: (t: number, i: number) => TriggerReading }): Tick[] {
  const ticks: Tick[] = [];
  let replicas = opts.start;
  for (let t = opts.from ?? 0; t <= opts.to; t += opts.step ?? 15) {
    const result = keda.step(t, replicas, pods(replicas), i => opts.reading(t, i));
    replicas = result.desiredReplicas;
    ticks.push({ t, replicas, result });
  }
  return ticks;
}

/** The first tick at which replicas equal `n`. */
export function firstAt(ticks: Tick[], n: number): number | undefined {
  return ticks.find(k => k.replicas === n)?.t;
}
