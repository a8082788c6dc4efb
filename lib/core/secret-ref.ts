import { invalid, requireDnsSubdomain } from './_validation';

/**
 * A reference to one key of a Kubernetes Secret.
 *
 * The library never accepts a secret value: every credential (master key, database URL,
 * Redis password, provider API keys, Hugging Face token) is a Secret that the platform team
 * creates out of band (External Secrets, Sealed Secrets, ...), referenced by name and key.
 *
 * @example { secretName: 'litellm-master-key', key: 'master-key' }
 */
export interface SecretKeyRef {
  /** Name of the Secret, in the same namespace as the workload. */
  readonly secretName: string;
  /** Key inside the Secret's `data`. */
  readonly key: string;
}

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** Validates a SecretKeyRef prop. @internal */
export function validateSecretRef(prop: string, ref: SecretKeyRef): void {
  requireDnsSubdomain(`${prop}.secretName`, ref.secretName);
  if (ref.key.length > 253 || !SECRET_KEY.test(ref.key)) {
    throw invalid(`${prop}.key`, ref.key, 'must be a valid Secret key: alphanumerics, \'-\', \'_\' or \'.\'');
  }
}
