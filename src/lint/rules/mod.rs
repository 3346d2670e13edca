//! The checks, one file per family of rules. Each family is a function over what the MTA
//! will do (the reader's `ObservedPlan`) and what is expected ([`Expect`]), pushing
//! [`Finding`]s of the catalogue's rules; [`ALL`] runs them in documentation order.

pub(crate) mod auth;
mod egress;
mod helo;
mod recipients;
mod relay;
mod routes;
mod syntax;
mod timing;
mod tls;
mod unresolved;

use super::{Expect, Finding, Rule, Severity};
use crate::mta::{ObservedPlan, Span};

/// One family of checks.
pub type Check = fn(&ObservedPlan, &Expect<'_>, &mut Vec<Finding>);

/// Every family, in the order findings are reported.
pub const ALL: &[Check] = &[
    syntax::check,
    relay::check,
    tls::check,
    auth::check,
    helo::check,
    timing::check,
    routes::check,
    egress::check,
    recipients::check,
    unresolved::check,
];

pub use unresolved::drop_judged_placeholders;

/// A finding of `rule` with the catalogue's fix.
fn catalogue(rule: &Rule, severity: Severity, span: Option<&Span>, message: String) -> Finding {
    rule.finding(severity, span.cloned(), message, rule.fix.to_owned())
}
