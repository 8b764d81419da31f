# One image for the three TixGo services; docker compose picks the service with `command`.
# Node 24 LTS on Debian (glibc: bcrypt's prebuilt binaries need it).
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN corepack enable
# Manifests first, so dependency layers stay cached while only source changes.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.json ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/platform/package.json packages/platform/
COPY packages/db/package.json packages/db/
COPY services/identity/package.json services/identity/
COPY services/attendance/package.json services/attendance/
COPY services/portal/package.json services/portal/
COPY services/portal/web/package.json services/portal/web/
RUN pnpm install --frozen-lockfile
COPY packages packages
COPY services services
# Builds the services (tsc) and the web UI (vite, into services/portal/web/dist); then drops dev dependencies.
RUN pnpm build && pnpm install --frozen-lockfile --prod

FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 18081 18082 18443
CMD ["node", "services/identity/dist/server.js"]
