//! Text and JSON renderings of `send-test`: the relay's final reply (with its queue id),
//! or the step that stopped the session and what to do about it, the probe's warnings
//! about the connection, and the transcript. Pure: writes to the writer it is given.
//! Sessions carry no secret (the session redacts credentials, whichever side echoes
//! them), so nothing here can print one.

use std::io::{self, Write};
use std::net::SocketAddr;

use serde::Serialize;

use super::untrusted::untrusted;
use crate::probe::send::{Failure, Reply, SendOutcome, Session, Step, Stopped};
use crate::probe::Finding;
use crate::smtp::transcript::Transcript;
use crate::smtp::{Mechanism, TlsStart};

/// The schema id of `relayctl send-test --format json`.
pub const SCHEMA: &str = "relayctl/send-test/2";

pub use crate::explain::Advice;

/// The result to render.
#[derive(Debug, Clone, Copy)]
pub enum SendResult<'a> {
    /// The relay accepted the message.
    Accepted(&'a SendOutcome),
    /// The relay was reached and the session stopped at a step, with advice.
    Stopped(&'a Stopped, Option<&'a Advice>),
}

impl SendResult<'_> {
    fn session(&self) -> &Session {
        match self {
            SendResult::Accepted(o) => &o.session,
            SendResult::Stopped(s, _) => &s.session,
        }
    }

    fn elapsed_ms(&self) -> u64 {
        match self {
            SendResult::Accepted(o) => o.elapsed_ms,
            SendResult::Stopped(s, _) => s.elapsed_ms,
        }
    }
}

/// The text report: the reply (or what stopped the session) first, then where, how and
/// as whom, then the advice.
pub fn write_text(r: &SendResult<'_>, warnings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    match r {
        SendResult::Accepted(o) => {
            for l in o.reply.wire_lines() {
                writeln!(out, "{}", untrusted(&l))?;
            }
        }
        SendResult::Stopped(s, _) => writeln!(out, "{}", untrusted(&headline(s)))?,
    }
    let s = r.session();
    field(out, "relay", &relay(s))?;
    field(out, "TLS", &tls(s))?;
    field(out, "HELO", &s.helo)?;
    field(out, "AUTH", &auth(s))?;
    field(out, "from", &s.from)?;
    field(out, "to", &s.to.join(", "))?;
    field(out, "message-id", &s.message_id)?;
    field(out, "elapsed", &format!("{} ms", r.elapsed_ms()))?;
    if let SendResult::Stopped(st, advice) = r {
        if let Failure::Tls { detail, .. } | Failure::Protocol { detail } = &st.failure {
            field(out, "detail", detail)?;
        }
        if let Some(a) = advice {
            field(out, "meaning", &a.summary)?;
            if let Some(c) = &a.cause {
                field(out, "cause", c)?;
            }
            if let Some(f) = &a.fix {
                field(out, "fix", f)?;
            }
            if let Some(f) = &a.fact {
                field(out, "fact", f)?;
            }
            if let Some(ip) = a.client_ip {
                field(
                    out,
                    "client IP",
                    &format!("{ip} (this server, as the relay sees it)"),
                )?;
            }
            if a.temporary {
                field(out, "temporary", "yes: the same message may pass later")?;
            }
        }
        field(out, "result", &nothing_sent(st))?;
    }
    for w in warnings {
        field(
            out,
            w.severity.as_str(),
            &format!("{} [{}] (fix: {})", w.message, w.rule, w.fix),
        )?;
    }
    Ok(())
}

/// The session's dialogue (credentials already redacted, the message body summarised).
pub fn write_transcript(t: &Transcript, out: &mut dyn Write) -> io::Result<()> {
    super::probe::write_dialogue(t, out)
}

/// One `key: value` line. Values may hold server text (replies, the greeting name, TLS
/// errors): escaped, as everything else this renders is relayctl's own.
fn field(out: &mut dyn Write, key: &str, value: &str) -> io::Result<()> {
    let value = untrusted(value);
    writeln!(out, "{:<11} {value}", format!("{key}:"))
}

/// The first line of a stopped session: where and why.
fn headline(st: &Stopped) -> String {
    match &st.failure {
        Failure::Refused {
            reply,
            recipient: Some(r),
        } => format!("refused at {} <{r}>: {}", st.step, reply.one_line()),
        Failure::Refused { reply, .. } => {
            format!("refused at {}: {}", st.step, reply.one_line())
        }
        Failure::Tls { problem, .. } => format!("TLS failed: {problem}"),
        Failure::NoStartTls => format!(
            "no STARTTLS: the relay did not offer STARTTLS on port {}: possible downgrade",
            st.session.port
        ),
        Failure::AuthNotOffered { reason } => format!("no AUTH: credentials not sent: {reason}"),
        Failure::Protocol { .. } => format!("protocol error at {}", st.step),
    }
}

/// What left the machine, so the admin knows what to worry about.
fn nothing_sent(st: &Stopped) -> String {
    let before_data = !matches!(st.step, Step::Message);
    let msg = if before_data {
        "no message was sent"
    } else {
        "the message was not accepted"
    };
    let cred = match (&st.session.auth_user, st.session.credentials_sent) {
        (None, _) => "",
        (Some(_), false) => "; no credential was sent",
        (Some(_), true) => "; the credentials were sent over TLS only",
    };
    format!("{msg}{cred}")
}

fn relay(s: &Session) -> String {
    match s.peer {
        Some(p) if p.ip().to_string() != s.host => format!("{}:{} ({})", s.host, s.port, p.ip()),
        _ => format!("{}:{}", s.host, s.port),
    }
}

fn tls(s: &Session) -> String {
    let how = match s.tls_start {
        TlsStart::StartTls => "STARTTLS",
        TlsStart::Implicit => "TLS on connect",
    };
    let verified = if s.certificate_verified {
        "certificate verified"
    } else {
        "certificate NOT verified (--insecure)"
    };
    if s.encrypted {
        format!("yes, {how}, {verified}")
    } else {
        format!("no ({how} not reached)")
    }
}

fn auth(s: &Session) -> String {
    match (&s.auth_user, s.auth_mechanism) {
        (None, _) => "none (the relay identifies this server by its IP address)".to_owned(),
        (Some(u), Some(m)) => format!("{u} ({})", m.as_str()),
        (Some(u), None) => format!("{u} (not sent)"),
    }
}

#[derive(Serialize)]
struct Doc<'a> {
    accepted: bool,
    /// The step that stopped the session; null when accepted.
    step: Option<Step>,
    /// The relay's last reply: the final one when accepted, the refusal otherwise.
    reply: Option<&'a Reply>,
    failure: Option<&'a Failure>,
    explanation: Option<&'a Advice>,
    relay: RelayDoc<'a>,
    helo: &'a str,
    auth: Option<AuthDoc<'a>>,
    message: MessageDoc<'a>,
    elapsed_ms: u64,
    /// The probe's warnings about the connection (`starttls-injection`...).
    findings: &'a [Finding],
    /// The dialogue, with `--transcript` (credentials redacted).
    #[serde(skip_serializing_if = "Option::is_none")]
    transcript: Option<&'a Transcript>,
}

#[derive(Serialize)]
struct RelayDoc<'a> {
    host: &'a str,
    address: Option<SocketAddr>,
    port: u16,
    /// `starttls` or `implicit` (TLS on connect).
    tls_start: &'static str,
    encrypted: bool,
    certificate_verified: bool,
    greeting_name: Option<&'a str>,
}

#[derive(Serialize)]
struct AuthDoc<'a> {
    user: &'a str,
    mechanism: Option<Mechanism>,
    credentials_sent: bool,
}

#[derive(Serialize)]
struct MessageDoc<'a> {
    from: &'a str,
    to: &'a [String],
    message_id: &'a str,
    subject: &'a str,
}

/// The JSON report: one `relayctl/send-test/2` document (docs/json.md).
pub fn write_json(
    r: &SendResult<'_>,
    findings: &[Finding],
    transcript: Option<&Transcript>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let s = r.session();
    let (accepted, step, reply, failure, explanation) = match r {
        SendResult::Accepted(o) => (true, None, Some(&o.reply), None, None),
        SendResult::Stopped(st, advice) => {
            let reply = match &st.failure {
                Failure::Refused { reply, .. } => Some(reply),
                _ => None,
            };
            (false, Some(st.step), reply, Some(&st.failure), *advice)
        }
    };
    let doc = Doc {
        accepted,
        step,
        reply,
        failure,
        explanation,
        relay: RelayDoc {
            host: &s.host,
            address: s.peer,
            port: s.port,
            tls_start: match s.tls_start {
                TlsStart::StartTls => "starttls",
                TlsStart::Implicit => "implicit",
            },
            encrypted: s.encrypted,
            certificate_verified: s.certificate_verified,
            greeting_name: s.server_name.as_deref(),
        },
        helo: &s.helo,
        auth: s.auth_user.as_deref().map(|user| AuthDoc {
            user,
            mechanism: s.auth_mechanism,
            credentials_sent: s.credentials_sent,
        }),
        message: MessageDoc {
            from: &s.from,
            to: &s.to,
            message_id: &s.message_id,
            subject: &s.subject,
        },
        elapsed_ms: r.elapsed_ms(),
        findings,
        transcript,
    };
    super::json::write(SCHEMA, &doc, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::send::TlsProblem;

    fn session() -> Session {
        Session {
            host: "smtp-relay.gmail.com".to_owned(),
            peer: Some("192.0.2.10:587".parse().unwrap()),
            port: 587,
            tls_start: TlsStart::StartTls,
            encrypted: true,
            certificate_verified: true,
            helo: "mail.example.com".to_owned(),
            server_name: Some("smtp-relay.gmail.com".to_owned()),
            auth_user: Some("it@example.com".to_owned()),
            auth_mechanism: Some(Mechanism::Plain),
            credentials_sent: true,
            from: "it@example.com".to_owned(),
            to: vec!["you@example.com".to_owned()],
            message_id: "<id@example.com>".to_owned(),
            subject: "relayctl send-test".to_owned(),
        }
    }

    fn text(r: &SendResult<'_>) -> String {
        let mut v = Vec::new();
        write_text(r, &[], &mut v).unwrap();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn accepted_text_starts_with_the_reply() {
        let o = SendOutcome {
            session: session(),
            reply: Reply {
                code: 250,
                enhanced: Some("2.0.0".to_owned()),
                lines: vec!["2.0.0 OK  1700000000 abc123 - gsmtp".to_owned()],
            },
            elapsed_ms: 812,
        };
        let t = text(&SendResult::Accepted(&o));
        assert_eq!(
            t,
            "250 2.0.0 OK  1700000000 abc123 - gsmtp\n\
             relay:      smtp-relay.gmail.com:587 (192.0.2.10)\n\
             TLS:        yes, STARTTLS, certificate verified\n\
             HELO:       mail.example.com\n\
             AUTH:       it@example.com (PLAIN)\n\
             from:       it@example.com\n\
             to:         you@example.com\n\
             message-id: <id@example.com>\n\
             elapsed:    812 ms\n"
        );
    }

    #[test]
    fn refusal_text_has_the_reply_and_the_advice() {
        let st = Stopped {
            session: session(),
            step: Step::Auth,
            failure: Failure::Refused {
                reply: Reply {
                    code: 535,
                    enhanced: Some("5.7.8".to_owned()),
                    lines: vec!["5.7.8 Username and Password not accepted.".to_owned()],
                },
                recipient: None,
            },
            elapsed_ms: 40,
        };
        let a = Advice {
            summary: "the relay refused the credentials".to_owned(),
            fix: Some("use an app password".to_owned()),
            ..Advice::default()
        };
        let t = text(&SendResult::Stopped(&st, Some(&a)));
        assert!(t.starts_with("refused at AUTH: 535 5.7.8 Username and Password not accepted.\n"));
        assert!(t.contains("\nmeaning:    the relay refused the credentials\n"));
        assert!(t.contains("\nfix:        use an app password\n"));
        assert!(t.ends_with(
            "result:     no message was sent; the credentials were sent over TLS only\n"
        ));
    }

    #[test]
    fn json_of_a_tls_failure() {
        let mut s = session();
        s.credentials_sent = false;
        s.auth_mechanism = None;
        let st = Stopped {
            session: s,
            step: Step::Tls,
            failure: Failure::Tls {
                problem: TlsProblem::NotValidForName,
                detail: "certificate not valid for name".to_owned(),
            },
            elapsed_ms: 5,
        };
        let mut v = Vec::new();
        write_json(&SendResult::Stopped(&st, None), &[], None, &mut v).unwrap();
        let j: serde_json::Value = serde_json::from_slice(&v).unwrap();
        assert_eq!(j["schema"], SCHEMA);
        let d = &j["data"];
        assert_eq!(d["accepted"], false);
        assert_eq!(d["step"], "tls");
        assert_eq!(d["reply"], serde_json::Value::Null);
        assert_eq!(d["failure"]["kind"], "tls");
        assert_eq!(d["failure"]["problem"], "not-valid-for-name");
        assert_eq!(d["relay"]["tls_start"], "starttls");
        assert_eq!(d["auth"]["credentials_sent"], false);
        assert_eq!(d["message"]["to"][0], "you@example.com");
    }
}
