//! `.env` files (`KEY=VALUE` lines, as docker compose and `docker run --env-file` read
//! them): `export` in front, `#` comments (after white space on an unquoted value too),
//! `'single'` quotes taken as written, `"double"` quotes with `\n`, `\"`, `\\` escapes and
//! `${VAR}` interpolation from the lines above (and `${VAR:-default}`), a value running
//! over several lines inside double quotes. The variables are then read as the
//! environment of the known image they belong to ([`super::images`]). Pure and bounded.

use super::images::{self, Env, EnvValue};
use super::toolkit::{floor_boundary, lines, Problems};
use super::{Beside, ObservedPlan, SourceFile, Span};

/// Variables kept per file.
const MAX_VARS: usize = 10_000;
/// Characters kept per value.
const MAX_VALUE: usize = 64 * 1024;
/// Lines one double-quoted value may run over.
const MAX_VALUE_LINES: usize = 1000;

/// One variable in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Var {
    pub name: String,
    pub value: EnvValue,
}

/// Reads a `.env` file's variables (the problems of lines that are not `KEY=VALUE` go to
/// `problems`), interpolating `${VAR}` from `outer` and the lines above.
pub(crate) fn parse(file: &SourceFile, outer: &Env, problems: &mut Problems) -> Vec<Var> {
    let mut out: Vec<Var> = Vec::new();
    let mut known: Env = outer.clone();
    let all: Vec<_> = lines(&file.text).collect();
    let mut i = 0usize;
    while let Some(l) = all.get(i) {
        i += 1;
        let text = l.text;
        let body = text.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let lead = text.len() - body.len();
        let body = body
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(body);
        let name_len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
            .unwrap_or(body.len());
        let name = body.get(..name_len).unwrap_or("");
        let after = body.get(name_len..).unwrap_or("").trim_start();
        let column = |off: usize| {
            u32::try_from(text.get(..off).map_or(0, |s| s.chars().count()) + 1).unwrap_or(u32::MAX)
        };
        if name.is_empty() || !(after.is_empty() || after.starts_with('=')) {
            problems.at_with((l.no, column(lead)), || {
                format!(
                    "not a `KEY=VALUE` line: {:?}",
                    body.chars().take(40).collect::<String>()
                )
            });
            continue;
        }
        let Some(raw) = after.strip_prefix('=') else {
            // `KEY` alone takes the value from the shell: an open value.
            let shown = format!("${{{name}}}");
            let span = Span::new(&file.name, l.no, column(lead));
            push(
                &mut out,
                &mut known,
                name,
                EnvValue {
                    value: shown.clone(),
                    span,
                    open: vec![(shown, None)],
                },
            );
            continue;
        };
        let raw = raw.trim_start();
        let value_off = text.len() - raw.len();
        let span = Span::new(&file.name, l.no, column(value_off));
        let mut open = Vec::new();
        let value = if let Some(q) = raw.strip_prefix('\'') {
            match q.find('\'') {
                Some(end) => q.get(..end).unwrap_or("").to_owned(),
                None => {
                    problems.at(
                        (l.no, column(value_off)),
                        "a single quote is not closed".into(),
                    );
                    q.to_owned()
                }
            }
        } else if let Some(q) = raw.strip_prefix('"') {
            // A double-quoted value may go on over the next lines.
            let mut joined = q.to_owned();
            let mut closed = closing_quote(&joined);
            let mut extra = 0usize;
            while closed.is_none() && extra < MAX_VALUE_LINES {
                let Some(next) = all.get(i) else { break };
                i += 1;
                extra += 1;
                if joined.len() < MAX_VALUE {
                    joined.push('\n');
                    joined.push_str(next.text);
                }
                closed = closing_quote(&joined);
            }
            let inner = match closed {
                Some(end) => joined.get(..end).unwrap_or(""),
                None => {
                    problems.at(
                        (l.no, column(value_off)),
                        "a double quote is not closed".into(),
                    );
                    joined.as_str()
                }
            };
            let unescaped = unescape(inner);
            interpolate(&unescaped, &known, &mut open)
        } else {
            // Unquoted: a comment starts at ` #`.
            let v = match raw.find(" #").or_else(|| raw.find("\t#")) {
                Some(c) => raw.get(..c).unwrap_or(""),
                None => raw,
            };
            interpolate(v.trim_end(), &known, &mut open)
        };
        let value = value
            .get(..floor_boundary(&value, MAX_VALUE))
            .unwrap_or("")
            .to_owned();
        push(&mut out, &mut known, name, EnvValue { value, span, open });
    }
    out
}

fn push(out: &mut Vec<Var>, known: &mut Env, name: &str, value: EnvValue) {
    if out.len() >= MAX_VARS {
        return;
    }
    known.insert(name.to_owned(), value.clone());
    out.push(Var {
        name: name.to_owned(),
        value,
    });
}

/// The byte offset of the first unescaped `"` in `s`.
fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

/// `\n`, `\t`, `\"`, `\\` and `\$` in a double-quoted value.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(e @ ('"' | '\\')) => out.push(e),
            // Kept escaped: interpolation must not expand it.
            Some('$') => out.push_str("$$"),
            Some(e) => {
                out.push('\\');
                out.push(e);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Compose's interpolation: `$$` is a `$`; `${VAR}`, `$VAR`, `${VAR:-d}`, `${VAR-d}`,
/// `${VAR:?e}`, `${VAR?e}`, `${VAR:+r}`, `${VAR+r}` from `known`; an unknown variable is
/// kept as written and recorded in `open` (with the default taken, if any).
pub(crate) fn interpolate(
    s: &str,
    known: &Env,
    open: &mut Vec<(String, Option<String>)>,
) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('$') {
        out.push_str(rest.get(..at).unwrap_or(""));
        let after = rest.get(at + 1..).unwrap_or("");
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
            continue;
        }
        if let Some(inner_start) = after.strip_prefix('{') {
            let Some(end) = matching_brace(inner_start) else {
                out.push_str(rest.get(at..).unwrap_or(""));
                return out;
            };
            let inner = inner_start.get(..end).unwrap_or("");
            let raw = format!("${{{inner}}}");
            let name_len = inner
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(inner.len());
            let name = inner.get(..name_len).unwrap_or("");
            let op = inner.get(name_len..).unwrap_or("");
            let value = known.get(name).map(|v| (v.value.clone(), v.open.clone()));
            let colon = op.starts_with(':');
            let set = value.as_ref().is_some_and(|v| !colon || !v.0.is_empty());
            let word = op.trim_start_matches(':');
            let word = word.get(1..).unwrap_or("");
            match op.trim_start_matches(':').chars().next() {
                None => match value {
                    Some((v, o)) => {
                        out.push_str(&v);
                        extend(open, o);
                    }
                    None => {
                        out.push_str(&raw);
                        extend(open, vec![(raw.clone(), None)]);
                    }
                },
                Some('-') => {
                    if set {
                        let (v, o) = value.unwrap_or_default();
                        out.push_str(&v);
                        extend(open, o);
                    } else {
                        let d = interpolate(word, known, open);
                        out.push_str(&d);
                        extend(open, vec![(raw.clone(), Some(d))]);
                    }
                }
                Some('+') => {
                    if set {
                        out.push_str(&interpolate(word, known, open));
                    } else if value.is_none() {
                        extend(open, vec![(raw.clone(), None)]);
                    }
                }
                _ => {
                    // `?` (required) and forms compose does not have.
                    match value.filter(|_| set) {
                        Some((v, o)) => {
                            out.push_str(&v);
                            extend(open, o);
                        }
                        None => {
                            let shown = format!("${{{name}}}");
                            out.push_str(&shown);
                            extend(open, vec![(shown, None)]);
                        }
                    }
                }
            }
            rest = inner_start.get(end + 1..).unwrap_or("");
            continue;
        }
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = after.get(..name_len).unwrap_or("");
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            out.push('$');
            rest = after;
            continue;
        }
        match known.get(name) {
            Some(v) => {
                out.push_str(&v.value);
                extend(open, v.open.clone());
            }
            None => {
                let raw = format!("${name}");
                out.push_str(&raw);
                extend(open, vec![(raw, None)]);
            }
        }
        rest = after.get(name_len..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

fn extend(open: &mut Vec<(String, Option<String>)>, more: Vec<(String, Option<String>)>) {
    for (p, a) in more {
        if open.len() < 16 && !open.iter().any(|(q, _)| *q == p) {
            open.push((p, a));
        }
    }
}

/// The offset of the `}` closing a `${` whose inside starts `s`, nesting counted.
fn matching_brace(s: &str) -> Option<usize> {
    let mut level = 1usize;
    for (i, c) in s.char_indices() {
        match c {
            '{' => level += 1,
            '}' => {
                level -= 1;
                if level == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The environment of variables in file order (the last one of a name wins).
pub(crate) fn to_env(vars: &[Var]) -> Env {
    vars.iter()
        .map(|v| (v.name.clone(), v.value.clone()))
        .collect()
}

/// Reads a `.env` file as the environment of the known image its variables belong to;
/// `Err` says why it cannot be judged (no known image's variables, or two images').
pub fn read(primary: &SourceFile, _beside: Beside<'_>) -> Result<ObservedPlan, String> {
    let mut problems = Problems::new(&primary.name);
    let vars = parse(primary, &Env::new(), &mut problems);
    let image = images::by_variables(vars.iter().map(|v| v.name.as_str())).map_err(|both| {
        format!("a .env file whose variables fit more than one relay image ({both}); lint the compose file that names the image")
    })?;
    let Some(image) = image else {
        let shown: Vec<&str> = vars.iter().take(5).map(|v| v.name.as_str()).collect();
        return Err(format!(
            "a .env file whose variables ({}) are none of a relay image relayctl knows ({})",
            if shown.is_empty() {
                "none".to_owned()
            } else {
                shown.join(", ")
            },
            images::IMAGES
                .iter()
                .map(|i| i.id)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    let first = vars
        .iter()
        .find(|v| {
            image.marks.contains(&v.name.as_str())
                || image.passthrough.is_some_and(|p| v.name.starts_with(p))
        })
        .map_or_else(|| Span::new(&primary.name, 1, 1), |v| v.value.span.clone());
    let mut plan = images::plan(image, image.id, &first, &to_env(&vars));
    let mut syntax = problems.finish();
    syntax.append(&mut plan.syntax);
    plan.syntax = syntax;
    plan.suppressions = super::suppressions(&primary.name, &primary.text);
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile {
            name: ".env".into(),
            text: text.into(),
        }
    }

    fn vars(text: &str) -> Vec<(String, String, u32, u32)> {
        let mut p = Problems::new(".env");
        parse(&file(text), &Env::new(), &mut p)
            .into_iter()
            .map(|v| {
                (
                    v.name,
                    v.value.value,
                    v.value.span.line,
                    v.value.span.column,
                )
            })
            .collect()
    }

    #[test]
    fn forms() {
        let got = vars("A=1\nexport B = 'x $A y' \nC=\"q\\\"$A\\n${D:-dd}\"\n# c\nE=v # comment\nF=a#b\nG\n  H=\"multi\nline\"\nI=$$A\n");
        assert_eq!(
            got,
            vec![
                ("A".into(), "1".into(), 1, 3),
                ("B".into(), "x $A y".into(), 2, 12),
                ("C".into(), "q\"1\ndd".into(), 3, 3),
                ("E".into(), "v".into(), 5, 3),
                ("F".into(), "a#b".into(), 6, 3),
                ("G".into(), "${G}".into(), 7, 1),
                ("H".into(), "multi\nline".into(), 8, 5),
                ("I".into(), "$A".into(), 10, 3),
            ]
        );
    }

    #[test]
    fn open_values_and_defaults() {
        let mut p = Problems::new(".env");
        let v = parse(
            &file("U=${GMAIL_USER}\nP=${PORT:-587}\nR=${REQ:?set it}\n"),
            &Env::new(),
            &mut p,
        );
        assert_eq!(v[0].value.open, vec![("${GMAIL_USER}".to_owned(), None)]);
        assert_eq!(v[1].value.value, "587");
        assert_eq!(
            v[1].value.open,
            vec![("${PORT:-587}".to_owned(), Some("587".to_owned()))]
        );
        assert_eq!(v[2].value.value, "${REQ}");
        assert!(p.finish().is_empty());
    }

    #[test]
    fn bad_lines_are_problems_not_panics() {
        let mut p = Problems::new(".env");
        let v = parse(
            &file("not a line\nK='open\n=x\né=1\nL=\"open\nM=1\n"),
            &Env::new(),
            &mut p,
        );
        // The open double quote takes the lines after it, as compose would.
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].value.value, "open\nM=1\n");
        let problems = p.finish();
        let lines: Vec<u32> = problems.iter().map(|p| p.span.line).collect();
        assert_eq!(lines, vec![1, 2, 3, 4, 5], "{problems:?}");
        for text in [
            "${",
            "A=${",
            "A=${B:-${C",
            "A=\"\\",
            "A=$",
            "A=$1",
            "\"",
            "A=\"${\"",
            "A=${a}}}}",
        ] {
            let mut p = Problems::new(".env");
            let _ = parse(&file(text), &Env::new(), &mut p);
        }
    }

    #[test]
    fn boky_env_reads_as_the_image_with_its_default_tls() {
        let f = file("RELAYHOST=smtp-relay.gmail.com:587\nALLOWED_SENDER_DOMAINS=<your-domain>\n");
        let plan = read(&f, &|_| None).unwrap();
        let relay = plan.relay.unwrap();
        assert_eq!(
            (
                relay.value.host.as_str(),
                relay.value.port,
                relay.value.no_mx
            ),
            ("smtp-relay.gmail.com", Some(587), false)
        );
        assert_eq!((relay.span.line, relay.span.column), (1, 11));
        let tls = plan.tls.unwrap();
        assert_eq!(tls.value, crate::mta::TlsMode::Opportunistic);
        // The image's default is placed at the variable that marks the image.
        assert_eq!((tls.span.line, tls.span.column), (1, 11));
        let image = plan.image.unwrap();
        assert_eq!(image.value.known, "boky/postfix");
        assert!(image
            .value
            .defaults
            .contains(&"smtp_tls_security_level = may".to_owned()));
        assert!(plan.helo.is_none());
        assert!(plan.helo_default.unwrap().contains("container"));
    }

    #[test]
    fn unknown_variables_are_unsupported() {
        let err = read(&file("FOO=1\nBAR=2\n"), &|_| None).unwrap_err();
        assert!(err.contains("FOO, BAR"), "{err}");
        let err = read(&file("RELAY_HOST=h\n"), &|_| None).unwrap_err();
        assert!(err.contains("more than one"), "{err}");
    }
}
