import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { Manifest, allOfKind } from './synth';

/** One rule of a PrometheusRule group, as synthesized. */
export interface PromRule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** One rule group (`spec.groups[]` of a PrometheusRule). */
export interface PromRuleGroup {
  readonly name: string;
  readonly rules: PromRule[];
}

/** What a promtool run returned. */
export interface PromtoolResult {
  /** The exit status (null when promtool was killed). */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The command line, stdout and stderr together, for assertion messages. */
  readonly output: string;
}

const PROMTOOL = 'promtool';
const TIMEOUT_MS = 170_000;

/**
 * Throws unless `promtool` is on PATH: the alert tests must run, never be skipped silently.
 * CI (`.ci/run`) installs it with Debian's `prometheus` package.
 */
export function requirePromtool(): void {
  const r = spawnSync(PROMTOOL, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`promtool is not on PATH (${r.error?.message ?? `exit status ${r.status}`}): install Debian's prometheus package, which ships it (apt-get install prometheus)`);
  }
}

/** Every rule group of every PrometheusRule in `manifests`, in order. */
export function ruleGroupsOf(manifests: Manifest[]): PromRuleGroup[] {
  return allOfKind(manifests, 'PrometheusRule').flatMap(m => m.spec.groups as PromRuleGroup[]);
}

/**
 * Every rule group of every PrometheusRule in `manifests`, each named
 * `<namespace>/<object>/<group>`, for one rule file: Prometheus loads each PrometheusRule as
 * its own file, where group names need only be unique (each pool's object of ServingAlerts has
 * its own `llm-serving`), but in the one file promtool reads they must differ.
 */
export function ruleGroupsByObject(manifests: Manifest[]): PromRuleGroup[] {
  return allOfKind(manifests, 'PrometheusRule')
    .flatMap(m => (m.spec.groups as PromRuleGroup[]).map(g => ({ ...g, name: `${m.metadata.namespace}/${m.metadata.name}/${g.name}` })));
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'promtool-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes `content` as YAML to `dir/name` and returns the file path. */
export function writeYaml(dir: string, name: string, content: unknown): string {
  const file = path.join(dir, name);
  // lineWidth 0: long PromQL stays on one line, as written.
  fs.writeFileSync(file, stringify(content, { lineWidth: 0 }));
  return file;
}

/** Writes rule groups as a Prometheus rule file (`groups:`) and returns its path. */
export function writeRuleFile(dir: string, groups: PromRuleGroup[], name = 'rules.yaml'): string {
  return writeYaml(dir, name, { groups });
}

/** `promtool check rules <file>`. */
export function checkRules(file: string): PromtoolResult {
  return promtool(['check', 'rules', file]);
}

/** `promtool test rules <file>` (rule files named in it resolve relative to it). */
export function testRules(file: string): PromtoolResult {
  return promtool(['test', 'rules', file], path.dirname(file));
}

/** Runs promtool with `args`; throws only when promtool is missing. */
export function promtool(args: string[], cwd?: string): PromtoolResult {
  requirePromtool();
  const r = spawnSync(PROMTOOL, args, { encoding: 'utf8', cwd, timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`promtool ${args.join(' ')} failed to run: ${r.error.message}`);
  const stdout = r.stdout ?? '';
  const stderr = r.stderr ?? '';
  return { status: r.status, stdout, stderr, output: `$ promtool ${args.join(' ')}\n${stdout}${stderr}` };
}
