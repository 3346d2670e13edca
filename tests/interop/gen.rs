//! Runs `relayctl gen <target> --format json` for the relay plans under test and gives typed
//! access to the generated files and the plan; also the path rewriting that moves absolute
//! /etc paths of the generated lines into a test's temp directory.

use serde_json::Value;
use std::process::Command;

/// The relay settings every MTA is tested with.
#[derive(Clone, Copy, Debug)]
pub enum Scenario {
    /// IP authentication, STARTTLS on 587 (relayctl's default plan).
    IpStarttls587,
    /// SMTP AUTH over STARTTLS on 587.
    Auth587,
    /// SMTP AUTH over TLS-on-connect (implicit TLS) on 465.
    Auth465,
    /// Port 25, console "Require TLS" off, IP authentication.
    Port25NoRequireTls,
    /// The default plan plus an internal domain delivered directly (not through Google).
    InternalDomain,
}

impl Scenario {
    pub fn args(self) -> &'static [&'static str] {
        match self {
            Scenario::IpStarttls587 => &[],
            Scenario::Auth587 => &["--auth", "smtp-auth", "--auth-user", "relay@example.com"],
            Scenario::Auth465 => &[
                "--port",
                "465",
                "--auth",
                "smtp-auth",
                "--auth-user",
                "relay@example.com",
            ],
            Scenario::Port25NoRequireTls => &["--port", "25", "--no-require-tls"],
            Scenario::InternalDomain => &["--internal-domain", INTERNAL],
        }
    }
}

pub const HELO: &str = "mail.example.com";
pub const DOMAIN: &str = "example.com";
/// The internal domain of [`Scenario::InternalDomain`].
pub const INTERNAL: &str = "corp.example.com";

/// One entry of `data.files`.
#[derive(Clone, Debug)]
pub struct GenFile {
    pub path: String,
    pub create: bool,
    pub mode: Option<String>,
    pub lines: Vec<String>,
}

impl GenFile {
    pub fn basename(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// The parsed `relayctl/gen/1` document.
#[derive(Clone, Debug)]
pub struct Generated {
    pub files: Vec<GenFile>,
    /// `data.commands[].line` of the `sh` commands, in order.
    pub commands: Vec<String>,
    pub plan: Value,
}

impl Generated {
    /// The generated file whose path ends with `/name`.
    pub fn file(&self, name: &str) -> Option<&GenFile> {
        self.files.iter().find(|f| f.basename() == name)
    }

    pub fn port(&self) -> u64 {
        self.plan["port"].as_u64().expect("plan.port")
    }

    pub fn relay_host(&self) -> &str {
        self.plan["relay_host"].as_str().expect("plan.relay_host")
    }

    pub fn helo(&self) -> &str {
        self.plan["helo"].as_str().expect("plan.helo")
    }

    /// `implicit`, `starttls`, `opportunistic` or `off`.
    pub fn tls(&self) -> &str {
        self.plan["tls"].as_str().expect("plan.tls")
    }

    /// `plan.internal[]`: (domain, host or None for MX delivery).
    pub fn internal(&self) -> Vec<(String, Option<String>)> {
        self.plan["internal"]
            .as_array()
            .expect("plan.internal")
            .iter()
            .map(|i| {
                (
                    i["domain"].as_str().expect("internal[].domain").to_string(),
                    i["host"].as_str().map(str::to_string),
                )
            })
            .collect()
    }

    /// The SMTP AUTH user name when the plan authenticates.
    pub fn sasl_user(&self) -> Option<&str> {
        self.plan["sasl"]["username"].as_str()
    }

    /// A copy where every line of every file, and every command, is passed through `f`.
    pub fn map_lines(&self, f: impl Fn(&str) -> String) -> Generated {
        let mut g = self.clone();
        for file in &mut g.files {
            file.lines = file.lines.iter().map(|l| f(l)).collect();
        }
        g.commands = g.commands.iter().map(|l| f(l)).collect();
        g
    }
}

/// Output of one `relayctl gen` run.
pub struct GenRun {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `relayctl gen TARGET --helo mail.example.com --domain example.com ARGS --format json`.
/// The working directory is a fresh temp dir so no ./relay.toml is picked up.
pub fn run_gen(target: &str, extra: &[&str]) -> GenRun {
    let cwd = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_relayctl"))
        .current_dir(cwd.path())
        .env_remove("RELAYCTL_CONFIG")
        .args(["gen", target, "--helo", HELO, "--domain", DOMAIN])
        .args(extra)
        .args(["--format", "json"])
        .output()
        .expect("run relayctl");
    GenRun {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `relayctl gen` for a scenario; panics unless it succeeds with a relayctl/gen/1 document.
pub fn generate(target: &str, scenario: Scenario) -> Generated {
    generate_with(target, scenario.args())
}

/// `relayctl gen` with these arguments; panics unless it succeeds with a relayctl/gen/1 document.
pub fn generate_with(target: &str, args: &[&str]) -> Generated {
    let run = run_gen(target, args);
    assert!(
        run.status.success(),
        "relayctl gen {target} {:?} failed ({}): {}",
        args,
        run.status,
        run.stderr
    );
    let doc: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("relayctl gen {target}: bad JSON ({e}): {}", run.stdout));
    assert_eq!(doc["schema"], "relayctl/gen/1", "schema of {}", run.stdout);
    let data = &doc["data"];
    assert_eq!(data["target"], target);
    let files = data["files"]
        .as_array()
        .expect("data.files")
        .iter()
        .map(|f| GenFile {
            path: f["path"].as_str().expect("files[].path").to_string(),
            create: f["create"].as_bool().expect("files[].create"),
            mode: f["mode"].as_str().map(str::to_string),
            lines: f["lines"]
                .as_array()
                .expect("files[].lines")
                .iter()
                .map(|l| l.as_str().expect("files[].lines[]").to_string())
                .collect(),
        })
        .collect();
    let commands = data["commands"]
        .as_array()
        .expect("data.commands")
        .iter()
        .filter(|c| c["shell"] == "sh")
        .map(|c| c["line"].as_str().expect("commands[].line").to_string())
        .collect();
    let g = Generated {
        files,
        commands,
        plan: data["plan"].clone(),
    };
    assert_secret_modes(&g);
    g
}

/// Files that hold the password placeholder must be new files with a mode that keeps other
/// users out (the MTAs read them as root or through their group).
fn assert_secret_modes(g: &Generated) {
    for f in &g.files {
        if f.lines.iter().any(|l| l.contains("APP_PASSWORD")) {
            let mode = f
                .mode
                .as_deref()
                .unwrap_or_else(|| panic!("{} holds credentials but has no mode", f.path));
            let bits = u32::from_str_radix(mode, 8).expect("octal mode");
            assert_eq!(bits & 0o007, 0, "{} is readable by others: {mode}", f.path);
            assert!(
                f.create,
                "{} holds credentials but is not a new file",
                f.path
            );
        }
    }
}

/// Rewrites absolute paths in a generated line: every occurrence of a `from` prefix
/// (e.g. `/etc/postfix/`) becomes the matching `to` directory (with a trailing `/`).
///
/// The generated lines name the files of a stock installation (`hash:/etc/postfix/sasl_passwd`,
/// `file:/etc/mail/secrets`, ...). The tests write those files into a temp directory instead,
/// so the references are moved there too; nothing else in the line changes.
pub fn rewrite_paths(line: &str, map: &[(&str, &std::path::Path)]) -> String {
    let mut out = line.to_string();
    for (from, to) in map {
        let to = format!("{}/", to.display());
        out = out.replace(from, &to);
    }
    out
}
