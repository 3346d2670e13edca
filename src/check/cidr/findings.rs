//! The findings of `check cidr` as they are stored while the checker runs: a rule, a
//! severity, a place and just enough [`Detail`] to write the message later (the words are in
//! `messages.rs`). Every finding is counted; at most [`MAX_FINDINGS_PER_RULE`] of each rule
//! are kept, so a file of garbage costs bounded memory.

use std::net::Ipv6Addr;

use ipnet::IpNet;

use super::{Loc, Rule, Severity};

/// Findings stored per rule. Counts stay exact; beyond this many, findings of that rule are
/// counted but not kept (a 100 MB file of garbage would otherwise hold millions of them).
pub const MAX_FINDINGS_PER_RULE: usize = 10_000;

/// Bytes of a bad entry kept to quote it in the message.
const MAX_QUOTED_BYTES: usize = 128;

/// Why a line is not a range; the details are worked out again from the quoted text when
/// the message is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SyntaxKind {
    Range,
    SecondRange,
    SpacedSlash,
    SpacedNetmask,
    ControlChars,
    CsvFields(u32),
    CsvQuote,
    CsvEnabled,
}

/// The payload of a stored finding: just enough to write the message later.
#[derive(Debug, Clone)]
pub(super) enum Detail {
    Syntax {
        text: Box<str>,
        cut: bool,
        kind: SyntaxKind,
    },
    LineTooLong {
        bytes: u64,
    },
    NotUtf8 {
        column: u32,
    },
    TooLarge {
        net: IpNet,
        split: bool,
    },
    HostBits {
        written: IpNet,
    },
    NotPublic {
        net: IpNet,
        kind: &'static str,
    },
    Duplicate {
        net: IpNet,
        first: Loc,
    },
    Overlap {
        inner: IpNet,
        outer: IpNet,
        outer_at: Loc,
    },
    Merge {
        parent: IpNet,
        v6: bool,
        start: u32,
        end: u32,
    },
    Broad {
        net: IpNet,
    },
    Disabled {
        net: IpNet,
    },
    NoIpv6 {
        address: Option<Ipv6Addr>,
        seen: Option<String>,
    },
}

/// One stored finding.
#[derive(Debug, Clone)]
pub(super) struct Hit {
    pub(super) rule: Rule,
    pub(super) severity: Severity,
    pub(super) at: Option<Loc>,
    pub(super) detail: Detail,
}

/// Stored findings with exact counts per rule and per severity.
#[derive(Debug, Default)]
pub(super) struct Hits {
    pub(super) kept: Vec<Hit>,
    pub(super) per_rule: [u64; Rule::ALL.len()],
    pub(super) per_severity: [u64; 3],
}

impl Hits {
    /// Counts a finding and keeps it while its rule is under the cap; `detail` is only
    /// built for kept findings.
    pub(super) fn add(
        &mut self,
        rule: Rule,
        severity: Severity,
        at: Option<Loc>,
        detail: impl FnOnce() -> Detail,
    ) {
        let n = &mut self.per_rule[rule.index()];
        *n += 1;
        self.per_severity[severity as usize] += 1;
        if *n <= MAX_FINDINGS_PER_RULE as u64 {
            self.kept.push(Hit {
                rule,
                severity,
                at,
                detail: detail(),
            });
        }
    }
}

/// At most [`MAX_QUOTED_BYTES`] of `text`, cut at a character boundary.
pub(super) fn quoted(text: &str) -> (&str, bool) {
    if text.len() <= MAX_QUOTED_BYTES {
        return (text, false);
    }
    let mut end = MAX_QUOTED_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

#[cfg(test)]
mod tests {
    use super::super::tests::run;
    use super::*;

    #[test]
    fn findings_are_capped_counts_are_not() {
        let list = "garbage\n".repeat(MAX_FINDINGS_PER_RULE + 5);
        let r = run(&list);
        assert_eq!(r.findings().count(), MAX_FINDINGS_PER_RULE);
        assert_eq!(r.count(Severity::Error), MAX_FINDINGS_PER_RULE as u64 + 5);
        assert_eq!(r.omitted().collect::<Vec<_>>(), [(Rule::Syntax, 5)]);
        assert!(r.reaches(Severity::Error));
    }
}
