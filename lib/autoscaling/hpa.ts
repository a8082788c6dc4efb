import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { claimReplicas, recordHpaResource, replicaOwner } from './_ownership';
import { requireObjectName, requireReplicas } from './_replicas';
import { missingRequest, resolveScaleTarget } from './_target';
import { ScalingBehavior, renderBehavior } from './behavior';
import { HpaMetric, HpaMetricType } from './hpa-metric';
import { isAcceleratorPool, ScaleTarget } from './scale-target';
import { recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { claimName } from '../core/_naming';
import { requireDefined } from '../core/_units';
import { invalid } from '../core/_validation';
import { AdapterMetricKind } from '../metrics/adapter-metric';
import { PrometheusAdapter } from '../metrics/prometheus-adapter';

/** Props of `HorizontalAutoscaler`. */
export interface HorizontalAutoscalerProps {
  /**
   * What to scale: a `VllmPool`, a `LiteLLMProxy`, `{ deployment }`, or a workload with a scale
   * subresource as `{ workload }` (a `MultiNodeVllmPool`'s LeaderWorkerSet: the HPA then scales
   * whole groups and averages Pods metrics over the groups' leaders). Kubernetes name: `spec.scaleTargetRef`.
   */
  readonly target: ScaleTarget;
  /**
   * The HorizontalPodAutoscaler's name (a DNS-1123 subdomain).
   * @default - the target workload's name (one replica owner per workload, so it is unique)
   */
  readonly name?: string;
  /**
   * The fewest replicas, a whole number of at least 1.
   * @default 1
   */
  readonly minReplicas?: number;
  /** The most replicas, a whole number of at least `minReplicas`. */
  readonly maxReplicas: number;
  /**
   * What to scale on; at least one. With several, the HPA takes the largest replica count
   * any of them asks for. CPU and memory metrics are refused on an accelerator pool: they say
   * nothing about GPU load (scale it on its queue); CPU may be added there only as a guard
   * beside an LLM signal (`HpaMetric.cpuGuard()`). `HpaMetric.pods()` names must be served by
   * a `PrometheusAdapter` of the App (checked at synth).
   */
  readonly metrics: HpaMetric[];
  /**
   * How fast to scale up and down (`ScalingBehaviors.SEED`, `ScalingBehaviors.GPU_POOL`, or
   * your own).
   * @default - the Kubernetes defaults: up +100 % or +4 pods per 15 s, down -100 % per 15 s after 300 s of stabilization
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#configurable-scaling-behavior
   */
  readonly behavior?: ScalingBehavior;
}

/**
 * An autoscaling/v2 HorizontalPodAutoscaler on a Deployment, or on another workload with a
 * scale subresource (`{ workload }`, such as a LeaderWorkerSet, one replica per group).
 *
 * The autoscaler owns the workload's replicas: the workload renders no `spec.replicas`
 * (so Argo CD and the HPA do not fight over it), a workload with a fixed `replicas` is
 * refused, and so is a second HPA or KEDA ScaledObject on the same workload. Utilization
 * metrics need a request for their resource on every container.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
 *
 * @example
 * new HorizontalAutoscaler(chart, 'api-hpa', {
 *   target: { deployment: api },
 *   maxReplicas: 8,
 *   metrics: [HpaMetric.cpuUtilization(70), HpaMetric.pods('http_requests_per_second', 50)],
 *   behavior: ScalingBehaviors.SEED,
 * });
 */
export class HorizontalAutoscaler extends Construct {
  /** What the autoscaler scales. */
  public readonly target: ScaleTarget;
  /** The fewest replicas. */
  public readonly minReplicas: number;
  /** The most replicas. */
  public readonly maxReplicas: number;
  /** The metrics it scales on. */
  public readonly metrics: readonly HpaMetric[];
  /** The HorizontalPodAutoscaler object's name. */
  public readonly name: string;
  /** The namespace of the HorizontalPodAutoscaler (the target's). */
  public readonly namespace: string;
  /** The HPA's `spec.scaleTargetRef`: the workload it scales. */
  public readonly scaleTargetRef: { readonly apiVersion: string; readonly kind: string; readonly name: string };

  public constructor(scope: Construct, id: string, props: HorizontalAutoscalerProps) {
    super(scope, id);
    this.namespace = requireChartNamespace(this, 'HorizontalAutoscaler');
    requireDefined('props', props, 'target, maxReplicas and metrics');
    const target = requireDefined('target', props.target, 'the workload to scale: a VllmPool, a LiteLLMProxy or { deployment }');
    const workload = resolveScaleTarget(target);
    const minReplicas = props.minReplicas ?? 1;
    requireReplicas('minReplicas', minReplicas, 1);
    requireReplicas('maxReplicas', props.maxReplicas, 1);
    if (minReplicas > props.maxReplicas) {
      throw invalid('minReplicas', minReplicas, `must be less than or equal to 'maxReplicas' (${props.maxReplicas})`);
    }
    if (!Array.isArray(props.metrics)) throw invalid('metrics', props.metrics, 'must be a list of HpaMetric');
    if (props.metrics.length === 0) {
      throw invalid('metrics', [], 'must not be empty: name at least one metric (e.g. HpaMetric.cpuUtilization(70)); an HPA without metrics silently scales on 80 % CPU');
    }
    props.metrics.forEach((m, i) => {
      if (!(m instanceof HpaMetric)) throw invalid(`metrics[${i}]`, m, 'must be an HpaMetric (HpaMetric.cpuUtilization(), HpaMetric.adapterPods(), ...)');
      if (m.type === HpaMetricType.RESOURCE && !m.guard && isAcceleratorPool(target)) {
        const guard = m.resourceName === 'cpu' ? '; to add cpu as a guard beside such a signal, use HpaMetric.cpuGuard(percent)' : '';
        throw invalid(`metrics[${i}]`, m.resourceName, `scales accelerator pool '${workload.path}' (${target.accelerator!.resourceName}) on ${m.resourceName}, which says nothing about its load: the accelerator does the work, so ${m.resourceName} stays flat while requests queue; scale it on its queue (pool.autoscale() with LlmSignal.queueDepth, or HpaMetric.adapterPods(adapter.addPodsMetric(pool.metricRequestsWaiting()), 5))${guard}`);
      }
    });
    // A guard only caps a saturated CPU: alone, it would be the CPU-only scaling refused above.
    const guards = props.metrics.flatMap((m, i) => m.guard ? [i] : []);
    if (guards.length > 0 && props.metrics.every(m => m.type === HpaMetricType.RESOURCE)) {
      throw invalid(`metrics[${guards[0]}]`, 'cpu', `is a guard (HpaMetric.cpuGuard()) with no LLM signal beside it: a guard adds replicas only when the CPU saturates, and alone it scales '${workload.path}' on CPU only; add a Pods, Object or External metric (e.g. HpaMetric.adapterPods(adapter.addPodsMetric(pool.metricRequestsWaiting()), 5))`);
    }
    const metrics = props.metrics.map((m, i) => m._render(`metrics[${i}]`));
    const resourceMetrics = props.metrics.flatMap((m, i) => m.resourceName ? [{ resource: m.resourceName as 'cpu' | 'memory', prop: `metrics[${i}]` }] : []);
    for (const { resource, prop } of resourceMetrics) {
      const problem = missingRequest(workload, resource, prop);
      if (problem) throw new Error(problem);
    }
    const behavior = props.behavior ? renderBehavior(props.behavior) as kplus.k8s.HorizontalPodAutoscalerBehaviorV2 : undefined;
    const targetNamespace = workload.namespace;
    if (targetNamespace !== this.namespace) {
      throw invalid('target', workload.path, `is in namespace ${JSON.stringify(targetNamespace)}, the autoscaler in ${JSON.stringify(this.namespace)}: scaleTargetRef names a ${workload.kind} of the HPA's own namespace; create the autoscaler in the target's Chart`);
    }
    const holder = workload.holder;
    // A second replica owner is refused with its own message before its name could clash.
    if (replicaOwner(holder) || holder.replicas !== undefined) claimReplicas(holder, this, 'HorizontalPodAutoscaler');
    const name = this.name = claimName(this, 'autoscaling/HorizontalPodAutoscaler', requireObjectName('name', props.name) ?? workload.name, this.namespace);

    // Only once every prop is valid: a refused autoscaler must not keep the replicas.
    claimReplicas(holder, this, 'HorizontalPodAutoscaler');
    for (const { resource } of resourceMetrics) recordHpaResource(holder, resource, this);

    this.target = target;
    this.minReplicas = minReplicas;
    this.maxReplicas = props.maxReplicas;
    this.metrics = [...props.metrics];
    this.scaleTargetRef = workload.scaleTargetRef;

    const labels = recommendedLabels(workload.appName ?? 'autoscaler', name, 'autoscaler');
    new kplus.k8s.KubeHorizontalPodAutoscalerV2(this, 'Resource', {
      metadata: { name, labels },
      spec: {
        scaleTargetRef: { ...workload.scaleTargetRef },
        minReplicas,
        maxReplicas: props.maxReplicas,
        metrics,
        behavior,
      },
    });

    // Containers added after the autoscaler need the requests too; adapters may come later.
    this.node.addValidation({
      validate: () => [
        ...resourceMetrics.flatMap(({ resource, prop }) => missingRequest(workload, resource, prop) ?? []),
        ...this.unservedPodsMetrics(),
      ],
    });
  }

  /** `HpaMetric.pods()` names that no PrometheusAdapter of the App serves as a Pods metric. */
  private unservedPodsMetrics(): string[] {
    const adapters = this.node.root.node.findAll().filter((c: IConstruct): c is PrometheusAdapter => c instanceof PrometheusAdapter);
    const served = adapters.flatMap(a => a.metrics.filter(m => m.kind === AdapterMetricKind.PODS).map(m => m.name));
    return this.metrics.flatMap((m, i) => m.podsMetricName === undefined || served.includes(m.podsMetricName) ? [] : [
      invalid(`metrics[${i}].metricName`, m.podsMetricName, `is served by no PrometheusAdapter of the App as a Pods metric (${served.length ? `served: ${served.join(', ')}` : 'the App has no adapter Pods metric'}): the HPA would report FailedGetPodsMetric and never scale; serve it with adapter.addPodsMetric() and pass the result to HpaMetric.adapterPods()`).message,
    ]);
  }
}
