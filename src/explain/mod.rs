//! Explains a reply of the relay: cause, fix and the fact it rests on. Known Google replies
//! are matched by their TEXT first (one code can mean two things: Google help 6140680);
//! unknown ones fall back to the meaning of the enhanced status code (RFC 3463), then of
//! the basic code (RFC 5321 §4.2). Pure: text in, values out; no I/O, never panics, and
//! looks at the first 64 KiB of its input only. `relayctl explain`, probe and send-test
//! share it.

pub mod advice;
pub mod catalog;
pub mod normalise;
pub mod status;

use std::net::IpAddr;

use serde::Serialize;

pub use advice::Advice;
pub use catalog::{catalog, Entry, CATALOG};
pub use normalise::{normalise, Enhanced, Normalised, MAX_INPUT_BYTES};

/// What a reply means and what to do about it.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// Stable kebab-case id: a catalogue entry's (`relay-denied-ip`, `helo-rejected` ...),
    /// or `rfc3463` (explained by the enhanced status code), `rfc5321` (by the basic reply
    /// code only) or `unknown` (no code found).
    pub id: &'static str,
    /// The basic reply code found in the reply.
    pub code: Option<u16>,
    /// The enhanced status code found in the reply (`5.7.1`).
    pub enhanced: Option<String>,
    /// One line: what happened (without the codes, which are in `code` and `enhanced`).
    pub summary: String,
    /// Why it happens.
    pub cause: String,
    /// What to change.
    pub fix: String,
    /// The source it rests on (keys of docs/sources.md: a Google help page, an RFC, an observed thread).
    pub fact: &'static str,
    /// The reply matched a catalogue entry by its text (false: explained by its code).
    pub known: bool,
    /// The client address the relay shows in brackets ("Mail relay denied [IP]",
    /// "Invalid credentials for relay [IP]", "at your service, [IP]").
    pub client_ip: Option<IpAddr>,
    /// A transient failure (4xx): the MTA keeps the message and retries.
    pub temporary: bool,
}

/// Explains `reply`: raw reply text (one line, several lines, or flattened), possibly
/// inside a log line (`... said: 550-5.7.1 ...`).
pub fn explain(reply: &str) -> Explanation {
    let n = normalise(reply);
    let ip = client_ip(&n.text);
    match CATALOG
        .iter()
        .find(|e| e.matches.iter().any(|group| n.contains_all(group)))
    {
        Some(entry) => known(entry, &n, ip),
        None => fallback(&n, ip),
    }
}

/// The phrases after which the relay shows the client's address (observed in Ombi-app/Ombi#1442 and firebase/extensions#632).
const IP_MARKERS: &[&str] = &[
    "mail relay denied",
    "invalid credentials for relay",
    "at your service,",
    "at your service",
];

/// The client address the relay shows in brackets after "Mail relay denied",
/// "Invalid credentials for relay" or "at your service," (the EHLO greeting
/// `250-smtp-relay.gmail.com at your service, [203.0.113.9]`). The first such address in
/// the text wins, so the private literals of a HELO name further on
/// (`one of the domains in: [192.168.1.176]`) are never taken for it.
pub fn client_ip(text: &str) -> Option<IpAddr> {
    let text = normalise::bounded(text);
    let folded = text.to_ascii_lowercase();
    let mut best: Option<(usize, IpAddr)> = None;
    for marker in IP_MARKERS {
        for (at, _) in folded.match_indices(marker) {
            if best.is_some_and(|(b, _)| b <= at) {
                break;
            }
            if let Some(ip) = ip_after(&text[at + marker.len()..]) {
                best = Some((at, ip));
                break;
            }
        }
    }
    best.map(|(_, ip)| ip)
}

/// An address right at the start of `s` (after white space): `[192.0.2.1]`,
/// `[IPv6:2001:db8::1]`, `[2001:db8::1]` or a bare one followed by punctuation.
fn ip_after(s: &str) -> Option<IpAddr> {
    let s = s.trim_start();
    let token = match s.strip_prefix('[') {
        Some(rest) => &rest[..rest.find(']')?],
        None => s
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ')' | ']'))
            .next()?
            .trim_end_matches('.'),
    };
    if token.len() > 64 {
        return None;
    }
    let token = match token.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("ipv6:") => &token[5..],
        _ => token,
    };
    token.parse().ok()
}

/// Fills the `{ip}` placeholder of a catalogue text.
fn fill(template: &str, ip: Option<IpAddr>) -> String {
    let shown = ip.map_or_else(|| "your public IP address".to_owned(), |ip| ip.to_string());
    template.replace("{ip}", &shown)
}

/// The first `max` bytes of `s`, cut at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Whether the reply reports a transient failure: by its basic code, else its enhanced
/// code, else as the catalogue documents the reply.
fn is_temporary(n: &Normalised, documented: bool) -> bool {
    match (n.code, n.enhanced) {
        (Some(c), _) => c / 100 == 4,
        (None, Some(e)) => e.class == 4,
        (None, None) => documented,
    }
}

/// The names the relay found in HELO and MAIL FROM (`... one of the domains in:
/// example.com (as obtained from HELO and MAIL FROM)`), as the reply spells them.
fn domains_seen(n: &Normalised) -> Option<&str> {
    const KEY: &str = "one of the domains in:";
    let at = n.folded.find(KEY)? + KEY.len();
    let end = n.folded[at..]
        .find("(as obtained")
        .map_or(n.text.len(), |e| at + e);
    let list = cut(n.text[at..end].trim(), 200).trim_end_matches([' ', '.']);
    (!list.is_empty()).then_some(list)
}

fn known(e: &'static Entry, n: &Normalised, ip: Option<IpAddr>) -> Explanation {
    let mut cause = fill(e.cause, ip);
    let mut fix = fill(e.fix, ip);
    if e.id == "relay-denied-ip" {
        if let Some(list) = domains_seen(n) {
            cause.push_str(&format!(" Names found in HELO and MAIL FROM: {list}."));
            let folded = list.to_ascii_lowercase();
            if folded.contains('[') || folded.contains(']') || folded.contains(".local") {
                // Ombi-app/Ombi#1442 (a private literal in HELO) and Google help 6140680 (a
                // `.local` HELO): neither names a domain of the customer.
                cause.push_str(" An address literal or a .local name there is no domain of yours: the HELO name is likely a private address or a container's or LAN name.");
                fix.push_str(" Set the HELO name to an FQDN in your domain (check it with `relayctl check helo NAME`).");
            }
        }
        if ip.is_some_and(|ip| ip.is_ipv6()) {
            // The IPv6 trap (observed in OpenSMTPD/OpenSMTPD#1076).
            cause.push_str(" The relay saw an IPv6 address: a host with IPv6 egress reaches Google over IPv6, and mail is denied when only IPv4 ranges are registered.");
            fix.push_str(" Register the IPv6 address too (a /112 or longer), or make the MTA connect over IPv4 (Postfix inet_protocols = ipv4).");
        }
    }
    Explanation {
        id: e.id,
        code: n.code,
        enhanced: n.enhanced.map(|x| x.to_string()),
        summary: fill(e.summary, ip),
        cause,
        fix,
        fact: e.fact,
        known: true,
        client_ip: ip,
        temporary: is_temporary(n, e.temporary()),
    }
}

/// The catalogue's hint for a bare code at Google, when there is one.
fn hint(n: &Normalised) -> Option<(&'static str, &'static str)> {
    let code = n.code?;
    let enh = n.enhanced.map(|e| e.to_string());
    catalog::CODE_HINTS
        .iter()
        .find(|h| h.0 == code && enh.as_deref().is_none_or(|x| x == h.1))
        .map(|h| (h.2, h.3))
}

fn fallback(n: &Normalised, ip: Option<IpAddr>) -> Explanation {
    let hint = hint(n);
    let (id, summary, mut cause, fix, fact) = match (n.enhanced, n.code) {
        (Some(e), _) => {
            let subject = status::subject(e.subject);
            let detail = status::detail(e.subject, e.detail);
            let what = match (&detail, &subject) {
                (Some(d), _) => d.meaning,
                (None, Some(s)) => s.name,
                (None, None) => "a subject RFC 3463 does not define",
            };
            let class_word = match e.class {
                2 => "success",
                4 => "temporary failure",
                _ => "permanent failure",
            };
            let summary = format!("{class_word}: {what}");
            let mut cause = format!(
                "relayctl does not know this reply's text; by its enhanced status code (RFC 3463): class {} is {}; subject {} is {}; detail {} is {}.",
                e.class,
                status::class(e.class),
                e.subject,
                subject.as_ref().map_or("not defined", |s| s.name),
                e.detail,
                detail.as_ref().map_or("not a well-known one", |d| d.meaning),
            );
            if let Some(code) = n.code {
                cause.push_str(&format!(
                    " Reply code {code}: {}.",
                    status::basic(code).0
                ));
            }
            let advice = detail
                .as_ref()
                .and_then(|d| d.advice)
                .or(subject.as_ref().map(|s| s.advice))
                .unwrap_or("Read the reply's text for what the server wants.");
            let fix = format!("{advice} {}", status::class_advice(e.class));
            let fact = detail
                .map(|d| d.fact)
                .or(subject.map(|s| s.fact))
                .unwrap_or("RFC 3463 §2");
            ("rfc3463", summary, cause, fix, fact)
        }
        (None, Some(code)) => {
            let (meaning, fact) = status::basic(code);
            let summary = meaning.to_owned();
            let cause = format!(
                "relayctl does not know this reply's text, and it has no enhanced status code; by its reply code (RFC 5321 §4.2), {code} means: {meaning}."
            );
            let class = u8::try_from(code / 100).unwrap_or(5);
            let fix = match class {
                2 | 3 => "Not an error: nothing to fix.".to_owned(),
                _ => format!(
                    "{} Read the reply's text for what the server wants.",
                    status::class_advice(class)
                ),
            };
            ("rfc5321", summary, cause, fix, fact)
        }
        (None, None) => (
            "unknown",
            "No SMTP reply code found, and the text is not a reply relayctl knows".to_owned(),
            "The text has neither a 3-digit reply code (RFC 5321 §4.2) nor an enhanced status code such as 5.7.1 (RFC 3463), and matches none of the catalogued Google replies.".to_owned(),
            "Give the server's reply as the MTA logged it, from its code on, for example relayctl explain \"550 5.7.1 Invalid credentials for relay ...\" (in a Postfix log: the text after \"said:\").".to_owned(),
            "RFC 5321 §4.2; RFC 3463",
        ),
    };
    if let Some((h, source)) = hint {
        // The hint's own source goes with it: `fact` stays the RFC the meaning rests on.
        cause.push_str(&format!(" {h} ({source})"));
    }
    Explanation {
        id,
        code: n.code,
        enhanced: n.enhanced.map(|e| e.to_string()),
        summary,
        cause,
        fix,
        fact,
        known: false,
        client_ip: ip,
        temporary: is_temporary(n, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_well_formed() {
        for (i, e) in CATALOG.iter().enumerate() {
            assert!(
                !e.id.is_empty()
                    && e.id
                        .bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'),
                "{}: not kebab-case",
                e.id
            );
            assert!(
                !CATALOG[i + 1..].iter().any(|o| o.id == e.id),
                "{} twice",
                e.id
            );
            assert!(!["rfc3463", "rfc5321", "unknown"].contains(&e.id));
            for group in e.matches {
                assert!(!group.is_empty(), "{}", e.id);
                for p in *group {
                    assert_eq!(
                        *p,
                        p.to_ascii_lowercase(),
                        "{}: patterns are lower case",
                        e.id
                    );
                }
            }
            for (field, text) in [("summary", e.summary), ("cause", e.cause), ("fix", e.fix)] {
                assert!(
                    !text.is_empty() && !text.contains('\n'),
                    "{}: {field}",
                    e.id
                );
            }
            if let Err(why) = crate::sources::check_citation(e.fact) {
                panic!("{}: facts cite sources of docs/sources.md: {why}", e.id);
            }
            let x = explain(e.example);
            assert_eq!(x.id, e.id, "{}: its own example matches it", e.id);
            assert!(x.known);
        }
    }

    /// (name, reply, id, code, enhanced, client ip, temporary)
    type Row = (
        &'static str,
        &'static str,
        &'static str,
        Option<u16>,
        Option<&'static str>,
        Option<&'static str>,
        bool,
    );

    const REAL: &[Row] = &[
        (
            "relay denied, G Suite wording, flattened without basic code (Ombi#1442)",
            "5.7.0 Mail relay denied [98.144.108.17]. Invalid credentials for relay for 5.7.0 one of the domains in: 168.1.176], 1.176], [192.168.1.176] (as 5.7.0 obtained from HELO and MAIL FROM). 5.7.0 Email is being sent from a domain or IP address which isn't registered 5.7.0 in your G Suite account. https://support.google.com/a/answer/6140680#maildenied c31sm1401185itd.5 - gsmtp",
            "relay-denied-ip",
            None,
            Some("5.7.0"),
            Some("98.144.108.17"),
            false,
        ),
        (
            "relay denied, two lines (2026)",
            "550 5.7.0 Mail relay denied [79.76.116.239].\nInvalid credentials for relay for one of the domains in: warehouse14.de",
            "relay-denied-ip",
            Some(550),
            Some("5.7.0"),
            Some("79.76.116.239"),
            false,
        ),
        (
            "relay denied, multi-line with continuation prefixes",
            "550-5.7.0 Mail relay denied [203.0.113.9]. Invalid credentials for relay for\n550-5.7.0 one of the domains in: example.com (as obtained from HELO and MAIL\n550 5.7.0 FROM). x1sm2ab.3 - gsmtp",
            "relay-denied-ip",
            Some(550),
            Some("5.7.0"),
            Some("203.0.113.9"),
            false,
        ),
        (
            "relay denied over IPv6",
            "550 5.7.0 Mail relay denied [2001:db8:1::25]. Invalid credentials for relay for one of the domains in: mail.example.com (as obtained from HELO and MAIL FROM).",
            "relay-denied-ip",
            Some(550),
            Some("5.7.0"),
            Some("2001:db8:1::25"),
            false,
        ),
        (
            "relay denied plus unmanaged account: unmanaged wins",
            "550-5.7.0 Mail relay denied [198.51.100.7]. Invalid credentials for relay for one of the domains in: nas.local (as obtained from HELO and MAIL FROM). SMTP relay isn't supported for unmanaged work accounts.",
            "unmanaged-work-account",
            Some(550),
            Some("5.7.0"),
            Some("198.51.100.7"),
            false,
        ),
        (
            "invalid credentials, Postfix bounce log",
            "Nov 23 06:48:12 mx postfix/smtp[1234]: 4F1A2B: to=<a@example.org>, relay=smtp-relay.gmail.com[74.125.69.28]:587, delay=0.31, dsn=5.7.1, status=bounced (host smtp-relay.gmail.com[74.125.69.28] said: 550-5.7.1 Invalid credentials for relay [203.0.113.9]. The IP address you've registered in your 550 5.7.1 Workspace SMTP Relay service doesn't match the domain of the account this email is being sent from. x1sm2ab.3 - gsmtp (in reply to MAIL FROM command))",
            "invalid-credentials-for-relay",
            Some(550),
            Some("5.7.1"),
            Some("203.0.113.9"),
            false,
        ),
        (
            "daily customer limit, three lines (wazuh#15825)",
            "550-5.7.1 Daily SMTP relay limit exceeded for customer. For more information on\r\n550-5.7.1 SMTP relay sending limits please contact your administrator or visit\r\n550 5.7.1  https://support.google.com/a/answer/6140680#dailylimit b6-20020a170902d88600b001967d95881csm1165800plz.51 - gsmtp",
            "daily-limit-customer",
            Some(550),
            Some("5.7.1"),
            None,
            false,
        ),
        (
            "daily customer limit, flattened mid-phrase",
            "550-5.7.1 Daily SMTP relay limit exceeded for 550-5.7.1 customer. For more information",
            "daily-limit-customer",
            Some(550),
            Some("5.7.1"),
            None,
            false,
        ),
        (
            "daily customer limit, 5.4.5 variant (Sisimai)",
            "550 5.4.5 Daily SMTP relay limit exceeded for customer.",
            "daily-limit-customer",
            Some(550),
            Some("5.4.5"),
            None,
            false,
        ),
        (
            "daily customer limit, sending-limit variant (Sisimai)",
            "550 5.7.1 Daily SMTP relay sending limit exceeded for customer",
            "daily-limit-customer",
            Some(550),
            Some("5.7.1"),
            None,
            false,
        ),
        (
            "daily user relay limit",
            "550 5.4.5 Daily SMTP relay limit exceeded for user. For more information on SMTP relay sending limits please contact your administrator or visit https://support.google.com/a/answer/6140680#userlimit",
            "daily-limit-user",
            Some(550),
            Some("5.4.5"),
            None,
            false,
        ),
        (
            "Gmail user limit, same 5.4.5",
            "550-5.4.5 Daily user sending limit exceeded. For more information on Gmail\n550-5.4.5 sending limits go to\n550 5.4.5  https://support.google.com/a/answer/166852 x2sm1abc.9 - gsmtp",
            "gmail-daily-limit",
            Some(550),
            Some("5.4.5"),
            None,
            false,
        ),
        (
            "Gmail sending quota (gen_smtp#140)",
            "550 5.4.5 Daily sending quota exceeded. x3sm4def.1 - gsmtp",
            "gmail-daily-limit",
            Some(550),
            Some("5.4.5"),
            None,
            false,
        ),
        (
            "peak limit, temporary",
            "450 4.2.1 Peak SMTP relay limit exceeded for customer. This is a temporary error.",
            "peak-limit-customer",
            Some(450),
            Some("4.2.1"),
            None,
            true,
        ),
        (
            "421 with (EHLO): HELO first (go-mail/mail#63)",
            "421 4.7.0 Try again later, closing connection. (EHLO) f10sm1a4899ejl.97 - gsmtp",
            "helo-rejected",
            Some(421),
            Some("4.7.0"),
            None,
            true,
        ),
        (
            "421 with (EHLO) in a Postfix log",
            "host smtp-relay.gmail.com[142.251.127.28] refused to talk to me: 421 4.7.0 Try again later, closing connection. (EHLO) f10sm1a4899ejl.97 - gsmtp",
            "helo-rejected",
            Some(421),
            Some("4.7.0"),
            None,
            true,
        ),
        (
            "421 without (EHLO): DoS",
            "421 4.7.0 Try again later, closing connection. g7sm1a2b.3 - gsmtp",
            "try-again-later",
            Some(421),
            Some("4.7.0"),
            None,
            true,
        ),
        (
            "421 TLS required for RCPT domain",
            "421 4.7.0 TLS required for RCPT domain, closing connection",
            "tls-required-rcpt-domain",
            Some(421),
            Some("4.7.0"),
            None,
            true,
        ),
        (
            "535 bad credentials, two lines",
            "535-5.7.8 Username and Password not accepted. For more information, go to\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials d2sm3.4 - gsmtp",
            "bad-credentials",
            Some(535),
            Some("5.7.8"),
            None,
            false,
        ),
        (
            "530 Authentication Required, continuation with enhanced code only",
            "530-5.7.0 Authentication Required. For more information, go to\n5.7.0 https://support.google.com/accounts/troubleshooter/2402620. <id> - gsmtp",
            "authentication-required",
            Some(530),
            Some("5.7.0"),
            None,
            false,
        ),
        (
            "530 WantAuthError link only",
            "530 5.7.0 https://support.google.com/mail/?p=WantAuthError h5sm1.2 - gsmtp",
            "authentication-required",
            Some(530),
            Some("5.7.0"),
            None,
            false,
        ),
        (
            "530 STARTTLS first",
            "530 5.7.0 Must issue a STARTTLS command first. k9sm5.6 - gsmtp",
            "starttls-required",
            Some(530),
            Some("5.7.0"),
            None,
            false,
        ),
        (
            "454 STARTTLS repeated",
            "454 5.5.1 STARTTLS may not be repeated",
            "starttls-repeated",
            Some(454),
            Some("5.5.1"),
            None,
            true,
        ),
        (
            "523 pipelining after STARTTLS",
            "523 5.7.10 SMTP protocol violation, no commands allowed to pipeline after STARTTLS",
            "pipelining-after-starttls",
            Some(523),
            Some("5.7.10"),
            None,
            false,
        ),
        (
            "503 EHLO/HELO first",
            "503 5.5.1 EHLO/HELO first. m1sm2.3 - gsmtp",
            "helo-first",
            Some(503),
            Some("5.5.1"),
            None,
            false,
        ),
        (
            "501 empty HELO",
            "501 5.5.4 Empty HELO/EHLO argument not allowed, closing connection.",
            "helo-argument-empty",
            Some(501),
            Some("5.5.4"),
            None,
            false,
        ),
        (
            "501 invalid HELO",
            "501 5.5.4 HELO/EHLO argument is invalid. n2sm3.4 - gsmtp",
            "helo-argument-invalid",
            Some(501),
            Some("5.5.4"),
            None,
            false,
        ),
        (
            "452 too many recipients",
            "452 4.5.3 Your message has too many recipients. p3sm4.5 - gsmtp",
            "too-many-recipients",
            Some(452),
            Some("4.5.3"),
            None,
            true,
        ),
        (
            "452 domain policy size",
            "452 4.5.3 Domain policy size per transaction exceeded, please try this recipient in a separate transaction",
            "too-many-recipients",
            Some(452),
            Some("4.5.3"),
            None,
            true,
        ),
        (
            "451 multiple destination domains",
            "451 4.3.0 Multiple destination domains per transaction is unsupported. Please try again. q4sm5.6 - gsmtp",
            "multiple-destination-domains",
            Some(451),
            Some("4.3.0"),
            None,
            true,
        ),
        (
            "gcdp admin rule",
            "550 5.7.1 This message violates example.com email policy. - gcdp r5sm6.7 - gsmtp",
            "admin-compliance-rule",
            Some(550),
            Some("5.7.1"),
            None,
            false,
        ),
        (
            "mail sending denied",
            "550 5.7.0 Mail Sending denied. This error occurs if the sender account is disabled or not registered within your Google Workspace domain.",
            "mail-sending-denied",
            Some(550),
            Some("5.7.0"),
            None,
            false,
        ),
        (
            "EHLO greeting names the client",
            "250-smtp-relay.gmail.com at your service, [203.0.113.9]\n250-SIZE 157286400\n250-8BITMIME\n250-STARTTLS\n250-ENHANCEDSTATUSCODES\n250-PIPELINING\n250-CHUNKING\n250 SMTPUTF8",
            "ehlo-greeting",
            Some(250),
            None,
            Some("203.0.113.9"),
            false,
        ),
        (
            "Postfix SASL generic failure (no code)",
            "warning: SASL authentication failed; cannot authenticate to server smtp-relay.gmail.com[74.125.69.28]: generic failure",
            "postfix-sasl-generic-failure",
            None,
            None,
            None,
            true,
        ),
        (
            "summary without any code",
            "Peak SMTP relay limit exceeded for customer",
            "peak-limit-customer",
            None,
            None,
            None,
            true,
        ),
        (
            "case and spacing do not matter",
            "  550   5.7.1   INVALID   credentials FOR relay   [203.0.113.9]  ",
            "invalid-credentials-for-relay",
            Some(550),
            Some("5.7.1"),
            Some("203.0.113.9"),
            false,
        ),
    ];

    #[test]
    fn real_replies() {
        for (name, reply, id, code, enh, ip, temporary) in REAL {
            let x = explain(reply);
            assert_eq!(x.id, *id, "{name}: {x:?}");
            assert!(x.known, "{name}");
            assert_eq!(x.code, *code, "{name}: code");
            assert_eq!(x.enhanced.as_deref(), *enh, "{name}: enhanced");
            assert_eq!(
                x.client_ip,
                ip.map(|s| s.parse().unwrap()),
                "{name}: client ip"
            );
            assert_eq!(x.temporary, *temporary, "{name}: temporary");
            assert!(
                !x.summary.contains("{ip}") && !x.fix.contains("{ip}"),
                "{name}"
            );
            if let Some(ip) = ip {
                assert!(
                    x.summary.contains(ip)
                        || x.fix.contains(ip)
                        || x.id == "unmanaged-work-account",
                    "{name}: shows the ip"
                );
            }
        }
    }

    #[test]
    fn one_code_two_meanings() {
        let cred = explain("550 5.7.1 Invalid credentials for relay [203.0.113.9]. The IP address you've registered in your Workspace SMTP Relay service doesn't match the domain of the account this email is being sent from.");
        let limit = explain("550 5.7.1 Daily SMTP relay limit exceeded for customer.");
        assert_eq!(
            (cred.code, cred.enhanced.as_deref()),
            (limit.code, limit.enhanced.as_deref())
        );
        assert_eq!(cred.id, "invalid-credentials-for-relay");
        assert_eq!(limit.id, "daily-limit-customer");
        assert!(cred.fix.contains("HELO") && cred.fix.contains("SMTP AUTH"));
        assert!(limit.cause.contains("4.6 million"));

        let relay = explain("550 5.4.5 Daily SMTP relay limit exceeded for user.");
        let gmail = explain("550-5.4.5 Daily user sending limit exceeded.");
        assert_eq!(relay.enhanced, gmail.enhanced);
        assert_eq!(relay.id, "daily-limit-user");
        assert_eq!(gmail.id, "gmail-daily-limit");
        assert!(relay.cause.contains("10,000"));
        assert!(gmail.cause.contains("Gmail"));

        let helo = explain("421 4.7.0 Try again later, closing connection. (EHLO)");
        let dos = explain("421 4.7.0 Try again later, closing connection.");
        assert_eq!(helo.id, "helo-rejected");
        assert_eq!(dos.id, "try-again-later");
        assert!(helo.fix.contains("smtp_helo_name"));
        assert!(dos.fix.contains("connection"));
    }

    #[test]
    fn relay_denied_names_what_it_saw() {
        let x = explain("5.7.0 Mail relay denied [98.144.108.17]. Invalid credentials for relay for 5.7.0 one of the domains in: 168.1.176], 1.176], [192.168.1.176] (as 5.7.0 obtained from HELO and MAIL FROM).");
        assert!(x.summary.contains("98.144.108.17"), "{}", x.summary);
        assert!(x.fix.starts_with("Register 98.144.108.17 in Admin console > Apps > Google Workspace > Gmail > Routing > SMTP relay service"), "{}", x.fix);
        assert!(x.cause.contains("[192.168.1.176]"), "{}", x.cause);
        assert!(x.cause.contains("address literal"), "{}", x.cause);
        assert!(x.fix.contains("relayctl check helo"), "{}", x.fix);

        let v6 = explain("550 5.7.0 Mail relay denied [2001:db8::25]. Invalid credentials for relay for one of the domains in: example.com (as obtained from HELO and MAIL FROM).");
        assert!(v6.cause.contains("IPv6"), "{}", v6.cause);
        assert!(v6.fix.contains("inet_protocols = ipv4"), "{}", v6.fix);
        assert!(!v6.cause.contains("address literal"), "{}", v6.cause);

        let template = explain("550 5.7.0 Mail relay denied <ip-address>. Invalid credentials for relay for one of the domains in: <domain-name> (as obtained from HELO and MAIL FROM).");
        assert_eq!(template.id, "relay-denied-ip");
        assert_eq!(template.client_ip, None);
        assert!(
            template.fix.starts_with("Register your public IP address"),
            "{}",
            template.fix
        );
    }

    #[test]
    fn client_ip_cases() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("EHLO greeting", "250-smtp-relay.gmail.com at your service, [203.0.113.9]", Some("203.0.113.9")),
            ("HELO greeting has none", "250 smtp-relay.gmail.com at your service", None),
            ("greeting over IPv6", "250-smtp-relay.gmail.com at your service, [2001:db8::9]", Some("2001:db8::9")),
            ("IPv6: literal prefix", "Mail relay denied [IPv6:2001:db8::1].", Some("2001:db8::1")),
            ("invalid credentials", "550 5.7.1 Invalid credentials for relay [198.51.100.20]. The IP", Some("198.51.100.20")),
            ("bare address", "Invalid credentials for relay 198.51.100.20. The IP", Some("198.51.100.20")),
            (
                "private literals after the client ip (Ombi#1442)",
                "Mail relay denied [98.144.108.17]. Invalid credentials for relay for 5.7.0 one of the domains in: 168.1.176], 1.176], [192.168.1.176]",
                Some("98.144.108.17"),
            ),
            (
                "no marker: literals in the domain list are not the client",
                "Invalid credentials for relay for one of the domains in: [192.168.1.176]",
                None,
            ),
            ("placeholder", "Mail relay denied <ip-address>.", None),
            ("broken bracket", "Mail relay denied [203.0.113.9", None),
            ("not an address", "Mail relay denied [999.1.1.1]", None),
            ("marker at the very end", "mail relay denied", None),
            ("empty", "", None),
        ];
        for (name, text, want) in cases {
            assert_eq!(client_ip(text), want.map(|s| s.parse().unwrap()), "{name}");
        }
    }

    /// (name, reply, id, needle in summary, fact prefix, temporary)
    type Fallback = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        bool,
    );

    #[test]
    fn fallbacks() {
        let cases: &[Fallback] = &[
            (
                "mailbox does not exist",
                "550 5.1.1 The email account that you tried to reach does not exist.",
                "rfc3463",
                "bad destination mailbox",
                "RFC 3463 §3.2",
                false,
            ),
            (
                "bad sender system",
                "553 5.1.8 Sender address rejected: Domain not found",
                "rfc3463",
                "sender's system",
                "RFC 3463 §3.2",
                false,
            ),
            (
                "mailbox full, temporary",
                "452 4.2.2 The email account that you tried to reach is over quota.",
                "rfc3463",
                "mailbox full",
                "RFC 3463 §3.3",
                true,
            ),
            (
                "too big",
                "552 5.3.4 Message size exceeds fixed limit",
                "rfc3463",
                "too big",
                "RFC 3463 §3.4",
                false,
            ),
            (
                "no answer",
                "451 4.4.1 No answer from host",
                "rfc3463",
                "no answer from host",
                "RFC 3463 §3.5",
                true,
            ),
            (
                "bad connection",
                "421 4.4.2 Connection dropped",
                "rfc3463",
                "bad connection",
                "RFC 3463 §3.5",
                true,
            ),
            (
                "routing loop",
                "554 5.4.6 Too many hops",
                "rfc3463",
                "routing loop",
                "RFC 3463 §3.5",
                false,
            ),
            (
                "delivery time expired",
                "4.4.7 Delivery time expired",
                "rfc3463",
                "delivery time expired",
                "RFC 3463 §3.5",
                true,
            ),
            (
                "auth credentials (RFC 4954)",
                "535 5.7.8 Error: authentication failed",
                "rfc3463",
                "credentials invalid",
                "RFC 4954 §6",
                false,
            ),
            (
                "temporary auth failure",
                "454 4.7.0 Temporary authentication failure",
                "rfc3463",
                "temporary failure",
                "RFC 3463 §3.8",
                true,
            ),
            (
                "policy",
                "550 5.7.1 Relaying denied",
                "rfc3463",
                "not authorized",
                "RFC 3463 §3.8",
                false,
            ),
            (
                "DMARC/multiple checks",
                "550 5.7.26 Unauthenticated email is not accepted",
                "rfc3463",
                "multiple authentication",
                "RFC 7372",
                false,
            ),
            (
                "unknown detail falls back to subject",
                "550 5.7.99 whatever",
                "rfc3463",
                "security or policy status",
                "RFC 3463 §3.8",
                false,
            ),
            (
                "unknown subject",
                "550 5.9.1 whatever",
                "rfc3463",
                "does not define",
                "RFC 3463 §2",
                false,
            ),
            (
                "success",
                "250 2.0.0 OK  1700000000 x1sm2.3 - gsmtp",
                "rfc3463",
                "success",
                "RFC 3463 §3.1",
                false,
            ),
            (
                "basic code only",
                "554 Transaction failed",
                "rfc5321",
                "transaction failed",
                "RFC 5321 §4.2.3",
                false,
            ),
            (
                "basic auth code",
                "530 Authentication needed",
                "rfc5321",
                "authentication required",
                "RFC 4954 §6",
                false,
            ),
            (
                "odd basic code",
                "459 something",
                "rfc5321",
                "transient",
                "RFC 5321 §4.2.1",
                true,
            ),
            (
                "banner",
                "220 smtp-relay.gmail.com ESMTP f10sm1a4899ejl.97 - gsmtp",
                "rfc5321",
                "service ready",
                "RFC 5321 §4.2.3",
                false,
            ),
            (
                "no code",
                "connection timed out",
                "unknown",
                "No SMTP reply code",
                "RFC 5321",
                false,
            ),
            (
                "empty",
                "",
                "unknown",
                "No SMTP reply code",
                "RFC 5321",
                false,
            ),
        ];
        for (name, reply, id, needle, fact, temporary) in cases {
            let x = explain(reply);
            assert_eq!(x.id, *id, "{name}: {x:?}");
            assert!(!x.known, "{name}");
            assert!(
                x.summary.to_lowercase().contains(&needle.to_lowercase()),
                "{name}: {}",
                x.summary
            );
            assert!(x.fact.starts_with(fact), "{name}: {}", x.fact);
            assert_eq!(x.temporary, *temporary, "{name}");
            assert!(!x.cause.is_empty() && !x.fix.is_empty(), "{name}");
            assert!(!x.summary.contains('\n'), "{name}");
        }
    }

    #[test]
    fn bare_codes_carry_the_google_hint() {
        let x = explain("550 5.7.1");
        assert_eq!(x.id, "rfc3463");
        assert!(
            x.cause.contains("Invalid credentials for relay")
                && x.cause
                    .contains("Daily SMTP relay limit exceeded for customer"),
            "{}",
            x.cause
        );
        let x = explain("550 5.4.5 something else");
        assert!(x.cause.contains("Gmail"), "{}", x.cause);
        let x = explain("421 4.7.0");
        assert!(x.cause.contains("HELO"), "{}", x.cause);
        let x = explain("421 Service not available");
        assert_eq!(x.id, "rfc5321");
        assert!(x.cause.contains("HELO"), "{}", x.cause);
        let x = explain("550 5.1.1 no such user");
        assert!(!x.cause.contains("Google 6140680"), "{}", x.cause);
    }

    #[test]
    fn never_panics_and_stays_bounded() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let pieces: &[&str] = &[
            "550",
            "-",
            " ",
            "5.7.1",
            "5.",
            ".7",
            "[",
            "]",
            "Mail relay denied ",
            "at your service, ",
            "[IPv6:",
            "::",
            "1.2.3.4",
            "\n",
            "\r",
            "- gsmtp",
            "<",
            ">",
            "é",
            "\u{0}",
            "(in reply to ",
            "said:",
            "one of the domains in:",
            "(as obtained",
            "421 4.7.0 ",
            "(EHLO)",
            "999.9.9",
            "4.",
        ];
        for round in 0..3000 {
            let mut s = String::new();
            let len = next() % 40;
            for _ in 0..len {
                if next() % 3 == 0 {
                    let bytes: Vec<u8> = (0..next() % 8).map(|_| next() as u8).collect();
                    s.push_str(&String::from_utf8_lossy(&bytes));
                } else {
                    s.push_str(pieces[(next() % pieces.len() as u64) as usize]);
                }
            }
            let x = explain(&s);
            assert!(!x.summary.is_empty(), "round {round}: {s:?}");
            let _ = client_ip(&s);
        }
        // Very long input: only the first 64 KiB is looked at, so the text past it does not
        // count, and the work stays small.
        let mut long = "x".repeat(MAX_INPUT_BYTES);
        long.push_str(" 550 5.7.1 Invalid credentials for relay [203.0.113.9]");
        let x = explain(&long);
        assert_eq!(x.id, "unknown");
        let huge = "550-5.7.1 é Mail relay denied [".repeat(200_000);
        let start = std::time::Instant::now();
        let x = explain(&huge);
        assert_eq!(x.id, "relay-denied-ip");
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        let x = explain(&"\u{1F600}".repeat(40_000));
        assert_eq!(x.id, "unknown");
    }
}
