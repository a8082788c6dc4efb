import { LlmSignal } from './llm-signal';
import { invalid } from '../core/_validation';
import type { LiteLLMProxy } from '../litellm/litellm-proxy';
import type { ModelGroup } from '../litellm/model-group';
import { poolBehind, ServingPool } from '../vllm/serving-pool';

/**
 * The model groups `pool` is a backend of on `proxy`, directly or through a route to it (a
 * `GatewayInferencePool`), in the order `addBackend()` listed them.
 */
function backedGroups(proxy: LiteLLMProxy, pool: ServingPool): readonly ModelGroup[] {
  return [...new Set(proxy.backendRoutes.filter(r => poolBehind(r.backend) === pool).map(r => r.group))];
}

/**
 * Checks when the signal is given: a pool wakes only on the proxy request rate of a model
 * group (the one signal that exists at zero replicas and is about this pool's traffic).
 * @internal
 */
export function requireWakeSignal(wakeOn: LlmSignal): void {
  if (!(wakeOn instanceof LlmSignal)) throw invalid('wakeOn', wakeOn, 'must be an LlmSignal: LlmSignal.proxyRequestRate(proxy, group, perReplicaPerSecond)');
  if (wakeOn.modelGroup === undefined || wakeOn.proxy === undefined) {
    const why = wakeOn.pool !== undefined
      ? 'is a metric of a pool\'s own pods, which vanishes at zero replicas'
      : 'is not about this pool\'s traffic';
    throw invalid('wakeOn', wakeOn.kind, `${why}: wake the pool on LlmSignal.proxyRequestRate(proxy, group, perReplicaPerSecond) for a model group the pool is a backend of`);
  }
}

/**
 * The synth-time error when the wake signal counts requests of a model group `pool` does not
 * serve: the pool would wake (and scale) on another model's traffic. Backends may be added
 * after `autoscale()`, so this runs at synth.
 * @internal
 */
export function wakeGroupError(pool: ServingPool, wakeOn: LlmSignal): string | undefined {
  const proxy = wakeOn.proxy!;
  const group = wakeOn.modelGroup!;
  const groups = backedGroups(proxy, pool);
  if (groups.includes(group)) return undefined;
  const backs = groups.length ? `its groups there: ${groups.map(g => g.name).join(', ')}` : 'it is no backend there';
  return invalid('wakeOn', group.name, `counts requests of model group "${group.name}" on LiteLLMProxy '${proxy.node.path}', which pool '${pool.node.path}' does not serve (${backs}): the pool would wake on another model's traffic; pass the group proxy.addBackend(pool) returned`).message;
}
