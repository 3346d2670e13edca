//! Reading one value of `check cidr` beyond what `relay::console::parse_net` takes: the range
//! token of a list line (and the mistakes that put a second token after it), a dotted
//! netmask or inverse mask, and the CIDR blocks that cover a start-end range exactly.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Subnets, Ipv6Subnets};

use super::findings::SyntaxKind;
use crate::relay::console::parse_net;

/// The range of a list line's content (`CIDR [description]`, comment removed): its first
/// token, unless the next token shows the line holds no single range: a `/prefix` after a
/// space, a netmask after an IPv4 address, or a second range. Inlined into the checker: it
/// runs once a line, and out of line it made `check cidr` slower than the single file was
/// (bench/cidr.sh: 0.5 % more instructions, 2-3 % more CPU time).
#[inline]
pub(super) fn list_token(content: &str) -> Result<&str, SyntaxKind> {
    let (token, rest) = match content.find(char::is_whitespace) {
        Some(i) => content.split_at(i),
        None => (content, ""),
    };
    if let Some(next) = rest.split_whitespace().next() {
        if next.starts_with('/') {
            return Err(SyntaxKind::SpacedSlash);
        }
        if token.parse::<Ipv4Addr>().is_ok() && mask_prefix(next).is_some() {
            return Err(SyntaxKind::SpacedNetmask);
        }
        if parse_net(next).is_ok() {
            return Err(SyntaxKind::SecondRange);
        }
    }
    Ok(token)
}

/// The prefix length a dotted IPv4 netmask (`255.255.255.0`) or inverse mask (`0.0.0.255`)
/// stands for, and whether it was inverse.
pub(super) fn mask_prefix(s: &str) -> Option<(u8, bool)> {
    if !s.contains('.') {
        return None;
    }
    let m = s.parse::<Ipv4Addr>().ok()?;
    if let Ok(p) = ipnet::ipv4_mask_to_prefix(m) {
        Some((p, false))
    } else {
        let inverse = Ipv4Addr::from(!u32::from(m));
        ipnet::ipv4_mask_to_prefix(inverse).ok().map(|p| (p, true))
    }
}

/// The fewest CIDR blocks covering `start..=end` (at most 2 x `width`), as (network,
/// prefix length) in address order; `width` is 32 (IPv4, both ends below 2^32) or 128.
/// `start` must not be after `end`.
pub(super) fn cover(start: u128, end: u128, width: u8) -> Vec<(u128, u8)> {
    if width == 32 {
        // Callers pass IPv4 values, below 2^32.
        let (start, end) = (Ipv4Addr::from(start as u32), Ipv4Addr::from(end as u32));
        Ipv4Subnets::new(start, end, 0)
            .map(|n| (u128::from(u32::from(n.network())), n.prefix_len()))
            .collect()
    } else {
        Ipv6Subnets::new(Ipv6Addr::from(start), Ipv6Addr::from(end), 0)
            .map(|n| (u128::from(n.network()), n.prefix_len()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_is_exact() {
        assert_eq!(cover(0, u128::MAX, 128), [(0, 0)]);
        assert_eq!(cover(0, u128::from(u32::MAX), 32), [(0, 0)]);
        assert_eq!(cover(5, 5, 32), [(5, 32)]);
        assert_eq!(cover(u128::MAX, u128::MAX, 128), [(u128::MAX, 128)]);
        let c = cover(1, 254, 32);
        assert_eq!(c.len(), 14);
    }

    /// The hand-written cover this module had before it used ipnet: the reference that
    /// ipnet's `Ipv4Subnets`/`Ipv6Subnets` are held to.
    fn cover_by_hand(mut start: u128, end: u128, width: u8) -> Vec<(u128, u8)> {
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

    /// splitmix64: a fixed sequence, so a failing case is the same on every run.
    fn next(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// The largest address of a family.
    fn max(width: u8) -> u128 {
        if width == 32 {
            u128::from(u32::MAX)
        } else {
            u128::MAX
        }
    }

    /// Addresses where off-by-one mistakes live: 0, MAX and the powers of two (every
    /// `step`-th), each with its neighbours, and the same below MAX.
    fn edges(width: u8, step: usize) -> Vec<u128> {
        let max = max(width);
        let mut v = vec![0, 1, 2, 3, max - 2, max - 1, max];
        for k in (1..u32::from(width))
            .step_by(step)
            .chain([u32::from(width) - 1])
        {
            let p = 1u128 << k;
            v.extend([p - 1, p, p + 1, max - p, max - p + 1]);
        }
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Checks ipnet's cover of `start..=end` against the reference, and that it is exact:
    /// aligned blocks, each starting where the one before ended, from `start` to `end`.
    fn same_cover(start: u128, end: u128, width: u8) {
        let got = cover(start, end, width);
        assert_eq!(
            got,
            cover_by_hand(start, end, width),
            "cover({start:#x}, {end:#x}, {width})"
        );
        assert!(got.len() <= 2 * usize::from(width), "{start:#x}-{end:#x}");
        let mut at = Some(start);
        for &(net, prefix) in &got {
            let host = u32::from(width - prefix);
            assert_eq!(Some(net), at, "{start:#x}-{end:#x}: contiguous");
            assert!(host == 128 || net.trailing_zeros() >= host, "aligned");
            let last = if host == 128 {
                u128::MAX
            } else {
                net + ((1u128 << host) - 1)
            };
            at = last.checked_add(1);
        }
        assert_eq!(
            at,
            end.checked_add(1),
            "{start:#x}-{end:#x}: ends at the end"
        );
    }

    #[test]
    fn ipnet_cover_matches_the_hand_written_one() {
        // Every pair of edges, IPv4 in full and IPv6 at every 5th power of two.
        for (width, step) in [(32u8, 1), (128, 5)] {
            let e = edges(width, step);
            for (i, &start) in e.iter().enumerate() {
                for &end in &e[i..] {
                    same_cover(start, end, width);
                }
            }
        }
        // Every small range at both ends of each family.
        for width in [32u8, 128] {
            let top = max(width) - 40;
            for a in 0..=40u128 {
                for b in a..=40 {
                    same_cover(a, b, width);
                    same_cover(top + a, top + b, width);
                }
            }
        }
        // Random ranges of every length, from random starts.
        let mut state = 20_261_123;
        for width in [32u8, 128] {
            for _ in 0..20_000 {
                let bits = (u128::from(next(&mut state)) << 64) | u128::from(next(&mut state));
                let start = bits & max(width);
                // At most `width` bits of span, as often short as long.
                let shift = 128 - u32::from(width) + (next(&mut state) % u64::from(width)) as u32;
                let span =
                    ((u128::from(next(&mut state)) << 64) | u128::from(next(&mut state))) >> shift;
                let end = start.saturating_add(span).min(max(width));
                same_cover(start, end, width);
            }
        }
    }

    /// The hand-written netmask reading this module had before it used ipnet.
    fn mask_by_hand(m: u32) -> Option<(u8, bool)> {
        if m.leading_ones() + m.trailing_zeros() == 32 {
            Some((m.leading_ones() as u8, false))
        } else if m.leading_zeros() + m.trailing_ones() == 32 {
            Some((m.leading_zeros() as u8, true))
        } else {
            None
        }
    }

    #[test]
    fn masks_read_as_before() {
        let mut masks: Vec<u32> = Vec::new();
        for p in 0..=32u32 {
            let net = u32::MAX.checked_shl(32 - p).unwrap_or(0);
            masks.extend([net, !net, net ^ 1, net.rotate_left(1), net.swap_bytes()]);
        }
        let mut state = 7;
        masks.extend((0..10_000).map(|_| next(&mut state) as u32));
        for m in masks {
            let text = Ipv4Addr::from(m).to_string();
            assert_eq!(mask_prefix(&text), mask_by_hand(m), "{text}");
        }
        assert_eq!(mask_prefix("255.255.255.0"), Some((24, false)));
        assert_eq!(mask_prefix("0.0.0.255"), Some((24, true)));
        assert_eq!(mask_prefix("255.0.255.0"), None);
        assert_eq!(mask_prefix("24"), None);
        assert_eq!(mask_prefix("ffff:ffff::"), None);
    }

    #[test]
    fn list_token_takes_the_first_token() {
        assert_eq!(
            list_token("203.0.114.0/28 office, floor 2"),
            Ok("203.0.114.0/28")
        );
        assert_eq!(list_token("203.0.114.0 / 28"), Err(SyntaxKind::SpacedSlash));
        assert_eq!(
            list_token("203.0.114.0 255.255.255.0"),
            Err(SyntaxKind::SpacedNetmask)
        );
        assert_eq!(
            list_token("203.0.114.1 203.0.114.2"),
            Err(SyntaxKind::SecondRange)
        );
        assert_eq!(list_token("not-a-range"), Ok("not-a-range"));
    }
}
