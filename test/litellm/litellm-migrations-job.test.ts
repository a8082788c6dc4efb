import { Duration } from 'cdk8s';
import { LiteLLMMigrationsJob, LiteLLMMigrationsJobProps, PodUser } from '../../lib';
import { containerOf, envOf, Manifest, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const PROPS: LiteLLMMigrationsJobProps = {
  name: 'litellm-migrations',
  image: 'ghcr.io/berriai/litellm-database:v1.93.0',
  databaseUrl: { secretName: 'pg-app', key: 'uri' },
  labels: { 'app.kubernetes.io/name': 'litellm' },
};

function render(props: Partial<LiteLLMMigrationsJobProps> = {}): { job: Manifest; container: Manifest; manifests: Manifest[] } {
  const chart = testChart();
  new LiteLLMMigrationsJob(chart, 'migrations', { ...PROPS, ...props });
  const manifests = synth(chart);
  expectValidManifests(manifests);
  const job = oneOfKind(manifests, 'Job');
  return { job, container: containerOf(job, 'migrate'), manifests };
}

describe('LiteLLMMigrationsJob', () => {
  const { job, container } = render({ timeout: Duration.minutes(5) });

  test('named as given, no construct-path hash anywhere', () => {
    expect(job.metadata.name).toBe('litellm-migrations');
    expect(JSON.stringify(job)).not.toContain('cdk8s.io/metadata.addr');
    expect(job.spec.template.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'litellm' });
  });

  test('Argo CD Sync hook, wave -1, replaced before the next run', () => {
    expect(job.metadata.annotations).toEqual({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
      'argocd.argoproj.io/sync-wave': '-1',
    });
  });

  test('migrates only (--skip_server_startup through the image entrypoint), database URL from its Secret, schema updates allowed', () => {
    expect(container.args).toEqual(['--skip_server_startup']);
    expect(container.command).toBeUndefined();
    expect(envOf(container).DATABASE_URL.valueFrom.secretKeyRef).toEqual({ name: 'pg-app', key: 'uri' });
    expect(envOf(container).DISABLE_SCHEMA_UPDATE.value).toBe('false');
    expect(envOf(container).LITELLM_MIGRATION_DIR.value).toBe('/var/lib/litellm-migrations');
  });

  test('read-only root filesystem with emptyDirs for the migrations, /tmp, /.cache and /.npm', () => {
    const volumes = job.spec.template.spec.volumes;
    expect(container.volumeMounts.map((m: Manifest) => m.mountPath)).toEqual(['/tmp', '/.cache', '/.npm', '/var/lib/litellm-migrations']);
    for (const mount of container.volumeMounts) expect(volumes.find((v: Manifest) => v.name === mount.name).emptyDir).toBeDefined();
  });

  test('bounded: 3 retries, deadline from the timeout, pods not restarted in place', () => {
    expect(job.spec.backoffLimit).toBe(3);
    expect(job.spec.activeDeadlineSeconds).toBe(300);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
  });

  test('hardened, as uid 65534 by default', () => {
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(job.spec.template.spec.securityContext).toMatchObject({ runAsUser: 65534, fsGroup: 65534 });
    expect(container.resources.limits).toBeDefined();
  });

  test('a platform-assigned user pins no uid, gid or fsGroup and stays non-root and read-only', () => {
    const r = render({ user: PodUser.platformAssigned() });
    expect(r.container.securityContext.runAsUser).toBeUndefined();
    expect(r.container.securityContext.runAsGroup).toBeUndefined();
    expect(r.container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
    expect(r.job.spec.template.spec.securityContext.runAsUser).toBeUndefined();
    expect(r.job.spec.template.spec.securityContext.fsGroup).toBeUndefined();
  });

  test('a fixed user', () => {
    expect(render({ user: PodUser.fixed(1000) }).container.securityContext.runAsUser).toBe(1000);
  });
});

describe('bad input', () => {
  const make = (props: Partial<LiteLLMMigrationsJobProps> | Record<string, unknown>) =>
    new LiteLLMMigrationsJob(testChart(), 'migrations', { ...PROPS, ...props } as LiteLLMMigrationsJobProps);

  test('a timeout that is not whole seconds', () => {
    expect(() => make({ timeout: Duration.millis(1500) })).toThrow(new Error("'timeout' (\"1500ms\") must be a whole number of seconds, at least 1s (e.g. Duration.seconds(2))"));
    expect(() => make({ timeout: Duration.seconds(NaN) })).toThrow(new Error("'timeout' (\"NaN seconds\") must be a finite Duration of whole milliseconds"));
  });

  test('a name that is no Job name', () => {
    expect(() => make({ name: 'x'.repeat(64) })).toThrow(new Error(`'name' ("${'x'.repeat(64)}") must be a DNS-1123 label of at most 63 characters: a Job name is also the job-name label of its pods`));
    expect(() => make({ name: 'Bad_Name' })).toThrow(new Error("'name' (\"Bad_Name\") must be a DNS-1123 label of at most 63 characters: a Job name is also the job-name label of its pods"));
  });

  test('missing or malformed props from plain JavaScript', () => {
    expect(() => make({ databaseUrl: undefined })).toThrow(new Error("'databaseUrl' (undefined) is required: the Secret key holding the database URL, a Secret reference { secretName, key }"));
    expect(() => make({ databaseUrl: { secretName: 7, key: 'k' } })).toThrow(new Error("'databaseUrl.secretName' (7) must be a string"));
    expect(() => make({ image: ' ' })).toThrow(new Error("'image' (\" \") must be a pinned container image reference, e.g. 'ghcr.io/berriai/litellm-database:v1.93.0'"));
    expect(() => make({ user: 1000 })).toThrow(new Error("'user' (1000) must be a PodUser: PodUser.fixed(uid) or PodUser.platformAssigned()"));
    expect(() => make({ labels: { 'app.kubernetes.io/name': 'has space' } })).toThrow(
      new Error("'labels.app.kubernetes.io/name' (\"has space\") must be a valid Kubernetes label value: at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric"));
  });

  test('two Jobs with one name in one namespace', () => {
    const chart = testChart();
    new LiteLLMMigrationsJob(chart, 'a', PROPS);
    expect(() => new LiteLLMMigrationsJob(chart, 'b', PROPS)).toThrow(new Error(
      "'name' (\"litellm-migrations\") names a Job in namespace \"llm\" that 'test/a' already renders: 'test/b' would overwrite it on apply; give one of them another name"));
  });
});
