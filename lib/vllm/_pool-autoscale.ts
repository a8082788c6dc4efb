import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import type { ServingPool } from './serving-pool';
import type { PoolAutoscaleOptions } from './vllm-pool';
import { requireDefined, wholeSeconds } from '../core/_units';
import { invalid } from '../core/_validation';
import { ScalingBehaviors } from '../autoscaling/behavior';
import { KedaScaledObject } from '../autoscaling/keda-scaled-object';
import { requireWakeSignal, wakeGroupError } from '../autoscaling/_wake';
import { KedaMetricType, KedaTrigger } from '../autoscaling/keda-trigger';
import { LlmSignal } from '../autoscaling/llm-signal';
import type { ScaleTarget } from '../autoscaling/scale-target';

/**
 * `autoscale()` of the pools (moved unchanged from `VllmPool.autoscale()`): a KEDA
 * ScaledObject (child id `Autoscaler`) on the pool's LLM signals (default: queue depth 5 and
 * KV-cache usage 0.8 per replica) with a fallback, the GPU-pool behavior, optional
 * scale-to-zero woken by `wakeOn`, and pre-warm windows. `target` is what it scales: a
 * `VllmPool`'s Deployment, a `MultiNodeVllmPool`'s LeaderWorkerSet (whole groups).
 * @internal
 */
export function autoscalePool(pool: ServingPool & Construct, target: ScaleTarget, options: PoolAutoscaleOptions): KedaScaledObject {
  if (pool.node.tryFindChild('Autoscaler')) {
    throw invalid('autoscale()', pool.node.path, 'was already called: a pool has one autoscaler; pass every signal to one call');
  }
  requireDefined('options', options, 'prometheus and maxReplicas');
  const prometheus = options.prometheus;
  if (prometheus === null || typeof prometheus !== 'object' || typeof prometheus.serverAddress !== 'string') {
    throw invalid('prometheus', prometheus, 'must be the Prometheus the triggers query, e.g. { serverAddress: \'http://prometheus-operated.monitoring.svc:9090\' }');
  }
  const min = options.minReplicas ?? 1;
  const wakeOn = options.wakeOn;
  if (wakeOn !== undefined) requireWakeSignal(wakeOn);
  const signals = options.signals ?? [LlmSignal.queueDepth(pool, 5), LlmSignal.kvCacheUsage(pool, 0.8)];
  if (!Array.isArray(signals) || signals.length === 0) {
    throw invalid('signals', signals, 'must name at least one LlmSignal of this pool (e.g. LlmSignal.queueDepth(pool, 5)), or be left out for the defaults');
  }
  signals.forEach((s, i) => {
    if (!(s instanceof LlmSignal)) throw invalid(`signals[${i}]`, s, 'must be an LlmSignal');
    if (s.pool !== undefined && s.pool !== pool) {
      throw invalid(`signals[${i}]`, s.kind, `reads pool '${s.pool.node.path}', not '${pool.node.path}': a pool scales on its own load; build the signal from this pool`);
    }
  });
  if (!signals.some(s => s.metricType === KedaMetricType.AVERAGE_VALUE)) {
    throw invalid('signals', signals.map(s => s.kind), 'has no per-replica (AverageValue) signal: the fallback that holds replicas during a metrics outage needs one (KEDA); add LlmSignal.queueDepth or LlmSignal.kvCacheUsage');
  }
  const cooldown = min === 0 ? Duration.seconds(wholeSeconds('scaleToZeroCooldown', options.scaleToZeroCooldown ?? Duration.minutes(15))) : undefined;
  // At zero replicas the pool's series are absent: read that as 0, not as a scaler error
  // (which would fall back to replicas and wake the pool). Above zero, an absent metric is
  // a broken scrape: make it an error so the fallback holds the replicas.
  const ignoreNullValues = min === 0;
  const triggers: KedaTrigger[] = signals.map(s => s.trigger(options.prometheus, { ignoreNullValues }));
  if (wakeOn) triggers.push(wakeOn.trigger(options.prometheus, { activationThreshold: 0 }));
  (options.preWarm ?? []).forEach((w, i) => triggers.push(KedaTrigger.cron({
    timezone: w.timezone, start: w.start, end: w.end, desiredReplicas: w.replicas, name: `prewarm_${i}`,
  })));
  let scaledObject: KedaScaledObject;
  try {
    scaledObject = new KedaScaledObject(pool, 'Autoscaler', {
      target,
      minReplicas: min,
      maxReplicas: options.maxReplicas,
      triggers,
      pollingInterval: Duration.seconds(15),
      cooldownPeriod: cooldown,
      // A new ScaledObject does not scale to zero before its first pods could have loaded.
      initialCooldownPeriod: min === 0 ? pool.maxModelLoadTime : undefined,
      fallback: { replicas: options.fallbackReplicas ?? Math.max(min, 1) },
      behavior: options.behavior ?? ScalingBehaviors.GPU_POOL,
    });
  } catch (e) {
    // A refused autoscaler leaves no half-built child: the pool can still be autoscaled.
    pool.node.tryRemoveChild('Autoscaler');
    throw e;
  }
  // Backends may be added after autoscale(): the wake group is checked at synth.
  if (wakeOn) pool.node.addValidation({ validate: () => { const e = wakeGroupError(pool, wakeOn); return e ? [e] : []; } });
  return scaledObject;
}
