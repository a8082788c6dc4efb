import { invalid } from '../core/_validation';

/**
 * Validation of `configOverrides`: the escape hatch for config.yaml keys the typed props do not
 * cover. Every check runs at construction (or, for what settles later, at synth through
 * `node.addValidation`), never while config.yaml is rendered, so an error names the override's
 * own prop path instead of arriving as "Failed serializing construct at path …".
 * @internal
 */

/** The three sections of config.yaml the overrides merge into. @internal */
export type OverrideSection = 'litellmSettings' | 'routerSettings' | 'generalSettings';

/** config.yaml's name of each section. @internal */
export const SECTION_KEY: Record<OverrideSection, string> = {
  litellmSettings: 'litellm_settings',
  routerSettings: 'router_settings',
  generalSettings: 'general_settings',
};

/**
 * `router_settings` keys: `Router.__init__` keyword arguments (FACTS §B.3; litellm/router.py,
 * docs/my-website/docs/proxy/config_settings.md "router_settings - Reference").
 */
const ROUTER_KEYS = [
  'redis_url', 'redis_host', 'redis_port', 'redis_password', 'cache_responses', 'cache_kwargs', 'caching_groups',
  'client_ttl', 'redis_db', 'polling_interval', 'default_priority', 'num_retries', 'max_fallbacks', 'timeout',
  'stream_timeout', 'default_litellm_params', 'default_max_parallel_requests', 'set_verbose', 'debug_level',
  'default_fallbacks', 'fallbacks', 'context_window_fallbacks', 'content_policy_fallbacks', 'model_group_alias',
  'enable_pre_call_checks', 'enable_tag_filtering', 'retry_after', 'retry_policy', 'model_group_retry_policy',
  'allowed_fails', 'allowed_fails_policy', 'cooldown_time', 'disable_cooldowns', 'routing_strategy',
  'optional_pre_call_checks', 'routing_strategy_args', 'provider_budget_config', 'alerting_config',
  'router_general_settings', 'ignore_invalid_deployments', 'assistants_config', 'search_tools', 'model_list',
  'tag_filtering_match_any', 'deployment_affinity_ttl_seconds', 'guardrail_list',
];

/**
 * `litellm_settings` keys (FACTS §B.4, config_settings.md), plus the router keys, which
 * LiteLLM also reads from `litellm_settings` ("settings on router_settings will override those
 * on litellm_settings", FACTS §B.3), plus `require_auth_for_metrics_endpoint` (FACTS §B.7;
 * read as `litellm.require_auth_for_metrics_endpoint` by litellm/proxy/auth route checks).
 */
const LITELLM_KEYS = [
  'callbacks', 'success_callback', 'failure_callback', 'service_callbacks', 'drop_params', 'modify_params',
  'request_timeout', 'json_logs', 'turn_off_message_logging', 'redact_user_api_key_info', 'set_verbose',
  'default_fallbacks', 'context_window_fallbacks', 'content_policy_fallbacks', 'cache', 'cache_params',
  'prometheus_initialize_budget_metrics', 'custom_prometheus_metadata_labels', 'prometheus_metrics_config',
  'enable_end_user_cost_tracking_prometheus_only', 'require_auth_for_metrics_endpoint',
  ...ROUTER_KEYS,
];

/**
 * `general_settings` keys (FACTS §B.5, config_settings.md "general_settings - Reference"),
 * plus `database_connection_pool_timeout` and `key_management_settings`, which
 * litellm/proxy/proxy_cli.py `load_proxy_config` reads from general_settings.
 */
const GENERAL_KEYS = [
  'master_key', 'database_url', 'database_connection_pool_limit', 'database_connection_timeout',
  'database_connection_pool_timeout', 'allow_requests_on_db_unavailable', 'store_model_in_db', 'supported_db_objects',
  'alerting', 'alerting_threshold', 'alert_types', 'background_health_checks', 'health_check_interval',
  'health_check_details', 'max_parallel_requests', 'global_max_parallel_requests', 'proxy_batch_write_at',
  'proxy_budget_rescheduler_min_time', 'proxy_budget_rescheduler_max_time', 'disable_prisma_schema_update',
  'disable_spend_logs', 'disable_spend_updates', 'maximum_spend_logs_retention_period', 'custom_auth',
  'enable_jwt_auth', 'litellm_jwtauth', 'key_management_system', 'key_management_settings', 'user_api_key_cache_ttl',
  'use_x_forwarded_for', 'max_request_size_mb', 'max_response_size_mb', 'allowed_ips', 'ui_access_mode',
  'pass_through_endpoints', 'forward_client_headers_to_llm_api', 'litellm_key_header_name',
];

/** The keys LiteLLM reads in each section, as far as the library knows them. @internal */
export const KNOWN_KEYS: Record<OverrideSection, ReadonlySet<string>> = {
  litellmSettings: new Set(LITELLM_KEYS),
  routerSettings: new Set(ROUTER_KEYS),
  generalSettings: new Set(GENERAL_KEYS),
};

/** Keys a typed prop owns, and where to set them instead. @internal */
export const TYPED_KEYS: Record<OverrideSection, Readonly<Record<string, string>>> = {
  routerSettings: {
    routing_strategy: '\'router.routingStrategy\'',
    num_retries: '\'router.numRetries\'',
    timeout: '\'router.timeout\'',
    allowed_fails: '\'router.allowedFails\'',
    cooldown_time: '\'router.cooldownTime\'',
    enable_pre_call_checks: '\'router.enablePreCallChecks\'',
    retry_policy: '\'router.retryPolicy\'',
    redis_host: '\'redis\'',
    redis_port: '\'redis\'',
    redis_password: '\'redis\'',
  },
  litellmSettings: {
    callbacks: '\'prometheusMetrics\'',
    request_timeout: '\'requestTimeout\'',
    drop_params: '\'dropParams\'',
    cache: '\'cache\'',
    cache_params: '\'cache\'',
    require_auth_for_metrics_endpoint: '\'metricsAuth\'',
  },
  generalSettings: {
    master_key: '\'masterKey\'',
    database_url: '\'database\'',
    disable_prisma_schema_update: '\'database.migrations\'',
  },
};

/** Fallback keys whose values name model groups (FACTS §B.3, §B.4). @internal */
export const GROUP_MAP_FALLBACKS = ['fallbacks', 'context_window_fallbacks', 'content_policy_fallbacks'];
/** `default_fallbacks` is a plain list of model groups (FACTS §B.3). @internal */
export const GROUP_LIST_FALLBACKS = ['default_fallbacks'];

/** Credential-looking keys the escape hatch refuses unless the value is an `os.environ/` reference. */
const SECRET_KEY_PATTERN = /(key|password|secret|token|database_url|credential)/i;

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The known key a misspelt key most likely meant: the same key in snake_case or another case,
 * or one at most two edits away (and at most a third of the key's length).
 * @internal
 */
export function didYouMean(key: string, known: Iterable<string>): string | undefined {
  const snake = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[-\s]+/g, '_').toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    if (candidate === snake) return candidate;
    const d = distance(snake, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= 2 && bestDistance * 3 <= snake.length ? best : undefined;
}

/**
 * Checks one section of the overrides at construction: a plain map, JSON-like values, no key
 * a typed prop owns, no misspelt known key, no literal credential, and fallbacks in LiteLLM's
 * shape. Returns a copy.
 * @internal
 */
export function checkOverrideSection(section: OverrideSection, value: unknown): Record<string, unknown> {
  const prop = `configOverrides.${section}`;
  if (!isPlainObject(value)) throw invalid(prop, value, 'must be a map of config keys to values');
  for (const [key, v] of Object.entries(value)) {
    const keyProp = `${prop}.${key}`;
    const typed = TYPED_KEYS[section][key];
    if (typed) throw invalid(keyProp, v, `belongs to the typed prop ${typed} of LiteLLMProxy: set it there, not in configOverrides (one place for each setting)`);
    if (!KNOWN_KEYS[section].has(key)) {
      const meant = didYouMean(key, KNOWN_KEYS[section]);
      if (meant !== undefined) {
        const owner = TYPED_KEYS[section][meant];
        throw invalid(keyProp, v, `is not a ${SECTION_KEY[section]} key LiteLLM reads: did you mean '${meant}'${owner ? ` (set by the typed prop ${owner})` : ''}?`);
      }
    }
    checkJsonValue(keyProp, v);
    assertNoLiteralSecret(keyProp, key, v);
    if (GROUP_MAP_FALLBACKS.includes(key)) checkFallbackMaps(keyProp, v);
    if (GROUP_LIST_FALLBACKS.includes(key)) checkFallbackList(keyProp, v);
  }
  return { ...value };
}

/** The model groups a fallback override names, with the prop path of each. @internal */
export function fallbackGroupRefs(section: OverrideSection, values: Record<string, unknown>): Array<[string, string]> {
  const refs: Array<[string, string]> = [];
  for (const key of GROUP_MAP_FALLBACKS) {
    const list = values[key];
    if (!Array.isArray(list)) continue;
    list.forEach((entry, i) => {
      for (const [from, to] of Object.entries(entry as Record<string, string[]>)) {
        const at = `configOverrides.${section}.${key}[${i}]`;
        refs.push([at, from]);
        to.forEach((target, j) => refs.push([`${at}.${from}[${j}]`, target]));
      }
    });
  }
  for (const key of GROUP_LIST_FALLBACKS) {
    const list = values[key];
    if (Array.isArray(list)) list.forEach((target, i) => refs.push([`configOverrides.${section}.${key}[${i}]`, target as string]));
  }
  return refs;
}

function checkFallbackMaps(prop: string, value: unknown): void {
  if (!Array.isArray(value)) throw invalid(prop, value, 'must be a list of single-key maps, e.g. [{ "llama": ["qwen"] }] (FACTS §B.3)');
  value.forEach((entry, i) => {
    if (!isPlainObject(entry) || Object.keys(entry).length !== 1) {
      throw invalid(`${prop}[${i}]`, entry, 'must be a map with one key, the model group, to its fallback groups, e.g. { "llama": ["qwen"] }');
    }
    const [[from, to]] = Object.entries(entry);
    if (!Array.isArray(to) || to.length === 0 || !to.every(t => typeof t === 'string')) {
      throw invalid(`${prop}[${i}].${from}`, to, 'must be a non-empty list of model group names');
    }
    if (to.includes(from)) throw invalid(`${prop}[${i}].${from}`, to, `must not fall back from "${from}" to itself`);
  });
}

function checkFallbackList(prop: string, value: unknown): void {
  if (!Array.isArray(value) || !value.every(t => typeof t === 'string')) {
    throw invalid(prop, value, 'must be a list of model group names, e.g. ["claude-opus"] (FACTS §B.3)');
  }
}

/** Values config.yaml can hold as written: strings, finite numbers, booleans, null, lists and maps of them. */
function checkJsonValue(prop: string, value: unknown, depth = 0): void {
  if (depth > 32) throw invalid(prop, '…', 'nests too deeply (more than 32 levels)');
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(prop, value, 'must be a finite number: YAML would render it as a special float LiteLLM does not expect');
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkJsonValue(`${prop}[${i}]`, v, depth + 1));
    return;
  }
  if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) checkJsonValue(`${prop}.${k}`, v, depth + 1);
    return;
  }
  throw invalid(prop, value, 'must be a string, finite number, boolean, null, list or map: config.yaml holds plain values');
}

function assertNoLiteralSecret(prop: string, key: string, value: unknown): void {
  if (typeof value === 'string') {
    // `litellm_key_header_name` and the like name a header or a Secret, they hold none.
    if (SECRET_KEY_PATTERN.test(key) && !key.endsWith('_name') && !value.startsWith('os.environ/')) {
      throw invalid(prop, '<redacted>', 'looks like a credential: config.yaml takes secrets only as os.environ/<VAR> references to Secret-backed environment variables');
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => assertNoLiteralSecret(`${prop}[${i}]`, key, v));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) assertNoLiteralSecret(`${prop}.${k}`, k, v);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
