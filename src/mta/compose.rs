//! docker-compose files: the first service that runs one of the known relay images
//! ([`super::images`]), with its environment as compose builds it: `env_file` files (read
//! from beside the compose file), then `environment` (a map, or a list of `KEY=VALUE`),
//! `hostname` as the container's `HOSTNAME`; `${VAR}` interpolated from the project's
//! `.env` beside the file, the rest recorded as unresolved. The version 1 layout (services
//! at the top level) and a bare map of variables (an `environment:` block on its own) are
//! read too. Pure; bounded by the YAML reader's limits.

use super::env::{self, Var};
use super::images::{self, Env, EnvValue, Image};
use super::toolkit::Problems;
use super::yaml::{self, Node};
use super::{Beside, ObservedPlan, SourceFile, Span};

/// `env_file` entries followed per service.
const MAX_ENV_FILES: usize = 16;

/// Reads a compose file; `Err` says why it cannot be judged (no service runs a known
/// image).
pub fn read(primary: &SourceFile, beside: Beside<'_>) -> Result<ObservedPlan, String> {
    let docs = match yaml::parse(&primary.name, &primary.text) {
        Ok(d) => d,
        Err(p) => {
            if primary.text.contains("{{") {
                return Err(template_message());
            }
            if let Some(doc) = masked_map(primary) {
                // `KEY: ****` lines (secrets masked in an issue): YAML would read `*` as an
                // alias; the file is a map of variables all the same, its masks open values.
                let project = project_env(beside);
                if let Some(mut plan) = bare_environment(primary, &doc, &project)? {
                    // The error is the mask's own (a placeholder is never a syntax problem);
                    // any other stays.
                    let at_mask = doc.entries().iter().any(|(_, v)| {
                        v.span().line == p.span.line && v.str().is_some_and(|t| t.starts_with('*'))
                    });
                    if !at_mask {
                        plan.syntax.push(p);
                    }
                    return Ok(plan);
                }
            }
            return Ok(ObservedPlan {
                syntax: vec![p],
                ..ObservedPlan::default()
            });
        }
    };
    let Some(doc) = docs.first() else {
        return Err("an empty YAML file".into());
    };
    let project = project_env(beside);
    let services = services(doc);
    if services.is_empty() {
        if let Some(plan) = bare_environment(primary, doc, &project)? {
            return Ok(plan);
        }
        return Err("a YAML file that is neither a compose file (no services with an image) nor Kubernetes manifests".into());
    }
    let mut seen: Vec<String> = Vec::new();
    for (name, service) in &services {
        let image_node = service.get("image");
        let Some(image_text) = image_node.and_then(Node::str) else {
            if service.get("build").is_some() && seen.len() < 8 {
                seen.push(format!("{name} (built from its Dockerfile)"));
            }
            continue;
        };
        let mut open = Vec::new();
        let image_name = env::interpolate(image_text, &project, &mut open);
        let Some(image) = images::by_name(&image_name) else {
            if seen.len() < 8 {
                seen.push(format!("{name} ({image_name})"));
            }
            continue;
        };
        let at = image_node.map_or_else(|| service.span().clone(), |n| n.span().clone());
        let mut problems = Problems::new(&primary.name);
        let environment = service_env(service, &project, beside, &mut problems);
        let mut plan = images::plan(image, &image_name, &at, &environment);
        let mut syntax = problems.finish();
        syntax.append(&mut plan.syntax);
        plan.syntax = syntax;
        plan.suppressions = super::suppressions(&primary.name, &primary.text);
        return Ok(plan);
    }
    if seen.is_empty() && primary.text.contains("{{") {
        return Err(template_message());
    }
    Err(format!(
        "a compose file whose services run no relay image relayctl knows ({}); relayctl knows {}",
        if seen.is_empty() {
            "no image named".to_owned()
        } else {
            seen.join(", ")
        },
        known_images()
    ))
}

pub(crate) fn known_images() -> String {
    images::IMAGES
        .iter()
        .map(|i| i.id)
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn template_message() -> String {
    "a template (it holds {{ }}), not YAML yet: render it (helm template, envsubst...) and lint the output".into()
}

/// The project's `.env` beside the compose file: what `${VAR}` in it is interpolated from.
fn project_env(beside: Beside<'_>) -> Env {
    let Some(f) = beside(".env") else {
        return Env::new();
    };
    let mut ignored = Problems::new(&f.name);
    env::to_env(&env::parse(&f, &Env::new(), &mut ignored))
}

/// The services: `services:`, or (version 1) top-level entries that look like services.
fn services(doc: &Node) -> Vec<(String, &Node)> {
    let looks_like_service = |n: &Node| {
        n.get("image").is_some() || n.get("build").is_some() || n.get("environment").is_some()
    };
    let from = match doc.get("services") {
        Some(s @ Node::Map(..)) => s.entries(),
        _ => doc.entries(),
    };
    from.iter()
        .filter(|(_, v)| looks_like_service(v))
        .filter_map(|(k, v)| Some((k.str()?.to_owned(), v)))
        .collect()
}

/// A service's environment: env_file files, then `environment`, then `hostname`.
fn service_env(service: &Node, project: &Env, beside: Beside<'_>, problems: &mut Problems) -> Env {
    let mut vars: Vec<Var> = Vec::new();
    let files: Vec<&Node> = match service.get("env_file") {
        Some(n @ Node::Scalar { .. }) => vec![n],
        Some(Node::Seq(items, _)) => items.iter().collect(),
        _ => Vec::new(),
    };
    for f in files.into_iter().take(MAX_ENV_FILES) {
        let path = f.str().or_else(|| f.get("path").and_then(Node::str));
        let Some(path) = path else { continue };
        let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let found = beside(base).or_else(|| beside(path));
        if let Some(file) = found {
            let mut p = Problems::new(&file.name);
            vars.extend(env::parse(&file, project, &mut p));
            for s in p.finish() {
                problems.push(s.span, s.message);
            }
        }
    }
    let mut env = env::to_env(&vars);
    let set = |name: &str, node: Option<&Node>, key_span: &Span, env: &mut Env| {
        let v = match node.and_then(Node::str) {
            Some(text) => {
                let mut open = Vec::new();
                let value = env::interpolate(text, project, &mut open);
                EnvValue {
                    value,
                    span: node.map_or_else(|| key_span.clone(), |n| n.span().clone()),
                    open,
                }
            }
            None => pass_through(name, key_span, project),
        };
        env.insert(name.to_owned(), v);
    };
    match service.get("environment") {
        Some(Node::Map(entries, _)) => {
            for (k, v) in entries {
                if let Some(name) = k.str() {
                    set(name, Some(v), k.span(), &mut env);
                }
            }
        }
        Some(Node::Seq(items, _)) => {
            for item in items {
                let Some(text) = item.str() else { continue };
                let span = item.span();
                match text.split_once('=') {
                    Some((name, value)) => {
                        let mut open = Vec::new();
                        let value = env::interpolate(value, project, &mut open);
                        let shift = u32::try_from(name.chars().count() + 1).unwrap_or(0);
                        let quoted = u32::from(item.quoted());
                        env.insert(
                            name.trim().to_owned(),
                            EnvValue {
                                value,
                                span: Span::new(
                                    &span.file,
                                    span.line,
                                    span.column.saturating_add(shift + quoted),
                                ),
                                open,
                            },
                        );
                    }
                    None => {
                        let name = text.trim();
                        env.insert(name.to_owned(), pass_through(name, span, project));
                    }
                }
            }
        }
        _ => {}
    }
    if let Some(h) = service.get("hostname") {
        set("HOSTNAME", Some(h), h.span(), &mut env);
    }
    env
}

/// A variable named without a value: compose takes it from the shell (or the project's
/// `.env`).
fn pass_through(name: &str, span: &Span, project: &Env) -> EnvValue {
    match project.get(name) {
        Some(v) => v.clone(),
        None => {
            let shown = format!("${{{name}}}");
            EnvValue {
                value: shown.clone(),
                span: span.clone(),
                open: vec![(shown, None)],
            }
        }
    }
}

/// A file of `KEY: value` lines only (what YAML could not read because a value is a
/// `****` mask), as a map node: values as written, quotes removed.
fn masked_map(primary: &SourceFile) -> Option<Node> {
    let mut entries = Vec::new();
    for (i, line) in primary.text.lines().enumerate().take(10_000) {
        let t = line.trim_end();
        if t.trim().is_empty() || t.trim_start().starts_with('#') {
            continue;
        }
        let (k, v) = t.split_once(':')?;
        if !k.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return None;
        }
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let value = v.trim();
        let column = u32::try_from(t.len() - v.trim_start().len() + 1).unwrap_or(u32::MAX);
        let quoted = value.len() >= 2
            && (value.starts_with('\'') && value.ends_with('\'')
                || value.starts_with('"') && value.ends_with('"'));
        let text = if quoted {
            value.get(1..value.len() - 1).unwrap_or("")
        } else {
            value
        };
        entries.push((
            Node::Scalar {
                text: k.to_owned(),
                span: Span::new(&primary.name, line_no, 1),
                null: false,
                quoted: false,
            },
            Node::Scalar {
                text: text.to_owned(),
                span: Span::new(&primary.name, line_no, column),
                null: text.is_empty(),
                quoted,
            },
        ));
    }
    (!entries.is_empty()).then(|| Node::Map(entries, Span::new(&primary.name, 1, 1)))
}

/// A YAML map of variables and nothing else (an `environment:` block quoted on its own):
/// read as the environment of the image its variables belong to.
fn bare_environment(
    primary: &SourceFile,
    doc: &Node,
    project: &Env,
) -> Result<Option<ObservedPlan>, String> {
    let entries = doc.entries();
    let env_like = !entries.is_empty()
        && entries.iter().all(|(k, v)| {
            k.str().is_some_and(|n| {
                n.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                    && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            }) && matches!(v, Node::Scalar { .. })
        });
    if !env_like {
        return Ok(None);
    }
    let mut env = Env::new();
    let mut order: Vec<(String, Span)> = Vec::new();
    for (k, v) in entries {
        let Some(name) = k.str() else { continue };
        let value = match v.str() {
            Some(text) => {
                let mut open = Vec::new();
                let value = env::interpolate(text, project, &mut open);
                EnvValue {
                    value,
                    span: v.span().clone(),
                    open,
                }
            }
            None => pass_through(name, k.span(), project),
        };
        order.push((name.to_owned(), value.span.clone()));
        env.insert(name.to_owned(), value);
    }
    let image: &Image = match images::by_variables(order.iter().map(|(n, _)| n.as_str())) {
        Ok(Some(i)) => i,
        Ok(None) => {
            return Err(format!(
                "a YAML map of variables that are none of a relay image relayctl knows ({})",
                known_images()
            ))
        }
        Err(both) => {
            return Err(format!(
                "a YAML map of variables that fit more than one relay image ({both})"
            ))
        }
    };
    let at = order
        .iter()
        .find(|(n, _)| image.marks.contains(&n.as_str()))
        .map_or_else(|| Span::new(&primary.name, 1, 1), |(_, s)| s.clone());
    let mut plan = images::plan(image, image.id, &at, &env);
    plan.suppressions = super::suppressions(&primary.name, &primary.text);
    Ok(Some(plan))
}

#[cfg(test)]
mod tests;
