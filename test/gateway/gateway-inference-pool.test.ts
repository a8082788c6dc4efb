import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { GatewayInferencePool, GatewayInferencePoolProps, HostedVllmBackend, VllmPool } from '../../lib';
import { allOfKind, named, SCRAPER, synth, testChart } from '../util/synth';
import { renderValid } from '../util/validate';
import { DATA_PLANE, GATEWAY, pool } from '../util/gateway';

function expose(chart: Chart, p: VllmPool, props: Partial<GatewayInferencePoolProps> = {}, id = `${p.name}-igw`): GatewayInferencePool {
  return new GatewayInferencePool(chart, id, { pool: p, gateway: GATEWAY, ...props });
}



function matches(labels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

describe('GatewayInferencePool defaults', () => {
  test('renders the InferencePool, the HTTPRoute and the EPP, named from the pool, all strictly valid', () => {
    const manifests = renderValid(chart => expose(chart, pool(chart, 'llama')));
    expect(manifests.map(m => `${m.kind}/${m.metadata.name}`).filter(k => !k.startsWith('Deployment/llama') || k === 'Deployment/llama-epp').sort()).toMatchSnapshot();
    expect(named(manifests, 'InferencePool', 'llama').apiVersion).toBe('inference.networking.k8s.io/v1');
    expect(named(manifests, 'HTTPRoute', 'llama').apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(named(manifests, 'Deployment', 'llama-epp')).toBeDefined();
    expect(named(manifests, 'Service', 'llama-epp')).toBeDefined();
    expect(allOfKind(manifests, 'InferenceObjective')).toEqual([]);
  });

  test('the InferencePool selects exactly the pool\'s pods, on the vLLM port, and points at the EPP Service\'s ext-proc port', () => {
    let p!: VllmPool;
    let routed!: GatewayInferencePool;
    const manifests = renderValid(chart => { p = pool(chart, 'llama'); routed = expose(chart, p); });
    const ip = named(manifests, 'InferencePool', 'llama');
    expect(ip.metadata.namespace).toBe('llm');
    expect(ip.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': 'llama' } });
    expect(ip.spec.selector.matchLabels).toEqual(p.deployment.matchLabels);
    expect(routed.selector).toEqual(p.deployment.matchLabels);
    expect(ip.spec.targetPorts).toEqual([{ number: 8000 }]);
    const vllm = named(manifests, 'Deployment', 'llama');
    expect(vllm.spec.template.spec.containers[0].ports).toContainEqual({ containerPort: ip.spec.targetPorts[0].number, name: 'http' });
    expect(ip.spec.endpointPickerRef).toEqual({ name: 'llama-epp', port: { number: 9002 }, failureMode: 'FailOpen' });
    const eppService = named(manifests, 'Service', ip.spec.endpointPickerRef.name);
    expect(eppService.spec.ports).toContainEqual({ name: 'grpc-ext-proc', port: ip.spec.endpointPickerRef.port.number, targetPort: 9002 });
  });

  test('wiring: route → InferencePool → the pool\'s pods and no other pods of the output', () => {
    const manifests = renderValid(chart => {
      const llama = pool(chart, 'llama');
      pool(chart, 'qwen', { model: 'Qwen/Qwen3-8B' });
      expose(chart, llama);
    });
    const route = named(manifests, 'HTTPRoute', 'llama');
    const [backend] = route.spec.rules[0].backendRefs;
    expect(backend).toEqual({ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama' });
    const ip = named(manifests, 'InferencePool', backend.name);
    const selected = manifests
      .filter(m => m.kind === 'Deployment' && matches(m.spec.template.metadata.labels, ip.spec.selector.matchLabels))
      .map(m => m.metadata.name);
    expect(selected).toEqual(['llama']);
  });

  test('the route attaches to the named Gateway, matches /<namespace>/<name>, rewrites it to / and allows the pool\'s longest request', () => {
    const manifests = renderValid(chart => expose(chart, pool(chart, 'llama')));
    const route = named(manifests, 'HTTPRoute', 'llama');
    expect(route.metadata.namespace).toBe('llm');
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'inference-gateway', namespace: 'gateway' }]);
    expect(route.spec.rules).toEqual([{
      matches: [{ path: { type: 'PathPrefix', value: '/llm/llama' } }],
      filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
      backendRefs: [{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama' }],
      timeouts: { request: '600s' },
    }]);
  });

  test('the backend facts: the Gateway route URL, the pool\'s served name, key and adapters, the data plane', () => {
    const chart = testChart();
    const p = pool(chart, 'llama', { apiKey: { secretName: 'vllm', key: 'key' }, servedModelName: 'llama-3-1-8b' });
    const routed = expose(chart, p);
    expect(routed.url).toBe('http://inference-gateway.gateway.svc.cluster.local:80/llm/llama/v1');
    expect(routed.servedModelName).toBe('llama-3-1-8b');
    expect(routed.apiKey).toEqual({ secretName: 'vllm', key: 'key' });
    expect(routed.loraAdapterNames).toEqual([]);
    expect(routed.peer).toBe(DATA_PLANE);
    expect(routed.port).toBe(10080);
    expect((routed as HostedVllmBackend).service).toBeUndefined();
    expect(routed.endpointPicker.modelPool).toBe(p);
    expect(routed.endpointPicker.poolName).toBe('llama');
  });

  test('the data-plane port defaults to the port of the address (80 or 443 without one)', () => {
    const chart = testChart();
    const a = expose(chart, pool(chart, 'a'), { gateway: { ...GATEWAY, dataPlanePort: undefined, address: 'http://gw.gateway.svc:8080' } });
    const b = expose(chart, pool(chart, 'b'), { gateway: { ...GATEWAY, dataPlanePort: undefined, address: 'https://gw.gateway.svc/' } });
    const c = expose(chart, pool(chart, 'c'), { gateway: { ...GATEWAY, dataPlanePort: undefined, address: 'http://gw.gateway.svc' } });
    expect([a.port, b.port, c.port]).toEqual([8080, 443, 80]);
    expect([a.url, b.url, c.url]).toEqual(['http://gw.gateway.svc:8080/llm/a/v1', 'https://gw.gateway.svc/llm/b/v1', 'http://gw.gateway.svc/llm/c/v1']);
  });
});

describe('GatewayInferencePool options', () => {
  test('name, pathPrefix, sectionName, requestTimeout and a Gateway in the pool\'s namespace', () => {
    const manifests = renderValid(chart => expose(chart, pool(chart, 'llama'), {
      name: 'llama-routed',
      pathPrefix: '/models/llama',
      requestTimeout: Duration.minutes(30),
      gateway: { name: 'gw', sectionName: 'http', address: 'http://gw.llm.svc.cluster.local:8080', dataPlane: DATA_PLANE },
    }));
    const route = named(manifests, 'HTTPRoute', 'llama-routed');
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', sectionName: 'http' }]);
    expect(route.spec.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/models/llama' } }]);
    expect(route.spec.rules[0].timeouts).toEqual({ request: '1800s' });
    expect(route.spec.rules[0].backendRefs[0].name).toBe('llama-routed');
    expect(named(manifests, 'InferencePool', 'llama-routed').spec.endpointPickerRef.name).toBe('llama-routed-epp');
  });

  test('the route timeout follows the pool\'s maxRequestDuration', () => {
    const manifests = renderValid(chart => expose(chart, pool(chart, 'llama', { maxRequestDuration: Duration.minutes(45) })));
    expect(named(manifests, 'HTTPRoute', 'llama').spec.rules[0].timeouts).toEqual({ request: '2700s' });
  });

  test('InferenceObjectives reference the InferencePool with their priority (0 when unset)', () => {
    const manifests = renderValid(chart => expose(chart, pool(chart, 'llama'), {
      objectives: [{ name: 'interactive', priority: 10 }, { name: 'batch', priority: -10 }, { name: 'default' }],
    }));
    const objectives = allOfKind(manifests, 'InferenceObjective');
    expect(objectives.map(o => [o.apiVersion, o.metadata.name, o.metadata.namespace, o.spec])).toEqual([
      ['inference.networking.x-k8s.io/v1alpha2', 'interactive', 'llm', { poolRef: { group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama' }, priority: 10 }],
      ['inference.networking.x-k8s.io/v1alpha2', 'batch', 'llm', { poolRef: { group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama' }, priority: -10 }],
      ['inference.networking.x-k8s.io/v1alpha2', 'default', 'llm', { poolRef: { group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama' }, priority: 0 }],
    ]);
  });

  test('several pools share one Gateway, each on its own prefix', () => {
    const manifests = renderValid(chart => {
      expose(chart, pool(chart, 'llama'));
      expose(chart, pool(chart, 'qwen', { model: 'Qwen/Qwen3-8B' }));
    });
    expect(allOfKind(manifests, 'HTTPRoute').map(r => [r.spec.parentRefs[0].name, r.spec.rules[0].matches[0].path.value, r.spec.rules[0].backendRefs[0].name]))
      .toEqual([['inference-gateway', '/llm/llama', 'llama'], ['inference-gateway', '/llm/qwen', 'qwen']]);
  });

  test('the pool admits the Gateway\'s data plane and the EPP on the vLLM port; the EPP admits the data plane on ext-proc', () => {
    const manifests = renderValid(chart => expose(chart, pool(chart, 'llama')));
    const poolPolicy = named(manifests, 'NetworkPolicy', 'llama');
    expect(poolPolicy.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } }, podSelector: { matchLabels: { 'gateway.envoyproxy.io/owning-gateway-name': 'inference-gateway' } } }],
        ports: [{ port: 8000, protocol: 'TCP' }],
      },
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'llm' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'epp', 'app.kubernetes.io/instance': 'llama-epp' } } }],
        ports: [{ port: 8000, protocol: 'TCP' }],
      },
    ]);
    const epp = named(manifests, 'Deployment', 'llama-epp');
    expect(matches(epp.spec.template.metadata.labels, poolPolicy.spec.ingress[1].from[0].podSelector.matchLabels)).toBe(true);
    const eppPolicy = named(manifests, 'NetworkPolicy', 'llama-epp');
    expect(eppPolicy.spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } }, podSelector: { matchLabels: { 'gateway.envoyproxy.io/owning-gateway-name': 'inference-gateway' } } }],
      ports: [{ port: 9002, protocol: 'TCP' }],
    }]);
  });

  test('without NetworkPolicies the data plane need not be named', () => {
    const manifests = renderValid(chart => expose(chart, pool(chart, 'llama', { network: { enabled: false } }), {
      gateway: { name: 'gw', address: 'http://gw.llm.svc:80' }, endpointPicker: { networkPolicy: false },
    }));
    expect(allOfKind(manifests, 'NetworkPolicy')).toEqual([]);
    expect(named(manifests, 'InferencePool', 'llama')).toBeDefined();
  });

  test('the EPP monitor scrapes through the EPP policy', () => {
    const manifests = renderValid(chart => expose(chart, pool(chart, 'llama')).endpointPicker.monitor({ labels: {}, scraper: SCRAPER }));
    expect(named(manifests, 'ServiceMonitor', 'llama-epp').spec.endpoints[0].port).toBe('metrics');
  });
});

describe('GatewayInferencePool bad input', () => {
  test('props, pool and gateway', () => {
    const chart = testChart();
    const p = pool(chart, 'llama');
    expect(() => new GatewayInferencePool(chart, 'a', undefined as any)).toThrow(new Error(
      "'props' (undefined) must be the props of the InferencePool: { pool, gateway, ... }"));
    expect(() => new GatewayInferencePool(chart, 'b', { pool: {} as any, gateway: GATEWAY })).toThrow(new Error(
      "'pool' ({}) must be a VllmPool: the model pool the InferencePool selects"));
    expect(() => new GatewayInferencePool(chart, 'c', { pool: p } as any)).toThrow(new Error(
      "'gateway' (undefined) must name the Gateway that routes to the pool: { name, namespace?, sectionName?, address, dataPlane?, dataPlanePort? }"));
    expect(() => expose(chart, p, { gateway: { address: GATEWAY.address } as any }, 'd')).toThrow(new Error(
      "'gateway.name' (undefined) is required: the Gateway the HTTPRoute attaches to (its parentRef), e.g. 'inference-gateway'"));
    expect(() => expose(chart, p, { gateway: { ...GATEWAY, name: 'Gateway_1' } }, 'e')).toThrow(
      "'gateway.name' (\"Gateway_1\") must be a DNS-1123 subdomain");
    expect(() => expose(chart, p, { gateway: { ...GATEWAY, namespace: 'A.b' } }, 'f')).toThrow("'gateway.namespace' (\"A.b\")");
    expect(() => expose(chart, p, { gateway: { ...GATEWAY, sectionName: 7 as any } }, 'g')).toThrow(new Error(
      "'gateway.sectionName' (7) must be a listener name"));
    expect(() => expose(chart, p, { gateway: { ...GATEWAY, dataPlanePort: 0 } }, 'h')).toThrow("'gateway.dataPlanePort' (0)");
    expect(() => expose(chart, p, { gateway: { ...GATEWAY, dataPlane: 'envoy' as any } }, 'i')).toThrow("'gateway.dataPlane' (\"envoy\")");
  });

  test.each([
    ['inference-gateway.gateway.svc:80'],
    ['http://inference-gateway.gateway.svc:80/v1'],
    ['http://inference-gateway.gateway.svc:99999'],
    ['ftp://gw'],
  ])('an address that is not a base URL: %s', address => {
    const chart = testChart();
    expect(() => expose(chart, pool(chart, 'llama'), { gateway: { ...GATEWAY, address } })).toThrow(new Error(
      `'gateway.address' (${JSON.stringify(address)}) must be the in-cluster base URL of the Gateway's listener, http(s)://<host>[:<port>] without a path, e.g. 'http://inference-gateway.gateway.svc.cluster.local:80' (each Gateway implementation names its Service differently)`));
  });

  test('the data plane is required while the pool or the EPP has a NetworkPolicy', () => {
    const chart = testChart();
    const gateway = { name: 'gw', address: 'http://gw.llm.svc:80' };
    expect(() => expose(chart, pool(chart, 'llama'), { gateway })).toThrow(new Error(
      "'gateway.dataPlane' (undefined) is required: pool 'llama' has a NetworkPolicy that admits only named peers, so the Gateway's data-plane pods must be named, e.g. NetworkPeer.pods('envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name': 'gw' }) for Envoy Gateway; or turn the policies off (pool network.enabled, endpointPicker.networkPolicy)"));
    expect(() => expose(chart, pool(chart, 'qwen', { network: { enabled: false } }), { gateway })).toThrow(new Error(
      "'gateway.dataPlane' (undefined) is required: the EPP has a NetworkPolicy that admits only named peers, so the Gateway's data-plane pods must be named, e.g. NetworkPeer.pods('envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name': 'gw' }) for Envoy Gateway; or turn the policies off (pool network.enabled, endpointPicker.networkPolicy)"));
  });

  test('a pool of another namespace or another App', () => {
    const chart = testChart();
    const other = new Chart(chart.node.root as any, 'other', { namespace: 'team-b' });
    const p = pool(other, 'llama');
    expect(() => expose(chart, p)).toThrow(new Error(
      "'pool' (\"llama\") is in namespace \"team-b\", not \"llm\": an InferencePool selects pods of its own namespace only; create the GatewayInferencePool in a chart of the pool's namespace"));
    const foreign = pool(new Chart(Testing.app(), 'x', { namespace: 'llm' }), 'qwen');
    expect(() => expose(chart, foreign)).toThrow(new Error(
      "'pool' (\"qwen\") is 'x/qwen' of another App: the InferencePool must be synthesized with the pool it selects"));
  });

  test('one InferencePool per pool', () => {
    const chart = testChart();
    const p = pool(chart, 'llama');
    expose(chart, p);
    expect(() => expose(chart, p, { name: 'llama-2', pathPrefix: '/b' }, 'again')).toThrow(new Error(
      "'pool' (\"llama\") is already exposed by InferencePool 'test/llama-igw': one InferencePool per pool (an EPP per pool keeps one view of its pods); route more Gateways to that one"));
  });

  test('names are claimed: a name taken in the namespace (its EPP objects first)', () => {
    const chart = testChart();
    expose(chart, pool(chart, 'llama'));
    expect(() => expose(chart, pool(chart, 'qwen'), { name: 'llama', pathPrefix: '/q' })).toThrow(new Error(
      "'name' (\"llama-epp\") names a ServiceAccount in namespace \"llm\" that 'test/llama-igw/EndpointPicker' already renders: 'test/qwen-igw/EndpointPicker' would overwrite it on apply; give one of them another name"));
  });

  test('a name too long for the EPP\'s `<name>-epp`', () => {
    const chart = testChart();
    const long = 'a'.repeat(61);
    expect(() => expose(chart, pool(chart, 'llama'), { name: long })).toThrow(new Error(
      `'name' ("${long}-epp") must be a DNS-1035 label (at most 63 lower-case alphanumerics or '-', starting with a letter and ending with an alphanumeric): object names come from it; set 'name' to a name like 'llama-3-1-8b'`));
  });

  test('path prefixes: malformed, or already routed on the Gateway', () => {
    const chart = testChart();
    for (const [i, prefix] of ['/', 'llama', '/llama/', '/a//b', '/a b'].entries()) {
      expect(() => expose(chart, pool(chart, `p${i}`), { pathPrefix: prefix })).toThrow(new Error(
        `'pathPrefix' (${JSON.stringify(prefix)}) must be an absolute path without a trailing '/', of segments of letters, digits, '-', '.', '_' or '~', e.g. '/llm/llama'`));
    }
    expose(chart, pool(chart, 'llama'), { pathPrefix: '/models' });
    expect(() => expose(chart, pool(chart, 'qwen'), { pathPrefix: '/models' })).toThrow(new Error(
      "'pathPrefix' (\"/models\") is already routed by 'test/llama-igw' on Gateway 'inference-gateway': the two routes would conflict; give each pool its own prefix"));
    // Another listener of the Gateway may reuse it.
    expect(() => expose(chart, pool(chart, 'mistral'), { pathPrefix: '/models', gateway: { ...GATEWAY, sectionName: 'internal' } })).not.toThrow();
  });

  test('request timeouts below the pool\'s longest request, above a day, or not whole seconds', () => {
    const chart = testChart();
    const p = pool(chart, 'llama', { maxRequestDuration: Duration.minutes(20) });
    expect(() => expose(chart, p, { requestTimeout: Duration.minutes(5) }, 'a')).toThrow(new Error(
      "'requestTimeout' (\"300s\") must be at least the pool's maxRequestDuration (1200s): the Gateway would cut requests the pool still serves"));
    expect(() => expose(chart, p, { requestTimeout: Duration.days(2) }, 'b')).toThrow(new Error(
      "'requestTimeout' (\"172800s\") must be at most a day (86400s)"));
    expect(() => expose(chart, p, { requestTimeout: Duration.millis(1500500) }, 'c')).toThrow(new Error(
      "'requestTimeout' (\"1500500ms\") must be a whole number of seconds, e.g. Duration.minutes(10)"));
    expect(() => expose(chart, p, { requestTimeout: 600 as any }, 'd')).toThrow(new Error(
      "'requestTimeout' (600) must be a Duration, e.g. Duration.minutes(10)"));
  });

  test('objectives', () => {
    const chart = testChart();
    const p = pool(chart, 'llama');
    expect(() => expose(chart, p, { objectives: 'high' as any }, 'o0')).toThrow(new Error(
      "'objectives' (\"high\") must be a list of InferenceObjectiveOptions { name, priority? }"));
    expect(() => expose(chart, p, { objectives: [null as any] }, 'o1')).toThrow(new Error(
      "'objectives[0]' (null) must be InferenceObjectiveOptions { name, priority? }"));
    expect(() => expose(chart, p, { objectives: [{ priority: 1 } as any] }, 'o2')).toThrow(new Error(
      "'objectives[0].name' (undefined) must be the objective's name, e.g. 'interactive'"));
    expect(() => expose(chart, p, { objectives: [{ name: 'High' }] }, 'o3')).toThrow("'objectives[0].name' (\"High\") must be a DNS-1123 subdomain");
    expect(() => expose(chart, p, { objectives: [{ name: 'high', priority: 1.5 }] }, 'o4')).toThrow(new Error(
      "'objectives[0].priority' (1.5) must be a whole number (higher is served first; negative allowed)"));
  });

  test('two objectives with one name', () => {
    const chart = testChart();
    expect(() => expose(chart, pool(chart, 'llama'), { objectives: [{ name: 'high' }, { name: 'high', priority: 2 }] })).toThrow(new Error(
      "'objectives[1].name' (\"high\") is also objectives[0]: each objective is one InferenceObjective; give it one priority"));
    // Objective names are claimed per namespace across pools.
    expose(chart, pool(chart, 'qwen'), { objectives: [{ name: 'high' }] });
    expect(() => expose(chart, pool(chart, 'mistral'), { objectives: [{ name: 'high' }] })).toThrow(
      "'objectives[0].name' (\"high\") names a inference.networking.x-k8s.io/InferenceObjective in namespace \"llm\" that 'test/qwen-igw' already renders");
  });
});

describe('GatewayInferencePool cross-object checks at synth', () => {
  test('another pool whose pods carry the selector', () => {
    const chart = testChart();
    const llama = pool(chart, 'llama');
    const other = pool(chart, 'qwen', { model: 'Qwen/Qwen3-8B' });
    expose(chart, llama);
    other.deployment.podMetadata.addLabel('app.kubernetes.io/instance', 'llama');
    expect(() => synth(chart)).toThrow(
      "'pool' (\"llama\") is not the only pool InferencePool 'llama' would select: its selector {\"app.kubernetes.io/name\":\"vllm\",\"app.kubernetes.io/instance\":\"llama\"} also matches the pods of VllmPool 'test/qwen' in namespace \"llm\", so the EPP would route requests for VllmPool 'test/llama' to them; keep each pool's labels its own");
  });

  test('any other workload of the namespace whose pods carry the selector; none of another namespace', () => {
    const chart = testChart();
    expose(chart, pool(chart, 'llama'));
    const labels = { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': 'llama' };
    const elsewhere = new Chart(chart.node.root as any, 'elsewhere', { namespace: 'team-b' });
    new kplus.Deployment(elsewhere, 'copy', { podMetadata: { labels }, containers: [{ image: 'busybox:1.36', securityContext: { ensureNonRoot: false } }] });
    expect(() => Testing.synth(chart)).not.toThrow();
    new kplus.Deployment(chart, 'impostor', { podMetadata: { labels: { ...labels, extra: 'x' } }, containers: [{ image: 'busybox:1.36', securityContext: { ensureNonRoot: false } }] });
    expect(() => synth(chart)).toThrow("also matches the pods of workload 'test/impostor' in namespace \"llm\"");
  });

  test('a pool whose pods lost the selector labels', () => {
    const chart = testChart();
    const p = pool(chart, 'llama');
    expose(chart, p);
    p.deployment.podMetadata.addLabel('app.kubernetes.io/instance', 'renamed');
    expect(() => synth(chart)).toThrow(
      "'pool' (\"llama\") has pods labelled {\"app.kubernetes.io/name\":\"vllm\",\"app.kubernetes.io/instance\":\"renamed\"}, which InferencePool 'llama' (selector {\"app.kubernetes.io/name\":\"vllm\",\"app.kubernetes.io/instance\":\"llama\"}) would not select: keep the pool's selector labels on its pods");
  });

  test('a target port the pool\'s container does not serve', () => {
    const chart = testChart();
    const p = pool(chart, 'llama');
    (p as any).port = 9000; // a pool whose declared port is not its container's
    expose(chart, p);
    expect(() => synth(chart)).toThrow(
      "'pool' (\"llama\") has no container port 9000: InferencePool 'llama' targets the vLLM port 9000");
  });
});
