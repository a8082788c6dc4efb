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
