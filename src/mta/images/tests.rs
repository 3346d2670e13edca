use super::*;
use crate::mta::TlsMode;

fn env(vars: &[(&str, &str)]) -> Env {
    vars.iter()
        .enumerate()
        .map(|(i, (n, v))| {
            let line = u32::try_from(i + 2).unwrap();
            (
                (*n).to_owned(),
                EnvValue {
                    value: (*v).to_owned(),
                    span: Span::new("f", line, 5),
                    open: Vec::new(),
                },
            )
        })
        .collect()
}

fn run(id: &str, vars: &[(&str, &str)]) -> ObservedPlan {
    let image = by_name(id).unwrap();
    plan(image, id, &Span::new("f", 1, 10), &env(vars))
}

#[test]
fn names_with_registries_tags_and_digests() {
    for name in [
        "boky/postfix",
        "boky/postfix:latest",
        "docker.io/boky/postfix:v4.1.0",
        "ghcr.io/bokysan/postfix:edge",
        "Boky/Postfix@sha256:abc",
    ] {
        assert_eq!(by_name(name).map(|i| i.id), Some("boky/postfix"), "{name}");
    }
    assert_eq!(
        by_name("mailserver/docker-mailserver:14").map(|i| i.id),
        Some("docker-mailserver")
    );
    assert_eq!(
        by_name("localhost:5000/namshi/smtp").map(|i| i.id),
        Some("namshi/smtp")
    );
    assert!(by_name("alterrebe/postfix-relay").is_none());
    assert!(by_name("postfix").is_none());
    assert!(by_name("").is_none());
}

#[test]
fn every_image_cites_its_sources_and_its_marks_are_its_own() {
    for image in IMAGES {
        assert!(image.documentation.starts_with("https://"), "{}", image.id);
        assert!(
            image.entrypoint.contains('@') && image.entrypoint.contains(':'),
            "{}",
            image.id
        );
        assert!(!image.marks.is_empty(), "{}", image.id);
        // Each image is the unique answer for its whole set of marks.
        let got = by_variables(image.marks.iter().copied()).unwrap();
        assert_eq!(got.map(|i| i.id), Some(image.id));
    }
}

#[test]
fn boky_defaults_to_may_and_turns_sasl_on_with_credentials() {
    let plan = run(
        "boky/postfix",
        &[
            ("RELAYHOST", "[smtp-relay.gmail.com]:587"),
            ("RELAYHOST_USERNAME", "relay@corp.invalid"),
            ("RELAYHOST_PASSWORD", "secret"),
        ],
    );
    let tls = plan.tls.unwrap();
    assert_eq!(tls.value, TlsMode::Opportunistic);
    // The image's default sits where the image is named.
    assert_eq!((tls.span.line, tls.span.column), (1, 10));
    assert_eq!(
        plan.sasl.as_ref().map(|s| (s.value, s.span.line)),
        Some((true, 3))
    );
    assert_eq!(plan.credentials.len(), 1);
    assert_eq!(plan.credentials[0].value.key, "[smtp-relay.gmail.com]:587");
    assert_eq!(plan.credentials[0].value.user, "relay@corp.invalid");
    let image = plan.image.unwrap().value;
    assert_eq!(image.known, "boky/postfix");
    assert!(
        image
            .defaults
            .iter()
            .any(|d| d == "smtp_tls_security_level = may"),
        "{:?}",
        image.defaults
    );
    // The deprecated RELAYHOST_TLS_LEVEL and POSTFIX_ variables decide the level.
    let plan = run(
        "boky/postfix",
        &[("RELAYHOST", "h"), ("RELAYHOST_TLS_LEVEL", "encrypt")],
    );
    assert_eq!(
        plan.tls.map(|t| (t.value, t.span.line)),
        Some((TlsMode::StartTls, 3))
    );
    let plan = run(
        "boky/postfix",
        &[
            ("RELAYHOST", "h"),
            ("POSTFIX_smtp_tls_security_level", "secure"),
            ("POSTFIX_myhostname", "mx.corp.invalid"),
        ],
    );
    assert_eq!(
        plan.tls.map(|t| (t.value, t.span.line)),
        Some((TlsMode::StartTls, 3))
    );
    assert_eq!(
        plan.helo.map(|h| h.value),
        Some("mx.corp.invalid".to_owned())
    );
    // No HOSTNAME: the container's.
    let plan = run("boky/postfix", &[("RELAYHOST", "h")]);
    assert!(plan.helo.is_none());
    assert!(plan.helo_default.unwrap().contains("container id"));
    // Without RELAYHOST, no relay and no SASL, whatever the user name.
    let plan = run(
        "boky/postfix",
        &[("RELAYHOST_USERNAME", "u"), ("RELAYHOST_PASSWORD", "p")],
    );
    assert!(plan.relay.is_none() && plan.sasl.is_none());
}

#[test]
fn juanluisbaptiste_port_465_and_required_variables() {
    let plan = run(
        "juanluisbaptiste/postfix",
        &[
            ("SMTP_SERVER", "smtp-relay.gmail.com"),
            ("SERVER_HOSTNAME", "mx.corp.invalid"),
        ],
    );
    let relay = plan.relay.unwrap();
    assert_eq!(
        (relay.value.raw.as_str(), relay.span.line),
        ("[smtp-relay.gmail.com]:587", 2)
    );
    assert_eq!(plan.tls.map(|t| t.value), Some(TlsMode::Opportunistic));
    assert!(plan.sasl.is_none());
    let plan = run(
        "juanluisbaptiste/postfix",
        &[
            ("SMTP_SERVER", "smtp-relay.gmail.com"),
            ("SMTP_PORT", "465"),
            ("SMTP_USERNAME", "u@corp.invalid"),
        ],
    );
    assert_eq!(plan.tls.map(|t| t.value), Some(TlsMode::Implicit));
    assert_eq!(plan.credentials[0].value.key, "[smtp-relay.gmail.com]:465");
    // SERVER_HOSTNAME missing: an open value naming the variable.
    assert!(plan
        .unresolved
        .iter()
        .any(|u| u.value.setting == "myhostname" && u.value.placeholder == "${SERVER_HOSTNAME}"));
}

#[test]
fn loganmarchione_always_encrypts_with_sasl() {
    let plan = run(
        "loganmarchione/docker-postfixrelay",
        &[
            ("RELAY_HOST", "smtp-relay.gmail.com"),
            ("RELAY_PORT", "587"),
            ("RELAY_USER", "u@corp.invalid"),
        ],
    );
    assert_eq!(plan.tls.map(|t| t.value), Some(TlsMode::StartTls));
    assert_eq!(plan.tls_verified.map(|v| v.value), Some(false));
    assert_eq!(plan.sasl.map(|s| s.value), Some(true));
    assert_eq!(plan.credentials[0].value.key, "[smtp-relay.gmail.com]:587");
}

#[test]
fn docker_mailserver_relay_host_and_default_port() {
    let plan = run(
        "mailserver/docker-mailserver",
        &[("RELAY_HOST", "smtp-relay.gmail.com")],
    );
    let relay = plan.relay.unwrap();
    assert_eq!(relay.value.port, Some(25));
    assert_eq!(plan.tls.map(|t| t.value), Some(TlsMode::StartTls));
    assert!(plan.credentials.is_empty() && plan.password_map.is_none());
    let plan = run(
        "mailserver/docker-mailserver",
        &[("DEFAULT_RELAY_HOST", "[smtp-relay.gmail.com]:587")],
    );
    assert_eq!(plan.relay.map(|r| r.value.port), Some(Some(587)));
    assert!(plan.tls.is_none() && plan.sasl.is_none());
}

#[test]
fn namshi_branches() {
    let plan = run(
        "namshi/smtp",
        &[
            ("GMAIL_USER", "me@corp.invalid"),
            ("GMAIL_PASSWORD", "p"),
            ("MAILNAME", "mx.corp.invalid"),
        ],
    );
    let relay = plan.relay.unwrap();
    assert_eq!(
        (
            relay.value.host.as_str(),
            relay.value.port,
            relay.value.no_mx
        ),
        ("smtp.gmail.com", Some(587), true)
    );
    assert_eq!(plan.tls.map(|t| t.value), Some(TlsMode::Opportunistic));
    // The image keys passwd.client *.google.com: no match for smtp.gmail.com, so no AUTH.
    assert!(plan.sasl.is_none());
    assert_eq!(plan.credentials[0].value.key, "*.google.com");
    assert_eq!(
        plan.helo.map(|h| h.value),
        Some("mx.corp.invalid".to_owned())
    );
    let plan = run("namshi/smtp", &[("SES_USER", "u"), ("SES_PASSWORD", "p")]);
    assert_eq!(
        plan.relay.map(|r| r.value.host),
        Some("email-smtp.us-east-1.amazonaws.com".to_owned())
    );
    assert_eq!(plan.sasl.map(|s| s.value), Some(true));
    let plan = run(
        "namshi/smtp",
        &[
            ("SMARTHOST_ADDRESS", "smtp-relay.gmail.com"),
            ("SMARTHOST_ALIASES", "*.gmail.com;smtp-relay.gmail.com"),
            ("SMARTHOST_USER", "u"),
            ("SMARTHOST_PASSWORD", "p"),
        ],
    );
    assert_eq!(plan.relay.map(|r| r.value.port), Some(Some(25)));
    assert_eq!(plan.credentials.len(), 2);
    let plan = run("namshi/smtp", &[("DISABLE_IPV6", "1")]);
    assert!(plan.relay.is_none());
    assert_eq!(
        plan.families.map(|f| f.value),
        Some(crate::relay::Family::V4)
    );
}

#[test]
fn open_values_are_recorded_with_the_setting() {
    let mut e = env(&[("RELAYHOST", "[smtp-relay.gmail.com]:587")]);
    e.insert(
        "RELAYHOST_USERNAME".into(),
        EnvValue {
            value: "${GMAIL_USER}".into(),
            span: Span::new("f", 9, 3),
            open: vec![("${GMAIL_USER}".into(), None)],
        },
    );
    e.insert(
        "RELAYHOST_PASSWORD".into(),
        EnvValue {
            value: "x".into(),
            span: Span::new("f", 10, 3),
            open: vec![("${PW:-x}".into(), Some("x".into()))],
        },
    );
    let image = by_name("boky/postfix").unwrap();
    let plan = plan(image, "boky/postfix", &Span::new("f", 1, 1), &e);
    assert!(plan
        .unresolved
        .iter()
        .any(|u| u.value.placeholder == "${GMAIL_USER}" && u.span.line == 9));
    assert!(
        plan.unresolved.iter().all(|u| u.value.assumed.is_none()),
        "{:?}",
        plan.unresolved
    );
}

#[test]
fn templates_never_panic() {
    let image = by_name("boky/postfix").unwrap();
    for t in ["${", "${A", "${A:-${B", "}}}", "${}", "${:-}", "$", "é${é}"] {
        let _ = render(t, &Env::new(), image, 0);
    }
}
