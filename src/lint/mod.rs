//! `relayctl lint`'s rules: an [`ObservedPlan`] read from an MTA's files, judged against
//! the relay's facts and, with `--config`, against the admin's console setting and site.
//! Every rule has a stable kebab-case id, a default severity, the fix and the fact it rests
//! on ([`RULES`], rendered into docs/rules.md). Pure: values in, findings out.

use serde::Serialize;

use crate::mta::{ObservedPlan, ObservedTls, Span};
use crate::relay::console::{Authentication, ConsoleSetting};
use crate::relay::names::generic_reason;
use crate::relay::plan::Site;
use crate::relay::Family;

pub use crate::finding::{Finding, Severity};

/// A rule of the catalogue.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Rule {
    /// Stable kebab-case id; never renamed.
    pub id: &'static str,
    /// Default severity (a finding may be lower with `--config`, as documented per rule).
    pub severity: Severity,
    /// What the rule checks, one line.
    pub summary: &'static str,
    /// What to do, in general terms (each finding says it for its file).
    pub fix: &'static str,
    /// The source the rule rests on.
    pub fact: &'static str,
}

macro_rules! rules {
    ($( $name:ident = $id:literal, $sev:ident, $summary:literal, $fix:literal, $fact:literal; )*) => {
        $( #[doc = $summary] pub const $name: Rule = Rule {
            id: $id, severity: Severity::$sev, summary: $summary, fix: $fix, fact: $fact,
        }; )*
        /// Every rule, in documentation order.
        pub const RULES: &[Rule] = &[ $( $name ),* ];
    };
}

rules! {
    SYNTAX = "syntax", Error,
        "The file cannot be read the way the MTA reads it.",
        "Fix the line: the MTA would ignore it or refuse to start.",
        "postconf(5); sendmail cf/README; Exim specification; update-exim4.conf.conf(5); smtpd.conf(5); msmtp(1); qmail-remote(8); Microsoft Learn Set-SendConnector";
    UNREADABLE = "unreadable", Error,
        "The file cannot be read: missing, unreadable, binary, or too large.",
        "Lint the text configuration file itself.",
        "relayctl README: lint reads text files of at most 50 MB";
    NO_RELAY = "no-relay-host", Warning,
        "No relay host is configured: mail goes out directly, not through Google.",
        "Set the relay host to smtp-relay.gmail.com (relayctl gen writes it).",
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": smtp-relay.gmail.com";
    RELAY_HOST_TYPO = "relay-host-typo", Error,
        "The relay host looks like a misspelling of smtp-relay.gmail.com.",
        "Write smtp-relay.gmail.com.",
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": smtp-relay.gmail.com";
    RELAY_HOST_NOT_GOOGLE = "relay-host-not-google", Warning,
        "The relay host is not Google's SMTP relay (smtp.gmail.com is the user submission service, not the relay).",
        "Use smtp-relay.gmail.com for the SMTP relay service.",
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\"; observed: axllent/mailpit#596 (smtp.gmail.com answers 530 Authentication Required)";
    PORT_NOT_RELAY = "port-not-relay", Error,
        "The relay port is not 25, 465 or 587.",
        "Use 587 (STARTTLS) or 465 (TLS on connect); 25 is often blocked.",
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": ports 25, 465, 587";
    PORT_465_WITHOUT_WRAPPER = "port-465-without-tls-wrapper", Error,
        "Port 465 expects TLS from the first byte, and the client speaks plain SMTP there.",
        "Turn on TLS on connect (Postfix smtp_tls_wrappermode = yes with smtp_tls_security_level = secure), or use 587.",
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": 465 is TLS from the first byte; RFC 8314; observed: docker-mailserver/docker-mailserver#1428";
    WRAPPER_NOT_465 = "tls-wrapper-not-465", Error,
        "TLS on connect is configured for a port other than 465: the relay expects STARTTLS there.",
        "Use port 465 with TLS on connect, or STARTTLS on 587.",
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": 465 is TLS from the first byte, 587 STARTTLS";
    TLS_NOT_MANDATORY = "tls-not-mandatory", Warning,
        "TLS towards the relay is opportunistic or off: a failed STARTTLS sends mail in clear. An error when the console requires TLS, a note when relay.toml says it does not (--config).",
        "Make TLS mandatory, with the certificate verified (Postfix smtp_tls_security_level = secure).",
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": with Require TLS, Google rejects unencrypted mail";
    SASL_OVER_OPPORTUNISTIC_TLS = "sasl-over-opportunistic-tls", Error,
        "SMTP AUTH is on while TLS is optional: when STARTTLS fails, AUTH is dropped or the password is sent in clear.",
        "Make TLS mandatory whenever SMTP AUTH is on.",
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": SMTP AUTH requires TLS; postconf(5), smtp_tls_security_level";
    TLS_NOT_VERIFIED = "tls-not-verified", Error,
        "TLS towards the relay takes any certificate (Postfix may or encrypt, sendmail ENCR without VERIFY): whoever answers for the relay's name or address (DNS, routing, a TLS-intercepting proxy) gets the mail and, with SMTP AUTH, the password. An error with SMTP AUTH, a warning without (opportunistic TLS without SMTP AUTH is tls-not-mandatory's).",
        "Verify the relay's certificate: Postfix smtp_tls_security_level = secure with smtp_tls_CAfile; sendmail TLS_Srv:smtp-relay.gmail.com VERIFY:128+CN:smtp-relay.gmail.com in the access map, with confCACERT (relayctl gen writes both).",
        "postconf(5), smtp_tls_security_level; sendmail cf/README, TLS_Srv; RFC 6125; Google 6180220 \"Use TLS certificates for secure transport\"";
    SASL_WITH_IP_AUTH = "sasl-with-ip-auth", Warning,
        "SMTP AUTH is on while the console authenticates by IP address only (--config).",
        "Turn SMTP AUTH off (Postfix smtp_sasl_auth_enable = no); an empty credential entry makes Postfix defer mail.",
        "observed: loganmarchione/docker-postfixrelay#62 (SASL with IP authentication gives 'SASL authentication failed ... generic failure')";
    NO_SASL_WITH_SMTP_AUTH = "no-sasl-with-smtp-auth", Error,
        "The console requires SMTP Authentication and the client does not authenticate (--config).",
        "Turn SMTP AUTH on with a registered user's app password (relayctl gen writes it).",
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": Require SMTP Authentication";
    PASSWORD_KEY_MISMATCH = "password-map-key-mismatch", Error,
        "No credential entry is keyed exactly like the relay host (host, brackets and port): the MTA finds no password.",
        "Key the entry exactly as the relay host is written (e.g. [smtp-relay.gmail.com]:587) and rebuild the map.",
        "postconf(5), smtp_sasl_password_maps: the key must match the relayhost including the port";
    PASSWORD_MAP_MISSING = "password-map-missing", Warning,
        "SMTP AUTH is on, and the password map the configuration names is not beside it.",
        "Check the map path (smtp_sasl_password_maps) or lint the directory that holds both files.",
        "postconf(5), smtp_sasl_password_maps";
    RELAYHOST_NO_BRACKETS = "relayhost-without-brackets", Warning,
        "The relay host is written without brackets: the MTA looks up MX records for smtp-relay.gmail.com first.",
        "Write [smtp-relay.gmail.com]:587.",
        "postconf(5), relayhost: brackets avoid the MX lookup";
    HELO_GENERIC = "helo-generic", Error,
        "The HELO name is generic (localhost, a single label, a container id, .local): the relay answers 421 4.7.0 at EHLO.",
        "Set the HELO name to this server's FQDN in your domain.",
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": HELO; Google 6140680 \"SMTP relay service error messages\": the FQDN of the sending device; Google 3726730 \"Gmail SMTP errors and codes\": 421 4.7.0; observed: go-mail/mail#63";
    HELO_DEFAULT = "helo-default", Note,
        "The HELO name is left to the MTA's default, which may not be an FQDN in your domain (containers, localhost defaults).",
        "Set the HELO name explicitly (relayctl gen does).",
        "Google 6140680 \"SMTP relay service error messages\": the FQDN of the sending device; observed: go-mail/mail#63 (421 4.7.0 at EHLO localhost)";
    HELO_NOT_IN_DOMAINS = "helo-not-in-domains", Warning,
        "The HELO name is not in any of your domains (--config); needed with 'Any addresses' and for empty envelope senders.",
        "Use a HELO name under one of your Workspace domains.",
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": a customer domain in HELO for foreign and empty envelope senders";
    CONNECTION_REUSE_OFF = "connection-reuse-off", Note,
        "Connections (or TLS sessions) to the relay are not reused: high-volume senders must cache connections.",
        "Turn connection caching on (Postfix smtp_tls_connection_reuse = yes with tlsproxy).",
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": connection caching";
    DATAFINAL_SHORT = "sendmail-datafinal-too-short", Warning,
        "sendmail's Timeout.datafinal is below 1 hour.",
        "Set confTO_DATAFINAL to 1h (the default) or more.",
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": Sendmail, Timeout.datafinal at least 1 hour";
    QMAIL_TIMEOUT_SHORT = "qmail-timeoutsmtpd-too-short", Warning,
        "qmail's timeoutsmtpd is below 900 seconds.",
        "Set control/timeoutsmtpd to 1200 (the default) or at least 900.",
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": Qmail, timeoutsmtpd at least 900 s";
    INTERNAL_VIA_GOOGLE = "internal-domain-via-google", Error,
        "An internal domain (relay.toml) is routed to Google, or not routed away from it.",
        "Route internal domains to their own server (transport map, mailertable, smtproutes).",
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": internal domains keep their own route";
    IPV6_WITH_IPV4_RANGES = "ipv6-egress-with-ipv4-ranges", Warning,
        "The MTA may reach the relay over IPv6 while the console's ranges are IPv4 only: mail is denied.",
        "Restrict the MTA to IPv4 (Postfix inet_protocols = ipv4) or register the IPv6 range.",
        "observed: OpenSMTPD/OpenSMTPD#1076 (IPv6 egress with IPv4 ranges); postconf(5), inet_protocols";
    TOO_MANY_RCPT = "too-many-recipients", Warning,
        "More than 100 recipients per transaction.",
        "Limit recipients per transaction to 100 (Postfix smtp_destination_recipient_limit = 100).",
        "Google 6140680 \"SMTP relay service error messages\": 100-recipient limit per SMTP transaction";
    CONSUMER_ACCOUNT = "consumer-gmail-credentials", Error,
        "The credentials are a consumer @gmail.com account: the relay refuses unmanaged accounts.",
        "Authenticate as a user of your Workspace domain, or use IP authentication.",
        "observed relay reply: SMTP relay isn't supported for unmanaged work accounts";
    RELAY_TOML = "relay-toml-invalid", Error,
        "relay.toml is invalid or describes a setting that cannot work.",
        "Fix the value named in the message.",
        "relayctl README: relay.toml";
}

impl Rule {
    /// A finding of this rule, citing its source.
    pub fn finding(
        &self,
        severity: Severity,
        span: Option<Span>,
        message: String,
        fix: String,
    ) -> Finding {
        Finding::new(self.id, severity, message)
            .at(span)
            .fix(fix)
            .fact(self.fact)
    }
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The result of linting one file (or one MTA's set of files, named by its main file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    /// The file as named by the user or found by the walk.
    pub file: String,
    /// Its type (given by --type or detected); None when it could not be told.
    pub file_type: Option<crate::mta::FileType>,
    /// Findings, in rule order; suppressed ones included (marked).
    pub findings: Vec<Finding>,
}

/// The result of a lint run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LintReport {
    /// One entry per file read, in the order read.
    pub files: Vec<FileReport>,
}

impl LintReport {
    /// Unsuppressed findings at or above `threshold`, not counting files that could not
    /// be read (those are an input error, exit 3, not a finding about the configuration).
    pub fn count_at(&self, threshold: Severity) -> usize {
        self.files
            .iter()
            .flat_map(|f| &f.findings)
            .filter(|x| !x.suppressed && x.severity >= threshold && x.rule != UNREADABLE.id)
            .count()
    }
}

/// What the admin's setting says, when `--config` is given.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The console setting.
    pub console: Option<ConsoleSetting>,
    /// The site.
    pub site: Option<Site>,
}

fn finding(r: &Rule, sev: Severity, span: Option<&Span>, message: String, fix: String) -> Finding {
    r.finding(sev, span.cloned(), message, fix)
}

/// Levenshtein distance (strsim), the first name cut to 300 characters: host names are at
/// most 253, and a hostile file must not make this quadratic in its size.
fn distance(a: &str, b: &str) -> usize {
    let a: String = a.chars().take(300).collect();
    strsim::levenshtein(&a, b)
}

/// Judges one MTA's observed plan. Findings come in a stable order; suppressions are
/// applied by [`apply_suppressions`].
pub fn check(o: &ObservedPlan, ctx: &Context) -> Vec<Finding> {
    let mut f = Vec::new();
    for p in &o.syntax {
        f.push(finding(
            &SYNTAX,
            Severity::Error,
            Some(&p.span),
            p.message.clone(),
            SYNTAX.fix.into(),
        ));
    }
    let console = ctx.console.as_ref();
    let ip_only = console.is_some_and(|c| c.authentication == Authentication::Ip);
    let smtp_auth_required = console.is_some_and(|c| c.authentication == Authentication::SmtpAuth);
    let require_tls = console.is_some_and(|c| c.require_tls);

    match &o.relay {
        None => {
            if o.syntax.is_empty() {
                f.push(finding(
                    &NO_RELAY,
                    NO_RELAY.severity,
                    None,
                    "no relay host is set".into(),
                    NO_RELAY.fix.into(),
                ));
            }
        }
        Some(relay) => {
            let host = relay.value.host.to_ascii_lowercase();
            let host = host.trim_end_matches('.');
            let span = Some(&relay.span);
            if !crate::relay::is_google_relay(host) {
                let d = distance(host, crate::relay::DEFAULT_RELAY_HOST);
                if d <= 3 && host.contains("relay") || d <= 2 {
                    f.push(finding(
                        &RELAY_HOST_TYPO,
                        Severity::Error,
                        span,
                        format!(
                            "relay host {:?} looks like a misspelling of smtp-relay.gmail.com",
                            relay.value.host
                        ),
                        RELAY_HOST_TYPO.fix.into(),
                    ));
                } else {
                    f.push(finding(
                        &RELAY_HOST_NOT_GOOGLE,
                        Severity::Warning,
                        span,
                        format!(
                            "relay host {:?} is not Google's SMTP relay",
                            relay.value.host
                        ),
                        RELAY_HOST_NOT_GOOGLE.fix.into(),
                    ));
                }
            }
            if !relay.value.no_mx {
                f.push(finding(
                    &RELAYHOST_NO_BRACKETS,
                    Severity::Warning,
                    span,
                    format!(
                        "{:?} makes the MTA look up MX records first",
                        relay.value.raw
                    ),
                    format!(
                        "write [{}]{}",
                        relay.value.host,
                        relay
                            .value
                            .port
                            .map(|p| format!(":{p}"))
                            .unwrap_or_default()
                    ),
                ));
            }
            let port = relay.value.port.unwrap_or(25);
            if crate::relay::Port::from_number(port).is_none() {
                f.push(finding(
                    &PORT_NOT_RELAY,
                    Severity::Error,
                    span,
                    format!("port {port} is not 25, 465 or 587"),
                    PORT_NOT_RELAY.fix.into(),
                ));
            }
            let wrapper = matches!(o.tls.as_ref().map(|t| t.value), Some(ObservedTls::Wrapper));
            if port == 465 && !wrapper {
                f.push(finding(&PORT_465_WITHOUT_WRAPPER, Severity::Error, span,
                    "port 465 without TLS on connect: the client waits for a greeting that never comes".into(),
                    PORT_465_WITHOUT_WRAPPER.fix.into()));
            }
            if wrapper && port != 465 {
                let tspan = o.tls.as_ref().map(|t| &t.span);
                f.push(finding(
                    &WRAPPER_NOT_465,
                    Severity::Error,
                    tspan,
                    format!("TLS on connect towards port {port}"),
                    WRAPPER_NOT_465.fix.into(),
                ));
            }
        }
    }

    let tls = o.tls.as_ref().map(|t| t.value);
    let tls_optional = matches!(
        tls,
        None | Some(ObservedTls::Off) | Some(ObservedTls::Opportunistic)
    );
    let sasl_on = o.sasl.as_ref().is_some_and(|s| s.value);
    if tls_optional && o.relay.is_some() {
        // The issue's own example: `may` is fine without Require TLS (a note), an error
        // with it; without --config nobody knows, so a warning.
        let sev = if require_tls || smtp_auth_required {
            Severity::Error
        } else if console.is_some() {
            Severity::Note
        } else {
            Severity::Warning
        };
        let what = match tls {
            Some(ObservedTls::Off) => "TLS is off",
            Some(ObservedTls::Opportunistic) => "TLS is opportunistic",
            _ => "TLS is left to the default (opportunistic or off)",
        };
        let why = if require_tls {
            "; the console requires TLS, so mail sent in clear is refused"
        } else {
            ""
        };
        f.push(finding(
            &TLS_NOT_MANDATORY,
            sev,
            o.tls
                .as_ref()
                .map(|t| &t.span)
                .or(o.relay.as_ref().map(|r| &r.span)),
            format!("{what}{why}"),
            TLS_NOT_MANDATORY.fix.into(),
        ));
    }
    if sasl_on && tls_optional {
        f.push(finding(
            &SASL_OVER_OPPORTUNISTIC_TLS,
            Severity::Error,
            o.sasl.as_ref().map(|s| &s.span),
            "SMTP AUTH is on and TLS is optional".into(),
            SASL_OVER_OPPORTUNISTIC_TLS.fix.into(),
        ));
    }
    if let (Some(v), Some(_)) = (&o.tls_verified, &o.relay) {
        // Opportunistic TLS without SMTP AUTH: a downgrade reads the mail anyway, and
        // tls-not-mandatory says so.
        if !v.value && (sasl_on || !tls_optional) {
            let (sev, what) = if sasl_on {
                (
                    Severity::Error,
                    "TLS towards the relay takes any certificate: SMTP AUTH sends the password to whoever answers for the relay",
                )
            } else {
                (
                    Severity::Warning,
                    "TLS towards the relay takes any certificate: whoever answers for the relay can read the mail",
                )
            };
            f.push(finding(
                &TLS_NOT_VERIFIED,
                sev,
                Some(&v.span),
                what.into(),
                TLS_NOT_VERIFIED.fix.into(),
            ));
        }
    }
    if sasl_on && ip_only {
        f.push(finding(
            &SASL_WITH_IP_AUTH,
            Severity::Warning,
            o.sasl.as_ref().map(|s| &s.span),
            "SMTP AUTH is on, and relay.toml says the console authenticates by IP address only"
                .into(),
            SASL_WITH_IP_AUTH.fix.into(),
        ));
    }
    if !sasl_on && smtp_auth_required && o.relay.is_some() {
        f.push(finding(
            &NO_SASL_WITH_SMTP_AUTH,
            Severity::Error,
            o.sasl
                .as_ref()
                .map(|s| &s.span)
                .or(o.relay.as_ref().map(|r| &r.span)),
            "the console requires SMTP Authentication and SMTP AUTH is off".into(),
            NO_SASL_WITH_SMTP_AUTH.fix.into(),
        ));
    }
    if sasl_on {
        if let Some(relay) = &o.relay {
            if !o.credentials.is_empty()
                && !o
                    .credentials
                    .iter()
                    .any(|c| key_matches(&c.value.key, &relay.value.raw, &relay.value.host))
            {
                let keys: Vec<&str> = o.credentials.iter().map(|c| c.value.key.as_str()).collect();
                f.push(finding(
                    &PASSWORD_KEY_MISMATCH,
                    Severity::Error,
                    o.credentials.first().map(|c| &c.span),
                    format!(
                        "credential keys {keys:?} do not match the relay host {:?}",
                        relay.value.raw
                    ),
                    format!("key the entry as {}", relay.value.raw),
                ));
            }
            if o.credentials.is_empty() {
                if let Some(map) = &o.password_map {
                    f.push(finding(
                        &PASSWORD_MAP_MISSING,
                        Severity::Warning,
                        Some(&map.span),
                        format!("the password map {:?} is not beside this file", map.value),
                        PASSWORD_MAP_MISSING.fix.into(),
                    ));
                }
            }
        }
    }
    for c in &o.credentials {
        let u = c.value.user.to_ascii_lowercase();
        if u.ends_with("@gmail.com") || u.ends_with("@googlemail.com") {
            f.push(finding(
                &CONSUMER_ACCOUNT,
                Severity::Error,
                Some(&c.span),
                format!("{:?} is a consumer Gmail account", c.value.user),
                CONSUMER_ACCOUNT.fix.into(),
            ));
        }
    }
    match &o.helo {
        Some(h) => {
            let name = h.value.trim_end_matches('.');
            let generic = generic_reason(name).map(str::to_owned).or_else(|| {
                (!name.contains('.') || name.starts_with('['))
                    .then(|| "not a fully qualified domain name".to_owned())
            });
            if let Some(why) = generic {
                f.push(finding(
                    &HELO_GENERIC,
                    Severity::Error,
                    Some(&h.span),
                    format!("HELO {name:?}: {why}"),
                    HELO_GENERIC.fix.into(),
                ));
            } else if let Some(site) = &ctx.site {
                let lower = name.to_ascii_lowercase();
                if !site.domains.is_empty()
                    && !site.domains.iter().any(|d| {
                        lower == d.as_str() || lower.ends_with(&format!(".{}", d.as_str()))
                    })
                {
                    f.push(finding(
                        &HELO_NOT_IN_DOMAINS,
                        Severity::Warning,
                        Some(&h.span),
                        format!(
                            "HELO {name:?} is not under {}",
                            site.domains
                                .iter()
                                .map(|d| d.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        HELO_NOT_IN_DOMAINS.fix.into(),
                    ));
                }
            }
        }
        None => {
            if o.relay.is_some() {
                let default = o
                    .helo_default
                    .clone()
                    .unwrap_or_else(|| "the MTA's default".into());
                f.push(finding(
                    &HELO_DEFAULT,
                    Severity::Note,
                    None,
                    format!("the HELO name is left to {default}"),
                    HELO_DEFAULT.fix.into(),
                ));
            }
        }
    }
    if let Some(r) = &o.connection_reuse {
        if !r.value {
            f.push(finding(
                &CONNECTION_REUSE_OFF,
                Severity::Note,
                Some(&r.span),
                "connections or TLS sessions to the relay are not reused".into(),
                CONNECTION_REUSE_OFF.fix.into(),
            ));
        }
    }
    if let Some(t) = &o.data_final_timeout_s {
        if t.value < 3600 {
            f.push(finding(
                &DATAFINAL_SHORT,
                Severity::Warning,
                Some(&t.span),
                format!("Timeout.datafinal is {} s", t.value),
                DATAFINAL_SHORT.fix.into(),
            ));
        }
    }
    if let Some(t) = &o.qmail_smtpd_timeout_s {
        if t.value < 900 {
            f.push(finding(
                &QMAIL_TIMEOUT_SHORT,
                Severity::Warning,
                Some(&t.span),
                format!("timeoutsmtpd is {} s", t.value),
                QMAIL_TIMEOUT_SHORT.fix.into(),
            ));
        }
    }
    if let Some(site) = &ctx.site {
        for internal in &site.internal {
            let d = internal.domain.as_str();
            let route = o.routes.iter().find(|r| {
                let rd = r.value.domain.trim_start_matches('.').to_ascii_lowercase();
                rd == d
            });
            match route {
                Some(r) if r.value.via_google => f.push(finding(
                    &INTERNAL_VIA_GOOGLE,
                    Severity::Error,
                    Some(&r.span),
                    format!(
                        "internal domain {d} is routed to Google ({})",
                        r.value.next_hop
                    ),
                    INTERNAL_VIA_GOOGLE.fix.into(),
                )),
                Some(_) => {}
                None if o.relay.is_some() => f.push(finding(
                    &INTERNAL_VIA_GOOGLE,
                    Severity::Error,
                    None,
                    format!("internal domain {d} has no route of its own: it goes to the relay"),
                    INTERNAL_VIA_GOOGLE.fix.into(),
                )),
                None => {}
            }
        }
    }
    if let Some(console) = console {
        let enabled: Vec<_> = console.ranges.iter().filter(|r| r.enabled).collect();
        let v4_only = !enabled.is_empty() && enabled.iter().all(|r| r.net.addr().is_ipv4());
        let families = o.families.as_ref().map(|x| x.value);
        if v4_only
            && o.relay.is_some()
            && console.authentication != Authentication::SmtpAuth
            && !matches!(families, Some(Family::V4))
        {
            // Set to all/ipv6: a warning. Not set (or no such setting in this MTA): a
            // note, since the host's own routes decide.
            let (sev, msg) = match families {
                Some(_) => (
                    Severity::Warning,
                    "the MTA may use IPv6 and relay.toml's ranges are IPv4 only",
                ),
                None => (
                    Severity::Note,
                    "nothing restricts the MTA to IPv4 and relay.toml's ranges are IPv4 only: on a host with IPv6 egress mail is denied",
                ),
            };
            f.push(finding(
                &IPV6_WITH_IPV4_RANGES,
                sev,
                o.families.as_ref().map(|x| &x.span),
                msg.into(),
                IPV6_WITH_IPV4_RANGES.fix.into(),
            ));
        }
    }
    if let Some(m) = &o.max_rcpt_per_transaction {
        if m.value > 100 {
            f.push(finding(
                &TOO_MANY_RCPT,
                Severity::Warning,
                Some(&m.span),
                format!("{} recipients per transaction", m.value),
                TOO_MANY_RCPT.fix.into(),
            ));
        }
    }
    f
}

/// Whether a credential key names the relay as the MTA looks it up: the next hop exactly
/// as written (Postfix `[host]:port`), or the bare host name (Postfix also looks up the
/// remote host name; Exim's passwd.client and sendmail's AuthInfo are keyed by host), or a
/// wildcard, or the label an OpenSMTPD relay URL names. A key with another port or other brackets does not match (postconf(5), smtp_sasl_password_maps).
fn key_matches(key: &str, raw: &str, host: &str) -> bool {
    let key = key.trim();
    key.eq_ignore_ascii_case(raw.trim())
        || key.eq_ignore_ascii_case(host)
        || key == "*"
        // OpenSMTPD: the relay URL names the secrets-table label (`smtp+tls://label@host`).
        || (!key.is_empty() && raw.contains(&format!("//{key}@")))
}

/// Marks findings covered by a `relayctl: allow <rule>` comment of their file and line.
pub fn apply_suppressions(findings: &mut [Finding], o: &ObservedPlan) {
    for f in findings.iter_mut() {
        let Some(span) = &f.span else { continue };
        if o.suppressions
            .iter()
            .any(|s| s.rule == f.rule && s.span.file == span.file && s.covers_line == span.line)
        {
            f.suppressed = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mta::{Located, RelayTarget};

    fn at(line: u32) -> Span {
        Span::new("main.cf", line, 1)
    }

    fn relay(
        raw: &str,
        host: &str,
        port: Option<u16>,
        no_mx: bool,
    ) -> Option<Located<RelayTarget>> {
        Some(Located::new(
            RelayTarget {
                host: host.into(),
                port,
                no_mx,
                raw: raw.into(),
            },
            at(1),
        ))
    }

    fn ids(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|x| x.rule.as_ref()).collect()
    }

    #[test]
    fn rule_ids_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for r in RULES {
            assert!(seen.insert(r.id), "{} twice", r.id);
            assert!(
                r.id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                r.id
            );
        }
    }

    #[test]
    fn rules_fire() {
        let good = ObservedPlan {
            relay: relay(
                "[smtp-relay.gmail.com]:587",
                "smtp-relay.gmail.com",
                Some(587),
                true,
            ),
            tls: Some(Located::new(ObservedTls::Mandatory, at(2))),
            helo: Some(Located::new("mail.example.com".into(), at(3))),
            ..ObservedPlan::default()
        };
        assert_eq!(ids(&check(&good, &Context::default())), Vec::<&str>::new());
        for (name, change, want) in [
            (
                "typo",
                ObservedPlan {
                    relay: relay(
                        "[smtp-relay.gmial.com]:587",
                        "smtp-relay.gmial.com",
                        Some(587),
                        true,
                    ),
                    ..good.clone()
                },
                "relay-host-typo",
            ),
            (
                "not google",
                ObservedPlan {
                    relay: relay("[smtp.gmail.com]:587", "smtp.gmail.com", Some(587), true),
                    ..good.clone()
                },
                "relay-host-not-google",
            ),
            (
                "no brackets",
                ObservedPlan {
                    relay: relay(
                        "smtp-relay.gmail.com:587",
                        "smtp-relay.gmail.com",
                        Some(587),
                        false,
                    ),
                    ..good.clone()
                },
                "relayhost-without-brackets",
            ),
            (
                "port 2525",
                ObservedPlan {
                    relay: relay(
                        "[smtp-relay.gmail.com]:2525",
                        "smtp-relay.gmail.com",
                        Some(2525),
                        true,
                    ),
                    ..good.clone()
                },
                "port-not-relay",
            ),
            (
                "465 plain",
                ObservedPlan {
                    relay: relay(
                        "[smtp-relay.gmail.com]:465",
                        "smtp-relay.gmail.com",
                        Some(465),
                        true,
                    ),
                    ..good.clone()
                },
                "port-465-without-tls-wrapper",
            ),
            (
                "wrapper 587",
                ObservedPlan {
                    tls: Some(Located::new(ObservedTls::Wrapper, at(2))),
                    ..good.clone()
                },
                "tls-wrapper-not-465",
            ),
            (
                "may",
                ObservedPlan {
                    tls: Some(Located::new(ObservedTls::Opportunistic, at(2))),
                    ..good.clone()
                },
                "tls-not-mandatory",
            ),
            (
                "sasl may",
                ObservedPlan {
                    tls: Some(Located::new(ObservedTls::Opportunistic, at(2))),
                    sasl: Some(Located::new(true, at(4))),
                    ..good.clone()
                },
                "sasl-over-opportunistic-tls",
            ),
            (
                "localhost",
                ObservedPlan {
                    helo: Some(Located::new("localhost".into(), at(3))),
                    ..good.clone()
                },
                "helo-generic",
            ),
            (
                "single label",
                ObservedPlan {
                    helo: Some(Located::new("4f2a9c0d1b3e".into(), at(3))),
                    ..good.clone()
                },
                "helo-generic",
            ),
            (
                "default helo",
                ObservedPlan {
                    helo: None,
                    ..good.clone()
                },
                "helo-default",
            ),
            (
                "101 rcpt",
                ObservedPlan {
                    max_rcpt_per_transaction: Some(Located::new(101, at(5))),
                    ..good.clone()
                },
                "too-many-recipients",
            ),
            (
                "datafinal",
                ObservedPlan {
                    data_final_timeout_s: Some(Located::new(1800, at(5))),
                    ..good.clone()
                },
                "sendmail-datafinal-too-short",
            ),
            (
                "qmail",
                ObservedPlan {
                    qmail_smtpd_timeout_s: Some(Located::new(600, at(5))),
                    ..good.clone()
                },
                "qmail-timeoutsmtpd-too-short",
            ),
            (
                "no relay",
                ObservedPlan {
                    relay: None,
                    ..good.clone()
                },
                "no-relay-host",
            ),
        ] {
            assert!(
                ids(&check(&change, &Context::default())).contains(&want),
                "{name}: {:?}",
                ids(&check(&change, &Context::default()))
            );
        }
    }

    /// tls-not-verified: an error with SMTP AUTH (the password goes to an impostor), a
    /// warning without, silent when verified, for opportunistic TLS without AUTH (that is
    /// tls-not-mandatory's) and when the files do not say.
    #[test]
    fn unverified_tls_severity_follows_smtp_auth() {
        let base = ObservedPlan {
            relay: relay(
                "[smtp-relay.gmail.com]:587",
                "smtp-relay.gmail.com",
                Some(587),
                true,
            ),
            tls: Some(Located::new(ObservedTls::Mandatory, at(2))),
            helo: Some(Located::new("mail.example.com".into(), at(3))),
            ..ObservedPlan::default()
        };
        let sev = |tls: ObservedTls, verified: Option<bool>, sasl: bool| {
            let o = ObservedPlan {
                tls: Some(Located::new(tls, at(2))),
                tls_verified: verified.map(|v| Located::new(v, at(2))),
                sasl: Some(Located::new(sasl, at(4))),
                ..base.clone()
            };
            check(&o, &Context::default())
                .into_iter()
                .find(|f| f.rule == TLS_NOT_VERIFIED.id)
                .map(|f| (f.severity, f.span.map(|s| s.line)))
        };
        use ObservedTls::*;
        let error = Some((Severity::Error, Some(2)));
        let warning = Some((Severity::Warning, Some(2)));
        assert_eq!(sev(Mandatory, Some(false), true), error);
        assert_eq!(sev(Wrapper, Some(false), true), error);
        assert_eq!(sev(Opportunistic, Some(false), true), error);
        assert_eq!(sev(Mandatory, Some(false), false), warning);
        assert_eq!(sev(Wrapper, Some(false), false), warning);
        assert_eq!(sev(Opportunistic, Some(false), false), None);
        assert_eq!(sev(Mandatory, Some(true), true), None);
        assert_eq!(sev(Mandatory, None, true), None);
    }

    #[test]
    fn key_forms() {
        assert!(key_matches(
            "[smtp-relay.gmail.com]:587",
            "[smtp-relay.gmail.com]:587",
            "smtp-relay.gmail.com"
        ));
        assert!(!key_matches(
            "[smtp-relay.gmail.com]:587",
            "[smtp-relay.gmail.com]:465",
            "smtp-relay.gmail.com"
        ));
        assert!(key_matches(
            "smtp-relay.gmail.com",
            "[smtp-relay.gmail.com]:587",
            "smtp-relay.gmail.com"
        ));
        assert!(!key_matches(
            "smtp-relay.gmail.com:587",
            "[smtp-relay.gmail.com]:587",
            "smtp-relay.gmail.com"
        ));
        assert!(key_matches(
            "smtp-relay.gmail.com",
            "smtp-relay.gmail.com",
            "smtp-relay.gmail.com"
        ));
    }

    #[test]
    fn distances() {
        assert_eq!(distance("smtp-relay.gmial.com", "smtp-relay.gmail.com"), 2);
        assert_eq!(distance("", "abc"), 3);
    }
}
