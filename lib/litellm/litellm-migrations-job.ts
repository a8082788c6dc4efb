import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ARGOCD_HOOK, ARGOCD_HOOK_DELETE_POLICY, ARGOCD_SYNC_WAVE, SyncWave } from '../core/_argocd';
import { hardenedContainer, hardenedPod } from '../core/_security';
import { PodUser } from '../core/pod-user';
import { SecretKeyRef } from '../core/secret-ref';

/** Props of `LiteLLMMigrationsJob`. */
export interface LiteLLMMigrationsJobProps {
  /** The LiteLLM image; the same as the proxy's so schema and code match. */
  readonly image: string;
  /** The Secret key holding the database URL. */
  readonly databaseUrl: SecretKeyRef;
  /** The non-root user the container runs as. */
  readonly runAsUser: number;
  /** Labels for the Job and its pod. */
  readonly labels: Record<string, string>;
  /** Give up after this long. @default Duration.minutes(15) */
  readonly timeout?: Duration;
}

/**
 * LiteLLM's database schema migration (`litellm --use_prisma_migrate --skip_server_startup`,
 * FACTS §B.10) as an Argo CD Sync hook in an earlier sync wave than the proxy Deployment:
 * Argo CD waits for the Job to complete before it rolls the proxy, so no pod ever starts
 * against an old schema. `BeforeHookCreation` replaces the previous run's Job on the next
 * sync and keeps a failed one for inspection until then.
 *
 * @example new LiteLLMMigrationsJob(this, 'Migrations', { image, databaseUrl, runAsUser: 65534, labels })
 */
export class LiteLLMMigrationsJob extends Construct {
  /** The Job. */
  public readonly job: kplus.Job;

  public constructor(scope: Construct, id: string, props: LiteLLMMigrationsJobProps) {
    super(scope, id);
    this.job = new kplus.Job(this, 'Resource', {
      metadata: {
        labels: props.labels,
        annotations: {
          [ARGOCD_HOOK]: 'Sync',
          [ARGOCD_HOOK_DELETE_POLICY]: 'BeforeHookCreation',
          [ARGOCD_SYNC_WAVE]: String(SyncWave.MIGRATIONS),
        },
      },
      podMetadata: { labels: props.labels },
      backoffLimit: 3,
      activeDeadline: props.timeout ?? Duration.minutes(15),
      restartPolicy: kplus.RestartPolicy.NEVER,
      securityContext: hardenedPod(PodUser.fixed(props.runAsUser)),
      automountServiceAccountToken: false,
    });
    const secret = kplus.Secret.fromSecretName(this, 'DatabaseUrl', props.databaseUrl.secretName);
    const container = this.job.addContainer({
      name: 'migrate',
      image: props.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      // The image's entrypoint execs `litellm "$@"` (FACTS §B.6).
      args: ['--use_prisma_migrate', '--skip_server_startup'],
      envVariables: {
        DATABASE_URL: kplus.EnvValue.fromSecretValue({ secret, key: props.databaseUrl.key }),
        DISABLE_SCHEMA_UPDATE: kplus.EnvValue.fromValue('false'),
        HOME: kplus.EnvValue.fromValue('/tmp'),
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
        memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) },
      },
      securityContext: hardenedContainer(PodUser.fixed(props.runAsUser)),
    });
    container.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp', { sizeLimit: Size.gibibytes(1) }));
  }
}
