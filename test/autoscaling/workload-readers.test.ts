/**
 * Every reader of a pool takes any `ServingPool`, not only a `VllmPool`: signals and KEDA
 * triggers, the adapter (its pool lookup and Object metrics of a LeaderWorkerSet), recording
 * rules, serving and workload alerts (a LeaderWorkerSet's replicas from series that exist),
 * dashboards, and the what-if loader's error on a LeaderWorkerSet target. The pool here is a
 * fake multi-node pool (`FakeMultiNodePool`), not a VllmPool.
 */
import { Chart } from 'cdk8s';
import {
  Accelerator, HorizontalAutoscaler, HpaMetric, isServingPool, KedaScaledObject, KedaTrigger, LiteLLMProxy, LlmSignal, MultiNodeVllmPool,
  PrometheusAdapter, RecordingRules, resolveTarget, ServingAlerts, ServingDashboards, SignalSource, VllmPool, WorkloadAlerts,
} from '../../lib';
import { FakeMultiNodePool } from './_fake-workload';
import {
  PromRule, checkRules, requirePromtool, ruleGroupsByObject, ruleGroupsOf, tempDir, testRules, writeRuleFile, writeYaml,
} from '../util/promtool';
import { Manifest, allOfKind, oneOfKind, synth, testChart, SCRAPER } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const PROMETHEUS = { serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' };
const DISCOVERY = { labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER };
const RUNBOOKS = 'https://runbooks.example.com/llm';
const LWS_REF = { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: 'big' };
const READY_LEADERS = '(sum by (namespace) (kube_pod_status_ready{namespace="llm",condition="true",pod=~"big-[0-9]+"}) or label_replace(vector(0), "namespace", "llm", "", ""))';

/** A monitored fake multi-node pool `big` in namespace `llm`. */
function bigPool(chart: Chart, options: { replicas?: number; monitor?: boolean } = {}): FakeMultiNodePool {
  const pool = new FakeMultiNodePool(chart, 'big', { replicas: options.replicas });
  if (options.monitor ?? true) pool.monitor();
  return pool;
}

/** A KEDA ScaledObject on the pool's LeaderWorkerSet, on its queue. */
function kedaOn(chart: Chart, pool: FakeMultiNodePool, props: { minReplicas?: number; wake?: boolean } = {}): KedaScaledObject {
  const triggers = [LlmSignal.queueDepth(pool, 5).trigger(PROMETHEUS)];
  if (props.wake) {
    triggers.push(KedaTrigger.prometheus({
      ...PROMETHEUS, query: 'sum(rate(litellm_proxy_total_requests_metric_total{namespace="llm"}[2m]))', threshold: 2, name: 'wake', source: SignalSource.EXTERNAL,
    }));
  }
  return new KedaScaledObject(chart, 'scaler', { target: pool.scaleTarget, minReplicas: props.minReplicas, maxReplicas: 4, triggers, fallback: { replicas: 1 } });
}

function rulesOf(manifests: Manifest[]): PromRule[] {
  return ruleGroupsOf(manifests).flatMap(g => g.rules);
}

function rule(manifests: Manifest[], alert: string): PromRule {
  const found = rulesOf(manifests).filter(r => r.alert === alert);
  if (found.length !== 1) throw new Error(`expected one ${alert} rule, found ${found.length}`);
  return found[0];
}

describe('isServingPool', () => {
  test('a VllmPool and a multi-node pool are; a proxy and plain values are not', () => {
    const chart = testChart();
    const vllm = new VllmPool(chart, 'small', { model: 'org/small', accelerator: Accelerator.nvidiaGpu(1) });
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: { secretName: 'litellm', key: 'master-key' } });
    expect([vllm, bigPool(chart), proxy, {}, null, 'big'].map(isServingPool)).toEqual([true, true, false, false, false, false]);
    expect(vllm.scaleTarget).toEqual({ deployment: vllm.deployment, accelerator: vllm.accelerator });
  });
});

describe('signals and KEDA', () => {
  test('LlmSignal of a multi-node pool scales its LeaderWorkerSet by whole groups', () => {
    const chart = testChart();
    const pool = bigPool(chart);
    const so = kedaOn(chart, pool);
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const rendered = oneOfKind(manifests, 'ScaledObject');
    expect(rendered.spec.scaleTargetRef).toEqual(LWS_REF);
    expect(rendered.spec.triggers[0].metadata.query).toBe('sum(vllm:num_requests_waiting{namespace="llm",pool="big",model_name="big"})');
    expect(so.triggers[0].pool).toBe(pool);
    expect(oneOfKind(manifests, 'LeaderWorkerSet').spec).not.toHaveProperty('replicas');
  });

  test('a trigger on an unmonitored multi-node pool is refused at synth', () => {
    const chart = testChart();
    const pool = bigPool(chart, { monitor: false });
    kedaOn(chart, pool);
    expect(() => synth(chart)).toThrow('\'triggers[0]\' ("test/big") has no PodMonitor, but KedaScaledObject \'test/scaler\' reads its series by the \'pool\' label, which only the pool\'s PodMonitor adds at scrape time (without it the query matches nothing); call pool.monitor(discovery) on \'test/big\'');
  });
});

describe('prometheus-adapter', () => {
  test('finds a multi-node pool by its pool label: an unmonitored one is refused at synth', () => {
    const chart = testChart();
    const pool = bigPool(chart, { monitor: false });
    const adapter = new PrometheusAdapter(chart, 'adapter', { configMapName: 'adapter-rules' });
    adapter.addPodsMetric(pool.metricRequestsWaiting());
    expect(() => synth(chart)).toThrow('\'rules[0] (vllm_num_requests_waiting_big)\' ("test/big") has no PodMonitor, but PrometheusAdapter \'test/adapter\' reads its series by the \'pool\' label, which only the pool\'s PodMonitor adds at scrape time (without it the query matches nothing); call pool.monitor(discovery) on \'test/big\'');
  });

  test('an HPA on a Pods metric of a multi-node pool scales its LeaderWorkerSet', () => {
    const chart = testChart();
    const pool = bigPool(chart);
    const adapter = new PrometheusAdapter(chart, 'adapter', { configMapName: 'adapter-rules' });
    const waiting = adapter.addPodsMetric(pool.metricRequestsWaiting());
    new HorizontalAutoscaler(chart, 'hpa', { target: pool.scaleTarget, maxReplicas: 4, metrics: [HpaMetric.adapterPods(waiting, 5)] });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const hpa = oneOfKind(manifests, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual(LWS_REF);
    expect(hpa.spec.metrics[0].pods.metric.name).toBe('vllm_num_requests_waiting_big');
  });

  test('a recorded series of a multi-node pool is an Object metric of its LeaderWorkerSet', () => {
    const chart = testChart();
    const pool = bigPool(chart);
    const rules = new RecordingRules(chart, 'recording', { pools: [pool], discovery: DISCOVERY });
    const adapter = new PrometheusAdapter(chart, 'adapter', { configMapName: 'adapter-rules' });
    const ttft = adapter.addRecordedMetric(rules.pool(pool).ttftP95);
    expect(ttft.describedResource).toBe('leaderworkerset');
    new HorizontalAutoscaler(chart, 'hpa', { target: pool.scaleTarget, maxReplicas: 4, metrics: [HpaMetric.adapterObject(ttft, LWS_REF, { value: 1.5 })] });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const config = oneOfKind(manifests, 'ConfigMap', 'adapter-rules').data['config.yaml'];
    expect(config).toContain('pool:\n          group: leaderworkerset.x-k8s.io\n          resource: leaderworkerset');
    expect(oneOfKind(manifests, 'HorizontalPodAutoscaler').spec.metrics[0].object.describedObject).toEqual(LWS_REF);
    // A Deployment is not what the series describes.
    const other = testChart();
    const p2 = bigPool(other);
    const r2 = new RecordingRules(other, 'recording', { pools: [p2], discovery: DISCOVERY });
    const a2 = new PrometheusAdapter(other, 'adapter', { configMapName: 'adapter-rules' });
    const m2 = a2.addRecordedMetric(r2.pool(p2).ttftP95);
    expect(() => new HorizontalAutoscaler(other, 'hpa', {
      target: p2.scaleTarget, maxReplicas: 4, metrics: [HpaMetric.adapterObject(m2, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'big' }, { value: 1.5 })],
    })).toThrow(new Error('\'metrics[0].describedObject.kind\' ("Deployment") is not the resource adapter metric "namespace_pool_vllm_time_to_first_token_seconds_p95_5m_big" describes (leaderworkerset): the adapter would find no series for it'));
  });
});

describe('recording rules', () => {
  test('record a multi-node pool by its pool label; refuse a value that is no pool', () => {
    const chart = testChart();
    const pool = bigPool(chart);
    const rules = new RecordingRules(chart, 'recording', { pools: [pool], discovery: DISCOVERY });
    expect(rules.records(pool)).toBe(true);
    expect(rules.pool(pool).ttftP95.selector).toBe('namespace_pool:vllm_time_to_first_token_seconds:p95_5m{namespace="llm",pool="big",model_name="big"}');
    const manifests = synth(chart);
    expectValidManifests(manifests);
    expect(() => new RecordingRules(testChart(), 'r', { pools: [{ name: 'big' } as any], discovery: DISCOVERY })).toThrow(new Error(
      '\'pools[0]\' ({"name":"big"}) must be a ServingPool (a VllmPool or a MultiNodeVllmPool)'));
  });
});

describe('serving alerts of a multi-node pool', () => {
  function render(setup: (chart: Chart, pool: FakeMultiNodePool) => void = () => undefined, replicas?: number): Manifest[] {
    const chart = testChart();
    const pool = bigPool(chart, { replicas });
    setup(chart, pool);
    new ServingAlerts(chart, 'alerts', { pools: [pool], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    return manifests;
  }

  test('no kube_deployment series: ready leaders against the autoscaler\'s desired replicas', () => {
    const manifests = render((chart, pool) => kedaOn(chart, pool));
    expect(rulesOf(manifests).filter(r => r.expr.includes('kube_deployment_'))).toEqual([]);
    expect(rule(manifests, 'LlmPoolNoReadyReplica').expr).toBe(`${READY_LEADERS} == 0 and on (namespace) kube_horizontalpodautoscaler_status_desired_replicas{namespace="llm",horizontalpodautoscaler="keda-hpa-big"} > 0`);
    expect(rule(manifests, 'LlmReplicasNotAvailable').expr).toBe(`kube_horizontalpodautoscaler_status_desired_replicas{namespace="llm",horizontalpodautoscaler="keda-hpa-big"} > on (namespace) ${READY_LEADERS}`);
    expect(rule(manifests, 'LlmAutoscalerUnableToScale').annotations!.description).toContain('cannot read its metrics or update the LeaderWorkerSet, so the pool');
    expect(rule(manifests, 'LlmKedaScalerErrors').labels).toMatchObject({ pool: 'big', scaledObject: 'big' });
  });

  test('an HPA of the library: its own name', () => {
    const manifests = render((chart, pool) => {
      const adapter = new PrometheusAdapter(chart, 'adapter', { configMapName: 'adapter-rules' });
      new HorizontalAutoscaler(chart, 'hpa', { target: pool.scaleTarget, maxReplicas: 4, metrics: [HpaMetric.adapterPods(adapter.addPodsMetric(pool.metricRequestsWaiting()), 5)] });
    });
    expect(rule(manifests, 'LlmPoolNoReadyReplica').expr).toBe(`${READY_LEADERS} == 0 and on (namespace) kube_horizontalpodautoscaler_status_desired_replicas{namespace="llm",horizontalpodautoscaler="big"} > 0`);
    expect(rule(manifests, 'LlmReplicasNotAvailable').expr).toBe(`kube_horizontalpodautoscaler_status_desired_replicas{namespace="llm",horizontalpodautoscaler="big"} > on (namespace) ${READY_LEADERS}`);
  });

  test('without an autoscaler: no ready leader at all, or no rule when it runs no replica', () => {
    expect(rule(render(), 'LlmPoolNoReadyReplica').expr).toBe(`${READY_LEADERS} == 0`);
    expect(rulesOf(render(undefined, 0)).filter(r => r.alert === 'LlmPoolNoReadyReplica')).toEqual([]);
  });

  test('stuck at zero: the HPA of KEDA reports zero current replicas', () => {
    const manifests = render((chart, pool) => kedaOn(chart, pool, { minReplicas: 0, wake: true }));
    const stuck = rule(manifests, 'LlmPoolStuckAtZero');
    expect(stuck.expr).toBe('(kube_horizontalpodautoscaler_status_current_replicas{namespace="llm",horizontalpodautoscaler="keda-hpa-big"} == 0) and on () ((sum(rate(litellm_proxy_total_requests_metric_total{namespace="llm"}[2m]))) > 0)');
    expect(stuck.annotations!.description).toContain('scale the LeaderWorkerSet by hand to recover.');
  });

  test('promtool: the rules load, and fire on the leaders\' readiness only', () => {
    requirePromtool();
    const manifests = render((chart, pool) => kedaOn(chart, pool));
    const dir = tempDir('lws-alerts-');
    const groups = ruleGroupsOf(manifests);
    const rulesFile = writeRuleFile(dir, groups);
    const check = checkRules(rulesFile);
    expect(check.status).toBe(0);
    const noReady = rule(manifests, 'LlmPoolNoReadyReplica');
    const notAvailable = rule(manifests, 'LlmReplicasNotAvailable');
    const alert = (r: PromRule, extra: Record<string, string> = {}) => ({
      exp_labels: { alertname: r.alert, ...r.labels, ...extra }, exp_annotations: r.annotations,
    });
    const desired = 'kube_horizontalpodautoscaler_status_desired_replicas{namespace="llm",horizontalpodautoscaler="keda-hpa-big"}';
    const ready = (pod: string, values: string) => ({ series: `kube_pod_status_ready{namespace="llm",pod="${pod}",uid="${pod}",condition="true"}`, values });
    const cases = [
      // Leader of group 0 never ready, its worker ready: no ready group; 2 wanted, 0 available.
      { input: [{ series: desired, values: '2x40' }, ready('big-0', '0x40'), ready('big-0-1', '1x40')], noReady: true, notAvailable: true },
      // No pod at all (quota): still no ready group.
      { input: [{ series: desired, values: '2x40' }], noReady: true, notAvailable: true },
      // One leader ready of two wanted: replicas missing, but the pool serves.
      { input: [{ series: desired, values: '2x40' }, ready('big-0', '1x40'), ready('big-1', '0x40'), ready('big-1-1', '1x40')], noReady: false, notAvailable: true },
      // Both leaders ready.
      { input: [{ series: desired, values: '2x40' }, ready('big-0', '1x40'), ready('big-1', '1x40')], noReady: false, notAvailable: false },
    ];
    const tests = cases.map(c => ({
      interval: '1m',
      input_series: c.input,
      alert_rule_test: [
        { eval_time: '35m', alertname: 'LlmPoolNoReadyReplica', exp_alerts: c.noReady ? [alert(noReady)] : [] },
        { eval_time: '35m', alertname: 'LlmReplicasNotAvailable', exp_alerts: c.notAvailable ? [alert(notAvailable)] : [] },
      ],
    }));
    const testFile = writeYaml(dir, 'test.yaml', { rule_files: ['rules.yaml'], evaluation_interval: '1m', tests });
    const result = testRules(testFile);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});

describe('workload alerts', () => {
  test('an autoscaler of a LeaderWorkerSet is watched by its HPA; the workload is the LeaderWorkerSet', () => {
    const chart = testChart();
    const pool = bigPool(chart);
    const keda = kedaOn(chart, pool);
    const alerts = new WorkloadAlerts(chart, 'workload-alerts', { autoscalers: [keda], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const unable = alerts.rules().find(r => r.alert === 'WorkloadAutoscalerUnableToScale')!;
    expect(unable.labels).toEqual({ namespace: 'llm', horizontalpodautoscaler: 'keda-hpa-big', workload: 'big' });
    expect(unable.description).toContain('or cannot update the LeaderWorkerSet, so the workload');
  });
});

describe('dashboards', () => {
  function dashboards(pools: 'both' | 'big'): { model: any; accelerators: any } {
    const chart = testChart();
    const big = bigPool(chart);
    kedaOn(chart, big);
    const list = pools === 'both' ? [big, new VllmPool(chart, 'llama', { model: 'org/llama', accelerator: Accelerator.nvidiaGpu(1) })] : [big];
    if (pools === 'both') (list[1] as VllmPool).monitor(DISCOVERY);
    new ServingDashboards(chart, 'dashboards', { pools: list });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const json = (name: string) => JSON.parse(Object.values(allOfKind(manifests, 'ConfigMap').find(m => m.metadata.name.includes(name))!.data as Record<string, string>)[0]);
    return { model: json('model-pool'), accelerators: json('accelerators') };
  }
  const exprs = (dashboard: any): string[] => JSON.stringify(dashboard).match(/"expr":"(?:[^"\\]|\\.)*"/g)!.map(e => JSON.parse(e.slice(7)));

  test('the Model pool dashboard counts a multi-node pool\'s ready groups and its autoscaler\'s desired groups', () => {
    const model = exprs(dashboards('both').model);
    expect(model).toContain('sum by (pool) (label_replace(kube_pod_status_ready{namespace=~"$namespace",condition="true",pod=~"($pool)-[0-9]+"}, "pool", "$1", "pod", "(big)-[0-9]+"))');
    expect(model).toContain('max by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_desired_replicas{namespace=~"$namespace",horizontalpodautoscaler=~"keda-hpa-big"})');
    expect(model).toContain('(sum(kube_deployment_status_replicas_available{namespace=~"$namespace",deployment=~"$pool"}) or vector(0)) + (sum(kube_pod_status_ready{namespace=~"$namespace",condition="true",pod=~"($pool)-[0-9]+"}) or vector(0))');
  });

  test('the Accelerators dashboard selects both kinds of pods and names each pod\'s pool', () => {
    const accelerators = exprs(dashboards('both').accelerators);
    expect(accelerators[0]).toBe('avg by (pool) (label_replace(DCGM_FI_PROF_GR_ENGINE_ACTIVE{namespace=~"$namespace",pod=~"($pool)(?:-[0-9]+(-[0-9]+)?|-[a-z0-9]+-[a-z0-9]+)"}, "pool", "${1}${2}", "pod", "(llama)-[a-z0-9]+-[a-z0-9]+|(big)-[0-9]+(?:-[0-9]+)?"))');
    const only = exprs(dashboards('big').accelerators);
    expect(only[0]).toBe('avg by (pool) (label_replace(DCGM_FI_PROF_GR_ENGINE_ACTIVE{namespace=~"$namespace",pod=~"($pool)-[0-9]+(-[0-9]+)?"}, "pool", "${1}", "pod", "(big)-[0-9]+(?:-[0-9]+)?"))');
  });

  test('promtool: the Accelerators dashboard gives each pod its own pool, a leader, a worker and a Deployment\'s pod alike', () => {
    requirePromtool();
    // Grafana's variables as it would expand them, all pools picked.
    const expr = exprs(dashboards('both').accelerators)[0].replace(/\$namespace/g, 'llm').replace(/\$pool/g, 'llama|big');
    const dir = tempDir('lws-dashboard-');
    writeRuleFile(dir, [{ name: 'dashboard', rules: [{ record: 'pool:engine_active:avg', expr }] }]);
    const series = (pod: string, value: number) => ({ series: `DCGM_FI_PROF_GR_ENGINE_ACTIVE{namespace="llm",pod="${pod}",gpu="0"}`, values: `${value}x5` });
    const testFile = writeYaml(dir, 'test.yaml', {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        // big's leader and worker of group 0 (0.5, 0.25), llama's pod (1), another app's pod (ignored).
        input_series: [series('big-0', 0.5), series('big-0-1', 0.25), series('llama-7d9f8c5b6-x2x4z', 1), series('other-0', 1)],
        promql_expr_test: [{
          expr: 'pool:engine_active:avg', eval_time: '3m',
          exp_samples: [{ labels: 'pool:engine_active:avg{pool="big"}', value: 0.375 }, { labels: 'pool:engine_active:avg{pool="llama"}', value: 1 }],
        }],
      }],
    });
    const result = testRules(testFile);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});

describe('what-if', () => {
  test('a LeaderWorkerSet scale target is named as such: replaying a multi-node pool is out of scope', () => {
    const so = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'big', namespace: 'llm' }, spec: { scaleTargetRef: LWS_REF, triggers: [] } };
    expect(() => resolveTarget([{ object: so, file: 'a.yaml' }], 'llm/big')).toThrow(new Error(
      '\'spec.scaleTargetRef\' ({"apiVersion":"leaderworkerset.x-k8s.io/v1","kind":"LeaderWorkerSet","name":"big"}) of ScaledObject llm/big (a.yaml) names a LeaderWorkerSet (a MultiNodeVllmPool, one group of pods per replica): the replay models a Deployment\'s pods, one pod per replica, so a multi-node pool cannot be replayed; replay the autoscaler of a VllmPool'));
  });
});


describe('the real MultiNodeVllmPool beside a VllmPool', () => {
  test('signals, KEDA, recording rules, the adapter, alerts and dashboards take both; the output is strictly valid and promtool loads the rules', () => {
    const chart = testChart();
    const big = new MultiNodeVllmPool(chart, 'llama-405b', {
      model: 'meta-llama/Llama-3.1-405B-Instruct', accelerator: Accelerator.nvidiaGpu(8), engine: { tensorParallelSize: 8, pipelineParallelSize: 2 },
    });
    const small = new VllmPool(chart, 'llama-8b', { model: 'meta-llama/Llama-3.1-8B-Instruct', accelerator: Accelerator.nvidiaGpu(1) });
    for (const p of [big, small]) p.monitor(DISCOVERY);
    expect([isServingPool(big), isServingPool(small)]).toEqual([true, true]);
    const keda = new KedaScaledObject(chart, 'big-scaler', {
      target: big.scaleTarget, maxReplicas: 3, triggers: [LlmSignal.queueDepth(big, 5).trigger(PROMETHEUS), LlmSignal.kvCacheUsage(big, 0.8).trigger(PROMETHEUS)], fallback: { replicas: 1 },
    });
    const rules = new RecordingRules(chart, 'recording', { pools: [big, small], discovery: DISCOVERY });
    const adapter = new PrometheusAdapter(chart, 'adapter', { configMapName: 'adapter-rules' });
    adapter.addPodsMetric(big.metricRequestsWaiting());
    const ttft = adapter.addRecordedMetric(rules.pool(big).ttftP95);
    new ServingAlerts(chart, 'alerts', { pools: [big, small], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS, recordingRules: rules });
    new WorkloadAlerts(chart, 'workload-alerts', { autoscalers: [keda], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS });
    new ServingDashboards(chart, 'dashboards', { pools: [big, small], recordingRules: rules });
    const manifests = synth(chart);
    expectValidManifests(manifests);

    expect(oneOfKind(manifests, 'ScaledObject').spec.scaleTargetRef).toEqual({ ...LWS_REF, name: 'llama-405b' });
    expect(oneOfKind(manifests, 'LeaderWorkerSet').spec).not.toHaveProperty('replicas');
    expect(ttft.describedResource).toBe('leaderworkerset');
    const bigRules = oneOfKind(manifests, 'PrometheusRule', 'alerts-llama-405b').spec.groups.flatMap((g: any) => g.rules) as PromRule[];
    expect(bigRules.find(r => r.alert === 'LlmPoolNoReadyReplica')!.expr).toBe(
      '(sum by (namespace) (kube_pod_status_ready{namespace="llm",condition="true",pod=~"llama-405b-[0-9]+"}) or label_replace(vector(0), "namespace", "llm", "", "")) == 0'
      + ' and on (namespace) kube_horizontalpodautoscaler_status_desired_replicas{namespace="llm",horizontalpodautoscaler="keda-hpa-llama-405b"} > 0');
    expect(bigRules.filter(r => r.expr.includes('kube_deployment_'))).toEqual([]);
    // The VllmPool's rules still read its Deployment.
    const smallRules = oneOfKind(manifests, 'PrometheusRule', 'alerts-llama-8b').spec.groups.flatMap((g: any) => g.rules) as PromRule[];
    expect(smallRules.find(r => r.alert === 'LlmPoolNoReadyReplica')!.expr).toContain('kube_deployment_status_replicas_available{namespace="llm",deployment="llama-8b"} == 0');

    requirePromtool();
    const check = checkRules(writeRuleFile(tempDir('lws-real-'), ruleGroupsByObject(manifests)));
    expect(check.output).toContain('SUCCESS');
    expect(check.status).toBe(0);
  });
});
