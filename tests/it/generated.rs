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

#[test]
fn man_pages_refer_only_to_pages_that_exist_and_show_the_command_as_typed() {
    let pages = man_pages();
    let names: Vec<String> = pages.iter().map(|(n, _)| n.clone()).collect();
    for (name, text) in &pages {
        let text = String::from_utf8(text.clone()).expect("roff is text");
        // Every `relayctl-xxx(1)` a page lists has a page of its own (no relayctl-help(1)).
        for line in text.lines() {
            let line = line.replace("\\-", "-");
            if let Some(page) = line.strip_suffix("(1)") {
                if page.starts_with("relayctl") {
                    assert!(
                        names.contains(&format!("{page}.1")),
                        "{name} refers to {page}(1), which is not generated"
                    );
                }
            }
        }
        // The synopsis is the command as typed: `relayctl check cidr`, not `relayctl-check-cidr`.
        let synopsis = text
            .lines()
            .skip_while(|l| *l != ".SH SYNOPSIS")
            .nth(1)
            .unwrap_or_else(|| panic!("{name} has a synopsis"))
            .replace("\\-", "-");
        let typed = name.trim_end_matches(".1").replace('-', " ");
        let typed = typed.replace("send test", "send-test");
        assert!(
            synopsis.starts_with(&format!("\\fB{typed}\\fR")),
            "{name}: synopsis {synopsis:?} should start with {typed:?}"
        );
    }
    assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
}

/// What the committed bash completion offers for `COMP_WORDS`, run by a real bash the way
/// `complete -F` calls it (`_relayctl CMD CUR PREV`); None when there is no bash.
fn bash_complete(words: &[&str]) -> Option<Vec<String>> {
    let script = root().join("completions/relayctl.bash");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let prev = if cword > 0 { words[cword - 1] } else { "" };
    let prog = format!(
        "source '{}' || exit 9; COMP_WORDS=({}); COMP_CWORD={cword}; \
         _relayctl relayctl '{}' '{prev}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words[cword],
    );
    let out = match std::process::Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &prog])
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("skipped: no bash to run the completion script ({e})");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "bash: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

#[test]
fn bash_completes_gen_targets_before_flags() {
    let targets = [
        "postfix",
        "sendmail",
        "qmail",
        "exchange",
        "domino",
        "groupwise",
        "macos",
        "exim",
        "opensmtpd",
        "msmtp",
        "console",
    ];
    let Some(got) = bash_complete(&["relayctl", "gen", ""]) else {
        return;
    };
    assert!(got.len() > targets.len(), "{got:?}");
    assert_eq!(
        &got[..targets.len()],
        &targets[..],
        "targets first: {got:?}"
    );
    assert!(
        got[targets.len()..].iter().all(|w| w.starts_with('-')),
        "then the flags: {got:?}"
    );
    // A started word still narrows down; a started flag gives only flags.
    assert_eq!(
        bash_complete(&["relayctl", "gen", "ex"]).unwrap_or_default(),
        ["exchange", "exim"]
    );
    let flags = bash_complete(&["relayctl", "gen", "--ed"]).unwrap_or_default();
    assert_eq!(flags, ["--edition", "--edge"]);
    // The subcommands come before -h/--help at the top level too.
    let top = bash_complete(&["relayctl", ""]).unwrap_or_default();
    assert_eq!(top.first().map(String::as_str), Some("init"), "{top:?}");
}

#[test]
fn fish_completes_gen_targets() {
    let fish = String::from_utf8(completion_script(ShellArg::Fish)).expect("text");
    let line = fish
        .lines()
        .find(|l| l.contains("__fish_relayctl_using_subcommand gen;") && l.contains(" -a \""))
        .unwrap_or_else(|| panic!("a line completing gen's targets"));
    assert!(
        line.contains("and not __fish_seen_subcommand_from postfix sendmail"),
        "only while no target is given: {line}"
    );
    assert!(line.ends_with("-f -a \"postfix\\t''"), "{line}");
    assert!(fish.contains("\nconsole\\t''\"\n"), "all targets");
}
