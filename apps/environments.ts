import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ArgoCdStack, DIST } from './argocd';
import { DISCOVERY, PROMETHEUS } from './reference-platform';
import { Accelerator, applySyncWaves, LiteLLMProxy, VllmPool } from '../lib';
import { invalid } from '../lib/core/_validation';

/** The pool of one environment. */
export interface EnvironmentPool {
  /** What each pod runs on. */
  readonly accelerator: Accelerator;
  /** The Hugging Face model. */
  readonly model: string;
  /**
   * The vLLM image, pinned.
   *
   * @default VLLM_IMAGE (NVIDIA GPUs); required on CPU
   */
  readonly image?: string;
  /**
   * The vLLM version in `image`.
   *
   * @default - the tag of a vllm/vllm-openai image; required for any other image
   */
  readonly vllmVersion?: string;
  /** Fixed replicas; leave out to autoscale with KEDA on the queue (between 1 and `maxReplicas`). */
  readonly replicas?: number;
  /**
   * The most replicas the autoscaler may run (with `replicas` left out).
   *
   * @default 4
   */
  readonly maxReplicas?: number;
}

/** Props of {@link ServingEnvironment}: what differs between environments. */
export interface ServingEnvironmentProps {
  /** The environment's name: its folder `dist/environments/<name>` and its Argo CD Applications' prefix. */
  readonly name: string;
  /** The environment's cluster, as registered in Argo CD (`argocd cluster add`). */
  readonly cluster: string;
  /** The namespace of the gateway and its pool. */
  readonly namespace: string;
  /** The one pool behind the gateway. */
  readonly pool: EnvironmentPool;
  /**
   * Whether the gateway keeps keys and spend in PostgreSQL (then a migrations hook Job runs
   * before it), from the Secret `litellm-postgres` key `uri`.
   *
   * @default false
   */
  readonly database?: boolean;
}

/** The model name clients use in every environment: the same requests work in dev and prod. */
export const SERVED_MODEL_NAME = 'chat';

/**
 * The environments of the example: one App each, written to `dist/environments/<name>/` with
 * its own Argo CD Applications.
 *
 * - dev: one CPU pod of vLLM's CPU image (a 0.6B model that runs without an accelerator), no
 *   database, no autoscaling: cheap, on a cluster without GPUs.
 * - prod: Qwen3 8B on NVIDIA GPUs, autoscaled by KEDA on the queue, monitored, behind a
 *   gateway that keeps keys in PostgreSQL (its schema migrated by a hook before it starts).
 */
export const ENVIRONMENTS: Readonly<Record<'dev' | 'prod', ServingEnvironmentProps>> = {
  dev: {
    name: 'dev',
    cluster: 'https://dev.k8s.example.com',
    namespace: 'llm',
    pool: {
      accelerator: Accelerator.cpu(),
      model: 'Qwen/Qwen3-0.6B',
      // vLLM's CPU release images (FACTS §A: public.ecr.aws/q9t5s3a7/vllm-cpu-release-repo, the
      // image vLLM's production-stack values use), tagged v<vLLM release>. v0.25.0 is a tag seen
      // pulled in public code (e.g. `singularity pull docker://public.ecr.aws/q9t5s3a7/vllm-cpu-release-repo:v0.25.0`);
      // no public use of a v0.26.0 CPU tag was found, so the dev pool pins the verified one. Pin
      // the release you run and declare the same vllmVersion.
      image: 'public.ecr.aws/q9t5s3a7/vllm-cpu-release-repo:v0.25.0',
      vllmVersion: '0.25.0',
      replicas: 1,
    },
  },
  prod: {
    name: 'prod',
    cluster: 'https://prod.k8s.example.com',
    namespace: 'llm',
    pool: { accelerator: Accelerator.nvidiaGpu(1), model: 'Qwen/Qwen3-8B', maxReplicas: 8 },
    database: true,
  },
};

/**
 * The serving chart of one environment: a LiteLLM gateway in front of one vLLM pool, with
 * what the environment sets (accelerator, image, replicas, database). Every required prop is
 * checked first, so a missing one names the environment and the prop.
 */
export class ServingEnvironment extends Chart {
  /** The gateway. */
  public readonly proxy: LiteLLMProxy;
  /** The pool. */
  public readonly pool: VllmPool;

  public constructor(scope: Construct, id: string, props: ServingEnvironmentProps) {
    const env = checkEnvironment(props, id);
    super(scope, id, { namespace: env.namespace });
    this.proxy = new LiteLLMProxy(this, 'gateway', {
      masterKey: { secretName: 'litellm', key: 'master-key' },
      database: env.database ? { url: { secretName: 'litellm-postgres', key: 'uri' } } : undefined,
    });
    const { pool } = env;
    this.pool = new VllmPool(this, 'model', {
      model: pool.model,
      servedModelName: SERVED_MODEL_NAME,
      accelerator: pool.accelerator,
      image: pool.image,
      vllmVersion: pool.vllmVersion,
      replicas: pool.replicas,
    });
    this.proxy.addBackend(this.pool);
    if (pool.replicas === undefined) {
      this.pool.monitor(DISCOVERY);
      this.pool.autoscale({ prometheus: PROMETHEUS, minReplicas: 1, maxReplicas: pool.maxReplicas ?? 4 });
    }
  }
}

/**
 * One environment's App: its {@link ServingEnvironment} chart (`serving`) and an
 * {@link ArgoCdStack} (`argocd`) deploying it to the environment's cluster from
 * `dist/environments/<name>`, written to `<outdir>/environments/<name>`. Sync waves applied.
 *
 * @param outdir where `npm run synth` writes (the `dist` folder)
 */
export function buildEnvironment(props: ServingEnvironmentProps, outdir: string): App {
  const env = checkEnvironment(props, 'serving');
  const folder = `environments/${env.name}`;
  const app = new App({ outdir: path.join(outdir, folder) });
  const serving = new ServingEnvironment(app, 'serving', env);
  new ArgoCdStack(app, 'argocd', { charts: [serving], path: `${DIST}/${folder}`, cluster: env.cluster, prefix: env.name });
  applySyncWaves(app);
  return app;
}

/** Every environment of {@link ENVIRONMENTS}, one App each. */
export function buildEnvironments(outdir: string): App[] {
  return Object.values(ENVIRONMENTS).map((env) => buildEnvironment(env, outdir));
}

function checkEnvironment(props: ServingEnvironmentProps, id: string): ServingEnvironmentProps {
  if (props === null || typeof props !== 'object') throw invalid('environment', props, `of '${id}' must be an object { name, cluster, namespace, pool, database? }`);
  const name = typeof props.name === 'string' ? props.name : undefined;
  const where = `environment ${name === undefined ? `'${id}'` : `'${name}'`}`;
  const required = (prop: string, value: unknown, what: string) => {
    if (value === undefined || value === null || value === '') throw invalid(prop, value, `is required by ${where}: ${what}`);
  };
  required('name', props.name, 'its folder in dist/environments/ and the prefix of its Applications');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(String(props.name))) {
    throw invalid('name', props.name, `of ${where} must be a DNS-1123 label: it names a folder and Argo CD Applications`);
  }
  required('cluster', props.cluster, 'the API server URL of its cluster as registered in Argo CD, e.g. \'https://kubernetes.default.svc\'');
  required('namespace', props.namespace, 'the namespace of its gateway and pool');
  required('pool', props.pool, '{ accelerator, model, image?, vllmVersion?, replicas?, maxReplicas? }');
  required('pool.accelerator', props.pool.accelerator, 'what the pool runs on, e.g. Accelerator.cpu() or Accelerator.nvidiaGpu(1)');
  required('pool.model', props.pool.model, 'the Hugging Face model the pool serves');
  return props;
}
