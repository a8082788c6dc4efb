import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  Accelerator, DcgmMetrics, HorizontalAutoscaler, HorizontalAutoscalerProps, HpaMetric, HpaMetricType, PrometheusAdapter, ScalingBehaviors, VllmPool,
} from '../../lib';
import { hpaScaledResources, replicaOwner } from '../../lib/autoscaling/_ownership';
import { Manifest, oneOfKind, synth, testChart, SCRAPER } from '../util/synth';
import { expectValidManifests } from '../util/validate';

/**
 * The vLLM version a custom image runs (the pool's `vllmVersion`, required for images whose tag
 * carries none), spread in untyped so this file compiles with and without that prop.
 */
const CUSTOM_IMAGE_VERSION = { vllmVersion: '0.16.0' } as object;

const IMAGE = 'nginx:1.27.0';

/** A Deployment `app` with one container (cdk8s-plus default requests unless `resources` is given). */
function appDeployment(chart: Chart, resources?: kplus.ContainerResources, props: kplus.DeploymentProps = {}): kplus.Deployment {
  return new kplus.Deployment(chart, 'app', { ...props, containers: [{ name: 'app', image: IMAGE, portNumber: 8080, resources }] });
}

/** A rules-only PrometheusAdapter in `chart` serving each name as a Pods metric (so HpaMetric.pods() names resolve). */
function serve(chart: Chart, names: readonly string[]): void {
  if (names.length === 0) return;
  const adapter = new PrometheusAdapter(chart, 'adapter', { configMapName: 'adapter-rules' });
  for (const name of new Set(names)) adapter.addPodsMetric(DcgmMetrics.GPU_UTIL, { name });
}

/** An HPA `hpa` on a fresh `app` Deployment, synthesized and strictly validated (with an adapter serving its pods() names). */
function render(props: Partial<HorizontalAutoscalerProps> = {}): { manifests: Manifest[]; hpa: Manifest; deployment: Manifest; autoscaler: HorizontalAutoscaler } {
  const chart = testChart();
  const deployment = appDeployment(chart);
  const autoscaler = new HorizontalAutoscaler(chart, 'hpa', { target: { deployment }, maxReplicas: 5, metrics: [HpaMetric.cpuUtilization(70)], ...props });
  serve(chart, autoscaler.metrics.flatMap(m => m.podsMetricName ?? []));
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return { manifests, autoscaler, hpa: oneOfKind(manifests, 'HorizontalPodAutoscaler'), deployment: oneOfKind(manifests, 'Deployment') };
}

/** The rendered metrics of an HPA on `metrics`. */
function renderMetrics(...metrics: HpaMetric[]): Manifest[] {
  return render({ metrics }).hpa.spec.metrics;
}

/** Creates an HPA with `props` on a fresh `app` Deployment (for error tests). */
function create(props: Partial<HorizontalAutoscalerProps>, resources?: kplus.ContainerResources): HorizontalAutoscaler {
  const chart = testChart();
  const deployment = appDeployment(chart, resources);
  return new HorizontalAutoscaler(chart, 'hpa', { target: { deployment }, maxReplicas: 5, metrics: [HpaMetric.cpuUtilization(70)], ...props });
}

describe('defaults', () => {
  const { manifests, hpa, deployment, autoscaler } = render();

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('autoscaling/v2 HorizontalPodAutoscaler in the chart namespace', () => {
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.metadata.namespace).toBe('llm');
    expect(hpa.metadata.name).toBe(autoscaler.name);
    expect(autoscaler.namespace).toBe('llm');
  });

  test('scaleTargetRef names the Deployment', () => {
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
  });

  test('minReplicas 1, maxReplicas as given', () => {
    expect(hpa.spec.minReplicas).toBe(1);
    expect(hpa.spec.maxReplicas).toBe(5);
    expect([autoscaler.minReplicas, autoscaler.maxReplicas]).toEqual([1, 5]);
  });

  test('no behavior: the Kubernetes defaults apply', () => {
    expect(hpa.spec.behavior).toBeUndefined();
  });

  test('the Deployment renders no spec.replicas: the HPA owns them', () => {
    expect(deployment.spec.replicas).toBeUndefined();
    expect(replicaOwner(autoscaler.target.deployment!)).toBe(autoscaler);
  });

  test('recommended labels, component autoscaler', () => {
    expect(hpa.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'autoscaler',
      'app.kubernetes.io/component': 'autoscaler',
      'app.kubernetes.io/part-of': 'cdk8s-llm-serving',
      'app.kubernetes.io/managed-by': 'cdk8s',
    });
  });
});

describe('targets', () => {
  test('a VllmPool: labels carry the pool\'s name and instance, no spec.replicas on the pool', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', { model: 'meta-llama/Llama-3.1-8B-Instruct', accelerator: Accelerator.nvidiaGpu(1) });
    pool.monitor({ labels: {}, scraper: SCRAPER });
    const adapter = new PrometheusAdapter(chart, 'adapter', { configMapName: 'adapter-rules' });
    const autoscaler = new HorizontalAutoscaler(chart, 'hpa', {
      target: pool, maxReplicas: 4, metrics: [HpaMetric.adapterPods(adapter.addPodsMetric(pool.metricRequestsWaiting()), 5)], behavior: ScalingBehaviors.GPU_POOL,
    });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const hpa = oneOfKind(manifests, 'HorizontalPodAutoscaler');
    const deployment = oneOfKind(manifests, 'Deployment');
    expect(hpa.metadata.name).toBe(pool.deployment.name);
    expect(autoscaler.name).toBe(pool.deployment.name);
    expect(deployment.spec.replicas).toBeUndefined();
    expect(hpa.spec.scaleTargetRef.name).toBe(deployment.metadata.name);
    expect(hpa.metadata.labels['app.kubernetes.io/name']).toBe('vllm');
    expect(hpa.metadata.labels['app.kubernetes.io/instance']).toBe(hpa.metadata.name);
  });

  test('a name of its own, and a clash with another HPA\'s name', () => {
    const { hpa, autoscaler } = render({ name: 'app-scaler' });
    expect([hpa.metadata.name, autoscaler.name]).toEqual(['app-scaler', 'app-scaler']);
    const chart = testChart();
    const a = appDeployment(chart);
    const b = new kplus.Deployment(chart, 'other', { containers: [{ image: IMAGE, portNumber: 8080 }] });
    new HorizontalAutoscaler(chart, 'hpa-a', { target: { deployment: a }, maxReplicas: 2, metrics: [HpaMetric.cpuUtilization(70)], name: 'scaler' });
    expect(() => new HorizontalAutoscaler(chart, 'hpa-b', { target: { deployment: b }, maxReplicas: 2, metrics: [HpaMetric.cpuUtilization(70)], name: 'scaler' }))
      .toThrow(new Error('\'name\' ("scaler") names a autoscaling/HorizontalPodAutoscaler in namespace "llm" that \'test/hpa-a\' already renders: \'test/hpa-b\' would overwrite it on apply; give one of them another name'));
  });

  test('the default name is the target Deployment\'s', () => {
    const { hpa, deployment } = render();
    expect(hpa.metadata.name).toBe(deployment.metadata.name);
  });

  test('minReplicas and behavior as given', () => {
    const { hpa } = render({ minReplicas: 3, maxReplicas: 3, behavior: ScalingBehaviors.SEED });
    expect(hpa.spec.minReplicas).toBe(3);
    expect(hpa.spec.maxReplicas).toBe(3);
    expect(hpa.spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(60);
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
  });
});

describe('metrics', () => {
  test('cpu and memory utilization: Resource metrics with Utilization targets', () => {
    expect(renderMetrics(HpaMetric.cpuUtilization(70), HpaMetric.memoryUtilization(80))).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
  });

  test('resource() with cpu or memory, above 100 % allowed', () => {
    expect(renderMetrics(HpaMetric.resource('memory', 150))).toEqual([
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 150 } } },
    ]);
  });

  test('pods(): Pods metric, AverageValue target, selector as matchLabels', () => {
    expect(renderMetrics(HpaMetric.pods('vllm_num_requests_waiting', 5, { model_name: 'llama' }))).toEqual([
      { type: 'Pods', pods: { metric: { name: 'vllm_num_requests_waiting', selector: { matchLabels: { model_name: 'llama' } } }, target: { type: 'AverageValue', averageValue: 5 } } },
    ]);
  });

  test('pods() without a selector renders none', () => {
    expect(renderMetrics(HpaMetric.pods('litellm_requests_per_second', 20))[0].pods.metric).toEqual({ name: 'litellm_requests_per_second' });
  });

  test('object(): Object metric with a Value target', () => {
    const ingress = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'gateway' };
    expect(renderMetrics(HpaMetric.object(ingress, 'requests_per_second', { value: 100 }))).toEqual([
      { type: 'Object', object: { describedObject: ingress, metric: { name: 'requests_per_second' }, target: { type: 'Value', value: 100 } } },
    ]);
  });

  test('object(): AverageValue target', () => {
    const service = { apiVersion: 'v1', kind: 'Service', name: 'gateway' };
    expect(renderMetrics(HpaMetric.object(service, 'requests_per_second', { averageValue: 10 }))[0].object.target).toEqual({ type: 'AverageValue', averageValue: 10 });
  });

  test('external(): External metric with Value or AverageValue target and a selector', () => {
    expect(renderMetrics(
      HpaMetric.external('queue_depth', { value: 30 }, { queue: 'inference' }),
      HpaMetric.external('queue_depth', { averageValue: 3 }),
    )).toEqual([
      { type: 'External', external: { metric: { name: 'queue_depth', selector: { matchLabels: { queue: 'inference' } } }, target: { type: 'Value', value: 30 } } },
      { type: 'External', external: { metric: { name: 'queue_depth' }, target: { type: 'AverageValue', averageValue: 3 } } },
    ]);
  });

  test('all four kinds in one HPA pass strict validation, in order', () => {
    const metrics = renderMetrics(
      HpaMetric.cpuUtilization(70),
      HpaMetric.pods('vllm_num_requests_waiting', 5),
      HpaMetric.object({ apiVersion: 'v1', kind: 'Service', name: 'gateway' }, 'requests_per_second', { value: 100 }),
      HpaMetric.external('queue_depth', { averageValue: 3 }),
    );
    expect(metrics.map(m => m.type)).toEqual(['Resource', 'Pods', 'Object', 'External']);
  });

  test('type and resourceName are exposed', () => {
    expect([HpaMetric.cpuUtilization(70).type, HpaMetric.cpuUtilization(70).resourceName]).toEqual([HpaMetricType.RESOURCE, 'cpu']);
    expect([HpaMetric.pods('x', 1).type, HpaMetric.pods('x', 1).resourceName]).toEqual([HpaMetricType.PODS, undefined]);
  });

  test('resource metrics are recorded on the Deployment, the others not', () => {
    const { autoscaler } = render({ metrics: [HpaMetric.memoryUtilization(80), HpaMetric.pods('x', 1)] });
    const scaled = hpaScaledResources(autoscaler.target.deployment!);
    expect([...scaled.keys()]).toEqual(['memory']);
    expect(scaled.get('memory')).toBe(autoscaler);
  });
});

describe('quantities', () => {
  test.each([
    [0.5, '500m'],
    [2.5, '2500m'],
    [0.75, '750m'],
    [0.001, '1m'],
  ])('%p renders as %p', (value, quantity) => {
    expect(renderMetrics(HpaMetric.pods('m', value))[0].pods.target.averageValue).toBe(quantity);
    expect(renderMetrics(HpaMetric.external('m', { value }))[0].external.target.value).toBe(quantity);
  });

  test('a whole number stays a number', () => {
    const target = renderMetrics(HpaMetric.pods('m', 2))[0].pods.target;
    expect(target.averageValue).toBe(2);
    expect(typeof target.averageValue).toBe('number');
  });

  test('0, NaN and Infinity are refused', () => {
    expect(() => create({ metrics: [HpaMetric.pods('m', 0)] })).toThrow(new Error("'metrics[0].averageValue' (0) must be greater than 0"));
    expect(() => create({ metrics: [HpaMetric.pods('m', NaN)] })).toThrow(new Error("'metrics[0].averageValue' (NaN) must be greater than 0"));
    expect(() => create({ metrics: [HpaMetric.external('m', { value: Infinity })] })).toThrow(new Error("'metrics[0].value' (Infinity) must be greater than 0"));
  });

  test('below milli precision is refused', () => {
    expect(() => create({ metrics: [HpaMetric.external('m', { value: 0.0001 })] }))
      .toThrow(new Error("'metrics[0].value' (0.0001) must be at least 0.001 (a Quantity target has milli precision)"));
  });
});

describe('metric errors', () => {
  test('resource nvidia.com/gpu is refused with the DCGM hint', () => {
    expect(() => create({ metrics: [HpaMetric.cpuUtilization(70), HpaMetric.resource('nvidia.com/gpu', 80)] }))
      .toThrow(new Error("'metrics[1].resource' (\"nvidia.com/gpu\") is not served by the resource metrics API (only cpu and memory): scale a GPU pool on its queue (pool.autoscale() with LlmSignal.queueDepth), or on GPU utilization with LlmSignal.gpuUtilization / gpuEngineActive"));
  });

  test('another resource is refused without the GPU hint', () => {
    expect(() => create({ metrics: [HpaMetric.resource('ephemeral-storage', 80)] }))
      .toThrow(new Error("'metrics[0].resource' (\"ephemeral-storage\") is not served by the resource metrics API (only cpu and memory)"));
  });

  test.each([0, 70.5, -10])('utilization %p is refused', (percent) => {
    expect(() => create({ metrics: [HpaMetric.cpuUtilization(percent)] }))
      .toThrow(new Error(`'metrics[0].averageUtilization' (${percent}) must be a whole number greater than 0`));
  });

  test('a metric name with a colon is refused', () => {
    expect(() => create({ metrics: [HpaMetric.pods('vllm:num_requests_waiting', 5)] }))
      .toThrow(new Error("'metrics[0].metricName' (\"vllm:num_requests_waiting\") must not contain ':': it is no valid name for a metric the Kubernetes metrics APIs serve; rename the series in the adapter rule (prometheus-adapter name.as, e.g. vllm:num_requests_waiting as vllm_num_requests_waiting)"));
  });

  test('an empty metric name is refused', () => {
    expect(() => create({ metrics: [HpaMetric.external(' ', { value: 1 })] }))
      .toThrow(new Error("'metrics[0].metricName' (\" \") must be a metric name without whitespace"));
  });

  test('an invalid selector value is refused', () => {
    expect(() => create({ metrics: [HpaMetric.pods('m', 1, { model_name: 'meta-llama/Llama' })] }))
      .toThrow(new Error("'metrics[0].selector.model_name' (\"meta-llama/Llama\") must be a valid Kubernetes label value: at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric"));
  });

  test('a target with both value and averageValue, or neither, is refused', () => {
    expect(() => create({ metrics: [HpaMetric.external('m', { value: 1, averageValue: 1 })] }))
      .toThrow(new Error("'metrics[0].target' ({\"value\":1,\"averageValue\":1}) must set exactly one of 'value' and 'averageValue'"));
    expect(() => create({ metrics: [HpaMetric.object({ apiVersion: 'v1', kind: 'Service', name: 'gw' }, 'm', {})] }))
      .toThrow(new Error("'metrics[0].target' ({}) must set exactly one of 'value' and 'averageValue'"));
  });

  test('an empty describedObject field is refused', () => {
    expect(() => create({ metrics: [HpaMetric.object({ apiVersion: 'v1', kind: 'Service', name: '' }, 'm', { value: 1 })] }))
      .toThrow(new Error("'metrics[0].describedObject.name' (\"\") must not be empty"));
  });
});

describe('utilization needs requests', () => {
  test('cpu utilization without a cpu request or limit is refused', () => {
    expect(() => create({ metrics: [HpaMetric.cpuUtilization(70)] }, { memory: { request: Size.gibibytes(1) } }))
      .toThrow(new Error("'metrics[0]' (\"cpu\") needs a cpu request on every container of 'test/app': utilization is measured against requests (container \"app\" has neither a request nor a limit)"));
  });

  test('memory utilization without a memory request or limit is refused', () => {
    expect(() => create({ metrics: [HpaMetric.cpuUtilization(70), HpaMetric.memoryUtilization(80)] }, { cpu: { request: kplus.Cpu.millis(250) } }))
      .toThrow(new Error("'metrics[1]' (\"memory\") needs a memory request on every container of 'test/app': utilization is measured against requests (container \"app\" has neither a request nor a limit)"));
  });

  test('a limit alone will do: Kubernetes defaults the request to it', () => {
    expect(() => create({ metrics: [HpaMetric.cpuUtilization(70)] }, { cpu: { limit: kplus.Cpu.units(1) } })).not.toThrow();
  });

  test('value metrics need no requests', () => {
    expect(() => create({ metrics: [HpaMetric.pods('m', 1)] }, {})).not.toThrow();
  });

  test('a container added after the autoscaler is checked at synth', () => {
    const chart = testChart();
    const deployment = appDeployment(chart);
    new HorizontalAutoscaler(chart, 'hpa', { target: { deployment }, maxReplicas: 5, metrics: [HpaMetric.cpuUtilization(70)] });
    deployment.addContainer({ name: 'sidecar', image: IMAGE, resources: {} });
    expect(() => synth(chart))
      .toThrow(new Error("Validation failed with the following errors:\n  [test/hpa] 'metrics[0]' (\"cpu\") needs a cpu request on every container of 'test/app': utilization is measured against requests (container \"sidecar\" has neither a request nor a limit)"));
  });
});

describe('replica errors', () => {
  test('minReplicas greater than maxReplicas', () => {
    expect(() => create({ minReplicas: 11, maxReplicas: 10 })).toThrow(new Error("'minReplicas' (11) must be less than or equal to 'maxReplicas' (10)"));
  });

  test('maxReplicas 0', () => {
    expect(() => create({ maxReplicas: 0 })).toThrow(new Error("'maxReplicas' (0) must be a whole number from 1 to 2147483647"));
    expect(() => create({ maxReplicas: NaN })).toThrow(new Error("'maxReplicas' (NaN) must be a whole number from 1 to 2147483647"));
    expect(() => create({ maxReplicas: 3e9 })).toThrow(new Error("'maxReplicas' (3000000000) must be a whole number from 1 to 2147483647"));
  });

  test('minReplicas 0', () => {
    expect(() => create({ minReplicas: 0 })).toThrow(new Error("'minReplicas' (0) must be a whole number from 1 to 2147483647"));
  });

  test('empty metrics', () => {
    expect(() => create({ metrics: [] }))
      .toThrow(new Error("'metrics' ([]) must not be empty: name at least one metric (e.g. HpaMetric.cpuUtilization(70)); an HPA without metrics silently scales on 80 % CPU"));
  });

  test('invalid behavior', () => {
    expect(() => create({ behavior: { scaleUp: { policies: [] } } }))
      .toThrow(new Error("'behavior.scaleUp.policies' ([]) must not be empty: the API requires at least one policy (use SelectPolicy.DISABLED to turn this direction off)"));
  });
});

describe('ownership', () => {
  test('two HPAs on one Deployment: the error names both', () => {
    const chart = testChart();
    const deployment = appDeployment(chart);
    new HorizontalAutoscaler(chart, 'hpa', { target: { deployment }, maxReplicas: 5, metrics: [HpaMetric.cpuUtilization(70)] });
    expect(() => new HorizontalAutoscaler(chart, 'hpa2', { target: { deployment }, maxReplicas: 5, metrics: [HpaMetric.pods('m', 1)] }))
      .toThrow(new Error("'target' (\"test/app\") is already scaled by 'test/hpa': at most one replica-owning autoscaler (HPA or KEDA ScaledObject) per workload; remove one of 'test/hpa' and this HorizontalPodAutoscaler 'test/hpa2'"));
  });

  test('a Deployment with fixed replicas is refused', () => {
    const chart = testChart();
    const deployment = appDeployment(chart, undefined, { replicas: 3 });
    expect(() => new HorizontalAutoscaler(chart, 'hpa', { target: { deployment }, maxReplicas: 5, metrics: [HpaMetric.cpuUtilization(70)] }))
      .toThrow(new Error("'target' (\"test/app\") has a fixed replicas (3): leave 'replicas' unset on a workload an autoscaler owns, or Argo CD and the HorizontalPodAutoscaler fight over it"));
  });

  test('a refused autoscaler does not keep the replicas', () => {
    const chart = testChart();
    const deployment = appDeployment(chart);
    expect(() => new HorizontalAutoscaler(chart, 'bad', { target: { deployment }, maxReplicas: 5, metrics: [HpaMetric.resource('nvidia.com/gpu', 80)] })).toThrow();
    expect(replicaOwner(deployment)).toBeUndefined();
    expect(hpaScaledResources(deployment).size).toBe(0);
  });

  test('a target in another namespace is refused', () => {
    const app = Testing.app();
    const deployment = appDeployment(new Chart(app, 'workloads', { namespace: 'serving' }));
    expect(() => new HorizontalAutoscaler(new Chart(app, 'scaling', { namespace: 'ops' }), 'hpa', { target: { deployment }, maxReplicas: 5, metrics: [HpaMetric.cpuUtilization(70)] }))
      .toThrow(new Error("'target' (\"workloads/app\") is in namespace \"serving\", the autoscaler in \"ops\": scaleTargetRef names a Deployment of the HPA's own namespace; create the autoscaler in the target's Chart"));
  });

  test('a chart without a namespace is refused', () => {
    const chart = testChart(null);
    const deployment = appDeployment(chart);
    expect(() => new HorizontalAutoscaler(chart, 'hpa', { target: { deployment }, maxReplicas: 5, metrics: [HpaMetric.cpuUtilization(70)] }))
      .toThrow(new Error("'Chart.namespace' (undefined) must be set for HorizontalAutoscaler: its Service URL and metric selectors are namespace-scoped (new Chart(app, id, { namespace: '...' }))"));
  });
});

describe('guardrails', () => {
  const GPU_POOL = { model: 'meta-llama/Llama-3.1-8B-Instruct', accelerator: Accelerator.nvidiaGpu(1) };

  test('a CPU metric on an accelerator pool is refused, pointing at queue depth', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', GPU_POOL);
    expect(() => new HorizontalAutoscaler(chart, 'hpa', { target: pool, maxReplicas: 4, metrics: [HpaMetric.cpuUtilization(70)] })).toThrow(new Error(
      '\'metrics[0]\' ("cpu") scales accelerator pool \'test/pool/Resource\' (nvidia.com/gpu) on cpu, which says nothing about its load: the accelerator does the work, so cpu stays flat while requests queue; scale it on its queue (pool.autoscale() with LlmSignal.queueDepth, or HpaMetric.adapterPods(adapter.addPodsMetric(pool.metricRequestsWaiting()), 5)); to add cpu as a guard beside such a signal, use HpaMetric.cpuGuard(percent)'));
    expect(replicaOwner(pool.deployment)).toBeUndefined();
  });

  test('CPU alone stays refused beside an LLM signal unless it is a guard', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', GPU_POOL);
    expect(() => new HorizontalAutoscaler(chart, 'hpa', { target: pool, maxReplicas: 4, metrics: [HpaMetric.pods('m', 5), HpaMetric.cpuUtilization(85)] }))
      .toThrow('\'metrics[1]\' ("cpu") scales accelerator pool \'test/pool/Resource\' (nvidia.com/gpu) on cpu');
  });

  test('a CPU guard beside an LLM signal renders a plain CPU Utilization metric next to it', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', GPU_POOL);
    const hpa = new HorizontalAutoscaler(chart, 'hpa', { target: pool, maxReplicas: 4, metrics: [HpaMetric.pods('vllm_num_requests_waiting', 5), HpaMetric.cpuGuard(85)] });
    serve(chart, ['vllm_num_requests_waiting']);
    expect(hpa.metrics.map(m => m.guard)).toEqual([false, true]);
    const manifests = synth(chart);
    expectValidManifests(manifests);
    expect(oneOfKind(manifests, 'HorizontalPodAutoscaler').spec.metrics).toEqual([
      { type: 'Pods', pods: { metric: { name: 'vllm_num_requests_waiting' }, target: { type: 'AverageValue', averageValue: 5 } } },
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 85 } } },
    ]);
  });

  test('a CPU guard alone is refused: it would scale the pool on CPU only', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', GPU_POOL);
    expect(() => new HorizontalAutoscaler(chart, 'hpa', { target: pool, maxReplicas: 4, metrics: [HpaMetric.cpuGuard(85)] })).toThrow(new Error(
      '\'metrics[0]\' ("cpu") is a guard (HpaMetric.cpuGuard()) with no LLM signal beside it: a guard adds replicas only when the CPU saturates, and alone it scales \'test/pool/Resource\' on CPU only; add a Pods, Object or External metric (e.g. HpaMetric.adapterPods(adapter.addPodsMetric(pool.metricRequestsWaiting()), 5))'));
    expect(replicaOwner(pool.deployment)).toBeUndefined();
  });

  test('a CPU guard beside another resource metric only is refused on any workload', () => {
    expect(() => create({ metrics: [HpaMetric.memoryUtilization(80), HpaMetric.cpuGuard(90)] }))
      .toThrow('\'metrics[1]\' ("cpu") is a guard (HpaMetric.cpuGuard()) with no LLM signal beside it');
  });

  test('a CPU guard checks its percent and the CPU request like cpuUtilization', () => {
    expect(() => create({ metrics: [HpaMetric.pods('m', 1), HpaMetric.cpuGuard(0)] })).toThrow('\'metrics[1].averageUtilization\' (0)');
    expect(() => create({ metrics: [HpaMetric.pods('m', 1), HpaMetric.cpuGuard(85)] }, { memory: { request: Size.gibibytes(1) } }))
      .toThrow('\'metrics[1]\' ("cpu") needs a cpu request on every container');
  });

  test('so is a memory metric, on a MIG pool too', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', { model: 'Qwen/Qwen2.5-1.5B-Instruct', accelerator: Accelerator.mig('1g.10gb') });
    expect(() => new HorizontalAutoscaler(chart, 'hpa', { target: pool, maxReplicas: 4, metrics: [HpaMetric.pods('m', 1), HpaMetric.memoryUtilization(80)] })).toThrow(new Error(
      '\'metrics[1]\' ("memory") scales accelerator pool \'test/pool/Resource\' (nvidia.com/mig-1g.10gb) on memory, which says nothing about its load: the accelerator does the work, so memory stays flat while requests queue; scale it on its queue (pool.autoscale() with LlmSignal.queueDepth, or HpaMetric.adapterPods(adapter.addPodsMetric(pool.metricRequestsWaiting()), 5))'));
  });

  test('CPU on a CPU-only pool is fine', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', { model: 'Qwen/Qwen3-0.6B', accelerator: Accelerator.cpu(), image: 'public.ecr.aws/q9t5s3a7/vllm-cpu-release-repo:v0.11.0', ...CUSTOM_IMAGE_VERSION });
    expect(new HorizontalAutoscaler(chart, 'hpa', { target: pool, maxReplicas: 4, metrics: [HpaMetric.cpuUtilization(70)] }).maxReplicas).toBe(4);
  });

  test('an HpaMetric.pods() name no adapter of the App serves fails synth, listing what is served', () => {
    const chart = testChart();
    new HorizontalAutoscaler(chart, 'hpa', { target: { deployment: appDeployment(chart) }, maxReplicas: 4, metrics: [HpaMetric.pods('vllm_num_requests_waitin', 5)] });
    const adapter = new PrometheusAdapter(chart, 'adapter', { configMapName: 'adapter-rules' });
    adapter.addPodsMetric(DcgmMetrics.GPU_UTIL);
    expect(() => synth(chart)).toThrow(
      '\'metrics[0].metricName\' ("vllm_num_requests_waitin") is served by no PrometheusAdapter of the App as a Pods metric (served: DCGM_FI_DEV_GPU_UTIL): the HPA would report FailedGetPodsMetric and never scale; serve it with adapter.addPodsMetric() and pass the result to HpaMetric.adapterPods()');
  });

  test('an adapter in another Chart of the App counts; an External metric of that name does not', () => {
    const app = Testing.app();
    const serving = new Chart(app, 'serving', { namespace: 'llm' });
    const monitoring = new Chart(app, 'monitoring', { namespace: 'monitoring' });
    new HorizontalAutoscaler(serving, 'hpa', { target: { deployment: appDeployment(serving) }, maxReplicas: 4, metrics: [HpaMetric.pods('gpu_busy', 5)] });
    const adapter = new PrometheusAdapter(monitoring, 'adapter', { configMapName: 'adapter-rules' });
    adapter.addExternalMetric(DcgmMetrics.GPU_UTIL, { name: 'gpu_busy' });
    expect(() => app.synth()).toThrow('is served by no PrometheusAdapter of the App as a Pods metric (the App has no adapter Pods metric)');
    adapter.addPodsMetric(DcgmMetrics.GPU_UTIL, { name: 'gpu_busy' });
    expect(() => Testing.synth(serving)).not.toThrow();
  });

  test('plain JavaScript: missing props, metrics that are no HpaMetric, a metric name that is no string', () => {
    const chart = testChart();
    expect(() => new HorizontalAutoscaler(chart, 'a', undefined as any)).toThrow(new Error('\'props\' (undefined) is required: target, maxReplicas and metrics'));
    expect(() => new HorizontalAutoscaler(chart, 'b', { maxReplicas: 2, metrics: [] } as any)).toThrow(new Error(
      '\'target\' (undefined) is required: the workload to scale: a VllmPool, a LiteLLMProxy or { deployment }'));
    const deployment = appDeployment(chart);
    expect(() => new HorizontalAutoscaler(chart, 'c', { target: { deployment }, maxReplicas: 2, metrics: 'cpu' as any })).toThrow(new Error(
      '\'metrics\' ("cpu") must be a list of HpaMetric'));
    expect(() => new HorizontalAutoscaler(chart, 'd', { target: { deployment }, maxReplicas: 2, metrics: [{ type: 'Resource' } as any] })).toThrow(new Error(
      '\'metrics[0]\' ({"type":"Resource"}) must be an HpaMetric (HpaMetric.cpuUtilization(), HpaMetric.adapterPods(), ...)'));
    expect(() => new HorizontalAutoscaler(chart, 'e', { target: { deployment }, maxReplicas: 2, metrics: [HpaMetric.pods(undefined as any, 1)] })).toThrow(new Error(
      '\'metrics[0].metricName\' (undefined) must be a metric name without whitespace'));
  });
});
