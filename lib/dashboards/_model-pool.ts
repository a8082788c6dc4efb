import { DashboardSpec, templated } from './_model';
import { DashboardPanel, PanelKind } from './dashboard-panel';
import { RecordingRules } from '../alerts/recording-rules';
import { replicaOwner } from '../autoscaling/_ownership';
import { workloadOf } from '../autoscaling/_target';
import { HorizontalAutoscaler } from '../autoscaling/hpa';
import { KedaScaledObject } from '../autoscaling/keda-scaled-object';
import { METRIC_LABEL_POOL } from '../core/_labels';
import { poolName } from '../metrics/_pool-identity';
import { LWS_INDEX_SUFFIX, LWS_KIND } from '../vllm/_multi-node';
import { KubeStateMetrics } from '../metrics/catalog';
import { RecordedMetric } from '../metrics/recorded-metric';
import { ScopedMetric } from '../metrics/scoped-metric';
import type { ServingPool } from '../vllm/serving-pool';

/** Pool series: `namespace` and the pool identity from the variables, the model name dropped (a pool serves one). */
const POOL_VARS = { namespace: 'namespace', [METRIC_LABEL_POOL]: 'pool' };
const RATE = '[$__rate_interval]';
const BY = `namespace, ${METRIC_LABEL_POOL}`;
const LEGEND = `{{${METRIC_LABEL_POOL}}}`;

/**
 * The Model pool dashboard: queue, running requests, KV cache, latency quantiles, throughput,
 * preemptions and replicas of the picked pools. Every vLLM query comes from a pool's metric
 * helper (scoped by `namespace` and the `pool` label); with recording rules that record every
 * pool, the quantiles and token rates read the recorded series.
 *
 * Model-load time of new pods is left out: no metric of the catalog measures it (vLLM exports
 * no load-time series, FACTS §A.4; kube-state-metrics' pod readiness times are not in it).
 * @internal
 */
export function modelPoolDashboard(uid: string, pools: readonly ServingPool[], rules?: RecordingRules): DashboardSpec {
  const sample = pools[0];
  const recorded = rules && pools.every(p => rules.records(p)) ? rules.pool(sample) : undefined;
  const sel = (m: ScopedMetric | RecordedMetric, suffix = '') => templated(m, POOL_VARS, suffix);
  const quantile = (m: ScopedMetric, q: number, rec: RecordedMetric | undefined) => rec
    ? `max by (${BY}) (${sel(rec)})`
    : `histogram_quantile(${q}, sum by (${BY}, le) (rate(${sel(m, '_bucket')}${RATE})))`;
  const rate = (m: ScopedMetric, rec: RecordedMetric | undefined) => rec
    ? `sum by (${BY}) (${sel(rec)})`
    : `sum by (${BY}) (rate(${sel(m)}${RATE}))`;
  const ttft = sample.metricTimeToFirstToken();
  const e2e = sample.metricE2eRequestLatency();
  const hpaOf = (p: ServingPool): string[] => {
    const owner = replicaOwner(workloadOf(p.scaleTarget).holder);
    return owner instanceof KedaScaledObject ? [owner.hpaName] : owner instanceof HorizontalAutoscaler ? [owner.name] : [];
  };
  const hpaNames = pools.flatMap(hpaOf);
  const deployment = '{namespace=~"$namespace",deployment=~"$pool"}';
  // kube-state-metrics has no LeaderWorkerSet series: a multi-node pool's available replicas
  // are its ready leader pods (`<name>-<group>`, kubernetes-sigs/lws
  // api/leaderworkerset/v1/leaderworkerset_types.go), its desired replicas its autoscaler's.
  const groupPools = pools.filter(p => workloadOf(p.scaleTarget).ref.kind === LWS_KIND);
  const groupHpas = groupPools.flatMap(hpaOf);
  const leaders = `${KubeStateMetrics.POD_STATUS_READY.name}{namespace=~"$namespace",condition="true",pod=~"($pool)${LWS_INDEX_SUFFIX}"}`;
  const readyGroups = `sum by (pool) (label_replace(${leaders}, "pool", "$1", "pod", ${JSON.stringify(`(${groupPools.map(poolName).sort((a, b) => b.length - a.length).join('|')})${LWS_INDEX_SUFFIX}`)}))`;
  const replicas: DashboardPanel = {
    row: 'Replicas', title: 'Replicas: available, desired, max', unit: 'short',
    description: groupPools.length
      ? 'Does the pool have the replicas its autoscaler asks for, and how close is it to its maximum (kube-state-metrics; a multi-node pool counts groups: its ready leaders, and its autoscaler\'s desired replicas)?'
      : 'Does the pool have the replicas its autoscaler asks for, and how close is it to its maximum (kube-state-metrics)?',
    queries: [
      { expr: `sum by (deployment) (${KubeStateMetrics.DEPLOYMENT_STATUS_REPLICAS_AVAILABLE.name}${deployment})`, legend: 'available {{deployment}}' },
      { expr: `sum by (deployment) (${KubeStateMetrics.DEPLOYMENT_SPEC_REPLICAS.name}${deployment})`, legend: 'desired {{deployment}}' },
      ...(groupPools.length ? [{ expr: readyGroups, legend: 'available groups {{pool}}' }] : []),
      ...(groupHpas.length ? [{
        expr: `max by (horizontalpodautoscaler) (${KubeStateMetrics.HPA_STATUS_DESIRED_REPLICAS.name}{namespace=~"$namespace",horizontalpodautoscaler=~${JSON.stringify(groupHpas.join('|'))}})`,
        legend: 'desired groups {{horizontalpodautoscaler}}',
      }] : []),
      ...(hpaNames.length ? [{
        expr: `max by (horizontalpodautoscaler) (${KubeStateMetrics.HPA_SPEC_MAX_REPLICAS.name}{namespace=~"$namespace",horizontalpodautoscaler=~${JSON.stringify(hpaNames.join('|'))}})`,
        legend: 'max {{horizontalpodautoscaler}}',
      }] : []),
    ],
  };
  const available = groupPools.length
    ? `(sum(${KubeStateMetrics.DEPLOYMENT_STATUS_REPLICAS_AVAILABLE.name}${deployment}) or vector(0)) + (sum(${leaders}) or vector(0))`
    : `sum(${KubeStateMetrics.DEPLOYMENT_STATUS_REPLICAS_AVAILABLE.name}${deployment})`;
  const namespaces = [...new Set(pools.map(p => p.namespace))];
  return {
    uid,
    title: 'LLM serving / Model pool',
    description: 'vLLM pools: queue, running requests, KV cache, latency quantiles, tokens per second, preemptions and replicas.',
    tags: ['llm-serving', 'vllm', 'model-pool'],
    variables: [
      { name: 'namespace', label: 'Namespace', values: namespaces },
      { name: 'pool', label: 'Pool', values: pools.map(poolName) },
    ],
    panels: [
      {
        row: 'Load', title: 'Requests waiting', unit: 'short',
        description: 'Are requests queueing in the engine (the primary scaling signal)?',
        queries: [{ expr: `sum by (${BY}) (${sel(sample.metricRequestsWaiting())})`, legend: LEGEND }],
      },
      {
        row: 'Load', title: 'Requests running', unit: 'short',
        description: 'How many requests does each pool decode at once?',
        queries: [{ expr: `sum by (${BY}) (${sel(sample.metricRequestsRunning())})`, legend: LEGEND }],
      },
      {
        row: 'Load', title: 'KV-cache usage (max over replicas)', unit: 'percentunit',
        description: 'Is a replica\'s KV cache full (the engine then queues or preempts)?',
        queries: [{ expr: `max by (${BY}) (${sel(sample.metricKvCacheUsage())})`, legend: LEGEND }],
      },
      {
        row: 'Load', title: 'Preemptions per second', unit: 'short',
        description: 'Does the engine evict running requests for lack of KV cache?',
        queries: [{ expr: `sum by (${BY}) (rate(${sel(sample.metricPreemptions())}${RATE}))`, legend: LEGEND }],
      },
      {
        row: 'Latency', title: 'Time to first token p50 / p95 / p99', unit: 's',
        description: 'How long until the first token (prefill plus queue), typical and tail?',
        queries: [
          { expr: quantile(ttft, 0.5, recorded?.ttftP50), legend: `p50 ${LEGEND}` },
          { expr: quantile(ttft, 0.95, recorded?.ttftP95), legend: `p95 ${LEGEND}` },
          { expr: quantile(ttft, 0.99, recorded?.ttftP99), legend: `p99 ${LEGEND}` },
        ],
      },
      {
        row: 'Latency', title: 'Inter-token latency p95', unit: 's',
        description: 'How fast do tokens stream once the first one is out?',
        queries: [{ expr: quantile(sample.metricInterTokenLatency(), 0.95, recorded?.interTokenLatencyP95), legend: `p95 ${LEGEND}` }],
      },
      {
        row: 'Latency', title: 'End-to-end latency p95 / p99', unit: 's',
        description: 'How long does a whole request take in the engine?',
        queries: [
          { expr: quantile(e2e, 0.95, recorded?.e2eP95), legend: `p95 ${LEGEND}` },
          { expr: quantile(e2e, 0.99, recorded?.e2eP99), legend: `p99 ${LEGEND}` },
        ],
      },
      {
        row: 'Latency', title: 'Queue time p95', unit: 's',
        description: 'How much of the latency is waiting for a slot?',
        queries: [{ expr: quantile(sample.metricRequestQueueTime(), 0.95, recorded?.queueTimeP95), legend: `p95 ${LEGEND}` }],
      },
      {
        row: 'Throughput', title: 'Tokens per second', unit: 'short',
        description: 'How many prompt (prefill) and generated (decode) tokens does each pool process?',
        queries: [
          { expr: rate(sample.metricPromptTokens(), recorded?.promptTokensPerSecond), legend: `prompt ${LEGEND}` },
          { expr: rate(sample.metricGenerationTokens(), recorded?.generationTokensPerSecond), legend: `generated ${LEGEND}` },
        ],
      },
      {
        row: 'Throughput', title: 'Finished requests by reason', unit: 'reqps',
        description: 'How do requests end (stop, length, abort, error)?',
        queries: [{ expr: `sum by (${BY}, finished_reason) (rate(${sel(sample.metricRequestSuccess())}${RATE}))`, legend: `${LEGEND} {{finished_reason}}` }],
      },
      replicas,
      {
        row: 'Replicas', title: 'Available replicas', kind: PanelKind.STAT, unit: 'short',
        description: 'How many replicas serve right now?',
        queries: [{ expr: available, legend: 'available' }],
      },
    ],
  };
}
