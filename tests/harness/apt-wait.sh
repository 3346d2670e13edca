# shellcheck shell=bash
# Sourced by .ci/run and the harness scripts: `apt_get ARGS...` is apt-get that waits for
# another apt or dpkg to finish (a fresh cloud VM runs unattended-upgrades at boot) instead
# of failing at once. RELAYCTL_APT_WAIT is the most it waits, in seconds (default 600).
#
# -o DPkg::Lock::Timeout makes apt-get wait for dpkg's locks (apt >= 1.9.11), but apt 2.6
# does not apply it to the lists lock (apt-get update) nor to the archives lock
# (/var/cache/apt/archives/lock, apt-get install): checked by holding each lock. A run that
# failed on a lock ("Could not get lock") is therefore retried until the deadline.
apt_get() {
  local wait="${RELAYCTL_APT_WAIT:-600}" err rc
  local deadline=$((SECONDS + wait))
  err="$(mktemp)"
  while :; do
    rc=0
    apt-get -o DPkg::Lock::Timeout="$wait" "$@" 2>"$err" || rc=$?
    if [ "$rc" = 0 ] || ! grep -q 'Could not get lock' "$err" || [ "$SECONDS" -ge "$deadline" ]; then
      cat "$err" >&2
      rm -f "$err"
      return "$rc"
    fi
    printf 'apt-get %s: %s; waiting\n' "$1" "$(grep -m1 'Could not get lock' "$err")" >&2
    sleep 2
  done
}
