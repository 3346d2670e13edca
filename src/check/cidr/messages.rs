//! The words of `check cidr`: each stored finding written out as one line of message and
//! one of fix, with the hints for the usual ways of writing a range wrong (a start-end
//! range, a netmask, a wildcard, a zone id, brackets, leading zeros), and the number
//! formats they use. Nothing here decides what is wrong; it only says it.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};

use super::aggregate::{Bits, Entry};
use super::findings::{Detail, Hit, SyntaxKind};
use super::parse::{cover, mask_prefix};
use super::{Loc, Report, MAX_HOST_BITS, MAX_LINE_BYTES};
use crate::finding::{Finding, Span};
use crate::relay::console::{is_documentation, parse_net};

/// Related locations listed per finding (a merge of a /16 from /32s involves 65,536 lines).
pub const MAX_RELATED: usize = 32;

impl Report {
    fn name(&self, l: Loc) -> &str {
        self.sources
            .get(usize::from(l.src))
            .map(String::as_str)
            .unwrap_or("input")
    }

    fn location(&self, l: Loc) -> Span {
        Span::new(self.name(l), l.line, 0)
    }

    /// "line 7" within the same input, "relay.toml:7" across inputs.
    fn place(&self, here: Option<Loc>, there: Loc) -> String {
        match here {
            Some(h) if h.src == there.src => format!("line {}", there.line),
            _ => format!("{}:{}", self.name(there), there.line),
        }
    }

    /// The finding `h` with its message and fix written.
    pub(super) fn write(&self, h: &Hit) -> Finding {
        let mut related = Vec::new();
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
                let related_omitted = others.len().saturating_sub(MAX_RELATED) as u64;
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
        Finding::new(h.rule.id(), h.severity, message)
            .at(h.at.map(|l| self.location(l)))
            .related(related)
            .fix(fix.unwrap_or_default())
            .fact(h.rule.fact())
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

/// `256 MiB` for a whole number of MiB, else the bytes.
pub(super) fn human_bytes(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} bytes")
    }
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

#[cfg(test)]
mod tests {
    use super::super::tests::run;
    use super::*;

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
            let fixes: Vec<String> = r
                .findings()
                .map(|f| f.fix)
                .filter(|x| !x.is_empty())
                .collect();
            assert!(
                fixes.iter().any(|f| f.contains(want)),
                "{why}: wanted {want:?} in {fixes:#?}"
            );
        }
    }

    #[test]
    fn thousands_groups() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(65_536), "65,536");
        assert_eq!(thousands(1_048_576), "1,048,576");
    }
}
