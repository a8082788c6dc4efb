import { Accelerator, KedaScaledObject, KedaTrigger, MultiNodeVllmPool } from '../../lib';
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
