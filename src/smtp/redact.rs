//! Redaction of credentials in what a server sends back. A hostile or broken relay may echo
//! the AUTH argument (the base64 PLAIN blob, a LOGIN answer, the XOAUTH2 string) or the
//! decoded password in a reply; every reply line, note and error text of a session goes
//! through [`Redactor::scrub`] before it is stored, so nothing downstream (verdicts,
//! transcripts, JSON, send-test's message) can print it.

use std::borrow::Cow;

use super::{auth, Credentials};

/// What replaces a secret.
pub const MARK: &str = "(redacted)";

/// Texts shorter than this are not searched for: redacting every `ab` in a reply would
/// destroy it, and such a password is refused by any relay anyway.
const MIN_NEEDLE: usize = 3;

/// The secrets of one session, in every spelling relayctl sends them.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    needles: Vec<String>,
}

impl Redactor {
    /// For a session with these credentials (none: nothing to redact).
    pub fn new(credentials: Option<&Credentials>) -> Redactor {
        let Some(c) = credentials else {
            return Redactor::default();
        };
        let mut needles = vec![
            c.secret.expose().to_owned(),
            auth::plain_response(c),
            auth::login_user(c),
            auth::login_password(c),
            auth::xoauth2_response(c),
        ];
        needles.retain(|n| n.len() >= MIN_NEEDLE);
        // Longest first, so a blob that contains another needle goes as a whole.
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        needles.dedup();
        Redactor { needles }
    }

    /// `text` with every secret replaced by [`MARK`].
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if !self.needles.iter().any(|n| text.contains(n.as_str())) {
            return Cow::Borrowed(text);
        }
        let mut out = text.to_owned();
        for n in &self.needles {
            if out.contains(n.as_str()) {
                out = out.replace(n.as_str(), MARK);
            }
        }
        Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redacted::Secret;
    use crate::smtp::MechanismChoice;

    fn creds() -> Credentials {
        Credentials {
            user: "relay@example.com".into(),
            secret: Secret::new("Canary-pass-123"),
            mechanism: MechanismChoice::Auto,
        }
    }

    #[test]
    fn every_spelling_is_redacted() {
        let c = creds();
        let r = Redactor::new(Some(&c));
        for (name, echoed) in [
            ("password", c.secret.expose().to_owned()),
            ("PLAIN blob", auth::plain_response(&c)),
            ("LOGIN user", auth::login_user(&c)),
            ("LOGIN password", auth::login_password(&c)),
            ("XOAUTH2", auth::xoauth2_response(&c)),
            (
                "decoded PLAIN",
                format!("\0{}\0{}", c.user, c.secret.expose()),
            ),
        ] {
            let line = format!("5.7.8 bad credentials: {echoed} rejected");
            let out = r.scrub(&line);
            assert!(!out.contains(c.secret.expose()), "{name}: {out}");
            assert!(!out.contains(&auth::plain_response(&c)), "{name}: {out}");
            assert!(out.contains(MARK), "{name}: {out}");
        }
    }

    #[test]
    fn other_text_is_left_alone() {
        let r = Redactor::new(Some(&creds()));
        assert!(matches!(
            r.scrub("2.0.0 OK relay@example.com"),
            Cow::Borrowed(_)
        ));
        assert_eq!(Redactor::new(None).scrub("anything"), "anything");
    }
}
