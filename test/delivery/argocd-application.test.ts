import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, JsonPatch, YamlOutputType } from 'cdk8s';
import { buildApp } from '../../apps/app';
import { ArgoCdApplication, ArgoCdApplicationProps } from '../../lib';
import { expectValidManifests } from '../util/validate';

const REPO = 'https://github.com/acme/platform.git';

/** An App writing to `dist` (as `cdk8s synth` does), a target chart and a chart for the Applications. */
function setup(appProps: { yamlOutputType?: YamlOutputType; outdir?: string } = {}) {
  const app = new App({ outdir: 'dist', ...appProps });
  const target = new Chart(app, 'platform', { namespace: 'llm' });
  new ApiObject(target, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config' } });
  const argocd = new Chart(app, 'argocd');
  return { app, target, argocd };
}

function tmpOutdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'argocd-application-'));
}

function render(argocd: Chart): any {
  const objs = argocd.toJson();
  expectValidManifests(objs);
  expect(objs).toHaveLength(1);
  return objs[0];
}

describe('ArgoCdApplication', () => {
  test('defaults: project default, in-cluster, the chart\'s file in dist, manual sync, CreateNamespace', () => {
    const { target, argocd } = setup();
    const application = new ArgoCdApplication(argocd, 'platform', { chart: target, source: { repoUrl: REPO } });
    const json = render(argocd);
    expect(json).toMatchSnapshot();
    expect(json).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'platform', namespace: 'argocd' },
      spec: {
        project: 'default',
        source: { repoURL: REPO, targetRevision: 'HEAD', path: 'dist', directory: { include: 'platform.k8s.yaml' } },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'llm' },
        syncPolicy: { syncOptions: ['CreateNamespace=true'] },
      },
    });
    expect([application.name, application.sourcePath, application.sourceInclude]).toEqual(['platform', 'dist', 'platform.k8s.yaml']);
  });

  test('every prop: name, namespace, project, revision, path, destination, automated sync, sync options', () => {
    const { target, argocd } = setup();
    new ArgoCdApplication(argocd, 'app', {
      chart: target,
      name: 'llm-prod',
      namespace: 'gitops',
      project: 'platform',
      source: { repoUrl: 'git@github.com:acme/platform.git', targetRevision: 'v1.2.3', path: 'deploy/prod/' },
      destination: { server: 'https://prod.example.com:6443', namespace: 'llm' },
      automatedSync: { prune: false },
      createNamespace: false,
      serverSideApply: true,
    });
    const json = render(argocd);
    expect(json.metadata).toEqual({ name: 'llm-prod', namespace: 'gitops' });
    expect(json.spec).toEqual({
      project: 'platform',
      source: { repoURL: 'git@github.com:acme/platform.git', targetRevision: 'v1.2.3', path: 'deploy/prod', directory: { include: 'platform.k8s.yaml' } },
      destination: { server: 'https://prod.example.com:6443', namespace: 'llm' },
      syncPolicy: { automated: { prune: false, selfHeal: true }, syncOptions: ['ServerSideApply=true'] },
    });
  });

  test('automated sync prunes and self-heals by default', () => {
    const { target, argocd } = setup();
    new ArgoCdApplication(argocd, 'platform', { chart: target, source: { repoUrl: REPO }, automatedSync: {} });
    expect(render(argocd).spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  describe('ServerSideApply, decided from what the chart holds', () => {
    test('a PrometheusRule turns it on', () => {
      const { target, argocd } = setup();
      new ApiObject(target, 'rules', { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'rules' }, spec: { groups: [] } });
      new ArgoCdApplication(argocd, 'platform', { chart: target, source: { repoUrl: REPO } });
      expect(render(argocd).spec.syncPolicy.syncOptions).toEqual(['CreateNamespace=true', 'ServerSideApply=true']);
    });

    test('an object over 128 KiB of JSON (such as a dashboard ConfigMap) turns it on; 128 KiB does not', () => {
      const syncOptions = (bytes: number) => {
        const { target, argocd } = setup();
        const dashboard = new ApiObject(target, 'dashboard', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dashboard' }, data: { 'd.json': '' } });
        const overhead = JSON.stringify(dashboard.toJson()).length;
        dashboard.addJsonPatch(JsonPatch.replace('/data/d.json', 'x'.repeat(bytes - overhead)));
        expect(JSON.stringify(dashboard.toJson()).length).toBe(bytes);
        new ArgoCdApplication(argocd, 'platform', { chart: target, source: { repoUrl: REPO } });
        return render(argocd).spec.syncPolicy.syncOptions;
      };
      expect(syncOptions(128 * 1024)).toEqual(['CreateNamespace=true']);
      expect(syncOptions(128 * 1024 + 1)).toEqual(['CreateNamespace=true', 'ServerSideApply=true']);
    });

    test('serverSideApply: false keeps client-side apply even with a PrometheusRule', () => {
      const { target, argocd } = setup();
      new ApiObject(target, 'rules', { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'rules' }, spec: { groups: [] } });
      new ArgoCdApplication(argocd, 'platform', { chart: target, source: { repoUrl: REPO }, serverSideApply: false });
      expect(render(argocd).spec.syncPolicy.syncOptions).toEqual(['CreateNamespace=true']);
    });
  });

  describe('the chart\'s path follows the App\'s output layout', () => {
    test('FOLDER_PER_CHART_FILE_PER_RESOURCE: the chart\'s folder, as cdk8s writes it', () => {
      const outdir = tmpOutdir();
      const { app, target, argocd } = setup({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, outdir });
      new ArgoCdApplication(argocd, 'platform', { chart: target, source: { repoUrl: REPO, path: 'dist' } });
      expect(render(argocd).spec.source).toEqual({ repoURL: REPO, targetRevision: 'HEAD', path: 'dist/platform' });
      app.synth();
      expect(fs.readdirSync(path.join(outdir, 'platform'))).toEqual(['ConfigMap.config.k8s.yaml']);
    });

    test('FILE_PER_APP: the one file', () => {
      const { target, argocd } = setup({ yamlOutputType: YamlOutputType.FILE_PER_APP });
      new ArgoCdApplication(argocd, 'platform', { chart: target, source: { repoUrl: REPO } });
      expect(render(argocd).spec.source.directory).toEqual({ include: 'app.k8s.yaml' });
    });

    test('charts that depend on each other: the file name carries cdk8s\'s index, as cdk8s writes it', () => {
      const outdir = tmpOutdir();
      const { app, target, argocd } = setup({ outdir });
      const other = new Chart(app, 'other', { namespace: 'llm' });
      const o = new ApiObject(other, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' } });
      o.node.addDependency(target);
      new ArgoCdApplication(argocd, 'platform', { chart: target, source: { repoUrl: REPO, path: 'dist' } });
      new ArgoCdApplication(argocd, 'other', { chart: other, source: { repoUrl: REPO, path: 'dist' } });
      const includes = argocd.toJson().map((a: any) => [a.metadata.name, a.spec.source.directory.include]);
      const written = app.charts.map((c) => c.node.id);
      expect(includes).toEqual([
        ['platform', `${String(written.indexOf('platform')).padStart(4, '0')}-platform.k8s.yaml`],
        ['other', `${String(written.indexOf('other')).padStart(4, '0')}-other.k8s.yaml`],
      ]);
      app.synth();
      expect(fs.readdirSync(outdir)).toEqual(expect.arrayContaining(includes.map(([, file]: string[]) => file)));
    });

    test('a chart in another App (one App per environment) uses that App\'s folder', () => {
      const dev = new App({ outdir: 'dist/dev' });
      const devChart = new Chart(dev, 'platform', { namespace: 'llm-dev' });
      new ApiObject(devChart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config' } });
      const { target, argocd } = setup({ outdir: 'dist/prod' });
      new ArgoCdApplication(argocd, 'platform-dev', { chart: devChart, source: { repoUrl: REPO } });
      new ArgoCdApplication(argocd, 'platform-prod', { chart: target, source: { repoUrl: REPO } });
      const objs = argocd.toJson();
      expectValidManifests(objs);
      expect(objs.map((a: any) => [a.metadata.name, a.spec.source.path, a.spec.source.directory.include, a.spec.destination.namespace])).toEqual([
        ['platform-dev', 'dist/dev', 'platform.k8s.yaml', 'llm-dev'],
        ['platform-prod', 'dist/prod', 'platform.k8s.yaml', 'llm'],
      ]);
    });
  });

  describe('destination namespace', () => {
    test('a chart without a namespace: the one its objects use', () => {
      const app = new App({ outdir: 'dist' });
      const target = new Chart(app, 'monitoring');
      new ApiObject(target, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'monitoring' } });
      new ApiObject(target, 'role', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' } });
      const argocd = new Chart(app, 'argocd');
      new ArgoCdApplication(argocd, 'monitoring', { chart: target, source: { repoUrl: REPO } });
      expect(render(argocd).spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'monitoring' });
    });

    test('only cluster-scoped objects: no namespace, nothing to create', () => {
      const app = new App({ outdir: 'dist' });
      const target = new Chart(app, 'cluster');
      new ApiObject(target, 'role', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' } });
      const argocd = new Chart(app, 'argocd');
      new ArgoCdApplication(argocd, 'cluster', { chart: target, source: { repoUrl: REPO } });
      const json = render(argocd);
      expect(json.spec.destination).toEqual({ server: 'https://kubernetes.default.svc' });
      expect(json.spec.syncPolicy).toEqual({});
    });

    test('a namespace no object of the chart uses is refused at synth', () => {
      const { target, argocd } = setup();
      new ArgoCdApplication(argocd, 'platform', { chart: target, source: { repoUrl: REPO }, destination: { namespace: 'typo' } });
      expect(() => argocd.toJson()).toThrow(new Error('Validation failed with the following errors:\n  [argocd/platform] '
        + '\'destination.namespace\' ("typo") of \'argocd/platform\' is used by no object of chart \'platform\' (namespaces: "llm"): '
        + 'Argo CD would create and watch an empty namespace; set \'destination.namespace\' to one the chart uses'));
    });

    test('several namespaces and none chosen is refused at synth', () => {
      const app = new App({ outdir: 'dist' });
      const target = new Chart(app, 'mixed');
      new ApiObject(target, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'one' } });
      new ApiObject(target, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'two' } });
      const argocd = new Chart(app, 'argocd');
      new ArgoCdApplication(argocd, 'mixed', { chart: target, source: { repoUrl: REPO } });
      expect(() => argocd.toJson()).toThrow(new Error('Validation failed with the following errors:\n  [argocd/mixed] '
        + '\'destination.namespace\' (undefined) of \'argocd/mixed\' is required: the objects of chart \'mixed\' use several namespaces ("one", "two"); set it to the one Argo CD should create'));
    });
  });

  describe('bad input names the construct and the prop', () => {
    const error = (props: Partial<ArgoCdApplicationProps> | undefined, message: string, appProps = {}) => {
      const { target, argocd } = setup(appProps);
      const full = props === undefined ? undefined : { chart: target, source: { repoUrl: REPO }, ...props };
      expect(() => new ArgoCdApplication(argocd, 'platform', full as ArgoCdApplicationProps)).toThrow(new Error(message));
    };

    test('two Applications for one chart file and one cluster', () => {
      const { target, argocd } = setup();
      new ArgoCdApplication(argocd, 'first', { chart: target, source: { repoUrl: REPO } });
      expect(() => new ArgoCdApplication(argocd, 'second', { chart: target, source: { repoUrl: REPO, targetRevision: 'main' } })).toThrow(new Error(
        '\'chart\' ("platform") is already deployed to https://kubernetes.default.svc by \'argocd/first\' (https://github.com/acme/platform.git dist/platform.k8s.yaml): '
        + '\'argocd/second\' would fight it over every object; deploy each chart once per cluster (another destination.server for another cluster)'));
      // Another cluster is fine.
      new ArgoCdApplication(argocd, 'third', { chart: target, source: { repoUrl: REPO }, destination: { server: 'https://other.example.com' } });
    });

    test('two Applications with one name in one namespace', () => {
      const { app, target, argocd } = setup();
      const other = new Chart(app, 'other', { namespace: 'llm' });
      new ApiObject(other, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' } });
      new ArgoCdApplication(argocd, 'first', { chart: target, name: 'llm', source: { repoUrl: REPO } });
      expect(() => new ArgoCdApplication(argocd, 'second', { chart: other, name: 'llm', source: { repoUrl: REPO } })).toThrow(new Error(
        '\'name\' ("llm") names a argoproj.io/Application in namespace "argocd" that \'argocd/first\' already renders: \'argocd/second\' would overwrite it on apply; give one of them another name'));
    });

    test('missing props (plain JavaScript)', () => {
      error(undefined, '\'props\' (undefined) must be an object with at least \'chart\' and \'source\'');
      error({ chart: undefined }, '\'chart\' (undefined) is required by \'argocd/platform\': the cdk8s Chart whose synthesized YAML the Application deploys');
      error({ chart: {} as Chart }, '\'chart\' ("Object") is required by \'argocd/platform\': the cdk8s Chart whose synthesized YAML the Application deploys');
      error({ source: undefined }, '\'source\' (undefined) is required by \'argocd/platform\': { repoUrl, targetRevision?, path? } of the platform repo holding the synthesized YAML');
      error({ source: {} as any }, '\'source.repoUrl\' (undefined) of \'argocd/platform\' must be the Git URL of the platform repo (https://, ssh:// or git@host:path)');
    });

    test('wrong values', () => {
      error({ source: { repoUrl: 'github.com/acme' } }, '\'source.repoUrl\' ("github.com/acme") of \'argocd/platform\' must be the Git URL of the platform repo (https://, ssh:// or git@host:path)');
      error({ source: { repoUrl: REPO, targetRevision: 'my branch' } }, '\'source.targetRevision\' ("my branch") of \'argocd/platform\' must be a branch, tag or commit with no spaces');
      error({ source: { repoUrl: REPO, path: '../dist' } }, '\'source.path\' ("../dist") of \'argocd/platform\' must be a folder of the repo relative to its root, e.g. \'dist\'');
      error({ source: { repoUrl: REPO, path: '/abs/dist' } }, '\'source.path\' ("/abs/dist") of \'argocd/platform\' must be a folder of the repo relative to its root, e.g. \'dist\'');
      error({ destination: { server: 'kubernetes.default.svc' } }, '\'destination.server\' ("kubernetes.default.svc") of \'argocd/platform\' must be the cluster\'s API server URL as registered in Argo CD, e.g. \'https://kubernetes.default.svc\'');
      error({ destination: { namespace: 'LLM' } }, '\'destination.namespace\' ("LLM") must be a DNS-1123 label: at most 63 lower-case alphanumerics or \'-\', starting and ending with an alphanumeric');
      error({ namespace: 'Argo' }, '\'namespace\' ("Argo") must be a DNS-1123 label: at most 63 lower-case alphanumerics or \'-\', starting and ending with an alphanumeric');
      error({ project: 'My Project' }, '\'project\' ("My Project") must be a DNS-1123 subdomain: at most 253 lower-case alphanumerics, \'-\' or \'.\', starting and ending with an alphanumeric');
      error({ name: 'Platform' }, '\'name\' ("Platform") must be a DNS-1035 label (at most 63 lower-case alphanumerics or \'-\', starting with a letter and ending with an alphanumeric): object names come from it; set \'name\' to a name like \'llama-3-1-8b\'');
      error({ automatedSync: true as any }, '\'automatedSync\' (true) must be an object { prune?, selfHeal? } or left out for manual syncs');
      error({ automatedSync: { prune: 'yes' as any } }, '\'automatedSync.prune\' ("yes") must be true or false, got "string"');
      error({ serverSideApply: 1 as any }, '\'serverSideApply\' (1) must be true or false, got "number"');
    });

    test('an App writing outside the repo needs source.path', () => {
      error({}, '\'source.path\' (undefined) of \'argocd/platform\' is required: the App of chart \'platform\' writes to "/tmp/out", not a folder of the repo; set it to the folder cdk8s synth writes in the repo, e.g. \'dist\'', { outdir: '/tmp/out' });
    });

    test('an App writing one file per object is refused', () => {
      error({}, '\'chart\' ("platform") of \'argocd/platform\' is in an App with yamlOutputType FILE_PER_RESOURCE, which writes the objects of all charts into one folder; use FILE_PER_CHART (the default) or FOLDER_PER_CHART_FILE_PER_RESOURCE', { yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
    });
  });
});

describe('Applications for the reference output', () => {
  test('one per chart of buildApp(), each valid against the Argo CD CRD, each pointing at its file', () => {
    const app = buildApp({ outdir: 'dist' });
    const argocd = new Chart(app, 'argocd');
    for (const chart of app.charts.filter((c) => c !== argocd)) {
      new ArgoCdApplication(argocd, chart.node.id, { chart, source: { repoUrl: REPO, targetRevision: 'main' }, automatedSync: {} });
    }
    const objs = argocd.toJson();
    expectValidManifests(objs);
    const reference = objs.filter((a: any) => a.metadata.name.startsWith('reference-'));
    expect(objs).toHaveLength(app.charts.length - 1);
    expect(reference.map((a: any) => [a.metadata.name, a.spec.source.directory.include, a.spec.destination.namespace, a.spec.syncPolicy.syncOptions])).toEqual([
      ['reference-platform', 'reference-platform.k8s.yaml', 'litellm', ['CreateNamespace=true']],
      ['reference-monitoring', 'reference-monitoring.k8s.yaml', 'monitoring', ['CreateNamespace=true', 'ServerSideApply=true']],
      ['reference-neuron', 'reference-neuron.k8s.yaml', 'llm-neuron', ['CreateNamespace=true']],
    ]);
  });
});
