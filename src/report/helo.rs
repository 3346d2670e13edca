//! Text and JSON renderings of a `check helo` report. Text: the evidence block and the
//! findings on `out`, a one-line summary on `err`. JSON: one `relayctl/check-helo/1`
//! document (docs/json.md). Pure: writes to the writers it is given.

use std::io::{self, Write};
use std::net::IpAddr;

use serde::Serialize;

use super::{untrusted, Paint};
use crate::check::helo::{shown, HeloReport, NameKind, Query};
use crate::check::{Finding, Severity};
use crate::net::DnsError;

/// The schema id of `relayctl check helo --format json`.
pub const SCHEMA: &str = "relayctl/check-helo/1";

#[derive(Serialize)]
struct Doc<'a> {
    name: &'a str,
    kind: NameKind,
    normalized: Option<String>,
    syntax_ok: bool,
    dns_checked: bool,
    nameserver: Option<&'a str>,
    addresses: Addresses,
    ip: Option<IpAddr>,
    ptr: Option<Ptr>,
    domains: Vec<String>,
    in_domain: Option<bool>,
    queries: Vec<QueryDoc>,
    findings: Vec<FindingDoc<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Addresses {
    a: Vec<IpAddr>,
    aaaa: Vec<IpAddr>,
}

#[derive(Serialize)]
struct Ptr {
    ip: IpAddr,
    names: Vec<String>,
    forward_confirmed: bool,
    confirmed_names: Vec<String>,
}

#[derive(Serialize)]
struct QueryDoc {
    name: String,
    #[serde(rename = "type")]
    record: &'static str,
    outcome: &'static str,
    answers: Vec<String>,
    error: Option<String>,
}

#[derive(Serialize)]
struct FindingDoc<'a> {
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    fix: Option<&'a str>,
}

#[derive(Serialize, Default)]
struct Summary {
    errors: usize,
    warnings: usize,
    infos: usize,
}

fn summary(findings: &[Finding]) -> Summary {
    let mut s = Summary::default();
    for f in findings {
        match f.severity {
            Severity::Error => s.errors += 1,
            Severity::Warning => s.warnings += 1,
            Severity::Info => s.infos += 1,
        }
    }
    s
}

/// The outcome word of a query, as JSON and text spell it.
fn outcome<T>(r: &Result<Vec<T>, DnsError>) -> &'static str {
    match r {
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

fn query_doc<T: ToString>(q: &Query<T>) -> QueryDoc {
    QueryDoc {
        name: q.name.clone(),
        record: q.record,
        outcome: outcome(&q.result),
        answers: q.answers().iter().map(T::to_string).collect(),
        error: q.result.as_ref().err().map(DnsError::to_string),
    }
}

fn normalized(r: &HeloReport) -> Option<String> {
    match (&r.name.hostname, r.name.literal) {
        (Some(h), _) => Some(h.to_string()),
        (None, Some(IpAddr::V4(ip))) => Some(format!("[{ip}]")),
        (None, Some(IpAddr::V6(ip))) => Some(format!("[IPv6:{ip}]")),
        (None, None) => None,
    }
}

/// Writes the report as one JSON document on `out`. `nameserver` names the server asked
/// (`None` when DNS was not asked).
pub fn write_json(r: &HeloReport, nameserver: Option<&str>, out: &mut dyn Write) -> io::Result<()> {
    let ev = r.evidence.as_ref();
    let mut queries = Vec::new();
    if let Some(ev) = ev {
        queries.push(query_doc(&ev.a));
        queries.push(query_doc(&ev.aaaa));
        if let Some(p) = &ev.ptr {
            queries.push(query_doc(&p.query));
            queries.extend(p.back.iter().map(query_doc));
        }
    }
    let doc = Doc {
        name: &r.name.input,
        kind: r.name.kind,
        normalized: normalized(r),
        syntax_ok: r.name.syntax_ok(),
        dns_checked: ev.is_some(),
        nameserver: nameserver.filter(|_| ev.is_some()),
        addresses: Addresses {
            a: ev.map(|e| e.a.answers().to_vec()).unwrap_or_default(),
            aaaa: ev.map(|e| e.aaaa.answers().to_vec()).unwrap_or_default(),
        },
        ip: r.ip,
        ptr: ev.and_then(|e| {
            let p = e.ptr.as_ref()?;
            Some(Ptr {
                ip: p.ip,
                names: p.query.answers().to_vec(),
                forward_confirmed: e.forward_confirmed().unwrap_or(false),
                confirmed_names: e.confirmed_names(),
            })
        }),
        domains: r.domains.iter().map(ToString::to_string).collect(),
        in_domain: r.in_domain,
        queries,
        findings: r
            .findings
            .iter()
            .map(|f| FindingDoc {
                rule: f.rule,
                severity: f.severity,
                message: &f.message,
                fix: f.fix.as_deref(),
            })
            .collect(),
        summary: summary(&r.findings),
    };
    super::json::write(SCHEMA, &doc, out)
}

/// How a query's result reads in the evidence block (escaped: the answers and errors come
/// from a DNS server).
fn result_text<T: ToString>(q: &Query<T>) -> String {
    let text = match &q.result {
        Ok(v) => v.iter().map(T::to_string).collect::<Vec<_>>().join(", "),
        Err(DnsError::NxDomain) => "none: NXDOMAIN (the name does not exist)".to_owned(),
        Err(DnsError::NoRecords) => "none (NODATA)".to_owned(),
        Err(e) => format!("failed: {e}"),
    };
    untrusted(&text).into_owned()
}

/// Writes the evidence block and the findings on `out`, and a one-line summary on `err`.
pub fn write_text(
    r: &HeloReport,
    nameserver: Option<&str>,
    paint: Paint,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    let name = untrusted(&shown(&r.name.input)).into_owned();
    writeln!(out, "{:<10}{name}", "name")?;
    let syntax = match r.name.kind {
        NameKind::Name => "ok: a host name",
        NameKind::AddressLiteral => "ok: an address literal",
        NameKind::Invalid => "invalid",
    };
    writeln!(out, "{:<10}{syntax}", "syntax")?;
    match &r.evidence {
        None => writeln!(
            out,
            "{:<10}not asked: the name must be a valid, fully qualified, non-generic host name first",
            "dns"
        )?,
        Some(ev) => {
            if let Some(ns) = nameserver {
                writeln!(out, "{:<10}{}", "dns", untrusted(ns))?;
            }
            writeln!(out, "{:<10}{}", "A", result_text(&ev.a))?;
            writeln!(out, "{:<10}{}", "AAAA", result_text(&ev.aaaa))?;
            if let Some(p) = &ev.ptr {
                let names_it = p.query.answers().iter().any(|n| n == ev.name.as_str());
                let fc = match (ev.forward_confirmed(), names_it) {
                    (Some(true), _) => " (forward-confirmed)".to_owned(),
                    (_, true) => format!(
                        " ({} does not resolve back to {})",
                        untrusted(ev.name.as_str()),
                        p.ip
                    ),
                    _ if p.query.result.is_ok() => {
                        format!(" (not {})", untrusted(ev.name.as_str()))
                    }
                    _ => String::new(),
                };
                writeln!(
                    out,
                    "{:<10}{} -> {}{fc}",
                    "PTR",
                    p.ip,
                    result_text(&p.query)
                )?;
                for b in &p.back {
                    let points = if b.answers().contains(&p.ip) {
                        " (points back)"
                    } else {
                        ""
                    };
                    writeln!(
                        out,
                        "{:<10}{} -> {}{points}",
                        "",
                        untrusted(&b.question()),
                        result_text(b)
                    )?;
                }
            }
        }
    }
    if let Some(ip) =
        r.ip.filter(|_| r.evidence.as_ref().is_none_or(|e| e.ptr.is_none()))
    {
        writeln!(out, "{:<10}{ip}: reverse DNS not checked", "PTR")?;
    }
    if let Some(yes) = r.in_domain {
        let list: Vec<String> = r.domains.iter().map(ToString::to_string).collect();
        let word = if yes { "in" } else { "not in" };
        writeln!(
            out,
            "{:<10}{word} {}",
            "domain",
            untrusted(&list.join(", "))
        )?;
    }
    if !r.findings.is_empty() {
        writeln!(out)?;
    }
    for f in &r.findings {
        writeln!(
            out,
            "{}: {} [{}]",
            paint.severity(f.severity.word()),
            untrusted(&f.message),
            f.rule
        )?;
        if let Some(fix) = &f.fix {
            writeln!(out, "  fix: {}", untrusted(fix))?;
        }
    }
    out.flush()?;

    let s = summary(&r.findings);
    let mut parts = Vec::new();
    for (n, one, many) in [
        (s.errors, "error", "errors"),
        (s.warnings, "warning", "warnings"),
        (s.infos, "info", "infos"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
    }
    let what = if parts.is_empty() {
        "no findings".to_owned()
    } else {
        parts.join(", ")
    };
    writeln!(err, "relayctl: check helo {name}: {what}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::helo::{check_name, gather, report};
    use crate::net::{AddressRecord, Resolve};

    /// A DNS server whose PTR answer carries terminal escapes (a name is bytes in DNS).
    struct Hostile;

    const EVIL: &str = "mail\x1b]52;c;eA==\x07\x1b[2K\r\u{9b}31m.example.com";

    impl Resolve for Hostile {
        fn lookup_ip(&self, name: &str, _: AddressRecord) -> Result<Vec<IpAddr>, DnsError> {
            match name {
                "mail.example.com" => Ok(vec!["192.0.2.10".parse().unwrap()]),
                _ => Err(DnsError::Other(format!("{name}: bad\x1b[2K"))),
            }
        }
        fn lookup_ptr(&self, _: IpAddr) -> Result<Vec<String>, DnsError> {
            Ok(vec![EVIL.to_owned()])
        }
    }

    #[test]
    fn dns_answers_are_escaped_in_text_and_raw_in_json() {
        let check = check_name("mail.example.com", &[]);
        let ip = Some("192.0.2.10".parse().unwrap());
        let ev = check.dns_target().map(|h| gather(h, ip, &Hostile));
        let r = report(check, ip, Vec::new(), ev);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        write_text(&r, Some("127.0.0.1"), Paint::PLAIN, &mut out, &mut err).unwrap();
        let text = String::from_utf8(out).unwrap() + &String::from_utf8(err).unwrap();
        for bad in ['\x1b', '\x07', '\r', '\u{9b}'] {
            assert!(!text.contains(bad), "{bad:?} in {text}");
        }
        assert!(
            text.contains("mail\\x1b]52;c;eA==\\x07\\x1b[2K\\r\\u{9b}31m.example.com"),
            "{text}"
        );
        let mut json = Vec::new();
        write_json(&r, None, &mut json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["data"]["ptr"]["names"][0], EVIL);
    }
}
