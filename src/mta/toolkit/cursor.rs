//! A cursor over characters that knows its line and column, for the readers that lex
//! character by character (m4, sh, smtpd.conf, PowerShell).

/// A place in a text: byte offset, 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    pub at: usize,
    pub line: u32,
    pub column: u32,
}

impl Pos {
    /// (line, column).
    pub(crate) fn line_column(self) -> (u32, u32) {
        (self.line, self.column)
    }
}

/// Walks a text (or a part of it) one character at a time, counting lines and columns.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'t> {
    text: &'t str,
    end: usize,
    pos: Pos,
}

impl<'t> Cursor<'t> {
    /// At the start of `text`.
    pub(crate) fn new(text: &'t str) -> Cursor<'t> {
        Cursor {
            text,
            end: text.len(),
            pos: Pos {
                at: 0,
                line: 1,
                column: 1,
            },
        }
    }

    /// Over the part of `text` from `from` (found by an earlier cursor over it) to byte
    /// `end`.
    pub(crate) fn part(text: &'t str, from: Pos, end: usize) -> Cursor<'t> {
        Cursor {
            text,
            end: end.min(text.len()),
            pos: from,
        }
    }

    /// The whole text (not only the part walked).
    pub(crate) fn text(&self) -> &'t str {
        self.text
    }

    /// Where the cursor is.
    pub(crate) fn pos(&self) -> Pos {
        self.pos
    }

    /// The text from the cursor to the end of the part.
    pub(crate) fn rest(&self) -> &'t str {
        self.text.get(self.pos.at..self.end).unwrap_or("")
    }

    /// The text from byte `start` to the cursor.
    pub(crate) fn since(&self, start: usize) -> &'t str {
        self.text.get(start..self.pos.at).unwrap_or("")
    }

    /// The next character, not consumed.
    pub(crate) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// Consumes the next character.
    pub(crate) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos.at += c.len_utf8();
        if c == '\n' {
            self.pos.line = self.pos.line.saturating_add(1);
            self.pos.column = 1;
        } else {
            self.pos.column = self.pos.column.saturating_add(1);
        }
        Some(c)
    }

    /// Skips to the end of the line, not past its newline: in one step, not a character
    /// at a time (megabytes of one line stay quick).
    pub(crate) fn skip_line(&mut self) {
        let n = self.rest().find('\n').unwrap_or(self.rest().len());
        self.skip(n);
    }

    /// Skips `n` bytes (fewer when the part ends first; to the character boundary below),
    /// counting the lines and columns they hold.
    pub(crate) fn skip(&mut self, n: usize) {
        let rest = self.rest();
        let mut n = n.min(rest.len());
        while n > 0 && !rest.is_char_boundary(n) {
            n -= 1;
        }
        let chunk = rest.get(..n).unwrap_or("");
        let count = |s: &str| u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
        match chunk.rfind('\n') {
            Some(last) => {
                let lines = u32::try_from(chunk.matches('\n').count()).unwrap_or(u32::MAX);
                self.pos.line = self.pos.line.saturating_add(lines);
                let after = count(chunk.get(last + 1..).unwrap_or(""));
                self.pos.column = after.saturating_add(1);
            }
            None => self.pos.column = self.pos.column.saturating_add(count(chunk)),
        }
        self.pos.at += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(c: &Cursor<'_>) -> (usize, u32, u32) {
        let p = c.pos();
        (p.at, p.line, p.column)
    }

    #[test]
    fn bump_counts_lines_and_character_columns() {
        let mut c = Cursor::new("é\nab\r\nx");
        assert_eq!(c.bump(), Some('é'));
        assert_eq!(at(&c), (2, 1, 2));
        assert_eq!(c.bump(), Some('\n'));
        assert_eq!(at(&c), (3, 2, 1));
        c.bump();
        c.bump();
        assert_eq!(c.bump(), Some('\r'), "a CR is a character like any other");
        assert_eq!(at(&c), (6, 2, 4));
        c.bump();
        assert_eq!(at(&c), (7, 3, 1));
        assert_eq!(c.peek(), Some('x'));
        c.bump();
        assert_eq!((c.peek(), c.bump()), (None, None));
        assert_eq!(at(&c), (8, 3, 2));
    }

    #[test]
    fn skip_is_bump_many_times() {
        let text = "aé\u{0}\nb\n\ncdé€\nlast";
        for n in 0..=text.len() + 2 {
            let mut by_bump = Cursor::new(text);
            while by_bump.pos().at < n.min(text.len()) && by_bump.bump().is_some() {}
            let mut by_skip = Cursor::new(text);
            by_skip.skip(n);
            if text.is_char_boundary(n.min(text.len())) {
                assert_eq!(at(&by_skip), at(&by_bump), "{n}");
            }
            assert!(text.is_char_boundary(by_skip.pos().at), "{n}");
        }
        let mut c = Cursor::new("abc\ndef");
        c.skip_line();
        assert_eq!((at(&c), c.peek()), ((3, 1, 4), Some('\n')));
        c.bump();
        c.skip_line();
        assert_eq!((at(&c), c.peek()), ((7, 2, 4), None));
    }

    #[test]
    fn a_part_ends_where_it_is_told() {
        let text = "ab`cd'ef";
        let mut c = Cursor::new(text);
        c.bump();
        c.bump();
        c.bump();
        let mut inner = Cursor::part(text, c.pos(), 5);
        assert_eq!(inner.rest(), "cd");
        inner.bump();
        inner.bump();
        assert_eq!(inner.bump(), None);
        assert_eq!(inner.since(3), "cd");
        assert_eq!(inner.text(), text);
        let far = Cursor::part(text, c.pos(), 1_000);
        assert_eq!(far.rest(), "cd'ef");
    }

    #[test]
    fn very_long_lines_and_nul_bytes() {
        let line = format!("{}\0{}", "x".repeat(1 << 20), "é".repeat(1 << 10));
        let text = format!("{line}\nnext");
        let mut c = Cursor::new(&text);
        c.skip_line();
        assert_eq!(at(&c), (line.len(), 1, (1 << 20) + 1 + (1 << 10) + 1));
        c.bump();
        assert_eq!(c.rest(), "next");
    }
}
