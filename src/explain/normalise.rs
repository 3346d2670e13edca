//! Finds the SMTP reply inside pasted text (a log line, a bounce, a multi-line reply, a
//! client's flattened copy) and normalises it for matching: the basic and enhanced codes,
//! then the text on one line without continuation prefixes or Google's `<id> - gsmtp`
//! trailer. Pure and bounded: looks at the first [`MAX_INPUT_BYTES`] only, never panics.

use std::fmt;

/// How much of the input is looked at: a reply is at most a few hundred bytes, and a
/// pasted log must not cost unbounded work.
pub const MAX_INPUT_BYTES: usize = 64 * 1024;

/// An enhanced status code `class.subject.detail` (RFC 3463 §2; RFC 2034 puts it after the
/// basic reply code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enhanced {
    /// 2 success, 4 persistent transient failure, 5 permanent failure.
    pub class: u8,
    /// 0-7 in RFC 3463 (1 to 3 digits allowed).
    pub subject: u16,
    /// The detail within the subject (1 to 3 digits).
    pub detail: u16,
}

impl fmt::Display for Enhanced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// A reply found in pasted text, ready to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalised {
    /// The basic reply code (RFC 5321 §4.2), when one was found.
    pub code: Option<u16>,
    /// The enhanced status code (RFC 3463), when one was found.
    pub enhanced: Option<Enhanced>,
    /// The reply text on one line: codes, continuation prefixes, a Postfix
    /// `(in reply to ... command)` suffix and the `<id> - gsmtp` trailer removed,
    /// whitespace collapsed.
    pub text: String,
    /// `text` in ASCII lower case (byte offsets equal those of `text`).
    pub folded: String,
}

impl Normalised {
    /// Whether the folded text holds every one of `phrases` (each lower case).
    pub fn contains_all(&self, phrases: &[&str]) -> bool {
        phrases.iter().all(|p| self.folded.contains(p))
    }
}

/// The first `MAX_INPUT_BYTES` of `s`, cut at a character boundary.
pub fn bounded(s: &str) -> &str {
    if s.len() <= MAX_INPUT_BYTES {
        return s;
    }
    let mut end = MAX_INPUT_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Finds the reply in `input` and normalises it.
pub fn normalise(input: &str) -> Normalised {
    let input = bounded(input);
    let (start, code, enhanced) = locate(input);
    let mut region = &input[start..];
    // Postfix appends "(in reply to RCPT TO command)" after the server's text.
    if let Some(at) = region.to_ascii_lowercase().find("(in reply to ") {
        region = &region[..at];
    }

    let code_s = code.map(|c| c.to_string());
    let enh_s = enhanced.map(|e| e.to_string());
    let mut tokens: Vec<&str> = Vec::new();
    for line in region.split(['\n', '\r']) {
        let words: Vec<&str> = line.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            let next = words.get(i + 1).copied();
            if let Some(t) = strip_codes(w, i == 0, next, code_s.as_deref(), enh_s.as_deref()) {
                tokens.push(t);
            }
        }
    }
    strip_trailer(&mut tokens);
    let text = tokens.join(" ");
    let folded = text.to_ascii_lowercase();
    Normalised {
        code,
        enhanced,
        text,
        folded,
    }
}

/// Where the reply starts and its codes. In order of preference: a basic code followed by
/// an enhanced one (`550-5.7.1`, `421 4.7.0`); a basic code alone (`220 smtp-relay...`);
/// an enhanced code alone (a client that dropped the basic code: `5.7.0 Mail relay
/// denied`). Without any, the text after `said:` (Postfix), or all of it.
fn locate(input: &str) -> (usize, Option<u16>, Option<Enhanced>) {
    let b = input.as_bytes();
    let mut basic_alone = None;
    let mut enh_alone = None;
    for i in 0..b.len() {
        if !boundary_before(b, i) {
            continue;
        }
        if let Some(code) = basic_at(b, i) {
            let mut j = i + 4;
            while b.get(j).is_some_and(|c| matches!(c, b' ' | b'\t')) {
                j += 1;
            }
            if let Some((e, _)) = (i + 3 < b.len()).then(|| enhanced_at(b, j)).flatten() {
                return (i, Some(code), Some(e));
            }
            basic_alone.get_or_insert((i, code));
        } else if enh_alone.is_none() {
            if let Some((e, _)) = enhanced_at(b, i) {
                enh_alone = Some((i, e));
            }
        }
    }
    if let Some((i, code)) = basic_alone {
        return (i, Some(code), None);
    }
    if let Some((i, e)) = enh_alone {
        return (i, None, Some(e));
    }
    let start = input
        .to_ascii_lowercase()
        .find("said:")
        .map_or(0, |at| at + "said:".len());
    (start, None, None)
}

/// A reply code may start here: at the start, after white space or an opening delimiter.
fn boundary_before(b: &[u8], i: usize) -> bool {
    i == 0
        || matches!(
            b[i - 1],
            b' ' | b'\t' | b'\n' | b'\r' | b'(' | b':' | b'"' | b'\'' | b'<' | b'[' | b'='
        )
}

/// A basic reply code at `i` (RFC 5321 §4.2: first digit 2-5, second 0-5, third 0-9),
/// followed by the end, a space or `-`.
fn basic_at(b: &[u8], i: usize) -> Option<u16> {
    let d = b.get(i..i + 3)?;
    if !(b'2'..=b'5').contains(&d[0]) || !(b'0'..=b'5').contains(&d[1]) || !d[2].is_ascii_digit() {
        return None;
    }
    match b.get(i + 3) {
        None | Some(b' ' | b'-' | b'\t' | b'\r' | b'\n') => {}
        _ => return None,
    }
    Some(u16::from(d[0] - b'0') * 100 + u16::from(d[1] - b'0') * 10 + u16::from(d[2] - b'0'))
}

/// An enhanced status code at `i` (RFC 3463 §2: class 2, 4 or 5; subject and detail of 1 to
/// 3 digits), not followed by more digits or dots of digits (so `5.7.0.1`, an address,
/// is not one). Returns the code and the index after it.
fn enhanced_at(b: &[u8], i: usize) -> Option<(Enhanced, usize)> {
    let class = *b.get(i)?;
    if !matches!(class, b'2' | b'4' | b'5') || b.get(i + 1) != Some(&b'.') {
        return None;
    }
    let (subject, j) = number(b, i + 2)?;
    if b.get(j) != Some(&b'.') {
        return None;
    }
    let (detail, k) = number(b, j + 1)?;
    match b.get(k) {
        Some(c) if c.is_ascii_alphanumeric() || *c == b'_' => return None,
        Some(b'.') if b.get(k + 1).is_some_and(u8::is_ascii_digit) => return None,
        _ => {}
    }
    let e = Enhanced {
        class: class - b'0',
        subject,
        detail,
    };
    Some((e, k))
}

/// 1 to 3 digits at `i`; the value and the index after them.
fn number(b: &[u8], i: usize) -> Option<(u16, usize)> {
    let mut v: u16 = 0;
    let mut j = i;
    while j < b.len() && b[j].is_ascii_digit() {
        if j - i == 3 {
            return None;
        }
        v = v * 10 + u16::from(b[j] - b'0');
        j += 1;
    }
    (j > i).then_some((v, j))
}

/// One word of the reply with the repeated codes removed: `550-5.7.1`, `550 5.7.1` and
/// a bare `5.7.1` on continuation lines or in the middle of a flattened reply, and the
/// `250-` glued to an EHLO keyword. `None` drops the word.
fn strip_codes<'a>(
    w: &'a str,
    line_start: bool,
    next: Option<&str>,
    code: Option<&str>,
    enh: Option<&str>,
) -> Option<&'a str> {
    if Some(w) == enh {
        return None;
    }
    let Some(code) = code else {
        return Some(w);
    };
    if w == code {
        let next_is_enh = enh.is_some() && next == enh;
        return (!line_start && !next_is_enh).then_some(w);
    }
    match w.strip_prefix(code).and_then(|r| r.strip_prefix('-')) {
        Some("") => None,
        Some(rest) if Some(rest) == enh => None,
        Some(rest) => Some(rest),
        None => Some(w),
    }
}

/// Removes Google's trailer: `<session id> - gsmtp` (every Google error ends so,
/// as go-mail/mail#63 and Ombi-app/Ombi#1442 show). `- gcdp` stays: it tells that an
/// administrator's rule answered.
fn strip_trailer(tokens: &mut Vec<&str>) {
    let n = tokens.len();
    let is_gsmtp = |t: &str| t.trim_end_matches([')', '"', '\'', '.', ',', ';']) == "gsmtp";
    if n >= 2 && is_gsmtp(tokens[n - 1]) && tokens[n - 2] == "-" {
        tokens.truncate(n - 2);
        if tokens.last().is_some_and(|t| is_session_id(t)) {
            tokens.pop();
        }
    }
}

/// A Google session id (`f10sm1a4899ejl.97`, `b6-20020a170902d88600b001967d95881csm1165800plz.51`)
/// or a documentation placeholder (`<id>`, `<sessionid>`).
fn is_session_id(t: &str) -> bool {
    if t.len() > 2 && t.starts_with('<') && t.ends_with('>') && !t.contains('@') {
        return true;
    }
    t.len() >= 6
        && t.len() <= 80
        && !t.ends_with('.')
        && t.bytes().any(|c| c.is_ascii_digit())
        && t.bytes().any(|c| c.is_ascii_alphabetic())
        && t.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> (Option<u16>, Option<String>, String) {
        let r = normalise(s);
        (r.code, r.enhanced.map(|e| e.to_string()), r.text)
    }

    /// (name, input, code, enhanced, text)
    type Case = (
        &'static str,
        &'static str,
        Option<u16>,
        Option<&'static str>,
        &'static str,
    );

    #[test]
    fn finds_and_cleans_the_reply() {
        let cases: &[Case] = &[
            (
                "single line with trailer",
                "421 4.7.0 Try again later, closing connection. (EHLO) f10sm1a4899ejl.97 - gsmtp",
                Some(421),
                Some("4.7.0"),
                "Try again later, closing connection. (EHLO)",
            ),
            (
                "multi-line, continuation prefixes",
                "550-5.7.1 Daily SMTP relay limit exceeded for customer. For more information on\r\n550-5.7.1 SMTP relay sending limits please contact your administrator or visit\r\n550 5.7.1  https://support.google.com/a/answer/6140680#dailylimit b6-20020a170902d88600b001967d95881csm1165800plz.51 - gsmtp",
                Some(550),
                Some("5.7.1"),
                "Daily SMTP relay limit exceeded for customer. For more information on SMTP relay sending limits please contact your administrator or visit https://support.google.com/a/answer/6140680#dailylimit",
            ),
            (
                "flattened without the basic code (Ombi#1442)",
                "5.7.0 Mail relay denied [98.144.108.17]. Invalid credentials for relay for 5.7.0 one of the domains in: 168.1.176], 1.176], [192.168.1.176] (as 5.7.0 obtained from HELO and MAIL FROM). c31sm1401185itd.5 - gsmtp",
                None,
                Some("5.7.0"),
                "Mail relay denied [98.144.108.17]. Invalid credentials for relay for one of the domains in: 168.1.176], 1.176], [192.168.1.176] (as obtained from HELO and MAIL FROM).",
            ),
            (
                "flattened with the basic code",
                "550-5.7.1 Daily SMTP relay limit exceeded for 550-5.7.1 customer. 550 5.7.1 https://x.example",
                Some(550),
                Some("5.7.1"),
                "Daily SMTP relay limit exceeded for customer. https://x.example",
            ),
            (
                "Postfix bounce log",
                "Nov 23 06:48:12 mx postfix/smtp[1234]: 4F1A2B: to=<a@example.org>, relay=smtp-relay.gmail.com[74.125.69.28]:587, delay=0.31, delays=0.01/0/0.2/0.1, dsn=5.7.1, status=bounced (host smtp-relay.gmail.com[74.125.69.28] said: 550-5.7.1 Invalid credentials for relay [203.0.113.9]. The IP address 550 5.7.1 you've registered x1sm123abc.4 - gsmtp (in reply to MAIL FROM command))",
                Some(550),
                Some("5.7.1"),
                "Invalid credentials for relay [203.0.113.9]. The IP address you've registered",
            ),
            (
                "basic code only, EHLO keyword glued",
                "250-smtp-relay.gmail.com at your service, [203.0.113.9]\n250-SIZE 157286400\n250 SMTPUTF8",
                Some(250),
                None,
                "smtp-relay.gmail.com at your service, [203.0.113.9] SIZE 157286400 SMTPUTF8",
            ),
            (
                "gcdp stays, session placeholder goes",
                "550 5.7.1 This message violates example.com email policy. - gcdp <sessionid> - gsmtp",
                Some(550),
                Some("5.7.1"),
                "This message violates example.com email policy. - gcdp",
            ),
            (
                "continuation line with the enhanced code only",
                "530-5.7.0 Authentication Required. For more information, go to\n5.7.0 https://support.google.com/accounts/troubleshooter/2402620. <id> - gsmtp",
                Some(530),
                Some("5.7.0"),
                "Authentication Required. For more information, go to https://support.google.com/accounts/troubleshooter/2402620.",
            ),
            (
                "no code, Postfix said:",
                "host x[192.0.2.1] said: something odd",
                None,
                None,
                "something odd",
            ),
            (
                "an address is not an enhanced code",
                "relay 5.7.0.1 failed",
                None,
                None,
                "relay 5.7.0.1 failed",
            ),
            (
                "ports are not reply codes",
                "connect to smtp-relay.gmail.com port 587 or 465 refused",
                None,
                None,
                "connect to smtp-relay.gmail.com port 587 or 465 refused",
            ),
            ("empty", "", None, None, ""),
        ];
        for (name, input, code, enh, text) in cases {
            let got = n(input);
            assert_eq!(got.0, *code, "{name}: code");
            assert_eq!(got.1.as_deref(), *enh, "{name}: enhanced");
            assert_eq!(got.2, *text, "{name}: text");
        }
    }

    #[test]
    fn bounded_cuts_at_a_char_boundary() {
        let s = "é".repeat(MAX_INPUT_BYTES);
        let b = bounded(&s);
        assert!(b.len() <= MAX_INPUT_BYTES && b.len() >= MAX_INPUT_BYTES - 1);
        assert_eq!(bounded("short"), "short");
    }

    #[test]
    fn three_digit_subjects_and_details() {
        assert_eq!(n("550 5.123.456 x").1.as_deref(), Some("5.123.456"));
        assert_eq!(n("550 5.1234.1 x").1, None);
    }
}
