/**
 * Property-based tests of LiteLLMProxy (issue 10 §7): random valid proxies always synthesize
 * strictly valid output; a random hostile value in any prop always ends in the library's Error
 * naming that prop, never a TypeError/RangeError from inside the library and never an invalid
 * manifest. Seeded and bounded so the run stays fast and reproducible.
 */
import { fc, test } from '@fast-check/jest';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  NetworkPeer,
  CacheCallType, LiteLLMProxy, LiteLLMProxyProps, MetricsAuth, MigrationsBy, ModelDeployment, PodUser, ProxyServiceType, RoutingStrategy,
} from '../../lib';
import { Manifest } from '../util/synth';
import { validateManifests } from '../util/validate';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261130);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 120);
const MASTER_KEY = { secretName: 'litellm', key: 'master-key' };
const BASE: LiteLLMProxyProps = {
  masterKey: MASTER_KEY,
  redis: { host: 'redis.redis.svc.cluster.local' },
  database: { url: { secretName: 'pg', key: 'uri' } },
};
const MODEL: ModelDeployment = { modelName: 'llama', model: 'hosted_vllm/llama', apiBase: 'http://llama.llm.svc.cluster.local:8000/v1' };

function synthProxy(props: LiteLLMProxyProps, models: ModelDeployment[], monitor: boolean): Manifest[] {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
  const proxy = new LiteLLMProxy(chart, 'proxy', props);
  for (const m of models) proxy.addModel(m);
  if (monitor) proxy.monitor({ labels: { release: 'kube-prometheus-stack' }, scraper: NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }) });
  return Testing.synth(chart);
}

const dnsLabel = fc.stringMatching(/^[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,6}){0,2}$/);
const seconds = (min: number, max: number) => fc.integer({ min, max }).map(s => Duration.seconds(s));
const millis = (min: number, max: number) => fc.integer({ min, max }).map(ms => Duration.millis(ms));
const groupName = fc.string({ minLength: 1, maxLength: 30 })
  .filter(s => s === s.trim() && s.trim().length > 0 && !/[\u0000-\u001f\u007f]/.test(s) && !s.toLowerCase().startsWith('os.environ/'));

const validArb = fc.record({
  name: fc.option(dnsLabel.filter(n => n.length <= 40), { nil: undefined }),
  serviceName: fc.option(dnsLabel, { nil: undefined }),
  serviceType: fc.option(fc.constantFrom(...Object.values(ProxyServiceType)), { nil: undefined }),
  port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  routing: fc.constantFrom(...Object.values(RoutingStrategy)),
  numRetries: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
  routerTimeout: fc.option(millis(1, 600000), { nil: undefined }),
  cooldown: fc.option(millis(1, 600000), { nil: undefined }),
  requestTimeout: fc.option(seconds(1, 7200), { nil: undefined }),
  drainDelay: fc.option(seconds(1, 120), { nil: undefined }),
  workers: fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined }),
  replicas: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
  cacheTtl: fc.option(seconds(1, 86400), { nil: undefined }),
  callTypes: fc.option(fc.subarray(Object.values(CacheCallType), { minLength: 1 }), { nil: undefined }),
  migrations: fc.option(fc.constantFrom(...Object.values(MigrationsBy)), { nil: undefined }),
  database: fc.boolean(),
  user: fc.constantFrom(undefined, PodUser.platformAssigned(), PodUser.fixed(1000), PodUser.fixed(65534)),
  metricsAuth: fc.constantFrom(undefined, MetricsAuth.masterKey(), MetricsAuth.unauthenticated(), MetricsAuth.bearerToken({ secretName: 'm', key: 't' })),
  image: fc.constantFrom(undefined, 'ghcr.io/berriai/litellm-database:v1.93.0', 'ghcr.io/berriai/litellm:1.92.1', 'ghcr.io/berriai/litellm-non_root:v1.94.0'),
  groups: fc.uniqueArray(groupName, { minLength: 1, maxLength: 4 }),
  modelTimeout: fc.option(millis(1, 600000), { nil: undefined }),
  monitor: fc.boolean(),
});

test.prop([validArb], { seed: SEED, numRuns: RUNS })('random valid proxies synthesize strictly valid manifests', v => {
  const props: LiteLLMProxyProps = {
    masterKey: MASTER_KEY,
    name: v.name,
    serviceName: v.serviceName,
    serviceType: v.serviceType,
    network: v.serviceType === ProxyServiceType.LOAD_BALANCER ? { allowFrom: [NetworkPeer.anywhere()] } : undefined,
    port: v.port,
    router: { routingStrategy: v.routing, numRetries: v.numRetries, timeout: v.routerTimeout, cooldownTime: v.cooldown },
    requestTimeout: v.requestTimeout,
    drainDelay: v.drainDelay,
    numWorkers: v.workers,
    replicas: v.replicas,
    redis: { host: 'redis.redis.svc.cluster.local' },
    cache: { ttl: v.cacheTtl, supportedCallTypes: v.callTypes },
    database: v.database ? { url: { secretName: 'pg', key: 'uri' }, migrations: v.migrations } : undefined,
    user: v.user,
    metricsAuth: v.metricsAuth,
    image: v.image,
  };
  const models = v.groups.map((g, i) => ({ modelName: g, model: `hosted_vllm/m${i}`, apiBase: `http://m${i}.llm.svc.cluster.local:8000/v1`, timeout: v.modelTimeout }));
  const manifests = synthProxy(props, models, v.monitor);
  const problems = validateManifests(manifests);
  expect(problems).toEqual([]);
  const names = manifests.map(m => m.metadata.name as string);
  for (const n of names) expect(n).not.toMatch(/-[0-9a-f]{8}$/);
});

const HOSTILE: unknown[] = [
  NaN, Infinity, -Infinity, -1, 0, 0.5, 1e300, -1e300, '', ' ', '\n', 'Bad Name', 'os.environ/LITELLM_MASTER_KEY', 'a: b #c',
  'UPPER', 'ünïcödé', 'x'.repeat(300), null, {}, [], true, () => 1, Symbol('s'), Duration.millis(1500), Duration.seconds(NaN),
  Duration.minutes(1e-9), Size.mebibytes(0.5), kplus.Cpu.units(NaN), 'fastest',
];

/** Props and where a hostile value goes. `model.*` lands in addModel(). */
const PATHS = [
  'name', 'serviceName', 'serviceType', 'port', 'masterKey', 'masterKey.secretName', 'masterKey.key', 'saltKey', 'database',
  'database.url', 'database.migrations', 'database.migrationsTimeout', 'redis', 'redis.host', 'redis.port', 'redis.password', 'cache',
  'cache.ttl', 'cache.supportedCallTypes', 'router', 'router.routingStrategy', 'router.numRetries', 'router.timeout',
  'router.allowedFails', 'router.cooldownTime', 'router.enablePreCallChecks', 'router.retryPolicy', 'router.retryPolicy.timeoutErrorRetries',
  'requestTimeout', 'dropParams', 'prometheusMetrics', 'metricsAuth', 'configOverrides', 'configOverrides.routerSettings',
  'configOverrides.routerSettings.num_retires', 'configOverrides.routerSettings.fallbacks', 'configOverrides.litellmSettings.default_fallbacks',
  'image', 'version', 'replicas', 'numWorkers', 'resources', 'resources.cpu', 'resources.memory.limit', 'drainDelay', 'user',
  'maxUnavailable', 'slo.errorRatio',
  'model', 'model.modelName', 'model.model', 'model.apiBase', 'model.apiKey', 'model.rpm', 'model.tpm', 'model.timeout',
  'model.maxParallelRequests', 'model.modelInfo', 'model.modelInfo.maxInputTokens', 'model.modelInfo.inputCostPerToken',
];

function setPath(target: Record<string, any>, path: string[], value: unknown): void {
  const [head, ...rest] = path;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  target[head] = { ...(typeof target[head] === 'object' && target[head] !== null ? target[head] : {}) };
  setPath(target[head], rest, value);
}

test.prop([fc.constantFrom(...PATHS), fc.constantFrom(...HOSTILE)], { seed: SEED, numRuns: RUNS * 3 })(
  'a hostile value in any prop ends in an Error naming the prop, or in strictly valid manifests',
  (path, value) => {
    const props: Record<string, any> = { ...BASE };
    let model: Record<string, any> = { ...MODEL };
    const isModel = path === 'model' || path.startsWith('model.');
    if (path === 'model') model = value as any;
    else if (isModel) setPath(model, path.split('.').slice(1), value);
    else setPath(props, path.split('.'), value);
    const prop = path === 'model' ? 'models[0]' : isModel ? `models[0].${path.slice('model.'.length)}` : path;

    let manifests: Manifest[] | undefined;
    try {
      manifests = synthProxy(props as LiteLLMProxyProps, [model as ModelDeployment], false);
    } catch (e) {
      expect(e).toBeInstanceOf(Error);
      expect(e).not.toBeInstanceOf(TypeError);
      expect(e).not.toBeInstanceOf(RangeError);
      const message = (e as Error).message.replace(/^Validation failed with the following errors:\n\s*\[[^\]]*\] /, '');
      // The message names the prop (or the field of it that is wrong), in the library's format.
      const top = prop.split(/[.[]/)[0];
      expect(message).toMatch(new RegExp(`^'(${escape(prop)}|${escape(top)})[^']*' \\(`));
      return;
    }
    expect(validateManifests(manifests)).toEqual([]);
  },
);

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
