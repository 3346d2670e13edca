//! [`untrusted`]: text that came from elsewhere (a server's reply or certificate, a DNS
//! answer, a file someone else wrote, a pasted reply), made safe to print on a terminal.
//!
//! A terminal obeys control characters wherever they appear: an SMTP banner carrying
//! `ESC ] 52 ; c ; ... BEL` writes the user's clipboard, `ESC [ 2K` and a bare CR erase the
//! line and let a server forge `port 587: ok`. Every untrusted string in text output goes
//! through [`untrusted`] before it is formatted (and before relayctl colours anything, so
//! relayctl's own colour codes are never escaped). JSON output leaves values as they are:
//! its encoder already escapes control characters.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is a character a terminal may act on rather than print: C0 controls except
/// tab (so ESC, BEL, CR, LF, BS...), DEL, and the C1 controls U+0080..=U+009F (U+009B is
/// CSI, U+009D OSC on terminals that read 8-bit controls).
pub fn is_control(c: char) -> bool {
    (c.is_ascii_control() && c != '\t') || ('\u{80}'..='\u{9f}').contains(&c)
}

/// `s` with every control character (see [`is_control`]) written visibly: `\r` and `\n`
/// for CR and LF, `\xHH` for the other C0 controls and DEL (ESC is `\x1b`), `\u{HH}` for
/// the C1 controls (`\u{9b}`). Tab and all other characters (UTF-8 text included) are
/// kept; a backslash is kept as it is. Borrows when there is nothing to escape.
pub fn untrusted(s: &str) -> Cow<'_, str> {
    let Some(first) = s.find(is_control) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c if c.is_ascii_control() && c != '\t' => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if is_control(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        for s in [
            "",
            "250-smtp.gmail.com at your service",
            "a\tb",
            "Grüße, 日本 ✓",
            "C:\\x1b",
        ] {
            assert!(matches!(untrusted(s), Cow::Borrowed(_)), "{s:?}");
            assert_eq!(untrusted(s), s);
        }
    }

    #[test]
    fn c0_controls_are_escaped() {
        assert_eq!(untrusted("\x1b[2K"), "\\x1b[2K");
        assert_eq!(untrusted("a\x07b"), "a\\x07b");
        assert_eq!(
            untrusted("\x00\x08\x0b\x0c\x1f"),
            "\\x00\\x08\\x0b\\x0c\\x1f"
        );
        assert_eq!(
            untrusted("\x1b]52;c;aGVsbG8=\x07"),
            "\\x1b]52;c;aGVsbG8=\\x07"
        );
        assert_eq!(untrusted("\x1b]0;owned\x1b\\"), "\\x1b]0;owned\\x1b\\");
    }

    #[test]
    fn cr_and_lf_inside_a_value_are_escaped() {
        assert_eq!(
            untrusted("454 later\x1b[2K\r port 587: ok\n"),
            "454 later\\x1b[2K\\r port 587: ok\\n"
        );
    }

    #[test]
    fn del_and_c1_controls_are_escaped() {
        assert_eq!(untrusted("a\x7fb"), "a\\x7fb");
        assert_eq!(untrusted("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(untrusted("\u{80}\u{9d}\u{9f}"), "\\u{80}\\u{9d}\\u{9f}");
        // The neighbours of the C1 block are printable.
        assert_eq!(untrusted("~\u{a0}é"), "~\u{a0}é");
    }

    #[test]
    fn tab_and_utf8_are_kept_around_escapes() {
        assert_eq!(untrusted("é\x1bü\t日\u{9b}"), "é\\x1bü\t日\\u{9b}");
    }

    #[test]
    fn controls_at_every_position() {
        // First, last, only, and back to back: nothing is dropped or doubled.
        assert_eq!(untrusted("\x1b"), "\\x1b");
        assert_eq!(untrusted("\x1bx"), "\\x1bx");
        assert_eq!(untrusted("x\x1b"), "x\\x1b");
        assert_eq!(untrusted("\x1b\x1b\r\n"), "\\x1b\\x1b\\r\\n");
        let escaped = untrusted("ok\x1b[1A\x1b[2K\u{9b}K");
        assert!(!escaped.chars().any(is_control), "{escaped:?}");
    }
}
