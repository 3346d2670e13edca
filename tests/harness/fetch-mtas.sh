#!/usr/bin/env bash
# fetch-mtas.sh - obtain the real Debian MTA tools for relayctl's interop tests
# WITHOUT installing any of them as the system MTA.
#
# postfix, sendmail-cf/sendmail-bin, exim4-* and opensmtpd conflict with each
# other as installed MTAs (they all provide mail-transport-agent and
# /usr/sbin/sendmail), so they are only downloaded (`apt-get download`) and
# unpacked (`dpkg -x`) into a cache directory. Only libraries, m4 and
# libnss-wrapper are installed with apt-get: none of them is an MTA.
#
# Layout of the cache ($RELAYCTL_MTA_CACHE, default <repo>/.cache/mta):
#   debs/                 downloaded .deb files (one version per package)
#   root/<group>/         dpkg -x trees: postfix, sendmail, exim, opensmtpd
#   etc/passwd, etc/group copies of the system files plus the MTA accounts
#                         (postfix, Debian-exim, smmta, ...) for nss_wrapper
#   libexec/              patched copy of update-exim4.conf (see README.md)
#   bin/                  wrappers the tests call: postconf postfix postmap
#                         postfix-smtp exim update-exim4.conf sendmail-mta
#                         makemap sendmail-m4 smtpd
#   harness.env           KEY=VALUE paths the tests read
#
# Idempotent: a second run only checks versions and rewrites the wrappers.
# Set RELAYCTL_MTA_REFRESH=1 to force re-extraction.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${RELAYCTL_MTA_CACHE:-$REPO/.cache/mta}"
mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd)"
DEBS="$CACHE/debs"
ROOTS="$CACHE/root"
BIN="$CACHE/bin"
ETC="$CACHE/etc"
LIBEXEC="$CACHE/libexec"
# Bump when the extraction/patching below changes, so old trees are redone.
LAYOUT_VERSION=3

export DEBIAN_FRONTEND=noninteractive
# apt_get: apt-get that waits for another apt/dpkg.
. "$(dirname "${BASH_SOURCE[0]}")/apt-wait.sh"

log() { printf 'fetch-mtas: %s\n' "$*" >&2; }
die() { printf 'fetch-mtas: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (apt-get install of libraries, chown in the cache)"
for tool in apt-get apt-cache dpkg dpkg-deb dpkg-query ldd; do
  command -v "$tool" >/dev/null || die "missing $tool (this script needs Debian/apt)"
done

# group -> packages unpacked together into root/<group>
declare -A GROUP_PKGS=(
  [postfix]="postfix"
  # sendmail-cf holds the whole m4 tree (cf.m4, ostype/, feature/, mailer/,
  # debian/sendmail.mc); sendmail-bin gives the real sendmail binary so the
  # compiled .cf is parsed by sendmail itself, and makemap for authinfo/access.
  [sendmail]="sendmail-cf sendmail-bin"
  # exim4-daemon-light: the exim4 binary; exim4-config: update-exim4.conf and
  # the /etc/exim4 templates; exim4-base: the rest of the Debian tooling.
  [exim]="exim4-base exim4-config exim4-daemon-light"
  [opensmtpd]="opensmtpd"
)
GROUPS_ORDER="postfix sendmail exim opensmtpd"

APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    apt_get update -qq >&2
    APT_UPDATED=1
  fi
}

# Candidate versions of all packages, looked up with one apt-cache call
# (it costs ~0.5 s per call).
declare -A CANDIDATE=()
load_candidates() {
  local pkg ver
  while read -r pkg ver; do
    CANDIDATE[$pkg]="$ver"
  done < <(apt-cache policy "$@" 2>/dev/null | awk '/^[^ ].*:$/ {p=substr($1, 1, length($1)-1)} /Candidate:/ {print p, $2}')
}
candidate_version() {
  printf '%s\n' "${CANDIDATE[$1]:-}"
}

# Prints the first of its arguments that exists (expanded globs that matched).
first_match() {
  local f
  for f in "$@"; do
    if [ -e "$f" ]; then printf '%s\n' "$f"; return 0; fi
  done
}

# Prints the path of the .deb for the current candidate version of $1,
# downloading it if it is not cached yet.
fetch_deb() {
  local pkg="$1" ver file
  ver="$(candidate_version "$pkg")"
  if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
    apt_update_once
    load_candidates "$pkg"
    ver="$(candidate_version "$pkg")"
  fi
  [ -n "$ver" ] && [ "$ver" != "(none)" ] || die "apt knows no candidate for $pkg"
  # apt-get download encodes ':' (epoch) as %3a in the file name
  local fver="${ver//:/%3a}"
  file="$(first_match "$DEBS/${pkg}_${fver}_"*.deb)"
  if [ -z "$file" ]; then
    log "downloading $pkg=$ver"
    # remove other cached versions of this package
    rm -f "$DEBS/${pkg}_"*.deb
    (cd "$DEBS" && apt_get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2) || {
      apt_update_once
      (cd "$DEBS" && apt_get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2)
    }
    file="$(first_match "$DEBS/${pkg}_${fver}_"*.deb)"
    [ -n "$file" ] || die "apt-get download $pkg=$ver produced no file"
  fi
  printf '%s\n' "$file"
}

# lib* package names from the Depends/Pre-Depends of the given .debs (first
# alternative of each dependency, version constraints dropped).
lib_deps() {
  local deb
  for deb in "$@"; do
    dpkg-deb -f "$deb" Depends Pre-Depends 2>/dev/null
  done | sed -e 's/^[A-Za-z-]*: //' | tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/:any//' \
    | awk '{$1=$1; print}' | grep -E '^lib' | sort -u
}

not_installed() {
  local p
  for p in "$@"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" != "installed" ]; then
      printf '%s\n' "$p"
    fi
  done
}

mkdir -p "$DEBS" "$ROOTS" "$BIN" "$ETC" "$LIBEXEC"

# ---------------------------------------------------------------- download
declare -A GROUP_DEBS=()
ALL_DEBS=()
ALL_PKGS=()
for group in $GROUPS_ORDER; do
  read -ra pkgs <<<"${GROUP_PKGS[$group]}"
  ALL_PKGS+=("${pkgs[@]}")
done
load_candidates "${ALL_PKGS[@]}"
for group in $GROUPS_ORDER; do
  debs=""
  for pkg in ${GROUP_PKGS[$group]}; do
    deb="$(fetch_deb "$pkg")"
    debs="$debs $deb"
    ALL_DEBS+=("$deb")
  done
  GROUP_DEBS[$group]="${debs# }"
done

# ------------------------------------------------ libraries (not MTAs), m4
# m4 compiles sendmail.mc; libnss-wrapper lets the binaries see the MTA
# system accounts (postfix, Debian-exim, smmta...) without adding them to
# /etc/passwd.
mapfile -t WANT < <( { lib_deps "${ALL_DEBS[@]}"; echo m4; echo libnss-wrapper; } | sort -u)
mapfile -t MISSING < <(not_installed "${WANT[@]}")
if [ "${#MISSING[@]}" -gt 0 ]; then
  log "apt-get install ${MISSING[*]}"
  apt_get install -y -q --no-install-recommends "${MISSING[@]}" >&2 || {
    apt_update_once
    apt_get install -y -q --no-install-recommends "${MISSING[@]}" >&2
  }
fi
NSS_WRAPPER_LIB="$(dpkg-query -L libnss-wrapper | grep '/libnss_wrapper\.so$' | head -n1)"
[ -f "$NSS_WRAPPER_LIB" ] || die "libnss_wrapper.so not found after installing libnss-wrapper"

# ------------------------------------------------------- fake accounts
# Copies of the system account files plus the accounts the MTA packages'
# postinst scripts would create. Used only through nss_wrapper (LD_PRELOAD
# in the wrappers); /etc/passwd and /etc/group are not touched.
build_accounts() {
  local passwd="$ETC/passwd.new" group="$ETC/group.new"
  NEXT_ID=64900
  cp /etc/passwd "$passwd"
  cp /etc/group "$group"
  # sets ID to the next id unused as uid and gid (no subshell: NEXT_ID must advance)
  next_id() {
    while getent passwd "$NEXT_ID" >/dev/null || getent group "$NEXT_ID" >/dev/null \
      || cut -d: -f3 "$passwd" "$group" | grep -qx "$NEXT_ID"; do
      NEXT_ID=$((NEXT_ID + 1))
    done
    ID="$NEXT_ID"
    NEXT_ID=$((NEXT_ID + 1))
  }
  add_group() { # name
    getent group "$1" >/dev/null && return 0
    grep -q "^$1:" "$group" && return 0
    next_id
    printf '%s:x:%s:\n' "$1" "$ID" >>"$group"
  }
  add_user() { # name home [group]
    local g="${3:-$1}" gid
    add_group "$g"
    getent passwd "$1" >/dev/null && return 0
    gid="$(getent group "$g" | cut -d: -f3 || true)"
    [ -n "$gid" ] || gid="$(grep "^$g:" "$group" | cut -d: -f3)"
    next_id
    printf '%s:x:%s:%s::%s:/usr/sbin/nologin\n' "$1" "$ID" "$gid" "$2" >>"$passwd"
  }
  add_user postfix /var/spool/postfix
  add_group postdrop
  add_user Debian-exim /var/spool/exim4
  add_user smmta /var/lib/sendmail
  add_user smmsp /var/lib/sendmail
  add_user opensmtpd /var/lib/opensmtpd/empty
  add_user opensmtpq /var/lib/opensmtpd/empty
  mv "$passwd" "$ETC/passwd"
  mv "$group" "$ETC/group"
}
build_accounts
# A hosts file for sendmail only: when sendmail cannot qualify the machine's
# host name it sleeps 60 s ("unqualified host name ... sleeping for retry")
# on every run. nss_wrapper answers from this file instead of DNS.
SHORT_HOST="$(cat /proc/sys/kernel/hostname 2>/dev/null || hostname)"
SHORT_HOST="${SHORT_HOST%%.*}"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n127.0.1.1\t%s.localdomain %s\n::1\t%s.localdomain %s\n' \
  "$SHORT_HOST" "$SHORT_HOST" "$SHORT_HOST" "$SHORT_HOST" >"$ETC/hosts.new"
mv "$ETC/hosts.new" "$ETC/hosts"
POSTDROP_GID="$(getent group postdrop | cut -d: -f3 || true)"
[ -n "$POSTDROP_GID" ] || POSTDROP_GID="$(grep '^postdrop:' "$ETC/group" | cut -d: -f3)"

# ------------------------------------------------------------- extract
extract_group() {
  local group="$1" dir="$ROOTS/$1" stamp want deb
  stamp="$dir/.relayctl-stamp"
  want="layout=$LAYOUT_VERSION cache=$CACHE debs=$(for deb in ${GROUP_DEBS[$group]}; do basename "$deb"; done | tr '\n' ' ')"
  if [ "${RELAYCTL_MTA_REFRESH:-0}" != 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  log "extracting $group"
  rm -rf "$dir"
  mkdir -p "$dir"
  for deb in ${GROUP_DEBS[$group]}; do
    dpkg -x "$deb" "$dir"
  done
  # No setuid/setgid binaries in the cache: they are never needed by the
  # tests, and glibc ignores LD_PRELOAD (nss_wrapper) in setuid/setgid
  # processes.
  find "$dir" -type f -perm /6000 -exec chmod ug-s {} +
  case "$group" in
    postfix)
      # What postfix's postinst does with dpkg-statoverride; without it
      # `postfix check` warns "not owned by group postdrop".
      chgrp "$POSTDROP_GID" "$dir/usr/sbin/postqueue" "$dir/usr/sbin/postdrop"
      chmod 2555 "$dir/usr/sbin/postqueue" "$dir/usr/sbin/postdrop"
      ;;
    sendmail)
      # ostype/debian.m4, domain/debian-*.m4, hack/virthost_by_ip.m4 and
      # debian/*.mc include files by the absolute /usr/share/sendmail/cf/
      # path; point them at this tree.
      local cf="$dir/usr/share/sendmail/cf"
      grep -rl '/usr/share/sendmail/cf/' "$cf" | while read -r f; do
        sed -i "s|/usr/share/sendmail/cf/|$cf/|g" "$f"
      done
      ;;
  esac
  printf '%s' "$want" >"$stamp"
}
for group in $GROUPS_ORDER; do
  extract_group "$group"
done

PF="$ROOTS/postfix"
SM="$ROOTS/sendmail"
EX="$ROOTS/exim"
OS="$ROOTS/opensmtpd"
SENDMAIL_CF_DIR="$SM/usr/share/sendmail/cf"

# postfix (reapply: the fake postdrop gid can change with /etc/group)
chgrp "$POSTDROP_GID" "$PF/usr/sbin/postqueue" "$PF/usr/sbin/postdrop"
chmod 2555 "$PF/usr/sbin/postqueue" "$PF/usr/sbin/postdrop" # chgrp clears set-gid

# ------------------------------------------- patched update-exim4.conf
# Four hard-coded paths in Debian's update-exim4.conf are made overridable;
# with the variables unset the script behaves exactly as installed.
#  - EXIM=/usr/sbin/exim4 (used by --check)       -> ${UE4C_EXIM:-...}
#  - < /etc/mailname                              -> ${UE4C_MAILNAME:-...}
#  - [ -e /etc/exim4/exim4.conf.localmacros ] and LOCALMACROS=/etc/exim4/...
#    ignore --confdir (upstream quirk)            -> ${UPEX4C_confdir}/...
patch_update_exim4_conf() {
  local src="$EX/usr/sbin/update-exim4.conf" dst="$LIBEXEC/update-exim4.conf"
  # shellcheck disable=SC2016 # the ${...} are for the patched script, not expanded here
  sed -e 's|^EXIM="/usr/sbin/exim4"$|EXIM="${UE4C_EXIM:-/usr/sbin/exim4}"|' \
      -e 's|< /etc/mailname |< "${UE4C_MAILNAME:-/etc/mailname}" |' \
      -e 's|\[ -e "/etc/exim4/exim4.conf.localmacros" \]|[ -e "${UPEX4C_confdir}/exim4.conf.localmacros" ]|' \
      -e 's|LOCALMACROS="/etc/exim4/exim4.conf.localmacros"|LOCALMACROS="${UPEX4C_confdir}/exim4.conf.localmacros"|' \
      "$src" >"$dst.new"
  local n
  n="$(diff "$src" "$dst.new" | grep -c '^>' || true)"
  [ "$n" = 5 ] || die "update-exim4.conf patch applied to $n lines, expected 5: Debian changed the script, review the patch"
  grep -q '/etc/mailname\|/etc/exim4/exim4.conf.localmacros"' <(grep -v '^#\|:-/etc' "$dst.new") \
    && die "update-exim4.conf still has unpatched /etc paths"
  chmod 755 "$dst.new"
  mv "$dst.new" "$dst"
}
patch_update_exim4_conf

# -------------------------------------------------------------- wrappers
write_wrapper() { # name, body (after the common environment)
  local name="$1" body="$2"
  cat >"$BIN/$name.new" <<EOF
#!/bin/sh
# Generated by tests/harness/fetch-mtas.sh: runs the extracted Debian binary
# without installing it. nss_wrapper supplies the MTA system accounts.
[ -f "$NSS_WRAPPER_LIB" ] || { echo "$name: $NSS_WRAPPER_LIB missing: run tests/harness/fetch-mtas.sh" >&2; exit 127; }
export LD_PRELOAD="$NSS_WRAPPER_LIB\${LD_PRELOAD:+ \$LD_PRELOAD}"
export NSS_WRAPPER_PASSWD="$ETC/passwd"
export NSS_WRAPPER_GROUP="$ETC/group"
$body
EOF
  chmod 755 "$BIN/$name.new"
  mv "$BIN/$name.new" "$BIN/$name"
}
for p in postconf postfix postmap postalias postsuper; do
  write_wrapper "$p" "export LD_LIBRARY_PATH=\"$PF/usr/lib/postfix\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}\"
exec \"$PF/usr/sbin/$p\" \"\$@\""
done
# The Postfix SMTP client daemon, run stand-alone (-S) with MAIL_CONFIG=DIR:
# it validates smtp_* parameter values at start-up (TLS level, booleans...)
write_wrapper postfix-smtp "export LD_LIBRARY_PATH=\"$PF/usr/lib/postfix\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}\"
exec \"$PF/usr/lib/postfix/sbin/smtp\" \"\$@\""
write_wrapper exim "exec \"$EX/usr/sbin/exim4\" \"\$@\""
write_wrapper update-exim4.conf "export UE4C_EXIM=\"$BIN/exim\"
exec /bin/sh \"$LIBEXEC/update-exim4.conf\" \"\$@\""
write_wrapper sendmail-mta "export NSS_WRAPPER_HOSTS=\"$ETC/hosts\"
exec \"$SM/usr/libexec/sendmail/sendmail\" \"\$@\""
write_wrapper makemap "export NSS_WRAPPER_HOSTS=\"$ETC/hosts\"
exec \"$SM/usr/libexec/sendmail/makemap\" \"\$@\""
write_wrapper sendmail-m4 "command -v m4 >/dev/null || { echo 'sendmail-m4: m4 missing: run tests/harness/fetch-mtas.sh' >&2; exit 127; }
exec m4 -D_CF_DIR_=\"$SENDMAIL_CF_DIR/\" \"\$@\""
write_wrapper smtpd "exec \"$OS/usr/sbin/smtpd\" \"\$@\""

cat >"$CACHE/harness.env.new" <<EOF
# Generated by tests/harness/fetch-mtas.sh; read by tests/interop.
RELAYCTL_MTA_CACHE=$CACHE
BIN_DIR=$BIN
POSTFIX_ROOT=$PF
POSTFIX_DAEMON_DIR=$PF/usr/lib/postfix/sbin
POSTFIX_SHLIB_DIR=$PF/usr/lib/postfix
POSTFIX_COMMAND_DIR=$PF/usr/sbin
POSTFIX_META_DIR=$PF/etc/postfix
POSTFIX_SHARE_DIR=$PF/usr/share/postfix
SENDMAIL_CF_DIR=$SENDMAIL_CF_DIR
EXIM_ETC_DIR=$EX/etc/exim4
OPENSMTPD_ETC_DIR=$OS/etc
NSS_WRAPPER_LIB=$NSS_WRAPPER_LIB
NSS_WRAPPER_PASSWD=$ETC/passwd
NSS_WRAPPER_GROUP=$ETC/group
NSS_WRAPPER_HOSTS=$ETC/hosts
EOF
mv "$CACHE/harness.env.new" "$CACHE/harness.env"

# ---------------------------------------------------- sanity + versions
for elf in "$PF/usr/sbin/postconf" "$PF/usr/sbin/postfix" "$PF/usr/sbin/postmap" \
  "$PF/usr/lib/postfix/sbin/smtp" "$EX/usr/sbin/exim4" "$SM/usr/libexec/sendmail/sendmail" \
  "$SM/usr/libexec/sendmail/makemap" "$OS/usr/sbin/smtpd"; do
  missing="$(LD_LIBRARY_PATH="$PF/usr/lib/postfix" ldd "$elf" | grep 'not found' || true)"
  [ -z "$missing" ] || die "$elf: unresolved libraries: $missing"
done

debver() { dpkg-deb -f "$(first_match "$DEBS/$1_"*.deb)" Version; }
v_postconf="$("$BIN/postconf" -c "$PF/usr/share/postfix" -d -h mail_version 2>/dev/null)"
v_exim="$("$BIN/exim" -bV -C /dev/null 2>/dev/null | sed -n 's/^Exim version \([^ ]*\).*/\1/p' | head -n1)"
v_sendmail="$( ("$BIN/sendmail-mta" -C /dev/null -d0.1 -bt </dev/null 2>/dev/null || true) | sed -n 's/^Version //p' | head -n1)"
v_smtpd="$("$BIN/smtpd" -h 2>&1 | sed -n 's/^version: //p' | head -n1 || true)"
v_m4="$(m4 --version | head -n1)"
for v in v_postconf v_exim v_sendmail v_smtpd; do
  [ -n "${!v}" ] || die "could not run ${v#v_} from the cache"
done
printf 'postconf/postfix/postmap/postfix-smtp: Postfix %s (deb %s)\n' "$v_postconf" "$(debver postfix)"
printf 'sendmail-mta/makemap: Sendmail %s (deb %s)\n' "$v_sendmail" "$(debver sendmail-bin)"
printf 'sendmail-m4: %s + sendmail-cf %s (%s)\n' "$v_m4" "$(debver sendmail-cf)" "$SENDMAIL_CF_DIR"
printf 'exim: Exim %s (deb %s)\n' "$v_exim" "$(debver exim4-daemon-light)"
printf 'update-exim4.conf: exim4-config %s\n' "$(debver exim4-config)"
printf 'smtpd: %s (deb %s)\n' "$v_smtpd" "$(debver opensmtpd)"
printf 'cache: %s\n' "$CACHE"
