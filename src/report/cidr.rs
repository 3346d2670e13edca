//! Renderings of a `check cidr` report. Text: one line per finding
//! (`SOURCE:LINE: severity: message [rule]` and an indented `fix:` line), the canonical
//! list, and a one-line summary for stderr. JSON: one `relayctl/check-cidr/1` document,
//! written as it is serialised (findings and the canonical list are never built in memory).

use std::io::{self, BufWriter, Write};

use serde::{Serialize, Serializer};

use super::findings::Counts;
use super::Paint;
use crate::check::cidr::{thousands, Report, Rule, MAX_FINDINGS_PER_RULE};
use crate::check::Severity;

/// The schema id of `relayctl check cidr --format json`.
pub const SCHEMA: &str = "relayctl/check-cidr/2";

/// Writes the findings, one per line plus its fix.
pub fn write_findings(r: &Report, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    // Buffered here: a locked stdout flushes at every newline, and a large list has
    // thousands of findings.
    let mut out = BufWriter::with_capacity(64 << 10, out);
    for f in r.findings() {
        super::findings::write(&f, None, paint, &mut out)?;
    }
    out.flush()
}

/// Writes the canonical list, one range per line, ready to paste into the console.
pub fn write_canonical(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(64 << 10, out);
    for net in r.canonical() {
        writeln!(out, "{net}")?;
    }
    out.flush()
}

/// Writes the one-line summary:
/// `relayctl: 12 entries (1 disabled), 2 errors, 1 warning, 3 notes; 9 ranges in the canonical list`.
pub fn write_summary(r: &Report, err: &mut dyn Write) -> io::Result<()> {
    let n = |count: u64, word: &str| {
        let plural = if count == 1 { "" } else { "s" };
        format!("{} {word}{plural}", thousands(u128::from(count)))
    };
    let disabled = if r.disabled() > 0 {
        format!(" ({} disabled)", thousands(u128::from(r.disabled())))
    } else {
        String::new()
    };
    let mut line = format!(
        "relayctl: {}{disabled}, {}; {} in the canonical list",
        n(r.entries(), "entry").replace("entrys", "entries"),
        counts(r).words(true),
        n(r.canonical_len() as u64, "range"),
    );
    let omitted: Vec<String> = r
        .omitted()
        .map(|(rule, count)| format!("{} {}", thousands(u128::from(count)), rule.id()))
        .collect();
    if !omitted.is_empty() {
        line.push_str(&format!(
            "; not listed: {} (the first {} of each rule are)",
            omitted.join(", "),
            thousands(MAX_FINDINGS_PER_RULE as u128)
        ));
    }
    writeln!(err, "{line}")
}

/// The findings, serialised straight from the report's iterator.
struct Findings<'a>(&'a Report);

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.findings())
    }
}

/// The canonical list, serialised straight from the report's iterator.
struct Canonical<'a>(&'a Report);

impl Serialize for Canonical<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.canonical())
    }
}

#[derive(Serialize)]
struct Omitted {
    rule: Rule,
    count: u64,
}

/// Counts of findings by severity, stored or not (the same shape as every command's).
fn counts(r: &Report) -> Counts {
    let mut c = Counts::default();
    for s in [Severity::Error, Severity::Warning, Severity::Note] {
        c.add(s, r.count(s));
    }
    c
}

#[derive(Serialize)]
struct Doc<'a> {
    entries: u64,
    disabled: u64,
    summary: Counts,
    findings: Findings<'a>,
    omitted: Vec<Omitted>,
    canonical: Canonical<'a>,
}

/// Writes the report as one JSON document on `out`.
pub fn write_json(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = Doc {
        entries: r.entries(),
        disabled: r.disabled(),
        summary: counts(r),
        findings: Findings(r),
        omitted: r
            .omitted()
            .map(|(rule, count)| Omitted { rule, count })
            .collect(),
        canonical: Canonical(r),
    };
    let mut out = BufWriter::with_capacity(64 << 10, out);
    super::json::write(SCHEMA, &doc, &mut out)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::cidr::{Checker, Options};

    fn report(list: &str) -> Report {
        let mut c = Checker::new(Options::default());
        let src = c.source("ranges.txt");
        c.read_list(src, list.as_bytes()).unwrap();
        c.finish()
    }

    #[test]
    fn text_layout() {
        let r = report("203.0.114.0/28\n10.0.0.0/8 lan\n203.0.114.0/28\n");
        let mut out = Vec::new();
        write_findings(&r, Paint::PLAIN, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4, "{out}");
        assert!(
            lines[0].starts_with("ranges.txt:2: error: 10.0.0.0/8 is a private (RFC 1918) address"),
            "{out}"
        );
        assert!(lines[0].ends_with("[not-public]"), "{out}");
        assert!(
            lines[1].starts_with("    fix: register the public address"),
            "{out}"
        );
        assert!(lines[2].starts_with("ranges.txt:3: warning: 203.0.114.0/28 is listed twice (first on line 1) [duplicate]"), "{out}");

        let mut err = Vec::new();
        write_summary(&r, &mut err).unwrap();
        assert_eq!(
            String::from_utf8(err).unwrap(),
            "relayctl: 3 entries, 1 error, 1 warning, 0 notes; 1 range in the canonical list\n"
        );
        let mut c = Vec::new();
        write_canonical(&r, &mut c).unwrap();
        assert_eq!(c, b"203.0.114.0/28\n");
    }

    #[test]
    fn json_is_one_document() {
        let r = report("203.0.114.0/28\nbad\n");
        let mut out = Vec::new();
        write_json(&r, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["schema"], SCHEMA);
        let d = &v["data"];
        assert_eq!(d["entries"], 2);
        assert_eq!(d["summary"]["errors"], 1);
        assert_eq!(d["findings"][0]["rule"], "syntax");
        assert_eq!(
            d["findings"][0]["span"],
            serde_json::json!({"file": "ranges.txt", "line": 2, "column": 0})
        );
        assert!(!d["findings"][0]["fact"].as_str().unwrap_or("").is_empty());
        assert_eq!(d["findings"][0]["severity"], "error");
        assert_eq!(d["canonical"], serde_json::json!(["203.0.114.0/28"]));
        assert_eq!(d["omitted"], serde_json::json!([]));
    }
}
