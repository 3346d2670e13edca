//! A real Postfix relay with Dovecot SASL on 127.0.0.1, started by
//! tests/harness/postfix-dovecot.sh in a temp dir of its own and stopped on drop. Three
//! listeners play smtp-relay.gmail.com's ports: the 25 role (STARTTLS offered, no AUTH,
//! relay by client IP), the 465 role (TLS on connect, AUTH) and the 587 role (STARTTLS
//! required, AUTH after TLS, relay only when authenticated). Every accepted message goes
//! to Postfix's discard transport. No Postfix or Dovecot means a failed test, not a skip.

use crate::harness::{run, Output};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const INSTALL_HINT: &str = "run `bash tests/harness/postfix-dovecot.sh install` as root \
     (it installs postfix, dovecot-core and swaks without starting them)";

/// What the server's discard transport writes after `status=sent (`: the proof that a
/// message reached the end of the relay and went nowhere.
pub const DISCARD_STATUS: &str = "status=sent (relayctl-interop-discard)";

/// The script that installs, starts and stops the instances.
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/harness/postfix-dovecot.sh")
}

/// PATH for the script: the system directories first, where Debian puts postfix and dovecot.
fn path_env() -> String {
    let inherited = std::env::var("PATH").unwrap_or_default();
    format!("/usr/sbin:/usr/bin:/sbin:/bin:{inherited}")
}

fn run_script(args: &[&str], timeout: Duration) -> Output {
    let mut cmd = Command::new("bash");
    cmd.arg(script()).args(args).env("PATH", path_env());
    run(cmd, None, timeout)
}

/// One private Postfix + Dovecot instance; stopped, and its directory removed, on drop.
pub struct MailServer {
    dir: tempfile::TempDir,
    ports: (u16, u16, u16),
    user: String,
    password: String,
}

impl MailServer {
    /// Starts an instance on three free ports of 127.0.0.1 and returns once all three
    /// answer. Retries with other ports when one was taken in the meantime. Panics (fails
    /// the test) when Postfix or Dovecot is missing or does not start.
    pub fn start() -> MailServer {
        for prog in ["/usr/sbin/postfix", "/usr/sbin/dovecot", "/usr/bin/openssl"] {
            assert!(
                Path::new(prog).is_file(),
                "{prog} is missing: {INSTALL_HINT}"
            );
        }
        let dir = tempfile::Builder::new()
            .prefix("relayctl-mail-")
            .tempdir()
            .expect("temp dir");
        let path = dir
            .path()
            .to_str()
            .expect("temp dir path is UTF-8")
            .to_owned();
        let mut last = String::new();
        for _attempt in 0..5 {
            let ports = free_ports();
            let (p25, p465, p587) = (
                ports.0.to_string(),
                ports.1.to_string(),
                ports.2.to_string(),
            );
            let out = run_script(
                &["start", &path, &p25, &p465, &p587],
                Duration::from_secs(60),
            );
            if out.success() {
                let read = |name: &str| {
                    let file = dir.path().join(name);
                    let text = std::fs::read_to_string(&file)
                        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                    text.lines().next().unwrap_or_default().to_owned()
                };
                let (user, password) = (read("user"), read("password"));
                return MailServer {
                    dir,
                    ports,
                    user,
                    password,
                };
            }
            last = out.describe();
            let taken = out.all().contains("Address already in use");
            if !taken {
                break;
            }
        }
        panic!("Postfix/Dovecot did not start: {last}\nIf a program is missing: {INSTALL_HINT}");
    }

    /// The listeners on 127.0.0.1: (25 role: STARTTLS, no AUTH; 465 role: TLS on connect
    /// + AUTH; 587 role: STARTTLS required + AUTH required).
    pub fn ports(&self) -> (u16, u16, u16) {
        self.ports
    }

    /// The throwaway CA that signed the server certificate (SANs: mx.relayctl.test,
    /// localhost, 127.0.0.1); PEM, for `--ca-file` or swaks `--tls-ca-path`.
    pub fn ca_pem_path(&self) -> PathBuf {
        self.dir.path().join("tls/ca.pem")
    }

    /// The SASL user Dovecot knows (relaytest@example.com).
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The user's password (random per instance).
    pub fn password(&self) -> &str {
        &self.password
    }

    /// A file (mode 0600) whose first line is the password, for `--password-file`.
    pub fn password_file(&self) -> PathBuf {
        self.dir.path().join("password")
    }

    /// Postfix's log so far (smtpd, cleanup, qmgr, discard lines).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log/postfix.log")).unwrap_or_default()
    }

    /// Dovecot's log so far (auth successes are silent; failures say "Password mismatch").
    pub fn dovecot_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log/dovecot.log")).unwrap_or_default()
    }

    /// Waits up to `timeout` for a Postfix log line that contains every one of `needles`
    /// and returns it. Delivery is asynchronous: the discard line comes a few milliseconds
    /// after the client saw `250 ... queued as`. Panics with the log when none comes.
    pub fn wait_for_log_line(&self, needles: &[&str], timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let log = self.log();
            if let Some(line) = log.lines().find(|l| needles.iter().all(|n| l.contains(n))) {
                return line.to_owned();
            }
            if Instant::now() > deadline {
                panic!("no Postfix log line with {needles:?} within {timeout:?}:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        let path = self.dir.path().to_string_lossy().into_owned();
        let out = run_script(&["stop", &path], Duration::from_secs(30));
        if !out.success() {
            eprintln!("stopping the mail server in {path}: {}", out.describe());
        }
    }
}

/// Three distinct TCP ports free on 127.0.0.1 at the time of the call (held together while
/// they are chosen, so they differ).
fn free_ports() -> (u16, u16, u16) {
    let bind = || TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let (a, b, c) = (bind(), bind(), bind());
    let port = |l: &TcpListener| l.local_addr().expect("local addr").port();
    (port(&a), port(&b), port(&c))
}

#[test]
fn two_instances_run_side_by_side_and_stop_on_drop() {
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(MailServer::start);
        let b = s.spawn(MailServer::start);
        (
            a.join().expect("first instance"),
            b.join().expect("second instance"),
        )
    });
    let (pa, pb) = (a.ports(), b.ports());
    let all = [pa.0, pa.1, pa.2, pb.0, pb.1, pb.2];
    let mut distinct = all.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 6, "{all:?}");
    assert_eq!(a.user(), "relaytest@example.com");
    assert_ne!(a.password(), b.password());

    // The password file is what relayctl's --password-file reads: first line, owner only.
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(a.password_file()).expect("password file");
    assert_eq!(
        meta.permissions().mode() & 0o077,
        0,
        "password file readable by others"
    );
    let text = std::fs::read_to_string(a.password_file()).expect("password file");
    assert_eq!(text.lines().next(), Some(a.password()));

    // The certificate verifies against the CA for the IP address and for localhost, as
    // rustls will check it (IP SAN, serverAuth), on the TLS-on-connect port.
    for name in [
        ["-verify_ip", "127.0.0.1"],
        ["-verify_hostname", "localhost"],
    ] {
        let mut cmd = Command::new("openssl");
        cmd.args(["s_client", "-brief", "-verify_return_error"])
            .args(["-connect", &format!("127.0.0.1:{}", pa.1)])
            .arg("-CAfile")
            .arg(a.ca_pem_path())
            .args(name);
        let out = run(cmd, Some(""), Duration::from_secs(30));
        assert!(
            out.success() && out.all().contains("Verification: OK"),
            "{}",
            out.describe()
        );
    }

    let dir = a.dir.path().to_owned();
    drop(a);
    assert!(!dir.exists(), "{} left behind", dir.display());
    for port in [pa.0, pa.1, pa.2] {
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "port {port} still open after drop"
        );
    }
    // The other instance is untouched.
    assert!(std::net::TcpStream::connect(("127.0.0.1", pb.2)).is_ok());
    assert!(b.log().contains("daemon started"), "{}", b.log());
}
