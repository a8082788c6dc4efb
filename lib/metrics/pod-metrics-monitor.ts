import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { MonitorDiscovery, validateDiscovery } from './discovery';
import * as monitoring from '../../imports/monitoring.coreos.com';
import { requireChartNamespace } from '../core/_namespace';
import { invalid } from '../core/_validation';

/** Props of `PodMetricsMonitor`. */
export interface PodMetricsMonitorProps {
  /** The workload whose pods to scrape; the selector is its pod selector. */
  readonly workload: kplus.Deployment | kplus.DaemonSet;
  /** The name of the container port that serves the metrics. */
  readonly port: string;
  /** @default '/metrics' */
  readonly path?: string;
  /** Discovery labels and interval. */
  readonly discovery: MonitorDiscovery;
  /** Keep the scraped `pod` / `namespace` labels. @default false */
  readonly honorLabels?: boolean;
}

/**
 * A prometheus-operator PodMonitor (`monitoring.coreos.com/v1`) for one workload's pods,
 * selecting them with the workload's own pod selector, on a container port name they have.
 * Scrapes every pod, whether or not a Service routes to it.
 */
export class PodMetricsMonitor extends Construct {
  /** The PodMonitor. */
  public readonly resource: monitoring.PodMonitor;
  /** The scraped workload. */
  public readonly workload: kplus.Deployment | kplus.DaemonSet;
  /** The scraped port name. */
  public readonly port: string;

  public constructor(scope: Construct, id: string, props: PodMetricsMonitorProps) {
    super(scope, id);
    requireChartNamespace(this, 'PodMetricsMonitor');
    const interval = validateDiscovery('discovery', props.discovery);
    const path = props.path ?? '/metrics';
    if (!path.startsWith('/')) throw invalid('path', path, 'must start with /');
    const check = (): Error | undefined => {
      const names = props.workload.containers.flatMap(c => c.ports.map(p => p.name)).filter((n): n is string => !!n);
      return names.includes(props.port) ? undefined
        : invalid('port', props.port, `is not a container port of '${props.workload.node.path}' (its ports: ${names.join(', ') || 'none named'}): the monitor would scrape nothing`);
    };
    const error = check();
    if (error) throw error;
    this.workload = props.workload;
    this.port = props.port;

    this.resource = new monitoring.PodMonitor(this, 'Resource', {
      metadata: { labels: { ...props.discovery.labels } },
      spec: {
        selector: { matchLabels: { ...props.workload.matchLabels } },
        namespaceSelector: { matchNames: [Chart.of(props.workload).namespace!] },
        podMetricsEndpoints: [{ port: props.port, path, interval, honorLabels: props.honorLabels }],
      },
    });
    this.node.addValidation({ validate: () => {
      const e = check();
      return e ? [e.message] : [];
    } });
  }
}
