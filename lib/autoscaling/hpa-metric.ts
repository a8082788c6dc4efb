import * as kplus from 'cdk8s-plus-28';
import { targetQuantity } from './_quantity';
import { invalid, requireLabelValue, requirePositiveInteger } from '../core/_validation';
import { AdapterMetric, AdapterMetricKind } from '../metrics/adapter-metric';

/** The source of an HPA metric (autoscaling/v2 `MetricSpec.type`). */
export enum HpaMetricType {
  /** A container resource of the pods (cpu, memory), from the resource metrics API (metrics-server). */
  RESOURCE = 'Resource',
  /** A per-pod metric from the custom metrics API (e.g. prometheus-adapter), averaged over the pods. */
  PODS = 'Pods',
  /** A metric describing one Kubernetes object (an Ingress, a Service), from the custom metrics API. */
  OBJECT = 'Object',
  /** A metric from outside the cluster's objects, from the external metrics API. */
  EXTERNAL = 'External',
}

/**
 * The object an `Object` metric describes.
 * Kubernetes name: `describedObject` (a `CrossVersionObjectReference`).
 */
export interface MetricObjectReference {
  /** e.g. `networking.k8s.io/v1`. */
  readonly apiVersion: string;
  /** e.g. `Ingress`. */
  readonly kind: string;
  /** The object's name, in the autoscaler's namespace. */
  readonly name: string;
}

/**
 * The target of an `Object` or `External` metric: set exactly one of `value` (the metric
 * itself) and `averageValue` (the metric divided by the current number of pods).
 * Fractions render as milli-quantities (`0.5` → `500m`).
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/#HorizontalPodAutoscalerSpec
 */
export interface MetricValueTarget {
  /** Scale so that the metric equals this value. Kubernetes target type: `Value`. @default - not set */
  readonly value?: number;
  /** Scale so that the metric divided by the replicas equals this value. Kubernetes target type: `AverageValue`. @default - not set */
  readonly averageValue?: number;
}

/** The resources the resource metrics API serves (metrics-server, prometheus-adapter `resourceRules`). */
const SERVED_RESOURCES = ['cpu', 'memory'];
const ACCELERATOR_LIKE = /gpu|nvidia|amd\.com|neuron/i;

/**
 * One metric a `HorizontalAutoscaler` scales on (an autoscaling/v2 `MetricSpec`). With several
 * metrics the HPA takes the largest replica count any of them asks for.
 *
 * Values are checked when the autoscaler is created, with the metric's index in the
 * error path (`'metrics[1].averageValue'`).
 *
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#support-for-multiple-metrics
 *
 * @example
 * HpaMetric.cpuUtilization(70);
 * HpaMetric.pods('litellm_requests_per_second', 20);
 * HpaMetric.external('vllm_num_requests_waiting', { averageValue: 5 }, { model_name: 'llama' });
 */
export class HpaMetric {
  /**
   * Average CPU use as a percentage of the pods' CPU requests. Every container of the
   * target needs a CPU request.
   * @param targetPercent a whole number greater than 0 (may exceed 100 when limits exceed requests)
   */
  public static cpuUtilization(targetPercent: number): HpaMetric {
    return HpaMetric.resource('cpu', targetPercent);
  }

  /**
   * CPU utilization as a **guard** beside an LLM signal, for accelerator pools: the HPA
   * takes the largest replica count any metric asks for, so the guard adds replicas only
   * when the pods' CPU saturates while the LLM signal (queue depth, GPU utilization) says
   * nothing is wrong. vLLM's API server tokenizes, detokenizes, samples and streams on the
   * CPU: a pool whose CPU request is too small stalls there with an idle GPU and a short
   * queue. Every container of the target needs a CPU request.
   *
   * Why a separate factory: `cpuUtilization()` on an accelerator pool is refused, because CPU
   * **alone** says nothing about GPU load (the GPU does the work, so CPU stays flat while
   * requests queue); that mistake stays refused. A guard states the intent, and the
   * autoscaler refuses one that has no non-resource metric (`Pods`, `Object` or `External`:
   * the LLM signal) beside it. Pods not yet Ready (a pool loads its model before it is) are
   * set aside from the HPA's CPU average (counted at 0 % when it scales up), so the CPU a
   * model load burns does not trip the guard.
   * @see https://kubernetes.io/docs/concepts/workloads/autoscaling/horizontal-pod-autoscale/#algorithm-details
   * @param targetPercent a whole number greater than 0, set high (e.g. 85): it is a ceiling, not the scaling target
   */
  public static cpuGuard(targetPercent: number): HpaMetric {
    const cpu = HpaMetric.resource('cpu', targetPercent);
    return new HpaMetric(HpaMetricType.RESOURCE, 'cpu', (prop) => cpu._render(prop), undefined, true);
  }

  /**
   * Average memory use as a percentage of the pods' memory requests. Every container of
   * the target needs a memory request.
   * @param targetPercent a whole number greater than 0
   */
  public static memoryUtilization(targetPercent: number): HpaMetric {
    return HpaMetric.resource('memory', targetPercent);
  }

  /**
   * A container resource's average utilization, as a percentage of requests. Only `cpu` and
   * `memory` are served by the resource metrics API: GPU utilization comes from DCGM through
   * a KEDA prometheus trigger or a prometheus-adapter `Pods` metric.
   * @param name `cpu` or `memory`
   * @param targetUtilizationPercent a whole number greater than 0. Kubernetes name: `target.averageUtilization`.
   */
  public static resource(name: string, targetUtilizationPercent: number): HpaMetric {
    return new HpaMetric(HpaMetricType.RESOURCE, name, (prop) => {
      if (!SERVED_RESOURCES.includes(name)) {
        const hint = ACCELERATOR_LIKE.test(name)
          ? ': scale a GPU pool on its queue (pool.autoscale() with LlmSignal.queueDepth), or on GPU utilization with LlmSignal.gpuUtilization / gpuEngineActive'
          : '';
        throw invalid(`${prop}.resource`, name, `is not served by the resource metrics API (only cpu and memory)${hint}`);
      }
      requirePositiveInteger(`${prop}.averageUtilization`, targetUtilizationPercent);
      return {
        type: HpaMetricType.RESOURCE,
        resource: { name, target: { type: 'Utilization', averageUtilization: targetUtilizationPercent } },
      };
    });
  }

  /**
   * A per-pod metric from the custom metrics API (served e.g. by prometheus-adapter `rules`),
   * averaged over the target's pods: scale so that the average equals `averageValue`.
   *
   * Some `PrometheusAdapter` of the App must serve `metricName` as a Pods metric (checked at
   * synth): a name no adapter rule serves leaves the HPA unable to scale
   * (`FailedGetPodsMetric`). Prefer `HpaMetric.adapterPods(adapter.addPodsMetric(...))`.
   * @param metricName the name the adapter exposes (no `:`: rename `vllm:` series with the adapter's `name.as`)
   * @param averageValue greater than 0; fractions render as milli-quantities
   * @param selector labels narrowing the series. Kubernetes name: `metric.selector.matchLabels`. @default - none
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale-walkthrough/#autoscaling-on-multiple-metrics-and-custom-metrics
   */
  public static pods(metricName: string, averageValue: number, selector?: Record<string, string>): HpaMetric {
    return new HpaMetric(HpaMetricType.PODS, undefined, (prop) => ({
      type: HpaMetricType.PODS,
      pods: {
        metric: renderIdentifier(prop, metricName, selector),
        target: { type: 'AverageValue', averageValue: targetQuantity(`${prop}.averageValue`, averageValue) },
      },
    }), metricName);
  }

  /**
   * A metric describing one object in the autoscaler's namespace (e.g. requests per second
   * on an Ingress), from the custom metrics API.
   * @param describedObject the object the metric describes
   * @param metricName the name the adapter exposes
   * @param target exactly one of `value` and `averageValue`
   */
  public static object(describedObject: MetricObjectReference, metricName: string, target: MetricValueTarget): HpaMetric {
    return new HpaMetric(HpaMetricType.OBJECT, undefined, (prop) => {
      for (const key of ['apiVersion', 'kind', 'name'] as const) {
        const value = describedObject[key];
        if (typeof value !== 'string' || !value.trim()) {
          throw invalid(`${prop}.describedObject.${key}`, value, 'must not be empty');
        }
      }
      return {
        type: HpaMetricType.OBJECT,
        object: {
          describedObject: { apiVersion: describedObject.apiVersion, kind: describedObject.kind, name: describedObject.name },
          metric: renderIdentifier(prop, metricName),
          target: renderValueTarget(prop, target),
        },
      };
    });
  }

  /**
   * A metric from the external metrics API (e.g. a queue length served by prometheus-adapter
   * `externalRules`). Do not serve external metrics from prometheus-adapter where KEDA is
   * installed: both claim `v1beta1.external.metrics.k8s.io`.
   * @param metricName the name the adapter exposes
   * @param target exactly one of `value` and `averageValue`
   * @param selector labels narrowing the series. Kubernetes name: `metric.selector.matchLabels`. @default - none
   */
  public static external(metricName: string, target: MetricValueTarget, selector?: Record<string, string>): HpaMetric {
    return new HpaMetric(HpaMetricType.EXTERNAL, undefined, (prop) => ({
      type: HpaMetricType.EXTERNAL,
      external: {
        metric: renderIdentifier(prop, metricName, selector),
        target: renderValueTarget(prop, target),
      },
    }));
  }

  /**
   * A per-pod metric served by a `PrometheusAdapter` (`adapter.addPodsMetric(...)`), averaged
   * over the target's pods: the metric name comes from the adapter, never typed twice.
   * @param metric the adapter's handle; it must be a Pods metric (`AdapterMetricKind.PODS`)
   * @param averageValue greater than 0; fractions render as milli-quantities
   * @param selector labels narrowing the series. Kubernetes name: `metric.selector.matchLabels`. @default - none
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale-walkthrough/#autoscaling-on-multiple-metrics-and-custom-metrics
   */
  public static adapterPods(metric: AdapterMetric, averageValue: number, selector?: Record<string, string>): HpaMetric {
    const pods = HpaMetric.pods(metric.name, averageValue, selector);
    return new HpaMetric(HpaMetricType.PODS, undefined, (prop) => {
      requireAdapterKind(prop, metric, AdapterMetricKind.PODS);
      return pods._render(prop);
    });
  }

  /**
   * A metric of one object served by a `PrometheusAdapter` (`adapter.addObjectMetric(...)`).
   * @param metric the adapter's handle; it must be an Object metric describing `describedObject`'s kind
   * @param describedObject the object the metric describes, in the autoscaler's namespace
   * @param target exactly one of `value` and `averageValue`
   */
  public static adapterObject(metric: AdapterMetric, describedObject: MetricObjectReference, target: MetricValueTarget): HpaMetric {
    const object = HpaMetric.object(describedObject, metric.name, target);
    return new HpaMetric(HpaMetricType.OBJECT, undefined, (prop) => {
      requireAdapterKind(prop, metric, AdapterMetricKind.OBJECT);
      const kind = typeof describedObject.kind === 'string' ? describedObject.kind.toLowerCase() : describedObject.kind;
      if (metric.describedResource !== undefined && kind !== metric.describedResource) {
        throw invalid(`${prop}.describedObject.kind`, describedObject.kind, `is not the resource adapter metric ${JSON.stringify(metric.name)} describes (${metric.describedResource}): the adapter would find no series for it`);
      }
      return object._render(prop);
    });
  }

  /**
   * A metric served by a `PrometheusAdapter` from the external metrics API
   * (`adapter.addExternalMetric(...)`). Not where KEDA is installed: both claim
   * `v1beta1.external.metrics.k8s.io`.
   * @param metric the adapter's handle; it must be an External metric
   * @param target exactly one of `value` and `averageValue`
   * @param selector labels narrowing the series. Kubernetes name: `metric.selector.matchLabels`. @default - none
   */
  public static adapterExternal(metric: AdapterMetric, target: MetricValueTarget, selector?: Record<string, string>): HpaMetric {
    const external = HpaMetric.external(metric.name, target, selector);
    return new HpaMetric(HpaMetricType.EXTERNAL, undefined, (prop) => {
      requireAdapterKind(prop, metric, AdapterMetricKind.EXTERNAL);
      return external._render(prop);
    });
  }

  /** Where the metric comes from. */
  public readonly type: HpaMetricType;
  /** The container resource of a `Resource` metric (`cpu`, `memory`); undefined for the others. */
  public readonly resourceName?: string;
  /**
   * The metric name of a `Pods` metric given by name (`HpaMetric.pods()`), which some
   * `PrometheusAdapter` of the App must serve (checked at synth); undefined for the others.
   */
  public readonly podsMetricName?: string;
  /**
   * Whether the metric is a guard (`HpaMetric.cpuGuard()`): allowed on an accelerator pool,
   * only beside a non-resource metric.
   */
  public readonly guard: boolean;
  private readonly renderer: (prop: string) => kplus.k8s.MetricSpecV2;

  private constructor(type: HpaMetricType, resourceName: string | undefined, renderer: (prop: string) => kplus.k8s.MetricSpecV2, podsMetricName?: string, guard = false) {
    this.type = type;
    this.resourceName = resourceName;
    this.renderer = renderer;
    this.podsMetricName = podsMetricName;
    this.guard = guard;
  }

  /**
   * Validates the metric and renders it as an autoscaling/v2 `MetricSpec`.
   * @param prop the metric's path in error messages, e.g. `metrics[0]`
   * @internal
   */
  public _render(prop: string): kplus.k8s.MetricSpecV2 {
    return this.renderer(prop);
  }
}

function renderIdentifier(prop: string, metricName: string, selector?: Record<string, string>): kplus.k8s.MetricIdentifierV2 {
  if (typeof metricName !== 'string' || !metricName.trim() || /\s/.test(metricName)) {
    throw invalid(`${prop}.metricName`, metricName, 'must be a metric name without whitespace');
  }
  if (metricName.includes(':')) {
    throw invalid(`${prop}.metricName`, metricName, 'must not contain \':\': it is no valid name for a metric the Kubernetes metrics APIs serve; rename the series in the adapter rule (prometheus-adapter name.as, e.g. vllm:num_requests_waiting as vllm_num_requests_waiting)');
  }
  const entries = Object.entries(selector ?? {});
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw invalid(`${prop}.selector.${key}`, value, 'must be a label value string');
    requireLabelValue(`${prop}.selector.${key}`, value);
  }
  return entries.length > 0 ? { name: metricName, selector: { matchLabels: selector } } : { name: metricName };
}

function renderValueTarget(prop: string, target: MetricValueTarget): kplus.k8s.MetricTargetV2 {
  if (target === null || typeof target !== 'object') throw invalid(`${prop}.target`, target, 'must set exactly one of \'value\' and \'averageValue\'');
  if ((target.value === undefined) === (target.averageValue === undefined)) {
    throw invalid(`${prop}.target`, target, 'must set exactly one of \'value\' and \'averageValue\'');
  }
  return target.value !== undefined
    ? { type: 'Value', value: targetQuantity(`${prop}.value`, target.value) }
    : { type: 'AverageValue', averageValue: targetQuantity(`${prop}.averageValue`, target.averageValue as number) };
}

const ADAPTER_KINDS: Record<AdapterMetricKind, { factory: string; title: string }> = {
  [AdapterMetricKind.PODS]: { factory: 'adapterPods', title: 'a Pods' },
  [AdapterMetricKind.OBJECT]: { factory: 'adapterObject', title: 'an Object' },
  [AdapterMetricKind.EXTERNAL]: { factory: 'adapterExternal', title: 'an External' },
};

function requireAdapterKind(prop: string, metric: AdapterMetric, kind: AdapterMetricKind): void {
  if (metric.kind !== kind) {
    const actual = ADAPTER_KINDS[metric.kind];
    throw invalid(`${prop}.metric`, metric.name, `is ${actual.title} metric of PrometheusAdapter '${metric.adapterPath}', not ${ADAPTER_KINDS[kind].title} metric: use HpaMetric.${actual.factory}()`);
  }
}
