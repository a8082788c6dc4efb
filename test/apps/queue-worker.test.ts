import { App } from 'cdk8s';
import { parse } from 'yaml';
import { buildApp } from '../../apps/app';
import { API_IMAGE, QueueWorkerScenario, WORKER_IMAGE } from '../../apps/queue-worker';
import { allOfKind, containerOf, Manifest, synth } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const CLUSTER_SCOPED = new Set(['ClusterRole', 'ClusterRoleBinding', 'APIService']);

describe('scenario 3: queue worker', () => {
  const chart = new QueueWorkerScenario(new App(), 'queue-worker');
  const manifests = synth(chart);
  const named = (kind: string, name: string): Manifest => {
    const found = allOfKind(manifests, kind).filter(m => m.metadata.name === name);
    if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
    return found[0];
  };

  test('strictly valid; every namespaced object in queue-worker (but the adapter\'s auth-reader binding, in kube-system)', () => {
    expectValidManifests(manifests);
    for (const m of manifests) {
      const expected = CLUSTER_SCOPED.has(m.kind) ? undefined : m.metadata.name === 'queue-adapter-auth-reader' ? 'kube-system' : 'queue-worker';
      expect(`${m.kind}/${m.metadata.name} in ${m.metadata.namespace}`).toBe(`${m.kind}/${m.metadata.name} in ${expected}`);
    }
  });

  describe('the user\'s Deployments', () => {
    test.each([['summarizer-worker', WORKER_IMAGE], ['search-api', API_IMAGE]])('%s: the user\'s image, stable selector, no path hash in the pod template, no replicas (its autoscaler owns them)', (name, image) => {
      const d = named('Deployment', name);
      expect(containerOf(d, name).image).toBe(image);
      expect(d.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': name } });
      expect(d.spec.template.metadata.labels).toEqual({ 'app.kubernetes.io/name': name });
      expect(d.spec).not.toHaveProperty('replicas');
      expect(containerOf(d, name).resources.requests).toHaveProperty('cpu');
      expect(containerOf(d, name).resources.requests).toHaveProperty('memory');
      expect(containerOf(d, name).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true });
    });

    test('no vLLM image among them', () => {
      for (const name of ['summarizer-worker', 'search-api']) expect(containerOf(named('Deployment', name), name).image).not.toContain('vllm');
    });
  });

  describe('KEDA on the worker: a Redis list plus a Prometheus query', () => {
    const so = (): Manifest => named('ScaledObject', 'summarizer-worker');

    test('0 to 30 replicas, the list wakes it from zero, a fallback of 2 on a metrics outage', () => {
      expect(so().spec).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 30, cooldownPeriod: 300, fallback: { replicas: 2 } });
    });

    test('redis: list name and a per-replica target; the password only in the TriggerAuthentication', () => {
      const redis = so().spec.triggers.find((t: Manifest) => t.type === 'redis');
      expect(redis).toMatchObject({
        name: 'backlog', metricType: 'AverageValue',
        metadata: { address: 'redis-master.redis.svc.cluster.local:6379', listName: 'summarize-jobs', listLength: '20' },
      });
      expect(redis.metadata).not.toHaveProperty('password');
      const auth = named('TriggerAuthentication', redis.authenticationRef.name);
      expect(auth.spec.secretTargetRef).toEqual([{ parameter: 'password', name: 'worker-redis', key: 'password' }]);
    });

    test('prometheus: one element (a sum), a vanished metric is an error (the fallback holds)', () => {
      const prom = so().spec.triggers.find((t: Manifest) => t.type === 'prometheus');
      expect(prom.metadata).toEqual({
        serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090',
        query: 'sum(worker_jobs_in_progress{namespace="queue-worker"})',
        threshold: '8',
        ignoreNullValues: 'false',
      });
    });
  });

  describe('the API: HPA 3 to 50 on CPU and p99 latency, with behavior', () => {
    const hpa = (): Manifest => named('HorizontalPodAutoscaler', 'search-api');

    test('bounds and metrics', () => {
      expect(hpa().spec).toMatchObject({ minReplicas: 3, maxReplicas: 50, scaleTargetRef: { kind: 'Deployment', name: 'search-api' } });
      expect(hpa().spec.metrics).toEqual([
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        { type: 'Pods', pods: { metric: { name: 'http_request_duration_seconds_p99' }, target: { type: 'AverageValue', averageValue: '300m' } } },
      ]);
    });

    test('the p99 is served by the adapter: a quantile over the buckets\' rate per pod, in this namespace', () => {
      const config = parse(named('ConfigMap', 'queue-adapter-config').data['config.yaml']);
      expect(config.rules).toEqual([{
        seriesQuery: '{__name__="http_request_duration_seconds_bucket",namespace="queue-worker",pod!=""}',
        resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
        name: { matches: '^http_request_duration_seconds_bucket$', as: 'http_request_duration_seconds_p99' },
        metricsQuery: 'histogram_quantile(0.99, sum by (le, <<.GroupBy>>) (rate(<<.Series>>{<<.LabelMatchers>>}[2m]))) >= 0',
      }]);
      expect(config).not.toHaveProperty('externalRules');
    });

    test('behavior: up at once by the larger of 100 % and 4 pods per 15 s; down after 5 minutes by 10 % a minute', () => {
      expect(hpa().spec.behavior).toEqual({
        scaleUp: {
          stabilizationWindowSeconds: 0, selectPolicy: 'Max',
          policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }],
        },
        scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Min', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] },
      });
    });

    test('a ServiceMonitor on its Service\'s http port, found by kube-prometheus-stack', () => {
      const sm = named('ServiceMonitor', 'search-api');
      const svc = named('Service', 'search-api');
      expect(sm.metadata.labels).toEqual({ release: 'kube-prometheus-stack' });
      expect(sm.spec.selector.matchLabels).toEqual(svc.metadata.labels);
      expect(sm.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
      expect(svc.spec.ports).toEqual([expect.objectContaining({ name: 'http', port: 8080 })]);
      expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': 'search-api' });
    });

    test('a memory-only VPA beside the CPU HPA', () => {
      expect(named('VerticalPodAutoscaler', 'search-api').spec).toEqual({
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'search-api' },
        updatePolicy: { updateMode: 'Recreate' },
        resourcePolicy: {
          containerPolicies: [{ containerName: 'search-api', controlledResources: ['memory'], minAllowed: { memory: '256Mi' }, maxAllowed: { memory: '2Gi' } }],
        },
      });
    });
  });

  describe('90 % spot / 10 % on-demand in one model group', () => {
    const config = (): Manifest => parse(named('ConfigMap', 'litellm-config').data['config.yaml']);

    test('two backends of llama-3-1-8b weighted 9 and 1 under simple-shuffle', () => {
      const entries = (config().model_list as Manifest[]).filter(m => m.model_name === 'llama-3-1-8b');
      expect(entries.map(e => [e.litellm_params.api_base, e.litellm_params.weight])).toEqual([
        ['http://llama-3-1-8b-spot.queue-worker.svc.cluster.local:8000/v1', 9],
        ['http://llama-3-1-8b-on-demand.queue-worker.svc.cluster.local:8000/v1', 1],
      ]);
      expect(entries.every(e => e.litellm_params.rpm === undefined)).toBe(true);
      expect(config().router_settings.routing_strategy).toBe('simple-shuffle');
    });

    test.each([['llama-3-1-8b-spot', 'spot'], ['llama-3-1-8b-on-demand', 'on-demand']])('%s prefers (never requires) %s nodes', (name, capacity) => {
      const affinity = named('Deployment', name).spec.template.spec.affinity.nodeAffinity;
      expect(affinity.preferredDuringSchedulingIgnoredDuringExecution).toContainEqual({
        weight: 100,
        preference: { matchExpressions: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: [capacity] }] },
      });
      const required = JSON.stringify(affinity.requiredDuringSchedulingIgnoredDuringExecution ?? {});
      expect(required).not.toContain('capacity-type');
    });

    test('each pool scales on its own queue', () => {
      for (const name of ['llama-3-1-8b-spot', 'llama-3-1-8b-on-demand']) {
        const so = named('ScaledObject', name);
        expect(so.spec.triggers.map((t: Manifest) => t.metadata.query)).toEqual([expect.stringContaining(`pool="${name}"`)]);
      }
    });
  });

  test('scaling alerts on both generic workloads, from kube-state-metrics v2 series (and KEDA\'s for the ScaledObject)', () => {
    const rule = named('PrometheusRule', 'workload-alerts');
    expect(rule.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(rule.spec.groups.map((g: Manifest) => g.name)).toEqual(['workload-autoscaling', 'custom']);
    const rules = rule.spec.groups[0].rules as Manifest[];
    expect(rules.map(r => `${r.alert}/${r.labels.horizontalpodautoscaler}/${r.labels.workload}`)).toEqual([
      'WorkloadAutoscalerAtMaxReplicas/keda-hpa-summarizer-worker/summarizer-worker',
      'WorkloadAutoscalerFlapping/keda-hpa-summarizer-worker/summarizer-worker',
      'WorkloadAutoscalerUnableToScale/keda-hpa-summarizer-worker/summarizer-worker',
      'WorkloadKedaScalerErrors/keda-hpa-summarizer-worker/summarizer-worker',
      'WorkloadKedaFallbackActive/keda-hpa-summarizer-worker/summarizer-worker',
      'WorkloadAutoscalerAtMaxReplicas/search-api/search-api',
      'WorkloadAutoscalerFlapping/search-api/search-api',
      'WorkloadAutoscalerUnableToScale/search-api/search-api',
    ]);
    for (const r of rules) expect(r.expr).not.toMatch(/kube_hpa_/);
  });

  test('the user\'s own rules: the API p99 recorded, and an alert on it', () => {
    const custom = named('PrometheusRule', 'workload-alerts').spec.groups[1].rules as Manifest[];
    expect(custom.map(r => r.record ?? r.alert)).toEqual(['namespace:http_request_duration_seconds:p99_5m', 'SearchApiLatencyHigh']);
    expect(custom[1]).toMatchObject({ expr: 'namespace:http_request_duration_seconds:p99_5m{namespace="queue-worker"} > 0.5', for: '10m', labels: { severity: 'warning' } });
  });

  test('buildApp() includes scenarios 2 and 3 as their own charts (their own dist files)', () => {
    const app = buildApp({ outdir: '/tmp/never-written' });
    expect(app.node.tryFindChild('openshift')).toBeDefined();
    expect(app.node.tryFindChild('queue-worker')).toBeDefined();
  });
});
