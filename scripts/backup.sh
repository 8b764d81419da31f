#!/usr/bin/env bash
# Backs up one service's database with pg_dump (custom format: compressed, restored table by table
# with pg_restore), from the compose stack, a DATABASE_URL or the embedded server of `pnpm start`.
# The service keeps running: pg_dump reads one consistent snapshot.
set -euo pipefail
# A dump holds every password hash and the check-in history: readable by its owner only (files 0600,
# a new backups/ folder 0700), never by the other users of the box.
umask 077
cd "$(dirname "$0")/.."
# shellcheck source=scripts/database-target.sh
. scripts/database-target.sh

usage() {
  cat <<'USAGE'
usage: scripts/backup.sh SERVICE [FILE] [--compose [FILE.yml] | --url URL | --data-dir DIR]
  SERVICE   identity or attendance
  FILE      where the dump goes (default: backups/SERVICE-YYYYmmdd-HHMMSS.dump)
  --compose the compose stack's PostgreSQL (default file docker-compose.prod.yml)
  --url     a PostgreSQL connection string (the service's DATABASE_URL); its password is handed to
            pg_dump in PGPASSWORD, never on pg_dump's command line
  --url-from-env  the connection string in $DATABASE_URL: nothing secret on any command line
  --data-dir the embedded PostgreSQL of `pnpm start` under DIR/SERVICE (default: $DATA_DIR or .data)
  --offline with --data-dir: the stopped stack's DIR/SERVICE as a .tar.gz (no pg_dump needed)
PG_BIN selects the directory of pg_dump (default: the newest installed).
USAGE
}

parse_target "$@"
service=${POSITIONAL[0]:-}
check_service "$service"
extension=dump
[ "$OFFLINE" = true ] && extension=tar.gz
file=${POSITIONAL[1]:-backups/$service-$(date -u +%Y%m%d-%H%M%S).$extension}
mkdir -p "$(dirname "$file")"
resolve_target "$service"

# Written next to its final name and moved there only when complete and readable: a failed or
# interrupted backup never leaves a truncated file that looks like a good one.
partial="$file.partial"
errors=$(mktemp)
trap 'rm -f "$partial" "$errors"' EXIT
case "$TARGET_KIND" in
  files)
    [ -d "$TARGET_SERVICE_DIR/postgres" ] || die "no embedded PostgreSQL under $TARGET_SERVICE_DIR"
    tar -C "$TARGET_DATA_DIR" -czf "$partial" "$service" || die "tar failed"
    tar -tzf "$partial" >/dev/null || die "the archive does not read back"
    ;;
  compose)
    docker compose -f "$TARGET_COMPOSE_FILE" exec -T postgres \
      pg_dump --username tixgo --format custom --dbname "$service" >"$partial" 2>"$errors" \
      || { cat "$errors" >&2; die "pg_dump in the postgres container failed"; }
    docker compose -f "$TARGET_COMPOSE_FILE" exec -T postgres pg_restore --list <"$partial" >/dev/null \
      || die "the dump does not read back"
    ;;
  url)
    pg_dump=$(pg_tool pg_dump)
    "$pg_dump" --format custom --dbname "$TARGET_URL" --file "$partial" 2>"$errors" \
      || { cat "$errors" >&2; explain_version_mismatch "$errors"; die "pg_dump failed"; }
    "$(pg_tool pg_restore)" --list "$partial" >/dev/null || die "the dump does not read back"
    ;;
esac
mv "$partial" "$file"
printf 'backed up %s to %s (%s bytes)\n' "$service" "$file" "$(wc -c <"$file" | tr -d ' ')"
