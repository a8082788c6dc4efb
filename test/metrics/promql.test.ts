import { ALL_METRICS, isCatalogSeries, promqlMetricNames, promqlSyntaxError, removedMetric, REMOVED_METRICS, requirePromQL, requirePromQLOfShape } from '../../lib';

/** The error `requirePromQL` raises for `expr` failing at the 1-based character `at`. */
function promqlError(prop: string, expr: string, at: number): Error {
  return new Error(`'${prop}' (${JSON.stringify(expr)}) is not valid PromQL: syntax error at character ${at} (parsed with @prometheus-io/lezer-promql)`);
}

describe('promqlSyntaxError', () => {
  test.each([
    ['a selector with a colon name and matchers', 'sum(vllm:num_requests_waiting{namespace="llm",model_name="llama"})'],
    ['a regular-expression matcher', 'avg(DCGM_FI_DEV_GPU_UTIL{namespace="llm",pod=~"pool-[a-z0-9]+-[a-z0-9]+"})'],
    ['histogram_quantile over a rate of buckets', 'histogram_quantile(0.95, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{namespace="llm"}[2m])))'],
    ['a subquery', 'max_over_time(sum(vllm:num_requests_running)[10m:30s])'],
    ['predict_linear on a subquery under clamp_min', 'clamp_min(predict_linear(sum(vllm:num_requests_waiting{namespace="llm"})[900s:30s], 600), 0)'],
    ['a binary expression with a counter rate', 'sum(rate(litellm_proxy_total_requests_metric_total[2m])) / 2'],
    ['a bare metric name', 'up'],
  ])('accepts %s', (_what, expr) => {
    expect(promqlSyntaxError(expr)).toBeUndefined();
  });

  test.each([
    ['an unbalanced parenthesis', 'sum(up', 6],
    ['a stray closing parenthesis', 'up)', 2],
    ['an unclosed matcher list', 'sum(up{job="a"', 14],
    ['an unclosed range', 'rate(up[2m]', 11],
    ['a dangling operator', 'up +', 4],
    ['two expressions side by side', 'up down', 3],
    ['a matcher without a value', 'up{job=}', 7],
  ])('rejects %s, at the offset of the error', (_what, expr, offset) => {
    expect(promqlSyntaxError(expr)).toBe(offset);
  });

  test('rejects an empty or blank query at offset 0', () => {
    expect(promqlSyntaxError('')).toBe(0);
    expect(promqlSyntaxError('   ')).toBe(0);
  });
});

describe('requirePromQL', () => {
  test('passes valid PromQL', () => {
    expect(() => requirePromQL('query', 'histogram_quantile(0.95, sum by (le) (rate(x_bucket[2m])))')).not.toThrow();
  });

  test('an unbalanced parenthesis: names the prop, the query and the 1-based character', () => {
    expect(() => requirePromQL('query', 'sum(up')).toThrow(promqlError('query', 'sum(up', 7));
  });

  test('an empty string fails at character 1', () => {
    expect(() => requirePromQL('query', '')).toThrow(promqlError('query', '', 1));
  });

  test('a stray closing parenthesis', () => {
    expect(() => requirePromQL('signals[0].query', 'up)')).toThrow(promqlError('signals[0].query', 'up)', 3));
  });

  test('the exact message', () => {
    expect(() => requirePromQL('query', 'sum(up')).toThrow(new Error(
      '\'query\' ("sum(up") is not valid PromQL: syntax error at character 7 (parsed with @prometheus-io/lezer-promql)'));
  });
});

describe('requirePromQLOfShape', () => {
  const pool = (name: string) => `sum(rate(vllm:request_success_total{namespace="llm",pool="${name}"}[5m])) > 0`;

  test('remembers the shape of a valid expression: label values erased, the rest kept', () => {
    const shapes = new Set<string>();
    requirePromQLOfShape('expr', pool('pool-0'), shapes);
    requirePromQLOfShape('expr', pool('pool-1'), shapes);
    expect([...shapes]).toEqual(['sum(rate(vllm:request_success_total{namespace="s",pool="s"}[5m])) > 0']);
  });

  test('an invalid expression always fails with requirePromQL\'s error, whatever shapes are known', () => {
    const shapes = new Set<string>();
    requirePromQLOfShape('expr', pool('pool-0'), shapes);
    const bad = 'sum(rate(vllm:request_success_total{namespace="llm",pool="pool-1"}[5m]) > 0';
    expect(() => requirePromQLOfShape('rules[1].expr', bad, shapes)).toThrow(promqlError('rules[1].expr', bad, bad.length + 1));
    expect(() => requirePromQLOfShape('rules[1].expr', bad, shapes)).toThrow(promqlError('rules[1].expr', bad, bad.length + 1));
    expect(shapes.size).toBe(1);
    expect(() => requirePromQLOfShape('expr', '', shapes)).toThrow(promqlError('expr', '', 1));
  });

  test('an expression with a backslash, another quote, a comment or a newline gets no shape: always parsed', () => {
    const shapes = new Set<string>();
    for (const expr of ['up{a=~"x\\.y"}', 'up{a=\'x\'}', 'up{a=`x`}', 'up # c', 'sum(\nup)']) {
      expect(() => requirePromQLOfShape('expr', expr, shapes)).not.toThrow();
    }
    expect(shapes.size).toBe(0);
    // A quote the shape would pair differently from the parser never reaches the cache.
    expect(() => requirePromQLOfShape('expr', 'up{a=\'"\'}', shapes)).not.toThrow();
    expect(() => requirePromQLOfShape('expr', 'up{a="\'"} + up{b="x"}', shapes)).not.toThrow();
    expect(shapes.size).toBe(0);
  });
});

describe('promqlMetricNames and the catalog', () => {
  test('finds the selected metric names, not functions or labels', () => {
    expect(promqlMetricNames('histogram_quantile(0.95, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{namespace="llm"}[2m]))) > on() group_left kube_horizontalpodautoscaler_spec_max_replicas'))
      .toEqual(['vllm:time_to_first_token_seconds_bucket', 'kube_horizontalpodautoscaler_spec_max_replicas']);
  });

  test('catalog series: names, histogram _bucket/_sum/_count, never removed names', () => {
    expect(isCatalogSeries('vllm:time_to_first_token_seconds_bucket')).toBe(true);
    expect(isCatalogSeries('vllm:e2e_request_latency_seconds_count')).toBe(true);
    expect(isCatalogSeries('keda_scaler_detail_errors_total')).toBe(true);
    expect(isCatalogSeries('vllm:num_requests_waiting_bucket')).toBe(false);
    for (const removed of ['vllm:gpu_cache_usage_perc', 'vllm:time_per_output_token_seconds', 'kube_hpa_spec_max_replicas', 'keda_scaler_errors_total']) {
      expect(isCatalogSeries(removed)).toBe(false);
    }
  });
});

describe('removed metrics', () => {
  test('the catalog never names a removed metric, and every removed one has a replacement hint', () => {
    for (const m of ALL_METRICS) expect(removedMetric(m.name)).toBeUndefined();
    for (const [name, hint] of Object.entries(REMOVED_METRICS)) {
      expect(isCatalogSeries(name)).toBe(false);
      expect(hint.length).toBeGreaterThan(10);
    }
  });

  test('a removed histogram counts with its _bucket, _sum and _count series', () => {
    for (const suffix of ['', '_bucket', '_sum', '_count']) {
      expect(removedMetric(`vllm:time_per_output_token_seconds${suffix}`)).toBe(REMOVED_METRICS['vllm:time_per_output_token_seconds']);
    }
    expect(removedMetric('vllm:kv_cache_usage_perc')).toBeUndefined();
  });
});
