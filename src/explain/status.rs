//! What a status code means by itself, for replies the catalogue does not know: the
//! enhanced status code (RFC 3463 classes, subjects and details, plus the details RFC 4954
//! and the IANA registry added), else the basic reply code (RFC 5321 §4.2). Data only.

/// The meaning of an enhanced status code's class (RFC 3463 §2).
pub fn class(class: u8) -> &'static str {
    match class {
        2 => "success",
        4 => "persistent transient failure: the same message may be accepted later",
        _ => "permanent failure: resending unchanged will fail again",
    }
}

/// What to do, by class.
pub fn class_advice(class: u8) -> &'static str {
    match class {
        2 => "Success: nothing to fix.",
        4 => "Temporary: the sending MTA keeps the message and retries by itself; act when it keeps coming back.",
        _ => "Permanent: the message was returned (bounced); change what the reply names, then resend.",
    }
}

/// A subject of RFC 3463: its name, what to check, and the section defining it.
pub struct Subject {
    /// The subject's name in RFC 3463.
    pub name: &'static str,
    /// What an admin checks for this kind of failure.
    pub advice: &'static str,
    /// Where it is defined.
    pub fact: &'static str,
}

/// The subject's meaning (RFC 3463 §3.1-§3.8); `None` above 7.
pub fn subject(subject: u16) -> Option<Subject> {
    let (name, advice, fact) = match subject {
        0 => (
            "other or undefined status",
            "The code says nothing more: read the reply's text.",
            "RFC 3463 §3.1",
        ),
        1 => (
            "addressing status",
            "Check the address the reply names (recipient or envelope sender) for typos and that it exists.",
            "RFC 3463 §3.2",
        ),
        2 => (
            "mailbox status",
            "The recipient's mailbox refused it (full, disabled, size limit): nothing to change on your relay; tell the recipient.",
            "RFC 3463 §3.3",
        ),
        3 => (
            "mail system status",
            "The receiving system refused it (full, message too big, a feature it lacks): retry later or send less.",
            "RFC 3463 §3.4",
        ),
        4 => (
            "network and routing status",
            "Check DNS and connectivity towards the destination; temporary ones are retried by your MTA.",
            "RFC 3463 §3.5",
        ),
        5 => (
            "mail delivery protocol status",
            "The client's SMTP dialogue was refused: check the order (EHLO, STARTTLS, EHLO again, AUTH only inside TLS, MAIL, RCPT) and at most 100 recipients per transaction.",
            "RFC 3463 §3.6",
        ),
        6 => (
            "message content or media status",
            "Check the message's encoding and MIME structure (8BITMIME, SMTPUTF8 support).",
            "RFC 3463 §3.7",
        ),
        7 => (
            "security or policy status",
            "Check the relay setting against the client: registered public IP ranges, SMTP AUTH and its credentials, TLS, the HELO name and the envelope sender's domain.",
            "RFC 3463 §3.8",
        ),
        _ => return None,
    };
    Some(Subject { name, advice, fact })
}

/// A detail code's meaning and the document defining it.
pub struct Detail {
    /// What the detail says.
    pub meaning: &'static str,
    /// Advice specific to it, when the subject's is not enough.
    pub advice: Option<&'static str>,
    /// Where it is defined.
    pub fact: &'static str,
}

/// Advice for the sender-authentication details (RFC 7372).
const SENDER_AUTH: &str = "The receiving server checked the sender domain's SPF, DKIM or DMARC and it failed: publish SPF for the hosts that send (and DKIM signing) for the envelope and From: domains.";

/// (subject, detail, meaning, specific advice, source). The well-known ones; others fall
/// back to their subject.
const DETAILS: &[(u16, u16, &str, Option<&str>, &str)] = &[
    (0, 0, "other undefined status", None, "RFC 3463 §3.1"),
    (1, 0, "other address status", None, "RFC 3463 §3.2"),
    (1, 1, "bad destination mailbox address: the mailbox does not exist", Some("Check the recipient address for typos; the domain exists but that mailbox does not."), "RFC 3463 §3.2"),
    (1, 2, "bad destination system address: the domain cannot take mail", Some("Check the recipient's domain (typo, no MX or address records)."), "RFC 3463 §3.2"),
    (1, 3, "bad destination mailbox address syntax", Some("Fix the recipient address's syntax."), "RFC 3463 §3.2"),
    (1, 4, "destination mailbox address ambiguous", None, "RFC 3463 §3.2"),
    (1, 5, "destination address valid", None, "RFC 3463 §3.2"),
    (1, 6, "destination mailbox has moved, no forwarding address", None, "RFC 3463 §3.2"),
    (1, 7, "bad sender's mailbox address syntax", Some("Fix the envelope sender (MAIL FROM) the MTA or application uses."), "RFC 3463 §3.2"),
    (1, 8, "bad sender's system address: the sender's domain cannot be used", Some("Use an envelope sender in a domain that exists and takes mail, ideally one of your Workspace domains."), "RFC 3463 §3.2"),
    (1, 10, "recipient address has null MX: the domain takes no mail", None, "RFC 7505"),
    (2, 0, "other or undefined mailbox status", None, "RFC 3463 §3.3"),
    (2, 1, "mailbox disabled, not accepting messages", None, "RFC 3463 §3.3"),
    (2, 2, "mailbox full", None, "RFC 3463 §3.3"),
    (2, 3, "message length exceeds an administrative limit", Some("Send a smaller message (fewer or smaller attachments)."), "RFC 3463 §3.3"),
    (2, 4, "mailing list expansion problem", None, "RFC 3463 §3.3"),
    (3, 0, "other or undefined mail system status", None, "RFC 3463 §3.4"),
    (3, 1, "mail system full", None, "RFC 3463 §3.4"),
    (3, 2, "system not accepting network messages", None, "RFC 3463 §3.4"),
    (3, 3, "system not capable of selected features", None, "RFC 3463 §3.4"),
    (3, 4, "message too big for system", Some("Send a smaller message (fewer or smaller attachments)."), "RFC 3463 §3.4"),
    (3, 5, "system incorrectly configured", None, "RFC 3463 §3.4"),
    (4, 0, "other or undefined network or routing status", None, "RFC 3463 §3.5"),
    (4, 1, "no answer from host", Some("Check that the destination (or the relay) is reachable on its port from this host; firewalls often block port 25."), "RFC 3463 §3.5"),
    (4, 2, "bad connection", Some("The connection broke during the session: check the network path and TLS; the MTA retries."), "RFC 3463 §3.5"),
    (4, 3, "directory server failure", None, "RFC 3463 §3.5"),
    (4, 4, "unable to route", Some("Check the destination domain's DNS (MX, A/AAAA) and your MTA's routing (relayhost)."), "RFC 3463 §3.5"),
    (4, 5, "mail system congestion", None, "RFC 3463 §3.5"),
    (4, 6, "routing loop detected", Some("Check that mail for this domain is not routed back to where it came from (relayhost, internal routes)."), "RFC 3463 §3.5"),
    (4, 7, "delivery time expired", Some("The message sat in the queue too long: find the first, underlying error in the MTA's log."), "RFC 3463 §3.5"),
    (5, 0, "other or undefined protocol status", None, "RFC 3463 §3.6"),
    (5, 1, "invalid command", None, "RFC 3463 §3.6"),
    (5, 2, "syntax error", None, "RFC 3463 §3.6"),
    (5, 3, "too many recipients", Some("Send at most 100 recipients per transaction to smtp-relay.gmail.com (Google 6140680 \"SMTP relay service error messages\")."), "RFC 3463 §3.6"),
    (5, 4, "invalid command arguments", None, "RFC 3463 §3.6"),
    (5, 5, "wrong protocol version", None, "RFC 3463 §3.6"),
    (5, 6, "authentication exchange line is too long", None, "RFC 4954 §6"),
    (6, 0, "other or undefined media error", None, "RFC 3463 §3.7"),
    (6, 1, "media not supported", None, "RFC 3463 §3.7"),
    (6, 2, "conversion required and prohibited", None, "RFC 3463 §3.7"),
    (6, 3, "conversion required but not supported", None, "RFC 3463 §3.7"),
    (6, 4, "conversion with loss performed", None, "RFC 3463 §3.7"),
    (6, 5, "conversion failed", None, "RFC 3463 §3.7"),
    (7, 0, "other or undefined security status (also: authentication required, RFC 4954; temporary authentication failure as 4.7.0)", None, "RFC 3463 §3.8; RFC 4954 §6"),
    (7, 1, "delivery not authorized, message refused", Some("The server refused this sender, client or message by policy: for smtp-relay.gmail.com, check the registered IP ranges, the envelope sender's domain, HELO and SMTP AUTH."), "RFC 3463 §3.8"),
    (7, 2, "mailing list expansion prohibited", None, "RFC 3463 §3.8"),
    (7, 3, "security conversion required but not possible", None, "RFC 3463 §3.8"),
    (7, 4, "security features not supported", None, "RFC 3463 §3.8"),
    (7, 5, "cryptographic failure", None, "RFC 3463 §3.8"),
    (7, 6, "cryptographic algorithm not supported", None, "RFC 3463 §3.8"),
    (7, 7, "message integrity failure", None, "RFC 3463 §3.8"),
    (7, 8, "authentication credentials invalid", Some("Check the SMTP AUTH user and password; Google wants an app password (2-Step Verification) or OAuth, not the account password."), "RFC 4954 §6"),
    (7, 9, "authentication mechanism is too weak", Some("Use a stronger AUTH mechanism, inside TLS."), "RFC 4954 §6"),
    (7, 10, "encryption needed", Some("Use TLS: STARTTLS on 587 or implicit TLS on 465."), "RFC 5248 (the IANA SMTP enhanced status codes registry)"),
    (7, 11, "encryption required for requested authentication mechanism", Some("Start TLS before AUTH (Google accepts AUTH only inside TLS)."), "RFC 4954 §6"),
    (7, 12, "a password transition is needed", None, "RFC 4954 §6"),
    (7, 13, "user account disabled", Some("The account used (envelope sender or AUTH user) is disabled: use an active one."), "RFC 5248 (the IANA SMTP enhanced status codes registry)"),
    (7, 14, "trust relationship required", None, "RFC 5248 (the IANA SMTP enhanced status codes registry)"),
    (7, 20, "no passing DKIM signature found", Some(SENDER_AUTH), "RFC 7372"),
    (7, 21, "no acceptable DKIM signature found", Some(SENDER_AUTH), "RFC 7372"),
    (7, 22, "no valid author-matched DKIM signature found", Some(SENDER_AUTH), "RFC 7372"),
    (7, 23, "SPF validation failed", Some("The sender domain's SPF record does not allow the host that sent: add it."), "RFC 7372"),
    (7, 24, "SPF validation error", Some(SENDER_AUTH), "RFC 7372"),
    (7, 25, "reverse DNS validation failed", None, "RFC 7372"),
    (7, 26, "multiple authentication checks failed", Some(SENDER_AUTH), "RFC 7372"),
    (7, 27, "sender address has null MX", None, "RFC 7505"),
];

/// The detail's meaning, when it is one of the well-known ones.
pub fn detail(subject: u16, detail: u16) -> Option<Detail> {
    DETAILS
        .iter()
        .find(|d| d.0 == subject && d.1 == detail)
        .map(|d| Detail {
            meaning: d.2,
            advice: d.3,
            fact: d.4,
        })
}

/// A basic reply code's meaning and source: the specific code (RFC 5321 §4.2.3, RFC 4954
/// §6), else its first digit (RFC 5321 §4.2.1).
pub fn basic(code: u16) -> (&'static str, &'static str) {
    let specific = match code {
        211 => Some("system status, or system help reply"),
        214 => Some("help message"),
        220 => Some("service ready (the greeting)"),
        221 => Some("service closing the connection (after QUIT)"),
        235 => Some("authentication succeeded"),
        250 => Some("requested action okay, completed"),
        251 => Some("user not local; will forward"),
        252 => Some("cannot verify the user, but will accept the message"),
        334 => Some("authentication continues (a challenge)"),
        354 => Some("start mail input; end with <CRLF>.<CRLF>"),
        421 => Some("service not available, closing the connection"),
        432 => Some("a password transition is needed"),
        450 => Some("mailbox unavailable (busy or temporarily blocked for policy reasons)"),
        451 => Some("requested action aborted: local error in processing"),
        452 => Some("insufficient system storage (also: too many recipients)"),
        454 => Some("temporary failure (authentication or TLS not available now)"),
        455 => Some("server unable to accommodate parameters"),
        500 => Some("syntax error, command unrecognised"),
        501 => Some("syntax error in parameters or arguments"),
        502 => Some("command not implemented"),
        503 => Some("bad sequence of commands"),
        504 => Some("command parameter not implemented"),
        530 => Some("authentication required"),
        534 => Some("authentication mechanism is too weak"),
        535 => Some("authentication credentials invalid"),
        538 => Some("encryption required for the requested authentication mechanism"),
        550 => Some("mailbox unavailable, no access, or refused for policy reasons"),
        551 => Some("user not local"),
        552 => Some("exceeded storage allocation"),
        553 => Some("mailbox name not allowed"),
        554 => Some("transaction failed (or no SMTP service here)"),
        555 => Some("MAIL FROM/RCPT TO parameters not recognised or not implemented"),
        _ => None,
    };
    let fact = match code {
        432 | 454 | 530 | 534 | 535 | 538 => "RFC 4954 §6; RFC 5321 §4.2",
        _ if specific.is_some() => "RFC 5321 §4.2.3",
        _ => "RFC 5321 §4.2.1",
    };
    let meaning = specific.unwrap_or(match code / 100 {
        2 => "positive completion: the command was accepted",
        3 => "positive intermediate: the server waits for more (DATA, AUTH)",
        4 => "transient negative completion: not done now; the same command may work later",
        _ => "permanent negative completion: not done; repeating it unchanged will fail",
    });
    (meaning, fact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subject_has_a_meaning() {
        for s in 0..=7 {
            assert!(subject(s).is_some(), "{s}");
        }
        assert!(subject(8).is_none());
    }

    #[test]
    fn details_are_unique() {
        for (i, a) in DETAILS.iter().enumerate() {
            assert!(
                !DETAILS[i + 1..].iter().any(|b| a.0 == b.0 && a.1 == b.1),
                "X.{}.{} twice",
                a.0,
                a.1
            );
        }
    }

    #[test]
    fn basic_codes() {
        let cases: &[(u16, &str, &str)] = &[
            (421, "closing the connection", "RFC 5321 §4.2.3"),
            (535, "credentials invalid", "RFC 4954 §6; RFC 5321 §4.2"),
            (459, "transient", "RFC 5321 §4.2.1"),
            (299, "positive completion", "RFC 5321 §4.2.1"),
        ];
        for (code, needle, fact) in cases {
            let (m, f) = basic(*code);
            assert!(m.contains(needle), "{code}: {m}");
            assert_eq!(f, *fact, "{code}");
        }
    }
}
