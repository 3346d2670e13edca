//! Validated names: [`Hostname`] (RFC 1123 syntax), [`HeloName`] (an FQDN fit to present in
//! HELO/EHLO to the relay) and [`Domain`]. Pure: no DNS, no I/O.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("{0:?} is empty")]
    Empty(String),
    #[error("{0:?} is longer than 253 characters")]
    TooLong(String),
    #[error("{name:?}: label {label:?} is not 1-63 letters, digits or hyphens (not starting or ending with a hyphen)")]
    BadLabel { name: String, label: String },
    #[error("{0:?} has a numeric top-level label; an IP address is not a host name")]
    NumericTld(String),
    #[error("{0:?} is a single label, not a fully qualified domain name such as mail.example.com")]
    SingleLabel(String),
    #[error("{0:?} is an address literal; present a fully qualified domain name such as mail.example.com")]
    AddressLiteral(String),
    #[error("{name:?} is a generic name that the relay may refuse (421 4.7.0 at EHLO): {why}")]
    Generic { name: String, why: &'static str },
}

/// A host name in RFC 1123 syntax, lower-cased, without a trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Hostname(String);

impl Hostname {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the name has at least two labels.
    pub fn is_fqdn(&self) -> bool {
        self.0.contains('.')
    }

    /// Whether this name equals `domain` or lies under it.
    pub fn is_in_domain(&self, domain: &Domain) -> bool {
        let d = domain.as_str();
        self.0 == d
            || (self.0.len() > d.len()
                && self.0.ends_with(d)
                && self.0.as_bytes()[self.0.len() - d.len() - 1] == b'.')
    }

    /// The name without its first label (`mail.example.com` -> `example.com`), if that
    /// still has two labels.
    pub fn parent(&self) -> Option<Domain> {
        let (_, rest) = self.0.split_once('.')?;
        rest.contains('.')
            .then(|| Domain(Hostname(rest.to_owned())))
    }
}

impl FromStr for Hostname {
    type Err = NameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        if trimmed.starts_with('[') {
            return Err(NameError::AddressLiteral(trimmed.to_owned()));
        }
        let name = trimmed.strip_suffix('.').unwrap_or(trimmed);
        if name.is_empty() {
            return Err(NameError::Empty(s.to_owned()));
        }
        // RFC 1035 §2.3.4 / RFC 1123 §2.1: 253 characters in text form, labels 1-63.
        if name.len() > 253 {
            return Err(NameError::TooLong(name.to_owned()));
        }
        for label in name.split('.') {
            let ok = (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !ok {
                return Err(NameError::BadLabel {
                    name: name.to_owned(),
                    label: label.to_owned(),
                });
            }
        }
        let last = name.rsplit('.').next().unwrap_or(name);
        if name.contains('.') && last.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NameError::NumericTld(name.to_owned()));
        }
        Ok(Hostname(name.to_ascii_lowercase()))
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mail domain of the customer (`example.com`): a host name with at least two labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Domain(Hostname);

impl Domain {
    /// The domain as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl FromStr for Domain {
    type Err = NameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let h: Hostname = s.parse()?;
        if !h.is_fqdn() {
            return Err(NameError::SingleLabel(h.0));
        }
        Ok(Domain(h))
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The name the client presents in HELO/EHLO: a fully qualified, non-generic host name.
///
/// Google help 2956491, HELO: present a unique identifier, never `localhost` or
/// `smtp-relay.gmail.com`. Google help 6140680: Google asks for the FQDN of the sending
/// device; `localhost`, container ids and `.local` names get `421 4.7.0 ... (EHLO)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct HeloName(Hostname);

impl HeloName {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The validated host name.
    pub fn hostname(&self) -> &Hostname {
        &self.0
    }
}

/// Why `name` is a generic HELO name, if it is one. Shared with `check helo` and `lint`.
pub fn generic_reason(name: &str) -> Option<&'static str> {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    const LOCAL: [&str; 2] = ["localhost", "localhost.localdomain"];
    if LOCAL.contains(&n.as_str()) || n.starts_with("localhost.") {
        return Some("it names every machine (localhost)");
    }
    // Google help 2956491, HELO: never the relay's own name.
    const GOOGLE: [&str; 5] = [
        "gmail.com",
        "google.com",
        "googlemail.com",
        "googleusercontent.com",
        "1e100.net",
    ];
    if GOOGLE
        .iter()
        .any(|g| n == *g || n.ends_with(&format!(".{g}")))
    {
        return Some("it is Google's name, not yours");
    }
    // Names that only exist inside a site: the relay cannot tie them to a customer domain.
    const PRIVATE_SUFFIXES: [&str; 6] = [
        "local",
        "lan",
        "internal",
        "localdomain",
        "home.arpa",
        "home",
    ];
    if PRIVATE_SUFFIXES
        .iter()
        .any(|s| n == *s || n.ends_with(&format!(".{s}")))
    {
        return Some("it is a private name (.local, .lan, .internal, .localdomain, .home.arpa), not one in your public domain");
    }
    None
}

impl FromStr for HeloName {
    type Err = NameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // A generic name is refused before syntax so `localhost` gets the better message.
        if let Some(why) = generic_reason(s.trim()) {
            return Err(NameError::Generic {
                name: s.trim().to_owned(),
                why,
            });
        }
        let h: Hostname = s.parse()?;
        if !h.is_fqdn() {
            return Err(NameError::SingleLabel(h.0));
        }
        Ok(HeloName(h))
    }
}

impl fmt::Display for HeloName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helo_names() {
        let cases: &[(&str, &str, bool)] = &[
            ("fqdn", "mail.example.com", true),
            ("trailing dot", "mail.example.com.", true),
            ("upper case is folded", "MAIL.Example.COM", true),
            ("single label", "mailhost", false),
            ("container id", "3f2a9c1b7d4e", false),
            ("localhost", "localhost", false),
            ("localhost.localdomain", "localhost.localdomain", false),
            ("relay's own name", "smtp-relay.gmail.com", false),
            ("other google name", "mx.google.com", false),
            (".local", "nas.local", false),
            (".lan", "printer.lan", false),
            (".internal", "app.corp.internal", false),
            ("address literal", "[192.0.2.1]", false),
            ("underscore", "mail_1.example.com", false),
            ("leading hyphen", "-mail.example.com", false),
            ("dotted quad", "192.0.2.1", false),
            ("empty", "", false),
            ("empty label", "mail..example.com", false),
        ];
        for (why, input, ok) in cases {
            assert_eq!(input.parse::<HeloName>().is_ok(), *ok, "{why}: {input}");
        }
    }

    #[test]
    fn long_names() {
        let label = "a".repeat(64);
        assert!(format!("{label}.example.com").parse::<Hostname>().is_err());
        let long = vec!["abcdefghi"; 26].join(".");
        assert!(long.len() > 253);
        assert!(matches!(
            long.parse::<Hostname>(),
            Err(NameError::TooLong(_))
        ));
    }

    #[test]
    fn in_domain() {
        let d: Domain = "example.com".parse().unwrap();
        let yes: Hostname = "mail.example.com".parse().unwrap();
        let same: Hostname = "example.com".parse().unwrap();
        let no: Hostname = "mail.badexample.com".parse().unwrap();
        assert!(yes.is_in_domain(&d));
        assert!(same.is_in_domain(&d));
        assert!(!no.is_in_domain(&d));
        assert_eq!(yes.parent().unwrap().as_str(), "example.com");
        assert!(same.parent().is_none());
    }
}
