//! Physical lines, logical lines (a line and its continuations, by a syntax's rule) and
//! character columns.

use super::Problems;

/// The 1-based character column of byte offset `at` in `line` (spans count characters,
/// readers index bytes). An offset inside a character counts as the line's start.
pub(crate) fn column(line: &str, at: usize) -> u32 {
    let chars = line.get(..at).map_or(0, |s| s.chars().count());
    u32::try_from(chars + 1).unwrap_or(u32::MAX)
}

/// One physical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Line<'t> {
    /// 1-based.
    pub no: u32,
    /// The line without its `\n` and without one `\r` before it.
    pub text: &'t str,
    /// The line without its `\n`, a `\r` kept (for syntaxes that keep it, such as qmail's).
    pub raw: &'t str,
}

/// The physical lines of `text`, split at `\n`: text that ends with a newline has an empty
/// last line, as `str::split` gives.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    text.split('\n').enumerate().map(|(i, raw)| Line {
        no: u32::try_from(i + 1).unwrap_or(u32::MAX),
        text: raw.strip_suffix('\r').unwrap_or(raw),
        raw,
    })
}

/// How a syntax continues a logical line on the next physical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Continuation {
    /// A line that starts with white space continues the logical line, joined as written
    /// (its white space kept). Blank lines and lines whose first non-blank character is
    /// `#` are skipped, also between a line and its continuations; a first line that
    /// starts with white space has nothing to continue and is reported, then read as it
    /// is. White space is C's `isspace`. Postfix's readllines(3): main.cf, master.cf,
    /// postmap(1) sources.
    LeadingBlank,
    /// A line that ends with a backslash goes on on the next physical line, whatever that
    /// holds: the backslash and the white space around each piece are dropped and the
    /// pieces joined without a separator. Blank and `#` lines are skipped only where a
    /// logical line would start. White space is Unicode's. Exim's configuration files.
    TrailingBackslash,
}

/// Bounds on the work of [`logical_lines`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Longest physical line read, in bytes: the rest of a longer one is dropped, with a
    /// problem. `None`: no bound beyond the logical line's.
    pub line: Option<usize>,
    /// Longest logical line, in bytes: continuations that would make it longer are dropped,
    /// with one problem per logical line.
    pub logical: usize,
}

/// One logical line: its pieces joined by the rule, and where each piece came from.
#[derive(Debug, Default)]
pub(crate) struct Logical {
    text: String,
    /// (byte offset in `text`, line, characters before the piece on its line) per piece.
    segs: Vec<(usize, u32, u32)>,
}

impl Logical {
    /// The joined text.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The 1-based line and character column where the logical line starts (its first
    /// piece, even when that is empty).
    pub(crate) fn start(&self) -> (u32, u32) {
        self.segs
            .first()
            .map_or((1, 1), |s| (s.1, s.2.saturating_add(1)))
    }

    /// The length in bytes of the first piece (the part of [`Logical::text`] on the first
    /// physical line).
    pub(crate) fn first_len(&self) -> usize {
        self.segs.get(1).map_or(self.text.len(), |s| s.0)
    }

    /// The 1-based line and character column of byte `off` of [`Logical::text`]. An offset
    /// where a piece starts is in that piece, not at the end of an empty one before it.
    pub(crate) fn at(&self, off: usize) -> (u32, u32) {
        let i = self.segs.partition_point(|s| s.0 <= off).saturating_sub(1);
        let Some(&(start, line, before)) = self.segs.get(i) else {
            return (1, 1);
        };
        let chars = self.text.get(start..off).map_or(0, |s| s.chars().count());
        let chars = u32::try_from(chars).unwrap_or(u32::MAX);
        (line, before.saturating_add(chars).saturating_add(1))
    }

    fn begin(&mut self, line: u32, before: u32, piece: &str) {
        self.text.clear();
        self.segs.clear();
        self.add(line, before, piece);
    }

    fn add(&mut self, line: u32, before: u32, piece: &str) {
        self.segs.push((self.text.len(), line, before));
        self.text.push_str(piece);
    }
}

/// C's `isspace` in the C locale (Postfix's ISSPACE).
pub(crate) fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// The characters in `s` (a line's prefix), as a column count.
fn chars_in(s: &str) -> u32 {
    u32::try_from(s.chars().count()).unwrap_or(u32::MAX)
}

/// The largest char boundary of `s` not above `n`.
pub(crate) fn floor_boundary(s: &str, mut n: usize) -> usize {
    if n >= s.len() {
        return s.len();
    }
    while n > 0 && !s.is_char_boundary(n) {
        n -= 1;
    }
    n
}

/// Calls `each` with every logical line of `text`, joined by `rule`, within `limits`
/// (problems go to `problems`). One buffer serves every line: no allocation per line.
pub(crate) fn logical_lines(
    text: &str,
    rule: Continuation,
    limits: Limits,
    problems: &mut Problems,
    mut each: impl FnMut(&Logical, &mut Problems),
) {
    let mut cur = Logical::default();
    let mut pieces = lines(text);
    let mut open = false;
    let mut capped = false;
    while let Some(l) = pieces.next() {
        let line = bounded(l, limits, problems);
        match rule {
            Continuation::LeadingBlank => {
                let body = line.trim_start_matches(is_c_space);
                if body.is_empty() || body.starts_with('#') {
                    continue;
                }
                if body.len() < line.len() {
                    if open {
                        if cur.text.len() + line.len() > limits.logical {
                            if !capped {
                                too_long(problems, l.no, limits.logical);
                                capped = true;
                            }
                        } else {
                            cur.add(l.no, 0, line);
                        }
                        continue;
                    }
                    problems.at(
                        (l.no, 1),
                        "a line starting with white space continues the previous line, but there is none; remove the indentation".to_owned(),
                    );
                }
                if open {
                    each(&cur, problems);
                }
                open = true;
                capped = false;
                cur.begin(l.no, 0, line);
            }
            Continuation::TrailingBackslash => {
                let body = line.trim_start();
                if body.is_empty() || body.starts_with('#') {
                    continue;
                }
                let lead = chars_in(line.get(..line.len() - body.len()).unwrap_or(""));
                let body = body.trim_end();
                let mut more = body.ends_with('\\');
                cur.begin(l.no, lead, body.strip_suffix('\\').unwrap_or(body));
                capped = false;
                while more {
                    let Some(next) = pieces.next() else {
                        break;
                    };
                    let text = bounded(next, limits, problems);
                    let piece = text.trim();
                    more = piece.ends_with('\\');
                    let piece = piece.strip_suffix('\\').unwrap_or(piece);
                    if cur.text.len() + piece.len() <= limits.logical {
                        let before = text.len() - text.trim_start().len();
                        cur.add(next.no, chars_in(text.get(..before).unwrap_or("")), piece);
                    } else if !capped {
                        too_long(problems, next.no, limits.logical);
                        capped = true;
                    }
                }
                each(&cur, problems);
            }
        }
    }
    if open {
        each(&cur, problems);
    }
}

/// `l`'s text, cut to `limits.line` bytes (with a problem) when longer.
fn bounded<'t>(l: Line<'t>, limits: Limits, problems: &mut Problems) -> &'t str {
    match limits.line {
        Some(max) if l.text.len() > max => {
            problems.at(
                (l.no, 1),
                format!("line longer than {max} bytes; only its start was read"),
            );
            l.text.get(..floor_boundary(l.text, max)).unwrap_or("")
        }
        _ => l.text,
    }
}

fn too_long(problems: &mut Problems, line: u32, max: usize) {
    problems.at(
        (line, 1),
        format!("continued line longer than {max} bytes; the rest of it was not read"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mta::SyntaxProblem;

    /// (text, line and column of each piece's start) of every logical line, and the
    /// problems as (line, column, message).
    type Read = (Vec<(String, Vec<(u32, u32)>)>, Vec<(u32, u32, String)>);

    fn read(text: &str, rule: Continuation, limits: Limits) -> Read {
        let mut problems = Problems::new("f");
        let mut out = Vec::new();
        logical_lines(text, rule, limits, &mut problems, |l, _| {
            let starts = l.segs.iter().map(|s| l.at(s.0)).collect();
            out.push((l.text().to_owned(), starts));
        });
        let problems = problems
            .finish()
            .into_iter()
            .map(|SyntaxProblem { message, span }| (span.line, span.column, message))
            .collect();
        (out, problems)
    }

    const WIDE: Limits = Limits {
        line: None,
        logical: usize::MAX,
    };

    fn texts(r: &Read) -> Vec<&str> {
        r.0.iter().map(|(t, _)| t.as_str()).collect()
    }

    #[test]
    fn physical_lines_number_from_one_and_drop_one_cr() {
        let got: Vec<(u32, &str, &str)> = lines("a\r\nb\r\r\n\nc")
            .map(|l| (l.no, l.text, l.raw))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "a", "a\r"),
                (2, "b\r", "b\r\r"),
                (3, "", ""),
                (4, "c", "c")
            ]
        );
        assert_eq!(lines("x\n").count(), 2);
        assert_eq!(lines("").count(), 1);
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(column("aé€b", 0), 1);
        assert_eq!(column("aé€b", 1), 2);
        assert_eq!(column("aé€b", 3), 3);
        assert_eq!(column("aé€b", 6), 4);
        assert_eq!(column("aé€b", 7), 5);
        assert_eq!(column("aé€b", 2), 1, "inside a character: the line's start");
        assert_eq!(column("ab", 99), 1);
    }

    #[test]
    fn leading_blank_continues_and_skips_comments_between() {
        let r = read(
            "a = 1\n  2\n# note\n\n\t3\nb = é\n   # indented comment\nc\r\n  d\r\n",
            Continuation::LeadingBlank,
            WIDE,
        );
        assert_eq!(texts(&r), vec!["a = 1  2\t3", "b = é", "c  d"]);
        assert_eq!(r.0[0].1, vec![(1, 1), (2, 1), (5, 1)]);
        assert_eq!(r.0[2].1, vec![(8, 1), (9, 1)]);
        assert!(r.1.is_empty(), "{:?}", r.1);
    }

    #[test]
    fn leading_blank_first_line_indented_is_reported_and_read() {
        let r = read("  a = 1\n b\nc\n", Continuation::LeadingBlank, WIDE);
        assert_eq!(texts(&r), vec!["  a = 1 b", "c"]);
        assert_eq!(r.1.len(), 1);
        assert_eq!((r.1[0].0, r.1[0].1), (1, 1));
        assert!(r.1[0].2.contains("there is none"));
    }

    #[test]
    fn trailing_backslash_joins_trimmed_pieces() {
        let r = read(
            "  A = x \\\n    y\\\n# not a comment here\nB = é\r\n\n# c\nC = \\\n",
            Continuation::TrailingBackslash,
            WIDE,
        );
        assert_eq!(
            texts(&r),
            vec!["A = x y# not a comment here", "B = é", "C = "]
        );
        // Pieces start after their white space.
        assert_eq!(r.0[0].1, vec![(1, 3), (2, 5), (3, 1)]);
        assert!(r.1.is_empty());
    }

    #[test]
    fn offsets_map_to_lines_and_character_columns() {
        let mut problems = Problems::new("f");
        let mut seen = Vec::new();
        logical_lines(
            "é = ü\n  ç = x\n",
            Continuation::LeadingBlank,
            WIDE,
            &mut problems,
            |l, _| {
                let t = l.text();
                seen.push((l.start(), l.first_len(), l.at(t.find('ü').unwrap())));
                seen.push((l.start(), l.first_len(), l.at(t.find('x').unwrap())));
                seen.push((l.start(), l.first_len(), l.at(t.len())));
            },
        );
        assert_eq!(
            seen,
            vec![
                ((1, 1), 7, (1, 5)),
                ((1, 1), 7, (2, 7)),
                ((1, 1), 7, (2, 8))
            ]
        );
        let mut seen = Vec::new();
        logical_lines(
            "\t\tK = é \\\n\t  ü\n",
            Continuation::TrailingBackslash,
            WIDE,
            &mut problems,
            |l, _| {
                let t = l.text();
                seen.push(l.at(t.find('é').unwrap()));
                seen.push(l.at(t.find('ü').unwrap()));
            },
        );
        assert_eq!(seen, vec![(1, 7), (2, 4)]);
        // An empty first piece: the line starts on line 1, its text on line 2.
        let mut seen = Vec::new();
        logical_lines(
            "  \\\n é=1\n",
            Continuation::TrailingBackslash,
            WIDE,
            &mut problems,
            |l, _| seen.push((l.text().to_owned(), l.first_len(), l.start(), l.at(0))),
        );
        assert_eq!(seen, vec![("é=1".to_owned(), 0, (1, 3), (2, 2))]);
    }

    #[test]
    fn nul_bytes_are_text() {
        let r = read("a\0b = \0\n \0c\n", Continuation::LeadingBlank, WIDE);
        assert_eq!(texts(&r), vec!["a\0b = \0 \0c"]);
        let r = read("a\0\\\n\0", Continuation::TrailingBackslash, WIDE);
        assert_eq!(texts(&r), vec!["a\0\0"]);
    }

    #[test]
    fn very_long_lines_are_cut_with_one_problem_each() {
        let limits = Limits {
            line: Some(10),
            logical: 25,
        };
        let text = format!("{}\n  {}\n ééééééééé\n", "a".repeat(50), "b".repeat(50));
        let r = read(&text, Continuation::LeadingBlank, limits);
        // The first two lines are cut to 10 bytes; the third would pass 25 and is dropped.
        assert_eq!(
            texts(&r),
            vec![format!("{}  {}", "a".repeat(10), "b".repeat(8))]
        );
        let lines: Vec<(u32, u32)> = r.1.iter().map(|p| (p.0, p.1)).collect();
        assert_eq!(lines, vec![(1, 1), (2, 1), (3, 1), (3, 1)]);
        assert!(r.1[0].2.contains("longer than 10 bytes"));
        assert!(r.1[3].2.contains("continued line longer than 25 bytes"));
        // A cut never splits a character.
        let r = read(&"é".repeat(20), Continuation::LeadingBlank, limits);
        assert_eq!(texts(&r), vec!["ééééé"]);

        // Over the logical bound a piece is dropped, a later short one still joins.
        let limits = Limits {
            line: Some(30),
            logical: 25,
        };
        let text = format!(
            "A = aaaaaaaa\\\n{}\\\ncc\\\n{}\nshort\n",
            "b".repeat(20),
            "d".repeat(40)
        );
        let r = read(&text, Continuation::TrailingBackslash, limits);
        assert_eq!(texts(&r), vec!["A = aaaaaaaacc", "short"]);
        let lines: Vec<(u32, u32)> = r.1.iter().map(|p| (p.0, p.1)).collect();
        assert_eq!(lines, vec![(2, 1), (4, 1)]);
        assert!(r.1[0].2.contains("continued line longer than 25 bytes"));
        assert!(r.1[1].2.contains("longer than 30 bytes"));
    }

    #[test]
    fn endless_continuation_is_one_problem_and_linear() {
        let limits = Limits {
            line: Some(64 * 1024),
            logical: 1024 * 1024,
        };
        let text = format!("a = b\n{}", " c\n".repeat(1_000_000));
        let r = read(&text, Continuation::LeadingBlank, limits);
        assert_eq!(r.0.len(), 1);
        assert_eq!(r.0[0].0.len(), 1024 * 1024 - 1);
        assert_eq!(r.1.len(), 1);
        let text = "A = \\\n".repeat(1_000_000);
        let r = read(&text, Continuation::TrailingBackslash, limits);
        assert_eq!(r.0.len(), 1);
        assert_eq!(r.1.len(), 1, "{:?}", r.1);
    }
}
