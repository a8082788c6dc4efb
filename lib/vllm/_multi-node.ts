import type {
  LeaderWorkerSetSpecLeaderWorkerTemplateRestartPolicy, LeaderWorkerSetSpecRolloutStrategyType, LeaderWorkerSetSpecStartupPolicy,
} from '../../imports/leaderworkerset.x-k8s.io';
import { Accelerator, AcceleratorKind } from './accelerator';
import type { VllmEngineOptions } from './engine-options';
import { PodUser } from '../core/pod-user';
import { hardenedContainer, hardenedPod } from '../core/_security';
import { invalid } from '../core/_validation';

/*
 * The LeaderWorkerSet names the multi-node pool renders and relies on, all from
 * kubernetes-sigs/lws v0.10.0 (tag v0.10.0 = 566625933a2648f25209ebf9749eccf2f405a893):
 * api/leaderworkerset/v1/leaderworkerset_types.go (labels, env vars, policies),
 * pkg/utils/pod/pod_utils.go `AddLWSVariables` (the env vars, injected into every container
 * by the pod webhook), pkg/controllers/leaderworkerset_controller.go (the leader pod template
 * labels, the shared headless Service named like the LeaderWorkerSet, the scale
 * subresource's `status.hpaPodSelector` = `leaderworkerset.sigs.k8s.io/name=<lws>,
 * leaderworkerset.sigs.k8s.io/worker-index=0`: the leaders only, also in the CRD's
 * `subresources.scale.labelSelectorPath: .status.hpaPodSelector`).
 */

/** The LeaderWorkerSet API (CRD leaderworkerset.x-k8s.io, served version v1). @internal */
export const LWS_API_VERSION = 'leaderworkerset.x-k8s.io/v1';
/** @internal */
export const LWS_KIND = 'LeaderWorkerSet';
/** Pod label: the LeaderWorkerSet the pod belongs to (`SetNameLabelKey`). @internal */
export const LWS_NAME_LABEL = 'leaderworkerset.sigs.k8s.io/name';
/** Pod label: the pod's index in its group, `0` on the leader (`WorkerIndexLabelKey`). @internal */
export const LWS_WORKER_INDEX_LABEL = 'leaderworkerset.sigs.k8s.io/worker-index';
/**
 * LeaderWorkerSet annotation: a node label key whose domains each take exactly one group
 * (`ExclusiveKeyAnnotationKey`; the pod webhook turns it into pod affinity and anti-affinity
 * on the group's `group-key` label, pkg/webhooks/pod_webhook.go `SetExclusiveAffinities`).
 * @internal
 */
export const LWS_EXCLUSIVE_TOPOLOGY_ANNOTATION = 'leaderworkerset.sigs.k8s.io/exclusive-topology';
/**
 * The RE2 suffix of a group's pod names after the LeaderWorkerSet's name: a leader is
 * `<lws>-<group index>`, a worker `<lws>-<group index>-<worker index>` (the controller names
 * the leader StatefulSet's pods and each group's worker StatefulSet so), so
 * `<lws>${LWS_INDEX_SUFFIX}` matches the leaders only (anchored) and
 * `<lws>${LWS_INDEX_SUFFIX}(${LWS_INDEX_SUFFIX})?` every pod of the pool.
 * @internal
 */
export const LWS_INDEX_SUFFIX = '-[0-9]+';
/** Env var: the leader's DNS name, `<lws>-<group>.<headless service>.<namespace>` (`LwsLeaderAddress`). @internal */
export const LWS_LEADER_ADDRESS_ENV = 'LWS_LEADER_ADDRESS';
/** Env var: the pod's index in its group, 0 on the leader (`LwsWorkerIndex`). @internal */
export const LWS_WORKER_INDEX_ENV = 'LWS_WORKER_INDEX';

/** `RecreateGroupOnPodRestart`: a restarted container or pod recreates its whole group. @internal */
export const RESTART_POLICY: `${LeaderWorkerSetSpecLeaderWorkerTemplateRestartPolicy}` = 'RecreateGroupOnPodRestart';
/**
 * `LeaderCreated` (lws's default, and the vLLM example's, docs/examples/vllm/GPU/lws.yaml):
 * workers start with the leader. `LeaderReady` would wait for the leader to be Ready, which a
 * vLLM leader never is before its workers joined: the group would deadlock.
 * @internal
 */
export const STARTUP_POLICY: `${LeaderWorkerSetSpecStartupPolicy}` = 'LeaderCreated';
/** The only rollout strategy type of lws v0.10.0. @internal */
export const ROLLOUT_TYPE: `${LeaderWorkerSetSpecRolloutStrategyType}` = 'RollingUpdate';

/**
 * Flags the multi-node pool owns (its rank wiring, vllm/engine/arg_utils.py ParallelConfig
 * group, with their short forms) or refuses (data parallelism: a pool's replicas are its
 * groups), each with the rule shown in the error.
 */
const OWNED_FLAGS: Record<string, string> = {
  '--nnodes': 'must not set --nnodes: the pool derives it from the parallelism and the GPUs per node',
  '-n': 'must not set -n (--nnodes): the pool derives it from the parallelism and the GPUs per node',
  '--node-rank': 'must not set --node-rank: the pool sets 0 on the leader and $(LWS_WORKER_INDEX) on each worker',
  '-r': 'must not set -r (--node-rank): the pool sets 0 on the leader and $(LWS_WORKER_INDEX) on each worker',
  '--master-addr': 'must not set --master-addr: the pool points every node at its group\'s leader ($(LWS_LEADER_ADDRESS))',
  '--master-port': 'must not set --master-port: the pool relies on vLLM\'s default rendezvous port',
  '--headless': 'must not set --headless: the pool runs the workers headless and the leader with the API server',
  '--distributed-executor-backend': 'must not set --distributed-executor-backend: the pool runs vLLM\'s multiprocessing executor across nodes (mp)',
  '--data-parallel-size': 'must not set --data-parallel-size: a multi-node pool scales by whole groups (replicas), each one model over every GPU of its nodes',
  '-dp': 'must not set -dp (--data-parallel-size): a multi-node pool scales by whole groups (replicas), each one model over every GPU of its nodes',
};

/**
 * Refuses `engine.extraArgs` that would rewire the group (vLLM normalises `_` to `-` in long
 * flags, so names are compared after the same normalisation).
 * @internal
 */
export function requireNoRankFlags(extraArgs: readonly string[] | undefined): void {
  (extraArgs ?? []).forEach((arg, i) => {
    if (typeof arg !== 'string' || !arg.startsWith('-')) return;
    const name = arg.split('=', 1)[0];
    const flag = name.startsWith('--') ? `--${name.slice(2).replace(/_/g, '-')}` : name;
    const rule = OWNED_FLAGS[flag];
    if (rule !== undefined) throw invalid(`engine.extraArgs[${i}]`, arg, rule);
  });
}

/**
 * The accelerator of a multi-node pool: whole GPUs, every GPU of a node in its one pod.
 * @internal
 */
export function requireMultiNodeAccelerator(accelerator: Accelerator): void {
  if (accelerator.kind !== AcceleratorKind.NVIDIA_GPU && accelerator.kind !== AcceleratorKind.AMD_GPU) {
    throw invalid('accelerator', accelerator.resourceName ?? accelerator.kind, 'must be whole GPUs per node, Accelerator.nvidiaGpu(n) or Accelerator.amdGpu(n): a multi-node pool spreads one model over every GPU of each of its nodes (MIG slices, Neuron and CPU pools run on one node, as a VllmPool)');
  }
}

/**
 * The pods (nodes) of one group: tensor × pipeline parallelism over the GPUs of each pod,
 * which must divide it and be fewer than it. `nodes`, when given, must agree.
 * @internal
 */
export function groupSize(engine: VllmEngineOptions, accelerator: Accelerator, nodes: unknown): number {
  const tp = engine.tensorParallelSize ?? 1;
  const pp = engine.pipelineParallelSize ?? 1;
  const gpus = tp * pp;
  const perNode = accelerator.devicesPerPod;
  const device = `${perNode} GPUs per node ('accelerator', ${accelerator.resourceName})`;
  if (gpus <= perNode) {
    throw invalid('engine.tensorParallelSize', tp, `× pipelineParallelSize (${pp}) = ${gpus} GPUs fits on one node of ${device}: a multi-node pool spans more than one node; serve this model with a VllmPool, or raise the parallelism`);
  }
  if (gpus % perNode !== 0) {
    throw invalid('engine.tensorParallelSize', tp, `× pipelineParallelSize (${pp}) = ${gpus} GPUs is not a multiple of the ${device}: each node runs one pod that uses all of its GPUs, so the parallelism must fill whole nodes`);
  }
  const size = gpus / perNode;
  if (nodes !== undefined && nodes !== size) {
    throw invalid('nodes', nodes, `must equal tensorParallelSize × pipelineParallelSize (${gpus}) / ${device} = ${size}; or leave it out`);
  }
  return size;
}

/**
 * The `vllm serve` arguments of one rank of a group. Every rank runs the same engine
 * arguments (`args`), vLLM's multiprocessing executor across nodes
 * (`--distributed-executor-backend mp`: left unset, vLLM picks Ray when the node has fewer
 * GPUs than the world size, docs/serving/distributed_serving "otherwise Ray will be used", and
 * the vllm-openai image ships Ray: lws's vLLM example runs `ray start` in it), the group's
 * node count and the leader's
 * address (`$(LWS_LEADER_ADDRESS)`, expanded by the kubelet from the env var LWS injects:
 * no shell). The leader is rank 0 and serves the API; a worker takes its rank from
 * `$(LWS_WORKER_INDEX)` and runs `--headless` (no API server). `trailing` goes last
 * (`--lora-modules` takes every following value).
 * @internal
 */
export function rankArgs(args: readonly string[], trailing: readonly string[], nodes: number, role: 'leader' | 'worker'): string[] {
  return [
    ...args,
    '--distributed-executor-backend', 'mp',
    '--nnodes', String(nodes),
    '--node-rank', role === 'leader' ? '0' : `$(${LWS_WORKER_INDEX_ENV})`,
    '--master-addr', `$(${LWS_LEADER_ADDRESS_ENV})`,
    ...(role === 'worker' ? ['--headless'] : []),
    ...trailing,
  ];
}

/**
 * The Python program of a worker's preStop hook: it keeps the worker (its GPUs hold part of
 * the model) until its leader is gone, so a leader that drains in-flight requests on a
 * scale-down still has every rank. Any HTTP answer of the leader's `/health` (503 included,
 * a draining server) counts as alive; a refused connection or an unresolvable name (the
 * leader pod deleted) ends the wait, at the latest after `maxSeconds`. The leader's address
 * is read from the environment LWS injects, never written into the pod spec.
 * @internal
 */
export function workerDrainScript(port: number, maxSeconds: number): string {
  return [
    'import os, time, urllib.error, urllib.request',
    `deadline = time.time() + ${maxSeconds}`,
    `url = "http://" + os.environ["${LWS_LEADER_ADDRESS_ENV}"] + ":${port}/health"`,
    'while time.time() < deadline:',
    '    try:',
    '        urllib.request.urlopen(url, timeout=4)',
    '    except urllib.error.HTTPError:',
    '        pass',
    '    except Exception:',
    '        break',
    '    time.sleep(2)',
  ].join('\n');
}

/**
 * `hardenedPod()` (lib/core/_security.ts) as Kubernetes JSON, for pod templates no cdk8s-plus
 * workload renders (`fsGroupChangePolicy: Always`, as cdk8s-plus renders it).
 * @internal
 */
export function podSecurityContextJson(user: PodUser): Record<string, unknown> {
  const p = hardenedPod(user);
  return { runAsNonRoot: p.ensureNonRoot, runAsUser: p.user, runAsGroup: p.group, fsGroup: p.fsGroup, fsGroupChangePolicy: 'Always' };
}

/**
 * `hardenedContainer()` (lib/core/_security.ts) as Kubernetes JSON.
 * @internal
 */
export function containerSecurityContextJson(user: PodUser): Record<string, unknown> {
  const c = hardenedContainer(user);
  return {
    allowPrivilegeEscalation: c.allowPrivilegeEscalation,
    capabilities: { drop: [...(c.capabilities?.drop ?? [])] },
    privileged: c.privileged,
    readOnlyRootFilesystem: c.readOnlyRootFilesystem,
    runAsGroup: c.group,
    runAsNonRoot: c.ensureNonRoot,
    runAsUser: c.user,
    seccompProfile: { type: c.seccompProfile?.type },
  };
}
