//! Judging what the probe saw: a status and findings (cause, fix, the fact it rests on)
//! per connection, a verdict per port, findings about the whole run (the address the
//! relay sees against the console's ranges), and the port and settings to use. Replies of
//! the relay are explained by the same catalogue as `relayctl explain`. Pure.

use std::net::IpAddr;

use ipnet::IpNet;

use super::{Endpoint, ProbeRequest};
use crate::net::DialError;
use crate::relay::console::Authentication;
use crate::smtp::reply::Reply;
use crate::smtp::session::{describe_stop, AuthOutcome, StepName, Stop};
use crate::smtp::tls::Verification;
use crate::smtp::{PortSpec, TlsStart};

/// How a connection, a port or the run went. Ordered: the worst is the greatest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Not tried: this host has no route to the address family.
    Skip,
    /// Works.
    Ok,
    /// Works, with something to fix.
    Warn,
    /// Does not work.
    Fail,
}

impl Status {
    /// The word shown in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Skip => "skip",
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

pub use crate::finding::{Finding, Severity};

impl Status {
    /// The status a finding of this severity gives its connection: an error fails it, a
    /// warning leaves it working with something to fix, a note changes nothing.
    pub fn of(severity: Severity) -> Status {
        match severity {
            Severity::Error => Status::Fail,
            Severity::Warning => Status::Warn,
            Severity::Note => Status::Ok,
        }
    }
}

/// A probe finding citing one of [`FACTS`].
fn finding(
    severity: Severity,
    rule: &'static str,
    message: String,
    fix: &str,
    fact: &'static str,
) -> Finding {
    Finding::new(rule, severity, message).fix(fix).fact(fact)
}

/// What the probe knows of the admin's setting (relay.toml), to judge in its terms.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The console's enabled IP ranges (empty: unknown).
    pub ranges: Vec<IpNet>,
    /// The console's authentication setting, when relay.toml has one.
    pub authentication: Option<Authentication>,
    /// Why the HELO name may be refused, when it looks generic.
    pub helo_warning: Option<String>,
    /// Certificates are not verified (`--insecure`).
    pub insecure: bool,
    /// The MTA to name in the recommended `relayctl gen` line.
    pub mta: Option<String>,
}

/// The verdict for one port over all its addresses.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PortVerdict {
    /// The port.
    #[serde(serialize_with = "port_text")]
    pub port: PortSpec,
    /// The worst status of its connections (skipped ones count only if all were).
    pub status: Status,
    /// The first worst finding's message, or "ok".
    pub summary: String,
    /// The findings of all its connections, without repeats, worst first.
    pub findings: Vec<Finding>,
}

fn port_text<S: serde::Serializer>(p: &PortSpec, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string())
}

/// The port and settings to put in the MTA.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Recommendation {
    /// The port.
    #[serde(serialize_with = "port_text")]
    pub port: PortSpec,
    /// In words: `port 587, STARTTLS required, SMTP AUTH as relay@example.com`.
    pub text: String,
    /// The matching `relayctl gen` command line, for the three relay ports.
    pub gen: Option<String>,
}

// Every source a probe finding cites is one of these constants (listed in `FACTS`, which
// tests check against docs/sources.md); findings from a reply cite the explain catalogue.
const FACT_PORTS: &str =
    "Google 2956491 \"Route outgoing SMTP relay messages through Google\": ports 25, 465 (TLS on connect), 587 (STARTTLS)";
const FACT_TLS_AUTH: &str =
    "Google 2956491 \"Route outgoing SMTP relay messages through Google\": SMTP AUTH requires TLS";
const FACT_RFC3207: &str =
    "RFC 3207 (STARTTLS); Google 3726730 \"Gmail SMTP errors and codes\": STARTTLS replies";
const FACT_TLS_VERSION: &str =
    "observed: ChristopherSargent/swc_postfix (the relay negotiates TLSv1.3)";
const FACT_INJECTION: &str = "RFC 3207 §4.2";
const FACT_AUTH_CANCEL: &str = "RFC 4954 §4";
const FACT_DATA: &str = "RFC 5321 §4.5.2; RFC 5321 §3.3";
const FACT_TIMEOUTS: &str = "RFC 5321 §4.5.3.2 (timeouts)";
const FACT_CLOSED: &str = "RFC 5321 §3.8";
const FACT_REPLY_SYNTAX: &str = "RFC 5321 §4.2";
const FACT_SMTP: &str = "RFC 5321";
const FACT_HELO: &str = "Google 2956491 \"Route outgoing SMTP relay messages through Google\": HELO; Google 6140680 \"SMTP relay service error messages\": the FQDN of the sending device; Google 3726730 \"Gmail SMTP errors and codes\": 421 4.7.0; observed: go-mail/mail#63";
const FACT_CLIENT_IP: &str =
    "observed: Ombi-app/Ombi#1442, firebase/extensions#632 (the relay names the address it sees)";
const FACT_CERT_NAME: &str = "RFC 6125 §6.4; Google 6180220 \"Use TLS certificates for secure transport\"; postconf(5), smtp_tls_secure_cert_match; sendmail cf/README, TLS_Srv";
const FACT_CLIENT_IP_RANGES: &str = "Google 2956491 \"Route outgoing SMTP relay messages through Google\": IP ranges; observed: Ombi-app/Ombi#1442, firebase/extensions#632 (the relay names the address it sees); observed: OpenSMTPD/OpenSMTPD#1076 (IPv6 egress with IPv4 ranges)";

/// Every source a probe finding may cite besides the explain catalogue's.
pub const FACTS: &[&str] = &[
    FACT_PORTS,
    FACT_TLS_AUTH,
    FACT_RFC3207,
    FACT_INJECTION,
    FACT_AUTH_CANCEL,
    FACT_DATA,
    FACT_TLS_VERSION,
    FACT_TIMEOUTS,
    FACT_CLOSED,
    FACT_REPLY_SYNTAX,
    FACT_SMTP,
    FACT_HELO,
    FACT_CLIENT_IP,
    FACT_CLIENT_IP_RANGES,
    FACT_CERT_NAME,
];

/// Status and findings for one connection, worst first.
pub fn judge(e: &Endpoint, req: &ProbeRequest<'_>, ctx: &Context) -> (Status, Vec<Finding>) {
    let mut f = Vec::new();
    let port = e.port.port;
    if let Some(err) = &e.dial_error {
        let (severity, id, msg, fix) = match err {
            DialError::NoRoute(why) => {
                // Not tried: the only status no finding's severity gives.
                let note = finding(
                    Severity::Note,
                    "no-route",
                    format!("{}: this host has no route there ({why})", e.address),
                    "nothing to do unless your MTA should use this address family",
                    FACT_PORTS,
                );
                return (Status::Skip, vec![note]);
            }
            DialError::Refused => (
                Severity::Error,
                "connection-refused",
                format!("{}: connection refused", e.address),
                if port == 25 {
                    "outbound port 25 is often refused by ISPs and cloud providers; use 587 (STARTTLS) or 465"
                } else {
                    "a firewall rejects this port, or nothing listens there; check outbound TCP rules"
                },
            ),
            DialError::Timeout => (
                Severity::Error,
                "connection-timeout",
                format!(
                    "{}: no answer to the connection within {} s",
                    e.address,
                    req.timeout.as_secs_f32()
                ),
                if port == 25 {
                    "outbound port 25 is often dropped by ISPs and cloud providers (Google Cloud blocks it); use 587 or 465"
                } else {
                    "a firewall drops this port; open outbound TCP to the relay or use another port"
                },
            ),
            DialError::Other(why) => (
                Severity::Error,
                "connection-error",
                format!("{}: {why}", e.address),
                "check the network path to the relay",
            ),
        };
        f.push(finding(severity, id, msg, fix, FACT_PORTS));
        return finish(f);
    }
    let Some(s) = &e.session else {
        return finish(f);
    };
    if let Some((step, stop)) = &s.stop {
        f.push(stop_finding(*step, stop, e, req));
    }
    if s.starttls_injection > 0 {
        f.push(finding(
            Severity::Warning,
            "starttls-injection",
            format!(
                "port {}: the server sent {} bytes after its 220 to STARTTLS, before TLS; relayctl discarded them",
                e.port, s.starttls_injection
            ),
            "a broken server, or someone on the path injecting commands into the session (the CVE-2011-0411 class): check what sits between you and the relay",
            FACT_INJECTION,
        ));
    }
    if s.auth_cancelled {
        f.push(finding(
            Severity::Error,
            "auth-unexpected-334",
            "the server asked for more (334) after the last credential; relayctl cancelled the exchange with *".into(),
            "this is not how the relay answers AUTH: check --host and what sits on the path",
            FACT_AUTH_CANCEL,
        ));
    }
    if s.went_on_in_clear {
        f.push(finding(
            Severity::Error,
            "starttls-not-offered",
            format!(
                "port {}: STARTTLS not offered; the session went on in clear because of --allow-plaintext-auth",
                e.port
            ),
            "the relay always offers STARTTLS; a firewall with SMTP inspection or a proxy may strip it: turn that inspection off for the relay",
            FACT_RFC3207,
        ));
    }
    if let Some(tls) = &s.tls {
        if let Verification::Ignored(why) = &tls.verification {
            f.push(finding(
                Severity::Warning,
                "certificate-not-verified",
                format!("certificate NOT verified ({why}); the session went on because of --insecure"),
                "fix the certificate problem or pass the right --ca-file; never configure an MTA to skip verification",
                FACT_RFC3207,
            ));
        }
        if tls.version != "TLSv1.3" && tls.version != "TLSv1.2" {
            f.push(finding(
                Severity::Warning,
                "old-tls",
                format!("negotiated {}", tls.version),
                "allow TLS 1.2 or 1.3 in the MTA",
                FACT_TLS_VERSION,
            ));
        }
        if let Some(leaf) = tls.certificates.first() {
            // The configs relayctl gen writes verify the certificate against the relay host
            // (Postfix secure, sendmail VERIFY+CN:, Exim, msmtp, OpenSMTPD, Exchange
            // DomainValidation): a certificate without that name stops the mail.
            let cn = subject_cn(&leaf.subject);
            let in_san = leaf.san.iter().any(|n| name_matches(n, req.host));
            let in_cn = cn.is_some_and(|c| name_matches(c, req.host));
            if !in_san && !in_cn {
                f.push(finding(
                    Severity::Warning,
                    "certificate-name-mismatch",
                    format!(
                        "the certificate names {} (subject {}), not {}: an MTA configured by relayctl gen checks that name and will refuse to send",
                        if leaf.san.is_empty() { "nothing in its SANs".to_owned() } else { leaf.san.join(", ") },
                        leaf.subject,
                        req.host
                    ),
                    "configure the relay host by a name its certificate carries (smtp-relay.gmail.com for Google's relay), or find what answers in its place",
                    FACT_CERT_NAME,
                ));
            }
            if leaf.days_left < 14 && tls.verification == Verification::Verified {
                f.push(finding(
                    Severity::Warning,
                    "certificate-expires-soon",
                    format!(
                        "the server's certificate expires in {} days ({})",
                        leaf.days_left, leaf.not_after
                    ),
                    "renew the certificate of the server you are probing",
                    FACT_RFC3207,
                ));
            }
        }
    } else if s.stop.is_none() && !s.went_on_in_clear && e.port.tls == TlsStart::StartTls {
        f.push(finding(
            Severity::Error,
            "no-tls",
            "the session ended without TLS".into(),
            "",
            FACT_RFC3207,
        ));
    }
    match &s.auth {
        AuthOutcome::NotAsked => {
            if matches!(ctx.authentication, Some(Authentication::SmtpAuth)) && s.stop.is_none() {
                f.push(finding(
                    Severity::Warning,
                    "auth-not-tested",
                    "relay.toml says the console requires SMTP AUTH, and no credentials were given: AUTH was not tested".into(),
                    "give --auth-user USER (the password from RELAYCTL_PASSWORD, --password-file or the prompt)",
                    FACT_TLS_AUTH,
                ));
            }
        }
        // The stop already says why the session ended before AUTH.
        AuthOutcome::NotSent {
            offered_only_before_tls: false,
            ..
        } if s.stop.is_some() => {}
        AuthOutcome::NotSent {
            reason,
            offered_only_before_tls,
        } => {
            let id = if *offered_only_before_tls {
                "auth-only-before-tls"
            } else {
                "auth-not-sent"
            };
            f.push(finding(
                Severity::Error,
                id,
                format!("credentials not sent: {reason}"),
                if *offered_only_before_tls {
                    "something between you and the server rewrites the session, or the server is misconfigured; never send credentials before TLS"
                } else {
                    "use a port where TLS and AUTH work (587 with STARTTLS, or 465), or IP authentication"
                },
                FACT_TLS_AUTH,
            ));
        }
        AuthOutcome::Accepted { .. } => {
            if s.tls.is_none() {
                f.push(finding(
                    Severity::Warning,
                    "auth-in-clear",
                    "credentials were sent without TLS (--allow-plaintext-auth)".into(),
                    "change the password now if this crossed a network you do not control",
                    FACT_TLS_AUTH,
                ));
            }
        }
        AuthOutcome::Rejected { reply, .. } => f.push(reply_finding("AUTH", reply)),
    }
    if let Some(r) = &s.mail_from {
        if !r.is_positive() {
            f.push(reply_finding("MAIL FROM", r));
        }
    }
    for (addr, r) in &s.rcpt_to {
        if !r.is_positive() {
            let mut finding = reply_finding(&format!("RCPT TO:<{addr}>"), r);
            if let Some(ip) = crate::explain::client_ip(&r.one_line()) {
                if !ctx.ranges.is_empty() && !ctx.ranges.iter().any(|n| n.contains(&ip)) {
                    finding.fix = format!(
                        "{} (the relay sees you as {ip}, which is not in relay.toml's ranges)",
                        finding.fix
                    );
                }
            }
            f.push(finding);
        }
    }
    finish(f)
}

/// The subject's common name, from a distinguished name as `CertInfo` spells it
/// (`CN=smtp-relay.gmail.com, O=...`); the last CN when there are several.
fn subject_cn(subject: &str) -> Option<&str> {
    subject
        .split(", ")
        .filter_map(|rdn| rdn.trim().strip_prefix("CN="))
        .last()
        .map(str::trim)
}

/// Whether a certificate name (a SAN DNS name or IP address, or the CN) matches `host`,
/// per RFC 6125 §6.4: case-insensitive, a trailing dot ignored; a wildcard only as the
/// whole left-most label, matching exactly one label, and never right under a single label
/// (`*.com`) or in an IP address.
fn name_matches(cert_name: &str, host: &str) -> bool {
    let norm = |s: &str| s.trim().trim_end_matches('.').to_ascii_lowercase();
    let (pat, host) = (norm(cert_name), norm(host));
    if pat.is_empty() || host.is_empty() {
        return false;
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return pat.parse::<IpAddr>().is_ok_and(|p| p == ip);
    }
    match pat.strip_prefix("*.") {
        Some(rest) => {
            if rest.contains('*') || !rest.contains('.') {
                return false;
            }
            host.split_once('.')
                .is_some_and(|(first, tail)| !first.is_empty() && tail == rest)
        }
        None => !pat.contains('*') && pat == host,
    }
}

fn finish(mut f: Vec<Finding>) -> (Status, Vec<Finding>) {
    f.sort_by_key(|x| std::cmp::Reverse(x.severity));
    let status = f.first().map_or(Status::Ok, |x| Status::of(x.severity));
    (status, f)
}

/// A relay reply that refused something, explained by the catalogue.
fn reply_finding(what: &str, reply: &Reply) -> Finding {
    let text = reply.one_line();
    let x = crate::explain::explain(&text);
    let shown: String = text.chars().take(160).collect();
    let severity = if reply.is_transient() {
        Severity::Warning
    } else {
        Severity::Error
    };
    Finding::new(x.id, severity, format!("{what}: {shown} — {}", x.cause))
        .fix(x.fix)
        .fact(x.fact)
}

fn stop_finding(step: StepName, stop: &Stop, e: &Endpoint, req: &ProbeRequest<'_>) -> Finding {
    let t = req.timeout.as_secs_f32();
    let at = step_words(step);
    match stop {
        // A reply that ends the session fails the port even when it is a 4xx: the port
        // cannot be used as it is (a 454 to STARTTLS would leave mail in clear).
        Stop::Refused { reply } => Finding {
            severity: Severity::Error,
            ..reply_finding(at, reply)
        },
        Stop::StarttlsRefused { reply } => Finding {
            severity: Severity::Error,
            ..reply_finding("STARTTLS", reply)
        },
        Stop::StarttlsNotOffered => finding(
            Severity::Error,
            "starttls-not-offered",
            format!(
                "port {}: STARTTLS not offered; relayctl stopped rather than continue in clear (possible downgrade)",
                e.port
            ),
            "the relay always offers STARTTLS; a firewall with SMTP inspection or a proxy may strip it: turn that inspection off for the relay",
            FACT_RFC3207,
        ),
        Stop::Tls { failure } if failure.is_certificate => finding(
            Severity::Error,
            "certificate-invalid",
            format!("TLS: {}", failure.message),
            "for smtp-relay.gmail.com this means something intercepts TLS on the way; for your own test server pass its CA with --ca-file",
            FACT_RFC3207,
        ),
        Stop::Tls { failure } if failure.is_timeout => finding(
            Severity::Error,
            "tls-timeout",
            format!("TLS handshake not finished within {t} s"),
            "something on the path holds TLS back; try another port",
            FACT_RFC3207,
        ),
        Stop::Tls { failure } => finding(
            Severity::Error,
            "tls-failed",
            format!("TLS handshake failed: {}", failure.message),
            if e.port.tls == TlsStart::Implicit {
                "this port expects TLS from the first byte (465); if it speaks plain SMTP, use it with STARTTLS (PORT/starttls)"
            } else {
                "check that the server offers TLS 1.2 or 1.3"
            },
            FACT_RFC3207,
        ),
        Stop::Timeout { partial } => finding(
            Severity::Error,
            if *partial { "slow-reply" } else { "no-reply" },
            format!("{at}: {} (waited {t} s)", describe_stop(stop)),
            if step == StepName::Banner && !*partial {
                "something accepts the connection but does not speak SMTP (a proxy, a firewall, an implicit-TLS port probed with STARTTLS: try PORT/tls)"
            } else {
                "the server or the path stalls; raise --timeout to tell slowness from a hang"
            },
            FACT_TIMEOUTS,
        ),
        Stop::Reset => finding(
            Severity::Error,
            "connection-reset",
            format!("{at}: the connection was reset by the peer (TCP RST)"),
            "a firewall, an SMTP proxy or the server resets the session; look at the transcript (--transcript)",
            FACT_CLOSED,
        ),
        Stop::AuthNotSent { reason } => finding(
            Severity::Error,
            "auth-not-sent",
            format!("credentials not sent: {reason}; the message was not sent either"),
            "use a port where TLS and AUTH work (587 with STARTTLS, or 465), or IP authentication without --auth-user",
            FACT_TLS_AUTH,
        ),
        Stop::Closed => finding(
            Severity::Error,
            "closed",
            format!("{at}: the server closed the connection"),
            "a firewall or the server drops the session; look at the transcript (--transcript)",
            FACT_CLOSED,
        ),
        Stop::Protocol { message } => finding(
            Severity::Error,
            "not-smtp",
            format!("{at}: not a valid SMTP reply ({message})"),
            "something other than an SMTP server answers on this port",
            FACT_REPLY_SYNTAX,
        ),
        Stop::Io { message } => finding(
            Severity::Error,
            "io-error",
            format!("{at}: {message}"),
            "check the network path to the relay",
            FACT_SMTP,
        ),
    }
}

fn step_words(step: StepName) -> &'static str {
    match step {
        StepName::Connect => "connect",
        StepName::Tls => "TLS handshake",
        StepName::Banner => "greeting",
        StepName::Ehlo => "EHLO",
        StepName::Starttls => "STARTTLS",
        StepName::EhloTls => "EHLO after TLS",
        StepName::Auth => "AUTH",
        StepName::MailFrom => "MAIL FROM",
        StepName::RcptTo => "RCPT TO",
        StepName::Rset => "RSET",
        StepName::Data => "DATA",
        StepName::Message => "end of message",
        StepName::Quit => "QUIT",
    }
}

/// The verdict of one port over its connections.
pub fn port_verdict(port: PortSpec, endpoints: &[Endpoint]) -> PortVerdict {
    let mine: Vec<&Endpoint> = endpoints.iter().filter(|e| e.port == port).collect();
    let tried: Vec<&&Endpoint> = mine.iter().filter(|e| e.status != Status::Skip).collect();
    let status = if tried.is_empty() {
        Status::Skip
    } else {
        tried.iter().map(|e| e.status).max().unwrap_or(Status::Ok)
    };
    let mut findings: Vec<Finding> = Vec::new();
    for e in &mine {
        for x in &e.findings {
            if !findings
                .iter()
                .any(|y| y.rule == x.rule && y.message == x.message)
            {
                findings.push(x.clone());
            }
        }
    }
    findings.sort_by_key(|x| std::cmp::Reverse(x.severity));
    let summary = findings
        .iter()
        .find(|x| Status::of(x.severity) == status)
        .map_or_else(|| "ok".to_owned(), |x| x.message.clone());
    PortVerdict {
        port,
        status,
        summary,
        findings,
    }
}

/// Findings about the whole run: the HELO name, and the address the relay sees.
pub fn run_findings(endpoints: &[Endpoint], ctx: &Context) -> Vec<Finding> {
    let mut f = Vec::new();
    if let Some(w) = &ctx.helo_warning {
        f.push(finding(
            Severity::Warning,
            "helo-generic",
            w.clone(),
            "present this server's FQDN in your domain (relayctl gen sets it; relayctl check helo checks it)",
            FACT_HELO,
        ));
    }
    let mut seen: Vec<IpAddr> = Vec::new();
    for e in endpoints {
        if let Some(ip) = e.session.as_ref().and_then(|s| s.client_ip) {
            if !seen.contains(&ip) {
                seen.push(ip);
            }
        }
    }
    for ip in seen {
        if ctx.ranges.is_empty() {
            f.push(finding(
                Severity::Note,
                "client-ip",
                format!("the relay sees this host as {ip}"),
                "with IP authentication, this is the address the console's ranges must contain",
                FACT_CLIENT_IP,
            ));
        } else if ctx.ranges.iter().any(|n| n.contains(&ip)) {
            f.push(finding(
                Severity::Note,
                "client-ip-registered",
                format!("the relay sees this host as {ip}, inside relay.toml's ranges"),
                "",
                FACT_CLIENT_IP_RANGES,
            ));
        } else {
            let ip_auth = !matches!(ctx.authentication, Some(Authentication::SmtpAuth));
            f.push(finding(
                if ip_auth { Severity::Error } else { Severity::Warning },
                "client-ip-not-registered",
                format!("the relay sees this host as {ip}, which is in none of relay.toml's ranges"),
                if ip.is_ipv6() {
                    "the IPv6 trap: add this host's IPv6 /112 (or smaller) to the console, or make the MTA use IPv4 only (Postfix: smtp_address_preference = ipv4, inet_protocols = ipv4)"
                } else {
                    "add this address (or its /32) to the console's IP ranges, then allow up to an hour"
                },
                FACT_CLIENT_IP_RANGES,
            ));
        }
    }
    f
}

/// The best working port: 587, then 465, then 25, then others; ok before warn.
pub fn recommend(
    ports: &[PortVerdict],
    endpoints: &[Endpoint],
    req: &ProbeRequest<'_>,
    ctx: &Context,
) -> Option<Recommendation> {
    let rank = |p: &PortSpec| match (p.port, p.tls) {
        (587, TlsStart::StartTls) => 0,
        (465, TlsStart::Implicit) => 1,
        (25, TlsStart::StartTls) => 2,
        (_, TlsStart::StartTls) => 3,
        (_, TlsStart::Implicit) => 4,
    };
    let best = ports
        .iter()
        .filter(|p| matches!(p.status, Status::Ok | Status::Warn))
        .min_by_key(|p| (p.status, rank(&p.port)))?;
    let auth_user = endpoints
        .iter()
        .filter(|e| e.port == best.port)
        .find_map(|e| match e.session.as_ref().map(|s| &s.auth) {
            Some(AuthOutcome::Accepted { .. }) => req.credentials.map(|c| c.user.clone()),
            _ => None,
        });
    let tls_words = match best.port.tls {
        TlsStart::StartTls => "STARTTLS required",
        TlsStart::Implicit => "TLS on connect",
    };
    let auth_words = match &auth_user {
        Some(u) => format!("SMTP AUTH as {u}"),
        None => "IP authentication (no SMTP AUTH)".to_owned(),
    };
    let text = format!(
        "port {}, {tls_words}, {auth_words}, HELO {}",
        best.port, req.helo
    );
    let gen = (best.port == PortSpec::from_port(best.port.port)
        && crate::relay::Port::from_number(best.port.port).is_some())
    .then(|| {
        let mut line = format!(
            "relayctl gen {} --port {} --tls required",
            ctx.mta.as_deref().unwrap_or("postfix"),
            best.port.port
        );
        match &auth_user {
            Some(u) => line.push_str(&format!(" --auth smtp-auth --auth-user {u}")),
            None => line.push_str(" --auth ip"),
        }
        if req.helo.parse::<crate::relay::names::HeloName>().is_ok() {
            line.push_str(&format!(" --helo {}", req.helo));
        }
        line
    });
    Some(Recommendation {
        port: best.port,
        text,
        gen,
    })
}

#[cfg(test)]
mod tests {
    use super::{name_matches, subject_cn, FACTS};

    /// RFC 6125 §6.4: exact names case-insensitively, a wildcard only as the whole
    /// left-most label and for exactly one label, never `*.com`, IP addresses exactly.
    #[test]
    fn certificate_names_match_per_rfc_6125() {
        let host = "smtp-relay.gmail.com";
        for (name, want) in [
            ("smtp-relay.gmail.com", true),
            ("SMTP-Relay.Gmail.COM.", true),
            ("*.gmail.com", true),
            ("*.GMAIL.com", true),
            ("smtp.gmail.com", false),
            ("*.google.com", false),
            ("*.relay.gmail.com", false),
            ("*.com", false),
            ("*", false),
            ("smtp-*.gmail.com", false),
            ("*.*.com", false),
            ("gmail.com", false),
            ("", false),
        ] {
            assert_eq!(name_matches(name, host), want, "{name}");
        }
        // A wildcard never covers the bare domain nor two labels.
        assert!(!name_matches("*.gmail.com", "gmail.com"));
        assert!(!name_matches("*.gmail.com", "a.b.gmail.com"));
        assert!(name_matches("127.0.0.1", "127.0.0.1"));
        assert!(!name_matches("*.0.0.1", "127.0.0.1"));
        assert!(name_matches("::1", "0:0:0:0:0:0:0:1"));
        assert!(!name_matches("localhost", "127.0.0.1"));
    }

    #[test]
    fn subject_common_name() {
        assert_eq!(
            subject_cn("CN=smtp-relay.gmail.com"),
            Some("smtp-relay.gmail.com")
        );
        assert_eq!(
            subject_cn("C=US, O=Google Trust Services, CN=WR2"),
            Some("WR2")
        );
        assert_eq!(subject_cn("O=Example"), None);
    }

    /// Every citation a finding here can carry is a `FACT_` constant listed in `FACTS`
    /// (which tests/it/sources.rs resolves against docs/sources.md): no literal source
    /// may hide in a `Finding::new` call.
    #[test]
    fn every_cited_source_is_a_listed_constant() {
        let src = include_str!("verdict.rs");
        let code = src
            .split("#[cfg(test)]")
            .next()
            .expect("code before the tests");
        let mut prev = "";
        let mut defined = 0;
        for line in code.lines() {
            let t = line.trim_start();
            if t.starts_with("const FACT_") {
                defined += 1;
            }
            let cites = ["\"RFC ", "\"Google ", "\"observed", "\"postconf"]
                .iter()
                .any(|p| t.starts_with(p));
            assert!(
                !cites || prev.starts_with("const FACT_") || t.contains("const FACT_"),
                "a literal source outside the FACT_ constants: {t}"
            );
            prev = t;
        }
        assert_eq!(defined, FACTS.len(), "every FACT_ constant is in FACTS");
    }
}
