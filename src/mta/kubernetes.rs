//! Kubernetes manifests: the first container of a workload (Deployment, StatefulSet,
//! DaemonSet, ReplicaSet, Job, CronJob, Pod) that runs one of the known relay images
//! ([`super::images`]), with its environment: `env[].value`, `env[].valueFrom.configMapKeyRef`
//! and `envFrom[].configMapRef` from the ConfigMaps in the same file or in the YAML files
//! of its directory (`secretKeyRef` values are never in the files: recorded as unresolved).
//! Pure; bounded by the YAML reader's limits and [`MAX_DIR_FILES`].

use std::collections::HashMap;

use super::compose::{known_images, template_message};
use super::images::{self, Env, EnvValue};
use super::yaml::{self, Node};
use super::{Beside, ObservedPlan, SourceFile, Span, DIR_LISTING, MAX_LISTING};

/// YAML files of the directory read for ConfigMaps.
pub const MAX_DIR_FILES: usize = 64;

/// The workload kinds whose pod template is read.
pub const WORKLOADS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Pod",
];

/// A ConfigMap's data: key → (value, where).
type Data = HashMap<String, (String, Span)>;

/// Reads Kubernetes manifests; `Err` says why they cannot be judged (no workload runs a
/// known image).
pub fn read(primary: &SourceFile, beside: Beside<'_>) -> Result<ObservedPlan, String> {
    let docs = match yaml::parse(&primary.name, &primary.text) {
        Ok(d) => d,
        Err(p) => {
            if primary.text.contains("{{") {
                return Err(template_message());
            }
            return Ok(ObservedPlan {
                syntax: vec![p],
                ..ObservedPlan::default()
            });
        }
    };
    let mut maps: HashMap<String, Data> = HashMap::new();
    collect_config_maps(&docs, &mut maps);
    let mut kinds: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for doc in &docs {
        let kind = doc.get("kind").and_then(Node::str).unwrap_or("");
        if kinds.len() < 8 && !kind.is_empty() && !kinds.iter().any(|k| k == kind) {
            kinds.push(kind.to_owned());
        }
        if !WORKLOADS.contains(&kind) {
            continue;
        }
        let pod = pod_spec(doc, kind);
        for container in pod
            .and_then(|p| p.get("containers"))
            .map(Node::items)
            .unwrap_or(&[])
        {
            let image_node = container.get("image");
            let Some(image_name) = image_node.and_then(Node::str) else {
                continue;
            };
            let Some(image) = images::by_name(image_name) else {
                if seen.len() < 8 {
                    let name = container.get("name").and_then(Node::str).unwrap_or("?");
                    seen.push(format!("{name} ({image_name})"));
                }
                continue;
            };
            directory_config_maps(primary, beside, &mut maps);
            let at = image_node.map_or_else(|| container.span().clone(), |n| n.span().clone());
            let env = container_env(container, &maps);
            let mut plan = images::plan(image, image_name, &at, &env);
            plan.suppressions = super::suppressions(&primary.name, &primary.text);
            return Ok(plan);
        }
    }
    if seen.is_empty() && primary.text.contains("{{") {
        Err(template_message())
    } else if seen.is_empty() {
        Err(format!(
            "Kubernetes manifests with no workload running a relay image ({}); lint the file of the Deployment, StatefulSet or Pod",
            if kinds.is_empty() { "no kind".to_owned() } else { kinds.join(", ") }
        ))
    } else {
        Err(format!(
            "Kubernetes manifests whose containers run no relay image relayctl knows ({}); relayctl knows {}",
            seen.join(", "),
            known_images()
        ))
    }
}

/// The pod spec of a workload document.
fn pod_spec<'n>(doc: &'n Node, kind: &str) -> Option<&'n Node> {
    let spec = doc.get("spec")?;
    match kind {
        "Pod" => Some(spec),
        "CronJob" => spec
            .get("jobTemplate")?
            .get("spec")?
            .get("template")?
            .get("spec"),
        _ => spec.get("template")?.get("spec"),
    }
}

/// The ConfigMaps of `docs` by name.
fn collect_config_maps(docs: &[Node], maps: &mut HashMap<String, Data>) {
    for doc in docs {
        if doc.get("kind").and_then(Node::str) != Some("ConfigMap") {
            continue;
        }
        let Some(name) = doc
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::str)
        else {
            continue;
        };
        let mut data = Data::new();
        for (k, v) in doc.get("data").map(Node::entries).unwrap_or(&[]) {
            if let (Some(key), Some(text)) = (k.str(), v.str()) {
                data.insert(key.to_owned(), (text.to_owned(), v.span().clone()));
            }
        }
        if maps.len() < 10_000 {
            maps.entry(name.to_owned()).or_default().extend(data);
        }
    }
}

/// The ConfigMaps of the other YAML files in the primary file's directory.
fn directory_config_maps(
    primary: &SourceFile,
    beside: Beside<'_>,
    maps: &mut HashMap<String, Data>,
) {
    let Some(listing) = beside(DIR_LISTING) else {
        return;
    };
    let own = primary.name.rsplit(['/', '\\']).next().unwrap_or("");
    let names = listing
        .text
        .lines()
        .take(MAX_LISTING)
        .filter(|n| {
            let l = n.to_ascii_lowercase();
            (l.ends_with(".yaml") || l.ends_with(".yml")) && *n != own
        })
        .take(MAX_DIR_FILES);
    for name in names {
        let Some(f) = beside(name) else { continue };
        if !f.text.contains("ConfigMap") {
            continue;
        }
        if let Ok(docs) = yaml::parse(&f.name, &f.text) {
            collect_config_maps(&docs, maps);
        }
    }
}

/// A container's environment: envFrom ConfigMaps first, then env entries.
fn container_env(container: &Node, maps: &HashMap<String, Data>) -> Env {
    let mut env = Env::new();
    let open = |shown: String, span: &Span| EnvValue {
        value: String::new(),
        span: span.clone(),
        open: vec![(shown, None)],
    };
    for from in container.get("envFrom").map(Node::items).unwrap_or(&[]) {
        let prefix = from.get("prefix").and_then(Node::str).unwrap_or("");
        let Some(name) = from
            .get("configMapRef")
            .and_then(|r| r.get("name"))
            .and_then(Node::str)
        else {
            continue;
        };
        if let Some(data) = maps.get(name) {
            for (k, (v, span)) in data {
                env.insert(
                    format!("{prefix}{k}"),
                    EnvValue {
                        value: v.clone(),
                        span: span.clone(),
                        open: Vec::new(),
                    },
                );
            }
        }
    }
    for e in container.get("env").map(Node::items).unwrap_or(&[]) {
        let Some(name) = e.get("name").and_then(Node::str) else {
            continue;
        };
        let value = if let Some(v) = e.get("value") {
            match v.str() {
                Some(text) => EnvValue {
                    value: text.to_owned(),
                    span: v.span().clone(),
                    open: Vec::new(),
                },
                None => EnvValue {
                    value: String::new(),
                    span: v.span().clone(),
                    open: Vec::new(),
                },
            }
        } else if let Some(from) = e.get("valueFrom") {
            let key_ref = |kind: &str| -> Option<(String, String)> {
                let r = from.get(kind)?;
                Some((
                    r.get("name").and_then(Node::str)?.to_owned(),
                    r.get("key").and_then(Node::str)?.to_owned(),
                ))
            };
            if let Some((map, key)) = key_ref("configMapKeyRef") {
                match maps.get(&map).and_then(|d| d.get(&key)) {
                    Some((v, span)) => EnvValue {
                        value: v.clone(),
                        span: span.clone(),
                        open: Vec::new(),
                    },
                    None => open(
                        format!("configMapKeyRef {map}/{key} (not in the files)"),
                        e.span(),
                    ),
                }
            } else if let Some((secret, key)) = key_ref("secretKeyRef") {
                open(format!("secretKeyRef {secret}/{key}"), e.span())
            } else {
                open(format!("valueFrom of {name}"), e.span())
            }
        } else {
            continue;
        };
        env.insert(name.to_owned(), value);
    }
    env
}

#[cfg(test)]
mod tests;
