import * as fs from 'fs';
import * as path from 'path';
import { Chart, Duration, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import {
  Accelerator, HorizontalAutoscaler, HpaMetric, LiteLLMProxy, LlmSignal, PrometheusAdapter, ServingAlerts, VllmPool, promqlMetricNames,
} from '../../lib';
import {
  PromRule, PromRuleGroup, PromtoolResult, checkRules, ruleGroupsByObject, ruleGroupsOf, requirePromtool, tempDir, testRules, writeRuleFile, writeYaml,
} from '../util/promtool';
import { EPP_SCENARIOS } from './epp-scenarios';
import { allOfKind, Manifest, SCRAPER, synth } from '../util/synth';

/**
 * The vLLM version a custom image runs (the pool's `vllmVersion`, required for images whose tag
 * carries none), spread in untyped so this file compiles with and without that prop.
 */
const CUSTOM_IMAGE_VERSION = { vllmVersion: '0.16.0' } as object;

// Every alerting rule of a realistic stack goes through the real Prometheus tooling:
// `promtool check rules`, then `promtool test rules` with, for each rule instance, input
// series on which it must fire (exact labels and rendered annotations) and some on which it
// must stay silent. Input series are built per alert name from the rule's own labels and the
// matchers of its expression, so every instance (each pool, the proxy, both HPA naming
// paths) gets its own cases.

const PROMETHEUS = { serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' };
const RUNBOOKS = 'https://runbooks.example.com/llm-serving';
/** Series sample step and rule evaluation interval. */
const STEP_MINUTES = 1;

/** Per-token prices of the llama pool's model group (2^-10 and 2^-9). */
const LLAMA_PRICES = { input: 0.0009765625, output: 0.001953125 };

/** The stack: a proxy in `litellm`, GPU (KEDA, scaled to zero), MIG (no autoscaler) and Neuron (HPA on an adapter metric) pools in `llm`. */
function referenceStack(): Manifest[] {
  const app = Testing.app();
  const gateway = new Chart(app, 'gateway', { namespace: 'litellm' });
  const models = new Chart(app, 'models', { namespace: 'llm' });
  const monitoring = new Chart(app, 'monitoring', { namespace: 'monitoring' });

  const proxy = new LiteLLMProxy(gateway, 'proxy', { masterKey: { secretName: 'litellm', key: 'master-key' }, slo: { errorRatio: 0.07 } });
  proxy.autoscale({ maxReplicas: 6 });
  const llama = new VllmPool(models, 'llama', {
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    servedModelName: 'llama-3-1-8b',
    accelerator: Accelerator.nvidiaGpu(1),
    engine: { gpuMemoryUtilization: 0.92 },
    slo: { ttftP95: Duration.millis(1500), e2eLatencyP99: Duration.seconds(30), queuePerReplica: 8 },
  });
  const qwen = new VllmPool(models, 'qwen-small', {
    model: 'Qwen/Qwen2.5-1.5B-Instruct',
    servedModelName: 'qwen2-5-1-5b',
    accelerator: Accelerator.mig('1g.10gb'),
  });
  const mistral = new VllmPool(models, 'mistral', {
    model: 'mistralai/Mistral-7B-Instruct-v0.3',
    servedModelName: 'mistral-7b',
    accelerator: Accelerator.neuron(1),
    image: 'registry.example.com/ml/vllm-neuron:v0.11.0',
    ...CUSTOM_IMAGE_VERSION,
    engine: { tensorParallelSize: 2 },
    maxModelLoadTime: Duration.minutes(45),
    slo: { ttftP95: Duration.seconds(3) },
  });
  const discovery = { labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER };
  for (const pool of [llama, qwen, mistral]) pool.monitor(discovery);
  // Binary-exact prices, so that promtool's $value is exact too.
  const llamaGroup = proxy.addBackend(llama, { modelInfo: { inputCostPerToken: LLAMA_PRICES.input, outputCostPerToken: LLAMA_PRICES.output } });
  proxy.addBackend(qwen);
  proxy.addBackend(mistral);
  proxy.addFallback(llama, [qwen]);
  llama.autoscale({ prometheus: PROMETHEUS, minReplicas: 0, maxReplicas: 4, wakeOn: LlmSignal.proxyRequestRate(proxy, llamaGroup, 2) });

  new ServingAlerts(monitoring, 'alerts', {
    pools: [llama, qwen, mistral],
    proxy,
    discovery: { labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER },
    runbookBaseUrl: RUNBOOKS,
    acceleratorBudget: 8,
    costBudgets: [{ group: llamaGroup, maxPerHour: 2 }],
  });
  // Added after the alerts: its rules are gathered at synth.
  const adapter = new PrometheusAdapter(monitoring, 'adapter', { configMapName: 'adapter-rules' });
  const waiting = adapter.addPodsMetric(mistral.metricRequestsWaiting(), { name: 'mistral_num_requests_waiting' });
  new HorizontalAutoscaler(models, 'mistral-hpa', { target: mistral, maxReplicas: 3, metrics: [HpaMetric.adapterPods(waiting, 5)] });

  return app.charts.flatMap(c => synth(c));
}

// ---------------------------------------------------------------------------------------------
// Reading a rule

type Labels = Record<string, string>;

/** The value of the first `label="value"` matcher in `expr`. */
function matcher(rule: PromRule, label: string): string {
  const m = new RegExp(`[{,]${label}="([^"]*)"`).exec(rule.expr);
  if (!m) throw new Error(`${rule.alert}: no ${label}="…" matcher in ${rule.expr}`);
  return m[1];
}

/** The expression of the first `label=~"re"` matcher in `expr`. */
function regexMatcher(rule: PromRule, label: string): string {
  const m = new RegExp(`[{,]${label}=~"([^"]*)"`).exec(rule.expr);
  if (!m) throw new Error(`${rule.alert}: no ${label}=~"…" matcher in ${rule.expr}`);
  return m[1];
}

/** The number the expression is finally compared with (`… > 8`). */
function threshold(rule: PromRule): number {
  const m = /(?:>=?|<|==)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(rule.expr);
  if (!m) throw new Error(`${rule.alert}: no trailing comparison in ${rule.expr}`);
  return Number(m[1]);
}

/**
 * A pod name matched by the rule's `pod=~` expression: a Deployment's
 * `<deployment>-[a-z0-9]+-[a-z0-9]+`, or a LeaderWorkerSet's `<lws>-[0-9]+(-[0-9]+)?` (a leader
 * `<lws>-<group>`, a worker `<lws>-<group>-<index>`: odd `n` give workers).
 */
function podName(rule: PromRule, n = 0): string {
  const re = regexMatcher(rule, 'pod');
  const tokens = [`7c9d8b6f5${n}`, `x2k4${n}`];
  const name = re.endsWith('-[0-9]+(-[0-9]+)?')
    ? `${re.slice(0, -'-[0-9]+(-[0-9]+)?'.length)}-${Math.floor(n / 2)}${n % 2 ? '-1' : ''}`
    : re.replace(/\[a-z0-9\]\+/g, () => tokens.shift() ?? 'z');
  if (!new RegExp(`^(?:${re})$`).test(name)) throw new Error(`${rule.alert}: generated pod ${name} does not match ${re}`);
  return name;
}

function forMinutes(rule: PromRule): number {
  const m = /^(\d+)(h|m|s)$/.exec(rule.for ?? '0s');
  if (!m) throw new Error(`${rule.alert}: unexpected for ${rule.for}`);
  const n = Number(m[1]);
  return m[2] === 'h' ? n * 60 : m[2] === 'm' ? n : Math.ceil(n / 60);
}

// ---------------------------------------------------------------------------------------------
// Input series

interface InputSeries {
  readonly series: string;
  readonly values: string;
}

/** What a case feeds promtool, and the alerts it expects (none: must stay silent). */
interface Case {
  readonly what: string;
  readonly series: InputSeries[];
  /** Labels the expression keeps and the alert's `$value`, per expected alert. */
  readonly alerts: Array<{ readonly labels: Labels; readonly value: number }>;
}

interface Scenario {
  readonly firing: Case;
  readonly silent: Case[];
}

function series(name: string, labels: Labels): string {
  return `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

/** Sample counts long enough for every case (the longest `for` is 1 h). */
const SAMPLES = 100;
const gauge = (v: number) => `${v}x${SAMPLES}`;
/** A counter growing by `perMinute` each sample: its rate is `perMinute / 60` per second. */
const counter = (perMinute: number) => `0+${perMinute}x${SAMPLES}`;
/** rate(counter(perMinute)[w]) at steady state, computed the way Prometheus does. */
const rateOf = (perMinute: number, windowMinutes: number) => (perMinute * windowMinutes) / (windowMinutes * 60);

const KSM = { job: 'kube-state-metrics' };
/** The `pool` label a pool's series carry (added by its PodMonitor), when the rule selects on it. */
const POOL = (rule: PromRule): Labels => {
  const m = /[{,]pool="([^"]*)"/.exec(rule.expr);
  return m ? { pool: m[1] } : {};
};
const VLLM = (rule: PromRule, pod: string) => ({ namespace: rule.labels!.namespace, ...POOL(rule), model_name: rule.labels!.model_name, engine: '0', pod });

/** A histogram whose observations all fall in the bucket ending at `upper` (1/s), buckets at T/2, T, 2T, 4T. */
function histogram(rule: PromRule, upperFactor: number): { series: InputSeries[]; quantile: number } {
  const name = /rate\(([A-Za-z0-9_:]+_bucket)\{/.exec(rule.expr)![1];
  const q = Number(/histogram_quantile\(([\d.]+),/.exec(rule.expr)![1]);
  const t = threshold(rule);
  const bounds = [t / 2, t, 2 * t, 4 * t];
  const upper = t * upperFactor;
  const buckets = [...bounds.map(String), '+Inf'].map((le, i) => ({
    series: series(name, { ...VLLM(rule, 'p0'), le }),
    values: i === bounds.length || bounds[i] >= upper ? counter(60) : gauge(0),
  }));
  // histogram_quantile: the bucket's lower bound plus its width times rank / count.
  const lower = [0, ...bounds][bounds.indexOf(upper)];
  return { series: buckets, quantile: lower + (upper - lower) * ((q * rateOf(60, 5)) / rateOf(60, 5)) };
}

function histogramScenario(rule: PromRule): Scenario {
  const keep = { namespace: rule.labels!.namespace, model_name: rule.labels!.model_name };
  const slow = histogram(rule, 4);
  const fast = histogram(rule, 0.5);
  return {
    firing: { what: 'observations between 2x and 4x the SLO', series: slow.series, alerts: [{ labels: keep, value: slow.quantile }] },
    silent: [{ what: 'observations under half the SLO', series: fast.series, alerts: [] }],
  };
}

/** HPA condition series for every condition and status; `falseOnes` are false, the rest true. */
function hpaConditions(rule: PromRule, falseOnes: string[]): InputSeries[] {
  const { namespace, horizontalpodautoscaler } = rule.labels!;
  return ['AbleToScale', 'ScalingActive', 'ScalingLimited'].flatMap(condition => ['true', 'false', 'unknown'].map(status => ({
    series: series('kube_horizontalpodautoscaler_status_condition', { namespace, horizontalpodautoscaler, condition, status, ...KSM }),
    values: gauge(status === (falseOnes.includes(condition) ? 'false' : 'true') ? 1 : 0),
  })));
}

function hpa(rule: PromRule, metric: string, values: string): InputSeries {
  const { namespace, horizontalpodautoscaler } = rule.labels!;
  return { series: series(`kube_horizontalpodautoscaler_${metric}`, { namespace, horizontalpodautoscaler, ...KSM }), values };
}

function deployment(rule: PromRule, metric: string, value: number): InputSeries {
  return { series: series(`kube_deployment_${metric}`, { namespace: rule.labels!.namespace, deployment: matcher(rule, 'deployment'), ...KSM }), values: gauge(value) };
}

/**
 * A multi-node pool's rules count its ready groups as its ready leader pods (kube-state-metrics
 * has no LeaderWorkerSet series): leaders are `<lws>-<group>`, workers `<lws>-<group>-<index>`.
 */
const isLeaderWorkerSet = (rule: PromRule): boolean => rule.expr.includes('kube_pod_status_ready{');
function lwsName(rule: PromRule): string {
  const m = /kube_pod_status_ready\{[^}]*pod=~"([^"]+)-\[0-9\]\+"/.exec(rule.expr);
  if (!m) throw new Error(`${rule.alert}: no leader pod pattern in ${rule.expr}`);
  return m[1];
}
/** The desired replicas of the HPA the rule reads (by its `horizontalpodautoscaler` matcher: the rule may not carry the label). */
function desiredGroups(rule: PromRule, value: number): InputSeries {
  return {
    series: series('kube_horizontalpodautoscaler_status_desired_replicas', { namespace: rule.labels!.namespace, horizontalpodautoscaler: matcher(rule, 'horizontalpodautoscaler'), ...KSM }),
    values: gauge(value),
  };
}
/** kube_pod_status_ready of `ready` ready and `notReady` unready leaders, plus one ready worker the rules must not count. */
function leaders(rule: PromRule, ready: number, notReady: number): InputSeries[] {
  const namespace = rule.labels!.namespace;
  const name = lwsName(rule);
  const pods = [
    ...Array.from({ length: ready + notReady }, (_, i) => ({ pod: `${name}-${i}`, ready: i < ready })),
    { pod: `${name}-0-1`, ready: true },
  ];
  return pods.flatMap(({ pod, ready: isReady }) => ['true', 'false', 'unknown'].map(condition => ({
    series: series('kube_pod_status_ready', { namespace, pod, uid: `uid-${pod}`, condition, ...KSM }),
    values: gauge(condition === String(isReady) ? 1 : 0),
  })));
}

function podScheduled(namespace: string, pod: string, scheduled: boolean): InputSeries[] {
  return ['true', 'false', 'unknown'].map(condition => ({
    series: series('kube_pod_status_scheduled', { namespace, pod, uid: `uid-${pod}`, condition, ...KSM }),
    values: gauge(condition === String(scheduled) ? 1 : 0),
  }));
}

function dcgm(rule: PromRule, metric: string, pod: string, value: number): InputSeries {
  return {
    series: series(metric, {
      gpu: '0', UUID: 'GPU-6a3f0d2e-1b2c-4d5e-8f90-123456789abc', device: 'nvidia0', modelName: 'NVIDIA H100 80GB HBM3',
      Hostname: 'gpu-node-1', namespace: rule.labels!.namespace, pod, container: 'vllm',
    }),
    values: gauge(value),
  };
}

const HPA_KEEP = (rule: PromRule) => ({ namespace: rule.labels!.namespace, horizontalpodautoscaler: rule.labels!.horizontalpodautoscaler, ...KSM });

/** Input series per alert name, parameterized by the rule instance. */
const SCENARIOS: Record<string, (rule: PromRule) => Scenario> = {
  LlmQueueBuildup: rule => {
    const t = threshold(rule);
    const waiting = (pod: string, v: number, model = rule.labels!.model_name) =>
      ({ series: series('vllm:num_requests_waiting', { ...VLLM(rule, pod), model_name: model }), values: gauge(v) });
    return {
      firing: { what: 'queues above the SLO', series: [waiting('a', t + 4), waiting('b', t + 2)], alerts: [{ labels: { namespace: rule.labels!.namespace, model_name: rule.labels!.model_name }, value: t + 3 }] },
      silent: [
        { what: 'queues at the SLO', series: [waiting('a', t), waiting('b', t)], alerts: [] },
        { what: 'another model queueing', series: [waiting('a', 1), waiting('c', 10 * t, 'some-other-model')], alerts: [] },
      ],
    };
  },
  LlmTtftSloBreach: histogramScenario,
  LlmE2eLatencySloBreach: histogramScenario,
  LlmKvCacheSaturated: rule => {
    const kv = (pod: string, v: number) => ({ series: series('vllm:kv_cache_usage_perc', VLLM(rule, pod)), values: gauge(v) });
    return {
      firing: { what: 'KV cache at 0.95', series: [kv('a', 0.95), kv('b', 0.95)], alerts: [{ labels: { namespace: rule.labels!.namespace, model_name: rule.labels!.model_name }, value: 0.95 }] },
      silent: [{ what: 'KV cache at 0.85', series: [kv('a', 0.85), kv('b', 0.85)], alerts: [] }],
    };
  },
  LlmPreemptions: rule => {
    const preemptions = (values: string) => ({ series: series('vllm:num_preemptions_total', VLLM(rule, 'a')), values });
    return {
      firing: { what: 'preempting 0.5/s', series: [preemptions(counter(30))], alerts: [{ labels: { namespace: rule.labels!.namespace, model_name: rule.labels!.model_name }, value: rateOf(30, 5) }] },
      silent: [{ what: 'no preemptions since start', series: [preemptions(gauge(12))], alerts: [] }],
    };
  },
  LlmPoolNoReadyReplica: rule => isLeaderWorkerSet(rule) ? {
    firing: {
      what: '2 groups wanted, no leader ready (a ready worker does not count)',
      series: [...leaders(rule, 0, 2), desiredGroups(rule, 2)],
      alerts: [{ labels: { namespace: rule.labels!.namespace }, value: 0 }],
    },
    silent: [
      { what: 'one leader ready', series: [...leaders(rule, 1, 1), desiredGroups(rule, 2)], alerts: [] },
      { what: 'scaled to zero', series: [...leaders(rule, 0, 0), desiredGroups(rule, 0)], alerts: [] },
    ],
  } : ({
    firing: {
      what: '2 replicas wanted, none available',
      series: [deployment(rule, 'status_replicas_available', 0), deployment(rule, 'spec_replicas', 2)],
      alerts: [{ labels: { namespace: rule.labels!.namespace, deployment: matcher(rule, 'deployment'), ...KSM }, value: 0 }],
    },
    silent: [
      { what: 'desired == available', series: [deployment(rule, 'status_replicas_available', 2), deployment(rule, 'spec_replicas', 2)], alerts: [] },
      { what: 'scaled to zero', series: [deployment(rule, 'status_replicas_available', 0), deployment(rule, 'spec_replicas', 0)], alerts: [] },
    ],
  }),
  LlmAutoscalerAtMaxReplicas: rule => ({
    // One-to-one matching with on (...) keeps only the on labels.
    firing: {
      what: 'at max',
      series: [hpa(rule, 'status_current_replicas', gauge(4)), hpa(rule, 'spec_max_replicas', gauge(4))],
      alerts: [{ labels: { namespace: rule.labels!.namespace, horizontalpodautoscaler: rule.labels!.horizontalpodautoscaler }, value: 4 }],
    },
    silent: [{ what: 'settled below max', series: [hpa(rule, 'status_current_replicas', gauge(2)), hpa(rule, 'spec_max_replicas', gauge(4))], alerts: [] }],
  }),
  LlmAutoscalerUnableToScale: rule => ({
    firing: {
      what: 'AbleToScale false',
      series: [...hpaConditions(rule, ['AbleToScale']), hpa(rule, 'status_desired_replicas', gauge(2))],
      alerts: [{ labels: { namespace: rule.labels!.namespace, horizontalpodautoscaler: rule.labels!.horizontalpodautoscaler }, value: 1 }],
    },
    silent: [
      { what: 'every condition status true (ScalingLimited too)', series: [...hpaConditions(rule, []), hpa(rule, 'status_desired_replicas', gauge(2))], alerts: [] },
      { what: 'ScalingActive false because the target is at zero', series: [...hpaConditions(rule, ['ScalingActive']), hpa(rule, 'status_desired_replicas', gauge(0))], alerts: [] },
    ],
  }),
  LlmReplicasNotAvailable: rule => isLeaderWorkerSet(rule) ? {
    // One-to-one matching with on (namespace) keeps only the namespace.
    firing: { what: '3 groups desired, 1 leader ready', series: [desiredGroups(rule, 3), ...leaders(rule, 1, 2)], alerts: [{ labels: { namespace: rule.labels!.namespace }, value: 3 }] },
    silent: [{ what: 'desired == ready leaders', series: [desiredGroups(rule, 3), ...leaders(rule, 3, 0)], alerts: [] }],
  } : ({
    firing: { what: '3 desired, 1 available', series: [hpa(rule, 'status_desired_replicas', gauge(3)), deployment(rule, 'status_replicas_available', 1)], alerts: [{ labels: HPA_KEEP(rule), value: 3 }] },
    silent: [{ what: 'desired == available', series: [hpa(rule, 'status_desired_replicas', gauge(3)), deployment(rule, 'status_replicas_available', 3)], alerts: [] }],
  }),
  LlmAutoscalerFlapping: rule => {
    const flapping = Array.from({ length: SAMPLES + 1 }, (_, i) => (i % 2 ? 3 : 2)).join(' ');
    // Direction changes per HPA (`max by (namespace, horizontalpodautoscaler)`); a dist/ synthesized
    // before counts every change (`changes(desired[30m]) > 6`), which a steady ramp also trips.
    const directions = rule.expr.startsWith('max by (namespace, horizontalpodautoscaler) (changes(sgn(');
    const { namespace, horizontalpodautoscaler } = rule.labels!;
    return {
      firing: {
        what: 'desired replicas alternating every minute', series: [hpa(rule, 'status_desired_replicas', flapping)],
        alerts: [{ labels: directions ? { namespace, horizontalpodautoscaler } : HPA_KEEP(rule), value: directions ? 19 : 30 }],
      },
      silent: [
        { what: 'one scale-up, then settled', series: [hpa(rule, 'status_desired_replicas', `2x5 3x${SAMPLES - 5}`)], alerts: [] },
        ...(directions ? [{ what: 'a steady ramp, 2 to 12 in 10 minutes, then a burst back to 4', series: [hpa(rule, 'status_desired_replicas', `2+1x10 12x10 4x${SAMPLES - 20}`)], alerts: [] }] : []),
      ],
    };
  },
  LlmAutoscalerRapidScaling: rule => {
    const jump = Number(/>= (\d+)\) unless /.exec(rule.expr)![1]);
    return {
      firing: { what: `desired replicas up by ${jump} at once`, series: [hpa(rule, 'status_desired_replicas', `1x9 ${1 + jump}x${SAMPLES - 9}`)], alerts: [{ labels: HPA_KEEP(rule), value: jump }] },
      silent: [
        { what: `up by ${jump - 1} only`, series: [hpa(rule, 'status_desired_replicas', `1x9 ${jump}x${SAMPLES - 9}`)], alerts: [] },
        { what: 'steady', series: [hpa(rule, 'status_desired_replicas', gauge(3))], alerts: [] },
        { what: `woken from zero to ${jump}`, series: [hpa(rule, 'status_desired_replicas', `0x9 ${jump}x${SAMPLES - 9}`)], alerts: [] },
      ],
    };
  },
  LlmTierCostOverBudget: rule => {
    // Each of the group's pools: (prompt tokens/s) × input price + (generated tokens/s) × output price.
    const terms = [...rule.expr.matchAll(/\(sum\(rate\(vllm:prompt_tokens_total\{([^}]*)\}\[1h\]\)\) or vector\(0\)\) \* ([0-9.eE+-]+) \+ \(sum\(rate\(vllm:generation_tokens_total\{[^}]*\}\[1h\]\)\) or vector\(0\)\) \* ([0-9.eE+-]+)/g)]
      .map(m => ({ matchers: Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map(x => [x[1], x[2]])) as Labels, input: Number(m[2]), output: Number(m[3]) }));
    if (terms.length === 0) throw new Error(`${rule.alert}: no priced pool in ${rule.expr}`);
    // Only the first pool has traffic; the others read `or vector(0)`.
    const { matchers, input, output } = terms[0];
    const labels: Labels = { ...matchers, engine: '0', pod: `${matchers.pool}-a` };
    const tokens = (perMinute: number, pool: Labels = labels) => [
      { series: series('vllm:prompt_tokens_total', pool), values: counter(perMinute) },
      { series: series('vllm:generation_tokens_total', pool), values: counter(perMinute) },
    ];
    // A counter starting at 0: rate() over 1 h does not extrapolate below zero, so after t
    // minutes it reads the increase over the window's 3600 s. The condition must hold from
    // 15 min on (its `for`) to fire at 30 min. Computed in Prometheus' order of operations.
    const budget = threshold(rule);
    const evalMinutes = forMinutes(rule) + 15;
    const cost = (perMinute: number, minutes = evalMinutes) => {
      const rate = (perMinute * minutes) / 3600;
      return (rate * input + rate * output) * 3600;
    };
    const firing = Math.ceil((2 * budget) / ((evalMinutes - forMinutes(rule)) * (input + output)));
    const quiet = Math.max(1, Math.floor(budget / (2 * evalMinutes * (input + output))));
    expect(cost(firing, evalMinutes - forMinutes(rule))).toBeGreaterThan(budget);
    expect(cost(quiet)).toBeLessThan(budget);
    return {
      firing: { what: 'the group spends above its budget', series: tokens(firing), alerts: [{ labels: {}, value: cost(firing) }] },
      silent: [
        { what: 'the group spends below its budget', series: tokens(quiet), alerts: [] },
        { what: 'another pool spends', series: tokens(10 * firing, { ...labels, pool: 'other', model_name: 'other', pod: 'other-a' }), alerts: [] },
      ],
    };
  },
  LlmKedaScalerErrors: rule => {
    const { namespace, scaledObject } = rule.labels!;
    const errors = (values: string) => ({
      series: series('keda_scaler_detail_errors_total', { namespace, scaledObject, scaler: 'prometheusScaler', metric: 's0-prometheus', triggerIndex: '0', type: 'scaledobject' }),
      values,
    });
    return {
      firing: { what: 'a scaler failing', series: [errors(counter(6))], alerts: [{ labels: { namespace, scaledObject }, value: rateOf(6, 5) }] },
      silent: [
        { what: 'no new errors', series: [errors(gauge(3))], alerts: [] },
        {
          what: 'errors of a namesake ScaledObject in another namespace, scraped without honorLabels',
          series: [{
            series: series('keda_scaler_detail_errors_total', { namespace: 'keda', exported_namespace: 'elsewhere', scaledObject, scaler: 'prometheusScaler', metric: 's0-prometheus', triggerIndex: '0', type: 'scaledobject' }),
            values: counter(6),
          }],
          alerts: [],
        },
      ],
    };
  },
  LlmKedaScaledObjectErrors: rule => {
    const { namespace, scaledObject } = rule.labels!;
    const errors = (values: string) => ({ series: series('keda_scaled_object_errors_total', { namespace, scaledObject }), values });
    return {
      firing: { what: 'the ScaledObject failing', series: [errors(counter(6))], alerts: [{ labels: { namespace, scaledObject }, value: rateOf(6, 5) }] },
      silent: [{ what: 'no new errors', series: [errors(gauge(3))], alerts: [] }],
    };
  },
  LlmAcceleratorPodsPending: rule => {
    const ns = rule.labels!.namespace;
    return {
      firing: { what: 'two pods unschedulable', series: [...podScheduled(ns, podName(rule, 0), false), ...podScheduled(ns, podName(rule, 1), false)], alerts: [{ labels: { namespace: ns }, value: 2 }] },
      silent: [{ what: 'pods scheduled; another workload pending', series: [...podScheduled(ns, podName(rule, 0), true), ...podScheduled(ns, 'other-workload-5f6d7c8b9-abcde', false)], alerts: [] }],
    };
  },
  LlmGpuUnderused: rule => {
    // A ratio threshold: MIG pools read engine activity (a ratio), whole GPUs GPU_UTIL (percent, divided by 100).
    // A dist/ synthesized before the ratio threshold compares GPU_UTIL percent directly.
    const t = threshold(rule);
    const mig = rule.expr.includes('DCGM_FI_PROF_GR_ENGINE_ACTIVE');
    const percent = !mig && !rule.expr.includes(') / 100 < ');
    const busy = (v: number) => mig
      ? dcgm(rule, 'DCGM_FI_PROF_GR_ENGINE_ACTIVE', podName(rule), v)
      : dcgm(rule, 'DCGM_FI_DEV_GPU_UTIL', podName(rule), percent ? v : v * 100);
    return {
      firing: { what: `${mig ? 'MIG slices' : 'GPUs'} at ${t / 4}`, series: [busy(t / 4)], alerts: [{ labels: { namespace: rule.labels!.namespace }, value: t / 4 }] },
      silent: [
        { what: 'busy', series: [busy(Math.min(percent ? 100 : 1, t * 3))], alerts: [] },
        ...(mig ? [{ what: 'GPU_UTIL at 0, as on every MIG slice, while engine activity is high', series: [busy(0.9), dcgm(rule, 'DCGM_FI_DEV_GPU_UTIL', podName(rule), 0)], alerts: [] }] : []),
      ],
    };
  },
  LlmPoolStuckAtZero: rule => {
    const ns = rule.labels!.namespace;
    const wake = /litellm_proxy_total_requests_metric_total\{([^}]*)\}/.exec(rule.expr)!;
    const wakeLabels = Object.fromEntries([...wake[1].matchAll(/(\w+)="([^"]*)"/g)].map(m => [m[1], m[2]]));
    const requests = (values: string) => ({
      series: series('litellm_proxy_total_requests_metric_total', { ...wakeLabels, status_code: '200', pod: 'litellm-7c9d8b6f5-x2k4q' }), values,
    });
    return {
      firing: {
        what: 'zero replicas while requests arrive',
        series: [deployment(rule, 'spec_replicas', 0), requests(counter(60))],
        alerts: [{ labels: { namespace: ns, deployment: matcher(rule, 'deployment'), ...KSM }, value: 0 }],
      },
      silent: [
        { what: 'zero replicas and no traffic', series: [deployment(rule, 'spec_replicas', 0), requests(gauge(120))], alerts: [] },
        { what: 'woken: one replica while requests arrive', series: [deployment(rule, 'spec_replicas', 1), requests(counter(60))], alerts: [] },
      ],
    };
  },
  LlmGpuFramebufferFull: rule => {
    const pod = podName(rule);
    const fb = (used: number, free: number) => [dcgm(rule, 'DCGM_FI_DEV_FB_USED', pod, used), dcgm(rule, 'DCGM_FI_DEV_FB_FREE', pod, free)];
    return {
      firing: { what: 'framebuffer 99.5 % used', series: fb(79600, 400), alerts: [{ labels: { namespace: rule.labels!.namespace, pod, gpu: '0' }, value: 79600 / (79600 + 400) }] },
      silent: [{ what: 'framebuffer 75 % used', series: fb(60000, 20000), alerts: [] }],
    };
  },
  LlmProxyErrorRatio: rule => {
    const ns = rule.labels!.namespace;
    const t = threshold(rule);
    const requests = (name: string, perMinute: number) => ({
      series: series(name, { namespace: ns, requested_model: 'llama-3-1-8b', status_code: name.includes('failed') ? '500' : '200', pod: 'proxy-0' }),
      values: counter(perMinute),
    });
    const failing = Math.min(60, Math.ceil(t * 60) + 6);
    return {
      firing: {
        what: `${failing} of 60 requests failing`,
        series: [requests('litellm_proxy_total_requests_metric_total', 60), requests('litellm_proxy_failed_requests_metric_total', failing)],
        alerts: [{ labels: { namespace: ns }, value: rateOf(failing, 5) / rateOf(60, 5) }],
      },
      silent: [{
        what: 'error ratio below the SLO',
        series: [requests('litellm_proxy_total_requests_metric_total', 60), requests('litellm_proxy_failed_requests_metric_total', Math.floor((t * 60) / 2))],
        alerts: [],
      }],
    };
  },
  LlmBackendOutage: rule => {
    const ns = rule.labels!.namespace;
    const backend = { litellm_model_name: 'hosted_vllm/llama-3-1-8b', api_base: 'http://llama.llm.svc.cluster.local:8000/v1' };
    const state = (v: number) => ({ series: series('litellm_deployment_state', { namespace: ns, ...backend, model_id: 'a1b2c3', api_provider: 'hosted_vllm' }), values: gauge(v) });
    return {
      firing: { what: 'deployment_state 2', series: [state(2)], alerts: [{ labels: { namespace: ns, ...backend }, value: 2 }] },
      silent: [{ what: 'deployment_state 1 (partial outage)', series: [state(1)], alerts: [] }],
    };
  },
  LlmFallbacksFiring: rule => {
    const ns = rule.labels!.namespace;
    const models = { requested_model: 'llama-3-1-8b', fallback_model: 'qwen2-5-1-5b' };
    const fallbacks = (values: string) => ({ series: series('litellm_deployment_successful_fallbacks_total', { namespace: ns, ...models }), values });
    return {
      firing: { what: 'fallbacks served', series: [fallbacks(counter(6))], alerts: [{ labels: { namespace: ns, ...models }, value: rateOf(6, 10) }] },
      silent: [{ what: 'no new fallbacks', series: [fallbacks(gauge(40))], alerts: [] }],
    };
  },
  LlmAcceleratorBudgetExceeded: rule => {
    const budget = threshold(rule);
    const namespaces = regexMatcher(rule, 'namespace').split('|');
    const resources = regexMatcher(rule, 'resource').split('|');
    const requests = (namespace: string, resource: string, i: number, v: number) => ({
      series: series('kube_pod_container_resource_requests', { namespace, pod: `pod-${i}`, uid: `uid-${i}`, container: 'vllm', node: 'node-1', resource, unit: 'integer', ...KSM }),
      values: gauge(v),
    });
    const spread = (total: number) => resources.map((r, i) => requests(namespaces[i % namespaces.length], r, i, i === 0 ? total - (resources.length - 1) : 1));
    return {
      firing: { what: `${budget + 2} accelerators requested`, series: spread(budget + 2), alerts: [{ labels: {}, value: budget + 2 }] },
      silent: [{
        what: 'exactly the budget; CPU and other namespaces not counted',
        series: [...spread(budget), requests(namespaces[0], 'cpu', 90, 64), requests('other-team', resources[0], 91, 16)],
        alerts: [],
      }],
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Rendering expectations the way Prometheus does

/** Go's `%v` of a float64 (shortest representation; exponents only outside 1e-4 .. 1e21). */
function goFloat(v: number): string {
  if (v !== 0 && (Math.abs(v) < 1e-4 || Math.abs(v) >= 1e21)) throw new Error(`choose test values whose Go formatting is plain: ${v}`);
  return String(v);
}

/** Go's `%.4g`: four significant digits, trailing zeros dropped. */
function goG4(v: number): string {
  if (v !== 0 && (Math.abs(v) < 1e-4 || Math.abs(v) >= 1e4)) throw new Error(`choose test values whose %.4g formatting is plain: ${v}`);
  return String(Number(v.toPrecision(4)));
}

/** Expands the template parts the rules use: `$value`, `$value | humanizePercentage`, `$labels.x`. */
function renderTemplate(template: string, value: number, labels: Labels): string {
  return template.replace(/\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
    if (expr === '$value') return goFloat(value);
    if (expr === '$value | humanizePercentage') return `${goG4(value * 100)}%`;
    const label = /^\$labels\.([A-Za-z_]\w*)$/.exec(expr);
    if (label && labels[label[1]] !== undefined) return labels[label[1]];
    throw new Error(`template {{ ${expr} }} is not rendered by this test (labels: ${Object.keys(labels).join(', ')})`);
  });
}

// ---------------------------------------------------------------------------------------------
// The unit-test file

interface TestCase {
  /** What the case shows, for messages. */
  readonly name: string;
  readonly firing: boolean;
  readonly rule: PromRule;
  readonly series: InputSeries[];
  /** The `alert_rule_test` entry. */
  readonly alertTest: { eval_time: string; alertname: string; exp_alerts: Array<Record<string, unknown>> };
  readonly evalMinutes: number;
  /** Metric names the case writes and its rule's expression reads. */
  readonly writes: Set<string>;
  readonly reads: Set<string>;
}

function expectedAlerts(rule: PromRule, c: Case): Array<Record<string, unknown>> {
  return c.alerts.map(a => ({
    // Rule labels override the expression's (Prometheus semantics); alertname is added by promtool.
    exp_labels: { ...a.labels, ...rule.labels },
    exp_annotations: Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, renderTemplate(v, a.value, a.labels)])),
  }));
}

function buildCases(groups: PromRuleGroup[]): TestCase[] {
  const cases: TestCase[] = [];
  for (const group of groups) {
    group.rules.forEach((rule, index) => {
      if (!rule.alert) throw new Error(`${group.name}[${index}] is not an alerting rule`);
      // The EPP alerts' scenarios live with their own tests (test/alerts/epp-scenarios.ts).
      const scenario = SCENARIOS[rule.alert] ?? EPP_SCENARIOS[rule.alert];
      if (!scenario) throw new Error(`no promtool scenario for alert ${rule.alert}: add one to SCENARIOS`);
      const { firing, silent } = scenario(rule);
      // Past `for`, with room for 10m rate windows and 30m changes() to fill.
      const evalMinutes = forMinutes(rule) + 15;
      if (evalMinutes + 5 > SAMPLES * STEP_MINUTES) throw new Error(`${rule.alert}: ${evalMinutes}m is beyond the ${SAMPLES} samples`);
      const subject = Object.entries(rule.labels ?? {}).filter(([k]) => k !== 'severity').map(([k, v]) => `${k}=${v}`).join(',');
      [firing, ...silent].forEach((c, i) => cases.push({
        name: `${group.name}/${rule.alert}[${index}] {${subject}} ${i === 0 ? 'fires' : 'silent'}: ${c.what}`,
        firing: i === 0,
        rule,
        series: c.series,
        alertTest: { eval_time: `${evalMinutes}m`, alertname: rule.alert!, exp_alerts: expectedAlerts(rule, c) },
        evalMinutes,
        writes: new Set(c.series.map(x => x.series.split('{')[0])),
        reads: new Set(promqlMetricNames(rule.expr)),
      }));
    });
  }
  return cases;
}

/**
 * Whether two cases can share a promtool test group: different alerts (an alert_rule_test
 * lists every instance of its alert), and neither writes a metric the other's rule reads
 * or the other writes.
 */
function independent(a: TestCase, b: TestCase): boolean {
  const overlaps = (x: Set<string>, y: Set<string>) => [...x].some(v => y.has(v));
  return a.alertTest.alertname !== b.alertTest.alertname
    && !overlaps(a.writes, b.writes) && !overlaps(a.writes, b.reads) && !overlaps(b.writes, a.reads);
}

/**
 * Packs independent cases into shared test groups, longest first: promtool evaluates every
 * rule at every step of every group, which dominates its run time (95 groups took 18 s).
 * Each case is still its own `alert_rule_test`, identified in promtool's output by group
 * name and alert name.
 */
function pack(cases: TestCase[]): Array<{ name: string; cases: TestCase[] }> {
  const packs: Array<{ name: string; cases: TestCase[] }> = [];
  for (const c of [...cases].sort((x, y) => y.evalMinutes - x.evalMinutes)) {
    let p = packs.find(x => x.cases.every(other => independent(c, other)));
    if (!p) packs.push(p = { name: `pack-${packs.length + 1}`, cases: [] });
    p.cases.push(c);
  }
  return packs;
}

function unitTestFile(rulesFile: string, packs: Array<{ name: string; cases: TestCase[] }>, invert = false): Record<string, unknown> {
  return {
    rule_files: [rulesFile],
    evaluation_interval: `${STEP_MINUTES}m`,
    tests: packs.map(p => ({
      name: p.name,
      interval: `${STEP_MINUTES}m`,
      input_series: p.cases.flatMap(c => c.series),
      alert_rule_test: p.cases.map(c => !invert ? c.alertTest : {
        ...c.alertTest,
        // A firing case now expects silence, a silent one the alert it must not raise.
        exp_alerts: c.firing ? [] : [{ exp_labels: { ...c.rule.labels } }],
      }),
    })),
  };
}

/** The cases promtool reported as failed (`name: <pack>,` then `alertname: <alert>,`). */
function failedCases(r: PromtoolResult, packs: Array<{ name: string; cases: TestCase[] }>): TestCase[] {
  const failed = new Set<string>();
  for (const m of r.output.matchAll(/name: (pack-\d+),\s+alertname: (\w+), time:/g)) failed.add(`${m[1]} ${m[2]}`);
  return packs.flatMap(p => p.cases.filter(c => failed.has(`${p.name} ${c.alertTest.alertname}`)));
}

function explain(r: PromtoolResult): string {
  return `promtool exited ${r.status}:\n${r.output}`;
}

describe('ServingAlerts under promtool', () => {
  requirePromtool();
  const manifests = referenceStack();
  const groups = ruleGroupsByObject(manifests);
  const rules = groups.flatMap(g => g.rules);
  const dir = tempDir('serving-alerts-');
  const rulesFile = writeRuleFile(dir, groups);
  const cases = buildCases(groups);
  const packs = pack(cases);
  afterAll(() => {
    if (!process.env.KEEP_PROMTOOL_FILES) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the stack renders rules for every subject: both HPA naming paths, the proxy, the budget', () => {
    expect(groups.map(g => g.name)).toEqual([
      'monitoring/alerts/llm-proxy', 'monitoring/alerts/llm-autoscaling', 'monitoring/alerts/llm-accelerators', 'monitoring/alerts/llm-cost',
      'monitoring/alerts-llama/llm-serving', 'monitoring/alerts-llama/llm-autoscaling', 'monitoring/alerts-llama/llm-accelerators',
      'monitoring/alerts-qwen-small/llm-serving', 'monitoring/alerts-qwen-small/llm-accelerators',
      'monitoring/alerts-mistral/llm-serving', 'monitoring/alerts-mistral/llm-autoscaling', 'monitoring/alerts-mistral/llm-accelerators',
    ]);
    expect(rules).toHaveLength(ruleGroupsOf(manifests).flatMap(g => g.rules).length);
    const hpas = [...new Set(rules.map(r => r.labels?.horizontalpodautoscaler).filter((h): h is string => !!h))];
    expect(hpas.filter(h => h.startsWith('keda-hpa-'))).toHaveLength(1);
    expect(hpas.filter(h => !h.startsWith('keda-hpa-'))).toHaveLength(2);
    expect(new Set(rules.map(r => r.labels?.model_name).filter(Boolean))).toEqual(new Set(['llama-3-1-8b', 'qwen2-5-1-5b', 'mistral-7b']));
    expect(new Set(rules.map(r => r.alert))).toEqual(new Set(Object.keys(SCENARIOS)));
  });

  test('promtool check rules accepts every group', () => {
    const r = checkRules(rulesFile);
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringContaining(`SUCCESS: ${rules.length} rules found`) });
  });

  test('every rule instance has one firing case and at least one silent case', () => {
    expect(cases.filter(c => c.firing).map(c => c.rule)).toEqual(rules);
    for (const rule of rules) expect(cases.filter(c => c.rule === rule && !c.firing).length).toBeGreaterThanOrEqual(1);
    expect(packs.flatMap(p => p.cases)).toHaveLength(cases.length);
  });

  test('promtool test rules: every alert fires on its case with exact labels and annotations, and stays silent on the others', () => {
    const file = writeYaml(dir, 'serving-alerts.test.yaml', unitTestFile(rulesFile, packs));
    const r = testRules(file);
    if (r.status !== 0) {
      const failed = failedCases(r, packs).map(c => `  ${c.name}`).join('\n');
      throw new Error(`${cases.length} promtool cases in ${packs.length} test groups (${file}; KEEP_PROMTOOL_FILES=1 keeps it); failed:\n${failed}\n${explain(r)}`);
    }
    expect(r.stdout).toContain('SUCCESS');
  });

  test('promtool ran every case: with each expectation inverted, each one fails', () => {
    const r = testRules(writeYaml(dir, 'inverted.test.yaml', unitTestFile(rulesFile, packs, true)));
    expect(r.status).not.toBe(0);
    const failed = failedCases(r, packs);
    expect({ failed: failed.length, missing: cases.filter(c => !failed.includes(c)).map(c => c.name) }).toEqual({ failed: cases.length, missing: [] });
  });
});

describe('the reference stack in dist/ under promtool', () => {
  requirePromtool();
  const distDir = path.join(__dirname, '..', '..', 'dist');
  const manifests: Manifest[] = fs.readdirSync(distDir).filter(f => f.endsWith('.k8s.yaml'))
    .flatMap(f => parseAllDocuments(fs.readFileSync(path.join(distDir, f), 'utf8')).map(d => d.toJSON()))
    .filter(Boolean);
  // Group names carry their object's name (ruleGroupsByObject).
  // The rules of ServingAlerts (alerts `Llm…`); WorkloadAlerts have their own promtool cases
  // (test/alerts/workload-alerts.test.ts).
  const ruleObjects = allOfKind(manifests, 'PrometheusRule')
    .filter(m => (m.spec.groups as PromRuleGroup[]).some(g => g.rules.some(r => r.alert?.startsWith('Llm'))));
  const groups = ruleGroupsByObject(ruleObjects);
  const rules = groups.flatMap(g => g.rules);
  const dir = tempDir('dist-alerts-');
  const rulesFile = writeRuleFile(dir, groups);
  afterAll(() => {
    if (!process.env.KEEP_PROMTOOL_FILES) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('promtool check rules accepts every group of the synthesized PrometheusRules', () => {
    expect(rules.length).toBeGreaterThan(40);
    const r = checkRules(rulesFile);
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringContaining(`SUCCESS: ${rules.length} rules found`) });
  });

  // One promtool run per PrometheusRule, against its own rules (as Prometheus loads them):
  // the cost of a run grows with cases × rules.
  test.each(ruleObjects.map(m => [`${m.metadata.namespace}/${m.metadata.name}`, m] as const))(
    'promtool test rules: every alert of %s in dist/ fires on its case and stays silent on the others', (name, m) => {
      const own = (m.spec.groups as PromRuleGroup[]);
      const cases = buildCases(own);
      const packs = pack(cases);
      expect(cases.filter(c => c.firing).map(c => c.rule)).toEqual(own.flatMap(g => g.rules));
      const ownRules = writeRuleFile(dir, own, `${name.replace('/', '_')}.rules.yaml`);
      const file = writeYaml(dir, `${name.replace('/', '_')}.test.yaml`, unitTestFile(ownRules, packs));
      const r = testRules(file);
      if (r.status !== 0) {
        const failed = failedCases(r, packs).map(c => `  ${c.name}`).join('\n');
        throw new Error(`${cases.length} promtool cases (${file}; KEEP_PROMTOOL_FILES=1 keeps it); failed:\n${failed}\n${explain(r)}`);
      }
      expect(r.stdout).toContain('SUCCESS');
    });
});
