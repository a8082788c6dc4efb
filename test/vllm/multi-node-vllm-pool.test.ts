import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  Accelerator, CacheAccessMode, CapacityType, LiteLLMProxy, LoraAdapter, ModelCache, MultiNodeVllmPool, MultiNodeVllmPoolProps,
  NetworkPeer, PodUser, ScopedMetric, VllmMetrics, VllmPool,
} from '../../lib';
import { liteLLMConfig, Manifest, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const MODEL = 'meta-llama/Llama-3.1-405B-Instruct';
const PROMETHEUS = NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' });

/** The 405B-class pool of the reference stack: TP 8 × PP 2 on two 8-GPU nodes. */
function pool(chart: Chart, props: Partial<MultiNodeVllmPoolProps> = {}, id = 'llama-405b'): MultiNodeVllmPool {
  return new MultiNodeVllmPool(chart, id, {
    model: MODEL,
    accelerator: Accelerator.nvidiaGpu(8),
    engine: { tensorParallelSize: 8, pipelineParallelSize: 2 },
    ...props,
  });
}

/** Synthesizes and strictly validates the chart (the LeaderWorkerSet against lws v0.10.0's CRD). */
function render(chart: Chart): Manifest[] {
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return manifests;
}

function lws(manifests: Manifest[], name = 'llama-405b'): Manifest {
  return oneOfKind(manifests, 'LeaderWorkerSet', name);
}

function leader(manifests: Manifest[], name?: string): Manifest {
  return lws(manifests, name).spec.leaderWorkerTemplate.leaderTemplate;
}

function worker(manifests: Manifest[], name?: string): Manifest {
  return lws(manifests, name).spec.leaderWorkerTemplate.workerTemplate;
}

function container(template: Manifest): Manifest {
  expect(template.spec.containers).toHaveLength(1);
  return template.spec.containers[0];
}

describe('MultiNodeVllmPool defaults: TP 8 × PP 2 on two 8-GPU nodes', () => {
  const chart = testChart();
  const p = pool(chart, { hfToken: { secretName: 'hf', key: 'token' } });
  const manifests = render(chart);

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('one LeaderWorkerSet named like the pool: group size = nodes = 2, one group, RecreateGroupOnPodRestart, LeaderCreated', () => {
    const set = lws(manifests);
    expect(set.apiVersion).toBe('leaderworkerset.x-k8s.io/v1');
    expect(set.metadata.namespace).toBe('llm');
    expect(set.spec.leaderWorkerTemplate.size).toBe(2);
    expect(p.nodes).toBe(2);
    expect(set.spec.replicas).toBe(1);
    expect(set.spec.leaderWorkerTemplate.restartPolicy).toBe('RecreateGroupOnPodRestart');
    expect(set.spec.startupPolicy).toBe('LeaderCreated');
    expect(set.spec.rolloutStrategy).toEqual({ type: 'RollingUpdate', rollingUpdateConfiguration: { maxSurge: 1, maxUnavailable: 0 } });
    expect(set.metadata.annotations).toBeUndefined();
  });

  test('the leader is rank 0 and serves the API; the workers take their rank from LWS and run headless; nothing else differs', () => {
    const common = [
      MODEL, '--served-model-name', 'Llama-3.1-405B-Instruct', '--port', '8000', '--shutdown-timeout', '600',
      '--tensor-parallel-size', '8', '--pipeline-parallel-size', '2',
      '--distributed-executor-backend', 'mp', '--nnodes', '2',
    ];
    expect(container(leader(manifests)).args).toEqual([...common, '--node-rank', '0', '--master-addr', '$(LWS_LEADER_ADDRESS)']);
    expect(container(worker(manifests)).args).toEqual([...common, '--node-rank', '$(LWS_WORKER_INDEX)', '--master-addr', '$(LWS_LEADER_ADDRESS)', '--headless']);
    expect(p.leaderArgs).toEqual(container(leader(manifests)).args);
    expect(p.workerArgs).toEqual(container(worker(manifests)).args);
    // No shell: the kubelet expands $(VAR) from the env LWS injects.
    for (const t of [leader(manifests), worker(manifests)]) expect(container(t).command).toBeUndefined();
  });

  test('every pod requests (and limits) all 8 GPUs of its node, CPU and memory', () => {
    for (const t of [leader(manifests), worker(manifests)]) {
      expect(container(t).resources).toEqual({
        requests: { 'cpu': '32', 'memory': '262144Mi', 'nvidia.com/gpu': 8 },
        limits: { 'memory': '262144Mi', 'nvidia.com/gpu': 8 },
      });
      expect(t.spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    }
  });

  test('node-local memory-backed /dev/shm (20 GiB) on every pod', () => {
    for (const t of [leader(manifests), worker(manifests)]) {
      expect(t.spec.volumes).toContainEqual({ name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '20480Mi' } });
      expect(container(t).volumeMounts).toContainEqual({ name: 'shm', mountPath: '/dev/shm' });
    }
  });

  test('probes on the leader (startup budget 30 min, model-ready check, /health liveness); none on the workers', () => {
    const l = container(leader(manifests));
    expect(l.startupProbe.exec.command.slice(0, 2)).toEqual(['python3', '-c']);
    expect(l.startupProbe.exec.command[2]).toContain('"http://127.0.0.1:8000/v1/models"');
    expect(l.startupProbe.exec.command[2]).toContain('== "Llama-3.1-405B-Instruct"');
    expect(l.startupProbe.failureThreshold).toBe(180);
    expect(l.readinessProbe.exec.command).toEqual(l.startupProbe.exec.command);
    expect(l.livenessProbe.httpGet).toEqual({ path: '/health', port: 8000, scheme: 'HTTP' });
    expect(l.ports).toEqual([{ name: 'http', containerPort: 8000 }]);
    const w = container(worker(manifests));
    expect(w.startupProbe).toBeUndefined();
    expect(w.readinessProbe).toBeUndefined();
    expect(w.livenessProbe).toBeUndefined();
    expect(w.ports).toBeUndefined();
  });

  test('the leader drains (preStop sleep, --shutdown-timeout); a worker waits for its leader to be gone', () => {
    expect(container(leader(manifests)).lifecycle.preStop.exec.command).toEqual(['sleep', '15']);
    const script = container(worker(manifests)).lifecycle.preStop.exec.command;
    expect(script.slice(0, 2)).toEqual(['python3', '-c']);
    expect(script[2]).toContain('deadline = time.time() + 615');
    expect(script[2]).toContain('os.environ["LWS_LEADER_ADDRESS"] + ":8000/health"');
    for (const t of [leader(manifests), worker(manifests)]) expect(t.spec.terminationGracePeriodSeconds).toBe(630);
  });

  test('env: HF cache, each rank\'s own IP as VLLM_HOST_IP, the engine wait, HF_TOKEN from its Secret', () => {
    for (const t of [leader(manifests), worker(manifests)]) {
      const env = container(t).env;
      expect(env).toContainEqual({ name: 'HF_HOME', value: '/models' });
      expect(env).toContainEqual({ name: 'VLLM_HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
      expect(env).toContainEqual({ name: 'VLLM_ENGINE_READY_TIMEOUT_S', value: '1800' });
      expect(env).toContainEqual({ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } });
    }
  });

  test('hardened pods: non-root uid 1000, read-only root, no capabilities, no service links, no token', () => {
    for (const t of [leader(manifests), worker(manifests)]) {
      expect(t.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, fsGroupChangePolicy: 'Always' });
      expect(container(t).securityContext).toEqual({
        allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true,
        runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(t.spec.enableServiceLinks).toBe(false);
      expect(t.spec.automountServiceAccountToken).toBe(false);
    }
  });

  test('the Service `<name>-leader` selects the leaders only (worker-index 0); the url names it', () => {
    const svc = oneOfKind(manifests, 'Service', 'llama-405b-leader');
    expect(svc.spec.selector).toEqual({
      'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': 'llama-405b', 'leaderworkerset.sigs.k8s.io/worker-index': '0',
    });
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 8000 }]);
    expect(p.url).toBe('http://llama-405b-leader.llm.svc.cluster.local:8000/v1');
    expect(p.service.name).toBe('llama-405b-leader');
  });

  test('both templates carry the pool labels the selectors read', () => {
    for (const t of [leader(manifests), worker(manifests)]) {
      expect(t.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': 'llama-405b' });
    }
  });

  test('a PodDisruptionBudget over every pod of the pool, one at a time', () => {
    const pdb = oneOfKind(manifests, 'PodDisruptionBudget', 'llama-405b');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': 'llama-405b' } } });
  });

  test('the NetworkPolicy lets the pods of the pool reach each other on any port', () => {
    const policy = oneOfKind(manifests, 'NetworkPolicy', 'llama-405b');
    expect(policy.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': 'llama-405b' });
    expect(policy.spec.ingress).toEqual([{
      from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': 'llama-405b' } } }],
      ports: [],
    }]);
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
  });

  test('groups spread over nodes, not zones', () => {
    for (const t of [leader(manifests), worker(manifests)]) {
      expect(t.spec.topologySpreadConstraints).toEqual([{
        maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': 'llama-405b' } },
      }]);
    }
  });

  test('ServingPool facts', () => {
    expect(p.name).toBe('llama-405b');
    expect(p.namespace).toBe('llm');
    expect(p.vllmVersion).toBe('0.26.0');
    expect(p.servedModelName).toBe('Llama-3.1-405B-Instruct');
    expect(p.port).toBe(8000);
    expect(p.gpuMemoryUtilization).toBe(0.9);
    expect(p.maxModelLoadTime.toSeconds()).toBe(1800);
    expect(p.loraAdapterNames).toEqual([]);
    expect(p.podMonitor).toBeUndefined();
    expect(p.podNamePattern).toBe('llama-405b-[0-9]+(-[0-9]+)?');
    expect(p.slo.queuePerReplica).toBe(10);
  });
});

describe('MultiNodeVllmPool group size = nodes', () => {
  test.each([
    [2, 2, 2, 2],
    [8, 8, 4, 4],
    [8, 16, 1, 2],
    [4, 4, 4, 4],
    [4, 8, 3, 6],
  ])('%i GPUs per node, TP %i × PP %i: %i nodes', (gpus, tp, pp, nodes) => {
    const chart = testChart();
    const p = pool(chart, { accelerator: Accelerator.nvidiaGpu(gpus), engine: { tensorParallelSize: tp, pipelineParallelSize: pp } });
    const manifests = render(chart);
    expect(p.nodes).toBe(nodes);
    expect(lws(manifests).spec.leaderWorkerTemplate.size).toBe(nodes);
    expect(container(leader(manifests)).args).toContain(String(nodes));
    expect(container(leader(manifests)).args[container(leader(manifests)).args.indexOf('--nnodes') + 1]).toBe(String(nodes));
    expect(container(worker(manifests)).resources.requests['nvidia.com/gpu']).toBe(gpus);
  });

  test('a matching `nodes` is accepted', () => {
    const chart = testChart();
    expect(pool(chart, { nodes: 2 }).nodes).toBe(2);
  });

  test('AMD GPUs with a ROCm image that declares its vLLM version', () => {
    const chart = testChart();
    pool(chart, { accelerator: Accelerator.amdGpu(8), image: 'rocm/vllm:rocm7.0_vllm_0.16.0', vllmVersion: '0.16.0' });
    const manifests = render(chart);
    expect(container(worker(manifests)).resources.limits['amd.com/gpu']).toBe(8);
    expect(container(leader(manifests)).image).toBe('rocm/vllm:rocm7.0_vllm_0.16.0');
  });
});

describe('MultiNodeVllmPool options', () => {
  test('replicas sets the groups; an autoscaler (markHasAutoscaler) removes spec.replicas', () => {
    const chart = testChart();
    pool(chart, { replicas: 3 }, 'fixed');
    const scaled = pool(chart, {}, 'scaled');
    scaled.workload.markHasAutoscaler();
    const manifests = render(chart);
    expect(lws(manifests, 'fixed').spec.replicas).toBe(3);
    expect(lws(manifests, 'scaled').spec.replicas).toBeUndefined();
  });

  test('the workload is the LeaderWorkerSet\'s scale subresource: its leaders are the counted pods (status.hpaPodSelector)', () => {
    const chart = testChart();
    const p = pool(chart, { replicas: 2 });
    expect(p.workload.scaleTargetRef).toEqual({ apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: 'llama-405b' });
    expect(p.workload.podLabels).toEqual({ 'leaderworkerset.sigs.k8s.io/name': 'llama-405b', 'leaderworkerset.sigs.k8s.io/worker-index': '0' });
    expect(p.workload.namespace).toBe('llm');
    expect(p.workload.replicas).toBe(2);
    expect(p.workload.containersWithoutRequest('cpu')).toEqual([]);
    expect(p.workload.containersWithoutRequest('memory')).toEqual([]);
    expect(p.workload.node.path).toBe('test/llama-405b/Resource');
    expect(pool(testChart(), {}).workload.replicas).toBeUndefined();
  });

  test('name, serviceName, servicePort, maxUnavailable', () => {
    const chart = testChart();
    const p = pool(chart, { name: 'big', serviceName: 'big-api', servicePort: 80, maxUnavailable: 2 }, 'Llama');
    const manifests = render(chart);
    expect(lws(manifests, 'big').metadata.name).toBe('big');
    expect(oneOfKind(manifests, 'Service', 'big-api').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8000 }]);
    expect(oneOfKind(manifests, 'PodDisruptionBudget', 'big').spec.maxUnavailable).toBe(2);
    expect(p.url).toBe('http://big-api.llm.svc.cluster.local:80/v1');
  });

  test('groupTopologyKey: one group per domain, through the LWS exclusive-topology annotation', () => {
    const chart = testChart();
    pool(chart, { groupTopologyKey: 'cloud.google.com/gke-nodepool' });
    expect(lws(render(chart)).metadata.annotations).toEqual({ 'leaderworkerset.sigs.k8s.io/exclusive-topology': 'cloud.google.com/gke-nodepool' });
  });

  test('scheduling: GPU product, node selector, capacity preference, priority and runtime class on every pod', () => {
    const chart = testChart();
    pool(chart, {
      accelerator: Accelerator.nvidiaGpu(8, { product: 'NVIDIA-H100-80GB-HBM3' }),
      nodeSelector: { pool: 'h100' },
      capacity: { prefer: CapacityType.ON_DEMAND },
      priorityClassName: 'inference',
      runtimeClassName: 'nvidia',
    });
    const manifests = render(chart);
    for (const t of [leader(manifests), worker(manifests)]) {
      expect(t.spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3', 'pool': 'h100' });
      expect(t.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([{
        weight: 100, preference: { matchExpressions: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }] },
      }]);
      expect(t.spec.priorityClassName).toBe('inference');
      expect(t.spec.runtimeClassName).toBe('nvidia');
    }
  });

  test('extended resources (the inter-node fabric) on every pod', () => {
    const chart = testChart();
    pool(chart, { extendedResources: { 'vpc.amazonaws.com/efa': 32 } });
    const manifests = render(chart);
    for (const t of [leader(manifests), worker(manifests)]) {
      expect(container(t).resources.requests['vpc.amazonaws.com/efa']).toBe(32);
      expect(container(t).resources.limits['vpc.amazonaws.com/efa']).toBe(32);
    }
  });

  test('a ReadWriteMany model cache claim shared by every node', () => {
    const chart = testChart();
    const p = pool(chart, { modelCache: ModelCache.newClaim({ size: Size.gibibytes(1000), storageClassName: 'efs' }) });
    const manifests = render(chart);
    const pvc = oneOfKind(manifests, 'PersistentVolumeClaim', 'llama-405b-model-cache');
    expect(pvc.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(pvc.spec.storageClassName).toBe('efs');
    expect(p.cacheClaim).toBeDefined();
    for (const t of [leader(manifests), worker(manifests)]) {
      expect(t.spec.volumes).toContainEqual({ name: 'model-cache', persistentVolumeClaim: { claimName: 'llama-405b-model-cache' } });
    }
  });

  test('an existing claim, and an emptyDir with a size limit', () => {
    const chart = testChart();
    pool(chart, { modelCache: ModelCache.existingClaim('weights') }, 'a');
    pool(chart, { modelCache: ModelCache.emptyDir(Size.gibibytes(900)) }, 'b');
    const manifests = render(chart);
    expect(leader(manifests, 'a').spec.volumes).toContainEqual({ name: 'model-cache', persistentVolumeClaim: { claimName: 'weights' } });
    expect(worker(manifests, 'b').spec.volumes).toContainEqual({ name: 'model-cache', emptyDir: { sizeLimit: '921600Mi' } });
  });

  test('the API key reaches the leader only (the workers serve nothing)', () => {
    const chart = testChart();
    const p = pool(chart, { apiKey: { secretName: 'vllm', key: 'key' } });
    const manifests = render(chart);
    expect(container(leader(manifests)).env).toContainEqual({ name: 'VLLM_API_KEY', valueFrom: { secretKeyRef: { name: 'vllm', key: 'key' } } });
    expect(container(worker(manifests)).env.map((e: Manifest) => e.name)).not.toContain('VLLM_API_KEY');
    expect(p.apiKey).toEqual({ secretName: 'vllm', key: 'key' });
  });

  test('LoRA adapters: every rank builds the LoRA layers, --lora-modules last', () => {
    const chart = testChart();
    const sql: LoraAdapter = { name: 'sql-lora', source: 'yard1/llama-2-7b-sql-lora-test' };
    const p = pool(chart, { loraAdapters: [sql] });
    const manifests = render(chart);
    for (const t of [leader(manifests), worker(manifests)]) {
      const args: string[] = container(t).args;
      expect(args.slice(args.indexOf('--enable-lora'))).toEqual(['--enable-lora', '--max-loras', '1', '--max-lora-rank', '16', '--lora-modules', 'sql-lora=yard1/llama-2-7b-sql-lora-test']);
    }
    expect(container(worker(manifests)).args).toContain('--headless');
    expect(p.loraAdapterNames).toEqual(['sql-lora']);
    expect(p.metricLoraRequestsInfo().matchers).toEqual({ namespace: 'llm', pool: 'llama-405b' });
  });

  test('vLLM 0.15 to 0.17: no --shutdown-timeout, the leader drains in its preStop hook; no engine wait before 0.16', () => {
    const chart = testChart();
    pool(chart, { image: 'vllm/vllm-openai:v0.15.1' });
    const manifests = render(chart);
    const l = container(leader(manifests));
    expect(l.args).not.toContain('--shutdown-timeout');
    expect(l.lifecycle.preStop.exec.command[2]).toContain('vllm:num_requests_running');
    expect(l.env.map((e: Manifest) => e.name)).not.toContain('VLLM_ENGINE_READY_TIMEOUT_S');
    expect(container(worker(manifests)).args).toContain('--headless');
  });

  test('maxModelLoadTime, maxRequestDuration and drainDelay size the probes and the grace period', () => {
    const chart = testChart();
    pool(chart, { maxModelLoadTime: Duration.hours(1), maxRequestDuration: Duration.minutes(5), drainDelay: Duration.seconds(5) });
    const manifests = render(chart);
    expect(container(leader(manifests)).startupProbe.failureThreshold).toBe(360);
    expect(container(leader(manifests)).args).toContain('300');
    expect(container(worker(manifests)).lifecycle.preStop.exec.command[2]).toContain('time.time() + 305');
    expect(worker(manifests).spec.terminationGracePeriodSeconds).toBe(320);
  });

  test('a platform-assigned user pins no uid', () => {
    const chart = testChart();
    pool(chart, { user: PodUser.platformAssigned() });
    const manifests = render(chart);
    for (const t of [leader(manifests), worker(manifests)]) {
      expect(t.spec.securityContext).toEqual({ runAsNonRoot: true, fsGroupChangePolicy: 'Always' });
      expect(container(t).securityContext.runAsUser).toBeUndefined();
      expect(container(t).securityContext.readOnlyRootFilesystem).toBe(true);
    }
  });

  test('network: disabled, allowFrom, restricted egress keeps the group together', () => {
    const chart = testChart();
    const off = pool(chart, { network: { enabled: false } }, 'off');
    pool(chart, { network: { allowFrom: [NetworkPeer.namespace('batch')], restrictEgress: true } }, 'on');
    const manifests = render(chart);
    expect(off.networkPolicy).toBeUndefined();
    const policy = oneOfKind(manifests, 'NetworkPolicy', 'on');
    expect(policy.spec.ingress).toContainEqual({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'batch' } }, podSelector: {} }], ports: [{ port: 8000, protocol: 'TCP' }] });
    expect(policy.spec.egress).toContainEqual({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': 'on' } } }], ports: [] });
    expect([...policy.spec.policyTypes].sort()).toEqual(['Egress', 'Ingress']);
  });
});

describe('MultiNodeVllmPool as a backend and a metrics source', () => {
  test('proxy.addBackend(pool): a model group at the leaders\' Service; the proxy is admitted to the leaders\' port', () => {
    const chart = testChart();
    const p = pool(chart);
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: { secretName: 'litellm', key: 'master-key' } });
    const group = proxy.addBackend(p);
    const manifests = render(chart);
    expect(group.name).toBe('Llama-3.1-405B-Instruct');
    expect(liteLLMConfig(manifests).model_list).toContainEqual(expect.objectContaining({
      model_name: 'Llama-3.1-405B-Instruct',
      litellm_params: expect.objectContaining({ model: 'hosted_vllm/Llama-3.1-405B-Instruct', api_base: 'http://llama-405b-leader.llm.svc.cluster.local:8000/v1' }),
    }));
    const policy = oneOfKind(manifests, 'NetworkPolicy', 'llama-405b');
    expect(policy.spec.ingress).toContainEqual(expect.objectContaining({ ports: [{ port: 8000, protocol: 'TCP' }] }));
    expect(p.peer.labels).toEqual({ 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': 'llama-405b', 'leaderworkerset.sigs.k8s.io/worker-index': '0' });
  });

  test('monitor(): a PodMonitor on the leader pods only, copying the pool label; Prometheus admitted', () => {
    const chart = testChart();
    const p = pool(chart);
    const monitor = p.monitor({ labels: { release: 'kube-prometheus-stack' }, scraper: PROMETHEUS });
    const manifests = render(chart);
    const pm = oneOfKind(manifests, 'PodMonitor', 'llama-405b');
    expect(pm.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': 'llama-405b', 'leaderworkerset.sigs.k8s.io/worker-index': '0',
    });
    expect(pm.spec.podMetricsEndpoints).toEqual([{
      port: 'http', path: '/metrics', interval: '15s',
      relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], targetLabel: 'pool', action: 'replace' }],
    }]);
    expect(pm.spec.namespaceSelector).toEqual({ matchNames: ['llm'] });
    expect(p.podMonitor).toBe(monitor);
    expect(monitor.pods?.owner).toBe(p);
    expect(monitor.workload).toBeUndefined();
    expect(oneOfKind(manifests, 'NetworkPolicy', 'llama-405b').spec.ingress).toContainEqual(expect.objectContaining({
      from: [expect.objectContaining({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } })],
    }));
  });

  test('vLLM metrics are scoped by namespace, pool and model name', () => {
    const p = pool(testChart());
    const labels = { namespace: 'llm', pool: 'llama-405b', model_name: 'Llama-3.1-405B-Instruct' };
    const cases: [() => ScopedMetric, string][] = [
      [() => p.metricRequestsWaiting(), VllmMetrics.NUM_REQUESTS_WAITING.name],
      [() => p.metricRequestsRunning(), VllmMetrics.NUM_REQUESTS_RUNNING.name],
      [() => p.metricKvCacheUsage(), VllmMetrics.KV_CACHE_USAGE.name],
      [() => p.metricTimeToFirstToken(), VllmMetrics.TIME_TO_FIRST_TOKEN.name],
      [() => p.metricE2eRequestLatency(), VllmMetrics.E2E_REQUEST_LATENCY.name],
      [() => p.metricRequestQueueTime(), VllmMetrics.REQUEST_QUEUE_TIME.name],
      [() => p.metricInterTokenLatency(), VllmMetrics.INTER_TOKEN_LATENCY.name],
      [() => p.metricPreemptions(), VllmMetrics.NUM_PREEMPTIONS.name],
      [() => p.metricPromptTokens(), VllmMetrics.PROMPT_TOKENS.name],
      [() => p.metricGenerationTokens(), VllmMetrics.GENERATION_TOKENS.name],
      [() => p.metricRequestSuccess(), VllmMetrics.REQUEST_SUCCESS.name],
      [() => p.metricPrefixCacheQueries(), VllmMetrics.PREFIX_CACHE_QUERIES.name],
      [() => p.metricPrefixCacheHits(), VllmMetrics.PREFIX_CACHE_HITS.name],
    ];
    for (const [metric, name] of cases) {
      expect(metric().definition.name).toBe(name);
      expect(metric().matchers).toEqual(labels);
    }
  });

  test('GPU metrics cover the pods of every group, leaders and workers', () => {
    const p = pool(testChart());
    expect(p.metricGpuUtilization().selector).toBe('DCGM_FI_DEV_GPU_UTIL{namespace="llm",pod=~"llama-405b-[0-9]+(-[0-9]+)?"}');
    expect(p.metricGpuBusy().selector).toBe('DCGM_FI_PROF_GR_ENGINE_ACTIVE{namespace="llm",pod=~"llama-405b-[0-9]+(-[0-9]+)?"}');
  });
});

describe('MultiNodeVllmPool bad input', () => {
  const base = { model: MODEL, accelerator: Accelerator.nvidiaGpu(8), engine: { tensorParallelSize: 8, pipelineParallelSize: 2 } };
  const make = (props: Record<string, unknown>, id = 'llama-405b') => () => new MultiNodeVllmPool(testChart(), id, { ...base, ...props } as MultiNodeVllmPoolProps);

  test.each([
    ['a parallelism that fits one node', { engine: { tensorParallelSize: 8 } },
      '\'engine.tensorParallelSize\' (8) × pipelineParallelSize (1) = 8 GPUs fits on one node of 8 GPUs per node (\'accelerator\', nvidia.com/gpu): a multi-node pool spans more than one node; serve this model with a VllmPool, or raise the parallelism'],
    ['no parallelism at all', { engine: {} },
      '\'engine.tensorParallelSize\' (1) × pipelineParallelSize (1) = 1 GPUs fits on one node of 8 GPUs per node (\'accelerator\', nvidia.com/gpu): a multi-node pool spans more than one node; serve this model with a VllmPool, or raise the parallelism'],
    ['GPUs per node that do not divide the parallelism', { engine: { tensorParallelSize: 4, pipelineParallelSize: 3 } },
      '\'engine.tensorParallelSize\' (4) × pipelineParallelSize (3) = 12 GPUs is not a multiple of the 8 GPUs per node (\'accelerator\', nvidia.com/gpu): each node runs one pod that uses all of its GPUs, so the parallelism must fill whole nodes'],
    ['a nodes that disagrees', { nodes: 3 },
      '\'nodes\' (3) must equal tensorParallelSize × pipelineParallelSize (16) / 8 GPUs per node (\'accelerator\', nvidia.com/gpu) = 2; or leave it out'],
    ['no engine', { engine: undefined },
      '\'engine\' (undefined) is required: tensorParallelSize × pipelineParallelSize spread the model over the nodes, e.g. { tensorParallelSize: 8, pipelineParallelSize: 2 } on two 8-GPU nodes'],
    ['a MIG slice', { accelerator: Accelerator.mig('3g.20gb') },
      '\'accelerator\' ("nvidia.com/mig-3g.20gb") must be whole GPUs per node, Accelerator.nvidiaGpu(n) or Accelerator.amdGpu(n): a multi-node pool spreads one model over every GPU of each of its nodes (MIG slices, Neuron and CPU pools run on one node, as a VllmPool)'],
    ['a CPU pool', { accelerator: Accelerator.cpu() },
      '\'accelerator\' ("cpu") must be whole GPUs per node, Accelerator.nvidiaGpu(n) or Accelerator.amdGpu(n): a multi-node pool spreads one model over every GPU of each of its nodes (MIG slices, Neuron and CPU pools run on one node, as a VllmPool)'],
    ['extraArgs that set the node count', { engine: { ...base.engine, extraArgs: ['--nnodes', '4'] } },
      '\'engine.extraArgs[0]\' ("--nnodes") must not set --nnodes: the pool derives it from the parallelism and the GPUs per node'],
    ['extraArgs that set the rank (underscore spelling)', { engine: { ...base.engine, extraArgs: ['--node_rank=1'] } },
      '\'engine.extraArgs[0]\' ("--node_rank=1") must not set --node-rank: the pool sets 0 on the leader and $(LWS_WORKER_INDEX) on each worker'],
    ['extraArgs that run headless', { engine: { ...base.engine, extraArgs: ['--seed', '1', '--headless'] } },
      '\'engine.extraArgs[2]\' ("--headless") must not set --headless: the pool runs the workers headless and the leader with the API server'],
    ['extraArgs that pick Ray', { engine: { ...base.engine, extraArgs: ['--distributed-executor-backend=ray'] } },
      '\'engine.extraArgs[0]\' ("--distributed-executor-backend=ray") must not set --distributed-executor-backend: the pool runs vLLM\'s multiprocessing executor across nodes (mp)'],
    ['extraArgs with data parallelism', { engine: { ...base.engine, extraArgs: ['-dp', '2'] } },
      '\'engine.extraArgs[0]\' ("-dp") must not set -dp (--data-parallel-size): a multi-node pool scales by whole groups (replicas), each one model over every GPU of its nodes'],
    ['extraArgs with the master address', { engine: { ...base.engine, extraArgs: ['--master-addr', '10.0.0.1'] } },
      '\'engine.extraArgs[0]\' ("--master-addr") must not set --master-addr: the pool points every node at its group\'s leader ($(LWS_LEADER_ADDRESS))'],
    ['an image older than native multi-node serving', { image: 'vllm/vllm-openai:v0.14.1' },
      '\'image\' ("vllm/vllm-openai:v0.14.1") runs vLLM 0.14.1, older than vLLM 0.15.0, the oldest release verified with native multi-node serving (--nnodes, --node-rank, --master-addr, --headless); use a newer vLLM image'],
    ['a declared version older than native multi-node serving', { accelerator: Accelerator.amdGpu(8), image: 'rocm/vllm:custom', vllmVersion: '0.12.0' },
      '\'vllmVersion\' ("0.12.0") runs vLLM 0.12.0, older than vLLM 0.15.0, the oldest release verified with native multi-node serving (--nnodes, --node-rank, --master-addr, --headless); use a newer vLLM image'],
    ['a serviceName equal to the name (the headless Service of LWS)', { serviceName: 'llama-405b' },
      '\'serviceName\' ("llama-405b") must differ from the pool\'s name: the LeaderWorkerSet controller creates the headless Service \'llama-405b\' the pods of a group resolve each other by'],
    ['the Service name vllm', { serviceName: 'vllm' },
      '\'serviceName\' ("vllm") must not be "vllm": Kubernetes would inject VLLM_PORT=tcp://… into pods of the namespace and vLLM refuses to start; choose another name'],
    ['a ReadWriteOnce cache claim', { modelCache: ModelCache.newClaim({ size: Size.gibibytes(1000), accessMode: CacheAccessMode.READ_WRITE_ONCE }) },
      '\'modelCache.accessMode\' ("ReadWriteOnce") cannot be shared by the 2 nodes of a group: a ReadWriteOnce volume attaches to one node; use CacheAccessMode.READ_WRITE_MANY'],
    ['a bad group topology key', { groupTopologyKey: 'not a key' },
      '\'groupTopologyKey\' ("not a key") is not a Kubernetes label key: an optional DNS subdomain prefix and \'/\', then a name of at most 63 alphanumerics, \'-\', \'_\' or \'.\', e.g. \'nvidia.com/gpu.present\''],
    ['a group topology key that is no string', { groupTopologyKey: 7 },
      '\'groupTopologyKey\' (7) must be a node label key, e.g. \'cloud.google.com/gke-nodepool\''],
    ['shm as large as the memory', { shmSize: Size.gibibytes(256) },
      '\'shmSize\' ("262144Mi") must be less than the memory limit (262144Mi): /dev/shm is memory-backed and counts against it'],
    ['a served name LiteLLM would read as an env reference', { servedModelName: 'os.environ/X' },
      '\'servedModelName\' ("os.environ/X") must not start with "os.environ/": LiteLLM would read it as a reference to one of its environment variables'],
    ['zero replicas', { replicas: 0 }, '\'replicas\' (0) must be a whole number greater than 0'],
    ['AMD GPUs without a ROCm image', { accelerator: Accelerator.amdGpu(8) },
      '\'image\' (undefined) must be set for accelerator kind amd-gpu: vllm/vllm-openai:v0.26.0 is built for NVIDIA CUDA; name a vLLM image built for amd-gpu'],
    ['engine that is no object', { engine: 'tp8' }, '\'engine\' ("tp8") must be an object'],
    ['a load budget below the probe period', { maxModelLoadTime: Duration.seconds(5) },
      '\'maxModelLoadTime\' ("5s") must be at least the startup probe period (10s); loading a model usually takes minutes'],
  ])('%s', (_what, props, message) => {
    expect(make(props)).toThrow(new Error(message));
  });

  test('a name too long for the worker StatefulSets', () => {
    const name = 'a'.repeat(46);
    expect(make({ name })).toThrow(new Error(`'name' ("${name}") must be at most 45 characters: a LeaderWorkerSet's worker StatefulSets (<name>-<group>) label their pods <name>-<group>-<revision hash>, a label value of at most 63`));
    expect(make({ name: 'a'.repeat(45) })).not.toThrow();
  });

  test('props that are no object', () => {
    expect(() => new MultiNodeVllmPool(testChart(), 'x', null as unknown as MultiNodeVllmPoolProps))
      .toThrow(new Error('\'props\' (null) must be the props of the pool: { model, accelerator, engine, ... }'));
  });

  test('monitor() twice, and without a scraper while the NetworkPolicy is on', () => {
    const p = pool(testChart());
    expect(() => p.monitor({ labels: {} })).toThrow(new Error('\'discovery.scraper\' (undefined) is required: pool \'llama-405b\' has a NetworkPolicy that admits only named peers, so Prometheus must be named to scrape it, e.g. NetworkPeer.pods(\'monitoring\', { \'app.kubernetes.io/name\': \'prometheus\' }); or set network.enabled to false'));
    p.monitor({ labels: {}, scraper: PROMETHEUS });
    expect(() => p.monitor({ labels: {}, scraper: PROMETHEUS })).toThrow(new Error('\'monitor()\' ("test/llama-405b") was already called: the pool has one PodMonitor (\'test/llama-405b/Monitor\'); call monitor() once'));
  });

  test('metrics the pool cannot have', () => {
    const amd = pool(testChart(), { accelerator: Accelerator.amdGpu(8), image: 'rocm/vllm:x', vllmVersion: '0.16.0' });
    expect(() => amd.metricGpuUtilization()).toThrow(new Error('\'accelerator\' ("amd.com/gpu") is not an NVIDIA GPU: dcgm-exporter reports NVIDIA GPUs only, so the pool has no GPU metrics'));
    expect(() => pool(testChart()).metricLoraRequestsInfo()).toThrow(new Error('\'metricLoraRequestsInfo()\' ("llama-405b") has no loraAdapters on MultiNodeVllmPool \'test/llama-405b\': vLLM reports vllm:lora_requests_info only with LoRA enabled'));
  });

  test('two pools of one name clash on every object name', () => {
    const chart = testChart();
    pool(chart, {}, 'a');
    expect(() => pool(chart, { name: 'a' }, 'b')).toThrow(new Error('\'name\' ("a") names a LeaderWorkerSet in namespace "llm" that \'test/a\' already renders: \'test/b\' would overwrite it on apply; give one of them another name'));
  });
});

describe('the reference stack\'s 405B-class pool (README example)', () => {
  test('TP 8 × PP 2 on two 8-GPU H100 nodes behind the proxy, monitored and autoscaled by whole groups: strictly valid', () => {
    const chart = testChart();
    const PROMETHEUS_SOURCE = { serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' };
    const DISCOVERY = { labels: { release: 'kube-prometheus-stack' }, scraper: PROMETHEUS };
    const proxy = new LiteLLMProxy(chart, 'litellm', { masterKey: { secretName: 'litellm-secrets', key: 'master-key' } });
    // --- as in the README ---
    const llama405b = new MultiNodeVllmPool(chart, 'llama-3-1-405b', {
      model: 'meta-llama/Llama-3.1-405B-Instruct',
      servedModelName: 'llama-3-1-405b',
      slo: { ttftP95: Duration.seconds(5), e2eLatencyP99: Duration.seconds(120), queuePerReplica: 16 },
      accelerator: Accelerator.nvidiaGpu(8, { product: 'NVIDIA-H100-80GB-HBM3' }),
      nodes: 2,
      engine: { tensorParallelSize: 8, pipelineParallelSize: 2, maxModelLenTokens: 32768 },
      hfToken: { secretName: 'hf-token', key: 'token' },
      apiKey: { secretName: 'vllm-api-key', key: 'api-key' },
      modelCache: ModelCache.newClaim({ size: Size.gibibytes(1000) }),
      resources: { cpu: kplus.Cpu.units(96), memory: Size.gibibytes(1024) },
      maxModelLoadTime: Duration.minutes(60),
    });
    const llama70b = new VllmPool(chart, 'llama-3-3-70b', { model: 'meta-llama/Llama-3.3-70B-Instruct', accelerator: Accelerator.nvidiaGpu(4), engine: { tensorParallelSize: 4 } });
    proxy.addBackend(llama70b);
    proxy.addBackend(llama405b, { rpm: 120, maxParallelRequests: 256, modelInfo: { maxInputTokens: 32768 } });
    proxy.addFallback(llama405b, [llama70b]);
    llama405b.monitor(DISCOVERY);
    llama405b.autoscale({ prometheus: PROMETHEUS_SOURCE, minReplicas: 1, maxReplicas: 2 });
    // ---
    const manifests = render(chart);
    const set = lws(manifests, 'llama-3-1-405b');
    expect(set.spec.leaderWorkerTemplate.size).toBe(2);
    expect(set.spec).not.toHaveProperty('replicas');
    expect(container(leader(manifests, 'llama-3-1-405b')).resources.limits).toEqual({ 'memory': '1048576Mi', 'nvidia.com/gpu': 8 });
    expect(oneOfKind(manifests, 'ScaledObject', 'llama-3-1-405b').spec.scaleTargetRef.kind).toBe('LeaderWorkerSet');
    expect(oneOfKind(manifests, 'PersistentVolumeClaim', 'llama-3-1-405b-model-cache').spec.accessModes).toEqual(['ReadWriteMany']);
    const config = liteLLMConfig(manifests);
    expect(config.model_list.map((m: Manifest) => m.litellm_params.api_base)).toContain('http://llama-3-1-405b-leader.llm.svc.cluster.local:8000/v1');
    expect(config.router_settings.fallbacks).toEqual([{ 'llama-3-1-405b': ['Llama-3.3-70B-Instruct'] }]);
  });
});

describe('one pool identity per namespace', () => {
  test('a VllmPool and a MultiNodeVllmPool of one name would select each other\'s pods: refused, naming both', () => {
    const chart = testChart();
    new VllmPool(chart, 'llama', { model: 'meta-llama/Llama-3.1-8B-Instruct', accelerator: Accelerator.nvidiaGpu(1), serviceName: 'llama-api' });
    expect(() => pool(chart, { name: 'llama' }, 'big')).toThrow(new Error(
      '\'name\' ("llama") names a vLLM pool (pods labelled app.kubernetes.io/instance) in namespace "llm" that \'test/llama\' already renders: \'test/big\' would overwrite it on apply; give one of them another name'));
  });

  test('the other way round, too', () => {
    const chart = testChart();
    pool(chart, { name: 'llama' }, 'big');
    expect(() => new VllmPool(chart, 'llama', { model: 'meta-llama/Llama-3.1-8B-Instruct', accelerator: Accelerator.nvidiaGpu(1), serviceName: 'llama-api' }))
      .toThrow(new Error('\'name\' ("llama") names a vLLM pool (pods labelled app.kubernetes.io/instance) in namespace "llm" that \'test/big\' already renders: \'test/llama\' would overwrite it on apply; give one of them another name'));
  });
});
