import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { MonitorDiscovery, validateDiscovery } from './discovery';
import * as monitoring from '../../imports/monitoring.coreos.com';
import { baseName, claimName } from '../core/_naming';
import { requireChartNamespace } from '../core/_namespace';
import { invalid } from '../core/_validation';
import { SecretKeyRef, validateSecretRef } from '../core/secret-ref';

/** Props of `ServiceMetricsMonitor`. */
export interface ServiceMetricsMonitorProps {
  /**
   * The ServiceMonitor's name: readable and stable, never a hash of the construct path.
   * @default - the name of the scraped Service
   */
  readonly name?: string;
  /** The Service to scrape; the selector is taken from its labels. */
  readonly service: kplus.Service;
  /** The name of the Service port that serves the metrics. */
  readonly port: string;
  /** @default '/metrics' */
  readonly path?: string;
  /** Discovery labels and interval. */
  readonly discovery: MonitorDiscovery;
  /**
   * Keep the scraped `pod` / `namespace` labels instead of the target's (exporters that
   * report other pods' metrics, such as dcgm-exporter). @default false
   */
  readonly honorLabels?: boolean;
  /** Bearer token (a Secret in the monitor's namespace) when the endpoint requires auth. @default - none */
  readonly bearerToken?: SecretKeyRef;
}

/**
 * A prometheus-operator ServiceMonitor (`monitoring.coreos.com/v1`) for one Service,
 * selecting it by its own labels, in its own namespace, on a port name it has.
 */
export class ServiceMetricsMonitor extends Construct {
  /** The ServiceMonitor. */
  public readonly resource: monitoring.ServiceMonitor;
  /** The scraped Service. */
  public readonly service: kplus.Service;
  /** The scraped port name. */
  public readonly port: string;
  /** The ServiceMonitor's name. */
  public readonly name: string;

  public constructor(scope: Construct, id: string, props: ServiceMetricsMonitorProps) {
    super(scope, id);
    const namespace = requireChartNamespace(this, 'ServiceMetricsMonitor');
    if (!(props?.service instanceof kplus.Service)) throw invalid('service', props?.service, 'must be a cdk8s-plus Service');
    if (typeof props.port !== 'string') throw invalid('port', props.port, 'must be the name of a Service port');
    if (props.discovery === null || typeof props.discovery !== 'object' || typeof props.discovery.labels !== 'object' || props.discovery.labels === null) {
      throw invalid('discovery', props.discovery, 'is required: { labels } that the Prometheus selects monitors by, e.g. { labels: { release: \'kube-prometheus-stack\' } } ({} for a Prometheus that selects everything)');
    }
    const interval = validateDiscovery('discovery', props.discovery);
    const selector = serviceLabels(props.service);
    if (Object.keys(selector).length === 0) {
      throw invalid('service', props.service.name, 'has no labels: a ServiceMonitor selects Services by label, so it would select nothing');
    }
    requireServicePort(props.service, props.port);
    if (props.bearerToken) validateSecretRef('bearerToken', props.bearerToken);
    const path = props.path ?? '/metrics';
    if (typeof path !== 'string' || !/^\/\S*$/.test(path)) throw invalid('path', path, 'must start with / and contain no whitespace');
    // A ServiceMonitor per Service by default; two on one Service need distinct names (claimed).
    this.name = claimName(this, 'ServiceMonitor', baseName(this, 'name', props.name ?? props.service.name), namespace);
    this.service = props.service;
    this.port = props.port;

    this.resource = new monitoring.ServiceMonitor(this, 'Resource', {
      metadata: { name: this.name, labels: { ...props.discovery.labels } },
      spec: {
        selector: { matchLabels: selector },
        namespaceSelector: { matchNames: [Chart.of(props.service).namespace!] },
        endpoints: [{
          port: props.port,
          path,
          interval,
          honorLabels: props.honorLabels,
          authorization: props.bearerToken ? { type: 'Bearer', credentials: { name: props.bearerToken.secretName, key: props.bearerToken.key } } : undefined,
        }],
      },
    });
    // Ports can be added after construction: check again at synth.
    this.node.addValidation({ validate: () => hasPort(props.service, props.port) ? [] : [portError(props.service, props.port).message] });
  }
}

/** The labels on a Service's metadata. @internal */
export function serviceLabels(service: kplus.Service): Record<string, string> {
  return { ...(service.metadata.toJson().labels ?? {}) };
}

function hasPort(service: kplus.Service, port: string): boolean {
  return service.ports.some(p => p.name === port);
}

function portError(service: kplus.Service, port: string): Error {
  const names = service.ports.map(p => p.name).filter(Boolean);
  return invalid('port', port, `is not a port of Service '${service.node.path}' (its ports: ${names.join(', ') || 'none named'}): the monitor would scrape nothing`);
}

function requireServicePort(service: kplus.Service, port: string): void {
  if (!hasPort(service, port)) throw portError(service, port);
}
