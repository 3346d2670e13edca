//! Domains that must not go to Google: `internal-domain-via-google`.

use super::{catalogue, Expect, Finding, ObservedPlan, Severity};
use crate::lint::INTERNAL_VIA_GOOGLE;

pub(super) fn check(o: &ObservedPlan, e: &Expect<'_>, f: &mut Vec<Finding>) {
    let Some(site) = e.site else { return };
    for internal in &site.internal {
        let d = internal.domain.as_str();
        let route = o
            .routes
            .iter()
            .find(|r| r.value.domain.trim_start_matches('.').to_ascii_lowercase() == d);
        match route {
            Some(r) if r.value.via_google => f.push(catalogue(
                &INTERNAL_VIA_GOOGLE,
                Severity::Error,
                Some(&r.span),
                format!(
                    "internal domain {d} is routed to Google ({})",
                    r.value.next_hop
                ),
            )),
            Some(_) => {}
            None if o.relay.is_some() => f.push(catalogue(
                &INTERNAL_VIA_GOOGLE,
                Severity::Error,
                None,
                format!("internal domain {d} has no route of its own: it goes to the relay"),
            )),
            None => {}
        }
    }
}
