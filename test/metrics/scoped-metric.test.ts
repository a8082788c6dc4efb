import { DcgmMetrics, LiteLLMMetrics, ScopedMetric, VllmMetrics } from '../../lib';

describe('ScopedMetric', () => {
  const metric = new ScopedMetric(LiteLLMMetrics.REQUEST_TOTAL_LATENCY, { namespace: 'llm' });

  test('renders a selector from the catalog name and matchers, values quoted and escaped', () => {
    expect(metric.selector).toBe('litellm_request_total_latency_metric{namespace="llm"}');
    expect(metric.with({ requested_model: 'a"b' }).selector).toBe('litellm_request_total_latency_metric{namespace="llm",requested_model="a\\"b"}');
    expect(new ScopedMetric(LiteLLMMetrics.IN_FLIGHT_REQUESTS, {}).selector).toBe('litellm_in_flight_requests');
  });

  test('with() adds matchers without changing the original', () => {
    metric.with({ requested_model: 'x' });
    expect(metric.matchers).toEqual({ namespace: 'llm' });
  });

  test('histograms have a _bucket selector; other types refuse one', () => {
    expect(metric.bucketSelector).toBe('litellm_request_total_latency_metric_bucket{namespace="llm"}');
    expect(() => new ScopedMetric(LiteLLMMetrics.DEPLOYMENT_STATE, {}).bucketSelector).toThrow(
      "'metric' (\"litellm_deployment_state\") is a gauge, not a histogram: it has no _bucket series");
  });

  test('counters in the catalog carry their scraped _total suffix', () => {
    for (const def of [...Object.values(LiteLLMMetrics), ...Object.values(VllmMetrics)]) {
      if (def.type === 'counter') expect(def.name).toMatch(/_total$/);
    }
  });
});

describe('vLLM catalog', () => {
  test('uses the V1 names with the colon prefix, never the removed ones', () => {
    const names = Object.values(VllmMetrics).map(d => d.name);
    expect(names).toContain('vllm:kv_cache_usage_perc');
    expect(names).not.toContain('vllm:gpu_cache_usage_perc');
    expect(names).not.toContain('vllm:time_per_output_token_seconds');
    for (const d of Object.values(VllmMetrics)) {
      expect(d.name.startsWith('vllm:')).toBe(true);
      // The one exception: vllm:lora_requests_info carries the LoRA state as its labels, with no
      // model_name or engine (vllm/v1/metrics/loggers.py, cited in lib/metrics/catalog.ts).
      if (d === VllmMetrics.LORA_REQUESTS_INFO) {
        expect(d.labels).toEqual(['max_lora', 'waiting_lora_adapters', 'running_lora_adapters']);
      } else {
        expect(d.labels).toEqual(expect.arrayContaining(['model_name', 'engine']));
      }
    }
  });
});

describe('regular-expression matchers', () => {
  test('render as =~ after the equality matchers, and survive with()', () => {
    const m = new ScopedMetric(DcgmMetrics.GPU_UTIL, { namespace: 'llm' }, { pod: 'pool-[a-z0-9]+-[a-z0-9]+' });
    expect(m.selector).toBe('DCGM_FI_DEV_GPU_UTIL{namespace="llm",pod=~"pool-[a-z0-9]+-[a-z0-9]+"}');
    expect(m.with({ gpu: '0' }).selector).toBe('DCGM_FI_DEV_GPU_UTIL{namespace="llm",gpu="0",pod=~"pool-[a-z0-9]+-[a-z0-9]+"}');
  });
});
