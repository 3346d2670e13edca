//! End-to-end: real MTAs (unpacked by tests/harness/fetch-mtas.sh, msmtp from its Debian
//! package) configured by `relayctl gen` deliver through a relay that plays Google's
//! (`sim::SimProcess`), and the relay's session log says how: TLS, the HELO name, AUTH only
//! inside TLS with the configured user, the planned port. Fault cases: STARTTLS dropped,
//! a self-signed or wrong-name certificate, connection reuse. The matrix is in
//! tests/harness/README.md ("End-to-end delivery").
//!
//! Adaptations of the generated configuration, the only ones (each MTA module lists its own):
//! 1. `relayctl gen ... --relay-host relay.test`: the relay's certificate names `relay.test`
//!    (the stand-in's certificate cannot name smtp-relay.gmail.com; with `relayctl sim`,
//!    `--cert-name relay.test`), and `NSS_WRAPPER_HOSTS` (a per-case hosts file, read by
//!    nss_wrapper, which the harness preloads) maps `relay.test` to the case's own loopback
//!    address. The system resolver is not touched.
//! 2. Each case has its own loopback address (127.N.N.N), so the relay listens on the real
//!    ports 25/465/587 and the generated port stays as written (binding them needs root,
//!    which the MTAs need anyway).
//! 3. Paths: `/etc/...` of the generated lines move into the case's temp dir, and the
//!    system CA bundle (`/etc/ssl/certs/ca-certificates.crt`) is replaced by the relay's CA.
//! 4. The APP_PASSWORD placeholder is replaced by the test password.

mod exim;
mod msmtp;
mod opensmtpd;
mod postfix;
mod sendmail;
pub mod sim;

use crate::gen::{GenFile, Generated, HELO};
use crate::harness::cache;
use sim::{Fault, Session, SimOptions, SimProcess};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The relay name every case generates for (adaptation 1).
pub const RELAY_NAME: &str = "relay.test";
pub const AUTH_USER: &str = "relay@example.com";
/// The test's app password: must never appear outside TLS.
pub const PASSWORD: &str = "e2e-App-Pass-7Qz";
pub const FROM: &str = "postmaster@example.com";
pub const RCPT: &str = "someone@example.org";

/// The address sim's policy sees for every client (`--client-ip`), inside the console range.
const CLIENT_IP: &str = "203.0.113.5";

/// The console setting the plan stands for, as relay.toml, for sim to enforce: IP
/// authentication with 203.0.113.0/28, or SMTP AUTH; Require TLS; "Only addresses in my
/// domains" with example.com.
fn console_toml(dir: &std::path::Path, plan: Plan) -> std::path::PathBuf {
    let auth = if plan.auth() { "smtp-auth" } else { "ip" };
    let text = format!(
        "[console]\nallowed_senders = \"domain-addresses\"\nauthentication = \"{auth}\"\n\
         require_tls = true\n\n[[console.ranges]]\ndescription = \"e2e\"\n\
         cidr = \"203.0.113.0/28\"\nenabled = true\n\n[site]\ndomains = [\"example.com\"]\n"
    );
    let path = dir.join("sim-relay.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The relay plans under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// IP authentication, STARTTLS on 587.
    Ip587,
    /// SMTP AUTH over STARTTLS on 587.
    Auth587,
    /// SMTP AUTH over TLS on connect on 465.
    Auth465,
}

impl Plan {
    fn args(self) -> &'static [&'static str] {
        match self {
            Plan::Ip587 => &[],
            Plan::Auth587 => &["--auth", "smtp-auth", "--auth-user", AUTH_USER],
            Plan::Auth465 => &[
                "--port",
                "465",
                "--auth",
                "smtp-auth",
                "--auth-user",
                AUTH_USER,
            ],
        }
    }

    pub fn port(self) -> u16 {
        match self {
            Plan::Auth465 => 465,
            _ => 587,
        }
    }

    pub fn auth(self) -> bool {
        self != Plan::Ip587
    }
}

/// What a case does and expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// One message, delivered.
    Deliver,
    /// The relay does not offer STARTTLS (and refuses it): the MTA must defer.
    DropStarttls,
    /// The relay presents a self-signed certificate: the MTA must refuse it.
    SelfSigned,
    /// The relay presents a certificate for another name: the MTA must refuse it.
    WrongName,
    /// Three messages queued a second apart, one queue run: one session.
    Reuse,
}

impl Case {
    fn fault(self) -> Option<Fault> {
        match self {
            Case::DropStarttls => Some(Fault::DropStarttls),
            Case::SelfSigned => Some(Fault::SelfSigned),
            Case::WrongName => Some(Fault::WrongName),
            _ => None,
        }
    }
}

/// A unique loopback address for this case (adaptation 2): 127.<pid-based>.<n>.<n>.
fn next_listen() -> Ipv4Addr {
    static N: AtomicU32 = AtomicU32::new(1);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let pid = std::process::id();
    Ipv4Addr::new(
        127,
        100 + (pid % 150) as u8,
        (n / 250) as u8,
        (n % 250 + 1) as u8,
    )
}

/// One case's world: its temp dir, its relay, its hosts file.
pub struct Ctx {
    pub plan: Plan,
    pub case: Case,
    pub tmp: tempfile::TempDir,
    pub relay: SimProcess,
    pub hosts: PathBuf,
}

impl Ctx {
    fn new(plan: Plan, case: Case) -> Ctx {
        let tmp = tempfile::Builder::new()
            .prefix("relayctl-e2e-")
            .tempdir()
            .expect("tempdir");
        let listen = next_listen();
        let relay = SimProcess::start(
            &tmp.path().join("relay"),
            &SimOptions {
                listen,
                users: vec![(AUTH_USER.to_string(), PASSWORD.to_string())],
                faults: case.fault().into_iter().collect(),
                // The console's IP range is public (documentation space); every loopback
                // client is mapped into it, as the MTA's public address would be.
                client_ip: Some(CLIENT_IP.parse().unwrap()),
                cert_names: vec![RELAY_NAME.to_string()],
                // The banner name and the certificate's subject CN (sendmail checks the CN).
                hostname: RELAY_NAME.to_string(),
                config: Some(console_toml(tmp.path(), plan)),
            },
        );
        // The harness's hosts file (the machine's name qualified, for sendmail) + the relay.
        let mut hosts = std::fs::read_to_string(cache().path("NSS_WRAPPER_HOSTS")).unwrap();
        let ip = ctx_relay_ip(&relay, plan);
        // The absolute form too: sendmail looks up `relay.test.` (nss_wrapper compares names
        // as written).
        hosts.push_str(&format!("{ip}\t{RELAY_NAME} {RELAY_NAME}.\n"));
        let hosts_path = tmp.path().join("hosts");
        std::fs::write(&hosts_path, hosts).unwrap();
        Ctx {
            plan,
            case,
            tmp,
            relay,
            hosts: hosts_path,
        }
    }

    pub fn dir(&self, name: &str) -> PathBuf {
        let d = self.tmp.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// The environment the harness wrappers set, with this case's hosts file: for running
    /// the unpacked binaries directly (the sendmail wrappers pin their own hosts file).
    pub fn nss_env(&self, cmd: &mut Command) {
        let c = cache();
        cmd.env("LD_PRELOAD", c.path("NSS_WRAPPER_LIB"))
            .env("NSS_WRAPPER_PASSWD", c.path("NSS_WRAPPER_PASSWD"))
            .env("NSS_WRAPPER_GROUP", c.path("NSS_WRAPPER_GROUP"))
            .env("NSS_WRAPPER_HOSTS", &self.hosts);
    }

    /// `program args...` in a private mount namespace (`unshare --mount`, root) where this
    /// case's hosts file is `/etc/hosts` and `/etc/nsswitch.conf` says `hosts: files`, plus
    /// `/etc/resolv.conf` names only 127.0.0.1, plus `binds` (source, existing target): for
    /// MTAs that resolve names without going through nss_wrapper (sendmail: its
    /// process-title code overwrites the environment nss_wrapper read its paths from;
    /// OpenSMTPD: its own resolver reads /etc/hosts and /etc/resolv.conf). Nothing changes
    /// outside the namespace, and no query leaves loopback.
    pub fn isolated(&self, program: &Path, binds: &[(PathBuf, &str)]) -> Command {
        let nsswitch = self.tmp.path().join("nsswitch.conf");
        std::fs::write(&nsswitch, "passwd: files\ngroup: files\nhosts: files\n").unwrap();
        // A DNS query, should one be made, would go to loopback and fail, not leave the machine.
        let resolv = self.tmp.path().join("resolv.conf");
        std::fs::write(
            &resolv,
            "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
        )
        .unwrap();
        let mut all = vec![
            (self.hosts.clone(), "/etc/hosts"),
            (nsswitch, "/etc/nsswitch.conf"),
            (resolv, "/etc/resolv.conf"),
        ];
        all.extend(binds.iter().cloned());
        let mut script = String::from("set -e\n");
        for (i, (_, target)) in all.iter().enumerate() {
            script.push_str(&format!("mount --bind \"${}\" '{target}'\n", i + 1));
        }
        script.push_str(&format!("shift {}\nexec \"$@\"\n", all.len()));
        let mut cmd = Command::new("unshare");
        cmd.args(["--mount", "--propagation", "private", "--", "sh", "-c"])
            .arg(script)
            .arg("sh");
        for (src, _) in &all {
            cmd.arg(src);
        }
        cmd.arg(program);
        cmd
    }

    /// The test message (RFC 5322, LF line ends as a local submission has them).
    pub fn message(&self, subject: &str) -> String {
        format!(
            "From: <{FROM}>\nTo: <{RCPT}>\nSubject: {subject}\nMessage-ID: <{}.{}@example.com>\n\nrelayctl end-to-end test\n",
            subject.replace(' ', "-"),
            std::process::id()
        )
    }
}

/// The address of the relay's listener for the plan's port (the case's loopback address).
fn ctx_relay_ip(relay: &SimProcess, plan: Plan) -> std::net::IpAddr {
    let addr = relay
        .listeners
        .iter()
        .find(|(role, _)| *role == plan.port())
        .unwrap_or_else(|| panic!("the relay has no {} listener", plan.port()))
        .1;
    assert!(
        addr.ip().is_loopback(),
        "the relay listens on loopback only"
    );
    assert_eq!(
        addr.port(),
        plan.port(),
        "the relay listens on the planned port"
    );
    addr.ip()
}

/// `relayctl gen TARGET` for the plan (the real binary, JSON form: the same files, modes and
/// commands as the text form's stderr instructions), with the relay name of adaptation 1.
pub fn generate(target: &str, plan: Plan) -> Generated {
    let mut args = plan.args().to_vec();
    args.extend(["--relay-host", RELAY_NAME]);
    let g = crate::gen::generate_with(target, &args);
    assert_eq!(g.port(), u64::from(plan.port()), "plan port");
    assert_eq!(g.helo(), HELO);
    g
}

/// Writes a generated file at `path`: its lines with the placeholder password replaced
/// (adaptation 4), with the mode relayctl names (`== create FILE, mode NNNN`).
pub fn write_generated(f: &GenFile, path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut text = f
        .lines
        .iter()
        .map(|l| l.replace("APP_PASSWORD", PASSWORD))
        .collect::<Vec<_>>()
        .join("\n");
    text.push('\n');
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if let Some(mode) = &f.mode {
        let bits = u32::from_str_radix(mode, 8).expect("octal mode");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(bits)).unwrap();
    }
}

/// The system CA bundle every generated config names; replaced by the relay's CA (adaptation 3).
pub const SYSTEM_CA: &str = "/etc/ssl/certs/ca-certificates.crt";

/// An MTA instance under test.
pub trait Instance {
    /// Submits one message (FROM -> RCPT) with the MTA's own submission program.
    fn submit(&mut self, ctx: &Ctx, subject: &str);
    /// Runs the queue where the MTA needs a command for it (no-op for immediate delivery).
    fn flush(&mut self, _ctx: &Ctx) {}
    /// The MTA's log (or the submission program's output).
    fn log(&self) -> String;
    /// Whether the log shows the message deferred or refused (not delivered, kept or failed).
    fn refused(&self) -> bool;
}

/// Polls `f` every 100 ms until it holds; false after `within` (a safety net, not a timing
/// assumption: every condition is an event the MTA or the relay reports).
pub fn wait_for(within: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

const PATIENCE: Duration = Duration::from_secs(60);

fn accepted(sessions: &[Session]) -> usize {
    sessions
        .iter()
        .flat_map(|s| &s.transactions)
        .filter(|t| t.accepted)
        .count()
}

/// Runs one case: the relay, `relayctl gen`, the instance (`start` applies the output), the
/// submission, and the assertions on the relay's session log. A failure prints the MTA's
/// log tail and the relay's session log.
pub fn run_case(
    target: &str,
    plan: Plan,
    case: Case,
    start: impl FnOnce(&Ctx, &Generated) -> Box<dyn Instance>,
) {
    let ctx = Ctx::new(plan, case);
    let g = generate(target, plan);
    let mut inst = start(&ctx, &g);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        body(&ctx, &mut *inst);
    }));
    if let Err(e) = result {
        let log = inst.log();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(60)..].join("\n");
        eprintln!(
            "=== {target} {plan:?} {case:?} failed\n--- {target} log (tail)\n{tail}\n--- relay session log ({})\n{}",
            ctx.relay.state.display(),
            ctx.relay.log_text()
        );
        std::panic::resume_unwind(e);
    }
}

fn body(ctx: &Ctx, inst: &mut dyn Instance) {
    match ctx.case {
        Case::Deliver => {
            inst.submit(ctx, "e2e 1");
            inst.flush(ctx);
            let ok = wait_for(PATIENCE, || {
                accepted(&ctx.relay.sessions()) >= 1 || inst.refused()
            });
            assert!(ok, "no delivery and no refusal within {PATIENCE:?}");
            let sessions = ctx.relay.sessions();
            assert_eq!(accepted(&sessions), 1, "one message delivered");
            let s = sessions
                .iter()
                .find(|s| s.transactions.iter().any(|t| t.accepted))
                .unwrap();
            assert_delivery_session(ctx, s);
            assert_nothing_in_clear(&sessions);
        }
        Case::Reuse => {
            for i in 1..=3 {
                inst.submit(ctx, &format!("e2e reuse {i}"));
                std::thread::sleep(Duration::from_secs(1));
            }
            inst.flush(ctx);
            let ok = wait_for(PATIENCE, || accepted(&ctx.relay.sessions()) >= 3);
            assert!(ok, "three messages not delivered within {PATIENCE:?}");
            wait_for(Duration::from_secs(10), || {
                ctx.relay.open_connections() == 0
            });
            let sessions = ctx.relay.sessions();
            let with_mail: Vec<&Session> = sessions
                .iter()
                .filter(|s| !s.transactions.is_empty())
                .collect();
            assert_eq!(
                with_mail.len(),
                1,
                "the three messages went over one session (connection reuse)"
            );
            assert_eq!(with_mail[0].transactions.len(), 3);
            assert_delivery_session(ctx, with_mail[0]);
            assert_nothing_in_clear(&sessions);
        }
        Case::DropStarttls | Case::SelfSigned | Case::WrongName => {
            inst.submit(ctx, "e2e fault");
            inst.flush(ctx);
            let ok = wait_for(PATIENCE, || {
                inst.refused() || accepted(&ctx.relay.sessions()) > 0
            });
            assert!(
                ok,
                "the MTA neither deferred nor delivered within {PATIENCE:?}"
            );
            wait_for(Duration::from_secs(10), || {
                ctx.relay.open_connections() == 0
            });
            // `relayctl sim` logs a session when it ends, which can be after the MTA has
            // already given up (a refused certificate): wait for the line, not a moment.
            wait_for(PATIENCE, || !ctx.relay.sessions().is_empty());
            let sessions = ctx.relay.sessions();
            assert!(!sessions.is_empty(), "the MTA never connected to the relay");
            assert_eq!(
                accepted(&sessions),
                0,
                "{:?}: the MTA must not deliver",
                ctx.case
            );
            for s in &sessions {
                assert!(s.transactions.is_empty(), "no MAIL transaction: {s:?}");
                assert!(s.auth.is_none(), "no credentials sent: {s:?}");
                if ctx.case == Case::DropStarttls {
                    assert!(s.tls.is_none(), "the relay offered no TLS: {s:?}");
                }
            }
            assert_nothing_in_clear(&sessions);
            assert!(inst.refused(), "the MTA's log shows the deferral");
        }
    }
}

/// The delivering session: planned port, TLS (implicit on 465), the `--helo` name, and AUTH
/// inside TLS with the configured user exactly when the plan authenticates.
fn assert_delivery_session(ctx: &Ctx, s: &Session) {
    assert_eq!(s.listener, ctx.plan.port(), "planned port: {s:?}");
    let tls = s.tls.as_ref().unwrap_or_else(|| panic!("no TLS: {s:?}"));
    let how = if ctx.plan.port() == 465 {
        "implicit"
    } else {
        "starttls"
    };
    assert_eq!(tls.how, how, "{s:?}");
    assert_eq!(s.helo.as_deref(), Some(HELO), "HELO name: {s:?}");
    if ctx.plan.auth() {
        let a = s.auth.as_ref().unwrap_or_else(|| panic!("no AUTH: {s:?}"));
        assert_eq!(a.user, AUTH_USER);
        assert!(a.in_tls && a.accepted, "{a:?}");
    } else {
        assert!(s.auth.is_none(), "IP plan sends no AUTH: {s:?}");
    }
    for t in &s.transactions {
        assert_eq!(t.mail_from, FROM);
        assert_eq!(t.rcpt_to, vec![RCPT.to_string()]);
        assert!(t.accepted, "{t:?}");
    }
}

/// Nothing of a message and no AUTH before TLS, in any session; and the password is in no
/// record (the contract never logs it).
fn assert_nothing_in_clear(sessions: &[Session]) {
    for s in sessions {
        for c in &s.commands_before_tls {
            let u = c.to_ascii_uppercase();
            assert!(
                !u.starts_with("AUTH") && !u.starts_with("MAIL") && !u.starts_with("DATA"),
                "sent before TLS: {c:?} in {s:?}"
            );
        }
        if let Some(a) = &s.auth {
            assert!(a.in_tls, "AUTH outside TLS: {s:?}");
        }
        let text = serde_json::to_string(s).unwrap();
        assert!(!text.contains(PASSWORD), "password in the session log");
    }
}

/// `#[test]` functions for one MTA: `name: Plan Case;` each.
macro_rules! e2e_tests {
    ($target:literal, $start:path, { $($(#[$meta:meta])* $name:ident: $plan:ident $case:ident;)* }) => {
        $(
            #[test]
            $(#[$meta])*
            fn $name() {
                crate::e2e::run_case(
                    $target,
                    crate::e2e::Plan::$plan,
                    crate::e2e::Case::$case,
                    $start,
                );
            }
        )*
    };
}
pub(crate) use e2e_tests;
