//! `relayctl probe` (being written).

use super::Io;
use crate::cli::ProbeArgs;
use crate::error::Error;
use crate::exit::ExitStatus;

/// Runs `relayctl probe`.
pub fn run(_args: ProbeArgs, _io: &mut Io<'_>) -> Result<ExitStatus, Error> {
    Err(Error::Value("not yet implemented".into()))
}
