import * as kplus from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import type { ServiceMetricsMonitor } from '../metrics/service-metrics-monitor';
import type { ServingPool } from '../vllm/serving-pool';

/**
 * An InferencePool's endpoint picker (EPP) as its readers see it: what the EPP's metrics,
 * alerts and dashboards need of the construct that renders the InferencePool.
 * Implemented by `InferenceEndpointPicker` (the EPP of a `GatewayInferencePool`).
 */
export interface EndpointPicker extends IConstruct {
  /** The InferencePool's name (the EPP's `--pool-name`). */
  readonly poolName: string;
  /** The namespace of the InferencePool, the EPP and the model pool. */
  readonly namespace: string;
  /** The model pool the InferencePool selects. */
  readonly modelPool: ServingPool;
  /** The EPP's Deployment. */
  readonly deployment: kplus.Deployment;
  /** The EPP's Service: its gRPC ext-proc port, and a port named `metrics`. */
  readonly service: kplus.Service;
  /** The EPP's ServiceMonitor, once `monitor()` was called: readers of its series require it. */
  readonly serviceMonitor: ServiceMetricsMonitor | undefined;
}
