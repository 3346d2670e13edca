//! What probe and send-test share: the relay host, the HELO name, the TLS trust anchors
//! and the SMTP AUTH credentials, from flags over relay.toml. Secrets come from the
//! environment, a file or a prompt (crate::secret), never from the command line.

use std::net::IpAddr;
use std::time::Duration;

use super::load_config;
use crate::cli::{AuthMechArg, ConnectArgs, CredentialArgs};
use crate::error::Error;
use crate::fsx;
use crate::net::dns::{parse_nameserver, HickoryResolver};
use crate::net::tls::Trust;
use crate::net::{AddressRecord, DnsError, Resolve};
use crate::relay::console::{Authentication, ConsoleSetting};
use crate::relay::names::{generic_reason, Hostname};
use crate::relay::plan::Site;
use crate::relay::DEFAULT_RELAY_HOST;
use crate::secret::{self, Secret};
use crate::smtp::{Credentials, Mechanism, MechanismChoice};

/// A PEM bundle of extra trust anchors is a few certificates, never megabytes.
const MAX_CA_FILE_BYTES: u64 = 1024 * 1024;

/// Where to connect and as whom, resolved from flags and relay.toml.
pub(super) struct Target {
    /// The relay host as given: a DNS name or an IP literal.
    pub host: String,
    /// The HELO/EHLO argument.
    pub helo: String,
    /// Why the HELO name may be refused, when it looks generic (said before connecting).
    pub helo_warning: Option<String>,
    /// The console setting from relay.toml (defaults when there is none).
    pub console: ConsoleSetting,
    /// Whether relay.toml had a console section (else `console` holds defaults).
    pub has_console: bool,
    /// The site from relay.toml.
    pub site: Site,
    /// relay.toml's `mta`, for the recommended `relayctl gen` line.
    pub site_mta: Option<String>,
    /// Extra trust anchors (PEM) from --ca-file.
    pub ca_pem: Option<Vec<u8>>,
}

/// Resolves host, HELO name and trust anchors: flags first, then relay.toml, then the
/// defaults (smtp-relay.gmail.com, this machine's name).
pub(super) fn target(conn: &ConnectArgs) -> Result<Target, Error> {
    let cfg = load_config(conn.config.as_deref())?;
    let has_console = cfg.console.is_some();
    let console = cfg.console.unwrap_or_default();
    let site = cfg.site;
    let host = match &conn.host {
        Some(h) => check_host(h)?,
        None => site
            .relay_host
            .as_ref()
            .map(|h| h.as_str().to_owned())
            .unwrap_or_else(|| DEFAULT_RELAY_HOST.to_owned()),
    };
    let helo = match (&conn.helo, &site.helo) {
        (Some(h), _) => check_helo(h)?,
        (None, Some(h)) => h.as_str().to_owned(),
        (None, None) => crate::host::machine_name().ok_or_else(|| {
            Error::Value(
                "cannot find this machine's host name; give --helo mail.example.com".to_owned(),
            )
        })?,
    };
    let helo_warning = helo_warning(&helo);
    let ca_pem = match &conn.ca_file {
        Some(p) => Some(fsx::read_text_bounded(p, MAX_CA_FILE_BYTES)?.into_bytes()),
        None => None,
    };
    Ok(Target {
        host,
        helo,
        helo_warning,
        console,
        has_console,
        site,
        site_mta: cfg.mta,
        ca_pem,
    })
}

/// The trust anchors: the public roots plus --ca-file, or none with --insecure. A
/// --ca-file without a usable certificate is an input error that names the flag.
pub(super) fn trust(conn: &ConnectArgs, target: &Target) -> Result<Trust, Error> {
    Trust::new(target.ca_pem.as_deref(), conn.insecure).map_err(|e| match &conn.ca_file {
        Some(p) => Error::Value(format!("--ca-file {}: {e}", p.display())),
        None => Error::Value(e.to_string()),
    })
}

/// A host is a DNS name or an IP address (brackets allowed around IPv6).
fn check_host(h: &str) -> Result<String, Error> {
    let bare = h.trim().trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<IpAddr>().is_ok() {
        return Ok(bare.to_owned());
    }
    bare.parse::<Hostname>()
        .map(|n| n.as_str().to_owned())
        .map_err(|e| Error::Value(format!("--host: {e}")))
}

/// The probe may present any HELO name, even a bad one on purpose (to see the relay's
/// answer), but it must be one SMTP can carry: no spaces or control characters.
fn check_helo(h: &str) -> Result<String, Error> {
    let h = h.trim();
    if h.is_empty() || h.len() > 255 || h.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::Value(format!(
            "--helo {h:?} cannot be sent in EHLO (empty, over 255 characters, or spaces)"
        )));
    }
    Ok(h.to_owned())
}

/// Why a HELO name may be refused by the relay (Google help 3726730 and go-mail/mail#63: `421 4.7.0 ... (EHLO)`
/// is what localhost, container ids and single labels get).
fn helo_warning(helo: &str) -> Option<String> {
    if let Some(why) = generic_reason(helo) {
        return Some(format!(
            "HELO {helo:?} is generic ({why}); the relay may answer 421 4.7.0 at EHLO"
        ));
    }
    if helo.parse::<crate::relay::names::HeloName>().is_err() {
        return Some(format!(
            "HELO {helo:?} is not a fully qualified name in your domain; the relay may answer 421 4.7.0 at EHLO"
        ));
    }
    None
}

/// The credentials to use, if any: --auth-user, else relay.toml's site.auth_user when the
/// console setting requires SMTP AUTH. The secret comes from the token file or
/// RELAYCTL_OAUTH_TOKEN (XOAUTH2), else --password-file, RELAYCTL_PASSWORD or a prompt.
pub(super) fn credentials(
    cred: &CredentialArgs,
    target: &Target,
) -> Result<Option<Credentials>, Error> {
    let from_config = matches!(
        target.console.authentication,
        Authentication::SmtpAuth | Authentication::Both
    );
    let user = match (&cred.auth_user, &target.site.auth_user) {
        (Some(u), _) => Some(u.trim().to_owned()),
        (None, Some(u)) if from_config => Some(u.clone()),
        _ => None,
    };
    let Some(user) = user else {
        if cred.password_file.is_some() || cred.oauth_token_file.is_some() {
            return Err(Error::Value(
                "--password-file and --oauth-token-file need --auth-user USER".to_owned(),
            ));
        }
        return Ok(None);
    };
    if user.is_empty() || user.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::Value(format!(
            "--auth-user {user:?} is not a user name"
        )));
    }
    let wants_token = cred.auth_mech == AuthMechArg::Xoauth2 || cred.oauth_token_file.is_some();
    let mechanism = match (cred.auth_mech, wants_token) {
        (AuthMechArg::Plain, _) => MechanismChoice::Fixed(Mechanism::Plain),
        (AuthMechArg::Login, _) => MechanismChoice::Fixed(Mechanism::Login),
        (AuthMechArg::Xoauth2, _) | (AuthMechArg::Auto, true) => {
            MechanismChoice::Fixed(Mechanism::Xoauth2)
        }
        (AuthMechArg::Auto, false) => MechanismChoice::Auto,
    };
    let secret: Secret = if wants_token {
        match &cred.oauth_token_file {
            Some(p) => secret::from_file(p)?,
            None => secret::from_env(secret::OAUTH_TOKEN_ENV)?.ok_or_else(|| {
                Error::Value(format!(
                    "XOAUTH2 needs a token: --oauth-token-file PATH or {}",
                    secret::OAUTH_TOKEN_ENV
                ))
            })?,
        }
    } else {
        match &cred.password_file {
            Some(p) => secret::from_file(p)?,
            None => match secret::from_env(secret::PASSWORD_ENV)? {
                Some(s) => s,
                None => secret::prompt(&format!("password for {user}"))?,
            },
        }
    };
    Ok(Some(Credentials {
        user,
        secret,
        mechanism,
    }))
}

/// The resolver probe and send-test find the relay with (so both word a DNS failure the
/// same way): --nameserver, else the system's servers, each query bounded by --timeout
/// (at most 10 s). None is needed for an address literal.
pub(super) fn resolver(conn: &ConnectArgs, host: &str) -> Result<Box<dyn Resolve>, Error> {
    if host.parse::<IpAddr>().is_ok() {
        return Ok(Box::new(NoDns));
    }
    let nameserver = conn
        .nameserver
        .as_deref()
        .map(parse_nameserver)
        .transpose()
        .map_err(|e| Error::Value(e.to_string()))?;
    let timeout = conn.timeout.min(Duration::from_secs(10));
    let r = HickoryResolver::new(nameserver, timeout).map_err(|e| Error::Value(e.to_string()))?;
    Ok(Box::new(r))
}

/// Stands in for DNS when the host is an address literal.
struct NoDns;

impl Resolve for NoDns {
    fn lookup_ip(&self, _: &str, _: AddressRecord) -> Result<Vec<IpAddr>, DnsError> {
        Err(DnsError::Other("no DNS for an address literal".into()))
    }
    fn lookup_ptr(&self, _: IpAddr) -> Result<Vec<String>, DnsError> {
        Err(DnsError::Other("no DNS for an address literal".into()))
    }
}
