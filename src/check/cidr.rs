//! `check cidr`: the Admin console's IP-range list, checked entry by entry and then as a
//! set. Pure: reads bytes from any `BufRead` with a bounded line length, or takes values,
//! and returns a [`Report`] of compact findings whose messages are written only when asked
//! for. No files, no environment, no printing (the command does those).
//!
//! Facts: Google help 2956491, the SMTP relay service setting and its IP ranges (at most 65,536 addresses
//! per range, IPv4 /16 or IPv6 /112 or longer; use your public IP; keep ranges as small as
//! possible; three IPv6 spellings accepted) and observed in Ombi-app/Ombi#1442 and firebase/extensions#632 (the relay names the
//! address it sees; the IPv6 trap; private addresses registered from behind NAT).

use std::borrow::Cow;
use std::io::{self, BufRead};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::Serialize;

use super::Severity;
use crate::relay::console::{is_documentation, non_public_kind, parse_net, MAX_RANGE_ADDRESSES};

/// The longest line kept, in bytes. A range with a description fits many times over; the
/// rest of a longer line is skipped without being stored, so a 100 MB line costs 4 KiB.
pub const MAX_LINE_BYTES: usize = 4096;

/// The most bytes read from one list (file or stdin): 256 MiB. A list of 1,000,000 entries
/// (bench/cidr.sh) is about 18 MB, so this is some fourteen times that; an input that never
/// ends (`yes 203.0.113.0/24 | relayctl check cidr -`) stops here with an error instead of
/// growing without bound.
pub const MAX_INPUT_BYTES: u64 = 256 << 20;

/// Findings stored per rule. Counts stay exact; beyond this many, findings of that rule are
/// counted but not kept (a 100 MB file of garbage would otherwise hold millions of them).
pub const MAX_FINDINGS_PER_RULE: usize = 10_000;

/// Related locations listed per finding (a merge of a /16 from /32s involves 65,536 lines).
pub const MAX_RELATED: usize = 32;

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

/// Bytes of a bad entry kept to quote it in the message.
const MAX_QUOTED_BYTES: usize = 128;

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

    fn index(self) -> usize {
        self as usize
    }
}

/// Why a list could not be read at all (the command turns it into exit code 3).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The reader failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// A NUL byte: a binary file, not a list of ranges.
    #[error("line {line}: a NUL byte; this is a binary file, not a list of ranges")]
    Binary { line: u64 },
    /// A UTF-16 byte-order mark (a "Unicode text" export).
    #[error("UTF-16 text; save it as UTF-8 (iconv -f UTF-16 -t UTF-8)")]
    Utf16,
    /// More lines than line numbers are kept for.
    #[error("more than {} lines; not a list of ranges", u32::MAX)]
    TooManyLines,
    /// More than [`MAX_INPUT_BYTES`] (or the checker's own cap): an endless input.
    #[error(
        "more than {} ({} bytes), the most check cidr reads from one input; is this a list of ranges?",
        human_bytes(*max),
        thousands(u128::from(*max))
    )]
    TooLarge { max: u64 },
}

/// `256 MiB` for a whole number of MiB, else the bytes.
fn human_bytes(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} bytes")
    }
}

/// The bytes [`Checker::read_list`] reads from one input at most.
#[derive(Debug, Clone, Copy)]
struct InputCap(u64);

impl Default for InputCap {
    fn default() -> InputCap {
        InputCap(MAX_INPUT_BYTES)
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

/// One entry of the set checks: the network (host bits cleared) and where it was. 12 bytes
/// for IPv4, 32 for IPv6; the text and description are not kept.
#[derive(Debug, Clone, Copy)]
struct Entry<A> {
    net: A,
    line: u32,
    prefix: u8,
    src: u8,
}

impl<A> Entry<A> {
    fn loc(&self) -> Loc {
        Loc {
            src: self.src,
            line: self.line,
        }
    }
}

/// One range of the canonical list: a network and the run of pieces it covers.
#[derive(Debug, Clone, Copy)]
struct Agg<A> {
    net: A,
    prefix: u8,
    start: u32,
    end: u32,
}

/// IPv4 (`u32`) or IPv6 (`u128`) network bits, so the set checks are written once.
trait Bits: Copy + Ord + std::fmt::Debug {
    const WIDTH: u8;
    fn wide(self) -> u128;
    fn narrow(v: u128) -> Self;
    fn net(self, prefix: u8) -> IpNet;
}

impl Bits for u32 {
    const WIDTH: u8 = 32;
    fn wide(self) -> u128 {
        u128::from(self)
    }
    fn narrow(v: u128) -> u32 {
        // Callers pass values below 2^32 (IPv4 networks and their pieces).
        v as u32
    }
    fn net(self, prefix: u8) -> IpNet {
        IpNet::V4(Ipv4Net::new(Ipv4Addr::from(self), prefix).expect("IPv4 prefixes stay <= 32"))
        // infallible: the message says why
    }
}

impl Bits for u128 {
    const WIDTH: u8 = 128;
    fn wide(self) -> u128 {
        self
    }
    fn narrow(v: u128) -> u128 {
        v
    }
    fn net(self, prefix: u8) -> IpNet {
        IpNet::V6(Ipv6Net::new(Ipv6Addr::from(self), prefix).expect("IPv6 prefixes stay <= 128"))
        // infallible: the message says why
    }
}

/// Whether `a` and `b` agree on all bits above the lowest `host` bits.
fn same_block(a: u128, b: u128, host: u8) -> bool {
    host >= 128 || (a ^ b) >> host == 0
}

/// Why a line is not a range; the details are worked out again from the quoted text when
/// the message is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SyntaxKind {
    Range,
    SecondRange,
    SpacedSlash,
    SpacedNetmask,
    ControlChars,
    CsvFields(u32),
    CsvQuote,
    CsvEnabled,
}

/// The payload of a stored finding: just enough to write the message later.
#[derive(Debug, Clone)]
enum Detail {
    Syntax {
        text: Box<str>,
        cut: bool,
        kind: SyntaxKind,
    },
    LineTooLong {
        bytes: u64,
    },
    NotUtf8 {
        column: u32,
    },
    TooLarge {
        net: IpNet,
        split: bool,
    },
    HostBits {
        written: IpNet,
    },
    NotPublic {
        net: IpNet,
        kind: &'static str,
    },
    Duplicate {
        net: IpNet,
        first: Loc,
    },
    Overlap {
        inner: IpNet,
        outer: IpNet,
        outer_at: Loc,
    },
    Merge {
        parent: IpNet,
        v6: bool,
        start: u32,
        end: u32,
    },
    Broad {
        net: IpNet,
    },
    Disabled {
        net: IpNet,
    },
    NoIpv6 {
        address: Option<Ipv6Addr>,
        seen: Option<String>,
    },
}

#[derive(Debug, Clone)]
struct Hit {
    rule: Rule,
    severity: Severity,
    at: Option<Loc>,
    detail: Detail,
}

/// Stored findings with exact counts per rule and per severity.
#[derive(Debug, Default)]
struct Hits {
    kept: Vec<Hit>,
    per_rule: [u64; Rule::ALL.len()],
    per_severity: [u64; 3],
}

impl Hits {
    /// Counts a finding and keeps it while its rule is under the cap; `detail` is only
    /// built for kept findings.
    fn add(
        &mut self,
        rule: Rule,
        severity: Severity,
        at: Option<Loc>,
        detail: impl FnOnce() -> Detail,
    ) {
        let n = &mut self.per_rule[rule.index()];
        *n += 1;
        self.per_severity[severity as usize] += 1;
        if *n <= MAX_FINDINGS_PER_RULE as u64 {
            self.kept.push(Hit {
                rule,
                severity,
                at,
                detail: detail(),
            });
        }
    }
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
    pub fn read_list<R: BufRead>(&mut self, src: SourceId, mut input: R) -> Result<(), ReadError> {
        let mut layout = Layout::Unknown;
        let mut line_no: u64 = 0;
        let mut read: u64 = 0;
        let mut kept: Vec<u8> = Vec::new();
        let mut skipped: u64 = 0;
        let mut partial = false;
        loop {
            let chunk = match input.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            if chunk.is_empty() {
                if partial {
                    line_no += 1;
                    if line_no > u64::from(u32::MAX) {
                        return Err(ReadError::TooManyLines);
                    }
                    self.finish_line(src, line_no, &kept, skipped, &mut layout)?;
                }
                return Ok(());
            }
            if line_no == 0
                && !partial
                && (chunk.starts_with(b"\xff\xfe") || chunk.starts_with(b"\xfe\xff"))
            {
                return Err(ReadError::Utf16);
            }
            let (piece, used, ends) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (&chunk[..i], i + 1, true),
                None => (chunk, chunk.len(), false),
            };
            read += used as u64;
            if read > self.input_cap.0 {
                return Err(ReadError::TooLarge {
                    max: self.input_cap.0,
                });
            }
            if piece.contains(&0) {
                // Checked here, not when the line ends: a line of NULs may never end.
                return Err(ReadError::Binary { line: line_no + 1 });
            }
            if ends && !partial {
                // The whole line is in the buffer: no copy.
                line_no += 1;
                if line_no > u64::from(u32::MAX) {
                    return Err(ReadError::TooManyLines);
                }
                if piece.len() > MAX_LINE_BYTES {
                    self.long_line(src, line_no, piece.len() as u64);
                } else {
                    self.line(src, line_no, piece, &mut layout)?;
                }
            } else {
                let room = MAX_LINE_BYTES + 1 - kept.len().min(MAX_LINE_BYTES + 1);
                let take = room.min(piece.len());
                kept.extend_from_slice(&piece[..take]);
                skipped += (piece.len() - take) as u64;
                partial = true;
                if ends {
                    line_no += 1;
                    if line_no > u64::from(u32::MAX) {
                        return Err(ReadError::TooManyLines);
                    }
                    self.finish_line(src, line_no, &kept, skipped, &mut layout)?;
                    kept.clear();
                    skipped = 0;
                    partial = false;
                }
            }
            input.consume(used);
        }
    }

    fn finish_line(
        &mut self,
        src: SourceId,
        line_no: u64,
        kept: &[u8],
        skipped: u64,
        layout: &mut Layout,
    ) -> Result<(), ReadError> {
        let total = kept.len() as u64 + skipped;
        if total > MAX_LINE_BYTES as u64 {
            self.long_line(src, line_no, total);
            Ok(())
        } else {
            self.line(src, line_no, kept, layout)
        }
    }

    fn long_line(&mut self, src: SourceId, line_no: u64, bytes: u64) {
        self.hits.add(
            Rule::LineTooLong,
            Severity::Error,
            Some(loc(src, line_no)),
            || Detail::LineTooLong { bytes },
        );
    }

    /// One line of at most [`MAX_LINE_BYTES`] (plus its `\r`).
    fn line(
        &mut self,
        src: SourceId,
        line_no: u64,
        bytes: &[u8],
        layout: &mut Layout,
    ) -> Result<(), ReadError> {
        let mut bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        if line_no == 1 {
            bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        }
        // NUL bytes were refused by `read_list` as they came.
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
            return Ok(());
        }
        if text.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            self.entries += 1;
            self.syntax(at, text, SyntaxKind::ControlChars);
            return Ok(());
        }
        if *layout == Layout::Unknown {
            *layout = if looks_like_csv(text) {
                Layout::Csv
            } else {
                Layout::Lines
            };
            if *layout == Layout::Csv && is_csv_header(text) {
                return Ok(());
            }
        }
        match layout {
            Layout::Csv => self.csv_row(at, text),
            _ => self.list_line(at, text),
        }
        Ok(())
    }

    /// `CIDR [description]`, an inline `#` comment allowed.
    fn list_line(&mut self, at: Loc, text: &str) {
        let content = text.split('#').next().unwrap_or("").trim_end();
        if content.is_empty() {
            return;
        }
        self.entries += 1;
        let (token, rest) = split_token(content);
        if let Some(next) = rest.split_whitespace().next() {
            let kind = if next.starts_with('/') {
                Some(SyntaxKind::SpacedSlash)
            } else if token.parse::<Ipv4Addr>().is_ok() && mask_prefix(next).is_some() {
                Some(SyntaxKind::SpacedNetmask)
            } else if parse_net(next).is_ok() {
                Some(SyntaxKind::SecondRange)
            } else {
                None
            };
            if let Some(kind) = kind {
                self.syntax(at, content, kind);
                return;
            }
        }
        self.entry(at, token, true);
    }

    /// `description,range[,enabled]`.
    fn csv_row(&mut self, at: Loc, text: &str) {
        self.entries += 1;
        let fields = match csv_fields(text) {
            Ok(f) => f,
            Err(()) => return self.syntax(at, text, SyntaxKind::CsvQuote),
        };
        if !(2..=3).contains(&fields.len()) {
            let n = u32::try_from(fields.len()).unwrap_or(u32::MAX);
            return self.syntax(at, text, SyntaxKind::CsvFields(n));
        }
        let enabled = match fields.get(2) {
            None => true,
            Some(v) => match parse_enabled(v) {
                Some(b) => b,
                None => return self.syntax(at, v, SyntaxKind::CsvEnabled),
            },
        };
        self.entry(at, &fields[1], enabled);
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
            IpNet::V4(n) => self.v4.push(Entry {
                net: u32::from(n.network()),
                line: at.line,
                prefix: n.prefix_len(),
                src: at.src,
            }),
            IpNet::V6(n) => self.v6.push(Entry {
                net: u128::from(n.network()),
                line: at.line,
                prefix: n.prefix_len(),
                src: at.src,
            }),
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

fn loc(src: SourceId, line: u64) -> Loc {
    Loc {
        src: src.0,
        line: u32::try_from(line).unwrap_or(u32::MAX),
    }
}

/// At most [`MAX_QUOTED_BYTES`] of `text`, cut at a character boundary.
fn quoted(text: &str) -> (&str, bool) {
    if text.len() <= MAX_QUOTED_BYTES {
        return (text, false);
    }
    let mut end = MAX_QUOTED_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

/// The first whitespace-separated token and the rest.
fn split_token(s: &str) -> (&str, &str) {
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

/// A CSV line has 2 or 3 fields and does not start with a range (a list line may carry a
/// comma in its description; `203.0.113.1,203.0.113.2` is a list written on one line).
fn looks_like_csv(text: &str) -> bool {
    let head = text.split([',', ' ', '\t']).next().unwrap_or("");
    text.contains(',')
        && parse_net(head).is_err()
        && csv_fields(text).is_ok_and(|f| (2..=3).contains(&f.len()))
}

/// A header row: `description,range,enabled` and the like.
fn is_csv_header(text: &str) -> bool {
    let Ok(f) = csv_fields(text) else {
        return false;
    };
    let word = |i: usize| f.get(i).map(|s| s.to_ascii_lowercase()).unwrap_or_default();
    word(0) == "description"
        || matches!(
            word(1).as_str(),
            "range"
                | "ranges"
                | "cidr"
                | "ip"
                | "ip range"
                | "ip address"
                | "address"
                | "network"
                | "subnet"
        )
}

/// RFC 4180 fields of one line (quotes, `""` escapes; no line breaks inside quotes).
fn csv_fields(row: &str) -> Result<Vec<Cow<'_, str>>, ()> {
    let mut out = Vec::with_capacity(3);
    let mut rest = row;
    loop {
        let t = rest.trim_start_matches([' ', '\t']);
        if let Some(q) = t.strip_prefix('"') {
            let mut val = String::new();
            let mut i = 0;
            let end = loop {
                let j = q[i..].find('"').ok_or(())?;
                val.push_str(&q[i..i + j]);
                if q[i + j + 1..].starts_with('"') {
                    val.push('"');
                    i += j + 2;
                } else {
                    break i + j + 1;
                }
            };
            out.push(Cow::Owned(val.trim().to_owned()));
            let after = q[end..].trim_start_matches([' ', '\t']);
            if after.is_empty() {
                return Ok(out);
            }
            rest = after.strip_prefix(',').ok_or(())?;
        } else {
            match t.find(',') {
                Some(j) => {
                    out.push(Cow::Borrowed(t[..j].trim()));
                    rest = &t[j + 1..];
                }
                None => {
                    out.push(Cow::Borrowed(t.trim()));
                    return Ok(out);
                }
            }
        }
    }
}

fn parse_enabled(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "" | "true" | "yes" | "y" | "1" | "on" | "enabled" => Some(true),
        "false" | "no" | "n" | "0" | "off" | "disabled" => Some(false),
        _ => None,
    }
}

/// The prefix length a dotted IPv4 netmask (`255.255.255.0`) or inverse mask (`0.0.0.255`)
/// stands for, and whether it was inverse.
fn mask_prefix(s: &str) -> Option<(u8, bool)> {
    if !s.contains('.') {
        return None;
    }
    let m = u32::from(s.parse::<Ipv4Addr>().ok()?);
    if m.leading_ones() + m.trailing_zeros() == 32 {
        Some((m.leading_ones() as u8, false))
    } else if m.leading_zeros() + m.trailing_ones() == 32 {
        Some((m.leading_zeros() as u8, true))
    } else {
        None
    }
}

/// Set checks of one family: sort; one sweep for duplicates and containment (CIDR blocks
/// are either disjoint or nested, so "overlap" is always containment, and among sorted
/// disjoint survivors only the last one can contain the next entry); split too-large
/// survivors into console-sized pieces; one stack pass merging sibling pieces into their
/// parent while the parent holds at most 65,536 addresses. Returns the pieces and the
/// canonical list (each item naming its run of pieces).
fn set_checks<A: Bits>(
    mut entries: Vec<Entry<A>>,
    v6: bool,
    hits: &mut Hits,
) -> (Vec<Entry<A>>, Vec<Agg<A>>) {
    entries.sort_unstable_by(|a, b| {
        (a.net, a.prefix, a.src, a.line).cmp(&(b.net, b.prefix, b.src, b.line))
    });

    let mut kept = 0;
    let mut last: Option<Entry<A>> = None;
    for i in 0..entries.len() {
        let e = entries[i];
        if let Some(s) = last {
            if s.prefix <= e.prefix && same_block(s.net.wide(), e.net.wide(), A::WIDTH - s.prefix) {
                let at = Some(e.loc());
                if s.prefix == e.prefix {
                    hits.add(Rule::Duplicate, Severity::Warning, at, || {
                        Detail::Duplicate {
                            net: e.net.net(e.prefix),
                            first: s.loc(),
                        }
                    });
                } else {
                    hits.add(Rule::Overlap, Severity::Warning, at, || Detail::Overlap {
                        inner: e.net.net(e.prefix),
                        outer: s.net.net(s.prefix),
                        outer_at: s.loc(),
                    });
                }
                continue;
            }
        }
        entries[kept] = e;
        kept += 1;
        last = Some(e);
    }
    entries.truncate(kept);

    let min_prefix = A::WIDTH - MAX_HOST_BITS;
    let pieces = if entries.iter().all(|e| e.prefix >= min_prefix) {
        entries
    } else {
        let mut p = Vec::with_capacity(entries.len());
        for e in entries {
            if e.prefix >= min_prefix {
                p.push(e);
                continue;
            }
            let n = 1u128 << (min_prefix - e.prefix);
            for k in 0..n {
                p.push(Entry {
                    net: A::narrow(e.net.wide() + (k << MAX_HOST_BITS)),
                    prefix: min_prefix,
                    ..e
                });
            }
        }
        p
    };

    let mut stack: Vec<Agg<A>> = Vec::new();
    for (i, p) in pieces.iter().enumerate() {
        let i = u32::try_from(i).unwrap_or(u32::MAX);
        let mut cur = Agg {
            net: p.net,
            prefix: p.prefix,
            start: i,
            end: i.saturating_add(1),
        };
        while let Some(top) = stack.last() {
            let bit = 1u128 << (A::WIDTH - cur.prefix);
            let siblings = top.prefix == cur.prefix
                && cur.prefix > min_prefix
                && top.net.wide() & bit == 0
                && top.net.wide() | bit == cur.net.wide();
            if !siblings {
                break;
            }
            cur = Agg {
                net: top.net,
                prefix: cur.prefix - 1,
                start: top.start,
                end: cur.end,
            };
            stack.pop();
        }
        stack.push(cur);
    }
    for a in &stack {
        if a.end - a.start > 1 {
            let run = &pieces[a.start as usize..a.end as usize];
            let first = run.iter().map(Entry::loc).min();
            hits.add(Rule::CanMerge, Severity::Note, first, || Detail::Merge {
                parent: a.net.net(a.prefix),
                v6,
                start: a.start,
                end: a.end,
            });
        }
    }
    (pieces, stack)
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

/// A place in the input: its name and 1-based line (for `--range`, the position).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location<'a> {
    /// `ranges.txt`, `stdin`, `--range`, or the relay.toml path.
    pub source: &'a str,
    /// 1-based line.
    pub line: u64,
}

/// One finding, written out: what `--format json` shows and text mode prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CidrFinding<'a> {
    /// The rule's stable id.
    pub rule: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// The input the line is in (none for a finding about the whole list).
    pub source: Option<&'a str>,
    /// 1-based line.
    pub line: Option<u64>,
    /// The other entries involved (first copy, enclosing range, merge partners), at most
    /// [`MAX_RELATED`].
    pub related: Vec<Location<'a>>,
    /// How many more related entries there are.
    pub related_omitted: u64,
    /// What is wrong, one line.
    pub message: String,
    /// What to do, one line.
    pub fix: Option<String>,
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
    pub fn findings(&self) -> impl Iterator<Item = CidrFinding<'_>> + '_ {
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
        let v4 = self.canon4.iter().map(|a| a.net.net(a.prefix));
        let v6 = self.canon6.iter().map(|a| a.net.net(a.prefix));
        v4.chain(v6)
    }

    fn name(&self, l: Loc) -> &str {
        self.sources
            .get(usize::from(l.src))
            .map(String::as_str)
            .unwrap_or("input")
    }

    fn location(&self, l: Loc) -> Location<'_> {
        Location {
            source: self.name(l),
            line: u64::from(l.line),
        }
    }

    /// "line 7" within the same input, "relay.toml:7" across inputs.
    fn place(&self, here: Option<Loc>, there: Loc) -> String {
        match here {
            Some(h) if h.src == there.src => format!("line {}", there.line),
            _ => format!("{}:{}", self.name(there), there.line),
        }
    }

    fn write(&self, h: &Hit) -> CidrFinding<'_> {
        let mut related = Vec::new();
        let mut related_omitted = 0;
        let (message, fix) = match &h.detail {
            Detail::Syntax { text, cut, kind } => syntax_message(text, *cut, *kind),
            Detail::LineTooLong { bytes } => (
                format!(
                    "line is longer than {} bytes ({} bytes); not a range",
                    thousands(MAX_LINE_BYTES as u128),
                    thousands(u128::from(*bytes))
                ),
                Some("check that this is the list of ranges: one range per line".to_owned()),
            ),
            Detail::NotUtf8 { column } => (
                format!("line is not UTF-8 text (invalid byte at column {column}); read with the bad bytes replaced"),
                Some("save the list as UTF-8 text (iconv -f LATIN1 -t UTF-8)".to_owned()),
            ),
            Detail::TooLarge { net, split } => too_large_message(net, *split),
            Detail::HostBits { written } => {
                let net = written.trunc();
                (
                    format!("{written} has host bits set; its network is {net}"),
                    Some(format!(
                        "enter {net}, or {} alone if you meant that one address",
                        written.addr()
                    )),
                )
            }
            Detail::NotPublic { net, kind } => not_public_message(net, kind),
            Detail::Duplicate { net, first } => {
                related.push(self.location(*first));
                (
                    format!(
                        "{net} is listed twice (first on {})",
                        self.place(h.at, *first)
                    ),
                    Some("remove this entry".to_owned()),
                )
            }
            Detail::Overlap {
                inner,
                outer,
                outer_at,
            } => {
                related.push(self.location(*outer_at));
                let fix = if outer.max_prefix_len() - outer.prefix_len() > MAX_HOST_BITS {
                    format!("{outer} is too large for the console; keep this entry if you narrow that one, else remove it")
                } else {
                    format!("remove this entry: {outer} already covers it")
                };
                (
                    format!(
                        "{inner} lies inside {outer} ({})",
                        self.place(h.at, *outer_at)
                    ),
                    Some(fix),
                )
            }
            Detail::Merge {
                parent,
                v6,
                start,
                end,
            } => {
                let mut locs: Vec<Loc> = if *v6 {
                    self.pieces6[*start as usize..*end as usize]
                        .iter()
                        .map(Entry::loc)
                        .collect()
                } else {
                    self.pieces4[*start as usize..*end as usize]
                        .iter()
                        .map(Entry::loc)
                        .collect()
                };
                locs.sort_unstable();
                locs.dedup();
                let count = locs.len();
                let others: Vec<Loc> = locs.into_iter().filter(|l| Some(*l) != h.at).collect();
                related_omitted = others.len().saturating_sub(MAX_RELATED) as u64;
                related = others
                    .iter()
                    .take(MAX_RELATED)
                    .map(|l| self.location(*l))
                    .collect();
                let shown = &others[..others.len().min(MAX_RELATED)];
                let mut with: Vec<String> = if shown.iter().all(|l| Some(l.src) == h.at.map(|a| a.src)) {
                    let mut v: Vec<String> = shown.iter().map(|l| l.line.to_string()).collect();
                    if let Some(first) = v.first_mut() {
                        let word = if shown.len() + related_omitted as usize > 1 { "lines" } else { "line" };
                        *first = format!("{word} {first}");
                    }
                    v
                } else {
                    shown.iter().map(|l| self.place(h.at, *l)).collect()
                };
                if related_omitted > 0 {
                    with.push(format!("{} more", thousands(u128::from(related_omitted))));
                }
                (
                    format!(
                        "{count} entries make exactly {parent}: this one and {}",
                        with.join(", ")
                    ),
                    Some(format!("replace them with the one entry {parent}")),
                )
            }
            Detail::Broad { net } => (
                format!(
                    "{net} holds {} addresses; the console asks to keep ranges as small as possible",
                    addresses(net)
                ),
                Some(match net {
                    IpNet::V4(_) => "list only the addresses that send mail: one address is a /32, 16 are a /28",
                    IpNet::V6(_) => "list only the addresses that send mail: one address is a /128, 16 are a /124",
                }.to_owned()),
            ),
            Detail::Disabled { net } => (
                format!("{net} is disabled: left out of the duplicate, overlap and merge checks and of the canonical list"),
                None,
            ),
            Detail::NoIpv6 { address, seen } => {
                let what = match address {
                    Some(a) => format!("register {a} (as {a}/128, or its /112)"),
                    None => "register the host's public IPv6 address (a /128, or its /112)".to_owned(),
                };
                (
                    format!("this host has IPv6 egress{} but the list has no IPv6 range: mail that leaves over IPv6 is denied (\"Mail relay denied [<IPv6 address>]\")", seen.as_ref().map(|s| format!(" ({s})")).unwrap_or_default()),
                    Some(format!("{what}, or make the MTA send over IPv4 only (Postfix: inet_protocols = ipv4)")),
                )
            }
        };
        CidrFinding {
            rule: h.rule.id(),
            severity: h.severity,
            source: h.at.map(|l| self.name(l)),
            line: h.at.map(|l| u64::from(l.line)),
            related,
            related_omitted,
            message,
            fix,
        }
    }
}

/// A count with thousands separators: `1,234,567`.
pub fn thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The address count of `net`: `65,536`, or `2^64` when it is too long to read.
fn addresses(net: &IpNet) -> String {
    let host = u32::from(net.max_prefix_len() - net.prefix_len());
    if host > 32 {
        format!("2^{host}")
    } else {
        thousands(1u128 << host)
    }
}

fn too_large_message(net: &IpNet, split: bool) -> (String, Option<String>) {
    let message = format!(
        "{net} holds {} addresses; the console accepts at most 65,536 per range (IPv4 /16 or longer, IPv6 /112 or longer)",
        addresses(net)
    );
    let host = net.max_prefix_len() - net.prefix_len();
    let piece_prefix = net.max_prefix_len() - MAX_HOST_BITS;
    let fix = if split {
        let n = 1u128 << (host - MAX_HOST_BITS);
        let pieces: Vec<IpNet> = net
            .subnets(piece_prefix)
            .map(|s| s.take(4).collect())
            .unwrap_or_default();
        let list = |v: &[IpNet]| v.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        if n <= 4 {
            format!("split it into {n} entries: {}", list(&pieces).join(", "))
        } else {
            let last = net
                .subnets(piece_prefix)
                .ok()
                .and_then(|mut s| s.nth((n - 1) as usize))
                .map(|p| p.to_string())
                .unwrap_or_default();
            format!(
                "split it into {n} /{piece_prefix} entries ({} ... {last}; the canonical list has them all), or better list only the addresses that send mail",
                list(&pieces[..pieces.len().min(2)]).join(", ")
            )
        }
    } else if net.max_prefix_len() == 128 {
        "list only the addresses that send mail: the server's own /128, or a /112 at most"
            .to_owned()
    } else {
        "list only the addresses that send mail, in ranges of at most a /16 (a single server is a /32)".to_owned()
    };
    (message, Some(fix))
}

fn not_public_message(net: &IpNet, kind: &str) -> (String, Option<String>) {
    if is_documentation(net) {
        return (
            format!("{net} is {kind}: fine in examples, never the address of a real sender"),
            Some("replace it with your server's public address".to_owned()),
        );
    }
    let message = format!("{net} is {kind}; Google sees your public address, never this one");
    // The relay names the address it sees (observed in Ombi-app/Ombi#1442), in the denial and in the
    // EHLO greeting.
    let fix = match net {
        IpNet::V6(n) if n.prefix_len() >= 96 && n.network().to_ipv4_mapped().is_some() => {
            let v4 = n.network().to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED);
            let p = n.prefix_len() - 96;
            let v4net = Ipv4Net::new(v4, p).map(|n| n.to_string()).unwrap_or_default();
            format!("register {v4net} instead")
        }
        _ => "register the public address your server sends from: the relay names it in \"Mail relay denied [IP]\" and in its EHLO greeting \"at your service, [IP]\"".to_owned(),
    };
    (message, Some(fix))
}

/// Message and fix of a syntax finding, with a hint for the usual mistakes.
fn syntax_message(text: &str, cut: bool, kind: SyntaxKind) -> (String, Option<String>) {
    let shown = if cut {
        format!("{text:?}...")
    } else {
        format!("{text:?}")
    };
    let one_per_line = "put one range per line (text after the range is its description)";
    let csv = "write description,range,enabled; quote a description that holds a comma";
    match kind {
        SyntaxKind::SecondRange => {
            let mut t = text.split_whitespace();
            let (a, b) = (t.next().unwrap_or(""), t.next().unwrap_or(""));
            (
                format!("line holds two ranges, {a:?} and {b:?}"),
                Some(one_per_line.to_owned()),
            )
        }
        SyntaxKind::SpacedSlash => {
            let t: Vec<&str> = text.split_whitespace().collect();
            let joined = match t.as_slice() {
                [a, "/", p, ..] => format!("{a}/{p}"),
                [a, p, ..] => format!("{a}{p}"),
                _ => text.to_owned(),
            };
            (
                format!("{shown} has a space around \"/\""),
                Some(format!("write {joined}")),
            )
        }
        SyntaxKind::SpacedNetmask => {
            let mut t = text.split_whitespace();
            let (a, m) = (t.next().unwrap_or(""), t.next().unwrap_or(""));
            let p = mask_prefix(m).map(|(p, _)| p).unwrap_or(32);
            (
                format!("{shown} gives a netmask after the address"),
                Some(format!("write {a}/{p} (the console takes CIDR prefixes)")),
            )
        }
        SyntaxKind::ControlChars => (
            format!("{shown} has control characters; is this a binary file?"),
            Some(
                "check that this is the list of ranges: UTF-8 text, one range per line".to_owned(),
            ),
        ),
        SyntaxKind::CsvFields(n) => (
            format!("CSV row has {n} fields; expected description,range,enabled"),
            Some(csv.to_owned()),
        ),
        SyntaxKind::CsvQuote => (
            "CSV row has an unterminated or misplaced quote".to_owned(),
            Some(csv.to_owned()),
        ),
        SyntaxKind::CsvEnabled => (
            format!("enabled is {shown}; expected true or false"),
            Some("write true or false (empty means true)".to_owned()),
        ),
        SyntaxKind::Range => {
            let (hint, fix) = range_hint(text);
            (
                format!("{shown} is not an IP address or CIDR range{hint}"),
                Some(fix.unwrap_or_else(|| {
                    "write an address (203.0.113.7, 2001:db8::7) or a CIDR block (203.0.113.0/28, 2001:db8::/112)".to_owned()
                })),
            )
        }
    }
}

/// A hint for the message and a fix for the common ways of writing a range wrong.
fn range_hint(text: &str) -> (String, Option<String>) {
    if let Some((addr, zone)) = text.split_once('%') {
        return (
            " (it has a zone id)".to_owned(),
            Some(format!(
                "remove %{zone}; a zone id marks a link-local address like {addr}, which Google never sees: register your public address"
            )),
        );
    }
    if text.starts_with('[') {
        let bare = text.replace(['[', ']'], "");
        if let Ok(n) = parse_net(&bare) {
            return (
                " (it has brackets)".to_owned(),
                Some(format!("remove the brackets: {n}")),
            );
        }
    }
    if let Some((a, b)) = text.split_once('-') {
        if let (Ok(a), Ok(b)) = (a.trim().parse::<IpAddr>(), b.trim().parse::<IpAddr>()) {
            return (" (a start-end range)".to_owned(), Some(dash_fix(a, b)));
        }
    }
    if text.ends_with([',', ';']) || text.contains([',', ';']) {
        return (
            " (a list on one line?)".to_owned(),
            Some("put one range per line".to_owned()),
        );
    }
    if text.contains('*') {
        let parts: Vec<&str> = text.split('.').collect();
        let stars = parts.iter().rev().take_while(|p| **p == "*").count();
        if parts.len() == 4
            && stars > 0
            && parts[..4 - stars].iter().all(|p| p.parse::<u8>().is_ok())
        {
            let mut octets: Vec<&str> = parts[..4 - stars].to_vec();
            octets.resize(4, "0");
            return (
                " (a wildcard)".to_owned(),
                Some(format!("write {}/{}", octets.join("."), 8 * (4 - stars))),
            );
        }
    }
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    if let Some(p) = prefix {
        if let Some((len, inverse)) = mask_prefix(p) {
            let what = if inverse {
                "an inverse mask"
            } else {
                "a netmask"
            };
            return (
                format!(" ({what} instead of a prefix length)"),
                Some(format!("write {addr}/{len}")),
            );
        }
        let max = if addr.contains(':') { 128 } else { 32 };
        if p.is_empty() {
            return (
                " (no prefix length after /)".to_owned(),
                Some(format!(
                    "write {addr}/{max} for one address, or the block's prefix length"
                )),
            );
        }
        if p.parse::<u32>().is_ok_and(|n| n > max) {
            return (
                format!(" (/{p} is longer than {max} bits)"),
                Some(format!(
                    "use a prefix length of at most {max} ({max} for one address)"
                )),
            );
        }
    }
    if addr.contains('.') && !addr.contains(':') {
        let octets: Vec<&str> = addr.split('.').collect();
        let numeric = octets
            .iter()
            .all(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit()));
        if numeric && octets.len() == 4 && octets.iter().any(|o| o.len() > 1 && o.starts_with('0'))
        {
            let clean: Vec<String> = octets
                .iter()
                .map(|o| o.trim_start_matches('0'))
                .map(|o| {
                    if o.is_empty() {
                        "0".to_owned()
                    } else {
                        o.to_owned()
                    }
                })
                .collect();
            let suffix = prefix.map(|p| format!("/{p}")).unwrap_or_default();
            return (
                " (an octet has a leading zero, which some tools read as octal)".to_owned(),
                Some(format!("write {}{suffix}", clean.join("."))),
            );
        }
        if numeric
            && (1..4).contains(&octets.len())
            && octets.iter().all(|o| o.parse::<u8>().is_ok())
        {
            let mut full: Vec<&str> = octets.clone();
            full.resize(4, "0");
            let suffix = prefix.map(|p| format!("/{p}")).unwrap_or_default();
            return (
                " (fewer than four octets)".to_owned(),
                Some(format!("write all four: {}{suffix}", full.join("."))),
            );
        }
    }
    (String::new(), None)
}

/// The fix for `a-b`: the CIDR blocks that cover exactly that range.
fn dash_fix(a: IpAddr, b: IpAddr) -> String {
    let (start, end, width) = match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return "enter CIDR blocks; the two ends are not of the same family".to_owned(),
    };
    if start > end {
        return "enter CIDR blocks; the start is after the end".to_owned();
    }
    let blocks = cover(start, end, width);
    let show: Vec<String> = blocks
        .iter()
        .take(8)
        .map(|&(n, p)| {
            if width == 32 {
                Bits::net(n as u32, p).to_string()
            } else {
                Bits::net(n, p).to_string()
            }
        })
        .collect();
    if blocks.len() <= 8 {
        format!("enter {}", show.join(", "))
    } else {
        format!(
            "enter these {} CIDR blocks: {} ...; or better, only the addresses that send mail",
            blocks.len(),
            show.join(", ")
        )
    }
}

/// The fewest CIDR blocks covering `start..=end` (at most 2 x `width`).
fn cover(mut start: u128, end: u128, width: u8) -> Vec<(u128, u8)> {
    let mut out = Vec::new();
    loop {
        let span = end - start;
        let fits = if span == u128::MAX {
            128
        } else {
            127 - (span + 1).leading_zeros() as u8
        };
        let aligned = (start.trailing_zeros() as u8).min(width);
        let host = fits.min(aligned);
        out.push((start, width - host));
        if host >= 128 {
            return out;
        }
        let next = start + ((1u128 << host) - 1);
        if next >= end {
            return out;
        }
        start = next + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(opts: Options, list: &str) -> Report {
        let mut c = Checker::new(opts);
        let src = c.source("list");
        c.read_list(src, list.as_bytes()).unwrap();
        c.finish()
    }

    fn run(list: &str) -> Report {
        check(Options::default(), list)
    }

    /// An endless input: `line` over and over, as `yes LINE` writes it.
    struct Yes {
        line: &'static [u8],
        at: usize,
    }

    impl io::Read for Yes {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            for b in buf.iter_mut() {
                *b = self.line[self.at];
                self.at = (self.at + 1) % self.line.len();
            }
            Ok(buf.len())
        }
    }

    fn read_endless(line: &'static [u8], cap: u64) -> Result<(), ReadError> {
        let mut c = Checker::new(Options::default());
        c.input_cap = InputCap(cap);
        let src = c.source("stdin");
        c.read_list(src, io::BufReader::new(Yes { line, at: 0 }))
    }

    #[test]
    fn nul_bytes_stop_the_read_at_once_even_in_an_endless_line() {
        // /dev/zero: one line of NULs that never ends. Before, the NUL check waited for
        // the end of the line and the read ran for ever; the cap is set far beyond what
        // the test could read, so only the NUL check can end it.
        let e = read_endless(b"\0", u64::MAX).unwrap_err();
        assert!(matches!(e, ReadError::Binary { line: 1 }), "{e:?}");
        // A NUL after a long run of text in the same line, and in a long line that ends.
        let mut c = Checker::new(Options::default());
        let src = c.source("list");
        let mut list = b"203.0.114.0/28\n".to_vec();
        list.extend(std::iter::repeat_n(b'x', 3 * MAX_LINE_BYTES));
        list.extend(b"\0\n203.0.114.16/28\n");
        let e = c.read_list(src, &list[..]).unwrap_err();
        assert!(matches!(e, ReadError::Binary { line: 2 }), "{e:?}");
        let e = read_endless(b"203.0.114.0/28\n\0", u64::MAX).unwrap_err();
        assert!(matches!(e, ReadError::Binary { line: 2 }), "{e:?}");
    }

    #[test]
    fn an_endless_input_is_cut_at_the_cap() {
        for line in [&b"203.0.113.0/24\n"[..], b"\n", b"x"] {
            let e = read_endless(line, 1 << 20).unwrap_err();
            assert!(
                matches!(e, ReadError::TooLarge { max } if max == 1 << 20),
                "{e:?}"
            );
        }
        assert_eq!(
            ReadError::TooLarge { max: MAX_INPUT_BYTES }.to_string(),
            "more than 256 MiB (268,435,456 bytes), the most check cidr reads from one input; is this a list of ranges?"
        );
        // An input of exactly the cap is read whole.
        let mut c = Checker::new(Options::default());
        c.input_cap = InputCap(15 * 1000);
        let src = c.source("list");
        let list = b"203.0.114.0/28\n".repeat(1000);
        c.read_list(src, &list[..]).unwrap();
        assert_eq!(c.finish().entries(), 1000);
    }

    fn rules(r: &Report) -> Vec<(&'static str, Option<u64>)> {
        r.findings().map(|f| (f.rule, f.line)).collect()
    }

    fn canon(r: &Report) -> Vec<String> {
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
        assert_eq!((f[0].rule, f[0].line), ("no-ipv6-range", None));
        assert!(f[0].fix.as_deref().unwrap().contains("2001:4860:1::25/128"));
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
        let f: Vec<_> = r.findings().map(|f| (f.rule, f.line)).collect();
        assert_eq!(f, vec![("not-public", Some(5))], "benchmarking range only");
        assert_eq!(r.entries(), 3);
        assert_eq!(canon(&r), ["203.0.114.0/28", "2001:4860:1::/120"]);
    }

    #[test]
    fn three_ipv6_spellings_are_one_range() {
        let r = run("1050:0000:0000:0000:0005:0600:300c:326b\n1050:0:0:0:5:600:300c:326b\n1050::5:600:300c:326b\n");
        assert_eq!(canon(&r), ["1050::5:600:300c:326b/128"]);
        let f: Vec<_> = r.findings().collect();
        assert_eq!(
            f.iter().map(|f| (f.rule, f.line)).collect::<Vec<_>>(),
            [("duplicate", Some(2)), ("duplicate", Some(3))]
        );
        assert!(
            f[0].message
                .contains("1050::5:600:300c:326b/128 is listed twice (first on line 1)"),
            "{}",
            f[0].message
        );
        assert_eq!(f[1].related[0].line, 1);
    }

    #[test]
    fn splits_and_merges_respect_the_console_limit() {
        let r = run("198.50.0.0/15\n");
        assert_eq!(
            canon(&r),
            ["198.50.0.0/16", "198.51.0.0/16"],
            "a /15 is two /16, never merged back"
        );
        let f = r.findings().next().unwrap();
        assert!(f.fix.unwrap().contains("198.50.0.0/16, 198.51.0.0/16"));

        let r = run("198.50.0.0/16\n198.51.0.0/16\n");
        assert_eq!(canon(&r), ["198.50.0.0/16", "198.51.0.0/16"], "no /15");
        assert_eq!(
            rules(&r),
            [("broad-range", Some(1)), ("broad-range", Some(2))]
        );

        let r = run("2001:4860::/112\n2001:4860::1:0/112\n");
        assert_eq!(r.canonical_len(), 2, "no /111");

        let r = run("198.51.101.0/26\n198.51.101.64/26\n198.51.101.128/26\n198.51.101.192/26\n");
        assert_eq!(canon(&r), ["198.51.101.0/24"], "four /26 are one /24");
        let f: Vec<_> = r.findings().collect();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, "can-merge");
        assert_eq!(f[0].line, Some(1));
        assert_eq!(
            f[0].related.iter().map(|l| l.line).collect::<Vec<_>>(),
            [2, 3, 4]
        );
        assert!(
            f[0].message
                .contains("4 entries make exactly 198.51.101.0/24"),
            "{}",
            f[0].message
        );

        // Uneven pieces cascade: a /25 then two /26.
        let r = run("198.51.101.192/26\n198.51.101.0/25\n198.51.101.128/26\n");
        assert_eq!(canon(&r), ["198.51.101.0/24"]);

        // Many /32s up to a full /16: merged to /16, never beyond.
        let mut list = String::new();
        for a in 0..=255u32 {
            for b in 0..=255u32 {
                list.push_str(&format!("198.51.{a}.{b}\n"));
            }
        }
        list.push_str("198.50.255.255\n");
        let r = run(&list);
        assert_eq!(canon(&r), ["198.50.255.255/32", "198.51.0.0/16"]);
        let merge = r.findings().find(|f| f.rule == "can-merge").unwrap();
        assert_eq!(merge.related.len(), MAX_RELATED);
        assert_eq!(merge.related_omitted, 65_535 - MAX_RELATED as u64);
    }

    #[test]
    fn overlap_names_both_lines() {
        let r = run("198.51.101.0/24\n198.51.101.16/28 printer\n203.0.114.0/28\n203.0.114.0/28\n");
        let f: Vec<_> = r.findings().collect();
        assert_eq!(f[0].rule, "overlap");
        assert_eq!(f[0].line, Some(2));
        assert_eq!(
            f[0].related,
            [Location {
                source: "list",
                line: 1
            }]
        );
        assert!(
            f[0].message
                .contains("198.51.101.16/28 lies inside 198.51.101.0/24 (line 1)"),
            "{}",
            f[0].message
        );
        assert_eq!(f[1].rule, "duplicate");
        assert_eq!(f[1].line, Some(4));
        assert_eq!(f[1].related[0].line, 3);
        assert_eq!(canon(&r), ["198.51.101.0/24", "203.0.114.0/28"]);
    }

    #[test]
    fn fixes_say_what_to_write() {
        let cases: &[(&str, &str, &str)] = &[
            ("dash", "203.0.114.0-203.0.114.255", "enter 203.0.114.0/24"),
            (
                "uneven dash",
                "203.0.114.1-203.0.114.6",
                "enter 203.0.114.1/32, 203.0.114.2/31, 203.0.114.4/31, 203.0.114.6/32",
            ),
            (
                "ipv6 dash",
                "2001:4860::-2001:4860::ffff",
                "enter 2001:4860::/112",
            ),
            ("zone", "fe80::1%eth0", "remove %eth0"),
            (
                "netmask",
                "203.0.114.0/255.255.255.0",
                "write 203.0.114.0/24",
            ),
            (
                "inverse mask",
                "203.0.114.0/0.0.0.255",
                "write 203.0.114.0/24",
            ),
            (
                "spaced netmask",
                "203.0.114.0 255.255.255.240",
                "write 203.0.114.0/28",
            ),
            ("wildcard", "203.0.114.*", "write 203.0.114.0/24"),
            ("leading zero", "010.001.002.000/24", "write 10.1.2.0/24"),
            ("short", "203.0.114/24", "write all four: 203.0.114.0/24"),
            ("long prefix", "203.0.114.0/33", "at most 32"),
            (
                "brackets",
                "[2001:4860::1]",
                "remove the brackets: 2001:4860::1/128",
            ),
            ("list", "203.0.114.1,203.0.114.2", "one range per line"),
            ("spaced slash", "203.0.114.0 / 28", "write 203.0.114.0/28"),
            (
                "host bits",
                "203.0.114.5/28",
                "enter 203.0.114.0/28, or 203.0.114.5 alone",
            ),
            (
                "mapped",
                "::ffff:203.0.114.5",
                "register 203.0.114.5/32 instead",
            ),
            (
                "split many",
                "198.48.0.0/12",
                "split it into 16 /16 entries (198.48.0.0/16, 198.49.0.0/16 ... 198.63.0.0/16",
            ),
            ("huge", "8.0.0.0/6", "only the addresses that send mail"),
            ("ipv6 /64", "2001:4860::/64", "/128"),
        ];
        for (why, line, want) in cases {
            let r = run(&format!("{line}\n"));
            let fixes: Vec<String> = r.findings().filter_map(|f| f.fix).collect();
            assert!(
                fixes.iter().any(|f| f.contains(want)),
                "{why}: wanted {want:?} in {fixes:#?}"
            );
        }
    }

    #[test]
    fn csv_layout() {
        let r = run("\u{feff}description,range,enabled\r\nOffice,203.0.114.0/28,true\r\n\"Lab, 2nd floor\",198.51.101.0/28,\r\n\"old\",198.51.101.0/28,FALSE\r\nweird,203.0.114.64/28,maybe\r\nshort\r\n");
        assert_eq!(r.entries(), 5);
        assert_eq!(r.disabled(), 1);
        assert_eq!(
            rules(&r),
            [
                ("disabled", Some(4)),
                ("syntax", Some(5)),
                ("syntax", Some(6))
            ]
        );
        assert_eq!(canon(&r), ["198.51.101.0/28", "203.0.114.0/28"]);
        // Without a header; two fields.
        let r = run("Office,203.0.114.0/28\n");
        assert_eq!(canon(&r), ["203.0.114.0/28"]);
        // A list line whose description has commas stays a list line.
        let r = run("203.0.114.0/28 office, floor 2, room 3\n");
        assert_eq!(rules(&r), []);
    }

    #[test]
    fn bad_bytes_are_findings_or_one_clear_error() {
        let mut c = Checker::new(Options::default());
        let src = c.source("list");
        let mut input = b"203.0.114.0/28\n\xff\xfe garbage\n".to_vec();
        input.extend(vec![b'x'; 1 << 20]);
        input.extend(b"\n198.51.101.7\n198.51.101.9 B\xfcro (Latin-1)\nno newline at the end");
        c.read_list(src, &input[..]).unwrap();
        let r = c.finish();
        assert_eq!(
            rules(&r),
            [
                ("not-utf8", Some(2)),
                ("syntax", Some(2)),
                ("line-too-long", Some(3)),
                ("not-utf8", Some(5)),
                ("syntax", Some(6))
            ]
        );
        let f: Vec<_> = r.findings().collect();
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(f[2].message.contains("1,048,576 bytes"), "{}", f[2].message);
        assert_eq!(
            canon(&r),
            ["198.51.101.7/32", "198.51.101.9/32", "203.0.114.0/28"],
            "the Latin-1 line's range is checked"
        );

        let mut c = Checker::new(Options::default());
        let src = c.source("list");
        let e = c
            .read_list(src, &b"203.0.114.0/28\n\x7fELF\x02\x01\x01\x00\x00"[..])
            .unwrap_err();
        assert!(matches!(e, ReadError::Binary { line: 2 }), "{e}");
        let e = c
            .read_list(src, &b"\xff\xfe2\x000\x003\x00"[..])
            .unwrap_err();
        assert!(matches!(e, ReadError::Utf16), "{e}");
    }

    #[test]
    fn long_lines_across_reads_are_bounded() {
        // A reader that hands out 7 bytes at a time: lines span many fill_buf calls.
        let mut data = b"203.0.114.0/28\n".to_vec();
        data.extend(vec![b'1'; MAX_LINE_BYTES * 3]);
        data.extend(b"\n198.51.101.7\n");
        data.extend(vec![b'2'; MAX_LINE_BYTES]);
        data.extend(b"\n");
        let reader = io::BufReader::with_capacity(7, &data[..]);
        let mut c = Checker::new(Options::default());
        let src = c.source("list");
        c.read_list(src, reader).unwrap();
        let r = c.finish();
        assert_eq!(
            rules(&r),
            [("line-too-long", Some(2)), ("syntax", Some(4))],
            "a line of exactly MAX_LINE_BYTES is read"
        );
        assert_eq!(r.canonical_len(), 2);
    }

    #[test]
    fn findings_are_capped_counts_are_not() {
        let list = "garbage\n".repeat(MAX_FINDINGS_PER_RULE + 5);
        let r = run(&list);
        assert_eq!(r.findings().count(), MAX_FINDINGS_PER_RULE);
        assert_eq!(r.count(Severity::Error), MAX_FINDINGS_PER_RULE as u64 + 5);
        assert_eq!(r.omitted().collect::<Vec<_>>(), [(Rule::Syntax, 5)]);
        assert!(r.reaches(Severity::Error));
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
        assert_eq!(f[0].source, Some("--range"));
        assert!(
            f[0].message.contains("(first on ranges.txt:1)"),
            "{}",
            f[0].message
        );
        assert_eq!(f[1].rule, "not-public");
        assert_eq!(f[2].rule, "disabled");
        assert_eq!(r.entries(), 4);
    }

    #[test]
    fn cover_is_exact() {
        assert_eq!(cover(0, u128::MAX, 128), [(0, 0)]);
        assert_eq!(cover(0, u128::from(u32::MAX), 32), [(0, 0)]);
        assert_eq!(cover(5, 5, 32), [(5, 32)]);
        assert_eq!(cover(u128::MAX, u128::MAX, 128), [(u128::MAX, 128)]);
        let c = cover(1, 254, 32);
        assert_eq!(c.len(), 14);
    }

    #[test]
    fn thousands_groups() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(65_536), "65,536");
        assert_eq!(thousands(1_048_576), "1,048,576");
    }
}
