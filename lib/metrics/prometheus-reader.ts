import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { baseName, claimName } from '../core/_naming';
import { invalid, requireDnsSubdomain } from '../core/_validation';
import { SecretKeyRef } from '../core/secret-ref';

/** Props of `PrometheusReader`. */
export interface PrometheusReaderProps {
  /**
   * The base name (a DNS-1035 label): ServiceAccount `<name>`, token Secret `<name>-token`,
   * bindings `<name>-<role>` (a ClusterRoleBinding is prefixed with the namespace,
   * `<namespace>-<name>-<role>`, being cluster-wide).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * A ClusterRole granted cluster-wide (ClusterRoleBinding), for a query endpoint that reads
   * every namespace. OpenShift's Thanos querier port 9091 (`web`) authorizes `get namespaces`
   * cluster-wide (openshift/cluster-monitoring-operator
   * assets/thanos-querier/kube-rbac-proxy-web-secret.yaml), which `cluster-monitoring-view`
   * grants.
   * @default - none
   */
  readonly clusterRole?: string;
  /**
   * A ClusterRole granted in the reader's namespace only (RoleBinding).
   * @default - none
   */
  readonly namespaceRole?: string;
  /**
   * Grant exactly what a multi-tenant query endpoint checks for the reader's own namespace:
   * a Role `<name>-tenancy` allowing `get` on `pods` of `metrics.k8s.io`, bound to the
   * ServiceAccount. OpenShift's Thanos querier tenancy port 9092 authorizes a query by the
   * `namespace` parameter against that resource (assets/thanos-querier/kube-rbac-proxy-secret.yaml:
   * `resourceAttributes: {apiVersion: metrics.k8s.io/v1beta1, resource: pods, namespace: <namespace>}`).
   * Least privilege for a KEDA trigger that queries its own namespace.
   * @default false
   */
  readonly tenancy?: boolean;
}

/**
 * The identity a client (prometheus-adapter, a KEDA trigger) presents to a secured
 * Prometheus: a ServiceAccount, a long-lived token Secret for it
 * (`kubernetes.io/service-account-token`: Kubernetes writes the token, the manifest holds no
 * value) and the role bindings the endpoint authorizes by. `token` is the Secret key to hand
 * to `PrometheusAdapter.prometheusAuth.bearerToken` or a KEDA `PrometheusAuth.bearerToken`.
 *
 * A Secret is namespaced: create one reader in each namespace whose clients need the token.
 *
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#manually-create-an-api-token-for-a-serviceaccount
 *
 * @example
 * // OpenShift: read the Thanos querier (9091) across namespaces; tenancy: true for port 9092.
 * const reader = new PrometheusReader(chart, 'thanos-reader', { clusterRole: 'cluster-monitoring-view' });
 * new PrometheusAdapter(chart, 'adapter', {
 *   install: true,
 *   prometheusUrl: 'https://thanos-querier.openshift-monitoring.svc:9091',
 *   prometheusAuth: { bearerToken: reader.token, ca: CaBundle.openShiftServiceCa() },
 * });
 */
export class PrometheusReader extends Construct {
  /** The ServiceAccount. */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** The token Secret's key `token` (written by Kubernetes' token controller). */
  public readonly token: SecretKeyRef;
  /** The base name. */
  public readonly name: string;

  public constructor(scope: Construct, id: string, props: PrometheusReaderProps = {}) {
    super(scope, id);
    const namespace = requireChartNamespace(this, 'PrometheusReader');
    if (props === null || typeof props !== 'object') throw invalid('props', props, 'must be { name?, clusterRole?, namespaceRole? }');
    for (const key of ['clusterRole', 'namespaceRole'] as const) {
      const role = props[key];
      if (role === undefined) continue;
      if (typeof role !== 'string') throw invalid(key, role, 'must be the name of a ClusterRole');
      // ClusterRole names may contain ':' (system:...), which a binding name cannot carry.
      requireDnsSubdomain(key, role.replace(/:/g, '-'));
    }
    if (props.tenancy !== undefined && typeof props.tenancy !== 'boolean') throw invalid('tenancy', props.tenancy, 'must be true or false');
    if (props.clusterRole === undefined && props.namespaceRole === undefined && !props.tenancy) {
      throw invalid('clusterRole', undefined, 'must be set, or \'namespaceRole\' or \'tenancy\': a token with no role is refused by every secured Prometheus (OpenShift: clusterRole \'cluster-monitoring-view\' for the Thanos querier port 9091, tenancy: true for its tenancy port 9092)');
    }
    const name = this.name = baseName(this, 'name', props.name);
    const labels = recommendedLabels('prometheus-reader', name, 'metrics-client');

    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: claimName(this, 'ServiceAccount', name, namespace), labels },
      // The token is read from the Secret, never mounted into pods of this account.
      automountToken: false,
    });
    const secretName = claimName(this, 'Secret', `${name}-token`, namespace);
    new kplus.ServiceAccountTokenSecret(this, 'Token', {
      metadata: { name: secretName, labels },
      serviceAccount: this.serviceAccount,
    });
    this.token = { secretName, key: 'token' };

    if (props.clusterRole !== undefined) {
      const binding = new kplus.ClusterRoleBinding(this, 'ClusterRoleBinding', {
        metadata: { name: claimName(this, 'rbac/ClusterRoleBinding', `${namespace}-${name}-${props.clusterRole.replace(/:/g, '-')}`, null), labels },
        role: kplus.ClusterRole.fromClusterRoleName(this, 'ClusterRole', props.clusterRole),
      });
      binding.addSubjects(this.serviceAccount);
      // Cluster-scoped: cdk8s stamps the Chart's namespace on every object.
      ApiObject.of(binding).addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    }
    if (props.namespaceRole !== undefined) {
      const binding = new kplus.RoleBinding(this, 'RoleBinding', {
        metadata: { name: claimName(this, 'rbac/RoleBinding', `${name}-${props.namespaceRole.replace(/:/g, '-')}`, namespace), labels },
        role: kplus.ClusterRole.fromClusterRoleName(this, 'NamespaceRole', props.namespaceRole),
      });
      binding.addSubjects(this.serviceAccount);
    }
    if (props.tenancy) {
      const roleName = claimName(this, 'rbac/Role', `${name}-tenancy`, namespace);
      const role = new kplus.Role(this, 'TenancyRole', { metadata: { name: roleName, labels } });
      role.allow(['get'], kplus.ApiResource.custom({ apiGroup: 'metrics.k8s.io', resourceType: 'pods' }));
      const binding = new kplus.RoleBinding(this, 'TenancyBinding', {
        metadata: { name: claimName(this, 'rbac/RoleBinding', `${name}-tenancy`, namespace), labels },
        role,
      });
      binding.addSubjects(this.serviceAccount);
    }
  }
}
