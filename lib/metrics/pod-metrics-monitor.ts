import { Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { MonitorDiscovery, validateDiscovery } from './discovery';
import * as monitoring from '../../imports/monitoring.coreos.com';
import { claimName } from '../core/_naming';
import { requireChartNamespace } from '../core/_namespace';
import { invalid, requireLabelKey } from '../core/_validation';

/**
 * Pods that no cdk8s-plus workload renders, for `PodMetricsMonitorProps.pods`: e.g. the
 * leader pods of a LeaderWorkerSet (`MultiNodeVllmPool`), which alone serve `/metrics`.
 */
export interface MonitoredPods {
  /** The construct that renders the pods (named in errors; the monitor's namespace is its chart's). */
  readonly owner: IConstruct;
  /** The workload's name: the PodMonitor's default name. */
  readonly name: string;
  /** Labels that select exactly the pods to scrape (the PodMonitor's `selector.matchLabels`). */
  readonly matchLabels: Readonly<Record<string, string>>;
  /** Labels every selected pod carries (what `copyPodLabels` may copy). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The names of the selected pods' container ports. */
  readonly portNames: readonly string[];
}

/** Props of `PodMetricsMonitor`. */
export interface PodMetricsMonitorProps {
  /**
   * The workload whose pods to scrape; the selector is its pod selector. Exactly one of
   * `workload` and `pods` is set.
   * @default - `pods`
   */
  readonly workload?: kplus.Deployment | kplus.DaemonSet;
  /**
   * Pods no cdk8s-plus workload renders (the leaders of a LeaderWorkerSet), selected by
   * their labels. Exactly one of `workload` and `pods` is set.
   * @default - `workload`
   */
  readonly pods?: MonitoredPods;
  /** The name of the container port that serves the metrics. */
  readonly port: string;
  /** @default '/metrics' */
  readonly path?: string;
  /** Discovery labels and interval. */
  readonly discovery: MonitorDiscovery;
  /** Keep the scraped `pod` / `namespace` labels. @default false */
  readonly honorLabels?: boolean;
  /**
   * The PodMonitor's name.
   * @default - the workload's name
   */
  readonly name?: string;
  /**
   * Pod labels to copy onto every series scraped from the pods, as target labels:
   * target label name → pod label key, e.g. `{ pool: 'app.kubernetes.io/instance' }`. Each
   * renders a relabeling that reads the pod label from service discovery
   * (`__meta_kubernetes_pod_label_<key>`, every character other than a letter, digit or `_`
   * replaced by `_`) and writes the target label, so the identity survives scraping.
   * Every pod label must be on the workload's pod template (or in `pods.podLabels`).
   *
   * Kubernetes name: `spec.podMetricsEndpoints[].relabelings` (`action: replace`).
   * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#kubernetes_sd_config
   * @default - none
   */
  readonly copyPodLabels?: Record<string, string>;
}

/** Prometheus label names (data model): letters, digits and `_`, not starting with a digit. */
const PROMETHEUS_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/**
 * Labels Prometheus and prometheus-operator set on every PodMonitor target; overwriting one
 * would break the target's identity (and every query scoped by it).
 */
const TARGET_LABELS = ['job', 'instance', 'namespace', 'pod', 'container', 'endpoint'];

/**
 * A prometheus-operator PodMonitor (`monitoring.coreos.com/v1`) for one workload's pods,
 * selecting them with the workload's own pod selector, on a container port name they have.
 * Scrapes every pod, whether or not a Service routes to it.
 */
export class PodMetricsMonitor extends Construct {
  /** The PodMonitor. */
  public readonly resource: monitoring.PodMonitor;
  /** The scraped workload, unless the monitor scrapes `pods`. */
  public readonly workload?: kplus.Deployment | kplus.DaemonSet;
  /** The scraped pods, when they are no cdk8s-plus workload's. */
  public readonly pods?: MonitoredPods;
  /** The scraped port name. */
  public readonly port: string;
  /** How Prometheus finds the monitor (its labels) and the scrape interval. */
  public readonly discovery: MonitorDiscovery;
  /** The PodMonitor's name. */
  public readonly name: string;
  /** The pod labels copied onto every scraped series: target label → pod label key. */
  public readonly copiedPodLabels: Readonly<Record<string, string>>;

  public constructor(scope: Construct, id: string, props: PodMetricsMonitorProps) {
    super(scope, id);
    requireChartNamespace(this, 'PodMetricsMonitor');
    requireDiscovery(props.discovery);
    const interval = validateDiscovery('discovery', props.discovery);
    const path = props.path ?? '/metrics';
    if (!path.startsWith('/')) throw invalid('path', path, 'must start with /');
    const target = requireTarget(props);
    const check = (): Error | undefined => {
      const names = target.portNames();
      return names.includes(props.port) ? undefined
        : invalid('port', props.port, `is not a container port of '${target.owner.node.path}' (its ports: ${names.join(', ') || 'none named'}): the monitor would scrape nothing`);
    };
    const error = check();
    if (error) throw error;
    this.workload = props.workload;
    this.pods = props.pods;
    this.port = props.port;
    this.discovery = props.discovery;
    const copyPodLabels: unknown = props.copyPodLabels;
    if (copyPodLabels !== undefined && (typeof copyPodLabels !== 'object' || copyPodLabels === null || Array.isArray(copyPodLabels))) {
      throw invalid('copyPodLabels', copyPodLabels, 'must map target label names to pod label keys, e.g. { pool: \'app.kubernetes.io/instance\' }');
    }
    const copies = Object.entries(props.copyPodLabels ?? {});
    const missingLabels = (): Error | undefined => {
      const missing = copies.find(([, key]) => target.podLabel(key) === undefined);
      return missing && invalid(`copyPodLabels.${missing[0]}`, missing[1], `is not a label of the pods of '${target.owner.node.path}': the target label would be empty`);
    };
    for (const [target, key] of copies) {
      if (!PROMETHEUS_LABEL_NAME.test(target) || target.startsWith('__')) {
        throw invalid('copyPodLabels', target, 'must map Prometheus label names (letters, digits and \'_\', not starting with a digit or \'__\') to pod label keys');
      }
      if (TARGET_LABELS.includes(target)) {
        throw invalid('copyPodLabels', target, `is a label Prometheus or prometheus-operator sets on every target (${TARGET_LABELS.join(', ')}): choose another target label name`);
      }
      if (typeof key !== 'string') throw invalid(`copyPodLabels.${target}`, key, 'must be a pod label key');
      requireLabelKey(`copyPodLabels.${target}`, key);
    }
    const missing = missingLabels();
    if (missing) throw missing;
    this.copiedPodLabels = Object.fromEntries(copies);
    const namespace = Chart.of(target.owner).namespace!;
    this.name = claimName(this, 'PodMonitor', props.name ?? target.name, namespace);

    this.resource = new monitoring.PodMonitor(this, 'Resource', {
      metadata: { name: this.name, labels: { ...props.discovery.labels } },
      spec: {
        selector: { matchLabels: { ...target.matchLabels } },
        namespaceSelector: { matchNames: [namespace] },
        podMetricsEndpoints: [{
          port: props.port,
          path,
          interval,
          honorLabels: props.honorLabels,
          relabelings: copies.length ? copies.map(([target, key]) => ({
            sourceLabels: [`__meta_kubernetes_pod_label_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`],
            targetLabel: target,
            action: monitoring.PodMonitorSpecPodMetricsEndpointsRelabelingsAction.REPLACE,
          })) : undefined,
        }],
      },
    });
    this.node.addValidation({ validate: () => {
      const e = check() ?? missingLabels();
      return e ? [e.message] : [];
    } });
  }
}

/** What the monitor reads of its target, a cdk8s-plus workload or `MonitoredPods`. */
interface ScrapeTarget {
  readonly owner: IConstruct;
  readonly name: string;
  readonly matchLabels: Readonly<Record<string, string>>;
  portNames(): string[];
  podLabel(key: string): string | undefined;
}

function requireTarget(props: PodMetricsMonitorProps): ScrapeTarget {
  const { workload, pods } = props;
  if ((workload === undefined) === (pods === undefined)) {
    throw invalid('workload', workload === undefined ? undefined : workload.node.path, 'and \'pods\' are exclusive and one is required: the workload whose pods to scrape, or MonitoredPods { owner, name, matchLabels, podLabels, portNames }');
  }
  if (workload !== undefined) {
    return {
      owner: workload,
      name: workload.name,
      matchLabels: workload.matchLabels,
      // Read when called, so ports and labels added after the monitor are seen at synth.
      portNames: () => workload.containers.flatMap(c => c.ports.map(p => p.name)).filter((n): n is string => !!n),
      podLabel: key => workload.podMetadata.getLabel(key),
    };
  }
  const p = pods!;
  if (typeof p !== 'object' || p === null) {
    throw invalid('pods', p, 'must be MonitoredPods { owner, name, matchLabels, podLabels, portNames }');
  }
  if (typeof p.owner !== 'object' || p.owner === null || !p.owner.node) throw invalid('pods.owner', typeof p.owner, 'must be the construct that renders the pods');
  if (typeof p.name !== 'string') throw invalid('pods.name', p.name, 'must be the workload\'s name');
  if (typeof p.matchLabels !== 'object' || p.matchLabels === null || Object.keys(p.matchLabels).length === 0) {
    throw invalid('pods.matchLabels', p.matchLabels, 'must select the pods: an empty selector would scrape every pod of the namespace');
  }
  if (typeof p.podLabels !== 'object' || p.podLabels === null) throw invalid('pods.podLabels', p.podLabels, 'must be the labels every selected pod carries');
  if (!Array.isArray(p.portNames)) throw invalid('pods.portNames', p.portNames, 'must list the names of the pods\' container ports');
  return {
    owner: p.owner,
    name: p.name,
    matchLabels: p.matchLabels,
    portNames: () => [...p.portNames],
    podLabel: key => p.podLabels[key],
  };
}

/**
 * Checks what `validateDiscovery` reads unchecked, so plain JavaScript gets an error naming
 * the prop (not a TypeError) and a sub-millisecond interval is not left to cdk8s's message.
 */
function requireDiscovery(discovery: unknown): void {
  if (typeof discovery !== 'object' || discovery === null) {
    throw invalid('discovery', discovery, 'is required: the labels Prometheus selects monitors by, e.g. { labels: { release: \'kube-prometheus-stack\' } } ({ labels: {} } for a Prometheus that selects every monitor)');
  }
  const { labels, interval } = discovery as { labels?: unknown; interval?: unknown };
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw invalid('discovery.labels', labels, 'must be an object of labels, e.g. { release: \'kube-prometheus-stack\' } ({} for a Prometheus that selects every monitor)');
  }
  for (const [key, value] of Object.entries(labels)) {
    if (typeof value !== 'string') throw invalid(`discovery.labels.${key}`, value, 'must be a string');
  }
  if (interval === undefined) return;
  if (!(interval instanceof Duration)) throw invalid('discovery.interval', interval, 'must be a Duration, e.g. Duration.seconds(15)');
  const ms = interval.toMilliseconds({ integral: false });
  if (!Number.isFinite(ms) || ms % 1000 !== 0 || ms <= 0) throw invalid('discovery.interval', `${ms / 1000}s`, 'must be whole seconds greater than 0');
}
