//! The problems of one file, capped.

use super::super::{Span, SyntaxProblem};

/// Problems kept per file; garbage would otherwise give millions. The rest are only
/// counted, in one last problem.
pub const MAX_PROBLEMS: usize = 100;

/// The syntax problems of one file: the first [`MAX_PROBLEMS`] kept, the others counted.
/// [`Problems::finish`] adds "N more problems in this file not shown", at the line of the
/// last one dropped.
#[derive(Debug)]
pub(crate) struct Problems {
    file: String,
    list: Vec<SyntaxProblem>,
    dropped: usize,
    last_dropped_line: u32,
}

impl Problems {
    /// No problems yet in `file` (the name spans carry).
    pub(crate) fn new(file: &str) -> Problems {
        Problems {
            file: file.to_owned(),
            list: Vec::new(),
            dropped: 0,
            last_dropped_line: 1,
        }
    }

    /// A problem at (line, column) of the file.
    pub(crate) fn at(&mut self, at: (u32, u32), message: String) {
        self.at_with(at, || message);
    }

    /// [`Problems::at`], building the message only when it will be kept: garbage gives a
    /// problem per line, and most are only counted.
    pub(crate) fn at_with(&mut self, (line, column): (u32, u32), message: impl FnOnce() -> String) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(SyntaxProblem {
                message: message(),
                span: Span::new(&self.file, line, column),
            });
        } else {
            self.dropped += 1;
            self.last_dropped_line = line;
        }
    }

    /// A problem at `span`, a place in this file found earlier.
    pub(crate) fn push(&mut self, span: Span, message: String) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(SyntaxProblem { message, span });
        } else {
            self.dropped += 1;
            self.last_dropped_line = span.line;
        }
    }

    /// The problems, and the count of those not kept as one more.
    pub(crate) fn finish(mut self) -> Vec<SyntaxProblem> {
        if self.dropped > 0 {
            self.list.push(SyntaxProblem {
                message: format!("{} more problems in this file not shown", self.dropped),
                span: Span::new(&self.file, self.last_dropped_line, 1),
            });
        }
        self.list
    }

    /// [`Problems::finish`] onto the end of `out`.
    pub(crate) fn finish_into(self, out: &mut Vec<SyntaxProblem>) {
        out.extend(self.finish());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(p: &[SyntaxProblem]) -> Vec<(String, u32, u32)> {
        p.iter()
            .map(|s| (s.span.file.clone(), s.span.line, s.span.column))
            .collect()
    }

    #[test]
    fn under_the_cap_nothing_is_added() {
        let mut p = Problems::new("f");
        p.at((3, 4), "a".to_owned());
        p.push(Span::new("f", 5, 6), "b".to_owned());
        let got = p.finish();
        assert_eq!(
            spans(&got),
            vec![("f".to_owned(), 3, 4), ("f".to_owned(), 5, 6)]
        );
        assert_eq!(got[0].message, "a");
        assert_eq!(got[1].message, "b");
        assert!(Problems::new("f").finish().is_empty());
    }

    #[test]
    fn exactly_the_cap_has_no_summary() {
        let mut p = Problems::new("f");
        for i in 0..MAX_PROBLEMS {
            p.at((u32::try_from(i + 1).unwrap(), 1), format!("p{i}"));
        }
        let got = p.finish();
        assert_eq!(got.len(), MAX_PROBLEMS);
        assert_eq!(got[MAX_PROBLEMS - 1].message, "p99");
    }

    #[test]
    fn over_the_cap_one_summary_at_the_last_dropped_line() {
        let mut p = Problems::new("main.cf");
        for i in 0..10_000u32 {
            p.at((i + 1, 7), format!("p{i}"));
        }
        let got = p.finish();
        assert_eq!(got.len(), MAX_PROBLEMS + 1);
        assert_eq!(got[MAX_PROBLEMS - 1].message, "p99");
        let last = &got[MAX_PROBLEMS];
        assert_eq!(last.message, "9900 more problems in this file not shown");
        assert_eq!(last.span, Span::new("main.cf", 10_000, 1));
        // One over: the count is 1, the line that one's.
        let mut p = Problems::new("f");
        for _ in 0..MAX_PROBLEMS {
            p.at((1, 2), String::new());
        }
        p.push(Span::new("f", 42, 9), String::new());
        let got = p.finish();
        assert_eq!(
            got[MAX_PROBLEMS].message,
            "1 more problems in this file not shown"
        );
        assert_eq!(got[MAX_PROBLEMS].span, Span::new("f", 42, 1));
    }

    #[test]
    fn messages_of_dropped_problems_are_never_built() {
        let mut p = Problems::new("f");
        let mut built = 0;
        for _ in 0..1000 {
            p.at_with((1, 1), || {
                built += 1;
                String::new()
            });
        }
        assert_eq!(built, MAX_PROBLEMS);
        let mut out = vec![SyntaxProblem {
            message: "before".to_owned(),
            span: Span::new("g", 1, 1),
        }];
        p.finish_into(&mut out);
        assert_eq!(out.len(), MAX_PROBLEMS + 2);
        assert_eq!(out[0].message, "before");
    }
}
