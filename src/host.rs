//! The machine's own name, the default HELO name. Reads the kernel's host name and
//! /etc/hosts; used only by `commands`.
//!
//! `hostname --fqdn` would ask the resolver, which can hang for the resolver's whole
//! timeout on a machine with broken DNS; relayctl must answer in bounded time, so it reads
//! the same local sources Debian's installer writes (the host name and its /etc/hosts
//! line, `127.0.1.1 mail.example.com mail`) and asks no DNS.

/// The machine's name: the kernel's host name when it is qualified, else the qualified
/// name /etc/hosts gives it, else the bare host name (which the caller then refuses with
/// a message saying what to set).
pub fn machine_name() -> Option<String> {
    let short = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()?
        .trim()
        .to_owned();
    if short.is_empty() {
        return None;
    }
    if short.contains('.') {
        return Some(short);
    }
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    Some(qualified_from_hosts(&short, &hosts).unwrap_or(short))
}

/// What the kernel says about this host's IPv6 egress, for `check cidr`'s hint
/// (observed in OpenSMTPD/OpenSMTPD#1076, "the IPv6 trap": a host with IPv6 egress reaches the relay over
/// IPv6, and the relay denies it when only IPv4 ranges are registered). Read from /proc;
/// no packet is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ipv6Egress {
    /// An IPv6 default route (::/0) on an interface other than `lo` that is not a reject
    /// route, and a global-scope address to send from.
    pub egress: bool,
    /// A stable global unicast address of this host (not ULA, not temporary, deprecated or
    /// tentative), to suggest as the range to register.
    pub address: Option<std::net::Ipv6Addr>,
}

/// Reads /proc/net/ipv6_route and /proc/net/if_inet6 (empty when IPv6 is off or this is
/// not Linux: no egress).
pub fn ipv6_egress() -> Ipv6Egress {
    let routes = std::fs::read_to_string("/proc/net/ipv6_route").unwrap_or_default();
    let addrs = std::fs::read_to_string("/proc/net/if_inet6").unwrap_or_default();
    ipv6_egress_from(&routes, &addrs)
}

/// [`ipv6_egress`] on the two files' text.
fn ipv6_egress_from(routes: &str, addrs: &str) -> Ipv6Egress {
    // ipv6_route: dest, dest prefix, src, src prefix, next hop, metric, refcnt, use, flags,
    // device; RTF_REJECT is 0x0200 (linux/ipv6_route.h).
    let default_route = routes.lines().any(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        f.len() == 10
            && f[0].bytes().all(|b| b == b'0')
            && f[1] == "00"
            && f[9] != "lo"
            && u32::from_str_radix(f[8], 16).is_ok_and(|flags| flags & 0x0200 == 0)
    });
    // if_inet6: address, ifindex, prefix length, scope, flags, device. Scope 0x00 is
    // global (ULAs included); flags: 0x01 temporary, 0x08 DAD failed, 0x20 deprecated,
    // 0x40 tentative (linux/if_addr.h).
    let mut global = false;
    let mut address = None;
    for l in addrs.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() != 6 || f[3] != "00" || f[5] == "lo" {
            continue;
        }
        let (Ok(bits), Ok(flags)) = (u128::from_str_radix(f[0], 16), u8::from_str_radix(f[4], 16))
        else {
            continue;
        };
        if flags & (0x08 | 0x20 | 0x40) != 0 {
            continue;
        }
        global = true;
        let ip = std::net::Ipv6Addr::from(bits);
        let ula = (ip.segments()[0] & 0xfe00) == 0xfc00;
        if !ula && (address.is_none() || flags & 0x01 == 0) {
            address = Some(ip);
        }
    }
    Ipv6Egress {
        egress: default_route && global,
        address: address.filter(|_| default_route),
    }
}

/// The first qualified name on an /etc/hosts line that also names `short`.
fn qualified_from_hosts(short: &str, hosts: &str) -> Option<String> {
    hosts.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or("");
        let names: Vec<&str> = line.split_whitespace().skip(1).collect();
        let mentions = names.iter().any(|n| {
            n.eq_ignore_ascii_case(short)
                || n.split('.')
                    .next()
                    .is_some_and(|l| l.eq_ignore_ascii_case(short))
        });
        if !mentions {
            return None;
        }
        names
            .iter()
            .find(|n| {
                n.contains('.')
                    && n.split('.')
                        .next()
                        .is_some_and(|l| l.eq_ignore_ascii_case(short))
            })
            .map(|n| n.trim_end_matches('.').to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::{ipv6_egress_from, qualified_from_hosts, Ipv6Egress};

    #[test]
    fn ipv6_egress_from_proc() {
        let lo_reject = "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n";
        let eth_default = "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000002 00000000 00000003     eth0\n";
        let global = "2001067c123400000000000000000025 02 40 00 80     eth0\n".to_owned();
        let temporary = "2001067c123400001111222233334444 02 40 00 01     eth0\n".to_owned();
        let ula = "fd000000000000000000000000000002 04 40 00 82     eth0\n";
        let link = "fe8000000000000000fc00fffe000001 04 40 20 80     eth0\n";
        let cases: &[(&str, String, String, Ipv6Egress)] = &[
            (
                "nothing",
                String::new(),
                String::new(),
                Ipv6Egress::default(),
            ),
            (
                "only the loopback reject route",
                lo_reject.to_owned(),
                global.clone(),
                Ipv6Egress::default(),
            ),
            (
                "default route and a global address",
                format!("{lo_reject}{eth_default}"),
                format!("{link}{temporary}{global}"),
                Ipv6Egress {
                    egress: true,
                    address: Some("2001:67c:1234::25".parse().unwrap()),
                },
            ),
            (
                "only a temporary address: still suggested",
                eth_default.to_owned(),
                temporary.clone(),
                Ipv6Egress {
                    egress: true,
                    address: Some("2001:67c:1234:0:1111:2222:3333:4444".parse().unwrap()),
                },
            ),
            (
                "ULA behind NAT66: egress, nothing to suggest",
                eth_default.to_owned(),
                ula.to_owned(),
                Ipv6Egress {
                    egress: true,
                    address: None,
                },
            ),
            (
                "link-local only: no egress",
                eth_default.to_owned(),
                link.to_owned(),
                Ipv6Egress::default(),
            ),
        ];
        for (why, routes, addrs, want) in cases {
            assert_eq!(ipv6_egress_from(routes, addrs), *want, "{why}");
        }
    }

    #[test]
    fn hosts_lines() {
        let hosts = "127.0.0.1 localhost\n# 127.0.1.1 old.example.org old\n127.0.1.1 mail.example.com mail\n";
        assert_eq!(
            qualified_from_hosts("mail", hosts).as_deref(),
            Some("mail.example.com")
        );
        assert_eq!(
            qualified_from_hosts("old", hosts),
            None,
            "comments are ignored"
        );
        assert_eq!(qualified_from_hosts("web", hosts), None);
        assert_eq!(
            qualified_from_hosts("mail", "192.0.2.1 mail mail.example.net.\n").as_deref(),
            Some("mail.example.net")
        );
    }
}
