# syntax=docker/dockerfile:1.7
# One image per Node component; the SERVICE build argument picks it:
#   docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE=ticket -t tiketi/ticket .
# SERVICE: gateway | auth | ticket | payment | stats | migrate (the one-shot migration job).
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: install the workspace, bundle the service with esbuild, pin its runtime packages ---
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
ARG SERVICE
RUN test -n "${SERVICE}" || (echo "build with --build-arg SERVICE=<gateway|auth|ticket|payment|stats|migrate>" >&2; exit 1)
RUN node deploy/docker/build.mjs "${SERVICE}" /out \
 && cd /out \
 && npm install --package-lock-only --omit=dev --no-audit --no-fund

# --- runtime: only the bundle and its production packages, as the unprivileged `node` user ---
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production \
    LOG_FORMAT=json \
    DATA_DIR=/app/data \
    TIKETI_SERVICE=${SERVICE}
WORKDIR /app
COPY --from=build /out/package.json /out/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund \
 && rm -rf /root/.npm /tmp/*
COPY --from=build /out/server.mjs /out/server.mjs.map ./
COPY deploy/docker/healthcheck.mjs ./healthcheck.mjs
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3001 3002 3003 3004 3005
HEALTHCHECK --interval=15s --timeout=3s --start-period=40s --retries=3 CMD ["node", "healthcheck.mjs"]
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "server.mjs"]
