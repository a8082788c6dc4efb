import { Chart, Testing } from 'cdk8s';
import {
  Accelerator, EndpointPicker, GatewayInferencePool, GatewayRef, NetworkPeer, ServingAlerts, ServingDashboards, VllmPool, eppMetricReadyPods, eppMetricUp,
} from '../../lib';
import { checkRules, ruleGroupsByObject, tempDir, writeRuleFile } from '../util/promtool';
import { Manifest, SCRAPER, allOfKind, synth } from '../util/synth';
import { expectValidManifests } from '../util/validate';

// The EPP readers (alerts, dashboard row, accessors) on the real InferencePool construct of
// lib/gateway rather than the test stand-in: its series are scoped by the Service its
// ServiceMonitor selects, in the namespace it scrapes.

const DISCOVERY = { labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER };
const GATEWAY: GatewayRef = {
  name: 'inference-gateway',
  namespace: 'gateway',
  address: 'http://inference-gateway.gateway.svc.cluster.local:80',
  dataPlane: NetworkPeer.pods('envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name': 'inference-gateway' }),
  dataPlanePort: 10080,
};

function stack(monitorEpp = true) {
  const app = Testing.app();
  const models = new Chart(app, 'models', { namespace: 'llm' });
  const monitoring = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  const llama = new VllmPool(models, 'llama', { model: 'org/llama', servedModelName: 'llama-model', accelerator: Accelerator.nvidiaGpu(1) });
  llama.monitor(DISCOVERY);
  llama.autoscale({ prometheus: { serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' }, maxReplicas: 3 });
  const routed = new GatewayInferencePool(models, 'llama-igw', { pool: llama, gateway: GATEWAY });
  const epp: EndpointPicker = routed.endpointPicker;
  if (monitorEpp) routed.endpointPicker.monitor(DISCOVERY);
  new ServingAlerts(monitoring, 'alerts', { pools: [llama], discovery: DISCOVERY, runbookBaseUrl: 'https://runbooks.example.com/llm', endpointPickers: [epp] });
  new ServingDashboards(monitoring, 'dashboards', { pools: [llama], endpointPickers: [epp] });
  return { models, monitoring, llama, routed, epp };
}

describe('EPP alerts and dashboard row on GatewayInferencePool\'s endpoint picker', () => {
  const s = stack();
  const manifests: Manifest[] = [...synth(s.models), ...synth(s.monitoring)];

  test('the whole stack is strictly valid', () => expectValidManifests(manifests));

  test('the selectors name the Service the EPP\'s ServiceMonitor selects, in the namespace it scrapes, and the InferencePool\'s name', () => {
    const sm = allOfKind(manifests, 'ServiceMonitor').find(m => m.metadata.name === s.epp.service.name)!;
    const service = allOfKind(manifests, 'Service').find(m => m.metadata.name === s.epp.service.name)!;
    const pool = allOfKind(manifests, 'InferencePool')[0];
    expect(sm.spec.selector.matchLabels).toEqual(service.metadata.labels);
    expect(sm.spec.endpoints.map((e: Manifest) => e.port)).toEqual(['metrics']);
    expect(service.spec.ports.map((p: Manifest) => p.name)).toContain('metrics');
    expect(sm.spec.namespaceSelector.matchNames).toEqual([service.metadata.namespace]);
    expect(eppMetricUp(s.epp).matchers).toEqual({ namespace: service.metadata.namespace, service: service.metadata.name });
    expect(eppMetricReadyPods(s.epp).matchers).toEqual({ namespace: 'llm', service: service.metadata.name, name: pool.metadata.name });
  });

  test('the rules of the EPP are in the pool\'s PrometheusRule and pass promtool check rules', () => {
    const groups = ruleGroupsByObject(manifests).filter(g => g.name.endsWith('/llm-routing'));
    expect(groups.map(g => [g.name, g.rules.map(r => r.alert)])).toEqual([
      ['monitoring/alerts-llama/llm-routing', ['LlmEppDown', 'LlmInferencePoolNoEndpoints', 'LlmEppMissingEndpoints', 'LlmEppErrorRatio']],
    ]);
    expect(groups[0].rules[0].expr).toBe('max by (namespace, service) (up{namespace="llm",service="llama-epp"}) == 0 or absent(up{namespace="llm",service="llama-epp"})');
    const r = checkRules(writeRuleFile(tempDir('epp-real-'), groups));
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS: 4 rules found') });
  });

  test('without monitor() on the EPP, synth fails for the alerts and the dashboards', () => {
    const t = stack(false);
    expect(() => synth(t.monitoring)).toThrow(
      '\'endpointPickers[0]\' ("models/llama-igw/EndpointPicker") has no ServiceMonitor, but ServingAlerts \'monitoring/alerts\' reads the EPP\'s series by the \'namespace\' and \'service\' labels its ServiceMonitor\'s scrape adds (without it nothing scrapes the EPP: the queries match nothing); call monitor() on \'models/llama-igw/EndpointPicker\'');
    expect(() => synth(t.monitoring)).toThrow(
      '\'endpointPickers[0]\' ("models/llama-igw/EndpointPicker") has no ServiceMonitor, but ServingDashboards \'monitoring/dashboards\' reads the EPP\'s series by the \'namespace\' and \'service\' labels its ServiceMonitor\'s scrape adds (without it nothing scrapes the EPP: the queries match nothing); call monitor() on \'models/llama-igw/EndpointPicker\'');
  });
});
