import { DashboardSpec } from './_model';
import { DashboardPanel } from './dashboard-panel';
import { HorizontalAutoscaler } from '../autoscaling/hpa';
import { KedaScaledObject } from '../autoscaling/keda-scaled-object';
import { KedaMetricType } from '../autoscaling/keda-trigger';
import { KedaMetrics, KubeStateMetrics } from '../metrics/catalog';

const RATE = '[$__rate_interval]';

/**
 * The Autoscaling dashboard: one row per HPA and per KEDA ScaledObject of the App, each with its
 * replicas (desired, current, min, max from kube-state-metrics v2, on the HPA KEDA creates as
 * `keda-hpa-<name>` for a ScaledObject) and, for a ScaledObject, each trigger's value against
 * its threshold, the scaler errors, and whether the scalers fail (the fallback condition).
 *
 * KEDA exports no "fallback active" series (kedacore/keda pkg/metricscollector/prommetrics.go,
 * read at 0677effe: build_info, scaler_metrics_value, scaler_metrics_latency_seconds,
 * scaler_active, scaled_object_paused, scaler_detail_errors_total, scaled_object_errors_total,
 * ...): the panel shows the scalers failing now, which is when KEDA applies the fallback
 * replicas (after `fallback.failureThreshold` consecutive failures).
 * @internal
 */
export function autoscalingDashboard(uid: string, autoscalers: readonly (HorizontalAutoscaler | KedaScaledObject)[]): DashboardSpec {
  const namespaces = [...new Set(autoscalers.map(a => a.namespace))].sort();
  const panels: DashboardPanel[] = [];
  for (const a of autoscalers) {
    const keda = a instanceof KedaScaledObject ? a : undefined;
    const hpa = keda ? keda.hpaName : a.name;
    const row = keda ? `ScaledObject ${a.namespace}/${a.name}` : `HPA ${a.namespace}/${a.name}`;
    const hpaSel = `{namespace=~"$namespace",horizontalpodautoscaler=${JSON.stringify(hpa)}}`;
    panels.push({
      row, title: `${a.namespace}/${a.name}: replicas desired, current, min, max`, unit: 'short',
      description: 'Does the autoscaler get the replicas it wants, and is it pinned at its maximum (or minimum)?',
      queries: [
        { expr: `max(${KubeStateMetrics.HPA_STATUS_DESIRED_REPLICAS.name}${hpaSel})`, legend: 'desired' },
        { expr: `max(${KubeStateMetrics.HPA_STATUS_CURRENT_REPLICAS.name}${hpaSel})`, legend: 'current' },
        { expr: `max(${KubeStateMetrics.HPA_SPEC_MIN_REPLICAS.name}${hpaSel})`, legend: 'min' },
        { expr: `max(${KubeStateMetrics.HPA_SPEC_MAX_REPLICAS.name}${hpaSel})`, legend: 'max' },
      ],
    });
    panels.push({
      row, title: `${a.namespace}/${a.name}: conditions`, unit: 'short',
      description: 'Is the HPA able to scale, is its metric readable (ScalingActive), is it limited by min/max (ScalingLimited)?',
      queries: [{ expr: `max by (condition) (${KubeStateMetrics.HPA_STATUS_CONDITION.name}{namespace=~"$namespace",horizontalpodautoscaler=${JSON.stringify(hpa)},status="true"})`, legend: '{{condition}}' }],
    });
    if (!keda) continue;
    const so = `namespace=~"$namespace",scaledObject=${JSON.stringify(keda.name)}`;
    const value = {
      expr: `max by (triggerIndex, metric) (${KedaMetrics.SCALER_METRICS_VALUE.name}{${so},type="scaledobject"})`,
      legend: 'value {{triggerIndex}} {{metric}}',
    };
    const thresholds = keda.triggers.flatMap((t, i) => {
      const threshold = Number(t.metadata.threshold);
      if (t.metadata.threshold === undefined || !Number.isFinite(threshold)) return [];
      // AverageValue (KEDA's default): the HPA compares value / current replicas with the
      // threshold, so the value crosses threshold × current replicas when it scales.
      const perReplica = (t.metricType ?? KedaMetricType.AVERAGE_VALUE) === KedaMetricType.AVERAGE_VALUE;
      return [{
        expr: perReplica ? `${threshold} * max(${KubeStateMetrics.HPA_STATUS_CURRENT_REPLICAS.name}${hpaSel})` : `vector(${threshold})`,
        legend: perReplica ? `threshold × current replicas, trigger ${i}` : `threshold, trigger ${i}`,
      }];
    });
    panels.push({
      row, title: `${a.namespace}/${a.name}: scaler value vs threshold`, unit: 'short',
      description: 'What does each trigger read, and how far is it from scaling out (above the line) or in?',
      queries: [value, ...thresholds],
    });
    panels.push({
      row, title: `${a.namespace}/${a.name}: scaler errors per second`, unit: 'short',
      description: 'Do the triggers fail to read their source (bad query, source down, auth)?',
      queries: [
        { expr: `sum by (triggerIndex, scaler) (rate(${KedaMetrics.SCALER_DETAIL_ERRORS.name}{${so}}${RATE}))`, legend: '{{scaler}} {{triggerIndex}}' },
        { expr: `sum(rate(${KedaMetrics.SCALED_OBJECT_ERRORS.name}{${so}}${RATE}))`, legend: 'ScaledObject' },
      ],
    });
    panels.push({
      row, title: `${a.namespace}/${a.name}: scalers failing (fallback condition)`, unit: 'short',
      description: keda.hasFallback
        ? 'Are the scalers failing now? After failureThreshold consecutive failures KEDA holds the fallback replicas (a target at zero stays at zero).'
        : 'Are the scalers failing now? This ScaledObject has no fallback: the HPA keeps its last replicas while they fail.',
      queries: [{ expr: `max(increase(${KedaMetrics.SCALER_DETAIL_ERRORS.name}{${so}}[2m]) > bool 0)`, legend: 'failing' }],
    });
  }
  return {
    uid,
    title: 'LLM serving / Autoscaling',
    description: 'Every HPA and KEDA ScaledObject of the stack: replicas desired vs current vs max, KEDA scaler values against thresholds, scaler errors, failing scalers.',
    tags: ['llm-serving', 'autoscaling', 'keda', 'hpa'],
    variables: [{ name: 'namespace', label: 'Namespace', values: namespaces }],
    panels,
  };
}
