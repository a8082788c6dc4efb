import { Chart, Testing } from 'cdk8s';
import { LiteLLMProxy, LiteLLMProxyProps, MigrationsBy, NetworkPeer } from '../../lib';
import { Construct } from 'constructs';
import { containerOf, Manifest, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const MASTER_KEY = { secretName: 'litellm', key: 'master-key' };
const DATABASE = { url: { secretName: 'pg-app', key: 'uri' } };
const LLAMA = { modelName: 'llama', model: 'hosted_vllm/llama', apiBase: 'http://llama.llm.svc.cluster.local:8000/v1' };

function make(props: Partial<LiteLLMProxyProps>, chart: Chart = testChart()): LiteLLMProxy {
  const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY, ...props });
  proxy.addModel(LLAMA);
  return proxy;
}

describe('the version of the image', () => {
  test.each([
    ['ghcr.io/berriai/litellm-database:v1.93.0', '1.93.0'],
    ['ghcr.io/berriai/litellm-database:1.94.2', '1.94.2'],
    ['ghcr.io/berriai/litellm:v1.92.1', '1.92.1'],
    ['ghcr.io/berriai/litellm:v1.91.4', '1.91.4'],
    ['ghcr.io/berriai/litellm-database:1.90.6', '1.90.6'],
    ['ghcr.io/berriai/litellm-database:1.90.6.post1', '1.90.6'],
    ['ghcr.io/berriai/litellm-database:v1.95.0rc1', '1.95.0'],
    ['ghcr.io/berriai/litellm-non_root:main-v1.83.7-stable', '1.83.7'],
    [`ghcr.io/berriai/litellm-database:v1.93.0@sha256:${'a'.repeat(64)}`, '1.93.0'],
    ['registry.local:5000/team/litellm:v1.96.1-patched', '1.96.1'],
  ])('%s is LiteLLM %s', (image, version) => {
    const proxy = make({ image });
    expect(proxy.version).toBe(version);
    const manifests = synth(Chart.of(proxy));
    expectValidManifests(manifests);
    expect(containerOf(oneOfKind(manifests, 'Deployment'), 'litellm').image).toBe(image);
  });

  test('a custom image whose tag names no release needs a declared version', () => {
    expect(() => make({ image: 'registry.local/litellm:custom' })).toThrow(new Error(
      "'version' (undefined) is required for image \"registry.local/litellm:custom\": its tag names no LiteLLM release, and the proxy gates config keys and hardening on the version (set e.g. version: '1.93.0')"));
    expect(() => make({ image: `registry.local/litellm@sha256:${'b'.repeat(64)}` })).toThrow("'version' (undefined) is required for image");
    expect(make({ image: 'registry.local/litellm:custom', version: '1.94.0' }).version).toBe('1.94.0');
  });

  test('a declared version that contradicts the tag, or is malformed', () => {
    expect(() => make({ image: 'ghcr.io/berriai/litellm-database:v1.93.0', version: '1.94.0' })).toThrow(new Error(
      "'version' (\"1.94.0\") contradicts the image tag 'v1.93.0' (LiteLLM 1.93.0): remove 'version' or fix the tag"));
    expect(() => make({ version: '1.93' })).toThrow(new Error("'version' (\"1.93\") must be a LiteLLM release version like '1.93.0' (major.minor.patch)"));
    expect(() => make({ version: 1.93 as any })).toThrow(new Error("'version' (1.93) must be a LiteLLM release version like '1.93.0' (major.minor.patch)"));
  });

  test('floating, unpinned and malformed image references', () => {
    expect(() => make({ image: 'ghcr.io/berriai/litellm-database:main-latest' })).toThrow(new Error(
      "'image' (\"ghcr.io/berriai/litellm-database:main-latest\") has the floating tag 'main-latest': pin a release tag such as 'v1.93.0' so that every replica and the migrations Job run the same code"));
    expect(() => make({ image: 'ghcr.io/berriai/litellm-database' })).toThrow(new Error(
      "'image' (\"ghcr.io/berriai/litellm-database\") must be pinned with a release tag or a digest, e.g. 'ghcr.io/berriai/litellm-database:v1.93.0'"));
    expect(() => make({ image: 'ghcr.io/berriai/litellm database:v1.93.0' })).toThrow(new Error(
      "'image' (\"ghcr.io/berriai/litellm database:v1.93.0\") must be a container image reference without spaces, e.g. 'ghcr.io/berriai/litellm-database:v1.93.0'"));
    expect(() => make({ image: '' })).toThrow("'image' (\"\") must be a container image reference");
    expect(() => make({ image: 42 as any })).toThrow("'image' (42) must be a container image reference");
  });
});

describe('hardened start (non-root, read-only root filesystem)', () => {
  test.each([
    'ghcr.io/berriai/litellm-database:main-v1.83.7-stable',
    'ghcr.io/berriai/litellm-database:v1.89.4',
    'ghcr.io/berriai/litellm:v1.90.5',
    'ghcr.io/berriai/litellm:v1.91.3',
    'ghcr.io/berriai/litellm-database:v1.92.0',
  ])('root-built %s, before PR #33853, is refused', image => {
    const version = /(\d+\.\d+\.\d+)/.exec(image)![1];
    expect(() => make({ image })).toThrow(new Error(
      `'image' (${JSON.stringify(image)}) is LiteLLM ${version}, built as root: it does not start as a non-root user with a read-only root filesystem (Prisma writes into site-packages at run time, BerriAI/litellm issues #13369 and #33650); PR #33853 fixed it in 1.90.6, 1.91.4, 1.92.1 and 1.93.0: pin 'ghcr.io/berriai/litellm-database:v1.93.0' or later`));
  });

  test('the non_root image of 1.90.x to 1.93.x cannot migrate as its user (#34236): refused when it runs migrations', () => {
    const image = 'ghcr.io/berriai/litellm-non_root:v1.92.1';
    const message = "'image' (\"ghcr.io/berriai/litellm-non_root:v1.92.1\") is the non_root image of LiteLLM 1.92.1, which cannot run Prisma migrations as its user (BerriAI/litellm issue #34236, fixed by PR #34325 after v1.93.0): use 'ghcr.io/berriai/litellm-database:v1.93.0', or migrations: MigrationsBy.EXTERNAL";
    expect(() => make({ image, database: DATABASE })).toThrow(new Error(message));
    expect(() => make({ image, database: { ...DATABASE, migrations: MigrationsBy.PROXY } })).toThrow(new Error(message));
    // Nothing migrates in that image: it starts.
    expect(make({ image, database: { ...DATABASE, migrations: MigrationsBy.EXTERNAL } }).version).toBe('1.92.1');
    expect(make({ image }).version).toBe('1.92.1');
  });

  test('the non_root image before 1.90 and from 1.94 runs migrations', () => {
    expect(make({ image: 'ghcr.io/berriai/litellm-non_root:main-v1.83.7-stable', database: DATABASE }).migrations).toBeDefined();
    expect(make({ image: 'ghcr.io/berriai/litellm-non_root:v1.94.0', database: DATABASE }).migrations).toBeDefined();
  });

  test('a custom image is taken at its word', () => {
    expect(make({ image: 'registry.local/litellm:v1.80.0', database: DATABASE }).version).toBe('1.80.0');
  });
});

describe('one App, several proxies', () => {
  test('the same name in two namespaces is fine; in one namespace it clashes, naming both constructs', () => {
    const app = Testing.app();
    make({}, new Chart(app, 'a', { namespace: 'team-a' }));
    make({}, new Chart(app, 'b', { namespace: 'team-b' }));
    const c = new Chart(app, 'c', { namespace: 'team-a' });
    expect(() => new LiteLLMProxy(c, 'proxy', { masterKey: MASTER_KEY })).toThrow(new Error(
      "'name' (\"litellm\") names a Deployment in namespace \"team-a\" that 'a/proxy' already renders: 'c/proxy' would overwrite it on apply; give one of them another name"));
  });

  test('two names with one serviceName clash on the Service', () => {
    const chart = testChart();
    make({ name: 'gw-a', serviceName: 'gateway' }, chart);
    expect(() => new LiteLLMProxy(chart, 'other', { masterKey: MASTER_KEY, name: 'gw-b', serviceName: 'gateway' })).toThrow(new Error(
      "'serviceName' (\"gateway\") names a Service in namespace \"llm\" that 'test/proxy' already renders: 'test/other' would overwrite it on apply; give one of them another name"));
  });

  test('every object name stays put when the construct tree changes', () => {
    const names = (build: (chart: Chart) => void): string[] => {
      const chart = testChart();
      build(chart);
      return synth(chart).map((m: Manifest) => `${m.kind}/${m.metadata.name}`).sort();
    };
    const flat = names(chart => make({ name: 'gateway', database: DATABASE }, chart).monitor({ labels: {}, scraper: NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }) }));
    const nested = names(chart => {
      const p = new LiteLLMProxy(new Construct(new Construct(chart, 'platform'), 'gateways'), 'renamed-id', { masterKey: MASTER_KEY, name: 'gateway', database: DATABASE });
      p.addModel(LLAMA);
      p.monitor({ labels: {}, scraper: NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }) });
    });
    expect(nested).toEqual(flat);
    expect(flat).toEqual([
      'ConfigMap/gateway-config', 'Deployment/gateway', 'Job/gateway-migrations', 'NetworkPolicy/gateway', 'NetworkPolicy/gateway-migrations',
      'PodDisruptionBudget/gateway', 'Service/gateway', 'ServiceMonitor/gateway',
    ]);
  });
});
