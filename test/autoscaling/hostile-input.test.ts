import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  Accelerator, DcgmExporter, DcgmMetrics, HorizontalAutoscaler, HpaMetric, KedaScaledObject, KedaTrigger, LiteLLMProxy, LlmSignal,
  PrometheusAdapter, ScalingPolicyType, ServingAlerts, VerticalAutoscaler, VllmPool, VpaUpdateMode,
} from '../../lib';
import { expectValidManifests } from '../util/validate';
import { SCRAPER } from '../util/synth';

// Hostile input as a property: every hostile value of every prop of the scaling, metrics and
// alert constructs ends in an Error whose message names the prop (never a TypeError or
// RangeError from inside the library), or in strictly valid output. Values are those a user
// (or plain JavaScript) can pass: NaN, infinities, negative, fractional and huge numbers,
// empty, blank, upper-case, unicode, YAML-breaking and `os.environ/` strings, wrong types,
// Durations cdk8s cannot convert.

const HOSTILE: ReadonlyArray<[string, () => unknown]> = [
  ['NaN', () => NaN], ['Infinity', () => Infinity], ['-Infinity', () => -Infinity], ['-1', () => -1], ['0', () => 0],
  ['0.5', () => 0.5], ['1e12', () => 1e12], ['2^53+2', () => Number.MAX_SAFE_INTEGER + 2],
  ['empty string', () => ''], ['blank string', () => '   '], ['upper case', () => 'UPPER'], ['unicode', () => 'ünïcödé'],
  ['YAML-breaking', () => 'a: b\n- c'], ['os.environ/ injection', () => 'os.environ/MASTER_KEY'], ['quotes', () => '"x"'],
  ['300 characters', () => 'x'.repeat(300)], ['an object', () => ({})], ['a list', () => []], ['null', () => null],
  ['undefined', () => undefined], ['true', () => true],
  ['1500 ms', () => Duration.millis(1500)], ['NaN seconds', () => Duration.seconds(NaN)], ['1e-9 minutes', () => Duration.minutes(1e-9)],
  ['a million hours', () => Duration.hours(1e6)],
];

const PROMETHEUS = 'http://prometheus-operated.monitoring.svc:9090';
const DISCOVERY = { labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER };

interface World {
  readonly chart: Chart;
  readonly pool: VllmPool;
  readonly proxy: LiteLLMProxy;
  readonly app: kplus.Deployment;
}

function world(): World {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
  const pool = new VllmPool(chart, 'pool', { model: 'org/llama', servedModelName: 'llama', accelerator: Accelerator.nvidiaGpu(1) });
  pool.monitor(DISCOVERY);
  const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: { secretName: 'litellm', key: 'master-key' } });
  proxy.addBackend(pool);
  const app = new kplus.Deployment(chart, 'app', { containers: [{ image: 'nginx:1.27.3', portNumber: 8080 }] });
  return { chart, pool, proxy, app };
}

/** Sets `value` at a dotted path of a fresh props object. */
function withValue(props: Record<string, any>, path: string, value: unknown): Record<string, any> {
  const out = structuredCloneShallow(props);
  const keys = path.split('.');
  let at = out;
  for (const k of keys.slice(0, -1)) at = at[k] = Array.isArray(at[k]) ? [...at[k]] : { ...at[k] };
  at[keys[keys.length - 1]] = value;
  return out;
}

function structuredCloneShallow(props: Record<string, any>): Record<string, any> {
  return { ...props };
}

const own = () => KedaTrigger.prometheus({ serverAddress: PROMETHEUS, query: 'sum(app_queue{namespace="llm"})', threshold: 5 });
const policy = () => ({ type: ScalingPolicyType.PODS, value: 1, period: Duration.seconds(60) });

/** One construct: how to build it from props in a world, its valid props, and the props to attack (path → prop named in the error). */
interface Subject {
  readonly name: string;
  readonly build: (w: World, props: Record<string, any>) => void;
  readonly valid: (w: World) => Record<string, any>;
  readonly props: Record<string, string>;
}

const SUBJECTS: Subject[] = [
  {
    name: 'KedaScaledObject',
    build: (w, p) => new KedaScaledObject(w.chart, 'so', p as any),
    valid: w => ({ target: { deployment: w.app }, maxReplicas: 5, triggers: [own()], fallback: { replicas: 1 } }),
    props: {
      'name': 'name', 'minReplicas': 'minReplicas', 'maxReplicas': 'maxReplicas', 'pollingInterval': 'pollingInterval',
      'cooldownPeriod': 'cooldownPeriod', 'initialCooldownPeriod': 'initialCooldownPeriod', 'idleReplicaCount': 'idleReplicaCount',
      'fallback.replicas': 'fallback.replicas', 'fallback.failureThreshold': 'fallback.failureThreshold', 'fallback.behavior': 'fallback.behavior',
      'triggers': 'triggers', 'target': 'target',
    },
  },
  {
    name: 'HorizontalAutoscaler',
    build: (w, p) => new HorizontalAutoscaler(w.chart, 'hpa', p as any),
    valid: w => ({ target: { deployment: w.app }, maxReplicas: 5, metrics: [HpaMetric.cpuUtilization(70)], behavior: { scaleUp: { policies: [policy()] } } }),
    props: {
      'name': 'name', 'minReplicas': 'minReplicas', 'maxReplicas': 'maxReplicas', 'metrics': 'metrics', 'target': 'target',
      'behavior.scaleUp.stabilizationWindow': 'behavior.scaleUp.stabilizationWindow', 'behavior.scaleUp.selectPolicy': 'behavior.scaleUp.selectPolicy',
      'behavior.scaleUp.policies': 'behavior.scaleUp.policies',
    },
  },
  {
    name: 'VerticalAutoscaler',
    build: (w, p) => new VerticalAutoscaler(w.chart, 'vpa', p as any),
    valid: w => ({ target: w.pool, updateMode: VpaUpdateMode.OFF }),
    props: { 'name': 'name', 'updateMode': 'updateMode', 'target': 'target' },
  },
  {
    name: 'PrometheusAdapter',
    build: (w, p) => new PrometheusAdapter(w.chart, 'adapter', p as any).addPodsMetric(DcgmMetrics.GPU_UTIL),
    valid: () => ({ install: true, prometheusUrl: PROMETHEUS }),
    props: {
      'name': 'name', 'install': 'install', 'prometheusUrl': 'prometheusUrl', 'configMapName': 'configMapName', 'image': 'image',
      'replicas': 'replicas', 'metricsRelistInterval': 'metricsRelistInterval', 'user': 'user',
    },
  },
  {
    name: 'DcgmExporter',
    build: (w, p) => new DcgmExporter(w.chart, 'dcgm', p as any),
    valid: () => ({ discovery: DISCOVERY }),
    props: { 'name': 'name', 'image': 'image', 'nodeSelector': 'nodeSelector', 'priorityClassName': 'priorityClassName', 'discovery': 'discovery' },
  },
  {
    name: 'ServingAlerts',
    build: (w, p) => new ServingAlerts(w.chart, 'alerts', p as any),
    valid: w => ({ pools: [w.pool], proxy: w.proxy, discovery: DISCOVERY, runbookBaseUrl: 'https://runbooks.example.com/llm' }),
    props: {
      'name': 'name', 'pools': 'pools', 'proxy': 'proxy', 'discovery': 'discovery', 'runbookBaseUrl': 'runbookBaseUrl',
      'acceleratorBudget': 'acceleratorBudget', 'gpuUnderusedRatio': 'gpuUnderusedRatio', 'costBudgets': 'costBudgets',
    },
  },
  {
    name: 'VllmPool.autoscale()',
    build: (w, p) => w.pool.autoscale(p as any),
    valid: () => ({ prometheus: { serverAddress: PROMETHEUS }, maxReplicas: 4 }),
    props: {
      'maxReplicas': 'maxReplicas', 'minReplicas': 'minReplicas', 'fallbackReplicas': 'fallback.replicas', 'scaleToZeroCooldown': 'scaleToZeroCooldown',
      'prometheus': 'prometheus', 'signals': 'signals', 'wakeOn': 'wakeOn',
    },
  },
];

/** LlmSignal factories: argument name → call. */
const SIGNALS: Array<[string, string, (w: World, v: any) => unknown]> = [
  ['queueDepth', 'perReplica', (w, v) => LlmSignal.queueDepth(w.pool, v)],
  ['kvCacheUsage', 'ratio', (w, v) => LlmSignal.kvCacheUsage(w.pool, v)],
  ['gpuUtilization', 'ratio', (w, v) => LlmSignal.gpuUtilization(w.pool, v)],
  ['gpuEngineActive', 'ratio', (w, v) => LlmSignal.gpuEngineActive(w.pool, v)],
  ['ttftP95', 'target', (w, v) => LlmSignal.ttftP95(w.pool, v)],
  ['requestRate', 'perReplicaPerSecond', (w, v) => LlmSignal.requestRate(w.pool, v)],
  ['proxyRequestRate', 'perReplicaPerSecond', (w, v) => LlmSignal.proxyRequestRate(w.proxy, w.proxy.modelGroups[0], v)],
  ['predicted lookback', 'lookback', (w, v) => LlmSignal.predicted(LlmSignal.queueDepth(w.pool, 5), { lookback: v })],
  ['predicted horizon', 'horizon', (w, v) => LlmSignal.predicted(LlmSignal.queueDepth(w.pool, 5), { horizon: v })],
];

/**
 * The outcome of one call: an error message naming `prop` (or, for a prop left unset, the prop
 * that then must be set), or strictly valid output.
 */
function outcome(prop: string, run: () => unknown, chart: Chart, unset = false): string {
  try {
    run();
    expectValidManifests(Testing.synth(chart));
    return 'valid';
  } catch (e) {
    if (!(e instanceof Error) || e instanceof TypeError || e instanceof RangeError) return `${(e as Error)?.constructor?.name}: ${String((e as Error)?.message ?? e)}`;
    // Synth-time validation errors are prefixed by cdk8s with the construct path.
    const message = e.message.replace(/^Validation failed with the following errors:\n\s*\[[^\]]*\] /, '');
    return message.startsWith(`'${prop}`) || (unset && /^'[A-Za-z][\w.[\]]*' \(/.test(message)) ? 'named' : `unnamed: ${e.message}`;
  }
}

describe.each(SUBJECTS)('$name: every hostile value of every prop ends in an error naming it, or valid output', (subject) => {
  const cases = Object.entries(subject.props).flatMap(([path, prop]) => HOSTILE.map(([what, value]) => [path, what, prop, value] as const));
  test.each(cases)('%s = %s', (path, _what, prop, value) => {
    const w = world();
    const v = value();
    const props = withValue(subject.valid(w), path, v);
    expect(outcome(prop, () => subject.build(w, props), w.chart, v === undefined || v === null)).toMatch(/^(named|valid)$/);
  });
});

describe.each(SIGNALS)('LlmSignal.%s: hostile values of %s', (_name, prop, make) => {
  test.each(HOSTILE.map(([what, value]) => [what, value] as const))('%s', (_what, value) => {
    const w = world();
    expect(outcome(prop, () => make(w, value()), w.chart)).toMatch(/^(named|valid)$/);
  });
});
