//! Postfix configuration reader: main.cf (or `postconf -n` output), the master.cf service
//! overrides beside it, and the sasl_passwd / transport maps it names, read the way Postfix
//! reads them (postconf(5), master(5), transport(5), postmap(1)) into an [`ObservedPlan`]
//! with file:line:column spans. Pure and bounded: no I/O of its own (files arrive through
//! [`Beside`]), linear in the input, never panics on hostile text.

use super::toolkit::{
    floor_boundary, is_c_space as is_space, logical_lines, Continuation, Limits, Logical, Problems,
};
use super::{
    Beside, CredentialEntry, Located, ObservedPlan, RelayTarget, Route, SourceFile, Span,
    SyntaxProblem, TlsMode,
};
use crate::relay::Family;
use std::collections::{HashMap, HashSet};

/// Longest physical line read; the rest of the line is dropped with a problem.
const MAX_LINE: usize = 64 * 1024;
/// Longest logical line (a line and its continuations); further continuations are dropped.
const MAX_LOGICAL: usize = 1024 * 1024;
/// Deepest `$name` nesting followed. Postfix's mac_expand(3) stops at 100 too.
const MAX_DEPTH: usize = 100;
/// Longest expansion result kept.
const MAX_EXPANSION: usize = 64 * 1024;
/// Parameter look-ups per expander: a bound on work whatever the nesting.
const MAX_STEPS: usize = 100_000;
/// Distinct parameters (or master.cf services) kept per file; Postfix knows about a
/// thousand, so more is noise, and the cap bounds memory.
const MAX_PARAMS: usize = 100_000;
/// Map entries kept per file.
const MAX_ENTRIES: usize = 10_000;
/// How much of a file's start is checked for binary content.
const BINARY_SNIFF: usize = 8 * 1024;

/// Lookup-table types whose source is a text file in postmap(1) format, read beside.
const FILE_MAPS: &[&str] = &[
    "hash", "btree", "lmdb", "cdb", "dbm", "sdbm", "texthash", "regexp", "pcre",
];

/// Reads `primary` (and the files beside it that it names) the way Postfix does.
///
/// `primary` is main.cf or `postconf -n` output, unless its base name says master.cf,
/// sasl_passwd or transport: then only that file is read. Rules chosen where the files
/// leave Postfix to its defaults:
/// - **Spans** point at the value of the winning assignment. When a value is nothing but
///   a reference (`smtp_helo_name = $myhostname`, or the default `$myhostname` itself),
///   the span follows the reference to the assignment that holds the text.
/// - **HELO**: `smtp_helo_name` expanded; when it depends on the machine's host name
///   (`myhostname` not set), `helo` is `None` and `helo_default` says so.
/// - **Connection reuse**: Postfix reuses a TLS connection only with
///   `smtp_tls_connection_reuse = yes` (postconf(5), Postfix >= 3.4; default no), so TLS
///   without it gives `Some(false)`. Otherwise an explicit `smtp_connection_cache_on_demand`
///   or a `smtp_connection_cache_destinations` entry naming the relay decides; plaintext
///   with the defaults (on-demand caching) gives `None`.
/// - **master.cf**: `-o` overrides on the service named by `default_transport` (`smtp` by
///   default) win over main.cf for what smtp(8) reads (TLS, SASL, HELO, reuse,
///   `inet_protocols`). `relayhost`, `transport_maps` and recipient limits are read by
///   other daemons, so only main.cf counts for them. The `relay` service carries mail for
///   `$relay_domains` only and is not read.
pub fn read(primary: &SourceFile, beside: Beside<'_>) -> ObservedPlan {
    let mut plan = ObservedPlan {
        suppressions: super::suppressions(&primary.name, &primary.text),
        ..ObservedPlan::default()
    };
    let base = basename(&primary.name);
    if looks_binary(&primary.text) {
        plan.syntax.push(binary_problem(&primary.name));
        return plan;
    }
    if base == "master.cf" {
        let services = parse_master(primary, &mut plan.syntax);
        let over = services.get("smtp").cloned().unwrap_or_default();
        smtp_settings(
            &Params::new(),
            &over,
            beside,
            &mut HashSet::new(),
            &mut plan,
        );
        // Without main.cf, the HELO default is not known either.
        plan.helo_default = None;
    } else if base.starts_with("sasl_passwd") {
        plan.credentials = read_credentials(primary, &mut plan.syntax);
    } else if base == "transport" {
        plan.routes = read_routes(primary, None, &mut plan.syntax);
    } else {
        read_main(primary, beside, &mut plan);
    }
    plan
}

/// The last path component (either separator).
fn basename(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// A character of a parameter name in `$name` (mac_parse(3): alphanumerics and `_`).
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Whether the start of `text` is binary rather than configuration text: a NUL, or more
/// than a tenth control or replacement characters.
fn looks_binary(text: &str) -> bool {
    let (mut total, mut bad) = (0usize, 0usize);
    for c in text.chars().take(BINARY_SNIFF) {
        if c == '\0' {
            return true;
        }
        total += 1;
        if c == '\u{fffd}' || (c.is_control() && !is_space(c)) {
            bad += 1;
        }
    }
    bad * 10 > total
}

fn binary_problem(file: &str) -> SyntaxProblem {
    SyntaxProblem {
        message: "this looks like a binary file (NUL or control bytes), not Postfix configuration text; not read".to_owned(),
        span: Span::new(file, 1, 1),
    }
}

/// The start of `s` for a message, quoted and escaped.
fn snippet(s: &str) -> String {
    let short: String = s.trim().chars().take(40).collect();
    if short.len() < s.trim().len() {
        format!("{short:?}...")
    } else {
        format!("{short:?}")
    }
}

/// Calls `each` with the logical lines of `text` as Postfix's readllines(3) reads them
/// (a line starting with white space continues the one before), within the bounds above.
fn readllines(text: &str, problems: &mut Problems, each: impl FnMut(&Logical, &mut Problems)) {
    let limits = Limits {
        line: Some(MAX_LINE),
        logical: MAX_LOGICAL,
    };
    logical_lines(text, Continuation::LeadingBlank, limits, problems, each);
}

/// A parameter's value as written and where the value starts.
#[derive(Debug, Clone)]
struct Param {
    value: String,
    span: Span,
}

/// Parameters by name, the last assignment winning.
type Params = HashMap<String, Param>;

/// Splits `name = value` (postconf(5); split_nameval(3)): white space around `=` and at
/// the end is ignored. Returns the name, the value and the value's byte offset.
fn split_assignment(text: &str) -> Result<(&str, &str, usize), &'static str> {
    let start = text.len() - text.trim_start_matches(is_space).len();
    let rest = text.get(start..).unwrap_or("");
    let name_len = rest.find(|c| is_space(c) || c == '=').unwrap_or(rest.len());
    let name = rest.get(..name_len).unwrap_or("");
    let after = rest
        .get(name_len..)
        .unwrap_or("")
        .trim_start_matches(is_space);
    let Some(value) = after.strip_prefix('=') else {
        return Err("not a `name = value` line");
    };
    if name.is_empty() {
        return Err("no parameter name before `=`");
    }
    let value = value.trim_start_matches(is_space);
    let off = text.len() - value.len();
    Ok((name, value.trim_end_matches(is_space), off))
}

/// Reads main.cf (or `postconf -n` output) into its parameters.
fn parse_main(file: &SourceFile, problems: &mut Vec<SyntaxProblem>) -> Params {
    let mut params = Params::new();
    let mut sink = Problems::new(&file.name);
    readllines(&file.text, &mut sink, |l, sink| {
        match split_assignment(l.text()) {
            Ok((name, value, off)) => {
                let (line, column) = l.at(off);
                if params.len() >= MAX_PARAMS && !params.contains_key(name) {
                    if params.len() == MAX_PARAMS {
                        sink.at(
                            (line, 1),
                            format!("more than {MAX_PARAMS} parameters; the rest of the file is not read"),
                        );
                        params.insert(
                            String::new(),
                            Param {
                                value: String::new(),
                                span: Span::new(&file.name, line, 1),
                            },
                        );
                    }
                    return;
                }
                params.insert(
                    name.to_owned(),
                    Param {
                        value: value.to_owned(),
                        span: Span::new(&file.name, line, column),
                    },
                );
            }
            Err(what) => sink.at_with(l.at(0), || {
                format!(
                    "{what}: {}; Postfix stops with a fatal error",
                    snippet(l.text())
                )
            }),
        }
    });
    sink.finish_into(problems);
    params
}

/// What Postfix uses for a parameter the files do not set, for the few that matter here
/// (postconf(5) defaults).
enum Default {
    /// A fixed default text (expanded further).
    Text(&'static str),
    /// Set from the machine (`myhostname`): defined and non-empty, value unknown here.
    Machine,
}

fn default_of(name: &str) -> Option<Default> {
    Some(match name {
        "myhostname" | "mydomain" | "inet_protocols" | "config_directory" => Default::Machine,
        "smtp_helo_name" | "myorigin" => Default::Text("$myhostname"),
        "default_destination_recipient_limit" => Default::Text("50"),
        "smtp_destination_recipient_limit" | "relay_destination_recipient_limit" => {
            Default::Text("$default_destination_recipient_limit")
        }
        "default_transport" => Default::Text("smtp"),
        "relay_transport" => Default::Text("relay"),
        "relayhost"
        | "smtp_tls_security_level"
        | "smtp_sasl_password_maps"
        | "transport_maps"
        | "smtp_tls_policy_maps"
        | "smtp_connection_cache_destinations" => Default::Text(""),
        "smtp_sasl_auth_enable"
        | "smtp_tls_wrappermode"
        | "smtp_use_tls"
        | "smtp_enforce_tls"
        | "smtp_tls_connection_reuse" => Default::Text("no"),
        "smtp_connection_cache_on_demand" => Default::Text("yes"),
        _ => return None,
    })
}

/// An expansion result.
#[derive(Debug, Clone, Default)]
struct Exp {
    /// The text; references that could not be resolved are kept as written.
    text: String,
    /// Whether every reference was resolved.
    known: bool,
    /// Whether the result is non-empty, when that is known even if the text is not.
    nonempty: Option<bool>,
}

impl Exp {
    fn unknown(text: &str, nonempty: Option<bool>) -> Exp {
        Exp {
            text: text.to_owned(),
            known: false,
            nonempty,
        }
    }
}

/// The value of a parameter after expansion, and where it was decided.
struct Resolved {
    text: String,
    known: bool,
    /// The origin (see [`read`]); `None` when only defaults decide.
    span: Option<Span>,
}

/// Expands `$name`, `${name}`, `$(name)`, `${name?text}`, `${name:text}` and Postfix 3.0's
/// `${name?{text}:{text}}` over one set of parameters (mac_expand(3)), bounded in depth,
/// size and steps; records loops instead of following them.
struct Expander<'a> {
    main: &'a Params,
    over: &'a Params,
    memo: HashMap<String, Exp>,
    stack: Vec<String>,
    steps: usize,
    loops: Vec<Vec<String>>,
    too_deep: Option<String>,
    too_big: Option<String>,
}

impl<'a> Expander<'a> {
    fn new(main: &'a Params, over: &'a Params) -> Expander<'a> {
        Expander {
            main,
            over,
            memo: HashMap::new(),
            stack: Vec::new(),
            steps: 0,
            loops: Vec::new(),
            too_deep: None,
            too_big: None,
        }
    }

    fn lookup(&self, name: &str) -> Option<&'a Param> {
        self.over.get(name).or_else(|| self.main.get(name))
    }

    /// `name`'s value, expanded.
    fn resolve(&mut self, name: &str) -> Resolved {
        let e = self.expand_name(name);
        Resolved {
            text: e.text.trim_matches(is_space).to_owned(),
            known: e.known,
            span: self.origin(name),
        }
    }

    /// Where `name`'s value text was written: its assignment, or (when the value is a bare
    /// reference such as `$myhostname`, or the default is one) the referenced one's.
    fn origin(&self, name: &str) -> Option<Span> {
        let mut name = name.to_owned();
        let mut found: Option<&'a Param> = None;
        for _ in 0..MAX_DEPTH {
            let raw: &str = match self.lookup(&name) {
                Some(p) => {
                    found = Some(p);
                    &p.value
                }
                None => match default_of(&name) {
                    Some(Default::Text(t)) => t,
                    _ => break,
                },
            };
            match bare_reference(raw) {
                Some(n) if n != name => name = n.to_owned(),
                _ => break,
            }
        }
        found.map(|p| p.span.clone())
    }

    fn expand_name(&mut self, name: &str) -> Exp {
        let literal = format!("${name}");
        if let Some(e) = self.memo.get(name) {
            return e.clone();
        }
        if let Some(pos) = self.stack.iter().position(|n| n == name) {
            let mut cycle: Vec<String> = self.stack.get(pos..).unwrap_or_default().to_vec();
            cycle.push(name.to_owned());
            self.loops.push(cycle);
            return Exp::unknown(&literal, None);
        }
        self.steps += 1;
        if self.stack.len() >= MAX_DEPTH || self.steps > MAX_STEPS {
            if self.too_deep.is_none() {
                self.too_deep = self.stack.first().cloned();
            }
            return Exp::unknown(&literal, None);
        }
        let value: String = match self.lookup(name) {
            Some(p) => p.value.clone(),
            None => match default_of(name) {
                Some(Default::Text(t)) => t.to_owned(),
                Some(Default::Machine) => return Exp::unknown(&literal, Some(true)),
                None => return Exp::unknown(&literal, None),
            },
        };
        self.stack.push(name.to_owned());
        let e = self.expand_text(&value);
        self.stack.pop();
        self.memo.insert(name.to_owned(), e.clone());
        e
    }

    fn expand_text(&mut self, s: &str) -> Exp {
        let mut out = String::new();
        let mut known = true;
        let mut nonempty = false;
        let mut rest = s;
        while let Some(pos) = rest.find('$') {
            let lit = rest.get(..pos).unwrap_or("");
            nonempty |= !lit.trim_matches(is_space).is_empty();
            out.push_str(lit);
            let after = rest.get(pos + 1..).unwrap_or("");
            let first = after.chars().next();
            match first {
                Some('$') => {
                    out.push('$');
                    nonempty = true;
                    rest = after.get(1..).unwrap_or("");
                }
                Some(open @ ('{' | '(')) => match matching(after, open) {
                    Some(end) => {
                        let inner = after.get(1..end).unwrap_or("");
                        let whole = rest.get(pos..pos + end + 2).unwrap_or("");
                        let e = self.expand_ref(inner, whole);
                        absorb(&mut out, &mut known, &mut nonempty, e);
                        rest = after.get(end + 1..).unwrap_or("");
                    }
                    None => {
                        out.push('$');
                        rest = after;
                    }
                },
                Some(c) if is_name_char(c) => {
                    let n = after.find(|c| !is_name_char(c)).unwrap_or(after.len());
                    let e = self.expand_name(after.get(..n).unwrap_or(""));
                    absorb(&mut out, &mut known, &mut nonempty, e);
                    rest = after.get(n..).unwrap_or("");
                }
                _ => {
                    out.push('$');
                    nonempty = true;
                    rest = after;
                }
            }
            if out.len() > MAX_EXPANSION {
                if self.too_big.is_none() {
                    self.too_big = self.stack.first().cloned();
                }
                out.truncate(floor_boundary(&out, MAX_EXPANSION));
                return Exp::unknown(&out, Some(true));
            }
        }
        nonempty |= !rest.trim_matches(is_space).is_empty();
        out.push_str(rest);
        let nonempty = if nonempty {
            Some(true)
        } else if known {
            Some(false)
        } else {
            None
        };
        Exp {
            text: out,
            known,
            nonempty,
        }
    }

    /// The inside of `${...}`: a name, `name?text`, `name:text`, or the 3.0 brace forms.
    fn expand_ref(&mut self, inner: &str, whole: &str) -> Exp {
        let n = inner.find(|c| !is_name_char(c)).unwrap_or(inner.len());
        let name = inner.get(..n).unwrap_or("");
        let op = inner.get(n..).unwrap_or("");
        if name.is_empty() {
            return Exp::unknown(whole, None);
        }
        let Some(cond) = op.chars().next() else {
            return self.expand_name(name);
        };
        if cond != '?' && cond != ':' {
            // Relational forms (`${name == value ? ...}`) are not evaluated.
            return Exp::unknown(whole, None);
        }
        let body = op.get(1..).unwrap_or("");
        let (when, otherwise) = branches(body);
        let set = self.expand_name(name).nonempty;
        let pick = match (cond, set) {
            ('?', Some(true)) | (':', Some(false)) => Some(when),
            ('?', Some(false)) => Some(otherwise.unwrap_or("")),
            (':', Some(true)) => Some(""),
            _ => None,
        };
        match pick {
            Some(text) => self.expand_text(text),
            None => Exp::unknown(whole, None),
        }
    }
}

/// Appends a piece of an expansion.
fn absorb(out: &mut String, known: &mut bool, nonempty: &mut bool, e: Exp) {
    *known &= e.known;
    *nonempty |= e.nonempty == Some(true);
    out.push_str(&e.text);
}

/// The byte index in `s` (which starts with `open`) of the bracket closing it.
fn matching(s: &str, open: char) -> Option<usize> {
    let close = if open == '{' { '}' } else { ')' };
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// The texts of `?text`, `?{text}` and `?{text}:{text}` (after the operator).
fn branches(body: &str) -> (&str, Option<&str>) {
    let t = body.trim_start_matches(is_space);
    if !t.starts_with('{') {
        return (body, None);
    }
    let Some(end) = matching(t, '{') else {
        return (body, None);
    };
    let first = t.get(1..end).unwrap_or("").trim_matches(is_space);
    let rest = t.get(end + 1..).unwrap_or("").trim_matches(is_space);
    let second = rest
        .strip_prefix(':')
        .map(|r| r.trim_matches(is_space))
        .and_then(|r| match matching(r, '{') {
            Some(e) if r.starts_with('{') => r.get(1..e).map(|x| x.trim_matches(is_space)),
            _ => None,
        });
    (first, second)
}

/// `$name`, `${name}` or `$(name)` alone (white space aside): the name.
fn bare_reference(value: &str) -> Option<&str> {
    let v = value.trim_matches(is_space).strip_prefix('$')?;
    let name = if let Some(inner) = v.strip_prefix('{') {
        inner.strip_suffix('}')?
    } else if let Some(inner) = v.strip_prefix('(') {
        inner.strip_suffix(')')?
    } else {
        v
    };
    (!name.is_empty() && name.chars().all(is_name_char)).then_some(name)
}

/// Turns the loops and overflows an expander met into problems, once per loop.
fn report_expansion(ex: &Expander<'_>, seen: &mut HashSet<String>, out: &mut Vec<SyntaxProblem>) {
    let span_of = |name: &str| ex.lookup(name).map(|p| p.span.clone());
    for cycle in &ex.loops {
        let mut key: Vec<&str> = cycle.iter().map(String::as_str).collect();
        key.sort_unstable();
        key.dedup();
        if !seen.insert(key.join(" ")) {
            continue;
        }
        let Some(span) = cycle.first().and_then(|n| span_of(n)) else {
            continue;
        };
        out.push(SyntaxProblem {
            message: format!(
                "parameter expansion loop: {}; Postfix stops with a fatal error",
                cycle
                    .iter()
                    .map(|n| format!("${n}"))
                    .collect::<Vec<_>>()
                    .join(" -> ")
            ),
            span,
        });
    }
    for (what, name) in [
        (
            "nested more than 100 deep (or needs too many look-ups)",
            &ex.too_deep,
        ),
        ("longer than 64 KiB", &ex.too_big),
    ] {
        if let Some(span) = name.as_deref().and_then(span_of) {
            if seen.insert(format!("{what} {}", span.line)) {
                out.push(SyntaxProblem {
                    message: format!("parameter expansion {what}; not expanded further"),
                    span,
                });
            }
        }
    }
}

/// Reads main.cf and the files beside it into `plan`.
fn read_main(primary: &SourceFile, beside: Beside<'_>, plan: &mut ObservedPlan) {
    let main = parse_main(primary, &mut plan.syntax);
    plan_main(&main, beside, plan);
}

/// A main.cf parameter set somewhere else than in main.cf's text: a `postconf -e` line or a
/// heredoc of a script, a container image's environment. `value: None` removes the
/// parameter (`postconf -X`), so Postfix's default applies again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Assignment {
    /// The parameter name.
    pub name: String,
    /// The value, or `None` for a removal.
    pub value: Option<String>,
    /// Where the value is written.
    pub span: Span,
}

/// The plan of a main.cf made of `assignments`, applied in order (the last one of a name
/// wins), read the way [`read`] reads main.cf; master.cf and the maps it names come from
/// `beside`.
pub(crate) fn read_assignments(assignments: &[Assignment], beside: Beside<'_>) -> ObservedPlan {
    let mut main = Params::new();
    for a in assignments {
        match &a.value {
            Some(v) if main.len() < MAX_PARAMS || main.contains_key(&a.name) => {
                main.insert(
                    a.name.clone(),
                    Param {
                        value: v.clone(),
                        span: a.span.clone(),
                    },
                );
            }
            Some(_) => {}
            None => {
                main.remove(&a.name);
            }
        }
    }
    let mut plan = ObservedPlan::default();
    plan_main(&main, beside, &mut plan);
    plan
}

/// The plan of main.cf's parameters `main` (with master.cf and the maps from `beside`).
fn plan_main(main: &Params, beside: Beside<'_>, plan: &mut ObservedPlan) {
    let no_over = Params::new();
    let mut seen = HashSet::new();
    let mut ex = Expander::new(main, &no_over);

    // postconf(5), default_transport: its next hop, when given, beats relayhost.
    let dt = ex.resolve("default_transport");
    let (transport, dt_hop) = match dt.text.split_once(':') {
        Some((t, hop)) => (t.trim().to_owned(), hop.trim().to_owned()),
        None => (dt.text.trim().to_owned(), String::new()),
    };
    let transport = if transport.is_empty() {
        "smtp".to_owned()
    } else {
        transport
    };
    let (hop, hop_span) = if dt_hop.is_empty() {
        let r = ex.resolve("relayhost");
        (r.text, r.span)
    } else {
        (dt_hop, dt.span)
    };
    if let (false, Some(span)) = (hop.is_empty(), hop_span) {
        plan.relay = Some(next_hop(&hop, span, &mut plan.syntax));
    }

    // postconf(5): <transport>_destination_recipient_limit defaults to
    // $default_destination_recipient_limit; qmgr(8) reads it, so master.cf does not count.
    let mut limit = ex.resolve(&format!("{transport}_destination_recipient_limit"));
    if limit.span.is_none() {
        limit = ex.resolve("default_destination_recipient_limit");
    }
    if let Some(span) = limit.span {
        match limit.text.parse::<u32>() {
            Ok(n) => plan.max_rcpt_per_transaction = Some(Located::new(n, span)),
            Err(_) if limit.known => plan.syntax.push(SyntaxProblem {
                message: format!("recipient limit {} is not a number", snippet(&limit.text)),
                span,
            }),
            Err(_) => {}
        }
    }

    let maps = ex.resolve("transport_maps");
    report_expansion(&ex, &mut seen, &mut plan.syntax);
    let relay_is_google = plan
        .relay
        .as_ref()
        .is_some_and(|r| is_google(&r.value.host));
    if maps.span.is_some() {
        for table in tables(&maps.text) {
            if let Some(file) = beside_table(table, beside) {
                add_file(plan, &file, |plan, file| {
                    let routes = read_routes(file, Some(relay_is_google), &mut plan.syntax);
                    plan.routes.extend(routes);
                });
            }
        }
    }

    let mut services = HashMap::new();
    if let Some(master) = beside("master.cf") {
        add_file(plan, &master, |plan, file| {
            services = parse_master(file, &mut plan.syntax);
        });
    }
    let over = services.remove(&transport).unwrap_or_default();
    smtp_settings(main, &over, beside, &mut seen, plan);
}

/// Adds a beside file's suppressions and reads it, unless it is binary.
fn add_file(
    plan: &mut ObservedPlan,
    file: &SourceFile,
    read: impl FnOnce(&mut ObservedPlan, &SourceFile),
) {
    plan.suppressions
        .extend(super::suppressions(&file.name, &file.text));
    if looks_binary(&file.text) {
        plan.syntax.push(binary_problem(&file.name));
    } else {
        read(plan, file);
    }
}

/// What smtp(8) reads: main.cf's parameters under the service's `-o` overrides.
fn smtp_settings(
    main: &Params,
    over: &Params,
    beside: Beside<'_>,
    seen: &mut HashSet<String>,
    plan: &mut ObservedPlan,
) {
    let mut ex = Expander::new(main, over);
    let mut problems = Vec::new();
    let boolean = |ex: &mut Expander<'_>, name: &str, problems: &mut Vec<SyntaxProblem>| {
        let r = ex.resolve(name);
        let span = r.span?;
        match r.text.to_ascii_lowercase().as_str() {
            "yes" => Some(Located::new(true, span)),
            "no" => Some(Located::new(false, span)),
            _ if r.known => {
                problems.push(SyntaxProblem {
                    message: format!(
                        "{name} must be yes or no, not {}; Postfix stops with a fatal error",
                        snippet(&r.text)
                    ),
                    span,
                });
                None
            }
            _ => None,
        }
    };

    // postconf(5), smtp_tls_security_level: when empty, the obsolete smtp_use_tls and
    // smtp_enforce_tls decide. smtp_tls_wrappermode = yes means TLS from the first byte.
    let wrapper = boolean(&mut ex, "smtp_tls_wrappermode", &mut problems);
    let enforce = boolean(&mut ex, "smtp_enforce_tls", &mut problems);
    let use_tls = boolean(&mut ex, "smtp_use_tls", &mut problems);
    let level = ex.resolve("smtp_tls_security_level");
    plan.tls = if let Some(w) = wrapper.filter(|w| w.value) {
        Some(Located::new(TlsMode::Implicit, w.span))
    } else if let (false, Some(span)) = (level.text.is_empty(), level.span.clone()) {
        match level.text.to_ascii_lowercase().as_str() {
            "none" => Some(Located::new(TlsMode::Off, span)),
            // dane falls back to may without usable TLSA records, as at Google.
            "may" | "dane" => Some(Located::new(TlsMode::Opportunistic, span)),
            "encrypt" | "dane-only" | "fingerprint" | "verify" | "secure" => {
                Some(Located::new(TlsMode::StartTls, span))
            }
            _ if level.known => {
                problems.push(SyntaxProblem {
                    message: format!(
                        "unknown smtp_tls_security_level {}; use none, may, encrypt, verify or secure",
                        snippet(&level.text)
                    ),
                    span,
                });
                None
            }
            _ => None,
        }
    } else {
        match (enforce, use_tls) {
            (Some(e), _) if e.value => Some(Located::new(TlsMode::StartTls, e.span)),
            (_, Some(u)) if u.value => Some(Located::new(TlsMode::Opportunistic, u.span)),
            (_, Some(u)) => Some(Located::new(TlsMode::Off, u.span)),
            (Some(e), None) => Some(Located::new(TlsMode::Off, e.span)),
            (None, None) => None,
        }
    };

    // postconf(5), smtp_tls_security_level: `may` and `encrypt` take any certificate;
    // `verify` and `secure` check the chain and the name, `fingerprint` and `dane-only`
    // pin the certificate. A policy table may decide per destination: not followed.
    let policy = ex.resolve("smtp_tls_policy_maps");
    plan.tls_verified = match (&plan.tls, level.span.clone()) {
        _ if !policy.text.trim().is_empty() => None,
        (Some(t), Some(span)) if t.value != TlsMode::Off && !level.text.is_empty() => {
            match level.text.to_ascii_lowercase().as_str() {
                "may" | "dane" | "encrypt" => Some(Located::new(false, span)),
                "verify" | "secure" | "fingerprint" | "dane-only" => Some(Located::new(true, span)),
                _ => None,
            }
        }
        // The obsolete smtp_use_tls/smtp_enforce_tls never verify the name (postconf(5),
        // smtp_enforce_peername defaults to yes, but only with smtp_enforce_tls).
        _ => None,
    };

    plan.sasl = boolean(&mut ex, "smtp_sasl_auth_enable", &mut problems);
    let maps = ex.resolve("smtp_sasl_password_maps");
    if let Some(span) = maps.span {
        let mut first = true;
        for table in tables(&maps.text) {
            if let Some(user) = table.strip_prefix("static:") {
                // static:user:password: the credentials are inline; keep the user only.
                let user = user.split(':').next().unwrap_or("");
                if first {
                    plan.password_map =
                        Some(Located::new("static:(inline)".to_owned(), span.clone()));
                }
                plan.credentials.push(Located::new(
                    CredentialEntry {
                        key: "*".to_owned(),
                        user: user.to_owned(),
                    },
                    span.clone(),
                ));
            } else if table.starts_with("inline:") {
                if first {
                    plan.password_map =
                        Some(Located::new("inline:(inline)".to_owned(), span.clone()));
                }
            } else {
                if first {
                    plan.password_map =
                        Some(Located::new(map_path(table).to_owned(), span.clone()));
                }
                if let Some(file) = beside_table(table, beside) {
                    add_file(plan, &file, |plan, file| {
                        let creds = read_credentials(file, &mut plan.syntax);
                        plan.credentials.extend(creds);
                    });
                }
            }
            first = false;
        }
    }

    let helo = ex.resolve("smtp_helo_name");
    match (helo.known, helo.span) {
        // An empty name is kept: it is what Postfix would send (and Google refuses).
        (true, Some(span)) => plan.helo = Some(Located::new(helo.text, span)),
        _ => {
            plan.helo_default = Some(if helo.text == "$myhostname" {
                "$myhostname (the machine's host name)".to_owned()
            } else {
                format!(
                    "{} (depends on values the files do not set, such as the machine's host name)",
                    helo.text
                )
            });
        }
    }

    let tls_reuse = boolean(&mut ex, "smtp_tls_connection_reuse", &mut problems);
    let on_demand = boolean(&mut ex, "smtp_connection_cache_on_demand", &mut problems);
    plan.connection_reuse = reuse(&mut ex, tls_reuse, on_demand, plan);

    let protocols = ex.resolve("inet_protocols");
    if let Some(span) = protocols.span {
        let words: Vec<String> = protocols
            .text
            .split(|c: char| c == ',' || is_space(c))
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
        let has = |w: &str| words.iter().any(|x| x == w);
        let families = if has("all") || (has("ipv4") && has("ipv6")) {
            Some(Family::Any)
        } else if has("ipv4") {
            Some(Family::V4)
        } else if has("ipv6") {
            Some(Family::V6)
        } else {
            None
        };
        match families {
            Some(f)
                if words
                    .iter()
                    .all(|w| matches!(w.as_str(), "all" | "ipv4" | "ipv6")) =>
            {
                plan.families = Some(Located::new(f, span));
            }
            _ if protocols.known => problems.push(SyntaxProblem {
                message: format!(
                    "inet_protocols {} is not all, ipv4, ipv6 or \"ipv4, ipv6\"",
                    snippet(&protocols.text)
                ),
                span,
            }),
            _ => {}
        }
    }
    plan.syntax.extend(problems);
    report_expansion(&ex, seen, &mut plan.syntax);
}

/// The connection-reuse rule documented on [`read`].
fn reuse(
    ex: &mut Expander<'_>,
    tls_reuse: Option<Located<bool>>,
    on_demand: Option<Located<bool>>,
    plan: &ObservedPlan,
) -> Option<Located<bool>> {
    let tls = plan.tls.as_ref().filter(|t| t.value != TlsMode::Off);
    if let Some(tls) = tls {
        if !tls_reuse.as_ref().is_some_and(|r| r.value) {
            let span = tls_reuse.map_or_else(|| tls.span.clone(), |r| r.span);
            return Some(Located::new(false, span));
        }
    }
    let dests = ex.resolve("smtp_connection_cache_destinations");
    if let (Some(span), Some(relay)) = (dests.span, plan.relay.as_ref()) {
        let names_relay = dests
            .text
            .split(|c: char| c == ',' || is_space(c))
            .filter(|w| !w.is_empty())
            // postconf(5), smtp_connection_cache_destinations: the list is matched against
            // the next-hop host name; a `[host]:port` entry (the relayhost spelling) never
            // matches, and every message opens its own session.
            .any(|w| w.eq_ignore_ascii_case(&relay.value.host));
        if names_relay {
            return Some(Located::new(true, span));
        }
    }
    if on_demand.is_some() {
        return on_demand;
    }
    if tls.is_some() {
        return tls_reuse;
    }
    None
}

/// The tables of a `type:name` list (comma or white space separated, `{...}` kept whole).
fn tables(list: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = list.trim_start_matches(|c: char| c == ',' || is_space(c));
    while !rest.is_empty() && out.len() < 64 {
        let mut end = rest
            .find(|c: char| c == ',' || is_space(c))
            .unwrap_or(rest.len());
        if let Some(b) = rest.find('{').filter(|&b| b < end) {
            end = rest
                .get(b..)
                .and_then(|s| matching(s, '{'))
                .map_or(rest.len(), |e| b + e + 1);
        }
        out.push(rest.get(..end).unwrap_or(""));
        rest = rest
            .get(end..)
            .unwrap_or("")
            .trim_start_matches(|c: char| c == ',' || is_space(c));
    }
    out
}

/// The file of a `type:path` table (`proxy:` and file map types stripped).
fn map_path(table: &str) -> &str {
    let mut t = table;
    while let Some((ty, rest)) = t.split_once(':') {
        if ty == "proxy" || FILE_MAPS.contains(&ty) {
            t = rest;
        } else {
            break;
        }
    }
    t
}

/// The source file of a file-based table, beside the configuration: by base name first
/// (the copy being linted), then by the path as written.
fn beside_table(table: &str, beside: Beside<'_>) -> Option<SourceFile> {
    let ty = table.strip_prefix("proxy:").unwrap_or(table);
    let (ty, _) = ty.split_once(':')?;
    if !FILE_MAPS.contains(&ty) {
        return None;
    }
    let path = map_path(table);
    let base = basename(path);
    if base.is_empty() || path.contains('$') && base.contains('$') {
        return None;
    }
    beside(base).or_else(|| {
        (path != base && !path.contains('$'))
            .then(|| beside(path))
            .flatten()
    })
}

/// Reads a map source in postmap(1) format: `key value` logical lines.
fn map_entries(
    file: &SourceFile,
    problems: &mut Vec<SyntaxProblem>,
    mut each: impl FnMut(&str, &str, Span),
) {
    let mut sink = Problems::new(&file.name);
    let mut entries = 0usize;
    readllines(&file.text, &mut sink, |l, sink| {
        if entries >= MAX_ENTRIES {
            if entries == MAX_ENTRIES {
                sink.at(
                    l.at(0),
                    format!("more than {MAX_ENTRIES} map entries; the rest are not read"),
                );
                entries += 1;
            }
            return;
        }
        let text = l.text();
        let start = text.len() - text.trim_start_matches(is_space).len();
        let rest = text.get(start..).unwrap_or("");
        let key_len = rest.find(is_space).unwrap_or(rest.len());
        let key = rest.get(..key_len).unwrap_or("");
        let value = rest.get(key_len..).unwrap_or("").trim_matches(is_space);
        if key == "endif" || key == "if" || key.starts_with("if/") || key.starts_with("if!") {
            return;
        }
        if value.is_empty() {
            sink.at_with(l.at(start), || {
                format!(
                    "map entry {} has a key but no value; postmap rejects it",
                    snippet(key)
                )
            });
            return;
        }
        let (line, column) = l.at(start);
        entries += 1;
        each(key, value, Span::new(&file.name, line, column));
    });
    sink.finish_into(problems);
}

/// sasl_passwd entries: `key user:password`; the password is never kept.
fn read_credentials(
    file: &SourceFile,
    problems: &mut Vec<SyntaxProblem>,
) -> Vec<Located<CredentialEntry>> {
    let mut out = Vec::new();
    map_entries(file, problems, |key, value, span| {
        let user = value.split(':').next().unwrap_or("");
        out.push(Located::new(
            CredentialEntry {
                key: key.to_owned(),
                user: user.to_owned(),
            },
            span,
        ));
    });
    out
}

/// transport(5) entries: `domain transport:nexthop`. `relay_is_google` says where a `:`
/// entry (no change: the default route) goes, when known.
fn read_routes(
    file: &SourceFile,
    relay_is_google: Option<bool>,
    problems: &mut Vec<SyntaxProblem>,
) -> Vec<Located<Route>> {
    let mut out = Vec::new();
    map_entries(file, problems, |key, value, span| {
        let hop = value.split_once(':').map_or("", |(_, h)| h).trim();
        let via_google = if hop.is_empty() {
            // transport(5): an empty transport and next hop mean "do not change" (the
            // default route); a transport without next hop means the recipient domain.
            value.starts_with(':') && relay_is_google == Some(true)
        } else {
            hop.split(|c: char| c == ',' || is_space(c))
                .filter(|h| !h.is_empty())
                .any(|h| is_google(strip_hop(h)))
        };
        out.push(Located::new(
            Route {
                domain: key.to_owned(),
                next_hop: value.to_owned(),
                via_google,
            },
            span,
        ));
    });
    out
}

/// Whether `host` is one of Google's SMTP hosts (the relay, or smtp.gmail.com).
fn is_google(host: &str) -> bool {
    crate::relay::is_google_smtp(host)
}

/// The host of a next hop: `[host]:port`, `host:port` or `host`.
fn strip_hop(hop: &str) -> &str {
    if let Some(inner) = hop.strip_prefix('[') {
        return inner.split(']').next().unwrap_or(inner);
    }
    match hop.split_once(':') {
        Some((h, p)) if !p.contains(':') => h,
        _ => hop,
    }
}

/// A next hop as relayhost and default_transport write it (postconf(5), relayhost):
/// `[host]:port` (no MX look-up), `host:port`, `host`; the port as a number or a service.
fn next_hop(value: &str, span: Span, problems: &mut Vec<SyntaxProblem>) -> Located<RelayTarget> {
    let first = value
        .split(|c: char| c == ',' || is_space(c))
        .find(|w| !w.is_empty())
        .unwrap_or("");
    let (host, port, no_mx) = if let Some(inner) = first.strip_prefix('[') {
        match inner.split_once(']') {
            Some((h, rest)) => (h, rest.strip_prefix(':'), true),
            None => {
                problems.push(SyntaxProblem {
                    message: format!("next hop {} has no closing `]`", snippet(first)),
                    span: span.clone(),
                });
                (inner, None, true)
            }
        }
    } else {
        match first.split_once(':') {
            Some((h, p)) if !p.contains(':') => (h, Some(p), false),
            _ => (first, None, false),
        }
    };
    let port = port.and_then(|p| {
        let n = match p {
            "smtp" => Some(25),
            "submission" => Some(587),
            "smtps" | "submissions" => Some(465),
            _ => p.parse::<u16>().ok().filter(|&n| n > 0),
        };
        if n.is_none() {
            problems.push(SyntaxProblem {
                message: format!(
                    "port {} is neither a number nor a known service name",
                    snippet(p)
                ),
                span: span.clone(),
            });
        }
        n
    });
    Located::new(
        RelayTarget {
            host: host.to_owned(),
            port,
            no_mx,
            raw: first.to_owned(),
        },
        span,
    )
}

/// The `-o` overrides of each `unix` service in master.cf (master(5)), by service name; a
/// later entry or override wins.
fn parse_master(file: &SourceFile, problems: &mut Vec<SyntaxProblem>) -> HashMap<String, Params> {
    let mut services: HashMap<String, Params> = HashMap::new();
    let mut sink = Problems::new(&file.name);
    readllines(&file.text, &mut sink, |l, sink| {
        let toks = tokens(l.text());
        if toks.len() < 8 {
            sink.at_with(
                l.at(toks.first().map_or(0, |t| t.0)),
                || format!(
                    "master.cf entry {} has {} fields; a service needs 8 (service type private unpriv chroot wakeup maxproc command)",
                    snippet(l.text()),
                    toks.len()
                ),
            );
            return;
        }
        let field = |i: usize| toks.get(i).map_or("", |t| t.1);
        let ty = field(1);
        if !matches!(ty, "inet" | "unix" | "unix-dgram" | "fifo" | "pass") {
            sink.at_with(l.at(toks.get(1).map_or(0, |t| t.0)), || {
                format!("unknown master.cf service type {}", snippet(ty))
            });
            return;
        }
        let mut params = Params::new();
        let mut args = toks.iter().skip(8);
        while let Some(&(off, tok)) = args.next() {
            let (off, setting) = if tok == "-o" {
                match args.next() {
                    Some(&(o, t)) => (o, t),
                    None => {
                        sink.at(l.at(off), "`-o` without a name=value after it".to_owned());
                        break;
                    }
                }
            } else if let Some(s) = tok.strip_prefix("-o") {
                (off + 2, s)
            } else {
                continue;
            };
            // Postfix 3.0: `-o { name = value }` for values with white space.
            let (off, setting) = match setting.strip_prefix('{') {
                Some(inner) => {
                    let inner = inner.strip_suffix('}').unwrap_or(inner);
                    let t = inner.trim_start_matches(is_space);
                    (
                        off + 1 + inner.len() - t.len(),
                        t.trim_end_matches(is_space),
                    )
                }
                None => (off, setting),
            };
            match split_assignment(setting) {
                Ok((name, value, voff)) => {
                    let (line, column) = l.at(off + voff);
                    params.insert(
                        name.to_owned(),
                        Param {
                            value: value.to_owned(),
                            span: Span::new(&file.name, line, column),
                        },
                    );
                }
                Err(_) => sink.at(
                    l.at(off),
                    format!(
                        "`-o {}` is not name=value",
                        setting.chars().take(40).collect::<String>()
                    ),
                ),
            }
        }
        if ty == "unix" && services.len() < MAX_PARAMS {
            services.insert(field(0).to_owned(), params);
        }
    });
    sink.finish_into(problems);
    services
}

/// White-space separated tokens with their byte offsets; `{ ... }` is one token.
fn tokens(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let rest = text.get(i..).unwrap_or("");
        let t = rest.trim_start_matches(is_space);
        if t.is_empty() {
            break;
        }
        let start = i + rest.len() - t.len();
        let len = if t.starts_with('{') {
            matching(t, '{').map_or(t.len(), |e| e + 1)
        } else {
            t.find(is_space).unwrap_or(t.len())
        };
        out.push((start, t.get(..len).unwrap_or("")));
        i = start + len.max(1);
        while i < text.len() && !text.is_char_boundary(i) {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::testing::plan_for;
    use crate::gen::{render, Options, Target};
    use crate::mta::MAX_PROBLEMS;
    use crate::relay::console::Authentication;
    use crate::relay::plan::{InternalRoute, TlsPreference};
    use crate::relay::Port;
    use std::time::{Duration, Instant};

    /// A table row: its name, the main.cf text, what is expected.
    type Case<T> = (&'static str, &'static str, Option<T>);

    fn file(name: &str, text: &str) -> SourceFile {
        SourceFile {
            name: name.to_owned(),
            text: text.to_owned(),
        }
    }

    /// Reads `main` as main.cf with `others` (base name, text) beside it.
    fn read_with(main: &str, others: &[(&str, &str)]) -> ObservedPlan {
        let others: Vec<SourceFile> = others.iter().map(|(n, t)| file(n, t)).collect();
        let beside = move |name: &str| {
            others
                .iter()
                .find(|f| f.name == name || f.name == basename(name))
                .cloned()
        };
        read(&file("main.cf", main), &beside)
    }

    fn main_only(main: &str) -> ObservedPlan {
        read_with(main, &[])
    }

    fn at(file: &str, line: u32, column: u32) -> Span {
        Span::new(file, line, column)
    }

    /// (line, column, message start) of each problem.
    fn problems(p: &ObservedPlan) -> Vec<(String, u32, u32)> {
        p.syntax
            .iter()
            .map(|s| (s.span.file.clone(), s.span.line, s.span.column))
            .collect()
    }

    #[test]
    fn logical_lines_comments_continuations_and_last_wins() {
        #[rustfmt::skip]
        let cases: &[Case<(&str, u32, u32)>] = &[
            ("plain", "smtp_helo_name = mail.example.com\n", Some(("mail.example.com", 1, 18))),
            ("no spaces", "smtp_helo_name=mail.example.com", Some(("mail.example.com", 1, 16))),
            ("CRLF", "smtp_helo_name = mail.example.com\r\n", Some(("mail.example.com", 1, 18))),
            ("last wins", "smtp_helo_name = a.example.com\nsmtp_helo_name = b.example.com\n", Some(("b.example.com", 2, 18))),
            ("comment line ignored", "smtp_helo_name = a.example.com\n  # smtp_helo_name = b.example.com\n", Some(("a.example.com", 1, 18))),
            ("value on the continuation", "smtp_helo_name =\n    mail.example.com\n", Some(("mail.example.com", 2, 5))),
            ("continuation after comment and blank", "smtp_helo_name =\n# note\n\n\tmail.example.com\n", Some(("mail.example.com", 4, 2))),
            ("trailing blanks ignored", "smtp_helo_name = mail.example.com   \t\n", Some(("mail.example.com", 1, 18))),
            ("unicode columns count characters", "myhostname = é\nsmtp_helo_name = mail.example.com\n", Some(("mail.example.com", 2, 18))),
            ("unset", "myorigin = x\n", None),
            ("empty is kept", "smtp_helo_name =\n", Some(("", 1, 17))),
        ];
        for (name, text, want) in cases {
            let p = main_only(text);
            let got = p.helo.map(|h| (h.value, h.span.line, h.span.column));
            let want = want.map(|(v, l, c)| (v.to_owned(), l, c));
            assert_eq!(got, want, "{name}");
            assert!(p.syntax.is_empty(), "{name}: {:?}", p.syntax);
        }
    }

    #[test]
    fn hash_inside_a_value_is_not_a_comment() {
        let p = main_only("smtp_helo_name = mail#1.example.com # not a comment\n");
        assert_eq!(p.helo.unwrap().value, "mail#1.example.com # not a comment");
    }

    #[test]
    fn continued_values_join_with_white_space() {
        let p = main_only("inet_protocols = ipv4,\n    ipv6\n");
        assert_eq!(p.families.unwrap().value, Family::Any);
    }

    #[test]
    fn expansion_forms() {
        #[rustfmt::skip]
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("$name", "d = example.com\nsmtp_helo_name = mail.$d", Some("mail.example.com")),
            ("${name}", "d = example.com\nsmtp_helo_name = mail.${d}x", Some("mail.example.comx")),
            ("$(name)", "d = example.com\nsmtp_helo_name = mail.$(d)", Some("mail.example.com")),
            ("nested", "a = example.com\nb = relay.$a\nsmtp_helo_name = $b", Some("relay.example.com")),
            ("later assignment used", "smtp_helo_name = mail.$d\nd = example.com", Some("mail.example.com")),
            ("${x?y} set", "d = example.com\nsmtp_helo_name = mail${d?.set}", Some("mail.set")),
            ("${x?y} empty", "d =\nsmtp_helo_name = mail${d?.set}.example.com", Some("mail.example.com")),
            ("${x:y} empty", "d =\nsmtp_helo_name = mail${d:.unset}.example.com", Some("mail.unset.example.com")),
            ("${x:y} set", "d = x\nsmtp_helo_name = mail${d:.unset}.example.com", Some("mail.example.com")),
            ("${x?{a}:{b}} empty", "d =\nsmtp_helo_name = ${d?{a}:{b}}.example.com", Some("b.example.com")),
            ("${x?{a}:{b}} set", "d = 1\nsmtp_helo_name = ${d?{a}:{b}}.example.com", Some("a.example.com")),
            ("${x?$y}", "d = 1\ne = mail\nsmtp_helo_name = ${d?$e}.example.com", Some("mail.example.com")),
            ("$$ is a dollar", "smtp_helo_name = a$$b", Some("a$b")),
            ("myhostname known", "myhostname = mx.example.com\nsmtp_helo_name = $myhostname", Some("mx.example.com")),
            ("myhostname default", "myhostname = mx.example.com", Some("mx.example.com")),
            ("myhostname unknown", "smtp_helo_name = $myhostname", None),
            ("mydomain unknown", "smtp_helo_name = mail.$mydomain", None),
            ("unknown parameter left as is", "smtp_helo_name = $no_such_thing", None),
        ];
        for (name, text, want) in cases {
            let p = main_only(text);
            assert_eq!(p.helo.map(|h| h.value).as_deref(), *want, "{name}");
            assert!(p.syntax.is_empty(), "{name}: {:?}", p.syntax);
        }
    }

    #[test]
    fn helo_default_and_span_rules() {
        let p = main_only("relayhost = [smtp-relay.gmail.com]:587\n");
        assert_eq!(p.helo, None);
        assert_eq!(
            p.helo_default.as_deref(),
            Some("$myhostname (the machine's host name)")
        );
        let p = main_only("smtp_helo_name = mail.$mydomain\n");
        assert!(p.helo_default.unwrap().starts_with("mail.$mydomain ("));
        // A bare reference: the span is where the text is written.
        let p = main_only("myhostname = localhost\nsmtp_helo_name = $myhostname\n");
        assert_eq!(p.helo.unwrap().span, at("main.cf", 1, 14));
        // The default ($myhostname) likewise.
        let p = main_only("x = 1\nmyhostname = mx.example.com\n");
        assert_eq!(p.helo.unwrap().span, at("main.cf", 2, 14));
        assert_eq!(p.helo_default, None);
        // A composite value: the span is smtp_helo_name's.
        let p = main_only("d = example.com\nsmtp_helo_name = mail.$d\n");
        assert_eq!(p.helo.unwrap().span, at("main.cf", 2, 18));
    }

    #[test]
    fn expansion_loops_are_problems_not_hangs() {
        let p = main_only("a = $b\nb = ${a}\nsmtp_helo_name = $a\n");
        assert_eq!(p.helo, None);
        assert_eq!(p.syntax.len(), 1, "{:?}", p.syntax);
        assert!(p.syntax[0].message.contains("loop"), "{:?}", p.syntax);
        assert_eq!(p.syntax[0].span, at("main.cf", 1, 5));
        // Self reference.
        let p = main_only("smtp_helo_name = x$smtp_helo_name\n");
        assert_eq!(p.syntax.len(), 1, "{:?}", p.syntax);
        // Deep chains end at the depth bound.
        let mut text = String::from("smtp_helo_name = $p0\n");
        for i in 0..200 {
            text.push_str(&format!("p{i} = $p{}\n", i + 1));
        }
        let p = main_only(&text);
        assert_eq!(p.helo, None);
        assert!(p.syntax.iter().any(|s| s.message.contains("100 deep")));
        // Exponential growth ends at the size bound, quickly.
        let mut text = String::from("smtp_helo_name = $p0\np60 = xxxxxxxx\n");
        for i in 0..60 {
            text.push_str(&format!("p{i} = $p{n}$p{n}\n", n = i + 1));
        }
        let t = Instant::now();
        let p = main_only(&text);
        assert!(t.elapsed() < Duration::from_secs(2));
        assert!(p.syntax.iter().any(|s| s.message.contains("64 KiB")));
    }

    #[test]
    fn relayhost_forms() {
        #[rustfmt::skip]
        let cases: &[(&str, &str, Option<u16>, bool)] = &[
            ("[smtp-relay.gmail.com]:587", "smtp-relay.gmail.com", Some(587), true),
            ("[smtp-relay.gmail.com]", "smtp-relay.gmail.com", None, true),
            ("smtp-relay.gmail.com:25", "smtp-relay.gmail.com", Some(25), false),
            ("smtp-relay.gmail.com", "smtp-relay.gmail.com", None, false),
            ("[smtp-relay.gmail.com]:submission", "smtp-relay.gmail.com", Some(587), true),
            ("[smtp-relay.gmail.com]:smtps", "smtp-relay.gmail.com", Some(465), true),
            ("[192.0.2.1]:2525", "192.0.2.1", Some(2525), true),
            ("[ipv6:2001:db8::1]:587", "ipv6:2001:db8::1", Some(587), true),
        ];
        for (value, host, port, no_mx) in cases {
            let p = main_only(&format!("relayhost = {value}\n"));
            let r = p.relay.unwrap();
            assert_eq!(
                (
                    r.value.host.as_str(),
                    r.value.port,
                    r.value.no_mx,
                    r.value.raw.as_str()
                ),
                (*host, *port, *no_mx, *value),
                "{value}"
            );
            assert_eq!(r.span, at("main.cf", 1, 13), "{value}");
            assert!(p.syntax.is_empty(), "{value}: {:?}", p.syntax);
        }
        assert_eq!(main_only("relayhost =\n").relay, None);
        assert_eq!(main_only("x = y\n").relay, None);
        let p = main_only("relayhost = [smtp-relay.gmail.com]:nope\n");
        assert_eq!(p.relay.as_ref().unwrap().value.port, None);
        assert_eq!(problems(&p), vec![("main.cf".to_owned(), 1, 13)]);
        // default_transport's next hop beats relayhost (postconf(5)).
        let p = main_only(
            "relayhost = other.example\ndefault_transport = smtp:[smtp-relay.gmail.com]:465\n",
        );
        let r = p.relay.unwrap();
        assert_eq!(
            (r.value.host.as_str(), r.value.port, r.span.line),
            ("smtp-relay.gmail.com", Some(465), 2)
        );
    }

    #[test]
    fn tls_verification_from_the_level() {
        #[rustfmt::skip]
        let cases: &[Case<(bool, u32)>] = &[
            ("may", "smtp_tls_security_level = may", Some((false, 1))),
            ("encrypt", "smtp_tls_security_level = encrypt", Some((false, 1))),
            ("wrapper, encrypt", "smtp_tls_wrappermode = yes\nsmtp_tls_security_level = encrypt", Some((false, 2))),
            ("secure", "smtp_tls_security_level = secure", Some((true, 1))),
            ("verify", "smtp_tls_security_level = Verify", Some((true, 1))),
            ("dane-only", "smtp_tls_security_level = dane-only", Some((true, 1))),
            ("none", "smtp_tls_security_level = none", None),
            ("unset", "relayhost = x", None),
            ("legacy enforce", "smtp_enforce_tls = yes", None),
            ("policy table decides", "smtp_tls_security_level = encrypt\nsmtp_tls_policy_maps = hash:/etc/postfix/tls_policy", None),
        ];
        for (name, text, want) in cases {
            let p = main_only(text);
            assert_eq!(
                p.tls_verified.map(|t| (t.value, t.span.line)),
                *want,
                "{name}"
            );
        }
    }

    #[test]
    fn tls_levels_legacy_and_wrapper() {
        use TlsMode::*;
        #[rustfmt::skip]
        let cases: &[Case<(TlsMode, u32)>] = &[
            ("none", "smtp_tls_security_level = none", Some((Off, 1))),
            ("may", "smtp_tls_security_level = may", Some((Opportunistic, 1))),
            ("dane", "smtp_tls_security_level = dane", Some((Opportunistic, 1))),
            ("encrypt", "smtp_tls_security_level = encrypt", Some((StartTls, 1))),
            ("verify", "smtp_tls_security_level = verify", Some((StartTls, 1))),
            ("secure", "smtp_tls_security_level = secure", Some((StartTls, 1))),
            ("dane-only", "smtp_tls_security_level = dane-only", Some((StartTls, 1))),
            ("fingerprint", "smtp_tls_security_level = fingerprint", Some((StartTls, 1))),
            ("upper case", "smtp_tls_security_level = Encrypt", Some((StartTls, 1))),
            ("unset", "relayhost = x", None),
            ("legacy use", "smtp_use_tls = yes", Some((Opportunistic, 1))),
            ("legacy enforce", "smtp_use_tls = no\nsmtp_enforce_tls = yes", Some((StartTls, 2))),
            ("legacy off", "smtp_use_tls = no", Some((Off, 1))),
            ("level beats legacy", "smtp_enforce_tls = yes\nsmtp_tls_security_level = may", Some((Opportunistic, 2))),
            ("empty level: legacy", "smtp_enforce_tls = yes\nsmtp_tls_security_level =", Some((StartTls, 1))),
            ("wrapper wins", "smtp_tls_wrappermode = yes\nsmtp_tls_security_level = encrypt", Some((Implicit, 1))),
            ("wrapper no", "smtp_tls_wrappermode = no\nsmtp_tls_security_level = encrypt", Some((StartTls, 2))),
            ("expanded", "lvl = encrypt\nsmtp_tls_security_level = $lvl", Some((StartTls, 1))),
        ];
        for (name, text, want) in cases {
            let p = main_only(text);
            assert_eq!(p.tls.map(|t| (t.value, t.span.line)), *want, "{name}");
            assert!(p.syntax.is_empty(), "{name}: {:?}", p.syntax);
        }
        let p = main_only("smtp_tls_security_level = maybe\nsmtp_tls_wrappermode = perhaps\n");
        assert_eq!(p.tls, None);
        assert_eq!(p.syntax.len(), 2, "{:?}", p.syntax);
    }

    #[test]
    fn master_cf_overrides_win_with_their_span() {
        let main = "relayhost = [smtp-relay.gmail.com]:587\nsmtp_tls_security_level = may\nsmtp_sasl_auth_enable = no\nsmtp_helo_name = main.example.com\n";
        let master = "\
# service type  private unpriv  chroot  wakeup  maxproc command + args
smtp      inet  n       -       y       -       -       smtpd
smtp      unix  -       -       y       -       -       smtp
  -o smtp_tls_security_level=encrypt
  -o { smtp_helo_name = mx.example.com }
  -osmtp_sasl_auth_enable=yes
relay     unix  -       -       y       -       -       smtp -o smtp_tls_security_level=none
";
        let p = read_with(main, &[("master.cf", master)]);
        let tls = p.tls.unwrap();
        assert_eq!(
            (tls.value, tls.span),
            (TlsMode::StartTls, at("master.cf", 4, 30))
        );
        let helo = p.helo.unwrap();
        assert_eq!(
            (helo.value.as_str(), helo.span),
            ("mx.example.com", at("master.cf", 5, 25))
        );
        let sasl = p.sasl.unwrap();
        assert_eq!((sasl.value, sasl.span), (true, at("master.cf", 6, 27)));
        assert!(p.syntax.is_empty(), "{:?}", p.syntax);
        // The relay itself comes from main.cf.
        assert_eq!(p.relay.unwrap().span, at("main.cf", 1, 13));

        // Another default_transport: that service's overrides count.
        let main2 = format!("{main}default_transport = relay\n");
        let p = read_with(&main2, &[("master.cf", master)]);
        assert_eq!(p.tls.unwrap().value, TlsMode::Off);

        // master.cf alone.
        let p = read(&file("/etc/postfix/master.cf", master), &|_| None);
        assert_eq!(p.tls.unwrap().span, at("/etc/postfix/master.cf", 4, 30));

        // Bad entries.
        let p = read_with(
            main,
            &[(
                "master.cf",
                "smtp unix - - y\nx bogus - - - - - cmd\nsmtp unix - - y - - smtp -o\n",
            )],
        );
        let lines: Vec<u32> = p.syntax.iter().map(|s| s.span.line).collect();
        assert_eq!(lines, vec![1, 2, 3], "{:?}", p.syntax);
        assert!(p.syntax.iter().all(|s| s.span.file == "master.cf"));
    }

    #[test]
    fn sasl_passwd_beside_gives_keys_and_users_never_passwords() {
        let main = "smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n";
        let map = "# relay credentials\n[smtp-relay.gmail.com]:587 relay@example.com:s3cr3t-pass\n\n  \nother.example  user:pw:with:colons\nnovalue\n";
        let p = read_with(main, &[("sasl_passwd", map)]);
        assert!(p.sasl.as_ref().unwrap().value);
        let pm = p.password_map.as_ref().unwrap();
        assert_eq!(
            (pm.value.as_str(), pm.span.clone()),
            ("/etc/postfix/sasl_passwd", at("main.cf", 2, 27))
        );
        let creds: Vec<(&str, &str, u32, u32)> = p
            .credentials
            .iter()
            .map(|c| {
                (
                    c.value.key.as_str(),
                    c.value.user.as_str(),
                    c.span.line,
                    c.span.column,
                )
            })
            .collect();
        assert_eq!(
            creds,
            vec![
                ("[smtp-relay.gmail.com]:587", "relay@example.com", 2, 1),
                ("other.example", "user", 5, 1)
            ]
        );
        assert_eq!(problems(&p), vec![("sasl_passwd".to_owned(), 6, 1)]);
        let all = format!("{p:?}");
        assert!(!all.contains("s3cr3t") && !all.contains("with:colons"));

        #[rustfmt::skip]
        let maps: &[(&str, &str)] = &[
            ("lmdb:/etc/postfix/sasl_passwd", "/etc/postfix/sasl_passwd"),
            ("proxy:hash:/etc/postfix/sasl_passwd", "/etc/postfix/sasl_passwd"),
            ("texthash:$config_directory/sasl_passwd", "$config_directory/sasl_passwd"),
            ("mysql:/etc/postfix/mysql.cf", "mysql:/etc/postfix/mysql.cf"),
            ("static:user@example.com:secret", "static:(inline)"),
        ];
        for (value, want) in maps {
            let p = read_with(
                &format!("smtp_sasl_password_maps = {value}\n"),
                &[("sasl_passwd", map)],
            );
            assert_eq!(p.password_map.unwrap().value, *want, "{value}");
            assert!(!format!("{:?}", p.credentials).contains("secret"));
        }
        let p = read_with(
            "smtp_sasl_password_maps = texthash:$config_directory/sasl_passwd",
            &[("sasl_passwd", map)],
        );
        assert_eq!(p.credentials.len(), 2);
        // The password map read as the primary file.
        let p = read(&file("conf/sasl_passwd", map), &|_| None);
        assert_eq!(p.credentials.len(), 2);
    }

    #[test]
    fn transport_map_routes() {
        let main = "relayhost = [smtp-relay.gmail.com]:587\ntransport_maps = hash:/etc/postfix/transport\n";
        let map = "\
# internal
example.net     smtp:[10.0.0.5]
.example.net    smtp:[10.0.0.5]
lists.example   smtp:
google.example  smtp:[smtp-relay.gmail.com]:587
alt.example     relay:smtp-relay.google.com:25
default.example :
";
        let p = read_with(main, &[("transport", map)]);
        let routes: Vec<(&str, &str, bool, u32)> = p
            .routes
            .iter()
            .map(|r| {
                (
                    r.value.domain.as_str(),
                    r.value.next_hop.as_str(),
                    r.value.via_google,
                    r.span.line,
                )
            })
            .collect();
        assert_eq!(
            routes,
            vec![
                ("example.net", "smtp:[10.0.0.5]", false, 2),
                (".example.net", "smtp:[10.0.0.5]", false, 3),
                ("lists.example", "smtp:", false, 4),
                ("google.example", "smtp:[smtp-relay.gmail.com]:587", true, 5),
                ("alt.example", "relay:smtp-relay.google.com:25", true, 6),
                ("default.example", ":", true, 7),
            ]
        );
        assert!(p.syntax.is_empty(), "{:?}", p.syntax);
        // Not beside: no routes, no error.
        assert!(main_only(main).routes.is_empty());
    }

    #[test]
    fn inet_protocols() {
        #[rustfmt::skip]
        let cases: &[(&str, Option<Family>, usize)] = &[
            ("all", Some(Family::Any), 0),
            ("ipv4", Some(Family::V4), 0),
            ("ipv6", Some(Family::V6), 0),
            ("ipv4, ipv6", Some(Family::Any), 0),
            ("IPv4", Some(Family::V4), 0),
            ("ipv5", None, 1),
        ];
        for (value, want, n) in cases {
            let p = main_only(&format!("inet_protocols = {value}\n"));
            assert_eq!(p.families.map(|f| f.value), *want, "{value}");
            assert_eq!(p.syntax.len(), *n, "{value}");
        }
        assert_eq!(main_only("x = 1").families, None);
    }

    #[test]
    fn recipient_limits() {
        #[rustfmt::skip]
        let cases: &[(&str, Option<(u32, u32)>)] = &[
            ("x = 1", None),
            ("smtp_destination_recipient_limit = 100", Some((100, 1))),
            ("default_destination_recipient_limit = 80", Some((80, 1))),
            ("default_destination_recipient_limit = 80\nsmtp_destination_recipient_limit = 100", Some((100, 2))),
            ("smtp_destination_recipient_limit = $default_destination_recipient_limit", Some((50, 1))),
            ("default_transport = relay\nsmtp_destination_recipient_limit = 100\nrelay_destination_recipient_limit = 20", Some((20, 3))),
        ];
        for (text, want) in cases {
            let p = main_only(text);
            assert_eq!(
                p.max_rcpt_per_transaction.map(|m| (m.value, m.span.line)),
                *want,
                "{text}"
            );
        }
        assert_eq!(
            main_only("smtp_destination_recipient_limit = many")
                .syntax
                .len(),
            1
        );
    }

    #[test]
    fn connection_reuse_rule() {
        #[rustfmt::skip]
        let cases: &[Case<(bool, u32)>] = &[
            ("plaintext defaults", "relayhost = [r]:25", None),
            ("TLS without tls reuse", "relayhost = [r]:587\nsmtp_tls_security_level = encrypt", Some((false, 2))),
            ("TLS reuse no", "smtp_tls_security_level = may\nsmtp_tls_connection_reuse = no", Some((false, 2))),
            ("TLS reuse yes", "relayhost = [r]:587\nsmtp_tls_security_level = encrypt\nsmtp_tls_connection_reuse = yes", Some((true, 3))),
            ("TLS reuse yes, cache list names relay", "relayhost = [r]:587\nsmtp_tls_security_level = encrypt\nsmtp_tls_connection_reuse = yes\nsmtp_connection_cache_destinations = r", Some((true, 4))),
            ("on demand off, list has the relayhost spelling", "relayhost = [r]:25\nsmtp_connection_cache_on_demand = no\nsmtp_connection_cache_destinations = [r]:25", Some((false, 2))),
            ("on demand off", "relayhost = [r]:25\nsmtp_connection_cache_on_demand = no", Some((false, 2))),
            ("on demand off, list names relay", "relayhost = [r]:25\nsmtp_connection_cache_on_demand = no\nsmtp_connection_cache_destinations = r", Some((true, 3))),
            ("list names another host", "relayhost = [r]:25\nsmtp_connection_cache_destinations = other", None),
        ];
        for (name, text, want) in cases {
            let p = main_only(text);
            assert_eq!(
                p.connection_reuse.map(|c| (c.value, c.span.line)),
                *want,
                "{name}"
            );
        }
    }

    #[test]
    fn bad_lines_are_problems_with_their_place() {
        let text = "  indented = first\nrelayhost = [smtp-relay.gmail.com]:587\nthis is not an assignment\n= no name\n# fine\nsmtp_sasl_auth_enable = maybe\n";
        let p = main_only(text);
        let got: Vec<(u32, u32)> = p
            .syntax
            .iter()
            .map(|s| (s.span.line, s.span.column))
            .collect();
        assert_eq!(got, vec![(1, 1), (3, 1), (4, 1), (6, 25)], "{:?}", p.syntax);
        // The indented first line is still read, as Postfix does after its warning.
        assert!(p.relay.is_some());
        assert_eq!(p.sasl, None);
    }

    #[test]
    fn long_lines_and_many_problems_are_bounded() {
        let long = format!("smtp_helo_name = {}\n", "a".repeat(MAX_LINE * 2));
        let p = main_only(&long);
        assert_eq!(p.syntax.len(), 1);
        assert_eq!(
            p.helo.unwrap().value.len(),
            MAX_LINE - "smtp_helo_name = ".len()
        );
        let endless = format!("smtp_helo_name = x\n{}", " y\n".repeat(1_000_000));
        let p = main_only(&endless);
        assert_eq!(p.syntax.len(), 1, "{:?}", p.syntax.first());
        let garbage = "junk\n".repeat(10_000);
        let p = main_only(&garbage);
        assert_eq!(p.syntax.len(), MAX_PROBLEMS + 1);
        assert!(p.syntax.last().unwrap().message.contains("9900 more"));
    }

    #[test]
    fn binary_files_give_one_problem() {
        let p = main_only("\u{7f}ELF\u{2}\u{1}\u{1}\0\0\0relayhost = x");
        assert_eq!(p.syntax.len(), 1);
        assert!(p.syntax[0].message.contains("binary"));
        assert_eq!(p.relay, None);
        let p = read_with(
            "smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd",
            &[("sasl_passwd", "\0\0\0\u{fffd}\u{fffd}")],
        );
        assert_eq!(problems(&p), vec![("sasl_passwd".to_owned(), 1, 1)]);
    }

    #[test]
    fn suppressions_of_each_file() {
        let p = read_with(
            "# relayctl: allow relayhost-no-brackets\nrelayhost = smtp-relay.gmail.com\n",
            &[(
                "master.cf",
                "smtp unix - - y - - smtp # relayctl: allow tls-may\n",
            )],
        );
        let got: Vec<(&str, &str, u32)> = p
            .suppressions
            .iter()
            .map(|s| (s.span.file.as_str(), s.rule.as_str(), s.covers_line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("main.cf", "relayhost-no-brackets", 2),
                ("master.cf", "tls-may", 1)
            ]
        );
    }

    #[test]
    fn postconf_n_output_reads_like_main_cf() {
        let text = "compatibility_level = 3.6\ninet_protocols = ipv4\nmyhostname = mx.example.com\nrelayhost = [smtp-relay.gmail.com]:587\nsmtp_tls_security_level = encrypt\n";
        let p = read(&file("postconf-n.txt", text), &|_| None);
        assert_eq!(p.relay.unwrap().value.port, Some(587));
        assert_eq!(p.helo.unwrap().value, "mx.example.com");
        assert_eq!(p.families.unwrap().value, Family::V4);
        assert!(p.syntax.is_empty());
    }

    /// What `relayctl gen postfix` writes reads back as the same plan.
    #[test]
    fn reads_back_what_gen_postfix_writes() {
        type Setup = fn(&mut crate::relay::console::ConsoleSetting, &mut crate::relay::plan::Site);
        #[rustfmt::skip]
        let cases: &[(&str, Setup)] = &[
            ("default: 587, STARTTLS, IP auth", |_, _| {}),
            ("465 implicit TLS", |_, s| s.port = Some(Port::Smtps)),
            ("SMTP AUTH", |c, s| {
                c.authentication = Authentication::SmtpAuth;
                s.auth_user = Some("relay@example.com".to_owned());
            }),
            ("opportunistic TLS on 25", |c, s| {
                c.require_tls = false;
                s.port = Some(Port::Smtp);
                s.tls = Some(TlsPreference::Opportunistic);
            }),
            ("no TLS", |c, s| {
                c.require_tls = false;
                s.tls = Some(TlsPreference::None);
            }),
            ("internal route", |_, s| {
                s.internal = vec![InternalRoute { domain: "corp.example.com".parse().unwrap(), host: None }];
            }),
        ];
        for (name, setup) in cases {
            let plan = plan_for(Target::Postfix, false, setup).unwrap();
            let art = render(Target::Postfix, &plan, &Options::default()).unwrap();
            let texts: Vec<(String, String)> = art
                .files
                .iter()
                .map(|f| (basename(&f.path).to_owned(), f.lines.join("\n") + "\n"))
                .collect();
            let main = texts.iter().find(|t| t.0 == "main.cf").unwrap().1.clone();
            let others: Vec<(&str, &str)> = texts
                .iter()
                .map(|(n, t)| (n.as_str(), t.as_str()))
                .collect();
            let p = read_with(&main, &others);
            assert!(p.syntax.is_empty(), "{name}: {:?}", p.syntax);
            let relay = p.relay.unwrap().value;
            assert_eq!(
                (relay.host.as_str(), relay.port, relay.no_mx),
                (
                    plan.relay_host.to_string().as_str(),
                    Some(plan.port.number()),
                    true
                ),
                "{name}"
            );
            let tls = plan.tls;
            assert_eq!(p.tls.unwrap().value, tls, "{name}");
            assert_eq!(p.sasl.unwrap().value, plan.sasl.is_some(), "{name}");
            assert_eq!(
                p.helo.unwrap().value,
                plan.helo.as_ref().unwrap().to_string(),
                "{name}"
            );
            assert_eq!(
                p.max_rcpt_per_transaction.unwrap().value,
                plan.max_rcpt_per_transaction,
                "{name}"
            );
            assert_eq!(
                p.connection_reuse.map(|c| c.value),
                Some(plan.connection_reuse),
                "{name}"
            );
            match &plan.sasl {
                Some(s) => {
                    assert_eq!(p.credentials.len(), 1, "{name}");
                    assert_eq!(p.credentials[0].value.user, s.username, "{name}");
                    assert_eq!(
                        p.credentials[0].value.key,
                        format!("[{}]:{}", plan.relay_host, plan.port.number()),
                        "{name}"
                    );
                }
                None => assert!(p.credentials.is_empty(), "{name}"),
            }
            assert_eq!(p.routes.len(), plan.internal.len() * 2, "{name}");
            assert!(p.routes.iter().all(|r| !r.value.via_google), "{name}");
        }
    }

    /// A small xorshift generator: reproducible noise without a dependency.
    fn noise(seed: u64, len: usize, alphabet: &[u8]) -> String {
        let mut x = seed | 1;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                alphabet[(x % alphabet.len() as u64) as usize]
            })
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn garbage_never_panics_and_stays_bounded() {
        let all: Vec<u8> = (0..=255).collect();
        let syntax =
            b"$${}()?:=#[] \t\n\r,abcxyz_0123456789-o.smtp_helo_name relayhost myhostname \xc3\xa9";
        let t = Instant::now();
        for seed in 1..200u64 {
            let text = noise(seed, 2_000, if seed % 2 == 0 { &all } else { syntax });
            let map = noise(seed + 1000, 500, syntax);
            let p = read_with(
                &text,
                &[
                    ("master.cf", &map),
                    ("sasl_passwd", &map),
                    ("transport", &map),
                ],
            );
            assert!(p.syntax.len() <= 4 * (MAX_PROBLEMS + 1));
            let _ = read(&file("master.cf", &text), &|_| None);
        }
        // A few megabytes of noise, and long lines of it.
        let big = noise(7, 4_000_000, syntax);
        let _ = main_only(&big);
        let _ = main_only(&big.replace('\n', " "));
        let _ = main_only(&big.replace('\n', "\n "));
        assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    }

    /// 50 MB inputs of several shapes; run in release:
    /// `cargo test --release --lib mta::postfix -- --ignored`.
    #[test]
    #[ignore = "slow in debug builds; a release-mode bound check"]
    fn fifty_megabytes() {
        const MB50: usize = 50 * 1024 * 1024;
        let syntax = b"$${}()?:=#[] \t\n,abc_019-o.smtp_helo_name";
        let shapes: Vec<(&str, String)> = vec![
            ("noise", noise(3, MB50, syntax)),
            ("one line", "x".repeat(MB50)),
            (
                "endless continuation",
                format!("a = b\n{}", " c\n".repeat(MB50 / 3)),
            ),
            (
                "distinct assignments",
                (0..MB50 / 12)
                    .map(|i| format!("p{i} = $p{}\n", i + 1))
                    .collect(),
            ),
            ("bad lines", "not an assignment\n".repeat(MB50 / 18)),
        ];
        for (name, text) in &shapes {
            let t = Instant::now();
            let _ = main_only(text);
            let one = t.elapsed();
            assert!(one < Duration::from_secs(2), "{name}: {one:?}");
            let t = Instant::now();
            let p = read_with(text, &[("master.cf", text), ("sasl_passwd", text)]);
            let _ = read(&file("master.cf", text), &|_| None);
            let _ = read(&file("transport", text), &|_| None);
            eprintln!(
                "{name}: main.cf alone {one:?}; five readers {:?}, {} problems",
                t.elapsed(),
                p.syntax.len()
            );
            assert!(t.elapsed() < Duration::from_secs(10), "{name}");
        }
    }

    /// tests/fixtures/postfix: a Debian-style main.cf with the relay appended, master.cf,
    /// sasl_passwd and transport.
    #[test]
    fn debian_style_fixture() {
        let main = include_str!("../../tests/fixtures/postfix/main.cf");
        let beside = [
            (
                "master.cf",
                include_str!("../../tests/fixtures/postfix/master.cf"),
            ),
            (
                "sasl_passwd",
                include_str!("../../tests/fixtures/postfix/sasl_passwd"),
            ),
            (
                "transport",
                include_str!("../../tests/fixtures/postfix/transport"),
            ),
        ];
        let p = read_with(main, &beside);
        assert!(p.syntax.is_empty(), "{:?}", p.syntax);
        let relay = p.relay.unwrap();
        assert_eq!(
            (relay.value.raw.as_str(), relay.span.line),
            ("[smtp-relay.gmail.com]:587", 31)
        );
        let tls = p.tls.unwrap();
        assert_eq!(
            (tls.value, tls.span),
            (TlsMode::StartTls, at("master.cf", 12, 30))
        );
        let helo = p.helo.unwrap();
        assert_eq!(
            (helo.value.as_str(), helo.span),
            ("mx1.example.com", at("main.cf", 16, 14))
        );
        assert_eq!(p.sasl.unwrap().span.line, 33);
        assert_eq!(p.credentials.len(), 1);
        assert_eq!(p.routes.len(), 2);
        assert_eq!(p.families.unwrap().span.line, 38);
        assert_eq!(p.max_rcpt_per_transaction.unwrap().value, 100);
        assert!(!p.connection_reuse.unwrap().value);
    }
}
