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
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let result = commands::run(
        cli,
        &mut Io {
            out: &mut out,
            err: &mut err,
        },
    );
    match result {
        Ok(status) => ExitCode::from(status.code()),
        Err(Error::Output(e)) if e.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            let _ = writeln!(err, "relayctl: {e}");
            ExitCode::from(e.exit_status().code())
        }
    }
}
