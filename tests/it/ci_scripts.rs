//! The CI and harness shell scripts: every apt-get goes through `apt_get`
//! (tests/harness/apt-wait.sh), which waits for another apt or dpkg instead of failing at
//! once (issue 9: fresh cloud VMs hold the apt lock at boot).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// .ci/run and tests/harness/*.sh.
fn scripts() -> Vec<PathBuf> {
    let mut v = vec![repo().join(".ci/run")];
    for e in fs::read_dir(repo().join("tests/harness")).expect("tests/harness") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "sh") {
            v.push(p);
        }
    }
    v
}

/// A shell line without its comment and quoted strings (messages that name apt-get).
fn code_of(line: &str) -> String {
    let mut out = String::new();
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (None, '#') => break,
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn every_apt_get_waits_for_the_lock() {
    let mut bare = Vec::new();
    for p in scripts() {
        if p.ends_with("apt-wait.sh") {
            continue;
        }
        let text = fs::read_to_string(&p).expect("script");
        for (i, line) in text.lines().enumerate() {
            let code = code_of(line);
            let words: Vec<&str> = code
                .split(|c: char| c.is_whitespace() || "();&|".contains(c))
                .filter(|w| !w.is_empty())
                .collect();
            if words.windows(2).any(|w| {
                w[0] == "apt-get"
                    && [
                        "update", "install", "download", "upgrade", "remove", "purge",
                    ]
                    .contains(&w[1])
            }) {
                bare.push(format!("{}:{}: {line}", p.display(), i + 1));
            }
        }
        if text.contains("apt_get ") {
            assert!(
                text.contains("apt-wait.sh"),
                "{} uses apt_get without sourcing it",
                p.display()
            );
        }
    }
    assert!(
        bare.is_empty(),
        "apt-get that fails on a held lock: {bare:#?}"
    );
    // The rule above must see the scripts' apt work at all.
    let ci = fs::read_to_string(repo().join(".ci/run")).expect(".ci/run");
    assert!(ci.contains("apt_get update") && ci.contains("apt_get install"));
}

/// `apt_get ARGS` with a fake apt-get that says a lock is held `busy` times, then succeeds.
fn fake_apt(busy: u32, error: &str, env: &[(&str, &str)]) -> (i32, Vec<String>, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let bin = dir.path().join("apt-get");
    fs::write(
        &bin,
        format!(
            "#!/bin/sh\necho \"$*\" >>\"{d}/calls\"\nn=$(wc -l <\"{d}/calls\")\nif [ \"$n\" -le {busy} ]; then echo '{error}' >&2; exit 100; fi\nexit 0\n",
            d = dir.path().display()
        ),
    )
    .expect("write");
    fs::set_permissions(&bin, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(format!(
            "set -euo pipefail; . '{}'; apt_get update -qq",
            repo().join("tests/harness/apt-wait.sh").display()
        ))
        .env("PATH", path)
        .env_remove("RELAYCTL_APT_WAIT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("bash runs");
    let calls = fs::read_to_string(dir.path().join("calls")).unwrap_or_default();
    (
        o.status.code().unwrap_or(-1),
        calls.lines().map(str::to_owned).collect(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const LISTS_LOCK: &str =
    "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 812 (apt-get)";

#[test]
fn apt_get_waits_for_a_held_lock_then_runs() {
    let (code, calls, err) = fake_apt(1, LISTS_LOCK, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(calls, ["-o DPkg::Lock::Timeout=600 update -qq"; 2], "{err}");
    assert!(err.contains("waiting"), "{err}");
}

#[test]
fn apt_get_gives_up_at_the_deadline_and_on_other_errors() {
    // RELAYCTL_APT_WAIT=0: no waiting; apt-get's own exit code and message.
    let (code, calls, err) = fake_apt(5, LISTS_LOCK, &[("RELAYCTL_APT_WAIT", "0")]);
    assert_eq!((code, calls.len()), (100, 1), "{err}");
    assert!(err.contains("Could not get lock"), "{err}");
    // Not a lock: not retried.
    let (code, calls, err) = fake_apt(5, "E: Unable to locate package nosuch", &[]);
    assert_eq!((code, calls.len()), (100, 1), "{err}");
    assert!(err.contains("Unable to locate package"), "{err}");
}
