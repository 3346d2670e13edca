//! Placeholders: `unresolved-value`. A value such as `${RELAY_HOST}` or `<your-domain>` is
//! not the value the MTA will use: say which setting holds it (and what a `${VAR:-default}`
//! assumes), and keep the rules that judge a value from judging the placeholder's text.

use super::{catalogue, Expect, Finding, ObservedPlan, Severity};
use crate::lint::{
    HELO_GENERIC, HELO_NOT_IN_DOMAINS, RELAYHOST_NO_BRACKETS, RELAY_HOST_NOT_GOOGLE,
    RELAY_HOST_TYPO, SYNTAX, UNRESOLVED,
};

pub(super) fn check(o: &ObservedPlan, _: &Expect<'_>, f: &mut Vec<Finding>) {
    let mut said: Vec<(&str, u32, &str)> = Vec::new();
    for u in &o.unresolved {
        let v = &u.value;
        // One note per placeholder and line (a value read into two settings).
        let key = (u.span.file.as_str(), u.span.line, v.placeholder.as_str());
        if said.contains(&key) {
            continue;
        }
        said.push(key);
        // A password from the environment is how it should be: nothing to say.
        if is_secret(&v.setting) {
            continue;
        }
        let assumed = match &v.assumed {
            Some(a) => format!("; judged as its default {a:?}"),
            None if is_template(&v.placeholder) => "; not judged until it has a value".to_owned(),
            None => "; a documentation name, to be replaced by your own".to_owned(),
        };
        f.push(catalogue(
            &UNRESOLVED,
            Severity::Note,
            Some(&u.span),
            format!(
                "{} is {:?}, a placeholder{assumed}",
                v.setting, v.placeholder
            ),
        ));
    }
}

/// Whether a placeholder is template syntax (`${VAR}`, `$VAR`, `<your-domain>`,
/// `{{ .Values.x }}`, `%%X%%`), whose text says nothing about the value; a documentation
/// name (`mail.example.com`) is still a name the rules can judge.
fn is_template(placeholder: &str) -> bool {
    ["$", "<", "{{", "%%"]
        .iter()
        .any(|m| placeholder.contains(m))
}

/// Whether a setting holds a secret (a password, a token, a key).
fn is_secret(setting: &str) -> bool {
    let s = setting.to_ascii_uppercase();
    [
        "PASSWORD",
        "PASSWD",
        "_PASS",
        "SECRET",
        "TOKEN",
        "SASL_PASSWORD",
    ]
    .iter()
    .any(|w| s.contains(w))
}

/// Rules that judge a value's text: on a line whose value is a placeholder without a
/// default, they would judge the placeholder, not the value.
const VALUE_RULES: &[&str] = &[
    RELAY_HOST_NOT_GOOGLE.id,
    RELAY_HOST_TYPO.id,
    RELAYHOST_NO_BRACKETS.id,
    HELO_GENERIC.id,
    HELO_NOT_IN_DOMAINS.id,
    SYNTAX.id,
];

/// Removes the findings of [`VALUE_RULES`] that sit on a template placeholder without a
/// default.
pub fn drop_judged_placeholders(o: &ObservedPlan, findings: &mut Vec<Finding>) {
    let open: Vec<_> = o
        .unresolved
        .iter()
        .filter(|u| u.value.assumed.is_none() && is_template(&u.value.placeholder))
        .map(|u| (&u.span.file, u.span.line))
        .collect();
    findings.retain(|f| {
        let on_placeholder = f.span.as_ref().is_some_and(|s| {
            open.iter()
                .any(|(file, line)| **file == s.file && *line == s.line)
        });
        !(on_placeholder && VALUE_RULES.contains(&f.rule.as_ref()))
    });
}
