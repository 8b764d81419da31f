#!/usr/bin/env bash
# Production deploy on one box: checks .env, backs up the databases when the stack already runs
# (an upgrade), builds and starts docker-compose.prod.yml, waits until every service is healthy,
# then runs smoke-test.sh against it.
set -euo pipefail
cd "$(dirname "$0")"

COMPOSE_FILE=docker-compose.prod.yml
say() { printf '==> %s\n' "$*"; }
die() { printf 'deploy: %s\n' "$*" >&2; exit 1; }

command -v docker >/dev/null || die "docker is not installed"
docker compose version >/dev/null 2>&1 || die "the docker compose plugin is missing"
docker info >/dev/null 2>&1 || die "no Docker engine answers (is the docker service running?)"

random_secret() { head -c 48 /dev/urandom | base64 | tr -d '/+=\n' | head -c 64; }

if [ ! -f .env ]; then
  say "no .env yet: creating one with fresh random secrets (edit it, then run ./deploy.sh again)"
  sed -e "s|^JWT_SECRET=.*|JWT_SECRET=$(random_secret)|" \
      -e "s|^POSTGRES_PASSWORD=.*|POSTGRES_PASSWORD=$(random_secret)|" \
      -e "s|^# METRICS_TOKEN=$|METRICS_TOKEN=$(random_secret)|" \
      -e "s|^NODE_ENV=.*|NODE_ENV=production|" \
      -e "s|^ADMIN_USERNAME=$|ADMIN_USERNAME=admin|" \
      -e "s|^ADMIN_PASSWORD=$|ADMIN_PASSWORD=$(random_secret | head -c 24)|" \
      .env.example > .env
  chmod 600 .env
  say "the first admin is $(sed -n 's/^ADMIN_USERNAME=//p' .env), its password ADMIN_PASSWORD in .env"
fi

# shellcheck disable=SC1091
set -a; . ./.env; set +a
[ -n "${JWT_SECRET:-}" ] || die "JWT_SECRET is empty in .env"
[ "${#JWT_SECRET}" -ge 32 ] || die "JWT_SECRET in .env must be at least 32 characters"
[ -n "${POSTGRES_PASSWORD:-}" ] || die "POSTGRES_PASSWORD is empty in .env"
# Production refuses the demo users (their passwords are published): say so before building anything.
[ "${SEED_DEMO_USERS:-false}" != "true" ] \
  || die "SEED_DEMO_USERS=true in .env: production refuses demo users (published passwords); remove it and use ADMIN_USERNAME/ADMIN_PASSWORD"
if [ -z "${ADMIN_USERNAME:-}" ]; then
  say "warning: no ADMIN_USERNAME/ADMIN_PASSWORD in .env: nobody will be able to log in as admin"
fi

# The replicas profile (COMPOSE_PROFILES in .env, read by docker compose too) adds attendance-2.
services="postgres identity attendance portal"
case ",${COMPOSE_PROFILES:-}," in
  *,replicas,*)
    services="postgres identity attendance attendance-2 portal"
    [[ "${ATTENDANCE_BASE_URLS:-}" == *attendance-2* ]] \
      || say "warning: the replicas profile is on but ATTENDANCE_BASE_URLS does not list attendance-2: the portal will not use it"
    ;;
esac

# An upgrade (the stack runs already): back up both databases before the new version migrates them,
# so that going back is a restore (README: upgrades). BACKUP_BEFORE_DEPLOY=false skips it.
if [ "${BACKUP_BEFORE_DEPLOY:-true}" = true ] \
  && [ -n "$(docker compose -f "$COMPOSE_FILE" ps -q --status running postgres 2>/dev/null)" ]; then
  say "the stack is running: backing up identity and attendance into backups/ before the upgrade"
  for service in identity attendance; do
    scripts/backup.sh "$service" --compose "$COMPOSE_FILE" || die "the backup of $service failed: nothing was upgraded"
  done
fi

say "building and starting ($COMPOSE_FILE)"
docker compose -f "$COMPOSE_FILE" up -d --build --remove-orphans

say "waiting for the services to report healthy"
deadline=$((SECONDS + 180))
for service in $services; do
  while :; do
    state=$(docker inspect -f '{{.State.Health.Status}}' "$(docker compose -f "$COMPOSE_FILE" ps -q "$service")" 2>/dev/null || echo missing)
    [ "$state" = healthy ] && { say "$service: healthy"; break; }
    [ $SECONDS -lt $deadline ] || { docker compose -f "$COMPOSE_FILE" logs --tail 50 "$service"; die "$service is $state after 180 s"; }
    sleep 2
  done
done

# The smoke test signs in as SMOKE_USERNAME, else as the first admin .env provides.
smoke_user=${SMOKE_USERNAME:-${ADMIN_USERNAME:-}}
smoke_password=${SMOKE_PASSWORD:-${ADMIN_PASSWORD:-}}
if [ "${SMOKE_TEST:-true}" = false ]; then
  say "skipping the smoke test (SMOKE_TEST=false)"
elif [ -n "$smoke_user" ] && [ -n "$smoke_password" ]; then
  say "smoke test (as $smoke_user)"
  SMOKE_USERNAME=$smoke_user SMOKE_PASSWORD=$smoke_password PORTAL_URL="https://localhost:18443" ./smoke-test.sh
else
  say "skipping the smoke test: set ADMIN_USERNAME/ADMIN_PASSWORD (or SMOKE_USERNAME/SMOKE_PASSWORD) in .env"
fi
say "deployed: https://$(hostname -f 2>/dev/null || hostname):18443"
