import { Chart, Testing } from 'cdk8s';
import { Accelerator, ServingDashboard, ServingDashboards, ServingDashboardsProps, VllmPool, isCatalogSeries, promqlMetricNames, promqlSyntaxError } from '../../lib';
import { FakeEndpointPicker } from '../alerts/epp-fake';
import { Manifest, SCRAPER, synth } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const DISCOVERY = { labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER };

function stack(props: { epps?: 'none' | 'one' | 'two'; monitorEpp?: boolean } = {}) {
  const app = Testing.app();
  const models = new Chart(app, 'models', { namespace: 'llm' });
  const monitoring = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  const llama = new VllmPool(models, 'llama', { model: 'org/llama', servedModelName: 'llama-model', accelerator: Accelerator.nvidiaGpu(1) });
  const qwen = new VllmPool(models, 'qwen', { model: 'org/qwen', servedModelName: 'qwen-model', accelerator: Accelerator.nvidiaGpu(1) });
  llama.monitor(DISCOVERY);
  qwen.monitor(DISCOVERY);
  // The Autoscaling dashboard needs an autoscaler to show.
  llama.autoscale({ prometheus: { serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' }, maxReplicas: 4 });
  const epps = props.epps === 'none' ? [] : [new FakeEndpointPicker(models, 'llama-ip', { poolName: 'llama-pool', modelPool: llama })];
  if (props.epps === 'two') epps.push(new FakeEndpointPicker(models, 'qwen-ip', { poolName: 'qwen-pool', modelPool: qwen }));
  if (props.monitorEpp ?? true) for (const e of epps) e.monitor(DISCOVERY);
  const dashboards = (extra: Partial<ServingDashboardsProps> = {}) => new ServingDashboards(monitoring, 'dashboards', {
    pools: [llama, qwen], ...(props.epps === 'none' ? {} : { endpointPickers: epps }), ...extra,
  });
  return { app, models, monitoring, llama, qwen, epps, dashboards };
}

function modelPoolDashboard(manifests: Manifest[]): Record<string, any> {
  const cm = manifests.find(m => m.kind === 'ConfigMap' && m.metadata.name === 'dashboards-model-pool')!;
  return JSON.parse(cm.data['dashboards-model-pool.json']);
}

/** The panels of a row, in order, with their queries. */
function rowPanels(d: Record<string, any>, row: string): Array<{ title: string; exprs: string[]; legends: string[] }> {
  const start = d.panels.findIndex((p: any) => p.type === 'row' && p.title === row);
  if (start < 0) return [];
  const out = [];
  for (const p of d.panels.slice(start + 1)) {
    if (p.type === 'row') break;
    out.push({ title: p.title, exprs: p.targets.map((t: any) => t.expr), legends: p.targets.map((t: any) => t.legendFormat) });
  }
  return out;
}

describe('ServingDashboards endpointPickers: the Endpoint picker row of the Model pool dashboard', () => {
  const s = stack({ epps: 'two' });
  s.dashboards();
  const manifests = [...synth(s.models), ...synth(s.monitoring)];
  const d = modelPoolDashboard(manifests);
  const sel = '{namespace=~"$namespace",service=~"$epp"}';

  test('is strictly valid', () => expectValidManifests(manifests));

  test('the variable epp picks the EPPs by Service name', () => {
    expect(d.templating.list.map((v: any) => [v.name, v.query])).toEqual([
      ['datasource', 'prometheus'], ['namespace', 'llm'], ['pool', 'llama,qwen'], ['epp', 'llama-pool-epp,qwen-pool-epp'],
    ]);
  });

  test('the row\'s panels and queries, exactly, scoped by namespace and the EPP\'s service label', () => {
    expect(rowPanels(d, 'Endpoint picker')).toEqual([
      { title: 'EPP: ready endpoints', exprs: [`max by (namespace, service) (inference_pool_ready_pods${sel})`], legends: ['{{service}}'] },
      { title: 'EPP: mean queue per endpoint', exprs: [`max by (namespace, service) (inference_pool_average_queue_size${sel})`], legends: ['{{service}}'] },
      { title: 'EPP: mean KV-cache usage', exprs: [`max by (namespace, service) (inference_pool_average_kv_cache_utilization${sel})`], legends: ['{{service}}'] },
      {
        title: 'EPP: requests and errors per second',
        exprs: [
          `sum by (namespace, service) (rate(inference_objective_request_total${sel}[$__rate_interval]))`,
          `sum by (namespace, service, error_code) (rate(inference_objective_request_error_total${sel}[$__rate_interval]))`,
        ],
        legends: ['scheduled {{service}}', '{{error_code}} {{service}}'],
      },
      {
        title: 'EPP: scheduling latency p99',
        exprs: [`histogram_quantile(0.99, sum by (namespace, service, le) (rate(inference_extension_scheduler_e2e_duration_seconds_bucket${sel}[$__rate_interval])))`],
        legends: ['p99 {{service}}'],
      },
      {
        title: 'EPP: request latency p95',
        exprs: [`histogram_quantile(0.95, sum by (namespace, service, le) (rate(inference_objective_request_duration_seconds_bucket${sel}[$__rate_interval])))`],
        legends: ['p95 {{service}}'],
      },
    ]);
    for (const p of rowPanels(d, 'Endpoint picker')) {
      for (const e of p.exprs) {
        const parseable = e.replace('$__rate_interval', '5m');
        expect(promqlSyntaxError(parseable)).toBeUndefined();
        for (const m of promqlMetricNames(parseable)) expect(isCatalogSeries(m)).toBe(true);
      }
    }
  });

  test('without endpointPickers the Model pool dashboard is the same as before, with no epp variable', () => {
    const plain = stack({ epps: 'none' });
    plain.dashboards();
    const before = modelPoolDashboard(synth(plain.monitoring));
    expect(before.templating.list.map((v: any) => v.name)).toEqual(['datasource', 'namespace', 'pool']);
    expect(rowPanels(before, 'Endpoint picker')).toEqual([]);
    const withoutRow = d.panels.slice(0, d.panels.findIndex((p: any) => p.type === 'row' && p.title === 'Endpoint picker'));
    expect(withoutRow).toEqual(before.panels);
  });

  test('a variable of your own comes after epp', () => {
    const t = stack({ epps: 'one' });
    const x = t.dashboards();
    x.addVariable(ServingDashboard.MODEL_POOL, { name: 'engine', values: ['0'] });
    expect(() => synth(t.monitoring)).toThrow('\'dashboards.model-pool.variables[3]\' ("engine") is declared on dashboard \'LLM serving / Model pool\' but no query uses it: picking a value would change nothing; use $engine in a query or remove the variable');
  });
});

describe('ServingDashboards endpointPickers: bad input', () => {
  test('an EPP without a ServiceMonitor fails synth, naming the EPP and the fix', () => {
    const t = stack({ epps: 'one', monitorEpp: false });
    t.dashboards();
    expect(() => synth(t.monitoring)).toThrow(
      '\'endpointPickers[0]\' ("models/llama-ip") has no ServiceMonitor, but ServingDashboards \'monitoring/dashboards\' reads the EPP\'s series by the \'namespace\' and \'service\' labels its ServiceMonitor\'s scrape adds (without it nothing scrapes the EPP: the queries match nothing); call monitor() on \'models/llama-ip\'');
    t.epps[0].monitor(DISCOVERY);
    expect(() => synth(t.monitoring)).not.toThrow();
  });

  test('an EPP whose pool is not one of pools, an EPP twice, not a list', () => {
    const t = stack({ epps: 'one' });
    expect(() => t.dashboards({ pools: [t.qwen] })).toThrow(new Error(
      '\'endpointPickers[0].modelPool\' ("models/llama") is not one of \'pools\': the panels of InferencePool \'llama-pool\' are a row of the Model pool dashboard, which shows \'pools\'; add the pool to \'pools\''));
    const u = stack({ epps: 'one' });
    expect(() => u.dashboards({ endpointPickers: [u.epps[0], u.epps[0]] })).toThrow(new Error(
      '\'endpointPickers[1]\' ("models/llama-ip") is endpointPickers[0] again: list each InferencePool once'));
    const v = stack({ epps: 'one' });
    expect(() => v.dashboards({ endpointPickers: v.epps[0] as any })).toThrow(new Error(
      '\'endpointPickers\' ("models/llama-ip") must be a list of EndpointPicker (the InferencePool constructs of lib/gateway)'));
    const w = stack({ epps: 'one' });
    expect(() => w.dashboards({ endpointPickers: [{ poolName: 'x' }] as any })).toThrow(new Error(
      '\'endpointPickers[0].namespace\' (undefined) must be the InferencePool\'s namespace'));
  });
});
