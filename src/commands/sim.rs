//! `relayctl sim`: a local stand-in for smtp-relay.gmail.com enforcing relay.toml's
//! console setting (src/sim/). Sets up the state directory (CA, certificate, session log,
//! Maildir), binds the three listeners, prints the ready line, serves until SIGINT or
//! SIGTERM (taken over from the process handler, `terminal::take_over_signals`), then
//! stops the server, which flushes the log, and prints a summary on stderr.

use std::fs;
use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::{load_config, Io};
use crate::cli::{FormatArg, SimArgs, SimFault};
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::fsx;
use crate::sim::log::Sink;
use crate::sim::policy::{Limits, Policy};
use crate::sim::{self, Ca, CertKind, Hostile, Listener, Options, Relay, Script, Stage, TlsMode};

/// The largest --users file read.
const MAX_USERS_BYTES: u64 = 1 << 20;
/// The longest a session may last, whatever the client does.
const MAX_SESSION: Duration = Duration::from_secs(3600);

/// The users of `--users`: `user:password` lines; blank lines and `#` comments skipped.
fn read_users(path: &Path) -> Result<Vec<(String, String)>, Error> {
    let (file, label) = fsx::open_private(path)?;
    let mut text = String::new();
    let mut limited = std::io::Read::take(file, MAX_USERS_BYTES + 1);
    std::io::Read::read_to_string(&mut limited, &mut text).map_err(|e| Error::BadFile {
        path: path.to_owned(),
        message: format!("{label}: {e}"),
    })?;
    if text.len() as u64 > MAX_USERS_BYTES {
        return Err(Error::BadFile {
            path: path.to_owned(),
            message: format!("larger than {MAX_USERS_BYTES} bytes"),
        });
    }
    let mut users = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let bad = |message: &str| Error::Config {
            path: path.to_owned(),
            line: i + 1,
            message: message.to_owned(),
        };
        let (user, password) = line
            .split_once(':')
            .ok_or_else(|| bad("expected user:password (the password itself is not shown)"))?;
        let user = user.trim();
        if user.is_empty() || user.contains(char::is_whitespace) {
            return Err(bad("the user name is empty or has white space"));
        }
        if password.is_empty() {
            return Err(bad("the password is empty"));
        }
        users.push((user.to_owned(), password.to_owned()));
    }
    Ok(users)
}

fn write_file(path: &Path, contents: &str, private: bool) -> Result<(), Error> {
    let werr = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    let _ = fs::remove_file(path);
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(werr)?;
    f.write_all(contents.as_bytes()).map_err(werr)
}

/// The certificate sim presents; the CA's path when it made one.
fn tls_setup(args: &SimArgs) -> Result<(Arc<rustls::ServerConfig>, Option<PathBuf>), Error> {
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        let cert_pem = fsx::read_bytes_bounded(cert, 1 << 20)?;
        let (key_file, label) = fsx::open_private(key)?;
        let mut key_pem = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(key_file, 1 << 20), &mut key_pem)
            .map_err(|e| Error::Value(format!("{label}: {e}")))?;
        let config = sim::server_config_pem(&cert_pem, &key_pem)
            .map_err(|e| Error::Value(format!("{} / {}: {e}", cert.display(), key.display())))?;
        return Ok((config, None));
    }
    let kind = if args.faults.contains(&SimFault::SelfSigned) {
        CertKind::SelfSigned
    } else if args.faults.contains(&SimFault::WrongName) {
        CertKind::WrongName
    } else {
        CertKind::Good
    };
    let mut names = vec![args.hostname.clone()];
    for n in &args.cert_names {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    let ca = Ca::new();
    let (cert, key) = ca.issue_pem(&names, kind).map_err(|e| {
        Error::Value(format!(
            "cannot issue a certificate for {}: {e}",
            names.join(", ")
        ))
    })?;
    let dir = &args.state_dir;
    let ca_path = dir.join("ca.pem");
    write_file(&ca_path, &ca.ca_pem(), false)?;
    write_file(&dir.join("cert.pem"), &cert, false)?;
    write_file(&dir.join("key.pem"), &key, true)?;
    let config = sim::server_config_pem(cert.as_bytes(), key.as_bytes())
        .map_err(|e| Error::Value(format!("generated certificate: {e}")))?;
    Ok((config, Some(ca_path)))
}

fn script_for(args: &SimArgs, require_tls: bool, users: &[(String, String)]) -> Script {
    let mut script = Script::google()
        .require_tls(require_tls)
        .max_session(MAX_SESSION)
        .step_timeout(args.timeout)
        // Google's SIZE is 150 MiB; sim keeps a message in memory, so it takes 25 MiB.
        .max_message_bytes(25 * 1024 * 1024);
    if args.hostname != "smtp-relay.gmail.com" {
        script = script.hostname(args.hostname.clone());
    }
    if let Some(ip) = args.client_ip {
        script = script.client_ip(ip);
    }
    for (u, p) in users {
        script = script.account(u.clone(), p.clone());
    }
    for f in &args.faults {
        script = match f {
            SimFault::DropStartTls => script.hostile(Hostile::NoStartTls),
            SimFault::Delay(d) => script.delay(*d),
            SimFault::Refuse(stage, reply) => match Stage::parse(stage) {
                Some(st) => script.refuse(st, reply.clone()),
                None => script,
            },
            SimFault::SelfSigned | SimFault::WrongName => script,
        };
    }
    script
}

/// Runs `relayctl sim`.
pub fn run(args: SimArgs, io: &mut Io<'_>) -> Result<ExitStatus, Error> {
    let cfg = load_config(args.config.as_deref())?;
    let console = cfg.console.unwrap_or_default();
    let domains: Vec<String> = cfg
        .site
        .domains
        .iter()
        .map(|d| d.as_str().to_owned())
        .collect();
    let users = match &args.users {
        Some(p) => read_users(p)?,
        None => Vec::new(),
    };
    if console.authentication.uses_smtp_auth() && users.is_empty() {
        writeln!(
            io.err,
            "relayctl sim: warning: the console setting requires SMTP AUTH and no --users file gives any user: every AUTH fails"
        )
        .map_err(Error::Output)?;
    }
    fs::create_dir_all(&args.state_dir).map_err(|source| Error::Write {
        path: args.state_dir.clone(),
        source,
    })?;
    let (tls, ca_path) = tls_setup(&args)?;

    let ports = match (args.ports, args.port_base) {
        (Some(p), _) => p,
        (None, Some(base)) => [base + 25, base + 465, base + 587],
        (None, None) => [25, 465, 587],
    };
    let roles = [
        (25u16, TlsMode::StartTls),
        (465, TlsMode::Implicit),
        (587, TlsMode::StartTls),
    ];
    let mut listeners = Vec::new();
    for ((role, mode), port) in roles.into_iter().zip(ports) {
        let addr = SocketAddr::new(args.listen, port);
        let socket = TcpListener::bind(addr).map_err(|e| Error::Network {
            endpoint: addr.to_string(),
            message: format!("cannot listen (role {role}): {e}"),
        })?;
        listeners.push(Listener {
            socket,
            tls: mode,
            role,
        });
    }

    let log_path = args.state_dir.join("sessions.jsonl");
    let maildir = (!args.discard).then(|| args.state_dir.join("maildir"));
    let sink = Sink::open(&log_path, maildir.as_deref()).map_err(|source| Error::Write {
        path: args.state_dir.clone(),
        source,
    })?;
    let sink = Arc::new(sink);
    let user_names: Vec<String> = users.iter().map(|(u, _)| u.clone()).collect();
    let policy = Policy::new(
        console.clone(),
        &domains,
        &user_names,
        Limits::scaled(args.limits_scale),
    );
    let script = script_for(&args, console.require_tls, &users);
    drop(users);
    let relay = Relay::serve(Options {
        script,
        tls,
        listeners,
        policy: Some(policy),
        sink: Some(sink.clone()),
        max_connections: Some(args.max_connections as usize),
        record: false,
    })
    .map_err(|e| Error::Network {
        endpoint: args.listen.to_string(),
        message: format!("cannot start the server: {e}"),
    })?;

    // Before the ready line: a SIGTERM right after it must already stop us cleanly.
    let signals = crate::terminal::take_over_signals();
    let addrs = relay.addrs().to_vec();
    let tls_word = |r: u16| if r == 465 { "implicit" } else { "starttls" };
    match args.format {
        FormatArg::Json => {
            let listeners: Vec<_> = roles
                .iter()
                .zip(&addrs)
                .map(|((role, _), a)| {
                    json!({"role": role, "address": a.to_string(), "tls": tls_word(*role)})
                })
                .collect();
            let doc = json!({
                "schema": "relayctl/sim-ready/1",
                "listeners": listeners,
                "ca": ca_path.as_ref().map(|p| p.display().to_string()),
                "sessions": log_path.display().to_string(),
                "maildir": maildir.as_ref().map(|p| p.display().to_string()),
            });
            writeln!(io.out, "{doc}").map_err(Error::Output)?;
        }
        FormatArg::Text => {
            let what = |r: u16| match r {
                25 => "25, STARTTLS offered",
                465 => "465, TLS on connect",
                _ => "587, STARTTLS",
            };
            let list: Vec<String> = roles
                .iter()
                .zip(&addrs)
                .map(|((role, _), a)| format!("{a} ({})", what(*role)))
                .collect();
            let trust = match (&ca_path, &args.cert) {
                (Some(ca), _) => format!("CA: {}", ca.display()),
                (None, Some(cert)) => format!("certificate: {}", cert.display()),
                (None, None) => String::new(),
            };
            writeln!(
                io.out,
                "relayctl sim: listening {}; {trust}",
                list.join(", ")
            )
            .map_err(Error::Output)?;
        }
    }
    io.out.flush().map_err(Error::Output)?;

    let signal = signals.recv().ok();
    // A second signal now ends the process the usual way (the channel is gone).
    drop(signals);
    // Sessions still open get a moment to end and be logged; then every socket closes.
    relay.wait_idle(Duration::from_secs(2));
    relay.stop();
    let name = match signal {
        Some(2) => "SIGINT",
        Some(15) => "SIGTERM",
        _ => "a signal",
    };
    writeln!(
        io.err,
        "relayctl sim: stopped by {name}: {} sessions, {} messages accepted, {} refusals; log: {}",
        sink.sessions.load(Ordering::SeqCst),
        sink.messages.load(Ordering::SeqCst),
        sink.refusals.load(Ordering::SeqCst),
        sink.log_path().display()
    )
    .map_err(Error::Output)?;
    Ok(ExitStatus::Ok)
}
