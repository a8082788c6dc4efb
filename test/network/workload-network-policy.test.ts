import * as kplus from 'cdk8s-plus-28';
import { NetworkPeer } from '../../lib/network/network-peer';
import { WorkloadNetworkPolicy } from '../../lib/network/workload-network-policy';
import { synth, testChart, oneOfKind } from '../util/synth';
import { expectValidManifests } from '../util/validate';

function setup(restrictEgress = false) {
  const chart = testChart('llm');
  const workload = new kplus.Deployment(chart, 'llama', {
    select: false,
    podMetadata: { labels: { app: 'llama' } },
    containers: [{ image: 'vllm/vllm-openai:v0.26.0', portNumber: 8000 }],
  });
  workload.select(kplus.LabelSelector.of({ labels: { app: 'llama' } }));
  const policy = new WorkloadNetworkPolicy(chart, 'Policy', { name: 'llama', podLabels: workload.matchLabels, restrictEgress });
  return { chart, policy };
}

describe('WorkloadNetworkPolicy', () => {
  test('denies all ingress by default and selects the workload\'s pods', () => {
    const { chart } = setup();
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const np = oneOfKind(manifests, 'NetworkPolicy');
    expect(np.metadata).toMatchObject({ name: 'llama', namespace: 'llm' });
    expect(np.spec.podSelector).toEqual({ matchLabels: { app: 'llama' } });
    expect(np.spec.policyTypes).toEqual(['Ingress']);
    expect(np.spec.ingress).toBeUndefined();
  });

  test('admits each peer on its ports, once', () => {
    const { chart, policy } = setup();
    const proxy = NetworkPeer.pods('litellm', { 'app.kubernetes.io/name': 'litellm' });
    policy.allowFrom(proxy, [{ port: 8000 }], 'proxy routes to it');
    policy.allowFrom(NetworkPeer.pods('litellm', { 'app.kubernetes.io/name': 'litellm' }), [{ port: 8000 }], 'again, for a second group');
    policy.allowFrom(NetworkPeer.namespace('monitoring'), [{ port: 8000 }], 'Prometheus scrapes it');
    const np = oneOfKind(synth(chart), 'NetworkPolicy');
    expect(np.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'litellm' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'litellm' } } }],
        ports: [{ port: 8000, protocol: 'TCP' }],
      },
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: {} }],
        ports: [{ port: 8000, protocol: 'TCP' }],
      },
    ]);
    expect(policy.ingressRules.map(r => r.reason)).toEqual(['proxy routes to it', 'Prometheus scrapes it']);
  });

  test('ip blocks, v4 and v6', () => {
    const { chart, policy } = setup();
    policy.allowFrom(NetworkPeer.ipBlock('10.0.0.0/16', ['10.0.1.0/24']), [{ port: 4000 }], 'load balancer');
    policy.allowFrom(NetworkPeer.ipBlock('fd00::/8'), [{ port: 4000 }], 'v6');
    const np = oneOfKind(synth(chart), 'NetworkPolicy');
    expect(np.spec.ingress.map((r: any) => r.from[0].ipBlock)).toEqual([{ cidr: '10.0.0.0/16', except: ['10.0.1.0/24'] }, { cidr: 'fd00::/8' }]);
  });

  test('restricted egress admits cluster DNS and the named peers only', () => {
    const { chart, policy } = setup(true);
    policy.allowTo(NetworkPeer.anywhere(), [{ port: 443 }], 'Hugging Face');
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const np = oneOfKind(manifests, 'NetworkPolicy');
    expect([...np.spec.policyTypes].sort()).toEqual(['Egress', 'Ingress']);
    expect(np.spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
      },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443, protocol: 'TCP' }] },
    ]);
  });

  test('egress rules are ignored while egress is open', () => {
    const { chart, policy } = setup(false);
    policy.allowTo(NetworkPeer.anywhere(), [{ port: 443 }], 'Hugging Face');
    expect(policy.egressRules).toEqual([]);
    expect(oneOfKind(synth(chart), 'NetworkPolicy').spec.egress).toBeUndefined();
  });

  test('bad rules name the prop', () => {
    const { policy } = setup();
    expect(() => policy.allowFrom('monitoring' as any, [{ port: 8000 }], 'x')).toThrow('\'allowFrom.peer\' ("monitoring") must be a NetworkPeer: NetworkPeer.namespace(), .pods(), .ipBlock() or .anywhere()');
    expect(() => policy.allowFrom(NetworkPeer.namespace('a'), [], 'x')).toThrow('\'allowFrom.ports\' ([]) must name at least one port');
    expect(() => policy.allowFrom(NetworkPeer.namespace('a'), [{ port: 70000 }], 'x')).toThrow('\'allowFrom.ports[0].port\' (70000) must be a port number from 1 to 65535');
    expect(() => policy.allowFrom(NetworkPeer.namespace('a'), [{ port: 80, protocol: 'SCTP' as any }], 'x')).toThrow('\'allowFrom.ports[0].protocol\' ("SCTP") must be \'TCP\' or \'UDP\'');
  });

  test('an empty pod selector is refused: it would select every pod of the namespace', () => {
    const chart = testChart('llm');
    expect(() => new WorkloadNetworkPolicy(chart, 'P', { name: 'x', podLabels: {} })).toThrow(new Error(
      '\'podLabels\' ({}) must select the workload\'s pods: an empty selector would apply NetworkPolicy \'x\' to every pod of the namespace'));
  });

  test('two policies with one name clash, naming both constructs', () => {
    const { chart } = setup();
    expect(() => new WorkloadNetworkPolicy(chart, 'Other', { name: 'llama', podLabels: { app: 'other' } }))
      .toThrow('\'name\' ("llama") names a NetworkPolicy in namespace "llm" that \'test/Policy\' already renders: \'test/Other\' would overwrite it on apply; give one of them another name');
  });
});
