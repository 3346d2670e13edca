//! The Admin console's "SMTP relay service" setting, as the console spells it
//! (Apps > Google Workspace > Gmail > Routing). Pure values plus the checks the console
//! itself makes on an IP range. No I/O.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// "Allowed senders" (Google help 2956491, the SMTP relay service setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AllowedSenders {
    /// "Only registered Apps users in my domains".
    RegisteredUsers,
    /// "Only addresses in my domains".
    DomainAddresses,
    /// "Any addresses (not recommended)".
    AnyAddresses,
}

impl AllowedSenders {
    /// The console's label for this choice.
    pub fn label(self) -> &'static str {
        match self {
            AllowedSenders::RegisteredUsers => "Only registered Apps users in my domains",
            AllowedSenders::DomainAddresses => "Only addresses in my domains",
            AllowedSenders::AnyAddresses => "Any addresses (not recommended)",
        }
    }
}

/// "Authentication": at least one of the two boxes is ticked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Authentication {
    /// "Only accept mail from the specified IP addresses".
    Ip,
    /// "Require SMTP Authentication".
    SmtpAuth,
    /// Both boxes: mail must come from a listed range and authenticate.
    Both,
}

impl Authentication {
    /// Whether the "specified IP addresses" box is ticked.
    pub fn uses_ip(self) -> bool {
        matches!(self, Authentication::Ip | Authentication::Both)
    }

    /// Whether the "Require SMTP Authentication" box is ticked.
    pub fn uses_smtp_auth(self) -> bool {
        matches!(self, Authentication::SmtpAuth | Authentication::Both)
    }
}

/// Google help 2956491, IP ranges: a range may hold at most 65,536 addresses.
pub const MAX_RANGE_ADDRESSES: u128 = 65_536;

/// One entry of the console's IP address list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpRange {
    /// The entry's description.
    pub description: String,
    /// The network, in canonical form.
    pub net: IpNet,
    /// The entry's "Enabled" box.
    pub enabled: bool,
}

/// Why a range cannot be entered in the console.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("{input:?} is not an IP address or CIDR range (expected e.g. 203.0.113.0/28 or 2001:db8::/112){hint}")]
    Syntax { input: String, hint: &'static str },
    #[error("{input} holds {addresses} addresses; the console accepts at most 65,536 per range (IPv4 /16 or longer, IPv6 /112 or longer): split it")]
    TooLarge { input: String, addresses: String },
    #[error("{input} has host bits set; enter the network address {network}")]
    HostBits { input: String, network: IpNet },
    #[error("{input} is {kind}; Google sees your public address, register that instead")]
    NotPublic { input: String, kind: &'static str },
}

/// Parses one range as the console would accept it: a CIDR or a bare address (/32, /128).
pub fn parse_range(input: &str) -> Result<IpNet, RangeError> {
    let text = input.trim();
    let net = parse_net(text)?;
    if net.addr() != net.network() {
        return Err(RangeError::HostBits {
            input: text.to_owned(),
            network: net.trunc(),
        });
    }
    let host_bits = u32::from(net.max_prefix_len() - net.prefix_len());
    if host_bits > 16 {
        let addresses = if host_bits >= 128 {
            "2^128".to_owned()
        } else {
            (1u128 << host_bits).to_string()
        };
        return Err(RangeError::TooLarge {
            input: text.to_owned(),
            addresses,
        });
    }
    // Documentation ranges pass here so examples work; the plan warns about them
    // (`is_documentation`), and `check cidr` reports them.
    if let Some(kind) = non_public_kind(net.network()).filter(|_| !is_documentation(&net)) {
        return Err(RangeError::NotPublic {
            input: text.to_owned(),
            kind,
        });
    }
    Ok(net)
}

/// Parses a CIDR block or a bare address (/32, /128) as written, host bits included.
/// Checks only the syntax (the only error is [`RangeError::Syntax`]); [`parse_range`] adds
/// the console's other checks, and `check cidr` turns each of them into a finding.
pub fn parse_net(input: &str) -> Result<IpNet, RangeError> {
    let text = input.trim();
    let syntax = |hint| RangeError::Syntax {
        input: text.to_owned(),
        hint,
    };
    if text.contains('/') {
        // ipnet accepts `010.0.0.0/8`; the console and most tools read that as octal or
        // reject it, so leading zeros in IPv4 octets are refused here.
        if text.contains('.') && has_leading_zero_octet(text.split('/').next().unwrap_or("")) {
            return Err(syntax(" (an octet has a leading zero)"));
        }
        text.parse::<IpNet>().map_err(|_| syntax(hint_for(text)))
    } else {
        let addr: IpAddr = text.parse().map_err(|_| syntax(hint_for(text)))?;
        Ok(IpNet::from(addr))
    }
}

/// Whether `net` lies in a documentation range (RFC 5737, RFC 3849): fine in examples,
/// never the address Google sees.
pub fn is_documentation(net: &IpNet) -> bool {
    match net {
        IpNet::V4(n) => n.network().is_documentation(),
        IpNet::V6(n) => {
            let s = n.network().segments();
            s[0] == 0x2001 && s[1] == 0x0db8 && n.prefix_len() >= 32
        }
    }
}

fn has_leading_zero_octet(addr: &str) -> bool {
    addr.split('.').any(|o| o.len() > 1 && o.starts_with('0'))
}

fn hint_for(text: &str) -> &'static str {
    if text.contains('-') {
        " (a start-end range is not accepted: enter CIDR blocks)"
    } else if text.contains('%') {
        " (remove the zone id after %)"
    } else {
        ""
    }
}

/// The kind of non-public address `ip` is, if it is not a public unicast address.
pub fn non_public_kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            if v4.is_unspecified() {
                Some("the unspecified address")
            } else if v4.is_loopback() {
                Some("a loopback address")
            } else if v4.is_private() {
                Some("a private (RFC 1918) address")
            } else if v4.is_link_local() {
                Some("a link-local address")
            } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
                Some("a carrier-grade NAT (100.64.0.0/10) address")
            } else if v4.is_documentation() {
                Some("a documentation (RFC 5737) address")
            } else if v4.is_multicast() {
                Some("a multicast address")
            } else if v4.is_broadcast() || o[0] >= 240 {
                Some("a reserved (240.0.0.0/4) address")
            } else if o[0] == 0 {
                Some("a \"this network\" (0.0.0.0/8) address")
            } else if o[0] == 198 && (o[1] & 0xfe) == 18 {
                Some("a benchmarking (198.18.0.0/15) address")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            if v6.is_unspecified() {
                Some("the unspecified address")
            } else if v6.is_loopback() {
                Some("a loopback address")
            } else if (s[0] & 0xfe00) == 0xfc00 {
                Some("a unique local (fc00::/7) address")
            } else if (s[0] & 0xffc0) == 0xfe80 {
                Some("a link-local address")
            } else if v6.is_multicast() {
                Some("a multicast address")
            } else if s[0] == 0x2001 && s[1] == 0x0db8 {
                Some("a documentation (2001:db8::/32) address")
            } else if v6.to_ipv4_mapped().is_some() {
                Some("an IPv4-mapped address (register the IPv4 address itself)")
            } else {
                None
            }
        }
    }
}

/// The whole "SMTP relay service" setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsoleSetting {
    /// The setting's unique description.
    pub description: String,
    /// "Allowed senders".
    pub allowed_senders: AllowedSenders,
    /// "Authentication".
    pub authentication: Authentication,
    /// The IP address list (used when IP authentication is on).
    pub ranges: Vec<IpRange>,
    /// "Require TLS encryption".
    pub require_tls: bool,
}

impl Default for ConsoleSetting {
    /// The defaults relayctl assumes when nothing is given: addresses in my domains, IP
    /// authentication, Require TLS on.
    fn default() -> Self {
        ConsoleSetting {
            description: "Outbound relay".to_owned(),
            allowed_senders: AllowedSenders::DomainAddresses,
            authentication: Authentication::Ip,
            ranges: Vec::new(),
            require_tls: true,
        }
    }
}

impl ConsoleSetting {
    /// The enabled ranges.
    pub fn enabled_ranges(&self) -> impl Iterator<Item = &IpRange> {
        self.ranges.iter().filter(|r| r.enabled)
    }
}

impl fmt::Display for Authentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Authentication::Ip => "Only accept mail from the specified IP addresses",
            Authentication::SmtpAuth => "Require SMTP Authentication",
            Authentication::Both => {
                "Only accept mail from the specified IP addresses + Require SMTP Authentication"
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let cases: &[(&str, &str, Result<&str, &str>)] = &[
            ("ipv4 /28", "203.0.114.0/28", Ok("203.0.114.0/28")),
            ("bare ipv4 is /32", "203.0.114.7", Ok("203.0.114.7/32")),
            (
                "ipv4 /16 is the largest",
                "198.51.0.0/16",
                Ok("198.51.0.0/16"),
            ),
            ("ipv4 /15 is too large", "198.50.0.0/15", Err("65,536")),
            ("host bits", "203.0.114.5/28", Err("203.0.114.0/28")),
            ("rfc 1918", "192.168.1.0/24", Err("private")),
            ("cgnat", "100.64.0.0/16", Err("carrier-grade")),
            (
                "documentation passes (plan warns)",
                "192.0.2.0/24",
                Ok("192.0.2.0/24"),
            ),
            ("dash range", "1.2.3.4-1.2.3.9", Err("start-end")),
            ("zone id", "fe80::1%eth0", Err("zone id")),
            ("leading zero", "010.0.0.0/24", Err("leading zero")),
            (
                "ipv6 long form",
                "2607:f8b0:0000:0000:0005:0600:300c:0000/112",
                Ok("2607:f8b0::5:600:300c:0/112"),
            ),
            (
                "ipv6 compressed",
                "2607:f8b0::5:600:300c:0/112",
                Ok("2607:f8b0::5:600:300c:0/112"),
            ),
            ("ipv6 /111 too large", "2607:f8b0::/111", Err("65,536")),
            ("ula", "fd00::/112", Err("unique local")),
            ("garbage", "not-an-ip", Err("not an IP")),
        ];
        for (why, input, want) in cases {
            match (parse_range(input), want) {
                (Ok(net), Ok(w)) => assert_eq!(net.to_string(), *w, "{why}"),
                (Err(e), Err(w)) => assert!(e.to_string().contains(w), "{why}: {e}"),
                (got, _) => panic!("{why}: {input} gave {got:?}, wanted {want:?}"),
            }
        }
    }
}
