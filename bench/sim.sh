#!/usr/bin/env bash
# `relayctl sim` under load: 50 concurrent clients (examples/sim_load.rs, blocking rustls),
# each sending MESSAGES messages, one STARTTLS session per message (EHLO, STARTTLS, EHLO,
# MAIL, RCPT, DATA with a 2 KB message, QUIT) to the 587 listener, with IP authentication
# (--client-ip inside relay.toml's range), Require TLS, and the Maildir written (fsync per
# message) unless BENCH_DISCARD=1. Prints messages/s and session latency percentiles.
# Release build. A benchmark, not a test: quote the figures with the command.
# Usage: bash bench/sim.sh [CONCURRENCY] [MESSAGES]   (default 50 20)
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency=${1:-50}
messages=${2:-20}
cargo build -q --release --bin relayctl --example sim_load
work=$(mktemp -d /tmp/relayctl-bench-sim.XXXXXX)
cleanup() {
    [ -n "${sim_pid:-}" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
cat > "$work/relay.toml" <<'TOML'
[console]
authentication = "ip"
require_tls = true
[[console.ranges]]
cidr = "203.0.113.0/28"
[site]
domains = ["example.com"]
TOML
extra=()
[ "${BENCH_DISCARD:-0}" = 1 ] && extra+=(--discard)
(cd "$work" && exec "$OLDPWD/target/release/relayctl" sim --config relay.toml --ports 0,0,0 \
    --cert-name 127.0.0.1 --client-ip 203.0.113.5 --max-connections 200 "${extra[@]}" \
    > ready 2> summary) &
sim_pid=$!
for _ in $(seq 100); do [ -s "$work/ready" ] && break; sleep 0.1; done
[ -s "$work/ready" ] || { cat "$work/summary"; exit 1; }
port=$(grep -o '127\.0\.0\.1:[0-9]*' "$work/ready" | sed -n 3p | cut -d: -f2)
echo "relayctl sim on 127.0.0.1:$port (587 role), $concurrency clients x $messages messages"
target/release/examples/sim_load "$port" "$work/relayctl-sim/ca.pem" "$concurrency" "$messages"
kill -TERM "$sim_pid"; wait "$sim_pid"; sim_pid=
cat "$work/summary"
echo "maildir: $(ls "$work/relayctl-sim/maildir/new" 2>/dev/null | wc -l) messages"
