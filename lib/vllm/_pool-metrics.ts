import type { IConstruct } from 'constructs';
import { Accelerator, AcceleratorKind } from './accelerator';
import { METRIC_LABEL_POOL } from '../core/_labels';
import { invalid } from '../core/_validation';
import { DcgmMetrics, MetricDefinition, VllmMetrics } from '../metrics/catalog';
import { MonitorDiscovery, validateDiscovery } from '../metrics/discovery';
import { ScopedMetric } from '../metrics/scoped-metric';
import { requireNetworkPeer } from '../network/network-peer';
import type { WorkloadNetworkPolicy } from '../network/workload-network-policy';

/**
 * What the metric helpers of a pool read of it: shared by `VllmPool` and `MultiNodeVllmPool`,
 * so both scope their series alike (metric identity contract: namespace, `pool`, `model_name`).
 * @internal
 */
export interface MetricScopeOf extends IConstruct {
  readonly namespace: string;
  readonly name: string;
  readonly servedModelName: string;
  readonly accelerator: Accelerator;
  readonly podNamePattern: string;
  readonly loraAdapterNames: readonly string[];
}

/**
 * A vLLM metric of a pool: scoped by namespace, the pool's identity (the `pool` label its
 * PodMonitor adds) and the served model name.
 * @internal
 */
export function vllmMetric(pool: MetricScopeOf, definition: MetricDefinition): ScopedMetric {
  return new ScopedMetric(definition, { namespace: pool.namespace, [METRIC_LABEL_POOL]: pool.name, model_name: pool.servedModelName });
}

/**
 * `DCGM_FI_DEV_GPU_UTIL` of the pool's pods; refused off NVIDIA and on MIG slices.
 * @internal
 */
export function gpuUtilizationMetric(pool: MetricScopeOf): ScopedMetric {
  requireNvidia(pool);
  if (pool.accelerator.kind === AcceleratorKind.NVIDIA_MIG) {
    throw invalid('accelerator', pool.accelerator.resourceName, `is a MIG slice: ${DcgmMetrics.GPU_UTIL.name} reads 0 or is absent on MIG slices (NVIDIA/dcgm-exporter #216); use metricGpuBusy() or metricGpuEngineActive() (${DcgmMetrics.GR_ENGINE_ACTIVE.name}, a ratio 0 to 1)`);
  }
  return new ScopedMetric(DcgmMetrics.GPU_UTIL, { namespace: pool.namespace }, { pod: pool.podNamePattern });
}

/**
 * `DCGM_FI_PROF_GR_ENGINE_ACTIVE` of the pool's pods; refused off NVIDIA.
 * @internal
 */
export function gpuEngineActiveMetric(pool: MetricScopeOf): ScopedMetric {
  requireNvidia(pool);
  return new ScopedMetric(DcgmMetrics.GR_ENGINE_ACTIVE, { namespace: pool.namespace }, { pod: pool.podNamePattern });
}

/**
 * `vllm:lora_requests_info` of a pool with LoRA adapters (no `model_name` on it: scoped by
 * namespace and pool only).
 * @param kind the pool's class name, for the error (`VllmPool`)
 * @internal
 */
export function loraRequestsInfoMetric(pool: MetricScopeOf, kind: string): ScopedMetric {
  if (pool.loraAdapterNames.length === 0) {
    throw invalid('metricLoraRequestsInfo()', pool.name, `has no loraAdapters on ${kind} '${pool.node.path}': vLLM reports vllm:lora_requests_info only with LoRA enabled`);
  }
  return new ScopedMetric(VllmMetrics.LORA_REQUESTS_INFO, { namespace: pool.namespace, [METRIC_LABEL_POOL]: pool.name });
}

function requireNvidia(pool: MetricScopeOf): void {
  const kind = pool.accelerator.kind;
  if (kind !== AcceleratorKind.NVIDIA_GPU && kind !== AcceleratorKind.NVIDIA_MIG) {
    throw invalid('accelerator', pool.accelerator.resourceName ?? kind, 'is not an NVIDIA GPU: dcgm-exporter reports NVIDIA GPUs only, so the pool has no GPU metrics');
  }
}

/**
 * Admits the Prometheus of `discovery.scraper` to a pool's vLLM port through its
 * NetworkPolicy (moved unchanged from `VllmPool`). With a NetworkPolicy and no scraper named,
 * the monitor would scrape nothing: every scaling signal and alert of the pool would go
 * quiet, so that is refused.
 * @internal
 */
export function admitScraper(policy: WorkloadNetworkPolicy | undefined, discovery: MonitorDiscovery, poolName: string, port: number): void {
  if (!policy) return;
  validateDiscovery('discovery', discovery);
  if (discovery.scraper === undefined) {
    throw invalid('discovery.scraper', undefined, `is required: pool '${poolName}' has a NetworkPolicy that admits only named peers, so Prometheus must be named to scrape it, e.g. NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }); or set network.enabled to false`);
  }
  policy.allowFrom(requireNetworkPeer('discovery.scraper', discovery.scraper), [{ port }], 'Prometheus scrapes /metrics');
}
