import { Construct } from 'constructs';
import { admitScraper, gpuEngineActiveMetric, gpuUtilizationMetric, MetricScopeOf, vllmMetric } from './_pool-metrics';
import { Accelerator } from './accelerator';
import { LABEL_INSTANCE, METRIC_LABEL_POOL } from '../core/_labels';
import { invalid } from '../core/_validation';
import { VllmMetrics } from '../metrics/catalog';
import { MonitorDiscovery } from '../metrics/discovery';
import { PodMetricsMonitor, PodMetricsMonitorProps } from '../metrics/pod-metrics-monitor';
import { ScopedMetric } from '../metrics/scoped-metric';
import { WorkloadNetworkPolicy } from '../network/workload-network-policy';

/** Which pods a pool's PodMonitor scrapes: a workload's, or pods it selects by label. */
export type ScrapedPods = Pick<PodMetricsMonitorProps, 'workload' | 'pods'>;

/**
 * What `VllmPool` and `MultiNodeVllmPool` share as vLLM servers: the pool's one PodMonitor
 * and the accessors of its vLLM and dcgm-exporter series, each scoped to the pool (the pool
 * label its PodMonitor puts on them). Each pool says which pods are scraped (`scrapedPods`)
 * and how its pods are named (`podNamePattern`).
 */
export abstract class VllmPoolBase extends Construct implements MetricScopeOf {
  public abstract readonly name: string;
  public abstract readonly namespace: string;
  public abstract readonly servedModelName: string;
  public abstract readonly accelerator: Accelerator;
  public abstract readonly loraAdapterNames: readonly string[];
  /** vLLM's port on the scraped pods. */
  public abstract readonly port: number;
  public abstract readonly networkPolicy?: WorkloadNetworkPolicy;
  public abstract get podNamePattern(): string;
  /** The pods `monitor()` scrapes. */
  protected abstract get scrapedPods(): ScrapedPods;
  private _podMonitor?: PodMetricsMonitor;

  /**
   * The pool's PodMonitor, once `monitor()` was called. Queries that read the pool's series
   * by the `pool` label (alerts, scaling signals, adapter rules) need it: it is what puts the
   * label on them.
   */
  public get podMonitor(): PodMetricsMonitor | undefined {
    return this._podMonitor;
  }

  /**
   * Scrapes vLLM's `/metrics` (container port `http`, unauthenticated even with an API key)
   * with a PodMonitor named like the pool: on every pod of a `VllmPool`, so that pods no
   * Service routes to yet (still loading) are scraped too; on the leaders of a
   * `MultiNodeVllmPool` (its workers serve none). The monitor copies the pods'
   * `app.kubernetes.io/instance` label into the target label `pool`, so every series of the
   * pool carries its identity, and two pools serving one model name in one namespace never
   * read each other's metrics. One monitor per pool: a second call is an error.
   * @param discovery discovery labels (e.g. `{ release: 'kube-prometheus-stack' }`) and interval
   */
  public monitor(discovery: MonitorDiscovery): PodMetricsMonitor {
    if (this._podMonitor) {
      throw invalid('monitor()', this.node.path, `was already called: the pool has one PodMonitor ('${this._podMonitor.node.path}'); call monitor() once`);
    }
    admitScraper(this.networkPolicy, discovery, this.name, this.port);
    try {
      this._podMonitor = new PodMetricsMonitor(this, 'Monitor', {
        ...this.scrapedPods,
        port: 'http',
        discovery,
        name: this.name,
        copyPodLabels: { [METRIC_LABEL_POOL]: LABEL_INSTANCE },
      });
    } catch (e) {
      // A refused call leaves no half-built child behind, so a corrected call can follow.
      this.node.tryRemoveChild('Monitor');
      throw e;
    }
    return this._podMonitor;
  }

  /**
   * GPU utilization of the pool's pods from dcgm-exporter (`DCGM_FI_DEV_GPU_UTIL`, percent
   * 0 to 100, gauge), scoped by namespace and the pool's pod names
   * (`<name>-<hash>-<hash>`: dcgm-exporter labels the series with the pod it maps the GPU to).
   * Refused on a MIG pool, where the field reads 0 or is absent: use `metricGpuBusy()`.
   * @throws on a pool that does not run on NVIDIA GPUs, and on a MIG pool
   */
  public metricGpuUtilization(): ScopedMetric {
    return gpuUtilizationMetric(this);
  }

  /**
   * Graphics-engine activity of the pool's GPUs from dcgm-exporter
   * (`DCGM_FI_PROF_GR_ENGINE_ACTIVE`, a ratio 0 to 1, gauge; a DCP profiling metric), scoped
   * like `metricGpuUtilization()`. Valid on whole GPUs and MIG slices alike.
   * @throws on a pool that does not run on NVIDIA GPUs
   */
  public metricGpuEngineActive(): ScopedMetric {
    return gpuEngineActiveMetric(this);
  }

  /**
   * How busy the pool's GPUs are, as a ratio 0 to 1 that means the same on every NVIDIA
   * pool: graphics-engine activity (`DCGM_FI_PROF_GR_ENGINE_ACTIVE`), the field NVIDIA
   * names for MIG slices, where `DCGM_FI_DEV_GPU_UTIL` reads 0 (NVIDIA/dcgm-exporter #216),
   * and a finer measure than it on whole GPUs. Use it for GPU-busy signals and alerts that
   * must work on any pool. Needs dcgm-exporter's profiling (DCP) metrics.
   * @throws on a pool that does not run on NVIDIA GPUs
   */
  public metricGpuBusy(): ScopedMetric {
    return this.metricGpuEngineActive();
  }

  /** Requests waiting in the engine queue (gauge): the primary scaling signal. */
  public metricRequestsWaiting(): ScopedMetric {
    return vllmMetric(this, VllmMetrics.NUM_REQUESTS_WAITING);
  }

  /** Requests running on the engine (gauge). */
  public metricRequestsRunning(): ScopedMetric {
    return vllmMetric(this, VllmMetrics.NUM_REQUESTS_RUNNING);
  }

  /** KV-cache usage, a fraction from 0 to 1 (gauge). */
  public metricKvCacheUsage(): ScopedMetric {
    return vllmMetric(this, VllmMetrics.KV_CACHE_USAGE);
  }

  /** Time to first token, seconds (histogram). */
  public metricTimeToFirstToken(): ScopedMetric {
    return vllmMetric(this, VllmMetrics.TIME_TO_FIRST_TOKEN);
  }

  /** End-to-end request latency, seconds (histogram). */
  public metricE2eRequestLatency(): ScopedMetric {
    return vllmMetric(this, VllmMetrics.E2E_REQUEST_LATENCY);
  }

  /** Time requests spent queued, seconds (histogram). */
  public metricRequestQueueTime(): ScopedMetric {
    return vllmMetric(this, VllmMetrics.REQUEST_QUEUE_TIME);
  }

  /** Inter-token latency, seconds (histogram). */
  public metricInterTokenLatency(): ScopedMetric {
    return vllmMetric(this, VllmMetrics.INTER_TOKEN_LATENCY);
  }

  /** Preemptions (counter): KV cache too small for the load. */
  public metricPreemptions(): ScopedMetric {
    return vllmMetric(this, VllmMetrics.NUM_PREEMPTIONS);
  }

  /** Prompt tokens processed (counter). */
  public metricPromptTokens(): ScopedMetric {
    return vllmMetric(this, VllmMetrics.PROMPT_TOKENS);
  }

  /** Generated tokens (counter). */
  public metricGenerationTokens(): ScopedMetric {
    return vllmMetric(this, VllmMetrics.GENERATION_TOKENS);
  }

  /** Finished requests by `finished_reason` (counter). */
  public metricRequestSuccess(): ScopedMetric {
    return vllmMetric(this, VllmMetrics.REQUEST_SUCCESS);
  }

  /** Prefix-cache lookups, in prompt tokens (counter). */
  public metricPrefixCacheQueries(): ScopedMetric {
    return vllmMetric(this, VllmMetrics.PREFIX_CACHE_QUERIES);
  }

  /** Prefix-cache hits, in prompt tokens (counter): the hit rate is their rate over the queries' rate. */
  public metricPrefixCacheHits(): ScopedMetric {
    return vllmMetric(this, VllmMetrics.PREFIX_CACHE_HITS);
  }
}
