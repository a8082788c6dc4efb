/**
 * The what-if signal readers: what each HPA metric and KEDA trigger of a target reads from the
 * pool model (KEDA queries, prometheus-adapter rules filled like the adapter fills them,
 * Resource metrics), and why a signal is not modelled.
 */
import * as path from 'path';
import {
  LoadedManifest, PoolPodMetrics, PoolSimulation, PoolSnapshot, ReplayTarget, hpaSignalReader, kedaSignalReader, loadManifestsFromDir, resolveTarget,
  withPoolModelDefaults,
} from '../../lib';

const DIST = path.join(__dirname, '..', '..', 'dist');
const dist = loadManifestsFromDir(DIST);

const METRICS: PoolPodMetrics = {
  waiting: 0, running: 0, kvCacheUsage: 0, gpuUtilization: 0, cpuCores: 0, completedPerSecond: 0, promptTokensPerSecond: 0, generationTokensPerSecond: 0,
};

interface PodSpec extends Partial<PoolPodMetrics> { name: string; ready?: boolean; phase?: 'Pending' | 'Running' }

/** A snapshot at `t`; ready pods carry their metrics in perPod (as the model lists them). */
function snap(t: number, pods: PodSpec[]): PoolSnapshot {
  const perPod: Record<string, PoolPodMetrics> = {};
  for (const p of pods) {
    if (p.ready ?? true) {
      const metrics: Partial<PoolPodMetrics> = { ...p };
      for (const key of ['name', 'ready', 'phase']) delete (metrics as Record<string, unknown>)[key];
      perPod[p.name] = { ...METRICS, ...metrics };
    }
  }
  return {
    t, desiredReplicas: pods.length, readyReplicas: Object.keys(perPod).length,
    pods: pods.map(p => ({ name: p.name, phase: p.phase ?? 'Running', ready: p.ready ?? true, createdAt: 0, deleting: false })),
    arrivalsPerSecond: 0, completedPerSecond: 0, waiting: 0, running: 0, estimatedWaitSeconds: 0,
    ttftP50: 0.2, ttftP95: 0.8, ttftP99: 1.5, e2eP95: 12, perPod, dropped: 0,
  };
}

/** The same pods every 30 s for 30 minutes, the queue of pod-1 growing by 1 a minute. */
function history(pods: (t: number) => PodSpec[]): PoolSnapshot[] {
  const out: PoolSnapshot[] = [];
  for (let t = 0; t <= 1800; t += 30) out.push(snap(t, pods(t)));
  return out;
}

const last = <T>(a: T[]): T => a[a.length - 1];

describe('KEDA: the reference 70B pool (dist/, llm-autoscaling/llama-70b-keda)', () => {
  const target = resolveTarget(dist, 'llm-autoscaling/llama-70b-keda');
  const reader = kedaSignalReader(target);

  test('describe: three prometheus queries the model produces, and the cron pre-warm', () => {
    expect(reader.describe).toEqual([
      { index: 0, source: 'prometheus: avg(DCGM_FI_DEV_GPU_UTIL{namespace="llm-autoscaling",pod=~"llama-70b-keda-[a-z0-9]+-[a-z0-9]+"}) / 100', supported: true },
      { index: 1, source: 'prometheus: sum(vllm:num_requests_waiting{namespace="llm-autoscaling",pool="llama-70b-keda",model_name="llama-3-3-70b"})', supported: true },
      { index: 2, source: 'prometheus: clamp_min(predict_linear(sum(vllm:num_requests_waiting{namespace="llm-autoscaling",pool="llama-70b-keda",model_name="llama-3-3-70b"})[1800s:30s], 900), 0)', supported: true },
      { index: 3, source: 'cron 30 7 * * 1-5 to 0 19 * * 1-5 (Europe/Berlin): 2 replicas', supported: true, why: 'evaluated by the KEDA simulation from the trace\'s start time' },
    ]);
  });

  test('reads GPU utilization over every running pod\'s 4 GPUs, the pool\'s queue and its trend', () => {
    const h = history(t => [
      { name: 'pod-1', waiting: t / 60, gpuUtilization: 90 },
      { name: 'pod-2', waiting: 2, gpuUtilization: 50 },
      { name: 'pod-3', ready: false },
      { name: 'pod-4', ready: false, phase: 'Pending' },
    ]);
    const now = last(h);
    // (90 + 50 + 0 (pod-3 loading)) / 3 pods (4 GPUs each alike) / 100.
    const gpu = reader.read(0, now, h);
    expect(gpu.kind).toBe('ok');
    expect((gpu as { value: number }).value).toBeCloseTo(140 / 3 / 100, 12);
    expect(reader.read(1, now, h)).toEqual({ kind: 'ok', value: 32 });
    const predicted = reader.read(2, now, h) as { kind: string; value: number };
    expect(predicted.kind).toBe('ok');
    expect(predicted.value).toBeCloseTo(32 + 15, 9);
    expect(reader.read(3, now, h)).toEqual({ kind: 'error', reason: 'a cron trigger is evaluated by the KEDA simulation, not read from the model' });
  });

  test('no ready pod: the queue query is empty (ignoreNullValues decides), GPU utilization reads the loading pods', () => {
    const h = [snap(0, [{ name: 'pod-1', ready: false }])];
    expect(reader.read(1, h[0], h)).toEqual({ kind: 'empty' });
    expect(reader.read(2, h[0], h)).toEqual({ kind: 'empty' });
    expect(reader.read(0, h[0], h)).toEqual({ kind: 'ok', value: 0 });
    const none = [snap(0, [])];
    expect(reader.read(0, none[0], none)).toEqual({ kind: 'empty' });
  });

  test('over the pool model itself: its pod names match the DCGM pod regex, every query reads', () => {
    const pool = new PoolSimulation(withPoolModelDefaults({ ...target.pool!.params, readySeconds: 60, pendingSeconds: 10 }), 2);
    const snapshots: PoolSnapshot[] = [];
    for (let t = 0; t <= 900; t += 15) snapshots.push(pool.advance(t, 30));
    const now = last(snapshots);
    for (const i of [0, 1, 2]) {
      const r = reader.read(i, now, snapshots);
      expect({ i, kind: r.kind }).toEqual({ i, kind: 'ok' });
    }
    expect((reader.read(1, now, snapshots) as { value: number }).value).toBeCloseTo(now.waiting, 9);
  });

  test('index out of range: an error', () => {
    const h = [snap(0, [])];
    expect(() => reader.read(4, h[0], h)).toThrow(new Error('\'index\' (4) must be a whole number from 0 to 3'));
  });
});

/** A vLLM Deployment `chat` in `llm` (pool label `chat`, model `llama`) scaled by `autoscaler`; extra objects. */
function targetWith(autoscaler: any, extra: any[] = [], container: any = {}): ReplayTarget {
  const deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'chat', namespace: 'llm' },
    spec: {
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': 'chat' } },
        spec: {
          containers: [{
            name: 'vllm', image: 'vllm/vllm-openai:v0.26.0', args: ['m', '--served-model-name', 'llama'],
            resources: { requests: { 'cpu': '4', 'memory': '32Gi', 'nvidia.com/gpu': 1 } }, ...container,
          }],
        },
      },
    },
  };
  const manifests: LoadedManifest[] = [deployment, { ...autoscaler, metadata: { name: 'chat', namespace: 'llm' } }, ...extra].map(object => ({ object, file: 'app.yaml' }));
  return resolveTarget(manifests, 'llm/chat');
}

const keda = (triggers: any[]) => ({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', spec: { scaleTargetRef: { name: 'chat' }, triggers } });
const hpaOf = (metrics: any[] | undefined) => ({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'chat' }, maxReplicas: 4, metrics } });
const prom = (query: string) => ({ type: 'prometheus', metadata: { query, threshold: '5' } });

describe('KEDA triggers', () => {
  const h = [snap(0, [{ name: 'pod-1', waiting: 4, cpuCores: 1.5 }, { name: 'pod-2', waiting: 6, cpuCores: 0.5 }, { name: 'pod-3', ready: false, phase: 'Pending' }])];

  test('a query returning several elements fails like KEDA\'s prometheus scaler', () => {
    const q = 'sum by (pod) (vllm:num_requests_waiting{pool="chat"})';
    expect(kedaSignalReader(targetWith(keda([prom(q)]))).read(0, h[0], h)).toEqual({ kind: 'error', reason: `prometheus query ${q} returned multiple elements` });
  });

  test('±Inf is ignoreNullValues\' business (empty); NaN is an error', () => {
    const reader = kedaSignalReader(targetWith(keda([prom('sum(vllm:num_requests_waiting) / 0'), prom('(sum(vllm:num_requests_waiting) - 10) / 0')])));
    expect(reader.read(0, h[0], h)).toEqual({ kind: 'empty' });
    expect(reader.read(1, h[0], h)).toEqual({
      kind: 'error', reason: 'prometheus query (sum(vllm:num_requests_waiting) - 10) / 0 returned NaN: KEDA hands NaN to the HPA as an undefined quantity, which the replay does not model',
    });
  });

  test('a query the evaluator cannot read, a trigger type it does not model: not supported, read as an error', () => {
    const reader = kedaSignalReader(targetWith(keda([
      prom('sum(worker_jobs_in_progress{namespace="llm"})'),
      { type: 'redis', metadata: { listName: 'jobs' } },
      { type: 'prometheus', metadata: {} },
    ])));
    const unmodelled = '\'query\' ("sum(worker_jobs_in_progress{namespace=\\"llm\\"})") reads worker_jobs_in_progress, a series the pool model does not produce (it produces vllm:num_requests_running, vllm:num_requests_waiting, vllm:kv_cache_usage_perc, vllm:request_success_total, vllm:prompt_tokens_total, vllm:generation_tokens_total, vllm:time_to_first_token_seconds_bucket, vllm:e2e_request_latency_seconds_bucket, DCGM_FI_DEV_GPU_UTIL, DCGM_FI_PROF_GR_ENGINE_ACTIVE, litellm_proxy_total_requests_metric_total, litellm_in_flight_requests, litellm_request_total_latency_metric_bucket) and no recording rule in the manifests records it (they hold none)';
    const redis = 'trigger type "redis" is not modelled: the pool model produces Prometheus series (prometheus triggers), cpu and memory';
    expect(reader.describe).toEqual([
      { index: 0, source: 'prometheus: sum(worker_jobs_in_progress{namespace="llm"})', supported: false, why: unmodelled },
      { index: 1, source: '"redis" trigger', supported: false, why: redis },
      { index: 2, source: 'prometheus: undefined', supported: false, why: 'the prometheus trigger has no metadata.query' },
    ]);
    expect(reader.read(0, h[0], h)).toEqual({ kind: 'error', reason: unmodelled });
    expect(reader.read(1, h[0], h)).toEqual({ kind: 'error', reason: redis });
  });

  test('cpu and memory triggers read the running pods (memory: a fraction of the request)', () => {
    const reader = kedaSignalReader(targetWith(keda([
      { type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } },
      { type: 'memory', metricType: 'AverageValue', metadata: { value: '20Gi' } },
    ])), { memoryFractionOfRequest: 0.25 });
    expect(reader.read(0, h[0], h)).toEqual({ kind: 'pods', podMetrics: { 'pod-1': 1.5, 'pod-2': 0.5 } });
    expect(reader.read(1, h[0], h)).toEqual({ kind: 'pods', podMetrics: { 'pod-1': 8 * 2 ** 30, 'pod-2': 8 * 2 ** 30 } });
    expect(reader.describe[1]).toEqual({
      index: 1, source: 'memory', supported: true, why: 'memory does not follow load in the model: it reads 0.25 × the request (memoryFractionOfRequest)',
    });
  });

  test('a cpu Utilization trigger on pods without a cpu request, a container other than the main one: not supported', () => {
    const reader = kedaSignalReader(targetWith(keda([
      { type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } },
      { type: 'cpu', metricType: 'Utilization', metadata: { value: '60', containerName: 'sidecar' } },
    ]), [], { resources: {} }));
    expect(reader.describe.map(d => d.why)).toEqual([
      'the pods request no cpu: the HPA controller computes no utilization without it',
      'the model gives the usage of the main container (vllm) only',
    ]);
  });

  test('a reader for the other kind, a bad options object: errors', () => {
    const target = targetWith(keda([]));
    expect(() => hpaSignalReader(target)).toThrow(new Error('\'target.kind\' ("ScaledObject") must be HorizontalPodAutoscaler; read a ScaledObject with kedaSignalReader()'));
    expect(() => kedaSignalReader(target, { memoryFractionOfRequest: -1 })).toThrow(new Error('\'memoryFractionOfRequest\' (-1) must be a finite number greater than or equal to 0'));
    expect(() => kedaSignalReader({} as ReplayTarget)).toThrow(new Error('\'target\' ({}) must be a ReplayTarget (resolveTarget())'));
  });
});

describe('HPA Pods metrics through prometheus-adapter (dist/, llm-autoscaling/llama-70b-hpa)', () => {
  const target = resolveTarget(dist, 'llm-autoscaling/llama-70b-hpa');
  const reader = hpaSignalReader(target);

  test('describe: each metric with the adapter rule that serves it', () => {
    expect(reader.describe).toEqual([
      {
        index: 0, supported: true,
        source: `Pods metric "llama_70b_hpa_gpu_utilization": prometheus-adapter rules[1] of ConfigMap monitoring/prometheus-adapter-config (${path.join(DIST, 'reference-monitoring.k8s.yaml')}): avg(<<.Series>>{<<.LabelMatchers>>,pod=~"llama-70b-hpa-[a-z0-9]+-[a-z0-9]+"}) by (<<.GroupBy>>)`,
      },
      {
        index: 1, supported: true,
        source: `Pods metric "llama_70b_hpa_num_requests_waiting": prometheus-adapter rules[2] of ConfigMap monitoring/prometheus-adapter-config (${path.join(DIST, 'reference-monitoring.k8s.yaml')}): sum(<<.Series>>{<<.LabelMatchers>>,pool="llama-70b-hpa",model_name="llama-3-3-70b"}) by (<<.GroupBy>>)`,
      },
      {
        index: 2, supported: true,
        source: `Object metric "namespace_pool_vllm_time_to_first_token_seconds_p95_5m_llama_70b_hpa" of Deployment llama-70b-hpa: prometheus-adapter rules[3] of ConfigMap monitoring/prometheus-adapter-config (${path.join(DIST, 'reference-monitoring.k8s.yaml')}): max(<<.Series>>{<<.LabelMatchers>>,model_name="llama-3-3-70b"}) by (<<.GroupBy>>)`,
      },
    ]);
  });

  test('per pod, keyed by the model\'s pod names, in milli precision; a loading pod has GPU series but no vLLM ones', () => {
    const h = [snap(0, [
      { name: 'pod-1', waiting: 2.34567, gpuUtilization: 91 },
      { name: 'pod-2', waiting: 0, gpuUtilization: 40 },
      { name: 'pod-3', ready: false },
      { name: 'pod-4', ready: false, phase: 'Pending' },
    ])];
    expect(reader.read(0, h[0], h)).toEqual({ kind: 'ok', podMetrics: { 'pod-1': 91, 'pod-2': 40, 'pod-3': 0 } });
    expect(reader.read(1, h[0], h)).toEqual({ kind: 'ok', podMetrics: { 'pod-1': 2.345, 'pod-2': 0 } });
  });

  test('no pod, or no pod with the series: the HPA\'s "no metrics returned from custom metrics API"', () => {
    const none = [snap(0, [])];
    expect(reader.read(0, none[0], none)).toEqual({ kind: 'error', reason: 'no metrics returned from custom metrics API' });
    const loading = [snap(0, [{ name: 'pod-1', ready: false }])];
    expect(reader.read(1, loading[0], loading)).toEqual({ kind: 'error', reason: 'no metrics returned from custom metrics API' });
  });
});

describe('HPA Resource metrics (dist/, llm-autoscaling/litellm)', () => {
  const target = resolveTarget(dist, 'llm-autoscaling/litellm');

  test('cpu from the model, memory a fraction of the request, for running pods', () => {
    const reader = hpaSignalReader(target);
    expect(reader.describe).toEqual([
      { index: 0, source: 'Resource cpu', supported: true, why: undefined },
      { index: 1, source: 'Resource memory', supported: true, why: 'memory does not follow load in the model: it reads 0.5 × the request (memoryFractionOfRequest)' },
    ]);
    const h = [snap(0, [{ name: 'pod-1', cpuCores: 0.35 }, { name: 'pod-2', ready: false }, { name: 'pod-3', ready: false, phase: 'Pending' }])];
    expect(reader.read(0, h[0], h)).toEqual({ kind: 'ok', podMetrics: { 'pod-1': 0.35, 'pod-2': 0 } });
    expect(reader.read(1, h[0], h)).toEqual({ kind: 'ok', podMetrics: { 'pod-1': 2 ** 29, 'pod-2': 2 ** 29 } });
    expect(hpaSignalReader(target, { memoryFractionOfRequest: 1 }).read(1, h[0], h)).toEqual({ kind: 'ok', podMetrics: { 'pod-1': 2 ** 30, 'pod-2': 2 ** 30 } });
  });

  test('no running pod: the HPA\'s "no metrics returned from resource metrics API"', () => {
    const h = [snap(0, [{ name: 'pod-1', ready: false, phase: 'Pending' }])];
    expect(hpaSignalReader(target).read(0, h[0], h)).toEqual({ kind: 'error', reason: 'no metrics returned from resource metrics API' });
  });
});

describe('HPA metrics on synthetic adapter rules', () => {
  const adapter = (rules: any[], externalRules: any[] = []) => ({
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'adapter', namespace: 'monitoring' },
    data: { 'config.yaml': JSON.stringify({ rules, externalRules }) },
  });
  const podsRule = {
    seriesQuery: '{__name__=~"vllm:num_requests_.*",pod!=""}',
    resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
    name: { matches: '^vllm:(num_requests_.*)$' },
    metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
  };
  const serviceRule = {
    seriesQuery: '{__name__="vllm:num_requests_running"}',
    resources: { overrides: { namespace: { resource: 'namespace' }, pool: { resource: 'service' } } },
    name: { matches: '^vllm:num_requests_running$', as: 'running_per_service' },
    metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
  };
  const externalRule = {
    seriesQuery: '{__name__="vllm:num_requests_waiting"}',
    resources: { overrides: { namespace: { resource: 'namespace' } } },
    name: { as: 'queue' },
    metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (pod)',
  };
  const h = [snap(0, [{ name: 'pod-1', waiting: 3, running: 5 }, { name: 'pod-2', waiting: 1, running: 7 }])];

  test('a name from a capture group ($1 by default); the metric selector joins the label matchers', () => {
    const reader = hpaSignalReader(targetWith(hpaOf([
      { type: 'Pods', pods: { metric: { name: 'num_requests_waiting' }, target: { type: 'AverageValue', averageValue: '5' } } },
      { type: 'Pods', pods: { metric: { name: 'num_requests_running', selector: { matchLabels: { model_name: 'other' } } }, target: { type: 'AverageValue', averageValue: '5' } } },
    ]), [adapter([podsRule])]));
    expect(reader.read(0, h[0], h)).toEqual({ kind: 'ok', podMetrics: { 'pod-1': 3, 'pod-2': 1 } });
    // model_name="other" selects none of the pool's series.
    expect(reader.read(1, h[0], h)).toEqual({ kind: 'error', reason: 'no metrics returned from custom metrics API' });
  });

  test('Object: the value of the described object; External: every series, namespaced', () => {
    const reader = hpaSignalReader(targetWith(hpaOf([
      { type: 'Object', object: { metric: { name: 'running_per_service' }, describedObject: { apiVersion: 'v1', kind: 'Service', name: 'chat' }, target: { type: 'Value', value: '10' } } },
      { type: 'Object', object: { metric: { name: 'running_per_service' }, describedObject: { apiVersion: 'v1', kind: 'Service', name: 'other' }, target: { type: 'Value', value: '10' } } },
      { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '5' } } },
    ]), [adapter([serviceRule], [externalRule])]));
    expect(reader.read(0, h[0], h)).toEqual({ kind: 'ok', value: 12 });
    expect(reader.read(1, h[0], h)).toEqual({ kind: 'error', reason: 'the server could not find the metric running_per_service for service other' });
    expect(reader.read(2, h[0], h)).toEqual({ kind: 'ok', values: [3, 1] });
  });

  test('a metric no rule serves, a template the replay cannot fill, a resource without request: not supported, with why', () => {
    const templated = { ...podsRule, name: { matches: '^vllm:num_requests_running$', as: 'templated' }, metricsQuery: 'sum(<<.Series>>{<<.LabelValuesByName>>}) by (<<.GroupBy>>)' };
    const reader = hpaSignalReader(targetWith(hpaOf([
      { type: 'Pods', pods: { metric: { name: 'nope' }, target: { type: 'AverageValue', averageValue: '5' } } },
      { type: 'Pods', pods: { metric: { name: 'templated' }, target: { type: 'AverageValue', averageValue: '5' } } },
      { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '5' } } },
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'sidecar', target: { type: 'Utilization', averageUtilization: 60 } } },
      { type: 'Resource', resource: { name: 'ephemeral-storage', target: { type: 'AverageValue', averageValue: '1Gi' } } },
    ]), [adapter([podsRule, templated])], { resources: { requests: { memory: '1Gi' } } }));
    expect(reader.describe.map(d => [d.supported, d.why])).toEqual([
      [false, 'no prometheus-adapter rule (rules) in the manifests serves the custom metric nope (served: num_requests_running, num_requests_waiting, templated)'],
      [false, 'prometheus-adapter rules[1] of ConfigMap monitoring/adapter (app.yaml): sum(<<.Series>>{<<.LabelValuesByName>>}) by (<<.GroupBy>>) uses template fields other than .Series, .LabelMatchers and .GroupBy'],
      [false, 'no prometheus-adapter rule (externalRules) in the manifests serves the external metric queue (the manifests hold no externalRules)'],
      [false, 'the pods request no cpu: the HPA controller computes no utilization without it'],
      [false, 'the model gives the usage of the main container (vllm) only'],
      [false, 'Resource ephemeral-storage is not modelled: the model gives cpu and memory usage only'],
    ]);
    expect(reader.read(0, h[0], h)).toEqual({ kind: 'error', reason: reader.describe[0].why });
  });

  test('spec.metrics omitted: the API server\'s default, CPU at 80 %', () => {
    const reader = hpaSignalReader(targetWith(hpaOf(undefined)));
    expect(reader.describe).toEqual([{ index: 0, source: 'Resource cpu', supported: true, why: 'spec.metrics is omitted: the API server defaults it to CPU at 80 % utilization' }]);
  });
});

describe('every autoscaler in dist/, over the pool model', () => {
  // The replay models one pod per replica: a multi-node pool (LeaderWorkerSet) is refused by name.
  const ofLeaderWorkerSet = (x: { object: { spec?: { scaleTargetRef?: { kind?: string } } } }) => x.object.spec?.scaleTargetRef?.kind === 'LeaderWorkerSet';
  const autoscalers = dist.filter(x => ['HorizontalPodAutoscaler', 'ScaledObject'].includes(x.object.kind) && !ofLeaderWorkerSet(x))
    .map(x => `${x.object.metadata.namespace}/${x.object.metadata.name}`);

  test('the multi-node pool\'s ScaledObject is refused by name: the replay models a Deployment\'s pods', () => {
    const multiNode = dist.filter(x => x.object.kind === 'ScaledObject' && ofLeaderWorkerSet(x));
    expect(multiNode.map(x => x.object.metadata.name)).toEqual(['llama-3-1-405b']);
    expect(() => resolveTarget(dist, 'litellm/llama-3-1-405b')).toThrow('names a LeaderWorkerSet (a MultiNodeVllmPool, one group of pods per replica): the replay models a Deployment\'s pods, one pod per replica, so a multi-node pool cannot be replayed; replay the autoscaler of a VllmPool');
  });

  test('each signal reads (ok or empty), except the queue worker\'s own metrics and cron triggers', () => {
    expect(autoscalers.length).toBeGreaterThanOrEqual(20);
    const notModelled: string[] = [];
    for (const name of autoscalers) {
      const target = resolveTarget(dist, name);
      const reader = target.kind === 'ScaledObject' ? kedaSignalReader(target) : hpaSignalReader(target);
      const pool = new PoolSimulation(withPoolModelDefaults({ ...target.pool!.params, readySeconds: 60, pendingSeconds: 10 }), 2);
      const h: PoolSnapshot[] = [];
      for (let t = 0; t <= 1200; t += 15) h.push(pool.advance(t, 5));
      for (const d of reader.describe) {
        const reading = reader.read(d.index, last(h), h);
        if (!d.supported) {
          notModelled.push(`${name}[${d.index}]`);
          expect(reading).toEqual({ kind: 'error', reason: d.why });
        } else if (d.source.startsWith('cron ')) {
          expect(reading.kind).toBe('error');
        } else {
          expect({ name, index: d.index, kind: reading.kind === 'empty' ? 'ok' : reading.kind }).toEqual({ name, index: d.index, kind: 'ok' });
        }
      }
    }
    // The queue worker scales on a Redis list, its own jobs gauge and its own latency histogram.
    expect(notModelled).toEqual(['queue-worker/summarizer-worker[0]', 'queue-worker/summarizer-worker[1]', 'queue-worker/search-api[1]']);
  });
});

describe('why a signal is not modelled, and bad input', () => {
  const base = {
    seriesQuery: '{__name__="vllm:num_requests_waiting"}',
    resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
    metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
  };
  const rules = [
    { ...base, name: { as: 'templ' }, resources: { template: '<<.Resource>>' } },
    { ...base, name: { as: 'nons' }, resources: { overrides: { pod: { resource: 'pod' } } } },
    { ...base, name: { as: 'nopod' }, resources: { overrides: { namespace: { resource: 'namespace' } } } },
    { ...base, name: { as: 'badq' }, metricsQuery: 'deriv(<<.Series>>{<<.LabelMatchers>>}[5m])' },
    { ...base, name: { as: 'good' } },
  ];
  const adapter = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'adapter', namespace: 'monitoring' }, data: { 'config.yaml': JSON.stringify({ rules }) } };
  const pods = (name: string, selector?: any) => ({ type: 'Pods', pods: { metric: { name, selector }, target: { type: 'AverageValue', averageValue: '1' } } });
  const rule = (i: number) => `prometheus-adapter rules[${i}] of ConfigMap monitoring/adapter (app.yaml): ${rules[i].metricsQuery}`;

  test('each reason, exactly', () => {
    const target = targetWith(hpaOf([
      pods(''), pods('templ'), pods('nons'), pods('nopod'), pods('badq'),
      pods('good', { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }),
      { type: 'Bogus' },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Gi' } } },
    ]), [adapter], { resources: {} });
    expect(hpaSignalReader(target).describe.map(d => d.why)).toEqual([
      'the metric has no name ("")',
      `${rule(0)} maps resources with a template; the replay reads overrides only`,
      `${rule(1)} maps no label to the namespace resource`,
      `${rule(2)} maps no label to the pod resource`,
      `${rule(3)} cannot be evaluated over the model: 'query' ("deriv(vllm:num_requests_waiting{namespace=\\"x\\"}[5m])") uses the function deriv(), which the what-if evaluator supports the PromQL the library emits: selectors of the model's series, sum/avg/min/max/count (by/without), rate/irate/increase, histogram_quantile, clamp_min/clamp_max/clamp, predict_linear over a subquery, scalar/vector, arithmetic and comparisons`,
      'the metric selector\'s operator "Gt" is not In, NotIn, Exists or DoesNotExist',
      'metric type "Bogus" is not one of Resource, ContainerResource, Pods, Object, External',
      'memory usage is modelled as a fraction of the memory request, and the pods request no memory',
    ]);
  });

  test('a Utilization target on a resource one container does not request', () => {
    const target = targetWith(hpaOf([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]));
    const sidecar = { ...target, partialRequests: { cpu: 'side' } };
    expect(hpaSignalReader(sidecar).describe[0].why).toBe('missing request for cpu in container side: the HPA controller computes no utilization without it');
  });

  test('the metric selector joins the query as prometheus-adapter writes it (In, NotIn, Exists, DoesNotExist)', () => {
    const h = [snap(0, [{ name: 'pod-1', waiting: 3 }])];
    const read = (selector: any) => hpaSignalReader(targetWith(hpaOf([pods('good', selector)]), [adapter])).read(0, h[0], h);
    expect(read({ matchExpressions: [{ key: 'model_name', operator: 'In', values: ['llama', 'other'] }] })).toEqual({ kind: 'ok', podMetrics: { 'pod-1': 3 } });
    expect(read({ matchExpressions: [{ key: 'model_name', operator: 'NotIn', values: ['llama'] }] })).toEqual({ kind: 'error', reason: 'no metrics returned from custom metrics API' });
    expect(read({ matchExpressions: [{ key: 'engine', operator: 'Exists' }] })).toEqual({ kind: 'ok', podMetrics: { 'pod-1': 3 } });
    expect(read({ matchExpressions: [{ key: 'engine', operator: 'DoesNotExist' }] })).toEqual({ kind: 'error', reason: 'no metrics returned from custom metrics API' });
  });

  test('malformed spec.metrics / spec.triggers, a bad options object', () => {
    const hpa = targetWith(hpaOf([]));
    expect(() => hpaSignalReader({ ...hpa, object: { ...hpa.object, spec: { ...hpa.object.spec, metrics: 'x' } } })).toThrow(new Error(
      '\'spec.metrics\' ("x") of HorizontalPodAutoscaler llm/chat must be a list of metric specs'));
    expect(() => hpaSignalReader(hpa, null as never)).toThrow(new Error('\'options\' (null) must be SignalOptions'));
    const so = targetWith(keda([]));
    expect(() => kedaSignalReader({ ...so, object: { spec: { triggers: {} } } })).toThrow(new Error(
      '\'spec.triggers\' ({}) of ScaledObject llm/chat must be a list of triggers'));
  });
});

describe('recorded series (dist/): read through their recording rules', () => {
  const serving = history(() => [{ name: 'pod-1', completedPerSecond: 2 }, { name: 'pod-2', completedPerSecond: 1 }]);

  test('resolveTarget collects every PrometheusRule record with its expr, static labels and file', () => {
    const rules = resolveTarget(dist, 'llm-autoscaling/llama-8b').recordingRules!;
    const p99 = rules.filter(r => r.record === 'namespace_pool:vllm_time_to_first_token_seconds:p99_5m' && r.labels?.pool === 'llama-8b');
    expect(p99).toEqual([{
      record: 'namespace_pool:vllm_time_to_first_token_seconds:p99_5m',
      expr: 'histogram_quantile(0.99, sum by (namespace, pool, model_name, le) (rate(vllm:time_to_first_token_seconds_bucket{namespace="llm-autoscaling",pool="llama-8b",model_name="llama-3-1-8b"}[5m])))',
      labels: { namespace: 'llm-autoscaling', pool: 'llama-8b' },
      file: `${path.join(DIST, 'vllm-autoscaling.k8s.yaml')} (PrometheusRule llm-autoscaling/llm-autoscaling-recording)`,
    }]);
  });

  test('KEDA (llm-autoscaling/llama-8b): the recorded TTFT p99 trigger reads the model\'s p99; NaN (no request in 5 min) is an error', () => {
    const reader = kedaSignalReader(resolveTarget(dist, 'llm-autoscaling/llama-8b'));
    const source = 'prometheus: max(namespace_pool:vllm_time_to_first_token_seconds:p99_5m{namespace="llm-autoscaling",pool="llama-8b",model_name="llama-3-1-8b"})';
    expect(reader.describe.find(d => d.source === source)).toEqual({ index: 2, source, supported: true });
    expect(reader.read(2, last(serving), serving)).toEqual({ kind: 'ok', value: 1.5 });
    const idle = history(() => [{ name: 'pod-1' }]);
    expect(reader.read(2, last(idle), idle)).toEqual({
      kind: 'error',
      reason: 'prometheus query max(namespace_pool:vllm_time_to_first_token_seconds:p99_5m{namespace="llm-autoscaling",pool="llama-8b",model_name="llama-3-1-8b"}) returned NaN: KEDA hands NaN to the HPA as an undefined quantity, which the replay does not model',
    });
  });

  test('HPA (llm-autoscaling/llama-70b-hpa): the adapter\'s Object metric over the recorded TTFT p95 reads the model\'s p95', () => {
    const reader = hpaSignalReader(resolveTarget(dist, 'llm-autoscaling/llama-70b-hpa'));
    const reading = reader.read(2, last(serving), serving) as { kind: string; value: number };
    // A milli-quantity, truncated, as the adapter serves it (the window's weighted p95 is 0.8 to rounding).
    expect(reading.kind).toBe('ok');
    expect(reading.value).toBeCloseTo(0.8, 2);
    // No request in 5 min: the recorded quantile is NaN, which the adapter serves as 0.
    const idle = history(() => [{ name: 'pod-1' }]);
    expect(reader.read(2, last(idle), idle)).toEqual({ kind: 'ok', value: 0 });
  });
});
