import { Chart, Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  VerticalPodAutoscaler,
  VerticalPodAutoscalerSpecResourcePolicyContainerPolicies as L1ContainerPolicy,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesControlledValues as L1ControlledValues,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMaxAllowed as L1MaxAllowed,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMinAllowed as L1MinAllowed,
  VerticalPodAutoscalerSpecUpdatePolicyUpdateMode as L1UpdateMode,
} from '../../imports/autoscaling.k8s.io';
import { recommendedLabels, LABEL_NAME } from '../core/_labels';
import { claimName } from '../core/_naming';
import { requireDefined } from '../core/_units';
import { invalid, requireDnsLabel } from '../core/_validation';
import { hpaScaledResources } from './_ownership';
import { requireObjectName } from './_replicas';
import { isAcceleratorPool, ScaleTarget } from './scale-target';

/**
 * When the VPA applies its recommendations (`spec.updatePolicy.updateMode`).
 *
 * The deprecated `Auto` (today an alias of Recreate) is deliberately not offered, and neither
 * is `InPlace`, which needs a VPA feature gate on top of the cluster's.
 *
 * @see https://github.com/kubernetes/autoscaler/blob/vertical-pod-autoscaler-1.7.1/vertical-pod-autoscaler/docs/quickstart.md#quick-start
 */
export enum VpaUpdateMode {
  /** Recommendations only (in the VPA's `status`); pods are never changed. */
  OFF = 'Off',
  /** Resources are set when a pod is created, never changed afterwards. */
  INITIAL = 'Initial',
  /** Pods whose requests drift from the recommendation are evicted and recreated with new ones. */
  RECREATE = 'Recreate',
  /**
   * Resize running pods in place, falling back to eviction when a resize is not possible.
   * Needs the cluster feature gate `InPlacePodVerticalScaling`.
   */
  IN_PLACE_OR_RECREATE = 'InPlaceOrRecreate',
}

/** A container resource the VPA can recommend and set. */
export enum VpaResource {
  /** CPU. */
  CPU = 'cpu',
  /** Memory. */
  MEMORY = 'memory',
}

/** Which of a container's resource values the VPA sets. */
export enum VpaControlledValues {
  /** Requests, and limits scaled in proportion to keep the request-to-limit ratio. */
  REQUESTS_AND_LIMITS = 'RequestsAndLimits',
  /** Requests only; limits stay as written. */
  REQUESTS_ONLY = 'RequestsOnly',
}

/** A bound on the VPA's recommendation for one container. */
export interface VpaResourceBounds {
  /**
   * CPU: a `kplus.Cpu` or a quantity in cores (`'2'`, `'0.5'`) or millicores (`'500m'`).
   * @default - no bound on CPU
   */
  readonly cpu?: kplus.Cpu | string;
  /** Memory. @default - no bound on memory */
  readonly memory?: Size;
}

/**
 * How the VPA treats one container (`spec.resourcePolicy.containerPolicies[]`).
 *
 * @see https://github.com/kubernetes/autoscaler/blob/vertical-pod-autoscaler-1.7.1/vertical-pod-autoscaler/docs/examples.md
 */
export interface VpaContainerPolicy {
  /** The container's name, or `'*'` for every container without a policy of its own. */
  readonly containerName: string;
  /** The lowest recommendation. @default - no minimum */
  readonly minAllowed?: VpaResourceBounds;
  /** The highest recommendation. @default - no maximum */
  readonly maxAllowed?: VpaResourceBounds;
  /**
   * The resources the VPA recommends and sets for the container: cpu, memory or both.
   * @default [VpaResource.CPU, VpaResource.MEMORY]
   */
  readonly controlledResources?: VpaResource[];
  /** Whether limits follow the requests. @default - VPA's default, VpaControlledValues.REQUESTS_AND_LIMITS */
  readonly controlledValues?: VpaControlledValues;
}

/** Props of `VerticalAutoscaler`. */
export interface VerticalAutoscalerProps {
  /** The workload whose pods are sized: a `VllmPool`, a `LiteLLMProxy`, or `{ deployment }`. */
  readonly target: ScaleTarget;
  /**
   * The VerticalPodAutoscaler's name (a DNS-1123 subdomain).
   * @default - the target Deployment's name (one VPA per Deployment, so it is unique)
   */
  readonly name?: string;
  /**
   * When recommendations are applied. Required: the VPA's own default (Recreate) evicts pods,
   * so that is a choice to make explicitly. On an accelerator pool only `VpaUpdateMode.OFF`
   * is accepted.
   *
   * Kubernetes name: `spec.updatePolicy.updateMode`.
   */
  readonly updateMode: VpaUpdateMode;
  /**
   * Per-container bounds and controlled resources, at most one per container name
   * (`'*'` for the rest).
   * @default - none: every container, cpu and memory, unbounded
   */
  readonly containerPolicies?: VpaContainerPolicy[];
}

const ALL_RESOURCES: readonly VpaResource[] = [VpaResource.CPU, VpaResource.MEMORY];
const ANY_CONTAINER = '*';
/** A CPU quantity in cores or millicores; other suffixes, though legal, are never used for CPU. */
const CPU_QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m?)$/;

const L1_UPDATE_MODES: Record<VpaUpdateMode, L1UpdateMode> = {
  [VpaUpdateMode.OFF]: L1UpdateMode.OFF,
  [VpaUpdateMode.INITIAL]: L1UpdateMode.INITIAL,
  [VpaUpdateMode.RECREATE]: L1UpdateMode.RECREATE,
  [VpaUpdateMode.IN_PLACE_OR_RECREATE]: L1UpdateMode.IN_PLACE_OR_RECREATE,
};
const L1_CONTROLLED_VALUES: Record<VpaControlledValues, L1ControlledValues> = {
  [VpaControlledValues.REQUESTS_AND_LIMITS]: L1ControlledValues.REQUESTS_AND_LIMITS,
  [VpaControlledValues.REQUESTS_ONLY]: L1ControlledValues.REQUESTS_ONLY,
};

/** The one VerticalAutoscaler of each Deployment: two VPAs on one pod is undefined behaviour. */
const vpaOwners = new WeakMap<kplus.Deployment, VerticalAutoscaler>();

/**
 * A VerticalPodAutoscaler (`autoscaling.k8s.io/v1`) that sizes the CPU and memory of a
 * workload's containers from their observed usage.
 *
 * Guardrails:
 * - On an accelerator pool only `VpaUpdateMode.OFF` (recommendations only) is accepted:
 *   evicting or resizing a GPU pod costs minutes of model load, and accelerator resources
 *   are not VPA's to change.
 * - A VPA that acts on pods (any mode but Off) must not control a resource an HPA scales
 *   the same workload on: each resize moves the utilization the HPA targets (VPA
 *   known limitations). This is checked at synth time, so the HPA may be created after the
 *   VPA. A memory-only VPA beside a CPU HPA is fine. Off never changes a pod, so it is
 *   allowed beside any HPA: read its recommendations to size requests by hand.
 *
 * @see https://github.com/kubernetes/autoscaler/tree/vertical-pod-autoscaler-1.7.1/vertical-pod-autoscaler
 * @see https://github.com/kubernetes/autoscaler/blob/vertical-pod-autoscaler-1.7.1/vertical-pod-autoscaler/docs/known-limitations.md
 *
 * @example
 * // Recommendations for a GPU pool; the LiteLLM proxy's memory sized for real.
 * new VerticalAutoscaler(chart, 'PoolVpa', { target: pool, updateMode: VpaUpdateMode.OFF });
 * new VerticalAutoscaler(chart, 'ProxyVpa', {
 *   target: proxy,
 *   updateMode: VpaUpdateMode.RECREATE,
 *   containerPolicies: [{
 *     containerName: 'litellm',
 *     controlledResources: [VpaResource.MEMORY],
 *     minAllowed: { memory: Size.gibibytes(1) },
 *     maxAllowed: { memory: Size.gibibytes(8) },
 *   }],
 * });
 */
export class VerticalAutoscaler extends Construct {
  /** The VerticalPodAutoscaler (generated L1, an escape hatch). */
  public readonly verticalPodAutoscaler: VerticalPodAutoscaler;
  /** The object's name. */
  public readonly name: string;
  /** The workload sized. */
  public readonly target: ScaleTarget;
  /** When recommendations are applied. */
  public readonly updateMode: VpaUpdateMode;

  private readonly policies: readonly VpaContainerPolicy[];
  private readonly deployment: kplus.Deployment;

  public constructor(scope: Construct, id: string, props: VerticalAutoscalerProps) {
    super(scope, id);
    requireDefined('props', props, 'target and updateMode');
    requireDefined('target', props.target, 'the workload to size: a VllmPool, a LiteLLMProxy or { deployment }');
    refuseWorkload(props.target);
    if (!(props.target.deployment instanceof kplus.Deployment)) throw invalid('target.deployment', props.target.deployment, 'must be a cdk8s-plus Deployment');
    const deployment = this.deployment = props.target.deployment;
    this.target = props.target;
    this.updateMode = props.updateMode;
    this.policies = props.containerPolicies ?? [];

    validateUpdateMode(props);
    validateNamespace(this, deployment);
    const containerPolicies = this.policies.map((p, i) => renderPolicy(p, i));
    validateUniqueNames(this.policies);
    const existing = vpaOwners.get(deployment);
    if (existing) {
      throw invalid('target', deployment.node.path, `already has VerticalAutoscaler '${existing.node.path}': two VPAs on one workload is undefined behaviour; keep one`);
    }
    const name = claimName(this, 'autoscaling.k8s.io/VerticalPodAutoscaler', requireObjectName('name', props.name) ?? deployment.name, Chart.of(this).namespace ?? null);
    vpaOwners.set(deployment, this);

    this.verticalPodAutoscaler = new VerticalPodAutoscaler(this, 'Resource', {
      metadata: { name, labels: recommendedLabels(deployment.metadata.getLabel(LABEL_NAME) ?? 'autoscaler', name, 'autoscaler') },
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.name },
        updatePolicy: { updateMode: L1_UPDATE_MODES[props.updateMode] },
        resourcePolicy: containerPolicies.length > 0 ? { containerPolicies } : undefined,
      },
    });
    this.name = this.verticalPodAutoscaler.name;

    // Containers and HPAs may be added after this construct: check them at synth.
    this.node.addValidation({ validate: () => [...this.unknownContainers(), ...this.hpaConflicts()] });
  }

  /** The resources this VPA controls on some container of the target, as rendered. */
  private controlledResources(): VpaResource[] {
    const byName = new Map(this.policies.map(p => [p.containerName, p]));
    const fallback = byName.get(ANY_CONTAINER)?.controlledResources ?? ALL_RESOURCES;
    const controlled = new Set<VpaResource>();
    for (const container of this.deployment.containers) {
      const own = byName.get(container.name);
      for (const r of own ? own.controlledResources ?? ALL_RESOURCES : fallback) controlled.add(r);
    }
    return ALL_RESOURCES.filter(r => controlled.has(r));
  }

  private hpaConflicts(): string[] {
    if (this.updateMode === VpaUpdateMode.OFF) return [];
    const deployment = this.deployment;
    const hpas = hpaScaledResources(deployment);
    const controlled = this.controlledResources();
    return controlled.filter(r => hpas.has(r)).map(r => invalid('controlledResources', controlled,
      `include ${r}, which HPA '${hpas.get(r)!.node.path}' scales '${deployment.node.path}' on: VerticalAutoscaler '${this.node.path}' (updateMode ${this.updateMode}) must not change a resource an HPA scales on, or each resize moves the utilization the HPA targets; set 'controlledResources' without ${r}, or use VpaUpdateMode.OFF for recommendations only`).message);
  }

  private unknownContainers(): string[] {
    const deployment = this.deployment;
    const names = [...deployment.containers, ...deployment.initContainers].map(c => c.name);
    return this.policies.flatMap((p, i) => p.containerName === ANY_CONTAINER || names.includes(p.containerName) ? [] : [
      invalid(`containerPolicies[${i}].containerName`, p.containerName,
        `names no container of '${deployment.node.path}' (${names.join(', ')}): VPA silently ignores the policy; use one of those names or '*'`).message,
    ]);
  }
}

/**
 * A VerticalAutoscaler sizes Deployments only. VPA itself accepts any controller with a scale
 * subresource as its targetRef: for a kind it does not know, it selects pods with the scale
 * subresource's selector (kubernetes/autoscaler vertical-pod-autoscaler/pkg/target/fetcher.go,
 * "not on a list of known controllers, use scale sub-resource"; controller_fetcher.go
 * `isWellKnownOrScalable`; the `system:vpa-target-reader` ClusterRole reads `*\/scale`). On a
 * LeaderWorkerSet that selector is `status.hpaPodSelector`, the leader pods only (lws v0.10.0
 * api/leaderworkerset/v1/leaderworkerset_types.go: "The selector for HPA will be that of the
 * leader pod"), so the workers (the other nodes of each group) would go unsized while the
 * leaders are resized apart from them: out of scope, refused.
 */
function refuseWorkload(target: ScaleTarget): void {
  const workload = (target as { workload?: unknown }).workload;
  if (workload === undefined || workload === null) return;
  const path = (workload as { node?: { path?: unknown } }).node?.path;
  throw invalid('target.workload', typeof path === 'string' ? path : workload, 'is not a Deployment: a VerticalAutoscaler sizes Deployments only (VPA on a LeaderWorkerSet would see its leader pods only, never the workers); size a multi-node pool\'s containers by hand, or scale it horizontally with a HorizontalAutoscaler or KedaScaledObject');
}

function validateUpdateMode(props: VerticalAutoscalerProps): void {
  const mode = props.updateMode;
  if (!Object.values(VpaUpdateMode).includes(mode)) {
    throw invalid('updateMode', mode, `must be one of ${Object.values(VpaUpdateMode).join(', ')} ('Auto' is deprecated: use Recreate or InPlaceOrRecreate)`);
  }
  if (mode !== VpaUpdateMode.OFF && isAcceleratorPool(props.target)) {
    throw invalid('updateMode', mode, `must be Off on an accelerator pool ('${props.target.deployment!.node.path}' requests ${props.target.accelerator!.resourceName}): VPA would evict or resize its pods, each restart costs minutes of model load, and accelerator resources are not VPA's to change; use VpaUpdateMode.OFF for recommendations only`);
  }
}

function validateNamespace(scope: Construct, deployment: kplus.Deployment): void {
  const own = Chart.of(scope).namespace;
  const theirs = deployment.metadata.namespace;
  if (own !== theirs) {
    throw invalid('target', deployment.node.path, `is in namespace ${JSON.stringify(theirs ?? null)} but the VerticalAutoscaler in ${JSON.stringify(own ?? null)}: a VPA's targetRef resolves in its own namespace; create it in a Chart with the target's namespace`);
  }
}

function validateUniqueNames(policies: readonly VpaContainerPolicy[]): void {
  const seen = new Set<string>();
  policies.forEach((p, i) => {
    if (seen.has(p.containerName)) {
      throw invalid(`containerPolicies[${i}].containerName`, p.containerName, 'is named by an earlier policy: at most one policy per container name');
    }
    seen.add(p.containerName);
  });
}

function renderPolicy(policy: VpaContainerPolicy, index: number): L1ContainerPolicy {
  const at = `containerPolicies[${index}]`;
  if (typeof policy?.containerName !== 'string') throw invalid(`${at}.containerName`, policy?.containerName, 'must be a container name or \'*\'');
  if (policy.containerName !== ANY_CONTAINER) requireDnsLabel(`${at}.containerName`, policy.containerName);
  const resources = policy.controlledResources ?? ALL_RESOURCES;
  if (!Array.isArray(resources) || resources.length === 0) {
    throw invalid(`${at}.controlledResources`, resources, 'must not be empty: list cpu, memory or both (omit it for both)');
  }
  if (policy.controlledValues !== undefined && !Object.values(VpaControlledValues).includes(policy.controlledValues)) {
    throw invalid(`${at}.controlledValues`, policy.controlledValues, `must be one of ${Object.values(VpaControlledValues).join(', ')}`);
  }
  resources.forEach((r, i) => {
    if (!ALL_RESOURCES.includes(r)) {
      throw invalid(`${at}.controlledResources[${i}]`, r, 'must be cpu or memory: VPA recommends only CPU and memory, and accelerator resources are not VPA\'s to change');
    }
    if (resources.indexOf(r) !== i) {
      throw invalid(`${at}.controlledResources[${i}]`, r, 'is listed twice');
    }
  });
  const min = bounds(`${at}.minAllowed`, policy.minAllowed);
  const max = bounds(`${at}.maxAllowed`, policy.maxAllowed);
  for (const r of ALL_RESOURCES) {
    const lo = min[r];
    const hi = max[r];
    if (lo && hi && lo.amount > hi.amount) {
      throw invalid(`${at}.minAllowed.${r}`, lo.quantity, `must be less than or equal to '${at}.maxAllowed.${r}' (${JSON.stringify(hi.quantity)})`);
    }
  }
  return {
    containerName: policy.containerName,
    controlledResources: [...resources],
    controlledValues: policy.controlledValues === undefined ? undefined : L1_CONTROLLED_VALUES[policy.controlledValues],
    minAllowed: renderBounds(min, q => L1MinAllowed.fromString(q)),
    maxAllowed: renderBounds(max, q => L1MaxAllowed.fromString(q)),
  };
}

/** A bound as rendered (`quantity`) and comparable (`amount`: millicores or KiB). */
interface Bound {
  readonly quantity: string;
  readonly amount: number;
}

function bounds(prop: string, given: VpaResourceBounds | undefined): Partial<Record<VpaResource, Bound>> {
  const out: Partial<Record<VpaResource, Bound>> = {};
  if (given?.cpu !== undefined) out[VpaResource.CPU] = cpuBound(`${prop}.cpu`, given.cpu);
  if (given?.memory !== undefined) {
    out[VpaResource.MEMORY] = { quantity: given.memory.asString(), amount: given.memory.toKibibytes({ rounding: SizeRoundingBehavior.NONE }) };
  }
  return out;
}

function cpuBound(prop: string, cpu: kplus.Cpu | string): Bound {
  const quantity = typeof cpu === 'string' ? cpu : cpu.amount;
  const m = CPU_QUANTITY.exec(quantity);
  if (!m) throw invalid(prop, quantity, 'must be a CPU quantity in cores (\'2\', \'0.5\') or millicores (\'500m\')');
  const value = Number(m[1]);
  return { quantity, amount: m[3] === 'm' ? value : value * 1000 };
}

function renderBounds<T>(b: Partial<Record<VpaResource, Bound>>, make: (q: string) => T): Record<string, T> | undefined {
  const entries = ALL_RESOURCES.filter(r => b[r] !== undefined).map(r => [r, make(b[r]!.quantity)] as const);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
