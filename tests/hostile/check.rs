//! Running relayctl against a kit server in every output form, and the checks every
//! scenario shares: the run ends, nothing panics, and the canary credentials appear neither
//! in what relayctl printed nor in what the server received before TLS.

use std::io::Read;
use std::net::IpAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::ca::Ca;
use super::server::{Conn, Record, Script, Server};
use crate::support::{ends_by, relayctl_in};

/// The canary account. The password is long enough for a base64 search at every offset.
pub const USER: &str = "canary.user@example.com";
pub const PASSWORD: &str = "Canary-Passw0rd-hostile-9d41";
/// `--timeout` of every run.
pub const TIMEOUT: u64 = 3;
pub const HELO: &str = "mail.example.com";

/// One way of running relayctl.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    ProbeText,
    ProbeTranscript,
    ProbeJson,
    SendText,
    SendJson,
}

impl Form {
    pub const ALL: [Form; 5] = [
        Form::ProbeText,
        Form::ProbeTranscript,
        Form::ProbeJson,
        Form::SendText,
        Form::SendJson,
    ];

    pub fn is_probe(self) -> bool {
        matches!(
            self,
            Form::ProbeText | Form::ProbeTranscript | Form::ProbeJson
        )
    }

    pub fn is_json(self) -> bool {
        matches!(self, Form::ProbeJson | Form::SendJson)
    }

    fn args(self) -> Vec<&'static str> {
        match self {
            Form::ProbeText => vec!["probe"],
            Form::ProbeTranscript => vec!["probe", "--transcript"],
            Form::ProbeJson => vec!["probe", "--format", "json"],
            Form::SendText => vec!["send-test"],
            Form::SendJson => vec!["send-test", "--format", "json"],
        }
    }
}

/// What one run did, and what its server received.
pub struct Outcome {
    pub form: Form,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    pub record: Record,
}

impl Outcome {
    /// stdout and stderr together.
    pub fn text(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The `data` of the JSON document on stdout (`{schema, version, data}`), if any.
    pub fn json(&self) -> Option<serde_json::Value> {
        let mut doc: serde_json::Value = serde_json::from_str(&self.stdout).ok()?;
        let expected = if self.form.is_probe() {
            "relayctl/probe/2"
        } else {
            "relayctl/send-test/2"
        };
        (doc["schema"] == expected).then(|| doc["data"].take())
    }

    pub fn dump(&self) -> String {
        format!(
            "[{:?}] exit {} after {:?}\n--- stdout\n{}\n--- stderr\n{}\n--- received before TLS\n{}\n--- received inside TLS\n{}\n--- notes {:?}",
            self.form,
            self.code,
            self.elapsed,
            self.stdout,
            self.stderr,
            clip(&self.record.before_tls),
            clip(&self.record.inside_tls),
            self.record.notes
        )
    }
}

fn clip(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(2000)]).into_owned();
    if bytes.len() > 2000 {
        format!("{text}... ({} bytes)", bytes.len())
    } else {
        text
    }
}

/// A scenario: how to serve it and how to dial it.
#[derive(Clone)]
pub struct Case {
    pub name: &'static str,
    /// Where the server listens, and what `--host` says.
    pub ip: IpAddr,
    pub host: &'static str,
    /// `starttls` or `tls`.
    pub mode: &'static str,
    /// `--auth-mech` (default auto).
    pub mech: Option<&'static str>,
    /// How many timeouts the run may wait at most (for the wall-time bound).
    pub steps: u32,
    /// The byte script; `None`: nothing listens (a closed port).
    pub script: Option<Arc<Script>>,
}

impl Case {
    pub fn new(
        name: &'static str,
        script: impl Fn(&mut Conn) -> std::io::Result<()> + Send + Sync + 'static,
    ) -> Case {
        Case {
            name,
            ip: IpAddr::from([127, 0, 0, 1]),
            host: "127.0.0.1",
            mode: "starttls",
            mech: None,
            steps: 12,
            script: Some(Arc::new(script)),
        }
    }

    pub fn mode(mut self, mode: &'static str) -> Case {
        self.mode = mode;
        self
    }

    pub fn mech(mut self, mech: &'static str) -> Case {
        self.mech = Some(mech);
        self
    }

    pub fn steps(mut self, steps: u32) -> Case {
        self.steps = steps;
        self
    }

    /// Runs every form at once, each against its own server, and applies the shared checks.
    pub fn run(&self) -> Runs {
        let handles: Vec<_> = Form::ALL
            .iter()
            .map(|&form| {
                let case = self.clone();
                thread::spawn(move || case.run_one(form))
            })
            .collect();
        let outcomes: Vec<Outcome> = handles
            .into_iter()
            .map(|h| h.join().expect("a form's thread"))
            .collect();
        let mut runs = Runs {
            name: self.name,
            outcomes,
            failures: Vec::new(),
        };
        for i in 0..runs.outcomes.len() {
            let problems = shared_checks(self, &runs.outcomes[i]);
            for p in problems {
                runs.fail(i, &p);
            }
        }
        runs
    }

    fn run_one(&self, form: Form) -> Outcome {
        let dir = tempfile::tempdir().expect("temp dir");
        let ca = Arc::new(Ca::new());
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).expect("write ca.pem");
        let (server, port) = match &self.script {
            Some(script) => {
                let script = script.clone();
                let server = Server::start(self.ip, ca, move |c| script(c)).expect("listen");
                let port = server.port();
                (Some(server), port)
            }
            None => (None, closed_port(self.ip)),
        };
        let port_arg = format!("{port}/{}", self.mode);
        let mut args = form.args();
        let ca_file = dir.path().join("ca.pem").display().to_string();
        let timeout = TIMEOUT.to_string();
        args.extend([
            "--host",
            self.host,
            "--port",
            &port_arg,
            "--timeout",
            &timeout,
            "--helo",
            HELO,
            "--ca-file",
            &ca_file,
            "--auth-user",
            USER,
        ]);
        if let Some(mech) = self.mech {
            args.extend(["--auth-mech", mech]);
        }
        if form.is_probe() {
            args.extend(["--mail-from", "it@example.com", "--rcpt", "you@example.org"]);
        } else {
            args.extend(["--from", "it@example.com", "--to", "you@example.org"]);
        }
        let mut cmd = relayctl_in(dir.path(), &args);
        cmd.env("RELAYCTL_PASSWORD", PASSWORD);
        let limit = bound(self) + Duration::from_secs(5);
        let (code, stdout, stderr, elapsed) = run_bounded(cmd, limit);
        let record = match server {
            Some(server) => {
                // The client has exited: let each connection script read to its end.
                server.wait_idle(Duration::from_secs(10));
                server.record()
            }
            None => Record::default(),
        };
        Outcome {
            form,
            code,
            stdout,
            stderr,
            elapsed,
            record,
        }
    }
}

/// A port on `ip` where nothing listens (bound, then closed).
fn closed_port(ip: IpAddr) -> u16 {
    let l = std::net::TcpListener::bind((ip, 0)).expect("bind");
    l.local_addr().expect("address").port()
}

/// The most a run of `case` may take: `--timeout` times the steps that may wait, through
/// the project's generous `ends_by` (it proves the run ends, not that it is fast).
fn bound(case: &Case) -> Duration {
    ends_by(Duration::from_secs(TIMEOUT * u64::from(case.steps)))
}

/// Runs `cmd` with stdin closed; kills it past `limit` (a hang then fails the wall-time
/// check instead of hanging the suite).
fn run_bounded(mut cmd: Command, limit: Duration) -> (i32, String, String, Duration) {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let t0 = Instant::now();
    let mut child = cmd.spawn().expect("relayctl starts");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(10));
    };
    let elapsed = t0.elapsed();
    let code = status.and_then(|s| s.code()).unwrap_or(-1);
    let stdout = String::from_utf8_lossy(&out.join().expect("stdout reader")).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().expect("stderr reader")).into_owned();
    (code, stdout, stderr, elapsed)
}

/// Whether `haystack` holds `secret` as is or base64-encoded at any offset of a larger
/// payload (base64 works in 3-byte groups: three alignments cover every offset).
pub fn contains_secret(haystack: &[u8], secret: &[u8]) -> bool {
    let find = |needle: &[u8]| {
        !needle.is_empty()
            && needle.len() <= haystack.len()
            && haystack.windows(needle.len()).any(|w| w == needle)
    };
    if find(secret) {
        return true;
    }
    (0..3).any(|skip| {
        let rest = &secret[skip.min(secret.len())..];
        let whole = rest.len() / 3 * 3;
        whole >= 9
            && find(
                STANDARD
                    .encode(&rest[..whole])
                    .trim_end_matches('=')
                    .as_bytes(),
            )
    })
}

/// The canary spellings that must never be printed nor sent before TLS: the password
/// (plain, or base64 at any offset: PLAIN's `\0user\0password`, LOGIN's password), and
/// the exact base64 of PLAIN's payload and of LOGIN's user name.
pub fn canary_in(haystack: &[u8]) -> Option<&'static str> {
    let plain = STANDARD.encode(format!("\0{USER}\0{PASSWORD}"));
    let user = STANDARD.encode(USER);
    let has = |n: &str| haystack.windows(n.len()).any(|w| w == n.as_bytes());
    if contains_secret(haystack, PASSWORD.as_bytes()) {
        Some("the password (plain or base64)")
    } else if has(&plain) {
        Some("base64 AUTH PLAIN payload")
    } else if has(&user) {
        Some("base64 LOGIN user name")
    } else {
        None
    }
}

fn shared_checks(case: &Case, o: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    let bound = bound(case);
    if o.elapsed > bound {
        problems.push(format!("took {:?}, more than {bound:?}", o.elapsed));
    }
    if o.stderr.contains("panicked") {
        problems.push("relayctl panicked".into());
    }
    if let Some(what) = canary_in(o.stdout.as_bytes()) {
        problems.push(format!("{what} on stdout"));
    }
    if let Some(what) = canary_in(o.stderr.as_bytes()) {
        problems.push(format!("{what} on stderr"));
    }
    if let Some(what) = canary_in(&o.record.before_tls) {
        problems.push(format!("{what} sent before TLS"));
    }
    let plain = String::from_utf8_lossy(&o.record.before_tls).to_ascii_uppercase();
    if plain.lines().any(|l| l.starts_with("AUTH")) {
        problems.push("an AUTH command sent before TLS".into());
    }
    if o.form.is_json() && (o.code == 0 || o.code == 1) && o.json().is_none() {
        problems.push("no JSON document on stdout".into());
    }
    problems
}

/// The outcomes of one scenario and what went wrong so far; `finish` fails the test with
/// every problem at once (so the report lists each form that is wrong, not the first).
pub struct Runs {
    pub name: &'static str,
    pub outcomes: Vec<Outcome>,
    failures: Vec<String>,
}

impl Runs {
    fn fail(&mut self, i: usize, what: &str) {
        let form = self.outcomes[i].form;
        self.failures.push(format!("{form:?}: {what}"));
    }

    /// Checks `ok(outcome)` for every outcome of the selected forms.
    pub fn each(
        &mut self,
        which: impl Fn(Form) -> bool,
        what: &str,
        ok: impl Fn(&Outcome) -> bool,
    ) -> &mut Runs {
        for i in 0..self.outcomes.len() {
            if which(self.outcomes[i].form) && !ok(&self.outcomes[i]) {
                self.fail(i, what);
            }
        }
        self
    }

    /// The exit codes: `probe` for every probe form, `send` for every send-test form.
    pub fn exit_codes(&mut self, probe: i32, send: i32) -> &mut Runs {
        for i in 0..self.outcomes.len() {
            let o = &self.outcomes[i];
            let want = if o.form.is_probe() { probe } else { send };
            if o.code != want {
                let got = o.code;
                self.fail(i, &format!("exit {got}, expected {want}"));
            }
        }
        self
    }

    pub fn probe(&mut self, what: &str, ok: impl Fn(&Outcome) -> bool) -> &mut Runs {
        self.each(Form::is_probe, what, ok)
    }

    pub fn probe_json(&mut self, what: &str, ok: impl Fn(&serde_json::Value) -> bool) -> &mut Runs {
        self.each(
            |f| f == Form::ProbeJson,
            what,
            |o| o.json().is_some_and(|v| ok(&v)),
        )
    }

    pub fn send(&mut self, what: &str, ok: impl Fn(&Outcome) -> bool) -> &mut Runs {
        self.each(|f| !f.is_probe(), what, ok)
    }

    pub fn send_json(&mut self, what: &str, ok: impl Fn(&serde_json::Value) -> bool) -> &mut Runs {
        self.each(
            |f| f == Form::SendJson,
            what,
            |o| o.json().is_some_and(|v| ok(&v)),
        )
    }

    /// Text forms (not JSON) say `needle` (case-insensitive) on stdout or stderr.
    pub fn says(&mut self, which: impl Fn(Form) -> bool, needle: &str) -> &mut Runs {
        let lower = needle.to_ascii_lowercase();
        self.each(
            |f| which(f) && !f.is_json(),
            &format!("does not say {needle:?}"),
            |o| o.text().to_ascii_lowercase().contains(&lower),
        )
    }

    /// Fails the test with every problem found, and the outcomes of the forms at fault.
    /// With `HOSTILE_DUMP=1` in the environment, every outcome is printed (shown with
    /// `--nocapture`), passing or not.
    pub fn finish(&mut self) {
        if std::env::var_os("HOSTILE_DUMP").is_some() {
            for o in &self.outcomes {
                println!("=== scenario {}\n{}", self.name, o.dump());
            }
        }
        if self.failures.is_empty() {
            return;
        }
        let mut msg = format!(
            "scenario {}: {} problem(s)\n",
            self.name,
            self.failures.len()
        );
        for f in &self.failures {
            msg.push_str(&format!("  - {f}\n"));
        }
        for o in &self.outcomes {
            let prefix = format!("{:?}:", o.form);
            if self.failures.iter().any(|f| f.starts_with(&prefix)) {
                msg.push_str(&o.dump());
                msg.push('\n');
            }
        }
        panic!("{msg}");
    }
}

/// The rules (and severities) of the findings of the first port of a probe document.
pub fn findings(v: &serde_json::Value) -> Vec<(String, String)> {
    v["ports"][0]["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap_or("").to_owned(),
                        f["severity"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the probe document has a finding `id`.
pub fn has_finding(v: &serde_json::Value, id: &str) -> bool {
    findings(v).iter().any(|(i, _)| i == id)
}

/// The session of the first endpoint of a probe document.
pub fn session(v: &serde_json::Value) -> &serde_json::Value {
    &v["endpoints"][0]["session"]
}
