/**
 * Issue 10's "done when", checked on the committed dist/ (what Argo CD applies): no object name
 * or selector carries a construct-path hash; every pool is selected by a NetworkPolicy that
 * admits exactly the proxies routing to it and its scraper; migrations, images, users, metrics
 * auth, vLLM flags and timeouts agree with the corrected FACTS.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { Manifest } from '../util/synth';

const DIST = path.join(__dirname, '..', '..', 'dist');
const ADDRESS_LABEL = 'cdk8s.io/metadata.addr';

/** The reference stack's files of dist/ (each scenario stack is tested by its own test file, built in memory). */
function distManifests(): Manifest[] {
  return fs.readdirSync(DIST).filter(f => /^reference-.*\.k8s\.yaml$/.test(f))
    .flatMap(f => parseAllDocuments(fs.readFileSync(path.join(DIST, f), 'utf8')).map(d => d.toJSON()))
    .filter(Boolean);
}

const all = distManifests();
const ofKind = (kind: string) => all.filter(m => m.kind === kind);
const pools = ofKind('Deployment').filter(d => d.metadata.labels['app.kubernetes.io/name'] === 'vllm');
const multiNode = ofKind('LeaderWorkerSet');
const proxies = ofKind('Deployment').filter(d => d.metadata.labels['app.kubernetes.io/name'] === 'litellm');
const env = (c: Manifest, name: string) => (c.env ?? []).find((e: Manifest) => e.name === name);
const versionOf = (image: string) => /:v?(\d+\.\d+\.\d+)/.exec(image)?.[1];
const atLeast = (v: string, min: string) => {
  const [a, b] = [v, min].map(x => x.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
};

/** The NetworkPolicy whose pod selector is exactly a workload's selector, in its namespace. */
function policyOf(workload: Manifest): Manifest | undefined {
  return ofKind('NetworkPolicy').find(np => np.metadata.namespace === workload.metadata.namespace
    && JSON.stringify(np.spec.podSelector.matchLabels) === JSON.stringify(workload.spec.selector.matchLabels));
}

/** A peer as `<namespace>/<labels>` for comparison. */
function peerKey(namespace: string, labels: Record<string, string>): string {
  return `${namespace}/${Object.entries(labels).sort().map(([k, v]) => `${k}=${v}`).join(',')}`;
}

describe('names that stay put', () => {
  test('no object name ends in a construct-path hash, and names are unique per kind and namespace', () => {
    const seen = new Set<string>();
    for (const m of all) {
      expect(m.metadata.name).not.toMatch(/-c8[0-9a-f]{6}$/);
      const key = `${m.apiVersion}/${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
  });

  test('no label or selector anywhere carries the path-hashed address label', () => {
    expect(JSON.stringify(all)).not.toContain(ADDRESS_LABEL);
  });

  test('pools and the proxy are named from the user\'s ids: Deployment <name>, PVC <name>-model-cache, proxy litellm', () => {
    expect(pools.map(d => d.metadata.name).sort()).toEqual([
      'llama-3-1-8b', 'llama-3-1-8b-int8-neuron', 'llama-3-3-70b', 'qwen2-5-1-5b', 'qwen3-8b', 'qwen3-8b-fp8-neuron',
    ]);
    expect(proxies.map(d => d.metadata.name)).toEqual(['litellm']);
    for (const pvc of ofKind('PersistentVolumeClaim')) expect(pvc.metadata.name).toMatch(/^[a-z0-9-]+-model-cache$/);
  });
});

describe('NetworkPolicies: vLLM\'s --api-key guards only /v1, /v2 and /inference', () => {
  const scraper = peerKey('monitoring', { 'app.kubernetes.io/name': 'prometheus' });
  const proxyPeers = proxies.map(p => peerKey(p.metadata.namespace, p.spec.selector.matchLabels));

  test.each(pools.map(p => [p.metadata.name, p]))('pool %s admits exactly its proxies and its scraper, on 8000 only', (_name, pool) => {
    const np = policyOf(pool as Manifest);
    expect(np).toBeDefined();
    expect(np!.spec.policyTypes).toContain('Ingress');
    const admitted = np!.spec.ingress.map((rule: Manifest) => {
      expect(rule.ports).toEqual([{ port: 8000, protocol: 'TCP' }]);
      expect(rule.from).toHaveLength(1);
      const from = rule.from[0];
      return peerKey(from.namespaceSelector.matchLabels['kubernetes.io/metadata.name'], from.podSelector.matchLabels ?? {});
    }).sort();
    // Every reference pool is a backend of the one proxy, directly or (Qwen3 8B) through the
    // inference Gateway, whose data plane and endpoint picker it admits instead of the proxy.
    const routed = ofKind('InferencePool').find(ip => ip.metadata.namespace === (pool as Manifest).metadata.namespace
      && JSON.stringify(ip.spec.selector.matchLabels) === JSON.stringify((pool as Manifest).spec.selector.matchLabels));
    const callers = routed
      ? [peerKey('envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name': 'inference-gateway' }),
        peerKey(routed.metadata.namespace, ofKind('Deployment').find(d => d.metadata.name === routed.spec.endpointPickerRef.name)!.spec.selector.matchLabels)]
      : proxyPeers;
    expect(admitted).toEqual([...callers, scraper].sort());
  });

  test('the proxies route to exactly the pools that admit them (api_base → Service → pods)', () => {
    const config = parse(ofKind('ConfigMap').find(c => c.metadata.name === 'litellm-config')!.data['config.yaml']);
    // A gateway api_base names the Gateway's listener and the route's prefix, /<namespace>/<pool>.
    const targets = config.model_list.map((m: Manifest) => {
      const url = new URL(m.litellm_params.api_base);
      const [host, namespace] = url.hostname.split('.');
      return host === 'inference-gateway' ? url.pathname.split('/').slice(1, 3).reverse().join('/') : `${host}/${namespace}`;
    });
    const services = pools.map(p => ofKind('Service').find(s => s.metadata.namespace === p.metadata.namespace && s.metadata.name === p.metadata.name)!);
    // A multi-node pool is served by its leaders' Service (`<name>-leader`: the LWS controller
    // creates a headless Service named like the LeaderWorkerSet for the group's pods).
    const leaderServices = multiNode.map(l => ofKind('Service').find(s => s.metadata.namespace === l.metadata.namespace
      && s.spec.selector['leaderworkerset.sigs.k8s.io/worker-index'] === '0' && s.spec.selector['app.kubernetes.io/instance'] === l.metadata.name)!);
    expect(leaderServices.map(s => s.metadata.name)).toEqual(['llama-3-1-405b-leader']);
    expect([...new Set(targets)].sort()).toEqual([...services, ...leaderServices].map(s => `${s.metadata.name}/${s.metadata.namespace}`).sort());
  });

  test('the multi-node pool admits its own group\'s pods on every port (NCCL, the rendezvous), and its proxy and scraper on 8000 only', () => {
    expect(multiNode).toHaveLength(1);
    const lws = multiNode[0];
    const podLabels = lws.spec.leaderWorkerTemplate.leaderTemplate.metadata.labels;
    const np = ofKind('NetworkPolicy').find(n => n.metadata.namespace === lws.metadata.namespace && n.metadata.name === lws.metadata.name)!;
    expect(Object.entries(np.spec.podSelector.matchLabels).every(([k, v]) => podLabels[k] === v)).toBe(true);
    const [group, ...rest] = np.spec.ingress;
    expect(group.from).toEqual([{ podSelector: { matchLabels: np.spec.podSelector.matchLabels } }]);
    expect(group.ports ?? []).toEqual([]);
    const admitted = rest.map((rule: Manifest) => {
      expect(rule.ports).toEqual([{ port: 8000, protocol: 'TCP' }]);
      return peerKey(rule.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'], rule.from[0].podSelector.matchLabels);
    }).sort();
    expect(admitted).toEqual([...proxyPeers, scraper].sort());
  });

  test('the proxy admits its ingress controller and the scraper only; the migrations Job admits nobody', () => {
    const np = policyOf(proxies[0])!;
    expect(np.spec.ingress.map((r: Manifest) => r.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'])).toEqual(['ingress-nginx', 'monitoring']);
    const job = ofKind('NetworkPolicy').find(n => n.metadata.name === 'litellm-migrations')!;
    expect(job.spec.ingress).toBeUndefined();
    expect(job.spec.policyTypes).toContain('Ingress');
  });

  test('dcgm-exporter admits the scraper on 9400 only; prometheus-adapter only its secure port 6443', () => {
    const dcgm = ofKind('NetworkPolicy').find(n => n.metadata.name === 'dcgm-exporter')!;
    expect(dcgm.spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
      ports: [{ port: 9400, protocol: 'TCP' }],
    }]);
    const adapter = ofKind('NetworkPolicy').find(n => n.metadata.name === 'prometheus-adapter')!;
    expect(adapter.spec.ingress.map((r: Manifest) => r.ports)).toEqual([[{ port: 6443, protocol: 'TCP' }]]);
  });
});

describe('LiteLLM as the corrected FACTS §B.6, §B.7, §B.10 say', () => {
  const job = ofKind('Job').find(j => j.metadata.name === 'litellm-migrations')!;
  const jobContainer = job.spec.template.spec.containers[0];
  const proxyContainer = proxies[0].spec.template.spec.containers[0];

  test('migrations run with --skip_server_startup, never the removed --use_prisma_migrate (PR #13555), before the proxy rolls', () => {
    expect(jobContainer.args).toEqual(['--skip_server_startup']);
    expect(JSON.stringify(all)).not.toContain('--use_prisma_migrate');
    expect(env(jobContainer, 'DISABLE_SCHEMA_UPDATE').value).toBe('false');
    expect(env(proxyContainer, 'DISABLE_SCHEMA_UPDATE').value).toBe('true');
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
  });

  test('the image carries PR #33853 (any uid can run Prisma) and both run non-root, read-only, with writable cache and migration dirs', () => {
    for (const c of [jobContainer, proxyContainer]) {
      expect(c.image).toBe('ghcr.io/berriai/litellm-database:v1.93.0');
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      const mounts = c.volumeMounts.map((v: Manifest) => v.mountPath);
      expect(mounts).toEqual(expect.arrayContaining(['/tmp', '/.cache', '/.npm', '/var/lib/litellm-migrations']));
      expect(env(c, 'LITELLM_MIGRATION_DIR').value).toBe('/var/lib/litellm-migrations');
    }
  });

  test('/metrics auth is explicit, and the ServiceMonitor sends the bearer token it requires (never a silent 401)', () => {
    const config = parse(ofKind('ConfigMap').find(c => c.metadata.name === 'litellm-config')!.data['config.yaml']);
    expect(config.litellm_settings.require_auth_for_metrics_endpoint).toBe(true);
    const monitor = ofKind('ServiceMonitor').find(m => m.metadata.name === 'litellm')!;
    expect(monitor.spec.endpoints[0].authorization).toEqual({ type: 'Bearer', credentials: { name: 'litellm-secrets', key: 'master-key' } });
  });
});

describe('vLLM flags and timeouts agree with each pool\'s vLLM version (FACTS §A.3)', () => {
  test.each(pools.map(p => [p.metadata.name, p]))('%s', (_name, pool) => {
    const d = pool as Manifest;
    const c = d.spec.template.spec.containers[0];
    const version = versionOf(c.image) ?? (d.metadata.name.endsWith('-neuron') ? '0.11.0' : undefined);
    expect(version).toBeDefined();
    const startupBudget = c.startupProbe.periodSeconds * c.startupProbe.failureThreshold;
    const grace = d.spec.template.spec.terminationGracePeriodSeconds;
    if (atLeast(version!, '0.18.0')) {
      const timeout = Number(c.args[c.args.indexOf('--shutdown-timeout') + 1]);
      expect(timeout).toBeGreaterThan(0);
      expect(grace).toBeGreaterThanOrEqual(15 + timeout);
    } else {
      // Older vLLM exits on the unknown flag: it drains by preStop and the grace period only.
      expect(c.args).not.toContain('--shutdown-timeout');
      expect(grace).toBeGreaterThan(15);
    }
    const ready = env(c, 'VLLM_ENGINE_READY_TIMEOUT_S');
    if (atLeast(version!, '0.16.0')) expect(Number(ready.value)).toBeGreaterThanOrEqual(startupBudget - c.startupProbe.periodSeconds);
    else expect(ready).toBeUndefined();
    for (const gone of ['--model', '--disable-log-requests', '--swap-space', '--device']) expect(c.args).not.toContain(gone);
    expect(c.securityContext.runAsNonRoot).toBe(true);
  });
});

describe('MIG: utilization from engine activity, never DCGM_FI_DEV_GPU_UTIL (0 or absent on MIG slices)', () => {
  test('no alert or trigger reads DCGM_FI_DEV_GPU_UTIL for the MIG pool', () => {
    const mig = pools.find(p => JSON.stringify(p.spec.template.spec.containers[0].resources).includes('nvidia.com/mig-'))!;
    const rules = ofKind('PrometheusRule').flatMap(r => r.spec.groups.flatMap((g: Manifest) => g.rules));
    const triggers = ofKind('ScaledObject').flatMap(s => s.spec.triggers);
    const texts = [...rules.map((r: Manifest) => r.expr), ...triggers.map((t: Manifest) => t.metadata.query ?? '')];
    const aboutMig = texts.filter((t: string) => t.includes(`pool="${mig.metadata.name}"`) || t.includes(`${mig.metadata.name}-[a-z0-9]+`));
    expect(aboutMig.length).toBeGreaterThan(0);
    for (const t of aboutMig) expect(t).not.toContain('DCGM_FI_DEV_GPU_UTIL');
    expect(texts.some((t: string) => t.includes('DCGM_FI_PROF_GR_ENGINE_ACTIVE') && t.includes(mig.metadata.name))).toBe(true);
  });
});
