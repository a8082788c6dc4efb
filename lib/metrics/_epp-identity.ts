import * as kplus from 'cdk8s-plus-28';
import { invalid } from '../core/_validation';
import type { EndpointPicker } from '../gateway/endpoint-picker';

// What the readers of an endpoint picker's series (alerts, dashboards, the eppMetric*()
// accessors of ./epp-metrics.ts) check and scope by; see the comment there.

/** A construct's path (what an error shows of it), or the value itself. @internal */
export function constructPathOr(value: unknown): unknown {
  const path = (value as { node?: { path?: unknown } } | null | undefined)?.node?.path;
  return typeof path === 'string' ? path : value;
}

/**
 * Throws the library's error unless `epp` has what the EPP's readers use: a pool name, a
 * namespace, a model pool, a cdk8s-plus Deployment and Service.
 * @param prop the prop naming the EPP, e.g. `endpointPickers[0]`
 * @internal
 */
export function requireEndpointPicker(prop: string, epp: unknown): EndpointPicker {
  if (epp === null || typeof epp !== 'object') throw invalid(prop, epp, 'must be an EndpointPicker (the InferencePool construct of lib/gateway)');
  const e = epp as Partial<EndpointPicker>;
  const path = constructPathOr(epp);
  const where = typeof path === 'string' ? ` ('${path}')` : '';
  if (typeof e.poolName !== 'string' || e.poolName === '') throw invalid(`${prop}.poolName`, e.poolName, `must be the InferencePool's name${where}`);
  if (typeof e.namespace !== 'string' || e.namespace === '') throw invalid(`${prop}.namespace`, e.namespace, `must be the InferencePool's namespace${where}`);
  if (!(e.service instanceof kplus.Service)) throw invalid(`${prop}.service`, constructPathOr(e.service), `must be the EPP's cdk8s-plus Service${where}`);
  if (!(e.deployment instanceof kplus.Deployment)) throw invalid(`${prop}.deployment`, constructPathOr(e.deployment), `must be the EPP's cdk8s-plus Deployment${where}`);
  if (e.modelPool === null || typeof e.modelPool !== 'object' || typeof e.modelPool.name !== 'string') {
    throw invalid(`${prop}.modelPool`, constructPathOr(e.modelPool), `must be the model pool the InferencePool selects${where}`);
  }
  return epp as EndpointPicker;
}

/**
 * The error message when `reader` reads the series of `epp` but the EPP has no ServiceMonitor:
 * nothing would scrape it, so every query on it matches nothing and `LlmEppDown` would fire
 * for a healthy EPP, and its dashboard panels would stay empty.
 * @internal
 */
export function unmonitoredEndpointPicker(prop: string, epp: EndpointPicker, reader: string): string | undefined {
  if (epp.serviceMonitor !== undefined) return undefined;
  return invalid(prop, epp.node.path, `has no ServiceMonitor, but ${reader} reads the EPP's series by the 'namespace' and 'service' labels its ServiceMonitor's scrape adds (without it nothing scrapes the EPP: the queries match nothing); call monitor() on '${epp.node.path}'`).message;
}

/** `{ namespace, service }`: the target labels of the EPP's scraped series. @internal */
export function eppTargetMatchers(epp: EndpointPicker): Record<string, string> {
  return { namespace: epp.namespace, service: epp.service.name };
}
