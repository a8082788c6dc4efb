import { createHash } from 'crypto';
import { ApiObject, Duration, JsonPatch, Lazy, Size, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { AdapterMetric, AdapterMetricKind } from './adapter-metric';
import { CaBundle, CaBundleSource, requireCaBundle } from './ca-bundle';
import { poolName, unmonitoredPool } from './_pool-identity';
import { DcgmMetrics, MetricDefinition, MetricType, VllmMetrics } from './catalog';
import { requirePromQL } from './promql';
import { RecordedMetric, requireRecordedMetric } from './recorded-metric';
import { ScopedMetric } from './scoped-metric';
import { workloadOf } from '../autoscaling/_target';
import { KedaScaledObject } from '../autoscaling/keda-scaled-object';
import { LABEL_INSTANCE, LABEL_NAME as K8S_LABEL_NAME, METRIC_LABEL_POOL, recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { baseName, claimName } from '../core/_naming';
import { hardenedContainer, hardenedPod } from '../core/_security';
import { PodUser, requirePodUser } from '../core/pod-user';
import { SecretKeyRef, validateSecretRef } from '../core/secret-ref';
import { wholeSeconds } from '../core/_units';
import { invalid, requireDnsSubdomain, requirePositiveInteger } from '../core/_validation';
import { podsWithLabels, selectByLabels } from '../core/_workload';
import { NetworkPeer, requireNetworkPeer } from '../network/network-peer';
import { WorkloadNetworkPolicy } from '../network/workload-network-policy';
import { isServingPool, ServingPool } from '../vllm/serving-pool';

/** The pinned adapter image (FACTS §D; kubernetes-sigs/prometheus-adapter deploy/manifests/deployment.yaml). */
export const PROMETHEUS_ADAPTER_IMAGE = 'registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0';

/** The adapter's HTTPS port (`--secure-port`). */
const SECURE_PORT = 6443;
/** The port the Service, and so the APIService, uses. */
const SERVICE_PORT = 443;
/** Where the config is mounted and the key it is read from (`--config`). */
const CONFIG_DIR = '/etc/adapter';
const CONFIG_KEY = 'config.yaml';
const CHECKSUM_ANNOTATION = 'checksum/config';
/** Where the Prometheus bearer token and CA bundle are mounted. */
const TOKEN_DIR = '/etc/prometheus-auth/token';
const CA_DIR = '/etc/prometheus-auth/ca';
const CUSTOM_METRICS_GROUP = 'custom.metrics.k8s.io';
const EXTERNAL_METRICS_GROUP = 'external.metrics.k8s.io';
const API_VERSION = 'v1beta1';
/** The HPA controller's identity (kube-controller-manager with --use-service-account-credentials). */
const HPA_CONTROLLER = { name: 'horizontal-pod-autoscaler', namespace: 'kube-system' };
const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * Per-GPU utilization gauges (one series per GPU of a pod): averaged per pod, never summed,
 * or a pod on four fully busy GPUs reads 400 % and an HPA target of 70 % means nothing.
 */
const PER_DEVICE_UTILIZATION: readonly MetricDefinition[] = [DcgmMetrics.GPU_UTIL, DcgmMetrics.GR_ENGINE_ACTIVE];
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Props of `PrometheusAdapter`. */
export interface PrometheusAdapterProps {
  /**
   * The base name of the adapter's objects (a DNS-1035 label): Deployment, Service and
   * ServiceAccount `<name>`, ConfigMap `<name>-config`, ClusterRoles and bindings
   * `<name>-auth-delegator`, `<name>-resource-reader`, `<name>-custom-metrics-reader`,
   * `<name>-external-metrics-reader`, RoleBinding `<name>-auth-reader` (in kube-system).
   * The APIServices are named by their group (`v1beta1.custom.metrics.k8s.io`).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Render the whole adapter (Deployment, Service, ServiceAccount, RBAC and APIServices)
   * rather than only its rules ConfigMap. Without it, point an existing install at the
   * ConfigMap: the Helm chart's `rules.existing: <configMapName>`.
   * @default false
   */
  readonly install?: boolean;
  /**
   * The Prometheus the adapter queries, e.g. `http://prometheus-operated.monitoring.svc:9090`.
   * Required with `install`; without it the existing install's own URL applies.
   * Kubernetes name: the `--prometheus-url` flag.
   * @default - none
   */
  readonly prometheusUrl?: string;
  /**
   * The name of the ConfigMap holding `config.yaml`. Required without `install`: the existing
   * adapter Deployment mounts a ConfigMap by a fixed name.
   * @default - `<name>-config` (with `install` only)
   */
  readonly configMapName?: string;
  /** @default PROMETHEUS_ADAPTER_IMAGE (v0.12.0) */
  readonly image?: string;
  /**
   * The cluster the adapter is installed in, when one App describes several clusters (each
   * scenario or environment its own): only one server per cluster can own an APIService, so
   * two installed adapters conflict only when their `cluster` is the same.
   * @default 'default' (every adapter of the App in one cluster)
   */
  readonly cluster?: string;
  /**
   * Adapter replicas: every HPA on an adapter metric stops scaling while none is ready.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * How often the adapter lists the series its rules match: a new pool's metric appears
   * after at most this long. Kubernetes name: the `--metrics-relist-interval` flag.
   * @default Duration.minutes(1)
   */
  readonly metricsRelistInterval?: Duration;
  /** @default - requests 102m CPU and 180Mi memory (the upstream manifest), limits 1 CPU and 512Mi */
  readonly resources?: kplus.ContainerResources;
  /**
   * The user the adapter runs as: a fixed uid, or `PodUser.platformAssigned()` where the
   * platform assigns uids (OpenShift `restricted-v2`). Always non-root, read-only root
   * filesystem, no capabilities.
   * @default PodUser.fixed(10001) (the Helm chart's)
   */
  readonly user?: PodUser;
  /**
   * How the adapter authenticates to a secured Prometheus (with `install`): a bearer token
   * from a Secret and the CA bundle that signs the server's certificate, mounted read-only
   * and passed as `--prometheus-token-file` and `--prometheus-ca-file` (FACTS §D,
   * cmd/adapter/adapter.go). OpenShift: the Thanos querier
   * (`https://thanos-querier.openshift-monitoring.svc:9091`) with the token of a service
   * account bound to `cluster-monitoring-view` (`PrometheusReader`) and
   * `CaBundle.openShiftServiceCa()`.
   * @default - none: an unauthenticated Prometheus trusted by the system roots
   */
  readonly prometheusAuth?: PrometheusAdapterAuth;
  /**
   * The adapter's NetworkPolicy (with `install`): ingress on its secure port 6443 only. The
   * API server calls it there; name its addresses in `allowFrom` where you know them.
   * @default - on, port 6443 from any source
   */
  readonly network?: { readonly enabled?: boolean; readonly allowFrom?: NetworkPeer[] };
}

/** How `PrometheusAdapter` authenticates to a secured Prometheus. */
export interface PrometheusAdapterAuth {
  /** The bearer token, a key of a Secret in the adapter's namespace. Flag: `--prometheus-token-file`. @default - none */
  readonly bearerToken?: SecretKeyRef;
  /** The CA bundle of an `https://` Prometheus, in the adapter's namespace. Flag: `--prometheus-ca-file`. @default - the system roots */
  readonly ca?: CaBundle;
}

/** Options of `addPodsMetric` and `addExternalMetric`. */
export interface AdapterMetricOptions {
  /**
   * The name the Kubernetes metrics API serves (letters, digits and `_`).
   * @default - the series name with `:` (and any other character not a letter, digit or `_`) as `_`; counters lose `_total` and gain `_per_second`
   */
  readonly name?: string;
  /**
   * The `rate()` window of a counter: at least two scrape intervals.
   * @default Duration.minutes(2)
   */
  readonly rateWindow?: Duration;
}

/** Options of `addObjectMetric`. */
export interface AdapterObjectMetricOptions extends AdapterMetricOptions {
  /** The Prometheus label naming the described object, e.g. `service` or `ingress`. */
  readonly label: string;
  /** The Kubernetes resource that label names, singular and lower-case (`service`, `ingress`). */
  readonly resource: string;
  /**
   * The resource's API group, e.g. `networking.k8s.io` for `ingress`.
   * @default - the core group
   */
  readonly group?: string;
}

/** One adapter discovery rule, as in config.yaml (FACTS §D, pkg/config/config.go). */
interface DiscoveryRule {
  readonly seriesQuery: string;
  readonly resources: { overrides: Record<string, { group?: string; resource: string }> };
  readonly name: { matches: string; as: string };
  readonly metricsQuery: string;
}

/**
 * prometheus-adapter serving Prometheus series to the Kubernetes custom metrics API
 * (`custom.metrics.k8s.io`, for HPA `Pods` and `Object` metrics) and, only when asked, the
 * external metrics API.
 *
 * Each `add…Metric()` renders one rule in `config.yaml` from a catalog metric: the series
 * is renamed for Kubernetes (`vllm:num_requests_waiting` → `vllm_num_requests_waiting`,
 * counters as a `rate()` → `…_per_second`), and the query groups by the HPA's `<<.GroupBy>>`
 * (the pod), so each pod, and so each model's pool, is measured on its own load and never
 * on a sum across models. It returns an `AdapterMetric` for `HpaMetric.adapterPods`.
 *
 * Two modes: rules only (a ConfigMap for an existing install, the default), or
 * `install: true` for the whole adapter: Deployment, Service, ServiceAccount, the RBAC of
 * the upstream Helm chart, and the APIService `v1beta1.custom.metrics.k8s.io`
 * (plus `v1beta1.external.metrics.k8s.io` once an external metric is added).
 * External metrics are refused at synth when the App has a KEDA ScaledObject: KEDA owns
 * the external metrics API.
 *
 * @see https://github.com/kubernetes-sigs/prometheus-adapter/blob/master/docs/config.md
 *
 * @example
 * const adapter = new PrometheusAdapter(chart, 'adapter', {
 *   install: true,
 *   prometheusUrl: 'http://prometheus-operated.monitoring.svc:9090',
 * });
 * const waiting = adapter.addPodsMetric(VllmMetrics.NUM_REQUESTS_WAITING);
 * new HorizontalAutoscaler(chart, 'hpa', { target: pool, maxReplicas: 4, metrics: [HpaMetric.adapterPods(waiting, 5)] });
 */
export class PrometheusAdapter extends Construct {
  /** The ConfigMap holding `config.yaml`. */
  public readonly configMap: kplus.ConfigMap;
  /** The namespace of the ConfigMap (and of the adapter, with `install`). */
  public readonly namespace: string;
  /** Whether the whole adapter is rendered. */
  /** The adapter's NetworkPolicy (with `install`, unless `network.enabled` is false). */
  public readonly networkPolicy?: WorkloadNetworkPolicy;
  public readonly installed: boolean;
  /** The adapter Deployment (with `install`). */
  public readonly deployment?: kplus.Deployment;
  /** The Service the APIServices point at (with `install`). */
  public readonly service?: kplus.Service;
  /** The adapter's ServiceAccount (with `install`). */
  public readonly serviceAccount?: kplus.ServiceAccount;
  /** The base name of the adapter's objects. */
  public readonly name: string;
  /** The cluster the adapter is installed in (`cluster` prop). */
  public readonly cluster: string;

  private readonly labels: Record<string, string>;
  private readonly rules: DiscoveryRule[] = [];
  private readonly externalRules: DiscoveryRule[] = [];
  private readonly served: AdapterMetric[] = [];
  /** The pool each rule reads (by its `pool` label), for the synth-time monitor check. */
  private readonly poolRules: Array<{ readonly at: string; readonly pool: ServingPool }> = [];
  /** The recorded series each rule reads, for the synth-time check that their rules are in the App. */
  private readonly recorded: Array<{ readonly at: string; readonly metric: RecordedMetric }> = [];
  private customApi?: Construct;
  private externalApi?: Construct;

  public constructor(scope: Construct, id: string, props: PrometheusAdapterProps = {}) {
    super(scope, id);
    this.namespace = requireChartNamespace(this, 'PrometheusAdapter');
    const install = this.installed = props.install ?? false;
    const user = validateProps(props, install);
    const name = this.name = baseName(this, 'name', props.name);
    if (props.cluster !== undefined && (typeof props.cluster !== 'string' || !props.cluster.trim())) throw invalid('cluster', props.cluster, 'must be a non-empty cluster name');
    this.cluster = props.cluster ?? 'default';
    const ns = this.namespace;
    this.labels = recommendedLabels('prometheus-adapter', name, 'metrics-adapter');

    const configMapName = claimName(this, 'ConfigMap', props.configMapName ?? `${name}-config`, ns, props.configMapName !== undefined ? 'configMapName' : 'name');
    this.configMap = new kplus.ConfigMap(this, 'ConfigMap', { metadata: { name: configMapName, labels: this.labels } });
    // Lazy: metrics are added after construction.
    this.configMap.addData(CONFIG_KEY, Lazy.any({ produce: () => this.renderConfig() }));

    if (install) {
      const relist = durationString('metricsRelistInterval', props.metricsRelistInterval ?? Duration.minutes(1));
      const auth = requireAdapterAuth(props.prometheusAuth, props.prometheusUrl!);
      this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
        metadata: { name: claimName(this, 'ServiceAccount', name, ns), labels: this.labels },
      });
      this.deployment = new kplus.Deployment(this, 'Resource', {
        metadata: { name: claimName(this, 'apps/Deployment', name, ns), labels: this.labels },
        podMetadata: { labels: this.labels },
        select: false,
        replicas: props.replicas ?? 2,
        serviceAccount: this.serviceAccount,
        // The adapter is an aggregated API server: it calls the API server with its own token.
        automountServiceAccountToken: true,
        securityContext: hardenedPod(user),
      });
      // Stable selector labels: a Deployment's selector is immutable (no construct-path hash in it).
      const selector = { [K8S_LABEL_NAME]: this.labels[K8S_LABEL_NAME], [LABEL_INSTANCE]: this.labels[LABEL_INSTANCE] };
      selectByLabels(this.deployment, selector);
      // The adapter reads config.yaml only at start: roll the pods when the rules change.
      this.deployment.podMetadata.addAnnotation(CHECKSUM_ANNOTATION, Lazy.any({ produce: () => sha256(this.renderConfig()) }));
      const container = this.deployment.addContainer({
        name: 'prometheus-adapter',
        image: props.image ?? PROMETHEUS_ADAPTER_IMAGE,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        // Flags of cmd/adapter/adapter.go and the generic apiserver (FACTS §D).
        args: [
          `--prometheus-url=${props.prometheusUrl}`,
          `--config=${CONFIG_DIR}/${CONFIG_KEY}`,
          `--metrics-relist-interval=${relist}`,
          `--secure-port=${SECURE_PORT}`,
          // Self-signed serving certificates go to the writable /tmp (the root filesystem is read-only).
          '--cert-dir=/tmp/cert',
          ...(auth?.bearerToken ? [`--prometheus-token-file=${TOKEN_DIR}/${auth.bearerToken.key}`] : []),
          ...(auth?.ca ? [`--prometheus-ca-file=${CA_DIR}/${auth.ca.key}`] : []),
        ],
        ports: [{ name: 'https', number: SECURE_PORT }],
        liveness: kplus.Probe.fromHttpGet('/livez', {
          port: SECURE_PORT, scheme: kplus.ConnectionScheme.HTTPS,
          initialDelaySeconds: Duration.seconds(30), periodSeconds: Duration.seconds(5), failureThreshold: 5,
        }),
        readiness: kplus.Probe.fromHttpGet('/readyz', {
          port: SECURE_PORT, scheme: kplus.ConnectionScheme.HTTPS,
          initialDelaySeconds: Duration.seconds(30), periodSeconds: Duration.seconds(5), failureThreshold: 5,
        }),
        resources: props.resources ?? {
          cpu: { request: kplus.Cpu.millis(102), limit: kplus.Cpu.units(1) },
          memory: { request: Size.mebibytes(180), limit: Size.mebibytes(512) },
        },
        securityContext: hardenedContainer(user),
      });
      container.mount(CONFIG_DIR, kplus.Volume.fromConfigMap(this, 'ConfigVolume', this.configMap, { name: 'config' }), { readOnly: true });
      container.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp', { sizeLimit: Size.mebibytes(64) }));
      if (auth?.bearerToken) {
        const secret = kplus.Secret.fromSecretName(this, 'TokenSecret', auth.bearerToken.secretName);
        container.mount(TOKEN_DIR, kplus.Volume.fromSecret(this, 'TokenVolume', secret, { name: 'prometheus-token', items: { [auth.bearerToken.key]: { path: auth.bearerToken.key } } }), { readOnly: true });
      }
      if (auth?.ca) {
        const ca = auth.ca;
        const volume = ca.source === CaBundleSource.CONFIG_MAP
          ? kplus.Volume.fromConfigMap(this, 'CaVolume', kplus.ConfigMap.fromConfigMapName(this, 'CaConfigMap', ca.name), { name: 'prometheus-ca', items: { [ca.key]: { path: ca.key } } })
          : kplus.Volume.fromSecret(this, 'CaVolume', kplus.Secret.fromSecretName(this, 'CaSecret', ca.name), { name: 'prometheus-ca', items: { [ca.key]: { path: ca.key } } });
        container.mount(CA_DIR, volume, { readOnly: true });
      }

      this.service = new kplus.Service(this, 'Service', {
        metadata: { name: claimName(this, 'Service', name, ns), labels: this.labels },
        selector: podsWithLabels(this, 'Pods', selector),
        ports: [{ name: 'https', port: SERVICE_PORT, targetPort: SECURE_PORT }],
      });

      // Only its secure port is open: the API server calls it there (aggregated API). The
      // API server is not a pod and its source addresses differ per cluster (a managed control
      // plane sits outside the pod network), so by default the port admits any source.
      const network = props.network ?? {};
      if (typeof network !== 'object' || network === null) throw invalid('network', network, 'must be { enabled?, allowFrom? }');
      if (network.enabled !== undefined && typeof network.enabled !== 'boolean') throw invalid('network.enabled', network.enabled, 'must be true or false');
      if (network.enabled !== false) {
        if (network.allowFrom !== undefined && !Array.isArray(network.allowFrom)) throw invalid('network.allowFrom', network.allowFrom, 'must be a list of NetworkPeer');
        const sources = (network.allowFrom ?? [NetworkPeer.anywhere()]).map((peer, i) => requireNetworkPeer(`network.allowFrom[${i}]`, peer));
        this.networkPolicy = new WorkloadNetworkPolicy(this, 'NetworkPolicy', { name, podLabels: selector, labels: this.labels });
        sources.forEach((peer, i) => this.networkPolicy!.allowFrom(peer, [{ port: SECURE_PORT }], network.allowFrom ? `network.allowFrom[${i}]` : 'the API server (aggregated API)'));
      }
      this.renderBaseRbac(this.serviceAccount);
    }

    this.node.addValidation({ validate: () => this.validateApp() });
  }

  /** The metrics this adapter serves, in the order added. */
  public get metrics(): readonly AdapterMetric[] {
    return [...this.served];
  }

  /**
   * Serves a catalog metric per pod on `custom.metrics.k8s.io`, for an HPA `Pods` metric
   * (`HpaMetric.adapterPods`). The series need the `namespace` and `pod` labels, which
   * prometheus-operator's monitors attach. A gauge is summed per pod, except per-GPU
   * utilization (`DcgmMetrics.GPU_UTIL`, `GR_ENGINE_ACTIVE`), averaged over the pod's GPUs; a
   * counter becomes its per-second `rate()`. Histograms are refused: they have no single value per pod.
   *
   * A pool's series are served from its metric helpers (`pool.metricRequestsWaiting()`): the
   * rule then reads only that pool's series (by its `pool` label, which the pool's PodMonitor
   * adds; the monitor is required at synth), and its name ends in the pool's name, so two
   * pools serving one model never share a rule. A bare vLLM catalog metric is refused.
   * @param metric a pool's (or another construct's) metric helper, or a catalog metric
   *   (`DcgmMetrics.GPU_UTIL`)
   */
  public addPodsMetric(metric: ScopedMetric | MetricDefinition, options: AdapterMetricOptions = {}): AdapterMetric {
    return this.addRule(AdapterMetricKind.PODS, metric, options, { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } });
  }

  /**
   * Serves a quantile of a histogram per pod on `custom.metrics.k8s.io`, for an HPA `Pods`
   * metric on a latency (`HpaMetric.adapterPods(adapter.addPodsQuantileMetric(m, 0.95), 0.5)`
   * scales so that the pods' average p95 is 0.5 s).
   *
   * A histogram has no single value per pod (it is a family of `_bucket`, `_sum` and `_count`
   * series), which is why `addPodsMetric` refuses it. This rule computes the quantile the way
   * Prometheus does, from the rate of the buckets per pod:
   * `histogram_quantile(q, sum by (le, <<.GroupBy>>) (rate(<name>_bucket{<<.LabelMatchers>>}[w]))) >= 0`
   * (the comparison drops the NaN of a pod that served nothing in the window).
   * Summing by `le` and the pod keeps the buckets of each pod together (dropping `le` would
   * break the quantile, keeping the other labels would give several values per pod). For a
   * quantile over the whole workload, record it with a recording rule and serve that gauge.
   * @param metric a construct's histogram helper, or a histogram `MetricDefinition` (`defineMetric()`)
   * @param quantile greater than 0 and less than 1, e.g. 0.95
   * @param options `name` (default: the histogram's name with `_p95`, `_p99`, ...), `rateWindow` (default 2 minutes)
   */
  public addPodsQuantileMetric(metric: ScopedMetric | MetricDefinition, quantile: number, options: AdapterMetricOptions = {}): AdapterMetric {
    if (typeof quantile !== 'number' || !(quantile > 0 && quantile < 1)) {
      throw invalid('quantile', quantile, 'must be greater than 0 and less than 1, e.g. 0.95 for the 95th percentile');
    }
    return this.addRule(AdapterMetricKind.PODS, metric, options, { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } }, undefined, quantile);
  }

  /**
   * Serves a catalog metric per object (a Service, an Ingress) on `custom.metrics.k8s.io`,
   * for an HPA `Object` metric (`HpaMetric.adapterObject`). The series need the
   * `namespace` label and `options.label` naming the object.
   * @param metric a construct's metric helper (e.g. `proxy.metricRequests()`), or a catalog metric
   */
  public addObjectMetric(metric: ScopedMetric | MetricDefinition, options: AdapterObjectMetricOptions): AdapterMetric {
    if (options === null || typeof options !== 'object') throw invalid('options', options, 'must set label and resource');
    if (!LABEL_NAME.test(options.label ?? '') || ['namespace', '__name__'].includes(options.label)) {
      throw invalid('label', options.label, 'must be a Prometheus label name other than namespace and __name__ (letters, digits and \'_\', not starting with a digit)');
    }
    if (!/^[a-z][a-z0-9]*$/.test(options.resource ?? '')) {
      throw invalid('resource', options.resource, 'must be a Kubernetes resource, singular and lower-case, e.g. service or ingress');
    }
    if (options.group !== undefined) requireDnsSubdomain('group', options.group);
    const target = options.group ? { group: options.group, resource: options.resource } : { resource: options.resource };
    return this.addRule(AdapterMetricKind.OBJECT, metric, options, { namespace: { resource: 'namespace' }, [options.label]: target }, options.resource);
  }

  /**
   * Serves a catalog metric on `external.metrics.k8s.io`, summed over the series of the
   * HPA's namespace that match its selector, for an HPA `External` metric
   * (`HpaMetric.adapterExternal`). With `install`, this adds the APIService
   * `v1beta1.external.metrics.k8s.io`. Refused at synth when the App has a KEDA
   * ScaledObject: KEDA owns that API.
   * @param metric a construct's metric helper (a pool's, the proxy's), or a catalog metric
   */
  public addExternalMetric(metric: ScopedMetric | MetricDefinition, options: AdapterMetricOptions = {}): AdapterMetric {
    return this.addRule(AdapterMetricKind.EXTERNAL, metric, options, { namespace: { resource: 'namespace' } });
  }

  /**
   * Serves a pool's recorded series (`rules.pool(pool).ttftP95`, from `RecordingRules`) on
   * `custom.metrics.k8s.io` as an `Object` metric describing the pool's workload (a
   * `VllmPool`'s Deployment, a `MultiNodeVllmPool`'s LeaderWorkerSet), for an HPA on a
   * quantile over the whole pool:
   * `HpaMetric.adapterObject(metric, { apiVersion: 'apps/v1', kind: 'Deployment', name: pool.deployment.name }, { value: 1.5 })`
   * (for a multi-node pool `{ apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: pool.name }`).
   * The recorded value is served as it is (a quantile or a ratio is no counter: no `rate()`),
   * read by its `namespace` and `pool` labels (the pool's name is its workload's name). The
   * pool's PodMonitor, and the rules rendered in the same App, are checked at synth.
   * @param metric a pool's recorded series
   * @param options `name` (default: the recorded name with `:` as `_`, then the pool's name)
   */
  public addRecordedMetric(metric: RecordedMetric, options: { readonly name?: string } = {}): AdapterMetric {
    requireRecordedMetric('metric', metric);
    const pool = metric.pool;
    if (!pool) {
      throw invalid('metric', metric.name, 'is not a pool\'s recorded series: the adapter serves a recorded series per pool, as an Object metric of the pool\'s Deployment; scale on a proxy\'s recorded series with LlmSignal.recorded() (KEDA)');
    }
    if (options === null || typeof options !== 'object') throw invalid('options', options, 'must be { name? }');
    // The pool's name is its workload's name (the naming contract): the `pool` label names the
    // Deployment (apps/deployment) or the LeaderWorkerSet (leaderworkerset.x-k8s.io/leaderworkerset).
    const workload = workloadResource(pool);
    const name = options.name ?? `${metric.name.replace(/[^A-Za-z0-9_]/g, '_')}_${poolName(pool).replace(/[^A-Za-z0-9_]/g, '_')}`;
    if (typeof name !== 'string' || !METRIC_NAME.test(name)) {
      throw invalid('name', name, 'must be a metric name of letters, digits and \'_\' (no \':\': the Kubernetes metrics APIs refuse it), not starting with a digit');
    }
    const clash = this.rules.findIndex(r => r.name.as === name);
    if (clash >= 0) {
      throw invalid('name', name, `is already served by PrometheusAdapter '${this.node.path}' (rules[${clash}], from ${JSON.stringify(this.rules[clash].name.matches)}): two rules with one name make the adapter's answer ambiguous; add each metric once and reuse its AdapterMetric`);
    }
    const extra = Object.entries(metric.matchers).filter(([k]) => k !== 'namespace' && k !== METRIC_LABEL_POOL).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    const seriesQuery = `{${[`__name__=${JSON.stringify(metric.name)}`, `namespace=${JSON.stringify(pool.namespace)}`, `${METRIC_LABEL_POOL}=${JSON.stringify(poolName(pool))}`, ...extra].join(',')}}`;
    // One series per pool: max() serves it as it is (a sum of duplicates would not be a quantile).
    const metricsQuery = `max(<<.Series>>{${['<<.LabelMatchers>>', ...extra].join(',')}}) by (<<.GroupBy>>)`;
    const at = `rules[${this.rules.length}]`;
    requirePromQL(`${at}.seriesQuery`, seriesQuery);
    requirePromQL(`${at}.metricsQuery`, metricsQuery.replace(/<<\.Series>>/g, metric.name).replace(/<<\.LabelMatchers>>/g, `namespace="llm",${METRIC_LABEL_POOL}="pool-0"`).replace(/<<\.GroupBy>>/g, METRIC_LABEL_POOL));
    this.rules.push({
      seriesQuery,
      resources: { overrides: { namespace: { resource: 'namespace' }, [METRIC_LABEL_POOL]: workload } },
      name: { matches: `^${escapeRegex(metric.name)}$`, as: name },
      metricsQuery,
    });
    this.poolRules.push({ at: `${at} (${name})`, pool });
    this.recorded.push({ at: `${at} (${name})`, metric });
    const served = AdapterMetric._create({ name, kind: AdapterMetricKind.OBJECT, definition: metric.definition, adapterPath: this.node.path, describedResource: workload.resource });
    this.served.push(served);
    if (this.installed) this.renderApiService(false);
    return served;
  }

  private addRule(
    kind: AdapterMetricKind, metric: ScopedMetric | MetricDefinition, options: AdapterMetricOptions,
    overrides: DiscoveryRule['resources']['overrides'], describedResource?: string, quantile?: number,
  ): AdapterMetric {
    const scoped = metric instanceof ScopedMetric ? metric : undefined;
    const definition = scoped ? scoped.definition : metric as MetricDefinition;
    if (definition === null || typeof definition !== 'object' || typeof definition.name !== 'string') {
      throw invalid('metric', metric, 'must be a metric helper\'s value (pool.metricRequestsWaiting()) or a catalog metric (DcgmMetrics.GPU_UTIL)');
    }
    if (!scoped && (Object.values(VllmMetrics) as MetricDefinition[]).includes(definition)) {
      throw invalid('metric', definition.name, `is a pool metric: a rule on the bare name reads every pool's series, so two pools serving one model name would scale on each other's load; pass the pool's metric helper (e.g. adapter.${kind === AdapterMetricKind.PODS ? 'addPodsMetric' : kind === AdapterMetricKind.OBJECT ? 'addObjectMetric' : 'addExternalMetric'}(pool.metricRequestsWaiting())), which scopes the rule by the pool's '${METRIC_LABEL_POOL}' label`);
    }
    if (options === null || typeof options !== 'object') throw invalid('options', options, 'must be an options object');
    const pool = scoped?.matchers[METRIC_LABEL_POOL] !== undefined ? this.poolOf(scoped) : undefined;
    if (quantile !== undefined && definition.type !== MetricType.HISTOGRAM) {
      throw invalid('definition', definition.name, `is a ${definition.type}, not a histogram: a quantile needs _bucket series; serve it with addPodsMetric()`);
    }
    if (definition.type === MetricType.HISTOGRAM && quantile === undefined) {
      throw invalid('definition', definition.name, `is a histogram: an adapter metric needs one value per ${kind === AdapterMetricKind.PODS ? 'pod' : 'object'}, and a histogram is a family of _bucket, _sum and _count series; serve a quantile per pod with addPodsQuantileMetric(), record the value you want as a gauge (a recording rule) and add that, or scale on a gauge such as vllm:num_requests_waiting`);
    }
    const isCounter = definition.type === MetricType.COUNTER || quantile !== undefined;
    if (!isCounter && options.rateWindow !== undefined) {
      throw invalid('rateWindow', options.rateWindow.toHumanString(), `applies to counters only: ${JSON.stringify(definition.name)} is a ${definition.type}, served as it is`);
    }
    const poolLabel = scoped?.matchers[METRIC_LABEL_POOL];
    const base = quantile !== undefined ? `${definition.name.replace(/[^A-Za-z0-9_]/g, '_')}_p${quantileSuffix(quantile)}` : adapterName(definition);
    const name = options.name ?? (poolLabel !== undefined ? `${base}_${poolLabel.replace(/[^A-Za-z0-9_]/g, '_')}` : base);
    if (typeof name !== 'string') throw invalid('name', name, 'must be a metric name string');
    if (!METRIC_NAME.test(name)) {
      throw invalid('name', name, 'must be a metric name of letters, digits and \'_\' (no \':\': the Kubernetes metrics APIs refuse it), not starting with a digit');
    }
    const list = kind === AdapterMetricKind.EXTERNAL ? this.externalRules : this.rules;
    const field = kind === AdapterMetricKind.EXTERNAL ? 'externalRules' : 'rules';
    const clash = list.findIndex(r => r.name.as === name);
    if (clash >= 0) {
      throw invalid('name', name, `is already served by PrometheusAdapter '${this.node.path}' (${field}[${clash}], from ${JSON.stringify(list[clash].name.matches)}): two rules with one name make the adapter's answer ambiguous; add each metric once and reuse its AdapterMetric`);
    }

    const window = isCounter ? durationString('rateWindow', options.rateWindow ?? Duration.minutes(2)) : undefined;
    // A helper's matchers (namespace, pool, model_name) scope both the discovery and the
    // query: <<.LabelMatchers>> holds only what the HPA asks for (namespace, pods, selector).
    const scope = scoped ? selectorMatchers(scoped) : [];
    const series = `<<.Series>>{${['<<.LabelMatchers>>', ...scope.filter(m => !m.startsWith('namespace='))].join(',')}}`;
    const value = window ? `rate(${series}[${window}])` : series;
    // External metrics have no object to group by: one value for the matching series. A
    // quantile keeps each pod's buckets together (by le and the pod), and drops the NaN of a
    // pod that served nothing in the window (NaN >= 0 is false): NaN is no quantity the
    // metrics API can serve, and a pod without a value counts as idle for a scale-up and as
    // at target for a scale-down (Kubernetes HPA "missing metrics" rule). Per-GPU
    // utilization is averaged over a pod's GPUs (summed, a 4-GPU pod would read 400 %).
    const aggregate = PER_DEVICE_UTILIZATION.includes(definition) ? 'avg' : 'sum';
    const metricsQuery = quantile !== undefined
      ? `histogram_quantile(${quantile}, sum by (le, <<.GroupBy>>) (${value})) >= 0`
      : kind === AdapterMetricKind.EXTERNAL ? `${aggregate}(${value})` : `${aggregate}(${value}) by (<<.GroupBy>>)`;
    const seriesName = quantile !== undefined ? `${definition.name}_bucket` : definition.name;
    const scopedLabels = new Set(scope.map(m => m.split(/[=!~]/)[0]));
    const seriesQuery = `{${[`__name__=${JSON.stringify(seriesName)}`, ...scope, ...Object.keys(overrides).filter(l => !scopedLabels.has(l)).map(l => `${l}!=""`)].join(',')}}`;
    const at = `${field}[${list.length}]`;
    requirePromQL(`${at}.seriesQuery`, seriesQuery);
    requirePromQL(`${at}.metricsQuery`, sampleQuery(metricsQuery, seriesName, kind));

    list.push({
      seriesQuery,
      resources: { overrides },
      name: { matches: `^${escapeRegex(seriesName)}$`, as: name },
      metricsQuery,
    });
    if (pool) this.poolRules.push({ at: `${at} (${name})`, pool });
    const served = AdapterMetric._create({ name, kind, definition, adapterPath: this.node.path, describedResource });
    this.served.push(served);
    if (this.installed) this.renderApiService(kind === AdapterMetricKind.EXTERNAL);
    return served;
  }

  /** The pool (any `ServingPool`: a VllmPool or a MultiNodeVllmPool) a helper's `pool` matcher names (in the helper's namespace). */
  private poolOf(metric: ScopedMetric): ServingPool | undefined {
    const name = metric.matchers[METRIC_LABEL_POOL];
    const namespace = metric.matchers.namespace;
    return this.node.root.node.findAll().find((c: IConstruct): c is IConstruct & ServingPool =>
      isServingPool(c) && poolName(c) === name && (namespace === undefined || c.namespace === namespace));
  }

  /** The RBAC every install needs (prometheus-community/helm-charts charts/prometheus-adapter/templates). */
  private renderBaseRbac(serviceAccount: kplus.ServiceAccount): void {
    // cluster-role-binding-auth-delegator.yaml: delegate authn/authz to the API server.
    const delegator = new kplus.ClusterRoleBinding(this, 'AuthDelegator', {
      metadata: { name: claimName(this, 'rbac/ClusterRoleBinding', `${this.name}-auth-delegator`, null), labels: this.labels },
      role: kplus.ClusterRole.fromClusterRoleName(this, 'AuthDelegatorRole', 'system:auth-delegator'),
    });
    delegator.addSubjects(serviceAccount);
    clusterScoped(delegator);

    // role-binding-auth-reader.yaml: read the extension-apiserver-authentication ConfigMap.
    const reader = new kplus.RoleBinding(this, 'AuthReader', {
      metadata: { name: claimName(this, 'rbac/RoleBinding', `${this.name}-auth-reader`, 'kube-system'), labels: this.labels, namespace: 'kube-system' },
      role: kplus.Role.fromRoleName(this, 'AuthReaderRole', 'extension-apiserver-authentication-reader'),
    });
    reader.addSubjects(serviceAccount);

    // cluster-role-resource-reader.yaml and its binding: map series to namespaces, pods and services.
    const resourceReaderName = `${this.name}-resource-reader`;
    const resourceReader = new kplus.ClusterRole(this, 'ResourceReader', {
      metadata: { name: claimName(this, 'rbac/ClusterRole', resourceReaderName, null), labels: this.labels },
    });
    resourceReader.allowRead(kplus.ApiResource.NAMESPACES, kplus.ApiResource.PODS, kplus.ApiResource.SERVICES, kplus.ApiResource.CONFIG_MAPS);
    clusterScoped(resourceReader);
    const resourceReaderBinding = new kplus.ClusterRoleBinding(this, 'ResourceReaderBinding', {
      metadata: { name: claimName(this, 'rbac/ClusterRoleBinding', resourceReaderName, null), labels: this.labels },
      role: resourceReader,
    });
    resourceReaderBinding.addSubjects(serviceAccount);
    clusterScoped(resourceReaderBinding);
  }

  /**
   * The APIService of one metrics API and the ClusterRole / binding letting the HPA
   * controller read it, once, on the first metric it serves.
   */
  private renderApiService(external: boolean): void {
    if (external ? this.externalApi : this.customApi) return;
    const group = external ? EXTERNAL_METRICS_GROUP : CUSTOM_METRICS_GROUP;
    const scope = new Construct(this, external ? 'ExternalMetricsApi' : 'CustomMetricsApi');
    if (external) this.externalApi = scope; else this.customApi = scope;

    // custom-metrics-apiservice.yaml / external-metrics-apiservice.yaml (no TLS configured).
    const apiService = new kplus.k8s.KubeApiService(scope, 'ApiService', {
      metadata: { name: `${API_VERSION}.${group}`, labels: this.labels },
      spec: {
        service: { name: this.service!.name, namespace: this.namespace, port: SERVICE_PORT },
        group,
        version: API_VERSION,
        groupPriorityMinimum: 100,
        versionPriority: 100,
        insecureSkipTlsVerify: true,
      },
    });
    clusterScoped(apiService);

    // custom-metrics-cluster-role.yaml / external-metrics-cluster-role.yaml, bound to the HPA
    // controller (deploy/manifests/hpa-custom-metrics-cluster-role-binding.yaml,
    // external-metrics-cluster-role-binding-hpa.yaml). Read verbs only: the HPA only reads.
    const readerName = `${this.name}-${external ? 'external' : 'custom'}-metrics-reader`;
    const role = new kplus.ClusterRole(scope, 'Reader', { metadata: { name: claimName(this, 'rbac/ClusterRole', readerName, null), labels: this.labels } });
    role.allowRead(kplus.ApiResource.custom({ apiGroup: group, resourceType: '*' }));
    clusterScoped(role);
    const binding = new kplus.ClusterRoleBinding(scope, 'HpaController', {
      metadata: { name: claimName(this, 'rbac/ClusterRoleBinding', readerName, null), labels: this.labels },
      role,
    });
    binding.addSubjects(kplus.ServiceAccount.fromServiceAccountName(scope, 'HpaControllerAccount', HPA_CONTROLLER.name, { namespaceName: HPA_CONTROLLER.namespace }));
    clusterScoped(binding);
  }

  private renderConfig(): string {
    const config: Record<string, unknown> = { rules: this.rules };
    if (this.externalRules.length > 0) config.externalRules = this.externalRules;
    return Yaml.stringify(config);
  }

  /** Facts of the whole App, settled only at synth. */
  private validateApp(): string[] {
    const errors: string[] = [];
    if (this.served.length === 0) {
      errors.push(invalid('metrics', [], `must not be empty: PrometheusAdapter '${this.node.path}' serves nothing; call addPodsMetric() at least once`).message);
    }
    for (const { at, pool } of this.poolRules) {
      const e = unmonitoredPool(at, pool, `PrometheusAdapter '${this.node.path}'`);
      if (e) errors.push(e);
    }
    for (const { at, metric } of this.recorded) {
      const e = metric._unrenderedError(at, this);
      if (e) errors.push(e);
    }
    if (this.externalRules.length > 0) {
      const keda = this.node.root.node.findAll().find((c: IConstruct) => c instanceof KedaScaledObject);
      if (keda) {
        const names = this.served.filter(m => m.kind === AdapterMetricKind.EXTERNAL).map(m => m.name);
        errors.push(invalid('externalMetrics', names, `must be empty when the App has a KEDA ScaledObject ('${keda.node.path}'): KEDA owns the external metrics API (${API_VERSION}.${EXTERNAL_METRICS_GROUP}); both claiming it breaks installs. Serve the metric with addPodsMetric() or scale on it with a KEDA prometheus trigger`).message);
      }
    }
    if (this.installed) {
      for (const [api, group] of [[this.customApi, CUSTOM_METRICS_GROUP], [this.externalApi, EXTERNAL_METRICS_GROUP]] as const) {
        if (!api) continue;
        const other = this.node.root.node.findAll().find((c: IConstruct) => c !== this && c instanceof PrometheusAdapter && c.installed && c.cluster === this.cluster
          && (group === CUSTOM_METRICS_GROUP ? c.customApi : c.externalApi) !== undefined);
        if (other) {
          errors.push(invalid('install', true, `conflicts with PrometheusAdapter '${other.node.path}': both register the APIService ${API_VERSION}.${group}, and only one server can own it; add the metrics to one adapter (or, if they are installed in different clusters, give each its 'cluster')`).message);
        }
      }
    }
    return errors;
  }
}

function validateProps(props: PrometheusAdapterProps, install: boolean): PodUser {
  if (props === null || typeof props !== 'object') throw invalid('props', props, 'must be an object of PrometheusAdapterProps');
  if ((props as { runAsUser?: unknown }).runAsUser !== undefined) {
    throw invalid('runAsUser', (props as { runAsUser?: unknown }).runAsUser, 'was replaced by \'user\': PodUser.fixed(uid) or PodUser.platformAssigned()');
  }
  if (typeof install !== 'boolean') throw invalid('install', install, 'must be true or false');
  const user = props.user === undefined ? PodUser.fixed(10001) : requirePodUser('user', props.user);
  if (user.isRoot) throw invalid('user', 0, 'must not be root: the adapter needs no privilege; use PodUser.fixed(10001) or PodUser.platformAssigned()');
  if (install) {
    if (props.prometheusUrl === undefined) {
      throw invalid('prometheusUrl', undefined, 'must be set when \'install\' is true: the adapter queries this Prometheus (e.g. http://prometheus-operated.monitoring.svc:9090)');
    }
    requirePositiveInteger('replicas', props.replicas ?? 2);
  } else {
    if (props.configMapName === undefined) {
      throw invalid('configMapName', undefined, 'must be set when \'install\' is false: the existing adapter mounts a ConfigMap by a fixed name (with the Helm chart, set rules.existing to this name)');
    }
    for (const key of ['prometheusUrl', 'image', 'replicas', 'metricsRelistInterval', 'resources', 'user', 'prometheusAuth', 'cluster'] as const) {
      if (props[key] !== undefined) {
        const value = key === 'metricsRelistInterval' ? props.metricsRelistInterval!.toHumanString() : key === 'user' ? props.user!.kind : key === 'prometheusAuth' ? Object.keys(props.prometheusAuth!) : props[key];
        throw invalid(key, value, 'applies only when \'install\' is true: without it only the rules ConfigMap is rendered, and the existing install keeps its own settings');
      }
    }
  }
  if (props.configMapName !== undefined && props.configMapName !== null) {
    if (typeof props.configMapName !== 'string') throw invalid('configMapName', props.configMapName, 'must be a ConfigMap name: a DNS-1123 subdomain');
    requireDnsSubdomain('configMapName', props.configMapName);
  }
  if (props.prometheusUrl !== undefined) requirePrometheusUrl(typeof props.prometheusUrl === 'string' ? props.prometheusUrl : String(props.prometheusUrl));
  if (props.image !== undefined && (typeof props.image !== 'string' || !props.image.trim() || /\s/.test(props.image))) {
    throw invalid('image', props.image, 'must be an image reference without whitespace');
  }
  return user;
}

/** The helper's matchers as PromQL label matchers (`namespace="llm"`, `pod=~"..."`). */
function selectorMatchers(metric: ScopedMetric): string[] {
  return [
    ...Object.entries(metric.matchers).map(([k, v]) => `${k}=${JSON.stringify(v)}`),
    ...Object.entries(metric.regexMatchers).map(([k, v]) => `${k}=~${JSON.stringify(v)}`),
  ];
}

function requirePrometheusUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || !parsed.hostname || parsed.search || parsed.hash || parsed.username || parsed.password) {
    throw invalid('prometheusUrl', url, 'must be an http:// or https:// URL without credentials, query or fragment, e.g. http://prometheus-operated.monitoring.svc:9090');
  }
}

/**
 * The name Kubernetes serves: `:` and other characters the metrics APIs refuse become `_`;
 * a counter is served as its rate, so `_total` becomes `_per_second`.
 */
function adapterName(definition: MetricDefinition): string {
  const base = definition.name.replace(/[^A-Za-z0-9_]/g, '_');
  return definition.type === MetricType.COUNTER ? `${base.replace(/_total$/, '')}_per_second` : base;
}

/** `95` for 0.95, `99_9` for 0.999: a quantile as a metric-name suffix. */
function quantileSuffix(quantile: number): string {
  return String(Number((quantile * 100).toPrecision(12))).replace('.', '_');
}

/** The adapter's Prometheus auth, checked: a token only over https, a CA only for https. */
function requireAdapterAuth(auth: PrometheusAdapterAuth | undefined, url: string): PrometheusAdapterAuth | undefined {
  if (auth === undefined) return undefined;
  if (auth === null || typeof auth !== 'object' || Array.isArray(auth)) throw invalid('prometheusAuth', auth, 'must be { bearerToken?, ca? }');
  if (auth.bearerToken === undefined && auth.ca === undefined) throw invalid('prometheusAuth', auth, 'must set bearerToken, ca or both (omit it for an unauthenticated Prometheus)');
  if (auth.bearerToken !== undefined) {
    if (auth.bearerToken === null || typeof auth.bearerToken !== 'object') throw invalid('prometheusAuth.bearerToken', auth.bearerToken, 'must be a SecretKeyRef { secretName, key }');
    validateSecretRef('prometheusAuth.bearerToken', auth.bearerToken);
  }
  if (auth.ca !== undefined) requireCaBundle('prometheusAuth.ca', auth.ca);
  if (!url.startsWith('https://')) {
    throw invalid('prometheusUrl', url, `must be an https:// URL with prometheusAuth: ${auth.bearerToken ? 'the bearer token would cross the network in clear text' : 'a CA bundle verifies only a TLS server'}`);
  }
  return auth;
}

/** A Go / Prometheus duration (`1m`, `90s`) of whole seconds. */
function durationString(prop: string, duration: Duration): string {
  const seconds = wholeSeconds(prop, duration);
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

/** The metricsQuery with its templates filled the way the adapter fills them, for the parse check. */
function sampleQuery(template: string, series: string, kind: AdapterMetricKind): string {
  const matchers = kind === AdapterMetricKind.EXTERNAL ? 'namespace="llm"' : 'namespace="llm",pod=~"pool-0|pool-1"';
  return template
    .replace(/<<\.Series>>/g, series)
    .replace(/<<\.LabelMatchers>>/g, matchers)
    .replace(/<<\.GroupBy>>/g, 'pod');
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Cluster-scoped objects carry no namespace (cdk8s stamps the Chart's on every object). */
function clusterScoped(scope: IConstruct): void {
  const obj = scope instanceof ApiObject ? scope : ApiObject.of(scope);
  obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The resource (group and singular lower-case name, as the adapter's `resources.overrides`
 * take it) of the workload a pool's replicas run as: `apps`/`deployment` for a `VllmPool`,
 * `leaderworkerset.x-k8s.io`/`leaderworkerset` for a `MultiNodeVllmPool`.
 */
function workloadResource(pool: ServingPool): { group?: string; resource: string } {
  const { ref } = workloadOf(pool.scaleTarget);
  const slash = ref.apiVersion.indexOf('/');
  const resource = ref.kind.toLowerCase();
  return slash > 0 ? { group: ref.apiVersion.slice(0, slash), resource } : { resource };
}
