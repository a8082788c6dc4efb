import { PromRule } from '../util/promtool';

// promtool input series for the EPP alerts (lib/alerts/_epp-rules.ts), per alert name and
// parameterized by the rule instance (its namespace, EPP Service, InferencePool and model pool
// read from the expression), so that test/alerts/epp-alerts.test.ts and the dist/ run of
// test/alerts/promtool.test.ts share them. The shapes are those of promtool.test.ts' `Scenario`.

type Labels = Record<string, string>;

/** One input series of a promtool test. */
export interface EppInputSeries {
  readonly series: string;
  readonly values: string;
}

/** A case: input series, and the alerts expected (labels the expression keeps, `$value`); none: silent. */
export interface EppCase {
  readonly what: string;
  readonly series: EppInputSeries[];
  readonly alerts: Array<{ readonly labels: Labels; readonly value: number }>;
}

/** One firing case and silent ones (promtool.test.ts' shape), and further firing cases. */
export interface EppScenario {
  readonly firing: EppCase;
  readonly silent: EppCase[];
  /** More cases that must fire (this file's own test runs them; promtool.test.ts reads `firing` only). */
  readonly alsoFiring: EppCase[];
}

/** Sample counts long enough for the longest `for` (15 m) plus promtool.test.ts' 15 m margin. */
const SAMPLES = 100;
const gauge = (v: number) => `${v}x${SAMPLES}`;
const counter = (perMinute: number) => `0+${perMinute}x${SAMPLES}`;

function series(name: string, labels: Labels): string {
  return `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

/** The equality matchers of the first selector of `metric` in the rule's expression. */
function matchersOf(rule: PromRule, metric: string): Labels {
  const m = new RegExp(`(?:^|[^A-Za-z0-9_:])${metric.replace(/[:]/g, '\\$&')}\\{([^}]*)\\}`).exec(rule.expr);
  if (!m) throw new Error(`${rule.alert}: no ${metric}{…} in ${rule.expr}`);
  return Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map(x => [x[1], x[2]]));
}

/** What a rule instance is about: the EPP's Service and namespace, its InferencePool, its model pool. */
interface Subject {
  readonly namespace: string;
  readonly service: string;
  readonly name: string;
  /** The vLLM series' matchers (namespace, pool, model_name). */
  readonly vllm: Labels;
}

function subject(rule: PromRule, eppMetric: string): Subject {
  const { namespace, service } = matchersOf(rule, eppMetric);
  const name = rule.labels!.inference_pool;
  const vllm = rule.expr.includes('vllm:num_requests_running{') ? matchersOf(rule, 'vllm:num_requests_running') : {};
  return { namespace, service, name, vllm };
}

/** The target labels of the EPP's series under its ServiceMonitor (port `metrics`). */
function target(s: Subject, pod = `${s.service}-6d9f7c8b5-x2k4q`, service = s.service): Labels {
  return { namespace: s.namespace, service, job: service, endpoint: 'metrics', pod, container: 'epp', instance: '10.0.3.7:9090' };
}

const up = (s: Subject, v: number, pod?: string, service?: string) => ({ series: series('up', target(s, pod, service)), values: gauge(v) });
const ready = (s: Subject, v: number) => ({ series: series('inference_pool_ready_pods', { name: s.name, ...target(s) }), values: gauge(v) });
/** vllm:num_requests_running of one engine of one pod, as the pool's PodMonitor scrapes it (another pool's with `other`). */
const vllm = (s: Subject, pod: number, engine = 0, other = false) => {
  const labels = other ? { ...s.vllm, pool: `${s.vllm.pool}-other`, model_name: `${s.vllm.model_name}-other` } : s.vllm;
  return {
    series: series('vllm:num_requests_running', { ...labels, engine: String(engine), pod: `${labels.pool}-7c9d8b6f5-p${pod}`, job: `${labels.namespace}/${labels.pool}`, container: 'vllm' }),
    values: gauge(2),
  };
};
const twoPods = (s: Subject, engines = 1) => [0, 1].flatMap(p => Array.from({ length: engines }, (_, e) => vllm(s, p, e)));
const objective = (s: Subject, metric: string, perMinute: number, extra: Labels, service?: string) => ({
  series: series(metric, { model_name: 'm', target_model_name: 'm', ...extra, ...target(s, undefined, service) }),
  values: counter(perMinute),
});
const requests = (s: Subject, perMinute: number, service?: string) => objective(s, 'inference_objective_request_total', perMinute, { priority: '0' }, service);
const errors = (s: Subject, perMinute: number, service?: string) => objective(s, 'inference_objective_request_error_total', perMinute, { error_code: 'ModelServerError' }, service);

/** Input series per EPP alert name, parameterized by the rule instance. */
export const EPP_SCENARIOS: Record<string, (rule: PromRule) => EppScenario> = {
  LlmEppDown: rule => {
    const s = subject(rule, 'up');
    const keep = { namespace: s.namespace, service: s.service };
    return {
      firing: { what: 'every scrape of the EPP fails', series: [up(s, 0)], alerts: [{ labels: keep, value: 0 }] },
      alsoFiring: [{ what: 'no target for the EPP', series: [up(s, 1, 'other-epp-0', `${s.service}-other`)], alerts: [{ labels: keep, value: 1 }] }],
      silent: [
        { what: 'one of two replicas scraped', series: [up(s, 1), up(s, 0, `${s.service}-6d9f7c8b5-z9z9z`)], alerts: [] },
        { what: 'another EPP down', series: [up(s, 1), up(s, 0, 'other-epp-0', `${s.service}-other`)], alerts: [] },
      ],
    };
  },
  LlmInferencePoolNoEndpoints: rule => {
    const s = subject(rule, 'up');
    return {
      firing: { what: 'the EPP sees 0 endpoints, 2 pods serve', series: [up(s, 1), ready(s, 0), ...twoPods(s)], alerts: [{ labels: { namespace: s.namespace, name: s.name }, value: 0 }] },
      alsoFiring: [{
        what: 'the EPP is scraped but reports no pool, 2 pods serve', series: [up(s, 1), ...twoPods(s)],
        alerts: [{ labels: { namespace: s.namespace, service: s.service, name: s.name }, value: 1 }],
      }],
      silent: [
        { what: 'the pool scaled to zero', series: [up(s, 1), ready(s, 0)], alerts: [] },
        { what: 'the EPP down (LlmEppDown\'s case)', series: [up(s, 0), ...twoPods(s)], alerts: [] },
        { what: 'the EPP sees both pods', series: [up(s, 1), ready(s, 2), ...twoPods(s)], alerts: [] },
        { what: 'the EPP sees 0, only another pool\'s pods serve', series: [up(s, 1), ready(s, 0), vllm(s, 0, 0, true)], alerts: [] },
      ],
    };
  },
  LlmEppMissingEndpoints: rule => {
    const s = subject(rule, 'inference_pool_ready_pods');
    return {
      firing: { what: 'the EPP sees 1 of 2 pods, each running 2 engines', series: [ready(s, 1), ...twoPods(s, 2)], alerts: [{ labels: { namespace: s.namespace, name: s.name }, value: 1 }] },
      alsoFiring: [],
      silent: [
        { what: 'the EPP sees 2 of 2 pods, each running 2 engines', series: [ready(s, 2), ...twoPods(s, 2)], alerts: [] },
        { what: 'the EPP sees none (LlmInferencePoolNoEndpoints\' case)', series: [ready(s, 0), ...twoPods(s)], alerts: [] },
        { what: 'another pool\'s pods not counted', series: [ready(s, 2), ...twoPods(s), vllm(s, 2, 0, true)], alerts: [] },
      ],
    };
  },
  LlmEppErrorRatio: rule => {
    const s = subject(rule, 'inference_objective_request_total');
    const keep = { namespace: s.namespace, service: s.service };
    return {
      firing: { what: '6 of 60 requests a minute fail', series: [requests(s, 60), errors(s, 6)], alerts: [{ labels: keep, value: 0.1 }] },
      alsoFiring: [{ what: 'every request fails before an endpoint is picked', series: [requests(s, 0), errors(s, 6)], alerts: [{ labels: keep, value: Infinity }] }],
      silent: [
        { what: '3 of 100 requests a minute fail', series: [requests(s, 100), errors(s, 3)], alerts: [] },
        { what: 'another EPP failing', series: [requests(s, 60), errors(s, 0), requests(s, 60, `${s.service}-other`), errors(s, 30, `${s.service}-other`)], alerts: [] },
        { what: 'no traffic', series: [requests(s, 0), errors(s, 0)], alerts: [] },
      ],
    };
  },
};
