import { Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { CustomRules, requireDeclaredMetrics } from './_custom-rules';
import { eppRules, unmonitoredEndpointPicker, validateEndpointPickers } from './_epp-rules';
import { AlertRule, CustomAlertOptions, CustomRecordingRuleOptions, Severity } from './alert-rule';
import { PoolRecordedMetrics, RecordingRules } from './recording-rules';
import * as monitoring from '../../imports/monitoring.coreos.com';
import { replicaOwner } from '../autoscaling/_ownership';
import { ReplicaHolder, workloadOf } from '../autoscaling/_target';
import { HorizontalAutoscaler } from '../autoscaling/hpa';
import { KedaScaledObject } from '../autoscaling/keda-scaled-object';
import { SignalSource } from '../autoscaling/keda-trigger';
import { METRIC_LABEL_POOL, recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { baseName, claimName } from '../core/_naming';
import { sessionMemo } from '../core/_synth-session';
import { invalid, requireHttpUrl, requirePositiveInteger } from '../core/_validation';
import type { EndpointPicker } from '../gateway/endpoint-picker';
import { LiteLLMProxy } from '../litellm/litellm-proxy';
import { ModelGroup } from '../litellm/model-group';
import { requireDiscoveryLabels } from '../metrics/_discovery-input';
import { poolName, unmonitoredPool } from '../metrics/_pool-identity';
import { DcgmMetrics, KedaMetrics, KubeStateMetrics, MetricDefinition } from '../metrics/catalog';
import { MonitorDiscovery, validateDiscovery } from '../metrics/discovery';
import { requirePromQLOfShape } from '../metrics/promql';
import { ScopedMetric } from '../metrics/scoped-metric';
import { AcceleratorKind } from '../vllm/accelerator';
import { LWS_INDEX_SUFFIX, LWS_KIND } from '../vllm/_multi-node';
import { isServingPool, poolBehind, ServingPool } from '../vllm/serving-pool';
import { directionChanges, kedaErrorRate, promDuration, sel } from './_rule-text';

/**
 * A spend limit for one model group of the proxy (a service tier such as `premium`), priced
 * by the `model_info` its backends were added with (`inputCostPerToken`,
 * `outputCostPerToken`).
 */
export interface CostBudget {
  /** The model group, as returned by `proxy.addBackend()`; every backend under it must be a pool of `pools` with both prices. */
  readonly group: ModelGroup;
  /** The spend per hour above which `LlmTierCostOverBudget` fires, in the currency of the prices (greater than 0). */
  readonly maxPerHour: number;
}

/** Props of `ServingAlerts`. */
export interface ServingAlertsProps {
  /**
   * The name of the shared PrometheusRule (a DNS-1035 label); each pool's PrometheusRule is
   * named `<name>-<pool name>`, which must fit in 63 characters too (checked).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The pools to alert on (`VllmPool`, `MultiNodeVllmPool`: any `ServingPool`); each pool's
   * SLOs set its thresholds. Every pool needs its PodMonitor (`pool.monitor(discovery)`),
   * checked at synth: the alerts select its series by the `pool` label that monitor adds.
   *
   * A `VllmPool`'s replicas are read from kube-state-metrics' Deployment series. kube-state-metrics
   * has none for a LeaderWorkerSet: a `MultiNodeVllmPool`'s ready replicas are its ready leader
   * pods (`kube_pod_status_ready`), the replicas it should run its autoscaler's desired replicas
   * (`kube_horizontalpodautoscaler_status_desired_replicas`, by the HPA's name), or its fixed
   * replicas without an autoscaler.
   */
  readonly pools: ServingPool[];
  /** The proxy to alert on. @default - none */
  readonly proxy?: LiteLLMProxy;
  /** Discovery labels of the PrometheusRule (the interval is not used). */
  readonly discovery: MonitorDiscovery;
  /**
   * Base URL of your runbooks; each alert links `<base>#<alertname-lower-case>`
   * (the README's alert list has the matching anchors).
   */
  readonly runbookBaseUrl: string;
  /** Accelerators (GPUs, MIG slices, Neuron devices) the pools may hold at once. @default - no budget alert */
  readonly acceleratorBudget?: number;
  /**
   * GPU busyness, a ratio from 0 to 1 (not a percentage), below which a pool's GPUs count as
   * underused for an hour: `DCGM_FI_DEV_GPU_UTIL` / 100 on whole GPUs,
   * `DCGM_FI_PROF_GR_ENGINE_ACTIVE` on MIG slices (where GPU_UTIL is 0 or absent).
   * @default 0.2
   */
  readonly gpuUnderusedRatio?: number;
  /**
   * Spend limits per model group (service tier) of `proxy`: `LlmTierCostOverBudget` fires
   * when a group's spend over the last hour runs above its limit for 15 minutes. Spend is
   * the tokens each of the group's pools processed (`vllm:prompt_tokens_total`,
   * `vllm:generation_tokens_total`, scoped by the pool's label) times the group's per-token
   * prices: exact per pool and present whatever the proxy's version, whereas
   * `litellm_spend_metric` is labelled by model (`model`), not by model group. A pool under
   * two priced groups is refused: its tokens cannot be split between them.
   * @default - no cost alert
   */
  readonly costBudgets?: CostBudget[];
  /**
   * Recording rules of (some of) `pools`: the TTFT and end-to-end latency SLO alerts of a pool
   * they record read its recorded p95 TTFT and p99 latency (`rules.pool(pool).ttftP95`,
   * `.e2eP99`) instead of computing the quantile again, so the alert and the dashboards see one
   * series. The rules must be rendered in the same App (checked at synth). Pools they do not
   * record keep the computed quantile.
   * @default - every quantile computed in the alert
   */
  readonly recordingRules?: RecordingRules;
  /**
   * Metrics of your own workloads (from `defineMetric()`) that `addAlert()` and
   * `addRecordingRule()` may read besides the catalog and the recorded series.
   * @default - catalog metrics and recorded series only
   */
  readonly declaredMetrics?: MetricDefinition[];
  /**
   * The endpoint pickers (EPPs) of InferencePools in front of `pools`: each one's alerts (EPP
   * down, no or missing endpoints, error ratio) go to the PrometheusRule of its model pool,
   * group `llm-routing`. Each model pool must be one of `pools`, and each EPP needs its
   * ServiceMonitor (`monitor()`), checked at synth: the alerts select its series by the
   * `namespace` and `service` labels that monitor's scrape adds.
   * @default - no EPP alert
   */
  readonly endpointPickers?: EndpointPicker[];
}

/** The group names of the PrometheusRules (the same in every object; Prometheus needs them unique only within one rule file). */
export enum AlertGroup {
  AUTOSCALING = 'llm-autoscaling',
  SERVING = 'llm-serving',
  PROXY = 'llm-proxy',
  ACCELERATORS = 'llm-accelerators',
  COST = 'llm-cost',
  /** The endpoint pickers of InferencePools (`endpointPickers`). */
  ROUTING = 'llm-routing',
}

/**
 * Alert rules for LLM serving in PrometheusRules (`monitoring.coreos.com/v1`): autoscaling
 * (HPA at max, unable to scale, replicas not available, flapping, KEDA errors, accelerator
 * pods unschedulable), serving per model (queue, TTFT and latency SLOs, KV cache, preemptions,
 * no ready replica), the proxy (error ratio, backend outage, fallbacks), accelerators
 * (underused GPUs, framebuffer full, budget) and the endpoint pickers of InferencePools (EPP
 * down, no or missing endpoints, error ratio: `endpointPickers`). Thresholds come from the pools' and the
 * proxy's SLOs; every selector of a pool's series comes from the pool's metric helpers
 * (namespace, `pool` label, model name), so two pools serving one model never alert on
 * each other's queue; every pool needs its PodMonitor.
 *
 * A pool KEDA may scale to zero also gets `LlmPoolStuckAtZero`: KEDA's fallback never wakes
 * a target at zero replicas, so a pool at zero while its wake signal reports traffic (KEDA
 * down, its Prometheus query failing) stays there and every request to it fails or falls back.
 *
 * Add rules of your own with `addAlert()` and `addRecordingRule()` (group `custom` unless named),
 * checked like these. For the scaling alerts of other workloads, see `WorkloadAlerts`.
 *
 * The rules are spread over one PrometheusRule per pool and one shared object, so that no
 * object grows with the fleet:
 * - `<name>-<pool name>` (`poolResources`): the pool's serving, autoscaling and accelerator
 *   rules (groups `llm-serving`, `llm-autoscaling`, `llm-accelerators`), and those of the
 *   endpoint pickers in front of it (`llm-routing`, see `endpointPickers`);
 * - `<name>` (`resource`): everything not tied to one pool: the proxy's rules and its
 *   autoscaling, the accelerator budget, the cost budgets, and the rules added with
 *   `addAlert()` and `addRecordingRule()`.
 * In one object, all rules of a thousand pools would be 15 MB, far above what etcd accepts in
 * one request (1.5 MiB by default, etcd.io dev-guide/limit): a fleet of about a hundred pools
 * could not be applied. Adding or removing a pool adds or removes its own object and leaves
 * the others byte for byte as they were: Prometheus keeps an alert's pending (`for`) and
 * firing state across a reload only while the rule stays in the same rule file and group
 * (prometheus/prometheus rules/manager.go `Manager.Update` copies state from the old group of
 * the same `GroupKey(file, name)`; the operator writes each PrometheusRule to its own rule
 * file), so moving rules between objects would restart their `for` clocks.
 *
 * @example
 * new ServingAlerts(monitoringChart, 'llm-alerts', {
 *   pools: [llama],
 *   proxy,
 *   discovery: { labels: { release: 'kube-prometheus-stack' } },
 *   runbookBaseUrl: 'https://runbooks.example.com/llm-serving',
 * });
 */
export class ServingAlerts extends Construct {
  /**
   * The shared PrometheusRule `<name>`: the rules not tied to one pool (the proxy's and its
   * autoscaler's, the accelerator budget, the cost budgets). Always rendered, with
   * `groups: []` when it has no rule (valid against the CRD, and an empty rule file to
   * Prometheus): the object does not come and go as a proxy or a budget is added or removed.
   */
  public readonly resource: monitoring.PrometheusRule;
  /**
   * The PrometheusRule `<name>-<pool name>` of each pool of `pools`, by pool name (the pool's
   * `name`), in the order of `pools`: the pool's serving, autoscaling and accelerator rules.
   */
  public readonly poolResources: ReadonlyMap<string, monitoring.PrometheusRule>;

  private readonly props: ServingAlertsProps;
  private readonly costs: ReadonlyArray<{ readonly group: string; readonly maxPerHour: number; readonly pools: ReadonlyArray<{ pool: ServingPool; input: number; output: number }> }>;
  /** Where `add()` puts rules: the groups of the object being collected (see `collectRules`). */
  private groups = new Map<AlertGroup, AlertRule[]>();
  /** Shapes of the rule expressions `validateRules` found valid (see `requirePromQLOfShape`). */
  private readonly validShapes = new Set<string>();
  private readonly custom: CustomRules;
  private readonly endpointPickers: readonly EndpointPicker[];

  public constructor(scope: Construct, id: string, props: ServingAlertsProps) {
    super(scope, id);
    const namespace = requireChartNamespace(this, 'ServingAlerts');
    if (props === null || typeof props !== 'object') throw invalid('props', props, 'must set pools, discovery and runbookBaseUrl');
    requireDiscoveryLabels(props.discovery, 'PrometheusRules');
    validateDiscovery('discovery', props.discovery);
    if (!Array.isArray(props.pools)) throw invalid('pools', props.pools, 'must be a list of ServingPool: VllmPool or MultiNodeVllmPool (empty when only the proxy is alerted on)');
    props.pools.forEach((p, i) => {
      if (!isServingPool(p)) throw invalid(`pools[${i}]`, p, 'must be a ServingPool (a VllmPool or a MultiNodeVllmPool)');
    });
    if (props.proxy !== undefined && !(props.proxy instanceof LiteLLMProxy)) throw invalid('proxy', props.proxy, 'must be a LiteLLMProxy');
    if (props.pools.length === 0 && !props.proxy) throw invalid('pools', [], 'must name at least one pool, or set proxy');
    if (typeof props.runbookBaseUrl !== 'string') throw invalid('runbookBaseUrl', props.runbookBaseUrl, 'must be an http:// or https:// URL');
    requireHttpUrl('runbookBaseUrl', props.runbookBaseUrl);
    if (props.acceleratorBudget !== undefined) requirePositiveInteger('acceleratorBudget', props.acceleratorBudget);
    if ((props as { gpuUnderusedPercent?: unknown }).gpuUnderusedPercent !== undefined) {
      throw invalid('gpuUnderusedPercent', (props as { gpuUnderusedPercent?: unknown }).gpuUnderusedPercent, 'was replaced by \'gpuUnderusedRatio\', a ratio from 0 to 1 (20 % is 0.2)');
    }
    const underused = props.gpuUnderusedRatio ?? 0.2;
    if (!(typeof underused === 'number' && underused > 0 && underused < 1)) {
      throw invalid('gpuUnderusedRatio', underused, `must be a ratio greater than 0 and less than 1, not a percentage${typeof underused === 'number' && underused > 1 && underused < 100 ? ` (${underused} % is ${underused / 100})` : ''}`);
    }
    if (props.recordingRules !== undefined && !(props.recordingRules instanceof RecordingRules)) {
      throw invalid('recordingRules', props.recordingRules, 'must be a RecordingRules construct');
    }
    this.props = props;
    this.costs = validateCostBudgets(props);
    this.endpointPickers = validateEndpointPickers(props.endpointPickers, props.pools);
    this.custom = new CustomRules(this, Object.values(AlertGroup), requireDeclaredMetrics(props.declaredMetrics), props.runbookBaseUrl.replace(/#.*$/, ''));
    const name = baseName(this, 'name', props.name);
    const names = poolObjectNames(name, props.pools);
    const labels = { ...recommendedLabels('alerts', name, 'alerts'), ...props.discovery.labels };

    this.resource = new monitoring.PrometheusRule(this, 'Resource', {
      metadata: { name: claimName(this, 'monitoring.coreos.com/PrometheusRule', name, namespace), labels },
      // Rules are gathered at synth: autoscalers may be added after this construct.
      spec: { groups: Lazy.any({ produce: () => this.renderGroups() }) as unknown as monitoring.PrometheusRuleSpecGroups[] },
    });
    const perPool = new Map<string, monitoring.PrometheusRule>();
    props.pools.forEach((pool, i) => {
      perPool.set(poolName(pool), new monitoring.PrometheusRule(this, `pool-${poolName(pool)}`, {
        metadata: { name: claimName(this, 'monitoring.coreos.com/PrometheusRule', names[i], namespace), labels },
        spec: { groups: Lazy.any({ produce: () => this.renderPoolGroups(pool) }) as unknown as monitoring.PrometheusRuleSpecGroups[] },
      }));
    });
    this.poolResources = perPool;
    this.node.addValidation({ validate: () => [...this.unmonitoredPools(), ...this.unmonitoredEndpointPickers(), ...this.unrenderedRecordings(), ...this.validateRules()] });
  }

  /**
   * Adds an alert of your own (group `custom` unless `group` names another), checked like the
   * built-in ones: the expression parses, every metric it reads is a catalog metric, a series
   * recorded in the App (`RecordingRules`, `addRecordingRule()`) or one of `declaredMetrics`;
   * `for`, a severity and a summary are required; the runbook defaults to
   * `<runbookBaseUrl>#<alert in lower case>`. Two alerts of one name in one group are refused.
   *
   * @example
   * alerts.addAlert({
   *   alert: 'LlamaPrefixCacheCold', expr: 'namespace_pool:vllm_prefix_cache_hits:ratio_rate5m{pool="llama"} < 0.2',
   *   for: Duration.minutes(30), severity: Severity.INFO, summary: 'The prefix cache of llama rarely hits',
   * });
   */
  public addAlert(options: CustomAlertOptions): void {
    this.custom.addAlert(options);
  }

  /**
   * Adds a recording rule of your own (group `custom` unless `group` names another): `record`
   * must be `level:metric:operations`, the expression is checked as in `addAlert()`.
   * @returns the recorded series as a gauge definition, for `declaredMetrics` of other constructs
   */
  public addRecordingRule(options: CustomRecordingRuleOptions): MetricDefinition {
    return this.custom.addRecordingRule(options);
  }

  /** The series recorded with `addRecordingRule()`, as gauges. */
  public get recordedMetrics(): MetricDefinition[] {
    return this.custom.recordedMetrics;
  }

  /** Every PrometheusRule of this construct: `resource`, then `poolResources` in the order of `pools`. */
  public get resources(): monitoring.PrometheusRule[] {
    return [this.resource, ...this.poolResources.values()];
  }

  /**
   * Every rule, by group, as rendered (collected from the pools, proxy and autoscalers now):
   * the rules of every object, the pools' first (in the order of `pools`), then the shared
   * object's.
   */
  public rules(): ReadonlyMap<AlertGroup, readonly AlertRule[]> {
    const all = new Map<AlertGroup, AlertRule[]>();
    for (const part of [...this.props.pools.map(p => this.rulesOf(p)), this.rulesOf(undefined)]) {
      for (const [group, rules] of part) {
        let list = all.get(group);
        if (!list) all.set(group, list = []);
        // Appended in place: copying the list for each pool is quadratic in a fleet's rules.
        for (const r of rules) list.push(r);
      }
    }
    return all;
  }

  /** The rules of one object: `pool`'s, or the shared object's (`undefined`). */
  private rulesOf(pool: ServingPool | undefined): ReadonlyMap<AlertGroup, readonly AlertRule[]> {
    // Within synthValidated the App is built: its validation and its rendering read the same
    // rules, collected once per object (tens of thousands for a fleet of a thousand pools).
    return sessionMemo(this, pool ? `rules:${poolName(pool)}` : 'rules', () => this.collectRules(pool));
  }

  /** The rules of `pool`'s object, or of the shared object (`undefined`), by group. */
  private collectRules(pool: ServingPool | undefined): ReadonlyMap<AlertGroup, readonly AlertRule[]> {
    this.groups = new Map();
    if (pool) {
      this.servingRules(pool);
      this.autoscalingRules(workloadOf(pool.scaleTarget), pool.namespace, pool.maxModelLoadTime, pool);
      this.acceleratorRules(pool);
      for (const epp of this.endpointPickers.filter(e => e.modelPool === pool)) {
        for (const rule of eppRules(epp)) this.add(AlertGroup.ROUTING, rule);
      }
      return this.groups;
    }
    const proxy = this.props.proxy;
    if (proxy) {
      this.proxyRules(proxy);
      this.autoscalingRules(workloadOf({ deployment: proxy.deployment }), proxy.namespace, Duration.minutes(5), undefined);
    }
    if (this.props.acceleratorBudget !== undefined) this.budgetRule(this.props.acceleratorBudget);
    for (const cost of this.costs) this.costRule(cost);
    return this.groups;
  }

  private add(group: AlertGroup, rule: AlertRule): void {
    const list = this.groups.get(group) ?? [];
    list.push(rule);
    this.groups.set(group, list);
  }

  /** Pools without a PodMonitor: nothing would put the `pool` label on the series the alerts read. */
  private unmonitoredPools(): string[] {
    return this.props.pools.flatMap((p, i) => unmonitoredPool(`pools[${i}]`, p, `ServingAlerts '${this.node.path}'`) ?? []);
  }

  /** EPPs without a ServiceMonitor: nothing would scrape the series their alerts read. */
  private unmonitoredEndpointPickers(): string[] {
    return this.endpointPickers.flatMap((e, i) => unmonitoredEndpointPicker(`endpointPickers[${i}]`, e, `ServingAlerts '${this.node.path}'`) ?? []);
  }

  /** Recorded series read by the alerts, whose rules are not rendered in this App. */
  private unrenderedRecordings(): string[] {
    const recorded = this.props.pools.map(p => this.recordedOf(p)).find(r => r !== undefined);
    return recorded ? [recorded.ttftP95._unrenderedError('recordingRules', this) ?? []].flat() : [];
  }

  /** The recorded series of `pool`, when `recordingRules` records it. */
  private recordedOf(pool: ServingPool): PoolRecordedMetrics | undefined {
    const rules = this.props.recordingRules;
    return rules?.records(pool) ? rules.pool(pool) : undefined;
  }

  private validateRules(): string[] {
    const errors: string[] = [];
    // cdk8s validates twice per synth (synthYaml, then each chart's toJson) and the rules of
    // every pool have the same shapes: parse each shape once per construct. An invalid
    // expression is always parsed, so each rule keeps its error.
    for (const rules of this.rules().values()) {
      for (const r of rules) {
        try {
          requirePromQLOfShape(`${this.node.path}: ${r.alert}.expr`, r.expr, this.validShapes);
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
    }
    return errors;
  }

  /** The groups of the shared object `resource`: the built-in ones, then those of `addAlert()` / `addRecordingRule()`. */
  private renderGroups(): monitoring.PrometheusRuleSpecGroups[] {
    return [...this.toGroups(this.rulesOf(undefined)), ...this.custom.render()];
  }

  /** The groups of `pool`'s object. */
  private renderPoolGroups(pool: ServingPool): monitoring.PrometheusRuleSpecGroups[] {
    return this.toGroups(this.rulesOf(pool));
  }

  private toGroups(groups: ReadonlyMap<AlertGroup, readonly AlertRule[]>): monitoring.PrometheusRuleSpecGroups[] {
    const runbook = this.props.runbookBaseUrl.replace(/#.*$/, '');
    return [...groups.entries()].map(([name, rules]) => ({
      name,
      rules: rules.map(r => ({
        alert: r.alert,
        expr: monitoring.PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
        for: promDuration(r.for),
        labels: { severity: r.severity, ...r.labels },
        annotations: { summary: r.summary, description: r.description, runbook_url: `${runbook}#${r.alert.toLowerCase()}` },
      })),
    }));
  }

  private servingRules(pool: ServingPool): void {
    const ns = pool.namespace;
    const model = pool.servedModelName;
    const subject = `model ${model} (pool ${poolName(pool)}) in namespace ${ns}`;
    const labels = poolLabels(pool);
    const by = 'by (namespace, model_name)';
    const slo = pool.slo;
    this.add(AlertGroup.SERVING, {
      alert: 'LlmQueueBuildup',
      expr: `avg ${by} (${pool.metricRequestsWaiting().selector}) > ${slo.queuePerReplica}`,
      for: Duration.minutes(10), severity: Severity.WARNING, labels,
      summary: `Requests are queueing on ${subject}`,
      description: `More than ${slo.queuePerReplica} requests wait per replica of ${subject} (now {{ $value }}). The pool is short of capacity: check its autoscaler (at max replicas? pods pending?) and raise maxReplicas or the accelerator budget.`,
    });
    const recorded = this.recordedOf(pool);
    this.add(AlertGroup.SERVING, {
      alert: 'LlmTtftSloBreach',
      expr: recorded
        ? `max ${by} (${recorded.ttftP95.selector}) > ${seconds(slo.ttftP95)}`
        : `histogram_quantile(0.95, sum by (namespace, model_name, le) (rate(${pool.metricTimeToFirstToken().bucketSelector}[5m]))) > ${seconds(slo.ttftP95)}`,
      for: Duration.minutes(10), severity: Severity.WARNING, labels,
      summary: `TTFT p95 of ${subject} is above its ${seconds(slo.ttftP95)} s SLO`,
      description: `Time to first token (p95) of ${subject} is {{ $value }} s, above the SLO of ${seconds(slo.ttftP95)} s. Usually queueing (see LlmQueueBuildup) or long prompts; check the queue, KV cache and prefix-cache hit rate.`,
    });
    this.add(AlertGroup.SERVING, {
      alert: 'LlmE2eLatencySloBreach',
      expr: recorded
        ? `max ${by} (${recorded.e2eP99.selector}) > ${seconds(slo.e2eLatencyP99)}`
        : `histogram_quantile(0.99, sum by (namespace, model_name, le) (rate(${pool.metricE2eRequestLatency().bucketSelector}[5m]))) > ${seconds(slo.e2eLatencyP99)}`,
      for: Duration.minutes(10), severity: Severity.WARNING, labels,
      summary: `End-to-end latency p99 of ${subject} is above its ${seconds(slo.e2eLatencyP99)} s SLO`,
      description: `Request latency (p99) of ${subject} is {{ $value }} s, above the SLO of ${seconds(slo.e2eLatencyP99)} s. Check queueing, preemptions and output lengths (max_tokens).`,
    });
    this.add(AlertGroup.SERVING, {
      alert: 'LlmKvCacheSaturated',
      expr: `avg ${by} (${pool.metricKvCacheUsage().selector}) > 0.9`,
      for: Duration.minutes(10), severity: Severity.WARNING, labels,
      summary: `KV cache of ${subject} is above 90 %`,
      description: `KV-cache usage of ${subject} averages {{ $value | humanizePercentage }}. Near full, vLLM queues and preempts requests: scale out, lower max_model_len or max_num_seqs, or use an FP8 KV cache.`,
    });
    this.add(AlertGroup.SERVING, {
      alert: 'LlmPreemptions',
      expr: `sum ${by} (rate(${pool.metricPreemptions().selector}[5m])) > 0`,
      for: Duration.minutes(15), severity: Severity.WARNING, labels,
      summary: `vLLM preempts requests on ${subject}`,
      description: `${subject} preempts {{ $value }} requests/s: the KV cache is too small for the load, and preempted requests are recomputed (slower). Scale out or give the KV cache more memory.`,
    });
    const series = workloadSeries(pool);
    if (!series) return;
    this.stuckAtZeroRule(pool, series, subject, labels);
    const noReady = series.noReadyReplica;
    if (noReady === undefined) return;
    this.add(AlertGroup.SERVING, {
      alert: 'LlmPoolNoReadyReplica',
      expr: noReady,
      // A pool woken from zero has no ready replica until its model has loaded.
      for: Duration.seconds(pool.maxModelLoadTime.toSeconds() + 300), severity: Severity.CRITICAL, labels,
      summary: `No ready replica serves ${subject}`,
      description: `The pool of ${subject} should run replicas but none has been ready for longer than its model load budget: requests to it fail or fall back. Check the pods (Pending: capacity; CrashLoopBackOff: logs; startup probe failures: load time).`,
    });
  }

  /**
   * A pool KEDA may scale to zero, at zero replicas while its wake signal has traffic: the
   * fallback never wakes a target at zero (kedacore/keda pkg/scaling/executor/scale_scaledobjects.go),
   * so when KEDA or its query is down the pool stays at zero and its requests fail or fall back.
   */
  private stuckAtZeroRule(pool: ServingPool, series: WorkloadSeries, subject: string, labels: Record<string, string>): void {
    const owner = replicaOwner(series.holder);
    if (!(owner instanceof KedaScaledObject) || (owner.minReplicas !== 0 && owner.idleReplicaCount !== 0)) return;
    const wakes = owner.triggers.filter(t => t.query !== undefined && t.source === SignalSource.EXTERNAL);
    if (wakes.length === 0) return;
    const traffic = wakes.map(t => `(${t.query}) > ${t.metadata.activationThreshold ?? '0'}`).join(' or ');
    this.add(AlertGroup.SERVING, {
      alert: 'LlmPoolStuckAtZero',
      expr: `(${series.atZero(owner)}) and on () (${traffic})`,
      // KEDA polls every 15 s and sets the replicas at once; 5 minutes is many missed polls.
      for: Duration.minutes(5), severity: Severity.CRITICAL, labels,
      summary: `The pool of ${subject} stays at zero replicas while requests arrive`,
      description: `The pool of ${subject} has had zero replicas for 5 minutes while its wake signal reports traffic: KEDA is not waking it (a KEDA fallback never wakes a target at zero). Requests to it fail or go to fallbacks. Check the KEDA operator and kubectl describe scaledobject ${owner.name} -n ${pool.namespace}; scale the ${series.kind} by hand to recover.`,
    });
  }

  private autoscalingRules(target: { readonly ref: { readonly kind: string; readonly name: string }; readonly holder: ReplicaHolder }, ns: string, loadTime: Duration, pool: ServingPool | undefined): void {
    const owner = replicaOwner(target.holder);
    const workload = target.ref.name;
    if (!owner) return;
    const hpa = owner instanceof KedaScaledObject ? owner.hpaName : owner instanceof HorizontalAutoscaler ? owner.name : undefined;
    if (!hpa) return;
    const subject = `${pool ? `model ${pool.servedModelName} (pool ${poolName(pool)})` : `workload ${workload}`} in namespace ${ns}`;
    const labels: Record<string, string> = { ...(pool ? poolLabels(pool) : { namespace: ns }), horizontalpodautoscaler: hpa };
    const h = { namespace: ns, horizontalpodautoscaler: hpa };
    const on = 'on (namespace, horizontalpodautoscaler)';
    this.add(AlertGroup.AUTOSCALING, {
      alert: 'LlmAutoscalerAtMaxReplicas',
      expr: `${sel(KubeStateMetrics.HPA_STATUS_CURRENT_REPLICAS, h)} >= ${on} ${sel(KubeStateMetrics.HPA_SPEC_MAX_REPLICAS, h)}`,
      for: Duration.minutes(15), severity: Severity.WARNING, labels,
      summary: `The autoscaler of ${subject} is at its maximum replicas`,
      description: `HPA ${hpa} has run at maxReplicas for 15 minutes: demand may exceed what it may add. Raise maxReplicas (and the accelerator budget) if latency SLOs suffer.`,
    });
    this.add(AlertGroup.AUTOSCALING, {
      alert: 'LlmAutoscalerUnableToScale',
      // A target at zero replicas (a pool KEDA scaled to zero) sets ScalingActive false
      // (ScalingDisabled) and desired replicas 0 by design: that is idle, not broken.
      expr: `(max by (namespace, horizontalpodautoscaler) (${sel(KubeStateMetrics.HPA_STATUS_CONDITION, { ...h, status: 'false' }, { condition: 'AbleToScale|ScalingActive' })}) == 1)`
        + ` unless ${on} (${sel(KubeStateMetrics.HPA_STATUS_DESIRED_REPLICAS, h)} == 0)`,
      for: Duration.minutes(10), severity: Severity.CRITICAL, labels,
      summary: `The autoscaler of ${subject} cannot scale`,
      description: `HPA ${hpa} reports AbleToScale or ScalingActive false: it cannot read its metrics or update the ${target.ref.kind}, so the pool no longer follows load. Run kubectl describe hpa ${hpa} -n ${ns}; check the metrics pipeline (KEDA, prometheus-adapter, Prometheus).`,
    });
    // Available replicas: a Deployment's from kube-state-metrics; a LeaderWorkerSet's (of
    // which kube-state-metrics has no series) are its ready leaders; another kind has none
    // known, so the rule is left out.
    // (The count of ready leaders has the namespace only: matched one-to-one.)
    const available = target.ref.kind === 'Deployment' ? `group_left ${sel(KubeStateMetrics.DEPLOYMENT_STATUS_REPLICAS_AVAILABLE, { namespace: ns, deployment: workload })}`
      : target.ref.kind === LWS_KIND ? readyLeaders(ns, workload) : undefined;
    if (available !== undefined) this.add(AlertGroup.AUTOSCALING, {
      alert: 'LlmReplicasNotAvailable',
      expr: `${sel(KubeStateMetrics.HPA_STATUS_DESIRED_REPLICAS, h)} > on (namespace) ${available}`,
      for: Duration.seconds(loadTime.toSeconds() + 600), severity: Severity.WARNING, labels,
      summary: `Replicas the autoscaler wants for ${subject} are not available`,
      description: `HPA ${hpa} wants more replicas than are available, for longer than a model load: pods are Pending (no free accelerators, quota) or failing to start. Check pending pods, node autoscaling and quotas.`,
    });
    // A jump of half the replica range in 10 minutes: a runaway signal (a query that suddenly
    // reads a sum across pools, a unit mistake) or a vanished one (KEDA with ignoreNullValues
    // reads 0) moves an autoscaler this fast; real load rarely does, and every pod added costs
    // an accelerator and a model load. A pool waking from zero is not counted.
    const max = owner instanceof KedaScaledObject || owner instanceof HorizontalAutoscaler ? owner.maxReplicas : 0;
    const min = owner instanceof KedaScaledObject || owner instanceof HorizontalAutoscaler ? owner.minReplicas : 0;
    const jump = Math.max(2, Math.ceil((max - min) / 2));
    this.add(AlertGroup.AUTOSCALING, {
      alert: 'LlmAutoscalerRapidScaling',
      expr: `(abs(${sel(KubeStateMetrics.HPA_STATUS_DESIRED_REPLICAS, h)} - ${sel(KubeStateMetrics.HPA_STATUS_DESIRED_REPLICAS, h)} offset 10m) >= ${jump})`
        + ` unless ${on} (${sel(KubeStateMetrics.HPA_STATUS_DESIRED_REPLICAS, h)} offset 10m == 0)`,
      for: Duration.minutes(1), severity: Severity.WARNING, labels,
      summary: `The autoscaler of ${subject} moved by ${jump} or more replicas in 10 minutes`,
      description: `HPA ${hpa} changed its desired replicas by {{ $value }} in 10 minutes (its range is ${min} to ${max}). Check that its signal is real load: a query reading other pools' series, a unit mistake (percent against a ratio) or a metric that vanished (read as 0) scales this fast.`,
    });
    // Direction changes, not changes: a morning ramp from 1 to 8 replicas is 7 changes and no flapping.
    this.add(AlertGroup.AUTOSCALING, {
      alert: 'LlmAutoscalerFlapping',
      expr: `${directionChanges(h, '30m')} >= 4`,
      for: Duration.minutes(5), severity: Severity.WARNING, labels,
      summary: `The autoscaler of ${subject} is flapping`,
      description: `HPA ${hpa} changed the direction of its desired replicas {{ $value }} times in 30 minutes (up, then down, then up ...): each change costs a model load. Lengthen the scale-down stabilization window or raise the signal's target.`,
    });
    if (owner instanceof KedaScaledObject) {
      this.add(AlertGroup.AUTOSCALING, {
        alert: 'LlmKedaScalerErrors',
        expr: kedaErrorRate(KedaMetrics.SCALER_DETAIL_ERRORS, ns, owner.name),
        for: Duration.minutes(10), severity: Severity.WARNING, labels: { ...labels, scaledObject: owner.name },
        summary: `KEDA scalers of ${subject} are failing`,
        description: `ScaledObject ${owner.name} has scaler errors: a trigger's query or source fails, and after its failure threshold KEDA holds the fallback replicas. Check the KEDA operator logs and the trigger queries.`,
      });
      this.add(AlertGroup.AUTOSCALING, {
        alert: 'LlmKedaScaledObjectErrors',
        expr: kedaErrorRate(KedaMetrics.SCALED_OBJECT_ERRORS, ns, owner.name),
        for: Duration.minutes(10), severity: Severity.WARNING, labels: { ...labels, scaledObject: owner.name },
        summary: `KEDA cannot reconcile the ScaledObject of ${subject}`,
        description: `ScaledObject ${owner.name} reports errors: run kubectl describe scaledobject ${owner.name} -n ${ns}.`,
      });
    }
  }

  private acceleratorRules(pool: ServingPool): void {
    const resource = pool.accelerator.resourceName;
    if (!resource) return;
    const ns = pool.namespace;
    const model = pool.servedModelName;
    const subject = `model ${model} (pool ${poolName(pool)}) in namespace ${ns}`;
    const labels = poolLabels(pool);
    const pods = { pod: pool.podNamePattern };
    this.add(AlertGroup.ACCELERATORS, {
      alert: 'LlmAcceleratorPodsPending',
      expr: `sum by (namespace) (${sel(KubeStateMetrics.POD_STATUS_SCHEDULED, { namespace: ns, condition: 'false' }, pods)}) > 0`,
      for: Duration.minutes(10), severity: Severity.WARNING, labels,
      summary: `Pods of ${subject} cannot be scheduled`,
      description: `{{ $value }} pods of ${subject} have waited 10 minutes for a node with ${resource}. Check the node autoscaler (or Karpenter) for that accelerator, quotas and taints.`,
    });
    if (pool.accelerator.kind !== AcceleratorKind.NVIDIA_GPU && pool.accelerator.kind !== AcceleratorKind.NVIDIA_MIG) return;
    // On MIG slices DCGM_FI_DEV_GPU_UTIL is 0 or absent (NVIDIA/dcgm-exporter #216): the
    // graphics-engine activity, already a ratio, is the utilization there.
    const mig = pool.accelerator.kind === AcceleratorKind.NVIDIA_MIG;
    const active = pool.metricGpuEngineActive();
    const busy = mig ? `avg by (namespace) (${active.selector})` : `avg by (namespace) (${pool.metricGpuUtilization().selector}) / 100`;
    const underused = this.props.gpuUnderusedRatio ?? 0.2;
    this.add(AlertGroup.ACCELERATORS, {
      alert: 'LlmGpuUnderused',
      expr: `${busy} < ${underused}`,
      for: Duration.hours(1), severity: Severity.INFO, labels,
      summary: `${mig ? 'MIG slices' : 'GPUs'} of ${subject} are underused`,
      description: `${mig ? `MIG slices (${resource}) of ${subject} averaged {{ $value | humanizePercentage }} graphics-engine activity` : `GPUs of ${subject} averaged {{ $value | humanizePercentage }} utilization`} for an hour: paid-for accelerators are idle. Lower minReplicas, allow scale to zero, or move the model to a ${mig ? 'smaller MIG profile' : 'smaller GPU or a MIG slice'}.`,
    });
    const threshold = Math.min(0.99, Math.round((pool.gpuMemoryUtilization + 0.05) * 100) / 100);
    const fbUsed = new ScopedMetric(DcgmMetrics.FB_USED, active.matchers, active.regexMatchers).selector;
    const fbFree = new ScopedMetric(DcgmMetrics.FB_FREE, active.matchers, active.regexMatchers).selector;
    this.add(AlertGroup.ACCELERATORS, {
      alert: 'LlmGpuFramebufferFull',
      expr: `max by (namespace, pod, gpu) (${fbUsed} / (${fbUsed} + ${fbFree})) > ${threshold}`,
      for: Duration.minutes(15), severity: Severity.WARNING, labels,
      summary: `GPU memory of ${subject} is nearly full`,
      description: `A GPU of ${subject} has {{ $value | humanizePercentage }} of its framebuffer used, beyond the ${pool.gpuMemoryUtilization} vLLM is allowed: another process shares the GPU or memory leaks; expect out-of-memory failures.`,
    });
  }

  private proxyRules(proxy: LiteLLMProxy): void {
    const ns = proxy.namespace;
    const subject = `the LiteLLM proxy in namespace ${ns}`;
    const labels = { namespace: ns, workload: proxy.deployment.name };
    const ratio = proxy.slo.errorRatio;
    this.add(AlertGroup.PROXY, {
      alert: 'LlmProxyErrorRatio',
      expr: `sum by (namespace) (rate(${proxy.metricFailedRequests().selector}[5m])) / sum by (namespace) (rate(${proxy.metricRequests().selector}[5m])) > ${ratio}`,
      for: Duration.minutes(10), severity: Severity.CRITICAL, labels,
      summary: `More than ${percent(ratio)} % of requests fail at ${subject}`,
      description: `{{ $value | humanizePercentage }} of requests to ${subject} fail. Check LlmBackendOutage, the proxy logs, and the backends' health.`,
    });
    this.add(AlertGroup.PROXY, {
      alert: 'LlmBackendOutage',
      expr: `max by (namespace, litellm_model_name, api_base) (${proxy.metricDeploymentState().selector}) == 2`,
      for: Duration.minutes(5), severity: Severity.CRITICAL, labels,
      summary: `A backend of ${subject} is in complete outage`,
      description: 'LiteLLM reports {{ $labels.litellm_model_name }} at {{ $labels.api_base }} in complete outage (litellm_deployment_state 2): every call fails, and requests go to fallbacks if any. Check that pool\'s pods and Service.',
    });
    this.add(AlertGroup.PROXY, {
      alert: 'LlmFallbacksFiring',
      expr: `sum by (namespace, requested_model, fallback_model) (rate(${proxy.metricSuccessfulFallbacks().selector}[10m])) > 0`,
      for: Duration.minutes(15), severity: Severity.WARNING, labels,
      summary: `Requests at ${subject} are served by fallbacks`,
      description: 'Requests for {{ $labels.requested_model }} have been served by {{ $labels.fallback_model }} for 15 minutes: the primary model group is failing or saturated.',
    });
  }

  /**
   * Spend of one model group per hour: each pool's prompt and generated tokens per second
   * (over the last hour) times the group's prices, times 3600. `or vector(0)` keeps the sum
   * defined while a pool (scaled to zero) reports no series.
   */
  private costRule(cost: { group: string; maxPerHour: number; pools: ReadonlyArray<{ pool: ServingPool; input: number; output: number }> }): void {
    const terms = cost.pools.map(({ pool, input, output }) =>
      `(sum(rate(${pool.metricPromptTokens().selector}[1h])) or vector(0)) * ${input} + (sum(rate(${pool.metricGenerationTokens().selector}[1h])) or vector(0)) * ${output}`);
    const namespaces = [...new Set(cost.pools.map(p => p.pool.namespace))].sort();
    this.add(AlertGroup.COST, {
      alert: 'LlmTierCostOverBudget',
      expr: `(${terms.join(' + ')}) * 3600 > ${cost.maxPerHour}`,
      for: Duration.minutes(15), severity: Severity.WARNING,
      labels: { namespace: namespaces.join(','), model_group: cost.group },
      summary: `Model group ${cost.group} spends more than ${cost.maxPerHour} per hour`,
      description: `Model group ${cost.group} (pools ${cost.pools.map(p => p.pool.name).join(', ')}) spent {{ $value }} over the last hour at its per-token prices, above its budget of ${cost.maxPerHour}. Check who sends the traffic (LiteLLM spend per key and team), rate limits (rpm / tpm) on the group, and whether batch work belongs to a cheaper tier.`,
    });
  }

  private budgetRule(budget: number): void {
    const namespaces = [...new Set(this.props.pools.map(p => p.namespace))].sort();
    const resources = [...new Set(this.props.pools.map(p => p.accelerator.resourceName).filter((r): r is string => !!r))]
      .map(r => r.replace(/[./-]/g, '_')).sort();
    if (resources.length === 0) return;
    const expr = `sum(${sel(KubeStateMetrics.POD_CONTAINER_RESOURCE_REQUESTS, {}, { namespace: namespaces.join('|'), resource: resources.join('|') })}) > ${budget}`;
    this.add(AlertGroup.ACCELERATORS, {
      alert: 'LlmAcceleratorBudgetExceeded',
      expr, for: Duration.minutes(15), severity: Severity.WARNING,
      labels: { namespace: namespaces.join(',') },
      summary: `LLM pools hold more than ${budget} accelerators`,
      description: `Pods in ${namespaces.join(', ')} request {{ $value }} accelerators (${resources.join(', ')}), above the budget of ${budget}. Check which autoscalers are at max and whether the load justifies it.`,
    });
  }
}

/**
 * The priced pools of each cost budget: every backend of the group must be a pool of
 * `pools` (so its series carry the `pool` label) listed with both prices, and no pool may
 * be priced under two groups.
 */
function validateCostBudgets(props: ServingAlertsProps): Array<{ group: string; maxPerHour: number; pools: Array<{ pool: ServingPool; input: number; output: number }> }> {
  if (props.costBudgets === undefined) return [];
  if (!Array.isArray(props.costBudgets)) throw invalid('costBudgets', props.costBudgets, 'must be a list of CostBudget { group, maxPerHour }');
  const proxy = props.proxy;
  if (props.costBudgets.length > 0 && !proxy) {
    throw invalid('proxy', undefined, 'must be set with costBudgets: the budgets name model groups of a proxy, priced by the model_info their backends were added with');
  }
  const routes = proxy ? proxy.backendRoutes : [];
  /** The groups each pool is priced under. */
  const pricedUnder = new Map<unknown, Set<string>>();
  for (const r of routes) {
    if (r.modelInfo?.inputCostPerToken === undefined && r.modelInfo?.outputCostPerToken === undefined) continue;
    // Keyed by the pool behind the backend: a pool routed through the Gateway is priced like one reached directly.
    const key = poolBehind(r.backend) ?? r.backend;
    pricedUnder.set(key, new Set([...(pricedUnder.get(key) ?? []), r.group.name]));
  }
  return props.costBudgets.map((b, i) => {
    const at = `costBudgets[${i}]`;
    if (b === null || typeof b !== 'object') throw invalid(at, b, 'must be a CostBudget { group, maxPerHour }');
    if (!(b.group instanceof ModelGroup) || b.group._proxy !== proxy) {
      throw invalid(`${at}.group`, b.group instanceof ModelGroup ? b.group.name : b.group, 'must be a model group of \'proxy\', as returned by proxy.addBackend()');
    }
    if (!(typeof b.maxPerHour === 'number' && Number.isFinite(b.maxPerHour) && b.maxPerHour > 0)) {
      throw invalid(`${at}.maxPerHour`, b.maxPerHour, 'must be a number greater than 0 (spend per hour, in the currency of the prices)');
    }
    const mine = routes.filter(r => r.group === b.group);
    const pools = mine.map(r => {
      const pool = poolBehind(r.backend);
      if (pool === undefined || !props.pools.includes(pool)) {
        throw invalid(`${at}.group`, b.group.name, `routes to '${(pool ?? r.backend).node.path}', which is not one of 'pools': its tokens are counted from the pool's series, selected by the label its PodMonitor adds; add the pool to 'pools'`);
      }
      const input = r.modelInfo?.inputCostPerToken;
      const output = r.modelInfo?.outputCostPerToken;
      if (input === undefined || output === undefined) {
        throw invalid(`${at}.group`, b.group.name, `routes to pool '${pool.name}' without both prices: add it with modelInfo { inputCostPerToken, outputCostPerToken } (LiteLLM's input_cost_per_token / output_cost_per_token)`);
      }
      const others = [...(pricedUnder.get(pool) ?? [])].filter(g => g !== b.group.name);
      if (others.length > 0) {
        throw invalid(`${at}.group`, b.group.name, `prices pool '${pool.name}', which is also priced under model group ${JSON.stringify(others[0])}: vLLM counts a pool's tokens whatever group routed them, so its spend cannot be split between groups; give each tier its own pools`);
      }
      return { pool, input, output };
    });
    return { group: b.group.name, maxPerHour: b.maxPerHour, pools };
  });
}

/**
 * The name of each pool's PrometheusRule, `<name>-<pool name>`, in the order of `pools`.
 * Refused rather than shortened when longer than 63 characters (the DNS-1035 label every
 * object name of this library is) or when two pools share a name: a name cut or hashed to fit
 * would no longer say which pool's rules it holds.
 */
function poolObjectNames(name: string, pools: readonly ServingPool[]): string[] {
  const seen = new Map<string, number>();
  return pools.map((pool, i) => {
    const pn = poolName(pool);
    const first = seen.get(pn);
    if (first !== undefined) {
      throw invalid(`pools[${i}]`, pool.node.path, `has the name ${JSON.stringify(pn)} of pools[${first}] ('${pools[first].node.path}'): each pool's rules go to the PrometheusRule '${name}-${pn}'; give the pools distinct names (the pool's 'name') or alert on them with two ServingAlerts`);
    }
    seen.set(pn, i);
    const full = `${name}-${pn}`;
    if (full.length > 63) {
      const fixes = [
        ...(pn.length <= 61 ? [`'name' to at most ${62 - pn.length} characters`] : []),
        ...(name.length <= 61 ? [`the pool's name to at most ${62 - name.length}`] : []),
      ];
      throw invalid('name', name, `with pool '${pn}' (pools[${i}]) names its PrometheusRule '${full}', ${full.length} characters: a name is at most 63 (a DNS-1035 label); shorten ${fixes.join(' or ') || '\'name\' and the pool\'s name to at most 62 characters together'}`);
    }
    return full;
  });
}

/** What the serving rules read of a pool's workload (its replicas, ready or not). */
interface WorkloadSeries {
  /** The workload's kind, for descriptions. */
  readonly kind: string;
  /** What its replica ownership is recorded on. */
  readonly holder: ReplicaHolder;
  /** The `LlmPoolNoReadyReplica` expression, or undefined when the pool never runs a replica. */
  readonly noReadyReplica?: string;
  /** An expression true while the workload, scaled by `owner`, has zero replicas. */
  atZero(owner: KedaScaledObject): string;
}

/**
 * The series of a pool's workload. A Deployment's come from kube-state-metrics
 * (`kube_deployment_*`). kube-state-metrics has no LeaderWorkerSet series: its ready replicas
 * are its ready leader pods (`kube_pod_status_ready`, see `readyLeaders`), the replicas it
 * should run are its autoscaler's desired replicas (`kube_horizontalpodautoscaler_*`, by the
 * HPA's name; KEDA's is `keda-hpa-<name>`) or, without an autoscaler, its fixed replicas.
 * Another kind has no known series: its workload rules are left out.
 */
function workloadSeries(pool: ServingPool): WorkloadSeries | undefined {
  const { ref, holder } = workloadOf(pool.scaleTarget);
  const ns = pool.namespace;
  if (ref.kind === 'Deployment') {
    const deployment = { namespace: ns, deployment: ref.name };
    return {
      kind: ref.kind,
      holder,
      noReadyReplica: `${sel(KubeStateMetrics.DEPLOYMENT_STATUS_REPLICAS_AVAILABLE, deployment)} == 0 and on (namespace, deployment) ${sel(KubeStateMetrics.DEPLOYMENT_SPEC_REPLICAS, deployment)} > 0`,
      atZero: () => `${sel(KubeStateMetrics.DEPLOYMENT_SPEC_REPLICAS, deployment)} == 0`,
    };
  }
  if (ref.kind !== LWS_KIND) return undefined;
  const owner = replicaOwner(holder);
  const hpa = owner instanceof KedaScaledObject ? owner.hpaName : owner instanceof HorizontalAutoscaler ? owner.name : undefined;
  const ready = readyLeaders(ns, ref.name);
  // Without an autoscaler the LeaderWorkerSet runs its fixed replicas (the API's default is 1).
  const fixed = (holder as { replicas?: number }).replicas;
  const noReadyReplica = hpa !== undefined
    ? `${ready} == 0 and on (namespace) ${sel(KubeStateMetrics.HPA_STATUS_DESIRED_REPLICAS, { namespace: ns, horizontalpodautoscaler: hpa })} > 0`
    : fixed === 0 ? undefined : `${ready} == 0`;
  return {
    kind: ref.kind,
    holder,
    noReadyReplica,
    // The HPA's current replicas are the scale subresource's status.replicas (groups).
    atZero: o => `${sel(KubeStateMetrics.HPA_STATUS_CURRENT_REPLICAS, { namespace: ns, horizontalpodautoscaler: o.hpaName })} == 0`,
  };
}

/**
 * The number of ready groups of LeaderWorkerSet `name`, by namespace: its ready leader pods
 * (the served endpoint; vLLM's leader is ready only once its workers have joined). Leader pods
 * are named `<name>-<group index>`, workers `<name>-<group index>-<worker index>`
 * (kubernetes-sigs/lws api/leaderworkerset/v1/leaderworkerset_types.go, v0.10.0), so
 * `pod=~"<name>-[0-9]+"` (anchored, `LWS_INDEX_SUFFIX`) matches the leaders only. `or` a 0 of the namespace keeps
 * the count defined when no leader pod exists (quota, a stopped controller).
 */
function readyLeaders(ns: string, name: string): string {
  const leaders = sel(KubeStateMetrics.POD_STATUS_READY, { namespace: ns, condition: 'true' }, { pod: `${name}${LWS_INDEX_SUFFIX}` });
  return `(sum by (namespace) (${leaders}) or label_replace(vector(0), "namespace", ${JSON.stringify(ns)}, "", ""))`;
}

/** The static labels of a pool's alerts: two pools serving one model raise two distinct alerts. */
function poolLabels(pool: ServingPool): Record<string, string> {
  return { namespace: pool.namespace, [METRIC_LABEL_POOL]: poolName(pool), model_name: pool.servedModelName };
}



/** A ratio as a percentage without binary noise: 0.07 → 7, not 7.000000000000001. */
function percent(ratio: number): number {
  return Number((ratio * 100).toPrecision(12));
}

function seconds(d: Duration): number {
  return d.toMilliseconds() / 1000;
}
