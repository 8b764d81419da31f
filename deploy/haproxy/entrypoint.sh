#!/bin/sh
# Starts HAProxy with haproxy.cfg (the `scale` profile's balancer; `pnpm bench scale` runs it on the
# host too). The one certificate clients see is the portals' own: the first portal issues it from its
# CA in the data volume both portals share (or TLS_CERT_FILE/TLS_KEY_FILE, a real one). HAProxy wants
# certificate and key in one file: built here, and rebuilt, with a reload, when the portal renews it.
set -eu
: "${TIXGO_CERT_FILE:?the certificate clients see}" "${TIXGO_KEY_FILE:?its key}" "${TIXGO_PEM:?where the combined file goes}"
config=${TIXGO_HAPROXY_CFG:-/etc/tixgo/haproxy.cfg}
if [ -n "${TLS_CERT_FILE:-}" ]; then
  echo "tixgo-haproxy: TLS_CERT_FILE is set: the scale profile serves the certificate of the portals' own CA only (docs/scaling.md); remove TLS_CERT_FILE/TLS_KEY_FILE from .env, or run without the profile" >&2
  exit 1
fi
interval=${TIXGO_CERT_CHECK_SECONDS:-60}

waited=0
until [ -s "$TIXGO_CERT_FILE" ] && [ -s "$TIXGO_KEY_FILE" ]; do
  [ "$waited" -lt 180 ] || { echo "tixgo-haproxy: no $TIXGO_CERT_FILE and $TIXGO_KEY_FILE after 180 s (is the portal up?)" >&2; exit 1; }
  sleep 1
  waited=$((waited + 1))
done

fingerprint() { cat "$TIXGO_CERT_FILE" "$TIXGO_KEY_FILE" | cksum; }
build() {
  # A line break between the two: the portal's PEM files end without one.
  (umask 077 && { cat "$TIXGO_CERT_FILE"; echo; cat "$TIXGO_KEY_FILE"; } >"$TIXGO_PEM.tmp") && mv "$TIXGO_PEM.tmp" "$TIXGO_PEM"
}
build
current=$(fingerprint)

# -W: a master process that reloads on SIGUSR2 without dropping connections; -db: stays in front.
haproxy -W -db -f "$config" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid"; exit $?' TERM INT
while kill -0 "$pid" 2>/dev/null; do
  sleep "$interval" &
  wait $! || true
  [ -s "$TIXGO_CERT_FILE" ] && [ -s "$TIXGO_KEY_FILE" ] || continue
  now=$(fingerprint)
  [ "$now" != "$current" ] || continue
  # The portal writes the key, then the certificate: a pair read between the two fails the check and
  # is tried again next time.
  sleep 2
  if build && haproxy -c -q -f "$config"; then
    current=$(fingerprint)
    echo "tixgo-haproxy: the portal's certificate changed: reloading"
    kill -USR2 "$pid"
  fi
done
wait "$pid"
