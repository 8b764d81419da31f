# One image per TixGo service, each a target of this file (the compose files pick them):
# identity, attendance, portal. Each holds its service's build and production dependencies only.
# Node 24 LTS on Debian (glibc: bcrypt's prebuilt binaries need it).
FROM node:24-bookworm-slim AS build
WORKDIR /app
# pnpm without a terminal: no prompts.
ENV CI=true
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
# Builds the services (tsc) and the web UI (vite, into services/portal/web/dist).
RUN pnpm build
# Each service in a folder of its own with its production dependencies only, and of every package
# only its `files` (dist, migrations, the portal's web/dist): no TypeScript sources, no tests, no
# dev tools. --no-optional leaves out the embedded PostgreSQL (an optional dependency of
# @tixgo/db, tens of MB of binaries): in a container DATABASE_URL names the compose stack's own.
# --legacy: the workspace links its packages instead of injecting copies (pnpm 10 asks for either).
RUN for service in identity attendance portal; do \
      pnpm --filter "@tixgo/${service}" deploy --legacy --prod --no-optional "/deploy/${service}" || exit 1; \
    done

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 DATA_DIR=/data
WORKDIR /app
RUN mkdir -p /data && chown node:node /data
USER node

FROM runtime AS identity
COPY --from=build --chown=node:node /deploy/identity /app/services/identity
EXPOSE 18081
CMD ["node", "services/identity/dist/server.js"]

FROM runtime AS attendance
COPY --from=build --chown=node:node /deploy/attendance /app/services/attendance
EXPOSE 18082
CMD ["node", "services/attendance/dist/server.js"]

FROM runtime AS portal
COPY --from=build --chown=node:node /deploy/portal /app/services/portal
# Started as root for one thing: reading TLS_KEY_FILE, which openssl and certbot write readable by
# root only; the portal then becomes node (PORTAL_RUN_AS) before it opens a port or writes to /data.
USER root
ENV PORTAL_RUN_AS=node
EXPOSE 18443 18080
CMD ["node", "services/portal/dist/server.js"]
