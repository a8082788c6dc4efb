import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { buildEnvironment, buildEnvironments, ENVIRONMENTS, SERVED_MODEL_NAME, ServingEnvironment, ServingEnvironmentProps } from '../../apps/environments';
import { buildApps } from '../../apps/main';
import { Accelerator, synthValidated } from '../../lib';
import { allOfKind, containerOf, liteLLMConfig, Manifest, oneOfKind } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const WAVE = 'argocd.argoproj.io/sync-wave';

function manifestsOf(app: App, chart: string): Manifest[] {
  return app.charts.find((c) => c.node.id === chart)!.toJson();
}

describe('environments (apps/environments.ts)', () => {
  const [dev, prod] = buildEnvironments('dist');
  const devServing = manifestsOf(dev, 'serving');
  const prodServing = manifestsOf(prod, 'serving');

  test('one App per environment, each writing to its own folder of dist/', () => {
    expect([dev.outdir, prod.outdir]).toEqual([path.join('dist', 'environments', 'dev'), path.join('dist', 'environments', 'prod')]);
    expect(dev.charts.map((c) => c.node.id)).toEqual(['serving', 'argocd']);
  });

  test('dev: one pod of the vLLM CPU image with its declared version, no accelerator, no autoscaler, no database', () => {
    const pool = oneOfKind(devServing, 'Deployment', 'model');
    expect(pool.spec.replicas).toBe(1);
    const container = containerOf(pool, 'vllm');
    expect(container.image).toBe(ENVIRONMENTS.dev.pool.image);
    expect(ENVIRONMENTS.dev.pool.vllmVersion).toBe('0.25.0');
    expect(container.image).toMatch(/:v0\.25\.0$/);
    expect(JSON.stringify(container.resources)).not.toMatch(/nvidia|amd|neuron/);
    expect(allOfKind(devServing, 'ScaledObject').concat(allOfKind(devServing, 'HorizontalPodAutoscaler'))).toEqual([]);
    expect(allOfKind(devServing, 'Job')).toEqual([]);
  });

  test('prod: one GPU per pod, autoscaled by KEDA, monitored, the gateway migrated by a hook before it starts', () => {
    const pool = oneOfKind(prodServing, 'Deployment', 'model');
    expect(containerOf(pool, 'vllm').resources.limits['nvidia.com/gpu']).toBe(1);
    const scaler = oneOfKind(prodServing, 'ScaledObject');
    expect(scaler.spec.scaleTargetRef.name).toBe('model');
    expect([scaler.spec.minReplicaCount, scaler.spec.maxReplicaCount]).toEqual([1, 8]);
    expect(oneOfKind(prodServing, 'PodMonitor').metadata.name).toBe('model');
    const hook = oneOfKind(prodServing, 'Job');
    expect(Number(hook.metadata.annotations[WAVE])).toBeLessThan(Number(oneOfKind(prodServing, 'Deployment', 'litellm').metadata.annotations[WAVE]));
  });

  test('clients use one model name in every environment', () => {
    for (const m of [devServing, prodServing]) {
      expect(liteLLMConfig(m).model_list.map((e: any) => e.model_name)).toEqual([SERVED_MODEL_NAME]);
    }
  });

  test('every object of every environment is strictly valid, Applications included', () => {
    for (const app of [dev, prod]) expectValidManifests(app.charts.flatMap((c) => c.toJson()));
  });

  test('npm run synth (buildApps + synthValidated) writes dist/ and each environment to its own folder', () => {
    const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'environments-')), 'dist');
    try {
      synthValidated(buildApps(outdir));
      for (const env of ['dev', 'prod']) {
        expect(fs.readdirSync(path.join(outdir, 'environments', env)).sort()).toEqual(['argocd.k8s.yaml', 'serving.k8s.yaml']);
      }
      expect(fs.readdirSync(outdir)).toEqual(expect.arrayContaining(['argocd.k8s.yaml', 'reference-platform.k8s.yaml', 'environments']));
    } finally {
      fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
    }
  });
});

describe('an environment missing a required prop names the environment and the prop', () => {
  const without = (prop: keyof ServingEnvironmentProps): ServingEnvironmentProps => {
    const copy: any = { ...ENVIRONMENTS.dev };
    delete copy[prop];
    return copy;
  };

  test.each([
    ['cluster', '\'cluster\' (undefined) is required by environment \'dev\': the API server URL of its cluster as registered in Argo CD, e.g. \'https://kubernetes.default.svc\''],
    ['namespace', '\'namespace\' (undefined) is required by environment \'dev\': the namespace of its gateway and pool'],
    ['pool', '\'pool\' (undefined) is required by environment \'dev\': { accelerator, model, image?, vllmVersion?, replicas?, maxReplicas? }'],
    ['name', '\'name\' (undefined) is required by environment \'serving\': its folder in dist/environments/ and the prefix of its Applications'],
  ] as const)('%s', (prop, message) => {
    expect(() => buildEnvironment(without(prop), 'dist')).toThrow(new Error(message));
  });

  test('pool.accelerator and pool.model', () => {
    expect(() => buildEnvironment({ ...ENVIRONMENTS.prod, pool: { model: 'Qwen/Qwen3-8B' } as any }, 'dist'))
      .toThrow(new Error('\'pool.accelerator\' (undefined) is required by environment \'prod\': what the pool runs on, e.g. Accelerator.cpu() or Accelerator.nvidiaGpu(1)'));
    expect(() => buildEnvironment({ ...ENVIRONMENTS.prod, pool: { accelerator: Accelerator.nvidiaGpu(1) } as any }, 'dist'))
      .toThrow(new Error('\'pool.model\' (undefined) is required by environment \'prod\': the Hugging Face model the pool serves'));
  });

  test('a name that cannot be a folder and an Application name; props that are not an object', () => {
    expect(() => buildEnvironment({ ...ENVIRONMENTS.dev, name: 'Dev Env' }, 'dist'))
      .toThrow(new Error('\'name\' ("Dev Env") of environment \'Dev Env\' must be a DNS-1123 label: it names a folder and Argo CD Applications'));
    expect(() => new ServingEnvironment(new App(), 'serving', undefined as any))
      .toThrow(new Error('\'environment\' (undefined) of \'serving\' must be an object { name, cluster, namespace, pool, database? }'));
  });

  test('a CPU pool without its image is refused by the pool, naming the prop', () => {
    expect(() => buildEnvironment({ ...ENVIRONMENTS.dev, pool: { accelerator: Accelerator.cpu(), model: 'Qwen/Qwen3-0.6B', replicas: 1 } }, 'dist'))
      .toThrow(new Error('\'image\' (undefined) must be set for accelerator kind cpu: vllm/vllm-openai:v0.26.0 is built for NVIDIA CUDA; name a vLLM image built for cpu'));
  });
});
