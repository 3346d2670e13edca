#!/usr/bin/env bash
# `relayctl check cidr` on a 1,000,000-entry list, side by side with aggregate6 on the same
# list: wall time (hyperfine), peak RSS (GNU time -v), and the ratio. A benchmark, not a
# test: run it by hand and quote the figures (bench/README.md).
#
# The list (python3, fixed seed): public IPv4 /32s (60 %) and /24-/28 networks (28 %),
# IPv6 /128s and /112-/124 networks (2 %), exact duplicates (5 %) and entries inside an
# earlier network (5 %), shuffled. No private, documentation or too-large ranges, so both
# tools read every line and relayctl exits 0 (duplicates and overlaps are warnings).
#
# Needs: hyperfine and time (Debian packages), python3, aggregate6 (installed with
# `pip install aggregate6` when missing). Builds the release binary first.
# Usage: bench/cidr.sh [entries] [extra hyperfine args]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
shift || true
for tool in hyperfine python3; do
  command -v "$tool" >/dev/null || { echo "bench/cidr.sh: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench/cidr.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
command -v aggregate6 >/dev/null || pip install --quiet aggregate6
cargo build --release --quiet
bin=$PWD/target/release/relayctl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
list=$tmp/ranges.txt

python3 - "$n" "$list" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(20261123)
# First octets that are public unicast as a whole (no 0, 10, 100, 127, 169, 172, 192,
# 198, 203, 224-255: the special blocks live there).
firsts = [o for o in range(1, 224) if o not in (10, 100, 127, 169, 172, 192, 198, 203)]
def v4(prefix):
    a = (rng.choice(firsts) << 24) | rng.getrandbits(24)
    a &= (0xffffffff << (32 - prefix)) & 0xffffffff
    return f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}/{prefix}", a, prefix
def v6(prefix):
    a = (0x2a00 << 112) | (rng.getrandbits(100) << 12)   # 2a00::/12 region, global unicast
    a &= ((1 << 128) - 1) ^ ((1 << (128 - prefix)) - 1)
    import ipaddress
    return f"{ipaddress.IPv6Address(a)}/{prefix}"
lines, nets = [], []
for _ in range(n):
    r = rng.random()
    if r < 0.05 and lines:
        lines.append(rng.choice(lines))                       # duplicate
    elif r < 0.10 and nets:
        a, p = rng.choice(nets)                               # inside an earlier network
        host = a | rng.getrandbits(32 - p)
        lines.append(f"{host >> 24}.{(host >> 16) & 255}.{(host >> 8) & 255}.{host & 255}/32")
    elif r < 0.70:
        lines.append(v4(32)[0])
    elif r < 0.98:
        s, a, p = v4(rng.randint(24, 28))
        lines.append(s)
        nets.append((a, p))
    else:
        lines.append(v6(rng.choice([128, 128, 112, 120, 124])))
rng.shuffle(lines)
with open(path, "w") as f:
    f.write("\n".join(lines) + "\n")
PY
echo "list: $(wc -l <"$list") entries, $(du -h "$list" | cut -f1)"

relayctl="$bin check cidr $list --canonical --ipv6-egress no"
aggregate="aggregate6 $list"
hyperfine --warmup 1 --runs "${RUNS:-3}" -N --export-json "$tmp/cidr.json" "$@" \
  --command-name relayctl "$relayctl" --command-name aggregate6 "$aggregate"

rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {printf "%.1f MB", $2 / 1024}'; }
echo "peak RSS: relayctl $(rss $relayctl), aggregate6 $(rss $aggregate)"
"$bin" check cidr "$list" --canonical --ipv6-egress no 2>"$tmp/summary" >"$tmp/relayctl.out" || true
aggregate6 "$list" >"$tmp/aggregate6.out"
echo "outputs: relayctl $(wc -l <"$tmp/relayctl.out") ranges (merges stop at /16 and /112), aggregate6 $(wc -l <"$tmp/aggregate6.out") prefixes"
tail -n 1 "$tmp/summary"
python3 - "$tmp/cidr.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
a, b = r["relayctl"], r["aggregate6"]
for name, x in (("relayctl", a), ("aggregate6", b)):
    print(f"{name:<10} median {x['median']*1000:8.1f} ms  mean {x['mean']*1000:8.1f} ms  ± {x['stddev']*1000:.1f}")
print(f"ratio: relayctl is {b['median'] / a['median']:.1f}x faster (medians)")
PY
