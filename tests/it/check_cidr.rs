//! `relayctl check cidr` through the real binary: exit codes 0/1/2/3, --fail-on, stdin,
//! CSV, --from-config, --canonical, the JSON document read into structs owned by this
//! test; and bad input (a binary file, 100 MB of garbage with bounded memory, a 1 MB line,
//! non-UTF-8 bytes): findings per line or one clear error, never a panic.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::support::Rng;
use crate::support::{relayctl_in, run, run_in, Run};

/// `check cidr ARGS` in `dir`, with the IPv6 hint pinned so results do not depend on the
/// machine running the tests.
fn cidr_in(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["check", "cidr", "--ipv6-egress", "no"];
    all.extend_from_slice(args);
    run_in(dir, &all)
}

fn with_file(name: &str, contents: &[u8], args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), contents).unwrap();
    let mut all = vec![name];
    all.extend_from_slice(args);
    cidr_in(dir.path(), &all)
}

fn no_panic(r: &Run) {
    assert!(
        !r.stderr.contains("panicked"),
        "stderr: {}",
        r.stderr.chars().take(2000).collect::<String>()
    );
}

#[test]
fn clean_list_exits_0_with_a_summary() {
    let r = with_file(
        "ranges.txt",
        b"# office\n203.0.114.0/28 office\n2001:4860:1::25 mail\n",
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "relayctl: 2 entries, 0 errors, 0 warnings, 0 notes; 2 ranges in the canonical list\n"
    );
}

#[test]
fn errors_exit_1_and_name_file_line_rule_and_fix() {
    let r = with_file(
        "ranges.txt",
        b"203.0.114.0/28\n192.168.1.0/24 lan\n198.50.0.0/15\n",
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines[0].starts_with("ranges.txt:2: error: 192.168.1.0/24 is a private (RFC 1918) address")
            && lines[0].ends_with("[not-public]"),
        "{}",
        r.stdout
    );
    assert!(lines[1].starts_with("    fix: "), "{}", r.stdout);
    assert!(
        lines[2].starts_with("ranges.txt:3: error: 198.50.0.0/15 holds 131,072 addresses"),
        "{}",
        r.stdout
    );
    assert!(
        lines[3].contains("split it into 2 entries: 198.50.0.0/16, 198.51.0.0/16"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("3 entries, 2 errors"), "{}", r.stderr);
}

#[test]
fn fail_on_sets_the_threshold() {
    let list: &[u8] = b"203.0.114.0/28\n203.0.114.0/28\n";
    let r = with_file("ranges.txt", list, &[]);
    assert_eq!(r.code, 0, "a duplicate is a warning: {}", r.stdout);
    assert!(r.stdout.contains("[duplicate]"));
    let r = with_file("ranges.txt", list, &["--fail-on", "warning"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let r = with_file(
        "ranges.txt",
        b"203.0.114.0/25\n203.0.114.128/25\n",
        &["--fail-on", "warning"],
    );
    assert_eq!(r.code, 0, "a merge is a note: {}", r.stdout);
    assert!(r.stdout.contains("[can-merge]"));
}

#[test]
fn unreadable_input_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let r = cidr_in(dir.path(), &["missing.txt"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("relayctl: missing.txt: "),
        "{}",
        r.stderr
    );
    std::fs::create_dir(dir.path().join("adir")).unwrap();
    let r = cidr_in(dir.path(), &["adir"]);
    assert_eq!(r.code, 3, "a directory: {}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    let r = cidr_in(dir.path(), &["--from-config", "missing.toml"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
}

#[test]
fn no_input_is_a_usage_error() {
    let r = run(&["check", "cidr"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn stdin_dash() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = relayctl_in(
        dir.path(),
        &["check", "cidr", "-", "--ipv6-egress", "no", "--canonical"],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"203.0.114.0/26\n203.0.114.64/26\n203.0.114.128/25\n10.1.1.1\n")
        .unwrap();
    let r: Run = child.wait_with_output().unwrap().into();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, "203.0.114.0/24\n", "the canonical list only");
    assert!(
        r.stderr
            .contains("stdin:4: error: 10.1.1.1/32 is a private"),
        "{}",
        r.stderr
    );
    assert!(r
        .stderr
        .contains("stdin:1: note: 3 entries make exactly 203.0.114.0/24"));
}

#[test]
fn csv_with_header_and_disabled_rows() {
    let r = with_file(
        "ranges.csv",
        b"description,range,enabled\r\nOffice,203.0.114.0/28,true\r\n\"Lab, 2nd floor\",203.0.114.16/28,false\r\nBad,203.0.114.999,true\r\n",
        &["--format", "json"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc: Doc = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc.data.entries, 3);
    assert_eq!(doc.data.disabled, 1);
    let rules: Vec<(&str, Option<u64>)> = doc
        .data
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.line()))
        .collect();
    assert_eq!(rules, [("disabled", Some(3)), ("syntax", Some(4))]);
    assert_eq!(doc.data.canonical, ["203.0.114.0/28"]);
}

#[test]
fn from_config_reports_bad_ranges_with_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("relay.toml"),
        "[console]\n[[console.ranges]]\ncidr = \"203.0.114.0/28\"\n\n[[console.ranges]]\ndescription = \"lan\"\ncidr = \"10.0.0.0/24\"\n",
    )
    .unwrap();
    let r = cidr_in(
        dir.path(),
        &["--from-config", "relay.toml", "--range", "203.0.114.0/28"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("relay.toml:7: error: 10.0.0.0/24 is a private"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("--range:1: warning: 203.0.114.0/28 is listed twice (first on relay.toml:3)"),
        "{}",
        r.stdout
    );
    // A relay.toml that is not TOML of the right shape is an input error.
    std::fs::write(dir.path().join("relay.toml"), "[console\n").unwrap();
    let r = cidr_in(dir.path(), &["--from-config", "relay.toml"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("relayctl: relay.toml:1: "),
        "{}",
        r.stderr
    );
}

#[test]
fn ipv6_egress_hint() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_in(
        dir.path(),
        &[
            "check",
            "cidr",
            "--range",
            "203.0.114.7",
            "--ipv6-egress",
            "yes",
            "--fail-on",
            "warning",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("warning: this host has IPv6 egress"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("[no-ipv6-range]"));
    assert!(r.stdout.contains("inet_protocols = ipv4"));
    // auto reads /proc and must work whatever this machine has.
    let r = run_in(dir.path(), &["check", "cidr", "--range", "203.0.114.7"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// The JSON document, as a script would read it (fields this test does not name may be
/// added; renaming one breaks this test).
#[derive(Deserialize)]
struct Doc {
    schema: String,
    version: String,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    entries: u64,
    disabled: u64,
    summary: Summary,
    findings: Vec<JsonFinding>,
    omitted: Vec<JsonOmitted>,
    canonical: Vec<String>,
}

#[derive(Deserialize)]
struct Summary {
    errors: u64,
    warnings: u64,
    notes: u64,
}

#[derive(Deserialize)]
struct JsonFinding {
    rule: String,
    severity: String,
    span: Option<JsonSpan>,
    #[serde(default)]
    related: Vec<JsonSpan>,
    message: String,
    fix: String,
    fact: String,
    suppressed: bool,
}

impl JsonFinding {
    fn line(&self) -> Option<u64> {
        self.span.as_ref().map(|s| s.line)
    }

    fn source(&self) -> Option<&str> {
        self.span.as_ref().map(|s| s.file.as_str())
    }
}

/// The common finding's span (docs/json.md): a list's entries have no column.
#[derive(Deserialize)]
struct JsonSpan {
    file: String,
    line: u64,
    column: u64,
}

#[derive(Deserialize)]
struct JsonOmitted {
    rule: String,
    count: u64,
}

#[test]
fn json_schema() {
    let r = with_file(
        "ranges.txt",
        b"203.0.114.0/24\n203.0.114.16/28\n1050:0000:0000:0000:0005:0600:300c:326b\n1050:0:0:0:5:600:300c:326b\n1050::5:600:300c:326b\n",
        &["--format", "json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "", "nothing on stderr in JSON mode");
    let doc: Doc = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc.schema, "relayctl/check-cidr/2");
    assert!(!doc.version.is_empty());
    let d = doc.data;
    assert_eq!(
        (
            d.entries,
            d.disabled,
            d.summary.errors,
            d.summary.warnings,
            d.summary.notes
        ),
        (5, 0, 0, 3, 0)
    );
    assert!(d.omitted.is_empty());
    assert_eq!(d.canonical, ["203.0.114.0/24", "1050::5:600:300c:326b/128"]);
    let overlap = &d.findings[0];
    assert_eq!(overlap.rule, "overlap");
    assert_eq!(overlap.severity, "warning");
    assert_eq!(overlap.source(), Some("ranges.txt"));
    assert_eq!(overlap.line(), Some(2));
    assert_eq!(overlap.related.len(), 1);
    assert_eq!(
        (overlap.related[0].file.as_str(), overlap.related[0].line),
        ("ranges.txt", 1)
    );
    assert_eq!(overlap.related[0].column, 0);
    assert!(!overlap.fact.is_empty() && !overlap.suppressed);
    assert!(overlap.message.contains("lies inside 203.0.114.0/24"));
    assert!(!overlap.fix.is_empty());
    for (f, line) in d.findings[1..].iter().zip([4, 5]) {
        assert_eq!((f.rule.as_str(), f.line()), ("duplicate", Some(line)));
        assert!(f
            .message
            .starts_with("1050::5:600:300c:326b/128 is listed twice"));
    }
}

#[test]
fn binary_file_is_one_clear_error() {
    let mut elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec();
    elf.extend((0..4096u32).map(|i| (i * 7 % 251) as u8));
    let r = with_file("relayctl.bin", &elf, &[]);
    no_panic(&r);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "relayctl: relayctl.bin: line 1: a NUL byte; this is a binary file, not a list of ranges\n"
    );
    let r = with_file("utf16.txt", b"\xff\xfe2\x000\x003\x00.\x00", &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("UTF-16"), "{}", r.stderr);
}

#[test]
fn a_one_megabyte_line_is_one_finding() {
    let mut list = b"203.0.114.0/28\n".to_vec();
    list.extend(std::iter::repeat_n(b'7', 1 << 20));
    list.extend(b"\n203.0.114.16/28\n");
    let r = with_file("ranges.txt", &list, &["--canonical"]);
    no_panic(&r);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, "203.0.114.0/27\n");
    assert!(
        r.stderr.contains(
            "ranges.txt:2: error: line is longer than 4,096 bytes (1,048,576 bytes); not a range [line-too-long]"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn non_utf8_bytes_are_a_finding_per_line() {
    let r = with_file(
        "ranges.txt",
        b"203.0.114.0/28 B\xfcro\n\xc3\x28\xa0\xa1\n203.0.114.16/28\n",
        &["--format", "json"],
    );
    no_panic(&r);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc: Doc = serde_json::from_str(&r.stdout).unwrap();
    let rules: Vec<(&str, &str, Option<u64>)> = doc
        .data
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.severity.as_str(), f.line()))
        .collect();
    assert_eq!(
        rules,
        [
            ("not-utf8", "warning", Some(1)),
            ("can-merge", "note", Some(1)),
            ("not-utf8", "warning", Some(2)),
            ("syntax", "error", Some(2)),
        ]
    );
    assert_eq!(doc.data.canonical, ["203.0.114.0/27"]);
}

/// Peak resident memory of a running process, in KiB (Linux /proc).
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_hundred_megabytes_of_garbage_in_bounded_memory() {
    // 1 MiB of random bytes without NUL (a NUL would end the read at once as a binary
    // file): lines of ~256 bytes, invalid UTF-8, control characters, a 16 KiB line, and
    // some valid ranges; written 100 times.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut block: Vec<u8> = (0..1 << 20).map(|_| (rng.next() % 255) as u8 + 1).collect();
    block[..16 << 10].fill(b'x');
    for i in 0..64 {
        let at = (32 << 10) + ((rng.next() as usize % (block.len() - (64 << 10))) & !63);
        let entry = format!("\n203.0.114.{i}\n");
        block[at..at + entry.len()].copy_from_slice(entry.as_bytes());
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.txt");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for _ in 0..100 {
            f.write_all(&block).unwrap();
        }
        f.flush().unwrap();
    }
    let mut child = relayctl_in(
        dir.path(),
        &[
            "check",
            "cidr",
            "garbage.txt",
            "--ipv6-egress",
            "no",
            "--format",
            "json",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let pid = child.id();
    // Read stdout on a thread so the child never blocks on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut v).map(|_| v)
    });
    let started = Instant::now();
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        peak = peak.max(peak_rss_kib(pid).unwrap_or(0));
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "still running after 5 minutes"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait().unwrap();
    let stdout = reader.join().unwrap().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.code(), Some(1), "{stderr}");
    // The findings are capped per rule, so the document stays small and memory flat: a
    // debug build holds well under 64 MiB for 100 MB of input.
    assert!(peak < 64 << 10, "peak RSS {peak} KiB");
    assert!(stdout.len() < 64 << 20, "JSON of {} bytes", stdout.len());
    let doc: Doc = serde_json::from_slice(&stdout).unwrap();
    assert!(doc.data.entries > 100_000, "{}", doc.data.entries);
    let omitted: Vec<&str> = doc.data.omitted.iter().map(|o| o.rule.as_str()).collect();
    assert!(omitted.contains(&"not-utf8"), "{omitted:?}");
    assert!(doc.data.omitted.iter().all(|o| o.count > 0));
    assert!(doc.data.findings.iter().any(|f| f.rule == "line-too-long"));
    assert_eq!(
        doc.data.canonical,
        ["203.0.114.0/26"],
        "the scattered valid /32s merge into one /26"
    );
}

#[test]
fn broken_pipe_is_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let list: String = (0..20_000u32)
        .map(|i| format!("2001:4860:{:x}::1\n", i))
        .collect();
    std::fs::write(dir.path().join("ranges.txt"), list).unwrap();
    for format in ["text", "json"] {
        let mut child = relayctl_in(
            dir.path(),
            &[
                "check",
                "cidr",
                "ranges.txt",
                "--canonical",
                "--ipv6-egress",
                "no",
                "--format",
                format,
            ],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        // Close the read end before relayctl writes: every write gets EPIPE.
        drop(child.stdout.take());
        let status = child.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert!(!err.contains("Broken pipe"), "{format}: {err}");
        assert!(!err.contains("panicked"), "{format}: {err}");
        assert_eq!(status.code(), Some(0), "{format}: {err}");
    }
}

/// Runs `check cidr ARGS` with `stdin`, killed after a generous `limit`: a read that never
/// ends fails the test instead of hanging it. `feed`, when given, writes stdin from a
/// thread until relayctl stops reading.
fn cidr_bounded(
    args: &[&str],
    stdin: Stdio,
    feed: Option<Box<dyn FnOnce(std::process::ChildStdin) + Send>>,
    limit: Duration,
) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let mut full = vec!["check", "cidr", "--ipv6-egress", "no"];
    full.extend_from_slice(args);
    let mut child = relayctl_in(dir.path(), &full)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let writer = feed.map(|f| {
        let input = child.stdin.take().expect("piped stdin");
        std::thread::spawn(move || f(input))
    });
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("check cidr {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    if let Some(w) = writer {
        w.join().unwrap();
    }
    out.into()
}

#[test]
fn dev_zero_ends_at_once_as_a_binary_file() {
    let limit = Duration::from_secs(20);
    let r = cidr_bounded(&["/dev/zero"], Stdio::null(), None, limit);
    no_panic(&r);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "relayctl: /dev/zero: line 1: a NUL byte; this is a binary file, not a list of ranges\n"
    );
    let zero = std::fs::File::open("/dev/zero").unwrap();
    let r = cidr_bounded(&["-"], Stdio::from(zero), None, limit);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "relayctl: stdin: line 1: a NUL byte; this is a binary file, not a list of ranges\n"
    );
}

#[test]
fn an_endless_stdin_is_cut_at_the_cap() {
    // `yes '# xxx...' | relayctl check cidr -`: long comment lines, cheap to read even in a
    // debug build, never ending. relayctl stops at 256 MiB; the writer then gets EPIPE.
    let feed = Box::new(|mut input: std::process::ChildStdin| {
        let mut line = vec![b'x'; 4000];
        line[0] = b'#';
        line.push(b'\n');
        let block = line.repeat(64);
        while input.write_all(&block).is_ok() {}
    });
    let r = cidr_bounded(&["-"], Stdio::piped(), Some(feed), Duration::from_secs(120));
    no_panic(&r);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "relayctl: stdin: more than 256 MiB (268,435,456 bytes), the most check cidr reads from one input; is this a list of ranges?\n"
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}
