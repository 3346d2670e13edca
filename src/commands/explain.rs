//! `relayctl explain` (being written).

use super::Io;
use crate::cli::ExplainArgs;
use crate::error::Error;
use crate::exit::ExitStatus;

/// Runs `relayctl explain`.
pub fn run(_args: ExplainArgs, _io: &mut Io<'_>) -> Result<ExitStatus, Error> {
    Err(Error::Value("not yet implemented".into()))
}
