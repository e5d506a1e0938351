#!/bin/sh
# Install the system tools the tests talk to, if they are missing:
#   gnutls-cli    (Debian gnutls-bin)      an interop client
#   redis-server  (Debian redis-server)    the fleet tests' shared store
#   openssl       (Debian openssl)         certificates, s_client, s_server
#   nginx         (Debian nginx)           OpenSSL-format ticket interop
#   cc + OpenSSL headers (gcc, libssl-dev) the OpenSSL reference server
# Idempotent; needs root (or sudo), as on the project's machines. The tests
# start their own redis-server and nginx on free 127.0.0.1 ports; system
# services that apt may start are stopped so nothing outlives the test run.
set -e

missing=""
command -v gnutls-cli >/dev/null 2>&1 || missing="$missing gnutls-bin"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || \
    missing="$missing nginx"
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
[ -f /usr/include/openssl/ssl.h ] || missing="$missing libssl-dev"
[ -z "$missing" ] && exit 0

SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
echo "installing:$missing"
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null

for service in redis-server nginx; do
    case "$missing" in *$service*)
        if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
            $SUDO systemctl disable --now $service >/dev/null 2>&1 || true
        elif command -v service >/dev/null 2>&1; then
            $SUDO service $service stop >/dev/null 2>&1 || true
        fi;;
    esac
done
