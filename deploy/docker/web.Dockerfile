# syntax=docker/dockerfile:1.7
# The web app: Vite build served by unprivileged nginx, with /api, /api-docs and /socket.io passed
# to the gateway (GATEWAY_UPSTREAM, default http://gateway:3001).
#   docker build -f deploy/docker/web.Dockerfile -t tiketi/web .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
RUN npm run build -w @tiketi/web

FROM nginxinc/nginx-unprivileged:1.27-alpine AS runtime
ENV GATEWAY_UPSTREAM=http://gateway:3001 \
    NGINX_ENVSUBST_FILTER=^GATEWAY_UPSTREAM$
COPY deploy/docker/nginx/default.conf.template /etc/nginx/templates/default.conf.template
COPY --from=build /src/apps/web/dist /usr/share/nginx/html
USER 101
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
