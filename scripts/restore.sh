#!/usr/bin/env bash
# Restores one service's database from a backup.sh dump: every table of the backup replaces the
# one in the database, in one transaction (a failed restore changes nothing). Into the compose
# stack, a DATABASE_URL (a fresh database too) or the embedded server of `pnpm start`.
set -euo pipefail
# Whatever a restore writes beside the database (its error log) is the owner's only.
umask 077
cd "$(dirname "$0")/.."
# shellcheck source=scripts/database-target.sh
. scripts/database-target.sh

usage() {
  cat <<'USAGE'
usage: scripts/restore.sh SERVICE FILE [--compose [FILE.yml] | --url URL | --data-dir DIR] [--yes]
  SERVICE   identity or attendance
  FILE      a dump written by scripts/backup.sh
  --yes     do not ask before replacing the database's tables
  --offline with --data-dir: FILE is an --offline archive; the stopped stack's DIR/SERVICE is
            moved aside (to DIR/SERVICE.before-restore-…) and the archive unpacked in its place
Where to: as for backup.sh. Stop the portal first (nothing should write meanwhile), and restart
the service afterwards (it drops what it keeps in memory about the old data).
USAGE
}

parse_target "$@"
service=${POSITIONAL[0]:-}
check_service "$service"
file=${POSITIONAL[1]:-}
[ -n "$file" ] || die "which backup file? (see --help)"
[ -r "$file" ] || die "cannot read $file"
resolve_target "$service"

if [ "$ASSUME_YES" != true ]; then
  [ -t 0 ] || die "refusing to replace $service's tables without --yes (no terminal to ask on)"
  printf 'This replaces every table of the %s database with %s. Type %s to go on: ' "$service" "$file" "$service"
  read -r answer
  [ "$answer" = "$service" ] || die "nothing restored"
fi

# --clean --if-exists: drop what the backup holds, then create it again; --no-owner --no-acl: the
# roles of the machine the backup came from need not exist here; --single-transaction: all or nothing.
options=(--clean --if-exists --no-owner --no-acl --single-transaction --exit-on-error)
case "$TARGET_KIND" in
  files)
    tar -tzf "$file" "$service/postgres/PG_VERSION" >/dev/null 2>&1 \
      || die "$file is not an --offline backup of $service (no $service/postgres in it)"
    mkdir -p "$TARGET_DATA_DIR"
    aside=""
    if [ -e "$TARGET_SERVICE_DIR" ]; then
      aside="$TARGET_SERVICE_DIR.before-restore-$(date -u +%Y%m%d-%H%M%S)"
      mv "$TARGET_SERVICE_DIR" "$aside"
    fi
    # As root, tar keeps the files' owner (the postgres user the embedded server runs as).
    if ! tar -C "$TARGET_DATA_DIR" -xzf "$file"; then
      rm -rf "$TARGET_SERVICE_DIR"
      [ -z "$aside" ] || mv "$aside" "$TARGET_SERVICE_DIR"
      die "unpacking failed: nothing was changed"
    fi
    [ -z "$aside" ] || printf 'the previous files are kept in %s\n' "$aside"
    ;;
  compose)
    docker compose -f "$TARGET_COMPOSE_FILE" exec -T postgres \
      pg_restore --username tixgo --dbname "$service" "${options[@]}" <"$file" \
      || die "pg_restore in the postgres container failed: nothing was changed"
    ;;
  url)
    errors=$(mktemp)
    trap 'rm -f "$errors"' EXIT
    "$(pg_tool pg_restore)" --dbname "$TARGET_URL" "${options[@]}" "$file" 2>"$errors" \
      || { cat "$errors" >&2; explain_version_mismatch "$errors"; die "pg_restore failed: nothing was changed"; }
    ;;
esac
printf 'restored %s from %s; (re)start %s now\n' "$service" "$file" "$service"
