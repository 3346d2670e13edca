//! `relayctl check helo NAME`: the name rules, then DNS evidence (A/AAAA, forward-confirmed
//! reverse DNS for --ip), then the domain rule; findings on stdout, a summary on stderr.
//! Builds the DNS adapter itself (there is no shared context yet) and asks DNS only when
//! the name is worth looking up.

use std::time::Duration;

use super::{threshold, Io};
use crate::check::{helo, reaches};
use crate::cli::{FormatArg, HeloArgs};
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::net::dns::{parse_nameserver, HickoryResolver};
use crate::relay::names::Domain;

pub(super) fn run(args: HeloArgs, io: &mut Io<'_>) -> Result<ExitStatus, Error> {
    let domains = args
        .domains
        .iter()
        .map(|d| {
            d.parse::<Domain>()
                .map_err(|e| Error::Value(format!("--domain: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let nameserver = args
        .nameserver
        .as_deref()
        .map(parse_nameserver)
        .transpose()
        .map_err(|e| Error::Value(e.to_string()))?;
    let timeout = Duration::from_secs(args.timeout);

    let name = helo::check_name(&args.name, &domains);
    let mut endpoint = None;
    let evidence = match name.dns_target() {
        None => None,
        Some(host) => {
            let resolver = HickoryResolver::new(nameserver, timeout)
                .map_err(|e| Error::Value(e.to_string()))?;
            let ev = helo::gather(host, args.ip, &resolver);
            if let Some(asked) = ev.unanswered() {
                return Err(Error::Network {
                    endpoint: resolver.endpoint().to_owned(),
                    message: format!(
                        "no answer from the name server within {} s to any query ({asked}); check --nameserver or the network",
                        args.timeout
                    ),
                });
            }
            endpoint = Some(resolver.endpoint().to_owned());
            Some(ev)
        }
    };
    let report = helo::report(name, args.ip, domains, evidence);

    match args.format {
        FormatArg::Text => crate::report::helo::write_text(
            &report,
            endpoint.as_deref(),
            super::stdout_paint(),
            &mut *io.out,
            &mut *io.err,
        ),
        FormatArg::Json => {
            crate::report::helo::write_json(&report, endpoint.as_deref(), &mut *io.out)
        }
    }
    .map_err(Error::Output)?;

    Ok(if reaches(&report.findings, threshold(args.fail_on)) {
        ExitStatus::Findings
    } else {
        ExitStatus::Ok
    })
}
