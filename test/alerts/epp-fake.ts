import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { EndpointPicker } from '../../lib/gateway/endpoint-picker';
import { MonitorDiscovery } from '../../lib/metrics/discovery';
import { ServiceMetricsMonitor } from '../../lib/metrics/service-metrics-monitor';
import type { ServingPool } from '../../lib/vllm/serving-pool';

/**
 * A stand-in for the InferencePool construct of lib/gateway (built in parallel): an
 * `EndpointPicker` with a real Deployment, a real Service (ports `grpc` and `metrics`) and,
 * once `monitor()` is called, a real ServiceMonitor on the `metrics` port, so the series
 * scoping the alerts and accessors read (`namespace`, `service`) is that of a real scrape.
 * Port numbers of the EPP at gateway-api-inference-extension v1.5.0 (pkg/epp/server/options.go:
 * gRPC 9002, metrics 9090).
 */
export class FakeEndpointPicker extends Construct implements EndpointPicker {
  public readonly poolName: string;
  public readonly namespace: string;
  public readonly modelPool: ServingPool;
  public readonly deployment: kplus.Deployment;
  public readonly service: kplus.Service;
  private _serviceMonitor: ServiceMetricsMonitor | undefined;

  public constructor(scope: Construct, id: string, props: { readonly poolName: string; readonly modelPool: ServingPool; readonly namespace?: string }) {
    super(scope, id);
    this.poolName = props.poolName;
    this.namespace = props.namespace ?? props.modelPool.namespace;
    this.modelPool = props.modelPool;
    const labels = { 'app.kubernetes.io/name': 'epp', 'app.kubernetes.io/instance': `${props.poolName}-epp` };
    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata: { name: `${props.poolName}-epp`, labels },
      replicas: 1,
      podMetadata: { labels },
      select: false,
      containers: [{
        name: 'epp',
        image: 'registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0',
        args: ['--pool-name', props.poolName],
        ports: [{ name: 'grpc', number: 9002 }, { name: 'metrics', number: 9090 }],
        securityContext: { user: 65532, group: 65532 },
      }],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels }));
    this.service = new kplus.Service(this, 'service', {
      metadata: { name: `${props.poolName}-epp`, labels },
      selector: this.deployment,
      ports: [{ name: 'grpc', port: 9002 }, { name: 'metrics', port: 9090 }],
    });
  }

  public get serviceMonitor(): ServiceMetricsMonitor | undefined {
    return this._serviceMonitor;
  }

  /** Scrapes the EPP's `metrics` port. */
  public monitor(discovery: MonitorDiscovery): ServiceMetricsMonitor {
    this._serviceMonitor = new ServiceMetricsMonitor(this, 'monitor', { service: this.service, port: 'metrics', discovery });
    return this._serviceMonitor;
  }
}
