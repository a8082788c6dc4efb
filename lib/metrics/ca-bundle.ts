import { invalid, requireDnsSubdomain } from '../core/_validation';
import { SecretKeyRef, validateSecretRef } from '../core/secret-ref';

/** Where a `CaBundle` is kept. */
export enum CaBundleSource {
  /** A key of a ConfigMap (CA certificates are public: a ConfigMap is the usual place). */
  CONFIG_MAP = 'configMap',
  /** A key of a Secret (e.g. the `ca.crt` of a service-account token Secret). */
  SECRET = 'secret',
}

const KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * A PEM bundle of the certificate authorities that sign a server's certificate (a secured
 * Prometheus, the OpenShift Thanos querier), read from one key of a ConfigMap or a Secret in
 * the consumer's namespace. Never a value: the platform publishes it.
 *
 * On OpenShift every namespace has the ConfigMap `openshift-service-ca.crt` whose key
 * `service-ca.crt` holds the service CA that signs the Thanos querier's serving certificate
 * (`CaBundle.openShiftServiceCa()`).
 *
 * @example CaBundle.fromConfigMap('openshift-service-ca.crt', 'service-ca.crt')
 */
export class CaBundle {
  /** One key of a ConfigMap. */
  public static fromConfigMap(name: string, key: string): CaBundle {
    if (typeof name !== 'string') throw invalid('ca.configMapName', name, 'must be a ConfigMap name: a DNS-1123 subdomain');
    requireDnsSubdomain('ca.configMapName', name);
    if (typeof key !== 'string' || key.length > 253 || !KEY.test(key)) {
      throw invalid('ca.key', key, 'must be a valid ConfigMap key: alphanumerics, \'-\', \'_\' or \'.\'');
    }
    return new CaBundle(CaBundleSource.CONFIG_MAP, name, key);
  }

  /** One key of a Secret. */
  public static fromSecret(ref: SecretKeyRef): CaBundle {
    if (ref === null || typeof ref !== 'object') throw invalid('ca', ref, 'must be a SecretKeyRef { secretName, key }');
    validateSecretRef('ca', ref);
    return new CaBundle(CaBundleSource.SECRET, ref.secretName, ref.key);
  }

  /**
   * OpenShift's service CA, published in every namespace as ConfigMap
   * `openshift-service-ca.crt`, key `service-ca.crt` (injected by the service-ca operator;
   * it signs the serving certificates of `thanos-querier.openshift-monitoring.svc`, whose
   * Service carries `service.beta.openshift.io/serving-cert-secret-name`:
   * openshift/cluster-monitoring-operator assets/thanos-querier/service.yaml).
   */
  public static openShiftServiceCa(): CaBundle {
    return CaBundle.fromConfigMap('openshift-service-ca.crt', 'service-ca.crt');
  }

  private constructor(
    /** ConfigMap or Secret. */
    public readonly source: CaBundleSource,
    /** The ConfigMap or Secret name. */
    public readonly name: string,
    /** The key holding the PEM bundle. */
    public readonly key: string,
  ) {}
}

/** Validates a CaBundle received from plain JavaScript. @internal */
export function requireCaBundle(prop: string, ca: unknown): CaBundle {
  if (!(ca instanceof CaBundle)) {
    throw invalid(prop, ca, 'must be a CaBundle: CaBundle.fromConfigMap(name, key), CaBundle.fromSecret({ secretName, key }) or CaBundle.openShiftServiceCa()');
  }
  return ca;
}
