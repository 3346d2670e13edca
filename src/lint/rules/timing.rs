//! Connection caching and the article's timeouts: `connection-reuse-off`,
//! `sendmail-datafinal-too-short`, `qmail-timeoutsmtpd-too-short`.

use super::{catalogue, Expect, Finding, ObservedPlan, Severity};
use crate::lint::{CONNECTION_REUSE_OFF, DATAFINAL_SHORT, QMAIL_TIMEOUT_SHORT};

pub(super) fn check(o: &ObservedPlan, e: &Expect<'_>, f: &mut Vec<Finding>) {
    if let Some(r) = o.connection_reuse.as_ref().filter(|r| !r.value) {
        f.push(catalogue(
            &CONNECTION_REUSE_OFF,
            Severity::Note,
            Some(&r.span),
            "connections or TLS sessions to the relay are not reused".into(),
        ));
    }
    let t = e.timeouts();
    if let Some(x) = o
        .data_final_timeout_s
        .as_ref()
        .filter(|x| x.value < t.data_final_min_s)
    {
        f.push(catalogue(
            &DATAFINAL_SHORT,
            Severity::Warning,
            Some(&x.span),
            format!("Timeout.datafinal is {} s", x.value),
        ));
    }
    if let Some(x) = o
        .qmail_smtpd_timeout_s
        .as_ref()
        .filter(|x| x.value < t.qmail_smtpd_min_s)
    {
        f.push(catalogue(
            &QMAIL_TIMEOUT_SHORT,
            Severity::Warning,
            Some(&x.span),
            format!("timeoutsmtpd is {} s", x.value),
        ));
    }
}
