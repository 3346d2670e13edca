//! `relayctl gen`: relay.toml + flags -> plan -> artifact -> text or JSON.

use super::{default_helo, load_setting, Io};
use crate::cli::{EditionArg, FormArg, FormatArg, GenArgs};
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::gen::{self, Edition, Form, Options, Target};
use crate::relay::plan;
use crate::report;

pub(super) fn run(args: GenArgs, io: &mut Io<'_>) -> Result<ExitStatus, Error> {
    let (console, mut site, mta) = load_setting(args.config.as_deref(), &args.setting)?;
    let target = match (args.target, mta) {
        (Some(t), _) => t,
        (None, Some(name)) => Target::from_name(&name).ok_or_else(|| {
            Error::Value(format!(
                "site.mta = {name:?} is not a target; use one of: {}",
                Target::ALL.map(Target::name).join(", ")
            ))
        })?,
        (None, None) => {
            return Err(Error::Value(
                "no target: name one (relayctl gen postfix) or set site.mta in relay.toml"
                    .to_owned(),
            ))
        }
    };
    let opts = Options {
        edition: args.edition.map(edition),
        edge: args.edge,
        form: match args.form {
            None => Form::Natural,
            Some(FormArg::Config) => Form::Config,
            Some(FormArg::Commands) => Form::Commands,
            Some(FormArg::Steps) => Form::Steps,
        },
    };
    // Usage errors (exit 2) before value errors (exit 3) such as this machine's name.
    gen::check_options(target, &opts)?;
    let caps = target.capabilities();
    if site.helo.is_none() {
        site.helo = default_helo(crate::host::machine_name(), caps.spells_helo)?;
    }
    let plan = plan::plan(&console, &site, target.product(), caps, args.force)?;
    let artifact = gen::render(target, &plan, &opts)?;
    let written = match args.format {
        FormatArg::Text => report::gen::write_text(&artifact, io.out, io.err),
        FormatArg::Json => report::gen::write_json(&artifact, &plan, io.out),
    };
    written.map_err(Error::Output)?;
    Ok(ExitStatus::Ok)
}

fn edition(e: EditionArg) -> Edition {
    match e {
        EditionArg::E2000 => Edition::E2000,
        EditionArg::E2003 => Edition::E2003,
        EditionArg::E2007 => Edition::E2007,
        EditionArg::E2010 => Edition::E2010,
        EditionArg::E2013 => Edition::E2013,
        EditionArg::E2016 => Edition::E2016,
        EditionArg::E2019 => Edition::E2019,
    }
}
