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
#   5. Platform-repo check: a second program (delivery.ts, written below) imports
#      validateApp / synthValidated / applySyncWaves / ArgoCdApplication from the
#      package root and typed CRD classes from the subpaths imports/keda,
#      imports/prometheus-operator, imports/vpa and imports/argocd; it is compiled
#      with moduleResolution node (typesVersions) and node16 (exports), then run: the
#      validator must find the schemas shipped in the package, accept the valid app,
#      reject a bad field with the API server's message and write nothing for it, and
#      write app.synth()'s bytes for an App of 450 objects (the YAML thread's size).
#   6. What-if CLI: `npx cdk8s-llm-serving whatif` (the package's bin) against the quick
#      start's dist/ (no autoscaler in it: exit 2, one line on stderr, no report written),
#      then against this repo's dist/ (the reference stack): text summary, HTML report with
#      uPlot inlined.
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

for required in package/package.json package/build/lib/index.js package/build/lib/index.d.ts \
    package/build/lib/delivery/validate.js package/schemas/index.json package/schemas/k8s-1.28.json \
    package/schemas/crds/argoproj.io_applications.json package/schemas/README.md \
    package/build/imports/keda.sh.js package/build/imports/keda.sh.d.ts \
    package/build/imports/monitoring.coreos.com.js package/build/imports/autoscaling.k8s.io.js \
    package/build/imports/argoproj.io.js package/build/imports/argoproj.io.d.ts \
    package/build/lib/whatif/cli.js package/build/lib/whatif/replay.js package/build/lib/whatif/report.js; do
  grep -qxF "$required" "$TAR_LIST" || fail "tarball is missing $required"
done
# Forbidden: tests, apps, node_modules, and any TypeScript source (.ts that is not .d.ts),
# wherever it sits (covers package/lib/*.ts and anything like it).
FORBIDDEN=$(grep -E '^package/(test|apps|node_modules)/|\.ts$' "$TAR_LIST" | grep -vE '\.d\.ts$' || true)
if [[ -n "$FORBIDDEN" ]]; then
  printf '%s\n' "$FORBIDDEN" | head -20 | sed 's/^/  /' >&2
  fail "tarball contains files that must not be published ($(printf '%s\n' "$FORBIDDEN" | grep -c .) shown above, first 20)"
fi
# The schemas ship as JSON only: no YAML CRDs, no vendoring script.
EXTRA_SCHEMAS=$(grep -E '^package/schemas/' "$TAR_LIST" | grep -vE '^package/schemas/(index\.json|k8s-1\.28\.json|README\.md|crds/[^/]+\.json)$' || true)
[[ -z "$EXTRA_SCHEMAS" ]] || fail "unexpected files under schemas/ in the tarball: $EXTRA_SCHEMAS"
log "tarball contents OK (build/lib/index.{js,d.ts}, the CRD imports and schemas/ present; no test/, apps/, node_modules/, .ts sources)"

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

# ---------------------------------------------------------------------------
# 6. Platform-repo use: validateApp / synthValidated and the typed CRD subpaths.
# ---------------------------------------------------------------------------
log "platform-repo check: delivery.ts (validateApp, synthValidated, applySyncWaves, ArgoCdApplication, imports/*)"
cat >"$CONSUMER/delivery.ts" <<'TS'
import * as fs from 'fs';
import { ApiObject, App, Chart } from 'cdk8s';
import {
  applySyncWaves, ArgoCdApplication, ManifestValidationError, synthValidated, validateApp,
} from 'cdk8s-llm-serving';
import { Application } from 'cdk8s-llm-serving/imports/argocd';
import { ScaledObject } from 'cdk8s-llm-serving/imports/keda';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from 'cdk8s-llm-serving/imports/prometheus-operator';
import { VerticalPodAutoscaler } from 'cdk8s-llm-serving/imports/vpa';
import { HttpRoute } from 'cdk8s-llm-serving/imports/gateway-api';

function build(outdir: string, broken: boolean): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'worker', { namespace: 'jobs' });
  new ScaledObject(chart, 'scaler', {
    metadata: { name: 'worker' },
    spec: { scaleTargetRef: { name: 'worker' }, minReplicaCount: 1, maxReplicaCount: 5, triggers: [{ type: 'cpu', metadata: { value: '70' } }] },
  });
  new VerticalPodAutoscaler(chart, 'vpa', {
    metadata: { name: 'worker' },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker' } },
  });
  new PrometheusRule(chart, 'rules', {
    metadata: { name: 'worker' },
    spec: { groups: [{ name: 'worker', rules: [{ alert: 'WorkerDown', expr: PrometheusRuleSpecGroupsRulesExpr.fromString('up{job="worker"} == 0'), for: '5m' }] }] },
  });
  new HttpRoute(chart, 'route', {
    metadata: { name: 'worker' },
    spec: { parentRefs: [{ name: 'gateway', namespace: 'gateway' }], rules: [{ backendRefs: [{ name: 'worker', port: 8080 }] }] },
  });
  if (broken) new ApiObject(chart, 'bad', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad' }, datta: {} } as any);
  const argocd = new Chart(app, 'argocd');
  new ArgoCdApplication(argocd, 'worker', { chart, source: { repoUrl: 'https://github.com/acme/platform.git', path: 'dist' } });
  new Application(argocd, 'typed', {
    metadata: { name: 'typed', namespace: 'argocd' },
    spec: { project: 'default', destination: { server: 'https://kubernetes.default.svc', namespace: 'jobs' }, source: { repoUrl: 'https://github.com/acme/platform.git', path: 'dist' } },
  });
  applySyncWaves(app);
  return app;
}

const good = validateApp(build('dist-good', false));
if (good.length !== 0) throw new Error(`validateApp rejected a valid app: ${JSON.stringify(good)}`);
synthValidated(build('dist-good', false));
const written = fs.readFileSync('dist-good/worker.k8s.yaml', 'utf8');
if (!written.includes('argocd.argoproj.io/sync-wave: "3"')) throw new Error('the ScaledObject has no derived sync wave');
if (!written.includes('kind: HTTPRoute')) throw new Error('the typed HTTPRoute (imports/gateway-api) was not written');
if (!fs.readFileSync('dist-good/argocd.k8s.yaml', 'utf8').includes('repoURL: https://github.com/acme/platform.git')) throw new Error('no Application written');

try {
  synthValidated(build('dist-bad', true));
  throw new Error('synthValidated accepted an unknown field');
} catch (e) {
  if (!(e instanceof ManifestValidationError)) throw e;
  if (!e.message.includes('v1 ConfigMap jobs/bad /datta: unknown field "datta"')) throw new Error(`unexpected message: ${e.message}`);
  if (fs.existsSync('dist-bad')) throw new Error('synthValidated wrote dist-bad although it refused');
}

// An App of 450 objects: synthValidated stringifies its YAML in a second thread (from 400
// objects); the files must be app.synth()'s, byte for byte.
const big = (outdir: string) => {
  const app = new App({ outdir });
  const chart = new Chart(app, 'big', { namespace: 'big' });
  for (let i = 0; i < 450; i++) new ApiObject(chart, `cm-${i}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { n: String(i), yes: 'yes' } });
  return app;
};
synthValidated(big('dist-big'));
big('dist-big-ref').synth();
if (fs.readFileSync('dist-big/big.k8s.yaml', 'utf8') !== fs.readFileSync('dist-big-ref/big.k8s.yaml', 'utf8')) throw new Error('synthValidated of 450 objects (YAML thread) differs from app.synth()');
console.log('delivery: OK');
TS
for resolution in node node16; do
  module=commonjs; [[ "$resolution" == node16 ]] && module=node16
  if ! (cd "$CONSUMER" && npx --no -- tsc --strict --target ES2022 --module "$module" --moduleResolution "$resolution" \
        --esModuleInterop --skipLibCheck false --outDir "out-$resolution" delivery.ts); then
    fail "delivery.ts does not compile against the packed package with moduleResolution $resolution (tsc errors above)"
  fi
done
(cd "$CONSUMER" && node out-node16/delivery.js) || fail "delivery.ts threw at runtime (node out-node16/delivery.js, see above)"
log "platform-repo check OK (compiled with moduleResolution node and node16; schemas found inside the package)"

# ---------------------------------------------------------------------------
# 7. The what-if CLI from the packed package (`bin`), through npx.
# ---------------------------------------------------------------------------
log "what-if CLI: npx cdk8s-llm-serving whatif on the quick start's dist/ (no autoscaler: must refuse)"
QS_TARGET="$(sed -n 's/^  namespace: //p' "${MANIFESTS[0]}" | head -1)/none"
set +e
(cd "$CONSUMER" && npx --no -- cdk8s-llm-serving whatif --manifests dist --target "$QS_TARGET" --trace surge --out refused.html) \
  >"$WORK_DIR/whatif-refused.out" 2>"$WORK_DIR/whatif-refused.err"
rc=$?
set -e
[[ $rc -eq 2 ]] || { cat "$WORK_DIR/whatif-refused.err" >&2; fail "whatif on a dist/ without autoscaler exited $rc, expected 2"; }
[[ $(grep -c . "$WORK_DIR/whatif-refused.err") -eq 1 ]] || { cat "$WORK_DIR/whatif-refused.err" >&2; fail "whatif's error is not one line on stderr"; }
[[ ! -e "$CONSUMER/refused.html" ]] || fail "whatif wrote a report although it refused"
log "  refused (exit 2): $(cat "$WORK_DIR/whatif-refused.err")"

log "what-if CLI: npx cdk8s-llm-serving whatif on $REPO_ROOT/dist (litellm/llama-3-3-70b, surge)"
(cd "$CONSUMER" && npx --no -- cdk8s-llm-serving whatif --manifests "$REPO_ROOT/dist" --target litellm/llama-3-3-70b \
    --trace surge --out report.html --price-per-gpu-hour 2.5 --currency USD) >"$WORK_DIR/whatif.out" 2>"$WORK_DIR/whatif.err" \
  || { cat "$WORK_DIR/whatif.err" >&2; fail "npx cdk8s-llm-serving whatif failed on the reference dist/"; }
grep -q '^What-if replay of litellm/llama-3-3-70b' "$WORK_DIR/whatif.out" || { cat "$WORK_DIR/whatif.out" >&2; fail "whatif printed no summary"; }
grep -q '^replayed litellm/llama-3-3-70b' "$WORK_DIR/whatif.err" || { cat "$WORK_DIR/whatif.err" >&2; fail "whatif printed no progress line on stderr"; }
[[ -s "$CONSUMER/report.html" ]] || fail "whatif wrote no report.html"
grep -q 'https://github.com/leeoniya/uPlot' "$CONSUMER/report.html" || fail "report.html does not inline uPlot"
grep -q 'id="replay-data"' "$CONSUMER/report.html" || fail "report.html holds no replay data"
sed 's/^/  /' "$WORK_DIR/whatif.out"
log "what-if CLI OK (report.html: $(wc -c <"$CONSUMER/report.html" | tr -d ' ') bytes, self-contained)"

log "done in $(( SECONDS - START_SECONDS ))s"
echo "check-pack: OK (${OBJECTS} objects synthesized from the README quick start; validateApp and the CRD subpaths work for a consumer)"
