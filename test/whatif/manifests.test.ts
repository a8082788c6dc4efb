/**
 * The what-if manifest loader: YAML directories (recursive, multi-document) and Apps, target
 * resolution with its errors, and what it derives from the scale target's Deployment (the
 * pool's parameters, requests, adapter rules, the proxy in front of it).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { Accelerator, LiteLLMProxy, LoadedManifest, VllmPool, loadManifestsFromApp, loadManifestsFromDir, resolveTarget } from '../../lib';
import { SCRAPER } from '../util/synth';

const DIST = path.join(__dirname, '..', '..', 'dist');
const dist = loadManifestsFromDir(DIST);

function tmpDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whatif-manifests-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const m = (object: any, file = 'a.yaml'): LoadedManifest => ({ object, file });

function deployment(name: string, namespace = 'llm', container: any = {}, podLabels: Record<string, string> = {}): any {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
    spec: { template: { metadata: { labels: podLabels }, spec: { containers: [{ name: 'app', image: 'app:1', ...container }] } } },
  };
}

function hpa(name: string, target: string, namespace = 'llm', apiVersion = 'autoscaling/v2'): any {
  return { apiVersion, kind: 'HorizontalPodAutoscaler', metadata: { name, namespace }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, maxReplicas: 3 } };
}

function scaledObject(name: string, ref: any, namespace = 'llm'): any {
  return { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name, namespace }, spec: { scaleTargetRef: ref, triggers: [] } };
}

describe('loadManifestsFromDir', () => {
  test('dist/: every document of every file, recursively, each with its file and document index', () => {
    const files = new Set(dist.map(x => path.relative(DIST, x.file)));
    expect(files).toContain('vllm-autoscaling.k8s.yaml');
    expect(files).toContain(path.join('environments', 'prod', 'serving.k8s.yaml'));
    const keda = dist.filter(x => x.object.kind === 'ScaledObject' && x.object.metadata.name === 'llama-70b-keda');
    expect(keda).toHaveLength(1);
    expect(keda[0].file).toBe(path.join(DIST, 'vllm-autoscaling.k8s.yaml'));
    // The documents of a file are numbered from 1 in order.
    const inFile = dist.filter(x => x.file === keda[0].file);
    expect(inFile.map(x => x.document)).toEqual(inFile.map((_, i) => i + 1));
  });

  test('*.yaml and *.yml in name order, nested directories, other files and empty or kind-less documents skipped', () => {
    const dir = tmpDir({
      'b.yml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n',
      'a.yaml': '---\n---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\nreplicas: 3\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: a2}\n',
      'sub/deeper/c.YAML': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n',
      'notes.txt': 'kind: ConfigMap\n',
    });
    const loaded = loadManifestsFromDir(dir);
    expect(loaded.map(x => [path.relative(dir, x.file), x.document, x.object.metadata.name])).toEqual([
      ['a.yaml', 2, 'a'], ['a.yaml', 4, 'a2'], ['b.yml', 1, 'b'], [path.join('sub', 'deeper', 'c.YAML'), 1, 'c'],
    ]);
    // One file works too.
    expect(loadManifestsFromDir(path.join(dir, 'b.yml')).map(x => x.object.metadata.name)).toEqual(['b']);
  });

  test('unparsable YAML: an error naming the file and the document, with the parser\'s first line (line and column)', () => {
    const bad = 'kind: A\n---\nkind: B\n  x: [1, 2\n';
    const dir = tmpDir({ 'ok.yaml': 'kind: A\n', 'bad.yaml': bad });
    // The yaml package's own message for the second document, first line only.
    expect(YAML.parseAllDocuments(bad)[1].errors[0].message.split('\n')[0]).toBe('Nested mappings are not allowed in compact mappings at line 3, column 7:');
    expect(() => loadManifestsFromDir(dir)).toThrow(new Error(
      `'${path.join(dir, 'bad.yaml')}' (document 2) is not valid YAML: Nested mappings are not allowed in compact mappings at line 3, column 7`));
  });

  test('a document that is not a mapping: an error naming the file and the document', () => {
    const dir = tmpDir({ 'list.yaml': 'kind: A\n---\n- a\n- b\n' });
    expect(() => loadManifestsFromDir(dir)).toThrow(new Error(`'${path.join(dir, 'list.yaml')}' (document 2) is not a Kubernetes object: expected a mapping with apiVersion and kind, got ["a","b"]`));
  });

  test('a missing directory, a directory without YAML, a bad argument', () => {
    const missing = path.join(os.tmpdir(), 'whatif-no-such-dir');
    expect(() => loadManifestsFromDir(missing)).toThrow(new Error(`'manifests' (${JSON.stringify(missing)}) does not exist: name a directory of YAML manifests, e.g. dist/`));
    const empty = tmpDir({ 'README.md': '# nothing' });
    expect(() => loadManifestsFromDir(empty)).toThrow(new Error(`'manifests' (${JSON.stringify(empty)}) holds no *.yaml or *.yml file`));
    expect(() => loadManifestsFromDir('')).toThrow(new Error('\'manifests\' ("") must be a directory of YAML manifests, e.g. dist/'));
    expect(() => loadManifestsFromDir(3 as unknown as string)).toThrow(new Error('\'manifests\' (3) must be a directory of YAML manifests, e.g. dist/'));
  });
});

describe('loadManifestsFromApp', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'serving', { namespace: 'llm' });
  const pool = new VllmPool(chart, 'chat', { model: 'meta-llama/Llama-3.1-8B-Instruct', servedModelName: 'llama', accelerator: Accelerator.nvidiaGpu(1) });
  pool.monitor({ labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER });
  pool.autoscale({ prometheus: { serverAddress: 'http://prometheus-operated.monitoring.svc:9090' }, maxReplicas: 4 });
  const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: { secretName: 'litellm', key: 'master-key' } });
  proxy.addBackend(pool);
  const loaded = loadManifestsFromApp(app);

  test('the synthesized objects, each named by its chart', () => {
    expect(loaded.find(x => x.object.kind === 'ScaledObject')).toMatchObject({ file: 'chart \'serving\'', object: { metadata: { name: 'chat', namespace: 'llm' } } });
    expect(new Set(loaded.map(x => x.file))).toEqual(new Set(['chart \'serving\'']));
  });

  test('resolves a target like dist/ does: pool, requests, proxy', () => {
    const target = resolveTarget(loaded, 'llm/chat');
    expect(target.kind).toBe('ScaledObject');
    expect(target.deployment.metadata.name).toBe('chat');
    expect(target.pool).toMatchObject({ name: 'chat', vllm: true, modelName: 'llama', params: { gpusPerReplica: 1, readySeconds: 1200, maxConcurrentRequests: 256 } });
    expect(target.proxy).toEqual({ namespace: 'llm', modelGroups: ['llama'] });
  });

  test('not an App: an error', () => {
    expect(() => loadManifestsFromApp(chart as never)).toThrow(new Error('\'app\' ("Chart") must be a cdk8s App'));
  });
});

describe('resolveTarget on dist/', () => {
  test('a ScaledObject: its Deployment, the vLLM pool derived from it, the adapter rules and the proxy', () => {
    const target = resolveTarget(dist, 'llm-autoscaling/llama-70b-keda');
    expect(target).toMatchObject({ kind: 'ScaledObject', namespace: 'llm-autoscaling', name: 'llama-70b-keda', file: path.join(DIST, 'vllm-autoscaling.k8s.yaml') });
    expect(target.object.spec.triggers.map((t: any) => t.name)).toEqual(['gpu_utilization', 'queue_depth', 'predicted_queue_depth', 'prewarm_0']);
    expect(target.deployment.metadata).toMatchObject({ name: 'llama-70b-keda', namespace: 'llm-autoscaling' });
    expect(target.pool).toEqual({
      name: 'llama-70b-keda',
      vllm: true,
      modelName: 'llama-3-3-70b',
      // 4 H100s; the pool's maxModelLoadTime (40 min) as VLLM_ENGINE_READY_TIMEOUT_S; no
      // --max-num-seqs: vLLM's default on a ≥ 70 GiB GPU.
      params: { gpusPerReplica: 4, readySeconds: 2400, maxConcurrentRequests: 1024 },
      sources: {
        gpusPerReplica: 'the accelerator resources the pods request',
        readySeconds: 'VLLM_ENGINE_READY_TIMEOUT_S of the vLLM container (the pool\'s maxModelLoadTime)',
        maxConcurrentRequests: 'vLLM\'s default --max-num-seqs on a GPU of at least 70 GiB (NVIDIA-H100-80GB-HBM3): 1024',
        tensorParallelSize: '--tensor-parallel-size 4',
      },
    });
    expect(target.podRequests).toEqual({ 'cpu': 16, 'memory': 131072 * 2 ** 20, 'nvidia.com/gpu': 4 });
    expect(target.partialRequests).toEqual({});
    expect(target.proxy).toEqual({ namespace: 'llm-autoscaling', modelGroups: ['premium'] });
    // The cluster's adapter rules live in another file (reference-monitoring): all are read.
    const served = target.adapterRules.map(r => (r.rule.name as { as: string }).as);
    expect(served).toContain('llama_70b_hpa_gpu_utilization');
    expect(target.adapterRules.find(r => (r.rule.name as { as: string }).as === 'llama_70b_hpa_gpu_utilization')).toMatchObject({
      list: 'rules', index: 1, configMap: 'monitoring/prometheus-adapter-config', file: path.join(DIST, 'reference-monitoring.k8s.yaml'),
    });
  });

  test('an HPA on a non-vLLM Deployment (the proxy): vllm false, its requests for Resource metrics', () => {
    const target = resolveTarget(dist, 'llm-autoscaling/litellm');
    expect(target.kind).toBe('HorizontalPodAutoscaler');
    expect(target.pool).toEqual({
      name: 'litellm', vllm: false, modelName: undefined,
      params: { gpusPerReplica: 0, readySeconds: 300 },
      sources: { gpusPerReplica: 'no accelerator resource requested', readySeconds: 'the startup probe budget (initialDelaySeconds + failureThreshold × periodSeconds)' },
    });
    expect(target.podRequests).toEqual({ cpu: 0.5, memory: 2 ** 30 });
    expect(target.proxy).toBeUndefined();
  });

  test('--max-num-seqs when the pool sets it; an older vLLM without the env var: the startup probe budget', () => {
    const target = resolveTarget(dist, 'llm-neuron/llama-3-1-8b-int8-neuron');
    expect(target.pool?.params).toEqual({ gpusPerReplica: 1, readySeconds: 2700, maxConcurrentRequests: 8 });
    expect(target.pool?.sources.maxConcurrentRequests).toBe('--max-num-seqs');
  });
});

describe('resolveTarget: what the pool derivation reads', () => {
  const vllm = (args: string[], extra: any = {}) => deployment('pool', 'llm', { name: 'vllm', image: 'vllm/vllm-openai:v0.26.0', args, ...extra }, { 'app.kubernetes.io/instance': 'pool-a' });

  test('--flag=value forms, the positional model as model_name, the CPU default of --max-num-seqs', () => {
    const target = resolveTarget([m(vllm(['Qwen/Qwen3-0.6B', '--tensor-parallel-size=2'])), m(hpa('pool', 'pool'))], 'llm/pool');
    expect(target.pool).toMatchObject({
      name: 'pool-a', vllm: true, modelName: 'Qwen/Qwen3-0.6B',
      params: { gpusPerReplica: 0, maxConcurrentRequests: 256 },
    });
    expect(target.pool?.sources.maxConcurrentRequests).toBe('vLLM\'s default --max-num-seqs on CPU: 128 × world size (2)');
    expect(target.pool?.params.readySeconds).toBeUndefined();
  });

  test('a GPU of unknown product: 256; --max-num-seqs given: that; startup probe defaults', () => {
    const gpu = { resources: { requests: { 'nvidia.com/gpu': '2' }, limits: { 'nvidia.com/gpu': '2' } }, startupProbe: { failureThreshold: 30 } };
    const a = resolveTarget([m(vllm(['m', '--served-model-name', 'chat'], gpu)), m(hpa('pool', 'pool'))], 'llm/pool');
    expect(a.pool?.params).toEqual({ gpusPerReplica: 2, maxConcurrentRequests: 256, readySeconds: 300 });
    expect(a.pool?.modelName).toBe('chat');
    expect(a.pool?.sources.maxConcurrentRequests).toBe('vLLM\'s default --max-num-seqs: 256 (GPU product unknown)');
    const b = resolveTarget([m(vllm(['m', '--max-num-seqs', '64'], gpu)), m(hpa('pool', 'pool'))], 'llm/pool');
    expect(b.pool?.params.maxConcurrentRequests).toBe(64);
  });

  test('the default --max-num-seqs is never more than --max-num-batched-tokens (vLLM takes the min)', () => {
    const gpu = { resources: { requests: { 'nvidia.com/gpu': '1' } } };
    const target = resolveTarget([m(vllm(['m', '--max-num-batched-tokens', '128'], gpu)), m(hpa('pool', 'pool'))], 'llm/pool');
    expect(target.pool?.params.maxConcurrentRequests).toBe(128);
    expect(target.pool?.sources.maxConcurrentRequests).toBe('vLLM\'s default --max-num-seqs: 256 (GPU product unknown), capped at --max-num-batched-tokens 128');
    const large = resolveTarget([m(vllm(['m', '--max-num-batched-tokens=8k'], gpu)), m(hpa('pool', 'pool'))], 'llm/pool');
    expect(large.pool?.params.maxConcurrentRequests).toBe(256);
  });

  test('requests summed over containers; a resource some container does not request is partial', () => {
    const d = deployment('web', 'llm', { resources: { requests: { cpu: '250m', memory: '1Gi' } } });
    d.spec.template.spec.containers.push({ name: 'sidecar', image: 's:1', resources: { requests: { cpu: '0.25' } } });
    const target = resolveTarget([m(d), m(hpa('web', 'web'))], 'llm/web');
    expect(target.podRequests).toEqual({ cpu: 0.5 });
    expect(target.partialRequests).toEqual({ memory: 'sidecar' });
    expect(target.pool).toMatchObject({ name: 'web', vllm: false });
  });

  test('the Deployment of the autoscaler\'s own file wins over one of the same name elsewhere', () => {
    const inY = deployment('web');
    const target = resolveTarget([m(deployment('web'), 'x.yaml'), m(inY, 'y.yaml'), m(hpa('web', 'web'), 'y.yaml')], 'llm/web');
    expect(target.file).toBe('y.yaml');
    expect(target.deployment).toBe(inY);
  });
});

describe('resolveTarget errors', () => {
  const manifests = [
    m(deployment('web')), m(hpa('web', 'web')),
    m(deployment('worker')), m(scaledObject('worker', { name: 'worker' })),
    m({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'llm' } }),
    m(hpa('old', 'web', 'llm', 'autoscaling/v1'), 'old.yaml'),
  ];

  test.each([
    ['web', '\'target\' ("web") must be <namespace>/<name> of a HorizontalPodAutoscaler or KEDA ScaledObject, e.g. llm/llama-70b'],
    ['llm/web/x', '\'target\' ("llm/web/x") must be <namespace>/<name> of a HorizontalPodAutoscaler or KEDA ScaledObject, e.g. llm/llama-70b'],
    ['LLM/web', '\'target\' ("LLM/web") must be <namespace>/<name> of a HorizontalPodAutoscaler or KEDA ScaledObject, e.g. llm/llama-70b'],
    ['llm/nope', '\'target\' ("llm/nope") matches no HorizontalPodAutoscaler or ScaledObject; the manifests hold: llm/web (HorizontalPodAutoscaler), llm/worker (ScaledObject)'],
    ['other/web', '\'target\' ("other/web") matches no HorizontalPodAutoscaler or ScaledObject; the manifests hold: llm/web (HorizontalPodAutoscaler), llm/worker (ScaledObject)'],
    ['llm/settings', '\'target\' ("llm/settings") names ConfigMap (v1) in a.yaml, not an autoscaler: replay reads a HorizontalPodAutoscaler (autoscaling/v2) or a KEDA ScaledObject (keda.sh/v1alpha1); the manifests hold: llm/web (HorizontalPodAutoscaler), llm/worker (ScaledObject)'],
    ['llm/old', '\'target\' ("llm/old") names HorizontalPodAutoscaler (autoscaling/v1) in old.yaml, not an autoscaler: replay reads a HorizontalPodAutoscaler (autoscaling/v2) or a KEDA ScaledObject (keda.sh/v1alpha1); the manifests hold: llm/web (HorizontalPodAutoscaler), llm/worker (ScaledObject)'],
  ])('%s', (target, message) => {
    expect(() => resolveTarget(manifests, target)).toThrow(new Error(message));
  });

  test('no autoscaler at all', () => {
    expect(() => resolveTarget([m(deployment('web'))], 'llm/web')).toThrow(new Error(
      '\'target\' ("llm/web") names Deployment (apps/v1) in a.yaml, not an autoscaler: replay reads a HorizontalPodAutoscaler (autoscaling/v2) or a KEDA ScaledObject (keda.sh/v1alpha1); the manifests hold none'));
  });

  test('the scaleTargetRef Deployment missing, or not a Deployment', () => {
    expect(() => resolveTarget([m(hpa('web', 'web'))], 'llm/web')).toThrow(new Error(
      '\'spec.scaleTargetRef.name\' ("web") of HorizontalPodAutoscaler llm/web (a.yaml) names no Deployment in namespace llm of the manifests: the replay needs the pods\' template (resources, vLLM arguments); include the file that defines it'));
    // A Deployment of that name in another namespace does not count.
    expect(() => resolveTarget([m(deployment('web', 'other')), m(hpa('web', 'web'))], 'llm/web')).toThrow('names no Deployment in namespace llm');
    expect(() => resolveTarget([m(scaledObject('db', { kind: 'StatefulSet', name: 'db' }))], 'llm/db')).toThrow(new Error(
      '\'spec.scaleTargetRef\' ({"kind":"StatefulSet","name":"db"}) of ScaledObject llm/db (a.yaml) must name an apps/v1 Deployment: the replay models a Deployment\'s pods'));
    expect(() => resolveTarget([m(scaledObject('db', undefined))], 'llm/db')).toThrow(new Error(
      '\'spec.scaleTargetRef\' (undefined) of ScaledObject llm/db (a.yaml) must name the Deployment it scales'));
  });

  test('KEDA\'s scaleTargetRef defaults to an apps/v1 Deployment', () => {
    expect(resolveTarget([m(deployment('worker')), m(scaledObject('worker', { name: 'worker' }))], 'llm/worker').deployment.metadata.name).toBe('worker');
  });

  test('the same autoscaler in two files, or its Deployment in two other files: ambiguous', () => {
    expect(() => resolveTarget([m(deployment('web')), m(hpa('web', 'web'), 'a.yaml'), m(hpa('web', 'web'), 'b.yaml')], 'llm/web')).toThrow(new Error(
      '\'target\' ("llm/web") matches 2 autoscalers (HorizontalPodAutoscaler in a.yaml, HorizontalPodAutoscaler in b.yaml): point --manifests at the files of one App'));
    expect(() => resolveTarget([m(deployment('web'), 'x.yaml'), m(deployment('web'), 'y.yaml'), m(hpa('web', 'web'), 'z.yaml')], 'llm/web')).toThrow(new Error(
      '\'spec.scaleTargetRef.name\' ("web") of HorizontalPodAutoscaler llm/web (z.yaml) names 2 Deployments (x.yaml, y.yaml): point --manifests at the files of one App'));
  });

  test('bad manifests from plain JavaScript', () => {
    expect(() => resolveTarget({} as never, 'llm/web')).toThrow(new Error('\'manifests\' ({}) must be a list of { object, file } (loadManifestsFromDir() or loadManifestsFromApp())'));
    expect(() => resolveTarget([{ object: null, file: 'a' }] as never, 'llm/web')).toThrow(new Error('\'manifests[0]\' ({"object":null,"file":"a"}) must be { object, file }'));
  });
});

describe('adapter rules and proxies in ConfigMaps', () => {
  test('rules and externalRules of any ConfigMap key holding discovery rules; other ConfigMaps ignored', () => {
    const adapter = {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'adapter', namespace: 'monitoring' },
      data: { 'config.yaml': 'rules:\n- seriesQuery: \'{__name__="a"}\'\n  metricsQuery: sum(<<.Series>>)\nexternalRules:\n- seriesQuery: b\n  metricsQuery: sum(<<.Series>>)\n- notARule: 1\n' },
    };
    const other = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'llm' }, data: { 'a.txt': 'metricsQuery: [unclosed' } };
    const target = resolveTarget([m(deployment('web')), m(hpa('web', 'web')), m(adapter, 'adapter.yaml'), m(other)], 'llm/web');
    expect(target.adapterRules.map(r => [r.list, r.index, r.configMap, r.file])).toEqual([
      ['rules', 0, 'monitoring/adapter', 'adapter.yaml'], ['externalRules', 0, 'monitoring/adapter', 'adapter.yaml'],
    ]);
  });
});

describe('recording rules in PrometheusRules', () => {
  const rules = (name: string, groups: any[], apiVersion = 'monitoring.coreos.com/v1'): any => ({ apiVersion, kind: 'PrometheusRule', metadata: { name, namespace: 'monitoring' }, spec: { groups } });

  test('every record of every group, with expr and static labels (stringified); alerts, other kinds and malformed entries skipped', () => {
    const target = resolveTarget([
      m(deployment('chat')), m(hpa('chat', 'chat')),
      m(rules('recording', [
        { name: 'g1', rules: [
          { record: 'pool:waiting:sum', expr: 'sum(vllm:num_requests_waiting)', labels: { pool: 'chat', replicas: 2 } },
          { alert: 'Slow', expr: 'pool:waiting:sum > 10' },
          { record: 'one', expr: 1 },
          { record: 'no_expr' },
        ] },
        { name: 'g2', rules: [{ record: 'pool:running:sum', expr: 'sum(vllm:num_requests_running)' }] },
        { name: 'no-rules' },
      ]), 'rules.yaml'),
      m(rules('old', [{ name: 'g', rules: [{ record: 'ignored', expr: '1' }] }], 'monitoring.coreos.com/v1alpha1')),
      m({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, spec: { groups: [{ rules: [{ record: 'ignored', expr: '1' }] }] } }),
    ], 'llm/chat');
    const file = 'rules.yaml (PrometheusRule monitoring/recording)';
    expect(target.recordingRules).toEqual([
      { record: 'pool:waiting:sum', expr: 'sum(vllm:num_requests_waiting)', labels: { pool: 'chat', replicas: '2' }, file },
      { record: 'one', expr: '1', labels: {}, file },
      { record: 'pool:running:sum', expr: 'sum(vllm:num_requests_running)', labels: {}, file },
    ]);
  });

  test('dist/: the recorded TTFT quantiles of every pool', () => {
    const recorded = resolveTarget(dist, 'llm-autoscaling/llama-70b-hpa').recordingRules!
      .filter(r => r.record === 'namespace_pool:vllm_time_to_first_token_seconds:p95_5m').map(r => r.labels?.pool);
    expect(recorded).toEqual(expect.arrayContaining(['llama-70b-hpa', 'llama-70b-keda', 'llama-8b']));
  });
});
