//! The EHLO reply: the greeting line and the service extensions (RFC 5321 §4.1.1.1).

use std::net::IpAddr;

use super::reply::Reply;
use super::Mechanism;

/// What an EHLO reply offers.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Capabilities {
    /// The greeting (first line), e.g. `smtp-relay.gmail.com at your service, [203.0.113.9]`.
    pub greeting: String,
    /// Every extension line as sent, upper-cased keyword first (`SIZE 157286400`).
    pub extensions: Vec<String>,
}

impl Capabilities {
    /// Reads a 250 EHLO reply.
    pub fn from_reply(reply: &Reply) -> Capabilities {
        let mut lines = reply.lines.iter();
        let greeting = lines.next().cloned().unwrap_or_default();
        let extensions = lines
            .map(|l| {
                let l = l.trim();
                match l.split_once(' ') {
                    Some((k, rest)) => format!("{} {}", k.to_ascii_uppercase(), rest.trim()),
                    None => l.to_ascii_uppercase(),
                }
            })
            .filter(|l| !l.is_empty())
            .collect();
        Capabilities {
            greeting,
            extensions,
        }
    }

    /// Whether the keyword is offered (`STARTTLS`, `PIPELINING`...).
    pub fn has(&self, keyword: &str) -> bool {
        self.extensions
            .iter()
            .any(|e| e.split(' ').next() == Some(keyword))
    }

    /// The AUTH mechanisms offered (also the old `AUTH=` spelling), upper-cased.
    pub fn auth_mechanisms(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in &self.extensions {
            let rest = e.strip_prefix("AUTH ").or_else(|| e.strip_prefix("AUTH="));
            if let Some(rest) = rest {
                for m in rest.split_whitespace() {
                    let m = m.to_ascii_uppercase();
                    if !out.contains(&m) {
                        out.push(m);
                    }
                }
            }
        }
        out
    }

    /// Whether this mechanism is offered.
    pub fn offers(&self, m: Mechanism) -> bool {
        self.auth_mechanisms().iter().any(|x| x == m.as_str())
    }

    /// The client address the server reports in its greeting, as Google does:
    /// `... at your service, [203.0.113.9]` (observed in Ombi-app/Ombi#1442 and firebase/extensions#632).
    pub fn client_ip(&self) -> Option<IpAddr> {
        bracketed_ip(&self.greeting)
    }
}

/// The first `[address]` in a text that parses as an IP address (`[IPv6:...]` too).
pub fn bracketed_ip(text: &str) -> Option<IpAddr> {
    let mut rest = text;
    while let Some(start) = rest.find('[') {
        let after = &rest[start + 1..];
        let end = after.find(']')?;
        let inner = &after[..end];
        let inner = inner
            .strip_prefix("IPv6:")
            .or_else(|| inner.strip_prefix("ipv6:"))
            .unwrap_or(inner);
        if let Ok(ip) = inner.parse() {
            return Some(ip);
        }
        rest = &after[end..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(lines: &[&str]) -> Capabilities {
        Capabilities::from_reply(&Reply {
            code: 250,
            lines: lines.iter().map(|s| s.to_string()).collect(),
        })
    }

    #[test]
    fn google_after_tls() {
        let c = caps(&[
            "smtp-relay.gmail.com at your service, [203.0.113.9]",
            "SIZE 157286400",
            "8BITMIME",
            "AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH",
            "ENHANCEDSTATUSCODES",
            "pipelining",
        ]);
        assert!(c.has("PIPELINING"));
        assert!(!c.has("STARTTLS"));
        assert!(c.offers(Mechanism::Plain) && c.offers(Mechanism::Xoauth2));
        assert_eq!(c.client_ip(), Some("203.0.113.9".parse().unwrap()));
    }

    #[test]
    fn addresses_in_brackets() {
        for (text, want) in [
            ("at your service, [2001:db8::1]", Some("2001:db8::1")),
            ("hello [IPv6:2001:db8::2]", Some("2001:db8::2")),
            ("x [not-an-ip] y [192.0.2.1]", Some("192.0.2.1")),
            ("no brackets", None),
            ("unclosed [192.0.2.1", None),
        ] {
            assert_eq!(
                bracketed_ip(text),
                want.map(|s| s.parse().unwrap()),
                "{text}"
            );
        }
    }

    #[test]
    fn old_auth_spelling() {
        let c = caps(&["x", "AUTH=LOGIN PLAIN", "AUTH PLAIN CRAM-MD5"]);
        assert_eq!(c.auth_mechanisms(), vec!["LOGIN", "PLAIN", "CRAM-MD5"]);
    }
}
