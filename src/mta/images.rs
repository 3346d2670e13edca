//! The relay container images relayctl knows, as data: which image names they go by, the
//! variables that mark them in a `.env` file, and what their entrypoint writes into the
//! MTA's configuration for each variable (including what it writes when a variable is not
//! set: the image's defaults). Each table cites the image's own documentation and the
//! entrypoint script the mapping was read from (src/sources.rs has them too).
//!
//! [`plan`] turns an image and its environment into main.cf parameters (or Debian Exim
//! settings) and hands them to the Postfix (or Exim) reader, so the same rules judge a
//! container as a configuration file; spans point at the variable that decided each
//! value, or at the image (its `image:` line) for the image's own defaults.

use std::collections::HashMap;

use super::postfix::{self, Assignment};
use super::{exim, placeholders, CredentialEntry, ImageUse, Located, ObservedPlan, Span};

/// The MTA inside an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mta {
    /// Postfix, configured with `postconf -e`.
    Postfix,
    /// Debian's Exim, configured through update-exim4.conf.conf values.
    DebianExim,
}

/// When a rule applies, from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Always.
    Always,
    /// The variable is set and not empty (a placeholder counts as set).
    Set(&'static str),
    /// The variable is not set, or empty.
    Unset(&'static str),
    /// Every one of the variables is set. The first one is where the literal values of
    /// its rule are said to come from.
    AllSet(&'static [&'static str]),
    /// The variable (or its default in the template sense: see [`Image::defaults`]) is
    /// exactly this text.
    Is(&'static str, &'static str),
}

/// What one rule writes: (setting, template). A setting is a main.cf parameter for
/// Postfix images and `dc_eximconfig_configtype`, `dc_smarthost`, `primary_hostname`,
/// `disable_ipv6` for Exim ones; [`CREDENTIAL`] is a password-map line (`key user` for
/// Postfix, `key:user` for Exim's passwd.client, `;` separating several keys). A template
/// is text with `${VAR}` and `${VAR:-default}` references to the environment.
pub type Writes = &'static [(&'static str, &'static str)];

/// The setting name of a password-map line in [`Writes`].
pub const CREDENTIAL: &str = "(credential)";

/// A known image.
#[derive(Debug)]
pub struct Image {
    /// The name relayctl reports it as.
    pub id: &'static str,
    /// Repository names it is pulled as (registry host, tag and digest removed).
    pub repositories: &'static [&'static str],
    /// Where the image documents its variables.
    pub documentation: &'static str,
    /// The script the mapping was read from (repository@commit:path).
    pub entrypoint: &'static str,
    /// The entry of docs/sources.md (src/sources.rs) that cites both.
    pub source: &'static str,
    /// The MTA inside.
    pub mta: Mta,
    /// Variables that only (or mostly) this image reads: a `.env` file with them is for it.
    pub marks: &'static [&'static str],
    /// Defaults of variables (`SMTP_PORT` is 587 when not set).
    pub defaults: &'static [(&'static str, &'static str)],
    /// The rules, in the order the entrypoint runs them. Each group is an
    /// `if`/`elif` chain: its first entry whose condition holds writes.
    pub rules: &'static [&'static [(When, Writes)]],
    /// A prefix whose variables set any parameter (`POSTFIX_myhostname`), applied last.
    pub passthrough: Option<&'static str>,
    /// What the HELO name is when the environment does not set it.
    pub helo_default: &'static str,
}

/// Postfix's SASL settings as the images write them.
const SASL_ON: (&str, &str) = ("smtp_sasl_auth_enable", "yes");
const NOANONYMOUS: (&str, &str) = ("smtp_sasl_security_options", "noanonymous");
const CAFILE: (&str, &str) = ("smtp_tls_CAfile", "/etc/ssl/certs/ca-certificates.crt");
const CONTAINER_HOSTNAME: &str =
    "the container's host name (Docker: the container id unless the service sets hostname)";

/// The known images.
pub static IMAGES: &[Image] = &[
    Image {
        id: "boky/postfix",
        repositories: &["boky/postfix", "bokysan/postfix", "bokysan/docker-postfix"],
        documentation: "https://github.com/bokysan/docker-postfix#configuration-options",
        entrypoint: "bokysan/docker-postfix@210b2c299be9a4d55c38bb0f0c2b0fac18d39683:scripts/common-run.sh",
        source: "bokysan/docker-postfix",
        mta: Mta::Postfix,
        marks: &[
            "RELAYHOST",
            "RELAYHOST_USERNAME",
            "RELAYHOST_PASSWORD",
            "RELAYHOST_PASSWORD_FILE",
            "RELAYHOST_TLS_LEVEL",
            "SASL_RELAYHOST",
            "ALLOWED_SENDER_DOMAINS",
            "ALLOW_EMPTY_SENDER_DOMAINS",
            "XOAUTH2_CLIENT_ID",
            "MASQUERADED_DOMAINS",
        ],
        defaults: &[],
        rules: &[
            // postfix_set_relay_tls_level: the deprecated RELAYHOST_TLS_LEVEL wins, else
            // POSTFIX_smtp_tls_security_level (applied with the passthrough), else `may`.
            &[
                (
                    When::Set("RELAYHOST_TLS_LEVEL"),
                    &[("smtp_tls_security_level", "${RELAYHOST_TLS_LEVEL}")],
                ),
                (
                    When::Unset("POSTFIX_smtp_tls_security_level"),
                    &[("smtp_tls_security_level", "may")],
                ),
            ],
            // postfix_setup_relayhost.
            &[(When::Set("RELAYHOST"), &[("relayhost", "${RELAYHOST}"), CAFILE])],
            &[
                (
                    When::AllSet(&["RELAYHOST_USERNAME", "RELAYHOST", "XOAUTH2_CLIENT_ID"]),
                    &[
                        SASL_ON,
                        ("smtp_sasl_password_maps", "lmdb:/etc/postfix/sasl_passwd"),
                        ("smtp_sasl_security_options", ""),
                        ("smtp_sasl_mechanism_filter", "xoauth2"),
                        (CREDENTIAL, "${SASL_RELAYHOST:-${RELAYHOST}} ${RELAYHOST_USERNAME}"),
                    ],
                ),
                (
                    When::AllSet(&["RELAYHOST_USERNAME", "RELAYHOST", "RELAYHOST_PASSWORD"]),
                    &[
                        SASL_ON,
                        ("smtp_sasl_password_maps", "lmdb:/etc/postfix/sasl_passwd"),
                        NOANONYMOUS,
                        ("smtp_sasl_tls_security_options", "noanonymous"),
                        (CREDENTIAL, "${SASL_RELAYHOST:-${RELAYHOST}} ${RELAYHOST_USERNAME}"),
                    ],
                ),
                (
                    When::AllSet(&["RELAYHOST_USERNAME", "RELAYHOST", "RELAYHOST_PASSWORD_FILE"]),
                    &[
                        SASL_ON,
                        ("smtp_sasl_password_maps", "lmdb:/etc/postfix/sasl_passwd"),
                        NOANONYMOUS,
                        ("smtp_sasl_tls_security_options", "noanonymous"),
                        (CREDENTIAL, "${SASL_RELAYHOST:-${RELAYHOST}} ${RELAYHOST_USERNAME}"),
                    ],
                ),
            ],
            // postfix_set_hostname: POSTFIX_myhostname, else the container's HOSTNAME.
            &[
                (When::Set("POSTFIX_myhostname"), &[]),
                (When::Set("HOSTNAME"), &[("myhostname", "${HOSTNAME}")]),
            ],
        ],
        passthrough: Some("POSTFIX_"),
        helo_default: CONTAINER_HOSTNAME,
    },
    Image {
        id: "juanluisbaptiste/postfix",
        repositories: &["juanluisbaptiste/postfix", "juanluisbaptiste/docker-postfix"],
        documentation: "https://github.com/juanluisbaptiste/docker-postfix#readme",
        entrypoint: "juanluisbaptiste/docker-postfix@00abb0051b00bc1e8e88fe4da5399f4872f93d2c:run.sh",
        source: "juanluisbaptiste/docker-postfix",
        mta: Mta::Postfix,
        marks: &["SMTP_SERVER", "SERVER_HOSTNAME", "SMTP_USERNAME_FILE", "SMTP_PASSWORD_FILE"],
        defaults: &[("SMTP_PORT", "587")],
        rules: &[
            &[(
                When::Always,
                &[
                    ("myhostname", "${SERVER_HOSTNAME}"),
                    ("relayhost", "[${SMTP_SERVER}]:${SMTP_PORT}"),
                    ("smtp_use_tls", "yes"),
                ],
            )],
            &[
                (
                    When::Set("SMTP_USERNAME"),
                    &[
                        SASL_ON,
                        ("smtp_sasl_password_maps", "lmdb:/etc/postfix/sasl_passwd"),
                        NOANONYMOUS,
                        (CREDENTIAL, "[${SMTP_SERVER}]:${SMTP_PORT} ${SMTP_USERNAME}"),
                    ],
                ),
                (
                    When::Set("SMTP_USERNAME_FILE"),
                    &[
                        SASL_ON,
                        ("smtp_sasl_password_maps", "lmdb:/etc/postfix/sasl_passwd"),
                        NOANONYMOUS,
                        (CREDENTIAL, "[${SMTP_SERVER}]:${SMTP_PORT} ${SMTP_USERNAME_FILE}"),
                    ],
                ),
            ],
            &[(
                When::Is("SMTP_PORT", "465"),
                &[
                    ("smtp_tls_wrappermode", "yes"),
                    ("smtp_tls_security_level", "encrypt"),
                ],
            )],
            &[(When::Always, &[("inet_protocols", "all")])],
        ],
        passthrough: None,
        helo_default: CONTAINER_HOSTNAME,
    },
    Image {
        id: "loganmarchione/docker-postfixrelay",
        repositories: &["loganmarchione/docker-postfixrelay"],
        documentation: "https://github.com/loganmarchione/docker-postfixrelay#readme",
        entrypoint: "loganmarchione/docker-postfixrelay@0ad0efa7840f898802b68b5a9e3fc0031875fb1e:entrypoint.sh",
        source: "loganmarchione/docker-postfixrelay",
        mta: Mta::Postfix,
        marks: &[
            "RELAY_HOST",
            "RELAY_PORT",
            "RELAY_USER",
            "RELAY_PASS",
            "MYORIGIN",
            "FROMADDRESS",
            "MSG_SIZE",
            "LOG_DISABLE",
        ],
        defaults: &[],
        rules: &[
            &[(
                When::Always,
                &[
                    ("inet_interfaces", "all"),
                    ("mynetworks", "${MYNETWORKS:-0.0.0.0/0}"),
                    ("relayhost", "[${RELAY_HOST}]:${RELAY_PORT}"),
                ],
            )],
            &[(When::Set("MYORIGIN"), &[("myorigin", "${MYORIGIN}")])],
            &[(
                When::Always,
                &[
                    ("smtp_tls_security_level", "encrypt"),
                    SASL_ON,
                    NOANONYMOUS,
                    ("smtp_sasl_password_maps", "lmdb:/etc/postfix/sasl_passwd"),
                    CAFILE,
                    (CREDENTIAL, "[${RELAY_HOST}]:${RELAY_PORT} ${RELAY_USER}"),
                ],
            )],
        ],
        passthrough: None,
        helo_default: CONTAINER_HOSTNAME,
    },
    Image {
        id: "namshi/smtp",
        repositories: &["namshi/smtp", "namshi/docker-smtp"],
        documentation: "https://github.com/namshi/docker-smtp#readme",
        entrypoint: "namshi/docker-smtp@74af8082bdad0315f53e3f90e4f08cd759e949b0:entrypoint.sh",
        source: "namshi/docker-smtp",
        mta: Mta::DebianExim,
        marks: &[
            "GMAIL_USER",
            "GMAIL_PASSWORD",
            "SES_USER",
            "SES_PASSWORD",
            "SES_REGION",
            "SMARTHOST_ADDRESS",
            "SMARTHOST_USER",
            "SMARTHOST_ALIASES",
            "MAILNAME",
            "RELAY_NETWORKS",
            "RELAY_DOMAINS",
        ],
        defaults: &[],
        rules: &[
            &[(When::Set("MAILNAME"), &[("primary_hostname", "${MAILNAME}")])],
            &[(When::Set("DISABLE_IPV6"), &[("disable_ipv6", "true")])],
            &[
                (
                    When::AllSet(&["GMAIL_USER", "GMAIL_PASSWORD"]),
                    &[
                        ("dc_eximconfig_configtype", "smarthost"),
                        ("dc_smarthost", "smtp.gmail.com::587"),
                        (CREDENTIAL, "*.google.com:${GMAIL_USER}"),
                    ],
                ),
                (
                    When::AllSet(&["SES_USER", "SES_PASSWORD"]),
                    &[
                        ("dc_eximconfig_configtype", "smarthost"),
                        (
                            "dc_smarthost",
                            "email-smtp.${SES_REGION:-us-east-1}.amazonaws.com::${SES_PORT:-587}",
                        ),
                        (CREDENTIAL, "*.amazonaws.com:${SES_USER}"),
                    ],
                ),
                (
                    When::AllSet(&[
                        "SMARTHOST_ALIASES",
                        "SMARTHOST_ADDRESS",
                        "SMARTHOST_USER",
                        "SMARTHOST_PASSWORD",
                    ]),
                    &[
                        ("dc_eximconfig_configtype", "smarthost"),
                        ("dc_smarthost", "${SMARTHOST_ADDRESS}::${SMARTHOST_PORT:-25}"),
                        (CREDENTIAL, "${SMARTHOST_ALIASES}:${SMARTHOST_USER}"),
                    ],
                ),
                (
                    When::Set("SMARTHOST_ADDRESS"),
                    &[
                        ("dc_eximconfig_configtype", "smarthost"),
                        ("dc_smarthost", "${SMARTHOST_ADDRESS}::${SMARTHOST_PORT:-25}"),
                    ],
                ),
                (When::Always, &[("dc_eximconfig_configtype", "internet")]),
            ],
        ],
        passthrough: None,
        helo_default: "the container's host name (Exim's primary_hostname; MAILNAME sets it)",
    },
    Image {
        id: "docker-mailserver",
        repositories: &[
            "mailserver/docker-mailserver",
            "docker-mailserver/docker-mailserver",
            "tvial/docker-mailserver",
        ],
        documentation: "https://docker-mailserver.github.io/docker-mailserver/latest/config/advanced/mail-forwarding/relay-hosts/",
        entrypoint: "docker-mailserver/docker-mailserver@0cfe2cdbace966902a559d46840a740fb0c772fb:target/scripts/helpers/relay.sh",
        source: "docker-mailserver relay hosts",
        mta: Mta::Postfix,
        marks: &[
            "RELAY_HOST",
            "RELAY_PORT",
            "RELAY_USER",
            "RELAY_PASSWORD",
            "DEFAULT_RELAY_HOST",
            "SASL_PASSWD",
            "PERMIT_DOCKER",
            "SMTP_ONLY",
            "ONE_DIR",
            "ENABLE_SRS",
            "DMS_DEBUG",
            "SRS_DOMAINNAME",
            "POSTFIX_MESSAGE_SIZE_LIMIT",
        ],
        defaults: &[("RELAY_PORT", "25")],
        rules: &[
            // _setup_relayhost: DEFAULT_RELAY_HOST is relayhost; RELAY_HOST is the next hop
            // of every sender domain the server knows (sender_dependent_relayhost_maps),
            // read here as the relay since it carries the server's own mail.
            &[
                (When::Set("RELAY_HOST"), &[("relayhost", "[${RELAY_HOST}]:${RELAY_PORT}")]),
                (When::Set("DEFAULT_RELAY_HOST"), &[("relayhost", "${DEFAULT_RELAY_HOST}")]),
            ],
            &[(
                When::AllSet(&["RELAY_USER", "RELAY_HOST", "RELAY_PASSWORD"]),
                &[
                    ("smtp_sasl_password_maps", "texthash:/etc/postfix/sasl_passwd"),
                    (CREDENTIAL, "[${RELAY_HOST}]:${RELAY_PORT} ${RELAY_USER}"),
                ],
            )],
            &[(
                When::Set("RELAY_HOST"),
                &[
                    SASL_ON,
                    NOANONYMOUS,
                    ("smtp_tls_security_level", "encrypt"),
                ],
            )],
        ],
        passthrough: None,
        helo_default: "the container's fully qualified host name (the service's hostname and domainname)",
    },
];

/// The known image `name` is (`ghcr.io/bokysan/postfix:4.1` is boky/postfix): the
/// registry host, tag and digest are removed, and `library/` Docker Hub paths too.
pub fn by_name(name: &str) -> Option<&'static Image> {
    let repo = repository(name);
    IMAGES
        .iter()
        .find(|i| i.repositories.iter().any(|r| r.eq_ignore_ascii_case(&repo)))
}

/// `name` without registry host, tag and digest.
fn repository(name: &str) -> String {
    let name = name.trim().trim_matches(['"', '\'']);
    let name = name.split('@').next().unwrap_or(name);
    let mut parts: Vec<&str> = name.split('/').collect();
    if parts.len() > 1
        && parts
            .first()
            .is_some_and(|p| p.contains('.') || p.contains(':') || *p == "localhost")
    {
        parts.remove(0);
    }
    if let Some(last) = parts.last_mut() {
        *last = last.split(':').next().unwrap_or(last);
    }
    parts.join("/").to_ascii_lowercase()
}

/// The image the variables of a `.env` file are for: the one with the most of its
/// [`Image::marks`] (and passthrough variables) set; `Err` with the candidates when two
/// tie, `Ok(None)` when none matches.
pub fn by_variables<'a>(
    names: impl Iterator<Item = &'a str> + Clone,
) -> Result<Option<&'static Image>, String> {
    let mut best: Vec<(&'static Image, usize)> = Vec::new();
    for image in IMAGES {
        let mut score = names.clone().filter(|n| image.marks.contains(n)).count();
        if let Some(prefix) = image.passthrough {
            if names.clone().any(|n| n.starts_with(prefix)) {
                score += 1;
            }
        }
        if score == 0 {
            continue;
        }
        match best.first().map(|b| b.1) {
            Some(s) if s > score => {}
            Some(s) if s == score => best.push((image, score)),
            _ => best = vec![(image, score)],
        }
    }
    match best.as_slice() {
        [] => Ok(None),
        [(image, _)] => Ok(Some(image)),
        many => Err(many
            .iter()
            .map(|(i, _)| i.id)
            .collect::<Vec<_>>()
            .join(" or ")),
    }
}

/// A variable of the container's environment: its value, where it was set, and the
/// placeholders its value holds (a compose `${VAR}` the shell fills in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvValue {
    /// The value.
    pub value: String,
    /// Where the value is written.
    pub span: Span,
    /// Placeholders in it: (as written, the default taken).
    pub open: Vec<(String, Option<String>)>,
}

/// The environment by variable name.
pub type Env = HashMap<String, EnvValue>;

/// A template rendered: the text, the span of the first variable of the file it used, and
/// the variables it needs that the environment does not have (the placeholders of the
/// environment's own values are recorded from the environment).
struct Rendered {
    text: String,
    span: Option<Span>,
    open: Vec<(String, Option<String>)>,
}

/// Renders `${VAR}` and `${VAR:-default}` in `template`.
fn render(template: &str, env: &Env, image: &Image, depth: usize) -> Rendered {
    let mut out = Rendered {
        text: String::new(),
        span: None,
        open: Vec::new(),
    };
    let mut rest = template;
    while let Some(at) = rest.find("${") {
        out.text.push_str(rest.get(..at).unwrap_or(""));
        let after = rest.get(at + 2..).unwrap_or("");
        // The matching brace, nesting counted.
        let mut level = 1usize;
        let mut end = None;
        for (i, ch) in after.char_indices() {
            match ch {
                '{' => level += 1,
                '}' => {
                    level -= 1;
                    if level == 0 {
                        end = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            out.text.push_str(rest.get(at..).unwrap_or(""));
            return out;
        };
        let inner = after.get(..end).unwrap_or("");
        let (name, default) = match inner.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (inner, None),
        };
        match value_of(name, env) {
            Some(v) => {
                out.text.push_str(&v.value);
                out.span = out.span.take().or_else(|| Some(v.span.clone()));
            }
            None => {
                let fallback = default
                    .map(str::to_owned)
                    .or_else(|| default_of(image, name).map(str::to_owned));
                match fallback {
                    Some(d) if depth < 4 => {
                        let r = render(&d, env, image, depth + 1);
                        out.text.push_str(&r.text);
                        out.span = out.span.take().or(r.span);
                        out.open.extend(r.open);
                    }
                    _ => {
                        let shown = format!("${{{name}}}");
                        out.text.push_str(&shown);
                        out.open.push((shown, None));
                    }
                }
            }
        }
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.text.push_str(rest);
    out
}

/// A variable of the environment, when set (an empty value is not set).
fn value_of<'e>(name: &str, env: &'e Env) -> Option<&'e EnvValue> {
    env.get(name)
        .filter(|v| !v.value.is_empty() || !v.open.is_empty())
}

fn default_of(image: &Image, name: &str) -> Option<&'static str> {
    image
        .defaults
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| *d)
}

fn holds(when: When, env: &Env, image: &Image) -> bool {
    match when {
        When::Always => true,
        When::Set(v) => value_of(v, env).is_some(),
        When::Unset(v) => value_of(v, env).is_none(),
        When::AllSet(vs) => vs.iter().all(|v| value_of(v, env).is_some()),
        When::Is(v, text) => match value_of(v, env) {
            Some(e) => e.value == text,
            None => default_of(image, v) == Some(text),
        },
    }
}

/// The plan of `image` run with `env`; `at` is where the image is named (or the file's
/// first variable for it), the span of the image's own defaults; `file` names the file.
pub fn plan(image: &'static Image, name: &str, at: &Span, env: &Env) -> ObservedPlan {
    let mut assignments: Vec<Assignment> = Vec::new();
    let mut creds: Vec<(String, Span)> = Vec::new();
    let mut open: Vec<(String, String, Option<String>, Span)> = Vec::new();
    let mut defaults: Vec<String> = Vec::new();
    let mut apply =
        |setting: &str, text: String, span: Option<Span>, o: Vec<(String, Option<String>)>| {
            let from_file = span.is_some();
            let span = span.unwrap_or_else(|| at.clone());
            for (p, a) in o {
                let a = if secret(setting) { None } else { a };
                open.push((setting.to_owned(), p, a, span.clone()));
            }
            if setting == CREDENTIAL {
                creds.push((text, span));
            } else {
                if !from_file && defaults.len() < 64 {
                    defaults.push(format!("{setting} = {text}"));
                }
                assignments.push(Assignment {
                    name: setting.to_owned(),
                    value: Some(text),
                    span,
                });
            }
        };
    for group in image.rules {
        if let Some((when, writes)) = group.iter().find(|(w, _)| holds(*w, env, image)) {
            // A literal value comes from the variable that chose the rule, if any.
            let chosen_by = match when {
                When::Set(v) | When::Is(v, _) => value_of(v, env),
                When::AllSet(vs) => vs.first().and_then(|v| value_of(v, env)),
                When::Always | When::Unset(_) => None,
            }
            .map(|v| v.span.clone());
            for (setting, template) in *writes {
                let r = render(template, env, image, 0);
                apply(
                    setting,
                    r.text,
                    r.span.or_else(|| chosen_by.clone()),
                    r.open,
                );
            }
        }
    }
    // The open values of every variable the image reads, where the variable is set.
    let mut read: Vec<(&String, &EnvValue)> = env.iter().filter(|(n, _)| reads(image, n)).collect();
    read.sort_by(|a, b| {
        (&a.1.span.file, a.1.span.line, a.1.span.column).cmp(&(
            &b.1.span.file,
            b.1.span.line,
            b.1.span.column,
        ))
    });
    for (n, v) in read {
        let mut found: Vec<(String, Option<String>)> = v.open.clone();
        for p in placeholders::find(&v.value) {
            // Of a secret, only a value that is a placeholder as a whole (`****`,
            // `<password>`): never a part of what may be a real password.
            if !secret(n) || p == v.value.trim() {
                found.push((p, None));
            }
        }
        for (p, a) in found {
            let a = if secret(n) { None } else { a };
            open.push((n.clone(), p, a, v.span.clone()));
        }
    }
    if let Some(prefix) = image.passthrough {
        let mut vars: Vec<(&String, &EnvValue)> =
            env.iter().filter(|(n, _)| n.starts_with(prefix)).collect();
        vars.sort_by(|a, b| {
            (a.1.span.line, a.1.span.column).cmp(&(b.1.span.line, b.1.span.column))
        });
        for (n, v) in vars {
            let param = n.get(prefix.len()..).unwrap_or("");
            if param.is_empty() {
                continue;
            }
            assignments.push(Assignment {
                name: param.to_owned(),
                value: (!v.value.is_empty() || !v.open.is_empty()).then(|| v.value.clone()),
                span: v.span.clone(),
            });
        }
    }
    let mut plan = match image.mta {
        Mta::Postfix => {
            let mut plan = postfix::read_assignments(&assignments, &|_| None);
            if !creds.is_empty() {
                plan.credentials = creds
                    .into_iter()
                    .filter_map(|(line, span)| {
                        let (key, user) = line.trim().split_once(char::is_whitespace)?;
                        Some(Located::new(
                            CredentialEntry {
                                key: placeholders::as_postfix_shows(key),
                                user: user.trim().to_owned(),
                            },
                            span,
                        ))
                    })
                    .collect();
            }
            plan
        }
        Mta::DebianExim => {
            let mut dc: Vec<(&'static str, String, Span)> = Vec::new();
            let mut macros: Vec<(&str, String, Span)> = Vec::new();
            for a in &assignments {
                let v = a.value.clone().unwrap_or_default();
                match a.name.as_str() {
                    "dc_eximconfig_configtype" => {
                        dc.push(("dc_eximconfig_configtype", v, a.span.clone()))
                    }
                    "dc_smarthost" => dc.push(("dc_smarthost", v, a.span.clone())),
                    other => macros.push((other, v, a.span.clone())),
                }
            }
            // The last value of a key wins, as the entrypoint's later option would.
            let mut last: HashMap<&str, (String, Span)> = HashMap::new();
            for (k, v, s) in dc {
                last.insert(k, (v, s));
            }
            let dc: Vec<(&'static str, String, Span)> =
                ["dc_eximconfig_configtype", "dc_smarthost"]
                    .into_iter()
                    .filter_map(|k| last.remove(k).map(|(v, s)| (k, v, s)))
                    .collect();
            let passwd = (!creds.is_empty()).then(|| {
                creds
                    .iter()
                    .flat_map(|(line, span)| {
                        let (keys, user) = line.split_once(':').unwrap_or((line.as_str(), ""));
                        keys.split(';')
                            .map(str::trim)
                            .filter(|k| !k.is_empty())
                            .map(|k| (k.to_owned(), user.to_owned(), span.clone()))
                            .collect::<Vec<_>>()
                    })
                    .collect()
            });
            exim::read_settings(&at.file, &dc, &macros, passwd)
        }
    };
    if plan.helo.is_none() {
        plan.helo_default = Some(image.helo_default.to_owned());
    }
    plan.image = Some(Located::new(
        ImageUse {
            name: name.to_owned(),
            known: image.id.to_owned(),
            documentation: image.documentation.to_owned(),
            defaults,
        },
        at.clone(),
    ));
    for (setting, p, a, span) in open {
        placeholders::record(&mut plan, &setting, &p, a.as_deref(), &span);
    }
    placeholders::scan_plan(&mut plan);
    plan
}

/// Whether `image` reads the variable `name` (a mark, a rule's condition or template, its
/// passthrough prefix).
fn reads(image: &Image, name: &str) -> bool {
    let in_template =
        |t: &str| t.contains(&format!("${{{name}}}")) || t.contains(&format!("${{{name}:-"));
    image.marks.contains(&name)
        || image.passthrough.is_some_and(|p| name.starts_with(p))
        || image
            .rules
            .iter()
            .flat_map(|g| g.iter())
            .any(|(when, writes)| {
                let in_when = match when {
                    When::Set(v) | When::Unset(v) | When::Is(v, _) => *v == name,
                    When::AllSet(vs) => vs.contains(&name),
                    When::Always => false,
                };
                in_when || writes.iter().any(|(_, t)| in_template(t))
            })
}

/// Whether a setting holds a secret: no assumed default of it is kept.
fn secret(setting: &str) -> bool {
    let s = setting.to_ascii_lowercase();
    s.contains("pass") || s.contains("secret") || s.contains("token") || s == CREDENTIAL
}

#[cfg(test)]
mod tests;
