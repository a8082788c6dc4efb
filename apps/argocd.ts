import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ArgoCdApplication, ArgoCdAutomatedSync } from '../lib';
import { invalid } from '../lib/core/_validation';

/** The platform repo that commits `dist/` and that Argo CD reads: replace with yours. */
export const PLATFORM_REPO_URL = 'https://github.com/acme/platform.git';
/** The branch of the platform repo Argo CD deploys. */
export const PLATFORM_REPO_REVISION = 'main';
/** The folder `npm run synth` writes (`output:` in cdk8s.yaml), relative to the repo root. */
export const DIST = 'dist';

/** Props of {@link ArgoCdStack}. */
export interface ArgoCdStackProps {
  /** The charts to deploy, one Application each (charts of the stack's App or of another App). */
  readonly charts: Chart[];
  /**
   * The folder of the charts' YAML in the platform repo.
   *
   * @default DIST
   */
  readonly path?: string;
  /**
   * The cluster, as registered in Argo CD.
   *
   * @default 'https://kubernetes.default.svc' (the cluster Argo CD runs in)
   */
  readonly cluster?: string;
  /**
   * The Argo CD project of the Applications.
   *
   * @default 'default'
   */
  readonly project?: string;
  /**
   * Sync on every commit, pruning and self-healing.
   *
   * @default { prune: true, selfHeal: true }
   */
  readonly automatedSync?: ArgoCdAutomatedSync;
  /**
   * Prefixed to every Application's name (`<prefix>-<chart id>`): one Argo CD deploying
   * several environments keeps their Applications apart in its namespace.
   *
   * @default - the Applications are named after their charts
   */
  readonly prefix?: string;
}

/**
 * The Argo CD Applications of a set of charts: one `Application` per chart, named after it,
 * reading its file in `path` of {@link PLATFORM_REPO_URL} at {@link PLATFORM_REPO_REVISION},
 * deployed to the chart's namespace (created by Argo CD), with automated sync, and server-side
 * apply for the charts holding large objects (PrometheusRules).
 *
 * Its own file (`argocd.k8s.yaml`) is applied once by hand (`kubectl apply -n argocd -f
 * dist/argocd.k8s.yaml`, or from an app-of-apps Application you keep outside it); from then
 * on Argo CD syncs every chart from Git.
 */
export class ArgoCdStack extends Chart {
  /** One per chart, in the order of `charts`. */
  public readonly applications: ArgoCdApplication[];

  public constructor(scope: Construct, id: string, props: ArgoCdStackProps) {
    super(scope, id);
    const charts = props?.charts;
    if (!Array.isArray(charts) || charts.length === 0) {
      throw invalid('charts', charts, `of '${this.node.path}' must list at least one chart: the charts whose YAML Argo CD deploys`);
    }
    charts.forEach((chart, i) => {
      if (!Chart.isChart(chart)) throw invalid(`charts[${i}]`, chart, `of '${this.node.path}' must be a cdk8s Chart`);
      const first = charts.indexOf(chart);
      if (first !== i) {
        throw invalid(`charts[${i}]`, chart.node.path, `of '${this.node.path}' is also charts[${first}]: two Applications for one chart file would fight over every object; list each chart once`);
      }
    });
    this.applications = charts.map((chart) => new ArgoCdApplication(this, chart.node.id, {
      chart,
      name: props.prefix === undefined ? undefined : `${props.prefix}-${chart.node.id}`,
      source: { repoUrl: PLATFORM_REPO_URL, targetRevision: PLATFORM_REPO_REVISION, path: props.path ?? DIST },
      destination: props.cluster === undefined ? undefined : { server: props.cluster },
      project: props.project,
      automatedSync: props.automatedSync ?? { prune: true, selfHeal: true },
    }));
  }
}

/**
 * Adds an {@link ArgoCdStack} named `argocd` deploying every chart of `app` (call it once all
 * charts exist) from {@link DIST}.
 */
export function addArgoCd(app: App): ArgoCdStack {
  return new ArgoCdStack(app, 'argocd', { charts: [...app.charts] });
}
