import { CronTriggerOptions, KedaMetricType, KedaTrigger, PrometheusTriggerOptions, RedisListTriggerOptions, SignalSource } from '../../lib';

const PROMETHEUS = 'http://prometheus-operated.monitoring.svc.cluster.local:9090';
const QUERY = 'sum(vllm:num_requests_waiting{namespace="llm",model_name="llama"})';
const TRIGGER_NAME_RULE = 'must be a lower-case identifier (letters, digits, \'_\'; a formula would read \'-\' as minus), at most 63 characters';
const CRON_RULE = 'must be a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. \'0 8 * * 1-5\'';
const TIMEZONE_RULE = 'must be an IANA time zone, e.g. \'Europe/Berlin\' or \'America/New_York\'';

function prometheus(options: Partial<PrometheusTriggerOptions> = {}): KedaTrigger {
  return KedaTrigger.prometheus({ serverAddress: PROMETHEUS, query: QUERY, threshold: 5, ...options });
}

function redis(options: Partial<RedisListTriggerOptions> = {}): KedaTrigger {
  return KedaTrigger.redisList({ address: 'redis.llm.svc:6379', listName: 'pending', ...options });
}

function cron(options: Partial<CronTriggerOptions> = {}): KedaTrigger {
  return KedaTrigger.cron({ timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: 2, ...options });
}

function expectAllStrings(metadata: Readonly<Record<string, unknown>>): void {
  for (const value of Object.values(metadata)) expect(typeof value).toBe('string');
}

describe('KedaTrigger.prometheus', () => {
  test('defaults: serverAddress, query and threshold as strings; AverageValue, own pods, no secrets, no name', () => {
    const trigger = prometheus();
    expect(trigger.type).toBe('prometheus');
    expect(trigger.metadata).toEqual({ serverAddress: PROMETHEUS, query: QUERY, threshold: '5' });
    expectAllStrings(trigger.metadata);
    expect(trigger.metricType).toBe(KedaMetricType.AVERAGE_VALUE);
    expect(trigger.source).toBe(SignalSource.OWN_PODS);
    expect(trigger.secrets).toEqual([]);
    expect(trigger.name).toBeUndefined();
    expect(trigger.query).toBe(QUERY);
  });

  test('every option rendered, numbers and booleans as strings', () => {
    const trigger = prometheus({
      threshold: 0.75, activationThreshold: 0, ignoreNullValues: false,
      metricType: KedaMetricType.VALUE, source: SignalSource.EXTERNAL, name: 'queue_depth',
    });
    expect(trigger.metadata).toEqual({
      serverAddress: PROMETHEUS, query: QUERY, threshold: '0.75', activationThreshold: '0', ignoreNullValues: 'false',
    });
    expectAllStrings(trigger.metadata);
    expect(trigger.metricType).toBe(KedaMetricType.VALUE);
    expect(trigger.source).toBe(SignalSource.EXTERNAL);
    expect(trigger.name).toBe('queue_depth');
  });

  test('ignoreNullValues true renders "true"', () => {
    expect(prometheus({ ignoreNullValues: true }).metadata.ignoreNullValues).toBe('true');
  });

  test('bearer auth: authModes bearer and the token as the bearerToken parameter', () => {
    const token = { secretName: 'prometheus-auth', key: 'token' };
    const trigger = prometheus({ auth: { mode: 'bearer', bearerToken: token } });
    expect(trigger.metadata.authModes).toBe('bearer');
    expect(trigger.secrets).toEqual([{ parameter: 'bearerToken', secret: token }]);
    expect(trigger.metadata).not.toHaveProperty('bearerToken');
  });

  test('basic auth: authModes basic, username and password parameters', () => {
    const username = { secretName: 'prometheus-auth', key: 'username' };
    const password = { secretName: 'prometheus-auth', key: 'password' };
    const trigger = prometheus({ auth: { mode: 'basic', username, password } });
    expect(trigger.metadata.authModes).toBe('basic');
    expect(trigger.secrets).toEqual([{ parameter: 'username', secret: username }, { parameter: 'password', secret: password }]);
  });

  describe('errors', () => {
    test.each(['prometheus:9090', 'ftp://prometheus:9090', 'http://', 'http://prom etheus:9090'])('serverAddress %j', (serverAddress) => {
      expect(() => prometheus({ serverAddress })).toThrow(new Error(
        `'serverAddress' (${JSON.stringify(serverAddress)}) must be an http:// or https:// URL`));
    });

    test('a query that does not parse', () => {
      expect(() => prometheus({ query: 'sum(up' })).toThrow(new Error(
        '\'query\' ("sum(up") is not valid PromQL: syntax error at character 7 (parsed with @prometheus-io/lezer-promql)'));
    });

    test('an empty query', () => {
      expect(() => prometheus({ query: '' })).toThrow(new Error(
        '\'query\' ("") is not valid PromQL: syntax error at character 1 (parsed with @prometheus-io/lezer-promql)'));
    });

    test.each([0, -1])('threshold %d', (threshold) => {
      expect(() => prometheus({ threshold })).toThrow(new Error(`'threshold' (${threshold}) must be greater than 0`));
    });

    test('activationThreshold -1', () => {
      expect(() => prometheus({ activationThreshold: -1 })).toThrow(new Error(
        '\'activationThreshold\' (-1) must be greater than or equal to 0'));
    });

    test.each(['Queue-Depth', 'queue-depth', '1queue', 'a'.repeat(64)])('trigger name %j', (name) => {
      expect(() => prometheus({ name })).toThrow(new Error(`'name' (${JSON.stringify(name)}) ${TRIGGER_NAME_RULE}`));
    });

    test('bearer auth without a token', () => {
      expect(() => prometheus({ auth: { mode: 'bearer' } })).toThrow(new Error(
        '\'auth.bearerToken\' (undefined) must be set when auth.mode is bearer'));
    });

    test('basic auth without a password or a username', () => {
      const ref = { secretName: 'prometheus-auth', key: 'x' };
      expect(() => prometheus({ auth: { mode: 'basic', username: ref } })).toThrow(new Error(
        '\'auth.password\' (undefined) must be set when auth.mode is basic'));
      expect(() => prometheus({ auth: { mode: 'basic', password: ref } })).toThrow(new Error(
        '\'auth.username\' (undefined) must be set when auth.mode is basic'));
    });

    test('a Secret name that is not a Kubernetes name', () => {
      expect(() => prometheus({ auth: { mode: 'bearer', bearerToken: { secretName: 'Prom_Auth', key: 'token' } } })).toThrow(new Error(
        '\'auth.bearerToken.secretName\' ("Prom_Auth") must be a DNS-1123 subdomain: at most 253 lower-case alphanumerics, \'-\' or \'.\', starting and ending with an alphanumeric'));
    });
  });
});

describe('KedaTrigger.prometheus query guardrails', () => {
  const AGGREGATE_RULE = 'is not aggregated to one element: KEDA\'s prometheus scaler fails ("returned multiple elements") as soon as it matches two series, e.g. two pods; wrap it in an aggregation without by/without, e.g. sum(...), avg(...) or max(...)';

  test.each([
    ['a bare selector', 'vllm:num_requests_waiting{namespace="llm"}'],
    ['an aggregation by pod', 'sum by (pod) (vllm:num_requests_waiting{namespace="llm"})'],
    ['an aggregation by a quoted label', 'sum by ("pod") (vllm:num_requests_waiting{namespace="llm"})'],
    ['histogram_quantile over buckets summed by le and a quoted pod', 'histogram_quantile(0.95, sum by ("le", "pod") (rate(vllm:e2e_request_latency_seconds_bucket[2m])))'],
    ['an aggregation without a label', 'max without (engine) (vllm:kv_cache_usage_perc)'],
    ['topk', 'topk(1, vllm:num_requests_waiting)'],
    ['a ratio of an aggregate and a raw selector', 'sum(vllm:num_requests_waiting) / vllm:num_requests_running'],
    ['histogram_quantile over unaggregated buckets', 'histogram_quantile(0.95, rate(vllm:e2e_request_latency_seconds_bucket[2m]))'],
  ])('refuses %s', (_what, query) => {
    expect(() => prometheus({ query })).toThrow(new Error(`'query' (${JSON.stringify(query)}) ${AGGREGATE_RULE}`));
  });

  test.each([
    ['sum', 'sum(vllm:num_requests_waiting{namespace="llm"})'],
    ['avg divided by a number', 'avg(DCGM_FI_DEV_GPU_UTIL{namespace="llm"}) / 100'],
    ['a ratio of two sums', 'sum(rate(vllm:prompt_tokens_total[2m])) / sum(rate(vllm:generation_tokens_total[2m]))'],
    ['histogram_quantile over sum by (le)', 'histogram_quantile(0.95, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket[2m])))'],
    ['predict_linear over a subquery of a sum', 'clamp_min(predict_linear(sum(vllm:num_requests_waiting)[900s:30s], 600), 0)'],
    ['scalar()', 'scalar(sum(up))'],
    ['an empty grouping', 'sum by () (vllm:num_requests_waiting)'],
    ['histogram_quantile over sum by a quoted le', 'histogram_quantile(0.95, sum by ("le") (rate(vllm:time_to_first_token_seconds_bucket[2m])))'],
  ])('accepts %s', (_what, query) => {
    expect(prometheus({ query }).query).toBe(query);
  });

  test.each(['rate', 'irate', 'increase'])('refuses %s() over a gauge of the catalog', (fn) => {
    const query = `sum(${fn}(vllm:num_requests_waiting{namespace="llm"}[2m]))`;
    expect(() => prometheus({ query })).toThrow(new Error(
      `'query' (${JSON.stringify(query)}) applies ${fn}() to vllm:num_requests_waiting, a gauge: ${fn}() is for counters and reads a gauge's ups and downs as resets; use the gauge as it is (e.g. sum(vllm:num_requests_waiting{...})), or deriv() for its trend`));
  });

  test.each([
    ['vllm:gpu_cache_usage_perc', 'sum(vllm:gpu_cache_usage_perc{namespace="llm"})', 'use vllm:kv_cache_usage_perc (a ratio from 0 to 1)'],
    ['a removed histogram\'s buckets', 'histogram_quantile(0.9, sum by (le) (rate(vllm:time_per_output_token_seconds_bucket[2m])))',
      'use vllm:inter_token_latency_seconds (per token) or vllm:request_time_per_output_token_seconds (per request)'],
    ['a V0-only metric', 'sum(vllm:num_requests_swapped)', 'V0 only, removed with the V1 engine: V1 preempts by recompute (vllm:num_preemptions_total)'],
    ['a KEDA metric removed in 2.17', 'sum(rate(keda_scaler_errors_total[5m]))', 'removed in KEDA 2.17: use sum(keda_scaler_detail_errors_total)'],
  ])('refuses a removed metric: %s', (_what, query, hint) => {
    const series = /(vllm:[a-z_]+|keda_[a-z_]+)/.exec(query)![1];
    expect(() => prometheus({ query })).toThrow(new Error(
      `'query' (${JSON.stringify(query)}) reads ${series}, which no longer exists (the query would return nothing): ${hint}`));
  });

  test('a query of an accepted shape (other label values) is accepted; the checks still refuse what differs in names or structure', () => {
    const pool = (name: string) => `sum(vllm:num_requests_waiting{namespace="llm",pool="${name}"})`;
    expect(prometheus({ query: pool('pool-0') }).query).toBe(pool('pool-0'));
    expect(prometheus({ query: pool('pool-1') }).query).toBe(pool('pool-1'));
    const byPod = 'sum by (pod) (vllm:num_requests_waiting{namespace="llm",pool="pool-1"})';
    expect(() => prometheus({ query: byPod })).toThrow(new Error(`'query' (${JSON.stringify(byPod)}) ${AGGREGATE_RULE}`));
    const quotedLe = 'histogram_quantile(0.9, sum by ("le") (rate(vllm:e2e_request_latency_seconds_bucket{pool="a"}[2m])))';
    expect(prometheus({ query: quotedLe }).query).toBe(quotedLe);
    const quotedPod = 'histogram_quantile(0.9, sum by ("pod") (rate(vllm:e2e_request_latency_seconds_bucket{pool="a"}[2m])))';
    expect(() => prometheus({ query: quotedPod })).toThrow(new Error(`'query' (${JSON.stringify(quotedPod)}) ${AGGREGATE_RULE}`));
    const removed = 'sum(vllm:gpu_cache_usage_perc{namespace="llm",pool="pool-1"})';
    expect(() => prometheus({ query: removed })).toThrow(new Error(
      `'query' (${JSON.stringify(removed)}) reads vllm:gpu_cache_usage_perc, which no longer exists (the query would return nothing): use vllm:kv_cache_usage_perc (a ratio from 0 to 1)`));
    const broken = 'sum(vllm:num_requests_waiting{namespace="llm",pool="pool-1"}';
    expect(() => prometheus({ query: broken })).toThrow(new Error(
      `'query' (${JSON.stringify(broken)}) is not valid PromQL: syntax error at character ${broken.length + 1} (parsed with @prometheus-io/lezer-promql)`));
  });

  test('a trigger built from an LlmSignal-less query names no pool', () => {
    expect(prometheus().pool).toBeUndefined();
  });

  test('plain JavaScript: missing options, a query that is no string, enums cast in, ignoreNullValues as a string', () => {
    expect(() => KedaTrigger.prometheus(undefined as any)).toThrow(new Error(
      '\'options\' (undefined) is required: the prometheus trigger options (serverAddress, query, threshold)'));
    expect(() => prometheus({ query: undefined as any })).toThrow(new Error('\'query\' (undefined) must be a PromQL query string'));
    expect(() => prometheus({ metricType: 'Utilization' as any })).toThrow(new Error('\'metricType\' ("Utilization") must be one of AverageValue, Value'));
    expect(() => prometheus({ source: 'proxy' as any })).toThrow(new Error('\'source\' ("proxy") must be one of own-pods, external, schedule'));
    expect(() => prometheus({ ignoreNullValues: 'false' as any })).toThrow(new Error('\'ignoreNullValues\' ("false") must be true or false'));
    expect(() => prometheus({ threshold: NaN })).toThrow(new Error('\'threshold\' (NaN) must be greater than 0'));
    expect(() => prometheus({ threshold: Infinity })).toThrow(new Error('\'threshold\' (Infinity) must be greater than 0'));
    expect(() => prometheus({ auth: { mode: 'oauth' as any } })).toThrow(new Error('\'auth.mode\' ("oauth") must be \'bearer\' or \'basic\''));
    expect(() => KedaTrigger.cron({ timezone: 'Europe/Berlin', start: undefined as any, end: '0 18 * * 1-5', desiredReplicas: 1 })).toThrow(new Error(
      `'start' (undefined) ${CRON_RULE}`));
    expect(() => KedaTrigger.redisList({ address: undefined as any, listName: 'x' })).toThrow(new Error('\'address\' (undefined) must be host:port'));
  });
});

describe('KedaTrigger.redisList', () => {
  test('defaults: address and listName; an external AverageValue signal', () => {
    const trigger = redis();
    expect(trigger.type).toBe('redis');
    expect(trigger.metadata).toEqual({ address: 'redis.llm.svc:6379', listName: 'pending' });
    expect(trigger.metricType).toBe(KedaMetricType.AVERAGE_VALUE);
    expect(trigger.source).toBe(SignalSource.EXTERNAL);
    expect(trigger.secrets).toEqual([]);
    expect(trigger.query).toBeUndefined();
  });

  test('every option rendered as strings; the password as a Secret parameter', () => {
    const password = { secretName: 'redis', key: 'password' };
    const trigger = redis({ listLength: 10, activationListLength: 0, enableTls: true, password, name: 'pending_list' });
    expect(trigger.metadata).toEqual({
      address: 'redis.llm.svc:6379', listName: 'pending', listLength: '10', activationListLength: '0', enableTLS: 'true',
    });
    expectAllStrings(trigger.metadata);
    expect(trigger.metadata).not.toHaveProperty('password');
    expect(trigger.secrets).toEqual([{ parameter: 'password', secret: password }]);
    expect(trigger.name).toBe('pending_list');
  });

  test('enableTls false renders nothing', () => {
    expect(redis({ enableTls: false }).metadata).not.toHaveProperty('enableTLS');
  });

  describe('errors', () => {
    test.each(['redis', 'redis://redis:6379', 'redis:port', 'red is:6379'])('address %j', (address) => {
      expect(() => redis({ address })).toThrow(new Error(`'address' (${JSON.stringify(address)}) must be host:port`));
    });

    test.each(['', '   '])('listName %j', (listName) => {
      expect(() => redis({ listName })).toThrow(new Error(`'listName' (${JSON.stringify(listName)}) must not be empty`));
    });

    test('listLength 0', () => {
      expect(() => redis({ listLength: 0 })).toThrow(new Error('\'listLength\' (0) must be a whole number greater than 0'));
    });

    test('activationListLength -1', () => {
      expect(() => redis({ activationListLength: -1 })).toThrow(new Error(
        '\'activationListLength\' (-1) must be a whole number greater than or equal to 0'));
    });

    test('trigger name with a dash', () => {
      expect(() => redis({ name: 'pending-list' })).toThrow(new Error(`'name' ("pending-list") ${TRIGGER_NAME_RULE}`));
    });
  });
});

describe('KedaTrigger.cron', () => {
  test('timezone, start, end and desiredReplicas, all strings; a schedule with no metric type', () => {
    const trigger = cron({ name: 'business_hours' });
    expect(trigger.type).toBe('cron');
    expect(trigger.metadata).toEqual({ timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: '2' });
    expectAllStrings(trigger.metadata);
    expect(trigger.metricType).toBeUndefined();
    expect(trigger.source).toBe(SignalSource.SCHEDULE);
    expect(trigger.secrets).toEqual([]);
    expect(trigger.name).toBe('business_hours');
  });

  test.each(['UTC', 'Etc/UTC', 'America/New_York'])('accepts the time zone %j', (timezone) => {
    expect(cron({ timezone }).metadata.timezone).toBe(timezone);
  });

  describe('errors', () => {
    test('a 6-field (seconds) cron expression', () => {
      expect(() => cron({ start: '0 0 8 * * 1-5' })).toThrow(new Error(`'start' ("0 0 8 * * 1-5") ${CRON_RULE}`));
    });

    test('garbage', () => {
      expect(() => cron({ end: 'every weekday' })).toThrow(new Error(`'end' ("every weekday") ${CRON_RULE}`));
    });

    test('5 fields out of range', () => {
      expect(() => cron({ start: '61 8 * * *' })).toThrow(new Error(`'start' ("61 8 * * *") ${CRON_RULE}`));
    });

    test.each(['Mars/Olympus', 'EST'])('timezone %j', (timezone) => {
      expect(() => cron({ timezone })).toThrow(new Error(`'timezone' (${JSON.stringify(timezone)}) ${TIMEZONE_RULE}`));
    });

    test.each([0, 1.5])('desiredReplicas %d', (desiredReplicas) => {
      expect(() => cron({ desiredReplicas })).toThrow(new Error(`'desiredReplicas' (${desiredReplicas}) must be a whole number greater than 0`));
    });

    test('trigger name in upper case', () => {
      expect(() => cron({ name: 'Business' })).toThrow(new Error(`'name' ("Business") ${TRIGGER_NAME_RULE}`));
    });
  });
});

describe('named()', () => {
  test('returns a named copy and leaves the original unnamed', () => {
    const auth = { mode: 'bearer' as const, bearerToken: { secretName: 'prometheus-auth', key: 'token' } };
    const original = prometheus({ metricType: KedaMetricType.VALUE, source: SignalSource.EXTERNAL, auth });
    const named = original.named('queue_depth');
    expect(named.name).toBe('queue_depth');
    expect(original.name).toBeUndefined();
    expect(named.type).toBe(original.type);
    expect(named.metadata).toEqual(original.metadata);
    expect(named.metricType).toBe(KedaMetricType.VALUE);
    expect(named.source).toBe(SignalSource.EXTERNAL);
    expect(named.secrets).toEqual(original.secrets);
  });

  test('renames a named trigger', () => {
    expect(cron({ name: 'a' }).named('b').name).toBe('b');
  });

  test.each(['Queue-Depth', 'queue-depth'])('refuses the name %j', (name) => {
    expect(() => prometheus().named(name)).toThrow(new Error(`'name' (${JSON.stringify(name)}) ${TRIGGER_NAME_RULE}`));
  });
});
