import { createHash } from 'crypto';
import { ApiObject, Duration, JsonPatch, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { formatVersion, requireHardenedImage, resolveImage } from './_image';
import { checkOverrideSection, fallbackGroupRefs, OverrideSection } from './_overrides';
import {
  litellmWritableDirs, LITELLM_MIGRATION_DIR_ENV, millisOf, requireBoolean, requireCount, requireEnum, requireLiteralName,
  requirePositiveNumber, requireResources, requireSecretRefProp, secondsOf,
} from './_runtime';
import {
  BackendOptions, BackendRoute, CacheCallType, HostedVllmBackend, LiteLLMConfigOverrides, LiteLLMDatabase, MetricsAuth, MetricsAuthKind,
  MigrationsBy, ModelDeployment, ModelInfo, RedisConnection, ResponseCache, RouterSettings, RoutingStrategy,
} from './config';
import { LITELLM_DEFAULT_UID, LiteLLMMigrationsJob } from './litellm-migrations-job';
import { ModelGroup } from './model-group';
import { ScalingBehavior, ScalingBehaviors } from '../autoscaling/behavior';
import { HorizontalAutoscaler } from '../autoscaling/hpa';
import { HpaMetric } from '../autoscaling/hpa-metric';
import { recommendedLabels, LABEL_COMPONENT, LABEL_INSTANCE, LABEL_NAME } from '../core/_labels';
import { baseName, claimName } from '../core/_naming';
import { requireChartNamespace } from '../core/_namespace';
import { sessionMemo } from '../core/_synth-session';
import { stringifyManifest } from '../delivery/_yaml';
import { requireDefined } from '../core/_units';
import { podDisruptionBudget, preferSpread, selectByLabels } from '../core/_workload';
import { invalid, requireDnsSubdomain, requireHttpUrl, requirePort } from '../core/_validation';
import { hardenedContainer, hardenedPod } from '../core/_security';
import { PodUser, requirePodUser } from '../core/pod-user';
import { SecretKeyRef } from '../core/secret-ref';
import { LiteLLMMetrics, MetricDefinition } from '../metrics/catalog';
import { MonitorDiscovery, validateDiscovery } from '../metrics/discovery';
import { ScopedMetric } from '../metrics/scoped-metric';
import { ServiceMetricsMonitor } from '../metrics/service-metrics-monitor';
import { NetworkPeer, requireNetworkPeer } from '../network/network-peer';
import { WorkloadNetworkPolicy } from '../network/workload-network-policy';

/** What a fallback names: a model group, or a backend added with `addBackend()` (its group). */
export type FallbackTarget = ModelGroup | HostedVllmBackend;

/**
 * The pinned LiteLLM image: `litellm-database` v1.93.0, the first release of the main line that
 * bakes the Prisma CLI and engines at `/opt/prisma` for any uid (BerriAI/litellm PR #33853;
 * release v1.93.0 at 052b5a2, 2026-07-19; BerriAI/litellm-docs PR #603), so it starts as uid
 * 65534 on a read-only root filesystem. Its tag follows the PEP 440 scheme used from 1.84.0
 * (`vX.Y.Z`, BerriAI/litellm-docs PR #127).
 */
export const LITELLM_IMAGE = 'ghcr.io/berriai/litellm-database:v1.93.0';
/** LiteLLM's HTTP port in the container (`--port`, FACTS §B.6). */
export const LITELLM_PORT = 4000;

const DEFAULT_NAME = 'litellm';
const CONFIG_DIR = '/etc/litellm';
const CONFIG_KEY = 'config.yaml';
const ENV_MASTER_KEY = 'LITELLM_MASTER_KEY';
const ENV_SALT_KEY = 'LITELLM_SALT_KEY';
const ENV_DATABASE_URL = 'DATABASE_URL';
const ENV_REDIS_PASSWORD = 'REDIS_PASSWORD';
const REDIS_DEFAULT_PORT = 6379;
const CHECKSUM_ANNOTATION = 'checksum/config';
const MONITOR_ID = 'Monitor';
const SERVICE_PORT_NAME = 'http';

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
   * The base name of every object: Deployment `<name>`, ConfigMap `<name>-config`, Service
   * `<serviceName ?? name>`, PodDisruptionBudget `<name>`, migrations Job `<name>-migrations`,
   * ServiceMonitor `<name>`; also the `app.kubernetes.io/instance` label. A DNS-1035 label.
   * @default 'litellm'
   */
  readonly name?: string;
  /** The Service's name (clients reach `<serviceName>.<namespace>.svc`). @default - the name */
  readonly serviceName?: string;
  /** @default ProxyServiceType.CLUSTER_IP */
  readonly serviceType?: ProxyServiceType;
  /**
   * The Service port; it forwards to the container's port 4000 (e.g. a LoadBalancer on 80).
   * Kubernetes name: `spec.ports[0].port`.
   * @default 4000
   */
  readonly port?: number;
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
  /** PostgreSQL for keys, teams and spend, and who migrates its schema. @default - no database */
  readonly database?: LiteLLMDatabase;
  /** Redis for shared router state across replicas and the response cache. @default - no Redis */
  readonly redis?: RedisConnection;
  /** LiteLLM's response cache; needs `redis`. @default - no cache */
  readonly cache?: ResponseCache;
  /** `router_settings`. @default - LiteLLM's defaults, simple-shuffle */
  readonly router?: RouterSettings;
  /**
   * The longest a request may take end to end (`litellm_settings.request_timeout`, whole
   * seconds). Also sizes the graceful drain: pods get this long to finish in-flight requests.
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
  /**
   * Auth on `/metrics`, rendered in config.yaml and applied by `monitor()`: from LiteLLM
   * v1.85.0 `/metrics` requires auth by default, and a scraper without a key gets 401.
   * @default MetricsAuth.masterKey()
   */
  readonly metricsAuth?: MetricsAuth;
  /**
   * Keys the typed props do not cover. A key a typed prop owns, a misspelt known key, a literal
   * credential or a fallback naming a model group the proxy does not serve is refused.
   * @default - none
   */
  readonly configOverrides?: LiteLLMConfigOverrides;
  /**
   * The container image, pinned by a release tag or a digest. A non-root user with a
   * read-only root filesystem needs a release with BerriAI/litellm PR #33853 (root-built
   * images) or the non_root image; an image known not to start that way is refused.
   * @default LITELLM_IMAGE
   */
  readonly image?: string;
  /**
   * The LiteLLM version of `image` (`1.93.0`), for an image whose tag names none (a custom
   * build, a digest). Config keys and hardening are gated on it.
   * @default - parsed from the image tag (`v1.93.0`, `1.93.0`, `main-v1.83.7-stable`)
   */
  readonly version?: string;
  /** Replicas when no autoscaler owns the Deployment. @default 2 */
  readonly replicas?: number;
  /** Worker processes per pod (`--num_workers`); LiteLLM recommends one per vCPU. @default 1 */
  readonly numWorkers?: number;
  /**
   * Container requests and limits.
   * @default - cpu 500m request / 2 limit, memory 1Gi request / 4Gi limit
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * How long a terminating pod keeps serving before SIGTERM (preStop sleep, whole seconds), so
   * that endpoint removal reaches every kube-proxy and ingress first and no new request lands
   * on a pod that is shutting down.
   * @default Duration.seconds(15)
   */
  readonly drainDelay?: Duration;
  /**
   * The user the proxy and the migrations Job run as. The default is `nobody` (65534), the user
   * of the non_root image (docker/Dockerfile.non_root `USER nobody`); root-built images from
   * PR #33853 on run as any uid. `PodUser.platformAssigned()` for OpenShift `restricted-v2`.
   * @default PodUser.fixed(65534)
   */
  readonly user?: PodUser;
  /** PodDisruptionBudget `maxUnavailable`. @default 1 */
  readonly maxUnavailable?: number;
  /** Thresholds of the proxy's alerts. @default - the ProxySlo defaults */
  readonly slo?: ProxySlo;
  /**
   * The proxy's NetworkPolicy (and its migrations Job's): ingress on the proxy port only from
   * the named peers and the Prometheus that scrapes it; optionally egress only to DNS, its
   * backends, its database and Redis, and provider APIs.
   * @default - on: ingress from pods of the proxy's own namespace (a LoadBalancer Service must name its sources); egress open
   */
  readonly network?: ProxyNetworkOptions;
}

/** The NetworkPolicies of a `LiteLLMProxy`. */
export interface ProxyNetworkOptions {
  /** Render the NetworkPolicies. @default true */
  readonly enabled?: boolean;
  /**
   * Who may call the proxy: an ingress controller's namespace
   * (`NetworkPeer.namespace('ingress-nginx')`), in-cluster clients, a load balancer's source
   * ranges, or `NetworkPeer.anywhere()` to open it. Required for a LoadBalancer Service:
   * its traffic does not come from pods of the namespace.
   * @default - every pod of the proxy's namespace
   */
  readonly allowFrom?: NetworkPeer[];
  /**
   * Restrict egress: cluster DNS, the backends added with `addBackend()` (derived), and the
   * peers below. The migrations Job then reaches only DNS and the database.
   * @default false
   */
  readonly restrictEgress?: boolean;
  /** With `restrictEgress` and a database: where PostgreSQL runs. Required then. @default - none */
  readonly database?: NetworkPeer;
  /** PostgreSQL's port. @default 5432 */
  readonly databasePort?: number;
  /** With `restrictEgress` and Redis: where Redis runs. Required then. @default - none */
  readonly redis?: NetworkPeer;
  /**
   * With `restrictEgress`: HTTPS (443) to any address, for hosted provider APIs added with
   * `addModel()` (OpenAI, Anthropic, Bedrock ...). @default false
   */
  readonly providerApis?: boolean;
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

/** A model_list entry as rendered, converted and checked when it was added. */
interface RenderedModel {
  readonly modelName: string;
  readonly model: string;
  readonly apiBase?: string;
  readonly entry: Record<string, unknown>;
}

/**
 * A LiteLLM proxy: the OpenAI-compatible gateway in front of model pools.
 *
 * Renders a ConfigMap with `config.yaml` generated from typed props (secrets only as
 * `os.environ/` references), a Deployment that rolls when the config changes, a Service
 * (port `http`), a PodDisruptionBudget, and, with a database, an Argo CD Sync hook Job that
 * migrates the schema before the proxy rolls. Every object is named from `name` (default
 * `litellm`), never from the construct path.
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
  /** The schema migration Job, when a database is configured and `MigrationsBy.JOB` migrates it. */
  public readonly migrations?: LiteLLMMigrationsJob;
  /** The base name of every object, and the `app.kubernetes.io/instance` label. */
  public readonly name: string;
  /** The namespace of every object. */
  public readonly namespace: string;
  /** The Service port (`url` uses it). */
  public readonly port: number;
  /** The in-cluster base URL, `http://<service>.<namespace>.svc.cluster.local:<port>`. */
  public readonly url: string;
  /** The container image. */
  public readonly image: string;
  /** The LiteLLM version of the image, `major.minor.patch`. */
  public readonly version: string;
  /** The labels of the proxy's pods (NetworkPolicies and monitors select by them). */
  public readonly podLabels: Readonly<Record<string, string>>;
  /** Who migrates the database schema; undefined without a database. */
  public readonly migrationsBy?: MigrationsBy;
  /** Auth on `/metrics`. */
  public readonly metricsAuth: MetricsAuth;
  /** The proxy's NetworkPolicy, unless `network.enabled` is false. */
  public readonly networkPolicy?: WorkloadNetworkPolicy;
  /** The proxy's SLOs, defaults applied. */
  public readonly slo: Required<ProxySlo>;

  private readonly props: LiteLLMProxyProps;
  private readonly requireMetricsAuthSetting: boolean | undefined;
  private readonly routerSettings: Record<string, unknown>;
  private readonly litellmSettings: Record<string, unknown>;
  private readonly generalSettings: Record<string, unknown>;
  private readonly overrides: Partial<Record<OverrideSection, Record<string, unknown>>> = {};
  private readonly container: kplus.Container;
  private readonly models: RenderedModel[] = [];
  /** `[modelName, model, apiBase]` of every model, to refuse a duplicate. */
  private readonly modelKeys = new Set<string>();
  private readonly groups = new Map<string, ModelGroup>();
  private readonly backendGroups = new Map<HostedVllmBackend, ModelGroup[]>();
  private readonly loraGroupsOf = new Map<HostedVllmBackend, Map<string, ModelGroup>>();
  private readonly loraGroupNames = new Set<string>();
  private readonly routes: BackendRoute[] = [];
  private readonly fallbacks: Array<[ModelGroup, ModelGroup[]]> = [];
  private readonly contextWindowFallbacks: Array<[ModelGroup, ModelGroup[]]> = [];
  private readonly secretEnv = new Map<string, SecretKeyRef>();
  private monitorInstance?: ServiceMetricsMonitor;

  public constructor(scope: Construct, id: string, props: LiteLLMProxyProps) {
    super(scope, id);
    const p: LiteLLMProxyProps = props ?? ({} as LiteLLMProxyProps);
    this.namespace = requireChartNamespace(this, 'LiteLLMProxy');
    const masterKey = requireSecretRefProp('masterKey', p.masterKey, 'the proxy\'s admin credential (without one the proxy serves every caller)');
    this.props = p;

    this.name = baseName(this, 'name', p.name === undefined ? DEFAULT_NAME : p.name);
    const serviceName = baseName(this, 'serviceName', p.serviceName === undefined ? this.name : p.serviceName);
    this.port = p.port === undefined ? LITELLM_PORT : requirePortProp('port', p.port);
    const serviceType = p.serviceType === undefined ? ProxyServiceType.CLUSTER_IP
      : requireEnum('serviceType', p.serviceType, ProxyServiceType, 'ProxyServiceType');
    const user = p.user === undefined ? PodUser.fixed(LITELLM_DEFAULT_UID) : requirePodUser('user', p.user);
    refuseRenamedProps(p);

    const database = p.database === undefined ? undefined : checkDatabase(p.database);
    this.migrationsBy = database?.migrations;
    if (database?.migrations === MigrationsBy.JOB && this.name.length > 52) {
      throw invalid('name', this.name, `is too long for the migrations Job '${this.name}-migrations' (a Job name is at most 63 characters): use at most 52 characters`);
    }
    const resolved = resolveImage(p.image === undefined ? LITELLM_IMAGE : p.image, p.version);
    requireHardenedImage(resolved, database !== undefined && database.migrations !== MigrationsBy.EXTERNAL);
    this.image = resolved.image;
    this.version = formatVersion(resolved.version);

    const prometheusMetrics = p.prometheusMetrics === undefined ? true : requireBoolean('prometheusMetrics', p.prometheusMetrics);
    this.metricsAuth = p.metricsAuth === undefined ? MetricsAuth.masterKey() : requireMetricsAuth(p.metricsAuth);
    // Rendered explicitly either way. `/metrics` requires auth by default from v1.85.0 per
    // BerriAI/litellm-docs PR #504 (commit 35bbca60, FACTS §B.7), but users of 1.84.0 already got
    // 401 without a key (BerriAI/litellm issue #27926); before that the default was false (the key
    // exists since PR #9766). An explicit value is right on every version and never a silent 401.
    this.requireMetricsAuthSetting = prometheusMetrics ? this.metricsAuth.kind === MetricsAuthKind.BEARER : undefined;

    const requestTimeout = secondsOf('requestTimeout', p.requestTimeout ?? Duration.minutes(10));
    const drainDelay = secondsOf('drainDelay', p.drainDelay ?? Duration.seconds(15));
    const replicas = p.replicas === undefined ? undefined : requireCount('replicas', p.replicas, 1, 2147483647);
    const numWorkers = p.numWorkers === undefined ? 1 : requireCount('numWorkers', p.numWorkers, 1);
    const maxUnavailable = p.maxUnavailable === undefined ? 1 : requireCount('maxUnavailable', p.maxUnavailable, 1, 2147483647);
    this.slo = { errorRatio: p.slo?.errorRatio === undefined ? 0.05 : requireRatio('slo.errorRatio', p.slo.errorRatio) };
    const saltKey = p.saltKey === undefined ? undefined : requireSecretRefProp('saltKey', p.saltKey, 'the credential salt');
    const redis = p.redis === undefined ? undefined : checkRedis(p.redis);
    if (p.cache !== undefined && !redis) {
      throw invalid('cache', 'set', 'needs \'redis\': the response cache is shared by all replicas through Redis');
    }
    if (p.dropParams !== undefined) requireBoolean('dropParams', p.dropParams);
    const resources = p.resources !== undefined ? requireResources('resources', p.resources) : {
      cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.units(2) },
      memory: { request: Size.gibibytes(1), limit: Size.gibibytes(4) },
    };

    this.routerSettings = renderRouterSettings(p.router, redis);
    this.litellmSettings = compact({
      callbacks: prometheusMetrics ? ['prometheus'] : undefined,
      require_auth_for_metrics_endpoint: this.requireMetricsAuthSetting,
      request_timeout: requestTimeout,
      drop_params: p.dropParams,
      ...(p.cache !== undefined && redis ? renderCache(p.cache, redis) : {}),
    });
    this.generalSettings = compact({
      master_key: envRef(ENV_MASTER_KEY),
      database_url: database ? envRef(ENV_DATABASE_URL) : undefined,
    });
    this.checkOverrides(p.configOverrides);

    const labels = recommendedLabels('litellm', this.name, 'proxy');
    const selector = { [LABEL_NAME]: labels[LABEL_NAME], [LABEL_INSTANCE]: labels[LABEL_INSTANCE], [LABEL_COMPONENT]: labels[LABEL_COMPONENT] };
    this.podLabels = { ...labels };
    const namespace = this.namespace;
    // Claimed up front, the Deployment first: a clash names the proxy's own name.
    const deploymentName = claimName(this, 'Deployment', this.name, namespace);
    claimName(this, 'Service', serviceName, namespace, p.serviceName === undefined ? 'name' : 'serviceName');
    const configMapName = claimName(this, 'ConfigMap', `${this.name}-config`, namespace);
    const pdbName = claimName(this, 'PodDisruptionBudget', this.name, namespace);

    this.configMap = new kplus.ConfigMap(this, 'ConfigMap', {
      metadata: { name: configMapName, labels },
    });
    // Lazy: models and fallbacks are added after construction (addModel, addFallback). Every
    // value was checked when it was set, so rendering cannot fail.
    this.configMap.addData(CONFIG_KEY, Lazy.any({ produce: () => this.renderConfig() }));

    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: { name: deploymentName, labels },
      podMetadata: { labels },
      select: false,
      // Unset unless given: cdk8s-plus renders 2, or nothing once an autoscaler owns the Deployment.
      replicas,
      // Grace covers the drain delay, then the longest request, plus a margin to exit.
      terminationGracePeriod: Duration.seconds(drainDelay + requestTimeout + 15),
      securityContext: hardenedPod(user),
      automountServiceAccountToken: false,
    });
    // Select by the library's stable labels, never by cdk8s-plus's label hashed from the
    // construct path (an immutable selector would break on any refactor of the construct tree).
    selectByLabels(this.deployment, selector);
    this.deployment.podMetadata.addAnnotation(CHECKSUM_ANNOTATION, Lazy.any({ produce: () => sha256(this.renderConfig()) }));

    const migratesOnStart = database?.migrations === MigrationsBy.PROXY;
    this.container = this.deployment.addContainer({
      name: 'litellm',
      image: this.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: ['--config', `${CONFIG_DIR}/${CONFIG_KEY}`, '--port', String(LITELLM_PORT), '--num_workers', String(numWorkers)],
      ports: [{ name: SERVICE_PORT_NAME, number: LITELLM_PORT }],
      envVariables: {
        // false: LiteLLM runs `prisma migrate deploy` on start; true: it only checks the schema
        // diff (proxy_cli.py should_update_prisma_schema, FACTS §B.10). Without a database the
        // value is moot; false keeps LiteLLM's default.
        DISABLE_SCHEMA_UPDATE: kplus.EnvValue.fromValue(database && !migratesOnStart ? 'true' : 'false'),
        ...(database ? { [LITELLM_MIGRATION_DIR_ENV]: kplus.EnvValue.fromValue(litellmWritableDirs.migrations) } : {}),
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
      lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', String(drainDelay)]) },
      resources,
      securityContext: hardenedContainer(user),
    });
    this.container.mount(CONFIG_DIR, kplus.Volume.fromConfigMap(this, 'ConfigVolume', this.configMap, { name: 'config' }), { readOnly: true });
    // The root filesystem is read-only: LiteLLM, Prisma and npm write only here.
    for (const dir of litellmWritableDirs.all) {
      this.container.mount(dir.path, kplus.Volume.fromEmptyDir(this, `${dir.volume}-volume`, dir.volume, { sizeLimit: dir.sizeLimit }));
    }

    this.addSecretEnv('masterKey', ENV_MASTER_KEY, masterKey);
    if (saltKey) this.addSecretEnv('saltKey', ENV_SALT_KEY, saltKey);
    if (database) this.addSecretEnv('database.url', ENV_DATABASE_URL, database.url);
    if (redis?.password) this.addSecretEnv('redis.password', ENV_REDIS_PASSWORD, redis.password);

    preferSpread(this.deployment);

    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: serviceName, labels },
      type: serviceType === ProxyServiceType.LOAD_BALANCER ? kplus.ServiceType.LOAD_BALANCER : kplus.ServiceType.CLUSTER_IP,
      selector: kplus.Pods.select(this, 'Pods', { labels: selector }),
      ports: [{ name: SERVICE_PORT_NAME, port: this.port, targetPort: LITELLM_PORT }],
    });
    if (serviceType === ProxyServiceType.LOAD_BALANCER) {
      // The proxy's NetworkPolicy admits named sources: with the default `Cluster` policy a
      // node forwarding to a pod on another node replaces the client's address with its own,
      // so a policy naming the clients' CIDRs would see node addresses. `Local` keeps it
      // (https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#preserving-the-client-source-ip).
      ApiObject.of(this.service).addJsonPatch(JsonPatch.add('/spec/externalTrafficPolicy', 'Local'));
    }
    this.url = `http://${serviceName}.${namespace}.svc.cluster.local:${this.port}`;

    podDisruptionBudget(this, pdbName, this.deployment, labels, maxUnavailable);

    if (database && database.migrations === MigrationsBy.JOB) {
      const jobName = `${this.name}-migrations`;
      this.migrations = new LiteLLMMigrationsJob(this, 'Migrations', {
        name: jobName,
        image: this.image,
        databaseUrl: database.url,
        user,
        labels: recommendedLabels('litellm', this.name, 'migrations'),
        timeout: database.migrationsTimeout,
      });
    }

    this.networkPolicy = this.renderNetworkPolicies(p.network, serviceType, labels, database !== undefined, redis?.port ?? REDIS_DEFAULT_PORT, redis !== undefined);

    this.node.addValidation({ validate: () => this.models.length === 0 ? [`'models' ([]) must not be empty: call addModel() or addBackend() on LiteLLMProxy '${this.node.path}' at least once`] : [] });
    this.node.addValidation({ validate: () => this.validateBackends() });
    this.node.addValidation({ validate: () => this.validateWeights() });
    this.node.addValidation({ validate: () => this.validateOverrideFallbacks() });
  }

  /**
   * `weight` splits a group only under simple-shuffle, and only when every deployment of the
   * group has one: LiteLLM reads the first deployment's weight and gives the others 0
   * (litellm/router_strategy/simple_shuffle.py), so a partial set starves or ignores some.
   */
  private validateWeights(): string[] {
    const errors: string[] = [];
    const strategy = this.routerSettings.routing_strategy;
    const groups = new Map<string, RenderedModel[]>();
    for (const m of this.models) {
      const group = groups.get(m.modelName);
      if (group) group.push(m);
      else groups.set(m.modelName, [m]);
    }
    this.models.forEach((m, i) => {
      const weighted = (m.entry.litellm_params as Record<string, unknown>).weight !== undefined;
      if (weighted && strategy !== RoutingStrategy.SIMPLE_SHUFFLE) {
        errors.push(`'models[${i}].weight' (${(m.entry.litellm_params as Record<string, unknown>).weight}) is read only by the simple-shuffle routing strategy, not ${String(strategy)}: drop it or route with RoutingStrategy.SIMPLE_SHUFFLE`);
      }
      const group = groups.get(m.modelName)!;
      if (weighted && group.some(o => (o.entry.litellm_params as Record<string, unknown>).weight === undefined)) {
        errors.push(`'models[${i}].weight' (${(m.entry.litellm_params as Record<string, unknown>).weight}) is set on only some deployments of model group ${JSON.stringify(m.modelName)}: LiteLLM then gives the others weight 0 or ignores every weight; set it on all of them`);
      }
    });
    return errors;
  }

  /** The proxy's pods as a NetworkPolicy peer (its stable selector labels in its namespace). */
  public get peer(): NetworkPeer {
    return NetworkPeer.pods(this.namespace, { ...this.deployment.matchLabels });
  }

  private renderNetworkPolicies(options: ProxyNetworkOptions | undefined, serviceType: ProxyServiceType, labels: Record<string, string>,
    hasDatabase: boolean, redisPort: number, hasRedis: boolean): WorkloadNetworkPolicy | undefined {
    if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
      throw invalid('network', options, 'must be ProxyNetworkOptions { enabled?, allowFrom?, restrictEgress?, database?, databasePort?, redis?, providerApis? }');
    }
    const o = options ?? {};
    const enabled = o.enabled === undefined ? true : requireBoolean('network.enabled', o.enabled);
    if (!enabled) return undefined;
    const restrictEgress = o.restrictEgress === undefined ? false : requireBoolean('network.restrictEgress', o.restrictEgress);
    const providerApis = o.providerApis === undefined ? false : requireBoolean('network.providerApis', o.providerApis);
    if (o.allowFrom !== undefined && !Array.isArray(o.allowFrom)) throw invalid('network.allowFrom', o.allowFrom, 'must be a list of NetworkPeer');
    const allowFrom = (o.allowFrom ?? []).map((peer, i) => requireNetworkPeer(`network.allowFrom[${i}]`, peer));
    if (serviceType === ProxyServiceType.LOAD_BALANCER && o.allowFrom === undefined) {
      throw invalid('network.allowFrom', undefined, 'must name who may call a LoadBalancer proxy: its traffic does not come from pods of the namespace. Use NetworkPeer.anywhere() (and restrict the load balancer\'s source ranges), the load balancer\'s CIDRs with NetworkPeer.ipBlock(), or set network.enabled to false');
    }
    const database = o.database === undefined ? undefined : requireNetworkPeer('network.database', o.database);
    const redis = o.redis === undefined ? undefined : requireNetworkPeer('network.redis', o.redis);
    const databasePort = o.databasePort ?? 5432;
    requirePort('network.databasePort', databasePort);
    if (restrictEgress && hasDatabase && !database) {
      throw invalid('network.database', undefined, 'must name where PostgreSQL runs when egress is restricted, e.g. NetworkPeer.pods(\'postgres\', { \'cnpg.io/cluster\': \'litellm\' }), or the proxy could not reach its database');
    }
    if (restrictEgress && hasRedis && !redis) {
      throw invalid('network.redis', undefined, 'must name where Redis runs when egress is restricted, e.g. NetworkPeer.namespace(\'redis\'), or the proxy could not reach it');
    }

    const policy = new WorkloadNetworkPolicy(this, 'NetworkPolicy', { name: this.name, podLabels: this.deployment.matchLabels, labels, restrictEgress });
    const sources = o.allowFrom === undefined ? [NetworkPeer.namespace(this.namespace)] : allowFrom;
    sources.forEach((peer, i) => policy.allowFrom(peer, [{ port: LITELLM_PORT }], o.allowFrom === undefined ? 'clients in the proxy\'s namespace' : `network.allowFrom[${i}]`));
    if (database && hasDatabase) policy.allowTo(database, [{ port: databasePort }], 'PostgreSQL');
    if (redis && hasRedis) policy.allowTo(redis, [{ port: redisPort }], 'Redis');
    if (providerApis) policy.allowTo(NetworkPeer.anywhere(), [{ port: 443 }], 'provider APIs over HTTPS');

    if (this.migrations) {
      // The Job serves nothing: no ingress at all; with restricted egress, DNS and the database.
      const job = new WorkloadNetworkPolicy(this.migrations, 'NetworkPolicy', {
        name: this.migrations.name, podLabels: this.migrations.podLabels, labels, restrictEgress,
      });
      if (database) job.allowTo(database, [{ port: databasePort }], 'PostgreSQL');
    }
    return policy;
  }

  /** The vLLM backends added with `addBackend()`, in the order they were added. */
  public get backends(): readonly HostedVllmBackend[] {
    return [...this.backendGroups.keys()];
  }

  /**
   * Every backend under every model group, as added with `addBackend()` (a backend listed
   * under two groups appears twice), with the `model_info` (prices) it was listed with.
   */
  public get backendRoutes(): readonly BackendRoute[] {
    return [...this.routes];
  }

  /** The ServiceMonitor, once `monitor()` was called. */
  public get serviceMonitor(): ServiceMetricsMonitor | undefined {
    return this.monitorInstance;
  }

  /**
   * Adds a vLLM server (a `VllmPool`) to the model list as
   * `hosted_vllm/<servedModelName>` at the pool's Service, with its API key from its
   * Secret, and returns the model group. Pools added under the same `modelName` are
   * load-balanced as one group.
   */
  public addBackend(backend: HostedVllmBackend, options: BackendOptions = {}): ModelGroup {
    requireDefined('backend', backend, 'a vLLM server to route to, such as a VllmPool');
    if (typeof backend !== 'object' || typeof backend.servedModelName !== 'string' || typeof backend.url !== 'string'
      || (backend.service !== undefined && (typeof backend.service !== 'object' || backend.service === null))) {
      throw invalid('backend', backend, 'must be a HostedVllmBackend such as a VllmPool or a GatewayInferencePool (servedModelName, url, port, service?)');
    }
    const o: BackendOptions = options ?? {};
    if (typeof o !== 'object' || Array.isArray(o)) throw invalid('options', o, 'must be BackendOptions { modelName?, rpm?, tpm?, timeout?, maxParallelRequests?, modelInfo? }');
    const adapters = backend.loraAdapterNames;
    if (adapters !== undefined && (!Array.isArray(adapters) || adapters.some(n => typeof n !== 'string'))) {
      throw invalid('backend.loraAdapterNames', adapters, 'must be an array of adapter names (strings)');
    }
    // Checked before anything is listed: a refused backend leaves the proxy as it was.
    const listed = this.loraGroupsOf.get(backend);
    for (const [i, name] of (adapters ?? []).entries()) {
      if (listed?.has(name)) continue; // the same pool added again under another group
      if (name === (o.modelName ?? backend.servedModelName) || this.groups.has(name)) {
        throw invalid(`loraAdapters[${i}].name`, name, `clashes with the model group ${JSON.stringify(name)} of LiteLLMProxy '${this.node.path}': the adapter becomes its own group; rename the adapter or the group`);
      }
    }
    const group = this.addModel({
      modelName: o.modelName ?? backend.servedModelName,
      model: `hosted_vllm/${backend.servedModelName}`,
      apiBase: backend.url,
      apiKey: backend.apiKey,
      rpm: o.rpm,
      tpm: o.tpm,
      weight: o.weight,
      timeout: o.timeout,
      maxParallelRequests: o.maxParallelRequests,
      modelInfo: o.modelInfo,
    });
    const groups = this.backendGroups.get(backend) ?? [];
    if (!groups.includes(group)) groups.push(group);
    this.routes.push({ backend, group, modelInfo: o.modelInfo });
    this.backendGroups.set(backend, groups);
    this.addLoraGroups(backend);
    // The backend admits the proxy's pods; a proxy with restricted egress admits the backend.
    backend.allowFrom?.(this.peer, `LiteLLMProxy '${this.name}' routes to it`);
    if (backend.peer) this.networkPolicy?.allowTo(backend.peer, [{ port: backend.port }], `backend ${backend.servedModelName}`);
    return group;
  }

  /**
   * The model group of a LoRA adapter of a backend added with `addBackend()`: what
   * fallbacks take, like any group.
   */
  public loraGroup(backend: HostedVllmBackend, adapterName: string): ModelGroup {
    const group = this.loraGroupsOf.get(backend)?.get(adapterName);
    if (!group) {
      const known = backend?.loraAdapterNames ?? [];
      throw invalid('adapterName', adapterName, `is not a LoRA adapter of a backend added to LiteLLMProxy '${this.node.path}' (adapters: ${known.length ? known.join(', ') : 'none'}): add the pool with addBackend() and name one of its loraAdapters`);
    }
    return group;
  }

  /**
   * Lists each LoRA adapter of a backend as its own model group `hosted_vllm/<adapter>` at
   * the backend's URL: vLLM serves an adapter under its `--lora-modules` name as a model of
   * its OpenAI API (vllm/entrypoints/openai/models/serving.py lists them in /v1/models).
   */
  private addLoraGroups(backend: HostedVllmBackend): void {
    const names = backend.loraAdapterNames ?? [];
    if (names.length === 0) return;
    const groups = this.loraGroupsOf.get(backend) ?? new Map<string, ModelGroup>();
    for (const name of names) {
      if (groups.has(name)) continue; // the same pool added again under another group
      const group = this.addModel({ modelName: name, model: `hosted_vllm/${name}`, apiBase: backend.url, apiKey: backend.apiKey });
      this.loraGroupNames.add(name); // after addModel, which refuses names of adapter groups
      groups.set(name, group);
    }
    this.loraGroupsOf.set(backend, groups);
  }

  /**
   * Adds a deployment to the model list and returns its model group. Deployments added
   * under the same `modelName` are load-balanced as one group.
   */
  public addModel(model: ModelDeployment): ModelGroup {
    const index = this.models.length;
    const rendered = renderModel(model, index);
    if (this.loraGroupNames.has(rendered.modelName)) {
      throw invalid(`models[${index}].modelName`, rendered.modelName, `is the model group of a LoRA adapter of a backend of LiteLLMProxy '${this.node.path}': choose another modelName`);
    }
    // A set, not a search of the list: a fleet of a thousand backends would cost a million comparisons.
    const key = JSON.stringify([rendered.modelName, rendered.model, rendered.apiBase ?? null]);
    if (this.modelKeys.has(key)) {
      throw invalid(`models[${index}].modelName`, rendered.modelName, `already has a deployment of model ${JSON.stringify(rendered.model)} at ${JSON.stringify(rendered.apiBase)}: the same backend twice in one group doubles its share of traffic, remove the duplicate`);
    }
    if (model.apiKey) this.addSecretEnv(`models[${index}].apiKey`, secretEnvName(model.apiKey), model.apiKey);
    this.models.push(rendered);
    this.modelKeys.add(key);
    let group = this.groups.get(rendered.modelName);
    if (!group) {
      group = new ModelGroup(rendered.modelName, this);
      this.groups.set(rendered.modelName, group);
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
    const o: ProxyAutoscaleOptions = options ?? {};
    return new HorizontalAutoscaler(this, 'Autoscaler', {
      target: this,
      minReplicas: o.minReplicas ?? 2,
      maxReplicas: o.maxReplicas ?? 10,
      metrics: [
        HpaMetric.cpuUtilization(o.cpuUtilization ?? 70),
        HpaMetric.memoryUtilization(o.memoryUtilization ?? 80),
        ...(o.extraMetrics ?? []),
      ],
      behavior: o.behavior ?? ScalingBehaviors.SEED,
    });
  }

  /** The model groups served, in the order they were added. */
  public get modelGroups(): ModelGroup[] {
    return [...this.groups.values()];
  }

  /**
   * Scrapes the proxy's `/metrics` (Service port `http`) with a ServiceMonitor `<name>`
   * selecting its Service. With `MetricsAuth.masterKey()` or `bearerToken()` the endpoint
   * sends that Secret as a bearer token (`authorization: { type: Bearer, credentials }`);
   * with `unauthenticated()` the proxy answers without one. Call it once.
   * @param discovery discovery labels (e.g. `{ release: 'kube-prometheus-stack' }`) and interval
   */
  public monitor(discovery: MonitorDiscovery): ServiceMetricsMonitor {
    if (this.monitorInstance) {
      throw invalid('monitor()', this.monitorInstance.node.path, `was already called on LiteLLMProxy '${this.node.path}': one ServiceMonitor per proxy; use the one it returned (proxy.serviceMonitor)`);
    }
    if (this.props.prometheusMetrics === false) {
      throw invalid('prometheusMetrics', false, 'turns /metrics off: a monitor would scrape nothing; remove prometheusMetrics: false');
    }
    if (this.networkPolicy) {
      validateDiscovery('discovery', discovery);
      if (discovery.scraper === undefined) {
        throw invalid('discovery.scraper', undefined, `is required: LiteLLMProxy '${this.name}' has a NetworkPolicy that admits only named peers, so Prometheus must be named to scrape it, e.g. NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }); or set network.enabled to false`);
      }
      this.networkPolicy.allowFrom(requireNetworkPeer('discovery.scraper', discovery.scraper), [{ port: LITELLM_PORT }], 'Prometheus scrapes /metrics');
    }
    const bearer = this.metricsAuth.kind === MetricsAuthKind.BEARER ? (this.metricsAuth.token ?? this.props.masterKey) : undefined;
    this.monitorInstance = new ServiceMetricsMonitor(this, MONITOR_ID, {
      name: this.name,
      service: this.service,
      port: SERVICE_PORT_NAME,
      discovery,
      bearerToken: bearer,
    });
    return this.monitorInstance;
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
    if (!Array.isArray(to)) throw invalid(`${prop}[${index}].to`, to, 'must be a list of model groups or backends');
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
    if (target === null || typeof target !== 'object') {
      throw invalid(prop, target, 'must be a model group returned by addModel() or addBackend(), or a backend added with addBackend()');
    }
    const groups = this.backendGroups.get(target);
    if (!groups) {
      throw invalid(prop, target.servedModelName, `is not a backend of LiteLLMProxy '${this.node.path}': add the pool with addBackend() first, so that some backend serves the fallback`);
    }
    if (groups.length > 1) {
      throw invalid(prop, target.servedModelName, `is a backend of several model groups (${groups.map(g => g.name).join(', ')}): pass the model group instead`);
    }
    return groups[0];
  }

  /**
   * Every backend is synthesized with the app; a Service backend's Service has the port its
   * api_base names (a gateway backend's api_base is its Gateway route: no Service of ours).
   */
  private validateBackends(): string[] {
    const errors: string[] = [];
    for (const backend of this.backendGroups.keys()) {
      const service = backend.service;
      if (service === undefined) {
        if (backend.node.root !== this.node.root) {
          errors.push(`'backends' (${JSON.stringify(backend.servedModelName)}) is '${backend.node.path}' of another App: api_base ${backend.url} would name a route that is not deployed with the proxy`);
        }
      } else if (service.node.root !== this.node.root) {
        errors.push(`'backends' (${JSON.stringify(backend.servedModelName)}) has its Service '${service.node.path}' in another App: api_base ${backend.url} would name a Service that is not deployed with the proxy`);
      } else {
        // api_base names the Service's port; that port must forward to the pods' port.
        const urlPort = servicePortOf(backend.url);
        if (!service.ports.some(p => p.port === urlPort && (p.targetPort ?? p.port) === backend.port)) {
          errors.push(`'backends' (${JSON.stringify(backend.servedModelName)}) has no port ${urlPort} forwarding to the pods' port ${backend.port} on Service '${service.name}': api_base ${backend.url} would not connect`);
        }
      }
    }
    return errors;
  }

  /** Checks `configOverrides` at construction (shape, keys, values) and keeps a copy. */
  private checkOverrides(overrides: LiteLLMConfigOverrides | undefined): void {
    if (overrides === undefined) return;
    if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
      throw invalid('configOverrides', overrides, 'must be { litellmSettings?, routerSettings?, generalSettings? }');
    }
    const sections: OverrideSection[] = ['litellmSettings', 'routerSettings', 'generalSettings'];
    for (const [key, value] of Object.entries(overrides)) {
      if (!sections.includes(key as OverrideSection)) {
        throw invalid(`configOverrides.${key}`, value, 'is not a section of the overrides: use litellmSettings, routerSettings or generalSettings');
      }
      if (value !== undefined) this.overrides[key as OverrideSection] = checkOverrideSection(key as OverrideSection, value);
    }
  }

  /** Fallbacks written as strings in the overrides name model groups the proxy serves (settles at synth). */
  private validateOverrideFallbacks(): string[] {
    const errors: string[] = [];
    const names = [...this.groups.keys()];
    for (const section of Object.keys(this.overrides) as OverrideSection[]) {
      for (const [prop, name] of fallbackGroupRefs(section, this.overrides[section]!)) {
        if (!this.groups.has(name)) {
          errors.push(invalid(prop, name, `is not a model group of LiteLLMProxy '${this.node.path}' (its groups: ${names.join(', ') || 'none'}): LiteLLM would fall back to nothing; add a model under that name, or use addFallback() with the groups addModel() returns`).message);
        }
      }
    }
    const router = this.overrides.routerSettings ?? {};
    if (router.fallbacks !== undefined && this.fallbacks.length) {
      errors.push(invalid('configOverrides.routerSettings.fallbacks', router.fallbacks, 'is also rendered by addFallback(): use one of them').message);
    }
    if (router.context_window_fallbacks !== undefined && this.contextWindowFallbacks.length) {
      errors.push(invalid('configOverrides.routerSettings.context_window_fallbacks', router.context_window_fallbacks, 'is also rendered by addContextWindowFallback(): use one of them').message);
    }
    return errors;
  }

  private requireOwnGroup(prop: string, group: ModelGroup): void {
    if (group._proxy !== this || this.groups.get(group.name) !== group) {
      throw invalid(prop, group.name, `is not a model group of LiteLLMProxy '${this.node.path}': add a model to this proxy with addModel() and pass the group it returns`);
    }
  }

  private addSecretEnv(prop: string, name: string, ref: SecretKeyRef): void {
    const existing = this.secretEnv.get(name);
    if (existing) {
      if (existing.secretName !== ref.secretName || existing.key !== ref.key) {
        throw invalid(prop, ref, `maps to environment variable ${name}, already taken by Secret ${existing.secretName} key ${existing.key}: rename the Secret or its key`);
      }
      return;
    }
    this.secretEnv.set(name, ref);
    const secret = kplus.Secret.fromSecretName(this, `Secret${this.secretEnv.size}`, ref.secretName);
    this.container.env.addVariable(name, kplus.EnvValue.fromSecretValue({ secret, key: ref.key }));
  }

  /**
   * The config.yaml document. Only `os.environ/` references stand for secrets. Never throws.
   * Rendered once per synthValidated (the ConfigMap and the Deployment's checksum read it).
   */
  private renderConfig(): string {
    return sessionMemo(this, 'config', () => this.buildConfig());
  }

  private buildConfig(): string {
    const routerSettings = compact({
      ...this.routerSettings,
      fallbacks: renderFallbacks(this.fallbacks),
      context_window_fallbacks: renderFallbacks(this.contextWindowFallbacks),
    });
    const config = compact({
      model_list: this.models.map(m => m.entry),
      litellm_settings: section(this.litellmSettings, this.overrides.litellmSettings),
      router_settings: section(routerSettings, this.overrides.routerSettings),
      general_settings: section(this.generalSettings, this.overrides.generalSettings),
    });
    // Yaml.stringify's text, byte for byte, with the model list stringified in slices: one yaml
    // tree of a thousand models lives long enough to make V8 allocate every later document's
    // yaml nodes in its old generation (peak RSS of the 1000-pool bench ~355 -> ~250 MiB).
    return stringifyManifest(config).join('');
  }
}

function section(typed: Record<string, unknown>, extra?: Record<string, unknown>): Record<string, unknown> | undefined {
  const merged = { ...typed, ...extra };
  return Object.keys(merged).length ? merged : undefined;
}

function renderRouterSettings(router: RouterSettings | undefined, redis: CheckedRedis | undefined): Record<string, unknown> {
  if (router !== undefined && (router === null || typeof router !== 'object')) throw invalid('router', router, 'must be a RouterSettings object');
  const r: RouterSettings = router ?? {};
  const retryPolicy = r.retryPolicy === undefined ? undefined : renderRetryPolicy(r.retryPolicy);
  return compact({
    routing_strategy: r.routingStrategy === undefined ? RoutingStrategy.SIMPLE_SHUFFLE
      : requireEnum('router.routingStrategy', r.routingStrategy, RoutingStrategy, 'RoutingStrategy'),
    num_retries: r.numRetries === undefined ? undefined : requireCount('router.numRetries', r.numRetries, 0),
    // Router timeout and cooldown are floats in LiteLLM (seconds): milliseconds survive.
    timeout: r.timeout === undefined ? undefined : millisOf('router.timeout', r.timeout) / 1000,
    allowed_fails: r.allowedFails === undefined ? undefined : requireCount('router.allowedFails', r.allowedFails, 0),
    cooldown_time: r.cooldownTime === undefined ? undefined : millisOf('router.cooldownTime', r.cooldownTime) / 1000,
    enable_pre_call_checks: r.enablePreCallChecks === undefined ? undefined : requireBoolean('router.enablePreCallChecks', r.enablePreCallChecks),
    retry_policy: retryPolicy,
    redis_host: redis?.host,
    redis_port: redis?.port,
    redis_password: redis?.password ? envRef(ENV_REDIS_PASSWORD) : undefined,
  });
}

const RETRY_POLICY_KEYS: Record<string, string> = {
  authenticationErrorRetries: 'AuthenticationErrorRetries',
  timeoutErrorRetries: 'TimeoutErrorRetries',
  rateLimitErrorRetries: 'RateLimitErrorRetries',
  contentPolicyViolationErrorRetries: 'ContentPolicyViolationErrorRetries',
  internalServerErrorRetries: 'InternalServerErrorRetries',
  badRequestErrorRetries: 'BadRequestErrorRetries',
};

function renderRetryPolicy(policy: unknown): Record<string, unknown> {
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) throw invalid('router.retryPolicy', policy, 'must be a RetryPolicy object');
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(policy)) {
    const configKey = RETRY_POLICY_KEYS[key];
    if (!configKey) throw invalid(`router.retryPolicy.${key}`, value, `is not a RetryPolicy field: use ${Object.keys(RETRY_POLICY_KEYS).join(', ')}`);
    if (value !== undefined) out[configKey] = requireCount(`router.retryPolicy.${key}`, value, 0);
  }
  return out;
}

function renderCache(cache: ResponseCache, redis: CheckedRedis): Record<string, unknown> {
  if (cache === null || typeof cache !== 'object') throw invalid('cache', cache, 'must be a ResponseCache object ({} for the defaults)');
  const types = cache.supportedCallTypes ?? [CacheCallType.COMPLETION, CacheCallType.TEXT_COMPLETION];
  if (!Array.isArray(types) || types.length === 0) throw invalid('cache.supportedCallTypes', types, 'must be a non-empty list of CacheCallType');
  types.forEach((t, i) => requireEnum(`cache.supportedCallTypes[${i}]`, t, CacheCallType, 'CacheCallType'));
  return {
    cache: true,
    cache_params: compact({
      type: 'redis',
      host: redis.host,
      port: redis.port,
      password: redis.password ? envRef(ENV_REDIS_PASSWORD) : undefined,
      // cache_params.ttl is whole seconds (FACTS §B.4).
      ttl: secondsOf('cache.ttl', cache.ttl ?? Duration.hours(1)),
      supported_call_types: [...types],
    }),
  };
}

interface CheckedRedis {
  readonly host: string;
  readonly port: number;
  readonly password?: SecretKeyRef;
}

function checkRedis(redis: RedisConnection): CheckedRedis {
  if (redis === null || typeof redis !== 'object') throw invalid('redis', redis, 'must be a RedisConnection { host, port?, password? }');
  requireDefined('redis.host', redis.host, 'the Redis host name, e.g. \'redis-master.redis.svc.cluster.local\'');
  if (typeof redis.host !== 'string') throw invalid('redis.host', redis.host, 'must be a string');
  requireDnsSubdomain('redis.host', redis.host);
  const port = redis.port === undefined ? REDIS_DEFAULT_PORT : requirePortProp('redis.port', redis.port);
  const password = redis.password === undefined ? undefined : requireSecretRefProp('redis.password', redis.password, 'the Redis password');
  return { host: redis.host, port, password };
}

interface CheckedDatabase {
  readonly url: SecretKeyRef;
  readonly migrations: MigrationsBy;
  readonly migrationsTimeout?: Duration;
}

function checkDatabase(database: LiteLLMDatabase): CheckedDatabase {
  if (database === null || typeof database !== 'object') throw invalid('database', database, 'must be a LiteLLMDatabase { url, migrations? }');
  if ('runMigrations' in database) {
    throw invalid('database.runMigrations', (database as { runMigrations?: unknown }).runMigrations, 'was replaced by \'database.migrations\': MigrationsBy.JOB (the default), MigrationsBy.PROXY or MigrationsBy.EXTERNAL');
  }
  const url = requireSecretRefProp('database.url', database.url, 'the Secret key holding the database connection URL');
  const migrations = database.migrations === undefined ? MigrationsBy.JOB
    : requireEnum('database.migrations', database.migrations, MigrationsBy, 'MigrationsBy');
  if (database.migrationsTimeout !== undefined) {
    const seconds = secondsOf('database.migrationsTimeout', database.migrationsTimeout);
    if (migrations !== MigrationsBy.JOB) {
      throw invalid('database.migrationsTimeout', `${seconds}s`, `applies to the migrations Job only, and 'database.migrations' is ${JSON.stringify(migrations)}: remove it`);
    }
  }
  return { url, migrations, migrationsTimeout: database.migrationsTimeout };
}

function requireMetricsAuth(auth: unknown): MetricsAuth {
  if (!(auth instanceof MetricsAuth)) {
    throw invalid('metricsAuth', auth, 'must be a MetricsAuth: MetricsAuth.masterKey(), MetricsAuth.bearerToken(ref) or MetricsAuth.unauthenticated()');
  }
  if (auth.token !== undefined) requireSecretRefProp('metricsAuth.token', auth.token, 'the bearer token Secret');
  return auth;
}

function requirePortProp(prop: string, value: unknown): number {
  if (typeof value !== 'number') throw invalid(prop, value, 'must be a port number from 1 to 65535');
  requirePort(prop, value);
  return value;
}

function requireRatio(prop: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0 && value < 1)) throw invalid(prop, value, 'must be greater than 0 and less than 1');
  return value;
}

/** Props that were renamed: a plain-JavaScript caller still passing them gets told where they went. */
function refuseRenamedProps(props: LiteLLMProxyProps): void {
  const legacy = props as unknown as Record<string, unknown>;
  if ('runAsUser' in legacy) {
    throw invalid('runAsUser', legacy.runAsUser, 'was replaced by \'user\': PodUser.fixed(uid) or PodUser.platformAssigned()');
  }
}

function renderModel(model: ModelDeployment, index: number): RenderedModel {
  const prop = `models[${index}]`;
  requireDefined(prop, model, 'a ModelDeployment { modelName, model, apiBase?, ... }');
  if (typeof model !== 'object') throw invalid(prop, model, 'must be a ModelDeployment { modelName, model, apiBase?, ... }');
  const modelName = requireLiteralName(`${prop}.modelName`, model.modelName);
  const litellmModel = requireLiteralName(`${prop}.model`, model.model);
  let apiBase: string | undefined;
  if (model.apiBase !== undefined) {
    apiBase = requireLiteralName(`${prop}.apiBase`, model.apiBase);
    requireHttpUrl(`${prop}.apiBase`, apiBase);
  }
  const apiKey = model.apiKey === undefined ? undefined : requireSecretRefProp(`${prop}.apiKey`, model.apiKey, 'the backend API key');
  const info = model.modelInfo === undefined ? undefined : renderModelInfo(`${prop}.modelInfo`, model.modelInfo);
  const entry = compact({
    model_name: modelName,
    litellm_params: compact({
      model: litellmModel,
      api_base: apiBase,
      api_key: apiKey ? envRef(secretEnvName(apiKey)) : undefined,
      rpm: model.rpm === undefined ? undefined : requireCount(`${prop}.rpm`, model.rpm, 1),
      tpm: model.tpm === undefined ? undefined : requireCount(`${prop}.tpm`, model.tpm, 1),
      weight: model.weight === undefined ? undefined : requireCount(`${prop}.weight`, model.weight, 1),
      // litellm_params.timeout is a float of seconds (FACTS §B.2): milliseconds survive.
      timeout: model.timeout === undefined ? undefined : millisOf(`${prop}.timeout`, model.timeout) / 1000,
      max_parallel_requests: model.maxParallelRequests === undefined ? undefined : requireCount(`${prop}.maxParallelRequests`, model.maxParallelRequests, 1),
    }),
    model_info: info,
  });
  return { modelName, model: litellmModel, apiBase, entry };
}

function renderModelInfo(prop: string, info: ModelInfo): Record<string, unknown> {
  if (info === null || typeof info !== 'object') throw invalid(prop, info, 'must be a ModelInfo object');
  return compact({
    mode: info.mode === undefined ? undefined : requireLiteralName(`${prop}.mode`, info.mode),
    base_model: info.baseModel === undefined ? undefined : requireLiteralName(`${prop}.baseModel`, info.baseModel),
    max_tokens: info.maxTokens === undefined ? undefined : requireCount(`${prop}.maxTokens`, info.maxTokens, 1),
    max_input_tokens: info.maxInputTokens === undefined ? undefined : requireCount(`${prop}.maxInputTokens`, info.maxInputTokens, 1),
    input_cost_per_token: info.inputCostPerToken === undefined ? undefined : requirePositiveNumber(`${prop}.inputCostPerToken`, info.inputCostPerToken),
    output_cost_per_token: info.outputCostPerToken === undefined ? undefined : requirePositiveNumber(`${prop}.outputCostPerToken`, info.outputCostPerToken),
  });
}

function renderFallbacks(fallbacks: Array<[ModelGroup, ModelGroup[]]>): Array<Record<string, string[]>> | undefined {
  return fallbacks.length ? fallbacks.map(([from, to]) => ({ [from.name]: to.map(g => g.name) })) : undefined;
}

/** The port a backend URL names (its scheme's default when it names none). */
function servicePortOf(url: string): number | undefined {
  try {
    const parsed = new URL(url);
    return parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  } catch {
    return undefined;
  }
}

function envRef(variable: string): string {
  return `os.environ/${variable}`;
}

/** A deterministic environment variable for a Secret key, shared by every use of that key. */
function secretEnvName(ref: SecretKeyRef): string {
  const part = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  return `LITELLM_SECRET_${part(ref.secretName)}_${part(ref.key)}`;
}

function compact<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

