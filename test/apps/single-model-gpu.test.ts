import { App } from 'cdk8s';
import { parse } from 'yaml';
import { ReferenceMonitoring } from '../../apps/reference-monitoring';
import { SingleModelGpu } from '../../apps/single-model-gpu';
import { containerOf, Manifest, oneOfKind, synth } from '../util/synth';
import { expectValidManifests } from '../util/validate';

/** The scenario with the cluster's monitoring stack it plugs into (dcgm-exporter and the adapter), in a fresh App. */
function build() {
  const app = new App();
  const monitoring = new ReferenceMonitoring(app, 'reference-monitoring');
  const stack = new SingleModelGpu(app, 'single-model-gpu', { adapter: monitoring.adapter });
  const manifests = synth(stack);
  const monitoringManifests = synth(monitoring);
  return { stack, manifests, monitoringManifests };
}

describe('single-model GPU service (scenario 5)', () => {
  const { stack, manifests, monitoringManifests } = build();
  const deployment = oneOfKind(manifests, 'Deployment');
  const vllm = containerOf(deployment, 'vllm');

  test('every object is strictly valid, in namespace llm-single-model', () => {
    expectValidManifests([...manifests, ...monitoringManifests]);
    for (const m of manifests) expect(m.metadata.namespace).toBe('llm-single-model');
  });

  test('no proxy: the pool\'s own LoadBalancer on port 80 forwards to vLLM\'s 8000 and keeps client addresses', () => {
    const service = oneOfKind(manifests, 'Service');
    expect(service.metadata.name).toBe('llama-3-1-8b');
    expect(service.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, targetPort: 8000 }] });
    expect(vllm.ports).toEqual([{ containerPort: 8000, name: 'http' }]);
    expect(manifests.filter(m => m.kind === 'Deployment').map(m => m.metadata.name)).toEqual(['llama-3-1-8b']);
  });

  test('the NetworkPolicy admits the typed client CIDR and Prometheus on 8000, nothing else', () => {
    const np = oneOfKind(manifests, 'NetworkPolicy');
    expect(np.spec.ingress).toEqual([
      { from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 8000, protocol: 'TCP' }] },
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
        ports: [{ port: 8000, protocol: 'TCP' }],
      },
    ]);
  });

  test('the API key comes from a Secret', () => {
    const env = Object.fromEntries(vllm.env.map((e: Manifest) => [e.name, e]));
    expect(env.VLLM_API_KEY.valueFrom.secretKeyRef).toEqual({ name: 'vllm-api-key', key: 'api-key' });
  });

  test('model cache: a ReadWriteMany claim mounted as the Hugging Face cache', () => {
    const pvc = oneOfKind(manifests, 'PersistentVolumeClaim');
    expect(pvc.metadata.name).toBe('llama-3-1-8b-model-cache');
    expect(pvc.spec).toMatchObject({ accessModes: ['ReadWriteMany'], storageClassName: 'efs-sc', resources: { requests: { storage: '50Gi' } } });
    const volume = deployment.spec.template.spec.volumes.find((v: Manifest) => v.persistentVolumeClaim?.claimName === pvc.metadata.name);
    expect(vllm.volumeMounts.find((m: Manifest) => m.name === volume.name).mountPath).toBe('/models');
  });

  test('ready only once the model is loaded: readiness and startup list the served model on /v1/models', () => {
    for (const probe of [vllm.readinessProbe, vllm.startupProbe]) {
      const script = probe.exec.command.join(' ');
      expect(script).toContain('/v1/models');
      expect(script).toContain('"llama-3-1-8b"');
    }
  });

  test('HPA 1 to 4 on 5 requests waiting per pod, with CPU at 85 % only as a guard', () => {
    const hpa = oneOfKind(manifests, 'HorizontalPodAutoscaler');
    expect(hpa.metadata.name).toBe('llama-3-1-8b');
    expect(hpa.spec).toMatchObject({ minReplicas: 1, maxReplicas: 4, scaleTargetRef: { kind: 'Deployment', name: 'llama-3-1-8b' } });
    expect(hpa.spec.metrics).toEqual([
      { type: 'Pods', pods: { metric: { name: 'llama_3_1_8b_single_num_requests_waiting' }, target: { type: 'AverageValue', averageValue: 5 } } },
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 85 } } },
    ]);
    expect(stack.autoscaler.metrics.map(m => m.guard)).toEqual([false, true]);
    // The HPA owns the replicas.
    expect(deployment.spec.replicas).toBeUndefined();
  });

  test('DCGM → Prometheus → adapter: the exporter keeps the workload\'s pod labels, the adapter serves the pool\'s queue and its GPU utilization averaged per pod', () => {
    const dcgmMonitor = monitoringManifests.find(m => m.kind === 'ServiceMonitor' && m.metadata.name.includes('dcgm'))!;
    expect(dcgmMonitor.spec.endpoints[0].honorLabels).toBe(true);
    const config = parse(oneOfKind(monitoringManifests, 'ConfigMap', 'prometheus-adapter').data['config.yaml']);
    const rule = (as: string) => config.rules.find((r: Manifest) => r.name.as === as);
    expect(rule('llama_3_1_8b_single_gpu_utilization')).toEqual({
      seriesQuery: '{__name__="DCGM_FI_DEV_GPU_UTIL",namespace="llm-single-model",pod=~"llama-3-1-8b-[a-z0-9]+-[a-z0-9]+"}',
      resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
      name: { matches: '^DCGM_FI_DEV_GPU_UTIL$', as: 'llama_3_1_8b_single_gpu_utilization' },
      metricsQuery: 'avg(<<.Series>>{<<.LabelMatchers>>,pod=~"llama-3-1-8b-[a-z0-9]+-[a-z0-9]+"}) by (<<.GroupBy>>)',
    });
    expect(rule('llama_3_1_8b_single_num_requests_waiting').metricsQuery)
      .toBe('sum(<<.Series>>{<<.LabelMatchers>>,pool="llama-3-1-8b",model_name="llama-3-1-8b"}) by (<<.GroupBy>>)');
    // Prometheus scrapes the pool, and the PodMonitor puts the pool label on its series.
    expect(oneOfKind(manifests, 'PodMonitor').spec.podMetricsEndpoints[0].relabelings)
      .toContainEqual({ sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], targetLabel: 'pool', action: 'replace' });
  });
});
