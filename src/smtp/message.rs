//! The test message of `send-test`, built by lettre (`lettre::Message`: RFC 5322 headers,
//! encoded words, a Message-ID) and handed to the session as bytes; lettre opens no
//! connection. The only file in the crate that names lettre.

use lettre::message::header::ContentType;
use lettre::message::Mailbox;

/// An address flag that does not hold an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{flag} {value:?} is not an email address: {why}")]
pub struct AddressError {
    /// The flag (`--from`, `--to`).
    pub flag: &'static str,
    /// The value given.
    pub value: String,
    /// lettre's reason.
    pub why: String,
}

/// A built message: the envelope addresses and the bytes to send after DATA.
#[derive(Debug, Clone)]
pub struct TestMessage {
    /// The envelope sender (the bare address of `--from`).
    pub from: String,
    /// The envelope recipients (bare addresses).
    pub to: Vec<String>,
    /// The Message-ID header's value.
    pub message_id: String,
    /// The message, CRLF line ends, not dot-stuffed.
    pub bytes: Vec<u8>,
}

/// Checks that `value` of `flag` is an e-mail address (`a@b` or `Name <a@b>`).
pub fn check_address(flag: &'static str, value: &str) -> Result<(), AddressError> {
    mailbox(flag, value).map(drop)
}

fn mailbox(flag: &'static str, value: &str) -> Result<Mailbox, AddressError> {
    value.trim().parse::<Mailbox>().map_err(|e| AddressError {
        flag,
        value: value.to_owned(),
        why: e.to_string(),
    })
}

/// Builds the test message: From/To/Subject/Date/Message-ID and a plain-text body.
/// `unique` makes the Message-ID unique (the caller passes time and process id).
pub fn build(
    from: &str,
    to: &[String],
    subject: &str,
    body: &str,
    unique: &str,
) -> Result<TestMessage, AddressError> {
    let from_box = mailbox("--from", from)?;
    let to_boxes = to
        .iter()
        .map(|t| mailbox("--to", t))
        .collect::<Result<Vec<_>, _>>()?;
    let message_id = format!("<relayctl-send-test.{unique}@{}>", from_box.email.domain());
    let mut b = lettre::Message::builder()
        .from(from_box.clone())
        .subject(subject)
        .message_id(Some(message_id.clone()))
        .date_now();
    for m in &to_boxes {
        b = b.to(m.clone());
    }
    let message = b
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_owned())
        .map_err(|e| AddressError {
            flag: "--to",
            value: to.join(", "),
            why: e.to_string(),
        })?;
    Ok(TestMessage {
        from: from_box.email.to_string(),
        to: to_boxes.iter().map(|m| m.email.to_string()).collect(),
        message_id,
        bytes: message.formatted(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_headers_and_envelope() {
        let m = build(
            "Relay Test <it@example.com>",
            &["you@example.org".to_owned()],
            "hello",
            "line one\n.line two starts with a dot\n",
            "abc.1",
        )
        .unwrap();
        assert_eq!(m.from, "it@example.com");
        assert_eq!(m.to, ["you@example.org"]);
        assert_eq!(m.message_id, "<relayctl-send-test.abc.1@example.com>");
        let text = String::from_utf8(m.bytes).unwrap();
        assert!(text.contains("Subject: hello\r\n"), "{text}");
        assert!(text.contains("Message-ID: <relayctl-send-test.abc.1@example.com>\r\n"));
        assert!(text.contains(".line two"), "{text}");
    }

    #[test]
    fn bad_addresses_name_the_flag() {
        let e = build("not an address", &["you@example.org".into()], "s", "b", "u").unwrap_err();
        assert_eq!(e.flag, "--from");
        let e = check_address("--to", "two@@example.org").unwrap_err();
        assert_eq!(e.flag, "--to");
    }
}
