//! Where mail goes and on which port: `no-relay-host`, `relay-host-typo`,
//! `relay-host-not-google`, `relayhost-without-brackets`, `port-not-relay`,
//! `port-465-without-tls-wrapper`, `tls-wrapper-not-465`.

use super::{catalogue, Expect, Finding, ObservedPlan, Severity};
use crate::lint::{
    NO_RELAY, PORT_465_WITHOUT_WRAPPER, PORT_NOT_RELAY, RELAYHOST_NO_BRACKETS,
    RELAY_HOST_NOT_GOOGLE, RELAY_HOST_TYPO, WRAPPER_NOT_465,
};
use crate::mta::TlsMode;
use crate::relay::{is_google_relay, Port, DEFAULT_RELAY_HOST};

/// Levenshtein distance (strsim), the first name cut to 300 characters: host names are at
/// most 253, and a hostile file must not make this quadratic in its size.
fn distance(a: &str, b: &str) -> usize {
    let a: String = a.chars().take(300).collect();
    strsim::levenshtein(&a, b)
}

pub(super) fn check(o: &ObservedPlan, e: &Expect<'_>, f: &mut Vec<Finding>) {
    let Some(relay) = &o.relay else {
        if o.syntax.is_empty() {
            f.push(catalogue(
                &NO_RELAY,
                NO_RELAY.severity,
                None,
                "no relay host is set".into(),
            ));
        }
        return;
    };
    let host = relay.value.host.to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    let span = Some(&relay.span);
    if !is_google_relay(host) {
        let d = distance(host, DEFAULT_RELAY_HOST);
        if d <= 3 && host.contains("relay") || d <= 2 {
            f.push(catalogue(
                &RELAY_HOST_TYPO,
                Severity::Error,
                span,
                format!(
                    "relay host {:?} looks like a misspelling of {DEFAULT_RELAY_HOST}",
                    relay.value.host
                ),
            ));
        } else {
            f.push(catalogue(
                &RELAY_HOST_NOT_GOOGLE,
                Severity::Warning,
                span,
                format!(
                    "relay host {:?} is not Google's SMTP relay",
                    relay.value.host
                ),
            ));
        }
    }
    if !relay.value.no_mx {
        f.push(RELAYHOST_NO_BRACKETS.finding(
            Severity::Warning,
            span.cloned(),
            format!(
                "{:?} makes the MTA look up MX records first",
                relay.value.raw
            ),
            format!(
                "write [{}]{}",
                relay.value.host,
                relay.value.port.map(|p| format!(":{p}")).unwrap_or_default()
            ),
        ));
    }
    let port = relay.value.port.unwrap_or(e.default_port());
    if !e.is_relay_port(port) {
        f.push(catalogue(
            &PORT_NOT_RELAY,
            Severity::Error,
            span,
            format!("port {port} is not {}", Port::list()),
        ));
    }
    let wrapper = matches!(o.tls.as_ref().map(|t| t.value), Some(TlsMode::Implicit));
    let implicit = e.implicit_tls_port();
    if port == implicit && !wrapper {
        f.push(catalogue(
            &PORT_465_WITHOUT_WRAPPER,
            Severity::Error,
            span,
            format!("port {implicit} without TLS on connect: the client waits for a greeting that never comes"),
        ));
    }
    if wrapper && port != implicit {
        f.push(catalogue(
            &WRAPPER_NOT_465,
            Severity::Error,
            o.tls.as_ref().map(|t| &t.span),
            format!("TLS on connect towards port {port}"),
        ));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn distances() {
        assert_eq!(
            super::distance("smtp-relay.gmial.com", "smtp-relay.gmail.com"),
            2
        );
        assert_eq!(super::distance("", "abc"), 3);
    }
}
