//! Address families against the console's ranges, as the plan decides them
//! (`relay::plan::egress_for`): `ipv6-egress-with-ipv4-ranges`.

use super::{catalogue, Expect, Finding, ObservedPlan, Severity};
use crate::lint::IPV6_WITH_IPV4_RANGES;
use crate::relay::Family;

pub(super) fn check(o: &ObservedPlan, e: &Expect<'_>, f: &mut Vec<Finding>) {
    if e.egress() != Family::V4 || o.relay.is_none() {
        return;
    }
    let families = o.families.as_ref().map(|x| x.value);
    // Set to all/ipv6: a warning. Not set (or no such setting in this MTA): a note, since
    // the host's own routes decide.
    let (sev, msg) = match families {
        Some(Family::V4) => return,
        Some(_) => (
            Severity::Warning,
            "the MTA may use IPv6 and relay.toml's ranges are IPv4 only",
        ),
        None => (
            Severity::Note,
            "nothing restricts the MTA to IPv4 and relay.toml's ranges are IPv4 only: on a host with IPv6 egress mail is denied",
        ),
    };
    f.push(catalogue(
        &IPV6_WITH_IPV4_RANGES,
        sev,
        o.families.as_ref().map(|x| &x.span),
        msg.into(),
    ));
}
