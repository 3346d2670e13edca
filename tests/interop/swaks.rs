//! swaks (Debian's) against the real Postfix + Dovecot relay of mailserver.rs: what each
//! port accepts and refuses, seen by an independent SMTP client. `swaks_verdict` sums up a
//! swaks run (TLS, AUTH, RCPT) so that relayctl probe's conclusions can be compared with
//! it on the same server. The password reaches swaks through its environment
//! (SWAKS_OPT_auth_password), never its argv.

use crate::harness::run;
use crate::mailserver::{MailServer, DISCARD_STATUS};
use std::process::Command;
use std::time::Duration;

const HINT: &str = "run `bash tests/harness/postfix-dovecot.sh install` as root";

/// A HELO name the server accepts (a bad one is `localhost`).
pub const HELO: &str = "client.relayctl.test";
/// Envelope sender and recipient of the tests; the server relays them for IP-trusted or
/// authenticated clients and discards what it accepts.
pub const MAIL_FROM: &str = "sender@example.com";
pub const RCPT: &str = "rcpt@example.net";

/// How swaks reaches the server: plain, STARTTLS or TLS on connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwaksTls {
    Plain,
    StartTls,
    OnConnect,
}

/// One swaks run: its exit code (None when killed at the time limit) and what it printed.
pub struct SwaksRun {
    pub code: Option<i32>,
    pub transcript: String,
}

/// Runs swaks against 127.0.0.1:`port`, verifying the server certificate against the
/// server's CA, with `extra` arguments appended. With `password`, swaks authenticates
/// (AUTH is implied by a password) as the server's user.
pub fn swaks(
    server: &MailServer,
    port: u16,
    tls: SwaksTls,
    password: Option<&str>,
    extra: &[&str],
) -> SwaksRun {
    let swaks = std::path::Path::new("/usr/bin/swaks");
    assert!(swaks.is_file(), "{} is missing: {HINT}", swaks.display());
    let home = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new(swaks);
    // `--config` without an argument: no ~/.swaksrc, whatever the machine has.
    cmd.args(["--config", "--server", "127.0.0.1", "--timeout", "10"])
        .args(["--port", &port.to_string()])
        .args(["--tls-verify", "--tls-ca-path"])
        .arg(server.ca_pem_path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path());
    match tls {
        SwaksTls::Plain => {}
        SwaksTls::StartTls => {
            cmd.arg("--tls");
        }
        SwaksTls::OnConnect => {
            cmd.arg("--tls-on-connect");
        }
    }
    if let Some(pw) = password {
        cmd.args(["--auth-user", server.user()])
            .env("SWAKS_OPT_auth_password", pw);
    }
    cmd.args(extra);
    let out = run(cmd, None, Duration::from_secs(60));
    SwaksRun {
        code: out.status.and_then(|s| s.code()),
        transcript: out.all(),
    }
}

/// What a swaks run established, from its exit code and transcript (swaks(1), EXIT CODES:
/// 0 no error, 2 connect, 6 connection closed unexpectedly, 21 banner, 22 HELO, 23 MAIL,
/// 24 no RCPT accepted, 25 DATA, 26 message refused after DATA, 28 AUTH, 29 TLS,
/// 32 EHLO after TLS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwaksVerdict {
    /// swaks' exit code (None: killed at the time limit).
    pub code: Option<i32>,
    /// The step swaks stopped at with an error, None when it exited 0.
    pub failed_step: Option<SwaksStep>,
    /// A TLS session was established (STARTTLS or on connect).
    pub tls: bool,
    /// None: no AUTH was attempted; Some(true): 235; Some(false): refused, failed, or
    /// AUTH not offered when asked for.
    pub auth: Option<bool>,
    /// Number of RCPT TO commands answered 2xx.
    pub rcpts_accepted: usize,
    /// The first 4xx/5xx reply, as the server sent it (e.g. `554 5.7.1 <x>: Relay access
    /// denied`).
    pub first_error_reply: Option<String>,
}

/// The SMTP step a swaks exit code names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwaksStep {
    Connect,
    ClosedUnexpectedly,
    Banner,
    Helo,
    Mail,
    Rcpt,
    Data,
    DataEnd,
    Quit,
    Auth,
    Tls,
    EhloAfterTls,
    /// Another code: option errors (1), missing Perl modules (10), XCLIENT/PROXY/PRDR.
    Other(i32),
}

impl SwaksStep {
    fn from_code(code: i32) -> SwaksStep {
        match code {
            2 => SwaksStep::Connect,
            6 => SwaksStep::ClosedUnexpectedly,
            21 => SwaksStep::Banner,
            22 => SwaksStep::Helo,
            23 => SwaksStep::Mail,
            24 => SwaksStep::Rcpt,
            25 => SwaksStep::Data,
            26 => SwaksStep::DataEnd,
            27 => SwaksStep::Quit,
            28 => SwaksStep::Auth,
            29 => SwaksStep::Tls,
            32 => SwaksStep::EhloAfterTls,
            other => SwaksStep::Other(other),
        }
    }
}

/// One transcript line: swaks marks what it sent with `->` (`~>` inside TLS), what it
/// received with `<-` (`<~` inside TLS; `<**` and `<~*` for error replies), its own notes
/// with `===` and its errors with `***`.
enum Line<'a> {
    Sent(&'a str),
    Received(&'a str),
    Info(&'a str),
    Error(&'a str),
}

fn classify(line: &str) -> Option<Line<'_>> {
    let (marker, rest) = line.split_at_checked(4)?;
    match marker {
        " -> " | " ~> " => Some(Line::Sent(rest)),
        "<-  " | "<** " | "<~  " | "<~* " => Some(Line::Received(rest)),
        "=== " => Some(Line::Info(rest)),
        "*** " => Some(Line::Error(rest)),
        _ => None,
    }
}

fn reply_code(reply: &str) -> Option<u16> {
    reply.get(..3)?.parse().ok()
}

/// Sums up a swaks run; see [`SwaksVerdict`].
pub fn swaks_verdict(run: &SwaksRun) -> SwaksVerdict {
    let mut tls = false;
    let mut auth = None;
    let mut rcpts_accepted = 0;
    let mut first_error_reply = None;
    // What the next reply answers. swaks does not pipeline unless told to, so a reply
    // answers the last line sent; inside an AUTH exchange that line may be a base64
    // answer to a 334 challenge.
    let mut answering_rcpt = false;
    let mut in_auth = false;
    for line in run.transcript.lines().filter_map(classify) {
        match line {
            Line::Sent(cmd) => {
                let upper = cmd.to_ascii_uppercase();
                answering_rcpt = upper.starts_with("RCPT TO");
                in_auth = upper.starts_with("AUTH ") || (in_auth && is_base64_line(cmd));
            }
            Line::Info(note) if note.starts_with("TLS started") => tls = true,
            Line::Error(e) if e.contains("did not advertise authentication") => auth = Some(false),
            Line::Received(reply) => {
                let code = reply_code(reply);
                if code.is_some_and(|c| c >= 400) && first_error_reply.is_none() {
                    first_error_reply = Some(reply.to_owned());
                }
                // A multi-line reply counts once, at its last line (`250 ` not `250-`).
                if reply.as_bytes().get(3) == Some(&b'-') {
                    continue;
                }
                match code {
                    Some(200..=299) if answering_rcpt => rcpts_accepted += 1,
                    Some(235) if in_auth => auth = Some(true),
                    Some(334) => {}
                    Some(_) if in_auth => auth = Some(false),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    SwaksVerdict {
        code: run.code,
        failed_step: run.code.filter(|&c| c != 0).map(SwaksStep::from_code),
        tls,
        auth,
        rcpts_accepted,
        first_error_reply,
    }
}

fn is_base64_line(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// The envelope arguments of the tests, stopping after RCPT TO (nothing is sent).
fn envelope(helo: &str) -> Vec<&str> {
    vec![
        "--helo",
        helo,
        "--from",
        MAIL_FROM,
        "--to",
        RCPT,
        "--quit-after",
        "RCPT",
    ]
}

#[track_caller]
fn check(run: &SwaksRun, want: &SwaksVerdict) {
    let got = swaks_verdict(run);
    assert_eq!(&got, want, "swaks transcript:\n{}", run.transcript);
}

fn verdict(
    code: i32,
    tls: bool,
    auth: Option<bool>,
    rcpts_accepted: usize,
    first_error_reply: Option<&str>,
) -> SwaksVerdict {
    SwaksVerdict {
        code: Some(code),
        failed_step: (code != 0).then(|| SwaksStep::from_code(code)),
        tls,
        auth,
        rcpts_accepted,
        first_error_reply: first_error_reply.map(str::to_owned),
    }
}

/// EHLO keywords of the last EHLO reply in a transcript (without the greeting line).
fn ehlo_keywords(transcript: &str) -> Vec<String> {
    let mut all = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut in_ehlo = false;
    for line in transcript.lines().filter_map(classify) {
        match line {
            Line::Sent(cmd) => {
                in_ehlo = cmd.starts_with("EHLO");
                if in_ehlo {
                    current.clear();
                }
            }
            Line::Received(reply) if in_ehlo => {
                current.push(reply.get(4..).unwrap_or_default().to_owned());
                if reply.as_bytes().get(3) != Some(&b'-') {
                    all.clone_from(&current);
                    all.remove(0);
                    in_ehlo = false;
                }
            }
            _ => {}
        }
    }
    all
}

#[test]
fn port_25_role_starttls_envelope_relays_by_ip_without_auth() {
    let server = MailServer::start();
    let (p25, _, _) = server.ports();

    // STARTTLS with a verified certificate, then the envelope: relayed for 127.0.0.1.
    let run = swaks(&server, p25, SwaksTls::StartTls, None, &envelope(HELO));
    check(&run, &verdict(0, true, None, 1, None));
    assert!(
        run.transcript.contains("250-STARTTLS"),
        "{}",
        run.transcript
    );
    assert!(
        run.transcript
            .contains("<-  220 mx.relayctl.test ESMTP relayctl interop relay (Postfix)"),
        "{}",
        run.transcript
    );
    assert!(!ehlo_keywords(&run.transcript)
        .iter()
        .any(|k| k.starts_with("AUTH")));

    // TLS is optional on this port (smtpd_tls_security_level = may).
    let run = swaks(&server, p25, SwaksTls::Plain, None, &envelope(HELO));
    check(&run, &verdict(0, false, None, 1, None));

    // No AUTH on this port, even after STARTTLS.
    let pw = server.password().to_owned();
    let run = swaks(&server, p25, SwaksTls::StartTls, Some(&pw), &envelope(HELO));
    check(&run, &verdict(28, true, Some(false), 0, None));
}

#[test]
fn port_465_role_tls_on_connect_auth_plain_good_and_bad() {
    let server = MailServer::start();
    let (_, p465, _) = server.ports();
    let mut args = envelope(HELO);
    args.extend(["--auth", "PLAIN"]);

    let pw = server.password().to_owned();
    let run = swaks(&server, p465, SwaksTls::OnConnect, Some(&pw), &args);
    check(&run, &verdict(0, true, Some(true), 1, None));
    assert_eq!(
        ehlo_keywords(&run.transcript),
        [
            "PIPELINING",
            "SIZE 10240000",
            "VRFY",
            "ETRN",
            "AUTH PLAIN LOGIN",
            "ENHANCEDSTATUSCODES",
            "8BITMIME",
            "DSN",
            "SMTPUTF8",
            "CHUNKING"
        ]
    );
    assert!(
        !run.transcript.contains(&pw),
        "swaks printed the password in clear"
    );

    let run = swaks(
        &server,
        p465,
        SwaksTls::OnConnect,
        Some("wrong-password"),
        &args,
    );
    check(
        &run,
        &verdict(
            28,
            true,
            Some(false),
            0,
            Some("535 5.7.8 Error: authentication failed: (reason unavailable)"),
        ),
    );
    assert!(server.dovecot_log().contains("Password mismatch"));

    // Plain TCP to the TLS port: the TLS server waits for a ClientHello, swaks for a
    // banner; the server gives up first and closes (no banner).
    let run = swaks(
        &server,
        p465,
        SwaksTls::Plain,
        None,
        &["--quit-after", "BANNER", "--timeout", "2"],
    );
    assert_eq!(
        swaks_verdict(&run).failed_step,
        Some(SwaksStep::Banner),
        "{}",
        run.transcript
    );
}

#[test]
fn port_587_role_requires_starttls_and_auth() {
    let server = MailServer::start();
    let (_, _, p587) = server.ports();
    let pw = server.password().to_owned();
    let mut login = envelope(HELO);
    login.extend(["--auth", "LOGIN"]);

    let run = swaks(&server, p587, SwaksTls::StartTls, Some(&pw), &login);
    check(&run, &verdict(0, true, Some(true), 1, None));
    // RFC 3207 §4.2: the EHLO after STARTTLS is a new list; AUTH appears only there.
    let before_tls = run
        .transcript
        .split("TLS started")
        .next()
        .unwrap_or_default();
    assert!(!before_tls.contains("AUTH"), "{before_tls}");
    assert!(before_tls.contains("250-STARTTLS"), "{before_tls}");

    let run = swaks(
        &server,
        p587,
        SwaksTls::StartTls,
        Some("wrong-password"),
        &login,
    );
    check(
        &run,
        &verdict(
            28,
            true,
            Some(false),
            0,
            Some("535 5.7.8 Error: authentication failed: (reason unavailable)"),
        ),
    );

    // TLS but no AUTH: the envelope is refused at RCPT.
    let run = swaks(&server, p587, SwaksTls::StartTls, None, &envelope(HELO));
    check(
        &run,
        &verdict(
            24,
            true,
            None,
            0,
            Some("554 5.7.1 <rcpt@example.net>: Relay access denied"),
        ),
    );

    // No TLS: MAIL is refused, and AUTH is not even offered.
    let run = swaks(&server, p587, SwaksTls::Plain, None, &envelope(HELO));
    check(
        &run,
        &verdict(
            23,
            false,
            None,
            0,
            Some("530 5.7.0 Must issue a STARTTLS command first"),
        ),
    );
    let run = swaks(&server, p587, SwaksTls::Plain, Some(&pw), &login);
    check(&run, &verdict(28, false, Some(false), 0, None));
}

#[test]
fn message_through_587_is_delivered_to_discard() {
    let server = MailServer::start();
    let (_, _, p587) = server.ports();
    let pw = server.password().to_owned();
    let run = swaks(
        &server,
        p587,
        SwaksTls::StartTls,
        Some(&pw),
        &[
            "--helo",
            HELO,
            "--from",
            MAIL_FROM,
            "--to",
            RCPT,
            "--auth",
            "PLAIN",
            "--header",
            "Subject: relayctl interop",
        ],
    );
    check(&run, &verdict(0, true, Some(true), 1, None));
    let queued = run
        .transcript
        .lines()
        .find_map(|l| l.split("queued as ").nth(1))
        .unwrap_or_else(|| panic!("no queue id:\n{}", run.transcript))
        .trim()
        .to_owned();
    let line = server.wait_for_log_line(
        &[&queued, &format!("to=<{RCPT}>"), DISCARD_STATUS],
        Duration::from_secs(10),
    );
    assert!(line.contains("postfix/discard"), "{line}");
    let sasl = server.wait_for_log_line(&[&queued, "sasl_username="], Duration::from_secs(1));
    assert!(
        sasl.contains(&format!("sasl_username={}", server.user())),
        "{sasl}"
    );
}

#[test]
fn helo_localhost_is_refused_with_421_on_every_port() {
    let server = MailServer::start();
    let (p25, p465, p587) = server.ports();
    let want = "421 4.7.0 <localhost>: Helo command rejected: Try again later, closing \
                connection. (EHLO)";
    for (port, tls) in [
        (p25, SwaksTls::StartTls),
        (p465, SwaksTls::OnConnect),
        (p587, SwaksTls::StartTls),
    ] {
        let run = swaks(&server, port, tls, None, &envelope("localhost"));
        let v = swaks_verdict(&run);
        assert_eq!(
            v.first_error_reply.as_deref(),
            Some(want),
            "{port}: {}",
            run.transcript
        );
        // After the 421 swaks falls back to HELO and finds the connection closed.
        assert_eq!(
            v.failed_step,
            Some(SwaksStep::ClosedUnexpectedly),
            "{port}: {}",
            run.transcript
        );
        assert_eq!(v.rcpts_accepted, 0);
    }
    // Any other name passes (Postfix matches `localhost` and its subdomains).
    let run = swaks(
        &server,
        p25,
        SwaksTls::Plain,
        None,
        &envelope("localhost.example.com"),
    );
    check(&run, &verdict(0, false, None, 1, None));
}
