//! The error type of relayctl's commands. Each variant carries what the user needs to fix
//! the problem (path and line, the value, the fix) and decides its own exit status.
//! `Display` is one line, lower case, without a trailing period; `main` prefixes `relayctl: `.

use std::io;
use std::path::PathBuf;

use crate::exit::ExitStatus;
use crate::gen::GenError;
use crate::relay::plan::PlanError;

/// Why a command could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file relayctl was asked to read could not be read.
    #[error("{}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    /// A file was read but its content is unusable as a whole (too large, not UTF-8).
    #[error("{}: {message}", path.display())]
    BadFile { path: PathBuf, message: String },
    /// relay.toml has a bad value at a line.
    #[error("{}:{line}: {message}", path.display())]
    Config {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// The setting is inconsistent.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The target cannot satisfy the request.
    #[error(transparent)]
    Gen(#[from] GenError),
    /// A value given on the command line or in the configuration is unusable.
    #[error("{0}")]
    Value(String),
    /// `init` would overwrite a file.
    #[error("{} already exists; pass --force to overwrite it", path.display())]
    Exists { path: PathBuf },
    /// A file could not be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    /// A network peer (a DNS server, the relay) could not be reached or did not answer
    /// before any result could be had.
    #[error("{endpoint}: {message}")]
    Network { endpoint: String, message: String },
    /// Writing the output failed (other than a broken pipe, which is not an error).
    #[error("cannot write output: {0}")]
    Output(#[source] io::Error),
    /// Ctrl-C (SIGINT) arrived while relayctl waited for the user (the password prompt).
    #[error("interrupted")]
    Interrupted,
}

impl Error {
    /// The documented exit status for this error.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::Read { .. }
            | Error::BadFile { .. }
            | Error::Config { .. }
            | Error::Plan(_)
            | Error::Gen(GenError::Unsupported { .. })
            | Error::Value(_)
            | Error::Exists { .. }
            | Error::Write { .. }
            | Error::Output(_) => ExitStatus::Input,
            Error::Network { .. } => ExitStatus::Network,
            Error::Interrupted => ExitStatus::Interrupted,
            // A missing --edition, --edge on the wrong target, an --as form the target
            // lacks: the command line is wrong, as with clap's own usage errors.
            Error::Gen(_) => ExitStatus::Usage,
        }
    }
}
