import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { parse, parseAllDocuments } from 'yaml';
import { buildApps } from '../../apps/main';
import { ReferencePlatform } from '../../apps/reference-platform';
import { isCatalogSeries, promqlMetricNames, promqlSyntaxError, synthValidated, VLLM_IMAGE } from '../../lib';
import { allOfKind, containerOf, envOf, liteLLMConfig, LWS_WORKER_INDEX_LABEL, Manifest, oneOfKind, podWorkloads, synth } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const DIST = path.join(__dirname, '..', '..', 'dist');

/** The reference stack's files of dist/ (each scenario stack is tested by its own test file, built in memory). */
function distManifests(): Manifest[] {
  return fs.readdirSync(DIST).filter(f => /^reference-.*\.k8s\.yaml$/.test(f))
    .flatMap(f => parseAllDocuments(fs.readFileSync(path.join(DIST, f), 'utf8')).map(d => d.toJSON()))
    .filter(Boolean);
}

describe('reference platform', () => {
  const manifests = synth(new ReferencePlatform(new App(), 'reference-platform'));

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('everything lands in namespace litellm, but the cluster-scoped RBAC of the endpoint picker\'s metrics auth', () => {
    const clusterScoped = manifests.filter(m => m.kind === 'ClusterRole' || m.kind === 'ClusterRoleBinding');
    expect(clusterScoped.map(m => m.metadata.name).sort()).toEqual([
      'litellm-qwen3-8b-epp-auth', 'litellm-qwen3-8b-epp-auth', 'litellm-qwen3-8b-epp-metrics-reader', 'litellm-qwen3-8b-epp-metrics-reader',
    ]);
    for (const m of clusterScoped) expect(m.metadata.namespace).toBeUndefined();
    for (const m of manifests.filter(x => !clusterScoped.includes(x))) expect(m.metadata.namespace).toBe('litellm');
  });

  test('the seed\'s router: least-busy with pre-call checks, allowed_fails 3, cooldown 60, retries 2, timeout 120, fallback chain', () => {
    const router = liteLLMConfig(manifests).router_settings;
    expect(router).toMatchObject({
      routing_strategy: 'least-busy', enable_pre_call_checks: true, allowed_fails: 3, cooldown_time: 60, num_retries: 2, timeout: 120,
      fallbacks: [
        { 'llama-3-1-8b': ['qwen3-8b'] }, { 'qwen3-8b': ['llama-3-1-8b'] }, { 'llama-3-3-70b': ['llama-3-1-8b'] },
        { 'llama-3-1-405b': ['llama-3-3-70b'] },
        { 'llama-3-1-8b-sql': ['llama-3-1-8b'] }, { 'llama-3-1-8b-support': ['llama-3-1-8b'] },
      ],
    });
  });

  test('the Llama 3.1 8B pool serves two LoRA adapters, each a model group of the proxy at the pool\'s Service', () => {
    const args: string[] = containerOf(oneOfKind(manifests, 'Deployment', 'llama-3-1-8b'), 'vllm').args;
    expect(args.slice(args.indexOf('--enable-lora'))).toEqual([
      '--enable-lora', '--max-loras', '2', '--max-lora-rank', '32', '--lora-modules',
      'llama-3-1-8b-sql=/models/adapters/llama-3-1-8b-sql', 'llama-3-1-8b-support=/models/adapters/llama-3-1-8b-support',
    ]);
    const models = liteLLMConfig(manifests).model_list;
    const base = models.find((m: Manifest) => m.model_name === 'llama-3-1-8b').litellm_params;
    for (const adapter of ['llama-3-1-8b-sql', 'llama-3-1-8b-support']) {
      const entries = models.filter((m: Manifest) => m.model_name === adapter);
      expect(entries).toHaveLength(1);
      expect(entries[0].litellm_params).toEqual({ model: `hosted_vllm/${adapter}`, api_base: base.api_base, api_key: base.api_key });
    }
  });

  test('Redis cache with ttl 3600 and PostgreSQL by reference, migrated by a hook Job', () => {
    const config = liteLLMConfig(manifests);
    expect(config.litellm_settings.cache_params).toMatchObject({ type: 'redis', ttl: 3600 });
    expect(config.general_settings.database_url).toBe('os.environ/DATABASE_URL');
    expect(oneOfKind(manifests, 'Job').metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
  });
});

describe('dist/', () => {
  const dist = distManifests();
  const hpasOn = (): Manifest[] => allOfKind(dist, 'HorizontalPodAutoscaler');
  /** The LiteLLM ConfigMaps (the adapter's ConfigMap also holds a config.yaml). */
  const liteLLMConfigMaps = (): Manifest[] => allOfKind(dist, 'ConfigMap').filter(c => 'model_list' in (parse(c.data?.['config.yaml'] ?? '{}') ?? {}));

  test('is what a fresh synth writes (run `npm run synth` and commit dist/ when this fails)', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
    try {
      // What apps/main.ts writes: every App (dist/ and dist/environments/<name>/), sync waves derived.
      synthValidated(buildApps(outdir));
      const files = (dir: string): string[] => (fs.readdirSync(dir, { recursive: true }) as string[])
        .filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
      const fresh = files(outdir);
      expect(files(DIST)).toEqual(fresh);
      for (const f of fresh) {
        expect(fs.readFileSync(path.join(DIST, f), 'utf8')).toBe(fs.readFileSync(path.join(outdir, f), 'utf8'));
      }
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('every object passes strict validation', () => {
    expect(dist.length).toBeGreaterThan(0);
    expectValidManifests(dist);
  });

  test('config.yaml uses only keys from FACTS §B, and every secret is an os.environ/ reference', () => {
    const known: Record<string, string[]> = {
      litellm_settings: ['callbacks', 'require_auth_for_metrics_endpoint', 'request_timeout', 'drop_params', 'cache', 'cache_params'],
      router_settings: ['routing_strategy', 'num_retries', 'timeout', 'allowed_fails', 'cooldown_time', 'enable_pre_call_checks',
        'retry_policy', 'fallbacks', 'context_window_fallbacks', 'redis_host', 'redis_port', 'redis_password'],
      general_settings: ['master_key', 'database_url'],
    };
    for (const cm of liteLLMConfigMaps()) {
      const config = liteLLMConfig([cm]);
      expect(Object.keys(config).every(k => ['model_list', ...Object.keys(known)].includes(k))).toBe(true);
      for (const [section, keys] of Object.entries(known)) {
        for (const key of Object.keys(config[section] ?? {})) expect(keys).toContain(key);
      }
      for (const entry of config.model_list) {
        expect(Object.keys(entry).every(k => ['model_name', 'litellm_params', 'model_info'].includes(k))).toBe(true);
        for (const key of Object.keys(entry.litellm_params)) {
          expect(['model', 'api_base', 'api_key', 'rpm', 'tpm', 'timeout', 'max_parallel_requests']).toContain(key);
        }
      }
      const secrets = [config.general_settings.master_key, config.general_settings.database_url,
        config.router_settings.redis_password, config.litellm_settings.cache_params?.password,
        ...config.model_list.map((m: Manifest) => m.litellm_params.api_key)].filter(v => v !== undefined);
      expect(secrets.length).toBeGreaterThan(0);
      for (const s of secrets) expect(s).toMatch(/^os\.environ\/[A-Z0-9_]+$/);
    }
  });

  test('no env value holds a literal secret: every credential variable comes from a secretKeyRef', () => {
    for (const workload of [...allOfKind(dist, 'Deployment'), ...allOfKind(dist, 'Job')]) {
      for (const container of workload.spec.template.spec.containers) {
        for (const [name, entry] of Object.entries(envOf(containerOf(workload, container.name)))) {
          if (/KEY|PASSWORD|SECRET|TOKEN|DATABASE_URL/.test(name)) {
            expect(entry.value).toBeUndefined();
            expect(entry.valueFrom.secretKeyRef).toBeDefined();
          }
        }
      }
    }
  });

  describe('vLLM pools', () => {
    // Every pool's serving pods: a Deployment's, or a multi-node pool's leaders (its workers serve nothing).
    const pools = podWorkloads(dist).filter(d => d.role !== 'worker' && d.spec.template.spec.containers.some((c: Manifest) => c.name === 'vllm'));
    const vllm = (d: Manifest): Manifest => containerOf(d, 'vllm');
    /** Flags of `vllm serve` the library may emit: FACTS §A.2, plus --shutdown-timeout (docs.vllm.ai engine args, vLLM ≥ 0.18). */
    const REAL_FLAGS = ['--served-model-name', '--port', '--revision', '--shutdown-timeout', '--tensor-parallel-size',
      '--pipeline-parallel-size', '--max-model-len', '--gpu-memory-utilization', '--max-num-seqs', '--max-num-batched-tokens',
      '--dtype', '--quantization', '--kv-cache-dtype', '--enable-prefix-caching', '--no-enable-prefix-caching',
      '--enable-chunked-prefill', '--no-enable-chunked-prefill', '--trust-remote-code', '--enforce-eager', '--download-dir',
      // LoRA (FACTS §A.2; lib/vllm/lora-adapter.ts cites vLLM's cli_args.py and config/lora.py).
      '--enable-lora', '--max-loras', '--max-lora-rank', '--lora-modules',
      // Multi-node over a LeaderWorkerSet (lib/vllm/_multi-node.ts cites vLLM PR #23691).
      '--distributed-executor-backend', '--nnodes', '--node-rank', '--master-addr'];
    const flagValue = (args: string[], flag: string): string | undefined => {
      const i = args.indexOf(flag);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const parallelism = (args: string[]): number =>
      Number(flagValue(args, '--tensor-parallel-size') ?? 1) * Number(flagValue(args, '--pipeline-parallel-size') ?? 1);

    test('the reference stack has seven pools: five on NVIDIA (one at TP 4, one on MIG, one over two 8-GPU nodes) and two on Neuron', () => {
      expect(pools).toHaveLength(7);
      const resources = pools.map(d => vllm(d).resources.limits);
      expect(resources.filter(r => r['nvidia.com/gpu'] === 1)).toHaveLength(2);
      expect(resources.filter(r => r['nvidia.com/gpu'] === 4)).toHaveLength(1);
      expect(resources.filter(r => r['nvidia.com/gpu'] === 8)).toHaveLength(1);
      expect(resources.filter(r => r['nvidia.com/mig-1g.10gb'] === 1)).toHaveLength(1);
      expect(resources.filter(r => r['aws.amazon.com/neuron'] === 1)).toHaveLength(2);
      expect(pools.filter(d => vllm(d).image === VLLM_IMAGE)).toHaveLength(5);
    });

    test('the 405B pool is a LeaderWorkerSet of 2-node groups at TP 8 × PP 2: the leader serves as rank 0, the worker joins it headless with its rank, both on all 8 GPUs of their node', () => {
      const [lws] = allOfKind(dist, 'LeaderWorkerSet');
      expect(allOfKind(dist, 'LeaderWorkerSet')).toHaveLength(1);
      expect(lws.metadata.name).toBe('llama-3-1-405b');
      const views = podWorkloads([lws]);
      const leader = vllm(views.find(v => v.role === 'leader')!);
      const worker = vllm(views.find(v => v.role === 'worker')!);
      // Group size = nodes = TP × PP / GPUs per node.
      expect(lws.spec.leaderWorkerTemplate.size).toBe(2);
      expect(parallelism(leader.args)).toBe(16);
      for (const c of [leader, worker]) {
        expect(c.resources.limits['nvidia.com/gpu']).toBe(8);
        expect(flagValue(c.args, '--nnodes')).toBe('2');
        expect(flagValue(c.args, '--master-addr')).toBe('$(LWS_LEADER_ADDRESS)');
        expect(flagValue(c.args, '--distributed-executor-backend')).toBe('mp');
      }
      expect(flagValue(leader.args, '--node-rank')).toBe('0');
      expect(leader.args).not.toContain('--headless');
      expect(flagValue(worker.args, '--node-rank')).toBe('$(LWS_WORKER_INDEX)');
      expect(worker.args).toContain('--headless');
      // A pod restart recreates the whole group: a lone restarted rank could never rejoin.
      expect(lws.spec.leaderWorkerTemplate.restartPolicy).toBe('RecreateGroupOnPodRestart');
      // The served Service selects the leaders only.
      const svc = allOfKind(dist, 'Service').find(x => x.metadata.name === 'llama-3-1-405b-leader')!;
      expect(svc.spec.selector[LWS_WORKER_INDEX_LABEL]).toBe('0');
    });

    test('args: the model first, then only real flags, never --model / --disable-log-requests / --swap-space / --device', () => {
      for (const d of pools) {
        const args: string[] = vllm(d).args;
        expect(args[0]).toMatch(/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/);
        for (const arg of args.slice(1).filter(a => a.startsWith('-'))) expect(REAL_FLAGS).toContain(arg);
        expect(vllm(d).command).toBeUndefined();
      }
    });

    test('accelerator requests equal limits, and tensor × pipeline parallelism equals the devices (NeuronCores on Neuron)', () => {
      for (const d of pools) {
        const { requests, limits } = vllm(d).resources;
        const accel = Object.keys(limits).filter(k => /^(nvidia\.com|amd\.com|aws\.amazon\.com)\//.test(k));
        expect(accel).toHaveLength(1);
        expect(requests[accel[0]]).toBe(limits[accel[0]]);
        const devices = accel[0] === 'aws.amazon.com/neuron' ? limits[accel[0]] * 2 : limits[accel[0]];
        // A multi-node pool's parallelism spans its group's pods, one per node.
        expect(parallelism(vllm(d).args)).toBe(devices * (d.groupSize ?? 1));
      }
    });

    test('/dev/shm is a memory-backed emptyDir, and always where parallelism is above 1', () => {
      const parallel = pools.filter(d => parallelism(vllm(d).args) > 1);
      expect(parallel.length).toBeGreaterThanOrEqual(3);
      for (const d of pools) {
        const mount = vllm(d).volumeMounts.find((m: Manifest) => m.mountPath === '/dev/shm');
        const volume = d.spec.template.spec.volumes.find((v: Manifest) => v.name === mount.name);
        expect(volume.emptyDir.medium).toBe('Memory');
        expect(volume.emptyDir.sizeLimit).toBeDefined();
      }
    });

    test('startup probes give the model at least 10 minutes to load, and liveness waits for them', () => {
      for (const d of pools) {
        const { startupProbe, livenessProbe, readinessProbe } = vllm(d);
        expect(startupProbe.periodSeconds * startupProbe.failureThreshold).toBeGreaterThanOrEqual(600);
        expect(startupProbe.exec.command.join(' ')).toContain('/v1/models');
        expect(readinessProbe.exec.command).toEqual(startupProbe.exec.command);
        expect(livenessProbe.httpGet.path).toBe('/health');
        expect(livenessProbe.initialDelaySeconds).toBeUndefined();
      }
    });

    test('no Service is named vllm and no pool pod gets service links', () => {
      for (const svc of allOfKind(dist, 'Service')) expect(svc.metadata.name).not.toBe('vllm');
      for (const d of pools) expect(d.spec.template.spec.enableServiceLinks).toBe(false);
    });

    /** The Service behind an api_base: the pool's own, or the pool an HTTPRoute of the Gateway sends the path to. */
    function poolServing(apiBase: string): { pool: Manifest; targetPort: number } {
      const url = new URL(apiBase);
      const [host, namespace, svcLabel] = url.hostname.split('.');
      expect(svcLabel).toBe('svc');
      const selecting = (ns: string, selector: Record<string, string>) => pools.filter(d => d.metadata.namespace === ns &&
        Object.entries(selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
      const service = allOfKind(dist, 'Service').find(s => s.metadata.name === host && s.metadata.namespace === namespace);
      if (service) {
        expect(url.pathname).toBe('/v1');
        expect(service.spec.ports.map((p: Manifest) => p.port)).toContain(Number(url.port));
        const selected = selecting(namespace, service.spec.selector);
        expect(selected).toHaveLength(1);
        return { pool: selected[0], targetPort: service.spec.ports.find((p: Manifest) => p.port === Number(url.port)).targetPort };
      }
      // Through the inference Gateway: api_base → the HTTPRoute whose parent is that Gateway and
      // whose path prefix starts the URL's path → its InferencePool → the pods it selects.
      const routes = allOfKind(dist, 'HTTPRoute').filter(r => r.spec.parentRefs.some((p: Manifest) => p.name === host && p.namespace === namespace)
        && url.pathname === `${r.spec.rules[0].matches[0].path.value}/v1`);
      expect(routes).toHaveLength(1);
      const rule = routes[0].spec.rules[0];
      expect(rule.filters).toEqual([{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }]);
      expect(rule.backendRefs).toHaveLength(1);
      const ref = rule.backendRefs[0];
      expect([ref.group, ref.kind]).toEqual(['inference.networking.k8s.io', 'InferencePool']);
      const ip = allOfKind(dist, 'InferencePool').find(x => x.metadata.name === ref.name && x.metadata.namespace === routes[0].metadata.namespace);
      expect(ip).toBeDefined();
      const selected = selecting(ip!.metadata.namespace, ip!.spec.selector.matchLabels);
      expect(selected).toHaveLength(1);
      // The selector is exactly the pool's own pod selector.
      expect(ip!.spec.selector.matchLabels).toEqual(selected[0].spec.selector.matchLabels);
      // The endpoint picker it names exists, on its gRPC port.
      const epp = allOfKind(dist, 'Service').find(x => x.metadata.name === ip!.spec.endpointPickerRef.name && x.metadata.namespace === ip!.metadata.namespace);
      expect(epp!.spec.ports.map((p: Manifest) => p.port)).toContain(ip!.spec.endpointPickerRef.port.number);
      expect(ip!.spec.targetPorts).toHaveLength(1);
      return { pool: selected[0], targetPort: ip!.spec.targetPorts[0].number };
    }

    test('every api_base reaches, through a Service or the inference Gateway, the pods that serve exactly that model', () => {
      const entries = liteLLMConfigMaps().flatMap(cm => liteLLMConfig([cm]).model_list);
      const vllmEntries = entries.filter((e: Manifest) => e.litellm_params.model.startsWith('hosted_vllm/'));
      // Seven pools, plus the two LoRA adapters of the 8B pool, each its own group at the pool's URL.
      expect(vllmEntries).toHaveLength(9);
      const viaGateway: string[] = [];
      for (const entry of vllmEntries) {
        const { pool, targetPort } = poolServing(entry.litellm_params.api_base);
        if (!allOfKind(dist, 'Service').some(s => entry.litellm_params.api_base.startsWith(`http://${s.metadata.name}.${s.metadata.namespace}.`))) viaGateway.push(pool.metadata.name);
        expect(vllm(pool).ports.map((p: Manifest) => p.containerPort)).toContain(targetPort);
        // The model the entry asks for is the pool's served model or one of its --lora-modules names.
        const args: string[] = vllm(pool).args;
        const served = [flagValue(args, '--served-model-name'),
          ...args.slice(args.indexOf('--lora-modules') + 1).filter(() => args.includes('--lora-modules')).map(m => m.split('=')[0])];
        expect(served).toContain(entry.litellm_params.model.slice('hosted_vllm/'.length));
      }
      // The Qwen3 8B pool is the one the proxy reaches through the Gateway.
      expect(viaGateway).toEqual(['qwen3-8b']);
    });
  });

  describe('autoscaling', () => {
    // Deployments, and the multi-node pool's LeaderWorkerSet (as its leaders: what its scale subresource counts).
    const deployments = podWorkloads(dist).filter(w => w.role !== 'worker');
    const hpas = hpasOn();
    const scaledObjects = allOfKind(dist, 'ScaledObject');
    const vpas = allOfKind(dist, 'VerticalPodAutoscaler');
    const targetOf = (ref: Manifest, namespace: string): Manifest => {
      const d = deployments.find(x => x.kind === ref.kind && x.metadata.name === ref.name && x.metadata.namespace === namespace);
      if (!d) throw new Error(`no ${ref.kind} ${namespace}/${ref.name}`);
      return d;
    };
    const acceleratorOf = (d: Manifest): string | undefined => Object.keys(d.spec.template.spec.containers[0].resources?.limits ?? {})
      .find(k => /^(nvidia\.com|amd\.com|aws\.amazon\.com)\//.test(k));
    const servedName = (d: Manifest): string | undefined => {
      const args: string[] = d.spec.template.spec.containers[0].args ?? [];
      const i = args.indexOf('--served-model-name');
      return i >= 0 ? args[i + 1] : undefined;
    };

    test('every pool and the proxy are autoscaled (6 ScaledObjects, 2 HPAs); no autoscaled workload renders spec.replicas', () => {
      expect(scaledObjects).toHaveLength(6);
      expect(scaledObjects.filter(so => so.spec.scaleTargetRef.kind === 'LeaderWorkerSet').map(so => so.spec.scaleTargetRef))
        .toEqual([{ apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: 'llama-3-1-405b' }]);
      expect(hpas).toHaveLength(2);
      const targets = [
        ...hpas.map(h => targetOf(h.spec.scaleTargetRef, h.metadata.namespace)),
        ...scaledObjects.map(s => targetOf(s.spec.scaleTargetRef, s.metadata.namespace)),
      ];
      expect(new Set(targets).size).toBe(targets.length);
      for (const d of targets) expect(d.spec.replicas).toBeUndefined();
    });

    test('every HPA Resource metric is cpu or memory', () => {
      for (const h of hpas) {
        for (const m of h.spec.metrics.filter((x: Manifest) => x.type === 'Resource')) expect(['cpu', 'memory']).toContain(m.resource.name);
      }
    });

    test('every KEDA Prometheus query parses, is aggregated to one element, and is scoped to the namespace and the model', () => {
      const aggregated = /^(sum|avg|max|min)\(|^histogram_quantile\(0\.\d+, sum by \(le\) \(|^clamp_min\(predict_linear\((sum|avg)\(/;
      for (const so of scaledObjects) {
        const pool = targetOf(so.spec.scaleTargetRef, so.metadata.namespace);
        for (const t of so.spec.triggers.filter((x: Manifest) => x.type === 'prometheus')) {
          const q: string = t.metadata.query;
          expect(promqlSyntaxError(q)).toBeUndefined();
          expect(q).toMatch(aggregated);
          expect(q).toContain('namespace="');
          const ownModel = q.includes(`model_name="${servedName(pool)}"`);
          const proxyGroup = /requested_model="[^"]+"/.test(q) && q.startsWith('sum(rate(litellm_');
          expect(ownModel || proxyGroup).toBe(true);
          if (ownModel) expect(q).toContain(`namespace="${so.metadata.namespace}"`);
          expect(Object.values(t.metadata).every(v => typeof v === 'string')).toBe(true);
        }
      }
    });

    test('every scale-to-zero ScaledObject has a wake trigger that is not a metric of its own pods', () => {
      const toZero = scaledObjects.filter(so => so.spec.minReplicaCount === 0 || so.spec.idleReplicaCount === 0);
      expect(toZero.length).toBeGreaterThanOrEqual(1);
      for (const so of toZero) {
        const pool = targetOf(so.spec.scaleTargetRef, so.metadata.namespace);
        const wakes = so.spec.triggers.filter((t: Manifest) => t.type === 'cron' ||
          (t.type === 'prometheus' && !t.metadata.query.includes(`model_name="${servedName(pool)}"`)));
        expect(wakes.length).toBeGreaterThanOrEqual(1);
      }
    });

    test('every accelerator pool\'s ScaledObject has a fallback', () => {
      for (const so of scaledObjects) {
        if (acceleratorOf(targetOf(so.spec.scaleTargetRef, so.metadata.namespace))) {
          expect(so.spec.fallback.replicas).toBeGreaterThanOrEqual(1);
        }
      }
    });

    test('the stack has a pre-warm window and a predictive trigger', () => {
      const triggers = scaledObjects.flatMap(so => so.spec.triggers);
      expect(triggers.some((t: Manifest) => t.type === 'cron')).toBe(true);
      expect(triggers.some((t: Manifest) => t.type === 'prometheus' && t.metadata.query.includes('predict_linear('))).toBe(true);
    });

    test('no VPA evicts or resizes an accelerator pool, or controls a resource an HPA scales the same workload on', () => {
      expect(vpas.length).toBeGreaterThanOrEqual(1);
      for (const v of vpas) {
        const mode = v.spec.updatePolicy?.updateMode;
        expect(mode).not.toBe('Auto');
        if (mode === 'Off') continue;
        const target = targetOf(v.spec.targetRef, v.metadata.namespace);
        expect(acceleratorOf(target)).toBeUndefined();
        const controlled = new Set((v.spec.resourcePolicy?.containerPolicies ?? []).flatMap((c: Manifest) => c.controlledResources ?? ['cpu', 'memory']));
        for (const h of hpas.filter(x => targetOf(x.spec.scaleTargetRef, x.metadata.namespace) === target)) {
          for (const m of h.spec.metrics.filter((x: Manifest) => x.type === 'Resource')) expect(controlled.has(m.resource.name)).toBe(false);
        }
      }
    });

    test('no removed metric names anywhere in dist', () => {
      const text = JSON.stringify(dist);
      for (const removed of ['vllm:gpu_cache_usage_perc', 'vllm:time_per_output_token_seconds', 'kube_hpa_', 'keda_scaler_errors_total']) {
        expect(text).not.toContain(removed);
      }
    });
  });

  describe('metrics plumbing', () => {
    const monitors = [...allOfKind(dist, 'ServiceMonitor'), ...allOfKind(dist, 'PodMonitor')];
    const selects = (selector: Manifest, labels: Record<string, string> | undefined): boolean =>
      Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);

    test('the proxy and every pool are scraped', () => {
      expect(allOfKind(dist, 'PodMonitor').length).toBeGreaterThanOrEqual(6);
      expect(allOfKind(dist, 'ServiceMonitor').length).toBeGreaterThanOrEqual(1);
    });

    test('every ServiceMonitor selects a Service in the output and names one of its ports', () => {
      for (const m of allOfKind(dist, 'ServiceMonitor')) {
        const namespaces: string[] = m.spec.namespaceSelector.matchNames;
        const services = allOfKind(dist, 'Service').filter(s => namespaces.includes(s.metadata.namespace) && selects(m.spec.selector, s.metadata.labels));
        expect(services.length).toBeGreaterThanOrEqual(1);
        for (const e of m.spec.endpoints) {
          for (const s of services) expect(s.spec.ports.map((p: Manifest) => p.name)).toContain(e.port);
        }
      }
    });

    test('every PodMonitor selects the pods of a workload in the output and names one of their container ports', () => {
      for (const m of allOfKind(dist, 'PodMonitor')) {
        const namespaces: string[] = m.spec.namespaceSelector.matchNames;
        const workloads = podWorkloads(dist)
          .filter(w => namespaces.includes(w.metadata.namespace) && selects(m.spec.selector, w.spec.template.metadata.labels));
        expect(workloads.length).toBeGreaterThanOrEqual(1);
        for (const e of m.spec.podMetricsEndpoints) {
          for (const w of workloads) {
            expect(w.spec.template.spec.containers.flatMap((c: Manifest) => (c.ports ?? []).map((p: Manifest) => p.name))).toContain(e.port);
          }
        }
      }
    });

    test('every monitor carries the kube-prometheus-stack discovery label', () => {
      for (const m of monitors) expect(m.metadata.labels.release).toBe('kube-prometheus-stack');
    });

    test('every PromQL expression in dist parses and selects only catalog metrics', () => {
      const queries = allOfKind(dist, 'ScaledObject').flatMap(so => so.spec.triggers)
        .filter((t: Manifest) => t.type === 'prometheus').map((t: Manifest) => t.metadata.query as string);
      expect(queries.length).toBeGreaterThan(0);
      for (const q of queries) {
        expect(promqlSyntaxError(q)).toBeUndefined();
        const names = promqlMetricNames(q);
        expect(names.length).toBeGreaterThan(0);
        for (const n of names) expect(isCatalogSeries(n)).toBe(true);
      }
    });
  });

  describe('prometheus-adapter and DCGM', () => {
    test('adapter rules use the <<…>> templates, rename colon metrics, and their queries parse', () => {
      const configs = allOfKind(dist, 'ConfigMap').filter(c => c.data?.['config.yaml']?.includes('rules'))
        .map(c => parse(c.data['config.yaml'])).filter(c => Array.isArray(c.rules));
      expect(configs).toHaveLength(1);
      const rules = configs[0].rules;
      expect(rules.length).toBeGreaterThanOrEqual(1);
      for (const r of rules) {
        expect(r.metricsQuery).toContain('<<.Series>>');
        expect(r.metricsQuery).toContain('<<.LabelMatchers>>');
        expect(r.metricsQuery).toContain('<<.GroupBy>>');
        expect(r.name.as).not.toContain(':');
        const sample = r.metricsQuery.replace('<<.Series>>', 'vllm:num_requests_waiting').replace('<<.LabelMatchers>>', 'namespace="llm"').replace('<<.GroupBy>>', 'pod');
        expect(promqlSyntaxError(sample)).toBeUndefined();
        for (const n of promqlMetricNames(sample)) expect(isCatalogSeries(n)).toBe(true);
      }
      expect(configs[0].externalRules ?? []).toEqual([]);
    });

    test('a plain HPA scales a pool on the adapter\'s renamed Pods metric', () => {
      const pods = hpasOn().flatMap(h => h.spec.metrics).filter((m: Manifest) => m.type === 'Pods');
      // The served name carries the pool's name: two pools never share an adapter rule.
      expect(pods.map((m: Manifest) => m.pods.metric.name)).toContain('vllm_num_requests_waiting_qwen3_8b_fp8_neuron');
    });

    test('no external metrics APIService next to KEDA ScaledObjects', () => {
      expect(allOfKind(dist, 'ScaledObject').length).toBeGreaterThan(0);
      const names = allOfKind(dist, 'APIService').map(a => a.metadata.name);
      expect(names).toContain('v1beta1.custom.metrics.k8s.io');
      expect(names).not.toContain('v1beta1.external.metrics.k8s.io');
    });

    test('dcgm-exporter runs on GPU nodes only, with pod mapping, scraped with honorLabels', () => {
      const ds = oneOfKind(dist, 'DaemonSet');
      const env = envOf(ds.spec.template.spec.containers[0]);
      expect(env.DCGM_EXPORTER_KUBERNETES.value).toBe('true');
      expect(JSON.stringify(ds.spec.template.spec.affinity)).toContain('nvidia.com/gpu.present');
      const monitor = allOfKind(dist, 'ServiceMonitor').find(m => m.metadata.namespace === ds.metadata.namespace && m.spec.endpoints[0].honorLabels === true);
      expect(monitor).toBeDefined();
    });
  });

  describe('alerts', () => {
    // Alerting rules only: the recording rules (record:) have no severity, for or annotations.
    const rules = allOfKind(dist, 'PrometheusRule').flatMap(r => r.spec.groups.flatMap((g: Manifest) => g.rules)).filter((r: Manifest) => r.alert !== undefined);

    test('every alert has a severity, a for, a summary, a description and a runbook', () => {
      expect(rules.length).toBeGreaterThan(20);
      for (const r of rules) {
        expect(['critical', 'warning', 'info']).toContain(r.labels.severity);
        expect(r.for).toMatch(/^\d+[smh]$/);
        expect(r.annotations.summary).toBeTruthy();
        expect(r.annotations.description).toBeTruthy();
        expect(r.annotations.runbook_url).toMatch(/^https:\/\/.+#[a-z0-9]+$/);
      }
    });

    test('alerts exist for HPA at max, KEDA errors, pending accelerator pods, queue, TTFT / latency SLO, KV cache, GPU underuse', () => {
      const names = new Set(rules.map((r: Manifest) => r.alert));
      for (const a of ['LlmAutoscalerAtMaxReplicas', 'LlmKedaScalerErrors', 'LlmAcceleratorPodsPending', 'LlmQueueBuildup',
        'LlmTtftSloBreach', 'LlmE2eLatencySloBreach', 'LlmKvCacheSaturated', 'LlmGpuUnderused']) {
        expect(names).toContain(a);
      }
    });

    test('every rule expression parses, selects only catalog metrics, and is scoped to a namespace', () => {
      for (const r of rules) {
        expect(promqlSyntaxError(r.expr)).toBeUndefined();
        for (const n of promqlMetricNames(r.expr)) expect(isCatalogSeries(n)).toBe(true);
        expect(r.expr).toMatch(/namespace=~?"/);
      }
    });

    test('every pool has alerts with its own SLO thresholds, and the proxy its error ratio', () => {
      const ttft = rules.filter((r: Manifest) => r.alert === 'LlmTtftSloBreach');
      expect(ttft).toHaveLength(7);
      const byModel = Object.fromEntries(ttft.map((r: Manifest) => [r.labels.model_name, Number(r.expr.split(' > ').pop())]));
      expect(byModel).toEqual({
        'llama-3-1-8b': 1, 'qwen3-8b': 1.5, 'llama-3-3-70b': 3, 'qwen2-5-1-5b': 0.5, 'llama-3-1-405b': 5, 'llama-3-1-8b-int8-neuron': 2, 'qwen3-8b-fp8-neuron': 2,
      });
      expect(rules.find((r: Manifest) => r.alert === 'LlmProxyErrorRatio').expr).toMatch(/ > 0\.02$/);
    });

    test('the PrometheusRule carries the discovery label', () => {
      for (const r of allOfKind(dist, 'PrometheusRule')) expect(r.metadata.labels.release).toBe('kube-prometheus-stack');
    });
  });
});
