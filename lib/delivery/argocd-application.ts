import * as path from 'path';
import { ApiObject, App, Chart, Lazy, Names, YamlOutputType } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { baseName, claimName } from '../core/_naming';
import { renderedJsonLength } from '../core/_synth-session';
import { formatValue, invalid, requireDnsLabel, requireDnsSubdomain } from '../core/_validation';

/**
 * Where Argo CD reads the chart's synthesized YAML: the platform repo that commits `dist/`.
 *
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/application-specification/
 */
export interface ArgoCdSource {
  /**
   * The Git URL of the platform repo. Kubernetes name: `spec.source.repoURL`.
   *
   * @example 'https://github.com/acme/platform.git'
   */
  readonly repoUrl: string;
  /**
   * The branch, tag or commit to deploy. Kubernetes name: `spec.source.targetRevision`.
   *
   * @default 'HEAD'
   */
  readonly targetRevision?: string;
  /**
   * The folder of the synthesized YAML in the repo, relative to its root: the cdk8s App's
   * output directory (`output:` in cdk8s.yaml). The chart's file (or folder) inside it is
   * derived from the chart and the App's `yamlOutputType`.
   *
   * @default - the chart's App `outdir` when it is a relative path (`cdk8s synth` sets `dist`)
   */
  readonly path?: string;
}

/** The cluster and namespace the chart is deployed to. Kubernetes name: `spec.destination`. */
export interface ArgoCdDestination {
  /**
   * The cluster's API server URL, as registered in Argo CD.
   *
   * @default 'https://kubernetes.default.svc' (the cluster Argo CD runs in)
   */
  readonly server?: string;
  /**
   * The namespace objects without one are applied to, and the one `CreateNamespace=true`
   * creates. It must be used by an object of the chart.
   *
   * @default - the chart's namespace, else the one namespace its objects use (none when all
   * its objects are cluster-scoped)
   */
  readonly namespace?: string;
}

/**
 * Automated sync: Argo CD syncs on every new commit of `targetRevision`.
 * Kubernetes name: `spec.syncPolicy.automated`.
 *
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/auto_sync/
 */
export interface ArgoCdAutomatedSync {
  /** Delete objects that are no longer in the chart. @default true */
  readonly prune?: boolean;
  /** Revert changes made in the cluster outside Git. @default true */
  readonly selfHeal?: boolean;
}

/** Props of {@link ArgoCdApplication}. */
export interface ArgoCdApplicationProps {
  /** The chart whose synthesized YAML this Application deploys. */
  readonly chart: Chart;
  /** The platform repo and folder holding the synthesized YAML. */
  readonly source: ArgoCdSource;
  /**
   * The Application's name.
   *
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The namespace Argo CD watches for Applications.
   *
   * @default 'argocd'
   */
  readonly namespace?: string;
  /**
   * The Argo CD project. Kubernetes name: `spec.project`.
   *
   * @default 'default'
   */
  readonly project?: string;
  /**
   * Where the chart is deployed.
   *
   * @default - the in-cluster API server and the chart's namespace
   */
  readonly destination?: ArgoCdDestination;
  /**
   * Sync automatically on new commits, pruning and self-healing.
   *
   * @default - no automated sync: each sync is started by hand (UI, CLI or API)
   */
  readonly automatedSync?: ArgoCdAutomatedSync;
  /**
   * Let Argo CD create the destination namespace (sync option `CreateNamespace=true`).
   *
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Apply with server-side apply (sync option `ServerSideApply=true`). Client-side apply
   * stores the whole object in the `kubectl.kubernetes.io/last-applied-configuration`
   * annotation, and all annotations of an object must fit in 256 KiB
   * (`TotalAnnotationSizeLimitB`, k8s.io/apimachinery pkg/api/validation/objectmeta.go), so
   * large objects fail to apply client-side.
   *
   * @default - true when the chart has a PrometheusRule (rule groups grow with every pool and
   * alert) or any object over 128 KiB of JSON (such as a Grafana dashboard ConfigMap)
   */
  readonly serverSideApply?: boolean;
}

/** Objects larger than this (JSON bytes) are applied server-side: half the annotation budget. */
const LARGE_OBJECT_BYTES = 128 * 1024;
const IN_CLUSTER = 'https://kubernetes.default.svc';

/** `<root of the App holding the Application>` → `<repo|path|file|server>` → construct path. */
const deployed = new WeakMap<IConstruct, Map<string, string>>();

/**
 * An Argo CD `Application` (argoproj.io/v1alpha1) that deploys one chart's synthesized YAML
 * from the platform repo: `spec.source.path` is the App's output folder, and with the default
 * `YamlOutputType.FILE_PER_CHART` `spec.source.directory.include` selects the chart's file.
 * One Application per chart (and environment): two for one chart file and one cluster
 * are refused.
 *
 * Sync options: `CreateNamespace=true`, and `ServerSideApply=true` when the chart holds large
 * objects (see `serverSideApply`). Combine it with `applySyncWaves(app)` so Argo CD applies
 * the chart's objects in a safe order.
 *
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/
 * @example
 * const platform = new ReferencePlatform(app, 'platform');
 * new ArgoCdApplication(argocdChart, 'platform', {
 *   chart: platform,
 *   source: { repoUrl: 'https://github.com/acme/platform.git', targetRevision: 'main' },
 *   automatedSync: { prune: true, selfHeal: true },
 * });
 */
export class ArgoCdApplication extends Construct {
  /** The Application object. */
  public readonly apiObject: ApiObject;
  /** The Application's name. */
  public readonly name: string;
  /**
   * The folder Argo CD reads, relative to the repo root (with `FOLDER_PER_CHART_FILE_PER_RESOURCE`,
   * the chart's folder without the `0000-` index cdk8s adds at synth when charts depend on each other).
   */
  public readonly sourcePath: string;
  /**
   * The chart's file in `sourcePath` when the App writes one file per chart (without the
   * `0000-` index cdk8s adds at synth when charts depend on each other).
   */
  public readonly sourceInclude?: string;

  private readonly chart: Chart;
  private readonly destinationNamespace?: string;

  public constructor(scope: Construct, id: string, props: ArgoCdApplicationProps) {
    super(scope, id);
    if (props === null || typeof props !== 'object') {
      throw invalid('props', props, 'must be an object with at least \'chart\' and \'source\'');
    }
    const chart = props.chart;
    if (!chart || !Chart.isChart(chart)) {
      throw invalid('chart', typeName(chart),
        `is required by '${this.node.path}': the cdk8s Chart whose synthesized YAML the Application deploys`);
    }
    this.chart = chart;
    const source = props.source;
    if (source === null || typeof source !== 'object') {
      throw invalid('source', source, `is required by '${this.node.path}': { repoUrl, targetRevision?, path? } of the platform repo holding the synthesized YAML`);
    }
    if (typeof source.repoUrl !== 'string' || !/^(https?:\/\/|ssh:\/\/|git@)\S+$/.test(source.repoUrl)) {
      throw invalid('source.repoUrl', source.repoUrl, `of '${this.node.path}' must be the Git URL of the platform repo (https://, ssh:// or git@host:path)`);
    }
    const targetRevision = source.targetRevision ?? 'HEAD';
    if (typeof targetRevision !== 'string' || targetRevision === '' || /\s/.test(targetRevision)) {
      throw invalid('source.targetRevision', targetRevision, `of '${this.node.path}' must be a branch, tag or commit with no spaces`);
    }
    const output = chartOutput(this, chart, source.path);
    this.sourcePath = output.folder ? `${output.dir}/${output.name}` : output.dir;
    this.sourceInclude = output.file;

    this.name = baseName(this, 'name', props.name);
    const namespace = props.namespace ?? 'argocd';
    requireString('namespace', namespace);
    requireDnsLabel('namespace', namespace);
    claimName(this, 'argoproj.io/Application', this.name, namespace);
    const project = props.project ?? 'default';
    requireString('project', project);
    requireDnsSubdomain('project', project);

    const destination = props.destination ?? {};
    if (typeof destination !== 'object' || destination === null) throw invalid('destination', destination, 'must be an object { server?, namespace? }');
    const server = destination.server ?? IN_CLUSTER;
    if (typeof server !== 'string' || !/^https?:\/\/\S+$/.test(server)) {
      throw invalid('destination.server', server, `of '${this.node.path}' must be the cluster's API server URL as registered in Argo CD, e.g. '${IN_CLUSTER}'`);
    }
    if (destination.namespace !== undefined) {
      requireString('destination.namespace', destination.namespace);
      requireDnsLabel('destination.namespace', destination.namespace);
    }
    this.destinationNamespace = destination.namespace;

    const automated = props.automatedSync;
    if (automated !== undefined && (automated === null || typeof automated !== 'object')) {
      throw invalid('automatedSync', automated, 'must be an object { prune?, selfHeal? } or left out for manual syncs');
    }
    for (const flag of ['createNamespace', 'serverSideApply'] as const) requireOptionalBoolean(flag, props[flag]);
    if (automated) for (const flag of ['prune', 'selfHeal'] as const) requireOptionalBoolean(`automatedSync.${flag}`, automated[flag]);

    // One Application per chart file and cluster: a second one would fight the first over
    // every object (each prunes what the other applies).
    const root = this.node.root;
    let registry = deployed.get(root);
    if (!registry) deployed.set(root, registry = new Map());
    const key = `${source.repoUrl}|${this.sourcePath}|${this.sourceInclude ?? ''}|${server}`;
    const owner = registry.get(key);
    if (owner !== undefined) {
      const what = this.sourceInclude ? `${this.sourcePath}/${this.sourceInclude}` : this.sourcePath;
      throw invalid('chart', chart.node.path,
        `is already deployed to ${server} by '${owner}' (${source.repoUrl} ${what}): '${this.node.path}' would fight it over every object; deploy each chart once per cluster (another destination.server for another cluster)`);
    }
    registry.set(key, this.node.path);

    const createNamespace = props.createNamespace ?? true;
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: this.name, namespace },
      spec: {
        project,
        source: {
          repoURL: source.repoUrl,
          targetRevision,
          path: output.folder ? Lazy.any({ produce: () => `${output.dir}/${this.chartIndexPrefix()}${output.name}` }) : output.dir,
          ...(output.file ? { directory: { include: output.oneFile ? output.file : Lazy.any({ produce: () => `${this.chartIndexPrefix()}${output.file}` }) } } : {}),
        },
        destination: {
          server,
          namespace: Lazy.any({ produce: () => this.resolveDestinationNamespace().namespace }),
        },
        syncPolicy: {
          ...(automated ? { automated: { prune: automated.prune ?? true, selfHeal: automated.selfHeal ?? true } } : {}),
          syncOptions: Lazy.any({
            produce: () => {
              const options: string[] = [];
              if (createNamespace && this.resolveDestinationNamespace().namespace) options.push('CreateNamespace=true');
              if (props.serverSideApply ?? this.hasLargeObjects()) options.push('ServerSideApply=true');
              return options.length > 0 ? options : undefined;
            },
          }),
        },
      },
    });

    this.node.addValidation({ validate: () => {
      const resolved = this.resolveDestinationNamespace();
      return resolved.error ? [resolved.error] : [];
    } });
  }

  /**
   * `0000-` when cdk8s numbers the chart files of the chart's App: when a chart is nested in
   * another or a construct depends on one in another chart (node_modules/cdk8s/lib/app.js,
   * resolveDependencies and IndexedChartNamer, which count in `app.charts` order).
   */
  private chartIndexPrefix(): string {
    const app = App.of(this.chart) as App;
    const indexed = app.node.findAll().some((c) => Chart.isChart(c)
      ? c.node.children.some((x) => Chart.isChart(x)) || c.node.dependencies.some((d) => d !== c && Chart.isChart(d))
      : c.node.dependencies.some((d) => chartOf(d) !== chartOf(c)));
    return indexed ? `${app.charts.indexOf(this.chart).toString().padStart(4, '0')}-` : '';
  }

  /** The namespaces the chart's namespaced objects use, sorted. */
  private chartNamespaces(): string[] {
    const namespaces = new Set<string>();
    for (const c of this.chart.node.findAll()) {
      if (c instanceof ApiObject && Chart.of(c) === this.chart && c.metadata.namespace) namespaces.add(c.metadata.namespace);
    }
    return [...namespaces].sort();
  }

  private resolveDestinationNamespace(): { namespace?: string; error?: string } {
    const used = this.chartNamespaces();
    const list = used.length > 0 ? used.map((n) => JSON.stringify(n)).join(', ') : 'none: all are cluster-scoped';
    const wanted = this.destinationNamespace ?? this.chart.namespace;
    if (wanted !== undefined) {
      if (used.includes(wanted)) return { namespace: wanted };
      const prop = this.destinationNamespace !== undefined ? 'destination.namespace' : 'chart.namespace';
      return { error: invalid(prop, wanted, `of '${this.node.path}' is used by no object of chart '${this.chart.node.path}' (namespaces: ${list}): Argo CD would create and watch an empty namespace; set 'destination.namespace' to one the chart uses`).message };
    }
    if (used.length <= 1) return { namespace: used[0] };
    return { error: invalid('destination.namespace', undefined, `of '${this.node.path}' is required: the objects of chart '${this.chart.node.path}' use several namespaces (${list}); set it to the one Argo CD should create`).message };
  }

  private hasLargeObjects(): boolean {
    return this.chart.node.findAll().some((c) => c instanceof ApiObject && Chart.of(c) === this.chart
      && (c.kind === 'PrometheusRule' || renderedJsonLength(c) > LARGE_OBJECT_BYTES));
  }
}

/**
 * Where `cdk8s synth` writes a chart, relative to the repo root: the App's folder, then either
 * the chart's file in it or the chart's folder (names without the index of `chartIndexPrefix`).
 */
function chartOutput(scope: IConstruct, chart: Chart, dirProp: string | undefined): { dir: string; name: string; file?: string; folder?: boolean; oneFile?: boolean } {
  const app = App.of(chart) as App;
  let dir = dirProp;
  if (dir === undefined) {
    if (path.isAbsolute(app.outdir) || app.outdir.startsWith('..')) {
      throw invalid('source.path', undefined, `of '${scope.node.path}' is required: the App of chart '${chart.node.path}' writes to ${JSON.stringify(app.outdir)}, not a folder of the repo; set it to the folder cdk8s synth writes in the repo, e.g. 'dist'`);
    }
    dir = app.outdir;
  }
  if (typeof dir !== 'string' || dir === '' || path.isAbsolute(dir) || dir.split(/[\\/]/).includes('..')) {
    throw invalid('source.path', dir, `of '${scope.node.path}' must be a folder of the repo relative to its root, e.g. 'dist'`);
  }
  dir = path.posix.normalize(dir.replace(/\\/g, '/')).replace(/\/$/, '');
  // cdk8s names a chart's file or folder Names.toDnsLabel(chart) (node_modules/cdk8s/lib/app.js,
  // SimpleChartNamer / SimpleChartFolderNamer).
  const name = Names.toDnsLabel(chart);
  switch (app.yamlOutputType) {
    case YamlOutputType.FILE_PER_CHART:
      return { dir, name, file: `${name}${app.outputFileExtension}` };
    case YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE:
      return { dir, name, folder: true };
    case YamlOutputType.FILE_PER_APP:
      return { dir, name: 'app', file: `app${app.outputFileExtension}`, oneFile: true };
    default:
      throw invalid('chart', chart.node.path, `of '${scope.node.path}' is in an App with yamlOutputType ${YamlOutputType[app.yamlOutputType]}, which writes the objects of all charts into one folder; use FILE_PER_CHART (the default) or FOLDER_PER_CHART_FILE_PER_RESOURCE`);
  }
}

function chartOf(c: IConstruct): Chart | undefined {
  return c.node.scopes.slice().reverse().find((s): s is Chart => Chart.isChart(s));
}

function typeName(v: unknown): unknown {
  return typeof v === 'object' && v !== null ? (v.constructor?.name ?? 'object') : v;
}

function requireString(prop: string, value: unknown): void {
  if (typeof value !== 'string') throw invalid(prop, value, 'must be a string');
}

function requireOptionalBoolean(prop: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') throw invalid(prop, value, `must be true or false, got ${formatValue(typeof value)}`);
}
