import { ApiObject, Chart, Duration, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Accelerator, DcgmMetrics, MetricDefinition, PodMetricsMonitor, PodUser, PoolSlo, ScalableWorkload, ScaleTarget, ScopedMetric, ServingPool, VllmMetrics,
} from '../../lib';

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

/**
 * A test fake `ServingPool` that is not a `VllmPool`: a multi-node pool served by a
 * `FakeLeaderWorkerSet` (`scaleTarget` is `{ workload, accelerator }`), with metric helpers
 * scoped like every pool's (`{ namespace, pool, model_name }`) and a Service for `url`.
 * `monitor()` marks it monitored (`podMonitor` then returns a stand-in: readers only check
 * that a monitor exists).
 */
export class FakeMultiNodePool extends Construct implements ServingPool {
  public readonly name: string;
  public readonly namespace: string;
  public readonly servedModelName: string;
  public readonly vllmVersion = '0.16.0';
  public readonly accelerator = Accelerator.nvidiaGpu(8);
  public readonly user = PodUser.fixed(1000);
  public readonly slo: Required<PoolSlo> = { ttftP95: Duration.seconds(2), e2eLatencyP99: Duration.seconds(60), queuePerReplica: 10 };
  public readonly gpuMemoryUtilization = 0.9;
  public readonly maxModelLoadTime = Duration.minutes(10);
  public readonly loraAdapterNames: readonly string[] = [];
  public readonly workload: FakeLeaderWorkerSet;
  public readonly service: kplus.Service;
  public readonly port = 8000;
  public readonly url: string;
  private monitored = false;

  public constructor(scope: Construct, id: string, options: { replicas?: number; servedModelName?: string } = {}) {
    super(scope, id);
    this.name = id;
    this.namespace = Chart.of(this).namespace!;
    this.servedModelName = options.servedModelName ?? id;
    this.workload = new FakeLeaderWorkerSet(this, 'Workload', { name: id, replicas: options.replicas });
    this.service = new kplus.Service(this, 'Service', { metadata: { name: `${id}-leader` }, ports: [{ port: 8000 }] });
    this.url = `http://${id}-leader.${this.namespace}.svc.cluster.local:8000/v1`;
  }

  public get scaleTarget(): ScaleTarget {
    return { workload: this.workload, accelerator: this.accelerator };
  }

  public get podMonitor(): PodMetricsMonitor | undefined {
    return this.monitored ? ({} as PodMetricsMonitor) : undefined;
  }

  public get podNamePattern(): string {
    return `${this.name}-[0-9]+(-[0-9]+)?`;
  }

  public monitor(): void {
    this.monitored = true;
  }

  public metricGpuUtilization(): ScopedMetric { return new ScopedMetric(DcgmMetrics.GPU_UTIL, { namespace: this.namespace }, { pod: this.podNamePattern }); }
  public metricGpuEngineActive(): ScopedMetric { return new ScopedMetric(DcgmMetrics.GR_ENGINE_ACTIVE, { namespace: this.namespace }, { pod: this.podNamePattern }); }
  public metricGpuBusy(): ScopedMetric { return this.metricGpuEngineActive(); }
  public metricRequestsWaiting(): ScopedMetric { return this.scoped(VllmMetrics.NUM_REQUESTS_WAITING); }
  public metricRequestsRunning(): ScopedMetric { return this.scoped(VllmMetrics.NUM_REQUESTS_RUNNING); }
  public metricKvCacheUsage(): ScopedMetric { return this.scoped(VllmMetrics.KV_CACHE_USAGE); }
  public metricTimeToFirstToken(): ScopedMetric { return this.scoped(VllmMetrics.TIME_TO_FIRST_TOKEN); }
  public metricE2eRequestLatency(): ScopedMetric { return this.scoped(VllmMetrics.E2E_REQUEST_LATENCY); }
  public metricRequestQueueTime(): ScopedMetric { return this.scoped(VllmMetrics.REQUEST_QUEUE_TIME); }
  public metricInterTokenLatency(): ScopedMetric { return this.scoped(VllmMetrics.INTER_TOKEN_LATENCY); }
  public metricPreemptions(): ScopedMetric { return this.scoped(VllmMetrics.NUM_PREEMPTIONS); }
  public metricPromptTokens(): ScopedMetric { return this.scoped(VllmMetrics.PROMPT_TOKENS); }
  public metricGenerationTokens(): ScopedMetric { return this.scoped(VllmMetrics.GENERATION_TOKENS); }
  public metricRequestSuccess(): ScopedMetric { return this.scoped(VllmMetrics.REQUEST_SUCCESS); }
  public metricPrefixCacheQueries(): ScopedMetric { return this.scoped(VllmMetrics.PREFIX_CACHE_QUERIES); }
  public metricPrefixCacheHits(): ScopedMetric { return this.scoped(VllmMetrics.PREFIX_CACHE_HITS); }
  public metricLoraRequestsInfo(): ScopedMetric { return new ScopedMetric(VllmMetrics.LORA_REQUESTS_INFO, { namespace: this.namespace, pool: this.name }); }

  private scoped(definition: MetricDefinition): ScopedMetric {
    return new ScopedMetric(definition, { namespace: this.namespace, pool: this.name, model_name: this.servedModelName });
  }
}
