//! YAML documents as small trees with file:line:column spans, built from the events of
//! saphyr-parser (a maintained, pure-Rust YAML 1.2 parser whose events carry their
//! markers). Bounded: the input size is checked before parsing, and the tree's node count
//! and depth are capped; anchors are not expanded (an alias is a node of its own), so a
//! "billion laughs" document stays as small as its text.

use saphyr_parser::{Event, Parser, ScalarStyle};

use super::{Span, SyntaxProblem};

/// Largest YAML text parsed (compose files and manifests are a few kilobytes).
pub(crate) const MAX_YAML_BYTES: usize = 4 * 1024 * 1024;
/// Most nodes kept per file.
const MAX_NODES: usize = 200_000;
/// Deepest nesting kept.
const MAX_DEPTH: usize = 64;
/// Most documents read from one file.
const MAX_DOCUMENTS: usize = 1000;

/// A YAML node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// A scalar: its text, where it starts (at its quote when quoted), whether it is a
    /// plain `~`/`null`/empty, whether it was written in quotes.
    Scalar {
        text: String,
        span: Span,
        null: bool,
        quoted: bool,
    },
    /// A sequence.
    Seq(Vec<Node>, Span),
    /// A mapping, in file order.
    Map(Vec<(Node, Node)>, Span),
    /// An alias (`*name`), not expanded.
    Alias(Span),
}

impl Node {
    /// Where the node starts.
    pub(crate) fn span(&self) -> &Span {
        match self {
            Node::Scalar { span, .. }
            | Node::Seq(_, span)
            | Node::Map(_, span)
            | Node::Alias(span) => span,
        }
    }

    /// Whether the node is a scalar written in quotes.
    pub(crate) fn quoted(&self) -> bool {
        matches!(self, Node::Scalar { quoted: true, .. })
    }

    /// The text of a scalar.
    pub(crate) fn str(&self) -> Option<&str> {
        match self {
            Node::Scalar {
                text, null: false, ..
            } => Some(text),
            _ => None,
        }
    }

    /// The value of `key` in a mapping (the last one, as most loaders take it).
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries, _) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The entries of a mapping (none for other nodes).
    pub(crate) fn entries(&self) -> &[(Node, Node)] {
        match self {
            Node::Map(entries, _) => entries,
            _ => &[],
        }
    }

    /// The items of a sequence (none for other nodes).
    pub(crate) fn items(&self) -> &[Node] {
        match self {
            Node::Seq(items, _) => items,
            _ => &[],
        }
    }
}

/// A container being built.
enum Open {
    Seq(Vec<Node>, Span),
    Map(Vec<(Node, Node)>, Option<Node>, Span),
}

fn span_of(file: &str, m: saphyr_parser::Marker) -> Span {
    Span::new(
        file,
        u32::try_from(m.line()).unwrap_or(u32::MAX).max(1),
        u32::try_from(m.col().saturating_add(1)).unwrap_or(u32::MAX),
    )
}

/// Adds a finished node to the container on top of `stack` (or to `done`).
fn add(stack: &mut [Open], done: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        Some(Open::Seq(items, _)) => items.push(node),
        Some(Open::Map(entries, key, _)) => match key.take() {
            Some(k) => entries.push((k, node)),
            None => *key = Some(node),
        },
        None => *done = Some(node),
    }
}

/// The documents of `text`, or the first problem that stops the parser (a syntax error,
/// a file too large or too deep).
pub(crate) fn parse(file: &str, text: &str) -> Result<Vec<Node>, SyntaxProblem> {
    let problem = |line: usize, column: usize, message: String| SyntaxProblem {
        message,
        span: Span::new(
            file,
            u32::try_from(line).unwrap_or(u32::MAX).max(1),
            u32::try_from(column).unwrap_or(u32::MAX).max(1),
        ),
    };
    if text.len() > MAX_YAML_BYTES {
        return Err(problem(
            1,
            1,
            format!("larger than {MAX_YAML_BYTES} bytes; not read as YAML"),
        ));
    }
    let mut docs = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut done: Option<Node> = None;
    let mut nodes = 0usize;
    for ev in Parser::new_from_str(text) {
        let (ev, sp) = match ev {
            Ok(x) => x,
            Err(e) => {
                let m = e.marker();
                return Err(problem(
                    m.line(),
                    m.col() + 1,
                    format!("not valid YAML: {}", e.info()),
                ));
            }
        };
        let span = span_of(file, sp.start);
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(problem(
                sp.start.line(),
                sp.start.col() + 1,
                format!("more than {MAX_NODES} YAML nodes; not read"),
            ));
        }
        match ev {
            Event::DocumentStart(_) => {
                stack.clear();
                done = None;
            }
            Event::DocumentEnd => {
                if let Some(d) = done.take() {
                    if docs.len() < MAX_DOCUMENTS {
                        docs.push(d);
                    }
                }
            }
            Event::Scalar(text, style, _, _) => {
                let null = style == ScalarStyle::Plain
                    && matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL");
                let quoted = matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted);
                add(
                    &mut stack,
                    &mut done,
                    Node::Scalar {
                        text: text.into_owned(),
                        span,
                        null,
                        quoted,
                    },
                );
            }
            Event::Alias(_) => add(&mut stack, &mut done, Node::Alias(span)),
            Event::SequenceStart(_, _) | Event::MappingStart(_, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(problem(
                        sp.start.line(),
                        sp.start.col() + 1,
                        format!("nested deeper than {MAX_DEPTH} levels; not read"),
                    ));
                }
                stack.push(if matches!(ev, Event::SequenceStart(..)) {
                    Open::Seq(Vec::new(), span)
                } else {
                    Open::Map(Vec::new(), None, span)
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match stack.pop() {
                    Some(Open::Seq(items, s)) => Node::Seq(items, s),
                    Some(Open::Map(entries, _, s)) => Node::Map(entries, s),
                    None => continue,
                };
                add(&mut stack, &mut done, node);
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_and_spans() {
        let docs = parse("f.yml", "a: 1\nb:\n  - x\n  - 'y'\n---\nc: ~\n").unwrap();
        assert_eq!(docs.len(), 2);
        let a = docs[0].get("a").unwrap();
        assert_eq!((a.str(), a.span().line, a.span().column), (Some("1"), 1, 4));
        let b = docs[0].get("b").unwrap().items();
        assert_eq!(b[1].str(), Some("y"));
        assert_eq!((b[1].span().line, b[1].span().column), (4, 5));
        assert_eq!(docs[1].get("c").unwrap().str(), None);
    }

    #[test]
    fn errors_and_bounds() {
        let e = parse("f.yml", "a: [1\n").unwrap_err();
        assert!(e.message.starts_with("not valid YAML"), "{}", e.message);
        let deep = "[".repeat(100) + &"]".repeat(100);
        let e = parse("f.yml", &deep).unwrap_err();
        assert!(e.message.contains("deeper"), "{}", e.message);
        let laughs = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b, *b]\n";
        let docs = parse("f.yml", laughs).unwrap();
        assert!(matches!(
            docs[0].get("c").unwrap().items()[0],
            Node::Alias(_)
        ));
        for text in [
            "",
            "---",
            "...",
            "\t",
            ": :",
            "{",
            "\"",
            "- - - -",
            "&a *a",
            "? x\n: y\n",
            "%YAML 1.2\n---\n",
            "é: é",
        ] {
            let _ = parse("f.yml", text);
        }
    }
}
