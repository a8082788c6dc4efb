/**
 * Property-based tests over the public API (issue 10 §7): random valid gateways always
 * synthesize strictly valid output; random hostile values always end in the library's Error
 * naming the prop, never a TypeError/RangeError from inside it and never an invalid manifest.
 * Seeded and bounded so `npm test` stays fast and reproducible.
 */
import { fc, test } from '@fast-check/jest';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import {
  Accelerator, LiteLLMProxy, LiteLLMProxyProps, ModelCache, RoutingStrategy, VllmPool, VllmPoolProps,
} from '../../lib';
import { Manifest, SCRAPER } from '../util/synth';
import { validateManifests } from '../util/validate';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261129);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const PROMETHEUS = { serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' };

/** What a random gateway is made of: one proxy, one to three pools. */
interface GatewaySpec {
  readonly namespace: string;
  readonly proxy: Partial<LiteLLMProxyProps>;
  readonly pools: Array<{ id: string; props: Partial<VllmPoolProps>; monitor: boolean; autoscale: boolean }>;
}

const dnsLabel = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,6}){0,2}$/);
const seconds = (min: number, max: number) => fc.integer({ min, max }).map(s => Duration.seconds(s));

const acceleratorArb = fc.constantFrom<Array<() => Partial<VllmPoolProps>>>(
  () => ({ accelerator: Accelerator.nvidiaGpu(1) }),
() => ({ accelerator: Accelerator.nvidiaGpu(4), engine: { tensorParallelSize: 4 } }),
() => ({ accelerator: Accelerator.mig('1g.10gb'), resources: { memory: Size.gibibytes(16) } }),
() => ({ accelerator: Accelerator.cpu(), image: 'public.ecr.aws/q9t5s3a7/vllm-cpu-release-repo:v0.26.0', vllmVersion: '0.26.0' }),
);

const poolArb = fc.record({
  id: dnsLabel,
  served: dnsLabel,
  accel: acceleratorArb,
  maxLoad: fc.integer({ min: 1, max: 60 }),
  maxModelLen: fc.option(fc.constantFrom(4096, 8192, 32768), { nil: undefined }),
  cache: fc.constantFrom('emptyDir', 'newClaim', 'existing'),
  monitor: fc.boolean(),
  autoscale: fc.boolean(),
});

const gatewayArb: fc.Arbitrary<GatewaySpec> = fc.record({
  namespace: dnsLabel,
  routing: fc.constantFrom(...Object.values(RoutingStrategy)),
  numRetries: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  timeout: fc.option(seconds(1, 600), { nil: undefined }),
  requestTimeout: fc.option(seconds(1, 3600), { nil: undefined }),
  workers: fc.integer({ min: 1, max: 8 }),
  redis: fc.boolean(),
  database: fc.boolean(),
  pools: fc.uniqueArray(poolArb, { minLength: 1, maxLength: 3, selector: p => p.id }),
}).filter(g => new Set(g.pools.map(p => p.served)).size === g.pools.length)
  .map(g => ({
    namespace: g.namespace,
    proxy: {
      masterKey: { secretName: 'litellm', key: 'master-key' },
      router: { routingStrategy: g.routing, numRetries: g.numRetries, timeout: g.timeout },
      requestTimeout: g.requestTimeout,
      numWorkers: g.workers,
      redis: g.redis ? { host: 'redis.redis.svc.cluster.local', password: { secretName: 'redis', key: 'password' } } : undefined,
      cache: g.redis ? { ttl: Duration.hours(1) } : undefined,
      database: g.database ? { url: { secretName: 'pg', key: 'uri' } } : undefined,
    },
    pools: g.pools.map(p => ({
      id: p.id,
      // Autoscaling reads the pool's series by the label its PodMonitor adds: no autoscaler without one.
      monitor: p.monitor || p.autoscale,
      autoscale: p.autoscale,
      props: {
        model: `org/${p.served}`,
        servedModelName: p.served,
        ...p.accel(),
        maxModelLoadTime: Duration.minutes(p.maxLoad),
        modelCache: p.cache === 'emptyDir' ? ModelCache.emptyDir()
          : p.cache === 'newClaim' ? ModelCache.newClaim({ size: Size.gibibytes(50) }) : ModelCache.existingClaim('models'),
        ...(p.maxModelLen ? { engine: { ...(p.accel().engine ?? {}), maxModelLenTokens: p.maxModelLen } } : {}),
      },
    })),
  }));

/** Builds and synthesizes a gateway; `mutate` may replace any prop before construction. */
function build(spec: GatewaySpec, mutate: (target: string, props: Record<string, any>) => void = () => undefined): Manifest[] {
  const app = Testing.app();
  const chartProps: Record<string, any> = { namespace: spec.namespace };
  mutate('chart', chartProps);
  const chart = new Chart(app, 'gateway', chartProps);
  const proxyProps: Record<string, any> = structuredCloneProps(spec.proxy);
  mutate('proxy', proxyProps);
  const proxy = new LiteLLMProxy(chart, 'proxy', proxyProps as LiteLLMProxyProps);
  for (const p of spec.pools) {
    const props: Record<string, any> = structuredCloneProps(p.props);
    mutate('pool', props);
    const pool = new VllmPool(chart, p.id, props as VllmPoolProps);
    const backend: Record<string, any> = { rpm: 600 };
    mutate('backend', backend);
    proxy.addBackend(pool, backend);
    const discovery: Record<string, any> = { labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER };
    mutate('discovery', discovery);
    if (p.monitor) pool.monitor(discovery as any);
    if (p.autoscale) pool.autoscale({ prometheus: PROMETHEUS, maxReplicas: 4 });
  }
  return Testing.synth(chart);
}

/** A shallow-per-level copy that keeps class instances (Duration, Accelerator ...) as they are. */
function structuredCloneProps<T extends object>(props: T): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(props)) {
    out[k] = v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype ? structuredCloneProps(v) : v;
  }
  return out;
}

function setPath(obj: Record<string, any>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = obj;
  for (const k of keys.slice(0, -1)) {
    if (at[k] === undefined || at[k] === null || typeof at[k] !== 'object') at[k] = {};
    at = at[k];
  }
  at[keys[keys.length - 1]] = value;
}

describe('random valid gateways', () => {
  test.prop([gatewayArb], { seed: SEED, numRuns: RUNS })('synthesize strictly valid manifests with readable names', (spec) => {
    const manifests = build(spec);
    expect(validateManifests(manifests)).toEqual([]);
    for (const m of manifests) {
      // No construct-path hash (cdk8s's 8-hex suffix) in any name.
      expect(m.metadata.name).not.toMatch(/-c8[0-9a-f]{6}$/);
    }
  });
});

// -----------------------------------------------------------------------------------------
// Hostile values

const HOSTILE_NUMBERS = [NaN, Infinity, -Infinity, -1, 0, 0.5, 1e21, Number.MAX_SAFE_INTEGER + 2];
const HOSTILE_STRINGS = ['', ' ', '   \t', 'UPPER', 'ünïcödé', 'a: b', '"', '\'', '{{x}}', 'a\nb', 'x'.repeat(300), '$(VAR)', 'os.environ/SECRET', '#x', '- a'];
const HOSTILE_DURATIONS = [Duration.millis(1500), Duration.seconds(0.5), Duration.millis(999), Duration.minutes(1e-9), Duration.seconds(NaN), Duration.seconds(Infinity)];
const HOSTILE_SIZES = [Size.mebibytes(NaN), Size.mebibytes(Infinity), Size.mebibytes(0.5), Size.kibibytes(1)];
const WRONG_TYPES = [undefined, null, 42, 'text', true, {}, [], () => 1];

type Kind = 'number' | 'string' | 'duration' | 'size' | 'any';

/** Props a user sets, by the object they belong to, with their kind. */
const TARGETS: Array<[target: string, path: string, kind: Kind]> = [
  ['chart', 'namespace', 'string'],
  ['proxy', 'name', 'string'],
  ['proxy', 'serviceName', 'string'],
  ['proxy', 'port', 'number'],
  ['proxy', 'image', 'string'],
  ['proxy', 'user', 'any'],
  ['proxy', 'network', 'any'],
  ['proxy', 'network.allowFrom', 'any'],
  ['proxy', 'metricsAuth', 'any'],
  ['proxy', 'masterKey', 'any'],
  ['proxy', 'masterKey.secretName', 'string'],
  ['proxy', 'masterKey.key', 'string'],
  ['proxy', 'requestTimeout', 'duration'],
  ['proxy', 'drainDelay', 'duration'],
  ['proxy', 'numWorkers', 'number'],
  ['proxy', 'replicas', 'number'],
  ['proxy', 'maxUnavailable', 'number'],
  ['proxy', 'router.timeout', 'duration'],
  ['proxy', 'router.cooldownTime', 'duration'],
  ['proxy', 'router.numRetries', 'number'],
  ['proxy', 'router.allowedFails', 'number'],
  ['proxy', 'router.routingStrategy', 'string'],
  ['proxy', 'slo.errorRatio', 'number'],
  ['pool', 'name', 'string'],
  ['pool', 'vllmVersion', 'string'],
  ['pool', 'user', 'any'],
  ['pool', 'network', 'any'],
  ['pool', 'engine', 'any'],
  ['pool', 'engine.extraArgs', 'any'],
  ['pool', 'engine.tensorParallelSize', 'number'],
  ['pool', 'model', 'string'],
  ['pool', 'servedModelName', 'string'],
  ['pool', 'revision', 'string'],
  ['pool', 'accelerator', 'any'],
  ['pool', 'image', 'string'],
  ['pool', 'maxModelLoadTime', 'duration'],
  ['pool', 'maxRequestDuration', 'duration'],
  ['pool', 'drainDelay', 'duration'],
  ['pool', 'shmSize', 'size'],
  ['pool', 'resources.memory', 'size'],
  ['pool', 'replicas', 'number'],
  ['pool', 'maxUnavailable', 'number'],
  ['pool', 'serviceName', 'string'],
  ['pool', 'serviceType', 'any'],
  ['pool', 'servicePort', 'number'],
  ['pool', 'modelCache', 'any'],
  ['pool', 'slo.ttftP95', 'duration'],
  ['pool', 'slo.e2eLatencyP99', 'duration'],
  ['pool', 'slo.queuePerReplica', 'number'],
  ['pool', 'engine.maxModelLenTokens', 'number'],
  ['pool', 'engine.gpuMemoryUtilization', 'number'],
  ['pool', 'engine.maxNumSeqs', 'number'],
  ['backend', 'rpm', 'number'],
  ['backend', 'tpm', 'number'],
  ['backend', 'timeout', 'duration'],
  ['backend', 'modelName', 'string'],
  ['backend', 'maxParallelRequests', 'number'],
  ['discovery', 'interval', 'duration'],
  ['discovery', 'labels', 'any'],
];

function valuesFor(kind: Kind): unknown[] {
  switch (kind) {
    case 'number': return [...HOSTILE_NUMBERS, ...WRONG_TYPES];
    case 'string': return [...HOSTILE_STRINGS, ...WRONG_TYPES];
    case 'duration': return [...HOSTILE_DURATIONS, ...WRONG_TYPES];
    case 'size': return [...HOSTILE_SIZES, ...WRONG_TYPES];
    default: return WRONG_TYPES;
  }
}

const hostileArb = fc.constantFrom(...TARGETS).chain(([target, path, kind]) =>
  fc.constantFrom(...valuesFor(kind)).map(value => ({ target, path, value })));

describe('random hostile values', () => {
  test.prop([gatewayArb, hostileArb], { seed: SEED, numRuns: RUNS * 2 })(
    'end in an Error naming the prop, or in strictly valid manifests', (spec, hostile) => {
      let manifests: Manifest[] | undefined;
      try {
        manifests = build(spec, (target, props) => {
          if (target === hostile.target) setPath(props, hostile.path, hostile.value);
        });
      } catch (e) {
        const error = e as Error;
        // The library's own Error, never a TypeError / RangeError from deep inside it.
        expect(error.constructor).toBe(Error);
        // The library's format ('<prop>' (<value>) <rule>), naming the prop somewhere: in the
        // quoted path, or in the rule when another object refuses it (an autoscaled pool
        // refuses a fixed 'replicas').
        const leaf = hostile.path.split('.').pop()!;
        expect(error.message).toMatch(/^(Validation failed with the following errors:\n\s+\[[^\]]+\] )?'[^']+' \(/);
        expect(error.message).toContain(leaf);
        return;
      }
      expect(validateManifests(manifests)).toEqual([]);
    });
});
