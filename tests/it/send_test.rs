//! `relayctl send-test` through the real binary: usage and input errors, the password
//! never printed, unreachable and silent relays ending by the deadline; then real sends
//! through the in-tree test relay (tests/relay): delivery, refusals explained, certificate
//! problems and a stripped STARTTLS stopping before any credential leaves.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::relay::{
    contains_secret, google, CertKind, Hostile, Script, TestCa, TestRelay, TlsMode,
};
use crate::support::{ends_by, relayctl_in, run, Run};

const PASSWORD: &str = "s3cret-Pa55word-never-printed";

fn base<'a>(port: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "send-test",
        "--host",
        "127.0.0.1",
        "--port",
        port,
        "--helo",
        "mail.example.com",
        "--timeout",
        "1",
        "--from",
        "it@example.com",
        "--to",
        "you@example.com",
    ];
    v.extend_from_slice(extra);
    v
}

/// A port on 127.0.0.1 with nothing listening (bound, then released).
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn run_with_password(args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    relayctl_in(dir.path(), args)
        .env("RELAYCTL_PASSWORD", PASSWORD)
        .output()
        .expect("relayctl runs")
        .into()
}

#[test]
fn from_and_to_are_required() {
    let r = run(&["send-test", "--to", "you@example.com"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--from"), "{}", r.stderr);
    let r = run(&["send-test", "--from", "it@example.com"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--to"), "{}", r.stderr);
}

#[test]
fn bad_addresses_name_the_flag() {
    let port = closed_port().to_string();
    for (flag, args) in [
        (
            "--from",
            vec![
                "send-test",
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--from",
                "it@",
                "--to",
                "you@example.com",
            ],
        ),
        (
            "--to",
            vec![
                "send-test",
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--from",
                "it@example.com",
                "--to",
                "you@example.com",
                "--to",
                "not an address",
            ],
        ),
    ] {
        let r = run(&args);
        assert_eq!(r.code, 3, "{flag}: {}", r.stderr);
        assert!(
            r.stderr.starts_with(&format!("relayctl: {flag} ")),
            "{flag}: {}",
            r.stderr
        );
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(r.stdout.is_empty());
    }
}

#[test]
fn missing_password_file_is_an_input_error() {
    let port = closed_port().to_string();
    let r = run(&base(
        &port,
        &[
            "--auth-user",
            "it@example.com",
            "--password-file",
            "/nonexistent/relayctl-password",
        ],
    ));
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("/nonexistent/relayctl-password"));
}

#[test]
fn no_terminal_and_no_password_is_an_input_error() {
    let port = closed_port().to_string();
    let r = run(&base(&port, &["--auth-user", "it@example.com"]));
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("RELAYCTL_PASSWORD"), "{}", r.stderr);
}

#[test]
fn closed_port_is_a_network_error_quickly() {
    let port = closed_port().to_string();
    let t = Instant::now();
    let r = run_with_password(&base(&port, &["--auth-user", "it@example.com"]));
    let took = t.elapsed();
    assert!(took < ends_by(Duration::from_secs(1)), "took {took:?}");
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("127.0.0.1:{port}")),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
    assert!(!r.stderr.contains(PASSWORD) && !r.stdout.contains(PASSWORD));
}

#[test]
fn silent_server_ends_within_the_timeout() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    // Accept and hold the connection, saying nothing, until relayctl has ended (or a
    // minute has passed): only relayctl's own timeout can end the run.
    let (done, held) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let conn = l.accept();
        let _ = held.recv_timeout(Duration::from_secs(60));
        drop(conn);
    });
    let t = Instant::now();
    let r = run_with_password(&base(&port, &["--auth-user", "it@example.com"]));
    let took = t.elapsed();
    let _ = done.send(());
    assert!(took < ends_by(Duration::from_secs(1)), "took {took:?}");
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stderr.contains("no answer within 1 s"), "{}", r.stderr);
    assert!(!r.stderr.contains(PASSWORD) && !r.stdout.contains(PASSWORD));
    holder.join().unwrap();
}

#[test]
fn insecure_warns_loudly() {
    let port = closed_port().to_string();
    let r = run(&base(&port, &["--insecure"]));
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stderr.contains("WARNING: --insecure"), "{}", r.stderr);
}

#[test]
fn ca_file_without_a_certificate_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), "not a certificate\n").unwrap();
    let port = closed_port().to_string();
    let args = base(&port, &["--ca-file", "ca.pem"]);
    let r: Run = relayctl_in(dir.path(), &args).output().unwrap().into();
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("--ca-file"), "{}", r.stderr);
}

/// lettre's debug log holds the AUTH exchange; its `tracing` feature must stay off.
#[test]
fn lettre_logging_stays_off() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("Cargo.toml");
    let line = manifest
        .lines()
        .find(|l| l.starts_with("lettre"))
        .expect("lettre is a dependency");
    assert!(!line.contains("tracing"), "{line}");
}

// ---- Against the in-tree test relay (tests/relay): real TLS with a throw-away CA. ----

const USER: &str = "it@example.com";

/// A test relay, its CA written to `ca.pem` in a temp dir the binary runs in.
struct Fixture {
    dir: tempfile::TempDir,
    relay: TestRelay,
}

impl Fixture {
    fn new(script: Script) -> Fixture {
        let ca = TestCa::new();
        let dir = tempfile::tempdir().unwrap();
        ca.write_pem(&dir.path().join("ca.pem")).unwrap();
        let relay = TestRelay::start(&ca, script);
        Fixture { dir, relay }
    }

    /// `send-test` to the relay on `port/mode` (`starttls` or `tls`), trusting the CA,
    /// with RELAYCTL_PASSWORD set, plus `extra`.
    fn send(&self, mode: &str, extra: &[&str]) -> Run {
        let port = format!("{}/{mode}", self.relay.port());
        let mut args = vec!["send-test", "--host", "127.0.0.1", "--port", &port];
        // Defaults a test may override.
        if !extra.contains(&"--helo") {
            args.extend(["--helo", "mail.example.com"]);
        }
        if !extra.contains(&"--timeout") {
            args.extend(["--timeout", "5"]);
        }
        args.extend([
            "--ca-file",
            "ca.pem",
            "--from",
            "it@example.com",
            "--to",
            "you@example.com",
        ]);
        args.extend_from_slice(extra);
        let r: Run = relayctl_in(self.dir.path(), &args)
            .env("RELAYCTL_PASSWORD", PASSWORD)
            .output()
            .expect("relayctl runs")
            .into();
        self.assert_password_kept(&r);
        r
    }

    /// The password is in nothing printed and never crossed the wire in clear (as is or
    /// base64-encoded at any offset).
    fn assert_password_kept(&self, r: &Run) {
        assert!(!r.stdout.contains(PASSWORD), "stdout: {}", r.stdout);
        assert!(!r.stderr.contains(PASSWORD), "stderr: {}", r.stderr);
        assert!(
            !contains_secret(&self.relay.received_raw(), PASSWORD.as_bytes()),
            "the password crossed the wire in clear:\n{}",
            self.relay.transcript_text()
        );
    }

    /// Nothing reached the relay but the greeting: no AUTH, no message, no password.
    fn assert_nothing_sent(&self) {
        assert!(self.relay.auth_attempts().is_empty(), "AUTH was sent");
        assert!(self.relay.messages().is_empty(), "a message was sent");
        assert!(
            !contains_secret(&self.relay.received(), PASSWORD.as_bytes()),
            "the password reached the relay:\n{}",
            self.relay.transcript_text()
        );
    }
}

/// A secret file (`--oauth-token-file`): its first line, owner-only as required.
fn write_secret(path: &std::path::Path, secret: &str) {
    std::fs::write(path, format!("{secret}\n")).unwrap();
    let private = std::os::unix::fs::PermissionsExt::from_mode(0o600);
    std::fs::set_permissions(path, private).unwrap();
}

fn json(r: &Run) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", r.stdout, r.stderr));
    assert_eq!(v["schema"], "relayctl/send-test/2");
    v["data"].clone()
}

#[test]
fn starttls_with_auth_plain_delivers_the_message() {
    let f = Fixture::new(Script::google().account(USER, PASSWORD));
    let r = f.send("starttls", &["--auth-user", USER]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let first = r.stdout.lines().next().unwrap();
    assert!(first.starts_with("250 2.0.0 OK  "), "{}", r.stdout);
    assert!(first.ends_with(" - gsmtp"), "{}", r.stdout);
    assert!(r
        .stdout
        .contains("\nTLS:        yes, STARTTLS, certificate verified\n"));
    assert!(r
        .stdout
        .contains(&format!("\nAUTH:       {USER} (PLAIN)\n")));
    assert!(r.stdout.contains(&format!("127.0.0.1:{}", f.relay.port())));

    let auth = f.relay.auth_attempts();
    assert_eq!(auth.len(), 1);
    assert!(auth[0].tls && auth[0].accepted, "{:?}", auth[0].mechanism);
    assert_eq!(auth[0].mechanism, "PLAIN");
    let msgs = f.relay.messages();
    assert_eq!(msgs.len(), 1);
    let m = &msgs[0];
    assert!(m.tls);
    assert_eq!(m.from, "it@example.com");
    assert_eq!(m.to, ["you@example.com"]);
    let data = String::from_utf8_lossy(&m.data);
    assert!(data.contains("Subject: relayctl send-test 2"), "{data}");
    assert!(data.contains("Message-ID: <relayctl-send-test."), "{data}");
    assert!(data.contains("@example.com>"), "{data}");
    assert!(data.contains("Date: "), "{data}");
    assert!(data.contains("This is a test message sent by relayctl send-test"));
    assert!(data.contains(&format!("Relay:   127.0.0.1:{}", f.relay.port())));
    assert!(!data.contains(PASSWORD));
}

#[test]
fn json_of_an_accepted_message() {
    let f = Fixture::new(Script::google().account(USER, PASSWORD));
    let r = f.send(
        "starttls",
        &[
            "--auth-user",
            USER,
            "--format",
            "json",
            "--subject",
            "hello",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let d = json(&r);
    assert_eq!(d["accepted"], true);
    assert_eq!(d["step"], serde_json::Value::Null);
    assert_eq!(d["reply"]["code"], 250);
    assert_eq!(d["reply"]["enhanced"], "2.0.0");
    assert_eq!(d["relay"]["tls_start"], "starttls");
    assert_eq!(d["relay"]["encrypted"], true);
    assert_eq!(d["relay"]["certificate_verified"], true);
    assert_eq!(d["auth"]["user"], USER);
    assert_eq!(d["auth"]["mechanism"], "PLAIN");
    assert_eq!(d["auth"]["credentials_sent"], true);
    assert_eq!(d["message"]["subject"], "hello");
    assert!(d["elapsed_ms"].is_u64());
    let data = String::from_utf8_lossy(&f.relay.messages()[0].data).into_owned();
    assert!(data.contains("Subject: hello"), "{data}");
}

#[test]
fn implicit_tls_without_auth_delivers_the_message() {
    let f = Fixture::new(Script::google().tls(TlsMode::Implicit));
    let r = f.send("tls", &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("250 2.0.0 OK  "), "{}", r.stdout);
    assert!(r
        .stdout
        .contains("TLS:        yes, TLS on connect, certificate verified"));
    assert!(r.stdout.contains("AUTH:       none"));
    assert!(f.relay.auth_attempts().is_empty());
    let msgs = f.relay.messages();
    assert_eq!(msgs.len(), 1);
    assert!(msgs[0].tls);
}

#[test]
fn auth_login_when_plain_is_not_offered() {
    let f = Fixture::new(Script::google().account(USER, PASSWORD).caps_after_tls(&[
        "8BITMIME",
        "AUTH LOGIN",
        "ENHANCEDSTATUSCODES",
    ]));
    let r = f.send("starttls", &["--auth-user", USER]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(&format!("AUTH:       {USER} (LOGIN)")));
    let auth = f.relay.auth_attempts();
    assert_eq!(auth.len(), 1);
    assert_eq!(auth[0].mechanism, "LOGIN");
    assert!(auth[0].tls && auth[0].accepted);
}

#[test]
fn rejected_credentials_are_explained() {
    let f = Fixture::new(Script::google().account(USER, "another-password-entirely"));
    let r = f.send("starttls", &["--auth-user", USER]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .starts_with("refused at AUTH: 535 5.7.8 Username and Password not accepted."),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("\nmeaning:    "), "{}", r.stdout);
    assert!(r.stdout.contains("\nfix:        "), "{}", r.stdout);
    assert!(r
        .stdout
        .contains("result:     no message was sent; the credentials were sent over TLS only"));
    let auth = f.relay.auth_attempts();
    assert_eq!(auth.len(), 1);
    assert!(auth[0].tls && !auth[0].accepted);
    assert!(f.relay.messages().is_empty());

    let r = f.send("starttls", &["--auth-user", USER, "--format", "json"]);
    assert_eq!(r.code, 1);
    let d = json(&r);
    assert_eq!(d["accepted"], false);
    assert_eq!(d["step"], "auth");
    assert_eq!(d["reply"]["code"], 535);
    assert_eq!(d["failure"]["kind"], "refused");
    assert_eq!(d["explanation"]["id"], "bad-credentials");
}

#[test]
fn relay_denied_at_rcpt_is_explained() {
    let f = Fixture::new(Script::google().rcpt_reply(google::RELAY_DENIED));
    let r = f.send("starttls", &["--format", "json"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let d = json(&r);
    assert_eq!(d["step"], "rcpt-to");
    assert_eq!(d["failure"]["recipient"], "you@example.com");
    assert_eq!(d["reply"]["code"], 550);
    assert_eq!(d["reply"]["enhanced"], "5.7.0");
    assert_eq!(d["explanation"]["id"], "relay-denied-ip");
    assert_eq!(d["explanation"]["client_ip"], "127.0.0.1");
    assert!(f.relay.messages().is_empty());

    let r = f.send("starttls", &[]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.starts_with(
            "refused at RCPT TO <you@example.com>: 550 5.7.0 Mail relay denied [127.0.0.1]."
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn generic_helo_is_refused_and_explained() {
    let f = Fixture::new(Script::google());
    let r = f.send("starttls", &["--helo", "localhost", "--format", "json"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("warning: HELO \"localhost\""),
        "{}",
        r.stderr
    );
    let d = json(&r);
    assert_eq!(d["step"], "greeting");
    assert_eq!(d["reply"]["code"], 421);
    assert_eq!(d["explanation"]["id"], "helo-rejected");
    assert_eq!(d["explanation"]["temporary"], true);
}

#[test]
fn certificate_problems_stop_before_anything_is_sent() {
    for (kind, mode, problem) in [
        (CertKind::WrongName, "starttls", "not-valid-for-name"),
        (CertKind::Expired, "starttls", "expired"),
        (CertKind::SelfSigned, "starttls", "unknown-issuer"),
        (CertKind::WrongName, "tls", "not-valid-for-name"),
    ] {
        let tls = if mode == "tls" {
            TlsMode::Implicit
        } else {
            TlsMode::StartTls
        };
        let f = Fixture::new(Script::google().tls(tls).cert(kind).account(USER, PASSWORD));
        let r = f.send(mode, &["--auth-user", USER, "--format", "json"]);
        assert_eq!(r.code, 1, "{kind:?} {mode}: {}\n{}", r.stdout, r.stderr);
        let d = json(&r);
        assert_eq!(d["step"], "tls", "{kind:?} {mode}");
        assert_eq!(d["failure"]["kind"], "tls", "{kind:?} {mode}");
        assert_eq!(d["failure"]["problem"], problem, "{kind:?} {mode}");
        assert_eq!(d["auth"]["credentials_sent"], false);
        f.assert_nothing_sent();
    }
}

#[test]
fn wrong_certificate_name_in_text() {
    let f = Fixture::new(
        Script::google()
            .cert(CertKind::WrongName)
            .account(USER, PASSWORD),
    );
    let r = f.send("starttls", &["--auth-user", USER]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .starts_with("TLS failed: the certificate is not valid for this host name\n"),
        "{}",
        r.stdout
    );
    assert!(r
        .stdout
        .contains("result:     no message was sent; no credential was sent"));
    f.assert_nothing_sent();
}

#[test]
fn the_test_ca_is_not_trusted_without_ca_file() {
    let f = Fixture::new(Script::google());
    let port = format!("{}/starttls", f.relay.port());
    let args = [
        "send-test",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--helo",
        "mail.example.com",
        "--from",
        "it@example.com",
        "--to",
        "you@example.com",
        "--format",
        "json",
    ];
    let r: Run = relayctl_in(f.dir.path(), &args).output().unwrap().into();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(json(&r)["failure"]["problem"], "unknown-issuer");
    assert!(f.relay.messages().is_empty());
}

#[test]
fn insecure_sends_despite_a_wrong_name_and_says_so() {
    let f = Fixture::new(Script::google().cert(CertKind::WrongName));
    let r = f.send("starttls", &["--insecure"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("WARNING: --insecure"), "{}", r.stderr);
    assert!(r.stdout.contains("certificate NOT verified (--insecure)"));
    assert_eq!(f.relay.messages().len(), 1);
}

#[test]
fn no_starttls_offered_sends_nothing() {
    let f = Fixture::new(
        Script::google()
            .hostile(Hostile::NoStartTls)
            .account(USER, PASSWORD),
    );
    let r = f.send("starttls", &["--auth-user", USER, "--allow-plaintext-auth"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("no STARTTLS: "), "{}", r.stdout);
    assert!(r.stdout.contains("possible downgrade"));
    assert!(
        r.stderr.contains("--allow-plaintext-auth changes nothing"),
        "{}",
        r.stderr
    );
    f.assert_nothing_sent();
}

#[test]
fn auth_offered_only_before_tls_is_never_used() {
    let f = Fixture::new(
        Script::google()
            .hostile(Hostile::AuthOnlyBeforeTls)
            .account(USER, PASSWORD),
    );
    let r = f.send("starttls", &["--auth-user", USER, "--format", "json"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let d = json(&r);
    assert_eq!(d["step"], "auth");
    assert_eq!(d["failure"]["kind"], "auth-not-offered");
    f.assert_nothing_sent();
}

#[test]
fn silent_implicit_tls_relay_ends_by_the_deadline() {
    let f = Fixture::new(
        Script::google()
            .tls(TlsMode::Implicit)
            .hostile(Hostile::Silent),
    );
    let t = Instant::now();
    let r = f.send("tls", &["--timeout", "1"]);
    let took = t.elapsed();
    assert!(took < ends_by(Duration::from_secs(1)), "took {took:?}");
    assert_eq!(r.code, 4, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("no answer within 1 s"), "{}", r.stderr);
}

#[test]
fn garbage_replies_are_a_protocol_finding() {
    let f = Fixture::new(Script::google().hostile(Hostile::GarbageReply));
    let r = f.send("starttls", &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.starts_with("protocol error at banner/EHLO"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_connection_dropped_at_auth_is_a_network_error() {
    let f = Fixture::new(
        Script::google()
            .hostile(Hostile::DropMidAuth)
            .account(USER, PASSWORD),
    );
    let r = f.send("starttls", &["--auth-user", USER]);
    assert_eq!(r.code, 4, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("at AUTH"), "{}", r.stderr);
    assert!(f.relay.messages().is_empty());
}

#[test]
fn xoauth2_with_a_token_file() {
    let f = Fixture::new(Script::google().account(USER, PASSWORD));
    write_secret(&f.dir.path().join("token"), PASSWORD);
    let r = f.send(
        "starttls",
        &["--auth-user", USER, "--oauth-token-file", "token"],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(&format!("AUTH:       {USER} (XOAUTH2)")));
    let auth = f.relay.auth_attempts();
    assert_eq!(auth.len(), 1);
    assert_eq!(auth[0].mechanism, "XOAUTH2");
    assert!(auth[0].tls && auth[0].accepted);
}

/// Google answers a bad XOAUTH2 token with a 334 error challenge; the client sends an
/// empty line and gets the final 535.
#[test]
fn a_rejected_xoauth2_token_ends_with_the_final_reply() {
    let f = Fixture::new(Script::google().account(USER, "another-token-entirely"));
    write_secret(&f.dir.path().join("token"), PASSWORD);
    let r = f.send(
        "starttls",
        &[
            "--auth-user",
            USER,
            "--oauth-token-file",
            "token",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let d = json(&r);
    assert_eq!(d["step"], "auth");
    assert_eq!(d["reply"]["code"], 535, "{d}");
    assert_eq!(d["auth"]["mechanism"], "XOAUTH2");
    assert!(f.relay.messages().is_empty());
}

/// Hostile relays end by the deadline with bounded memory (the loopback guard), each
/// with its exit status: 1 for what the relay said, 4 for silence or a closed connection.
#[test]
fn hostile_relays_end_by_the_deadline() {
    for (mode, code, said) in [
        (Hostile::SlowDrip, 4, "no answer within 1 s"),
        (Hostile::HugeLine, 1, "protocol error"),
        (Hostile::EndlessContinuation, 1, "protocol error"),
        (Hostile::CloseAfterBanner, 4, "closed"),
    ] {
        let f = Fixture::new(
            Script::google()
                .hostile(mode)
                .drip_every(Duration::from_millis(20)),
        );
        let t = Instant::now();
        let r = f.send("starttls", &["--timeout", "1"]);
        let took = t.elapsed();
        // It must end (the drip would go on for ever), not be fast: a generous bound.
        assert!(
            took < ends_by(Duration::from_secs(1)),
            "{mode:?} took {took:?}"
        );
        assert_eq!(r.code, code, "{mode:?}: {}\n{}", r.stdout, r.stderr);
        assert!(
            r.stdout.contains(said) || r.stderr.contains(said),
            "{mode:?}: {}\n{}",
            r.stdout,
            r.stderr
        );
        assert!(f.relay.messages().is_empty());
    }
}

/// Invalid UTF-8 in the banner and the EHLO greeting is read as probe reads it (U+FFFD):
/// the rest of the dialogue is normal, so the message goes through and the reply shows.
#[test]
fn invalid_utf8_in_the_greeting_is_tolerated_as_in_probe() {
    let f = Fixture::new(Script::google().hostile(Hostile::InvalidUtf8));
    let r = f.send("starttls", &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("250 "), "{}", r.stdout);
    assert_eq!(f.relay.messages().len(), 1);
}

/// A DNS server on 127.0.0.1 that answers every query NXDOMAIN (the question echoed, no
/// records), counting the queries. Lives until the test binary exits.
fn nxdomain_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind a UDP socket");
    let addr = sock.local_addr().expect("local address").to_string();
    let seen = std::sync::Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while let Ok((n, peer)) = sock.recv_from(&mut buf) {
            let q = &buf[..n];
            // Header (12 bytes), then QNAME (labels up to a zero byte), QTYPE, QCLASS.
            let Some(zero) = q.iter().skip(12).position(|&b| b == 0) else {
                continue;
            };
            let end = 12 + zero + 1 + 4;
            if end > n {
                continue;
            }
            count.fetch_add(1, Ordering::SeqCst);
            let mut r = q[..end].to_vec();
            r[2] = 0x80 | (q[2] & 0x79); // QR, opcode and RD as asked
            r[3] = 0x80 | 0x03; // RA, RCODE 3 NXDOMAIN
            r[4..12].copy_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // one question, no records
            let _ = sock.send_to(&r, peer);
        }
    });
    (addr, seen)
}

#[test]
fn a_name_that_does_not_exist_reads_the_same_as_in_probe() {
    let (ns, queries) = nxdomain_server();
    let host = "no-such-relay.example.com";
    let common = [
        "--host",
        host,
        "--helo",
        "mail.example.com",
        "--nameserver",
        ns.as_str(),
        "--timeout",
        "5",
    ];
    let mut send = vec![
        "send-test",
        "--from",
        "it@example.com",
        "--to",
        "you@example.com",
    ];
    send.extend_from_slice(&common);
    let mut probe = vec!["probe"];
    probe.extend_from_slice(&common);
    let s = run(&send);
    let p = run(&probe);
    assert!(
        queries.load(std::sync::atomic::Ordering::SeqCst) >= 4,
        "both asked the server"
    );
    for r in [&s, &p] {
        assert_eq!(r.code, 4, "{}", r.stderr);
        assert!(r.stdout.is_empty(), "{}", r.stdout);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    }
    let want = format!(
        "relayctl: {host}: cannot resolve: A: NXDOMAIN (the name does not exist); \
         AAAA: NXDOMAIN (the name does not exist)"
    );
    assert_eq!(p.stderr.trim_end(), want, "probe");
    assert_eq!(s.stderr.trim_end(), want, "send-test says it as probe does");
}
