//! The probe's step driver: banner, EHLO, STARTTLS or TLS on connect, EHLO again, AUTH, an
//! envelope test (MAIL, RCPT, RSET: nothing is sent), QUIT, over any [`Channel`]. Every
//! step has its own deadline and timing; a server that stalls, drips or floods ends the
//! session at that step with the reason. It records, it does not judge: verdicts are
//! `probe::verdict`'s job.
//!
//! Round trips are the probe's cost against a distant relay, so the envelope test, RSET
//! and QUIT go as one pipelined group when the server offers PIPELINING (RFC 2920 §3.1:
//! MAIL, RCPT, RSET and QUIT may be grouped).

use std::io;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::auth;
use super::ehlo::Capabilities;
use super::redact::Redactor;
use super::reply::{Limits, Reply, ReplyError, ReplyParser};
use super::tls::{TlsFailure, TlsInfo};
use super::transcript::Transcript;
use super::{Credentials, Mechanism, MechanismChoice, TlsStart};

/// A connected byte stream that can start TLS. `net` implements it over TCP and rustls;
/// tests implement it with scripted bytes.
pub trait Channel {
    /// Reads some bytes, waiting at most until `deadline`. `Ok(0)` means the peer closed;
    /// an error of kind `TimedOut` means the deadline passed.
    fn read(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<usize>;
    /// Writes all bytes before `deadline`.
    fn write_all(&mut self, bytes: &[u8], deadline: Instant) -> io::Result<()>;
    /// Performs the TLS handshake now (at once for TLS on connect, after STARTTLS's 220).
    fn start_tls(&mut self, deadline: Instant) -> Result<TlsInfo, TlsFailure>;
}

/// What to do in a session.
#[derive(Debug, Clone)]
pub struct SessionPlan<'a> {
    /// EHLO argument.
    pub helo: &'a str,
    /// How TLS starts on this port.
    pub tls: TlsStart,
    /// Credentials for AUTH, if any.
    pub credentials: Option<&'a Credentials>,
    /// Send credentials even without TLS (the user asked for it explicitly).
    pub allow_plaintext_auth: bool,
    /// Envelope test: MAIL FROM and RCPT TO addresses.
    pub envelope: Option<(&'a str, &'a [String])>,
    /// A message to send after the envelope (send-test): DATA, the message, its final
    /// reply, instead of the envelope test's RSET. The bytes of an RFC 5322 message; line
    /// ends are made CRLF and lines are dot-stuffed here.
    pub message: Option<&'a [u8]>,
    /// Deadline of each step.
    pub timeout: Duration,
}

/// The steps of a session, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepName {
    /// TCP connect (timed by the caller).
    Connect,
    /// The TLS handshake (on connect, or after STARTTLS).
    Tls,
    /// The 220 greeting.
    Banner,
    /// EHLO before TLS (or the only one on a plain session).
    Ehlo,
    /// The STARTTLS command.
    Starttls,
    /// EHLO again inside TLS (RFC 3207 §4.2).
    EhloTls,
    /// AUTH.
    Auth,
    /// MAIL FROM.
    MailFrom,
    /// RCPT TO (one per recipient).
    RcptTo,
    /// RSET.
    Rset,
    /// DATA (the command and its 354).
    Data,
    /// The message and the final reply to its `<CRLF>.<CRLF>`.
    Message,
    /// QUIT.
    Quit,
}

impl StepName {
    /// The step as shown in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            StepName::Connect => "connect",
            StepName::Tls => "tls",
            StepName::Banner => "banner",
            StepName::Ehlo => "ehlo",
            StepName::Starttls => "starttls",
            StepName::EhloTls => "ehlo-tls",
            StepName::Auth => "auth",
            StepName::MailFrom => "mail-from",
            StepName::RcptTo => "rcpt-to",
            StepName::Rset => "rset",
            StepName::Data => "data",
            StepName::Message => "message",
            StepName::Quit => "quit",
        }
    }
}

/// One step: how long it took and the reply it got.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Step {
    /// Which step.
    pub name: StepName,
    /// Milliseconds from the start of the connection to the start of the step.
    pub start_ms: u64,
    /// Milliseconds the step took (for pipelined steps: until its reply arrived).
    pub elapsed_ms: u64,
    /// The server's reply, when the step has one.
    pub reply: Option<Reply>,
}

/// Why a session stopped before QUIT.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Stop {
    /// The step's deadline passed without a complete reply.
    Timeout {
        /// Bytes of an unfinished reply had arrived (a slow drip rather than silence).
        partial: bool,
    },
    /// The server closed the connection.
    Closed,
    /// The connection was reset (a TCP RST from the server or something on the path).
    Reset,
    /// Credentials were given for a message (send-test) and were not sent, for this
    /// reason; nothing more was sent.
    AuthNotSent {
        /// Why.
        reason: String,
    },
    /// The server's bytes were not a valid or bounded SMTP reply.
    Protocol {
        /// What was wrong.
        message: String,
    },
    /// A socket error.
    Io {
        /// The error.
        message: String,
    },
    /// A reply that ends the session (421 anywhere, a refused banner or EHLO).
    Refused {
        /// The reply.
        reply: Reply,
    },
    /// STARTTLS was expected and not offered: a possible downgrade; nothing more was sent.
    StarttlsNotOffered,
    /// The server refused STARTTLS.
    StarttlsRefused {
        /// The reply.
        reply: Reply,
    },
    /// The TLS handshake failed.
    Tls {
        /// Why.
        failure: TlsFailure,
    },
}

/// How AUTH went.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum AuthOutcome {
    /// No credentials were given.
    NotAsked,
    /// Credentials were given and not sent, for this reason.
    NotSent {
        /// Why (no TLS, not offered, mechanism missing).
        reason: String,
        /// AUTH was offered before TLS but not after: credentials would have gone in clear.
        offered_only_before_tls: bool,
    },
    /// The server accepted them.
    Accepted {
        /// The mechanism used.
        mechanism: Mechanism,
    },
    /// The server refused them.
    Rejected {
        /// The mechanism used.
        mechanism: Mechanism,
        /// The reply.
        reply: Reply,
    },
}

/// What a session learned.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SessionReport {
    /// The steps that ran, in order.
    pub steps: Vec<Step>,
    /// The EHLO answer before TLS (none on TLS on connect).
    pub capabilities_plain: Option<Capabilities>,
    /// The EHLO answer inside TLS.
    pub capabilities_tls: Option<Capabilities>,
    /// The TLS session, once established.
    pub tls: Option<TlsInfo>,
    /// How AUTH went.
    pub auth: AuthOutcome,
    /// The MAIL FROM reply of the envelope test.
    pub mail_from: Option<Reply>,
    /// The reply to the end of the message (send-test): the relay took the message only
    /// when this is a 2xx.
    pub message_reply: Option<Reply>,
    /// Bytes the server sent after its 220 to STARTTLS and before the handshake, which
    /// were discarded (RFC 3207 §4.2): 0 normally; more means a broken or tampered path
    /// (the STARTTLS command-injection attack, CVE-2011-0411 class).
    pub starttls_injection: usize,
    /// The server asked for more (334) after the last credential; the exchange was
    /// cancelled with `*` (RFC 4954 §4) before anything else was sent.
    pub auth_cancelled: bool,
    /// Each RCPT TO and its reply.
    #[serde(serialize_with = "rcpt_objects")]
    pub rcpt_to: Vec<(String, Reply)>,
    /// The client address the server reported in its EHLO greeting.
    pub client_ip: Option<IpAddr>,
    /// STARTTLS was expected and not offered, and the session went on in clear because
    /// of `--allow-plaintext-auth`.
    pub went_on_in_clear: bool,
    /// Why and where the session stopped early; `None` when it reached QUIT.
    #[serde(serialize_with = "stop_object")]
    pub stop: Option<(StepName, Stop)>,
    /// The dialogue, secrets redacted.
    pub transcript: Transcript,
}

/// `rcpt_to` in JSON: `[{"address": ..., "reply": {...}}]`.
fn rcpt_objects<S: serde::Serializer>(v: &[(String, Reply)], s: S) -> Result<S::Ok, S::Error> {
    #[derive(serde::Serialize)]
    struct Rcpt<'a> {
        address: &'a str,
        reply: &'a Reply,
    }
    s.collect_seq(v.iter().map(|(address, reply)| Rcpt { address, reply }))
}

/// `stop` in JSON: `{"step": "banner", "reason": {"kind": "timeout", ...}, "message": ...}`.
fn stop_object<S: serde::Serializer>(
    v: &Option<(StepName, Stop)>,
    s: S,
) -> Result<S::Ok, S::Error> {
    #[derive(serde::Serialize)]
    struct Stopped<'a> {
        step: StepName,
        reason: &'a Stop,
        message: String,
    }
    match v {
        None => s.serialize_none(),
        Some((step, reason)) => s.serialize_some(&Stopped {
            step: *step,
            reason,
            message: describe_stop(reason),
        }),
    }
}

/// Runs a session over a connected channel. `connected_at` is when the TCP connection
/// started (timings count from there); `connect_ms` is the connect step's duration.
pub fn run(
    chan: &mut dyn Channel,
    plan: &SessionPlan<'_>,
    connected_at: Instant,
    connect_ms: u64,
) -> SessionReport {
    let mut s = Session {
        chan,
        plan,
        t0: connected_at,
        parser: ReplyParser::new(Limits::default()),
        in_tls: false,
        redactor: Redactor::new(plan.credentials),
        report: SessionReport {
            steps: vec![Step {
                name: StepName::Connect,
                start_ms: 0,
                elapsed_ms: connect_ms,
                reply: None,
            }],
            capabilities_plain: None,
            capabilities_tls: None,
            tls: None,
            auth: match plan.credentials {
                None => AuthOutcome::NotAsked,
                Some(_) => AuthOutcome::NotSent {
                    reason: "the session ended before AUTH".into(),
                    offered_only_before_tls: false,
                },
            },
            went_on_in_clear: false,
            message_reply: None,
            starttls_injection: 0,
            auth_cancelled: false,
            mail_from: None,
            rcpt_to: Vec::new(),
            client_ip: None,
            stop: None,
            transcript: Transcript::default(),
        },
    };
    if let Err((step, stop)) = s.drive() {
        let note = describe_stop(&stop);
        s.note(&format!("stopped at {}: {note}", step.as_str()));
        s.report.stop = Some((step, stop));
    }
    s.report
}

/// A one-line description of a stop, for transcripts and messages.
pub fn describe_stop(stop: &Stop) -> String {
    match stop {
        Stop::Timeout { partial: false } => "no reply within the timeout".into(),
        Stop::Timeout { partial: true } => {
            "reply incomplete at the timeout (the server sends too slowly)".into()
        }
        Stop::Closed => "the server closed the connection".into(),
        Stop::Reset => "the connection was reset by the peer (TCP RST)".into(),
        Stop::AuthNotSent { reason } => format!("credentials not sent: {reason}"),
        Stop::Protocol { message } => message.clone(),
        Stop::Io { message } => message.clone(),
        Stop::Refused { reply } => format!("refused: {}", reply.one_line()),
        Stop::StarttlsNotOffered => {
            "STARTTLS not offered (possible downgrade); nothing more was sent".into()
        }
        Stop::StarttlsRefused { reply } => format!("STARTTLS refused: {}", reply.one_line()),
        Stop::Tls { failure } => format!("TLS failed: {}", failure.message),
    }
}

type Halt = (StepName, Stop);

struct Session<'c, 'p> {
    chan: &'c mut dyn Channel,
    plan: &'p SessionPlan<'p>,
    t0: Instant,
    parser: ReplyParser,
    in_tls: bool,
    redactor: Redactor,
    report: SessionReport,
}

impl Session<'_, '_> {
    fn ms(&self, at: Instant) -> u64 {
        u64::try_from(at.duration_since(self.t0).as_millis()).unwrap_or(u64::MAX)
    }

    fn now_ms(&self) -> u64 {
        self.ms(Instant::now())
    }

    fn note(&mut self, text: &str) {
        let at = self.now_ms();
        let tls = self.in_tls;
        let text = self.redactor.scrub(text).into_owned();
        self.report.transcript.note(at, tls, &text);
    }

    fn drive(&mut self) -> Result<(), Halt> {
        if self.plan.tls == TlsStart::Implicit {
            self.handshake()?;
        }
        let banner = self.expect_reply(StepName::Banner, None)?;
        if banner.code != 220 {
            return Err((StepName::Banner, Stop::Refused { reply: banner }));
        }
        let helo = self.plan.helo;
        let caps = self.ehlo(StepName::Ehlo, helo)?;
        if self.plan.tls == TlsStart::Implicit {
            self.report.capabilities_tls = Some(caps);
        } else {
            let offered = caps.has("STARTTLS");
            self.report.capabilities_plain = Some(caps);
            if !offered && self.plan.allow_plaintext_auth {
                // The user asked to go on without TLS; the verdict still fails the port.
                self.report.went_on_in_clear = true;
                self.note("STARTTLS not offered; going on in clear (--allow-plaintext-auth)");
                self.authenticate()?;
                return self.envelope_and_quit();
            }
            if !offered {
                self.quit_quietly();
                return Err((StepName::Starttls, Stop::StarttlsNotOffered));
            }
            let reply = self.command(StepName::Starttls, "STARTTLS")?;
            if reply.code != 220 {
                self.quit_quietly();
                return Err((StepName::Starttls, Stop::StarttlsRefused { reply }));
            }
            if self.parser.has_partial() {
                // RFC 3207 §4.2/§6: bytes received before the handshake must not be taken
                // as part of the TLS session (the STARTTLS command-injection attack).
                let n = self.parser.discard();
                self.report.starttls_injection = n;
                self.note(&format!(
                    "discarded {n} bytes the server sent after its 220 to STARTTLS (injection?)"
                ));
            }
            self.handshake()?;
            // RFC 3207 §4.2: forget what the server said before TLS; ask again.
            let caps = self.ehlo(StepName::EhloTls, helo)?;
            self.report.capabilities_tls = Some(caps);
        }
        self.authenticate()?;
        self.envelope_and_quit()
    }

    fn handshake(&mut self) -> Result<(), Halt> {
        let start = Instant::now();
        let deadline = start + self.plan.timeout;
        let result = self.chan.start_tls(deadline);
        let elapsed = self.ms(Instant::now()).saturating_sub(self.ms(start));
        self.report.steps.push(Step {
            name: StepName::Tls,
            start_ms: self.ms(start),
            elapsed_ms: elapsed,
            reply: None,
        });
        match result {
            Ok(info) => {
                self.in_tls = true;
                self.note(&format!(
                    "TLS established: {} {}, certificate {}",
                    info.version,
                    info.cipher,
                    match &info.verification {
                        super::tls::Verification::Verified => "verified".to_owned(),
                        super::tls::Verification::Failed(why)
                        | super::tls::Verification::Ignored(why) => {
                            format!("NOT verified ({why}; --insecure)")
                        }
                    }
                ));
                self.report.tls = Some(info);
                Ok(())
            }
            Err(failure) => Err((StepName::Tls, Stop::Tls { failure })),
        }
    }

    fn ehlo(&mut self, step: StepName, helo: &str) -> Result<Capabilities, Halt> {
        let reply = self.command(step, &format!("EHLO {helo}"))?;
        if reply.code != 250 {
            return Err((step, Stop::Refused { reply }));
        }
        let caps = Capabilities::from_reply(&reply);
        if let Some(ip) = caps.client_ip() {
            self.report.client_ip = Some(ip);
        }
        Ok(caps)
    }

    /// Sends one command and waits for its reply, as one timed step.
    fn command(&mut self, step: StepName, line: &str) -> Result<Reply, Halt> {
        let start = Instant::now();
        self.send(step, line, None, start)?;
        self.expect_reply(step, Some(start))
    }

    /// Writes a line; `secret_keep` records only that prefix in the transcript.
    fn send(
        &mut self,
        step: StepName,
        line: &str,
        secret_keep: Option<&str>,
        start: Instant,
    ) -> Result<(), Halt> {
        let at = self.ms(start);
        let tls = self.in_tls;
        match secret_keep {
            Some(keep) => self.report.transcript.client_secret(at, tls, keep),
            None => self.report.transcript.client(at, tls, line),
        }
        let mut bytes = Vec::with_capacity(line.len() + 2);
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        self.chan
            .write_all(&bytes, start + self.plan.timeout)
            .map_err(|e| (step, io_stop(&e, false)))
    }

    /// Waits for one reply and records it as step `step` (started at `start`, or now).
    fn expect_reply(&mut self, step: StepName, start: Option<Instant>) -> Result<Reply, Halt> {
        let start = start.unwrap_or_else(Instant::now);
        let result = self.read_reply(start + self.plan.timeout);
        let end = Instant::now();
        let reply = match result {
            Ok(r) => r,
            Err(stop) => {
                self.report.steps.push(Step {
                    name: step,
                    start_ms: self.ms(start),
                    elapsed_ms: self.ms(end).saturating_sub(self.ms(start)),
                    reply: None,
                });
                return Err((step, stop));
            }
        };
        let at = self.ms(end);
        let tls = self.in_tls;
        for l in reply.wire_lines() {
            self.report.transcript.server(at, tls, &l);
        }
        self.report.steps.push(Step {
            name: step,
            start_ms: self.ms(start),
            elapsed_ms: at.saturating_sub(self.ms(start)),
            reply: Some(reply.clone()),
        });
        // RFC 5321 §3.8: 421 means the server is closing the channel, whatever the step.
        if reply.code == 421 {
            return Err((step, Stop::Refused { reply }));
        }
        Ok(reply)
    }

    fn read_reply(&mut self, deadline: Instant) -> Result<Reply, Stop> {
        let mut buf = [0u8; 4096];
        loop {
            match self.parser.next_reply() {
                Ok(Some(mut r)) => {
                    for l in &mut r.lines {
                        if let std::borrow::Cow::Owned(clean) = self.redactor.scrub(l) {
                            *l = clean;
                        }
                    }
                    return Ok(r);
                }
                Ok(None) => {}
                Err(e) => {
                    return Err(match protocol_stop(&e) {
                        Stop::Protocol { message } => Stop::Protocol {
                            message: self.redactor.scrub(&message).into_owned(),
                        },
                        other => other,
                    })
                }
            }
            match self.chan.read(&mut buf, deadline) {
                Ok(0) => return Err(Stop::Closed),
                Ok(n) => self.parser.push(&buf[..n]),
                Err(e) => return Err(io_stop(&e, self.parser.has_partial())),
            }
        }
    }

    /// AUTH, then, for a message (send-test), a stop unless the relay accepted the
    /// credentials: a message must not go out unauthenticated when the user asked for AUTH.
    fn authenticate(&mut self) -> Result<(), Halt> {
        self.try_authenticate()?;
        if self.plan.message.is_none() {
            return Ok(());
        }
        match &self.report.auth {
            AuthOutcome::NotAsked | AuthOutcome::Accepted { .. } => Ok(()),
            AuthOutcome::NotSent { reason, .. } => {
                let reason = reason.clone();
                self.quit_quietly();
                Err((StepName::Auth, Stop::AuthNotSent { reason }))
            }
            AuthOutcome::Rejected { reply, .. } => {
                let reply = reply.clone();
                self.quit_quietly();
                Err((StepName::Auth, Stop::Refused { reply }))
            }
        }
    }

    fn try_authenticate(&mut self) -> Result<(), Halt> {
        let Some(creds) = self.plan.credentials else {
            return Ok(());
        };
        let before_tls_offers_auth = self
            .report
            .capabilities_plain
            .as_ref()
            .is_some_and(|c| !c.auth_mechanisms().is_empty());
        let (caps, encrypted) = match (&self.report.capabilities_tls, self.in_tls) {
            (Some(c), true) => (c.clone(), true),
            _ => match &self.report.capabilities_plain {
                Some(c) => (c.clone(), false),
                None => return Ok(()),
            },
        };
        if !encrypted && !self.plan.allow_plaintext_auth {
            self.report.auth = AuthOutcome::NotSent {
                reason:
                    "no TLS: credentials are never sent in clear without --allow-plaintext-auth"
                        .into(),
                offered_only_before_tls: false,
            };
            return Ok(());
        }
        let offered = caps.auth_mechanisms();
        if offered.is_empty() {
            let only_before = encrypted && before_tls_offers_auth;
            self.report.auth = AuthOutcome::NotSent {
                reason: if only_before {
                    "AUTH was offered before TLS but not inside it; credentials were not sent"
                        .into()
                } else {
                    "the server does not offer AUTH".into()
                },
                offered_only_before_tls: only_before,
            };
            return Ok(());
        }
        let mechanism = match creds.mechanism {
            MechanismChoice::Fixed(m) => m,
            MechanismChoice::Auto if caps.offers(Mechanism::Plain) => Mechanism::Plain,
            MechanismChoice::Auto if caps.offers(Mechanism::Login) => Mechanism::Login,
            MechanismChoice::Auto => {
                self.report.auth = AuthOutcome::NotSent {
                    reason: format!(
                        "the server offers neither PLAIN nor LOGIN (offers {})",
                        offered.join(" ")
                    ),
                    offered_only_before_tls: false,
                };
                return Ok(());
            }
        };
        let start = Instant::now();
        let reply = match mechanism {
            Mechanism::Plain => {
                let line = format!("AUTH PLAIN {}", auth::plain_response(creds));
                self.send(StepName::Auth, &line, Some("AUTH PLAIN"), start)?;
                let r = self.expect_reply(StepName::Auth, Some(start))?;
                self.cancel_if_more(r)?
            }
            Mechanism::Xoauth2 => {
                let line = format!("AUTH XOAUTH2 {}", auth::xoauth2_response(creds));
                self.send(StepName::Auth, &line, Some("AUTH XOAUTH2"), start)?;
                let r = self.expect_reply(StepName::Auth, Some(start))?;
                if r.code == 334 {
                    // XOAUTH2 failure: the server sends a base64 JSON error and waits for
                    // an empty line before the final reply.
                    if let Some(text) = r.lines.first().and_then(|l| auth::decode_challenge(l)) {
                        self.note(&format!("XOAUTH2 error detail: {text}"));
                    }
                    let again = Instant::now();
                    self.send(StepName::Auth, "", None, again)?;
                    let r = self.expect_reply(StepName::Auth, Some(again))?;
                    self.cancel_if_more(r)?
                } else {
                    r
                }
            }
            Mechanism::Login => {
                let r = self.command(StepName::Auth, "AUTH LOGIN")?;
                if r.code == 334 {
                    self.note_challenge(&r);
                    let t = Instant::now();
                    self.send(StepName::Auth, &auth::login_user(creds), Some(""), t)?;
                    let r = self.expect_reply(StepName::Auth, Some(t))?;
                    if r.code == 334 {
                        self.note_challenge(&r);
                        let t = Instant::now();
                        self.send(StepName::Auth, &auth::login_password(creds), Some(""), t)?;
                        let r = self.expect_reply(StepName::Auth, Some(t))?;
                        self.cancel_if_more(r)?
                    } else {
                        r
                    }
                } else {
                    r
                }
            }
        };
        self.report.auth = if reply.code == 235 && !self.report.auth_cancelled {
            AuthOutcome::Accepted { mechanism }
        } else {
            AuthOutcome::Rejected { mechanism, reply }
        };
        Ok(())
    }

    /// After the last credential only 235 or a refusal may come. A 334 asks for more: the
    /// exchange is cancelled with `*` (RFC 4954 §4) and the server's answer to that is
    /// the outcome; nothing else is sent inside an open exchange.
    fn cancel_if_more(&mut self, r: Reply) -> Result<Reply, Halt> {
        if r.code != 334 {
            return Ok(r);
        }
        self.note("the server asked for more after the credentials (334); cancelling with *");
        self.report.auth_cancelled = true;
        let t = Instant::now();
        self.send(StepName::Auth, "*", None, t)?;
        let answer = self.expect_reply(StepName::Auth, Some(t))?;
        if answer.code == 334 {
            // Still asking: the exchange cannot be closed, so neither can the session go on.
            return Err((
                StepName::Auth,
                Stop::Protocol {
                    message: "the server kept asking for credentials (334) after *".into(),
                },
            ));
        }
        Ok(answer)
    }

    fn note_challenge(&mut self, r: &Reply) {
        if let Some(text) = r.lines.first().and_then(|l| auth::decode_challenge(l)) {
            self.note(&format!("challenge: {text}"));
        }
    }

    /// MAIL, RCPT..., then DATA, the message and QUIT (send-test). MAIL and the RCPTs go as
    /// one pipelined group when offered; DATA waits for them, so a refused recipient stops
    /// the session before any byte of the message is sent.
    fn send_message(&mut self, message: &[u8]) -> Result<(), Halt> {
        let Some((from, rcpts)) = self.plan.envelope else {
            self.quit_quietly();
            return Ok(());
        };
        let mut group = vec![(StepName::MailFrom, format!("MAIL FROM:<{from}>"))];
        group.extend(
            rcpts
                .iter()
                .map(|r| (StepName::RcptTo, format!("RCPT TO:<{r}>"))),
        );
        let replies = self.exchange(&group)?;
        let mut rcpt_iter = rcpts.iter().cloned();
        for ((step, _), reply) in group.iter().zip(replies) {
            self.record_envelope(*step, reply, &mut rcpt_iter);
        }
        let refused = self
            .report
            .mail_from
            .iter()
            .map(|r| (StepName::MailFrom, r))
            .chain(
                self.report
                    .rcpt_to
                    .iter()
                    .map(|(_, r)| (StepName::RcptTo, r)),
            )
            .find(|(_, r)| !r.is_positive())
            .map(|(step, r)| (step, r.clone()));
        if let Some((step, reply)) = refused {
            self.quit_quietly();
            return Err((step, Stop::Refused { reply }));
        }
        let data = self.command(StepName::Data, "DATA")?;
        if data.code != 354 {
            self.quit_quietly();
            return Err(if data.is_positive() {
                (
                    StepName::Data,
                    Stop::Protocol {
                        message: format!(
                            "the server answered DATA with {}, not 354: no message was sent",
                            data.code
                        ),
                    },
                )
            } else {
                (StepName::Data, Stop::Refused { reply: data })
            });
        }
        if self.parser.has_partial() {
            // A reply before the message was even sent cannot be its acceptance.
            return Err((
                StepName::Message,
                Stop::Protocol {
                    message: "the server sent a reply before the message was sent".into(),
                },
            ));
        }
        let start = Instant::now();
        let wire = dot_stuff(message);
        let at = self.ms(start);
        let tls = self.in_tls;
        self.report.transcript.client(
            at,
            tls,
            &format!("(the message: {} bytes)", wire.len().saturating_sub(5)),
        );
        self.report.transcript.client(at, tls, ".");
        self.chan
            .write_all(&wire, start + self.plan.timeout)
            .map_err(|e| (StepName::Message, io_stop(&e, false)))?;
        let reply = self.expect_reply(StepName::Message, Some(start))?;
        self.report.message_reply = Some(reply.clone());
        if !reply.is_positive() {
            self.quit_quietly();
            return Err((StepName::Message, Stop::Refused { reply }));
        }
        // The message is the relay's now; QUIT is a courtesy whose failure changes nothing.
        self.quit_quietly();
        Ok(())
    }

    /// Sends `group` and returns one reply per command, pipelined when the server offers
    /// PIPELINING (RFC 2920), else one round trip each.
    fn exchange(&mut self, group: &[(StepName, String)]) -> Result<Vec<Reply>, Halt> {
        let caps = self
            .report
            .capabilities_tls
            .as_ref()
            .or(self.report.capabilities_plain.as_ref());
        let mut replies = Vec::with_capacity(group.len());
        if !caps.is_some_and(|c| c.has("PIPELINING")) {
            for (step, line) in group {
                replies.push(self.command(*step, line)?);
            }
            return Ok(replies);
        }
        let start = Instant::now();
        for (_, line) in group {
            let at = self.ms(start);
            let tls = self.in_tls;
            self.report.transcript.client(at, tls, line);
        }
        let wire: String = group.iter().map(|(_, l)| format!("{l}\r\n")).collect();
        self.chan
            .write_all(wire.as_bytes(), start + self.plan.timeout)
            .map_err(|e| (group[0].0, io_stop(&e, false)))?;
        let mut prev = start;
        for (step, _) in group {
            replies.push(self.expect_reply(*step, Some(prev))?);
            prev = Instant::now();
        }
        Ok(replies)
    }

    /// MAIL, RCPT..., RSET, QUIT: one pipelined group when the server offers PIPELINING.
    fn envelope_and_quit(&mut self) -> Result<(), Halt> {
        if let Some(message) = self.plan.message {
            return self.send_message(message);
        }
        let mut group: Vec<(StepName, String)> = Vec::new();
        if let Some((from, rcpts)) = self.plan.envelope {
            group.push((StepName::MailFrom, format!("MAIL FROM:<{from}>")));
            for r in rcpts {
                group.push((StepName::RcptTo, format!("RCPT TO:<{r}>")));
            }
            group.push((StepName::Rset, "RSET".to_owned()));
        }
        group.push((StepName::Quit, "QUIT".to_owned()));
        let caps = self
            .report
            .capabilities_tls
            .as_ref()
            .or(self.report.capabilities_plain.as_ref());
        let pipelining = caps.is_some_and(|c| c.has("PIPELINING"));
        let rcpt_names: Vec<String> = self
            .plan
            .envelope
            .map(|(_, r)| r.to_vec())
            .unwrap_or_default();
        let mut rcpt_iter = rcpt_names.into_iter();
        if pipelining {
            let start = Instant::now();
            for (step, line) in &group {
                let at = self.ms(start);
                let tls = self.in_tls;
                self.report.transcript.client(at, tls, line);
                let _ = step;
            }
            let wire: String = group.iter().map(|(_, l)| format!("{l}\r\n")).collect();
            self.chan
                .write_all(wire.as_bytes(), start + self.plan.timeout)
                .map_err(|e| (group[0].0, io_stop(&e, false)))?;
            let mut prev = start;
            for (step, _) in &group {
                let reply = match self.expect_reply(*step, Some(prev)) {
                    Ok(r) => r,
                    // A server may close right after 221 or before answering QUIT.
                    Err((StepName::Quit, Stop::Closed)) => return Ok(()),
                    Err(h) => return Err(h),
                };
                prev = Instant::now();
                self.record_envelope(*step, reply, &mut rcpt_iter);
            }
        } else {
            for (step, line) in &group {
                let reply = match self.command(*step, line) {
                    Ok(r) => r,
                    Err((StepName::Quit, Stop::Closed)) => return Ok(()),
                    Err(h) => return Err(h),
                };
                self.record_envelope(*step, reply, &mut rcpt_iter);
            }
        }
        Ok(())
    }

    fn record_envelope(
        &mut self,
        step: StepName,
        reply: Reply,
        rcpts: &mut impl Iterator<Item = String>,
    ) {
        match step {
            StepName::MailFrom => self.report.mail_from = Some(reply),
            StepName::RcptTo => {
                if let Some(r) = rcpts.next() {
                    self.report.rcpt_to.push((r, reply));
                }
            }
            _ => {}
        }
    }

    /// Ends a session politely after a stop that leaves the connection usable.
    fn quit_quietly(&mut self) {
        let start = Instant::now();
        if self.send(StepName::Quit, "QUIT", None, start).is_ok() {
            let _ = self.expect_reply(StepName::Quit, Some(start));
        }
    }
}

/// The message as it goes after DATA's 354 (RFC 5321 §4.5.2): every line ending made
/// CRLF, a `.` doubled at the start of a line, then `<CRLF>.<CRLF>`.
pub fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 40 + 5);
    let body = message.strip_suffix(b"\n").unwrap_or(message);
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    if !body.is_empty() {
        for line in body.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.first() == Some(&b'.') {
                out.push(b'.');
            }
            out.extend_from_slice(line);
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(b".\r\n");
    out
}

fn protocol_stop(e: &ReplyError) -> Stop {
    Stop::Protocol {
        message: e.to_string(),
    }
}

fn io_stop(e: &io::Error, partial: bool) -> Stop {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Stop::Timeout { partial },
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => Stop::Reset,
        io::ErrorKind::BrokenPipe | io::ErrorKind::UnexpectedEof => Stop::Closed,
        _ => Stop::Io {
            message: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redacted::Secret;
    use crate::smtp::tls::Verification;

    /// A scripted server: each time the client writes, the next chunk of replies becomes
    /// readable. Records what the client wrote.
    struct Script {
        pending: Vec<u8>,
        answers: std::collections::VecDeque<&'static str>,
        written: Vec<u8>,
        tls_ok: bool,
    }

    impl Script {
        fn new(banner: &'static str, answers: &[&'static str]) -> Script {
            Script {
                pending: banner.as_bytes().to_vec(),
                answers: answers.iter().copied().collect(),
                written: Vec::new(),
                tls_ok: true,
            }
        }
    }

    impl Channel for Script {
        fn read(&mut self, buf: &mut [u8], _deadline: Instant) -> io::Result<usize> {
            if self.pending.is_empty() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "scripted silence"));
            }
            let n = buf.len().min(self.pending.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            Ok(n)
        }
        fn write_all(&mut self, bytes: &[u8], _deadline: Instant) -> io::Result<()> {
            self.written.extend_from_slice(bytes);
            for _ in 0..bytes.iter().filter(|&&b| b == b'\n').count() {
                if let Some(a) = self.answers.pop_front() {
                    self.pending.extend_from_slice(a.as_bytes());
                }
            }
            Ok(())
        }
        fn start_tls(&mut self, _deadline: Instant) -> Result<TlsInfo, TlsFailure> {
            if self.tls_ok {
                Ok(TlsInfo {
                    version: "TLSv1.3".into(),
                    cipher: "TLS13_AES_256_GCM_SHA384".into(),
                    server_name: "relay.test".into(),
                    certificates: vec![],
                    verification: Verification::Verified,
                })
            } else {
                Err(TlsFailure {
                    message: "certificate not valid for name".into(),
                    is_certificate: true,
                    is_timeout: false,
                    is_closed: false,
                    certificates: vec![],
                })
            }
        }
    }

    const BANNER: &str = "220 smtp-relay.gmail.com ESMTP x - gsmtp\r\n";
    const EHLO_PLAIN: &str = "250-smtp-relay.gmail.com at your service, [203.0.113.9]\r\n250-STARTTLS\r\n250 PIPELINING\r\n";
    const EHLO_TLS: &str = "250-smtp-relay.gmail.com at your service, [203.0.113.9]\r\n250-AUTH LOGIN PLAIN XOAUTH2\r\n250 PIPELINING\r\n";

    fn plan<'a>(
        creds: Option<&'a Credentials>,
        env: Option<(&'a str, &'a [String])>,
    ) -> SessionPlan<'a> {
        SessionPlan {
            helo: "mail.example.com",
            tls: TlsStart::StartTls,
            credentials: creds,
            allow_plaintext_auth: false,
            envelope: env,
            message: None,
            timeout: Duration::from_secs(1),
        }
    }

    fn creds() -> Credentials {
        Credentials {
            user: "relay@example.com".into(),
            secret: Secret::new("s3cret-Pa55"),
            mechanism: MechanismChoice::Auto,
        }
    }

    #[test]
    fn full_starttls_auth_envelope_pipelined() {
        let mut s = Script::new(
            BANNER,
            &[
                EHLO_PLAIN,
                "220 2.0.0 Ready to start TLS\r\n",
                EHLO_TLS,
                "235 2.7.0 Accepted\r\n",
                "250 2.1.0 OK x - gsmtp\r\n250 2.1.5 OK x - gsmtp\r\n250 2.1.5 Flushed\r\n221 2.0.0 closing connection\r\n",
            ],
        );
        let c = creds();
        let rcpts = vec!["you@example.org".to_owned()];
        let r = run(
            &mut s,
            &plan(Some(&c), Some(("it@example.com", &rcpts))),
            Instant::now(),
            1,
        );
        assert_eq!(r.stop, None, "{:?}", r.transcript);
        assert_eq!(
            r.auth,
            AuthOutcome::Accepted {
                mechanism: Mechanism::Plain
            }
        );
        assert_eq!(r.client_ip, Some("203.0.113.9".parse().unwrap()));
        assert_eq!(r.rcpt_to.len(), 1);
        assert!(r.tls.is_some());
        let written = String::from_utf8(s.written).unwrap();
        assert!(written.contains(
            "MAIL FROM:<it@example.com>\r\nRCPT TO:<you@example.org>\r\nRSET\r\nQUIT\r\n"
        ));
        let shown = format!("{:?}", r.transcript);
        assert!(!shown.contains("s3cret") && !shown.contains(&auth::plain_response(&c)));
        assert!(shown.contains("AUTH PLAIN (credentials redacted)"));
    }

    #[test]
    fn no_starttls_is_a_stop_and_nothing_secret_is_sent() {
        let mut s = Script::new(BANNER, &["250-x\r\n250 AUTH PLAIN\r\n", "221 bye\r\n"]);
        let c = creds();
        let r = run(&mut s, &plan(Some(&c), None), Instant::now(), 1);
        assert_eq!(
            r.stop.as_ref().map(|s| &s.1),
            Some(&Stop::StarttlsNotOffered)
        );
        let written = String::from_utf8(s.written).unwrap();
        assert_eq!(written, "EHLO mail.example.com\r\nQUIT\r\n");
    }

    #[test]
    fn auth_only_before_tls_is_not_sent() {
        let mut s = Script::new(
            BANNER,
            &[
                "250-x\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n",
                "220 go\r\n",
                "250-x\r\n250 SIZE 10\r\n",
                "221 bye\r\n",
            ],
        );
        let c = creds();
        let r = run(&mut s, &plan(Some(&c), None), Instant::now(), 1);
        assert!(matches!(
            r.auth,
            AuthOutcome::NotSent {
                offered_only_before_tls: true,
                ..
            }
        ));
        assert!(!String::from_utf8(s.written).unwrap().contains("AUTH"));
    }

    #[test]
    fn helo_refused_with_421() {
        let mut s = Script::new(
            BANNER,
            &["421 4.7.0 Try again later, closing connection. (EHLO) x - gsmtp\r\n"],
        );
        let r = run(&mut s, &plan(None, None), Instant::now(), 1);
        let (step, stop) = r.stop.unwrap();
        assert_eq!(step, StepName::Ehlo);
        assert!(matches!(stop, Stop::Refused { reply } if reply.code == 421));
    }

    #[test]
    fn silence_and_tls_failure() {
        let mut s = Script::new("", &[]);
        let r = run(&mut s, &plan(None, None), Instant::now(), 1);
        assert_eq!(
            r.stop.unwrap(),
            (StepName::Banner, Stop::Timeout { partial: false })
        );

        let mut s = Script::new(BANNER, &[EHLO_PLAIN, "220 go\r\n"]);
        s.tls_ok = false;
        let r = run(&mut s, &plan(None, None), Instant::now(), 1);
        assert!(matches!(r.stop, Some((StepName::Tls, Stop::Tls { .. }))));
    }

    #[test]
    fn login_mechanism_and_rejection() {
        let mut s = Script::new(
            BANNER,
            &[
                EHLO_PLAIN,
                "220 go\r\n",
                "250-x\r\n250 AUTH LOGIN\r\n",
                "334 VXNlcm5hbWU6\r\n",
                "334 UGFzc3dvcmQ6\r\n",
                "535-5.7.8 Username and Password not accepted.\r\n535 5.7.8 x - gsmtp\r\n",
                "221 bye\r\n",
            ],
        );
        let c = creds();
        let r = run(&mut s, &plan(Some(&c), None), Instant::now(), 1);
        assert!(matches!(
            &r.auth,
            AuthOutcome::Rejected { mechanism: Mechanism::Login, reply } if reply.code == 535
        ));
        let shown = format!("{:?}", r.transcript);
        assert!(!shown.contains(&auth::login_password(&c)));
        assert!(shown.contains("challenge: Password:"));
    }

    fn message_plan<'a>(
        creds: Option<&'a Credentials>,
        rcpts: &'a [String],
        message: &'a [u8],
    ) -> SessionPlan<'a> {
        SessionPlan {
            envelope: Some(("it@example.com", rcpts)),
            message: Some(message),
            ..plan(creds, None)
        }
    }

    /// One line of message: `Subject: x`, an empty line, `.hello`: 4 lines with the dot.
    const MESSAGE: &[u8] = b"Subject: x\n\n.hello\n";

    #[test]
    fn dot_stuffing_and_line_ends() {
        assert_eq!(dot_stuff(b"a\n.b\r\n..c"), b"a\r\n..b\r\n...c\r\n.\r\n");
        assert_eq!(dot_stuff(b""), b".\r\n");
        assert_eq!(dot_stuff(b"x\r\n"), b"x\r\n.\r\n");
    }

    #[test]
    fn a_message_is_accepted_only_by_the_reply_after_the_dot() {
        let mut s = Script::new(
            BANNER,
            &[
                EHLO_PLAIN,
                "220 2.0.0 Ready to start TLS\r\n",
                EHLO_TLS,
                "250 2.1.0 OK\r\n250 2.1.5 OK\r\n",
                "",
                "354 Go ahead\r\n",
                "",
                "",
                "",
                "250 2.0.0 OK  1700000000 q1 - gsmtp\r\n",
                "221 bye\r\n",
            ],
        );
        let rcpts = vec!["you@example.org".to_owned()];
        let r = run(
            &mut s,
            &message_plan(None, &rcpts, MESSAGE),
            Instant::now(),
            1,
        );
        assert_eq!(r.stop, None, "{:?}", r.transcript);
        assert_eq!(r.message_reply.as_ref().map(|r| r.code), Some(250));
        let written = String::from_utf8(s.written).unwrap();
        assert!(
            written.contains("DATA\r\nSubject: x\r\n\r\n..hello\r\n.\r\nQUIT\r\n"),
            "{written}"
        );
        assert!(!written.contains("RSET"));
    }

    #[test]
    fn data_answered_250_sends_no_message() {
        let mut s = Script::new(
            BANNER,
            &[
                EHLO_PLAIN,
                "220 go\r\n",
                EHLO_TLS,
                "250 OK\r\n250 OK\r\n",
                "",
                "250 2.0.0 OK queued as FORGED\r\n",
                "221 bye\r\n",
            ],
        );
        let rcpts = vec!["you@example.org".to_owned()];
        let r = run(
            &mut s,
            &message_plan(None, &rcpts, MESSAGE),
            Instant::now(),
            1,
        );
        assert!(matches!(
            r.stop,
            Some((StepName::Data, Stop::Protocol { .. }))
        ));
        assert_eq!(r.message_reply, None);
        let written = String::from_utf8(s.written).unwrap();
        assert!(!written.contains("Subject: x"), "{written}");
    }

    #[test]
    fn auth_answered_250_is_not_acceptance_and_stops_a_message() {
        let mut s = Script::new(
            BANNER,
            &[
                EHLO_PLAIN,
                "220 go\r\n",
                EHLO_TLS,
                "250 2.0.0 OK whatever\r\n",
                "221 bye\r\n",
            ],
        );
        let c = creds();
        let rcpts = vec!["you@example.org".to_owned()];
        let r = run(
            &mut s,
            &message_plan(Some(&c), &rcpts, MESSAGE),
            Instant::now(),
            1,
        );
        assert!(
            matches!(r.auth, AuthOutcome::Rejected { .. }),
            "{:?}",
            r.auth
        );
        assert!(matches!(
            r.stop,
            Some((StepName::Auth, Stop::Refused { .. }))
        ));
        let written = String::from_utf8(s.written).unwrap();
        assert!(!written.contains("MAIL FROM"), "{written}");
    }

    #[test]
    fn a_334_after_the_last_credential_is_cancelled_with_a_star() {
        let mut s = Script::new(
            BANNER,
            &[
                EHLO_PLAIN,
                "220 go\r\n",
                EHLO_TLS,
                "334 more please\r\n",
                "501 5.7.0 cancelled\r\n",
                "250 OK\r\n250 OK\r\n250 flushed\r\n221 bye\r\n",
            ],
        );
        let c = creds();
        let rcpts = vec!["you@example.org".to_owned()];
        let r = run(
            &mut s,
            &plan(Some(&c), Some(("it@example.com", &rcpts))),
            Instant::now(),
            1,
        );
        assert!(r.auth_cancelled);
        assert!(matches!(r.auth, AuthOutcome::Rejected { .. }));
        let written = String::from_utf8(s.written).unwrap();
        let after_auth = written.split("AUTH PLAIN").nth(1).unwrap();
        let next = after_auth.lines().nth(1).unwrap();
        assert_eq!(next, "*", "{written}");
    }

    #[test]
    fn bytes_after_the_starttls_220_are_discarded_and_counted() {
        let forged = "250 2.0.0 OK queued as FORGED-BY-MITM\r\n";
        let starttls = format!("220 2.0.0 Ready to start TLS\r\n{forged}");
        let starttls: &'static str = Box::leak(starttls.into_boxed_str());
        let mut s = Script::new(BANNER, &[EHLO_PLAIN, starttls, EHLO_TLS, "221 bye\r\n"]);
        let r = run(&mut s, &plan(None, None), Instant::now(), 1);
        assert_eq!(r.starttls_injection, forged.len());
        assert_eq!(r.stop, None, "{:?}", r.transcript);
        // The capabilities are those of the EHLO inside TLS, not the forged line.
        assert!(r.capabilities_tls.as_ref().unwrap().has("PIPELINING"));
    }

    #[test]
    fn credentials_echoed_by_the_server_are_redacted_everywhere() {
        let c = creds();
        let blob = auth::plain_response(&c);
        let echo = format!(
            "535-5.7.8 you sent {blob}\r\n535 5.7.8 password {} rejected\r\n",
            c.secret.expose()
        );
        let echo: &'static str = Box::leak(echo.into_boxed_str());
        let mut s = Script::new(
            BANNER,
            &[EHLO_PLAIN, "220 go\r\n", EHLO_TLS, echo, "221 bye\r\n"],
        );
        let r = run(&mut s, &plan(Some(&c), None), Instant::now(), 1);
        let shown = format!("{r:?}") + &serde_json::to_string(&r).unwrap();
        assert!(!shown.contains(c.secret.expose()), "{shown}");
        assert!(!shown.contains(&blob), "{shown}");
        assert!(shown.contains(crate::smtp::redact::MARK));
    }
}
