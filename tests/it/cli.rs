//! The command line as a user meets it: exit codes, stdout/stderr separation, errors that
//! name the value, init's refusal to overwrite.

use crate::support::{run, run_in};

const BASE: &[&str] = &["--helo", "mail.example.com", "--domain", "example.com"];

fn gen(extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["gen"];
    args.extend_from_slice(extra);
    args.extend_from_slice(BASE);
    run(&args)
}

#[test]
fn unknown_target_lists_the_choices() {
    let r = gen(&["postfx"]);
    assert_eq!(r.code, 2);
    for t in [
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
    ] {
        assert!(r.stderr.contains(t), "choices list {t}: {}", r.stderr);
    }
}

#[test]
fn unknown_edition_lists_the_choices() {
    let r = gen(&["exchange", "--edition", "2012"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("2019") && r.stderr.contains("2000"),
        "{}",
        r.stderr
    );
}

#[test]
fn target_options_that_do_not_fit_are_usage_errors() {
    let cases: &[(&[&str], &str)] = &[
        (&["exchange"], "--edition"),
        (&["postfix", "--edition", "2016"], "exchange only"),
        (&["exchange", "--edition", "2003", "--edge"], "2007"),
        (&["qmail", "--as", "commands", "--no-require-tls"], "config"),
    ];
    for (args, needle) in cases {
        let r = gen(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn bad_values_are_named() {
    let cases: &[(&[&str], &str)] = &[
        (&["postfix", "--port", "2525"], "2525"),
        (&["postfix", "--range", "10.0.0.0/8"], "10.0.0.0/8"),
        (
            &["postfix", "--range", "1.2.3.4-1.2.3.9"],
            "1.2.3.4-1.2.3.9",
        ),
        (&["postfix", "--helo", "localhost"], "localhost"),
        (&["postfix", "--helo", "bad_name.example.com"], "bad_name"),
    ];
    for (args, needle) in cases {
        let r = gen(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn inconsistent_settings_are_input_errors_with_a_fix() {
    let r = gen(&[
        "postfix",
        "--auth",
        "smtp-auth",
        "--no-require-tls",
        "--tls",
        "none",
    ]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.starts_with("relayctl: SMTP AUTH needs TLS"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1, "one line: {}", r.stderr);
    assert!(r.stdout.is_empty());

    let r = run(&[
        "gen",
        "postfix",
        "--helo",
        "relay.other.org",
        "--domain",
        "example.com",
        "--allowed-senders",
        "any-addresses",
    ]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.contains("mail.example.com"),
        "suggests a HELO: {}",
        r.stderr
    );
}

#[test]
fn stdout_is_paste_ready_and_notes_go_to_stderr() {
    let r = gen(&["postfix"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in r.stdout.lines() {
        assert!(
            line.starts_with('#') || line.contains(" = "),
            "main.cf syntax: {line}"
        );
    }
    assert!(r.stdout.contains("relayhost = [smtp-relay.gmail.com]:587"));
    assert!(r
        .stderr
        .contains("relayctl probe --port 587 --helo mail.example.com"));
    assert!(!r.stdout.contains("relayctl probe"));
}

/// `-q` (anywhere on the line) silences notes and summaries on stderr, never stdout, the
/// exit code or a failure's one line.
#[test]
fn quiet_keeps_data_exit_codes_and_failures() {
    let loud = gen(&["postfix"]);
    let quiet = gen(&["postfix", "-q"]);
    assert!(!loud.stderr.is_empty());
    assert_eq!(
        (quiet.code, quiet.stdout.as_str(), quiet.stderr.as_str()),
        (0, loud.stdout.as_str(), "")
    );
    // Findings: the same stdout and exit 1, no summary.
    let loud = run(&["check", "cidr", "--range", "10.0.0.0/8"]);
    let quiet = run(&["--quiet", "check", "cidr", "--range", "10.0.0.0/8"]);
    assert_eq!(loud.code, 1, "{}", loud.stderr);
    assert!(loud.stderr.contains("1 error"), "{}", loud.stderr);
    assert_eq!(
        (quiet.code, quiet.stdout.as_str(), quiet.stderr.as_str()),
        (1, loud.stdout.as_str(), "")
    );
    // A failure still says what went wrong, in one line.
    let missing = run(&["-q", "check", "cidr", "no-such-file.txt"]);
    assert_eq!(missing.code, 3);
    assert_eq!(missing.stderr.lines().count(), 1, "{}", missing.stderr);
    assert!(
        missing.stderr.starts_with("relayctl: "),
        "{}",
        missing.stderr
    );
}

#[test]
fn flags_win_over_relay_toml_and_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("relay.toml"),
        "[site]\nmta = \"postfix\"\nhelo = \"mail.example.com\"\nport = 465\n",
    )
    .unwrap();
    let r = run_in(dir.path(), &["gen"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("relayhost = [smtp-relay.gmail.com]:465"));
    let r = run_in(dir.path(), &["gen", "--port", "587"]);
    assert!(
        r.stdout.contains("relayhost = [smtp-relay.gmail.com]:587"),
        "{}",
        r.stdout
    );

    std::fs::write(
        dir.path().join("bad.toml"),
        "[site]\nhelo = \"mail.example.com\"\n\nport = 2525\n",
    )
    .unwrap();
    let r = run_in(dir.path(), &["gen", "postfix", "--config", "bad.toml"]);
    assert_eq!(r.code, 3);
    assert_eq!(
        r.stderr.trim(),
        "relayctl: bad.toml:4: site.port: port 2525 is not 25, 465 or 587 (the relay's ports)"
    );
}

#[test]
fn init_writes_a_file_gen_accepts_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_in(
        dir.path(),
        &[
            "init",
            "--mta",
            "postfix",
            "--helo",
            "mail.example.com",
            "--domain",
            "example.com",
            "--range",
            "203.0.114.0/28",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(dir.path().join("relay.toml")).unwrap();
    assert!(text.contains("cidr = \"203.0.114.0/28\""));
    let r = run_in(dir.path(), &["gen"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("inet_protocols = ipv4"),
        "IPv4-only ranges: {}",
        r.stdout
    );

    std::fs::write(dir.path().join("relay.toml"), "keep me").unwrap();
    let r = run_in(dir.path(), &["init", "--helo", "mail.example.com"]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("relay.toml")).unwrap(),
        "keep me"
    );
    let r = run_in(
        dir.path(),
        &["init", "--force", "--helo", "mail.example.com"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(std::fs::read_to_string(dir.path().join("relay.toml"))
        .unwrap()
        .contains("[console]"));
}

#[test]
fn json_has_the_schema_id_and_no_password() {
    let r = gen(&[
        "postfix",
        "--format",
        "json",
        "--auth",
        "smtp-auth",
        "--auth-user",
        "relay@example.com",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("one JSON document");
    assert_eq!(v["schema"], "relayctl/gen/1");
    assert_eq!(v["data"]["target"], "postfix");
    assert!(
        r.stderr.is_empty(),
        "json mode keeps stderr quiet: {}",
        r.stderr
    );
}

#[test]
fn broken_pipe_is_quiet() {
    use std::io::Read;
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let cases: &[&[&str]] = &[
        &["completions", "zsh"],
        &[
            "gen",
            "postfix",
            "--helo",
            "mail.example.com",
            "--format",
            "json",
        ],
        &[
            "gen",
            "exchange",
            "--edition",
            "2016",
            "--helo",
            "mail.example.com",
        ],
    ];
    for args in cases {
        let mut child = crate::support::relayctl_in(dir.path(), args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the read end before relayctl writes: every write gets EPIPE.
        drop(child.stdout.take());
        let status = child.wait().unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn usage_errors_start_with_one_self_sufficient_line() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["chek"],
            "relayctl: unknown subcommand 'chek' (did you mean 'check'?)",
        ),
        (&["gen", "--bogus"], "relayctl: unknown flag '--bogus'"),
        (
            &["gen", "--port"],
            "relayctl: a value is required for '--port <PORT>' but none was supplied",
        ),
        (
            &["gen", "postfix", "--port", "x"],
            "relayctl: invalid value 'x' for '--port <PORT>': port \"x\" is not 25, 465 or 587",
        ),
        (
            &["check"],
            "relayctl: 'relayctl check' needs a subcommand: cidr, helo",
        ),
    ];
    for (args, want) in cases {
        let r = run(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        let first = r.stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with(want), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("error: "), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn help_and_version_stay_on_stdout_with_exit_0() {
    for args in [
        &["--help"][..],
        &["--version"],
        &["gen", "--help"],
        &["help"],
    ] {
        let r = run(args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(r.stderr.is_empty(), "{args:?}: {}", r.stderr);
        assert!(
            r.stdout.starts_with("relayctl 0.") || r.stdout.contains("Usage: relayctl"),
            "{args:?}: {}",
            r.stdout
        );
    }
}

/// `--color` is one global flag for every command: `always` colours a pipe (even with
/// NO_COLOR, which only governs `auto`), `never` colours nothing, and in `auto`
/// CLICOLOR_FORCE colours a pipe unless NO_COLOR is set.
#[test]
fn color_is_decided_once_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ranges.txt"), "10.0.0.0/8 office\n").unwrap();
    let esc = |r: &crate::support::Run| r.stdout.contains('\u{1b}');
    let run = |args: &[&str], env: &[(&str, &str)], no_color: bool| -> crate::support::Run {
        let mut cmd = crate::support::relayctl_in(dir.path(), args);
        if !no_color {
            cmd.env_remove("NO_COLOR");
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap().into()
    };
    let always = run(
        &["--color", "always", "check", "cidr", "ranges.txt"],
        &[],
        true,
    );
    assert!(esc(&always), "{}", always.stdout);
    let after = run(
        &["check", "cidr", "ranges.txt", "--color=always"],
        &[],
        true,
    );
    assert!(esc(&after), "the flag is global: {}", after.stdout);
    let never = run(
        &["--color", "never", "check", "cidr", "ranges.txt"],
        &[("CLICOLOR_FORCE", "1")],
        false,
    );
    assert!(!esc(&never), "{}", never.stdout);
    let forced = run(
        &["check", "cidr", "ranges.txt"],
        &[("CLICOLOR_FORCE", "1")],
        false,
    );
    assert!(esc(&forced), "{}", forced.stdout);
    let both = run(
        &["check", "cidr", "ranges.txt"],
        &[("CLICOLOR_FORCE", "1")],
        true,
    );
    assert!(
        !esc(&both),
        "NO_COLOR wins over CLICOLOR_FORCE: {}",
        both.stdout
    );
    let plain = run(&["check", "cidr", "ranges.txt"], &[], false);
    assert!(!esc(&plain), "a pipe in auto: {}", plain.stdout);
}
