//! `relayctl completions` and the hidden `relayctl man`: generated from `cli::command()`,
//! so they never drift from the real flags (committed copies are checked by a test).

use std::path::Path;

use super::Io;
use crate::cli::{CompletionsArgs, ManArgs, ShellArg};
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::fsx;

pub(super) fn completions(args: CompletionsArgs, io: &mut Io<'_>) -> Result<ExitStatus, Error> {
    io.out
        .write_all(&completion_script(args.shell))
        .map_err(Error::Output)?;
    Ok(ExitStatus::Ok)
}

/// The completion script for `shell`.
pub fn completion_script(shell: ShellArg) -> Vec<u8> {
    use clap_complete::Shell;
    let shell = match shell {
        ShellArg::Bash => Shell::Bash,
        ShellArg::Zsh => Shell::Zsh,
        ShellArg::Fish => Shell::Fish,
        ShellArg::Powershell => Shell::PowerShell,
        ShellArg::Elvish => Shell::Elvish,
    };
    let mut cmd = crate::cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "relayctl", &mut buf);
    buf
}

/// The man pages: (file name, roff text) for relayctl.1 and each visible subcommand at
/// every depth (`relayctl-check.1`, `relayctl-check-cidr.1`, ...). The pages are named
/// `relayctl-gen` but their synopses read `relayctl gen`, as typed; clap's `help`
/// subcommand gets no page and is not listed (`--help` is).
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    // Built once from the root, so every subcommand knows its display name
    // (`relayctl-check-cidr`) and its bin name (`relayctl check cidr`).
    let mut cmd = crate::cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    add_pages(&cmd, &mut pages);
    pages
}

fn add_pages(cmd: &clap::Command, pages: &mut Vec<(String, Vec<u8>)>) {
    let man = clap_mangen::Man::new(cmd.clone())
        .source(format!("relayctl {}", env!("CARGO_PKG_VERSION")));
    let mut buf = Vec::new();
    man.render(&mut buf)
        .expect("rendering into memory cannot fail");
    pages.push((man.get_filename(), buf));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        add_pages(sub, pages);
    }
}

pub(super) fn man(args: ManArgs) -> Result<ExitStatus, Error> {
    std::fs::create_dir_all(&args.out_dir).map_err(|source| Error::Write {
        path: args.out_dir.clone(),
        source,
    })?;
    for (name, text) in man_pages() {
        fsx::write_atomic(&Path::new(&args.out_dir).join(name), &text, true)?;
    }
    Ok(ExitStatus::Ok)
}
