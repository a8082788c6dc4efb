#!/usr/bin/env bash
# check-pack.sh: prove the published package works for a consumer, exactly as
# the README quick start shows it.
#
#   1. `npm pack` the project into a temp dir (prepack runs `npm run build`).
#   2. Check the tarball's contents (built JS + d.ts in, sources/tests/apps out).
#   3. Create an empty consumer project in another temp dir and install the
#      tarball plus pinned peers and a compiler.
#   4. Extract the quick start (the first ```ts block after `<!-- quickstart -->`
#      in README.md) into main.ts, compile it with strict tsc, run it with node and
#      check that app.synth() wrote dist/*.k8s.yaml with a Deployment in it.
#
# Usage (from anywhere; the repo root is resolved from this script's path):
#   bash scripts/check-pack.sh
# Environment:
#   QUICKSTART_README  markdown file holding the quick start (default <repo>/README.md)
#   KEEP_TMP=1         keep the temp dirs for debugging (their paths are printed)
#
# Needs only node, npm, bash, tar and coreutils; nothing installed globally.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
QUICKSTART_README="${QUICKSTART_README:-$REPO_ROOT/README.md}"

# Peers and compiler, pinned. Never typescript@latest: typescript 7 has no JS API.
CONSUMER_DEPS=(cdk8s@2.70.106 cdk8s-plus-28@2.5.6 constructs@10.8.1 typescript@5.9.3 @types/node@20)
ALLOWED_IMPORTS=(cdk8s-llm-serving cdk8s cdk8s-plus-28 constructs)
NPM_QUIET=(--no-audit --no-fund --loglevel=error)

log() { printf 'check-pack: %s\n' "$*"; }
fail() { printf 'check-pack: FAIL: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null 2>&1 || fail "node is not on PATH"
command -v npm >/dev/null 2>&1 || fail "npm is not on PATH"
[[ -f "$QUICKSTART_README" ]] || fail "README not found: $QUICKSTART_README (set QUICKSTART_README to override)"

PACK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/check-pack-tgz.XXXXXX")"
WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/check-pack-consumer.XXXXXX")"
cleanup() {
  if [[ "${KEEP_TMP:-0}" == "1" ]]; then
    log "keeping temp dirs: $PACK_DIR $WORK_DIR"
  else
    rm -rf "$PACK_DIR" "$WORK_DIR"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

START_SECONDS=$SECONDS

# ---------------------------------------------------------------------------
# 0. Extract the quick start first: it is cheap, so a missing marker fails fast.
# ---------------------------------------------------------------------------
# The consumer dir itself must have a valid lowercase npm name, so use a fixed
# subdirectory of the (random, mixed-case) temp dir.
CONSUMER="$WORK_DIR/consumer"
mkdir -p "$CONSUMER"

log "extracting quick start from $QUICKSTART_README"
node - "$QUICKSTART_README" "$CONSUMER/main.ts" "${ALLOWED_IMPORTS[@]}" <<'EOF' || fail "could not extract a valid quick start from $QUICKSTART_README (see above)"
const fs = require('fs');
const [readme, out, ...allowed] = process.argv.slice(2);
const lines = fs.readFileSync(readme, 'utf8').split(/\r?\n/);
const die = (msg) => { console.error(`check-pack: FAIL: ${msg}`); process.exit(1); };

const markers = [];
lines.forEach((l, i) => { if (/^\s*<!--\s*quickstart\s*-->\s*$/.test(l)) markers.push(i); });
if (markers.length === 0) die(`no '<!-- quickstart -->' marker line in ${readme}`);
if (markers.length > 1) die(`${markers.length} '<!-- quickstart -->' markers in ${readme} (lines ${markers.map((m) => m + 1).join(', ')}); expected exactly one`);

let open = -1;
for (let i = markers[0] + 1; i < lines.length; i++) {
  if (/^\s*```\s*ts\s*$/.test(lines[i])) { open = i; break; }
}
if (open < 0) die(`no \`\`\`ts code block after the '<!-- quickstart -->' marker (line ${markers[0] + 1}) in ${readme}`);
let close = -1;
for (let i = open + 1; i < lines.length; i++) {
  if (/^\s*```\s*$/.test(lines[i])) { close = i; break; }
}
if (close < 0) die(`the \`\`\`ts block opened at line ${open + 1} of ${readme} is never closed`);
const body = lines.slice(open + 1, close);
if (body.join('').trim() === '') die(`the quick start block at line ${open + 1} of ${readme} is empty`);

// Module specifiers: `from '...'`, bare `import '...'`, `import('...')`, `require('...')`.
const src = body.join('\n');
const re = /\bfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]|\brequire\s*\(\s*['"]([^'"]+)['"]/g;
const specs = new Set();
for (let m; (m = re.exec(src)); ) specs.add(m[1] ?? m[2] ?? m[3] ?? m[4]);
const bad = [...specs].filter((s) => !allowed.includes(s));
if (bad.length) die(`the quick start imports ${bad.map((s) => `'${s}'`).join(', ')}; only ${allowed.map((s) => `'${s}'`).join(', ')} are allowed`);
if (!specs.has('cdk8s-llm-serving')) die(`the quick start does not import from 'cdk8s-llm-serving'`);

fs.writeFileSync(out, body.join('\n') + '\n');
console.log(`check-pack: quick start: README lines ${open + 2}-${close} (${body.length} lines), imports ${[...specs].join(', ')}`);
EOF

# ---------------------------------------------------------------------------
# 1. Pack (prepack runs `npm run build`).
# ---------------------------------------------------------------------------
log "npm pack (prepack: npm run build) in $REPO_ROOT"
PACK_LOG="$PACK_DIR/pack.log"
if ! (cd "$REPO_ROOT" && npm pack --pack-destination "$PACK_DIR" "${NPM_QUIET[@]}") >"$PACK_LOG" 2>&1; then
  cat "$PACK_LOG" >&2
  fail "npm pack failed (the build above did not pass)"
fi
shopt -s nullglob
TARBALLS=("$PACK_DIR"/*.tgz)
shopt -u nullglob
[[ ${#TARBALLS[@]} -eq 1 ]] || { cat "$PACK_LOG" >&2; fail "expected exactly one .tgz in $PACK_DIR, found ${#TARBALLS[@]}"; }
TARBALL="${TARBALLS[0]}"

# ---------------------------------------------------------------------------
# 2. Tarball contents.
# ---------------------------------------------------------------------------
TAR_LIST="$PACK_DIR/contents.txt"
tar -tzf "$TARBALL" >"$TAR_LIST" || fail "cannot list $TARBALL"
TAR_FILES=$(grep -c . "$TAR_LIST" || true)
TAR_BYTES=$(wc -c <"$TARBALL" | tr -d ' ')
log "tarball: $(basename "$TARBALL"), ${TAR_BYTES} bytes ($(( (TAR_BYTES + 1023) / 1024 )) KiB), ${TAR_FILES} files"

for required in package/package.json package/build/lib/index.js package/build/lib/index.d.ts; do
  grep -qxF "$required" "$TAR_LIST" || fail "tarball is missing $required"
done
# Forbidden: tests, apps, node_modules, and any TypeScript source (.ts that is not .d.ts),
# wherever it sits (covers package/lib/*.ts and anything like it).
FORBIDDEN=$(grep -E '^package/(test|apps|node_modules)/|\.ts$' "$TAR_LIST" | grep -vE '\.d\.ts$' || true)
if [[ -n "$FORBIDDEN" ]]; then
  printf '%s\n' "$FORBIDDEN" | head -20 | sed 's/^/  /' >&2
  fail "tarball contains files that must not be published ($(printf '%s\n' "$FORBIDDEN" | grep -c .) shown above, first 20)"
fi
log "tarball contents OK (build/lib/index.{js,d.ts} present; no test/, apps/, node_modules/, .ts sources)"

# ---------------------------------------------------------------------------
# 3. Consumer project.
# ---------------------------------------------------------------------------
log "creating consumer project in $CONSUMER"
(cd "$CONSUMER" && npm init -y "${NPM_QUIET[@]}" >/dev/null) || fail "npm init -y failed in $CONSUMER"
log "npm install $(basename "$TARBALL") ${CONSUMER_DEPS[*]}"
(cd "$CONSUMER" && npm install "$TARBALL" "${CONSUMER_DEPS[@]}" "${NPM_QUIET[@]}") \
  || fail "npm install of the tarball and its peers failed in the consumer project"
[[ -f "$CONSUMER/node_modules/cdk8s-llm-serving/build/lib/index.js" ]] \
  || fail "cdk8s-llm-serving was not installed into the consumer's node_modules"

# ---------------------------------------------------------------------------
# 4. Compile the quick start, strict. `--no` stops npx from ever downloading
# the unrelated `tsc` package from the registry if the local one is missing.
# skipLibCheck false: our published d.ts (and the peers') must type-check too.
# ---------------------------------------------------------------------------
log "compiling main.ts (tsc $(cd "$CONSUMER" && npx --no -- tsc --version | sed 's/^Version //'), --strict --skipLibCheck false)"
if ! (cd "$CONSUMER" && npx --no -- tsc --strict --target ES2022 --module commonjs --moduleResolution node \
      --esModuleInterop --skipLibCheck false --outDir out main.ts); then
  echo "---- main.ts (from $QUICKSTART_README) ----" >&2
  cat -n "$CONSUMER/main.ts" >&2
  fail "the README quick start does not compile against the packed cdk8s-llm-serving (tsc errors above)"
fi

# ---------------------------------------------------------------------------
# 5. Run it; app.synth() writes dist/ (the cdk8s App default outdir).
# ---------------------------------------------------------------------------
log "running node out/main.js"
(cd "$CONSUMER" && node out/main.js) || fail "the README quick start threw at runtime (node out/main.js, see above)"

shopt -s nullglob
MANIFESTS=("$CONSUMER"/dist/*.k8s.yaml)
shopt -u nullglob
[[ ${#MANIFESTS[@]} -gt 0 ]] || fail "app.synth() wrote no dist/*.k8s.yaml in the consumer project"
OBJECTS=$(cat "${MANIFESTS[@]}" | grep -c '^kind:' || true)
grep -q '^kind: Deployment$' "${MANIFESTS[@]}" || fail "no 'kind: Deployment' in the synthesized manifests (${MANIFESTS[*]##*/})"
log "synthesized ${#MANIFESTS[@]} file(s), ${OBJECTS} objects:"
for f in "${MANIFESTS[@]}"; do
  printf '  dist/%s (%s objects: %s)\n' "$(basename "$f")" "$(grep -c '^kind:' "$f" || true)" \
    "$(grep '^kind:' "$f" | sed 's/^kind: //' | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')"
done

log "done in $(( SECONDS - START_SECONDS ))s"
echo "check-pack: OK (${OBJECTS} objects synthesized from the README quick start)"
