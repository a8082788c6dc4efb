import { Chart, Duration, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { Accelerator, HostedVllmBackend, LiteLLMProxy, NetworkPeer, PoolServiceType, VllmPool, VllmPoolProps } from '../../lib';
import { allOfKind, containerOf, envOf, liteLLMConfig, Manifest, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const MASTER_KEY = { secretName: 'litellm', key: 'master-key' };
const LLAMA = 'meta-llama/Llama-3.1-8B-Instruct';
const QWEN = 'Qwen/Qwen3-8B';

/** A chart in namespace `llm` with a proxy; `configure` adds pools and backends. Synthesized and strictly validated. */
function render(configure: (chart: Chart, proxy: LiteLLMProxy) => void): { manifests: Manifest[]; proxy: LiteLLMProxy } {
  const chart = testChart();
  const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
  configure(chart, proxy);
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return { manifests, proxy };
}

function pool(chart: Chart, id: string, model: string, props: Partial<VllmPoolProps> = {}): VllmPool {
  return new VllmPool(chart, id, { model, accelerator: Accelerator.nvidiaGpu(1), ...props });
}

function proxyContainer(manifests: Manifest[]): Manifest {
  return containerOf(oneOfKind(manifests, 'Deployment', 'litellm'), 'litellm');
}

function entriesOf(manifests: Manifest[], modelName: string): Manifest[] {
  return liteLLMConfig(manifests).model_list.filter((m: Manifest) => m.model_name === modelName);
}

describe('addBackend', () => {
  test('lists the pool as hosted_vllm/<served name> at its Service url, under its served name', () => {
    let llama!: VllmPool;
    const { manifests } = render((chart, proxy) => {
      llama = pool(chart, 'llama', LLAMA);
      proxy.addBackend(llama);
    });
    expect(liteLLMConfig(manifests).model_list).toEqual([{
      model_name: 'Llama-3.1-8B-Instruct',
      litellm_params: { model: 'hosted_vllm/Llama-3.1-8B-Instruct', api_base: llama.url },
    }]);
  });

  test('without an API key: no api_key and no backend Secret on the proxy', () => {
    const { manifests } = render((chart, proxy) => proxy.addBackend(pool(chart, 'llama', LLAMA)));
    const [entry] = entriesOf(manifests, 'Llama-3.1-8B-Instruct');
    expect(entry.litellm_params).not.toHaveProperty('api_key');
    expect(Object.keys(envOf(proxyContainer(manifests))).filter(name => name.startsWith('LITELLM_SECRET_'))).toEqual([]);
  });

  test('the pool\'s API key reaches the proxy as an os.environ reference to a Secret-backed variable', () => {
    const { manifests } = render((chart, proxy) => {
      proxy.addBackend(pool(chart, 'llama', LLAMA, { apiKey: { secretName: 'vllm-keys', key: 'llama' } }));
    });
    const [entry] = entriesOf(manifests, 'Llama-3.1-8B-Instruct');
    expect(entry.litellm_params.api_key).toBe('os.environ/LITELLM_SECRET_VLLM_KEYS_LLAMA');
    expect(envOf(proxyContainer(manifests)).LITELLM_SECRET_VLLM_KEYS_LLAMA).toEqual({
      name: 'LITELLM_SECRET_VLLM_KEYS_LLAMA', valueFrom: { secretKeyRef: { name: 'vllm-keys', key: 'llama' } },
    });
    // The same Secret key is the pool's VLLM_API_KEY.
    const vllm = containerOf(oneOfKind(manifests, 'Deployment', 'llama'), 'vllm');
    expect(envOf(vllm).VLLM_API_KEY.valueFrom.secretKeyRef).toEqual({ name: 'vllm-keys', key: 'llama' });
  });

  test('options: alias, rpm, tpm, max parallel requests, timeout and model_info', () => {
    let llama!: VllmPool;
    const { manifests, proxy } = render((chart, p) => {
      llama = pool(chart, 'llama', LLAMA);
      p.addBackend(llama, {
        modelName: 'llama', rpm: 600, tpm: 100000, maxParallelRequests: 32, timeout: Duration.seconds(90),
        modelInfo: { mode: 'chat', baseModel: LLAMA, maxInputTokens: 131072 },
      });
    });
    expect(liteLLMConfig(manifests).model_list).toEqual([{
      model_name: 'llama',
      litellm_params: {
        model: 'hosted_vllm/Llama-3.1-8B-Instruct', api_base: llama.url, rpm: 600, tpm: 100000, timeout: 90, max_parallel_requests: 32,
      },
      model_info: { mode: 'chat', base_model: LLAMA, max_input_tokens: 131072 },
    }]);
    expect(proxy.modelGroups.map(g => g.name)).toEqual(['llama']);
  });

  test('two pools under one alias form one group with two entries', () => {
    const groups: unknown[] = [];
    let a!: VllmPool;
    let b!: VllmPool;
    const { manifests, proxy } = render((chart, p) => {
      a = pool(chart, 'llama-a', LLAMA);
      b = pool(chart, 'llama-b', LLAMA);
      groups.push(p.addBackend(a, { modelName: 'llama' }), p.addBackend(b, { modelName: 'llama' }));
    });
    expect(groups[0]).toBe(groups[1]);
    expect(proxy.modelGroups).toHaveLength(1);
    expect(proxy.modelGroups[0]).toBe(groups[0]);
    const entries = entriesOf(manifests, 'llama');
    expect(entries.map(e => e.litellm_params.api_base)).toEqual([a.url, b.url]);
    expect(a.url).not.toBe(b.url);
  });

  test('api_base names a rendered Service on port 8000 that selects the pool\'s pods', () => {
    const { manifests } = render((chart, proxy) => proxy.addBackend(pool(chart, 'llama', LLAMA)));
    const [entry] = entriesOf(manifests, 'Llama-3.1-8B-Instruct');
    const url = new URL(entry.litellm_params.api_base);
    expect(url.port).toBe('8000');
    expect(url.pathname).toBe('/v1');
    const [serviceName, namespace, ...rest] = url.hostname.split('.');
    expect(rest).toEqual(['svc', 'cluster', 'local']);
    const service = manifests.find(m => m.kind === 'Service' && m.metadata.name === serviceName);
    expect(service).toBeDefined();
    expect(service!.metadata.namespace).toBe(namespace);
    expect(service!.spec.ports.map((p: Manifest) => p.port)).toContain(8000);
    const podLabels = oneOfKind(manifests, 'Deployment', 'llama').spec.template.metadata.labels;
    expect(Object.keys(service!.spec.selector).length).toBeGreaterThan(0);
    for (const [k, v] of Object.entries(service!.spec.selector)) expect(podLabels[k]).toBe(v);
    // ...and not the proxy's pods.
    const proxyLabels = oneOfKind(manifests, 'Deployment', 'litellm').spec.template.metadata.labels;
    expect(Object.entries(service!.spec.selector).every(([k, v]) => proxyLabels[k] === v)).toBe(false);
  });

  test('a named Service is the api_base host', () => {
    const { manifests } = render((chart, proxy) => proxy.addBackend(pool(chart, 'llama', LLAMA, { serviceName: 'llama-8b' })));
    expect(entriesOf(manifests, 'Llama-3.1-8B-Instruct')[0].litellm_params.api_base).toBe('http://llama-8b.llm.svc.cluster.local:8000/v1');
    expect(oneOfKind(manifests, 'Service', 'llama-8b').spec.ports[0].port).toBe(8000);
  });

  test('proxy.backends lists each pool once, in the order added (NetworkPolicies are derived from it)', () => {
    let a!: VllmPool;
    let b!: VllmPool;
    const { proxy } = render((chart, p) => {
      a = pool(chart, 'llama', LLAMA);
      b = pool(chart, 'qwen', QWEN);
      p.addBackend(a, { modelName: 'llama' });
      p.addBackend(b);
      p.addBackend(a, { modelName: 'llama-chat' });
      p.addModel({ modelName: 'gpt', model: 'openai/gpt-4o-mini' });
    });
    expect(proxy.backends).toEqual([a, b]);
    expect(proxy.backends[0]).toBe(a);
  });

  test('proxy.backendRoutes lists every backend under each of its groups, with its model_info (tier prices)', () => {
    const { proxy } = render((chart, p) => {
      const llama = pool(chart, 'llama', LLAMA);
      const qwen = pool(chart, 'qwen', QWEN);
      p.addBackend(llama, { modelName: 'premium', modelInfo: { inputCostPerToken: 0.000003, outputCostPerToken: 0.000015 } });
      p.addBackend(qwen, { modelName: 'batch' });
      p.addBackend(llama, { modelName: 'llama' });
    });
    expect(proxy.backendRoutes.map(r => [r.backend.node.id, r.group.name, r.modelInfo])).toEqual([
      ['llama', 'premium', { inputCostPerToken: 0.000003, outputCostPerToken: 0.000015 }],
      ['qwen', 'batch', undefined],
      ['llama', 'llama', undefined],
    ]);
    expect(proxy.backendRoutes[0].group).toBe(proxy.modelGroups[0]);
  });

  test('a pool on a LoadBalancer Service port 80: api_base names port 80, the proxy\'s egress and the pool\'s ingress the pod port 8000', () => {
    const { manifests } = render((chart, p) => {
      const llama = pool(chart, 'llama', LLAMA, {
        serviceType: PoolServiceType.LOAD_BALANCER, servicePort: 80, apiKey: { secretName: 'vllm', key: 'key' }, network: { allowFrom: [NetworkPeer.ipBlock('10.0.0.0/8')] },
      });
      p.addBackend(llama);
    });
    expect(liteLLMConfig(manifests).model_list[0].litellm_params.api_base).toBe('http://llama.llm.svc.cluster.local:80/v1');
    const poolPolicy = allOfKind(manifests, 'NetworkPolicy').find(n => n.metadata.name === 'llama')!;
    expect(poolPolicy.spec.ingress.map((r: Manifest) => r.ports)).toEqual([[{ port: 8000, protocol: 'TCP' }], [{ port: 8000, protocol: 'TCP' }]]);
  });

  test('a backend alone satisfies the non-empty model list', () => {
    const { manifests } = render((chart, proxy) => proxy.addBackend(pool(chart, 'llama', LLAMA)));
    expect(liteLLMConfig(manifests).model_list).toHaveLength(1);
  });

  test('two pools sharing one key Secret map to one environment variable', () => {
    const key = { secretName: 'vllm-keys', key: 'shared' };
    const { manifests } = render((chart, proxy) => {
      proxy.addBackend(pool(chart, 'llama', LLAMA, { apiKey: key }));
      proxy.addBackend(pool(chart, 'qwen', QWEN, { apiKey: key }));
    });
    const env = (proxyContainer(manifests).env as Manifest[]).filter(e => e.name === 'LITELLM_SECRET_VLLM_KEYS_SHARED');
    expect(env).toHaveLength(1);
    for (const entry of liteLLMConfig(manifests).model_list) expect(entry.litellm_params.api_key).toBe('os.environ/LITELLM_SECRET_VLLM_KEYS_SHARED');
  });
});

describe('fallbacks by pool', () => {
  test('addFallback(poolA, [poolB]) renders the groups of both pools', () => {
    const { manifests } = render((chart, proxy) => {
      const llama = pool(chart, 'llama', LLAMA);
      const qwen = pool(chart, 'qwen', QWEN);
      proxy.addBackend(llama, { modelName: 'llama' });
      proxy.addBackend(qwen, { modelName: 'qwen' });
      proxy.addFallback(llama, [qwen]);
    });
    expect(liteLLMConfig(manifests).router_settings.fallbacks).toEqual([{ llama: ['qwen'] }]);
  });

  test('pools and model groups mix, in fallbacks and context-window fallbacks', () => {
    const { manifests } = render((chart, proxy) => {
      const llama = pool(chart, 'llama', LLAMA);
      const qwen = pool(chart, 'qwen', QWEN);
      const llamaGroup = proxy.addBackend(llama);
      proxy.addBackend(qwen);
      const hosted = proxy.addModel({ modelName: 'gpt', model: 'openai/gpt-4o-mini' });
      proxy.addFallback(llamaGroup, [qwen, hosted]);
      proxy.addContextWindowFallback(qwen, [llama]);
    });
    const router = liteLLMConfig(manifests).router_settings;
    expect(router.fallbacks).toEqual([{ 'Llama-3.1-8B-Instruct': ['Qwen3-8B', 'gpt'] }]);
    expect(router.context_window_fallbacks).toEqual([{ 'Qwen3-8B': ['Llama-3.1-8B-Instruct'] }]);
  });

  test('a fallback to a pool that is not a backend of the proxy', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const llama = pool(chart, 'llama', LLAMA);
    const qwen = pool(chart, 'qwen', QWEN);
    proxy.addBackend(llama);
    expect(() => proxy.addFallback(llama, [qwen])).toThrow(
      "'fallbacks[0].to[0]' (\"Qwen3-8B\") is not a backend of LiteLLMProxy 'test/proxy': add the pool with addBackend() first, so that some backend serves the fallback");
    expect(() => proxy.addContextWindowFallback(qwen, [llama])).toThrow(
      "'contextWindowFallbacks[0].from' (\"Qwen3-8B\") is not a backend of LiteLLMProxy 'test/proxy': add the pool with addBackend() first, so that some backend serves the fallback");
  });

  test('a pool listed under two aliases is ambiguous as a fallback', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const llama = pool(chart, 'llama', LLAMA);
    const qwen = pool(chart, 'qwen', QWEN);
    proxy.addBackend(llama, { modelName: 'llama' });
    proxy.addBackend(llama, { modelName: 'llama-chat' });
    proxy.addBackend(qwen);
    expect(() => proxy.addFallback(qwen, [llama])).toThrow(
      "'fallbacks[0].to[0]' (\"Llama-3.1-8B-Instruct\") is a backend of several model groups (llama, llama-chat): pass the model group instead");
    expect(() => proxy.addFallback(llama, [qwen])).toThrow(
      "'fallbacks[0].from' (\"Llama-3.1-8B-Instruct\") is a backend of several model groups (llama, llama-chat): pass the model group instead");
  });

  test('a pool falling back to a pool of its own group', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const a = pool(chart, 'llama-a', LLAMA);
    const b = pool(chart, 'llama-b', LLAMA);
    proxy.addBackend(a, { modelName: 'llama' });
    proxy.addBackend(b, { modelName: 'llama' });
    expect(() => proxy.addFallback(a, [b])).toThrow("'fallbacks[0].to[0]' (\"llama\") must differ from the group it falls back from");
  });
});

describe('bad input', () => {
  test('the same pool twice under one alias', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const llama = pool(chart, 'llama', LLAMA);
    proxy.addBackend(llama);
    expect(() => proxy.addBackend(llama)).toThrow(
      `'models[1].modelName' ("Llama-3.1-8B-Instruct") already has a deployment of model "hosted_vllm/Llama-3.1-8B-Instruct" at "${llama.url}": the same backend twice in one group doubles its share of traffic, remove the duplicate`);
  });

  test('invalid options name the model list entry', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const llama = pool(chart, 'llama', LLAMA);
    expect(() => proxy.addBackend(llama, { rpm: 0 })).toThrow("'models[0].rpm' (0) must be a whole number greater than 0");
    expect(() => proxy.addBackend(llama, { modelName: ' ' })).toThrow("'models[0].modelName' (\" \") must not be empty");
  });

  test('a backend whose Service is in another App fails at synth', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const foreign = pool(new Chart(Testing.app(), 'other', { namespace: 'llm' }), 'llama', LLAMA);
    proxy.addBackend(foreign);
    expect(() => synth(chart)).toThrow(
      `'backends' ("Llama-3.1-8B-Instruct") has its Service 'other/llama/Service' in another App: api_base ${foreign.url} would name a Service that is not deployed with the proxy`);
    expect(() => synth(chart)).toThrow('Validation failed with the following errors:');
  });

  test('a backend whose url names a Service port that does not forward to its pods\' port fails at synth', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const llama = pool(chart, 'llama', LLAMA);
    // A hand-made backend that claims the pool's Service on a port it does not have.
    const backend: HostedVllmBackend = Object.assign(new Construct(chart, 'hand-made'), {
      servedModelName: 'llama', url: 'http://llama.llm.svc.cluster.local:9000/v1', service: llama.service, port: 8000,
    });
    proxy.addBackend(backend);
    expect(() => synth(chart)).toThrow(
      '\'backends\' ("llama") has no port 9000 forwarding to the pods\' port 8000 on Service \'llama\': api_base http://llama.llm.svc.cluster.local:9000/v1 would not connect');
  });
});
