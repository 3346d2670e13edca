//! Exchange reader: Exchange Management Shell lines (`New-SendConnector`,
//! `Set-SendConnector`, `Remove-SendConnector`, a saved script or a transcript) ->
//! [`ObservedPlan`] with file:line:column spans. A small PowerShell lexer (quotes, backtick
//! continuation, comments, `( )`/`{ }` groups, pipelines); other commands are skipped.
//! Pure and bounded: one pass, capped token sizes, never a panic. Splatting is not read.

use std::collections::HashMap;

use super::toolkit::{Cursor, Problems};
use super::{
    Beside, CredentialEntry, Located, ObservedPlan, RelayTarget, Route, SourceFile, Span, TlsMode,
};
use crate::relay::DEFAULT_RELAY_HOST;

/// A quoted string or a group longer than this is reported and the rest of it skipped.
const MAX_TOKEN_BYTES: usize = 64 * 1024;
/// A statement (with its continuation lines) may hold this many tokens.
const MAX_STATEMENT_TOKENS: usize = 100_000;
/// And this many bytes of token text.
const MAX_STATEMENT_BYTES: usize = 4 << 20;
/// Credential expressions are looked into this many brackets deep.
const MAX_DEPTH: usize = 4;
/// At most this many connectors and variables are kept.
const MAX_NAMES: usize = 10_000;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A bare word: a command, a parameter (`-Port`, `-Port:587`), a value, `$var`.
    Word,
    /// A quoted string (`'...'` or `"..."`), its text unescaped.
    Quoted,
    /// `( ... )`, `{ ... }`, `@( ... )`, `$( ... )`, `@{ ... }`: the text inside.
    Group,
    /// `,`, `|` or `=`.
    Punct,
}

/// A token and where it starts.
#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    text: String,
    line: u32,
    col: u32,
}

impl Token {
    fn is(&self, c: char) -> bool {
        self.kind == Kind::Punct && self.text.len() == 1 && self.text.starts_with(c)
    }

    /// A parameter name (`-Port` or `-Port:587`): the name and the text after the colon.
    fn param(&self) -> Option<(&str, Option<&str>)> {
        if self.kind != Kind::Word {
            return None;
        }
        let rest = self.text.strip_prefix('-')?;
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return None;
        }
        Some(match rest.split_once(':') {
            Some((n, v)) => (n, Some(v)),
            None => (rest, None),
        })
    }

    fn span(&self, file: &str) -> Span {
        Span::new(file, self.line, self.col)
    }
}

/// Whether a backtick at the cursor ends its line: PowerShell's line continuation.
fn at_continuation(lx: &Cursor<'_>) -> bool {
    let r = lx.rest();
    r.starts_with("`\n") || r.starts_with("`\r\n")
}

/// Whether `c` ends a bare word.
fn ends_word(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c, ';' | '|' | ',' | '(' | ')' | '{' | '}' | '\'' | '"')
}

/// Splits `text` into statements (newline or `;` separated; a line ending with a
/// backtick, `|` or `,` goes on), each a list of tokens.
fn statements(text: &str, problems: &mut Problems, on: &mut dyn FnMut(Vec<Token>, &mut Problems)) {
    let mut lx = Cursor::new(text);
    let mut stmt: Vec<Token> = Vec::new();
    let mut stmt_bytes = 0usize;
    let mut broken = false;

    let mut end =
        |stmt: &mut Vec<Token>, bytes: &mut usize, broken: &mut bool, problems: &mut Problems| {
            if !*broken && !stmt.is_empty() {
                on(std::mem::take(stmt), problems);
            }
            stmt.clear();
            *bytes = 0;
            *broken = false;
        };

    while let Some(c) = lx.peek() {
        let (line, col) = lx.pos().line_column();
        if broken && c != '\n' {
            lx.skip_line();
            continue;
        }
        match c {
            '\n' => {
                lx.bump();
                let goes_on = stmt.last().is_some_and(|t| t.is('|') || t.is(','));
                if !goes_on {
                    end(&mut stmt, &mut stmt_bytes, &mut broken, problems);
                }
                continue;
            }
            ';' => {
                lx.bump();
                end(&mut stmt, &mut stmt_bytes, &mut broken, problems);
                continue;
            }
            '`' if at_continuation(&lx) => {
                lx.bump();
                if lx.peek() == Some('\r') {
                    lx.bump();
                }
                lx.bump();
                continue;
            }
            '`' if lx.rest()[1..]
                .trim_start_matches([' ', '\t'])
                .starts_with(['\n', '\r'])
                && lx.rest()[1..].starts_with([' ', '\t']) =>
            {
                problems.at((line, col),
                    "spaces after the line-ending backtick: PowerShell ends the command on this line".to_owned(),
                );
                lx.bump();
                continue;
            }
            c if c.is_whitespace() => {
                lx.bump();
                continue;
            }
            '#' => {
                lx.skip_line();
                continue;
            }
            '<' if lx.rest().starts_with("<#") => {
                match lx.rest().find("#>") {
                    Some(n) => lx.skip(n + 2),
                    None => {
                        problems.at((line, col), "block comment <# without #>".to_owned());
                        lx.skip(lx.rest().len());
                    }
                }
                continue;
            }
            c if c.is_control() => {
                problems.at(
                    (line, col),
                    format!("control character U+{:04X}: not a text file?", u32::from(c)),
                );
                broken = true;
                continue;
            }
            _ => {}
        }
        let token = match c {
            '\'' | '"' => quoted(&mut lx, c, problems),
            ',' | '|' | '=' => {
                lx.bump();
                Some((Kind::Punct, c.to_string()))
            }
            '(' | '{' => group(&mut lx, 0, problems),
            '@' | '$' if lx.rest()[1..].starts_with(['(', '{']) => group(&mut lx, 1, problems),
            ')' | '}' => {
                lx.bump();
                problems.at((line, col), format!("`{c}` without its opening bracket"));
                None
            }
            _ => {
                let w = word(&mut lx);
                if w.len() > MAX_TOKEN_BYTES {
                    problems.at(
                        (line, col),
                        format!("word longer than {MAX_TOKEN_BYTES} bytes: not a command line"),
                    );
                    None
                } else {
                    Some((Kind::Word, w))
                }
            }
        };
        let Some((kind, text)) = token else {
            broken = true;
            continue;
        };
        stmt_bytes += text.len();
        if stmt.len() >= MAX_STATEMENT_TOKENS || stmt_bytes > MAX_STATEMENT_BYTES {
            problems.at((line, col),
                format!("statement longer than {MAX_STATEMENT_TOKENS} tokens or {MAX_STATEMENT_BYTES} bytes; skipped"),
            );
            broken = true;
            continue;
        }
        stmt.push(Token {
            kind,
            text,
            line,
            col,
        });
    }
    end(&mut stmt, &mut stmt_bytes, &mut broken, problems);
}

/// The first statement of `text` (a group's inside), its problems dropped: they belong to
/// the statement that holds the group, which is read anyway.
fn first_statement(text: &str) -> Option<Vec<Token>> {
    let mut quiet = Problems::new("");
    let mut first = None;
    statements(text, &mut quiet, &mut |s, _| {
        if first.is_none() {
            first = Some(s);
        }
    });
    first
}

/// A bare word; a backtick escapes the next character. A word that starts with `$` also
/// ends at `=` (`$cred=...`).
fn word(lx: &mut Cursor<'_>) -> String {
    let mut s = String::new();
    let var = lx.peek() == Some('$');
    while let Some(c) = lx.peek() {
        if ends_word(c) || (var && c == '=') || at_continuation(lx) || s.len() > MAX_TOKEN_BYTES {
            break;
        }
        lx.bump();
        if c == '`' {
            match lx.peek() {
                Some(e) if !e.is_whitespace() => {
                    lx.bump();
                    s.push(e);
                }
                _ => {}
            }
            continue;
        }
        s.push(c);
    }
    s
}

/// A quoted string: `'...'` with `''` for a quote; `"..."` with `""` and backtick escapes.
/// Strings may span lines, as in PowerShell; an unterminated one is reported.
fn quoted(lx: &mut Cursor<'_>, q: char, problems: &mut Problems) -> Option<(Kind, String)> {
    let (line, col) = lx.pos().line_column();
    lx.bump();
    let mut s = String::new();
    while let Some(c) = lx.bump() {
        if s.len() > MAX_TOKEN_BYTES {
            problems.at(
                (line, col),
                format!("string longer than {MAX_TOKEN_BYTES} bytes: unterminated quote?"),
            );
            return None;
        }
        if c == q {
            if lx.peek() == Some(q) {
                lx.bump();
                s.push(q);
                continue;
            }
            return Some((Kind::Quoted, s));
        }
        if c == '`' && q == '"' {
            match lx.bump() {
                Some('n') => s.push('\n'),
                Some('t') => s.push('\t'),
                Some('0') => s.push('\0'),
                Some(e) => s.push(e),
                None => break,
            }
        } else {
            s.push(c);
        }
    }
    problems.at((line, col), format!("unterminated string: no closing {q}"));
    None
}

/// A bracketed group after `skip` prefix characters (`@`, `$`): the text inside, with
/// nested brackets and quotes respected.
fn group(lx: &mut Cursor<'_>, skip: usize, problems: &mut Problems) -> Option<(Kind, String)> {
    let (line, col) = lx.pos().line_column();
    for _ in 0..skip {
        lx.bump();
    }
    let mut stack = vec![lx.bump()?];
    let start = lx.pos().at;
    let mut quote: Option<char> = None;
    while let Some(c) = lx.peek() {
        if lx.pos().at - start > MAX_TOKEN_BYTES {
            problems.at(
                (line, col),
                format!("bracket group longer than {MAX_TOKEN_BYTES} bytes: unclosed bracket?"),
            );
            return None;
        }
        lx.bump();
        match (quote, c) {
            (Some(_), '`') => {
                lx.bump();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '`') => {
                lx.bump();
            }
            (None, '(' | '{' | '[') => stack.push(c),
            (None, ')' | '}' | ']') => {
                let open = stack.pop();
                let want = match open {
                    Some('(') => ')',
                    Some('{') => '}',
                    _ => ']',
                };
                if c != want {
                    problems.at(
                        (line, col),
                        format!("`{}` closed by `{c}`", open.unwrap_or('(')),
                    );
                    return None;
                }
                if stack.is_empty() {
                    let inner = lx.since(start).strip_suffix(c).unwrap_or("").to_owned();
                    return Some((Kind::Group, inner));
                }
            }
            _ => {}
        }
    }
    problems.at((line, col), "unclosed bracket".to_owned());
    None
}

/// One send connector as the lines build it.
#[derive(Debug, Clone)]
struct Connector {
    name: String,
    defined: Span,
    address_spaces: Option<Located<Vec<String>>>,
    smart_hosts: Option<Located<Vec<String>>>,
    port: Option<Located<u16>>,
    require_tls: Option<Located<bool>>,
    ignore_starttls: Option<Located<bool>>,
    dns_routing: Option<Located<bool>>,
    enabled: Option<Located<bool>>,
    fqdn: Option<Located<String>>,
    sasl: Option<Located<bool>>,
    credential: Option<Located<String>>,
}

impl Connector {
    fn new(name: String, defined: Span) -> Connector {
        Connector {
            name,
            defined,
            address_spaces: None,
            smart_hosts: None,
            port: None,
            require_tls: None,
            ignore_starttls: None,
            dns_routing: None,
            enabled: None,
            fqdn: None,
            sasl: None,
            credential: None,
        }
    }

    /// The domains of `-AddressSpaces`: `SMTP:contoso.com;1` -> `contoso.com`.
    fn domains(&self) -> Option<Vec<String>> {
        let spaces = self.address_spaces.as_ref()?;
        Some(
            spaces
                .value
                .iter()
                .map(|s| {
                    let s = match s.split_once(':') {
                        Some((t, rest)) if t.eq_ignore_ascii_case("smtp") => rest,
                        _ => s.as_str(),
                    };
                    s.split(';').next().unwrap_or("").trim().to_owned()
                })
                .collect(),
        )
    }

    fn has_google(&self) -> bool {
        self.smart_hosts
            .as_ref()
            .is_some_and(|h| h.value.iter().any(|h| is_google(host_part(h).0)))
    }
}

/// Whether `host` is Google's relay.
fn is_google(host: &str) -> bool {
    host.trim_end_matches('.')
        .eq_ignore_ascii_case(DEFAULT_RELAY_HOST)
}

/// A smart host entry as Exchange reads it: `host`, `[192.0.2.1]`; and the port when
/// someone wrote `host:587` (which Exchange refuses).
fn host_part(entry: &str) -> (&str, Option<&str>) {
    if let Some(ip) = entry.strip_prefix('[') {
        return (ip.split(']').next().unwrap_or(ip), None);
    }
    match entry.split_once(':') {
        // Two colons or more: a bare IPv6 address.
        Some((_, rest)) if rest.contains(':') => (entry, None),
        Some((h, p)) => (h, Some(p)),
        None => (entry, None),
    }
}

/// A parameter's value: its elements (a comma list), where it starts, and its first token.
struct Value {
    items: Vec<String>,
    first: Token,
}

/// What the reader keeps between statements.
struct Shell<'a> {
    file: &'a str,
    vars: HashMap<String, String>,
    credentials: HashMap<String, String>,
    connectors: Vec<Connector>,
    by_name: HashMap<String, usize>,
}

/// Parameters that are switches: they take no value unless written `-Switch:$false`.
const SWITCHES: &[&str] = &[
    "confirm", "whatif", "force", "custom", "internal", "internet", "partner", "verbose", "debug",
];

/// The text of an element token (variables resolved when known).
fn element(t: &Token, vars: &HashMap<String, String>) -> String {
    match t.kind {
        Kind::Word if t.text.starts_with('$') => {
            let name = t.text[1..].to_ascii_lowercase();
            vars.get(&name).cloned().unwrap_or_else(|| t.text.clone())
        }
        Kind::Group => format!("({})", t.text),
        _ => t.text.clone(),
    }
}

/// `$true`, `$false` or a number: the only values a Boolean parameter takes.
fn boolean(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "$true" => Some(true),
        "$false" => Some(false),
        n => n.parse::<i64>().ok().map(|n| n != 0),
    }
}

/// The user name in a credential expression: `Get-Credential 'u'`, `Get-Credential
/// -UserName u`, `New-Object ...PSCredential('u', $p)`, `[pscredential]::new('u', $p)`.
fn credential_user(toks: &[Token], depth: usize) -> Option<String> {
    for (i, t) in toks.iter().enumerate() {
        let lower = t.text.to_ascii_lowercase();
        if t.kind == Kind::Word && lower == "get-credential" {
            let mut j = i + 1;
            while let Some(a) = toks.get(j) {
                match a.param() {
                    Some((n, v))
                        if n.eq_ignore_ascii_case("username")
                            || n.eq_ignore_ascii_case("credential") =>
                    {
                        return match v.filter(|v| !v.is_empty()) {
                            Some(v) => Some(v.to_owned()),
                            None => toks.get(j + 1).map(|v| v.text.clone()),
                        };
                    }
                    Some(_) => j += 2,
                    None if a.kind == Kind::Punct => return None,
                    None => return Some(a.text.clone()),
                }
            }
            return None;
        }
        if t.kind == Kind::Word && lower.contains("pscredential") {
            if let Some(g) = toks.get(i + 1).filter(|g| g.kind == Kind::Group) {
                return first_statement(&g.text)
                    .and_then(|s| s.into_iter().next())
                    .map(|t| t.text);
            }
        }
        if t.param()
            .is_some_and(|(n, _)| n.eq_ignore_ascii_case("argumentlist"))
        {
            return toks.get(i + 1).map(|t| t.text.clone());
        }
        if t.kind == Kind::Group && depth < MAX_DEPTH {
            if let Some(u) = first_statement(&t.text).and_then(|s| credential_user(&s, depth + 1)) {
                return Some(u);
            }
        }
    }
    None
}

impl Shell<'_> {
    fn statement(&mut self, toks: &[Token], problems: &mut Problems) {
        // `$var = value`.
        if toks.len() >= 2
            && toks[0].kind == Kind::Word
            && toks[0].text.starts_with('$')
            && toks[1].is('=')
        {
            let name = toks[0].text[1..].to_ascii_lowercase();
            if self.vars.len() >= MAX_NAMES {
                return;
            }
            let rhs = &toks[2..];
            if let Some(user) = credential_user(rhs, 0) {
                self.credentials.insert(name.clone(), user);
            }
            if let [v] = rhs {
                if matches!(v.kind, Kind::Quoted | Kind::Word) {
                    self.vars.insert(name, v.text.clone());
                }
            }
            return;
        }
        let segments: Vec<&[Token]> = toks.split(|t| t.is('|')).collect();
        for (i, seg) in segments.iter().enumerate() {
            let Some(cmd) = seg.first().filter(|t| t.kind == Kind::Word) else {
                continue;
            };
            let verb = cmd.text.to_ascii_lowercase();
            if !matches!(
                verb.as_str(),
                "new-sendconnector" | "set-sendconnector" | "remove-sendconnector"
            ) {
                continue;
            }
            let upstream = (i > 0).then(|| upstream_identity(&segments[..i]));
            self.connector_command(&verb, seg, upstream, problems);
        }
    }

    fn connector_command(
        &mut self,
        verb: &str,
        seg: &[Token],
        upstream: Option<String>,
        problems: &mut Problems,
    ) {
        let file = self.file;
        let cmd = &seg[0];
        let mut params: Vec<(String, Token, Option<Value>)> = Vec::new();
        let mut positional: Option<Value> = None;
        let mut i = 1;
        while let Some(t) = seg.get(i) {
            if t.kind == Kind::Word && t.text.starts_with('@') && t.text.len() > 1 {
                problems.at(
                    (t.line, t.col),
                    format!(
                        "splatting ({}) is not read: write the parameters out",
                        t.text
                    ),
                );
                i += 1;
                continue;
            }
            let Some((name, inline)) = t.param() else {
                let (v, next) = self.value(seg, i);
                if positional.is_none() {
                    positional = Some(v);
                }
                i = next;
                continue;
            };
            let lower = name.to_ascii_lowercase();
            let (value, next) = match inline {
                Some(v) if !v.is_empty() => {
                    let mut tok = t.clone();
                    tok.text = v.to_owned();
                    tok.col = tok
                        .col
                        .saturating_add(u32::try_from(name.chars().count() + 2).unwrap_or(0));
                    let mut val = Value {
                        items: vec![element(&tok, &self.vars)],
                        first: tok,
                    };
                    let mut j = i + 1;
                    while seg.get(j).is_some_and(|c| c.is(',')) {
                        if let Some(e) = seg.get(j + 1) {
                            val.items.push(element(e, &self.vars));
                        }
                        j += 2;
                    }
                    (Some(val), j)
                }
                // `-Param:` with the value as the next word; nothing after it is no value
                // (found by the fuzzer: `New-SendConnector -l:`).
                Some(_) if seg.get(i + 1).is_some() => {
                    let (v, next) = self.value(seg, i + 1);
                    (Some(v), next)
                }
                Some(_) => (None, i + 1),
                None if SWITCHES.contains(&lower.as_str()) => (None, i + 1),
                None => match seg.get(i + 1) {
                    Some(n) if n.param().is_none() && !n.is(',') => {
                        let (v, next) = self.value(seg, i + 1);
                        (Some(v), next)
                    }
                    _ => (None, i + 1),
                },
            };
            params.push((lower, t.clone(), value));
            i = next;
        }

        let find = |want: &str| params.iter().find(|(n, _, _)| n == want);
        let identity = match verb {
            "new-sendconnector" => find("name")
                .and_then(|(_, _, v)| v.as_ref())
                .or(positional.as_ref()),
            _ => find("identity")
                .and_then(|(_, _, v)| v.as_ref())
                .or(positional.as_ref()),
        };
        let name = match (identity, upstream) {
            (Some(v), _) => v.items.join(","),
            (None, Some(u)) => u,
            (None, None) => {
                problems.at(
                    (cmd.line, cmd.col),
                    format!(
                        "{}: no connector named (-{})",
                        cmd.text,
                        if verb == "new-sendconnector" {
                            "Name"
                        } else {
                            "Identity"
                        }
                    ),
                );
                return;
            }
        };
        let key = name.to_ascii_lowercase();
        if verb == "remove-sendconnector" {
            if let Some(i) = self.by_name.remove(&key) {
                self.connectors[i].enabled = Some(Located::new(false, cmd.span(file)));
            }
            return;
        }
        if verb == "new-sendconnector" && self.by_name.contains_key(&key) {
            problems.at(
                (cmd.line, cmd.col),
                format!("a send connector named `{name}` already exists: New-SendConnector fails"),
            );
            return;
        }
        let index = match self.by_name.get(&key) {
            Some(&i) => i,
            None => {
                if self.connectors.len() >= MAX_NAMES {
                    return;
                }
                self.connectors.push(Connector::new(name, cmd.span(file)));
                self.by_name.insert(key, self.connectors.len() - 1);
                self.connectors.len() - 1
            }
        };
        for (pname, ptok, value) in params {
            self.apply(index, &pname, &ptok, value, problems);
        }
    }

    /// The comma list starting at `seg[i]` and the index after it.
    fn value(&self, seg: &[Token], i: usize) -> (Value, usize) {
        let first = seg[i].clone();
        let mut items = vec![element(&first, &self.vars)];
        let mut j = i + 1;
        while seg.get(j).is_some_and(|c| c.is(',')) {
            if let Some(e) = seg.get(j + 1) {
                items.push(element(e, &self.vars));
            }
            j += 2;
        }
        (Value { items, first }, j)
    }

    fn apply(
        &mut self,
        index: usize,
        pname: &str,
        ptok: &Token,
        value: Option<Value>,
        problems: &mut Problems,
    ) {
        let file = self.file;
        const BOOLS: &[&str] = &[
            "requiretls",
            "ignorestarttls",
            "dnsroutingenabled",
            "enabled",
        ];
        const VALUED: &[&str] = &[
            "addressspaces",
            "smarthosts",
            "port",
            "fqdn",
            "smarthostauthmechanism",
            "authenticationcredential",
        ];
        if !BOOLS.contains(&pname) && !VALUED.contains(&pname) {
            return;
        }
        let Some(v) = value else {
            let what = if BOOLS.contains(&pname) {
                "$true or $false"
            } else {
                "a value"
            };
            problems.at(
                (ptok.line, ptok.col),
                format!("{}: missing an argument ({what})", ptok.text),
            );
            return;
        };
        let span = v.first.span(file);
        let text = v.items.join(",");
        let c = &mut self.connectors[index];
        if BOOLS.contains(&pname) {
            let Some(b) = boolean(&text) else {
                problems.at(
                    (span.line, span.column),
                    format!(
                        "{}: Boolean parameters take only $true, $false, 1 or 0, not `{text}`",
                        ptok.text.split(':').next().unwrap_or("")
                    ),
                );
                return;
            };
            let slot = match pname {
                "requiretls" => &mut c.require_tls,
                "ignorestarttls" => &mut c.ignore_starttls,
                "dnsroutingenabled" => &mut c.dns_routing,
                _ => &mut c.enabled,
            };
            *slot = Some(Located::new(b, span));
            return;
        }
        match pname {
            "addressspaces" => c.address_spaces = Some(Located::new(split_items(&v.items), span)),
            "smarthosts" => {
                let hosts = split_items(&v.items);
                for h in &hosts {
                    if let (host, Some(port)) = host_part(h) {
                        // MicrosoftDocs/office-docs-powershell#5599: Exchange refuses a port in -SmartHosts.
                        problems.at((span.line, span.column),
                            format!("-SmartHosts `{h}`: Exchange refuses a port here; write -SmartHosts {host} -Port {port}"),
                        );
                    }
                }
                c.smart_hosts = Some(Located::new(hosts, span));
            }
            "port" => match text.parse::<u16>() {
                Ok(p) if p > 0 => c.port = Some(Located::new(p, span)),
                _ => problems.at(
                    (span.line, span.column),
                    format!("-Port `{text}`: not a port number (1-65535)"),
                ),
            },
            "fqdn" => c.fqdn = Some(Located::new(text, span)),
            "smarthostauthmechanism" => {
                let mut sasl = false;
                for m in split_items(&v.items) {
                    match m.to_ascii_lowercase().as_str() {
                        "basicauth" | "basicauthrequiretls" => sasl = true,
                        "none" | "exchangeserver" | "externalauthoritative" => {}
                        _ => {
                            problems.at((span.line, span.column),
                                format!("-SmartHostAuthMechanism `{m}`: expected None, BasicAuth, BasicAuthRequireTLS, ExchangeServer or ExternalAuthoritative"),
                            );
                            return;
                        }
                    }
                }
                c.sasl = Some(Located::new(sasl, span));
            }
            "authenticationcredential" => {
                let user = match v.first.kind {
                    Kind::Word if v.first.text.starts_with('$') => self
                        .credentials
                        .get(&v.first.text[1..].to_ascii_lowercase())
                        .cloned(),
                    Kind::Group => {
                        first_statement(&v.first.text).and_then(|s| credential_user(&s, 0))
                    }
                    _ => None,
                };
                c.credential = Some(Located::new(user.unwrap_or_default(), span));
            }
            _ => {}
        }
    }
}

/// Splits list items further at commas inside quotes (`"a.example,b.example"`).
fn split_items(items: &[String]) -> Vec<String> {
    items
        .iter()
        .flat_map(|i| i.split(','))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The connector a piped `Set-SendConnector` edits: the name given to an upstream
/// `Get-SendConnector NAME`, else the upstream text itself.
fn upstream_identity(segments: &[&[Token]]) -> String {
    if let [first] = segments {
        if first.len() == 2
            && first[0].text.eq_ignore_ascii_case("get-sendconnector")
            && first[1].kind != Kind::Punct
        {
            return first[1].text.clone();
        }
    }
    segments
        .iter()
        .map(|s| {
            s.iter()
                .map(|t| match t.kind {
                    Kind::Group => format!("{{{}}}", t.text),
                    Kind::Quoted => format!("'{}'", t.text),
                    _ => t.text.clone(),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Reads `primary` (Exchange Management Shell lines) and returns the plan of the send
/// connector that carries Internet mail: among enabled connectors, one whose
/// `-AddressSpaces` has `*` (or, for connectors only edited here with Set-SendConnector,
/// unknown address spaces), Google's relay first. Later lines change earlier ones for
/// the same connector name (case-insensitive). Connectors for specific domains are routes.
/// Parameter names must be written out in full (no prefixes).
pub fn read(primary: &SourceFile, beside: Beside<'_>) -> ObservedPlan {
    let _ = beside;
    let file = primary.name.as_str();
    let mut problems = Problems::new(file);
    let mut shell = Shell {
        file,
        vars: HashMap::new(),
        credentials: HashMap::new(),
        connectors: Vec::new(),
        by_name: HashMap::new(),
    };
    let mut commands = 0usize;
    // Statements are read as they end: memory holds one statement, not the file.
    statements(&primary.text, &mut problems, &mut |s, problems| {
        commands += usize::from(s.iter().any(|t| {
            t.kind == Kind::Word && t.text.to_ascii_lowercase().ends_with("-sendconnector")
        }));
        shell.statement(&s, problems);
    });
    if commands == 0 {
        problems.at((1, 1),
            "no New-SendConnector or Set-SendConnector line: nothing here tells Exchange where to send".to_owned(),
        );
    }
    let mut plan = ObservedPlan {
        suppressions: super::suppressions(file, &primary.text),
        ..ObservedPlan::default()
    };
    let live: Vec<&Connector> = shell
        .connectors
        .iter()
        .filter(|c| c.enabled.as_ref().is_none_or(|e| e.value))
        .collect();
    let rank = |c: &Connector| {
        let spaces = c.domains();
        let star = spaces.as_ref().is_some_and(|d| d.iter().any(|d| d == "*"));
        match (star, spaces.is_none(), c.has_google()) {
            (true, _, true) => 0,
            (true, _, false) => 1,
            (false, true, true) => 2,
            (false, true, false) => 3,
            _ => 4,
        }
    };
    let relay = live
        .iter()
        .enumerate()
        .filter(|(_, c)| rank(c) < 4)
        .min_by_key(|(i, c)| (rank(c), *i))
        .map(|(i, _)| i);
    if let Some(i) = relay {
        fill(&mut plan, live[i], &mut problems);
    }
    for (i, c) in live.iter().enumerate() {
        if Some(i) == relay {
            continue;
        }
        let (Some(domains), Some(spaces)) = (c.domains(), &c.address_spaces) else {
            continue;
        };
        let dns = c.dns_routing.as_ref().is_some_and(|d| d.value) || c.smart_hosts.is_none();
        let (next_hop, via_google) = match &c.smart_hosts {
            Some(h) if !dns => (h.value.join(","), c.has_google()),
            _ => (format!("MX delivery (connector {})", c.name), false),
        };
        for d in domains.into_iter().filter(|d| d != "*") {
            plan.routes.push(Located::new(
                Route {
                    domain: d,
                    next_hop: next_hop.clone(),
                    via_google,
                },
                spaces.span.clone(),
            ));
        }
    }
    plan.syntax = problems.finish();
    plan
}

/// The plan of connector `c`.
fn fill(plan: &mut ObservedPlan, c: &Connector, problems: &mut Problems) {
    match &c.fqdn {
        Some(f) => plan.helo = Some(f.clone()),
        // New-SendConnector, -Fqdn: blank means the transport server's own FQDN.
        None => plan.helo_default = Some("the server's FQDN (Exchange's default)".to_owned()),
    }
    // Exchange uses STARTTLS when the remote offers it unless -IgnoreSTARTTLS $true;
    // -RequireTLS $true makes it mandatory. Send connectors never speak TLS on connect,
    // so -Port 465 is still STARTTLS (the lint rules catch the port).
    plan.tls = Some(match (&c.require_tls, &c.ignore_starttls) {
        (Some(r), _) if r.value => Located::new(TlsMode::StartTls, r.span.clone()),
        (_, Some(i)) if i.value => Located::new(TlsMode::Off, i.span.clone()),
        (Some(r), _) => Located::new(TlsMode::Opportunistic, r.span.clone()),
        (None, _) => Located::new(TlsMode::Opportunistic, c.defined.clone()),
    });
    if let (Some(r), Some(i)) = (&c.require_tls, &c.ignore_starttls) {
        if r.value && i.value {
            problems.at(
                (i.span.line, i.span.column),
                "-IgnoreSTARTTLS $true with -RequireTLS $true: the connector cannot do both"
                    .to_owned(),
            );
        }
    }
    plan.sasl = c.sasl.clone();
    let Some(hosts) = &c.smart_hosts else { return };
    if let Some(d) = c.dns_routing.as_ref().filter(|d| d.value) {
        problems.at((d.span.line, d.span.column),
            "-DNSRoutingEnabled $true: Exchange delivers by MX and ignores -SmartHosts; set it to $false".to_owned(),
        );
        return;
    }
    let Some(first) = hosts.value.first() else {
        return;
    };
    let (host, _) = host_part(first);
    plan.relay = Some(Located::new(
        RelayTarget {
            host: host.to_owned(),
            port: c.port.as_ref().map(|p| p.value),
            // Smart hosts are looked up by address, never by MX.
            no_mx: true,
            raw: first.clone(),
        },
        hosts.span.clone(),
    ));
    if let Some(cred) = &c.credential {
        plan.credentials.push(Located::new(
            CredentialEntry {
                key: first.clone(),
                user: cred.value.clone(),
            },
            cred.span.clone(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::{render, Edition, Form, Options, Target};
    use crate::mta::MAX_PROBLEMS;
    use std::time::{Duration, Instant};

    fn parse(text: &str) -> ObservedPlan {
        read(
            &SourceFile {
                name: "connector.ps1".into(),
                text: text.into(),
            },
            &|_| None,
        )
    }

    fn at(line: u32, column: u32) -> Span {
        Span::new("connector.ps1", line, column)
    }

    const NEW: &str = "New-SendConnector -Name 'Outbound to Google' -Usage Internet -AddressSpaces * -DNSRoutingEnabled $false -SmartHosts smtp-relay.gmail.com -Port 587 -RequireTLS $true -Fqdn mail.example.com -SmartHostAuthMechanism None";

    #[test]
    fn fuzz_regression_param_colon_without_value() {
        // cargo fuzz (exchange target) found an index past the statement here.
        for text in [
            "New-SendConnector -l:",
            "Set-SendConnector x -Port:",
            "New-SendConnector -Name:",
        ] {
            let _ = parse(text);
        }
    }

    #[test]
    fn new_connector_and_spans() {
        let p = parse(NEW);
        assert!(p.syntax.is_empty(), "{:?}", p.syntax);
        let r = p.relay.unwrap();
        assert_eq!(r.span, at(1, 117));
        assert_eq!(
            r.value,
            RelayTarget {
                host: "smtp-relay.gmail.com".into(),
                port: Some(587),
                no_mx: true,
                raw: "smtp-relay.gmail.com".into()
            }
        );
        assert_eq!(p.tls.unwrap(), Located::new(TlsMode::StartTls, at(1, 160)));
        assert_eq!(
            p.helo.unwrap(),
            Located::new("mail.example.com".into(), at(1, 172))
        );
        assert_eq!(p.sasl.unwrap(), Located::new(false, at(1, 213)));
    }

    #[test]
    fn constructs() {
        // (name, text, host, port, tls, sasl, helo)
        type Row = (
            &'static str,
            &'static str,
            Option<&'static str>,
            Option<u16>,
            Option<TlsMode>,
            Option<bool>,
            Option<&'static str>,
        );
        let rows: &[Row] = &[
            (
                "backtick continuation, colon form, case",
                "new-sendconnector -name:\"Google\" `\n  -ADDRESSSPACES 'SMTP:*;1' `\n  -SmartHosts:smtp-relay.gmail.com -port:465 -RequireTLS:$true\n",
                Some("smtp-relay.gmail.com"),
                Some(465),
                Some(TlsMode::StartTls),
                None,
                None,
            ),
            (
                "opportunistic by default",
                "New-SendConnector Google -AddressSpaces * -SmartHosts smtp-relay.gmail.com",
                Some("smtp-relay.gmail.com"),
                None,
                Some(TlsMode::Opportunistic),
                None,
                None,
            ),
            (
                "ignore starttls",
                "New-SendConnector G -AddressSpaces * -SmartHosts h -RequireTLS 0 -IgnoreSTARTTLS 1",
                Some("h"),
                None,
                Some(TlsMode::Off),
                None,
                None,
            ),
            (
                "set overrides new",
                "New-SendConnector -Name G -AddressSpaces * -SmartHosts h -Port 25 -Fqdn a.example\nSet-SendConnector 'g' -Port 587 -Fqdn b.example -SmartHostAuthMechanism BasicAuthRequireTLS\n",
                Some("h"),
                Some(587),
                Some(TlsMode::Opportunistic),
                Some(true),
                Some("b.example"),
            ),
            (
                "set only",
                "Set-SendConnector -Identity 'Outbound' -SmartHosts h2 ; Set-SendConnector Outbound -RequireTLS $true",
                Some("h2"),
                None,
                Some(TlsMode::StartTls),
                None,
                None,
            ),
            (
                "piped set",
                "Get-SendConnector | Where-Object { $_.Name -like 'EdgeSync - * to Internet' } |\n  Set-SendConnector -AddressSpaces * -SmartHosts smtp-relay.gmail.com -Port 587",
                Some("smtp-relay.gmail.com"),
                Some(587),
                Some(TlsMode::Opportunistic),
                None,
                None,
            ),
            (
                "the star connector wins, Google's first",
                "New-SendConnector A -AddressSpaces corp.example -SmartHosts hub\nNew-SendConnector B -AddressSpaces * -SmartHosts other\nNew-SendConnector C -AddressSpaces '*' -SmartHosts smtp-relay.gmail.com\n",
                Some("smtp-relay.gmail.com"),
                None,
                Some(TlsMode::Opportunistic),
                None,
                None,
            ),
            (
                "removed and disabled connectors do not count",
                "New-SendConnector A -AddressSpaces * -SmartHosts a\nNew-SendConnector B -AddressSpaces * -SmartHosts b -Enabled $false\nRemove-SendConnector A -Confirm:$false\nNew-SendConnector C -AddressSpaces * -SmartHosts c\n",
                Some("c"),
                None,
                Some(TlsMode::Opportunistic),
                None,
                None,
            ),
            (
                "comments and variables",
                "# the connector\n<# block\ncomment #>\n$relay = 'smtp-relay.gmail.com'\nNew-SendConnector G -AddressSpaces * -SmartHosts $relay # trailing\n",
                Some("smtp-relay.gmail.com"),
                None,
                Some(TlsMode::Opportunistic),
                None,
                None,
            ),
        ];
        for (name, text, host, port, tls, sasl, helo) in rows {
            let p = parse(text);
            assert!(p.syntax.is_empty(), "{name}: {:?}", p.syntax);
            assert_eq!(
                p.relay.as_ref().map(|r| r.value.host.as_str()),
                *host,
                "{name}"
            );
            assert_eq!(p.relay.as_ref().and_then(|r| r.value.port), *port, "{name}");
            assert_eq!(p.tls.as_ref().map(|t| t.value), *tls, "{name}");
            assert_eq!(p.sasl.as_ref().map(|t| t.value), *sasl, "{name}");
            assert_eq!(p.helo.as_ref().map(|h| h.value.as_str()), *helo, "{name}");
        }
    }

    #[test]
    fn credentials() {
        let rows = [
            ("inline", "New-SendConnector G -AddressSpaces * -SmartHosts h -SmartHostAuthMechanism BasicAuth -AuthenticationCredential (Get-Credential 'u@example.com')", "u@example.com"),
            ("variable", "$cred = Get-Credential -UserName u2@example.com\nNew-SendConnector G -AddressSpaces * -SmartHosts h -SmartHostAuthMechanism BasicAuth -AuthenticationCredential $cred", "u2@example.com"),
            ("pscredential", "$c = New-Object System.Management.Automation.PSCredential ('u3@example.com', $pw)\nNew-SendConnector G -AddressSpaces * -SmartHosts h -SmartHostAuthMechanism BasicAuth -AuthenticationCredential $c", "u3@example.com"),
            ("unknown", "New-SendConnector G -AddressSpaces * -SmartHosts h -SmartHostAuthMechanism BasicAuth -AuthenticationCredential $nobody", ""),
        ];
        for (name, text, user) in rows {
            let p = parse(text);
            assert!(p.syntax.is_empty(), "{name}: {:?}", p.syntax);
            assert_eq!(p.sasl.as_ref().map(|s| s.value), Some(true), "{name}");
            assert_eq!(
                p.credentials[0].value,
                CredentialEntry {
                    key: "h".into(),
                    user: user.into()
                },
                "{name}"
            );
        }
    }

    #[test]
    fn routes() {
        let p = parse("New-SendConnector G -AddressSpaces * -SmartHosts smtp-relay.gmail.com\nNew-SendConnector -Name 'Internal' -AddressSpaces 'corp.example.com','*.corp.example.com' -DNSRoutingEnabled $false -SmartHosts hub.corp.example.com\nNew-SendConnector Lab -AddressSpaces \"SMTP:lab.example;2\" -DNSRoutingEnabled $true\n");
        assert!(p.syntax.is_empty(), "{:?}", p.syntax);
        let routes: Vec<_> = p
            .routes
            .iter()
            .map(|r| {
                (
                    r.value.domain.as_str(),
                    r.value.next_hop.as_str(),
                    r.span.line,
                    r.span.column,
                )
            })
            .collect();
        assert_eq!(
            routes,
            [
                ("corp.example.com", "hub.corp.example.com", 2, 51),
                ("*.corp.example.com", "hub.corp.example.com", 2, 51),
                ("lab.example", "MX delivery (connector Lab)", 3, 38),
            ]
        );
    }

    #[test]
    fn problems() {
        // (name, text, line, column, message fragment)
        let rows = [
            (
                "port in smart hosts",
                "New-SendConnector G -AddressSpaces * -SmartHosts smtp-relay.gmail.com:587",
                1,
                50,
                "write -SmartHosts smtp-relay.gmail.com -Port 587",
            ),
            (
                "bare true",
                "New-SendConnector G -RequireTLS true",
                1,
                33,
                "only $true, $false, 1 or 0",
            ),
            (
                "missing bool",
                "New-SendConnector G -RequireTLS -Port 25",
                1,
                21,
                "missing an argument",
            ),
            (
                "bad port",
                "Set-SendConnector G -Port 99999",
                1,
                27,
                "not a port number",
            ),
            (
                "bad mechanism",
                "Set-SendConnector G -SmartHostAuthMechanism Kerberos",
                1,
                45,
                "expected None",
            ),
            (
                "no name",
                "New-SendConnector -Port 25",
                1,
                1,
                "no connector named (-Name)",
            ),
            (
                "twice",
                "New-SendConnector G\nNew-SendConnector g\n",
                2,
                1,
                "already exists",
            ),
            (
                "unterminated",
                "New-SendConnector 'G\n",
                1,
                19,
                "unterminated string",
            ),
            (
                "unclosed",
                "New-SendConnector G -AuthenticationCredential (Get-Credential\n",
                1,
                47,
                "unclosed bracket",
            ),
            (
                "space after backtick",
                "New-SendConnector G ` \n -Port 25\n",
                1,
                21,
                "spaces after the line-ending backtick",
            ),
            ("splat", "New-SendConnector @params", 1, 19, "splatting"),
            (
                "no connector lines",
                "Get-Mailbox | Format-List\n",
                1,
                1,
                "no New-SendConnector or Set-SendConnector line",
            ),
            ("binary", "New-Send\u{0}Connector", 1, 9, "U+0000"),
            (
                "dns routing on",
                "New-SendConnector G -AddressSpaces * -SmartHosts h -DNSRoutingEnabled $true",
                1,
                71,
                "ignores -SmartHosts",
            ),
        ];
        for (name, text, line, col, want) in rows {
            let p = parse(text);
            assert!(
                p.syntax
                    .iter()
                    .any(|s| s.span == at(line, col) && s.message.contains(want)),
                "{name}: {:?}",
                p.syntax
            );
        }
        // With a port in -SmartHosts the host is still read (so the other rules run).
        let p = parse("New-SendConnector G -AddressSpaces * -SmartHosts smtp-relay.gmail.com:587");
        assert_eq!(p.relay.unwrap().value.host, "smtp-relay.gmail.com");
    }

    #[test]
    fn suppressions_are_read() {
        let p = parse(&format!("# relayctl: allow tls-opportunistic\n{NEW}"));
        assert_eq!(p.suppressions[0].covers_line, 2);
    }

    /// What `relayctl gen exchange --as commands` writes reads back as the plan it spelled.
    #[test]
    fn reads_back_generated_commands() {
        use crate::gen::testing::plan_for;
        use crate::relay::console::Authentication;
        use crate::relay::plan::{InternalRoute, TlsPreference};
        use crate::relay::Port;
        type Tweak = fn(&mut crate::relay::console::ConsoleSetting, &mut crate::relay::plan::Site);
        let cases: [(&str, Tweak, u16, TlsMode, bool); 3] = [
            ("default", |_, _| {}, 587, TlsMode::StartTls, false),
            (
                "auth",
                |c, s| {
                    c.authentication = Authentication::SmtpAuth;
                    s.auth_user = Some("relay@example.com".into());
                },
                587,
                TlsMode::StartTls,
                true,
            ),
            (
                "opportunistic 25 with an internal route",
                |c, s| {
                    c.require_tls = false;
                    s.port = Some(Port::Smtp);
                    s.tls = Some(TlsPreference::Opportunistic);
                    s.internal = vec![InternalRoute {
                        domain: "corp.example.com".parse().unwrap(),
                        host: Some("hub.corp.example.com".parse().unwrap()),
                    }];
                },
                25,
                TlsMode::Opportunistic,
                false,
            ),
        ];
        for (name, tweak, port, tls, sasl) in cases {
            let plan = plan_for(Target::Exchange, false, tweak).unwrap();
            for (edition, edge) in [
                (Edition::E2007, false),
                (Edition::E2010, false),
                (Edition::E2019, false),
                (Edition::E2016, true),
            ] {
                let opts = Options {
                    edition: Some(edition),
                    edge,
                    form: if edge { Form::Steps } else { Form::Commands },
                };
                let a = render(Target::Exchange, &plan, &opts).unwrap();
                let text: Vec<&str> = a.commands.iter().map(|c| c.line.as_str()).collect();
                let text = text.join("\n");
                let p = parse(&text);
                let ctx = format!("{name} {edition:?} edge={edge}");
                assert!(p.syntax.is_empty(), "{ctx}: {:?}", p.syntax);
                let relay = p.relay.unwrap().value;
                assert_eq!(relay.host, plan.relay_host.to_string(), "{ctx}");
                assert_eq!(relay.port, Some(port), "{ctx}");
                assert_eq!(p.tls.unwrap().value, tls, "{ctx}");
                assert_eq!(p.sasl.unwrap().value, sasl, "{ctx}");
                assert_eq!(
                    p.helo.unwrap().value,
                    plan.helo.as_ref().unwrap().to_string(),
                    "{ctx}"
                );
                if sasl {
                    assert_eq!(p.credentials[0].value.user, "relay@example.com", "{ctx}");
                }
                let routes: Vec<_> = p.routes.iter().map(|r| r.value.domain.clone()).collect();
                let want: Vec<String> = plan
                    .internal
                    .iter()
                    .flat_map(|r| [r.domain.to_string(), format!("*.{}", r.domain)])
                    .collect();
                assert_eq!(routes, want, "{ctx}");
            }
        }
    }

    #[test]
    fn hostile_input_is_bounded() {
        let mut seed = 0x1234_5678_9abc_def1_u64;
        let bytes: Vec<u8> = (0..1 << 20)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 40) as u8
            })
            .collect();
        let start = Instant::now();
        let p = parse(&String::from_utf8_lossy(&bytes));
        assert!(p.syntax.len() <= MAX_PROBLEMS + 1);
        // Endless continuation lines, a huge string, endless brackets.
        let _ = parse(&"Set-SendConnector G -Port 25 `\n".repeat(300_000));
        let q = parse(&format!("Set-SendConnector '{}", "x".repeat(4 << 20)));
        assert!(q.syntax[0].message.contains("longer than"));
        let _ = parse(&"(".repeat(1 << 20));
        for text in [
            "\"".repeat(1 << 20),
            "a".repeat(1 << 20),
            "((".repeat(1 << 10) + "Get-Credential",
        ] {
            assert!(!parse(&text).syntax.is_empty());
        }
        let _ = parse(&"a,\n".repeat(500_000));
        assert!(start.elapsed() < Duration::from_secs(30));
    }
}
