use super::*;
use crate::mta::TlsMode;

fn script(text: &str) -> ObservedPlan {
    read(
        &SourceFile {
            name: "s.sh".into(),
            text: text.into(),
        },
        &|_| None,
    )
}

fn at(span: &Span) -> (u32, u32) {
    (span.line, span.column)
}

fn placeholders(plan: &ObservedPlan) -> Vec<(String, String, Option<String>)> {
    plan.unresolved
        .iter()
        .map(|u| {
            (
                u.value.setting.clone(),
                u.value.placeholder.clone(),
                u.value.assumed.clone(),
            )
        })
        .collect()
}

#[test]
fn postconf_forms_set_main_cf_parameters() {
    let plan = script(
        "#!/bin/sh\npostconf -e 'relayhost = [smtp-relay.gmail.com]:587'\npostconf \"smtp_tls_security_level=encrypt\" smtp_sasl_auth_enable=no\n/usr/sbin/postconf -e smtp_helo_name=mail.corp.invalid || exit 1\nsudo postconf -e inet_protocols=ipv4\n",
    );
    let relay = plan.relay.unwrap();
    assert_eq!(relay.value.host, "smtp-relay.gmail.com");
    assert_eq!(at(&relay.span), (2, 26));
    let tls = plan.tls.unwrap();
    assert_eq!((tls.value, at(&tls.span)), (TlsMode::StartTls, (3, 35)));
    assert_eq!(
        plan.sasl.map(|s| (s.value, at(&s.span))),
        Some((false, (3, 66)))
    );
    assert_eq!(
        plan.helo.as_ref().map(|h| h.value.as_str()),
        Some("mail.corp.invalid")
    );
    assert_eq!(
        plan.families.map(|f| f.value),
        Some(crate::relay::Family::V4)
    );
    // A documentation name is a placeholder, recorded where it is set.
    assert_eq!(
        placeholders(&read(
            &SourceFile {
                name: "s.sh".into(),
                text: "postconf -e smtp_helo_name=mail.example.com\n".into()
            },
            &|_| None
        )),
        vec![("HELO name".into(), "mail.example.com".into(), None)]
    );
}

#[test]
fn the_last_setting_wins_and_removal_restores_the_default() {
    let plan = script("postconf -e smtp_tls_security_level=may\npostconf -e smtp_tls_security_level=secure\npostconf -e relayhost=[h]:587\npostconf -X relayhost\n");
    assert_eq!(plan.tls.map(|t| t.value), Some(TlsMode::StartTls));
    assert!(plan.relay.is_none());
    // master.cf forms and queries are not main.cf settings.
    let plan = script("postconf -M submission/inet='x'\npostconf -P smtp/unix/smtp_tls_security_level=none\npostconf relayhost\npostconf -n\n");
    assert!(plan.tls.is_none() && plan.relay.is_none());
}

#[test]
fn variables_defaults_and_placeholders() {
    let plan = script(
        "PORT=\"${PORT:-587}\"\nHOST=smtp-relay.gmail.com\npostconf -e \"relayhost = [$HOST]:$PORT\"\npostconf -e \"myhostname = ${NAME}\" \"mynetworks = ${NETS:=10.0.0.0/8}\"\n",
    );
    let relay = plan.relay.clone().unwrap();
    assert_eq!(
        (relay.value.host.as_str(), relay.value.port),
        ("smtp-relay.gmail.com", Some(587))
    );
    assert_eq!(at(&relay.span), (3, 26));
    let got = placeholders(&plan);
    assert!(
        got.contains(&(
            "relayhost".into(),
            "${PORT:-587}".into(),
            Some("587".into())
        )),
        "{got:?}"
    );
    assert!(
        got.contains(&("myhostname".into(), "${NAME}".into(), None)),
        "{got:?}"
    );
    assert!(
        got.contains(&(
            "mynetworks".into(),
            "${NETS:=10.0.0.0/8}".into(),
            Some("10.0.0.0/8".into())
        )),
        "{got:?}"
    );
    // An unknown relay host is an open value, not a syntax problem.
    let plan = script("postconf -e \"relayhost = [$RELAY_HOST]:$RELAY_PORT\"\n");
    assert!(plan.syntax.is_empty(), "{:?}", plan.syntax);
    assert_eq!(plan.relay.clone().unwrap().value.host, "$RELAY_HOST");
    let got = placeholders(&plan);
    assert_eq!(got.len(), 2, "{got:?}");
    // A default for a password is never kept.
    let plan = script("postconf -e \"smtp_sasl_password_maps = static:u:${PASS:-hunter2}\"\n");
    assert!(plan.unresolved.iter().all(|u| u.value.assumed.is_none()));
}

#[test]
fn decided_conditions_skip_branches_and_open_ones_do_not() {
    let text = "SMTP_PORT=\"${SMTP_PORT:-587}\"\nif [ \"${SMTP_PORT}\" = \"465\" ]; then\n  postconf -e smtp_tls_wrappermode=yes\nelse\n  postconf -e smtp_tls_security_level=secure\nfi\nif [ -n \"$USER\" ]; then\n  postconf -e smtp_sasl_auth_enable=yes\nfi\n";
    let plan = script(text);
    assert_eq!(plan.tls.map(|t| t.value), Some(TlsMode::StartTls));
    assert_eq!(plan.sasl.map(|s| s.value), Some(true));
}

#[test]
fn wrapper_functions_are_read_at_their_calls() {
    let text = "function add_config_value() {\n  local key=${1}\n  local value=${2}\n  postconf -e \"${key} = ${value}\"\n}\nset_it() { postconf -e \"$1=$2\"; }\nadd_config_value \"relayhost\" \"[smtp-relay.gmail.com]:587\"\nset_it smtp_tls_security_level secure\n";
    let plan = script(text);
    let relay = plan.relay.unwrap();
    assert_eq!(relay.value.raw, "[smtp-relay.gmail.com]:587");
    assert_eq!(at(&relay.span), (7, 31));
    assert_eq!(plan.tls.map(|t| t.value), Some(TlsMode::StartTls));
    // The wrapper's own postconf line sets nothing.
    assert!(plan.syntax.is_empty(), "{:?}", plan.syntax);
}

#[test]
fn heredocs_and_echo_write_main_cf_and_the_password_map() {
    let text = "#!/bin/bash\nh=$(hostname)\ncat << EOC > /etc/postfix/main.cf\nsmtpd_banner = \\$myhostname ESMTP\nrelayhost = [smtp-relay.gmail.com]:587\nsmtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\nsmtp_tls_security_level =\n    encrypt\nmyhostname = ${h}\nEOC\necho \"[smtp-relay.gmail.com]:587 ${RELAY_USER}:${RELAY_PASS}\" > /etc/postfix/sasl_passwd\necho 'inet_protocols = ipv4' >> /etc/postfix/main.cf\n";
    let plan = script(text);
    let relay = plan.relay.clone().unwrap();
    assert_eq!(at(&relay.span), (5, 13));
    assert_eq!(plan.tls.clone().map(|t| t.value), Some(TlsMode::StartTls));
    assert_eq!(
        plan.families.clone().map(|f| f.value),
        Some(crate::relay::Family::V4)
    );
    let creds = &plan.credentials;
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0].value.key, "[smtp-relay.gmail.com]:587");
    assert_eq!(
        creds[0].value.user,
        "$RELAY_USER".replace('$', "${").replace("USER", "USER}")
    );
    assert_eq!(at(&creds[0].span), (12, 7));
    let got = placeholders(&plan);
    assert!(
        got.iter()
            .any(|(s, p, _)| s == "myhostname" && p == "$(hostname)"),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|(s, p, _)| s == "sasl_passwd" && p == "${RELAY_USER}"),
        "{got:?}"
    );
    assert!(
        !got.iter().any(|(_, p, _)| p.contains("RELAY_PASS")),
        "{got:?}"
    );
    // `>` replaces the main.cf written before; a line that is not `name = value` is a problem.
    let plan = script("postconf -e relayhost=[a]:587\ncat > main.cf <<'X'\nnot a parameter\nX\n");
    assert!(plan.relay.is_none());
    assert_eq!(plan.syntax.len(), 1);
    assert_eq!(at(&plan.syntax[0].span), (3, 1));
}

#[test]
fn hostile_scripts_are_bounded() {
    for text in [
        "postconf -e",
        "postconf -e =",
        "postconf -X",
        "cat > main.cf <<",
        "cat > main.cf <<E\n",
        "if",
        "fi\nfi\nelse",
        "}",
        "function",
        "f() {",
        "postconf -c",
        "echo > main.cf",
        "postconf -e \"a=${b:-${c:-${d",
        "x=${y?}",
    ] {
        let _ = script(text);
    }
    let many = "postconf -e a=b\n".repeat(200_000);
    let plan = script(&many);
    assert!(plan.syntax.is_empty());
    let nested = format!(
        "{}postconf -e relayhost=h\n",
        "if [ -n \"$x\" ]; then\n".repeat(5000)
    );
    let _ = script(&nested);
}
