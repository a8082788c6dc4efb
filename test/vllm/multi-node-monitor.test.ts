import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { MonitoredPods, PodMetricsMonitor } from '../../lib';
import { oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

/** Leader pods of a LeaderWorkerSet, as a MultiNodeVllmPool hands them to its monitor. */
function leaders(chart: Chart, overrides: Partial<MonitoredPods> = {}): MonitoredPods {
  return {
    owner: (chart.node.tryFindChild('Pool') as Construct | undefined) ?? new Construct(chart, 'Pool'),
    name: 'big',
    matchLabels: { 'app.kubernetes.io/instance': 'big', 'leaderworkerset.sigs.k8s.io/worker-index': '0' },
    podLabels: { 'app.kubernetes.io/instance': 'big', 'leaderworkerset.sigs.k8s.io/worker-index': '0' },
    portNames: ['http'],
    ...overrides,
  };
}

describe('PodMetricsMonitor of pods no cdk8s-plus workload renders', () => {
  test('selects the given pods, named like them, with the pod label copied', () => {
    const chart = testChart();
    const monitor = new PodMetricsMonitor(chart, 'Monitor', {
      pods: leaders(chart), port: 'http', discovery: { labels: { release: 'prom' } }, copyPodLabels: { pool: 'app.kubernetes.io/instance' },
    });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const pm = oneOfKind(manifests, 'PodMonitor', 'big');
    expect(pm.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/instance': 'big', 'leaderworkerset.sigs.k8s.io/worker-index': '0' });
    expect(pm.spec.podMetricsEndpoints[0].relabelings).toEqual([
      { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], targetLabel: 'pool', action: 'replace' },
    ]);
    expect(monitor.name).toBe('big');
    expect(monitor.workload).toBeUndefined();
    expect(monitor.copiedPodLabels).toEqual({ pool: 'app.kubernetes.io/instance' });
  });

  test('a Deployment monitor renders as before', () => {
    const chart = testChart();
    const deployment = new kplus.Deployment(chart, 'Web', { metadata: { name: 'web' }, containers: [{ image: 'nginx', portNumber: 80, ports: [{ name: 'metrics', number: 9090 }] }] });
    const monitor = new PodMetricsMonitor(chart, 'Monitor', { workload: deployment, port: 'metrics', discovery: { labels: {} } });
    const pm = oneOfKind(synth(chart), 'PodMonitor', 'web');
    expect(pm.spec.selector.matchLabels).toEqual({ ...deployment.matchLabels });
    expect(monitor.workload).toBe(deployment);
    expect(monitor.pods).toBeUndefined();
  });

  test('exactly one of workload and pods', () => {
    const chart = testChart();
    const deployment = new kplus.Deployment(chart, 'Web', { containers: [{ image: 'nginx', portNumber: 80 }] });
    const rule = 'and \'pods\' are exclusive and one is required: the workload whose pods to scrape, or MonitoredPods { owner, name, matchLabels, podLabels, portNames }';
    expect(() => new PodMetricsMonitor(chart, 'A', { port: 'http', discovery: { labels: {} } }))
      .toThrow(new Error(`'workload' (undefined) ${rule}`));
    expect(() => new PodMetricsMonitor(chart, 'B', { workload: deployment, pods: leaders(chart), port: 'http', discovery: { labels: {} } }))
      .toThrow(new Error(`'workload' ("test/Web") ${rule}`));
  });

  test('pods must name their owner, labels and ports', () => {
    const chart = testChart();
    const monitor = (id: string, pods: unknown) => () => new PodMetricsMonitor(chart, id, { pods: pods as MonitoredPods, port: 'http', discovery: { labels: {} } });
    expect(monitor('A', 'leaders')).toThrow(new Error('\'pods\' ("leaders") must be MonitoredPods { owner, name, matchLabels, podLabels, portNames }'));
    expect(monitor('B', { ...leaders(chart), owner: undefined })).toThrow(new Error('\'pods.owner\' ("undefined") must be the construct that renders the pods'));
    expect(monitor('C', { ...leaders(chart), name: 7 })).toThrow(new Error('\'pods.name\' (7) must be the workload\'s name'));
    expect(monitor('D', leaders(chart, { matchLabels: {} }))).toThrow(new Error('\'pods.matchLabels\' ({}) must select the pods: an empty selector would scrape every pod of the namespace'));
    expect(monitor('E', { ...leaders(chart), podLabels: null })).toThrow(new Error('\'pods.podLabels\' (null) must be the labels every selected pod carries'));
    expect(monitor('F', { ...leaders(chart), portNames: 'http' })).toThrow(new Error('\'pods.portNames\' ("http") must list the names of the pods\' container ports'));
  });

  test('a port the pods lack, a label they lack', () => {
    const chart = testChart();
    expect(() => new PodMetricsMonitor(chart, 'A', { pods: leaders(chart), port: 'metrics', discovery: { labels: {} } }))
      .toThrow(new Error('\'port\' ("metrics") is not a container port of \'test/Pool\' (its ports: http): the monitor would scrape nothing'));
    const other = testChart();
    expect(() => new PodMetricsMonitor(other, 'B', { pods: leaders(other), port: 'http', discovery: { labels: {} }, copyPodLabels: { pool: 'app.kubernetes.io/name' } }))
      .toThrow(new Error('\'copyPodLabels.pool\' ("app.kubernetes.io/name") is not a label of the pods of \'test/Pool\': the target label would be empty'));
  });
});
