#!/usr/bin/env bash
# Regenerates imports/ from the vendored CRDs in ../shared/crds (offline).
# Files that share an API group import to one <group>.ts, so each group is concatenated
# into one multi-document YAML first: importing them one by one would overwrite each other.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
crds="${CRDS_DIR:-$here/../../shared/crds}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

group() { # group <out-name> <crd files...>
  local out="$tmp/$1.yaml"; shift
  : > "$out"
  for f in "$@"; do
    printf -- '---\n' >> "$out"
    cat "$crds/$f" >> "$out"
    printf '\n' >> "$out"
  done
  echo "$out"
}

keda=$(group keda keda.sh_scaledobjects.yaml keda.sh_triggerauthentications.yaml)
mon=$(group monitoring monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_podmonitors.yaml monitoring.coreos.com_prometheusrules.yaml)
vpa=$(group vpa autoscaling.k8s.io_verticalpodautoscalers.yaml)
argocd=$(group argocd argoproj.io_applications.yaml argoproj.io_applicationsets.yaml argoproj.io_appprojects.yaml)
infpool=$(group inferencepool inference.networking.k8s.io_inferencepools.yaml)
infobj=$(group inferenceobjective inference.networking.x-k8s.io_inferenceobjectives.yaml)
httproute=$(group httproute gateway.networking.k8s.io_httproutes.yaml)
lws=$(group lws leaderworkerset.x-k8s.io_leaderworkersets.yaml)

cd "$here/.."
# `cdk8s import` appends every source it imports (here temp files) to cdk8s.yaml's `imports:`;
# keep the project file as it is.
cp cdk8s.yaml "$tmp/cdk8s.yaml"
trap 'cp "$tmp/cdk8s.yaml" cdk8s.yaml; rm -rf "$tmp"' EXIT
for f in "$keda" "$mon" "$vpa" "$argocd" "$infpool" "$infobj" "$httproute" "$lws"; do
  npx --no-install cdk8s import "$f" --language typescript --output imports --no-check-upgrade
done
