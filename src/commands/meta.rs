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
    match shell {
        Shell::Bash => bash_words_first(&String::from_utf8_lossy(&buf)).into_bytes(),
        Shell::Fish => {
            buf.extend_from_slice(fish_positional_values(&cmd).as_bytes());
            buf
        }
        _ => buf,
    }
}

/// clap_complete's bash script offers `opts` in one list, flags before words, so
/// `relayctl gen <TAB>` showed 22 flags before the 11 targets (the script completes with
/// `-o nosort`). Put the words (subcommands, positional values) first, flags after.
fn bash_words_first(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    for line in script.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let list = trimmed
            .strip_prefix("opts=\"")
            .and_then(|rest| rest.trim_end().strip_suffix('"'));
        match list {
            Some(list) => {
                let (flags, words): (Vec<&str>, Vec<&str>) =
                    list.split_whitespace().partition(|w| w.starts_with('-'));
                let eol = if line.ends_with('\n') { "\n" } else { "" };
                out.push_str(&format!(
                    "{indent}opts=\"{}\"{eol}",
                    [words, flags].concat().join(" ")
                ));
            }
            None => out.push_str(line),
        }
    }
    out
}

/// clap_complete's fish script completes no positional values (`relayctl gen <TAB>` gave
/// file names): one line per subcommand positional with possible values, offered until
/// one of them is on the line.
fn fish_positional_values(cmd: &clap::Command) -> String {
    let mut out = String::new();
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        for arg in sub.get_positionals().filter(|a| !a.is_hide_set()) {
            let values: Vec<clap::builder::PossibleValue> = arg
                .get_possible_values()
                .into_iter()
                .filter(|v| !v.is_hide_set())
                .collect();
            if values.is_empty() {
                continue;
            }
            let names: Vec<&str> = values.iter().map(|v| v.get_name()).collect();
            let items: Vec<String> = values
                .iter()
                .map(|v| {
                    let help = v.get_help().map(|h| h.to_string()).unwrap_or_default();
                    format!("{}\\t'{}'", v.get_name(), fish_escape(&help))
                })
                .collect();
            out.push_str(&format!(
                "complete -c relayctl -n \"__fish_relayctl_using_subcommand {}; and not __fish_seen_subcommand_from {}\" -f -a \"{}\"\n",
                sub.get_name(),
                names.join(" "),
                items.join("\n")
            ));
        }
    }
    out
}

/// As clap_complete escapes fish help texts.
fn fish_escape(s: &str) -> String {
    s.replace('\n', " ")
        .replace('\\', "\\\\")
        .replace('\'', "\\'")
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
        .expect("rendering into memory cannot fail"); // infallible: the message says why
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
