#!/usr/bin/env bash
# Creates the Secrets the dev overlay (Kind) expects, with fresh random values. Secrets never live
# in git; production gets the same keys from your secret manager (External Secrets, sealed secrets...).
#   deploy/scripts/create-dev-secrets.sh [namespace]
set -euo pipefail
ns="${1:-tiketi-dev}"
rand() { openssl rand -base64 36 | tr -d '/+=\n' | cut -c1-32; }
pg_password="$(rand)"
kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns"
kubectl -n "$ns" create secret generic tiketi-postgres \
  --from-literal=POSTGRES_PASSWORD="$pg_password" \
  --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$ns" create secret generic tiketi-secrets \
  --from-literal=DATABASE_URL="postgres://tiketi:${pg_password}@postgres:5432/tiketi" \
  --from-literal=REDIS_URL="redis://dragonfly:6379" \
  --from-literal=INTERNAL_TOKEN="$(rand)" \
  --from-literal=QUEUE_TOKEN_SECRET="$(rand)" \
  --from-literal=ADMIN_EMAIL="${ADMIN_EMAIL:-admin@tiketi.local}" \
  --from-literal=ADMIN_PASSWORD="${ADMIN_PASSWORD:-Adm1n-$(rand)}" \
  --dry-run=client -o yaml | kubectl apply -f -
echo "secrets created in $ns; admin password: kubectl -n $ns get secret tiketi-secrets -o jsonpath='{.data.ADMIN_PASSWORD}' | base64 -d"
