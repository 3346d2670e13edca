//! The in-tree test relay (tests/relay) as a program, for benchmarks and manual tries:
//! prints `READY <port>` once listening, serves until killed or until stdin closes.
//!
//! ```text
//! cargo run --example test_relay -- --delay-ms 50 --tls starttls --port 0 \
//!     --ca-out /tmp/ca.pem --user u@example.com --password-file /tmp/pw
//! ```

#[path = "../tests/relay/mod.rs"]
mod relay;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use relay::{google, CertKind, Hostile, Script, TestCa, TestRelay, TlsMode};

const USAGE: &str = "usage: test_relay [--port N] [--tls starttls|implicit|none] [--delay-ms N]
    [--ca-out PATH] [--user USER --password-file PATH] [--cert good|wrong-name|expired|self-signed]
    [--require-tls] [--rcpt-denied] [--hostile MODE] [--dual-stack] [--until-killed]
MODE: silent, slow-drip, huge-line, endless-continuation, invalid-utf8, no-starttls,
    auth-only-before-tls, drop-mid-auth, close-after-banner, garbage-reply
Serves until stdin closes; with --until-killed (a background job's stdin is /dev/null),
until killed.";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("test_relay: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn value(args: &mut impl Iterator<Item = String>, flag: &str) -> Result<String, String> {
    args.next().ok_or_else(|| format!("{flag} needs a value"))
}

fn run() -> Result<(), String> {
    let mut script = Script::google();
    let mut port = 0u16;
    let mut ca_out: Option<PathBuf> = None;
    let mut user: Option<String> = None;
    let mut password_file: Option<PathBuf> = None;
    let mut dual = false;
    let mut until_killed = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                port = value(&mut args, &arg)?
                    .parse()
                    .map_err(|e| format!("--port: {e}"))?
            }
            "--delay-ms" => {
                let ms: u64 = value(&mut args, &arg)?
                    .parse()
                    .map_err(|e| format!("--delay-ms: {e}"))?;
                script = script.delay(Duration::from_millis(ms));
            }
            "--tls" => {
                let tls = match value(&mut args, &arg)?.as_str() {
                    "starttls" => TlsMode::StartTls,
                    "implicit" | "tls" => TlsMode::Implicit,
                    "none" => TlsMode::None,
                    other => return Err(format!("--tls {other:?}")),
                };
                script = script.tls(tls);
            }
            "--cert" => {
                let kind = match value(&mut args, &arg)?.as_str() {
                    "good" => CertKind::Good,
                    "wrong-name" => CertKind::WrongName,
                    "expired" => CertKind::Expired,
                    "self-signed" => CertKind::SelfSigned,
                    other => return Err(format!("--cert {other:?}")),
                };
                script = script.cert(kind);
            }
            "--hostile" => {
                let name = value(&mut args, &arg)?;
                let mode = Hostile::ALL
                    .into_iter()
                    .find(|m| kebab(&format!("{m:?}")) == name)
                    .ok_or_else(|| format!("--hostile {name:?}"))?;
                script = script.hostile(mode);
            }
            "--ca-out" => ca_out = Some(value(&mut args, &arg)?.into()),
            "--user" => user = Some(value(&mut args, &arg)?),
            "--password-file" => password_file = Some(value(&mut args, &arg)?.into()),
            "--require-tls" => script = script.require_tls(true),
            "--rcpt-denied" => script = script.rcpt_reply(google::RELAY_DENIED),
            "--dual-stack" => dual = true,
            "--until-killed" => until_killed = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    match (user, password_file) {
        (Some(u), Some(p)) => {
            let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            script = script.account(u, text.trim_end_matches(['\r', '\n']));
        }
        (None, None) => {}
        _ => return Err("--user and --password-file go together".to_owned()),
    }
    let ca = TestCa::new();
    if let Some(p) = &ca_out {
        ca.write_pem(p)
            .map_err(|e| format!("{}: {e}", p.display()))?;
    }
    let relay = if dual && port == 0 {
        TestRelay::start_dual(&ca, script)
    } else {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        TestRelay::start_on(&ca, script, &[addr]).map_err(|e| format!("bind {addr}: {e}"))?
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "READY {}", relay.port()).map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    drop(out);
    if until_killed {
        loop {
            std::thread::park();
        }
    }
    // Serve until stdin closes (or the process is killed); the relay stops on drop.
    let mut sink = [0u8; 4096];
    let mut stdin = std::io::stdin().lock();
    while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
    drop(relay);
    Ok(())
}

/// `EndlessContinuation` -> `endless-continuation`, `NoStartTls` -> `no-starttls`.
fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out.replace("start-tls", "starttls")
}
