//! `relayctl lint --format sarif`: one SARIF 2.1.0 log (OASIS SARIF v2.1.0) in the shape
//! GitHub code scanning accepts: the rule catalogue with help text, one result per finding
//! with a location (a region when the finding has a span). Pure and deterministic: the
//! same report gives the same bytes (no timestamps, no absolute paths added).

use std::io::{self, Write};

use serde::Serialize;

use crate::lint::{Finding, LintReport, Rule, Severity, RULES};

/// The schema URI written in `$schema` (the copy GitHub's documentation points to).
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The base id relative file URIs are resolved against: the root of the checkout, as
/// GitHub code scanning resolves them (CodeQL writes the same id).
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    // Span columns count characters, not UTF-16 units (mta::Span).
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: [&'static str; 2],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    justification: &'static str,
}

/// Writes `r` as one SARIF 2.1.0 log, pretty-printed, with a final newline.
pub fn write(r: &LintReport, out: &mut dyn Write) -> io::Result<()> {
    let results = r
        .files
        .iter()
        .flat_map(|file| file.findings.iter().map(move |f| result(&file.file, f)))
        .collect();
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "relayctl",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: RULES.iter().map(descriptor).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// The SARIF level of a severity.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn descriptor(rule: &Rule) -> Descriptor {
    Descriptor {
        id: rule.id,
        name: camel_case(rule.id),
        short_description: Text {
            text: rule.summary.to_owned(),
        },
        full_description: Text {
            text: format!("{} Fix: {}", rule.summary, rule.fix),
        },
        help: Help {
            text: format!("{}\n\nSource: {}", rule.fix, rule.fact),
            markdown: format!(
                "**Fix:** {}\n\n**Source:** {}",
                escape_markdown(rule.fix),
                escape_markdown(rule.fact)
            ),
        },
        default_configuration: Configuration {
            level: level(rule.severity),
        },
        properties: RuleProperties {
            tags: ["mail", "smtp-relay"],
        },
    }
}

fn result<'a>(file: &str, f: &'a Finding) -> SarifResult<'a> {
    // GitHub shows a result only with a location: a finding about the whole file (a
    // missing setting) points at the file's first line.
    let (path, region) = match &f.span {
        Some(span) => (
            span.file.as_str(),
            Region {
                start_line: span.line.max(1),
                start_column: Some(span.column.max(1)),
            },
        ),
        None => (
            file,
            Region {
                start_line: 1,
                start_column: None,
            },
        ),
    };
    SarifResult {
        rule_id: &f.rule,
        rule_index: RULES.iter().position(|r| r.id == f.rule),
        level: level(f.severity),
        message: Text {
            text: message_and_fix(f),
        },
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: artifact_location(path),
                region,
            },
        }],
        suppressions: if f.suppressed {
            vec![Suppression {
                kind: "inSource",
                justification: "relayctl: allow comment",
            }]
        } else {
            Vec::new()
        },
    }
}

/// A finding's message followed by its fix, as one line of text (SARIF message, GitHub
/// annotation).
pub(crate) fn message_and_fix(f: &Finding) -> String {
    let message = f.message.trim_end();
    let stop = if message.ends_with(['.', '!', '?']) {
        ""
    } else {
        "."
    };
    format!("{message}{stop} Fix: {}", f.fix.trim())
}

/// `tls-not-mandatory` -> `TlsNotMandatory`.
fn camel_case(id: &str) -> String {
    id.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .flat_map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|first| first.to_ascii_uppercase())
                .into_iter()
                .chain(c)
        })
        .collect()
}

/// Backslash-escapes the characters GitHub-flavoured Markdown would read as markup
/// (`smtp_tls_wrappermode`, `[smtp-relay.gmail.com]:587`).
fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The artifact location of a file as the user named it. A relative path becomes a
/// relative URI against `%SRCROOT%` (what GitHub matches against the checkout); an
/// absolute path a `file:` URI. Separators become `/`; everything outside RFC 3986's
/// unreserved set is percent-encoded (`:` too, so a first segment never reads as a scheme).
fn artifact_location(path: &str) -> ArtifactLocation {
    let path = path.replace('\\', "/");
    let bytes = path.as_bytes();
    let windows_drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if windows_drive {
        ArtifactLocation {
            uri: format!("file:///{}:{}", &path[..1], encode_path(&path[2..])),
            uri_base_id: None,
        }
    } else if path.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{}", encode_path(&path)),
            uri_base_id: None,
        }
    } else {
        let mut rel = path.as_str();
        while let Some(rest) = rel.strip_prefix("./") {
            rel = rest.trim_start_matches('/');
        }
        ArtifactLocation {
            uri: encode_path(rel),
            uri_base_id: Some(SRCROOT),
        }
    }
}

/// Percent-encodes a path, keeping `/` and RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`), UTF-8 bytes encoded one by one.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::FileReport;
    use crate::mta::{FileType, Span};
    use serde_json::Value;

    /// The OASIS SARIF 2.1.0 Errata 01 schema (JSON Schema draft-04), byte for byte as the
    /// OASIS TC keeps it: oasis-tcs/sarif-spec, Schemata/sarif-schema-2.1.0.json, the version
    /// whose `id` is docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/.
    const SCHEMA: &str = include_str!("../../tests/fixtures/sarif-schema-2.1.0.json");

    fn finding(rule: &Rule, span: Option<Span>, suppressed: bool) -> Finding {
        let mut f = rule.finding(
            rule.severity,
            span,
            format!("{} here", rule.id),
            rule.fix.to_owned(),
        );
        f.suppressed = suppressed;
        f
    }

    fn sample() -> LintReport {
        use crate::lint::{HELO_DEFAULT, HELO_GENERIC, NO_RELAY, PASSWORD_KEY_MISMATCH, SYNTAX};
        LintReport {
            files: vec![
                FileReport {
                    file: "etc/postfix/main.cf".into(),
                    file_type: Some(FileType::PostfixMain),
                    findings: vec![
                        finding(
                            &HELO_GENERIC,
                            Some(Span::new("etc/postfix/main.cf", 3, 18)),
                            false,
                        ),
                        finding(&HELO_DEFAULT, None, false),
                        finding(&NO_RELAY, None, true),
                        finding(
                            &PASSWORD_KEY_MISMATCH,
                            Some(Span::new("etc/postfix/sasl passwd", 1, 1)),
                            false,
                        ),
                    ],
                },
                FileReport {
                    file: "./mail configs/sendmail.mc".into(),
                    file_type: Some(FileType::SendmailMc),
                    findings: vec![finding(
                        &SYNTAX,
                        Some(Span::new("./mail configs/sendmail.mc", 12, 4)),
                        true,
                    )],
                },
                FileReport {
                    file: "/etc/msmtprc".into(),
                    file_type: None,
                    findings: vec![finding(&NO_RELAY, None, false)],
                },
                FileReport {
                    file: "clean.cf".into(),
                    file_type: Some(FileType::PostfixMain),
                    findings: Vec::new(),
                },
            ],
        }
    }

    fn render(r: &LintReport) -> Value {
        let mut out = Vec::new();
        write(r, &mut out).expect("writing to a Vec");
        serde_json::from_slice(&out).expect("the log is JSON")
    }

    #[test]
    fn sarif_validates_against_the_2_1_0_schema() {
        let schema: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the schema compiles");
        for (name, report) in [("sample", sample()), ("empty", LintReport::default())] {
            let log = render(&report);
            let errors: Vec<String> = validator
                .iter_errors(&log)
                .map(|e| format!("{}: {e}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{name}: {errors:#?}");
        }
    }

    #[test]
    fn sarif_schema_rejects_a_broken_log() {
        // The validator is not vacuous: each of these breaks the log.
        let schema: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the schema compiles");
        type Breakage = (&'static str, fn(&mut Value));
        let breakages: [Breakage; 4] = [
            ("no message", |log| {
                log["runs"][0]["results"][0]
                    .as_object_mut()
                    .expect("a result object")
                    .remove("message");
            }),
            ("unknown level", |log| {
                log["runs"][0]["results"][0]["level"] = "fatal".into();
            }),
            ("line 0", |log| {
                log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
                    ["startLine"] = 0.into();
            }),
            ("unknown property", |log| {
                log["runs"][0]["tool"]["driver"]["homepage"] = "x".into();
            }),
        ];
        for (name, brk) in breakages {
            let mut log = render(&sample());
            brk(&mut log);
            assert!(!validator.is_valid(&log), "{name}");
        }
    }

    #[test]
    fn sarif_rules_carry_help_and_levels() {
        let log = render(&LintReport::default());
        let rules = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .expect("rules");
        assert_eq!(rules.len(), RULES.len());
        let helo = &rules[RULES
            .iter()
            .position(|r| r.id == "helo-generic")
            .expect("rule")];
        assert_eq!(helo["id"], "helo-generic");
        assert_eq!(helo["name"], "HeloGeneric");
        assert_eq!(helo["defaultConfiguration"]["level"], "error");
        assert!(helo["help"]["text"]
            .as_str()
            .expect("help text")
            .contains("Source: Google 2956491"));
        assert_eq!(log["version"], "2.1.0");
        assert_eq!(log["$schema"], SCHEMA_URI);
        assert_eq!(log["runs"][0]["tool"]["driver"]["name"], "relayctl");
    }

    #[test]
    fn sarif_results_locations_and_suppressions() {
        let log = render(&sample());
        let results = log["runs"][0]["results"].as_array().expect("results");
        assert_eq!(
            results.len(),
            6,
            "one result per finding, suppressed included"
        );

        let first = &results[0];
        assert_eq!(first["ruleId"], "helo-generic");
        assert_eq!(
            first["ruleIndex"],
            RULES
                .iter()
                .position(|r| r.id == "helo-generic")
                .expect("rule")
        );
        assert_eq!(first["level"], "error");
        let loc = &first["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "etc/postfix/main.cf");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(loc["region"]["startLine"], 3);
        assert_eq!(loc["region"]["startColumn"], 18);
        assert!(first["message"]["text"]
            .as_str()
            .expect("text")
            .starts_with("helo-generic here. Fix: "));
        assert!(first.get("suppressions").is_none());

        // No span: the report's file, line 1, no column.
        let whole = &results[1]["locations"][0]["physicalLocation"];
        assert_eq!(whole["artifactLocation"]["uri"], "etc/postfix/main.cf");
        assert_eq!(whole["region"]["startLine"], 1);
        assert!(whole["region"].get("startColumn").is_none());

        assert_eq!(results[2]["suppressions"][0]["kind"], "inSource");

        // A span in a file beside the main one, with a space in its name.
        assert_eq!(
            results[3]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "etc/postfix/sasl%20passwd"
        );
        assert_eq!(
            results[4]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "mail%20configs/sendmail.mc"
        );
        assert_eq!(
            results[5]["locations"][0]["physicalLocation"]["artifactLocation"],
            serde_json::json!({"uri": "file:///etc/msmtprc"})
        );
    }

    #[test]
    fn sarif_is_deterministic() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        write(&sample(), &mut a).expect("write");
        write(&sample(), &mut b).expect("write");
        assert_eq!(a, b);
        assert!(a.ends_with(b"}\n"));
    }

    #[test]
    fn uris() {
        for (name, path, uri, base) in [
            ("plain", "main.cf", "main.cf", Some(SRCROOT)),
            ("dot slash", "./etc/main.cf", "etc/main.cf", Some(SRCROOT)),
            ("parent", "../x/main.cf", "../x/main.cf", Some(SRCROOT)),
            ("colon", "a:b/main.cf", "a%3Ab/main.cf", Some(SRCROOT)),
            ("percent", "100%.cf", "100%25.cf", Some(SRCROOT)),
            ("unicode", "é.cf", "%C3%A9.cf", Some(SRCROOT)),
            ("backslash", "conf\\main.cf", "conf/main.cf", Some(SRCROOT)),
            ("absolute", "/etc/main.cf", "file:///etc/main.cf", None),
            (
                "windows",
                "C:\\mail\\x y.cf",
                "file:///C:/mail/x%20y.cf",
                None,
            ),
        ] {
            let loc = artifact_location(path);
            assert_eq!((loc.uri.as_str(), loc.uri_base_id), (uri, base), "{name}");
        }
    }

    #[test]
    fn names_and_markdown() {
        assert_eq!(camel_case("tls-not-mandatory"), "TlsNotMandatory");
        assert_eq!(camel_case("syntax"), "Syntax");
        assert_eq!(
            escape_markdown("Write [smtp-relay.gmail.com]:587 (smtp_tls)."),
            "Write \\[smtp-relay.gmail.com\\]:587 (smtp\\_tls)."
        );
    }
}
