use super::*;
use crate::mta::TlsMode;

fn file(name: &str, text: &str) -> SourceFile {
    SourceFile {
        name: name.into(),
        text: text.into(),
    }
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: mail\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx\n        - name: relay\n          image: boky/postfix:latest\n          envFrom:\n            - configMapRef:\n                name: relay-env\n          env:\n            - name: RELAYHOST_USERNAME\n              valueFrom:\n                configMapKeyRef:\n                  name: relay-user\n                  key: user\n            - name: RELAYHOST_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  name: relay\n                  key: password\n            - name: POSTFIX_myhostname\n              value: mx.corp.invalid\n";

#[test]
fn config_maps_in_the_same_file_and_beside() {
    let same = format!("{DEPLOYMENT}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: relay-env\ndata:\n  RELAYHOST: \"[smtp-relay.gmail.com]:587\"\n");
    let other = file(
        "k8s/cm.yaml",
        "kind: ConfigMap\nmetadata:\n  name: relay-user\ndata:\n  user: relay@corp.invalid\n",
    );
    let beside = |n: &str| match n {
        DIR_LISTING => Some(file("k8s", "cm.yaml\ndeploy.yaml\nnotes.txt\n")),
        "cm.yaml" => Some(other.clone()),
        _ => None,
    };
    let plan = read(&file("k8s/deploy.yaml", &same), &beside).unwrap();
    let relay = plan.relay.unwrap();
    assert_eq!(
        (relay.span.file.as_str(), relay.span.line, relay.span.column),
        ("k8s/deploy.yaml", 35, 14)
    );
    assert_eq!(
        plan.tls.map(|t| (t.value, t.span.line)),
        Some((TlsMode::Opportunistic, 12))
    );
    // The password is in a Secret: set, but open.
    assert_eq!(plan.sasl.map(|s| s.value), Some(true));
    let cred = &plan.credentials[0];
    // The entry is placed at its key (the relay host, in the ConfigMap of this file).
    assert_eq!(
        (cred.value.user.as_str(), cred.span.line),
        ("relay@corp.invalid", 35)
    );
    assert!(
        plan.unresolved
            .iter()
            .any(|u| u.value.placeholder == "secretKeyRef relay/password"),
        "{:?}",
        plan.unresolved
    );
    assert_eq!(
        plan.helo.map(|h| h.value),
        Some("mx.corp.invalid".to_owned())
    );
}

#[test]
fn a_missing_config_map_key_is_open() {
    let plan = read(&file("d.yaml", DEPLOYMENT), &|_| None).unwrap();
    assert!(plan.relay.is_none());
    assert!(plan.unresolved.iter().any(|u| u
        .value
        .placeholder
        .starts_with("configMapKeyRef relay-user/user")));
}

#[test]
fn pods_and_cron_jobs() {
    let pod = "kind: Pod\nspec:\n  containers:\n    - image: namshi/smtp\n      env:\n        - name: SMARTHOST_ADDRESS\n          value: smtp-relay.gmail.com\n        - name: SMARTHOST_PORT\n          value: \"587\"\n";
    let plan = read(&file("p.yaml", pod), &|_| None).unwrap();
    assert_eq!(
        plan.relay.map(|r| (r.value.port, r.span.line)),
        Some((Some(587), 7))
    );
    let cron = "kind: CronJob\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - image: mailserver/docker-mailserver\n              env:\n                - name: RELAY_HOST\n                  value: smtp-relay.gmail.com\n";
    let plan = read(&file("c.yaml", cron), &|_| None).unwrap();
    assert_eq!(plan.relay.map(|r| r.value.port), Some(Some(25)));
}

#[test]
fn unsupported_manifests() {
    let err = read(
        &file("cm.yaml", "kind: ConfigMap\nmetadata:\n  name: x\n"),
        &|_| None,
    )
    .unwrap_err();
    assert!(
        err.contains("no workload") && err.contains("ConfigMap"),
        "{err}"
    );
    let err = read(&file("d.yaml", "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: r\n          image: applariat/tx-smtp-relay\n"), &|_| None).unwrap_err();
    assert!(err.contains("applariat/tx-smtp-relay"), "{err}");
    let plan = read(&file("bad.yaml", "kind: [\n"), &|_| None).unwrap();
    assert_eq!(plan.syntax.len(), 1);
}
