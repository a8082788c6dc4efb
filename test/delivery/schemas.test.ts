import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const SCHEMAS = path.join(ROOT, 'schemas');
const index = JSON.parse(fs.readFileSync(path.join(SCHEMAS, 'index.json'), 'utf8'));

describe('vendored schemas (schemas/)', () => {
  test('are exactly what schemas/vendor.mjs extracts from the source tree (sha256 of each source recorded)', () => {
    const out = execFileSync('node', [path.join(SCHEMAS, 'vendor.mjs'), '--check'], { encoding: 'utf8' });
    expect(out).toMatch(/^schemas\/ matches .* \(17 files\)\n$/);
  });

  test('cover every kind the library renders or documents', () => {
    expect(Object.keys(index.crds).sort()).toEqual([
      'argoproj.io/AppProject', 'argoproj.io/Application', 'argoproj.io/ApplicationSet',
      'autoscaling.k8s.io/VerticalPodAutoscaler',
      'gateway.networking.k8s.io/HTTPRoute',
      'inference.networking.k8s.io/InferencePool',
      'inference.networking.x-k8s.io/InferenceObjective',
      'keda.sh/ClusterTriggerAuthentication', 'keda.sh/ScaledJob', 'keda.sh/ScaledObject', 'keda.sh/TriggerAuthentication',
      'leaderworkerset.x-k8s.io/LeaderWorkerSet',
      'monitoring.coreos.com/PodMonitor', 'monitoring.coreos.com/PrometheusRule', 'monitoring.coreos.com/ServiceMonitor',
    ]);
    for (const entry of Object.values<any>(index.crds)) {
      expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(fs.existsSync(path.join(SCHEMAS, entry.file))).toBe(true);
    }
    expect(index.definitions).toEqual({ file: 'k8s-1.28.json', source: 'schemas/_definitions.json', sha256: '26005b7e779ea2fcbd87e4f23d76dc565eef8381c2287e149c676c03d48b0df6' });
  });

  test('the README records the provenance of every source file', () => {
    const readme = fs.readFileSync(path.join(SCHEMAS, 'README.md'), 'utf8');
    for (const entry of Object.values<any>(index.crds)) expect(readme).toContain(`| ${path.basename(entry.source)} |`);
    expect(readme).toContain('| ../schemas/_definitions.json | cdk8s-team/cdk8s | kubernetes-schemas/v1.28.0/_definitions.json |');
  });

  test('ship in the package', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.files).toEqual(expect.arrayContaining(['schemas/index.json', 'schemas/k8s-1.28.json', 'schemas/crds/*.json', 'schemas/README.md']));
    expect(pkg.dependencies.ajv).toBeDefined();
  });
});
