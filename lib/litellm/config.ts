import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { NetworkPeer } from '../network/network-peer';
import { IConstruct } from 'constructs';
import { SecretKeyRef } from '../core/secret-ref';
import type { ModelGroup } from './model-group';

/**
 * LiteLLM router strategies: the six values of `router_settings.routing_strategy`
 * (FACTS §B.3, litellm/router.py).
 * @see https://docs.litellm.ai/docs/routing
 */
export enum RoutingStrategy {
  /** Random, weighted by rpm/tpm. LiteLLM's default and its recommendation. */
  SIMPLE_SHUFFLE = 'simple-shuffle',
  /** The deployment with the fewest requests in flight. */
  LEAST_BUSY = 'least-busy',
  /** Legacy usage-based routing (v1); prefer `USAGE_BASED_ROUTING_V2`. */
  USAGE_BASED_ROUTING = 'usage-based-routing',
  /** The deployment with the lowest recent latency. */
  LATENCY_BASED_ROUTING = 'latency-based-routing',
  /** The cheapest deployment. */
  COST_BASED_ROUTING = 'cost-based-routing',
  /** The deployment with the lowest tpm/rpm usage (needs Redis to be shared across replicas). */
  USAGE_BASED_ROUTING_V2 = 'usage-based-routing-v2',
}

/** Call types LiteLLM's response cache can serve (`cache_params.supported_call_types`, FACTS §B.4). */
export enum CacheCallType {
  COMPLETION = 'acompletion',
  TEXT_COMPLETION = 'atext_completion',
  EMBEDDING = 'aembedding',
  TRANSCRIPTION = 'atranscription',
}

/**
 * Retries per error class (`router_settings.retry_policy`, FACTS §B.3).
 * Each value is a count of retries; unset classes use `numRetries`.
 */
export interface RetryPolicy {
  /** Config key: `AuthenticationErrorRetries`. @default - numRetries */
  readonly authenticationErrorRetries?: number;
  /** Config key: `TimeoutErrorRetries`. @default - numRetries */
  readonly timeoutErrorRetries?: number;
  /** Config key: `RateLimitErrorRetries`. @default - numRetries */
  readonly rateLimitErrorRetries?: number;
  /** Config key: `ContentPolicyViolationErrorRetries`. @default - numRetries */
  readonly contentPolicyViolationErrorRetries?: number;
  /** Config key: `InternalServerErrorRetries`. @default - numRetries */
  readonly internalServerErrorRetries?: number;
  /** Config key: `BadRequestErrorRetries`. @default - numRetries */
  readonly badRequestErrorRetries?: number;
}

/**
 * `router_settings` of LiteLLM's config.yaml. Fallbacks are added with
 * `LiteLLMProxy.addFallback()` so they name model groups as objects.
 * @see https://docs.litellm.ai/docs/proxy/config_settings
 */
export interface RouterSettings {
  /** Config key: `routing_strategy`. @default RoutingStrategy.SIMPLE_SHUFFLE */
  readonly routingStrategy?: RoutingStrategy;
  /** Retries of a failed call before fallbacks. Config key: `num_retries`. @default - LiteLLM's default (3) */
  readonly numRetries?: number;
  /** Timeout of one LLM call. Config key: `timeout`. @default - LiteLLM's default */
  readonly timeout?: Duration;
  /** Failures within a minute before a deployment is cooled down. Config key: `allowed_fails`. @default - LiteLLM's default */
  readonly allowedFails?: number;
  /** How long a failing deployment is taken out of rotation. Config key: `cooldown_time`. @default - LiteLLM's default (5 s) */
  readonly cooldownTime?: Duration;
  /** Check context window and rate limits before routing. Config key: `enable_pre_call_checks`. @default false */
  readonly enablePreCallChecks?: boolean;
  /** Retries per error class. Config key: `retry_policy`. @default - numRetries for every class */
  readonly retryPolicy?: RetryPolicy;
}

/**
 * Redis, referenced not bundled: shared router state across proxy replicas
 * (`router_settings.redis_*`) and the response cache backend (`cache_params`).
 */
export interface RedisConnection {
  /** Host name, e.g. `redis-master.redis.svc.cluster.local`. */
  readonly host: string;
  /** @default 6379 */
  readonly port?: number;
  /** The Redis password. @default - no password */
  readonly password?: SecretKeyRef;
}

/** LiteLLM's response cache, on the proxy's Redis (`litellm_settings.cache` and `cache_params`). */
export interface ResponseCache {
  /** Entry lifetime. Config key: `cache_params.ttl`. @default Duration.hours(1) */
  readonly ttl?: Duration;
  /** Which calls are cached. Config key: `cache_params.supported_call_types`. @default - completion and text completion */
  readonly supportedCallTypes?: CacheCallType[];
}

/**
 * Who creates and migrates LiteLLM's database schema. Someone always does: LiteLLM runs
 * `prisma migrate deploy` from `litellm-proxy-extras` whenever it starts with
 * `DISABLE_SCHEMA_UPDATE` false, and only checks the schema diff when it is true
 * (litellm/proxy/proxy_cli.py `should_update_prisma_schema` → `PrismaManager.setup_database`,
 * FACTS §B.10).
 */
export enum MigrationsBy {
  /**
   * A Job (Argo CD Sync hook, earlier sync wave) runs `litellm --skip_server_startup` with the
   * proxy's image before the proxy rolls; the proxy starts with `DISABLE_SCHEMA_UPDATE=true`.
   * LiteLLM's recommended production pattern (the Helm chart's migrations Job).
   */
  JOB = 'job',
  /**
   * The proxy migrates on start (`DISABLE_SCHEMA_UPDATE=false`, no Job). Every replica runs
   * `prisma migrate deploy` when it starts; Prisma serializes them with an advisory lock.
   */
  PROXY = 'proxy',
  /**
   * Another process owns the schema (a platform pipeline, another LiteLLM install on the same
   * database): no Job, and the proxy starts with `DISABLE_SCHEMA_UPDATE=true`.
   */
  EXTERNAL = 'external',
}

/**
 * PostgreSQL for keys, teams and spend, referenced not bundled: a Secret holding the
 * connection URL (`postgresql://user:password@host:5432/db`), as database operators
 * such as CloudNativePG generate it.
 */
export interface LiteLLMDatabase {
  /** The Secret key holding the full connection URL; becomes `DATABASE_URL`. */
  readonly url: SecretKeyRef;
  /**
   * Who migrates the schema.
   * @default MigrationsBy.JOB
   */
  readonly migrations?: MigrationsBy;
  /**
   * How long the migrations Job may run (`activeDeadlineSeconds`), whole seconds.
   * @default Duration.minutes(15)
   */
  readonly migrationsTimeout?: Duration;
}

/** How Prometheus gets past LiteLLM's `/metrics` auth. */
export enum MetricsAuthKind {
  /** The ServiceMonitor sends a bearer token; the proxy requires auth on `/metrics`. */
  BEARER = 'bearer',
  /** `/metrics` answers without auth (`require_auth_for_metrics_endpoint: false`). */
  UNAUTHENTICATED = 'unauthenticated',
}

/**
 * Auth on the proxy's `/metrics`. Recent LiteLLM requires auth on `/metrics` by default
 * (`litellm_settings.require_auth_for_metrics_endpoint` defaults to true from v1.85.0 per
 * FACTS §B.7 and BerriAI/litellm-docs PR #504; users of 1.84.0 already got 401, issue #27926): a
 * scraper without a key gets 401 and every proxy alert and trigger goes silent. The proxy
 * renders the setting explicitly and `proxy.monitor()` scrapes accordingly, so the two always
 * agree on every version.
 *
 * @example MetricsAuth.masterKey()  // the default
 * @example MetricsAuth.bearerToken({ secretName: 'litellm-metrics', key: 'token' })
 * @example MetricsAuth.unauthenticated()  // with a NetworkPolicy that admits only Prometheus
 * @see https://docs.litellm.ai/docs/proxy/prometheus
 */
export class MetricsAuth {
  /**
   * `/metrics` requires auth; the ServiceMonitor sends the proxy's master key (its `masterKey`
   * Secret, which the prometheus-operator reads in the proxy's namespace) as a bearer token.
   */
  public static masterKey(): MetricsAuth {
    return new MetricsAuth(MetricsAuthKind.BEARER, undefined);
  }

  /**
   * `/metrics` requires auth; the ServiceMonitor sends this Secret key (in the proxy's
   * namespace) as a bearer token: a LiteLLM key that `/metrics` accepts.
   */
  public static bearerToken(token: SecretKeyRef): MetricsAuth {
    return new MetricsAuth(MetricsAuthKind.BEARER, token);
  }

  /**
   * `/metrics` answers without auth: renders `require_auth_for_metrics_endpoint: false`. Pair
   * it with a NetworkPolicy that admits only Prometheus: the metrics carry team, user and key
   * labels.
   */
  public static unauthenticated(): MetricsAuth {
    return new MetricsAuth(MetricsAuthKind.UNAUTHENTICATED, undefined);
  }

  private constructor(
    /** Bearer token or none. */
    public readonly kind: MetricsAuthKind,
    /** The token's Secret; undefined means the master key (or no token at all). */
    public readonly token: SecretKeyRef | undefined,
  ) {}
}

/** `model_info` of a model_list entry (FACTS §B.2). */
export interface ModelInfo {
  /** Config key: `mode`, e.g. `chat`, `embedding`, `completion`. @default - not set */
  readonly mode?: string;
  /** Config key: `base_model` (used for cost and context lookups). @default - not set */
  readonly baseModel?: string;
  /** Config key: `max_tokens`. @default - not set */
  readonly maxTokens?: number;
  /** Config key: `max_input_tokens` (used by pre-call checks and context-window fallbacks). @default - not set */
  readonly maxInputTokens?: number;
  /** Config key: `input_cost_per_token`. @default - not set */
  readonly inputCostPerToken?: number;
  /** Config key: `output_cost_per_token`. @default - not set */
  readonly outputCostPerToken?: number;
}

/**
 * One deployment of a model group: an entry of `model_list`.
 * Several deployments under one `modelName` form a load-balanced group.
 * @see https://docs.litellm.ai/docs/proxy/configs
 */
export interface ModelDeployment {
  /** The public alias clients request (`model_name`), the model group. */
  readonly modelName: string;
  /** The LiteLLM model string (`litellm_params.model`), e.g. `hosted_vllm/meta-llama/Llama-3.1-8B-Instruct`. */
  readonly model: string;
  /** Config key: `litellm_params.api_base`. @default - the provider's default */
  readonly apiBase?: string;
  /** The backend's API key, rendered as `os.environ/<VAR>`. Config key: `litellm_params.api_key`. @default - none */
  readonly apiKey?: SecretKeyRef;
  /** Requests per minute this deployment takes. Config key: `litellm_params.rpm`. @default - unlimited */
  readonly rpm?: number;
  /** Tokens per minute this deployment takes. Config key: `litellm_params.tpm`. @default - unlimited */
  readonly tpm?: number;
  /** Timeout of one call to this deployment. Config key: `litellm_params.timeout`. @default - router timeout */
  readonly timeout?: Duration;
  /**
   * This deployment's share of its model group's traffic under `simple-shuffle` routing
   * (the router picks a deployment at random, weighted by `weight`; litellm/router_strategy/simple_shuffle.py).
   * Set it on every deployment of the group or none. Config key: `litellm_params.weight`.
   * @default - none: rpm/tpm weights, else an even split
   */
  readonly weight?: number;
  /** Concurrent requests this deployment takes. Config key: `litellm_params.max_parallel_requests`. @default - unlimited */
  readonly maxParallelRequests?: number;
  /** Config key: `model_info`. @default - none */
  readonly modelInfo?: ModelInfo;
}

/**
 * Keys the typed model does not cover, merged into each section of config.yaml.
 * A key the typed props already set is refused (one place for each setting), and so is
 * any key that looks like a credential unless its value is an `os.environ/` reference.
 */
export interface LiteLLMConfigOverrides {
  /** Merged into `litellm_settings`. @default - none */
  readonly litellmSettings?: Record<string, unknown>;
  /** Merged into `router_settings`. @default - none */
  readonly routerSettings?: Record<string, unknown>;
  /** Merged into `general_settings`. @default - none */
  readonly generalSettings?: Record<string, unknown>;
}

/**
 * A vLLM server the proxy can route to as `hosted_vllm/<servedModelName>` (FACTS §B.2).
 * `VllmPool` implements it (at its Service) and so does `GatewayInferencePool` (at its
 * Gateway route, with no Service of its own); `LiteLLMProxy.addBackend()` takes it.
 */
export interface HostedVllmBackend extends IConstruct {
  /** The name vLLM serves the model under (`--served-model-name`). */
  readonly servedModelName: string;
  /**
   * The OpenAI base URL: `http://<service>.<namespace>.svc.cluster.local:<port>/v1` for a
   * pool, the Gateway route (`<gateway address><path prefix>/v1`) for a gateway backend.
   */
  readonly url: string;
  /** The Secret the server's API key comes from, if it requires one. */
  readonly apiKey?: SecretKeyRef;
  /**
   * The LoRA adapters the server serves besides its base model (vLLM `--lora-modules`
   * names): `addBackend()` lists each as its own model group `hosted_vllm/<name>`.
   * @default - none
   */
  readonly loraAdapterNames?: readonly string[];
  /**
   * The Service `url` points at, when it is one of the library's: the proxy checks at synth
   * that it is synthesized with the proxy and forwards the port `url` names to `port`.
   * @default - `url` names no Service of the library (a Gateway route)
   */
  readonly service?: kplus.Service;
  /**
   * The port the backend's pods serve on: what a NetworkPolicy admits (policies see pod
   * ports, after the Service's translation). `url` names the Service's port, which may differ.
   * For a gateway backend: the port of the Gateway's data-plane pods.
   */
  readonly port: number;
  /**
   * The backend's pods as a NetworkPolicy peer: a proxy that restricts its egress admits
   * them on `port`. @default - the proxy's egress to this backend is not restricted by pod
   */
  readonly peer?: NetworkPeer;
  /**
   * Admits a peer through the backend's own NetworkPolicy: the proxy calls it with its pods
   * when the backend is added. @default - the backend has no policy of the library's
   */
  allowFrom?(peer: NetworkPeer, reason: string): void;
}

/**
 * One backend listed under one model group by `LiteLLMProxy.addBackend()`, with the
 * `model_info` it was listed with (its per-token prices, for cost alerts).
 */
export interface BackendRoute {
  /** The backend (a `VllmPool`). */
  readonly backend: HostedVllmBackend;
  /** The model group it serves. */
  readonly group: ModelGroup;
  /** Its `model_info`, if any. */
  readonly modelInfo?: ModelInfo;
}

/** How `LiteLLMProxy.addBackend()` lists a backend. */
export interface BackendOptions {
  /** The public alias (model group) clients request. @default - the backend's served model name */
  readonly modelName?: string;
  /** Requests per minute this backend takes. Config key: `litellm_params.rpm`. @default - unlimited */
  readonly rpm?: number;
  /** Tokens per minute this backend takes. Config key: `litellm_params.tpm`. @default - unlimited */
  readonly tpm?: number;
  /** Timeout of one call to this backend. Config key: `litellm_params.timeout`. @default - router timeout */
  readonly timeout?: Duration;
  /**
   * This backend's share of its model group's traffic under `simple-shuffle` routing, e.g. 9
   * and 1 for a 90 % / 10 % split (unlike `rpm`, it caps nothing). Set it on every backend of
   * the group or none. Config key: `litellm_params.weight`.
   * @default - none: rpm/tpm weights, else an even split
   */
  readonly weight?: number;
  /**
   * Concurrent requests this backend takes. Config key: `litellm_params.max_parallel_requests`.
   * @default - unlimited
   */
  readonly maxParallelRequests?: number;
  /** Config key: `model_info`. @default - none */
  readonly modelInfo?: ModelInfo;
}
