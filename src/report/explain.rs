//! Text and JSON renderings of an explained reply. Text: four paste-able lines on `out`
//! (the codes and summary with the id, then cause, fix, source). JSON: one
//! `relayctl/explain/1` document (docs/json.md). Pure: writes to the writer it is given.

use std::io::{self, Write};
use std::net::IpAddr;

use serde::Serialize;

use super::untrusted;
use crate::explain::Explanation;

/// The schema id of `relayctl explain --format json`.
pub const SCHEMA: &str = "relayctl/explain/1";

#[derive(Serialize)]
struct Doc<'a> {
    id: &'a str,
    known: bool,
    code: Option<u16>,
    enhanced: Option<&'a str>,
    temporary: bool,
    client_ip: Option<IpAddr>,
    summary: &'a str,
    cause: &'a str,
    fix: &'a str,
    fact: &'a str,
    reply: &'a str,
}

/// The codes as the reply gave them (`550 5.7.1`, `421`, `5.7.0`), or nothing.
fn codes(x: &Explanation) -> String {
    match (x.code, x.enhanced.as_deref()) {
        (Some(c), Some(e)) => format!("{c} {e}"),
        (Some(c), None) => c.to_string(),
        (None, Some(e)) => e.to_owned(),
        (None, None) => String::new(),
    }
}

/// Writes the explanation as four lines: `<codes>: <summary> [<id>]`, `cause: ...`,
/// `fix: ...`, `source: ...`.
pub fn write_text(x: &Explanation, out: &mut dyn Write) -> io::Result<()> {
    // The summary, cause and fix may quote the pasted reply (its text, its address).
    let codes = codes(x);
    let summary = untrusted(&x.summary);
    if codes.is_empty() {
        writeln!(out, "{summary} [{}]", x.id)?;
    } else {
        writeln!(out, "{}: {summary} [{}]", untrusted(&codes), x.id)?;
    }
    writeln!(out, "cause: {}", untrusted(&x.cause))?;
    writeln!(out, "fix: {}", untrusted(&x.fix))?;
    writeln!(out, "source: {}", x.fact)?;
    out.flush()
}

/// Writes the explanation as one JSON document; `reply` is the normalised reply text.
pub fn write_json(x: &Explanation, reply: &str, out: &mut dyn Write) -> io::Result<()> {
    let doc = Doc {
        id: x.id,
        known: x.known,
        code: x.code,
        enhanced: x.enhanced.as_deref(),
        temporary: x.temporary,
        client_ip: x.client_ip,
        summary: &x.summary,
        cause: &x.cause,
        fix: &x.fix,
        fact: x.fact,
        reply,
    };
    super::json::write(SCHEMA, &doc, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::explain;

    fn text(reply: &str) -> String {
        let mut out = Vec::new();
        write_text(&explain(reply), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_is_four_lines() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "known, both codes",
                "550 5.7.1 Invalid credentials for relay [203.0.113.9].",
                "550 5.7.1: Invalid credentials for relay: 203.0.113.9 is registered",
            ),
            (
                "known, enhanced code only",
                "5.7.0 Mail relay denied [98.144.108.17].",
                "5.7.0: Mail relay denied: the relay does not know 98.144.108.17",
            ),
            (
                "basic code only",
                "554 Transaction failed",
                "554: transaction failed",
            ),
            ("no code", "hello", "No SMTP reply code found"),
        ];
        for (name, reply, first) in cases {
            let t = text(reply);
            let lines: Vec<&str> = t.lines().collect();
            assert_eq!(lines.len(), 4, "{name}: {t}");
            assert!(lines[0].starts_with(first), "{name}: {}", lines[0]);
            assert!(lines[0].ends_with(']'), "{name}: {}", lines[0]);
            assert!(lines[1].starts_with("cause: "), "{name}");
            assert!(lines[2].starts_with("fix: "), "{name}");
            assert!(lines[3].starts_with("source: "), "{name}");
        }
    }

    #[test]
    fn json_document() {
        let x = explain("421 4.7.0 Try again later, closing connection. (EHLO)");
        let mut out = Vec::new();
        write_json(&x, "Try again later, closing connection. (EHLO)", &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["schema"], SCHEMA);
        assert_eq!(v["data"]["id"], "helo-rejected");
        assert_eq!(v["data"]["code"], 421);
        assert_eq!(v["data"]["enhanced"], "4.7.0");
        assert_eq!(v["data"]["temporary"], true);
        assert_eq!(v["data"]["client_ip"], serde_json::Value::Null);
        assert_eq!(
            v["data"]["reply"],
            "Try again later, closing connection. (EHLO)"
        );
    }
}
