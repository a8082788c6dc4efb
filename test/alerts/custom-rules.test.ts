import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  Accelerator, CustomAlertOptions, CustomRecordingRuleOptions, HorizontalAutoscaler, HpaMetric, MetricType, RecordingRules, ServingAlerts, Severity,
  VllmPool, WorkloadAlerts, defineMetric,
} from '../../lib';
import { PromRuleGroup, checkRules, ruleGroupsOf, tempDir, testRules, writeRuleFile, writeYaml } from '../util/promtool';
import { Manifest, SCRAPER, allOfKind, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const DISCOVERY = { labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER };
const RUNBOOKS = 'https://runbooks.example.com/ops';
const QUEUE_DEPTH = defineMetric('jobs_queue_depth', MetricType.GAUGE, ['queue'], 'jobs waiting');
const JOB_LATENCY = defineMetric('job_duration_seconds', MetricType.HISTOGRAM, ['queue'], 'job latency, seconds');

/** A worker Deployment scaled by an HPA, watched by WorkloadAlerts declaring the worker's own metrics. */
function workloadAlerts(chart: Chart = testChart('jobs')): { chart: Chart; alerts: WorkloadAlerts } {
  const d = new kplus.Deployment(chart, 'worker', { metadata: { name: 'worker' } });
  d.addContainer({ name: 'worker', image: 'registry.example.com/worker:1.0.0', resources: { cpu: { request: kplus.Cpu.millis(100) }, memory: { request: Size.mebibytes(128) } } });
  const hpa = new HorizontalAutoscaler(chart, 'worker-hpa', { target: { deployment: d }, minReplicas: 1, maxReplicas: 5, metrics: [HpaMetric.cpuUtilization(70)] });
  const alerts = new WorkloadAlerts(chart, 'alerts', { autoscalers: [hpa], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS, declaredMetrics: [QUEUE_DEPTH, JOB_LATENCY] });
  return { chart, alerts };
}

/** A monitored GPU pool with ServingAlerts (and, when asked, RecordingRules of the pool). */
function servingAlerts(withRecordingRules = false): { chart: Chart; alerts: ServingAlerts; pool: VllmPool; rules?: RecordingRules } {
  const chart = testChart('llm');
  const pool = new VllmPool(chart, 'llama', { model: 'org/llama', servedModelName: 'llama', accelerator: Accelerator.nvidiaGpu(1) });
  pool.monitor(DISCOVERY);
  const rules = withRecordingRules ? new RecordingRules(chart, 'recording', { pools: [pool], discovery: DISCOVERY }) : undefined;
  const alerts = new ServingAlerts(chart, 'serving', { pools: [pool], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS });
  return { chart, alerts, pool, rules };
}

const BACKLOG: CustomAlertOptions = {
  alert: 'JobsBacklog',
  expr: 'sum by (namespace) (jobs_queue_depth{namespace="jobs"}) > 100',
  for: Duration.minutes(10),
  severity: Severity.WARNING,
  summary: 'The jobs queue holds more than 100 jobs',
  description: 'Workers do not keep up: check the worker autoscaler.',
  labels: { team: 'batch' },
};

function customGroup(manifests: Manifest[], name = 'custom'): PromRuleGroup {
  const found = ruleGroupsOf(manifests).filter(g => g.name === name);
  if (found.length !== 1) throw new Error(`expected one group ${name}, found ${found.length}`);
  return found[0];
}

describe('addAlert / addRecordingRule', () => {
  test('WorkloadAlerts: the alert renders in group "custom" with severity, labels, summary, description and the default runbook', () => {
    const { chart, alerts } = workloadAlerts();
    alerts.addAlert(BACKLOG);
    const manifests = synth(chart);
    expectValidManifests(manifests);
    expect(oneOfKind(manifests, 'PrometheusRule').spec.groups.map((g: PromRuleGroup) => g.name)).toEqual(['workload-autoscaling', 'custom']);
    expect(customGroup(manifests).rules).toEqual([{
      alert: 'JobsBacklog',
      expr: BACKLOG.expr,
      for: '10m',
      labels: { severity: 'warning', team: 'batch' },
      annotations: { summary: BACKLOG.summary, description: BACKLOG.description, runbook_url: `${RUNBOOKS}#jobsbacklog` },
    }]);
  });

  test('ServingAlerts: the same, after the built-in groups; an explicit runbook and group', () => {
    const { chart, alerts } = servingAlerts();
    alerts.addAlert({ ...BACKLOG, expr: 'sum(vllm:num_requests_waiting{namespace="llm"}) > 50', runbookUrl: 'https://wiki.example.com/llm#queue', group: 'llm-team', description: undefined, labels: undefined });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    // User rules go to the shared object `serving`, after its built-in groups; the pool's object holds the pool's rules only.
    expect(allOfKind(manifests, 'PrometheusRule').map(m => m.metadata.name)).toEqual(['serving', 'serving-llama']);
    const groups = allOfKind(manifests, 'PrometheusRule')[0].spec.groups.map((g: PromRuleGroup) => g.name);
    expect(groups[groups.length - 1]).toBe('llm-team');
    expect(allOfKind(manifests, 'PrometheusRule')[1].spec.groups.map((g: PromRuleGroup) => g.name)).not.toContain('llm-team');
    expect(customGroup(manifests, 'llm-team').rules).toEqual([{
      alert: 'JobsBacklog', expr: 'sum(vllm:num_requests_waiting{namespace="llm"}) > 50', for: '10m',
      labels: { severity: 'warning' }, annotations: { summary: BACKLOG.summary, runbook_url: 'https://wiki.example.com/llm#queue' },
    }]);
  });

  test('a recording rule renders, returns its series, and alerts may read it', () => {
    const { chart, alerts } = workloadAlerts();
    const recorded = alerts.addRecordingRule({ record: 'namespace:job_duration_seconds:p95_5m', expr: 'histogram_quantile(0.95, sum by (namespace, le) (rate(job_duration_seconds_bucket{namespace="jobs"}[5m])))', labels: { team: 'batch' } });
    expect(recorded).toEqual({ name: 'namespace:job_duration_seconds:p95_5m', type: MetricType.GAUGE, labels: [], help: 'recorded by \'test/alerts\'' });
    expect(alerts.recordedMetrics.map(m => m.name)).toEqual(['namespace:job_duration_seconds:p95_5m']);
    alerts.addAlert({ ...BACKLOG, alert: 'JobsSlow', expr: 'namespace:job_duration_seconds:p95_5m{namespace="jobs"} > 60' });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    expect(customGroup(manifests).rules.map(r => r.record ?? r.alert)).toEqual(['namespace:job_duration_seconds:p95_5m', 'JobsSlow']);
    expect(customGroup(manifests).rules[0]).toEqual({
      record: 'namespace:job_duration_seconds:p95_5m',
      expr: 'histogram_quantile(0.95, sum by (namespace, le) (rate(job_duration_seconds_bucket{namespace="jobs"}[5m])))',
      labels: { team: 'batch' },
    });
  });

  test('series recorded by RecordingRules in the App are known; catalog metrics need no declaration', () => {
    const { chart, alerts, pool, rules } = servingAlerts(true);
    expect(rules!.pool(pool).ttftP95.name).toBe('namespace_pool:vllm_time_to_first_token_seconds:p95_5m');
    expect(() => alerts.addAlert({ ...BACKLOG, alert: 'LlamaTtft', expr: 'max(namespace_pool:vllm_time_to_first_token_seconds:p95_5m{pool="llama"}) > 2' })).not.toThrow();
    expect(() => alerts.addAlert({ ...BACKLOG, alert: 'LlamaKv', expr: 'max(vllm:kv_cache_usage_perc{namespace="llm"}) > 0.95' })).not.toThrow();
    expectValidManifests(synth(chart));
  });

  test('two groups may hold alerts of one name', () => {
    const { alerts } = workloadAlerts();
    alerts.addAlert(BACKLOG);
    expect(() => alerts.addAlert({ ...BACKLOG, group: 'other' })).not.toThrow();
  });
});

describe('addAlert / addRecordingRule errors', () => {
  const alert = (options: Partial<CustomAlertOptions> | undefined, setup?: (a: WorkloadAlerts) => void) => () => {
    const { alerts } = workloadAlerts();
    setup?.(alerts);
    alerts.addAlert(options === undefined ? undefined as unknown as CustomAlertOptions : { ...BACKLOG, ...options } as CustomAlertOptions);
  };
  const record = (options: Partial<CustomRecordingRuleOptions>) => () => {
    const { alerts } = workloadAlerts();
    alerts.addRecordingRule({ record: 'namespace:jobs_queue_depth:sum', expr: 'sum by (namespace) (jobs_queue_depth)', ...options } as CustomRecordingRuleOptions);
  };

  test('an alert without for', () => {
    expect(alert({ for: undefined })).toThrowError(new Error('\'for\' (undefined) is required on alert JobsBacklog: how long the condition must hold before it fires, e.g. Duration.minutes(10); without it one evaluation (a single bad scrape) fires it'));
  });
  test('an alert reading an unknown metric', () => {
    expect(alert({ expr: 'sum(my_unknown_total) > 0' })).toThrowError(new Error('\'expr\' ("sum(my_unknown_total) > 0") reads my_unknown_total, which is neither a catalog metric, a series recorded in this App nor one of \'declaredMetrics\': a rule over a series nothing exports never fires; use a catalog metric (VllmMetrics, KubeStateMetrics, ...), record it with addRecordingRule(), or declare it with defineMetric() in \'declaredMetrics\''));
  });
  test('a recording rule reading an unknown metric', () => {
    expect(record({ expr: 'sum(nope)' })).toThrow('\'expr\' ("sum(nope)") reads nope, which is neither a catalog metric');
  });
  test('an invalid recording rule name', () => {
    expect(record({ record: 'jobs_queue_depth_sum' })).toThrowError(new Error('\'record\' ("jobs_queue_depth_sum") must be a Prometheus metric name in the recording-rule form level:metric:operations (letters, digits and \'_\' in each of the three parts), e.g. namespace:http_requests:rate5m'));
  });
  test('a duplicate alert name in a group', () => {
    expect(alert({}, a => a.addAlert(BACKLOG))).toThrowError(new Error('\'alert\' ("JobsBacklog") is already an alert of group "custom" of \'test/alerts\': give each alert its own name, or add it to another group'));
  });
  test('a duplicate recording rule', () => {
    const { alerts } = workloadAlerts();
    const options = { record: 'namespace:jobs_queue_depth:sum', expr: 'sum by (namespace) (jobs_queue_depth)' };
    alerts.addRecordingRule(options);
    expect(() => alerts.addRecordingRule(options)).toThrowError(new Error('\'record\' ("namespace:jobs_queue_depth:sum") is already recorded with these labels in group "custom" of \'test/alerts\': give each rule its own name or labels'));
  });
  test.each([
    ['not PromQL', { expr: 'sum(jobs_queue_depth' }, '\'expr\' ("sum(jobs_queue_depth") is not valid PromQL: syntax error at character 21 (parsed with @prometheus-io/lezer-promql)'],
    ['a removed metric', { expr: 'max(vllm:gpu_cache_usage_perc) > 0.9' }, '\'expr\' ("max(vllm:gpu_cache_usage_perc) > 0.9") reads vllm:gpu_cache_usage_perc, which no longer exists (the rule would read nothing): use vllm:kv_cache_usage_perc (a ratio from 0 to 1)'],
    ['no expression', { expr: 5 }, '\'expr\' (5) must be a PromQL expression'],
    ['a bad alert name', { alert: 'jobs-backlog' }, '\'alert\' ("jobs-backlog") must be an alert name: letters, digits and \'_\', not starting with a digit, e.g. QueueWorkerBacklog'],
    ['for not a Duration', { for: '10m' }, '\'for\' ("10m") must be a Duration, e.g. Duration.minutes(10)'],
    ['for not whole seconds', { for: Duration.millis(1500) }, '\'for\' ("1500ms") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(2))'],
    ['no severity', { severity: undefined }, '\'severity\' (undefined) must be one of critical, warning, info (Severity.CRITICAL, WARNING or INFO)'],
    ['an unknown severity', { severity: 'page' }, '\'severity\' ("page") must be one of critical, warning, info (Severity.CRITICAL, WARNING or INFO)'],
    ['no summary', { summary: undefined }, '\'summary\' (undefined) must be a non-empty line saying what is wrong and where'],
    ['an empty summary', { summary: ' ' }, '\'summary\' (" ") must be a non-empty line saying what is wrong and where'],
    ['a description that is no string', { description: 3 }, '\'description\' (3) must be a string'],
    ['a runbook that is no URL', { runbookUrl: 'wiki/jobs' }, '\'runbookUrl\' ("wiki/jobs") must be an http:// or https:// URL'],
    ['a severity label', { labels: { severity: 'page' } }, '\'labels.severity\' ("page") is set from the option \'severity\''],
    ['a bad label name', { labels: { 'team-name': 'batch' } }, '\'labels.team-name\' ("batch") must be keyed by a Prometheus label name: letters, digits and \'_\', not starting with a digit or \'__\''],
    ['a label value that is no string', { labels: { replicas: 3 } }, '\'labels.replicas\' (3) must be a string'],
    ['a built-in group', { group: 'workload-autoscaling' }, '\'group\' ("workload-autoscaling") is a group \'test/alerts\' renders itself: put your rules in a group of their own (default "custom")'],
    ['an empty group', { group: '' }, '\'group\' ("") must be a non-empty rule group name'],
  ] as Array<[string, Record<string, unknown>, string]>)('addAlert: %s', (_what, options, message) => {
    expect(alert(options as Partial<CustomAlertOptions>)).toThrowError(new Error(message));
  });
  test('addAlert from plain JavaScript without options', () => {
    expect(alert(undefined)).toThrowError(new Error('\'options\' (undefined) must be { alert, expr, for, severity, summary, description?, runbookUrl?, labels?, group? }'));
  });
  test('addRecordingRule from plain JavaScript without options', () => {
    const { alerts } = workloadAlerts();
    expect(() => alerts.addRecordingRule(null as unknown as CustomRecordingRuleOptions)).toThrowError(new Error('\'options\' (null) must be { record, expr, labels?, group? }'));
  });
  test('ServingAlerts refuses its own groups and checks like WorkloadAlerts', () => {
    const { alerts } = servingAlerts();
    expect(() => alerts.addAlert({ ...BACKLOG, group: 'llm-serving' })).toThrowError(new Error('\'group\' ("llm-serving") is a group \'test/serving\' renders itself: put your rules in a group of their own (default "custom")'));
    expect(() => alerts.addAlert({ ...BACKLOG, expr: 'sum(vllm:num_requests_waiting) > 50', for: undefined as unknown as Duration })).toThrow('\'for\' (undefined) is required on alert JobsBacklog');
    // jobs_queue_depth is declared on the WorkloadAlerts of other tests, not here.
    expect(() => alerts.addAlert(BACKLOG)).toThrow('reads jobs_queue_depth, which is neither a catalog metric');
  });
  test('declaredMetrics entries must be metric definitions', () => {
    const chart = testChart('llm');
    const pool = new VllmPool(chart, 'llama', { model: 'org/llama', servedModelName: 'llama', accelerator: Accelerator.nvidiaGpu(1) });
    expect(() => new ServingAlerts(chart, 'serving', { pools: [pool], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS, declaredMetrics: [{ name: 'x' } as never] }))
      .toThrowError(new Error('\'declaredMetrics[0]\' ({"name":"x"}) must be a metric definition, as returned by defineMetric()'));
  });
});

// promtool: the user's rules run in the real Prometheus rule engine, firing and silent.
describe('user rules under promtool test rules', () => {
  const { chart, alerts } = workloadAlerts();
  alerts.addRecordingRule({ record: 'namespace:jobs_queue_depth:sum', expr: 'sum by (namespace) (jobs_queue_depth{namespace="jobs"})' });
  alerts.addAlert({ ...BACKLOG, expr: 'namespace:jobs_queue_depth:sum{namespace="jobs"} > 100' });
  const manifests = synth(chart);
  const groups = [customGroup(manifests)];
  const queue = (q: string, values: string) => ({ series: `jobs_queue_depth{namespace="jobs",queue="${q}",job="worker"}`, values });

  function run(input: Array<{ series: string; values: string }>, fires: boolean, recorded: number): void {
    const dir = tempDir('custom-rules-');
    const ruleFile = writeRuleFile(dir, groups);
    expect(checkRules(ruleFile).status).toBe(0);
    const testFile = writeYaml(dir, 'test.yaml', {
      rule_files: [ruleFile],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: input,
        promql_expr_test: [{ expr: 'namespace:jobs_queue_depth:sum', eval_time: '15m', exp_samples: [{ labels: 'namespace:jobs_queue_depth:sum{namespace="jobs"}', value: recorded }] }],
        alert_rule_test: [{
          eval_time: '15m',
          alertname: 'JobsBacklog',
          exp_alerts: fires ? [{
            exp_labels: { namespace: 'jobs', severity: 'warning', team: 'batch' },
            exp_annotations: { summary: BACKLOG.summary, description: BACKLOG.description, runbook_url: `${RUNBOOKS}#jobsbacklog` },
          }] : [],
        }],
      }],
    });
    const r = testRules(testFile);
    expect({ status: r.status, output: r.status === 0 ? '' : r.output }).toEqual({ status: 0, output: '' });
  }

  test('the recorded sum and the alert on it fire above 100 for 10 minutes', () => {
    run([queue('a', '70x20'), queue('b', '40x20')], true, 110);
  });
  test('silent at 100 or below', () => {
    run([queue('a', '60x20'), queue('b', '40x20')], false, 100);
  });
  test('silent above 100 for less than 10 minutes', () => {
    run([queue('a', '10x8 70x12'), queue('b', '40x20')], false, 110);
  });
});
