import { Chart } from 'cdk8s';
import { Accelerator, LiteLLMProxy, LoraAdapter, VllmPool, VllmPoolProps, renderEngineArgs } from '../../lib';
import { containerOf, liteLLMConfig, Manifest, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const SQL: LoraAdapter = { name: 'sql-lora', source: 'yard1/llama-2-7b-sql-lora-test' };
const CHAT: LoraAdapter = { name: 'support-chat', source: '/models/adapters/support-chat', rank: 32 };

function pool(chart: Chart, props: Partial<VllmPoolProps> = {}, id = 'llama'): VllmPool {
  return new VllmPool(chart, id, { model: MODEL, accelerator: Accelerator.nvidiaGpu(1), ...props });
}

function argsOf(manifests: Manifest[], name = 'llama'): string[] {
  return containerOf(oneOfKind(manifests, 'Deployment', name), 'vllm').args;
}

/** Synthesizes and strictly validates the chart. */
function render(chart: Chart): Manifest[] {
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return manifests;
}

describe('VllmPool LoRA adapters', () => {
  test('renders --enable-lora, --max-loras (default: the number of adapters), --max-lora-rank and one --lora-modules with name=source entries, last', () => {
    const chart = testChart();
    pool(chart, { loraAdapters: [SQL, CHAT], maxLoraRank: 32 });
    const args = argsOf(render(chart));
    expect(args.slice(args.indexOf('--enable-lora'))).toEqual([
      '--enable-lora', '--max-loras', '2', '--max-lora-rank', '32',
      '--lora-modules', 'sql-lora=yard1/llama-2-7b-sql-lora-test', 'support-chat=/models/adapters/support-chat',
    ]);
    expect(args.filter(a => a === '--lora-modules')).toHaveLength(1);
  });

  test('maxLoras and the default rank 16 (vLLM\'s default)', () => {
    const chart = testChart();
    pool(chart, { loraAdapters: [SQL, { ...CHAT, rank: 16 }], maxLoras: 1 });
    const args = argsOf(render(chart));
    expect(args[args.indexOf('--max-loras') + 1]).toBe('1');
    expect(args[args.indexOf('--max-lora-rank') + 1]).toBe('16');
  });

  test('without adapters: no LoRA flag, no adapter names', () => {
    const chart = testChart();
    const p = pool(chart);
    const args = argsOf(render(chart));
    expect(args.filter(a => a.includes('lora'))).toEqual([]);
    expect(p.loraAdapterNames).toEqual([]);
  });

  test('loraAdapterNames in declaration order', () => {
    const chart = testChart();
    expect(pool(chart, { loraAdapters: [SQL, CHAT], maxLoraRank: 32 }).loraAdapterNames).toEqual(['sql-lora', 'support-chat']);
  });

  test('metricLoraRequestsInfo() is scoped by namespace and pool, with no model_name', () => {
    const chart = testChart();
    const metric = pool(chart, { loraAdapters: [SQL] }).metricLoraRequestsInfo();
    expect(metric.name).toBe('vllm:lora_requests_info');
    expect(metric.matchers).toEqual({ namespace: 'llm', pool: 'llama' });
  });

  test('metricLoraRequestsInfo() on a pool without adapters', () => {
    const chart = testChart();
    expect(() => pool(chart).metricLoraRequestsInfo()).toThrow(new Error('\'metricLoraRequestsInfo()\' ("llama") has no loraAdapters on VllmPool \'test/llama\': vLLM reports vllm:lora_requests_info only with LoRA enabled'));
  });
});

describe('VllmPool LoRA bad input', () => {
  const cases: Array<[string, Partial<VllmPoolProps>, string]> = [
    ['an empty adapter list', { loraAdapters: [] }, '\'loraAdapters\' ([]) must be a non-empty array of LoraAdapter { name, source }: omit it to serve no adapter'],
    ['an adapter that is no object', { loraAdapters: [null as any] }, '\'loraAdapters[0]\' (null) must be a LoraAdapter { name, source, rank? }'],
    ['an empty adapter name', { loraAdapters: [{ name: '', source: SQL.source }] }, '\'loraAdapters[0].name\' ("") must be 1-63 lowercase letters, digits, \'.\', \'_\' or \'-\', starting and ending with a letter or digit: it is the model name clients request'],
    ['an adapter name with =', { loraAdapters: [{ name: 'a=b', source: SQL.source }] }, '\'loraAdapters[0].name\' ("a=b") must be 1-63 lowercase letters, digits, \'.\', \'_\' or \'-\', starting and ending with a letter or digit: it is the model name clients request'],
    ['a missing adapter name', { loraAdapters: [{ source: SQL.source } as any] }, '\'loraAdapters[0].name\' (undefined) must be 1-63 lowercase letters, digits, \'.\', \'_\' or \'-\', starting and ending with a letter or digit: it is the model name clients request'],
    ['an adapter named like the served model', { servedModelName: 'llama', loraAdapters: [{ name: 'llama', source: SQL.source }] }, '\'loraAdapters[0].name\' ("llama") is the pool\'s servedModelName: a request for it would reach the base model, never the adapter; rename the adapter'],
    ['a duplicate adapter name', { loraAdapters: [SQL, { name: 'sql-lora', source: '/models/other' }] }, '\'loraAdapters[1].name\' ("sql-lora") is already the name of another adapter of the pool: adapter names must be unique'],
    ['a path off the cache volume', { loraAdapters: [{ name: 'x', source: '/tmp/x' }] }, '\'loraAdapters[0].source\' ("/tmp/x") must be a Hugging Face repository id (\'owner/repo\') or an absolute path under /models (the model cache volume), without \'=\' or \',\''],
    ['a path escaping the cache volume', { loraAdapters: [{ name: 'x', source: '/models/../etc' }] }, '\'loraAdapters[0].source\' ("/models/../etc") must be a Hugging Face repository id (\'owner/repo\') or an absolute path under /models (the model cache volume), without \'=\' or \',\''],
    ['a source with a comma', { loraAdapters: [{ name: 'x', source: '/models/a,b' }] }, '\'loraAdapters[0].source\' ("/models/a,b") must be a Hugging Face repository id (\'owner/repo\') or an absolute path under /models (the model cache volume), without \'=\' or \',\''],
    ['a revision', { loraAdapters: [{ ...SQL, revision: 'main' }] }, '\'loraAdapters[0].revision\' ("main") is not supported: vLLM\'s --lora-modules takes no revision and loads the default branch; copy that revision onto the cache volume and set source to its path'],
    ['a rank above the pool maximum', { loraAdapters: [CHAT] }, '\'loraAdapters[0].rank\' (32) exceeds the pool\'s maxLoraRank (16): vLLM would refuse to load the adapter; raise maxLoraRank'],
    ['a rank that is no positive integer', { loraAdapters: [{ ...SQL, rank: 0 }] }, '\'loraAdapters[0].rank\' (0) must be a positive integer: the adapter\'s LoRA rank r'],
    ['a maxLoraRank vLLM does not accept', { loraAdapters: [SQL], maxLoraRank: 24 }, '\'maxLoraRank\' (24) must be one of 1, 8, 16, 32, 64, 128, 256, 320, 512: the ranks vLLM\'s --max-lora-rank accepts'],
    ['maxLoras below 1', { loraAdapters: [SQL], maxLoras: 0 }, '\'maxLoras\' (0) must be an integer of at least 1: the number of adapters one batch can serve'],
    ['a fractional maxLoras', { loraAdapters: [SQL], maxLoras: 1.5 }, '\'maxLoras\' (1.5) must be an integer of at least 1: the number of adapters one batch can serve'],
    ['maxLoras without adapters', { maxLoras: 2 }, '\'maxLoras\' (2) is set but the pool declares no loraAdapters: declare the adapters or remove maxLoras'],
    ['maxLoraRank without adapters', { maxLoraRank: 32 }, '\'maxLoraRank\' (32) is set but the pool declares no loraAdapters: declare the adapters or remove maxLoraRank'],
  ];
  test.each(cases)('%s', (_what, props, message) => {
    expect(() => pool(testChart(), props)).toThrow(new Error(message));
  });
});

describe('extraArgs cannot set the LoRA flags the pool owns', () => {
  const owned: Array<[string, string]> = [
    ['--enable-lora', 'must not set --enable-lora: declare the pool\'s \'loraAdapters\''],
    ['--lora-modules', 'must not set --lora-modules: declare the pool\'s \'loraAdapters\', so that the proxy lists each adapter as a model group'],
    ['--max-loras', 'must not set --max-loras: set the pool\'s \'maxLoras\''],
    ['--max-lora-rank', 'must not set --max-lora-rank: set the pool\'s \'maxLoraRank\''],
  ];
  test.each(owned)('%s is refused', (flag, rule) => {
    expect(() => renderEngineArgs({ extraArgs: [flag, 'x'] })).toThrow(new Error(`'engine.extraArgs[0]' ("${flag}") ${rule}`));
  });
});

describe('LiteLLMProxy: LoRA adapters become model groups', () => {
  const MASTER_KEY = { secretName: 'litellm', key: 'master-key' };

  test('each adapter is a group hosted_vllm/<adapter> at the pool url, with the pool\'s API key; fallbacks take them', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const llama = pool(chart, { loraAdapters: [SQL, CHAT], maxLoraRank: 32, apiKey: { secretName: 'vllm', key: 'key' } });
    const base = proxy.addBackend(llama);
    const sql = proxy.loraGroup(llama, 'sql-lora');
    expect(sql.name).toBe('sql-lora');
    expect(proxy.modelGroups.map(g => g.name)).toEqual(['Llama-3.1-8B-Instruct', 'sql-lora', 'support-chat']);
    proxy.addFallback(sql, [base]);
    const config = liteLLMConfig(render(chart));
    expect(config.model_list).toEqual([
      { model_name: 'Llama-3.1-8B-Instruct', litellm_params: { model: 'hosted_vllm/Llama-3.1-8B-Instruct', api_base: llama.url, api_key: 'os.environ/LITELLM_SECRET_VLLM_KEY' } },
      { model_name: 'sql-lora', litellm_params: { model: 'hosted_vllm/sql-lora', api_base: llama.url, api_key: 'os.environ/LITELLM_SECRET_VLLM_KEY' } },
      { model_name: 'support-chat', litellm_params: { model: 'hosted_vllm/support-chat', api_base: llama.url, api_key: 'os.environ/LITELLM_SECRET_VLLM_KEY' } },
    ]);
    expect(config.router_settings.fallbacks).toEqual([{ 'sql-lora': ['Llama-3.1-8B-Instruct'] }]);
  });

  test('the same pool under a second group does not list its adapters twice', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const llama = pool(chart, { loraAdapters: [SQL] });
    proxy.addBackend(llama);
    proxy.addBackend(llama, { modelName: 'llama' });
    const config = liteLLMConfig(render(chart));
    expect(config.model_list.filter((m: Manifest) => m.model_name === 'sql-lora')).toHaveLength(1);
  });

  test('an adapter named like an existing group', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    proxy.addModel({ modelName: 'sql-lora', model: 'openai/gpt-4o' });
    const llama = pool(chart, { loraAdapters: [SQL] });
    expect(() => proxy.addBackend(llama)).toThrow(new Error('\'loraAdapters[0].name\' ("sql-lora") clashes with the model group "sql-lora" of LiteLLMProxy \'test/proxy\': the adapter becomes its own group; rename the adapter or the group'));
  });

  test('an adapter named like the pool\'s own group', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const llama = pool(chart, { loraAdapters: [SQL] });
    expect(() => proxy.addBackend(llama, { modelName: 'sql-lora' })).toThrow(new Error('\'loraAdapters[0].name\' ("sql-lora") clashes with the model group "sql-lora" of LiteLLMProxy \'test/proxy\': the adapter becomes its own group; rename the adapter or the group'));
  });

  test('the same adapter name on two pools', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    proxy.addBackend(pool(chart, { loraAdapters: [SQL] }));
    const other = pool(chart, { loraAdapters: [SQL], servedModelName: 'other' }, 'other');
    expect(() => proxy.addBackend(other)).toThrow(new Error('\'loraAdapters[0].name\' ("sql-lora") clashes with the model group "sql-lora" of LiteLLMProxy \'test/proxy\': the adapter becomes its own group; rename the adapter or the group'));
    // Refused before anything was listed: the other pool's base group is not in the proxy.
    expect(proxy.modelGroups.map(g => g.name)).toEqual(['Llama-3.1-8B-Instruct', 'sql-lora']);
  });

  test('a model added later under an adapter group\'s name', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    proxy.addBackend(pool(chart, { loraAdapters: [SQL] }));
    expect(() => proxy.addModel({ modelName: 'sql-lora', model: 'openai/gpt-4o' })).toThrow(new Error('\'models[2].modelName\' ("sql-lora") is the model group of a LoRA adapter of a backend of LiteLLMProxy \'test/proxy\': choose another modelName'));
  });

  test('a backend whose loraAdapterNames is no array of strings (plain JavaScript)', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const llama = pool(chart);
    const broken = Object.create(llama, { loraAdapterNames: { value: 'sql-lora' } });
    expect(() => proxy.addBackend(broken)).toThrow(new Error('\'backend.loraAdapterNames\' ("sql-lora") must be an array of adapter names (strings)'));
  });

  test('loraGroup() of an adapter the backend does not have', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    const llama = pool(chart, { loraAdapters: [SQL] });
    proxy.addBackend(llama);
    expect(() => proxy.loraGroup(llama, 'nope')).toThrow(new Error('\'adapterName\' ("nope") is not a LoRA adapter of a backend added to LiteLLMProxy \'test/proxy\' (adapters: sql-lora): add the pool with addBackend() and name one of its loraAdapters'));
  });
});
