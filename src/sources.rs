//! The public sources relayctl's findings, notes and explanations cite, rendered into
//! docs/sources.md. Data only, plus the checker tests use: every citation relayctl can print
//! (a rule's, an explanation's, a note's or a finding's `fact`) is one or more parts joined
//! by `; `, and each part starts with the `key` of an entry here (a GitHub thread may be
//! preceded by `observed: `), optionally followed by a section, anchor or remark:
//! `RFC 3207 §4.2`, `Google 6140680 "SMTP relay service error messages" #maildenied`,
//! `observed: go-mail/mail#63 (421 4.7.0 at EHLO localhost)`.

/// What kind of source an entry is (a heading in docs/sources.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Google Workspace / Gmail help article.
    Google,
    /// An RFC.
    Rfc,
    /// An MTA's or a tool's own documentation.
    Manual,
    /// A public thread or repository where the relay's behaviour was seen.
    Observed,
}

/// One public source.
#[derive(Debug, Clone, Copy)]
pub struct Source {
    /// How citations name it; stable.
    pub key: &'static str,
    /// The kind, for grouping.
    pub kind: Kind,
    /// Its title (for an observed thread: what was seen there).
    pub title: &'static str,
    /// Where to read it.
    pub url: &'static str,
    /// What relayctl takes from it.
    pub uses: &'static str,
}

macro_rules! sources {
    ($( $kind:ident $key:literal, $title:literal, $url:literal, $uses:literal; )*) => {
        /// Every source, in documentation order.
        pub const SOURCES: &[Source] = &[ $( Source {
            key: $key, kind: Kind::$kind, title: $title, url: $url, uses: $uses,
        } ),* ];
    };
}

sources! {
    Google "Google 2956491 \"Route outgoing SMTP relay messages through Google\"",
        "Google Workspace Admin Help: Route outgoing SMTP relay messages through Google (the SMTP relay service setting), current and G Suite-era versions",
        "https://support.google.com/a/answer/2956491",
        "The relay host smtp-relay.gmail.com and its ports (25, 465 with TLS on connect, 587 with STARTTLS); TLS and SMTP AUTH (AUTH only over TLS, Require TLS rejects unencrypted mail); the console setting (where it lives, top-level organisation only, allowed senders, IP address and SMTP AUTH authentication, IP ranges of at most 65,536 addresses, public addresses, three IPv6 spellings); HELO (a unique name in your domain, never localhost or the relay's name; a customer domain in HELO for foreign and empty envelope senders); envelope rules (one RCPT with MAIL FROM:<>, limits count the envelope sender); sending limits; connection caching (denial-of-service protection); comprehensive mail storage; the per-MTA instructions (Exchange, Domino, GroupWise, Sendmail, Mac OS X Server, qmail, Postfix) with their timeouts and retries.";
    Google "Google 6140680 \"SMTP relay service error messages\"",
        "Google Workspace Admin Help: SMTP relay service error messages",
        "https://support.google.com/a/answer/6140680",
        "The relay's reply texts and their causes (#maildenied, #invalidcred, #userlimit, #dailylimit, the 10-minute peak limit); the 100-recipient limit per SMTP transaction; the FQDN of the sending device in HELO.";
    Google "Google 3726730 \"Gmail SMTP errors and codes\"",
        "Google Workspace Admin Help: Gmail SMTP errors and codes",
        "https://support.google.com/a/answer/3726730",
        "Google's general reply texts: 421 4.7.0 at the HELO stage, 530 5.7.0 Must issue a STARTTLS command first, STARTTLS errors, 501 5.5.4 HELO argument errors, 452 4.5.3 recipient limits, 451 4.3.0, the gcdp marker of admin-defined rules.";
    Google "Google 166852 \"Gmail sending limits in Google Workspace\"",
        "Google Workspace Admin Help: Gmail sending limits in Google Workspace",
        "https://support.google.com/a/answer/166852",
        "Gmail's own per-user sending limit (550 5.4.5 Daily user sending limit exceeded), which the relay's limits do not share.";
    Google "Google 176600 \"Send email from a printer, scanner, or app\"",
        "Google Workspace Admin Help: Send email from a printer, scanner, or app",
        "https://support.google.com/a/answer/176600",
        "SMTP AUTH to Google needs an app password (2-Step Verification) or OAuth; the choice between the relay service and smtp.gmail.com.";
    Google "Google 6180220 \"Use TLS certificates for secure transport\"",
        "Google Workspace Admin Help: Use TLS certificates for secure transport",
        "https://support.google.com/a/answer/6180220",
        "smtp-relay.gmail.com is the host to fetch the relay's certificate from; the certificates chain to Google's roots (https://pki.goog/roots.pem, GlobalSign and GTS) and are shared across hosts, so the name an MTA checks must be one the certificate carries.";
    Rfc "RFC 5321",
        "Simple Mail Transfer Protocol",
        "https://www.rfc-editor.org/rfc/rfc5321",
        "The SMTP dialogue, reply codes (§4.2), HELO/EHLO and address literals (§4.1.2, §4.1.3), recipient limits (§4.5.3.1.8), timeouts (§4.5.3.2).";
    Rfc "RFC 3207",
        "SMTP Service Extension for Secure SMTP over Transport Layer Security",
        "https://www.rfc-editor.org/rfc/rfc3207",
        "STARTTLS: the 220 go-ahead, EHLO again after TLS, nothing pipelined after STARTTLS (§4, §4.2).";
    Rfc "RFC 8314",
        "Cleartext Considered Obsolete: Use of TLS for Email Submission and Access",
        "https://www.rfc-editor.org/rfc/rfc8314",
        "Implicit TLS (TLS from the first byte) on port 465.";
    Rfc "RFC 4954",
        "SMTP Service Extension for Authentication",
        "https://www.rfc-editor.org/rfc/rfc4954",
        "SMTP AUTH and its reply codes (§6: 432, 454, 530, 534, 535, 538).";
    Rfc "RFC 4616",
        "The PLAIN Simple Authentication and Security Layer (SASL) Mechanism",
        "https://www.rfc-editor.org/rfc/rfc4616",
        "The AUTH PLAIN message send-test builds.";
    Rfc "RFC 3463",
        "Enhanced Mail System Status Codes",
        "https://www.rfc-editor.org/rfc/rfc3463",
        "The class, subject and detail of enhanced status codes (§2, §3.1-§3.8) explain falls back to.";
    Rfc "RFC 5248",
        "A Registry for SMTP Enhanced Mail System Status Codes",
        "https://www.rfc-editor.org/rfc/rfc5248",
        "The IANA registry of enhanced status codes.";
    Rfc "RFC 7372",
        "Email Authentication Status Codes",
        "https://www.rfc-editor.org/rfc/rfc7372",
        "The X.7.20-X.7.27 sender-authentication (SPF, DKIM, DMARC) codes.";
    Rfc "RFC 7505",
        "A \"Null MX\" No Service Resource Record for Domains That Accept No Mail",
        "https://www.rfc-editor.org/rfc/rfc7505",
        "X.1.10 and X.7.27: a domain that accepts no mail.";
    Rfc "RFC 2034",
        "SMTP Service Extension for Returning Enhanced Error Codes",
        "https://www.rfc-editor.org/rfc/rfc2034",
        "The ENHANCEDSTATUSCODES extension.";
    Rfc "RFC 2920",
        "SMTP Service Extension for Command Pipelining",
        "https://www.rfc-editor.org/rfc/rfc2920",
        "PIPELINING.";
    Rfc "RFC 6152",
        "SMTP Service Extension for 8-bit MIME Transport",
        "https://www.rfc-editor.org/rfc/rfc6152",
        "8BITMIME.";
    Rfc "RFC 6531",
        "SMTP Extension for Internationalized Email",
        "https://www.rfc-editor.org/rfc/rfc6531",
        "SMTPUTF8.";
    Rfc "RFC 5322",
        "Internet Message Format",
        "https://www.rfc-editor.org/rfc/rfc5322",
        "The header of the test message send-test writes.";
    Rfc "RFC 1035",
        "Domain Names: Implementation and Specification",
        "https://www.rfc-editor.org/rfc/rfc1035",
        "Name and label lengths (§2.3.4).";
    Rfc "RFC 1123",
        "Requirements for Internet Hosts: Application and Support",
        "https://www.rfc-editor.org/rfc/rfc1123",
        "Host name syntax (§2.1).";
    Rfc "RFC 1912",
        "Common DNS Operational and Configuration Errors",
        "https://www.rfc-editor.org/rfc/rfc1912",
        "Every address should have a PTR record that matches a forward record (§2.1): the forward-confirmed reverse DNS of `check helo --ip`.";
    Rfc "RFC 1918",
        "Address Allocation for Private Internets",
        "https://www.rfc-editor.org/rfc/rfc1918",
        "Private IPv4 ranges, which Google never sees.";
    Rfc "RFC 5737",
        "IPv4 Address Blocks Reserved for Documentation",
        "https://www.rfc-editor.org/rfc/rfc5737",
        "IPv4 documentation ranges.";
    Rfc "RFC 3849",
        "IPv6 Address Prefix Reserved for Documentation",
        "https://www.rfc-editor.org/rfc/rfc3849",
        "The IPv6 documentation prefix.";
    Rfc "RFC 5952",
        "A Recommendation for IPv6 Address Text Representation",
        "https://www.rfc-editor.org/rfc/rfc5952",
        "The canonical IPv6 spelling check cidr prints.";
    Rfc "RFC 4180",
        "Common Format and MIME Type for Comma-Separated Values (CSV) Files",
        "https://www.rfc-editor.org/rfc/rfc4180",
        "The CSV range lists check cidr reads.";
    Rfc "RFC 3339",
        "Date and Time on the Internet: Timestamps",
        "https://www.rfc-editor.org/rfc/rfc3339",
        "Timestamps in JSON output.";
    Rfc "RFC 3986",
        "Uniform Resource Identifier (URI): Generic Syntax",
        "https://www.rfc-editor.org/rfc/rfc3986",
        "The relay URLs OpenSMTPD and msmtp-style settings use.";
    Rfc "RFC 6125",
        "Representation and Verification of Domain-Based Application Service Identity within Internet Public Key Infrastructure Using X.509 (PKIX) Certificates in the Context of Transport Layer Security (TLS)",
        "https://www.rfc-editor.org/rfc/rfc6125",
        "Matching the relay's name against a certificate's subjectAltName DNS names and subject CN, wildcards in the left-most label only (§6.4).";
    Manual "postconf(5)",
        "Postfix configuration parameters",
        "https://www.postfix.org/postconf.5.html",
        "relayhost and its brackets, smtp_tls_security_level (encrypt takes any certificate, secure verifies it), smtp_tls_secure_cert_match, smtp_tls_CAfile, smtp_tls_policy_maps, smtp_tls_wrappermode, smtp_sasl_*, smtp_helo_name, inet_protocols, smtp_destination_recipient_limit, smtp_tls_connection_reuse, smtp_connection_cache_destinations (matched against the next-hop host name).";
    Manual "sendmail cf/README",
        "sendmail: Sendmail configuration files (cf/README of the sendmail distribution)",
        "https://ftp.sendmail.org/",
        "SMART_HOST, confTO_DATAFINAL, confHELO_NAME, confCACERT, the access-map TLS_Srv (ENCR:bits encrypts to any certificate, VERIFY:bits wants a verified chain, +CN:name the subject CN) and Try_TLS entries, mailertable.";
    Manual "sendmail cf/m4/proto.m4",
        "sendmail: the m4 source of sendmail.cf's rule sets (cf/m4/proto.m4 of the sendmail distribution)",
        "https://ftp.sendmail.org/",
        "How the tls_server and try_tls rule sets read the access map.";
    Manual "Exim specification",
        "The Exim MTA: Specification of the Exim Mail Transfer Agent (the smtp transport, the manualroute router)",
        "https://www.exim.org/exim-html-current/doc/html/spec_html/index.html",
        "hosts_require_tls, tls_verify_hosts and tls_verify_cert_hostnames, protocol = smtps, helo_data, hosts_require_auth, max_rcpt, connection_max_messages, dns_ipv4_lookup.";
    Manual "update-exim4.conf.conf(5)",
        "Debian's exim4 configuration: update-exim4.conf.conf(5)",
        "https://manpages.debian.org/update-exim4.conf.conf.5",
        "dc_smarthost (a double colon before the port), dc_other_hostnames, dc_local_interfaces.";
    Manual "exim4-config_files(5)",
        "Debian's exim4 configuration files: exim4-config_files(5)",
        "https://manpages.debian.org/exim4-config_files.5",
        "/etc/exim4/passwd.client (client credentials; no entry for IP authentication).";
    Manual "smtpd.conf(5)",
        "OpenSMTPD: smtpd.conf(5)",
        "https://man.openbsd.org/smtpd.conf.5",
        "relay host URLs (smtp+tls://, smtps://), auth tables, helo, match ... action.";
    Manual "msmtp(1)",
        "msmtp: the manual",
        "https://marlam.de/msmtp/msmtp.html",
        "host, port, tls, tls_starttls, auth, domain (the EHLO argument).";
    Manual "qmail-remote(8)",
        "qmail: qmail-remote(8) and qmail-control(5)",
        "https://cr.yp.to/qmail.html",
        "control/smtproutes, control/timeoutremote, control/helohost; stock qmail-remote has neither TLS nor SMTP AUTH.";
    Manual "Microsoft Learn Set-SendConnector",
        "Microsoft Learn: New-SendConnector and Set-SendConnector (Exchange Server PowerShell)",
        "https://learn.microsoft.com/powershell/module/exchange/set-sendconnector",
        "-SmartHosts (no port), -Port, -RequireTLS, -TlsAuthLevel, -Fqdn, -SmartHostAuthMechanism, -DNSRoutingEnabled.";
    Manual "HCL Domino Administrator help",
        "HCL Domino Administrator documentation: Router/SMTP settings",
        "https://help.hcl-software.com/domino/",
        "Relay host for messages leaving the local internet domain, outbound STARTTLS.";
    Manual "Apple macOS Server Service Migration Guide",
        "Apple: macOS Server Service Migration Guide (2018)",
        "https://developer.apple.com/support/macos-server/macOS-Server-Service-Migration-Guide.pdf",
        "What became of macOS Server's mail service (Postfix underneath) and its relay-host setting.";
    Manual "bokysan/docker-postfix",
        "boky/postfix container image: README (configuration options) and scripts/common-run.sh",
        "https://github.com/bokysan/docker-postfix",
        "RELAYHOST becomes relayhost (with smtp_tls_CAfile); RELAYHOST_USERNAME with RELAYHOST_PASSWORD (or RELAYHOST_PASSWORD_FILE, or the XOAUTH2_* variables) turn SMTP AUTH on with an lmdb sasl_passwd keyed SASL_RELAYHOST or RELAYHOST; smtp_tls_security_level is the deprecated RELAYHOST_TLS_LEVEL, else POSTFIX_smtp_tls_security_level, else may; myhostname is POSTFIX_myhostname, else the container's HOSTNAME; any POSTFIX_<name> sets that parameter (empty removes it). Read at 210b2c2 (scripts/common-run.sh) and c911d59 (README.md).";
    Manual "juanluisbaptiste/docker-postfix",
        "juanluisbaptiste/postfix container image: README and run.sh",
        "https://github.com/juanluisbaptiste/docker-postfix",
        "relayhost = [SMTP_SERVER]:SMTP_PORT (587 by default), myhostname = SERVER_HOSTNAME, smtp_use_tls = yes, inet_protocols = all; SMTP_USERNAME turns SMTP AUTH on (lmdb sasl_passwd keyed like relayhost); port 465 adds smtp_tls_wrappermode = yes and smtp_tls_security_level = encrypt. Read at 00abb00 (run.sh).";
    Manual "loganmarchione/docker-postfixrelay",
        "loganmarchione/docker-postfixrelay container image: README and entrypoint.sh",
        "https://github.com/loganmarchione/docker-postfixrelay",
        "relayhost = [RELAY_HOST]:RELAY_PORT (both required); always smtp_tls_security_level = encrypt and SMTP AUTH on with RELAY_USER/RELAY_PASS in an lmdb sasl_passwd keyed like relayhost; mynetworks = MYNETWORKS, 0.0.0.0/0 by default; no myhostname (the container's host name). Read at 0ad0efa (entrypoint.sh).";
    Manual "namshi/docker-smtp",
        "namshi/smtp container image (Debian Exim): README and entrypoint.sh",
        "https://github.com/namshi/docker-smtp",
        "GMAIL_USER/GMAIL_PASSWORD make the smarthost smtp.gmail.com::587 with passwd.client keyed *.google.com; SES_USER/SES_PASSWORD email-smtp.SES_REGION.amazonaws.com::SES_PORT (us-east-1, 587) keyed *.amazonaws.com; SMARTHOST_ADDRESS::SMARTHOST_PORT (25) with SMARTHOST_ALIASES keys; otherwise dc_eximconfig_configtype internet (direct delivery); MAILNAME the primary host name; DISABLE_IPV6. Read at 74af808 (entrypoint.sh).";
    Manual "docker-mailserver relay hosts",
        "docker-mailserver documentation: Relay Hosts, and target/scripts/helpers/relay.sh",
        "https://docker-mailserver.github.io/docker-mailserver/latest/config/advanced/mail-forwarding/relay-hosts/",
        "DEFAULT_RELAY_HOST becomes relayhost; RELAY_HOST becomes [RELAY_HOST]:RELAY_PORT (25 by default) for every sender domain the server knows (sender_dependent_relayhost_maps), with SMTP AUTH on, noanonymous and smtp_tls_security_level = encrypt; RELAY_USER/RELAY_PASSWORD a texthash sasl_passwd entry keyed the same way. Read at 0cfe2cd (relay.sh).";
    Manual "Compose file reference",
        "Docker: Compose file reference (services, environment, env_file) and variable interpolation",
        "https://docs.docker.com/reference/compose-file/services/",
        "environment as a map or a KEY=VALUE list (a name alone takes the shell's value), env_file files read before it (environment wins), hostname; ${VAR}, ${VAR:-default}, ${VAR:?error} and $$ interpolated from the shell and the project's .env.";
    Manual "relayctl README",
        "relayctl's own documentation: README.md (relay.toml, lint's input limits, exit codes)",
        "README.md",
        "The relay.toml format and the limits relayctl itself sets.";
    Observed "observed relay reply",
        "A reply from smtp-relay.gmail.com that users posted publicly without a thread relayctl can cite; the finding quotes it",
        "(quoted in the finding)",
        "SMTP relay isn't supported for unmanaged work accounts (550 5.7.0).";
    Observed "go-mail/mail#63",
        "421 4.7.0 Try again later at EHLO localhost from smtp-relay.gmail.com; another local name fixes it",
        "https://github.com/go-mail/mail/issues/63",
        "The 421 at EHLO is a refused HELO name, not rate limiting; the banner's shape.";
    Observed "dawidd6/action-send-mail#196",
        "Repeated 421 4.7.0 from the relay, gone once a HELO name was set",
        "https://github.com/dawidd6/action-send-mail/issues/196",
        "The same HELO rejection, and that retrying does not help.";
    Observed "dawidd6/action-send-mail#186",
        "530 5.7.0 Authentication Required from smtp.gmail.com",
        "https://github.com/dawidd6/action-send-mail/issues/186",
        "smtp.gmail.com (submission) wants AUTH; it is not the relay.";
    Observed "axllent/mailpit#596",
        "530 5.7.0 Authentication Required from smtp.gmail.com",
        "https://github.com/axllent/mailpit/issues/596",
        "The 530 Authentication Required reply text.";
    Observed "Ombi-app/Ombi#1442",
        "550 5.7.0 Mail relay denied, with a private address literal in HELO",
        "https://github.com/Ombi-app/Ombi/issues/1442",
        "The relay names the address it sees; flattened multi-line replies; private literals in HELO.";
    Observed "firebase/extensions#632",
        "smtp-relay.gmail.com on port 465 with TLS on connect",
        "https://github.com/firebase/extensions/issues/632",
        "Port 465 (implicit TLS) works with the relay.";
    Observed "wazuh/wazuh#15825",
        "550 5.7.1 Daily SMTP relay limit exceeded for customer, from a tcpdump",
        "https://github.com/wazuh/wazuh/issues/15825",
        "The multi-line text of the per-customer daily limit.";
    Observed "mealie-recipes/mealie#4686",
        "550 5.7.1 Invalid credentials for relay",
        "https://github.com/mealie-recipes/mealie/issues/4686",
        "The #invalidcred reply with a registered IP and a foreign sender domain.";
    Observed "woowacourse-teams/2025-ah-madda#635",
        "550 5.4.5 Daily user sending limit exceeded (Gmail, not the relay)",
        "https://github.com/woowacourse-teams/2025-ah-madda/issues/635",
        "Gmail's user limit shares the code 5.4.5 with the relay's.";
    Observed "gen-smtp/gen_smtp#140",
        "550 5.4.5 Daily sending quota exceeded",
        "https://github.com/gen-smtp/gen_smtp/issues/140",
        "Another text of Gmail's daily limit.";
    Observed "loganmarchione/docker-postfixrelay#62",
        "Postfix: SASL authentication failed ... generic failure, with IP authentication",
        "https://github.com/loganmarchione/docker-postfixrelay/issues/62",
        "SMTP AUTH with IP authentication defers mail; smtp_sasl_auth_enable = no fixes it.";
    Observed "loganmarchione/docker-postfixrelay#64",
        "535 5.7.8 Username and Password not accepted",
        "https://github.com/loganmarchione/docker-postfixrelay/issues/64",
        "The 535 BadCredentials reply text.";
    Observed "docker-mailserver/docker-mailserver#4726",
        "Google SMTP AUTH now needs an app password; tenants may disable them",
        "https://github.com/docker-mailserver/docker-mailserver/issues/4726",
        "App passwords for SMTP AUTH, and IP authentication when they are disabled.";
    Observed "docker-mailserver/docker-mailserver#1428",
        "Postfix refuses port 465 without smtp_tls_wrappermode = yes",
        "https://github.com/docker-mailserver/docker-mailserver/issues/1428",
        "Port 465 needs wrapper mode in Postfix.";
    Observed "Mailu/Mailu#2658",
        "Postfix refuses port 465 without smtp_tls_wrappermode = yes",
        "https://github.com/Mailu/Mailu/issues/2658",
        "The same Postfix message.";
    Observed "OpenSMTPD/OpenSMTPD#1076",
        "Mail over IPv6 from a host registered by its IPv4 address is refused by Google",
        "https://github.com/OpenSMTPD/OpenSMTPD/issues/1076",
        "The IPv6 trap: an IPv6-capable host reaches Google over IPv6 while only IPv4 is registered.";
    Observed "MicrosoftDocs/office-docs-powershell#5599",
        "Exchange send connectors: no port in -SmartHosts",
        "https://github.com/MicrosoftDocs/office-docs-powershell/issues/5599",
        "A port in -SmartHosts is refused; on-premises Exchange uses -Port.";
    Observed "ChristopherSargent/swc_postfix",
        "A Postfix relay to smtp-relay.gmail.com:587, its TLS log",
        "https://github.com/ChristopherSargent/swc_postfix",
        "The relay negotiates TLSv1.3 (TLS_AES_256_GCM_SHA384) on 587.";
}

/// The entry a citation part starts with, if any.
fn entry_for(part: &str) -> Option<&'static Source> {
    let part = part.strip_prefix("observed: ").unwrap_or(part);
    SOURCES.iter().find(|s| {
        part.strip_prefix(s.key)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric()))
    })
}

/// The references inside TEXT that look like sources (`RFC 1234`, `answer/1234`,
/// `Google 1234`, `owner/repo#12`) and are not in [`SOURCES`], plus any name of a
/// private note. Used on messages, fixes and notes as well as on citations.
pub fn unknown_references(text: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let private = concat!("RELAY", "-FACTS");
    if text.contains(private) || text.contains("../shared") {
        bad.push(format!("a private note: {text}"));
    }
    let known = |key: &str| {
        SOURCES
            .iter()
            .any(|s| s.key == key || s.key.starts_with(&format!("{key} ")))
    };
    let digits_after =
        |i: usize| -> String { text[i..].chars().take_while(char::is_ascii_digit).collect() };
    for (i, _) in text.match_indices("RFC ") {
        let n = digits_after(i + 4);
        if !n.is_empty() && !known(&format!("RFC {n}")) {
            bad.push(format!("RFC {n}"));
        }
    }
    for pat in ["answer/", "Google "] {
        for (i, _) in text.match_indices(pat) {
            let n = digits_after(i + pat.len());
            if !n.is_empty() && !known(&format!("Google {n}")) {
                bad.push(format!("Google {n}"));
            }
        }
    }
    // owner/repo#N: scan each '#' followed by digits back to the start of the word.
    for (i, _) in text.match_indices('#') {
        if digits_after(i + 1).is_empty() {
            continue;
        }
        let start = text[..i]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || "/-_.".contains(c)))
            .map_or(0, |p| p + 1);
        let word = &text[start..i];
        if word.contains('/') {
            let key = format!("{word}#{}", digits_after(i + 1));
            if !known(&key) {
                bad.push(key);
            }
        }
    }
    bad
}

/// Why CITATION does not resolve to [`SOURCES`], if it does not: each `; `-separated part
/// must start with an entry's key, and every reference inside must be known.
pub fn check_citation(citation: &str) -> Result<(), String> {
    if citation.trim().is_empty() {
        return Err("an empty citation".into());
    }
    let mut bad: Vec<String> = citation
        .split("; ")
        .filter(|p| entry_for(p).is_none())
        .map(|p| format!("{p:?} starts with no source of docs/sources.md"))
        .collect();
    bad.extend(unknown_references(citation));
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!("{citation:?}: {}", bad.join(", ")))
    }
}

/// docs/sources.md, generated from [`SOURCES`].
pub fn markdown() -> String {
    let mut s = String::from(
        "# Sources\n\n\
         <!-- Generated from src/sources.rs; RELAYCTL_BLESS=1 cargo test --test it generated rewrites it. -->\n\n\
         Every finding, note and explanation relayctl prints names its source as one or more\n\
         of the keys below, joined by `; `, each optionally followed by a section, an anchor or\n\
         a remark (`RFC 3207 §4.2`, `Google 6140680 \"SMTP relay service error messages\" #maildenied`).\n\
         `observed:` marks behaviour of the relay (or of an MTA) seen in a public thread rather\n\
         than documented. A test checks that every source relayctl can print is listed here.\n",
    );
    for (kind, heading) in [
        (Kind::Google, "Google help articles"),
        (Kind::Rfc, "RFCs"),
        (Kind::Manual, "MTA and tool documentation"),
        (Kind::Observed, "Observed behaviour (public threads)"),
    ] {
        s.push_str(&format!(
            "\n## {heading}\n\n| key | source | what relayctl takes from it |\n|---|---|---|\n"
        ));
        for e in SOURCES.iter().filter(|e| e.kind == kind) {
            s.push_str(&format!(
                "| `{}` | [{}]({}) | {} |\n",
                e.key.replace('|', "\\|"),
                e.title.replace('|', "\\|"),
                e.url,
                e.uses.replace('|', "\\|")
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_not_prefixes_of_each_other() {
        for a in SOURCES {
            for b in SOURCES {
                if !std::ptr::eq(a, b) {
                    assert_ne!(a.key, b.key);
                }
            }
            assert!(
                a.url.starts_with("https://")
                    || a.url == "README.md"
                    || a.key == "observed relay reply",
                "{}",
                a.key
            );
        }
    }

    #[test]
    fn citations_resolve_or_not() {
        assert!(check_citation("RFC 3207 §4.2").is_ok());
        assert!(check_citation("RFC 3207 §4.2; RFC 5321 §4.2.1").is_ok());
        assert!(check_citation(
            "Google 6140680 \"SMTP relay service error messages\" #maildenied; observed: go-mail/mail#63"
        )
        .is_ok());
        assert!(check_citation("").is_err());
        assert!(check_citation("RFC 32071").is_err());
        assert!(check_citation("RFC 9999").is_err());
        assert!(
            check_citation("Google 6140680").is_err(),
            "the title is part of the key"
        );
        assert!(check_citation("RFC 3207; see the notes").is_err());
        assert!(check_citation(concat!("RELAY", "-FACTS-NOW §2")).is_err());
        assert!(check_citation("RFC 3207 (and RFC 9999)").is_err());
        assert!(check_citation("observed: go-mail/mail#63, someone/else#4").is_err());
        assert!(check_citation("observed: go-mail/mail#63, dawidd6/action-send-mail#196").is_ok());
        assert!(
            check_citation("Google 3726730 \"Gmail SMTP errors and codes\", answer/1").is_err()
        );
    }

    #[test]
    fn markdown_lists_every_key() {
        let md = markdown();
        for e in SOURCES {
            assert!(
                md.contains(&format!("`{}`", e.key.replace('|', "\\|"))),
                "{}",
                e.key
            );
        }
    }
}
