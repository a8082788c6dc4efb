import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  HorizontalAutoscaler, HpaMetric, LiteLLMProxy, PrometheusAdapter, LiteLLMProxyProps, ModelDeployment, ProxyAutoscaleOptions, ScalingPolicyType,
} from '../../lib';
import { hpaScaledResources, replicaOwner } from '../../lib/autoscaling/_ownership';
import { Manifest, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const MASTER_KEY = { secretName: 'litellm', key: 'master-key' };
const LLAMA: ModelDeployment = { modelName: 'llama', model: 'hosted_vllm/llama', apiBase: 'http://llama.llm.svc.cluster.local:8000/v1' };

/** A proxy `proxy` with one model, in a fresh test chart. */
function newProxy(props: Partial<LiteLLMProxyProps> = {}): LiteLLMProxy {
  const proxy = new LiteLLMProxy(testChart(), 'proxy', { masterKey: MASTER_KEY, ...props });
  proxy.addModel(LLAMA);
  return proxy;
}

/** An autoscaled proxy, synthesized and strictly validated. */
function render(options?: ProxyAutoscaleOptions): { manifests: Manifest[]; hpa: Manifest; deployment: Manifest; autoscaler: HorizontalAutoscaler; proxy: LiteLLMProxy } {
  const proxy = newProxy();
  const autoscaler = proxy.autoscale(options);
  const manifests = synth(Chart.of(proxy));
  expectValidManifests(manifests);
  return { manifests, proxy, autoscaler, hpa: oneOfKind(manifests, 'HorizontalPodAutoscaler'), deployment: oneOfKind(manifests, 'Deployment') };
}

describe('defaults', () => {
  const { hpa, deployment, autoscaler, proxy } = render();

  test('an HPA child of the proxy with id Autoscaler, on the proxy Deployment', () => {
    expect(autoscaler.node.path).toBe('test/proxy/Autoscaler');
    expect(autoscaler.target).toBe(proxy);
    expect(hpa.metadata.name).toBe(autoscaler.name);
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
  });

  test('2 to 10 replicas', () => {
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.maxReplicas).toBe(10);
  });

  test('cpu 70 % and memory 80 % utilization', () => {
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
  });

  test('the seed behavior', () => {
    expect(hpa.spec.behavior).toEqual({
      scaleUp: {
        stabilizationWindowSeconds: 60,
        selectPolicy: 'Max',
        policies: [{ type: 'Percent', value: 100, periodSeconds: 60 }, { type: 'Pods', value: 2, periodSeconds: 60 }],
      },
      scaleDown: {
        stabilizationWindowSeconds: 300,
        selectPolicy: 'Min',
        policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }, { type: 'Pods', value: 1, periodSeconds: 60 }],
      },
    });
  });

  test('no spec.replicas on the proxy Deployment', () => {
    expect(deployment.spec.replicas).toBeUndefined();
    expect(replicaOwner(proxy.deployment)).toBe(autoscaler);
  });

  test('cpu and memory are recorded as HPA-scaled resources of the proxy Deployment', () => {
    expect([...hpaScaledResources(proxy.deployment).keys()]).toEqual(['cpu', 'memory']);
  });

  test('labels: litellm, the proxy instance, component autoscaler', () => {
    expect(hpa.metadata.labels['app.kubernetes.io/name']).toBe('litellm');
    expect(hpa.metadata.labels['app.kubernetes.io/instance']).toBe(deployment.metadata.labels['app.kubernetes.io/instance']);
    expect(hpa.metadata.labels['app.kubernetes.io/component']).toBe('autoscaler');
  });
});

describe('options', () => {
  test('replicas, utilization targets and behavior as given', () => {
    const behavior = { scaleUp: { policies: [{ type: ScalingPolicyType.PODS, value: 4, period: Duration.seconds(30) }] } };
    const { hpa } = render({ minReplicas: 3, maxReplicas: 20, cpuUtilization: 60, memoryUtilization: 90, behavior });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 20]);
    expect(hpa.spec.metrics.map((m: Manifest) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([['cpu', 60], ['memory', 90]]);
    expect(hpa.spec.behavior).toEqual({ scaleUp: { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 30 }] } });
  });

  test('extra metrics come after cpu and memory', () => {
    const proxy = newProxy();
    const served = new PrometheusAdapter(Chart.of(proxy), 'adapter', { configMapName: 'adapter-rules' }).addPodsMetric(proxy.metricRequests());
    proxy.autoscale({ extraMetrics: [HpaMetric.adapterPods(served, 2.5)] });
    const manifests = synth(Chart.of(proxy));
    expectValidManifests(manifests);
    const hpa = oneOfKind(manifests, 'HorizontalPodAutoscaler');
    expect(hpa.spec.metrics).toHaveLength(3);
    expect(hpa.spec.metrics[2]).toEqual({
      type: 'Pods',
      pods: { metric: { name: served.name }, target: { type: 'AverageValue', averageValue: '2500m' } },
    });
  });

  test('maxReplicas below the default minimum is refused', () => {
    expect(() => newProxy().autoscale({ maxReplicas: 1 })).toThrow(new Error("'minReplicas' (2) must be less than or equal to 'maxReplicas' (1)"));
  });

  test('an invalid extra metric is refused with its index', () => {
    expect(() => newProxy().autoscale({ extraMetrics: [HpaMetric.pods('litellm:rps', 1)] }))
      .toThrow(new Error("'metrics[2].metricName' (\"litellm:rps\") must not contain ':': it is no valid name for a metric the Kubernetes metrics APIs serve; rename the series in the adapter rule (prometheus-adapter name.as, e.g. vllm:num_requests_waiting as vllm_num_requests_waiting)"));
  });
});

describe('errors', () => {
  test('a second autoscale() call', () => {
    const proxy = newProxy();
    proxy.autoscale();
    expect(() => proxy.autoscale({ maxReplicas: 4 }))
      .toThrow(new Error("'autoscale()' (\"test/proxy/Autoscaler\") was already called on LiteLLMProxy 'test/proxy': one autoscaler per proxy; pass every metric to a single call (extraMetrics)"));
  });

  test('a proxy with fixed replicas', () => {
    expect(() => newProxy({ replicas: 3 }).autoscale())
      .toThrow(new Error("'target' (\"test/proxy/Resource\") has a fixed replicas (3): leave 'replicas' unset on a workload an autoscaler owns, or Argo CD and the HorizontalPodAutoscaler fight over it"));
  });

  test('another HPA already on the proxy Deployment', () => {
    const proxy = newProxy();
    new HorizontalAutoscaler(Chart.of(proxy), 'hpa', { target: proxy, maxReplicas: 4, metrics: [HpaMetric.pods('m', 1)] });
    expect(() => proxy.autoscale())
      .toThrow(new Error("'target' (\"test/proxy/Resource\") is already scaled by 'test/hpa': at most one replica-owning autoscaler (HPA or KEDA ScaledObject) per workload; remove one of 'test/hpa' and this HorizontalPodAutoscaler 'test/proxy/Autoscaler'"));
  });

  test('resources without a memory request or limit', () => {
    expect(() => newProxy({ resources: { cpu: { request: kplus.Cpu.millis(500) } } }).autoscale())
      .toThrow(new Error("'metrics[1]' (\"memory\") needs a memory request on every container of 'test/proxy/Resource': utilization is measured against requests (container \"litellm\" has neither a request nor a limit)"));
  });

  test('custom resources with requests are accepted', () => {
    const proxy = newProxy({ resources: { cpu: { request: kplus.Cpu.millis(250) }, memory: { request: Size.mebibytes(512) } } });
    expect(() => proxy.autoscale()).not.toThrow();
  });
});
