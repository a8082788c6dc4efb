import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import type { EndpointPicker } from './endpoint-picker';
import { LABEL_INSTANCE, LABEL_NAME, recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { baseName, claimName } from '../core/_naming';
import { hardenedContainer, hardenedPod } from '../core/_security';
import { wholeMebibytes } from '../core/_units';
import { invalid } from '../core/_validation';
import { podsWithLabels, selectByLabels } from '../core/_workload';
import { PodUser, requirePodUser } from '../core/pod-user';
import { SecretKeyRef, validateSecretRef } from '../core/secret-ref';
import { MonitorDiscovery, validateDiscovery } from '../metrics/discovery';
import { ServiceMetricsMonitor } from '../metrics/service-metrics-monitor';
import { NetworkPeer, requireNetworkPeer } from '../network/network-peer';
import { WorkloadNetworkPolicy } from '../network/workload-network-policy';
import { VllmPool } from '../vllm/vllm-pool';

/**
 * The pinned endpoint picker (EPP) image: the last release of
 * kubernetes-sigs/gateway-api-inference-extension that ships the full EPP
 * (config/charts/inferencepool/values.yaml at v1.5.0: `registry.k8s.io`,
 * `gateway-api-inference-extension/epp`, tag `v1.5.0`). v1.6.0 ships only the lightweight
 * conformance EPP (`pkg/lwepp`, round-robin); the EPP moved to llm-d/llm-d-router
 * (README.md at v1.6.0). The image is `gcr.io/distroless/static:nonroot` with `/epp` as
 * entrypoint (Dockerfile at v1.5.0).
 */
export const EPP_IMAGE = 'registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0';

/**
 * The ext-proc gRPC port, the gRPC health port and the metrics port of the EPP: the flag
 * defaults of pkg/epp/server/options.go at v1.5.0 (`--grpc-port` 9002, `--grpc-health-port`
 * 9003, `--metrics-port` 9090), rendered explicitly so the Service and the flags agree.
 */
export const EPP_GRPC_PORT = 9002;
/** The EPP's gRPC health port (`--grpc-health-port`). */
export const EPP_HEALTH_PORT = 9003;
/** The EPP's Prometheus port (`--metrics-port`). */
export const EPP_METRICS_PORT = 9090;

/** The uid of `gcr.io/distroless/static:nonroot`, the EPP image's base (Dockerfile at v1.5.0). */
const DISTROLESS_NONROOT_UID = 65532;
const CONFIG_DIR = '/config';
const CONFIG_FILE = 'default-plugins.yaml';
const INFERENCE_GROUP = 'inference.networking.k8s.io';
const INFERENCE_X_GROUP = 'inference.networking.x-k8s.io';
/** The EPP releases whose flags and plugin config this construct was checked against. */
const EPP_VERSION = /^1\.5\.\d+$/;
const IMAGE_TAG_VERSION = /:v(\d+\.\d+\.\d+)$/;
const CPU_QUANTITY = /^(\d+(\.\d+)?|\d+m)$/;
const MAX_REPLICAS = 2147483647;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The EPP's scheduling config, `EndpointPickerConfig` (`--config-file`): what the
 * inferencepool chart renders for a vLLM pool over HTTP without the latency predictor
 * (config/charts/epplib/templates/_config.yaml at v1.5.0): queue, KV-cache and prefix-cache
 * scorers weighted 2, 2 and 3, and the metrics data source reading vLLM's `/metrics` over HTTP.
 */
const PLUGINS_CONFIG = [
  'apiVersion: inference.networking.x-k8s.io/v1alpha1',
  'kind: EndpointPickerConfig',
  'plugins:',
  '- type: queue-scorer',
  '- type: kv-cache-utilization-scorer',
  '- type: prefix-cache-scorer',
  '- type: metrics-data-source',
  '  parameters:',
  '    scheme: "http"',
  '    path: "/metrics"',
  '    insecureSkipVerify: true',
  '- type: core-metrics-extractor',
  'schedulingProfiles:',
  '- name: default',
  '  plugins:',
  '  - pluginRef: queue-scorer',
  '    weight: 2',
  '  - pluginRef: kv-cache-utilization-scorer',
  '    weight: 2',
  '  - pluginRef: prefix-cache-scorer',
  '    weight: 3',
  '',
].join('\n');

/** What the gateway does when the EPP does not answer (`endpointPickerRef.failureMode`). */
export enum EndpointPickerFailureMode {
  /** Route to any pod of the pool: serving degrades to plain load balancing. The chart's default. */
  FAIL_OPEN = 'FailOpen',
  /** Refuse the request. The InferencePool API's default. */
  FAIL_CLOSE = 'FailClose',
}

/** CPU and memory of the EPP container. */
export interface EndpointPickerResources {
  /** CPU request (no limit: the scheduler bursts under load). @default Cpu.units(4) */
  readonly cpu?: kplus.Cpu;
  /** Memory request. @default Size.gibibytes(8) */
  readonly memory?: Size;
  /** Memory limit. @default Size.gibibytes(16) */
  readonly memoryLimit?: Size;
}

/** How the endpoint picker of a `GatewayInferencePool` runs. */
export interface EndpointPickerOptions {
  /**
   * The EPP image, pinned. Its EPP version (the `vX.Y.Z` tag, or `version`) must be a 1.5.x
   * release: the flags, plugin config and RBAC rendered here were checked against v1.5.0.
   * @default EPP_IMAGE
   */
  readonly image?: string;
  /**
   * The EPP version of `image`, when its tag does not carry it (a mirror, a digest).
   * @default - the version in the image tag
   */
  readonly version?: string;
  /**
   * Replicas. Above 1, the EPPs elect a leader (`--ha-enable-leader-election`) and only the
   * leader is ready: a single active EPP keeps the prefix-cache state in one place (the
   * chart's recommended pattern).
   * @default 1
   */
  readonly replicas?: number;
  /**
   * CPU and memory.
   * @default - the chart's: 4 CPU and 8 GiB requested, 16 GiB memory limit
   */
  readonly resources?: EndpointPickerResources;
  /**
   * What the gateway does when the EPP does not answer. Kubernetes name:
   * `InferencePool.spec.endpointPickerRef.failureMode`.
   * @default EndpointPickerFailureMode.FAIL_OPEN
   */
  readonly failureMode?: EndpointPickerFailureMode;
  /**
   * Require authentication and authorization on the EPP's `/metrics` (`--metrics-endpoint-auth`,
   * on by default upstream): the EPP checks each scraper's bearer token with a TokenReview and a
   * SubjectAccessReview for `GET /metrics`. False serves `/metrics` openly (the NetworkPolicy
   * still admits only the scraper).
   * @default true
   */
  readonly metricsEndpointAuth?: boolean;
  /**
   * The user the EPP runs as.
   * @default PodUser.fixed(65532) (the image's distroless `nonroot` user)
   */
  readonly user?: PodUser;
  /**
   * Render a NetworkPolicy admitting only the Gateway's data plane on the ext-proc port and the
   * scraper on the metrics port.
   * @default true
   */
  readonly networkPolicy?: boolean;
}

/** Props of `InferenceEndpointPicker`. */
export interface InferenceEndpointPickerProps extends EndpointPickerOptions {
  /** The model pool the InferencePool selects. */
  readonly pool: VllmPool;
  /** The InferencePool's name (`--pool-name`). */
  readonly poolName: string;
  /**
   * The base name of the EPP's objects (Deployment, Service, ServiceAccount, ConfigMap, Role).
   * @default `<poolName>-epp` (the chart's name)
   */
  readonly name?: string;
  /**
   * The Gateway's data-plane pods: admitted on the ext-proc port. Required with a NetworkPolicy.
   * @default - none
   */
  readonly gatewayDataPlane?: NetworkPeer;
}

/** Options of `InferenceEndpointPicker.monitor()`. */
export interface EndpointPickerMonitorOptions {
  /**
   * The bearer token Prometheus sends (a Secret key in the EPP's namespace), for an identity
   * already allowed `GET /metrics` (a ClusterRole with `nonResourceURLs: ['/metrics']`).
   * @default - a ServiceAccount `<name>-metrics-reader` allowed only `GET /metrics`, and its
   * token Secret (`kubernetes.io/service-account-token`, filled by Kubernetes)
   */
  readonly bearerToken?: SecretKeyRef;
}

/**
 * The endpoint picker (EPP) of an InferencePool: the Envoy ext-proc server that picks, per
 * request, the pod of the pool with the shortest queue, free KV cache and the request's prefix
 * cached (kubernetes-sigs/gateway-api-inference-extension v1.5.0).
 *
 * Renders, named `<poolName>-epp`: a ServiceAccount; a Role reading pods, the InferencePool,
 * InferenceObjectives and InferenceModelRewrites; a ConfigMap with the scheduling config; a
 * Deployment (flags of pkg/epp/server/options.go, probes on the gRPC health port); a Service
 * with the ext-proc port `grpc-ext-proc` and `metrics`; a NetworkPolicy; and, with metrics
 * auth, a ClusterRole for TokenReviews and SubjectAccessReviews. `GatewayInferencePool` creates it.
 */
export class InferenceEndpointPicker extends Construct implements EndpointPicker {
  /** The EPP's base name. */
  public readonly name: string;
  /** The InferencePool's name (`--pool-name`). */
  public readonly poolName: string;
  /** The namespace of the EPP, the InferencePool and the pool. */
  public readonly namespace: string;
  /** The model pool. */
  public readonly modelPool: VllmPool;
  /** The EPP version of the image. */
  public readonly version: string;
  /** The EPP's Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The EPP container. */
  public readonly container: kplus.Container;
  /** The EPP's Service: `grpc-ext-proc` (9002) and `metrics` (9090). */
  public readonly service: kplus.Service;
  /** The EPP's ServiceAccount. */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** The Role with what the EPP reads. */
  public readonly role: kplus.Role;
  /** The ConfigMap with the `EndpointPickerConfig`. */
  public readonly configMap: kplus.ConfigMap;
  /** What the gateway does when the EPP does not answer. */
  public readonly failureMode: EndpointPickerFailureMode;
  /** Whether `/metrics` requires a bearer token. */
  public readonly metricsEndpointAuth: boolean;
  /** The NetworkPolicy, unless `networkPolicy` is false. */
  public readonly networkPolicy?: WorkloadNetworkPolicy;
  /** The labels of the EPP's objects. */
  public readonly labels: Record<string, string>;
  private _serviceMonitor?: ServiceMetricsMonitor;

  public constructor(scope: Construct, id: string, props: InferenceEndpointPickerProps) {
    super(scope, id);
    const ns = this.namespace = requireChartNamespace(this, 'InferenceEndpointPicker');
    if (props === null || typeof props !== 'object') throw invalid('props', props, 'must be the props of the EPP: { pool, poolName, ... }');
    if (!(props.pool instanceof VllmPool)) throw invalid('pool', props.pool, 'must be the VllmPool the InferencePool selects');
    if (typeof props.poolName !== 'string' || !DNS1123_LABEL.test(props.poolName)) {
      throw invalid('poolName', props.poolName, 'must be the InferencePool\'s name (a DNS-1123 label), e.g. \'llama\'');
    }
    this.modelPool = props.pool;
    this.poolName = props.poolName;
    const name = this.name = baseName(this, 'name', props.name ?? `${props.poolName}-epp`);
    const image = props.image ?? EPP_IMAGE;
    if (typeof image !== 'string' || !image.trim() || /\s/.test(image)) throw invalid('endpointPicker.image', image, 'must be an image reference, without whitespace');
    this.version = eppVersion(image, props.version);
    const replicas = props.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) {
      throw invalid('endpointPicker.replicas', replicas, 'must be a whole number from 1: one active EPP (more elect a leader)');
    }
    const user = resolveUser(props.user);
    const resources = eppResources(props.resources);
    this.failureMode = props.failureMode ?? EndpointPickerFailureMode.FAIL_OPEN;
    if (!Object.values(EndpointPickerFailureMode).includes(this.failureMode)) {
      throw invalid('endpointPicker.failureMode', this.failureMode, `must be one of: ${Object.values(EndpointPickerFailureMode).join(', ')}`);
    }
    this.metricsEndpointAuth = requireFlag('endpointPicker.metricsEndpointAuth', props.metricsEndpointAuth ?? true);
    const withPolicy = requireFlag('endpointPicker.networkPolicy', props.networkPolicy ?? true);
    if (props.gatewayDataPlane !== undefined) requireNetworkPeer('gateway.dataPlane', props.gatewayDataPlane);
    const ha = replicas > 1;
    const labels = this.labels = recommendedLabels('epp', name, 'endpoint-picker');
    const selector = { [LABEL_NAME]: labels[LABEL_NAME], [LABEL_INSTANCE]: name };

    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: claimName(this, 'ServiceAccount', name, ns, 'name'), labels },
    });

    // What the EPP watches (config/charts/inferencepool/templates/rbac.yaml and
    // config/charts/epplib/templates/_rbac.yaml at v1.5.0; pkg/epp/server/controller_manager.go
    // caches pods, the InferencePool, and InferenceObjectives / InferenceModelRewrites when
    // their CRDs are installed, pkg/epp/server/controller_config.go).
    this.role = new kplus.Role(this, 'Role', { metadata: { name: claimName(this, 'rbac/Role', name, ns, 'name'), labels } });
    this.role.allowRead(
      kplus.ApiResource.custom({ apiGroup: '', resourceType: 'pods' }),
      kplus.ApiResource.custom({ apiGroup: INFERENCE_GROUP, resourceType: 'inferencepools' }),
      kplus.ApiResource.custom({ apiGroup: INFERENCE_X_GROUP, resourceType: 'inferenceobjectives' }),
      kplus.ApiResource.custom({ apiGroup: INFERENCE_X_GROUP, resourceType: 'inferencemodelrewrites' }),
    );
    const binding = new kplus.RoleBinding(this, 'RoleBinding', {
      metadata: { name: claimName(this, 'rbac/RoleBinding', name, ns, 'name'), labels },
      role: this.role,
    });
    binding.addSubjects(this.serviceAccount);

    if (ha) {
      // config/charts/epplib/templates/_leader-election-rbac.yaml at v1.5.0.
      const electionName = `${name}-leader-election`;
      const election = new kplus.Role(this, 'LeaderElectionRole', { metadata: { name: claimName(this, 'rbac/Role', electionName, ns, 'name'), labels } });
      election.allow(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], kplus.ApiResource.custom({ apiGroup: 'coordination.k8s.io', resourceType: 'leases' }));
      election.allow(['create', 'patch'], kplus.ApiResource.custom({ apiGroup: '', resourceType: 'events' }));
      const electionBinding = new kplus.RoleBinding(this, 'LeaderElectionBinding', {
        metadata: { name: claimName(this, 'rbac/RoleBinding', electionName, ns, 'name'), labels },
        role: election,
      });
      electionBinding.addSubjects(this.serviceAccount);
    }

    if (this.metricsEndpointAuth) {
      // `--metrics-endpoint-auth` serves /metrics behind controller-runtime's
      // filters.WithAuthenticationAndAuthorization (cmd/epp/runner/runner.go at v1.5.0), which
      // creates a TokenReview and a SubjectAccessReview per scrape: the rules of
      // config/charts/epplib/templates/_rbac.yaml at v1.5.0 and of the filter's own doc comment
      // (kubernetes-sigs/controller-runtime pkg/metrics/filters/filters.go). Cluster-scoped: the
      // name carries the namespace.
      const authName = `${ns}-${name}-auth`;
      const auth = new kplus.ClusterRole(this, 'MetricsAuthRole', { metadata: { name: claimName(this, 'rbac/ClusterRole', authName, null, 'name'), labels } });
      auth.allow(['create'], kplus.ApiResource.custom({ apiGroup: 'authentication.k8s.io', resourceType: 'tokenreviews' }));
      auth.allow(['create'], kplus.ApiResource.custom({ apiGroup: 'authorization.k8s.io', resourceType: 'subjectaccessreviews' }));
      clusterScoped(auth);
      const authBinding = new kplus.ClusterRoleBinding(this, 'MetricsAuthBinding', {
        metadata: { name: claimName(this, 'rbac/ClusterRoleBinding', authName, null, 'name'), labels },
        role: auth,
      });
      authBinding.addSubjects(this.serviceAccount);
      clusterScoped(authBinding);
    }

    this.configMap = new kplus.ConfigMap(this, 'ConfigMap', {
      metadata: { name: claimName(this, 'ConfigMap', name, ns, 'name'), labels },
      data: { [CONFIG_FILE]: PLUGINS_CONFIG },
    });

    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: { name: claimName(this, 'Deployment', name, ns, 'name'), labels },
      podMetadata: { labels },
      select: false,
      replicas,
      // One active EPP: the old one goes first (config/charts/epplib/templates/_deployment.yaml at v1.5.0).
      strategy: kplus.DeploymentStrategy.recreate(),
      // "should mirror the longest grace period of the pods within the pool" (same template): 130 s there.
      terminationGracePeriod: Duration.seconds(130),
      serviceAccount: this.serviceAccount,
      // The EPP watches the API server with its own token.
      automountServiceAccountToken: true,
      securityContext: hardenedPod(user),
    });
    selectByLabels(this.deployment, selector);

    // Flags of pkg/epp/server/options.go and pkg/common/observability/logging/options.go at
    // v1.5.0, as config/charts/epplib/templates/_deployment.yaml renders them for a vLLM pool.
    const args = [
      '--pool-name', props.poolName,
      '--pool-namespace', ns,
      '--pool-group', INFERENCE_GROUP,
      '--grpc-port', String(EPP_GRPC_PORT),
      '--grpc-health-port', String(EPP_HEALTH_PORT),
      '--metrics-port', String(EPP_METRICS_PORT),
      '--config-file', `${CONFIG_DIR}/${CONFIG_FILE}`,
      '--zap-encoder', 'json',
      '--v', '1',
      // Tracing defaults to on and exports to an OTLP collector on localhost:4317; the chart turns it off.
      '--tracing=false',
      // pprof handlers default to on, on the metrics server: not needed in production.
      '--enable-pprof=false',
      // `--secure-serving` stays at its default (true: ext-proc over TLS with a self-signed
      // certificate), as the chart leaves it: gateways speak TLS to the EPP.
      ...(this.metricsEndpointAuth ? [] : ['--metrics-endpoint-auth=false']),
      ...(ha ? ['--ha-enable-leader-election'] : []),
    ];
    this.container = this.deployment.addContainer({
      name: 'epp',
      image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args,
      ports: [
        { name: 'grpc', number: EPP_GRPC_PORT },
        { name: 'grpc-health', number: EPP_HEALTH_PORT },
        { name: 'metrics', number: EPP_METRICS_PORT },
      ],
      envVariables: {
        NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
        POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
      },
      resources: {
        cpu: { request: resources.cpu },
        memory: { request: resources.memory, limit: resources.memoryLimit },
      },
      securityContext: hardenedContainer(user),
    });
    this.container.mount(CONFIG_DIR, kplus.Volume.fromConfigMap(this, 'ConfigVolume', this.configMap, { name: 'plugins-config' }), { readOnly: true });
    this.container.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp', { sizeLimit: Size.mebibytes(64) }));
    // gRPC probes on the health port (cdk8s-plus has no gRPC probe). cmd/epp/runner/health.go
    // at v1.5.0: without leader election every service name reports whether the pool has
    // synced; with it, `liveness` passes on every replica and `readiness` on the leader only.
    const deployment = ApiObject.of(this.deployment);
    const c0 = '/spec/template/spec/containers/0';
    deployment.addJsonPatch(JsonPatch.add(`${c0}/livenessProbe`, {
      grpc: { port: EPP_HEALTH_PORT, service: ha ? 'liveness' : 'inference-extension' },
      initialDelaySeconds: 5, periodSeconds: 10,
    }));
    deployment.addJsonPatch(JsonPatch.add(`${c0}/readinessProbe`, {
      grpc: { port: EPP_HEALTH_PORT, service: ha ? 'readiness' : 'inference-extension' },
      periodSeconds: 2,
    }));

    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: claimName(this, 'Service', name, ns, 'name'), labels },
      selector: podsWithLabels(this, 'Pods', selector),
      ports: [
        { name: 'grpc-ext-proc', port: EPP_GRPC_PORT, targetPort: EPP_GRPC_PORT },
        { name: 'metrics', port: EPP_METRICS_PORT, targetPort: EPP_METRICS_PORT },
      ],
    });

    if (withPolicy) {
      this.networkPolicy = new WorkloadNetworkPolicy(this, 'NetworkPolicy', { name, podLabels: selector, labels });
      if (props.gatewayDataPlane) this.networkPolicy.allowFrom(props.gatewayDataPlane, [{ port: EPP_GRPC_PORT }], 'the Gateway\'s data plane calls ext-proc');
    }
  }

  /** The EPP's ServiceMonitor, once `monitor()` was called. */
  public get serviceMonitor(): ServiceMetricsMonitor | undefined {
    return this._serviceMonitor;
  }

  /**
   * Scrapes the EPP's `/metrics` (Service port `metrics`) with a ServiceMonitor named like the
   * EPP. With metrics auth (the default), Prometheus sends a bearer token: by default the token
   * of a ServiceAccount `<name>-metrics-reader` that may only `GET /metrics` (the chart's
   * pattern, config/charts/epplib/templates/_sa-token-secret.yaml and _servicemonitor.yaml at
   * v1.5.0, with its own identity rather than the EPP's). One monitor per EPP.
   * @param discovery discovery labels, interval, and the scraper the NetworkPolicy admits
   * @param options the bearer token, when the scraper has its own
   */
  public monitor(discovery: MonitorDiscovery, options: EndpointPickerMonitorOptions = {}): ServiceMetricsMonitor {
    if (this._serviceMonitor) {
      throw invalid('monitor()', this.node.path, `was already called: the EPP has one ServiceMonitor ('${this._serviceMonitor.node.path}'); call monitor() once`);
    }
    validateDiscovery('discovery', discovery);
    if (options === null || typeof options !== 'object') throw invalid('options', options, 'must be EndpointPickerMonitorOptions { bearerToken? }');
    if (this.networkPolicy && discovery.scraper === undefined) {
      throw invalid('discovery.scraper', undefined, `is required: EPP '${this.name}' has a NetworkPolicy that admits only named peers, so Prometheus must be named to scrape it, e.g. NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }); or set endpointPicker.networkPolicy to false`);
    }
    if (options.bearerToken !== undefined) {
      if (!this.metricsEndpointAuth) {
        throw invalid('bearerToken', options.bearerToken, `is not used: EPP '${this.name}' serves /metrics without auth (endpointPicker.metricsEndpointAuth is false); leave bearerToken out`);
      }
      validateSecretRef('bearerToken', options.bearerToken);
    }
    if (discovery.scraper) this.networkPolicy?.allowFrom(discovery.scraper, [{ port: EPP_METRICS_PORT }], 'Prometheus scrapes /metrics');
    const token = this.metricsEndpointAuth ? options.bearerToken ?? this.metricsReader() : undefined;
    this._serviceMonitor = new ServiceMetricsMonitor(this, 'Monitor', {
      service: this.service, port: 'metrics', discovery, name: this.name, bearerToken: token,
    });
    return this._serviceMonitor;
  }

  /**
   * A ServiceAccount allowed only `GET /metrics` (the SubjectAccessReview the EPP makes is for
   * the non-resource URL `/metrics`, verb `get`: "To scrape metrics (e.g. via Prometheus), the
   * client needs a ClusterRole with the following rule: nonResourceURLs: "/metrics", verbs: get",
   * controller-runtime pkg/metrics/filters/filters.go), and its long-lived token Secret, which
   * Kubernetes fills (type `kubernetes.io/service-account-token`).
   */
  private metricsReader(): SecretKeyRef {
    const ns = this.namespace;
    const readerName = `${this.name}-metrics-reader`;
    const account = new kplus.ServiceAccount(this, 'MetricsReader', {
      metadata: { name: claimName(this, 'ServiceAccount', readerName, ns, 'name'), labels: this.labels },
    });
    const secret = new kplus.ServiceAccountTokenSecret(this, 'MetricsReaderToken', {
      metadata: { name: claimName(this, 'Secret', readerName, ns, 'name'), labels: this.labels },
      serviceAccount: account,
    });
    const clusterName = `${ns}-${readerName}`;
    const role = new kplus.ClusterRole(this, 'MetricsReaderRole', { metadata: { name: claimName(this, 'rbac/ClusterRole', clusterName, null, 'name'), labels: this.labels } });
    role.allow(['get'], kplus.NonApiResource.of('/metrics'));
    clusterScoped(role);
    const binding = new kplus.ClusterRoleBinding(this, 'MetricsReaderBinding', {
      metadata: { name: claimName(this, 'rbac/ClusterRoleBinding', clusterName, null, 'name'), labels: this.labels },
      role,
    });
    binding.addSubjects(account);
    clusterScoped(binding);
    return { secretName: secret.name, key: 'token' };
  }
}

/** The EPP version of the image: `version`, else the `vX.Y.Z` tag; a 1.5.x release. */
function eppVersion(image: string, declared: unknown): string {
  const tagged = IMAGE_TAG_VERSION.exec(image)?.[1];
  let version: string;
  if (declared === undefined) {
    if (tagged === undefined) {
      throw invalid('endpointPicker.version', undefined, `is required for image ${JSON.stringify(image)}: its tag carries no vX.Y.Z EPP version; declare the release the image runs, e.g. version: '1.5.0'`);
    }
    version = tagged;
  } else {
    if (typeof declared !== 'string' || !/^\d+\.\d+\.\d+$/.test(declared)) throw invalid('endpointPicker.version', declared, 'must be an EPP release X.Y.Z, e.g. \'1.5.0\'');
    if (tagged !== undefined && tagged !== declared) {
      throw invalid('endpointPicker.version', declared, `contradicts the tag of image ${JSON.stringify(image)} (EPP ${tagged}): omit version or make them agree`);
    }
    version = declared;
  }
  if (!EPP_VERSION.test(version)) {
    const prop = declared === undefined ? 'endpointPicker.image' : 'endpointPicker.version';
    throw invalid(prop, declared === undefined ? image : version, `runs EPP ${version}, not a 1.5.x release: the flags, plugin config and RBAC rendered here were checked against v1.5.0 (kubernetes-sigs/gateway-api-inference-extension); v1.6.0 removed the EPP and InferenceObjective (PR #2973, now llm-d/llm-d-router); use EPP_IMAGE`);
  }
  return version;
}

function eppResources(resources: EndpointPickerResources | undefined): Required<EndpointPickerResources> {
  if (resources !== undefined && (typeof resources !== 'object' || resources === null || Array.isArray(resources))) {
    throw invalid('endpointPicker.resources', resources, 'must be an object: { cpu?: Cpu, memory?: Size, memoryLimit?: Size }');
  }
  const cpu = resources?.cpu ?? kplus.Cpu.units(4);
  if (!(cpu instanceof kplus.Cpu) || !CPU_QUANTITY.test(cpu.amount) || !(parseFloat(cpu.amount) > 0)) {
    throw invalid('endpointPicker.resources.cpu', cpu instanceof kplus.Cpu ? cpu.amount : cpu, 'must be a Cpu greater than 0, e.g. Cpu.units(4) or Cpu.millis(500)');
  }
  const memory = resources?.memory ?? Size.gibibytes(8);
  const memoryLimit = resources?.memoryLimit ?? Size.gibibytes(16);
  const requested = wholeMebibytes('endpointPicker.resources.memory', memory);
  const limit = wholeMebibytes('endpointPicker.resources.memoryLimit', memoryLimit);
  if (limit < requested) {
    throw invalid('endpointPicker.resources.memoryLimit', `${limit}Mi`, `must be at least the memory request (${requested}Mi)`);
  }
  return { cpu, memory, memoryLimit };
}

function resolveUser(user: unknown): PodUser {
  const resolved = user === undefined ? PodUser.fixed(DISTROLESS_NONROOT_UID) : requirePodUser('endpointPicker.user', user);
  if (resolved.isRoot) throw invalid('endpointPicker.user', 0, 'must not be root: the EPP needs no privilege; use PodUser.fixed(65532) or PodUser.platformAssigned()');
  return resolved;
}

function requireFlag(prop: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(prop, value, 'must be true or false');
  return value;
}

function clusterScoped(scope: IConstruct): void {
  const obj = scope instanceof ApiObject ? scope : ApiObject.of(scope);
  obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
}
