//! completions/ and man/ are generated from the clap definitions and committed; this test
//! fails when a committed copy is stale. `RELAYCTL_BLESS=1 cargo test` rewrites them.

use std::fs;
use std::path::PathBuf;

use relayctl::cli::ShellArg;
use relayctl::commands::meta::{completion_script, man_pages};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check(rel: &str, want: &[u8], stale: &mut Vec<String>) {
    let path = root().join(rel);
    if std::env::var_os("RELAYCTL_BLESS").is_some() {
        fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        fs::write(&path, want).expect("write generated file");
        return;
    }
    match fs::read(&path) {
        Ok(have) if have == want => {}
        _ => stale.push(rel.to_owned()),
    }
}

#[test]
fn completions_and_man_pages_are_fresh() {
    let mut stale = Vec::new();
    let shells = [
        (ShellArg::Bash, "relayctl.bash"),
        (ShellArg::Zsh, "_relayctl"),
        (ShellArg::Fish, "relayctl.fish"),
        (ShellArg::Powershell, "relayctl.ps1"),
        (ShellArg::Elvish, "relayctl.elv"),
    ];
    for (shell, file) in shells {
        check(
            &format!("completions/{file}"),
            &completion_script(shell),
            &mut stale,
        );
    }
    let pages = man_pages();
    for (name, text) in &pages {
        check(&format!("man/{name}"), text, &mut stale);
    }
    // A page for a subcommand that no longer exists is stale too.
    let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    if let Ok(dir) = fs::read_dir(root().join("man")) {
        for e in dir.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if !names.contains(&n.as_str()) {
                stale.push(format!("man/{n} (no such page any more)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files: {stale:?}; run `RELAYCTL_BLESS=1 cargo test --test it generated` and commit them"
    );
}

#[test]
fn every_subcommand_has_a_man_page_and_an_example() {
    for (name, text) in man_pages() {
        let text = String::from_utf8(text).expect("roff is text");
        assert!(text.contains(".TH"), "{name} is a man page");
        if name != "relayctl.1" {
            assert!(text.contains("Example:"), "{name} shows an example");
        }
    }
}

#[test]
fn docs_sources_md_is_fresh() {
    let mut stale = Vec::new();
    check(
        "docs/sources.md",
        relayctl::sources::markdown().as_bytes(),
        &mut stale,
    );
    assert!(
        stale.is_empty(),
        "docs/sources.md is stale; run `RELAYCTL_BLESS=1 cargo test --test it generated` and commit it"
    );
}

#[test]
fn docs_rules_md_is_fresh() {
    let mut stale = Vec::new();
    check(
        "docs/rules.md",
        relayctl::report::lint::rules_markdown().as_bytes(),
        &mut stale,
    );
    assert!(
        stale.is_empty(),
        "docs/rules.md is stale; run `RELAYCTL_BLESS=1 cargo test --test it generated` and commit it"
    );
}
