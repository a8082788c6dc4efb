import { Chart, Duration, Size, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import * as kplus from 'cdk8s-plus-28';
import {
  Accelerator, CacheAccessMode, NetworkPeer, CapacityType, KvCacheDtype, ModelCache, PodUser, PoolPlacement, Quantization, VLLM_IMAGE, VllmDtype,
  PoolServiceType, VllmPool, VllmPoolProps,
} from '../../lib';
import { allOfKind, containerOf, envOf, Manifest, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const SERVED = 'Llama-3.1-8B-Instruct';
const PRODUCT_LABEL = 'nvidia.com/gpu.product';
const NEURON_IMAGE = 'registry.local/vllm-neuron:0.2.0';
const ROCM_IMAGE = 'registry.local/vllm-rocm:2026.1';

/** A pool in namespace `llm` (NVIDIA, 1 GPU, Llama 3.1 8B unless overridden), synthesized and strictly validated. */
function render(props: Partial<VllmPoolProps> = {}): { manifests: Manifest[]; pool: VllmPool } {
  const chart = testChart();
  const pool = new VllmPool(chart, 'pool', { model: MODEL, accelerator: Accelerator.nvidiaGpu(1), ...props });
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return { manifests, pool };
}

/** A pool that is only constructed (for errors raised in the constructor). */
function make(props: Partial<VllmPoolProps> = {}): VllmPool {
  return new VllmPool(testChart(), 'pool', { model: MODEL, accelerator: Accelerator.nvidiaGpu(1), ...props });
}

function deploymentOf(manifests: Manifest[]): Manifest {
  return oneOfKind(manifests, 'Deployment');
}

function podSpecOf(manifests: Manifest[]): Manifest {
  return deploymentOf(manifests).spec.template.spec;
}

function vllmContainer(manifests: Manifest[]): Manifest {
  return containerOf(deploymentOf(manifests), 'vllm');
}

/** The pod volume mounted at `mountPath` in the vLLM container. */
function volumeAt(manifests: Manifest[], mountPath: string): Manifest {
  const mount = vllmContainer(manifests).volumeMounts.find((m: Manifest) => m.mountPath === mountPath);
  if (!mount) throw new Error(`nothing mounted at ${mountPath}`);
  return podSpecOf(manifests).volumes.find((v: Manifest) => v.name === mount.name);
}

/** The value following `flag` in the container args. */
function flagValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}

describe('defaults', () => {
  const { manifests, pool } = render();
  const deployment = deploymentOf(manifests);
  const podSpec = deployment.spec.template.spec;
  const container = vllmContainer(manifests);

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('renders a Deployment, a Service and a PodDisruptionBudget, and no PersistentVolumeClaim', () => {
    expect(manifests.map(m => m.kind).sort()).toEqual(['Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service']);
    expect(allOfKind(manifests, 'PersistentVolumeClaim')).toHaveLength(0);
    for (const m of manifests) expect(m.metadata.namespace).toBe('llm');
  });

  test('the pinned upstream CUDA image', () => {
    expect(container.image).toBe(VLLM_IMAGE);
    expect(container.image).toMatch(/^vllm\/vllm-openai:v\d+\.\d+\.\d+$/);
  });

  test('args: the model positional first, then served name, port and shutdown timeout', () => {
    expect(container.args).toEqual([MODEL, '--served-model-name', SERVED, '--port', '8000', '--shutdown-timeout', '600']);
    expect(pool.servedModelName).toBe(SERVED);
  });

  test('never a deprecated, removed or ignored flag', () => {
    for (const flag of ['--model', '--disable-log-requests', '--swap-space', '--device']) {
      expect(container.args).not.toContain(flag);
    }
    expect(container.command).toBeUndefined();
  });

  test('one GPU requested and limited alike, CPU requested, memory requested equal to its limit', () => {
    expect(container.resources.requests['nvidia.com/gpu']).toBe(1);
    expect(container.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(container.resources.requests.cpu).toBe('4');
    expect(container.resources.limits.cpu).toBeUndefined();
    expect(container.resources.requests.memory).toBe('32768Mi');
    expect(container.resources.limits.memory).toBe(container.resources.requests.memory);
  });

  test('/dev/shm is a memory-backed emptyDir of 2 GiB without parallelism', () => {
    expect(volumeAt(manifests, '/dev/shm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '2048Mi' });
  });

  test('startup probe: python3 checks the served model, budgeted 20 minutes', () => {
    const startup = container.startupProbe;
    expect(startup.exec.command.slice(0, 2)).toEqual(['python3', '-c']);
    expect(startup.failureThreshold * startup.periodSeconds).toBe(1200);
    const script: string = startup.exec.command[2];
    expect(script).toContain('/v1/models');
    expect(script).toContain('/health');
    expect(script).toContain('VLLM_API_KEY');
    expect(script).toContain(`"${SERVED}"`);
  });

  test('readiness runs the same model check; liveness is GET /health without an initial delay', () => {
    expect(container.readinessProbe.exec.command).toEqual(container.startupProbe.exec.command);
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/health', port: 8000 });
    expect(container.livenessProbe.initialDelaySeconds).toBeUndefined();
    expect(container.livenessProbe.exec).toBeUndefined();
  });

  test('graceful drain: preStop sleeps 15 s, the grace period covers it, the shutdown timeout and a margin', () => {
    expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', '15']);
    expect(podSpec.terminationGracePeriodSeconds).toBe(15 + 600 + 15);
  });

  test('service links are off, so no VLLM_PORT=tcp://… is injected', () => {
    expect(podSpec.enableServiceLinks).toBe(false);
  });

  test('Service: ClusterIP, port http 8000, selecting the pool pods', () => {
    const service = oneOfKind(manifests, 'Service');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 8000 }]);
    const podLabels = deployment.spec.template.metadata.labels;
    expect(Object.keys(service.spec.selector).length).toBeGreaterThan(0);
    for (const [k, v] of Object.entries(service.spec.selector)) expect(podLabels[k]).toBe(v);
    expect(container.ports).toEqual([{ containerPort: 8000, name: 'http' }]);
  });

  test('PodDisruptionBudget: one pod down at a time, selecting the pool pods', () => {
    const pdb = oneOfKind(manifests, 'PodDisruptionBudget');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    const podLabels = deployment.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) expect(podLabels[k]).toBe(v);
  });

  test('hardened: non-root 1000, read-only root filesystem, ALL capabilities dropped, no token', () => {
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(podSpec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
    expect(podSpec.automountServiceAccountToken).toBe(false);
  });

  test('HOME on a writable /tmp emptyDir, the Hugging Face cache at /models', () => {
    const env = envOf(container);
    expect(env.HOME.value).toBe('/tmp');
    expect(env.HF_HOME.value).toBe('/models');
    expect(volumeAt(manifests, '/tmp').emptyDir).toBeDefined();
    expect(volumeAt(manifests, '/models').emptyDir).toEqual({});
  });

  test('tolerates the GPU taint; no node affinity without a product', () => {
    expect(podSpec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(podSpec.affinity).toBeUndefined();
  });

  test('two replicas (one keeps serving through a drain), rolling by surging one pod and never dropping one', () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  test('the progress deadline covers the model load budget plus ten minutes', () => {
    expect(deployment.spec.progressDeadlineSeconds).toBe(1200 + 600);
  });

  test('soft spread over nodes and zones', () => {
    const constraints = podSpec.topologySpreadConstraints;
    expect(constraints.map((c: Manifest) => c.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    for (const c of constraints) {
      expect(c.whenUnsatisfiable).toBe('ScheduleAnyway');
      expect(c.labelSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    }
  });

  test('url names the Service in the chart namespace, port 8000, /v1', () => {
    const service = oneOfKind(manifests, 'Service');
    expect(pool.url).toBe(`http://${service.metadata.name}.llm.svc.cluster.local:8000/v1`);
    expect(pool.port).toBe(8000);
    expect(pool.namespace).toBe('llm');
  });

  test('objects are named from the construct id, without hashes; the pods are selected by name and instance', () => {
    expect(deployment.metadata.name).toBe('pool');
    expect(oneOfKind(manifests, 'Service').metadata.name).toBe('pool');
    expect(oneOfKind(manifests, 'PodDisruptionBudget').metadata.name).toBe('pool');
    expect(pool.name).toBe('pool');
    const selector = { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': 'pool' };
    expect(deployment.spec.selector).toEqual({ matchLabels: selector });
    expect(pool.deployment.matchLabels).toEqual(selector);
    expect(oneOfKind(manifests, 'Service').spec.selector).toEqual(selector);
    expect(deployment.spec.template.metadata.labels).toMatchObject(selector);
  });

  test('the vLLM version is read from the image tag', () => {
    expect(pool.vllmVersion).toBe(VLLM_IMAGE.split(':v')[1]);
    expect(pool.vllmVersion).toBe('0.26.0');
  });

  test('vLLM waits for its engine as long as the startup probe does (VLLM_ENGINE_READY_TIMEOUT_S)', () => {
    expect(envOf(container).VLLM_ENGINE_READY_TIMEOUT_S).toEqual({ name: 'VLLM_ENGINE_READY_TIMEOUT_S', value: '1200' });
  });

  test('no credentials without Secrets', () => {
    const env = envOf(container);
    expect(env.HF_TOKEN).toBeUndefined();
    expect(env.VLLM_API_KEY).toBeUndefined();
    expect(pool.apiKey).toBeUndefined();
  });
});

describe('metrics', () => {
  const pool = make();
  const scope = `{namespace="llm",pool="pool",model_name="${SERVED}"}`;

  test('helpers scope the vLLM V1 metrics to the namespace, the pool and the served model', () => {
    expect(pool.metricRequestsWaiting().selector).toBe(`vllm:num_requests_waiting${scope}`);
    expect(pool.metricRequestsRunning().selector).toBe(`vllm:num_requests_running${scope}`);
    expect(pool.metricKvCacheUsage().name).toBe('vllm:kv_cache_usage_perc');
    expect(pool.metricTimeToFirstToken().bucketSelector).toBe(`vllm:time_to_first_token_seconds_bucket${scope}`);
    expect(pool.metricE2eRequestLatency().bucketSelector).toBe(`vllm:e2e_request_latency_seconds_bucket${scope}`);
    expect(pool.metricRequestQueueTime().name).toBe('vllm:request_queue_time_seconds');
    expect(pool.metricInterTokenLatency().name).toBe('vllm:inter_token_latency_seconds');
    expect(pool.metricPreemptions().selector).toBe(`vllm:num_preemptions_total${scope}`);
    expect(pool.metricPromptTokens().name).toBe('vllm:prompt_tokens_total');
    expect(pool.metricGenerationTokens().name).toBe('vllm:generation_tokens_total');
    expect(pool.metricRequestSuccess().name).toBe('vllm:request_success_total');
  });

  test('no helper produces a removed metric name', () => {
    const helpers = [
      pool.metricRequestsWaiting(), pool.metricRequestsRunning(), pool.metricKvCacheUsage(), pool.metricTimeToFirstToken(),
      pool.metricE2eRequestLatency(), pool.metricRequestQueueTime(), pool.metricInterTokenLatency(), pool.metricPreemptions(),
      pool.metricPromptTokens(), pool.metricGenerationTokens(), pool.metricRequestSuccess(),
    ];
    const removed = ['vllm:gpu_cache_usage_perc', 'vllm:cpu_cache_usage_perc', 'vllm:time_per_output_token_seconds', 'vllm:num_requests_swapped'];
    for (const metric of helpers) {
      expect(metric.name).toMatch(/^vllm:/);
      expect(removed).not.toContain(metric.name);
      expect(metric.selector).toContain(scope);
    }
  });

  test('a custom served name scopes the metrics', () => {
    expect(make({ servedModelName: 'llama-8b' }).metricRequestsWaiting().selector)
      .toBe('vllm:num_requests_waiting{namespace="llm",pool="pool",model_name="llama-8b"}');
  });
});

describe('model and credentials', () => {
  test('revision renders --revision', () => {
    const args: string[] = vllmContainer(render({ revision: '0e9e39f249a16976918f6564b8830bc894c89659' }).manifests).args;
    expect(flagValue(args, '--revision')).toBe('0e9e39f249a16976918f6564b8830bc894c89659');
    expect(args[0]).toBe(MODEL);
  });

  test('hfToken and apiKey come from Secrets as HF_TOKEN and VLLM_API_KEY, never as literal values', () => {
    const { manifests, pool } = render({ hfToken: { secretName: 'hf', key: 'token' }, apiKey: { secretName: 'vllm-keys', key: 'llama' } });
    const container = vllmContainer(manifests);
    const env = envOf(container);
    expect(env.HF_TOKEN).toEqual({ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } });
    expect(env.VLLM_API_KEY).toEqual({ name: 'VLLM_API_KEY', valueFrom: { secretKeyRef: { name: 'vllm-keys', key: 'llama' } } });
    for (const flag of ['--api-key', '--hf-token']) expect(container.args).not.toContain(flag);
    expect(pool.apiKey).toEqual({ secretName: 'vllm-keys', key: 'llama' });
  });

  test('servedModelName overrides the derived name in the args and the probes', () => {
    const container = vllmContainer(render({ servedModelName: 'llama-8b' }).manifests);
    expect(flagValue(container.args, '--served-model-name')).toBe('llama-8b');
    expect(container.startupProbe.exec.command[2]).toContain('"llama-8b"');
  });

  test('engine options come after the pool\'s own flags', () => {
    const args: string[] = vllmContainer(render({
      revision: 'main',
      engine: { maxModelLenTokens: 8192, dtype: VllmDtype.BFLOAT16, enablePrefixCaching: true, extraArgs: ['--seed', '42'] },
    }).manifests).args;
    expect(args).toEqual([
      MODEL, '--served-model-name', SERVED, '--port', '8000', '--revision', 'main', '--shutdown-timeout', '600',
      '--max-model-len', '8192', '--dtype', 'bfloat16', '--enable-prefix-caching', '--seed', '42',
    ]);
  });
});

describe('accelerators', () => {
  test('tensor parallelism over two GPUs: two GPUs requested, 20 GiB /dev/shm, resources per GPU', () => {
    const { manifests } = render({ accelerator: Accelerator.nvidiaGpu(2), engine: { tensorParallelSize: 2 } });
    const container = vllmContainer(manifests);
    expect(container.resources.requests['nvidia.com/gpu']).toBe(2);
    expect(container.resources.limits['nvidia.com/gpu']).toBe(2);
    expect(container.resources.requests.cpu).toBe('8');
    expect(container.resources.limits.memory).toBe('65536Mi');
    expect(volumeAt(manifests, '/dev/shm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '20480Mi' });
    expect(flagValue(container.args, '--tensor-parallel-size')).toBe('2');
  });

  test('a GPU product and a node selector are ANDed in one required node selector term', () => {
    const podSpec = podSpecOf(render({
      accelerator: Accelerator.nvidiaGpu(1, { product: 'NVIDIA-A100-SXM4-80GB' }),
      nodeSelector: { 'example.com/pool': 'gpu' },
    }).manifests);
    const terms = podSpec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms).toHaveLength(1);
    expect(terms[0].matchExpressions).toEqual([
      { key: PRODUCT_LABEL, operator: 'In', values: ['NVIDIA-A100-SXM4-80GB'] },
      { key: 'example.com/pool', operator: 'In', values: ['gpu'] },
    ]);
    expect(podSpec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
  });

  test('a MIG slice requests its profile resource, not whole GPUs, and tolerates the GPU taint', () => {
    const { manifests } = render({ accelerator: Accelerator.mig('1g.10gb') });
    const container = vllmContainer(manifests);
    expect(container.resources.requests['nvidia.com/mig-1g.10gb']).toBe(1);
    expect(container.resources.limits['nvidia.com/mig-1g.10gb']).toBe(1);
    expect(container.resources.requests['nvidia.com/gpu']).toBeUndefined();
    expect(container.resources.limits['nvidia.com/gpu']).toBeUndefined();
    expect(container.image).toBe(VLLM_IMAGE);
    expect(podSpecOf(manifests).tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  test('an AMD pool requests amd.com/gpu with the image given and tolerates the AMD taint', () => {
    const { manifests } = render({ accelerator: Accelerator.amdGpu(1), image: ROCM_IMAGE, vllmVersion: '0.20.0' });
    const container = vllmContainer(manifests);
    expect(container.image).toBe(ROCM_IMAGE);
    expect(container.resources.requests['amd.com/gpu']).toBe(1);
    expect(container.resources.limits['amd.com/gpu']).toBe(1);
    expect(container.resources.requests['nvidia.com/gpu']).toBeUndefined();
    expect(podSpecOf(manifests).tolerations).toEqual([{ key: 'amd.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  test('a Neuron pool requests devices, parallel over their NeuronCores, with the image given', () => {
    const { manifests } = render({ accelerator: Accelerator.neuron(1), image: NEURON_IMAGE, vllmVersion: '0.11.0', engine: { tensorParallelSize: 2 } });
    const container = vllmContainer(manifests);
    expect(container.image).toBe(NEURON_IMAGE);
    expect(container.resources.requests['aws.amazon.com/neuron']).toBe(1);
    expect(container.resources.limits['aws.amazon.com/neuron']).toBe(1);
    expect(flagValue(container.args, '--tensor-parallel-size')).toBe('2');
    expect(podSpecOf(manifests).tolerations).toEqual([{ key: 'aws.amazon.com/neuron', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  test('a CPU pool: no extended resource, no toleration, 16 GiB memory', () => {
    const { manifests } = render({ accelerator: Accelerator.cpu(), image: 'registry.local/vllm-cpu:0.1.0', vllmVersion: '0.26.0' });
    const container = vllmContainer(manifests);
    expect(container.image).toBe('registry.local/vllm-cpu:0.1.0');
    expect(container.resources).toEqual({ requests: { cpu: '4', memory: '16384Mi' }, limits: { memory: '16384Mi' } });
    expect(podSpecOf(manifests).tolerations).toBeUndefined();
    expect(podSpecOf(manifests).affinity).toBeUndefined();
  });

  test('extended resources are requested and limited alike, next to the GPU', () => {
    const resources = vllmContainer(render({ extendedResources: { 'vpc.amazonaws.com/efa': 1 } }).manifests).resources;
    expect(resources.requests['vpc.amazonaws.com/efa']).toBe(1);
    expect(resources.limits['vpc.amazonaws.com/efa']).toBe(1);
    expect(resources.requests['nvidia.com/gpu']).toBe(1);
  });

  test('custom CPU and memory', () => {
    const resources = vllmContainer(render({ resources: { cpu: kplus.Cpu.units(8), memory: Size.gibibytes(64) } }).manifests).resources;
    expect(resources.requests).toMatchObject({ cpu: '8', memory: '65536Mi' });
    expect(resources.limits).toEqual({ memory: '65536Mi', 'nvidia.com/gpu': 1 });
  });

  test('a custom /dev/shm size', () => {
    expect(volumeAt(render({ shmSize: Size.gibibytes(8) }).manifests, '/dev/shm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '8192Mi' });
  });
});

describe('scheduling', () => {
  test('a spot preference is a preferred node affinity on karpenter.sh/capacity-type, weight 100', () => {
    const affinity = podSpecOf(render({ capacity: { prefer: CapacityType.SPOT } }).manifests).affinity.nodeAffinity;
    expect(affinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
      { weight: 100, preference: { matchExpressions: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }] } },
    ]);
    expect(affinity.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
  });

  test('a capacity preference with a custom node label, value and weight', () => {
    const affinity = podSpecOf(render({
      capacity: { prefer: CapacityType.ON_DEMAND, nodeLabel: 'eks.amazonaws.com/capacityType', labelValue: 'ON_DEMAND', weight: 40 },
    }).manifests).affinity.nodeAffinity;
    expect(affinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
      { weight: 40, preference: { matchExpressions: [{ key: 'eks.amazonaws.com/capacityType', operator: 'In', values: ['ON_DEMAND'] }] } },
    ]);
  });

  test('BIN_PACK prefers nodes already running the pool and drops the spread', () => {
    const { manifests } = render({ placement: PoolPlacement.BIN_PACK });
    const podSpec = podSpecOf(manifests);
    const preferred = podSpec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution;
    expect(preferred).toHaveLength(1);
    expect(preferred[0].weight).toBe(100);
    expect(preferred[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(preferred[0].podAffinityTerm.labelSelector.matchLabels).toEqual(deploymentOf(manifests).spec.selector.matchLabels);
    expect(podSpec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
    expect(podSpec.topologySpreadConstraints).toBeUndefined();
  });

  test('SPREAD (the default) renders two soft topology spread constraints and no pod affinity', () => {
    const podSpec = podSpecOf(render({ placement: PoolPlacement.SPREAD }).manifests);
    expect(podSpec.topologySpreadConstraints).toHaveLength(2);
    for (const c of podSpec.topologySpreadConstraints) expect(c.whenUnsatisfiable).toBe('ScheduleAnyway');
    expect(podSpec.affinity).toBeUndefined();
  });

  test('priority class and runtime class', () => {
    const podSpec = podSpecOf(render({ priorityClassName: 'llm-serving', runtimeClassName: 'nvidia' }).manifests);
    expect(podSpec.priorityClassName).toBe('llm-serving');
    expect(podSpec.runtimeClassName).toBe('nvidia');
  });

  test('replicas and PodDisruptionBudget maxUnavailable', () => {
    const { manifests } = render({ replicas: 3, maxUnavailable: 2 });
    expect(deploymentOf(manifests).spec.replicas).toBe(3);
    expect(oneOfKind(manifests, 'PodDisruptionBudget').spec.maxUnavailable).toBe(2);
  });
});

describe('model cache', () => {
  test('an emptyDir with a size limit', () => {
    const { manifests } = render({ modelCache: ModelCache.emptyDir(Size.gibibytes(100)) });
    expect(volumeAt(manifests, '/models').emptyDir).toEqual({ sizeLimit: '102400Mi' });
    expect(allOfKind(manifests, 'PersistentVolumeClaim')).toHaveLength(0);
  });

  test('an existing claim is mounted at /models and not rendered', () => {
    const { manifests, pool } = render({ modelCache: ModelCache.existingClaim('model-cache-llama') });
    expect(volumeAt(manifests, '/models').persistentVolumeClaim.claimName).toBe('model-cache-llama');
    expect(allOfKind(manifests, 'PersistentVolumeClaim')).toHaveLength(0);
    expect(pool.cacheClaim).toBeUndefined();
  });

  test('a new claim is rendered (size, storage class, ReadWriteMany) and mounted at /models', () => {
    const { manifests, pool } = render({ replicas: 2, modelCache: ModelCache.newClaim({ size: Size.gibibytes(200), storageClassName: 'efs-sc' }) });
    const pvc = oneOfKind(manifests, 'PersistentVolumeClaim');
    expect(pvc.spec.resources.requests.storage).toBe('200Gi');
    expect(pvc.spec.storageClassName).toBe('efs-sc');
    expect(pvc.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(pvc.metadata.namespace).toBe('llm');
    expect(volumeAt(manifests, '/models').persistentVolumeClaim.claimName).toBe(pvc.metadata.name);
    expect(pool.cacheClaim).toBeDefined();
    expect(envOf(vllmContainer(manifests)).HF_HOME.value).toBe('/models');
  });

  test('a ReadWriteOnce claim for a single replica: the old pod goes before the new one attaches the volume', () => {
    const { manifests } = render({ replicas: 1, modelCache: ModelCache.newClaim({ size: Size.gibibytes(50), accessMode: CacheAccessMode.READ_WRITE_ONCE }) });
    const pvc = oneOfKind(manifests, 'PersistentVolumeClaim');
    expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(pvc.spec.storageClassName).toBeUndefined();
    expect(oneOfKind(manifests, 'Deployment').spec.strategy.rollingUpdate).toEqual({ maxSurge: 0, maxUnavailable: 1 });
  });

  test('a created claim carries the pool\'s recommended labels', () => {
    const { manifests } = render({ modelCache: ModelCache.newClaim({ size: Size.gibibytes(50) }) });
    expect(oneOfKind(manifests, 'PersistentVolumeClaim').metadata.labels).toEqual(oneOfKind(manifests, 'Deployment').metadata.labels);
  });
});

describe('runtime and lifecycle', () => {
  test('PodUser.fixed(0) runs as root', () => {
    const { manifests } = render({ user: PodUser.fixed(0) });
    const container = vllmContainer(manifests);
    expect(container.securityContext).toMatchObject({ runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, capabilities: { drop: ['ALL'] } });
    expect(podSpecOf(manifests).securityContext).toMatchObject({ runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 });
  });

  test('a custom non-root user', () => {
    const { manifests } = render({ user: PodUser.fixed(2000) });
    expect(vllmContainer(manifests).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 2000, runAsGroup: 2000 });
    expect(podSpecOf(manifests).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 2000, fsGroup: 2000 });
  });

  test('maxModelLoadTime sizes the startup probe and the progress deadline', () => {
    const { manifests } = render({ maxModelLoadTime: Duration.minutes(40) });
    const startup = vllmContainer(manifests).startupProbe;
    expect(startup.failureThreshold).toBe(240);
    expect(startup.periodSeconds).toBe(10);
    expect(deploymentOf(manifests).spec.progressDeadlineSeconds).toBe(2400 + 600);
  });

  test('maxRequestDuration and drainDelay set the shutdown timeout, the preStop sleep and the grace period', () => {
    const { manifests } = render({ maxRequestDuration: Duration.minutes(30), drainDelay: Duration.seconds(20) });
    const container = vllmContainer(manifests);
    expect(flagValue(container.args, '--shutdown-timeout')).toBe('1800');
    expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', '20']);
    expect(podSpecOf(manifests).terminationGracePeriodSeconds).toBe(20 + 1800 + 15);
  });

  test('serviceName names the Service and the url', () => {
    const { manifests, pool } = render({ serviceName: 'llama-8b' });
    expect(oneOfKind(manifests, 'Service').metadata.name).toBe('llama-8b');
    expect(pool.url).toBe('http://llama-8b.llm.svc.cluster.local:8000/v1');
  });
});

describe('bad input', () => {
  const LABEL_RULE = 'must be a valid Kubernetes label value: at most 63 alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric';

  test('parallelism that does not match the GPUs per pod', () => {
    expect(() => make({ accelerator: Accelerator.nvidiaGpu(2) })).toThrow(
      "'engine.tensorParallelSize' (1) × pipelineParallelSize (1) must equal the 2 accelerator devices per pod (nvidia.com/gpu): vLLM spreads one model over exactly that many");
    expect(() => make({ engine: { tensorParallelSize: 2, pipelineParallelSize: 2 }, accelerator: Accelerator.nvidiaGpu(2) })).toThrow(
      "'engine.tensorParallelSize' (2) × pipelineParallelSize (2) must equal the 2 accelerator devices per pod (nvidia.com/gpu): vLLM spreads one model over exactly that many");
  });

  test('Neuron parallelism counts NeuronCores', () => {
    expect(() => make({ accelerator: Accelerator.neuron(1), image: NEURON_IMAGE, vllmVersion: '0.11.0' })).toThrow(
      "'engine.tensorParallelSize' (1) × pipelineParallelSize (1) must equal the 2 accelerator devices per pod (aws.amazon.com/neuron): vLLM spreads one model over exactly that many");
  });

  test('gpuMemoryUtilization out of (0, 1]', () => {
    expect(() => make({ engine: { gpuMemoryUtilization: 1.5 } })).toThrow("'engine.gpuMemoryUtilization' (1.5) must be greater than 0 and at most 1");
    expect(() => make({ engine: { gpuMemoryUtilization: 0 } })).toThrow("'engine.gpuMemoryUtilization' (0) must be greater than 0 and at most 1");
  });

  test('tensor parallelism on a MIG slice', () => {
    expect(() => make({ accelerator: Accelerator.mig('1g.10gb'), engine: { tensorParallelSize: 2 } })).toThrow(
      "'engine.tensorParallelSize' (2) must be 1 on a MIG slice (nvidia.com/mig-1g.10gb): a pod gets one MIG device, and a container must not request two MIG types");
  });

  test('an accelerator resource in extendedResources', () => {
    expect(() => make({ extendedResources: { 'amd.com/gpu': 1 } })).toThrow(
      "'extendedResources.amd.com/gpu' (1) is an accelerator resource: a pool runs on one accelerator type, set by 'accelerator' (nvidia.com/gpu)");
    expect(() => make({ extendedResources: { 'nvidia.com/mig-1g.10gb': 1 } })).toThrow(
      "'extendedResources.nvidia.com/mig-1g.10gb' (1) is an accelerator resource: a pool runs on one accelerator type, set by 'accelerator' (nvidia.com/gpu)");
  });

  test('a malformed or fractional extended resource', () => {
    expect(() => make({ extendedResources: { efa: 1 } })).toThrow(
      "'extendedResources' (\"efa\") must be an extended resource name like 'vpc.amazonaws.com/efa' (<domain>/<name>)");
    expect(() => make({ extendedResources: { 'vpc.amazonaws.com/efa': 0.5 } })).toThrow(
      "'extendedResources.vpc.amazonaws.com/efa' (0.5) must be a whole number greater than 0");
  });

  test('an unknown quantization or dtype', () => {
    expect(() => make({ engine: { quantization: 'int3' as any } })).toThrow(
      `'engine.quantization' ("int3") must be one of: ${Object.values(Quantization).join(', ')}`);
    expect(() => make({ engine: { dtype: 'int4' as any } })).toThrow(
      "'engine.dtype' (\"int4\") must be one of: auto, half, float16, bfloat16, float, float32");
  });

  test('a served model name that is not a label value, given or derived', () => {
    expect(() => make({ servedModelName: 'Llama 3' })).toThrow(`'servedModelName' ("Llama 3") ${LABEL_RULE}`);
    const long = 'a'.repeat(64);
    expect(() => make({ model: `org/${long}` })).toThrow(`'servedModelName' ("${long}") ${LABEL_RULE}`);
    expect(() => make({ model: 'org/model+v2' })).toThrow(`'servedModelName' ("model+v2") ${LABEL_RULE}`);
  });

  test('a model load budget shorter than the probe period', () => {
    expect(() => make({ maxModelLoadTime: Duration.seconds(5) })).toThrow(
      "'maxModelLoadTime' (\"5s\") must be at least the startup probe period (10s); loading a model usually takes minutes");
  });

  test('a Service named vllm', () => {
    expect(() => make({ serviceName: 'vllm' })).toThrow(
      "'serviceName' (\"vllm\") must not be \"vllm\": Kubernetes would inject VLLM_PORT=tcp://… into pods of the namespace and vLLM refuses to start; choose another name");
  });

  test('a Service name that is not a DNS-1035 label', () => {
    const rule = 'must be a DNS-1035 label: at most 63 lower-case alphanumerics or \'-\', starting with a letter and ending with an alphanumeric';
    expect(() => make({ serviceName: '8b-llama' })).toThrow(`'serviceName' ("8b-llama") ${rule}`);
    expect(() => make({ serviceName: 'Llama' })).toThrow(`'serviceName' ("Llama") ${rule}`);
  });

  test('no image for an AMD, Neuron or CPU pool', () => {
    expect(() => make({ accelerator: Accelerator.amdGpu(1) })).toThrow(
      `'image' (undefined) must be set for accelerator kind amd-gpu: ${VLLM_IMAGE} is built for NVIDIA CUDA; name a vLLM image built for amd-gpu`);
    expect(() => make({ accelerator: Accelerator.neuron(1), engine: { tensorParallelSize: 2 } })).toThrow(
      `'image' (undefined) must be set for accelerator kind aws-neuron: ${VLLM_IMAGE} is built for NVIDIA CUDA; name a vLLM image built for aws-neuron`);
    expect(() => make({ accelerator: Accelerator.cpu() })).toThrow(
      `'image' (undefined) must be set for accelerator kind cpu: ${VLLM_IMAGE} is built for NVIDIA CUDA; name a vLLM image built for cpu`);
  });

  test('/dev/shm as large as the memory limit', () => {
    expect(() => make({ shmSize: Size.gibibytes(32) })).toThrow(
      "'shmSize' (\"32768Mi\") must be less than the memory limit (32768Mi): /dev/shm is memory-backed and counts against it");
    expect(() => make({ accelerator: Accelerator.nvidiaGpu(2), engine: { tensorParallelSize: 2 }, resources: { memory: Size.gibibytes(16) } })).toThrow(
      "'shmSize' (\"20480Mi\") must be less than the memory limit (16384Mi): /dev/shm is memory-backed and counts against it");
  });

  test('an empty served model name', () => {
    expect(() => make({ servedModelName: '' })).toThrow("'servedModelName' (\"\") must not be empty");
  });

  test('a ReadWriteOnce cache claim with the default two replicas', () => {
    expect(() => make({ modelCache: ModelCache.newClaim({ size: Size.gibibytes(50), accessMode: CacheAccessMode.READ_WRITE_ONCE }) })).toThrow(
      "'modelCache.accessMode' (\"ReadWriteOnce\") cannot serve 2 replicas: a ReadWriteOnce volume attaches to one node; use CacheAccessMode.READ_WRITE_MANY, or set replicas to 1");
  });

  test('a ReadWriteOnce cache claim for two replicas', () => {
    expect(() => make({ replicas: 2, modelCache: ModelCache.newClaim({ size: Size.gibibytes(50), accessMode: CacheAccessMode.READ_WRITE_ONCE }) })).toThrow(
      "'modelCache.accessMode' (\"ReadWriteOnce\") cannot serve 2 replicas: a ReadWriteOnce volume attaches to one node; use CacheAccessMode.READ_WRITE_MANY, or set replicas to 1");
  });

  test('bad model cache settings', () => {
    expect(() => ModelCache.newClaim({ size: Size.gibibytes(0) })).toThrow(
      "'modelCache.size' (\"0Mi\") must be a whole number of mebibytes from 1 to 1073741824 (1 PiB), e.g. Size.gibibytes(2)");
    expect(() => ModelCache.existingClaim('Models')).toThrow(
      "'modelCache.claimName' (\"Models\") must be a DNS-1123 subdomain: at most 253 lower-case alphanumerics, '-' or '.', starting and ending with an alphanumeric");
  });

  test.each([
    [['--model', 'x'], '--model', 'must not set --model: the pool passes the model as the positional argument of \'vllm serve\' (--model is deprecated for serve)'],
    [['--revision', 'main'], '--revision', 'must not set --revision: set the pool\'s \'revision\' prop'],
    [['--shutdown-timeout', '30'], '--shutdown-timeout', 'must not set --shutdown-timeout: the pool derives it from \'maxRequestDuration\' so that the drain and the grace period agree'],
    [['--hf-token', 'hf_x'], '--hf-token', 'must not set --hf-token: a token on the command line is visible in the pod spec; set the pool\'s \'hfToken\' Secret reference (HF_TOKEN)'],
  ])('extraArgs %j are refused', (extraArgs, flag, rule) => {
    expect(() => make({ engine: { extraArgs } })).toThrow(`'engine.extraArgs[0]' ("${flag}") ${rule}`);
  });

  test('an empty or whitespace model', () => {
    expect(() => make({ model: '' })).toThrow("'model' (\"\") must be a Hugging Face repository id or a path, without whitespace");
    expect(() => make({ model: 'meta-llama/Llama 3' })).toThrow(
      "'model' (\"meta-llama/Llama 3\") must be a Hugging Face repository id or a path, without whitespace");
  });

  test('an empty revision', () => {
    expect(() => make({ revision: ' ' })).toThrow("'revision' (\" \") must be a branch, tag or commit, without whitespace");
  });

  test('a capacity weight out of 1 to 100', () => {
    expect(() => make({ capacity: { prefer: CapacityType.SPOT, weight: 0 } })).toThrow("'capacity.weight' (0) must be a whole number from 1 to 100");
    expect(() => make({ capacity: { prefer: CapacityType.SPOT, weight: 101 } })).toThrow("'capacity.weight' (101) must be a whole number from 1 to 100");
  });

  test('invalid Secret references', () => {
    expect(() => make({ hfToken: { secretName: 'HF', key: 'token' } })).toThrow(
      "'hfToken.secretName' (\"HF\") must be a DNS-1123 subdomain: at most 253 lower-case alphanumerics, '-' or '.', starting and ending with an alphanumeric");
    expect(() => make({ apiKey: { secretName: 'keys', key: 'a/b' } })).toThrow(
      "'apiKey.key' (\"a/b\") must be a valid Secret key: alphanumerics, '-', '_' or '.'");
  });

  test('non-positive counts and durations', () => {
    expect(() => make({ replicas: 0 })).toThrow("'replicas' (0) must be a whole number greater than 0");
    expect(() => make({ maxUnavailable: 0 })).toThrow("'maxUnavailable' (0) must be a whole number greater than 0");
    expect(() => make({ maxRequestDuration: Duration.seconds(0) })).toThrow(
      "'maxRequestDuration' (\"0ms\") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(1))");
    expect(() => make({ drainDelay: Duration.seconds(0) })).toThrow("'drainDelay' (\"0ms\") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(1))");
  });

  test('a node selector value that is not a label value', () => {
    expect(() => make({ nodeSelector: { 'example.com/pool': 'gpu pool' } })).toThrow(`'nodeSelector.example.com/pool' ("gpu pool") ${LABEL_RULE}`);
  });

  test('a chart without a namespace', () => {
    expect(() => new VllmPool(testChart(null), 'pool', { model: MODEL, accelerator: Accelerator.nvidiaGpu(1) })).toThrow(
      "'Chart.namespace' (undefined) must be set for VllmPool: its Service URL and metric selectors are namespace-scoped (new Chart(app, id, { namespace: '...' }))");
    expect(() => new VllmPool(new Chart(Testing.app(), 'bare'), 'pool', { model: MODEL, accelerator: Accelerator.nvidiaGpu(1) })).toThrow(
      "'Chart.namespace' (undefined) must be set for VllmPool");
  });
});

describe('autoscaling-ready', () => {
  test('an autoscaler on the Deployment removes spec.replicas', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', { model: MODEL, accelerator: Accelerator.nvidiaGpu(1) });
    new kplus.HorizontalPodAutoscaler(chart, 'hpa', { target: pool.deployment, maxReplicas: 4, minReplicas: 1 });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    expect(oneOfKind(manifests, 'Deployment').spec.replicas).toBeUndefined();
  });
});

describe('names', () => {
  test('name sets every object name; a new claim is <name>-model-cache', () => {
    const { manifests, pool } = render({ name: 'llama-3-1-8b', modelCache: ModelCache.newClaim({ size: Size.gibibytes(50) }) });
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget']) expect(oneOfKind(manifests, kind).metadata.name).toBe('llama-3-1-8b');
    expect(oneOfKind(manifests, 'PersistentVolumeClaim').metadata.name).toBe('llama-3-1-8b-model-cache');
    expect(volumeAt(manifests, '/models').persistentVolumeClaim.claimName).toBe('llama-3-1-8b-model-cache');
    expect(deploymentOf(manifests).spec.template.metadata.labels['app.kubernetes.io/instance']).toBe('llama-3-1-8b');
    expect(pool.url).toBe('http://llama-3-1-8b.llm.svc.cluster.local:8000/v1');
  });

  test('serviceName names the Service only', () => {
    const { manifests } = render({ name: 'llama', serviceName: 'llama-svc' });
    expect(oneOfKind(manifests, 'Service').metadata.name).toBe('llama-svc');
    expect(deploymentOf(manifests).metadata.name).toBe('llama');
  });

  test('names and selectors stay put when the construct tree is refactored', () => {
    const flat = testChart();
    new VllmPool(flat, 'llama', { model: MODEL, accelerator: Accelerator.nvidiaGpu(1) });
    const nested = testChart();
    new VllmPool(new Construct(nested, 'models'), 'llama', { model: MODEL, accelerator: Accelerator.nvidiaGpu(1) });
    const pick = (m: Manifest[]) => m.map(o => [o.kind, o.metadata.name, o.spec.selector]);
    expect(pick(synth(nested))).toEqual(pick(synth(flat)));
  });

  test('two pools with one serviceName: the second names both', () => {
    const chart = testChart();
    new VllmPool(chart, 'a', { model: MODEL, accelerator: Accelerator.nvidiaGpu(1), serviceName: 'shared' });
    expect(() => new VllmPool(chart, 'b', { model: MODEL, accelerator: Accelerator.nvidiaGpu(1), serviceName: 'shared' })).toThrow(new Error(
      '\'serviceName\' ("shared") names a Service in namespace "llm" that \'test/a\' already renders: \'test/b\' would overwrite it on apply; give one of them another name'));
  });

  test('a pool named like another pool\'s Service', () => {
    const chart = testChart();
    new VllmPool(chart, 'a', { model: MODEL, accelerator: Accelerator.nvidiaGpu(1), serviceName: 'b' });
    expect(() => new VllmPool(chart, 'b', { model: MODEL, accelerator: Accelerator.nvidiaGpu(1) })).toThrow(new Error(
      '\'name\' ("b") names a Service in namespace "llm" that \'test/a\' already renders: \'test/b\' would overwrite it on apply; give one of them another name'));
  });

  test('two pools with one name in different namespaces are fine', () => {
    const app = Testing.app();
    new VllmPool(new Chart(app, 'one', { namespace: 'one' }), 'llama', { model: MODEL, accelerator: Accelerator.nvidiaGpu(1) });
    expect(() => new VllmPool(new Chart(app, 'two', { namespace: 'two' }), 'llama', { model: MODEL, accelerator: Accelerator.nvidiaGpu(1) })).not.toThrow();
  });

  const DNS1035 = 'must be a DNS-1035 label (at most 63 lower-case alphanumerics or \'-\', starting with a letter and ending with an alphanumeric)';
  test.each(['', ' ', 'Llama', 'llama_8b', 'llämä', '8b', 'a'.repeat(64), 'a: b'])('name %j is refused', name => {
    expect(() => make({ name })).toThrow(new Error(
      `'name' (${JSON.stringify(name)}) ${DNS1035}: object names come from it; set 'name' to a name like 'llama-3-1-8b'`));
  });

  test('a construct id that is not a name, without a name prop', () => {
    expect(() => new VllmPool(testChart(), 'Llama 8B', { model: MODEL, accelerator: Accelerator.nvidiaGpu(1) })).toThrow(new Error(
      `'name' ("Llama 8B") ${DNS1035}: object names come from the construct id of 'test/Llama 8B'; set 'name' to a name like 'llama-3-1-8b'`));
  });

  test('a pool named vllm would name its Service vllm', () => {
    expect(() => make({ name: 'vllm' })).toThrow(new Error(
      '\'name\' ("vllm") names the Service too: it must not be "vllm": Kubernetes would inject VLLM_PORT=tcp://… into pods of the namespace and vLLM refuses to start; choose another name'));
    expect(() => make({ name: 'vllm', serviceName: 'vllm-llama' })).not.toThrow();
  });
});

describe('vLLM version', () => {
  const custom = { image: 'registry.local/vllm-custom:2026.3' };

  test('0.18.0 and later drain with --shutdown-timeout after a preStop sleep', () => {
    const { manifests, pool } = render({ ...custom, vllmVersion: '0.18.0' });
    const container = vllmContainer(manifests);
    expect(pool.vllmVersion).toBe('0.18.0');
    expect(flagValue(container.args, '--shutdown-timeout')).toBe('600');
    expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', '15']);
  });

  test('before 0.18.0: no --shutdown-timeout; preStop holds SIGTERM until no request is held, within the grace period', () => {
    const { manifests } = render({ ...custom, vllmVersion: '0.17.1', maxRequestDuration: Duration.minutes(5), drainDelay: Duration.seconds(20) });
    const container = vllmContainer(manifests);
    expect(container.args).not.toContain('--shutdown-timeout');
    expect(container.args).toEqual([MODEL, '--served-model-name', SERVED, '--port', '8000']);
    const [python, flag, script] = container.lifecycle.preStop.exec.command;
    expect([python, flag]).toEqual(['python3', '-c']);
    expect(script).toContain('time.sleep(20)');
    expect(script).toContain('deadline = time.time() + 300');
    expect(script).toContain('"vllm:num_requests_running{"');
    expect(script).toContain('"vllm:num_requests_waiting{"');
    expect(script).toContain('http://127.0.0.1:8000/metrics');
    expect(podSpecOf(manifests).terminationGracePeriodSeconds).toBe(20 + 300 + 15);
  });

  test('VLLM_ENGINE_READY_TIMEOUT_S from 0.16.0 on; older releases have no such variable', () => {
    expect(envOf(vllmContainer(render({ ...custom, vllmVersion: '0.16.0', maxModelLoadTime: Duration.minutes(45) }).manifests))
      .VLLM_ENGINE_READY_TIMEOUT_S.value).toBe('2700');
    expect(envOf(vllmContainer(render({ ...custom, vllmVersion: '0.15.1' }).manifests)).VLLM_ENGINE_READY_TIMEOUT_S).toBeUndefined();
  });

  test('the oldest supported release, 0.11.0 (vllm-neuron 0.2.0): neither the flag nor the variable', () => {
    const container = vllmContainer(render({ ...custom, vllmVersion: '0.11.0' }).manifests);
    expect(container.args).not.toContain('--shutdown-timeout');
    expect(envOf(container).VLLM_ENGINE_READY_TIMEOUT_S).toBeUndefined();
  });

  test('a vllm/vllm-openai tag is the version, with or without the docker.io prefix; a four-part release compares right', () => {
    expect(make({ image: 'docker.io/vllm/vllm-openai:v0.19.1' }).vllmVersion).toBe('0.19.1');
    expect(make({ image: 'vllm/vllm-openai:v0.17.1.1' }).vllmVersion).toBe('0.17.1.1');
    expect(vllmContainer(render({ image: 'vllm/vllm-openai:v0.17.1.1' }).manifests).args).not.toContain('--shutdown-timeout');
    expect(make({ image: 'vllm/vllm-openai:v0.19.1', vllmVersion: '0.19.1' }).vllmVersion).toBe('0.19.1');
  });

  test.each([
    ['registry.local/vllm-custom:2026.3'],
    ['vllm/vllm-openai:latest'],
    ['vllm/vllm-openai@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'],
    ['registry.local/vllm/vllm-openai:v0.26.0'],
  ])('image %s carries no vLLM version: vllmVersion is required', image => {
    expect(() => make({ image })).toThrow(new Error(
      `'vllmVersion' (undefined) is required for image ${JSON.stringify(image)}: only a vllm/vllm-openai:vX.Y.Z tag carries the vLLM version; declare the version the image runs, e.g. vllmVersion: '0.16.0'`));
  });

  test('a declared version that contradicts the tag', () => {
    expect(() => make({ vllmVersion: '0.25.0' })).toThrow(new Error(
      `'vllmVersion' ("0.25.0") contradicts the tag of image "${VLLM_IMAGE}" (vLLM 0.26.0): omit vllmVersion or make them agree`));
  });

  test.each(['v0.16.0', '0.16', 'latest', '', '0.16.0-neuron', 16])('vllmVersion %j is not a version', vllmVersion => {
    expect(() => make({ ...custom, vllmVersion: vllmVersion as string })).toThrow(new Error(
      `'vllmVersion' (${JSON.stringify(vllmVersion)}) must be a vLLM release version like '0.16.0' (digits and dots, no leading 'v')`));
  });

  test('releases before 0.11.0 are refused, declared or tagged', () => {
    const rule = 'the oldest release the pool\'s flags, probes and metric names were checked against; use a newer vLLM image';
    expect(() => make({ ...custom, vllmVersion: '0.10.2' })).toThrow(new Error(`'vllmVersion' ("0.10.2") is older than vLLM 0.11.0, ${rule}`));
    expect(() => make({ image: 'vllm/vllm-openai:v0.9.2' })).toThrow(new Error(
      `'image' ("vllm/vllm-openai:v0.9.2") runs vLLM 0.9.2, older than vLLM 0.11.0, ${rule}`));
  });
});

describe('kubelet expansion', () => {
  test('$ in the model, the revision, the download dir and extraArgs reaches vLLM literally ($$)', () => {
    const args: string[] = vllmContainer(render({
      model: '/models/$(MODEL)',
      servedModelName: 'm',
      revision: 'v$(REV)',
      engine: { downloadDir: '/data/$(HOME)', extraArgs: ['--chat-template', '{{ $(X) }}', '--seed', '$$1'] },
    }).manifests).args;
    expect(args).toEqual([
      '/models/$$(MODEL)', '--served-model-name', 'm', '--port', '8000', '--revision', 'v$$(REV)', '--shutdown-timeout', '600',
      '--download-dir', '/data/$$(HOME)', '--chat-template', '{{ $$(X) }}', '--seed', '$$$$1',
    ]);
  });
});

describe('user', () => {
  test('platform-assigned: no uid, gid or fsGroup; still non-root, read-only, no capabilities; HOME stays on the writable /tmp', () => {
    const { manifests, pool } = render({ user: PodUser.platformAssigned() });
    const container = vllmContainer(manifests);
    const podContext = podSpecOf(manifests).securityContext;
    for (const key of ['runAsUser', 'runAsGroup', 'fsGroup']) {
      expect(podContext[key]).toBeUndefined();
      expect(container.securityContext[key]).toBeUndefined();
    }
    expect(podContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] },
    });
    expect(envOf(container).HOME.value).toBe('/tmp');
    expect(envOf(container).USER.value).toBe('vllm');
    expect(volumeAt(manifests, '/tmp').emptyDir).toBeDefined();
    expect(pool.user).toEqual(PodUser.platformAssigned());
  });

  test('the default is uid 1000', () => {
    expect(make().user).toEqual(PodUser.fixed(1000));
  });

  test('a user that is not a PodUser', () => {
    expect(() => make({ user: 1000 as unknown as PodUser })).toThrow(new Error(
      "'user' (1000) must be a PodUser: PodUser.fixed(uid) or PodUser.platformAssigned()"));
  });
});

describe('metric identity', () => {
  const DISCOVERY = { labels: { release: 'kube-prometheus-stack' }, scraper: NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }) };

  test('monitor(): a PodMonitor named like the pool copies the instance label into target label pool', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'llama', { model: MODEL, accelerator: Accelerator.nvidiaGpu(1) });
    expect(pool.podMonitor).toBeUndefined();
    const monitor = pool.monitor(DISCOVERY);
    expect(pool.podMonitor).toBe(monitor);
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const podMonitor = oneOfKind(manifests, 'PodMonitor');
    expect(podMonitor.metadata.name).toBe('llama');
    expect(podMonitor.spec.podMetricsEndpoints[0].relabelings).toEqual([
      { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], targetLabel: 'pool', action: 'replace' },
    ]);
    expect(deploymentOf(manifests).spec.template.metadata.labels['app.kubernetes.io/instance']).toBe('llama');
  });

  test('monitor() twice', () => {
    const pool = make();
    pool.monitor(DISCOVERY);
    expect(() => pool.monitor(DISCOVERY)).toThrow(new Error(
      '\'monitor()\' ("test/pool") was already called: the pool has one PodMonitor (\'test/pool/Monitor\'); call monitor() once'));
  });

  test('two pools serving one model name in one namespace read different series', () => {
    const chart = testChart();
    const a = new VllmPool(chart, 'llama-a', { model: MODEL, servedModelName: 'llama', accelerator: Accelerator.nvidiaGpu(1) });
    const b = new VllmPool(chart, 'llama-b', { model: MODEL, servedModelName: 'llama', accelerator: Accelerator.nvidiaGpu(1) });
    expect(a.metricRequestsWaiting().selector).toBe('vllm:num_requests_waiting{namespace="llm",pool="llama-a",model_name="llama"}');
    expect(b.metricRequestsWaiting().selector).toBe('vllm:num_requests_waiting{namespace="llm",pool="llama-b",model_name="llama"}');
  });

  test('GPU metrics select the pool\'s pods by name; metricGpuBusy is engine activity, a ratio', () => {
    const pool = make({ name: 'llama' });
    expect(pool.metricGpuUtilization().selector).toBe('DCGM_FI_DEV_GPU_UTIL{namespace="llm",pod=~"llama-[a-z0-9]+-[a-z0-9]+"}');
    expect(pool.metricGpuBusy().selector).toBe('DCGM_FI_PROF_GR_ENGINE_ACTIVE{namespace="llm",pod=~"llama-[a-z0-9]+-[a-z0-9]+"}');
  });

  test('GPU utilization of a MIG pool is refused; engine activity works', () => {
    const pool = make({ accelerator: Accelerator.mig('3g.20gb') });
    expect(() => pool.metricGpuUtilization()).toThrow(new Error(
      '\'accelerator\' ("nvidia.com/mig-3g.20gb") is a MIG slice: DCGM_FI_DEV_GPU_UTIL reads 0 or is absent on MIG slices (NVIDIA/dcgm-exporter #216); use metricGpuBusy() or metricGpuEngineActive() (DCGM_FI_PROF_GR_ENGINE_ACTIVE, a ratio 0 to 1)'));
    expect(pool.metricGpuBusy().name).toBe('DCGM_FI_PROF_GR_ENGINE_ACTIVE');
    expect(pool.metricGpuEngineActive().name).toBe('DCGM_FI_PROF_GR_ENGINE_ACTIVE');
  });

  test('GPU metrics of a pool without NVIDIA GPUs are refused', () => {
    const rule = 'is not an NVIDIA GPU: dcgm-exporter reports NVIDIA GPUs only, so the pool has no GPU metrics';
    const amd = make({ accelerator: Accelerator.amdGpu(1), image: ROCM_IMAGE, vllmVersion: '0.20.0' });
    expect(() => amd.metricGpuBusy()).toThrow(new Error(`'accelerator' ("amd.com/gpu") ${rule}`));
    expect(() => amd.metricGpuUtilization()).toThrow(new Error(`'accelerator' ("amd.com/gpu") ${rule}`));
    const cpu = make({ accelerator: Accelerator.cpu(), image: 'registry.local/vllm-cpu:1', vllmVersion: '0.20.0' });
    expect(() => cpu.metricGpuEngineActive()).toThrow(new Error(`'accelerator' ("cpu") ${rule}`));
  });
});

describe('hostile input', () => {
  const LABEL_RULE = 'must be a valid Kubernetes label value: at most 63 alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric';
  const plain = (props: unknown) => () => new VllmPool(testChart(), 'pool', props as VllmPoolProps);

  test('required props missing from plain JavaScript', () => {
    expect(plain({ accelerator: Accelerator.nvidiaGpu(1) })).toThrow(new Error(
      "'model' (undefined) is required: the Hugging Face repository id or the path in the container to serve, e.g. 'meta-llama/Llama-3.1-8B-Instruct'"));
    expect(plain({ model: MODEL })).toThrow(new Error(
      "'accelerator' (undefined) is required: what each pod runs on, e.g. Accelerator.nvidiaGpu(1), Accelerator.mig('3g.20gb'), Accelerator.neuron(1)"));
    expect(plain(undefined)).toThrow(new Error("'props' (undefined) must be the props of the pool: { model, accelerator, ... }"));
  });

  test('wrong types from plain JavaScript', () => {
    expect(plain({ model: MODEL, accelerator: 'nvidia' })).toThrow(new Error(
      "'accelerator' (\"nvidia\") must be an Accelerator: Accelerator.nvidiaGpu(n), Accelerator.mig(profile), Accelerator.amdGpu(n), Accelerator.neuron(n) or Accelerator.cpu()"));
    expect(plain({ model: 42, accelerator: Accelerator.nvidiaGpu(1) })).toThrow(new Error(
      "'model' (42) must be a Hugging Face repository id or a path, without whitespace"));
    expect(() => make({ modelCache: true as unknown as ModelCache })).toThrow(new Error(
      "'modelCache' (true) must be a ModelCache: ModelCache.emptyDir(), ModelCache.existingClaim(name) or ModelCache.newClaim({ size })"));
    expect(() => make({ hfToken: 'hf' as unknown as { secretName: string; key: string } })).toThrow(new Error(
      "'hfToken' (\"hf\") must be a Secret reference: { secretName, key }"));
    expect(() => make({ serviceName: 123 as unknown as string })).toThrow(new Error(
      "'serviceName' (123) must be a DNS-1035 label: at most 63 lower-case alphanumerics or '-', starting with a letter and ending with an alphanumeric"));
    expect(() => make({ engine: { enablePrefixCaching: 'false' as unknown as boolean } })).toThrow(new Error(
      "'engine.enablePrefixCaching' (\"false\") must be true or false"));
  });

  test('enum values cast in', () => {
    expect(() => make({ placement: 'random' as PoolPlacement })).toThrow(new Error("'placement' (\"random\") must be one of: spread, bin-pack"));
    expect(() => make({ capacity: { prefer: 'cheap' as CapacityType } })).toThrow(new Error("'capacity.prefer' (\"cheap\") must be one of: spot, on-demand"));
    expect(() => make({ engine: { kvCacheDtype: 'int8' as KvCacheDtype } })).toThrow(new Error(
      `'engine.kvCacheDtype' ("int8") must be one of: ${Object.values(KvCacheDtype).join(', ')}`));
  });

  test('Durations the pool cannot use name the prop', () => {
    expect(() => make({ maxModelLoadTime: Duration.minutes(1e-9) })).toThrow(new Error(
      "'maxModelLoadTime' (\"0.00006ms\") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(1))"));
    expect(() => make({ maxModelLoadTime: Duration.seconds(NaN) })).toThrow(new Error(
      "'maxModelLoadTime' (\"NaNms\") must be a finite Duration, e.g. Duration.seconds(30)"));
    expect(() => make({ maxModelLoadTime: Duration.days(2) })).toThrow(new Error("'maxModelLoadTime' (\"172800s\") must be at most a day (86400s)"));
    expect(() => make({ drainDelay: Duration.millis(1500) })).toThrow(new Error(
      "'drainDelay' (\"1500ms\") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(2))"));
    expect(() => make({ maxRequestDuration: Duration.seconds(Infinity) })).toThrow(new Error(
      "'maxRequestDuration' (\"Infinityms\") must be a finite Duration, e.g. Duration.seconds(30)"));
    expect(() => make({ maxRequestDuration: Duration.days(365) })).toThrow(new Error("'maxRequestDuration' (\"31536000s\") must be at most a day (86400s)"));
    expect(() => make({ slo: { ttftP95: Duration.millis(0) } })).toThrow(new Error("'slo.ttftP95' (\"0ms\") must be longer than 0"));
    expect(() => make({ slo: { e2eLatencyP99: Duration.seconds(NaN) } })).toThrow(new Error(
      "'slo.e2eLatencyP99' (\"NaNms\") must be a finite Duration, e.g. Duration.seconds(30)"));
    expect(() => make({ slo: { ttftP95: Duration.millis(0.5) } })).toThrow(new Error(
      "'slo.ttftP95' (\"0.5ms\") must be a whole number of milliseconds, e.g. Duration.seconds(2)"));
    expect(() => make({ slo: { queuePerReplica: Infinity } })).toThrow(new Error("'slo.queuePerReplica' (Infinity) must be greater than 0"));
  });

  test('Sizes the pool cannot render name the prop', () => {
    expect(() => make({ shmSize: Size.gibibytes(NaN) })).toThrow(new Error("'shmSize' (\"NaNMi\") must be a whole number of mebibytes from 1 to 1073741824 (1 PiB), e.g. Size.gibibytes(2)"));
    expect(() => make({ shmSize: Size.gibibytes(Infinity) })).toThrow(new Error("'shmSize' (\"InfinityMi\") must be a whole number of mebibytes from 1 to 1073741824 (1 PiB), e.g. Size.gibibytes(2)"));
    expect(() => make({ shmSize: Size.kibibytes(1) })).toThrow(new Error(
      "'shmSize' (\"0.0009765625Mi\") must be a whole number of mebibytes from 1 to 1073741824 (1 PiB), e.g. Size.gibibytes(2)"));
    expect(() => make({ resources: { memory: Size.gibibytes(NaN) } })).toThrow(new Error(
      "'resources.memory' (\"NaNMi\") must be a whole number of mebibytes from 1 to 1073741824 (1 PiB), e.g. Size.gibibytes(2)"));
    expect(() => make({ resources: { memory: Size.gibibytes(1e300) } })).toThrow(new Error(
      "'resources.memory' (\"1.024e+303Mi\") must be a whole number of mebibytes from 1 to 1073741824 (1 PiB), e.g. Size.gibibytes(2)"));
    expect(() => make({ resources: { cpu: kplus.Cpu.units(NaN) } })).toThrow(new Error(
      "'resources.cpu' (\"NaN\") must be a Cpu greater than 0, e.g. Cpu.units(4) or Cpu.millis(500)"));
    expect(() => make({ resources: { cpu: kplus.Cpu.millis(0) } })).toThrow(new Error(
      "'resources.cpu' (\"0m\") must be a Cpu greater than 0, e.g. Cpu.units(4) or Cpu.millis(500)"));
  });

  test('huge numbers', () => {
    expect(() => make({ replicas: 1e300 })).toThrow(new Error("'replicas' (1e+300) must be at most 2147483647"));
    expect(() => make({ replicas: Infinity })).toThrow(new Error("'replicas' (Infinity) must be a whole number greater than 0"));
    expect(() => make({ maxUnavailable: 2 ** 31 })).toThrow(new Error("'maxUnavailable' (2147483648) must be at most 2147483647"));
    expect(() => make({ extendedResources: { 'vpc.amazonaws.com/efa': 3e9 } })).toThrow(new Error(
      "'extendedResources.vpc.amazonaws.com/efa' (3000000000) must be at most 2147483647"));
    expect(() => make({ engine: { maxModelLenTokens: 1e300 } })).toThrow(new Error("'engine.maxModelLenTokens' (1e+300) must be at most 2147483647"));
  });

  test('whitespace, control characters, unicode and YAML-breaking characters', () => {
    expect(() => make({ model: 'org/m\nx' })).toThrow(new Error(
      "'model' (\"org/m\\nx\") must be a Hugging Face repository id or a path, without whitespace"));
    expect(() => make({ model: ' ' })).toThrow(new Error("'model' (\" \") must be a Hugging Face repository id or a path, without whitespace"));
    expect(() => make({ revision: 'main\t' })).toThrow(new Error("'revision' (\"main\\t\") must be a branch, tag or commit, without whitespace"));
    expect(() => make({ servedModelName: 'llämä' })).toThrow(new Error(`'servedModelName' ("llämä") ${LABEL_RULE}`));
    expect(() => make({ servedModelName: 'a: {b}' })).toThrow(new Error(`'servedModelName' ("a: {b}") ${LABEL_RULE}`));
    expect(() => make({ image: 'vllm/vllm-openai:v0.26.0 --privileged' })).toThrow(new Error(
      "'image' (\"vllm/vllm-openai:v0.26.0 --privileged\") must be an image reference, without whitespace"));
    expect(() => make({ nodeSelector: { 'bad key': 'x' } })).toThrow(new Error(
      "'nodeSelector' (\"bad key\") is not a Kubernetes label key: an optional DNS subdomain prefix and '/', then a name of at most 63 alphanumerics, '-', '_' or '.', e.g. 'nvidia.com/gpu.present'"));
  });

  test('a model path with YAML-special characters renders as a plain string', () => {
    const args: string[] = vllmContainer(render({ model: '/models/a:b#c{d}', servedModelName: 'm' }).manifests).args;
    expect(args[0]).toBe('/models/a:b#c{d}');
  });

  test('an os.environ/ reference as the served model name', () => {
    expect(() => make({ servedModelName: 'os.environ/OPENAI_API_KEY' })).toThrow(new Error(
      '\'servedModelName\' ("os.environ/OPENAI_API_KEY") must not start with "os.environ/": LiteLLM would read it as a reference to one of its environment variables'));
  });

  test('a flag and its value in one extraArgs element', () => {
    expect(() => make({ engine: { extraArgs: ['--seed 42'] } })).toThrow(new Error(
      "'engine.extraArgs[0]' (\"--seed 42\") holds a flag and its value in one element: vLLM would read it as one unknown argument; give each its own element: '--seed', '42'"));
  });

  // Every hostile value of every prop ends in the library's Error naming that prop: never a
  // TypeError or RangeError from inside the library or cdk8s, never a silent manifest.
  const D = Duration;
  const hostile: Record<string, unknown[]> = {
    name: ['', ' ', 'UPPER', 'ünï', 'a'.repeat(64), 'x: y', 42, {}],
    model: ['', ' ', '\n', 'a b', 42, {}, [], true, null],
    revision: ['', ' ', 'a b', 42, {}],
    servedModelName: ['', 'a b', 'ü', 'os.environ/X', 'a'.repeat(64), 42, '$(X)', 'a/b'],
    accelerator: [null, 'gpu', {}, 1, Accelerator],
    engine: ['x', 42, null, { tensorParallelSize: '1' }, { gpuMemoryUtilization: NaN }, { extraArgs: [null] }, { dtype: 'fp4' }],
    image: ['', 'a b', 42, 'vllm/vllm-openai:v0.1.0', 'a\u0000b'],
    vllmVersion: ['', 'x', 1, '0.1.0', 'v1.2.3', '1.2.3.4.5', null],
    replicas: [0, -1, 1.5, NaN, Infinity, 1e300, '2', null],
    maxUnavailable: [0, -1, 1.5, NaN, Infinity, 1e300, '2'],
    extendedResources: [{ x: 1 }, { 'a.b/c': NaN }, { 'a.b/c': 1e300 }, { 'nvidia.com/gpu': 1 }, 'x', null],
    shmSize: [Size.gibibytes(NaN), Size.gibibytes(Infinity), Size.kibibytes(1), 42, Size.gibibytes(1e300), Size.gibibytes(64)],
    resources: [{ cpu: 4 }, { memory: 32 }, { cpu: kplus.Cpu.units(Infinity) }, { memory: Size.gibibytes(NaN) }, 'x', null],
    maxModelLoadTime: [D.seconds(NaN), D.millis(1500), D.minutes(1e-9), D.days(1e6), D.seconds(5), 600, 'PT10M'],
    maxRequestDuration: [D.seconds(NaN), D.millis(1500), D.seconds(Infinity), D.days(2), D.seconds(0), 600],
    drainDelay: [D.seconds(NaN), D.millis(999), D.seconds(0), D.days(2), 15],
    slo: [{ ttftP95: 2 }, { ttftP95: D.millis(0.5) }, { e2eLatencyP99: D.seconds(NaN) }, { queuePerReplica: NaN }, { queuePerReplica: -1 }, 'x', null],
    nodeSelector: [{ 'a b': 'x' }, { k: 42 }, { k: 'a b' }, 'x', null],
    priorityClassName: ['', 'A', 42, 'a b'],
    runtimeClassName: ['', 'A', 42],
    capacity: [{ prefer: 'x' }, { prefer: 'spot', weight: 0 }, { prefer: 'spot', weight: NaN }, { prefer: 'spot', nodeLabel: 'a b' },
      { prefer: 'spot', labelValue: 'a b' }, 'x', null],
    placement: ['x', 42, null],
    serviceName: ['vllm', '', 'A', 42, 'a'.repeat(64)],
    serviceType: ['NodePort', 'loadbalancer', 42, {}, null],
    servicePort: [0, -1, 65536, 80.5, NaN, Infinity, '80', null],
    modelCache: [true, {}, 'x', null],
    user: [1000, 'root', {}, null],
    hfToken: ['x', {}, { secretName: 'A', key: 'k' }, { secretName: 'a', key: 'a/b' }, null, { secretName: 1, key: 'k' }],
    apiKey: ['x', {}, { secretName: 'a', key: '' }, null],
  };
  const cases = Object.entries(hostile).flatMap(([prop, values]) => values.map(value => [prop, value] as const));

  test.each(cases)('%s: %p ends in an Error naming the prop', (prop, value) => {
    const props = { model: MODEL, accelerator: Accelerator.nvidiaGpu(1), [prop]: value } as unknown as VllmPoolProps;
    let error: unknown;
    try {
      const chart = testChart();
      new VllmPool(chart, 'pool', props);
      synth(chart);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).constructor).toBe(Error);
    expect((error as Error).message).toMatch(new RegExp(`^'${prop}[.'\\[]`));
  });
});


describe('NetworkPolicy', () => {
  const SCRAPER = NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' });

  function gateway(network?: VllmPoolProps['network']) {
    const chart = testChart();
    const pool = new VllmPool(chart, 'llama', { model: 'org/llama', accelerator: Accelerator.nvidiaGpu(1), network });
    return { chart, pool };
  }

  test('by default: every ingress denied but the named peers, on the vLLM port only; egress open', () => {
    const { chart, pool } = gateway({ allowFrom: [NetworkPeer.namespace('batch')] });
    pool.monitor({ labels: {}, scraper: SCRAPER });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const np = oneOfKind(manifests, 'NetworkPolicy');
    expect(np.metadata.name).toBe('llama');
    expect(np.spec.podSelector).toEqual({ matchLabels: oneOfKind(manifests, 'Deployment').spec.selector.matchLabels });
    expect(np.spec.policyTypes).toEqual(['Ingress']);
    expect(np.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'batch' } }, podSelector: {} }], ports: [{ port: 8000, protocol: 'TCP' }] },
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
        ports: [{ port: 8000, protocol: 'TCP' }],
      },
    ]);
    expect(pool.networkPolicy!.ingressRules.map(r => r.reason)).toEqual(['network.allowFrom[0]', 'Prometheus scrapes /metrics']);
  });

  test('the pool\'s pods carry no construct-path label, and the policy selects them by their stable labels', () => {
    const { chart } = gateway();
    const manifests = synth(chart);
    const deployment = oneOfKind(manifests, 'Deployment');
    expect(Object.keys(deployment.spec.template.metadata.labels)).not.toContain('cdk8s.io/metadata.addr');
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': 'llama' });
  });

  test('restricted egress: cluster DNS and HTTPS for model downloads', () => {
    const { chart } = gateway({ restrictEgress: true });
    const np = oneOfKind(synth(chart), 'NetworkPolicy');
    expect(np.spec.egress.map((r: Manifest) => r.ports)).toEqual([
      [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
      [{ port: 443, protocol: 'TCP' }],
    ]);
  });

  test('disabled: no policy, and monitor() needs no scraper', () => {
    const { chart, pool } = gateway({ enabled: false });
    pool.monitor({ labels: {} });
    expect(allOfKind(synth(chart), 'NetworkPolicy')).toHaveLength(0);
    expect(pool.networkPolicy).toBeUndefined();
  });

  test('monitor() without a scraper while the policy is on: Prometheus would be shut out', () => {
    const { pool } = gateway();
    expect(() => pool.monitor({ labels: {} })).toThrow(new Error('\'discovery.scraper\' (undefined) is required: pool \'llama\' has a NetworkPolicy that admits only named peers, so Prometheus must be named to scrape it, e.g. NetworkPeer.pods(\'monitoring\', { \'app.kubernetes.io/name\': \'prometheus\' }); or set network.enabled to false'));
    // A corrected call still works.
    pool.monitor({ labels: {}, scraper: SCRAPER });
  });

  test('bad network options name the prop', () => {
    expect(() => gateway({ enabled: 'yes' as any })).toThrow(new Error('\'network.enabled\' ("yes") must be true or false'));
    expect(() => gateway({ allowFrom: 'batch' as any })).toThrow(new Error('\'network.allowFrom\' ("batch") must be a list of NetworkPeer'));
    expect(() => gateway({ allowFrom: ['batch' as any] })).toThrow(new Error('\'network.allowFrom[0]\' ("batch") must be a NetworkPeer: NetworkPeer.namespace(), .pods(), .ipBlock() or .anywhere()'));
    expect(() => gateway(42 as any)).toThrow(new Error('\'network\' (42) must be PoolNetworkOptions { enabled?, allowFrom?, restrictEgress? }'));
  });
});

describe('Service type and port (a pool served without a proxy)', () => {
  const API_KEY = { secretName: 'vllm-api-key', key: 'api-key' };
  const CLIENTS = NetworkPeer.ipBlock('10.20.0.0/16');

  test('a LoadBalancer on port 80 forwards to vLLM\'s 8000 and keeps the client address; the url names port 80', () => {
    const { manifests, pool } = render({
      serviceType: PoolServiceType.LOAD_BALANCER, servicePort: 80, apiKey: API_KEY, network: { allowFrom: [CLIENTS] },
    });
    const service = oneOfKind(manifests, 'Service');
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8000 }]);
    expect(service.spec.externalTrafficPolicy).toBe('Local');
    expect(pool.url).toBe('http://pool.llm.svc.cluster.local:80/v1');
    expect([pool.port, pool.servicePort, pool.serviceType]).toEqual([8000, 80, PoolServiceType.LOAD_BALANCER]);
    // The NetworkPolicy sees the pod port: the clients' CIDR is admitted on 8000.
    expect(oneOfKind(manifests, 'NetworkPolicy').spec.ingress).toEqual([
      { from: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ port: 8000, protocol: 'TCP' }] },
    ]);
  });

  test('a ClusterIP pool on another port keeps the default traffic policy', () => {
    const { manifests, pool } = render({ servicePort: 8080 });
    const service = oneOfKind(manifests, 'Service');
    expect(service.spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'http', port: 8080, targetPort: 8000 }] });
    expect(service.spec.externalTrafficPolicy).toBeUndefined();
    expect(pool.url).toBe('http://pool.llm.svc.cluster.local:8080/v1');
  });

  test('a LoadBalancer pool must name its sources', () => {
    expect(() => make({ serviceType: PoolServiceType.LOAD_BALANCER, apiKey: API_KEY })).toThrow(new Error(
      '\'network.allowFrom\' (undefined) must name who may call a LoadBalancer pool: its traffic does not come from pods of the cluster. Use the clients\' CIDRs with NetworkPeer.ipBlock() (the Service keeps their source address), NetworkPeer.anywhere() behind a load balancer that filters its sources, or set network.enabled to false'));
  });

  test('a LoadBalancer pool without a NetworkPolicy needs no sources', () => {
    const { manifests } = render({ serviceType: PoolServiceType.LOAD_BALANCER, apiKey: API_KEY, network: { enabled: false } });
    expect(allOfKind(manifests, 'NetworkPolicy')).toHaveLength(0);
  });

  test('a LoadBalancer pool needs an API key', () => {
    expect(() => make({ serviceType: PoolServiceType.LOAD_BALANCER, network: { allowFrom: [CLIENTS] } })).toThrow(new Error(
      '\'apiKey\' (undefined) must be set on a LoadBalancer pool: without a proxy in front, vLLM serves every caller that reaches the load balancer; set apiKey to a Secret reference (vLLM checks it on /v1), and name the sources in network.allowFrom'));
  });

  test('bad type and port name the prop', () => {
    expect(() => make({ serviceType: 'NodePort' as any })).toThrow(new Error('\'serviceType\' ("NodePort") must be one of: ClusterIP, LoadBalancer'));
    for (const port of [0, 65536, 80.5, '80' as any]) {
      expect(() => make({ servicePort: port })).toThrow(`'servicePort' (${JSON.stringify(port)}) must be a port: a whole number from 1 to 65535`);
    }
  });
});
