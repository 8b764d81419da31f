#!/usr/bin/env bash
# Production deploy on one box: checks .env and the host ports, backs up the databases when the stack
# already runs (an upgrade), keeps PostgreSQL's password in step with .env, builds and starts
# docker-compose.prod.yml (project `tixgo`), waits until every service is healthy (showing the logs of
# one that is not, or that restarts in a loop), then runs smoke-test.sh against it.
# The first run only writes .env (fresh secrets, a first admin) and stops: read it, then run again.
set -euo pipefail
cd "$(dirname "$0")"

COMPOSE_FILE=docker-compose.prod.yml
say() { printf '==> %s\n' "$*"; }
die() { printf 'deploy: %s\n' "$*" >&2; exit 1; }
compose() { docker compose -f "$COMPOSE_FILE" "$@"; }

command -v docker >/dev/null || die "docker is not installed"
docker compose version >/dev/null 2>&1 || die "the docker compose plugin is missing"
docker info >/dev/null 2>&1 || die "no Docker engine answers (is the docker service running?)"

random_secret() { head -c 48 /dev/urandom | base64 | tr -d '/+=\n' | head -c 64; }

if [ ! -f .env ]; then
  sed -e "s|^JWT_SECRET=.*|JWT_SECRET=$(random_secret)|" \
      -e "s|^POSTGRES_PASSWORD=.*|POSTGRES_PASSWORD=$(random_secret)|" \
      -e "s|^# METRICS_TOKEN=$|METRICS_TOKEN=$(random_secret)|" \
      -e "s|^NODE_ENV=.*|NODE_ENV=production|" \
      -e "s|^ADMIN_USERNAME=$|ADMIN_USERNAME=admin|" \
      -e "s|^ADMIN_PASSWORD=$|ADMIN_PASSWORD=$(random_secret | head -c 24)|" \
      .env.example > .env
  chmod 600 .env
  say "no .env yet: created one from .env.example with fresh random secrets"
  say "the first admin is $(sed -n 's/^ADMIN_USERNAME=//p' .env), its password ADMIN_PASSWORD in .env"
  say "read .env (PUBLIC_HOSTS: a DNS name of the box; TLS_*: a real certificate; the ports), then run ./deploy.sh again"
  exit 0
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
[ "${PORTAL_CA_HTTP_PORT:-18080}" != 0 ] \
  || die "PORTAL_CA_HTTP_PORT=0: the compose stack always publishes the CA companion (with a real certificate it only says that nothing needs installing); give it a free port"

# The box's LAN addresses and host name, which the portal's container cannot see: its certificate
# covers them (docker-compose.prod.yml adds BOX_HOSTS to PUBLIC_HOSTS). Taken at every deploy.
box_name=$(hostname 2>/dev/null || true)
[[ "$box_name" =~ ^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$ ]] || box_name=""
BOX_HOSTS=$(printf '%s\n' $(hostname -I 2>/dev/null || true) "$box_name" | grep -v '^$' | paste -sd, -)
export BOX_HOSTS
# Kept in .env too, so that a plain `docker compose -f docker-compose.prod.yml up -d` gives the portal the same names.
if grep -q '^BOX_HOSTS=' .env; then
  sed -i "s|^BOX_HOSTS=.*|BOX_HOSTS=$BOX_HOSTS|" .env
else
  printf '# Written by deploy.sh at every deploy: the box'"'"'s LAN addresses and host name (see PUBLIC_HOSTS).\nBOX_HOSTS=%s\n' "$BOX_HOSTS" >>.env
fi

# The replicas profile (COMPOSE_PROFILES in .env, read by docker compose too) adds attendance-2; the
# scale profile adds attendance-2, a second portal and the balancer (HAProxy) that publishes the
# portal's ports in the first portal's place (docs/scaling.md).
services="postgres identity attendance portal"
replicas=false
scale=false
case ",${COMPOSE_PROFILES:-}," in
  *,scale,*)
    replicas=true
    scale=true
    services="postgres identity attendance attendance-2 portal portal-2 balancer"
    [ -z "${TLS_CERT_FILE:-}" ] \
      || die "the scale profile serves the certificate of the portals' own CA only: remove TLS_CERT_FILE/TLS_KEY_FILE from .env, or leave the profile off"
    # Both replicas unless .env says otherwise; the first portal's own ports on loopback, chosen by docker.
    export ATTENDANCE_BASE_URLS=${ATTENDANCE_BASE_URLS:-http://attendance:18082,http://attendance-2:18082}
    export PORTAL_PUBLISH=127.0.0.1: PORTAL_CA_PUBLISH=127.0.0.1:
    ;;
  *,replicas,*)
    replicas=true
    services="postgres identity attendance attendance-2 portal"
    ;;
esac
if [ "$replicas" = true ]; then
  [[ "${ATTENDANCE_BASE_URLS:-}" == *attendance-2* ]] \
    || say "warning: the ${COMPOSE_PROFILES} profile is on but ATTENDANCE_BASE_URLS does not list attendance-2: the portal will not use it"
fi

compose config -q || die "$COMPOSE_FILE does not read with this .env (message above)"
project=$(compose config 2>/dev/null | sed -n 's/^name: //p' | head -n1)
project=${project:-tixgo}

# Each host port the stack publishes must be free, or already this stack's own.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for entry in "IDENTITY_PORT:${IDENTITY_PORT:-18081}" "ATTENDANCE_PORT:${ATTENDANCE_PORT:-18082}" \
  "PORTAL_PORT:${PORTAL_PORT:-18443}" "PORTAL_CA_HTTP_PORT:${PORTAL_CA_HTTP_PORT:-18080}"; do
  variable=${entry%%:*}
  port=${entry#*:}
  holders=$(docker ps --filter "publish=$port" \
    --format '{{.Names}} {{.Label "com.docker.compose.project"}} {{.Label "com.docker.compose.project.config_files"}}')
  other=$(printf '%s\n' "$holders" | awk -v p="$project" 'NF && $2 != p { print; exit }')
  if [ -n "$other" ]; then
    read -r name other_project files <<<"$other"
    if [[ "$files" == *docker-compose.yml* ]]; then
      die "port $port ($variable) is taken by $name of the development stack (docker-compose.yml, project ${other_project}): stop it with 'docker compose down' in its folder (production's data is not touched), or give $variable another port in .env"
    fi
    die "port $port ($variable) is taken by container $name${other_project:+ (compose project $other_project)}: stop it, or give $variable another port in .env"
  fi
  if [ -z "$holders" ] && port_in_use "$port"; then
    die "port $port ($variable) is in use by another program on this machine ('ss -ltnp' shows which): free it, or give $variable another port in .env"
  fi
done

# Turning the scale profile off: the balancer holds the portal's ports, and compose leaves profile
# services running (see below); the first portal takes the ports back.
if [ "$scale" = false ] && [ -n "$(compose --profile scale ps -a -q balancer portal-2 2>/dev/null)" ]; then
  say "the scale profile is off: removing the balancer and portal-2"
  compose --profile scale rm --stop --force balancer portal-2 >/dev/null
fi

# Turning the replicas profile off: compose treats attendance-2 as part of the file, not an orphan,
# so `up --remove-orphans` would leave it running the old version (and `down` fail on the network).
if [ "$replicas" = false ] && [ -n "$(compose --profile replicas --profile scale ps -a -q attendance-2 2>/dev/null)" ]; then
  say "the replicas profile is off: removing attendance-2"
  compose --profile replicas --profile scale rm --stop --force attendance-2 >/dev/null
fi

# An upgrade (the stack runs already): back up both databases before the new version migrates them,
# so that going back is a restore (README: upgrades). BACKUP_BEFORE_DEPLOY=false skips it.
if [ "${BACKUP_BEFORE_DEPLOY:-true}" = true ] \
  && [ -n "$(compose ps -q --status running postgres 2>/dev/null)" ]; then
  say "the stack is running: backing up identity and attendance into backups/ before the upgrade"
  for service in identity attendance; do
    scripts/backup.sh "$service" --compose "$COMPOSE_FILE" || die "the backup of $service failed: nothing was upgraded"
  done
fi

# Shows the state and recent log lines of each service that is not healthy.
show_unhealthy() {
  for service in $services; do
    local id state
    id=$(compose ps -a -q "$service" 2>/dev/null | head -n1)
    state=$( [ -n "$id" ] && docker inspect -f '{{.State.Status}}{{if .State.Health}}/{{.State.Health.Status}}{{end}}, restarted {{.RestartCount}}x' "$id" 2>/dev/null || echo "not created")
    case "$state" in running/healthy*) continue ;; esac
    printf '\n--- %s: %s; its last log lines:\n' "$service" "$state" >&2
    [ -n "$id" ] && compose logs --no-log-prefix --tail 30 "$service" >&2 || true
  done
}

# PostgreSQL first, so that its password can be checked against .env before the services use it.
say "starting PostgreSQL"
compose up -d postgres || { show_unhealthy; die "PostgreSQL did not start (logs above)"; }
deadline=$((SECONDS + 180))
until [ "$(docker inspect -f '{{.State.Health.Status}}' "$(compose ps -q postgres)" 2>/dev/null)" = healthy ]; do
  [ $SECONDS -lt $deadline ] || { show_unhealthy; die "PostgreSQL is not healthy after 180 s (logs above)"; }
  sleep 2
done
# The image sets the password only when it creates the database; a POSTGRES_PASSWORD changed in .env
# later would lock the services out ("password authentication failed"). Checked over TCP, as the
# services connect; set over the container's local socket, which the image trusts.
if ! PGPASSWORD=$POSTGRES_PASSWORD compose exec -T -e PGPASSWORD postgres \
  psql -h 127.0.0.1 -U tixgo -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
  say "POSTGRES_PASSWORD in .env is not the database's: setting the role tixgo's password to the one in .env"
  printf "ALTER ROLE tixgo PASSWORD '%s';\n" "${POSTGRES_PASSWORD//\'/\'\'}" \
    | compose exec -T postgres psql -v ON_ERROR_STOP=1 -U tixgo -d postgres -q >/dev/null \
    || die "could not set the database password (compose exec postgres psql failed)"
fi

say "building and starting ($COMPOSE_FILE)"
if ! compose up -d --build --remove-orphans; then
  show_unhealthy
  die "docker compose up failed: the logs of each service that is not healthy are above"
fi

say "waiting for the services to report healthy"
deadline=$((SECONDS + 180))
for service in $services; do
  while :; do
    id=$(compose ps -a -q "$service" | head -n1)
    read -r status health restarts < <(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.RestartCount}}' "$id" 2>/dev/null || echo "missing none 0")
    [ "$health" = healthy ] && { say "$service: healthy"; break; }
    if [ "$status" = restarting ] || [ "$status" = exited ] || [ "${restarts:-0}" -ge 2 ]; then
      show_unhealthy
      die "$service keeps stopping ($status, restarted ${restarts}x): its last log lines are above"
    fi
    [ $SECONDS -lt $deadline ] || { show_unhealthy; die "$service is $status/$health after 180 s (logs above)"; }
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
  SMOKE_USERNAME=$smoke_user SMOKE_PASSWORD=$smoke_password \
    ./smoke-test.sh "http://localhost:${IDENTITY_PORT:-18081}" "http://localhost:${ATTENDANCE_PORT:-18082}" \
    "https://localhost:${PORTAL_PORT:-18443}"
else
  say "skipping the smoke test: set ADMIN_USERNAME/ADMIN_PASSWORD (or SMOKE_USERNAME/SMOKE_PASSWORD) in .env"
fi
box=$(hostname -f 2>/dev/null || hostname)
say "deployed: https://$box:${PORTAL_PORT:-18443} (gate phones: http://$box:${PORTAL_CA_HTTP_PORT:-18080} installs the CA)"
