import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  NetworkPeer,
  CacheCallType, LITELLM_IMAGE, LiteLLMProxy, LiteLLMProxyProps, MigrationsBy, ModelDeployment, ProxyServiceType, RoutingStrategy,
} from '../../lib';
import { allOfKind, containerOf, envOf, liteLLMConfig, Manifest, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const MASTER_KEY = { secretName: 'litellm', key: 'master-key' };
const LLAMA: ModelDeployment = { modelName: 'llama', model: 'hosted_vllm/llama', apiBase: 'http://llama.llm.svc.cluster.local:8000/v1' };
const QWEN: ModelDeployment = { modelName: 'qwen', model: 'hosted_vllm/qwen', apiBase: 'http://qwen.llm.svc.cluster.local:8000/v1' };

/** A proxy with one model, synthesized and strictly validated. */
function render(props: Partial<LiteLLMProxyProps> = {}, configure?: (p: LiteLLMProxy) => void): { manifests: Manifest[]; proxy: LiteLLMProxy } {
  const chart = testChart();
  const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY, ...props });
  proxy.addModel(LLAMA);
  configure?.(proxy);
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return { manifests, proxy };
}

function proxyContainer(manifests: Manifest[]): Manifest {
  return containerOf(oneOfKind(manifests, 'Deployment'), 'litellm');
}

describe('defaults', () => {
  const { manifests, proxy } = render();
  const deployment = oneOfKind(manifests, 'Deployment');
  const container = proxyContainer(manifests);
  const config = liteLLMConfig(manifests);

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('renders a ConfigMap, Deployment, Service and PodDisruptionBudget, and no Job without a database', () => {
    expect(manifests.map(m => m.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service']);
  });

  test('pinned litellm-database v1.93.0 (carries PR #33853), never a floating tag; the proxy knows its version', () => {
    expect(container.image).toBe(LITELLM_IMAGE);
    expect(LITELLM_IMAGE).toBe('ghcr.io/berriai/litellm-database:v1.93.0');
    expect(proxy.version).toBe('1.93.0');
    expect(proxy.image).toBe(LITELLM_IMAGE);
  });

  test('objects are named from the default name litellm, no hashes; instance label = name', () => {
    expect(manifests.map(m => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      'ConfigMap/litellm-config', 'Deployment/litellm', 'NetworkPolicy/litellm', 'PodDisruptionBudget/litellm', 'Service/litellm',
    ]);
    for (const m of manifests) expect(m.metadata.labels['app.kubernetes.io/instance']).toBe('litellm');
    expect(JSON.stringify(manifests)).not.toMatch(/cdk8s\.io\/metadata\.addr|-c8[0-9a-f]{6}/);
    expect(proxy.name).toBe('litellm');
  });

  test('pod labels are public and the Deployment selects a stable subset of them', () => {
    expect(proxy.podLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(deployment.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'litellm', 'app.kubernetes.io/instance': 'litellm', 'app.kubernetes.io/component': 'proxy',
    });
    expect(proxy.deployment.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  });

  test('args: config path, port 4000, one worker (underscored flag)', () => {
    expect(container.args).toEqual(['--config', '/etc/litellm/config.yaml', '--port', '4000', '--num_workers', '1']);
  });

  test('config.yaml is mounted read-only from the ConfigMap at /etc/litellm', () => {
    const mount = container.volumeMounts.find((m: Manifest) => m.mountPath === '/etc/litellm');
    expect(mount.readOnly).toBe(true);
    const volume = deployment.spec.template.spec.volumes.find((v: Manifest) => v.name === mount.name);
    expect(volume.configMap.name).toBe(oneOfKind(manifests, 'ConfigMap').metadata.name);
  });

  test('two replicas when no autoscaler owns the Deployment', () => {
    expect(deployment.spec.replicas).toBe(2);
  });

  test('prometheus callback on with auth required (the monitor sends the master key), request timeout 600 s, simple-shuffle, master key by reference', () => {
    expect(config.litellm_settings).toEqual({ callbacks: ['prometheus'], require_auth_for_metrics_endpoint: true, request_timeout: 600 });
    expect(config.router_settings).toEqual({ routing_strategy: 'simple-shuffle' });
    expect(config.general_settings).toEqual({ master_key: 'os.environ/LITELLM_MASTER_KEY' });
    expect(envOf(container).LITELLM_MASTER_KEY.valueFrom.secretKeyRef).toEqual({ name: 'litellm', key: 'master-key' });
  });

  test('probes: startup and readiness on /health/readiness, liveness on /health/liveliness, never /health', () => {
    expect(container.startupProbe.httpGet.path).toBe('/health/readiness');
    expect(container.startupProbe.failureThreshold * container.startupProbe.periodSeconds).toBe(300);
    expect(container.readinessProbe.httpGet.path).toBe('/health/readiness');
    expect(container.livenessProbe.httpGet.path).toBe('/health/liveliness');
    for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet.path).not.toBe('/health');
      expect(probe.httpGet.port).toBe(4000);
    }
  });

  test('requests and limits: 500m / 1Gi requested, 2 CPU / 4Gi limit', () => {
    expect(container.resources).toEqual({ requests: { cpu: '500m', memory: '1024Mi' }, limits: { cpu: '2', memory: '4096Mi' } });
  });

  test('hardened: uid 65534, no escalation, ALL capabilities dropped, RuntimeDefault seccomp, read-only root', () => {
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, allowPrivilegeEscalation: false, privileged: false,
      readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534, fsGroup: 65534 });
    expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  test('writable emptyDirs where LiteLLM writes: /tmp, and the chart\'s read-only-mode caches /.cache and /.npm', () => {
    const volumes = deployment.spec.template.spec.volumes;
    for (const path of ['/tmp', '/.cache', '/.npm']) {
      const mount = container.volumeMounts.find((m: Manifest) => m.mountPath === path);
      expect(volumes.find((v: Manifest) => v.name === mount.name).emptyDir).toBeDefined();
    }
    expect(envOf(container).HOME).toBeUndefined();
    // The image's own values: the baked Prisma engines (PR #33853) and the pre-built admin UI.
    for (const name of ['PRISMA_BINARY_CACHE_DIR', 'LITELLM_UI_PATH', 'LITELLM_ASSETS_PATH', 'XDG_CACHE_HOME']) expect(envOf(container)[name]).toBeUndefined();
  });

  test('graceful drain: preStop sleeps 15 s and the grace period covers it plus the request timeout', () => {
    expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', '15']);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(15 + 600 + 15);
  });

  test('Service: ClusterIP, named port http 4000, selecting exactly the proxy pods', () => {
    const service = oneOfKind(manifests, 'Service');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 4000, targetPort: 4000 }]);
    const podLabels = deployment.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(service.spec.selector)) expect(podLabels[k]).toBe(v);
    expect(proxy.url).toBe('http://litellm.llm.svc.cluster.local:4000');
    expect(proxy.port).toBe(4000);
  });

  test('PodDisruptionBudget allows one pod down and selects the proxy pods', () => {
    const pdb = oneOfKind(manifests, 'PodDisruptionBudget');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  });

  test('topology spread across nodes and zones, soft so no pod stays Pending for it', () => {
    const constraints = deployment.spec.template.spec.topologySpreadConstraints;
    expect(constraints.map((c: Manifest) => c.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    for (const c of constraints) {
      expect(c.whenUnsatisfiable).toBe('ScheduleAnyway');
      expect(c.labelSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    }
  });

  test('checksum of config.yaml on the pod template', () => {
    expect(deployment.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('without a database: no DATABASE_URL, no migration dir, LiteLLM\'s default DISABLE_SCHEMA_UPDATE', () => {
    expect(envOf(container).DISABLE_SCHEMA_UPDATE.value).toBe('false');
    expect(envOf(container).DATABASE_URL).toBeUndefined();
    expect(envOf(container).LITELLM_MIGRATION_DIR).toBeUndefined();
    expect(proxy.migrationsBy).toBeUndefined();
  });
});

describe('config model', () => {
  test('router settings, retry policy and fallbacks in LiteLLM\'s list-of-single-key-maps shape', () => {
    const { manifests } = render({
      router: {
        routingStrategy: RoutingStrategy.LEAST_BUSY, numRetries: 2, timeout: Duration.seconds(120), allowedFails: 3,
        cooldownTime: Duration.seconds(60), enablePreCallChecks: true,
        retryPolicy: { timeoutErrorRetries: 1, rateLimitErrorRetries: 4, badRequestErrorRetries: 0 },
      },
    }, proxy => {
      const llama = proxy.modelGroups[0];
      const qwen = proxy.addModel(QWEN);
      proxy.addFallback(llama, [qwen]);
      proxy.addContextWindowFallback(qwen, [llama]);
    });
    expect(liteLLMConfig(manifests).router_settings).toEqual({
      routing_strategy: 'least-busy', num_retries: 2, timeout: 120, allowed_fails: 3, cooldown_time: 60,
      enable_pre_call_checks: true,
      retry_policy: { TimeoutErrorRetries: 1, RateLimitErrorRetries: 4, BadRequestErrorRetries: 0 },
      fallbacks: [{ llama: ['qwen'] }],
      context_window_fallbacks: [{ qwen: ['llama'] }],
    });
  });

  test('every routing strategy renders its LiteLLM value', () => {
    expect(Object.values(RoutingStrategy).sort()).toEqual([
      'cost-based-routing', 'latency-based-routing', 'least-busy', 'simple-shuffle', 'usage-based-routing', 'usage-based-routing-v2',
    ]);
  });

  test('model_list entry: params, API key as os.environ reference, limits and model_info', () => {
    const { manifests } = render({}, proxy => proxy.addModel({
      ...QWEN, apiKey: { secretName: 'backend-keys', key: 'qwen' }, rpm: 600, tpm: 100000,
      timeout: Duration.seconds(90), maxParallelRequests: 32,
      modelInfo: { mode: 'chat', baseModel: 'Qwen/Qwen3-8B', maxTokens: 8192, maxInputTokens: 32768, inputCostPerToken: 1e-7, outputCostPerToken: 2e-7 },
    }));
    const entry = liteLLMConfig(manifests).model_list.find((m: Manifest) => m.model_name === 'qwen');
    expect(entry).toEqual({
      model_name: 'qwen',
      litellm_params: {
        model: 'hosted_vllm/qwen', api_base: QWEN.apiBase, api_key: 'os.environ/LITELLM_SECRET_BACKEND_KEYS_QWEN',
        rpm: 600, tpm: 100000, timeout: 90, max_parallel_requests: 32,
      },
      model_info: { mode: 'chat', base_model: 'Qwen/Qwen3-8B', max_tokens: 8192, max_input_tokens: 32768, input_cost_per_token: 1e-7, output_cost_per_token: 2e-7 },
    });
    expect(envOf(proxyContainer(manifests)).LITELLM_SECRET_BACKEND_KEYS_QWEN.valueFrom.secretKeyRef).toEqual({ name: 'backend-keys', key: 'qwen' });
  });

  test('several deployments under one alias form one load-balanced group', () => {
    const { manifests, proxy } = render({}, p => {
      const again = p.addModel({ ...LLAMA, apiBase: 'http://llama-b.llm.svc.cluster.local:8000/v1' });
      expect(again).toBe(p.modelGroups[0]);
    });
    expect(proxy.modelGroups.map(g => g.name)).toEqual(['llama']);
    expect(liteLLMConfig(manifests).model_list.filter((m: Manifest) => m.model_name === 'llama')).toHaveLength(2);
  });

  test('one Secret key used by two models maps to one environment variable', () => {
    const key = { secretName: 'backend-keys', key: 'shared' };
    const { manifests } = render({}, p => {
      p.addModel({ ...QWEN, apiKey: key });
      p.addModel({ ...QWEN, modelName: 'qwen-b', apiKey: key });
    });
    const env = (proxyContainer(manifests).env as Manifest[]).filter(e => e.name === 'LITELLM_SECRET_BACKEND_KEYS_SHARED');
    expect(env).toHaveLength(1);
  });

  test('Redis: shared router state and the response cache, password by reference', () => {
    const { manifests } = render({
      redis: { host: 'redis.cache.svc.cluster.local', password: { secretName: 'redis', key: 'password' } },
      cache: { ttl: Duration.hours(1), supportedCallTypes: [CacheCallType.COMPLETION, CacheCallType.EMBEDDING] },
      dropParams: true,
    });
    const config = liteLLMConfig(manifests);
    expect(config.router_settings).toMatchObject({ redis_host: 'redis.cache.svc.cluster.local', redis_port: 6379, redis_password: 'os.environ/REDIS_PASSWORD' });
    expect(config.litellm_settings).toMatchObject({
      cache: true, drop_params: true,
      cache_params: { type: 'redis', host: 'redis.cache.svc.cluster.local', port: 6379, password: 'os.environ/REDIS_PASSWORD', ttl: 3600, supported_call_types: ['acompletion', 'aembedding'] },
    });
    expect(envOf(proxyContainer(manifests)).REDIS_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'redis', key: 'password' });
  });

  test('Redis for router state alone does not turn the cache on', () => {
    const config = liteLLMConfig(render({ redis: { host: 'redis', port: 6380 } }).manifests);
    expect(config.router_settings).toMatchObject({ redis_host: 'redis', redis_port: 6380 });
    expect(config.litellm_settings.cache).toBeUndefined();
    expect(config.router_settings.redis_password).toBeUndefined();
  });

  test('prometheus callback can be turned off', () => {
    expect(liteLLMConfig(render({ prometheusMetrics: false }).manifests).litellm_settings.callbacks).toBeUndefined();
  });

  test('config overrides reach their section', () => {
    const config = liteLLMConfig(render({
      configOverrides: { litellmSettings: { json_logs: true }, routerSettings: { max_fallbacks: 2 }, generalSettings: { alerting: ['slack'] } },
    }).manifests);
    expect(config.litellm_settings.json_logs).toBe(true);
    expect(config.router_settings.max_fallbacks).toBe(2);
    expect(config.general_settings.alerting).toEqual(['slack']);
  });

  test('an os.environ reference passes the override credential check', () => {
    const config = liteLLMConfig(render({ configOverrides: { generalSettings: { custom_token: 'os.environ/CUSTOM_TOKEN' } } }).manifests);
    expect(config.general_settings.custom_token).toBe('os.environ/CUSTOM_TOKEN');
  });

  test('a config change changes the pod template checksum (rolls the pods)', () => {
    const checksum = (m: Manifest[]) => oneOfKind(m, 'Deployment').spec.template.metadata.annotations['checksum/config'];
    const a = checksum(render().manifests);
    expect(checksum(render().manifests)).toBe(a);
    expect(checksum(render({ router: { numRetries: 5 } }).manifests)).not.toBe(a);
  });
});

describe('database', () => {
  const URL = { secretName: 'pg-app', key: 'uri' };
  const { manifests } = render({ database: { url: URL }, saltKey: { secretName: 'litellm', key: 'salt' } });
  const job = oneOfKind(manifests, 'Job');
  const deployment = oneOfKind(manifests, 'Deployment');

  test('database URL by reference, salt key by reference', () => {
    const env = envOf(proxyContainer(manifests));
    expect(env.DATABASE_URL.valueFrom.secretKeyRef).toEqual({ name: 'pg-app', key: 'uri' });
    expect(env.LITELLM_SALT_KEY.valueFrom.secretKeyRef).toEqual({ name: 'litellm', key: 'salt' });
    expect(liteLLMConfig(manifests).general_settings.database_url).toBe('os.environ/DATABASE_URL');
  });

  test('the migration Job is a Sync hook named <name>-migrations in an earlier wave than the Deployment', () => {
    expect(job.metadata.name).toBe('litellm-migrations');
    const a = job.metadata.annotations;
    expect(a['argocd.argoproj.io/hook']).toBe('Sync');
    expect(a['argocd.argoproj.io/hook-delete-policy']).toBe('BeforeHookCreation');
    // The Deployment carries no wave: Argo CD's default, 0 (applySyncWaves derives the same).
    expect(deployment.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBeUndefined();
    expect(Number(a['argocd.argoproj.io/sync-wave'])).toBeLessThan(0);
    expect(job.metadata.labels['app.kubernetes.io/instance']).toBe('litellm');
    expect(job.metadata.labels['app.kubernetes.io/component']).toBe('migrations');
  });

  test('the Job runs `litellm --skip_server_startup` (no --use_prisma_migrate: removed by PR #13555) with the same image and user', () => {
    const migrate = containerOf(job, 'migrate');
    expect(migrate.args).toEqual(['--skip_server_startup']);
    expect(migrate.command).toBeUndefined();
    expect(JSON.stringify(job)).not.toContain('use_prisma_migrate');
    expect(migrate.image).toBe(proxyContainer(manifests).image);
    expect(envOf(migrate).DATABASE_URL.valueFrom.secretKeyRef).toEqual({ name: 'pg-app', key: 'uri' });
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(migrate.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534, readOnlyRootFilesystem: true });
  });

  test('proxy and Job get LITELLM_MIGRATION_DIR on a writable emptyDir, plus /tmp, /.cache and /.npm', () => {
    for (const [workload, container] of [[job, containerOf(job, 'migrate')], [deployment, proxyContainer(manifests)]] as const) {
      expect(envOf(container).LITELLM_MIGRATION_DIR.value).toBe('/var/lib/litellm-migrations');
      for (const path of ['/var/lib/litellm-migrations', '/tmp', '/.cache', '/.npm']) {
        const mount = container.volumeMounts.find((m: Manifest) => m.mountPath === path);
        expect(workload.spec.template.spec.volumes.find((v: Manifest) => v.name === mount.name).emptyDir).toBeDefined();
      }
    }
  });

  describe.each([
    [undefined, true, 'true', 'false'],
    [MigrationsBy.JOB, true, 'true', 'false'],
    [MigrationsBy.PROXY, false, 'false', undefined],
    [MigrationsBy.EXTERNAL, false, 'true', undefined],
  ])('migrations: %s', (migrations, hasJob, proxySetting, jobSetting) => {
    const m = render({ database: { url: URL, migrations } });
    test(`Job ${hasJob ? 'rendered' : 'absent'}, proxy DISABLE_SCHEMA_UPDATE=${proxySetting}${jobSetting ? `, Job DISABLE_SCHEMA_UPDATE=${jobSetting}` : ''}`, () => {
      expect(allOfKind(m.manifests, 'Job')).toHaveLength(hasJob ? 1 : 0);
      expect(envOf(proxyContainer(m.manifests)).DISABLE_SCHEMA_UPDATE.value).toBe(proxySetting);
      if (jobSetting) expect(envOf(containerOf(oneOfKind(m.manifests, 'Job'), 'migrate')).DISABLE_SCHEMA_UPDATE.value).toBe(jobSetting);
      expect(m.proxy.migrationsBy).toBe(migrations ?? MigrationsBy.JOB);
      expect(m.proxy.migrations === undefined).toBe(!hasJob);
    });
  });

  test('the migrations Job deadline is configurable, in whole seconds', () => {
    const m = render({ database: { url: URL, migrationsTimeout: Duration.minutes(5) } });
    expect(oneOfKind(m.manifests, 'Job').spec.activeDeadlineSeconds).toBe(300);
  });
});

describe('options', () => {
  test('LoadBalancer Service, workers, replicas, image, resources, drain delay, PDB', () => {
    const { manifests } = render({
      serviceType: ProxyServiceType.LOAD_BALANCER, network: { allowFrom: [NetworkPeer.anywhere()] }, numWorkers: 4, replicas: 3, image: 'registry.local/litellm:1.0.0',
      resources: { cpu: { request: kplus.Cpu.units(1), limit: kplus.Cpu.units(2) }, memory: { request: Size.gibibytes(2), limit: Size.gibibytes(2) } },
      drainDelay: Duration.seconds(20), requestTimeout: Duration.seconds(300), maxUnavailable: 2,
    });
    const container = proxyContainer(manifests);
    expect(oneOfKind(manifests, 'Service').spec.type).toBe('LoadBalancer');
    expect(container.args.slice(-2)).toEqual(['--num_workers', '4']);
    expect(container.resources).toEqual({ requests: { cpu: '1', memory: '2048Mi' }, limits: { cpu: '2', memory: '2048Mi' } });
    expect(container.image).toBe('registry.local/litellm:1.0.0');
    expect(oneOfKind(manifests, 'Deployment').spec.replicas).toBe(3);
    expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', '20']);
    expect(oneOfKind(manifests, 'Deployment').spec.template.spec.terminationGracePeriodSeconds).toBe(20 + 300 + 15);
    expect(oneOfKind(manifests, 'PodDisruptionBudget').spec.maxUnavailable).toBe(2);
  });

  test('autoscaling-ready: an autoscaler on the Deployment removes spec.replicas', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    proxy.addModel(LLAMA);
    new kplus.HorizontalPodAutoscaler(chart, 'hpa', { target: proxy.deployment, maxReplicas: 10, minReplicas: 2 });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    expect(oneOfKind(manifests, 'Deployment').spec.replicas).toBeUndefined();
  });
});

describe('metrics', () => {
  const { proxy } = render();
  test('helpers return catalog metrics scoped to the namespace, and to a model group', () => {
    const llama = proxy.modelGroups[0];
    expect(proxy.metricRequests().selector).toBe('litellm_proxy_total_requests_metric_total{namespace="llm"}');
    expect(proxy.metricRequests(llama).selector).toBe('litellm_proxy_total_requests_metric_total{namespace="llm",requested_model="llama"}');
    expect(proxy.metricFailedRequests(llama).name).toBe('litellm_proxy_failed_requests_metric_total');
    expect(proxy.metricInFlightRequests().selector).toBe('litellm_in_flight_requests{namespace="llm"}');
    expect(proxy.metricRequestLatency(llama).bucketSelector).toBe('litellm_request_total_latency_metric_bucket{namespace="llm",requested_model="llama"}');
    expect(proxy.metricDeploymentState().name).toBe('litellm_deployment_state');
    expect(proxy.metricDeploymentFailures().name).toBe('litellm_deployment_failure_responses_total');
    expect(proxy.metricSuccessfulFallbacks().name).toBe('litellm_deployment_successful_fallbacks_total');
    expect(proxy.metricTotalTokens().name).toBe('litellm_total_tokens_metric_total');
  });
});

describe('bad input', () => {
  const make = (props: Partial<LiteLLMProxyProps> = {}) => new LiteLLMProxy(testChart(), 'proxy', { masterKey: MASTER_KEY, ...props });

  test('empty model list fails at synth', () => {
    const chart = testChart();
    new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    expect(() => Testing.synth(chart)).toThrow("'models' ([]) must not be empty: call addModel() or addBackend() on LiteLLMProxy 'test/proxy' at least once");
  });

  test('the same backend twice under one alias', () => {
    const proxy = make();
    proxy.addModel(LLAMA);
    expect(() => proxy.addModel({ ...LLAMA })).toThrow(
      `'models[1].modelName' ("llama") already has a deployment of model "hosted_vllm/llama" at "${LLAMA.apiBase}": the same backend twice in one group doubles its share of traffic, remove the duplicate`);
  });

  test('a fallback naming a group of another proxy', () => {
    const proxy = make();
    const llama = proxy.addModel(LLAMA);
    const foreign = make().addModel(QWEN);
    expect(() => proxy.addFallback(llama, [foreign])).toThrow(
      "'fallbacks[0].to[0]' (\"qwen\") is not a model group of LiteLLMProxy 'test/proxy': add a model to this proxy with addModel() and pass the group it returns");
  });

  test('a fallback to nothing, and to itself', () => {
    const proxy = make();
    const llama = proxy.addModel(LLAMA);
    expect(() => proxy.addFallback(llama, [])).toThrow("'fallbacks[0].to' ([]) must name at least one model group");
    expect(() => proxy.addContextWindowFallback(llama, [llama])).toThrow("'contextWindowFallbacks[0].to[0]' (\"llama\") must differ from the group it falls back from");
  });

  test('invalid Kubernetes names in Secret references', () => {
    expect(() => make({ masterKey: { secretName: 'My_Secret', key: 'k' } })).toThrow(
      "'masterKey.secretName' (\"My_Secret\") must be a DNS-1123 subdomain: at most 253 lower-case alphanumerics, '-' or '.', starting and ending with an alphanumeric");
    expect(() => make({ database: { url: { secretName: 'pg', key: 'a/b' } } })).toThrow(
      "'database.url.key' (\"a/b\") must be a valid Secret key: alphanumerics, '-', '_' or '.'");
  });

  test('non-positive timeouts', () => {
    expect(() => make({ requestTimeout: Duration.seconds(0) })).toThrow(new Error("'requestTimeout' (\"0ms\") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(1))"));
    expect(() => make({ router: { timeout: Duration.seconds(0) } })).toThrow(new Error("'router.timeout' (\"0ms\") must be longer than 0"));
    expect(() => make().addModel({ ...LLAMA, timeout: Duration.seconds(0) })).toThrow(new Error("'models[0].timeout' (\"0ms\") must be longer than 0"));
  });

  test('non-positive or fractional worker and replica counts', () => {
    expect(() => make({ numWorkers: 0 })).toThrow("'numWorkers' (0) must be a whole number greater than 0");
    expect(() => make({ numWorkers: 1.5 })).toThrow("'numWorkers' (1.5) must be a whole number greater than 0");
    expect(() => make({ replicas: -1 })).toThrow(new Error("'replicas' (-1) must be a whole number from 1 to 2147483647"));
    expect(() => make({ router: { numRetries: -1 } })).toThrow("'router.numRetries' (-1) must be a whole number greater than or equal to 0");
    expect(() => make().addModel({ ...LLAMA, rpm: 0 })).toThrow("'models[0].rpm' (0) must be a whole number greater than 0");
  });

  test('a port out of range', () => {
    expect(() => make({ redis: { host: 'redis', port: 70000 } })).toThrow("'redis.port' (70000) must be a port number from 1 to 65535");
  });

  test('a cache without Redis', () => {
    expect(() => make({ cache: {} })).toThrow("'cache' (\"set\") needs 'redis': the response cache is shared by all replicas through Redis");
  });

  test('an api_base that is not a URL, an empty alias', () => {
    expect(() => make().addModel({ ...LLAMA, apiBase: 'llama:8000' })).toThrow("'models[0].apiBase' (\"llama:8000\") must be an http:// or https:// URL");
    expect(() => make().addModel({ ...LLAMA, modelName: ' ' })).toThrow("'models[0].modelName' (\" \") must not be empty");
  });

  test('a chart without a namespace', () => {
    expect(() => new LiteLLMProxy(testChart(null), 'proxy', { masterKey: MASTER_KEY })).toThrow(
      "'Chart.namespace' (undefined) must be set for LiteLLMProxy: its Service URL and metric selectors are namespace-scoped (new Chart(app, id, { namespace: '...' }))");
  });

  test('a literal credential in the escape hatch, and overriding a typed key', () => {
    const literal = () => render({ configOverrides: { generalSettings: { slack_webhook_token: 'xoxb-123' } } });
    expect(literal).toThrow("'configOverrides.generalSettings.slack_webhook_token' (\"<redacted>\") looks like a credential: config.yaml takes secrets only as os.environ/<VAR> references to Secret-backed environment variables");
    const nested = () => render({ configOverrides: { litellmSettings: { langfuse: { secret: 'abc' } } } });
    expect(nested).toThrow("'configOverrides.litellmSettings.langfuse.secret' (\"<redacted>\") looks like a credential");
    const typed = () => render({ configOverrides: { routerSettings: { routing_strategy: 'least-busy' } } });
    expect(typed).toThrow(new Error("'configOverrides.routerSettings.routing_strategy' (\"least-busy\") belongs to the typed prop 'router.routingStrategy' of LiteLLMProxy: set it there, not in configOverrides (one place for each setting)"));
  });

  test('two Secrets mapping to one environment variable', () => {
    const proxy = make();
    proxy.addModel({ ...LLAMA, apiKey: { secretName: 'a-b', key: 'k' } });
    expect(() => proxy.addModel({ ...QWEN, apiKey: { secretName: 'a.b', key: 'k' } })).toThrow(
      "'models[1].apiKey' ({\"secretName\":\"a.b\",\"key\":\"k\"}) maps to environment variable LITELLM_SECRET_A_B_K, already taken by Secret a-b key k: rename the Secret or its key");
  });
});
