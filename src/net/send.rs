//! Sends one real test message through the relay with lettre's blocking SMTP connection
//! (rustls, ring). The only file in the crate that names lettre; it opens the connection,
//! drives the steps and classifies every failure, but prints nothing and decides no exit code.
//!
//! TLS is always required: STARTTLS on STARTTLS ports (refused when not offered), TLS from
//! the first byte on implicit ports. No credential and no message byte ever crosses the
//! network before TLS, whatever the flags; lettre's debug log (which holds the AUTH
//! exchange) is never enabled: its `tracing` feature is off.
//!
//! relayctl dials the relay itself and puts a loopback pass-through (the guard) between
//! lettre and that socket, so each reply is bounded in time and the relay in bytes.

use std::error::Error as StdError;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use lettre::message::{header::ContentType, Mailbox, Message};
use lettre::transport::smtp::client::{
    Certificate, SmtpConnection, TlsParameters, TlsParametersBuilder,
};
use lettre::transport::smtp::commands::{Auth, Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::Response;
use lettre::transport::smtp::{authentication, Error as SmtpError};
use serde::Serialize;

use crate::smtp::{Credentials, Mechanism, MechanismChoice, PortSpec, TlsStart};

/// A SASL exchange that needs more rounds than this is not going anywhere (LOGIN needs 2).
const MAX_AUTH_ROUNDS: usize = 5;

/// Which addresses of the relay host to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Family {
    /// IPv4 and IPv6, in the resolver's order.
    #[default]
    Any,
    /// IPv4 only (`-4`).
    V4,
    /// IPv6 only (`-6`).
    V6,
}

impl Family {
    fn admits(self, ip: IpAddr) -> bool {
        match self {
            Family::Any => true,
            Family::V4 => ip.is_ipv4(),
            Family::V6 => ip.is_ipv6(),
        }
    }
}

/// What to send, where and how.
#[derive(Debug, Clone)]
pub struct SendRequest<'a> {
    /// The relay host: a DNS name or an IP literal. Also the name the certificate must match.
    pub host: &'a str,
    /// Addresses of `host` resolved by the caller (`relayctl send-test` uses probe's
    /// resolver, so DNS failures read the same); empty: ask the system resolver.
    pub addresses: &'a [IpAddr],
    /// Which address family to use.
    pub family: Family,
    /// Port and how TLS starts there.
    pub port: PortSpec,
    /// The EHLO argument (a name, or an IP address sent as an address literal).
    pub helo: &'a str,
    /// The limit for each step: connect, each reply, the TLS handshake.
    pub timeout: Duration,
    /// Extra trust anchors (PEM), added to the public roots.
    pub ca_pem: Option<&'a [u8]>,
    /// Accept any certificate (`--insecure`). The caller warns.
    pub insecure: bool,
    /// SMTP AUTH credentials; sent only over TLS.
    pub credentials: Option<&'a Credentials>,
    /// Envelope sender and From: (an address, optionally `Name <address>`).
    pub from: &'a str,
    /// Recipients (To: and the envelope).
    pub to: &'a [String],
    /// Subject of the message.
    pub subject: &'a str,
    /// Plain-text body.
    pub body: &'a str,
}

/// An SMTP reply as the relay sent it. For a refusal, lettre hands over the text lines
/// joined by spaces (a repeated enhanced code kept once), so `lines` has one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    /// The three-digit code.
    pub code: u16,
    /// The enhanced status code (RFC 3463) at the start of the text, if any.
    pub enhanced: Option<String>,
    /// The text lines, without the code.
    pub lines: Vec<String>,
}

impl Reply {
    fn new(code: u16, lines: Vec<String>) -> Reply {
        let enhanced = lines
            .first()
            .and_then(|l| l.split_whitespace().next())
            .filter(|w| is_enhanced_code(w))
            .map(str::to_owned);
        Reply {
            code,
            enhanced,
            lines,
        }
    }

    fn from_response(r: &Response) -> Reply {
        Reply::new(
            code_number(&r.code().to_string()),
            r.message().map(str::to_owned).collect(),
        )
    }

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

/// `2.0.0`, `5.7.1`, `4.7.28`: class.subject.detail (RFC 3463 §2).
fn is_enhanced_code(w: &str) -> bool {
    let parts: Vec<&str> = w.split('.').collect();
    parts.len() == 3
        && matches!(parts[0], "2" | "4" | "5")
        && parts[1..]
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

fn code_number(s: &str) -> u16 {
    s.parse().unwrap_or(0)
}

/// One step of the session, to say where something went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// The TCP connection.
    Connect,
    /// The banner and the first EHLO (lettre reads them in one call).
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
    /// Whether the connection was encrypted when the session ended.
    pub encrypted: bool,
    /// Whether the certificate was verified (false only with `--insecure`).
    pub certificate_verified: bool,
    /// The EHLO argument.
    pub helo: String,
    /// The server name in the EHLO answer (its first word), once known.
    pub server_name: Option<String>,
    /// The AUTH user, when credentials were given.
    pub auth_user: Option<String>,
    /// The mechanism used, once AUTH was sent.
    pub auth_mechanism: Option<Mechanism>,
    /// Whether any credential was sent (always over TLS).
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

/// Which TLS problem stopped the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsProblem {
    /// The certificate does not name the host connected to.
    NotValidForName,
    /// The certificate chain does not lead to a trusted root.
    UnknownIssuer,
    /// The certificate has expired.
    Expired,
    /// The certificate is not valid yet.
    NotYetValid,
    /// The certificate is revoked.
    Revoked,
    /// Another certificate problem (bad signature, encoding, purpose).
    BadCertificate,
    /// The handshake itself failed (an alert, a peer not speaking TLS, no common version).
    Handshake,
}

impl fmt::Display for TlsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsProblem::NotValidForName => "the certificate is not valid for this host name",
            TlsProblem::UnknownIssuer => "the certificate's issuer is not trusted",
            TlsProblem::Expired => "the certificate has expired",
            TlsProblem::NotYetValid => "the certificate is not valid yet",
            TlsProblem::Revoked => "the certificate is revoked",
            TlsProblem::BadCertificate => "the certificate is not acceptable",
            TlsProblem::Handshake => "the TLS handshake failed",
        })
    }
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
        /// rustls's words for it.
        detail: String,
    },
    /// A STARTTLS port whose EHLO answer does not offer STARTTLS (a misconfigured server,
    /// or someone on the path stripping it). Nothing was sent.
    NoStartTls,
    /// Credentials were given but the relay offers neither PLAIN nor LOGIN over TLS.
    AuthNotOffered,
    /// The server broke the protocol (an unparsable reply, an endless AUTH exchange).
    Protocol {
        /// What went wrong.
        detail: String,
    },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Refused {
                reply,
                recipient: Some(r),
            } => write!(f, "refused <{r}>: {}", reply.one_line()),
            Failure::Refused { reply, .. } => write!(f, "refused: {}", reply.one_line()),
            Failure::Tls { problem, detail } => write!(f, "{problem} ({detail})"),
            Failure::NoStartTls => f.write_str(
                "the relay did not offer STARTTLS: possible downgrade; nothing was sent",
            ),
            Failure::AuthNotOffered => f.write_str(
                "the relay offers neither AUTH PLAIN nor AUTH LOGIN over TLS; no credential was sent",
            ),
            Failure::Protocol { detail } => write!(f, "protocol error: {detail}"),
        }
    }
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

/// The three kinds of [`SendError`], each with its own exit status in the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// A value given is unusable (an address, the CA file); nothing was attempted.
    Input,
    /// The relay could not be resolved, reached, or did not answer in time.
    Unreachable,
    /// The relay was reached and the session stopped there: a finding.
    Stopped,
}

/// Why no message was accepted.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// An address flag does not hold an email address.
    #[error("{flag} {value:?} is not an email address: {why}")]
    Address {
        /// The flag (`--from`, `--to`).
        flag: &'static str,
        /// The value given.
        value: String,
        /// lettre's reason.
        why: String,
    },
    /// The `--ca-file` PEM holds no usable certificate.
    #[error("--ca-file: {0}")]
    CaFile(String),
    /// The relay host has no address (of the wanted family).
    #[error("cannot resolve {host}: {why}")]
    Resolve {
        /// The host.
        host: String,
        /// Why.
        why: String,
    },
    /// No connection (refused, no route), or the connection was lost.
    #[error("{endpoint}: {why} (at {step})")]
    Unreachable {
        /// `host:port` or `address:port`.
        endpoint: String,
        /// The step.
        step: Step,
        /// What the system said.
        why: String,
    },
    /// A step took longer than the timeout.
    #[error("{endpoint}: no answer within {:.1} s (at {step})", timeout.as_secs_f64())]
    Timeout {
        /// `host:port` or `address:port`.
        endpoint: String,
        /// The step.
        step: Step,
        /// The limit.
        timeout: Duration,
    },
    /// The relay was reached and refused or failed a step.
    #[error("{}:{}: {} (at {})", .0.session.host, .0.session.port, .0.failure, .0.step)]
    Stopped(Box<Stopped>),
}

impl SendError {
    /// Which kind of error this is.
    pub fn class(&self) -> ErrorClass {
        match self {
            SendError::Address { .. } | SendError::CaFile(_) => ErrorClass::Input,
            SendError::Resolve { .. }
            | SendError::Unreachable { .. }
            | SendError::Timeout { .. } => ErrorClass::Unreachable,
            SendError::Stopped(_) => ErrorClass::Stopped,
        }
    }
}

/// Checks that `value` of `flag` is an email address (`a@b` or `Name <a@b>`), with
/// lettre's parser, so a bad one is refused before any credential is read.
pub fn check_address(flag: &'static str, value: &str) -> Result<(), SendError> {
    parse_mailbox(flag, value).map(drop)
}

fn parse_mailbox(flag: &'static str, value: &str) -> Result<Mailbox, SendError> {
    value
        .trim()
        .parse::<Mailbox>()
        .map_err(|e| SendError::Address {
            flag,
            value: value.to_owned(),
            why: e.to_string(),
        })
}

/// Sends one message: connect (each address in turn until one accepts the TCP
/// connection; lettre talks to it through the guard), banner and EHLO, STARTTLS or TLS on connect, EHLO again, AUTH when
/// credentials are given, MAIL FROM, RCPT TO, DATA, the message, QUIT.
///
/// TLS is required on every port: a STARTTLS port whose EHLO does not offer STARTTLS
/// stops with [`Failure::NoStartTls`] before anything is sent, and AUTH is only ever sent
/// over TLS. There is deliberately no opportunistic mode, so `--allow-plaintext-auth`
/// has nothing to allow here.
pub fn send_test(req: &SendRequest<'_>) -> Result<SendOutcome, SendError> {
    let from = parse_mailbox("--from", req.from)?;
    let to = req
        .to
        .iter()
        .map(|t| parse_mailbox("--to", t))
        .collect::<Result<Vec<_>, _>>()?;
    let message_id = message_id(&from);
    let message = build_message(req, &from, &to, &message_id)?;
    let tls = tls_parameters(req)?;
    let addrs = resolve(req)?;

    let mut s = Session {
        host: req.host.to_owned(),
        peer: None,
        port: req.port.port,
        tls_start: req.port.tls,
        encrypted: false,
        certificate_verified: !req.insecure,
        helo: req.helo.to_owned(),
        server_name: None,
        auth_user: req.credentials.map(|c| c.user.clone()),
        auth_mechanism: None,
        credentials_sent: false,
        from: from.email.to_string(),
        to: to.iter().map(|m| m.email.to_string()).collect(),
        message_id,
        subject: req.subject.to_owned(),
    };
    let start = Instant::now();
    let (sock, peer) = dial(&addrs, req.timeout)?;
    s.peer = Some(peer);
    let guard = Guard::start(sock, req.timeout).map_err(|e| SendError::Unreachable {
        endpoint: endpoint(peer),
        step: Step::Connect,
        why: format!("cannot set up the loopback guard: {e}"),
    })?;
    // Declared after the guard, so dropped before it: lettre closes first.
    let mut conn = connect(req, &guard, &tls, &mut s, start)?;
    s.server_name = Some(conn.server_info().name().to_owned());
    s.encrypted = conn.is_encrypted();
    let mut run = Run {
        conn: &mut conn,
        req,
        session: s,
        start,
        guard: &guard,
    };
    let reply = run.session_steps(&tls, &message)?;
    // The message is accepted; QUIT's answer changes nothing.
    let _ = run.conn.quit();
    let elapsed_ms = elapsed(start);
    Ok(SendOutcome {
        session: run.session,
        reply,
        elapsed_ms,
    })
}

fn elapsed(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn endpoint(addr: SocketAddr) -> String {
    addr.to_string()
}

/// `<relayctl.<time>.<pid>@<from domain>>`: unique enough for one test message, and in a
/// domain the sender controls (RFC 5322 §3.6.4).
fn message_id(from: &Mailbox) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "<relayctl-send-test.{nanos:x}.{:x}@{}>",
        std::process::id(),
        from.email.domain()
    )
}

fn build_message(
    req: &SendRequest<'_>,
    from: &Mailbox,
    to: &[Mailbox],
    message_id: &str,
) -> Result<Message, SendError> {
    let mut b = Message::builder()
        .from(from.clone())
        .subject(req.subject)
        .message_id(Some(message_id.to_owned()))
        .date_now();
    for m in to {
        b = b.to(m.clone());
    }
    b.header(ContentType::TEXT_PLAIN)
        .body(req.body.to_owned())
        .map_err(|e| SendError::Address {
            flag: "--to",
            value: req.to.join(", "),
            why: e.to_string(),
        })
}

fn tls_parameters(req: &SendRequest<'_>) -> Result<TlsParameters, SendError> {
    let mut b = TlsParametersBuilder::new(req.host.to_owned());
    if let Some(pem) = req.ca_pem {
        // lettre accepts a PEM without any certificate; that is a mistake worth saying.
        if !String::from_utf8_lossy(pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(SendError::CaFile(
                "no PEM certificate in the file".to_owned(),
            ));
        }
        let cert = Certificate::from_pem(pem).map_err(|e| SendError::CaFile(e.to_string()))?;
        b = b.add_root_certificate(cert);
    }
    if req.insecure {
        b = b
            .dangerous_accept_invalid_certs(true)
            .dangerous_accept_invalid_hostnames(true);
    }
    b.build_rustls().map_err(|e| SendError::CaFile(chain(&e)))
}

fn resolve(req: &SendRequest<'_>) -> Result<Vec<SocketAddr>, SendError> {
    let port = req.port.port;
    let all: Vec<SocketAddr> = if !req.addresses.is_empty() {
        req.addresses
            .iter()
            .map(|ip| SocketAddr::new(*ip, port))
            .collect()
    } else {
        (req.host, port)
            .to_socket_addrs()
            .map_err(|e| SendError::Resolve {
                host: req.host.to_owned(),
                why: e.to_string(),
            })?
            .collect()
    };
    let addrs: Vec<SocketAddr> = all
        .into_iter()
        .filter(|a| req.family.admits(a.ip()))
        .collect();
    if addrs.is_empty() {
        let why = match req.family {
            Family::Any => "no address",
            Family::V4 => "no IPv4 address (-4)",
            Family::V6 => "no IPv6 address (-6)",
        };
        return Err(SendError::Resolve {
            host: req.host.to_owned(),
            why: why.to_owned(),
        });
    }
    Ok(addrs)
}

fn client_id(helo: &str) -> ClientId {
    match helo.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => ClientId::Ipv4(a),
        Ok(IpAddr::V6(a)) => ClientId::Ipv6(a),
        Err(_) => ClientId::Domain(helo.to_owned()),
    }
}

/// Dials each address in turn; the first that accepts the TCP connection is the relay.
fn dial(addrs: &[SocketAddr], timeout: Duration) -> Result<(TcpStream, SocketAddr), SendError> {
    // The probe's dialer: one place maps connect errors (refused, timeout, no route).
    let mut last = None;
    for &addr in addrs {
        match super::smtp::dial(addr, timeout) {
            Ok(sock) => return Ok((sock, addr)),
            Err(e) => last = Some((addr, e)),
        }
    }
    let Some((addr, e)) = last else {
        return Err(SendError::Unreachable {
            endpoint: "(no address)".to_owned(),
            step: Step::Connect,
            why: "no address to connect to".to_owned(),
        });
    };
    if e == super::DialError::Timeout {
        return Err(SendError::Timeout {
            endpoint: endpoint(addr),
            step: Step::Connect,
            timeout,
        });
    }
    let more = if addrs.len() > 1 {
        format!(" (and {} other addresses)", addrs.len() - 1)
    } else {
        String::new()
    };
    Err(SendError::Unreachable {
        endpoint: format!("{}{more}", endpoint(addr)),
        step: Step::Connect,
        why: e.to_string(),
    })
}

/// lettre's connection (banner, EHLO, TLS on connect) through the guard.
fn connect(
    req: &SendRequest<'_>,
    guard: &Guard,
    tls: &TlsParameters,
    s: &mut Session,
    start: Instant,
) -> Result<SmtpConnection, SendError> {
    let implicit = req.port.tls == TlsStart::Implicit;
    SmtpConnection::connect(
        guard.local,
        Some(req.timeout),
        &client_id(req.helo),
        implicit.then_some(tls),
        None,
    )
    .map_err(|e| {
        s.encrypted = implicit;
        let step = if implicit && find_tls_error(&e).is_some() {
            Step::Tls
        } else {
            Step::Greeting
        };
        classify(e, step, s, guard, req.timeout, start)
    })
}

/// The most bytes the relay may send in one session. Google's whole side of a session
/// (banner, two EHLO answers, its certificate chain, the replies) is a few kilobytes; a
/// private relay's longer chain fits too. Kept small because lettre re-parses a
/// multi-line reply from its start at every line, so its cost grows with the square of
/// what it is given.
const MAX_RELAY_BYTES: u64 = 64 * 1024;

/// How often the guard looks at the clock.
const GUARD_TICK: Duration = Duration::from_millis(10);

/// A loopback pass-through between lettre and the relay. lettre reads a reply line
/// without bound and times only single reads, so a relay that sends an endless line, or
/// drips one byte at a time, would hold it for ever and grow its buffer without limit.
/// The guard enforces what `--timeout` promises: each reply complete within the timeout
/// of the client's last write, and at most [`MAX_RELAY_BYTES`] from the relay; past
/// either it closes both sockets. It passes bytes through unchanged, so TLS (and the
/// certificate check) stays end to end between lettre and the relay.
struct Guard {
    /// Where lettre connects.
    local: SocketAddr,
    state: Arc<GuardState>,
    supervisor: Option<thread::JoinHandle<()>>,
}

#[derive(Debug)]
struct GuardState {
    /// The relay took longer than the timeout to answer.
    expired: AtomicBool,
    /// The relay sent more than MAX_RELAY_BYTES.
    flooded: AtomicBool,
    /// The session is over; stop.
    done: AtomicBool,
    /// When the client last wrote (or the connection started).
    last_client: Mutex<Instant>,
}

impl GuardState {
    fn touch(&self) {
        if let Ok(mut t) = self.last_client.lock() {
            *t = Instant::now();
        }
    }

    fn since_client(&self) -> Duration {
        self.last_client
            .lock()
            .map(|t| t.elapsed())
            .unwrap_or_default()
    }
}

impl Guard {
    fn start(relay: TcpStream, timeout: Duration) -> io::Result<Guard> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        listener.set_nonblocking(true)?;
        let local = listener.local_addr()?;
        relay.set_nodelay(true)?;
        let state = Arc::new(GuardState {
            expired: AtomicBool::new(false),
            flooded: AtomicBool::new(false),
            done: AtomicBool::new(false),
            last_client: Mutex::new(Instant::now()),
        });
        let st = state.clone();
        let supervisor = thread::Builder::new()
            .name("relayctl-send-guard".to_owned())
            .spawn(move || supervise(listener, relay, &st, timeout))?;
        Ok(Guard {
            local,
            state,
            supervisor: Some(supervisor),
        })
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.state.done.store(true, Ordering::SeqCst);
        if let Some(t) = self.supervisor.take() {
            let _ = t.join();
        }
    }
}

/// Accepts lettre's connection, pumps both ways, and closes both sockets when the
/// session ends, the relay is too slow, or it sends too much.
fn supervise(listener: TcpListener, relay: TcpStream, st: &GuardState, timeout: Duration) {
    let client = loop {
        match listener.accept() {
            Ok((c, peer)) if peer.ip().is_loopback() => break c,
            Ok(_) => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if st.done.load(Ordering::SeqCst) || st.since_client() > timeout {
                    let _ = relay.shutdown(Shutdown::Both);
                    return;
                }
                thread::sleep(Duration::from_millis(2));
            }
            Err(_) => {
                let _ = relay.shutdown(Shutdown::Both);
                return;
            }
        }
    };
    drop(listener);
    let handles = (|| -> io::Result<_> {
        client.set_nonblocking(false)?;
        client.set_nodelay(true)?;
        Ok((
            client.try_clone()?,
            client.try_clone()?,
            relay.try_clone()?,
            relay.try_clone()?,
        ))
    })();
    let Ok((client_r, client_w, relay_r, relay_w)) = handles else {
        let _ = client.shutdown(Shutdown::Both);
        let _ = relay.shutdown(Shutdown::Both);
        return;
    };
    st.touch();
    thread::scope(|scope| {
        let up = scope.spawn(|| pump_up(client_r, relay_w, st));
        let down = scope.spawn(|| pump_down(relay_r, client_w, st));
        while !(up.is_finished() && down.is_finished()) {
            if st.done.load(Ordering::SeqCst) {
                break;
            }
            if st.since_client() > timeout {
                st.expired.store(true, Ordering::SeqCst);
                break;
            }
            thread::sleep(GUARD_TICK);
        }
        // Ends both pumps: their blocked reads return.
        let _ = relay.shutdown(Shutdown::Both);
        let _ = client.shutdown(Shutdown::Both);
    });
}

/// lettre -> relay. Every byte lettre writes restarts the reply clock.
fn pump_up(mut from: TcpStream, mut to: TcpStream, st: &GuardState) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                st.touch();
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// relay -> lettre, counting; past MAX_RELAY_BYTES nothing more is passed on.
fn pump_down(mut from: TcpStream, mut to: TcpStream, st: &GuardState) {
    let mut buf = [0u8; 16 * 1024];
    let mut total: u64 = 0;
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                total += n as u64;
                if total > MAX_RELAY_BYTES {
                    st.flooded.store(true, Ordering::SeqCst);
                    let _ = from.shutdown(Shutdown::Both);
                    break;
                }
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Both);
}

/// One session, once connected: everything after the greeting.
struct Run<'a, 'r> {
    conn: &'a mut SmtpConnection,
    req: &'a SendRequest<'r>,
    session: Session,
    start: Instant,
    guard: &'a Guard,
}

impl Run<'_, '_> {
    fn session_steps(
        &mut self,
        tls: &TlsParameters,
        message: &Message,
    ) -> Result<Reply, SendError> {
        if self.req.port.tls == TlsStart::StartTls {
            self.starttls(tls)?;
        }
        if !self.conn.is_encrypted() {
            // Cannot happen: both branches above end encrypted or return. Checked anyway,
            // because what follows may carry a password.
            return Err(self.stop(
                Step::Tls,
                Failure::Protocol {
                    detail: "the connection is not encrypted".to_owned(),
                },
            ));
        }
        if let Some(c) = self.req.credentials {
            self.auth(c)?;
        }
        self.transaction(message)
    }

    fn starttls(&mut self, tls: &TlsParameters) -> Result<(), SendError> {
        if !self
            .conn
            .server_info()
            .supports_feature(Extension::StartTls)
        {
            return Err(self.stop(Step::Starttls, Failure::NoStartTls));
        }
        let hello = client_id(self.req.helo);
        match self.conn.starttls(tls, &hello) {
            Ok(()) => {
                self.session.encrypted = true;
                self.session.server_name = Some(self.conn.server_info().name().to_owned());
                Ok(())
            }
            Err(e) => {
                // lettre swaps in the TLS stream before the handshake, which runs on the
                // first write (the EHLO); an error with rustls inside is the handshake's.
                let encrypted = self.conn.is_encrypted();
                let step = if find_tls_error(&e).is_some() {
                    Step::Tls
                } else if encrypted {
                    Step::EhloAfterTls
                } else {
                    Step::Starttls
                };
                self.session.encrypted = encrypted;
                Err(self.fail(e, step))
            }
        }
    }

    fn auth(&mut self, c: &Credentials) -> Result<(), SendError> {
        let info = self.conn.server_info();
        let mech = match c.mechanism {
            MechanismChoice::Auto => {
                match info.get_auth_mechanism(&[
                    authentication::Mechanism::Plain,
                    authentication::Mechanism::Login,
                ]) {
                    Some(m) => m,
                    None => return Err(self.stop(Step::Auth, Failure::AuthNotOffered)),
                }
            }
            // Sent even when not offered: the relay's answer is the finding.
            MechanismChoice::Fixed(m) => lettre_mechanism(m),
        };
        self.session.auth_mechanism = Some(our_mechanism(mech));
        let creds = authentication::Credentials::new(c.user.clone(), c.secret.expose().to_owned());
        let first = match Auth::new(mech, creds.clone(), None) {
            Ok(cmd) => cmd,
            Err(e) => return Err(self.fail(e, Step::Auth)),
        };
        self.session.credentials_sent = true;
        let mut resp = match self.conn.command(first) {
            Ok(r) => r,
            Err(e) => return Err(self.fail(e, Step::Auth)),
        };
        let mut rounds = 0;
        while resp.has_code(334) {
            rounds += 1;
            if rounds > MAX_AUTH_ROUNDS {
                return Err(self.stop(
                    Step::Auth,
                    Failure::Protocol {
                        detail: format!("AUTH {mech} still asking after {MAX_AUTH_ROUNDS} rounds"),
                    },
                ));
            }
            let next = if mech == authentication::Mechanism::Login {
                match Auth::new_from_response(mech, creds.clone(), &resp) {
                    Ok(cmd) => cmd.to_string(),
                    Err(e) => return Err(self.fail(e, Step::Auth)),
                }
            } else {
                // A challenge after PLAIN's or XOAUTH2's initial response is an error
                // report (Google sends XOAUTH2's as base64 JSON). An empty line ends the
                // exchange and brings the final reply (RFC 4954 §4; Google's XOAUTH2
                // protocol page).
                "\r\n".to_owned()
            };
            resp = match self.conn.command(next) {
                Ok(r) => r,
                Err(e) => return Err(self.fail(e, Step::Auth)),
            };
        }
        Ok(())
    }

    fn transaction(&mut self, message: &Message) -> Result<Reply, SendError> {
        let envelope = message.envelope();
        let bytes = message.formatted();
        let mut params = Vec::new();
        // RFC 6531 / RFC 6152: name the extensions a non-ASCII envelope or body needs.
        let non_ascii_env = envelope
            .from()
            .into_iter()
            .chain(envelope.to())
            .any(|a| !a.to_string().is_ascii());
        if non_ascii_env {
            params.push(MailParameter::SmtpUtfEight);
        }
        if !bytes.is_ascii() {
            params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        if let Err(e) = self
            .conn
            .command(Mail::new(envelope.from().cloned(), params))
        {
            return Err(self.fail(e, Step::MailFrom));
        }
        for rcpt in envelope.to() {
            if let Err(e) = self.conn.command(Rcpt::new(rcpt.clone(), vec![])) {
                let err = self.fail(e, Step::RcptTo);
                return Err(with_recipient(err, rcpt.as_ref()));
            }
        }
        if let Err(e) = self.conn.command(Data) {
            return Err(self.fail(e, Step::Data));
        }
        match self.conn.message(&bytes) {
            Ok(r) => Ok(Reply::from_response(&r)),
            Err(e) => Err(self.fail(e, Step::Message)),
        }
    }

    /// A lettre error at `step`: close the connection, classify.
    fn fail(&mut self, e: SmtpError, step: Step) -> SendError {
        self.conn.abort();
        let s = self.session.clone();
        classify(e, step, &s, self.guard, self.req.timeout, self.start)
    }

    /// A stop decided here (not by lettre): close the connection, report.
    fn stop(&mut self, step: Step, failure: Failure) -> SendError {
        self.conn.abort();
        SendError::Stopped(Box::new(Stopped {
            session: self.session.clone(),
            step,
            failure,
            elapsed_ms: elapsed(self.start),
        }))
    }
}

fn with_recipient(err: SendError, rcpt: &str) -> SendError {
    match err {
        SendError::Stopped(mut st) => {
            if let Failure::Refused { recipient, .. } = &mut st.failure {
                *recipient = Some(rcpt.to_owned());
            }
            SendError::Stopped(st)
        }
        other => other,
    }
}

fn lettre_mechanism(m: Mechanism) -> authentication::Mechanism {
    match m {
        Mechanism::Plain => authentication::Mechanism::Plain,
        Mechanism::Login => authentication::Mechanism::Login,
        Mechanism::Xoauth2 => authentication::Mechanism::Xoauth2,
    }
}

fn our_mechanism(m: authentication::Mechanism) -> Mechanism {
    match m {
        authentication::Mechanism::Plain => Mechanism::Plain,
        authentication::Mechanism::Login => Mechanism::Login,
        authentication::Mechanism::Xoauth2 => Mechanism::Xoauth2,
    }
}

/// Turns a lettre error at `step` into a [`SendError`]: a reply is a refusal, rustls
/// inside is a TLS problem, a timeout or a lost connection is the network's.
fn classify(
    e: SmtpError,
    step: Step,
    s: &Session,
    guard: &Guard,
    timeout: Duration,
    start: Instant,
) -> SendError {
    let endpoint = s.peer.map_or_else(|| s.host.clone(), endpoint);
    let stopped = |step: Step, failure: Failure| {
        SendError::Stopped(Box::new(Stopped {
            session: s.clone(),
            step,
            failure,
            elapsed_ms: elapsed(start),
        }))
    };
    // The guard's verdicts first: what lettre saw then was only the closed socket.
    if guard.state.expired.load(Ordering::SeqCst) {
        return SendError::Timeout {
            endpoint,
            step,
            timeout,
        };
    }
    if guard.state.flooded.load(Ordering::SeqCst) {
        return stopped(
            step,
            Failure::Protocol {
                detail: format!(
                    "the relay sent over {} KiB without finishing a reply (an endless reply)",
                    MAX_RELAY_BYTES / 1024
                ),
            },
        );
    }
    if let Some(code) = e.status() {
        let text = e.source().map(|x| x.to_string()).unwrap_or_default();
        let lines = if text.is_empty() { vec![] } else { vec![text] };
        let reply = Reply::new(code_number(&code.to_string()), lines);
        return stopped(
            step,
            Failure::Refused {
                reply,
                recipient: None,
            },
        );
    }
    if let Some(t) = find_tls_error(&e) {
        return stopped(
            Step::Tls,
            Failure::Tls {
                problem: tls_problem(t),
                detail: t.to_string(),
            },
        );
    }
    if is_timeout(&e) {
        return SendError::Timeout {
            endpoint,
            step,
            timeout,
        };
    }
    if let Some(io) = io_error(&e).filter(|io| io.kind() == io::ErrorKind::InvalidData) {
        // Not rustls's (handled above): lettre reads replies as UTF-8 text.
        return stopped(
            step,
            Failure::Protocol {
                detail: format!("the relay's reply is not valid text: {io}"),
            },
        );
    }
    if let Some(io) = io_error(&e) {
        return SendError::Unreachable {
            endpoint,
            step,
            why: io.to_string(),
        };
    }
    let detail = chain(&e);
    // lettre's Response kind "incomplete response": end of stream before a full reply.
    if detail.contains("incomplete response") {
        return SendError::Unreachable {
            endpoint,
            step,
            why: "the connection was closed without a reply".to_owned(),
        };
    }
    stopped(step, Failure::Protocol { detail })
}

/// The error and its sources, joined by ": ".
fn chain(e: &dyn StdError) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        let t = x.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = x.source();
    }
    s
}

/// The first `io::Error` in the chain.
fn io_error(e: &SmtpError) -> Option<&io::Error> {
    let mut src = e.source();
    while let Some(x) = src {
        if let Some(io) = x.downcast_ref::<io::Error>() {
            return Some(io);
        }
        src = x.source();
    }
    None
}

/// rustls's error, wherever it sits: lettre wraps the socket's io::Error, which wraps
/// rustls's (io::Error::source skips the wrapped error itself, hence get_ref).
fn find_tls_error(e: &SmtpError) -> Option<&rustls::Error> {
    let mut src = e.source();
    while let Some(x) = src {
        if let Some(t) = x.downcast_ref::<rustls::Error>() {
            return Some(t);
        }
        if let Some(t) = x
            .downcast_ref::<io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(t);
        }
        src = x.source();
    }
    None
}

/// Read timeouts surface as WouldBlock on Unix and TimedOut elsewhere; connect timeouts
/// as TimedOut.
fn is_timeout(e: &SmtpError) -> bool {
    matches!(
        io_error(e).map(io::Error::kind),
        Some(io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock)
    )
}

fn tls_problem(e: &rustls::Error) -> TlsProblem {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::NotValidForName | C::NotValidForNameContext { .. } => TlsProblem::NotValidForName,
            C::UnknownIssuer => TlsProblem::UnknownIssuer,
            C::Expired | C::ExpiredContext { .. } => TlsProblem::Expired,
            C::NotValidYet | C::NotValidYetContext { .. } => TlsProblem::NotYetValid,
            C::Revoked => TlsProblem::Revoked,
            _ => TlsProblem::BadCertificate,
        },
        _ => TlsProblem::Handshake,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn enhanced_codes() {
        for (name, w, ok) in [
            ("success", "2.0.0", true),
            ("google's auth", "5.7.8", true),
            ("three-digit detail", "4.7.280", true),
            ("class 3 does not exist", "3.0.0", false),
            ("two parts", "5.7", false),
            ("text", "OK", false),
            ("too long", "5.7.1234", false),
        ] {
            assert_eq!(is_enhanced_code(w), ok, "{name}");
        }
    }

    #[test]
    fn replies_render_as_sent() {
        let r = Reply::new(250, vec!["2.0.0 OK  1700000000 abc123 - gsmtp".to_owned()]);
        assert_eq!(r.enhanced.as_deref(), Some("2.0.0"));
        assert_eq!(r.wire_lines(), ["250 2.0.0 OK  1700000000 abc123 - gsmtp"]);
        let m = Reply::new(550, vec!["5.7.1 a".to_owned(), "5.7.1 b".to_owned()]);
        assert_eq!(m.wire_lines(), ["550-5.7.1 a", "550 5.7.1 b"]);
        assert_eq!(m.one_line(), "550 5.7.1 a 5.7.1 b");
        assert!(!m.is_transient());
        assert_eq!(Reply::new(421, vec![]).wire_lines(), ["421"]);
    }

    #[test]
    fn addresses_are_checked_by_lettre() {
        assert!(check_address("--from", "it@example.com").is_ok());
        assert!(check_address("--from", "IT <it@example.com>").is_ok());
        for bad in ["", "it", "it@", "@example.com", "a b@example.com"] {
            let e = check_address("--to", bad).unwrap_err();
            assert!(e.to_string().starts_with("--to "), "{bad}: {e}");
            assert_eq!(e.class(), ErrorClass::Input);
        }
    }

    fn request<'a>(port: u16, to: &'a [String]) -> SendRequest<'a> {
        SendRequest {
            host: "127.0.0.1",
            addresses: &[],
            family: Family::Any,
            port: PortSpec::new(port, TlsStart::StartTls),
            helo: "mail.example.com",
            timeout: Duration::from_secs(1),
            ca_pem: None,
            insecure: false,
            credentials: None,
            from: "it@example.com",
            to,
            subject: "test",
            body: "test\n",
        }
    }

    #[test]
    fn closed_port_is_unreachable_at_connect() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let to = ["you@example.com".to_owned()];
        let e = send_test(&request(port, &to)).unwrap_err();
        assert!(
            matches!(
                e,
                SendError::Unreachable {
                    step: Step::Connect,
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(e.class(), ErrorClass::Unreachable);
    }

    #[test]
    fn silent_server_times_out_at_the_greeting() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let keep = std::thread::spawn(move || l.accept().map(|(s, _)| s));
        let to = ["you@example.com".to_owned()];
        let mut req = request(port, &to);
        req.timeout = Duration::from_millis(300);
        let t = Instant::now();
        let e = send_test(&req).unwrap_err();
        assert!(t.elapsed() < Duration::from_secs(3));
        assert!(
            matches!(
                e,
                SendError::Timeout {
                    step: Step::Greeting,
                    ..
                }
            ),
            "{e:?}"
        );
        drop(keep.join());
    }

    #[test]
    fn a_subject_cannot_add_headers() {
        let to = ["you@example.com".to_owned()];
        let mut req = request(1, &to);
        req.subject = "hi\r\nBcc: evil@example.net";
        let from = parse_mailbox("--from", req.from).unwrap();
        let rcpt = [parse_mailbox("--to", &to[0]).unwrap()];
        let m = build_message(&req, &from, &rcpt, "<id@example.com>").unwrap();
        let text = String::from_utf8(m.formatted()).unwrap();
        assert!(!text.contains("\r\nBcc:"), "{text}");
        assert!(text.contains("Message-ID: <id@example.com>\r\n"), "{text}");
    }

    #[test]
    fn a_pem_without_certificates_is_refused() {
        let to = ["you@example.com".to_owned()];
        let mut req = request(1, &to);
        req.ca_pem = Some(b"not a certificate");
        let e = send_test(&req).unwrap_err();
        assert!(matches!(e, SendError::CaFile(_)), "{e:?}");
    }

    #[test]
    fn wrong_family_is_a_resolve_error() {
        let to = ["you@example.com".to_owned()];
        let mut req = request(1, &to);
        req.family = Family::V6;
        let e = send_test(&req).unwrap_err();
        assert!(matches!(e, SendError::Resolve { .. }), "{e:?}");
    }
}
