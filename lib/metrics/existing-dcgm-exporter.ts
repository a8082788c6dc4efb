import { Construct } from 'constructs';
import { DcgmMetricsSource } from './dcgm-metrics-source';
import { MonitorDiscovery, validateDiscovery } from './discovery';
import * as monitoring from '../../imports/monitoring.coreos.com';
import { requireChartNamespace } from '../core/_namespace';
import { baseName, claimName } from '../core/_naming';
import { invalid, requireDnsLabel, requireLabelKey, requireLabelValue } from '../core/_validation';

/** Service labels and port name of the exporter the GPU operator runs (`assets/state-dcgm-exporter/0600_service.yaml`). */
const GPU_OPERATOR_SERVICE_LABELS = { app: 'nvidia-dcgm-exporter' };
const GPU_OPERATOR_PORT_NAME = 'gpu-metrics';

/** A ServiceMonitor for an exporter that something else runs. */
export interface ExistingDcgmExporterMonitorOptions {
  /** Discovery labels and interval. */
  readonly discovery: MonitorDiscovery;
  /** The namespace of the exporter's Service, e.g. the GPU operator's namespace. */
  readonly namespace: string;
  /**
   * Labels of the exporter's Service.
   * @default { app: 'nvidia-dcgm-exporter' } (the GPU operator's Service)
   */
  readonly serviceLabels?: Record<string, string>;
  /**
   * The name of the Service port serving the metrics.
   * @default 'gpu-metrics' (the GPU operator's Service)
   */
  readonly port?: string;
}

/** Options of `DcgmExporter.fromExisting()`. */
export interface ExistingDcgmExporterProps {
  /**
   * The name of the ServiceMonitor rendered with `monitor` (a DNS-1035 label).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Whether the existing scrape sets `honorLabels: true`. With the GPU operator, that is
   * ClusterPolicy `spec.dcgmExporter.serviceMonitor.honorLabels`.
   * @default true
   */
  readonly honorLabels?: boolean;
  /**
   * Render a ServiceMonitor (with `honorLabels: true`) for the existing exporter's Service,
   * when nothing scrapes it yet.
   * @default - no monitor: the exporter is already scraped
   */
  readonly monitor?: ExistingDcgmExporterMonitorOptions;
}

/**
 * An exporter run elsewhere (the GPU operator's); renders at most a ServiceMonitor.
 * Built by `DcgmExporter.fromExisting()`.
 * @internal
 */
export class ExistingDcgmExporter extends DcgmMetricsSource {
  public readonly labelsHonored: boolean;
  public readonly serviceMonitor?: monitoring.ServiceMonitor;

  public constructor(scope: Construct, id: string, props: ExistingDcgmExporterProps) {
    super(scope, id);
    const m = props.monitor;
    if (m && props.honorLabels === false) {
      throw invalid('honorLabels', false, 'contradicts \'monitor\': the ServiceMonitor rendered for an existing exporter always sets honorLabels: true; drop one of them');
    }
    this.labelsHonored = props.honorLabels ?? true;
    if (!m) return;

    const namespace = requireChartNamespace(this, 'DcgmExporter.fromExisting with a monitor');
    const name = claimName(this, 'monitoring.coreos.com/ServiceMonitor', baseName(this, 'name', props.name), namespace);
    const interval = validateDiscovery('monitor.discovery', m.discovery);
    requireDnsLabel('monitor.namespace', m.namespace);
    const selector = m.serviceLabels ?? GPU_OPERATOR_SERVICE_LABELS;
    if (Object.keys(selector).length === 0) {
      throw invalid('monitor.serviceLabels', selector, 'must not be empty: an empty selector selects every Service in the namespace');
    }
    for (const [key, value] of Object.entries(selector)) {
      requireLabelKey('monitor.serviceLabels', key);
      requireLabelValue(`monitor.serviceLabels.${key}`, value);
    }
    const port = m.port ?? GPU_OPERATOR_PORT_NAME;
    requireDnsLabel('monitor.port', port);

    this.serviceMonitor = new monitoring.ServiceMonitor(this, 'Monitor', {
      metadata: { name, labels: { ...m.discovery.labels } },
      spec: {
        selector: { matchLabels: { ...selector } },
        namespaceSelector: { matchNames: [m.namespace] },
        endpoints: [{ port, path: '/metrics', interval, honorLabels: true }],
      },
    });
  }
}
