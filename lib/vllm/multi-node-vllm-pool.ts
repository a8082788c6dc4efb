import { ApiObject, Duration, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct, Node } from 'constructs';
import {
  LWS_API_VERSION, LWS_EXCLUSIVE_TOPOLOGY_ANNOTATION, LWS_INDEX_SUFFIX, LWS_KIND, LWS_NAME_LABEL, LWS_WORKER_INDEX_LABEL, RESTART_POLICY, ROLLOUT_TYPE,
  STARTUP_POLICY, containerSecurityContextJson, groupSize, podSecurityContextJson, rankArgs, requireMultiNodeAccelerator,
  requireNoRankFlags, workerDrainScript,
} from './_multi-node';
import { autoscalePool } from './_pool-autoscale';
import { loraRequestsInfoMetric } from './_pool-metrics';
import { ScrapedPods, VllmPoolBase } from './_vllm-pool-base';
import {
  boundedSeconds, defaultServedName, poolResources, requireFlag, requireModel, resolveSlo,
  requireServicePort, requireShmBelowMemory, resolveVersion, validateCapacity, validateCounts, validateExtendedResources,
  validateIdentity, validateServiceName,
} from './_pool-props';
import { drainScript, modelReadyScript } from './_probes';
import { ENGINE_READY_TIMEOUT_SINCE, MULTI_NODE_SINCE, SHUTDOWN_TIMEOUT_SINCE, atLeast } from './_version';
import { Accelerator, requireAccelerator } from './accelerator';
import { VllmEngineOptions, escapeArg, renderEngineArgs } from './engine-options';
import { LoraAdapter, ResolvedLora, loraArgs, resolveLora } from './lora-adapter';
import { CacheAccessMode, ModelCache, ModelCacheKind, requireModelCache } from './model-cache';
import type { ServingPool } from './serving-pool';
import {
  CapacityPreference, CapacityType, PoolAutoscaleOptions, PoolNetworkOptions, PoolResources, PoolSlo, VLLM_IMAGE, VLLM_PORT,
} from './vllm-pool';
import { LABEL_INSTANCE, LABEL_NAME, POOL_IDENTITY_KIND, recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { baseName, claimName } from '../core/_naming';
import { wholeMebibytes } from '../core/_units';
import { invalid, requireLabelKey } from '../core/_validation';
import { PodUser, requirePodUser } from '../core/pod-user';
import { SecretKeyRef } from '../core/secret-ref';
import { KedaScaledObject } from '../autoscaling/keda-scaled-object';
import type { ScalableWorkload, ScaleTarget } from '../autoscaling/scale-target';
import { VllmMetrics } from '../metrics/catalog';
import { ScopedMetric } from '../metrics/scoped-metric';
import { NetworkPeer, requireNetworkPeer } from '../network/network-peer';
import { WorkloadNetworkPolicy } from '../network/workload-network-policy';

const CACHE_DIR = '/models';
const TMP_DIR = '/tmp';
const PROBE_PERIOD_SECONDS = 10;
const PROBE_TIMEOUT_SECONDS = 5;
const KARPENTER_CAPACITY_TYPE = 'karpenter.sh/capacity-type';
const DEFAULT_UID = 1000;
/**
 * The longest pool name: a worker StatefulSet is named `<name>-<group>` and its pods carry a
 * `controller-revision-hash` label `<statefulset>-<hash>` (a label value: at most 63
 * characters), so the name leaves room for a six-digit group index and the hash.
 */
const MAX_NAME = 45;

/** Props of `MultiNodeVllmPool`. */
export interface MultiNodeVllmPoolProps {
  /**
   * The base name of the pool's objects: the LeaderWorkerSet, the PodDisruptionBudget, the
   * PodMonitor and the NetworkPolicy are named `<name>` (and so is the headless Service the
   * LeaderWorkerSet controller creates for the pods to find each other), the model cache
   * claim `<name>-model-cache`, the served Service `<serviceName ?? name-leader>`. It is also
   * the pool's identity: the pods' label `app.kubernetes.io/instance` and the `pool` label of
   * every series scraped from them. A DNS-1035 label of at most 45 characters.
   * @default - the construct id
   */
  readonly name?: string;
  /** The model to serve: a Hugging Face repository id or a path inside the container. */
  readonly model: string;
  /** The Hugging Face revision to load (`--revision`). @default - the default branch */
  readonly revision?: string;
  /** Hugging Face token for gated models, as `HF_TOKEN` on every pod. @default - none */
  readonly hfToken?: SecretKeyRef;
  /**
   * The name clients and the proxy request (`--served-model-name`, metric label `model_name`).
   * @default - the last path segment of `model`
   */
  readonly servedModelName?: string;
  /**
   * The GPUs of each pod, which is one node: `Accelerator.nvidiaGpu(8)` on 8-GPU nodes
   * (`Accelerator.amdGpu(n)` with a ROCm image). Every pod requests them all.
   */
  readonly accelerator: Accelerator;
  /**
   * The nodes (pods) of one group, if you want it checked: it must equal tensor × pipeline
   * parallelism over the GPUs per node, which is what the pool runs anyway.
   * Kubernetes name: `spec.leaderWorkerTemplate.size`.
   * @default - tensorParallelSize × pipelineParallelSize / accelerator count
   */
  readonly nodes?: number;
  /**
   * Engine arguments; `tensorParallelSize` × `pipelineParallelSize` must exceed one node's
   * GPUs and be a multiple of them (TP 8 × PP 2 on two 8-GPU nodes: each node holds one
   * pipeline stage with tensor parallelism inside the node). `extraArgs` must not set the
   * flags the pool wires each rank with (`--nnodes`, `--node-rank`, `--master-addr`,
   * `--master-port`, `--headless`, `--distributed-executor-backend`) nor data parallelism.
   */
  readonly engine: VllmEngineOptions;
  /**
   * The container image, pinned; it must run vLLM 0.15.0 or later (native multi-node serving).
   * @default VLLM_IMAGE
   */
  readonly image?: string;
  /**
   * The vLLM version in `image`, as for `VllmPool`; releases before 0.15.0 are refused.
   * @default - the version in the tag of a `vllm/vllm-openai:vX.Y.Z` image
   */
  readonly vllmVersion?: string;
  /** LoRA adapters served on top of the base model, as on `VllmPool`. @default - none */
  readonly loraAdapters?: LoraAdapter[];
  /** `--max-loras`; requires `loraAdapters`. @default - the number of adapters */
  readonly maxLoras?: number;
  /** `--max-lora-rank`; requires `loraAdapters`. @default 16 (vLLM's default) */
  readonly maxLoraRank?: number;
  /** The API key vLLM requires on `/v1/*` (the leader's), as `VLLM_API_KEY`. @default - none */
  readonly apiKey?: SecretKeyRef;
  /**
   * Groups when no autoscaler owns the LeaderWorkerSet. One by default: a group is already
   * tensor × pipeline parallelism GPUs. Kubernetes name: `spec.replicas`.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * CPU and memory of each pod (node).
   * @default - 4 CPU and 32 GiB per GPU
   */
  readonly resources?: PoolResources;
  /**
   * Other extended resources per pod, e.g. `{ 'vpc.amazonaws.com/efa': 32 }` or
   * `{ 'rdma/ib': 1 }` for the inter-node fabric NCCL uses. @default - none
   */
  readonly extendedResources?: Record<string, number>;
  /**
   * Where the Hugging Face cache lives. A created claim must be ReadWriteMany: every node
   * of a group mounts it. @default ModelCache.emptyDir() (each node downloads the weights)
   */
  readonly modelCache?: ModelCache;
  /** Size of the memory-backed `/dev/shm` of each pod. @default Size.gibibytes(20) */
  readonly shmSize?: Size;
  /**
   * The longest a group may take from start to serving (all nodes loading their shards and
   * joining the leader): sizes the leader's startup probe and `VLLM_ENGINE_READY_TIMEOUT_S`.
   * @default Duration.minutes(30)
   */
  readonly maxModelLoadTime?: Duration;
  /** The longest request: the leader drains for it on scale-down. @default Duration.minutes(10) */
  readonly maxRequestDuration?: Duration;
  /** How long a terminating leader keeps serving before SIGTERM. @default Duration.seconds(15) */
  readonly drainDelay?: Duration;
  /** More node labels the pods require (ANDed with the accelerator's). @default - none */
  readonly nodeSelector?: Record<string, string>;
  /** The pods' PriorityClass. @default - the cluster default */
  readonly priorityClassName?: string;
  /** The pods' RuntimeClass. @default - the default runtime */
  readonly runtimeClassName?: string;
  /** Prefer spot or on-demand nodes. @default - no preference */
  readonly capacity?: CapacityPreference;
  /**
   * A node label whose domains (a rack, an NVLink domain, a node pool) each hold exactly one
   * group: the pods of a group land in one domain and no other group shares it, e.g.
   * `cloud.google.com/gke-nodepool`. Kubernetes name: the LeaderWorkerSet annotation
   * `leaderworkerset.sigs.k8s.io/exclusive-topology`.
   * @default - no such placement (the pods of all groups are only spread over nodes)
   */
  readonly groupTopologyKey?: string;
  /**
   * The served Service's name. It must differ from `name`: the LeaderWorkerSet controller
   * creates the headless Service `<name>` its pods resolve each other by. Never `vllm`.
   * @default - `<name>-leader`
   */
  readonly serviceName?: string;
  /** The Service port, forwarding to the leaders' port 8000. @default 8000 */
  readonly servicePort?: number;
  /**
   * PodDisruptionBudget `maxUnavailable`, over every pod of the pool: evicting one pod
   * restarts its whole group, so 1 keeps voluntary disruptions to one group at a time.
   * @default 1
   */
  readonly maxUnavailable?: number;
  /** Thresholds of the pool's alerts. @default - the PoolSlo defaults */
  readonly slo?: PoolSlo;
  /** The user the containers run as. @default PodUser.fixed(1000) */
  readonly user?: PodUser;
  /**
   * The pool's NetworkPolicy: the pods of the pool reach each other on any port (NCCL and
   * torch.distributed pick theirs), the vLLM port admits the proxies that route to the pool,
   * its scraper and `allowFrom`.
   * @default - on, ingress only; egress open
   */
  readonly network?: PoolNetworkOptions;
}

/**
 * The LeaderWorkerSet of a `MultiNodeVllmPool` as an autoscaler's target: its scale
 * subresource counts the leaders, one per group, so an HPA or KEDA scales whole groups.
 */
class LeaderWorkerSetScaleTarget implements ScalableWorkload {
  public readonly node: Node;
  public readonly scaleTargetRef: { readonly apiVersion: string; readonly kind: string; readonly name: string };
  private autoscaled = false;

  public constructor(
    private readonly resource: IConstruct,
    name: string,
    public readonly namespace: string,
    public readonly podLabels: Readonly<Record<string, string>>,
    public readonly replicas: number | undefined,
  ) {
    this.node = resource.node;
    this.scaleTargetRef = { apiVersion: LWS_API_VERSION, kind: LWS_KIND, name };
  }

  /** None: every container of the pool requests cpu and memory. */
  public containersWithoutRequest(): string[] {
    return [];
  }

  /** Applies mixins to the LeaderWorkerSet object. */
  public with(...mixins: Parameters<IConstruct['with']>): IConstruct {
    this.resource.with(...mixins);
    return this;
  }

  public markHasAutoscaler(): void {
    this.autoscaled = true;
  }

  /** Whether an autoscaler owns the replicas. */
  public get hasAutoscaler(): boolean {
    return this.autoscaled;
  }
}

/**
 * A vLLM pool for a model larger than one node: each replica is a group of pods, one per
 * node, that serves one copy of the model with tensor × pipeline parallelism over all their
 * GPUs, rendered as a LeaderWorkerSet (`leaderworkerset.x-k8s.io/v1`, lws v0.10.0).
 *
 * Every pod runs `vllm serve` with the same engine arguments, wired by vLLM's native
 * multi-node flags (no Ray, no shell): `--nnodes <group size> --node-rank <0 | $(LWS_WORKER_INDEX)>
 * --master-addr $(LWS_LEADER_ADDRESS) --distributed-executor-backend mp`, the workers
 * `--headless`. The leader serves the OpenAI API: the Service, the PodMonitor, the startup,
 * readiness and liveness probes and the autoscalers' pod selector are the leaders only; the
 * workers have no probes (they listen on nothing; a failed worker fails the leader's engine,
 * and `RecreateGroupOnPodRestart` restarts the whole group). Every pod has a memory-backed
 * `/dev/shm`, requests all GPUs of its node, runs hardened (non-root, read-only root
 * filesystem, no capabilities).
 *
 * Why not Ray: lws's vLLM example (docs/examples/vllm/GPU/lws.yaml at v0.10.0) starts a Ray
 * cluster with `sh -c "bash .../multi-node-serving.sh leader --ray_cluster_size=$(LWS_GROUP_SIZE); vllm ..."`
 * on the leader and `... worker --ray_address=$(LWS_LEADER_ADDRESS)` on the workers: a shell
 * script with interpolation (vLLM's examples/online_serving/multi-node-serving.sh) and a Ray
 * cluster with its own ports and health to run. The native flags (vLLM 0.15.0 and later; the
 * pinned image runs 0.26.0) need neither, so only they are rendered.
 *
 * Renders the LeaderWorkerSet `<name>` (the LWS controller adds the headless Service
 * `<name>`), the Service `<name>-leader`, a PodDisruptionBudget, a NetworkPolicy and,
 * optionally, a ReadWriteMany model cache claim. Needs the LeaderWorkerSet controller
 * (kubernetes-sigs/lws) in the cluster.
 *
 * @see https://lws.sigs.k8s.io/docs/
 * @see https://docs.vllm.ai/en/latest/serving/parallelism_scaling.html
 * @example
 * const llama405b = new MultiNodeVllmPool(chart, 'llama-3-1-405b', {
 *   model: 'meta-llama/Llama-3.1-405B-Instruct',
 *   accelerator: Accelerator.nvidiaGpu(8),
 *   nodes: 2,
 *   engine: { tensorParallelSize: 8, pipelineParallelSize: 2 },
 *   hfToken: { secretName: 'hf', key: 'token' },
 * });
 * llama405b.monitor({ labels: { release: 'kube-prometheus-stack' } });
 * proxy.addBackend(llama405b);
 */
export class MultiNodeVllmPool extends VllmPoolBase implements ServingPool {
  /** The LeaderWorkerSet. */
  public readonly resource: ApiObject;
  /** The LeaderWorkerSet as an autoscaler's target (`{ workload: pool.workload }`): whole groups. */
  public readonly workload: ScalableWorkload;
  /** The Service in front of the leaders. */
  public readonly service: kplus.Service;
  /** The model cache claim, when the pool creates one. */
  public readonly cacheClaim?: kplus.PersistentVolumeClaim;
  /** The pool's name: its LeaderWorkerSet's, its pods' instance label, its series' `pool` label. */
  public readonly name: string;
  /** The name the model is served under. */
  public readonly servedModelName: string;
  /** The vLLM version of the image. */
  public readonly vllmVersion: string;
  /** The names of the pool's LoRA adapters. */
  public readonly loraAdapterNames: readonly string[];
  /** The GPUs of each pod (node). */
  public readonly accelerator: Accelerator;
  /** The pods (nodes) of one group: `spec.leaderWorkerTemplate.size`. */
  public readonly nodes: number;
  /** The user the pods run as. */
  public readonly user: PodUser;
  /** The Secret holding the API key, if any. */
  public readonly apiKey?: SecretKeyRef;
  /** The namespace of every object. */
  public readonly namespace: string;
  /** The leaders' vLLM port. */
  public readonly port = VLLM_PORT;
  /** The Service port. */
  public readonly servicePort: number;
  /** The OpenAI base URL, `http://<service>.<namespace>.svc.cluster.local:<servicePort>/v1`. */
  public readonly url: string;
  /** The startup budget of a group. */
  public readonly maxModelLoadTime: Duration;
  /** The pool's SLOs, defaults applied. */
  public readonly slo: Required<PoolSlo>;
  /** `--gpu-memory-utilization`, or vLLM's default 0.9. */
  public readonly gpuMemoryUtilization: number;
  /** The `vllm serve` arguments of the leader (rank 0). */
  public readonly leaderArgs: readonly string[];
  /** The `vllm serve` arguments of every worker (rank `$(LWS_WORKER_INDEX)`, headless). */
  public readonly workerArgs: readonly string[];
  /** The labels of every pod of the pool (leaders and workers). */
  public readonly podSelector: Readonly<Record<string, string>>;
  /** The labels of the leader pods: the pool's selector and `leaderworkerset.sigs.k8s.io/worker-index: '0'`. */
  public readonly leaderSelector: Readonly<Record<string, string>>;
  /** The pool's NetworkPolicy, unless `network.enabled` is false. */
  public readonly networkPolicy?: WorkloadNetworkPolicy;

  public constructor(scope: Construct, id: string, props: MultiNodeVllmPoolProps) {
    super(scope, id);
    const namespace = this.namespace = requireChartNamespace(this, 'MultiNodeVllmPool');
    if (typeof props !== 'object' || props === null) throw invalid('props', props, 'must be the props of the pool: { model, accelerator, engine, ... }');
    const name = this.name = baseName(this, 'name', props.name);
    if (name.length > MAX_NAME) {
      throw invalid('name', name, `must be at most ${MAX_NAME} characters: a LeaderWorkerSet's worker StatefulSets (<name>-<group>) label their pods <name>-<group>-<revision hash>, a label value of at most 63`);
    }
    const model = requireModel(props.model);
    const accelerator = this.accelerator = requireAccelerator('accelerator', props.accelerator);
    requireMultiNodeAccelerator(accelerator);
    const servedModelName = this.servedModelName = props.servedModelName ?? defaultServedName(model);
    validateIdentity(props, servedModelName, VLLM_IMAGE);
    if (props.engine === undefined) {
      throw invalid('engine', undefined, 'is required: tensorParallelSize × pipelineParallelSize spread the model over the nodes, e.g. { tensorParallelSize: 8, pipelineParallelSize: 2 } on two 8-GPU nodes');
    }
    const engine = props.engine;
    const engineArgs = renderEngineArgs(engine);
    requireNoRankFlags(engine.extraArgs);
    const nodes = this.nodes = groupSize(engine, accelerator, props.nodes);
    validateExtendedResources(props.extendedResources, accelerator);
    validateCounts(props);
    validateCapacity(props, CapacityType);
    validateServiceName(props.serviceName);
    if (props.groupTopologyKey !== undefined) {
      if (typeof props.groupTopologyKey !== 'string') throw invalid('groupTopologyKey', props.groupTopologyKey, 'must be a node label key, e.g. \'cloud.google.com/gke-nodepool\'');
      requireLabelKey('groupTopologyKey', props.groupTopologyKey);
    }

    const lora: ResolvedLora | undefined = resolveLora(props.loraAdapters, props.maxLoras, props.maxLoraRank, servedModelName, CACHE_DIR);
    this.loraAdapterNames = lora ? lora.adapters.map(a => a.name) : [];
    this.apiKey = props.apiKey;
    const image = props.image ?? VLLM_IMAGE;
    const version = this.vllmVersion = resolveVersion(image, props.vllmVersion);
    if (!atLeast(version, MULTI_NODE_SINCE)) {
      const prop = props.vllmVersion === undefined ? 'image' : 'vllmVersion';
      throw invalid(prop, prop === 'image' ? image : version, `runs vLLM ${version}, older than vLLM ${MULTI_NODE_SINCE}, the oldest release verified with native multi-node serving (--nnodes, --node-rank, --master-addr, --headless); use a newer vLLM image`);
    }
    const user = this.user = props.user === undefined ? PodUser.fixed(DEFAULT_UID) : requirePodUser('user', props.user);

    const maxLoad = this.maxModelLoadTime = props.maxModelLoadTime ?? Duration.minutes(30);
    const maxLoadSeconds = boundedSeconds('maxModelLoadTime', maxLoad, 1);
    if (maxLoadSeconds < PROBE_PERIOD_SECONDS) {
      throw invalid('maxModelLoadTime', `${maxLoadSeconds}s`, `must be at least the startup probe period (${PROBE_PERIOD_SECONDS}s); loading a model usually takes minutes`);
    }
    const maxRequestSeconds = boundedSeconds('maxRequestDuration', props.maxRequestDuration ?? Duration.minutes(10), 1);
    const drainDelaySeconds = boundedSeconds('drainDelay', props.drainDelay ?? Duration.seconds(15), 1);
    this.slo = resolveSlo(props.slo);
    this.gpuMemoryUtilization = engine.gpuMemoryUtilization ?? 0.9;
    const resources = poolResources(props);
    const shmSize = props.shmSize ?? Size.gibibytes(20);
    requireShmBelowMemory(shmSize, resources.memory);
    const cache = props.modelCache === undefined ? ModelCache.emptyDir() : requireModelCache('modelCache', props.modelCache);
    if (cache.kind === ModelCacheKind.NEW_CLAIM && cache.settings.accessMode === CacheAccessMode.READ_WRITE_ONCE) {
      throw invalid('modelCache.accessMode', cache.settings.accessMode, `cannot be shared by the ${nodes} nodes of a group: a ReadWriteOnce volume attaches to one node; use CacheAccessMode.READ_WRITE_MANY`);
    }

    const serviceName = props.serviceName ?? `${name}-leader`;
    const servicePort = this.servicePort = props.servicePort === undefined ? VLLM_PORT : requireServicePort(props.servicePort);
    if (serviceName === name) {
      throw invalid('serviceName', serviceName, `must differ from the pool's name: the LeaderWorkerSet controller creates the headless Service '${name}' the pods of a group resolve each other by`);
    }
    if (serviceName === 'vllm') {
      throw invalid('serviceName', serviceName, 'must not be "vllm": Kubernetes would inject VLLM_PORT=tcp://… into pods of the namespace and vLLM refuses to start; choose another name');
    }
    claimName(this, 'LeaderWorkerSet', name, namespace);
    claimName(this, POOL_IDENTITY_KIND, name, namespace);
    // The LWS controller creates the headless Service `<name>` (SubdomainPolicy Shared): claimed
    // so that no other object of the App renders a Service by that name.
    claimName(this, 'Service', name, namespace);
    claimName(this, 'Service', serviceName, namespace, props.serviceName === undefined ? 'name' : 'serviceName');
    claimName(this, 'PodDisruptionBudget', name, namespace);
    const claimedCacheName = cache.kind === ModelCacheKind.NEW_CLAIM
      ? claimName(this, 'PersistentVolumeClaim', `${name}-model-cache`, namespace) : undefined;

    const labels = recommendedLabels('vllm', name, 'model-server');
    const selector = this.podSelector = { [LABEL_NAME]: labels[LABEL_NAME], [LABEL_INSTANCE]: name };
    // LWS puts worker-index on every pod, `0` on the leader (its pod template, set by the controller).
    const leaderSelector = this.leaderSelector = { ...selector, [LWS_WORKER_INDEX_LABEL]: '0' };

    // vLLM before 0.18.0 has no --shutdown-timeout (FACTS §A.3); the version gate is 0.15.0.
    const drainsItself = atLeast(version, SHUTDOWN_TIMEOUT_SINCE);
    const common = [
      escapeArg(model),
      '--served-model-name', servedModelName,
      '--port', String(VLLM_PORT),
      ...(props.revision !== undefined ? ['--revision', escapeArg(props.revision)] : []),
      ...(drainsItself ? ['--shutdown-timeout', String(maxRequestSeconds)] : []),
      ...engineArgs,
    ];
    // Every rank gets the same engine arguments, LoRA included (the workers build the LoRA
    // layers of their shards); the leader alone serves them.
    const trailing = lora ? loraArgs(lora) : [];
    this.leaderArgs = rankArgs(common, trailing, nodes, 'leader');
    this.workerArgs = rankArgs(common, trailing, nodes, 'worker');

    const readyCheck = ['python3', '-c', modelReadyScript(servedModelName, VLLM_PORT)];
    const leaderPreStop = drainsItself
      ? ['sleep', String(drainDelaySeconds)]
      : ['python3', '-c', drainScript(drainDelaySeconds, maxRequestSeconds, VLLM_PORT,
        [VllmMetrics.NUM_REQUESTS_RUNNING.name, VllmMetrics.NUM_REQUESTS_WAITING.name])];
    const workerPreStop = ['python3', '-c', workerDrainScript(VLLM_PORT, drainDelaySeconds + maxRequestSeconds)];
    const grace = drainDelaySeconds + maxRequestSeconds + 15;

    const env: Record<string, unknown>[] = [
      { name: 'HF_HOME', value: CACHE_DIR },
      { name: 'HOME', value: TMP_DIR },
      { name: 'USER', value: 'vllm' },
      { name: 'VLLM_NO_USAGE_STATS', value: '1' },
      // The address each rank advertises to the others (FACTS §A.3): the pod's own IP.
      { name: 'VLLM_HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      ...(atLeast(version, ENGINE_READY_TIMEOUT_SINCE) ? [{ name: 'VLLM_ENGINE_READY_TIMEOUT_S', value: String(maxLoadSeconds) }] : []),
      ...(props.hfToken ? [secretEnv('HF_TOKEN', props.hfToken)] : []),
    ];
    const leaderEnv = [...env, ...(props.apiKey ? [secretEnv('VLLM_API_KEY', props.apiKey)] : [])];

    const accelerators = { ...accelerator.resources, ...props.extendedResources };
    const memory = `${wholeMebibytes('resources.memory', resources.memory)}Mi`;
    const containerResources = {
      requests: { cpu: resources.cpu.amount, memory, ...accelerators },
      limits: { memory, ...accelerators },
    };
    const mounts = [
      { name: 'model-cache', mountPath: CACHE_DIR },
      { name: 'shm', mountPath: '/dev/shm' },
      { name: 'tmp', mountPath: TMP_DIR },
    ];
    const cacheVolume = cache.kind === ModelCacheKind.EMPTY_DIR
      ? { name: 'model-cache', emptyDir: cache.settings.sizeLimit ? { sizeLimit: `${wholeMebibytes('modelCache.sizeLimit', cache.settings.sizeLimit)}Mi` } : {} }
      : { name: 'model-cache', persistentVolumeClaim: { claimName: cache.kind === ModelCacheKind.EXISTING_CLAIM ? cache.settings.claimName : claimedCacheName } };
    const volumes = [
      cacheVolume,
      { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: `${wholeMebibytes('shmSize', shmSize)}Mi` } },
      { name: 'tmp', emptyDir: { sizeLimit: '10240Mi' } },
    ];
    const probe = { periodSeconds: PROBE_PERIOD_SECONDS, timeoutSeconds: PROBE_TIMEOUT_SECONDS };
    const leaderContainer = {
      name: 'vllm',
      image,
      imagePullPolicy: 'IfNotPresent',
      args: this.leaderArgs,
      ports: [{ name: 'http', containerPort: VLLM_PORT }],
      env: leaderEnv,
      // Until the model is served, which needs every rank: the group's load budget.
      startupProbe: { exec: { command: readyCheck }, ...probe, failureThreshold: Math.ceil(maxLoadSeconds / PROBE_PERIOD_SECONDS) },
      readinessProbe: { exec: { command: readyCheck }, ...probe, failureThreshold: 3 },
      // /health is 503 once the engine is dead (a worker lost included): restarting the
      // leader recreates the whole group (RecreateGroupOnPodRestart).
      livenessProbe: { httpGet: { path: '/health', port: VLLM_PORT, scheme: 'HTTP' }, periodSeconds: 15, timeoutSeconds: 10, failureThreshold: 4 },
      lifecycle: { preStop: { exec: { command: leaderPreStop } } },
      resources: containerResources,
      securityContext: containerSecurityContextJson(user),
      volumeMounts: mounts,
    };
    // A headless worker serves and listens on nothing (it dials the leader): no probe could
    // tell more than its process running, and a dead process restarts the group anyway.
    const workerContainer = {
      name: 'vllm',
      image,
      imagePullPolicy: 'IfNotPresent',
      args: this.workerArgs,
      env,
      lifecycle: { preStop: { exec: { command: workerPreStop } } },
      resources: containerResources,
      securityContext: containerSecurityContextJson(user),
      volumeMounts: mounts,
    };
    const podSpec = (container: Record<string, unknown>): Record<string, unknown> => ({
      automountServiceAccountToken: false,
      // A Service named `vllm` anywhere in the namespace would inject VLLM_PORT=tcp://… (FACTS §A.3).
      enableServiceLinks: false,
      securityContext: podSecurityContextJson(user),
      terminationGracePeriodSeconds: grace,
      priorityClassName: props.priorityClassName,
      runtimeClassName: props.runtimeClassName,
      nodeSelector: nodeSelectorOf(accelerator, props.nodeSelector),
      tolerations: accelerator.taintKey ? [{ key: accelerator.taintKey, operator: 'Exists', effect: 'NoSchedule' }] : undefined,
      affinity: props.capacity ? capacityAffinity(props.capacity) : undefined,
      // Groups do not pile onto one node where nodes have more GPUs than one pod takes. No
      // zone spread: the pods of a group belong together (their collectives cross the network).
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { ...selector } } },
      ],
      containers: [container],
      volumes,
    });

    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: LWS_API_VERSION,
      kind: LWS_KIND,
      metadata: {
        name,
        labels,
        annotations: props.groupTopologyKey ? { [LWS_EXCLUSIVE_TOPOLOGY_ANNOTATION]: props.groupTopologyKey } : undefined,
      },
      spec: {
        replicas: Lazy.any({ produce: () => (target.hasAutoscaler ? undefined : props.replicas ?? 1) }),
        startupPolicy: STARTUP_POLICY,
        // One group more during a rollout, never one fewer: a group is slow to replace.
        rolloutStrategy: { type: ROLLOUT_TYPE, rollingUpdateConfiguration: { maxSurge: 1, maxUnavailable: 0 } },
        leaderWorkerTemplate: {
          size: nodes,
          restartPolicy: RESTART_POLICY,
          leaderTemplate: { metadata: { labels: { ...labels } }, spec: podSpec(leaderContainer) },
          workerTemplate: { metadata: { labels: { ...labels } }, spec: podSpec(workerContainer) },
        },
      },
    });
    // The scale subresource counts the pods of status.hpaPodSelector: the leaders.
    const target = new LeaderWorkerSetScaleTarget(this.resource, name, namespace,
      { [LWS_NAME_LABEL]: name, [LWS_WORKER_INDEX_LABEL]: '0' }, props.replicas);
    this.workload = target;

    this.cacheClaim = cache.kind === ModelCacheKind.NEW_CLAIM ? new kplus.PersistentVolumeClaim(this, 'CacheClaim', {
      metadata: { name: claimedCacheName, labels },
      storage: cache.settings.size,
      storageClassName: cache.settings.storageClassName,
      accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_MANY],
    }) : undefined;

    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: serviceName, labels },
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'http', port: servicePort, targetPort: VLLM_PORT }],
    });
    for (const [key, value] of Object.entries(leaderSelector)) this.service.selectLabel(key, value);
    this.url = `http://${serviceName}.${namespace}.svc.cluster.local:${servicePort}/v1`;

    new kplus.k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata: { name, labels },
      spec: {
        maxUnavailable: kplus.k8s.IntOrString.fromNumber(props.maxUnavailable ?? 1),
        selector: { matchLabels: { ...selector } },
      },
    });

    this.networkPolicy = this.renderNetworkPolicy(props.network, name, labels);
  }

  /**
   * What runs the pool's replicas, as an autoscaler target: its LeaderWorkerSet (whole
   * groups) and accelerator, e.g. `new HorizontalAutoscaler(chart, 'Hpa', { target: pool.scaleTarget, ... })`.
   */
  public get scaleTarget(): ScaleTarget {
    return { workload: this.workload, accelerator: this.accelerator };
  }

  /**
   * Scales the pool by whole groups with a KEDA ScaledObject on the LeaderWorkerSet (child id
   * `Autoscaler`), as `VllmPool.autoscale()` does: LLM signals read from the leaders (default:
   * queue depth 5 and KV-cache usage 0.8 per group), a fallback for metrics outages, a
   * behavior that does not overshoot while new groups load the model, optional scale-to-zero
   * woken by `wakeOn`, and pre-warm windows. The LeaderWorkerSet then renders no `spec.replicas`.
   */
  public autoscale(options: PoolAutoscaleOptions): KedaScaledObject {
    return autoscalePool(this, this.scaleTarget, options);
  }

  /** The pool's leader pods, as a NetworkPolicy peer: what the proxy calls. */
  public get peer(): NetworkPeer {
    return NetworkPeer.pods(this.namespace, { ...this.leaderSelector });
  }

  /**
   * Admits a peer to the vLLM port through the pool's NetworkPolicy (a no-op without one).
   * `proxy.addBackend()` calls it for the proxy's pods.
   */
  public allowFrom(peer: NetworkPeer, reason = 'allowed by the user'): void {
    this.networkPolicy?.allowFrom(peer, [{ port: VLLM_PORT }], reason);
  }

  /** The pool's pods to scrape: the leaders (the workers serve no `/metrics`). */
  protected get scrapedPods(): ScrapedPods {
    return {
      pods: {
        owner: this,
        name: this.name,
        matchLabels: this.leaderSelector,
        podLabels: { ...recommendedLabels('vllm', this.name, 'model-server'), [LWS_NAME_LABEL]: this.name, [LWS_WORKER_INDEX_LABEL]: '0' },
        portNames: ['http'],
      },
    };
  }

  /**
   * An RE2 pattern matching the names of every pod of the pool, leaders (`<name>-<group>`)
   * and workers (`<name>-<group>-<index>`): all their GPUs serve it.
   */
  public get podNamePattern(): string {
    return `${this.name}${LWS_INDEX_SUFFIX}(${LWS_INDEX_SUFFIX})?`;
  }

  /** `vllm:lora_requests_info` of this pool (scoped by namespace and pool). */
  public metricLoraRequestsInfo(): ScopedMetric {
    return loraRequestsInfoMetric(this, 'MultiNodeVllmPool');
  }

  private renderNetworkPolicy(options: PoolNetworkOptions | undefined, name: string, labels: Record<string, string>): WorkloadNetworkPolicy | undefined {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw invalid('network', options, 'must be PoolNetworkOptions { enabled?, allowFrom?, restrictEgress? }');
    }
    const enabled = options?.enabled === undefined ? true : requireFlag('network.enabled', options.enabled);
    if (!enabled) return undefined;
    const restrictEgress = options?.restrictEgress === undefined ? false : requireFlag('network.restrictEgress', options.restrictEgress);
    const allowFrom = options?.allowFrom ?? [];
    if (!Array.isArray(allowFrom)) throw invalid('network.allowFrom', allowFrom, 'must be a list of NetworkPeer');
    allowFrom.forEach((p, i) => requireNetworkPeer(`network.allowFrom[${i}]`, p));
    const policy = new WorkloadNetworkPolicy(this, 'NetworkPolicy', { name, podLabels: { ...this.podSelector }, labels, restrictEgress });
    // The ranks of a group talk on ports they pick (torch.distributed's rendezvous, NCCL,
    // vLLM's message queues): every port between the pool's own pods.
    const group = kplus.Pods.select(policy, 'GroupPods', { labels: { ...this.podSelector } });
    policy.resource.addIngressRule(group);
    if (restrictEgress) policy.resource.addEgressRule(group);
    allowFrom.forEach((p, i) => policy.allowFrom(p, [{ port: VLLM_PORT }], `network.allowFrom[${i}]`));
    policy.allowTo(NetworkPeer.anywhere(), [{ port: 443 }], 'model downloads (Hugging Face over HTTPS)');
    return policy;
  }
}

function secretEnv(name: string, ref: SecretKeyRef): Record<string, unknown> {
  return { name, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } };
}

/** The accelerator's node labels and the user's, ANDed (`nodeSelector`), or undefined. */
function nodeSelectorOf(accelerator: Accelerator, extra: Record<string, string> | undefined): Record<string, string> | undefined {
  const all = { ...accelerator.nodeSelector, ...extra };
  return Object.keys(all).length ? all : undefined;
}

/** A soft preference for spot or on-demand nodes (preferred node affinity). */
function capacityAffinity(c: CapacityPreference): Record<string, unknown> {
  return {
    nodeAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{
        weight: c.weight ?? 100,
        preference: { matchExpressions: [{ key: c.nodeLabel ?? KARPENTER_CAPACITY_TYPE, operator: 'In', values: [c.labelValue ?? c.prefer] }] },
      }],
    },
  };
}
