//! `relayctl probe`: resolve the relay, talk to every port and address at once, and print
//! the verdicts (table, transcript, JSON or a monitoring-plugins line). Builds the real
//! adapters (hickory resolver, TCP + rustls dialer) and the spinners; the probe itself
//! sees only traits.

use super::connect::{self, Target};
use super::progress::Progress;
use super::Io;
use crate::cli::{ProbeArgs, ProbeFormatArg};
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::net::smtp::TcpDialer;
use crate::net::Resolve;
use crate::probe::{self, Context, Event, Family, ProbeRequest, Status};
use crate::report::probe as render;
use crate::smtp::PortSpec;

/// Runs `relayctl probe`.
pub(super) fn run(args: ProbeArgs, io: &mut Io<'_>) -> Result<ExitStatus, Error> {
    let nagios = args.format == ProbeFormatArg::Nagios;
    match probe(&args, io) {
        // A monitoring system reads UNKNOWN (3) for "could not check", whatever the cause.
        Err(e) if nagios => {
            writeln!(
                io.out,
                "RELAY UNKNOWN - {}",
                crate::report::untrusted(&e.to_string())
            )
            .map_err(Error::Output)?;
            Ok(ExitStatus::Plugin(3))
        }
        other => other,
    }
}

fn probe(args: &ProbeArgs, io: &mut Io<'_>) -> Result<ExitStatus, Error> {
    let target = connect::target(&args.conn)?;
    let credentials = connect::credentials(&args.cred, &target)?;
    let trust = connect::trust(&args.conn, &target)?;
    let text = args.format == ProbeFormatArg::Text;
    if args.conn.insecure {
        writeln!(
            io.err,
            "relayctl: WARNING: --insecure: server certificates are NOT verified; a man in the middle would go unnoticed"
        )
        .map_err(Error::Output)?;
    }
    if let Some(w) = &target.helo_warning {
        writeln!(io.err, "relayctl: warning: {w}").map_err(Error::Output)?;
    }
    let ports = if args.ports.is_empty() {
        PortSpec::RELAY.to_vec()
    } else {
        let mut p = args.ports.clone();
        p.dedup();
        p
    };
    let family = match (args.conn.ipv4, args.conn.ipv6) {
        (true, _) => Family::V4,
        (_, true) => Family::V6,
        _ => Family::Any,
    };
    let envelope = args
        .mail_from
        .as_deref()
        .map(|from| -> Result<(&str, &[String]), Error> {
            for a in std::iter::once(from).chain(args.rcpts.iter().map(String::as_str)) {
                check_address(a)?;
            }
            Ok((from, args.rcpts.as_slice()))
        })
        .transpose()?;
    let req = ProbeRequest {
        host: &target.host,
        family,
        ports,
        helo: &target.helo,
        credentials: credentials.as_ref(),
        allow_plaintext_auth: args.cred.allow_plaintext_auth,
        envelope,
        message: None,
        timeout: args.conn.timeout,
    };
    let ctx = context(&target, args.conn.insecure);
    let resolver = resolver(args, &target)?;
    let dialer = TcpDialer { trust };

    let progress = Progress::spinners(text && super::spinners_wanted());
    let on_event = |ev: Event| progress.connection(ev, "probing");
    let result = probe::run(&req, &ctx, resolver.as_ref(), &dialer, &on_event);
    progress.clear();
    let report = result.map_err(|e| Error::Network {
        endpoint: target.host.clone(),
        message: e.to_string(),
    })?;

    let code = match args.format {
        ProbeFormatArg::Nagios => {
            let code = render::write_nagios(&report, &mut *io.out).map_err(Error::Output)?;
            return Ok(ExitStatus::Plugin(code));
        }
        ProbeFormatArg::Json => render::write_json(&report, &mut *io.out),
        ProbeFormatArg::Text => {
            let style = super::stdout_paint();
            render::write_text(&report, style, &mut *io.out).and_then(|()| {
                if args.transcript {
                    writeln!(io.out)?;
                    render::write_transcript(&report, &mut *io.out)
                } else {
                    Ok(())
                }
            })
        }
    };
    code.map_err(Error::Output)?;
    if report.nothing_reached() {
        return Err(Error::Network {
            endpoint: target.host.clone(),
            message: "no port could be reached (see above)".into(),
        });
    }
    Ok(if report.status() == Status::Fail {
        ExitStatus::Findings
    } else {
        ExitStatus::Ok
    })
}

/// An envelope address must be one SMTP can carry in `<...>`.
fn check_address(a: &str) -> Result<(), Error> {
    let bad = a.is_empty()
        || a.len() > 320
        || a.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        || !a.contains('@');
    if bad {
        return Err(Error::Value(format!(
            "{a:?} is not an e-mail address for the envelope test"
        )));
    }
    Ok(())
}

fn context(target: &Target, insecure: bool) -> Context {
    Context {
        ranges: target
            .console
            .ranges
            .iter()
            .filter(|r| r.enabled)
            .map(|r| r.net)
            .collect(),
        authentication: target.has_console.then_some(target.console.authentication),
        helo_warning: target.helo_warning.clone(),
        insecure,
        mta: target.site_mta.clone(),
    }
}

/// The resolver: none is needed for an address literal.
fn resolver(args: &ProbeArgs, target: &Target) -> Result<Box<dyn Resolve>, Error> {
    connect::resolver(&args.conn, &target.host)
}
