//! Placeholder while `check cidr` is being written (issue 3).

use super::Io;
use crate::cli::CidrArgs;
use crate::error::Error;
use crate::exit::ExitStatus;

pub(super) fn run(_args: CidrArgs, _io: &mut Io<'_>) -> Result<ExitStatus, Error> {
    Err(Error::Value("check cidr is not written yet".to_owned()))
}
