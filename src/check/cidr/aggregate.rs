//! The set checks of `check cidr`, per address family: entries sorted once, then linear
//! sweeps for duplicates and containment (overlap), console-sized pieces of the too-large
//! ranges, and sibling merges into the canonical list (adjacent blocks that make exactly one
//! block the console accepts). Networks are kept as bare bits (`u32`, `u128`) with their
//! place, so a million entries fit in a few tens of megabytes.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::findings::{Detail, Hits};
use super::{Loc, Rule, Severity, MAX_HOST_BITS};

/// One entry of the set checks: the network (host bits cleared) and where it was. 12 bytes
/// for IPv4, 32 for IPv6; the text and description are not kept.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry<A> {
    net: A,
    line: u32,
    prefix: u8,
    src: u8,
}

impl<A> Entry<A> {
    /// The entry of the network `net`/`prefix` (host bits cleared) found at `at`.
    pub(super) fn new(net: A, prefix: u8, at: Loc) -> Entry<A> {
        Entry {
            net,
            line: at.line,
            prefix,
            src: at.src,
        }
    }

    pub(super) fn loc(&self) -> Loc {
        Loc {
            src: self.src,
            line: self.line,
        }
    }
}

/// One range of the canonical list: a network and the run of pieces it covers.
#[derive(Debug, Clone, Copy)]
pub(super) struct Agg<A> {
    net: A,
    prefix: u8,
    start: u32,
    end: u32,
}

impl<A: Bits> Agg<A> {
    /// The range this item of the canonical list stands for.
    pub(super) fn range(&self) -> IpNet {
        self.net.net(self.prefix)
    }
}

/// IPv4 (`u32`) or IPv6 (`u128`) network bits, so the set checks are written once.
pub(super) trait Bits: Copy + Ord + std::fmt::Debug {
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

/// Set checks of one family: sort; one sweep for duplicates and containment (CIDR blocks
/// are either disjoint or nested, so "overlap" is always containment, and among sorted
/// disjoint survivors only the last one can contain the next entry); split too-large
/// survivors into console-sized pieces; one stack pass merging sibling pieces into their
/// parent while the parent holds at most 65,536 addresses. Returns the pieces and the
/// canonical list (each item naming its run of pieces).
pub(super) fn set_checks<A: Bits>(
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

#[cfg(test)]
mod tests {
    use super::super::tests::line;
    use super::super::tests::{canon, rules, run};
    use super::super::MAX_RELATED;
    use crate::finding::Span;

    #[test]
    fn three_ipv6_spellings_are_one_range() {
        let r = run("1050:0000:0000:0000:0005:0600:300c:326b\n1050:0:0:0:5:600:300c:326b\n1050::5:600:300c:326b\n");
        assert_eq!(canon(&r), ["1050::5:600:300c:326b/128"]);
        let f: Vec<_> = r.findings().collect();
        assert_eq!(
            f.iter()
                .map(|f| (f.rule.as_ref(), line(f)))
                .collect::<Vec<_>>(),
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
        assert!(f.fix.contains("198.50.0.0/16, 198.51.0.0/16"));

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
        assert_eq!(line(&f[0]), Some(1));
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
        assert!(
            merge.message.contains(&format!(
                "{} more",
                crate::check::cidr::thousands(65_535 - MAX_RELATED as u128)
            )),
            "{}",
            merge.message
        );
    }

    #[test]
    fn overlap_names_both_lines() {
        let r = run("198.51.101.0/24\n198.51.101.16/28 printer\n203.0.114.0/28\n203.0.114.0/28\n");
        let f: Vec<_> = r.findings().collect();
        assert_eq!(f[0].rule, "overlap");
        assert_eq!(line(&f[0]), Some(2));
        assert_eq!(f[0].related, [Span::new("list", 1, 0)]);
        assert!(
            f[0].message
                .contains("198.51.101.16/28 lies inside 198.51.101.0/24 (line 1)"),
            "{}",
            f[0].message
        );
        assert_eq!(f[1].rule, "duplicate");
        assert_eq!(line(&f[1]), Some(4));
        assert_eq!(f[1].related[0].line, 3);
        assert_eq!(canon(&r), ["198.51.101.0/24", "203.0.114.0/28"]);
    }
}
