//! Command-line usage errors as relayctl prints them: clap finds them, this module words
//! them so the first line stands alone (`relayctl: unknown subcommand 'chek' (did you mean
//! 'check'?)`), like every other relayctl error. Clap's usage line and "For more
//! information" hint follow on later lines. `--help` and `--version` are left to clap.

use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::exit::ExitStatus;

/// Prints a clap error the way relayctl does and returns the process exit code: help and
/// version on stdout (0) as clap prints them; usage errors on stderr (2) through
/// [`usage_message`].
pub fn report(e: &clap::Error) -> u8 {
    if !e.use_stderr() {
        let _ = e.print();
        return ExitStatus::Ok.code();
    }
    use std::io::Write;
    let _ = std::io::stderr().write_all(usage_message(e).as_bytes());
    ExitStatus::Usage.code()
}

/// The text of a usage error: a self-sufficient first line `relayctl: <what> (did you mean
/// 'x'?)`, then clap's remaining lines (other tips, usage, the `--help` hint). Plain text:
/// no colour codes.
pub fn usage_message(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        // clap shows the help of a command run without its subcommand; say so first.
        return format!("relayctl: {}\n\n{rendered}", missing_subcommand(&rendered));
    }
    let mut lines = rendered.lines();
    let first = lines.next().unwrap_or_default();
    let mut what = reworded(e).unwrap_or_else(|| {
        first
            .strip_prefix("error: ")
            .unwrap_or(first)
            .trim()
            .to_owned()
    });
    // The indented lines right under the first (the missing arguments, the possible
    // values) belong to it: fold them in.
    let mut continuation = Vec::new();
    let mut rest: Vec<&str> = Vec::new();
    for line in lines.by_ref() {
        if line.trim().is_empty() {
            rest.push(line);
            break;
        }
        continuation.push(line.trim());
    }
    let mut possible = None;
    let mut listed = Vec::new();
    for c in continuation {
        match c
            .strip_prefix("[possible values: ")
            .and_then(|v| v.strip_suffix(']'))
        {
            Some(values) => possible = Some(values.to_owned()),
            None => listed.push(c),
        }
    }
    if !listed.is_empty() {
        if what.ends_with(':') {
            what.push(' ');
            what.push_str(&listed.join(", "));
        } else {
            what.push_str(": ");
            what.push_str(&listed.join("; "));
        }
    }
    let suggestions = suggestions(e);
    if !suggestions.is_empty() {
        let quoted: Vec<String> = suggestions.iter().map(|s| format!("'{s}'")).collect();
        what.push_str(&format!(" (did you mean {}?)", quoted.join(" or ")));
    }
    if let Some(values) = possible {
        what.push_str(&format!("; possible values: {values}"));
    }
    // The rest of clap's text, without the "a similar ... exists" tips now in line one.
    for line in lines {
        let tip = line.trim_start();
        if !suggestions.is_empty()
            && (tip.starts_with("tip: a similar ") || tip.starts_with("tip: some similar "))
        {
            continue;
        }
        rest.push(line);
    }
    let mut rest = rest.join("\n");
    // Two blank lines where a tip was dropped become one.
    while rest.contains("\n\n\n") {
        rest = rest.replace("\n\n\n", "\n\n");
    }
    let rest = rest.trim_matches('\n');
    if rest.is_empty() {
        format!("relayctl: {what}\n")
    } else {
        format!("relayctl: {what}\n\n{rest}\n")
    }
}

/// Clearer wording than clap's for the commonest slips (a misspelt subcommand or flag).
fn reworded(e: &clap::Error) -> Option<String> {
    match e.kind() {
        ErrorKind::InvalidSubcommand => match e.get(ContextKind::InvalidSubcommand)? {
            ContextValue::String(s) => Some(format!("unknown subcommand '{s}'")),
            _ => None,
        },
        ErrorKind::UnknownArgument => match e.get(ContextKind::InvalidArg)? {
            ContextValue::String(s) if s.starts_with('-') => Some(format!("unknown flag '{s}'")),
            ContextValue::String(s) => Some(format!("unexpected argument '{s}'")),
            _ => None,
        },
        _ => None,
    }
}

/// clap's "did you mean" candidates: similar subcommands, flags or values.
fn suggestions(e: &clap::Error) -> Vec<String> {
    let mut out = Vec::new();
    for kind in [
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedArg,
        ContextKind::SuggestedValue,
    ] {
        match e.get(kind) {
            Some(ContextValue::String(s)) => out.push(s.clone()),
            Some(ContextValue::Strings(v)) => out.extend(v.iter().cloned()),
            _ => {}
        }
    }
    out
}

/// "'relayctl check' needs a subcommand: cidr, helo", from the help clap shows when a
/// command is run without its subcommand (its `Usage:` line names the command).
fn missing_subcommand(help: &str) -> String {
    let usage = help
        .lines()
        .find_map(|l| l.trim().strip_prefix("Usage: "))
        .unwrap_or("relayctl <COMMAND>");
    let words: Vec<&str> = usage
        .split_whitespace()
        .take_while(|w| !w.starts_with('<') && !w.starts_with('['))
        .collect();
    let mut cmd = crate::cli::command();
    for w in words.iter().skip(1) {
        match cmd.find_subcommand(w) {
            Some(sub) => cmd = sub.clone(),
            None => break,
        }
    }
    let subs: Vec<&str> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name())
        .collect();
    format!(
        "'{}' needs a subcommand: {}",
        words.join(" "),
        subs.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(args: &[&str]) -> String {
        let mut argv = vec!["relayctl"];
        argv.extend_from_slice(args);
        let e = crate::cli::command()
            .try_get_matches_from(argv)
            .expect_err("a usage error");
        assert!(e.use_stderr(), "{args:?} is an error, not help");
        usage_message(&e)
    }

    fn first_line(args: &[&str]) -> String {
        message(args).lines().next().unwrap_or_default().to_owned()
    }

    #[test]
    fn unknown_subcommand_names_the_suggestion_on_line_one() {
        assert_eq!(
            first_line(&["chek"]),
            "relayctl: unknown subcommand 'chek' (did you mean 'check'?)"
        );
        let m = message(&["chek"]);
        assert!(m.contains("Usage: relayctl [OPTIONS] <COMMAND>"), "{m}");
        assert!(m.contains("For more information, try '--help'."), "{m}");
        assert!(
            !m.contains("tip: a similar"),
            "the tip is not repeated: {m}"
        );
        assert!(!m.contains("\n\n\n"), "{m}");
    }

    #[test]
    fn unknown_flag_is_one_line() {
        assert_eq!(
            first_line(&["gen", "--bogus"]),
            "relayctl: unknown flag '--bogus'"
        );
        assert_eq!(
            first_line(&["gen", "postfix", "--prot", "587"]),
            "relayctl: unknown flag '--prot' (did you mean '--port'?)"
        );
        assert_eq!(
            first_line(&["gen", "postfix", "extra"]),
            "relayctl: unexpected argument 'extra'"
        );
    }

    #[test]
    fn missing_and_invalid_values_are_one_line() {
        assert_eq!(
            first_line(&["gen", "--port"]),
            "relayctl: a value is required for '--port <PORT>' but none was supplied"
        );
        let l = first_line(&["gen", "postfix", "--port", "x"]);
        assert!(
            l.starts_with("relayctl: invalid value 'x' for '--port <PORT>': port \"x\""),
            "{l}"
        );
        let l = first_line(&["gen", "postfx"]);
        assert!(
            l.starts_with(
                "relayctl: invalid value 'postfx' for '[TARGET]' (did you mean 'postfix'?); \
                 possible values: postfix, sendmail,"
            ),
            "{l}"
        );
        assert!(l.ends_with("console"), "{l}");
    }

    #[test]
    fn missing_required_arguments_are_listed_on_line_one() {
        assert_eq!(
            first_line(&["send-test"]),
            "relayctl: the following required arguments were not provided: \
             --from <ADDR>, --to <ADDR>"
        );
        assert_eq!(
            first_line(&["probe", "--ipv4", "--ipv6"]),
            "relayctl: the argument '--ipv4' cannot be used with '--ipv6'"
        );
    }

    #[test]
    fn a_missing_subcommand_is_said_before_the_help() {
        assert_eq!(
            first_line(&[]),
            "relayctl: 'relayctl' needs a subcommand: init, gen, check, probe, send-test, \
             explain, lint, sim, completions"
        );
        let m = message(&["check"]);
        assert!(
            m.starts_with("relayctl: 'relayctl check' needs a subcommand: cidr, helo\n\n"),
            "{m}"
        );
        assert!(
            m.contains("Usage: relayctl check [OPTIONS] <COMMAND>"),
            "{m}"
        );
    }

    #[test]
    fn no_line_starts_with_clap_error_prefix() {
        for args in [
            &["chek"][..],
            &["gen", "--bogus"],
            &["gen", "postfx"],
            &["send-test"],
        ] {
            let m = message(args);
            assert!(!m.contains("error: "), "{args:?}: {m}");
            assert!(!m.contains('\u{1b}'), "{args:?}: no colour codes: {m}");
        }
    }
}
