import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { buildApp } from '../../apps/app';
import { ReferencePlatform } from '../../apps/reference-platform';
import { allOfKind, containerOf, envOf, liteLLMConfig, Manifest, oneOfKind, synth } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const DIST = path.join(__dirname, '..', '..', 'dist');

function distManifests(): Manifest[] {
  return fs.readdirSync(DIST).filter(f => f.endsWith('.k8s.yaml'))
    .flatMap(f => parseAllDocuments(fs.readFileSync(path.join(DIST, f), 'utf8')).map(d => d.toJSON()))
    .filter(Boolean);
}

describe('reference platform', () => {
  const manifests = synth(new ReferencePlatform(new App(), 'reference-platform'));

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('everything lands in namespace litellm', () => {
    for (const m of manifests) expect(m.metadata.namespace).toBe('litellm');
  });

  test('the seed\'s router: least-busy with pre-call checks, allowed_fails 3, cooldown 60, retries 2, timeout 120, fallback chain', () => {
    const router = liteLLMConfig(manifests).router_settings;
    expect(router).toMatchObject({
      routing_strategy: 'least-busy', enable_pre_call_checks: true, allowed_fails: 3, cooldown_time: 60, num_retries: 2, timeout: 120,
      fallbacks: [{ 'llama-3-1-8b': ['qwen3-8b'] }, { 'qwen3-8b': ['llama-3-1-8b'] }],
    });
  });

  test('Redis cache with ttl 3600 and PostgreSQL by reference, migrated by a hook Job', () => {
    const config = liteLLMConfig(manifests);
    expect(config.litellm_settings.cache_params).toMatchObject({ type: 'redis', ttl: 3600 });
    expect(config.general_settings.database_url).toBe('os.environ/DATABASE_URL');
    expect(oneOfKind(manifests, 'Job').metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
  });
});

describe('dist/', () => {
  const dist = distManifests();

  test('is what a fresh synth writes (run `npm run synth` and commit dist/ when this fails)', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
    try {
      buildApp({ outdir }).synth();
      const fresh = fs.readdirSync(outdir).sort();
      expect(fs.readdirSync(DIST).sort()).toEqual(fresh);
      for (const f of fresh) {
        expect(fs.readFileSync(path.join(DIST, f), 'utf8')).toBe(fs.readFileSync(path.join(outdir, f), 'utf8'));
      }
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('every object passes strict validation', () => {
    expect(dist.length).toBeGreaterThan(0);
    expectValidManifests(dist);
  });

  test('config.yaml uses only keys from FACTS §B, and every secret is an os.environ/ reference', () => {
    const known: Record<string, string[]> = {
      litellm_settings: ['callbacks', 'request_timeout', 'drop_params', 'cache', 'cache_params'],
      router_settings: ['routing_strategy', 'num_retries', 'timeout', 'allowed_fails', 'cooldown_time', 'enable_pre_call_checks',
        'retry_policy', 'fallbacks', 'context_window_fallbacks', 'redis_host', 'redis_port', 'redis_password'],
      general_settings: ['master_key', 'database_url'],
    };
    for (const cm of allOfKind(dist, 'ConfigMap')) {
      const config = liteLLMConfig([cm]);
      expect(Object.keys(config).every(k => ['model_list', ...Object.keys(known)].includes(k))).toBe(true);
      for (const [section, keys] of Object.entries(known)) {
        for (const key of Object.keys(config[section] ?? {})) expect(keys).toContain(key);
      }
      for (const entry of config.model_list) {
        expect(Object.keys(entry).every(k => ['model_name', 'litellm_params', 'model_info'].includes(k))).toBe(true);
        for (const key of Object.keys(entry.litellm_params)) {
          expect(['model', 'api_base', 'api_key', 'rpm', 'tpm', 'timeout', 'max_parallel_requests']).toContain(key);
        }
      }
      const secrets = [config.general_settings.master_key, config.general_settings.database_url,
        config.router_settings.redis_password, config.litellm_settings.cache_params?.password,
        ...config.model_list.map((m: Manifest) => m.litellm_params.api_key)].filter(v => v !== undefined);
      expect(secrets.length).toBeGreaterThan(0);
      for (const s of secrets) expect(s).toMatch(/^os\.environ\/[A-Z0-9_]+$/);
    }
  });

  test('no env value holds a literal secret: every credential variable comes from a secretKeyRef', () => {
    for (const workload of [...allOfKind(dist, 'Deployment'), ...allOfKind(dist, 'Job')]) {
      for (const container of workload.spec.template.spec.containers) {
        for (const [name, entry] of Object.entries(envOf(containerOf(workload, container.name)))) {
          if (/KEY|PASSWORD|SECRET|TOKEN|DATABASE_URL/.test(name)) {
            expect(entry.value).toBeUndefined();
            expect(entry.valueFrom.secretKeyRef).toBeDefined();
          }
        }
      }
    }
  });
});
