//! `relayctl lint --format github`: one GitHub Actions workflow command per finding
//! (`::error file=F,line=L,col=C,title=RULE::message. Fix: ...`), which the runner turns
//! into annotations on the pull request. Suppressed findings are left out. Pure.

use std::io::{self, BufWriter, Write};

use crate::lint::{LintReport, Severity};

use super::sarif::message_and_fix;
use super::{is_control, untrusted};

/// Writes one annotation line per unsuppressed finding, in report order.
pub fn write(r: &LintReport, out: &mut dyn Write) -> io::Result<()> {
    let mut out = BufWriter::new(out);
    for file in &r.files {
        for f in file.findings.iter().filter(|f| !f.suppressed) {
            let command = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "notice",
            };
            write!(out, "::{command} ")?;
            match &f.span {
                Some(span) => write!(
                    out,
                    "file={},line={},col={},",
                    escape_property(&span.file),
                    span.line.max(1),
                    span.column.max(1)
                )?,
                // A finding about the whole file: annotate the file, no line.
                None => write!(out, "file={},", escape_property(&file.file))?,
            }
            writeln!(
                out,
                "title={}::{}",
                escape_property(&f.rule),
                escape_data(&message_and_fix(f))
            )?;
        }
    }
    out.flush()
}

/// Escapes a command's message the way the Actions runner reads it back (`%`, CR and LF
/// as `%25`, `%0D`, `%0A`, which the runner turns back into a multi-line annotation). The
/// runner decodes nothing else and the log viewer acts on ANSI sequences, so the other
/// control characters (ESC, BEL, C1...) are written visibly, as [`untrusted`] does.
fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if is_control(c) => out.push_str(&untrusted(c.encode_utf8(&mut [0; 4]))),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a property value (`file=`, `title=`): as data, plus the `:` that would end the
/// properties and the `,` that would end the value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{FileReport, Finding, HELO_DEFAULT, HELO_GENERIC, NO_RELAY, SYNTAX};
    use crate::mta::Span;

    fn finding(
        rule: &crate::lint::Rule,
        severity: Severity,
        span: Option<Span>,
        message: &str,
        suppressed: bool,
    ) -> Finding {
        let mut f = rule.finding(severity, span, message.into(), rule.fix.into());
        f.suppressed = suppressed;
        f
    }

    fn render(r: &LintReport) -> String {
        let mut out = Vec::new();
        write(r, &mut out).expect("writing to a Vec");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn one_command_per_unsuppressed_finding() {
        let r = LintReport {
            files: vec![
                FileReport {
                    file: "main.cf".into(),
                    file_type: None,
                    findings: vec![
                        finding(
                            &HELO_GENERIC,
                            Severity::Error,
                            Some(Span::new("main.cf", 3, 18)),
                            "HELO name \"localhost\" is generic",
                            false,
                        ),
                        finding(&HELO_DEFAULT, Severity::Note, None, "no HELO name", false),
                        finding(&NO_RELAY, Severity::Warning, None, "hidden", true),
                    ],
                },
                FileReport {
                    file: "mail, a:b/sendmail.mc".into(),
                    file_type: None,
                    findings: vec![finding(
                        &SYNTAX,
                        Severity::Warning,
                        Some(Span::new("mail, a:b/sendmail.mc", 0, 0)),
                        "50% done\r\nsecond line",
                        false,
                    )],
                },
            ],
        };
        let text = render(&r);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(
            lines[0],
            format!(
                "::error file=main.cf,line=3,col=18,title=helo-generic::HELO name \"localhost\" is generic. Fix: {}",
                HELO_GENERIC.fix
            )
        );
        assert_eq!(
            lines[1],
            format!(
                "::notice file=main.cf,title=helo-default::no HELO name. Fix: {}",
                HELO_DEFAULT.fix
            )
        );
        assert_eq!(
            lines[2],
            format!(
                "::warning file=mail%2C a%3Ab/sendmail.mc,line=1,col=1,title=syntax::50%25 done%0D%0Asecond line. Fix: {}",
                SYNTAX.fix
            )
        );
    }

    #[test]
    fn empty_report_writes_nothing() {
        assert_eq!(render(&LintReport::default()), "");
    }

    #[test]
    fn escapes() {
        assert_eq!(escape_data("a%0A\nb"), "a%250A%0Ab");
        assert_eq!(escape_property("x:y,z%"), "x%3Ay%2Cz%25");
        // What the runner does not decode is written visibly: no ESC, BEL or C1 in the log.
        assert_eq!(
            escape_data("a\x1b]52;c;eA==\x07\u{9b}2J\r\n::warning::x"),
            "a\\x1b]52;c;eA==\\x07\\u{9b}2J%0D%0A::warning::x"
        );
        assert_eq!(escape_property("m\x1b[2K.cf"), "m\\x1b[2K.cf");
    }
}
