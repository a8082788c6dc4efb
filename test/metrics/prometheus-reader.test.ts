import { Chart, Testing } from 'cdk8s';
import { PrometheusReader, PrometheusReaderProps } from '../../lib';
import { Manifest, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

function render(props: PrometheusReaderProps, chart: Chart = testChart()): { manifests: Manifest[]; reader: PrometheusReader } {
  const reader = new PrometheusReader(chart, 'thanos-reader', props);
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return { manifests, reader };
}

describe('PrometheusReader', () => {
  test('cluster-wide: a ServiceAccount without a mounted token, its token Secret, a ClusterRoleBinding without namespace', () => {
    const { manifests, reader } = render({ clusterRole: 'cluster-monitoring-view' });
    expect(reader.token).toEqual({ secretName: 'thanos-reader-token', key: 'token' });
    expect(oneOfKind(manifests, 'ServiceAccount')).toMatchObject({ metadata: { name: 'thanos-reader', namespace: 'llm' }, automountServiceAccountToken: false });
    const secret = oneOfKind(manifests, 'Secret');
    expect(secret).toMatchObject({ type: 'kubernetes.io/service-account-token', metadata: { name: 'thanos-reader-token', annotations: { 'kubernetes.io/service-account.name': 'thanos-reader' } } });
    expect(secret.data).toBeUndefined();
    const binding = oneOfKind(manifests, 'ClusterRoleBinding');
    expect(binding.metadata.name).toBe('llm-thanos-reader-cluster-monitoring-view');
    expect(binding.metadata.namespace).toBeUndefined();
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-monitoring-view' });
    expect(binding.subjects).toEqual([{ apiGroup: '', kind: 'ServiceAccount', name: 'thanos-reader', namespace: 'llm' }]);
  });

  test('tenancy: a Role allowing get on pods.metrics.k8s.io in its namespace, bound to the ServiceAccount; no cluster-wide right', () => {
    const { manifests } = render({ tenancy: true });
    expect(oneOfKind(manifests, 'Role')).toMatchObject({ metadata: { name: 'thanos-reader-tenancy' }, rules: [{ apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['get'] }] });
    expect(oneOfKind(manifests, 'RoleBinding')).toMatchObject({ metadata: { name: 'thanos-reader-tenancy' }, roleRef: { kind: 'Role', name: 'thanos-reader-tenancy' } });
    expect(manifests.some(m => m.kind === 'ClusterRoleBinding')).toBe(false);
  });

  test('namespaceRole: a RoleBinding to a ClusterRole; a ClusterRole name with colons', () => {
    const { manifests } = render({ namespaceRole: 'system:aggregated-metrics-reader', name: 'reader' });
    expect(oneOfKind(manifests, 'RoleBinding')).toMatchObject({ metadata: { name: 'reader-system-aggregated-metrics-reader' }, roleRef: { kind: 'ClusterRole', name: 'system:aggregated-metrics-reader' } });
  });

  test('two readers of one name in a namespace clash; in two namespaces their ClusterRoleBindings do not', () => {
    const chart = testChart();
    new PrometheusReader(chart, 'a', { name: 'reader', clusterRole: 'view' });
    expect(() => new PrometheusReader(chart, 'b', { name: 'reader', clusterRole: 'view' })).toThrow('reader');
    const app = Testing.app();
    for (const ns of ['one', 'two']) new PrometheusReader(new Chart(app, ns, { namespace: ns }), 'reader', { clusterRole: 'view' });
    expect(() => app.synth()).not.toThrow();
  });

  test.each([
    ['no role', {}, '\'clusterRole\' (undefined) must be set, or \'namespaceRole\' or \'tenancy\': a token with no role is refused by every secured Prometheus (OpenShift: clusterRole \'cluster-monitoring-view\' for the Thanos querier port 9091, tenancy: true for its tenancy port 9092)'],
    ['a role that is no string', { clusterRole: 5 }, '\'clusterRole\' (5) must be the name of a ClusterRole'],
    ['a role name that is no name', { namespaceRole: 'View Role' }, '\'namespaceRole\' ("View Role") must be a DNS-1123 subdomain'],
    ['tenancy that is no boolean', { tenancy: 'yes' }, '\'tenancy\' ("yes") must be true or false'],
    ['props that are no object', null, '\'props\' (null) must be { name?, clusterRole?, namespaceRole? }'],
  ] as Array<[string, unknown, string]>)('%s is refused', (_what, props, message) => {
    expect(() => new PrometheusReader(testChart(), 'r', props as PrometheusReaderProps)).toThrow(message);
  });

  test('needs a Chart namespace', () => {
    expect(() => new PrometheusReader(testChart(null), 'r', { tenancy: true })).toThrow('PrometheusReader');
  });
});
