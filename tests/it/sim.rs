//! `relayctl sim` through the real binary on 127.0.0.1: the ready line (text and JSON),
//! the console setting enforced as `probe`, `send-test` and a raw SMTP client see it (IP
//! ranges, SMTP AUTH, Require TLS, HELO, recipient limits, empty sender, sending limits),
//! the session log and the Maildir, every fault switch, input errors, and SIGTERM ending it
//! with exit 0 and a summary. Waits are bounded generously; nothing asserts a speed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{relayctl_in, Run};

const USER: &str = "it@example.com";
const PASSWORD: &str = "s1m-S3cret-app-passw0rd";
/// Long enough for a debug build on a busy machine; only a hang reaches it.
const LIMIT: Duration = Duration::from_secs(60);

/// A relay.toml with one registered range, your domain and the given console lines.
fn relay_toml(console: &str) -> String {
    format!(
        "[console]\n{console}\n[[console.ranges]]\ncidr = \"203.0.113.0/28\"\n\n[site]\ndomains = [\"example.com\"]\n"
    )
}

/// A running `relayctl sim` in its own temp dir (also render.rs's).
pub(crate) struct Sim {
    dir: tempfile::TempDir,
    child: Option<Child>,
    pub(crate) ready: String,
    err: Option<std::thread::JoinHandle<String>>,
}

impl Sim {
    /// Starts sim with relay.toml holding `console` (none: no relay.toml), a users file,
    /// ephemeral ports and a certificate for 127.0.0.1, plus `extra`.
    pub(crate) fn start(console: Option<&str>, extra: &[&str]) -> Sim {
        let dir = tempfile::tempdir().unwrap();
        let users = dir.path().join("users");
        std::fs::write(&users, format!("# test users\n{USER}:{PASSWORD}\n")).unwrap();
        std::fs::set_permissions(&users, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        let mut args = vec!["sim", "--ports", "0,0,0", "--cert-name", "127.0.0.1"];
        args.extend(["--users", "users"]);
        if let Some(c) = console {
            std::fs::write(dir.path().join("relay.toml"), relay_toml(c)).unwrap();
            args.extend(["--config", "relay.toml"]);
        }
        args.extend_from_slice(extra);
        let mut child = relayctl_in(dir.path(), &args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("relayctl sim starts");
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let err = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let ready = match rx.recv_timeout(LIMIT) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                panic!("no ready line within {LIMIT:?}");
            }
        };
        let mut sim = Sim {
            dir,
            child: Some(child),
            ready,
            err: Some(err),
        };
        if sim.ready.is_empty() {
            let (code, stderr) = sim.stop();
            panic!("sim ended without a ready line: exit {code}\n{stderr}");
        }
        sim
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The port of the listener with this role (25, 465, 587), from the ready line.
    fn port(&self, role: u16) -> u16 {
        let i = match role {
            25 => 0,
            465 => 1,
            _ => 2,
        };
        let addrs: Vec<&str> = if self.ready.starts_with('{') {
            panic!("port() reads the text ready line")
        } else {
            self.ready
                .split_whitespace()
                .filter(|w| w.starts_with("127.0.0.1:"))
                .collect()
        };
        addrs[i].rsplit(':').next().unwrap().parse().unwrap()
    }

    /// SIGTERM, then the exit code and stderr (killed and failed after `LIMIT`).
    pub(crate) fn stop(&mut self) -> (i32, String) {
        let mut child = self.child.take().expect("running");
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let t0 = Instant::now();
        let code = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s.code().unwrap_or(-1);
            }
            if t0.elapsed() > LIMIT {
                let _ = child.kill();
                panic!("sim did not end within {LIMIT:?} of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let err = self.err.take().unwrap().join().unwrap();
        (code, err)
    }

    /// Stops sim and returns the session log, one value per line.
    fn sessions(&mut self) -> Vec<Value> {
        if self.child.is_some() {
            let (code, err) = self.stop();
            assert_eq!(code, 0, "{err}");
        }
        let text = std::fs::read_to_string(self.path().join("relayctl-sim/sessions.jsonl"))
            .unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    fn maildir_new(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.path().join("relayctl-sim/maildir/new"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    }

    /// `relayctl ARGS` in sim's directory, trusting sim's CA, with the password in the
    /// environment.
    fn relayctl(&self, args: &[&str]) -> Run {
        relayctl_in(self.path(), args)
            .env("RELAYCTL_PASSWORD", PASSWORD)
            .output()
            .expect("relayctl runs")
            .into()
    }

    /// `send-test --format json` to the 587 listener; the exit code and `data`.
    fn send_test(&self, extra: &[&str]) -> (i32, Value) {
        let port = format!("{}/starttls", self.port(587));
        let mut args = vec!["send-test", "--host", "127.0.0.1", "--port", &port];
        args.extend(["--ca-file", "relayctl-sim/ca.pem", "--timeout", "20"]);
        args.extend(["--format", "json"]);
        if !extra.contains(&"--helo") {
            args.extend(["--helo", "mail.example.com"]);
        }
        if !extra.contains(&"--from") {
            args.extend(["--from", USER]);
        }
        args.extend(["--to", "you@example.net"]);
        args.extend_from_slice(extra);
        let r = self.relayctl(&args);
        assert!(!r.stdout.contains(PASSWORD) && !r.stderr.contains(PASSWORD));
        let v: Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", r.stdout, r.stderr));
        (r.code, v["data"].clone())
    }

    /// `probe --format json` of one port (`PORT/MODE`), the `data` part.
    fn probe(&self, port: &str, extra: &[&str]) -> Value {
        let mut args = vec!["probe", "--host", "127.0.0.1", "--port", port];
        args.extend(["--ca-file", "relayctl-sim/ca.pem", "--timeout", "20"]);
        args.extend(["--helo", "mail.example.com", "--format", "json"]);
        args.extend_from_slice(extra);
        let r = self.relayctl(&args);
        let v: Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", r.stdout, r.stderr));
        v["data"].clone()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A plain SMTP client for the steps relayctl's own commands never take.
struct Client {
    rd: BufReader<TcpStream>,
    wr: TcpStream,
}

impl Client {
    fn connect(port: u16) -> Client {
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        tcp.set_read_timeout(Some(LIMIT)).unwrap();
        let mut c = Client {
            rd: BufReader::new(tcp.try_clone().unwrap()),
            wr: tcp,
        };
        let banner = c.reply();
        assert!(banner.starts_with("220 "), "{banner}");
        c
    }

    /// One whole reply, lines joined with `\n`; empty when the connection closed.
    fn reply(&mut self) -> String {
        let mut all = Vec::new();
        loop {
            let mut line = String::new();
            if self.rd.read_line(&mut line).unwrap_or(0) == 0 {
                return all.join("\n");
            }
            let line = line.trim_end().to_owned();
            let last = line.as_bytes().get(3) != Some(&b'-');
            all.push(line);
            if last {
                return all.join("\n");
            }
        }
    }

    fn cmd(&mut self, line: &str) -> String {
        self.wr.write_all(format!("{line}\r\n").as_bytes()).unwrap();
        self.reply()
    }
}

#[test]
fn ready_line_text_then_sigterm_exits_0_with_a_summary() {
    let mut sim = Sim::start(None, &[]);
    let ready = sim.ready.clone();
    assert!(
        ready.starts_with("relayctl sim: listening 127.0.0.1:"),
        "{ready}"
    );
    for part in [
        "(25, STARTTLS offered), 127.0.0.1:",
        "(465, TLS on connect), 127.0.0.1:",
        "(587, STARTTLS); CA: relayctl-sim/ca.pem",
    ] {
        assert!(ready.contains(part), "{part}: {ready}");
    }
    let ca = std::fs::read_to_string(sim.path().join("relayctl-sim/ca.pem")).unwrap();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");
    let key = sim.path().join("relayctl-sim/key.pem");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(key).unwrap().permissions());
    assert_eq!(mode & 0o077, 0, "key.pem is private");
    // One session, so the summary has something to count.
    let mut c = Client::connect(sim.port(25));
    assert!(c.cmd("QUIT").starts_with("221 2.0.0 closing connection"));
    drop(c);
    std::thread::sleep(Duration::from_millis(200));
    let (code, err) = sim.stop();
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("relayctl sim: stopped by SIGTERM: "), "{err}");
    assert!(err.contains("messages accepted"), "{err}");
}

#[test]
fn ready_line_json() {
    let mut sim = Sim::start(None, &["--format", "json", "--discard"]);
    let v: Value =
        serde_json::from_str(&sim.ready).unwrap_or_else(|e| panic!("{e}: {}", sim.ready));
    assert_eq!(v["schema"], "relayctl/sim-ready/1");
    let roles: Vec<(u64, &str)> = v["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["role"].as_u64().unwrap(), l["tls"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        [(25, "starttls"), (465, "implicit"), (587, "starttls")]
    );
    for l in v["listeners"].as_array().unwrap() {
        let a = l["address"].as_str().unwrap();
        assert!(a.starts_with("127.0.0.1:") && !a.ends_with(":0"), "{a}");
    }
    assert_eq!(v["ca"], "relayctl-sim/ca.pem");
    assert_eq!(v["sessions"], "relayctl-sim/sessions.jsonl");
    assert_eq!(v["maildir"], Value::Null, "--discard");
    let (code, err) = sim.stop();
    assert_eq!(code, 0, "{err}");
}

#[test]
fn ip_ranges_decide_and_the_message_lands_in_the_maildir() {
    let console = "authentication = \"ip\"\nrequire_tls = true";
    let mut outside = Sim::start(Some(console), &["--client-ip", "198.51.100.7"]);
    let (code, d) = outside.send_test(&[]);
    assert_eq!(code, 1, "{d}");
    assert_eq!(d["step"], "rcpt-to", "{d}");
    assert_eq!(d["explanation"]["id"], "relay-denied-ip", "{d}");
    assert_eq!(d["explanation"]["client_ip"], "198.51.100.7", "{d}");
    assert!(outside.maildir_new().is_empty());
    let s = outside.sessions();
    assert_eq!(s[0]["client_ip"], "198.51.100.7");
    assert_eq!(s[0]["replies"][0]["code"], 550);
    assert!(s[0]["replies"][0]["text"]
        .as_str()
        .unwrap()
        .contains("Mail relay denied [198.51.100.7]"));

    let mut inside = Sim::start(Some(console), &["--client-ip", "203.0.113.5"]);
    let (code, d) = inside.send_test(&["--subject", "sim maildir check"]);
    assert_eq!(code, 0, "{d}");
    let sessions = inside.sessions();
    let mail = inside.maildir_new();
    assert_eq!(mail.len(), 1, "{mail:?}");
    let text = std::fs::read_to_string(&mail[0]).unwrap();
    assert!(
        text.starts_with(&format!(
            "Return-Path: <{USER}>\r\nDelivered-To: you@example.net\r\n"
        )),
        "{text}"
    );
    assert!(text.contains("Subject: sim maildir check"), "{text}");
    let s = &sessions[0];
    for field in [
        "schema",
        "id",
        "started",
        "ended",
        "listener",
        "local",
        "peer",
        "client_ip",
        "helo",
        "tls",
        "auth",
        "transactions",
        "replies",
        "commands_before_tls",
        "closed_by",
    ] {
        assert!(s.get(field).is_some(), "{field} missing: {s}");
    }
    assert_eq!(s["schema"], "relayctl/sim-session/1");
    assert_eq!(s["listener"], 587);
    assert_eq!(s["helo"], "mail.example.com");
    assert_eq!(s["tls"]["how"], "starttls");
    assert_eq!(
        s["commands_before_tls"],
        serde_json::json!(["EHLO mail.example.com", "STARTTLS"])
    );
    assert_eq!(s["closed_by"], "client");
    let t = &s["transactions"][0];
    assert_eq!(t["accepted"], true);
    assert_eq!(t["mail_from"], USER);
    assert_eq!(t["rcpt_to"], serde_json::json!(["you@example.net"]));
    assert!(t["size"].as_u64().unwrap() > 0);
    assert!(t["reply"].as_str().unwrap().starts_with("250 2.0.0 OK  "));
    let qid = t["queue_id"].as_str().unwrap();
    assert!(mail[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with(qid));
    assert_eq!(t["message_id"], d["message"]["message_id"], "{d}");
}

#[test]
fn smtp_auth_good_and_bad_user_and_no_password_in_the_log() {
    let mut sim = Sim::start(Some("authentication = \"smtp-auth\""), &[]);
    let (code, d) = sim.send_test(&["--auth-user", USER]);
    assert_eq!(code, 0, "{d}");
    let bad = relayctl_in(
        sim.path(),
        &[
            "send-test",
            "--host",
            "127.0.0.1",
            "--port",
            &format!("{}/starttls", sim.port(587)),
            "--ca-file",
            "relayctl-sim/ca.pem",
            "--helo",
            "mail.example.com",
            "--from",
            USER,
            "--to",
            "you@example.net",
            "--auth-user",
            USER,
            "--format",
            "json",
            "--timeout",
            "20",
        ],
    )
    .env("RELAYCTL_PASSWORD", "wrong-password-given")
    .output()
    .unwrap();
    let bad: Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert_eq!(bad["data"]["step"], "auth", "{bad}");
    assert_eq!(bad["data"]["explanation"]["id"], "bad-credentials");
    // No AUTH at all: the relay denies it.
    let (code, d) = sim.send_test(&[]);
    assert_eq!(code, 1);
    assert_eq!(d["explanation"]["id"], "relay-denied-ip", "{d}");
    let sessions = sim.sessions();
    let log = std::fs::read_to_string(sim.path().join("relayctl-sim/sessions.jsonl")).unwrap();
    assert!(
        !crate::relay::contains_secret(log.as_bytes(), PASSWORD.as_bytes()),
        "{log}"
    );
    let auths: Vec<&Value> = sessions
        .iter()
        .map(|s| &s["auth"])
        .filter(|a| !a.is_null())
        .collect();
    assert_eq!(auths.len(), 2, "{sessions:?}");
    assert!(auths
        .iter()
        .any(|a| a["accepted"] == true && a["user"] == USER && a["in_tls"] == true));
    assert!(auths.iter().any(|a| a["accepted"] == false));
}

#[test]
fn require_tls_helo_and_auth_before_tls_with_googles_texts() {
    let mut sim = Sim::start(Some("require_tls = true"), &["--client-ip", "203.0.113.5"]);
    let mut c = Client::connect(sim.port(25));
    let ehlo = c.cmd("EHLO mail.example.com");
    assert!(
        ehlo.contains("STARTTLS") && !ehlo.contains("AUTH"),
        "AUTH only after TLS: {ehlo}"
    );
    let auth = c.cmd("AUTH PLAIN AGl0QGV4YW1wbGUuY29tAHgtbm90LXJlYWw=");
    assert!(
        auth.starts_with("530 5.7.0 Must issue a STARTTLS command first."),
        "{auth}"
    );
    let mail = c.cmd(&format!("MAIL FROM:<{USER}>"));
    assert!(
        mail.starts_with("530 5.7.0 Must issue a STARTTLS command first."),
        "{mail}"
    );
    let explained = sim.relayctl(&["explain", "--format", "json", &mail]);
    assert!(
        explained.stdout.contains("\"starttls-required\""),
        "{}",
        explained.stdout
    );
    c.cmd("QUIT");
    let mut c = Client::connect(sim.port(587));
    let refused = c.cmd("EHLO localhost");
    assert!(
        refused.starts_with("421 4.7.0 Try again later, closing connection. (EHLO)"),
        "{refused}"
    );
    assert_eq!(c.reply(), "", "the connection closes after the 421");
    let (code, d) = sim.send_test(&["--helo", "localhost"]);
    assert_eq!(code, 1);
    assert_eq!(d["explanation"]["id"], "helo-rejected", "{d}");
    let sessions = sim.sessions();
    let first = &sessions[0];
    assert_eq!(
        first["commands_before_tls"][1], "AUTH PLAIN",
        "no AUTH argument: {first}"
    );
    assert!(sessions
        .iter()
        .any(|s| s["closed_by"] == "server" && s["replies"][0]["code"] == 421));
}

#[test]
fn recipient_limits_and_the_empty_sender() {
    let mut sim = Sim::start(Some("require_tls = false"), &["--client-ip", "203.0.113.5"]);
    let mut c = Client::connect(sim.port(25));
    assert!(c.cmd("EHLO mail.example.com").starts_with("250-"));
    assert!(c
        .cmd(&format!("MAIL FROM:<{USER}>"))
        .starts_with("250 2.1.0"));
    for i in 1..=100 {
        let r = c.cmd(&format!("RCPT TO:<r{i}@example.net>"));
        assert!(r.starts_with("250 2.1.5"), "RCPT {i}: {r}");
    }
    let r = c.cmd("RCPT TO:<r101@example.net>");
    assert!(
        r.starts_with("452 4.5.3 Your message has too many recipients"),
        "{r}"
    );
    assert!(c.cmd("RSET").starts_with("250"));
    assert!(c.cmd("MAIL FROM:<>").starts_with("250 2.1.0"));
    assert!(c.cmd("RCPT TO:<one@example.net>").starts_with("250 2.1.5"));
    let r = c.cmd("RCPT TO:<two@example.net>");
    assert!(
        r.starts_with("452 4.5.3"),
        "one recipient with an empty sender: {r}"
    );
    c.cmd("QUIT");
    let s = sim.sessions();
    let tx = s[0]["transactions"].as_array().unwrap();
    assert_eq!(tx[0]["rcpt_to"].as_array().unwrap().len(), 100);
    assert_eq!(tx[1]["mail_from"], "");
    assert_eq!(tx[1]["accepted"], false);
}

#[test]
fn sending_limits_scaled_down_are_reached() {
    let mut sim = Sim::start(
        Some("require_tls = false"),
        &[
            "--client-ip",
            "203.0.113.5",
            "--limits-scale",
            "0.0001",
            "--discard",
        ],
    );
    let (code, d) = sim.send_test(&[]);
    assert_eq!(code, 0, "{d}");
    // 1 message per registered user per day, once scaled.
    let (code, d) = sim.send_test(&[]);
    assert_eq!(code, 1, "{d}");
    assert_eq!(d["explanation"]["id"], "daily-limit-user", "{d}");
    assert!(sim.maildir_new().is_empty(), "--discard stores nothing");
    let s = sim.sessions();
    assert_eq!(s.len(), 2);
}

#[test]
fn faults_are_seen_by_probe() {
    let console = Some("require_tls = true");
    let ip = ["--client-ip", "203.0.113.5"];
    let with = |fault: &str| {
        let mut a = ip.to_vec();
        a.extend(["--fault", fault]);
        Sim::start(console, &a)
    };
    let ids = |d: &Value| -> Vec<String> {
        d["ports"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_owned())
            .collect()
    };
    let sim = with("drop-starttls");
    let d = sim.probe(&format!("{}/starttls", sim.port(587)), &[]);
    assert!(ids(&d).contains(&"starttls-not-offered".to_owned()), "{d}");

    for (fault, words) in [
        ("self-signed", "unknown authority"),
        ("wrong-name", "not valid for the host name"),
    ] {
        let sim = with(fault);
        let d = sim.probe(&format!("{}/tls", sim.port(465)), &[]);
        assert!(
            ids(&d).contains(&"certificate-invalid".to_owned()),
            "{fault}: {d}"
        );
        assert!(
            d["ports"][0]["findings"][0]["message"]
                .as_str()
                .unwrap()
                .contains(words),
            "{fault}: {d}"
        );
    }

    let sim = with("delay=300");
    let d = sim.probe(&format!("{}/starttls", sim.port(587)), &[]);
    let banner = &d["endpoints"][0]["session"]["steps"][1];
    assert_eq!(banner["name"], "banner");
    assert!(banner["elapsed_ms"].as_u64().unwrap() >= 300, "{banner}");

    let sim = with("refuse=mail:451 4.3.0 try later");
    let d = sim.probe(
        &format!("{}/starttls", sim.port(587)),
        &["--mail-from", USER, "--rcpt", "you@example.net"],
    );
    assert_eq!(
        d["endpoints"][0]["session"]["mail_from"]["code"], 451,
        "{d}"
    );
}

#[test]
fn bad_input_is_refused_with_the_documented_codes() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| -> Run { relayctl_in(dir.path(), args).output().unwrap().into() };
    for args in [
        &["sim", "--ports", "1,2"][..],
        &["sim", "--fault", "explode"],
        &["sim", "--fault", "refuse=quit:451 x"],
        &["sim", "--fault", "refuse=mail:250 fine"],
        &["sim", "--ports", "0,0,0", "--port-base", "10000"],
        &["sim", "--limits-scale", "0"],
    ] {
        let r = run(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.starts_with("relayctl: "), "{args:?}: {}", r.stderr);
    }
    let users = dir.path().join("users");
    std::fs::write(&users, "it@example.com:pw\n").unwrap();
    std::fs::set_permissions(&users, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let r = run(&["sim", "--ports", "0,0,0", "--users", "users"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("chmod 600"), "{}", r.stderr);
    std::fs::set_permissions(&users, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    std::fs::write(&users, "# ok\nno-colon-here\n").unwrap();
    let r = run(&["sim", "--ports", "0,0,0", "--users", "users"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("relayctl: users:2: expected user:password"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("no-colon-here"),
        "the line is not echoed: {}",
        r.stderr
    );
    // A port in use: exit 4.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let p = taken.local_addr().unwrap().port().to_string();
    let r = run(&["sim", "--ports", &format!("0,{p},0"), "--discard"]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stderr.contains("role 465"), "{}", r.stderr);
}

#[test]
fn allowed_senders_registered_users_and_any_address_rewrite() {
    let reg = "allowed_senders = \"registered-users\"\nrequire_tls = false";
    let mut sim = Sim::start(Some(reg), &["--client-ip", "203.0.113.5", "--discard"]);
    let (code, d) = sim.send_test(&[]);
    assert_eq!(code, 0, "a registered user: {d}");
    let (code, d) = sim.send_test(&["--from", "app@example.com"]);
    assert_eq!(code, 1, "{d}");
    assert_eq!(d["explanation"]["id"], "mail-sending-denied", "{d}");
    drop(sim.sessions());

    let any = "allowed_senders = \"any-addresses\"\nrequire_tls = false";
    let mut sim = Sim::start(Some(any), &["--client-ip", "203.0.113.5", "--discard"]);
    let (code, d) = sim.send_test(&["--from", "someone@other.org"]);
    assert_eq!(code, 0, "{d}");
    let s = sim.sessions();
    let t = &s[0]["transactions"][0];
    assert_eq!(t["mail_from"], "someone@other.org");
    assert_eq!(t["rewritten_from"], "postmaster@example.com", "{t}");

    let domain = "allowed_senders = \"domain-addresses\"\nrequire_tls = false";
    let sim = Sim::start(Some(domain), &["--client-ip", "203.0.113.5", "--discard"]);
    let (code, d) = sim.send_test(&["--from", "someone@other.org", "--helo", "mail.other.org"]);
    assert_eq!(code, 1, "{d}");
    assert_eq!(
        d["explanation"]["id"], "invalid-credentials-for-relay",
        "{d}"
    );
}

#[test]
fn step_timeout_and_max_connections() {
    let mut sim = Sim::start(
        None,
        &["--timeout", "1", "--max-connections", "1", "--discard"],
    );
    let mut quiet = Client::connect(sim.port(587));
    // While the quiet client holds the only slot, another connection is turned away.
    let mut other = TcpStream::connect(("127.0.0.1", sim.port(25))).unwrap();
    other.set_read_timeout(Some(LIMIT)).unwrap();
    let mut text = String::new();
    let _ = other.read_to_string(&mut text);
    assert!(
        text.starts_with("421 4.7.0 Try again later, closing connection."),
        "{text}"
    );
    // The quiet client is dropped after --timeout with a 421.
    let r = quiet.reply();
    assert!(r.starts_with("421 4.4.2"), "{r}");
    assert_eq!(quiet.reply(), "", "closed after the 421");
    let s = sim.sessions();
    assert!(
        s.iter()
            .any(|x| x["closed_by"] == "timeout" && x["listener"] == 587),
        "{s:?}"
    );
    assert!(
        s.iter()
            .any(|x| x["listener"] == 0 && x["replies"][0]["code"] == 421),
        "{s:?}"
    );
}

#[test]
fn sigint_also_stops_it_cleanly() {
    let mut sim = Sim::start(None, &["--discard"]);
    let mut child = sim.child.take().unwrap();
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let t0 = Instant::now();
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code();
        }
        assert!(t0.elapsed() < LIMIT, "sim did not end after SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    };
    let err = sim.err.take().unwrap().join().unwrap();
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("stopped by SIGINT"), "{err}");
}

#[test]
fn bring_your_own_certificate() {
    // A certificate sim made once, presented by another sim through --cert/--key.
    let mut first = Sim::start(None, &["--discard"]);
    assert_eq!(first.stop().0, 0);
    let own = tempfile::tempdir().unwrap();
    for f in ["ca.pem", "cert.pem", "key.pem"] {
        std::fs::copy(
            first.path().join("relayctl-sim").join(f),
            own.path().join(f),
        )
        .unwrap();
    }
    let cert = own.path().join("cert.pem");
    let key = own.path().join("key.pem");
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let mut sim = Sim::start(None, &["--discard", "--cert", cert, "--key", key]);
    assert!(
        sim.ready
            .trim_end()
            .ends_with(&format!("; certificate: {cert}")),
        "{}",
        sim.ready
    );
    assert!(!sim.path().join("relayctl-sim/ca.pem").exists());
    std::fs::create_dir_all(sim.path().join("relayctl-sim")).unwrap();
    std::fs::copy(
        own.path().join("ca.pem"),
        sim.path().join("relayctl-sim/ca.pem"),
    )
    .unwrap();
    let d = sim.probe(&format!("{}/tls", sim.port(465)), &[]);
    let tls = &d["endpoints"][0]["session"]["tls"];
    assert_eq!(tls["verification"]["result"], "verified", "{d}");
    assert_eq!(sim.stop().0, 0);
    // A key others can read is refused like a password file.
    std::fs::set_permissions(
        own.path().join("key.pem"),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    let r: Run = relayctl_in(
        own.path(),
        &["sim", "--ports", "0,0,0", "--cert", cert, "--key", key],
    )
    .output()
    .unwrap()
    .into();
    assert_eq!(r.code, 3, "{}", r.stderr);
}
