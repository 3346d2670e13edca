//! relayctl as people run it: stdin, stdout and stderr on a pseudo-terminal (portable-pty),
//! colour on (no NO_COLOR), the bytes it writes replayed through a terminal emulator (vt100)
//! so a test reads the screen a user would see, not the raw stream. Every run is bounded:
//! a command still running after `HARD_LIMIT` is killed and fails its test, so a hang is a
//! failure, never a stuck suite. The limits prove "ends", not "fast": they are many times the
//! command's own `--timeout`, so a busy machine cannot fail them.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

use crate::probe::World;
use crate::relay::{contains_secret, Hostile, Script};

/// A run still going after this is killed and fails the test.
const HARD_LIMIT: Duration = Duration::from_secs(30);

/// Ctrl-C must end a run long before its 60 s `--timeout` would: a third of it leaves any
/// busy machine room while still telling the interrupt from the deadline.
const INTERRUPT_BOUND: Duration = Duration::from_secs(20);

/// The terminal's size: tall enough that nothing relayctl prints scrolls off the screen.
const ROWS: u16 = 200;
const COLS: u16 = 120;

const HELO: &str = "mail.example.com";
const USER: &str = "relay@example.com";
const PASSWORD: &str = "typed-Pty-passw0rd-n0t-echoed";

/// One relayctl process on a pseudo-terminal.
struct Term {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    bytes: Arc<Mutex<Vec<u8>>>,
    reader: Option<std::thread::JoinHandle<()>>,
    started: Instant,
    // Kept open until the end: dropping the master hangs up the terminal.
    _master: Box<dyn MasterPty + Send>,
}

/// How a run ended.
struct Ended {
    /// The exit code, or `None` when a signal killed the process.
    code: Option<u32>,
    signal: Option<String>,
    /// Everything written to the terminal, raw.
    raw: Vec<u8>,
    /// The screen at the end, as a user sees it.
    screen: String,
    /// Whether the cursor was left hidden.
    cursor_hidden: bool,
    elapsed: Duration,
}

impl Ended {
    fn all(&self) -> String {
        format!(
            "code {:?} signal {:?} after {:?}\n--- screen\n{}\n--- raw\n{:?}",
            self.code,
            self.signal,
            self.elapsed,
            self.screen,
            String::from_utf8_lossy(&self.raw)
        )
    }
}

impl Term {
    /// `relayctl ARGS` in `dir` on a new terminal, environment scrubbed as in
    /// `support::relayctl_in` but with colour allowed and TERM set.
    fn spawn(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Term {
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_relayctl"));
        cmd.args(args);
        Term::spawn_command(dir, cmd, env)
    }

    /// `sh -c SCRIPT` on a new terminal, with `$RELAYCTL` the binary under test.
    fn spawn_sh(dir: &Path, script: &str, env: &[(&str, &str)]) -> Term {
        let mut cmd = CommandBuilder::new("sh");
        cmd.args(["-c", script]);
        let mut env = env.to_vec();
        env.push(("RELAYCTL", env!("CARGO_BIN_EXE_relayctl")));
        Term::spawn_command(dir, cmd, &env)
    }

    fn spawn_command(dir: &Path, mut cmd: CommandBuilder, env: &[(&str, &str)]) -> Term {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pseudo-terminal");
        cmd.env_clear();
        cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
        cmd.env("HOME", dir);
        cmd.env("TERM", "xterm-256color");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.cwd(dir);
        let child = pair.slave.spawn_command(cmd).expect("spawn on the pty");
        // Only the child holds the terminal's slave side now, so reads end when it exits.
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&bytes);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => sink.lock().unwrap().extend_from_slice(&buf[..n]),
                }
            }
        });
        Term {
            child,
            writer,
            bytes,
            reader: Some(reader),
            started: Instant::now(),
            _master: pair.master,
        }
    }

    /// The screen now.
    fn screen(&self) -> String {
        render(&self.bytes.lock().unwrap()).0
    }

    /// Waits until the screen shows `text`; fails the test (killing the child) when the
    /// process ends first or `HARD_LIMIT` passes.
    fn expect(&mut self, text: &str) {
        loop {
            if self.screen().contains(text) {
                return;
            }
            let exited = self.child.try_wait().expect("poll the child").is_some();
            if exited || self.started.elapsed() > HARD_LIMIT {
                // One last look: the child may have written it just before it ended.
                std::thread::sleep(Duration::from_millis(100));
                if self.screen().contains(text) {
                    return;
                }
                let _ = self.child.kill();
                panic!(
                    "{text:?} never appeared (exited: {exited})\n--- screen\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Types `bytes` as a user would.
    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to the pty");
        self.writer.flush().expect("flush the pty");
    }

    /// Waits for the end of the process, killing it past `HARD_LIMIT`, then collects all
    /// it wrote.
    fn wait(mut self) -> Ended {
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("poll the child") {
                break s;
            }
            if self.started.elapsed() > HARD_LIMIT {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "still running after {HARD_LIMIT:?}: a hang\n--- screen\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let elapsed = self.started.elapsed();
        // The reader ends when the last holder of the slave side (the child) is gone.
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        let raw = self.bytes.lock().unwrap().clone();
        let (screen, cursor_hidden) = render(&raw);
        Ended {
            code: status.signal().is_none().then(|| status.exit_code()),
            signal: status.signal().map(str::to_owned),
            raw,
            screen,
            cursor_hidden,
            elapsed,
        }
    }
}

/// Replays `raw` through a terminal emulator: the screen's text and whether the cursor is
/// hidden.
fn render(raw: &[u8]) -> (String, bool) {
    let size = |n| std::num::NonZeroU16::new(n).expect("a non-zero size");
    let mut parser = vt100::Parser::new(size(ROWS), size(COLS), 0);
    parser.process(raw);
    let screen = parser.screen();
    (screen.contents(), screen.hide_cursor())
}

/// `probe --host 127.0.0.1 --helo ... --ca-file ca.pem --port PORT/MODE --timeout T`.
fn probe_args(port: &str, timeout: &str) -> Vec<String> {
    [
        "probe",
        "--host",
        "127.0.0.1",
        "--helo",
        HELO,
        "--ca-file",
        "ca.pem",
        "--port",
        port,
        "--timeout",
        timeout,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A port on 127.0.0.1 where nothing listens: bound, then released.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

// ---- probe ----

/// The exact report of the hang (issue 9): a refused port, stderr on a terminal. Before
/// the fix `main` held the stderr lock while the workers waited for it to draw a spinner:
/// this test then ran into HARD_LIMIT.
#[test]
fn probe_refused_ends_on_a_terminal() {
    let w = World::new();
    let port = format!("{}/starttls", closed_port());
    let t = Term::spawn(w.path(), &strs(&probe_args(&port, "2")), &[]);
    let e = t.wait();
    assert_eq!(e.code, Some(4), "{}", e.all());
    assert!(e.screen.contains("connection refused"), "{}", e.all());
    assert!(
        e.screen
            .contains("relayctl: 127.0.0.1: no port could be reached"),
        "{}",
        e.all()
    );
    assert!(!e.cursor_hidden, "{}", e.all());
}

/// The happy path: spinners while it works, then the table, in colour, and no spinner line
/// left on the screen.
#[test]
fn probe_ok_shows_spinners_then_the_table() {
    let w = World::new();
    let relay = w.start(Script::google());
    let port = format!("{}/starttls", relay.port());
    let t = Term::spawn(w.path(), &strs(&probe_args(&port, "10")), &[]);
    let e = t.wait();
    assert_eq!(e.code, Some(0), "{}", e.all());
    let raw = String::from_utf8_lossy(&e.raw);
    // The spinner line was drawn (it says how the port ended) before the table...
    let spinner = raw
        .find(&format!("port {} 127.0.0.1:", relay.port()))
        .unwrap_or_else(|| panic!("no spinner line\n{}", e.all()));
    let table = raw.find("PORT").expect("the table");
    assert!(spinner < table, "{}", e.all());
    // ...and is gone from the screen, which holds the table and the verdict.
    assert!(!e.screen.contains("probing"), "{}", e.all());
    assert!(
        !e.screen
            .contains(&format!("port {} 127.0.0.1: ok", relay.port())),
        "the spinner's last line was left behind\n{}",
        e.all()
    );
    assert!(e.screen.contains(" ok "), "{}", e.all());
    // Colour is on (a terminal, no NO_COLOR).
    assert!(raw.contains("\u{1b}[3"), "no colour\n{}", e.all());
    assert!(!e.cursor_hidden);
}

/// `-q` on a terminal: no spinner is ever drawn, the table and the exit code are the same.
#[test]
fn probe_quiet_on_a_terminal_draws_no_spinner() {
    let w = World::new();
    let relay = w.start(Script::google());
    let port = format!("{}/starttls", relay.port());
    let owned = probe_args(&port, "10");
    let mut args = strs(&owned);
    args.push("-q");
    let t = Term::spawn(w.path(), &args, &[]);
    let e = t.wait();
    assert_eq!(e.code, Some(0), "{}", e.all());
    let raw = String::from_utf8_lossy(&e.raw);
    assert!(!raw.contains("probing"), "a spinner was drawn\n{}", e.all());
    assert!(
        e.screen.contains("PORT") && e.screen.contains(" ok "),
        "{}",
        e.all()
    );
}

/// A server that accepts and says nothing: the spinner turns until the timeout, then the
/// verdict.
#[test]
fn probe_silent_server_spins_then_times_out() {
    let w = World::new();
    let relay = w.start(Script::google().hostile(Hostile::Silent));
    let port = format!("{}/starttls", relay.port());
    let mut t = Term::spawn(w.path(), &strs(&probe_args(&port, "2")), &[]);
    t.expect("probing");
    let e = t.wait();
    assert_eq!(e.code, Some(1), "{}", e.all());
    assert!(e.screen.contains("fail"), "{}", e.all());
    assert!(!e.screen.contains("probing"), "{}", e.all());
}

/// No DNS answer at all (nothing listens on the name server's port): exit 4, one line
/// naming the failure, within the bound.
#[test]
fn probe_dns_failure_ends() {
    let w = World::new();
    let t = Term::spawn(
        w.path(),
        &[
            "probe",
            "--host",
            "relay.invalid.example",
            "--helo",
            HELO,
            "--nameserver",
            "127.0.0.1:9",
            "--timeout",
            "2",
        ],
        &[],
    );
    let e = t.wait();
    assert_eq!(e.code, Some(4), "{}", e.all());
    assert!(e.screen.contains("relayctl: "), "{}", e.all());
}

/// Ctrl-C while a port is being probed: exit 130 at once, the spinner lines cleared, the
/// cursor shown, "interrupted" said.
#[test]
fn probe_ctrl_c_ends_at_once_and_cleans_the_screen() {
    let w = World::new();
    let relay = w.start(Script::google().hostile(Hostile::Silent));
    let port = format!("{}/starttls", relay.port());
    let mut t = Term::spawn(w.path(), &strs(&probe_args(&port, "60")), &[]);
    t.expect("probing");
    let pressed = Instant::now();
    t.send(b"\x03");
    let e = t.wait();
    assert_eq!(e.code, Some(130), "{}", e.all());
    // Well before the 60 s timeout: the interrupt ended it, not the deadline.
    assert!(pressed.elapsed() < INTERRUPT_BOUND, "{}", e.all());
    assert!(!e.screen.contains("probing"), "{}", e.all());
    assert!(e.screen.contains("relayctl: interrupted"), "{}", e.all());
    assert!(!e.cursor_hidden, "{}", e.all());
}

// ---- the password prompt ----

/// The password typed at the prompt is not echoed, appears nowhere on the screen, and is
/// the one sent (the relay accepts it).
#[test]
fn password_prompt_does_not_echo_and_is_used() {
    let w = World::new();
    let relay = w.start(Script::google().account(USER, PASSWORD));
    let port = format!("{}/starttls", relay.port());
    let mut args = probe_args(&port, "10");
    args.extend(["--auth-user".to_string(), USER.to_string()]);
    let mut t = Term::spawn(w.path(), &strs(&args), &[]);
    t.expect(&format!("password for {USER}: "));
    t.send(PASSWORD.as_bytes());
    t.send(b"\r");
    let e = t.wait();
    assert_eq!(e.code, Some(0), "{}", e.all());
    assert!(
        !contains_secret(&e.raw, PASSWORD.as_bytes()),
        "the password was echoed or printed\n{}",
        e.all()
    );
    let accepted = relay.auth_attempts();
    assert!(
        accepted.iter().any(|a| a.accepted),
        "the relay did not accept the typed password: {accepted:?}"
    );
}

/// Ctrl-C at the password prompt: exit 130 and the terminal's echo is back on (the shell
/// that ran relayctl sees `echo` in `stty -a`, not `-echo`).
#[test]
fn ctrl_c_at_the_password_prompt_restores_echo() {
    let w = World::new();
    let relay = w.start(Script::google().account(USER, PASSWORD));
    let script = format!(
        "trap 'true' INT; \"$RELAYCTL\" probe --host 127.0.0.1 --helo {HELO} --ca-file ca.pem \
         --port {}/starttls --auth-user {USER}; echo \"rc=$?\"; stty -a",
        relay.port()
    );
    let mut t = Term::spawn_sh(w.path(), &script, &[]);
    t.expect("password for");
    t.send(b"\x03");
    t.expect("rc=130");
    let e = t.wait();
    let stty = e.screen.split("rc=130").nth(1).unwrap_or_default();
    assert!(
        stty.split_whitespace().any(|w| w == "echo"),
        "echo left off after Ctrl-C at the prompt\n{}",
        e.all()
    );
    assert!(relay.auth_attempts().is_empty());
}

/// With stdin not a terminal (a pipe) there is nobody to ask: exit 3 at once with a message
/// that says what to do, even though stderr is a terminal.
#[test]
fn password_prompt_without_a_terminal_on_stdin_says_what_to_do() {
    let w = World::new();
    let relay = w.start(Script::google().account(USER, PASSWORD));
    let script = format!(
        "\"$RELAYCTL\" probe --host 127.0.0.1 --helo {HELO} --ca-file ca.pem \
         --port {}/starttls --auth-user {USER} < /dev/null; echo \"rc=$?\"",
        relay.port()
    );
    let e = Term::spawn_sh(w.path(), &script, &[]).wait();
    assert!(e.screen.contains("rc=3"), "{}", e.all());
    assert!(e.screen.contains("RELAYCTL_PASSWORD"), "{}", e.all());
    assert!(relay.auth_attempts().is_empty());
}

// ---- send-test ----

fn send_test_args(port: &str) -> Vec<String> {
    [
        "send-test",
        "--host",
        "127.0.0.1",
        "--port",
        port,
        "--helo",
        HELO,
        "--ca-file",
        "ca.pem",
        "--from",
        "it@example.com",
        "--to",
        "you@example.com",
        "--timeout",
        "10",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn send_test_on_a_terminal_sends_and_ends() {
    let w = World::new();
    let relay = w.start(Script::google());
    let port = format!("{}/starttls", relay.port());
    let e = Term::spawn(w.path(), &strs(&send_test_args(&port)), &[]).wait();
    assert_eq!(e.code, Some(0), "{}", e.all());
    assert_eq!(relay.messages().len(), 1, "{}", e.all());
    assert!(!e.cursor_hidden);
}

#[test]
fn send_test_ctrl_c_ends_at_once() {
    let w = World::new();
    let relay = w.start(Script::google().hostile(Hostile::Silent));
    let port = format!("{}/starttls", relay.port());
    let mut args = send_test_args(&port);
    let n = args.len();
    args[n - 1] = "60".into();
    let mut t = Term::spawn(w.path(), &strs(&args), &[]);
    // Give it time to connect and wait on the silent server.
    std::thread::sleep(Duration::from_millis(500));
    let pressed = Instant::now();
    t.send(b"\x03");
    let e = t.wait();
    assert_eq!(e.code, Some(130), "{}", e.all());
    assert!(pressed.elapsed() < INTERRUPT_BOUND, "{}", e.all());
}

// ---- the other commands, colour on ----

#[test]
fn init_on_a_terminal_writes_the_file() {
    let w = World::new();
    let e = Term::spawn(
        w.path(),
        &[
            "init",
            "--mta",
            "postfix",
            "--domain",
            "example.com",
            "--range",
            "203.0.113.0/28",
            "--helo",
            HELO,
        ],
        &[],
    )
    .wait();
    assert_eq!(e.code, Some(0), "{}", e.all());
    let written = std::fs::read_to_string(w.path().join("relay.toml")).expect("relay.toml");
    assert!(written.contains("203.0.113.0/28"));
    assert!(e.screen.contains("relay.toml"), "{}", e.all());
}

#[test]
fn gen_on_a_terminal_prints_config_and_notes() {
    let w = World::new();
    let e = Term::spawn(
        w.path(),
        &["gen", "postfix", "--helo", HELO, "--domain", "example.com"],
        &[],
    )
    .wait();
    assert_eq!(e.code, Some(0), "{}", e.all());
    assert!(
        e.screen.contains("relayhost = [smtp-relay.gmail.com]:587"),
        "{}",
        e.all()
    );
    assert!(
        e.screen.contains("smtp_helo_name = mail.example.com"),
        "{}",
        e.all()
    );
}

#[test]
fn check_cidr_on_a_terminal_in_colour() {
    let w = World::new();
    std::fs::write(
        w.path().join("ranges.txt"),
        "10.0.0.0/8 office\n203.0.113.0/24 dc\n",
    )
    .unwrap();
    let e = Term::spawn(w.path(), &["check", "cidr", "ranges.txt"], &[]).wait();
    assert_eq!(e.code, Some(1), "{}", e.all());
    assert!(e.screen.contains("ranges.txt:1"), "{}", e.all());
    assert!(
        String::from_utf8_lossy(&e.raw).contains("\u{1b}["),
        "no colour on a terminal\n{}",
        e.all()
    );
}

#[test]
fn lint_on_a_terminal_in_colour() {
    let w = World::new();
    std::fs::write(
        w.path().join("main.cf"),
        "relayhost = [smtp-relay.gmail.com]:587\nsmtp_tls_security_level = may\n",
    )
    .unwrap();
    let e = Term::spawn(w.path(), &["lint", "main.cf", "--fail-on", "warning"], &[]).wait();
    assert_eq!(e.code, Some(1), "{}", e.all());
    assert!(e.screen.contains("main.cf:2"), "{}", e.all());
    assert!(
        String::from_utf8_lossy(&e.raw).contains("\u{1b}["),
        "no colour on a terminal\n{}",
        e.all()
    );
}

/// NO_COLOR on a terminal: the same screen without escape codes for colour.
#[test]
fn no_color_on_a_terminal_is_respected() {
    let w = World::new();
    std::fs::write(
        w.path().join("main.cf"),
        "relayhost = [smtp-relay.gmail.com]:587\nsmtp_tls_security_level = may\n",
    )
    .unwrap();
    let e = Term::spawn(
        w.path(),
        &["lint", "main.cf", "--fail-on", "warning"],
        &[("NO_COLOR", "1")],
    )
    .wait();
    assert_eq!(e.code, Some(1), "{}", e.all());
    assert!(
        !String::from_utf8_lossy(&e.raw).contains("\u{1b}[3"),
        "colour despite NO_COLOR\n{}",
        e.all()
    );
}
