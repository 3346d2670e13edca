//! Placeholders: values that stand for something decided elsewhere. Shell and compose
//! variables (`$VAR`, `${VAR}`, `${VAR:-default}`) are resolved by the readers that know
//! the variables (shell, .env, compose); this module finds the template forms left in any
//! MTA file (`{{ .Values.x }}`, `<your-domain>`, `%%VAR%%`, `your_hostname`, the
//! documentation domains `example.com`, `example.net`, `example.org` and the reserved
//! `.example`, `.invalid`, `.test`) and records them in [`ObservedPlan::unresolved`].

use super::{Located, ObservedPlan, Span, Unresolved};

/// Most placeholders kept per file.
pub const MAX_UNRESOLVED: usize = 100;

/// The template placeholders in `value`, in order, each once. Shell-style `$` references
/// are not included: Postfix and Exim expand `$name` themselves.
pub fn find(value: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    fn push(out: &mut Vec<String>, p: &str) {
        let p = p.trim();
        if !p.is_empty() && out.len() < 16 && !out.iter().any(|o| o == p) {
            out.push(p.to_owned());
        }
    }
    // {{ ... }} (Go templates, Helm, Jinja) and {% ... %}.
    for (open, close) in [("{{", "}}"), ("{%", "%}")] {
        let mut rest = value;
        while let Some(at) = rest.find(open) {
            let after = rest.get(at..).unwrap_or("");
            match after.find(close) {
                Some(end) => {
                    push(&mut out, after.get(..end + close.len()).unwrap_or(after));
                    rest = after.get(end + close.len()..).unwrap_or("");
                }
                None => {
                    push(&mut out, after);
                    break;
                }
            }
        }
    }
    // <your-domain>, <email>: an angle-bracketed word.
    let mut rest = value;
    while let Some(at) = rest.find('<') {
        let after = rest.get(at + 1..).unwrap_or("");
        let Some(end) = after.find('>') else { break };
        let inner = after.get(..end).unwrap_or("");
        if !inner.is_empty()
            && inner.len() <= 64
            && inner
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '))
        {
            push(&mut out, &format!("<{inner}>"));
        }
        rest = after.get(end + 1..).unwrap_or("");
    }
    // %%VAR%% and @VAR@ (autoconf, some template tools).
    for mark in ["%%", "@"] {
        let mut rest = value;
        while let Some(at) = rest.find(mark) {
            let after = rest.get(at + mark.len()..).unwrap_or("");
            let name_len = after
                .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
                .unwrap_or(after.len());
            let name = after.get(..name_len).unwrap_or("");
            if name.len() >= 2 && after.get(name_len..).is_some_and(|r| r.starts_with(mark)) {
                push(&mut out, &format!("{mark}{name}{mark}"));
                rest = after.get(name_len + mark.len()..).unwrap_or("");
            } else {
                rest = after;
            }
        }
    }
    // A masked value: `****`, `xxx`, `REDACTED` (what issues and guides put for secrets).
    let masked = value.trim();
    if masked.len() >= 3
        && (masked.chars().all(|c| c == '*')
            || masked.chars().all(|c| c == 'x' || c == 'X')
            || masked == "REDACTED")
    {
        push(&mut out, masked);
    }
    // Words: your_hostname, YOUR_GMAIL_PASSWORD, yourdomain.com, example.com.
    for word in value.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        let word = word.trim_matches('.');
        let lower = word.to_ascii_lowercase();
        if lower.starts_with("your_")
            || lower.starts_with("your-")
            || lower.starts_with("yourdomain")
            || is_documentation_domain(&lower)
        {
            // Not again when it is the inside of a placeholder found above.
            if !out.iter().any(|o| o.contains(word)) {
                push(&mut out, word);
            }
        }
    }
    out
}

/// Whether `host` is a documentation or reserved name (RFC 2606, RFC 6761): example.com,
/// example.net, example.org (or under them), or under .example, .invalid, .test.
pub fn is_documentation_domain(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    ["example.com", "example.net", "example.org"]
        .iter()
        .any(|d| h == *d || h.ends_with(&format!(".{d}")))
        || [".example", ".invalid", ".test"]
            .iter()
            .any(|t| h.ends_with(t))
}

/// Whether `host` is written as a placeholder name: a single label in capitals
/// (`SERVER`, `RELAY_HOST`), which no one writes for a real host.
fn capital_label(host: &str) -> bool {
    host.len() >= 3
        && host.chars().any(|c| c.is_ascii_uppercase())
        && host
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// `s` with each `${NAME}` written `$NAME` where the next character cannot continue the
/// name: what Postfix's own expansion shows for a variable it does not know, so a
/// password-map key spelled like the relay it came from compares equal to it.
pub fn as_postfix_shows(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find("${") {
        out.push_str(rest.get(..at).unwrap_or(""));
        let after = rest.get(at + 2..).unwrap_or("");
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = after.get(..name_len).unwrap_or("");
        let tail = after.get(name_len..).unwrap_or("");
        match tail.strip_prefix('}') {
            Some(next)
                if !name.is_empty()
                    && !next.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') =>
            {
                out.push('$');
                out.push_str(name);
                rest = next;
            }
            _ => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Records `placeholder` in `plan` for `setting` at `span` (once; at most
/// [`MAX_UNRESOLVED`]).
pub fn record(
    plan: &mut ObservedPlan,
    setting: &str,
    placeholder: &str,
    assumed: Option<&str>,
    span: &Span,
) {
    if plan.unresolved.len() >= MAX_UNRESOLVED {
        return;
    }
    let exists = plan
        .unresolved
        .iter()
        .any(|u| u.span == *span && u.value.placeholder == placeholder);
    if !exists {
        plan.unresolved.push(Located::new(
            Unresolved {
                setting: setting.to_owned(),
                placeholder: placeholder.to_owned(),
                assumed: assumed.map(str::to_owned),
            },
            span.clone(),
        ));
    }
}

/// Finds the template placeholders left in what a reader observed (the relay, the HELO
/// name, credentials, the password map) and records them; then drops the syntax problems
/// at the spans of recorded placeholders: an open value is not a wrong one.
pub fn scan_plan(plan: &mut ObservedPlan) {
    let mut found: Vec<(String, String, Span)> = Vec::new();
    if let Some(r) = &plan.relay {
        let mut ps = find(&r.value.raw);
        if capital_label(&r.value.host) && !ps.contains(&r.value.host) {
            ps.push(r.value.host.clone());
        }
        for p in ps {
            found.push(("relay host".to_owned(), p, r.span.clone()));
        }
    }
    if let Some(h) = &plan.helo {
        for p in find(&h.value) {
            found.push(("HELO name".to_owned(), p, h.span.clone()));
        }
    }
    for c in &plan.credentials {
        for p in find(&c.value.key).into_iter().chain(find(&c.value.user)) {
            found.push(("SMTP AUTH credentials".to_owned(), p, c.span.clone()));
        }
    }
    if let Some(m) = &plan.password_map {
        for p in find(&m.value) {
            found.push(("password map".to_owned(), p, m.span.clone()));
        }
    }
    for (setting, p, span) in found {
        record(plan, &setting, &p, None, &span);
    }
    if plan.unresolved.is_empty() {
        return;
    }
    let spans: Vec<Span> = plan.unresolved.iter().map(|u| u.span.clone()).collect();
    plan.syntax.retain(|s| !spans.contains(&s.span));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mta::RelayTarget;
    use crate::mta::SyntaxProblem;

    #[test]
    fn template_forms() {
        assert_eq!(
            find("[{{.RelayHost}}]:{{.RelayHostPort}}"),
            vec!["{{.RelayHost}}", "{{.RelayHostPort}}"]
        );
        assert_eq!(find("{{ smtp_relayhost }}"), vec!["{{ smtp_relayhost }}"]);
        assert_eq!(find("<your-domain>"), vec!["<your-domain>"]);
        assert_eq!(find("GMAIL_USER=<email>"), vec!["<email>"]);
        assert_eq!(find("%%HOST%%:25"), vec!["%%HOST%%"]);
        assert_eq!(find("@RELAY@"), vec!["@RELAY@"]);
        assert_eq!(find("your_hostname"), vec!["your_hostname"]);
        assert_eq!(find("your-sendgrid-user"), vec!["your-sendgrid-user"]);
        assert_eq!(find("mail.example.com"), vec!["mail.example.com"]);
        assert_eq!(find("relay.corp.test"), vec!["relay.corp.test"]);
        assert!(find("[smtp-relay.gmail.com]:587").is_empty());
        assert!(find("user@company.com").is_empty());
        assert!(find("$myhostname").is_empty());
        assert!(find("a <b> c").len() == 1);
        assert!(find("<>").is_empty());
        assert!(find("{{ open").len() == 1);
        assert!(find("notexample.com").is_empty());
        assert_eq!(find("****"), vec!["****"]);
        assert_eq!(find("xxx"), vec!["xxx"]);
        assert!(find("x").is_empty());
    }

    #[test]
    fn postfix_spelling_of_unknown_variables() {
        assert_eq!(as_postfix_shows("[${H}]:${P}"), "[$H]:$P");
        assert_eq!(as_postfix_shows("${A}B"), "${A}B");
        assert_eq!(as_postfix_shows("${A:-x}"), "${A:-x}");
        assert_eq!(as_postfix_shows("${"), "${");
        assert_eq!(as_postfix_shows("é${é}"), "é${é}");
    }

    #[test]
    fn hostile_text_is_bounded() {
        let s = "{{a}}<b>%%CC%%".repeat(10_000);
        assert!(find(&s).len() <= 16);
        let s = "<".repeat(100_000) + &"%".repeat(100_000) + &"{{".repeat(100_000);
        let _ = find(&s);
        let _ = find("é<é>{{é");
    }

    #[test]
    fn scan_records_and_drops_the_syntax_problem_there() {
        let span = Span::new("main.cf", 3, 13);
        let mut plan = ObservedPlan {
            relay: Some(Located::new(
                RelayTarget {
                    host: "{{.RelayHost}}".into(),
                    port: None,
                    no_mx: true,
                    raw: "[{{.RelayHost}}]:{{.Port}}".into(),
                },
                span.clone(),
            )),
            syntax: vec![
                SyntaxProblem {
                    message: "port is not a number".into(),
                    span: span.clone(),
                },
                SyntaxProblem {
                    message: "other".into(),
                    span: Span::new("main.cf", 4, 1),
                },
            ],
            ..ObservedPlan::default()
        };
        scan_plan(&mut plan);
        let got: Vec<&str> = plan
            .unresolved
            .iter()
            .map(|u| u.value.placeholder.as_str())
            .collect();
        assert_eq!(got, vec!["{{.RelayHost}}", "{{.Port}}"]);
        assert_eq!(plan.syntax.len(), 1);
        assert_eq!(plan.syntax[0].message, "other");
        // Capital single labels are placeholders for a relay host.
        let mut plan = ObservedPlan {
            relay: Some(Located::new(
                RelayTarget {
                    host: "SERVER".into(),
                    port: Some(587),
                    no_mx: true,
                    raw: "[SERVER]:587".into(),
                },
                span.clone(),
            )),
            ..ObservedPlan::default()
        };
        scan_plan(&mut plan);
        assert_eq!(plan.unresolved[0].value.placeholder, "SERVER");
        assert_eq!(plan.unresolved[0].value.setting, "relay host");
    }
}
