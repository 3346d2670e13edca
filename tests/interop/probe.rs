//! `relayctl probe` and `relayctl send-test` against real Postfix with Dovecot SASL
//! (tests/interop/mailserver.rs), each conclusion compared with swaks' on the same server
//! in the same test: TLS established, AUTH accepted or not, recipients accepted.

use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::harness::run;
use crate::mailserver::{MailServer, DISCARD_STATUS};
use crate::swaks::{swaks, swaks_verdict, SwaksTls};

const HELO: &str = "client.relayctl.test";
const FROM: &str = "it@example.com";
const RCPT: &str = "you@example.org";

/// What both tools say about one port.
#[derive(Debug, PartialEq, Eq)]
struct Conclusion {
    tls: bool,
    /// None: AUTH not attempted; Some(true): accepted; Some(false): refused or not offered.
    auth: Option<bool>,
    rcpts_accepted: usize,
}

struct Probe {
    code: Option<i32>,
    doc: Value,
    stdout: String,
    stderr: String,
}

/// Runs `relayctl probe --format json` with `ports` (`PORT/starttls`, `PORT/tls`);
/// `password`: Some(the password file's content) to authenticate as the server's user.
fn probe(
    server: &MailServer,
    ports: &[String],
    auth: Option<&std::path::Path>,
    extra: &[&str],
) -> Probe {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_relayctl"));
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .args(["probe", "--host", "127.0.0.1", "--timeout", "10"])
        .arg("--ca-file")
        .arg(server.ca_pem_path())
        .args(["--format", "json"]);
    for p in ports {
        cmd.args(["--port", p]);
    }
    if let Some(pw) = auth {
        cmd.args(["--auth-user", server.user()])
            .arg("--password-file")
            .arg(pw);
    }
    if !extra.contains(&"--helo") {
        cmd.args(["--helo", HELO]);
    }
    cmd.args(extra);
    let out = run(cmd, None, Duration::from_secs(60));
    let stdout = out.stdout.clone();
    let stderr = out.stderr.clone();
    let doc: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("probe JSON: {e}\nstdout: {stdout}\nstderr: {stderr}"));
    assert_eq!(doc["schema"], "relayctl/probe/2");
    Probe {
        code: out.status.and_then(|s| s.code()),
        doc,
        stdout,
        stderr,
    }
}

/// The probe's conclusion for the connection to `port`.
fn probe_conclusion(p: &Probe, port: u16) -> Conclusion {
    let endpoints = p.doc["data"]["endpoints"].as_array().expect("endpoints");
    let e = endpoints
        .iter()
        .find(|e| {
            e["address"]
                .as_str()
                .is_some_and(|a| a.ends_with(&format!(":{port}")))
        })
        .unwrap_or_else(|| panic!("no endpoint for {port}: {}", p.stdout));
    let s = &e["session"];
    let auth = match s["auth"]["result"].as_str() {
        Some("not-asked") => None,
        Some("accepted") => Some(true),
        _ => Some(false),
    };
    let rcpts_accepted = s["rcpt_to"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter(|x| {
                    x["reply"]["code"]
                        .as_u64()
                        .is_some_and(|c| (200..300).contains(&c))
                })
                .count()
        })
        .unwrap_or(0);
    Conclusion {
        tls: !s["tls"].is_null(),
        auth,
        rcpts_accepted,
    }
}

fn swaks_conclusion(
    server: &MailServer,
    port: u16,
    tls: SwaksTls,
    password: Option<&str>,
    helo: &str,
) -> Conclusion {
    let run = swaks(
        server,
        port,
        tls,
        password,
        &[
            "--ehlo",
            helo,
            "--from",
            FROM,
            "--to",
            RCPT,
            "--quit-after",
            "RCPT",
        ],
    );
    let v = swaks_verdict(&run);
    Conclusion {
        tls: v.tls,
        auth: v.auth,
        rcpts_accepted: v.rcpts_accepted,
    }
}

fn port_status<'a>(p: &'a Probe, port: &str) -> &'a str {
    p.doc["data"]["ports"]
        .as_array()
        .and_then(|ps| ps.iter().find(|x| x["port"] == port))
        .and_then(|x| x["status"].as_str())
        .unwrap_or_else(|| panic!("no port {port}: {}", p.stdout))
}

fn finding_ids(p: &Probe) -> Vec<String> {
    let mut ids = Vec::new();
    for port in p.doc["data"]["ports"].as_array().into_iter().flatten() {
        for f in port["findings"].as_array().into_iter().flatten() {
            ids.push(f["rule"].as_str().unwrap_or_default().to_owned());
        }
    }
    ids
}

#[test]
fn three_ports_agree_with_swaks() {
    let server = MailServer::start();
    let (p25, p465, p587) = server.ports();
    let pw = server.password_file();
    // The 25 role relays by client address, without AUTH, as Google's IP mode does.
    let ip = probe(
        &server,
        &[format!("{p25}/starttls")],
        None,
        &["--mail-from", FROM, "--rcpt", RCPT],
    );
    assert_eq!(ip.code, Some(0), "{}{}", ip.stdout, ip.stderr);
    assert_eq!(
        probe_conclusion(&ip, p25),
        swaks_conclusion(&server, p25, SwaksTls::StartTls, None, HELO)
    );
    assert_eq!(
        probe_conclusion(&ip, p25),
        Conclusion {
            tls: true,
            auth: None,
            rcpts_accepted: 1
        }
    );
    // 465 (TLS on connect) and 587 (STARTTLS, AUTH required) with the Dovecot user.
    let auth = probe(
        &server,
        &[format!("{p465}/tls"), format!("{p587}/starttls")],
        Some(&pw),
        &["--mail-from", FROM, "--rcpt", RCPT],
    );
    assert_eq!(auth.code, Some(0), "{}{}", auth.stdout, auth.stderr);
    for (port, tls) in [(p465, SwaksTls::OnConnect), (p587, SwaksTls::StartTls)] {
        let mine = probe_conclusion(&auth, port);
        assert_eq!(
            mine,
            swaks_conclusion(&server, port, tls, Some(server.password()), HELO),
            "port {port}"
        );
        assert_eq!(
            mine,
            Conclusion {
                tls: true,
                auth: Some(true),
                rcpts_accepted: 1
            },
            "port {port}"
        );
    }
    assert_eq!(
        auth.doc["data"]["recommendation"]["port"],
        format!("{p587}"),
        "587's role is preferred: {}",
        auth.stdout
    );
    // The password never appears in what relayctl printed.
    for p in [&ip, &auth] {
        assert!(!p.stdout.contains(server.password()) && !p.stderr.contains(server.password()));
    }
}

#[test]
fn refusals_agree_with_swaks() {
    let server = MailServer::start();
    let (_, _, p587) = server.ports();
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad-password");
    std::fs::write(&bad, "not-the-password-123\n").expect("write");
    // Owner-only, as relayctl requires of a password file.
    let private = std::os::unix::fs::PermissionsExt::from_mode(0o600);
    std::fs::set_permissions(&bad, private).expect("chmod 600");

    // A wrong password: AUTH refused by Dovecot through Postfix.
    let p = probe(&server, &[format!("{p587}/starttls")], Some(&bad), &[]);
    assert_eq!(p.code, Some(1), "{}{}", p.stdout, p.stderr);
    assert_eq!(port_status(&p, &p587.to_string()), "fail");
    let mine = probe_conclusion(&p, p587);
    let theirs = swaks_conclusion(
        &server,
        p587,
        SwaksTls::StartTls,
        Some("not-the-password-123"),
        HELO,
    );
    assert_eq!((mine.tls, mine.auth), (theirs.tls, theirs.auth));
    assert_eq!(mine.auth, Some(false));

    // No AUTH on the submission role: the relay refuses the recipient.
    let p = probe(
        &server,
        &[format!("{p587}/starttls")],
        None,
        &["--mail-from", FROM, "--rcpt", RCPT],
    );
    assert_eq!(p.code, Some(1), "{}{}", p.stdout, p.stderr);
    assert_eq!(
        probe_conclusion(&p, p587),
        swaks_conclusion(&server, p587, SwaksTls::StartTls, None, HELO)
    );
    assert_eq!(probe_conclusion(&p, p587).rcpts_accepted, 0);

    // HELO localhost: the server answers Google's 421 and hangs up.
    let p = probe(
        &server,
        &[format!("{p587}/starttls")],
        None,
        &["--helo", "localhost"],
    );
    assert_eq!(p.code, Some(1), "{}{}", p.stdout, p.stderr);
    assert!(
        finding_ids(&p).iter().any(|id| id == "helo-rejected"),
        "{}",
        p.stdout
    );
    let theirs = swaks_verdict(&swaks(
        &server,
        p587,
        SwaksTls::StartTls,
        None,
        &[
            "--ehlo",
            "localhost",
            "--quit-after",
            "RCPT",
            "--from",
            FROM,
            "--to",
            RCPT,
        ],
    ));
    assert!(theirs.failed_step.is_some(), "swaks fails too: {theirs:?}");
}

fn send_test(server: &MailServer, port: String, auth: bool) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_relayctl"));
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .args([
            "send-test",
            "--host",
            "127.0.0.1",
            "--helo",
            HELO,
            "--timeout",
            "10",
        ])
        .args(["--port", &port, "--from", FROM, "--to", RCPT])
        .arg("--ca-file")
        .arg(server.ca_pem_path());
    if auth {
        cmd.args(["--auth-user", server.user()])
            .arg("--password-file")
            .arg(server.password_file());
    }
    let out = run(cmd, None, Duration::from_secs(60));
    (
        out.status.and_then(|s| s.code()),
        out.stdout.clone(),
        out.stderr.clone(),
    )
}

#[test]
fn send_test_is_delivered_to_the_discard_transport() {
    let server = MailServer::start();
    let (p25, p465, p587) = server.ports();
    for (port, auth) in [
        (format!("{p587}/starttls"), true),
        (format!("{p465}/tls"), true),
        (format!("{p25}/starttls"), false),
    ] {
        let (code, out, err) = send_test(&server, port.clone(), auth);
        assert_eq!(code, Some(0), "{port}: {out}{err}");
        // Postfix's final reply names its queue id: `250 2.0.0 Ok: queued as 4Xyz...`.
        let first = out.lines().next().unwrap_or_default();
        let queue_id = first
            .split("queued as ")
            .nth(1)
            .unwrap_or_else(|| panic!("{port}: no queue id in {out}"))
            .trim()
            .to_owned();
        let log = server.wait_for_log_line(&[&queue_id, DISCARD_STATUS], Duration::from_secs(20));
        assert!(log.contains(&queue_id), "{port}: {log}");
        assert!(!out.contains(server.password()) && !err.contains(server.password()));
    }
}
