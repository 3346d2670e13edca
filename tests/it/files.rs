//! Hostile files (issue 10): a `--password-file` that others may read, that is a symlink to
//! a system file, a FIFO or a device; `init --force` over a FIFO or a device. Each is refused
//! with exit 3 and one `relayctl: PATH: ...` line before anything else happens (no network,
//! nothing written).

use std::net::TcpListener;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{relayctl_in, run_in, Run};

const PASSWORD: &str = "s3cret-Pa55word-never-printed";

/// A port on 127.0.0.1 with nothing listening (bound, then released).
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Runs `cmd` with stdin from `stdin` (or nothing), killed after a generous 20 s: a read
/// that blocks fails the test instead of hanging it.
fn run_bounded(mut cmd: Command, stdin: Option<std::fs::File>) -> Run {
    cmd.stdin(stdin.map_or_else(Stdio::null, Stdio::from))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("relayctl runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("relayctl still running after 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap().into()
}

/// `probe` or `send-test` with `--password-file FILE` against a closed loopback port.
fn with_password_file(dir: &Path, command: &str, file: &str, stdin: Option<std::fs::File>) -> Run {
    let port = format!("{}/starttls", closed_port());
    let mut args = vec![
        command,
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--helo",
        "mail.example.com",
        "--timeout",
        "1",
        "--auth-user",
        "it@example.com",
        "--password-file",
        file,
    ];
    if command == "send-test" {
        args.extend(["--from", "it@example.com", "--to", "you@example.com"]);
    }
    run_bounded(relayctl_in(dir, &args), stdin)
}

fn write_mode(path: &Path, text: &str, mode: u32) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Exit 3, one `relayctl: ...` line on stderr that starts with `head` and holds `has`,
/// nothing on stdout, no password anywhere: refused before any network.
fn assert_refused(r: &Run, head: &str, has: &str) {
    let all = format!("{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.code, 3, "{all}");
    assert!(r.stdout.is_empty(), "{all}");
    assert_eq!(r.stderr.lines().count(), 1, "one line: {all}");
    assert!(r.stderr.starts_with(&format!("relayctl: {head}")), "{all}");
    assert!(r.stderr.contains(has), "{all}");
    assert!(!all.contains(PASSWORD), "{all}");
}

#[test]
fn password_file_readable_by_others_is_refused_with_chmod_600() {
    let dir = tempfile::tempdir().unwrap();
    for (command, mode) in [("probe", 0o644), ("send-test", 0o666), ("probe", 0o660)] {
        write_mode(&dir.path().join("relay.pw"), &format!("{PASSWORD}\n"), mode);
        let r = with_password_file(dir.path(), command, "relay.pw", None);
        assert_refused(
            &r,
            "relay.pw: readable by group or others",
            "chmod 600 relay.pw",
        );
    }
    // Private, the same file is used: the run goes on to the closed port (exit 4).
    std::fs::set_permissions(
        dir.path().join("relay.pw"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let r = with_password_file(dir.path(), "probe", "relay.pw", None);
    assert_eq!(r.code, 4, "{}", r.stderr);
}

#[test]
fn password_file_symlink_to_a_system_file_names_the_target() {
    let dir = tempfile::tempdir().unwrap();
    // A stand-in for /etc/shadow (mode 0640), so the test does not depend on the host.
    let shadow = dir.path().join("shadow");
    write_mode(&shadow, "root:$6$salt$hash:19000:0:99999:7:::\n", 0o640);
    let shadow = std::fs::canonicalize(shadow).unwrap();
    std::os::unix::fs::symlink(&shadow, dir.path().join("relay.pw")).unwrap();
    let r = with_password_file(dir.path(), "send-test", "relay.pw", None);
    assert_refused(
        &r,
        &format!(
            "relay.pw -> {}: readable by group or others",
            shadow.display()
        ),
        "chmod 600",
    );
    assert!(!r.stderr.contains("$6$"), "{}", r.stderr);
    if Path::new("/etc/shadow").exists() {
        std::os::unix::fs::symlink("/etc/shadow", dir.path().join("shadow.pw")).unwrap();
        let r = with_password_file(dir.path(), "probe", "shadow.pw", None);
        assert_eq!(r.code, 3, "{}", r.stderr);
        assert!(
            r.stderr.starts_with("relayctl: shadow.pw -> /etc/shadow: "),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn password_file_fifo_and_devices_are_refused_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let made = Command::new("mkfifo").arg(dir.path().join("fifo")).status();
    assert!(made.map(|s| s.success()).unwrap_or(false), "mkfifo");
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.pw")).unwrap();
    for (file, head, kind) in [
        ("fifo", "fifo: ".to_owned(), "(a FIFO)"),
        (
            "/dev/zero",
            "/dev/zero: ".to_owned(),
            "(a character device)",
        ),
        (
            "zero.pw",
            "zero.pw -> /dev/zero: ".to_owned(),
            "(a character device)",
        ),
        (".", ".: ".to_owned(), "(a directory)"),
    ] {
        let r = with_password_file(dir.path(), "probe", file, None);
        assert_refused(&r, &format!("{head}not a regular file"), kind);
    }
}

#[test]
fn password_file_dash_reads_stdin() {
    let dir = tempfile::tempdir().unwrap();
    // A BOM and CRLF (a Windows editor) are not part of the password: it is accepted and
    // the run goes on to the closed port.
    let input = dir.path().join("input");
    std::fs::write(&input, format!("\u{feff}{PASSWORD}\r\nsecond line\n")).unwrap();
    let r = with_password_file(
        dir.path(),
        "probe",
        "-",
        Some(std::fs::File::open(&input).unwrap()),
    );
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(!r.stderr.contains(PASSWORD), "{}", r.stderr);
    // stdin from /dev/zero: one endless line of NULs, cut at the size cap.
    let r = with_password_file(
        dir.path(),
        "send-test",
        "-",
        Some(std::fs::File::open("/dev/zero").unwrap()),
    );
    assert_refused(
        &r,
        "stdin: first line longer than",
        "is this the right file?",
    );
    // Nothing on stdin.
    let r = with_password_file(dir.path(), "probe", "-", None);
    assert_refused(&r, "stdin: line 1: empty", "empty");
}

fn init_force(dir: &Path, path: &str) -> Run {
    run_in(
        dir,
        &["init", "--force", "--helo", "mail.example.com", path],
    )
}

#[test]
fn init_force_refuses_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("relay.toml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    assert!(made.map(|s| s.success()).unwrap_or(false), "mkfifo");
    let r = init_force(dir.path(), "relay.toml");
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim(),
        "relayctl: relay.toml: not a regular file (a FIFO); relayctl replaces only regular files, give another path"
    );
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp file left"
    );
}

#[test]
fn init_force_refuses_a_symlink_to_a_device() {
    // Safe as root too: with the refusal missing, the symlink (not /dev/null) is replaced.
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("relay.toml");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    let r = init_force(dir.path(), "relay.toml");
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim(),
        "relayctl: relay.toml -> /dev/null: not a regular file (a character device); relayctl replaces only regular files, give another path"
    );
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

#[test]
fn init_force_refuses_dev_null_itself() {
    // Only when not root: a regression as root would replace the real /dev/null.
    if std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(0)
        == 0
    {
        eprintln!("skipped as root (see init_force_refuses_a_symlink_to_a_device)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let r = init_force(dir.path(), "/dev/null");
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("/dev/null: not a regular file (a character device)"),
        "{}",
        r.stderr
    );
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

#[test]
fn init_force_keeps_the_mode_and_replaces_a_symlink_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.toml");
    write_mode(&path, "old\n", 0o600);
    let r = init_force(dir.path(), "relay.toml");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("[console]"));
    // A symlink to a regular file: the link is replaced by the new file (as before), with
    // the target's mode; the target itself is left alone.
    let target = dir.path().join("real.toml");
    write_mode(&target, "target\n", 0o640);
    let link = dir.path().join("link.toml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let r = init_force(dir.path(), "link.toml");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(meta.file_type().is_file());
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "target\n");
}
