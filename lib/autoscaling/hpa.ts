import { Names } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { claimReplicas, recordHpaResource } from './_ownership';
import { ScalingBehavior, renderBehavior } from './behavior';
import { HpaMetric } from './hpa-metric';
import { ScaleTarget } from './scale-target';
import { LABEL_INSTANCE, LABEL_NAME, recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { invalid, requirePositiveInteger } from '../core/_validation';

/** Props of `HorizontalAutoscaler`. */
export interface HorizontalAutoscalerProps {
  /** What to scale: a `VllmPool`, a `LiteLLMProxy`, or `{ deployment }`. Kubernetes name: `spec.scaleTargetRef`. */
  readonly target: ScaleTarget;
  /**
   * The fewest replicas, a whole number of at least 1.
   * @default 1
   */
  readonly minReplicas?: number;
  /** The most replicas, a whole number of at least `minReplicas`. */
  readonly maxReplicas: number;
  /**
   * What to scale on; at least one. With several, the HPA takes the largest replica count
   * any of them asks for.
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
 * An autoscaling/v2 HorizontalPodAutoscaler on a Deployment.
 *
 * The autoscaler owns the Deployment's replicas: the Deployment renders no `spec.replicas`
 * (so Argo CD and the HPA do not fight over it), a Deployment with a fixed `replicas` is
 * refused, and so is a second HPA or KEDA ScaledObject on the same Deployment. Utilization
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

  public constructor(scope: Construct, id: string, props: HorizontalAutoscalerProps) {
    super(scope, id);
    this.namespace = requireChartNamespace(this, 'HorizontalAutoscaler');
    const deployment = props.target.deployment;
    const minReplicas = props.minReplicas ?? 1;
    requirePositiveInteger('minReplicas', minReplicas);
    requirePositiveInteger('maxReplicas', props.maxReplicas);
    if (minReplicas > props.maxReplicas) {
      throw invalid('minReplicas', minReplicas, `must be less than or equal to 'maxReplicas' (${props.maxReplicas})`);
    }
    if (props.metrics.length === 0) {
      throw invalid('metrics', [], 'must not be empty: name at least one metric (e.g. HpaMetric.cpuUtilization(70)); an HPA without metrics silently scales on 80 % CPU');
    }
    const metrics = props.metrics.map((m, i) => m._render(`metrics[${i}]`));
    const resourceMetrics = props.metrics.flatMap((m, i) => m.resourceName ? [{ resource: m.resourceName, prop: `metrics[${i}]` }] : []);
    for (const { resource, prop } of resourceMetrics) {
      const problem = missingRequest(deployment, resource, prop);
      if (problem) throw new Error(problem);
    }
    const behavior = props.behavior ? renderBehavior(props.behavior) as kplus.k8s.HorizontalPodAutoscalerBehaviorV2 : undefined;
    const targetNamespace = deployment.metadata.namespace;
    if (targetNamespace !== this.namespace) {
      throw invalid('target', deployment.node.path, `is in namespace ${JSON.stringify(targetNamespace)}, the autoscaler in ${JSON.stringify(this.namespace)}: scaleTargetRef names a Deployment of the HPA's own namespace; create the autoscaler in the target's Chart`);
    }

    // Only once every prop is valid: a refused autoscaler must not keep the replicas.
    claimReplicas(deployment, this, 'HorizontalPodAutoscaler');
    for (const { resource } of resourceMetrics) recordHpaResource(deployment, resource, this);

    this.target = props.target;
    this.minReplicas = minReplicas;
    this.maxReplicas = props.maxReplicas;
    this.metrics = [...props.metrics];

    const labels = recommendedLabels(
      deployment.metadata.getLabel(LABEL_NAME) ?? 'autoscaler',
      deployment.metadata.getLabel(LABEL_INSTANCE) ?? Names.toLabelValue(this),
      'autoscaler',
    );
    const hpa = new kplus.k8s.KubeHorizontalPodAutoscalerV2(this, 'Resource', {
      metadata: { labels },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.name },
        minReplicas,
        maxReplicas: props.maxReplicas,
        metrics,
        behavior,
      },
    });
    this.name = hpa.name;

    // Containers added after the autoscaler need the requests too.
    this.node.addValidation({
      validate: () => resourceMetrics.flatMap(({ resource, prop }) => missingRequest(deployment, resource, prop) ?? []),
    });
  }
}

/**
 * The error when a container of `deployment` has no request for `resource`: the pods'
 * utilization would be undefined and the HPA would not scale. A limit alone will do:
 * Kubernetes then defaults the request to it.
 */
function missingRequest(deployment: kplus.Deployment, resource: string, prop: string): string | undefined {
  const bare = deployment.containers.find(c => {
    const r = resource === 'cpu' ? c.resources?.cpu : c.resources?.memory;
    return !(r?.request ?? r?.limit);
  });
  if (!bare) return undefined;
  return invalid(prop, resource, `needs a ${resource} request on every container of '${deployment.node.path}': utilization is measured against requests (container ${JSON.stringify(bare.name)} has neither a request nor a limit)`).message;
}
