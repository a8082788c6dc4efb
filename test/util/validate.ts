import { Chart } from 'cdk8s';
import { Manifest, synth, testChart } from './synth';
import { formatManifestError, ManifestError, validateManifests } from '../../lib/delivery/validate';

// The strict validator is part of the library (lib/delivery/validate.ts, exported as
// validateApp / validateManifests); the tests use the very same one.
export { ManifestError, validateManifest, validateManifests } from '../../lib/delivery/validate';

/**
 * Throws if any manifest is invalid. The error message lists every problem, one per line,
 * as `<object> <path>: <message>`.
 */
export function expectValidManifests(objs: any[]): void {
  const errors: ManifestError[] = validateManifests(objs);
  if (errors.length === 0) return;
  throw new Error(`${errors.length} manifest error(s):\n${errors.map(formatManifestError).join('\n')}`);
}

/** A test chart (namespace `llm`) built by `configure`, synthesized, every object checked strictly. */
export function renderValid(configure: (chart: Chart) => void): Manifest[] {
  const chart = testChart();
  configure(chart);
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return manifests;
}
