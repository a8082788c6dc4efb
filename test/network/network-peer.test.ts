import { NetworkPeer, NetworkPeerKind } from '../../lib/network/network-peer';

describe('NetworkPeer', () => {
  test('namespace, pods and ip blocks keep what they select', () => {
    expect(NetworkPeer.namespace('ingress-nginx')).toMatchObject({ kind: NetworkPeerKind.NAMESPACE, namespace: 'ingress-nginx' });
    expect(NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' })).toMatchObject({
      kind: NetworkPeerKind.PODS, namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' },
    });
    expect(NetworkPeer.ipBlock('10.0.0.0/16', ['10.0.5.0/24'])).toMatchObject({ kind: NetworkPeerKind.IP_BLOCK, cidr: '10.0.0.0/16', except: ['10.0.5.0/24'] });
    expect(NetworkPeer.ipBlock('fd00::/8').cidr).toBe('fd00::/8');
    expect(NetworkPeer.anywhere().cidr).toBe('0.0.0.0/0');
  });

  test('equal peers have equal keys, label order aside', () => {
    expect(NetworkPeer.pods('a', { x: '1', y: '2' }).key).toBe(NetworkPeer.pods('a', { y: '2', x: '1' }).key);
    expect(NetworkPeer.pods('a', { x: '1' }).key).not.toBe(NetworkPeer.pods('b', { x: '1' }).key);
    expect(NetworkPeer.namespace('a').key).toBe('namespace a');
  });

  test('bad input names the prop', () => {
    expect(() => NetworkPeer.namespace('Bad_NS')).toThrow('\'peer.namespace\' ("Bad_NS") must be a DNS-1123 label');
    expect(() => NetworkPeer.pods('monitoring', {})).toThrow('\'peer.labels\' ({}) must name at least one pod label: use NetworkPeer.namespace(\'monitoring\') for every pod of the namespace');
    expect(() => NetworkPeer.pods('monitoring', { app: 'a b' })).toThrow('\'peer.labels.app\' ("a b") must be a valid Kubernetes label value');
    expect(() => NetworkPeer.ipBlock('10.0.0.0')).toThrow('\'peer.cidr\' ("10.0.0.0") must be an IPv4 or IPv6 CIDR block, e.g. \'10.0.0.0/16\'');
    expect(() => NetworkPeer.ipBlock('300.0.0.0/8')).toThrow('\'peer.cidr\' ("300.0.0.0/8") must be an IPv4 or IPv6 CIDR block');
    expect(() => NetworkPeer.ipBlock('10.0.0.0/8', ['x'])).toThrow('\'peer.except[0]\' ("x") must be an IPv4 or IPv6 CIDR block');
  });
});
