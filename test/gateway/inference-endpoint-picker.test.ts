import { Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parse } from 'yaml';
import {
  Accelerator, EndpointPicker, EndpointPickerFailureMode, InferenceEndpointPicker, EndpointPickerOptions, EPP_IMAGE, GatewayInferencePool, NetworkPeer, PodUser, VllmPool,
} from '../../lib';
import { allOfKind, containerOf, envOf, Manifest, named, SCRAPER, testChart } from '../util/synth';
import { renderValid } from '../util/validate';

const GATEWAY = {
  name: 'inference-gateway',
  address: 'http://inference-gateway.llm.svc.cluster.local:80',
  dataPlane: NetworkPeer.pods('envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name': 'inference-gateway' }),
};

function expose(chart: Chart, endpointPicker?: EndpointPickerOptions, id = 'llama-igw'): GatewayInferencePool {
  const pool = (chart.node.tryFindChild('llama') as VllmPool | undefined)
    ?? new VllmPool(chart, 'llama', { model: 'meta-llama/Llama-3.1-8B-Instruct', accelerator: Accelerator.nvidiaGpu(1) });
  return new GatewayInferencePool(chart, id, { pool, gateway: GATEWAY, endpointPicker });
}



/** The verbs a Role or ClusterRole grants on `group/resource`. */
function verbs(role: Manifest, group: string, resource: string): string[] {
  return role.rules.filter((r: Manifest) => (r.apiGroups ?? []).includes(group) && (r.resources ?? []).includes(resource)).flatMap((r: Manifest) => r.verbs).sort();
}

function bindingSubjects(manifests: Manifest[], kind: string, roleName: string): Manifest[] {
  return allOfKind(manifests, kind).filter(b => b.roleRef.name === roleName).flatMap(b => b.subjects);
}

const EPP_SUBJECT = { kind: 'ServiceAccount', name: 'llama-epp', namespace: 'llm', apiGroup: '' };

describe('InferenceEndpointPicker defaults', () => {
  test('the Deployment: pinned image, the v1.5.0 flags, ports, gRPC probes, hardened, its ServiceAccount', () => {
    const manifests = renderValid(chart => expose(chart));
    const deployment = named(manifests, 'Deployment', 'llama-epp');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    const pod = deployment.spec.template.spec;
    expect(pod.serviceAccountName).toBe('llama-epp');
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.terminationGracePeriodSeconds).toBe(130);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532 });
    const epp = containerOf(deployment, 'epp');
    expect(epp.image).toBe('registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0');
    expect(EPP_IMAGE).toBe(epp.image);
    expect(epp.args).toEqual([
      '--pool-name', 'llama',
      '--pool-namespace', 'llm',
      '--pool-group', 'inference.networking.k8s.io',
      '--grpc-port', '9002',
      '--grpc-health-port', '9003',
      '--metrics-port', '9090',
      '--config-file', '/config/default-plugins.yaml',
      '--zap-encoder', 'json',
      '--v', '1',
      '--tracing=false',
      '--enable-pprof=false',
    ]);
    expect(epp.ports).toEqual([
      { containerPort: 9002, name: 'grpc' },
      { containerPort: 9003, name: 'grpc-health' },
      { containerPort: 9090, name: 'metrics' },
    ]);
    expect(epp.livenessProbe).toEqual({ grpc: { port: 9003, service: 'inference-extension' }, initialDelaySeconds: 5, periodSeconds: 10 });
    expect(epp.readinessProbe).toEqual({ grpc: { port: 9003, service: 'inference-extension' }, periodSeconds: 2 });
    expect(epp.resources).toEqual({ requests: { cpu: '4', memory: '8192Mi' }, limits: { memory: '16384Mi' } });
    expect(epp.securityContext).toMatchObject({
      runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false,
      capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(Object.keys(envOf(epp))).toEqual(['NAMESPACE', 'POD_NAME']);
    expect(envOf(epp).NAMESPACE.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
    expect(named(manifests, 'ServiceAccount', 'llama-epp')).toBeDefined();
  });

  test('--config-file names the ConfigMap key mounted at /config: the chart\'s scheduling profile for vLLM', () => {
    const manifests = renderValid(chart => expose(chart));
    const deployment = named(manifests, 'Deployment', 'llama-epp');
    const epp = containerOf(deployment, 'epp');
    const file = epp.args[epp.args.indexOf('--config-file') + 1];
    const mount = epp.volumeMounts.find((m: Manifest) => file.startsWith(`${m.mountPath}/`));
    expect(mount).toMatchObject({ mountPath: '/config', readOnly: true });
    const volume = deployment.spec.template.spec.volumes.find((v: Manifest) => v.name === mount.name);
    const configMap = named(manifests, 'ConfigMap', volume.configMap.name);
    const config = parse(configMap.data[file.slice('/config/'.length)]);
    expect(config.apiVersion).toBe('inference.networking.x-k8s.io/v1alpha1');
    expect(config.kind).toBe('EndpointPickerConfig');
    expect(config.plugins.map((p: Manifest) => p.type)).toEqual([
      'queue-scorer', 'kv-cache-utilization-scorer', 'prefix-cache-scorer', 'metrics-data-source', 'core-metrics-extractor',
    ]);
    expect(config.plugins[3].parameters).toEqual({ scheme: 'http', path: '/metrics', insecureSkipVerify: true });
    expect(config.schedulingProfiles).toEqual([{
      name: 'default',
      plugins: [{ pluginRef: 'queue-scorer', weight: 2 }, { pluginRef: 'kv-cache-utilization-scorer', weight: 2 }, { pluginRef: 'prefix-cache-scorer', weight: 3 }],
    }]);
    // Every scheduling plugin it references is declared.
    const declared = new Set(config.plugins.map((p: Manifest) => p.type));
    for (const ref of config.schedulingProfiles[0].plugins) expect(declared.has(ref.pluginRef)).toBe(true);
  });

  test('the Service: the ext-proc port and a port named metrics, onto the EPP pods only', () => {
    const manifests = renderValid(chart => expose(chart));
    const service = named(manifests, 'Service', 'llama-epp');
    expect(service.spec.ports).toEqual([
      { name: 'grpc-ext-proc', port: 9002, targetPort: 9002 },
      { name: 'metrics', port: 9090, targetPort: 9090 },
    ]);
    const selected = allOfKind(manifests, 'Deployment')
      .filter(d => Object.entries(service.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v))
      .map(d => d.metadata.name);
    expect(selected).toEqual(['llama-epp']);
  });

  test('RBAC covers what the EPP reads, bound to its ServiceAccount', () => {
    const manifests = renderValid(chart => expose(chart));
    const role = named(manifests, 'Role', 'llama-epp');
    expect(role.metadata.namespace).toBe('llm');
    for (const [group, resource] of [
      ['', 'pods'],
      ['inference.networking.k8s.io', 'inferencepools'],
      ['inference.networking.x-k8s.io', 'inferenceobjectives'],
      ['inference.networking.x-k8s.io', 'inferencemodelrewrites'],
    ]) {
      expect([resource, verbs(role, group, resource)]).toEqual([resource, ['get', 'list', 'watch']]);
    }
    expect(role.rules.flatMap((r: Manifest) => r.verbs)).not.toContain('create');
    expect(bindingSubjects(manifests, 'RoleBinding', 'llama-epp')).toEqual([EPP_SUBJECT]);
    // Metrics auth: TokenReviews and SubjectAccessReviews, cluster-wide, named with the namespace.
    const auth = named(manifests, 'ClusterRole', 'llm-llama-epp-auth');
    expect(auth.metadata.namespace).toBeUndefined();
    expect(verbs(auth, 'authentication.k8s.io', 'tokenreviews')).toEqual(['create']);
    expect(verbs(auth, 'authorization.k8s.io', 'subjectaccessreviews')).toEqual(['create']);
    expect(bindingSubjects(manifests, 'ClusterRoleBinding', 'llm-llama-epp-auth')).toEqual([EPP_SUBJECT]);
    // No leader election with one replica.
    expect(allOfKind(manifests, 'Role').map(r => r.metadata.name)).toEqual(['llama-epp']);
  });

  test('the handle implements EndpointPicker', () => {
    const chart = testChart();
    const routed = expose(chart);
    const epp: EndpointPicker = routed.endpointPicker;
    expect([epp.poolName, epp.namespace, epp.modelPool, epp.serviceMonitor, routed.endpointPicker.version]).toEqual(['llama', 'llm', routed.pool, undefined, '1.5.0']);
    expect(epp.service.ports.map(p => p.name)).toEqual(['grpc-ext-proc', 'metrics']);
    expect(epp.deployment.name).toBe('llama-epp');
  });
});

describe('InferenceEndpointPicker options', () => {
  test('replicas above 1 elect a leader: the flag, the leases Role, liveness and readiness services', () => {
    const manifests = renderValid(chart => expose(chart, { replicas: 2 }));
    const deployment = named(manifests, 'Deployment', 'llama-epp');
    const epp = containerOf(deployment, 'epp');
    expect(deployment.spec.replicas).toBe(2);
    expect(epp.args).toContain('--ha-enable-leader-election');
    expect(epp.livenessProbe.grpc).toEqual({ port: 9003, service: 'liveness' });
    expect(epp.readinessProbe.grpc).toEqual({ port: 9003, service: 'readiness' });
    const election = named(manifests, 'Role', 'llama-epp-leader-election');
    expect(verbs(election, 'coordination.k8s.io', 'leases')).toEqual(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
    expect(verbs(election, '', 'events')).toEqual(['create', 'patch']);
    expect(bindingSubjects(manifests, 'RoleBinding', 'llama-epp-leader-election')).toEqual([EPP_SUBJECT]);
  });

  test('metricsEndpointAuth false: the flag, and no TokenReview ClusterRole', () => {
    const manifests = renderValid(chart => expose(chart, { metricsEndpointAuth: false }));
    expect(containerOf(named(manifests, 'Deployment', 'llama-epp'), 'epp').args).toContain('--metrics-endpoint-auth=false');
    expect(allOfKind(manifests, 'ClusterRole')).toEqual([]);
  });

  test('image, resources, failure mode, user', () => {
    const manifests = renderValid(chart => expose(chart, {
      image: 'mirror.example.com/epp@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      version: '1.5.0',
      resources: { cpu: kplus.Cpu.millis(500), memory: Size.gibibytes(1), memoryLimit: Size.gibibytes(2) },
      failureMode: EndpointPickerFailureMode.FAIL_CLOSE,
      user: PodUser.platformAssigned(),
    }));
    const deployment = named(manifests, 'Deployment', 'llama-epp');
    const epp = containerOf(deployment, 'epp');
    expect(epp.image).toBe('mirror.example.com/epp@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef');
    expect(epp.resources).toEqual({ requests: { cpu: '500m', memory: '1024Mi' }, limits: { memory: '2048Mi' } });
    expect(epp.securityContext.runAsUser).toBeUndefined();
    expect(deployment.spec.template.spec.securityContext.runAsUser).toBeUndefined();
    expect(epp.securityContext.runAsNonRoot).toBe(true);
    expect(named(manifests, 'InferencePool', 'llama').spec.endpointPickerRef.failureMode).toBe('FailClose');
  });

  test('networkPolicy false: no EPP policy', () => {
    const manifests = renderValid(chart => expose(chart, { networkPolicy: false }));
    expect(allOfKind(manifests, 'NetworkPolicy').map(p => p.metadata.name)).toEqual(['llama']);
  });
});

describe('InferenceEndpointPicker.monitor()', () => {
  test('by default: a metrics-reader ServiceAccount allowed GET /metrics, its token Secret, the ServiceMonitor sending it', () => {
    const manifests = renderValid(chart => expose(chart).endpointPicker.monitor({ labels: { release: 'kps' }, scraper: SCRAPER }));
    const monitor = named(manifests, 'ServiceMonitor', 'llama-epp');
    expect(monitor.metadata.labels).toEqual({ release: 'kps' });
    expect(monitor.spec.endpoints).toEqual([{
      port: 'metrics', path: '/metrics', interval: '15s',
      authorization: { type: 'Bearer', credentials: { name: 'llama-epp-metrics-reader', key: 'token' } },
    }]);
    const service = named(manifests, 'Service', 'llama-epp');
    expect(Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => service.metadata.labels[k] === v)).toBe(true);
    expect(service.spec.ports.map((p: Manifest) => p.name)).toContain(monitor.spec.endpoints[0].port);
    const secret = named(manifests, 'Secret', 'llama-epp-metrics-reader');
    expect(secret.type).toBe('kubernetes.io/service-account-token');
    expect(secret.metadata.annotations).toEqual({ 'kubernetes.io/service-account.name': 'llama-epp-metrics-reader' });
    expect(secret.data).toBeUndefined();
    expect(named(manifests, 'ServiceAccount', 'llama-epp-metrics-reader')).toBeDefined();
    const reader = named(manifests, 'ClusterRole', 'llm-llama-epp-metrics-reader');
    expect(reader.rules).toEqual([{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
    expect(bindingSubjects(manifests, 'ClusterRoleBinding', 'llm-llama-epp-metrics-reader'))
      .toEqual([{ kind: 'ServiceAccount', name: 'llama-epp-metrics-reader', namespace: 'llm', apiGroup: '' }]);
    // The scraper reaches the metrics port through the EPP policy.
    expect(named(manifests, 'NetworkPolicy', 'llama-epp').spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
      ports: [{ port: 9090, protocol: 'TCP' }],
    });
  });

  test('with the scraper\'s own token: no metrics-reader objects', () => {
    const manifests = renderValid(chart => expose(chart).endpointPicker.monitor({ labels: {}, scraper: SCRAPER }, { bearerToken: { secretName: 'prometheus-token', key: 'token' } }));
    expect(named(manifests, 'ServiceMonitor', 'llama-epp').spec.endpoints[0].authorization).toEqual({ type: 'Bearer', credentials: { name: 'prometheus-token', key: 'token' } });
    expect(allOfKind(manifests, 'Secret')).toEqual([]);
    expect(allOfKind(manifests, 'ServiceAccount').map(a => a.metadata.name)).toEqual(['llama-epp']);
  });

  test('without metrics auth: no token', () => {
    const manifests = renderValid(chart => expose(chart, { metricsEndpointAuth: false }).endpointPicker.monitor({ labels: {}, scraper: SCRAPER }));
    expect(named(manifests, 'ServiceMonitor', 'llama-epp').spec.endpoints[0].authorization).toBeUndefined();
  });

  test('refused: twice, no scraper with a NetworkPolicy, a token the EPP does not check', () => {
    const chart = testChart();
    const epp = expose(chart).endpointPicker;
    expect(() => epp.monitor({ labels: {} })).toThrow(new Error(
      "'discovery.scraper' (undefined) is required: EPP 'llama-epp' has a NetworkPolicy that admits only named peers, so Prometheus must be named to scrape it, e.g. NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }); or set endpointPicker.networkPolicy to false"));
    expect(() => epp.monitor({ labels: {}, scraper: SCRAPER }, 'token' as any)).toThrow(new Error(
      "'options' (\"token\") must be EndpointPickerMonitorOptions { bearerToken? }"));
    epp.monitor({ labels: {}, scraper: SCRAPER });
    expect(() => epp.monitor({ labels: {}, scraper: SCRAPER })).toThrow(new Error(
      "'monitor()' (\"test/llama-igw/EndpointPicker\") was already called: the EPP has one ServiceMonitor ('test/llama-igw/EndpointPicker/Monitor'); call monitor() once"));
    const open = expose(testChart(), { metricsEndpointAuth: false }, 'other').endpointPicker;
    expect(() => open.monitor({ labels: {}, scraper: SCRAPER }, { bearerToken: { secretName: 'x', key: 'token' } })).toThrow(new Error(
      "'bearerToken' ({\"secretName\":\"x\",\"key\":\"token\"}) is not used: EPP 'llama-epp' serves /metrics without auth (endpointPicker.metricsEndpointAuth is false); leave bearerToken out"));
  });
});

describe('InferenceEndpointPicker bad input', () => {
  let n = 0;
  const attempt = (options: EndpointPickerOptions) => () => expose(testChart(), options, `t${n++}`);

  test('an EPP release other than 1.5.x: v1.6.0 removed the EPP and InferenceObjective', () => {
    expect(attempt({ image: 'registry.k8s.io/gateway-api-inference-extension/epp:v1.6.0' })).toThrow(new Error(
      "'endpointPicker.image' (\"registry.k8s.io/gateway-api-inference-extension/epp:v1.6.0\") runs EPP 1.6.0, not a 1.5.x release: the flags, plugin config and RBAC rendered here were checked against v1.5.0 (kubernetes-sigs/gateway-api-inference-extension); v1.6.0 removed the EPP and InferenceObjective (PR #2973, now llm-d/llm-d-router); use EPP_IMAGE"));
    expect(attempt({ image: 'mirror/epp:latest', version: '1.4.0' })).toThrow(new Error(
      "'endpointPicker.version' (\"1.4.0\") runs EPP 1.4.0, not a 1.5.x release: the flags, plugin config and RBAC rendered here were checked against v1.5.0 (kubernetes-sigs/gateway-api-inference-extension); v1.6.0 removed the EPP and InferenceObjective (PR #2973, now llm-d/llm-d-router); use EPP_IMAGE"));
  });

  test('the version of an image whose tag does not carry it', () => {
    expect(attempt({ image: 'mirror/epp:stable' })).toThrow(new Error(
      "'endpointPicker.version' (undefined) is required for image \"mirror/epp:stable\": its tag carries no vX.Y.Z EPP version; declare the release the image runs, e.g. version: '1.5.0'"));
    expect(attempt({ image: 'mirror/epp:v1.5.1', version: '1.5.0' })).toThrow(new Error(
      "'endpointPicker.version' (\"1.5.0\") contradicts the tag of image \"mirror/epp:v1.5.1\" (EPP 1.5.1): omit version or make them agree"));
    expect(attempt({ image: 'mirror/epp:stable', version: 'v1.5' })).toThrow(new Error(
      "'endpointPicker.version' (\"v1.5\") must be an EPP release X.Y.Z, e.g. '1.5.0'"));
    expect(attempt({ image: 'mirror/epp v1' })).toThrow(new Error(
      "'endpointPicker.image' (\"mirror/epp v1\") must be an image reference, without whitespace"));
  });

  test('replicas, user, resources, failure mode, flags', () => {
    expect(attempt({ replicas: 0 })).toThrow(new Error(
      "'endpointPicker.replicas' (0) must be a whole number from 1: one active EPP (more elect a leader)"));
    expect(attempt({ user: PodUser.fixed(0) })).toThrow(new Error(
      "'endpointPicker.user' (0) must not be root: the EPP needs no privilege; use PodUser.fixed(65532) or PodUser.platformAssigned()"));
    expect(attempt({ user: 1000 as any })).toThrow(new Error(
      "'endpointPicker.user' (1000) must be a PodUser: PodUser.fixed(uid) or PodUser.platformAssigned()"));
    expect(attempt({ resources: 4 as any })).toThrow(new Error(
      "'endpointPicker.resources' (4) must be an object: { cpu?: Cpu, memory?: Size, memoryLimit?: Size }"));
    expect(attempt({ resources: { cpu: kplus.Cpu.units(0) } })).toThrow(new Error(
      "'endpointPicker.resources.cpu' (\"0\") must be a Cpu greater than 0, e.g. Cpu.units(4) or Cpu.millis(500)"));
    expect(attempt({ resources: { memory: Size.gibibytes(4), memoryLimit: Size.gibibytes(2) } })).toThrow(new Error(
      "'endpointPicker.resources.memoryLimit' (\"2048Mi\") must be at least the memory request (4096Mi)"));
    expect(attempt({ resources: { memory: 8 as any } })).toThrow(new Error(
      "'endpointPicker.resources.memory' (8) must be a Size, e.g. Size.gibibytes(2)"));
    expect(attempt({ failureMode: 'FailSafe' as any })).toThrow(new Error(
      "'endpointPicker.failureMode' (\"FailSafe\") must be one of: FailOpen, FailClose"));
    expect(attempt({ metricsEndpointAuth: 'yes' as any })).toThrow(new Error(
      "'endpointPicker.metricsEndpointAuth' (\"yes\") must be true or false"));
    expect(attempt({ networkPolicy: 1 as any })).toThrow(new Error(
      "'endpointPicker.networkPolicy' (1) must be true or false"));
  });

  test('constructed directly: props, pool and poolName', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'p', { model: 'm/m', accelerator: Accelerator.nvidiaGpu(1) });
    expect(() => new InferenceEndpointPicker(chart, 'a', undefined as any)).toThrow(new Error(
      "'props' (undefined) must be the props of the EPP: { pool, poolName, ... }"));
    expect(() => new InferenceEndpointPicker(chart, 'b', { poolName: 'p' } as any)).toThrow(new Error(
      "'pool' (undefined) must be the VllmPool the InferencePool selects"));
    expect(() => new InferenceEndpointPicker(chart, 'c', { pool } as any)).toThrow(new Error(
      "'poolName' (undefined) must be the InferencePool's name (a DNS-1123 label), e.g. 'llama'"));
    const epp = new InferenceEndpointPicker(chart, 'd', { pool, poolName: 'p', gatewayDataPlane: GATEWAY.dataPlane });
    expect(epp.name).toBe('p-epp');
  });

  test('endpointPicker that is not an object', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'p', { model: 'm/m', accelerator: Accelerator.nvidiaGpu(1) });
    expect(() => new GatewayInferencePool(chart, 'x', { pool, gateway: GATEWAY, endpointPicker: 'big' as any })).toThrow(new Error(
      "'endpointPicker' (\"big\") must be EndpointPickerOptions { image?, version?, replicas?, resources?, failureMode?, metricsEndpointAuth?, user?, networkPolicy? }"));
  });
});
