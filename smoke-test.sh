#!/usr/bin/env bash
# Smoke test against a running stack (compat with the original's: health, demo login, check-in,
# duplicate, attendance). Needs only bash and curl. Exit 0 when every step passed; otherwise 1,
# naming each step that failed.
#   ./smoke-test.sh                                   the stack on this machine (variables below)
#   ./smoke-test.sh IDENTITY_URL ATTENDANCE_URL [PORTAL_URL]
#                                                     compat: the original's positional hosts, e.g.
#                                                     ./smoke-test.sh http://<STB_IP>:18081 http://<STB_IP>:18082
#     (the portal then defaults to https://<identity's host>:$PORTAL_PORT)
#   IDENTITY_URL (http://localhost:$IDENTITY_PORT)      IDENTITY_PORT (18081)
#   ATTENDANCE_URL (http://localhost:$ATTENDANCE_PORT)  ATTENDANCE_PORT (18082)
#   PORTAL_URL (https://localhost:$PORTAL_PORT)         PORTAL_PORT (18443)
#   SMOKE_USERNAME/SMOKE_PASSWORD (panitia1/secret: the demo user of a development stack; a venue or production
#   stack has none: give its admin, as deploy.sh does from .env)
# The *_PORT variables are those `pnpm start` reads, so the same environment starts and checks a stack.
set -uo pipefail

case "${1:-}" in
  -h | --help)
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac
if [ $# -gt 3 ] || { [ $# -gt 0 ] && [ $# -lt 2 ]; }; then
  echo "usage: $0 [IDENTITY_URL ATTENDANCE_URL [PORTAL_URL]]   (or the variables: $0 --help)" >&2
  exit 2
fi
if [ $# -ge 2 ]; then
  IDENTITY_URL=${1%/}
  ATTENDANCE_URL=${2%/}
  # The portal on the identity host (the box), unless given: scheme://host[:port] -> host.
  identity_host=${IDENTITY_URL#*://}
  identity_host=${identity_host%%/*}
  case "$identity_host" in
    \[*) identity_host=${identity_host%%]*}] ;;  # [IPv6]:port
    *) identity_host=${identity_host%%:*} ;;
  esac
  PORTAL_URL=${3:-${PORTAL_URL:-https://$identity_host:${PORTAL_PORT:-18443}}}
  PORTAL_URL=${PORTAL_URL%/}
fi
IDENTITY_URL=${IDENTITY_URL:-http://localhost:${IDENTITY_PORT:-18081}}
ATTENDANCE_URL=${ATTENDANCE_URL:-http://localhost:${ATTENDANCE_PORT:-18082}}
PORTAL_URL=${PORTAL_URL:-https://localhost:${PORTAL_PORT:-18443}}
USERNAME=${SMOKE_USERNAME:-panitia1}
PASSWORD=${SMOKE_PASSWORD:-secret}
EVENT="smoke-$(date +%s)-$$"
TICKET="T-$RANDOM$RANDOM"

failures=0
failed=()
pass() { printf '  ok    %s\n' "$1"; }
fail() { printf '  FAIL  %s\n' "$1"; failures=$((failures + 1)); failed+=("${1%% (got *}"); }

# request METHOD URL [BODY] [TOKEN] -> sets STATUS and BODY
request() {
  local args=(-sk -o /tmp/tixgo-smoke.$$ -w '%{http_code}' -X "$1" "$2" --max-time 10)
  [ -n "${3:-}" ] && args+=(-H 'content-type: application/json' -d "$3")
  [ -n "${4:-}" ] && args+=(-H "authorization: Bearer $4")
  # curl writes 000 itself when nothing answered.
  STATUS=$(curl "${args[@]}" 2>/dev/null)
  STATUS=${STATUS:-000}
  BODY=$(cat /tmp/tixgo-smoke.$$ 2>/dev/null || true)
}
expect() { # expect STATUS NAME [TEXT]
  if [ "$STATUS" = "$1" ] && { [ -z "${3:-}" ] || [[ "$BODY" == *"$3"* ]]; }; then pass "$2"; else fail "$2 (got $STATUS: ${BODY:0:200})"; fi
}

echo "TixGo smoke test: identity $IDENTITY_URL, attendance $ATTENDANCE_URL, portal $PORTAL_URL"
request GET "$IDENTITY_URL/health";   expect 200 "identity /health" '"service":"identity-service"'
request GET "$ATTENDANCE_URL/health"; expect 200 "attendance /health" '"service":"attendance"'
request GET "$PORTAL_URL/health";     expect 200 "portal /health" '"service":"portal"'

request POST "$IDENTITY_URL/auth/login" "{\"username\":\"$USERNAME\",\"password\":\"$PASSWORD\"}"
expect 200 "login as $USERNAME" '"token_type":"bearer"'
TOKEN=$(printf '%s' "$BODY" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')

# Production refuses check-ins at never-registered events (REQUIRE_REGISTERED_EVENTS): an admin
# registers the smoke event (and deletes it at the end); a committee user checks in ad hoc (compat).
request POST "$ATTENDANCE_URL/events" "{\"id\":\"$EVENT\",\"title\":\"Smoke test\"}" "$TOKEN"
if [ "$STATUS" = 201 ]; then pass "register event $EVENT"; REGISTERED=1; else REGISTERED=0; fi

request POST "$ATTENDANCE_URL/checkins" "{\"event_id\":\"$EVENT\",\"ticket_id\":\"$TICKET\",\"location\":\"Smoke gate\"}" "$TOKEN"
expect 201 "check in $TICKET" '"status":"checked_in"'
request POST "$ATTENDANCE_URL/checkins" "{\"event_id\":\"$EVENT\",\"ticket_id\":\"$TICKET\"}" "$TOKEN"
expect 409 "second check-in is refused" 'Ticket already checked in'
request GET "$ATTENDANCE_URL/attendance/$EVENT" "" "$TOKEN"
expect 200 "attendance lists it" '"total_checked_in":1'
request POST "$PORTAL_URL/api/checkins" "{\"event_id\":\"$EVENT\",\"ticket_id\":\"$TICKET-p\"}" "$TOKEN"
expect 201 "check in through the portal" '"status":"success"'
request GET "$PORTAL_URL/api/attendance/$EVENT" "" "$TOKEN"
expect 200 "portal attendance" '"total_checked_in":2'
request GET "$ATTENDANCE_URL/attendance/$EVENT" "" "not-a-token"
expect 401 "a forged token is refused" 'Invalid token'

if [ "$REGISTERED" = 1 ]; then
  request DELETE "$ATTENDANCE_URL/events/$EVENT?force=true" "" "$TOKEN"; expect 200 "remove event $EVENT" '"status":"deleted"'
fi

rm -f /tmp/tixgo-smoke.$$
if [ "$failures" -eq 0 ]; then echo "smoke test passed"; exit 0; fi
summary=$(printf '%s; ' "${failed[@]}")
echo "smoke test: $failures step(s) failed: ${summary%; }"
exit 1
