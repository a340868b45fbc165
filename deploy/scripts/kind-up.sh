#!/usr/bin/env bash
# A local Kubernetes run of TIKETI: Kind cluster, ingress-nginx, images built here and loaded
# into Kind, secrets, then the dev overlay. Open http://tiketi.localtest.me afterwards.
#   deploy/scripts/kind-up.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cluster="${KIND_CLUSTER:-tiketi}"
if ! kind get clusters | grep -qx "$cluster"; then
  cat <<'KIND' | kind create cluster --name "$cluster" --config=-
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
    kubeadmConfigPatches:
      - |
        kind: InitConfiguration
        nodeRegistration:
          kubeletExtraArgs:
            node-labels: "ingress-ready=true"
    extraPortMappings:
      - { containerPort: 80, hostPort: 80, protocol: TCP }
      - { containerPort: 443, hostPort: 443, protocol: TCP }
KIND
fi
kubectl apply -f https://raw.githubusercontent.com/kubernetes/ingress-nginx/main/deploy/static/provider/kind/deploy.yaml
kubectl -n ingress-nginx wait --for=condition=ready pod -l app.kubernetes.io/component=controller --timeout=180s
deploy/scripts/build-images.sh dev
for c in gateway auth ticket payment stats migrate web; do kind load docker-image --name "$cluster" "tiketi/$c:dev"; done
deploy/scripts/create-dev-secrets.sh tiketi-dev
kubectl apply -k deploy/k8s/overlays/dev
kubectl -n tiketi-dev rollout status deployment/gateway --timeout=300s
echo "TIKETI is up on http://tiketi.localtest.me"
