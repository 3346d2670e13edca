//! `relayctl send-test` through the real binary: usage and input errors, the password
//! never printed, unreachable and silent relays ending by the deadline.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::support::{relayctl_in, run, Run};

const PASSWORD: &str = "s3cret-Pa55word-never-printed";

fn base<'a>(port: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "send-test",
        "--host",
        "127.0.0.1",
        "--port",
        port,
        "--helo",
        "mail.example.com",
        "--timeout",
        "1",
        "--from",
        "it@example.com",
        "--to",
        "you@example.com",
    ];
    v.extend_from_slice(extra);
    v
}

/// A port on 127.0.0.1 with nothing listening (bound, then released).
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn run_with_password(args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    relayctl_in(dir.path(), args)
        .env("RELAYCTL_PASSWORD", PASSWORD)
        .output()
        .expect("relayctl runs")
        .into()
}

#[test]
fn from_and_to_are_required() {
    let r = run(&["send-test", "--to", "you@example.com"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--from"), "{}", r.stderr);
    let r = run(&["send-test", "--from", "it@example.com"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--to"), "{}", r.stderr);
}

#[test]
fn bad_addresses_name_the_flag() {
    let port = closed_port().to_string();
    for (flag, args) in [
        (
            "--from",
            vec![
                "send-test",
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--from",
                "it@",
                "--to",
                "you@example.com",
            ],
        ),
        (
            "--to",
            vec![
                "send-test",
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--from",
                "it@example.com",
                "--to",
                "you@example.com",
                "--to",
                "not an address",
            ],
        ),
    ] {
        let r = run(&args);
        assert_eq!(r.code, 3, "{flag}: {}", r.stderr);
        assert!(
            r.stderr.starts_with(&format!("relayctl: {flag} ")),
            "{flag}: {}",
            r.stderr
        );
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(r.stdout.is_empty());
    }
}

#[test]
fn missing_password_file_is_an_input_error() {
    let port = closed_port().to_string();
    let r = run(&base(
        &port,
        &[
            "--auth-user",
            "it@example.com",
            "--password-file",
            "/nonexistent/relayctl-password",
        ],
    ));
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("/nonexistent/relayctl-password"));
}

#[test]
fn no_terminal_and_no_password_is_an_input_error() {
    let port = closed_port().to_string();
    let r = run(&base(&port, &["--auth-user", "it@example.com"]));
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("RELAYCTL_PASSWORD"), "{}", r.stderr);
}

#[test]
fn closed_port_is_a_network_error_quickly() {
    let port = closed_port().to_string();
    let t = Instant::now();
    let r = run_with_password(&base(&port, &["--auth-user", "it@example.com"]));
    assert!(t.elapsed() < Duration::from_secs(5));
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("127.0.0.1:{port}")),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
    assert!(!r.stderr.contains(PASSWORD) && !r.stdout.contains(PASSWORD));
}

#[test]
fn silent_server_ends_within_the_timeout() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    // Accept and hold the connection, saying nothing.
    let holder = std::thread::spawn(move || {
        let conn = l.accept();
        std::thread::sleep(Duration::from_secs(4));
        drop(conn);
    });
    let t = Instant::now();
    let r = run_with_password(&base(&port, &["--auth-user", "it@example.com"]));
    let took = t.elapsed();
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stderr.contains("no answer within 1 s"), "{}", r.stderr);
    assert!(!r.stderr.contains(PASSWORD) && !r.stdout.contains(PASSWORD));
    holder.join().unwrap();
}

#[test]
fn insecure_warns_loudly() {
    let port = closed_port().to_string();
    let r = run(&base(&port, &["--insecure"]));
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stderr.contains("WARNING: --insecure"), "{}", r.stderr);
}

#[test]
fn ca_file_without_a_certificate_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), "not a certificate\n").unwrap();
    let port = closed_port().to_string();
    let args = base(&port, &["--ca-file", "ca.pem"]);
    let r: Run = relayctl_in(dir.path(), &args).output().unwrap().into();
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("--ca-file"), "{}", r.stderr);
}

/// lettre's debug log holds the AUTH exchange; its `tracing` feature must stay off.
#[test]
fn lettre_logging_stays_off() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("Cargo.toml");
    let line = manifest
        .lines()
        .find(|l| l.starts_with("lettre"))
        .expect("lettre is a dependency");
    assert!(!line.contains("tracing"), "{line}");
}
