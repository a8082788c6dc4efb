import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * jest's globalSetup and globalTeardown: every test file runs with `os.tmpdir()` a folder of
 * its own run (TMPDIR, inherited by jest's workers and by what they spawn), removed at the end.
 * cdk8s's `Testing.app()` and the tests' outdirs, staging folders and promtool files each make a
 * temporary folder and leave it: a few thousand per `npm test`, which piled up in /tmp by the
 * hundred thousand on a developer's machine.
 */
const PREFIX = 'cdk8s-llm-serving-test-';

export function setup(): void {
  const run = fs.mkdtempSync(path.join(os.tmpdir(), PREFIX));
  process.env.CDK8S_LLM_SERVING_TEST_TMPDIR = run;
  process.env.TMPDIR = run;
}

export function teardown(): void {
  const run = process.env.CDK8S_LLM_SERVING_TEST_TMPDIR;
  if (run && path.basename(run).startsWith(PREFIX)) fs.rmSync(run, { recursive: true, force: true });
}
