import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  HorizontalAutoscaler, HpaMetric, ScalingBehavior, ScalingBehaviors, ScalingPolicyType, ScalingRules, SelectPolicy,
} from '../../lib';
import { renderBehavior } from '../../lib/autoscaling/behavior';
import { oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

/** One scale-up rule with a single policy, for the error tests. */
function up(rules: Partial<ScalingRules>): ScalingBehavior {
  return { scaleUp: { policies: [{ type: ScalingPolicyType.PODS, value: 1, period: Duration.seconds(60) }], ...rules } };
}

describe('ScalingBehaviors.SEED', () => {
  const rendered = renderBehavior(ScalingBehaviors.SEED);

  test('scale up after 60 s by the larger of 100 % and 2 pods per 60 s', () => {
    expect(rendered.scaleUp).toEqual({
      stabilizationWindowSeconds: 60,
      selectPolicy: 'Max',
      policies: [
        { type: 'Percent', value: 100, periodSeconds: 60 },
        { type: 'Pods', value: 2, periodSeconds: 60 },
      ],
    });
  });

  test('scale down after 300 s by the smaller of 50 % and 1 pod per 60 s', () => {
    expect(rendered.scaleDown).toEqual({
      stabilizationWindowSeconds: 300,
      selectPolicy: 'Min',
      policies: [
        { type: 'Percent', value: 50, periodSeconds: 60 },
        { type: 'Pods', value: 1, periodSeconds: 60 },
      ],
    });
  });
});

describe('ScalingBehaviors.GPU_POOL', () => {
  const rendered = renderBehavior(ScalingBehaviors.GPU_POOL);

  test('scale up at once, one pod per 180 s', () => {
    expect(rendered.scaleUp).toEqual({
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [{ type: 'Pods', value: 1, periodSeconds: 180 }],
    });
  });

  test('scale down one pod per 300 s after 900 s of lower load', () => {
    expect(rendered.scaleDown).toEqual({
      stabilizationWindowSeconds: 900,
      selectPolicy: 'Min',
      policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }],
    });
  });
});

describe('rendering', () => {
  test('selectPolicy defaults to Max; an unset stabilization window is left to Kubernetes', () => {
    expect(renderBehavior(up({}))).toEqual({
      scaleUp: { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
    });
  });

  test('an unset direction is not rendered', () => {
    expect(renderBehavior({})).toEqual({});
    expect(Object.keys(renderBehavior(up({})))).toEqual(['scaleUp']);
  });

  test('SelectPolicy.DISABLED turns a direction off', () => {
    expect(renderBehavior(up({ selectPolicy: SelectPolicy.DISABLED })).scaleUp).toMatchObject({ selectPolicy: 'Disabled' });
  });

  test('the limits themselves are accepted: period 1 s and 1800 s, stabilization 0 s and 3600 s', () => {
    expect(() => renderBehavior(up({ stabilizationWindow: Duration.seconds(0), policies: [{ type: ScalingPolicyType.PODS, value: 1, period: Duration.seconds(1) }] }))).not.toThrow();
    expect(() => renderBehavior(up({ stabilizationWindow: Duration.hours(1), policies: [{ type: ScalingPolicyType.PERCENT, value: 10, period: Duration.minutes(30) }] }))).not.toThrow();
  });

  test.each([
    ['SEED', ScalingBehaviors.SEED],
    ['GPU_POOL', ScalingBehaviors.GPU_POOL],
  ])('%s passes strict autoscaling/v2 validation on an HPA', (_name, behavior) => {
    const chart = testChart();
    const deployment = new kplus.Deployment(chart, 'app', { containers: [{ name: 'app', image: 'nginx:1.27.0', portNumber: 8080 }] });
    new HorizontalAutoscaler(chart, 'hpa', { target: { deployment }, maxReplicas: 4, metrics: [HpaMetric.cpuUtilization(70)], behavior });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    expect(oneOfKind(manifests, 'HorizontalPodAutoscaler').spec.behavior).toEqual(renderBehavior(behavior));
  });
});

describe('errors', () => {
  test('period 0 s', () => {
    expect(() => renderBehavior(up({ policies: [{ type: ScalingPolicyType.PODS, value: 1, period: Duration.seconds(0) }] })))
      .toThrow(new Error("'behavior.scaleUp.policies[0].period' (\"0ms\") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(1))"));
  });

  test('period 1801 s', () => {
    expect(() => renderBehavior({ scaleDown: { policies: [{ type: ScalingPolicyType.PERCENT, value: 50, period: Duration.seconds(1801) }] } }))
      .toThrow(new Error("'behavior.scaleDown.policies[0].period' (\"1801s\") must be whole seconds from 1 to 1800 (the API's limit)"));
  });

  test('stabilization window 3601 s', () => {
    expect(() => renderBehavior({ scaleDown: { stabilizationWindow: Duration.seconds(3601), policies: [{ type: ScalingPolicyType.PODS, value: 1, period: Duration.seconds(60) }] } }))
      .toThrow(new Error("'behavior.scaleDown.stabilizationWindow' (\"3601s\") must be whole seconds from 0 to 3600 (the API's limit)"));
  });

  test('empty policies', () => {
    expect(() => renderBehavior(up({ policies: [] })))
      .toThrow(new Error("'behavior.scaleUp.policies' ([]) must not be empty: the API requires at least one policy (use SelectPolicy.DISABLED to turn this direction off)"));
  });

  test('policy value 0', () => {
    expect(() => renderBehavior(up({ policies: [{ type: ScalingPolicyType.PODS, value: 1, period: Duration.seconds(60) }, { type: ScalingPolicyType.PERCENT, value: 0, period: Duration.seconds(60) }] })))
      .toThrow(new Error("'behavior.scaleUp.policies[1].value' (0) must be a whole number from 1 to 2147483647"));
  });

  test('a stabilization window or period cdk8s cannot convert names the prop', () => {
    expect(() => renderBehavior(up({ stabilizationWindow: Duration.millis(1500), policies: [{ type: ScalingPolicyType.PODS, value: 1, period: Duration.seconds(60) }] })))
      .toThrow(new Error("'behavior.scaleUp.stabilizationWindow' (\"1500ms\") must be a whole number of seconds, at least 0s (e.g. Duration.seconds(2))"));
    expect(() => renderBehavior(up({ stabilizationWindow: Duration.seconds(NaN), policies: [{ type: ScalingPolicyType.PODS, value: 1, period: Duration.seconds(60) }] })))
      .toThrow(new Error("'behavior.scaleUp.stabilizationWindow' (\"NaN\") must be a finite Duration"));
    expect(() => renderBehavior(up({ policies: [{ type: ScalingPolicyType.PODS, value: 1, period: Duration.minutes(1e-9) }] })))
      .toThrow(new Error("'behavior.scaleUp.policies[0].period' (\"0.00006ms\") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(1))"));
  });

  test('plain JavaScript: enums cast in, policies or period missing, values NaN or huge', () => {
    const period = Duration.seconds(60);
    expect(() => renderBehavior(up({ selectPolicy: 'Fastest' as any, policies: [{ type: ScalingPolicyType.PODS, value: 1, period }] })))
      .toThrow(new Error("'behavior.scaleUp.selectPolicy' (\"Fastest\") must be one of Max, Min, Disabled"));
    expect(() => renderBehavior(up({ policies: [{ type: 'Replicas' as any, value: 1, period }] })))
      .toThrow(new Error("'behavior.scaleUp.policies[0].type' (\"Replicas\") must be one of Pods, Percent"));
    expect(() => renderBehavior(up({ policies: undefined as any })))
      .toThrow(new Error("'behavior.scaleUp.policies' (undefined) is required: at least one ScalingPolicy"));
    expect(() => renderBehavior(up({ policies: [{ type: ScalingPolicyType.PODS, value: 1, period: undefined as any }] })))
      .toThrow(new Error("'behavior.scaleUp.policies[0].period' (undefined) is required: a Duration from 1 second to 30 minutes"));
    expect(() => renderBehavior(up({ policies: [{ type: ScalingPolicyType.PODS, value: NaN, period }] })))
      .toThrow(new Error("'behavior.scaleUp.policies[0].value' (NaN) must be a whole number from 1 to 2147483647"));
    expect(() => renderBehavior(up({ policies: [{ type: ScalingPolicyType.PERCENT, value: 1e10, period }] })))
      .toThrow(new Error("'behavior.scaleUp.policies[0].value' (10000000000) must be a whole number from 1 to 2147483647"));
  });
});
