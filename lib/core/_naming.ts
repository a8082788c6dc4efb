import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { invalid } from './_validation';

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** name → the construct path that renders it, per `namespace|kind`, per App. */
const registries = new WeakMap<IConstruct, Map<string, string>>();

/**
 * The base name of a construct's objects: `name` when given, else the construct id. It must be
 * a DNS-1035 label (it also names Services), so it reads the same in `kubectl get` as in the
 * code, and it stays put when the construct tree is refactored: no path, no hash.
 *
 * @param scope the construct that owns the objects
 * @param prop the prop that sets the name (for the error message), e.g. `'name'`
 * @param name the user's name, if any
 * @internal
 */
export function baseName(scope: IConstruct, prop: string, name: string | undefined): string {
  const value = name ?? scope.node.id;
  if (typeof value !== 'string' || value.length > 63 || !DNS1035_LABEL.test(value)) {
    const from = name === undefined ? `the construct id of '${scope.node.path}'` : 'it';
    throw invalid(prop, value, `must be a DNS-1035 label (at most 63 lower-case alphanumerics or '-', starting with a letter and ending with an alphanumeric): object names come from ${from}; set '${prop}' to a name like 'llama-3-1-8b'`);
  }
  return value;
}

/**
 * Claims an object name in its namespace (or cluster-wide, for cluster-scoped kinds) and
 * returns it. Two objects of one kind with one name in one namespace would overwrite each
 * other on apply; the second claim fails, naming both constructs.
 *
 * @param scope the construct that renders the object
 * @param kind the object's kind (`apiGroup/Kind` where kinds of two groups share a name)
 * @param name the object name
 * @param namespace its namespace; `null` for a cluster-scoped object
 * @param prop the prop that sets the name, for the error message
 * @internal
 */
export function claimName(scope: IConstruct, kind: string, name: string, namespace: string | null, prop = 'name'): string {
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    throw invalid(prop, name, `must give a ${kind} name that is a DNS-1123 subdomain (at most 253 lower-case alphanumerics, '-' or '.')`);
  }
  const root = scope.node.root;
  let registry = registries.get(root);
  if (!registry) registries.set(root, registry = new Map());
  const key = `${namespace ?? ''}|${kind}|${name}`;
  const owner = registry.get(key);
  if (owner !== undefined && owner !== scope.node.path) {
    const where = namespace === null ? 'cluster-wide' : `in namespace "${namespace}"`;
    throw invalid(prop, name, `names a ${kind} ${where} that '${owner}' already renders: '${scope.node.path}' would overwrite it on apply; give one of them another name`);
  }
  registry.set(key, scope.node.path);
  return name;
}

/** The namespace of the Chart a construct is in, or null. @internal */
export function namespaceOf(scope: IConstruct): string | null {
  return Chart.of(scope).namespace ?? null;
}
