import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { positiveMillis, requireDefined, wholeMebibytes, wholeSeconds } from '../core/_units';
import { invalid } from '../core/_validation';
import { SecretKeyRef, validateSecretRef } from '../core/secret-ref';

/**
 * `LITELLM_MIGRATION_DIR`: LiteLLM copies the migrations of `litellm-proxy-extras` into this
 * directory and runs `prisma migrate deploy` there, so the root filesystem can stay read-only
 * (litellm-proxy-extras/litellm_proxy_extras/utils.py `ProxyExtrasDBManager._get_prisma_dir`,
 * PR #13848; FACTS §B.9, §B.10).
 * @internal
 */
export const LITELLM_MIGRATION_DIR_ENV = 'LITELLM_MIGRATION_DIR';

/** A writable directory on a read-only root filesystem. @internal */
export interface WritableDir {
  readonly volume: string;
  readonly path: string;
  readonly sizeLimit: Size;
}

const TMP: WritableDir = { volume: 'tmp', path: '/tmp', sizeLimit: Size.gibibytes(1) };
// The Helm chart's read-only mode mounts emptyDirs at /tmp, /.cache and /.npm (500Mi each):
// the caches of Prisma and npm under a HOME of `/`, which is what a uid without a home
// directory gets (deploy/charts/litellm-helm/templates/deployment.yaml @0b4538ee7b57022bf33e7d625205d7f3518d0430).
const CACHE: WritableDir = { volume: 'cache', path: '/.cache', sizeLimit: Size.mebibytes(500) };
const NPM: WritableDir = { volume: 'npm', path: '/.npm', sizeLimit: Size.mebibytes(500) };
const MIGRATIONS: WritableDir = { volume: 'migrations', path: '/var/lib/litellm-migrations', sizeLimit: Size.mebibytes(500) };

/**
 * The directories LiteLLM writes at run time, each an emptyDir on the proxy and the Job.
 *
 * Deliberately not overridden (docs/my-website/docs/proxy/prod.md "Read-only File System"):
 * `LITELLM_UI_PATH` / `LITELLM_ASSETS_PATH` — the official images ship the admin UI already
 * restructured with a `.litellm_ui_ready` marker, so it is served read-only, and an emptyDir
 * there would hide it; `PRISMA_BINARY_CACHE_DIR` — the images pin it to the Prisma engines baked
 * at build time (PR #33853, #35976), and an empty writable dir there would send Prisma back to
 * downloading its engines at start.
 * @internal
 */
export const litellmWritableDirs = {
  migrations: MIGRATIONS.path,
  all: [TMP, CACHE, NPM, MIGRATIONS] as readonly WritableDir[],
};

/**
 * A SecretKeyRef prop checked from plain JavaScript: present, an object with string
 * `secretName` and `key`, both valid Kubernetes names.
 * @internal
 */
export function requireSecretRefProp(prop: string, ref: unknown, what: string): SecretKeyRef {
  requireDefined(prop, ref, `${what}, a Secret reference { secretName, key }`);
  if (typeof ref !== 'object' || ref === null || Array.isArray(ref)) {
    throw invalid(prop, ref, 'must be a Secret reference { secretName, key }');
  }
  const r = ref as Record<string, unknown>;
  for (const field of ['secretName', 'key']) {
    if (typeof r[field] !== 'string') throw invalid(`${prop}.${field}`, r[field], 'must be a string');
  }
  validateSecretRef(prop, r as unknown as SecretKeyRef);
  return { secretName: r.secretName as string, key: r.key as string };
}

/** A whole number in [min, max] (max defaults to the largest integer JSON and YAML render exactly). @internal */
export function requireCount(prop: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max !== Number.MAX_SAFE_INTEGER ? `from ${min} to ${max}`
      : min === 1 ? 'greater than 0' : `greater than or equal to ${min}`;
    throw invalid(prop, value, `must be a whole number ${range}`);
  }
  return value;
}

/** A finite number greater than 0 (and below 1e15, so it renders as a plain number). @internal */
export function requirePositiveNumber(prop: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value >= 1e15) {
    throw invalid(prop, value, 'must be a finite number greater than 0 and less than 1e15');
  }
  return value;
}

/** A boolean. @internal */
export function requireBoolean(prop: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(prop, value, 'must be true or false');
  return value;
}

/** One of an enum's values (casts from TypeScript and values from plain JavaScript). @internal */
export function requireEnum<T extends string>(prop: string, value: unknown, values: Record<string, T>, enumName: string): T {
  const allowed = Object.values(values);
  if (!allowed.includes(value as T)) {
    throw invalid(prop, value, `must be one of ${enumName}: ${allowed.map(v => JSON.stringify(v)).join(', ')}`);
  }
  return value as T;
}

/**
 * A name that lands in config.yaml as a value LiteLLM reads literally: a model group, a
 * LiteLLM model string, an api_base. Refuses empty or padded strings, control characters
 * (they break the YAML line and every PromQL selector), and an `os.environ/` prefix, which
 * would make LiteLLM read an environment variable of the proxy instead of the name
 * (FACTS §B.2: any `os.environ/VAR` value is resolved).
 * @internal
 */
export function requireLiteralName(prop: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(prop, value, 'must be a string');
  if (!value.trim()) throw invalid(prop, value, 'must not be empty');
  if (value !== value.trim()) throw invalid(prop, value, 'must not start or end with whitespace');
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalid(prop, value, 'must not contain control characters such as newlines or tabs');
  if (value.toLowerCase().startsWith('os.environ/')) {
    throw invalid(prop, value, 'must not start with \'os.environ/\': LiteLLM would replace it with an environment variable of the proxy (a secret could leak into routing)');
  }
  if (value.length > 512) throw invalid(prop, value.slice(0, 40) + '…', 'must be at most 512 characters');
  return value;
}

/**
 * A Duration cdk8s can convert at all: `Duration.seconds(NaN)`, `Duration.seconds(Infinity)` and
 * `Duration.minutes(1e-9)` make cdk8s's own `toMilliseconds()` throw a message that names no
 * prop ("'NaN seconds' cannot be converted into a whole number of millis.").
 */
function convertible(prop: string, duration: unknown): Duration {
  if (!(duration instanceof Duration)) throw invalid(prop, duration, 'must be a Duration, e.g. Duration.seconds(30)');
  try {
    duration.toMilliseconds();
  } catch {
    const { amount, unit } = duration as unknown as { amount: number; unit: { label?: string } };
    throw invalid(prop, `${amount} ${unit?.label ?? ''}`.trim(), 'must be a finite Duration of whole milliseconds');
  }
  return duration;
}

/** `wholeSeconds` for any value a caller can pass. @internal */
export function secondsOf(prop: string, duration: unknown, min = 1): number {
  return wholeSeconds(prop, convertible(prop, duration), min);
}

/** `positiveMillis` for any value a caller can pass. @internal */
export function millisOf(prop: string, duration: unknown): number {
  return positiveMillis(prop, convertible(prop, duration));
}

/**
 * Container resources from any caller: CPU as `kplus.Cpu` with a finite amount, memory as a
 * whole number of mebibytes (what cdk8s-plus renders), each request at most its limit.
 * @internal
 */
export function requireResources(prop: string, resources: unknown): kplus.ContainerResources {
  if (resources === null || typeof resources !== 'object' || Array.isArray(resources)) {
    throw invalid(prop, resources, 'must be { cpu?: { request?, limit? }, memory?: { request?, limit? } }');
  }
  const r = resources as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!['cpu', 'memory', 'ephemeralStorage'].includes(key)) throw invalid(`${prop}.${key}`, r[key], 'is not a container resource: use cpu, memory or ephemeralStorage');
  }
  const range = (field: string): Record<string, unknown> | undefined => {
    const v = r[field];
    if (v === undefined) return undefined;
    if (v === null || typeof v !== 'object') throw invalid(`${prop}.${field}`, v, 'must be { request?, limit? }');
    return v as Record<string, unknown>;
  };
  const cpu = range('cpu');
  const cpuValue = (bound: string): number | undefined => {
    const v = cpu?.[bound];
    if (v === undefined) return undefined;
    const amount = v instanceof kplus.Cpu ? v.amount : undefined;
    const m = amount === undefined ? null : /^(\d+(?:\.\d+)?)(m?)$/.exec(amount);
    if (!m || Number(m[1]) <= 0) throw invalid(`${prop}.cpu.${bound}`, amount ?? v, 'must be a positive, finite kplus.Cpu, e.g. kplus.Cpu.millis(500)');
    return Number(m[1]) / (m[2] ? 1000 : 1);
  };
  const [cpuRequest, cpuLimit] = [cpuValue('request'), cpuValue('limit')];
  if (cpuRequest !== undefined && cpuLimit !== undefined && cpuRequest > cpuLimit) {
    throw invalid(`${prop}.cpu.request`, cpu!.request instanceof kplus.Cpu ? cpu!.request.amount : cpu!.request, `must be at most the limit (${(cpu!.limit as kplus.Cpu).amount})`);
  }
  for (const field of ['memory', 'ephemeralStorage']) {
    const sizes = range(field);
    const request = sizes?.request === undefined ? undefined : wholeMebibytes(`${prop}.${field}.request`, sizes.request as Size);
    const limit = sizes?.limit === undefined ? undefined : wholeMebibytes(`${prop}.${field}.limit`, sizes.limit as Size);
    if (request !== undefined && limit !== undefined && request > limit) {
      throw invalid(`${prop}.${field}.request`, `${request}Mi`, `must be at most the limit (${limit}Mi)`);
    }
  }
  return resources as kplus.ContainerResources;
}
