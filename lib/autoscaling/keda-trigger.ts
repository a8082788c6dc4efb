import { CronExpressionParser } from 'cron-parser';
import { metadataNumber } from './_quantity';
import { requireDefined } from '../core/_units';
import { invalid, requireDnsLabel, requireHttpUrl, requirePositiveInteger } from '../core/_validation';
import { SecretKeyRef, validateSecretRef } from '../core/secret-ref';
import { CaBundle, CaBundleSource, requireCaBundle } from '../metrics/ca-bundle';
import { requireKedaQuery } from '../metrics/promql';
import { RecordedMetric, requireRecordedMetric } from '../metrics/recorded-metric';
import type { ServingPool } from '../vllm/serving-pool';

/** How the HPA KEDA creates reads a trigger's value. */
export enum KedaMetricType {
  /** Value divided by the current replicas, compared to the threshold: "per replica". */
  AVERAGE_VALUE = 'AverageValue',
  /** The value itself, compared to the threshold: latencies, ratios. */
  VALUE = 'Value',
  /**
   * A percentage of the pods' requests: only the `cpu` and `memory` triggers
   * (`KedaTrigger.cpuUtilization()`, `KedaTrigger.memoryUtilization()`).
   */
  UTILIZATION = 'Utilization',
}

/**
 * Where a trigger's signal comes from, which decides whether it can wake a workload from
 * zero replicas: a metric of the workload's own pods disappears with them.
 */
export enum SignalSource {
  /** Metrics of the scaled workload's own pods: no signal at zero replicas. */
  OWN_PODS = 'own-pods',
  /** Metrics of something else (the proxy, a queue): present at zero replicas. */
  EXTERNAL = 'external',
  /** A schedule: needs no metric at all. */
  SCHEDULE = 'schedule',
}

/** A Secret key handed to a KEDA scaler parameter through a TriggerAuthentication. */
export interface TriggerSecret {
  /** The scaler's auth parameter, e.g. `bearerToken`, `username`, `password`. */
  readonly parameter: string;
  /** The Secret key holding it. */
  readonly secret: SecretKeyRef;
}

/** A ConfigMap key handed to a KEDA scaler parameter through a TriggerAuthentication (`configMapTargetRef`). */
export interface TriggerConfigMap {
  /** The scaler's auth parameter, e.g. `ca`. */
  readonly parameter: string;
  /** The ConfigMap's name. */
  readonly name: string;
  /** The key holding the value. */
  readonly key: string;
}

/**
 * Authentication of the `prometheus` scaler (FACTS §C.2 `authModes`). Parameter names from
 * kedacore/keda pkg/scalers/authentication/authentication_helpers.go (`GetAuthConfigs`):
 * `bearerToken`, `username`, `password`, and `ca` (a PEM bundle, read whatever the mode).
 */
export interface PrometheusAuth {
  /** `bearer` (a token Secret) or `basic` (username and password Secrets). */
  readonly mode: 'bearer' | 'basic';
  /** `bearer`: the token. */
  readonly bearerToken?: SecretKeyRef;
  /** `basic`: the user name. */
  readonly username?: SecretKeyRef;
  /** `basic`: the password. */
  readonly password?: SecretKeyRef;
  /**
   * The CA bundle that signs the Prometheus server's certificate (an `https://` server with a
   * private CA, such as OpenShift's Thanos querier): the `ca` auth parameter, from a
   * ConfigMap (`configMapTargetRef`) or a Secret (`secretTargetRef`). Without it KEDA trusts
   * only the system roots and the query fails on a private CA (never set `unsafeSsl`).
   * @default - the system roots
   */
  readonly ca?: CaBundle;
}

/** Options of `KedaTrigger.prometheus()`. */
export interface PrometheusTriggerOptions {
  /** The Prometheus base URL, e.g. `http://prometheus-operated.monitoring.svc.cluster.local:9090`. */
  readonly serverAddress: string;
  /**
   * A PromQL query returning a single element, checked at construction: valid PromQL,
   * aggregated to one element at the top (`sum(...)`, `avg(...)`, `max(...)` without
   * `by`/`without`), no `rate()`/`irate()`/`increase()` over a gauge, no metric that no longer
   * exists (`REMOVED_METRICS`).
   */
  readonly query: string;
  /** The target: per replica for AverageValue, absolute for Value. Greater than 0. */
  readonly threshold: number;
  /** Scale from zero (and stay active) only above this value. @default - KEDA's default (0) */
  readonly activationThreshold?: number;
  /** @default KedaMetricType.AVERAGE_VALUE */
  readonly metricType?: KedaMetricType;
  /**
   * Treat an empty result as 0 (`true`, KEDA's default) or as an error (`false`, which
   * triggers the ScaledObject's fallback when the metric disappears).
   * @default - KEDA's default (true)
   */
  readonly ignoreNullValues?: boolean;
  /** @default - none */
  readonly auth?: PrometheusAuth;
  /**
   * The namespace the query is scoped to, sent as the `namespace` query parameter
   * (FACTS §C.2 `namespace`): required by a multi-tenant query endpoint such as OpenShift's
   * Thanos querier tenancy port 9092, which then needs only namespace-level read rights.
   * @default - none
   */
  readonly namespace?: string;
  /** The trigger name, referenced by `scalingModifiers` formulas. @default - none */
  readonly name?: string;
  /** Whose metric the query reads. @default SignalSource.OWN_PODS */
  readonly source?: SignalSource;
  /**
   * The pool whose series the query reads (by its `pool` label): the ScaledObject then
   * requires the pool's PodMonitor at synth. `LlmSignal` sets it.
   * @default - the query reads no pool's series
   */
  readonly pool?: ServingPool;
  /**
   * The recorded series the query reads (`LlmSignal.recorded()` sets it): the ScaledObject
   * then requires its `RecordingRules` in the same App at synth.
   * @default - the query reads no recorded series
   */
  readonly recorded?: RecordedMetric;
}

/** Options of `KedaTrigger.redisList()`. */
export interface RedisListTriggerOptions {
  /** `host:port` of Redis. */
  readonly address: string;
  /** The list holding pending requests. */
  readonly listName: string;
  /** Target list length per replica. @default - KEDA's default (5) */
  readonly listLength?: number;
  /** Activate (scale from zero) above this length. @default - KEDA's default (0) */
  readonly activationListLength?: number;
  /** The Redis password. @default - none */
  readonly password?: SecretKeyRef;
  /** Connect with TLS. @default false */
  readonly enableTls?: boolean;
  /** @default - none */
  readonly name?: string;
}

/** Options of `KedaTrigger.cpuUtilization()` and `KedaTrigger.memoryUtilization()`. */
export interface ResourceTriggerOptions {
  /**
   * Measure one container only (KEDA renders a `ContainerResource` metric), e.g. the app
   * container beside a sidecar. @default - every container of the pods
   */
  readonly containerName?: string;
  /** @default - none */
  readonly name?: string;
}

/** Options of `KedaTrigger.cron()`. */
export interface CronTriggerOptions {
  /** IANA time zone, e.g. `Europe/Berlin`. */
  readonly timezone: string;
  /** Start of the window, a 5-field cron expression, e.g. `0 8 * * 1-5`. */
  readonly start: string;
  /** End of the window, e.g. `0 18 * * 1-5`. */
  readonly end: string;
  /** Replicas held during the window. */
  readonly desiredReplicas: number;
  /** @default - none */
  readonly name?: string;
}

const TRIGGER_NAME = /^[a-z][a-z0-9_]*$/;

/** The metric types of a query (prometheus triggers, scaling modifiers): not Utilization. @internal */
export const QUERY_METRIC_TYPES: Record<string, string> = { AVERAGE_VALUE: KedaMetricType.AVERAGE_VALUE, VALUE: KedaMetricType.VALUE };

/**
 * One KEDA trigger. Metadata values are strings, as KEDA's `map[string]string` requires
 * (FACTS §C.2). Build one with the static factories, or with `LlmSignal` for the LLM
 * signals of a pool or the proxy.
 */
export class KedaTrigger {
  /** A `prometheus` trigger on a PromQL query, parsed with the Prometheus grammar at construction. */
  public static prometheus(options: PrometheusTriggerOptions): KedaTrigger {
    requireDefined('options', options, 'the prometheus trigger options (serverAddress, query, threshold)');
    requireHttpUrl('serverAddress', options.serverAddress);
    if (typeof options.query !== 'string') throw invalid('query', options.query, 'must be a PromQL query string');
    requireKedaQuery('query', options.query);
    const metricType = options.metricType ?? KedaMetricType.AVERAGE_VALUE;
    // Utilization is for the cpu and memory triggers only: a query has no requests to be a percentage of.
    requireEnum('metricType', metricType, QUERY_METRIC_TYPES);
    const source = options.source ?? SignalSource.OWN_PODS;
    requireEnum('source', source, SignalSource);
    const metadata: Record<string, string> = {
      serverAddress: options.serverAddress,
      query: options.query,
      threshold: metadataNumber('threshold', options.threshold),
    };
    if (options.activationThreshold !== undefined) {
      if (!(Number.isFinite(options.activationThreshold) && options.activationThreshold >= 0)) {
        throw invalid('activationThreshold', options.activationThreshold, 'must be greater than or equal to 0');
      }
      metadata.activationThreshold = String(options.activationThreshold);
    }
    if (options.ignoreNullValues !== undefined) {
      if (typeof options.ignoreNullValues !== 'boolean') throw invalid('ignoreNullValues', options.ignoreNullValues, 'must be true or false');
      metadata.ignoreNullValues = String(options.ignoreNullValues);
    }
    if (options.namespace !== undefined) {
      if (typeof options.namespace !== 'string') throw invalid('namespace', options.namespace, 'must be a namespace name');
      requireDnsLabel('namespace', options.namespace);
      metadata.namespace = options.namespace;
    }
    const secrets: TriggerSecret[] = [];
    const configMaps: TriggerConfigMap[] = [];
    if (options.auth) {
      if (options.auth === null || typeof options.auth !== 'object') throw invalid('auth', options.auth, 'must be { mode, bearerToken? | username?, password?, ca? }');
      if (!['bearer', 'basic'].includes(options.auth.mode)) throw invalid('auth.mode', options.auth.mode, 'must be \'bearer\' or \'basic\'');
      metadata.authModes = options.auth.mode;
      secrets.push(...prometheusSecrets(options.auth));
      if (options.auth.ca !== undefined) {
        const ca = requireCaBundle('auth.ca', options.auth.ca);
        if (ca.source === CaBundleSource.CONFIG_MAP) configMaps.push({ parameter: 'ca', name: ca.name, key: ca.key });
        else secrets.push({ parameter: 'ca', secret: { secretName: ca.name, key: ca.key } });
      }
    }
    if (options.name !== undefined) requireTriggerName(options.name);
    if (options.recorded !== undefined) requireRecordedMetric('recorded', options.recorded);
    return new KedaTrigger('prometheus', metadata, metricType, source, secrets, options.name, options.pool, configMaps, undefined, options.recorded);
  }

  /**
   * A `cpu` trigger: average CPU use as a percentage of the pods' CPU requests (every
   * container needs a CPU request, checked by the ScaledObject). It reads the workload's own
   * pods, so it never wakes a workload at zero, and it does not count for a fallback (KEDA
   * needs a non-cpu/memory AverageValue trigger for one, FACTS §C.2). Metadata `value` and
   * `containerName`, `metricType: Utilization` on the trigger (`metadata.type` is deprecated):
   * kedacore/keda pkg/scalers/cpu_memory_scaler.go.
   * @param percent a whole number greater than 0
   */
  public static cpuUtilization(percent: number, options: ResourceTriggerOptions = {}): KedaTrigger {
    return KedaTrigger.resource('cpu', percent, options);
  }

  /**
   * A `memory` trigger: average memory use as a percentage of the pods' memory requests
   * (see `cpuUtilization`).
   * @param percent a whole number greater than 0
   */
  public static memoryUtilization(percent: number, options: ResourceTriggerOptions = {}): KedaTrigger {
    return KedaTrigger.resource('memory', percent, options);
  }

  /** A `redis` list-length trigger: scale on the pending requests in a queue. */
  public static redisList(options: RedisListTriggerOptions): KedaTrigger {
    requireDefined('options', options, 'the redis trigger options (address, listName)');
    if (typeof options.address !== 'string' || !/^[^\s:/]+:\d{1,5}$/.test(options.address)) {
      throw invalid('address', options.address, 'must be host:port');
    }
    if (typeof options.listName !== 'string' || !options.listName.trim()) throw invalid('listName', options.listName, 'must not be empty');
    const metadata: Record<string, string> = { address: options.address, listName: options.listName };
    if (options.listLength !== undefined) {
      requirePositiveInteger('listLength', options.listLength);
      metadata.listLength = String(options.listLength);
    }
    if (options.activationListLength !== undefined) {
      if (!(Number.isInteger(options.activationListLength) && options.activationListLength >= 0)) {
        throw invalid('activationListLength', options.activationListLength, 'must be a whole number greater than or equal to 0');
      }
      metadata.activationListLength = String(options.activationListLength);
    }
    if (options.enableTls) metadata.enableTLS = 'true';
    const secrets: TriggerSecret[] = [];
    if (options.password) {
      validateSecretRef('password', options.password);
      secrets.push({ parameter: 'password', secret: options.password });
    }
    if (options.name !== undefined) requireTriggerName(options.name);
    return new KedaTrigger('redis', metadata, KedaMetricType.AVERAGE_VALUE, SignalSource.EXTERNAL, secrets, options.name);
  }

  private static resource(resource: 'cpu' | 'memory', percent: number, options: ResourceTriggerOptions): KedaTrigger {
    requirePositiveInteger('percent', percent);
    if (options === null || typeof options !== 'object') throw invalid('options', options, 'must be { containerName?, name? }');
    const metadata: Record<string, string> = { value: String(percent) };
    if (options.containerName !== undefined) {
      if (typeof options.containerName !== 'string') throw invalid('containerName', options.containerName, 'must be a container name');
      requireDnsLabel('containerName', options.containerName);
      metadata.containerName = options.containerName;
    }
    if (options.name !== undefined) requireTriggerName(options.name);
    return new KedaTrigger(resource, metadata, KedaMetricType.UTILIZATION, SignalSource.OWN_PODS, [], options.name, undefined, [], resource);
  }

  /** A `cron` trigger: hold `desiredReplicas` from `start` to `end` (pre-warming, business hours). */
  public static cron(options: CronTriggerOptions): KedaTrigger {
    requireDefined('options', options, 'the cron trigger options (timezone, start, end, desiredReplicas)');
    requireTimezone(options.timezone);
    requireCron('start', options.start, options.timezone);
    requireCron('end', options.end, options.timezone);
    requirePositiveInteger('desiredReplicas', options.desiredReplicas);
    if (options.name !== undefined) requireTriggerName(options.name);
    return new KedaTrigger('cron', {
      timezone: options.timezone,
      start: options.start,
      end: options.end,
      desiredReplicas: String(options.desiredReplicas),
    }, undefined, SignalSource.SCHEDULE, [], options.name);
  }

  private constructor(
    /** The scaler type (`prometheus`, `redis`, `cron`). */
    public readonly type: string,
    /** Scaler metadata, every value a string. */
    public readonly metadata: Readonly<Record<string, string>>,
    /** How the HPA reads the value (undefined for cron, which KEDA handles itself). */
    public readonly metricType: KedaMetricType | undefined,
    /** Whether the signal survives zero replicas. */
    public readonly source: SignalSource,
    /** Secret keys passed through a TriggerAuthentication. */
    public readonly secrets: readonly TriggerSecret[],
    /** The trigger name. */
    public readonly name?: string,
    /** The pool whose series a `prometheus` trigger reads, if any (its PodMonitor is required). */
    public readonly pool?: ServingPool,
    /** ConfigMap keys passed through a TriggerAuthentication (`configMapTargetRef`). */
    public readonly configMaps: readonly TriggerConfigMap[] = [],
    /** The container resource of a `cpu` or `memory` trigger; undefined for the others. */
    public readonly resourceName?: 'cpu' | 'memory',
    /** The recorded series a `prometheus` trigger reads, if any (its rules must be in the App). */
    public readonly recorded?: RecordedMetric,
  ) {}

  /** The PromQL query of a `prometheus` trigger. */
  public get query(): string | undefined {
    return this.type === 'prometheus' ? this.metadata.query : undefined;
  }

  /** A copy with a name (for `scalingModifiers` formulas). */
  public named(name: string): KedaTrigger {
    requireTriggerName(name);
    return new KedaTrigger(this.type, this.metadata, this.metricType, this.source, this.secrets, name, this.pool, this.configMaps, this.resourceName, this.recorded);
  }
}

function prometheusSecrets(auth: PrometheusAuth): TriggerSecret[] {
  if (auth.mode === 'bearer') {
    if (!auth.bearerToken) throw invalid('auth.bearerToken', undefined, 'must be set when auth.mode is bearer');
    validateSecretRef('auth.bearerToken', auth.bearerToken);
    return [{ parameter: 'bearerToken', secret: auth.bearerToken }];
  }
  if (!auth.username || !auth.password) {
    throw invalid(auth.username ? 'auth.password' : 'auth.username', undefined, 'must be set when auth.mode is basic');
  }
  validateSecretRef('auth.username', auth.username);
  validateSecretRef('auth.password', auth.password);
  return [{ parameter: 'username', secret: auth.username }, { parameter: 'password', secret: auth.password }];
}

function requireTriggerName(name: string): void {
  if (name.length > 63 || !TRIGGER_NAME.test(name)) {
    throw invalid('name', name, 'must be a lower-case identifier (letters, digits, \'_\'; a formula would read \'-\' as minus), at most 63 characters');
  }
}

/** A value of a string enum, for calls from plain JavaScript that cast anything in. @internal */
export function requireEnum(prop: string, value: unknown, values: Record<string, string>): void {
  if (!Object.values(values).includes(value as string)) {
    throw invalid(prop, value, `must be one of ${Object.values(values).join(', ')}`);
  }
}

/** Time zones `requireTimezone` accepted: building an Intl.DateTimeFormat costs milliseconds each time. */
const VALID_TIMEZONES = new Set<string>();

function requireTimezone(timezone: string): void {
  if (typeof timezone !== 'string') throw invalid('timezone', timezone, 'must be an IANA time zone, e.g. \'Europe/Berlin\' or \'America/New_York\'');
  if (VALID_TIMEZONES.has(timezone)) return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw invalid('timezone', timezone, 'must be an IANA time zone, e.g. \'Europe/Berlin\' or \'America/New_York\'');
  }
  if (!timezone.includes('/') && timezone !== 'UTC') {
    throw invalid('timezone', timezone, 'must be an IANA time zone, e.g. \'Europe/Berlin\' or \'America/New_York\'');
  }
  // Bounded: a program names a handful of zones; the Set stays small even if it names many.
  if (VALID_TIMEZONES.size < 1000) VALID_TIMEZONES.add(timezone);
}

function requireCron(prop: string, expr: string, timezone: string): void {
  if (typeof expr !== 'string') throw invalid(prop, expr, 'must be a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. \'0 8 * * 1-5\'');
  const fields = expr.trim().split(/\s+/);
  let valid = fields.length === 5;
  if (valid) {
    try {
      CronExpressionParser.parse(expr, { tz: timezone });
    } catch {
      valid = false;
    }
  }
  if (!valid) throw invalid(prop, expr, 'must be a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. \'0 8 * * 1-5\'');
}
