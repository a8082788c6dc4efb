import { Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { requireDeclaredMetrics } from './_custom-rules';
import { promDuration } from './_rule-text';
import * as monitoring from '../../imports/monitoring.coreos.com';
import { METRIC_LABEL_POOL, recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { baseName, claimName } from '../core/_naming';
import { wholeSeconds } from '../core/_units';
import { invalid } from '../core/_validation';
import { LiteLLMProxy } from '../litellm/litellm-proxy';
import { ModelGroup } from '../litellm/model-group';
import { requireDiscoveryLabels } from '../metrics/_discovery-input';
import { poolName, unmonitoredPool } from '../metrics/_pool-identity';
import { MetricDefinition, MetricType, catalogMetric } from '../metrics/catalog';
import { MonitorDiscovery, validateDiscovery } from '../metrics/discovery';
import { requirePromQLOfShape } from '../metrics/promql';
import { RecordedMetric, RecordedOperation } from '../metrics/recorded-metric';
import { ScopedMetric } from '../metrics/scoped-metric';
import { isServingPool, ServingPool } from '../vllm/serving-pool';

/** Props of `RecordingRules`. */
export interface RecordingRulesProps {
  /**
   * The name of the PrometheusRule (a DNS-1035 label).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The pools whose series to record: TTFT p50/p95/p99, end-to-end p95/p99, queue time p95,
   * inter-token latency p95, prompt and generated tokens per second, prefix-cache hit rate and
   * request error ratio, per pool (any `ServingPool`: `VllmPool`, `MultiNodeVllmPool`). Every pool needs its PodMonitor (`pool.monitor(discovery)`),
   * checked at synth: the rules select its series by the `pool` label that monitor adds.
   * @default - none
   */
  readonly pools?: ServingPool[];
  /**
   * The proxy whose series to record: request rate, error ratio and latency p95 per model group
   * (LiteLLM's `requested_model` label).
   * @default - none
   */
  readonly proxy?: LiteLLMProxy;
  /** Discovery labels of the PrometheusRule (the interval is not used). */
  readonly discovery: MonitorDiscovery;
  /**
   * The `rate()` window of every rule, in whole minutes, at least two: it is part of each
   * recorded name (`..._5m`).
   * @default Duration.minutes(5)
   */
  readonly window?: Duration;
  /**
   * Metrics of your own workloads (from `defineMetric()`) that `addQuantile()` and `addRate()`
   * may read besides the catalog.
   * @default - catalog metrics only
   */
  readonly declaredMetrics?: MetricDefinition[];
}

/** Options of `addQuantile()` and `addRate()`. */
export interface RecordingRuleOptions {
  /**
   * The recorded name, `level:metric:operations` (each part letters, digits and `_`).
   * @default - `<by joined with _>:<metric, ':' as '_', counters without _total>:<p95_5m | rate5m>`
   */
  readonly name?: string;
  /**
   * The labels to keep (the rule's `by` clause).
   * @default - the labels the metric helper scopes by (for a bare metric definition: `namespace`)
   */
  readonly by?: string[];
}

/** The recorded series of one pool (see `RecordingRules.pool()`). */
export interface PoolRecordedMetrics {
  /** Time to first token, median, seconds. */
  readonly ttftP50: RecordedMetric;
  /** Time to first token, 95th percentile, seconds. */
  readonly ttftP95: RecordedMetric;
  /** Time to first token, 99th percentile, seconds. */
  readonly ttftP99: RecordedMetric;
  /** End-to-end request latency, 95th percentile, seconds. */
  readonly e2eP95: RecordedMetric;
  /** End-to-end request latency, 99th percentile, seconds. */
  readonly e2eP99: RecordedMetric;
  /** Time requests wait in the engine queue, 95th percentile, seconds. */
  readonly queueTimeP95: RecordedMetric;
  /** Inter-token latency, 95th percentile, seconds. */
  readonly interTokenLatencyP95: RecordedMetric;
  /** Generated tokens per second over the pool (decode throughput). */
  readonly generationTokensPerSecond: RecordedMetric;
  /** Prompt tokens per second over the pool (prefill throughput). */
  readonly promptTokensPerSecond: RecordedMetric;
  /** Prefix-cache hit rate, 0 to 1: prompt tokens found cached over prompt tokens looked up. */
  readonly prefixCacheHitRatio: RecordedMetric;
  /** Requests that finished with an error (`finished_reason="error"`) over all finished requests, 0 to 1. */
  readonly errorRatio: RecordedMetric;
}

/** The recorded series of the proxy (see `RecordingRules.proxyMetrics()`); without a group, every group's series. */
export interface ProxyRecordedMetrics {
  /** Requests per second the proxy receives for `group`. */
  requestRate(group?: ModelGroup): RecordedMetric;
  /** Failed over all requests of `group`, 0 to 1 (0 while nothing failed). */
  errorRatio(group?: ModelGroup): RecordedMetric;
  /** End-to-end latency of `group` at the proxy, 95th percentile, seconds. */
  latencyP95(group?: ModelGroup): RecordedMetric;
}

/** One `record:` rule as rendered. */
export interface RecordingRule {
  /** The recorded name. */
  readonly record: string;
  /** The PromQL expression; parsed at construction. */
  readonly expr: string;
  /** The series it produces. */
  readonly metric: RecordedMetric;
  /**
   * Static labels: a pool rule's subject (`namespace`, `pool`), the values its `by` clause
   * keeps anyway. They tell apart the rules of two pools, which record one name
   * (`promtool check rules` flags same-named rules without them as duplicates).
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The group names of the PrometheusRule. */
export enum RecordingGroup {
  /** Every pool's rules. */
  POOLS = 'llm-pool-recording',
  /** The proxy's rules, per model group. */
  PROXY = 'llm-proxy-recording',
  /** Rules added with `addQuantile()` and `addRate()`. */
  CUSTOM = 'llm-custom-recording',
}

/** The level of every pool rule: aggregated by namespace and pool (and `model_name`, which a pool has one of). */
const POOL_LEVEL = 'namespace_pool';
const POOL_BY = ['namespace', METRIC_LABEL_POOL, 'model_name'];
/** The level of every proxy rule: per model group (LiteLLM's `requested_model` label). */
const PROXY_LEVEL = 'namespace_requested_model';
const PROXY_BY = ['namespace', 'requested_model'];
/** `level:metric:operations`, each part a name of letters, digits and `_` (Prometheus naming best practices). */
const RECORD_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Recording rules in one PrometheusRule (`monitoring.coreos.com/v1`): each latency quantile,
 * throughput and ratio an operator asks of a pool or the proxy, recorded as a plain series
 * named `level:metric:operations` (Prometheus naming best practices), so that dashboards read
 * one series, and autoscalers and alerts scale and fire on a quantile (the adapter refuses a
 * histogram; a recorded p95 is a gauge).
 *
 * Pools: `namespace_pool:<metric>:<p95_5m | rate5m | ratio_rate5m>`, by `namespace`, `pool` and
 * `model_name`, each rule reading the pool's series through its metric helpers (namespace,
 * `pool` label, model name). Proxy: `namespace_requested_model:<metric>:<...>`, by `namespace`
 * and `requested_model` (the model group). Each recorded series is a `RecordedMetric`:
 * `rules.pool(pool).ttftP95`, `rules.proxyMetrics().latencyP95(group)`; add your own with
 * `addQuantile()` and `addRate()`.
 *
 * @example
 * const rules = new RecordingRules(monitoringChart, 'llm-recording', {
 *   pools: [llama], proxy, discovery: { labels: { release: 'kube-prometheus-stack' } },
 * });
 * const ttft = adapter.addRecordedMetric(rules.pool(llama).ttftP95);
 * new HorizontalAutoscaler(models, 'llama-hpa', {
 *   target: llama, maxReplicas: 4,
 *   metrics: [HpaMetric.adapterObject(ttft, { apiVersion: 'apps/v1', kind: 'Deployment', name: llama.deployment.name }, { value: 1.5 })],
 * });
 */
export class RecordingRules extends Construct {
  /** The PrometheusRule. */
  public readonly resource: monitoring.PrometheusRule;
  /** The `rate()` window of every rule. */
  public readonly window: Duration;

  private readonly pools: readonly ServingPool[];
  private readonly proxy?: LiteLLMProxy;
  private readonly declared: readonly MetricDefinition[];
  private readonly windowText: string;
  private readonly groups = new Map<RecordingGroup, RecordingRule[]>();
  private readonly perPool = new Map<ServingPool, PoolRecordedMetrics>();
  private readonly perProxy = new Map<string, { requestRate: RecordedMetric; errorRatio: RecordedMetric; latencyP95: RecordedMetric }>();
  /** Shapes of the expressions found valid: every pool's rules share them. */
  private readonly validShapes = new Set<string>();

  public constructor(scope: Construct, id: string, props: RecordingRulesProps) {
    super(scope, id);
    const namespace = requireChartNamespace(this, 'RecordingRules');
    if (props === null || typeof props !== 'object') throw invalid('props', props, 'must set discovery, and pools or proxy');
    requireDiscoveryLabels(props.discovery, 'PrometheusRules');
    validateDiscovery('discovery', props.discovery);
    const pools = props.pools ?? [];
    if (!Array.isArray(pools)) throw invalid('pools', pools, 'must be a list of ServingPool (VllmPool or MultiNodeVllmPool)');
    pools.forEach((p, i) => {
      if (!isServingPool(p)) throw invalid(`pools[${i}]`, p, 'must be a ServingPool (a VllmPool or a MultiNodeVllmPool)');
      if (pools.indexOf(p) !== i) throw invalid(`pools[${i}]`, p.node.path, `is listed twice (also pools[${pools.indexOf(p)}]): list each pool once`);
    });
    if (props.proxy !== undefined && !(props.proxy instanceof LiteLLMProxy)) throw invalid('proxy', props.proxy, 'must be a LiteLLMProxy');
    const declared = requireDeclaredMetrics(props.declaredMetrics);
    const window = props.window ?? Duration.minutes(5);
    const seconds = wholeSeconds('window', window);
    if (seconds % 60 !== 0 || seconds < 120) {
      throw invalid('window', window.toHumanString(), 'must be whole minutes, at least 2 (a rate needs two scrapes or more; the window is part of each recorded name)');
    }
    this.window = window;
    this.windowText = promDuration(window);
    this.pools = pools;
    this.proxy = props.proxy;
    this.declared = declared;
    const name = baseName(this, 'name', props.name);

    for (const pool of pools) this.perPool.set(pool, this.poolRules(pool));
    if (props.proxy) this.proxyRules(props.proxy);

    this.resource = new monitoring.PrometheusRule(this, 'Resource', {
      metadata: {
        name: claimName(this, 'monitoring.coreos.com/PrometheusRule', name, namespace),
        labels: { ...recommendedLabels('recording-rules', name, 'recording-rules'), ...props.discovery.labels },
      },
      // Resolved at synth: rules added with addQuantile() / addRate() after construction count.
      spec: { groups: Lazy.any({ produce: () => this.renderGroups() }) as unknown as monitoring.PrometheusRuleSpecGroups[] },
    });
    this.node.addValidation({ validate: () => this.pools.flatMap((p, i) => unmonitoredPool(`pools[${i}]`, p, `RecordingRules '${this.node.path}'`) ?? []) });
  }

  /** Whether `pool` is one of `pools` (its series are recorded). */
  public records(pool: ServingPool): boolean {
    return this.perPool.has(pool);
  }

  /**
   * The recorded series of `pool`.
   * @throws when the pool is not one of `pools`
   */
  public pool(pool: ServingPool): PoolRecordedMetrics {
    const found = this.perPool.get(pool);
    if (!found) {
      throw invalid('pool', isServingPool(pool) ? pool.node.path : pool, `is not one of the 'pools' of RecordingRules '${this.node.path}': nothing records its series; add it to 'pools'`);
    }
    return found;
  }

  /**
   * The recorded series of the proxy, per model group: `requestRate(group)` (requests per
   * second), `errorRatio(group)` (failed over all requests, 0 to 1), `latencyP95(group)`
   * (end-to-end latency at the proxy, seconds). Without a group: every group's series.
   * @throws when `proxy` is not set
   */
  public proxyMetrics(): ProxyRecordedMetrics {
    const proxy = this.proxy;
    if (!proxy) throw invalid('proxy', undefined, `is not set on RecordingRules '${this.node.path}': nothing records the proxy's series; set 'proxy'`);
    const all = this.perProxy.get('')!;
    const forGroup = (key: 'requestRate' | 'errorRatio' | 'latencyP95') => (group?: ModelGroup): RecordedMetric => {
      if (group === undefined) return all[key];
      if (!(group instanceof ModelGroup) || group._proxy !== proxy) {
        throw invalid('group', group instanceof ModelGroup ? group.name : group, 'must be a model group of the rules\' proxy, as returned by proxy.addBackend()');
      }
      const m = all[key];
      return RecordedMetric._create({
        name: m.name, operation: m.operation, source: m.source, labels: m.labels, rules: this,
        matchers: { ...m.matchers, requested_model: group.name }, quantile: m.quantile, proxy,
      });
    };
    return { requestRate: forGroup('requestRate'), errorRatio: forGroup('errorRatio'), latencyP95: forGroup('latencyP95') };
  }

  /**
   * Records a quantile of a histogram: `histogram_quantile(q, sum by (<by>, le) (rate(<m>_bucket[w])))`.
   * @param metric a construct's histogram helper (scoped) or a histogram of the catalog or of `declaredMetrics`
   * @param quantile greater than 0 and less than 1, e.g. 0.95
   */
  public addQuantile(metric: ScopedMetric | MetricDefinition, quantile: number, options: RecordingRuleOptions = {}): RecordedMetric {
    const { scoped, definition } = this.requireKnown(metric);
    if (definition.type !== MetricType.HISTOGRAM) {
      throw invalid('metric', definition.name, `is a ${definition.type}, not a histogram: a quantile needs _bucket series${definition.type === MetricType.COUNTER ? '; record its rate with addRate()' : ''}`);
    }
    requireQuantile(quantile);
    const by = this.requireBy(options, scoped);
    const op = `p${quantileSuffix(quantile)}_${this.windowText}`;
    const name = this.requireName(options.name ?? `${by.join('_')}:${metricPart(definition)}:${op}`);
    const expr = this.quantileExpr(quantile, scoped.bucketSelector, by);
    return this.add(RecordingGroup.CUSTOM, expr, {
      name, operation: RecordedOperation.QUANTILE, source: definition, labels: by, matchers: pick(scoped.matchers, by), quantile,
    });
  }

  /**
   * Records the per-second rate of a counter: `sum by (<by>) (rate(<m>[w]))`.
   * @param metric a construct's counter helper (scoped) or a counter of the catalog or of `declaredMetrics`
   */
  public addRate(metric: ScopedMetric | MetricDefinition, options: RecordingRuleOptions = {}): RecordedMetric {
    const { scoped, definition } = this.requireKnown(metric);
    if (definition.type !== MetricType.COUNTER) {
      throw invalid('metric', definition.name, `is a ${definition.type}, not a counter: rate() reads ${definition.type === MetricType.GAUGE ? 'a gauge\'s ups and downs as resets' : 'no histogram as such'}${definition.type === MetricType.HISTOGRAM ? '; record a quantile with addQuantile()' : ''}`);
    }
    const by = this.requireBy(options, scoped);
    const name = this.requireName(options.name ?? `${by.join('_')}:${metricPart(definition)}:rate${this.windowText}`);
    const expr = `sum by (${by.join(', ')}) (rate(${scoped.selector}[${this.windowText}]))`;
    return this.add(RecordingGroup.CUSTOM, expr, {
      name, operation: RecordedOperation.RATE, source: definition, labels: by, matchers: pick(scoped.matchers, by),
    });
  }

  /** Every rule, by group, as rendered. */
  public rules(): ReadonlyMap<RecordingGroup, readonly RecordingRule[]> {
    return this.groups;
  }

  /** Every recorded series, in the order of the rules. */
  public get recordedMetrics(): readonly RecordedMetric[] {
    return [...this.groups.values()].flat().map(r => r.metric);
  }

  private poolRules(pool: ServingPool): PoolRecordedMetrics {
    const g = RecordingGroup.POOLS;
    const w = this.windowText;
    const by = POOL_BY.join(', ');
    const labels = { namespace: pool.namespace, [METRIC_LABEL_POOL]: poolName(pool), model_name: pool.servedModelName };
    const quantile = (m: ScopedMetric, q: number): RecordedMetric => this.add(g, this.quantileExpr(q, m.bucketSelector, POOL_BY), {
      name: `${POOL_LEVEL}:${metricPart(m.definition)}:p${quantileSuffix(q)}_${w}`, operation: RecordedOperation.QUANTILE,
      source: m.definition, labels: POOL_BY, matchers: labels, quantile: q, pool,
    });
    const rate = (m: ScopedMetric): RecordedMetric => this.add(g, `sum by (${by}) (rate(${m.selector}[${w}]))`, {
      name: `${POOL_LEVEL}:${metricPart(m.definition)}:rate${w}`, operation: RecordedOperation.RATE,
      source: m.definition, labels: POOL_BY, matchers: labels, pool,
    });
    const ttft = pool.metricTimeToFirstToken();
    const e2e = pool.metricE2eRequestLatency();
    const hits = pool.metricPrefixCacheHits();
    const finished = pool.metricRequestSuccess();
    const finishedRate = `sum by (${by}) (rate(${finished.selector}[${w}]))`;
    return {
      ttftP50: quantile(ttft, 0.5),
      ttftP95: quantile(ttft, 0.95),
      ttftP99: quantile(ttft, 0.99),
      e2eP95: quantile(e2e, 0.95),
      e2eP99: quantile(e2e, 0.99),
      queueTimeP95: quantile(pool.metricRequestQueueTime(), 0.95),
      interTokenLatencyP95: quantile(pool.metricInterTokenLatency(), 0.95),
      generationTokensPerSecond: rate(pool.metricGenerationTokens()),
      promptTokensPerSecond: rate(pool.metricPromptTokens()),
      // NaN while the pool looks nothing up (0 / 0): no traffic, no hit rate.
      prefixCacheHitRatio: this.add(g, `sum by (${by}) (rate(${hits.selector}[${w}])) / sum by (${by}) (rate(${pool.metricPrefixCacheQueries().selector}[${w}]))`, {
        name: `${POOL_LEVEL}:${metricPart(hits.definition)}:ratio_rate${w}`, operation: RecordedOperation.RATIO,
        source: hits.definition, labels: POOL_BY, matchers: labels, pool,
      }),
      // `finished_reason="error"`: "retryable request-level internal error (e.g. KV load
      // failure)" of the engine (vllm/v1/engine/__init__.py `FINISH_REASON_STRINGS = ("stop",
      // "length", "abort", "error", "repetition")` on recent main, read in copies that quote
      // that file; the release that added "error" is not verified, v0.8-era trees have only
      // stop / length / abort). Aborts are clients going away, not errors of the pool. A release
      // without that reason has no such series: `or ... * 0` records 0 then, not nothing.
      errorRatio: this.add(g, `(sum by (${by}) (rate(${finished.with({ finished_reason: 'error' }).selector}[${w}])) or ${finishedRate} * 0) / ${finishedRate}`, {
        name: `${POOL_LEVEL}:${metricPart(finished.definition)}:error_ratio_rate${w}`, operation: RecordedOperation.RATIO,
        source: finished.definition, labels: POOL_BY, matchers: labels, pool,
      }),
    };
  }

  private proxyRules(proxy: LiteLLMProxy): void {
    const g = RecordingGroup.PROXY;
    const w = this.windowText;
    const by = PROXY_BY.join(', ');
    const labels = { namespace: proxy.namespace };
    const requests = proxy.metricRequests();
    const failed = proxy.metricFailedRequests();
    const latency = proxy.metricRequestLatency();
    const requestRate = `sum by (${by}) (rate(${requests.selector}[${w}]))`;
    this.perProxy.set('', {
      requestRate: this.add(g, requestRate, {
        name: `${PROXY_LEVEL}:${metricPart(requests.definition)}:rate${w}`, operation: RecordedOperation.RATE,
        source: requests.definition, labels: PROXY_BY, matchers: labels, proxy,
      }),
      // LiteLLM counts a failure in both counters; `or ... * 0` records 0 while nothing failed.
      errorRatio: this.add(g, `(sum by (${by}) (rate(${failed.selector}[${w}])) or ${requestRate} * 0) / ${requestRate}`, {
        name: `${PROXY_LEVEL}:${metricPart(failed.definition)}:ratio_rate${w}`, operation: RecordedOperation.RATIO,
        source: failed.definition, labels: PROXY_BY, matchers: labels, proxy,
      }),
      latencyP95: this.add(g, this.quantileExpr(0.95, latency.bucketSelector, PROXY_BY), {
        name: `${PROXY_LEVEL}:${metricPart(latency.definition)}:p95_${w}`, operation: RecordedOperation.QUANTILE,
        source: latency.definition, labels: PROXY_BY, matchers: labels, quantile: 0.95, proxy,
      }),
    });
  }

  private quantileExpr(q: number, bucketSelector: string, by: readonly string[]): string {
    return `histogram_quantile(${q}, sum by (${[...by, 'le'].join(', ')}) (rate(${bucketSelector}[${this.windowText}])))`;
  }

  private add(group: RecordingGroup, expr: string, m: Omit<Parameters<typeof RecordedMetric._create>[0], 'rules'>): RecordedMetric {
    const list = this.groups.get(group) ?? [];
    requirePromQLOfShape(`${this.node.path}: ${m.name}.expr`, expr, this.validShapes);
    const metric = RecordedMetric._create({ ...m, rules: this });
    const pool = m.pool;
    list.push({ record: m.name, expr, metric, ...(pool ? { labels: { namespace: pool.namespace, [METRIC_LABEL_POOL]: poolName(pool) } } : {}) });
    this.groups.set(group, list);
    return metric;
  }

  private requireKnown(metric: ScopedMetric | MetricDefinition): { scoped: ScopedMetric; definition: MetricDefinition } {
    const scoped = metric instanceof ScopedMetric ? metric : undefined;
    const definition = scoped ? scoped.definition : metric as MetricDefinition;
    if (definition === null || typeof definition !== 'object' || typeof definition.name !== 'string') {
      throw invalid('metric', metric, 'must be a metric helper\'s value (pool.metricTimeToFirstToken()) or a metric definition (VllmMetrics.TIME_TO_FIRST_TOKEN, defineMetric())');
    }
    const known = catalogMetric(definition.name) ?? this.declared.find(d => d.name === definition.name);
    if (!known) {
      throw invalid('metric', definition.name, 'is neither a catalog metric nor one of \'declaredMetrics\': a rule over a series nothing exports records nothing; use a catalog metric (VllmMetrics, LiteLLMMetrics, ...) or declare yours with defineMetric() in \'declaredMetrics\'');
    }
    if (known.type !== definition.type) {
      throw invalid('metric', definition.name, `is a ${known.type} in the ${catalogMetric(definition.name) ? 'catalog' : '\'declaredMetrics\''}, not a ${definition.type}`);
    }
    return { scoped: scoped ?? new ScopedMetric(definition, {}), definition };
  }

  private requireBy(options: RecordingRuleOptions, scoped: ScopedMetric): string[] {
    if (options === null || typeof options !== 'object') throw invalid('options', options, 'must be { name?, by? }');
    const by = options.by ?? (Object.keys(scoped.matchers).length ? Object.keys(scoped.matchers) : ['namespace']);
    if (!Array.isArray(by) || by.length === 0) throw invalid('by', by, 'must be a non-empty list of label names (the labels the recorded series keeps)');
    by.forEach((l, i) => {
      if (typeof l !== 'string' || !LABEL_NAME.test(l) || l.startsWith('__') || l === 'le') {
        throw invalid(`by[${i}]`, l, 'must be a Prometheus label name (letters, digits and \'_\', not starting with a digit or \'__\'), not le');
      }
    });
    return [...by];
  }

  private requireName(name: unknown): string {
    if (typeof name !== 'string' || !RECORD_NAME.test(name)) {
      throw invalid('name', name, 'must be a Prometheus metric name in the recording-rule form level:metric:operations (letters, digits and \'_\' in each of the three parts), e.g. namespace:my_latency_seconds:p95_5m');
    }
    const taken = [...this.groups.values()].flat().find(r => r.record === name);
    if (taken) {
      throw invalid('name', name, `is already recorded by RecordingRules '${this.node.path}' (from ${taken.metric.source.name}): give each rule its own name`);
    }
    return name;
  }

  private renderGroups(): monitoring.PrometheusRuleSpecGroups[] {
    return [...this.groups.entries()].map(([name, rules]) => ({
      name,
      rules: rules.map(r => ({ record: r.record, expr: monitoring.PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr), ...(r.labels ? { labels: { ...r.labels } } : {}) })),
    }));
  }
}

function requireQuantile(quantile: unknown): void {
  if (typeof quantile !== 'number' || !(quantile > 0 && quantile < 1)) {
    throw invalid('quantile', quantile, 'must be greater than 0 and less than 1, e.g. 0.95 for the 95th percentile');
  }
}

/** A catalog name as the metric part of a recorded name: `:` as `_`, counters without `_total`. */
function metricPart(definition: MetricDefinition): string {
  const base = definition.name.replace(/[^a-zA-Z0-9_]/g, '_');
  return definition.type === MetricType.COUNTER ? base.replace(/_total$/, '') : base;
}

/** `95` for 0.95, `99_9` for 0.999, `50` for 0.5. */
function quantileSuffix(quantile: number): string {
  return String(Number((quantile * 100).toPrecision(12))).replace('.', '_');
}

function pick(matchers: Readonly<Record<string, string>>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(matchers).filter(([k]) => keys.includes(k)));
}
