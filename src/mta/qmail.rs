//! qmail control-file reader: smtproutes (the relay and the other routes), helohost and
//! timeoutsmtpd, read the way qmail 1.03's control.c and qmail-remote do. Stock qmail has
//! neither TLS nor SMTP AUTH, and says so in the plan. Pure and line based: linear work, no
//! panic on any text; files beside the primary come through `Beside`.

use std::borrow::Cow;
use std::collections::HashMap;

use super::toolkit::{column, lines, Problems};
use super::{
    Beside, Located, ObservedPlan, RelayTarget, Route, SourceFile, Span, SyntaxProblem, TlsMode,
};
use crate::relay::Family;

/// Most routes kept from smtproutes (distinct domains); a real file has a few dozen.
const MAX_ROUTES: usize = 10_000;

/// What qmail-remote says HELO with when control/helohost does not exist.
const HELO_DEFAULT: &str = "control/me, this host's name";

/// Reads qmail's control files. `primary` is smtproutes, or helohost or timeoutsmtpd
/// (then smtproutes is read from beside it); the other two come from `beside`.
pub fn read(primary: &SourceFile, beside: Beside<'_>) -> ObservedPlan {
    let base = primary.name.rsplit(['/', '\\']).next().unwrap_or("");
    let file = |name: &str| -> Option<SourceFile> {
        if base == name {
            Some(primary.clone())
        } else {
            beside(name)
        }
    };
    let routes = if base == "helohost" || base == "timeoutsmtpd" {
        beside("smtproutes")
    } else {
        Some(primary.clone())
    };
    let mut plan = ObservedPlan::default();
    let mut problems = Vec::new();
    if let Some(f) = &routes {
        smtproutes(f, &mut plan, &mut problems);
        plan.suppressions = super::suppressions(&f.name, &f.text);
    }
    match file("helohost") {
        Some(f) => plan.helo = helohost(&f, &mut problems),
        None => plan.helo_default = Some(HELO_DEFAULT.to_owned()),
    }
    if let Some(f) = file("timeoutsmtpd") {
        plan.qmail_smtpd_timeout_s = timeoutsmtpd(&f, &mut problems);
    }
    plan.syntax = problems;
    plan
}

/// qmail's control.c strips trailing blanks (spaces, tabs), not carriage returns.
fn strip_trailing(line: &str) -> &str {
    line.trim_end_matches([' ', '\t'])
}

/// Reads smtproutes. control.c `control_readfile` drops empty lines and lines starting
/// with `#` (so `#` lines are comments here, though qmail-remote(8) does not say so); each
/// other line is `domain:relay[:port]`, split at the first colon (constmap), matched
/// caselessly, the last of duplicate domains winning. An empty domain is the default
/// route; an empty relay means MX delivery. qmail-remote connects to the relay's A records
/// only ("as if host had relay as its only MX").
fn smtproutes(f: &SourceFile, plan: &mut ObservedPlan, out: &mut Vec<SyntaxProblem>) {
    let mut problems = Problems::new(&f.name);
    // domain (lower case) -> index into `kept`, which holds the last line per domain.
    let mut seen: HashMap<Cow<'_, str>, usize> = HashMap::new();
    let mut kept: Vec<Kept<'_>> = Vec::new();
    for l in lines(&f.text) {
        let (n, line) = (l.no, strip_trailing(l.raw));
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.ends_with('\r') {
            problems.at(
                (n, column(line, line.len() - 1)),
                "line ends in a carriage return (a CRLF file): qmail keeps it as part of the route"
                    .to_owned(),
            );
        }
        let Some((domain, rest)) = line.split_once(':') else {
            // Garbage gives a problem per line: messages are built only while kept.
            problems.at_with((n, 1), || {
                format!(
                    "`{line}' has no colon: qmail-remote ignores this line (domain:relay[:port])"
                )
            });
            continue;
        };
        if line.contains([' ', '\t']) {
            problems.at(
                (n, column(line, line.find([' ', '\t']).unwrap_or(0))),
                "blank inside the route: qmail takes it literally (domain:relay, no spaces)"
                    .to_owned(),
            );
        }
        let host_at = domain.len() + 1;
        let (host, port_text) = match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        };
        let mut port = None;
        if let Some(p) = port_text {
            // qmail-remote reads the port with scan_ulong: leading digits, the rest ignored.
            let port_at = host_at + host.len() + 1;
            let digits = p.len() - p.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            match p[..digits].parse::<u16>() {
                Ok(v) if v > 0 => port = Some(v),
                _ => problems.at_with((n, column(line, port_at)), || {
                    format!("port `{p}' is not a number from 1 to 65535")
                }),
            }
            let rest = &p[digits..];
            if digits > 0 && !rest.is_empty() && rest != "\r" {
                problems.at_with((n, column(line, port_at + digits)), || {
                    format!("`{rest}' after the port is ignored")
                });
            }
        }
        // Most lines are lower case already: no allocation for their key.
        let key = if domain.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(domain.to_ascii_lowercase())
        } else {
            Cow::Borrowed(domain)
        };
        let line_route = Kept {
            n,
            line,
            domain,
            rest,
            host,
            host_at,
            port,
        };
        match seen.get(&key) {
            Some(&i) => {
                problems.at_with((kept[i].n, 1), || {
                    let shown = if domain.is_empty() {
                        "the default route (empty domain)".to_owned()
                    } else {
                        format!("`{domain}'")
                    };
                    format!(
                        "{shown} is routed again on line {n}: qmail-remote uses the last line only"
                    )
                });
                kept[i] = line_route;
            }
            None if kept.len() >= MAX_ROUTES => {
                problems.at(
                    (n, 1),
                    format!("more than {MAX_ROUTES} routes: the rest of the file is not read"),
                );
                break;
            }
            None => {
                seen.insert(key, kept.len());
                kept.push(line_route);
            }
        }
    }
    problems.finish_into(out);
    for k in kept {
        let at = |col: u32| Span::new(&f.name, k.n, col);
        if !k.domain.is_empty() {
            plan.routes.push(Located::new(
                Route {
                    domain: k.domain.to_owned(),
                    next_hop: k.rest.to_owned(),
                    via_google: super::in_google_domains(k.host),
                },
                at(1),
            ));
        } else if !k.host.is_empty() {
            let span = at(column(k.line, k.host_at));
            // Stock qmail-remote speaks neither STARTTLS nor AUTH, and connects over IPv4
            // only (stock qmail-remote has no IPv6; gen/qmail.rs says the same in its notes).
            plan.tls = Some(Located::new(TlsMode::Off, span.clone()));
            plan.sasl = Some(Located::new(false, span.clone()));
            plan.families = Some(Located::new(Family::V4, span.clone()));
            plan.relay = Some(Located::new(
                RelayTarget {
                    host: k.host.to_owned(),
                    port: k.port,
                    no_mx: true,
                    raw: k.rest.to_owned(),
                },
                span,
            ));
        }
    }
}

/// One smtproutes line, as parts of the text, kept until a later line replaces it.
#[derive(Clone, Copy)]
struct Kept<'t> {
    n: u32,
    line: &'t str,
    domain: &'t str,
    rest: &'t str,
    host: &'t str,
    host_at: usize,
    port: Option<u16>,
}

/// helohost: control.c `control_readline` takes the first line, trailing blanks
/// stripped; there is no comment syntax.
fn helohost(f: &SourceFile, out: &mut Vec<SyntaxProblem>) -> Option<Located<String>> {
    let mut problems = Problems::new(&f.name);
    let mut lines = lines(&f.text);
    let first = lines.next()?;
    let name = strip_trailing(first.raw);
    if name.is_empty() {
        problems.at(
            (1, 1),
            "helohost's first line is empty: qmail-remote says HELO with an empty name".to_owned(),
        );
    } else if name.starts_with('#') {
        problems.at(
            (1, 1),
            "helohost has no comments: this whole line is the HELO name".to_owned(),
        );
    }
    if let Some(l) = lines.find(|l| !strip_trailing(l.raw).is_empty()) {
        problems.at(
            (l.no, 1),
            "only the first line of helohost is read; this line is ignored".to_owned(),
        );
    }
    problems.finish_into(out);
    Some(Located::new(name.to_owned(), Span::new(&f.name, 1, 1)))
}

/// timeoutsmtpd: control.c `control_readint` reads the first line's leading digits; with
/// none, qmail-smtpd keeps its default (1200 s).
fn timeoutsmtpd(f: &SourceFile, out: &mut Vec<SyntaxProblem>) -> Option<Located<u64>> {
    let mut problems = Problems::new(&f.name);
    let first = f.text.split('\n').next().unwrap_or("");
    let digits = first.len() - first.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let span = Span::new(&f.name, 1, 1);
    if digits == 0 {
        problems.at(
            (1, 1),
            format!(
                "timeoutsmtpd `{}' is not a number: qmail-smtpd keeps its default of 1200 s",
                strip_trailing(first)
            ),
        );
        problems.finish_into(out);
        return None;
    }
    let rest = strip_trailing(&first[digits..]);
    if !rest.is_empty() {
        problems.at(
            (1, column(first, digits)),
            format!("`{rest}' after the number is ignored"),
        );
    }
    problems.finish_into(out);
    let value = first[..digits].bytes().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    Some(Located::new(value, span))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::{self, testing, Options, Target};
    use crate::mta::MAX_PROBLEMS;
    use crate::relay::plan::ClientPlan;
    use crate::relay::Port;
    use std::time::{Duration, Instant};

    fn src(name: &str, text: &str) -> SourceFile {
        SourceFile {
            name: name.to_owned(),
            text: text.to_owned(),
        }
    }

    fn routes(text: &str) -> ObservedPlan {
        read(&src("smtproutes", text), &|_| None)
    }

    fn at(line: u32, column: u32) -> Span {
        Span::new("smtproutes", line, column)
    }

    #[test]
    fn default_route_forms() {
        // (name, text, host, port, span column)
        let rows = [
            (
                "article's line",
                ":smtp-relay.gmail.com:25\n",
                "smtp-relay.gmail.com",
                Some(25),
                2,
            ),
            (
                "no port",
                ":smtp-relay.gmail.com",
                "smtp-relay.gmail.com",
                None,
                2,
            ),
            (
                "submission port",
                ":smtp-relay.gmail.com:587\n",
                "smtp-relay.gmail.com",
                Some(587),
                2,
            ),
            ("trailing blanks stripped", ":h:587 \t\n", "h", Some(587), 2),
            ("after a comment", "# relay\n:h:25\n", "h", Some(25), 2),
        ];
        for (name, text, host, port, col) in rows {
            let p = routes(text);
            assert!(p.syntax.is_empty(), "{name}: {:?}", p.syntax);
            let r = p.relay.expect(name);
            assert_eq!(r.value.host, host, "{name}");
            assert_eq!(r.value.port, port, "{name}");
            assert!(r.value.no_mx, "{name}");
            assert_eq!(r.span.column, col, "{name}");
            assert_eq!(p.tls.unwrap().value, TlsMode::Off, "{name}");
            assert!(!p.sasl.unwrap().value, "{name}");
            assert_eq!(p.families.unwrap().value, Family::V4, "{name}");
        }
    }

    #[test]
    fn other_routes() {
        let p = routes("corp.example.com:mailhub.corp.example.com\n.corp.example.com:mailhub.corp.example.com:2525\nlab.example.net:\n:smtp-relay.gmail.com:587\n");
        assert_eq!(p.routes.len(), 3);
        assert_eq!(p.routes[0].value.domain, "corp.example.com");
        assert_eq!(p.routes[0].value.next_hop, "mailhub.corp.example.com");
        assert_eq!(p.routes[1].value.next_hop, "mailhub.corp.example.com:2525");
        assert_eq!(p.routes[1].span, at(2, 1));
        assert_eq!(p.routes[2].value.next_hop, "");
        assert!(p.routes.iter().all(|r| !r.value.via_google));
        assert_eq!(p.relay.unwrap().span, at(4, 2));
        // A domain sent to Google explicitly.
        let p = routes("example.org:smtp-relay.gmail.com:587\n");
        assert!(p.routes[0].value.via_google);
        assert!(p.relay.is_none());
        // An empty default relay is MX delivery: no relay.
        let p = routes(":\n");
        assert!(p.relay.is_none() && p.tls.is_none());
    }

    #[test]
    fn problems_with_exact_spans() {
        // (name, text, problem line, column, message part)
        let rows = [
            ("no colon", "smtp-relay.gmail.com\n", 1, 1, "no colon"),
            ("bad port", ":h:smtp\n", 1, 4, "port `smtp'"),
            ("port zero", "\n:h:0\n", 2, 4, "port `0'"),
            ("text after the port", ":h:25x\n", 1, 6, "after the port"),
            ("space", ": h:25\n", 1, 2, "blank"),
            ("CRLF", ":h:25\r\n", 1, 6, "carriage return"),
            ("duplicate default", ":a:25\n:b:587\n", 1, 1, "last line"),
        ];
        for (name, text, line, col, part) in rows {
            let p = routes(text);
            assert_eq!(p.syntax.len(), 1, "{name}: {:?}", p.syntax);
            assert_eq!(p.syntax[0].span, at(line, col), "{name}");
            assert!(
                p.syntax[0].message.contains(part),
                "{name}: {}",
                p.syntax[0].message
            );
        }
        let p = routes(":a:25\n:b:587\n");
        assert_eq!(p.relay.unwrap().value.host, "b");
    }

    #[test]
    fn helohost_and_timeoutsmtpd_beside() {
        let files = [
            src("helohost", "mail.example.com\n"),
            src("timeoutsmtpd", "1200\n"),
            src("smtproutes", ":smtp-relay.gmail.com:587\n"),
        ];
        let beside = |name: &str| files.iter().find(|f| f.name == name).cloned();
        for primary in &files {
            let p = read(primary, &beside);
            assert_eq!(p.relay.unwrap().value.port, Some(587), "{}", primary.name);
            let helo = p.helo.unwrap();
            assert_eq!(helo.value, "mail.example.com");
            assert_eq!(helo.span, Span::new("helohost", 1, 1));
            assert_eq!(p.qmail_smtpd_timeout_s.unwrap().value, 1200);
            assert!(p.syntax.is_empty());
        }
        // A path as the primary.
        let p = read(&src("/var/qmail/control/helohost", "h.example\n"), &beside);
        assert_eq!(p.helo.unwrap().value, "h.example");
        assert!(p.relay.is_some());
        // Without helohost the default is control/me.
        let p = routes(":h:25\n");
        assert_eq!(p.helo_default.as_deref(), Some(HELO_DEFAULT));
    }

    #[test]
    fn control_values() {
        let one = |name: &str, text: &str| read(&src(name, text), &|_| None);
        // (name, text, value, problems)
        let rows = [
            ("number", "900\n", Some(900), 0),
            ("trailing text", "900 s\n", Some(900), 1),
            ("not a number", "fast\n", None, 1),
            ("empty", "", None, 1),
        ];
        for (name, text, value, problems) in rows {
            let p = one("timeoutsmtpd", text);
            assert_eq!(p.qmail_smtpd_timeout_s.map(|v| v.value), value, "{name}");
            assert_eq!(p.syntax.len(), problems, "{name}");
        }
        assert_eq!(one("timeoutsmtpd", "900 s").syntax[0].span.column, 4);
        let p = one("helohost", "# my helo\n");
        assert_eq!(p.helo.unwrap().value, "# my helo");
        assert!(p.syntax[0].message.contains("no comments"));
        let p = one("helohost", "a.example\nb.example\n");
        assert_eq!(p.helo.unwrap().value, "a.example");
        assert_eq!(p.syntax[0].span, Span::new("helohost", 2, 1));
        assert!(one("helohost", "\n").syntax[0].message.contains("empty"));
    }

    #[test]
    fn suppressions_are_found() {
        let p = routes("# relayctl: allow qmail-no-tls\n:smtp-relay.gmail.com:25\n");
        assert_eq!(p.suppressions.len(), 1);
        assert_eq!(p.suppressions[0].covers_line, 2);
    }

    fn generated(plan: &ClientPlan) -> ObservedPlan {
        let a = gen::render(Target::Qmail, plan, &Options::default()).unwrap();
        let files: Vec<SourceFile> = a
            .files
            .iter()
            .map(|f| {
                src(
                    f.path.rsplit('/').next().unwrap(),
                    &(f.lines.join("\n") + "\n"),
                )
            })
            .collect();
        assert_eq!(files[0].name, "smtproutes");
        read(&files[0].clone(), &move |name: &str| {
            files.iter().find(|f| f.name == name).cloned()
        })
    }

    #[test]
    fn reads_back_what_gen_writes() {
        let plan = |f: &dyn Fn(&mut crate::relay::plan::Site)| {
            testing::plan_for(Target::Qmail, false, |c, s| {
                c.require_tls = false;
                f(s)
            })
            .unwrap()
        };
        let plans = [
            plan(&|_| {}),
            plan(&|s| s.port = Some(Port::Smtp)),
            plan(&|s| crate::gen::testing::internal_domains(&mut Default::default(), s)),
        ];
        for plan in &plans {
            let o = generated(plan);
            assert!(o.syntax.is_empty(), "{:?}", o.syntax);
            let r = o.relay.unwrap().value;
            assert_eq!(r.host, plan.relay_host.to_string());
            assert_eq!(r.port, Some(plan.port.number()));
            assert_eq!(o.tls.unwrap().value, TlsMode::Off);
            assert!(!o.sasl.unwrap().value);
            assert_eq!(
                o.helo.unwrap().value,
                plan.helo.as_ref().unwrap().to_string()
            );
            assert_eq!(
                o.qmail_smtpd_timeout_s.unwrap().value,
                plan.timeouts.qmail_smtpd_s
            );
            assert_eq!(o.routes.len(), 2 * plan.internal.len());
            for (route, internal) in o.routes.chunks(2).zip(&plan.internal) {
                assert_eq!(route[0].value.domain, internal.domain.to_string());
                assert_eq!(route[1].value.domain, format!(".{}", internal.domain));
            }
        }
    }

    #[test]
    fn garbage_is_bounded() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let bytes: Vec<u8> = (0..3_000_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        let colons = ":a:b\n::\n:\r\n".repeat(300_000);
        let one_line = "x".repeat(5_000_000);
        for text in [lossy, colons, one_line] {
            let t = Instant::now();
            let p = read(&src("smtproutes", &text), &|name: &str| {
                Some(src(name, &text))
            });
            // Three files (smtproutes, helohost, timeoutsmtpd), each capped.
            assert!(p.syntax.len() <= 3 * (MAX_PROBLEMS + 1));
            assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
        }
    }
}
