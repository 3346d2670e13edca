//! `relayctl send-test` (being written).

use super::Io;
use crate::cli::SendTestArgs;
use crate::error::Error;
use crate::exit::ExitStatus;

/// Runs `relayctl send-test`.
pub fn run(_args: SendTestArgs, _io: &mut Io<'_>) -> Result<ExitStatus, Error> {
    Err(Error::Value("not yet implemented".into()))
}
