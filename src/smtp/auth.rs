//! SMTP AUTH encodings (RFC 4954): PLAIN (RFC 4616), LOGIN, XOAUTH2. The secret is exposed
//! only to build the bytes that go on the wire; what the transcript records is decided by
//! the session, which never records these lines.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::Credentials;

/// `AUTH PLAIN` initial response: base64 of `\0user\0password`.
pub fn plain_response(c: &Credentials) -> String {
    let mut raw = Vec::with_capacity(c.user.len() + c.secret.expose().len() + 2);
    raw.push(0);
    raw.extend_from_slice(c.user.as_bytes());
    raw.push(0);
    raw.extend_from_slice(c.secret.expose().as_bytes());
    STANDARD.encode(raw)
}

/// `AUTH LOGIN` answers: base64 of the user, then of the password.
pub fn login_user(c: &Credentials) -> String {
    STANDARD.encode(c.user.as_bytes())
}

/// The second `AUTH LOGIN` answer.
pub fn login_password(c: &Credentials) -> String {
    STANDARD.encode(c.secret.expose().as_bytes())
}

/// `AUTH XOAUTH2` initial response: base64 of `user=U\x01auth=Bearer TOKEN\x01\x01`.
pub fn xoauth2_response(c: &Credentials) -> String {
    let raw = format!(
        "user={}\x01auth=Bearer {}\x01\x01",
        c.user,
        c.secret.expose()
    );
    STANDARD.encode(raw)
}

/// Decodes a 334 challenge for display (`VXNlcm5hbWU6` -> `Username:`); `None` if it is not
/// base64 text.
pub fn decode_challenge(text: &str) -> Option<String> {
    let bytes = STANDARD.decode(text.trim()).ok()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redacted::Secret;
    use crate::smtp::MechanismChoice;

    fn creds() -> Credentials {
        Credentials {
            user: "relay@example.com".into(),
            secret: Secret::new("s3cret"),
            mechanism: MechanismChoice::Auto,
        }
    }

    #[test]
    fn encodings() {
        let c = creds();
        assert_eq!(
            STANDARD.decode(plain_response(&c)).unwrap(),
            b"\0relay@example.com\0s3cret"
        );
        assert_eq!(
            STANDARD.decode(xoauth2_response(&c)).unwrap(),
            b"user=relay@example.com\x01auth=Bearer s3cret\x01\x01"
        );
        assert_eq!(login_user(&c), "cmVsYXlAZXhhbXBsZS5jb20=");
        assert_eq!(
            decode_challenge("VXNlcm5hbWU6").as_deref(),
            Some("Username:")
        );
        assert_eq!(decode_challenge("%%%"), None);
    }
}
