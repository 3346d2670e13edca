//! Text and JSON renderings of a `check helo` report. Text: the evidence block and the
//! findings on `out`, a one-line summary on `err`. JSON: one `relayctl/check-helo/1`
//! document (docs/json.md). Pure: writes to the writers it is given.

use std::io::{self, Write};
use std::net::IpAddr;

use serde::Serialize;

use super::findings::Counts;
use super::{untrusted, Paint};
use crate::check::helo::{shown, HeloReport, NameKind, Query};
use crate::check::Finding;

/// The schema id of `relayctl check helo --format json`.
pub const SCHEMA: &str = "relayctl/check-helo/2";

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
    findings: &'a [Finding],
    summary: Counts,
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

fn query_doc<T: ToString>(q: &Query<T>) -> QueryDoc {
    QueryDoc {
        name: q.name.clone(),
        record: q.record,
        outcome: q.outcome(),
        answers: q.answers().iter().map(T::to_string).collect(),
        error: q.error(),
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
        findings: &r.findings,
        summary: Counts::of(&r.findings),
    };
    super::json::write(SCHEMA, &doc, out)
}

/// How a query's result reads in the evidence block (escaped: the answers and errors come
/// from a DNS server).
fn result_text<T: ToString>(q: &Query<T>) -> String {
    let text = q.failure_text().unwrap_or_else(|| {
        let answers: Vec<String> = q.answers().iter().map(T::to_string).collect();
        answers.join(", ")
    });
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
        super::findings::write(f, None, paint, out)?;
    }
    out.flush()?;

    let what = Counts::of(&r.findings).words(false);
    writeln!(err, "relayctl: check helo {name}: {what}")
}
