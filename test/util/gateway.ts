import { Chart } from 'cdk8s';
import { Accelerator, GatewayRef, NetworkPeer, VllmPool, VllmPoolProps } from '../../lib';

/** The model of the gateway tests' pools. */
export const LLAMA = 'meta-llama/Llama-3.1-8B-Instruct';

/** The pods of an Envoy Gateway data plane (the Gateway `inference-gateway`'s). */
export const DATA_PLANE = NetworkPeer.pods('envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name': 'inference-gateway' });

/** A Gateway in the `gateway` namespace, reached on port 80, its data plane listening on 10080. */
export const GATEWAY: GatewayRef = {
  name: 'inference-gateway',
  namespace: 'gateway',
  address: 'http://inference-gateway.gateway.svc.cluster.local:80',
  dataPlane: DATA_PLANE,
  dataPlanePort: 10080,
};

/** A one-GPU pool of {@link LLAMA}. */
export function pool(chart: Chart, id: string, props: Partial<VllmPoolProps> = {}): VllmPool {
  return new VllmPool(chart, id, { model: LLAMA, accelerator: Accelerator.nvidiaGpu(1), ...props });
}
