//! File helpers: bounded reads and atomic writes. The only place besides `main.rs` and
//! `host.rs` that touches the file system.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};

use crate::error::Error;

/// Reads a UTF-8 text file of at most `max_bytes`, so a wrong path to a huge or binary
/// file gives a clear error instead of exhausting memory.
pub fn read_text_bounded(path: &Path, max_bytes: u64) -> Result<String, Error> {
    let buf = read_bytes_bounded(path, max_bytes)?;
    String::from_utf8(buf).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
        Error::BadFile {
            path: path.to_owned(),
            message: format!("line {line}: not UTF-8 text (binary file?)"),
        }
    })
}

/// Reads at most `max_bytes` of a file as bytes (the caller decides what text they are);
/// a larger file is an error that says so, without reading it all.
pub fn read_bytes_bounded(path: &Path, max_bytes: u64) -> Result<Vec<u8>, Error> {
    let read_err = |source| Error::Read {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(read_err)?;
    let mut buf = Vec::new();
    file.take(max_bytes + 1)
        .read_to_end(&mut buf)
        .map_err(read_err)?;
    if buf.len() as u64 > max_bytes {
        return Err(Error::BadFile {
            path: path.to_owned(),
            message: format!("larger than {max_bytes} bytes; is this the right file?"),
        });
    }
    Ok(buf)
}

/// Opens a secret file (`--password-file`) for reading only if it resolves to a regular
/// file that only its owner may read or write. Opened non-blocking and checked through the
/// opened descriptor (no race with the check), so a FIFO cannot hang the read. Returns the file and the name for messages: the path as given, or
/// `GIVEN -> RESOLVED` when it is a symlink.
pub fn open_private(path: &Path) -> Result<(File, String), Error> {
    let read_err = |source| Error::Read {
        path: path.to_owned(),
        source,
    };
    let resolved = fs::canonicalize(path).map_err(read_err)?;
    let label = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            format!("{} -> {}", path.display(), resolved.display())
        }
        _ => path.display().to_string(),
    };
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    let file = match rustix::fs::open(&resolved, flags, Mode::empty()) {
        Ok(fd) => File::from(fd),
        Err(errno) => {
            // A socket cannot be opened at all (ENXIO): say what it is instead.
            if let Ok(m) = fs::metadata(&resolved) {
                if !m.is_file() {
                    return Err(not_regular(&label, &m));
                }
            }
            return Err(Error::Value(format!("{label}: {}", io::Error::from(errno))));
        }
    };
    let meta = file
        .metadata()
        .map_err(|e| Error::Value(format!("{label}: {e}")))?;
    if !meta.is_file() {
        return Err(not_regular(&label, &meta));
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o066 != 0 {
        let who = if mode & 0o044 != 0 {
            "readable"
        } else {
            "writable"
        };
        return Err(Error::Value(format!(
            "{label}: {who} by group or others (mode {mode:04o}); a secret file must be private: chmod 600 {}",
            path.display()
        )));
    }
    Ok((file, label))
}

fn not_regular(label: &str, meta: &fs::Metadata) -> Error {
    Error::Value(format!(
        "{label}: not a regular file ({}); give the file that holds the secret, or - for stdin",
        kind(meta)
    ))
}

/// What a file that is not a regular file is, for messages.
fn kind(meta: &fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_file() {
        "a regular file"
    } else {
        "an unknown kind of file"
    }
}

/// Before `write_atomic` replaces `path`: the permission bits of the regular file there
/// (through a symlink: its target's), so the new file keeps them; `None` when nothing is
/// there or a symlink dangles (the new file gets the default mode). Anything but a regular
/// file or a symlink to one is refused: a FIFO, a device (`init --force /dev/null` as root
/// would have replaced /dev/null), a directory, a socket.
fn replaced_mode(path: &Path) -> Result<Option<u32>, Error> {
    let write_err = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    let here = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(write_err(e)),
    };
    let (meta, label) = if here.file_type().is_symlink() {
        match fs::metadata(path) {
            Ok(m) => {
                let target = fs::canonicalize(path).map_err(write_err)?;
                (m, format!("{} -> {}", path.display(), target.display()))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(write_err(e)),
        }
    } else {
        (here, path.display().to_string())
    };
    if !meta.is_file() {
        return Err(Error::Value(format!(
            "{label}: not a regular file ({}); relayctl replaces only regular files, give another path",
            kind(&meta)
        )));
    }
    Ok(Some(meta.permissions().mode() & 0o777))
}

/// Opens a file for a streaming read (`check cidr` reads lists of any size line by line,
/// with its own bounds); the error names the path.
pub fn open(path: &Path) -> Result<File, Error> {
    File::open(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory
/// (`tempfile`, removed again on any failure), synced, then renamed over the target, so a
/// crash or an error never leaves a half-written file. With `overwrite` false, an existing
/// file is refused (checked again at the rename, which does not replace, so a file created
/// meanwhile is not clobbered). With `overwrite`, only a regular file (or a symlink to one,
/// which is replaced by the new file) is replaced, and the new file keeps the old one's
/// permission bits (a 0600 relay.toml stays 0600); a new file gets the mode a plain create
/// gives (0666 minus the umask), not the temporary file's 0600.
pub fn write_atomic(path: &Path, contents: &[u8], overwrite: bool) -> Result<(), Error> {
    write_atomic_with(path, overwrite, |f| f.write_all(contents))
}

/// [`write_atomic`], with the contents written by `fill` (a test makes it fail midway).
fn write_atomic_with(
    path: &Path,
    overwrite: bool,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<(), Error> {
    let write_err = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    if !overwrite && path.exists() {
        return Err(Error::Exists {
            path: path.to_owned(),
        });
    }
    let keep_mode = if overwrite {
        replaced_mode(path)?
    } else {
        None
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::Value(format!("{} is not a file name", path.display())))?;
    // Created no wider than the old file (or than a plain create: 0666, both narrowed by
    // the umask), then, when an old file's bits are kept, set exactly.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.", name.to_string_lossy()))
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(keep_mode.unwrap_or(0o666)))
        .tempfile_in(&dir)
        .map_err(write_err)?;
    if let Some(mode) = keep_mode {
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(mode))
            .map_err(write_err)?;
    }
    fill(tmp.as_file_mut()).map_err(write_err)?;
    tmp.as_file().sync_all().map_err(write_err)?;
    // On failure the error holds the temporary file, which is removed when it drops.
    let persisted = if overwrite {
        tmp.persist(path)
    } else {
        // Does not replace a file that appeared meanwhile (renameat2 RENAME_NOREPLACE, or
        // link(2) + unlink where the kernel lacks it); rename would.
        tmp.persist_noclobber(path)
    };
    match persisted {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => Err(Error::Exists {
            path: path.to_owned(),
        }),
        Err(e) => Err(write_err(e.error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_refuses_existing_unless_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("relay.toml");
        write_atomic(&p, b"one", false).unwrap();
        assert!(matches!(
            write_atomic(&p, b"two", false),
            Err(Error::Exists { .. })
        ));
        assert_eq!(fs::read(&p).unwrap(), b"one");
        write_atomic(&p, b"three", true).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"three");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn a_write_that_fails_midway_leaves_the_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("relay.toml");
        fs::write(&p, b"old contents").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).unwrap();
        for overwrite in [true, false] {
            let e = write_atomic_with(&p, overwrite, |f| {
                f.write_all(b"half of the new")?;
                Err(io::Error::other("disk full"))
            });
            if !overwrite {
                // refused before anything is written
                assert!(matches!(e, Err(Error::Exists { .. })), "{e:?}");
                continue;
            }
            let msg = e.unwrap_err().to_string();
            assert_eq!(msg, format!("{}: cannot write: disk full", p.display()));
        }
        let fresh = dir.path().join("new.toml");
        let e = write_atomic_with(&fresh, false, |f| {
            f.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(matches!(e, Err(Error::Write { .. })), "{e:?}");
        assert!(!fresh.exists(), "no half-written new file");
        assert_eq!(fs::read(&p).unwrap(), b"old contents");
        let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["relay.toml"], "no temp file left");
    }

    #[test]
    fn a_new_file_gets_the_mode_of_a_plain_create() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        fs::write(&plain, b"x").unwrap();
        let p = dir.path().join("relay.toml");
        write_atomic(&p, b"x", false).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), mode(&plain), "0666 minus the umask, not 0600");
        // A file created meanwhile under the target name is not clobbered either.
        let mut calls = 0;
        let e = write_atomic_with(&p.with_file_name("race.toml"), false, |f| {
            calls += 1;
            fs::write(dir.path().join("race.toml"), b"theirs")?;
            f.write_all(b"ours")
        });
        assert_eq!(calls, 1);
        assert!(matches!(e, Err(Error::Exists { .. })), "{e:?}");
        assert_eq!(fs::read(dir.path().join("race.toml")).unwrap(), b"theirs");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            3,
            "no temp file left"
        );
    }

    #[test]
    fn bounded_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        fs::write(&p, vec![b'a'; 100]).unwrap();
        assert!(matches!(
            read_text_bounded(&p, 10),
            Err(Error::BadFile { .. })
        ));
        fs::write(&p, b"ok\n\xff\xfe").unwrap();
        let e = read_text_bounded(&p, 10).unwrap_err().to_string();
        assert!(e.contains("line 2: not UTF-8"), "{e}");
    }
}
