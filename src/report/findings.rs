//! The one text rendering of a [`Finding`], shared by `check`, `lint`, `probe` and
//! `send-test`: `LOCATION: severity: message [rule]` (the location left out when there is
//! none), the fix on an indented line below; and the counts by severity that summaries and
//! JSON documents carry. Everything that came from a file or a server is escaped.

use std::io::{self, Write};

use serde::Serialize;

use super::{untrusted, Paint};
use crate::check::cidr::thousands;
use crate::finding::{Finding, Severity};

/// Writes one finding: its line, then `    fix: ...` when there is something to do.
/// `location` overrides the finding's own span (a file name for a whole-file finding).
pub fn write(
    f: &Finding,
    location: Option<&str>,
    paint: Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    let here = match (&f.span, location) {
        (Some(span), _) => Some(span.to_string()),
        (None, Some(l)) => Some(l.to_owned()),
        (None, None) => None,
    };
    if let Some(here) = here {
        write!(out, "{}: ", untrusted(&here))?;
    }
    line(f, paint, "    ", out)
}

/// `severity: message [rule]`, then the fix indented by `indent`.
fn line(f: &Finding, paint: Paint, indent: &str, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{}: {} [{}]",
        paint.severity(f.severity.as_str()),
        untrusted(&f.message),
        untrusted(&f.rule)
    )?;
    if !f.fix.is_empty() {
        writeln!(out, "{indent}fix: {}", untrusted(&f.fix))?;
    }
    Ok(())
}

/// Writes one finding nested under a port or a message (probe, send-test): the same line
/// indented by two spaces, its fix and, for warnings and errors, its source indented by
/// six. A note with nothing to do is a plain `- message` line.
pub fn write_nested(f: &Finding, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    if f.severity == Severity::Note && f.fix.is_empty() {
        return writeln!(out, "  - {}", untrusted(&f.message));
    }
    write!(out, "  ")?;
    line(f, paint, "      ", out)?;
    if !f.fact.is_empty() && f.severity >= Severity::Warning {
        writeln!(out, "      source: {}", untrusted(&f.fact))?;
    }
    Ok(())
}

/// Unsuppressed findings counted by severity: the `summary` object of the JSON documents
/// and the words of the summary lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Errors.
    pub errors: u64,
    /// Warnings.
    pub warnings: u64,
    /// Notes.
    pub notes: u64,
}

impl Counts {
    /// Counts the unsuppressed findings of `all`.
    pub fn of<'a>(all: impl IntoIterator<Item = &'a Finding>) -> Counts {
        let mut c = Counts::default();
        for f in all.into_iter().filter(|f| !f.suppressed) {
            c.add(f.severity, 1);
        }
        c
    }

    /// Adds `n` findings of `severity`.
    pub fn add(&mut self, severity: Severity, n: u64) {
        match severity {
            Severity::Error => self.errors += n,
            Severity::Warning => self.warnings += n,
            Severity::Note => self.notes += n,
        }
    }

    /// `2 errors, 1 warning, 3 notes`, leaving out the zeros unless `all` (`none` when
    /// everything is zero and `all` is false).
    pub fn words(self, all: bool) -> String {
        let mut parts = Vec::new();
        for (n, one) in [
            (self.errors, "error"),
            (self.warnings, "warning"),
            (self.notes, "note"),
        ] {
            if all || n > 0 {
                parts.push(format!(
                    "{} {one}{}",
                    thousands(u128::from(n)),
                    if n == 1 { "" } else { "s" }
                ));
            }
        }
        if parts.is_empty() {
            "no findings".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Span;

    fn text(f: &Finding, location: Option<&str>) -> String {
        let mut out = Vec::new();
        write(f, location, Paint::PLAIN, &mut out).unwrap_or_default();
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn one_layout_for_every_command() {
        let f = Finding::new("r", Severity::Warning, "bad\x1b[2Jthing").fix("do it");
        assert_eq!(
            text(&f, None),
            "warning: bad\\x1b[2Jthing [r]\n    fix: do it\n"
        );
        let at = f.clone().at(Some(Span::new("main.cf", 4, 2)));
        assert_eq!(
            text(&at, Some("ignored")),
            "main.cf:4:2: warning: bad\\x1b[2Jthing [r]\n    fix: do it\n"
        );
        let whole = Finding::new("r", Severity::Error, "m");
        assert_eq!(text(&whole, Some("main.cf")), "main.cf: error: m [r]\n");
    }

    #[test]
    fn counts_leave_out_suppressed_and_zero() {
        let mut s = Finding::new("r", Severity::Error, "m");
        s.suppressed = true;
        let all = [Finding::new("r", Severity::Warning, "m"), s];
        let c = Counts::of(&all);
        assert_eq!(
            c,
            Counts {
                errors: 0,
                warnings: 1,
                notes: 0
            }
        );
        assert_eq!(c.words(false), "1 warning");
        assert_eq!(c.words(true), "0 errors, 1 warning, 0 notes");
        assert_eq!(Counts::default().words(false), "no findings");
    }
}
