import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ARGOCD_HOOK, ARGOCD_SYNC_WAVE } from '../core/_argocd';
import { inSynthSession, noteRendered } from '../core/_synth-session';
import { invalid } from '../core/_validation';

/**
 * The stages of a rollout, in the order Argo CD applies them: each is the lowest sync wave
 * (`argocd.argoproj.io/sync-wave`) of the objects it holds.
 *
 * Argo CD applies one wave at a time and starts the next only once every object of the
 * earlier waves is synced and healthy; within a wave it orders by kind, then name (argo-cd
 * docs/user-guide/sync-waves.md). So a stage gates the next on health:
 * - Prerequisites that are healthy as soon as they exist come first: namespaces, then
 *   ServiceAccounts, RBAC, then configuration (ConfigMaps, Secrets, NetworkPolicies, so no
 *   pod ever starts without its config or outside its policy).
 * - Sync hooks such as the LiteLLM schema migrations Job run before the workloads, which
 *   therefore never start against an old schema.
 * - Workloads share one wave with the objects whose health depends on them: Services (a
 *   LoadBalancer Service is Progressing until it has an address), PodDisruptionBudgets and
 *   PersistentVolumeClaims (a claim on a `WaitForFirstConsumer` StorageClass stays Pending
 *   until a pod uses it; Argo CD before gitops-engine's "Waiting for consumer" change reports
 *   such a claim as Progressing, so an earlier wave would never finish: argo-cd
 *   gitops-engine/pkg/health/health_pvc.go).
 * - Then what needs running workloads: APIService registrations (served by a Deployment),
 *   KEDA TriggerAuthentications, autoscalers, monitors and, last, alert rules.
 *
 * Waves are spaced by one so a derived wave can push an object past its stage (see
 * {@link deriveSyncWaves}).
 */
export enum SyncStage {
  /** `Namespace`. */
  NAMESPACES = -5,
  /** `ServiceAccount`. */
  SERVICE_ACCOUNTS = -4,
  /** `ClusterRole`, `Role` and their bindings. */
  RBAC = -3,
  /** `ConfigMap`, `Secret`, `NetworkPolicy`, `ResourceQuota`, `LimitRange`, Argo CD `AppProject`. */
  CONFIG = -2,
  /** Objects with an `argocd.argoproj.io/hook` annotation, such as the LiteLLM migrations Job. */
  HOOKS = -1,
  /** Deployments, StatefulSets, DaemonSets, Jobs, Services, PDBs, PVCs, and any kind not listed elsewhere. */
  WORKLOADS = 0,
  /** `APIService` (for example prometheus-adapter's custom metrics API). */
  API_SERVICES = 1,
  /** KEDA `TriggerAuthentication` and `ClusterTriggerAuthentication`. */
  AUTOSCALER_AUTH = 2,
  /** `HorizontalPodAutoscaler`, KEDA `ScaledObject` and `ScaledJob`, `VerticalPodAutoscaler`. */
  AUTOSCALERS = 3,
  /** prometheus-operator `ServiceMonitor` and `PodMonitor`. */
  MONITORS = 4,
  /** prometheus-operator `PrometheusRule`. */
  RULES = 5,
}

/** `<group>/<Kind>` (core kinds: `/<Kind>`) → stage. */
const STAGES: ReadonlyMap<string, SyncStage> = new Map([
  ['/Namespace', SyncStage.NAMESPACES],
  ['/ServiceAccount', SyncStage.SERVICE_ACCOUNTS],
  ['rbac.authorization.k8s.io/ClusterRole', SyncStage.RBAC],
  ['rbac.authorization.k8s.io/Role', SyncStage.RBAC],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', SyncStage.RBAC],
  ['rbac.authorization.k8s.io/RoleBinding', SyncStage.RBAC],
  ['/ConfigMap', SyncStage.CONFIG],
  ['/Secret', SyncStage.CONFIG],
  ['/ResourceQuota', SyncStage.CONFIG],
  ['/LimitRange', SyncStage.CONFIG],
  ['networking.k8s.io/NetworkPolicy', SyncStage.CONFIG],
  ['argoproj.io/AppProject', SyncStage.CONFIG],
  ['apiregistration.k8s.io/APIService', SyncStage.API_SERVICES],
  ['keda.sh/TriggerAuthentication', SyncStage.AUTOSCALER_AUTH],
  ['keda.sh/ClusterTriggerAuthentication', SyncStage.AUTOSCALER_AUTH],
  ['autoscaling/HorizontalPodAutoscaler', SyncStage.AUTOSCALERS],
  ['keda.sh/ScaledObject', SyncStage.AUTOSCALERS],
  ['keda.sh/ScaledJob', SyncStage.AUTOSCALERS],
  ['autoscaling.k8s.io/VerticalPodAutoscaler', SyncStage.AUTOSCALERS],
  ['monitoring.coreos.com/ServiceMonitor', SyncStage.MONITORS],
  ['monitoring.coreos.com/PodMonitor', SyncStage.MONITORS],
  ['monitoring.coreos.com/PrometheusRule', SyncStage.RULES],
]);

/** Options of {@link deriveSyncWaves} and {@link applySyncWaves}. */
export interface SyncWaveOptions {
  /**
   * Stages for kinds the library does not know, as `<group>/<Kind>` (a core kind as
   * `/<Kind>`) → stage; they win over the built-in table.
   *
   * @example { 'external-secrets.io/ExternalSecret': SyncStage.CONFIG }
   * @default - kinds not in the built-in table are {@link SyncStage.WORKLOADS}
   */
  readonly stages?: { readonly [groupKind: string]: SyncStage };
}

/** The wave derived for one object. */
export interface DerivedSyncWave {
  /** The object. */
  readonly apiObject: ApiObject;
  /** `<Kind> <namespace>/<name>` (or `<Kind> <name>` when cluster-scoped). */
  readonly id: string;
  /** The stage of its kind. */
  readonly stage: SyncStage;
  /** Its wave: the stage's wave, or later when an object it needs is in a later wave. */
  readonly wave: number;
}

interface Node {
  readonly apiObject: ApiObject;
  readonly id: string;
  readonly stage: SyncStage;
  readonly json: any;
  /**
   * Objects this one needs, with the reason: `gap` 0 when existing first is enough (Argo CD
   * applies kinds in order within a wave), 1 when they must be healthy first (a later wave).
   */
  readonly after: Array<{ node: Node; why: string; gap: number }>;
}

/**
 * Derives the Argo CD sync wave of every object under `scope` (an App or a Chart) from its
 * kind ({@link SyncStage}) and from what it needs: an object comes after its Namespace,
 * the ServiceAccount, ConfigMaps, Secrets and PersistentVolumeClaims its pods use, the
 * roles and subjects it binds, the TriggerAuthentication and the workload it scales and the
 * Service an APIService routes to (never in an earlier wave than those: within a wave Argo CD
 * applies them first, by kind), and after every object it depends on through cdk8s
 * (`node.addDependency`: a later wave, so they are healthy first). Its wave is the latest
 * of its stage's wave and those bounds.
 *
 * Call it once the App is fully built (the objects are rendered to read their references).
 * Nothing is changed; {@link applySyncWaves} writes the annotations.
 *
 * @throws when the needs form a cycle, naming the objects and constructs on it
 * @returns one entry per object, in the order of `scope.node.findAll()`
 */
export function deriveSyncWaves(scope: IConstruct, options: SyncWaveOptions = {}): DerivedSyncWave[] {
  if (!scope || typeof scope !== 'object' || !scope.node) {
    throw invalid('scope', typeof scope === 'object' && scope !== null ? (scope as object).constructor?.name ?? 'object' : scope, 'must be a cdk8s App or Chart: pass the construct whose objects get sync waves');
  }
  const overrides = options.stages ?? {};
  for (const [key, stage] of Object.entries(overrides)) {
    if (!/^[a-z0-9.-]*\/[A-Za-z][A-Za-z0-9]*$/.test(key)) {
      throw invalid(`stages.${key}`, stage, 'must be keyed by \'<group>/<Kind>\' (a core kind as \'/<Kind>\'), e.g. \'external-secrets.io/ExternalSecret\'');
    }
    if (!Object.values(SyncStage).includes(stage)) {
      throw invalid(`stages.${key}`, stage, 'must be a SyncStage');
    }
  }
  const objects = scope.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  // A synth session (nothing changes while objects render): an Argo CD Application reads the
  // size of its chart's objects from what was rendered here instead of rendering them again.
  const nodes = inSynthSession(() => objects.map((apiObject): Node => {
    const json = apiObject.toJson();
    noteRendered(apiObject, { json });
    const groupKind = `${groupOf(json.apiVersion)}/${json.kind}`;
    const isHook = typeof json.metadata?.annotations?.[ARGOCD_HOOK] === 'string';
    const stage = overrides[groupKind] ?? (isHook ? SyncStage.HOOKS : STAGES.get(groupKind) ?? SyncStage.WORKLOADS);
    return { apiObject, json, stage, id: objectId(json), after: [] };
  }));
  linkNeeds(nodes);

  const waves = new Map<Node, number>();
  const visiting: Node[] = [];
  const visit = (node: Node): number => {
    const known = waves.get(node);
    if (known !== undefined) return known;
    const at = visiting.indexOf(node);
    if (at >= 0) throw cycleError(visiting.slice(at));
    visiting.push(node);
    let wave: number = node.stage;
    for (const { node: before, gap } of node.after) wave = Math.max(wave, visit(before) + gap);
    visiting.pop();
    waves.set(node, wave);
    return wave;
  };
  return nodes.map((n) => ({ apiObject: n.apiObject, id: n.id, stage: n.stage, wave: visit(n) }));
}

/**
 * Sets `argocd.argoproj.io/sync-wave` on every object under `scope` to the wave
 * {@link deriveSyncWaves} derives, replacing any wave set before. Call it once the App is
 * fully built, before `synthValidated(app)` / `app.synth()`.
 *
 * @example
 * const app = new App();
 * new MyPlatform(app, 'platform');
 * applySyncWaves(app);
 * synthValidated(app);
 * @returns the derived waves
 */
export function applySyncWaves(scope: IConstruct, options: SyncWaveOptions = {}): DerivedSyncWave[] {
  const derived = deriveSyncWaves(scope, options);
  for (const d of derived) d.apiObject.metadata.addAnnotation(ARGOCD_SYNC_WAVE, String(d.wave));
  return derived;
}

// ---------------------------------------------------------------------------------------------

/** Adds the "must come after" links between objects. */
function linkNeeds(nodes: Node[]): void {
  const byKey = new Map<string, Node>();
  for (const n of nodes) byKey.set(key(n.json.kind, n.json.metadata?.namespace, n.json.metadata?.name), n);
  const need = (node: Node, kind: string, namespace: string | undefined, name: unknown, why: string) => {
    if (typeof name !== 'string') return;
    const target = byKey.get(key(kind, namespace, name));
    if (target && target !== node) node.after.push({ node: target, why, gap: 0 });
  };

  for (const n of nodes) {
    const { json } = n;
    const ns: string | undefined = json.metadata?.namespace;
    if (ns) need(n, 'Namespace', undefined, ns, 'it is in that namespace');
    for (const pod of podSpecs(json)) {
      need(n, 'ServiceAccount', ns, pod.serviceAccountName, 'its pods run as it');
      for (const v of arr(pod.volumes)) {
        need(n, 'ConfigMap', ns, v?.configMap?.name, 'its pods mount it');
        need(n, 'Secret', ns, v?.secret?.secretName, 'its pods mount it');
        need(n, 'PersistentVolumeClaim', ns, v?.persistentVolumeClaim?.claimName, 'its pods mount it');
      }
      for (const c of [...arr(pod.initContainers), ...arr(pod.containers)]) {
        for (const e of arr(c?.envFrom)) {
          need(n, 'ConfigMap', ns, e?.configMapRef?.name, 'its pods read it');
          need(n, 'Secret', ns, e?.secretRef?.name, 'its pods read it');
        }
        for (const e of arr(c?.env)) {
          need(n, 'ConfigMap', ns, e?.valueFrom?.configMapKeyRef?.name, 'its pods read it');
          need(n, 'Secret', ns, e?.valueFrom?.secretKeyRef?.name, 'its pods read it');
        }
      }
    }
    if (json.kind === 'RoleBinding' || json.kind === 'ClusterRoleBinding') {
      const roleRef = json.roleRef ?? {};
      need(n, roleRef.kind, roleRef.kind === 'Role' ? ns : undefined, roleRef.name, 'it binds it');
      for (const s of arr(json.subjects)) {
        if (s?.kind === 'ServiceAccount') need(n, 'ServiceAccount', s.namespace ?? ns, s.name, 'it binds it');
      }
    }
    const target = json.spec?.scaleTargetRef ?? (json.kind === 'VerticalPodAutoscaler' ? json.spec?.targetRef : undefined);
    if (target) need(n, target.kind ?? 'Deployment', ns, target.name, 'it scales it');
    for (const t of arr(json.spec?.triggers)) {
      const ref = t?.authenticationRef;
      if (ref) need(n, ref.kind ?? 'TriggerAuthentication', ref.kind === 'ClusterTriggerAuthentication' ? undefined : ns, ref.name, 'its triggers authenticate with it');
    }
    if (json.kind === 'APIService') need(n, 'Service', json.spec?.service?.namespace, json.spec?.service?.name, 'it serves the API');
  }

  // cdk8s dependencies: every object under a construct comes after every object of the same
  // chart under what the construct depends on. Waves order one chart (one Argo CD
  // Application); dependencies between charts, and those cdk8s adds between charts at
  // synth, order nothing here.
  const byObject = new Map(nodes.map((n) => [n.apiObject as IConstruct, n]));
  const objectsUnder = (c: IConstruct, chart: Chart) => c.node.findAll()
    .map((x) => byObject.get(x)).filter((x): x is Node => x !== undefined && Chart.of(x.apiObject) === chart);
  const owners = new Set(nodes.flatMap((n) => n.apiObject.node.scopes).filter((c) => !Chart.isChart(c) && !(c instanceof App)));
  for (const c of owners) {
    const chart = Chart.of(c);
    for (const dep of c.node.dependencies) {
      const why = `'${c.node.path}' depends on '${dep.node.path}' (node.addDependency)`;
      for (const source of objectsUnder(c, chart)) {
        for (const target of objectsUnder(dep, chart)) if (target !== source) source.after.push({ node: target, why, gap: 1 });
      }
    }
  }
}

function cycleError(cycle: Node[]): Error {
  // Each object on the cycle needs the next one (it was reached through its needs).
  const steps = cycle.map((n, i) => {
    const next = cycle[(i + 1) % cycle.length];
    const link = n.after.find((a) => a.node === next);
    return `${n.id} ('${n.apiObject.node.path}') after ${next.id}: ${link?.why}`;
  });
  const ids = [...cycle, cycle[0]].map((n) => n.id).join(' → ');
  return invalid('dependencies', ids, `form a sync-wave cycle: ${steps.join('; ')}; no wave order satisfies them: remove one of these dependencies`);
}

function* podSpecs(json: any): Generator<any> {
  const spec = json?.spec;
  if (json?.kind === 'Pod' && spec) yield spec;
  if (spec?.template?.spec) yield spec.template.spec;
  if (spec?.jobTemplate?.spec?.template?.spec) yield spec.jobTemplate.spec.template.spec;
}

function arr(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

function groupOf(apiVersion: unknown): string {
  return typeof apiVersion === 'string' && apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

function key(kind: unknown, namespace: unknown, name: unknown): string {
  return `${String(kind)}|${typeof namespace === 'string' ? namespace : ''}|${String(name)}`;
}

function objectId(json: any): string {
  const ns = json.metadata?.namespace;
  return `${json.kind} ${ns ? `${ns}/` : ''}${json.metadata?.name}`;
}
