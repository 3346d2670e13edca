use super::*;
use crate::mta::TlsMode;
use std::collections::HashMap;

fn file(name: &str, text: &str) -> SourceFile {
    SourceFile {
        name: name.into(),
        text: text.into(),
    }
}

fn with(text: &str, others: &[(&str, &str)]) -> Result<ObservedPlan, String> {
    let files: HashMap<String, SourceFile> = others
        .iter()
        .map(|(n, t)| ((*n).to_owned(), file(&format!("dir/{n}"), t)))
        .collect();
    read(&file("dir/docker-compose.yml", text), &|n| {
        files.get(n).cloned()
    })
}

#[test]
fn boky_service_with_map_environment() {
    let text = "services:\n  web:\n    image: nginx\n  mail:\n    image: boky/postfix:v4\n    hostname: mx.corp.invalid\n    environment:\n      RELAYHOST: \"[smtp-relay.gmail.com]:587\"\n      RELAYHOST_USERNAME: relay@corp.invalid\n      RELAYHOST_PASSWORD: ${RELAY_PW}\n";
    let plan = with(text, &[]).unwrap();
    let relay = plan.relay.unwrap();
    assert_eq!((relay.span.line, relay.span.column), (8, 18));
    let tls = plan.tls.unwrap();
    assert_eq!(
        (tls.value, tls.span.line, tls.span.column),
        (TlsMode::Opportunistic, 5, 12)
    );
    assert_eq!(plan.sasl.map(|s| s.value), Some(true));
    assert_eq!(
        plan.helo.map(|h| (h.value, h.span.line)),
        Some(("mx.corp.invalid".to_owned(), 6))
    );
    assert_eq!(
        plan.image.map(|i| i.value.name),
        Some("boky/postfix:v4".to_owned())
    );
    assert!(plan
        .unresolved
        .iter()
        .any(|u| u.value.placeholder == "${RELAY_PW}"));
}

#[test]
fn list_environment_env_file_and_project_env() {
    let text = "version: '3'\nservices:\n  smtp:\n    image: ${IMG:-juanluisbaptiste/postfix}\n    env_file:\n      - ./relay.env\n    environment:\n      - SMTP_PORT=465\n      - \"SERVER_HOSTNAME=mx.corp.invalid\"\n      - SMTP_USERNAME\n";
    let plan = with(
        text,
        &[
            (
                "relay.env",
                "SMTP_SERVER=smtp-relay.gmail.com\nSMTP_PORT=587\n",
            ),
            (".env", "SMTP_USERNAME=app@corp.invalid\n"),
        ],
    )
    .unwrap();
    let relay = plan.relay.unwrap();
    // environment beats env_file; the host comes from the env file, at its line there.
    assert_eq!(relay.value.raw, "[smtp-relay.gmail.com]:465");
    assert_eq!(
        (relay.span.file.as_str(), relay.span.line),
        ("dir/relay.env", 1)
    );
    assert_eq!(plan.tls.map(|t| t.value), Some(TlsMode::Implicit));
    let helo = plan.helo.unwrap();
    assert_eq!(
        (helo.value.as_str(), helo.span.line, helo.span.column),
        ("mx.corp.invalid", 9, 26)
    );
    assert_eq!(plan.credentials[0].value.user, "app@corp.invalid");
}

#[test]
fn version_one_layout_and_a_fragment() {
    let plan = with(
        "smtp:\n    image: namshi/smtp:latest\n    environment:\n      MAILNAME: 'mailer'\n",
        &[],
    )
    .unwrap();
    assert!(plan.relay.is_none());
    assert_eq!(plan.helo.map(|h| h.value), Some("mailer".to_owned()));
    let plan = with("  smtp:\n    image: namshi/smtp\n    environment:\n      - GMAIL_USER=<email>\n      - GMAIL_PASSWORD=<password>\n", &[]).unwrap();
    assert_eq!(
        plan.relay.map(|r| r.value.host),
        Some("smtp.gmail.com".to_owned())
    );
    assert!(
        plan.unresolved
            .iter()
            .any(|u| u.value.placeholder == "<email>"),
        "{:?}",
        plan.unresolved
    );
}

#[test]
fn a_bare_map_of_variables() {
    let plan = with("DEFAULT_RELAY_HOST: '[smtp.gmail.com]:465'\nRELAY_HOST: smtp.gmail.com\nRELAY_PORT: '465'\nRELAY_USER: u@corp.invalid\nRELAY_PASSWORD: x\n", &[]).unwrap();
    let relay = plan.relay.unwrap();
    assert_eq!((relay.value.port, relay.span.line), (Some(465), 2));
    assert_eq!(plan.tls.map(|t| t.value), Some(TlsMode::StartTls));
}

#[test]
fn unknown_images_and_bad_yaml() {
    let err = with(
        "services:\n  smtp:\n    image: alterrebe/postfix-relay\n  app:\n    build: .\n",
        &[],
    )
    .unwrap_err();
    assert!(
        err.contains("alterrebe/postfix-relay") && err.contains("built from"),
        "{err}"
    );
    let plan = with("services: [\n", &[]).unwrap();
    assert_eq!(plan.syntax.len(), 1);
    assert_eq!(plan.syntax[0].span.file, "dir/docker-compose.yml");
    let err = with("services:\n  a:\n    image: {{ .Values.image }}\n", &[]).unwrap_err();
    assert!(err.contains("template"), "{err}");
    assert!(with("", &[]).is_err());
    assert!(with("just: text\n", &[]).is_err());
}

#[test]
fn masked_values_that_yaml_cannot_read() {
    // `****` starts a YAML alias; the lines are a map of variables all the same.
    let plan = with("DEFAULT_RELAY_HOST: '[smtp.gmail.com]:465'\nRELAY_HOST: smtp.gmail.com\nRELAY_PASSWORD: ****\nRELAY_PORT: '465'\nRELAY_USER: ****@corp.invalid\n", &[]).unwrap();
    let relay = plan.relay.unwrap();
    assert_eq!(
        (relay.value.port, relay.span.line, relay.span.column),
        (Some(465), 2, 13)
    );
    assert!(
        plan.syntax.is_empty(),
        "a mask is a placeholder: {:?}",
        plan.syntax
    );
    assert!(
        plan.unresolved
            .iter()
            .any(|u| u.value.placeholder == "****"),
        "{:?}",
        plan.unresolved
    );
    assert!(plan.credentials[0].value.user.starts_with("****"));
    // A YAML error elsewhere than at a mask is still said.
    let plan = with(
        "RELAY_HOST: smtp.gmail.com\nRELAY_USER: a: b: c\nRELAY_PASSWORD: ****\n",
        &[],
    )
    .unwrap();
    assert_eq!(plan.syntax.len(), 1, "{:?}", plan.syntax);
    // Other broken YAML is not guessed at.
    assert!(with("A: [\nb: c\n", &[]).unwrap().relay.is_none());
}
