//! The module layering of STYLE.md as an allow-list: one row per top-level module of `src/`
//! saying which `crate::` modules and which external crates it may use. Every `use` tree and
//! every `a::b` path in every file (comments and string literals stripped first, `super::`
//! resolved) is checked against its row. Data flows one way (main -> cli -> commands ->
//! domain -> report), `net/` is the only network I/O, and the pure layers touch neither the
//! file system, the environment, processes, sockets nor the command line.
//! `docs/architecture.md` carries the same table; a test keeps it in step
//! (`RELAYCTL_BLESS=1 cargo test --test it layering` rewrites it).

use std::fs;
use std::path::{Path, PathBuf};

/// One layer: a top-level module of `src/` (or `main.rs`, `lib.rs`).
struct Layer {
    module: &'static str,
    /// Touches neither fs, env, process, sockets nor the terminal's standard streams.
    pure: bool,
    /// The `crate::` modules it may use (its own is implied).
    uses: &'static [&'static str],
    /// The external crates it may use (`std` is implied, minus what `pure` forbids).
    externs: &'static [&'static str],
}

/// std paths a pure layer may not name.
const IMPURE_STD: &[&str] = &[
    "std::fs",
    "std::env",
    "std::process",
    "std::net::TcpStream",
    "std::net::TcpListener",
    "std::net::UdpSocket",
    "std::io::stdin",
    "std::io::stdout",
    "std::io::stderr",
];

/// The layers, top (main) to bottom (leaves). Derived from the code and checked against it.
#[rustfmt::skip]
const TABLE: &[Layer] = &[
    Layer { module: "main.rs", pure: false, uses: &["cli", "commands", "error", "exit", "report", "terminal", "usage"], externs: &["clap", "rustls"] },
    Layer { module: "lib.rs", pure: true, uses: &[], externs: &[] },
    Layer { module: "usage", pure: false, uses: &["cli", "exit"], externs: &["clap"] },
    Layer { module: "cli", pure: true, uses: &["gen", "relay", "smtp"], externs: &["clap", "ipnet"] },
    Layer { module: "terminal", pure: false, uses: &[], externs: &["rustix", "signal_hook"] },
    Layer { module: "commands", pure: false, uses: &["check", "cli", "config", "error", "exit", "explain", "finding", "fsx", "gen", "host", "lint", "mta", "net", "probe", "relay", "report", "secret", "sim", "smtp", "terminal"], externs: &["clap", "clap_complete", "clap_mangen", "console", "indicatif", "rustls", "serde_json", "walkdir"] },
    Layer { module: "report", pure: true, uses: &["check", "explain", "finding", "gen", "lint", "mta", "probe", "relay", "smtp"], externs: &["anstyle", "comfy_table", "serde", "serde_json"] },
    Layer { module: "sim", pure: false, uses: &["explain", "net", "relay"], externs: &["rcgen", "rustls", "serde", "serde_json", "tokio", "tokio_rustls"] },
    Layer { module: "probe", pure: true, uses: &["explain", "finding", "net", "relay", "smtp"], externs: &["ipnet", "serde", "thiserror"] },
    Layer { module: "check", pure: true, uses: &["finding", "net", "relay"], externs: &["ipnet", "serde", "thiserror"] },
    Layer { module: "net", pure: false, uses: &["smtp"], externs: &["hickory_resolver", "rustls", "socket2", "thiserror", "time", "tokio", "webpki_roots", "x509_parser"] },
    Layer { module: "lint", pure: true, uses: &["finding", "mta", "relay"], externs: &["serde", "strsim"] },
    Layer { module: "mta", pure: true, uses: &["finding", "gen", "relay"], externs: &["saphyr_parser", "serde", "serde_json"] },
    Layer { module: "config", pure: true, uses: &["gen", "relay"], externs: &["serde", "strsim", "thiserror", "toml"] },
    Layer { module: "error", pure: true, uses: &["exit", "gen", "relay"], externs: &["thiserror"] },
    Layer { module: "gen", pure: true, uses: &["relay"], externs: &["serde", "thiserror"] },
    Layer { module: "smtp", pure: true, uses: &["redacted"], externs: &["base64", "lettre", "serde", "serde_json", "thiserror"] },
    Layer { module: "explain", pure: true, uses: &["smtp", "sources"], externs: &["serde"] },
    Layer { module: "relay", pure: true, uses: &[], externs: &["ipnet", "serde", "thiserror"] },
    // secret: tempfile only in its tests (temp dirs), now that tempfile is a normal dependency.
    Layer { module: "secret", pure: false, uses: &["error", "fsx", "redacted"], externs: &["rpassword", "tempfile"] },
    Layer { module: "redacted", pure: true, uses: &[], externs: &[] },
    Layer { module: "fsx", pure: false, uses: &["error"], externs: &["rustix", "tempfile"] },
    Layer { module: "host", pure: false, uses: &[], externs: &["hostname"] },
    Layer { module: "exit", pure: true, uses: &[], externs: &[] },
    Layer { module: "finding", pure: true, uses: &[], externs: &["serde", "serde_json"] },
    Layer { module: "sources", pure: true, uses: &[], externs: &[] },
];

/// Edges that exist today and break the layers: allowed so the test passes, listed so they
/// are seen (docs/architecture.md) and removed; a test fails once one is no longer used.
/// (row, `crate::` module, what is wrong)
const TOLERATED: &[(&str, &str, &str)] = &[];

/// Finer edges than the table can say: (file prefix, crate path prefix, why).
const DENY: &[(&str, &str, &str)] = &[
    (
        "check/",
        "net::dns",
        "checks see the Resolve trait, never the concrete resolver",
    ),
    (
        "probe/",
        "net::dns",
        "the probe sees the Resolve and Dial traits, never the adapters",
    ),
    (
        "probe/",
        "net::smtp",
        "the probe sees the Resolve and Dial traits, never the adapters",
    ),
    (
        "probe/",
        "net::tls",
        "the probe sees the Resolve and Dial traits, never the adapters",
    ),
    ("report/", "net::dns", "renderers do not resolve names"),
    ("report/", "net::smtp", "renderers do not dial"),
];

/// (path, the only files or directories under src/ that may name it, why). A path is an
/// external crate name, or a `::` chain matched anywhere in a written path.
const ONLY_IN: &[(&str, &[&str], &str)] = &[
    (
        "hickory_resolver",
        &["net/dns.rs"],
        "hickory-resolver stays behind net::Resolve",
    ),
    (
        "tokio",
        &["net/dns.rs", "sim/"],
        "the async runtime is private to the DNS adapter and to `relayctl sim`",
    ),
    (
        "lettre",
        &["smtp/message.rs"],
        "lettre builds the test message and nothing else",
    ),
    (
        "saphyr_parser",
        &["mta/yaml.rs"],
        "YAML is parsed in one place, into a tree whose nodes carry file:line:column",
    ),
    (
        "process::exit",
        &["terminal.rs"],
        "only the signal handler ends the process; everything else returns to main",
    ),
    (
        "signal_hook",
        &["terminal.rs"],
        "one handler for the process, installed by main",
    ),
    (
        "indicatif",
        &["commands/progress.rs"],
        "progress is drawn by one module, on its own thread",
    ),
    (
        "x509_parser",
        &["net/tls.rs"],
        "certificates are read once, into smtp::tls::CertInfo",
    ),
];

/// The external crates, as paths name them: [dependencies] of Cargo.toml.
fn externs() -> Vec<String> {
    let toml = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .expect("Cargo.toml");
    let deps = toml
        .split("[dependencies]")
        .nth(1)
        .expect("[dependencies]")
        .split("\n[")
        .next()
        .unwrap_or("");
    deps.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(name, _)| name.trim().replace('-', "_"))
        .filter(|n| !n.is_empty())
        .collect()
}

/// `gen/postfix.rs` -> its row (`gen`) and its module path (`[gen, postfix]`).
fn module_of(rel: &str) -> (String, Vec<String>) {
    if rel == "main.rs" || rel == "lib.rs" {
        return (rel.to_owned(), Vec::new());
    }
    let mut segs: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if segs.last().is_some_and(|s| s == "mod") {
        segs.pop();
    }
    (segs[0].clone(), segs)
}

/// A use of one file: the row's module, the file:line, the path as written, what it reaches.
struct Use {
    row: String,
    at: String,
    written: String,
    target: Target,
}

/// Every use that `text` (the file `rel` under src/) makes of another module or crate.
/// `children` are the modules declared below this file's module (its directory's files).
fn uses_of(rel: &str, text: &str, children: &[String], externs: &[String]) -> Vec<Use> {
    let (row, module) = module_of(rel);
    let code = strip(text);
    let named = named_paths(&code, &module);
    let mut local: Vec<String> = children.to_vec();
    // an inline `mod x` shadows a crate of the same name
    let toks = tokens(&code);
    for w in toks.windows(2) {
        if let (Tok::Ident(m), Tok::Ident(name)) = (&w[0].0, &w[1].0) {
            if m == "mod" {
                local.push(name.clone());
            }
        }
    }
    let ext: Vec<&str> = externs.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    for n in &named {
        let imported: Vec<String> = named
            .iter()
            .filter(|m| m.line != n.line && m.segs.len() > 1)
            .filter_map(|m| m.segs.last().cloned())
            .collect();
        let Some(target) = resolve(n, &local, &imported, &ext, rel == "main.rs") else {
            continue;
        };
        out.push(Use {
            row: row.clone(),
            at: format!("src/{rel}:{}", n.line),
            written: n.segs.join("::"),
            target,
        });
    }
    out
}

/// The violations of `uses` (made by the file `rel`) against `table`.
fn violations(rel: &str, uses: &[Use], table: &[Layer]) -> Vec<String> {
    let mut bad = Vec::new();
    for u in uses {
        let Some(layer) = table.iter().find(|l| l.module == u.row) else {
            bad.push(format!(
                "{}: `{}`: module `{}` has no row in the table",
                u.at, u.written, u.row
            ));
            continue;
        };
        let row = format!("row `{}`", layer.module);
        match &u.target {
            Target::Crate(p) => {
                let Some(top) = p.first() else { continue };
                let tolerated = TOLERATED
                    .iter()
                    .any(|(r, m, _)| *r == layer.module && m == top);
                if *top != layer.module && !layer.uses.contains(&top.as_str()) && !tolerated {
                    bad.push(format!(
                        "{}: `{}`: {row} may not use `crate::{top}` (may use: {})",
                        u.at,
                        u.written,
                        layer.uses.join(", ")
                    ));
                }
                let joined = p.join("::");
                for (prefix, path, why) in DENY {
                    if rel.starts_with(prefix)
                        && (joined == *path || joined.starts_with(&format!("{path}::")))
                    {
                        bad.push(format!("{}: `{}`: {why}", u.at, u.written));
                    }
                }
            }
            Target::Std(p) => {
                if layer.pure {
                    for imp in IMPURE_STD {
                        if p == imp || p.starts_with(&format!("{imp}::")) {
                            bad.push(format!(
                                "{}: `{}`: {row} is pure (no fs, env, process, sockets or std streams)",
                                u.at, u.written
                            ));
                        }
                    }
                }
            }
            Target::Extern(name) => {
                if !layer.externs.contains(&name.as_str()) {
                    bad.push(format!(
                        "{}: `{}`: {row} may not use the crate `{name}` (may use: {})",
                        u.at,
                        u.written,
                        layer.externs.join(", ")
                    ));
                }
            }
        }
        for (needle, only, why) in ONLY_IN {
            let hit = match &u.target {
                Target::Extern(name) => name == needle,
                _ => false,
            } || (needle.contains("::") && u.written.contains(needle));
            if hit
                && !only
                    .iter()
                    .any(|o| rel == *o || (o.ends_with('/') && rel.starts_with(o)))
            {
                bad.push(format!("{}: `{}`: {why}", u.at, u.written));
            }
        }
    }
    bad
}

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

/// The modules declared below the file `f`: for `x/mod.rs` and `lib.rs`, the files and
/// directories next to it; for `x.rs`, those in `x/`.
fn children(f: &Path, src: &Path) -> Vec<String> {
    let name = f.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let dir = if name == "mod" || f.parent() == Some(src) && name == "lib" {
        f.parent().expect("in a dir").to_path_buf()
    } else {
        f.with_extension("")
    };
    let Ok(rd) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    rd.flatten()
        .filter_map(|e| {
            let p = e.path();
            let stem = p.file_stem()?.to_str()?.to_owned();
            (p.is_dir() || p.extension().is_some_and(|x| x == "rs")).then_some(stem)
        })
        .filter(|s| s != "mod" && s != "main" && s != "lib")
        .collect()
}

/// (file under src/, its uses) for every file.
fn all_uses() -> Vec<(String, Vec<Use>)> {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let ext = externs();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .iter()
        .map(|f| {
            let rel = f
                .strip_prefix(&src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            let text = fs::read_to_string(f).expect("source is UTF-8");
            let uses = uses_of(&rel, &text, &children(f, &src), &ext);
            (rel, uses)
        })
        .collect()
}

#[test]
fn layers_only_use_what_they_may() {
    let mut broken = Vec::new();
    for (rel, uses) in all_uses() {
        broken.extend(violations(&rel, &uses, TABLE));
    }
    assert!(broken.is_empty(), "layering broken:\n{}", broken.join("\n"));
}

#[test]
fn every_tolerated_edge_is_still_there() {
    let all = all_uses();
    for (row, module, _) in TOLERATED {
        let used = all.iter().flat_map(|(_, u)| u).any(|u| {
            u.row == *row
                && matches!(&u.target, Target::Crate(p) if p.first().is_some_and(|t| t == module))
        });
        assert!(
            used,
            "`{row}` no longer uses `crate::{module}`: remove the entry from TOLERATED (and bless docs/architecture.md)"
        );
    }
}

#[test]
fn every_module_of_src_has_a_row() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    for e in fs::read_dir(&src).expect("src/").flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let module = match name.as_str() {
            "main.rs" | "lib.rs" => name.clone(),
            n => n.trim_end_matches(".rs").to_owned(),
        };
        assert!(
            TABLE.iter().any(|l| l.module == module),
            "src/{name} has no row in TABLE"
        );
    }
}

/// The checker on sources that are not in the tree: a deliberate violation is caught, and
/// what only looks like one (a comment, a string, a local name) is not.
fn check_text(rel: &str, text: &str, children: &[&str]) -> Vec<String> {
    let ext: Vec<String> = ["clap", "tokio", "serde", "console", "lettre"]
        .map(str::to_owned)
        .to_vec();
    let children: Vec<String> = children.iter().map(|s| s.to_string()).collect();
    violations(rel, &uses_of(rel, text, &children, &ext), TABLE)
}

#[test]
fn the_scanner_catches_a_forbidden_use() {
    // relay/ may use no other crate module, no clap, no std::fs
    let bad = check_text(
        "relay/plan.rs",
        "use crate::{names::X, cli::Args};\nfn f() {\n    let _ = std::fs::read(\"x\");\n}\nfn g() -> clap::Command { todo!() }\n",
        &[],
    );
    assert_eq!(bad.len(), 4, "{bad:#?}");
    assert!(
        bad[0].starts_with(
            "src/relay/plan.rs:1: `crate::names::X`: row `relay` may not use `crate::names`"
        ),
        "{}",
        bad[0]
    );
    assert!(
        bad[1].starts_with(
            "src/relay/plan.rs:1: `crate::cli::Args`: row `relay` may not use `crate::cli`"
        ),
        "{}",
        bad[1]
    );
    assert!(
        bad[2].starts_with("src/relay/plan.rs:3: `std::fs::read`: row `relay` is pure"),
        "{}",
        bad[2]
    );
    assert!(
        bad[3].starts_with(
            "src/relay/plan.rs:5: `clap::Command`: row `relay` may not use the crate `clap`"
        ),
        "{}",
        bad[3]
    );
    // super:: resolves to the parent module: from gen/postfix.rs, super::super::report is crate::report
    let bad = check_text(
        "gen/postfix.rs",
        "use super::super::report::Format;\nuse super::console;\n",
        &[],
    );
    assert_eq!(bad.len(), 1, "{bad:#?}");
    assert!(
        bad[0].contains("`super::super::report::Format`: row `gen` may not use `crate::report`"),
        "{}",
        bad[0]
    );
    // inside an inline `mod tests`, super:: is the file's own module
    let bad = check_text(
        "gen/mod.rs",
        "#[cfg(test)]\nmod tests {\n    use super::super::cli;\n}\n",
        &[],
    );
    assert_eq!(bad.len(), 1, "{bad:#?}");
    assert!(bad[0].starts_with("src/gen/mod.rs:3:"), "{}", bad[0]);
    // the finer rules: the probe sees net's traits, not its adapters; tokio stays in its two places
    let bad = check_text(
        "probe/mod.rs",
        "use crate::net::{Resolve, dns::HickoryResolver};\n",
        &[],
    );
    assert_eq!(bad.len(), 1, "{bad:#?}");
    assert!(bad[0].contains("never the adapters"), "{}", bad[0]);
    let bad = check_text("net/smtp.rs", "fn f() { tokio::spawn(async {}); }\n", &[]);
    assert_eq!(bad.len(), 1, "{bad:#?}");
    assert!(bad[0].contains("private to the DNS adapter"), "{}", bad[0]);
    let bad = check_text("commands/gen.rs", "fn f() { std::process::exit(3) }\n", &[]);
    assert!(
        bad.iter()
            .any(|b| b.contains("only the signal handler ends the process")),
        "{bad:#?}"
    );
}

#[test]
fn the_scanner_ignores_what_only_looks_like_a_use() {
    let text = r####"//! use crate::cli; (a comment)
/* crate::commands::x /* nested */ crate::report */
const A: &str = "use crate::cli::Args; std::fs::read";
const B: &str = r#"clap::Command "quoted" crate::net"#;
const C: char = '"';
fn f<'a>(x: &'a str) -> &'a str { x }
use self::console::Spelling; // gen's own console.rs, not the console crate
fn g() { console::spell(); Self::h(); Kind::A; }
"####;
    let bad = check_text("gen/mod.rs", text, &["console"]);
    assert!(bad.is_empty(), "{bad:#?}");
    // the same text elsewhere: `console::` is the crate there, and gen may not use it
    let bad = check_text(
        "relay/plan.rs",
        "fn g() { console::Term::stderr(); }\n",
        &[],
    );
    assert_eq!(bad.len(), 1, "{bad:#?}");
}

/// The table, the tolerated edges and the finer rules as the markdown docs/architecture.md
/// carries between its markers.
fn render_docs_table() -> String {
    let mut out =
        String::from("| layer | pure | may use `crate::` | may use crates |\n|---|---|---|---|\n");
    let code = |xs: &[&str]| {
        if xs.is_empty() {
            "—".to_owned()
        } else {
            xs.iter()
                .map(|x| format!("`{x}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    for l in TABLE {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let name = if l.module.ends_with(".rs") {
            l.module.to_owned()
        } else if src.join(format!("{}.rs", l.module)).is_file() {
            format!("{}.rs", l.module)
        } else {
            format!("{}/", l.module)
        };
        out.push_str(&format!(
            "| `{name}` | {} | {} | {} |\n",
            if l.pure { "yes" } else { "no" },
            code(l.uses),
            code(l.externs)
        ));
    }
    out.push_str("\nA pure layer names none of ");
    out.push_str(&code(IMPURE_STD));
    out.push_str(".\n\nFiner rules:\n\n");
    for (prefix, path, why) in DENY {
        out.push_str(&format!(
            "- `src/{prefix}` may not use `crate::{path}`: {why}.\n"
        ));
    }
    for (needle, only, why) in ONLY_IN {
        let only: Vec<String> = only.iter().map(|o| format!("`src/{o}`")).collect();
        out.push_str(&format!(
            "- `{needle}` only in {}: {why}.\n",
            only.join(" and ")
        ));
    }
    out.push_str(
        "\nKnown violations, tolerated until fixed (the test fails once one is gone):\n\n",
    );
    for (row, module, why) in TOLERATED {
        out.push_str(&format!("- `{row}` uses `crate::{module}`: {why}.\n"));
    }
    if TOLERATED.is_empty() {
        out.push_str("None.\n");
    }
    out
}

#[test]
fn docs_architecture_md_has_the_table() {
    const BEGIN: &str = "<!-- BEGIN layers: generated from tests/it/layering.rs -->\n";
    const END: &str = "<!-- END layers -->";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md");
    let doc = fs::read_to_string(&path).expect("docs/architecture.md");
    let (Some(b), Some(e)) = (doc.find(BEGIN), doc.find(END)) else {
        panic!("docs/architecture.md lacks the layers markers");
    };
    let want = render_docs_table();
    let have = &doc[b + BEGIN.len()..e];
    if have == want {
        return;
    }
    if std::env::var_os("RELAYCTL_BLESS").is_some() {
        let fresh = format!("{}{BEGIN}{want}{}", &doc[..b], &doc[e..]);
        fs::write(&path, fresh).expect("write docs/architecture.md");
        return;
    }
    panic!(
        "docs/architecture.md's layers table is stale; run `RELAYCTL_BLESS=1 cargo test --test it layering` and commit it"
    );
}

// ---- the scanner -------------------------------------------------------------------------

/// The code of `text` with comments, string and char literals blanked (newlines kept, so
/// line numbers still hold).
fn strip(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < c.len() {
        let at = |k: usize| c.get(k).copied().unwrap_or('\0');
        if c[i] == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c[i] == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            loop {
                if i >= c.len() {
                    break;
                }
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
        } else if (c[i] == 'r' || (c[i] == 'b' && at(i + 1) == 'r'))
            && !is_ident(if i == 0 { ' ' } else { c[i - 1] })
            && {
                let mut k = i + if c[i] == 'b' { 2 } else { 1 };
                while at(k) == '#' {
                    k += 1;
                }
                at(k) == '"'
            }
        {
            // raw string: r"..." r#"..."# br"..."
            let mut k = i + if c[i] == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while at(k) == '#' {
                hashes += 1;
                k += 1;
            }
            k += 1; // the opening quote
            while k < c.len() {
                if c[k] == '"' && (1..=hashes).all(|h| at(k + h) == '#') {
                    k += 1 + hashes;
                    break;
                }
                k += 1;
            }
            for &ch in &c[i..k.min(c.len())] {
                out.push(blank(ch));
            }
            i = k;
        } else if c[i] == '"' {
            let mut k = i + 1;
            while k < c.len() && c[k] != '"' {
                k += if c[k] == '\\' { 2 } else { 1 };
            }
            let end = (k + 1).min(c.len());
            for &ch in &c[i..end] {
                out.push(blank(ch));
            }
            i = end;
        } else if c[i] == '\'' && (at(i + 1) == '\\' || (at(i + 1) != '\'' && at(i + 2) == '\'')) {
            // a char literal, not a lifetime
            let mut k = i + 1;
            while k < c.len() && c[k] != '\'' {
                k += if c[k] == '\\' { 2 } else { 1 };
            }
            let end = (k + 1).min(c.len());
            for &ch in &c[i..end] {
                out.push(blank(ch));
            }
            i = end;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn is_ident(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Punct(char),
}

fn tokens(code: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if is_ident(ch) {
            let s = i;
            while i < c.len() && is_ident(c[i]) {
                i += 1;
            }
            let word: String = c[s..i].iter().collect();
            out.push((Tok::Ident(word.trim_start_matches("r#").to_owned()), line));
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            out.push((Tok::Sep, line));
            i += 2;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

/// One path named by a file: its segments as written, the line, and the module path it was
/// written in (the file's module plus any inline `mod x { }` around it).
#[derive(Debug)]
struct Named {
    segs: Vec<String>,
    line: usize,
    scope: Vec<String>,
}

/// Parses a use tree starting at `toks[*i]`, appending the full paths it names to `out`.
fn use_tree(toks: &[(Tok, usize)], i: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    loop {
        match toks.get(*i).map(|t| &t.0) {
            Some(Tok::Sep) => *i += 1,
            Some(Tok::Ident(w)) if w == "as" => {
                *i += 2; // `as name`
                break;
            }
            Some(Tok::Ident(w)) => {
                path.push(w.clone());
                *i += 1;
            }
            Some(Tok::Punct('{')) => {
                *i += 1;
                loop {
                    match toks.get(*i).map(|t| &t.0) {
                        Some(Tok::Punct('}')) | None => {
                            *i += 1;
                            break;
                        }
                        Some(Tok::Punct(',')) => *i += 1,
                        _ => use_tree(toks, i, &path, out),
                    }
                }
                return;
            }
            Some(Tok::Punct('*')) => {
                *i += 1;
                break;
            }
            _ => break,
        }
    }
    // `use a::b::{self}` names a::b
    if path.last().is_some_and(|s| s == "self") {
        path.pop();
    }
    out.push(path);
}

/// Every path named by `code` (already stripped): every `use` tree expanded, and every
/// `a::b` chain elsewhere.
fn named_paths(code: &str, module: &[String]) -> Vec<Named> {
    let toks = tokens(code);
    let mut out = Vec::new();
    // inline modules: (name, brace depth at which its body opened)
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let scope = |inline: &[(String, usize)]| {
        let mut s = module.to_vec();
        s.extend(inline.iter().map(|(n, _)| n.clone()));
        s
    };
    while i < toks.len() {
        let (tok, line) = (&toks[i].0, toks[i].1);
        let after_sep = i > 0 && toks[i - 1].0 == Tok::Sep;
        match tok {
            Tok::Punct('{') => {
                depth += 1;
                i += 1;
            }
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Tok::Ident(w) if w == "mod" => {
                if let (Some((Tok::Ident(name), _)), Some((Tok::Punct('{'), _))) =
                    (toks.get(i + 1), toks.get(i + 2))
                {
                    inline.push((name.clone(), depth + 1));
                }
                i += 1;
            }
            Tok::Ident(w) if w == "use" && !after_sep => {
                i += 1;
                let mut trees = Vec::new();
                use_tree(&toks, &mut i, &[], &mut trees);
                let sc = scope(&inline);
                for segs in trees {
                    if !segs.is_empty() {
                        out.push(Named {
                            segs,
                            line,
                            scope: sc.clone(),
                        });
                    }
                }
            }
            Tok::Ident(w) if !after_sep && toks.get(i + 1).is_some_and(|t| t.0 == Tok::Sep) => {
                let mut segs = vec![w.clone()];
                let mut k = i + 1;
                while let (Some((Tok::Sep, _)), Some((Tok::Ident(n), _))) =
                    (toks.get(k), toks.get(k + 1))
                {
                    segs.push(n.clone());
                    k += 2;
                }
                out.push(Named {
                    segs,
                    line,
                    scope: scope(&inline),
                });
                i = k;
            }
            _ => i += 1,
        }
    }
    out
}

/// What a named path reaches.
#[derive(Debug, PartialEq)]
enum Target {
    /// a module of this crate, as an absolute path (`["net", "dns", ...]`)
    Crate(Vec<String>),
    /// `std`, `core` or `alloc`, with the full path
    Std(String),
    /// an external crate, by name
    Extern(String),
}

/// Resolves `n` from the file whose module path is `n.scope`; `children` are the names of the
/// modules declared under that scope (so `console::x` in `gen/mod.rs` is `gen::console`, not
/// the `console` crate). Paths to local items (`Self::`, enum variants, …) resolve to `None`.
fn resolve(
    n: &Named,
    children: &[String],
    imported: &[String],
    externs: &[&str],
    bin: bool,
) -> Option<Target> {
    let first = n.segs[0].as_str();
    let rest = n.segs[1..].to_vec();
    match first {
        "crate" => Some(Target::Crate(rest)),
        "relayctl" if bin => Some(Target::Crate(rest)),
        "self" => {
            let mut p = n.scope.clone();
            p.extend(rest);
            Some(Target::Crate(p))
        }
        "super" => {
            let mut base = n.scope.clone();
            let mut k = 0;
            while n.segs.get(k).is_some_and(|s| s == "super") {
                base.pop();
                k += 1;
            }
            base.extend(n.segs[k..].iter().cloned());
            Some(Target::Crate(base))
        }
        "std" | "core" | "alloc" => Some(Target::Std(n.segs.join("::"))),
        _ if children.iter().any(|c| c == first) => {
            let mut p = n.scope.clone();
            p.extend(n.segs.iter().cloned());
            Some(Target::Crate(p))
        }
        // a name brought in by another `use` was checked there
        _ if imported.iter().any(|c| c == first) => None,
        _ if externs.contains(&first) => Some(Target::Extern(first.to_owned())),
        _ => None,
    }
}
