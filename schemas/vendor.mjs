#!/usr/bin/env node
// Vendors the schemas the validator (lib/delivery/validate.ts) checks manifests against, from a
// read-only source tree (default ../shared, next to the repo): the Kubernetes 1.28 OpenAPI
// definitions and every CRD in <source>/crds. Each CRD's served versions keep only what
// validation needs (name, served, storage, openAPIV3Schema); `description` texts are dropped
// everywhere (they are half the bytes and never validated). The sha256 of every source file is
// recorded in schemas/index.json, so `--check` can prove the vendored files still match it.
//
//   node schemas/vendor.mjs [--check] [<source dir>]
//
// Run from anywhere; writes schemas/k8s-1.28.json, schemas/crds/<file>.json and schemas/index.json.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const check = args.includes('--check');
const source = resolve(args.find((a) => !a.startsWith('--')) ?? join(here, '..', '..', 'shared'));

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** A copy of an OpenAPI schema without string `description`s (a property named "description" stays). */
function strip(v) {
  if (Array.isArray(v)) return v.map(strip);
  if (v === null || typeof v !== 'object') return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'description' && typeof x === 'string') continue;
    out[k] = strip(x);
  }
  return out;
}

const files = new Map(); // relative path -> content
const index = { source: 'see schemas/README.md', definitions: null, crds: {} };

const defsPath = join(source, 'schemas', '_definitions.json');
const defsRaw = readFileSync(defsPath);
files.set('k8s-1.28.json', JSON.stringify(strip(JSON.parse(defsRaw.toString('utf8')))));
index.definitions = { file: 'k8s-1.28.json', source: 'schemas/_definitions.json', sha256: sha256(defsRaw) };

for (const f of readdirSync(join(source, 'crds')).filter((x) => /\.ya?ml$/.test(x)).sort()) {
  const raw = readFileSync(join(source, 'crds', f));
  for (const doc of parseAllDocuments(raw.toString('utf8'))) {
    const crd = doc.toJS();
    if (crd?.kind !== 'CustomResourceDefinition') continue;
    const key = `${crd.spec.group}/${crd.spec.names.kind}`;
    if (index.crds[key]) throw new Error(`${f}: ${key} is also defined in ${index.crds[key].source}`);
    const out = `crds/${basename(f).replace(/\.ya?ml$/, '')}.json`;
    files.set(out, JSON.stringify({
      group: crd.spec.group,
      kind: crd.spec.names.kind,
      scope: crd.spec.scope,
      versions: crd.spec.versions.map((v) => ({
        name: v.name, served: v.served === true, storage: v.storage === true,
        schema: strip(v.schema?.openAPIV3Schema ?? {}),
      })),
    }));
    index.crds[key] = { file: out, source: `crds/${f}`, sha256: sha256(raw) };
  }
}
files.set('index.json', JSON.stringify(index, null, 2) + '\n');

if (check) {
  const stale = [...files].filter(([rel, text]) => {
    try { return readFileSync(join(here, rel), 'utf8') !== text; } catch { return true; }
  }).map(([rel]) => rel);
  const known = new Set([...files.keys()].filter((k) => k.startsWith('crds/')).map((k) => k.slice(5)));
  const extra = readdirSync(join(here, 'crds')).filter((x) => !known.has(x)).map((x) => `crds/${x}`);
  if (stale.length || extra.length) {
    console.error(`schemas/ is not what ${source} vendors to: stale ${stale.join(', ') || '-'}; extra ${extra.join(', ') || '-'} (run node schemas/vendor.mjs)`);
    process.exit(1);
  }
  console.log(`schemas/ matches ${source} (${files.size} files)`);
} else {
  rmSync(join(here, 'crds'), { recursive: true, force: true });
  mkdirSync(join(here, 'crds'), { recursive: true });
  for (const [rel, text] of files) writeFileSync(join(here, rel), text);
  console.log(`vendored ${files.size} files from ${source} into ${here}`);
}
