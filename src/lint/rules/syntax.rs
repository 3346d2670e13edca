//! `syntax`: what the reader could not read as the MTA would.

use super::{catalogue, Expect, Finding, ObservedPlan, Severity};
use crate::lint::SYNTAX;

pub(super) fn check(o: &ObservedPlan, _: &Expect<'_>, f: &mut Vec<Finding>) {
    for p in &o.syntax {
        f.push(catalogue(
            &SYNTAX,
            Severity::Error,
            Some(&p.span),
            p.message.clone(),
        ));
    }
}
