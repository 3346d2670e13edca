//! Placeholder while `check helo` is being written (issue 3).

use super::Io;
use crate::cli::HeloArgs;
use crate::error::Error;
use crate::exit::ExitStatus;

pub(super) fn run(_args: HeloArgs, _io: &mut Io<'_>) -> Result<ExitStatus, Error> {
    Err(Error::Value("check helo is not written yet".to_owned()))
}
