import * as fs from 'fs';
import { Chart, Testing } from 'cdk8s';
import { Accelerator, AlertGroup, ServingAlerts, ServingAlertsProps, VllmPool, promqlMetricNames, promqlSyntaxError } from '../../lib';
import { FakeEndpointPicker } from './epp-fake';
import { EPP_SCENARIOS, EppCase, EppInputSeries } from './epp-scenarios';
import {
  PromRule, PromRuleGroup, PromtoolResult, checkRules, requirePromtool, ruleGroupsByObject, ruleGroupsOf, tempDir, testRules, writeRuleFile, writeYaml,
} from '../util/promtool';
import { Manifest, SCRAPER, allOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const DISCOVERY = { labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER };
const RUNBOOKS = 'https://runbooks.example.com/llm';
const EPP_ALERTS = ['LlmEppDown', 'LlmInferencePoolNoEndpoints', 'LlmEppMissingEndpoints', 'LlmEppErrorRatio'];

function pool(chart: Chart, id: string, monitor = true): VllmPool {
  const p = new VllmPool(chart, id, { model: `org/${id}`, servedModelName: `${id}-model`, accelerator: Accelerator.nvidiaGpu(1) });
  if (monitor) p.monitor(DISCOVERY);
  return p;
}

function epp(chart: Chart, modelPool: VllmPool, poolName: string, monitor = true): FakeEndpointPicker {
  const e = new FakeEndpointPicker(chart, `${poolName}-inference-pool`, { poolName, modelPool });
  if (monitor) e.monitor(DISCOVERY);
  return e;
}

function alerts(chart: Chart, props: Partial<ServingAlertsProps>): ServingAlerts {
  return new ServingAlerts(chart, 'alerts', { pools: [], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS, ...props });
}

/** The PrometheusRule named `name`. */
function ruleObject(manifests: Manifest[], name: string): Manifest {
  const found = allOfKind(manifests, 'PrometheusRule').filter(m => m.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one PrometheusRule ${name}, found ${found.length}`);
  return found[0];
}

function groupsOf(m: Manifest): PromRuleGroup[] {
  return m.spec.groups as PromRuleGroup[];
}

/** `{ name, matchers }` for every vector selector of an expression. */
function selectors(expr: string): Array<{ name: string; matchers: Record<string, string> }> {
  return [...expr.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\{([^}]*)\}/g)].map(m => ({
    name: m[1],
    matchers: Object.fromEntries([...m[2].matchAll(/(\w+)(=~|=)"([^"]*)"/g)].map(x => [x[1], `${x[2]}${x[3]}`])),
  }));
}

/** Two pools in `llm`; an InferencePool (EPP) in front of `llama`, alerts in `monitoring`. */
function stack(extra: { secondEpp?: boolean } = {}) {
  const app = Testing.app();
  const models = new Chart(app, 'models', { namespace: 'llm' });
  const monitoring = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  const llama = pool(models, 'llama');
  const qwen = pool(models, 'qwen');
  const pickers = [epp(models, llama, 'llama-pool'), ...(extra.secondEpp ? [epp(models, llama, 'llama-canary')] : [])];
  const construct = alerts(monitoring, { pools: [llama, qwen], endpointPickers: pickers });
  const manifests = [...synth(models), ...synth(monitoring)];
  return { app, models, monitoring, llama, qwen, pickers, construct, manifests };
}

describe('ServingAlerts endpointPickers: rendering', () => {
  const { manifests, construct } = stack();
  const llamaRules = ruleObject(manifests, 'alerts-llama');
  const routing = groupsOf(llamaRules).find(g => g.name === AlertGroup.ROUTING)!;
  const rule = (alert: string) => routing.rules.find(r => r.alert === alert)!;

  test('is strictly valid, the fake EPP (Deployment, Service, ServiceMonitor) included', () => {
    expectValidManifests(manifests);
    expect(allOfKind(manifests, 'ServiceMonitor').map(m => [m.metadata.name, m.spec.endpoints[0].port])).toEqual([['llama-pool-epp', 'metrics']]);
  });

  test('the EPP\'s rules are the group llm-routing of its model pool\'s PrometheusRule, after the pool\'s own groups', () => {
    expect(groupsOf(llamaRules).map(g => g.name)).toEqual(['llm-serving', 'llm-accelerators', 'llm-routing']);
    expect(routing.rules.map(r => r.alert)).toEqual(EPP_ALERTS);
    // No other object holds an EPP rule.
    for (const m of allOfKind(manifests, 'PrometheusRule').filter(x => x.metadata.name !== 'alerts-llama')) {
      expect(groupsOf(m).map(g => g.name)).not.toContain('llm-routing');
    }
    expect(construct.rules().get(AlertGroup.ROUTING)!.map(r => r.alert)).toEqual(EPP_ALERTS);
  });

  test('severities, for, static labels and runbooks', () => {
    expect(routing.rules.map(r => [r.alert, r.labels!.severity, r.for])).toEqual([
      ['LlmEppDown', 'critical', '5m'],
      ['LlmInferencePoolNoEndpoints', 'critical', '5m'],
      ['LlmEppMissingEndpoints', 'warning', '15m'],
      ['LlmEppErrorRatio', 'warning', '10m'],
    ]);
    for (const r of routing.rules) {
      expect(r.labels).toEqual({ severity: r.labels!.severity, namespace: 'llm', pool: 'llama', model_name: 'llama-model', inference_pool: 'llama-pool' });
      expect(r.annotations!.runbook_url).toBe(`${RUNBOOKS}#${r.alert!.toLowerCase()}`);
      expect(r.annotations!.summary).toContain('InferencePool llama-pool (model llama-model, pool llama) in namespace llm');
    }
  });

  test('the expressions, exactly', () => {
    const up = 'up{namespace="llm",service="llama-pool-epp"}';
    const ready = 'inference_pool_ready_pods{namespace="llm",service="llama-pool-epp",name="llama-pool"}';
    const pods = 'count by (namespace) (count by (namespace, pod) (vllm:num_requests_running{namespace="llm",pool="llama",model_name="llama-model"}))';
    expect(rule('LlmEppDown').expr).toBe(`max by (namespace, service) (${up}) == 0 or absent(${up})`);
    expect(rule('LlmInferencePoolNoEndpoints').expr).toBe(
      `(max by (namespace, name) (${ready}) == 0 or absent(${ready}) and on (namespace) max by (namespace) (${up}) == 1) and on (namespace) ${pods}`);
    expect(rule('LlmEppMissingEndpoints').expr).toBe(`max by (namespace, name) (${ready}) > 0 < on (namespace) group_left ${pods}`);
    expect(rule('LlmEppErrorRatio').expr).toBe(
      'sum by (namespace, service) (rate(inference_objective_request_error_total{namespace="llm",service="llama-pool-epp"}[5m]))'
      + ' / sum by (namespace, service) (rate(inference_objective_request_total{namespace="llm",service="llama-pool-epp"}[5m])) > 0.05');
  });

  test('every EPP series is scoped by the EPP\'s target labels (and its pool\'s name), every vLLM series by the pool\'s label', () => {
    for (const r of routing.rules) {
      expect(promqlSyntaxError(r.expr)).toBeUndefined();
      for (const s of selectors(r.expr)) {
        if (s.name.startsWith('vllm:')) {
          expect(s.matchers).toEqual({ namespace: '=llm', pool: '=llama', model_name: '=llama-model' });
        } else if (s.name.startsWith('inference_pool_')) {
          expect(s.matchers).toEqual({ namespace: '=llm', service: '=llama-pool-epp', name: '=llama-pool' });
        } else {
          expect(s.matchers).toEqual({ namespace: '=llm', service: '=llama-pool-epp' });
        }
      }
      expect(promqlMetricNames(r.expr).length).toBe(selectors(r.expr).length);
    }
  });

  test('the selectors name the Service the ServiceMonitor selects, in the namespace it scrapes', () => {
    const sm = allOfKind(manifests, 'ServiceMonitor')[0];
    const service = allOfKind(manifests, 'Service').find(s => s.metadata.name === 'llama-pool-epp')!;
    expect(sm.spec.namespaceSelector).toEqual({ matchNames: ['llm'] });
    expect(sm.spec.selector.matchLabels).toEqual(service.metadata.labels);
  });

  test('without endpointPickers, and for a pool no EPP fronts, the objects are byte for byte the same', () => {
    const app = Testing.app();
    const models = new Chart(app, 'models', { namespace: 'llm' });
    const monitoring = new Chart(app, 'monitoring', { namespace: 'monitoring' });
    alerts(monitoring, { pools: [pool(models, 'llama'), pool(models, 'qwen')] });
    const without = synth(monitoring);
    expect(ruleObject(manifests, 'alerts-qwen')).toEqual(ruleObject(without, 'alerts-qwen'));
    expect(ruleObject(manifests, 'alerts')).toEqual(ruleObject(without, 'alerts'));
    const llamaWithout = ruleObject(without, 'alerts-llama');
    expect({ ...llamaRules, spec: { groups: groupsOf(llamaRules).filter(g => g.name !== 'llm-routing') } }).toEqual(llamaWithout);
  });

  test('two InferencePools in front of one pool: two sets of rules, told apart by inference_pool', () => {
    const two = stack({ secondEpp: true });
    const rules = groupsOf(ruleObject(two.manifests, 'alerts-llama')).find(g => g.name === 'llm-routing')!.rules;
    expect(rules.map(r => `${r.alert}/${r.labels!.inference_pool}`)).toEqual([
      ...EPP_ALERTS.map(a => `${a}/llama-pool`), ...EPP_ALERTS.map(a => `${a}/llama-canary`),
    ]);
    expect(rules.filter(r => r.labels!.inference_pool === 'llama-canary').every(r => r.expr.includes('service="llama-canary-epp"'))).toBe(true);
  });
});

describe('ServingAlerts endpointPickers: bad input', () => {
  test('an EPP without a ServiceMonitor fails synth, naming the EPP and the fix', () => {
    const chart = testChart();
    const llama = pool(chart, 'llama');
    const picker = epp(chart, llama, 'llama-pool', false);
    alerts(chart, { pools: [llama], endpointPickers: [picker] });
    expect(() => synth(chart)).toThrow(
      '\'endpointPickers[0]\' ("test/llama-pool-inference-pool") has no ServiceMonitor, but ServingAlerts \'test/alerts\' reads the EPP\'s series by the \'namespace\' and \'service\' labels its ServiceMonitor\'s scrape adds (without it nothing scrapes the EPP: the queries match nothing); call monitor() on \'test/llama-pool-inference-pool\'');
    picker.monitor(DISCOVERY);
    expect(() => expectValidManifests(synth(chart))).not.toThrow();
  });

  test('an EPP whose model pool is not one of pools', () => {
    const chart = testChart();
    const llama = pool(chart, 'llama');
    const qwen = pool(chart, 'qwen');
    expect(() => alerts(chart, { pools: [qwen], endpointPickers: [epp(chart, llama, 'llama-pool')] })).toThrow(new Error(
      '\'endpointPickers[0].modelPool\' ("test/llama") is not one of \'pools\': the rules of InferencePool \'llama-pool\' go to its model pool\'s PrometheusRule and read that pool\'s series; add the pool to \'pools\''));
  });

  test('an EPP listed twice', () => {
    const chart = testChart();
    const llama = pool(chart, 'llama');
    const picker = epp(chart, llama, 'llama-pool');
    expect(() => alerts(chart, { pools: [llama], endpointPickers: [picker, picker] })).toThrow(new Error(
      '\'endpointPickers[1]\' ("test/llama-pool-inference-pool") is endpointPickers[0] again: list each InferencePool once'));
  });

  test('plain JavaScript: not a list, not an EPP, an EPP missing what the alerts read', () => {
    const chart = testChart();
    const llama = pool(chart, 'llama');
    const picker = epp(chart, llama, 'llama-pool');
    let n = 0;
    /** A ServingAlerts of its own id for each attempt: a failed one keeps its id taken. */
    const attempt = (endpointPickers: unknown) => () => new ServingAlerts(chart, `alerts-${n++}`, { pools: [llama], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS, endpointPickers: endpointPickers as any });
    expect(attempt(picker)).toThrow(new Error(
      '\'endpointPickers\' ("test/llama-pool-inference-pool") must be a list of EndpointPicker (the InferencePool constructs of lib/gateway)'));
    expect(attempt([null])).toThrow(new Error(
      '\'endpointPickers[0]\' (null) must be an EndpointPicker (the InferencePool construct of lib/gateway)'));
    const fake = (overrides: Record<string, unknown>) => [Object.assign(Object.create(picker), overrides)];
    expect(attempt(fake({ poolName: 3 }))).toThrow(new Error(
      '\'endpointPickers[0].poolName\' (3) must be the InferencePool\'s name (\'test/llama-pool-inference-pool\')'));
    expect(attempt(fake({ namespace: '' }))).toThrow(new Error(
      '\'endpointPickers[0].namespace\' ("") must be the InferencePool\'s namespace (\'test/llama-pool-inference-pool\')'));
    expect(attempt(fake({ service: 'llama-pool-epp' }))).toThrow(new Error(
      '\'endpointPickers[0].service\' ("llama-pool-epp") must be the EPP\'s cdk8s-plus Service (\'test/llama-pool-inference-pool\')'));
    expect(attempt(fake({ service: picker.deployment }))).toThrow(new Error(
      '\'endpointPickers[0].service\' ("test/llama-pool-inference-pool/deployment") must be the EPP\'s cdk8s-plus Service (\'test/llama-pool-inference-pool\')'));
    expect(attempt(fake({ deployment: undefined }))).toThrow(new Error(
      '\'endpointPickers[0].deployment\' (undefined) must be the EPP\'s cdk8s-plus Deployment (\'test/llama-pool-inference-pool\')'));
    expect(attempt(fake({ modelPool: 'llama' }))).toThrow(new Error(
      '\'endpointPickers[0].modelPool\' ("llama") must be the model pool the InferencePool selects (\'test/llama-pool-inference-pool\')'));
  });
});

// ---------------------------------------------------------------------------------------------
// promtool: each rule fires on its case (exact labels and rendered annotations) and stays
// silent on the others; each expectation inverted fails.

interface Case {
  readonly what: string;
  readonly rule: PromRule;
  readonly series: EppInputSeries[];
  /** The labels the expression keeps and `$value`, per expected alert; none: silent. */
  readonly fires: EppCase['alerts'];
}

/** The cases of every rule instance, from the scenarios the dist/ run of promtool.test.ts uses too. */
function casesOf(rules: PromRule[]): Case[] {
  return rules.flatMap(rule => {
    const scenario = EPP_SCENARIOS[rule.alert!](rule);
    return [scenario.firing, ...scenario.alsoFiring, ...scenario.silent].map(c => ({ what: c.what, rule, series: c.series, fires: c.alerts }));
  });
}

/** Go's `%.4g` of v, as humanizePercentage prints v * 100. */
function humanizePercentage(v: number): string {
  if (v === Infinity) return '+Inf%';
  return `${Number((v * 100).toPrecision(4))}%`;
}

function renderTemplate(template: string, value: number): string {
  return template.replace(/\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
    if (expr === '$value') return String(value);
    if (expr === '$value | humanizePercentage') return humanizePercentage(value);
    throw new Error(`template {{ ${expr} }} is not rendered by this test`);
  });
}

function forMinutes(rule: PromRule): number {
  return Number(/^(\d+)m$/.exec(rule.for!)![1]);
}

function unitTests(rulesFile: string, cases: Case[], invert: boolean): Record<string, unknown> {
  return {
    rule_files: [rulesFile],
    evaluation_interval: '1m',
    tests: cases.map((c, i) => {
      const rule = c.rule;
      const fires = invert ? (c.fires.length ? [] : [{ labels: {}, value: 0 }]) : c.fires;
      return {
        name: `case-${i}`,
        interval: '1m',
        input_series: c.series,
        alert_rule_test: [{
          eval_time: `${forMinutes(rule) + 10}m`,
          alertname: rule.alert,
          exp_alerts: fires.map(f => ({
            exp_labels: { ...f.labels, ...rule.labels },
            exp_annotations: Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, renderTemplate(v, f.value)])),
          })),
        }],
      };
    }),
  };
}

/** The cases promtool reported as failed. */
function failed(r: PromtoolResult): number[] {
  return [...new Set([...r.output.matchAll(/name: case-(\d+),/g)].map(m => Number(m[1])))].sort((a, b) => a - b);
}

describe('the EPP alerts under promtool', () => {
  requirePromtool();
  const { manifests } = stack();
  const groups = ruleGroupsByObject(manifests).filter(g => g.name.endsWith('/llm-routing'));
  const rules = groups.flatMap(g => g.rules);
  const dir = tempDir('epp-alerts-');
  const rulesFile = writeRuleFile(dir, groups);
  const cases = casesOf(rules);
  afterAll(() => {
    if (!process.env.KEEP_PROMTOOL_FILES) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('promtool check rules accepts the group', () => {
    expect(groups.map(g => g.name)).toEqual(['monitoring/alerts-llama/llm-routing']);
    const r = checkRules(rulesFile);
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringContaining(`SUCCESS: ${rules.length} rules found`) });
  });

  test('every rule has a firing case and a silent case', () => {
    expect(rules.map(r => r.alert)).toEqual(EPP_ALERTS);
    for (const rule of rules) {
      expect(cases.some(c => c.rule === rule && c.fires.length > 0)).toBe(true);
      expect(cases.some(c => c.rule === rule && c.fires.length === 0)).toBe(true);
    }
  });

  test('promtool test rules: each alert fires on its cases with exact labels and annotations, and stays silent on the others', () => {
    const file = writeYaml(dir, 'epp.test.yaml', unitTests(rulesFile, cases, false));
    const r = testRules(file);
    if (r.status !== 0) throw new Error(`failed cases: ${failed(r).map(i => `${i} (${cases[i].rule.alert}: ${cases[i].what})`).join('; ')}\n${r.output}`);
    expect(r.stdout).toContain('SUCCESS');
  });

  test('promtool ran every case: with each expectation inverted, each one fails', () => {
    const r = testRules(writeYaml(dir, 'epp-inverted.test.yaml', unitTests(rulesFile, cases, true)));
    expect(r.status).not.toBe(0);
    expect(failed(r)).toEqual(cases.map((_, i) => i));
  });
});

test('ruleGroupsOf sees the EPP rules of the whole stack (and nothing else adds llm-routing)', () => {
  const { manifests } = stack({ secondEpp: true });
  expect(ruleGroupsOf(manifests).filter(g => g.name === 'llm-routing').flatMap(g => g.rules)).toHaveLength(2 * EPP_ALERTS.length);
});
