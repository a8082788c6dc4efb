import { Chart, Duration, Testing, Yaml } from 'cdk8s';
import {
  Accelerator, AlertGroup, HorizontalAutoscaler, HpaMetric, LiteLLMProxy, LiteLLMProxyProps, LlmSignal, PoolSlo, PrometheusAdapter, ServingAlerts,
  ServingAlertsProps, Severity, VllmPool, VllmPoolProps, isCatalogSeries, promqlMetricNames,
} from '../../lib';
import { poolName } from '../../lib/metrics/_pool-identity';
import { PromRule, PromRuleGroup, ruleGroupsOf } from '../util/promtool';
import { Manifest, allOfKind, oneOfKind, synth, testChart, SCRAPER } from '../util/synth';
import { expectValidManifests } from '../util/validate';

/**
 * The vLLM version a custom image runs (the pool's `vllmVersion`, required for images whose tag
 * carries none), spread in untyped so this file compiles with and without that prop.
 */
const CUSTOM_IMAGE_VERSION = { vllmVersion: '0.16.0' } as object;

const DISCOVERY = { labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER };
const RUNBOOKS = 'https://runbooks.example.com/llm';
const PROMETHEUS = { serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' };
const MASTER_KEY = { secretName: 'litellm', key: 'master-key' };
/** Metric names vLLM, KEDA and kube-state-metrics no longer expose (FACTS §A.4, §C). */
const REMOVED_METRICS = [
  'vllm:gpu_cache_usage_perc', 'vllm:time_per_output_token_seconds', 'vllm:num_requests_swapped', 'vllm:cpu_cache_usage_perc',
  'vllm:gpu_prefix_cache_hit_rate', 'vllm:cpu_prefix_cache_hit_rate', 'vllm:time_in_queue_requests',
  'keda_scaler_errors', 'keda_scaler_errors_total', 'keda_scaled_object_errors',
];

/** A pool served as `id`, monitored (its PodMonitor adds the pool label the alerts select on) unless told otherwise. */
function pool(chart: Chart, id: string, props: Partial<VllmPoolProps> = {}, monitor = true): VllmPool {
  const p = new VllmPool(chart, id, { model: `org/${id}`, servedModelName: id, accelerator: Accelerator.nvidiaGpu(1), ...props });
  if (monitor) p.monitor(DISCOVERY);
  return p;
}

function proxy(chart: Chart, props: Partial<LiteLLMProxyProps> = {}): LiteLLMProxy {
  const p = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY, ...props });
  p.addModel({ modelName: 'm', model: 'hosted_vllm/m', apiBase: 'http://m.llm.svc.cluster.local:8000/v1' });
  return p;
}

function alerts(chart: Chart, props: Partial<ServingAlertsProps>): ServingAlerts {
  return new ServingAlerts(chart, 'alerts', { pools: [], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS, ...props });
}

function rulesOf(manifests: Manifest[]): PromRule[] {
  return ruleGroupsOf(manifests).flatMap(g => g.rules);
}

/** The one rule named `alert` whose labels include `labels`. */
function rule(manifests: Manifest[], alert: string, labels: Record<string, string> = {}): PromRule {
  const found = rulesOf(manifests).filter(r => r.alert === alert && Object.entries(labels).every(([k, v]) => r.labels?.[k] === v));
  if (found.length !== 1) throw new Error(`expected one ${alert} rule with ${JSON.stringify(labels)}, found ${found.length}`);
  return found[0];
}

/** `{ name, matchers }` for every vector selector of an expression. */
function selectors(expr: string): Array<{ name: string; matchers: Record<string, string> }> {
  return [...expr.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\{([^}]*)\}/g)].map(m => ({
    name: m[1],
    matchers: Object.fromEntries([...m[2].matchAll(/(\w+)(=~|=)"([^"]*)"/g)].map(x => [x[1], `${x[2]}${x[3]}`])),
  }));
}

/** A full stack: proxy (HPA), a KEDA GPU pool with SLOs, a MIG pool, a Neuron pool with a plain HPA, a CPU pool. */
function fullStack() {
  const chart = testChart();
  const p = proxy(chart, { slo: { errorRatio: 0.07 } });
  p.autoscale();
  const gpu = pool(chart, 'llama', {
    engine: { gpuMemoryUtilization: 0.92 },
    slo: { ttftP95: Duration.millis(1500), e2eLatencyP99: Duration.seconds(30), queuePerReplica: 8 },
  });
  const mig = pool(chart, 'qwen', { accelerator: Accelerator.mig('1g.10gb') });
  const neuron = pool(chart, 'mistral', { accelerator: Accelerator.neuron(1), image: 'registry.example.com/vllm-neuron:v1', ...CUSTOM_IMAGE_VERSION, engine: { tensorParallelSize: 2 } });
  const cpu = pool(chart, 'tiny', { accelerator: Accelerator.cpu(), image: 'registry.example.com/vllm-cpu:v1', ...CUSTOM_IMAGE_VERSION });
  const so = gpu.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4 });
  const adapter = new PrometheusAdapter(chart, 'adapter', { configMapName: 'adapter-rules' });
  const waiting = adapter.addPodsMetric(neuron.metricRequestsWaiting(), { name: 'mistral_num_requests_waiting' });
  const hpa = new HorizontalAutoscaler(chart, 'mistral-hpa', { target: neuron, maxReplicas: 3, metrics: [HpaMetric.adapterPods(waiting, 5)] });
  const construct = alerts(chart, { pools: [gpu, mig, neuron, cpu], proxy: p, acceleratorBudget: 8 });
  return { chart, proxy: p, gpu, mig, neuron, cpu, so, hpa, construct, manifests: synth(chart) };
}

describe('ServingAlerts', () => {
  const stack = fullStack();
  const manifests = stack.manifests;
  const ruleObjects = allOfKind(manifests, 'PrometheusRule');
  const byName = (name: string) => ruleObjects.find(m => m.metadata.name === name)!;
  const groups: PromRuleGroup[] = ruleGroupsOf(manifests);
  /** The rules of every group named `name`, across the objects. */
  const inGroup = (name: AlertGroup) => groups.filter(g => g.name === name).flatMap(g => g.rules);
  const rules = rulesOf(manifests);

  test('is strictly valid', () => expectValidManifests(manifests));

  test('one PrometheusRule per pool and a shared one, all with the discovery labels and the recommended labels', () => {
    expect(ruleObjects.map(m => m.metadata.name)).toEqual(['alerts', 'alerts-llama', 'alerts-qwen', 'alerts-mistral', 'alerts-tiny']);
    for (const resource of ruleObjects) {
      expect(resource.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(resource.metadata.namespace).toBe('llm');
      expect(resource.metadata.labels).toEqual(expect.objectContaining({
        'release': 'kube-prometheus-stack',
        'app.kubernetes.io/name': 'alerts',
        'app.kubernetes.io/instance': 'alerts',
        'app.kubernetes.io/component': 'alerts',
        'app.kubernetes.io/part-of': 'cdk8s-llm-serving',
      }));
    }
  });

  test('resource, poolResources and resources are the rendered objects', () => {
    const c = stack.construct;
    expect([...c.poolResources.keys()]).toEqual(['llama', 'qwen', 'mistral', 'tiny']);
    expect(c.resource.name).toBe('alerts');
    expect(c.poolResources.get('qwen')!.name).toBe('alerts-qwen');
    expect(c.resources.map(r => r.name)).toEqual(['alerts', 'alerts-llama', 'alerts-qwen', 'alerts-mistral', 'alerts-tiny']);
  });

  test('groups: the proxy in the shared object; serving, autoscaling, accelerators in each pool\'s', () => {
    const names = (object: string) => byName(object).spec.groups.map((g: PromRuleGroup) => g.name);
    expect(names('alerts')).toEqual([AlertGroup.PROXY, AlertGroup.AUTOSCALING, AlertGroup.ACCELERATORS]);
    expect(names('alerts')).toEqual(['llm-proxy', 'llm-autoscaling', 'llm-accelerators']);
    expect(names('alerts-llama')).toEqual(['llm-serving', 'llm-autoscaling', 'llm-accelerators']);
    expect(names('alerts-qwen')).toEqual(['llm-serving', 'llm-accelerators']);
    expect(names('alerts-tiny')).toEqual(['llm-serving']);
  });

  test('each pool\'s object holds only that pool\'s rules; the shared one the proxy\'s, its autoscaler\'s and the budget', () => {
    for (const [name, pool] of [['llama', stack.gpu], ['qwen', stack.mig], ['mistral', stack.neuron], ['tiny', stack.cpu]] as const) {
      const own = ruleGroupsOf([byName(`alerts-${name}`)]).flatMap(g => g.rules);
      expect(own.length).toBeGreaterThan(0);
      for (const r of own) expect(r.labels).toEqual(expect.objectContaining({ pool: poolName(pool), model_name: name }));
    }
    const shared = ruleGroupsOf([byName('alerts')]).flatMap(g => g.rules);
    expect(shared.map(r => r.alert)).toEqual([
      'LlmProxyErrorRatio', 'LlmBackendOutage', 'LlmFallbacksFiring',
      'LlmAutoscalerAtMaxReplicas', 'LlmAutoscalerUnableToScale', 'LlmReplicasNotAvailable', 'LlmAutoscalerRapidScaling', 'LlmAutoscalerFlapping',
      'LlmAcceleratorBudgetExceeded',
    ]);
    for (const r of shared) expect(r.labels?.pool).toBeUndefined();
  });

  test('every rule has for, a severity of the enum, summary, description and its runbook anchor', () => {
    for (const r of rules) {
      expect(r.alert).toMatch(/^Llm[A-Za-z0-9]+$/);
      expect(r.for).toMatch(/^\d+[hms]$/);
      expect(Object.values(Severity)).toContain(r.labels?.severity);
      expect(Object.keys(r.annotations ?? {}).sort()).toEqual(['description', 'runbook_url', 'summary']);
      expect(r.annotations!.runbook_url).toBe(`${RUNBOOKS}#${r.alert!.toLowerCase()}`);
      expect(r.annotations!.description.length).toBeGreaterThan(40);
    }
  });

  test('every summary names the model (or workload) and the namespace; model rules also in the description', () => {
    for (const r of rules.filter(x => x.alert !== 'LlmAcceleratorBudgetExceeded')) {
      const subject = r.labels!.model_name ? `model ${r.labels!.model_name}` : r.labels!.workload ? 'the LiteLLM proxy' : 'workload ';
      expect(`${r.alert}: ${r.annotations!.summary}`).toContain(subject);
      expect(`${r.alert}: ${r.annotations!.summary}`).toContain(`in namespace ${r.labels!.namespace}`);
    }
    for (const r of inGroup(AlertGroup.SERVING)) {
      expect(r.annotations!.description).toContain(`model ${r.labels!.model_name} (pool ${r.labels!.pool}) in namespace llm`);
    }
    expect(rule(manifests, 'LlmAcceleratorBudgetExceeded').annotations!.description).toContain('Pods in llm request {{ $value }} accelerators');
  });

  test('static labels identify the subject', () => {
    const deployment = oneOfKind(manifests, 'Deployment', 'llama').metadata.name;
    const scaledObject = oneOfKind(manifests, 'ScaledObject').metadata.name;
    const llamaPool = poolName(stack.gpu);
    expect(rule(manifests, 'LlmQueueBuildup', { model_name: 'llama' }).labels).toEqual({ severity: 'warning', namespace: 'llm', pool: llamaPool, model_name: 'llama' });
    expect(rule(manifests, 'LlmKedaScalerErrors').labels).toEqual({
      severity: 'warning', namespace: 'llm', pool: llamaPool, model_name: 'llama', horizontalpodautoscaler: `keda-hpa-${scaledObject}`, scaledObject,
    });
    expect(rule(manifests, 'LlmProxyErrorRatio').labels).toEqual({ severity: 'critical', namespace: 'llm', workload: stack.proxy.deployment.name });
    expect(rule(manifests, 'LlmAcceleratorBudgetExceeded').labels).toEqual({ severity: 'warning', namespace: 'llm' });
    expect(rule(manifests, 'LlmPoolNoReadyReplica', { model_name: 'llama' }).expr).toContain(`deployment="${deployment}"`);
  });

  test('thresholds come from the SLOs: a pool\'s own, the defaults, the proxy\'s', () => {
    const llama = { model_name: 'llama' };
    const qwen = { model_name: 'qwen' };
    expect(rule(manifests, 'LlmTtftSloBreach', llama).expr).toMatch(/^histogram_quantile\(0\.95, .*\) > 1\.5$/);
    expect(rule(manifests, 'LlmE2eLatencySloBreach', llama).expr).toMatch(/^histogram_quantile\(0\.99, .*\) > 30$/);
    expect(rule(manifests, 'LlmQueueBuildup', llama).expr).toMatch(/ > 8$/);
    expect(rule(manifests, 'LlmTtftSloBreach', qwen).expr).toMatch(/ > 2$/);
    expect(rule(manifests, 'LlmE2eLatencySloBreach', qwen).expr).toMatch(/ > 60$/);
    expect(rule(manifests, 'LlmQueueBuildup', qwen).expr).toMatch(/ > 10$/);
    expect(rule(manifests, 'LlmTtftSloBreach', llama).annotations!.summary).toBe(`TTFT p95 of model llama (pool ${poolName(stack.gpu)}) in namespace llm is above its 1.5 s SLO`);
    expect(rule(manifests, 'LlmProxyErrorRatio').expr).toMatch(/ > 0\.07$/);
    // 0.07 * 100 is 7.000000000000001 in binary floating point.
    expect(rule(manifests, 'LlmProxyErrorRatio').annotations!.summary).toBe('More than 7 % of requests fail at the LiteLLM proxy in namespace llm');
    expect(rule(manifests, 'LlmAcceleratorBudgetExceeded').expr).toMatch(/ > 8$/);
    expect(rule(manifests, 'LlmGpuUnderused', llama).expr).toMatch(/ < 0\.2$/);
    expect(rule(manifests, 'LlmGpuUnderused', qwen).expr).toMatch(/ < 0\.2$/);
    // Framebuffer: the vLLM share plus 5 points.
    expect(rule(manifests, 'LlmGpuFramebufferFull', llama).expr).toMatch(/ > 0\.97$/);
    expect(rule(manifests, 'LlmGpuFramebufferFull', qwen).expr).toMatch(/ > 0\.95$/);
  });

  test('changing an SLO changes the expression', () => {
    const exprFor = (slo: PoolSlo) => {
      const chart = testChart();
      alerts(chart, { pools: [pool(chart, 'llama', { slo })] });
      const m = synth(chart);
      return ['LlmTtftSloBreach', 'LlmE2eLatencySloBreach', 'LlmQueueBuildup'].map(a => rule(m, a).expr.replace(/^.* > /, ''));
    };
    expect(exprFor({})).toEqual(['2', '60', '10']);
    expect(exprFor({ ttftP95: Duration.millis(800), e2eLatencyP99: Duration.minutes(2), queuePerReplica: 3 })).toEqual(['0.8', '120', '3']);
  });

  test('gpuUnderusedRatio and a high gpuMemoryUtilization set the accelerator thresholds', () => {
    const chart = testChart();
    alerts(chart, { pools: [pool(chart, 'llama', { engine: { gpuMemoryUtilization: 0.97 } })], gpuUnderusedRatio: 0.35 });
    const m = synth(chart);
    expect(rule(m, 'LlmGpuUnderused').expr).toMatch(/ < 0\.35$/);
    // Never above 0.99: a full framebuffer must still be able to alert.
    expect(rule(m, 'LlmGpuFramebufferFull').expr).toMatch(/ > 0\.99$/);
  });

  test('every selector is scoped to the namespace and the model, HPA, Deployment, pods or ScaledObject', () => {
    for (const r of rules) {
      const found = selectors(r.expr);
      expect(found.map(s => s.name)).toEqual(promqlMetricNames(r.expr));
      for (const s of found) {
        const where = `${r.alert} ${s.name}`;
        // KEDA's series carry the ScaledObject namespace as `exported_namespace` without honorLabels: either is matched.
        expect([where, s.matchers.namespace ?? s.matchers.exported_namespace]).toEqual([where, expect.stringMatching(/^=~?llm$/)]);
        if (s.name.startsWith('vllm:')) expect([where, s.matchers.model_name]).toEqual([where, `=${r.labels!.model_name}`]);
        if (s.name.startsWith('kube_horizontalpodautoscaler_')) expect([where, s.matchers.horizontalpodautoscaler]).toEqual([where, `=${r.labels!.horizontalpodautoscaler}`]);
        if (s.name.startsWith('kube_deployment_')) expect([where, s.matchers.deployment]).toEqual([where, expect.stringMatching(/^=[a-z0-9-]+$/)]);
        if (s.name.startsWith('keda_')) expect([where, s.matchers.scaledObject]).toEqual([where, `=${r.labels!.scaledObject}`]);
        if (s.name.startsWith('DCGM_') || s.name === 'kube_pod_status_scheduled') {
          expect([where, s.matchers.pod]).toEqual([where, expect.stringMatching(/^=~[a-z0-9-]+-\[a-z0-9\]\+-\[a-z0-9\]\+$/)]);
        }
      }
    }
    const llamaDeployment = stack.gpu.deployment.name;
    expect(rule(manifests, 'LlmGpuUnderused', { model_name: 'llama' }).expr)
      .toBe(`avg by (namespace) (DCGM_FI_DEV_GPU_UTIL{namespace="llm",pod=~"${llamaDeployment}-[a-z0-9]+-[a-z0-9]+"}) / 100 < 0.2`);
    expect(rule(manifests, 'LlmQueueBuildup', { model_name: 'llama' }).expr)
      .toBe(`avg by (namespace, model_name) (${stack.gpu.metricRequestsWaiting().selector}) > 8`);
  });

  test('metric identity: every vLLM selector of a pool\'s alerts is that pool\'s own helper selector', () => {
    const helpers = (p: VllmPool) => [
      p.metricRequestsWaiting().selector, p.metricKvCacheUsage().selector, p.metricPreemptions().selector,
      p.metricTimeToFirstToken().bucketSelector, p.metricE2eRequestLatency().bucketSelector,
    ];
    for (const p of [stack.gpu, stack.mig, stack.neuron, stack.cpu]) {
      const own = rules.filter(r => r.labels?.pool === poolName(p) && promqlMetricNames(r.expr).some(n => n.startsWith('vllm:')));
      expect(own.length).toBe(5);
      for (const r of own) {
        const vllm = [...r.expr.matchAll(/vllm:[a-z_]+\{[^}]*\}/g)].map(m => m[0]);
        for (const selector of vllm) expect([r.alert, helpers(p)]).toEqual([r.alert, expect.arrayContaining([selector])]);
      }
    }
  });

  test('MIG: GPU utilization is read from graphics-engine activity (DCGM_FI_DEV_GPU_UTIL is 0 or absent on MIG)', () => {
    const underused = rule(manifests, 'LlmGpuUnderused', { model_name: 'qwen' });
    expect(underused.expr).toBe(`avg by (namespace) (${stack.mig.metricGpuEngineActive().selector}) < 0.2`);
    expect(underused.expr).not.toContain('DCGM_FI_DEV_GPU_UTIL');
    expect(underused.annotations!.description).toContain('MIG slices (nvidia.com/mig-1g.10gb)');
    expect(underused.annotations!.description).toContain('{{ $value | humanizePercentage }} graphics-engine activity');
    expect(rule(manifests, 'LlmGpuFramebufferFull', { model_name: 'qwen' }).expr).not.toContain('DCGM_FI_DEV_GPU_UTIL');
    expect(JSON.stringify(rulesOf(manifests).filter(r => r.labels?.model_name === 'qwen'))).not.toContain('DCGM_FI_DEV_GPU_UTIL');
  });

  test('only catalog metrics; no kube_hpa_*, no keda_scaler_errors_total, no removed vLLM names', () => {
    const text = JSON.stringify(ruleObjects);
    expect(text).not.toMatch(/kube_hpa_/);
    expect(text).not.toMatch(/keda_scaler_errors_total/);
    for (const r of rules) {
      for (const name of promqlMetricNames(r.expr)) {
        expect([r.alert, name, isCatalogSeries(name)]).toEqual([r.alert, name, true]);
        expect(REMOVED_METRICS).not.toContain(name);
      }
    }
    expect(text).toContain('keda_scaler_detail_errors_total');
    expect(text).toContain('kube_horizontalpodautoscaler_status_current_replicas');
    expect(text).toContain('vllm:kv_cache_usage_perc');
  });

  test('the alerts the issue requires exist', () => {
    expect(new Set(rules.map(r => r.alert))).toEqual(new Set([
      'LlmQueueBuildup', 'LlmTtftSloBreach', 'LlmE2eLatencySloBreach', 'LlmKvCacheSaturated', 'LlmPreemptions', 'LlmPoolNoReadyReplica',
      'LlmAutoscalerAtMaxReplicas', 'LlmAutoscalerUnableToScale', 'LlmReplicasNotAvailable', 'LlmAutoscalerFlapping',
      'LlmAutoscalerRapidScaling', 'LlmKedaScalerErrors', 'LlmKedaScaledObjectErrors',
      'LlmAcceleratorPodsPending', 'LlmGpuUnderused', 'LlmGpuFramebufferFull', 'LlmAcceleratorBudgetExceeded',
      'LlmProxyErrorRatio', 'LlmBackendOutage', 'LlmFallbacksFiring',
    ]));
    expect(rule(manifests, 'LlmKvCacheSaturated', { model_name: 'llama' })).toEqual(expect.objectContaining({ for: '10m', expr: expect.stringMatching(/ > 0\.9$/) }));
  });

  test('rapid scaling: desired replicas moved by half the range (at least 2) in 10 minutes, either way, unless waking from zero', () => {
    const scaledObject = oneOfKind(manifests, 'ScaledObject').metadata.name;
    // llama: KEDA 1 to 4 (jump 2); mistral: HPA 1 to 3 (jump 2, the floor); the proxy: 2 to 10 (jump 4).
    const h = `namespace="llm",horizontalpodautoscaler="keda-hpa-${scaledObject}"`;
    expect(rule(manifests, 'LlmAutoscalerRapidScaling', { model_name: 'llama' })).toEqual(expect.objectContaining({
      for: '1m',
      expr: `(abs(kube_horizontalpodautoscaler_status_desired_replicas{${h}} - kube_horizontalpodautoscaler_status_desired_replicas{${h}} offset 10m) >= 2)`
        + ` unless on (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_desired_replicas{${h}} offset 10m == 0)`,
    }));
    expect(rule(manifests, 'LlmAutoscalerRapidScaling', { model_name: 'mistral' }).expr).toMatch(/ >= 2\) unless /);
    expect(rule(manifests, 'LlmAutoscalerRapidScaling', { workload: undefined as any, horizontalpodautoscaler: 'litellm' }).expr).toMatch(/ >= 4\) unless /);
  });

  test('HPA at max compares current with spec max replicas, for both HPA naming paths', () => {
    const scaledObject = oneOfKind(manifests, 'ScaledObject').metadata.name;
    const hpa = oneOfKind(manifests, 'HorizontalPodAutoscaler', 'mistral').metadata.name;
    expect(stack.so.hpaName).toBe(`keda-hpa-${scaledObject}`);
    expect(stack.hpa.name).toBe(hpa);
    for (const [model, name] of [['llama', `keda-hpa-${scaledObject}`], ['mistral', hpa]]) {
      const h = `namespace="llm",horizontalpodautoscaler="${name}"`;
      expect(rule(manifests, 'LlmAutoscalerAtMaxReplicas', { model_name: model }).expr)
        .toBe(`kube_horizontalpodautoscaler_status_current_replicas{${h}} >= on (namespace, horizontalpodautoscaler) kube_horizontalpodautoscaler_spec_max_replicas{${h}}`);
    }
    // KEDA errors only where KEDA scales.
    expect(rulesOf(manifests).filter(r => r.alert!.startsWith('LlmKeda')).map(r => r.labels!.model_name)).toEqual(['llama', 'llama']);
  });

  test('unable to scale ignores an HPA whose target is at zero replicas (ScalingDisabled)', () => {
    const name = stack.so.hpaName;
    expect(rule(manifests, 'LlmAutoscalerUnableToScale', { model_name: 'llama' }).expr).toBe(
      `(max by (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_condition{namespace="llm",horizontalpodautoscaler="${name}",status="false",condition=~"AbleToScale|ScalingActive"}) == 1)`
      + ` unless on (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_desired_replicas{namespace="llm",horizontalpodautoscaler="${name}"} == 0)`,
    );
  });

  test('accelerator rules follow the accelerator: GPU and MIG all three, Neuron pending pods only, CPU none', () => {
    const accel = (model: string) => rulesOf(manifests).filter(r => r.labels?.model_name === model && inGroup(AlertGroup.ACCELERATORS).includes(r)).map(r => r.alert);
    expect(accel('llama')).toEqual(['LlmAcceleratorPodsPending', 'LlmGpuUnderused', 'LlmGpuFramebufferFull']);
    expect(accel('qwen')).toEqual(['LlmAcceleratorPodsPending', 'LlmGpuUnderused', 'LlmGpuFramebufferFull']);
    expect(accel('mistral')).toEqual(['LlmAcceleratorPodsPending']);
    expect(accel('tiny')).toEqual([]);
    expect(rule(manifests, 'LlmAcceleratorPodsPending', { model_name: 'mistral' }).annotations!.description).toContain('a node with aws.amazon.com/neuron');
  });

  test('the budget counts every accelerator resource of the pools, as kube-state-metrics sanitizes it', () => {
    expect(rule(manifests, 'LlmAcceleratorBudgetExceeded').expr).toBe(
      'sum(kube_pod_container_resource_requests{namespace=~"llm",resource=~"aws_amazon_com_neuron|nvidia_com_gpu|nvidia_com_mig_1g_10gb"}) > 8',
    );
  });

  test('pools without an autoscaler get serving and accelerator rules only', () => {
    expect(rulesOf(manifests).filter(r => r.labels?.model_name === 'qwen' && inGroup(AlertGroup.AUTOSCALING).includes(r))).toEqual([]);
  });
});

describe('one PrometheusRule per pool', () => {
  /** A fleet of autoscaled GPU pools behind an autoscaled proxy, alerted on with a budget: its PrometheusRules as YAML, by name. */
  function fleet(poolIds: string[]): Map<string, string> {
    const chart = testChart();
    const p = proxy(chart);
    p.autoscale();
    const pools = poolIds.map(id => {
      const pl = pool(chart, id);
      pl.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4 });
      return pl;
    });
    alerts(chart, { pools, proxy: p, acceleratorBudget: 16 });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    return new Map(allOfKind(manifests, 'PrometheusRule').map(m => [m.metadata.name, Yaml.stringify(m)]));
  }

  test('adding a pool, anywhere in pools, adds its object and leaves every other object byte for byte', () => {
    const before = fleet(['llama', 'qwen']);
    const after = fleet(['mistral', 'llama', 'qwen']);
    expect([...before.keys()]).toEqual(['alerts', 'alerts-llama', 'alerts-qwen']);
    expect([...after.keys()]).toEqual(['alerts', 'alerts-mistral', 'alerts-llama', 'alerts-qwen']);
    for (const [name, text] of before) expect(after.get(name)).toBe(text);
    expect(after.get('alerts-mistral')).toContain('pool: mistral');
  });

  test('without a proxy or a budget the shared object is rendered with no group (valid against the CRD)', () => {
    const chart = testChart();
    const construct = alerts(chart, { pools: [pool(chart, 'llama')] });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    expect(allOfKind(manifests, 'PrometheusRule').map(m => [m.metadata.name, m.spec.groups.length])).toEqual([['alerts', 0], ['alerts-llama', 2]]);
    expect(construct.rules().get(AlertGroup.SERVING)!.length).toBeGreaterThan(0);
  });

  test('a proxy alone renders the shared object only', () => {
    const chart = testChart();
    const construct = alerts(chart, { proxy: proxy(chart) });
    expect(construct.poolResources.size).toBe(0);
    expect(allOfKind(synth(chart), 'PrometheusRule').map(m => m.metadata.name)).toEqual(['alerts']);
  });

  test('a pool object name longer than 63 characters is refused, naming the name, the pool and the limit', () => {
    const chart = testChart();
    const long = pool(chart, 'llama-3-1-70b-instruct-fp8-dynamic-h100');
    expect(() => new ServingAlerts(chart, 'alerts', { name: 'llm-serving-alerts-production-eu', pools: [long], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS })).toThrow(new Error(
      '\'name\' ("llm-serving-alerts-production-eu") with pool \'llama-3-1-70b-instruct-fp8-dynamic-h100\' (pools[0]) names its PrometheusRule \'llm-serving-alerts-production-eu-llama-3-1-70b-instruct-fp8-dynamic-h100\', 72 characters: a name is at most 63 (a DNS-1035 label); shorten \'name\' to at most 23 characters or the pool\'s name to at most 30'));
    expect(() => new ServingAlerts(chart, 'fits', { name: 'llm-alerts-production', pools: [long], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS })).not.toThrow();
  });

  test('two pools of one name (in two namespaces) are refused: their objects would share a name', () => {
    const app = Testing.app();
    const a = new Chart(app, 'team-a', { namespace: 'team-a' });
    const b = new Chart(app, 'team-b', { namespace: 'team-b' });
    const monitoring = new Chart(app, 'monitoring', { namespace: 'monitoring' });
    const first = pool(a, 'llama');
    const second = pool(b, 'llama');
    expect(() => new ServingAlerts(monitoring, 'alerts', { pools: [first, second], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS })).toThrow(new Error(
      '\'pools[1]\' ("team-b/llama") has the name "llama" of pools[0] (\'team-a/llama\'): each pool\'s rules go to the PrometheusRule \'alerts-llama\'; give the pools distinct names (the pool\'s \'name\') or alert on them with two ServingAlerts'));
  });
});

describe('names', () => {
  test('the PrometheusRule takes the construct id, or its name; two alike in one namespace clash', () => {
    const chart = testChart();
    const llama = pool(chart, 'llama');
    alerts(chart, { pools: [llama] });
    new ServingAlerts(chart, 'more', { pools: [llama], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS, name: 'llm-alerts' });
    const names = synth(chart).filter(m => m.kind === 'PrometheusRule').map(m => m.metadata.name);
    expect(names).toEqual(['alerts', 'alerts-llama', 'llm-alerts', 'llm-alerts-llama']);
    expect(() => new ServingAlerts(chart, 'again', { pools: [llama], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS, name: 'alerts' })).toThrow(new Error(
      '\'name\' ("alerts") names a monitoring.coreos.com/PrometheusRule in namespace "llm" that \'test/alerts\' already renders: \'test/again\' would overwrite it on apply; give one of them another name'));
  });
});

describe('a pool stuck at zero replicas', () => {
  function scaledToZero(options: { minReplicas?: number } = {}) {
    const chart = testChart();
    const llama = pool(chart, 'llama');
    const p = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const group = p.addBackend(llama);
    const so = llama.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, minReplicas: options.minReplicas ?? 0, wakeOn: LlmSignal.proxyRequestRate(p, group, 2) });
    alerts(chart, { pools: [llama] });
    const m = synth(chart);
    expectValidManifests(m);
    return { m, llama, p, group, so };
  }

  test('LlmPoolStuckAtZero: zero desired replicas while the wake signal has traffic, for 5 minutes, critical', () => {
    const { m, llama, so } = scaledToZero();
    const wake = so.triggers.find(t => t.name === 'proxy_request_rate')!;
    const r = rule(m, 'LlmPoolStuckAtZero');
    expect(r.expr).toBe(
      `(kube_deployment_spec_replicas{namespace="llm",deployment="${llama.deployment.name}"} == 0) and on () ((${wake.query}) > 0)`);
    expect(r.for).toBe('5m');
    expect(r.labels).toEqual({ severity: 'critical', namespace: 'llm', pool: poolName(llama), model_name: 'llama' });
    expect(r.annotations!.description).toContain('a KEDA fallback never wakes a target at zero');
    expect(r.annotations!.description).toContain(`kubectl describe scaledobject ${so.name} -n llm`);
    expect(promqlMetricNames(r.expr)).toEqual(['kube_deployment_spec_replicas', 'litellm_proxy_total_requests_metric_total']);
  });

  test('no such alert for a pool that never scales to zero', () => {
    const { m } = scaledToZero({ minReplicas: 1 });
    expect(rulesOf(m).filter(r => r.alert === 'LlmPoolStuckAtZero')).toEqual([]);
  });

  test('no such alert for a pool woken only by a schedule (no traffic signal to compare)', () => {
    const chart = testChart();
    const llama = pool(chart, 'llama');
    llama.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4, minReplicas: 0, preWarm: [{ timezone: 'UTC', start: '0 8 * * *', end: '0 18 * * *', replicas: 1 }] });
    alerts(chart, { pools: [llama] });
    expect(rulesOf(synth(chart)).filter(r => r.alert === 'LlmPoolStuckAtZero')).toEqual([]);
  });
});

describe('rules are gathered at synth', () => {
  test('autoscalers added after the ServingAlerts construct are included', () => {
    // GIVEN
    const chart = testChart();
    const llama = pool(chart, 'llama');
    const p = proxy(chart);
    alerts(chart, { pools: [llama], proxy: p });
    // WHEN
    const so = llama.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4 });
    const hpa = p.autoscale();
    // THEN
    const m = synth(chart);
    expectValidManifests(m);
    expect(rule(m, 'LlmAutoscalerAtMaxReplicas', { model_name: 'llama' }).labels!.horizontalpodautoscaler).toBe(so.hpaName);
    expect(rule(m, 'LlmKedaScalerErrors').labels!.scaledObject).toBe(so.name);
    expect(rule(m, 'LlmAutoscalerAtMaxReplicas', { horizontalpodautoscaler: hpa.name }).annotations!.summary)
      .toBe(`The autoscaler of workload ${p.deployment.name} in namespace llm is at its maximum replicas`);
  });

  test('without autoscalers there are no autoscaling rules, and without accelerators no budget rule', () => {
    const chart = testChart();
    alerts(chart, { pools: [pool(chart, 'tiny', { accelerator: Accelerator.cpu(), image: 'registry.example.com/vllm-cpu:v1', ...CUSTOM_IMAGE_VERSION })], acceleratorBudget: 4 });
    const m = synth(chart);
    expectValidManifests(m);
    expect(ruleGroupsOf(m).map(g => g.name)).toEqual(['llm-serving']);
  });

  test('a proxy alone: proxy and autoscaling rules, named by workload', () => {
    const chart = testChart('litellm');
    const p = proxy(chart);
    p.autoscale();
    alerts(chart, { proxy: p });
    const m = synth(chart);
    expectValidManifests(m);
    expect(ruleGroupsOf(m).map(g => g.name)).toEqual(['llm-proxy', 'llm-autoscaling']);
    expect(rule(m, 'LlmBackendOutage').expr).toBe('max by (namespace, litellm_model_name, api_base) (litellm_deployment_state{namespace="litellm"}) == 2');
    expect(rule(m, 'LlmFallbacksFiring').labels).toEqual({ severity: 'warning', namespace: 'litellm', workload: p.deployment.name });
  });

  test('a fragment on the runbook base URL is dropped', () => {
    const chart = testChart();
    alerts(chart, { pools: [pool(chart, 'llama')], runbookBaseUrl: 'https://wiki.example.com/llm/#alerts' });
    expect(rule(synth(chart), 'LlmQueueBuildup').annotations!.runbook_url).toBe('https://wiki.example.com/llm/#llmqueuebuildup');
  });
});

describe('errors', () => {
  test('no pool and no proxy', () => {
    expect(() => alerts(testChart(), { pools: [] })).toThrow(new Error("'pools' ([]) must name at least one pool, or set proxy"));
  });

  test('a runbook base URL that is not http(s)', () => {
    const chart = testChart();
    const p = pool(chart, 'llama');
    expect(() => alerts(chart, { pools: [p], runbookBaseUrl: 'runbooks.example.com/llm' }))
      .toThrow(new Error('\'runbookBaseUrl\' ("runbooks.example.com/llm") must be an http:// or https:// URL'));
  });

  test('an accelerator budget of 0', () => {
    const chart = testChart();
    const p = pool(chart, 'llama');
    expect(() => alerts(chart, { pools: [p], acceleratorBudget: 0 })).toThrow(new Error("'acceleratorBudget' (0) must be a whole number greater than 0"));
  });

  test.each([
    [0, ''], [1, ''], [20, ' (20 % is 0.2)'], [NaN, ''], [-0.1, ''],
  ])('gpuUnderusedRatio %d', (ratio, hint) => {
    const chart = testChart();
    const p = pool(chart, 'llama');
    expect(() => alerts(chart, { pools: [p], gpuUnderusedRatio: ratio }))
      .toThrow(new Error(`'gpuUnderusedRatio' (${ratio}) must be a ratio greater than 0 and less than 1, not a percentage${hint}`));
  });

  test('the old gpuUnderusedPercent is refused with its replacement', () => {
    const chart = testChart();
    expect(() => alerts(chart, { pools: [pool(chart, 'llama')], gpuUnderusedPercent: 20 } as any)).toThrow(new Error(
      '\'gpuUnderusedPercent\' (20) was replaced by \'gpuUnderusedRatio\', a ratio from 0 to 1 (20 % is 0.2)'));
  });

  test('alerts for a pool that has no PodMonitor fail synth, naming the pool and the fix', () => {
    const chart = testChart();
    const unmonitored = pool(chart, 'llama', {}, false);
    alerts(chart, { pools: [pool(chart, 'qwen'), unmonitored] });
    expect(() => synth(chart)).toThrow(
      '\'pools[1]\' ("test/llama") has no PodMonitor, but ServingAlerts \'test/alerts\' reads its series by the \'pool\' label, which only the pool\'s PodMonitor adds at scrape time (without it the query matches nothing); call pool.monitor(discovery) on \'test/llama\'');
    unmonitored.monitor(DISCOVERY);
    expect(() => expectValidManifests(synth(chart))).not.toThrow();
  });

  test('plain JavaScript: missing props, discovery or runbooks; pools that are no VllmPool; a proxy that is none', () => {
    const chart = testChart();
    expect(() => new ServingAlerts(chart, 'a', undefined as any)).toThrow(new Error('\'props\' (undefined) must set pools, discovery and runbookBaseUrl'));
    expect(() => new ServingAlerts(chart, 'b', { pools: [], runbookBaseUrl: RUNBOOKS } as any)).toThrow(new Error(
      '\'discovery\' (undefined) must be { labels, interval? }: the labels your Prometheus selects PrometheusRules by, e.g. { labels: { release: \'kube-prometheus-stack\' } }'));
    expect(() => new ServingAlerts(chart, 'c', { pools: 'llama', discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS } as any)).toThrow(new Error(
      '\'pools\' ("llama") must be a list of ServingPool: VllmPool or MultiNodeVllmPool (empty when only the proxy is alerted on)'));
    expect(() => new ServingAlerts(chart, 'd', { pools: [{}], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS } as any)).toThrow(new Error(
      '\'pools[0]\' ({}) must be a ServingPool (a VllmPool or a MultiNodeVllmPool)'));
    expect(() => new ServingAlerts(chart, 'e', { pools: [], proxy: {}, discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS } as any)).toThrow(new Error(
      '\'proxy\' ({}) must be a LiteLLMProxy'));
    expect(() => new ServingAlerts(chart, 'f', { pools: [pool(chart, 'x')], discovery: DISCOVERY } as any)).toThrow(new Error(
      '\'runbookBaseUrl\' (undefined) must be an http:// or https:// URL'));
    expect(() => alerts(chart, { pools: [pool(chart, 'y')], acceleratorBudget: Infinity })).toThrow(new Error(
      '\'acceleratorBudget\' (Infinity) must be a whole number greater than 0'));
  });

  test('a chart without a namespace', () => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new ServingAlerts(chart, 'alerts', { pools: [], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS }))
      .toThrow(new Error("'Chart.namespace' (undefined) must be set for ServingAlerts: its Service URL and metric selectors are namespace-scoped (new Chart(app, id, { namespace: '...' }))"));
  });

  test('a pool SLO queue of zero', () => {
    expect(() => pool(testChart(), 'llama', { slo: { queuePerReplica: 0 } })).toThrow(new Error("'slo.queuePerReplica' (0) must be greater than 0"));
  });

  test.each([1, 0])('a proxy error ratio of %d', errorRatio => {
    expect(() => proxy(testChart(), { slo: { errorRatio } })).toThrow(new Error(`'slo.errorRatio' (${errorRatio}) must be greater than 0 and less than 1`));
  });
});


describe('cost per service tier', () => {
  const PRICES = { premium: { inputCostPerToken: 0.000003, outputCostPerToken: 0.000015 }, batch: { inputCostPerToken: 0.0000005, outputCostPerToken: 0.000002 } };

  let n = 0;
  /** ServingAlerts under a fresh id (a refused one stays in the tree). */
  function budgetAlerts(chart: Chart, props: Partial<ServingAlertsProps>): ServingAlerts {
    return new ServingAlerts(chart, `alerts-${n++}`, { pools: [], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS, ...props });
  }

  function tiers() {
    const chart = testChart();
    const p = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const fast = pool(chart, 'llama-fast');
    const fast2 = pool(chart, 'llama-fast-b');
    const cheap = pool(chart, 'llama-batch');
    const premium = p.addBackend(fast, { modelName: 'premium', modelInfo: PRICES.premium });
    p.addBackend(fast2, { modelName: 'premium', modelInfo: PRICES.premium });
    const batch = p.addBackend(cheap, { modelName: 'batch', modelInfo: PRICES.batch });
    return { chart, p, fast, fast2, cheap, premium, batch };
  }

  test('tokens of each of the group\'s pools times its prices, per hour, against the budget', () => {
    const { chart, p, fast, fast2, cheap, premium, batch } = tiers();
    alerts(chart, { pools: [fast, fast2, cheap], proxy: p, costBudgets: [{ group: premium, maxPerHour: 40 }, { group: batch, maxPerHour: 5 }] });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const groups = allOfKind(manifests, 'PrometheusRule').find(m => m.metadata.name === 'alerts')!.spec.groups;
    expect(groups.map((g: PromRuleGroup) => g.name)).toContain(AlertGroup.COST);
    const term = (name: string, input: number, output: number) => {
      const m = `namespace="llm",pool="${name}",model_name="${name}"`;
      return `(sum(rate(vllm:prompt_tokens_total{${m}}[1h])) or vector(0)) * ${input} + (sum(rate(vllm:generation_tokens_total{${m}}[1h])) or vector(0)) * ${output}`;
    };
    const premiumRule = rule(manifests, 'LlmTierCostOverBudget', { model_group: 'premium' });
    expect(premiumRule).toEqual(expect.objectContaining({
      for: '15m',
      expr: `(${term('llama-fast', 0.000003, 0.000015)} + ${term('llama-fast-b', 0.000003, 0.000015)}) * 3600 > 40`,
      labels: { severity: 'warning', namespace: 'llm', model_group: 'premium' },
    }));
    expect(rule(manifests, 'LlmTierCostOverBudget', { model_group: 'batch' }).expr).toBe(`(${term('llama-batch', 0.0000005, 0.000002)}) * 3600 > 5`);
    for (const series of promqlMetricNames(premiumRule.expr)) expect(isCatalogSeries(series)).toBe(true);
  });

  test('p.backendRoutes lists each backend under its group with its model_info', () => {
    const { p, fast, premium } = tiers();
    expect(p.backendRoutes[0]).toEqual({ backend: fast, group: premium, modelInfo: PRICES.premium });
    expect(p.backendRoutes.map(r => r.group.name)).toEqual(['premium', 'premium', 'batch']);
  });

  test('errors name the budget and say how to fix it', () => {
    const { chart, p, fast, fast2, cheap, premium } = tiers();
    const all = [fast, fast2, cheap];
    expect(() => budgetAlerts(chart, { pools: all, costBudgets: [{ group: premium, maxPerHour: 40 }] })).toThrow(new Error(
      '\'proxy\' (undefined) must be set with costBudgets: the budgets name model groups of a proxy, priced by the model_info their backends were added with'));
    expect(() => budgetAlerts(chart, { pools: all, proxy: p, costBudgets: [{ group: premium, maxPerHour: 0 }] })).toThrow(new Error(
      '\'costBudgets[0].maxPerHour\' (0) must be a number greater than 0 (spend per hour, in the currency of the prices)'));
    expect(() => budgetAlerts(chart, { pools: all, proxy: p, costBudgets: [{ group: 'premium' as any, maxPerHour: 1 }] })).toThrow(new Error(
      '\'costBudgets[0].group\' ("premium") must be a model group of \'proxy\', as returned by proxy.addBackend()'));
    expect(() => budgetAlerts(chart, { pools: [fast, cheap], proxy: p, costBudgets: [{ group: premium, maxPerHour: 1 }] })).toThrow(new Error(
      '\'costBudgets[0].group\' ("premium") routes to \'test/llama-fast-b\', which is not one of \'pools\': its tokens are counted from the pool\'s series, selected by the label its PodMonitor adds; add the pool to \'pools\''));
    expect(() => budgetAlerts(chart, { pools: all, proxy: p, costBudgets: 'x' as any })).toThrow(new Error('\'costBudgets\' ("x") must be a list of CostBudget { group, maxPerHour }'));
  });

  test('a group with an unpriced backend, and a pool priced under two groups, are refused', () => {
    const { chart, p, fast, fast2, cheap } = tiers();
    const other = pool(chart, 'other');
    const unpriced = p.addBackend(other, { modelName: 'standard' });
    expect(() => budgetAlerts(chart, { pools: [fast, fast2, cheap, other], proxy: p, costBudgets: [{ group: unpriced, maxPerHour: 1 }] })).toThrow(new Error(
      '\'costBudgets[0].group\' ("standard") routes to pool \'other\' without both prices: add it with modelInfo { inputCostPerToken, outputCostPerToken } (LiteLLM\'s input_cost_per_token / output_cost_per_token)'));
    const shared = p.addBackend(cheap, { modelName: 'standard-b', modelInfo: PRICES.premium });
    expect(() => budgetAlerts(chart, { pools: [fast, fast2, cheap, other], proxy: p, costBudgets: [{ group: shared, maxPerHour: 1 }] })).toThrow(new Error(
      '\'costBudgets[0].group\' ("standard-b") prices pool \'llama-batch\', which is also priced under model group "batch": vLLM counts a pool\'s tokens whatever group routed them, so its spend cannot be split between groups; give each tier its own pools'));
  });
});
