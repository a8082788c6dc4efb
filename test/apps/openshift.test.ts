import { App } from 'cdk8s';
import { parse } from 'yaml';
import { OpenShiftScenario, THANOS_QUERIER_TENANCY, THANOS_QUERIER_WEB } from '../../apps/openshift';
import { allOfKind, containerOf, Manifest, oneOfKind, synth } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const CLUSTER_SCOPED = new Set(['ClusterRole', 'ClusterRoleBinding', 'APIService']);

describe('scenario 2: OpenShift', () => {
  const chart = new OpenShiftScenario(new App(), 'openshift');
  const manifests = synth(chart);
  const named = (kind: string, name: string): Manifest => {
    const found = allOfKind(manifests, kind).filter(m => m.metadata.name === name);
    if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
    return found[0];
  };
  const adapterRules = (): Manifest[] => parse(named('ConfigMap', 'thanos-adapter-config').data['config.yaml']).rules;

  test('strictly valid; every namespaced object in llm (but the adapter\'s auth-reader binding, which lives in kube-system)', () => {
    expectValidManifests(manifests);
    for (const m of manifests) {
      const expected = CLUSTER_SCOPED.has(m.kind) ? undefined : m.metadata.name === 'thanos-adapter-auth-reader' ? 'kube-system' : 'llm';
      expect(`${m.kind}/${m.metadata.name} in ${m.metadata.namespace}`).toBe(`${m.kind}/${m.metadata.name} in ${expected}`);
    }
  });

  describe('user-workload monitoring', () => {
    test('monitors carry no release label (and never openshift.io/user-monitoring: "false", which the user-workload Prometheus excludes)', () => {
      const monitors = allOfKind(manifests, 'PodMonitor');
      expect(monitors.map(m => m.metadata.name).sort()).toEqual(['llama-3-1-8b', 'qwen3-8b']);
      for (const m of monitors) {
        expect(m.metadata.labels ?? {}).not.toHaveProperty('release');
        expect(m.metadata.labels ?? {}).not.toHaveProperty('openshift.io/user-monitoring');
      }
    });

    test('each pool\'s NetworkPolicy admits the user-workload Prometheus pods on the vLLM port', () => {
      for (const pool of ['llama-3-1-8b', 'qwen3-8b']) {
        const ingress = named('NetworkPolicy', pool).spec.ingress as Manifest[];
        expect(ingress).toContainEqual({
          from: [{
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openshift-user-workload-monitoring' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/instance': 'user-workload' } },
          }],
          ports: [{ port: 8000, protocol: 'TCP' }],
        });
      }
    });
  });

  test('restricted-v2: no pod asks for a uid, gid or fsGroup; all run as non-root', () => {
    const workloads = allOfKind(manifests, 'Deployment');
    expect(workloads.map(d => d.metadata.name).sort()).toEqual(['llama-3-1-8b', 'qwen3-8b', 'thanos-adapter']);
    for (const d of workloads) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext).not.toHaveProperty('runAsUser');
      expect(pod.securityContext).not.toHaveProperty('runAsGroup');
      expect(pod.securityContext).not.toHaveProperty('fsGroup');
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect(c.securityContext ?? {}).not.toHaveProperty('runAsUser');
        expect(c.securityContext ?? {}).not.toHaveProperty('runAsGroup');
        // What restricted-v2 requires of every container besides the uid.
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' }, runAsNonRoot: true });
      }
    }
  });

  describe('prometheus-adapter through the Thanos querier', () => {
    const adapter = (): Manifest => named('Deployment', 'thanos-adapter');

    test('queries port 9091 over TLS with a bearer token file and the service CA', () => {
      const args: string[] = containerOf(adapter(), 'prometheus-adapter').args;
      expect(THANOS_QUERIER_WEB).toBe('https://thanos-querier.openshift-monitoring.svc:9091');
      expect(args).toEqual(expect.arrayContaining([
        `--prometheus-url=${THANOS_QUERIER_WEB}`,
        '--prometheus-token-file=/etc/prometheus-auth/token/token',
        '--prometheus-ca-file=/etc/prometheus-auth/ca/service-ca.crt',
      ]));
      expect(adapter().spec.template.spec.volumes).toEqual(expect.arrayContaining([
        { name: 'prometheus-token', secret: { secretName: 'adapter-thanos-reader-token', items: [{ key: 'token', path: 'token' }] } },
        { name: 'prometheus-ca', configMap: { name: 'openshift-service-ca.crt', items: [{ key: 'service-ca.crt', path: 'service-ca.crt' }] } },
      ]));
    });

    test('the token belongs to a service account bound to cluster-monitoring-view', () => {
      expect(named('Secret', 'adapter-thanos-reader-token')).toMatchObject({
        type: 'kubernetes.io/service-account-token', metadata: { annotations: { 'kubernetes.io/service-account.name': 'adapter-thanos-reader' } },
      });
      const binding = named('ClusterRoleBinding', 'llm-adapter-thanos-reader-cluster-monitoring-view');
      expect(binding.roleRef.name).toBe('cluster-monitoring-view');
      expect(binding.subjects).toEqual([expect.objectContaining({ kind: 'ServiceAccount', name: 'adapter-thanos-reader', namespace: 'llm' })]);
    });

    test('serves custom metrics only (no external metrics API: KEDA owns it)', () => {
      expect(allOfKind(manifests, 'APIService').map(a => a.metadata.name)).toEqual(['v1beta1.custom.metrics.k8s.io']);
    });
  });

  describe('HPA of llama-3-1-8b on request rate, p95 latency, GPU utilization and queue', () => {
    const hpa = (): Manifest => named('HorizontalPodAutoscaler', 'llama-3-1-8b');

    test('four Pods metrics, each served by an adapter rule', () => {
      const metrics = hpa().spec.metrics as Manifest[];
      expect(metrics.map(m => m.type)).toEqual(['Pods', 'Pods', 'Pods', 'Pods']);
      const served = adapterRules().map(r => r.name.as);
      expect(metrics.map(m => m.pods.metric.name)).toEqual(served);
      expect(metrics.map(m => m.pods.target.averageValue)).toEqual([4, 20, 85, 8]);
      expect(hpa().spec).toMatchObject({ minReplicas: 1, maxReplicas: 6, scaleTargetRef: { kind: 'Deployment', name: 'llama-3-1-8b' } });
    });

    test('the series behind them: vLLM request rate, a p95 over the buckets\' rate per pod, DCGM GPU_UTIL, the vLLM queue; all of this pool', () => {
      const [rate, p95, gpu, queue] = adapterRules();
      expect(rate.seriesQuery).toContain('__name__="vllm:request_success_total"');
      expect(rate.metricsQuery).toContain('sum(rate(<<.Series>>');
      expect(p95.seriesQuery).toContain('__name__="vllm:e2e_request_latency_seconds_bucket"');
      expect(p95.metricsQuery).toBe('histogram_quantile(0.95, sum by (le, <<.GroupBy>>) (rate(<<.Series>>{<<.LabelMatchers>>,pool="llama-3-1-8b",model_name="Llama-3.1-8B-Instruct"}[2m]))) >= 0');
      expect(gpu.seriesQuery).toContain('__name__="DCGM_FI_DEV_GPU_UTIL"');
      expect(gpu.seriesQuery).toContain('pod=~"llama-3-1-8b-[a-z0-9]+-[a-z0-9]+"');
      expect(queue.seriesQuery).toContain('__name__="vllm:num_requests_waiting"');
      for (const r of [rate, p95, queue]) expect(r.seriesQuery).toContain('pool="llama-3-1-8b"');
    });

    test('the GPU behavior: one pod at a time', () => {
      expect(hpa().spec.behavior.scaleUp.policies).toEqual([{ type: 'Pods', value: 1, periodSeconds: 180 }]);
    });
  });

  test('VPA in recommendation mode only', () => {
    expect(named('VerticalPodAutoscaler', 'llama-3-1-8b').spec).toMatchObject({
      targetRef: { kind: 'Deployment', name: 'llama-3-1-8b' }, updatePolicy: { updateMode: 'Off' },
    });
  });

  describe('KEDA through the Thanos querier tenancy port', () => {
    const so = (): Manifest => named('ScaledObject', 'qwen3-8b');

    test('every trigger: port 9092, namespace llm, bearer auth through one TriggerAuthentication', () => {
      const auth = oneOfKind(manifests, 'TriggerAuthentication');
      const triggers = so().spec.triggers as Manifest[];
      expect(triggers.map(t => t.name)).toEqual(['queue_depth', 'running_requests']);
      // Whole-number thresholds: safe on a KEDA older than 2.18 (the Custom Metrics Autoscaler may trail).
      expect(triggers.map(t => t.metadata.threshold)).toEqual(['8', '48']);
      for (const t of triggers) {
        expect(t.metadata).toMatchObject({ serverAddress: THANOS_QUERIER_TENANCY, namespace: 'llm', authModes: 'bearer', ignoreNullValues: 'false' });
        expect(t.authenticationRef).toEqual({ name: auth.metadata.name });
      }
      expect(THANOS_QUERIER_TENANCY).toBe('https://thanos-querier.openshift-monitoring.svc:9092');
    });

    test('the TriggerAuthentication: bearerToken from the reader\'s token Secret, ca from the service CA ConfigMap', () => {
      expect(oneOfKind(manifests, 'TriggerAuthentication').spec).toEqual({
        secretTargetRef: [{ parameter: 'bearerToken', name: 'keda-thanos-reader-token', key: 'token' }],
        configMapTargetRef: [{ parameter: 'ca', name: 'openshift-service-ca.crt', key: 'service-ca.crt' }],
      });
    });

    test('the KEDA token may only read this namespace\'s metrics', () => {
      expect(named('Role', 'keda-thanos-reader-tenancy').rules).toEqual([{ apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['get'] }]);
      expect(named('RoleBinding', 'keda-thanos-reader-tenancy').subjects).toEqual([expect.objectContaining({ name: 'keda-thanos-reader' })]);
      const clusterBindings = allOfKind(manifests, 'ClusterRoleBinding').filter(b => (b.subjects ?? []).some((s: Manifest) => s.name === 'keda-thanos-reader'));
      expect(clusterBindings).toEqual([]);
    });

    test('a fallback holds the GPU pool on a metrics outage', () => {
      expect(so().spec.fallback).toMatchObject({ replicas: 1, behavior: 'currentReplicasIfHigher' });
    });
  });
});
