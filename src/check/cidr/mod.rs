//! `check cidr`: the Admin console's IP-range list, checked entry by entry and then as a
//! set. Pure: reads bytes from any `BufRead` with a bounded line length, or takes values,
//! and returns a [`Report`] of compact findings whose messages are written only when asked
//! for. No files, no environment, no printing (the command does those).
//!
//! Facts: Google help 2956491, the SMTP relay service setting and its IP ranges (at most 65,536 addresses
//! per range, IPv4 /16 or IPv6 /112 or longer; use your public IP; keep ranges as small as
//! possible; three IPv6 spellings accepted) and observed in Ombi-app/Ombi#1442 and firebase/extensions#632 (the relay names the
//! address it sees; the IPv6 trap; private addresses registered from behind NAT).
//!
//! The parts, one idea a file: `input` cuts the bytes into lines within its caps, `csv`
//! reads the CSV layout, `parse` reads a value beyond a plain CIDR block, `aggregate` runs
//! the set checks, `findings` stores what is found and `messages` writes it out. This file
//! holds the public API and the checks of one entry.

mod aggregate;
mod csv;
mod findings;
mod input;
mod messages;
mod parse;

use std::borrow::Cow;
use std::io::BufRead;
use std::net::Ipv6Addr;

use ipnet::IpNet;
use serde::Serialize;

use super::{Finding, Severity};
use crate::relay::console::{is_documentation, non_public_kind, parse_net, MAX_RANGE_ADDRESSES};
use aggregate::{set_checks, Agg, Entry};
use findings::{quoted, Detail, Hits, SyntaxKind};
use input::{InputCap, Line};

pub use findings::MAX_FINDINGS_PER_RULE;
pub use input::{ReadError, MAX_INPUT_BYTES, MAX_LINE_BYTES};
pub use messages::{thousands, MAX_RELATED};

/// Host bits of the largest range the console accepts: 16 (65,536 addresses).
const MAX_HOST_BITS: u8 = MAX_RANGE_ADDRESSES.trailing_zeros() as u8;

/// "Keep ranges as small as possible" (Google help 2956491): more than 256 addresses (an IPv4 /24,
/// an IPv6 /120) is called broad. A /24 is the largest block one site commonly holds, and
/// the same count is used for IPv6 so the two families are judged alike.
const BROAD_HOST_BITS: u8 = 8;

/// A too-large range is split into console-sized pieces for the canonical list when that
/// takes at most 256 pieces (down to an IPv4 /8 or IPv6 /104); a larger one is no list of
/// relay senders, and the fix is to register only the addresses that send mail.
const MAX_SPLIT_HOST_BITS: u8 = MAX_HOST_BITS + 8;

/// Split pieces allowed per family over the whole input, so a list of a million /104s
/// cannot turn into a quarter of a billion pieces. Beyond it, ranges are not split.
const MAX_SPLIT_PIECES_TOTAL: u64 = 65_536;

const FACT_RANGES: &str =
    "Google 2956491 \"Route outgoing SMTP relay messages through Google\": IP ranges";
const FACT_NOT_PUBLIC: &str = "Google 2956491 \"Route outgoing SMTP relay messages through Google\": IP ranges; RFC 1918; RFC 5737; RFC 3849";
const FACT_IPV6: &str = "observed: OpenSMTPD/OpenSMTPD#1076 (IPv6 egress with IPv4 ranges)";

/// Every source a `check cidr` finding cites (tests check them against docs/sources.md).
pub const FACTS: &[&str] = &[FACT_RANGES, FACT_NOT_PUBLIC, FACT_IPV6];

/// A check of `check cidr`, with its stable kebab-case id (docs/json.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// Longer than [`MAX_LINE_BYTES`].
    LineTooLong,
    /// Not UTF-8 text.
    NotUtf8,
    /// Not an address or CIDR block (or a malformed CSV row).
    Syntax,
    /// More than 65,536 addresses.
    RangeTooLarge,
    /// Bits set after the prefix.
    HostBitsSet,
    /// Private, loopback, link-local, CGNAT, documentation, multicast, ULA, ...
    NotPublic,
    /// The same network twice.
    Duplicate,
    /// A network inside another one of the list.
    Overlap,
    /// Sibling networks that make one range the console accepts.
    CanMerge,
    /// More than 256 addresses.
    BroadRange,
    /// A disabled entry (CSV or relay.toml `enabled = false`).
    Disabled,
    /// The host has IPv6 egress and the list no IPv6 range.
    NoIpv6Range,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 12] = [
        Rule::LineTooLong,
        Rule::NotUtf8,
        Rule::Syntax,
        Rule::RangeTooLarge,
        Rule::HostBitsSet,
        Rule::NotPublic,
        Rule::Duplicate,
        Rule::Overlap,
        Rule::CanMerge,
        Rule::BroadRange,
        Rule::Disabled,
        Rule::NoIpv6Range,
    ];

    /// The stable id.
    pub fn id(self) -> &'static str {
        match self {
            Rule::Syntax => "syntax",
            Rule::LineTooLong => "line-too-long",
            Rule::NotUtf8 => "not-utf8",
            Rule::RangeTooLarge => "range-too-large",
            Rule::HostBitsSet => "host-bits-set",
            Rule::NotPublic => "not-public",
            Rule::Duplicate => "duplicate",
            Rule::Overlap => "overlap",
            Rule::CanMerge => "can-merge",
            Rule::BroadRange => "broad-range",
            Rule::Disabled => "disabled",
            Rule::NoIpv6Range => "no-ipv6-range",
        }
    }

    /// The public source the rule rests on (docs/sources.md).
    pub fn fact(self) -> &'static str {
        match self {
            Rule::NotPublic => FACT_NOT_PUBLIC,
            Rule::NoIpv6Range => FACT_IPV6,
            _ => FACT_RANGES,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What the checker knows about the host that relays, found by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The relaying host sends over IPv6 (observed in Ombi-app/Ombi#1442 and firebase/extensions#632).
    pub ipv6_egress: bool,
    /// Its global IPv6 address, when known, to name in the fix.
    pub ipv6_address: Option<Ipv6Addr>,
    /// What the egress was judged from ("IPv6 default route via ... on eth0, global
    /// address ..."), to say in the finding.
    pub ipv6_seen: Option<String>,
}

/// An input of the checker: a file, stdin, relay.toml or the `--range` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceId(u8);

/// Where an entry was: source and 1-based line (for `--range`, its position).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
struct Loc {
    src: u8,
    line: u32,
}

/// How the lines of one input are laid out, decided at its first entry line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Unknown,
    Lines,
    Csv,
}

/// Collects entries from any number of inputs, then [`Checker::finish`]es into a report.
#[derive(Debug, Default)]
pub struct Checker {
    opts: Options,
    sources: Vec<String>,
    entries: u64,
    disabled: u64,
    split_budget: [u64; 2],
    v4: Vec<Entry<u32>>,
    v6: Vec<Entry<u128>>,
    hits: Hits,
    input_cap: InputCap,
}

impl Checker {
    /// A checker for a host described by `opts`.
    pub fn new(opts: Options) -> Checker {
        Checker {
            opts,
            split_budget: [MAX_SPLIT_PIECES_TOTAL; 2],
            ..Checker::default()
        }
    }

    /// Registers an input under the name findings use for it (`ranges.txt`, `stdin`,
    /// `--range`, `relay.toml`). At most 255 inputs.
    pub fn source(&mut self, name: &str) -> SourceId {
        let id = u8::try_from(self.sources.len()).expect("the command registers a few inputs"); // infallible: the message says why
        self.sources.push(name.to_owned());
        SourceId(id)
    }

    /// Reads a list: one entry per line (`CIDR [description]`, `#` comments) or CSV
    /// `description,range[,enabled]` (an optional header row), told apart at the first
    /// entry line. Lines are read as bytes and at most [`MAX_LINE_BYTES`] of each is kept.
    /// A bad line is a finding; only an I/O error, a NUL byte (a binary file, seen in the
    /// first buffer that holds it, even inside an endless line such as /dev/zero's), UTF-16
    /// or more than [`MAX_INPUT_BYTES`] stops the read.
    pub fn read_list<R: BufRead>(&mut self, src: SourceId, input: R) -> Result<(), ReadError> {
        let mut layout = Layout::Unknown;
        input::read_lines(input, self.input_cap.0, |line_no, line| match line {
            Line::Text(bytes) => self.line(src, line_no, bytes, &mut layout),
            Line::TooLong(bytes) => self.long_line(src, line_no, bytes),
        })
    }

    fn long_line(&mut self, src: SourceId, line_no: u64, bytes: u64) {
        self.hits.add(
            Rule::LineTooLong,
            Severity::Error,
            Some(loc(src, line_no)),
            || Detail::LineTooLong { bytes },
        );
    }

    /// One line of at most [`MAX_LINE_BYTES`] (its `\r` included).
    fn line(&mut self, src: SourceId, line_no: u64, bytes: &[u8], layout: &mut Layout) {
        let mut bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        if line_no == 1 {
            bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        }
        // NUL bytes were refused by the reader as they came.
        let at = loc(src, line_no);
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => Cow::Borrowed(t),
            Err(e) => {
                // A Latin-1 export has its accents in the descriptions: say so, and read
                // on with U+FFFD in their place, so the range itself is still checked (bad
                // bytes inside the range make it a syntax error as well).
                let column = u32::try_from(e.valid_up_to() + 1).unwrap_or(u32::MAX);
                self.hits
                    .add(Rule::NotUtf8, Severity::Warning, Some(at), || {
                        Detail::NotUtf8 { column }
                    });
                String::from_utf8_lossy(bytes)
            }
        };
        let text = text.trim();
        if text.is_empty() || text.starts_with('#') {
            return;
        }
        if text.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            self.entries += 1;
            self.syntax(at, text, SyntaxKind::ControlChars);
            return;
        }
        if *layout == Layout::Unknown {
            *layout = if csv::looks_like_csv(text) {
                Layout::Csv
            } else {
                Layout::Lines
            };
            if *layout == Layout::Csv && csv::is_csv_header(text) {
                return;
            }
        }
        match layout {
            Layout::Csv => self.csv_row(at, text),
            _ => self.list_line(at, text),
        }
    }

    /// `CIDR [description]`, an inline `#` comment allowed.
    fn list_line(&mut self, at: Loc, text: &str) {
        let content = text.split('#').next().unwrap_or("").trim_end();
        if content.is_empty() {
            return;
        }
        self.entries += 1;
        match parse::list_token(content) {
            Ok(token) => self.entry(at, token, true),
            Err(kind) => self.syntax(at, content, kind),
        }
    }

    /// `description,range[,enabled]`.
    fn csv_row(&mut self, at: Loc, text: &str) {
        self.entries += 1;
        match csv::row(text) {
            Ok((range, enabled)) => self.entry(at, &range, enabled),
            Err((quote, kind)) => self.syntax(at, &quote, kind),
        }
    }

    /// Checks one value given outside a list: a `--range` (line = its position) or a
    /// relay.toml `cidr` (line = its line).
    pub fn check_value(&mut self, src: SourceId, line: u64, text: &str, enabled: bool) {
        let at = loc(src, line);
        self.entries += 1;
        let text = text.trim();
        if text.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return self.syntax(at, text, SyntaxKind::ControlChars);
        }
        self.entry(at, text, enabled);
    }

    fn syntax(&mut self, at: Loc, text: &str, kind: SyntaxKind) {
        self.hits.add(Rule::Syntax, Severity::Error, Some(at), || {
            let (text, cut) = quoted(text);
            Detail::Syntax {
                text: text.into(),
                cut,
                kind,
            }
        });
    }

    /// The per-entry checks; an entry the console could take (after fixing host bits or
    /// splitting) goes on to the set checks.
    fn entry(&mut self, at: Loc, token: &str, enabled: bool) {
        let written = match parse_net(token) {
            Ok(n) => n,
            Err(_) => return self.syntax(at, token, SyntaxKind::Range),
        };
        let net = written.trunc();
        if net.addr() != written.addr() {
            self.hits
                .add(Rule::HostBitsSet, Severity::Error, Some(at), || {
                    Detail::HostBits { written }
                });
        }
        let documentation = is_documentation(&net);
        if let Some(kind) = non_public_kind(net.network()) {
            // Documentation ranges are accepted by the console (parse_range lets them
            // through so examples work) but never send mail: a warning, and they stay.
            let severity = if documentation {
                Severity::Warning
            } else {
                Severity::Error
            };
            self.hits
                .add(Rule::NotPublic, severity, Some(at), || Detail::NotPublic {
                    net,
                    kind,
                });
            if !documentation {
                return;
            }
        }
        let host = net.max_prefix_len() - net.prefix_len();
        if host > MAX_HOST_BITS {
            let fam = usize::from(net.max_prefix_len() == 128);
            let pieces = 1u64 << (host - MAX_HOST_BITS).min(63);
            let split = host <= MAX_SPLIT_HOST_BITS && pieces <= self.split_budget[fam];
            if split {
                self.split_budget[fam] -= pieces;
            }
            self.hits
                .add(Rule::RangeTooLarge, Severity::Error, Some(at), || {
                    Detail::TooLarge { net, split }
                });
            if !split {
                return;
            }
        } else if host > BROAD_HOST_BITS {
            self.hits
                .add(Rule::BroadRange, Severity::Warning, Some(at), || {
                    Detail::Broad { net }
                });
        }
        if !enabled {
            self.disabled += 1;
            self.hits.add(Rule::Disabled, Severity::Note, Some(at), || {
                Detail::Disabled { net }
            });
            return;
        }
        match net {
            IpNet::V4(n) => self
                .v4
                .push(Entry::new(u32::from(n.network()), n.prefix_len(), at)),
            IpNet::V6(n) => self
                .v6
                .push(Entry::new(u128::from(n.network()), n.prefix_len(), at)),
        }
    }

    /// Runs the set checks (duplicates, overlaps, merges), the IPv6 hint, and returns the
    /// report. O(n log n): one sort per family, then linear sweeps.
    pub fn finish(mut self) -> Report {
        let (pieces4, canon4) = set_checks(std::mem::take(&mut self.v4), false, &mut self.hits);
        let (pieces6, canon6) = set_checks(std::mem::take(&mut self.v6), true, &mut self.hits);
        // the IPv6 trap (observed in OpenSMTPD/OpenSMTPD#1076): only said when there is an IPv4 list to
        // compare with (an empty or broken list has its own findings).
        if self.opts.ipv6_egress && canon6.is_empty() && !canon4.is_empty() {
            let address = self.opts.ipv6_address;
            let seen = self.opts.ipv6_seen.clone();
            self.hits
                .add(Rule::NoIpv6Range, Severity::Warning, None, || {
                    Detail::NoIpv6 { address, seen }
                });
        }
        let mut hits = self.hits;
        hits.kept
            .sort_by_key(|h| (h.at.is_none(), h.at.unwrap_or_default(), h.rule));
        Report {
            sources: self.sources,
            entries: self.entries,
            disabled: self.disabled,
            hits,
            pieces4,
            pieces6,
            canon4,
            canon6,
        }
    }
}

/// The place of line `line` of `src`.
fn loc(src: SourceId, line: u64) -> Loc {
    Loc {
        src: src.0,
        line: u32::try_from(line).unwrap_or(u32::MAX),
    }
}

/// The result of a check: counts, findings (written on demand) and the canonical list.
#[derive(Debug)]
pub struct Report {
    sources: Vec<String>,
    entries: u64,
    disabled: u64,
    hits: Hits,
    pieces4: Vec<Entry<u32>>,
    pieces6: Vec<Entry<u128>>,
    canon4: Vec<Agg<u32>>,
    canon6: Vec<Agg<u128>>,
}

impl Report {
    /// Entries read: lines holding an entry (valid or not), `--range` values, relay.toml
    /// ranges. Blank and comment lines, and a CSV header, are not entries.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Entries marked disabled.
    pub fn disabled(&self) -> u64 {
        self.disabled
    }

    /// Findings of this severity, stored or not.
    pub fn count(&self, s: Severity) -> u64 {
        self.hits.per_severity[s as usize]
    }

    /// Whether any finding reaches `threshold`.
    pub fn reaches(&self, threshold: Severity) -> bool {
        [Severity::Note, Severity::Warning, Severity::Error]
            .into_iter()
            .any(|s| s >= threshold && self.count(s) > 0)
    }

    /// Rules with findings counted beyond [`MAX_FINDINGS_PER_RULE`], and how many.
    pub fn omitted(&self) -> impl Iterator<Item = (Rule, u64)> + '_ {
        Rule::ALL.into_iter().filter_map(|r| {
            let n = self.hits.per_rule[r.index()];
            (n > MAX_FINDINGS_PER_RULE as u64).then(|| (r, n - MAX_FINDINGS_PER_RULE as u64))
        })
    }

    /// The stored findings in input order, their messages written as they are taken.
    pub fn findings(&self) -> impl Iterator<Item = Finding> + '_ {
        self.hits.kept.iter().map(|h| self.write(h))
    }

    /// Ranges in the canonical list.
    pub fn canonical_len(&self) -> usize {
        self.canon4.len() + self.canon6.len()
    }

    /// The canonical list: every enabled, public entry the console can take, host bits
    /// cleared, too-large ones split, duplicates and contained ones dropped, siblings
    /// merged up to 65,536 addresses. IPv4 first, each family in address order.
    pub fn canonical(&self) -> impl Iterator<Item = IpNet> + '_ {
        let v4 = self.canon4.iter().map(Agg::range);
        let v6 = self.canon6.iter().map(Agg::range);
        v4.chain(v6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn check(opts: Options, list: &str) -> Report {
        let mut c = Checker::new(opts);
        let src = c.source("list");
        c.read_list(src, list.as_bytes()).unwrap();
        c.finish()
    }

    pub(super) fn run(list: &str) -> Report {
        check(Options::default(), list)
    }

    /// A finding's line, as the tests compare it.
    pub(crate) fn line(f: &Finding) -> Option<u64> {
        f.span.as_ref().map(|s| u64::from(s.line))
    }

    pub(super) fn rules(r: &Report) -> Vec<(&'static str, Option<u64>)> {
        r.findings()
            .map(|f| {
                let id = Rule::ALL.iter().map(|r| r.id()).find(|id| *id == f.rule);
                (id.unwrap_or("?"), line(&f))
            })
            .collect()
    }

    pub(super) fn canon(r: &Report) -> Vec<String> {
        r.canonical().map(|n| n.to_string()).collect()
    }

    #[test]
    fn each_rule_fires() {
        let cases: &[(&str, &str, &str, Severity)] = &[
            ("garbage", "not-an-ip\n", "syntax", Severity::Error),
            (
                "dash range",
                "203.0.114.0-203.0.114.9\n",
                "syntax",
                Severity::Error,
            ),
            ("zone id", "fe80::1%eth0\n", "syntax", Severity::Error),
            (
                "two on a line",
                "203.0.114.1 203.0.114.2\n",
                "syntax",
                Severity::Error,
            ),
            (
                "spaced slash",
                "203.0.114.0 / 28\n",
                "syntax",
                Severity::Error,
            ),
            (
                "spaced netmask",
                "203.0.114.0 255.255.255.0\n",
                "syntax",
                Severity::Error,
            ),
            (
                "control chars",
                "203.0.114.0\x01/28\n",
                "syntax",
                Severity::Error,
            ),
            (
                "long line",
                &"9".repeat(MAX_LINE_BYTES + 1),
                "line-too-long",
                Severity::Error,
            ),
            (
                "too large",
                "198.50.0.0/15\n",
                "range-too-large",
                Severity::Error,
            ),
            (
                "host bits",
                "203.0.114.5/28\n",
                "host-bits-set",
                Severity::Error,
            ),
            (
                "rfc 1918",
                "192.168.1.0/24\n",
                "not-public",
                Severity::Error,
            ),
            ("cgnat", "100.64.0.1\n", "not-public", Severity::Error),
            ("loopback", "127.0.0.1\n", "not-public", Severity::Error),
            ("link-local", "169.254.1.1\n", "not-public", Severity::Error),
            ("multicast", "224.0.0.1\n", "not-public", Severity::Error),
            ("unspecified", "0.0.0.0\n", "not-public", Severity::Error),
            ("ula", "fd00::1\n", "not-public", Severity::Error),
            (
                "ipv4-mapped",
                "::ffff:203.0.114.5\n",
                "not-public",
                Severity::Error,
            ),
            (
                "documentation",
                "203.0.113.0/28\n",
                "not-public",
                Severity::Warning,
            ),
            (
                "duplicate",
                "203.0.114.0/28\n203.0.114.0/28\n",
                "duplicate",
                Severity::Warning,
            ),
            (
                "overlap",
                "203.0.114.0/24\n203.0.114.16/28\n",
                "overlap",
                Severity::Warning,
            ),
            (
                "merge",
                "203.0.114.0/25\n203.0.114.128/25\n",
                "can-merge",
                Severity::Note,
            ),
            ("broad", "198.51.0.0/20\n", "broad-range", Severity::Warning),
            (
                "broad ipv6",
                "2001:4860::/112\n",
                "broad-range",
                Severity::Warning,
            ),
            (
                "disabled",
                "office,203.0.114.0/28,false\n",
                "disabled",
                Severity::Note,
            ),
        ];
        for (why, list, rule, sev) in cases {
            let r = run(list);
            let f: Vec<_> = r.findings().collect();
            assert!(
                f.iter().any(|f| f.rule == *rule && f.severity == *sev),
                "{why}: wanted {rule} ({sev:?}), got {f:#?}"
            );
            for f in &f {
                assert!(!f.message.contains('\n'), "{why}: one line: {}", f.message);
                assert!(f.message.len() < 400, "{why}: short: {}", f.message);
            }
        }
        let r = check(
            Options {
                ipv6_egress: true,
                ipv6_address: Some("2001:4860:1::25".parse().unwrap()),
                ipv6_seen: Some(
                    "IPv6 default route on eth0, global address 2001:4860:1::25".into(),
                ),
            },
            "203.0.114.0/28\n",
        );
        let f: Vec<_> = r.findings().collect();
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!((f[0].rule.as_ref(), line(&f[0])), ("no-ipv6-range", None));
        assert!(f[0].fix.contains("2001:4860:1::25/128"));
        assert!(
            f[0].message.starts_with(
                "this host has IPv6 egress (IPv6 default route on eth0, global address 2001:4860:1::25) but"
            ),
            "{}",
            f[0].message
        );
        let r = check(
            Options {
                ipv6_egress: true,
                ipv6_address: None,
                ipv6_seen: None,
            },
            "203.0.114.0/28\n2001:4860:1::25\n",
        );
        assert_eq!(r.findings().count(), 0, "an IPv6 range is listed");
    }

    #[test]
    fn clean_list_has_no_findings() {
        let r = run(
            "# office\n203.0.114.0/28 office # main\n\n2001:4860:1::/120 v6\n198.18.0.0/30 bench\n",
        );
        let f = rules(&r);
        assert_eq!(f, vec![("not-public", Some(5))], "benchmarking range only");
        assert_eq!(r.entries(), 3);
        assert_eq!(canon(&r), ["203.0.114.0/28", "2001:4860:1::/120"]);
    }

    #[test]
    fn values_from_several_sources() {
        let mut c = Checker::new(Options::default());
        let file = c.source("ranges.txt");
        c.read_list(file, &b"203.0.114.0/24\n"[..]).unwrap();
        let flags = c.source("--range");
        c.check_value(flags, 1, "203.0.114.0/24", true);
        c.check_value(flags, 2, "10.0.0.0/8", true);
        c.check_value(flags, 3, "203.0.114.9/32", false);
        let r = c.finish();
        let f: Vec<_> = r.findings().collect();
        assert_eq!(f[0].rule, "duplicate");
        assert_eq!(f[0].span.as_ref().map(|s| s.file.as_str()), Some("--range"));
        assert!(
            f[0].message.contains("(first on ranges.txt:1)"),
            "{}",
            f[0].message
        );
        assert_eq!(f[1].rule, "not-public");
        assert_eq!(f[2].rule, "disabled");
        assert_eq!(r.entries(), 4);
    }
}
