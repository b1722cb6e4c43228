# syntax=docker/dockerfile:1
# Every process's image, from this one file; the build arguments say which
# (docker-compose.yml passes them):
#   docker build --build-arg APP=crm-api --build-arg PORT=3000 -t crm-supply/crm-api .
# APP: crm-api, inventory-service, logistics-service, order-service or gateway.
# PORT: the port it listens on and exposes. See docs/deploy.md.

# The runtime stage is bare Alpine with node's binary copied in: it must be
# the Alpine release the node image is built on (musl, libstdc++).
ARG ALPINE_VERSION=3.22

FROM node:24-alpine${ALPINE_VERSION} AS builder
WORKDIR /app
# Manifests first: the install layer is reused until a dependency changes.
COPY package.json package-lock.json ./
COPY packages/service-kit/package.json packages/service-kit/
COPY packages/test-support/package.json packages/test-support/
COPY subgraphs/crm-api/package.json subgraphs/crm-api/
COPY subgraphs/inventory-service/package.json subgraphs/inventory-service/
COPY subgraphs/logistics-service/package.json subgraphs/logistics-service/
COPY subgraphs/order-service/package.json subgraphs/order-service/
COPY gateway/package.json gateway/
COPY dashboard/package.json dashboard/
# No install scripts (as package.json's allowScripts): the Prisma client is generated below.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# One bundle per process in dist/<name>/ (scripts/build.ts): the same layer for all five images.
RUN npm run generate && npm run build

FROM alpine:${ALPINE_VERSION} AS runtime
ARG APP
ARG PORT
# node's C++ runtime library, and nothing else: no npm, corepack or yarn.
RUN apk add --no-cache libstdc++
COPY --from=builder /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=builder /app/dist/${APP}/ ./
ENV NODE_ENV=production PORT=${PORT}
# Numeric, so Kubernetes' runAsNonRoot can verify it; root owns the files, the process only reads them.
USER 1000:1000
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD wget -qO- "http://127.0.0.1:${PORT}/healthz" || exit 1
# package.json's main is the bundle; `node . migrate` migrates the database and exits.
CMD ["node", "."]
