#!/usr/bin/env bash
# `relayctl probe` of three ports vs three sequential swaks runs doing the same, side by
# side in one run, against a real Postfix + Dovecot SASL relay on 127.0.0.1 started by
# tests/harness/postfix-dovecot.sh in a temp dir (stopped on exit).
#   swaks: 25 role STARTTLS + envelope; 465 role TLS on connect + AUTH PLAIN + envelope;
#          587 role STARTTLS + AUTH PLAIN + envelope; each quits after RCPT TO, each
#          verifies the certificate against the test CA.
#   relayctl probe --port P25/starttls --port P465/tls --port P587/starttls with the same
#          CA, user, password file, MAIL FROM and RCPT TO (it also sends RSET and tries
#          AUTH on the 25 role, which does not offer it: that port's verdict is "fail",
#          exit 1, which is expected here).
# Goal (issue): relayctl's median wall time at most 0.25x swaks'.
# Needs: root (Postfix and Dovecot start as root), `bash tests/harness/postfix-dovecot.sh
# install` done, python3; hyperfine when installed (else, or with BENCH_NO_HYPERFINE=1,
# a loop timing each run with date +%s.%N).
# When target/release/relayctl has no probe yet, swaks is measured alone.
# Usage: bash bench/probe.sh [RUNS]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
repo=$PWD
die() { echo "bench/probe.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root: Postfix's master and Dovecot start as root"
for tool in swaks python3; do
    command -v "$tool" >/dev/null || die "$tool is missing: bash tests/harness/postfix-dovecot.sh install"
done

cargo build -q --release --bin relayctl || true
relayctl=$repo/target/release/relayctl
have_probe=0
if [ -x "$relayctl" ] && "$relayctl" probe --help >/dev/null 2>&1; then
    have_probe=1
else
    echo "relayctl probe is not built yet (target/release/relayctl probe --help fails): measuring swaks alone"
fi

work=$(mktemp -d /tmp/relayctl-bench-probe.XXXXXX)
chmod 755 "$work" # the postfix and dovecot accounts must reach server/ inside it
cleanup() {
    bash "$repo/tests/harness/postfix-dovecot.sh" stop "$work/server" || true
    rm -rf "$work"
}
trap cleanup EXIT
read -r p25 p465 p587 < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
PY
)
bash tests/harness/postfix-dovecot.sh start "$work/server" "$p25" "$p465" "$p587"
ca=$work/server/tls/ca.pem
user=$(head -n1 "$work/server/user")
pwfile=$work/server/password
helo=client.relayctl.test
from=sender@example.com
rcpt=rcpt@example.net

# swaks takes the password from its environment (swaks(1), "CONFIGURATION ENVIRONMENT
# VARIABLES": SWAKS_OPT_<option>), so it is on no argv; relayctl reads --password-file.
# `--config` with no argument keeps any ~/.swaksrc out of the measurement.
cat >"$work/swaks3.sh" <<EOF
#!/usr/bin/env bash
# Three sequential swaks runs, as an admin would check the three relay ports.
set -euo pipefail
SWAKS_OPT_auth_password=\$(head -n1 '$pwfile')
export SWAKS_OPT_auth_password
common=(--config --server 127.0.0.1 --tls-verify --tls-ca-path '$ca' --helo '$helo'
        --from '$from' --to '$rcpt' --quit-after RCPT --silent 2)
# 25 role: no AUTH offered; swaks would fail asking for it, so no password for this run.
env -u SWAKS_OPT_auth_password swaks "\${common[@]}" --port $p25 --tls
swaks "\${common[@]}" --port $p465 --tls-on-connect --auth PLAIN --auth-user '$user'
swaks "\${common[@]}" --port $p587 --tls --auth PLAIN --auth-user '$user'
EOF
chmod 755 "$work/swaks3.sh"
swaks_cmd="$work/swaks3.sh"
probe_cmd="$relayctl probe --host 127.0.0.1 --helo $helo --port $p25/starttls --port $p465/tls --port $p587/starttls --ca-file $ca --auth-user $user --password-file $pwfile --mail-from $from --rcpt $rcpt"

# Both must work before they are timed: swaks exits 0; the probe exits 0 or 1 (1: the
# 25 role offers no AUTH), anything else is an error.
"$swaks_cmd" || die "the swaks runs failed (exit $?); see above"
if [ "$have_probe" = 1 ]; then
    set +e
    $probe_cmd >"$work/probe.txt" 2>&1
    probe_status=$?
    set -e
    if [ "$probe_status" -gt 1 ]; then
        cat "$work/probe.txt" >&2
        die "relayctl probe exited $probe_status"
    fi
    echo "relayctl probe exit status $probe_status; per port:"
    grep -E '^port [0-9]+' "$work/probe.txt" || true
fi

if command -v hyperfine >/dev/null && [ "${BENCH_NO_HYPERFINE:-0}" != 1 ]; then
    args=(-N --warmup 3 --runs "$runs" --export-json "$work/h.json" -n swaks-x3 "$swaks_cmd")
    if [ "$have_probe" = 1 ]; then
        # -i: the probe's exit 1 (port 25 role without AUTH) is part of the measurement.
        args+=(-i -n relayctl-probe "$probe_cmd")
    fi
    hyperfine "${args[@]}"
    python3 - "$work/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
s = r["swaks-x3"]["median"]
print(f"swaks x3 (sequential)  median {s*1000:.1f} ms")
if "relayctl-probe" in r:
    p = r["relayctl-probe"]["median"]
    print(f"relayctl probe 3 ports median {p*1000:.1f} ms")
    print(f"ratio {p/s:.3f} x swaks (goal <= 0.25)")
PY
else
    # No hyperfine: alternate the two commands RUNS times, one wall time each.
    : >"$work/swaks.times"
    : >"$work/probe.times"
    for _ in $(seq "$runs"); do
        t0=$(date +%s.%N)
        "$swaks_cmd" >/dev/null 2>&1
        t1=$(date +%s.%N)
        awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >>"$work/swaks.times"
        if [ "$have_probe" = 1 ]; then
            t0=$(date +%s.%N)
            $probe_cmd >/dev/null 2>&1 || true
            t1=$(date +%s.%N)
            awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >>"$work/probe.times"
        fi
    done
    python3 - "$work/swaks.times" "$work/probe.times" <<'PY'
import statistics, sys
s = statistics.median(float(x) for x in open(sys.argv[1]))
print(f"swaks x3 (sequential)  median {s*1000:.1f} ms (date loop)")
p = [float(x) for x in open(sys.argv[2])]
if p:
    p = statistics.median(p)
    print(f"relayctl probe 3 ports median {p*1000:.1f} ms")
    print(f"ratio {p/s:.3f} x swaks (goal <= 0.25)")
PY
fi
