/**
 * KEDA scalingModifiers (v2.18.3 scaledobject_webhook.go ValidateAndCompileScalingModifiers,
 * modifiers/formula.go, scale_handler.go, controllers/keda/hpa.go): one composite External
 * metric computed by the formula over the triggers by name, activation against activationTarget.
 */
import { KedaSimulation, TriggerReading } from '../../lib';
import { compileFormula } from '../../lib/whatif/_keda-formula';
import { pods, prometheus, scaledObject, START } from './keda-helpers';

const value = (v: number): TriggerReading => ({ kind: 'ok', value: v });

function modified(scalingModifiers: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return scaledObject({
    minReplicaCount: 0,
    maxReplicaCount: 50,
    advanced: { scalingModifiers },
    triggers: [prometheus('5', { activationThreshold: '1000' }, { name: 'queue' }), prometheus('5', {}, { name: 'running' })],
    ...extra,
  });
}

describe('the composite metric', () => {
  test('the HPA gets one External metric composite-metric with the modifiers target; Resource metrics are kept', () => {
    const keda = new KedaSimulation(modified({ formula: '(queue + running) / 2', target: '2.5' }, {
      triggers: [
        prometheus('5', {}, { name: 'queue' }), prometheus('5', {}, { name: 'running' }),
        { type: 'memory', metricType: 'AverageValue', metadata: { value: '1Gi' } },
      ],
    }), START);
    expect(keda.hpaSpec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Gi' } } },
      {
        type: 'External',
        external: {
          metric: { name: 'composite-metric', selector: { matchLabels: { 'scaledobject.keda.sh/name': 'llm' } } },
          target: { type: 'AverageValue', averageValue: '2500m' },
        },
      },
    ]);
  });

  test('the HPA scales on the formula\'s value', () => {
    const keda = new KedaSimulation(modified({ formula: '(queue + running) / 2', target: '5' }), START);
    const r = keda.step(0, 2, pods(2), i => value(i === 0 ? 30 : 10));
    // (30 + 10) / 2 = 20 over an average target of 5: 4 replicas
    expect(r.desiredReplicas).toBe(4);
    expect(r.triggerValues).toEqual([30, 10]);
  });

  test('metricType Value', () => {
    const keda = new KedaSimulation(modified({ formula: 'queue', target: '10', metricType: 'Value' }), START);
    expect((keda.hpaSpec.metrics![0] as any).external.target).toEqual({ type: 'Value', value: '10' });
    // 20 / 10 x 2 ready = 4
    expect(keda.step(0, 2, pods(2), () => value(20)).desiredReplicas).toBe(4);
  });

  test('activation is the composite against activationTarget (strictly above); the triggers\' own thresholds do not count', () => {
    const keda = new KedaSimulation(modified({ formula: 'queue + running', target: '5', activationTarget: '4' }), START);
    // 2 + 2 = 4 is not above 4; 4.5 is (the running trigger alone would be active at 2: ignored)
    expect(keda.step(0, 0, [], () => value(2)).active).toBe(false);
    expect(keda.step(30, 0, [], i => value(i === 0 ? 2 : 2.5)).active).toBe(true);
  });

  test('activationTarget defaults to 0', () => {
    const keda = new KedaSimulation(modified({ formula: 'queue - running', target: '5' }), START);
    expect(keda.step(0, 0, [], () => value(3)).active).toBe(false); // 0
    expect(keda.step(30, 0, [], i => value(i === 0 ? 3 : 2)).active).toBe(true); // 1
  });

  test('a ternary with min and max', () => {
    const keda = new KedaSimulation(modified({ formula: 'queue > 10 ? max(queue, running) : min(queue, running)', target: '1' }, {
      advanced: {
        scalingModifiers: { formula: 'queue > 10 ? max(queue, running) : min(queue, running)', target: '1' },
        horizontalPodAutoscalerConfig: { behavior: { scaleUp: { policies: [{ type: 'Pods', value: 100, periodSeconds: 15 }] } } },
      },
    }), START);
    expect(keda.step(0, 1, pods(1), i => value(i === 0 ? 12 : 20)).desiredReplicas).toBe(20);
    expect(keda.step(15, 20, pods(20), i => value(i === 0 ? 4 : 20)).desiredReplicas).toBe(20); // scale-down stabilization holds
  });

  test('a failed trigger fails the composite: not active, and the HPA does not scale down', () => {
    const keda = new KedaSimulation(modified({ formula: 'queue + running', target: '5' }), START);
    const r = keda.step(0, 4, pods(4), i => (i === 0 ? { kind: 'error', reason: 'timeout' } : value(1)));
    expect(r.active).toBe(false);
    expect(r.desiredReplicas).toBe(4);
  });

  test('a formula that gives Infinity is a failed read', () => {
    const keda = new KedaSimulation(modified({ formula: 'queue / running', target: '5' }), START);
    const r = keda.step(0, 4, pods(4), i => value(i === 0 ? 1 : 0));
    expect(r.desiredReplicas).toBe(4);
    expect(r.active).toBe(false);
  });
});

describe('scalingModifiers: bad input', () => {
  const prop = 'scaledObject.spec.advanced.scalingModifiers';
  const make = (sm: Record<string, unknown>) => () => new KedaSimulation(modified(sm), START);
  test('an unparsable formula', () => {
    expect(make({ formula: '(queue + ', target: '5' })).toThrow(
      new Error(`'${prop}.formula' ("(queue + ") cannot be parsed: unexpected end of formula at character 10`));
    expect(make({ formula: 'queue running', target: '5' })).toThrow(
      new Error(`'${prop}.formula' ("queue running") cannot be parsed: unexpected 'running' at character 7`));
  });
  test('a name that is not a trigger', () => {
    expect(make({ formula: 'queue + waiting', target: '5' })).toThrow(
      new Error(`'${prop}.formula' ("queue + waiting") reads 'waiting', which is not the name of a trigger KEDA passes to the formula ('queue', 'running'); cpu and memory triggers are not passed`));
  });
  test('an operator or function outside the supported subset', () => {
    expect(make({ formula: 'queue % 2', target: '5' })).toThrow(
      new Error(`'${prop}.formula' ("queue % 2") uses '%' at character 7, which is not supported here: use numbers, trigger names, + - * / ** ^, comparisons, && || !, ?: and min, max, abs, ceil, floor, round, float, int`));
    expect(make({ formula: 'count([queue], {# > 1})', target: '5' })).toThrow(
      new Error(`'${prop}.formula' ("count([queue], {# > 1})") uses '[' at character 7, which is not supported here: use numbers, trigger names, + - * / ** ^, comparisons, && || !, ?: and min, max, abs, ceil, floor, round, float, int`));
    expect(make({ formula: 'sqrt(queue)', target: '5' })).toThrow(
      new Error(`'${prop}.formula' ("sqrt(queue)") uses 'sqrt()', which is not supported here: use min, max, abs, ceil, floor, round, float or int`));
  });
  test('a boolean formula', () => {
    expect(make({ formula: 'queue > 1', target: '5' })).toThrow(
      new Error(`'${prop}.formula' ("queue > 1") cannot be compiled: the formula must give a number, not a boolean`));
  });
  test('a formula without target, a target of 0, metricType Utilization, no formula', () => {
    expect(make({ formula: 'queue' })).toThrow(
      new Error(`'${prop}.target' (undefined) must be set with a formula ("formula is given but target is empty")`));
    expect(make({ formula: 'queue', target: '0' })).toThrow(
      new Error(`'${prop}.target' ("0") must be a number greater than 0, as a string, e.g. '5'`));
    expect(make({ formula: 'queue', target: '5', metricType: 'Utilization' })).toThrow(
      new Error(`'${prop}.metricType' ("Utilization") must be 'AverageValue' or 'Value': the composite metric is an External metric`));
    expect(make({ target: '5' })).toThrow(
      new Error(`'${prop}.formula' (undefined) must be set when scalingModifiers is used ("error ScalingModifiers.Formula is mandatory")`));
  });
});

describe('the formula subset (expr-lang semantics)', () => {
  const vars = new Set(['a', 'b']);
  const evaluate = (formula: string, values: Record<string, number> = { a: 3, b: 4 }) => compileFormula('f', formula, vars).evaluate(values);
  test.each([
    ['2 + 3 * 4', 14],
    ['(2 + 3) * 4', 20],
    ['2 ** 3 ** 2', 512],
    ['2 ^ 3', 8],
    ['a / b', 0.75],
    ['-a + b', 1],
    ['a > 2 && b < 5 ? 1 : 0', 1],
    ['a > 5 or not (b == 4) ? 1 : 0', 0],
    ['a == 3 ? b : a', 4],
    ['min(a, b, 1)', 1],
    ['max(a, b)', 4],
    ['abs(a - b)', 1],
    ['ceil(a / b)', 1],
    ['floor(b / a)', 1],
    ['round(-2.5)', -3],
    ['round(2.5)', 3],
    ['int(-2.7)', -2],
    ['float(a)', 3],
    ['1_000 + 1e3 + .5', 2000.5],
    ['a > 1 ? b > 1 ? 2 : 3 : 4', 2],
  ])('%s = %d', (formula, expected) => {
    expect(evaluate(formula)).toBe(expected);
  });

  test('the names the formula reads', () => {
    expect([...compileFormula('f', 'a * 2', vars).variables]).toEqual(['a']);
  });

  test('type errors', () => {
    expect(() => compileFormula('f', 'a && b', vars)).toThrow(new Error('\'f\' ("a && b") cannot be compiled: the left side of \'&&\' must be a boolean, got a number'));
    expect(() => compileFormula('f', 'a > 1 ? 1 : b > 1', vars)).toThrow(new Error('\'f\' ("a > 1 ? 1 : b > 1") cannot be compiled: both branches of \'?:\' must have the same type'));
    expect(() => compileFormula('f', 'abs(a, b)', vars)).toThrow(new Error('\'f\' ("abs(a, b)") cannot be compiled: \'abs()\' takes 1 argument(s), got 2'));
    expect(() => compileFormula('f', '', vars)).toThrow(new Error('\'f\' ("") must be a non-empty expr-lang formula over the trigger names, e.g. \'(queue + running) / 2\''));
  });
});
