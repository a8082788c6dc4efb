import { App, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { Accelerator, LiteLLMProxy, PodUser, VllmPool } from '../../lib';
import { baseName, claimName } from '../../lib/core/_naming';
import { requireChartNamespace } from '../../lib/core/_namespace';
import { hardenedContainer, hardenedPod } from '../../lib/core/_security';
import { synth } from '../util/synth';

describe('baseName', () => {
  test('the user\'s name, else the construct id', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    expect(baseName(new Construct(chart, 'llama-3-1-8b'), 'name', undefined)).toBe('llama-3-1-8b');
    expect(baseName(new Construct(chart, 'Llama'), 'name', 'llama')).toBe('llama');
  });

  test('an id or name that is no DNS-1035 label is refused, pointing at the prop', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    expect(() => baseName(new Construct(chart, 'LlamaPool'), 'name', undefined)).toThrow(new Error(
      '\'name\' ("LlamaPool") must be a DNS-1035 label (at most 63 lower-case alphanumerics or \'-\', starting with a letter and ending with an alphanumeric): object names come from the construct id of \'c/LlamaPool\'; set \'name\' to a name like \'llama-3-1-8b\''));
    expect(() => baseName(new Construct(chart, 'x'), 'name', '8b')).toThrow('\'name\' ("8b") must be a DNS-1035 label');
  });
});

describe('claimName', () => {
  test('one name per kind and namespace per App; other kinds, namespaces and Apps are free', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a', { namespace: 'llm' });
    const b = new Chart(app, 'b', { namespace: 'other' });
    claimName(new Construct(a, 'x'), 'Deployment', 'llama', 'llm');
    claimName(new Construct(a, 'y'), 'Service', 'llama', 'llm');
    claimName(new Construct(b, 'z'), 'Deployment', 'llama', 'other');
    claimName(new Construct(new Chart(Testing.app(), 'c'), 'w'), 'Deployment', 'llama', 'llm');
    expect(() => claimName(new Construct(a, 'v'), 'Deployment', 'llama', 'llm')).toThrow(new Error(
      '\'name\' ("llama") names a Deployment in namespace "llm" that \'a/x\' already renders: \'a/v\' would overwrite it on apply; give one of them another name'));
    claimName(new Construct(a, 'r'), 'ClusterRole', 'reader', null);
    expect(() => claimName(new Construct(b, 's'), 'ClusterRole', 'reader', null)).toThrow('names a ClusterRole cluster-wide that \'a/r\' already renders');
  });

  test('two pools with one serviceName: the clash names both constructs', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    new VllmPool(chart, 'a', { model: 'org/a', accelerator: Accelerator.nvidiaGpu(1), serviceName: 'shared' });
    expect(() => new VllmPool(chart, 'b', { model: 'org/b', accelerator: Accelerator.nvidiaGpu(1), serviceName: 'shared' })).toThrow(new Error(
      '\'serviceName\' ("shared") names a Service in namespace "llm" that \'c/a\' already renders: \'c/b\' would overwrite it on apply; give one of them another name'));
  });

  test('names stay put when the construct tree is refactored', () => {
    const names = (nested: boolean) => {
      const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
      const scope = nested ? new Construct(new Construct(chart, 'team'), 'gateway') : chart;
      const proxy = new LiteLLMProxy(scope, 'proxy', { masterKey: { secretName: 'm', key: 'k' } });
      proxy.addBackend(new VllmPool(scope, 'llama', { model: 'org/llama', accelerator: Accelerator.nvidiaGpu(1) }));
      return synth(chart).map(m => `${m.kind}/${m.metadata.name}/${JSON.stringify(m.spec?.selector ?? {})}`).sort();
    };
    expect(names(true)).toEqual(names(false));
  });
});

describe('Chart namespaces', () => {
  test.each([['a=b'], ['"'], ['x'.repeat(254)], ['UPPER'], ['-a']])('%s is refused with the rule', (ns) => {
    const chart = new Chart(new App(), 'c', { namespace: ns });
    expect(() => requireChartNamespace(chart, 'VllmPool')).toThrow(new Error(
      `'Chart.namespace' (${JSON.stringify(ns)}) must be a DNS-1123 label: at most 63 lower-case alphanumerics or '-', starting and ending with an alphanumeric`));
  });

  test('a pool in a chart whose namespace is no DNS label fails at construction, naming Chart.namespace', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'a=b' });
    expect(() => new VllmPool(chart, 'llama', { model: 'org/llama', accelerator: Accelerator.nvidiaGpu(1) })).toThrow('\'Chart.namespace\' ("a=b") must be a DNS-1123 label');
  });
});

describe('PodUser', () => {
  test('fixed: uid, gid and fsGroup pinned; root only when asked for', () => {
    expect(hardenedPod(PodUser.fixed(1000))).toEqual({ ensureNonRoot: true, user: 1000, group: 1000, fsGroup: 1000 });
    expect(hardenedContainer(PodUser.fixed(1000))).toMatchObject({ ensureNonRoot: true, user: 1000, group: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(hardenedPod(PodUser.fixed(0))).toMatchObject({ ensureNonRoot: false, user: 0 });
  });

  test('platform-assigned: no uid, gid or fsGroup, still non-root and read-only', () => {
    expect(hardenedPod(PodUser.platformAssigned())).toEqual({ ensureNonRoot: true, user: undefined, group: undefined, fsGroup: undefined });
    expect(hardenedContainer(PodUser.platformAssigned())).toMatchObject({ ensureNonRoot: true, user: undefined, readOnlyRootFilesystem: true });
  });

  test('a pool under platform-assigned uids renders no runAsUser, runAsGroup or fsGroup anywhere', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    new VllmPool(chart, 'llama', { model: 'org/llama', accelerator: Accelerator.nvidiaGpu(1), user: PodUser.platformAssigned() });
    const text = JSON.stringify(synth(chart));
    for (const field of ['"runAsUser"', '"runAsGroup"', '"fsGroup"']) expect(text).not.toContain(field);
    expect(text).toContain('"runAsNonRoot":true');
  });

  test('bad uids name the prop', () => {
    expect(() => PodUser.fixed(-1)).toThrow(new Error('\'user\' (-1) must be a uid: a whole number from 0 to 2147483647'));
    expect(() => PodUser.fixed(1.5)).toThrow('\'user\' (1.5) must be a uid');
    expect(() => PodUser.fixed(NaN)).toThrow('\'user\' (NaN) must be a uid');
  });
});
