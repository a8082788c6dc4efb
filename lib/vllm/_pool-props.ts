import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { MIN_VLLM_VERSION, atLeast, requireVllmVersion, versionOfImage } from './_version';
import { Accelerator, AcceleratorKind } from './accelerator';
import type { CapacityPreference, PoolResources, PoolSlo } from './vllm-pool';
import { positiveMillis, requireDefined, wholeMebibytes, wholeSeconds } from '../core/_units';
import {
  invalid, requireDnsSubdomain, requireLabelKey, requireLabelValue, requirePositive, requirePositiveInteger,
} from '../core/_validation';
import { SecretKeyRef, validateSecretRef } from '../core/secret-ref';

/*
 * Prop checks and conversions shared by the pools (`VllmPool`, `MultiNodeVllmPool`): moved
 * here unchanged from vllm-pool.ts, so both pools refuse the same input with the same message.
 * Everything here is internal.
 */

/** Resource-name prefixes of accelerator device plugins: at most one family per pool. */
export const ACCELERATOR_RESOURCE = /^(nvidia\.com\/|amd\.com\/|aws\.amazon\.com\/neuron)/;
export const EXTENDED_RESOURCE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
export const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** The longest model load, request or drain the pool accepts: a day (beyond it is a typo). */
export const MAX_SECONDS = 86400;
/** The most replicas (or PodDisruptionBudget `maxUnavailable`) a Deployment takes (int32). */
export const MAX_INT32 = 2147483647;
/** A CPU quantity as cdk8s-plus renders it: cores (`4`, `0.5`) or millicores (`500m`). */
export const CPU_QUANTITY = /^(\d+(\.\d+)?|\d+m)$/;
/** Control characters: never part of a model id, a path or a revision. */
export const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * `org/Model-Name` → `Model-Name`.
 * @internal
 */
export function defaultServedName(model: string): string {
  const segments = model.split('/').filter(s => s !== '');
  return segments[segments.length - 1] ?? model;
}

/** @internal */
export function poolResources(props: { readonly accelerator: Accelerator; readonly resources?: PoolResources }): { cpu: kplus.Cpu; memory: Size } {
  const devices = Math.max(props.accelerator.count, 1);
  const cpuOnly = props.accelerator.kind === AcceleratorKind.CPU;
  const resources: unknown = props.resources;
  if (resources !== undefined && (typeof resources !== 'object' || resources === null || Array.isArray(resources))) {
    throw invalid('resources', resources, 'must be an object: { cpu?: Cpu, memory?: Size }');
  }
  const cpu = props.resources?.cpu ?? kplus.Cpu.units(4 * devices);
  if (!(cpu instanceof kplus.Cpu) || !CPU_QUANTITY.test(cpu.amount) || !(parseFloat(cpu.amount) > 0)) {
    throw invalid('resources.cpu', cpu instanceof kplus.Cpu ? cpu.amount : cpu, 'must be a Cpu greater than 0, e.g. Cpu.units(4) or Cpu.millis(500)');
  }
  const memory = props.resources?.memory ?? Size.gibibytes(cpuOnly ? 16 : 32 * devices);
  wholeMebibytes('resources.memory', memory);
  return { cpu, memory };
}

/** @internal */
export function requireShmBelowMemory(shm: Size, memory: Size): void {
  const shmMib = wholeMebibytes('shmSize', shm);
  const memoryMib = memory.toMebibytes();
  if (shmMib >= memoryMib) {
    throw invalid('shmSize', `${shmMib}Mi`, `must be less than the memory limit (${memoryMib}Mi): /dev/shm is memory-backed and counts against it`);
  }
}

/**
 * Checks what core's Duration conversions pass to cdk8s unchecked: cdk8s throws its own
 * message, without the prop, for a NaN, infinite or sub-millisecond Duration
 * ("'1e-9 minutes' cannot be converted into a whole number of millis.").
 * @internal
 */
export function requireFiniteMillis(prop: string, duration: Duration, wholeRule = 'must be a whole number of milliseconds, e.g. Duration.seconds(2)'): void {
  if (!(duration instanceof Duration)) return;
  const ms = duration.toMilliseconds({ integral: false });
  if (!Number.isFinite(ms)) throw invalid(prop, `${ms}ms`, 'must be a finite Duration, e.g. Duration.seconds(30)');
  if (!Number.isInteger(ms)) throw invalid(prop, `${ms}ms`, wholeRule);
}

/**
 * A Duration in whole seconds, from `min` to a day.
 * @internal
 */
export function boundedSeconds(prop: string, duration: Duration, min: number): number {
  requireFiniteMillis(prop, duration, `must be a whole number of seconds, at least ${min}s (e.g. Duration.seconds(${min}))`);
  const seconds = wholeSeconds(prop, duration, min);
  if (seconds > MAX_SECONDS) throw invalid(prop, `${seconds}s`, `must be at most a day (${MAX_SECONDS}s)`);
  return seconds;
}

/**
 * A string without whitespace or control characters (a model id, a path, a revision, an image).
 * @internal
 */
export function requireToken(prop: string, value: unknown, what: string): string {
  if (typeof value !== 'string' || !value.trim() || /\s/.test(value) || CONTROL.test(value)) {
    throw invalid(prop, value, `must be ${what}, without whitespace`);
  }
  return value;
}

/** @internal */
export function requireModel(model: unknown): string {
  requireDefined('model', model, 'the Hugging Face repository id or the path in the container to serve, e.g. \'meta-llama/Llama-3.1-8B-Instruct\'');
  return requireToken('model', model, 'a Hugging Face repository id or a path');
}

/**
 * The vLLM version of the image: the `vllmVersion` prop, else the tag of the upstream image.
 * A custom image (a Neuron, ROCm or CPU build, a digest) must declare it: its tag names the
 * build, and guessing would render flags the image does not have.
 * @internal
 */
export function resolveVersion(image: string, declared: unknown): string {
  const tagged = versionOfImage(image);
  if (declared === undefined) {
    if (tagged === undefined) {
      throw invalid('vllmVersion', undefined, `is required for image ${JSON.stringify(image)}: only a vllm/vllm-openai:vX.Y.Z tag carries the vLLM version; declare the version the image runs, e.g. vllmVersion: '0.16.0'`);
    }
    if (!atLeast(tagged, MIN_VLLM_VERSION)) {
      throw invalid('image', image, `runs vLLM ${tagged}, older than vLLM ${MIN_VLLM_VERSION}, the oldest release the pool's flags, probes and metric names were checked against; use a newer vLLM image`);
    }
    return tagged;
  }
  const version = requireVllmVersion('vllmVersion', declared);
  if (tagged !== undefined && tagged !== version) {
    throw invalid('vllmVersion', version, `contradicts the tag of image ${JSON.stringify(image)} (vLLM ${tagged}): omit vllmVersion or make them agree`);
  }
  return version;
}

/** @internal */
export function requireSecretRef(prop: string, ref: unknown): void {
  if (typeof ref !== 'object' || ref === null || typeof (ref as SecretKeyRef).secretName !== 'string' || typeof (ref as SecretKeyRef).key !== 'string') {
    throw invalid(prop, ref, 'must be a Secret reference: { secretName, key }');
  }
  validateSecretRef(prop, ref as SecretKeyRef);
}

/** @internal */
export function requireRecord(prop: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(prop, value, 'must be an object');
  return value as Record<string, unknown>;
}

/** @internal */
export function requireCount(prop: string, value: number, max: number): void {
  requirePositiveInteger(prop, value);
  if (value > max) throw invalid(prop, value, `must be at most ${max}`);
}

/** @internal */
export function requireEnum(prop: string, value: unknown, allowed: Record<string, string>): void {
  const values = Object.values(allowed);
  if (!values.includes(value as string)) throw invalid(prop, value, `must be one of: ${values.join(', ')}`);
}


/** @internal */
export function requireServicePort(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw invalid('servicePort', value, 'must be a port: a whole number from 1 to 65535');
  }
  return value;
}

/** @internal */
export function requireFlag(prop: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(prop, value, 'must be true or false');
  return value;
}

/**
 * The checks of the served model's identity and image every pool runs first, in this order:
 * `revision`, `hfToken`, `apiKey`, `servedModelName`, `image`, `engine`.
 * @internal
 */
export function validateIdentity(props: {
  readonly revision?: string; readonly hfToken?: SecretKeyRef; readonly apiKey?: SecretKeyRef;
  readonly accelerator: Accelerator; readonly image?: string; readonly engine?: object;
}, servedModelName: string, defaultImage: string): void {
  if (props.revision !== undefined) requireToken('revision', props.revision, 'a branch, tag or commit');
  if (props.hfToken !== undefined) requireSecretRef('hfToken', props.hfToken);
  if (props.apiKey !== undefined) requireSecretRef('apiKey', props.apiKey);
  if (typeof servedModelName !== 'string') throw invalid('servedModelName', servedModelName, 'must be a string');
  if (servedModelName === '') throw invalid('servedModelName', servedModelName, 'must not be empty');
  // LiteLLM reads any `os.environ/<VAR>` string in its config as a reference to an
  // environment variable of the proxy (litellm get_secret): a served name must never be one.
  if (servedModelName.startsWith('os.environ/')) {
    throw invalid('servedModelName', servedModelName, 'must not start with "os.environ/": LiteLLM would read it as a reference to one of its environment variables');
  }
  requireLabelValue('servedModelName', servedModelName);

  const accelerator = props.accelerator;
  if (accelerator.needsCustomImage && props.image === undefined) {
    throw invalid('image', undefined, `must be set for accelerator kind ${accelerator.kind}: ${defaultImage} is built for NVIDIA CUDA; name a vLLM image built for ${accelerator.kind}`);
  }
  if (props.image !== undefined) requireToken('image', props.image, 'an image reference');
  if (props.engine !== undefined) requireRecord('engine', props.engine);
}

/**
 * `extendedResources`: extended resource names with whole counts, none of them an
 * accelerator's (a pool runs on one accelerator type).
 * @internal
 */
export function validateExtendedResources(extendedResources: Record<string, number> | undefined, accelerator: Accelerator): void {
  if (extendedResources !== undefined) requireRecord('extendedResources', extendedResources);
  for (const [name, count] of Object.entries(extendedResources ?? {})) {
    if (ACCELERATOR_RESOURCE.test(name)) {
      throw invalid(`extendedResources.${name}`, count, `is an accelerator resource: a pool runs on one accelerator type, set by 'accelerator' (${accelerator.resourceName ?? 'cpu'})`);
    }
    if (!EXTENDED_RESOURCE.test(name) || name.length > 253) {
      throw invalid('extendedResources', name, 'must be an extended resource name like \'vpc.amazonaws.com/efa\' (<domain>/<name>)');
    }
    requireCount(`extendedResources.${name}`, count, MAX_INT32);
  }
}

/**
 * `slo`, `replicas`, `maxUnavailable`, `priorityClassName`, `runtimeClassName` and
 * `nodeSelector`, in this order.
 * @internal
 */
export function validateCounts(props: {
  readonly slo?: { readonly queuePerReplica?: number }; readonly replicas?: number; readonly maxUnavailable?: number;
  readonly priorityClassName?: string; readonly runtimeClassName?: string; readonly nodeSelector?: Record<string, string>;
}): void {
  if (props.slo !== undefined) requireRecord('slo', props.slo);
  if (props.slo?.queuePerReplica !== undefined) requirePositive('slo.queuePerReplica', props.slo.queuePerReplica);
  if (props.replicas !== undefined) requireCount('replicas', props.replicas, MAX_INT32);
  if (props.maxUnavailable !== undefined) requireCount('maxUnavailable', props.maxUnavailable, MAX_INT32);
  for (const key of ['priorityClassName', 'runtimeClassName'] as const) {
    const value: unknown = props[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw invalid(key, value, 'must be a string');
    requireDnsSubdomain(key, value);
  }
  if (props.nodeSelector !== undefined) requireRecord('nodeSelector', props.nodeSelector);
  for (const [key, value] of Object.entries(props.nodeSelector ?? {})) {
    requireLabelKey('nodeSelector', key);
    if (typeof value !== 'string') throw invalid(`nodeSelector.${key}`, value, 'must be a string');
    requireLabelValue(`nodeSelector.${key}`, value);
  }
}

/**
 * `capacity`: a preference for spot or on-demand nodes.
 * @param capacityTypes the values `capacity.prefer` takes (the `CapacityType` enum)
 * @internal
 */
export function validateCapacity(props: { readonly capacity?: CapacityPreference }, capacityTypes: Record<string, string>): void {
  if (props.capacity === undefined) return;
  const capacity = requireRecord('capacity', props.capacity);
  requireEnum('capacity.prefer', capacity.prefer, capacityTypes);
  const weight = props.capacity.weight;
  if (weight !== undefined && !(Number.isInteger(weight) && weight >= 1 && weight <= 100)) {
    throw invalid('capacity.weight', weight, 'must be a whole number from 1 to 100');
  }
  if (props.capacity.nodeLabel !== undefined) {
    if (typeof capacity.nodeLabel !== 'string') throw invalid('capacity.nodeLabel', capacity.nodeLabel, 'must be a node label key');
    requireLabelKey('capacity.nodeLabel', props.capacity.nodeLabel);
  }
  if (props.capacity.labelValue !== undefined) {
    if (typeof capacity.labelValue !== 'string') throw invalid('capacity.labelValue', capacity.labelValue, 'must be a string');
    requireLabelValue('capacity.labelValue', props.capacity.labelValue);
  }
}

/**
 * `serviceName`: a DNS-1035 label.
 * @internal
 */
export function validateServiceName(serviceName: unknown): void {
  if (serviceName !== undefined) {
    if (typeof serviceName !== 'string' || serviceName.length > 63 || !DNS1035_LABEL.test(serviceName)) {
      throw invalid('serviceName', serviceName, 'must be a DNS-1035 label: at most 63 lower-case alphanumerics or \'-\', starting with a letter and ending with an alphanumeric');
    }
  }
}

/**
 * A pool's SLOs with the defaults applied (TTFT p95 2 s, e2e p99 60 s, 10 waiting per
 * replica), each Duration checked.
 * @internal
 */
export function resolveSlo(slo: PoolSlo | undefined): Required<PoolSlo> {
  const resolved = {
    ttftP95: slo?.ttftP95 ?? Duration.seconds(2),
    e2eLatencyP99: slo?.e2eLatencyP99 ?? Duration.seconds(60),
    queuePerReplica: slo?.queuePerReplica ?? 10,
  };
  for (const key of ['ttftP95', 'e2eLatencyP99'] as const) {
    requireFiniteMillis(`slo.${key}`, resolved[key]);
    positiveMillis(`slo.${key}`, resolved[key]);
  }
  return resolved;
}
