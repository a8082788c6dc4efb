import { Yaml } from 'cdk8s';

/** Arrays of at least this many elements are stringified in slices of this many. */
const SLICE = 64;
/** How deep into a document long arrays are looked for (a PrometheusRule's rules are at depth 4). */
const MAX_DEPTH = 8;
const PLACEHOLDER = 'cdk8sLlmServingSlice';
/** A line starting a YAML document marker, which yaml renders differently at the root (see below). */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

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
