import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import type { ScalableWorkload } from '../../lib';

/** A container of the fake workload: a name and whether it requests cpu / memory. */
export interface FakeContainer {
  readonly name: string;
  readonly cpu?: string;
  readonly memory?: string;
}

/**
 * A test fake `ScalableWorkload`: a real LeaderWorkerSet object (leaderworkerset.x-k8s.io/v1)
 * whose `spec.replicas` is rendered unless `markHasAutoscaler()` was called, with the groups'
 * containers as given (the leader template is the worker template).
 */
export class FakeLeaderWorkerSet extends Construct implements ScalableWorkload {
  public readonly scaleTargetRef: { readonly apiVersion: string; readonly kind: string; readonly name: string };
  public readonly namespace: string;
  public readonly podLabels: Readonly<Record<string, string>>;
  public readonly replicas?: number;
  public readonly containers: FakeContainer[];
  private autoscaled = false;

  public constructor(scope: Construct, id: string, options: { name?: string; replicas?: number; containers?: FakeContainer[]; size?: number } = {}) {
    super(scope, id);
    const name = options.name ?? id;
    this.namespace = Chart.of(this).namespace!;
    this.scaleTargetRef = { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name };
    this.podLabels = { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': name };
    this.replicas = options.replicas;
    this.containers = options.containers ?? [{ name: 'vllm', cpu: '4', memory: '64Gi' }];
    new ApiObject(this, 'Resource', {
      apiVersion: 'leaderworkerset.x-k8s.io/v1',
      kind: 'LeaderWorkerSet',
      metadata: { name, labels: { ...this.podLabels } },
      spec: {
        replicas: Lazy.any({ produce: () => this.autoscaled ? undefined : this.replicas ?? 1 }),
        leaderWorkerTemplate: {
          size: options.size ?? 2,
          workerTemplate: {
            metadata: { labels: { ...this.podLabels } },
            spec: {
              containers: Lazy.any({
                produce: () => this.containers.map(c => ({
                  name: c.name,
                  image: 'vllm/vllm-openai:v0.16.0',
                  resources: c.cpu || c.memory ? { requests: { ...(c.cpu ? { cpu: c.cpu } : {}), ...(c.memory ? { memory: c.memory } : {}) } } : undefined,
                })),
              }),
            },
          },
        },
      },
    });
  }

  public containersWithoutRequest(resource: 'cpu' | 'memory'): string[] {
    return this.containers.filter(c => c[resource] === undefined).map(c => c.name);
  }

  public markHasAutoscaler(): void {
    this.autoscaled = true;
  }
}
