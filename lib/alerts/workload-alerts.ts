import { Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { CustomRules, requireDeclaredMetrics } from './_custom-rules';
import { AlertRule, CustomAlertOptions, CustomRecordingRuleOptions, Severity } from './alert-rule';
import * as monitoring from '../../imports/monitoring.coreos.com';
import { HorizontalAutoscaler } from '../autoscaling/hpa';
import { KedaScaledObject } from '../autoscaling/keda-scaled-object';
import { recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { baseName, claimName } from '../core/_naming';
import { wholeSeconds } from '../core/_units';
import { invalid, requireHttpUrl } from '../core/_validation';
import { requireDiscoveryLabels } from '../metrics/_discovery-input';
import { KedaMetrics, KubeStateMetrics, MetricDefinition } from '../metrics/catalog';
import { MonitorDiscovery, validateDiscovery } from '../metrics/discovery';
import { requirePromQLOfShape } from '../metrics/promql';
import { directionChanges, kedaErrorRate, kedaErrors, promDuration, sel } from './_rule-text';

/** An autoscaler `WorkloadAlerts` watches: an HPA, or a KEDA ScaledObject (through the HPA KEDA creates). */
export type WatchedAutoscaler = HorizontalAutoscaler | KedaScaledObject;

/** Props of `WorkloadAlerts`. */
export interface WorkloadAlertsProps {
  /**
   * The PrometheusRule's name (a DNS-1035 label).
   * @default - the construct id
   */
  readonly name?: string;
  /** The autoscalers to watch, at least one: any workload's, not only LLM pools. */
  readonly autoscalers: WatchedAutoscaler[];
  /** Discovery labels of the PrometheusRule (the interval is not used). */
  readonly discovery: MonitorDiscovery;
  /** Base URL of your runbooks; each alert links `<base>#<alertname-lower-case>`. */
  readonly runbookBaseUrl: string;
  /**
   * How long an autoscaler must sit at its maximum before `WorkloadAutoscalerAtMaxReplicas`
   * fires: shorter than this is a burst the maximum was sized for.
   * @default Duration.minutes(15)
   */
  readonly atMaxFor?: Duration;
  /**
   * How long `AbleToScale` or `ScalingActive` must be false before
   * `WorkloadAutoscalerUnableToScale` fires.
   * @default Duration.minutes(10)
   */
  readonly unableToScaleFor?: Duration;
  /**
   * The window over which `WorkloadAutoscalerFlapping` counts direction changes of the desired
   * replicas (whole minutes, at least 10).
   * @default Duration.minutes(30)
   */
  readonly flappingWindow?: Duration;
  /**
   * Direction changes of the desired replicas (up then down, or down then up) within
   * `flappingWindow` from which `WorkloadAutoscalerFlapping` fires (at least 2). A steady
   * ramp, however long, counts none.
   * @default 4
   */
  readonly flappingDirectionChanges?: number;
  /**
   * Metrics of your own workloads (from `defineMetric()`) that `addAlert()` and
   * `addRecordingRule()` may read besides the catalog and the recorded series.
   * @default - catalog metrics and recorded series only
   */
  readonly declaredMetrics?: MetricDefinition[];
}

/** The rule group `WorkloadAlerts` renders. */
export const WORKLOAD_ALERT_GROUP = 'workload-autoscaling';

/**
 * "At max replicas" and "unable to scale" alerts for the autoscalers of any workload (a
 * queue worker, an API), in one PrometheusRule (`monitoring.coreos.com/v1`), from
 * kube-state-metrics v2 series (FACTS §C.1): `kube_horizontalpodautoscaler_*` with the label
 * `horizontalpodautoscaler`, never the v1 `kube_hpa_*` / `hpa` the usual tutorial rules still
 * use, which match nothing on a current kube-state-metrics and so never fire. A KEDA
 * ScaledObject is watched through the HPA KEDA creates (`keda-hpa-<name>`).
 *
 * - `WorkloadAutoscalerAtMaxReplicas` (warning): current replicas at `maxReplicas` for
 *   `atMaxFor`. Not rendered for an autoscaler whose minimum equals its maximum (it is always
 *   "at max").
 * - `WorkloadAutoscalerUnableToScale` (critical): `AbleToScale` or `ScalingActive` false for
 *   `unableToScaleFor` (its metrics cannot be read, or the target cannot be updated), except
 *   while the desired replicas are 0: a target KEDA scaled to zero has ScalingActive false by
 *   design.
 *
 * - `WorkloadAutoscalerFlapping` (warning): the desired replicas changed direction (up then
 *   down, or down then up) `flappingDirectionChanges` times or more within `flappingWindow`,
 *   for 5 minutes (kube-state-metrics `kube_horizontalpodautoscaler_status_desired_replicas`;
 *   a steady ramp is not flapping). Not rendered when the minimum equals the maximum.
 * - `WorkloadKedaScalerErrors` (warning, ScaledObjects only): a scaler of the ScaledObject
 *   failed (`keda_scaler_detail_errors_total` rising) for 10 minutes.
 * - `WorkloadKedaFallbackActive` (warning, ScaledObjects with a `fallback` only): **derived**.
 *   KEDA exports no metric for its fallback (kedacore/keda pkg/metricscollector/prommetrics.go
 *   has none at v2.18.0, 559e7385, nor up to v2.20.2; the state is the ScaledObject's
 *   `Fallback` condition, shown by `kubectl get scaledobject`). KEDA holds the fallback once a
 *   scaler has failed more than `failureThreshold` consecutive HPA metric reads
 *   (pkg/fallback/fallback.go `GetMetricsWithFallback`), while its scale loop counts an error in
 *   `keda_scaler_detail_errors_total` at every failed poll (pkg/scaling/scale_handler.go
 *   `getScalerState`). The alert fires when the errors over the last five polling intervals
 *   are at least half those polls, for as long as `failureThreshold + 1` HPA syncs (15 s each)
 *   take, at least a minute: the scaler fails steadily, so the fallback is (very likely) held.
 *
 * Every alert carries `namespace`, `horizontalpodautoscaler` and `workload` (the scaled workload: a Deployment, a LeaderWorkerSet ...);
 * the KEDA ones also `scaledObject`. Add rules of your own with `addAlert()` and
 * `addRecordingRule()` (group `custom` unless named).
 *
 * @example
 * new WorkloadAlerts(chart, 'worker-alerts', {
 *   autoscalers: [workerScaler, apiHpa],
 *   discovery: { labels: { release: 'kube-prometheus-stack' } },
 *   runbookBaseUrl: 'https://runbooks.example.com/workloads',
 * });
 */
export class WorkloadAlerts extends Construct {
  /** The group names the construct renders itself. */
  public static readonly BUILT_IN_GROUPS: readonly string[] = [WORKLOAD_ALERT_GROUP];
  /** The PrometheusRule. */
  public readonly resource: monitoring.PrometheusRule;
  /** The PrometheusRule's name. */
  public readonly name: string;

  private readonly autoscalers: readonly WatchedAutoscaler[];
  private readonly atMaxSeconds: number;
  private readonly unableSeconds: number;
  private readonly runbook: string;
  private readonly flapWindowSeconds: number;
  private readonly flapChanges: number;
  private readonly custom: CustomRules;

  public constructor(scope: Construct, id: string, props: WorkloadAlertsProps) {
    super(scope, id);
    const namespace = requireChartNamespace(this, 'WorkloadAlerts');
    if (props === null || typeof props !== 'object') throw invalid('props', props, 'must set autoscalers, discovery and runbookBaseUrl');
    requireDiscoveryLabels(props.discovery, 'PrometheusRules');
    validateDiscovery('discovery', props.discovery);
    if (!Array.isArray(props.autoscalers)) throw invalid('autoscalers', props.autoscalers, 'must be a list of HorizontalAutoscaler or KedaScaledObject');
    if (props.autoscalers.length === 0) throw invalid('autoscalers', [], 'must name at least one HorizontalAutoscaler or KedaScaledObject');
    props.autoscalers.forEach((a, i) => {
      if (!(a instanceof HorizontalAutoscaler || a instanceof KedaScaledObject)) throw invalid(`autoscalers[${i}]`, a, 'must be a HorizontalAutoscaler or a KedaScaledObject');
      const first = props.autoscalers.indexOf(a);
      if (first !== i) throw invalid(`autoscalers[${i}]`, a.node.path, `is listed twice (also autoscalers[${first}]): each would raise every alert twice`);
    });
    if (typeof props.runbookBaseUrl !== 'string') throw invalid('runbookBaseUrl', props.runbookBaseUrl, 'must be an http:// or https:// URL');
    requireHttpUrl('runbookBaseUrl', props.runbookBaseUrl);
    this.atMaxSeconds = wholeSeconds('atMaxFor', props.atMaxFor ?? Duration.minutes(15), 60);
    this.unableSeconds = wholeSeconds('unableToScaleFor', props.unableToScaleFor ?? Duration.minutes(10), 60);
    this.flapWindowSeconds = wholeSeconds('flappingWindow', props.flappingWindow ?? Duration.minutes(30), 600);
    if (this.flapWindowSeconds % 60 !== 0) throw invalid('flappingWindow', (props.flappingWindow as Duration).toHumanString(), 'must be whole minutes, at least 10 (the replicas are sampled each minute)');
    const changes = props.flappingDirectionChanges ?? 4;
    if (!(Number.isInteger(changes) && changes >= 2)) {
      throw invalid('flappingDirectionChanges', changes, 'must be a whole number, at least 2 (one change of direction is a burst that passed)');
    }
    this.flapChanges = changes;
    this.autoscalers = [...props.autoscalers];
    this.runbook = props.runbookBaseUrl.replace(/#.*$/, '');
    const name = this.name = claimName(this, 'monitoring.coreos.com/PrometheusRule', baseName(this, 'name', props.name), namespace);
    this.custom = new CustomRules(this, WorkloadAlerts.BUILT_IN_GROUPS, requireDeclaredMetrics(props.declaredMetrics), this.runbook);

    const rules = this.rules();
    const shapes = new Set<string>();
    rules.forEach(r => requirePromQLOfShape(`${this.node.path}: ${r.alert}.expr`, r.expr, shapes));
    this.resource = new monitoring.PrometheusRule(this, 'Resource', {
      metadata: { name, labels: { ...recommendedLabels('alerts', name, 'alerts'), ...props.discovery.labels } },
      spec: {
        // Resolved at synth: rules added with addAlert() / addRecordingRule() after construction count.
        groups: Lazy.any({
          produce: () => [{
            name: WORKLOAD_ALERT_GROUP,
            rules: rules.map(r => ({
              alert: r.alert,
              expr: monitoring.PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
              for: promDuration(r.for),
              labels: { severity: r.severity, ...r.labels },
              annotations: { summary: r.summary, description: r.description, runbook_url: `${this.runbook}#${r.alert.toLowerCase()}` },
            })),
          }, ...this.custom.render()],
        }) as unknown as monitoring.PrometheusRuleSpecGroups[],
      },
    });
  }

  /**
   * Adds an alert of your own (group `custom` unless `group` names another), checked like the
   * built-in ones: the expression parses, every metric it reads is a catalog metric, a series
   * recorded in the App or one of `declaredMetrics`; `for`, a severity and a summary are
   * required; the runbook defaults to `<runbookBaseUrl>#<alert in lower case>`. Two alerts of
   * one name in one group are refused.
   *
   * @example
   * alerts.addAlert({
   *   alert: 'QueueWorkerBacklog', expr: 'sum(my_queue_depth{namespace="jobs"}) > 1000',
   *   for: Duration.minutes(15), severity: Severity.WARNING, summary: 'The jobs queue is backing up',
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

  /**
   * The built-in rules, in order: for each autoscaler, at max and flapping (unless min equals
   * max), unable to scale, then for a ScaledObject its scaler errors and (with a fallback)
   * fallback active.
   */
  public rules(): AlertRule[] {
    return this.autoscalers.flatMap(a => this.rulesOf(a));
  }

  private rulesOf(autoscaler: WatchedAutoscaler): AlertRule[] {
    const hpa = autoscaler instanceof KedaScaledObject ? autoscaler.hpaName : autoscaler.name;
    const ns = autoscaler.namespace;
    const workload = autoscaler.scaleTargetRef.name;
    const what = autoscaler instanceof KedaScaledObject ? `ScaledObject ${autoscaler.name} (HPA ${hpa})` : `HPA ${hpa}`;
    const subject = `workload ${workload} in namespace ${ns}`;
    const h = { namespace: ns, horizontalpodautoscaler: hpa };
    const labels = { ...h, workload };
    const on = 'on (namespace, horizontalpodautoscaler)';
    const rules: AlertRule[] = [];
    if (autoscaler.minReplicas !== autoscaler.maxReplicas) {
      rules.push({
        alert: 'WorkloadAutoscalerAtMaxReplicas',
        expr: `${sel(KubeStateMetrics.HPA_STATUS_CURRENT_REPLICAS, h)} >= ${on} ${sel(KubeStateMetrics.HPA_SPEC_MAX_REPLICAS, h)}`,
        for: Duration.seconds(this.atMaxSeconds), severity: Severity.WARNING, labels,
        summary: `The autoscaler of ${subject} is at its maximum of ${autoscaler.maxReplicas} replicas`,
        description: `${what} has run at maxReplicas (${autoscaler.maxReplicas}) for ${promDuration(Duration.seconds(this.atMaxSeconds))}: demand may exceed what it may add, so queues and latency grow. Check the workload's backlog and latency; raise maxReplicas (and the quota) if they suffer.`,
      });
    }
    rules.push({
      alert: 'WorkloadAutoscalerUnableToScale',
      // ScalingActive is false (ScalingDisabled) on a target at zero replicas by design: idle, not broken.
      expr: `(max by (namespace, horizontalpodautoscaler) (${sel(KubeStateMetrics.HPA_STATUS_CONDITION, { ...h, status: 'false' }, { condition: 'AbleToScale|ScalingActive' })}) == 1)`
        + ` unless ${on} (${sel(KubeStateMetrics.HPA_STATUS_DESIRED_REPLICAS, h)} == 0)`,
      for: Duration.seconds(this.unableSeconds), severity: Severity.CRITICAL, labels,
      summary: `The autoscaler of ${subject} cannot scale`,
      description: `${what} reports AbleToScale or ScalingActive false: it cannot read its metrics (metrics-server, prometheus-adapter, KEDA) or cannot update the ${autoscaler.scaleTargetRef.kind}, so the workload no longer follows load. Run kubectl describe hpa ${hpa} -n ${ns} and read its conditions and events.`,
    });
    if (autoscaler.minReplicas !== autoscaler.maxReplicas) {
      const window = promDuration(Duration.seconds(this.flapWindowSeconds));
      rules.splice(1, 0, {
        alert: 'WorkloadAutoscalerFlapping',
        expr: `${directionChanges(h, window)} >= ${this.flapChanges}`,
        for: Duration.minutes(5), severity: Severity.WARNING, labels,
        summary: `The autoscaler of ${subject} is flapping`,
        description: `${what} changed the direction of its desired replicas {{ $value }} times in ${window} (up, then down, then up ...): each change starts or stops pods for nothing. Lengthen the scale-down stabilization window (behavior.scaleDown.stabilizationWindowSeconds; cooldownPeriod for KEDA), or widen the gap between the signal's target and its normal level.`,
      });
    }
    if (autoscaler instanceof KedaScaledObject) {
      const so = autoscaler.name;
      const kedaLabels = { ...labels, scaledObject: so };
      rules.push({
        alert: 'WorkloadKedaScalerErrors',
        expr: kedaErrorRate(KedaMetrics.SCALER_DETAIL_ERRORS, ns, so),
        for: Duration.minutes(10), severity: Severity.WARNING, labels: kedaLabels,
        summary: `KEDA scalers of ${subject} are failing`,
        description: `A trigger of ScaledObject ${so} fails (keda_scaler_detail_errors_total rises): its source or query cannot be read, so ${autoscaler.hasFallback ? 'after its failure threshold KEDA holds the fallback replicas' : 'the HPA cannot read the metric and the workload stops following load'}. Check the KEDA operator logs and kubectl describe scaledobject ${so} -n ${ns}.`,
      });
      const fallback = autoscaler.hasFallback ? fallbackOf(autoscaler) : undefined;
      if (fallback) {
        const polls = 5;
        const windowSeconds = Math.max(120, Math.ceil(polls * fallback.pollingSeconds / 60) * 60);
        const window = promDuration(Duration.seconds(windowSeconds));
        const minErrors = Math.ceil(windowSeconds / fallback.pollingSeconds / 2);
        // HPA syncs every 15 s (FACTS §C.3): failureThreshold + 1 failed reads engage the fallback.
        const engaged = Math.max(60, Math.ceil((fallback.failureThreshold + 1) * 15 / 60) * 60);
        rules.push({
          alert: 'WorkloadKedaFallbackActive',
          expr: `sum by (scaledObject) (${kedaErrors('increase', KedaMetrics.SCALER_DETAIL_ERRORS, ns, so, window)}) >= ${minErrors}`,
          for: Duration.seconds(engaged), severity: Severity.WARNING, labels: kedaLabels,
          summary: `KEDA holds the fallback replicas of ${subject}`,
          description: `A scaler of ScaledObject ${so} failed {{ $value }} times in ${window} (about every poll), longer than its failureThreshold (${fallback.failureThreshold}): KEDA serves its fallback (${fallback.replicas} replicas) instead of the metric, so the workload no longer follows load. Derived from the scaler errors (KEDA exports no fallback metric): confirm with kubectl get scaledobject ${so} -n ${ns} (column FALLBACK), then fix the trigger's source.`,
        });
      }
    }
    return rules;
  }
}



/** The fallback settings of a ScaledObject as rendered (defaults applied by KedaScaledObject). */
function fallbackOf(so: KedaScaledObject): { failureThreshold: number; replicas: number; pollingSeconds: number } | undefined {
  const spec = (so.resource.toJson() as { spec?: { pollingInterval?: number; fallback?: { failureThreshold?: number; replicas?: number } } }).spec;
  const fallback = spec?.fallback;
  if (!fallback || typeof fallback.replicas !== 'number') return undefined;
  // KEDA's default polling interval is 30 s (FACTS §C.2, defaultPollingInterval).
  return { failureThreshold: fallback.failureThreshold ?? 3, replicas: fallback.replicas, pollingSeconds: spec?.pollingInterval ?? 30 };
}
