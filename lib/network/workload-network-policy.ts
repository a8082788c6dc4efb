import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { NetworkPeer, NetworkPeerKind, requireNetworkPeer } from './network-peer';
import { namespaceOf, claimName } from '../core/_naming';
import { invalid, requirePort } from '../core/_validation';

/** A port a rule admits. */
export interface NetworkPort {
  /** The port number. */
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/** One admitted flow, as the policy renders it. */
export interface NetworkRule {
  /** The peer. */
  readonly peer: NetworkPeer;
  /** The ports. */
  readonly ports: readonly NetworkPort[];
  /** Why the flow exists (shown in errors and docs), e.g. `proxy 'litellm' routes to it`. */
  readonly reason: string;
}

/** Props of `WorkloadNetworkPolicy`. */
export interface WorkloadNetworkPolicyProps {
  /** The object name (the workload's name: one policy per workload). */
  readonly name: string;
  /**
   * The labels of the pods the policy applies to: the workload's own selector labels (never
   * empty: an empty selector would apply the policy to every pod of the namespace).
   */
  readonly podLabels: Record<string, string>;
  /** Labels of the NetworkPolicy object. */
  readonly labels?: Record<string, string>;
  /**
   * Restrict egress too: the pods reach only DNS and what `allowTo()` names.
   * @default false (ingress only)
   */
  readonly restrictEgress?: boolean;
}

/**
 * A NetworkPolicy (`networking.k8s.io/v1`) for one workload of the library: ingress is denied
 * except from the peers added with `allowFrom()`, each on named ports; with
 * `restrictEgress`, egress is denied except to cluster DNS and the peers of `allowTo()`.
 * Rules can be added until synth (a proxy that routes to a pool adds itself when the pool
 * becomes its backend), and equal rules are rendered once.
 *
 * @example
 * const policy = new WorkloadNetworkPolicy(this, 'NetworkPolicy', { name: 'llama', podLabels: deployment.matchLabels });
 * policy.allowFrom(NetworkPeer.pods('litellm', { 'app.kubernetes.io/name': 'litellm' }), [{ port: 8000 }], 'proxy litellm routes to it');
 */
export class WorkloadNetworkPolicy extends Construct {
  /** The NetworkPolicy. */
  public readonly resource: kplus.NetworkPolicy;
  private readonly ingress = new Map<string, NetworkRule>();
  private readonly egress = new Map<string, NetworkRule>();
  private readonly restrictEgress: boolean;

  public constructor(scope: Construct, id: string, props: WorkloadNetworkPolicyProps) {
    super(scope, id);
    this.restrictEgress = props.restrictEgress ?? false;
    if (!props.podLabels || Object.keys(props.podLabels).length === 0) {
      throw invalid('podLabels', props.podLabels, `must select the workload's pods: an empty selector would apply NetworkPolicy '${props.name}' to every pod of the namespace`);
    }
    this.resource = new kplus.NetworkPolicy(this, 'Resource', {
      metadata: { name: claimName(this, 'NetworkPolicy', props.name, namespaceOf(this)), labels: props.labels },
      // The workload's own selector labels, never cdk8s-plus's path-hashed address label.
      selector: kplus.Pods.select(this, 'Pods', { labels: { ...props.podLabels } }),
      ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
      egress: this.restrictEgress ? { default: kplus.NetworkPolicyTrafficDefault.DENY } : undefined,
    });
    if (this.restrictEgress) {
      // Cluster DNS: CoreDNS / kube-dns pods in kube-system carry `k8s-app: kube-dns`
      // (kubernetes/kubernetes cluster/addons/dns/coredns, kubeadm's CoreDNS Deployment).
      this.allowTo(NetworkPeer.pods('kube-system', { 'k8s-app': 'kube-dns' }), [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], 'cluster DNS');
    }
  }

  /** The admitted ingress flows. */
  public get ingressRules(): NetworkRule[] {
    return [...this.ingress.values()];
  }

  /** The admitted egress flows (empty unless egress is restricted). */
  public get egressRules(): NetworkRule[] {
    return [...this.egress.values()];
  }

  /** Admits traffic from a peer on some ports. */
  public allowFrom(peer: NetworkPeer, ports: NetworkPort[], reason: string): void {
    this.add(this.ingress, 'allowFrom', peer, ports, reason, (p, k) => this.resource.addIngressRule(p, k));
  }

  /** Admits traffic to a peer on some ports (only meaningful with `restrictEgress`). */
  public allowTo(peer: NetworkPeer, ports: NetworkPort[], reason: string): void {
    if (!this.restrictEgress) return;
    this.add(this.egress, 'allowTo', peer, ports, reason, (p, k) => this.resource.addEgressRule(p, k));
  }

  private add(rules: Map<string, NetworkRule>, prop: string, peer: NetworkPeer, ports: NetworkPort[], reason: string,
    render: (peer: kplus.INetworkPolicyPeer, ports: kplus.NetworkPolicyPort[]) => void): void {
    requireNetworkPeer(`${prop}.peer`, peer);
    if (!Array.isArray(ports) || ports.length === 0) throw invalid(`${prop}.ports`, ports, 'must name at least one port');
    ports.forEach((p, i) => {
      requirePort(`${prop}.ports[${i}].port`, p.port);
      if (p.protocol !== undefined && p.protocol !== 'TCP' && p.protocol !== 'UDP') {
        throw invalid(`${prop}.ports[${i}].protocol`, p.protocol, 'must be \'TCP\' or \'UDP\'');
      }
    });
    const key = `${peer.key} ${ports.map(p => `${p.protocol ?? 'TCP'}/${p.port}`).sort().join(',')}`;
    if (rules.has(key)) return;
    rules.set(key, { peer, ports: ports.map(p => ({ port: p.port, protocol: p.protocol ?? 'TCP' })), reason });
    const id = `${prop === 'allowFrom' ? 'From' : 'To'}${rules.size}`;
    render(this.toKplusPeer(id, peer), ports.map(p => (p.protocol === 'UDP' ? kplus.NetworkPolicyPort.udp(p.port) : kplus.NetworkPolicyPort.tcp(p.port))));
  }

  private toKplusPeer(id: string, peer: NetworkPeer): kplus.INetworkPolicyPeer {
    switch (peer.kind) {
      case NetworkPeerKind.NAMESPACE:
        return kplus.Namespaces.select(this, id, { names: [peer.namespace!] });
      case NetworkPeerKind.PODS:
        return kplus.Pods.select(this, id, {
          labels: { ...peer.labels },
          namespaces: kplus.Namespaces.select(this, `${id}Namespace`, { names: [peer.namespace!] }),
        });
      default:
        return peer.cidr!.includes(':')
          ? kplus.NetworkPolicyIpBlock.ipv6(this, id, peer.cidr!, peer.except?.length ? [...peer.except] : undefined)
          : kplus.NetworkPolicyIpBlock.ipv4(this, id, peer.cidr!, peer.except?.length ? [...peer.except] : undefined);
    }
  }
}
