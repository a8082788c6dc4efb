import { buildApp } from './app';
import { validateManifests } from '../test/util/validate';

// Nothing invalid is written to dist/: every object goes through the same strict schema
// validation the tests use (Kubernetes 1.28 definitions and the vendored CRDs) first.
const app = buildApp();
const errors = validateManifests(app.charts.flatMap(chart => chart.toJson()));
if (errors.length > 0) {
  for (const e of errors) console.error(`${e.object} ${e.path}: ${e.message}`);
  console.error(`synth refused: ${errors.length} invalid field(s); dist/ was not written`);
  process.exit(1);
}
app.synth();
