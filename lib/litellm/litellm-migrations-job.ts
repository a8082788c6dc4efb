import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { litellmWritableDirs, LITELLM_MIGRATION_DIR_ENV, requireSecretRefProp, secondsOf } from './_runtime';
import { ARGOCD_HOOK, ARGOCD_HOOK_DELETE_POLICY, ARGOCD_SYNC_WAVE, SyncWave } from '../core/_argocd';
import { claimName, namespaceOf } from '../core/_naming';
import { hardenedContainer, hardenedPod } from '../core/_security';
import { dropAddressLabel } from '../core/_workload';
import { invalid, requireLabelKey, requireLabelValue } from '../core/_validation';
import { PodUser, requirePodUser } from '../core/pod-user';
import { SecretKeyRef } from '../core/secret-ref';

/** The uid LiteLLM's pods run as by default: `nobody`, the user of the non_root image. */
export const LITELLM_DEFAULT_UID = 65534;

/** Props of `LiteLLMMigrationsJob`. */
export interface LiteLLMMigrationsJobProps {
  /** The Job's name (a Kubernetes Job name is also a pod label value: at most 63 characters). */
  readonly name: string;
  /** The LiteLLM image; the same as the proxy's so schema and code match. */
  readonly image: string;
  /** The Secret key holding the database URL. */
  readonly databaseUrl: SecretKeyRef;
  /**
   * The user the pod runs as.
   * @default PodUser.fixed(65534)
   */
  readonly user?: PodUser;
  /** Labels for the Job and its pod. */
  readonly labels: Record<string, string>;
  /** Give up after this long (`activeDeadlineSeconds`), whole seconds. @default Duration.minutes(15) */
  readonly timeout?: Duration;
}

/**
 * LiteLLM's database schema migration as an Argo CD Sync hook in an earlier sync wave than the
 * proxy Deployment: Argo CD waits for the Job to complete before it rolls the proxy, so no pod
 * ever starts against an old schema. `BeforeHookCreation` replaces the previous run's Job on
 * the next sync and keeps a failed one for inspection until then.
 *
 * The container runs the image's entrypoint (`docker/prod_entrypoint.sh`: `exec litellm "$@"`,
 * FACTS §B.6 @bb3ed9c3) with `--skip_server_startup` and `DISABLE_SCHEMA_UPDATE=false`:
 * LiteLLM then runs `prisma migrate deploy` from `litellm-proxy-extras` and exits without
 * serving (litellm/proxy/proxy_cli.py `load_proxy_config` → `PrismaManager.setup_database(use_migrate=not
 * use_prisma_db_push)`). `--use_prisma_migrate` no longer exists: BerriAI/litellm PR #13555
 * removed it, migrate is the default and `--use_prisma_db_push` the opt-out (proxy_cli.py
 * @00540380 click options, FACTS §B.6, §B.10).
 *
 * The Helm chart's Job runs `python litellm/proxy/prisma_migration.py` instead
 * (deploy/charts/litellm-helm/templates/migrations-job.yaml). That script calls
 * `run_server(["--skip_server_startup"])` — the same migration — and newer copies then run
 * `prisma generate`, which writes into site-packages and exits non-zero on a read-only root
 * filesystem unless `PRISMA_SKIP_GENERATE=true`: the client is generated at image build time, so
 * the Job skips the script and calls the CLI flag directly.
 *
 * The root filesystem stays read-only: `LITELLM_MIGRATION_DIR` points at an emptyDir that
 * LiteLLM copies the migrations into (litellm-proxy-extras/litellm_proxy_extras/utils.py
 * `ProxyExtrasDBManager._get_prisma_dir`), and `/tmp`, `/.cache` and `/.npm` are emptyDirs, as
 * in the chart's read-only mode. Root-built images run migrations as any uid only from PR #33853
 * on (the proxy refuses older ones).
 *
 * @example new LiteLLMMigrationsJob(this, 'Migrations', { name: 'litellm-migrations', image, databaseUrl, labels })
 */
export class LiteLLMMigrationsJob extends Construct {
  /** The Job. */
  public readonly job: kplus.Job;
  /** The Job's name. */
  public readonly name: string;
  /** The labels of the Job's pods. */
  public readonly podLabels: Readonly<Record<string, string>>;

  public constructor(scope: Construct, id: string, props: LiteLLMMigrationsJobProps) {
    super(scope, id);
    const p: Partial<LiteLLMMigrationsJobProps> = props ?? {};
    if (typeof p.name !== 'string' || p.name.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(p.name)) {
      throw invalid('name', p.name, 'must be a DNS-1123 label of at most 63 characters: a Job name is also the job-name label of its pods');
    }
    if (typeof p.image !== 'string' || !p.image.trim() || /\s/.test(p.image)) {
      throw invalid('image', p.image, 'must be a pinned container image reference, e.g. \'ghcr.io/berriai/litellm-database:v1.93.0\'');
    }
    const databaseUrl = requireSecretRefProp('databaseUrl', p.databaseUrl, 'the Secret key holding the database URL');
    const user = p.user === undefined ? PodUser.fixed(LITELLM_DEFAULT_UID) : requirePodUser('user', p.user);
    if (p.labels === null || typeof p.labels !== 'object') throw invalid('labels', p.labels, 'must be a map of Kubernetes labels');
    for (const [k, v] of Object.entries(p.labels)) {
      requireLabelKey('labels', k);
      if (typeof v !== 'string') throw invalid(`labels.${k}`, v, 'must be a string');
      requireLabelValue(`labels.${k}`, v);
    }
    const deadline = secondsOf('timeout', p.timeout ?? Duration.minutes(15));

    this.name = claimName(this, 'Job', p.name, namespaceOf(this));
    this.podLabels = { ...p.labels };
    this.job = new kplus.Job(this, 'Resource', {
      metadata: {
        name: this.name,
        labels: p.labels,
        annotations: {
          [ARGOCD_HOOK]: 'Sync',
          [ARGOCD_HOOK_DELETE_POLICY]: 'BeforeHookCreation',
          [ARGOCD_SYNC_WAVE]: String(SyncWave.MIGRATIONS),
        },
      },
      podMetadata: { labels: p.labels },
      backoffLimit: 3,
      activeDeadline: Duration.seconds(deadline),
      restartPolicy: kplus.RestartPolicy.NEVER,
      securityContext: hardenedPod(user),
      automountServiceAccountToken: false,
    });
    // cdk8s-plus stamps a label hashed from the construct path on the pod template; the pods
    // carry only the library's labels.
    dropAddressLabel(this.job);
    const secret = kplus.Secret.fromSecretName(this, 'DatabaseUrl', databaseUrl.secretName);
    const container = this.job.addContainer({
      name: 'migrate',
      image: p.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: ['--skip_server_startup'],
      envVariables: {
        DATABASE_URL: kplus.EnvValue.fromSecretValue({ secret, key: databaseUrl.key }),
        // The Job always migrates, whatever the proxy's setting (the chart's Job does the same).
        DISABLE_SCHEMA_UPDATE: kplus.EnvValue.fromValue('false'),
        [LITELLM_MIGRATION_DIR_ENV]: kplus.EnvValue.fromValue(litellmWritableDirs.migrations),
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
        memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) },
      },
      securityContext: hardenedContainer(user),
    });
    for (const dir of litellmWritableDirs.all) {
      container.mount(dir.path, kplus.Volume.fromEmptyDir(this, `${dir.volume}-volume`, dir.volume, { sizeLimit: dir.sizeLimit }));
    }
  }
}
