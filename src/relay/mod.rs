//! The relay-setting model shared by every command: the relay endpoint, the Admin console
//! setting ([`console`]), validated names ([`names`]) and the one policy function
//! ([`plan::plan`]). Pure: no I/O, no printing, no environment.

pub mod console;
pub mod names;
pub mod plan;

/// Which address families reach the relay. One type for the plan's egress (what `gen`
/// writes), what an MTA's configuration allows (what `lint` reads) and probe's `-4`/`-6`.
/// The JSON names are the plan's (`any`, `ipv4-only`, `ipv6-only`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Family {
    /// IPv4 and IPv6: whatever the host has.
    #[serde(rename = "any")]
    Any,
    /// IPv4 only (`-4`; the plan when the registered ranges are all IPv4: the IPv6 trap,
    /// observed in OpenSMTPD/OpenSMTPD#1076).
    #[serde(rename = "ipv4-only")]
    V4,
    /// IPv6 only (`-6`; the plan when the registered ranges are all IPv6).
    #[serde(rename = "ipv6-only")]
    V6,
}

impl Family {
    /// Whether an address of this family may be used.
    pub fn admits(self, ip: std::net::IpAddr) -> bool {
        match self {
            Family::Any => true,
            Family::V4 => ip.is_ipv4(),
            Family::V6 => ip.is_ipv6(),
        }
    }
}

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// Google help 2956491: the relay's host name.
pub const DEFAULT_RELAY_HOST: &str = "smtp-relay.gmail.com";

/// Google's relay host names: the article's, and the one its denial-of-service note also
/// names (Google help 2956491).
pub const RELAY_HOSTS: &[&str] = &[DEFAULT_RELAY_HOST, "smtp-relay.google.com"];

/// Google's submission host for Gmail users: Google's, but not the relay (its limits and
/// authentication differ).
pub const GMAIL_SUBMISSION_HOST: &str = "smtp.gmail.com";

/// Whether `host` (any case, a trailing dot allowed) is one of Google's relay names.
pub fn is_google_relay(host: &str) -> bool {
    let h = host.trim_end_matches('.');
    RELAY_HOSTS.iter().any(|g| g.eq_ignore_ascii_case(h))
}

/// Whether `host` is Google's relay or Google's submission host: mail routed there goes
/// to Google either way.
pub fn is_google_smtp(host: &str) -> bool {
    is_google_relay(host)
        || host
            .trim_end_matches('.')
            .eq_ignore_ascii_case(GMAIL_SUBMISSION_HOST)
}

/// The three ports the relay listens on (Google help 2956491).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Port {
    /// 25: SMTP, STARTTLS offered.
    Smtp,
    /// 465: TLS from the first byte.
    Smtps,
    /// 587: STARTTLS; the article's port when TLS is required.
    Submission,
}

impl Port {
    /// The three, in the article's order of mention.
    pub const ALL: [Port; 3] = [Port::Smtp, Port::Smtps, Port::Submission];

    /// `25, 465 or 587`, for messages.
    pub fn list() -> String {
        let n: Vec<String> = Port::ALL.iter().map(|p| p.number().to_string()).collect();
        format!("{}, {} or {}", n[0], n[1], n[2])
    }

    /// The relay's port with this number, if it is one of the three.
    pub fn from_number(n: u16) -> Option<Port> {
        Port::try_from(i64::from(n)).ok()
    }

    /// The TCP port number.
    pub fn number(self) -> u16 {
        match self {
            Port::Smtp => 25,
            Port::Smtps => 465,
            Port::Submission => 587,
        }
    }
}

/// A port number that is not one the relay listens on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("port {0} is not 25, 465 or 587 (the relay's ports)")]
pub struct PortError(pub String);

impl TryFrom<i64> for Port {
    type Error = PortError;

    fn try_from(n: i64) -> Result<Self, Self::Error> {
        match n {
            25 => Ok(Port::Smtp),
            465 => Ok(Port::Smtps),
            587 => Ok(Port::Submission),
            other => Err(PortError(other.to_string())),
        }
    }
}

impl FromStr for Port {
    type Err = PortError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim()
            .parse::<i64>()
            .map_err(|_| PortError(format!("{s:?}")))
            .and_then(Port::try_from)
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

impl Serialize for Port {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.number())
    }
}

#[cfg(test)]
mod host_tests {
    use super::*;

    #[test]
    fn google_hosts_and_ports() {
        assert!(is_google_relay("SMTP-RELAY.gmail.com."));
        assert!(is_google_relay("smtp-relay.google.com"));
        assert!(!is_google_relay("smtp.gmail.com"));
        assert!(is_google_smtp("smtp.gmail.com"));
        assert!(!is_google_smtp("smtp-relay.gmail.com.evil.example"));
        assert_eq!(Port::from_number(465), Some(Port::Smtps));
        assert_eq!(Port::from_number(2525), None);
    }
}
