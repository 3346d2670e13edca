//! relayctl's entry point: parse the command line, run the command with the real stdout
//! and stderr, print errors as one `relayctl: ...` line, and return the documented exit
//! code. A broken pipe (`relayctl gen postfix | head`) exits 0 quietly.

use std::io::{self, ErrorKind, Write};
use std::process::ExitCode;

use clap::Parser;
use relayctl::cli::Cli;
use relayctl::commands::{self, Io};
use relayctl::error::Error;

fn main() -> ExitCode {
    // One crypto provider for every rustls user in the process (the probe and lettre):
    // ring, the only one compiled in. Installing fails only if one is already installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help/version on stdout (exit 0); usage errors as one `relayctl: ...` line (exit 2).
        Err(e) => return ExitCode::from(relayctl::usage::report(&e)),
    };
    relayctl::terminal::install();
    // Unlocked handles: each write takes the stream's lock for that write only. Holding a
    // process-wide lock for the whole run deadlocked `probe` on a terminal, where the
    // spinners draw on stderr from another thread (issue 9).
    let mut out = io::stdout();
    let mut err = io::stderr();
    let result = commands::run(
        cli,
        &mut Io {
            out: &mut out,
            err: &mut err,
        },
    );
    if relayctl::terminal::signalled() {
        // The work ended because of Ctrl-C (an interrupted read, say): the handler is
        // clearing up and exits 130 itself; what the work returned is not the user's answer.
        relayctl::terminal::await_exit();
        return ExitCode::from(relayctl::exit::ExitStatus::Interrupted.code());
    }
    match result {
        Ok(status) => ExitCode::from(status.code()),
        Err(Error::Output(e)) if e.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Error::Interrupted) => {
            // The signal handler is clearing up and exits 130 itself, saying so once.
            relayctl::terminal::await_exit();
            ExitCode::from(relayctl::exit::ExitStatus::Interrupted.code())
        }
        Err(e) => {
            let _ = out.flush();
            // Errors quote servers and files: escaped like any untrusted text.
            let _ = writeln!(
                err,
                "relayctl: {}",
                relayctl::report::untrusted(&e.to_string())
            );
            ExitCode::from(e.exit_status().code())
        }
    }
}
