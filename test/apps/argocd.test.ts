import { ApiObject, App, Chart } from 'cdk8s';
import { addArgoCd, ArgoCdStack, DIST, PLATFORM_REPO_REVISION, PLATFORM_REPO_URL } from '../../apps/argocd';
import { ENVIRONMENTS } from '../../apps/environments';
import { buildApps } from '../../apps/main';
import { allOfKind, Manifest } from '../util/synth';
import { expectValidManifests } from '../util/validate';

function appWithCharts(): { app: App; web: Chart; jobs: Chart } {
  const app = new App({ outdir: 'dist' });
  const web = new Chart(app, 'web', { namespace: 'web' });
  new ApiObject(web, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' } });
  const jobs = new Chart(app, 'jobs', { namespace: 'jobs' });
  new ApiObject(jobs, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'jobs' } });
  return { app, web, jobs };
}

describe('ArgoCdStack on the reference output (what main.ts writes to dist/argocd.k8s.yaml)', () => {
  const [app] = buildApps('/nonexistent/never-written');
  const argocd = app.node.findChild('argocd') as ArgoCdStack;
  const applications: Manifest[] = argocd.toJson();
  const deployed = app.charts.filter((c) => c !== argocd);

  test('one Application per other chart of the App, named after it, reading its file in dist/ of the platform repo', () => {
    expect(applications.map((a) => a.metadata.name)).toEqual(deployed.map((c) => c.node.id));
    for (const a of applications) {
      expect(a.metadata.namespace).toBe('argocd');
      expect(a.spec.source).toEqual({ repoURL: PLATFORM_REPO_URL, targetRevision: PLATFORM_REPO_REVISION, path: DIST, directory: { include: `${a.metadata.name}.k8s.yaml` } });
      expect(a.spec.project).toBe('default');
    }
  });

  test('every reference chart is covered, deployed in-cluster to its namespace, created by Argo CD, synced automatically', () => {
    const byName = new Map(applications.map((a) => [a.metadata.name, a]));
    expect([...byName.keys()]).toEqual(expect.arrayContaining(['reference-platform', 'reference-monitoring', 'reference-neuron']));
    expect(byName.get('reference-platform')!.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'litellm' });
    for (const a of applications) {
      expect(a.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      expect(a.spec.syncPolicy.syncOptions).toContain('CreateNamespace=true');
    }
  });

  test('server-side apply where the chart holds a PrometheusRule, client-side elsewhere', () => {
    for (const chart of deployed) {
      const a = applications.find((x) => x.metadata.name === chart.node.id)!;
      const hasRule = allOfKind(chart.toJson(), 'PrometheusRule').length > 0;
      expect([chart.node.id, (a.spec.syncPolicy.syncOptions as string[]).includes('ServerSideApply=true')]).toEqual([chart.node.id, hasRule]);
    }
    expect(applications.find((a) => a.metadata.name === 'reference-monitoring')!.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
  });

  test('the Applications validate strictly against the Argo CD CRD', () => {
    expectValidManifests(applications);
  });
});

describe('ArgoCdStack props', () => {
  test('path, cluster, project, prefix and manual sync', () => {
    const { app, web, jobs } = appWithCharts();
    const stack = new ArgoCdStack(app, 'argocd', { charts: [web, jobs], path: 'dist/environments/dev', cluster: 'https://dev.k8s.example.com', project: 'llm', prefix: 'dev', automatedSync: { prune: false, selfHeal: false } });
    const objs = stack.toJson();
    expectValidManifests(objs);
    expect(objs.map((a: Manifest) => [a.metadata.name, a.spec.project, a.spec.source.path, a.spec.destination, a.spec.syncPolicy.automated])).toEqual([
      ['dev-web', 'llm', 'dist/environments/dev', { server: 'https://dev.k8s.example.com', namespace: 'web' }, { prune: false, selfHeal: false }],
      ['dev-jobs', 'llm', 'dist/environments/dev', { server: 'https://dev.k8s.example.com', namespace: 'jobs' }, { prune: false, selfHeal: false }],
    ]);
  });

  test('addArgoCd covers every chart that exists when it is called', () => {
    const { app } = appWithCharts();
    expect(addArgoCd(app).applications.map((a) => a.name)).toEqual(['web', 'jobs']);
  });

  test('the environments deploy from their own folders to their own clusters, with prefixed names', () => {
    const [, ...environments] = buildApps('/nonexistent/never-written');
    const apps = environments.flatMap((e) => (e.node.findChild('argocd') as Chart).toJson());
    expectValidManifests(apps);
    expect(apps.map((a: Manifest) => [a.metadata.name, a.spec.source.path, a.spec.source.directory.include, a.spec.destination.server])).toEqual([
      ['dev-serving', 'dist/environments/dev', 'serving.k8s.yaml', ENVIRONMENTS.dev.cluster],
      ['prod-serving', 'dist/environments/prod', 'serving.k8s.yaml', ENVIRONMENTS.prod.cluster],
    ]);
  });
});

describe('ArgoCdStack bad input names the construct and the prop', () => {
  test('no charts', () => {
    const { app } = appWithCharts();
    expect(() => new ArgoCdStack(app, 'argocd', { charts: [] })).toThrow(new Error('\'charts\' ([]) of \'argocd\' must list at least one chart: the charts whose YAML Argo CD deploys'));
    expect(() => new ArgoCdStack(app, 'argocd2', undefined as any)).toThrow(new Error('\'charts\' (undefined) of \'argocd2\' must list at least one chart: the charts whose YAML Argo CD deploys'));
  });

  test('two Applications for one chart file (the same chart twice)', () => {
    const { app, web, jobs } = appWithCharts();
    expect(() => new ArgoCdStack(app, 'argocd', { charts: [web, jobs, web] }))
      .toThrow(new Error('\'charts[2]\' ("web") of \'argocd\' is also charts[0]: two Applications for one chart file would fight over every object; list each chart once'));
  });

  test('two Applications for one path (two stacks deploying one chart to one cluster)', () => {
    const { app, web } = appWithCharts();
    new ArgoCdStack(app, 'argocd', { charts: [web] });
    expect(() => new ArgoCdStack(app, 'more', { charts: [web], prefix: 'more' }))
      .toThrow('\'chart\' ("web") is already deployed to https://kubernetes.default.svc by \'argocd/web\' (https://github.com/acme/platform.git dist/web.k8s.yaml): \'more/web\' would fight it over every object; deploy each chart once per cluster (another destination.server for another cluster)');
  });

  test('a chart that is not a Chart', () => {
    const { app, web } = appWithCharts();
    expect(() => new ArgoCdStack(app, 'argocd', { charts: [web, {} as Chart] })).toThrow(new Error('\'charts[1]\' ({}) of \'argocd\' must be a cdk8s Chart'));
  });

  test('a destination namespace no object uses (through ArgoCdApplication) is refused at synth', () => {
    const app = new App({ outdir: 'dist' });
    const web = new Chart(app, 'web', { namespace: 'nobody' });
    new ApiObject(web, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'other' } });
    new ArgoCdStack(app, 'argocd', { charts: [web] });
    expect(() => app.synthYaml()).toThrow(new Error('Validation failed with the following errors:\n  [argocd/web] \'chart.namespace\' ("nobody") of \'argocd/web\' is used by no object of chart \'web\' (namespaces: "other"): Argo CD would create and watch an empty namespace; set \'destination.namespace\' to one the chart uses'));
  });
});
