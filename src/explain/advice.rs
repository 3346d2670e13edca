//! What a stopped send-test means and what to do: the relay's refusals through the reply
//! catalogue ([`Advice::from`] an [`Explanation`]), and the failures that are not a reply
//! (no STARTTLS, no usable AUTH, a TLS problem, a server that does not speak SMTP) from the
//! small catalogue here. Each cites its public source. Pure.

use std::net::IpAddr;

use serde::Serialize;

use super::Explanation;
use crate::smtp::tls::TlsProblem;

/// What a refusal or failure means and what to do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Advice {
    /// The catalogue entry, when a relay reply matched one.
    pub id: Option<String>,
    /// One line: what happened.
    pub summary: String,
    /// Why it happens.
    pub cause: Option<String>,
    /// What to change.
    pub fix: Option<String>,
    /// The public source it rests on (docs/sources.md).
    pub fact: Option<String>,
    /// The client address the relay names in its reply ("Mail relay denied [IP]").
    pub client_ip: Option<IpAddr>,
    /// Whether trying again later may succeed.
    pub temporary: bool,
}

impl From<Explanation> for Advice {
    fn from(e: Explanation) -> Advice {
        Advice {
            id: Some(e.id.to_owned()),
            summary: e.summary,
            cause: Some(e.cause),
            fix: Some(e.fix),
            fact: Some(e.fact.to_owned()),
            client_ip: e.client_ip,
            temporary: e.temporary,
        }
    }
}

const FACT_STARTTLS: &str =
    "RFC 3207 §4.2; Google 2956491 \"Route outgoing SMTP relay messages through Google\"";
const FACT_AUTH: &str = "RFC 4954 §4; Google 2956491 \"Route outgoing SMTP relay messages through Google\": SMTP AUTH requires TLS";
const FACT_PROTOCOL: &str = "RFC 5321 §4.2";
const FACT_CERT_NAME: &str = "RFC 6125 §6.4";
const FACT_TLS: &str = "RFC 3207 §4.1";

/// Every source this catalogue cites (tests check them against docs/sources.md).
pub const FACTS: &[&str] = &[
    FACT_STARTTLS,
    FACT_AUTH,
    FACT_PROTOCOL,
    FACT_CERT_NAME,
    FACT_TLS,
];

fn advice(summary: String, cause: &str, fix: &str, fact: &str) -> Advice {
    Advice {
        summary,
        cause: Some(cause.to_owned()),
        fix: Some(fix.to_owned()),
        fact: Some(fact.to_owned()),
        ..Advice::default()
    }
}

/// A STARTTLS port whose EHLO answer offered no STARTTLS: nothing was sent.
pub fn no_starttls() -> Advice {
    advice(
        "the server did not offer STARTTLS, so nothing was sent".to_owned(),
        "Google's relay offers STARTTLS on ports 25 and 587; a firewall or an antivirus doing \
         SMTP inspection may strip it (a downgrade), or --host does not point at Google",
        "check --host and the network path (disable SMTP inspection for smtp-relay.gmail.com); \
         or use port 465 (TLS on connect), which cannot be downgraded",
        FACT_STARTTLS,
    )
}

/// Credentials were given and not sent (`reason` says why): no message was sent either.
pub fn auth_not_offered(reason: &str) -> Advice {
    advice(
        format!("credentials not sent: {reason}; no message was sent"),
        "the EHLO answer after TLS offers no AUTH mechanism relayctl may use",
        "check --host and --port; --auth-mech xoauth2 with a token if the relay offers only \
         XOAUTH2; or drop --auth-user if the console setting identifies you by IP address",
        FACT_AUTH,
    )
}

/// The server broke the protocol.
pub fn not_smtp() -> Advice {
    advice(
        "the server did not answer as an SMTP relay should".to_owned(),
        "an unexpected or malformed reply",
        "check --host and --port",
        FACT_PROTOCOL,
    )
}

/// TLS could not be set up; `implicit` when the port expects TLS on connect.
pub fn tls(p: TlsProblem, implicit: bool) -> Advice {
    let (cause, fix, fact) = match p {
        TlsProblem::NotValidForName => (
            "the certificate names another host: --host is an IP address or an alias, or \
             something on the path presents its own certificate",
            "connect to smtp-relay.gmail.com by name; if you did, look for TLS inspection on \
             the path",
            FACT_CERT_NAME,
        ),
        TlsProblem::UnknownIssuer => (
            "the certificate does not chain to a public root: TLS inspection on the path, or \
             a private relay",
            "for a relay with a private CA pass --ca-file; otherwise find what intercepts TLS \
             on the path",
            FACT_TLS,
        ),
        TlsProblem::Expired | TlsProblem::NotYetValid => (
            "the certificate's validity does not cover this machine's current time",
            "check this machine's clock (timedatectl, NTP) before suspecting the relay",
            FACT_TLS,
        ),
        TlsProblem::Revoked | TlsProblem::BadCertificate => (
            "the certificate was rejected",
            "find what presents this certificate on the path",
            FACT_TLS,
        ),
        TlsProblem::Handshake => (
            if implicit {
                "the server did not complete a TLS handshake on connect; it may expect \
                 STARTTLS instead"
            } else {
                "the server did not complete the TLS handshake after STARTTLS"
            },
            "465 is TLS on connect, 25 and 587 are STARTTLS; for another port say which \
             (2465/tls, 2587/starttls)",
            FACT_TLS,
        ),
    };
    advice(
        format!("{p}; no credential and no message was sent"),
        cause,
        fix,
        fact,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_go_through_the_catalogue() {
        let a = Advice::from(crate::explain::explain(
            "535 5.7.8 Username and Password not accepted. For more information, go to \
             https://support.google.com/mail/?p=BadCredentials x - gsmtp",
        ));
        assert_eq!(a.id.as_deref(), Some("bad-credentials"));
        let a = Advice::from(crate::explain::explain(
            "550 5.7.1 Invalid credentials for relay [203.0.113.9]. The IP address you've \
             registered in your Workspace SMTP Relay service doesn't match the domain of the \
             account this email is being sent from.",
        ));
        assert_eq!(a.id.as_deref(), Some("invalid-credentials-for-relay"));
        assert_eq!(a.client_ip, Some("203.0.113.9".parse().unwrap()));
        assert!(!a.temporary);
    }

    #[test]
    fn tls_advice_names_the_mode_for_handshakes() {
        let a = tls(TlsProblem::Handshake, true);
        assert!(a.cause.unwrap().contains("STARTTLS instead"));
        assert!(a.summary.contains("no credential"));
        assert!(a.fact.is_some());
    }
}
