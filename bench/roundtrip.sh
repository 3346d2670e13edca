#!/usr/bin/env bash
# Round trips of `relayctl probe` against the in-tree test relay (examples/test_relay.rs)
# delaying every reply, banner included, by DELAY_MS (default 50 ms).
# Goal (issue 4): a full one-port probe (STARTTLS, AUTH, envelope test, QUIT) waits at
# most 8 x DELAY_MS, and three ports take at most 1.1x one port.
# Usage: bash bench/roundtrip.sh [DELAY_MS]
set -euo pipefail
cd "$(dirname "$0")/.."
delay=${1:-50}
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
cargo build -q --release --bin relayctl --example test_relay
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
printf 'bench-Pa55word\n' > "$work/pw"
start_relay() { # NAME TLS
    ./target/release/examples/test_relay --tls "$2" --delay-ms "$delay" --port 0 \
        --ca-out "$work/ca-$1.pem" --user bench@example.com --password-file "$work/pw" \
        --until-killed > "$work/$1.out" 2>&1 &
    pids+=($!)
}
start_relay a starttls
start_relay b implicit
start_relay c starttls
for n in a b c; do
    for _ in $(seq 1 50); do grep -q READY "$work/$n.out" 2>/dev/null && break; sleep 0.1; done
done
port() { awk '/READY/{print $2}' "$work/$1.out"; }
cat "$work"/ca-*.pem > "$work/ca.pem"
export RELAYCTL_PASSWORD=bench-Pa55word
common="--host 127.0.0.1 --helo mail.example.com --ca-file $work/ca.pem --auth-user bench@example.com --mail-from it@example.com --rcpt you@example.com"
one="./target/release/relayctl probe $common --port $(port a)/starttls"
three="./target/release/relayctl probe $common --port $(port a)/starttls --port $(port b)/tls --port $(port c)/starttls"
$one > /dev/null   # must succeed before we time it
hyperfine -N --warmup 2 --runs 20 --export-json "$work/h.json" -n one-port "$one" -n three-ports "$three"
python3 - "$work/h.json" "$delay" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
d = float(sys.argv[2]) / 1000
one, three = r["one-port"], r["three-ports"]
print(f"one port   median {one*1000:.0f} ms = {one/d:.2f} x {d*1000:.0f} ms (goal <= 8)")
print(f"three ports median {three*1000:.0f} ms = {three/one:.3f} x one port (goal <= 1.1)")
PY
