import { buildApp } from './app';
import { ManifestValidationError, synthValidated } from '../lib';

// Nothing invalid is written to dist/: synthValidated checks every object against the
// Kubernetes 1.28 definitions and the vendored CRDs (the same validator the tests use) and
// writes only when all are valid.
try {
  synthValidated(buildApp());
} catch (e) {
  if (!(e instanceof ManifestValidationError)) throw e;
  console.error(e.message);
  process.exit(1);
}
