import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  NetworkPeer,
  Accelerator, CacheCallType, LiteLLMProxy, LiteLLMProxyProps, MigrationsBy, ModelDeployment, PodUser, ProxyServiceType, RoutingStrategy, VllmPool,
} from '../../lib';
import { containerOf, liteLLMConfig, Manifest, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const MASTER_KEY = { secretName: 'litellm', key: 'master-key' };
const LLAMA: ModelDeployment = { modelName: 'llama', model: 'hosted_vllm/llama', apiBase: 'http://llama.llm.svc.cluster.local:8000/v1' };
const QWEN: ModelDeployment = { modelName: 'qwen', model: 'hosted_vllm/qwen', apiBase: 'http://qwen.llm.svc.cluster.local:8000/v1' };

function make(props: Partial<LiteLLMProxyProps> | Record<string, unknown> = {}, chart: Chart = testChart()): LiteLLMProxy {
  return new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY, ...props } as LiteLLMProxyProps);
}

function render(props: Partial<LiteLLMProxyProps> = {}, configure?: (p: LiteLLMProxy) => void): Manifest[] {
  const proxy = make(props);
  proxy.addModel(LLAMA);
  configure?.(proxy);
  const manifests = synth(Chart.of(proxy));
  expectValidManifests(manifests);
  return manifests;
}

describe('names, Service type and port', () => {
  test('name, serviceName, a LoadBalancer on port 80 forwarding to 4000; url uses the Service port', () => {
    const chart = testChart();
    const proxy = make({ name: 'gateway', serviceName: 'llm-gateway', serviceType: ProxyServiceType.LOAD_BALANCER, port: 80, network: { allowFrom: [NetworkPeer.anywhere()] } }, chart);
    proxy.addModel(LLAMA);
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const service = oneOfKind(manifests, 'Service');
    expect(service.metadata.name).toBe('llm-gateway');
    expect(service.spec.type).toBe('LoadBalancer');
    // The NetworkPolicy's sources are the clients' addresses only if the Service keeps them.
    expect(service.spec.externalTrafficPolicy).toBe('Local');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 4000 }]);
    expect(proxy.url).toBe('http://llm-gateway.llm.svc.cluster.local:80');
    expect(proxy.port).toBe(80);
    expect(oneOfKind(manifests, 'Deployment').metadata.name).toBe('gateway');
    expect(oneOfKind(manifests, 'ConfigMap').metadata.name).toBe('gateway-config');
    for (const m of manifests) expect(m.metadata.labels['app.kubernetes.io/instance']).toBe('gateway');
  });

  test('names that are not DNS-1035 labels', () => {
    expect(() => make({ name: 'Gateway' })).toThrow(new Error(
      "'name' (\"Gateway\") must be a DNS-1035 label (at most 63 lower-case alphanumerics or '-', starting with a letter and ending with an alphanumeric): object names come from it; set 'name' to a name like 'llama-3-1-8b'"));
    expect(() => make({ serviceName: 'llm.gateway' })).toThrow(new Error(
      "'serviceName' (\"llm.gateway\") must be a DNS-1035 label (at most 63 lower-case alphanumerics or '-', starting with a letter and ending with an alphanumeric): object names come from it; set 'serviceName' to a name like 'llama-3-1-8b'"));
  });

  test('a name too long for the migrations Job', () => {
    const name = `g${'a'.repeat(52)}`;
    expect(() => make({ name, database: { url: { secretName: 'pg', key: 'uri' } } })).toThrow(new Error(
      `'name' ("${name}") is too long for the migrations Job '${name}-migrations' (a Job name is at most 63 characters): use at most 52 characters`));
    expect(make({ name, database: { url: { secretName: 'pg', key: 'uri' }, migrations: MigrationsBy.EXTERNAL } }).name).toBe(name);
  });

  test('ports and Service types out of range', () => {
    expect(() => make({ port: 0 })).toThrow(new Error("'port' (0) must be a port number from 1 to 65535"));
    expect(() => make({ port: 80.5 })).toThrow(new Error("'port' (80.5) must be a port number from 1 to 65535"));
    expect(() => make({ port: '80' as any })).toThrow(new Error("'port' (\"80\") must be a port number from 1 to 65535"));
    expect(() => make({ serviceType: 'NodePort' as any })).toThrow(new Error("'serviceType' (\"NodePort\") must be one of ProxyServiceType: \"ClusterIP\", \"LoadBalancer\""));
  });
});

describe('user', () => {
  test('platform-assigned: no runAsUser, runAsGroup or fsGroup on the proxy and the Job; still non-root and read-only', () => {
    const manifests = render({ user: PodUser.platformAssigned(), database: { url: { secretName: 'pg', key: 'uri' } } });
    for (const [kind, name] of [['Deployment', 'litellm'], ['Job', 'migrate']]) {
      const workload = oneOfKind(manifests, kind);
      const container = containerOf(workload, name);
      expect(container.securityContext.runAsUser).toBeUndefined();
      expect(container.securityContext.runAsGroup).toBeUndefined();
      expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(workload.spec.template.spec.securityContext.runAsUser).toBeUndefined();
      expect(workload.spec.template.spec.securityContext.fsGroup).toBeUndefined();
    }
  });

  test('a fixed uid reaches the proxy and the Job', () => {
    const manifests = render({ user: PodUser.fixed(1001), database: { url: { secretName: 'pg', key: 'uri' } } });
    expect(containerOf(oneOfKind(manifests, 'Deployment'), 'litellm').securityContext.runAsUser).toBe(1001);
    expect(containerOf(oneOfKind(manifests, 'Job'), 'migrate').securityContext.runAsUser).toBe(1001);
  });

  test('a bare number, and the old runAsUser prop from plain JavaScript', () => {
    expect(() => make({ user: 1000 as any })).toThrow(new Error("'user' (1000) must be a PodUser: PodUser.fixed(uid) or PodUser.platformAssigned()"));
    expect(() => make({ runAsUser: 1000 })).toThrow(new Error("'runAsUser' (1000) was replaced by 'user': PodUser.fixed(uid) or PodUser.platformAssigned()"));
  });
});

describe('migrations choice, bad input', () => {
  const url = { secretName: 'pg', key: 'uri' };
  test('the old runMigrations, an unknown choice, a Job timeout without a Job', () => {
    expect(() => make({ database: { url, runMigrations: false } as any })).toThrow(new Error(
      "'database.runMigrations' (false) was replaced by 'database.migrations': MigrationsBy.JOB (the default), MigrationsBy.PROXY or MigrationsBy.EXTERNAL"));
    expect(() => make({ database: { url, migrations: 'sometimes' as any } })).toThrow(new Error(
      "'database.migrations' (\"sometimes\") must be one of MigrationsBy: \"job\", \"proxy\", \"external\""));
    expect(() => make({ database: { url, migrations: MigrationsBy.PROXY, migrationsTimeout: Duration.minutes(5) } })).toThrow(new Error(
      "'database.migrationsTimeout' (\"300s\") applies to the migrations Job only, and 'database.migrations' is \"proxy\": remove it"));
    expect(() => make({ database: { url, migrationsTimeout: Duration.millis(1500) } })).toThrow(new Error(
      "'database.migrationsTimeout' (\"1500ms\") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(2))"));
    expect(() => make({ database: {} as any })).toThrow(new Error(
      "'database.url' (undefined) is required: the Secret key holding the database connection URL, a Secret reference { secretName, key }"));
  });
});

describe('configOverrides guardrails', () => {
  test('a misspelt key is refused at construction with a suggestion', () => {
    expect(() => make({ configOverrides: { routerSettings: { num_retires: 3 } } })).toThrow(new Error(
      "'configOverrides.routerSettings.num_retires' (3) is not a router_settings key LiteLLM reads: did you mean 'num_retries' (set by the typed prop 'router.numRetries')?"));
    expect(() => make({ configOverrides: { routerSettings: { max_fallback: 2 } } })).toThrow(new Error(
      "'configOverrides.routerSettings.max_fallback' (2) is not a router_settings key LiteLLM reads: did you mean 'max_fallbacks'?"));
    expect(() => make({ configOverrides: { litellmSettings: { json_log: true } } })).toThrow(new Error(
      "'configOverrides.litellmSettings.json_log' (true) is not a litellm_settings key LiteLLM reads: did you mean 'json_logs'?"));
    expect(() => make({ configOverrides: { generalSettings: { allowedIps: ['10.0.0.0/8'] } } })).toThrow(new Error(
      "'configOverrides.generalSettings.allowedIps' ([\"10.0.0.0/8\"]) is not a general_settings key LiteLLM reads: did you mean 'allowed_ips'?"));
  });

  test('keys far from every known key pass (the escape hatch covers keys the library does not list)', () => {
    const config = liteLLMConfig(render({ configOverrides: { litellmSettings: { langfuse_default_tags: ['prod'] } } }));
    expect(config.litellm_settings.langfuse_default_tags).toEqual(['prod']);
  });

  test('a key a typed prop owns names that prop, whether or not it was set', () => {
    expect(() => make({ configOverrides: { generalSettings: { disable_prisma_schema_update: true } } })).toThrow(new Error(
      "'configOverrides.generalSettings.disable_prisma_schema_update' (true) belongs to the typed prop 'database.migrations' of LiteLLMProxy: set it there, not in configOverrides (one place for each setting)"));
    expect(() => make({ configOverrides: { litellmSettings: { require_auth_for_metrics_endpoint: false } } })).toThrow(new Error(
      "'configOverrides.litellmSettings.require_auth_for_metrics_endpoint' (false) belongs to the typed prop 'metricsAuth' of LiteLLMProxy: set it there, not in configOverrides (one place for each setting)"));
  });

  test('sections and values that are not config', () => {
    expect(() => make({ configOverrides: { routersettings: {} } as any })).toThrow(new Error(
      "'configOverrides.routersettings' ({}) is not a section of the overrides: use litellmSettings, routerSettings or generalSettings"));
    expect(() => make({ configOverrides: { routerSettings: [] as any } })).toThrow(new Error("'configOverrides.routerSettings' ([]) must be a map of config keys to values"));
    expect(() => make({ configOverrides: { routerSettings: { retry_after: NaN } } })).toThrow(new Error(
      "'configOverrides.routerSettings.retry_after' (NaN) must be a finite number: YAML would render it as a special float LiteLLM does not expect"));
    expect(() => make({ configOverrides: { litellmSettings: { modify_params: () => true } } })).toThrow(new Error(
      "'configOverrides.litellmSettings.modify_params' (function modify_params) must be a string, finite number, boolean, null, list or map: config.yaml holds plain values"));
    expect(() => make({ configOverrides: 'x' as any })).toThrow(new Error("'configOverrides' (\"x\") must be { litellmSettings?, routerSettings?, generalSettings? }"));
  });

  test('string fallbacks in the overrides must name groups of the proxy: checked at synth, never wrapped in a serialization error', () => {
    for (const [overrides, prop] of [
      [{ routerSettings: { fallbacks: [{ llama: ['unknown'] }] } }, 'configOverrides.routerSettings.fallbacks[0].llama[0]'],
      [{ routerSettings: { context_window_fallbacks: [{ llama: ['unknown'] }] } }, 'configOverrides.routerSettings.context_window_fallbacks[0].llama[0]'],
      [{ routerSettings: { content_policy_fallbacks: [{ unknown: ['llama'] }] } }, 'configOverrides.routerSettings.content_policy_fallbacks[0]'],
      [{ routerSettings: { default_fallbacks: ['unknown'] } }, 'configOverrides.routerSettings.default_fallbacks[0]'],
      [{ litellmSettings: { default_fallbacks: ['unknown'] } }, 'configOverrides.litellmSettings.default_fallbacks[0]'],
    ] as const) {
      const proxy = make({ configOverrides: overrides as any });
      proxy.addModel(LLAMA);
      let message = '';
      try {
        Testing.synth(Chart.of(proxy));
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain(`'${prop}' ("unknown") is not a model group of LiteLLMProxy 'test/proxy' (its groups: llama): LiteLLM would fall back to nothing; add a model under that name, or use addFallback() with the groups addModel() returns`);
      expect(message).not.toContain('Failed serializing');
    }
  });

  test('string fallbacks naming existing groups are rendered as written', () => {
    const config = liteLLMConfig(render({
      configOverrides: { routerSettings: { fallbacks: [{ llama: ['qwen'] }], default_fallbacks: ['qwen'] } },
    }, p => p.addModel(QWEN)));
    expect(config.router_settings.fallbacks).toEqual([{ llama: ['qwen'] }]);
    expect(config.router_settings.default_fallbacks).toEqual(['qwen']);
  });

  test('fallbacks both typed and in the overrides; malformed fallbacks', () => {
    const proxy = make({ configOverrides: { routerSettings: { fallbacks: [{ llama: ['qwen'] }] } } });
    const llama = proxy.addModel(LLAMA);
    const qwen = proxy.addModel(QWEN);
    proxy.addFallback(qwen, [llama]);
    expect(() => Testing.synth(Chart.of(proxy))).toThrow(
      "'configOverrides.routerSettings.fallbacks' ([{\"llama\":[\"qwen\"]}]) is also rendered by addFallback(): use one of them");
    expect(() => make({ configOverrides: { routerSettings: { fallbacks: [{ llama: 'qwen' }] } } })).toThrow(new Error(
      "'configOverrides.routerSettings.fallbacks[0].llama' (\"qwen\") must be a non-empty list of model group names"));
    expect(() => make({ configOverrides: { routerSettings: { fallbacks: { llama: ['qwen'] } } } })).toThrow(new Error(
      "'configOverrides.routerSettings.fallbacks' ({\"llama\":[\"qwen\"]}) must be a list of single-key maps, e.g. [{ \"llama\": [\"qwen\"] }] (FACTS §B.3)"));
    expect(() => make({ configOverrides: { routerSettings: { fallbacks: [{ llama: ['llama'] }] } } })).toThrow(new Error(
      "'configOverrides.routerSettings.fallbacks[0].llama' ([\"llama\"]) must not fall back from \"llama\" to itself"));
    expect(() => make({ configOverrides: { routerSettings: { default_fallbacks: 'qwen' } } })).toThrow(new Error(
      "'configOverrides.routerSettings.default_fallbacks' (\"qwen\") must be a list of model group names, e.g. [\"claude-opus\"] (FACTS §B.3)"));
  });
});

describe('hostile input', () => {
  test('no props at all, from plain JavaScript', () => {
    expect(() => new LiteLLMProxy(testChart(), 'proxy', {} as any)).toThrow(new Error(
      "'masterKey' (undefined) is required: the proxy's admin credential (without one the proxy serves every caller), a Secret reference { secretName, key }"));
    expect(() => new LiteLLMProxy(testChart(), 'proxy', undefined as any)).toThrow("'masterKey' (undefined) is required");
    expect(() => make({ masterKey: 'sk-1234' as any })).toThrow(new Error("'masterKey' (\"sk-1234\") must be a Secret reference { secretName, key }"));
    expect(() => make({ masterKey: { secretName: 'litellm' } as any })).toThrow(new Error("'masterKey.key' (undefined) must be a string"));
    expect(() => make({ masterKey: { secretName: ' ', key: 'k' } })).toThrow(new Error(
      "'masterKey.secretName' (\" \") must be a DNS-1123 subdomain: at most 253 lower-case alphanumerics, '-' or '.', starting and ending with an alphanumeric"));
  });

  test('Durations that are not whole seconds where LiteLLM wants whole seconds', () => {
    expect(() => make({ requestTimeout: Duration.seconds(0.5) })).toThrow(new Error(
      "'requestTimeout' (\"500ms\") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(1))"));
    expect(() => make({ redis: { host: 'redis' }, cache: { ttl: Duration.millis(999) } })).toThrow(new Error(
      "'cache.ttl' (\"999ms\") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(1))"));
    expect(() => make({ drainDelay: Duration.millis(1500) })).toThrow(new Error(
      "'drainDelay' (\"1500ms\") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(2))"));
    expect(() => make({ requestTimeout: Duration.minutes(1e-9) })).toThrow(new Error(
      "'requestTimeout' (\"1e-9 minutes\") must be a finite Duration of whole milliseconds"));
    expect(() => make({ router: { cooldownTime: Duration.seconds(Infinity) } })).toThrow(new Error(
      "'router.cooldownTime' (\"Infinity seconds\") must be a finite Duration of whole milliseconds"));
    expect(() => make({ requestTimeout: 600 as any })).toThrow(new Error("'requestTimeout' (600) must be a Duration, e.g. Duration.seconds(30)"));
  });

  test('sub-second timeouts where LiteLLM takes float seconds are kept', () => {
    const config = liteLLMConfig(render({ router: { timeout: Duration.millis(1500), cooldownTime: Duration.millis(2500) } },
      p => p.addModel({ ...QWEN, timeout: Duration.millis(750) })));
    expect(config.router_settings).toMatchObject({ timeout: 1.5, cooldown_time: 2.5 });
    expect(config.model_list.find((m: Manifest) => m.model_name === 'qwen').litellm_params.timeout).toBe(0.75);
  });

  test('addBackend with a timeout of 1500 ms renders 1.5 s', () => {
    const chart = testChart();
    const proxy = make({}, chart);
    const pool = new VllmPool(chart, 'llama', { model: 'meta-llama/Llama-3.1-8B-Instruct', accelerator: Accelerator.nvidiaGpu(1) });
    proxy.addBackend(pool, { timeout: Duration.millis(1500) });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    expect(liteLLMConfig(manifests).model_list[0].litellm_params.timeout).toBe(1.5);
    expect(proxy.backends).toEqual([pool]);
  });

  test('numbers: NaN, Infinity, huge, fractional, strings', () => {
    expect(() => make({ numWorkers: NaN })).toThrow(new Error("'numWorkers' (NaN) must be a whole number greater than 0"));
    expect(() => make({ numWorkers: Infinity })).toThrow(new Error("'numWorkers' (Infinity) must be a whole number greater than 0"));
    expect(() => make({ numWorkers: '2' as any })).toThrow(new Error("'numWorkers' (\"2\") must be a whole number greater than 0"));
    expect(() => make({ replicas: 1e10 })).toThrow(new Error("'replicas' (10000000000) must be a whole number from 1 to 2147483647"));
    expect(() => make({ maxUnavailable: 0 })).toThrow(new Error("'maxUnavailable' (0) must be a whole number from 1 to 2147483647"));
    expect(() => make({ slo: { errorRatio: NaN } })).toThrow(new Error("'slo.errorRatio' (NaN) must be greater than 0 and less than 1"));
    expect(() => make({ slo: { errorRatio: '0.5' as any } })).toThrow(new Error("'slo.errorRatio' (\"0.5\") must be greater than 0 and less than 1"));
    expect(() => make({ router: { numRetries: 1e300 } })).toThrow(new Error("'router.numRetries' (1e+300) must be a whole number greater than or equal to 0"));
    expect(() => make({ router: { retryPolicy: { timeoutErrorRetries: -1 } } })).toThrow(new Error(
      "'router.retryPolicy.timeoutErrorRetries' (-1) must be a whole number greater than or equal to 0"));
    expect(() => make({ router: { retryPolicy: { timeoutRetries: 1 } as any } })).toThrow(new Error(
      "'router.retryPolicy.timeoutRetries' (1) is not a RetryPolicy field: use authenticationErrorRetries, timeoutErrorRetries, rateLimitErrorRetries, contentPolicyViolationErrorRetries, internalServerErrorRetries, badRequestErrorRetries"));
    expect(() => make({ redis: { host: 'redis', port: NaN } })).toThrow(new Error("'redis.port' (NaN) must be a port number from 1 to 65535"));
    expect(() => make().addModel({ ...LLAMA, tpm: 2 ** 60 })).toThrow(new Error(`'models[0].tpm' (${2 ** 60}) must be a whole number greater than 0`));
    expect(() => make().addModel({ ...LLAMA, modelInfo: { inputCostPerToken: -1 } })).toThrow(new Error(
      "'models[0].modelInfo.inputCostPerToken' (-1) must be a finite number greater than 0 and less than 1e15"));
  });

  test('enum values cast in', () => {
    expect(() => make({ router: { routingStrategy: 'fastest' as any } })).toThrow(new Error(
      "'router.routingStrategy' (\"fastest\") must be one of RoutingStrategy: \"simple-shuffle\", \"least-busy\", \"usage-based-routing\", \"latency-based-routing\", \"cost-based-routing\", \"usage-based-routing-v2\""));
    expect(() => make({ redis: { host: 'redis' }, cache: { supportedCallTypes: ['completion' as CacheCallType] } })).toThrow(new Error(
      "'cache.supportedCallTypes[0]' (\"completion\") must be one of CacheCallType: \"acompletion\", \"atext_completion\", \"aembedding\", \"atranscription\""));
    expect(() => make({ prometheusMetrics: 'yes' as any })).toThrow(new Error("'prometheusMetrics' (\"yes\") must be true or false"));
    expect(RoutingStrategy.LEAST_BUSY).toBe('least-busy');
  });

  test('model names and api bases: os.environ/ injection, control characters, padding, empty', () => {
    const proxy = make();
    expect(() => proxy.addModel({ ...LLAMA, modelName: 'os.environ/LITELLM_MASTER_KEY' })).toThrow(new Error(
      "'models[0].modelName' (\"os.environ/LITELLM_MASTER_KEY\") must not start with 'os.environ/': LiteLLM would replace it with an environment variable of the proxy (a secret could leak into routing)"));
    expect(() => proxy.addModel({ ...LLAMA, model: 'os.environ/MODEL' })).toThrow("'models[0].model' (\"os.environ/MODEL\") must not start with 'os.environ/'");
    expect(() => proxy.addModel({ ...LLAMA, apiBase: 'OS.ENVIRON/API_BASE' })).toThrow("'models[0].apiBase' (\"OS.ENVIRON/API_BASE\") must not start with 'os.environ/'");
    expect(() => proxy.addModel({ ...LLAMA, modelName: 'llama\nmodel_list: []' })).toThrow(new Error(
      "'models[0].modelName' (\"llama\\nmodel_list: []\") must not contain control characters such as newlines or tabs"));
    expect(() => proxy.addModel({ ...LLAMA, modelName: ' llama' })).toThrow(new Error("'models[0].modelName' (\" llama\") must not start or end with whitespace"));
    expect(() => proxy.addModel({ ...LLAMA, modelName: '' })).toThrow(new Error("'models[0].modelName' (\"\") must not be empty"));
    expect(() => proxy.addModel({ ...LLAMA, modelName: 7 as any })).toThrow(new Error("'models[0].modelName' (7) must be a string"));
    expect(() => proxy.addModel(undefined as any)).toThrow(new Error("'models[0]' (undefined) is required: a ModelDeployment { modelName, model, apiBase?, ... }"));
  });

  test('YAML-breaking characters in a model group survive quoting, into config.yaml and the metric selectors', () => {
    const name = 'llama: "8b" #fast [v2] {x} & *y | z';
    let proxy!: LiteLLMProxy;
    const manifests = render({}, p => {
      proxy = p;
      p.addModel({ ...QWEN, modelName: name });
    });
    expect(liteLLMConfig(manifests).model_list.map((m: Manifest) => m.model_name)).toEqual(['llama', name]);
    expect(proxy.metricRequests(proxy.modelGroups[1]).selector).toBe(`litellm_proxy_total_requests_metric_total{namespace="llm",requested_model=${JSON.stringify(name)}}`);
  });

  test('backends and fallbacks that are not what they claim', () => {
    const proxy = make();
    const llama = proxy.addModel(LLAMA);
    expect(() => proxy.addBackend(undefined as any)).toThrow(new Error("'backend' (undefined) is required: a vLLM server to route to, such as a VllmPool"));
    expect(() => proxy.addBackend({ servedModelName: 'x' } as any)).toThrow(new Error(
      "'backend' ({\"servedModelName\":\"x\"}) must be a HostedVllmBackend such as a VllmPool or a GatewayInferencePool (servedModelName, url, port, service?)"));
    expect(() => proxy.addBackend({ servedModelName: 'x', url: 'http://x:8000/v1', service: {}, port: 8000 } as any, 'fast' as any)).toThrow(new Error(
      "'options' (\"fast\") must be BackendOptions { modelName?, rpm?, tpm?, timeout?, maxParallelRequests?, modelInfo? }"));
    expect(() => proxy.addFallback(llama, 'qwen' as any)).toThrow(new Error("'fallbacks[0].to' (\"qwen\") must be a list of model groups or backends"));
    expect(() => proxy.addFallback('llama' as any, [llama])).toThrow(new Error(
      "'fallbacks[0].from' (\"llama\") must be a model group returned by addModel() or addBackend(), or a backend added with addBackend()"));
  });

  test('container resources that would render an invalid or inverted quantity', () => {
    expect(() => make({ resources: 'big' as any })).toThrow(new Error("'resources' (\"big\") must be { cpu?: { request?, limit? }, memory?: { request?, limit? } }"));
    expect(() => make({ resources: { gpu: {} } as any })).toThrow(new Error("'resources.gpu' ({}) is not a container resource: use cpu, memory or ephemeralStorage"));
    expect(() => make({ resources: { cpu: { request: kplus.Cpu.units(NaN) } } })).toThrow(new Error(
      "'resources.cpu.request' (\"NaN\") must be a positive, finite kplus.Cpu, e.g. kplus.Cpu.millis(500)"));
    expect(() => make({ resources: { cpu: { limit: 2 as any } } })).toThrow(new Error(
      "'resources.cpu.limit' (2) must be a positive, finite kplus.Cpu, e.g. kplus.Cpu.millis(500)"));
    expect(() => make({ resources: { cpu: { request: kplus.Cpu.units(4), limit: kplus.Cpu.millis(500) } } })).toThrow(new Error(
      "'resources.cpu.request' (\"4\") must be at most the limit (500m)"));
    expect(() => make({ resources: { memory: { limit: Size.mebibytes(0.5) } } })).toThrow(new Error(
      "'resources.memory.limit' (\"0.5Mi\") must be a whole number of mebibytes from 1 to 1073741824 (1 PiB), e.g. Size.gibibytes(2)"));
    expect(() => make({ resources: { memory: { request: Size.gibibytes(8), limit: Size.gibibytes(4) } } })).toThrow(new Error(
      "'resources.memory.request' (\"8192Mi\") must be at most the limit (4096Mi)"));
    expect(() => make({ resources: { cpu: null } as any })).toThrow(new Error("'resources.cpu' (null) must be { request?, limit? }"));
  });

  test('Redis host and cache from plain JavaScript', () => {
    expect(() => make({ redis: {} as any })).toThrow(new Error("'redis.host' (undefined) is required: the Redis host name, e.g. 'redis-master.redis.svc.cluster.local'"));
    expect(() => make({ redis: { host: 'Redis Host' } })).toThrow(new Error(
      "'redis.host' (\"Redis Host\") must be a DNS-1123 subdomain: at most 253 lower-case alphanumerics, '-' or '.', starting and ending with an alphanumeric"));
    expect(() => make({ dropParams: 1 as any })).toThrow(new Error("'dropParams' (1) must be true or false"));
  });
});
