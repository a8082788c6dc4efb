import { MetricDefinition, MetricType } from './catalog';
import { invalid } from '../core/_validation';

/**
 * One catalog metric scoped by label matchers (typically `namespace` and the model),
 * as returned by the `metric…()` helpers of the constructs.
 *
 * @example proxy.metricRequests().selector  // litellm_proxy_total_requests_metric_total{namespace="litellm"}
 */
export class ScopedMetric {
  /**
   * @param definition the catalog entry
   * @param matchers equality matchers, label name → value
   * @param regexMatchers regular-expression matchers (`=~`), label name → RE2 expression
   */
  public constructor(
    public readonly definition: MetricDefinition,
    public readonly matchers: Readonly<Record<string, string>>,
    public readonly regexMatchers: Readonly<Record<string, string>> = {},
  ) {}

  /** The metric name, from the catalog. */
  public get name(): string {
    return this.definition.name;
  }

  /** The PromQL instant-vector selector, e.g. `name{namespace="ns",model_name="m"}`. */
  public get selector(): string {
    return renderSelector(this.definition.name, this.matchers, this.regexMatchers);
  }

  /**
   * The selector of a histogram's `_bucket` series.
   * @throws when the metric is not a histogram
   */
  public get bucketSelector(): string {
    if (this.definition.type !== MetricType.HISTOGRAM) {
      throw invalid('metric', this.definition.name, `is a ${this.definition.type}, not a histogram: it has no _bucket series`);
    }
    return renderSelector(`${this.definition.name}_bucket`, this.matchers, this.regexMatchers);
  }

  /** A copy with more matchers. */
  public with(matchers: Record<string, string>): ScopedMetric {
    return new ScopedMetric(this.definition, { ...this.matchers, ...matchers }, this.regexMatchers);
  }
}

function renderSelector(name: string, matchers: Readonly<Record<string, string>>, regexMatchers: Readonly<Record<string, string>>): string {
  const parts = [
    ...Object.entries(matchers).map(([k, v]) => `${k}=${JSON.stringify(v)}`),
    ...Object.entries(regexMatchers).map(([k, v]) => `${k}=~${JSON.stringify(v)}`),
  ];
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}
