import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { drainScript, modelReadyScript } from './_probes';
import {
  boundedSeconds, defaultServedName, poolResources, requireEnum, requireFlag, requireModel, requireServicePort, resolveSlo,
  requireShmBelowMemory, resolveVersion, validateCapacity, validateCounts, validateExtendedResources, validateIdentity, validateServiceName,
} from './_pool-props';
import { autoscalePool } from './_pool-autoscale';
import { loraRequestsInfoMetric } from './_pool-metrics';
import { ScrapedPods, VllmPoolBase } from './_vllm-pool-base';
import { ENGINE_READY_TIMEOUT_SINCE, SHUTDOWN_TIMEOUT_SINCE, atLeast } from './_version';
import { Accelerator, AcceleratorKind, requireAccelerator } from './accelerator';
import { VllmEngineOptions, escapeArg, renderEngineArgs } from './engine-options';
import { LoraAdapter, ResolvedLora, loraArgs, resolveLora } from './lora-adapter';
import { CacheAccessMode, ModelCache, ModelCacheKind, requireModelCache } from './model-cache';
import { LABEL_INSTANCE, LABEL_NAME, POOL_IDENTITY_KIND, recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { baseName, claimName } from '../core/_naming';
import { podDisruptionBudget, preferSpread, selectByLabels } from '../core/_workload';
import { hardenedContainer, hardenedPod } from '../core/_security';
import { PodUser, requirePodUser } from '../core/pod-user';
import { invalid } from '../core/_validation';
import { SecretKeyRef } from '../core/secret-ref';
import { HostedVllmBackend } from '../litellm/config';
import { ScalingBehavior } from '../autoscaling/behavior';
import { KedaScaledObject } from '../autoscaling/keda-scaled-object';
import { LlmSignal, PrometheusSource } from '../autoscaling/llm-signal';
import type { ScaleTarget } from '../autoscaling/scale-target';
import { VllmMetrics } from '../metrics/catalog';
import { NetworkPeer, requireNetworkPeer } from '../network/network-peer';
import { WorkloadNetworkPolicy } from '../network/workload-network-policy';
import { ScopedMetric } from '../metrics/scoped-metric';

/**
 * The pinned vLLM image for NVIDIA GPUs and MIG slices (CUDA). Its entrypoint is
 * `vllm serve` (FACTS §A.5); its tag is the vLLM version the pool gates flags on.
 */
export const VLLM_IMAGE = 'vllm/vllm-openai:v0.26.0';
/** vLLM's HTTP port (FACTS §A.1). */
export const VLLM_PORT = 8000;

const CACHE_DIR = '/models';
const TMP_DIR = '/tmp';
const PROBE_PERIOD_SECONDS = 10;
const PROBE_TIMEOUT_SECONDS = 5;
const KARPENTER_CAPACITY_TYPE = 'karpenter.sh/capacity-type';
/** The uid the pool runs as by default (the upstream image has no USER and would run as root). */
const DEFAULT_UID = 1000;

/** How a pool's Service is exposed. */
export enum PoolServiceType {
  /** In-cluster only (behind a proxy). */
  CLUSTER_IP = 'ClusterIP',
  /** A cloud load balancer: a pool served to clients directly, without a proxy. */
  LOAD_BALANCER = 'LoadBalancer',
}

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
   * The base name of the pool's objects: the Deployment, the PodDisruptionBudget and the
   * PodMonitor are named `<name>`, the model cache claim `<name>-model-cache`, the Service
   * `<serviceName ?? name>`. It is also the pool's identity: the pods' label
   * `app.kubernetes.io/instance` and the `pool` label of every series scraped from them.
   * A DNS-1035 label; changing it renames (so replaces) every object of the pool.
   * @default - the construct id
   */
  readonly name?: string;
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
   * metric. Must be a valid Kubernetes label value, and not an `os.environ/` reference
   * (LiteLLM would read it as one). vLLM flag: `--served-model-name`.
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
  /**
   * The vLLM version in `image` (`'0.16.0'`), which decides the flags and environment the
   * pool renders: `--shutdown-timeout` from 0.18.0 (older releases drain by the preStop hook
   * and the grace period alone), `VLLM_ENGINE_READY_TIMEOUT_S` from 0.16.0. Releases before
   * 0.11.0 are refused. Required for every image but `vllm/vllm-openai:vX.Y.Z`, whose tag
   * is the version (a custom build's tag names the build: for a Neuron image, the vLLM its
   * vllm-neuron release installs).
   * @default - the version in the tag of a `vllm/vllm-openai:vX.Y.Z` image
   */
  readonly vllmVersion?: string;
  /**
   * LoRA adapters served on top of the base model, each under its own model name
   * (`--enable-lora --lora-modules <name>=<source> ...`). `LiteLLMProxy.addBackend()` lists
   * each as its own model group `hosted_vllm/<adapter name>` at the pool's URL.
   * @default - none (LoRA disabled)
   */
  readonly loraAdapters?: LoraAdapter[];
  /**
   * How many adapters one batch can serve (`--max-loras`, at least 1). Requires `loraAdapters`.
   * @default - the number of adapters
   */
  readonly maxLoras?: number;
  /**
   * The largest adapter rank the pool accepts (`--max-lora-rank`): one of 1, 8, 16, 32, 64,
   * 128, 256, 320, 512 (vllm/config/lora.py `MaxLoRARanks`). Requires `loraAdapters`.
   * @default 16 (vLLM's default)
   */
  readonly maxLoraRank?: number;
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
   * weight loading and CUDA-graph capture included. Sizes the startup probe (until it
   * passes, liveness does not run) and vLLM's own wait for its engine
   * (`VLLM_ENGINE_READY_TIMEOUT_S`, 600 s by default, from vLLM 0.16.0; older releases wait
   * a fixed 600 s). Whole seconds, from 10 s to a day.
   * @default Duration.minutes(20)
   */
  readonly maxModelLoadTime?: Duration;
  /**
   * The longest request the pool serves. On scale-down a pod waits this long for in-flight
   * requests: vLLM 0.18.0 and later stop taking requests and drain (`--shutdown-timeout`);
   * on older releases the preStop hook holds SIGTERM until no request is running (vLLM
   * aborts in-flight requests on SIGTERM). The grace period covers it. Whole seconds, at most a day.
   * @default Duration.minutes(10)
   */
  readonly maxRequestDuration?: Duration;
  /**
   * How long a terminating pod keeps serving before SIGTERM (preStop sleep), so endpoint
   * removal reaches the proxy first. Whole seconds, at most a day.
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
   * The Service name, when it should differ from `name`. Never `vllm`: Kubernetes would
   * inject `VLLM_PORT=tcp://…` into pods of the namespace and vLLM refuses to start
   * (FACTS §A.3).
   * @default - the pool's `name`
   */
  readonly serviceName?: string;
  /**
   * How the Service is exposed. A `LoadBalancer` pool serves clients without a proxy, so:
   * it needs `apiKey` (without one every caller on the load balancer's network is served),
   * its NetworkPolicy must name its sources in `network.allowFrom` (the load balancer's
   * traffic does not come from pods), and the Service keeps the client's source address
   * (`externalTrafficPolicy: Local`: nodes deliver to their own pods "without masquerading
   * the client source IP", `kubectl explain service.spec.externalTrafficPolicy`) so that those
   * sources are what the policy sees. A load balancer that proxies (rather than passes)
   * connections shows its own addresses instead: name those.
   * @default PoolServiceType.CLUSTER_IP
   */
  readonly serviceType?: PoolServiceType;
  /**
   * The Service port; it forwards to vLLM's port 8000 (e.g. a load balancer on 80).
   * Kubernetes name: `spec.ports[0].port`.
   * @default 8000
   */
  readonly servicePort?: number;
  /** PodDisruptionBudget `maxUnavailable`. @default 1 */
  readonly maxUnavailable?: number;
  /** Thresholds of the pool's alerts. @default - the PoolSlo defaults */
  readonly slo?: PoolSlo;
  /**
   * The user the container runs as. The upstream image has no `USER` and defaults to root;
   * the pool runs it as uid 1000 with `HOME` on a writable emptyDir instead.
   * `PodUser.fixed(0)` runs as root, for images that need it; `PodUser.platformAssigned()`
   * pins no uid, for platforms that assign one (OpenShift `restricted-v2`).
   * @default PodUser.fixed(1000)
   */
  readonly user?: PodUser;
  /**
   * The pool's NetworkPolicy. vLLM's `--api-key` guards only `/v1`, `/v2` and `/inference`;
   * `/invocations` (the same inference) and `/metrics` stay open (FACTS §A.3), so the policy
   * is the real gate: ingress on the vLLM port only from the proxies that route to the pool
   * (`proxy.addBackend()`), the Prometheus that scrapes it (`monitor()` with
   * `discovery.scraper`) and the peers named here.
   * @default - on, ingress only; egress open
   */
  readonly network?: PoolNetworkOptions;
}

/** The NetworkPolicy of a `VllmPool`. */
export interface PoolNetworkOptions {
  /** Render the NetworkPolicy. @default true */
  readonly enabled?: boolean;
  /**
   * More sources admitted to the vLLM port, e.g. a batch client's namespace. The proxies that
   * route to the pool and its scraper are admitted without being named here.
   * @default - none
   */
  readonly allowFrom?: NetworkPeer[];
  /**
   * Restrict egress to cluster DNS and HTTPS on port 443 (model downloads from Hugging Face).
   * @default false
   */
  readonly restrictEgress?: boolean;
}

/**
 * A pool of identical vLLM servers (`vllm serve`) for one model on one accelerator type:
 * the unit the proxy load-balances over and the autoscalers scale.
 *
 * Renders a Deployment (model first in the args, accelerator requests equal to limits,
 * `/dev/shm` in memory, a startup probe budgeted from `maxModelLoadTime` that passes only
 * once the model is served, a graceful drain sized from `maxRequestDuration`), a Service
 * (port `http` 8000), a PodDisruptionBudget and, optionally, a PersistentVolumeClaim for
 * the model cache, all named from `name` (default: the construct id).
 *
 * @example
 * const llama = new VllmPool(chart, 'llama-3-1-8b', {
 *   model: 'meta-llama/Llama-3.1-8B-Instruct',
 *   servedModelName: 'llama-3-1-8b',
 *   accelerator: Accelerator.nvidiaGpu(1),
 *   hfToken: { secretName: 'hf', key: 'token' },
 * });
 * llama.monitor({ labels: { release: 'kube-prometheus-stack' } });
 * proxy.addBackend(llama);
 */
export class VllmPool extends VllmPoolBase implements HostedVllmBackend {
  /**
   * The Deployment (autoscalers target it; when one does, `spec.replicas` is not rendered).
   * Its `matchLabels` (`app.kubernetes.io/name: vllm`, `app.kubernetes.io/instance: <name>`)
   * select the pool's pods, e.g. in a NetworkPolicy.
   */
  public readonly deployment: kplus.Deployment;
  /** The vLLM container. */
  public readonly container: kplus.Container;
  /** The Service in front of the pods. */
  public readonly service: kplus.Service;
  /** The model cache claim, when the pool creates one. */
  public readonly cacheClaim?: kplus.PersistentVolumeClaim;
  /** The pool's name: base name of its objects, its pods' instance label, its series' `pool` label. */
  public readonly name: string;
  /** The name the model is served under (`--served-model-name`, metric label `model_name`). */
  public readonly servedModelName: string;
  /** The vLLM version of the image, given or read from its tag. */
  public readonly vllmVersion: string;
  /** The names of the pool's LoRA adapters, in declaration order (empty without adapters). */
  public readonly loraAdapterNames: readonly string[];
  /** The accelerator of every pod. */
  public readonly accelerator: Accelerator;
  /** The user the pods run as. */
  public readonly user: PodUser;
  /** The Secret holding the API key, if any. */
  public readonly apiKey?: SecretKeyRef;
  /** The namespace of every object. */
  public readonly namespace: string;
  /** The Service port. */
  public readonly port = VLLM_PORT;
  /** The Service port (`servicePort`, default 8000), forwarding to the container's `port`. */
  public readonly servicePort: number;
  /** How the Service is exposed. */
  public readonly serviceType: PoolServiceType;
  /** The OpenAI base URL, `http://<service>.<namespace>.svc.cluster.local:<servicePort>/v1`. */
  public readonly url: string;
  /** The startup budget of a pod: model download, load and warm-up. */
  public readonly maxModelLoadTime: Duration;
  /** The longest request the pool serves (`maxRequestDuration`, default 10 minutes): what a route in front of it must allow. */
  public readonly maxRequestDuration: Duration;
  /** The pool's SLOs, defaults applied. */
  public readonly slo: Required<PoolSlo>;
  /** `--gpu-memory-utilization`, or vLLM's default 0.9. */
  public readonly gpuMemoryUtilization: number;
  /** The pool's NetworkPolicy, unless `network.enabled` is false. */
  public readonly networkPolicy?: WorkloadNetworkPolicy;

  public constructor(scope: Construct, id: string, props: VllmPoolProps) {
    super(scope, id);
    const namespace = this.namespace = requireChartNamespace(this, 'VllmPool');
    if (typeof props !== 'object' || props === null) throw invalid('props', props, 'must be the props of the pool: { model, accelerator, ... }');
    const name = this.name = baseName(this, 'name', props.name);
    const model = requireModel(props.model);
    const accelerator = this.accelerator = requireAccelerator('accelerator', props.accelerator);
    const servedModelName = this.servedModelName = props.servedModelName ?? defaultServedName(model);
    validateProps(props, servedModelName);
    const lora: ResolvedLora | undefined = resolveLora(props.loraAdapters, props.maxLoras, props.maxLoraRank, servedModelName, CACHE_DIR);
    this.loraAdapterNames = lora ? lora.adapters.map(a => a.name) : [];
    this.apiKey = props.apiKey;
    const image = props.image ?? VLLM_IMAGE;
    const version = this.vllmVersion = resolveVersion(image, props.vllmVersion);
    const user = this.user = props.user === undefined ? PodUser.fixed(DEFAULT_UID) : requirePodUser('user', props.user);

    const engine = props.engine ?? {};
    const parallelism = (engine.tensorParallelSize ?? 1) * (engine.pipelineParallelSize ?? 1);
    const maxLoad = this.maxModelLoadTime = props.maxModelLoadTime ?? Duration.minutes(20);
    const maxLoadSeconds = boundedSeconds('maxModelLoadTime', maxLoad, 1);
    if (maxLoadSeconds < PROBE_PERIOD_SECONDS) {
      throw invalid('maxModelLoadTime', `${maxLoadSeconds}s`, `must be at least the startup probe period (${PROBE_PERIOD_SECONDS}s); loading a model usually takes minutes`);
    }
    const maxRequestSeconds = boundedSeconds('maxRequestDuration', props.maxRequestDuration ?? Duration.minutes(10), 1);
    this.maxRequestDuration = Duration.seconds(maxRequestSeconds);
    const drainDelaySeconds = boundedSeconds('drainDelay', props.drainDelay ?? Duration.seconds(15), 1);
    this.slo = resolveSlo(props.slo);
    this.gpuMemoryUtilization = engine.gpuMemoryUtilization ?? 0.9;
    const resources = poolResources(props);
    const shmSize = props.shmSize ?? Size.gibibytes(parallelism > 1 ? 20 : 2);
    requireShmBelowMemory(shmSize, resources.memory);
    const cache = props.modelCache === undefined ? ModelCache.emptyDir() : requireModelCache('modelCache', props.modelCache);
    const replicas = props.replicas ?? 2;
    if (cache.kind === ModelCacheKind.NEW_CLAIM && cache.settings.accessMode === CacheAccessMode.READ_WRITE_ONCE && replicas > 1) {
      throw invalid('modelCache.accessMode', cache.settings.accessMode, `cannot serve ${replicas} replicas: a ReadWriteOnce volume attaches to one node; use CacheAccessMode.READ_WRITE_MANY, or set replicas to 1`);
    }
    const engineArgs = renderEngineArgs(engine);

    // Every object name comes from the pool's name, claimed before anything is rendered so a
    // clash names both constructs instead of overwriting an object on apply.
    const serviceName = props.serviceName ?? name;
    const serviceType = this.serviceType = props.serviceType === undefined ? PoolServiceType.CLUSTER_IP : props.serviceType;
    requireEnum('serviceType', serviceType, PoolServiceType);
    const servicePort = this.servicePort = props.servicePort === undefined ? VLLM_PORT : requireServicePort(props.servicePort);
    if (serviceType === PoolServiceType.LOAD_BALANCER && props.apiKey === undefined) {
      throw invalid('apiKey', undefined, 'must be set on a LoadBalancer pool: without a proxy in front, vLLM serves every caller that reaches the load balancer; set apiKey to a Secret reference (vLLM checks it on /v1), and name the sources in network.allowFrom');
    }
    if (serviceName === 'vllm') {
      const prop = props.serviceName === undefined ? 'name' : 'serviceName';
      throw invalid(prop, serviceName, `${prop === 'name' ? 'names the Service too: it ' : ''}must not be "vllm": Kubernetes would inject VLLM_PORT=tcp://… into pods of the namespace and vLLM refuses to start; choose another name`);
    }
    claimName(this, 'Deployment', name, namespace);
    claimName(this, POOL_IDENTITY_KIND, name, namespace);
    claimName(this, 'Service', serviceName, namespace, props.serviceName === undefined ? 'name' : 'serviceName');
    claimName(this, 'PodDisruptionBudget', name, namespace);
    const claimedCacheName = cache.kind === ModelCacheKind.NEW_CLAIM
      ? claimName(this, 'PersistentVolumeClaim', `${name}-model-cache`, namespace) : undefined;

    const labels = recommendedLabels('vllm', name, 'model-server');
    // Select by the pool's own stable labels, not cdk8s-plus's construct-path address label:
    // a Deployment's selector is immutable, so it must survive a refactor of the code.
    const selector = { [LABEL_NAME]: labels[LABEL_NAME], [LABEL_INSTANCE]: name };

    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: { name, labels },
      podMetadata: { labels },
      select: false,
      // Unset unless given: cdk8s-plus renders 2, or nothing once an autoscaler owns the Deployment.
      replicas: props.replicas,
      strategy: rolloutStrategy(cache),
      // A rollout may legitimately spend the whole model load budget on one pod.
      progressDeadline: Duration.seconds(maxLoadSeconds + 600),
      terminationGracePeriod: Duration.seconds(drainDelaySeconds + maxRequestSeconds + 15),
      securityContext: hardenedPod(user),
      automountServiceAccountToken: false,
    });
    selectByLabels(this.deployment, selector);

    // vLLM before 0.18.0 has no --shutdown-timeout and exits on the unknown flag (FACTS §A.3).
    const drainsItself = atLeast(version, SHUTDOWN_TIMEOUT_SINCE);
    // The kubelet expands $(VAR) in container args: every value from user input is escaped
    // (engine values and extraArgs by renderEngineArgs; the served name is a label value).
    const args = [
      escapeArg(model),
      '--served-model-name', servedModelName,
      '--port', String(VLLM_PORT),
      ...(props.revision !== undefined ? ['--revision', escapeArg(props.revision)] : []),
      ...(drainsItself ? ['--shutdown-timeout', String(maxRequestSeconds)] : []),
      ...engineArgs,
      // Last: --lora-modules takes every following value (nargs '+').
      ...(lora ? loraArgs(lora) : []),
    ];
    const readyCheck = ['python3', '-c', modelReadyScript(servedModelName, VLLM_PORT)];
    const preStop = drainsItself
      ? ['sleep', String(drainDelaySeconds)]
      : ['python3', '-c', drainScript(drainDelaySeconds, maxRequestSeconds, VLLM_PORT,
        [VllmMetrics.NUM_REQUESTS_RUNNING.name, VllmMetrics.NUM_REQUESTS_WAITING.name])];

    const env: Record<string, kplus.EnvValue> = {
      HF_HOME: kplus.EnvValue.fromValue(CACHE_DIR),
      // Caches of vLLM, Triton, torch.compile and FlashInfer go under $HOME (/tmp is writable).
      HOME: kplus.EnvValue.fromValue(TMP_DIR),
      // torch resolves the user name from $USER before the passwd file, which has no entry for the uid.
      USER: kplus.EnvValue.fromValue('vllm'),
      VLLM_NO_USAGE_STATS: kplus.EnvValue.fromValue('1'),
    };
    // vLLM's engine client gives up after VLLM_ENGINE_READY_TIMEOUT_S (600 s by default;
    // vllm/envs.py, PRs #27444 and #35616): a large model loads for longer, so it gets the
    // pod's whole startup budget. Releases without the variable wait a fixed 600 s.
    if (atLeast(version, ENGINE_READY_TIMEOUT_SINCE)) env.VLLM_ENGINE_READY_TIMEOUT_S = kplus.EnvValue.fromValue(String(maxLoadSeconds));

    this.container = this.deployment.addContainer({
      name: 'vllm',
      image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args,
      ports: [{ name: 'http', number: VLLM_PORT }],
      envVariables: env,
      // Until the model is served; liveness waits for it.
      startup: kplus.Probe.fromCommand(readyCheck, {
        periodSeconds: Duration.seconds(PROBE_PERIOD_SECONDS),
        timeoutSeconds: Duration.seconds(PROBE_TIMEOUT_SECONDS),
        failureThreshold: Math.ceil(maxLoadSeconds / PROBE_PERIOD_SECONDS),
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
      lifecycle: { preStop: kplus.Handler.fromCommand(preStop) },
      resources: {
        cpu: { request: resources.cpu },
        memory: { request: resources.memory, limit: resources.memory },
      },
      // A platform-assigned uid (OpenShift restricted-v2: an arbitrary uid from the namespace's
      // range, gid 0) still runs vLLM: nothing it writes is in the read-only image. HOME, the
      // caches and /dev/shm are emptyDirs, which are world-writable; a created cache claim is
      // group-writable through the fsGroup the platform assigns; USER spares the passwd lookup.
      securityContext: hardenedContainer(user),
    });

    if (props.hfToken) this.addSecretEnv('HF_TOKEN', props.hfToken);
    if (props.apiKey) this.addSecretEnv('VLLM_API_KEY', props.apiKey);

    this.cacheClaim = this.mountModelCache(cache, labels, claimedCacheName);
    this.container.mount('/dev/shm', kplus.Volume.fromEmptyDir(this, 'ShmVolume', 'shm', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: shmSize }));
    this.container.mount(TMP_DIR, kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp', { sizeLimit: Size.gibibytes(10) }));

    this.schedule(props);
    this.patchPodSpec(props, { ...accelerator.resources, ...props.extendedResources });

    const loadBalancer = serviceType === PoolServiceType.LOAD_BALANCER;
    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: serviceName, labels },
      type: loadBalancer ? kplus.ServiceType.LOAD_BALANCER : kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'http', port: servicePort, targetPort: VLLM_PORT }],
    });
    for (const [key, value] of Object.entries(selector)) this.service.selectLabel(key, value);
    if (loadBalancer) {
      // With the default `Cluster` policy, a node forwarding to a pod on another node replaces
      // the client's address with its own, so a NetworkPolicy naming the clients' CIDRs would
      // see node addresses. `Local` keeps the client's address and sends traffic only to nodes
      // running a ready pod (https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#preserving-the-client-source-ip).
      ApiObject.of(this.service).addJsonPatch(JsonPatch.add('/spec/externalTrafficPolicy', 'Local'));
    }
    this.url = `http://${serviceName}.${namespace}.svc.cluster.local:${servicePort}/v1`;

    podDisruptionBudget(this, name, this.deployment, labels, props.maxUnavailable ?? 1);

    this.networkPolicy = this.renderNetworkPolicy(props.network, name, labels, loadBalancer);
  }

  /**
   * Admits a peer to the vLLM port through the pool's NetworkPolicy (a no-op when the pool
   * has none). `proxy.addBackend()` calls it for the proxy's pods.
   * @param peer who may connect
   * @param reason why, e.g. `LiteLLMProxy 'litellm' routes to it`
   */
  public allowFrom(peer: NetworkPeer, reason = 'allowed by the user'): void {
    this.networkPolicy?.allowFrom(peer, [{ port: VLLM_PORT }], reason);
  }

  /** The pool's pods, as a NetworkPolicy peer (its stable selector labels in its namespace). */
  public get peer(): NetworkPeer {
    return NetworkPeer.pods(this.namespace, { ...this.deployment.matchLabels });
  }

  private renderNetworkPolicy(options: PoolNetworkOptions | undefined, name: string, labels: Record<string, string>, loadBalancer: boolean): WorkloadNetworkPolicy | undefined {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw invalid('network', options, 'must be PoolNetworkOptions { enabled?, allowFrom?, restrictEgress? }');
    }
    const enabled = options?.enabled === undefined ? true : requireFlag('network.enabled', options.enabled);
    if (!enabled) return undefined;
    const restrictEgress = options?.restrictEgress === undefined ? false : requireFlag('network.restrictEgress', options.restrictEgress);
    const allowFrom = options?.allowFrom ?? [];
    if (!Array.isArray(allowFrom)) throw invalid('network.allowFrom', allowFrom, 'must be a list of NetworkPeer');
    allowFrom.forEach((p, i) => requireNetworkPeer(`network.allowFrom[${i}]`, p));
    if (loadBalancer && options?.allowFrom === undefined) {
      throw invalid('network.allowFrom', undefined, 'must name who may call a LoadBalancer pool: its traffic does not come from pods of the cluster. Use the clients\' CIDRs with NetworkPeer.ipBlock() (the Service keeps their source address), NetworkPeer.anywhere() behind a load balancer that filters its sources, or set network.enabled to false');
    }
    const policy = new WorkloadNetworkPolicy(this, 'NetworkPolicy', { name, podLabels: this.deployment.matchLabels, labels, restrictEgress });
    allowFrom.forEach((p, i) => policy.allowFrom(p, [{ port: VLLM_PORT }], `network.allowFrom[${i}]`));
    // Model downloads: huggingface.co and its CDN, on HTTPS (addresses vary: any).
    policy.allowTo(NetworkPeer.anywhere(), [{ port: 443 }], 'model downloads (Hugging Face over HTTPS)');
    return policy;
  }

  /**
   * Scales the pool with a KEDA ScaledObject on LLM signals (default: queue depth and KV
   * cache), with a fallback for metrics outages, a behavior that does not overshoot while
   * new pods load the model, optional scale-to-zero woken by `wakeOn`, and pre-warm windows.
   */
  public autoscale(options: PoolAutoscaleOptions): KedaScaledObject {
    return autoscalePool(this, this, options);
  }


  /** The pool's pods to scrape: every pod of its Deployment, so that pods no Service routes to yet (still loading) are scraped too. */
  protected get scrapedPods(): ScrapedPods {
    return { workload: this.deployment };
  }

  /** What runs the pool's replicas, as an autoscaler target: its Deployment and accelerator (`ServingPool.scaleTarget`). */
  public get scaleTarget(): ScaleTarget {
    return { deployment: this.deployment, accelerator: this.accelerator };
  }

  /** An RE2 pattern matching the names of the pool's pods (`<deployment>-<replicaset hash>-<pod hash>`). */
  public get podNamePattern(): string {
    return `${this.deployment.name}-[a-z0-9]+-[a-z0-9]+`;
  }

  /**
   * `vllm:lora_requests_info` of this pool: its labels `max_lora`, `waiting_lora_adapters`
   * and `running_lora_adapters` name the adapters waiting and running; vLLM puts no
   * `model_name` on it, so it is scoped by namespace and pool only.
   */
  public metricLoraRequestsInfo(): ScopedMetric {
    return loraRequestsInfoMetric(this, 'VllmPool');
  }

  private addSecretEnv(name: string, ref: SecretKeyRef): void {
    const secret = kplus.Secret.fromSecretName(this, `Secret${name}`, ref.secretName);
    this.container.env.addVariable(name, kplus.EnvValue.fromSecretValue({ secret, key: ref.key }));
  }

  private mountModelCache(cache: ModelCache, labels: Record<string, string>, claimedName: string | undefined): kplus.PersistentVolumeClaim | undefined {
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
    const claim = new kplus.PersistentVolumeClaim(this, 'CacheClaim', {
      metadata: { name: claimedName, labels },
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
      // Select the pool's pods by its own labels (the Deployment would select by cdk8s-plus's address label).
      const pods = kplus.Pods.select(this, 'PoolPods', { labels: this.deployment.matchLabels });
      scheduling.colocate(pods, { topology: kplus.Topology.HOSTNAME, weight: 100 });
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

function validateProps(props: VllmPoolProps, servedModelName: string): void {
  validateIdentity(props, servedModelName, VLLM_IMAGE);
  const accelerator = props.accelerator;
  const engine = props.engine ?? {};
  const tp = engine.tensorParallelSize ?? 1;
  const pp = engine.pipelineParallelSize ?? 1;
  if (accelerator.kind === AcceleratorKind.NVIDIA_MIG && tp > 1) {
    throw invalid('engine.tensorParallelSize', tp, `must be 1 on a MIG slice (${accelerator.resourceName}): a pod gets one MIG device, and a container must not request two MIG types`);
  }
  if (Number.isInteger(tp) && Number.isInteger(pp) && tp * pp !== accelerator.devicesPerPod) {
    throw invalid('engine.tensorParallelSize', tp, `× pipelineParallelSize (${pp}) must equal the ${accelerator.devicesPerPod} accelerator devices per pod (${accelerator.resourceName ?? 'cpu'}): vLLM spreads one model over exactly that many`);
  }
  validateExtendedResources(props.extendedResources, accelerator);
  validateCounts(props);
  if (props.placement !== undefined) requireEnum('placement', props.placement, PoolPlacement);
  validateCapacity(props, CapacityType);
  validateServiceName(props.serviceName);
}
