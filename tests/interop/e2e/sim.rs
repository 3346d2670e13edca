//! `SimProcess`: the relay the end-to-end suite delivers to, driven exactly as the
//! `relayctl sim` contract says (`--format json`, `--listen`, `--ports`, `--state-dir`,
//! `--users FILE`, `--fault ...`, the ready line, `sessions.jsonl` of
//! `relayctl/sim-session/1` records), so the assertions read the contract's session log.
//!
//! Until `relayctl sim` is on this branch, [`BACKEND`] is [`Backend::StandIn`]: the in-tree
//! test relay (tests/relay, tokio + rustls) runs in the test process, one `TestRelay` per
//! listener role, and its per-connection transcripts are converted into the same
//! `relayctl/sim-session/1` records (written to `STATE/sessions.jsonl` too, so a failing case
//! prints the same file either way). Switching to the real `relayctl sim` is this one
//! constant (or `RELAYCTL_E2E_RELAY=sim` in the environment).

use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

#[path = "../../relay/mod.rs"]
mod relay;

/// Which relay the suite talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `relayctl sim` (the contract).
    Sim,
    /// The in-tree test relay (tests/relay) in process, reporting contract records.
    StandIn,
}

/// THE switch: the stand-in until `relayctl sim` lands on this branch.
pub const BACKEND: Backend = Backend::Sim;

fn backend() -> Backend {
    match std::env::var("RELAYCTL_E2E_RELAY").as_deref() {
        Ok("sim") => Backend::Sim,
        Ok("stand-in") => Backend::StandIn,
        _ => BACKEND,
    }
}

/// A `--fault` of the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    DropStarttls,
    SelfSigned,
    WrongName,
}

impl Fault {
    fn arg(self) -> &'static str {
        match self {
            Fault::DropStarttls => "drop-starttls",
            Fault::SelfSigned => "self-signed",
            Fault::WrongName => "wrong-name",
        }
    }
}

/// How to start the relay.
pub struct SimOptions {
    /// The loopback address to listen on (each case has its own, so the standard ports
    /// 25/465/587 can be used and the generated port stays as relayctl wrote it).
    pub listen: Ipv4Addr,
    /// `user:password` accounts (written to a private `--users` file).
    pub users: Vec<(String, String)>,
    pub faults: Vec<Fault>,
    /// `--client-ip`: the address the IP-range policy sees.
    pub client_ip: Option<IpAddr>,
    /// Extra certificate names (`--cert-name`).
    pub cert_names: Vec<String>,
    /// `--hostname`.
    pub hostname: String,
    /// `--config`: the relay.toml whose console setting sim enforces (the same setting
    /// the MTA's configuration was generated for).
    pub config: Option<PathBuf>,
}

/// `relayctl/sim-session/1`.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Session {
    pub schema: String,
    pub listener: u16,
    pub local: String,
    pub peer: String,
    pub helo: Option<String>,
    pub tls: Option<Tls>,
    pub auth: Option<Auth>,
    #[serde(default)]
    pub transactions: Vec<Transaction>,
    #[serde(default)]
    pub replies: Vec<Reply>,
    #[serde(default)]
    pub commands_before_tls: Vec<String>,
    pub closed_by: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Tls {
    pub version: String,
    pub cipher: String,
    pub how: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Auth {
    pub user: String,
    pub mechanism: String,
    pub in_tls: bool,
    pub accepted: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Transaction {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub accepted: bool,
    pub size: u64,
    pub reply: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Reply {
    pub code: u16,
    pub text: String,
}

enum Running {
    Sim(Child),
    StandIn(Vec<(u16, relay::TestRelay)>),
}

/// A running relay with three listeners (roles 25, 465, 587).
pub struct SimProcess {
    pub state: PathBuf,
    /// role -> address.
    pub listeners: Vec<(u16, SocketAddr)>,
    pub ca: PathBuf,
    sessions_file: PathBuf,
    running: Running,
}

#[derive(Deserialize)]
struct Ready {
    schema: String,
    listeners: Vec<ReadyListener>,
    ca: PathBuf,
    sessions: PathBuf,
}

#[derive(Deserialize)]
struct ReadyListener {
    role: u16,
    address: SocketAddr,
}

impl SimProcess {
    /// Starts the relay with its state under `state` (created), waits for it to be ready.
    pub fn start(state: &Path, opts: &SimOptions) -> SimProcess {
        std::fs::create_dir_all(state).unwrap();
        let users = state.join("users");
        let text: String = opts
            .users
            .iter()
            .map(|(u, p)| format!("{u}:{p}\n"))
            .collect();
        write_private(&users, &text);
        match backend() {
            Backend::Sim => Self::start_sim(state, &users, opts),
            Backend::StandIn => Self::start_stand_in(state, opts),
        }
    }

    fn start_sim(state: &Path, users: &Path, opts: &SimOptions) -> SimProcess {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_relayctl"));
        cmd.args(["sim", "--format", "json", "--listen"])
            .arg(opts.listen.to_string())
            .args(["--ports", "25,465,587", "--state-dir"])
            .arg(state)
            .arg("--users")
            .arg(users)
            .args(["--hostname", &opts.hostname]);
        for n in &opts.cert_names {
            cmd.args(["--cert-name", n]);
        }
        for f in &opts.faults {
            cmd.args(["--fault", f.arg()]);
        }
        if let Some(ip) = opts.client_ip {
            cmd.args(["--client-ip", &ip.to_string()]);
        }
        if let Some(c) = &opts.config {
            cmd.arg("--config").arg(c);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start relayctl sim");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the ready line");
        let ready: Ready = serde_json::from_str(&line).unwrap_or_else(|e| {
            let _ = child.kill();
            panic!("relayctl sim ready line {line:?}: {e}")
        });
        assert_eq!(ready.schema, "relayctl/sim-ready/1");
        SimProcess {
            state: state.to_path_buf(),
            listeners: ready
                .listeners
                .iter()
                .map(|l| (l.role, l.address))
                .collect(),
            ca: ready.ca,
            sessions_file: ready.sessions,
            running: Running::Sim(child),
        }
    }

    fn start_stand_in(state: &Path, opts: &SimOptions) -> SimProcess {
        use relay::{CertKind, Hostile, Script, TestCa, TestRelay, TlsMode};
        let ca = TestCa::new();
        let ca_path = state.join("ca.pem");
        ca.write_pem(&ca_path).expect("write ca.pem");
        let cert = if opts.faults.contains(&Fault::SelfSigned) {
            CertKind::SelfSigned
        } else if opts.faults.contains(&Fault::WrongName) {
            CertKind::WrongName
        } else {
            CertKind::Good
        };
        let mut relays = Vec::new();
        let mut listeners = Vec::new();
        for (role, tls) in [
            (25u16, TlsMode::StartTls),
            (465, TlsMode::Implicit),
            (587, TlsMode::StartTls),
        ] {
            let mut script = Script::google().tls(tls).cert(cert);
            for (u, p) in &opts.users {
                script = script.account(u.clone(), p.clone());
            }
            if opts.faults.contains(&Fault::DropStarttls) && tls == TlsMode::StartTls {
                script = script.hostile(Hostile::NoStartTls);
            }
            let addr = SocketAddr::from((opts.listen, role));
            let r = TestRelay::start_on(&ca, script, &[addr])
                .unwrap_or_else(|e| panic!("stand-in relay on {addr}: {e}"));
            listeners.push((role, addr));
            relays.push((role, r));
        }
        SimProcess {
            state: state.to_path_buf(),
            listeners,
            ca: ca_path,
            sessions_file: state.join("sessions.jsonl"),
            running: Running::StandIn(relays),
        }
    }

    /// The session log so far.
    pub fn sessions(&self) -> Vec<Session> {
        if let Running::StandIn(relays) = &self.running {
            let mut text = String::new();
            for (role, r) in relays {
                for s in stand_in_sessions(*role, r) {
                    text.push_str(&serde_json::to_string(&s).unwrap());
                    text.push('\n');
                }
            }
            std::fs::write(&self.sessions_file, text).unwrap();
        }
        let text = std::fs::read_to_string(&self.sessions_file).unwrap_or_default();
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("sessions.jsonl: {e}: {l}")))
            .collect()
    }

    /// Connections not yet ended (the stand-in only; the sim logs a session when it ends).
    pub fn open_connections(&self) -> usize {
        match &self.running {
            Running::StandIn(relays) => relays.iter().map(|(_, r)| r.open_connections()).sum(),
            Running::Sim(_) => 0,
        }
    }

    /// The session log as text, for failure messages.
    pub fn log_text(&self) -> String {
        let _ = self.sessions();
        let mut s = std::fs::read_to_string(&self.sessions_file).unwrap_or_default();
        if let Running::StandIn(relays) = &self.running {
            s.push_str("--- stand-in transcripts\n");
            for (_, r) in relays {
                s.push_str(&r.transcript_text());
            }
        }
        s
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        if let Running::Sim(child) = &mut self.running {
            // SIGTERM per the contract (it prints its summary and exits 0); kill if it lingers.
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            for _ in 0..50 {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Writes a file readable by its owner only (the contract wants `--users` private).
pub fn write_private(path: &Path, text: &str) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    f.write_all(text.as_bytes()).unwrap();
}

/// The stand-in's transcripts as contract records. AUTH users come from the relay's decoded
/// AUTH attempts in order (the cases open their connections one after another).
fn stand_in_sessions(role: u16, r: &relay::TestRelay) -> Vec<Session> {
    use relay::Dir;
    let mut auths = r.auth_attempts().into_iter();
    let mut out = Vec::new();
    for t in r.transcripts() {
        let mut s = Session {
            schema: "relayctl/sim-session/1".into(),
            listener: role,
            local: r.addr().to_string(),
            peer: t.peer.to_string(),
            helo: None,
            tls: None,
            auth: None,
            transactions: Vec::new(),
            replies: Vec::new(),
            commands_before_tls: Vec::new(),
            closed_by: Some("client".into()),
        };
        let mut tx: Option<Transaction> = None;
        let mut awaiting_data_reply = false;
        let mut awaiting_auth_reply = false;
        for e in &t.events {
            match e.dir {
                Dir::Client => {
                    if !e.tls {
                        // The AUTH arguments are not logged (the contract never logs them).
                        let cmd = if e.text.to_ascii_uppercase().starts_with("AUTH ") {
                            e.text.split(' ').take(2).collect::<Vec<_>>().join(" ")
                        } else {
                            e.text.clone()
                        };
                        s.commands_before_tls.push(cmd);
                    }
                    let upper = e.text.to_ascii_uppercase();
                    let arg = e.text.split_once(' ').map(|x| x.1.trim()).unwrap_or("");
                    if upper.starts_with("EHLO ") || upper.starts_with("HELO ") {
                        s.helo = Some(arg.to_string());
                    } else if upper.starts_with("AUTH ") {
                        let mech = arg.split(' ').next().unwrap_or("").to_ascii_uppercase();
                        let user = auths.next().map(|a| a.user).unwrap_or_default();
                        s.auth = Some(Auth {
                            user,
                            mechanism: mech,
                            in_tls: e.tls,
                            accepted: false,
                        });
                        awaiting_auth_reply = true;
                    } else if upper.starts_with("MAIL FROM:") {
                        tx = Some(Transaction {
                            mail_from: addr_of(arg),
                            rcpt_to: Vec::new(),
                            accepted: false,
                            size: 0,
                            reply: String::new(),
                        });
                    } else if upper.starts_with("RCPT TO:") {
                        if let Some(t) = tx.as_mut() {
                            t.rcpt_to.push(addr_of(arg));
                        }
                    }
                }
                Dir::Server => {
                    let code: u16 = e.text.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
                    if code >= 400 {
                        s.replies.push(Reply {
                            code,
                            text: e.text.get(4..).unwrap_or("").to_string(),
                        });
                    }
                    if awaiting_auth_reply && code != 334 {
                        awaiting_auth_reply = false;
                        if let Some(a) = s.auth.as_mut() {
                            a.accepted = code == 235;
                        }
                    }
                    if awaiting_data_reply {
                        awaiting_data_reply = false;
                        if let Some(mut t) = tx.take() {
                            t.accepted = (200..300).contains(&code);
                            t.reply = e.text.clone();
                            s.transactions.push(t);
                        }
                    }
                }
                Dir::Note => {
                    if let Some(v) = e.text.strip_prefix("TLS up (") {
                        let version = if v.contains("1_3") {
                            "TLSv1.3"
                        } else if v.contains("1_2") {
                            "TLSv1.2"
                        } else {
                            v.trim_end_matches(')')
                        };
                        s.tls = Some(Tls {
                            version: version.to_string(),
                            cipher: String::new(),
                            how: if role == 465 { "implicit" } else { "starttls" }.into(),
                        });
                    } else if let Some(n) = e.text.strip_prefix("message of ") {
                        if let Some(t) = tx.as_mut() {
                            t.size = n
                                .split(' ')
                                .next()
                                .and_then(|x| x.parse().ok())
                                .unwrap_or(0);
                        }
                        awaiting_data_reply = true;
                    }
                }
            }
        }
        out.push(s);
    }
    out
}

fn addr_of(arg: &str) -> String {
    let a = arg.split_once(':').map(|x| x.1).unwrap_or(arg).trim();
    let a = a.strip_prefix('<').unwrap_or(a);
    a.split('>').next().unwrap_or("").to_string()
}
