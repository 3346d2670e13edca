//! All relay policy lives here: [`plan`] turns the console setting and the site into the
//! [`ClientPlan`] every generator spells, every linter compares against and every probe
//! tests. Generators never re-decide anything that is decided here.
use serde::Serialize;

use super::Family;

use super::console::{is_documentation, AllowedSenders, ConsoleSetting};
use super::names::{Domain, HeloName, Hostname};
use super::{Port, DEFAULT_RELAY_HOST};

/// What the client does about TLS towards the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    /// TLS from the first byte (port 465).
    Implicit,
    /// STARTTLS, and no mail without it.
    #[serde(rename = "starttls")]
    StartTls,
    /// STARTTLS when offered, plaintext otherwise.
    Opportunistic,
    /// No TLS at all.
    Off,
}

/// What the site asks of the client's TLS, when it asks anything (`site.tls`, `--tls`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsPreference {
    /// Encrypt or do not send (the default).
    Required,
    /// Encrypt when the server offers STARTTLS.
    Opportunistic,
    /// Never encrypt (for MTAs without TLS support).
    None,
}

/// An internal domain that must not go to Google, and where it goes instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InternalRoute {
    /// The domain (mail to it and its sub-domains stays inside).
    pub domain: Domain,
    /// The internal server; `None` means normal MX delivery, bypassing the relay.
    pub host: Option<Hostname>,
}

/// The local facts about the sending site (`[site]` in relay.toml, or flags).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Site {
    /// The name to present in HELO/EHLO (`None`: the caller could not determine one).
    pub helo: Option<HeloName>,
    /// The customer's mail domains as registered in Google Workspace.
    pub domains: Vec<Domain>,
    /// Domains that must not be relayed through Google.
    pub internal: Vec<InternalRoute>,
    /// Number of user licences (for the limits note).
    pub licences: Option<u32>,
    /// Relay host (default `smtp-relay.gmail.com`).
    pub relay_host: Option<Hostname>,
    /// Port to use (default 587).
    pub port: Option<Port>,
    /// What TLS the site wants the client to use.
    pub tls: Option<TlsPreference>,
    /// The SMTP AUTH user (a registered Workspace user), when SMTP AUTH is used.
    pub auth_user: Option<String>,
}

/// What a target MTA can do, as far as the plan is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Whether its stock client speaks TLS (stock qmail does not).
    pub tls: bool,
    /// Whether its stock client can do SMTP AUTH.
    pub smtp_auth: bool,
    /// Why its client cannot do TLS from the first byte (port 465), if it cannot.
    pub implicit_tls_missing: Option<&'static str>,
    /// Whether its output sets the HELO name (a file, a command or a field to fill in);
    /// when it only mentions it, an unknown HELO name is a note, not an error.
    pub spells_helo: bool,
}

impl Capabilities {
    /// An MTA that can do everything the relay asks.
    pub const FULL: Capabilities = Capabilities {
        tls: true,
        smtp_auth: true,
        implicit_tls_missing: None,
        spells_helo: true,
    };
}

/// SMTP AUTH towards the relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SaslPlan {
    /// The Workspace user to authenticate as.
    pub username: String,
    /// Whether `username` is a placeholder the admin must replace.
    pub username_is_placeholder: bool,
}

/// Timeouts and retry intervals from the article's per-MTA instructions
/// (Google help 2956491, per-MTA instructions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timeouts {
    /// GroupWise "Connection establishment": 2 min.
    pub connect_s: u64,
    /// GroupWise "Initial greeting": 5 min.
    pub greeting_s: u64,
    /// GroupWise "Commands": 5 min.
    pub command_s: u64,
    /// GroupWise "Data": 3 min.
    pub data_s: u64,
    /// GroupWise "TCP read": 5 min.
    pub tcp_read_s: u64,
    /// GroupWise "Connection dropped": 15 min.
    pub connection_dropped_s: u64,
    /// Sendmail `Timeout.datafinal`: at least 1 h (the default).
    pub data_final_min_s: u64,
    /// qmail `timeoutsmtpd`: at least 900 s (default 1200).
    pub qmail_smtpd_min_s: u64,
    /// qmail `timeoutsmtpd` value relayctl writes: the default 1200 s.
    pub qmail_smtpd_s: u64,
    /// Exchange 2000/2003 retry intervals in minutes: 1, 1, 3, then 5.
    pub retry_schedule_min: [u64; 4],
    /// Domino "Initial transfer retry interval": 1 minute or more.
    pub initial_retry_min: u64,
}

impl Timeouts {
    /// The article's values.
    pub const ARTICLE: Timeouts = Timeouts {
        connect_s: 120,
        greeting_s: 300,
        command_s: 300,
        data_s: 180,
        tcp_read_s: 300,
        connection_dropped_s: 900,
        data_final_min_s: 3600,
        qmail_smtpd_min_s: 900,
        qmail_smtpd_s: 1200,
        retry_schedule_min: [1, 1, 3, 5],
        initial_retry_min: 1,
    };
}

/// How serious a note is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoteLevel {
    /// Something to know.
    Info,
    /// Something that will likely cause bounces if ignored.
    Warning,
}

/// Advice attached to a plan or an artifact, with the fact it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// How serious it is.
    pub level: NoteLevel,
    /// What to know or do, one paragraph.
    pub text: String,
    /// The source: keys of docs/sources.md (a Google help page, an RFC, an MTA manual).
    pub fact: &'static str,
}

impl Note {
    /// An informational note.
    pub fn info(text: impl Into<String>, fact: &'static str) -> Note {
        Note {
            level: NoteLevel::Info,
            text: text.into(),
            fact,
        }
    }

    /// A warning.
    pub fn warning(text: impl Into<String>, fact: &'static str) -> Note {
        Note {
            level: NoteLevel::Warning,
            text: text.into(),
            fact,
        }
    }
}

/// Google help 6140680: "There is a 100-recipient limit per SMTP transaction".
pub const MAX_RCPT_PER_TRANSACTION: u32 = 100;

/// Everything the client MTA must do to relay through Google with this setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientPlan {
    /// The relay host name.
    pub relay_host: Hostname,
    /// The port.
    pub port: Port,
    /// TLS towards the relay.
    pub tls: TlsMode,
    /// SMTP AUTH, when the setting requires it.
    pub sasl: Option<SaslPlan>,
    /// The HELO/EHLO name; `None` when none is known and the target does not spell it
    /// (the plan then carries a note saying to set one).
    pub helo: Option<HeloName>,
    /// The customer's domains.
    pub domains: Vec<Domain>,
    /// Domains that stay inside.
    pub internal: Vec<InternalRoute>,
    /// Reuse connections and send several messages per connection (Google help
    /// 2956491: connection caching).
    pub connection_reuse: bool,
    /// Address families to use.
    pub egress: Family,
    /// Recipients per transaction the client must not exceed.
    pub max_rcpt_per_transaction: u32,
    /// Timeouts and retries.
    pub timeouts: Timeouts,
    /// Number of licences, when known.
    pub licences: Option<u32>,
    /// The console setting this plan was made for.
    pub console: ConsoleSetting,
    /// Advice that applies whatever the MTA (in JSON, merged into the artifact's notes).
    #[serde(skip)]
    pub notes: Vec<Note>,
}

/// An inconsistent setting: what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("no HELO name: the machine's host name is not a fully qualified domain name; set --helo mail.example.com or site.helo in relay.toml")]
    NoHelo,
    #[error("SMTP AUTH needs TLS, but the client TLS is set to {0}; remove `tls = \"{0}\"` (or --tls {0}), or authenticate by IP address instead")]
    AuthWithoutTls(&'static str),
    #[error("\"Require TLS encryption\" is on, but the client TLS is set to {0}; remove `tls = \"{0}\"` (or --tls {0}), or untick Require TLS in the console")]
    RequireTlsWithoutTls(&'static str),
    #[error("port 465 is TLS from the first byte and cannot be used with tls = \"{0}\"; use port 25 or 587")]
    ImplicitWithoutTls(&'static str),
    #[error("allowed senders \"Any addresses\" needs SMTP AUTH or a HELO name in one of your domains, and {helo} is in none of [{domains}]; set --auth smtp-auth, or a HELO such as mail.{first}")]
    AnyAddressesNeedsIdentity {
        helo: String,
        domains: String,
        first: String,
    },
    #[error("allowed senders \"Any addresses\" without SMTP AUTH needs your domains to check the HELO name against; add --domain example.com (site.domains)")]
    AnyAddressesNeedsDomains,
    #[error("{mta} has no TLS in its stock client, and this setting needs TLS ({why}); use an MTA with TLS (e.g. relayctl gen postfix), or pass --force to write the routes anyway (the relay will refuse the mail)")]
    MtaCannotTls {
        mta: &'static str,
        why: &'static str,
    },
    #[error("{mta} cannot use TLS from the first byte (port 465): {why}; use --port 587 or 25")]
    MtaCannotImplicitTls {
        mta: &'static str,
        why: &'static str,
    },
    #[error("{mta} has no SMTP AUTH in its stock client; use IP authentication, or pass --force")]
    MtaCannotAuth { mta: &'static str },
}

fn pref_name(p: TlsPreference) -> &'static str {
    match p {
        TlsPreference::Required => "required",
        TlsPreference::Opportunistic => "opportunistic",
        TlsPreference::None => "none",
    }
}

/// Decides the client plan for `site` under `setting`, for an MTA that can do `caps`.
///
/// `force` lets an MTA without TLS get a plan it cannot fully meet (the plan then carries
/// a warning saying the relay will refuse the mail).
pub fn plan(
    setting: &ConsoleSetting,
    site: &Site,
    mta: &'static str,
    caps: Capabilities,
    force: bool,
) -> Result<ClientPlan, PlanError> {
    let mut notes = Vec::new();
    let helo = match (&site.helo, caps.spells_helo) {
        (Some(h), _) => Some(h.clone()),
        (None, true) => return Err(PlanError::NoHelo),
        (None, false) => {
            notes.push(Note::info(
                format!("no HELO name: this machine's host name is not a fully qualified domain name, and the {mta} output does not need one; the sending server must still present its fully qualified name in HELO/EHLO (the relay answers 421 4.7.0 to a single label); set --helo NAME (site.helo) to have it checked and spelled here"),
                "Google Workspace Admin Help, \"Route outgoing SMTP relay messages through Google\" (support.google.com/a/answer/2956491)",
            ));
            None
        }
    };
    let port = site.port.unwrap_or(Port::Submission);
    let sasl_needed = setting.authentication.uses_smtp_auth();

    // Google help 2956491: SMTP AUTH only over TLS; Require TLS rejects
    // unencrypted mail.
    let tls_needed_why = if sasl_needed {
        Some("SMTP AUTH is only accepted inside TLS")
    } else if setting.require_tls {
        Some("\"Require TLS encryption\" is on")
    } else {
        None
    };

    // Checked before anything --force can override: a client that does not speak TLS on
    // connect waits for a greeting that never comes on 465.
    if let (Port::Smtps, Some(why)) = (port, caps.implicit_tls_missing) {
        return Err(PlanError::MtaCannotImplicitTls { mta, why });
    }

    let tls = match (port, site.tls) {
        (Port::Smtps, Some(p @ (TlsPreference::Opportunistic | TlsPreference::None))) => {
            return Err(PlanError::ImplicitWithoutTls(pref_name(p)))
        }
        (Port::Smtps, _) => TlsMode::Implicit,
        (_, Some(p @ (TlsPreference::Opportunistic | TlsPreference::None))) => {
            if sasl_needed {
                return Err(PlanError::AuthWithoutTls(pref_name(p)));
            }
            if setting.require_tls {
                return Err(PlanError::RequireTlsWithoutTls(pref_name(p)));
            }
            if p == TlsPreference::None {
                TlsMode::Off
            } else {
                TlsMode::Opportunistic
            }
        }
        (_, Some(TlsPreference::Required)) => TlsMode::StartTls,
        // Nothing asked: encrypt unless the MTA cannot and nothing requires it.
        (_, None) if !caps.tls && tls_needed_why.is_none() => {
            notes.push(Note::info(
                format!("{mta} sends without TLS: allowed because \"Require TLS encryption\" is off and authentication is by IP address, but mail crosses the Internet in clear"),
                "Google 2956491 \"Route outgoing SMTP relay messages through Google\": without Require TLS, any of 25, 465, 587 works",
            ));
            TlsMode::Off
        }
        (_, None) => TlsMode::StartTls,
    };

    if tls != TlsMode::Off && !caps.tls {
        match (tls_needed_why, force) {
            (Some(why), false) => return Err(PlanError::MtaCannotTls { mta, why }),
            (None, false) if site.tls.is_some() => {
                return Err(PlanError::MtaCannotTls {
                    mta,
                    why: "the site asks for TLS",
                })
            }
            _ => notes.push(Note::warning(
                format!("{mta} has no TLS in its stock client: this plan asks for TLS it cannot do (--force); the relay will refuse the mail until a TLS-capable client or patch is used"),
                "Google 2956491 \"Route outgoing SMTP relay messages through Google\"",
            )),
        }
    }
    if sasl_needed && !caps.smtp_auth {
        if !force {
            return Err(PlanError::MtaCannotAuth { mta });
        }
        notes.push(Note::warning(
            format!("{mta} has no SMTP AUTH in its stock client (--force): the relay will refuse the mail"),
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\": the SMTP relay service setting",
        ));
    }

    let in_customer_domain = helo
        .as_ref()
        .is_some_and(|h| site.domains.iter().any(|d| h.hostname().is_in_domain(d)));
    if setting.allowed_senders == AllowedSenders::AnyAddresses && !sasl_needed {
        if site.domains.is_empty() {
            return Err(PlanError::AnyAddressesNeedsDomains);
        }
        match &helo {
            Some(h) if !in_customer_domain => {
                return Err(PlanError::AnyAddressesNeedsIdentity {
                    helo: h.to_string(),
                    domains: join(&site.domains),
                    first: site.domains[0].to_string(),
                })
            }
            Some(_) => {}
            None => notes.push(Note::warning(
                format!("allowed senders \"Any addresses\" without SMTP AUTH: the sending server must present a HELO name in one of your domains ({}); set --helo NAME to have relayctl check it", join(&site.domains)),
                "Google Workspace Admin Help, \"Route outgoing SMTP relay messages through Google\" (support.google.com/a/answer/2956491)",
            )),
        }
    }

    if port == Port::Smtp && setting.require_tls {
        notes.push(Note::warning(
            "port 25 with \"Require TLS encryption\": Google's article says to use port 587 when TLS is required, and many networks block outbound port 25; relayctl requires STARTTLS here, but 587 is the safer choice",
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\"",
        ));
    }

    let sasl = sasl_needed.then(|| match &site.auth_user {
        Some(u) => SaslPlan {
            username: u.clone(),
            username_is_placeholder: false,
        },
        None => {
            let domain = site
                .domains
                .first()
                .cloned()
                .or_else(|| helo.as_ref().and_then(|h| h.hostname().parent()))
                .map(|d| d.to_string())
                .unwrap_or_else(|| "example.com".to_owned());
            notes.push(Note::warning(
                format!("no SMTP AUTH user given: the output uses relay@{domain}; replace it with a registered Workspace user (--auth-user), and use an app password, not the account password"),
                "Google 176600 \"Send email from a printer, scanner, or app\": app passwords",
            ));
            SaslPlan {
                username: format!("relay@{domain}"),
                username_is_placeholder: true,
            }
        }
    });

    let egress = egress_for(setting);
    if egress == Family::V4 {
        notes.push(Note::info(
            "every registered range is IPv4: the client is limited to IPv4, because a host with IPv6 egress reaches Google over IPv6 and is refused (\"Mail relay denied\"); register an IPv6 /112 instead if you want IPv6",
            "observed: OpenSMTPD/OpenSMTPD#1076 (IPv6 egress with IPv4 ranges)",
        ));
    }
    for r in setting
        .enabled_ranges()
        .filter(|r| is_documentation(&r.net))
    {
        notes.push(Note::warning(
            format!("range {} is a documentation range (RFC 5737/3849), not an address Google can see: replace it with your public range", r.net),
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\": IP ranges: use your public IP",
        ));
    }
    if setting.authentication.uses_ip() && setting.enabled_ranges().next().is_none() {
        notes.push(Note::warning(
            "IP authentication is on but no range is listed: register this server's public address in the console (relayctl probe shows the address Google sees)",
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\": IP ranges",
        ));
    }

    // Google help 2956491, additional configuration: foreign-domain and empty envelope senders.
    if let (false, false, Some(helo)) = (sasl_needed, in_customer_domain, &helo) {
        notes.push(Note::info(
            format!("additional configuration: to relay mail from domains you do not own, or with an empty envelope sender (bounces, out-of-office replies), use SMTP AUTH or present one of your domain names in HELO; {helo} is in none of your domains{}", if site.domains.is_empty() { " (none given: --domain)" } else { "" }),
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\": HELO and envelope senders",
        ));
    }
    if setting.allowed_senders == AllowedSenders::AnyAddresses {
        notes.push(Note::warning(
            "\"Any addresses\" exposes the relay to abuse; prefer \"Only addresses in my domains\". Envelope senders outside your domains are rewritten to postmaster@<your domain>",
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\": the SMTP relay service setting",
        ));
    }

    if let Some(n) = site.licences {
        let n = u64::from(n);
        notes.push(Note::info(
            format!(
                "sending limits: 10,000 messages and 10,000 unique recipients per user per 24 h; at most 4,600,000 recipients per organisation per 24 h and 319,444 per 10 min. The G Suite-era article estimated about 130 x {n} = {} recipients per 24 h and 9 x {n} = {} per 10 min for {n} licences; Google has since dropped that formula and may lower the limits based on sending practices",
                (130 * n).min(4_600_000),
                (9 * n).min(319_444)
            ),
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\": sending limits; Google 6140680 \"SMTP relay service error messages\" #userlimit, #dailylimit",
        ));
    }

    Ok(ClientPlan {
        relay_host: site.relay_host.clone().unwrap_or_else(|| {
            DEFAULT_RELAY_HOST
                .parse()
                .expect("constant host name is valid") // infallible: the message says why
        }),
        port,
        tls,
        sasl,
        helo,
        domains: site.domains.clone(),
        internal: site.internal.clone(),
        connection_reuse: true,
        egress,
        max_rcpt_per_transaction: MAX_RCPT_PER_TRANSACTION,
        timeouts: Timeouts::ARTICLE,
        licences: site.licences,
        console: setting.clone(),
        notes,
    })
}

/// The address families the client should use under `setting`: IPv4 only when IP
/// authentication checks the source against IPv4 ranges only (the IPv6 trap), IPv6 only for
/// IPv6-only ranges, else any. One answer for `gen` (what it writes) and `lint` (what it
/// expects).
pub fn egress_for(setting: &ConsoleSetting) -> Family {
    // With SMTP AUTH alone the source address does not matter.
    if !setting.authentication.uses_ip() {
        return Family::Any;
    }
    let (mut v4, mut v6) = (false, false);
    for r in setting.enabled_ranges() {
        match r.net {
            ipnet::IpNet::V4(_) => v4 = true,
            ipnet::IpNet::V6(_) => v6 = true,
        }
    }
    match (v4, v6) {
        (true, false) => Family::V4,
        (false, true) => Family::V6,
        _ => Family::Any,
    }
}

fn join(domains: &[Domain]) -> String {
    domains
        .iter()
        .map(|d| d.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl ClientPlan {
    /// A sender address in the customer's domain for test messages.
    pub fn test_sender(&self) -> String {
        let domain = self
            .domains
            .first()
            .map(|d| d.to_string())
            .or_else(|| {
                let h = self.helo.as_ref()?;
                Some(
                    h.hostname()
                        .parent()
                        .map_or_else(|| h.to_string(), |d| d.to_string()),
                )
            })
            .unwrap_or_else(|| "example.com".to_owned());
        format!("postmaster@{domain}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relay::console::{Authentication, IpRange};

    fn site() -> Site {
        Site {
            helo: Some("mail.example.com".parse().unwrap()),
            domains: vec!["example.com".parse().unwrap()],
            ..Site::default()
        }
    }

    fn with(f: impl FnOnce(&mut ConsoleSetting, &mut Site)) -> Result<ClientPlan, PlanError> {
        let mut c = ConsoleSetting::default();
        let mut s = site();
        f(&mut c, &mut s);
        plan(&c, &s, "postfix", Capabilities::FULL, false)
    }

    #[test]
    fn defaults_are_587_starttls_ip_auth() {
        let p = with(|_, _| {}).unwrap();
        assert_eq!(p.port, Port::Submission);
        assert_eq!(p.tls, TlsMode::StartTls);
        assert!(p.sasl.is_none());
        assert!(p.connection_reuse);
        assert_eq!(p.max_rcpt_per_transaction, 100);
    }

    #[test]
    fn port_465_is_implicit_tls() {
        let p = with(|_, s| s.port = Some(Port::Smtps)).unwrap();
        assert_eq!(p.tls, TlsMode::Implicit);
    }

    #[test]
    fn smtp_auth_without_tls_is_refused() {
        let e = with(|c, s| {
            c.authentication = Authentication::SmtpAuth;
            c.require_tls = false;
            s.tls = Some(TlsPreference::None);
        })
        .unwrap_err();
        assert!(matches!(e, PlanError::AuthWithoutTls("none")));
    }

    #[test]
    fn require_tls_with_opportunistic_is_refused() {
        let e = with(|_, s| s.tls = Some(TlsPreference::Opportunistic)).unwrap_err();
        assert!(matches!(e, PlanError::RequireTlsWithoutTls(_)));
    }

    #[test]
    fn opportunistic_allowed_without_require_tls() {
        let p = with(|c, s| {
            c.require_tls = false;
            s.tls = Some(TlsPreference::Opportunistic);
        })
        .unwrap();
        assert_eq!(p.tls, TlsMode::Opportunistic);
    }

    #[test]
    fn any_addresses_needs_auth_or_domain_helo() {
        let e = with(|c, s| {
            c.allowed_senders = AllowedSenders::AnyAddresses;
            s.helo = Some("relay.other.org".parse().unwrap());
        })
        .unwrap_err();
        assert!(e.to_string().contains("mail.example.com"), "{e}");
        assert!(with(|c, _| c.allowed_senders = AllowedSenders::AnyAddresses).is_ok());
        assert!(with(|c, s| {
            c.allowed_senders = AllowedSenders::AnyAddresses;
            c.authentication = Authentication::SmtpAuth;
            s.helo = Some("relay.other.org".parse().unwrap());
        })
        .is_ok());
    }

    #[test]
    fn qmail_without_tls() {
        let mut c = ConsoleSetting::default();
        let s = site();
        let no_tls = Capabilities {
            tls: false,
            smtp_auth: false,
            implicit_tls_missing: Some("no TLS at all"),
            spells_helo: true,
        };
        assert!(matches!(
            plan(&c, &s, "qmail", no_tls, false),
            Err(PlanError::MtaCannotTls { .. })
        ));
        let forced = plan(&c, &s, "qmail", no_tls, true).unwrap();
        assert!(forced.notes.iter().any(|n| n.level == NoteLevel::Warning));
        c.require_tls = false;
        assert_eq!(
            plan(&c, &s, "qmail", no_tls, false).unwrap().tls,
            TlsMode::Off
        );
        let mut s465 = site();
        s465.port = Some(Port::Smtps);
        assert!(matches!(
            plan(&c, &s465, "qmail", no_tls, true),
            Err(PlanError::MtaCannotImplicitTls { .. })
        ));
    }

    #[test]
    fn ipv4_only_ranges_limit_egress() {
        let p = with(|c, _| {
            c.ranges.push(IpRange {
                description: "office".into(),
                net: "203.0.114.0/28".parse().unwrap(),
                enabled: true,
            })
        })
        .unwrap();
        assert_eq!(p.egress, Family::V4);
    }

    #[test]
    fn missing_helo_is_an_error() {
        assert_eq!(with(|_, s| s.helo = None).unwrap_err(), PlanError::NoHelo);
    }

    #[test]
    fn missing_helo_is_a_note_for_a_target_that_does_not_spell_it() {
        let mentions = Capabilities {
            spells_helo: false,
            ..Capabilities::FULL
        };
        let c = ConsoleSetting::default();
        let mut s = site();
        s.helo = None;
        let p = plan(&c, &s, "console", mentions, false).unwrap();
        assert_eq!(p.helo, None);
        assert!(
            p.notes.iter().any(|n| n.text.contains("set --helo NAME")),
            "{:?}",
            p.notes
        );
        assert_eq!(p.test_sender(), "postmaster@example.com");
        // "Any addresses" by IP cannot check the HELO name it needs: a warning, not a refusal.
        let any = ConsoleSetting {
            allowed_senders: AllowedSenders::AnyAddresses,
            ..ConsoleSetting::default()
        };
        let p = plan(&any, &s, "console", mentions, false).unwrap();
        assert!(p.notes.iter().any(|n| n.level == NoteLevel::Warning
            && n.text.contains("Any addresses")
            && n.text.contains("set --helo NAME")));
        // A HELO name that is known is still checked.
        s.helo = Some("relay.other.org".parse().unwrap());
        assert!(matches!(
            plan(&any, &s, "console", mentions, false),
            Err(PlanError::AnyAddressesNeedsIdentity { .. })
        ));
    }
}
