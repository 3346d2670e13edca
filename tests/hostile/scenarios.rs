//! The scenarios: each a hostile server behaviour, run with `relayctl probe` (text,
//! `--transcript`, JSON) and `relayctl send-test` (text, JSON), every form at once. The
//! expected behaviour is what a secure client must do (README.md next to this file has
//! the table of exit codes); the shared checks (wall time, no panic, no canary printed
//! or sent before TLS) run on every form.

use std::io;
use std::net::IpAddr;
use std::thread;
use std::time::Duration;

use super::check::{has_finding, session, Case, Form, USER};
use super::dialogue::{Auth, Data, Dialogue, Starttls, INJECTED};
use super::{CertKind, Conn};

fn dialogue(d: Dialogue) -> impl Fn(&mut Conn) -> io::Result<()> + Send + Sync + 'static {
    move |c| d.run(c)
}

fn status(v: &serde_json::Value) -> &str {
    v["status"].as_str().unwrap_or("")
}

/// The probe's AUTH result, `""` when there is no session.
fn auth_result(v: &serde_json::Value) -> &str {
    session(v)["auth"]["result"].as_str().unwrap_or("")
}

fn not_accepted(v: &serde_json::Value) -> bool {
    v["accepted"] == false
}

/// No AUTH command reached the server, in clear or inside TLS.
fn no_auth_sent(o: &super::check::Outcome) -> bool {
    let all = [&o.record.before_tls[..], &o.record.inside_tls[..]].concat();
    !String::from_utf8_lossy(&all)
        .to_ascii_uppercase()
        .lines()
        .any(|l| l.starts_with("AUTH"))
}

/// Inside TLS the server saw no command past AUTH: no MAIL FROM, nothing delivered.
fn no_mail_inside_tls(o: &super::check::Outcome) -> bool {
    !o.record
        .tls_lines
        .iter()
        .any(|l| l.to_ascii_uppercase().starts_with("MAIL"))
}

#[test]
fn stripped_starttls() {
    let mut d = Dialogue::good();
    d.ehlo_plain = &["SIZE 35882577", "AUTH LOGIN PLAIN", "8BITMIME"];
    d.starttls = Starttls::Refuse("502 5.5.1 Unrecognized command");
    Case::new("stripped-starttls", dialogue(d))
        .run()
        .exit_codes(1, 1)
        .probe_json("status fail, starttls-not-offered", |v| {
            status(v) == "fail" && has_finding(v, "starttls-not-offered")
        })
        .send_json("not accepted, failure no-starttls", |v| {
            not_accepted(v) && v["failure"]["kind"] == "no-starttls"
        })
        .each(|_| true, "no AUTH sent", no_auth_sent)
        .finish();
}

#[test]
fn starttls_refused_454() {
    let mut d = Dialogue::good();
    d.starttls = Starttls::Refuse("454 4.7.0 TLS not available due to local problem");
    Case::new("starttls-454", dialogue(d))
        .run()
        .exit_codes(1, 1)
        .probe_json("status fail", |v| status(v) == "fail")
        .send_json("not accepted, stopped at starttls", |v| {
            not_accepted(v) && v["step"] == "starttls"
        })
        .each(|_| true, "no AUTH sent", no_auth_sent)
        .says(|_| true, "454")
        .finish();
}

fn bad_certificate(name: &'static str, kind: CertKind, says: &'static str) {
    let mut d = Dialogue::good();
    d.starttls = Starttls::Ready(kind);
    Case::new(name, dialogue(d))
        .run()
        .exit_codes(1, 1)
        .probe_json("status fail, certificate-invalid", |v| {
            status(v) == "fail" && has_finding(v, "certificate-invalid")
        })
        .send_json("not accepted, failure tls", |v| {
            not_accepted(v) && v["failure"]["kind"] == "tls"
        })
        .each(
            |_| true,
            "nothing sent inside an unverified TLS session",
            |o| o.record.inside_tls.is_empty(),
        )
        .says(|_| true, says)
        .finish();
}

#[test]
fn certificate_for_the_wrong_name() {
    bad_certificate("wrong-name", CertKind::WrongName, "127.0.0.1");
}

#[test]
fn certificate_expired() {
    bad_certificate("expired", CertKind::Expired, "expired");
}

#[test]
fn certificate_self_signed() {
    bad_certificate("self-signed", CertKind::SelfSigned, "unknown");
}

#[test]
fn auth_offered_only_before_tls() {
    let mut d = Dialogue::good();
    d.ehlo_plain = &["AUTH LOGIN PLAIN", "STARTTLS", "ENHANCEDSTATUSCODES"];
    d.ehlo_tls = &["SIZE 35882577", "ENHANCEDSTATUSCODES"];
    Case::new("auth-only-before-tls", dialogue(d))
        .run()
        .exit_codes(1, 1)
        .probe_json("status fail, auth-only-before-tls", |v| {
            status(v) == "fail" && has_finding(v, "auth-only-before-tls")
        })
        .send_json("not accepted, failure auth-not-offered", |v| {
            not_accepted(v) && v["failure"]["kind"] == "auth-not-offered"
        })
        .each(|_| true, "no AUTH sent", no_auth_sent)
        .finish();
}

#[test]
fn auth_334_forever() {
    let mut d = Dialogue::good();
    d.auth = Auth::Forever334;
    Case::new("334-forever", dialogue(d))
        .run()
        .exit_codes(1, 1)
        .probe_json("status fail, AUTH not accepted", |v| {
            status(v) == "fail" && auth_result(v) != "accepted"
        })
        .send_json("not accepted, stopped at auth", |v| {
            not_accepted(v) && v["step"] == "auth"
        })
        // PLAIN went with its initial response: a 334 now is a bad 334, and the client
        // must cancel with `*` (RFC 4954 §4), not send a command into the SASL exchange.
        .each(
            |_| true,
            "the server received `*` right after its 334",
            |o| o.record.notes.iter().any(|n| n == "after-334: *"),
        )
        .each(
            |_| true,
            "no MAIL after the endless AUTH",
            no_mail_inside_tls,
        )
        .finish();
}

#[test]
fn endless_banner() {
    Case::new("endless-banner", |c: &mut Conn| {
        let chunk = "220-hostile.test this banner never ends\r\n".repeat(64);
        loop {
            c.send(chunk.as_bytes())?;
        }
    })
    .steps(1)
    .run()
    .exit_codes(1, 1)
    .probe_json("status fail", |v| status(v) == "fail")
    .send_json("not accepted, stopped at the greeting", |v| {
        not_accepted(v) && v["step"] == "greeting"
    })
    .finish();
}

#[test]
fn ten_megabyte_line() {
    Case::new("10-MB-line", |c: &mut Conn| {
        c.send(b"220 ")?;
        let chunk = vec![b'x'; 64 * 1024];
        for _ in 0..160 {
            c.send(&chunk)?;
        }
        c.send(b"\r\n")?;
        c.drain();
        Ok(())
    })
    .steps(1)
    .run()
    .exit_codes(1, 1)
    .probe_json("status fail", |v| status(v) == "fail")
    .send_json("not accepted, stopped at the greeting", |v| {
        not_accepted(v) && v["step"] == "greeting"
    })
    .finish();
}

#[test]
fn one_byte_a_second() {
    // 120 bytes: two minutes if the client waited per byte instead of per reply.
    Case::new("one-byte-a-second", |c: &mut Conn| {
        let banner = format!("220 hostile.test {}\r\n", "slow ".repeat(20));
        for b in banner.bytes() {
            c.send(&[b])?;
            thread::sleep(Duration::from_secs(1));
        }
        c.drain();
        Ok(())
    })
    .steps(1)
    .run()
    .exit_codes(1, 4)
    .probe_json("status fail", |v| status(v) == "fail")
    .send("one relayctl: line on stderr, no document", |o| {
        o.stdout.is_empty() && o.stderr.starts_with("relayctl: ")
    })
    .finish();
}

#[test]
fn tcp_reset_mid_handshake() {
    let mut d = Dialogue::good();
    d.starttls = Starttls::Reset;
    Case::new("reset-mid-handshake", dialogue(d))
        .run()
        .exit_codes(1, 4)
        .probe_json("status fail, says reset by peer", |v| {
            status(v) == "fail" && v.to_string().contains("reset by peer")
        })
        .says(|_| true, "reset by peer")
        .send("one relayctl: line on stderr, no document", |o| {
            o.stdout.is_empty() && o.stderr.starts_with("relayctl: ")
        })
        .each(|_| true, "no AUTH sent", no_auth_sent)
        .finish();
}

/// Whether `text` names the protocol version problem: "protocol version", or the alert's
/// own name (`ProtocolVersion`, `protocol_version`).
fn names_protocol_version(text: &str) -> bool {
    let squeezed: String = text
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .collect();
    squeezed.contains("protocolversion")
}

#[test]
fn tls_1_0_only_server() {
    let mut d = Dialogue::good();
    d.starttls = Starttls::Tls10Only;
    Case::new("tls-1.0-only", dialogue(d))
        .run()
        .exit_codes(1, 1)
        .probe_json("status fail, names the protocol version", |v| {
            status(v) == "fail" && names_protocol_version(&v.to_string())
        })
        .send_json(
            "not accepted, failure tls, names the protocol version",
            |v| {
                not_accepted(v)
                    && v["failure"]["kind"] == "tls"
                    && names_protocol_version(&v.to_string())
            },
        )
        .each(
            |f| !f.is_json(),
            "does not name the protocol version",
            |o| names_protocol_version(&o.text()),
        )
        .each(|_| true, "no AUTH sent", no_auth_sent)
        .finish();
}

#[test]
fn close_after_banner() {
    Case::new("close-after-banner", |c: &mut Conn| {
        c.reply("220 hostile.test ESMTP")?;
        c.tcp().shutdown(std::net::Shutdown::Write)?;
        c.drain();
        Ok(())
    })
    .run()
    .exit_codes(1, 4)
    .probe_json("status fail, closed", |v| {
        status(v) == "fail" && has_finding(v, "closed")
    })
    .says(|_| true, "closed")
    .send("one relayctl: line on stderr, no document", |o| {
        o.stdout.is_empty() && o.stderr.starts_with("relayctl: ")
    })
    .finish();
}

#[test]
fn binary_garbage() {
    Case::new("binary-garbage", |c: &mut Conn| {
        let mut x: u32 = 0x9e37_79b9;
        let bytes: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x & 0xff) as u8
            })
            .collect();
        c.send(&bytes)?;
        c.drain();
        Ok(())
    })
    .run()
    .exit_codes(1, 1)
    .probe_json("status fail, not-smtp", |v| {
        status(v) == "fail" && has_finding(v, "not-smtp")
    })
    .send_json("not accepted, failure protocol", |v| {
        not_accepted(v) && v["failure"]["kind"] == "protocol"
    })
    .finish();
}

#[test]
fn two_fifty_to_everything() {
    // TLS on connect, then 250 to every line: EHLO (offering AUTH), AUTH, MAIL, RCPT, DATA
    // and each line of the message.
    Case::new("250-to-everything", |c: &mut Conn| {
        c.start_tls(CertKind::Good)?;
        c.reply("220 hostile.test ESMTP")?;
        while let Some(line) = c.line()? {
            if line.to_ascii_uppercase().starts_with("EHLO") {
                c.reply("250-hostile.test\n250-AUTH PLAIN LOGIN\n250 8BITMIME")?;
            } else {
                c.reply("250 2.0.0 OK")?;
            }
        }
        Ok(())
    })
    .mode("tls")
    .run()
    .exit_codes(1, 1)
    .probe_json("status fail, AUTH not accepted", |v| {
        status(v) == "fail" && auth_result(v) != "accepted"
    })
    .send_json("not accepted", not_accepted)
    .send(
        "nothing delivered: no MAIL after a 250 to AUTH",
        no_mail_inside_tls,
    )
    .finish();
}

#[test]
fn ipv6_only_listener() {
    let v6 = IpAddr::from(std::net::Ipv6Addr::LOCALHOST);
    if std::net::TcpListener::bind((v6, 0)).is_err() {
        eprintln!("skipped: this host has no ::1");
        return;
    }
    let mut case = Case::new("ipv6-only", dialogue(Dialogue::good()));
    case.ip = v6;
    case.host = "::1";
    case.run()
        .exit_codes(0, 0)
        .probe_json("status ok, AUTH accepted", |v| {
            status(v) == "ok" && auth_result(v) == "accepted"
        })
        .send_json("accepted with the real queue id", |v| {
            v["accepted"] == true && v.to_string().contains("REAL-QUEUE-ID")
        })
        .finish();
}

#[test]
fn connection_refused() {
    let mut case = Case::new("refused", |_c: &mut Conn| Ok(()));
    case.script = None;
    case.steps = 1;
    case.run()
        .exit_codes(4, 4)
        .probe_json("status fail, connection-refused", |v| {
            status(v) == "fail" && has_finding(v, "connection-refused")
        })
        .send("one relayctl: line on stderr, no document", |o| {
            o.stdout.is_empty() && o.stderr.starts_with("relayctl: ")
        })
        .finish();
}

#[test]
fn accept_and_silent() {
    Case::new("accept-and-silent", |c: &mut Conn| {
        c.drain();
        Ok(())
    })
    .steps(1)
    .run()
    .exit_codes(1, 4)
    .probe_json("status fail, no-reply", |v| {
        status(v) == "fail" && has_finding(v, "no-reply")
    })
    .send("one relayctl: line on stderr, no document", |o| {
        o.stdout.is_empty() && o.stderr.starts_with("relayctl: ")
    })
    .finish();
}

#[test]
fn starttls_response_injection() {
    let mut d = Dialogue::good();
    d.starttls = Starttls::Inject;
    assert!(INJECTED.ends_with(b"FORGED-BY-MITM\r\n"));
    // The injected bytes are discarded (RFC 3207 §4.2) and the session goes on with the
    // verified TLS server: both commands succeed and warn. What must never happen is the
    // forged reply being read as the TLS server's (the old send-test printed it as the
    // queue id and said "accepted" while the real server had seen only EHLO).
    Case::new("starttls-injection", dialogue(d))
        .run()
        .exit_codes(0, 0)
        .probe_json("a starttls-injection warning, status warn", |v| {
            status(v) == "warn"
                && super::check::findings(v)
                    .iter()
                    .any(|(id, st)| id == "starttls-injection" && st == "warning")
        })
        .probe_json("the injected 250 is not the EHLO answer inside TLS", |v| {
            !session(v)["capabilities_tls"]
                .to_string()
                .contains("FORGED-BY-MITM")
        })
        .send_json(
            "accepted by the real TLS server (its queue id), with the injection warned",
            |v| {
                v["accepted"] == true
                    && v["reply"].to_string().contains("REAL-QUEUE-ID")
                    && !v.to_string().contains("FORGED-BY-MITM")
                    && v["findings"].as_array().is_some_and(|a| {
                        a.iter().any(|f| {
                            f["rule"] == "starttls-injection" && f["severity"] == "warning"
                        })
                    })
            },
        )
        .says(Form::is_probe, "inject")
        .send("says the server injected bytes before TLS", |o| {
            o.text().to_ascii_lowercase().contains("inject")
        })
        .send("never shows the forged reply", |o| {
            !o.text().contains("FORGED-BY-MITM")
        })
        .finish();
}

fn credential_echo(name: &'static str, mech: &'static str) {
    let mut d = Dialogue::good();
    d.auth = Auth::Echo;
    Case::new(name, dialogue(d))
        .mech(mech)
        .run()
        .exit_codes(1, 1)
        .probe_json("status fail, bad-credentials, AUTH rejected", |v| {
            status(v) == "fail" && has_finding(v, "bad-credentials") && auth_result(v) == "rejected"
        })
        .send_json("not accepted, stopped at auth", |v| {
            not_accepted(v) && v["step"] == "auth"
        })
        // The canary check on stdout and stderr is the shared one; this one proves the
        // server did echo it (the scenario is real).
        .each(
            |_| true,
            "the server received the credentials inside TLS",
            |o| super::check::canary_in(&o.record.inside_tls).is_some(),
        )
        .finish();
}

#[test]
fn credential_echo_plain() {
    credential_echo("credential-echo-plain", "plain");
}

#[test]
fn credential_echo_login() {
    credential_echo("credential-echo-login", "login");
}

#[test]
fn auth_answered_250() {
    let mut d = Dialogue::good();
    d.auth = Auth::Reply("250 2.7.0 Fine, go on");
    Case::new("auth-250", dialogue(d))
        .run()
        .exit_codes(1, 1)
        .probe_json("status fail, AUTH not accepted", |v| {
            status(v) == "fail" && auth_result(v) != "accepted"
        })
        .send_json("not accepted, stopped at auth", |v| {
            not_accepted(v) && v["step"] == "auth"
        })
        .send("no MAIL after a 250 to AUTH", no_mail_inside_tls)
        .finish();
}

#[test]
fn data_answered_250_before_the_dot() {
    let mut d = Dialogue::good();
    d.data = Data::Early250;
    Case::new("data-early-250", dialogue(d))
        .run()
        .exit_codes(0, 1)
        .probe_json("status ok (probe sends no DATA)", |v| status(v) == "ok")
        .probe("probe never sends DATA", |o| {
            !o.record
                .tls_lines
                .iter()
                .any(|l| l.eq_ignore_ascii_case("DATA"))
        })
        .send_json("not accepted, stopped at data", |v| {
            not_accepted(v) && v["step"] == "data"
        })
        .send("no message lines after a 250 to DATA", |o| {
            !o.record
                .tls_lines
                .iter()
                .any(|l| l.to_ascii_lowercase().starts_with("subject:") || l == ".")
        })
        .finish();
}

#[test]
fn bad_334_after_login_password_is_cancelled() {
    let mut d = Dialogue::good();
    d.auth = Auth::Bad334AfterPassword;
    d.ehlo_tls = &["AUTH LOGIN", "ENHANCEDSTATUSCODES"];
    Case::new("bad-334-login", dialogue(d))
        .mech("login")
        .run()
        .exit_codes(1, 1)
        .each(
            |_| true,
            "the server received `*` right after its bad 334",
            |o| o.record.notes.iter().any(|n| n == "after-bad-334: *"),
        )
        .probe_json("status fail, AUTH not accepted", |v| {
            status(v) == "fail" && auth_result(v) != "accepted"
        })
        .send_json("not accepted, stopped at auth", |v| {
            not_accepted(v) && v["step"] == "auth"
        })
        .finish();
}

/// The kit itself: a canary in any spelling is found, and a clean text is not.
#[test]
fn kit_finds_the_canary_in_every_spelling() {
    use super::check::{canary_in, PASSWORD};
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    let plain = STANDARD.encode(format!("\0{USER}\0{PASSWORD}"));
    for hay in [
        format!("xx {PASSWORD} yy"),
        format!("AUTH PLAIN {plain}\r\n"),
        format!("{}\r\n", STANDARD.encode(PASSWORD)),
        format!("{}\r\n", STANDARD.encode(USER)),
        format!("535 {}", STANDARD.encode(format!("a{PASSWORD}"))),
        format!("535 {}", STANDARD.encode(format!("ab{PASSWORD}"))),
    ] {
        assert!(canary_in(hay.as_bytes()).is_some(), "{hay}");
    }
    assert!(canary_in(format!("AUTH as {USER} (credentials redacted)").as_bytes()).is_none());
    let _ = Form::ALL;
}
