//! Bad input never panics: garbage TOML, binary bytes and a 10 MB file give a one-line
//! error with the exit code for input errors.

use crate::support::run_in;
use crate::support::Rng;

fn gen_with(config: &[u8]) -> crate::support::Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("relay.toml"), config).unwrap();
    run_in(
        dir.path(),
        &["gen", "postfix", "--helo", "mail.example.com"],
    )
}

fn assert_input_error(r: &crate::support::Run, needle: &str) {
    assert_eq!(r.code, 3, "stderr: {}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "one line: {}", r.stderr);
    assert!(r.stderr.starts_with("relayctl: relay.toml"), "{}", r.stderr);
    assert!(r.stderr.contains(needle), "{needle}: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"));
}

#[test]
fn binary_bytes() {
    let r = gen_with(b"[site]\nhelo = \"mail.example.com\"\n\x00\xff\xfe\x80garbage");
    assert_input_error(&r, "line 3: not UTF-8");
}

#[test]
fn ten_megabytes() {
    let r = gen_with(&vec![b'#'; 10 << 20]);
    assert_input_error(&r, "larger than");
}

#[test]
fn garbage_toml() {
    let r = gen_with(b"[site\nhelo = = =\n");
    assert_input_error(&r, "relay.toml:1:");
    let r = gen_with(b"[site]\nport = \"587\"\n");
    assert_input_error(&r, "relay.toml:2:");
}

#[test]
fn mutated_configs_never_panic() {
    let seed = br#"[console]
allowed_senders = "any-addresses"
authentication = "both"
require_tls = true
[[console.ranges]]
description = "office"
cidr = "203.0.114.0/28"
[site]
helo = "mail.example.com"
domains = ["example.com"]
internal_domains = ["corp.example.com", { domain = "lab.example.com", host = "mx.lab.example.com" }]
port = 587
licences = 10
"#;
    let alphabet = b"[]{}=\"'#\n ,.:/0123456789abcxyz\\\x00\xff";
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..20_000 {
        let mut text = seed.to_vec();
        for _ in 0..(rng.next() % 8 + 1) {
            let at = (rng.next() as usize) % text.len();
            match rng.next() % 3 {
                0 => text[at] = alphabet[(rng.next() as usize) % alphabet.len()],
                1 => {
                    text.remove(at);
                }
                _ => text.insert(at, alphabet[(rng.next() as usize) % alphabet.len()]),
            }
        }
        // In-process: the parser must return, never panic.
        if let Ok(s) = std::str::from_utf8(&text) {
            match relayctl::config::parse(s) {
                Ok(_) => {}
                Err(e) => {
                    assert!(e.line >= 1 && e.line <= s.lines().count().max(1) + 1, "{e}");
                    assert!(!e.message.contains('\n'));
                }
            }
        }
    }
}
