import { Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  Accelerator, FallbackBehavior, KEDA_MIN_VERSION, KedaMetricType, KedaScaledObject, KedaScaledObjectProps, KedaTrigger, LlmSignal,
  ScalingBehaviors, SignalSource, VllmPool,
} from '../../lib';
import { allOfKind, Manifest, oneOfKind, synth, testChart, SCRAPER } from '../util/synth';
import { expectValidManifests } from '../util/validate';

/**
 * The vLLM version a custom image runs (the pool's `vllmVersion`, required for images whose tag
 * carries none), spread in untyped so this file compiles with and without that prop.
 */
const CUSTOM_IMAGE_VERSION = { vllmVersion: '0.16.0' } as object;

const PROMETHEUS = 'http://prometheus-operated.monitoring.svc.cluster.local:9090';
const TOKEN = { secretName: 'prometheus-auth', key: 'token' };

/** A trigger on the workload's own pods. */
const own = KedaTrigger.prometheus({ serverAddress: PROMETHEUS, query: 'sum(app_queue_depth{namespace="llm"})', threshold: 5, name: 'own' });
/** A trigger on another workload's metric, read with a bearer token. */
const external = KedaTrigger.prometheus({
  serverAddress: PROMETHEUS, query: 'sum(rate(litellm_proxy_total_requests_metric_total{namespace="llm"}[2m]))', threshold: 2,
  name: 'external', source: SignalSource.EXTERNAL, auth: { mode: 'bearer', bearerToken: TOKEN },
});
/** A Value trigger (no fallback possible on it alone). */
const latency = KedaTrigger.prometheus({
  serverAddress: PROMETHEUS, query: 'histogram_quantile(0.95, sum by (le) (rate(app_latency_seconds_bucket[2m])))', threshold: 2,
  name: 'latency', metricType: KedaMetricType.VALUE,
});
const businessHours = KedaTrigger.cron({ timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: 2, name: 'business_hours' });

/** A plain cdk8s-plus Deployment with one container, in `chart`. */
function plainDeployment(chart: Chart, props: kplus.DeploymentProps = {}): kplus.Deployment {
  const deployment = new kplus.Deployment(chart, 'app', props);
  deployment.addContainer({ name: 'app', image: 'nginx:1.27', portNumber: 8080 });
  return deployment;
}

/** A ScaledObject `so` on a plain Deployment `app` in namespace `llm`, synthesized and strictly validated. */
function render(props: Partial<KedaScaledObjectProps> = {}): { manifests: Manifest[]; so: KedaScaledObject; deployment: kplus.Deployment } {
  const chart = testChart();
  const deployment = plainDeployment(chart);
  const so = new KedaScaledObject(chart, 'so', { target: { deployment }, maxReplicas: 5, triggers: [own], ...props });
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return { manifests, so, deployment };
}

/** Constructs only (for errors raised in the constructor). */
function make(props: Partial<KedaScaledObjectProps> = {}, deploymentProps: kplus.DeploymentProps = {}): KedaScaledObject {
  const chart = testChart();
  const deployment = plainDeployment(chart, deploymentProps);
  return new KedaScaledObject(chart, 'so', { target: { deployment }, maxReplicas: 5, triggers: [own], ...props });
}

function scaledObjectOf(manifests: Manifest[]): Manifest {
  return oneOfKind(manifests, 'ScaledObject');
}

function triggerNamed(manifests: Manifest[], name: string): Manifest {
  const trigger = scaledObjectOf(manifests).spec.triggers.find((t: Manifest) => t.name === name);
  if (!trigger) throw new Error(`no trigger ${name}`);
  return trigger;
}

const SCALE_TO_ZERO_RULE = 'scales to zero but every trigger reads the workload\'s own pods, which report nothing at zero replicas: it could never wake; add a trigger that exists at zero (LlmSignal.proxyRequestRate for its model group, or a cron window)';

describe('on a plain Deployment: defaults', () => {
  const { manifests, so, deployment } = render();
  const scaledObject = scaledObjectOf(manifests);

  test('renders a keda.sh/v1alpha1 ScaledObject in the chart namespace, and no TriggerAuthentication', () => {
    expect(scaledObject.apiVersion).toBe('keda.sh/v1alpha1');
    expect(scaledObject.metadata.namespace).toBe('llm');
    expect(allOfKind(manifests, 'TriggerAuthentication')).toHaveLength(0);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Deployment', 'ScaledObject']);
  });

  test('scaleTargetRef names the Deployment', () => {
    expect(scaledObject.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.name });
  });

  test('minReplicaCount 1, maxReplicaCount as given, pollingInterval 15 s', () => {
    expect(scaledObject.spec.minReplicaCount).toBe(1);
    expect(scaledObject.spec.maxReplicaCount).toBe(5);
    expect(scaledObject.spec.pollingInterval).toBe(15);
  });

  test('no cooldownPeriod, initialCooldownPeriod, idleReplicaCount, fallback or advanced', () => {
    for (const key of ['cooldownPeriod', 'initialCooldownPeriod', 'idleReplicaCount', 'fallback', 'advanced']) {
      expect(scaledObject.spec).not.toHaveProperty(key);
    }
  });

  test('the trigger: type, name, string metadata, metricType, no authenticationRef', () => {
    expect(scaledObject.spec.triggers).toEqual([{
      type: 'prometheus', name: 'own', metricType: 'AverageValue',
      metadata: { serverAddress: PROMETHEUS, query: 'sum(app_queue_depth{namespace="llm"})', threshold: '5' },
    }]);
  });

  test('the target Deployment renders no spec.replicas', () => {
    expect(oneOfKind(manifests, 'Deployment').spec).not.toHaveProperty('replicas');
  });

  test('handles: name, hpaName keda-hpa-<name>, bounds, triggers, no fallback, no authentication', () => {
    expect(so.name).toBe(scaledObject.metadata.name);
    expect(so.hpaName).toBe(`keda-hpa-${scaledObject.metadata.name}`);
    expect(so.minReplicas).toBe(1);
    expect(so.maxReplicas).toBe(5);
    expect(so.triggers).toEqual([own]);
    expect(so.hasFallback).toBe(false);
    expect(so.authentications).toEqual([]);
  });
});

describe('features', () => {
  test('pollingInterval, cooldownPeriod and initialCooldownPeriod in seconds', () => {
    const { manifests } = render({
      triggers: [own, external], minReplicas: 0,
      pollingInterval: Duration.seconds(30), cooldownPeriod: Duration.minutes(10), initialCooldownPeriod: Duration.minutes(20),
    });
    const spec = scaledObjectOf(manifests).spec;
    expect(spec.minReplicaCount).toBe(0);
    expect(spec.pollingInterval).toBe(30);
    expect(spec.cooldownPeriod).toBe(600);
    expect(spec.initialCooldownPeriod).toBe(1200);
  });

  test('idleReplicaCount 0 below minReplicas 1, with a trigger that exists at zero', () => {
    const { manifests } = render({ triggers: [own, external], idleReplicaCount: 0 });
    const spec = scaledObjectOf(manifests).spec;
    expect(spec.idleReplicaCount).toBe(0);
    expect(spec.minReplicaCount).toBe(1);
  });

  test('scale to zero woken by a cron window', () => {
    const { manifests } = render({ triggers: [own, businessHours], minReplicas: 0 });
    expect(triggerNamed(manifests, 'business_hours')).toEqual({
      type: 'cron', name: 'business_hours',
      metadata: { timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: '2' },
    });
    expect(triggerNamed(manifests, 'business_hours')).not.toHaveProperty('metricType');
  });

  test('fallback defaults: failureThreshold 3, behavior currentReplicasIfHigher', () => {
    const { manifests, so } = render({ fallback: { replicas: 2 } });
    expect(scaledObjectOf(manifests).spec.fallback).toEqual({ failureThreshold: 3, replicas: 2, behavior: 'currentReplicasIfHigher' });
    expect(so.hasFallback).toBe(true);
  });

  test('fallback with its own failureThreshold and behavior', () => {
    const { manifests } = render({ fallback: { replicas: 1, failureThreshold: 5, behavior: FallbackBehavior.STATIC } });
    expect(scaledObjectOf(manifests).spec.fallback).toEqual({ failureThreshold: 5, replicas: 1, behavior: 'static' });
  });

  test('fallback with one AverageValue trigger beside a Value trigger', () => {
    const { manifests } = render({ triggers: [own, latency], fallback: { replicas: 2, behavior: FallbackBehavior.CURRENT_REPLICAS } });
    expect(scaledObjectOf(manifests).spec.fallback.behavior).toBe('currentReplicas');
    expect(triggerNamed(manifests, 'latency').metricType).toBe('Value');
  });

  test('behavior is rendered under advanced.horizontalPodAutoscalerConfig.behavior', () => {
    const { manifests } = render({ behavior: ScalingBehaviors.GPU_POOL });
    expect(scaledObjectOf(manifests).spec.advanced).toEqual({
      horizontalPodAutoscalerConfig: {
        behavior: {
          scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 180 }] },
          scaleDown: { stabilizationWindowSeconds: 900, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }] },
        },
      },
    });
  });

  test('scalingModifiers: a formula over named triggers, target and activationTarget as strings, AverageValue by default', () => {
    const { manifests } = render({
      triggers: [own, latency], scalingModifiers: { formula: 'own + latency * 10', target: 5, activationTarget: 1 },
    });
    expect(scaledObjectOf(manifests).spec.advanced).toEqual({
      scalingModifiers: { formula: 'own + latency * 10', target: '5', activationTarget: '1', metricType: 'AverageValue' },
    });
  });

  test('scalingModifiers with functions, metricType Value, and a behavior beside it', () => {
    const { manifests } = render({
      triggers: [own, latency], behavior: ScalingBehaviors.SEED,
      scalingModifiers: { formula: 'max(own, latency)', target: 0.5, metricType: KedaMetricType.VALUE },
    });
    const advanced = scaledObjectOf(manifests).spec.advanced;
    expect(advanced.scalingModifiers).toEqual({ formula: 'max(own, latency)', target: '0.5', metricType: 'Value' });
    expect(advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.stabilizationWindowSeconds).toBe(60);
  });

  test('a TriggerAuthentication with secretTargetRef, referenced only by the triggers that need it', () => {
    const { manifests, so } = render({ triggers: [own, external] });
    const auth = oneOfKind(manifests, 'TriggerAuthentication');
    expect(auth.apiVersion).toBe('keda.sh/v1alpha1');
    expect(auth.metadata.namespace).toBe('llm');
    expect(auth.spec).toEqual({ secretTargetRef: [{ parameter: 'bearerToken', name: 'prometheus-auth', key: 'token' }] });
    expect(so.authentications.map(a => a.name)).toEqual([auth.metadata.name]);
    expect(triggerNamed(manifests, 'external').authenticationRef).toEqual({ name: auth.metadata.name });
    expect(triggerNamed(manifests, 'external').metadata.authModes).toBe('bearer');
    expect(triggerNamed(manifests, 'own')).not.toHaveProperty('authenticationRef');
  });

  test('a redis list trigger with a password: the password only in the TriggerAuthentication', () => {
    const queue = KedaTrigger.redisList({ address: 'redis.llm.svc:6379', listName: 'pending', listLength: 10, password: { secretName: 'redis', key: 'password' }, name: 'pending' });
    const { manifests } = render({ triggers: [queue], minReplicas: 0 });
    const auth = oneOfKind(manifests, 'TriggerAuthentication');
    expect(auth.spec.secretTargetRef).toEqual([{ parameter: 'password', name: 'redis', key: 'password' }]);
    expect(triggerNamed(manifests, 'pending')).toEqual({
      type: 'redis', name: 'pending', metricType: 'AverageValue', authenticationRef: { name: auth.metadata.name },
      metadata: { address: 'redis.llm.svc:6379', listName: 'pending', listLength: '10' },
    });
  });
});

describe('on a VllmPool', () => {
  const chart = testChart();
  const pool = new VllmPool(chart, 'pool', { model: 'meta-llama/Llama-3.1-8B-Instruct', servedModelName: 'llama', accelerator: Accelerator.nvidiaGpu(1) });
  const so = new KedaScaledObject(chart, 'so', { target: pool, maxReplicas: 3, triggers: [own], fallback: { replicas: 1 } });
  const manifests = synth(chart);

  test('is valid', () => {
    expectValidManifests(manifests);
  });

  test('scaleTargetRef names the pool Deployment', () => {
    expect(scaledObjectOf(manifests).spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: pool.deployment.name });
    expect(so.hpaName).toBe(`keda-hpa-${so.name}`);
  });

  test('the pool Deployment renders no spec.replicas', () => {
    expect(oneOfKind(manifests, 'Deployment', pool.deployment.name).spec).not.toHaveProperty('replicas');
  });
});

describe('errors', () => {
  test('minReplicas greater than maxReplicas', () => {
    expect(() => make({ minReplicas: 3, maxReplicas: 2 })).toThrow(new Error('\'minReplicas\' (3) must not exceed maxReplicas (2)'));
  });

  test('maxReplicas 0', () => {
    expect(() => make({ maxReplicas: 0 })).toThrow(new Error('\'maxReplicas\' (0) must be a whole number from 1 to 2147483647'));
  });

  test('minReplicas -1', () => {
    expect(() => make({ minReplicas: -1 })).toThrow(new Error('\'minReplicas\' (-1) must be a whole number from 0 to 2147483647'));
  });

  test('no triggers', () => {
    expect(() => make({ triggers: [] })).toThrow(new Error('\'triggers\' ([]) must name at least one trigger'));
  });

  test('two triggers with the same name', () => {
    expect(() => make({ triggers: [own, latency.named('own')] })).toThrow(new Error(
      '\'triggers\' ("own") names two triggers alike: trigger names must be unique'));
  });

  test('minReplicas 0 with only own-pod triggers', () => {
    expect(() => make({ minReplicas: 0, triggers: [own, latency] })).toThrow(new Error(`'minReplicas' (0) ${SCALE_TO_ZERO_RULE}`));
  });

  test('idleReplicaCount 0 with only own-pod triggers', () => {
    expect(() => make({ idleReplicaCount: 0 })).toThrow(new Error(`'idleReplicaCount' (0) ${SCALE_TO_ZERO_RULE}`));
  });

  test('idleReplicaCount not below minReplicas', () => {
    expect(() => make({ triggers: [own, external], idleReplicaCount: 1 })).toThrow(new Error(
      '\'idleReplicaCount\' (1) must be less than minReplicas (1): KEDA only idles below the minimum'));
    expect(() => make({ triggers: [own, external], minReplicas: 2, idleReplicaCount: 3 })).toThrow(new Error(
      '\'idleReplicaCount\' (3) must be less than minReplicas (2): KEDA only idles below the minimum'));
  });

  test('fallback without an AverageValue trigger', () => {
    expect(() => make({ triggers: [latency], fallback: { replicas: 1 } })).toThrow(new Error(
      '\'fallback\' (1) needs at least one trigger with metricType AverageValue other than cpu or memory: KEDA supports fallback only for those'));
  });

  test('fallback.replicas above maxReplicas', () => {
    expect(() => make({ fallback: { replicas: 6 } })).toThrow(new Error('\'fallback.replicas\' (6) must not exceed maxReplicas (5)'));
  });

  test('fallback.replicas 0 and fallback.failureThreshold 0', () => {
    expect(() => make({ fallback: { replicas: 0 } })).toThrow(new Error('\'fallback.replicas\' (0) must be a whole number from 1 to 2147483647'));
    expect(() => make({ fallback: { replicas: 1, failureThreshold: 0 } })).toThrow(new Error(
      '\'fallback.failureThreshold\' (0) must be a whole number from 1 to 2147483647'));
  });

  test('pollingInterval 0', () => {
    expect(() => make({ pollingInterval: Duration.seconds(0) })).toThrow(new Error(
      '\'pollingInterval\' ("0ms") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(1))'));
  });

  test('a formula naming an unknown trigger', () => {
    expect(() => make({ triggers: [own, latency], scalingModifiers: { formula: 'own + queue', target: 2 } })).toThrow(new Error(
      '\'scalingModifiers.formula\' ("own + queue") references \'queue\', not the name of a trigger (own, latency)'));
  });

  test('a formula over unnamed triggers', () => {
    const unnamed = KedaTrigger.prometheus({ serverAddress: PROMETHEUS, query: 'sum(up)', threshold: 1 });
    expect(() => make({ triggers: [unnamed], scalingModifiers: { formula: 'up * 2', target: 2 } })).toThrow(new Error(
      '\'scalingModifiers.formula\' ("up * 2") references \'up\', not the name of a trigger (no trigger has a name)'));
  });

  test('a formula naming no trigger, and a target of 0', () => {
    expect(() => make({ scalingModifiers: { formula: '1 + 2', target: 2 } })).toThrow(new Error(
      '\'scalingModifiers.formula\' ("1 + 2") must reference at least one trigger by name'));
    expect(() => make({ scalingModifiers: { formula: 'own', target: 0 } })).toThrow(new Error(
      '\'scalingModifiers.target\' (0) must be greater than 0'));
  });

  test('a second replica owner: a ScaledObject then another ScaledObject on the same Deployment', () => {
    const chart = testChart();
    const deployment = plainDeployment(chart);
    new KedaScaledObject(chart, 'first', { target: { deployment }, maxReplicas: 5, triggers: [own] });
    expect(() => new KedaScaledObject(chart, 'second', { target: { deployment }, maxReplicas: 5, triggers: [own] })).toThrow(new Error(
      '\'target\' ("test/app") is already scaled by \'test/first\': at most one replica-owning autoscaler (HPA or KEDA ScaledObject) per workload; remove one of \'test/first\' and this KEDA ScaledObject \'test/second\''));
  });

  test('a target with fixed replicas', () => {
    expect(() => make({}, { replicas: 3 })).toThrow(new Error(
      '\'target\' ("test/app") has a fixed replicas (3): leave \'replicas\' unset on a workload an autoscaler owns, or Argo CD and the KEDA ScaledObject fight over it'));
  });

  test('a pool with fixed replicas', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', { model: 'Qwen/Qwen3-8B', accelerator: Accelerator.nvidiaGpu(1), replicas: 2 });
    expect(() => new KedaScaledObject(chart, 'so', { target: pool, maxReplicas: 3, triggers: [own], fallback: { replicas: 1 } })).toThrow(new Error(
      '\'target\' ("test/pool/Resource") has a fixed replicas (2): leave \'replicas\' unset on a workload an autoscaler owns, or Argo CD and the KEDA ScaledObject fight over it'));
  });

  test('a chart without a namespace', () => {
    const chart = testChart(null);
    const deployment = plainDeployment(chart);
    expect(() => new KedaScaledObject(chart, 'so', { target: { deployment }, maxReplicas: 5, triggers: [own] })).toThrow(new Error(
      '\'Chart.namespace\' (undefined) must be set for KedaScaledObject: its Service URL and metric selectors are namespace-scoped (new Chart(app, id, { namespace: \'...\' }))'));
  });
});

describe('fallback follows KEDA\'s CheckFallbackValid', () => {
  test('a cron trigger (no metricType) counts as AverageValue', () => {
    const { manifests } = render({ triggers: [latency, businessHours], fallback: { replicas: 1 } });
    expect(scaledObjectOf(manifests).spec.fallback.replicas).toBe(1);
  });

  test('with scalingModifiers only their metricType counts', () => {
    const { manifests } = render({
      triggers: [latency.named('lat')],
      scalingModifiers: { formula: 'lat * 2', target: 4 },
      fallback: { replicas: 1 },
    });
    expect(scaledObjectOf(manifests).spec.advanced.scalingModifiers.metricType).toBe('AverageValue');
    expect(() => make({
      triggers: [own], scalingModifiers: { formula: 'own * 2', target: 4, metricType: KedaMetricType.VALUE }, fallback: { replicas: 1 },
    })).toThrow(new Error("'fallback' (1) needs scalingModifiers.metricType AverageValue: KEDA supports fallback only for AverageValue metrics"));
  });
});

describe('TriggerAuthentications', () => {
  const basic = { mode: 'basic' as const, username: { secretName: 'prom', key: 'user' }, password: { secretName: 'prom', key: 'password' } };
  const redis = KedaTrigger.redisList({ address: 'redis:6379', listName: 'pending', password: { secretName: 'redis', key: 'password' }, name: 'queue' });

  test('triggers with the same Secrets share one; the same parameter from different Secrets gets its own', () => {
    const a = KedaTrigger.prometheus({ serverAddress: PROMETHEUS, query: 'sum(a)', threshold: 1, name: 'a', auth: basic });
    const b = KedaTrigger.prometheus({ serverAddress: PROMETHEUS, query: 'sum(b)', threshold: 1, name: 'b', auth: basic });
    const { manifests, so } = render({ triggers: [a, b, redis] });
    const auths = allOfKind(manifests, 'TriggerAuthentication');
    expect(auths).toHaveLength(2);
    expect(so.authentications).toHaveLength(2);
    for (const auth of auths) {
      const parameters = auth.spec.secretTargetRef.map((r: Manifest) => r.parameter);
      expect(new Set(parameters).size).toBe(parameters.length);
    }
    expect(triggerNamed(manifests, 'a').authenticationRef).toEqual(triggerNamed(manifests, 'b').authenticationRef);
    expect(triggerNamed(manifests, 'queue').authenticationRef).not.toEqual(triggerNamed(manifests, 'a').authenticationRef);
  });
});

describe('names', () => {
  test('the ScaledObject takes the target Deployment\'s name; TriggerAuthentications <name>-auth, <name>-auth-1; KEDA\'s HPA keda-hpa-<name>', () => {
    const a = KedaTrigger.prometheus({ serverAddress: PROMETHEUS, query: 'sum(a)', threshold: 1, name: 'a', auth: { mode: 'bearer', bearerToken: TOKEN } });
    const b = KedaTrigger.prometheus({ serverAddress: PROMETHEUS, query: 'sum(b)', threshold: 1, name: 'b', auth: { mode: 'bearer', bearerToken: { secretName: 'other', key: 'token' } } });
    const { manifests, so, deployment } = render({ triggers: [a, b] });
    expect(so.name).toBe(deployment.name);
    expect(scaledObjectOf(manifests).metadata.name).toBe(deployment.name);
    expect(so.hpaName).toBe(`keda-hpa-${deployment.name}`);
    expect(allOfKind(manifests, 'TriggerAuthentication').map(m => m.metadata.name)).toEqual([`${deployment.name}-auth`, `${deployment.name}-auth-1`]);
    expect(triggerNamed(manifests, 'b').authenticationRef).toEqual({ name: `${deployment.name}-auth-1` });
  });

  test('a name of its own; the instance label is the name', () => {
    const { manifests, so } = render({ name: 'app-scaler' });
    expect(so.name).toBe('app-scaler');
    expect(scaledObjectOf(manifests).metadata).toMatchObject({ name: 'app-scaler', labels: { 'app.kubernetes.io/instance': 'app-scaler' } });
  });

  test('two ScaledObjects with one name in one namespace are refused, naming both', () => {
    const chart = testChart();
    const first = new kplus.Deployment(chart, 'first-app', { containers: [{ image: 'nginx:1.27', portNumber: 8080 }] });
    const second = new kplus.Deployment(chart, 'second-app', { containers: [{ image: 'nginx:1.27', portNumber: 8080 }] });
    new KedaScaledObject(chart, 'a', { target: { deployment: first }, maxReplicas: 2, triggers: [own], name: 'scaler' });
    expect(() => new KedaScaledObject(chart, 'b', { target: { deployment: second }, maxReplicas: 2, triggers: [own], name: 'scaler' })).toThrow(new Error(
      '\'name\' ("scaler") names a keda.sh/ScaledObject in namespace "llm" that \'test/a\' already renders: \'test/b\' would overwrite it on apply; give one of them another name'));
  });

  test('a name that is no DNS-1123 subdomain', () => {
    expect(() => make({ name: 'Scaler_1' })).toThrow(new Error(
      '\'name\' ("Scaler_1") must give a keda.sh/ScaledObject name that is a DNS-1123 subdomain (at most 253 lower-case alphanumerics, \'-\' or \'.\')'));
  });
});

describe('KEDA version and accelerator pools', () => {
  test('the minimum KEDA version is 2.18.0 (fractional fallback thresholds)', () => {
    expect(KEDA_MIN_VERSION).toBe('2.18.0');
  });

  test('a hand-built ScaledObject on an accelerator pool without a fallback is refused', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', { model: 'Qwen/Qwen3-8B', accelerator: Accelerator.nvidiaGpu(1) });
    expect(() => new KedaScaledObject(chart, 'so', { target: pool, maxReplicas: 3, triggers: [own] })).toThrow(new Error(
      '\'fallback\' (undefined) is required on accelerator pool \'test/pool/Resource\' (nvidia.com/gpu): without one, the pool drops to minReplicas whenever its metrics go missing (a Prometheus restart, a broken scrape) and each lost pod costs a model load; set fallback: { replicas: n } (KEDA then holds at least n, or the current replicas if more)'));
  });

  test('a CPU pool needs no fallback', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', { model: 'Qwen/Qwen3-0.6B', accelerator: Accelerator.cpu(), image: 'public.ecr.aws/q9t5s3a7/vllm-cpu-release-repo:v0.11.0', ...CUSTOM_IMAGE_VERSION });
    expect(new KedaScaledObject(chart, 'so', { target: pool, maxReplicas: 3, triggers: [own] }).hasFallback).toBe(false);
  });
});

describe('metric identity: a trigger reading a pool needs the pool\'s PodMonitor', () => {
  function poolScaler(monitor: boolean): Chart {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', { model: 'Qwen/Qwen3-8B', accelerator: Accelerator.nvidiaGpu(1) });
    new KedaScaledObject(chart, 'so', {
      target: pool, maxReplicas: 3, fallback: { replicas: 1 },
      triggers: [LlmSignal.queueDepth(pool, 5).trigger({ serverAddress: PROMETHEUS })],
    });
    // Monitored after the autoscaler: the check runs at synth.
    if (monitor) pool.monitor({ labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER });
    return chart;
  }

  test('without a monitor, synth fails naming the pool and the fix', () => {
    expect(() => synth(poolScaler(false))).toThrow(
      '\'triggers[0]\' ("test/pool") has no PodMonitor, but KedaScaledObject \'test/so\' reads its series by the \'pool\' label, which only the pool\'s PodMonitor adds at scrape time (without it the query matches nothing); call pool.monitor(discovery) on \'test/pool\'');
  });

  test('with a monitor (added later), it synthesizes', () => {
    expect(() => expectValidManifests(synth(poolScaler(true)))).not.toThrow();
  });
});

describe('hostile input', () => {
  test.each([
    ['maxReplicas NaN', { maxReplicas: NaN }, '\'maxReplicas\' (NaN) must be a whole number from 1 to 2147483647'],
    ['maxReplicas Infinity', { maxReplicas: Infinity }, '\'maxReplicas\' (Infinity) must be a whole number from 1 to 2147483647'],
    ['maxReplicas 1e12', { maxReplicas: 1e12 }, '\'maxReplicas\' (1000000000000) must be a whole number from 1 to 2147483647'],
    ['minReplicas 0.5', { minReplicas: 0.5 }, '\'minReplicas\' (0.5) must be a whole number from 0 to 2147483647'],
    ['triggers not a list', { triggers: 'own' as any }, '\'triggers\' ("own") must be a list of KedaTrigger'],
    ['a trigger that is no KedaTrigger', { triggers: [{ type: 'prometheus' } as any] }, '\'triggers[0]\' ({"type":"prometheus"}) must be a KedaTrigger (KedaTrigger.prometheus(), LlmSignal.trigger(), ...)'],
    ['pollingInterval 1500 ms', { pollingInterval: Duration.millis(1500) }, '\'pollingInterval\' ("1500ms") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(2))'],
    ['cooldownPeriod NaN', { cooldownPeriod: Duration.seconds(NaN) }, '\'cooldownPeriod\' ("NaN") must be a finite Duration'],
    ['initialCooldownPeriod not a Duration', { initialCooldownPeriod: 600 as any }, '\'initialCooldownPeriod\' (600) must be a Duration, e.g. Duration.seconds(30)'],
    ['fallback.behavior cast in', { fallback: { replicas: 1, behavior: 'always' as any } }, '\'fallback.behavior\' ("always") must be one of static, currentReplicas, currentReplicasIfHigher, currentReplicasIfLower'],
    ['scalingModifiers.metricType cast in', { scalingModifiers: { formula: 'own', target: 1, metricType: 'Utilization' as any } },
      '\'scalingModifiers.metricType\' ("Utilization") must be one of AverageValue, Value'],
    ['scalingModifiers.activationTarget -1', { scalingModifiers: { formula: 'own', target: 1, activationTarget: -1 } },
      '\'scalingModifiers.activationTarget\' (-1) must be greater than or equal to 0'],
  ] as Array<[string, Partial<KedaScaledObjectProps>, string]>)('%s', (_what, props, message) => {
    expect(() => make(props)).toThrow(new Error(message));
  });

  test('a name that is no string', () => {
    expect(() => make({ name: 0 as any })).toThrow(new Error('\'name\' (0) must be a string: a DNS-1123 subdomain such as \'llama-3-1-8b\''));
  });

  test('missing props from plain JavaScript', () => {
    const chart = testChart();
    expect(() => new KedaScaledObject(chart, 'a', undefined as any)).toThrow(new Error('\'props\' (undefined) is required: target, maxReplicas and triggers'));
    expect(() => new KedaScaledObject(chart, 'b', { maxReplicas: 2, triggers: [own] } as any)).toThrow(new Error(
      '\'target\' (undefined) is required: the workload to scale: a VllmPool, a LiteLLMProxy or { deployment }'));
    expect(() => new KedaScaledObject(chart, 'c', { target: {}, maxReplicas: 2, triggers: [own] } as any)).toThrow(new Error(
      '\'target\' ([]) must set exactly one of \'deployment\' (a cdk8s-plus Deployment) and \'workload\' (a ScalableWorkload, such as a MultiNodeVllmPool\'s LeaderWorkerSet)'));
    expect(() => new KedaScaledObject(chart, 'd', { target: { deployment: 'app' }, maxReplicas: 2, triggers: [own] } as any)).toThrow(new Error(
      '\'target.deployment\' ("app") must be a cdk8s-plus Deployment'));
  });
});
