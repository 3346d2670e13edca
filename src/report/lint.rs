//! Renderers of a `LintReport`: text (`file:line:col: severity: message [rule]`, then the
//! fix), JSON (`relayctl/lint/1`), the summary line, and the rule catalogue (text, JSON,
//! and the Markdown of docs/rules.md). SARIF and GitHub annotations are in `sarif.rs` and
//! `github.rs`. Pure.

use std::io::{self, Write};

use serde::Serialize;

use super::findings::Counts;
use super::Paint;
use crate::check::cidr::thousands;
use crate::lint::{LintReport, RULES};

/// One line per finding (suppressed ones left out), the fix indented below it.
pub fn write_text(r: &LintReport, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    for f in &r.files {
        for x in f.findings.iter().filter(|x| !x.suppressed) {
            super::findings::write(x, Some(&f.file), paint, out)?;
        }
    }
    Ok(())
}

/// `relayctl: 3 files checked: 1 error, 2 warnings, 0 notes (1 suppressed)` on stderr,
/// worded as every command's summary.
pub fn write_summary(r: &LintReport, err: &mut dyn Write) -> io::Result<()> {
    let (c, suppressed) = counts(r);
    let files = r.files.len();
    writeln!(
        err,
        "relayctl: {} file{} checked: {}{}",
        thousands(files as u128),
        if files == 1 { "" } else { "s" },
        c.words(true),
        if suppressed > 0 {
            format!(" ({suppressed} suppressed)")
        } else {
            String::new()
        }
    )
}

#[derive(Serialize)]
struct JsonReport<'a> {
    files: &'a [crate::lint::FileReport],
    #[serde(flatten)]
    counts: Counts,
    suppressed: usize,
}

/// Unsuppressed findings by severity, and the suppressed ones.
fn counts(r: &LintReport) -> (Counts, usize) {
    let all = || r.files.iter().flat_map(|f| &f.findings);
    (Counts::of(all()), all().filter(|x| x.suppressed).count())
}

/// One JSON document, schema `relayctl/lint/1`.
pub fn write_json(r: &LintReport, out: &mut dyn Write) -> io::Result<()> {
    let (counts, suppressed) = counts(r);
    let doc = JsonReport {
        files: &r.files,
        counts,
        suppressed,
    };
    super::json::write("relayctl/lint/1", &doc, out)
}

/// The rule catalogue as text: id, severity, summary, fix, source.
pub fn write_rules_text(out: &mut dyn Write) -> io::Result<()> {
    for r in RULES {
        writeln!(out, "{} ({})", r.id, r.severity.as_str())?;
        writeln!(out, "    {}", r.summary)?;
        writeln!(out, "    fix: {}", r.fix)?;
        writeln!(out, "    source: {}", r.fact)?;
    }
    Ok(())
}

/// The rule catalogue as JSON, schema `relayctl/lint-rules/1`.
pub fn write_rules_json(out: &mut dyn Write) -> io::Result<()> {
    super::json::write("relayctl/lint-rules/1", &RULES, out)
}

/// docs/rules.md, generated from the catalogue (a test keeps the committed file fresh).
pub fn rules_markdown() -> String {
    let mut s = String::from(
        "# relayctl lint rules\n\n\
         Generated from `src/lint/mod.rs` (`RULES`); `RELAYCTL_BLESS=1 cargo test --test it \
         generated` rewrites this file. Ids are stable: a rule is never renamed or \
         renumbered. `relayctl lint --list-rules` prints the same list. Suppress a rule on \
         one line with a comment `relayctl: allow <id>` on that line or the line above. \
         Sources are keys of [sources.md](sources.md).\n\n\
         | id | severity | what it checks | fix | source |\n|---|---|---|---|---|\n",
    );
    for r in RULES {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            r.id,
            r.severity.as_str(),
            r.summary.replace('|', "\\|"),
            r.fix.replace('|', "\\|"),
            r.fact.replace('|', "\\|")
        ));
    }
    s
}
