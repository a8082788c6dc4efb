import { App } from 'cdk8s';
import { buildApp } from './app';
import { addArgoCd, DIST } from './argocd';
import { buildEnvironments } from './environments';
import { applySyncWaves, ManifestValidationError, synthValidated } from '../lib';

/**
 * Everything `npm run synth` (`cdk8s synth`) writes, one App per folder:
 * - `dist/`: the reference and scenario stacks of `buildApp()`, plus `argocd.k8s.yaml` with
 *   one Argo CD Application per chart;
 * - `dist/environments/<name>/`: one App per environment (apps/environments.ts), each with
 *   its own Applications.
 * Every App gets its derived sync waves (`applySyncWaves`) once fully built.
 *
 * @param outdir the output folder: `cdk8s synth` passes its `output` as `CDK8S_OUTDIR`
 */
export function buildApps(outdir: string = process.env.CDK8S_OUTDIR ?? DIST): App[] {
  const app = buildApp({ outdir });
  addArgoCd(app);
  applySyncWaves(app);
  return [app, ...buildEnvironments(outdir)];
}

if (require.main === module) {
  // Nothing invalid is written: synthValidated checks every object of every App against the
  // Kubernetes 1.28 definitions and the vendored CRDs (the validator the tests use) and
  // writes only when all are valid.
  try {
    synthValidated(buildApps());
  } catch (e) {
    if (!(e instanceof ManifestValidationError)) throw e;
    console.error(e.message);
    process.exit(1);
  }
}
