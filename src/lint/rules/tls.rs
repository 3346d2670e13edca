//! TLS towards the relay: `tls-not-mandatory`, `sasl-over-opportunistic-tls`,
//! `tls-not-verified`.

use super::{catalogue, Expect, Finding, ObservedPlan, Severity};
use crate::lint::{SASL_OVER_OPPORTUNISTIC_TLS, TLS_NOT_MANDATORY, TLS_NOT_VERIFIED};
use crate::mta::TlsMode;

/// Whether the MTA may send without TLS (off, opportunistic, or its default).
pub(super) fn optional(o: &ObservedPlan) -> bool {
    matches!(
        o.tls.as_ref().map(|t| t.value),
        None | Some(TlsMode::Off) | Some(TlsMode::Opportunistic)
    )
}

/// Whether the MTA authenticates.
pub(super) fn sasl_on(o: &ObservedPlan) -> bool {
    o.sasl.as_ref().is_some_and(|s| s.value)
}

pub(super) fn check(o: &ObservedPlan, e: &Expect<'_>, f: &mut Vec<Finding>) {
    let tls = o.tls.as_ref().map(|t| t.value);
    let optional = optional(o);
    let sasl_on = sasl_on(o);
    if optional && o.relay.is_some() {
        // `may` is fine without Require TLS (a note), an error with it; without
        // --config nobody knows, so a warning.
        let sev = if e.require_tls() || e.smtp_auth_required() {
            Severity::Error
        } else if e.knows_console() {
            Severity::Note
        } else {
            Severity::Warning
        };
        let what = match tls {
            Some(TlsMode::Off) => "TLS is off",
            Some(TlsMode::Opportunistic) => "TLS is opportunistic",
            _ => "TLS is left to the default (opportunistic or off)",
        };
        let why = if e.require_tls() {
            "; the console requires TLS, so mail sent in clear is refused"
        } else {
            ""
        };
        f.push(catalogue(
            &TLS_NOT_MANDATORY,
            sev,
            o.tls
                .as_ref()
                .map(|t| &t.span)
                .or(o.relay.as_ref().map(|r| &r.span)),
            format!("{what}{why}"),
        ));
    }
    if sasl_on && optional {
        f.push(catalogue(
            &SASL_OVER_OPPORTUNISTIC_TLS,
            Severity::Error,
            o.sasl.as_ref().map(|s| &s.span),
            "SMTP AUTH is on and TLS is optional".into(),
        ));
    }
    if let (Some(v), Some(_)) = (&o.tls_verified, &o.relay) {
        // Opportunistic TLS without SMTP AUTH: a downgrade reads the mail anyway, and
        // tls-not-mandatory says so.
        if !v.value && (sasl_on || !optional) {
            let (sev, what) = if sasl_on {
                (
                    Severity::Error,
                    "TLS towards the relay takes any certificate: SMTP AUTH sends the password to whoever answers for the relay",
                )
            } else {
                (
                    Severity::Warning,
                    "TLS towards the relay takes any certificate: whoever answers for the relay can read the mail",
                )
            };
            f.push(catalogue(
                &TLS_NOT_VERIFIED,
                sev,
                Some(&v.span),
                what.into(),
            ));
        }
    }
}
