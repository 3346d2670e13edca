//! Shell scripts that configure Postfix: what their `postconf` lines (`postconf -e 'k = v'`,
//! `postconf k=v`, `postconf -X k`), the wrapper functions around them, the here-documents
//! and `echo` lines that write main.cf, and the `echo ... > sasl_passwd` lines set, read in
//! order into main.cf parameters, then judged by the Postfix reader
//! ([`super::postfix`]) with spans pointing into the script.
//!
//! The script is not run: every command is read once, in order, whatever branch it is in
//! (the last assignment of a parameter wins, as the script's last `postconf -e` would).
//! Variables assigned in the script are followed; the others come from the environment
//! and are recorded in [`ObservedPlan::unresolved`] (`${VAR:-default}` takes the default
//! and records the variable). Pure and bounded: linear in the text, never panics.

mod lex;

use std::collections::HashMap;

use lex::{BodyLine, Command, Part, Redir, Word};

use super::placeholders;
use super::postfix::{self, Assignment};
use super::toolkit::{Pos, Problems};
use super::{Beside, CredentialEntry, Located, ObservedPlan, SourceFile, Span};

/// Assignments kept per script.
const MAX_ASSIGNMENTS: usize = 100_000;
/// Variables kept per script.
const MAX_VARS: usize = 10_000;
/// Lines kept per file the script writes.
const MAX_WRITTEN: usize = 10_000;
/// Placeholders kept per value.
const MAX_OPEN: usize = 16;

/// A variable's value and the placeholders it carries.
#[derive(Debug, Clone, Default)]
struct Val {
    text: String,
    open: Vec<(String, Option<String>)>,
}

/// An expanded word: its text, where each piece of it was written, the placeholders in it.
#[derive(Debug, Clone, Default)]
struct Expanded {
    text: String,
    /// (byte offset in `text`, where that piece was written, whether literal).
    map: Vec<(usize, Pos, bool)>,
    open: Vec<(String, Option<String>)>,
}

impl Expanded {
    /// Where byte `off` of the text was written (a literal character exactly; an
    /// expansion's result at its `$`).
    fn pos(&self, off: usize, fallback: Pos) -> Pos {
        let i = self.map.partition_point(|m| m.0 <= off);
        let Some(&(start, at, literal)) = i.checked_sub(1).and_then(|i| self.map.get(i)) else {
            return fallback;
        };
        if !literal {
            return at;
        }
        let mut p = at;
        for ch in self.text.get(start..off).unwrap_or("").chars() {
            if ch == '\n' {
                p.line = p.line.saturating_add(1);
                p.column = 1;
            } else {
                p.column = p.column.saturating_add(1);
            }
        }
        p
    }

    fn push_open(&mut self, placeholder: &str, assumed: Option<String>) {
        if self.open.len() < MAX_OPEN && !self.open.iter().any(|(p, _)| p == placeholder) {
            self.open.push((placeholder.to_owned(), assumed));
        }
    }
}

/// A line a script writes to a file, and where.
#[derive(Debug, Clone)]
struct Written {
    text: Expanded,
    line: u32,
}

/// What a wrapper function does with its arguments: `postconf -e "$1 = $2"`.
#[derive(Debug, Clone, Copy)]
struct Wrapper {
    name_arg: usize,
    value_arg: usize,
}

/// The state of the read.
struct State<'f> {
    file: &'f str,
    vars: HashMap<String, Val>,
    /// Inside a function: its name and the locals bound to its positional arguments.
    function: Option<(String, HashMap<String, usize>)>,
    wrappers: HashMap<String, Wrapper>,
    assignments: Vec<Assignment>,
    /// Placeholders per assignment span: (setting, placeholder, assumed, where).
    open: Vec<(String, String, Option<String>, Span)>,
    /// Lines written to files, by base name.
    written: HashMap<String, Vec<Written>>,
    problems: Problems,
    /// The `if` frames the current command is in.
    frames: Vec<Frame>,
}

/// One `if ... fi`: whether its current branch is read, and whether an earlier branch's
/// condition was decided true (then `elif` and `else` branches are not read).
#[derive(Debug, Clone, Copy)]
struct Frame {
    branch: bool,
    taken: bool,
}

/// Reads a shell script's Postfix settings (see the module documentation).
pub fn read(primary: &SourceFile, beside: Beside<'_>) -> ObservedPlan {
    let mut st = State {
        file: &primary.name,
        vars: HashMap::new(),
        function: None,
        wrappers: HashMap::new(),
        assignments: Vec::new(),
        open: Vec::new(),
        written: HashMap::new(),
        problems: Problems::new(&primary.name),
        frames: Vec::new(),
    };
    lex::commands(&primary.text, |cmds| {
        for cmd in &cmds {
            run(cmd, &mut st);
        }
    });
    let mut plan = postfix::read_assignments(&st.assignments, beside);
    // The map the script wrote beats a file that happens to sit beside it.
    if let Some(map) = plan.password_map.clone() {
        let base = basename(&map.value).to_owned();
        if let Some(lines) = st.written.get(&base) {
            plan.credentials = credentials(lines, st.file, &mut st.open);
        }
    }
    plan.suppressions = super::suppressions(&primary.name, &primary.text);
    let mut syntax = st.problems.finish();
    syntax.append(&mut plan.syntax);
    plan.syntax = syntax;
    for (setting, placeholder, assumed, span) in &st.open {
        placeholders::record(&mut plan, setting, placeholder, assumed.as_deref(), span);
    }
    placeholders::scan_plan(&mut plan);
    plan
}

/// The credentials of `key user:password` lines a script wrote (the password is never
/// kept, nor a default assumed for it).
fn credentials(
    lines: &[Written],
    file: &str,
    open: &mut Vec<(String, String, Option<String>, Span)>,
) -> Vec<Located<CredentialEntry>> {
    let mut out = Vec::new();
    for w in lines {
        let text = &w.text.text;
        let start = text.len() - text.trim_start().len();
        let rest = text.trim();
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        let Some((key, value)) = rest.split_once(char::is_whitespace) else {
            continue;
        };
        let user = value.trim().split(':').next().unwrap_or("");
        let at = w.text.pos(
            start,
            Pos {
                at: 0,
                line: w.line,
                column: 1,
            },
        );
        let span = Span::new(file, at.line, at.column);
        for (p, assumed) in &w.text.open {
            if key.contains(p.as_str()) || user.contains(p.as_str()) {
                open.push((
                    "sasl_passwd".to_owned(),
                    p.clone(),
                    assumed.clone(),
                    span.clone(),
                ));
            }
        }
        out.push(Located::new(
            CredentialEntry {
                key: placeholders::as_postfix_shows(key),
                user: user.to_owned(),
            },
            span,
        ));
    }
    out
}

/// The last path component.
fn basename(path: &str) -> &str {
    let p = path.trim_end_matches('/');
    p.rsplit('/').next().unwrap_or(p)
}

/// Whether a setting holds a secret: its assumed default is not recorded.
fn secret(setting: &str) -> bool {
    let s = setting.to_ascii_lowercase();
    s.contains("pass") || s.contains("secret") || s.contains("token")
}

/// A variable name.
fn is_name(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Expands a word's parts with the variables known so far.
fn expand(parts: &[Part], st: &mut State<'_>, depth: usize) -> Expanded {
    let mut out = Expanded::default();
    for part in parts {
        match part {
            Part::Lit(t, at) => {
                out.map.push((out.text.len(), *at, true));
                push_text(&mut out.text, t);
            }
            Part::Opaque(raw, at) => {
                out.map.push((out.text.len(), *at, false));
                push_text(&mut out.text, raw);
                out.push_open(raw, None);
            }
            Part::Param { name, op, raw, at } => {
                out.map.push((out.text.len(), *at, false));
                let v = param(name, op.as_ref(), raw, st, depth);
                push_text(&mut out.text, &v.text);
                for (p, a) in v.open {
                    out.push_open(&p, a);
                }
            }
        }
    }
    out
}

fn push_text(out: &mut String, t: &str) {
    let room = lex::MAX_WORD.saturating_sub(out.len());
    out.push_str(
        t.get(..super::toolkit::floor_boundary(t, room))
            .unwrap_or(""),
    );
}

/// One parameter expansion.
fn param(
    name: &str,
    op: Option<&(String, Vec<Part>)>,
    raw: &str,
    st: &mut State<'_>,
    depth: usize,
) -> Val {
    let known = st.vars.get(name).cloned();
    let word = |st: &mut State<'_>| -> Expanded {
        match op {
            Some((_, w)) if depth < 16 => expand(w, st, depth + 1),
            _ => Expanded::default(),
        }
    };
    let open_as_written = |assumed: Option<String>| Val {
        text: raw.to_owned(),
        open: vec![(raw.to_owned(), assumed)],
    };
    let Some((op, _)) = op else {
        return known.unwrap_or_else(|| open_as_written(None));
    };
    let colon = op.starts_with(':');
    let set = known.as_ref().is_some_and(|v| !colon || !v.text.is_empty());
    match op.trim_start_matches(':') {
        "-" | "=" => {
            if set {
                return known.unwrap_or_default();
            }
            let w = word(st);
            let mut open = vec![(raw.to_owned(), Some(w.text.clone()))];
            open.extend(w.open);
            let v = Val { text: w.text, open };
            if op.ends_with('=') && st.vars.len() < MAX_VARS && is_name(name) {
                st.vars.insert(name.to_owned(), v.clone());
            }
            v
        }
        "+" => {
            if set {
                let w = word(st);
                Val {
                    text: w.text,
                    open: w.open,
                }
            } else if known.is_some() {
                Val::default()
            } else {
                Val {
                    text: String::new(),
                    open: vec![(raw.to_owned(), None)],
                }
            }
        }
        // `?`: the script stops when it is not set; the value is the variable.
        _ => {
            if set {
                known.unwrap_or_default()
            } else {
                let shown = format!("${{{name}}}");
                Val {
                    text: shown.clone(),
                    open: vec![(shown, None)],
                }
            }
        }
    }
}

/// Runs one command (reads it, that is).
fn run(cmd: &Command, st: &mut State<'_>) {
    let mut words: &[Word] = &cmd.words;
    // Keywords and wrappers that do not change what the command is.
    while let Some(first) = words.first().and_then(Word::literal) {
        match first.as_str() {
            "if" | "elif" => {
                let cond = words.get(1..).unwrap_or(&[]);
                let d = decide(cond, st);
                if first == "if" {
                    if st.frames.len() < 1000 {
                        st.frames.push(Frame {
                            branch: d != Some(false),
                            taken: d == Some(true),
                        });
                    }
                } else if let Some(f) = st.frames.last_mut() {
                    f.branch = !f.taken && d != Some(false);
                    f.taken |= d == Some(true);
                }
                // The condition itself is a command like any other (a `postconf` in it runs).
                words = cond;
                if d.is_some() {
                    return;
                }
            }
            "else" => {
                if let Some(f) = st.frames.last_mut() {
                    f.branch = !f.taken;
                }
                words = words.get(1..).unwrap_or(&[]);
            }
            "fi" => {
                st.frames.pop();
                words = words.get(1..).unwrap_or(&[]);
            }
            "then" | "do" | "while" | "until" | "!" | "{" | "time" | "exec" | "command"
            | "nohup" => words = words.get(1..).unwrap_or(&[]),
            "sudo" => {
                words = words.get(1..).unwrap_or(&[]);
                while words
                    .first()
                    .and_then(Word::literal)
                    .is_some_and(|w| w.starts_with('-'))
                {
                    words = words.get(1..).unwrap_or(&[]);
                }
            }
            "}" => {
                st.function = None;
                words = words.get(1..).unwrap_or(&[]);
            }
            "done" | "esac" | ";;" => words = words.get(1..).unwrap_or(&[]),
            "function" => {
                let name = words.get(1).and_then(Word::literal).unwrap_or_default();
                let name = name.strip_suffix("()").unwrap_or(&name).to_owned();
                st.function = Some((name, HashMap::new()));
                words = words.get(2..).unwrap_or(&[]);
                while words
                    .first()
                    .and_then(Word::literal)
                    .is_some_and(|w| w == "()" || w == "{")
                {
                    words = words.get(1..).unwrap_or(&[]);
                }
            }
            _ => {
                // `name() {` (the lexer keeps `()` on the name when nothing separates them).
                if let Some(fname) = first.strip_suffix("()").filter(|n| is_name(n)) {
                    st.function = Some((fname.to_owned(), HashMap::new()));
                    words = words.get(1..).unwrap_or(&[]);
                    if words.first().and_then(Word::literal).as_deref() == Some("{") {
                        words = words.get(1..).unwrap_or(&[]);
                    }
                    continue;
                }
                if words.get(1).and_then(Word::literal).as_deref() == Some("()") {
                    st.function = Some((first.clone(), HashMap::new()));
                    words = words.get(2..).unwrap_or(&[]);
                    if words.first().and_then(Word::literal).as_deref() == Some("{") {
                        words = words.get(1..).unwrap_or(&[]);
                    }
                    continue;
                }
                break;
            }
        }
    }
    if st.frames.iter().any(|f| !f.branch) {
        return;
    }
    // Assignments before (or instead of) a command; `local`, `export`... in front.
    let mut declared = false;
    if let Some(first) = words.first().and_then(Word::literal) {
        if matches!(
            first.as_str(),
            "local" | "export" | "readonly" | "declare" | "typeset"
        ) {
            declared = true;
            words = words.get(1..).unwrap_or(&[]);
            while words
                .first()
                .and_then(Word::literal)
                .is_some_and(|w| w.starts_with('-'))
            {
                words = words.get(1..).unwrap_or(&[]);
            }
        }
    }
    let mut pending: Vec<(String, Vec<Part>)> = Vec::new();
    while let Some(w) = words.first() {
        let Some((name, value)) = split_assignment(w) else {
            break;
        };
        pending.push((name, value));
        words = words.get(1..).unwrap_or(&[]);
    }
    if words.is_empty() || declared {
        for (name, value) in pending {
            // `local key=${1}` in a function binds a positional argument.
            if let (
                Some((_, binds)),
                [Part::Param {
                    name: p, op: None, ..
                }],
            ) = (st.function.as_mut(), value.as_slice())
            {
                if let Ok(n) = p.parse::<usize>() {
                    binds.insert(name.clone(), n);
                }
            }
            let e = expand(&value, st, 0);
            if st.vars.len() < MAX_VARS || st.vars.contains_key(&name) {
                st.vars.insert(
                    name,
                    Val {
                        text: e.text,
                        open: e.open,
                    },
                );
            }
        }
        if declared || words.is_empty() {
            return;
        }
    }
    let Some(name_word) = words.first() else {
        return;
    };
    let name = expand(&name_word.parts, st, 0).text;
    let args = words.get(1..).unwrap_or(&[]);
    let target = cmd
        .redirs
        .iter()
        .rev()
        .find(|(r, _)| matches!(r, Redir::Write | Redir::Append));
    match basename(&name) {
        "postconf" => postconf(args, st),
        "echo" | "printf" => {
            if let Some((r, t)) = target {
                let skip = args
                    .iter()
                    .take_while(|a| {
                        a.literal()
                            .is_some_and(|l| l.starts_with('-') && basename(&name) == "echo")
                    })
                    .count();
                let mut text = Expanded::default();
                for (i, a) in args.iter().skip(skip).enumerate() {
                    let e = expand(&a.parts, st, 0);
                    if i > 0 {
                        text.text.push(' ');
                    }
                    let base = text.text.len();
                    text.map
                        .extend(e.map.iter().map(|(o, p, l)| (o + base, *p, *l)));
                    text.text.push_str(&e.text);
                    for (p, a) in e.open {
                        text.push_open(&p, a);
                    }
                }
                let line = args.first().map_or(cmd.line, |a| a.at.line);
                let target = expand(&t.parts, st, 0).text;
                write(st, &target, *r, vec![Written { text, line }]);
            }
        }
        "cat" | "tee" => {
            let Some(body) = &cmd.heredoc else {
                return;
            };
            let dest = match (basename(&name), target) {
                (_, Some((r, t))) => Some((*r, expand(&t.parts, st, 0).text)),
                ("tee", None) => {
                    let append = args.iter().any(|a| a.literal().as_deref() == Some("-a"));
                    args.iter()
                        .find(|a| !a.literal().is_some_and(|l| l.starts_with('-')))
                        .map(|a| {
                            (
                                if append { Redir::Append } else { Redir::Write },
                                expand(&a.parts, st, 0).text,
                            )
                        })
                }
                _ => None,
            };
            if let Some((r, path)) = dest {
                let lines = body_lines(body, st);
                write(st, &path, r, lines);
            }
        }
        other => {
            if let Some(w) = st.wrappers.get(other).copied() {
                let arg = |i: usize| args.get(i.wrapping_sub(1));
                if let (Some(n), Some(v)) = (arg(w.name_arg), arg(w.value_arg)) {
                    let n = expand(&n.parts, st, 0);
                    let v = expand(&v.parts, st, 0);
                    let at = v.pos(
                        0,
                        args.get(w.value_arg.wrapping_sub(1))
                            .map_or(name_word.at, |a| a.at),
                    );
                    assign(st, n.text.trim(), Some(v.text.trim().to_owned()), &v, at);
                }
            }
        }
    }
}

/// The value of a test condition (`[ A = B ]`, `[ A != B ]`, `[ -z A ]`, `[ -n A ]`,
/// `[ ! ... ]`, `[[ ... ]]`, `test ...`) when its operands are known or take a default;
/// `None` when they come from the environment, or for any other condition.
fn decide(words: &[Word], st: &mut State<'_>) -> Option<bool> {
    let lits: Vec<Option<String>> = words.iter().map(Word::literal).collect();
    let (open, close) = match lits.first()?.as_deref()? {
        "[" => ("[", "]"),
        "[[" => ("[[", "]]"),
        "test" => ("test", ""),
        _ => return None,
    };
    let _ = open;
    let mut inner = words.get(1..)?;
    if !close.is_empty() {
        if lits.last()?.as_deref()? != close {
            return None;
        }
        inner = inner.get(..inner.len().checked_sub(1)?)?;
    }
    let mut negate = false;
    if inner.first().and_then(Word::literal).as_deref() == Some("!") {
        negate = true;
        inner = inner.get(1..)?;
    }
    let mut value = |w: &Word| -> Option<String> {
        let e = expand(&w.parts, st, 0);
        e.open.iter().all(|(_, a)| a.is_some()).then_some(e.text)
    };
    let ops: Vec<Option<String>> = inner.iter().map(Word::literal).collect();
    let result = match (inner, ops.as_slice()) {
        ([_, a], [Some(op), _]) if op == "-z" => value(a)?.is_empty(),
        ([_, a], [Some(op), _]) if op == "-n" => !value(a)?.is_empty(),
        ([a, _, b], [_, Some(op), _]) if op == "=" || op == "==" => value(a)? == value(b)?,
        ([a, _, b], [_, Some(op), _]) if op == "!=" => value(a)? != value(b)?,
        _ => return None,
    };
    Some(result != negate)
}

/// `name=value` at the start of a word (a literal name, then `=`): the name and the
/// value's parts.
fn split_assignment(w: &Word) -> Option<(String, Vec<Part>)> {
    let Some(Part::Lit(first, at)) = w.parts.first() else {
        return None;
    };
    let (name, rest) = first.split_once('=')?;
    if !is_name(name) || w.raw.starts_with(['"', '\'']) {
        return None;
    }
    let mut value = Vec::new();
    if !rest.is_empty() {
        let mut p = *at;
        p.column = p
            .column
            .saturating_add(u32::try_from(name.chars().count() + 1).unwrap_or(0));
        p.at += name.len() + 1;
        value.push(Part::Lit(rest.to_owned(), p));
    }
    value.extend(w.parts.iter().skip(1).cloned());
    Some((name.to_owned(), value))
}

/// The lines of a here-document, expanded.
fn body_lines(body: &[BodyLine], st: &mut State<'_>) -> Vec<Written> {
    body.iter()
        .map(|l| Written {
            text: expand(&l.parts, st, 0),
            line: l.line,
        })
        .collect()
}

/// A file written by the script: main.cf lines become assignments (`>` replaces what
/// came before); every file's lines are kept by base name for the password map.
fn write(st: &mut State<'_>, path: &str, how: Redir, lines: Vec<Written>) {
    let base = basename(path).to_owned();
    if base == "main.cf" {
        if how == Redir::Write {
            st.assignments.clear();
        }
        main_cf_lines(st, &lines);
    }
    let kept = st.written.entry(base).or_default();
    if how == Redir::Write {
        kept.clear();
    }
    for l in lines {
        if kept.len() < MAX_WRITTEN {
            kept.push(l);
        }
    }
}

/// main.cf lines written by the script (postconf(5) syntax: `name = value`, a line
/// starting with white space continues the one before, `#` lines are comments).
fn main_cf_lines(st: &mut State<'_>, lines: &[Written]) {
    let mut last: Option<usize> = None;
    for l in lines {
        let text = &l.text.text;
        let body = text.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if body.len() < text.len() {
            if let Some(a) = last.and_then(|i| st.assignments.get_mut(i)) {
                if let Some(v) = a.value.as_mut() {
                    v.push(' ');
                    v.push_str(body.trim_end());
                }
                continue;
            }
        }
        let fallback = Pos {
            at: 0,
            line: l.line,
            column: 1,
        };
        let Some((name, value)) = body.split_once('=') else {
            let at = l.text.pos(text.len() - body.len(), fallback);
            st.problems.at_with((at.line, at.column), || {
                format!(
                    "the main.cf this script writes has a line that is not `name = value` ({:?}): Postfix stops with a fatal error",
                    body.chars().take(40).collect::<String>()
                )
            });
            continue;
        };
        let value_text = value.trim();
        let off = text.len() - value.trim_start().len();
        let at = l.text.pos(off, fallback);
        assign(st, name.trim(), Some(value_text.to_owned()), &l.text, at);
        last = st.assignments.len().checked_sub(1);
    }
}

/// Records an assignment of `name` (and the placeholders of its value).
fn assign(st: &mut State<'_>, name: &str, value: Option<String>, from: &Expanded, at: Pos) {
    if name.is_empty() || st.assignments.len() >= MAX_ASSIGNMENTS {
        return;
    }
    let span = Span::new(st.file, at.line, at.column);
    if let Some(v) = &value {
        for (p, assumed) in &from.open {
            if v.contains(p.as_str()) || assumed.as_ref().is_some_and(|a| v.contains(a.as_str())) {
                let assumed = if secret(name) { None } else { assumed.clone() };
                st.open
                    .push((name.to_owned(), p.clone(), assumed, span.clone()));
            }
        }
    }
    st.assignments.push(Assignment {
        name: name.to_owned(),
        value,
        span,
    });
}

/// A `postconf` command: `name=value` arguments set parameters (with `-e` or without),
/// `-X`/`-#` remove the named ones; master.cf forms (`-M`, `-F`, `-P`) and queries are
/// not settings of main.cf. In a function, `postconf -e "$1 = $2"` makes the function a
/// wrapper whose calls are read as postconf lines.
fn postconf(args: &[Word], st: &mut State<'_>) {
    let mut remove = false;
    let mut skip_next = false;
    for a in args {
        if skip_next {
            skip_next = false;
            continue;
        }
        if let Some(flag) = a.literal().filter(|l| l.starts_with('-') && l.len() > 1) {
            if flag.contains(['M', 'F', 'P']) {
                return;
            }
            if flag.contains(['X', '#']) {
                remove = true;
            }
            if flag.ends_with('c') || flag.ends_with('o') {
                skip_next = true;
            }
            continue;
        }
        if let Some((_, binds)) = &st.function {
            if let Some(w) = wrapper_of(a, binds) {
                if let Some((fname, _)) = &st.function {
                    let fname = fname.clone();
                    if st.wrappers.len() < 1000 {
                        st.wrappers.insert(fname, w);
                    }
                }
                continue;
            }
        }
        let e = expand(&a.parts, st, 0);
        if remove {
            let at = e.pos(0, a.at);
            assign(st, e.text.trim(), None, &e, at);
            continue;
        }
        let Some((name, value)) = e.text.split_once('=') else {
            continue;
        };
        let off = e.text.len() - value.trim_start().len();
        let at = e.pos(off, a.at);
        let name = name.trim().to_owned();
        assign(st, &name, Some(value.trim().to_owned()), &e, at);
    }
}

/// Whether a postconf argument in a function is `$A = $B` with A and B positional
/// arguments (directly, or locals bound to them).
fn wrapper_of(a: &Word, binds: &HashMap<String, usize>) -> Option<Wrapper> {
    let positional = |p: &Part| -> Option<usize> {
        let Part::Param { name, op: None, .. } = p else {
            return None;
        };
        name.parse::<usize>()
            .ok()
            .or_else(|| binds.get(name).copied())
    };
    let parts: Vec<&Part> = a
        .parts
        .iter()
        .filter(|p| !matches!(p, Part::Lit(t, _) if t.trim().is_empty()))
        .collect();
    match parts.as_slice() {
        [n, Part::Lit(eq, _), v] if eq.trim() == "=" => Some(Wrapper {
            name_arg: positional(n)?,
            value_arg: positional(v)?,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
