//! Reading one value of `check cidr` beyond what `relay::console::parse_net` takes: the range
//! token of a list line (and the mistakes that put a second token after it), a dotted
//! netmask or inverse mask, and the CIDR blocks that cover a start-end range exactly.

use std::net::Ipv4Addr;

use super::findings::SyntaxKind;
use crate::relay::console::parse_net;

/// The range of a list line's content (`CIDR [description]`, comment removed): its first
/// token, unless the next token shows the line holds no single range: a `/prefix` after a
/// space, a netmask after an IPv4 address, or a second range.
pub(super) fn list_token(content: &str) -> Result<&str, SyntaxKind> {
    let (token, rest) = split_token(content);
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

/// The first whitespace-separated token and the rest.
fn split_token(s: &str) -> (&str, &str) {
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

/// The prefix length a dotted IPv4 netmask (`255.255.255.0`) or inverse mask (`0.0.0.255`)
/// stands for, and whether it was inverse.
pub(super) fn mask_prefix(s: &str) -> Option<(u8, bool)> {
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

/// The fewest CIDR blocks covering `start..=end` (at most 2 x `width`).
pub(super) fn cover(mut start: u128, end: u128, width: u8) -> Vec<(u128, u8)> {
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
