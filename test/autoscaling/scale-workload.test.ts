import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  Accelerator, HorizontalAutoscaler, HpaMetric, KedaScaledObject, KedaTrigger, ScaleTarget, VerticalAutoscaler, VpaUpdateMode,
} from '../../lib';
import { hpaScaledResources, replicaOwner } from '../../lib/autoscaling/_ownership';
import { FakeLeaderWorkerSet } from './_fake-workload';
import { Manifest, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const PROMETHEUS = 'http://prometheus-operated.monitoring.svc.cluster.local:9090';
const queue = KedaTrigger.prometheus({ serverAddress: PROMETHEUS, query: 'sum(vllm:num_requests_waiting{namespace="llm"})', threshold: 5, name: 'queue' });
const LWS_REF = { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: 'big' };
const EXACTLY_ONE = 'must set exactly one of \'deployment\' (a cdk8s-plus Deployment) and \'workload\' (a ScalableWorkload, such as a MultiNodeVllmPool\'s LeaderWorkerSet)';

function lwsOf(manifests: Manifest[]): Manifest {
  return oneOfKind(manifests, 'LeaderWorkerSet');
}

describe('the fake LeaderWorkerSet', () => {
  test('renders spec.replicas while no autoscaler owns it, and is strictly valid', () => {
    const chart = testChart();
    new FakeLeaderWorkerSet(chart, 'big', { replicas: 3 });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    expect(lwsOf(manifests).spec.replicas).toBe(3);
  });
});

describe('HorizontalAutoscaler on a workload', () => {
  function render(): { manifests: Manifest[]; hpa: HorizontalAutoscaler; workload: FakeLeaderWorkerSet } {
    const chart = testChart();
    const workload = new FakeLeaderWorkerSet(chart, 'big');
    const hpa = new HorizontalAutoscaler(chart, 'hpa', { target: { workload }, maxReplicas: 4, metrics: [HpaMetric.cpuUtilization(70)] });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    return { manifests, hpa, workload };
  }

  test('scaleTargetRef is the workload\'s; the HPA is named like it, in its namespace', () => {
    const { manifests, hpa } = render();
    const rendered = oneOfKind(manifests, 'HorizontalPodAutoscaler');
    expect(rendered.spec.scaleTargetRef).toEqual(LWS_REF);
    expect(hpa.scaleTargetRef).toEqual(LWS_REF);
    expect([hpa.name, rendered.metadata.name, rendered.metadata.namespace]).toEqual(['big', 'big', 'llm']);
    expect(rendered.metadata.labels['app.kubernetes.io/name']).toBe('vllm');
    expect([rendered.spec.minReplicas, rendered.spec.maxReplicas]).toEqual([1, 4]);
  });

  test('the HPA owns the replicas: the workload renders no spec.replicas', () => {
    const { manifests, hpa, workload } = render();
    expect(lwsOf(manifests).spec).not.toHaveProperty('replicas');
    expect(replicaOwner(workload)).toBe(hpa);
    expect([...hpaScaledResources(workload).keys()]).toEqual(['cpu']);
  });

  test('a name of its own', () => {
    const chart = testChart();
    const workload = new FakeLeaderWorkerSet(chart, 'big');
    new HorizontalAutoscaler(chart, 'hpa', { target: { workload }, name: 'big-groups', maxReplicas: 4, metrics: [HpaMetric.cpuUtilization(70)] });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    expect(oneOfKind(manifests, 'HorizontalPodAutoscaler').metadata.name).toBe('big-groups');
  });
});

describe('KedaScaledObject on a workload', () => {
  test('scaleTargetRef is the workload\'s, named like it; the workload renders no spec.replicas', () => {
    const chart = testChart();
    const workload = new FakeLeaderWorkerSet(chart, 'big');
    const so = new KedaScaledObject(chart, 'so', {
      target: { workload, accelerator: Accelerator.nvidiaGpu(8) }, maxReplicas: 3, triggers: [queue], fallback: { replicas: 1 },
    });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const rendered = oneOfKind(manifests, 'ScaledObject');
    expect(rendered.spec.scaleTargetRef).toEqual(LWS_REF);
    expect(so.scaleTargetRef).toEqual(LWS_REF);
    expect([so.name, so.hpaName, rendered.metadata.name]).toEqual(['big', 'keda-hpa-big', 'big']);
    expect(lwsOf(manifests).spec).not.toHaveProperty('replicas');
    expect(replicaOwner(workload)).toBe(so);
  });

  test('a cpu trigger is checked against the workload\'s containers', () => {
    const chart = testChart();
    const workload = new FakeLeaderWorkerSet(chart, 'big', { containers: [{ name: 'vllm', memory: '1Gi' }] });
    expect(() => new KedaScaledObject(chart, 'so', { target: { workload }, maxReplicas: 3, triggers: [queue, KedaTrigger.cpuUtilization(70)] })).toThrow(new Error(
      '\'triggers[1]\' ("cpu") needs a cpu request on every container of \'test/big\': utilization is measured against requests (container "vllm" has neither a request nor a limit)'));
  });
});

describe('bad input', () => {
  function hpaOn(target: unknown, chart: Chart = testChart()): HorizontalAutoscaler {
    return new HorizontalAutoscaler(chart, 'hpa', { target: target as ScaleTarget, maxReplicas: 4, metrics: [HpaMetric.cpuUtilization(70)] });
  }
  function kedaOn(target: unknown, chart: Chart = testChart()): KedaScaledObject {
    return new KedaScaledObject(chart, 'so', { target: target as ScaleTarget, maxReplicas: 4, triggers: [queue] });
  }

  test.each([['HPA', hpaOn], ['KEDA', kedaOn]])('%s: both deployment and workload, or neither', (_kind, make) => {
    const chart = testChart();
    const workload = new FakeLeaderWorkerSet(chart, 'big');
    const deployment = new kplus.Deployment(chart, 'app', { containers: [{ image: 'nginx:1.27.0' }] });
    expect(() => make({ deployment, workload }, chart)).toThrow(new Error(`'target' (["deployment","workload"]) ${EXACTLY_ONE}`));
    expect(() => make({ accelerator: Accelerator.cpu() })).toThrow(new Error(`'target' ([]) ${EXACTLY_ONE}`));
    // A refused autoscaler keeps no replicas.
    expect([replicaOwner(workload), replicaOwner(deployment)]).toEqual([undefined, undefined]);
  });

  test('a target that is no object', () => {
    expect(() => hpaOn('app')).toThrow(new Error('\'target\' ("app") must be a VllmPool, a LiteLLMProxy, { deployment } or { workload }'));
    expect(() => kedaOn(5)).toThrow(new Error('\'target\' (5) must be a VllmPool, a LiteLLMProxy, { deployment } or { workload }'));
  });

  test('KEDA: a Deployment of another namespace is refused too', () => {
    const app = Testing.app();
    const deployment = new kplus.Deployment(new Chart(app, 'serving', { namespace: 'serving' }), 'app', { containers: [{ image: 'nginx:1.27.0' }] });
    expect(() => kedaOn({ deployment }, new Chart(app, 'ops', { namespace: 'ops' }))).toThrow(new Error('\'target\' ("serving/app") is in namespace "serving", the ScaledObject in "ops": scaleTargetRef names a Deployment of the ScaledObject\'s own namespace; create the autoscaler in the target\'s Chart'));
  });

  test('a workload that is no ScalableWorkload', () => {
    const message = '\'target.workload\' (["scaleTargetRef"]) must be a ScalableWorkload: a construct with scaleTargetRef { apiVersion, kind, name }, namespace, podLabels, containersWithoutRequest() and markHasAutoscaler(), such as a MultiNodeVllmPool\'s workload';
    expect(() => hpaOn({ workload: { scaleTargetRef: LWS_REF } })).toThrow(new Error(message));
    expect(() => kedaOn({ workload: { scaleTargetRef: LWS_REF } })).toThrow(new Error(message));
    expect(() => hpaOn({ workload: 'big' })).toThrow(new Error('\'target.workload\' ("big") must be a ScalableWorkload: a construct with scaleTargetRef { apiVersion, kind, name }, namespace, podLabels, containersWithoutRequest() and markHasAutoscaler(), such as a MultiNodeVllmPool\'s workload'));
  });

  test('a scaleTargetRef name that is no object name', () => {
    const chart = testChart();
    const workload = new FakeLeaderWorkerSet(chart, 'big', { name: 'Big_Model' });
    expect(() => hpaOn({ workload }, chart)).toThrow(new Error('\'target.workload.scaleTargetRef.name\' ("Big_Model") must be a DNS-1123 subdomain: the name of the object to scale'));
  });

  test('containersWithoutRequest() that returns no list', () => {
    const chart = testChart();
    const workload = new FakeLeaderWorkerSet(chart, 'big');
    (workload as any).containersWithoutRequest = () => 'vllm';
    expect(() => hpaOn({ workload }, chart)).toThrow(new Error('\'target.workload\' ("test/big") returned "vllm" from containersWithoutRequest(\'cpu\'): it must return a list of container names'));
  });

  test('a workload with fixed replicas', () => {
    const chart = testChart();
    const workload = new FakeLeaderWorkerSet(chart, 'big', { replicas: 2 });
    expect(() => hpaOn({ workload }, chart)).toThrow(new Error('\'target\' ("test/big") has a fixed replicas (2): leave \'replicas\' unset on a workload an autoscaler owns, or Argo CD and the HorizontalPodAutoscaler fight over it'));
    expect(() => kedaOn({ workload }, chart)).toThrow(new Error('\'target\' ("test/big") has a fixed replicas (2): leave \'replicas\' unset on a workload an autoscaler owns, or Argo CD and the KEDA ScaledObject fight over it'));
  });

  test('a second replica owner', () => {
    const chart = testChart();
    const workload = new FakeLeaderWorkerSet(chart, 'big');
    hpaOn({ workload }, chart);
    expect(() => kedaOn({ workload }, chart)).toThrow(new Error('\'target\' ("test/big") is already scaled by \'test/hpa\': at most one replica-owning autoscaler (HPA or KEDA ScaledObject) per workload; remove one of \'test/hpa\' and this KEDA ScaledObject \'test/so\''));
  });

  test('a workload of another namespace', () => {
    const app = Testing.app();
    const workload = new FakeLeaderWorkerSet(new Chart(app, 'serving', { namespace: 'serving' }), 'big');
    const ops = new Chart(app, 'ops', { namespace: 'ops' });
    expect(() => hpaOn({ workload }, ops)).toThrow(new Error('\'target\' ("serving/big") is in namespace "serving", the autoscaler in "ops": scaleTargetRef names a LeaderWorkerSet of the HPA\'s own namespace; create the autoscaler in the target\'s Chart'));
    expect(() => kedaOn({ workload }, ops)).toThrow(new Error('\'target\' ("serving/big") is in namespace "serving", the ScaledObject in "ops": scaleTargetRef names a LeaderWorkerSet of the ScaledObject\'s own namespace; create the autoscaler in the target\'s Chart'));
  });

  test('cpu on an accelerator workload is refused, naming the workload', () => {
    const chart = testChart();
    const workload = new FakeLeaderWorkerSet(chart, 'big');
    expect(() => new HorizontalAutoscaler(chart, 'hpa', { target: { workload, accelerator: Accelerator.nvidiaGpu(8) }, maxReplicas: 4, metrics: [HpaMetric.cpuUtilization(70)] }))
      .toThrow(new Error('\'metrics[0]\' ("cpu") scales accelerator pool \'test/big\' (nvidia.com/gpu) on cpu, which says nothing about its load: the accelerator does the work, so cpu stays flat while requests queue; scale it on its queue (pool.autoscale() with LlmSignal.queueDepth, or HpaMetric.adapterPods(adapter.addPodsMetric(pool.metricRequestsWaiting()), 5)); to add cpu as a guard beside such a signal, use HpaMetric.cpuGuard(percent)'));
    expect(() => new KedaScaledObject(chart, 'so', { target: { workload, accelerator: Accelerator.nvidiaGpu(8) }, maxReplicas: 4, triggers: [queue] }))
      .toThrow(new Error('\'fallback\' (undefined) is required on accelerator pool \'test/big\' (nvidia.com/gpu): without one, the pool drops to minReplicas whenever its metrics go missing (a Prometheus restart, a broken scrape) and each lost pod costs a model load; set fallback: { replicas: n } (KEDA then holds at least n, or the current replicas if more)'));
  });

  test('a container without a request: at construction, and when added later at synth', () => {
    const chart = testChart();
    const workload = new FakeLeaderWorkerSet(chart, 'big', { containers: [{ name: 'vllm', cpu: '4' }] });
    expect(() => new HorizontalAutoscaler(chart, 'mem', { target: { workload }, maxReplicas: 4, metrics: [HpaMetric.memoryUtilization(70)] }))
      .toThrow(new Error('\'metrics[0]\' ("memory") needs a memory request on every container of \'test/big\': utilization is measured against requests (container "vllm" has neither a request nor a limit)'));
    hpaOn({ workload }, chart);
    workload.containers.push({ name: 'sidecar' });
    expect(() => synth(chart)).toThrow('\'metrics[0]\' ("cpu") needs a cpu request on every container of \'test/big\': utilization is measured against requests (container "sidecar" has neither a request nor a limit)');
  });

  test('VerticalAutoscaler refuses a workload target', () => {
    const chart = testChart();
    const workload = new FakeLeaderWorkerSet(chart, 'big');
    expect(() => new VerticalAutoscaler(chart, 'vpa', { target: { workload }, updateMode: VpaUpdateMode.OFF })).toThrow(new Error(
      '\'target.workload\' ("test/big") is not a Deployment: a VerticalAutoscaler sizes Deployments only (VPA on a LeaderWorkerSet would see its leader pods only, never the workers); size a multi-node pool\'s containers by hand, or scale it horizontally with a HorizontalAutoscaler or KedaScaledObject'));
  });
});
