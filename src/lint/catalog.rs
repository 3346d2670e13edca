//! The catalogue of lint rules: each rule's stable id, default severity, summary, fix and
//! the public source it rests on, rendered into docs/rules.md and `lint --list-rules`.
//! The checks themselves are in [`super::rules`], one file per family.

use serde::Serialize;

use crate::finding::{Finding, Severity, Span};

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
    UNRESOLVED = "unresolved-value", Note,
        "A setting holds a placeholder or an unresolved variable (${VAR}, <your-domain>, {{ .Values.x }}): its real value is only known where the file is deployed, so the rules that judge that value do not fire on the placeholder.",
        "Check the value the placeholder takes at deployment (relayctl lint the rendered file, or run relayctl probe from the host).",
        "relayctl README: lint";
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
