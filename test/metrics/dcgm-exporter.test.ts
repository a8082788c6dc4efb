import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  DCGM_EXPORTER_IMAGE, DcgmExporter, DcgmExporterProps, DcgmMetrics, ExistingDcgmExporterProps, IDcgmExporter, MetricType,
} from '../../lib';
import { allOfKind, containerOf, envOf, Manifest, oneOfKind, synth, testChart, SCRAPER } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const DISCOVERY = { labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER };
const DNS_LABEL_RULE = 'must be a DNS-1123 label: at most 63 lower-case alphanumerics or \'-\', starting and ending with an alphanumeric';
const LABEL_KEY_RULE = 'is not a Kubernetes label key: an optional DNS subdomain prefix and \'/\', then a name of at most 63 alphanumerics, \'-\', \'_\' or \'.\', e.g. \'nvidia.com/gpu.present\'';

/** An exporter in namespace `monitoring`, synthesized and strictly validated. */
function render(props: Partial<DcgmExporterProps> = {}): { manifests: Manifest[]; exporter: DcgmExporter } {
  const chart = testChart('monitoring');
  const exporter = new DcgmExporter(chart, 'dcgm', { discovery: DISCOVERY, ...props });
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return { manifests, exporter };
}

/** An exporter that is only constructed (for errors raised in the constructor). */
function make(props: Partial<DcgmExporterProps> = {}): DcgmExporter {
  return new DcgmExporter(testChart('monitoring'), 'dcgm', { discovery: DISCOVERY, ...props });
}

/** An existing exporter, synthesized and strictly validated. */
function renderExisting(props: ExistingDcgmExporterProps = {}): { manifests: Manifest[]; exporter: IDcgmExporter } {
  const chart = testChart('monitoring');
  const exporter = DcgmExporter.fromExisting(chart, 'dcgm', props);
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return { manifests, exporter };
}

function podSpecOf(manifests: Manifest[]): Manifest {
  return oneOfKind(manifests, 'DaemonSet').spec.template.spec;
}

function exporterContainer(manifests: Manifest[]): Manifest {
  return containerOf(oneOfKind(manifests, 'DaemonSet'), 'exporter');
}

describe('defaults', () => {
  const { manifests, exporter } = render();
  const daemonSet = oneOfKind(manifests, 'DaemonSet');
  const podSpec = podSpecOf(manifests);
  const container = exporterContainer(manifests);

  test('renders a DaemonSet, a Service and a ServiceMonitor in the chart namespace', () => {
    expect(manifests.map(m => m.kind).sort()).toEqual(['DaemonSet', 'NetworkPolicy', 'Service', 'ServiceMonitor']);
    for (const m of manifests) expect(m.metadata.namespace).toBe('monitoring');
  });

  test('the pinned upstream image', () => {
    expect(container.image).toBe(DCGM_EXPORTER_IMAGE);
    expect(container.image).toBe('nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-ubuntu22.04');
    expect(container.imagePullPolicy).toBe('IfNotPresent');
  });

  test('Kubernetes pod mapping on, listening on :9400, with the node name', () => {
    const env = envOf(container);
    expect(env.DCGM_EXPORTER_KUBERNETES.value).toBe('true');
    expect(env.DCGM_EXPORTER_LISTEN.value).toBe(':9400');
    expect(env.NODE_NAME.valueFrom).toEqual({ fieldRef: { fieldPath: 'spec.nodeName' } });
    expect(container.args).toBeUndefined();
  });

  test('container port metrics 9400', () => {
    expect(container.ports).toEqual([{ containerPort: 9400, name: 'metrics' }]);
    expect(exporter.port).toBe(9400);
  });

  test('the kubelet pod-resources directory is a read-only hostPath mount', () => {
    const mount = container.volumeMounts.find((m: Manifest) => m.mountPath === '/var/lib/kubelet/pod-resources');
    expect(mount).toEqual({ mountPath: '/var/lib/kubelet/pod-resources', name: 'pod-gpu-resources', readOnly: true });
    const volume = podSpec.volumes.find((v: Manifest) => v.name === mount.name);
    expect(volume.hostPath.path).toBe('/var/lib/kubelet/pod-resources');
  });

  test('tolerates the nvidia.com/gpu NoSchedule taint', () => {
    expect(podSpec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  test('runs on GPU nodes only: required affinity on nvidia.com/gpu.present=true', () => {
    expect(podSpec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'nvidia.com/gpu.present', operator: 'In', values: ['true'] }] },
    ]);
  });

  test('requests and limits set', () => {
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } });
  });

  test('root with SYS_ADMIN as upstream, everything else dropped, no escalation, no token', () => {
    expect(container.securityContext).toEqual({
      runAsNonRoot: false, runAsUser: 0, privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: false,
      capabilities: { add: ['SYS_ADMIN'], drop: ['ALL'] },
    });
    expect(podSpec.securityContext.runAsNonRoot).toBe(false);
    expect(podSpec.automountServiceAccountToken).toBe(false);
    expect(podSpec.hostNetwork).toBe(false);
  });

  test('liveness and readiness on GET /health after 45 s', () => {
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 9400 }, initialDelaySeconds: 45, periodSeconds: 5 });
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/health', port: 9400 }, initialDelaySeconds: 45 });
  });

  test('no priority class unless asked', () => {
    expect(podSpec.priorityClassName).toBeUndefined();
  });

  test('Service: ClusterIP, port metrics 9400, selecting the exporter pods', () => {
    const service = oneOfKind(manifests, 'Service');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'metrics', port: 9400, targetPort: 9400 }]);
    const podLabels = daemonSet.spec.template.metadata.labels;
    expect(Object.keys(service.spec.selector).length).toBeGreaterThan(0);
    for (const [k, v] of Object.entries(service.spec.selector)) expect(podLabels[k]).toBe(v);
  });

  test('ServiceMonitor: honorLabels, discovery labels, selector equal to the Service labels, port metrics', () => {
    const service = oneOfKind(manifests, 'Service');
    const monitor = oneOfKind(manifests, 'ServiceMonitor');
    expect(monitor.metadata.labels).toEqual({ release: 'kube-prometheus-stack' });
    expect(monitor.spec.selector).toEqual({ matchLabels: service.metadata.labels });
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['monitoring'] });
    expect(monitor.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '15s', honorLabels: true }]);
  });

  test('handles', () => {
    expect(exporter.daemonSet).toBeInstanceOf(kplus.DaemonSet);
    expect(exporter.service).toBeInstanceOf(kplus.Service);
    expect(exporter.monitor.service).toBe(exporter.service);
    expect(exporter.monitor.port).toBe('metrics');
    expect(exporter.serviceMonitor).toBe(exporter.monitor.resource);
    expect(exporter.container.name).toBe('exporter');
    expect(exporter.labelsHonored).toBe(true);
    expect(exporter.namespace).toBe('monitoring');
  });
});

describe('options', () => {
  test('nodeSelector replaces the GPU label; several labels are ANDed in one term', () => {
    const { manifests } = render({ nodeSelector: { 'feature.node.kubernetes.io/pci-10de.present': 'true', 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } });
    expect(podSpecOf(manifests).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [
        { key: 'feature.node.kubernetes.io/pci-10de.present', operator: 'In', values: ['true'] },
        { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-H100-80GB-HBM3'] },
      ] },
    ]);
  });

  test('image pinned by another tag or by digest', () => {
    expect(exporterContainer(render({ image: 'nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless' }).manifests).image)
      .toBe('nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless');
    const digest = `registry.local:5000/dcgm-exporter@sha256:${'a'.repeat(64)}`;
    expect(exporterContainer(render({ image: digest }).manifests).image).toBe(digest);
  });

  test('resources', () => {
    const { manifests } = render({ resources: { cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(500) }, memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) } } });
    expect(exporterContainer(manifests).resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
  });

  test('priorityClassName', () => {
    expect(podSpecOf(render({ priorityClassName: 'system-node-critical' }).manifests).priorityClassName).toBe('system-node-critical');
  });

  test('discovery interval', () => {
    const { manifests } = render({ discovery: { labels: {}, interval: Duration.seconds(30), scraper: SCRAPER } });
    const monitor = oneOfKind(manifests, 'ServiceMonitor');
    expect(monitor.spec.endpoints[0].interval).toBe('30s');
    expect(monitor.metadata.labels).toBeUndefined();
  });
});

describe('metric helpers', () => {
  const exporter = make();

  test('GPU utilization: percent 0 to 100, scoped by namespace and pod regex', () => {
    const m = exporter.metricGpuUtilization({ namespace: 'llm', podRegex: 'llama-[a-z0-9]+-[a-z0-9]+' });
    expect(m.definition).toBe(DcgmMetrics.GPU_UTIL);
    expect(m.selector).toBe('DCGM_FI_DEV_GPU_UTIL{namespace="llm",pod=~"llama-[a-z0-9]+-[a-z0-9]+"}');
    expect(m.definition.help).toContain('0 to 100');
  });

  test('graphics engine active: ratio 0 to 1', () => {
    const m = exporter.metricGraphicsEngineActive({ namespace: 'llm' });
    expect(m.selector).toBe('DCGM_FI_PROF_GR_ENGINE_ACTIVE{namespace="llm"}');
    expect(m.definition.help).toContain('0 to 1');
  });

  test('framebuffer used and free: MiB gauges', () => {
    const used = exporter.metricFramebufferUsed({ namespace: 'llm', podRegex: 'qwen-.*' });
    const free = exporter.metricFramebufferFree({ namespace: 'llm' });
    expect(used.selector).toBe('DCGM_FI_DEV_FB_USED{namespace="llm",pod=~"qwen-.*"}');
    expect(free.selector).toBe('DCGM_FI_DEV_FB_FREE{namespace="llm"}');
    for (const m of [used, free]) {
      expect(m.definition.type).toBe(MetricType.GAUGE);
      expect(m.definition.help).toContain('MiB');
    }
  });

  test('bad scope', () => {
    expect(() => exporter.metricGpuUtilization({ namespace: 'LLM' })).toThrow(`'namespace' ("LLM") ${DNS_LABEL_RULE}`);
    expect(() => exporter.metricGpuUtilization({ namespace: 'llm', podRegex: 'llama-(' })).toThrow('\'podRegex\' ("llama-(") must be a valid regular expression');
    expect(() => exporter.metricGpuUtilization({ namespace: 'llm', podRegex: '' })).toThrow('\'podRegex\' ("") must not be empty: omit it to select every pod of the namespace');
  });
});

describe('existing exporter', () => {
  test('renders nothing; helpers select the workload labels', () => {
    const { manifests, exporter } = renderExisting();
    expect(manifests).toEqual([]);
    expect(exporter.labelsHonored).toBe(true);
    expect(exporter.serviceMonitor).toBeUndefined();
    expect(exporter.metricGpuUtilization({ namespace: 'llm', podRegex: 'llama-.*' }).selector).toBe('DCGM_FI_DEV_GPU_UTIL{namespace="llm",pod=~"llama-.*"}');
  });

  test('needs no chart namespace without a monitor', () => {
    const exporter = DcgmExporter.fromExisting(testChart(null), 'dcgm');
    expect(exporter.metricFramebufferUsed({ namespace: 'llm' }).selector).toBe('DCGM_FI_DEV_FB_USED{namespace="llm"}');
  });

  test('scraped without honorLabels: helpers select exported_namespace and exported_pod', () => {
    const { exporter } = renderExisting({ honorLabels: false });
    expect(exporter.labelsHonored).toBe(false);
    expect(exporter.metricGpuUtilization({ namespace: 'llm', podRegex: 'llama-.*' }).selector)
      .toBe('DCGM_FI_DEV_GPU_UTIL{exported_namespace="llm",exported_pod=~"llama-.*"}');
    expect(exporter.metricGraphicsEngineActive({ namespace: 'llm' }).selector).toBe('DCGM_FI_PROF_GR_ENGINE_ACTIVE{exported_namespace="llm"}');
    expect(exporter.metricFramebufferFree({ namespace: 'llm' }).selector).toBe('DCGM_FI_DEV_FB_FREE{exported_namespace="llm"}');
  });

  test('with a monitor: only a ServiceMonitor for the GPU operator\'s Service, honorLabels on', () => {
    const { manifests, exporter } = renderExisting({ monitor: { discovery: DISCOVERY, namespace: 'gpu-operator' } });
    expect(manifests.map(m => m.kind)).toEqual(['ServiceMonitor']);
    const monitor = oneOfKind(manifests, 'ServiceMonitor');
    expect(monitor.metadata).toMatchObject({ name: 'dcgm', namespace: 'monitoring', labels: { release: 'kube-prometheus-stack' } });
    expect(monitor.spec.selector).toEqual({ matchLabels: { app: 'nvidia-dcgm-exporter' } });
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['gpu-operator'] });
    expect(monitor.spec.endpoints).toEqual([{ port: 'gpu-metrics', path: '/metrics', interval: '15s', honorLabels: true }]);
    expect(exporter.serviceMonitor).toBeDefined();
    expect(exporter.labelsHonored).toBe(true);
  });

  test('with a monitor and a name of its own', () => {
    const { manifests } = renderExisting({ name: 'gpu-operator-dcgm', monitor: { discovery: DISCOVERY, namespace: 'gpu-operator' } });
    expect(oneOfKind(manifests, 'ServiceMonitor').metadata.name).toBe('gpu-operator-dcgm');
  });

  test('with a monitor on other Service labels and port', () => {
    const { manifests } = renderExisting({
      monitor: { discovery: DISCOVERY, namespace: 'gpu-monitoring', serviceLabels: { 'app.kubernetes.io/name': 'dcgm-exporter' }, port: 'metrics' },
    });
    const monitor = oneOfKind(manifests, 'ServiceMonitor');
    expect(monitor.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'dcgm-exporter' } });
    expect(monitor.spec.endpoints[0].port).toBe('metrics');
  });

  test('errors', () => {
    const existing = (props: ExistingDcgmExporterProps) => () => DcgmExporter.fromExisting(testChart('monitoring'), 'dcgm', props);
    const monitor = { discovery: DISCOVERY, namespace: 'gpu-operator' };
    expect(existing({ honorLabels: false, monitor })).toThrow('\'honorLabels\' (false) contradicts \'monitor\': the ServiceMonitor rendered for an existing exporter always sets honorLabels: true; drop one of them');
    expect(existing({ monitor: { ...monitor, namespace: 'GPU' } })).toThrow(`'monitor.namespace' ("GPU") ${DNS_LABEL_RULE}`);
    expect(existing({ monitor: { ...monitor, serviceLabels: {} } })).toThrow('\'monitor.serviceLabels\' ({}) must not be empty: an empty selector selects every Service in the namespace');
    expect(existing({ monitor: { ...monitor, serviceLabels: { 'bad key': 'x' } } })).toThrow(`'monitor.serviceLabels' ("bad key") ${LABEL_KEY_RULE}`);
    expect(existing({ monitor: { ...monitor, port: 'Gpu_Metrics' } })).toThrow(`'monitor.port' ("Gpu_Metrics") ${DNS_LABEL_RULE}`);
    expect(existing({ monitor: { ...monitor, discovery: { labels: { release: 'kps' }, interval: Duration.millis(1500) } } }))
      .toThrow('\'monitor.discovery.interval\' ("1500ms") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(2))');
    expect(() => DcgmExporter.fromExisting(testChart(null), 'dcgm', { monitor })).toThrow(
      '\'Chart.namespace\' (undefined) must be set for DcgmExporter.fromExisting with a monitor: its Service URL and metric selectors are namespace-scoped (new Chart(app, id, { namespace: \'...\' }))');
  });
});

describe('errors', () => {
  test('a chart namespace is required', () => {
    expect(() => new DcgmExporter(testChart(null), 'dcgm', { discovery: DISCOVERY })).toThrow(
      '\'Chart.namespace\' (undefined) must be set for DcgmExporter: its Service URL and metric selectors are namespace-scoped (new Chart(app, id, { namespace: \'...\' }))');
  });

  test('image: a reference, pinned', () => {
    expect(() => make({ image: 'nvcr.io/nvidia/k8s/dcgm-exporter' })).toThrow(
      '\'image\' ("nvcr.io/nvidia/k8s/dcgm-exporter") must be pinned to a tag other than \'latest\' or to a digest (@sha256:...)');
    expect(() => make({ image: 'nvcr.io/nvidia/k8s/dcgm-exporter:latest' })).toThrow(
      '\'image\' ("nvcr.io/nvidia/k8s/dcgm-exporter:latest") must be pinned to a tag other than \'latest\' or to a digest (@sha256:...)');
    expect(() => make({ image: 'registry.local:5000/dcgm-exporter' })).toThrow(
      '\'image\' ("registry.local:5000/dcgm-exporter") must be pinned to a tag other than \'latest\' or to a digest (@sha256:...)');
    expect(() => make({ image: 'nvcr.io/nvidia/k8s/dcgm exporter:4.5.3' })).toThrow(
      `'image' ("nvcr.io/nvidia/k8s/dcgm exporter:4.5.3") must be an image reference such as '${DCGM_EXPORTER_IMAGE}'`);
  });

  test('nodeSelector: at least one valid label', () => {
    expect(() => make({ nodeSelector: {} })).toThrow(
      '\'nodeSelector\' ({}) must name at least one node label: dcgm-exporter fails on nodes without an NVIDIA GPU');
    expect(() => make({ nodeSelector: { 'nvidia.com/gpu present': 'true' } })).toThrow(`'nodeSelector' ("nvidia.com/gpu present") ${LABEL_KEY_RULE}`);
    expect(() => make({ nodeSelector: { 'nvidia.com/gpu.present': 'yes!' } })).toThrow(
      '\'nodeSelector.nvidia.com/gpu.present\' ("yes!") must be a valid Kubernetes label value: at most 63 alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric');
  });

  test('priorityClassName', () => {
    expect(() => make({ priorityClassName: 'System_Critical' })).toThrow(
      '\'priorityClassName\' ("System_Critical") must be a DNS-1123 subdomain: at most 253 lower-case alphanumerics, \'-\' or \'.\', starting and ending with an alphanumeric');
  });

  test('discovery', () => {
    expect(() => make({ discovery: { labels: { 'bad key': 'x' } } })).toThrow(`'discovery.labels' ("bad key") ${LABEL_KEY_RULE}`);
  });
});

describe('names', () => {
  test('DaemonSet, Service and ServiceMonitor take the construct id: no hash', () => {
    const { manifests, exporter } = render();
    expect(exporter.name).toBe('dcgm');
    for (const kind of ['DaemonSet', 'Service', 'ServiceMonitor']) expect(oneOfKind(manifests, kind).metadata.name).toBe('dcgm');
    expect(oneOfKind(manifests, 'DaemonSet').metadata.labels['app.kubernetes.io/instance']).toBe('dcgm');
  });

  test('a name of its own', () => {
    const { manifests } = render({ name: 'gpu-metrics' });
    for (const kind of ['DaemonSet', 'Service', 'ServiceMonitor']) expect(oneOfKind(manifests, kind).metadata.name).toBe('gpu-metrics');
  });

  test('two exporters named alike in one namespace clash, naming both', () => {
    const chart = testChart('monitoring');
    new DcgmExporter(chart, 'a', { discovery: DISCOVERY, name: 'dcgm-exporter' });
    expect(() => new DcgmExporter(chart, 'b', { discovery: DISCOVERY, name: 'dcgm-exporter' })).toThrow(new Error(
      '\'name\' ("dcgm-exporter") names a apps/DaemonSet in namespace "monitoring" that \'test/a\' already renders: \'test/b\' would overwrite it on apply; give one of them another name'));
  });
});

describe('plain JavaScript', () => {
  test('no uid choice: dcgm-exporter runs as root with SYS_ADMIN (upstream chart)', () => {
    expect(() => make({ user: {} } as any)).toThrow(new Error(
      '\'user\' ({}) is not offered: dcgm-exporter runs as root with SYS_ADMIN, as its upstream chart does (profiling metrics need it); on platforms that assign uids use DcgmExporter.fromExisting() with the GPU operator\'s exporter'));
    expect(() => make({ runAsUser: 1000 } as any)).toThrow(new Error(
      '\'runAsUser\' (1000) is not offered: dcgm-exporter runs as root with SYS_ADMIN, as its upstream chart does (profiling metrics need it); on platforms that assign uids use DcgmExporter.fromExisting() with the GPU operator\'s exporter'));
  });

  test('a priority class or node label value that is no string; discovery without labels', () => {
    expect(() => make({ priorityClassName: true as any })).toThrow(new Error(
      '\'priorityClassName\' (true) must be a PriorityClass name: a DNS-1123 subdomain, e.g. system-node-critical'));
    expect(() => make({ nodeSelector: { 'nvidia.com/gpu.present': true as any } })).toThrow(new Error(
      '\'nodeSelector.nvidia.com/gpu.present\' (true) must be a label value string, e.g. \'true\''));
    expect(() => make({ discovery: {} as any })).toThrow(new Error(
      '\'discovery\' ({}) must be { labels, interval? }: the labels your Prometheus selects ServiceMonitors by, e.g. { labels: { release: \'kube-prometheus-stack\' } }'));
  });

  test('missing props or discovery, an image or nodeSelector of the wrong type', () => {
    expect(() => new DcgmExporter(testChart('monitoring'), 'dcgm', undefined as any)).toThrow(new Error('\'props\' (undefined) must set discovery'));
    expect(() => new DcgmExporter(testChart('monitoring'), 'dcgm', {} as any)).toThrow(new Error(
      '\'discovery\' (undefined) must be { labels, interval? }: the labels your Prometheus selects ServiceMonitors by, e.g. { labels: { release: \'kube-prometheus-stack\' } }'));
    expect(() => make({ image: 42 as any })).toThrow(new Error(`'image' (42) must be an image reference such as '${DCGM_EXPORTER_IMAGE}'`));
    expect(() => make({ nodeSelector: 'gpu' as any })).toThrow(new Error(
      '\'nodeSelector\' ("gpu") must name at least one node label: dcgm-exporter fails on nodes without an NVIDIA GPU'));
  });
});

describe('NetworkPolicy', () => {
  test('only Prometheus reaches the exporter, on 9400; the DaemonSet selects by stable labels', () => {
    const { manifests } = render();
    const np = oneOfKind(manifests, 'NetworkPolicy');
    const ds = oneOfKind(manifests, 'DaemonSet');
    expect(np.metadata.name).toBe('dcgm');
    expect(ds.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'dcgm-exporter', 'app.kubernetes.io/instance': 'dcgm' });
    expect(Object.keys(ds.spec.template.metadata.labels)).not.toContain('cdk8s.io/metadata.addr');
    expect(np.spec.podSelector).toEqual({ matchLabels: ds.spec.selector.matchLabels });
    expect(np.spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
      ports: [{ port: 9400, protocol: 'TCP' }],
    }]);
  });

  test('without a scraper the exporter would be unreachable: refused unless the policy is off', () => {
    expect(() => new DcgmExporter(testChart('monitoring'), 'dcgm', { discovery: { labels: {} } })).toThrow(new Error(
      '\'discovery.scraper\' (undefined) is required: DcgmExporter \'dcgm\' has a NetworkPolicy that admits only Prometheus, so Prometheus must be named, e.g. NetworkPeer.pods(\'monitoring\', { \'app.kubernetes.io/name\': \'prometheus\' }); or set network.enabled to false'));
    const chart = testChart('monitoring');
    new DcgmExporter(chart, 'dcgm', { discovery: { labels: {} }, network: { enabled: false } });
    expect(allOfKind(synth(chart), 'NetworkPolicy')).toHaveLength(0);
    expect(() => new DcgmExporter(testChart('monitoring'), 'dcgm', { discovery: DISCOVERY, network: { enabled: 'no' as any } })).toThrow(new Error('\'network.enabled\' ("no") must be true or false'));
  });
});
