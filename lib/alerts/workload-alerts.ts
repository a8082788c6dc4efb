import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { AlertRule, Severity } from './alert-rule';
import * as monitoring from '../../imports/monitoring.coreos.com';
import { HorizontalAutoscaler } from '../autoscaling/hpa';
import { KedaScaledObject } from '../autoscaling/keda-scaled-object';
import { recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { baseName, claimName } from '../core/_naming';
import { wholeSeconds } from '../core/_units';
import { invalid, requireHttpUrl } from '../core/_validation';
import { requireDiscoveryLabels } from '../metrics/_discovery-input';
import { KubeStateMetrics } from '../metrics/catalog';
import { MonitorDiscovery, validateDiscovery } from '../metrics/discovery';
import { requirePromQL } from '../metrics/promql';
import { promDuration, sel } from './_rule-text';

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
 * Every alert carries `namespace`, `horizontalpodautoscaler` and `workload` (the Deployment).
 *
 * @example
 * new WorkloadAlerts(chart, 'worker-alerts', {
 *   autoscalers: [workerScaler, apiHpa],
 *   discovery: { labels: { release: 'kube-prometheus-stack' } },
 *   runbookBaseUrl: 'https://runbooks.example.com/workloads',
 * });
 */
export class WorkloadAlerts extends Construct {
  /** The PrometheusRule. */
  public readonly resource: monitoring.PrometheusRule;
  /** The PrometheusRule's name. */
  public readonly name: string;

  private readonly autoscalers: readonly WatchedAutoscaler[];
  private readonly atMaxSeconds: number;
  private readonly unableSeconds: number;
  private readonly runbook: string;

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
    this.autoscalers = [...props.autoscalers];
    this.runbook = props.runbookBaseUrl.replace(/#.*$/, '');
    const name = this.name = claimName(this, 'monitoring.coreos.com/PrometheusRule', baseName(this, 'name', props.name), namespace);

    const rules = this.rules();
    rules.forEach(r => requirePromQL(`${this.node.path}: ${r.alert}.expr`, r.expr));
    this.resource = new monitoring.PrometheusRule(this, 'Resource', {
      metadata: { name, labels: { ...recommendedLabels('alerts', name, 'alerts'), ...props.discovery.labels } },
      spec: {
        groups: [{
          name: WORKLOAD_ALERT_GROUP,
          rules: rules.map(r => ({
            alert: r.alert,
            expr: monitoring.PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
            for: promDuration(r.for),
            labels: { severity: r.severity, ...r.labels },
            annotations: { summary: r.summary, description: r.description, runbook_url: `${this.runbook}#${r.alert.toLowerCase()}` },
          })),
        }],
      },
    });
  }

  /** The rules, in order: for each autoscaler, at max (unless min equals max), then unable to scale. */
  public rules(): AlertRule[] {
    return this.autoscalers.flatMap(a => this.rulesOf(a));
  }

  private rulesOf(autoscaler: WatchedAutoscaler): AlertRule[] {
    const hpa = autoscaler instanceof KedaScaledObject ? autoscaler.hpaName : autoscaler.name;
    const ns = autoscaler.namespace;
    const workload = autoscaler.target.deployment.name;
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
      description: `${what} reports AbleToScale or ScalingActive false: it cannot read its metrics (metrics-server, prometheus-adapter, KEDA) or cannot update the Deployment, so the workload no longer follows load. Run kubectl describe hpa ${hpa} -n ${ns} and read its conditions and events.`,
    });
    return rules;
  }
}


