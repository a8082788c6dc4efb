import { catalogMetric, defineMetric, isCatalogSeries, MetricType, removedMetric, VllmMetrics } from '../../lib';

describe('defineMetric', () => {
  test('a user\'s histogram, counter and gauge', () => {
    expect(defineMetric('http_request_duration_seconds', MetricType.HISTOGRAM, ['route'], 'latency')).toEqual({ name: 'http_request_duration_seconds', type: MetricType.HISTOGRAM, labels: ['route'], help: 'latency' });
    expect(defineMetric('jobs_done_total', MetricType.COUNTER)).toEqual({ name: 'jobs_done_total', type: MetricType.COUNTER, labels: [], help: '' });
    expect(defineMetric('app:queue_depth', MetricType.GAUGE).name).toBe('app:queue_depth');
  });

  test.each([
    [['1jobs', MetricType.GAUGE], '\'name\' ("1jobs") must be a Prometheus metric name as scraped: letters, digits, \'_\' and \':\', not starting with a digit'],
    [['jobs-done', MetricType.GAUGE], '\'name\' ("jobs-done")'],
    [[undefined, MetricType.GAUGE], '\'name\' (undefined)'],
    [['jobs', 'summary'], '\'type\' ("summary") must be one of counter, gauge, histogram'],
    [['latency_seconds_bucket', MetricType.HISTOGRAM], '\'name\' ("latency_seconds_bucket") must be the histogram\'s base name, without _bucket, _sum or _count'],
    [['jobs', MetricType.GAUGE, 'queue'], '\'labels\' ("queue") must be a list of label names'],
    [['jobs', MetricType.GAUGE, ['__name__']], '\'labels[0]\' ("__name__") must be a Prometheus label name: letters, digits and \'_\', not starting with a digit or \'__\''],
    [['jobs', MetricType.GAUGE, ['ok', 'bad-label']], '\'labels[1]\' ("bad-label")'],
    [['jobs', MetricType.GAUGE, [], 5], '\'help\' (5) must be a string'],
  ] as Array<[unknown[], string]>)('%p is refused', (args, message) => {
    expect(() => (defineMetric as (...a: unknown[]) => unknown)(...args)).toThrow(message);
  });
});

describe('prefix-cache and LoRA metrics (FACTS §A.4, verified upstream)', () => {
  test('the prefix-cache counters as scraped (with _total), labelled model_name and engine', () => {
    expect([VllmMetrics.PREFIX_CACHE_QUERIES, VllmMetrics.PREFIX_CACHE_HITS, VllmMetrics.EXTERNAL_PREFIX_CACHE_QUERIES, VllmMetrics.EXTERNAL_PREFIX_CACHE_HITS]
      .map(m => [m.name, m.type, m.labels])).toEqual([
      ['vllm:prefix_cache_queries_total', MetricType.COUNTER, ['model_name', 'engine']],
      ['vllm:prefix_cache_hits_total', MetricType.COUNTER, ['model_name', 'engine']],
      ['vllm:external_prefix_cache_queries_total', MetricType.COUNTER, ['model_name', 'engine']],
      ['vllm:external_prefix_cache_hits_total', MetricType.COUNTER, ['model_name', 'engine']],
    ]);
  });

  test('vllm:lora_requests_info is a gauge with the adapter labels and no model_name or engine', () => {
    expect(VllmMetrics.LORA_REQUESTS_INFO).toMatchObject({ name: 'vllm:lora_requests_info', type: MetricType.GAUGE, labels: ['max_lora', 'waiting_lora_adapters', 'running_lora_adapters'] });
  });

  test('they are catalog series, never the removed gpu_ names', () => {
    for (const s of ['vllm:prefix_cache_hits_total', 'vllm:prefix_cache_queries_total', 'vllm:lora_requests_info']) expect(isCatalogSeries(s)).toBe(true);
    expect(catalogMetric('vllm:gpu_prefix_cache_hits_total')).toBeUndefined();
    expect(removedMetric('vllm:gpu_prefix_cache_hits_total')).toBe('use vllm:prefix_cache_hits_total');
  });
});
