//! `relayctl init`: write a commented relay.toml, atomically, never over an existing file
//! unless --force.

use super::{apply_flags, machine_helo, Io};
use crate::cli::InitArgs;
use crate::config;
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::fsx;
use crate::relay::console::ConsoleSetting;
use crate::relay::plan::Site;

pub(super) fn run(args: InitArgs, io: &mut Io<'_>) -> Result<ExitStatus, Error> {
    let mut console = ConsoleSetting::default();
    let mut site = Site::default();
    apply_flags(&args.setting, &mut console, &mut site)?;
    if site.helo.is_none() {
        // A machine without an FQDN still gets a file, with helo left commented out.
        match machine_helo() {
            Ok(h) => site.helo = Some(h),
            Err(e) => writeln!(io.err, "relayctl: note: {e}").map_err(Error::Output)?,
        }
    }
    let mta = args.mta.map(crate::gen::Target::name);
    let text = config::template(&console, &site, mta);
    fsx::write_atomic(&args.path, text.as_bytes(), args.force)?;
    writeln!(
        io.err,
        "relayctl: wrote {}; edit it to match the Admin console, then run `relayctl gen{}`",
        args.path.display(),
        mta.map(|m| format!(" {m}")).unwrap_or_default()
    )
    .map_err(Error::Output)?;
    Ok(ExitStatus::Ok)
}
