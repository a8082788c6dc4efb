import { invalid, requireDnsLabel, requireLabelKey, requireLabelValue } from '../core/_validation';

/** What a `NetworkPeer` selects. */
export enum NetworkPeerKind {
  /** Pods with some labels in one namespace. */
  PODS = 'pods',
  /** Every pod of one namespace. */
  NAMESPACE = 'namespace',
  /** Addresses in a CIDR block (load balancers, nodes, external services). */
  IP_BLOCK = 'ip-block',
}

const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*\/(12[0-8]|1[01]\d|[1-9]?\d)$/;

/**
 * Who may talk to a workload (or whom it may talk to), for the NetworkPolicies the library
 * renders. vLLM's `--api-key` guards only `/v1`, `/v2` and `/inference`; `/invocations` and
 * `/metrics` stay open (FACTS §A.3), so a NetworkPolicy is the real gate in front of a pool.
 *
 * Namespaces are selected by the `kubernetes.io/metadata.name` label every namespace carries
 * (Kubernetes ≥ 1.22, NamespaceDefaultLabelName).
 *
 * @example NetworkPeer.namespace('ingress-nginx')
 * @example NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' })
 */
export class NetworkPeer {
  /** Every pod of a namespace, e.g. the ingress controller's. */
  public static namespace(name: string): NetworkPeer {
    requireDnsLabel('peer.namespace', name);
    return new NetworkPeer(NetworkPeerKind.NAMESPACE, name, undefined, undefined, undefined);
  }

  /** The pods with these labels in a namespace, e.g. Prometheus. */
  public static pods(namespace: string, labels: Record<string, string>): NetworkPeer {
    requireDnsLabel('peer.namespace', namespace);
    if (!labels || typeof labels !== 'object' || Object.keys(labels).length === 0) {
      throw invalid('peer.labels', labels, `must name at least one pod label: use NetworkPeer.namespace('${namespace}') for every pod of the namespace`);
    }
    for (const [key, value] of Object.entries(labels)) {
      requireLabelKey('peer.labels', key);
      requireLabelValue(`peer.labels.${key}`, value);
    }
    return new NetworkPeer(NetworkPeerKind.PODS, namespace, { ...labels }, undefined, undefined);
  }

  /** Addresses in a CIDR block, minus `except`, e.g. a load balancer's subnet. */
  public static ipBlock(cidr: string, except: string[] = []): NetworkPeer {
    requireCidr('peer.cidr', cidr);
    except.forEach((e, i) => requireCidr(`peer.except[${i}]`, e));
    return new NetworkPeer(NetworkPeerKind.IP_BLOCK, undefined, undefined, cidr, [...except]);
  }

  /** Any IPv4 address: opens the workload to every source (e.g. behind a public load balancer). */
  public static anywhere(): NetworkPeer {
    return NetworkPeer.ipBlock('0.0.0.0/0');
  }

  private constructor(
    /** What the peer selects. */
    public readonly kind: NetworkPeerKind,
    /** The namespace (pods and namespace peers). */
    public readonly namespace: string | undefined,
    /** Pod labels (pods peers). */
    public readonly labels: Readonly<Record<string, string>> | undefined,
    /** The CIDR block (ip-block peers). */
    public readonly cidr: string | undefined,
    /** CIDRs excluded from the block. */
    public readonly except: readonly string[] | undefined,
  ) {}

  /** A stable text form, e.g. `pods litellm/{app.kubernetes.io/name=litellm}`: equal peers have equal keys. */
  public get key(): string {
    switch (this.kind) {
      case NetworkPeerKind.NAMESPACE: return `namespace ${this.namespace}`;
      case NetworkPeerKind.PODS: return `pods ${this.namespace}/{${Object.entries(this.labels ?? {}).sort().map(([k, v]) => `${k}=${v}`).join(',')}}`;
      default: return `ip-block ${this.cidr}${this.except?.length ? ` except ${this.except.join(',')}` : ''}`;
    }
  }
}

/** Validates a NetworkPeer received from plain JavaScript. @internal */
export function requireNetworkPeer(prop: string, peer: unknown): NetworkPeer {
  if (!(peer instanceof NetworkPeer)) {
    throw invalid(prop, peer, 'must be a NetworkPeer: NetworkPeer.namespace(), .pods(), .ipBlock() or .anywhere()');
  }
  return peer;
}

function requireCidr(prop: string, cidr: string): void {
  if (typeof cidr !== 'string' || !(IPV4_CIDR.test(cidr) || IPV6_CIDR.test(cidr))) {
    throw invalid(prop, cidr, 'must be an IPv4 or IPv6 CIDR block, e.g. \'10.0.0.0/16\'');
  }
}
