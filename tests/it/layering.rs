//! The module layering of STYLE.md, checked by a plain scan of `src/`: data flows one way
//! (cli -> commands -> relay/config -> gen -> report), and the pure layers touch neither
//! the file system, the environment, processes nor the command line.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).expect("src/ is readable").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// (path prefix under src/, forbidden text, why)
const RULES: &[(&str, &str, &str)] = &[
    (
        "relay/",
        "crate::cli",
        "the model does not know the command line",
    ),
    (
        "relay/",
        "crate::commands",
        "the model does not call commands",
    ),
    ("relay/", "crate::report", "the model does not render"),
    (
        "relay/",
        "crate::gen",
        "policy does not depend on a generator",
    ),
    ("relay/", "clap", "the model does not know the command line"),
    ("relay/", "std::fs", "the model does no I/O"),
    (
        "relay/",
        "std::env",
        "the model does not read the environment",
    ),
    ("relay/", "std::process", "the model does not run programs"),
    (
        "gen/",
        "crate::cli",
        "generators do not know the command line",
    ),
    ("gen/", "crate::commands", "generators do not call commands"),
    ("gen/", "crate::report", "generators do not render"),
    ("gen/", "std::fs", "generators do no I/O"),
    ("gen/", "std::env", "generators do not read the environment"),
    ("gen/", "std::process", "generators do not run programs"),
    (
        "config.rs",
        "std::fs",
        "relay.toml parsing takes text, not paths",
    ),
    (
        "config.rs",
        "crate::cli",
        "relay.toml parsing does not know the command line",
    ),
    (
        "report/",
        "crate::commands",
        "renderers do not call commands",
    ),
    (
        "report/",
        "crate::cli",
        "renderers do not know the command line",
    ),
    (
        "report/",
        "std::fs",
        "renderers write to the Write they are given",
    ),
    (
        "check/",
        "crate::net::dns",
        "checks see the Resolve trait, never the concrete resolver",
    ),
    ("check/", "UdpSocket", "checks do no I/O; net/ does"),
    ("check/", "std::fs", "checks read the text they are given"),
    ("check/", "std::env", "checks do not read the environment"),
    ("check/", "std::process", "checks do not run programs"),
    (
        "check/",
        "crate::cli",
        "checks do not know the command line",
    ),
    ("check/", "crate::commands", "checks do not call commands"),
    ("check/", "crate::report", "checks do not render"),
    ("check/", "TcpStream", "checks do no I/O; net/ does"),
    (
        "report/",
        "crate::net::dns",
        "renderers do not resolve names",
    ),
    ("relay/", "crate::net", "the model does no I/O"),
    ("gen/", "crate::net", "generators do no I/O"),
    ("smtp/", "crate::cli", "does not know the command line"),
    ("smtp/", "crate::commands", "does not call commands"),
    ("smtp/", "crate::report", "does not render"),
    ("smtp/", "std::fs", "does no file I/O"),
    ("smtp/", "std::env", "does not read the environment"),
    ("smtp/", "std::process", "does not run programs"),
    (
        "smtp/",
        "TcpStream",
        "the protocol works on any Channel; net/ opens sockets",
    ),
    (
        "smtp/",
        "UdpSocket",
        "the protocol works on any Channel; net/ opens sockets",
    ),
    ("probe/", "crate::cli", "does not know the command line"),
    ("probe/", "crate::commands", "does not call commands"),
    ("probe/", "crate::report", "does not render"),
    ("probe/", "std::fs", "does no file I/O"),
    ("probe/", "std::env", "does not read the environment"),
    ("probe/", "std::process", "does not run programs"),
    ("probe/", "TcpStream", "the probe sees the net traits only"),
    ("probe/", "UdpSocket", "the probe sees the net traits only"),
    ("explain/", "crate::cli", "does not know the command line"),
    ("explain/", "crate::commands", "does not call commands"),
    ("explain/", "crate::report", "does not render"),
    ("explain/", "std::fs", "does no file I/O"),
    ("explain/", "std::env", "does not read the environment"),
    ("explain/", "std::process", "does not run programs"),
    ("explain/", "TcpStream", "the catalogue is pure"),
    ("explain/", "UdpSocket", "the catalogue is pure"),
    (
        "probe/",
        "crate::net::dns",
        "the probe sees the Resolve and Dial traits, never the adapters",
    ),
    (
        "probe/",
        "crate::net::smtp",
        "the probe sees the Resolve and Dial traits, never the adapters",
    ),
    (
        "probe/",
        "crate::net::tls",
        "the probe sees the Resolve and Dial traits, never the adapters",
    ),
    ("smtp/", "crate::net", "the protocol does not dial"),
    ("explain/", "crate::net", "the catalogue does no I/O"),
    ("report/", "crate::net::smtp", "renderers do not dial"),
    ("mta/", "crate::cli", "does not know the command line"),
    ("mta/", "crate::commands", "does not call commands"),
    ("mta/", "crate::report", "does not render"),
    ("mta/", "std::fs", "reads the text it is given"),
    ("mta/", "std::env", "does not read the environment"),
    ("mta/", "std::process", "does not run programs"),
    ("mta/", "crate::net", "does no I/O"),
    ("mta/", "TcpStream", "does no I/O"),
    ("lint/", "crate::cli", "does not know the command line"),
    ("lint/", "crate::commands", "does not call commands"),
    ("lint/", "crate::report", "does not render"),
    ("lint/", "std::fs", "reads the text it is given"),
    ("lint/", "std::env", "does not read the environment"),
    ("lint/", "std::process", "does not run programs"),
    ("lint/", "crate::net", "does no I/O"),
    ("lint/", "TcpStream", "does no I/O"),
];

/// (crate path, the only file under src/ that may name it, why)
const ONLY_IN: &[(&str, &str, &str)] = &[
    (
        "hickory_",
        "net/dns.rs",
        "hickory-resolver stays behind net::Resolve",
    ),
    (
        "tokio::",
        "net/dns.rs",
        "the async runtime is private to the DNS adapter",
    ),
    (
        "lettre",
        "smtp/message.rs",
        "lettre builds the test message and nothing else",
    ),
    (
        "process::exit",
        "terminal.rs",
        "only the signal handler ends the process; everything else returns to main",
    ),
    (
        "signal_hook",
        "terminal.rs",
        "one handler for the process, installed by main",
    ),
    (
        "indicatif",
        "commands/progress.rs",
        "progress is drawn by one module, on its own thread",
    ),
    (
        "x509_parser",
        "net/tls.rs",
        "certificates are read once, into smtp::tls::CertInfo",
    ),
];

/// (crate path, a directory under src/ that may name it too, why)
const ALSO_UNDER: &[(&str, &str, &str)] = &[(
    "tokio::",
    "sim/",
    "`relayctl sim` serves SMTP on its own private runtime",
)];

#[test]
fn layers_only_use_what_they_may() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut broken = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        let text = fs::read_to_string(f).expect("source is UTF-8");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for (prefix, needle, why) in RULES {
                if rel.starts_with(prefix) && code.contains(needle) {
                    broken.push(format!("src/{rel}:{}: `{needle}`: {why}", n + 1));
                }
            }
            for (needle, only, why) in ONLY_IN {
                let also = ALSO_UNDER
                    .iter()
                    .any(|(n, dir, _)| n == needle && rel.starts_with(dir));
                if rel != *only && !also && code.contains(needle) {
                    broken.push(format!("src/{rel}:{}: `{needle}`: {why}", n + 1));
                }
            }
        }
    }
    assert!(broken.is_empty(), "layering broken:\n{}", broken.join("\n"));
}
