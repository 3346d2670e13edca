//! `check helo`: is NAME fit to present in HELO/EHLO to the relay? Three parts, each a
//! plain function: the name rules ([`check_name`], pure), DNS evidence gathered through a
//! [`Resolve`] handed in ([`gather`]), and the report that turns both into findings
//! ([`report`]). Never names a concrete resolver, never prints.
//!
//! Facts: Google help 2956491 (HELO) (a unique identifier, never `localhost` or
//! `smtp-relay.gmail.com`; a customer domain in HELO for "Any addresses" and empty envelope
//! senders); Google help 6140680 and 3726730 (Google asks for the sending device's FQDN; `localhost`,
//! container ids and `.local` names get `421 4.7.0` at EHLO; a non-domain HELO can still pass
//! with a registered IP) and §7 (a private address literal in `Mail relay denied`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::thread;

use ipnet::IpNet;
use serde::Serialize;

use super::{Finding, Severity};
use crate::net::{AddressRecord, DnsError, Resolve};
use crate::relay::console::{is_documentation, non_public_kind};
use crate::relay::names::{generic_reason, Domain, Hostname};

/// RFC 1035 §2.3.4, RFC 1123 §2.1: a name has at most 253 characters in text form.
const MAX_NAME: usize = 253;
/// RFC 1035 §2.3.4: a label has 1 to 63 octets.
const MAX_LABEL: usize = 63;
/// At most this many PTR names are looked up again to see whether they point back.
const MAX_PTR_NAMES: usize = 4;
/// Names are shown in messages up to this many characters (a 1 MB NAME stays readable).
const SHOWN_CHARS: usize = 80;

/// What the HELO argument turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameKind {
    /// A host name in RFC 1123 syntax (it may still be a single label or generic).
    Name,
    /// An address literal, `[192.0.2.1]` or `[IPv6:2001:db8::1]` (RFC 5321 §4.1.3).
    AddressLiteral,
    /// Neither: the relay answers `501 5.5.4 HELO/EHLO argument is invalid` or worse.
    Invalid,
}

/// The name rules' verdict on NAME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameCheck {
    /// NAME exactly as given.
    pub input: String,
    /// What it is.
    pub kind: NameKind,
    /// The validated name, lower-case, without a trailing dot (when `kind` is `Name`).
    pub hostname: Option<Hostname>,
    /// The address of an address literal.
    pub literal: Option<IpAddr>,
    /// What the name rules found.
    pub findings: Vec<Finding>,
}

impl NameCheck {
    /// Whether NAME is syntactically a host name or an address literal.
    pub fn syntax_ok(&self) -> bool {
        self.kind != NameKind::Invalid
    }

    /// The name to look up in DNS: a valid, fully qualified, non-generic name. `None` when
    /// the name rules already found an error: the relay refuses such a HELO whatever DNS
    /// says, and an address literal or an invalid name has nothing to look up.
    pub fn dns_target(&self) -> Option<&Hostname> {
        let blocked = self.findings.iter().any(|f| f.severity == Severity::Error);
        self.hostname.as_ref().filter(|_| !blocked)
    }
}

/// NAME as shown in messages: as typed when it is short and printable ASCII, else quoted
/// and escaped, and cut after [`SHOWN_CHARS`] characters.
pub fn shown(name: &str) -> String {
    let n = name.chars().count();
    if n <= SHOWN_CHARS {
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic()) {
            return name.to_owned();
        }
        return format!("{name:?}");
    }
    let head: String = name.chars().take(SHOWN_CHARS).collect();
    format!("{head:?}... ({} bytes)", name.len())
}

/// The domain examples in fixes use: the first `--domain`, else `example.com`.
fn example_domain(domains: &[Domain]) -> String {
    domains
        .first()
        .map_or_else(|| "example.com".to_owned(), Domain::to_string)
}

/// An example name for fixes: `mail.<first --domain>`, else `mail.example.com`.
fn example(domains: &[Domain]) -> String {
    format!("mail.{}", example_domain(domains))
}

/// The "what to set" part shared by the name fixes.
fn set_helo(name: &str) -> String {
    format!(
        "present this server's own FQDN in one of your domains, e.g. {name}: Postfix `smtp_helo_name = {name}`, or write your MTA's setting with `relayctl gen <mta> --helo {name}`"
    )
}

const FACT_HELO: &str =
    "Google 2956491 \"Route outgoing SMTP relay messages through Google\" (HELO)";
const FACT_SYNTAX: &str = "RFC 5321 §4.1.1.1; RFC 1123 §2.1";
const FACT_LITERAL: &str =
    "RFC 5321 §4.1.3; Google 2956491 \"Route outgoing SMTP relay messages through Google\" (HELO)";
const FACT_DNS: &str = "RFC 5321 §2.3.5; RFC 1035 §4.1.1";
const FACT_PTR: &str = "RFC 1912 §2.1";

/// Every source a HELO finding cites (tests check them against docs/sources.md).
pub const FACTS: &[&str] = &[FACT_HELO, FACT_SYNTAX, FACT_LITERAL, FACT_DNS, FACT_PTR];

/// The public source a HELO rule rests on.
fn fact(rule: &str) -> &'static str {
    match rule {
        "helo-syntax" => FACT_SYNTAX,
        "helo-address-literal" | "helo-private-literal" => FACT_LITERAL,
        r if r.starts_with("fcrdns-") => FACT_PTR,
        "helo-no-address" | "helo-nxdomain" | "helo-servfail" | "helo-dns-refused"
        | "helo-dns-timeout" | "helo-dns-error" => FACT_DNS,
        _ => FACT_HELO,
    }
}

fn finding(rule: &'static str, severity: Severity, message: String, fix: String) -> Finding {
    Finding::new(rule, severity, message)
        .fix(fix)
        .fact(fact(rule))
}

/// Applies the name rules to NAME: syntax (RFC 1123 labels and lengths, ASCII only), a
/// fully qualified name, address literals, generic names. `domains` only shape the
/// example in the fixes.
pub fn check_name(input: &str, domains: &[Domain]) -> NameCheck {
    let ex = example(domains);
    let invalid = |message: String, fix: String| NameCheck {
        input: input.to_owned(),
        kind: NameKind::Invalid,
        hostname: None,
        literal: None,
        findings: vec![finding("helo-syntax", Severity::Error, message, fix)],
    };
    let show = shown(input);

    if input.trim().is_empty() {
        // Google: `501 5.5.4 Empty HELO/EHLO argument not allowed` (Google help 3726730).
        return invalid(
            "the HELO name is empty; the relay answers 501 5.5.4 (empty HELO/EHLO argument)"
                .to_owned(),
            set_helo(&ex),
        );
    }
    if let Some((at, c)) = input
        .char_indices()
        .find(|(_, c)| !c.is_ascii() || c.is_ascii_control() || *c == ' ')
    {
        let what = if c.is_ascii() {
            format!("a space or control character ({c:?}) at byte {at}")
        } else {
            format!("a non-ASCII character ({c:?}) at byte {at}")
        };
        let fix = if c.is_ascii() {
            set_helo(&ex)
        } else {
            format!(
                "use the ASCII (xn--) form of an internationalised name, or {}",
                set_helo(&ex)
            )
        };
        return invalid(
            format!("{show} contains {what}; a HELO name is ASCII letters, digits, hyphens and dots (RFC 5321 §4.1.2)"),
            fix,
        );
    }

    if input.starts_with('[') {
        return check_literal(input, &show, &ex);
    }
    if let Ok(ip) = input.parse::<IpAddr>() {
        return invalid(
            format!("{show} is a bare IP address; RFC 5321 §4.1.3 writes an address literal in brackets ([{ip}]), and the relay wants a name"),
            set_helo(&ex),
        );
    }

    let name = input.strip_suffix('.').unwrap_or(input);
    if name.len() > MAX_NAME {
        return invalid(
            format!(
                "{show} is {} characters long; a host name has at most 253 (RFC 1035 §2.3.4)",
                name.len()
            ),
            set_helo(&ex),
        );
    }
    for label in name.split('.') {
        if let Some(why) = label_problem(label) {
            return invalid(
                format!("{show}: {why} (RFC 1123 §2.1: labels of 1-63 letters, digits and hyphens, not starting or ending with a hyphen)"),
                set_helo(&ex),
            );
        }
    }
    let hostname = match name.parse::<Hostname>() {
        Ok(h) => h,
        // A numeric top-level label (`192.0.2`), or anything else Hostname refuses.
        Err(e) => return invalid(e.to_string(), set_helo(&ex)),
    };

    let mut findings = Vec::new();
    if let Some(why) = generic_reason(hostname.as_str()) {
        // Google help 2956491 (HELO) and 3726730: 421 4.7.0 ... (EHLO).
        findings.push(finding(
            "helo-generic",
            Severity::Error,
            format!("{show} is a generic name: {why}; the relay answers 421 4.7.0 at EHLO and closes the connection"),
            set_helo(&ex),
        ));
    } else if !hostname.is_fqdn() {
        let container = looks_like_container_id(hostname.as_str());
        let what = if container {
            "a single label that looks like a container id"
        } else {
            "a single label, not a fully qualified domain name"
        };
        findings.push(finding(
            "helo-single-label",
            Severity::Error,
            format!("{show} is {what}; the relay answers 421 4.7.0 at EHLO (Google 3726730 \"Gmail SMTP errors and codes\"; observed: go-mail/mail#63)"),
            set_helo(&format!("{hostname}.{}", example_domain(domains))),
        ));
    }
    NameCheck {
        input: input.to_owned(),
        kind: NameKind::Name,
        hostname: Some(hostname),
        literal: None,
        findings,
    }
}

/// Why `label` is not an RFC 1123 label, if it is not.
fn label_problem(label: &str) -> Option<String> {
    if label.is_empty() {
        return Some("has an empty label (a leading dot or two dots in a row)".to_owned());
    }
    if label.len() > MAX_LABEL {
        return Some(format!(
            "a label is {} characters long (at most 63)",
            label.len()
        ));
    }
    if let Some(c) = label
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && *c != '-')
    {
        return Some(format!("label {} contains {c:?}", shown(label)));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Some(format!(
            "label {} starts or ends with a hyphen",
            shown(label)
        ));
    }
    None
}

/// Docker and Kubernetes use the first 12 (or all 64) hex digits of the container id as
/// the host name, so an unset HELO becomes one (Google help 3726730).
fn looks_like_container_id(label: &str) -> bool {
    (label.len() == 12 || label.len() == 64) && label.bytes().all(|b| b.is_ascii_hexdigit())
}

/// RFC 5321 §4.1.3: `[192.0.2.1]` or `[IPv6:2001:db8::1]`.
fn check_literal(input: &str, show: &str, ex: &str) -> NameCheck {
    let inner = input.strip_prefix('[').and_then(|s| s.strip_suffix(']'));
    let ip = inner.and_then(|s| {
        let v6 = s
            .get(..5)
            .filter(|p| p.eq_ignore_ascii_case("IPv6:"))
            .and_then(|_| s.get(5..));
        match v6 {
            Some(rest) => rest.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
            None => s.parse::<Ipv4Addr>().ok().map(IpAddr::V4),
        }
    });
    let Some(ip) = ip else {
        let hint = match inner {
            Some(s) if s.parse::<Ipv6Addr>().is_ok() => {
                format!(" (an IPv6 literal is written [IPv6:{s}])")
            }
            _ => String::new(),
        };
        return NameCheck {
            input: input.to_owned(),
            kind: NameKind::Invalid,
            hostname: None,
            literal: None,
            findings: vec![finding(
                "helo-syntax",
                Severity::Error,
                format!("{show} is not a valid address literal{hint}; RFC 5321 §4.1.3 writes [192.0.2.1] or [IPv6:2001:db8::1]"),
                set_helo(ex),
            )],
        };
    };
    let private = non_public_kind(ip).filter(|_| !is_documentation(&IpNet::from(ip)));
    let f = match private {
        // Google help 6140680: `Mail relay denied ... one of the domains in: [192.168.1.176]`.
        Some(kind) => finding(
            "helo-private-literal",
            Severity::Error,
            format!("{show} is an address literal of {kind}; the relay sees your public address, cannot tie this HELO to your account, and has answered it with 550 5.7.0 Mail relay denied"),
            set_helo(ex),
        ),
        None => finding(
            "helo-address-literal",
            Severity::Warning,
            format!("{show} is an address literal; RFC 5321 §4.1.3 allows it, but Google asks for the sending device's FQDN, and a literal holds none of your domains (needed with \"Any addresses\" or an empty envelope sender)"),
            set_helo(ex),
        ),
    };
    NameCheck {
        input: input.to_owned(),
        kind: NameKind::AddressLiteral,
        hostname: None,
        literal: Some(ip),
        findings: vec![f],
    }
}

/// One DNS question and what came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query<T> {
    /// The name asked about (for PTR, the address).
    pub name: String,
    /// `A`, `AAAA` or `PTR`.
    pub record: &'static str,
    /// The records, or why there were none.
    pub result: Result<Vec<T>, DnsError>,
}

impl<T> Query<T> {
    /// `A mail.example.com`, for messages.
    pub fn question(&self) -> String {
        format!("{} {}", self.record, self.name)
    }

    /// The records (empty when the query failed).
    pub fn answers(&self) -> &[T] {
        self.result.as_deref().unwrap_or(&[])
    }

    /// The outcome in one word, as JSON and text spell it: `answer`, `nxdomain`, `nodata`,
    /// `servfail`, `refused`, `timeout`, `unreachable` or `error`.
    pub fn outcome(&self) -> &'static str {
        match &self.result {
            Ok(_) => "answer",
            Err(DnsError::NxDomain) => "nxdomain",
            Err(DnsError::NoRecords) => "nodata",
            Err(DnsError::ServFail) => "servfail",
            Err(DnsError::Refused) => "refused",
            Err(DnsError::Timeout) => "timeout",
            Err(DnsError::Unreachable(_)) => "unreachable",
            Err(DnsError::Other(_)) => "error",
        }
    }

    /// Why the query failed, in words (None when it was answered).
    pub fn error(&self) -> Option<String> {
        self.result.as_ref().err().map(DnsError::to_string)
    }

    /// The no-answer outcomes read by people: NXDOMAIN and NODATA say "none", the others
    /// "failed: why" (None when answered).
    pub fn failure_text(&self) -> Option<String> {
        match &self.result {
            Ok(_) => None,
            Err(DnsError::NxDomain) => Some("none: NXDOMAIN (the name does not exist)".to_owned()),
            Err(DnsError::NoRecords) => Some("none (NODATA)".to_owned()),
            Err(e) => Some(format!("failed: {e}")),
        }
    }
}

/// The reverse side: the PTR of `--ip`, and where its names point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PtrEvidence {
    /// The server's public address.
    pub ip: IpAddr,
    /// PTR of `ip`.
    pub query: Query<String>,
    /// A or AAAA (the family of `ip`) of each PTR name other than NAME, at most four.
    pub back: Vec<Query<IpAddr>>,
}

/// What DNS says about NAME (and `--ip`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The name looked up.
    pub name: Hostname,
    /// A of NAME.
    pub a: Query<IpAddr>,
    /// AAAA of NAME.
    pub aaaa: Query<IpAddr>,
    /// The reverse side, when `--ip` is a public address.
    pub ptr: Option<PtrEvidence>,
}

impl Evidence {
    /// The addresses NAME resolves to, of `ip`'s family.
    fn addresses_of_family(&self, ip: IpAddr) -> &Query<IpAddr> {
        match AddressRecord::of(ip) {
            AddressRecord::A => &self.a,
            AddressRecord::Aaaa => &self.aaaa,
        }
    }

    /// Whether a PTR name of `--ip` is NAME and NAME resolves to `--ip` (forward-confirmed
    /// reverse DNS). `None` without `--ip`.
    pub fn forward_confirmed(&self) -> Option<bool> {
        let p = self.ptr.as_ref()?;
        let named = p.query.answers().iter().any(|n| n == self.name.as_str());
        Some(named && self.addresses_of_family(p.ip).answers().contains(&p.ip))
    }

    /// PTR names of `--ip` (NAME included) that resolve back to it.
    pub fn confirmed_names(&self) -> Vec<String> {
        let Some(p) = &self.ptr else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for n in p.query.answers() {
            let back = if n == self.name.as_str() {
                Some(self.addresses_of_family(p.ip))
            } else {
                p.back.iter().find(|q| &q.name == n)
            };
            if back.is_some_and(|q| q.answers().contains(&p.ip)) {
                out.push(n.clone());
            }
        }
        out
    }

    /// Every query made, in order: A, AAAA, PTR, then the PTR names' addresses.
    pub fn questions(&self) -> Vec<(String, Result<Vec<String>, DnsError>)> {
        let ips = |q: &Query<IpAddr>| {
            (
                q.question(),
                q.result
                    .clone()
                    .map(|v| v.iter().map(IpAddr::to_string).collect()),
            )
        };
        let mut out = vec![ips(&self.a), ips(&self.aaaa)];
        if let Some(p) = &self.ptr {
            out.push((p.query.question(), p.query.result.clone()));
            out.extend(p.back.iter().map(ips));
        }
        out
    }

    /// When no query got any answer from the name server (each timed out or could not be
    /// sent), the questions asked, for the error that names the server. A single timed-out
    /// query among answers is a finding, not this.
    pub fn unanswered(&self) -> Option<String> {
        let mut errors = vec![
            self.a.result.as_ref().err(),
            self.aaaa.result.as_ref().err(),
        ];
        if let Some(p) = &self.ptr {
            errors.push(p.query.result.as_ref().err());
        }
        if !errors.iter().all(|e| e.is_some_and(DnsError::is_no_answer)) {
            return None;
        }
        let mut what = format!("A and AAAA {}", self.name);
        if let Some(p) = &self.ptr {
            what.push_str(&format!(", PTR {}", p.ip));
        }
        Some(what)
    }
}

/// Whether `--ip` can have a meaningful PTR: a public address (documentation ranges pass,
/// so examples and tests work).
fn is_checkable_ip(ip: IpAddr) -> bool {
    non_public_kind(ip).is_none() || is_documentation(&IpNet::from(ip))
}

/// Asks DNS about `name`: A and AAAA, and with a public `ip` its PTR, all at once; then
/// the address (of `ip`'s family) of each PTR name other than `name`, to see whether it
/// points back. Each query waits at most the resolver's timeout, so this takes at most
/// about two timeouts, and one when nothing answers.
pub fn gather(name: &Hostname, ip: Option<IpAddr>, resolver: &dyn Resolve) -> Evidence {
    let ip = ip.filter(|ip| is_checkable_ip(*ip));
    let n = name.as_str();
    let (a, aaaa, ptr) = thread::scope(|s| {
        let a = s.spawn(|| resolver.lookup_ip(n, AddressRecord::A));
        let aaaa = s.spawn(|| resolver.lookup_ip(n, AddressRecord::Aaaa));
        let ptr = ip.map(|ip| (ip, s.spawn(move || resolver.lookup_ptr(ip))));
        (join(a), join(aaaa), ptr.map(|(ip, h)| (ip, join(h))))
    });
    let ptr = ptr.map(|(ip, result)| {
        let others: Vec<String> = result
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .filter(|p| p.as_str() != n && p.parse::<Hostname>().is_ok())
            .take(MAX_PTR_NAMES)
            .cloned()
            .collect();
        let record = AddressRecord::of(ip);
        let back = thread::scope(|s| {
            let handles: Vec<_> = others
                .iter()
                .map(|o| (o, s.spawn(move || resolver.lookup_ip(o, record))))
                .collect();
            handles
                .into_iter()
                .map(|(o, h)| Query {
                    name: o.clone(),
                    record: record.as_str(),
                    result: join(h),
                })
                .collect()
        });
        PtrEvidence {
            ip,
            query: Query {
                name: ip.to_string(),
                record: "PTR",
                result,
            },
            back,
        }
    });
    Evidence {
        name: name.clone(),
        a: Query {
            name: n.to_owned(),
            record: "A",
            result: a,
        },
        aaaa: Query {
            name: n.to_owned(),
            record: "AAAA",
            result: aaaa,
        },
        ptr,
    }
}

/// A lookup thread's result; a panic in it is re-raised, not hidden.
fn join<T>(h: thread::ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
}

/// Everything `check helo` found out, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeloReport {
    /// The name rules' verdict.
    pub name: NameCheck,
    /// `--ip`.
    pub ip: Option<IpAddr>,
    /// `--domain` values.
    pub domains: Vec<Domain>,
    /// Whether NAME is one of `domains` or under one; `None` without `--domain` or when
    /// NAME is not a host name.
    pub in_domain: Option<bool>,
    /// What DNS said; `None` when DNS was not asked.
    pub evidence: Option<Evidence>,
    /// All findings: name rules, domain, DNS.
    pub findings: Vec<Finding>,
}

/// Puts the name check, the domain rule and the DNS evidence together into findings.
pub fn report(
    name: NameCheck,
    ip: Option<IpAddr>,
    domains: Vec<Domain>,
    evidence: Option<Evidence>,
) -> HeloReport {
    let ex = example(&domains);
    let mut findings = name.findings.clone();
    let in_domain = match &name.hostname {
        Some(h) if !domains.is_empty() => Some(domains.iter().any(|d| h.is_in_domain(d))),
        _ => None,
    };
    if let (Some(h), Some(yes)) = (&name.hostname, in_domain) {
        findings.push(domain_finding(h, &domains, yes, &ex));
    }
    if let Some(ip) = ip.filter(|ip| !is_checkable_ip(*ip)) {
        let kind = non_public_kind(ip).unwrap_or("not a public address");
        findings.push(finding(
            "fcrdns-private-ip",
            Severity::Warning,
            format!("--ip {ip} is {kind}; the relay and receivers see your public address, so its reverse DNS was not checked"),
            "pass the public address your mail leaves from (the one registered in the console's IP ranges)".to_owned(),
        ));
    }
    if let Some(ev) = &evidence {
        findings.extend(dns_findings(ev, &ex));
    }
    HeloReport {
        name,
        ip,
        domains,
        in_domain,
        evidence,
        findings,
    }
}

fn domain_finding(h: &Hostname, domains: &[Domain], yes: bool, ex: &str) -> Finding {
    let show = shown(h.as_str());
    if yes {
        let d = domains
            .iter()
            .find(|d| h.is_in_domain(d))
            .map_or_else(String::new, Domain::to_string);
        return Finding::new(
            "helo-in-domain",
            Severity::Note,
            format!("{show} is in your domain {d}: the relay can tie this HELO to your account, as \"Any addresses\" and empty envelope senders need"),
        )
        .fact(FACT_HELO);
    }
    let list: Vec<String> = domains.iter().map(Domain::to_string).collect();
    // Google help 2956491 (HELO, "Any addresses") and 6140680#invalidcred.
    finding(
        "helo-not-in-domain",
        Severity::Warning,
        format!("{show} is not in any of your domains ({}); with Allowed senders \"Any addresses\", senders outside your domains, or an empty envelope sender (bounces, out-of-office replies), the relay needs one of your domains in HELO or SMTP AUTH, else 550 5.7.1 Invalid credentials for relay", list.join(", ")),
        format!("{}; or authenticate with SMTP AUTH", set_helo(ex)),
    )
}

fn dns_findings(ev: &Evidence, ex: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let show = shown(ev.name.as_str());
    let a = &ev.a.result;
    let aaaa = &ev.aaaa.result;
    let answered = a.is_ok() || aaaa.is_ok();
    let nx = |r: &Result<Vec<IpAddr>, DnsError>| matches!(r, Err(DnsError::NxDomain));
    let nodata = |r: &Result<Vec<IpAddr>, DnsError>| matches!(r, Err(DnsError::NoRecords));
    let publish = format!("publish an A (and AAAA) record for {} pointing at this server's public address, or present a name that has one", ev.name);
    if !answered && (nx(a) || nx(aaaa)) && [a, aaaa].iter().all(|r| nx(r) || nodata(r)) {
        out.push(finding(
            "helo-nxdomain",
            Severity::Warning,
            format!("{show} does not exist in DNS (NXDOMAIN); Google asks for the sending device's FQDN (Google 6140680 \"SMTP relay service error messages\"), though with a registered IP such a HELO can still pass"),
            publish,
        ));
    } else if !answered && nodata(a) && nodata(aaaa) {
        out.push(finding(
            "helo-no-address",
            Severity::Warning,
            format!("{show} exists in DNS but has no A or AAAA record, so it names no machine"),
            publish,
        ));
    }
    let mut failures: Vec<(String, &DnsError)> = Vec::new();
    for q in [&ev.a, &ev.aaaa] {
        if let Err(e) = &q.result {
            failures.push((q.question(), e));
        }
    }
    if let Some(p) = &ev.ptr {
        match &p.query.result {
            Err(DnsError::NxDomain | DnsError::NoRecords) => {
                let why = match &p.query.result {
                    Err(DnsError::NxDomain) => "NXDOMAIN",
                    _ => "NODATA",
                };
                out.push(finding(
                    "fcrdns-no-ptr",
                    Severity::Warning,
                    format!("{} has no PTR record ({why}), so {show} cannot be forward-confirmed; many receivers check reverse DNS", p.ip),
                    format!("ask whoever runs the reverse zone of {} (your ISP or hosting provider) for a PTR record naming {}", p.ip, ev.name),
                ));
            }
            Err(e) => failures.push((p.query.question(), e)),
            Ok(names) => out.extend(ptr_findings(ev, p, names, &show)),
        }
        for q in &p.back {
            if let Err(e) = &q.result {
                if !matches!(e, DnsError::NxDomain | DnsError::NoRecords) {
                    failures.push((q.question(), e));
                }
            }
        }
    }
    for (question, e) in failures {
        if let Some(f) = failure_finding(&question, e, ex) {
            out.push(f);
        }
    }
    out
}

fn ptr_findings(ev: &Evidence, p: &PtrEvidence, names: &[String], show: &str) -> Vec<Finding> {
    let ip = p.ip;
    let list = names.join(", ");
    if names.iter().any(|n| n == ev.name.as_str()) {
        let fwd = ev.addresses_of_family(ip);
        return match &fwd.result {
            Ok(addrs) if addrs.contains(&ip) => Vec::new(),
            // A failed lookup is reported as such; it neither confirms nor refutes.
            Err(e) if !matches!(e, DnsError::NxDomain | DnsError::NoRecords) => Vec::new(),
            result => {
                let now = match result {
                    Ok(addrs) => format!(
                        "resolves to {}",
                        addrs
                            .iter()
                            .map(IpAddr::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    Err(_) => format!("has no {} record", fwd.record),
                };
                vec![finding(
                    "fcrdns-forward-mismatch",
                    Severity::Warning,
                    format!("the PTR of {ip} names {show}, but {show} {now}, not {ip}: reverse DNS is not forward-confirmed"),
                    format!("add {ip} to the {} records of {}, or send from an address it resolves to", fwd.record, ev.name),
                )]
            }
        };
    }
    let confirmed = ev.confirmed_names();
    let fix = match confirmed.first() {
        Some(c) => format!(
            "present {c} in HELO (its reverse DNS is forward-confirmed), or change the PTR of {ip} to {}",
            ev.name
        ),
        None => format!(
            "change the PTR of {ip} to {} (ask your ISP or hosting provider), or present the name the PTR gives once it resolves back to {ip}",
            ev.name
        ),
    };
    vec![finding(
        "fcrdns-mismatch",
        Severity::Warning,
        format!("the PTR of {ip} is {list}, not {show}: the HELO name does not match reverse DNS"),
        fix,
    )]
}

fn failure_finding(question: &str, e: &DnsError, ex: &str) -> Option<Finding> {
    let (rule, message, fix) = match e {
        DnsError::NxDomain | DnsError::NoRecords => return None,
        DnsError::ServFail => (
            "helo-servfail",
            format!("{question}: SERVFAIL; the name server could not answer (a broken delegation, an unreachable authoritative server, a DNSSEC failure)"),
            "check the zone (e.g. `dig +trace`), or ask another resolver with --nameserver".to_owned(),
        ),
        DnsError::Refused => (
            "helo-dns-refused",
            format!("{question}: REFUSED; the name server does not answer this question for you"),
            "ask a recursive resolver that serves you: --nameserver IP[:PORT]".to_owned(),
        ),
        DnsError::Timeout => (
            "helo-dns-timeout",
            format!("{question}: no answer within the timeout"),
            "retry with a longer --timeout, or ask another resolver with --nameserver".to_owned(),
        ),
        DnsError::Unreachable(why) => (
            "helo-dns-error",
            format!("{question}: {why}"),
            "check the network path to the name server, or ask another with --nameserver".to_owned(),
        ),
        DnsError::Other(why) => (
            "helo-dns-error",
            format!("{question}: {why}"),
            format!("check the zone, or {}", set_helo(ex)),
        ),
    };
    Some(finding(rule, Severity::Warning, message, fix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    fn rules(input: &str) -> Vec<(String, Severity)> {
        check_name(input, &[])
            .findings
            .iter()
            .map(|f| (f.rule.to_string(), f.severity))
            .collect()
    }

    fn owned(want: &[(&str, Severity)]) -> Vec<(String, Severity)> {
        want.iter().map(|(r, s)| ((*r).to_owned(), *s)).collect()
    }

    /// (why, NAME, the rules and severities it gets)
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, Severity)]);

    #[test]
    fn name_rules() {
        use Severity::*;
        let cases: &[Case] = &[
            ("an FQDN", "mail.example.com", &[]),
            ("trailing dot", "mail.example.com.", &[]),
            ("upper case", "MAIL.Example.COM", &[]),
            ("single label", "mailhost", &[("helo-single-label", Error)]),
            (
                "container id",
                "3f2a9c1b7d4e",
                &[("helo-single-label", Error)],
            ),
            ("localhost", "localhost", &[("helo-generic", Error)]),
            (
                "localhost.localdomain",
                "localhost.localdomain",
                &[("helo-generic", Error)],
            ),
            (
                "the relay's name",
                "smtp-relay.gmail.com",
                &[("helo-generic", Error)],
            ),
            (
                "another Google name",
                "mx.google.com",
                &[("helo-generic", Error)],
            ),
            (".local", "nas.local", &[("helo-generic", Error)]),
            (".lan", "printer.lan", &[("helo-generic", Error)]),
            (".internal", "app.corp.internal", &[("helo-generic", Error)]),
            (
                ".localdomain",
                "web.localdomain",
                &[("helo-generic", Error)],
            ),
            (
                "public literal",
                "[203.0.113.5]",
                &[("helo-address-literal", Warning)],
            ),
            (
                "documentation literal",
                "[192.0.2.1]",
                &[("helo-address-literal", Warning)],
            ),
            (
                "private literal",
                "[192.168.1.176]",
                &[("helo-private-literal", Error)],
            ),
            (
                "loopback literal",
                "[127.0.0.1]",
                &[("helo-private-literal", Error)],
            ),
            (
                "IPv6 literal",
                "[IPv6:2001:db8::25]",
                &[("helo-address-literal", Warning)],
            ),
            (
                "ULA literal",
                "[IPv6:fd00::1]",
                &[("helo-private-literal", Error)],
            ),
            (
                "IPv6 literal without tag",
                "[2001:db8::25]",
                &[("helo-syntax", Error)],
            ),
            ("bad literal", "[999.1.1.1]", &[("helo-syntax", Error)]),
            ("unclosed literal", "[192.0.2.1", &[("helo-syntax", Error)]),
            ("bare IPv4", "192.0.2.1", &[("helo-syntax", Error)]),
            ("bare IPv6", "2001:db8::1", &[("helo-syntax", Error)]),
            (
                "underscore",
                "mail_1.example.com",
                &[("helo-syntax", Error)],
            ),
            (
                "leading hyphen",
                "-mail.example.com",
                &[("helo-syntax", Error)],
            ),
            (
                "empty label",
                "mail..example.com",
                &[("helo-syntax", Error)],
            ),
            ("leading dot", ".example.com", &[("helo-syntax", Error)]),
            (
                "numeric top label",
                "mail.example.123",
                &[("helo-syntax", Error)],
            ),
            ("empty", "", &[("helo-syntax", Error)]),
            ("blank", "   ", &[("helo-syntax", Error)]),
            (
                "space inside",
                "mail .example.com",
                &[("helo-syntax", Error)],
            ),
            (
                "control byte",
                "mail\u{1}.example.com",
                &[("helo-syntax", Error)],
            ),
            ("non-ASCII", "bücher.example", &[("helo-syntax", Error)]),
            (
                "label of 64",
                &format!("{}.example.com", "a".repeat(64)),
                &[("helo-syntax", Error)],
            ),
            (
                "label of 63",
                &format!("{}.example.com", "a".repeat(63)),
                &[],
            ),
        ];
        for (why, input, want) in cases {
            assert_eq!(rules(input), owned(want), "{why}: {input:?}");
        }
    }

    #[test]
    fn huge_names_are_findings_with_short_messages() {
        let huge = "a".repeat(1 << 20);
        let c = check_name(&huge, &[]);
        assert_eq!(c.kind, NameKind::Invalid);
        assert!(
            c.findings[0].message.len() < 400,
            "{}",
            c.findings[0].message
        );
        assert!(c.findings[0].message.contains("1048576"));
        let dotted = vec!["abcdefghi"; 26].join(".");
        assert_eq!(rules(&dotted), owned(&[("helo-syntax", Severity::Error)]));
        let binary: String = (0u8..=255).map(char::from).collect();
        assert_eq!(rules(&binary), owned(&[("helo-syntax", Severity::Error)]));
    }

    #[test]
    fn fixes_name_what_to_set() {
        let d: Vec<Domain> = vec!["example.org".parse().unwrap()];
        let c = check_name("localhost", &d);
        let fix = c.findings[0].fix.clone();
        assert!(fix.contains("smtp_helo_name = mail.example.org"), "{fix}");
        assert!(
            fix.contains("relayctl gen <mta> --helo mail.example.org"),
            "{fix}"
        );
        let c = check_name("mailhost", &d);
        let fix = c.findings[0].fix.clone();
        assert!(fix.contains("mailhost.example.org"), "{fix}");
    }

    #[test]
    fn dns_is_asked_only_for_a_usable_name() {
        assert!(check_name("mail.example.com", &[]).dns_target().is_some());
        for bad in ["localhost", "mailhost", "[192.0.2.1]", "mail_1.example.com"] {
            assert!(check_name(bad, &[]).dns_target().is_none(), "{bad}");
        }
    }

    /// Canned answers for the evidence rules; the real resolver is tested against
    /// dnsmasq in tests/interop/dns.rs.
    #[derive(Default)]
    struct Canned {
        ip: HashMap<(String, AddressRecord), Result<Vec<IpAddr>, DnsError>>,
        ptr: HashMap<IpAddr, Result<Vec<String>, DnsError>>,
        asked: Mutex<Vec<String>>,
    }

    impl Canned {
        fn a(mut self, name: &str, r: Result<&[&str], DnsError>) -> Self {
            let r = r.map(|v| v.iter().map(|s| s.parse().unwrap()).collect());
            self.ip.insert((name.to_owned(), AddressRecord::A), r);
            self
        }
        fn ptr(mut self, ip: &str, r: Result<&[&str], DnsError>) -> Self {
            let r = r.map(|v| v.iter().map(|s| s.to_string()).collect());
            self.ptr.insert(ip.parse().unwrap(), r);
            self
        }
    }

    impl Resolve for Canned {
        fn lookup_ip(&self, name: &str, rec: AddressRecord) -> Result<Vec<IpAddr>, DnsError> {
            self.asked
                .lock()
                .unwrap()
                .push(format!("{} {name}", rec.as_str()));
            self.ip
                .get(&(name.to_owned(), rec))
                .cloned()
                .unwrap_or(Err(DnsError::NoRecords))
        }
        fn lookup_ptr(&self, ip: IpAddr) -> Result<Vec<String>, DnsError> {
            self.asked.lock().unwrap().push(format!("PTR {ip}"));
            self.ptr
                .get(&ip)
                .cloned()
                .unwrap_or(Err(DnsError::NxDomain))
        }
    }

    fn run(r: &Canned, name: &str, ip: Option<&str>, domains: &[&str]) -> HeloReport {
        let domains: Vec<Domain> = domains.iter().map(|d| d.parse().unwrap()).collect();
        let check = check_name(name, &domains);
        let ip = ip.map(|i| i.parse().unwrap());
        let ev = check.dns_target().map(|h| gather(h, ip, r));
        report(check, ip, domains, ev)
    }

    fn ids(r: &HeloReport) -> Vec<&str> {
        r.findings.iter().map(|f| f.rule.as_ref()).collect()
    }

    #[test]
    fn evidence_rules() {
        let ok: &[&str] = &["192.0.2.10"];
        let r = Canned::default()
            .a("mail.example.com", Ok(ok))
            .ptr("192.0.2.10", Ok(&["mail.example.com"]))
            .ptr("192.0.2.20", Ok(&["other.example.com"]))
            .a("other.example.com", Ok(&["192.0.2.20"]))
            .ptr("192.0.2.30", Ok(&["mail.example.com"]))
            .a("nx.example.com", Err(DnsError::NxDomain))
            .a("sf.example.com", Err(DnsError::ServFail));
        let good = run(&r, "mail.example.com", Some("192.0.2.10"), &["example.com"]);
        assert_eq!(ids(&good), ["helo-in-domain"]);
        let ev = good.evidence.as_ref().unwrap();
        assert_eq!(ev.forward_confirmed(), Some(true));
        assert_eq!(ev.confirmed_names(), ["mail.example.com"]);

        let mismatch = run(&r, "mail.example.com", Some("192.0.2.20"), &[]);
        assert_eq!(ids(&mismatch), ["fcrdns-mismatch"]);
        assert!(mismatch.findings[0]
            .fix
            .contains("present other.example.com"));
        assert_eq!(
            mismatch.evidence.as_ref().unwrap().forward_confirmed(),
            Some(false)
        );

        let fwd = run(&r, "mail.example.com", Some("192.0.2.30"), &[]);
        assert_eq!(ids(&fwd), ["fcrdns-forward-mismatch"]);

        let noptr = run(&r, "mail.example.com", Some("192.0.2.99"), &[]);
        assert_eq!(ids(&noptr), ["fcrdns-no-ptr"]);

        assert_eq!(
            ids(&run(&r, "nx.example.com", None, &[])),
            ["helo-nxdomain"]
        );
        assert_eq!(
            ids(&run(&r, "noaddr.example.com", None, &[])),
            ["helo-no-address"]
        );
        assert_eq!(
            ids(&run(&r, "sf.example.com", None, &[])),
            ["helo-servfail"]
        );
        assert_eq!(
            ids(&run(&r, "mail.example.net", None, &["example.com"])),
            ["helo-not-in-domain", "helo-no-address"]
        );
        let private = run(&r, "mail.example.com", Some("10.1.2.3"), &[]);
        assert_eq!(ids(&private), ["fcrdns-private-ip"]);
        assert!(private.evidence.unwrap().ptr.is_none());
    }

    #[test]
    fn no_dns_for_a_refused_name() {
        let r = Canned::default();
        let rep = run(&r, "localhost", Some("192.0.2.10"), &[]);
        assert!(rep.evidence.is_none());
        assert!(r.asked.lock().unwrap().is_empty());
    }

    #[test]
    fn silence_everywhere_is_unanswered_one_timeout_is_a_finding() {
        struct Silent;
        impl Resolve for Silent {
            fn lookup_ip(&self, _: &str, _: AddressRecord) -> Result<Vec<IpAddr>, DnsError> {
                Err(DnsError::Timeout)
            }
            fn lookup_ptr(&self, _: IpAddr) -> Result<Vec<String>, DnsError> {
                Err(DnsError::Timeout)
            }
        }
        let name: Hostname = "mail.example.com".parse().unwrap();
        let ev = gather(&name, Some("192.0.2.10".parse().unwrap()), &Silent);
        assert_eq!(
            ev.unanswered().as_deref(),
            Some("A and AAAA mail.example.com, PTR 192.0.2.10")
        );

        let r = Canned::default()
            .a("mail.example.com", Err(DnsError::Timeout))
            .ptr("192.0.2.10", Ok(&["mail.example.com"]));
        let rep = run(&r, "mail.example.com", Some("192.0.2.10"), &[]);
        let ev = rep.evidence.as_ref().unwrap();
        assert_eq!(ev.unanswered(), None);
        assert_eq!(ids(&rep), ["helo-dns-timeout"]);
    }
}
