//! SMTP replies (RFC 5321 §4.2) and a bounded, incremental parser for them. Bytes go in as
//! they arrive; whole replies come out. A hostile server cannot make it hold more than
//! [`Limits`] allow: an endless line or endless continuation lines end in an error as soon
//! as the bound is crossed, not when the server stops. No I/O here.

use std::fmt;

/// One reply: the three-digit code and the text of each line (without `250-` / `250 `).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reply {
    /// The basic status code, 200-599.
    pub code: u16,
    /// The text of each line, in order. Invalid UTF-8 is replaced by U+FFFD.
    pub lines: Vec<String>,
}

impl Reply {
    /// 2xx.
    pub fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }

    /// 3xx (intermediate: 334 for AUTH, 354 for DATA).
    pub fn is_intermediate(&self) -> bool {
        (300..400).contains(&self.code)
    }

    /// 4xx.
    pub fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }

    /// The enhanced status code of the first line (RFC 3463, e.g. `5.7.1`), if any.
    pub fn enhanced(&self) -> Option<&str> {
        let first = self.lines.first()?;
        let token = first.split_whitespace().next()?;
        let mut parts = token.split('.');
        let class = parts.next()?;
        let ok = matches!(class, "2" | "4" | "5")
            && parts
                .by_ref()
                .take(2)
                .filter(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
                .count()
                == 2
            && parts.next().is_none();
        ok.then_some(token)
    }

    /// The reply as one line of text: `code text text ...`, continuation lines joined by a
    /// space, for messages and for the explain catalogue.
    pub fn one_line(&self) -> String {
        let mut s = self.code.to_string();
        let enhanced = self.enhanced();
        for (i, l) in self.lines.iter().enumerate() {
            // Google repeats the enhanced code on every line (`550-5.7.1 ...`); keep it once.
            let l = match enhanced {
                Some(code) if i > 0 => l
                    .strip_prefix(code)
                    .map_or(l.as_str(), |rest| rest.trim_start()),
                _ => l.as_str(),
            };
            if !l.is_empty() {
                s.push(' ');
                s.push_str(l);
            }
        }
        s
    }

    /// The reply as the server sent it, one `code-text` / `code text` line per line.
    pub fn wire_lines(&self) -> Vec<String> {
        let n = self.lines.len();
        self.lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let sep = if i + 1 == n { ' ' } else { '-' };
                if l.is_empty() && i + 1 == n {
                    self.code.to_string()
                } else {
                    format!("{}{sep}{l}", self.code)
                }
            })
            .collect()
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.one_line())
    }
}

/// Bounds on what one reply may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest line, CRLF included. RFC 5321 §4.5.3.1.5 says 512; servers exceed it a
    /// little, so the default is generous but far from a memory problem.
    pub max_line: usize,
    /// Most lines in one reply. Google's longest replies have four; EHLO lists about ten.
    pub max_lines: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_line: 4096,
            max_lines: 100,
        }
    }
}

/// Why bytes could not be parsed into a reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// A line longer than the limit, without its CRLF yet.
    #[error("reply line longer than {0} bytes")]
    LineTooLong(usize),
    /// More continuation lines than the limit.
    #[error("reply of more than {0} lines")]
    TooManyLines(usize),
    /// A line that does not start with a three-digit code and a space or hyphen.
    #[error("not an SMTP reply: {0:?}")]
    Malformed(String),
    /// The code changed between continuation lines.
    #[error("reply code changed from {0} to {1} within one reply")]
    CodeChanged(u16, u16),
}

/// An incremental reply parser: [`push`](ReplyParser::push) bytes, then take replies with
/// [`next_reply`](ReplyParser::next_reply).
#[derive(Debug, Default)]
pub struct ReplyParser {
    limits: Limits,
    buf: Vec<u8>,
    code: Option<u16>,
    lines: Vec<String>,
}

impl ReplyParser {
    /// A parser with these bounds.
    pub fn new(limits: Limits) -> ReplyParser {
        ReplyParser {
            limits,
            ..ReplyParser::default()
        }
    }

    /// Appends received bytes. Check [`next_reply`](ReplyParser::next_reply) after each push:
    /// bytes are kept only up to one line's limit beyond what has been parsed.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Drops everything received and not yet taken as a reply; returns how many bytes
    /// (RFC 3207 §4.2: nothing received before the TLS handshake may be used after it).
    pub fn discard(&mut self) -> usize {
        let n = self.buf.len() + self.lines.iter().map(|l| l.len() + 6).sum::<usize>();
        *self = ReplyParser::new(self.limits);
        n
    }

    /// Whether bytes of an unfinished reply are waiting.
    pub fn has_partial(&self) -> bool {
        !self.buf.is_empty() || self.code.is_some()
    }

    /// The next complete reply, `Ok(None)` when more bytes are needed.
    pub fn next_reply(&mut self) -> Result<Option<Reply>, ReplyError> {
        loop {
            let Some(end) = self.buf.iter().position(|&b| b == b'\n') else {
                if self.buf.len() > self.limits.max_line {
                    return Err(ReplyError::LineTooLong(self.limits.max_line));
                }
                return Ok(None);
            };
            if end + 1 > self.limits.max_line {
                return Err(ReplyError::LineTooLong(self.limits.max_line));
            }
            let raw: Vec<u8> = self.buf.drain(..=end).collect();
            let line = String::from_utf8_lossy(&raw);
            let line = line.trim_end_matches(['\r', '\n']);
            let (code, last, text) = split_line(line)?;
            if let Some(prev) = self.code {
                if prev != code {
                    return Err(ReplyError::CodeChanged(prev, code));
                }
            }
            self.code = Some(code);
            self.lines.push(text.to_owned());
            if last {
                self.code = None;
                return Ok(Some(Reply {
                    code,
                    lines: std::mem::take(&mut self.lines),
                }));
            }
            if self.lines.len() >= self.limits.max_lines {
                return Err(ReplyError::TooManyLines(self.limits.max_lines));
            }
        }
    }
}

/// `250-text` -> (250, false, "text"); `250 text` or `250` -> (250, true, "text").
fn split_line(line: &str) -> Result<(u16, bool, &str), ReplyError> {
    let b = line.as_bytes();
    let malformed = || {
        let shown: String = line.chars().take(80).collect();
        ReplyError::Malformed(shown)
    };
    if b.len() < 3 || !b[..3].iter().all(u8::is_ascii_digit) {
        return Err(malformed());
    }
    let code: u16 = line[..3].parse().map_err(|_| malformed())?;
    if !(200..600).contains(&code) {
        return Err(malformed());
    }
    match b.get(3) {
        None => Ok((code, true, "")),
        Some(b' ') => Ok((code, true, &line[4..])),
        Some(b'-') => Ok((code, false, &line[4..])),
        Some(_) => Err(malformed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(chunks: &[&[u8]]) -> Result<Vec<Reply>, ReplyError> {
        let mut p = ReplyParser::new(Limits::default());
        let mut out = Vec::new();
        for c in chunks {
            p.push(c);
            while let Some(r) = p.next_reply()? {
                out.push(r);
            }
        }
        Ok(out)
    }

    #[test]
    fn google_replies() {
        let ehlo = b"250-smtp-relay.gmail.com at your service, [203.0.113.9]\r\n250-SIZE 157286400\r\n250-8BITMIME\r\n250-STARTTLS\r\n250 SMTPUTF8\r\n";
        let r = parse_all(&[ehlo]).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].code, 250);
        assert_eq!(r[0].lines.len(), 5);
        assert_eq!(r[0].lines[3], "STARTTLS");
        assert_eq!(r[0].wire_lines()[4], "250 SMTPUTF8");

        let denied = b"550-5.7.1 Daily SMTP relay limit exceeded for customer. For more information on\r\n550 5.7.1  https://support.google.com/a/answer/6140680#dailylimit x - gsmtp\r\n";
        let r = parse_all(&[denied]).unwrap();
        assert_eq!(r[0].enhanced(), Some("5.7.1"));
        assert!(r[0]
            .one_line()
            .starts_with("550 5.7.1 Daily SMTP relay limit"));
        assert!(
            r[0].one_line().contains("information on https://"),
            "the repeated 5.7.1 is dropped: {}",
            r[0].one_line()
        );
    }

    #[test]
    fn bytes_arriving_one_at_a_time() {
        let wire = b"220 smtp-relay.gmail.com ESMTP x - gsmtp\r\n250-a\r\n250 b\r\n";
        let chunks: Vec<&[u8]> = wire.chunks(1).collect();
        let r = parse_all(&chunks).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].lines, vec!["a", "b"]);
    }

    #[test]
    fn bare_lf_and_bare_code_are_accepted() {
        let r = parse_all(&[b"221\n"]).unwrap();
        assert_eq!(r[0].code, 221);
        assert_eq!(r[0].lines, vec![""]);
    }

    #[test]
    fn hostile_input_is_bounded() {
        for (name, input, want) in [
            ("long line", vec![b'x'; 5000], ReplyError::LineTooLong(4096)),
            (
                "endless continuation",
                b"220-x\r\n".repeat(200),
                ReplyError::TooManyLines(100),
            ),
            (
                "not a code",
                b"hello\r\n".to_vec(),
                ReplyError::Malformed("hello".into()),
            ),
            (
                "code out of range",
                b"999 x\r\n".to_vec(),
                ReplyError::Malformed("999 x".into()),
            ),
            (
                "code changes",
                b"250-a\r\n220 b\r\n".to_vec(),
                ReplyError::CodeChanged(250, 220),
            ),
        ] {
            assert_eq!(parse_all(&[&input]).unwrap_err(), want, "{name}");
        }
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let r = parse_all(&[b"220 caf\xe9 \xff\r\n"]).unwrap();
        assert_eq!(r[0].lines[0], "caf\u{fffd} \u{fffd}");
    }

    #[test]
    fn enhanced_codes() {
        for (text, want) in [
            ("5.7.1 Invalid credentials", Some("5.7.1")),
            ("2.0.0 OK", Some("2.0.0")),
            ("smtp-relay.gmail.com at your service", None),
            ("5.7 nope", None),
            ("5.7.1.2 nope", None),
            ("3.1.1 no such class", None),
        ] {
            let r = Reply {
                code: 550,
                lines: vec![text.into()],
            };
            assert_eq!(r.enhanced(), want, "{text}");
        }
    }
}
