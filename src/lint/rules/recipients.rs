//! The recipient limit per transaction: `too-many-recipients`.

use super::{catalogue, Expect, Finding, ObservedPlan, Severity};
use crate::lint::TOO_MANY_RCPT;

pub(super) fn check(o: &ObservedPlan, e: &Expect<'_>, f: &mut Vec<Finding>) {
    if let Some(m) = o
        .max_rcpt_per_transaction
        .as_ref()
        .filter(|m| m.value > e.max_rcpt())
    {
        f.push(catalogue(
            &TOO_MANY_RCPT,
            Severity::Warning,
            Some(&m.span),
            format!("{} recipients per transaction", m.value),
        ));
    }
}
