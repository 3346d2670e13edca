//! Exim reader for Debian's packaging: update-exim4.conf.conf (shell assignments, read as
//! sh would), exim4.conf.localmacros (Exim macro and option lines), passwd.client and
//! hubbed_hosts (lsearch files). It reads back what gen/exim.rs writes and the forms people
//! write by hand. Pure: linear work, no panic on any text; other files come via `Beside`.

use std::collections::{HashMap, HashSet};

use super::toolkit::{lines, logical_lines, unquote, Continuation, Cursor, Limits, Problems};
use super::{
    Beside, CredentialEntry, Located, ObservedPlan, RelayTarget, Route, SourceFile, Span,
    SyntaxProblem, TlsMode,
};
use crate::relay::Family;

/// Characters kept per value or logical line (the rest is scanned, not stored).
const MAX_VALUE_CHARS: usize = 64 * 1024;

const UPDATE_CONF: &str = "update-exim4.conf.conf";
const LOCALMACROS: &str = "exim4.conf.localmacros";
const PASSWD_CLIENT: &str = "passwd.client";
const HUBBED_HOSTS: &str = "hubbed_hosts";

/// What Exim says HELO with when nothing sets helo_data.
const HELO_DEFAULT: &str = "Exim's primary_hostname, by default this host's name (uname)";

/// Reads Debian's Exim files. `primary` is update-exim4.conf.conf, or one of
/// exim4.conf.localmacros, passwd.client, hubbed_hosts (then update-exim4.conf.conf is
/// read from beside it); the others come from `beside` by those names.
pub fn read(primary: &SourceFile, beside: Beside<'_>) -> ObservedPlan {
    let base = primary.name.rsplit(['/', '\\']).next().unwrap_or("");
    let file = |name: &str| -> Option<SourceFile> {
        if base == name {
            Some(primary.clone())
        } else {
            beside(name)
        }
    };
    let conf = if [LOCALMACROS, PASSWD_CLIENT, HUBBED_HOSTS].contains(&base) {
        beside(UPDATE_CONF)
    } else {
        Some(primary.clone())
    };
    let macros_file = file(LOCALMACROS);
    let passwd = file(PASSWD_CLIENT);
    let hubbed = file(HUBBED_HOSTS);

    let mut plan = ObservedPlan::default();
    let mut problems = Vec::new();
    for f in [&conf, &macros_file, &passwd, &hubbed]
        .into_iter()
        .flatten()
    {
        plan.suppressions
            .extend(super::suppressions(&f.name, &f.text));
    }

    if let Some(f) = &conf {
        let mut conf_problems = Problems::new(&f.name);
        let (dc, complete) = shell_assignments(f, &mut conf_problems);
        // After an unterminated quote sh fails and update-exim4.conf writes nothing.
        if complete {
            plan.relay = relay(&dc, &mut conf_problems);
        }
        conf_problems.finish_into(&mut problems);
    }
    let macros = macros_file
        .as_ref()
        .map(|f| exim_settings(f, &mut problems))
        .unwrap_or_default();
    let passwd = passwd.as_ref().map(|f| lsearch(f, &mut problems));
    let hubbed = hubbed.as_ref().map(|f| lsearch(f, &mut problems));
    judge(&mut plan, &macros, passwd, hubbed, &mut problems);
    plan.syntax = problems;
    plan
}

/// What Debian's Exim does with the relay already in `plan`, the macros of
/// exim4.conf.localmacros, and the passwd.client and hubbed_hosts entries.
fn judge(
    plan: &mut ObservedPlan,
    macros: &HashMap<String, Setting>,
    passwd: Option<Vec<Entry>>,
    hubbed: Option<Vec<Entry>>,
    problems: &mut Vec<SyntaxProblem>,
) {
    // TLS on Debian's remote_smtp_smarthost transport (exim4-config 4.96,
    // transport/30_exim4-config_remote_smtp_smarthost): STARTTLS whenever offered unless a
    // macro says otherwise; gen/exim.rs writes exactly these three.
    if let Some(r) = &plan.relay {
        let host = r.value.host.as_str();
        let get = |name: &str| macros.get(name).filter(|s| !s.value.trim().is_empty());
        let mut tls = Located::new(TlsMode::Opportunistic, r.span.clone());
        if let Some(s) = get("REMOTE_SMTP_SMARTHOST_HOSTS_AVOID_TLS") {
            if host_list_matches(&s.value, host) {
                tls = Located::new(TlsMode::Off, s.span.clone());
            }
        }
        if let Some(s) = get("REMOTE_SMTP_SMARTHOST_HOSTS_REQUIRE_TLS") {
            if host_list_matches(&s.value, host) {
                tls = Located::new(TlsMode::StartTls, s.span.clone());
            }
        }
        if let Some(s) = get("REMOTE_SMTP_SMARTHOST_PROTOCOL") {
            if s.value.trim().eq_ignore_ascii_case("smtps") {
                tls = Located::new(TlsMode::Implicit, s.span.clone());
            }
        }
        plan.tls = Some(tls);
    }

    // helo_data defaults to $primary_hostname (Exim spec, the smtp transport).
    let helo = macros
        .get("REMOTE_SMTP_HELO_DATA")
        .or_else(|| macros.get("primary_hostname"))
        .filter(|s| !s.value.trim().is_empty());
    match helo {
        Some(s) => plan.helo = Some(Located::new(s.value.trim().to_owned(), s.span.clone())),
        None => plan.helo_default = Some(HELO_DEFAULT.to_owned()),
    }
    if let Some(s) = macros.get("disable_ipv6") {
        match s.value.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" => {
                plan.families = Some(Located::new(Family::V4, s.span.clone()));
            }
            "false" | "no" => {}
            other => problems.push(SyntaxProblem {
                message: format!(
                    "disable_ipv6 = {other}: not true or false, Exim refuses the configuration"
                ),
                span: s.span.clone(),
            }),
        }
    }

    // Debian's client authenticators look $host up with nwildlsearch in passwd.client:
    // the first line whose key matches (exact, `*suffix` or `*`) gives login:password.
    if let Some(entries) = passwd {
        if let Some(r) = &plan.relay {
            let hit = entries
                .iter()
                .find(|e| wild_key_matches(&e.key, &r.value.host));
            plan.sasl = hit.map(|e| Located::new(true, e.span.clone()));
        }
        plan.credentials = entries
            .into_iter()
            .map(|e| {
                let user = e.data.split(':').next().unwrap_or("").to_owned();
                Located::new(CredentialEntry { key: e.key, user }, e.span)
            })
            .collect();
    }
    // Debian's hubbed_hosts router (router/150_exim4-config_hubbed_hosts) runs before the
    // smarthost router: `domain: hosts` lines, partial-lsearch.
    if let Some(entries) = hubbed {
        plan.routes = entries
            .into_iter()
            .map(|e| {
                let via_google = list_items(&e.data).iter().any(|h| is_google(h));
                Located::new(
                    Route {
                        domain: e.key,
                        next_hop: e.data,
                        via_google,
                    },
                    e.span,
                )
            })
            .collect();
    }
}

/// Debian's Exim configured by values from elsewhere than its files (a container image's
/// entrypoint): `dc` the update-exim4.conf.conf keys (`dc_eximconfig_configtype`,
/// `dc_smarthost`), `macros` exim4.conf.localmacros settings (`primary_hostname`,
/// `disable_ipv6`), `passwd` the passwd.client lines as (key, login, where). Read as
/// [`read`] reads the files.
pub(crate) fn read_settings(
    file: &str,
    dc: &[(&'static str, String, Span)],
    macros: &[(&str, String, Span)],
    passwd: Option<Vec<(String, String, Span)>>,
) -> ObservedPlan {
    let mut plan = ObservedPlan::default();
    let mut conf_problems = Problems::new(file);
    let dc: HashMap<&'static str, Setting> = dc
        .iter()
        .map(|(k, v, span)| {
            (
                *k,
                Setting {
                    value: v.clone(),
                    span: span.clone(),
                },
            )
        })
        .collect();
    plan.relay = relay(&dc, &mut conf_problems);
    let mut problems = conf_problems.finish();
    let macros: HashMap<String, Setting> = macros
        .iter()
        .map(|(k, v, span)| {
            (
                (*k).to_owned(),
                Setting {
                    value: v.clone(),
                    span: span.clone(),
                },
            )
        })
        .collect();
    let passwd = passwd.map(|lines| {
        lines
            .into_iter()
            .map(|(key, data, span)| Entry { key, data, span })
            .collect()
    });
    judge(&mut plan, &macros, passwd, None, &mut problems);
    plan.syntax = problems;
    plan
}

/// Appends `c` unless `out` is already at the size limit.
fn push(out: &mut String, c: char) {
    if out.len() < MAX_VALUE_CHARS {
        out.push(c);
    }
}

/// Whether `host` is Google's relay or another Google mail host.
fn is_google(host: &str) -> bool {
    let h = host.trim();
    super::in_google_domains(h.split(['/', ':']).next().unwrap_or(""))
}

/// A value and where it starts.
#[derive(Debug, Clone)]
struct Setting {
    value: String,
    span: Span,
}

/// The update-exim4.conf.conf keys the plan needs.
const WANTED: [&str; 2] = ["dc_eximconfig_configtype", "dc_smarthost"];

/// Reads update-exim4.conf.conf as `sh` would read its assignments (update-exim4.conf
/// sources it): `name=value` words with `'single'` quotes, `"double"` quotes with
/// backslash escapes, backslashes outside quotes, `#` comments, `;` separators; the last
/// assignment wins; `$` expansions are kept as written. An unterminated quote stops it
/// (then the second value is `false`).
fn shell_assignments(
    f: &SourceFile,
    problems: &mut Problems,
) -> (HashMap<&'static str, Setting>, bool) {
    let mut out = HashMap::new();
    let mut cur = Cursor::new(&f.text);
    let span = |(line, col): (u32, u32)| Span::new(&f.name, line, col);
    let mut warned_cr = false;
    loop {
        match cur.peek() {
            None => break,
            Some(' ' | '\t' | '\n' | ';') => {
                cur.bump();
                continue;
            }
            Some('\r') => {
                if !warned_cr {
                    warned_cr = true;
                    problems.at(
                        cur.pos().line_column(),
                        "carriage return (a CRLF file): sh keeps it in the value".to_owned(),
                    );
                }
                cur.bump();
                continue;
            }
            Some('#') => {
                while !matches!(cur.bump(), None | Some('\n')) {}
                continue;
            }
            Some(_) => {}
        }
        let start = cur.pos().line_column();
        let mut name = String::new();
        while let Some(c) = cur
            .peek()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        {
            push(&mut name, c);
            cur.bump();
        }
        let is_name = name.chars().next().is_some_and(|c| !c.is_ascii_digit());
        if !is_name || cur.peek() != Some('=') {
            problems.at_with(start, || {
                "not a name='value' assignment: update-exim4.conf runs this file with sh, which would run it as a command".to_owned()
            });
            while !matches!(cur.bump(), None | Some('\n')) {}
            continue;
        }
        cur.bump();
        // The value: one shell word.
        let mut value = String::new();
        let mut value_at: Option<(u32, u32)> = None;
        loop {
            match cur.peek() {
                None | Some(' ' | '\t' | '\n' | '\r' | ';') => break,
                Some(q @ ('\'' | '"')) => {
                    let open = cur.pos().line_column();
                    cur.bump();
                    value_at.get_or_insert(cur.pos().line_column());
                    loop {
                        match cur.bump() {
                            None => {
                                problems.at(
                                    open,
                                    format!("unterminated {q} quote: sh reads the rest of the file into {name}"),
                                );
                                return (out, false);
                            }
                            Some(c) if c == q => break,
                            Some('\\') if q == '"' => match cur.bump() {
                                Some('\n') => {}
                                Some(c @ ('$' | '`' | '"' | '\\')) => push(&mut value, c),
                                Some(c) => {
                                    push(&mut value, '\\');
                                    push(&mut value, c);
                                }
                                None => {}
                            },
                            Some(c) => push(&mut value, c),
                        }
                    }
                }
                Some('\\') => {
                    value_at.get_or_insert(cur.pos().line_column());
                    cur.bump();
                    match cur.bump() {
                        Some('\n') | None => {}
                        Some(c) => push(&mut value, c),
                    }
                }
                Some(c) => {
                    value_at.get_or_insert(cur.pos().line_column());
                    push(&mut value, c);
                    cur.bump();
                }
            }
        }
        let at = value_at.unwrap_or(cur.pos().line_column());
        if let Some(key) = WANTED.iter().find(|k| **k == name) {
            out.insert(
                *key,
                Setting {
                    value,
                    span: span(at),
                },
            );
        }
    }
    (out, true)
}

/// The smarthost from dc_eximconfig_configtype and dc_smarthost (update-exim4.conf.conf(5)):
/// only `smarthost` and `satellite` send everything to it; dc_smarthost is an Exim host
/// list (colon separated, `::` a literal colon, so `host::587` is host, port 587), and the
/// first host is the relay. The router looks hosts up `byname`: no MX.
fn relay(
    dc: &HashMap<&'static str, Setting>,
    problems: &mut Problems,
) -> Option<Located<RelayTarget>> {
    let configtype = dc.get("dc_eximconfig_configtype");
    let smarthost = dc
        .get("dc_smarthost")
        .filter(|s| !s.value.trim().is_empty());
    let kind = configtype.map(|c| c.value.trim()).unwrap_or("");
    let uses_smarthost = matches!(kind, "smarthost" | "satellite");
    if let Some(c) = configtype {
        if !matches!(
            kind,
            "internet" | "smarthost" | "satellite" | "local" | "none"
        ) {
            problems.push(
                c.span.clone(),
                format!("dc_eximconfig_configtype='{kind}' is not internet, smarthost, satellite, local or none"),
            );
        }
    }
    let Some(s) = smarthost else {
        if let (true, Some(c)) = (uses_smarthost, configtype) {
            problems.push(
                c.span.clone(),
                format!("dc_eximconfig_configtype='{kind}' but dc_smarthost is empty: there is no host to send to"),
            );
        }
        return None;
    };
    if !uses_smarthost {
        let shown = if kind.is_empty() {
            "dc_eximconfig_configtype is not set".to_owned()
        } else {
            format!("dc_eximconfig_configtype='{kind}'")
        };
        problems.push(
            s.span.clone(),
            format!(
                "dc_smarthost is set but {shown}: only smarthost and satellite send mail to it"
            ),
        );
        return None;
    }
    let items = list_items(&s.value);
    let first = items.first()?;
    let (item, no_mx) = match first.len().checked_sub(3) {
        Some(n)
            if first
                .get(n..)
                .is_some_and(|t| t.eq_ignore_ascii_case("/mx")) =>
        {
            (&first[..n], false)
        }
        _ => (first.as_str(), true),
    };
    let (host, port) = match item.strip_prefix('[') {
        Some(inner) => match inner.split_once(']') {
            Some((h, rest)) => (h, rest.strip_prefix(':')),
            None => (inner, None),
        },
        None => match item.split_once(':') {
            Some((h, p)) if !p.contains(':') => (h, Some(p)),
            _ => (item, None),
        },
    };
    let port = match port {
        None => None,
        Some(p) => match p.trim().parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                problems.push(
                    s.span.clone(),
                    format!("dc_smarthost: port `{p}' is not a number from 1 to 65535"),
                );
                None
            }
        },
    };
    Some(Located::new(
        RelayTarget {
            host: host.trim().to_owned(),
            port,
            no_mx,
            raw: s.value.clone(),
        },
        s.span.clone(),
    ))
}

/// The items of an Exim list: `:` separated (or the separator after a leading `<`), a
/// doubled separator standing for itself, items trimmed, empty ones dropped.
fn list_items(list: &str) -> Vec<String> {
    let mut s = list.trim_start();
    let mut sep = ':';
    if let Some(rest) = s.strip_prefix('<') {
        if let Some(c) = rest
            .chars()
            .next()
            .filter(|c| !c.is_alphanumeric() && !c.is_whitespace())
        {
            sep = c;
            s = &rest[c.len_utf8()..];
        }
    }
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == sep {
            if chars.peek() == Some(&sep) {
                chars.next();
                push(&mut cur, sep);
                continue;
            }
            items.push(std::mem::take(&mut cur));
        } else {
            push(&mut cur, c);
        }
    }
    items.push(cur);
    items
        .into_iter()
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty())
        .collect()
}

/// Whether an Exim host list (as in hosts_require_tls) matches `host` by name: `*`, the
/// name, or `*suffix`; the first matching item decides, `!` negating it. Address and
/// named-list items cannot be decided from the files and do not match.
fn host_list_matches(list: &str, host: &str) -> bool {
    for item in list_items(list) {
        let (negated, pattern) = match item.strip_prefix('!') {
            Some(p) => (true, p.trim()),
            None => (false, item.as_str()),
        };
        if wild_key_matches(pattern, host) {
            return !negated;
        }
    }
    false
}

/// nwildlsearch key matching: `*` alone, a `*suffix` pattern, or the name, caselessly.
fn wild_key_matches(key: &str, host: &str) -> bool {
    let (key, host) = (key.to_ascii_lowercase(), host.to_ascii_lowercase());
    match key.strip_prefix('*') {
        Some(suffix) => host.ends_with(suffix),
        None => key == host,
    }
}

/// The macros and main options the plan needs from exim4.conf.localmacros.
const SETTINGS: [&str; 6] = [
    "REMOTE_SMTP_SMARTHOST_HOSTS_AVOID_TLS",
    "REMOTE_SMTP_SMARTHOST_HOSTS_REQUIRE_TLS",
    "REMOTE_SMTP_SMARTHOST_PROTOCOL",
    "REMOTE_SMTP_HELO_DATA",
    "primary_hostname",
    "disable_ipv6",
];
/// Macro names remembered for the "defined again" check.
const MAX_NAMES: usize = 10_000;
/// Lines read from an lsearch file; real passwd.client and hubbed_hosts files have a few.
const MAX_ENTRIES: usize = 10_000;

/// Reads exim4.conf.localmacros: Exim's own line rules (leading blanks dropped, `#` lines
/// are comments, a trailing `\` joins the next line without its leading blanks), then
/// macro definitions `NAME = value` (`==` to redefine) and main options `name = value`
/// (`name` / `no_name` for booleans). Directives (`.include`, `.ifdef`) are skipped.
fn exim_settings(f: &SourceFile, problems: &mut Vec<SyntaxProblem>) -> HashMap<String, Setting> {
    let mut out: HashMap<String, Setting> = HashMap::new();
    // Macro names seen, for the "defined again" check (bounded: garbage has many).
    let mut macros: HashSet<String> = HashSet::new();
    let mut file_problems = Problems::new(&f.name);
    let limits = Limits {
        line: None,
        logical: MAX_VALUE_CHARS,
    };
    logical_lines(
        &f.text,
        Continuation::TrailingBackslash,
        limits,
        &mut file_problems,
        |l, problems| {
            let logical = l.text();
            if logical.starts_with('.') {
                return;
            }
            // Where byte `offset` of the logical line is; a value that starts on a
            // continuation line is shown where its logical line starts.
            let at = |offset: usize| {
                if offset < l.first_len() {
                    l.at(offset)
                } else {
                    l.start()
                }
            };
            let span = |offset: usize| {
                let (line, column) = at(offset);
                Span::new(&f.name, line, column)
            };
            let name_len = logical
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(logical.len());
            let name = &logical[..name_len];
            let rest = logical[name_len..].trim_start();
            if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
                problems.at_with(at(0), || {
                    "not a macro definition or option setting: Exim refuses the configuration"
                        .to_owned()
                });
                return;
            }
            let is_macro = name.starts_with(|c: char| c.is_ascii_uppercase());
            let (redefine, value) = if let Some(v) = rest.strip_prefix("==") {
                (true, v)
            } else if let Some(v) = rest.strip_prefix('=') {
                (false, v)
            } else if rest.is_empty() && !is_macro {
                // A boolean main option by name: `disable_ipv6`, `no_disable_ipv6`.
                let (name, value) = match name.strip_prefix("no_") {
                    Some(n) => (n, "false"),
                    None => (name, "true"),
                };
                if SETTINGS.contains(&name) {
                    out.insert(
                        name.to_owned(),
                        Setting {
                            value: value.to_owned(),
                            span: span(0),
                        },
                    );
                }
                return;
            } else {
                problems.at_with(at(0), || {
                    format!("`{name}' is not followed by `=': Exim refuses the configuration")
                });
                return;
            };
            let value_trimmed = value.trim_start();
            let offset = logical.len() - value_trimmed.len();
            let again = is_macro && !redefine && macros.contains(name);
            if is_macro && macros.len() < MAX_NAMES {
                macros.insert(name.to_owned());
            }
            if again {
                // Exim spec, "Macros in the configuration file": a second definition
                // needs ==.
                problems.at_with(at(0), || {
                    format!(
                        "macro {name} is defined again without ==: Exim refuses the configuration"
                    )
                });
            }
            if SETTINGS.contains(&name) {
                out.insert(
                    name.to_owned(),
                    Setting {
                        value: value_trimmed.trim_end().to_owned(),
                        span: span(offset),
                    },
                );
            }
        },
    );
    file_problems.finish_into(problems);
    out
}

/// One lsearch line: the key, the data, where the key is.
struct Entry {
    key: String,
    data: String,
    span: Span,
}

/// Reads an lsearch file (Exim spec, "lsearch"): `#` lines and blank lines skipped; the
/// key ends at a colon or blank (or is in double quotes), then blanks and one optional
/// colon; a line starting with a blank continues the previous entry's data.
fn lsearch(f: &SourceFile, problems: &mut Vec<SyntaxProblem>) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    let mut file_problems = Problems::new(&f.name);
    for l in lines(&f.text) {
        let line = l.text;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if out.len() >= MAX_ENTRIES && !line.starts_with([' ', '\t']) {
            file_problems.at(
                (l.no, 1),
                format!("more than {MAX_ENTRIES} entries: the rest of the file is not read"),
            );
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                if last.data.len() + line.len() < MAX_VALUE_CHARS {
                    last.data.push(' ');
                    last.data.push_str(line.trim());
                }
            }
            continue;
        }
        let (key, rest) = match line.strip_prefix('"') {
            Some(q) => {
                let (key, end) = unquote(q, '"', MAX_VALUE_CHARS);
                (key, q.get(end.unwrap_or(q.len())..).unwrap_or(""))
            }
            None => {
                let n = line.find([':', ' ', '\t']).unwrap_or(line.len());
                (line[..n].to_owned(), &line[n..])
            }
        };
        let rest = rest.trim_start();
        let data = rest.strip_prefix(':').unwrap_or(rest).trim();
        out.push(Entry {
            key,
            data: data.to_owned(),
            span: Span::new(&f.name, l.no, 1),
        });
    }
    file_problems.finish_into(problems);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::{self, testing, Options, Target};
    use crate::mta::MAX_PROBLEMS;
    use crate::relay::console::Authentication;
    use crate::relay::plan::{ClientPlan, TlsMode, TlsPreference};
    use crate::relay::Port;
    use std::time::{Duration, Instant};

    fn src(name: &str, text: &str) -> SourceFile {
        SourceFile {
            name: name.to_owned(),
            text: text.to_owned(),
        }
    }

    fn with(conf: &str, files: &[(&str, &str)]) -> ObservedPlan {
        let files: Vec<SourceFile> = files.iter().map(|(n, t)| src(n, t)).collect();
        read(&src(UPDATE_CONF, conf), &move |name: &str| {
            files.iter().find(|f| f.name == name).cloned()
        })
    }

    fn conf(text: &str) -> ObservedPlan {
        with(text, &[])
    }

    fn at(line: u32, column: u32) -> Span {
        Span::new(UPDATE_CONF, line, column)
    }

    const SMART: &str = "dc_eximconfig_configtype='smarthost'\n";

    #[test]
    fn smarthost_forms() {
        // (name, dc_smarthost line, host, port, no_mx, value column)
        let rows = [
            (
                "Debian's double colon",
                "dc_smarthost='smtp-relay.gmail.com::587'",
                "smtp-relay.gmail.com",
                Some(587),
                true,
                15,
            ),
            (
                "no port",
                "dc_smarthost='smtp-relay.gmail.com'",
                "smtp-relay.gmail.com",
                None,
                true,
                15,
            ),
            (
                "unquoted",
                "dc_smarthost=smtp-relay.gmail.com::25",
                "smtp-relay.gmail.com",
                Some(25),
                true,
                14,
            ),
            (
                "double quotes",
                "dc_smarthost=\"smtp-relay.gmail.com::465\"",
                "smtp-relay.gmail.com",
                Some(465),
                true,
                15,
            ),
            (
                "several hosts, first wins",
                "dc_smarthost='a.example::587:b.example'",
                "a.example",
                Some(587),
                true,
                15,
            ),
            (
                "MX lookup asked",
                "dc_smarthost='smtp-relay.gmail.com/MX'",
                "smtp-relay.gmail.com",
                None,
                false,
                15,
            ),
            (
                "IPv6 literal",
                "dc_smarthost='[2001::db8::::1]::587'",
                "2001:db8::1",
                Some(587),
                true,
                15,
            ),
            (
                "other separator",
                "dc_smarthost='<; a.example:587 ; b'",
                "a.example",
                Some(587),
                true,
                15,
            ),
            (
                "concatenated words",
                "dc_smarthost='smtp-relay'.gmail.com",
                "smtp-relay.gmail.com",
                None,
                true,
                15,
            ),
        ];
        for (name, line, host, port, no_mx, col) in rows {
            let p = conf(&format!("{SMART}{line}\n"));
            assert!(p.syntax.is_empty(), "{name}: {:?}", p.syntax);
            let r = p.relay.expect(name);
            assert_eq!(r.value.host, host, "{name}");
            assert_eq!(r.value.port, port, "{name}");
            assert_eq!(r.value.no_mx, no_mx, "{name}");
            assert_eq!(r.span, at(2, col), "{name}");
            let tls = p.tls.unwrap();
            assert_eq!((tls.value, tls.span), (TlsMode::Opportunistic, at(2, col)));
        }
    }

    #[test]
    fn configtype_decides_whether_the_smarthost_is_used() {
        let rows = [
            ("smarthost", "smarthost", true, 0),
            ("satellite", "satellite", true, 0),
            ("internet", "internet", false, 1),
            ("local", "local", false, 1),
            ("unknown", "bogus", false, 2),
        ];
        for (name, kind, used, problems) in rows {
            let p = conf(&format!(
                "dc_eximconfig_configtype='{kind}'\ndc_smarthost='h::587'\n"
            ));
            assert_eq!(p.relay.is_some(), used, "{name}");
            assert_eq!(p.syntax.len(), problems, "{name}: {:?}", p.syntax);
        }
        let p = conf("dc_smarthost='h'\n");
        assert!(p.relay.is_none());
        assert!(p.syntax[0].message.contains("not set"));
        let p = conf("dc_eximconfig_configtype='smarthost'\ndc_smarthost=''\n");
        assert!(p.relay.is_none());
        assert_eq!(p.syntax[0].span, at(1, 27));
        // The last assignment wins.
        let p = conf("dc_eximconfig_configtype='internet'\ndc_smarthost='a'\ndc_eximconfig_configtype=smarthost\ndc_smarthost='b'\n");
        assert_eq!(p.relay.unwrap().value.host, "b");
    }

    /// (name, text, smarthost host or None, problem spans as (line, column))
    type Row = (
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static [(u32, u32)],
    );

    #[test]
    fn shell_syntax() {
        let rows: [Row; 8] = [
            (
                "comments and blanks",
                "# c\n\n  dc_eximconfig_configtype='smarthost' # x\ndc_smarthost='h'\n",
                Some("h"),
                &[],
            ),
            (
                "semicolons",
                "dc_eximconfig_configtype=smarthost; dc_smarthost=h\n",
                Some("h"),
                &[],
            ),
            (
                "backslash in double quotes",
                "dc_eximconfig_configtype=smarthost\ndc_smarthost=\"h\\\\\"\n",
                Some("h\\"),
                &[],
            ),
            (
                "unterminated quote",
                "dc_eximconfig_configtype=smarthost\ndc_smarthost='h\n",
                None,
                &[(2, 14)],
            ),
            (
                "space around =",
                "dc_eximconfig_configtype=smarthost\ndc_smarthost = 'h'\n",
                None,
                &[(2, 1), (1, 26)],
            ),
            (
                "a command",
                "export X\ndc_eximconfig_configtype=smarthost\ndc_smarthost=h\n",
                Some("h"),
                &[(1, 1)],
            ),
            (
                "CRLF",
                "dc_eximconfig_configtype=smarthost\r\ndc_smarthost=h\r\n",
                Some("h"),
                &[(1, 35)],
            ),
            (
                "multi-line quote",
                "dc_eximconfig_configtype=smarthost\ndc_smarthost='\nh'\n",
                Some("h"),
                &[],
            ),
        ];
        for (name, text, host, spans) in rows {
            let p = conf(text);
            assert_eq!(
                p.relay.map(|r| r.value.host),
                host.map(str::to_owned),
                "{name}"
            );
            let got: Vec<(u32, u32)> = p
                .syntax
                .iter()
                .map(|s| (s.span.line, s.span.column))
                .collect();
            assert_eq!(got, spans, "{name}: {:?}", p.syntax);
        }
    }

    #[test]
    fn tls_and_helo_from_localmacros() {
        let head =
            "dc_eximconfig_configtype='smarthost'\ndc_smarthost='smtp-relay.gmail.com::587'\n";
        let rows = [
            ("nothing", "# only a comment\n", TlsMode::Opportunistic, None),
            ("require", "REMOTE_SMTP_SMARTHOST_HOSTS_REQUIRE_TLS = *\n", TlsMode::StartTls, Some((1, 43))),
            ("require by name", "REMOTE_SMTP_SMARTHOST_HOSTS_REQUIRE_TLS = smtp-relay.gmail.com\n", TlsMode::StartTls, Some((1, 43))),
            ("require wildcard", "REMOTE_SMTP_SMARTHOST_HOSTS_REQUIRE_TLS = *.gmail.com\n", TlsMode::StartTls, Some((1, 43))),
            ("require other host", "REMOTE_SMTP_SMARTHOST_HOSTS_REQUIRE_TLS = mx.example\n", TlsMode::Opportunistic, None),
            ("require negated", "REMOTE_SMTP_SMARTHOST_HOSTS_REQUIRE_TLS = !smtp-relay.gmail.com : *\n", TlsMode::Opportunistic, None),
            ("smtps", "REMOTE_SMTP_SMARTHOST_HOSTS_REQUIRE_TLS = *\nREMOTE_SMTP_SMARTHOST_PROTOCOL = smtps\n", TlsMode::Implicit, Some((2, 34))),
            ("avoid", "REMOTE_SMTP_SMARTHOST_HOSTS_AVOID_TLS = *\n", TlsMode::Off, Some((1, 41))),
            ("indented, continued", "  REMOTE_SMTP_SMARTHOST_HOSTS_REQUIRE_TLS = \\\n     *\n", TlsMode::StartTls, Some((1, 3))),
        ];
        for (name, macros, want, span) in rows {
            let p = with(head, &[(LOCALMACROS, macros)]);
            let tls = p.tls.unwrap();
            assert_eq!(tls.value, want, "{name}");
            let span = span.map_or(at(2, 15), |(l, c)| Span::new(LOCALMACROS, l, c));
            assert_eq!(tls.span, span, "{name}");
            assert!(p.syntax.is_empty(), "{name}: {:?}", p.syntax);
        }
        let p = with(
            head,
            &[(LOCALMACROS, "REMOTE_SMTP_HELO_DATA = mail.example.com\n")],
        );
        let helo = p.helo.unwrap();
        assert_eq!(helo.value, "mail.example.com");
        assert_eq!(helo.span, Span::new(LOCALMACROS, 1, 25));
        let p = with(
            head,
            &[(LOCALMACROS, "primary_hostname = mx.example.com\n")],
        );
        assert_eq!(p.helo.unwrap().value, "mx.example.com");
        let p = conf(head);
        assert_eq!(p.helo_default.as_deref(), Some(HELO_DEFAULT));
    }

    #[test]
    fn localmacros_rules() {
        let read_macros = |text: &str| {
            let mut problems = Vec::new();
            let m = exim_settings(&src(LOCALMACROS, text), &mut problems);
            (m, problems)
        };
        let (m, p) = read_macros("disable_ipv6 = true\n");
        assert_eq!(m["disable_ipv6"].value, "true");
        assert!(p.is_empty());
        let (m, _) = read_macros("disable_ipv6\n");
        assert_eq!(m["disable_ipv6"].value, "true");
        let (m, _) = read_macros("no_disable_ipv6\n");
        assert_eq!(m["disable_ipv6"].value, "false");
        let (m, p) = read_macros("REMOTE_SMTP_HELO_DATA = a\nREMOTE_SMTP_HELO_DATA = b\n");
        assert_eq!(m["REMOTE_SMTP_HELO_DATA"].value, "b");
        assert_eq!(p[0].span, Span::new(LOCALMACROS, 2, 1));
        let (m, p) = read_macros("REMOTE_SMTP_HELO_DATA = a\nREMOTE_SMTP_HELO_DATA == b\n");
        assert_eq!(m["REMOTE_SMTP_HELO_DATA"].value, "b");
        assert!(p.is_empty());
        let (m, p) = read_macros("A = 1\nA = 2\nother_option = 3\n");
        assert!(m.is_empty());
        assert_eq!(p.len(), 1);
        let (_, p) = read_macros(".include /etc/x\nA 1\n= b\n");
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].span, Span::new(LOCALMACROS, 2, 1));
        let head = "dc_eximconfig_configtype=smarthost\ndc_smarthost=h\n";
        let p = with(head, &[(LOCALMACROS, "disable_ipv6 = true\n")]);
        assert_eq!(p.families.unwrap().value, Family::V4);
    }

    #[test]
    fn passwd_client_and_hubbed_hosts() {
        let head =
            "dc_eximconfig_configtype='smarthost'\ndc_smarthost='smtp-relay.gmail.com::587'\n";
        let rows = [
            (
                "exact",
                "# c\nsmtp-relay.gmail.com:relay@example.com:pw\n",
                Some(2),
            ),
            ("caseless", "SMTP-Relay.gmail.com:u:pw\n", Some(1)),
            ("wildcard", "other.example:u:p\n*.gmail.com:u:pw\n", Some(2)),
            ("star", "*:u:pw\n", Some(1)),
            ("no match", "*.google.com:u:pw\n", None),
            (
                "comments only",
                "# target.mail.server.example:login:password\n",
                None,
            ),
        ];
        for (name, text, line) in rows {
            let p = with(head, &[(PASSWD_CLIENT, text)]);
            assert_eq!(
                p.sasl,
                line.map(|l| Located::new(true, Span::new(PASSWD_CLIENT, l, 1))),
                "{name}"
            );
        }
        let p = with(
            head,
            &[(
                PASSWD_CLIENT,
                "smtp-relay.gmail.com:relay@example.com:pw\n\"*.google.com\" : x:y\n",
            )],
        );
        let creds: Vec<(&str, &str)> = p
            .credentials
            .iter()
            .map(|c| (c.value.key.as_str(), c.value.user.as_str()))
            .collect();
        assert_eq!(
            creds,
            [
                ("smtp-relay.gmail.com", "relay@example.com"),
                ("*.google.com", "x")
            ]
        );
        let p = with(head, &[(HUBBED_HOSTS, "corp.example.com: mailhub.corp.example.com\n*.lab.example.net: $domain/MX\nx.example: smtp-relay.gmail.com::587\n")]);
        assert_eq!(p.routes.len(), 3);
        assert_eq!(p.routes[0].value.domain, "corp.example.com");
        assert_eq!(p.routes[0].value.next_hop, "mailhub.corp.example.com");
        assert_eq!(p.routes[1].span, Span::new(HUBBED_HOSTS, 2, 1));
        assert!(!p.routes[1].value.via_google);
        assert!(p.routes[2].value.via_google);
    }

    #[test]
    fn other_files_as_primary() {
        let files = [
            src(
                UPDATE_CONF,
                "dc_eximconfig_configtype=smarthost\ndc_smarthost=h\n",
            ),
            src(PASSWD_CLIENT, "h:u:p\n"),
        ];
        let beside = |name: &str| files.iter().find(|f| f.name == name).cloned();
        for primary in &files {
            let p = read(primary, &beside);
            assert_eq!(p.relay.unwrap().value.host, "h", "{}", primary.name);
            assert!(p.sasl.unwrap().value);
        }
    }

    #[test]
    fn suppressions_from_every_file() {
        let p = with(
            "# relayctl: allow exim-no-port\ndc_smarthost=h\n",
            &[(LOCALMACROS, "X = 1 # relayctl: allow tls-may\n")],
        );
        assert_eq!(p.suppressions.len(), 2);
        assert_eq!(p.suppressions[1].span.file, LOCALMACROS);
    }

    fn generated(plan: &ClientPlan) -> ObservedPlan {
        let a = gen::render(Target::Exim, plan, &Options::default()).unwrap();
        let files: Vec<SourceFile> = a
            .files
            .iter()
            .map(|f| {
                src(
                    f.path.rsplit('/').next().unwrap(),
                    &(f.lines.join("\n") + "\n"),
                )
            })
            .collect();
        assert_eq!(files[0].name, UPDATE_CONF);
        read(&files[0].clone(), &move |name: &str| {
            files.iter().find(|f| f.name == name).cloned()
        })
    }

    #[test]
    fn reads_back_what_gen_writes() {
        let plan = |f: &dyn Fn(
            &mut crate::relay::console::ConsoleSetting,
            &mut crate::relay::plan::Site,
        )| { testing::plan_for(Target::Exim, false, f).unwrap() };
        let plans = [
            plan(&|_, _| {}),
            plan(&|c, s| {
                c.authentication = Authentication::SmtpAuth;
                s.auth_user = Some("relay@example.com".to_owned());
            }),
            plan(&|c, s| {
                c.authentication = Authentication::SmtpAuth;
                s.auth_user = Some("relay@example.com".to_owned());
                s.port = Some(Port::Smtps);
            }),
            plan(&|c, s| {
                c.require_tls = false;
                s.tls = Some(TlsPreference::Opportunistic);
                s.port = Some(Port::Smtp);
            }),
            plan(&|c, s| {
                c.require_tls = false;
                s.tls = Some(TlsPreference::None);
                s.port = Some(Port::Smtp);
            }),
            plan(&|_, s| crate::gen::testing::internal_domains(&mut Default::default(), s)),
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
            assert_eq!(o.routes.len(), 2 * plan.internal.len());
            assert!(o.routes.iter().all(|r| !r.value.via_google));
        }
    }

    #[test]
    fn garbage_is_bounded() {
        let mut x: u64 = 0x853C_49E6_748F_EA9B;
        let bytes: Vec<u8> = (0..3_000_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        for text in [
            lossy,
            "A = \\\n".repeat(500_000),
            "dc_smarthost=a::b::".repeat(200_000),
            "x\n".repeat(1_000_000),
            "'".to_owned() + &"a".repeat(3_000_000),
        ] {
            let t = Instant::now();
            let p = read(&src(UPDATE_CONF, &text), &|name: &str| {
                Some(src(name, &text))
            });
            // Four files, each capped, and the check of disable_ipv6's value.
            assert!(p.syntax.len() <= 4 * (MAX_PROBLEMS + 1) + 1);
            assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
        }
    }
}
