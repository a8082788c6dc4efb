import { ApiObject, Duration, JsonPatch, Names, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { modelReadyScript } from './_probes';
import { Accelerator, AcceleratorKind } from './accelerator';
import { VllmEngineOptions, renderEngineArgs } from './engine-options';
import { CacheAccessMode, ModelCache, ModelCacheKind } from './model-cache';
import { ARGOCD_SYNC_WAVE, SyncWave } from '../core/_argocd';
import { recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { podDisruptionBudget, preferSpread } from '../core/_workload';
import { hardenedContainer, hardenedPod } from '../core/_security';
import { PodUser } from '../core/pod-user';
import { requireDefined, wholeSeconds } from '../core/_units';
import {
  invalid, requireDnsSubdomain, requireLabelValue, requireNonNegativeInteger, requirePositive, requirePositiveInteger,
} from '../core/_validation';
import { SecretKeyRef, validateSecretRef } from '../core/secret-ref';
import { HostedVllmBackend } from '../litellm/config';
import { ScalingBehavior, ScalingBehaviors } from '../autoscaling/behavior';
import { KedaScaledObject } from '../autoscaling/keda-scaled-object';
import { requireWakeSignal, wakeGroupError } from '../autoscaling/_wake';
import { KedaMetricType, KedaTrigger } from '../autoscaling/keda-trigger';
import { LlmSignal, PrometheusSource } from '../autoscaling/llm-signal';
import { DcgmMetrics, MetricDefinition, VllmMetrics } from '../metrics/catalog';
import { MonitorDiscovery } from '../metrics/discovery';
import { PodMetricsMonitor } from '../metrics/pod-metrics-monitor';
import { ScopedMetric } from '../metrics/scoped-metric';

/**
 * The pinned vLLM image for NVIDIA GPUs and MIG slices (CUDA). Its entrypoint is
 * `vllm serve` (FACTS §A.5). v0.18.0 or later is needed for `--shutdown-timeout`.
 */
export const VLLM_IMAGE = 'vllm/vllm-openai:v0.26.0';
/** vLLM's HTTP port (FACTS §A.1). */
export const VLLM_PORT = 8000;

const CACHE_DIR = '/models';
const TMP_DIR = '/tmp';
const PROBE_PERIOD_SECONDS = 10;
const PROBE_TIMEOUT_SECONDS = 5;
const KARPENTER_CAPACITY_TYPE = 'karpenter.sh/capacity-type';
/** Resource-name prefixes of accelerator device plugins: at most one family per pool. */
const ACCELERATOR_RESOURCE = /^(nvidia\.com\/|amd\.com\/|aws\.amazon\.com\/neuron)/;
const EXTENDED_RESOURCE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Node capacity a pool prefers. */
export enum CapacityType {
  /** Spot / preemptible nodes: cheaper, reclaimed at short notice. */
  SPOT = 'spot',
  /** On-demand nodes. */
  ON_DEMAND = 'on-demand',
}

/**
 * A soft preference for spot or on-demand nodes (preferred node affinity): the scheduler
 * takes the other kind when the preferred one is full, so the pool still runs.
 */
export interface CapacityPreference {
  /** The capacity to prefer. */
  readonly prefer: CapacityType;
  /**
   * The node label that tells the capacity type.
   * @default 'karpenter.sh/capacity-type' (values `spot` and `on-demand`)
   */
  readonly nodeLabel?: string;
  /**
   * The label value of the preferred capacity, when the provisioner spells it differently
   * (EKS managed node groups: `eks.amazonaws.com/capacityType` = `SPOT` / `ON_DEMAND`).
   * @default - the value of `prefer`
   */
  readonly labelValue?: string;
  /** Node affinity weight, 1 to 100. @default 100 */
  readonly weight?: number;
}

/** How replicas of a pool are laid out over nodes. */
export enum PoolPlacement {
  /** Prefer different nodes and zones: a node failure takes out fewer replicas. */
  SPREAD = 'spread',
  /** Prefer nodes already running the pool: fills multi-GPU nodes so whole nodes free up. */
  BIN_PACK = 'bin-pack',
}

/** CPU and memory of a pool's container (the accelerator is set by `accelerator`). */
export interface PoolResources {
  /** CPU request; no limit is set, so tokenization and scheduling are never throttled. */
  readonly cpu?: kplus.Cpu;
  /** Memory, requested and limited alike (memory-backed `/dev/shm` counts against it). */
  readonly memory?: Size;
}

/** A window in which a pool holds a number of replicas (business hours, batch jobs). */
export interface PreWarmWindow {
  /** IANA time zone, e.g. `Europe/Berlin`. */
  readonly timezone: string;
  /** Start, a 5-field cron expression, e.g. `0 8 * * 1-5`. */
  readonly start: string;
  /** End, e.g. `0 18 * * 1-5`. */
  readonly end: string;
  /** Replicas held in the window. */
  readonly replicas: number;
}

/** Options of `VllmPool.autoscale()`. */
export interface PoolAutoscaleOptions {
  /** The Prometheus the triggers query. */
  readonly prometheus: PrometheusSource;
  /** Most replicas. */
  readonly maxReplicas: number;
  /**
   * Fewest replicas; 0 scales the pool to zero, which needs `wakeOn` or `preWarm` (the
   * pool's own metrics vanish with its pods).
   * @default 1
   */
  readonly minReplicas?: number;
  /**
   * What to scale on.
   * @default - queue depth 5 per replica and KV-cache usage 0.8
   */
  readonly signals?: LlmSignal[];
  /**
   * A signal that exists at zero replicas and wakes the pool: the proxy's request rate for
   * the pool's model group (`LlmSignal.proxyRequestRate`). @default - none
   */
  readonly wakeOn?: LlmSignal;
  /** Windows of guaranteed replicas (cron triggers), e.g. business hours. @default - none */
  readonly preWarm?: PreWarmWindow[];
  /**
   * Replicas held while the metrics are unavailable (Prometheus down, scrape broken);
   * KEDA keeps more if more are running.
   * @default - minReplicas, at least 1
   */
  readonly fallbackReplicas?: number;
  /** @default ScalingBehaviors.GPU_POOL (bounded scale-up while new pods load the model) */
  readonly behavior?: ScalingBehavior;
  /** Wait after the last activity before scaling to zero. @default Duration.minutes(15) */
  readonly scaleToZeroCooldown?: Duration;
}

/**
 * Service-level objectives of a pool: the thresholds of its alerts (`ServingAlerts`).
 */
export interface PoolSlo {
  /** Time to first token, 95th percentile. @default Duration.seconds(2) */
  readonly ttftP95?: Duration;
  /** End-to-end request latency, 99th percentile. @default Duration.seconds(60) */
  readonly e2eLatencyP99?: Duration;
  /** Requests waiting per replica before the queue counts as building up. @default 10 */
  readonly queuePerReplica?: number;
}

/** Props of `VllmPool`. */
export interface VllmPoolProps {
  /**
   * The model to serve: a Hugging Face repository id (`meta-llama/Llama-3.1-8B-Instruct`)
   * or a path inside the container. The first argument of `vllm serve`.
   */
  readonly model: string;
  /**
   * The Hugging Face revision (branch, tag or commit) to load; pin a commit so a new
   * upload never changes a running pool. vLLM flag: `--revision`.
   * @default - the repository's default branch
   */
  readonly revision?: string;
  /** Hugging Face token for gated models, as `HF_TOKEN`. @default - none */
  readonly hfToken?: SecretKeyRef;
  /**
   * The name clients and the proxy request, and the `model_name` label of every vLLM
   * metric. Must be a valid Kubernetes label value. vLLM flag: `--served-model-name`.
   * @default - the last path segment of `model`
   */
  readonly servedModelName?: string;
  /** What each pod runs on. */
  readonly accelerator: Accelerator;
  /** Engine arguments. @default - vLLM's defaults */
  readonly engine?: VllmEngineOptions;
  /**
   * The container image, pinned. Required for AMD, Neuron and CPU pools.
   * @default VLLM_IMAGE for NVIDIA GPUs and MIG slices
   */
  readonly image?: string;
  /** The API key vLLM requires on `/v1/*`, as `VLLM_API_KEY`. @default - none (open to the namespace) */
  readonly apiKey?: SecretKeyRef;
  /**
   * Replicas when no autoscaler owns the Deployment. Two by default, so that a node drain
   * or a rollout always leaves one pod serving (the PodDisruptionBudget allows one down).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * CPU and memory of each pod.
   * @default - per accelerator device: 4 CPU and 32 GiB (CPU pools: 4 CPU, 16 GiB)
   */
  readonly resources?: PoolResources;
  /**
   * Other extended resources per pod, requests equal to limits, e.g.
   * `{ 'vpc.amazonaws.com/efa': 1 }`. Accelerator resources are refused: one pool, one
   * accelerator type. @default - none
   */
  readonly extendedResources?: Record<string, number>;
  /** Where the Hugging Face cache (`HF_HOME`) lives. @default ModelCache.emptyDir() */
  readonly modelCache?: ModelCache;
  /**
   * Size of the memory-backed `/dev/shm` (always mounted; PyTorch and NCCL need it for
   * tensor and pipeline parallelism, and the runtime default is only 64 MiB).
   * @default - 20 GiB with tensor or pipeline parallelism above 1, else 2 GiB
   */
  readonly shmSize?: Size;
  /**
   * The longest a pod may take from start to serving: image pull excluded, model download,
   * weight loading and CUDA-graph capture included. Sizes the startup probe; until it
   * passes, liveness does not run.
   * @default Duration.minutes(20)
   */
  readonly maxModelLoadTime?: Duration;
  /**
   * The longest request the pool serves. On scale-down vLLM stops taking requests and
   * waits this long for in-flight ones (`--shutdown-timeout`); the grace period covers it.
   * @default Duration.minutes(10)
   */
  readonly maxRequestDuration?: Duration;
  /**
   * How long a terminating pod keeps serving before SIGTERM (preStop sleep), so endpoint
   * removal reaches the proxy first.
   * @default Duration.seconds(15)
   */
  readonly drainDelay?: Duration;
  /** More node labels the pods require (ANDed with the accelerator's). @default - none */
  readonly nodeSelector?: Record<string, string>;
  /** The pod's PriorityClass. @default - the cluster default */
  readonly priorityClassName?: string;
  /** The pod's RuntimeClass (e.g. `nvidia` where it is not the default runtime). @default - the default runtime */
  readonly runtimeClassName?: string;
  /** Prefer spot or on-demand nodes. @default - no preference */
  readonly capacity?: CapacityPreference;
  /** @default PoolPlacement.SPREAD */
  readonly placement?: PoolPlacement;
  /**
   * The Service name. Never `vllm`: Kubernetes would inject `VLLM_PORT=tcp://…` into pods
   * of the namespace and vLLM refuses to start (FACTS §A.3).
   * @default - generated from the construct path
   */
  readonly serviceName?: string;
  /** PodDisruptionBudget `maxUnavailable`. @default 1 */
  readonly maxUnavailable?: number;
  /** Thresholds of the pool's alerts. @default - the PoolSlo defaults */
  readonly slo?: PoolSlo;
  /**
   * The user the container runs as. The upstream image has no `USER` and defaults to root;
   * the pool runs it as a non-root user with `HOME` on a writable emptyDir instead.
   * 0 runs as root, for images that need it.
   * @default 1000
   */
  readonly runAsUser?: number;
}

/**
 * A pool of identical vLLM servers (`vllm serve`) for one model on one accelerator type:
 * the unit the proxy load-balances over and the autoscalers scale.
 *
 * Renders a Deployment (model first in the args, accelerator requests equal to limits,
 * `/dev/shm` in memory, a startup probe budgeted from `maxModelLoadTime` that passes only
 * once the model is served, a graceful drain sized from `maxRequestDuration`), a Service
 * (port `http` 8000), a PodDisruptionBudget and, optionally, a PersistentVolumeClaim for
 * the model cache.
 *
 * @example
 * const llama = new VllmPool(chart, 'llama', {
 *   model: 'meta-llama/Llama-3.1-8B-Instruct',
 *   servedModelName: 'llama-3-1-8b',
 *   accelerator: Accelerator.nvidiaGpu(1),
 *   hfToken: { secretName: 'hf', key: 'token' },
 * });
 * proxy.addBackend(llama);
 */
export class VllmPool extends Construct implements HostedVllmBackend {
  /** The Deployment (autoscalers target it; when one does, `spec.replicas` is not rendered). */
  public readonly deployment: kplus.Deployment;
  /** The vLLM container. */
  public readonly container: kplus.Container;
  /** The Service in front of the pods. */
  public readonly service: kplus.Service;
  /** The model cache claim, when the pool creates one. */
  public readonly cacheClaim?: kplus.PersistentVolumeClaim;
  /** The name the model is served under (`--served-model-name`, metric label `model_name`). */
  public readonly servedModelName: string;
  /** The accelerator of every pod. */
  public readonly accelerator: Accelerator;
  /** The Secret holding the API key, if any. */
  public readonly apiKey?: SecretKeyRef;
  /** The namespace of every object. */
  public readonly namespace: string;
  /** The Service port. */
  public readonly port = VLLM_PORT;
  /** The OpenAI base URL, `http://<service>.<namespace>.svc.cluster.local:8000/v1`. */
  public readonly url: string;
  /** The startup budget of a pod: model download, load and warm-up. */
  public readonly maxModelLoadTime: Duration;
  /** The pool's SLOs, defaults applied. */
  public readonly slo: Required<PoolSlo>;
  /** `--gpu-memory-utilization`, or vLLM's default 0.9. */
  public readonly gpuMemoryUtilization: number;

  public constructor(scope: Construct, id: string, props: VllmPoolProps) {
    super(scope, id);
    this.namespace = requireChartNamespace(this, 'VllmPool');
    const servedModelName = this.servedModelName = props.servedModelName ?? defaultServedName(props.model);
    validateProps(props, servedModelName);
    this.accelerator = props.accelerator;
    this.apiKey = props.apiKey;

    const engine = props.engine ?? {};
    const parallelism = (engine.tensorParallelSize ?? 1) * (engine.pipelineParallelSize ?? 1);
    const maxLoad = this.maxModelLoadTime = props.maxModelLoadTime ?? Duration.minutes(20);
    this.slo = {
      ttftP95: props.slo?.ttftP95 ?? Duration.seconds(2),
      e2eLatencyP99: props.slo?.e2eLatencyP99 ?? Duration.seconds(60),
      queuePerReplica: props.slo?.queuePerReplica ?? 10,
    };
    this.gpuMemoryUtilization = engine.gpuMemoryUtilization ?? 0.9;
    const maxRequest = props.maxRequestDuration ?? Duration.minutes(10);
    const drainDelay = props.drainDelay ?? Duration.seconds(15);
    const user = props.runAsUser ?? 1000;
    const resources = poolResources(props);
    const shmSize = props.shmSize ?? Size.gibibytes(parallelism > 1 ? 20 : 2);
    requireShmBelowMemory(shmSize, resources.memory);

    const cache = props.modelCache ?? ModelCache.emptyDir();
    const instance = Names.toLabelValue(this);
    const labels = recommendedLabels('vllm', instance, 'model-server');

    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: { labels, annotations: { [ARGOCD_SYNC_WAVE]: String(SyncWave.WORKLOADS) } },
      podMetadata: { labels },
      // Unset unless given: cdk8s-plus renders 2, or nothing once an autoscaler owns the Deployment.
      replicas: props.replicas,
      strategy: rolloutStrategy(cache),
      // A rollout may legitimately spend the whole model load budget on one pod.
      progressDeadline: Duration.seconds(maxLoad.toSeconds() + 600),
      terminationGracePeriod: Duration.seconds(drainDelay.toSeconds() + maxRequest.toSeconds() + 15),
      securityContext: user === 0 ? { ensureNonRoot: false, user: 0, group: 0 } : hardenedPod(PodUser.fixed(user)),
      automountServiceAccountToken: false,
    });

    const args = [
      props.model,
      '--served-model-name', servedModelName,
      '--port', String(VLLM_PORT),
      ...(props.revision ? ['--revision', props.revision] : []),
      '--shutdown-timeout', String(maxRequest.toSeconds()),
      ...renderEngineArgs(engine),
    ];
    const readyCheck = ['python3', '-c', modelReadyScript(servedModelName, VLLM_PORT)];

    this.container = this.deployment.addContainer({
      name: 'vllm',
      image: props.image ?? VLLM_IMAGE,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args,
      ports: [{ name: 'http', number: VLLM_PORT }],
      envVariables: {
        HF_HOME: kplus.EnvValue.fromValue(CACHE_DIR),
        // Caches of vLLM, Triton, torch.compile and FlashInfer go under $HOME (/tmp is writable).
        HOME: kplus.EnvValue.fromValue(TMP_DIR),
        // torch resolves the user name from $USER before the passwd file, which has no entry for the uid.
        USER: kplus.EnvValue.fromValue('vllm'),
        VLLM_NO_USAGE_STATS: kplus.EnvValue.fromValue('1'),
      },
      // Until the model is served; liveness waits for it.
      startup: kplus.Probe.fromCommand(readyCheck, {
        periodSeconds: Duration.seconds(PROBE_PERIOD_SECONDS),
        timeoutSeconds: Duration.seconds(PROBE_TIMEOUT_SECONDS),
        failureThreshold: Math.ceil(maxLoad.toSeconds() / PROBE_PERIOD_SECONDS),
      }),
      readiness: kplus.Probe.fromCommand(readyCheck, {
        periodSeconds: Duration.seconds(PROBE_PERIOD_SECONDS),
        timeoutSeconds: Duration.seconds(PROBE_TIMEOUT_SECONDS),
        failureThreshold: 3,
      }),
      // /health is 503 once the engine is dead: restart then, not on a slow response.
      liveness: kplus.Probe.fromHttpGet('/health', {
        port: VLLM_PORT,
        periodSeconds: Duration.seconds(15),
        timeoutSeconds: Duration.seconds(10),
        failureThreshold: 4,
      }),
      lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', String(drainDelay.toSeconds())]) },
      resources: {
        cpu: { request: resources.cpu },
        memory: { request: resources.memory, limit: resources.memory },
      },
      securityContext: user === 0
        ? { ...hardenedContainer(PodUser.fixed(0)), ensureNonRoot: false, user: 0, group: 0 }
        : hardenedContainer(PodUser.fixed(user)),
    });

    if (props.hfToken) this.addSecretEnv('HF_TOKEN', props.hfToken);
    if (props.apiKey) this.addSecretEnv('VLLM_API_KEY', props.apiKey);

    this.cacheClaim = this.mountModelCache(cache, props.replicas ?? 2, labels);
    this.container.mount('/dev/shm', kplus.Volume.fromEmptyDir(this, 'ShmVolume', 'shm', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: shmSize }));
    this.container.mount(TMP_DIR, kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp', { sizeLimit: Size.gibibytes(10) }));

    this.schedule(props);
    this.patchPodSpec(props, { ...props.accelerator.resources, ...props.extendedResources });

    this.service = new kplus.Service(this, 'Service', {
      metadata: props.serviceName ? { labels, name: props.serviceName } : { labels },
      type: kplus.ServiceType.CLUSTER_IP,
      selector: this.deployment,
      ports: [{ name: 'http', port: VLLM_PORT, targetPort: VLLM_PORT }],
    });
    this.url = `http://${this.service.name}.${this.namespace}.svc.cluster.local:${VLLM_PORT}/v1`;

    podDisruptionBudget(this, this.deployment, labels, props.maxUnavailable ?? 1);
  }

  /**
   * Scales the pool with a KEDA ScaledObject on LLM signals (default: queue depth and KV
   * cache), with a fallback for metrics outages, a behavior that does not overshoot while
   * new pods load the model, optional scale-to-zero woken by `wakeOn`, and pre-warm windows.
   */
  public autoscale(options: PoolAutoscaleOptions): KedaScaledObject {
    if (this.node.tryFindChild('Autoscaler')) {
      throw invalid('autoscale()', this.node.path, 'was already called: a pool has one autoscaler; pass every signal to one call');
    }
    requireDefined('options', options, 'prometheus and maxReplicas');
    const prometheus = options.prometheus;
    if (prometheus === null || typeof prometheus !== 'object' || typeof prometheus.serverAddress !== 'string') {
      throw invalid('prometheus', prometheus, 'must be the Prometheus the triggers query, e.g. { serverAddress: \'http://prometheus-operated.monitoring.svc:9090\' }');
    }
    const min = options.minReplicas ?? 1;
    const wakeOn = options.wakeOn;
    if (wakeOn !== undefined) requireWakeSignal(wakeOn);
    const signals = options.signals ?? [LlmSignal.queueDepth(this, 5), LlmSignal.kvCacheUsage(this, 0.8)];
    if (!Array.isArray(signals) || signals.length === 0) {
      throw invalid('signals', signals, 'must name at least one LlmSignal of this pool (e.g. LlmSignal.queueDepth(pool, 5)), or be left out for the defaults');
    }
    signals.forEach((s, i) => {
      if (!(s instanceof LlmSignal)) throw invalid(`signals[${i}]`, s, 'must be an LlmSignal');
      if (s.pool !== undefined && s.pool !== this) {
        throw invalid(`signals[${i}]`, s.kind, `reads pool '${s.pool.node.path}', not '${this.node.path}': a pool scales on its own load; build the signal from this pool`);
      }
    });
    if (!signals.some(s => s.metricType === KedaMetricType.AVERAGE_VALUE)) {
      throw invalid('signals', signals.map(s => s.kind), 'has no per-replica (AverageValue) signal: the fallback that holds replicas during a metrics outage needs one (KEDA); add LlmSignal.queueDepth or LlmSignal.kvCacheUsage');
    }
    const cooldown = min === 0 ? Duration.seconds(wholeSeconds('scaleToZeroCooldown', options.scaleToZeroCooldown ?? Duration.minutes(15))) : undefined;
    // At zero replicas the pool's series are absent: read that as 0, not as a scaler error
    // (which would fall back to replicas and wake the pool). Above zero, an absent metric is
    // a broken scrape: make it an error so the fallback holds the replicas.
    const ignoreNullValues = min === 0;
    const triggers: KedaTrigger[] = signals.map(s => s.trigger(options.prometheus, { ignoreNullValues }));
    if (wakeOn) triggers.push(wakeOn.trigger(options.prometheus, { activationThreshold: 0 }));
    (options.preWarm ?? []).forEach((w, i) => triggers.push(KedaTrigger.cron({
      timezone: w.timezone, start: w.start, end: w.end, desiredReplicas: w.replicas, name: `prewarm_${i}`,
    })));
    let scaledObject: KedaScaledObject;
    try {
      scaledObject = new KedaScaledObject(this, 'Autoscaler', {
        target: this,
        minReplicas: min,
        maxReplicas: options.maxReplicas,
        triggers,
        pollingInterval: Duration.seconds(15),
        cooldownPeriod: cooldown,
        // A new ScaledObject does not scale to zero before its first pods could have loaded.
        initialCooldownPeriod: min === 0 ? this.maxModelLoadTime : undefined,
        fallback: { replicas: options.fallbackReplicas ?? Math.max(min, 1) },
        behavior: options.behavior ?? ScalingBehaviors.GPU_POOL,
      });
    } catch (e) {
      // A refused autoscaler leaves no half-built child: the pool can still be autoscaled.
      this.node.tryRemoveChild('Autoscaler');
      throw e;
    }
    // Backends may be added after autoscale(): the wake group is checked at synth.
    if (wakeOn) this.node.addValidation({ validate: () => { const e = wakeGroupError(this, wakeOn); return e ? [e] : []; } });
    return scaledObject;
  }

  /**
   * Scrapes vLLM's `/metrics` (container port `http`, unauthenticated even with an API key)
   * on every pod of the pool with a PodMonitor, so that pods no Service routes to yet (still
   * loading) are scraped too.
   * @param discovery discovery labels (e.g. `{ release: 'kube-prometheus-stack' }`) and interval
   */
  public monitor(discovery: MonitorDiscovery): PodMetricsMonitor {
    return new PodMetricsMonitor(this, 'Monitor', { workload: this.deployment, port: 'http', discovery });
  }

  /** An RE2 pattern matching the names of the pool's pods (`<deployment>-<replicaset hash>-<pod hash>`). */
  public get podNamePattern(): string {
    return `${this.deployment.name}-[a-z0-9]+-[a-z0-9]+`;
  }

  /**
   * GPU utilization of the pool's pods from dcgm-exporter (percent 0 to 100, gauge), scoped
   * by namespace and the pool's pod names (`<deployment>-<hash>-<hash>`).
   */
  public metricGpuUtilization(): ScopedMetric {
    return new ScopedMetric(DcgmMetrics.GPU_UTIL, { namespace: this.namespace }, { pod: this.podNamePattern });
  }

  /**
   * Graphics-engine activity of the pool's GPUs from dcgm-exporter (a ratio 0 to 1, gauge;
   * a DCP profiling metric), scoped like `metricGpuUtilization()`.
   */
  public metricGpuEngineActive(): ScopedMetric {
    return new ScopedMetric(DcgmMetrics.GR_ENGINE_ACTIVE, { namespace: this.namespace }, { pod: this.podNamePattern });
  }

  /** Requests waiting in the engine queue (gauge): the primary scaling signal. */
  public metricRequestsWaiting(): ScopedMetric {
    return this.scoped(VllmMetrics.NUM_REQUESTS_WAITING);
  }

  /** Requests running on the engine (gauge). */
  public metricRequestsRunning(): ScopedMetric {
    return this.scoped(VllmMetrics.NUM_REQUESTS_RUNNING);
  }

  /** KV-cache usage, a fraction from 0 to 1 (gauge). */
  public metricKvCacheUsage(): ScopedMetric {
    return this.scoped(VllmMetrics.KV_CACHE_USAGE);
  }

  /** Time to first token, seconds (histogram). */
  public metricTimeToFirstToken(): ScopedMetric {
    return this.scoped(VllmMetrics.TIME_TO_FIRST_TOKEN);
  }

  /** End-to-end request latency, seconds (histogram). */
  public metricE2eRequestLatency(): ScopedMetric {
    return this.scoped(VllmMetrics.E2E_REQUEST_LATENCY);
  }

  /** Time requests spent queued, seconds (histogram). */
  public metricRequestQueueTime(): ScopedMetric {
    return this.scoped(VllmMetrics.REQUEST_QUEUE_TIME);
  }

  /** Inter-token latency, seconds (histogram). */
  public metricInterTokenLatency(): ScopedMetric {
    return this.scoped(VllmMetrics.INTER_TOKEN_LATENCY);
  }

  /** Preemptions (counter): KV cache too small for the load. */
  public metricPreemptions(): ScopedMetric {
    return this.scoped(VllmMetrics.NUM_PREEMPTIONS);
  }

  /** Prompt tokens processed (counter). */
  public metricPromptTokens(): ScopedMetric {
    return this.scoped(VllmMetrics.PROMPT_TOKENS);
  }

  /** Generated tokens (counter). */
  public metricGenerationTokens(): ScopedMetric {
    return this.scoped(VllmMetrics.GENERATION_TOKENS);
  }

  /** Finished requests by `finished_reason` (counter). */
  public metricRequestSuccess(): ScopedMetric {
    return this.scoped(VllmMetrics.REQUEST_SUCCESS);
  }

  private scoped(definition: MetricDefinition): ScopedMetric {
    return new ScopedMetric(definition, { namespace: this.namespace, model_name: this.servedModelName });
  }

  private addSecretEnv(name: string, ref: SecretKeyRef): void {
    const secret = kplus.Secret.fromSecretName(this, `Secret${name}`, ref.secretName);
    this.container.env.addVariable(name, kplus.EnvValue.fromSecretValue({ secret, key: ref.key }));
  }

  private mountModelCache(cache: ModelCache, replicas: number, labels: Record<string, string>): kplus.PersistentVolumeClaim | undefined {
    const s = cache.settings;
    if (cache.kind === ModelCacheKind.EMPTY_DIR) {
      this.container.mount(CACHE_DIR, kplus.Volume.fromEmptyDir(this, 'CacheVolume', 'model-cache', { sizeLimit: s.sizeLimit }));
      return undefined;
    }
    if (cache.kind === ModelCacheKind.EXISTING_CLAIM) {
      const claim = kplus.PersistentVolumeClaim.fromClaimName(this, 'CacheClaim', s.claimName!);
      this.container.mount(CACHE_DIR, kplus.Volume.fromPersistentVolumeClaim(this, 'CacheVolume', claim, { name: 'model-cache' }));
      return undefined;
    }
    if (s.accessMode === CacheAccessMode.READ_WRITE_ONCE && replicas > 1) {
      throw invalid('modelCache.accessMode', s.accessMode, `cannot serve ${replicas} replicas: a ReadWriteOnce volume attaches to one node; use CacheAccessMode.READ_WRITE_MANY, or set replicas to 1`);
    }
    const claim = new kplus.PersistentVolumeClaim(this, 'CacheClaim', {
      metadata: { labels },
      storage: s.size,
      storageClassName: s.storageClassName,
      accessModes: [s.accessMode === CacheAccessMode.READ_WRITE_ONCE ? kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE : kplus.PersistentVolumeAccessMode.READ_WRITE_MANY],
    });
    this.container.mount(CACHE_DIR, kplus.Volume.fromPersistentVolumeClaim(this, 'CacheVolume', claim, { name: 'model-cache' }));
    return claim;
  }

  private schedule(props: VllmPoolProps): void {
    const scheduling = this.deployment.scheduling;
    // One term: its expressions are ANDed (separate terms would be ORed).
    const required = { ...props.accelerator.nodeSelector, ...props.nodeSelector };
    const queries = Object.entries(required).map(([k, v]) => kplus.NodeLabelQuery.is(k, v));
    if (queries.length) scheduling.attract(kplus.Node.labeled(...queries));
    if (props.accelerator.taintKey) {
      scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.exists(props.accelerator.taintKey, { effect: kplus.TaintEffect.NO_SCHEDULE })));
    }
    if (props.capacity) {
      const c = props.capacity;
      scheduling.attract(kplus.Node.labeled(kplus.NodeLabelQuery.is(c.nodeLabel ?? KARPENTER_CAPACITY_TYPE, c.labelValue ?? c.prefer)), { weight: c.weight ?? 100 });
    }
    if ((props.placement ?? PoolPlacement.SPREAD) === PoolPlacement.SPREAD) {
      preferSpread(this.deployment);
    } else {
      scheduling.colocate(this.deployment, { topology: kplus.Topology.HOSTNAME, weight: 100 });
    }
  }

  private patchPodSpec(props: VllmPoolProps, extended: Record<string, number>): void {
    const podSpec = '/spec/template/spec';
    const deployment = ApiObject.of(this.deployment);
    // A Service named `vllm` anywhere in the namespace would inject VLLM_PORT=tcp://… (FACTS §A.3).
    deployment.addJsonPatch(JsonPatch.add(`${podSpec}/enableServiceLinks`, false));
    if (props.priorityClassName) deployment.addJsonPatch(JsonPatch.add(`${podSpec}/priorityClassName`, props.priorityClassName));
    if (props.runtimeClassName) deployment.addJsonPatch(JsonPatch.add(`${podSpec}/runtimeClassName`, props.runtimeClassName));
    // cdk8s-plus offers no extended resources. Patches apply before the typed L1 mapping,
    // which reads resource values as k8s.Quantity: patch in Quantities, not bare numbers.
    for (const [name, count] of Object.entries(extended)) {
      const key = name.replace(/~/g, '~0').replace(/\//g, '~1');
      const quantity = kplus.k8s.Quantity.fromNumber(count);
      deployment.addJsonPatch(JsonPatch.add(`${podSpec}/containers/0/resources/requests/${key}`, quantity));
      deployment.addJsonPatch(JsonPatch.add(`${podSpec}/containers/0/resources/limits/${key}`, quantity));
    }
  }
}

/**
 * Surge one pod and never drop below the current capacity (a GPU pod is slow to replace),
 * except on a ReadWriteOnce cache: its volume attaches to one node, so the old pod goes first.
 */
function rolloutStrategy(cache: ModelCache): kplus.DeploymentStrategy {
  const singleAttach = cache.kind === ModelCacheKind.NEW_CLAIM && cache.settings.accessMode === CacheAccessMode.READ_WRITE_ONCE;
  return kplus.DeploymentStrategy.rollingUpdate({
    maxSurge: kplus.PercentOrAbsolute.absolute(singleAttach ? 0 : 1),
    maxUnavailable: kplus.PercentOrAbsolute.absolute(singleAttach ? 1 : 0),
  });
}

/** `org/Model-Name` → `Model-Name`. */
function defaultServedName(model: string): string {
  const segments = model.split('/').filter(s => s !== '');
  return segments[segments.length - 1] ?? model;
}

function poolResources(props: VllmPoolProps): { cpu: kplus.Cpu; memory: Size } {
  const devices = Math.max(props.accelerator.count, 1);
  const cpuOnly = props.accelerator.kind === AcceleratorKind.CPU;
  return {
    cpu: props.resources?.cpu ?? kplus.Cpu.units(4 * devices),
    memory: props.resources?.memory ?? Size.gibibytes(cpuOnly ? 16 : 32 * devices),
  };
}

function requireShmBelowMemory(shm: Size, memory: Size): void {
  if (!(shm.toMebibytes() > 0)) throw invalid('shmSize', `${shm.toMebibytes()}Mi`, 'must be greater than 0');
  if (shm.toMebibytes() >= memory.toMebibytes()) {
    throw invalid('shmSize', `${shm.toMebibytes()}Mi`, `must be less than the memory limit (${memory.toMebibytes()}Mi): /dev/shm is memory-backed and counts against it`);
  }
}

function validateProps(props: VllmPoolProps, servedModelName: string): void {
  if (!props.model.trim() || /\s/.test(props.model)) {
    throw invalid('model', props.model, 'must be a Hugging Face repository id or a path, without whitespace');
  }
  if (props.revision !== undefined && (!props.revision.trim() || /\s/.test(props.revision))) {
    throw invalid('revision', props.revision, 'must be a branch, tag or commit, without whitespace');
  }
  if (props.hfToken) validateSecretRef('hfToken', props.hfToken);
  if (props.apiKey) validateSecretRef('apiKey', props.apiKey);
  if (servedModelName === '') throw invalid('servedModelName', servedModelName, 'must not be empty');
  requireLabelValue('servedModelName', servedModelName);

  const accelerator = props.accelerator;
  if (accelerator.needsCustomImage && props.image === undefined) {
    throw invalid('image', undefined, `must be set for accelerator kind ${accelerator.kind}: ${VLLM_IMAGE} is built for NVIDIA CUDA; name a vLLM image built for ${accelerator.kind}`);
  }
  if (props.image !== undefined && (!props.image.trim() || /\s/.test(props.image))) {
    throw invalid('image', props.image, 'must be an image reference without whitespace');
  }

  const engine = props.engine ?? {};
  const tp = engine.tensorParallelSize ?? 1;
  const pp = engine.pipelineParallelSize ?? 1;
  if (accelerator.kind === AcceleratorKind.NVIDIA_MIG && tp > 1) {
    throw invalid('engine.tensorParallelSize', tp, `must be 1 on a MIG slice (${accelerator.resourceName}): a pod gets one MIG device, and a container must not request two MIG types`);
  }
  if (Number.isInteger(tp) && Number.isInteger(pp) && tp * pp !== accelerator.devicesPerPod) {
    throw invalid('engine.tensorParallelSize', tp, `× pipelineParallelSize (${pp}) must equal the ${accelerator.devicesPerPod} accelerator devices per pod (${accelerator.resourceName ?? 'cpu'}): vLLM spreads one model over exactly that many`);
  }

  for (const [name, count] of Object.entries(props.extendedResources ?? {})) {
    if (ACCELERATOR_RESOURCE.test(name)) {
      throw invalid(`extendedResources.${name}`, count, `is an accelerator resource: a pool runs on one accelerator type, set by 'accelerator' (${accelerator.resourceName ?? 'cpu'})`);
    }
    if (!EXTENDED_RESOURCE.test(name)) {
      throw invalid('extendedResources', name, 'must be an extended resource name like \'vpc.amazonaws.com/efa\' (<domain>/<name>)');
    }
    requirePositiveInteger(`extendedResources.${name}`, count);
  }

  const maxLoad = props.maxModelLoadTime;
  if (maxLoad && !(maxLoad.toSeconds() >= PROBE_PERIOD_SECONDS)) {
    throw invalid('maxModelLoadTime', `${maxLoad.toSeconds()}s`, `must be at least the startup probe period (${PROBE_PERIOD_SECONDS}s); loading a model usually takes minutes`);
  }
  if (props.maxRequestDuration) requirePositive('maxRequestDuration', props.maxRequestDuration.toSeconds());
  if (props.slo?.ttftP95) requirePositive('slo.ttftP95', props.slo.ttftP95.toMilliseconds());
  if (props.slo?.e2eLatencyP99) requirePositive('slo.e2eLatencyP99', props.slo.e2eLatencyP99.toMilliseconds());
  if (props.slo?.queuePerReplica !== undefined) requirePositive('slo.queuePerReplica', props.slo.queuePerReplica);
  if (props.drainDelay) requirePositive('drainDelay', props.drainDelay.toSeconds());
  if (props.replicas !== undefined) requirePositiveInteger('replicas', props.replicas);
  if (props.maxUnavailable !== undefined) requirePositiveInteger('maxUnavailable', props.maxUnavailable);
  if (props.runAsUser !== undefined) requireNonNegativeInteger('runAsUser', props.runAsUser);
  if (props.priorityClassName !== undefined) requireDnsSubdomain('priorityClassName', props.priorityClassName);
  if (props.runtimeClassName !== undefined) requireDnsSubdomain('runtimeClassName', props.runtimeClassName);
  for (const [key, value] of Object.entries(props.nodeSelector ?? {})) requireLabelValue(`nodeSelector.${key}`, value);
  if (props.capacity) {
    const weight = props.capacity.weight;
    if (weight !== undefined && !(Number.isInteger(weight) && weight >= 1 && weight <= 100)) {
      throw invalid('capacity.weight', weight, 'must be a whole number from 1 to 100');
    }
    if (props.capacity.labelValue !== undefined) requireLabelValue('capacity.labelValue', props.capacity.labelValue);
  }
  if (props.serviceName !== undefined) {
    if (props.serviceName === 'vllm') {
      throw invalid('serviceName', props.serviceName, 'must not be "vllm": Kubernetes would inject VLLM_PORT=tcp://… into pods of the namespace and vLLM refuses to start; choose another name');
    }
    if (props.serviceName.length > 63 || !DNS1035_LABEL.test(props.serviceName)) {
      throw invalid('serviceName', props.serviceName, 'must be a DNS-1035 label: at most 63 lower-case alphanumerics or \'-\', starting with a letter and ending with an alphanumeric');
    }
  }
}
