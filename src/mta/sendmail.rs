//! sendmail.mc reader. A small m4 tokenizer (nested `` `quotes' ``, `dnl`, `#` comments,
//! macro calls with quoted arguments) that evaluates only what decides the way to the
//! relay (`define`, `undefine`, `FEATURE`, `ifdef`, `MAILER`), then the access, authinfo and
//! mailertable sources beside it. It never runs m4, does linear work on any text and never
//! panics; it must not read files itself (they come through `Beside`).

use std::collections::{HashMap, HashSet};

use super::toolkit::{column, lines, Cursor, Pos, Problems};
use super::{
    Beside, CredentialEntry, Located, ObservedPlan, RelayTarget, Route, SourceFile, Span,
    SyntaxProblem, TlsMode,
};
/// How deep `ifdef` branches are rescanned. Each level scans a strict part of the text, so
/// the work stays below this many passes over the file.
const MAX_DEPTH: u32 = 8;
/// Characters kept per macro argument (the rest is scanned, not stored).
const MAX_ARG_CHARS: usize = 64 * 1024;
/// Arguments kept per macro call.
const MAX_ARGS: usize = 16;
/// Other defined names remembered for `ifdef`.
const MAX_NAMES: usize = 10_000;
/// Entries kept from a map source (AuthInfo, TLS tags, mailertable lines); real files
/// have a handful, garbage could have millions.
const MAX_ENTRIES: usize = 10_000;

/// The macros whose values the plan needs; any other `define` only counts for `ifdef`.
const WANTED: [&str; 10] = [
    "SMART_HOST",
    "RELAY_MAILER_ARGS",
    "ESMTP_MAILER_ARGS",
    "SMTP_MAILER_ARGS",
    "SMTP8_MAILER_ARGS",
    "DSMTP_MAILER_ARGS",
    "SMTP_MAILER_MAXRCPTS",
    "confHELO_NAME",
    "confTO_DATAFINAL",
    "confMCI_CACHE_SIZE",
];

/// What sendmail says HELO with when confHELO_NAME is not set.
const HELO_DEFAULT: &str = "$j, this host's fully qualified name";

/// Reads `primary` (a sendmail.mc) and the access, authinfo and mailertable sources its
/// features name, the way m4 + sendmail would: last `define` wins, features enable maps.
pub fn read(primary: &SourceFile, beside: Beside<'_>) -> ObservedPlan {
    let mut mc = Mc::new(&primary.name);
    let mut cur = Cursor::new(&primary.text);
    if let Err(stop) = mc.scan(&mut cur, 0) {
        let (message, at) = match stop {
            Stop::Quote(at) => (
                "unterminated m4 quote: the ` opened here is never closed by '; m4 reads the rest of the file as one string".to_owned(),
                at,
            ),
            Stop::Call(at, name) => (
                format!("{name}( is never closed: m4 stops with \"end of file in argument list\""),
                at,
            ),
        };
        mc.problem(message, at);
    }
    let mut plan = ObservedPlan {
        suppressions: super::suppressions(&primary.name, &primary.text),
        ..ObservedPlan::default()
    };
    let after = mc.fill(&mut plan, beside);
    plan.syntax = mc.problems.finish();
    plan.syntax.extend(after);
    plan
}

/// Why the scan stopped early.
enum Stop {
    /// An opening quote without its closing quote.
    Quote(Pos),
    /// A macro call whose `(` is never closed.
    Call(Pos, String),
}

/// One macro argument: its text with one level of quotes removed, where its value starts
/// (inside the quote when quoted) and, when it is exactly one quoted string, the span of
/// the quote's inside (for rescanning `ifdef` branches).
struct Arg {
    text: String,
    start: Pos,
    quoted: Option<(Pos, usize)>,
}

/// Skips to the end of the line and past its newline, appending the text to `out`.
fn rest_of_line(cur: &mut Cursor<'_>, mut out: Option<&mut String>) {
    while let Some(c) = cur.bump() {
        if c == '\n' {
            break;
        }
        if let Some(o) = out.as_deref_mut() {
            push(o, c);
        }
    }
}

/// An m4 name: `[A-Za-z_][A-Za-z0-9_]*`; the cursor is on its first character.
fn ident<'t>(cur: &mut Cursor<'t>) -> &'t str {
    let start = cur.pos().at;
    while matches!(cur.peek(), Some(c) if c.is_ascii_alphanumeric() || c == '_') {
        cur.bump();
    }
    cur.since(start)
}

/// A quoted string, the cursor on its `` ` ``: appends its inside (nested quotes kept)
/// to `out` and returns where the inside starts and the byte where it ends.
fn quoted(cur: &mut Cursor<'_>, mut out: Option<&mut String>) -> Result<(Pos, usize), Stop> {
    let open = cur.pos();
    cur.bump();
    let inner = cur.pos();
    let mut depth = 1u32;
    loop {
        let before = cur.pos().at;
        let Some(c) = cur.bump() else {
            return Err(Stop::Quote(open));
        };
        match c {
            '`' => depth = depth.saturating_add(1),
            '\'' => {
                depth -= 1;
                if depth == 0 {
                    return Ok((inner, before));
                }
            }
            _ => {}
        }
        if let Some(o) = out.as_deref_mut() {
            push(o, c);
        }
    }
}

/// The arguments of a call, the cursor just after its `(`. As m4 collects them:
/// leading unquoted blanks dropped, one level of quotes removed, commas inside
/// parentheses or quotes kept, `dnl` applied, `#` comments kept as text.
fn args(cur: &mut Cursor<'_>, call: Pos, name: &str) -> Result<Vec<Arg>, Stop> {
    let mut args = Vec::new();
    loop {
        while matches!(cur.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            cur.bump();
        }
        let mut arg = Arg {
            text: String::new(),
            start: cur.pos(),
            quoted: None,
        };
        let mut pieces = 0u32;
        let mut depth = 0u32;
        loop {
            let Some(c) = cur.peek() else {
                return Err(Stop::Call(call, name.to_owned()));
            };
            match c {
                '`' => {
                    let (inner, end) = quoted(cur, Some(&mut arg.text))?;
                    if pieces == 0 {
                        arg.start = inner;
                        arg.quoted = Some((inner, end));
                    } else {
                        arg.quoted = None;
                    }
                    pieces += 1;
                    continue;
                }
                '#' => {
                    rest_of_line(cur, Some(&mut arg.text));
                    push(&mut arg.text, '\n');
                }
                '(' => {
                    depth = depth.saturating_add(1);
                    push(&mut arg.text, c);
                    cur.bump();
                }
                ')' if depth > 0 => {
                    depth -= 1;
                    push(&mut arg.text, c);
                    cur.bump();
                }
                ')' | ',' if depth == 0 => {
                    cur.bump();
                    if args.len() < MAX_ARGS {
                        args.push(arg);
                    }
                    if c == ')' {
                        return Ok(args);
                    }
                    break;
                }
                c if c.is_ascii_alphabetic() || c == '_' => {
                    let word = ident(cur);
                    if word == "dnl" {
                        rest_of_line(cur, None);
                        continue;
                    }
                    for w in word.chars() {
                        push(&mut arg.text, w);
                    }
                }
                c => {
                    push(&mut arg.text, c);
                    cur.bump();
                    if c.is_whitespace() {
                        // Blanks after a quoted value keep it "one quoted string".
                        continue;
                    }
                }
            }
            pieces += 1;
            arg.quoted = None;
        }
    }
}

/// Appends `c` unless `out` is already at the size limit.
fn push(out: &mut String, c: char) {
    if out.len() < MAX_ARG_CHARS {
        out.push(c);
    }
}

/// A map-enabling feature and the map it names.
struct Feature {
    /// The second argument (`hash -o /etc/mail/access.db`), empty for the default.
    map: String,
    at: Pos,
}

/// What the scan learnt from the .mc.
struct Mc<'f> {
    file: &'f str,
    /// The wanted macros: value (quotes removed) and where it starts.
    defines: HashMap<&'static str, (String, Pos)>,
    /// Other defined names, for `ifdef`.
    names: HashSet<String>,
    features: HashMap<&'static str, Feature>,
    /// The first MAILER(`smtp'): mailer arguments defined after it are not used.
    smtp_mailer: Option<Pos>,
    /// The first MAILER() of any kind: FEATURE after it is an error.
    any_mailer: Option<Pos>,
    /// The .mc's problems.
    problems: Problems,
}

impl<'f> Mc<'f> {
    fn new(file: &'f str) -> Mc<'f> {
        Mc {
            file,
            defines: HashMap::new(),
            names: HashSet::new(),
            features: HashMap::new(),
            smtp_mailer: None,
            any_mailer: None,
            problems: Problems::new(file),
        }
    }

    fn span(&self, at: Pos) -> Span {
        Span::new(self.file, at.line, at.column)
    }

    fn problem(&mut self, message: String, at: Pos) {
        self.problems.at(at.line_column(), message);
    }

    fn is_defined(&self, name: &str) -> bool {
        self.defines.contains_key(name) || self.names.contains(name)
    }

    /// The top-level m4 loop over `cur`: quoted text and comments are copied out by m4
    /// and skipped here; names followed by `(` are calls.
    fn scan(&mut self, cur: &mut Cursor<'_>, depth: u32) -> Result<(), Stop> {
        while let Some(c) = cur.peek() {
            if c == '`' {
                quoted(cur, None)?;
            } else if c == '#' {
                rest_of_line(cur, None);
            } else if c.is_ascii_alphabetic() || c == '_' {
                let at = cur.pos();
                let name = ident(cur);
                if name == "dnl" {
                    rest_of_line(cur, None);
                } else if cur.peek() == Some('(') {
                    cur.bump();
                    let args = args(cur, at, name)?;
                    self.call(name, at, &args, cur.text(), depth)?;
                }
            } else {
                cur.bump();
            }
        }
        Ok(())
    }

    fn call(
        &mut self,
        name: &str,
        at: Pos,
        args: &[Arg],
        text: &str,
        depth: u32,
    ) -> Result<(), Stop> {
        let arg = |i: usize| args.get(i).map_or("", |a| a.text.trim());
        match name {
            "define" => {
                let key = arg(0);
                let value = args.get(1);
                if let Some(wanted) = WANTED.iter().find(|w| **w == key) {
                    let start = value.map_or(at, |v| v.start);
                    let text = value.map(|v| v.text.clone()).unwrap_or_default();
                    let for_mailer = key.ends_with("_MAILER_ARGS") || key == "SMTP_MAILER_MAXRCPTS";
                    if let (true, Some(_)) = (for_mailer, self.smtp_mailer) {
                        // cf/mailer/smtp.m4 spells the mailer lines when MAILER(`smtp') is
                        // read: a later define changes nothing.
                        self.problem(
                            format!("{key} is defined after MAILER(`smtp'), so sendmail never uses it; move it before the MAILER lines"),
                            start,
                        );
                    } else {
                        self.defines.insert(*wanted, (text, start));
                    }
                } else if !key.is_empty() && self.names.len() < MAX_NAMES {
                    self.names.insert(key.to_owned());
                }
            }
            "undefine" => {
                let key = arg(0);
                self.defines.retain(|k, _| *k != key);
                self.names.remove(key);
            }
            "FEATURE" => {
                let feature = arg(0);
                if self.any_mailer.is_some() {
                    self.problem(
                        format!("FEATURE(`{feature}') after MAILER(): cf.m4 stops with \"FEATURE() should be before MAILER()\"; move it up"),
                        at,
                    );
                }
                // cf/feature/{access_db,authinfo,mailertable}.m4 each define the name the
                // rulesets test with ifdef.
                let (key, table) = match feature {
                    "access_db" => ("access_db", "_ACCESS_TABLE_"),
                    "authinfo" => ("authinfo", "_AUTHINFO_TABLE_"),
                    "mailertable" => ("mailertable", "_MAILER_TABLE_"),
                    _ => return Ok(()),
                };
                self.names.insert(table.to_owned());
                self.features.insert(
                    key,
                    Feature {
                        map: arg(1).to_owned(),
                        at,
                    },
                );
            }
            "MAILER" => {
                self.any_mailer.get_or_insert(at);
                if arg(0) == "smtp" {
                    self.smtp_mailer.get_or_insert(at);
                }
            }
            "ifdef" => {
                let branch = if self.is_defined(arg(0)) {
                    args.get(1)
                } else {
                    args.get(2)
                };
                if let Some((inner, end)) = branch.and_then(|b| b.quoted) {
                    if depth < MAX_DEPTH {
                        let mut sub = Cursor::part(text, inner, end);
                        self.scan(&mut sub, depth + 1)?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The value of a wanted macro, trimmed, with its span.
    fn value(&self, key: &str) -> Option<(&str, Span)> {
        self.defines
            .get(key)
            .map(|(v, at)| (v.trim(), self.span(*at)))
    }

    /// Turns what the scan found into the plan, reading the maps beside the .mc. Returns
    /// the problems found on the way (a few in the .mc, those of the AuthInfo map), in
    /// order, to follow the scan's.
    fn fill(&self, plan: &mut ObservedPlan, beside: Beside<'_>) -> Vec<SyntaxProblem> {
        let mut extra = Vec::new();
        let relay = self.relay(&mut extra);
        let relay_host = relay.as_ref().map(|r| r.value.host.clone());

        let access = self
            .features
            .get("access_db")
            .and_then(|f| map_file(&f.map, "access", beside));
        let authinfo_feature = self.features.get("authinfo").map(|f| (f.map.clone(), f.at));
        let authinfo = authinfo_feature
            .as_ref()
            .and_then(|(map, _)| map_file(map, "authinfo", beside));

        // TLS: the client tries STARTTLS whenever offered (sendmail's default); the access
        // map can forbid it (Try_TLS: NO) or demand it (TLS_Srv: ENCR/VERIFY), per
        // cf/m4/proto.m4, rulesets try_tls and tls_server.
        if let (Some(r), Some(host)) = (&relay, &relay_host) {
            let mut tls = Located::new(TlsMode::Opportunistic, r.span.clone());
            if let Some(access) = &access {
                if let Some((v, span)) = lookup_tag(access, "TLS_Srv", host) {
                    let v = v.to_ascii_uppercase();
                    // cf/README, TLS_Srv: an optional PERM+/TEMP+ prefix, then ENCR:bits
                    // (encryption from any certificate) or VERIFY[:bits] (a verified chain).
                    let req = v.trim_start_matches("PERM+").trim_start_matches("TEMP+");
                    if req.starts_with("ENCR") || req.starts_with("VERIFY") {
                        plan.tls_verified =
                            Some(Located::new(req.starts_with("VERIFY"), span.clone()));
                        tls = Located::new(TlsMode::StartTls, span);
                    }
                }
                if let Some((v, span)) = lookup_tag(access, "Try_TLS", host) {
                    if v.eq_ignore_ascii_case("NO") {
                        tls = Located::new(TlsMode::Off, span);
                    }
                }
            }
            if tls.value == TlsMode::Off {
                plan.tls_verified = None;
            }
            plan.tls = Some(tls);
        }

        // SMTP AUTH as a client: AuthInfo entries in the authinfo map, or in the access
        // map when there is no authinfo feature (cf/m4/proto.m4, ruleset authinfo).
        let source = if authinfo_feature.is_some() {
            authinfo.as_ref()
        } else {
            access.as_ref()
        };
        if let Some(file) = source {
            let mut problems = Problems::new(&file.name);
            plan.credentials = auth_entries(file, &mut problems);
            extra.extend(problems.finish());
        }
        if let Some(host) = &relay_host {
            // AuthInfo:<server name>, then the bare AuthInfo: default.
            let hit = plan
                .credentials
                .iter()
                .find(|c| c.value.key.eq_ignore_ascii_case(host))
                .or_else(|| plan.credentials.iter().find(|c| c.value.key.is_empty()));
            plan.sasl = match (hit, &authinfo_feature) {
                (Some(c), _) => Some(Located::new(true, c.span.clone())),
                (None, Some((_, at))) => Some(Located::new(false, self.span(*at))),
                (None, None) => None,
            };
        }
        if let Some((map, at)) = &authinfo_feature {
            let path = map_path(map).unwrap_or("/etc/mail/authinfo");
            plan.password_map = Some(Located::new(path.to_owned(), self.span(*at)));
        }

        plan.helo = self
            .value("confHELO_NAME")
            .filter(|(v, _)| !v.is_empty())
            .map(|(v, s)| Located::new(v.to_owned(), s));
        if plan.helo.is_none() {
            plan.helo_default = Some(HELO_DEFAULT.to_owned());
        }

        if let Some((v, span)) = self.value("confTO_DATAFINAL") {
            // sendmail readcf.c, settimeout: a bare number is in minutes.
            match duration_s(v, 60) {
                Ok(s) => plan.data_final_timeout_s = Some(Located::new(s, span)),
                Err(e) => extra.push(SyntaxProblem {
                    message: format!("confTO_DATAFINAL: {e}"),
                    span,
                }),
            }
        }
        if let Some((v, span)) = self.value("confMCI_CACHE_SIZE") {
            match v.parse::<u64>() {
                Ok(n) => plan.connection_reuse = Some(Located::new(n > 0, span)),
                Err(_) => extra.push(SyntaxProblem {
                    message: format!("confMCI_CACHE_SIZE `{v}' is not a number"),
                    span,
                }),
            }
        }
        if let Some((v, span)) = self.value("SMTP_MAILER_MAXRCPTS") {
            match v.parse::<u32>() {
                Ok(n) => plan.max_rcpt_per_transaction = Some(Located::new(n, span)),
                Err(_) => extra.push(SyntaxProblem {
                    message: format!("SMTP_MAILER_MAXRCPTS `{v}' is not a number"),
                    span,
                }),
            }
        }

        if let Some(f) = self.features.get("mailertable") {
            if let Some(file) = map_file(&f.map, "mailertable", beside) {
                plan.routes = mailertable_routes(&file);
                plan.suppressions
                    .extend(super::suppressions(&file.name, &file.text));
            }
        }
        for file in [&access, &authinfo].into_iter().flatten() {
            plan.suppressions
                .extend(super::suppressions(&file.name, &file.text));
        }
        plan.relay = relay;
        extra
    }

    /// SMART_HOST and the port of the mailer it names.
    fn relay(&self, problems: &mut Vec<SyntaxProblem>) -> Option<Located<RelayTarget>> {
        let (raw, span) = self.value("SMART_HOST")?;
        if raw.is_empty() {
            return None;
        }
        let (mailer, host, bracketed) = mailer_host(raw);
        // cf/README, SMART_HOST: without a mailer the relay mailer is used; each mailer
        // of cf/mailer/smtp.m4 takes its arguments (`TCP $h 587`) from its own macro.
        let args_macro = match mailer.unwrap_or("relay") {
            "relay" => "RELAY_MAILER_ARGS",
            "esmtp" => "ESMTP_MAILER_ARGS",
            "smtp" => "SMTP_MAILER_ARGS",
            "smtp8" => "SMTP8_MAILER_ARGS",
            "dsmtp" => "DSMTP_MAILER_ARGS",
            _ => "",
        };
        let mut port = None;
        if let Some((args, args_span)) = self.value(args_macro) {
            let words: Vec<&str> = args.split_whitespace().take(4).collect();
            if let Some(p) = words.get(2) {
                match p.parse::<u16>() {
                    Ok(n) if n > 0 => port = Some(n),
                    _ => problems.push(SyntaxProblem {
                        message: format!("{args_macro}: `{p}' is not a port number"),
                        span: args_span,
                    }),
                }
            }
        }
        Some(Located::new(
            RelayTarget {
                host: host.to_owned(),
                port,
                no_mx: bracketed,
                raw: raw.to_owned(),
            },
            span,
        ))
    }
}

/// `mailer:host`, `[host]`, `mailer:[host]`: the mailer, the host without brackets, and
/// whether it was in brackets (no MX lookup).
fn mailer_host(v: &str) -> (Option<&str>, &str, bool) {
    let v = v.trim();
    let (mailer, rest) = match v.split_once(':') {
        Some((m, rest))
            if !v.starts_with('[')
                && !m.is_empty()
                && m.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
        {
            (Some(m), rest.trim())
        }
        _ => (None, v),
    };
    match rest.strip_prefix('[') {
        Some(inner) => (mailer, inner.split(']').next().unwrap_or(inner), true),
        None => (mailer, rest, false),
    }
}

/// The text file a map spec names (`hash -o /etc/mail/access.db` -> /etc/mail/access).
fn map_path(spec: &str) -> Option<&str> {
    let path = spec.split_whitespace().rev().find(|w| w.starts_with('/'))?;
    Some(path.strip_suffix(".db").unwrap_or(path))
}

/// The source of a map beside the .mc: the path the feature names, else its usual name.
fn map_file(spec: &str, default: &str, beside: Beside<'_>) -> Option<SourceFile> {
    if let Some(path) = map_path(spec) {
        if let Some(f) = beside(path) {
            return Some(f);
        }
        let base = path.rsplit('/').next().unwrap_or(path);
        return beside(base);
    }
    beside(default)
}

/// One `key value` line of a makemap source, with the position of its key.
struct MapLine<'t> {
    key: &'t str,
    value: &'t str,
    line: u32,
    column: u32,
}

/// The entries of a makemap source: blank lines and `#` lines skipped; the key is the
/// first word, the value the rest.
fn map_lines(text: &str) -> impl Iterator<Item = MapLine<'_>> {
    lines(text).filter_map(|l| {
        let line = l.text;
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') {
            return None;
        }
        let lead = line.len() - body.len();
        let (key, value) = match body.find([' ', '\t']) {
            Some(n) => (&body[..n], body[n..].trim()),
            None => (body, ""),
        };
        Some(MapLine {
            key,
            value,
            line: l.no,
            column: column(line, lead),
        })
    })
}

/// Looks `tag:host` up in an access source the way sendmail does: the host, then each
/// parent domain, then the bare `tag:` default; keys are case-folded by makemap and the
/// first of duplicate keys is kept.
fn lookup_tag(file: &SourceFile, tag: &str, host: &str) -> Option<(String, Span)> {
    let prefix = format!("{tag}:");
    let mut found: HashMap<String, (String, Span)> = HashMap::new();
    for l in map_lines(&file.text) {
        let is_tag = l
            .key
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(&prefix));
        if is_tag && found.len() < MAX_ENTRIES {
            found
                .entry(l.key[prefix.len()..].to_ascii_lowercase())
                .or_insert_with(|| (l.value.to_owned(), Span::new(&file.name, l.line, l.column)));
        }
    }
    let host = host.to_ascii_lowercase();
    let mut rest = host.as_str();
    loop {
        if let Some(hit) = found.get(rest) {
            return Some(hit.clone());
        }
        match rest.split_once('.') {
            Some((_, parent)) if !parent.is_empty() => rest = parent,
            _ => break,
        }
    }
    found.get("").cloned()
}

/// AuthInfo entries: the key after `AuthInfo:` and the user from `"U:user"` (else
/// `"I:user"`); problems for entries without either.
fn auth_entries(file: &SourceFile, problems: &mut Problems) -> Vec<Located<CredentialEntry>> {
    let mut creds = Vec::new();
    let mut entries = 0usize;
    for l in map_lines(&file.text) {
        if entries >= MAX_ENTRIES {
            break;
        }
        let Some(key) = l
            .key
            .get(..9)
            .filter(|p| p.eq_ignore_ascii_case("AuthInfo:"))
            .map(|_| &l.key[9..])
        else {
            continue;
        };
        entries += 1;
        let span = Span::new(&file.name, l.line, l.column);
        let mut user = None;
        let mut id = None;
        for item in auth_items(l.value) {
            if let Some(u) = item.strip_prefix("U:") {
                user = Some(u.to_owned());
            } else if let Some(i) = item.strip_prefix("I:") {
                id = Some(i.to_owned());
            }
        }
        match user.or(id) {
            Some(user) => creds.push(Located::new(
                CredentialEntry {
                    key: key.to_owned(),
                    user,
                },
                span,
            )),
            None => problems.push(span, format!("AuthInfo:{key} has no \"U:user\" item")),
        }
    }
    creds
}

/// The items of an AuthInfo value: words, each possibly in double quotes.
fn auth_items(v: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut rest = v.trim_start();
    while !rest.is_empty() && items.len() < 16 {
        let (item, after) = match rest.strip_prefix('"') {
            Some(q) => match q.find('"') {
                Some(n) => (&q[..n], &q[n + 1..]),
                None => (q, ""),
            },
            None => match rest.find([' ', '\t']) {
                Some(n) => (&rest[..n], &rest[n..]),
                None => (rest, ""),
            },
        };
        items.push(item);
        rest = after.trim_start();
    }
    items
}

/// The routes of a mailertable source: `domain mailer:host` lines.
fn mailertable_routes(file: &SourceFile) -> Vec<Located<Route>> {
    map_lines(&file.text)
        .take(MAX_ENTRIES)
        .map(|l| {
            let (_, host, _) = mailer_host(l.value);
            Located::new(
                Route {
                    domain: l.key.to_owned(),
                    next_hop: l.value.to_owned(),
                    via_google: super::in_google_domains(host),
                },
                Span::new(&file.name, l.line, l.column),
            )
        })
        .collect()
}

/// A sendmail time value in seconds (readcf.c, convtime): numbers each followed by a unit
/// `s`, `m`, `h`, `d` or `w`, summed (`1h30m`); a number without unit is in
/// `default_unit_s` seconds.
fn duration_s(v: &str, default_unit_s: u64) -> Result<u64, String> {
    let v = v.trim();
    if v.is_empty() {
        return Err("empty time value".to_owned());
    }
    let mut total: u64 = 0;
    let mut chars = v.chars().peekable();
    while chars.peek().is_some() {
        let mut n: u64 = 0;
        let mut digits = 0;
        while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
            n = n.saturating_mul(10).saturating_add(u64::from(d));
            digits += 1;
            chars.next();
        }
        let unit = match chars.next() {
            None => default_unit_s,
            Some('s') => 1,
            Some('m') => 60,
            Some('h') => 3600,
            Some('d') => 86_400,
            Some('w') => 604_800,
            Some(c) => return Err(format!("`{v}': unit `{c}' is not s, m, h, d or w")),
        };
        if digits == 0 {
            return Err(format!("`{v}': a unit without a number"));
        }
        total = total.saturating_add(n.saturating_mul(unit));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::{self, testing, Options, Target};
    use crate::mta::MAX_PROBLEMS;
    use crate::relay::console::Authentication;
    use crate::relay::plan::{ClientPlan, InternalRoute, TlsMode, TlsPreference};
    use crate::relay::Port;
    use std::time::{Duration, Instant};

    fn src(name: &str, text: &str) -> SourceFile {
        SourceFile {
            name: name.to_owned(),
            text: text.to_owned(),
        }
    }

    fn mc(text: &str) -> ObservedPlan {
        read(&src("sendmail.mc", text), &|_| None)
    }

    fn with(text: &str, files: &[(&str, &str)]) -> ObservedPlan {
        let files: Vec<SourceFile> = files.iter().map(|(n, t)| src(n, t)).collect();
        read(&src("sendmail.mc", text), &move |name: &str| {
            files.iter().find(|f| f.name == name).cloned()
        })
    }

    fn at(line: u32, column: u32) -> Span {
        Span::new("sendmail.mc", line, column)
    }

    #[test]
    fn smart_host_forms() {
        // (name, SMART_HOST value, host, no_mx)
        let rows = [
            (
                "brackets",
                "[smtp-relay.gmail.com]",
                "smtp-relay.gmail.com",
                true,
            ),
            (
                "bare name looks up MX",
                "smtp-relay.gmail.com",
                "smtp-relay.gmail.com",
                false,
            ),
            (
                "esmtp mailer",
                "esmtp:[smtp-relay.gmail.com]",
                "smtp-relay.gmail.com",
                true,
            ),
            (
                "relay mailer, no brackets",
                "relay:smtp-relay.gmail.com",
                "smtp-relay.gmail.com",
                false,
            ),
            ("address literal", "[192.0.2.1]", "192.0.2.1", true),
        ];
        for (name, value, host, no_mx) in rows {
            let p = mc(&format!("define(`SMART_HOST', `{value}')dnl\n"));
            let r = p.relay.expect(name);
            assert_eq!(r.value.host, host, "{name}");
            assert_eq!(r.value.no_mx, no_mx, "{name}");
            assert_eq!(r.value.raw, value, "{name}");
            assert_eq!(r.span, at(1, 23), "{name}");
        }
    }

    #[test]
    fn port_comes_from_the_mailer_named_by_smart_host() {
        let rows = [
            ("relay mailer args", "[h]", "RELAY_MAILER_ARGS", Some(587)),
            (
                "esmtp mailer args",
                "esmtp:[h]",
                "ESMTP_MAILER_ARGS",
                Some(587),
            ),
            (
                "wrong mailer's args",
                "esmtp:[h]",
                "RELAY_MAILER_ARGS",
                None,
            ),
        ];
        for (name, host, args, port) in rows {
            let p = mc(&format!(
                "define(`{args}', `TCP $h 587')dnl\ndefine(`SMART_HOST', `{host}')dnl\n"
            ));
            assert_eq!(p.relay.unwrap().value.port, port, "{name}");
        }
        let p = mc("define(`RELAY_MAILER_ARGS', `TCP $h')\ndefine(`SMART_HOST', `[h]')\n");
        assert_eq!(p.relay.unwrap().value.port, None);
    }

    #[test]
    fn m4_tokens() {
        // (name, text, SMART_HOST host or None)
        let rows = [
            ("dnl line", "dnl define(`SMART_HOST', `[a]')\n", None),
            ("# comment line", "# define(`SMART_HOST', `[a]')\n", None),
            (
                "comment after code",
                "FEATURE(`x') # define(`SMART_HOST', `[a]')\n",
                None,
            ),
            (
                "quoted text is not a call",
                "`define(`SMART_HOST', `[a]')'\n",
                None,
            ),
            (
                "dnl inside a word is not dnl",
                "xdnl define(`SMART_HOST', `[a]')\n",
                Some("a"),
            ),
            ("unquoted args", "define(SMART_HOST, [a])\n", Some("a")),
            (
                "blanks before args",
                "define(  `SMART_HOST',\n\t`[a]')\n",
                Some("a"),
            ),
            (
                "last define wins",
                "define(`SMART_HOST', `[a]')define(`SMART_HOST', `[b]')",
                Some("b"),
            ),
            (
                "undefine",
                "define(`SMART_HOST', `[a]')undefine(`SMART_HOST')",
                None,
            ),
            (
                "space before ( is no call",
                "define (`SMART_HOST', `[a]')",
                None,
            ),
            ("empty value", "define(`SMART_HOST', `')", None),
            (
                "nested quotes",
                "define(`SMART_HOST', ``[a]'')",
                Some("`[a]'"),
            ),
            (
                "ifdef false branch",
                "ifdef(`NOPE', `', `define(`SMART_HOST', `[a]')')",
                Some("a"),
            ),
            (
                "ifdef true branch",
                "define(`YES', 1)ifdef(`YES', `define(`SMART_HOST', `[a]')', `')",
                Some("a"),
            ),
            (
                "ifdef untaken branch",
                "ifdef(`NOPE', `define(`SMART_HOST', `[a]')')",
                None,
            ),
            (
                "dnl inside args",
                "define(`SMART_HOST', dnl the host\n `[a]')",
                Some("a"),
            ),
        ];
        for (name, text, host) in rows {
            let p = mc(text);
            assert_eq!(
                p.relay.map(|r| r.value.host),
                host.map(str::to_owned),
                "{name}"
            );
            assert!(p.syntax.is_empty(), "{name}: {:?}", p.syntax);
        }
    }

    #[test]
    fn unterminated_quote_stops_at_its_start() {
        let p = mc("define(`SMART_HOST', `[a]')\nX\nfoo `bar\ndefine(`confHELO_NAME', `h')\n");
        assert_eq!(p.syntax.len(), 1);
        assert_eq!(p.syntax[0].span, at(3, 5));
        assert!(p.syntax[0].message.contains("unterminated"));
        assert_eq!(p.relay.unwrap().value.host, "a");
        assert!(p.helo.is_none());
        let p = mc("define(`SMART_HOST', `[a]'\n");
        assert_eq!(p.syntax[0].span, at(1, 1));
        assert!(p.syntax[0].message.contains("never closed"));
    }

    #[test]
    fn columns_count_characters() {
        let p = mc("dnl é\n  define(`confHELO_NAME', `mäil.example.com')\n");
        assert_eq!(p.helo.unwrap().span, at(2, 28));
        let p = mc("/* é */ define(`confHELO_NAME', `h')");
        assert_eq!(p.helo.unwrap().span, at(1, 34));
    }

    #[test]
    fn helo_timeouts_cache_and_recipients() {
        let p = mc("define(`confHELO_NAME', `mail.example.com')dnl\n\
                    define(`confTO_DATAFINAL', `1h30m')dnl\n\
                    define(`confMCI_CACHE_SIZE', `0')dnl\n\
                    define(`SMTP_MAILER_MAXRCPTS', `100')dnl\n");
        let helo = p.helo.unwrap();
        assert_eq!(
            (helo.value.as_str(), helo.span),
            ("mail.example.com", at(1, 26))
        );
        assert_eq!(p.helo_default, None);
        assert_eq!(p.data_final_timeout_s.unwrap().value, 5400);
        assert!(!p.connection_reuse.unwrap().value);
        assert_eq!(p.max_rcpt_per_transaction.unwrap().value, 100);
        let p = mc("");
        assert_eq!(p.helo_default.as_deref(), Some(HELO_DEFAULT));
    }

    #[test]
    fn durations() {
        let rows = [
            ("hours", "1h", Ok(3600)),
            ("minutes", "30m", Ok(1800)),
            ("seconds", "90s", Ok(90)),
            ("days", "2d", Ok(172_800)),
            ("weeks", "1w", Ok(604_800)),
            ("combination", "1h30m10s", Ok(5410)),
            ("bare number is minutes", "5", Ok(300)),
            ("blanks around", " 1h ", Ok(3600)),
        ];
        for (name, v, want) in rows {
            assert_eq!(duration_s(v, 60), want, "{name}");
        }
        for bad in ["", "1x", "h", "1h x"] {
            assert!(duration_s(bad, 60).is_err(), "{bad:?}");
        }
        let p = mc("define(`confTO_DATAFINAL', `1y')");
        assert!(p.data_final_timeout_s.is_none());
        assert_eq!(p.syntax[0].span, at(1, 29));
    }

    #[test]
    fn tls_from_the_access_map() {
        let head = "FEATURE(`access_db')dnl\ndefine(`SMART_HOST', `[smtp-relay.gmail.com]')dnl\n";
        let rows = [
            (
                "no entry",
                "Connect:127.0.0.1 RELAY\n",
                TlsMode::Opportunistic,
                None,
            ),
            (
                "ENCR for the host",
                "# x\nTLS_Srv:smtp-relay.gmail.com\tENCR:128\n",
                TlsMode::StartTls,
                Some(2),
            ),
            (
                "VERIFY for the domain",
                "TLS_Srv:gmail.com VERIFY:128\n",
                TlsMode::StartTls,
                Some(1),
            ),
            (
                "default entry",
                "TLS_Srv: ENCR:112\n",
                TlsMode::StartTls,
                Some(1),
            ),
            (
                "other host",
                "TLS_Srv:mx.example.com ENCR:128\n",
                TlsMode::Opportunistic,
                None,
            ),
            (
                "case folded",
                "tls_srv:SMTP-RELAY.gmail.com encr:128\n",
                TlsMode::StartTls,
                Some(1),
            ),
            (
                "VERIFY with a CN, PERM+",
                "TLS_Srv:smtp-relay.gmail.com PERM+VERIFY:128+CN:smtp-relay.gmail.com\n",
                TlsMode::StartTls,
                Some(1),
            ),
            (
                "Try_TLS NO",
                "Try_TLS:smtp-relay.gmail.com NO\n",
                TlsMode::Off,
                Some(1),
            ),
        ];
        for (name, access, want, line) in rows {
            let p = with(head, &[("access", access)]);
            // ENCR encrypts to any certificate; VERIFY wants a verified chain.
            let verified = match want {
                TlsMode::StartTls => Some(access.to_ascii_uppercase().contains("VERIFY")),
                _ => None,
            };
            assert_eq!(p.tls_verified.map(|v| v.value), verified, "{name}");
            let tls = p.tls.unwrap();
            assert_eq!(tls.value, want, "{name}");
            match line {
                Some(l) => assert_eq!(tls.span, Span::new("access", l, 1), "{name}"),
                None => assert_eq!(tls.span, at(2, 23), "{name}"),
            }
        }
        // Without FEATURE(access_db) sendmail never reads the map.
        let p = with(
            "define(`SMART_HOST', `[h]')",
            &[("access", "TLS_Srv:h ENCR:128\n")],
        );
        assert_eq!(p.tls.unwrap().value, TlsMode::Opportunistic);
        // The map path the feature names.
        let p = with(
            "FEATURE(`access_db', `hash -T<TMPF> -o /etc/mail/access.db')define(`SMART_HOST', `[h]')",
            &[("/etc/mail/access", "TLS_Srv:h ENCR:128\n")],
        );
        assert_eq!(p.tls.unwrap().value, TlsMode::StartTls);
    }

    #[test]
    fn auth_from_authinfo() {
        let head = "define(`SMART_HOST', `[smtp-relay.gmail.com]')dnl\nFEATURE(`authinfo')dnl\n";
        let authinfo = "# creds\nAuthInfo:smtp-relay.gmail.com \"U:relay@example.com\" \"I:relay@example.com\" \"P:secret\" \"M:PLAIN\"\nAuthInfo:other.example \"I:x\" \"P:y\"\n";
        let p = with(head, &[("authinfo", authinfo)]);
        let sasl = p.sasl.unwrap();
        assert_eq!((sasl.value, sasl.span), (true, Span::new("authinfo", 2, 1)));
        assert_eq!(p.credentials.len(), 2);
        assert_eq!(p.credentials[0].value.key, "smtp-relay.gmail.com");
        assert_eq!(p.credentials[0].value.user, "relay@example.com");
        assert_eq!(p.credentials[1].value.user, "x");
        assert_eq!(p.password_map.unwrap().value, "/etc/mail/authinfo");
        // Feature, but no entry for the relay: no AUTH.
        let p = with(head, &[("authinfo", "AuthInfo:other \"U:u\"\n")]);
        assert_eq!(p.sasl.unwrap(), Located::new(false, at(2, 1)));
        // The bare default entry matches any server.
        let p = with(head, &[("authinfo", "AuthInfo: \"U:u\" \"P:p\"\n")]);
        assert!(p.sasl.unwrap().value);
        // Without the feature, AuthInfo entries come from the access map.
        let p = with(
            "define(`SMART_HOST', `[h]')FEATURE(`access_db')",
            &[("access", "AuthInfo:h \"U:u\" \"P:p\"\n")],
        );
        assert!(p.sasl.unwrap().value);
        // Neither: nothing said.
        assert_eq!(mc("define(`SMART_HOST', `[h]')").sasl, None);
    }

    #[test]
    fn mailertable_routes_need_the_feature() {
        let table = "corp.example.com\tesmtp:[mailhub.corp.example.com]\n.lab.example.net esmtp:%1.lab.example.net\nx.example relay:[smtp-relay.gmail.com]\n";
        let p = with("FEATURE(`mailertable')", &[("mailertable", table)]);
        assert_eq!(p.routes.len(), 3);
        assert_eq!(p.routes[0].value.domain, "corp.example.com");
        assert_eq!(
            p.routes[0].value.next_hop,
            "esmtp:[mailhub.corp.example.com]"
        );
        assert!(!p.routes[0].value.via_google);
        assert_eq!(p.routes[1].span, Span::new("mailertable", 2, 1));
        assert!(p.routes[2].value.via_google);
        assert!(with("", &[("mailertable", table)]).routes.is_empty());
    }

    #[test]
    fn order_against_mailer_lines() {
        let p = mc("MAILER(`smtp')dnl\ndefine(`RELAY_MAILER_ARGS', `TCP $h 587')dnl\nFEATURE(`authinfo')dnl\ndefine(`SMART_HOST', `[h]')dnl\n");
        assert_eq!(p.relay.unwrap().value.port, None);
        assert_eq!(p.syntax.len(), 2);
        assert_eq!(p.syntax[0].span, at(2, 30));
        assert_eq!(p.syntax[1].span, at(3, 1));
    }

    #[test]
    fn suppressions_are_found() {
        let p = mc("dnl relayctl: allow smart-host-no-brackets\ndefine(`SMART_HOST', `h')dnl\n");
        assert_eq!(p.suppressions.len(), 1);
        assert_eq!(p.suppressions[0].covers_line, 2);
    }

    fn generated(plan: &ClientPlan) -> ObservedPlan {
        let a = gen::render(Target::Sendmail, plan, &Options::default()).unwrap();
        let files: Vec<SourceFile> = a
            .files
            .iter()
            .map(|f| SourceFile {
                name: f.path.rsplit('/').next().unwrap().to_owned(),
                text: f.lines.join("\n") + "\n",
            })
            .collect();
        let primary = files[0].clone();
        assert_eq!(primary.name, "sendmail.mc");
        read(&primary, &move |name: &str| {
            files.iter().find(|f| f.name == name).cloned()
        })
    }

    #[test]
    fn reads_back_what_gen_writes() {
        let plans = [
            testing::plan_for(Target::Sendmail, false, |_, _| {}).unwrap(),
            testing::plan_for(Target::Sendmail, false, |c, s| {
                c.authentication = Authentication::SmtpAuth;
                s.auth_user = Some("relay@example.com".to_owned());
            })
            .unwrap(),
            testing::plan_for(Target::Sendmail, false, |c, s| {
                c.require_tls = false;
                s.tls = Some(TlsPreference::Opportunistic);
                s.port = Some(Port::Smtp);
            })
            .unwrap(),
            testing::plan_for(Target::Sendmail, false, |c, s| {
                c.require_tls = false;
                s.tls = Some(TlsPreference::None);
                s.port = Some(Port::Smtp);
            })
            .unwrap(),
            testing::plan_for(Target::Sendmail, false, |_, s| {
                s.internal = vec![InternalRoute {
                    domain: "corp.example.com".parse().unwrap(),
                    host: Some("mailhub.corp.example.com".parse().unwrap()),
                }]
            })
            .unwrap(),
        ];
        for plan in &plans {
            let o = generated(plan);
            assert!(o.syntax.is_empty(), "{:?}", o.syntax);
            let r = o.relay.unwrap().value;
            assert_eq!(r.host, plan.relay_host.to_string());
            assert_eq!(r.port, Some(plan.port.number()));
            assert!(r.no_mx);
            let tls = plan.tls;
            assert_eq!(o.tls.unwrap().value, tls, "{:?}", plan.tls);
            assert_eq!(o.sasl.map(|s| s.value), plan.sasl.as_ref().map(|_| true));
            if let Some(s) = &plan.sasl {
                assert_eq!(o.credentials[0].value.user, s.username);
            }
            assert_eq!(
                o.helo.unwrap().value,
                plan.helo.as_ref().unwrap().to_string()
            );
            assert_eq!(
                o.data_final_timeout_s.unwrap().value,
                plan.timeouts.data_final_min_s
            );
            assert_eq!(
                o.max_rcpt_per_transaction.unwrap().value,
                plan.max_rcpt_per_transaction
            );
            assert_eq!(o.connection_reuse.unwrap().value, plan.connection_reuse);
            assert_eq!(o.routes.len(), 2 * plan.internal.len());
            for r in &o.routes {
                assert!(!r.value.via_google);
            }
        }
    }

    #[test]
    fn ifdef_rescans_are_bounded_in_depth() {
        let nest = |n: usize| {
            let mut s = "define(`SMART_HOST', `[a]')".to_owned();
            for _ in 0..n {
                s = format!("ifdef(`X', `', `{s}')");
            }
            s
        };
        assert!(mc(&nest(3)).relay.is_some());
        let t = Instant::now();
        let p = mc(&nest(3000));
        assert!(p.relay.is_none(), "deeper than MAX_DEPTH is not evaluated");
        assert!(p.syntax.is_empty());
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    }

    /// A cheap deterministic byte stream (xorshift), for garbage input.
    fn garbage(len: usize, alphabet: &[u8]) -> String {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
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
    fn garbage_is_bounded() {
        let all: Vec<u8> = (0..=255).collect();
        let m4ish = b"define(`SMART_HOST',')dnl#\n ifdef(abc)FEATURE";
        for text in [
            garbage(2_000_000, &all),
            garbage(2_000_000, m4ish),
            "ifdef(`X', `', `".repeat(100_000),
            "define(".repeat(200_000),
            "a(,,,,,,,,".repeat(200_000),
            "`".repeat(1_000_000),
            "dnl\n".repeat(500_000),
        ] {
            let t = Instant::now();
            let p = mc(&text);
            assert!(p.syntax.len() <= MAX_PROBLEMS);
            assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
        }
    }
}
