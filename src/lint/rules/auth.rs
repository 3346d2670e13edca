//! SMTP AUTH against the console setting and the credentials beside the configuration:
//! `sasl-with-ip-auth`, `no-sasl-with-smtp-auth`, `password-map-key-mismatch`,
//! `password-map-missing`, `consumer-gmail-credentials`.

use super::tls::sasl_on;
use super::{catalogue, Expect, Finding, ObservedPlan, Severity};
use crate::lint::{
    CONSUMER_ACCOUNT, NO_SASL_WITH_SMTP_AUTH, PASSWORD_KEY_MISMATCH, PASSWORD_MAP_MISSING,
    SASL_WITH_IP_AUTH,
};

pub(super) fn check(o: &ObservedPlan, e: &Expect<'_>, f: &mut Vec<Finding>) {
    let sasl_on = sasl_on(o);
    if sasl_on && e.ip_only() {
        f.push(catalogue(
            &SASL_WITH_IP_AUTH,
            Severity::Warning,
            o.sasl.as_ref().map(|s| &s.span),
            "SMTP AUTH is on, and relay.toml says the console authenticates by IP address only"
                .into(),
        ));
    }
    // "both" requires SMTP AUTH as much as "smtp-auth" does: the plan's own question.
    if !sasl_on && e.smtp_auth_required() && o.relay.is_some() {
        f.push(catalogue(
            &NO_SASL_WITH_SMTP_AUTH,
            Severity::Error,
            o.sasl
                .as_ref()
                .map(|s| &s.span)
                .or(o.relay.as_ref().map(|r| &r.span)),
            "the console requires SMTP Authentication and SMTP AUTH is off".into(),
        ));
    }
    if let (true, Some(relay)) = (sasl_on, &o.relay) {
        if !o.credentials.is_empty()
            && !o
                .credentials
                .iter()
                .any(|c| key_matches(&c.value.key, &relay.value.raw, &relay.value.host))
        {
            let keys: Vec<&str> = o.credentials.iter().map(|c| c.value.key.as_str()).collect();
            f.push(PASSWORD_KEY_MISMATCH.finding(
                Severity::Error,
                o.credentials.first().map(|c| c.span.clone()),
                format!(
                    "credential keys {keys:?} do not match the relay host {:?}",
                    relay.value.raw
                ),
                format!("key the entry as {}", relay.value.raw),
            ));
        }
        if let (true, Some(map)) = (o.credentials.is_empty(), &o.password_map) {
            f.push(catalogue(
                &PASSWORD_MAP_MISSING,
                Severity::Warning,
                Some(&map.span),
                format!("the password map {:?} is not beside this file", map.value),
            ));
        }
    }
    for c in &o.credentials {
        let u = c.value.user.to_ascii_lowercase();
        if u.ends_with("@gmail.com") || u.ends_with("@googlemail.com") {
            f.push(catalogue(
                &CONSUMER_ACCOUNT,
                Severity::Error,
                Some(&c.span),
                format!("{:?} is a consumer Gmail account", c.value.user),
            ));
        }
    }
}

/// Whether a credential key names the relay as the MTA looks it up: the next hop exactly
/// as written (Postfix `[host]:port`), or the bare host name (Postfix also looks up the
/// remote host name; Exim's passwd.client and sendmail's AuthInfo are keyed by host), or a
/// wildcard, or the label an OpenSMTPD relay URL names. A key with another port or other
/// brackets does not match (postconf(5), smtp_sasl_password_maps).
pub(crate) fn key_matches(key: &str, raw: &str, host: &str) -> bool {
    let key = key.trim();
    key.eq_ignore_ascii_case(raw.trim())
        || key.eq_ignore_ascii_case(host)
        || key == "*"
        // OpenSMTPD: the relay URL names the secrets-table label (`smtp+tls://label@host`).
        || (!key.is_empty() && raw.contains(&format!("//{key}@")))
}
