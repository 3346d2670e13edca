#!/usr/bin/env bash
# Start-up time of `relayctl gen postfix` (the issue's figure), median of many runs.
# Needs hyperfine (Debian package `hyperfine`). Builds the release binary first.
# Usage: bench/startup.sh [extra hyperfine args]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/relayctl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
hyperfine --warmup 20 --runs 500 -N --export-json "$tmp/startup.json" "$@" \
  "$OLDPWD/$bin gen postfix --helo mail.example.com --domain example.com" \
  "$OLDPWD/$bin gen postfix --helo mail.example.com --domain example.com --auth smtp-auth --port 465 --format json"
python3 - "$tmp/startup.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"median {r['median']*1000:.2f} ms  mean {r['mean']*1000:.2f} ms  ± {r['stddev']*1000:.2f}  {r['command'].split('/')[-1]}")
PY
