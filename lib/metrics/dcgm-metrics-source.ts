import { Construct, IConstruct } from 'constructs';
import { DcgmMetrics, MetricDefinition } from './catalog';
import { ScopedMetric } from './scoped-metric';
import * as monitoring from '../../imports/monitoring.coreos.com';
import { invalid, requireDnsLabel } from '../core/_validation';

/**
 * Which GPU workloads a dcgm-exporter metric is scoped to. dcgm-exporter, with Kubernetes
 * pod mapping on, labels each series with the `namespace` and `pod` using the GPU.
 */
export interface DcgmMetricScope {
  /** The namespace of the GPU workload (not the exporter's). */
  readonly namespace: string;
  /**
   * An RE2 regular expression the `pod` label must match in full, e.g. `'llama-[a-z0-9]+-[a-z0-9]+'`.
   * @default - every pod of the namespace
   */
  readonly podRegex?: string;
}

/**
 * A dcgm-exporter whose series Prometheus has: rendered here (`new DcgmExporter`) or run by
 * someone else (`DcgmExporter.fromExisting`). Its `metric…()` helpers return catalog metrics
 * scoped to a workload.
 */
export interface IDcgmExporter extends IConstruct {
  /**
   * Whether the scrape keeps the exporter's `pod` / `namespace` labels (`honorLabels: true`).
   * When false, Prometheus renames them `exported_pod` / `exported_namespace` and the helpers
   * select on those.
   */
  readonly labelsHonored: boolean;
  /** The ServiceMonitor rendered by this library for the exporter, if any. */
  readonly serviceMonitor?: monitoring.ServiceMonitor;
  /** `DCGM_FI_DEV_GPU_UTIL`: GPU utilization, a percentage from 0 to 100 (gauge). */
  metricGpuUtilization(scope: DcgmMetricScope): ScopedMetric;
  /**
   * `DCGM_FI_PROF_GR_ENGINE_ACTIVE`: time the graphics engine is active, a ratio from 0 to 1,
   * not a percentage (gauge; a DCP profiling metric, which needs `SYS_ADMIN`).
   */
  metricGraphicsEngineActive(scope: DcgmMetricScope): ScopedMetric;
  /** `DCGM_FI_DEV_FB_USED`: framebuffer (GPU) memory used, MiB (gauge). */
  metricFramebufferUsed(scope: DcgmMetricScope): ScopedMetric;
  /** `DCGM_FI_DEV_FB_FREE`: framebuffer (GPU) memory free, MiB (gauge). */
  metricFramebufferFree(scope: DcgmMetricScope): ScopedMetric;
}

/**
 * The metric helpers every dcgm-exporter source shares: the one rendered by `DcgmExporter`
 * and an existing one (`DcgmExporter.fromExisting()`).
 */
export abstract class DcgmMetricsSource extends Construct implements IDcgmExporter {
  public abstract readonly labelsHonored: boolean;
  public abstract readonly serviceMonitor?: monitoring.ServiceMonitor;

  /** `DCGM_FI_DEV_GPU_UTIL`: GPU utilization, a percentage from 0 to 100 (gauge). */
  public metricGpuUtilization(scope: DcgmMetricScope): ScopedMetric {
    return scopedDcgm(DcgmMetrics.GPU_UTIL, scope, this.labelsHonored);
  }

  /**
   * `DCGM_FI_PROF_GR_ENGINE_ACTIVE`: time the graphics engine is active, a ratio from 0 to 1,
   * not a percentage (gauge; a DCP profiling metric).
   */
  public metricGraphicsEngineActive(scope: DcgmMetricScope): ScopedMetric {
    return scopedDcgm(DcgmMetrics.GR_ENGINE_ACTIVE, scope, this.labelsHonored);
  }

  /** `DCGM_FI_DEV_FB_USED`: framebuffer (GPU) memory used, MiB (gauge). */
  public metricFramebufferUsed(scope: DcgmMetricScope): ScopedMetric {
    return scopedDcgm(DcgmMetrics.FB_USED, scope, this.labelsHonored);
  }

  /** `DCGM_FI_DEV_FB_FREE`: framebuffer (GPU) memory free, MiB (gauge). */
  public metricFramebufferFree(scope: DcgmMetricScope): ScopedMetric {
    return scopedDcgm(DcgmMetrics.FB_FREE, scope, this.labelsHonored);
  }
}

/**
 * A DCGM metric scoped to a workload's namespace (and pods). Without `honorLabels`, Prometheus
 * keeps the scraped labels as `exported_namespace` / `exported_pod`.
 */
function scopedDcgm(definition: MetricDefinition, scope: DcgmMetricScope, labelsHonored: boolean): ScopedMetric {
  requireDnsLabel('namespace', scope.namespace);
  const prefix = labelsHonored ? '' : 'exported_';
  const regex: Record<string, string> = {};
  if (scope.podRegex !== undefined) {
    requireRegex('podRegex', scope.podRegex);
    regex[`${prefix}pod`] = scope.podRegex;
  }
  return new ScopedMetric(definition, { [`${prefix}namespace`]: scope.namespace }, regex);
}

function requireRegex(prop: string, value: string): void {
  if (value === '') throw invalid(prop, value, 'must not be empty: omit it to select every pod of the namespace');
  try {
    new RegExp(value);
  } catch {
    throw invalid(prop, value, 'must be a valid regular expression');
  }
}
