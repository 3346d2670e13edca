//! One file per subcommand: convert arguments into domain values, compute, hand the result
//! to `report`, return an exit status. This file dispatches and holds what they share:
//! the output streams and the loading of relay.toml plus flags.

mod check_cidr;
mod check_helo;
mod connect;
mod explain;
mod gen;
mod init;
mod lint;
pub mod meta;
mod probe;
mod progress;
mod send_test;
mod sim;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::check::Severity;
use crate::cli::{AllowedSendersArg, AuthArg, CheckCommand, Cli, Command, FailOnArg};
use crate::cli::{SettingArgs, TlsArg};
use crate::config::{self, RelayConfig};
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::fsx;
use crate::relay::console::{AllowedSenders, Authentication, ConsoleSetting, IpRange};
use crate::relay::names::HeloName;
use crate::relay::plan::{Site, TlsPreference};

/// Where a command writes: stdout for data, stderr for diagnostics.
pub struct Io<'a> {
    /// Data.
    pub out: &'a mut dyn Write,
    /// Progress, notes, diagnostics.
    pub err: &'a mut dyn Write,
}

/// Runs the parsed command line.
pub fn run(cli: Cli, io: &mut Io<'_>) -> Result<ExitStatus, Error> {
    // Decided once for every command; the first call wins (one command per process).
    let _ = COLOR.set(cli.color);
    if cli.quiet {
        // Everything a command writes on stderr is progress, a note, a warning or a
        // summary; a failure is printed by main from the returned error, so it stays.
        let mut sink = std::io::sink();
        let mut quiet = Io {
            out: &mut *io.out,
            err: &mut sink,
        };
        return dispatch(cli.command, &mut quiet, false);
    }
    dispatch(cli.command, io, true)
}

/// Runs one command; `progress`: spinners may be drawn (on a terminal).
fn dispatch(command: Command, io: &mut Io<'_>, progress: bool) -> Result<ExitStatus, Error> {
    let _ = PROGRESS.set(progress);
    match command {
        Command::Init(args) => init::run(args, io),
        Command::Gen(args) => gen::run(args, io),
        Command::Check(CheckCommand::Cidr(args)) => check_cidr::run(args, io),
        Command::Check(CheckCommand::Helo(args)) => check_helo::run(args, io),
        Command::Probe(args) => probe::run(args, io),
        Command::SendTest(args) => send_test::run(args, io),
        Command::Explain(args) => explain::run(args, io),
        Command::Lint(args) => lint::run(args, io),
        Command::Sim(args) => sim::run(args, io),
        Command::Completions(args) => meta::completions(args, io),
        Command::Man(args) => meta::man(args),
    }
}

/// Whether spinners may be drawn (not with `--quiet`), set once by [`run`].
static PROGRESS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Whether to draw spinners: not with `--quiet`, only on a terminal's stderr.
fn spinners_wanted() -> bool {
    PROGRESS.get().copied().unwrap_or(true) && std::io::stderr().is_terminal()
}

/// `--color`, set once by [`run`].
static COLOR: std::sync::OnceLock<crate::cli::ColorArg> = std::sync::OnceLock::new();

/// Colour for what goes to stdout: `--color always|never`, else a terminal, NO_COLOR unset
/// or empty (https://no-color.org), or CLICOLOR_FORCE set and not `0` (even on a pipe).
fn stdout_paint() -> crate::report::Paint {
    paint_for(std::io::stdout().is_terminal())
}

/// Colour for findings written to stderr (with `--canonical`, stdout holds the list).
fn stderr_paint() -> crate::report::Paint {
    paint_for(std::io::stderr().is_terminal())
}

fn paint_for(terminal: bool) -> crate::report::Paint {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let force = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
    let color = match COLOR.get().copied().unwrap_or(crate::cli::ColorArg::Auto) {
        crate::cli::ColorArg::Always => true,
        crate::cli::ColorArg::Never => false,
        crate::cli::ColorArg::Auto => !no_color && (terminal || force),
    };
    crate::report::Paint { color }
}

/// The default relay.toml, used when it exists and no --config is given.
const DEFAULT_CONFIG: &str = "relay.toml";

/// Reads relay.toml (the given path, or ./relay.toml when present) and applies the flags
/// over it. The HELO name stays `None` when neither gives one (see [`default_helo`]).
fn load_setting(
    config_path: Option<&Path>,
    flags: &SettingArgs,
) -> Result<(ConsoleSetting, Site, Option<String>), Error> {
    let cfg = load_config(config_path)?;
    let mut console = cfg.console.unwrap_or_default();
    let mut site = cfg.site;
    apply_flags(flags, &mut console, &mut site)?;
    Ok((console, site, cfg.mta))
}

/// Reads relay.toml: the given path, or ./relay.toml when present, or nothing.
fn load_config(config_path: Option<&Path>) -> Result<RelayConfig, Error> {
    let path = match config_path {
        Some(p) => Some(p.to_owned()),
        None => Some(PathBuf::from(DEFAULT_CONFIG)).filter(|p| p.is_file()),
    };
    match &path {
        Some(p) => {
            let text = fsx::read_text_bounded(p, config::MAX_CONFIG_BYTES)?;
            config::parse(&text).map_err(|e| Error::Config {
                path: p.clone(),
                line: e.line,
                message: e.message,
            })
        }
        None => Ok(RelayConfig::default()),
    }
}

/// Applies the setting flags over values from relay.toml (flags win).
fn apply_flags(
    f: &SettingArgs,
    console: &mut ConsoleSetting,
    site: &mut Site,
) -> Result<(), Error> {
    if let Some(a) = f.allowed_senders {
        console.allowed_senders = match a {
            AllowedSendersArg::RegisteredUsers => AllowedSenders::RegisteredUsers,
            AllowedSendersArg::DomainAddresses => AllowedSenders::DomainAddresses,
            AllowedSendersArg::AnyAddresses => AllowedSenders::AnyAddresses,
        };
    }
    if let Some(a) = f.auth {
        console.authentication = match a {
            AuthArg::Ip => Authentication::Ip,
            AuthArg::SmtpAuth => Authentication::SmtpAuth,
            AuthArg::Both => Authentication::Both,
        };
    }
    if f.require_tls {
        console.require_tls = true;
    }
    if f.no_require_tls {
        console.require_tls = false;
    }
    if !f.ranges.is_empty() {
        console.ranges = f
            .ranges
            .iter()
            .enumerate()
            .map(|(i, net)| IpRange {
                description: format!("range {}", i + 1),
                net: *net,
                enabled: true,
            })
            .collect();
    }
    if let Some(h) = &f.helo {
        site.helo = Some(h.clone());
    }
    if !f.domains.is_empty() {
        site.domains = f.domains.clone();
    }
    if !f.internal_domains.is_empty() {
        site.internal = f
            .internal_domains
            .iter()
            .map(|s| {
                config::parse_internal(s)
                    .map_err(|e| Error::Value(format!("--internal-domain {s}: {e}")))
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(h) = &f.relay_host {
        site.relay_host = Some(h.clone());
    }
    if let Some(p) = f.port {
        site.port = Some(p);
    }
    if let Some(t) = f.tls {
        site.tls = Some(match t {
            TlsArg::Required => TlsPreference::Required,
            TlsArg::Opportunistic => TlsPreference::Opportunistic,
            TlsArg::None => TlsPreference::None,
        });
    }
    if let Some(u) = &f.auth_user {
        let u = u.trim();
        if u.is_empty() || u.contains(char::is_whitespace) {
            return Err(Error::Value(format!(
                "--auth-user {u:?} is not a user name"
            )));
        }
        site.auth_user = Some(u.to_owned());
    }
    if let Some(n) = f.licences {
        site.licences = Some(n);
    }
    Ok(())
}

/// The machine's FQDN as a HELO name, or an error that says what to do.
fn machine_helo() -> Result<HeloName, Error> {
    helo_from_machine(crate::host::machine_name())
}

/// The HELO name when neither relay.toml nor a flag gives one: the machine's name
/// (`machine`, from [`crate::host::machine_name`]). When it is missing or unusable, that is
/// an error if the output `needed` a HELO name, else `None` (the plan then says to set one).
fn default_helo(machine: Option<String>, needed: bool) -> Result<Option<HeloName>, Error> {
    match helo_from_machine(machine) {
        Ok(h) => Ok(Some(h)),
        Err(e) if needed => Err(e),
        Err(_) => Ok(None),
    }
}

/// [`machine_helo`] on a given machine name.
fn helo_from_machine(name: Option<String>) -> Result<HeloName, Error> {
    let name = name.ok_or_else(|| {
        Error::Value(
            "cannot find this machine's host name; set --helo mail.example.com or site.helo in relay.toml"
                .to_owned(),
        )
    })?;
    name.parse().map_err(|e| {
        Error::Value(format!(
            "this machine's name cannot be the HELO name: {e}; set --helo mail.example.com or site.helo in relay.toml"
        ))
    })
}

/// The severity `--fail-on` names.
fn threshold(f: FailOnArg) -> Severity {
    match f {
        FailOnArg::Error => Severity::Error,
        FailOnArg::Warning => Severity::Warning,
    }
}

#[cfg(test)]
mod tests {
    use super::default_helo;
    use crate::error::Error;

    #[test]
    fn default_helo_is_refused_only_where_the_output_needs_it() {
        let fqdn = Some("mail.example.com".to_owned());
        for needed in [true, false] {
            let h = default_helo(fqdn.clone(), needed).unwrap();
            assert_eq!(h.unwrap().as_str(), "mail.example.com", "needed {needed}");
        }
        // A single-label host name (a fresh VM's `vm`), or none at all.
        for machine in [Some("vm".to_owned()), Some("localhost".to_owned()), None] {
            assert_eq!(
                default_helo(machine.clone(), false).unwrap(),
                None,
                "{machine:?}"
            );
            match default_helo(machine.clone(), true) {
                Err(e @ Error::Value(_)) => {
                    let m = e.to_string();
                    assert!(m.contains("set --helo"), "{m}");
                    assert_eq!(e.exit_status().code(), 3);
                }
                other => panic!("{machine:?}: {other:?}"),
            }
        }
    }
}
