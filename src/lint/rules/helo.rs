//! The HELO name: `helo-generic`, `helo-not-in-domains`, `helo-default`.

use super::{catalogue, Expect, Finding, ObservedPlan, Severity};
use crate::lint::{HELO_DEFAULT, HELO_GENERIC, HELO_NOT_IN_DOMAINS};
use crate::relay::names::generic_reason;

pub(super) fn check(o: &ObservedPlan, e: &Expect<'_>, f: &mut Vec<Finding>) {
    let Some(h) = &o.helo else {
        if o.relay.is_some() {
            let default = o
                .helo_default
                .clone()
                .unwrap_or_else(|| "the MTA's default".into());
            f.push(catalogue(
                &HELO_DEFAULT,
                Severity::Note,
                None,
                format!("the HELO name is left to {default}"),
            ));
        }
        return;
    };
    let name = h.value.trim_end_matches('.');
    let generic = generic_reason(name).map(str::to_owned).or_else(|| {
        (!name.contains('.') || name.starts_with('['))
            .then(|| "not a fully qualified domain name".to_owned())
    });
    if let Some(why) = generic {
        f.push(catalogue(
            &HELO_GENERIC,
            Severity::Error,
            Some(&h.span),
            format!("HELO {name:?}: {why}"),
        ));
        return;
    }
    let Some(site) = e.site else { return };
    let lower = name.to_ascii_lowercase();
    let in_domains = site
        .domains
        .iter()
        .any(|d| lower == d.as_str() || lower.ends_with(&format!(".{}", d.as_str())));
    if !site.domains.is_empty() && !in_domains {
        let list: Vec<&str> = site.domains.iter().map(|d| d.as_str()).collect();
        f.push(catalogue(
            &HELO_NOT_IN_DOMAINS,
            Severity::Warning,
            Some(&h.span),
            format!("HELO {name:?} is not under {}", list.join(", ")),
        ));
    }
}
