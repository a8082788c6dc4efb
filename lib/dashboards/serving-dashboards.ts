import { ApiObject, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { acceleratorsDashboard } from './_accelerators';
import { autoscalingDashboard } from './_autoscaling';
import { validateDashboardEndpointPickers, withEndpointPickers } from './_epp';
import { gatewayDashboard } from './_gateway';
import { DashboardSpec, checkDashboard, renderDashboard, requirePanel, requireVariable } from './_model';
import { modelPoolDashboard } from './_model-pool';
import { DashboardPanel, DashboardVariable } from './dashboard-panel';
import { RecordingRules } from '../alerts/recording-rules';
import { HorizontalAutoscaler } from '../autoscaling/hpa';
import { KedaScaledObject } from '../autoscaling/keda-scaled-object';
import { recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { baseName, claimName } from '../core/_naming';
import { invalid } from '../core/_validation';
import type { EndpointPicker } from '../gateway/endpoint-picker';
import { LiteLLMProxy } from '../litellm/litellm-proxy';
import { unmonitoredPool } from '../metrics/_pool-identity';
import { MetricDefinition, MetricType } from '../metrics/catalog';
import { unmonitoredEndpointPicker } from '../metrics/_epp-identity';
import { AcceleratorKind } from '../vllm/accelerator';
import { isServingPool, ServingPool } from '../vllm/serving-pool';

/** The dashboards `ServingDashboards` renders. */
export enum ServingDashboard {
  /** The LiteLLM proxy: requests, errors, latency, fallbacks, in-flight, tokens, spend per model group. */
  GATEWAY = 'gateway',
  /** The vLLM pools: queue, running, KV cache, TTFT / ITL / E2E quantiles, tokens/s, preemptions, replicas. */
  MODEL_POOL = 'model-pool',
  /** Every HPA and ScaledObject of the App: replicas, KEDA scaler values vs thresholds, errors, failing scalers. */
  AUTOSCALING = 'autoscaling',
  /** The pools' NVIDIA GPUs (dcgm-exporter): engine activity, utilization, framebuffer, temperature. */
  ACCELERATORS = 'accelerators',
}

/**
 * The label the kube-prometheus-stack Grafana sidecar selects dashboard ConfigMaps by, and its
 * value: kube-prometheus-stack values.yaml `grafana.sidecar.dashboards.label: grafana_dashboard`,
 * `labelValue: "1"` (prometheus-community/helm-charts charts/kube-prometheus-stack/values.yaml;
 * with `searchNamespace: ALL` since chart 45.12, CHANGELOG #2927).
 */
export const GRAFANA_SIDECAR_LABEL = 'grafana_dashboard';
/**
 * The folder annotation the reference Grafana sidecar is configured with. The grafana chart has
 * no default (`sidecar.dashboards.folderAnnotation: null`, "If specified, the sidecar will look
 * for annotation with this name to create folder and put graph here", used with
 * `provider.foldersFromFilesStructure`; grafana/helm-charts charts/grafana/values.yaml @001363be):
 * set `folderAnnotation: grafana_folder` there, or pass yours as `folderAnnotation`.
 */
export const GRAFANA_FOLDER_ANNOTATION = 'grafana_folder';
/**
 * Argo CD's per-resource sync option (argoproj/argo-cd docs/user-guide/sync-options.md @03070f7a, "Server-Side
 * Apply"): a dashboard ConfigMap over `SERVER_SIDE_APPLY_BYTES` carries it, because a
 * client-side apply stores the whole object in the `last-applied-configuration` annotation,
 * which may not exceed 262144 bytes.
 */
const ARGOCD_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
const SERVER_SIDE_APPLY_BYTES = 200_000;
/** The construct id of each dashboard's ConfigMap (a contract: it names nothing, but moving it would replace the object). */
const CONSTRUCT_IDS: Record<ServingDashboard, string> = {
  [ServingDashboard.GATEWAY]: 'Gateway',
  [ServingDashboard.MODEL_POOL]: 'ModelPool',
  [ServingDashboard.AUTOSCALING]: 'Autoscaling',
  [ServingDashboard.ACCELERATORS]: 'Accelerators',
};

/** Props of `ServingDashboards`. */
export interface ServingDashboardsProps {
  /**
   * The base name of the ConfigMaps (`<name>-<dashboard>`) and of the dashboard uids.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The proxy of the Gateway dashboard.
   * @default - no Gateway dashboard
   */
  readonly proxy?: LiteLLMProxy;
  /**
   * The pools of the Model pool dashboard (each needs its PodMonitor, `pool.monitor()`, which
   * adds the `pool` label the queries select by) and, for those on NVIDIA GPUs, of the
   * Accelerators dashboard. Any `ServingPool`: a `MultiNodeVllmPool`'s replicas are shown as
   * groups (its ready leaders, its autoscaler's desired replicas), every pod of its groups on
   * the Accelerators dashboard.
   * @default - no Model pool or Accelerators dashboard
   */
  readonly pools?: ServingPool[];
  /**
   * Recording rules whose series the quantile and rate panels read (when they record the
   * proxy, and every pool): one series per panel line instead of a `histogram_quantile`
   * over every bucket at each refresh.
   * @default - the panels compute quantiles and rates from the raw series
   */
  readonly recordingRules?: RecordingRules;
  /**
   * Metrics of your own (from `defineMetric()`) that panels added with `addPanel()` may read.
   * @default - catalog metrics and recorded series only
   */
  readonly declaredMetrics?: MetricDefinition[];
  /**
   * The Grafana folder the sidecar files the dashboards in (the `folderAnnotation` value).
   * @default 'LLM serving'
   */
  readonly folder?: string;
  /**
   * The annotation name the Grafana sidecar reads the folder from (`sidecar.dashboards.folderAnnotation`).
   * @default 'grafana_folder'
   */
  readonly folderAnnotation?: string;
  /**
   * Labels the sidecar selects dashboard ConfigMaps by (`sidecar.dashboards.label` / `labelValue`).
   * @default { grafana_dashboard: '1' }
   */
  readonly sidecarLabels?: Record<string, string>;
  /**
   * The endpoint pickers (EPPs) of InferencePools in front of `pools`: a row `Endpoint picker`
   * on the Model pool dashboard (ready endpoints, queue and KV cache as the EPP sees them,
   * requests and errors, scheduling and request latency), with a variable `epp` picking them.
   * Each model pool must be one of `pools`, and each EPP needs its ServiceMonitor
   * (`monitor()`), checked at synth.
   * @default - no EPP row
   */
  readonly endpointPickers?: EndpointPicker[];
}

/**
 * The four Grafana dashboards of an LLM gateway (Gateway, Model pool, Autoscaling,
 * Accelerators), generated from the metric catalog and the constructs' metric helpers (a renamed
 * metric breaks the build, not the dashboard) with the Grafana Foundation SDK builders, and
 * delivered as ConfigMaps the kube-prometheus-stack Grafana sidecar loads (label
 * `grafana_dashboard: "1"`, folder annotation). Each dashboard has a `datasource` variable
 * (type prometheus) and `namespace` (and `pool`) variables.
 *
 * At synth every panel query is parsed with the PromQL grammar and must read only catalog
 * metrics, series of `recordingRules` or `declaredMetrics`; every variable must be used by a
 * query. The Autoscaling dashboard covers every `HorizontalAutoscaler` and `KedaScaledObject`
 * of the App, found at synth.
 *
 * @example
 * new ServingDashboards(monitoring, 'llm-dashboards', { proxy, pools: [llama, qwen], recordingRules: rules });
 */
export class ServingDashboards extends Construct {
  /** The ConfigMap of each rendered dashboard. */
  public readonly configMaps: ReadonlyMap<ServingDashboard, kplus.ConfigMap>;
  /** The namespace of the ConfigMaps. */
  public readonly namespace: string;

  private readonly pools: readonly ServingPool[];
  private readonly proxy?: LiteLLMProxy;
  private readonly rules?: RecordingRules;
  private readonly declared: readonly MetricDefinition[];
  private readonly extraPanels = new Map<ServingDashboard, DashboardPanel[]>();
  private readonly extraVariables = new Map<ServingDashboard, DashboardVariable[]>();
  private readonly baseName: string;
  private readonly endpointPickers: readonly EndpointPicker[];

  public constructor(scope: Construct, id: string, props: ServingDashboardsProps = {}) {
    super(scope, id);
    this.namespace = requireChartNamespace(this, 'ServingDashboards');
    if (props === null || typeof props !== 'object') throw invalid('props', props, 'must be an object: { proxy?, pools?, recordingRules? }');
    const pools = props.pools ?? [];
    if (!Array.isArray(pools)) throw invalid('pools', pools, 'must be a list of ServingPool (VllmPool or MultiNodeVllmPool)');
    pools.forEach((p, i) => {
      if (!isServingPool(p)) throw invalid(`pools[${i}]`, p, 'must be a ServingPool (a VllmPool or a MultiNodeVllmPool)');
      if (pools.indexOf(p) !== i) throw invalid(`pools[${i}]`, p.node.path, `is listed twice (also pools[${pools.indexOf(p)}]): list each pool once`);
    });
    if (props.proxy !== undefined && !(props.proxy instanceof LiteLLMProxy)) throw invalid('proxy', props.proxy, 'must be a LiteLLMProxy');
    if (props.recordingRules !== undefined && !(props.recordingRules instanceof RecordingRules)) throw invalid('recordingRules', props.recordingRules, 'must be a RecordingRules');
    const declared = props.declaredMetrics ?? [];
    if (!Array.isArray(declared)) throw invalid('declaredMetrics', declared, 'must be a list of metric definitions (defineMetric())');
    declared.forEach((d, i) => {
      if (d === null || typeof d !== 'object' || typeof d.name !== 'string' || !Object.values(MetricType).includes(d.type)) {
        throw invalid(`declaredMetrics[${i}]`, d, 'must be a metric definition, as returned by defineMetric()');
      }
    });
    const folder = props.folder ?? 'LLM serving';
    if (typeof folder !== 'string' || folder.trim() === '' || /[/\\]/.test(folder)) throw invalid('folder', folder, 'must be a non-empty Grafana folder name without \'/\' or \'\\\'');
    const folderAnnotation = props.folderAnnotation ?? GRAFANA_FOLDER_ANNOTATION;
    if (typeof folderAnnotation !== 'string' || !/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(folderAnnotation)) {
      throw invalid('folderAnnotation', folderAnnotation, 'must be a Kubernetes annotation name, e.g. grafana_folder');
    }
    const sidecarLabels = props.sidecarLabels ?? { [GRAFANA_SIDECAR_LABEL]: '1' };
    if (sidecarLabels === null || typeof sidecarLabels !== 'object' || Object.keys(sidecarLabels).length === 0
      || Object.values(sidecarLabels).some(v => typeof v !== 'string')) {
      throw invalid('sidecarLabels', sidecarLabels, 'must be a non-empty map of label name to string value, e.g. { grafana_dashboard: \'1\' }');
    }
    this.endpointPickers = validateDashboardEndpointPickers(props.endpointPickers, pools);
    this.pools = pools;
    this.proxy = props.proxy;
    this.rules = props.recordingRules;
    this.declared = declared;
    this.baseName = baseName(this, 'name', props.name);

    const kinds: ServingDashboard[] = [ServingDashboard.AUTOSCALING];
    if (props.proxy) kinds.unshift(ServingDashboard.GATEWAY);
    if (pools.length) kinds.splice(kinds.indexOf(ServingDashboard.AUTOSCALING), 0, ServingDashboard.MODEL_POOL);
    if (this.nvidiaPools.length) kinds.push(ServingDashboard.ACCELERATORS);

    const maps = new Map<ServingDashboard, kplus.ConfigMap>();
    for (const kind of kinds) {
      const name = claimName(this, 'ConfigMap', `${this.baseName}-${kind}`, this.namespace);
      const cm = new kplus.ConfigMap(this, CONSTRUCT_IDS[kind], {
        metadata: {
          name,
          labels: { ...recommendedLabels('grafana-dashboard', this.baseName, 'dashboards'), ...sidecarLabels },
          annotations: { [folderAnnotation]: folder },
        },
      });
      // Resolved at synth: panels added later and autoscalers created after this construct count.
      cm.addData(`${name}.json`, Lazy.any({ produce: () => this.json(kind) }) as unknown as string);
      maps.set(kind, cm);
    }
    this.configMaps = maps;
    this.node.addValidation({ validate: () => this.validate() });
  }

  /** The dashboards this construct renders. */
  public get dashboards(): ServingDashboard[] {
    return [...this.configMaps.keys()];
  }

  /**
   * Adds a panel of your own to a dashboard (checked at synth like the generated ones: PromQL,
   * catalog, recorded or declared metrics only).
   */
  public addPanel(dashboard: ServingDashboard, panel: DashboardPanel): void {
    this.requireDashboard(dashboard);
    const list = this.extraPanels.get(dashboard) ?? [];
    list.push(requirePanel('panel', panel));
    this.extraPanels.set(dashboard, list);
  }

  /** Adds a custom template variable to a dashboard; some query must use it (`$name`), checked at synth. */
  public addVariable(dashboard: ServingDashboard, variable: DashboardVariable): void {
    this.requireDashboard(dashboard);
    const list = this.extraVariables.get(dashboard) ?? [];
    const taken = ['datasource', ...this.baseSpec(dashboard).variables.map(v => v.name), ...list.map(v => v.name)];
    list.push(requireVariable('variable', variable, taken));
    this.extraVariables.set(dashboard, list);
  }

  /**
   * The dashboard model as Grafana reads it (the ConfigMap's JSON), built with the Grafana
   * Foundation SDK.
   */
  public model(dashboard: ServingDashboard): Record<string, unknown> {
    this.requireDashboard(dashboard);
    return renderDashboard(this.spec(dashboard)) as unknown as Record<string, unknown>;
  }

  private json(kind: ServingDashboard): string {
    return JSON.stringify(this.model(kind), null, 2);
  }

  private get nvidiaPools(): ServingPool[] {
    return this.pools.filter(p => p.accelerator.kind === AcceleratorKind.NVIDIA_GPU || p.accelerator.kind === AcceleratorKind.NVIDIA_MIG);
  }

  private requireDashboard(dashboard: ServingDashboard): void {
    if (!this.configMaps.has(dashboard)) {
      throw invalid('dashboard', dashboard, `is not rendered by ServingDashboards '${this.node.path}' (it renders ${[...this.configMaps.keys()].join(', ')})`);
    }
  }

  private baseSpec(kind: ServingDashboard): DashboardSpec {
    const uid = `${this.baseName}-${kind}`.slice(0, 40);
    switch (kind) {
      case ServingDashboard.GATEWAY: return gatewayDashboard(uid, this.proxy!, this.rules);
      case ServingDashboard.MODEL_POOL: return withEndpointPickers(modelPoolDashboard(uid, this.pools, this.rules), this.endpointPickers);
      case ServingDashboard.ACCELERATORS: return acceleratorsDashboard(uid, this.nvidiaPools);
      case ServingDashboard.AUTOSCALING: return autoscalingDashboard(uid, this.autoscalers());
    }
  }

  private spec(kind: ServingDashboard): DashboardSpec {
    const base = this.baseSpec(kind);
    return {
      ...base,
      variables: [...base.variables, ...(this.extraVariables.get(kind) ?? [])],
      panels: [...base.panels, ...(this.extraPanels.get(kind) ?? [])],
    };
  }

  /** Every HPA and ScaledObject of the App, in construct order. */
  private autoscalers(): (HorizontalAutoscaler | KedaScaledObject)[] {
    return this.node.root.node.findAll().filter((c: IConstruct): c is HorizontalAutoscaler | KedaScaledObject =>
      c instanceof HorizontalAutoscaler || c instanceof KedaScaledObject);
  }

  private validate(): string[] {
    const errors = this.pools.flatMap((p, i) => unmonitoredPool(`pools[${i}]`, p, `ServingDashboards '${this.node.path}'`) ?? []);
    errors.push(...this.endpointPickers.flatMap((e, i) => unmonitoredEndpointPicker(`endpointPickers[${i}]`, e, `ServingDashboards '${this.node.path}'`) ?? []));
    if (this.rules && this.rules.node.root !== this.node.root) {
      errors.push(invalid('recordingRules', this.rules.node.path, `is not in the App of ServingDashboards '${this.node.path}': nothing would record the series its panels read; create the RecordingRules in the same App`).message);
    }
    if (errors.length) return errors;
    const known = new Set<string>([...(this.rules?.recordedMetrics ?? []).map(m => m.name), ...this.declared.map(d => d.name)]);
    for (const [kind, cm] of this.configMaps) {
      errors.push(...checkDashboard(`dashboards.${kind}`, this.spec(kind), known));
      if (Buffer.byteLength(this.json(kind)) > SERVER_SIDE_APPLY_BYTES) ApiObject.of(cm).metadata.addAnnotation(ARGOCD_SYNC_OPTIONS, 'ServerSideApply=true');
    }
    return errors;
  }
}
