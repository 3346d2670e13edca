//! Running the real binary with a scrubbed environment: an empty temp dir as the working
//! directory and HOME, no RELAYCTL_* variables, NO_COLOR=1.

use std::path::Path;
use std::process::{Command, Output};

/// The result of one run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// A `relayctl` command in `dir` with a scrubbed environment.
pub fn relayctl_in(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_relayctl"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .current_dir(dir);
    cmd
}

/// Runs `relayctl ARGS` in a fresh empty directory.
pub fn run(args: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    run_in(dir.path(), args)
}

/// Runs `relayctl ARGS` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    relayctl_in(dir, args)
        .output()
        .expect("the relayctl binary runs")
        .into()
}

/// A small deterministic generator (xorshift), so failures reproduce.
pub struct Rng(pub u64);

impl Rng {
    /// The next pseudo-random number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The upper bound for a run that must end by itself within `expected` (relayctl's own
/// `--timeout`, or next to nothing for a run that needs no network answer). It proves that
/// the run ends, not that it is fast: a debug build on a busy two-core machine may take
/// several times the expected time, so it allows five times that plus 10 s.
pub fn ends_by(expected: std::time::Duration) -> std::time::Duration {
    expected * 5 + std::time::Duration::from_secs(10)
}
