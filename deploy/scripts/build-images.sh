#!/usr/bin/env bash
# Builds every image locally: tiketi/<component>:<tag>.
#   deploy/scripts/build-images.sh [tag]
set -euo pipefail
cd "$(dirname "$0")/../.."
tag="${1:-local}"
for c in gateway auth ticket payment stats migrate; do
  docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE="$c" -t "tiketi/$c:$tag" .
done
docker build -f deploy/docker/web.Dockerfile -t "tiketi/web:$tag" .
