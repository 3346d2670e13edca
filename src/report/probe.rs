//! Renderers of a `ProbeReport`: the text summary (a comfy-table per connection, then the
//! findings with their fixes and the recommendation), the transcript (swaks-like marks),
//! JSON (`relayctl/probe/2`) and the monitoring-plugins status line. Pure.

use std::io::{self, Write};

use anstyle::AnsiColor;
use comfy_table::{presets, Attribute, Cell, Color, Table};
use serde::Serialize;

use super::{untrusted, Paint};
use crate::probe::{Endpoint, Finding, ProbeReport, Status};
use crate::smtp::session::{AuthOutcome, StepName, Stop};
use crate::smtp::transcript::{Direction, Transcript};

fn status_word(s: Status, style: Paint) -> String {
    let w = s.as_str();
    if !style.color {
        return w.to_owned();
    }
    let style = match s {
        Status::Ok => AnsiColor::Green.on_default(),
        Status::Warn => AnsiColor::Yellow.on_default(),
        Status::Fail => AnsiColor::Red.on_default(),
        Status::Skip => anstyle::Style::new().dimmed(),
    };
    super::styled(style, w)
}

/// The status word as a table cell: coloured by comfy-table itself, which pads by the
/// visible width (escape codes in the text would count as width and skew the columns).
fn status_cell(s: Status, style: Paint) -> Cell {
    let cell = Cell::new(s.as_str());
    if !style.color {
        return cell;
    }
    match s {
        Status::Ok => cell.fg(Color::DarkGreen),
        Status::Warn => cell.fg(Color::DarkYellow),
        Status::Fail => cell.fg(Color::DarkRed),
        Status::Skip => cell.add_attribute(Attribute::Dim),
    }
}

fn step_ms(e: &Endpoint, name: StepName) -> Option<u64> {
    let s = e.session.as_ref()?;
    let steps: Vec<_> = s.steps.iter().filter(|x| x.name == name).collect();
    if steps.is_empty() {
        return None;
    }
    Some(steps.iter().map(|x| x.elapsed_ms).sum())
}

fn total_ms(e: &Endpoint) -> u64 {
    match &e.session {
        Some(s) => s
            .steps
            .iter()
            .map(|x| x.start_ms + x.elapsed_ms)
            .max()
            .unwrap_or(e.connect_ms),
        None => e.connect_ms,
    }
}

fn tls_cell(e: &Endpoint) -> String {
    match e.session.as_ref().and_then(|s| s.tls.as_ref()) {
        Some(t) => format!("{} {}", t.version, short_cipher(&t.cipher)),
        None => "-".into(),
    }
}

fn short_cipher(c: &str) -> &str {
    c.strip_prefix("TLS13_")
        .or_else(|| c.strip_prefix("TLS_"))
        .unwrap_or(c)
}

fn auth_cell(e: &Endpoint) -> String {
    match e.session.as_ref().map(|s| &s.auth) {
        None | Some(AuthOutcome::NotAsked) => "-".into(),
        Some(AuthOutcome::NotSent { .. }) => "not sent".into(),
        Some(AuthOutcome::Accepted { mechanism }) => format!("{} ok", mechanism.as_str()),
        Some(AuthOutcome::Rejected { reply, .. }) => format!("{}", reply.code),
    }
}

fn envelope_cell(e: &Endpoint) -> String {
    let Some(s) = &e.session else {
        return "-".into();
    };
    match &s.mail_from {
        None => "-".into(),
        Some(m) => {
            let mut codes = vec![m.code.to_string()];
            codes.extend(s.rcpt_to.iter().map(|(_, r)| r.code.to_string()));
            codes.join("/")
        }
    }
}

fn ms_cell(v: Option<u64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v} ms"))
}

/// The text report on `out`: the table, findings with fixes, the recommendation.
pub fn write_text(r: &ProbeReport, style: Paint, out: &mut dyn Write) -> io::Result<()> {
    let addrs: Vec<String> = r.addresses.iter().map(|a| a.to_string()).collect();
    writeln!(
        out,
        "relay {} ({}), HELO {}, {} ms",
        untrusted(&r.host),
        addrs.join(", "),
        untrusted(&r.helo),
        r.elapsed_ms
    )?;
    for (rec, e) in &r.dns_errors {
        writeln!(
            out,
            "  {} records: {}",
            rec.as_str(),
            untrusted(&e.to_string())
        )?;
    }
    writeln!(out)?;
    let mut t = Table::new();
    t.load_style(presets::NOTHING);
    if style.color {
        t.enforce_styling();
        t.style_text_only();
    } else {
        t.force_no_tty();
    }
    t.set_header(vec![
        "PORT", "ADDRESS", "STATUS", "CONNECT", "BANNER", "TLS", "AUTH", "ENVELOPE", "TOTAL",
    ]);
    for e in &r.endpoints {
        let tls_ms = step_ms(e, StepName::Tls);
        t.add_row(vec![
            Cell::new(e.port.to_string()),
            Cell::new(e.address.ip().to_string()),
            status_cell(e.status, style),
            Cell::new(format!("{} ms", e.connect_ms)),
            Cell::new(ms_cell(step_ms(e, StepName::Banner))),
            Cell::new(untrusted(&match tls_ms {
                Some(ms) => format!("{} ({ms} ms)", tls_cell(e)),
                None => tls_cell(e),
            })),
            Cell::new(untrusted(&auth_cell(e))),
            Cell::new(untrusted(&envelope_cell(e))),
            Cell::new(format!("{} ms", total_ms(e))),
        ]);
    }
    writeln!(out, "{t}")?;
    for p in &r.ports {
        writeln!(out)?;
        writeln!(out, "port {}: {}", p.port, status_word(p.status, style))?;
        write_findings(&p.findings, style, out)?;
        let refused_chain = r
            .endpoints
            .iter()
            .filter(|e| e.port == p.port)
            .find_map(|e| match e.session.as_ref().and_then(|s| s.stop.as_ref()) {
                Some((_, Stop::Tls { failure })) => failure.certificates.first(),
                _ => None,
            });
        if let Some(leaf) = refused_chain {
            writeln!(
                out,
                "  certificate presented: {} (issuer {}), names {}, valid until {} ({} days)",
                untrusted(&leaf.subject),
                untrusted(&leaf.issuer),
                if leaf.san.is_empty() {
                    "none".to_owned()
                } else {
                    untrusted(&leaf.san.join(" ")).into_owned()
                },
                untrusted(&leaf.not_after),
                leaf.days_left
            )?;
        }
        if let Some(cert) = r
            .endpoints
            .iter()
            .filter(|e| e.port == p.port)
            .find_map(|e| e.session.as_ref().and_then(|s| s.tls.as_ref()))
        {
            if let Some(leaf) = cert.certificates.first() {
                writeln!(
                    out,
                    "  certificate: {} (issuer {}), valid until {} ({} days); {}",
                    untrusted(&leaf.subject),
                    untrusted(&leaf.issuer),
                    untrusted(&leaf.not_after),
                    leaf.days_left,
                    untrusted(&match &cert.verification {
                        crate::smtp::tls::Verification::Verified =>
                            format!("verified for {}", cert.server_name),
                        crate::smtp::tls::Verification::Failed(w)
                        | crate::smtp::tls::Verification::Ignored(w) =>
                            format!("NOT verified: {w}"),
                    })
                )?;
            }
        }
    }
    if !r.findings.is_empty() {
        writeln!(out)?;
        writeln!(out, "this host:")?;
        write_findings(&r.findings, style, out)?;
    }
    writeln!(out)?;
    match &r.recommendation {
        Some(rec) => {
            writeln!(out, "recommendation: {}", untrusted(&rec.text))?;
            if let Some(g) = &rec.gen {
                writeln!(out, "  {}", untrusted(g))?;
            }
        }
        None => writeln!(
            out,
            "recommendation: none of the ports works; fix the failures above first"
        )?,
    }
    Ok(())
}

fn write_findings(f: &[Finding], style: Paint, out: &mut dyn Write) -> io::Result<()> {
    for x in f {
        super::findings::write_nested(x, style, out)?;
    }
    Ok(())
}

/// Every connection's dialogue: `->` / `<-` in clear, `~>` / `<~` inside TLS, `==` for
/// relayctl's notes (swaks' marks). Secrets were redacted when recorded.
pub fn write_transcript(r: &ProbeReport, out: &mut dyn Write) -> io::Result<()> {
    for e in &r.endpoints {
        writeln!(out, "=== port {} {}", e.port, e.address)?;
        match (&e.dial_error, &e.session) {
            (Some(err), _) => writeln!(
                out,
                "{:>6} == connect: {}",
                e.connect_ms,
                untrusted(&err.to_string())
            )?,
            (None, Some(s)) => {
                writeln!(out, "{:>6} == connected", e.connect_ms)?;
                write_dialogue(&s.transcript, out)?;
            }
            (None, None) => {}
        }
    }
    Ok(())
}

/// One connection's dialogue, swaks-like: `->` sent in clear, `~>` sent inside TLS, `<-` /
/// `<~` received, `==` relayctl's notes; server text escaped. Shared with send-test.
pub fn write_dialogue(t: &Transcript, out: &mut dyn Write) -> io::Result<()> {
    for l in &t.lines {
        let mark = match (l.direction, l.tls) {
            (Direction::Client, false) => "->",
            (Direction::Client, true) => "~>",
            (Direction::Server, false) => "<-",
            (Direction::Server, true) => "<~",
            (Direction::Note, _) => "==",
        };
        writeln!(out, "{:>6} {mark} {}", l.at_ms, untrusted(&l.text))?;
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonReport<'a> {
    host: &'a str,
    helo: &'a str,
    status: Status,
    elapsed_ms: u64,
    addresses: &'a [std::net::IpAddr],
    dns_errors: Vec<JsonDnsError>,
    ports: &'a [crate::probe::PortVerdict],
    findings: &'a [Finding],
    recommendation: &'a Option<crate::probe::Recommendation>,
    endpoints: &'a [Endpoint],
}

#[derive(Serialize)]
struct JsonDnsError {
    record: &'static str,
    error: String,
}

/// One JSON document, schema `relayctl/probe/2`.
pub fn write_json(r: &ProbeReport, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonReport {
        host: &r.host,
        helo: &r.helo,
        status: r.status(),
        elapsed_ms: r.elapsed_ms,
        addresses: &r.addresses,
        dns_errors: r
            .dns_errors
            .iter()
            .map(|(rec, e)| JsonDnsError {
                record: rec.as_str(),
                error: e.to_string(),
            })
            .collect(),
        ports: &r.ports,
        findings: &r.findings,
        recommendation: &r.recommendation,
        endpoints: &r.endpoints,
    };
    super::json::write("relayctl/probe/2", &doc, out)
}

/// The monitoring-plugins status word for a status.
pub fn nagios_state(s: Status, nothing_reached: bool) -> (&'static str, u8) {
    if nothing_reached {
        return ("CRITICAL", 2);
    }
    match s {
        Status::Ok | Status::Skip => ("OK", 0),
        Status::Warn => ("WARNING", 1),
        Status::Fail => ("CRITICAL", 2),
    }
}

/// One status line in the monitoring-plugins format, with perfdata (seconds per port:
/// the slowest address's total, connect and TLS times). Returns the plugin exit code.
pub fn write_nagios(r: &ProbeReport, out: &mut dyn Write) -> io::Result<u8> {
    let (word, code) = nagios_state(r.status(), r.nothing_reached());
    let ports: Vec<String> = r
        .ports
        .iter()
        .map(|p| {
            let first = p
                .findings
                .iter()
                .find(|f| Status::of(f.severity) == p.status && p.status >= Status::Warn);
            match first {
                Some(f) => format!("{} {} ({})", p.port, p.status.as_str(), f.rule),
                None => format!("{} {}", p.port, p.status.as_str()),
            }
        })
        .collect();
    let mut perf = Vec::new();
    for p in &r.ports {
        let mine: Vec<&Endpoint> = r.endpoints.iter().filter(|e| e.port == p.port).collect();
        let worst = |f: &dyn Fn(&Endpoint) -> Option<u64>| mine.iter().filter_map(|e| f(e)).max();
        let label = p.port.to_string().replace('/', "_");
        if let Some(v) = worst(&|e| Some(total_ms(e))) {
            perf.push(format!("'port_{label}_time'={:.3}s;;;0", v as f64 / 1000.0));
        }
        if let Some(v) = worst(&|e| e.session.as_ref().map(|_| e.connect_ms)) {
            perf.push(format!(
                "'port_{label}_connect'={:.3}s;;;0",
                v as f64 / 1000.0
            ));
        }
        if let Some(v) = worst(&|e| step_ms(e, StepName::Tls)) {
            perf.push(format!("'port_{label}_tls'={:.3}s;;;0", v as f64 / 1000.0));
        }
    }
    writeln!(
        out,
        "RELAY {word} - {}: {} | {}",
        r.host,
        ports.join(", "),
        perf.join(" ")
    )?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(port: &str, ip: &str, status: Status, connect_ms: u64) -> Endpoint {
        Endpoint {
            port: port.parse().expect("a port"),
            address: std::net::SocketAddr::new(ip.parse().expect("an address"), 25),
            dial_error: None,
            connect_ms,
            session: None,
            status,
            findings: Vec::new(),
        }
    }

    fn report() -> ProbeReport {
        ProbeReport {
            host: "smtp-relay.gmail.com".into(),
            helo: "mail.example.com".into(),
            addresses: vec!["192.0.2.1".parse().unwrap()],
            dns_errors: Vec::new(),
            endpoints: vec![
                endpoint("25", "192.0.2.1", Status::Fail, 10_000),
                endpoint("465", "2001:db8::1", Status::Ok, 7),
                endpoint("587", "192.0.2.1", Status::Warn, 12),
                endpoint("2587/starttls", "192.0.2.1", Status::Skip, 0),
            ],
            ports: Vec::new(),
            findings: Vec::new(),
            recommendation: None,
            elapsed_ms: 10_001,
        }
    }

    /// The text without SGR escape sequences (ESC [ ... m).
    fn strip_ansi(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    fn text(color: bool) -> String {
        let mut out = Vec::new();
        write_text(&report(), Paint { color }, &mut out).expect("written");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn coloured_table_aligns_like_the_plain_one() {
        let plain = text(false);
        let coloured = text(true);
        assert!(!plain.contains('\u{1b}'), "{plain}");
        assert_eq!(strip_ansi(&coloured), plain, "the visible columns line up");
        // Red, green, yellow (the terminal's palette 1, 2, 3), dim.
        for (word, sgr) in [
            ("fail", "38;5;1"),
            ("ok", "38;5;2"),
            ("warn", "38;5;3"),
            ("skip", "2"),
        ] {
            assert!(
                coloured.contains(&format!("\u{1b}[{sgr}m{word}\u{1b}[")),
                "{word} coloured: {coloured:?}"
            );
        }
        // And the plain table is aligned: every status word starts in the same column.
        let rows: Vec<&str> = plain.lines().skip(2).take(5).collect();
        let col = rows[0].find("STATUS").expect("a header");
        for (row, word) in rows[1..].iter().zip(["fail", "ok", "warn", "skip"]) {
            assert_eq!(row.find(word), Some(col), "{plain}");
        }
    }
}
