import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { requireDiscoveryLabels } from './_discovery-input';
import { DcgmMetricsSource, IDcgmExporter } from './dcgm-metrics-source';
import { MonitorDiscovery, validateDiscovery } from './discovery';
import { ExistingDcgmExporter, ExistingDcgmExporterProps } from './existing-dcgm-exporter';
import { ServiceMetricsMonitor } from './service-metrics-monitor';
import * as monitoring from '../../imports/monitoring.coreos.com';
import { LABEL_INSTANCE, LABEL_NAME, recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { baseName, claimName } from '../core/_naming';
import { invalid, requireDnsSubdomain, requireLabelKey, requireLabelValue } from '../core/_validation';
import { podsWithLabels, selectByLabels } from '../core/_workload';
import { WorkloadNetworkPolicy } from '../network/workload-network-policy';

/**
 * The pinned dcgm-exporter image (FACTS §E: `<dcgm>-<exporter>-<distro>`; the chart's own
 * default is the `-distroless` variant of the same release).
 */
export const DCGM_EXPORTER_IMAGE = 'nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-ubuntu22.04';
/** dcgm-exporter's listen port; metrics at `/metrics` (FACTS §E). */
export const DCGM_EXPORTER_PORT = 9400;
/**
 * The node label the NVIDIA GPU operator puts on every node with an NVIDIA GPU, value `"true"`
 * (NVIDIA/gpu-operator `controllers/state_manager.go`, `commonGPULabelKey`).
 */
export const NVIDIA_GPU_PRESENT_LABEL = 'nvidia.com/gpu.present';

/** The kubelet pod-resources API directory that maps GPUs to pods (upstream chart `kubeletPath`). */
const POD_RESOURCES_DIR = '/var/lib/kubelet/pod-resources';
/** The taint key GPU nodes commonly carry (upstream `deployment/examples/gpu-tainted-nodes-patch.yaml`). */
const GPU_TAINT_KEY = 'nvidia.com/gpu';

const IMAGE_REF = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/** Props of `DcgmExporter`. */
export interface DcgmExporterProps {
  /**
   * The name of the exporter's DaemonSet, Service and ServiceMonitor (a DNS-1035 label).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Discovery labels and interval of the ServiceMonitor, e.g.
   * `{ labels: { release: 'kube-prometheus-stack' } }`.
   */
  readonly discovery: MonitorDiscovery;
  /**
   * The container image, pinned to a tag or digest.
   * @default DCGM_EXPORTER_IMAGE
   */
  readonly image?: string;
  /**
   * Node labels the exporter's pods require. dcgm-exporter fails on a node without an
   * NVIDIA GPU, so the exporter runs on GPU nodes only. Without the GPU operator, use a label
   * your nodes carry, e.g. node-feature-discovery's `feature.node.kubernetes.io/pci-10de.present: 'true'`.
   *
   * Kubernetes name: `spec.template.spec.affinity.nodeAffinity` (required).
   * @default { 'nvidia.com/gpu.present': 'true' } (set by the NVIDIA GPU operator)
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Container resources.
   * @default - requests 100m CPU and 128 MiB, limits 200m CPU and 256 MiB (upstream example)
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Priority class of the exporter pods.
   * @default - none (the upstream chart uses `system-node-critical`)
   */
  readonly priorityClassName?: string;
  /**
   * The exporter's NetworkPolicy: ingress on port 9400 from `discovery.scraper` only.
   * @default - on
   */
  readonly network?: { readonly enabled?: boolean };
}

/**
 * NVIDIA dcgm-exporter as a DaemonSet on GPU nodes, with a ClusterIP Service and a
 * ServiceMonitor, so that GPU utilization and memory reach Prometheus labelled with the
 * `namespace` and `pod` of the workload using each GPU.
 *
 * Rendered as the upstream Helm chart does (NVIDIA/dcgm-exporter `deployment/templates/daemonset.yaml`):
 * `DCGM_EXPORTER_KUBERNETES=true` and the kubelet pod-resources directory mounted read-only
 * (how the exporter maps GPUs to pods), port `metrics` 9400, `/health` probes, and the
 * toleration of the `nvidia.com/gpu` NoSchedule taint.
 *
 * **Not non-root, and no `user` choice.** As in the upstream chart (NVIDIA/dcgm-exporter
 * deployment/values.yaml @9190a38a: `runAsNonRoot: false`, `runAsUser: 0`,
 * `capabilities.add: ["SYS_ADMIN"]`), the container runs as root with `SYS_ADMIN`
 * added (upstream: "Required for profiling metrics (DCGM_FI_PROF_*)", which the MIG
 * utilization signal `DCGM_FI_PROF_GR_ENGINE_ACTIVE` is) and the pod-resources
 * socket is a host path. Everything else is dropped and privilege escalation is off; the root
 * filesystem stays writable (upstream enables it read-only only with extra tmpfs volumes).
 * The namespace must admit the `privileged` Pod Security Standard: `baseline` forbids
 * hostPath volumes and `SYS_ADMIN`. On platforms that assign uids (OpenShift), use the GPU
 * operator's exporter, which runs under its own SCC: `DcgmExporter.fromExisting()`.
 *
 * The ServiceMonitor sets `honorLabels: true`: dcgm-exporter reports other pods' `pod` and
 * `namespace`, which Prometheus would otherwise rename `exported_pod` / `exported_namespace`.
 *
 * For an exporter the GPU operator already runs, use `DcgmExporter.fromExisting()`.
 *
 * @see https://github.com/NVIDIA/dcgm-exporter/tree/main/deployment
 * @example
 * const gpu = new DcgmExporter(monitoringChart, 'Dcgm', {
 *   discovery: { labels: { release: 'kube-prometheus-stack' } },
 * });
 * gpu.metricGpuUtilization({ namespace: 'llm', podRegex: 'llama-.*' }).selector;
 * // DCGM_FI_DEV_GPU_UTIL{namespace="llm",pod=~"llama-.*"}
 */
export class DcgmExporter extends DcgmMetricsSource {
  /**
   * An exporter run by someone else (typically the GPU operator): renders nothing, or only a
   * ServiceMonitor when `monitor` is given; its metric helpers work the same.
   */
  public static fromExisting(scope: Construct, id: string, props: ExistingDcgmExporterProps = {}): IDcgmExporter {
    return new ExistingDcgmExporter(scope, id, props);
  }

  /** The exporter DaemonSet. */
  public readonly daemonSet: kplus.DaemonSet;
  /** The exporter container. */
  public readonly container: kplus.Container;
  /** The ClusterIP Service in front of the exporter pods (port `metrics`). */
  public readonly service: kplus.Service;
  /** The ServiceMonitor construct (`honorLabels: true`). */
  public readonly monitor: ServiceMetricsMonitor;
  /** The rendered ServiceMonitor. */
  public readonly serviceMonitor: monitoring.ServiceMonitor;
  /** Always true: the monitor sets `honorLabels: true`. */
  public readonly labelsHonored = true;
  /** The metrics port. */
  public readonly port = DCGM_EXPORTER_PORT;
  /** The namespace of the exporter. */
  public readonly namespace: string;

  /** The name of the DaemonSet, Service and ServiceMonitor. */
  public readonly name: string;

  /** The exporter's NetworkPolicy, unless `network.enabled` is false. */
  public readonly networkPolicy?: WorkloadNetworkPolicy;

  public constructor(scope: Construct, id: string, props: DcgmExporterProps) {
    super(scope, id);
    this.namespace = requireChartNamespace(this, 'DcgmExporter');
    if (props === null || typeof props !== 'object') throw invalid('props', props, 'must set discovery');
    for (const key of ['user', 'runAsUser'] as const) {
      const value = (props as unknown as Record<string, unknown>)[key];
      if (value !== undefined) {
        throw invalid(key, key === 'user' ? (value as { kind?: string }).kind ?? value : value, 'is not offered: dcgm-exporter runs as root with SYS_ADMIN, as its upstream chart does (profiling metrics need it); on platforms that assign uids use DcgmExporter.fromExisting() with the GPU operator\'s exporter');
      }
    }
    requireDiscoveryLabels(props.discovery, 'ServiceMonitors');
    const name = this.name = baseName(this, 'name', props.name);
    const image = props.image ?? DCGM_EXPORTER_IMAGE;
    requirePinnedImage(image);
    const nodeSelector = props.nodeSelector ?? { [NVIDIA_GPU_PRESENT_LABEL]: 'true' };
    requireNodeSelector(nodeSelector);
    if (props.priorityClassName !== undefined) {
      if (typeof props.priorityClassName !== 'string') throw invalid('priorityClassName', props.priorityClassName, 'must be a PriorityClass name: a DNS-1123 subdomain, e.g. system-node-critical');
      requireDnsSubdomain('priorityClassName', props.priorityClassName);
    }
    validateDiscovery('discovery', props.discovery);

    const labels = recommendedLabels('dcgm-exporter', name, 'gpu-metrics');
    this.daemonSet = new kplus.DaemonSet(this, 'Resource', {
      metadata: { name: claimName(this, 'apps/DaemonSet', name, this.namespace), labels },
      podMetadata: { labels },
      select: false,
      // Pod mapping reads the kubelet pod-resources socket, not the API server.
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: false },
    });

    // Stable selector labels: a DaemonSet's selector is immutable (no construct-path hash in it).
    const selector = { [LABEL_NAME]: labels[LABEL_NAME], [LABEL_INSTANCE]: labels[LABEL_INSTANCE] };
    selectByLabels(this.daemonSet, selector);

    this.container = this.daemonSet.addContainer({
      name: 'exporter',
      image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      ports: [{ name: 'metrics', number: DCGM_EXPORTER_PORT }],
      envVariables: {
        DCGM_EXPORTER_KUBERNETES: kplus.EnvValue.fromValue('true'),
        DCGM_EXPORTER_LISTEN: kplus.EnvValue.fromValue(`:${DCGM_EXPORTER_PORT}`),
        NODE_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.NODE_NAME),
      },
      // The upstream chart's probes: DCGM takes a while to initialize.
      liveness: kplus.Probe.fromHttpGet('/health', {
        port: DCGM_EXPORTER_PORT,
        initialDelaySeconds: Duration.seconds(45),
        periodSeconds: Duration.seconds(5),
      }),
      readiness: kplus.Probe.fromHttpGet('/health', {
        port: DCGM_EXPORTER_PORT,
        initialDelaySeconds: Duration.seconds(45),
      }),
      resources: props.resources ?? {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(200) },
        memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
      },
      securityContext: {
        ensureNonRoot: false,
        user: 0,
        privileged: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: false,
        capabilities: { add: [kplus.Capability.SYS_ADMIN], drop: [kplus.Capability.ALL] },
      },
    });
    this.container.mount(POD_RESOURCES_DIR,
      kplus.Volume.fromHostPath(this, 'PodResources', 'pod-gpu-resources', { path: POD_RESOURCES_DIR }),
      { readOnly: true });

    const scheduling = this.daemonSet.scheduling;
    scheduling.attract(kplus.Node.labeled(...Object.entries(nodeSelector).map(([k, v]) => kplus.NodeLabelQuery.is(k, v))));
    scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.exists(GPU_TAINT_KEY, { effect: kplus.TaintEffect.NO_SCHEDULE })));
    if (props.priorityClassName) {
      // cdk8s-plus has no priorityClassName.
      ApiObject.of(this.daemonSet).addJsonPatch(JsonPatch.add('/spec/template/spec/priorityClassName', props.priorityClassName));
    }

    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: claimName(this, 'Service', name, this.namespace), labels },
      type: kplus.ServiceType.CLUSTER_IP,
      selector: podsWithLabels(this, 'Pods', selector),
      ports: [{ name: 'metrics', port: DCGM_EXPORTER_PORT, targetPort: DCGM_EXPORTER_PORT }],
    });

    // Only Prometheus reaches the exporter, on its metrics port (FACTS §E: :9400).
    const network = props.network ?? {};
    if (typeof network !== 'object' || network === null) throw invalid('network', network, 'must be { enabled? }');
    if (network.enabled !== undefined && typeof network.enabled !== 'boolean') throw invalid('network.enabled', network.enabled, 'must be true or false');
    if (network.enabled !== false) {
      if (props.discovery.scraper === undefined) {
        throw invalid('discovery.scraper', undefined, `is required: DcgmExporter '${name}' has a NetworkPolicy that admits only Prometheus, so Prometheus must be named, e.g. NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }); or set network.enabled to false`);
      }
      this.networkPolicy = new WorkloadNetworkPolicy(this, 'NetworkPolicy', { name, podLabels: selector, labels });
      this.networkPolicy.allowFrom(props.discovery.scraper, [{ port: DCGM_EXPORTER_PORT }], 'Prometheus scrapes /metrics');
    }

    this.monitor = new ServiceMetricsMonitor(this, 'Monitor', {
      name,
      service: this.service,
      port: 'metrics',
      discovery: props.discovery,
      honorLabels: true,
    });
    this.serviceMonitor = this.monitor.resource;
  }
}

function requirePinnedImage(image: string): void {
  if (typeof image !== 'string' || !IMAGE_REF.test(image)) {
    throw invalid('image', image, `must be an image reference such as '${DCGM_EXPORTER_IMAGE}'`);
  }
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const digest = image.includes('@sha256:');
  const tag = lastSegment.split('@')[0].split(':')[1];
  if (!digest && (tag === undefined || tag === 'latest')) {
    throw invalid('image', image, 'must be pinned to a tag other than \'latest\' or to a digest (@sha256:...)');
  }
}

function requireNodeSelector(selector: Record<string, string>): void {
  if (selector === null || typeof selector !== 'object' || Object.keys(selector).length === 0) {
    throw invalid('nodeSelector', selector, 'must name at least one node label: dcgm-exporter fails on nodes without an NVIDIA GPU');
  }
  for (const [key, value] of Object.entries(selector)) {
    if (typeof value !== 'string') throw invalid(`nodeSelector.${key}`, value, 'must be a label value string, e.g. \'true\'');
    requireLabelKey('nodeSelector', key);
    requireLabelValue(`nodeSelector.${key}`, value);
  }
}
