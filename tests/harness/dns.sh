#!/usr/bin/env bash
# Makes dnsmasq available to the interop DNS tests (tests/interop/dns.rs). Installs
# Debian's dnsmasq-base when /usr/sbin/dnsmasq is missing: the binary only, with no init
# script or systemd unit, so nothing starts and nothing listens on port 53. The tests start
# their own dnsmasq on 127.0.0.1 and a free port, and stop it.
# Idempotent; a second run takes well under a second. RELAYCTL_DNSMASQ overrides the path.
set -euo pipefail

DNSMASQ="${RELAYCTL_DNSMASQ:-/usr/sbin/dnsmasq}"
# apt_get: apt-get that waits for another apt/dpkg.
. "$(dirname "${BASH_SOURCE[0]}")/apt-wait.sh"

die() {
  printf 'dns.sh: %s\n' "$*" >&2
  exit 1
}

if [ ! -x "$DNSMASQ" ]; then
  [ -z "${RELAYCTL_DNSMASQ:-}" ] || die "RELAYCTL_DNSMASQ=$DNSMASQ is not an executable"
  [ "$(id -u)" = 0 ] || die "$DNSMASQ is missing: run this script as root (it runs apt-get install dnsmasq-base)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt_get install -y -qq dnsmasq-base >/dev/null; then
    apt_get update -qq
    apt_get install -y -qq dnsmasq-base >/dev/null
  fi
  [ -x "$DNSMASQ" ] || die "dnsmasq-base installed but $DNSMASQ is still missing"
fi

# dnsmasq-base must stay a bare binary: a service file would mean a daemon on port 53.
if command -v dpkg >/dev/null && dpkg -s dnsmasq-base >/dev/null 2>&1; then
  if dpkg -L dnsmasq-base | grep -qE '^/etc/init\.d/|/systemd/system/'; then
    die "dnsmasq-base now ships a service; review tests/harness/dns.sh"
  fi
fi

printf 'dnsmasq: %s (%s)\n' "$("$DNSMASQ" --version | head -n1)" "$DNSMASQ"
