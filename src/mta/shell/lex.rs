//! A bounded lexer for the part of POSIX sh (and bash) that configuration scripts use:
//! words with their quotes, `$` expansions kept as parts to expand later, command
//! separators, redirections and here-documents. It never runs anything and never fails:
//! text it cannot follow becomes literal words.

use super::super::toolkit::{floor_boundary, Cursor, Pos};

/// Characters kept per word; the rest of a longer word is read, not stored.
pub(super) const MAX_WORD: usize = 64 * 1024;
/// Words kept per command.
const MAX_WORDS: usize = 4096;
/// Here-document lines kept per document.
const MAX_BODY_LINES: usize = 100_000;
/// Nesting followed inside `${...}` and `$(...)`.
const MAX_NEST: usize = 64;

/// One part of a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Part {
    /// Literal text (quotes removed) and where its first character is.
    Lit(String, Pos),
    /// `$NAME`, `${NAME}`, `${NAME<op><word>}`: the name, the operator (`:-`, `-`, `:=`,
    /// `=`, `:?`, `?`, `:+`, `+`, or another text for forms not followed) and its word.
    Param {
        name: String,
        op: Option<(String, Vec<Part>)>,
        raw: String,
        at: Pos,
    },
    /// A command substitution or another form whose value is only known at run time.
    Opaque(String, Pos),
}

/// A word: its parts, and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Word {
    pub parts: Vec<Part>,
    pub at: Pos,
    /// The word as written (at most [`MAX_WORD`] bytes).
    pub raw: String,
    /// Whether any part of it was quoted.
    pub quoted: bool,
}

impl Word {
    /// The text when the word has no expansions.
    pub(super) fn literal(&self) -> Option<String> {
        let mut s = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(t, _) => s.push_str(t),
                _ => return None,
            }
        }
        Some(s)
    }
}

/// A redirection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Redir {
    /// `>` (and `>|`, `&>`).
    Write,
    /// `>>`.
    Append,
    /// `<` and the rest.
    Other,
}

/// A here-document line: its parts (expanded later unless the delimiter was quoted) and
/// its line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct BodyLine {
    pub parts: Vec<Part>,
    pub line: u32,
}

/// One simple command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Command {
    pub words: Vec<Word>,
    pub redirs: Vec<(Redir, Word)>,
    /// The here-document of its `<<` redirection.
    pub heredoc: Option<Vec<BodyLine>>,
    /// The line it starts on.
    pub line: u32,
}

/// A here-document waiting for its body: the command's index, the delimiter, whether tabs
/// are stripped (`<<-`), whether the body is expanded (the delimiter was not quoted).
struct Pending {
    command: usize,
    delimiter: String,
    strip_tabs: bool,
    expand: bool,
}

/// Splits `text` into commands, calling `each` with every line's commands once the line
/// (and the here-documents it opened) has been read.
pub(super) fn commands(text: &str, mut each: impl FnMut(Vec<Command>)) {
    let mut c = Cursor::new(text);
    let mut line_cmds: Vec<Command> = Vec::new();
    let mut cur = Command::default();
    let mut pending: Vec<Pending> = Vec::new();
    let mut next_redir: Option<Redir> = None;
    let mut next_heredoc: Option<bool> = None;
    let finish = |cur: &mut Command, line_cmds: &mut Vec<Command>| {
        if !cur.words.is_empty() || !cur.redirs.is_empty() || cur.heredoc.is_some() {
            line_cmds.push(std::mem::take(cur));
        } else {
            *cur = Command::default();
        }
    };
    while let Some(ch) = c.peek() {
        match ch {
            ' ' | '\t' | '\r' => {
                c.bump();
            }
            '\\' if c.rest().starts_with("\\\n") => {
                c.bump();
                c.bump();
            }
            '#' => c.skip_line(),
            '\n' => {
                c.bump();
                finish(&mut cur, &mut line_cmds);
                for p in pending.drain(..) {
                    let body = read_body(&mut c, &p);
                    if let Some(cmd) = line_cmds.get_mut(p.command) {
                        cmd.heredoc = Some(body);
                    }
                }
                each(std::mem::take(&mut line_cmds));
            }
            ';' | '&' | '|' | '(' | ')' => {
                // `()` after a name is a function definition: kept as a word.
                if ch == '(' && c.rest().starts_with("()") {
                    let at = c.pos();
                    c.bump();
                    c.bump();
                    cur.words.push(Word {
                        parts: vec![Part::Lit("()".into(), at)],
                        at,
                        raw: "()".into(),
                        quoted: false,
                    });
                    continue;
                }
                if ch == '&' && c.rest().starts_with("&>") {
                    c.bump();
                    c.bump();
                    next_redir = Some(Redir::Write);
                    continue;
                }
                c.bump();
                finish(&mut cur, &mut line_cmds);
            }
            '<' | '>' => {
                c.bump();
                if ch == '>' {
                    if c.peek() == Some('>') {
                        c.bump();
                        next_redir = Some(Redir::Append);
                    } else {
                        if matches!(c.peek(), Some('|' | '&')) {
                            c.bump();
                        }
                        next_redir = Some(Redir::Write);
                    }
                } else if c.rest().starts_with("<<") {
                    // Here-string: its word is an ordinary argument.
                    c.bump();
                    c.bump();
                    next_redir = Some(Redir::Other);
                } else if c.peek() == Some('<') {
                    c.bump();
                    let strip = c.peek() == Some('-');
                    if strip {
                        c.bump();
                    }
                    next_heredoc = Some(strip);
                } else {
                    if matches!(c.peek(), Some('&' | '>')) {
                        c.bump();
                    }
                    next_redir = Some(Redir::Other);
                }
            }
            _ => {
                let w = word(&mut c);
                if let Some(strip) = next_heredoc.take() {
                    let delimiter: String = w
                        .parts
                        .iter()
                        .map(|p| match p {
                            Part::Lit(t, _) => t.clone(),
                            Part::Param { raw, .. } | Part::Opaque(raw, _) => raw.clone(),
                        })
                        .collect();
                    if cur.words.is_empty() && cur.redirs.is_empty() {
                        cur.line = w.at.line;
                    }
                    pending.push(Pending {
                        command: line_cmds.len(),
                        delimiter,
                        strip_tabs: strip,
                        expand: !w.quoted,
                    });
                    // The here-document belongs to this command even when it has no words yet.
                    if cur.heredoc.is_none() {
                        cur.heredoc = Some(Vec::new());
                    }
                } else if let Some(r) = next_redir.take() {
                    if cur.redirs.len() < MAX_WORDS {
                        cur.redirs.push((r, w));
                    }
                } else if cur.words.len() < MAX_WORDS {
                    if cur.words.is_empty() {
                        cur.line = w.at.line;
                    }
                    cur.words.push(w);
                }
            }
        }
    }
    finish(&mut cur, &mut line_cmds);
    for p in pending.drain(..) {
        if let Some(cmd) = line_cmds.get_mut(p.command) {
            cmd.heredoc = Some(Vec::new());
        }
    }
    if !line_cmds.is_empty() {
        each(line_cmds);
    }
}

/// Reads a here-document body after the line that opened it, up to its delimiter line.
fn read_body(c: &mut Cursor<'_>, p: &Pending) -> Vec<BodyLine> {
    let mut out = Vec::new();
    while c.peek().is_some() {
        let rest = c.rest();
        let len = rest.find('\n').unwrap_or(rest.len());
        let line = rest.get(..len).unwrap_or("");
        let line = line.strip_suffix('\r').unwrap_or(line);
        let shown = if p.strip_tabs {
            line.trim_start_matches('\t')
        } else {
            line
        };
        if shown == p.delimiter {
            c.skip(len);
            c.bump();
            break;
        }
        let stripped = line.len() - shown.len();
        c.skip(stripped);
        let start = c.pos();
        let end = start.at + (len - stripped);
        let parts = if p.expand {
            let mut inner = Cursor::part(c.text(), start, end);
            body_parts(&mut inner)
        } else {
            vec![Part::Lit(shown.to_owned(), start)]
        };
        if out.len() < MAX_BODY_LINES {
            out.push(BodyLine {
                parts,
                line: start.line,
            });
        }
        c.skip(len - stripped);
        c.bump();
    }
    out
}

/// The parts of an expanded here-document line: `$` expansions, and `\` escaping `$`,
/// `` ` `` and `\`.
fn body_parts(c: &mut Cursor<'_>) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut lit_at = c.pos();
    while let Some(ch) = c.peek() {
        let escapable = ['$', '`', '\\'];
        expanding(c, ch, &escapable, false, &mut parts, &mut lit, &mut lit_at);
    }
    flush(&mut parts, &mut lit, lit_at);
    parts
}

/// One step of expanding text (a here-document line, a double-quoted string) at `ch`:
/// `\` escapes the characters of `escapable` (and with `continuation` joins two lines),
/// `$` and `` ` `` expand, anything else is literal.
fn expanding(
    c: &mut Cursor<'_>,
    ch: char,
    escapable: &[char],
    continuation: bool,
    parts: &mut Vec<Part>,
    lit: &mut String,
    lit_at: &mut Pos,
) {
    match ch {
        '\\' => {
            let at = c.pos();
            c.bump();
            match c.peek() {
                Some('\n') if continuation => {
                    c.bump();
                }
                Some(e) if escapable.contains(&e) => {
                    c.bump();
                    push_lit(lit, lit_at, at, e);
                }
                _ => push_lit(lit, lit_at, at, '\\'),
            }
        }
        '$' | '`' => {
            flush(parts, lit, *lit_at);
            match dollar(c, 0) {
                Some(p) => parts.push(p),
                None => {
                    let at = c.pos();
                    c.bump();
                    push_lit(lit, lit_at, at, ch);
                }
            }
            *lit_at = c.pos();
        }
        _ => {
            let at = c.pos();
            c.bump();
            push_lit(lit, lit_at, at, ch);
        }
    }
}

fn push_lit(lit: &mut String, lit_at: &mut Pos, at: Pos, ch: char) {
    if lit.is_empty() {
        *lit_at = at;
    }
    if lit.len() < MAX_WORD {
        lit.push(ch);
    }
}

fn flush(parts: &mut Vec<Part>, lit: &mut String, at: Pos) {
    if !lit.is_empty() {
        parts.push(Part::Lit(std::mem::take(lit), at));
    }
}

/// Reads one word at the cursor (which is on a character that starts one).
fn word(c: &mut Cursor<'_>) -> Word {
    let start = c.pos();
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut lit_at = start;
    let mut quoted = false;
    while let Some(ch) = c.peek() {
        match ch {
            ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '<' | '>' => break,
            '(' | ')' => {
                // A parenthesis inside a word (`a(b)`) is kept; one alone ends it.
                if lit.is_empty() && parts.is_empty() {
                    break;
                }
                let at = c.pos();
                c.bump();
                push_lit(&mut lit, &mut lit_at, at, ch);
            }
            '\\' => {
                let at = c.pos();
                c.bump();
                match c.peek() {
                    Some('\n') => {
                        c.bump();
                    }
                    Some(e) => {
                        c.bump();
                        quoted = true;
                        push_lit(&mut lit, &mut lit_at, at, e);
                    }
                    None => {}
                }
            }
            '\'' => {
                quoted = true;
                c.bump();
                let at = c.pos();
                let rest = c.rest();
                let len = rest.find('\'').unwrap_or(rest.len());
                let text = rest.get(..len).unwrap_or("");
                if lit.is_empty() {
                    lit_at = at;
                }
                let room = MAX_WORD.saturating_sub(lit.len());
                lit.push_str(text.get(..floor_boundary(text, room)).unwrap_or(""));
                c.skip(len);
                c.bump();
            }
            '"' => {
                quoted = true;
                c.bump();
                while let Some(q) = c.peek() {
                    match q {
                        '"' => {
                            c.bump();
                            break;
                        }
                        _ => {
                            let escapable = ['$', '`', '"', '\\'];
                            expanding(c, q, &escapable, true, &mut parts, &mut lit, &mut lit_at);
                        }
                    }
                }
            }
            '$' | '`' => {
                flush(&mut parts, &mut lit, lit_at);
                if c.rest().starts_with("$'") {
                    // $'...': ANSI-C quoting, read as a single-quoted string.
                    c.bump();
                    continue;
                }
                match dollar(c, 0) {
                    Some(p) => parts.push(p),
                    None => {
                        let at = c.pos();
                        c.bump();
                        push_lit(&mut lit, &mut lit_at, at, ch);
                    }
                }
                lit_at = c.pos();
            }
            _ => {
                let at = c.pos();
                c.bump();
                push_lit(&mut lit, &mut lit_at, at, ch);
            }
        }
        if parts.len() > MAX_WORDS {
            break;
        }
    }
    flush(&mut parts, &mut lit, lit_at);
    let raw = c.since(start.at);
    let raw = raw
        .get(..floor_boundary(raw, MAX_WORD))
        .unwrap_or("")
        .to_owned();
    Word {
        parts,
        at: start,
        raw,
        quoted,
    }
}

/// Whether `c` starts a parameter name.
fn name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

/// Reads a `$...` or `` `...` `` expansion at the cursor; `None` when the `$` is literal
/// (followed by nothing a shell expands).
fn dollar(c: &mut Cursor<'_>, depth: usize) -> Option<Part> {
    let at = c.pos();
    let start = at.at;
    let first = c.peek()?;
    if first == '`' {
        c.bump();
        let rest = c.rest();
        let len = rest.find('`').unwrap_or(rest.len());
        c.skip(len);
        c.bump();
        return Some(Part::Opaque(bounded(c.since(start)), at));
    }
    let next = c.rest().chars().nth(1)?;
    match next {
        '(' => {
            c.bump();
            skip_balanced(c, '(', ')');
            Some(Part::Opaque(bounded(c.since(start)), at))
        }
        '{' => {
            c.bump();
            c.bump();
            let name_start_at = c.pos().at;
            if c.peek() == Some('#') {
                // ${#NAME}: a length.
                skip_to_brace(c);
                return Some(Part::Opaque(bounded(c.since(start)), at));
            }
            while c
                .peek()
                .is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            {
                c.bump();
            }
            if c.pos().at == name_start_at {
                // ${@}, ${1x}...: special or positional forms.
                while c
                    .peek()
                    .is_some_and(|ch| ch != '}' && !matches!(ch, ':' | '-' | '=' | '?' | '+'))
                {
                    if c.bump() == Some('\n') {
                        break;
                    }
                }
            }
            let name = c.since(name_start_at).to_owned();
            match c.peek() {
                Some('}') => {
                    c.bump();
                    Some(Part::Param {
                        name,
                        op: None,
                        raw: bounded(c.since(start)),
                        at,
                    })
                }
                Some(':' | '-' | '=' | '?' | '+') => {
                    let op_start = c.pos().at;
                    if c.peek() == Some(':') {
                        c.bump();
                    }
                    if matches!(c.peek(), Some('-' | '=' | '?' | '+')) {
                        c.bump();
                    }
                    let op = c.since(op_start).to_owned();
                    let word = if depth < MAX_NEST {
                        brace_word(c, depth + 1)
                    } else {
                        skip_to_brace(c);
                        Vec::new()
                    };
                    Some(Part::Param {
                        name,
                        op: Some((op, word)),
                        raw: bounded(c.since(start)),
                        at,
                    })
                }
                _ => {
                    // ${NAME%pattern}, ${NAME/a/b}...: not followed.
                    skip_to_brace(c);
                    Some(Part::Opaque(bounded(c.since(start)), at))
                }
            }
        }
        ch if name_start(ch) => {
            c.bump();
            let s = c.pos().at;
            while c
                .peek()
                .is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            {
                c.bump();
            }
            let name = c.since(s).to_owned();
            Some(Part::Param {
                name,
                op: None,
                raw: bounded(c.since(start)),
                at,
            })
        }
        ch if ch.is_ascii_digit() || matches!(ch, '@' | '*' | '#' | '?' | '$' | '!' | '-') => {
            c.bump();
            c.bump();
            Some(Part::Param {
                name: ch.to_string(),
                op: None,
                raw: bounded(c.since(start)),
                at,
            })
        }
        _ => None,
    }
}

/// The word of `${NAME<op>word}` up to its closing brace (quotes and nested expansions
/// followed), the cursor left after the brace.
fn brace_word(c: &mut Cursor<'_>, depth: usize) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut lit_at = c.pos();
    while let Some(ch) = c.peek() {
        match ch {
            '}' => {
                c.bump();
                break;
            }
            '$' | '`' => {
                flush(&mut parts, &mut lit, lit_at);
                match dollar(c, depth) {
                    Some(p) => parts.push(p),
                    None => {
                        let at = c.pos();
                        c.bump();
                        push_lit(&mut lit, &mut lit_at, at, ch);
                    }
                }
                lit_at = c.pos();
            }
            '\'' => {
                c.bump();
                let at = c.pos();
                let rest = c.rest();
                let len = rest.find('\'').unwrap_or(rest.len());
                if lit.is_empty() {
                    lit_at = at;
                }
                let text = rest.get(..len).unwrap_or("");
                let room = MAX_WORD.saturating_sub(lit.len());
                lit.push_str(text.get(..floor_boundary(text, room)).unwrap_or(""));
                c.skip(len);
                c.bump();
            }
            '"' => {
                c.bump();
            }
            '\\' => {
                let at = c.pos();
                c.bump();
                if let Some(e) = c.bump() {
                    push_lit(&mut lit, &mut lit_at, at, e);
                }
            }
            _ => {
                let at = c.pos();
                c.bump();
                push_lit(&mut lit, &mut lit_at, at, ch);
            }
        }
    }
    flush(&mut parts, &mut lit, lit_at);
    parts
}

/// Skips to just past the `}` that closes the current `${`.
fn skip_to_brace(c: &mut Cursor<'_>) {
    let mut depth = 1usize;
    while let Some(ch) = c.bump() {
        match ch {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return;
                }
            }
            _ => {}
        }
    }
}

/// Skips a balanced `open`...`close` group starting at the cursor (on `open`), quotes
/// followed; stops at the end of the text.
fn skip_balanced(c: &mut Cursor<'_>, open: char, close: char) {
    let mut depth = 0usize;
    while let Some(ch) = c.bump() {
        match ch {
            '\'' => {
                let rest = c.rest();
                let len = rest.find('\'').unwrap_or(rest.len());
                c.skip(len);
                c.bump();
            }
            '\\' => {
                c.bump();
            }
            _ if ch == open => depth += 1,
            _ if ch == close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return;
                }
            }
            _ => {}
        }
    }
}

/// `s`, cut to [`MAX_WORD`] bytes.
fn bounded(s: &str) -> String {
    s.get(..floor_boundary(s, MAX_WORD))
        .unwrap_or("")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<Command> {
        let mut out = Vec::new();
        commands(text, |cmds| out.extend(cmds));
        out
    }

    fn lits(cmd: &Command) -> Vec<String> {
        cmd.words
            .iter()
            .map(|w| w.literal().unwrap_or_else(|| format!("<{}>", w.raw)))
            .collect()
    }

    #[test]
    fn words_quotes_and_separators() {
        let cmds = all("postconf -e 'a = b' \"c=d\" e=f; echo x && y || z | w\n# c\nlast\\\n arg");
        assert_eq!(
            lits(&cmds[0]),
            vec!["postconf", "-e", "a = b", "c=d", "e=f"]
        );
        assert_eq!(lits(&cmds[1]), vec!["echo", "x"]);
        assert_eq!(lits(&cmds[2]), vec!["y"]);
        assert_eq!(lits(&cmds[5]), vec!["last", "arg"]);
        assert_eq!(cmds[0].words[2].at.line_column(), (1, 13));
        assert_eq!(cmds[5].line, 3);
    }

    #[test]
    fn expansions_are_parts() {
        let cmds = all("x \"[$H]:${P:-587}\" $(date) `id` ${#A} ${A%.*} $1 '$lit'\n");
        let w = &cmds[0].words;
        match &w[1].parts[..] {
            [Part::Lit(a, _), Part::Param { name, op: None, .. }, Part::Lit(b, _), Part::Param {
                name: p,
                op: Some((op, word)),
                ..
            }] => {
                assert_eq!(
                    (
                        a.as_str(),
                        name.as_str(),
                        b.as_str(),
                        p.as_str(),
                        op.as_str()
                    ),
                    ("[", "H", "]:", "P", ":-")
                );
                assert_eq!(word, &vec![Part::Lit("587".into(), word_pos(word))]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&w[2].parts[..], [Part::Opaque(r, _)] if r == "$(date)"));
        assert!(matches!(&w[3].parts[..], [Part::Opaque(r, _)] if r == "`id`"));
        assert!(matches!(&w[4].parts[..], [Part::Opaque(_, _)]));
        assert!(matches!(&w[5].parts[..], [Part::Opaque(_, _)]));
        assert!(matches!(&w[6].parts[..], [Part::Param { name, .. }] if name == "1"));
        assert_eq!(w[7].literal().as_deref(), Some("$lit"));
    }

    fn word_pos(word: &[Part]) -> Pos {
        match word.first() {
            Some(Part::Lit(_, p)) => *p,
            _ => panic!(),
        }
    }

    #[test]
    fn heredocs_and_redirections() {
        let text = "cat > /etc/postfix/main.cf <<EOF\nrelayhost = [$H]:587\n\\$x = y\nEOF\ncat <<-'E' >>f\n\t$raw\n\tE\nnext\n";
        let cmds = all(text);
        assert_eq!(cmds.len(), 3);
        assert_eq!(cmds[0].redirs[0].0, Redir::Write);
        assert_eq!(
            cmds[0].redirs[0].1.literal().as_deref(),
            Some("/etc/postfix/main.cf")
        );
        let body = cmds[0].heredoc.as_ref().unwrap();
        assert_eq!(body.len(), 2);
        assert_eq!(body[0].line, 2);
        assert!(matches!(&body[0].parts[1], Part::Param { name, .. } if name == "H"));
        assert!(matches!(&body[1].parts[..], [Part::Lit(t, _)] if t == "$x = y"));
        assert_eq!(cmds[1].redirs[0].0, Redir::Append);
        let body = cmds[1].heredoc.as_ref().unwrap();
        assert!(
            matches!(&body[..], [BodyLine { parts, line: 6 }] if matches!(&parts[..], [Part::Lit(t, p)] if t == "$raw" && p.column == 2))
        );
        assert_eq!(lits(&cmds[2]), vec!["next"]);
        // An unterminated here-document takes the rest of the file.
        let cmds = all("cat <<EOF > main.cf\na = b\n");
        assert_eq!(cmds[0].heredoc.as_ref().map(Vec::len), Some(1));
    }

    #[test]
    fn hostile_text_never_panics() {
        for text in [
            "\"",
            "'",
            "$",
            "${",
            "${a",
            "${a:-",
            "$(",
            "`",
            "<<",
            "<<EOF",
            "\\",
            "${a:-${b:-${c",
            "$'x",
            "a\\",
            "é\"é$é'é`é",
            "${}",
            "${:-x}",
            "$((1+2))",
            "() {",
            ">>",
            "<<<x",
            "&>f",
            "2>&1",
        ] {
            let _ = all(text);
        }
        let deep = "${a:-".repeat(10_000);
        let _ = all(&deep);
        let long = "x".repeat(1 << 20);
        let cmds = all(&long);
        assert!(cmds[0].words[0].raw.len() <= MAX_WORD);
    }
}
