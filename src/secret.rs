//! Secrets: a password or token read from an environment variable, a file or a prompt,
//! never from the command line. The value type, [`Secret`] (redacted in Debug and Display),
//! is the pure `crate::redacted::Secret`, re-exported here for the callers of the readers.

use std::io::{self, BufRead, IsTerminal};
use std::path::Path;

use crate::error::Error;
use crate::fsx;
pub use crate::redacted::Secret;

/// The environment variable that holds the SMTP AUTH password.
pub const PASSWORD_ENV: &str = "RELAYCTL_PASSWORD";

/// The environment variable that holds an OAuth 2.0 access token for XOAUTH2.
pub const OAUTH_TOKEN_ENV: &str = "RELAYCTL_OAUTH_TOKEN";

/// A secret file's first line may hold a long OAuth token, never megabytes.
const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// Where a secret came from, for messages ("from RELAYCTL_PASSWORD").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// An environment variable.
    Env(&'static str),
    /// A file.
    File,
    /// Typed at a prompt.
    Prompt,
}

/// Reads the first line of `path` as a secret: a UTF-8 byte-order mark and trailing CR/LF
/// removed, must not be empty, must be UTF-8 without control characters (a binary file is
/// refused, not sent). `-` reads the first line of stdin (refused on a terminal, where the
/// secret would echo: the prompt is for that).
///
/// A file must be private: symlinks are resolved first, anything but a regular file is
/// refused (a FIFO, a device such as /dev/zero, a directory, a socket), and so is a file
/// that its group or others may read or write (the fix, `chmod 600 PATH`, is in the
/// message). The file is opened non-blocking and checked through the opened descriptor,
/// so a FIFO cannot hang the read and a file swapped after the check is never read.
pub fn from_file(path: &Path) -> Result<Secret, Error> {
    if path.as_os_str() == "-" {
        let stdin = io::stdin();
        if stdin.is_terminal() {
            return Err(Error::Value(
                "-: stdin is a terminal, where a typed secret would echo; pipe it in, or leave \
                 out --password-file to be asked for the password without echo"
                    .to_owned(),
            ));
        }
        return first_line(stdin.lock(), "stdin");
    }
    let (file, label) = fsx::open_private(path)?;
    first_line(io::BufReader::new(file), &label)
}

/// The first line of `input` (read up to the first newline, at most
/// [`MAX_SECRET_FILE_BYTES`]) as a checked secret; `label` names the input in messages.
fn first_line<R: BufRead>(input: R, label: &str) -> Result<Secret, Error> {
    let bad = |message: String| Error::Value(format!("{label}: {message}"));
    let mut buf = Vec::new();
    input
        .take(MAX_SECRET_FILE_BYTES + 1)
        .read_until(b'\n', &mut buf)
        .map_err(|e| bad(e.to_string()))?;
    if buf.len() as u64 > MAX_SECRET_FILE_BYTES {
        return Err(bad(format!(
            "first line longer than {MAX_SECRET_FILE_BYTES} bytes; is this the right file?"
        )));
    }
    let bytes = buf.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&buf);
    let text = std::str::from_utf8(bytes)
        .map_err(|_| bad("line 1: not UTF-8 text (binary file?)".to_owned()))?;
    let first = text.strip_suffix('\n').unwrap_or(text);
    let first = first.strip_suffix('\r').unwrap_or(first);
    check_value(first).map_err(|why| bad(format!("line 1: {why}")))?;
    Ok(Secret::new(first))
}

/// Reads a secret from the environment variable `var` when it is set and not empty.
pub fn from_env(var: &'static str) -> Result<Option<Secret>, Error> {
    match std::env::var(var) {
        Ok(v) if v.is_empty() => Ok(None),
        Ok(v) => {
            check_value(&v).map_err(|why| Error::Value(format!("{var}: {why}")))?;
            Ok(Some(Secret::new(v)))
        }
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(Error::Value(format!("{var} is not valid UTF-8")))
        }
    }
}

/// Asks for a secret on the terminal without echo. Refuses when stdin is not a terminal,
/// so a script never hangs on a prompt nobody sees.
pub fn prompt(question: &str) -> Result<Secret, Error> {
    if !io::stdin().is_terminal() {
        return Err(Error::Value(format!(
            "{question}: no terminal to ask on; set {PASSWORD_ENV} or use --password-file"
        )));
    }
    let v = rpassword::prompt_password(format!("{question}: ")).map_err(|e| {
        if e.kind() == io::ErrorKind::Interrupted {
            // Ctrl-C: the read was cut by SIGINT, whose handler restores the terminal.
            Error::Interrupted
        } else {
            Error::Value(format!("cannot read the password: {e}"))
        }
    })?;
    check_value(&v).map_err(|why| Error::Value(format!("password: {why}")))?;
    Ok(Secret::new(v))
}

fn check_value(v: &str) -> Result<(), &'static str> {
    if v.is_empty() {
        return Err("empty");
    }
    if v.chars().any(char::is_control) {
        return Err("contains control characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked() {
        for (name, v, ok) in [
            ("plain", "app-password", true),
            ("empty", "", false),
            ("newline inside", "a\nb", false),
            ("nul", "a\0b", false),
            ("non-ascii is fine", "pässwörd", true),
        ] {
            assert_eq!(check_value(v).is_ok(), ok, "{name}");
        }
    }

    use std::os::unix::fs::PermissionsExt;
    use std::path::PathBuf;
    use std::sync::mpsc;
    use std::time::Duration;

    /// `from_file` on a thread, so a read that blocks fails the test instead of hanging it.
    fn from_file_bounded(path: PathBuf) -> Result<Secret, String> {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(from_file(&path).map_err(|e| e.to_string()));
        });
        rx.recv_timeout(Duration::from_secs(20))
            .expect("from_file returned (it must not block)")
    }

    fn private_file(dir: &Path, name: &str, contents: &[u8], mode: u32) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, contents).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    #[test]
    fn a_private_file_gives_its_first_line() {
        let dir = tempfile::tempdir().unwrap();
        for (name, contents, want) in [
            ("plain", &b"app-password\nsecond line\n"[..], "app-password"),
            ("crlf", b"app-password\r\n", "app-password"),
            ("no newline", b"app-password", "app-password"),
            ("utf-8 bom", b"\xef\xbb\xbfapp-password\r\n", "app-password"),
        ] {
            let p = private_file(dir.path(), "pw", contents, 0o600);
            let got = from_file(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(got.expose(), want, "{name}");
        }
        // Owner-only read, or read and execute, are private too.
        let p = private_file(dir.path(), "pw", b"app-password\n", 0o400);
        assert_eq!(from_file(&p).unwrap().expose(), "app-password");
    }

    #[test]
    fn a_file_others_may_read_or_write_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        for (mode, what) in [
            (0o644, "readable"),
            (0o640, "readable"),
            (0o604, "readable"),
            (0o666, "readable"),
            (0o620, "writable"),
            (0o602, "writable"),
        ] {
            let p = private_file(dir.path(), "relay.pw", b"app-password\n", mode);
            let e = from_file(&p).unwrap_err();
            let msg = e.to_string();
            assert_eq!(e.exit_status().code(), 3, "{msg}");
            assert!(
                msg.starts_with(&format!(
                    "{}: {what} by group or others (mode 0{mode:o})",
                    p.display()
                )),
                "{mode:o}: {msg}"
            );
            assert!(
                msg.ends_with(&format!("chmod 600 {}", p.display())),
                "{msg}"
            );
            assert!(!msg.contains("app-password"), "{msg}");
            assert!(!msg.contains('\n'), "one line: {msg}");
        }
    }

    #[test]
    fn a_symlink_is_resolved_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let target = private_file(dir.path(), "real", b"app-password\n", 0o644);
        let target = std::fs::canonicalize(target).unwrap();
        let link = dir.path().join("relay.pw");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let msg = from_file(&link).unwrap_err().to_string();
        assert!(
            msg.starts_with(&format!(
                "{} -> {}: readable",
                link.display(),
                target.display()
            )),
            "{msg}"
        );
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(from_file(&link).unwrap().expose(), "app-password");
    }

    #[test]
    fn anything_but_a_regular_file_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        // A FIFO nobody writes to: a blocking open would wait for ever.
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.map(|s| s.success()).unwrap_or(false), "mkfifo");
        let msg = from_file_bounded(fifo.clone()).unwrap_err();
        assert!(msg.contains("not a regular file (a FIFO)"), "{msg}");
        // The same through a symlink, named with its target.
        let link = dir.path().join("relay.pw");
        std::os::unix::fs::symlink(&fifo, &link).unwrap();
        let msg = from_file_bounded(link.clone()).unwrap_err();
        assert!(msg.contains(" -> "), "{msg}");
        assert!(msg.contains("not a regular file (a FIFO)"), "{msg}");
        // An endless device, a directory, a socket.
        let msg = from_file_bounded("/dev/zero".into()).unwrap_err();
        assert!(
            msg.contains("not a regular file (a character device)"),
            "{msg}"
        );
        let msg = from_file_bounded(dir.path().to_owned()).unwrap_err();
        assert!(msg.contains("not a regular file (a directory)"), "{msg}");
        let sock = dir.path().join("sock");
        let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let msg = from_file_bounded(sock).unwrap_err();
        assert!(msg.contains("not a regular file (a socket)"), "{msg}");
    }

    #[test]
    fn first_line_checks() {
        let ok = |b: &[u8]| first_line(b, "stdin").map(|s| s.expose().to_owned());
        assert_eq!(ok(b"pw\n").unwrap(), "pw");
        assert_eq!(ok(b"\xef\xbb\xbfpw").unwrap(), "pw");
        for (name, input, want) in [
            ("empty", &b""[..], "stdin: line 1: empty"),
            ("empty line", b"\nsecond", "stdin: line 1: empty"),
            ("only a bom", b"\xef\xbb\xbf\n", "stdin: line 1: empty"),
            (
                "nul",
                b"p\0w\n",
                "stdin: line 1: contains control characters",
            ),
            (
                "not utf-8",
                b"p\xffw\n",
                "stdin: line 1: not UTF-8 text (binary file?)",
            ),
        ] {
            assert_eq!(ok(input).unwrap_err().to_string(), want, "{name}");
        }
        // An endless line (stdin from /dev/zero) stops at the cap.
        let zeros = std::io::BufReader::new(std::io::repeat(0));
        let e = first_line(zeros, "stdin").unwrap_err().to_string();
        assert!(e.contains("longer than 65536 bytes"), "{e}");
    }
}
