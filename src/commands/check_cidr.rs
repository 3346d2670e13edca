//! `relayctl check cidr`: read the range list (a file or stdin, relay.toml, --range), check
//! it with `check::cidr`, render, and return 1 when a finding reaches --fail-on. The I/O
//! lives here: opening the inputs and asking `host` about IPv6 egress (observed in Ombi-app/Ombi#1442 and firebase/extensions#632).

use std::io::{self, BufReader};
use std::path::Path;

use super::{threshold, Io};
use crate::check::cidr::{Checker, Options, ReadError};
use crate::cli::{CidrArgs, FormatArg, Ipv6EgressArg};
use crate::config;
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::{fsx, host, report};

/// Buffer of the list reader: large reads, few system calls.
const READ_BUFFER_BYTES: usize = 256 << 10;

pub(super) fn run(args: CidrArgs, io: &mut Io<'_>) -> Result<ExitStatus, Error> {
    let egress = match args.ipv6_egress {
        Ipv6EgressArg::No => host::Ipv6Egress::default(),
        Ipv6EgressArg::Yes => host::Ipv6Egress {
            egress: true,
            seen: None,
            ..host::ipv6_egress()
        },
        Ipv6EgressArg::Auto => host::ipv6_egress(),
    };
    let mut checker = Checker::new(Options {
        ipv6_egress: egress.egress,
        ipv6_address: egress.address,
        ipv6_seen: egress.seen.clone(),
    });

    if let Some(path) = &args.file {
        if path.as_os_str() == "-" {
            let src = checker.source("stdin");
            let stdin = io::stdin();
            let reader = BufReader::with_capacity(READ_BUFFER_BYTES, stdin.lock());
            checker
                .read_list(src, reader)
                .map_err(|e| read_error(Path::new("stdin"), e))?;
        } else {
            let src = checker.source(&path.display().to_string());
            let reader = BufReader::with_capacity(READ_BUFFER_BYTES, fsx::open(path)?);
            checker
                .read_list(src, reader)
                .map_err(|e| read_error(path, e))?;
        }
    }
    if let Some(path) = &args.from_config {
        let text = fsx::read_text_bounded(path, config::MAX_CONFIG_BYTES)?;
        let specs = config::range_specs(&text).map_err(|e| Error::Config {
            path: path.clone(),
            line: e.line,
            message: e.message,
        })?;
        let src = checker.source(&path.display().to_string());
        for s in specs {
            checker.check_value(src, s.line as u64, &s.cidr, s.enabled);
        }
    }
    if !args.ranges.is_empty() {
        let src = checker.source("--range");
        for (i, r) in args.ranges.iter().enumerate() {
            checker.check_value(src, i as u64 + 1, r, true);
        }
    }

    let report = checker.finish();
    let written = match (args.format, args.canonical) {
        (FormatArg::Json, _) => report::cidr::write_json(&report, io.out),
        (FormatArg::Text, false) => {
            report::cidr::write_findings(&report, super::stdout_paint(), io.out)
                .and_then(|()| report::cidr::write_summary(&report, io.err))
        }
        (FormatArg::Text, true) => report::cidr::write_canonical(&report, io.out)
            .and_then(|()| report::cidr::write_findings(&report, super::stderr_paint(), io.err))
            .and_then(|()| report::cidr::write_summary(&report, io.err)),
    };
    written.map_err(Error::Output)?;
    // An IPv4-only list on a host with some IPv6 but no egress to the internet (a ULA
    // behind NAT66, no default route): say why no-ipv6-range was not raised.
    if let (false, Some(seen)) = (egress.egress, &egress.seen) {
        let (v4, v6) = report.canonical().fold((false, false), |(v4, v6), n| {
            (v4 || n.addr().is_ipv4(), v6 || n.addr().is_ipv6())
        });
        if v4 && !v6 {
            writeln!(
                io.err,
                "relayctl: note: {seen}; use --ipv6-egress yes if this host does send over IPv6"
            )
            .map_err(Error::Output)?;
        }
    }
    Ok(if report.reaches(threshold(args.fail_on)) {
        ExitStatus::Findings
    } else {
        ExitStatus::Ok
    })
}

/// An unreadable list: exit code 3, naming the input.
fn read_error(path: &Path, e: ReadError) -> Error {
    match e {
        ReadError::Io(source) => Error::Read {
            path: path.to_owned(),
            source,
        },
        other => Error::BadFile {
            path: path.to_owned(),
            message: other.to_string(),
        },
    }
}
