import { Duration } from 'cdk8s';
import { LiteLLMMigrationsJob } from '../../lib';
import { containerOf, envOf, oneOfKind, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

describe('LiteLLMMigrationsJob', () => {
  const chart = testChart();
  new LiteLLMMigrationsJob(chart, 'migrations', {
    image: 'ghcr.io/berriai/litellm-database:main-v1.83.7-stable',
    databaseUrl: { secretName: 'pg-app', key: 'uri' },
    runAsUser: 1000,
    labels: { 'app.kubernetes.io/name': 'litellm' },
    timeout: Duration.minutes(5),
  });
  const manifests = synth(chart);
  const job = oneOfKind(manifests, 'Job');
  const container = containerOf(job, 'migrate');

  test('is strictly valid', () => {
    expectValidManifests(manifests);
  });

  test('Argo CD Sync hook, wave -1, replaced before the next run', () => {
    expect(job.metadata.annotations).toEqual({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
      'argocd.argoproj.io/sync-wave': '-1',
    });
  });

  test('runs prisma migrate only, with the database URL from its Secret and schema updates allowed', () => {
    expect(container.args).toEqual(['--use_prisma_migrate', '--skip_server_startup']);
    expect(envOf(container).DATABASE_URL.valueFrom.secretKeyRef).toEqual({ name: 'pg-app', key: 'uri' });
    expect(envOf(container).DISABLE_SCHEMA_UPDATE.value).toBe('false');
  });

  test('bounded: 3 retries, deadline from the timeout, pods not restarted in place', () => {
    expect(job.spec.backoffLimit).toBe(3);
    expect(job.spec.activeDeadlineSeconds).toBe(300);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
  });

  test('hardened like the proxy, as the given user', () => {
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.resources.limits).toBeDefined();
  });
});
