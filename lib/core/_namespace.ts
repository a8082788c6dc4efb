import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { invalid, requireDnsLabel } from './_validation';

/**
 * The namespace every object of a construct lands in: its Chart's namespace.
 * Service URLs (`<svc>.<ns>.svc.cluster.local`) and metric selectors are namespace-scoped,
 * so a construct that renders them needs one.
 * @internal
 */
export function requireChartNamespace(scope: IConstruct, construct: string): string {
  const namespace = Chart.of(scope).namespace;
  if (!namespace) {
    throw invalid('Chart.namespace', namespace, `must be set for ${construct}: its Service URL and metric selectors are namespace-scoped (new Chart(app, id, { namespace: '...' }))`);
  }
  requireDnsLabel('Chart.namespace', namespace);
  return namespace;
}
