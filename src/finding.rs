//! The one vocabulary of judgements: a [`Finding`] with a [`Severity`], shared by `check`,
//! `lint`, `probe` and `send-test`, and rendered by `report` in every format. A finding is
//! not an error: `Err` means a command could not run; a finding is what it found.
//!
//! The severities are SARIF's result levels (`note`, `warning`, `error`; SARIF 2.1.0
//! §3.27.10), so the same words appear in text, JSON, SARIF and GitHub annotations.

use std::borrow::Cow;

use serde::Serialize;

/// How serious a finding is. Ordered: `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Worth knowing; never fails a run by default.
    Note,
    /// Works today, breaks under some conditions, or costs something; fails with
    /// `--fail-on warning`.
    Warning,
    /// The relay will refuse the mail, credentials would leak, or mail does not reach the
    /// relay as intended; fails a run by default.
    Error,
}

impl Severity {
    /// The lower-case word used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where something was found: a file (as the user named it, `-` for stdin), a 1-based line
/// and a 1-based column in characters (0 when only the line is known).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    /// The file as the user named it (or as found while walking a directory).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters; 0 when unknown.
    pub column: u32,
}

impl Span {
    /// A span in `file` at `line`, `column`.
    pub fn new(file: &str, line: u32, column: u32) -> Span {
        Span {
            file: file.to_owned(),
            line,
            column,
        }
    }
}

impl std::fmt::Display for Span {
    /// `file:line:column`, or `file:line` when the column is unknown: the form editors and
    /// CI logs turn into links.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column == 0 {
            write!(f, "{}:{}", self.file, self.line)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// One thing a command found, with where, how bad, what to do and the public source the
/// judgement rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable kebab-case id of the rule (`tls-not-verified`, `range-too-large`,
    /// `helo-single-label`...), or the `relayctl explain` catalogue's id for a relay reply.
    pub rule: Cow<'static, str>,
    /// How serious it is.
    pub severity: Severity,
    /// Where, when the finding is about a place in a file (None: the whole input, a
    /// connection, a name).
    pub span: Option<Span>,
    /// Other places involved (the other side of a duplicate or an overlap).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Span>,
    /// What is wrong, one line.
    pub message: String,
    /// What to do, one line; empty when nothing is needed.
    pub fix: String,
    /// The public source (listed in docs/sources.md); empty only for notes that need none.
    pub fact: Cow<'static, str>,
    /// Suppressed by a `relayctl: allow` comment: kept and reported in JSON, not counted.
    pub suppressed: bool,
}

impl Finding {
    /// A finding of `rule` at `severity` saying `message`; add the rest with the builders.
    pub fn new(
        rule: impl Into<Cow<'static, str>>,
        severity: Severity,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule: rule.into(),
            severity,
            span: None,
            related: Vec::new(),
            message: message.into(),
            fix: String::new(),
            fact: Cow::Borrowed(""),
            suppressed: false,
        }
    }

    /// With the place it is about.
    pub fn at(mut self, span: Option<Span>) -> Finding {
        self.span = span;
        self
    }

    /// With the other places involved.
    pub fn related(mut self, related: Vec<Span>) -> Finding {
        self.related = related;
        self
    }

    /// With what to do.
    pub fn fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = fix.into();
        self
    }

    /// With the public source it rests on.
    pub fn fact(mut self, fact: impl Into<Cow<'static, str>>) -> Finding {
        self.fact = fact.into();
        self
    }

    /// Whether it counts towards a `--fail-on` threshold.
    pub fn counts_at(&self, threshold: Severity) -> bool {
        !self.suppressed && self.severity >= threshold
    }
}

/// Whether any unsuppressed finding reaches `threshold`.
pub fn reaches(findings: &[Finding], threshold: Severity) -> bool {
    findings.iter().any(|f| f.counts_at(threshold))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_are_ordered_and_spelled_as_sarif_levels() {
        assert!(Severity::Note < Severity::Warning && Severity::Warning < Severity::Error);
        let words: Vec<_> = [Severity::Note, Severity::Warning, Severity::Error]
            .iter()
            .map(|s| serde_json::to_string(s).unwrap_or_default())
            .collect();
        assert_eq!(words, ["\"note\"", "\"warning\"", "\"error\""]);
    }

    #[test]
    fn suppressed_findings_do_not_count() {
        let mut f = Finding::new("x", Severity::Error, "m");
        assert!(reaches(std::slice::from_ref(&f), Severity::Warning));
        f.suppressed = true;
        assert!(!reaches(&[f], Severity::Note));
    }

    #[test]
    fn span_prints_as_editors_link_it() {
        assert_eq!(Span::new("main.cf", 3, 7).to_string(), "main.cf:3:7");
        assert_eq!(Span::new("-", 12, 0).to_string(), "-:12");
    }

    #[test]
    fn json_shape_is_stable() {
        let f = Finding::new("r", Severity::Warning, "m")
            .at(Some(Span::new("f", 1, 2)))
            .fix("do")
            .fact("src");
        let v = serde_json::to_value(&f).unwrap_or_default();
        assert_eq!(
            v,
            serde_json::json!({"rule":"r","severity":"warning","span":{"file":"f","line":1,"column":2},
                "message":"m","fix":"do","fact":"src","suppressed":false})
        );
    }
}
