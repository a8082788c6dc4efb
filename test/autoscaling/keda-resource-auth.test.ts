import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  Accelerator, CaBundle, HorizontalAutoscaler, HpaMetric, KedaMetricType, KedaScaledObject, KedaTrigger, LlmSignal, SignalSource,
  VerticalAutoscaler, VllmPool, VpaResource, VpaUpdateMode,
} from '../../lib';
import { Manifest, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

// KEDA cpu/memory triggers (kedacore/keda pkg/scalers/cpu_memory_scaler.go: metadata `value`,
// `containerName`; trigger metricType Utilization) and Prometheus auth to a secured server
// (pkg/scalers/authentication/authentication_helpers.go: `bearerToken`, `ca`; the
// `namespace` metadata key of pkg/scalers/prometheus_scaler.go).

const THANOS = 'https://thanos-querier.openshift-monitoring.svc:9092';
const TOKEN = { secretName: 'thanos-reader-token', key: 'token' };
const QUERY = 'sum(app_queue_depth{namespace="llm"})';
const REDIS = KedaTrigger.redisList({ address: 'redis.llm.svc:6379', listName: 'jobs', name: 'jobs' });

function app(chart = testChart(), resources: kplus.ContainerResources | undefined = { cpu: { request: kplus.Cpu.millis(200) }, memory: { request: Size.mebibytes(256) } }): kplus.Deployment {
  const deployment = new kplus.Deployment(chart, 'worker', { metadata: { name: 'worker' } });
  deployment.addContainer({ name: 'worker', image: 'registry.example.com/worker:1.0.0', resources });
  return deployment;
}

describe('KedaTrigger.cpuUtilization / memoryUtilization', () => {
  test('cpu: metadata value as a string, metricType Utilization, own pods, no secrets', () => {
    const t = KedaTrigger.cpuUtilization(70);
    expect(t.type).toBe('cpu');
    expect(t.metadata).toEqual({ value: '70' });
    expect(t.metricType).toBe(KedaMetricType.UTILIZATION);
    expect(t.source).toBe(SignalSource.OWN_PODS);
    expect(t.resourceName).toBe('cpu');
    expect(t.secrets).toEqual([]);
    expect(t.configMaps).toEqual([]);
  });

  test('memory with a container and a name (kept by named())', () => {
    const t = KedaTrigger.memoryUtilization(80, { containerName: 'app', name: 'mem' });
    expect(t.type).toBe('memory');
    expect(t.metadata).toEqual({ value: '80', containerName: 'app' });
    expect(t.name).toBe('mem');
    expect(t.named('memory_2').resourceName).toBe('memory');
  });

  test.each([0, -5, 1.5, NaN, '70'])('percent %p is refused', (percent) => {
    expect(() => KedaTrigger.cpuUtilization(percent as number)).toThrow(`'percent' (${typeof percent === 'string' ? '"70"' : percent}) must be a whole number greater than 0`);
  });

  test('a container name that is no DNS label is refused', () => {
    expect(() => KedaTrigger.cpuUtilization(70, { containerName: 'App_1' })).toThrow('\'containerName\' ("App_1")');
  });

  test('Utilization is refused on a prometheus trigger', () => {
    expect(() => KedaTrigger.prometheus({ serverAddress: THANOS, query: QUERY, threshold: 1, metricType: KedaMetricType.UTILIZATION }))
      .toThrow(new Error('\'metricType\' ("Utilization") must be one of AverageValue, Value'));
  });
});

describe('KedaTrigger.prometheus on a secured server', () => {
  test('namespace and a CA bundle from a ConfigMap: a ConfigMap parameter, the token a Secret parameter', () => {
    const t = KedaTrigger.prometheus({
      serverAddress: THANOS, query: QUERY, threshold: 5, namespace: 'llm',
      auth: { mode: 'bearer', bearerToken: TOKEN, ca: CaBundle.openShiftServiceCa() },
    });
    expect(t.metadata).toEqual({ serverAddress: THANOS, query: QUERY, threshold: '5', namespace: 'llm', authModes: 'bearer' });
    expect(t.secrets).toEqual([{ parameter: 'bearerToken', secret: TOKEN }]);
    expect(t.configMaps).toEqual([{ parameter: 'ca', name: 'openshift-service-ca.crt', key: 'service-ca.crt' }]);
  });

  test('a CA bundle from a Secret is a Secret parameter', () => {
    const t = KedaTrigger.prometheus({
      serverAddress: THANOS, query: QUERY, threshold: 5,
      auth: { mode: 'bearer', bearerToken: TOKEN, ca: CaBundle.fromSecret({ secretName: 'thanos-reader-token', key: 'ca.crt' }) },
    });
    expect(t.secrets).toEqual([{ parameter: 'bearerToken', secret: TOKEN }, { parameter: 'ca', secret: { secretName: 'thanos-reader-token', key: 'ca.crt' } }]);
    expect(t.configMaps).toEqual([]);
  });

  test('LlmSignal.trigger passes the namespace and the CA through', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', { model: 'meta-llama/Llama-3.1-8B-Instruct', servedModelName: 'llama', accelerator: Accelerator.nvidiaGpu(1), network: { enabled: false } });
    const t = LlmSignal.queueDepth(pool, 5).trigger({ serverAddress: THANOS, namespace: 'llm', auth: { mode: 'bearer', bearerToken: TOKEN, ca: CaBundle.openShiftServiceCa() } });
    expect(t.metadata.namespace).toBe('llm');
    expect(t.configMaps).toHaveLength(1);
  });

  test('a namespace that is no DNS label, and a CA that is no CaBundle, are refused', () => {
    expect(() => KedaTrigger.prometheus({ serverAddress: THANOS, query: QUERY, threshold: 5, namespace: 'LLM' })).toThrow('\'namespace\' ("LLM")');
    expect(() => KedaTrigger.prometheus({ serverAddress: THANOS, query: QUERY, threshold: 5, auth: { mode: 'bearer', bearerToken: TOKEN, ca: 'pem' as unknown as CaBundle } }))
      .toThrow('\'auth.ca\' ("pem") must be a CaBundle: CaBundle.fromConfigMap(name, key), CaBundle.fromSecret({ secretName, key }) or CaBundle.openShiftServiceCa()');
  });
});

describe('KedaScaledObject with cpu/memory triggers and a CA bundle', () => {
  test('renders the cpu trigger with metricType Utilization, and a TriggerAuthentication with secretTargetRef and configMapTargetRef', () => {
    const chart = testChart();
    const deployment = app(chart);
    const secured = KedaTrigger.prometheus({
      serverAddress: THANOS, query: QUERY, threshold: 5, namespace: 'llm', name: 'queue',
      auth: { mode: 'bearer', bearerToken: TOKEN, ca: CaBundle.openShiftServiceCa() },
    });
    new KedaScaledObject(chart, 'so', { target: { deployment }, maxReplicas: 10, triggers: [secured, KedaTrigger.cpuUtilization(70, { name: 'cpu' })], fallback: { replicas: 2 } });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const so = oneOfKind(manifests, 'ScaledObject');
    expect(so.spec.triggers.find((t: Manifest) => t.name === 'cpu')).toEqual({ type: 'cpu', name: 'cpu', metricType: 'Utilization', metadata: { value: '70' } });
    const auth = oneOfKind(manifests, 'TriggerAuthentication');
    expect(auth.spec).toEqual({
      secretTargetRef: [{ parameter: 'bearerToken', name: 'thanos-reader-token', key: 'token' }],
      configMapTargetRef: [{ parameter: 'ca', name: 'openshift-service-ca.crt', key: 'service-ca.crt' }],
    });
  });

  test('a cpu trigger needs a CPU request on every container', () => {
    const chart = testChart();
    const deployment = app(chart, { memory: { request: Size.mebibytes(256) } });
    expect(() => new KedaScaledObject(chart, 'so', { target: { deployment }, maxReplicas: 10, triggers: [REDIS, KedaTrigger.cpuUtilization(70)] }))
      .toThrow('\'triggers[1]\' ("cpu") needs a cpu request on every container of \'test/worker\': utilization is measured against requests (container "worker" has neither a request nor a limit)');
  });

  test('a container added later without a memory request fails at synth', () => {
    const chart = testChart();
    const deployment = app(chart);
    new KedaScaledObject(chart, 'so', { target: { deployment }, maxReplicas: 10, triggers: [KedaTrigger.memoryUtilization(80)] });
    deployment.addContainer({ name: 'sidecar', image: 'registry.example.com/sidecar:1.0.0', resources: { cpu: { request: kplus.Cpu.millis(10) } } });
    expect(() => synth(chart)).toThrow('\'triggers[0]\' ("memory") needs a memory request on every container of \'test/worker\'');
  });

  test('a cpu trigger does not count for a fallback: KEDA needs a non-cpu/memory AverageValue trigger', () => {
    const chart = testChart();
    const deployment = app(chart);
    expect(() => new KedaScaledObject(chart, 'so', { target: { deployment }, maxReplicas: 10, triggers: [KedaTrigger.cpuUtilization(70)], fallback: { replicas: 2 } }))
      .toThrow('\'fallback\' (2) needs at least one trigger with metricType AverageValue other than cpu or memory: KEDA supports fallback only for those');
  });

  test('a cpu trigger alone cannot scale to zero', () => {
    const chart = testChart();
    const deployment = app(chart);
    expect(() => new KedaScaledObject(chart, 'so', { target: { deployment }, minReplicas: 0, maxReplicas: 10, triggers: [KedaTrigger.cpuUtilization(70)] }))
      .toThrow('\'minReplicas\' (0) scales to zero but every trigger reads the workload\'s own pods');
  });

  test('a cpu trigger on an accelerator pool is refused', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', { model: 'meta-llama/Llama-3.1-8B-Instruct', servedModelName: 'llama', accelerator: Accelerator.nvidiaGpu(1), network: { enabled: false } });
    expect(() => new KedaScaledObject(chart, 'so', { target: pool, maxReplicas: 3, triggers: [KedaTrigger.cpuUtilization(70)], fallback: { replicas: 1 } }))
      .toThrow('\'triggers[0]\' ("cpu") scales accelerator pool \'test/pool/Resource\' (nvidia.com/gpu) on cpu, which says nothing about its load: the accelerator does the work; scale it on its queue (LlmSignal.queueDepth)');
  });

  test('a VPA acting on memory beside a KEDA memory trigger is refused at synth; a memory-only VPA beside a cpu trigger is fine', () => {
    const chart = testChart();
    const deployment = app(chart);
    new KedaScaledObject(chart, 'so', { target: { deployment }, maxReplicas: 10, triggers: [REDIS, KedaTrigger.memoryUtilization(80)] });
    new VerticalAutoscaler(chart, 'vpa', { target: { deployment }, updateMode: VpaUpdateMode.RECREATE, containerPolicies: [{ containerName: 'worker', controlledResources: [VpaResource.MEMORY] }] });
    expect(() => synth(chart)).toThrow('include memory, which HPA \'test/so\' scales \'test/worker\' on');

    const ok = testChart();
    const other = app(ok);
    new KedaScaledObject(ok, 'so', { target: { deployment: other }, maxReplicas: 10, triggers: [REDIS, KedaTrigger.cpuUtilization(70)] });
    new VerticalAutoscaler(ok, 'vpa', { target: { deployment: other }, updateMode: VpaUpdateMode.RECREATE, containerPolicies: [{ containerName: 'worker', controlledResources: [VpaResource.MEMORY] }] });
    expectValidManifests(synth(ok));
  });

  test('exposes its namespace and target', () => {
    const chart = testChart();
    const deployment = app(chart);
    const so = new KedaScaledObject(chart, 'so', { target: { deployment }, maxReplicas: 10, triggers: [REDIS] });
    expect(so.namespace).toBe('llm');
    expect(so.target.deployment).toBe(deployment);
    // An HPA is not allowed beside it: one replica owner.
    expect(() => new HorizontalAutoscaler(chart, 'hpa', { target: { deployment }, maxReplicas: 3, metrics: [HpaMetric.cpuUtilization(70)] })).toThrow('is already scaled by \'test/so\'');
  });
});
