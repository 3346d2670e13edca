//! relay.toml: parsing with line numbers, and the commented template `relayctl init`
//! writes. Text in, values out: reading the file is the caller's job (see `fsx`).

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::gen::Target;
use crate::relay::console::{parse_range, AllowedSenders, Authentication, ConsoleSetting, IpRange};
use crate::relay::names::{Domain, HeloName, Hostname};
use crate::relay::plan::{InternalRoute, Site, TlsPreference};
use crate::relay::Port;

/// A relay.toml problem at a line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ConfigError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong, one line.
    pub message: String,
}

/// What relay.toml holds: the console setting (with defaults for what is not given),
/// the site, and the preferred target.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RelayConfig {
    /// `[console]`, when present.
    pub console: Option<ConsoleSetting>,
    /// `[site]`.
    pub site: Site,
    /// `site.mta`, the default `gen` target.
    pub mta: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    console: Option<RawConsole>,
    site: Option<RawSite>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConsole {
    description: Option<String>,
    allowed_senders: Option<AllowedSenders>,
    authentication: Option<Authentication>,
    require_tls: Option<bool>,
    #[serde(default)]
    ranges: Vec<RawRange>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    description: Option<String>,
    cidr: Spanned<String>,
    enabled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    mta: Option<Spanned<String>>,
    helo: Option<Spanned<String>>,
    #[serde(default)]
    domains: Vec<Spanned<String>>,
    #[serde(default)]
    internal_domains: Vec<Spanned<RawInternal>>,
    licences: Option<Spanned<i64>>,
    relay_host: Option<Spanned<String>>,
    port: Option<Spanned<i64>>,
    tls: Option<TlsPreference>,
    auth_user: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawInternal {
    Domain(String),
    Route {
        domain: String,
        host: Option<String>,
    },
}

/// Maximum size of relay.toml read into memory; a real one is a few hundred bytes.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Parses relay.toml text. Errors carry the 1-based line of the offending value.
pub fn parse(text: &str) -> Result<RelayConfig, ConfigError> {
    let lines = LineIndex::new(text);
    let raw: Raw = toml::from_str(text).map_err(|e| ConfigError {
        line: e.span().map(|s| lines.line(s.start)).unwrap_or(1),
        message: e.message().trim().replace('\n', " "),
    })?;
    let at = |span: Range<usize>, message: String| ConfigError {
        line: lines.line(span.start),
        message,
    };

    let console = raw
        .console
        .map(|c| -> Result<ConsoleSetting, ConfigError> {
            let d = ConsoleSetting::default();
            let mut ranges = Vec::new();
            for (i, r) in c.ranges.into_iter().enumerate() {
                let net = parse_range(r.cidr.get_ref())
                    .map_err(|e| at(r.cidr.span(), format!("console.ranges[{i}].cidr: {e}")))?;
                ranges.push(IpRange {
                    description: r.description.unwrap_or_else(|| format!("range {}", i + 1)),
                    net,
                    enabled: r.enabled.unwrap_or(true),
                });
            }
            Ok(ConsoleSetting {
                description: c.description.unwrap_or(d.description),
                allowed_senders: c.allowed_senders.unwrap_or(d.allowed_senders),
                authentication: c.authentication.unwrap_or(d.authentication),
                ranges,
                require_tls: c.require_tls.unwrap_or(d.require_tls),
            })
        })
        .transpose()?;

    let mut cfg = RelayConfig {
        console,
        ..RelayConfig::default()
    };
    let Some(s) = raw.site else {
        return Ok(cfg);
    };
    if let Some(m) = s.mta {
        if Target::from_name(m.get_ref()).is_none() {
            return Err(at(m.span(), unknown_mta(m.get_ref())));
        }
        cfg.mta = Some(m.into_inner());
    }
    if let Some(h) = s.helo {
        let v = h
            .get_ref()
            .parse::<HeloName>()
            .map_err(|e| at(h.span(), format!("site.helo: {e}")))?;
        cfg.site.helo = Some(v);
    }
    for d in s.domains {
        let v = d
            .get_ref()
            .parse::<Domain>()
            .map_err(|e| at(d.span(), format!("site.domains: {e}")))?;
        cfg.site.domains.push(v);
    }
    for r in s.internal_domains {
        let span = r.span();
        let (domain, host) = match r.into_inner() {
            RawInternal::Domain(d) => (d, None),
            RawInternal::Route { domain, host } => (domain, host),
        };
        let route = parse_internal_parts(&domain, host.as_deref())
            .map_err(|e| at(span.clone(), format!("site.internal_domains: {e}")))?;
        cfg.site.internal.push(route);
    }
    if let Some(l) = s.licences {
        let n = u32::try_from(*l.get_ref())
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                at(
                    l.span(),
                    format!("site.licences: {} is not a positive number", l.get_ref()),
                )
            })?;
        cfg.site.licences = Some(n);
    }
    if let Some(h) = s.relay_host {
        let v = h
            .get_ref()
            .parse::<Hostname>()
            .map_err(|e| at(h.span(), format!("site.relay_host: {e}")))?;
        cfg.site.relay_host = Some(v);
    }
    if let Some(p) = s.port {
        let v =
            Port::try_from(*p.get_ref()).map_err(|e| at(p.span(), format!("site.port: {e}")))?;
        cfg.site.port = Some(v);
    }
    cfg.site.tls = s.tls;
    if let Some(u) = s.auth_user {
        let v = u.get_ref().trim();
        if v.is_empty() || v.contains(char::is_whitespace) {
            return Err(at(
                u.span(),
                format!("site.auth_user: {:?} is not a user name", u.get_ref()),
            ));
        }
        cfg.site.auth_user = Some(v.to_owned());
    }
    Ok(cfg)
}

/// Why `site.mta = name` is refused: the valid targets, and the nearest one when the name
/// looks like a typo of it.
fn unknown_mta(name: &str) -> String {
    let names = Target::ALL.map(Target::name);
    let lower = name.trim().to_ascii_lowercase();
    let near = names
        .iter()
        .map(|t| (strsim::levenshtein(&lower, t), *t))
        .min()
        .filter(|(d, _)| *d <= 2)
        .map(|(_, t)| format!("; did you mean {t:?}?"))
        .unwrap_or_default();
    format!(
        "site.mta: {name:?} is not a target; use one of: {}{near}",
        names.join(", ")
    )
}

/// One `[[console.ranges]]` entry as written, before the console's checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeSpec {
    /// The `cidr` value, unchecked.
    pub cidr: String,
    /// 1-based line of the `cidr` value.
    pub line: usize,
    /// The `enabled` value (true when absent).
    pub enabled: bool,
}

/// The ranges of relay.toml as written, with their lines, for `check cidr`, which reports a
/// bad range as a finding where [`parse`] refuses the file. The file must still be TOML of
/// the right shape; other values are not checked here.
pub fn range_specs(text: &str) -> Result<Vec<RangeSpec>, ConfigError> {
    let lines = LineIndex::new(text);
    let raw: Raw = toml::from_str(text).map_err(|e| ConfigError {
        line: e.span().map(|s| lines.line(s.start)).unwrap_or(1),
        message: e.message().trim().replace('\n', " "),
    })?;
    Ok(raw
        .console
        .map(|c| c.ranges)
        .unwrap_or_default()
        .into_iter()
        .map(|r| RangeSpec {
            line: lines.line(r.cidr.span().start),
            cidr: r.cidr.into_inner(),
            enabled: r.enabled.unwrap_or(true),
        })
        .collect())
}

/// Parses `corp.example.com` or `corp.example.com=mailhub.corp.example.com` (the flag form).
pub fn parse_internal(spec: &str) -> Result<InternalRoute, String> {
    match spec.split_once('=') {
        Some((d, h)) => parse_internal_parts(d, Some(h)),
        None => parse_internal_parts(spec, None),
    }
}

fn parse_internal_parts(domain: &str, host: Option<&str>) -> Result<InternalRoute, String> {
    let domain = domain.parse::<Domain>().map_err(|e| e.to_string())?;
    let host = host
        .map(|h| h.parse::<Hostname>().map_err(|e| e.to_string()))
        .transpose()?;
    Ok(InternalRoute { domain, host })
}

/// Byte offset -> 1-based line number.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        LineIndex(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }

    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

/// The commented relay.toml `relayctl init` writes, with the given values filled in.
pub fn template(console: &ConsoleSetting, site: &Site, mta: Option<&str>) -> String {
    let q = |s: &str| format!("{s:?}");
    let list = |v: Vec<String>| {
        format!(
            "[{}]",
            v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
        )
    };
    let senders = match console.allowed_senders {
        AllowedSenders::RegisteredUsers => "registered-users",
        AllowedSenders::DomainAddresses => "domain-addresses",
        AllowedSenders::AnyAddresses => "any-addresses",
    };
    let auth = match console.authentication {
        Authentication::Ip => "ip",
        Authentication::SmtpAuth => "smtp-auth",
        Authentication::Both => "both",
    };
    let mut t = String::new();
    t.push_str("# relay.toml: your Google Workspace SMTP relay setting, read by relayctl.\n");
    t.push_str(
        "# Flags on the command line win over these values. Written by `relayctl init`.\n\n",
    );
    t.push_str("# The Admin console setting: Apps > Google Workspace > Gmail > Routing >\n# \"SMTP relay service\". Copy what the console shows.\n");
    t.push_str("[console]\n");
    t.push_str(&format!("description = {}\n", q(&console.description)));
    t.push_str("# Allowed senders: \"registered-users\" (Only registered Apps users in my domains),\n#   \"domain-addresses\" (Only addresses in my domains), \"any-addresses\" (Any addresses).\n");
    t.push_str(&format!("allowed_senders = {}\n", q(senders)));
    t.push_str("# Authentication: \"ip\" (Only accept mail from the specified IP addresses),\n#   \"smtp-auth\" (Require SMTP Authentication; needs TLS), or \"both\".\n");
    t.push_str(&format!("authentication = {}\n", q(auth)));
    t.push_str("# Require TLS encryption.\n");
    t.push_str(&format!("require_tls = {}\n", console.require_tls));
    t.push_str("\n# One [[console.ranges]] per entry of the IP address list: your PUBLIC addresses,\n# at most 65,536 addresses each (IPv4 /16 or longer, IPv6 /112 or longer).\n");
    if console.ranges.is_empty() {
        t.push_str("# [[console.ranges]]\n# description = \"Office\"\n# cidr = \"203.0.113.0/28\"\n# enabled = true\n");
    }
    for r in &console.ranges {
        t.push_str(&format!(
            "[[console.ranges]]\ndescription = {}\ncidr = {}\nenabled = {}\n",
            q(&r.description),
            q(&r.net.to_string()),
            r.enabled
        ));
    }
    t.push_str("\n# This server.\n[site]\n");
    t.push_str("# The default target of `relayctl gen`: postfix, sendmail, qmail, exchange, domino,\n#   groupwise, macos, exim, opensmtpd, msmtp or console.\n");
    match mta {
        Some(m) => t.push_str(&format!("mta = {}\n", q(m))),
        None => t.push_str("# mta = \"postfix\"\n"),
    }
    t.push_str("# The name this server presents in HELO/EHLO: its fully qualified name, never\n#   localhost (the relay answers 421 4.7.0).\n");
    match &site.helo {
        Some(h) => t.push_str(&format!("helo = {}\n", q(h.as_str()))),
        None => t.push_str("# helo = \"mail.example.com\"\n"),
    }
    t.push_str("# Your domains as registered in Google Workspace.\n");
    t.push_str(&format!(
        "domains = {}\n",
        list(site.domains.iter().map(|d| d.to_string()).collect())
    ));
    t.push_str("# Domains that must not go to Google: \"corp.example.com\" (normal MX delivery)\n#   or { domain = \"corp.example.com\", host = \"mailhub.corp.example.com\" }.\n");
    let internal: Vec<String> = site
        .internal
        .iter()
        .map(|r| match &r.host {
            Some(h) => format!(
                "{{ domain = {}, host = {} }}",
                q(r.domain.as_str()),
                q(h.as_str())
            ),
            None => q(r.domain.as_str()),
        })
        .collect();
    t.push_str(&format!("internal_domains = [{}]\n", internal.join(", ")));
    t.push_str("# Number of user licences (for the sending-limit notes).\n");
    match site.licences {
        Some(n) => t.push_str(&format!("licences = {n}\n")),
        None => t.push_str("# licences = 25\n"),
    }
    t.push_str("# relay_host = \"smtp-relay.gmail.com\"\n");
    t.push_str("# Port: 587 (STARTTLS; the default), 465 (TLS on connect) or 25.\n");
    match site.port {
        Some(p) => t.push_str(&format!("port = {}\n", p.number())),
        None => t.push_str("# port = 587\n"),
    }
    t.push_str("# Client TLS: \"required\" (the default), \"opportunistic\" or \"none\" (only when\n#   Require TLS is off and authentication is by IP address).\n# tls = \"required\"\n");
    t.push_str("# The Workspace user for SMTP AUTH. The password is never stored here: relayctl\n#   reads it from RELAYCTL_PASSWORD, --password-file or a prompt.\n");
    match &site.auth_user {
        Some(u) => t.push_str(&format!("auth_user = {}\n", q(u))),
        None => t.push_str("# auth_user = \"relay@example.com\"\n"),
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_file() {
        let cfg = parse(
            r#"
[console]
allowed_senders = "any-addresses"
authentication = "both"
require_tls = false
[[console.ranges]]
description = "office"
cidr = "203.0.114.0/28"

[site]
mta = "postfix"
helo = "mail.example.com"
domains = ["example.com"]
internal_domains = ["corp.example.com", { domain = "lab.example.com", host = "mx.lab.example.com" }]
port = 465
tls = "required"
auth_user = "relay@example.com"
licences = 40
"#,
        )
        .unwrap();
        let c = cfg.console.unwrap();
        assert_eq!(c.allowed_senders, AllowedSenders::AnyAddresses);
        assert_eq!(c.authentication, Authentication::Both);
        assert!(c.ranges[0].enabled);
        assert_eq!(cfg.site.port, Some(Port::Smtps));
        assert_eq!(cfg.site.internal.len(), 2);
        assert_eq!(cfg.mta.as_deref(), Some("postfix"));
    }

    #[test]
    fn errors_name_the_line() {
        let cases: &[(&str, &str, usize, &str)] = &[
            (
                "bad port",
                "[site]\n\nport = 2525\n",
                3,
                "2525 is not 25, 465 or 587",
            ),
            (
                "bad cidr",
                "[console]\n[[console.ranges]]\ncidr = \"10.0.0.0/24\"\n",
                3,
                "private",
            ),
            (
                "localhost helo",
                "[site]\nhelo = \"localhost\"\n",
                2,
                "generic",
            ),
            (
                "unknown key",
                "[site]\nhelo_name = \"x\"\n",
                2,
                "unknown field",
            ),
            (
                "bad enum",
                "[console]\nauthentication = \"password\"\n",
                2,
                "unknown variant",
            ),
            ("syntax", "[site\n", 1, ""),
            ("bad licences", "[site]\nlicences = -3\n", 2, "positive"),
            (
                "unknown mta, a typo",
                "[site]\n\nmta = \"postfx\"\n",
                3,
                "site.mta: \"postfx\" is not a target; use one of: postfix, sendmail, qmail, exchange, domino, groupwise, macos, exim, opensmtpd, msmtp, console; did you mean \"postfix\"?",
            ),
            (
                "unknown mta, nothing near",
                "[site]\nmta = \"lotus notes\"\n",
                2,
                "use one of: postfix,",
            ),
        ];
        for (why, text, line, needle) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, *line, "{why}: {e}");
            assert!(e.message.contains(needle), "{why}: {e}");
            assert!(!e.message.contains('\n'), "{why}: one line");
        }
    }

    #[test]
    fn mta_names_every_target_and_suggests_only_near_ones() {
        for t in Target::ALL {
            let cfg = parse(&format!("[site]\nmta = {:?}\n", t.name())).unwrap();
            assert_eq!(cfg.mta.as_deref(), Some(t.name()));
        }
        let cases = [
            ("Postfix", Some("postfix")),
            ("exim4", Some("exim")),
            ("opensmtp", Some("opensmtpd")),
            ("exchang", Some("exchange")),
            ("lotus notes", None),
            ("", None),
        ];
        for (name, near) in cases {
            let m = unknown_mta(name);
            match near {
                Some(t) => assert!(m.ends_with(&format!("did you mean {t:?}?")), "{name}: {m}"),
                None => assert!(!m.contains("did you mean"), "{name}: {m}"),
            }
        }
    }

    #[test]
    fn range_specs_keep_bad_ranges_with_their_lines() {
        let text = "[console]\n[[console.ranges]]\ncidr = \"10.0.0.0/24\"\n\n[[console.ranges]]\ndescription = \"x\"\ncidr = \"203.0.114.0/28\"\nenabled = false\n";
        let specs = range_specs(text).unwrap();
        assert_eq!(
            specs,
            vec![
                RangeSpec {
                    cidr: "10.0.0.0/24".to_owned(),
                    line: 3,
                    enabled: true
                },
                RangeSpec {
                    cidr: "203.0.114.0/28".to_owned(),
                    line: 7,
                    enabled: false
                },
            ]
        );
        assert!(
            parse(text).is_err(),
            "parse still refuses the private range"
        );
        assert_eq!(range_specs("[site]\n").unwrap(), vec![]);
        assert_eq!(range_specs("[console\n").unwrap_err().line, 1);
    }

    #[test]
    fn template_round_trips() {
        let site = Site {
            helo: Some("mail.example.com".parse().unwrap()),
            domains: vec!["example.com".parse().unwrap()],
            internal: vec![parse_internal("corp.example.com=hub.corp.example.com").unwrap()],
            ..Site::default()
        };
        let console = ConsoleSetting::default();
        let text = template(&console, &site, Some("postfix"));
        let back = parse(&text).unwrap();
        assert_eq!(back.console.unwrap(), console);
        assert_eq!(back.site, site);
        assert_eq!(back.mta.as_deref(), Some("postfix"));
    }
}
