//! The line reader of `check cidr`: bytes from any `BufRead`, cut into lines of which at
//! most [`MAX_LINE_BYTES`] are kept, with the caps that keep a hostile input cheap. A NUL
//! byte stops the read at once (a binary file, seen in the first buffer that holds it, even
//! inside an endless line such as /dev/zero's), and so do a UTF-16 byte-order mark, more
//! than [`MAX_INPUT_BYTES`] and more lines than a `u32` counts. It knows nothing of ranges:
//! each line goes to the caller's callback.

use std::io::{self, BufRead};

use super::messages::{human_bytes, thousands};

/// The longest line kept, in bytes. A range with a description fits many times over; the
/// rest of a longer line is skipped without being stored, so a 100 MB line costs 4 KiB.
pub const MAX_LINE_BYTES: usize = 4096;

/// The most bytes read from one list (file or stdin): 256 MiB. A list of 1,000,000 entries
/// (bench/cidr.sh) is about 18 MB, so this is some fourteen times that; an input that never
/// ends (`yes 203.0.113.0/24 | relayctl check cidr -`) stops here with an error instead of
/// growing without bound.
pub const MAX_INPUT_BYTES: u64 = 256 << 20;

/// Why a list could not be read at all (the command turns it into exit code 3).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The reader failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// A NUL byte: a binary file, not a list of ranges.
    #[error("line {line}: a NUL byte; this is a binary file, not a list of ranges")]
    Binary { line: u64 },
    /// A UTF-16 byte-order mark (a "Unicode text" export).
    #[error("UTF-16 text; save it as UTF-8 (iconv -f UTF-16 -t UTF-8)")]
    Utf16,
    /// More lines than line numbers are kept for.
    #[error("more than {} lines; not a list of ranges", u32::MAX)]
    TooManyLines,
    /// More than [`MAX_INPUT_BYTES`] (or the checker's own cap): an endless input.
    #[error(
        "more than {} ({} bytes), the most check cidr reads from one input; is this a list of ranges?",
        human_bytes(*max),
        thousands(u128::from(*max))
    )]
    TooLarge { max: u64 },
}

/// The bytes [`super::Checker::read_list`] reads from one input at most.
#[derive(Debug, Clone, Copy)]
pub(super) struct InputCap(pub(super) u64);

impl Default for InputCap {
    fn default() -> InputCap {
        InputCap(MAX_INPUT_BYTES)
    }
}

/// One line as the reader hands it on (without its `\n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Line<'a> {
    /// Its bytes, at most [`MAX_LINE_BYTES`] (a `\r` before the `\n` is one of them).
    Text(&'a [u8]),
    /// Longer than [`MAX_LINE_BYTES`]: how many bytes it had. Its bytes are not kept.
    TooLong(u64),
}

impl Line<'_> {
    /// The line whose first bytes are `kept` and whose length is `total`.
    fn new(kept: &[u8], total: u64) -> Line<'_> {
        if total > MAX_LINE_BYTES as u64 {
            Line::TooLong(total)
        } else {
            Line::Text(kept)
        }
    }
}

/// Reads `input` to its end, handing every line with its 1-based number to `on_line`; a last
/// line without `\n` counts. A line that is whole in the reader's buffer is handed on
/// without a copy; one that spans buffers is gathered, up to [`MAX_LINE_BYTES`] + 1 bytes.
/// Stops with an error on an I/O error, a NUL byte, UTF-16, more than `cap` bytes or more
/// than `u32::MAX` lines.
pub(super) fn read_lines<R: BufRead>(
    mut input: R,
    cap: u64,
    mut on_line: impl FnMut(u64, Line<'_>),
) -> Result<(), ReadError> {
    let mut line_no: u64 = 0;
    let mut read: u64 = 0;
    let mut kept: Vec<u8> = Vec::new();
    let mut skipped: u64 = 0;
    let mut partial = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if chunk.is_empty() {
            if partial {
                line_no = next_line(line_no)?;
                on_line(line_no, Line::new(&kept, kept.len() as u64 + skipped));
            }
            return Ok(());
        }
        if line_no == 0
            && !partial
            && (chunk.starts_with(b"\xff\xfe") || chunk.starts_with(b"\xfe\xff"))
        {
            return Err(ReadError::Utf16);
        }
        let (piece, used, ends) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], i + 1, true),
            None => (chunk, chunk.len(), false),
        };
        read += used as u64;
        if read > cap {
            return Err(ReadError::TooLarge { max: cap });
        }
        if piece.contains(&0) {
            // Checked here, not when the line ends: a line of NULs may never end.
            return Err(ReadError::Binary { line: line_no + 1 });
        }
        if ends && !partial {
            // The whole line is in the buffer: no copy.
            line_no = next_line(line_no)?;
            on_line(line_no, Line::new(piece, piece.len() as u64));
        } else {
            let room = MAX_LINE_BYTES + 1 - kept.len().min(MAX_LINE_BYTES + 1);
            let take = room.min(piece.len());
            kept.extend_from_slice(&piece[..take]);
            skipped += (piece.len() - take) as u64;
            partial = true;
            if ends {
                line_no = next_line(line_no)?;
                on_line(line_no, Line::new(&kept, kept.len() as u64 + skipped));
                kept.clear();
                skipped = 0;
                partial = false;
            }
        }
        input.consume(used);
    }
}

/// The number of the line after `line_no`, while it fits the `u32` findings keep.
fn next_line(line_no: u64) -> Result<u64, ReadError> {
    let n = line_no + 1;
    if n > u64::from(u32::MAX) {
        Err(ReadError::TooManyLines)
    } else {
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{canon, rules};
    use super::super::{Checker, Options, Severity};
    use super::*;

    /// An endless input: `line` over and over, as `yes LINE` writes it.
    struct Yes {
        line: &'static [u8],
        at: usize,
    }

    impl io::Read for Yes {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            for b in buf.iter_mut() {
                *b = self.line[self.at];
                self.at = (self.at + 1) % self.line.len();
            }
            Ok(buf.len())
        }
    }

    fn read_endless(line: &'static [u8], cap: u64) -> Result<(), ReadError> {
        let mut c = Checker::new(Options::default());
        c.input_cap = InputCap(cap);
        let src = c.source("stdin");
        c.read_list(src, io::BufReader::new(Yes { line, at: 0 }))
    }

    #[test]
    fn nul_bytes_stop_the_read_at_once_even_in_an_endless_line() {
        // /dev/zero: one line of NULs that never ends. Before, the NUL check waited for
        // the end of the line and the read ran for ever; the cap is set far beyond what
        // the test could read, so only the NUL check can end it.
        let e = read_endless(b"\0", u64::MAX).unwrap_err();
        assert!(matches!(e, ReadError::Binary { line: 1 }), "{e:?}");
        // A NUL after a long run of text in the same line, and in a long line that ends.
        let mut c = Checker::new(Options::default());
        let src = c.source("list");
        let mut list = b"203.0.114.0/28\n".to_vec();
        list.extend(std::iter::repeat_n(b'x', 3 * MAX_LINE_BYTES));
        list.extend(b"\0\n203.0.114.16/28\n");
        let e = c.read_list(src, &list[..]).unwrap_err();
        assert!(matches!(e, ReadError::Binary { line: 2 }), "{e:?}");
        let e = read_endless(b"203.0.114.0/28\n\0", u64::MAX).unwrap_err();
        assert!(matches!(e, ReadError::Binary { line: 2 }), "{e:?}");
    }

    #[test]
    fn an_endless_input_is_cut_at_the_cap() {
        for line in [&b"203.0.113.0/24\n"[..], b"\n", b"x"] {
            let e = read_endless(line, 1 << 20).unwrap_err();
            assert!(
                matches!(e, ReadError::TooLarge { max } if max == 1 << 20),
                "{e:?}"
            );
        }
        assert_eq!(
            ReadError::TooLarge { max: MAX_INPUT_BYTES }.to_string(),
            "more than 256 MiB (268,435,456 bytes), the most check cidr reads from one input; is this a list of ranges?"
        );
        // An input of exactly the cap is read whole.
        let mut c = Checker::new(Options::default());
        c.input_cap = InputCap(15 * 1000);
        let src = c.source("list");
        let list = b"203.0.114.0/28\n".repeat(1000);
        c.read_list(src, &list[..]).unwrap();
        assert_eq!(c.finish().entries(), 1000);
    }

    #[test]
    fn bad_bytes_are_findings_or_one_clear_error() {
        let mut c = Checker::new(Options::default());
        let src = c.source("list");
        let mut input = b"203.0.114.0/28\n\xff\xfe garbage\n".to_vec();
        input.extend(vec![b'x'; 1 << 20]);
        input.extend(b"\n198.51.101.7\n198.51.101.9 B\xfcro (Latin-1)\nno newline at the end");
        c.read_list(src, &input[..]).unwrap();
        let r = c.finish();
        assert_eq!(
            rules(&r),
            [
                ("not-utf8", Some(2)),
                ("syntax", Some(2)),
                ("line-too-long", Some(3)),
                ("not-utf8", Some(5)),
                ("syntax", Some(6))
            ]
        );
        let f: Vec<_> = r.findings().collect();
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(f[2].message.contains("1,048,576 bytes"), "{}", f[2].message);
        assert_eq!(
            canon(&r),
            ["198.51.101.7/32", "198.51.101.9/32", "203.0.114.0/28"],
            "the Latin-1 line's range is checked"
        );

        let mut c = Checker::new(Options::default());
        let src = c.source("list");
        let e = c
            .read_list(src, &b"203.0.114.0/28\n\x7fELF\x02\x01\x01\x00\x00"[..])
            .unwrap_err();
        assert!(matches!(e, ReadError::Binary { line: 2 }), "{e}");
        let e = c
            .read_list(src, &b"\xff\xfe2\x000\x003\x00"[..])
            .unwrap_err();
        assert!(matches!(e, ReadError::Utf16), "{e}");
    }

    #[test]
    fn long_lines_across_reads_are_bounded() {
        // A reader that hands out 7 bytes at a time: lines span many fill_buf calls.
        let mut data = b"203.0.114.0/28\n".to_vec();
        data.extend(vec![b'1'; MAX_LINE_BYTES * 3]);
        data.extend(b"\n198.51.101.7\n");
        data.extend(vec![b'2'; MAX_LINE_BYTES]);
        data.extend(b"\n");
        let reader = io::BufReader::with_capacity(7, &data[..]);
        let mut c = Checker::new(Options::default());
        let src = c.source("list");
        c.read_list(src, reader).unwrap();
        let r = c.finish();
        assert_eq!(
            rules(&r),
            [("line-too-long", Some(2)), ("syntax", Some(4))],
            "a line of exactly MAX_LINE_BYTES is read"
        );
        assert_eq!(r.canonical_len(), 2);
    }
}
