//! OpenSMTPD reader: smtpd.conf (the 6.4+ grammar of smtpd.conf(5)) -> [`ObservedPlan`]
//! with file:line:column spans: macros, tables (inline, or a file beside it such as the
//! secrets table), relay actions and the match lines that pick them. Pure and bounded: one
//! pass over the text, capped token and statement sizes, never a panic.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use super::toolkit::{lines, Cursor, Problems};
use super::{
    Beside, CredentialEntry, Located, ObservedPlan, RelayTarget, Route, SourceFile, Span, TlsMode,
};
use crate::relay::Family;
use crate::relay::DEFAULT_RELAY_HOST;

/// smtpd's lexer refuses longer strings ("string too long"); so does this reader.
const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// A statement (with its continuation lines and `{ }` lists) may hold this many tokens.
const MAX_STATEMENT_TOKENS: usize = 100_000;
/// And this many bytes of token text.
const MAX_STATEMENT_BYTES: usize = 4 << 20;
/// At most this many tables, actions and match lines are kept.
const MAX_NAMES: usize = 10_000;
/// At most this many entries are read from a table file beside the configuration.
const MAX_TABLE_ENTRIES: usize = 100_000;
/// Table file lines longer than this are skipped.
const MAX_TABLE_LINE_BYTES: usize = 64 * 1024;

/// The top-level keywords of smtpd.conf(5); any other first word is a syntax error.
const STATEMENTS: &[&str] = &[
    "action",
    "admd",
    "bounce",
    "ca",
    "filter",
    "include",
    "limit",
    "listen",
    "match",
    "mta",
    "pki",
    "proc",
    "proc-exec",
    "queue",
    "smtp",
    "srs",
    "table",
];

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A bare word (after macro expansion).
    Word,
    /// A quoted string.
    Quoted,
    /// One of `< > { } , = ! ( )`.
    Punct,
}

/// A token and where it starts (for a macro's text: where the `$name` is).
#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    text: String,
    line: u32,
    col: u32,
}

impl Token {
    /// The token's text when it is a string (bare or quoted).
    fn word(&self) -> Option<&str> {
        (self.kind != Kind::Punct).then_some(self.text.as_str())
    }

    fn is(&self, punct: char) -> bool {
        self.kind == Kind::Punct && self.text.len() == 1 && self.text.starts_with(punct)
    }

    fn is_word(&self, w: &str) -> bool {
        self.kind == Kind::Word && self.text == w
    }
}

/// Characters that end a bare word and stand alone (smtpd's lexer allows the other ASCII
/// punctuation inside strings).
fn is_punct(c: char) -> bool {
    matches!(c, '<' | '>' | '{' | '}' | ',' | '=' | '!' | '(' | ')')
}

/// The lexer: characters with line/column, backslash-newline continuation outside quotes,
/// and macro text pushed back into the input.
struct Lexer<'a> {
    cur: Cursor<'a>,
    /// A macro's value being read, and where its `$name` was.
    pending: VecDeque<char>,
    pending_at: (u32, u32),
}

impl Lexer<'_> {
    /// The next character without consuming it (continuations not applied).
    fn peek_raw(&self) -> Option<char> {
        self.pending.front().copied().or_else(|| self.cur.peek())
    }

    /// Where the next character is.
    fn here(&self) -> (u32, u32) {
        if self.pending.is_empty() {
            self.cur.pos().line_column()
        } else {
            self.pending_at
        }
    }

    /// Consumes one character as is.
    fn bump_raw(&mut self) -> Option<char> {
        if let Some(c) = self.pending.pop_front() {
            return Some(c);
        }
        self.cur.bump()
    }

    /// Whether the input at the cursor is a backslash ending its line (`\` `\n` or
    /// `\` `\r\n`), outside a macro's text.
    fn at_continuation(&self) -> bool {
        if !self.pending.is_empty() {
            return false;
        }
        let rest = self.cur.rest();
        rest.starts_with("\\\n") || rest.starts_with("\\\r\n")
    }

    /// Skips backslash-newline pairs: smtpd joins such lines before anything else.
    fn skip_continuations(&mut self) -> bool {
        let mut any = false;
        while self.at_continuation() {
            self.bump_raw();
            if self.peek_raw() == Some('\r') {
                self.bump_raw();
            }
            self.bump_raw();
            any = true;
        }
        any
    }

    /// The next character with continuations applied.
    fn peek(&mut self) -> Option<char> {
        self.skip_continuations();
        self.peek_raw()
    }

    fn bump(&mut self) -> Option<char> {
        self.skip_continuations();
        self.bump_raw()
    }

    /// Skips the rest of the (continued) line, up to but not including its newline.
    fn skip_line(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\n' {
                break;
            }
            if !self.pending.is_empty() {
                self.pending.clear();
                continue;
            }
            // Jump straight to the next newline or backslash: linear, and quick on
            // megabytes of one line.
            let rest = self.cur.rest();
            match rest.find(['\n', '\\']) {
                Some(0) => {
                    self.bump_raw();
                }
                Some(n) => self.cur.skip(n),
                None => self.cur.skip(rest.len()),
            }
        }
    }
}

/// The statements of a file: token lists, one per logical line.
fn statements(text: &str, problems: &mut Problems, on: &mut dyn FnMut(&[Token], &mut Problems)) {
    let mut lx = Lexer {
        cur: Cursor::new(text),
        pending: VecDeque::new(),
        pending_at: (1, 1),
    };
    let mut macros: HashMap<String, String> = HashMap::new();
    let mut stmt: Vec<Token> = Vec::new();
    let mut stmt_bytes = 0usize;
    let mut depth = 0usize;
    let mut broken = false;

    loop {
        let (line, col) = lx.here();
        let Some(c) = lx.peek() else { break };
        let fail = |problems: &mut Problems, msg: String| problems.at((line, col), msg);
        if broken && c != '\n' {
            lx.skip_line();
            continue;
        }
        match c {
            '\n' => {
                lx.bump();
                if broken {
                    stmt.clear();
                    stmt_bytes = 0;
                    depth = 0;
                    broken = false;
                } else if depth == 0 && !stmt.is_empty() {
                    define_or_keep(&mut stmt, &mut macros, on, problems);
                    stmt_bytes = 0;
                }
                continue;
            }
            ' ' | '\t' | '\r' | '\x0c' => {
                lx.bump();
                continue;
            }
            '#' => {
                let start_line = line;
                lx.bump();
                while let Some(c) = lx.peek() {
                    if c == '\n' {
                        break;
                    }
                    lx.bump();
                }
                if lx.cur.pos().line != start_line {
                    fail(
                        problems,
                        "this comment ends with a backslash: smtpd reads the next line as part of the comment".to_owned(),
                    );
                }
                continue;
            }
            '"' | '\'' => {
                lx.bump_raw();
                let mut s = String::new();
                let mut closed = false;
                while let Some(d) = lx.peek_raw() {
                    if d == '\n' {
                        break;
                    }
                    lx.bump_raw();
                    if d == c {
                        closed = true;
                        break;
                    }
                    if d == '\\' {
                        match lx.peek_raw() {
                            Some(e) if e == c || e == ' ' || e == '\t' => {
                                lx.bump_raw();
                                s.push(e);
                                continue;
                            }
                            Some('\n') => {
                                lx.bump_raw();
                                continue;
                            }
                            _ => {}
                        }
                    }
                    if d.is_control() && d != '\t' {
                        fail(problems, "control character in a quoted string".to_owned());
                        broken = true;
                        break;
                    }
                    s.push(d);
                    if s.len() > MAX_TOKEN_BYTES {
                        fail(problems, "string too long".to_owned());
                        broken = true;
                        break;
                    }
                }
                if broken {
                    continue;
                }
                if !closed {
                    fail(problems, "unterminated quoted string".to_owned());
                    broken = true;
                    continue;
                }
                broken |= !push(
                    &mut stmt,
                    &mut stmt_bytes,
                    Kind::Quoted,
                    s,
                    line,
                    col,
                    problems,
                );
            }
            '$' if lx.pending.is_empty() => {
                lx.bump();
                let mut name = String::new();
                while let Some(d) = lx.peek() {
                    if !(d.is_ascii_alphanumeric() || d == '_') || name.len() > MAX_TOKEN_BYTES {
                        break;
                    }
                    lx.bump();
                    name.push(d);
                }
                match macros.get(&name) {
                    Some(v) => {
                        lx.pending = v.chars().collect();
                        lx.pending_at = (line, col);
                    }
                    None => {
                        fail(problems, format!("macro `{name}` not defined"));
                        broken = true;
                    }
                }
            }
            c if is_punct(c) => {
                lx.bump();
                match c {
                    '{' => depth += 1,
                    '}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                broken |= !push(
                    &mut stmt,
                    &mut stmt_bytes,
                    Kind::Punct,
                    c.to_string(),
                    line,
                    col,
                    problems,
                );
            }
            c if c.is_ascii_graphic() => {
                let mut s = String::new();
                while let Some(d) = lx.peek() {
                    if !d.is_ascii_graphic() || is_punct(d) || matches!(d, '#' | '"' | '\'') {
                        break;
                    }
                    lx.bump();
                    s.push(d);
                    if s.len() > MAX_TOKEN_BYTES {
                        break;
                    }
                }
                if s.len() > MAX_TOKEN_BYTES {
                    fail(problems, "string too long".to_owned());
                    broken = true;
                    continue;
                }
                broken |= !push(
                    &mut stmt,
                    &mut stmt_bytes,
                    Kind::Word,
                    s,
                    line,
                    col,
                    problems,
                );
            }
            c => {
                fail(
                    problems,
                    format!(
                        "unexpected character U+{:04X} outside quotes: smtpd refuses the line",
                        u32::from(c)
                    ),
                );
                lx.bump();
                broken = true;
            }
        }
    }
    if !broken && !stmt.is_empty() {
        define_or_keep(&mut stmt, &mut macros, on, problems);
    }
}

/// Adds a token to the statement; `false` (and a problem) when the statement has grown
/// too long, which breaks it.
fn push(
    stmt: &mut Vec<Token>,
    bytes: &mut usize,
    kind: Kind,
    text: String,
    line: u32,
    col: u32,
    problems: &mut Problems,
) -> bool {
    *bytes += text.len();
    if stmt.len() >= MAX_STATEMENT_TOKENS || *bytes > MAX_STATEMENT_BYTES {
        problems.at((line, col),
            format!("statement longer than {MAX_STATEMENT_TOKENS} tokens or {MAX_STATEMENT_BYTES} bytes; skipped"),
        );
        return false;
    }
    stmt.push(Token {
        kind,
        text,
        line,
        col,
    });
    true
}

/// A finished statement: a macro definition (`name = value`) is applied now, because
/// smtpd expands macros while it reads; anything else is kept.
fn define_or_keep(
    stmt: &mut Vec<Token>,
    macros: &mut HashMap<String, String>,
    on: &mut dyn FnMut(&[Token], &mut Problems),
    problems: &mut Problems,
) {
    let toks = std::mem::take(stmt);
    if toks.len() >= 2 && toks[0].kind == Kind::Word && toks[1].is('=') {
        let name = &toks[0].text;
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            problems.at(
                (toks[0].line, toks[0].col),
                format!("macro name `{name}` may hold only letters, digits and _"),
            );
        } else if toks.len() != 3 || toks[2].kind == Kind::Punct {
            problems.at(
                (toks[1].line, toks[1].col),
                format!("macro `{name}`: expected one value after ="),
            );
        } else if macros.len() < 10_000 || macros.contains_key(name) {
            macros.insert(name.clone(), toks[2].text.clone());
        }
        return;
    }
    on(&toks, problems);
}

/// A relay URL, `scheme://[label@]host[:port]` (smtpd.conf(5), "relay host").
#[derive(Debug, Clone)]
struct Url {
    tls: Option<TlsMode>,
    scheme: String,
    label: Option<String>,
    host: String,
    port: Option<u16>,
    raw: String,
}

/// The TLS a relay URL scheme asks for: smtpd.conf(5) (OpenSMTPD 6.4+), "relay host":
/// `smtp` is "normal SMTP session with opportunistic STARTTLS" (the default), `smtp+tls`
/// mandatory STARTTLS, `smtps` TLS on connection, `smtp+notls` plain text.
fn scheme_tls(scheme: &str) -> Option<TlsMode> {
    match scheme {
        "smtp" => Some(TlsMode::Opportunistic),
        "smtp+tls" => Some(TlsMode::StartTls),
        "smtps" => Some(TlsMode::Implicit),
        "smtp+notls" | "lmtp" => Some(TlsMode::Off),
        _ => None,
    }
}

fn parse_url(raw: &str) -> Result<Url, String> {
    let (scheme, rest) = match raw.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        // No scheme: smtp://.
        None => ("smtp".to_owned(), raw),
    };
    let tls = scheme_tls(&scheme);
    if tls.is_none() {
        return Err(format!(
            "unknown relay URL scheme `{scheme}://`: OpenSMTPD 6.4+ takes smtp, smtp+tls, smtps, smtp+notls and lmtp"
        ));
    }
    let (label, hostport) = match rest.split_once('@') {
        Some((l, h)) => (Some(l.to_owned()), h),
        None => (None, rest),
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, after)) => (h, after.strip_prefix(':')),
            None => return Err(format!("`{raw}`: no closing ] after the address")),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err(format!("`{raw}`: no host name in the relay URL"));
    }
    let port = match port {
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err(format!("`{raw}`: `{p}` is not a port number (1-65535)")),
        },
        None => None,
    };
    Ok(Url {
        tls,
        scheme,
        label,
        host: host.to_owned(),
        port,
        raw: raw.to_owned(),
    })
}

/// Where a table's entries come from.
#[derive(Debug, Clone)]
enum TableSource {
    /// `table name { a, b }` or `{ k = v }`: the entries with where each value is.
    Inline(Vec<(String, Option<Located<String>>)>),
    /// `table name file:/path` (`db:` too): the backend config as written.
    Backend(Located<String>),
}

/// A relay or delivery action.
#[derive(Debug, Clone)]
struct Action {
    name: String,
    relay: bool,
    host: Option<Located<Url>>,
    tls_option: Option<Span>,
    auth: Option<Located<String>>,
    helo: Option<Located<String>>,
    src: Option<Located<String>>,
}

/// A `match` line's destination part and the action it picks.
#[derive(Debug, Clone)]
struct Match {
    from_ok: bool,
    for_any: bool,
    domains: Vec<Located<String>>,
    /// Index into the actions; `None` for `reject`.
    action: Option<usize>,
}

/// Everything read from the file that the plan needs.
struct Config<'a> {
    file: &'a str,
    beside: Beside<'a>,
    tables: HashMap<String, TableSource>,
    actions: Vec<Action>,
    action_names: HashMap<String, usize>,
    matches: Vec<Match>,
}

fn span(file: &str, t: &Token) -> Span {
    Span::new(file, t.line, t.col)
}

/// The word after `toks[i]`, or a problem naming what was expected.
fn want_word<'t>(
    toks: &'t [Token],
    i: usize,
    what: &str,
    problems: &mut Problems,
) -> Option<&'t Token> {
    match toks.get(i) {
        Some(t) if t.kind != Kind::Punct => Some(t),
        Some(t) => {
            problems.at(
                (t.line, t.col),
                format!("expected {what}, found `{}`", t.text),
            );
            None
        }
        None => {
            let last = &toks[toks.len() - 1];
            problems.at(
                (last.line, last.col),
                format!("expected {what} after `{}`", last.text),
            );
            None
        }
    }
}

/// `<name>` at `toks[i]`: the table name and the index after it.
fn table_ref(toks: &[Token], i: usize) -> Option<(&Token, usize)> {
    match (toks.get(i), toks.get(i + 1), toks.get(i + 2)) {
        (Some(lt), Some(name), Some(gt))
            if lt.is('<') && name.kind != Kind::Punct && gt.is('>') =>
        {
            Some((name, i + 3))
        }
        _ => None,
    }
}

/// `{ a, b }` or `{ k = v, ... }` from `toks[i]` (the `{`): entries and the index after `}`.
type Entries = Vec<(Located<String>, Option<Located<String>>)>;

fn brace_list(
    file: &str,
    toks: &[Token],
    i: usize,
    problems: &mut Problems,
) -> Option<(Entries, usize)> {
    let mut out = Vec::new();
    let mut j = i + 1;
    loop {
        let t = match toks.get(j) {
            Some(t) => t,
            None => {
                problems.at(
                    (toks[i].line, toks[i].col),
                    "no closing } for this list".to_owned(),
                );
                return None;
            }
        };
        if t.is('}') {
            return Some((out, j + 1));
        }
        if t.is(',') {
            j += 1;
            continue;
        }
        if t.kind == Kind::Punct {
            problems.at(
                (t.line, t.col),
                format!("unexpected `{}` in a list", t.text),
            );
            return None;
        }
        let key = Located::new(t.text.clone(), span(file, t));
        if toks.get(j + 1).is_some_and(|e| e.is('=')) {
            let v = want_word(toks, j + 2, "a value after =", problems)?;
            out.push((key, Some(Located::new(v.text.clone(), span(file, v)))));
            j += 3;
        } else {
            out.push((key, None));
            j += 1;
        }
    }
}

impl Config<'_> {
    fn statement(&mut self, toks: &[Token], problems: &mut Problems) {
        let first = &toks[0];
        let Some(keyword) = first.word().filter(|_| first.kind == Kind::Word) else {
            problems.at(
                (first.line, first.col),
                format!("`{}` does not start a smtpd.conf statement", first.text),
            );
            return;
        };
        let kept = self.tables.len() + self.actions.len() + self.matches.len();
        if kept >= MAX_NAMES && matches!(keyword, "table" | "action" | "match") {
            problems.at(
                (first.line, first.col),
                format!(
                    "more than {MAX_NAMES} tables, actions and match lines; the rest are not read"
                ),
            );
            return;
        }
        match keyword {
            "table" => self.table(toks, problems),
            "action" => self.action(toks, problems),
            "match" => self.matcher(toks, problems),
            k if STATEMENTS.contains(&k) => {}
            k => problems.at(
                (first.line, first.col),
                format!("unknown keyword `{k}`: not a smtpd.conf statement"),
            ),
        }
    }

    fn table(&mut self, toks: &[Token], problems: &mut Problems) {
        let Some(name) = want_word(toks, 1, "a table name", problems) else {
            return;
        };
        let source = match toks.get(2) {
            Some(t) if t.is('{') => {
                let Some((entries, end)) = brace_list(self.file, toks, 2, problems) else {
                    return;
                };
                if let Some(extra) = toks.get(end) {
                    problems.at(
                        (extra.line, extra.col),
                        format!("unexpected `{}`", extra.text),
                    );
                }
                TableSource::Inline(entries.into_iter().map(|(k, v)| (k.value, v)).collect())
            }
            _ => {
                let Some(cfg) = want_word(toks, 2, "the table's backend (file:/path)", problems)
                else {
                    return;
                };
                TableSource::Backend(Located::new(cfg.text.clone(), span(self.file, cfg)))
            }
        };
        if self.tables.contains_key(&name.text) {
            problems.at(
                (name.line, name.col),
                format!("table `{}` defined twice", name.text),
            );
            return;
        }
        self.tables.insert(name.text.clone(), source);
    }

    fn action(&mut self, toks: &[Token], problems: &mut Problems) {
        let Some(name) = want_word(toks, 1, "an action name", problems) else {
            return;
        };
        let Some(method) = want_word(toks, 2, "what the action does (relay, mbox...)", problems)
        else {
            return;
        };
        let mut a = Action {
            name: name.text.clone(),
            relay: method.is_word("relay"),
            host: None,
            tls_option: None,
            auth: None,
            helo: None,
            src: None,
        };
        if a.relay {
            self.relay_options(&mut a, toks, problems);
        }
        if self.action_names.contains_key(&a.name) {
            problems.at(
                (name.line, name.col),
                format!("action `{}` defined twice", a.name),
            );
            return;
        }
        self.action_names.insert(a.name.clone(), self.actions.len());
        self.actions.push(a);
    }

    /// The options of `action NAME relay ...` (smtpd.conf(5), "relay").
    fn relay_options(&mut self, a: &mut Action, toks: &[Token], problems: &mut Problems) {
        let file = self.file;
        let mut i = 3;
        while let Some(t) = toks.get(i) {
            let here = span(file, t);
            let opt = if t.kind == Kind::Word {
                t.text.as_str()
            } else {
                ""
            };
            match opt {
                "host" => {
                    let Some(v) = want_word(toks, i + 1, "a relay URL", problems) else {
                        return;
                    };
                    match parse_url(&v.text) {
                        Ok(url) => a.host = Some(Located::new(url, span(file, v))),
                        Err(m) => problems.at((v.line, v.col), m),
                    }
                    i += 2;
                }
                "helo" | "mail-from" | "pki" | "ca" => {
                    let Some(v) = want_word(toks, i + 1, &format!("a value after {opt}"), problems)
                    else {
                        return;
                    };
                    if opt == "helo" {
                        a.helo = Some(Located::new(v.text.clone(), span(file, v)));
                    }
                    i += 2;
                }
                "tls" => {
                    a.tls_option = Some(here);
                    i += 1;
                    if toks.get(i).is_some_and(|n| n.is_word("no-verify")) {
                        i += 1;
                    }
                }
                "auth" => {
                    let Some((tbl, next)) = table_ref(toks, i + 1) else {
                        problems.at(
                            (t.line, t.col),
                            "auth takes a table: auth <name>".to_owned(),
                        );
                        return;
                    };
                    if !self.tables.contains_key(&tbl.text) {
                        problems.at(
                            (tbl.line, tbl.col),
                            format!("no such table: <{}>", tbl.text),
                        );
                    }
                    a.auth = Some(Located::new(tbl.text.clone(), here));
                    i = next;
                }
                "src" | "helo-src" | "domain" | "alias" | "virtual" | "userbase" => {
                    if let Some((tbl, next)) = table_ref(toks, i + 1) {
                        if !self.tables.contains_key(&tbl.text) {
                            problems.at(
                                (tbl.line, tbl.col),
                                format!("no such table: <{}>", tbl.text),
                            );
                        }
                        i = next;
                    } else if opt == "src" || opt == "helo-src" {
                        let Some(v) =
                            want_word(toks, i + 1, &format!("a value after {opt}"), problems)
                        else {
                            return;
                        };
                        if opt == "src" {
                            a.src = Some(Located::new(v.text.clone(), span(file, v)));
                        }
                        i += 2;
                    } else {
                        problems.at(
                            (t.line, t.col),
                            format!("{opt} takes a table: {opt} <name>"),
                        );
                        return;
                    }
                }
                "backup" => {
                    i += 1;
                    if toks.get(i).is_some_and(|n| n.is_word("mx")) {
                        i += 2;
                    }
                }
                "srs" => i += 1,
                "ttl" | "user" => i += 2,
                _ => {
                    problems.at(
                        (t.line, t.col),
                        format!("unknown relay option `{}`", t.text),
                    );
                    return;
                }
            }
        }
        if let Some(h) = &a.host {
            let url = &h.value;
            if a.tls_option.is_some() && url.scheme == "smtp+notls" {
                problems.push(
                    h.span.clone(),
                    "`tls` with smtp+notls://: smtpd refuses TLS and no TLS at once".to_owned(),
                );
            }
            match (&url.label, &a.auth) {
                (Some(l), None) => problems.push(
                    h.span.clone(),
                    format!("the URL names credentials `{l}@` but the action has no `auth <table>`"),
                ),
                (None, Some(t)) => problems.push(
                    t.span.clone(),
                    format!("`auth <{}>` without a label in the URL (scheme://label@host): no credentials are sent", t.value),
                ),
                _ => {}
            }
            // The generator's note and smtpd.conf(5): credentials only over TLS.
            if a.auth.is_some() && !matches!(url.scheme.as_str(), "smtp+tls" | "smtps") {
                problems.push(
                    h.span.clone(),
                    format!(
                        "`auth` with {}://: credentials are used only with smtp+tls:// or smtps://",
                        url.scheme
                    ),
                );
            }
        } else if let Some(t) = &a.auth {
            problems.push(
                t.span.clone(),
                "`auth` without `host`: there is no relay to log in to".to_owned(),
            );
        }
    }

    fn matcher(&mut self, toks: &[Token], problems: &mut Problems) {
        let file = self.file;
        let mut m = Match {
            from_ok: true,
            for_any: false,
            domains: Vec::new(),
            action: None,
        };
        let mut i = 1;
        let mut done = false;
        while let Some(t) = toks.get(i) {
            if t.is_word("reject") {
                done = true;
                break;
            }
            if t.is_word("action") {
                let Some(name) = want_word(toks, i + 1, "an action name", problems) else {
                    return;
                };
                match self.action_names.get(&name.text) {
                    Some(&a) => m.action = Some(a),
                    None => {
                        problems.at(
                            (name.line, name.col),
                            format!("no such action: `{}`", name.text),
                        );
                        return;
                    }
                }
                done = true;
                break;
            }
            if t.is_word("from") || t.is_word("for") {
                let negated = toks.get(i + 1).is_some_and(|n| n.is('!'));
                let k = i + 1 + usize::from(negated);
                let kind = toks.get(k).map(|k| k.text.as_str()).unwrap_or("");
                if t.is_word("from") {
                    m.from_ok = !negated && matches!(kind, "local" | "any");
                } else if !negated && kind == "any" {
                    m.for_any = true;
                } else if !negated && kind == "domain" {
                    let mut d = k + 1;
                    if toks.get(d).is_some_and(|r| r.is_word("regex")) {
                        d += 1;
                    }
                    m.domains = self.domain_list(toks, d, problems);
                } else if kind == "domain" && toks.get(k + 1).is_some_and(|r| r.is('{')) {
                    // A negated list: skip it whole so its words are not read as options.
                    if let Some((_, end)) = brace_list(file, toks, k + 1, problems) {
                        i = end;
                        continue;
                    }
                }
            }
            if t.is('{') {
                if let Some((_, end)) = brace_list(file, toks, i, problems) {
                    i = end;
                    continue;
                }
                return;
            }
            i += 1;
        }
        if !done {
            let last = &toks[toks.len() - 1];
            problems.at(
                (toks[0].line, toks[0].col),
                format!(
                    "match line without `action NAME` or `reject` (it ends at `{}`)",
                    last.text
                ),
            );
            return;
        }
        self.matches.push(m);
    }

    /// The domains of `for domain X` at `toks[i]`: a string, `{ list }` or `<table>`.
    fn domain_list(
        &self,
        toks: &[Token],
        i: usize,
        problems: &mut Problems,
    ) -> Vec<Located<String>> {
        let file = self.file;
        match toks.get(i) {
            Some(t) if t.is('{') => brace_list(file, toks, i, problems)
                .map(|(e, _)| e.into_iter().map(|(k, _)| k).collect())
                .unwrap_or_default(),
            Some(t) if t.is('<') => {
                let Some((tbl, _)) = table_ref(toks, i) else {
                    problems.at((t.line, t.col), "expected <table>".to_owned());
                    return Vec::new();
                };
                let at = span(file, tbl);
                match self.tables.get(&tbl.text) {
                    Some(TableSource::Inline(entries)) => entries
                        .iter()
                        .map(|(k, _)| Located::new(k.clone(), at.clone()))
                        .collect(),
                    Some(TableSource::Backend(cfg)) => match self.table_file(&cfg.value) {
                        Some((f, lines)) => lines
                            .into_iter()
                            .map(|t| Located::new(t.key, Span::new(&f, t.line, t.col)))
                            .collect(),
                        None => vec![Located::new(format!("<{}>", tbl.text), at)],
                    },
                    None => {
                        problems.at(
                            (tbl.line, tbl.col),
                            format!("no such table: <{}>", tbl.text),
                        );
                        Vec::new()
                    }
                }
            }
            Some(t) if t.kind != Kind::Punct => vec![Located::new(t.text.clone(), span(file, t))],
            _ => {
                let last = &toks[toks.len() - 1];
                problems.at(
                    (last.line, last.col),
                    "expected a domain after `for domain`".to_owned(),
                );
                Vec::new()
            }
        }
    }

    /// A table file beside the configuration (table(5): `key value` lines, `#` comments):
    /// its name and (line, value column, key, value) per entry. `db:` tables are read from
    /// their source file (the path without `.db`), which makemap builds them from.
    fn table_file(&self, config: &str) -> Option<(String, Vec<TableLine>)> {
        let path = match config.split_once(':') {
            Some(("file", p)) => p.to_owned(),
            Some(("db", p)) => p.strip_suffix(".db").unwrap_or(p).to_owned(),
            None if config.starts_with('/') => config.to_owned(),
            _ => return None,
        };
        let src = (self.beside)(&path)?;
        let mut out = Vec::new();
        for l in lines(&src.text) {
            if out.len() >= MAX_TABLE_ENTRIES {
                break;
            }
            if l.raw.len() > MAX_TABLE_LINE_BYTES {
                continue;
            }
            let line = l.text;
            let body = line.trim_start();
            if body.is_empty() || body.starts_with('#') {
                continue;
            }
            let key_len = body.find(char::is_whitespace).unwrap_or(body.len());
            let key = &body[..key_len];
            let value = body[key_len..].trim();
            let value_at = line.len() - body[key_len..].trim_start().len();
            let col = line.get(..value_at).map_or(0, |s| s.chars().count()) + 1;
            out.push(TableLine {
                line: l.no,
                col: u32::try_from(col).unwrap_or(u32::MAX),
                key: key.to_owned(),
                value: value.to_owned(),
            });
        }
        Some((src.name, out))
    }
}

/// One `key value` line of a table file, with the line and the value's column.
struct TableLine {
    line: u32,
    col: u32,
    key: String,
    value: String,
}

/// Whether `host` is Google's relay.
fn is_google(host: &str) -> bool {
    host.trim_end_matches('.')
        .eq_ignore_ascii_case(DEFAULT_RELAY_HOST)
}

/// Reads `primary` (smtpd.conf) the way smtpd does, and the tables it names through
/// `beside` (by the path after `file:`). The relay is the action picked by the first
/// `match` line `for any` mail from local or any senders (the first matching line wins,
/// smtpd.conf(5)); with no such line, the first action with a `relay host` (Google's
/// first). `for domain` lines before it that pick another action are the routes.
/// `include` is not followed.
pub fn read(primary: &SourceFile, beside: Beside<'_>) -> ObservedPlan {
    let file = primary.name.as_str();
    let mut problems = Problems::new(file);
    let mut cfg = Config {
        file,
        beside,
        tables: HashMap::new(),
        actions: Vec::new(),
        action_names: HashMap::new(),
        matches: Vec::new(),
    };
    statements(&primary.text, &mut problems, &mut |s, problems| {
        cfg.statement(s, problems)
    });
    let mut plan = ObservedPlan {
        suppressions: super::suppressions(file, &primary.text),
        ..ObservedPlan::default()
    };

    let default_match = cfg
        .matches
        .iter()
        .position(|m| m.for_any && m.from_ok && m.action.is_some());
    let relay_action = match default_match {
        Some(i) => cfg.matches[i].action,
        None => cfg
            .actions
            .iter()
            .position(|a| a.host.as_ref().is_some_and(|h| is_google(&h.value.host)))
            .or_else(|| cfg.actions.iter().position(|a| a.host.is_some())),
    };
    if let Some(a) = relay_action.map(|i| cfg.actions[i].clone()) {
        fill(&mut plan, &cfg, &a, &mut problems);
    }
    let until = default_match.unwrap_or(cfg.matches.len());
    for m in &cfg.matches[..until] {
        if m.domains.is_empty() || (m.action.is_some() && m.action == relay_action) {
            continue;
        }
        let (next_hop, via_google) = match m.action.map(|i| &cfg.actions[i]) {
            Some(Action { host: Some(h), .. }) => (h.value.raw.clone(), is_google(&h.value.host)),
            Some(a) if a.relay => (format!("MX delivery (action \"{}\")", a.name), false),
            Some(a) => (format!("local delivery (action \"{}\")", a.name), false),
            None => ("reject".to_owned(), false),
        };
        for d in &m.domains {
            plan.routes.push(Located::new(
                Route {
                    domain: d.value.clone(),
                    next_hop: next_hop.clone(),
                    via_google,
                },
                d.span.clone(),
            ));
        }
    }
    // The table file's problems (from `fill`) follow smtpd.conf's.
    let table = std::mem::take(&mut plan.syntax);
    plan.syntax = problems.finish();
    plan.syntax.extend(table);
    plan
}

/// The plan of the relay action `a`.
fn fill(plan: &mut ObservedPlan, cfg: &Config<'_>, a: &Action, problems: &mut Problems) {
    match &a.helo {
        Some(h) => plan.helo = Some(h.clone()),
        // smtpd.conf(5), "helo": without it smtpd presents the server's host name.
        None => plan.helo_default = Some("the host name (smtpd's default)".to_owned()),
    }
    if let Some(src) = &a.src {
        // With a source address of one family, smtpd skips the relay's addresses of the
        // other (the generator's IPv4-only note).
        if let Ok(ip) = src.value.parse::<IpAddr>() {
            let f = if ip.is_ipv4() { Family::V4 } else { Family::V6 };
            plan.families = Some(Located::new(f, src.span.clone()));
        }
    }
    let Some(h) = &a.host else { return };
    let url = &h.value;
    plan.relay = Some(Located::new(
        RelayTarget {
            host: url.host.clone(),
            port: url.port,
            // A relay host is connected to by its addresses; smtpd looks up MX only when
            // it relays by domain.
            no_mx: true,
            raw: url.raw.clone(),
        },
        h.span.clone(),
    ));
    let tls = match (url.tls, &a.tls_option) {
        // smtpd.conf(5), "tls": TLS is required; with smtp:// that is mandatory STARTTLS.
        (Some(TlsMode::Opportunistic), Some(t)) => Some(Located::new(TlsMode::StartTls, t.clone())),
        (Some(t), _) => Some(Located::new(t, h.span.clone())),
        (None, _) => None,
    };
    plan.tls = tls;
    let Some(auth) = &a.auth else { return };
    plan.sasl = Some(Located::new(true, auth.span.clone()));
    let Some(table) = cfg.tables.get(&auth.value) else {
        return;
    };
    let Some(label) = &url.label else { return };
    let mut found = false;
    match table {
        TableSource::Inline(entries) => {
            plan.password_map = Some(Located::new(
                format!("<{}> (inline)", auth.value),
                auth.span.clone(),
            ));
            for (k, v) in entries {
                if k == label {
                    if let Some(v) = v {
                        found = true;
                        let user = v.value.split_once(':').map_or("", |(u, _)| u);
                        plan.credentials.push(Located::new(
                            CredentialEntry {
                                key: k.clone(),
                                user: user.to_owned(),
                            },
                            v.span.clone(),
                        ));
                    }
                }
            }
        }
        TableSource::Backend(c) => {
            plan.password_map = Some(c.clone());
            let Some((name, lines)) = cfg.table_file(&c.value) else {
                return;
            };
            let mut table_problems = Problems::new(&name);
            for TableLine {
                line,
                col,
                key,
                value,
            } in lines
            {
                if &key != label {
                    continue;
                }
                found = true;
                let user = match value.split_once(':') {
                    Some((u, _)) => u.to_owned(),
                    None => {
                        table_problems.at(
                            (line, col),
                            format!("credentials for `{key}` are not user:password"),
                        );
                        String::new()
                    }
                };
                plan.credentials.push(Located::new(
                    CredentialEntry { key, user },
                    Span::new(&name, line, col),
                ));
            }
            plan.syntax.extend(table_problems.finish());
        }
    }
    if !found {
        problems.push(
            h.span.clone(),
            format!(
                "label `{label}` is not in table <{}>: smtpd has no credentials to send",
                auth.value
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::{render, Options, Target};
    use crate::mta::MAX_PROBLEMS;
    use std::time::{Duration, Instant};

    fn parse_with(text: &str, files: &[(&str, &str)]) -> ObservedPlan {
        let files: Vec<(String, String)> = files
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        let beside = move |path: &str| {
            files
                .iter()
                .find(|(n, _)| n == path)
                .map(|(n, t)| SourceFile {
                    name: n.clone(),
                    text: t.clone(),
                })
        };
        read(
            &SourceFile {
                name: "smtpd.conf".into(),
                text: text.into(),
            },
            &beside,
        )
    }

    fn parse(text: &str) -> ObservedPlan {
        parse_with(text, &[])
    }

    fn at(line: u32, column: u32) -> Span {
        Span::new("smtpd.conf", line, column)
    }

    const RELAY: &str = "action \"relay\" relay host smtp+tls://smtp-relay.gmail.com:587 helo mail.example.com\nmatch from local for any action \"relay\"\n";

    #[test]
    fn schemes() {
        // (scheme and options, tls)
        let rows = [
            ("smtp://h", Some(TlsMode::Opportunistic)),
            ("h", Some(TlsMode::Opportunistic)),
            ("smtp://h tls", Some(TlsMode::StartTls)),
            ("smtp://h tls no-verify", Some(TlsMode::StartTls)),
            ("smtp+tls://h:587", Some(TlsMode::StartTls)),
            ("smtps://h:465", Some(TlsMode::Implicit)),
            ("smtp+notls://h:25", Some(TlsMode::Off)),
        ];
        for (url, tls) in rows {
            let p = parse(&format!(
                "action r relay host {url}\nmatch from local for any action r\n"
            ));
            assert_eq!(p.tls.map(|t| t.value), tls, "{url}");
            assert_eq!(p.relay.unwrap().value.host, "h", "{url}");
            assert!(p.syntax.is_empty(), "{url}: {:?}", p.syntax);
        }
    }

    #[test]
    fn relay_action_and_spans() {
        let p = parse(RELAY);
        let r = p.relay.unwrap();
        assert_eq!(r.span, at(1, 27));
        assert_eq!(
            r.value,
            RelayTarget {
                host: "smtp-relay.gmail.com".into(),
                port: Some(587),
                no_mx: true,
                raw: "smtp+tls://smtp-relay.gmail.com:587".into()
            }
        );
        assert_eq!(p.tls.unwrap().span, at(1, 27));
        let h = p.helo.unwrap();
        assert_eq!((h.value.as_str(), h.span), ("mail.example.com", at(1, 68)));
        assert_eq!(p.sasl, None);
        assert!(p.syntax.is_empty(), "{:?}", p.syntax);
        let q = parse("action r relay host smtp://h tls\nmatch for any action r\n");
        assert_eq!(q.tls.unwrap().span, at(1, 30));
        assert_eq!(
            q.helo_default.as_deref(),
            Some("the host name (smtpd's default)")
        );
    }

    #[test]
    fn macros_continuations_and_comments() {
        let text = "# relay settings\nrelay_url = \"smtp+tls://smtp-relay.gmail.com:587\"\nname=mail.example.com\naction \"relay\" relay \\\n   host $relay_url \\\n   helo $name # the EHLO name\nmatch from local for any action \"relay\"\n";
        let p = parse(text);
        assert!(p.syntax.is_empty(), "{:?}", p.syntax);
        let r = p.relay.unwrap();
        assert_eq!((r.value.port, r.span), (Some(587), at(5, 9)));
        let h = p.helo.unwrap();
        assert_eq!((h.value.as_str(), h.span), ("mail.example.com", at(6, 9)));
        // A macro's text joins what follows it, as smtpd's lexer reads it.
        let q =
            parse("h = smtp-relay.gmail.com\naction r relay host $h:465\nmatch for any action r\n");
        assert_eq!(q.relay.unwrap().value.port, Some(465));
        // Inside quotes, $ is literal.
        let s = parse("action r relay host smtp://h helo \"$x\"\nmatch for any action r\n");
        assert_eq!(s.helo.unwrap().value, "$x");
    }

    #[test]
    fn credentials_from_the_secrets_file() {
        let conf = "table secrets file:/etc/mail/secrets\naction \"relay\" relay host smtp+tls://google@smtp-relay.gmail.com:587 auth <secrets>\nmatch from local for any action \"relay\"\n";
        let p = parse_with(
            conf,
            &[(
                "/etc/mail/secrets",
                "# comment\nother x:y\ngoogle   relay@example.com:APP_PASSWORD\n",
            )],
        );
        assert!(p.syntax.is_empty(), "{:?}", p.syntax);
        assert_eq!(p.sasl.unwrap(), Located::new(true, at(2, 70)));
        assert_eq!(p.password_map.unwrap().value, "file:/etc/mail/secrets");
        assert_eq!(p.credentials.len(), 1);
        let c = &p.credentials[0];
        assert_eq!(c.span, Span::new("/etc/mail/secrets", 3, 10));
        assert_eq!(
            c.value,
            CredentialEntry {
                key: "google".into(),
                user: "relay@example.com".into()
            }
        );
        // Inline table.
        let q = parse("table s { google = \"u@example.com:pw\" }\naction r relay host smtps://google@h auth <s>\nmatch for any action r\n");
        assert_eq!(q.credentials[0].value.user, "u@example.com");
        assert_eq!(q.credentials[0].span, at(1, 20));
        assert!(!serde_json::to_string(&q).unwrap().contains(":pw"));
    }

    #[test]
    fn routes_and_the_default_match() {
        let text = "table internal { corp.example.com, lab.example.com }\naction \"local\" maildir\naction \"hub\" relay host smtp://hub.corp.example.com\naction \"mx\" relay\naction \"relay\" relay host smtp+tls://smtp-relay.gmail.com:587\nmatch from local for local action \"local\"\nmatch from local for domain <internal> action \"hub\"\nmatch from any for domain \"example.net\" action \"mx\"\nmatch from local for domain { \"a.example\",\n \"b.example\" } \\\n   action \"local\"\nmatch from local for any action \"relay\"\nmatch from local for domain \"late.example\" action \"hub\"\n";
        let p = parse(text);
        assert!(p.syntax.is_empty(), "{:?}", p.syntax);
        assert_eq!(p.relay.unwrap().value.host, "smtp-relay.gmail.com");
        let routes: Vec<_> = p
            .routes
            .iter()
            .map(|r| {
                (
                    r.value.domain.as_str(),
                    r.value.next_hop.as_str(),
                    r.span.line,
                )
            })
            .collect();
        assert_eq!(
            routes,
            [
                ("corp.example.com", "smtp://hub.corp.example.com", 7),
                ("lab.example.com", "smtp://hub.corp.example.com", 7),
                ("example.net", "MX delivery (action \"mx\")", 8),
                ("a.example", "local delivery (action \"local\")", 9),
                ("b.example", "local delivery (action \"local\")", 10),
            ]
        );
        assert_eq!(p.routes[2].span, at(8, 27));
    }

    #[test]
    fn problems() {
        // (name, text, line, column, message fragment)
        let rows = [
            ("unknown keyword", "relayhost smtp\n", 1, 1, "unknown keyword `relayhost`"),
            ("undefined macro", "action r relay host $nope\n", 1, 21, "macro `nope` not defined"),
            ("unterminated", "action \"r relay\n", 1, 8, "unterminated quoted string"),
            ("bad scheme", "action r relay host tls://h\n", 1, 21, "unknown relay URL scheme `tls://`"),
            ("bad port", "action r relay host smtp://h:0\n", 1, 21, "not a port number"),
            ("no such action", "match for any action nope\n", 1, 22, "no such action"),
            ("no such table", "action r relay host smtp+tls://l@h auth <t>\n", 1, 42, "no such table"),
            ("label without auth", "action r relay host smtps://l@h\n", 1, 21, "no `auth <table>`"),
            ("auth over smtp", "table t { l = \"u:p\" }\naction r relay host smtp://l@h auth <t>\n", 2, 21, "only with smtp+tls"),
            ("missing label", "table t file:/x\naction r relay host smtps://g@h auth <t>\nmatch for any action r\n", 2, 21, "label `g` is not in table <t>"),
            ("unknown option", "action r relay host h fast\n", 1, 23, "unknown relay option `fast`"),
            ("continued comment", "# one \\\naction r relay\n", 1, 1, "comment ends with a backslash"),
            ("binary", "action r\u{1} relay\n", 1, 9, "U+0001"),
            ("non-ascii", "action r relay helo é\n", 1, 21, "U+00E9"),
            ("match without action", "match from any for any\n", 1, 1, "without `action NAME`"),
            ("tls with notls", "action r relay host smtp+notls://h tls\n", 1, 21, "refuses TLS"),
        ];
        for (name, text, line, col, want) in rows {
            let p = parse_with(text, &[("/x", "other u:p\n")]);
            assert!(
                p.syntax
                    .iter()
                    .any(|s| s.span == at(line, col) && s.message.contains(want)),
                "{name}: {:?}",
                p.syntax
            );
        }
        // A continued comment swallows the next line.
        assert!(
            parse("# one \\\naction r relay host h\nmatch for any action r\n")
                .syntax
                .iter()
                .any(|s| s.message.contains("no such action"))
        );
    }

    #[test]
    fn families_from_src() {
        let p =
            parse("action r relay host smtp+tls://h:587 src 192.0.2.1\nmatch for any action r\n");
        assert_eq!(p.families.unwrap().value, Family::V4);
    }

    #[test]
    fn suppressions_are_read() {
        let p = parse(&format!("# relayctl: allow tls-opportunistic\n{RELAY}"));
        assert_eq!(p.suppressions[0].covers_line, 2);
    }

    /// What `relayctl gen opensmtpd` writes reads back as the plan it spelled.
    #[test]
    fn reads_back_generated_files() {
        use crate::gen::testing::plan_for;
        use crate::relay::console::Authentication;
        use crate::relay::plan::TlsPreference;
        use crate::relay::Port;
        type Tweak = fn(&mut crate::relay::console::ConsoleSetting, &mut crate::relay::plan::Site);
        let cases: [(&str, Tweak, u16, TlsMode, bool); 4] = [
            ("default", |_, _| {}, 587, TlsMode::StartTls, false),
            (
                "465 with auth",
                |c, s| {
                    c.authentication = Authentication::SmtpAuth;
                    s.auth_user = Some("relay@example.com".into());
                    s.port = Some(Port::Smtps);
                },
                465,
                TlsMode::Implicit,
                true,
            ),
            (
                "opportunistic with internal routes",
                |c, s| {
                    c.require_tls = false;
                    s.tls = Some(TlsPreference::Opportunistic);
                    crate::gen::testing::internal_domains(&mut Default::default(), s);
                },
                587,
                TlsMode::Opportunistic,
                false,
            ),
            (
                "no tls",
                |c, s| {
                    c.require_tls = false;
                    s.tls = Some(TlsPreference::None);
                    s.port = Some(Port::Smtp);
                },
                25,
                TlsMode::Off,
                false,
            ),
        ];
        for (name, tweak, port, tls, sasl) in cases {
            let plan = plan_for(Target::Opensmtpd, false, tweak).unwrap();
            let a = render(Target::Opensmtpd, &plan, &Options::default()).unwrap();
            let text = a.files[0].lines.join("\n");
            let others: Vec<(String, String)> = a.files[1..]
                .iter()
                .map(|f| (f.path.clone(), f.lines.join("\n")))
                .collect();
            let others: Vec<(&str, &str)> = others
                .iter()
                .map(|(p, t)| (p.as_str(), t.as_str()))
                .collect();
            let p = parse_with(&text, &others);
            assert!(p.syntax.is_empty(), "{name}: {:?}", p.syntax);
            let relay = p.relay.unwrap().value;
            assert_eq!(relay.host, plan.relay_host.to_string(), "{name}");
            assert_eq!(relay.port, Some(port), "{name}");
            assert_eq!(p.tls.unwrap().value, tls, "{name}");
            assert_eq!(p.sasl.map(|s| s.value).unwrap_or(false), sasl, "{name}");
            assert_eq!(
                p.helo.unwrap().value,
                plan.helo.as_ref().unwrap().to_string(),
                "{name}"
            );
            if sasl {
                assert_eq!(p.credentials.len(), 1, "{name}");
                assert_eq!(p.credentials[0].value.user, "relay@example.com");
            }
            let routes: Vec<_> = p.routes.iter().map(|r| r.value.domain.as_str()).collect();
            let want: Vec<String> = plan
                .internal
                .iter()
                .flat_map(|r| [r.domain.to_string(), format!("*.{}", r.domain)])
                .collect();
            assert_eq!(routes, want, "{name}");
            assert!(p.routes.iter().all(|r| !r.value.via_google));
        }
    }

    fn random_text(n: usize) -> String {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut bytes = Vec::with_capacity(n);
        for _ in 0..n {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            bytes.push((seed >> 32) as u8);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn hostile_input_is_bounded() {
        let start = Instant::now();
        let p = parse(&random_text(1 << 20));
        assert!(p.syntax.len() <= MAX_PROBLEMS + 1);
        // Endless continuation lines.
        let q = parse(&"action r relay host h \\\n".repeat(200_000));
        assert!(
            q.syntax.iter().any(|s| s.message.contains("tokens")),
            "{:?}",
            q.syntax
        );
        // One 8 MB line, an endless list, a huge word.
        let r = parse(&format!("table t {{ {} }}\n", "a, ".repeat(2_000_000)));
        assert!(!r.syntax.is_empty());
        let s = parse(&format!("action r relay host {}\n", "h".repeat(8 << 20)));
        assert!(s.syntax[0].message.contains("too long"));
        // Doubling macros stay one token each.
        let mut m = String::from("a0 = \"xxxxxxxxxxxxxxxx\"\n");
        for i in 1..64 {
            m.push_str(&format!("a{i} = $a{}\n", i - 1));
        }
        let _ = parse(&m);
        // Printable garbage.
        let words: String = (0..500_000).map(|i| format!("w{i} ")).collect();
        let _ = parse(&words);
        assert!(start.elapsed() < Duration::from_secs(30));
    }
}
