import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { DISCOVERY, PROMETHEUS } from './reference-platform';
import { DcgmExporter, PrometheusAdapter } from '../lib';

/**
 * The metrics plumbing of the reference stack in namespace `monitoring` (beside
 * kube-prometheus-stack): dcgm-exporter on the GPU nodes, and prometheus-adapter serving
 * custom metrics (never external ones: KEDA owns that API).
 *
 * The alert rules are added by `buildApp()` once every pool and autoscaler exists.
 */
export class ReferenceMonitoring extends Chart {
  /** GPU metrics with pod mapping. */
  public readonly dcgm: DcgmExporter;
  /** Custom metrics for HPAs on Pods metrics. */
  public readonly adapter: PrometheusAdapter;

  public constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'monitoring', ...props });
    this.dcgm = new DcgmExporter(this, 'dcgm-exporter', { discovery: DISCOVERY });
    this.adapter = new PrometheusAdapter(this, 'prometheus-adapter', { install: true, prometheusUrl: PROMETHEUS.serverAddress });
  }
}
