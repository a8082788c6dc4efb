/**
 * KedaSimulation: the ScaledObject loop of KEDA v2.18 (scale_scaledobjects.go RequestScale,
 * scale_handler.go getScaledObjectState) and the HPA KEDA creates (controllers/keda/hpa.go).
 */
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { KedaScaledObject, KedaSimulation, KedaTrigger, TriggerReading } from '../../lib';
import { oneOfKind, synth, testChart } from '../util/synth';
import { drive, firstAt, pods, prometheus, scaledObject, START } from './keda-helpers';

const value = (v: number): TriggerReading => ({ kind: 'ok', value: v });

describe('the HPA KEDA creates', () => {
  test('External metrics per trigger sorted by type, Resource kept, HPA minReplicas at least 1, behavior from advanced', () => {
    // GIVEN
    const behavior = { scaleDown: { stabilizationWindowSeconds: 120 } };
    const keda = new KedaSimulation(scaledObject({
      minReplicaCount: 0,
      maxReplicaCount: 8,
      advanced: { horizontalPodAutoscalerConfig: { behavior } },
      triggers: [
        { type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } },
        prometheus('5'),
        { type: 'cron', metadata: { timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: '3' } },
        prometheus('0.5', {}, { metricType: 'Value', name: 'kv' }),
      ],
    }), START);
    // THEN
    const selector = { matchLabels: { 'scaledobject.keda.sh/name': 'llm' } };
    expect(keda.hpaSpec).toEqual({
      minReplicas: 1,
      maxReplicas: 8,
      metrics: [
        { type: 'External', external: { metric: { name: 's1-prometheus', selector }, target: { type: 'AverageValue', averageValue: '5' } } },
        { type: 'External', external: { metric: { name: 's2-cron-Europe-Berlin-08xx1-5-018xx1-5', selector }, target: { type: 'AverageValue', averageValue: '1' } } },
        { type: 'External', external: { metric: { name: 's3-prometheus', selector }, target: { type: 'Value', value: '500m' } } },
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      ],
      behavior,
    });
    expect(keda.triggers.map(t => [t.index, t.name, t.type, t.metricType])).toEqual([
      [0, '', 'cpu', 'Utilization'], [1, '', 'prometheus', 'AverageValue'], [2, '', 'cron', 'AverageValue'], [3, 'kv', 'prometheus', 'Value'],
    ]);
  });

  test('defaults: pollingInterval 30 s, HPA 1 to 100, no behavior', () => {
    const keda = new KedaSimulation({ triggers: [prometheus('5')] }, START);
    expect(keda.pollingIntervalSeconds).toBe(30);
    expect(keda.hpaSpec.minReplicas).toBe(1);
    expect(keda.hpaSpec.maxReplicas).toBe(100);
    expect(keda.hpaSpec.behavior).toBeUndefined();
    // a bare spec has no name: no selector
    expect((keda.hpaSpec.metrics![0] as any).external.metric).toEqual({ name: 's0-prometheus' });
  });

  test('AverageValue divides the total by the replicas, Value does not', () => {
    const fast = { advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleUp: { policies: [{ type: 'Pods', value: 100, periodSeconds: 15 }] } } } } };
    const average = new KedaSimulation(scaledObject({ ...fast, triggers: [prometheus('10')] }), START);
    const val = new KedaSimulation(scaledObject({ ...fast, triggers: [prometheus('10', {}, { metricType: 'Value' })] }), START);
    const a = average.step(0, 2, pods(2), () => value(40));
    const v = val.step(0, 2, pods(2), () => value(40));
    expect(a.desiredReplicas).toBe(4); // ceil(40 / 10)
    expect(v.desiredReplicas).toBe(8); // 40 / 10 x 2 ready pods
  });

  test('the metric value is truncated to milli-units (GenerateMetricInMili)', () => {
    const keda = new KedaSimulation(scaledObject({ triggers: [prometheus('1')] }), START);
    expect(keda.step(0, 1, pods(1), () => value(2.00049)).triggerValues).toEqual([2]);
  });

  test('maxReplicaCount caps the HPA', () => {
    const keda = new KedaSimulation(scaledObject({ maxReplicaCount: 3, triggers: [prometheus('1')] }), START);
    expect(drive(keda, { to: 60, start: 1, reading: () => value(100) }).map(k => k.replicas)).toEqual([3, 3, 3, 3, 3]);
  });
});

describe('activation and cooldown (scale_scaledobjects.go)', () => {
  const so = scaledObject({ minReplicaCount: 0, cooldownPeriod: 60, triggers: [prometheus('5', { activationThreshold: '2' })] });

  test('0 -> 1 when a trigger is above its activation threshold, then the HPA takes over', () => {
    const keda = new KedaSimulation(so, START);
    const r = keda.step(0, 0, [], () => value(10));
    expect(r.active).toBe(true);
    expect(r.events).toEqual(['activated: 0 -> 1', 'hpa: 1 -> 2']);
    expect(r.desiredReplicas).toBe(2);
  });

  test('a value at the activation threshold does not activate (strictly above), and the HPA does not read a target at 0', () => {
    const keda = new KedaSimulation(so, START);
    const read = jest.fn(() => value(2));
    const ticks = drive(keda, { to: 600, start: 0, reading: read });
    expect(ticks.every(k => k.replicas === 0 && !k.result.active)).toBe(true);
    // only the polls read (every 30 s: 21 polls), never the HPA syncs in between
    expect(read).toHaveBeenCalledTimes(21);
  });

  test('back to 0 once cooldownPeriod has passed since the last active poll (strictly after)', () => {
    const keda = new KedaSimulation(so, START);
    // active until t = 90 (last active poll), idle from t = 120
    const ticks = drive(keda, { to: 300, start: 0, reading: t => value(t < 120 ? 10 : 0) });
    expect(ticks.find(k => k.t === 165)!.replicas).toBe(2);
    // poll at 150: 90 + 60 is not before 150; poll at 180: it is
    const at180 = ticks.find(k => k.t === 180)!;
    expect(at180.replicas).toBe(0);
    expect(at180.result.events).toEqual(['cooldown ended: 2 -> 0']);
    expect(ticks.filter(k => k.t > 180).every(k => k.replicas === 0)).toBe(true);
  });

  test('wakes again from 0', () => {
    const keda = new KedaSimulation(so, START);
    const ticks = drive(keda, { to: 600, start: 0, reading: t => value(t < 120 || t >= 450 ? 10 : 0) });
    expect(ticks.find(k => k.t === 450)!.result.events).toContain('activated: 0 -> 1');
  });

  test('initialCooldownPeriod: a target that was never active waits that long after creation', () => {
    const keda = new KedaSimulation(scaledObject({ minReplicaCount: 0, initialCooldownPeriod: 120, triggers: [prometheus('5')] }), START);
    const ticks = drive(keda, { to: 240, start: 3, reading: () => value(0) });
    expect(firstAt(ticks, 0)).toBe(150);
    expect(ticks.find(k => k.t === 150)!.result.events).toEqual(['initial cooldown ended: 3 -> 0']);
  });

  test('initialCooldownPeriod defaults to 0: the first poll after creation scales an idle target to 0', () => {
    const keda = new KedaSimulation(scaledObject({ minReplicaCount: 0, triggers: [prometheus('5')] }), START);
    expect(firstAt(drive(keda, { to: 60, start: 3, reading: () => value(0) }), 0)).toBe(30);
  });

  test('minReplicaCount unset counts as 0 for the operator (scale to zero) while the HPA gets 1', () => {
    const keda = new KedaSimulation(scaledObject({ cooldownPeriod: 30, triggers: [prometheus('5')] }), START);
    expect(keda.hpaSpec.minReplicas).toBe(1);
    expect(firstAt(drive(keda, { to: 120, start: 2, reading: () => value(0) }), 0)).toBe(30);
  });

  test('minReplicaCount > 0: an inactive target is brought up to it, an active one starts at it', () => {
    const idle = new KedaSimulation(scaledObject({ minReplicaCount: 2, triggers: [prometheus('5')] }), START);
    expect(idle.step(0, 0, [], () => value(0)).events).toEqual(['below minReplicaCount: 0 -> 2']);
    const active = new KedaSimulation(scaledObject({ minReplicaCount: 2, triggers: [prometheus('5')] }), START);
    expect(active.step(0, 0, [], () => value(6)).events[0]).toBe('activated: 0 -> 2');
  });

  test('idleReplicaCount: idle goes to it after the cooldown, activation goes back to minReplicaCount', () => {
    const keda = new KedaSimulation(scaledObject({ minReplicaCount: 2, idleReplicaCount: 0, cooldownPeriod: 30, triggers: [prometheus('5')] }), START);
    const ticks = drive(keda, { to: 300, start: 2, reading: t => value(t >= 200 ? 6 : 0) });
    expect(ticks.find(k => k.t === 30)!.result.events).toEqual(['initial cooldown ended: 2 -> 0']);
    expect(ticks.find(k => k.t === 210)!.result.events[0]).toBe('activated: 0 -> 2');
  });

  test('only cpu/memory triggers: always active, never scaled to zero', () => {
    const keda = new KedaSimulation(scaledObject({ minReplicaCount: 1, triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '50' } }] }), START);
    const r = keda.step(0, 2, pods(2), () => ({ kind: 'pods', podMetrics: { 'p-0': 0.1, 'p-1': 0.1 } }));
    expect(r.active).toBe(true);
  });

  test('a cpu trigger reads per-pod samples into a Resource metric', () => {
    const keda = new KedaSimulation(scaledObject({
      triggers: [prometheus('100'), { type: 'cpu', metricType: 'Utilization', metadata: { value: '50' } }],
    }), START);
    const requested = pods(2).map(p => ({ ...p, requests: { cpu: 1 } }));
    const r = keda.step(0, 2, requested, i => (i === 0 ? value(1) : { kind: 'pods', podMetrics: { 'p-0': 1, 'p-1': 1 } }));
    expect(r.desiredReplicas).toBe(4); // 100 % of the request against 50 %
    expect(r.triggerValues).toEqual([1, 1]);
  });
});

describe('other trigger types', () => {
  test('cpu with containerName is a ContainerResource metric, memory AverageValue a quantity', () => {
    const keda = new KedaSimulation(scaledObject({
      minReplicaCount: 1,
      triggers: [
        { type: 'cpu', metricType: 'Utilization', metadata: { value: '70', containerName: 'vllm' } },
        { type: 'memory', metricType: 'AverageValue', metadata: { value: '512Mi' } },
      ],
    }), START);
    expect(keda.hpaSpec.metrics).toEqual([
      { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'vllm', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '512Mi' } } },
    ]);
    // memory: 2 pods at 1 GiB each over 512 MiB per pod: 4 replicas
    const gib = 2 ** 30;
    const r = keda.step(0, 2, pods(2), i => (i === 0 ? { kind: 'error', reason: 'no cpu samples' } : { kind: 'pods', podMetrics: { 'p-0': gib, 'p-1': gib } }));
    expect(r.desiredReplicas).toBe(4);
  });

  test('a trigger type the simulation does not model reads through the caller, with its threshold and activationThreshold', () => {
    const keda = new KedaSimulation(scaledObject({
      minReplicaCount: 0,
      triggers: [{ type: 'redis', metadata: { address: 'redis:6379', listName: 'jobs', threshold: '10', activationThreshold: '3' } }],
    }), START);
    expect((keda.hpaSpec.metrics![0] as any).external.metric.name).toBe('s0-redis');
    expect(keda.step(0, 0, [], () => value(3)).active).toBe(false);
    const r = keda.step(30, 0, [], () => value(25));
    // the HPA sync due at 15 runs at this step, after the poll: ceil(25 / 10)
    expect(r.events).toEqual(['activated: 0 -> 1', 'hpa: 1 -> 3']);
    expect(r.desiredReplicas).toBe(3);
  });
});

describe('ignoreNullValues (prometheus_scaler.go)', () => {
  test('default true: an empty result reads 0, no error (the target can go to zero)', () => {
    const keda = new KedaSimulation(scaledObject({ minReplicaCount: 0, cooldownPeriod: 0, triggers: [prometheus('5')] }), START);
    const ticks = drive(keda, { to: 60, start: 2, reading: () => ({ kind: 'empty' }) });
    expect(ticks[0].result.triggerValues).toEqual([0]);
    expect(firstAt(ticks, 0)).toBe(30);
  });

  test('false: an empty result is an error, and without fallback the operator leaves the target alone', () => {
    const keda = new KedaSimulation(scaledObject({ minReplicaCount: 0, cooldownPeriod: 0, triggers: [prometheus('5', { ignoreNullValues: 'false' })] }), START);
    const ticks = drive(keda, { to: 600, start: 2, reading: () => ({ kind: 'empty' }) });
    expect(ticks.every(k => k.replicas === 2)).toBe(true);
    expect(ticks[0].result.triggerValues).toEqual([undefined]);
  });

  test('+Inf reads 0 with ignoreNullValues, an error without', () => {
    const ignore = new KedaSimulation(scaledObject({ triggers: [prometheus('5')] }), START);
    expect(ignore.step(0, 1, pods(1), () => value(Infinity)).triggerValues).toEqual([0]);
    const strict = new KedaSimulation(scaledObject({ triggers: [prometheus('5', { ignoreNullValues: 'false' })] }), START);
    expect(strict.step(0, 1, pods(1), () => value(Infinity)).triggerValues).toEqual([undefined]);
  });
});

describe('KedaSimulation: bad input', () => {
  test('a ScaledObject without triggers', () => {
    expect(() => new KedaSimulation(scaledObject({ triggers: [] }), START)).toThrow(
      new Error("'scaledObject.spec.triggers' ([]) must hold at least one trigger: KEDA refuses a ScaledObject without triggers"));
    expect(() => new KedaSimulation({ minReplicaCount: 1 }, START, 'so')).toThrow(
      new Error("'so.triggers' (undefined) must hold at least one trigger: KEDA refuses a ScaledObject without triggers"));
  });
  test('maxReplicaCount below minReplicaCount', () => {
    expect(() => new KedaSimulation(scaledObject({ minReplicaCount: 5, maxReplicaCount: 2, triggers: [prometheus('1')] }), START)).toThrow(
      new Error("'scaledObject.spec.maxReplicaCount' (2) must be greater than or equal to 'scaledObject.spec.minReplicaCount' (5): KEDA refuses the ScaledObject"));
  });
  test('idleReplicaCount not below minReplicaCount', () => {
    expect(() => new KedaSimulation(scaledObject({ minReplicaCount: 2, idleReplicaCount: 2, triggers: [prometheus('1')] }), START)).toThrow(
      new Error("'scaledObject.spec.idleReplicaCount' (2) must be less than 'scaledObject.spec.minReplicaCount' (2): KEDA refuses the ScaledObject"));
    expect(() => new KedaSimulation(scaledObject({ idleReplicaCount: 0, triggers: [prometheus('1')] }), START)).toThrow(
      new Error("'scaledObject.spec.idleReplicaCount' (0) must be less than 'scaledObject.spec.minReplicaCount' (unset, i.e. 0): KEDA refuses the ScaledObject"));
  });
  test('Utilization on an External trigger', () => {
    expect(() => new KedaSimulation(scaledObject({ triggers: [prometheus('1', {}, { metricType: 'Utilization' })] }), START)).toThrow(
      new Error("'scaledObject.spec.triggers[0].metricType' (\"Utilization\") must be 'AverageValue' or 'Value': 'Utilization' metric type is unsupported for external metrics"));
  });
  test('a cpu trigger without metricType (KEDA 2.18 removed metadata.type)', () => {
    expect(() => new KedaSimulation(scaledObject({ triggers: [{ type: 'cpu', metadata: { type: 'Utilization', value: '50' } }] }), START)).toThrow(
      new Error("'scaledObject.spec.triggers[0].metricType' (undefined) must be 'Utilization' or 'AverageValue' for a cpu trigger (KEDA 2.18 removed metadata.type)"));
  });
  test('duplicate trigger names', () => {
    expect(() => new KedaSimulation(scaledObject({ triggers: [prometheus('1', {}, { name: 'q' }), prometheus('2', {}, { name: 'q' })] }), START)).toThrow(
      new Error("'scaledObject.spec.triggers[1].name' (\"q\") must be unique among the triggers: KEDA refuses a trigger name defined multiple times"));
  });
  test('a prometheus trigger without query or threshold, and metadata that is not a string', () => {
    expect(() => new KedaSimulation(scaledObject({ triggers: [{ type: 'prometheus', metadata: { threshold: '1', serverAddress: 'http://p:9090' } }] }), START)).toThrow(
      new Error("'scaledObject.spec.triggers[0].metadata.query' (undefined) must be set: KEDA's prometheus scaler requires it"));
    expect(() => new KedaSimulation(scaledObject({ triggers: [{ type: 'prometheus', metadata: { query: 'q', serverAddress: 'http://p:9090' } }] }), START)).toThrow(
      new Error("'scaledObject.spec.triggers[0].metadata.threshold' (undefined) must be a number as a string (trigger metadata is a map of strings), e.g. '5'"));
    expect(() => new KedaSimulation(scaledObject({ triggers: [{ type: 'prometheus', metadata: { threshold: 5 } }] }), START)).toThrow(
      new Error("'scaledObject.spec.triggers[0].metadata.threshold' (5) must be a string: trigger metadata is a map of strings"));
  });
  test('a bad ignoreNullValues', () => {
    expect(() => new KedaSimulation(scaledObject({ triggers: [prometheus('1', { ignoreNullValues: 'yes' })] }), START)).toThrow(
      new Error("'scaledObject.spec.triggers[0].metadata.ignoreNullValues' (\"yes\") must be 'true' or 'false' as a string (trigger metadata is a map of strings)"));
  });
  test('a start time without offset', () => {
    expect(() => new KedaSimulation(scaledObject({ triggers: [prometheus('1')] }), '2026-11-30 06:00')).toThrow(
      new Error("'startTime' (\"2026-11-30 06:00\") must be an ISO 8601 date-time with an offset, e.g. '2026-11-30T06:00:00+01:00'"));
  });
  test('a bad behavior names the advanced path', () => {
    const behavior = { scaleUp: { selectPolicy: 'Sometimes' } };
    expect(() => new KedaSimulation(scaledObject({ advanced: { horizontalPodAutoscalerConfig: { behavior } }, triggers: [prometheus('1')] }), START)).toThrow(
      new Error("'scaledObject.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.selectPolicy' (\"Sometimes\") must be one of 'Max', 'Min', 'Disabled'"));
  });
  test('a reading of the wrong kind for the trigger', () => {
    const keda = new KedaSimulation(scaledObject({ triggers: [prometheus('1')] }), START);
    expect(() => keda.step(0, 1, pods(1), () => ({ kind: 'pods', podMetrics: {} }))).toThrow(
      new Error("'read(0)' ({\"kind\":\"pods\",\"podMetrics\":{}}) must be an 'ok', 'empty' or 'error' reading for the prometheus trigger"));
  });
  test('steps out of order', () => {
    const keda = new KedaSimulation(scaledObject({ triggers: [prometheus('1')] }), START);
    keda.step(30, 1, pods(1), () => value(1));
    expect(() => keda.step(15, 1, pods(1), () => value(1))).toThrow(
      new Error("'now' (15) must not be earlier than the previous step (30): steps run in ascending time"));
  });
});

describe('a ScaledObject synthesized by this library', () => {
  test('runs: activation by its prometheus trigger, the cron trigger read internally, modifiers and fallback parsed', () => {
    // GIVEN
    const chart = testChart();
    const deployment = new kplus.Deployment(chart, 'app');
    deployment.addContainer({ name: 'app', image: 'nginx:1.27', portNumber: 8080 });
    new KedaScaledObject(chart, 'so', {
      target: { deployment },
      minReplicas: 0,
      maxReplicas: 6,
      cooldownPeriod: Duration.minutes(2),
      fallback: { replicas: 3, failureThreshold: 2 },
      scalingModifiers: { formula: 'max(own, business_hours)', target: 2 },
      triggers: [
        KedaTrigger.prometheus({ serverAddress: 'http://prometheus:9090', query: 'sum(app_queue_depth{namespace="llm"})', threshold: 5, name: 'own' }),
        KedaTrigger.cron({ timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: 2, name: 'business_hours' }),
      ],
    });
    const so = oneOfKind(synth(chart), 'ScaledObject');
    // WHEN: Monday 07:00 in Berlin, a queue of 8 from 07:10
    const keda = new KedaSimulation(so, '2026-11-30T07:00:00+01:00');
    const read = jest.fn<TriggerReading, [number]>(() => value(8));
    const before = keda.step(0, 0, [], () => value(0));
    const after = keda.step(600, 0, [], read);
    // THEN
    expect(keda.triggers.map(t => t.type)).toEqual(['prometheus', 'cron']);
    expect((keda.hpaSpec.metrics![0] as any).external.metric.name).toBe('composite-metric');
    expect(before.desiredReplicas).toBe(0);
    expect(after.events[0]).toBe('activated: 0 -> 1');
    // the HPA reads the prometheus trigger (the cron one is read internally): max(8, 0) / 2 = 4
    expect(after.desiredReplicas).toBe(4);
    expect(read.mock.calls.every(([i]) => i === 0)).toBe(true);
  });
});

describe('KEDA annotations', () => {
  const annotated = (annotations: Record<string, string>, spec: Record<string, unknown> = {}) => {
    const so = scaledObject({ minReplicaCount: 0, cooldownPeriod: 30, triggers: [prometheus('5')], ...spec });
    return { ...so, metadata: { ...so.metadata, annotations } };
  };

  test('paused-replicas holds the target there and reads nothing', () => {
    const keda = new KedaSimulation(annotated({ 'autoscaling.keda.sh/paused-replicas': '0' }), START);
    const read = jest.fn(() => value(50));
    expect(keda.step(0, 3, pods(3), read)).toMatchObject({ desiredReplicas: 0, events: ['paused: 3 -> 0'] });
    expect(read).not.toHaveBeenCalled();
  });

  test('paused keeps the current replicas', () => {
    const keda = new KedaSimulation(annotated({ 'autoscaling.keda.sh/paused': 'true' }), START);
    expect(drive(keda, { to: 600, start: 2, reading: () => value(50) }).every(k => k.replicas === 2)).toBe(true);
  });

  test('paused-scale-in: the HPA\'s scale-down is Disabled and the operator does not scale to zero', () => {
    const keda = new KedaSimulation(annotated({ 'autoscaling.keda.sh/paused-scale-in': 'true' }, {
      advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } },
    }), START);
    expect(keda.hpaSpec.behavior).toEqual({ scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Disabled' } });
    expect(drive(keda, { to: 900, start: 4, reading: () => value(0) }).every(k => k.replicas === 4)).toBe(true);
  });

  test('paused-scale-out: no wake from zero, and the HPA\'s scale-up is Disabled', () => {
    const keda = new KedaSimulation(annotated({ 'autoscaling.keda.sh/paused-scale-out': 'yes' }), START);
    expect(keda.hpaSpec.behavior).toEqual({ scaleUp: { selectPolicy: 'Disabled' } });
    expect(drive(keda, { to: 300, start: 0, reading: () => value(50) }).every(k => k.replicas === 0)).toBe(true);
    expect(new KedaSimulation(annotated({ 'autoscaling.keda.sh/paused-scale-out': 'yes' }), START).step(0, 2, pods(2), () => value(50)).desiredReplicas).toBe(2);
  });

  test('force-activation wakes an idle target', () => {
    const keda = new KedaSimulation(annotated({ 'autoscaling.keda.sh/force-activation': 'true' }), START);
    expect(keda.step(0, 0, [], () => value(0)).events[0]).toBe('activated: 0 -> 1');
  });

  test('a paused-replicas that is not a number', () => {
    expect(() => new KedaSimulation(annotated({ 'autoscaling.keda.sh/paused-replicas': 'none' }), START)).toThrow(
      new Error("'scaledObject.metadata.annotations.autoscaling.keda.sh/paused-replicas' (\"none\") must be a whole number of replicas as a string, e.g. '0'"));
  });
});
