#!/usr/bin/env bash
# postfix-dovecot.sh - a real Postfix + Dovecot SASL relay on 127.0.0.1 for relayctl's
# interop tests (tests/interop/mailserver.rs, swaks.rs) and bench/probe.sh.
#
#   postfix-dovecot.sh install
#       apt-get install of postfix, dovecot-core, swaks (+ the Perl modules swaks needs for
#       TLS and AUTH) when missing. Package scripts may not start daemons (policy-rc.d
#       answers 101 during the install) and the system-wide postfix/dovecot are stopped if
#       they run anyway. /etc/postfix and /etc/dovecot are never written by this script.
#       Assumes the apt lists are fresh (.ci/run runs `apt-get update`); APT_UPDATED=0 makes
#       it run `apt-get update` first when something is missing.
#   postfix-dovecot.sh start DIR PORT25 PORT465 PORT587
#       A throwaway CA and server certificate, and a private Postfix and Dovecot instance,
#       everything under DIR (queue, data, config, sockets, logs). Returns once the three
#       listeners answer; on failure prints the log tails, stops what it started, exits 1.
#   postfix-dovecot.sh stop DIR
#       Stops both instances of DIR. Idempotent.
#
# The three listeners model smtp-relay.gmail.com's ports:
#   PORT25   STARTTLS offered (may), no AUTH; relays for 127.0.0.0/8 (Google's IP mode)
#   PORT465  TLS on connect, AUTH PLAIN/LOGIN; relays for mynetworks or authenticated
#   PORT587  STARTTLS required before MAIL, AUTH only after TLS; relays only when
#            authenticated (others: 554 5.7.1 Relay access denied)
# All three: `EHLO localhost` (or *.localhost) gets Google's 421 4.7.0 and a hang-up, and
# every accepted message goes to the discard(8) transport: nothing leaves the machine.
#
# Files in DIR read by the callers: tls/ca.pem (trust anchor), user (SASL user name),
# password (its password, mode 0600; written by the caller before `start`, or generated),
# log/postfix.log, log/dovecot.log. The SASL user defaults to relaytest@example.com
# (RELAYCTL_SASL_USER overrides). Several instances may run at once: nothing is shared.
set -euo pipefail

PROG=postfix-dovecot.sh
# apt_get: apt-get that waits for another apt/dpkg.
. "$(dirname "${BASH_SOURCE[0]}")/apt-wait.sh"
log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}
usage() {
  die "usage: $PROG install | start DIR PORT25 PORT465 PORT587 | stop DIR"
}

# Packages and the programs that prove them installed. swaks does PLAIN and LOGIN itself
# (MIME::Base64 is in perl-base); TLS needs Net::SSLeay + IO::Socket::SSL; Authen::SASL
# is what swaks loads for the other mechanisms and is cheap to have.
PACKAGES=(postfix dovecot-core swaks libnet-ssleay-perl libio-socket-ssl-perl libauthen-sasl-perl openssl)

not_installed() {
  local p
  for p in "$@"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" != installed ]; then
      printf '%s\n' "$p"
    fi
  done
}

# The system-wide daemons the install may have started (default config and pid files),
# never the private instances. Only called right after this script installed them: a
# postfix or dovecot the machine already had is its owner's business.
stop_system_daemons() {
  local pid
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl disable --now postfix.service dovecot.service >/dev/null 2>&1 || true
  fi
  for pidfile in /var/spool/postfix/pid/master.pid /run/dovecot/master.pid; do
    pid="$(tr -dc 0-9 2>/dev/null <"$pidfile" || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      log "stopping the system-wide daemon $pidfile (pid $pid)"
      kill "$pid" 2>/dev/null || true
    fi
  done
}

cmd_install() {
  [ "$(id -u)" = 0 ] || die "install must run as root (apt-get install)"
  export DEBIAN_FRONTEND=noninteractive
  local missing
  mapfile -t missing < <(not_installed "${PACKAGES[@]}")
  if [ "${#missing[@]}" -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    # Debian's postfix asks which configuration to write; "No configuration" leaves
    # /etc/postfix/main.cf absent, so the system instance cannot even start.
    echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
    # invoke-rc.d asks policy-rc.d whether it may start a service; 101 means "no". An
    # existing policy (Docker images ship one) is put back afterwards.
    local policy=/usr/sbin/policy-rc.d saved=""
    if [ -e "$policy" ]; then
      saved="$(mktemp /usr/sbin/policy-rc.d.relayctl.XXXXXX)"
      cp -p "$policy" "$saved"
    fi
    # shellcheck disable=SC2064 # expand now: the trap must restore this very file
    trap "if [ -n '$saved' ]; then mv -f '$saved' '$policy'; else rm -f '$policy'; fi" EXIT
    printf '#!/bin/sh\n# written by relayctl tests/harness/postfix-dovecot.sh during apt-get install\nexit 101\n' >"$policy.new"
    chmod 755 "$policy.new"
    mv -f "$policy.new" "$policy"
    if [ "${APT_UPDATED:-1}" = 0 ]; then
      apt_get update -qq
    fi
    apt_get install -y -q --no-install-recommends "${missing[@]}" >&2
    if [ -n "$saved" ]; then mv -f "$saved" "$policy"; else rm -f "$policy"; fi
    trap - EXIT
    mapfile -t missing < <(not_installed "${PACKAGES[@]}")
    [ "${#missing[@]}" = 0 ] || die "still not installed: ${missing[*]}"
    stop_system_daemons
  fi
  local prog
  for prog in /usr/sbin/postfix /usr/sbin/postconf /usr/lib/postfix/sbin/master /usr/sbin/dovecot /usr/bin/swaks /usr/bin/openssl; do
    [ -x "$prog" ] || die "$prog is missing after the install"
  done
  getent passwd postfix >/dev/null || die "no postfix account (postfix's postinst creates it)"
  getent passwd dovecot >/dev/null || die "no dovecot account (dovecot-core's postinst creates it)"
  printf 'postfix %s, dovecot %s, swaks %s\n' "$(postconf -d -h mail_version 2>/dev/null)" \
    "$(dovecot --version | cut -d' ' -f1)" "$(swaks --version 2>&1 | awk 'NR==1 {print $NF}')"
}

# ----------------------------------------------------------------------- start / stop

# True while process $1 exists and is not a zombie. The daemons are orphans, and the
# machine's PID 1 may reap them late: `kill -0` alone would wait for that.
running() { # pid
  local state
  state="$(awk '{print $3}' 2>/dev/null </proc/"$1"/stat || true)"
  [ -n "$state" ] && [ "$state" != Z ]
}

pid_alive() { # pidfile
  local pid
  pid="$(tr -dc 0-9 2>/dev/null <"$1" || true)"
  [ -n "$pid" ] && running "$pid"
}

# Sends TERM to the pids in the pid files given, then waits up to 10 s for them; then KILL.
stop_pidfiles() { # pidfile...
  local f pid pids=() i
  for f in "$@"; do
    pid="$(tr -dc 0-9 2>/dev/null <"$f" || true)"
    if [ -n "$pid" ] && running "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for pid in "${pids[@]}"; do
    for i in $(seq 200); do
      running "$pid" || break
      sleep 0.05
    done
    if running "$pid"; then
      log "pid $pid ignored TERM for 10 s: KILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

# Processes of the instance in DIR $1: Postfix's daemons work in the queue directory,
# Dovecot's in its base_dir. (Not DIR itself: a shell may sit there.)
procs_in() { # DIR
  local p cwd
  for p in /proc/[0-9]*; do
    cwd="$(readlink "$p/cwd" 2>/dev/null || true)"
    case "$cwd" in
      "$1/spool" | "$1/spool/"* | "$1/dovecot/run" | "$1/dovecot/run/"*)
        running "${p#/proc/}" && printf '%s\n' "${p#/proc/}"
        ;;
    esac
  done
}

cmd_stop() { # DIR
  local dir="$1" i
  [ -d "$dir" ] || return 0
  dir="$(cd "$dir" && pwd)"
  # What `postfix stop` does (TERM to master, whose children then exit), without its
  # one-second polling steps.
  stop_pidfiles "$dir/spool/pid/master.pid" "$dir/dovecot/run/master.pid"
  for i in $(seq 50); do
    [ -z "$(procs_in "$dir")" ] && return 0
    sleep 0.1
  done
  log "still running in $dir after 5 s: $(procs_in "$dir" | tr '\n' ' '); KILL"
  procs_in "$dir" | xargs -r kill -KILL 2>/dev/null || true
}

# Prints the tail of every log in DIR, for failure messages.
log_tails() { # DIR
  local f
  for f in "$1"/log/*.log; do
    [ -f "$f" ] || continue
    printf -- '--- %s (last 30 lines)\n' "$f" >&2
    tail -n 30 "$f" >&2
  done
}

# A throwaway CA and a server certificate for localhost, mx.relayctl.test and 127.0.0.1.
# P-256 keys: fast to make, and every client in the tests (swaks/OpenSSL, rustls) takes them.
# A year of validity: the certificates die with DIR, and a short one would make relayctl
# probe warn that the certificate expires soon (under 14 days).
make_certs() { # TLS_DIR
  local t="$1"
  (
    cd "$t"
    umask 077
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout ca.key -out ca.pem -days 365 -subj '/O=relayctl interop/CN=relayctl interop test CA' \
      -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
      2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout server.key -out server.csr -subj '/O=relayctl interop/CN=mx.relayctl.test' 2>/dev/null
    cat >server.ext <<'EOF'
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:mx.relayctl.test,DNS:localhost,IP:127.0.0.1
EOF
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 \
      -extfile server.ext -out server.pem 2>/dev/null
    rm -f server.csr ca.srl
    chmod 644 ca.pem server.pem
  ) || die "openssl could not make the test certificates in $t"
}

# Opens a TCP connection to 127.0.0.1:$1 and, with $2 = banner, reads the 220 line.
port_answers() { # port [banner]
  local line=""
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    if [ "${2:-}" = banner ]; then
      IFS= read -r -t 5 line <&3 || exit 1
      printf 'QUIT\r\n' >&3
      case "$line" in 220*) exit 0 ;; *) exit 1 ;; esac
    fi
    exit 0
  ) 2>/dev/null
}

cmd_start() { # DIR P25 P465 P587
  local dir="$1" p25="$2" p465="$3" p587="$4" p
  [ "$(id -u)" = 0 ] || die "start must run as root (Postfix's master and Dovecot start as root)"
  for p in "$p25" "$p465" "$p587"; do
    if ! [[ "$p" =~ ^[0-9]+$ ]] || [ "$p" -lt 1 ] || [ "$p" -gt 65535 ]; then
      die "bad port: $p"
    fi
  done
  for p in postfix postconf dovecot openssl; do
    command -v "$p" >/dev/null || die "$p is missing: run \`bash tests/harness/postfix-dovecot.sh install\` as root"
  done
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  case "$dir" in *[[:space:],=\{\}]*) die "DIR may not contain spaces, commas, = or braces: $dir" ;; esac
  if pid_alive "$dir/spool/pid/master.pid" || pid_alive "$dir/dovecot/run/master.pid"; then
    die "an instance is already running in $dir (stop it first)"
  fi
  # The postfix and dovecot accounts must reach the queue, the sockets and the passdb.
  chmod 755 "$dir"
  mkdir -p "$dir/etc" "$dir/spool" "$dir/data" "$dir/log" "$dir/tls" \
    "$dir/dovecot/run" "$dir/dovecot/state"
  chmod 755 "$dir/etc" "$dir/log" "$dir/tls" "$dir/dovecot" "$dir/dovecot/run"
  chown postfix "$dir/data"
  # A parent that is not world-searchable (a TMPDIR under /root) hides the queue from
  # the postfix account; say so instead of a cryptic daemon failure.
  runuser -u postfix -- test -x "$dir/etc" \
    || die "the postfix account cannot reach $dir: make its parent directories searchable (o+x) or use another DIR"
  make_certs "$dir/tls"

  local user="${RELAYCTL_SASL_USER:-relaytest@example.com}" password
  printf '%s\n' "$user" >"$dir/user"
  if [ ! -s "$dir/password" ]; then
    (umask 077 && openssl rand -hex 16 >"$dir/password")
  fi
  password="$(head -n1 "$dir/password")"
  [ -n "$password" ] || die "$dir/password is empty"
  # The passdb holds a SHA256 digest, not the password; the password never goes on an
  # argv (printf is a bash builtin).
  local digest
  digest="$(printf '%s' "$password" | openssl dgst -sha256 -binary | base64)"
  (umask 027 && printf '%s:{SHA256.b64}%s\n' "$user" "$digest" >"$dir/dovecot/users")
  chgrp dovecot "$dir/dovecot/users"

  # ---------------------------------------------------------------- Dovecot: auth only
  cat >"$dir/dovecot/dovecot.conf" <<EOF
# Written by tests/harness/postfix-dovecot.sh: SASL authentication for Postfix only.
protocols =
listen = 127.0.0.1
instance_name = relayctl-$(basename "$dir")
base_dir = $dir/dovecot/run
state_dir = $dir/dovecot/state
log_path = $dir/log/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
# Fast failures: no 2 s delay on a wrong password, and no growing per-IP penalty (every
# client is 127.0.0.1, so one bad-password test would slow every later AUTH). Dovecot
# turns the penalty off when auth cannot reach anvil's penalty socket; mode 0 disables it.
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = scheme=SHA256 username_format=%u $dir/dovecot/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOF
  : >"$dir/log/dovecot.log"

  # ---------------------------------------------------------------- Postfix
  cat >"$dir/etc/main.cf" <<EOF
# Written by tests/harness/postfix-dovecot.sh: a private relay instance on 127.0.0.1.
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
maillog_file = $dir/log/postfix.log
maillog_file_prefixes = $dir/log
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.relayctl.test
mydomain = relayctl.test
myorigin = \$myhostname
smtpd_banner = \$myhostname ESMTP relayctl interop relay (Postfix)
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
# No local or relay domains: every recipient is remote, and only mynetworks or SASL
# clients may relay (Google's relay does the same).
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
biff = no
smtpd_peername_lookup = no
# No arrival-rate throttle: smtpd takes a flow-control token at MAIL FROM and, when none
# is left, sleeps 1 s. Tokens come back only as mail is delivered, so envelope tests that
# never send DATA (probe, swaks --quit-after RCPT) would soon wait 1 s each.
in_flow_delay = 0s
# Nothing leaves: every transport is discard(8), which logs status=sent and drops the mail.
default_transport = discard:relayctl-interop-discard
relay_transport = \$default_transport
local_transport = \$default_transport
virtual_transport = \$default_transport
smtpd_tls_chain_files = $dir/tls/server.key, $dir/tls/server.pem
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $dir/dovecot/run/auth-postfix
smtpd_sasl_auth_enable = no
smtpd_sasl_authenticated_header = yes
smtpd_helo_required = yes
# HELO restrictions act at EHLO time, not at RCPT, so a bad name is refused where Google
# refuses it (Google help 3726730 and go-mail/mail#63: 421 4.7.0 ... (EHLO)); 421 makes smtpd hang up.
smtpd_delay_reject = no
smtpd_helo_restrictions = check_helo_access inline:{{localhost = 421 4.7.0 Try again later, closing connection. (EHLO)}}
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
EOF
  cat >"$dir/etc/master.cf" <<EOF
# Written by tests/harness/postfix-dovecot.sh. No chroot: the queue is not in /var/spool.
# service type  private unpriv chroot wakeup maxproc command + args
127.0.0.1:$p25 inet n - n - - smtpd
  -o syslog_name=postfix/port25
  -o smtpd_tls_security_level=may
  -o smtpd_sasl_auth_enable=no
127.0.0.1:$p465 inet n - n - - smtpd
  -o syslog_name=postfix/port465
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
127.0.0.1:$p587 inet n - n - - smtpd
  -o syslog_name=postfix/port587
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject_unauth_destination
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
  : >"$dir/log/postfix.log"
  # Postfix re-reads main.cf in 300 ms steps until its mtime is over a second old (a file
  # being edited); written a moment ago, it would cost two seconds at every start.
  touch -d '-10 seconds' "$dir/etc/main.cf" "$dir/etc/master.cf"

  fail() {
    log "$*"
    log_tails "$dir"
    cmd_stop "$dir"
    exit 1
  }

  # Dovecot keeps the stdio it was started with: a caller reading our stdout through a
  # pipe would wait for it forever.
  dovecot -c "$dir/dovecot/dovecot.conf" </dev/null >"$dir/log/dovecot-start.log" 2>&1 \
    || fail "dovecot did not start: $(cat "$dir/log/dovecot-start.log")"
  local i
  for i in $(seq 100); do
    [ -S "$dir/dovecot/run/auth-postfix" ] && break
    sleep 0.1
  done
  [ -S "$dir/dovecot/run/auth-postfix" ] || fail "dovecot's auth socket did not appear within 10 s"

  postfix -c "$dir/etc" start </dev/null >"$dir/log/postfix-start.log" 2>&1 \
    || fail "postfix start failed: $(cat "$dir/log/postfix-start.log")"

  local ready=0
  for i in $(seq 200); do
    if port_answers "$p25" banner && port_answers "$p465" && port_answers "$p587" banner; then
      ready=1
      break
    fi
    pid_alive "$dir/spool/pid/master.pid" || [ "$i" -lt 20 ] || break
    sleep 0.05
  done
  [ "$ready" = 1 ] || fail "ports $p25/$p465/$p587 on 127.0.0.1 do not answer"
  printf 'postfix-dovecot: ready in %s: 127.0.0.1 ports %s (STARTTLS) %s (TLS) %s (STARTTLS+AUTH)\n' \
    "$dir" "$p25" "$p465" "$p587"
}

case "${1:-}" in
  install)
    [ $# = 1 ] || usage
    cmd_install
    ;;
  start)
    [ $# = 5 ] || usage
    cmd_start "$2" "$3" "$4" "$5"
    ;;
  stop)
    [ $# = 2 ] || usage
    cmd_stop "$2"
    ;;
  *) usage ;;
esac
