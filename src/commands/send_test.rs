//! `relayctl send-test`: one real message through the relay, as a probe that sends: the
//! same resolver, dial, TLS, AUTH, deadlines, transcript and findings as `probe`
//! (`probe::send` over `smtp::session`, with DATA), the message built by lettre
//! (`smtp::message`). Decides the port, the subject and body, the warnings and the exit
//! status; `probe::send` reads the session, `report::send_test` renders it.
//!
//! Exit status: 0 accepted (a 2xx to the end of the message); 1 the relay was reached and
//! the session stopped there (a refusal, a TLS or certificate problem, no STARTTLS offered,
//! a protocol error); 3 bad input or a missing credential; 4 the relay could not be
//! resolved or reached, or the network ended the session (a timeout, a closed or reset
//! connection).

use std::time::{SystemTime, UNIX_EPOCH};

use super::connect::{self, Target};
use super::progress::Progress;
use super::Io;
use crate::cli::{FormatArg, SendTestArgs};
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::net::smtp::TcpDialer;
use crate::probe::send::{self as sending, MessageInfo, Verdict};
use crate::probe::{self, Context, Event, Family, ProbeRequest};
use crate::report::send_test::{self as render, SendResult};
use crate::smtp::message;
use crate::smtp::{Credentials, PortSpec, TlsStart};

/// The port when neither --port nor relay.toml names one: 587, STARTTLS (Google help
/// 2956491, "Route outgoing SMTP relay messages through Google").
const DEFAULT_PORT: u16 = 587;

/// Runs `relayctl send-test`.
pub fn run(args: SendTestArgs, io: &mut Io<'_>) -> Result<ExitStatus, Error> {
    // Addresses first: a typo must not cost a password prompt.
    message::check_address("--from", &args.from).map_err(|e| Error::Value(e.to_string()))?;
    for t in &args.to {
        message::check_address("--to", t).map_err(|e| Error::Value(e.to_string()))?;
    }
    let target = connect::target(&args.conn)?;
    let port = args.port.unwrap_or_else(|| {
        PortSpec::from_port(target.site.port.map_or(DEFAULT_PORT, |p| p.number()))
    });
    let creds = connect::credentials(&args.cred, &target)?;
    let trust = connect::trust(&args.conn, &target)?;
    let family = match (args.conn.ipv4, args.conn.ipv6) {
        (true, _) => Family::V4,
        (_, true) => Family::V6,
        _ => Family::Any,
    };

    let err = &mut *io.err;
    let w = |e: std::io::Error| Error::Output(e);
    if args.conn.insecure {
        writeln!(
            err,
            "relayctl: WARNING: --insecure: the relay's certificate is NOT verified. Anyone on \
             the path can read the message{} and pose as the relay. For diagnosis only.",
            if creds.is_some() {
                " and the password"
            } else {
                ""
            }
        )
        .map_err(w)?;
    }
    if let Some(h) = &target.helo_warning {
        writeln!(err, "relayctl: warning: {h}").map_err(w)?;
    }
    if args.cred.allow_plaintext_auth {
        writeln!(
            err,
            "relayctl: note: send-test always requires TLS; --allow-plaintext-auth changes nothing here"
        )
        .map_err(w)?;
    }

    let now = SystemTime::now();
    let subject = args
        .subject
        .clone()
        .unwrap_or_else(|| format!("relayctl send-test {}", rfc3339_utc(now)));
    let body = body(&target, port, creds.as_ref(), now);
    let unique = format!(
        "{:x}.{:x}",
        now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos()),
        std::process::id()
    );
    let msg = message::build(&args.from, &args.to, &subject, &body, &unique)
        .map_err(|e| Error::Value(e.to_string()))?;

    let resolver = connect::resolver(&args.conn, &target.host)?;
    let dialer = TcpDialer { trust };
    let req = ProbeRequest {
        host: &target.host,
        family,
        ports: vec![port],
        helo: &target.helo,
        credentials: creds.as_ref(),
        // send-test never sends credentials in clear: a STARTTLS port without STARTTLS
        // stops before anything is sent.
        allow_plaintext_auth: false,
        envelope: Some((&msg.from, &msg.to)),
        message: Some(&msg.bytes),
        timeout: args.conn.timeout,
    };
    let ctx = Context {
        ranges: Vec::new(),
        authentication: None,
        helo_warning: target.helo_warning.clone(),
        insecure: args.conn.insecure,
        mta: target.site_mta.clone(),
    };
    let text = args.format == FormatArg::Text;
    let progress = Progress::spinners(text && super::spinners_wanted());
    let on_event = |ev: Event| progress.connection(ev, "sending");
    let sent = probe::send(&req, &ctx, resolver.as_ref(), &dialer, &on_event);
    progress.clear();
    let report = sent.map_err(|e| Error::Network {
        endpoint: target.host.clone(),
        message: e.to_string(),
    })?;

    let info = MessageInfo {
        from: &msg.from,
        to: &msg.to,
        message_id: &msg.message_id,
        subject: &subject,
        auth_user: creds.as_ref().map(|c| c.user.as_str()),
    };
    let warnings = sending::warnings(&report);
    let transcript = args
        .transcript
        .then(|| report.reached())
        .flatten()
        .and_then(|e| e.session.as_ref())
        .map(|s| &s.transcript);
    match sending::verdict(&report, port, &info, args.conn.timeout) {
        Verdict::Accepted(outcome) => {
            let r = SendResult::Accepted(&outcome);
            write(&r, &warnings, transcript, args.format, io)?;
            Ok(ExitStatus::Ok)
        }
        Verdict::Stopped(st) => {
            let advice = sending::advice(&st.failure, port);
            let r = SendResult::Stopped(&st, Some(&advice));
            write(&r, &warnings, transcript, args.format, io)?;
            Ok(ExitStatus::Findings)
        }
        Verdict::Unreachable {
            endpoint,
            step,
            why,
        } => {
            if let Some(t) = transcript {
                render::write_transcript(t, &mut *io.out).map_err(Error::Output)?;
            }
            Err(Error::Network {
                endpoint: format!("send-test to {}:{}", target.host, port.port),
                message: format!("{why} (at {step}, {endpoint})"),
            })
        }
    }
}

fn write(
    r: &SendResult<'_>,
    warnings: &[crate::probe::Finding],
    transcript: Option<&crate::smtp::transcript::Transcript>,
    format: FormatArg,
    io: &mut Io<'_>,
) -> Result<(), Error> {
    match format {
        FormatArg::Text => {
            render::write_text(r, warnings, &mut *io.out).and_then(|()| match transcript {
                Some(t) => {
                    writeln!(io.out)?;
                    render::write_transcript(t, &mut *io.out)
                }
                None => Ok(()),
            })
        }
        FormatArg::Json => render::write_json(r, warnings, transcript, &mut *io.out),
    }
    .map_err(Error::Output)
}

/// The test message's body: what it is and which path it took, so the recipient can
/// tell one test from another. No secret: the user name only.
fn body(target: &Target, port: PortSpec, creds: Option<&Credentials>, now: SystemTime) -> String {
    let tls = match port.tls {
        TlsStart::StartTls => "STARTTLS",
        TlsStart::Implicit => "TLS on connect",
    };
    let auth = match creds {
        Some(c) => format!("SMTP AUTH as {}", c.user),
        None => "none (IP address)".to_owned(),
    };
    format!(
        "This is a test message sent by relayctl send-test {}.\n\
         It checks that this server can relay mail through Google Workspace's SMTP relay.\n\
         No reply is needed.\n\
         \n\
         Relay:   {}:{}\n\
         TLS:     {tls}\n\
         HELO:    {}\n\
         AUTH:    {auth}\n\
         Sent at: {}\n",
        env!("CARGO_PKG_VERSION"),
        target.host,
        port.port,
        target.helo,
        rfc3339_utc(now),
    )
}

/// `2026-11-22T10:04:05Z`.
fn rfc3339_utc(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    crate::net::tls::rfc3339(i64::try_from(secs).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rfc3339() {
        for (name, secs, want) in [
            ("epoch", 0, "1970-01-01T00:00:00Z"),
            ("leap day", 951_782_400, "2000-02-29T00:00:00Z"),
            ("end of a year", 1_704_067_199, "2023-12-31T23:59:59Z"),
            ("a time of day", 1_700_000_000, "2023-11-14T22:13:20Z"),
        ] {
            let t = UNIX_EPOCH + Duration::from_secs(secs);
            assert_eq!(rfc3339_utc(t), want, "{name}");
        }
    }
}
