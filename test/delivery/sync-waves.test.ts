import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { buildApps } from '../../apps/main';
import { applySyncWaves, deriveSyncWaves, DerivedSyncWave, SyncStage } from '../../lib';
import { expectValidManifests } from '../util/validate';

const WAVE = 'argocd.argoproj.io/sync-wave';

function obj(chart: Chart, id: string, apiVersion: string, kind: string, rest: Record<string, any> = {}): ApiObject {
  const { metadata, ...body } = rest;
  return new ApiObject(chart, id, { apiVersion, kind, metadata: { name: id, ...metadata }, ...body });
}

function deployment(chart: Chart, id: string, pod: Record<string, any> = {}, namespace?: string): ApiObject {
  const labels = { app: id };
  return obj(chart, id, 'apps/v1', 'Deployment', {
    metadata: { namespace },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }], ...pod } },
    },
  });
}

function waveOf(derived: DerivedSyncWave[], path: string): number {
  const found = derived.filter((d) => d.apiObject.node.path === path);
  if (found.length !== 1) throw new Error(`expected one object at ${path}, found ${found.length}`);
  return found[0].wave;
}

/** The stage of each kind, in the order; kinds not listed are workloads. */
const STAGE_OF: Record<string, SyncStage> = {
  Namespace: SyncStage.NAMESPACES,
  ServiceAccount: SyncStage.SERVICE_ACCOUNTS,
  ClusterRole: SyncStage.RBAC, Role: SyncStage.RBAC, ClusterRoleBinding: SyncStage.RBAC, RoleBinding: SyncStage.RBAC,
  ConfigMap: SyncStage.CONFIG, Secret: SyncStage.CONFIG, NetworkPolicy: SyncStage.CONFIG,
  APIService: SyncStage.API_SERVICES,
  TriggerAuthentication: SyncStage.AUTOSCALER_AUTH, ClusterTriggerAuthentication: SyncStage.AUTOSCALER_AUTH,
  HorizontalPodAutoscaler: SyncStage.AUTOSCALERS, ScaledObject: SyncStage.AUTOSCALERS, ScaledJob: SyncStage.AUTOSCALERS, VerticalPodAutoscaler: SyncStage.AUTOSCALERS,
  ServiceMonitor: SyncStage.MONITORS, PodMonitor: SyncStage.MONITORS,
  PrometheusRule: SyncStage.RULES,
};

describe('the reference output (what apps/main.ts writes to dist/: buildApps())', () => {
  // main.ts applies the derived waves to every App before synth: read them back from the output.
  const [app, ...environments] = buildApps('/nonexistent/never-written');
  const derived = deriveSyncWaves(app);
  const manifests = app.charts.flatMap((c) => c.toJson());
  const byKind = (kind: string) => derived.filter((d) => d.apiObject.kind === kind);

  test('every object gets the wave of its kind\'s stage, in the issue\'s order, and carries it', () => {
    expect(manifests).toHaveLength(derived.length);
    for (const m of manifests) {
      const hook = m.metadata.annotations?.['argocd.argoproj.io/hook'] !== undefined;
      expect([m.kind, m.metadata.name, m.metadata.annotations?.[WAVE]])
        .toEqual([m.kind, m.metadata.name, String(hook ? SyncStage.HOOKS : STAGE_OF[m.kind] ?? SyncStage.WORKLOADS)]);
    }
    // The kinds of every stage are there: the order is asserted on real objects.
    const kinds = new Set(manifests.map((m) => m.kind));
    for (const kind of ['ServiceAccount', 'ClusterRole', 'ConfigMap', 'NetworkPolicy', 'Job', 'Deployment', 'APIService', 'ScaledObject', 'HorizontalPodAutoscaler', 'PodMonitor', 'ServiceMonitor', 'PrometheusRule', 'Application']) {
      expect(kinds).toContain(kind);
    }
    expect([SyncStage.NAMESPACES, SyncStage.SERVICE_ACCOUNTS, SyncStage.RBAC, SyncStage.CONFIG, SyncStage.HOOKS, SyncStage.WORKLOADS,
      SyncStage.API_SERVICES, SyncStage.AUTOSCALER_AUTH, SyncStage.AUTOSCALERS, SyncStage.MONITORS, SyncStage.RULES])
      .toEqual([-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5]);
  });

  test('every environment App carries its derived waves too: config, migrations hook, gateway, autoscaler, monitor', () => {
    expect(environments.map((e) => e.outdir)).toEqual(['/nonexistent/never-written/environments/dev', '/nonexistent/never-written/environments/prod']);
    const prod = environments[1].charts.flatMap((c) => c.toJson());
    const wave = (kind: string, name: string) => Number(prod.find((m) => m.kind === kind && m.metadata.name === name)?.metadata.annotations?.[WAVE]);
    expect([wave('ConfigMap', 'litellm-config'), wave('Job', 'litellm-migrations'), wave('Deployment', 'litellm'), wave('ScaledObject', 'model'), wave('PodMonitor', 'model')])
      .toEqual([SyncStage.CONFIG, SyncStage.HOOKS, SyncStage.WORKLOADS, SyncStage.AUTOSCALERS, SyncStage.MONITORS]);
    for (const env of environments) {
      for (const d of deriveSyncWaves(env)) expect(d.apiObject.toJson().metadata.annotations[WAVE]).toBe(String(d.wave));
    }
  });

  test('the LiteLLM migrations hook runs before the proxy, whose config comes before it', () => {
    const hook = waveOf(derived, 'reference-platform/gateway/Migrations/Resource/Resource');
    const proxy = waveOf(derived, 'reference-platform/gateway/Resource/Resource');
    const config = waveOf(derived, 'reference-platform/gateway/ConfigMap/Resource');
    expect(config).toBeLessThan(hook);
    expect(hook).toBeLessThan(proxy);
    // The hook's hand-set wave (lib/core/_argocd.ts, for users who do not derive waves) and
    // Argo CD's default wave of the unannotated proxy come out the same.
    expect([hook, proxy]).toEqual([-1, 0]);
  });

  test('every pod\'s ServiceAccount and ConfigMaps come before it; its claims in its own wave', () => {
    const wave = (kind: string, ns: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.namespace === ns && m.metadata.name === name)?.metadata.annotations[WAVE];
    let checked = 0;
    for (const m of manifests.filter((x) => x.spec?.template?.spec)) {
      const own = Number(m.metadata.annotations[WAVE]);
      const pod = m.spec.template.spec;
      const ns = m.metadata.namespace;
      if (pod.serviceAccountName && wave('ServiceAccount', ns, pod.serviceAccountName) !== undefined) {
        expect(Number(wave('ServiceAccount', ns, pod.serviceAccountName))).toBeLessThan(own);
        checked++;
      }
      for (const v of pod.volumes ?? []) {
        if (v.configMap && wave('ConfigMap', ns, v.configMap.name) !== undefined) {
          expect(Number(wave('ConfigMap', ns, v.configMap.name))).toBeLessThan(own);
          checked++;
        }
        if (v.persistentVolumeClaim) {
          expect(Number(wave('PersistentVolumeClaim', ns, v.persistentVolumeClaim.claimName))).toBe(own);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  test('autoscalers come after the workloads they scale, monitors after autoscalers, rules last', () => {
    const workloads = Math.max(...[...byKind('Deployment'), ...byKind('DaemonSet')].map((d) => d.wave));
    const autoscalers = [...byKind('HorizontalPodAutoscaler'), ...byKind('ScaledObject'), ...byKind('VerticalPodAutoscaler')].map((d) => d.wave);
    const monitors = [...byKind('ServiceMonitor'), ...byKind('PodMonitor')].map((d) => d.wave);
    expect(autoscalers.length).toBeGreaterThanOrEqual(8);
    expect(Math.min(...autoscalers)).toBeGreaterThan(workloads);
    expect(Math.min(...monitors)).toBeGreaterThan(Math.max(...autoscalers));
    const rules = byKind('PrometheusRule').map((d) => d.wave);
    expect(rules.length).toBeGreaterThanOrEqual(1);
    for (const r of rules) expect(r).toBe(Math.max(...derived.map((d) => d.wave)));
    expect(Math.max(...monitors)).toBeLessThan(Math.min(...rules));
  });

  test('the adapter\'s APIService comes after the adapter it routes to, before the HPAs that read it', () => {
    const api = byKind('APIService').filter((d) => d.apiObject.node.path.startsWith('reference-monitoring/'));
    expect(api).toHaveLength(1);
    expect(api[0].wave).toBeGreaterThan(waveOf(derived, 'reference-monitoring/prometheus-adapter/Resource/Resource'));
    expect(api[0].wave).toBeLessThan(Math.min(...byKind('HorizontalPodAutoscaler').map((d) => d.wave)));
  });

  test('every object carries its wave as the annotation and stays strictly valid', () => {
    expect(manifests).toHaveLength(derived.length);
    for (const d of derived) expect(d.apiObject.toJson().metadata.annotations[WAVE]).toBe(String(d.wave));
    expectValidManifests(manifests);
  });
});

describe('deriveSyncWaves', () => {
  test('prerequisites by kind: Namespace, ServiceAccount, RBAC, ConfigMap/Secret, then workloads, TriggerAuthentication, ScaledObject', () => {
    const chart = Testing.chart();
    obj(chart, 'apps', 'v1', 'Namespace');
    obj(chart, 'sa', 'v1', 'ServiceAccount', { metadata: { namespace: 'apps' } });
    obj(chart, 'role', 'rbac.authorization.k8s.io/v1', 'Role', { metadata: { namespace: 'apps' }, rules: [] });
    obj(chart, 'bind', 'rbac.authorization.k8s.io/v1', 'RoleBinding', {
      metadata: { namespace: 'apps' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'role' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }],
    });
    obj(chart, 'creds', 'v1', 'Secret', { metadata: { namespace: 'apps' } });
    obj(chart, 'policy', 'networking.k8s.io/v1', 'NetworkPolicy', { metadata: { namespace: 'apps' }, spec: { podSelector: {} } });
    obj(chart, 'auth', 'keda.sh/v1alpha1', 'TriggerAuthentication', { metadata: { namespace: 'apps' }, spec: { secretTargetRef: [{ parameter: 'password', name: 'creds', key: 'p' }] } });
    obj(chart, 'scaler', 'keda.sh/v1alpha1', 'ScaledObject', {
      metadata: { namespace: 'apps' },
      spec: { scaleTargetRef: { name: 'web' }, triggers: [{ type: 'redis', metadata: { listName: 'q' }, authenticationRef: { name: 'auth' } }] },
    });
    deployment(chart, 'web', { serviceAccountName: 'sa', volumes: [{ name: 'c', secret: { secretName: 'creds' } }] }, 'apps');
    const waves = Object.fromEntries(deriveSyncWaves(chart).map((d) => [d.id, d.wave]));
    expect(waves).toEqual({
      'Namespace apps': -5,
      'ServiceAccount apps/sa': -4,
      'Role apps/role': -3,
      'RoleBinding apps/bind': -3,
      'Secret apps/creds': -2,
      'NetworkPolicy apps/policy': -2,
      'TriggerAuthentication apps/auth': 2,
      'ScaledObject apps/scaler': 3,
      'Deployment apps/web': 0,
    });
  });

  test('hooks of any phase are in the hook stage; kinds it does not know are workloads', () => {
    const chart = Testing.chart();
    obj(chart, 'smoke', 'batch/v1', 'Job', { metadata: { annotations: { 'argocd.argoproj.io/hook': 'PostSync' } } });
    obj(chart, 'route', 'gateway.networking.k8s.io/v1', 'HTTPRoute', { spec: {} });
    expect(deriveSyncWaves(chart).map((d) => [d.id, d.stage, d.wave])).toEqual([
      ['Job smoke', SyncStage.HOOKS, -1],
      ['HTTPRoute route', SyncStage.WORKLOADS, 0],
    ]);
  });

  test('a cdk8s dependency puts an object in a later wave than what it depends on, and what needs it follows', () => {
    const chart = Testing.chart();
    const seed = obj(chart, 'seed', 'batch/v1', 'Job', { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'busybox:1.36' }] } } } });
    const config = obj(chart, 'config', 'v1', 'ConfigMap');
    config.node.addDependency(seed);
    deployment(chart, 'web', { volumes: [{ name: 'c', configMap: { name: 'config' } }] });
    deployment(chart, 'other');
    const waves = Object.fromEntries(deriveSyncWaves(chart).map((d) => [d.id, d.wave]));
    // The Job must be healthy (done) before the ConfigMap; the Deployment mounting it may
    // share the ConfigMap's wave (Argo CD applies ConfigMaps before Deployments within one).
    expect(waves).toEqual({ 'Job seed': 0, 'ConfigMap config': 1, 'Deployment web': 1, 'Deployment other': 0 });
  });

  test('dependencies between charts order nothing: waves order one chart (one Application)', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a');
    const b = new Chart(app, 'b');
    const first = deployment(a, 'first');
    const second = deployment(b, 'second');
    second.node.addDependency(first);
    expect(deriveSyncWaves(app).map((d) => [d.id, d.wave])).toEqual([['Deployment first', 0], ['Deployment second', 0]]);
  });

  test('stages for other kinds', () => {
    const chart = Testing.chart();
    obj(chart, 'db-creds', 'external-secrets.io/v1', 'ExternalSecret', { spec: {} });
    const derived = deriveSyncWaves(chart, { stages: { 'external-secrets.io/ExternalSecret': SyncStage.CONFIG } });
    expect(derived.map((d) => [d.id, d.wave])).toEqual([['ExternalSecret db-creds', -2]]);
  });

  test('a cycle is refused, naming the objects, constructs and the dependency to remove', () => {
    const chart = Testing.chart();
    const ns = obj(chart, 'apps', 'v1', 'Namespace');
    const inApps = obj(chart, 'cm', 'v1', 'ConfigMap', { metadata: { namespace: 'apps' } });
    ns.node.addDependency(inApps);
    expect(() => deriveSyncWaves(chart)).toThrow(new Error(
      '\'dependencies\' ("Namespace apps → ConfigMap apps/cm → Namespace apps") form a sync-wave cycle: '
      + 'Namespace apps (\'test/apps\') after ConfigMap apps/cm: \'test/apps\' depends on \'test/cm\' (node.addDependency); '
      + 'ConfigMap apps/cm (\'test/cm\') after Namespace apps: it is in that namespace; '
      + 'no wave order satisfies them: remove one of these dependencies'));
  });

  test('bad options and scope are refused, naming the prop', () => {
    const chart = Testing.chart();
    expect(() => deriveSyncWaves(chart, { stages: { ExternalSecret: SyncStage.CONFIG } })).toThrow(new Error(
      '\'stages.ExternalSecret\' (-2) must be keyed by \'<group>/<Kind>\' (a core kind as \'/<Kind>\'), e.g. \'external-secrets.io/ExternalSecret\''));
    expect(() => deriveSyncWaves(chart, { stages: { 'x.io/Thing': 7 as SyncStage } })).toThrow(new Error('\'stages.x.io/Thing\' (7) must be a SyncStage'));
    expect(() => deriveSyncWaves(undefined as unknown as Chart)).toThrow(new Error(
      '\'scope\' (undefined) must be a cdk8s App or Chart: pass the construct whose objects get sync waves'));
  });

  test('applySyncWaves replaces a wave set by hand', () => {
    const app = new App({ outdir: '/nonexistent/never-written' });
    const chart = new Chart(app, 'c');
    obj(chart, 'cfg', 'v1', 'ConfigMap', { metadata: { annotations: { [WAVE]: '7' } } });
    applySyncWaves(app);
    expect(chart.toJson()[0].metadata.annotations).toEqual({ [WAVE]: '-2' });
  });
});
