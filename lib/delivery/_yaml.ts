import * as path from 'path';
import { Yaml } from 'cdk8s';
import type * as YamlModule from 'yaml';

/** Arrays of at least this many elements are stringified in slices of this many. */
const SLICE = 64;
/** How deep into a document long arrays are looked for (a PrometheusRule's rules are at depth 4). */
const MAX_DEPTH = 8;
const PLACEHOLDER = 'cdk8sLlmServingSlice';
/** A line starting a YAML document marker, which yaml renders differently at the root (see below). */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

/**
 * The `yaml` module cdk8s writes with (its own copy when it has one): `require.resolve`d from
 * cdk8s's directory, as cdk8s's `lib/yaml.js` requires it.
 * @internal
 */
export const CDK8S_YAML_MODULE = require.resolve('yaml', { paths: [path.dirname(require.resolve('cdk8s'))] });

/** cdk8s 2.x `Yaml.stringify`'s options for every document (lib/yaml.js, cdk8s 2.70). */
const CDK8S_YAML_OPTIONS = { keepUndefined: true, lineWidth: 0, version: '1.1' } as const;

/**
 * {@link CDK8S_YAML_OPTIONS} with two walks of yaml left out that cannot change the text of a
 * plain JSON document ({@link isPlainJson}). By yaml's documented options (dist/options.d.ts,
 * yaml 2.9.1, the version cdk8s 2.70 bundles) and its code:
 * - `directives: false` ("no directives or marker is ever included"; the default, `null`,
 *   includes them "if required"): none is ever required by a new document of plain JSON (no
 *   explicit `%YAML`, no tag but the default `!!` handle), and `stringifyDocument`
 *   (dist/stringify/stringifyDocument.js) no longer runs `doc.directives.toString(doc)`
 *   (dist/doc/directives.js), which visits every node looking for tags: 9 % of yaml's time;
 * - `aliasDuplicateObjects: false` (default `true`: "use anchors and aliases to keep strictly
 *   equal non-null objects as equivalent"): plain JSON holds no object twice, and `createNode`
 *   (dist/doc/createNode.js) no longer keeps a map of every object it meets.
 * The property test in test/delivery/yaml-thread.test.ts holds the text equal to cdk8s's.
 * @internal
 */
export const PLAIN_JSON_YAML_OPTIONS = { ...CDK8S_YAML_OPTIONS, directives: false, aliasDuplicateObjects: false } as const;

let cdk8sYaml: typeof YamlModule | undefined;

/**
 * The document of a plain JSON object ({@link isPlainJson}) as cdk8s's `Yaml.stringify(doc)`
 * writes it, byte for byte, with less work ({@link PLAIN_JSON_YAML_OPTIONS}).
 * @internal
 */
export function stringifyPlainJson(doc: unknown): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cdk8sYaml ??= require(CDK8S_YAML_MODULE) as typeof YamlModule;
  return cdk8sYaml.stringify(doc, PLAIN_JSON_YAML_OPTIONS);
}

/**
 * One manifest as cdk8s's `Yaml.stringify(doc)` renders it, byte for byte (the pieces joined
 * without separator), without building the YAML tree of a huge document at once: the elements
 * of its long arrays (a PrometheusRule of a thousand pools holds tens of thousands of rules,
 * 15 MB of YAML) are stringified in slices and indented into place, and the pieces are never
 * joined (the writer writes them in turn). yaml builds a node for every value before writing
 * any; for such a document that tree alone takes more than 100 MB.
 *
 * Sound because, with cdk8s's options (`lineWidth: 0`: no folding), yaml renders a block
 * sequence item the same at any indentation, shifted: every non-empty line gets the
 * sequence's indentation, empty lines stay empty (yaml 2.x stringifyCollection,
 * stringifyString). The two exceptions are avoided: a document with an object referenced
 * twice (yaml writes anchors and aliases, numbered per document) and a string starting a line
 * with a document marker (rendered by indentation) are stringified whole. The skeleton with a
 * placeholder must render the placeholder once, on its own item line, or the document is
 * stringified whole too.
 *
 * @param slice the slice length (tests lower it)
 * @internal
 */
export function stringifyManifest(doc: unknown, slice: number = SLICE): string[] {
  const long: unknown[][] = [];
  const skeleton = withoutLongArrays(doc, slice, long, 0);
  if (long.length === 0 || !safeToSlice(doc)) return [Yaml.stringify(doc)];
  const text = Yaml.stringify(skeleton);
  const pieces: string[] = [];
  let from = 0;
  for (let i = 0; i < long.length; i++) {
    const marker = `${PLACEHOLDER}${i}z`;
    const at = text.indexOf(marker, from);
    const lineStart = text.lastIndexOf('\n', at) + 1;
    const prefix = text.slice(lineStart, at);
    const lineEnd = text.indexOf('\n', at);
    if (at < 0 || text.indexOf(marker, at + 1) >= 0 || !/^ *- $/.test(prefix) || lineEnd !== at + marker.length) {
      return [Yaml.stringify(doc)];
    }
    pieces.push(text.slice(from, lineStart));
    const indent = prefix.slice(0, -2);
    for (let start = 0; start < long[i].length; start += slice) {
      pieces.push(indentLines(Yaml.stringify(long[i].slice(start, start + slice)), indent));
    }
    from = lineEnd + 1;
  }
  pieces.push(text.slice(from));
  return pieces;
}

/**
 * Whether {@link stringifyManifest} renders `doc` whole, as `Yaml.stringify(doc)`: it has no
 * array of {@link SLICE} elements or more within its first {@link MAX_DEPTH} levels.
 * @internal
 */
export function isStringifiedWhole(doc: unknown): boolean {
  return !hasLongArray(doc, 0);
}

function hasLongArray(value: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.length >= SLICE || value.some((v) => hasLongArray(v, depth + 1));
  for (const key of Object.keys(value)) if (hasLongArray((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

/**
 * A copy of `value` down to its long arrays, each replaced by `[<placeholder><n>]` (its
 * elements pushed to `long`, in document order); the rest is shared with `value`.
 */
function withoutLongArrays(value: unknown, slice: number, long: unknown[][], depth: number): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (value.length >= slice) {
      long.push(value);
      return [`${PLACEHOLDER}${long.length - 1}z`];
    }
    const before = long.length;
    const out = value.map((v) => withoutLongArrays(v, slice, long, depth + 1));
    return long.length === before ? value : out;
  }
  const before = long.length;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = withoutLongArrays(v, slice, long, depth + 1);
  return long.length === before ? value : out;
}

/** No object is referenced twice and no string (key or value) starts a line with a document marker. */
function safeToSlice(doc: unknown): boolean {
  const seen = new Set<object>();
  const visit = (v: unknown): boolean => {
    if (typeof v === 'string') return !DOCUMENT_MARKER.test(v);
    if (v === null || typeof v !== 'object') return true;
    if (seen.has(v)) return false;
    seen.add(v);
    if (Array.isArray(v)) return v.every(visit);
    return Object.entries(v).every(([k, x]) => !DOCUMENT_MARKER.test(k) && visit(x));
  };
  return visit(doc);
}

function indentLines(text: string, indent: string): string {
  return indent ? text.replace(/^(?=.)/gm, indent) : text;
}
