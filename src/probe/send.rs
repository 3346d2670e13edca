//! `send-test`'s reading of a session: the probe's session (same dial, TLS, AUTH,
//! deadlines, transcript and verdict findings) carried a message, and this says whether the
//! relay took it, or where and why the session stopped, in the words and the JSON shape
//! of `relayctl/send-test/2`. Pure: no I/O.
//!
//! The relay took the message only when the reply to `<CRLF>.<CRLF>` is a 2xx: a 250 to
//! AUTH, to DATA or before the final dot accepts nothing (the session refuses them).

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;

use super::{Endpoint, Finding, SendReport};
use crate::explain::advice::{self, Advice};
use crate::finding::Severity;
use crate::net::DialError;
use crate::smtp::session::{describe_stop, AuthOutcome, SessionReport, StepName, Stop};
pub use crate::smtp::tls::TlsProblem;
use crate::smtp::tls::Verification;
use crate::smtp::{Mechanism, PortSpec, TlsStart};

/// An SMTP reply as shown and serialised by send-test: code, enhanced code, lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    /// The three-digit code.
    pub code: u16,
    /// The enhanced status code (RFC 3463) at the start of the text, if any.
    pub enhanced: Option<String>,
    /// The text lines, without the code.
    pub lines: Vec<String>,
}

impl From<&crate::smtp::reply::Reply> for Reply {
    fn from(r: &crate::smtp::reply::Reply) -> Reply {
        Reply {
            code: r.code,
            enhanced: r.enhanced().map(str::to_owned),
            lines: r.lines.clone(),
        }
    }
}

impl Reply {
    /// The reply as the relay sent it, one line each: `250-...` then `250 ...`.
    pub fn wire_lines(&self) -> Vec<String> {
        if self.lines.is_empty() {
            return vec![self.code.to_string()];
        }
        let last = self.lines.len() - 1;
        self.lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let sep = if i == last { ' ' } else { '-' };
                format!("{}{sep}{l}", self.code)
            })
            .collect()
    }

    /// The reply on one line: the code, then the lines joined by spaces.
    pub fn one_line(&self) -> String {
        let mut s = self.code.to_string();
        for l in &self.lines {
            s.push(' ');
            s.push_str(l);
        }
        s
    }

    /// Whether the code is 4xx (try again later).
    pub fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }
}

/// Where a session stopped, in send-test's words (and its JSON names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// The TCP connection.
    Connect,
    /// The banner and the first EHLO.
    Greeting,
    /// The STARTTLS command.
    Starttls,
    /// The TLS handshake (after STARTTLS or on connect).
    Tls,
    /// EHLO again over TLS (RFC 3207 §4.2).
    EhloAfterTls,
    /// SMTP AUTH.
    Auth,
    /// MAIL FROM.
    MailFrom,
    /// RCPT TO.
    RcptTo,
    /// DATA.
    Data,
    /// The end of the message (`.`): the relay's final answer.
    Message,
}

impl From<StepName> for Step {
    fn from(s: StepName) -> Step {
        match s {
            StepName::Connect => Step::Connect,
            StepName::Banner | StepName::Ehlo => Step::Greeting,
            StepName::Starttls => Step::Starttls,
            StepName::Tls => Step::Tls,
            StepName::EhloTls => Step::EhloAfterTls,
            StepName::Auth => Step::Auth,
            StepName::MailFrom => Step::MailFrom,
            StepName::RcptTo => Step::RcptTo,
            StepName::Data => Step::Data,
            StepName::Message | StepName::Rset | StepName::Quit => Step::Message,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Connect => "connect",
            Step::Greeting => "banner/EHLO",
            Step::Starttls => "STARTTLS",
            Step::Tls => "TLS handshake",
            Step::EhloAfterTls => "EHLO after TLS",
            Step::Auth => "AUTH",
            Step::MailFrom => "MAIL FROM",
            Step::RcptTo => "RCPT TO",
            Step::Data => "DATA",
            Step::Message => "end of message",
        })
    }
}

/// What was tried, for the report: where, as whom, with which message.
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    /// The relay host as given.
    pub host: String,
    /// The address connected to, once connected.
    pub peer: Option<SocketAddr>,
    /// The TCP port.
    pub port: u16,
    /// How TLS starts.
    pub tls_start: TlsStart,
    /// Whether TLS was established. Never true after a failed handshake.
    pub encrypted: bool,
    /// Whether the certificate was verified (false with `--insecure`, or when TLS failed).
    pub certificate_verified: bool,
    /// The EHLO argument.
    pub helo: String,
    /// The server name in the EHLO answer (its first word), once known.
    pub server_name: Option<String>,
    /// The AUTH user, when credentials were given.
    pub auth_user: Option<String>,
    /// The mechanism used, once AUTH was sent.
    pub auth_mechanism: Option<Mechanism>,
    /// Whether any credential was sent (always over TLS unless --allow-plaintext-auth).
    pub credentials_sent: bool,
    /// Envelope sender.
    pub from: String,
    /// Envelope recipients.
    pub to: Vec<String>,
    /// The Message-ID header of the test message.
    pub message_id: String,
    /// The Subject header.
    pub subject: String,
}

/// The relay accepted the message.
#[derive(Debug, Clone, Serialize)]
pub struct SendOutcome {
    /// What was tried.
    pub session: Session,
    /// The relay's answer to the end of the message (Google's holds the queue id).
    pub reply: Reply,
    /// From the start of the connection to that answer, in milliseconds.
    pub elapsed_ms: u64,
}

/// Why the relay, once reached, did not take the message. Nothing was delivered.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Failure {
    /// The relay answered a step with a 4xx or 5xx reply.
    Refused {
        /// The reply.
        reply: Reply,
        /// The recipient refused, for a refusal at RCPT TO.
        recipient: Option<String>,
    },
    /// TLS could not be set up; no credential and no message was sent.
    Tls {
        /// Which problem.
        problem: TlsProblem,
        /// What happened, in rustls's or the system's words.
        detail: String,
    },
    /// A STARTTLS port whose EHLO answer does not offer STARTTLS (a misconfigured server,
    /// or someone on the path stripping it). Nothing was sent.
    #[serde(rename = "no-starttls")]
    NoStartTls,
    /// Credentials were given and not sent (AUTH not offered over TLS, no usable
    /// mechanism); no message was sent either.
    AuthNotOffered {
        /// Why.
        reason: String,
    },
    /// The server broke the protocol (an unparsable reply, 250 where 354 must come, a
    /// reply before the message was sent, an endless AUTH exchange).
    Protocol {
        /// What went wrong.
        detail: String,
    },
}

/// A session that reached the relay and stopped at a step: the verdict of send-test.
#[derive(Debug, Clone, Serialize)]
pub struct Stopped {
    /// What was tried.
    pub session: Session,
    /// The step that failed.
    pub step: Step,
    /// How it failed.
    pub failure: Failure,
    /// From the start of the connection, in milliseconds.
    pub elapsed_ms: u64,
}

/// The message as sent, for the report.
#[derive(Debug, Clone)]
pub struct MessageInfo<'a> {
    /// Envelope sender.
    pub from: &'a str,
    /// Envelope recipients.
    pub to: &'a [String],
    /// The Message-ID header.
    pub message_id: &'a str,
    /// The Subject header.
    pub subject: &'a str,
    /// The AUTH user, when credentials were given.
    pub auth_user: Option<&'a str>,
}

/// What send-test concludes.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// The relay took the message.
    Accepted(SendOutcome),
    /// The relay was reached and the session stopped: a finding (exit 1).
    Stopped(Stopped),
    /// No server could be reached, or the network ended the session (a timeout, a closed
    /// or reset connection): a network error (exit 4).
    Unreachable {
        /// `address:port` of the last attempt.
        endpoint: String,
        /// Where.
        step: Step,
        /// What happened.
        why: String,
    },
}

/// Reads a send-test run.
pub fn verdict(
    r: &SendReport,
    port: PortSpec,
    msg: &MessageInfo<'_>,
    timeout: Duration,
) -> Verdict {
    let Some(e) = r.reached() else {
        let why = r
            .attempts
            .iter()
            .map(|a| match &a.dial_error {
                Some(err) => format!("{}: {}", a.address, dial_words(err, timeout)),
                None => format!("{}: not reached", a.address),
            })
            .collect::<Vec<_>>()
            .join("; ");
        let endpoint = r.attempts.last().map_or_else(
            || format!("{}:{}", r.host, port.port),
            |a| a.address.to_string(),
        );
        return Verdict::Unreachable {
            endpoint,
            step: Step::Connect,
            why: if why.is_empty() {
                "no address to connect to".into()
            } else {
                why
            },
        };
    };
    let s = e.session.as_ref().expect("reached() has a session"); // infallible: the message says why
    let session = session(r, e, s, msg);
    let elapsed_ms = s
        .steps
        .iter()
        .map(|x| x.start_ms + x.elapsed_ms)
        .max()
        .unwrap_or(0);
    let Some((step, stop)) = &s.stop else {
        return match &s.message_reply {
            Some(reply) if reply.is_positive() => Verdict::Accepted(SendOutcome {
                session,
                reply: reply.into(),
                elapsed_ms,
            }),
            // The session ended without the end-of-message reply: nothing was accepted.
            other => Verdict::Stopped(Stopped {
                session,
                step: Step::Message,
                failure: match other {
                    Some(reply) => Failure::Refused {
                        reply: reply.into(),
                        recipient: None,
                    },
                    None => Failure::Protocol {
                        detail: "the session ended before the message was sent".into(),
                    },
                },
                elapsed_ms,
            }),
        };
    };
    let at = Step::from(*step);
    let failure = match stop {
        Stop::Timeout { partial } => {
            return Verdict::Unreachable {
                endpoint: e.address.to_string(),
                step: at,
                why: format!(
                    "no answer within {} s{}; raise --timeout or check the path",
                    secs(timeout),
                    if *partial {
                        " (a reply was still arriving: the server sends too slowly)"
                    } else {
                        ""
                    }
                ),
            }
        }
        Stop::Tls { failure } if failure.is_timeout => {
            return Verdict::Unreachable {
                endpoint: e.address.to_string(),
                step: at,
                why: format!(
                    "no answer within {} s (no TLS handshake); raise --timeout or check the path",
                    secs(timeout)
                ),
            }
        }
        Stop::Tls { failure } if failure.is_closed => {
            return Verdict::Unreachable {
                endpoint: e.address.to_string(),
                step: at,
                why: failure.message.clone(),
            }
        }
        Stop::Closed | Stop::Reset | Stop::Io { .. } => {
            return Verdict::Unreachable {
                endpoint: e.address.to_string(),
                step: at,
                why: describe_stop(stop),
            }
        }
        Stop::Refused { reply } | Stop::StarttlsRefused { reply } => Failure::Refused {
            reply: reply.into(),
            recipient: (*step == StepName::RcptTo)
                .then(|| {
                    s.rcpt_to
                        .iter()
                        .find(|(_, r)| !r.is_positive())
                        .map(|(a, _)| a.clone())
                })
                .flatten(),
        },
        Stop::StarttlsNotOffered => Failure::NoStartTls,
        Stop::Tls { failure } => Failure::Tls {
            problem: TlsProblem::of(failure),
            detail: failure.message.clone(),
        },
        Stop::AuthNotSent { reason } => Failure::AuthNotOffered {
            reason: reason.clone(),
        },
        Stop::Protocol { message } => Failure::Protocol {
            detail: message.clone(),
        },
    };
    Verdict::Stopped(Stopped {
        session,
        step: at,
        failure,
        elapsed_ms,
    })
}

/// The findings worth showing beside the verdict: what the probe's judge says of the
/// connection that was not already said by the verdict (a STARTTLS injection, a
/// certificate not verified, an old TLS version, a cancelled AUTH exchange).
pub fn warnings(r: &SendReport) -> Vec<Finding> {
    const SHOWN: [&str; 5] = [
        "starttls-injection",
        "auth-unexpected-334",
        "certificate-not-verified",
        "old-tls",
        "certificate-expires-soon",
    ];
    r.reached()
        .map(|e| {
            e.findings
                .iter()
                .filter(|f| SHOWN.contains(&f.rule.as_ref()) && f.severity >= Severity::Warning)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

fn session(r: &SendReport, e: &Endpoint, s: &SessionReport, msg: &MessageInfo<'_>) -> Session {
    let (mechanism, sent) = match &s.auth {
        AuthOutcome::Accepted { mechanism } | AuthOutcome::Rejected { mechanism, .. } => {
            (Some(*mechanism), true)
        }
        AuthOutcome::NotAsked | AuthOutcome::NotSent { .. } => (None, false),
    };
    let server_name = s
        .capabilities_tls
        .as_ref()
        .or(s.capabilities_plain.as_ref())
        .and_then(|c| c.greeting.split_whitespace().next())
        .map(str::to_owned);
    Session {
        host: r.host.clone(),
        peer: Some(e.address),
        port: e.port.port,
        tls_start: e.port.tls,
        encrypted: s.tls.is_some(),
        certificate_verified: s
            .tls
            .as_ref()
            .is_some_and(|t| t.verification == Verification::Verified),
        helo: r.helo.clone(),
        server_name,
        auth_user: msg.auth_user.map(str::to_owned),
        auth_mechanism: mechanism,
        credentials_sent: sent,
        from: msg.from.to_owned(),
        to: msg.to.to_vec(),
        message_id: msg.message_id.to_owned(),
        subject: msg.subject.to_owned(),
    }
}

fn dial_words(e: &DialError, timeout: Duration) -> String {
    match e {
        DialError::Timeout => format!(
            "no answer to the connection within {} s; raise --timeout or check the path",
            secs(timeout)
        ),
        other => other.to_string(),
    }
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s:.1}")
    }
}

/// What a stopped session means and what to do: a relay reply through the explain
/// catalogue, the other failures from its advice catalogue.
pub fn advice(f: &Failure, port: PortSpec) -> Advice {
    match f {
        Failure::Refused { reply, .. } => Advice::from(crate::explain::explain(&reply.one_line())),
        Failure::Tls { problem, .. } => advice::tls(*problem, port.tls == TlsStart::Implicit),
        Failure::NoStartTls => advice::no_starttls(),
        Failure::AuthNotOffered { reason } => advice::auth_not_offered(reason),
        Failure::Protocol { .. } => advice::not_smtp(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::tls::TlsFailure;

    fn failure(message: &str, is_certificate: bool) -> TlsFailure {
        TlsFailure {
            message: message.into(),
            is_certificate,
            is_timeout: false,
            is_closed: false,
            certificates: Vec::new(),
        }
    }

    #[test]
    fn tls_problems_are_classified() {
        for (m, cert, want) in [
            (
                "certificate not valid for the host name",
                true,
                TlsProblem::NotValidForName,
            ),
            ("certificate expired", true, TlsProblem::Expired),
            (
                "certificate issued by an unknown authority (self-signed)",
                true,
                TlsProblem::UnknownIssuer,
            ),
            (
                "certificate signature invalid",
                true,
                TlsProblem::BadCertificate,
            ),
            (
                "the server sent TLS alert ProtocolVersion",
                false,
                TlsProblem::Handshake,
            ),
        ] {
            assert_eq!(TlsProblem::of(&failure(m, cert)), want, "{m}");
        }
    }
}
