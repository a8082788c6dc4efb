import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  HorizontalAutoscaler, HpaMetric, KedaScaledObject, KedaTrigger, WatchedAutoscaler, WORKLOAD_ALERT_GROUP, WorkloadAlerts, WorkloadAlertsProps,
} from '../../lib';
import { PromRule, checkRules, ruleGroupsOf, tempDir, testRules, writeRuleFile, writeYaml } from '../util/promtool';
import { Manifest, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const DISCOVERY = { labels: { release: 'kube-prometheus-stack' } };
const RUNBOOKS = 'https://runbooks.example.com/workloads';

function workload(chart: Chart, name: string): kplus.Deployment {
  const d = new kplus.Deployment(chart, name, { metadata: { name } });
  d.addContainer({ name, image: 'registry.example.com/app:1.0.0', resources: { cpu: { request: kplus.Cpu.millis(100) }, memory: { request: Size.mebibytes(128) } } });
  return d;
}

/** A KEDA-scaled worker (0 to 30, fallback 4 replicas) and an HPA-scaled API (3 to 50) in `jobs`, and a fixed-size one (2 to 2). */
function stack(): { chart: Chart; keda: KedaScaledObject; hpa: HorizontalAutoscaler; fixed: HorizontalAutoscaler } {
  const chart = testChart('jobs');
  const keda = new KedaScaledObject(chart, 'worker-scaler', {
    target: { deployment: workload(chart, 'worker') }, minReplicas: 0, maxReplicas: 30,
    triggers: [KedaTrigger.redisList({ address: 'redis.jobs.svc:6379', listName: 'jobs' })],
    fallback: { replicas: 4 },
  });
  const hpa = new HorizontalAutoscaler(chart, 'api-hpa', { target: { deployment: workload(chart, 'api') }, minReplicas: 3, maxReplicas: 50, metrics: [HpaMetric.cpuUtilization(70)] });
  const fixed = new HorizontalAutoscaler(chart, 'fixed-hpa', { target: { deployment: workload(chart, 'fixed') }, minReplicas: 2, maxReplicas: 2, metrics: [HpaMetric.cpuUtilization(70)] });
  return { chart, keda, hpa, fixed };
}

function render(props: Partial<WorkloadAlertsProps> = {}): { manifests: Manifest[]; rules: PromRule[] } {
  const { chart, keda, hpa, fixed } = stack();
  new WorkloadAlerts(chart, 'workload-alerts', { autoscalers: [keda, hpa, fixed], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS, ...props });
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return { manifests, rules: ruleGroupsOf(manifests).flatMap(g => g.rules) };
}

function ruleOf(rules: PromRule[], alert: string, hpa: string): PromRule {
  const found = rules.filter(r => r.alert === alert && r.labels?.horizontalpodautoscaler === hpa);
  if (found.length !== 1) throw new Error(`expected one ${alert} for ${hpa}, found ${found.length}`);
  return found[0];
}

describe('WorkloadAlerts', () => {
  const { manifests, rules } = render();

  test('one PrometheusRule named from the construct id, with the discovery labels, one group', () => {
    const rule = oneOfKind(manifests, 'PrometheusRule');
    expect(rule.metadata.name).toBe('workload-alerts');
    expect(rule.metadata.namespace).toBe('jobs');
    expect(rule.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(rule.spec.groups.map((g: Manifest) => g.name)).toEqual([WORKLOAD_ALERT_GROUP]);
  });

  test('KEDA is watched through the HPA it creates, an HPA by its own name; every alert names the workload', () => {
    expect(ruleOf(rules, 'WorkloadAutoscalerAtMaxReplicas', 'keda-hpa-worker').labels).toEqual({ severity: 'warning', namespace: 'jobs', horizontalpodautoscaler: 'keda-hpa-worker', workload: 'worker' });
    expect(ruleOf(rules, 'WorkloadAutoscalerUnableToScale', 'api').labels).toEqual({ severity: 'critical', namespace: 'jobs', horizontalpodautoscaler: 'api', workload: 'api' });
  });

  test('kube-state-metrics v2 names and label only (FACTS §C.1), never kube_hpa_* / hpa', () => {
    for (const r of rules.filter(x => !x.alert!.startsWith('WorkloadKeda'))) {
      expect(r.expr).toContain('kube_horizontalpodautoscaler_');
      expect(r.expr).toContain('horizontalpodautoscaler="');
      expect(r.expr).not.toMatch(/kube_hpa_|[{,]hpa=/);
    }
  });

  test('no "at max" or flapping alert for an autoscaler whose minimum is its maximum; "unable to scale" for every one', () => {
    expect(rules.filter(r => r.labels?.horizontalpodautoscaler === 'fixed').map(r => r.alert)).toEqual(['WorkloadAutoscalerUnableToScale']);
    expect(rules.filter(r => r.labels?.horizontalpodautoscaler === 'api').map(r => r.alert))
      .toEqual(['WorkloadAutoscalerAtMaxReplicas', 'WorkloadAutoscalerFlapping', 'WorkloadAutoscalerUnableToScale']);
  });

  test('a ScaledObject also gets scaler errors, and with a fallback the derived fallback-active alert', () => {
    expect(rules.filter(r => r.labels?.horizontalpodautoscaler === 'keda-hpa-worker').map(r => r.alert)).toEqual([
      'WorkloadAutoscalerAtMaxReplicas', 'WorkloadAutoscalerFlapping', 'WorkloadAutoscalerUnableToScale', 'WorkloadKedaScalerErrors', 'WorkloadKedaFallbackActive',
    ]);
    const errors = ruleOf(rules, 'WorkloadKedaScalerErrors', 'keda-hpa-worker');
    expect(errors.labels).toEqual({ severity: 'warning', namespace: 'jobs', horizontalpodautoscaler: 'keda-hpa-worker', workload: 'worker', scaledObject: 'worker' });
    // Both namespace labellings of KEDA's operator series (honorLabels or exported_namespace).
    expect(errors.expr).toBe('sum by (scaledObject) (rate(keda_scaler_detail_errors_total{namespace="jobs",scaledObject="worker"}[5m]) or rate(keda_scaler_detail_errors_total{exported_namespace="jobs",scaledObject="worker"}[5m])) > 0');
    expect(errors.for).toBe('10m');
    const fallback = ruleOf(rules, 'WorkloadKedaFallbackActive', 'keda-hpa-worker');
    // Polling 15 s (the library's default): five polls round up to 2m, half of its 8 polls is 4; failureThreshold 3: 4 HPA syncs (1m).
    expect(fallback.expr).toBe('sum by (scaledObject) (increase(keda_scaler_detail_errors_total{namespace="jobs",scaledObject="worker"}[2m]) or increase(keda_scaler_detail_errors_total{exported_namespace="jobs",scaledObject="worker"}[2m])) >= 4');
    expect(fallback.for).toBe('1m');
    expect(fallback.annotations!.description).toContain('fallback (4 replicas)');
  });

  test('no fallback alert for a ScaledObject without a fallback', () => {
    const chart = testChart('jobs');
    const keda = new KedaScaledObject(chart, 'worker-scaler', {
      target: { deployment: workload(chart, 'worker') }, minReplicas: 1, maxReplicas: 3,
      triggers: [KedaTrigger.redisList({ address: 'redis.jobs.svc:6379', listName: 'jobs' })],
    });
    const alerts = new WorkloadAlerts(chart, 'alerts', { autoscalers: [keda], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS });
    expect(alerts.rules().map(r => r.alert)).toEqual(['WorkloadAutoscalerAtMaxReplicas', 'WorkloadAutoscalerFlapping', 'WorkloadAutoscalerUnableToScale', 'WorkloadKedaScalerErrors']);
  });

  test('flapping counts direction changes of the desired replicas over 30m, from 4, for 5m; window and count configurable', () => {
    const flapping = ruleOf(rules, 'WorkloadAutoscalerFlapping', 'api');
    const desired = 'kube_horizontalpodautoscaler_status_desired_replicas{namespace="jobs",horizontalpodautoscaler="api"}';
    expect(flapping.expr).toBe(`max by (namespace, horizontalpodautoscaler) (changes(sgn((${desired} - ${desired} offset 1m) != 0)[30m:1m])) >= 4`);
    expect(flapping.for).toBe('5m');
    const custom = render({ flappingWindow: Duration.hours(1), flappingDirectionChanges: 6 }).rules;
    expect(ruleOf(custom, 'WorkloadAutoscalerFlapping', 'api').expr).toBe(`max by (namespace, horizontalpodautoscaler) (changes(sgn((${desired} - ${desired} offset 1m) != 0)[1h:1m])) >= 6`);
  });

  test('for: 15m at max, 10m unable; durations configurable in whole minutes', () => {
    expect(ruleOf(rules, 'WorkloadAutoscalerAtMaxReplicas', 'api').for).toBe('15m');
    expect(ruleOf(rules, 'WorkloadAutoscalerUnableToScale', 'api').for).toBe('10m');
    const custom = render({ atMaxFor: Duration.minutes(30), unableToScaleFor: Duration.minutes(5) }).rules;
    expect(ruleOf(custom, 'WorkloadAutoscalerAtMaxReplicas', 'api').for).toBe('30m');
    expect(ruleOf(custom, 'WorkloadAutoscalerUnableToScale', 'api').for).toBe('5m');
  });

  test('runbook links per alert', () => {
    expect(ruleOf(rules, 'WorkloadAutoscalerAtMaxReplicas', 'api').annotations!.runbook_url).toBe(`${RUNBOOKS}#workloadautoscaleratmaxreplicas`);
  });

  test('promtool check rules accepts the rules', () => {
    const dir = tempDir();
    const r = checkRules(writeRuleFile(dir, ruleGroupsOf(manifests)));
    expect(r.status).toBe(0);
  });
});

describe('WorkloadAlerts errors', () => {
  const base = (): { chart: Chart; list: WatchedAutoscaler[] } => {
    const { chart, keda, hpa } = stack();
    return { chart, list: [keda, hpa] };
  };
  test.each([
    ['no autoscalers', { autoscalers: [] }, '\'autoscalers\' ([]) must name at least one HorizontalAutoscaler or KedaScaledObject'],
    ['not a list', { autoscalers: 'api' }, '\'autoscalers\' ("api") must be a list of HorizontalAutoscaler or KedaScaledObject'],
    ['not an autoscaler', { autoscalers: [{ name: 'api' }] }, '\'autoscalers[0]\' ({"name":"api"}) must be a HorizontalAutoscaler or a KedaScaledObject'],
    ['a bad runbook URL', { runbookBaseUrl: 'runbooks' }, '\'runbookBaseUrl\' ("runbooks")'],
    ['a runbook URL that is no string', { runbookBaseUrl: 5 }, '\'runbookBaseUrl\' (5) must be an http:// or https:// URL'],
    ['no discovery', { discovery: undefined }, '\'discovery\' (undefined) must be { labels, interval? }: the labels your Prometheus selects PrometheusRules by, e.g. { labels: { release: \'kube-prometheus-stack\' } }'],
    ['atMaxFor below a minute', { atMaxFor: Duration.seconds(30) }, '\'atMaxFor\''],
    ['a flapping window below 10 minutes', { flappingWindow: Duration.minutes(5) }, '\'flappingWindow\' ("300000ms") must be a whole number of seconds, at least 600s (e.g. Duration.seconds(600))'],
    ['a flapping window not in whole minutes', { flappingWindow: Duration.seconds(630) }, '\'flappingWindow\' ("10 minutes 30 seconds") must be whole minutes, at least 10 (the replicas are sampled each minute)'],
    ['one direction change', { flappingDirectionChanges: 1 }, '\'flappingDirectionChanges\' (1) must be a whole number, at least 2 (one change of direction is a burst that passed)'],
    ['declaredMetrics not a list', { declaredMetrics: 'x' }, '\'declaredMetrics\' ("x") must be a list of metric definitions (defineMetric())'],
  ] as Array<[string, Record<string, unknown>, string]>)('%s', (_what, props, message) => {
    const { chart, list } = base();
    expect(() => new WorkloadAlerts(chart, 'alerts', { autoscalers: list, discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS, ...props } as WorkloadAlertsProps)).toThrow(message);
  });

  test('an autoscaler listed twice', () => {
    const { chart, list } = base();
    expect(() => new WorkloadAlerts(chart, 'alerts', { autoscalers: [list[1], list[1]], discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS }))
      .toThrow('\'autoscalers[1]\' ("test/api-hpa") is listed twice (also autoscalers[0]): each would raise every alert twice');
  });

  test('props from plain JavaScript', () => {
    const { chart } = base();
    expect(() => new WorkloadAlerts(chart, 'alerts', undefined as unknown as WorkloadAlertsProps)).toThrow('\'props\' (undefined) must set autoscalers, discovery and runbookBaseUrl');
  });

  test('two alert rules with one name in a namespace clash', () => {
    const { chart, list } = base();
    new WorkloadAlerts(chart, 'alerts', { autoscalers: list, discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS });
    expect(() => new WorkloadAlerts(chart, 'alerts2', { name: 'alerts', autoscalers: list, discovery: DISCOVERY, runbookBaseUrl: RUNBOOKS })).toThrow('alerts');
  });
});

// promtool: each rule alone, on input series where it must fire and where it must stay silent.
describe('WorkloadAlerts under promtool test rules', () => {
  const { rules } = render();
  const KSM = { job: 'kube-state-metrics' };
  const SAMPLES = 60;
  const gauge = (v: number): string => `${v}x${SAMPLES}`;
  const series = (name: string, labels: Record<string, string>): string => `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
  const hpaSeries = (rule: PromRule, metric: string, values: string, hpaName = rule.labels!.horizontalpodautoscaler) =>
    ({ series: series(`kube_horizontalpodautoscaler_${metric}`, { namespace: rule.labels!.namespace, horizontalpodautoscaler: hpaName, ...KSM }), values });
  const conditions = (rule: PromRule, falseOnes: string[]) => ['AbleToScale', 'ScalingActive', 'ScalingLimited'].flatMap(condition => ['true', 'false', 'unknown'].map(status => ({
    series: series('kube_horizontalpodautoscaler_status_condition', { namespace: rule.labels!.namespace, horizontalpodautoscaler: rule.labels!.horizontalpodautoscaler, condition, status, ...KSM }),
    values: gauge(status === (falseOnes.includes(condition) ? 'false' : 'true') ? 1 : 0),
  })));

  /** Runs promtool on `rule` alone with `input`, expecting it to fire (with its labels) or not at `evalMinutes`. */
  function run(rule: PromRule, input: Array<{ series: string; values: string }>, fires: boolean, evalMinutes: number, value?: string): void {
    const annotations = Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, value === undefined ? v : v.replace('{{ $value }}', value)]));
    const dir = tempDir('workload-alerts-');
    const ruleFile = writeRuleFile(dir, [{ name: WORKLOAD_ALERT_GROUP, rules: [rule] }]);
    const keep = { namespace: rule.labels!.namespace, horizontalpodautoscaler: rule.labels!.horizontalpodautoscaler };
    const testFile = writeYaml(dir, 'test.yaml', {
      rule_files: [ruleFile],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: input,
        alert_rule_test: [{
          eval_time: `${evalMinutes}m`,
          alertname: rule.alert,
          exp_alerts: fires ? [{ exp_labels: { ...keep, ...rule.labels }, exp_annotations: annotations }] : [],
        }],
      }],
    });
    const r = testRules(testFile);
    expect({ status: r.status, output: r.status === 0 ? '' : r.output }).toEqual({ status: 0, output: '' });
  }

  for (const hpaName of ['keda-hpa-worker', 'api']) {
    describe(`WorkloadAutoscalerAtMaxReplicas (${hpaName})`, () => {
      const rule = ruleOf(rules, 'WorkloadAutoscalerAtMaxReplicas', hpaName);
      const max = hpaName === 'api' ? 50 : 30;
      test('fires at max for longer than 15 minutes', () => {
        run(rule, [hpaSeries(rule, 'status_current_replicas', gauge(max)), hpaSeries(rule, 'spec_max_replicas', gauge(max))], true, 20);
      });
      test('silent at max for less than 15 minutes', () => {
        run(rule, [hpaSeries(rule, 'status_current_replicas', `${max - 5}x10 ${max}x${SAMPLES}`), hpaSeries(rule, 'spec_max_replicas', gauge(max))], false, 20);
      });
      test('silent below max', () => {
        run(rule, [hpaSeries(rule, 'status_current_replicas', gauge(max - 1)), hpaSeries(rule, 'spec_max_replicas', gauge(max))], false, 20);
      });
      test('silent while another HPA of the namespace is at max', () => {
        run(rule, [
          hpaSeries(rule, 'status_current_replicas', gauge(4), 'other'), hpaSeries(rule, 'spec_max_replicas', gauge(4), 'other'),
          hpaSeries(rule, 'status_current_replicas', gauge(3)), hpaSeries(rule, 'spec_max_replicas', gauge(max)),
        ], false, 20);
      });
    });

    describe(`WorkloadAutoscalerUnableToScale (${hpaName})`, () => {
      const rule = ruleOf(rules, 'WorkloadAutoscalerUnableToScale', hpaName);
      test('fires when AbleToScale is false', () => {
        run(rule, [...conditions(rule, ['AbleToScale']), hpaSeries(rule, 'status_desired_replicas', gauge(3))], true, 15);
      });
      test('fires when ScalingActive is false with replicas desired (metrics unreadable)', () => {
        run(rule, [...conditions(rule, ['ScalingActive']), hpaSeries(rule, 'status_desired_replicas', gauge(3))], true, 15);
      });
      test('silent when every condition is true (ScalingLimited too)', () => {
        run(rule, [...conditions(rule, []), hpaSeries(rule, 'status_desired_replicas', gauge(3))], false, 15);
      });
      test('silent when ScalingActive is false because the target is scaled to zero', () => {
        run(rule, [...conditions(rule, ['ScalingActive']), hpaSeries(rule, 'status_desired_replicas', gauge(0))], false, 15);
      });
      test('silent when ScalingLimited is false only', () => {
        run(rule, [...conditions(rule, ['ScalingLimited']), hpaSeries(rule, 'status_desired_replicas', gauge(3))], false, 15);
      });
    });
  }

  for (const hpaName of ['keda-hpa-worker', 'api']) {
    describe(`WorkloadAutoscalerFlapping (${hpaName})`, () => {
      const rule = ruleOf(rules, 'WorkloadAutoscalerFlapping', hpaName);
      const desired = (values: string, name?: string) => hpaSeries(rule, 'status_desired_replicas', values, name);
      test('fires when the desired replicas go up and down every minute', () => {
        // 40 samples from minute 0 to 39: at minute 20 the last 30 minutes hold 19 flips.
        run(rule, [desired('3 4 '.repeat(20) + gauge(4))], true, 20, '19');
      });
      test('silent on a steady ramp, however many changes (3 to 28 in 25 minutes)', () => {
        run(rule, [desired(`3+1x25 ${gauge(28)}`)], false, 20);
      });
      test('silent on two direction changes only (a burst that came back)', () => {
        run(rule, [desired(`3x4 8x4 3x4 8x${SAMPLES}`)], false, 20);
      });
      test('silent while another HPA of the namespace flaps', () => {
        run(rule, [desired('3 4 '.repeat(20), 'other'), desired(gauge(3))], false, 20);
      });
    });
  }

  describe('KEDA alerts (worker)', () => {
    const errorsSeries = (values: string, namespaceLabel = 'namespace', scaledObject = 'worker') => ({
      series: series('keda_scaler_detail_errors_total', {
        [namespaceLabel]: 'jobs', scaledObject, scaler: 'redisScaler', triggerIndex: '0', metric: 's0-redis-jobs', type: 'scaledobject', job: 'keda-operator',
      }),
      values,
    });
    const errors = ruleOf(rules, 'WorkloadKedaScalerErrors', 'keda-hpa-worker');
    test('scaler errors fire while the error counter rises (namespace label honored)', () => {
      run(errors, [errorsSeries('0+1x60')], true, 15);
    });
    test('scaler errors fire with the namespace renamed exported_namespace', () => {
      run(errors, [errorsSeries('0+1x60', 'exported_namespace')], true, 15);
    });
    test('scaler errors silent on a flat counter, and on another ScaledObject\'s errors', () => {
      run(errors, [errorsSeries(gauge(7)), errorsSeries('0+1x60', 'namespace', 'other')], false, 15);
    });
    const fallback = ruleOf(rules, 'WorkloadKedaFallbackActive', 'keda-hpa-worker');
    test('fallback active fires when the scaler fails at every 15 s poll', () => {
      // The library's default polling interval is 15 s: four errors a minute, 8 (extrapolated) in the 2m window.
      run(fallback, [errorsSeries('0+4x60')], true, 10, '8');
    });
    test('fallback active silent on an occasional error (one every two minutes)', () => {
      run(fallback, [errorsSeries('0+0.5x60')], false, 10);
    });
    test('fallback active silent without errors', () => {
      run(fallback, [errorsSeries(gauge(0))], false, 10);
    });
  });

  test('every rule instance of the watched HPAs has cases above', () => {
    expect(rules.filter(r => r.labels?.horizontalpodautoscaler !== 'fixed').map(r => `${r.alert}/${r.labels!.horizontalpodautoscaler}`).sort()).toEqual([
      'WorkloadAutoscalerAtMaxReplicas/api', 'WorkloadAutoscalerAtMaxReplicas/keda-hpa-worker',
      'WorkloadAutoscalerFlapping/api', 'WorkloadAutoscalerFlapping/keda-hpa-worker',
      'WorkloadAutoscalerUnableToScale/api', 'WorkloadAutoscalerUnableToScale/keda-hpa-worker',
      'WorkloadKedaFallbackActive/keda-hpa-worker', 'WorkloadKedaScalerErrors/keda-hpa-worker',
    ]);
  });
});
