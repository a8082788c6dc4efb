import { createHash } from 'crypto';
import { Duration, Lazy, Names, Size, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  BackendOptions, CacheCallType, HostedVllmBackend, LiteLLMConfigOverrides, LiteLLMDatabase, ModelDeployment,
  RedisConnection, ResponseCache, RouterSettings, RoutingStrategy,
} from './config';
import { LiteLLMMigrationsJob } from './litellm-migrations-job';
import { ModelGroup } from './model-group';
import { ScalingBehavior, ScalingBehaviors } from '../autoscaling/behavior';
import { HorizontalAutoscaler } from '../autoscaling/hpa';
import { HpaMetric } from '../autoscaling/hpa-metric';
import { ARGOCD_SYNC_WAVE, SyncWave } from '../core/_argocd';
import { recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { podDisruptionBudget, preferSpread } from '../core/_workload';
import {
  invalid, requireDnsSubdomain, requireHttpUrl, requireNonNegativeInteger, requirePort, requirePositive, requirePositiveInteger,
} from '../core/_validation';
import { hardenedContainer, hardenedPod } from '../core/_security';
import { PodUser } from '../core/pod-user';
import { SecretKeyRef, validateSecretRef } from '../core/secret-ref';
import { LiteLLMMetrics, MetricDefinition } from '../metrics/catalog';
import { MonitorDiscovery } from '../metrics/discovery';
import { ScopedMetric } from '../metrics/scoped-metric';
import { ServiceMetricsMonitor } from '../metrics/service-metrics-monitor';

/** What a fallback names: a model group, or a backend added with `addBackend()` (its group). */
export type FallbackTarget = ModelGroup | HostedVllmBackend;

/** The pinned LiteLLM image (with Prisma, for PostgreSQL). */
export const LITELLM_IMAGE = 'ghcr.io/berriai/litellm-database:main-v1.83.7-stable';
/** LiteLLM's HTTP port (FACTS §B.6). */
export const LITELLM_PORT = 4000;

const CONFIG_DIR = '/etc/litellm';
const CONFIG_KEY = 'config.yaml';
const ENV_MASTER_KEY = 'LITELLM_MASTER_KEY';
const ENV_SALT_KEY = 'LITELLM_SALT_KEY';
const ENV_DATABASE_URL = 'DATABASE_URL';
const ENV_REDIS_PASSWORD = 'REDIS_PASSWORD';
const REDIS_DEFAULT_PORT = 6379;
const CHECKSUM_ANNOTATION = 'checksum/config';
/** Credential-looking keys the escape hatch refuses unless the value is an `os.environ/` reference. */
const SECRET_KEY_PATTERN = /(key|password|secret|token|database_url|credential)/i;

/** Service-level objectives of the proxy: the thresholds of its alerts (`ServingAlerts`). */
export interface ProxySlo {
  /** Share of failed requests (0 to 1) above which the proxy pages. @default 0.05 */
  readonly errorRatio?: number;
}

/** How the proxy is exposed. */
export enum ProxyServiceType {
  /** In-cluster only. */
  CLUSTER_IP = 'ClusterIP',
  /** A cloud load balancer. */
  LOAD_BALANCER = 'LoadBalancer',
}

/**
 * Props of `LiteLLMProxy`.
 */
export interface LiteLLMProxyProps {
  /**
   * The proxy's master key (admin credential), rendered as
   * `general_settings.master_key: os.environ/LITELLM_MASTER_KEY`. Required: a proxy
   * without one serves every caller.
   */
  readonly masterKey: SecretKeyRef;
  /**
   * The salt that encrypts credentials stored in the database (`LITELLM_SALT_KEY`).
   * It must never change once set.
   * @default - none (LiteLLM falls back to the master key)
   */
  readonly saltKey?: SecretKeyRef;
  /** PostgreSQL for keys, teams and spend. @default - no database */
  readonly database?: LiteLLMDatabase;
  /** Redis for shared router state across replicas and the response cache. @default - no Redis */
  readonly redis?: RedisConnection;
  /** LiteLLM's response cache; needs `redis`. @default - no cache */
  readonly cache?: ResponseCache;
  /** `router_settings`. @default - LiteLLM's defaults, simple-shuffle */
  readonly router?: RouterSettings;
  /**
   * The longest a request may take end to end (`litellm_settings.request_timeout`).
   * Also sizes the graceful drain: pods get this long to finish in-flight requests.
   * @default Duration.minutes(10)
   */
  readonly requestTimeout?: Duration;
  /** Drop OpenAI params a backend does not support (`litellm_settings.drop_params`). @default - not set (LiteLLM: false) */
  readonly dropParams?: boolean;
  /**
   * Expose Prometheus metrics on `/metrics` (`litellm_settings.callbacks: ["prometheus"]`).
   * The autoscaling and alerting constructs rely on them.
   * @default true
   */
  readonly prometheusMetrics?: boolean;
  /** Keys the typed props do not cover. @default - none */
  readonly configOverrides?: LiteLLMConfigOverrides;
  /** The container image, pinned. @default LITELLM_IMAGE */
  readonly image?: string;
  /** Replicas when no autoscaler owns the Deployment. @default 2 */
  readonly replicas?: number;
  /** Worker processes per pod (`--num_workers`); LiteLLM recommends one per vCPU. @default 1 */
  readonly numWorkers?: number;
  /** @default ProxyServiceType.CLUSTER_IP */
  readonly serviceType?: ProxyServiceType;
  /**
   * Container requests and limits.
   * @default - cpu 500m request / 2 limit, memory 1Gi request / 4Gi limit
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * How long a terminating pod keeps serving before SIGTERM (preStop sleep), so that
   * endpoint removal reaches every kube-proxy and ingress first and no new request lands
   * on a pod that is shutting down.
   * @default Duration.seconds(15)
   */
  readonly drainDelay?: Duration;
  /** The non-root user (and group) the container runs as. @default 65534 */
  readonly runAsUser?: number;
  /** PodDisruptionBudget `maxUnavailable`. @default 1 */
  readonly maxUnavailable?: number;
  /** Thresholds of the proxy's alerts. @default - the ProxySlo defaults */
  readonly slo?: ProxySlo;
}

/** Options of `LiteLLMProxy.autoscale()`. */
export interface ProxyAutoscaleOptions {
  /** The fewest replicas; two keep the gateway up through a node drain. @default 2 */
  readonly minReplicas?: number;
  /** The most replicas. @default 10 */
  readonly maxReplicas?: number;
  /** Target average CPU use, percent of the CPU request. @default 70 */
  readonly cpuUtilization?: number;
  /** Target average memory use, percent of the memory request. @default 80 */
  readonly memoryUtilization?: number;
  /** How fast to scale up and down. @default ScalingBehaviors.SEED */
  readonly behavior?: ScalingBehavior;
  /**
   * More metrics, e.g. a request-rate `HpaMetric.pods()` served by prometheus-adapter from
   * `litellm_proxy_total_requests_metric_total`. The HPA follows whichever metric asks for
   * the most replicas.
   * @default - none
   */
  readonly extraMetrics?: HpaMetric[];
}

/**
 * A LiteLLM proxy: the OpenAI-compatible gateway in front of model pools.
 *
 * Renders a ConfigMap with `config.yaml` generated from typed props (secrets only as
 * `os.environ/` references), a Deployment that rolls when the config changes, a Service
 * (port `http` 4000), a PodDisruptionBudget, and, with a database, an Argo CD Sync hook
 * Job that migrates the schema before the proxy rolls.
 *
 * @example
 * const proxy = new LiteLLMProxy(chart, 'proxy', {
 *   masterKey: { secretName: 'litellm', key: 'master-key' },
 *   router: { routingStrategy: RoutingStrategy.LEAST_BUSY },
 * });
 * const llama = proxy.addModel({ modelName: 'llama', model: 'hosted_vllm/llama', apiBase: 'http://llama:8000/v1' });
 */
export class LiteLLMProxy extends Construct {
  /** The proxy Deployment (autoscalers target it; when one does, `spec.replicas` is not rendered). */
  public readonly deployment: kplus.Deployment;
  /** The proxy's Service. */
  public readonly service: kplus.Service;
  /** The ConfigMap holding `config.yaml`. */
  public readonly configMap: kplus.ConfigMap;
  /** The schema migration Job, when a database is configured and migrations are on. */
  public readonly migrations?: LiteLLMMigrationsJob;
  /** The namespace of every object. */
  public readonly namespace: string;
  /** The Service port. */
  public readonly port = LITELLM_PORT;
  /** The in-cluster base URL, `http://<service>.<namespace>.svc.cluster.local:4000`. */
  public readonly url: string;
  /** The proxy's SLOs, defaults applied. */
  public readonly slo: Required<ProxySlo>;

  private readonly props: LiteLLMProxyProps;
  private readonly requestTimeout: Duration;
  private readonly container: kplus.Container;
  private readonly models: ModelDeployment[] = [];
  private readonly groups = new Map<string, ModelGroup>();
  private readonly backends = new Map<HostedVllmBackend, ModelGroup[]>();
  private readonly fallbacks: Array<[ModelGroup, ModelGroup[]]> = [];
  private readonly contextWindowFallbacks: Array<[ModelGroup, ModelGroup[]]> = [];
  private readonly secretEnv = new Map<string, SecretKeyRef>();

  public constructor(scope: Construct, id: string, props: LiteLLMProxyProps) {
    super(scope, id);
    this.namespace = requireChartNamespace(this, 'LiteLLMProxy');
    validateProps(props);
    this.props = props;
    this.slo = { errorRatio: props.slo?.errorRatio ?? 0.05 };

    const instance = Names.toLabelValue(this);
    const labels = recommendedLabels('litellm', instance, 'proxy');
    const requestTimeout = this.requestTimeout = props.requestTimeout ?? Duration.minutes(10);
    const image = props.image ?? LITELLM_IMAGE;
    const drainDelay = props.drainDelay ?? Duration.seconds(15);
    const user = props.runAsUser ?? 65534;

    this.configMap = new kplus.ConfigMap(this, 'ConfigMap', { metadata: { labels } });
    // Lazy: models and fallbacks are added after construction (addModel, addFallback).
    this.configMap.addData(CONFIG_KEY, Lazy.any({ produce: () => this.renderConfig() }));

    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: { labels, annotations: { [ARGOCD_SYNC_WAVE]: String(SyncWave.WORKLOADS) } },
      podMetadata: { labels },
      // Unset unless given: cdk8s-plus renders 2, or nothing once an autoscaler owns the Deployment.
      replicas: props.replicas,
      // Grace covers the drain delay, then the longest request, plus a margin to exit.
      terminationGracePeriod: Duration.seconds(drainDelay.toSeconds() + requestTimeout.toSeconds() + 15),
      securityContext: hardenedPod(PodUser.fixed(user)),
      automountServiceAccountToken: false,
    });
    this.deployment.podMetadata.addAnnotation(CHECKSUM_ANNOTATION, Lazy.any({ produce: () => sha256(this.renderConfig()) }));

    this.container = this.deployment.addContainer({
      name: 'litellm',
      image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: ['--config', `${CONFIG_DIR}/${CONFIG_KEY}`, '--port', String(LITELLM_PORT), '--num_workers', String(props.numWorkers ?? 1)],
      ports: [{ name: 'http', number: LITELLM_PORT }],
      envVariables: {
        // The migration Job owns the schema; the proxy must not push it on start (FACTS §B.10).
        DISABLE_SCHEMA_UPDATE: kplus.EnvValue.fromValue(props.database ? 'true' : 'false'),
        HOME: kplus.EnvValue.fromValue('/tmp'),
      },
      // /health makes real LLM calls with a key: never a probe (FACTS §B.7).
      startup: kplus.Probe.fromHttpGet('/health/readiness', {
        port: LITELLM_PORT, periodSeconds: Duration.seconds(10), failureThreshold: 30, timeoutSeconds: Duration.seconds(5),
      }),
      readiness: kplus.Probe.fromHttpGet('/health/readiness', {
        port: LITELLM_PORT, periodSeconds: Duration.seconds(10), failureThreshold: 3, timeoutSeconds: Duration.seconds(5),
      }),
      liveness: kplus.Probe.fromHttpGet('/health/liveliness', {
        port: LITELLM_PORT, periodSeconds: Duration.seconds(15), failureThreshold: 3, timeoutSeconds: Duration.seconds(5),
      }),
      lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', String(drainDelay.toSeconds())]) },
      resources: props.resources ?? {
        cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.units(2) },
        memory: { request: Size.gibibytes(1), limit: Size.gibibytes(4) },
      },
      securityContext: hardenedContainer(PodUser.fixed(user)),
    });
    this.container.mount(CONFIG_DIR, kplus.Volume.fromConfigMap(this, 'ConfigVolume', this.configMap, { name: 'config' }), { readOnly: true });
    // The root filesystem is read-only: Python, Prisma and uvicorn write only under /tmp.
    this.container.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp', { sizeLimit: Size.gibibytes(1) }));

    this.addSecretEnv(ENV_MASTER_KEY, props.masterKey);
    if (props.saltKey) this.addSecretEnv(ENV_SALT_KEY, props.saltKey);
    if (props.database) this.addSecretEnv(ENV_DATABASE_URL, props.database.url);
    if (props.redis?.password) this.addSecretEnv(ENV_REDIS_PASSWORD, props.redis.password);

    preferSpread(this.deployment);

    this.service = new kplus.Service(this, 'Service', {
      metadata: { labels },
      type: props.serviceType === ProxyServiceType.LOAD_BALANCER ? kplus.ServiceType.LOAD_BALANCER : kplus.ServiceType.CLUSTER_IP,
      selector: this.deployment,
      ports: [{ name: 'http', port: LITELLM_PORT, targetPort: LITELLM_PORT }],
    });
    this.url = `http://${this.service.name}.${this.namespace}.svc.cluster.local:${LITELLM_PORT}`;

    podDisruptionBudget(this, this.deployment, labels, props.maxUnavailable ?? 1);

    if (props.database && props.database.runMigrations !== false) {
      this.migrations = new LiteLLMMigrationsJob(this, 'Migrations', {
        image,
        databaseUrl: props.database.url,
        runAsUser: user,
        labels: recommendedLabels('litellm', instance, 'migrations'),
      });
    }

    this.node.addValidation({ validate: () => this.models.length === 0 ? [`'models' ([]) must not be empty: call addModel() or addBackend() on LiteLLMProxy '${this.node.path}' at least once`] : [] });
    this.node.addValidation({ validate: () => this.validateBackends() });
  }

  /**
   * Adds a vLLM server (a `VllmPool`) to the model list as
   * `hosted_vllm/<servedModelName>` at the pool's Service, with its API key from its
   * Secret, and returns the model group. Pools added under the same `modelName` are
   * load-balanced as one group.
   */
  public addBackend(backend: HostedVllmBackend, options: BackendOptions = {}): ModelGroup {
    const group = this.addModel({
      modelName: options.modelName ?? backend.servedModelName,
      model: `hosted_vllm/${backend.servedModelName}`,
      apiBase: backend.url,
      apiKey: backend.apiKey,
      rpm: options.rpm,
      tpm: options.tpm,
      timeout: options.timeout,
      maxParallelRequests: options.maxParallelRequests,
      modelInfo: options.modelInfo,
    });
    const groups = this.backends.get(backend) ?? [];
    if (!groups.includes(group)) groups.push(group);
    this.backends.set(backend, groups);
    return group;
  }

  /**
   * Adds a deployment to the model list and returns its model group. Deployments added
   * under the same `modelName` are load-balanced as one group.
   */
  public addModel(model: ModelDeployment): ModelGroup {
    validateModel(model, this.models.length);
    const duplicate = this.models.find(m => m.modelName === model.modelName && m.model === model.model && m.apiBase === model.apiBase);
    if (duplicate) {
      throw invalid(`models[${this.models.length}].modelName`, model.modelName, `already has a deployment of model ${JSON.stringify(model.model)} at ${JSON.stringify(model.apiBase)}: the same backend twice in one group doubles its share of traffic, remove the duplicate`);
    }
    if (model.apiKey) this.addSecretEnv(secretEnvName(model.apiKey), model.apiKey);
    this.models.push(model);
    let group = this.groups.get(model.modelName);
    if (!group) {
      group = new ModelGroup(model.modelName, this);
      this.groups.set(model.modelName, group);
    }
    return group;
  }

  /**
   * Routes requests for `from` to `to` (in order) when every deployment of `from` fails
   * (`router_settings.fallbacks`).
   */
  public addFallback(from: FallbackTarget, to: FallbackTarget[]): void {
    this.fallbacks.push(this.resolveFallback('fallbacks', this.fallbacks.length, from, to));
  }

  /**
   * Routes requests for `from` that exceed its context window to `to`
   * (`router_settings.context_window_fallbacks`).
   */
  public addContextWindowFallback(from: FallbackTarget, to: FallbackTarget[]): void {
    this.contextWindowFallbacks.push(this.resolveFallback('contextWindowFallbacks', this.contextWindowFallbacks.length, from, to));
  }

  /**
   * Scales the proxy with a HorizontalPodAutoscaler (child id `Autoscaler`) on CPU and
   * memory utilization of the container requests, plus `extraMetrics`. The Deployment then
   * renders no `spec.replicas`; a proxy with a fixed `replicas` is refused. Call it once.
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
   */
  public autoscale(options: ProxyAutoscaleOptions = {}): HorizontalAutoscaler {
    const existing = this.node.tryFindChild('Autoscaler');
    if (existing) {
      throw invalid('autoscale()', existing.node.path, `was already called on LiteLLMProxy '${this.node.path}': one autoscaler per proxy; pass every metric to a single call (extraMetrics)`);
    }
    return new HorizontalAutoscaler(this, 'Autoscaler', {
      target: this,
      minReplicas: options.minReplicas ?? 2,
      maxReplicas: options.maxReplicas ?? 10,
      metrics: [
        HpaMetric.cpuUtilization(options.cpuUtilization ?? 70),
        HpaMetric.memoryUtilization(options.memoryUtilization ?? 80),
        ...(options.extraMetrics ?? []),
      ],
      behavior: options.behavior ?? ScalingBehaviors.SEED,
    });
  }

  /** The model groups served, in the order they were added. */
  public get modelGroups(): ModelGroup[] {
    return [...this.groups.values()];
  }

  /**
   * Scrapes the proxy's `/metrics` (port `http`) with a ServiceMonitor selecting its Service.
   * @param discovery discovery labels (e.g. `{ release: 'kube-prometheus-stack' }`) and interval
   * @param options `authenticate`: send the master key as a bearer token, for a proxy whose
   *   `/metrics` requires auth
   */
  public monitor(discovery: MonitorDiscovery, options: { authenticate?: boolean } = {}): ServiceMetricsMonitor {
    if (this.props.prometheusMetrics === false) {
      throw invalid('prometheusMetrics', false, 'turns /metrics off: a monitor would scrape nothing; remove prometheusMetrics: false');
    }
    return new ServiceMetricsMonitor(this, 'Monitor', {
      service: this.service,
      port: 'http',
      discovery,
      bearerToken: options.authenticate ? this.props.masterKey : undefined,
    });
  }

  /** Requests received (counter), optionally for one model group (`requested_model`). */
  public metricRequests(group?: ModelGroup): ScopedMetric {
    return this.scoped(LiteLLMMetrics.PROXY_TOTAL_REQUESTS, group);
  }

  /** Failed requests (counter), optionally for one model group. */
  public metricFailedRequests(group?: ModelGroup): ScopedMetric {
    return this.scoped(LiteLLMMetrics.PROXY_FAILED_REQUESTS, group);
  }

  /** Requests in flight at the proxy (gauge). */
  public metricInFlightRequests(): ScopedMetric {
    return this.scoped(LiteLLMMetrics.IN_FLIGHT_REQUESTS);
  }

  /** End-to-end request latency in seconds (histogram), optionally for one model group. */
  public metricRequestLatency(group?: ModelGroup): ScopedMetric {
    return this.scoped(LiteLLMMetrics.REQUEST_TOTAL_LATENCY, group);
  }

  /** Deployment health: 0 healthy, 1 partial outage, 2 complete outage (gauge). */
  public metricDeploymentState(): ScopedMetric {
    return this.scoped(LiteLLMMetrics.DEPLOYMENT_STATE);
  }

  /** Failed calls per deployment (counter). */
  public metricDeploymentFailures(): ScopedMetric {
    return this.scoped(LiteLLMMetrics.DEPLOYMENT_FAILURE_RESPONSES);
  }

  /** Successful fallbacks (counter), optionally from one model group. */
  public metricSuccessfulFallbacks(group?: ModelGroup): ScopedMetric {
    return this.scoped(LiteLLMMetrics.DEPLOYMENT_SUCCESSFUL_FALLBACKS, group);
  }

  /** Tokens processed (counter). */
  public metricTotalTokens(): ScopedMetric {
    return this.scoped(LiteLLMMetrics.TOTAL_TOKENS);
  }

  private scoped(definition: MetricDefinition, group?: ModelGroup): ScopedMetric {
    if (group) this.requireOwnGroup('group', group);
    const matchers: Record<string, string> = { namespace: this.namespace };
    if (group) matchers.requested_model = group.name;
    return new ScopedMetric(definition, matchers);
  }

  private resolveFallback(prop: string, index: number, from: FallbackTarget, to: FallbackTarget[]): [ModelGroup, ModelGroup[]] {
    const fromGroup = this.groupOf(`${prop}[${index}].from`, from);
    if (to.length === 0) throw invalid(`${prop}[${index}].to`, [], 'must name at least one model group');
    const toGroups = to.map((target, i) => {
      const group = this.groupOf(`${prop}[${index}].to[${i}]`, target);
      if (group === fromGroup) throw invalid(`${prop}[${index}].to[${i}]`, group.name, 'must differ from the group it falls back from');
      return group;
    });
    return [fromGroup, toGroups];
  }

  /** The model group of a group or of a backend added to this proxy. */
  private groupOf(prop: string, target: FallbackTarget): ModelGroup {
    if (target instanceof ModelGroup) {
      this.requireOwnGroup(prop, target);
      return target;
    }
    const groups = this.backends.get(target);
    if (!groups) {
      throw invalid(prop, target.servedModelName, `is not a backend of LiteLLMProxy '${this.node.path}': add the pool with addBackend() first, so that some backend serves the fallback`);
    }
    if (groups.length > 1) {
      throw invalid(prop, target.servedModelName, `is a backend of several model groups (${groups.map(g => g.name).join(', ')}): pass the model group instead`);
    }
    return groups[0];
  }

  /** Every backend's Service is synthesized with the app and has the port its api_base names. */
  private validateBackends(): string[] {
    const errors: string[] = [];
    for (const backend of this.backends.keys()) {
      const service = backend.service;
      if (service.node.root !== this.node.root) {
        errors.push(`'backends' (${JSON.stringify(backend.servedModelName)}) has its Service '${service.node.path}' in another App: api_base ${backend.url} would name a Service that is not deployed with the proxy`);
      } else if (!service.ports.some(p => p.port === backend.port)) {
        errors.push(`'backends' (${JSON.stringify(backend.servedModelName)}) has no port ${backend.port} on Service '${service.name}': api_base ${backend.url} would not connect`);
      }
    }
    return errors;
  }

  private requireOwnGroup(prop: string, group: ModelGroup): void {
    if (group._proxy !== this || this.groups.get(group.name) !== group) {
      throw invalid(prop, group.name, `is not a model group of LiteLLMProxy '${this.node.path}': add a model to this proxy with addModel() and pass the group it returns`);
    }
  }

  private addSecretEnv(name: string, ref: SecretKeyRef): void {
    const existing = this.secretEnv.get(name);
    if (existing) {
      if (existing.secretName !== ref.secretName || existing.key !== ref.key) {
        throw invalid('apiKey', ref, `maps to environment variable ${name}, already taken by Secret ${existing.secretName} key ${existing.key}: rename the Secret or its key`);
      }
      return;
    }
    this.secretEnv.set(name, ref);
    const secret = kplus.Secret.fromSecretName(this, `Secret${this.secretEnv.size}`, ref.secretName);
    this.container.env.addVariable(name, kplus.EnvValue.fromSecretValue({ secret, key: ref.key }));
  }

  /** The config.yaml document. Only `os.environ/` references stand for secrets. */
  private renderConfig(): string {
    const p = this.props;
    const router = p.router ?? {};
    const redisPort = p.redis?.port ?? REDIS_DEFAULT_PORT;
    const routerSettings: Record<string, unknown> = compact({
      routing_strategy: router.routingStrategy ?? RoutingStrategy.SIMPLE_SHUFFLE,
      num_retries: router.numRetries,
      timeout: router.timeout?.toSeconds(),
      allowed_fails: router.allowedFails,
      cooldown_time: router.cooldownTime?.toSeconds(),
      enable_pre_call_checks: router.enablePreCallChecks,
      retry_policy: router.retryPolicy && compact({
        AuthenticationErrorRetries: router.retryPolicy.authenticationErrorRetries,
        TimeoutErrorRetries: router.retryPolicy.timeoutErrorRetries,
        RateLimitErrorRetries: router.retryPolicy.rateLimitErrorRetries,
        ContentPolicyViolationErrorRetries: router.retryPolicy.contentPolicyViolationErrorRetries,
        InternalServerErrorRetries: router.retryPolicy.internalServerErrorRetries,
        BadRequestErrorRetries: router.retryPolicy.badRequestErrorRetries,
      }),
      fallbacks: renderFallbacks(this.fallbacks),
      context_window_fallbacks: renderFallbacks(this.contextWindowFallbacks),
      redis_host: p.redis?.host,
      redis_port: p.redis ? redisPort : undefined,
      redis_password: p.redis?.password ? envRef(ENV_REDIS_PASSWORD) : undefined,
    });
    const litellmSettings: Record<string, unknown> = compact({
      callbacks: p.prometheusMetrics === false ? undefined : ['prometheus'],
      request_timeout: this.requestTimeout.toSeconds(),
      drop_params: p.dropParams,
      cache: p.cache ? true : undefined,
      cache_params: p.cache && p.redis ? compact({
        type: 'redis',
        host: p.redis.host,
        port: redisPort,
        password: p.redis.password ? envRef(ENV_REDIS_PASSWORD) : undefined,
        ttl: (p.cache.ttl ?? Duration.hours(1)).toSeconds(),
        supported_call_types: p.cache.supportedCallTypes ?? [CacheCallType.COMPLETION, CacheCallType.TEXT_COMPLETION],
      }) : undefined,
    });
    const generalSettings: Record<string, unknown> = compact({
      master_key: envRef(ENV_MASTER_KEY),
      database_url: p.database ? envRef(ENV_DATABASE_URL) : undefined,
    });
    const overrides = p.configOverrides ?? {};
    const config = compact({
      model_list: this.models.map(renderModel),
      litellm_settings: merge('configOverrides.litellmSettings', litellmSettings, overrides.litellmSettings),
      router_settings: merge('configOverrides.routerSettings', routerSettings, overrides.routerSettings),
      general_settings: merge('configOverrides.generalSettings', generalSettings, overrides.generalSettings),
    });
    return Yaml.stringify(config);
  }
}

function renderModel(model: ModelDeployment): Record<string, unknown> {
  const info = model.modelInfo;
  return compact({
    model_name: model.modelName,
    litellm_params: compact({
      model: model.model,
      api_base: model.apiBase,
      api_key: model.apiKey ? envRef(secretEnvName(model.apiKey)) : undefined,
      rpm: model.rpm,
      tpm: model.tpm,
      timeout: model.timeout?.toSeconds(),
      max_parallel_requests: model.maxParallelRequests,
    }),
    model_info: info && compact({
      mode: info.mode,
      base_model: info.baseModel,
      max_tokens: info.maxTokens,
      max_input_tokens: info.maxInputTokens,
      input_cost_per_token: info.inputCostPerToken,
      output_cost_per_token: info.outputCostPerToken,
    }),
  });
}

function renderFallbacks(fallbacks: Array<[ModelGroup, ModelGroup[]]>): Array<Record<string, string[]>> | undefined {
  return fallbacks.length ? fallbacks.map(([from, to]) => ({ [from.name]: to.map(g => g.name) })) : undefined;
}

function envRef(variable: string): string {
  return `os.environ/${variable}`;
}

/** A deterministic environment variable for a Secret key, shared by every use of that key. */
function secretEnvName(ref: SecretKeyRef): string {
  const part = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  return `LITELLM_SECRET_${part(ref.secretName)}_${part(ref.key)}`;
}

function merge(prop: string, typed: Record<string, unknown>, extra?: Record<string, unknown>): Record<string, unknown> | undefined {
  for (const [key, value] of Object.entries(extra ?? {})) {
    if (key in typed) {
      throw invalid(`${prop}.${key}`, value, 'is set by a typed prop of LiteLLMProxy: set it there instead');
    }
    assertNoLiteralSecret(`${prop}.${key}`, key, value);
  }
  const merged = { ...typed, ...extra };
  return Object.keys(merged).length ? merged : undefined;
}

function assertNoLiteralSecret(prop: string, key: string, value: unknown): void {
  if (typeof value === 'string') {
    if (SECRET_KEY_PATTERN.test(key) && !value.startsWith('os.environ/')) {
      throw invalid(prop, '<redacted>', 'looks like a credential: config.yaml takes secrets only as os.environ/<VAR> references to Secret-backed environment variables');
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => assertNoLiteralSecret(`${prop}[${i}]`, key, v));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) assertNoLiteralSecret(`${prop}.${k}`, k, v);
  }
}

function compact<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function validateProps(props: LiteLLMProxyProps): void {
  validateSecretRef('masterKey', props.masterKey);
  if (props.saltKey) validateSecretRef('saltKey', props.saltKey);
  if (props.database) validateSecretRef('database.url', props.database.url);
  if (props.redis) {
    requireDnsSubdomain('redis.host', props.redis.host);
    if (props.redis.port !== undefined) requirePort('redis.port', props.redis.port);
    if (props.redis.password) validateSecretRef('redis.password', props.redis.password);
  }
  if (props.cache && !props.redis) {
    throw invalid('cache', 'set', 'needs \'redis\': the response cache is shared by all replicas through Redis');
  }
  if (props.cache?.ttl) requirePositive('cache.ttl', props.cache.ttl.toSeconds());
  const errorRatio = props.slo?.errorRatio;
  if (errorRatio !== undefined && !(errorRatio > 0 && errorRatio < 1)) {
    throw invalid('slo.errorRatio', errorRatio, 'must be greater than 0 and less than 1');
  }
  if (props.requestTimeout) requirePositive('requestTimeout', props.requestTimeout.toSeconds());
  if (props.drainDelay) requirePositive('drainDelay', props.drainDelay.toSeconds());
  if (props.numWorkers !== undefined) requirePositiveInteger('numWorkers', props.numWorkers);
  if (props.replicas !== undefined) requirePositiveInteger('replicas', props.replicas);
  if (props.maxUnavailable !== undefined) requirePositiveInteger('maxUnavailable', props.maxUnavailable);
  if (props.runAsUser !== undefined) requirePositiveInteger('runAsUser', props.runAsUser);
  const router = props.router ?? {};
  if (router.timeout) requirePositive('router.timeout', router.timeout.toSeconds());
  if (router.cooldownTime) requirePositive('router.cooldownTime', router.cooldownTime.toSeconds());
  if (router.numRetries !== undefined) requireNonNegativeInteger('router.numRetries', router.numRetries);
  if (router.allowedFails !== undefined) requireNonNegativeInteger('router.allowedFails', router.allowedFails);
  for (const [key, value] of Object.entries(router.retryPolicy ?? {})) {
    if (value !== undefined) requireNonNegativeInteger(`router.retryPolicy.${key}`, value);
  }
}

function validateModel(model: ModelDeployment, index: number): void {
  const prop = `models[${index}]`;
  if (!model.modelName.trim()) throw invalid(`${prop}.modelName`, model.modelName, 'must not be empty');
  if (!model.model.trim()) throw invalid(`${prop}.model`, model.model, 'must not be empty');
  if (model.apiBase !== undefined) requireHttpUrl(`${prop}.apiBase`, model.apiBase);
  if (model.apiKey) validateSecretRef(`${prop}.apiKey`, model.apiKey);
  if (model.rpm !== undefined) requirePositiveInteger(`${prop}.rpm`, model.rpm);
  if (model.tpm !== undefined) requirePositiveInteger(`${prop}.tpm`, model.tpm);
  if (model.maxParallelRequests !== undefined) requirePositiveInteger(`${prop}.maxParallelRequests`, model.maxParallelRequests);
  if (model.timeout) requirePositive(`${prop}.timeout`, model.timeout.toSeconds());
}
