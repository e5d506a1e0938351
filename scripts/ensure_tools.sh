#!/bin/sh
# Install the system tools the tests talk to, if they are missing:
#   gnutls-cli    (Debian gnutls-bin)      an interop client
#   redis-server  (Debian redis-server)    the fleet tests' shared store
#   openssl       (Debian openssl)         certificates, s_client, s_server
# Idempotent; needs root (or sudo), as on the project's machines. The tests
# start their own redis-server on a free 127.0.0.1 port; a system service
# that apt may start on 6379 is stopped so nothing outlives the test run.
set -e

missing=""
command -v gnutls-cli >/dev/null 2>&1 || missing="$missing gnutls-bin"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
[ -z "$missing" ] && exit 0

SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
echo "installing:$missing"
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null

case "$missing" in *redis-server*)
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
    elif command -v service >/dev/null 2>&1; then
        $SUDO service redis-server stop >/dev/null 2>&1 || true
    fi;;
esac
