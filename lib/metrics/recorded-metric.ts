import { IConstruct } from 'constructs';
import { MetricDefinition, MetricType } from './catalog';
import { invalid } from '../core/_validation';
import type { LiteLLMProxy } from '../litellm/litellm-proxy';
import type { ServingPool } from '../vllm/serving-pool';

/** What a recording rule computes from its source metric. */
export enum RecordedOperation {
  /** A quantile of a histogram (`histogram_quantile` over the rate of its buckets): seconds, served as it is. */
  QUANTILE = 'quantile',
  /** The per-second rate of a counter. */
  RATE = 'rate',
  /** A ratio of two rates (hits over queries, errors over requests): 0 to 1. */
  RATIO = 'ratio',
}

/**
 * A series recorded by a `RecordingRules` construct (a PrometheusRule `record:` entry): the
 * typed link the adapter (`adapter.addRecordedMetric()`), KEDA (`LlmSignal.recorded()`) and
 * alerts take instead of a recorded name typed twice. Only `RecordingRules` creates one; a
 * consumer refuses at synth a recorded series whose rules are not rendered in its App.
 *
 * @example
 * const p95 = rules.pool(llama).ttftP95;
 * p95.name;     // 'namespace_pool:vllm_time_to_first_token_seconds:p95_5m'
 * p95.selector; // 'namespace_pool:vllm_time_to_first_token_seconds:p95_5m{namespace="llm",pool="llama",model_name="llama-3-1-8b"}'
 */
export class RecordedMetric {
  /** @internal */
  public static _create(props: {
    name: string; operation: RecordedOperation; source: MetricDefinition; labels: readonly string[];
    matchers: Readonly<Record<string, string>>; rules: IConstruct; quantile?: number; pool?: ServingPool; proxy?: LiteLLMProxy;
  }): RecordedMetric {
    return new RecordedMetric(props.name, props.operation, props.source, [...props.labels], { ...props.matchers }, props.rules, props.quantile, props.pool, props.proxy);
  }

  private constructor(
    /** The recorded series name, `level:metric:operations` (e.g. `namespace_pool:vllm_time_to_first_token_seconds:p95_5m`). */
    public readonly name: string,
    /** What the rule computes. */
    public readonly operation: RecordedOperation,
    /** The catalog (or declared) metric the rule reads. */
    public readonly source: MetricDefinition,
    /** The labels the rule keeps (its `by` clause), e.g. `namespace`, `pool`, `model_name`. */
    public readonly labels: readonly string[],
    /** The label values that select this series among the rule's results (its subject). */
    public readonly matchers: Readonly<Record<string, string>>,
    private readonly rules: IConstruct,
    /** The quantile of a `QUANTILE` series (e.g. 0.95); undefined otherwise. */
    public readonly quantile?: number,
    /** The pool whose series the rule reads (by its `pool` label); undefined for others. */
    public readonly pool?: ServingPool,
    /** The proxy whose series the rule reads; undefined for others. */
    public readonly proxy?: LiteLLMProxy,
  ) {}

  /** The recorded series as a metric definition: a gauge named `name`, with `labels`. */
  public get definition(): MetricDefinition {
    return { name: this.name, type: MetricType.GAUGE, labels: this.labels, help: `recorded: ${this.operation} of ${this.source.name}` };
  }

  /** The construct path of the `RecordingRules` that render it. */
  public get rulesPath(): string {
    return this.rules.node.path;
  }

  /** The PromQL selector of this series, e.g. `name{namespace="llm",pool="llama",model_name="m"}`. */
  public get selector(): string {
    const parts = Object.entries(this.matchers).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    return parts.length ? `${this.name}{${parts.join(',')}}` : this.name;
  }

  /**
   * The error when `consumer` reads this series but its rules are not rendered in the
   * consumer's App: nothing would record it, and the consumer would read nothing.
   * @param prop the prop naming the recorded series in the consumer
   * @param consumer the construct reading it
   * @internal
   */
  public _unrenderedError(prop: string, consumer: IConstruct): string | undefined {
    if (this.rules.node.root === consumer.node.root) return undefined;
    return invalid(prop, this.name, `is recorded by RecordingRules '${this.rules.node.path}', which is not rendered in the App of '${consumer.node.path}': nothing would record the series and it would read nothing; create the RecordingRules in the same App`).message;
  }
}

/**
 * Throws the library's error unless `value` is a `RecordedMetric` created by `RecordingRules`.
 * @internal
 */
export function requireRecordedMetric(prop: string, value: unknown): RecordedMetric {
  if (!(value instanceof RecordedMetric)) {
    throw invalid(prop, value, 'must be a RecordedMetric, as returned by RecordingRules (rules.pool(pool).ttftP95, rules.addQuantile(...))');
  }
  return value;
}
