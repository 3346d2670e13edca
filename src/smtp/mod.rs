//! The SMTP client side of relayctl, without sockets: reply parsing, the step driver over
//! any `Read + Write`, AUTH encoding and the transcript. `net/` opens the connections.

pub mod auth;
pub mod ehlo;
pub mod message;
pub mod redact;
pub mod reply;
pub mod session;
pub mod tls;
pub mod transcript;

use std::fmt;
use std::str::FromStr;

use crate::redacted::Secret;

/// How TLS starts on a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsStart {
    /// Plain connection, then STARTTLS (RFC 3207): ports 25 and 587.
    StartTls,
    /// TLS from the first byte (RFC 8314 "implicit TLS"): port 465.
    Implicit,
}

/// A port to talk to and how TLS starts there: `587`, `465`, `25`, or any port with its
/// mode spelled out (`2465/tls`, `2587/starttls`) for test servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortSpec {
    /// TCP port.
    pub port: u16,
    /// How TLS starts there.
    pub tls: TlsStart,
}

impl PortSpec {
    /// The relay's three ports (Google help 2956491: 25, 465 TLS from the
    /// first byte, 587 STARTTLS).
    pub const RELAY: [PortSpec; 3] = [
        PortSpec::new(25, TlsStart::StartTls),
        PortSpec::new(465, TlsStart::Implicit),
        PortSpec::new(587, TlsStart::StartTls),
    ];

    /// A port with its TLS mode.
    pub const fn new(port: u16, tls: TlsStart) -> PortSpec {
        PortSpec { port, tls }
    }

    /// The mode a bare port number implies: 465 and 'implicit', everything else STARTTLS.
    pub fn from_port(port: u16) -> PortSpec {
        let tls = if port == 465 {
            TlsStart::Implicit
        } else {
            TlsStart::StartTls
        };
        PortSpec { port, tls }
    }
}

impl fmt::Display for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == PortSpec::from_port(self.port) {
            write!(f, "{}", self.port)
        } else {
            match self.tls {
                TlsStart::StartTls => write!(f, "{}/starttls", self.port),
                TlsStart::Implicit => write!(f, "{}/tls", self.port),
            }
        }
    }
}

impl FromStr for PortSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<PortSpec, String> {
        let (num, mode) = match s.split_once('/') {
            Some((n, m)) => (n, Some(m)),
            None => (s, None),
        };
        let port: u16 = num
            .trim()
            .parse()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| format!("{s:?}: not a port number (1-65535)"))?;
        let tls = match mode.map(str::to_ascii_lowercase).as_deref() {
            None => return Ok(PortSpec::from_port(port)),
            Some("starttls") => TlsStart::StartTls,
            Some("tls") | Some("implicit") | Some("smtps") => TlsStart::Implicit,
            Some(m) => {
                return Err(format!(
                    "{s:?}: TLS mode {m:?} is not 'starttls' or 'tls' (TLS on connect)"
                ))
            }
        };
        Ok(PortSpec { port, tls })
    }
}

/// SMTP AUTH mechanisms relayctl speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Mechanism {
    /// RFC 4616.
    #[serde(rename = "PLAIN")]
    Plain,
    /// The de-facto LOGIN mechanism (draft-murchison-sasl-login).
    #[serde(rename = "LOGIN")]
    Login,
    /// Google's XOAUTH2 with an OAuth 2.0 access token.
    #[serde(rename = "XOAUTH2")]
    Xoauth2,
}

impl Mechanism {
    /// The name in `AUTH <name>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::Login => "LOGIN",
            Mechanism::Xoauth2 => "XOAUTH2",
        }
    }
}

/// Which mechanism to use: a fixed one, or the best the server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MechanismChoice {
    /// PLAIN when offered, else LOGIN.
    Auto,
    /// This one, offered or not (the server's answer is the finding).
    Fixed(Mechanism),
}

/// Credentials for SMTP AUTH. The secret is a password (PLAIN, LOGIN) or an access token
/// (XOAUTH2).
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The Workspace user.
    pub user: String,
    /// Password, app password or token.
    pub secret: Secret,
    /// How to authenticate.
    pub mechanism: MechanismChoice,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_specs() {
        for (name, s, want) in [
            (
                "587 is STARTTLS",
                "587",
                Ok(PortSpec::new(587, TlsStart::StartTls)),
            ),
            (
                "465 is TLS on connect",
                "465",
                Ok(PortSpec::new(465, TlsStart::Implicit)),
            ),
            (
                "25 is STARTTLS",
                "25",
                Ok(PortSpec::new(25, TlsStart::StartTls)),
            ),
            (
                "any port /tls",
                "2465/tls",
                Ok(PortSpec::new(2465, TlsStart::Implicit)),
            ),
            (
                "any port /starttls",
                "2587/STARTTLS",
                Ok(PortSpec::new(2587, TlsStart::StartTls)),
            ),
            (
                "465 forced to STARTTLS",
                "465/starttls",
                Ok(PortSpec::new(465, TlsStart::StartTls)),
            ),
        ] {
            assert_eq!(s.parse::<PortSpec>(), want, "{name}");
        }
        for bad in ["0", "65536", "x", "25/ssl3", "", "/tls"] {
            assert!(bad.parse::<PortSpec>().is_err(), "{bad}");
        }
        assert_eq!(
            PortSpec::new(465, TlsStart::StartTls).to_string(),
            "465/starttls"
        );
        assert_eq!(PortSpec::new(587, TlsStart::StartTls).to_string(), "587");
    }
}
