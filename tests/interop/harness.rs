//! Access to the MTA binaries unpacked by tests/harness/fetch-mtas.sh (the cache named by
//! RELAYCTL_MTA_CACHE or <repo>/.cache/mta), and process helpers: run with a timeout,
//! capture output, and fail loudly (never skip) when the cache is missing.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const FETCH_HINT: &str =
    "run `bash tests/harness/fetch-mtas.sh` (as root) to download and unpack the \
     Debian MTA packages into the cache (RELAYCTL_MTA_CACHE, default <repo>/.cache/mta)";

/// The harness cache: wrappers in `bin/` and the paths written to `harness.env`.
pub struct Cache {
    pub dir: PathBuf,
    env: BTreeMap<String, String>,
}

/// The cache, located once per test binary. Panics (fails the test) with a hint to run
/// fetch-mtas.sh when the cache or its harness.env is missing.
pub fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| {
        let dir = match std::env::var_os("RELAYCTL_MTA_CACHE") {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/mta"),
        };
        let env_file = dir.join("harness.env");
        let text = std::fs::read_to_string(&env_file).unwrap_or_else(|e| {
            panic!(
                "MTA harness cache not found ({}: {e}): {FETCH_HINT}",
                env_file.display()
            )
        });
        let env = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Cache { dir, env }
    })
}

impl Cache {
    /// A wrapper from `bin/` (postconf, postfix, postmap, postfix-smtp, exim, update-exim4.conf,
    /// sendmail-mta, makemap, sendmail-m4, smtpd). Fails the test when it is missing.
    pub fn tool(&self, name: &str) -> PathBuf {
        let p = self.dir.join("bin").join(name);
        assert!(
            p.is_file(),
            "MTA tool {} is missing: {FETCH_HINT}",
            p.display()
        );
        p
    }

    /// A path from harness.env (POSTFIX_DAEMON_DIR, SENDMAIL_CF_DIR, EXIM_ETC_DIR, ...).
    pub fn path(&self, key: &str) -> PathBuf {
        let v = self
            .env
            .get(key)
            .unwrap_or_else(|| panic!("{key} missing from harness.env: {FETCH_HINT}"));
        let p = PathBuf::from(v);
        assert!(
            p.exists(),
            "{key}={} does not exist: {FETCH_HINT}",
            p.display()
        );
        p
    }
}

/// What a finished process printed.
pub struct Output {
    pub what: String,
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    /// stdout and stderr together, for messages and greps.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// One line describing the run, for error messages.
    pub fn describe(&self) -> String {
        let status = match self.status {
            Some(s) => s.to_string(),
            None => "timed out".to_string(),
        };
        format!(
            "`{}` {status}\n--- stdout\n{}--- stderr\n{}---",
            self.what, self.stdout, self.stderr
        )
    }

    /// Ok when the process exited 0, else the description as an error.
    pub fn ok(self) -> Result<Output, String> {
        if self.success() {
            Ok(self)
        } else {
            Err(self.describe())
        }
    }
}

/// Runs `cmd` with `stdin` fed in, killing it after `timeout`.
pub fn run(cmd: Command, stdin: Option<&str>, timeout: Duration) -> Output {
    run_with(cmd, stdin, Stdio::piped(), timeout)
}

/// Like [`run`] with stdout sent to /dev/null (Postfix's stand-alone smtp(8) waits for its
/// peer when stdout is a pipe, and exits when it is /dev/null).
pub fn run_stdout_null(cmd: Command, timeout: Duration) -> Output {
    run_with(cmd, None, Stdio::null(), timeout)
}

fn run_with(mut cmd: Command, stdin: Option<&str>, stdout: Stdio, timeout: Duration) -> Output {
    let what = format!("{cmd:?}");
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(stdout)
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    if let Some(input) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().expect("stdin pipe");
        // A process that exits early closes the pipe; its exit status tells the story.
        let _ = pipe.write_all(input.as_bytes());
    }
    let out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take().expect("stderr pipe");
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(mut p) = out_pipe {
            let _ = p.read_to_end(&mut s);
        }
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err_pipe.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("waiting for {what}: {e}"),
        }
    };
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    Output {
        what,
        status,
        stdout,
        stderr,
    }
}

/// Default time limit for one MTA tool run.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// Lines of `text` that contain any of `needles` (case-sensitive).
pub fn lines_with<'a>(text: &'a str, needles: &[&str]) -> Vec<&'a str> {
    text.lines()
        .filter(|l| needles.iter().any(|n| l.contains(n)))
        .collect()
}

/// Writes `lines` to `path`, one per line, with a final newline.
pub fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Copies the directory tree `from` into `to` (files and directories; symlinks are followed).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("mkdir {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("dir entry");
        let src = entry.path();
        let dst = to.join(entry.file_name());
        if src.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst)
                .unwrap_or_else(|e| panic!("copy {} -> {}: {e}", src.display(), dst.display()));
        }
    }
}

/// Runs relayctl's `sh` command lines through `sh -c`, with the cache's bin/ first in PATH.
/// `adapt(program, rest_of_line)` returns the script to run (e.g. with `-c CONFDIR` added) or
/// None to skip the command (service reloads and the like need a running system). A command
/// fails the run when it exits non-zero or prints a warning/error/fatal line.
pub fn run_commands(
    commands: &[String],
    adapt: impl Fn(&str, &str) -> Option<String>,
) -> Result<(), String> {
    let bin = cache().dir.join("bin");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for line in commands {
        let (prog, rest) = line.split_once(' ').unwrap_or((line, ""));
        let Some(script) = adapt(prog, rest) else {
            continue;
        };
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &script]).env("PATH", &path);
        let out = run(cmd, None, TIMEOUT);
        let all = out.all();
        let bad = lines_with(&all, &["warning:", "error:", "fatal:", "ERROR"]);
        if !out.success() || !bad.is_empty() {
            return Err(format!("relayctl command `{line}`: {}", out.describe()));
        }
    }
    Ok(())
}
