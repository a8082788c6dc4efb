import { MetricDefinition } from './catalog';

/** Which Kubernetes metrics API serves an adapter metric, and so which HPA metric type reads it. */
export enum AdapterMetricKind {
  /** `custom.metrics.k8s.io`, per pod: an HPA `Pods` metric (`HpaMetric.adapterPods`). */
  PODS = 'pods',
  /** `custom.metrics.k8s.io`, per object (a Service, an Ingress): an HPA `Object` metric (`HpaMetric.adapterObject`). */
  OBJECT = 'object',
  /** `external.metrics.k8s.io`: an HPA `External` metric (`HpaMetric.adapterExternal`). */
  EXTERNAL = 'external',
}

/**
 * A metric a `PrometheusAdapter` serves, as returned by its `add…Metric()` methods: the typed
 * link an HPA takes (`HpaMetric.adapterPods(metric, 5)`) instead of a metric name typed twice.
 * Only an adapter creates one.
 *
 * @example
 * const waiting = adapter.addPodsMetric(VllmMetrics.NUM_REQUESTS_WAITING);
 * waiting.name; // 'vllm_num_requests_waiting'
 */
export class AdapterMetric {
  /** @internal */
  public static _create(props: {
    name: string; kind: AdapterMetricKind; definition: MetricDefinition; adapterPath: string; describedResource?: string;
  }): AdapterMetric {
    return new AdapterMetric(props.name, props.kind, props.definition, props.adapterPath, props.describedResource);
  }

  private constructor(
    /** The name the Kubernetes metrics API serves (no `:`), e.g. `vllm_num_requests_waiting`. */
    public readonly name: string,
    /** The API that serves it. */
    public readonly kind: AdapterMetricKind,
    /** The catalog metric behind it. */
    public readonly definition: MetricDefinition,
    /** The construct path of the adapter serving it. */
    public readonly adapterPath: string,
    /** For `OBJECT` metrics, the Kubernetes resource described (singular, e.g. `service`); undefined otherwise. */
    public readonly describedResource?: string,
  ) {}
}
