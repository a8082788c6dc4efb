import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Accelerator, LiteLLMProxy, ScaleTarget, VerticalAutoscaler, VerticalAutoscalerProps, VllmPool, VpaControlledValues,
  VpaResource, VpaUpdateMode,
} from '../../lib';
import { recordHpaResource } from '../../lib/autoscaling/_ownership';
import { Manifest, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

/**
 * The vLLM version a custom image runs (the pool's `vllmVersion`, required for images whose tag
 * carries none), spread in untyped so this file compiles with and without that prop.
 */
const CUSTOM_IMAGE_VERSION = { vllmVersion: '0.16.0' } as object;

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const MASTER_KEY = { secretName: 'litellm', key: 'master-key' };

/** A plain CPU-only Deployment with one container `app`, wrapped as a ScaleTarget. */
function appTarget(chart: Chart): ScaleTarget {
  const deployment = new kplus.Deployment(chart, 'app', { replicas: 2 });
  deployment.addContainer({ name: 'app', image: 'nginx:1.27.3', portNumber: 8080 });
  return { deployment };
}

function gpuPool(chart: Chart, accelerator = Accelerator.nvidiaGpu(1)): VllmPool {
  return new VllmPool(chart, 'pool', { model: MODEL, accelerator });
}

/** A fake HPA scaling `target` on `resource` (the real HPA records the same fact). */
function fakeHpa(chart: Chart, target: ScaleTarget, resource: string, id = 'hpa'): Construct {
  const hpa = new Construct(chart, id);
  recordHpaResource(target.deployment!, resource, hpa);
  return hpa;
}

/** Synthesizes and strictly validates a chart; returns its objects and its one VPA. */
function synthVpa(chart: Chart): { manifests: Manifest[]; vpa: Manifest } {
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return { manifests, vpa: oneOfKind(manifests, 'VerticalPodAutoscaler') };
}

/** A VPA on a CPU-only `{ deployment }`, synthesized and validated. */
function render(props: Partial<VerticalAutoscalerProps> = {}): Manifest {
  const chart = testChart();
  new VerticalAutoscaler(chart, 'vpa', { target: appTarget(chart), updateMode: VpaUpdateMode.RECREATE, ...props });
  return synthVpa(chart).vpa;
}

/** A VPA on a CPU-only `{ deployment }`, only constructed (for constructor errors). */
function make(props: Partial<VerticalAutoscalerProps> = {}): VerticalAutoscaler {
  const chart = testChart();
  return new VerticalAutoscaler(chart, 'vpa', { target: appTarget(chart), updateMode: VpaUpdateMode.RECREATE, ...props });
}

describe('defaults: recommendations for a GPU pool', () => {
  const chart = testChart();
  const pool = gpuPool(chart);
  const autoscaler = new VerticalAutoscaler(chart, 'vpa', { target: pool, updateMode: VpaUpdateMode.OFF });
  const { manifests, vpa } = synthVpa(chart);

  test('snapshot', () => {
    expect(vpa).toMatchSnapshot();
  });

  test('autoscaling.k8s.io/v1 VerticalPodAutoscaler in the chart namespace', () => {
    expect(vpa.apiVersion).toBe('autoscaling.k8s.io/v1');
    expect(vpa.metadata.namespace).toBe('llm');
    expect(vpa.metadata.name).toBe(autoscaler.name);
  });

  test('targetRef is the pool Deployment (apps/v1)', () => {
    const deployment = oneOfKind(manifests, 'Deployment');
    expect(vpa.spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(deployment.metadata.name).toBe(pool.deployment.name);
  });

  test('updateMode rendered explicitly; no resourcePolicy without container policies', () => {
    expect(vpa.spec.updatePolicy).toEqual({ updateMode: 'Off' });
    expect(vpa.spec.resourcePolicy).toBeUndefined();
  });

  test('handles: the L1 object, update mode and target', () => {
    expect(autoscaler.verticalPodAutoscaler.node.id).toBe('Resource');
    expect(autoscaler.updateMode).toBe(VpaUpdateMode.OFF);
    expect(autoscaler.target).toBe(pool);
  });

  test('a VPA does not take the replicas: the pool keeps spec.replicas', () => {
    expect(oneOfKind(manifests, 'Deployment').spec.replicas).toBe(2);
  });
});

describe('update modes', () => {
  test('the deprecated Auto (and the feature-gated InPlace) are not offered', () => {
    expect(Object.values(VpaUpdateMode)).toEqual(['Off', 'Initial', 'Recreate', 'InPlaceOrRecreate']);
  });

  test.each(Object.values(VpaUpdateMode))('%s is rendered as spec.updatePolicy.updateMode', (mode) => {
    expect(render({ updateMode: mode }).spec.updatePolicy).toEqual({ updateMode: mode });
  });

  test('Recreate on a CPU-only { deployment } is accepted', () => {
    expect(render({ updateMode: VpaUpdateMode.RECREATE }).spec.updatePolicy.updateMode).toBe('Recreate');
  });

  test('Recreate on a CPU-backend VllmPool is accepted: no accelerator to protect', () => {
    const chart = testChart();
    const pool = new VllmPool(chart, 'pool', { model: MODEL, accelerator: Accelerator.cpu(), image: 'vllm-cpu:v0.11.0', ...CUSTOM_IMAGE_VERSION });
    new VerticalAutoscaler(chart, 'vpa', { target: pool, updateMode: VpaUpdateMode.RECREATE });
    expect(synthVpa(chart).vpa.spec.updatePolicy.updateMode).toBe('Recreate');
  });

  test('a deprecated or unknown mode smuggled past the type is refused', () => {
    expect(() => make({ updateMode: 'Auto' as VpaUpdateMode })).toThrow(
      "'updateMode' (\"Auto\") must be one of Off, Initial, Recreate, InPlaceOrRecreate ('Auto' is deprecated: use Recreate or InPlaceOrRecreate)");
  });
});

describe('container policies', () => {
  test('bounds, controlled resources and controlled values are rendered per container', () => {
    const vpa = render({
      containerPolicies: [
        {
          containerName: 'app',
          minAllowed: { cpu: kplus.Cpu.millis(250), memory: Size.mebibytes(512) },
          maxAllowed: { cpu: '2', memory: Size.gibibytes(8) },
          controlledValues: VpaControlledValues.REQUESTS_ONLY,
        },
        { containerName: '*', controlledResources: [VpaResource.MEMORY], maxAllowed: { memory: Size.gibibytes(1) } },
      ],
    });
    expect(vpa.spec.resourcePolicy.containerPolicies).toEqual([
      {
        containerName: 'app',
        controlledResources: ['cpu', 'memory'],
        controlledValues: 'RequestsOnly',
        minAllowed: { cpu: '250m', memory: '512Mi' },
        maxAllowed: { cpu: '2', memory: '8Gi' },
      },
      { containerName: '*', controlledResources: ['memory'], maxAllowed: { memory: '1Gi' } },
    ]);
  });

  test('defaults: both resources controlled, controlledValues and bounds left to VPA', () => {
    const [policy] = render({ containerPolicies: [{ containerName: 'app' }] }).spec.resourcePolicy.containerPolicies;
    expect(policy).toEqual({ containerName: 'app', controlledResources: ['cpu', 'memory'] });
  });

  test('RequestsAndLimits, fractional cores and a bound on one resource only', () => {
    const [policy] = render({
      containerPolicies: [{
        containerName: 'app',
        controlledValues: VpaControlledValues.REQUESTS_AND_LIMITS,
        minAllowed: { cpu: '0.5' },
        maxAllowed: { cpu: kplus.Cpu.units(4) },
      }],
    }).spec.resourcePolicy.containerPolicies;
    expect(policy.controlledValues).toBe('RequestsAndLimits');
    expect(policy.minAllowed).toEqual({ cpu: '0.5' });
    expect(policy.maxAllowed).toEqual({ cpu: '4' });
  });

  test('a memory-only VPA on the LiteLLM proxy container', () => {
    const chart = testChart();
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY });
    proxy.addModel({ modelName: 'llama', model: 'hosted_vllm/llama', apiBase: 'http://llama.llm.svc.cluster.local:8000/v1' });
    new VerticalAutoscaler(chart, 'vpa', {
      target: proxy,
      updateMode: VpaUpdateMode.IN_PLACE_OR_RECREATE,
      containerPolicies: [{ containerName: 'litellm', controlledResources: [VpaResource.MEMORY], minAllowed: { memory: Size.gibibytes(1) } }],
    });
    const { manifests, vpa } = synthVpa(chart);
    expect(vpa.spec.targetRef.name).toBe(oneOfKind(manifests, 'Deployment').metadata.name);
    expect(vpa.spec.resourcePolicy.containerPolicies).toEqual([
      { containerName: 'litellm', controlledResources: ['memory'], minAllowed: { memory: '1Gi' } },
    ]);
  });
});

describe('accelerator pools', () => {
  test('Off (recommendations only) on a GPU pool is accepted', () => {
    const chart = testChart();
    new VerticalAutoscaler(chart, 'vpa', { target: gpuPool(chart), updateMode: VpaUpdateMode.OFF });
    expect(synthVpa(chart).vpa.spec.updatePolicy.updateMode).toBe('Off');
  });

  test('Recreate on a GPU pool is refused', () => {
    const chart = testChart();
    const pool = gpuPool(chart);
    expect(() => new VerticalAutoscaler(chart, 'vpa', { target: pool, updateMode: VpaUpdateMode.RECREATE })).toThrow(
      "'updateMode' (\"Recreate\") must be Off on an accelerator pool ('test/pool/Resource' requests nvidia.com/gpu): VPA would evict or resize its pods, each restart costs minutes of model load, and accelerator resources are not VPA's to change; use VpaUpdateMode.OFF for recommendations only");
  });

  test.each([VpaUpdateMode.INITIAL, VpaUpdateMode.IN_PLACE_OR_RECREATE])('%s on a MIG pool is refused too', (mode) => {
    const chart = testChart();
    const pool = gpuPool(chart, Accelerator.mig('3g.20gb'));
    expect(() => new VerticalAutoscaler(chart, 'vpa', { target: pool, updateMode: mode })).toThrow(
      `'updateMode' ("${mode}") must be Off on an accelerator pool ('test/pool/Resource' requests nvidia.com/mig-3g.20gb)`);
  });

  test('{ deployment, accelerator } counts as an accelerator pool', () => {
    const chart = testChart();
    const { deployment } = appTarget(chart);
    expect(() => new VerticalAutoscaler(chart, 'vpa', { target: { deployment, accelerator: Accelerator.amdGpu(1) }, updateMode: VpaUpdateMode.INITIAL }))
      .toThrow("'updateMode' (\"Initial\") must be Off on an accelerator pool ('test/app' requests amd.com/gpu)");
  });
});

describe('beside an HPA', () => {
  const CPU_CONFLICT = "'controlledResources' ([\"cpu\",\"memory\"]) include cpu, which HPA 'test/hpa' scales 'test/app' on: VerticalAutoscaler 'test/vpa' (updateMode Recreate) must not change a resource an HPA scales on, or each resize moves the utilization the HPA targets; set 'controlledResources' without cpu, or use VpaUpdateMode.OFF for recommendations only";

  test('a VPA controlling cpu beside a CPU HPA fails at synth, even when the HPA comes later', () => {
    const chart = testChart();
    const target = appTarget(chart);
    new VerticalAutoscaler(chart, 'vpa', { target, updateMode: VpaUpdateMode.RECREATE });
    fakeHpa(chart, target, 'cpu');
    expect(() => Testing.synth(chart)).toThrow(CPU_CONFLICT);
  });

  test('Initial conflicts too: new pods get resized requests', () => {
    const chart = testChart();
    const target = appTarget(chart);
    fakeHpa(chart, target, 'cpu');
    new VerticalAutoscaler(chart, 'vpa', { target, updateMode: VpaUpdateMode.INITIAL });
    expect(() => Testing.synth(chart)).toThrow(CPU_CONFLICT.replace('updateMode Recreate', 'updateMode Initial'));
  });

  test('a memory-only VPA beside a CPU HPA is accepted', () => {
    const chart = testChart();
    const target = appTarget(chart);
    fakeHpa(chart, target, 'cpu');
    new VerticalAutoscaler(chart, 'vpa', {
      target,
      updateMode: VpaUpdateMode.RECREATE,
      containerPolicies: [{ containerName: '*', controlledResources: [VpaResource.MEMORY] }],
    });
    expect(synthVpa(chart).vpa.spec.resourcePolicy.containerPolicies[0].controlledResources).toEqual(['memory']);
  });

  test('an Off VPA beside a CPU and memory HPA is accepted: it never changes a pod', () => {
    const chart = testChart();
    const target = appTarget(chart);
    fakeHpa(chart, target, 'cpu');
    fakeHpa(chart, target, 'memory', 'hpa2');
    new VerticalAutoscaler(chart, 'vpa', { target, updateMode: VpaUpdateMode.OFF });
    expect(synthVpa(chart).vpa.spec.updatePolicy.updateMode).toBe('Off');
  });

  test("the container's own policy wins over '*': controlling cpu on 'app' conflicts", () => {
    const chart = testChart();
    const target = appTarget(chart);
    fakeHpa(chart, target, 'cpu');
    new VerticalAutoscaler(chart, 'vpa', {
      target,
      updateMode: VpaUpdateMode.RECREATE,
      containerPolicies: [
        { containerName: '*', controlledResources: [VpaResource.MEMORY] },
        { containerName: 'app', controlledResources: [VpaResource.CPU] },
      ],
    });
    expect(() => Testing.synth(chart)).toThrow("'controlledResources' ([\"cpu\"]) include cpu, which HPA 'test/hpa' scales 'test/app' on");
  });

  test('a VPA on both resources beside a memory HPA and a CPU HPA: one error per resource', () => {
    const chart = testChart();
    const target = appTarget(chart);
    fakeHpa(chart, target, 'memory');
    new VerticalAutoscaler(chart, 'vpa', { target, updateMode: VpaUpdateMode.RECREATE });
    fakeHpa(chart, target, 'cpu', 'cpuhpa');
    let message = '';
    try {
      Testing.synth(chart);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("include cpu, which HPA 'test/cpuhpa' scales 'test/app' on");
    expect(message).toContain("include memory, which HPA 'test/hpa' scales 'test/app' on");
  });

  test('a custom-metric HPA (nothing recorded) is no conflict', () => {
    const chart = testChart();
    new VerticalAutoscaler(chart, 'vpa', { target: appTarget(chart), updateMode: VpaUpdateMode.RECREATE });
    expect(synthVpa(chart).vpa.spec.updatePolicy.updateMode).toBe('Recreate');
  });
});

describe('errors', () => {
  test('minAllowed above maxAllowed', () => {
    expect(() => make({ containerPolicies: [{ containerName: 'app', minAllowed: { cpu: '3' }, maxAllowed: { cpu: kplus.Cpu.millis(2500) } }] })).toThrow(
      "'containerPolicies[0].minAllowed.cpu' (\"3\") must be less than or equal to 'containerPolicies[0].maxAllowed.cpu' (\"2500m\")");
    expect(() => make({ containerPolicies: [{ containerName: '*', minAllowed: { memory: Size.gibibytes(2) }, maxAllowed: { memory: Size.mebibytes(1024) } }] })).toThrow(
      "'containerPolicies[0].minAllowed.memory' (\"2Gi\") must be less than or equal to 'containerPolicies[0].maxAllowed.memory' (\"1024Mi\")");
  });

  test('equal bounds are accepted', () => {
    const [policy] = render({ containerPolicies: [{ containerName: 'app', minAllowed: { cpu: '1' }, maxAllowed: { cpu: '1000m' } }] }).spec.resourcePolicy.containerPolicies;
    expect(policy.minAllowed).toEqual({ cpu: '1' });
  });

  test('a controlled resource other than cpu or memory', () => {
    expect(() => make({ containerPolicies: [{ containerName: 'app', controlledResources: [VpaResource.MEMORY, 'nvidia.com/gpu' as VpaResource] }] })).toThrow(
      "'containerPolicies[0].controlledResources[1]' (\"nvidia.com/gpu\") must be cpu or memory: VPA recommends only CPU and memory, and accelerator resources are not VPA's to change");
  });

  test('empty controlledResources', () => {
    expect(() => make({ containerPolicies: [{ containerName: 'app', controlledResources: [] }] })).toThrow(
      "'containerPolicies[0].controlledResources' ([]) must not be empty: list cpu, memory or both (omit it for both)");
  });

  test('a resource listed twice', () => {
    expect(() => make({ containerPolicies: [{ containerName: 'app', controlledResources: [VpaResource.CPU, VpaResource.CPU] }] })).toThrow(
      "'containerPolicies[0].controlledResources[1]' (\"cpu\") is listed twice");
  });

  test('a CPU bound that is not a CPU quantity', () => {
    expect(() => make({ containerPolicies: [{ containerName: 'app', maxAllowed: { cpu: '2 cores' } }] })).toThrow(
      "'containerPolicies[0].maxAllowed.cpu' (\"2 cores\") must be a CPU quantity in cores ('2', '0.5') or millicores ('500m')");
  });

  test('two policies for one container, or an invalid container name', () => {
    expect(() => make({ containerPolicies: [{ containerName: 'app' }, { containerName: 'app' }] })).toThrow(
      "'containerPolicies[1].containerName' (\"app\") is named by an earlier policy: at most one policy per container name");
    expect(() => make({ containerPolicies: [{ containerName: 'App' }] })).toThrow(
      "'containerPolicies[0].containerName' (\"App\") must be a DNS-1123 label");
  });

  test('a policy for a container the target does not have fails at synth', () => {
    const chart = testChart();
    new VerticalAutoscaler(chart, 'vpa', { target: appTarget(chart), updateMode: VpaUpdateMode.OFF, containerPolicies: [{ containerName: 'sidecar' }] });
    expect(() => Testing.synth(chart)).toThrow(
      "'containerPolicies[0].containerName' (\"sidecar\") names no container of 'test/app' (app): VPA silently ignores the policy; use one of those names or '*'");
  });

  test('a second VerticalAutoscaler on one workload', () => {
    const chart = testChart();
    const target = appTarget(chart);
    new VerticalAutoscaler(chart, 'vpa', { target, updateMode: VpaUpdateMode.OFF });
    expect(() => new VerticalAutoscaler(chart, 'vpa2', { target, updateMode: VpaUpdateMode.OFF })).toThrow(
      "'target' (\"test/app\") already has VerticalAutoscaler 'test/vpa': two VPAs on one workload is undefined behaviour; keep one");
  });

  test('a target in another namespace', () => {
    const app = Testing.app();
    const target = appTarget(new Chart(app, 'serving', { namespace: 'serving' }));
    const other = new Chart(app, 'other', { namespace: 'llm' });
    expect(() => new VerticalAutoscaler(other, 'vpa', { target, updateMode: VpaUpdateMode.OFF })).toThrow(
      "'target' (\"serving/app\") is in namespace \"serving\" but the VerticalAutoscaler in \"llm\": a VPA's targetRef resolves in its own namespace; create it in a Chart with the target's namespace");
  });
});

describe('names and plain JavaScript', () => {
  test('named after the target Deployment by default, or as given; two VPAs with one name are refused', () => {
    const chart = testChart();
    const target = appTarget(chart);
    const vpa = new VerticalAutoscaler(chart, 'vpa', { target, updateMode: VpaUpdateMode.OFF });
    const { vpa: rendered } = synthVpa(chart);
    expect([vpa.name, rendered.metadata.name]).toEqual([target.deployment!.name, target.deployment!.name]);
    expect(rendered.metadata.labels['app.kubernetes.io/instance']).toBe(target.deployment!.name);

    const other = testChart();
    const a = appTarget(other);
    const b = new kplus.Deployment(other, 'b', { replicas: 1, containers: [{ image: 'nginx:1.27.3', portNumber: 8080 }] });
    expect(new VerticalAutoscaler(other, 'va', { target: a, updateMode: VpaUpdateMode.OFF, name: 'sizer' }).name).toBe('sizer');
    expect(() => new VerticalAutoscaler(other, 'vb', { target: { deployment: b }, updateMode: VpaUpdateMode.OFF, name: 'sizer' })).toThrow(new Error(
      '\'name\' ("sizer") names a autoscaling.k8s.io/VerticalPodAutoscaler in namespace "llm" that \'test/va\' already renders: \'test/vb\' would overwrite it on apply; give one of them another name'));
  });

  test('missing props, a target without a Deployment, controlledValues cast in', () => {
    const chart = testChart();
    expect(() => new VerticalAutoscaler(chart, 'a', undefined as any)).toThrow(new Error('\'props\' (undefined) is required: target and updateMode'));
    expect(() => new VerticalAutoscaler(chart, 'b', { updateMode: VpaUpdateMode.OFF } as any)).toThrow(new Error(
      '\'target\' (undefined) is required: the workload to size: a VllmPool, a LiteLLMProxy or { deployment }'));
    expect(() => new VerticalAutoscaler(chart, 'c', { target: {} as any, updateMode: VpaUpdateMode.OFF })).toThrow(new Error(
      '\'target.deployment\' (undefined) must be a cdk8s-plus Deployment'));
    const target = appTarget(chart);
    expect(() => new VerticalAutoscaler(chart, 'd', {
      target, updateMode: VpaUpdateMode.OFF, containerPolicies: [{ containerName: 'app', controlledValues: 'Limits' as any }],
    })).toThrow(new Error('\'containerPolicies[0].controlledValues\' ("Limits") must be one of RequestsAndLimits, RequestsOnly'));
    expect(() => new VerticalAutoscaler(chart, 'e', { target, updateMode: VpaUpdateMode.OFF, containerPolicies: [{} as any] })).toThrow(new Error(
      '\'containerPolicies[0].containerName\' (undefined) must be a container name or \'*\''));
  });
});
