//! `relayctl check`: validators for what admins get wrong most often, the console's IP
//! ranges ([`cidr`]) and the HELO identity ([`helo`]). Both report [`Finding`]s; a finding
//! is not an error: `Err` means the check could not run.

pub mod cidr;
pub mod helo;

use serde::Serialize;

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Worth knowing; never fails a run.
    Info,
    /// Likely to cause trouble; fails with `--fail-on warning`.
    Warning,
    /// The console refuses it or the relay will refuse the mail; fails by default.
    Error,
}

impl Severity {
    /// The lower-case word used in text output.
    pub fn word(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One thing a check found, with where, how bad, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable kebab-case id of the rule (`range-too-large`, `helo-single-label`, ...).
    pub rule: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// 1-based input line, when the finding is about one line.
    pub line: Option<u64>,
    /// Other lines involved (the other side of a duplicate or overlap).
    pub related_lines: Vec<u64>,
    /// What is wrong, one line.
    pub message: String,
    /// What to do, one line.
    pub fix: Option<String>,
}

/// Whether any finding reaches `threshold`.
pub fn reaches(findings: &[Finding], threshold: Severity) -> bool {
    findings.iter().any(|f| f.severity >= threshold)
}
