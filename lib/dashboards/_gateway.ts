import { DashboardSpec, templated } from './_model';
import { PanelKind } from './dashboard-panel';
import { RecordingRules } from '../alerts/recording-rules';
import { LiteLLMProxy } from '../litellm/litellm-proxy';
import { LiteLLMMetrics } from '../metrics/catalog';
import { ScopedMetric } from '../metrics/scoped-metric';

const NS = { namespace: 'namespace' };
const RATE = '[$__rate_interval]';

/**
 * The Gateway dashboard: what the LiteLLM proxy receives, fails, takes, falls back on, holds,
 * counts and spends, per model group (LiteLLM's `requested_model`, or `model` on the token and
 * spend counters). Queries come from the proxy's metric helpers; with recording rules that
 * record the proxy, the error ratio and p95 latency read the recorded series.
 * @internal
 */
export function gatewayDashboard(uid: string, proxy: LiteLLMProxy, rules?: RecordingRules): DashboardSpec {
  const requests = proxy.metricRequests();
  const failed = proxy.metricFailedRequests();
  const latency = proxy.metricRequestLatency();
  const recorded = rules && recordsProxy(rules, proxy) ? rules.proxyMetrics() : undefined;
  const p95 = recorded
    ? `sum by (requested_model) (${templated(recorded.latencyP95(), NS)})`
    : `histogram_quantile(0.95, sum by (requested_model, le) (rate(${templated(latency, NS, '_bucket')}${RATE})))`;
  const errorRatio = recorded
    ? `sum by (requested_model) (${templated(recorded.errorRatio(), NS)})`
    : `sum by (requested_model) (rate(${templated(failed, NS)}${RATE})) / sum by (requested_model) (rate(${templated(requests, NS)}${RATE}))`;
  const tokens = new ScopedMetric(LiteLLMMetrics.TOTAL_TOKENS, proxy.metricTotalTokens().matchers);
  const spend = new ScopedMetric(LiteLLMMetrics.SPEND, proxy.metricTotalTokens().matchers);
  return {
    uid,
    title: 'LLM serving / Gateway',
    description: `The LiteLLM proxy '${proxy.name}': requests, errors, latency, fallbacks, in-flight requests, tokens and spend per model group.`,
    tags: ['llm-serving', 'gateway', 'litellm'],
    variables: [{ name: 'namespace', label: 'Namespace', values: [proxy.namespace] }],
    panels: [
      {
        row: 'Traffic', title: 'Requests per second by model group', unit: 'reqps',
        description: 'How much traffic does each model group receive?',
        queries: [{ expr: `sum by (requested_model) (rate(${templated(requests, NS)}${RATE}))`, legend: '{{requested_model}}' }],
      },
      {
        row: 'Traffic', title: 'Requests in flight', unit: 'short',
        description: 'How many requests is the proxy holding right now (a rising line with flat throughput means the backends are slow)?',
        queries: [{ expr: `sum(${templated(proxy.metricInFlightRequests(), NS)})`, legend: 'in flight' }],
      },
      {
        row: 'Errors', title: 'Error ratio by model group', unit: 'percentunit',
        description: 'Which model group fails requests, and what share of them?',
        queries: [{ expr: errorRatio, legend: '{{requested_model}}' }],
      },
      {
        row: 'Errors', title: 'Failed requests by status', unit: 'reqps',
        description: 'What do the failures look like (HTTP status, exception class)?',
        queries: [{ expr: `sum by (requested_model, exception_status, exception_class) (rate(${templated(failed, NS)}${RATE}))`, legend: '{{requested_model}} {{exception_status}} {{exception_class}}' }],
      },
      {
        row: 'Latency', title: 'End-to-end latency p95 by model group', unit: 's',
        description: 'How long does a client wait for a whole response, per model group?',
        queries: [{ expr: p95, legend: '{{requested_model}}' }],
      },
      {
        row: 'Fallbacks', title: 'Successful fallbacks', unit: 'reqps',
        description: 'Which model group is served by its fallback instead (the primary failing or saturated)?',
        queries: [{ expr: `sum by (requested_model, fallback_model) (rate(${templated(proxy.metricSuccessfulFallbacks(), NS)}${RATE}))`, legend: '{{requested_model}} → {{fallback_model}}' }],
      },
      {
        row: 'Fallbacks', title: 'Backend deployment state', unit: 'short',
        description: 'Which backend does LiteLLM see as healthy (0), partially (1) or completely (2) out?',
        queries: [{ expr: `max by (litellm_model_name, api_base) (${templated(proxy.metricDeploymentState(), NS)})`, legend: '{{litellm_model_name}} {{api_base}}' }],
      },
      {
        row: 'Tokens and spend', title: 'Tokens per second by model', unit: 'short',
        description: 'How many tokens (input plus output) does each model process?',
        queries: [{ expr: `sum by (model) (rate(${templated(tokens, NS)}${RATE}))`, legend: '{{model}}' }],
      },
      {
        row: 'Tokens and spend', title: 'Spend per hour by model', unit: 'currencyUSD',
        description: 'What does each model cost, in USD per hour, at LiteLLM\'s prices?',
        queries: [{ expr: `sum by (model) (rate(${templated(spend, NS)}${RATE})) * 3600`, legend: '{{model}}' }],
      },
      {
        row: 'Tokens and spend', title: 'Spend over the range', kind: PanelKind.STAT, unit: 'currencyUSD',
        description: 'How much was spent in the selected time range?',
        queries: [{ expr: `sum(increase(${templated(spend, NS)}[$__range]))`, legend: 'spend' }],
      },
    ],
  };
}

/** Whether `rules` record this proxy (`proxyMetrics()` throws when they record none). */
function recordsProxy(rules: RecordingRules, proxy: LiteLLMProxy): boolean {
  try {
    return rules.proxyMetrics().requestRate().proxy === proxy;
  } catch {
    return false;
  }
}
