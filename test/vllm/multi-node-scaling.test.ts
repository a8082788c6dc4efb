import {
  Accelerator, KedaScaledObject, KedaTrigger, LiteLLMProxy, LlmSignal, MultiNodeVllmPool, NetworkPeer, ServingAlerts, VllmPool,
} from '../../lib';
import { isServingPool } from '../../lib/vllm/serving-pool';
import { Manifest, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const PROMETHEUS = 'http://prometheus-operated.monitoring.svc.cluster.local:9090';
const LWS_REF = { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: 'llama-405b' };

function render(build: (pool: MultiNodeVllmPool) => void): Manifest[] {
  const chart = testChart();
  const pool = new MultiNodeVllmPool(chart, 'llama-405b', {
    model: 'meta-llama/Llama-3.1-405B-Instruct',
    accelerator: Accelerator.nvidiaGpu(8),
    engine: { tensorParallelSize: 8, pipelineParallelSize: 2 },
  });
  build(pool);
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return manifests;
}

describe('autoscalers scale a MultiNodeVllmPool by whole groups', () => {
  test('a KEDA ScaledObject on pool.scaleTarget targets the LeaderWorkerSet, which then renders no spec.replicas', () => {
    let scaledObject: KedaScaledObject | undefined;
    const manifests = render(pool => {
      const query = `sum(${pool.metricRequestsWaiting().selector})`;
      scaledObject = new KedaScaledObject(pool, 'Autoscaler', {
        target: pool.scaleTarget,
        minReplicas: 1,
        maxReplicas: 3,
        triggers: [KedaTrigger.prometheus({ serverAddress: PROMETHEUS, query, threshold: 5, name: 'queue' })],
        fallback: { replicas: 1 },
      });
    });
    const rendered = oneOfKind(manifests, 'ScaledObject');
    expect(rendered.spec.scaleTargetRef).toEqual(LWS_REF);
    expect(scaledObject!.scaleTargetRef).toEqual(LWS_REF);
    expect(rendered.metadata.name).toBe('llama-405b');
    expect(oneOfKind(manifests, 'LeaderWorkerSet').spec).not.toHaveProperty('replicas');
  });

  test('a pool with a fixed replicas is refused by an autoscaler', () => {
    const chart = testChart();
    const pool = new MultiNodeVllmPool(chart, 'llama-405b', {
      model: 'meta-llama/Llama-3.1-405B-Instruct', accelerator: Accelerator.nvidiaGpu(8), engine: { tensorParallelSize: 8, pipelineParallelSize: 2 }, replicas: 2,
    });
    const trigger = KedaTrigger.prometheus({ serverAddress: PROMETHEUS, query: `sum(${pool.metricRequestsWaiting().selector})`, threshold: 5, name: 'queue' });
    expect(() => new KedaScaledObject(chart, 'Keda', { target: pool.scaleTarget, maxReplicas: 3, triggers: [trigger], fallback: { replicas: 1 } }))
      .toThrow(new Error('\'target\' ("test/llama-405b/Resource") has a fixed replicas (2): leave \'replicas\' unset on a workload an autoscaler owns, or Argo CD and the KEDA ScaledObject fight over it'));
  });
});

describe('MultiNodeVllmPool.autoscale()', () => {
  const scraper = NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' });

  test('KEDA on the leaders\' queue depth and KV cache, per group, scaling the LeaderWorkerSet', () => {
    let pool: MultiNodeVllmPool | undefined;
    const manifests = render(p => {
      pool = p;
      p.monitor({ labels: {}, scraper });
      p.autoscale({ prometheus: { serverAddress: PROMETHEUS }, maxReplicas: 3 });
    });
    const so = oneOfKind(manifests, 'ScaledObject', 'llama-405b');
    expect(so.spec.scaleTargetRef).toEqual(LWS_REF);
    expect([so.spec.minReplicaCount, so.spec.maxReplicaCount]).toEqual([1, 3]);
    expect(so.spec.fallback).toMatchObject({ replicas: 1 });
    const queries = so.spec.triggers.map((t: Manifest) => t.metadata.query);
    expect(queries).toEqual([
      `sum(${pool!.metricRequestsWaiting().selector})`,
      `sum(${pool!.metricKvCacheUsage().selector})`,
    ]);
    expect(queries[0]).toBe('sum(vllm:num_requests_waiting{namespace="llm",pool="llama-405b",model_name="Llama-3.1-405B-Instruct"})');
    expect(so.spec.triggers.map((t: Manifest) => t.metricType)).toEqual(['AverageValue', 'AverageValue']);
    expect(oneOfKind(manifests, 'LeaderWorkerSet').spec).not.toHaveProperty('replicas');
  });

  test('scale to zero, woken by the proxy\'s request rate for the pool\'s model group', () => {
    const manifests = render(p => {
      p.monitor({ labels: {}, scraper });
      const proxy = new LiteLLMProxy(p.node.scope!, 'proxy', { masterKey: { secretName: 'litellm', key: 'master-key' } });
      proxy.monitor({ labels: {}, scraper });
      const group = proxy.addBackend(p);
      p.autoscale({ prometheus: { serverAddress: PROMETHEUS }, maxReplicas: 2, minReplicas: 0, wakeOn: LlmSignal.proxyRequestRate(proxy, group, 1) });
    });
    const so = oneOfKind(manifests, 'ScaledObject', 'llama-405b');
    expect(so.spec.minReplicaCount).toBe(0);
    expect(so.spec.initialCooldownPeriod).toBe(1800);
    expect(so.spec.triggers).toHaveLength(3);
  });

  test('one autoscaler per pool; signals of another pool are refused', () => {
    const chart = testChart();
    const props = { model: 'meta-llama/Llama-3.1-405B-Instruct', accelerator: Accelerator.nvidiaGpu(8), engine: { tensorParallelSize: 8, pipelineParallelSize: 2 } };
    const big = new MultiNodeVllmPool(chart, 'big', props);
    const small = new VllmPool(chart, 'small', { model: 'meta-llama/Llama-3.1-8B-Instruct', accelerator: Accelerator.nvidiaGpu(1) });
    expect(() => big.autoscale({ prometheus: { serverAddress: PROMETHEUS }, maxReplicas: 2, signals: [LlmSignal.queueDepth(small, 5)] }))
      .toThrow(new Error('\'signals[0]\' ("queue_depth") reads pool \'test/small\', not \'test/big\': a pool scales on its own load; build the signal from this pool'));
    big.autoscale({ prometheus: { serverAddress: PROMETHEUS }, maxReplicas: 2 });
    expect(() => big.autoscale({ prometheus: { serverAddress: PROMETHEUS }, maxReplicas: 2 }))
      .toThrow(new Error('\'autoscale()\' ("test/big") was already called: a pool has one autoscaler; pass every signal to one call'));
  });
});

describe('MultiNodeVllmPool as a ServingPool for the readers', () => {
  test('isServingPool, and the per-pool serving alerts read its series by the pool label (valid PromQL)', () => {
    const manifests = render(p => {
      expect(isServingPool(p)).toBe(true);
      p.monitor({ labels: {}, scraper: NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }) });
      p.autoscale({ prometheus: { serverAddress: PROMETHEUS }, maxReplicas: 2 });
      new ServingAlerts(p.node.scope!, 'alerts', { pools: [p], discovery: { labels: {} }, runbookBaseUrl: 'https://runbooks.example.com' });
    });
    const rules = oneOfKind(manifests, 'PrometheusRule', 'alerts-llama-405b');
    const exprs: string[] = rules.spec.groups.flatMap((g: Manifest) => g.rules.map((r: Manifest) => r.expr));
    expect(exprs.some(e => e.includes('pool="llama-405b"'))).toBe(true);
  });
});
