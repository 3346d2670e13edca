//! The double-quoted string with backslash escapes (msmtprc values, Exim lsearch keys).

/// Reads a quoted string from `s`, which starts just after its opening quote `q`: a
/// backslash takes the next character as it is, `q` ends the string. Returns the text
/// (at most `max` bytes kept; the rest is read, not stored) and the byte offset in `s`
/// just past the closing quote, or `None` when there is none (a lone backslash at the end
/// escapes nothing and leaves the string open).
pub(crate) fn unquote(s: &str, q: char, max: usize) -> (String, Option<usize>) {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        let c = match c {
            '\\' => match chars.next() {
                Some((_, e)) => e,
                None => break,
            },
            c if c == q => return (out, Some(i + c.len_utf8())),
            c => c,
        };
        if out.len() < max {
            out.push(c);
        }
    }
    (out, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_quote_and_escapes() {
        #[rustfmt::skip]
        let cases: &[(&str, &str, Option<usize>)] = &[
            ("abc\" rest", "abc", Some(4)),
            ("\"", "", Some(1)),
            ("a\\\"b\"", "a\"b", Some(5)),
            ("a\\\\\"", "a\\", Some(4)),
            ("a\\nb\"", "anb", Some(5)),
            ("é€\"x", "é€", Some(6)),
            ("nul\0inside\"", "nul\0inside", Some(11)),
            ("open", "open", None),
            ("open\\", "open", None),
            ("open\\\"", "open\"", None),
            ("", "", None),
        ];
        for (s, text, end) in cases {
            assert_eq!(
                unquote(s, '"', usize::MAX),
                ((*text).to_owned(), *end),
                "{s:?}"
            );
        }
        assert_eq!(unquote("it's' x", '\'', 100), ("it".to_owned(), Some(3)));
    }

    #[test]
    fn long_strings_are_read_but_kept_short() {
        let long = format!("{}\" after", "x".repeat(1 << 20));
        let (text, end) = unquote(&long, '"', 64);
        assert_eq!(text.len(), 64);
        assert_eq!(end, Some((1 << 20) + 1));
        let (text, end) = unquote(&"é".repeat(100), '"', 5);
        assert_eq!((text.as_str(), end), ("ééé", None));
    }
}
