//! File helpers: bounded reads and atomic writes. The only place besides `main.rs` and
//! `host.rs` that touches the file system.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Reads a UTF-8 text file of at most `max_bytes`, so a wrong path to a huge or binary
/// file gives a clear error instead of exhausting memory.
pub fn read_text_bounded(path: &Path, max_bytes: u64) -> Result<String, Error> {
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

/// Opens a file for a streaming read (`check cidr` reads lists of any size line by line,
/// with its own bounds); the error names the path.
pub fn open(path: &Path) -> Result<File, Error> {
    File::open(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory, synced,
/// then renamed over the target, so a crash never leaves a half-written file. With
/// `overwrite` false, an existing file is refused (checked again at the rename through
/// a hard link, so a file created meanwhile is not clobbered).
pub fn write_atomic(path: &Path, contents: &[u8], overwrite: bool) -> Result<(), Error> {
    let write_err = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    if !overwrite && path.exists() {
        return Err(Error::Exists {
            path: path.to_owned(),
        });
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::Value(format!("{} is not a file name", path.display())))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> io::Result<()> {
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        drop(f);
        if overwrite {
            fs::rename(&tmp, path)
        } else {
            // link(2) fails if the target appeared meanwhile; rename would replace it.
            fs::hard_link(&tmp, path)?;
            fs::remove_file(&tmp)
        }
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    match result {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(Error::Exists {
            path: path.to_owned(),
        }),
        other => other.map_err(write_err),
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
