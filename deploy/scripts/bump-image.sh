#!/usr/bin/env bash
# Points one component of one environment at a new image (what Argo CD then deploys):
#   deploy/scripts/bump-image.sh <dev|prod> <component> <registry/tiketi/component:tag>
set -euo pipefail
env="$1"; component="$2"; image="$3"
dir="$(dirname "$0")/../k8s/overlays/$env/$component"
test -f "$dir/kustomization.yaml" || { echo "no overlay $dir" >&2; exit 1; }
(cd "$dir" && kustomize edit set image "tiketi/$component=$image")
echo "$env/$component -> $image"
