//! The machine's own name, the default HELO name. Reads the kernel's host name
//! (gethostname, through the `hostname` crate: Linux, macOS and the BSDs alike) and
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
    let short = hostname::get().ok()?.into_string().ok()?.trim().to_owned();
    if short.is_empty() {
        return None;
    }
    if short.contains('.') {
        return Some(short);
    }
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    Some(qualified_from_hosts(&short, &hosts).unwrap_or(short))
}

/// What the kernel says about this host's IPv6 egress, for `check cidr`'s hint (a host
/// with IPv6 egress reaches the relay over IPv6, and the relay denies it when only IPv4
/// ranges are registered). Read from /proc; no packet is sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ipv6Egress {
    /// An IPv6 default route (::/0, not a reject route, not on `lo`) and a global unicast
    /// address to send from (scope global, not a ULA fc00::/7, not deprecated, tentative
    /// or failed). A ULA behind NAT66 or link-local only is not egress to the internet.
    pub egress: bool,
    /// A global unicast address of this host (not ULA, deprecated or tentative; a stable
    /// one before a temporary one), to suggest as the range to register.
    pub address: Option<std::net::Ipv6Addr>,
    /// What was seen, for the finding: "IPv6 default route via eth0, global address
    /// 2001:db8::5", "only ULA fd00::5: no IPv6 egress to the internet assumed". None when
    /// the host has no IPv6 beyond loopback and link-local and no default route.
    pub seen: Option<String>,
}

/// Reads /proc/net/ipv6_route and /proc/net/if_inet6 (empty when IPv6 is off or this is
/// not Linux: no egress).
pub fn ipv6_egress() -> Ipv6Egress {
    let routes = std::fs::read_to_string("/proc/net/ipv6_route").unwrap_or_default();
    let addrs = std::fs::read_to_string("/proc/net/if_inet6").unwrap_or_default();
    ipv6_egress_from(&routes, &addrs)
}

/// An IPv6 default route of /proc/net/ipv6_route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultRoute {
    /// The interface.
    pub dev: String,
    /// The next hop, when there is one (not `::`).
    pub via: Option<std::net::Ipv6Addr>,
}

/// The usable default routes (::/0) of /proc/net/ipv6_route's text: not the kernel's
/// unreachable route on `lo`, not a reject route (RTF_REJECT 0x0200), up (RTF_UP 0x0001).
/// Fields: dest, dest prefix, src, src prefix, next hop, metric, refcnt, use, flags,
/// device (linux/ipv6_route.h, net/ipv6/route.c).
pub fn default_routes(ipv6_route: &str) -> Vec<DefaultRoute> {
    ipv6_route
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() != 10 || f[0].len() != 32 || f[0].bytes().any(|b| b != b'0') {
                return None;
            }
            let flags = u32::from_str_radix(f[8], 16).ok()?;
            if f[1] != "00" || f[9] == "lo" || flags & 0x0200 != 0 || flags & 0x0001 == 0 {
                return None;
            }
            let via = u128::from_str_radix(f[4], 16)
                .ok()
                .filter(|&b| b != 0)
                .map(std::net::Ipv6Addr::from);
            Some(DefaultRoute {
                dev: f[9].to_owned(),
                via,
            })
        })
        .collect()
}

/// An address of /proc/net/if_inet6.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostAddress {
    pub ip: std::net::Ipv6Addr,
    pub prefix_len: u8,
    /// The kernel's scope: 0x00 global (ULAs included), 0x20 link, 0x10 host.
    pub scope: u8,
    /// IFA_F_* (linux/if_addr.h): 0x01 temporary, 0x08 DAD failed, 0x20 deprecated, 0x40
    /// tentative, 0x80 permanent.
    pub flags: u8,
    pub dev: String,
}

impl HostAddress {
    /// A unique local address, fc00::/7 (RFC 4193): routed only inside a site, or out
    /// through NAT66.
    pub fn is_ula(&self) -> bool {
        self.ip.segments()[0] & 0xfe00 == 0xfc00
    }

    /// Deprecated, tentative or DAD failed: not used as a source address.
    pub fn is_unusable(&self) -> bool {
        self.flags & (0x08 | 0x20 | 0x40) != 0
    }

    /// A source address for the internet: scope global, not ULA, usable.
    pub fn is_global_unicast(&self) -> bool {
        self.scope == 0 && !self.is_ula() && !self.is_unusable() && self.dev != "lo"
    }
}

/// The addresses of /proc/net/if_inet6's text. Fields: address, ifindex, prefix length,
/// scope, flags, device (net/ipv6/addrconf.c).
pub fn host_addresses(if_inet6: &str) -> Vec<HostAddress> {
    if_inet6
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() != 6 || f[0].len() != 32 {
                return None;
            }
            Some(HostAddress {
                ip: std::net::Ipv6Addr::from(u128::from_str_radix(f[0], 16).ok()?),
                prefix_len: u8::from_str_radix(f[2], 16).ok()?,
                scope: u8::from_str_radix(f[3], 16).ok()?,
                flags: u8::from_str_radix(f[4], 16).ok()?,
                dev: f[5].to_owned(),
            })
        })
        .collect()
}

/// [`ipv6_egress`] on the two files' text: egress needs both a default route and a global
/// unicast address.
pub fn ipv6_egress_from(ipv6_route: &str, if_inet6: &str) -> Ipv6Egress {
    let routes = default_routes(ipv6_route);
    let addrs = host_addresses(if_inet6);
    let route_dev = routes.first().map(|r| r.dev.as_str());
    // Prefer an address on the default route's interface, then a stable one.
    let rank = |a: &&HostAddress| (Some(a.dev.as_str()) != route_dev, a.flags & 0x01 != 0);
    let mut global: Vec<&HostAddress> = addrs.iter().filter(|a| a.is_global_unicast()).collect();
    global.sort_by_key(rank);
    let mut ula: Vec<&HostAddress> = addrs
        .iter()
        .filter(|a| a.scope == 0 && a.is_ula() && !a.is_unusable())
        .collect();
    ula.sort_by_key(rank);
    let route = routes.first().map(|r| match r.via {
        Some(via) => format!("IPv6 default route via {via} on {}", r.dev),
        None => format!("IPv6 default route on {}", r.dev),
    });
    let egress = route.is_some() && !global.is_empty();
    let seen = match (&route, global.first(), ula.first()) {
        (Some(route), Some(g), _) => Some(format!("{route}, global address {}", g.ip)),
        (Some(route), None, Some(u)) => Some(format!(
            "{route} but only ULA {} (NAT66 or site-local): no IPv6 egress to the internet assumed",
            u.ip
        )),
        (Some(route), None, None) => Some(format!(
            "{route} but no global address (link-local only): no IPv6 egress assumed"
        )),
        (None, Some(g), _) => Some(format!(
            "global address {} but no IPv6 default route: no IPv6 egress assumed",
            g.ip
        )),
        (None, None, Some(u)) => Some(format!(
            "only ULA {} and no IPv6 default route: no IPv6 egress to the internet assumed",
            u.ip
        )),
        (None, None, None) => None,
    };
    // The range to suggest: a stable (non-temporary) global address when there is one.
    let address = global
        .iter()
        .find(|a| a.flags & 0x01 == 0)
        .or(global.first())
        .map(|a| a.ip);
    Ipv6Egress {
        egress,
        address,
        seen,
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
    use super::*;

    /// This machine, where the issue was seen: a ULA behind NAT66 and a default route
    /// via fd00::1 (and the kernel's unreachable route on lo).
    const ROUTE_ULA_NAT66: &str = "\
fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000002 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0
00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo
fd000000000000000000000000000002 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000003 00000000 80200001     eth0
fe8000000000000000fc00fffe000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001     eth0
ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000003 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
";
    const ADDR_ULA_NAT66: &str = "\
fd000000000000000000000000000002 04 40 00 82     eth0
00000000000000000000000000000001 01 80 10 80       lo
fe8000000000000000fc00fffe000001 04 40 20 80     eth0
";
    /// A host on SLAAC: a default route learned from the router's advertisement
    /// (RTF_UP|GATEWAY|ADDRCONF|DEFAULT|EXPIRES), a stable and a temporary global address.
    const ROUTE_SLAAC: &str = "\
20010db8000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00040001     eth0
fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe80000000000000022a6afffe4c1f41 00000400 00000001 00000000 00450003     eth0
00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000004 00000000 80200001       lo
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
";
    const ADDR_SLAAC: &str = "\
20010db8000000001111222233334444 02 40 00 01     eth0
20010db8000000000000000000000005 02 40 00 00     eth0
00000000000000000000000000000001 01 80 10 80       lo
fe800000000000000216cbfffea1b2c3 02 40 20 80     eth0
";
    /// IPv6 on but no router: link-local only, the kernel's unreachable route only.
    const ROUTE_NONE: &str = "\
fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
";

    #[test]
    fn default_routes_skip_the_unreachable_route_on_lo() {
        assert_eq!(
            default_routes(ROUTE_ULA_NAT66),
            [DefaultRoute {
                dev: "eth0".into(),
                via: Some("fd00::1".parse().unwrap())
            }]
        );
        assert_eq!(
            default_routes(ROUTE_SLAAC)[0].via,
            Some("fe80::22a:6aff:fe4c:1f41".parse().unwrap())
        );
        assert_eq!(default_routes(ROUTE_NONE), []);
        assert_eq!(default_routes(""), []);
        // A reject route on another interface is no route out either.
        let reject = "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000001 00000000 00000201     eth0\n";
        assert_eq!(default_routes(reject), []);
    }

    #[test]
    fn host_addresses_parse_scope_and_flags() {
        let a = host_addresses(ADDR_ULA_NAT66);
        assert_eq!(a.len(), 3);
        assert_eq!(a[0].ip, "fd00::2".parse::<std::net::Ipv6Addr>().unwrap());
        assert_eq!((a[0].prefix_len, a[0].scope, a[0].flags), (64, 0, 0x82));
        assert!(a[0].is_ula() && !a[0].is_global_unicast());
        assert_eq!((a[1].scope, a[1].dev.as_str()), (0x10, "lo"));
        assert_eq!(a[2].scope, 0x20, "link-local");
        assert!(!a[2].is_global_unicast());
        let s = host_addresses(ADDR_SLAAC);
        assert!(s[0].is_global_unicast() && s[1].is_global_unicast());
        let deprecated = host_addresses("20010db8000000000000000000000005 02 40 00 20     eth0\n");
        assert!(!deprecated[0].is_global_unicast());
        assert_eq!(host_addresses("garbage\n"), []);
    }

    #[test]
    fn ula_behind_nat66_is_no_egress() {
        let e = ipv6_egress_from(ROUTE_ULA_NAT66, ADDR_ULA_NAT66);
        assert!(!e.egress);
        assert_eq!(e.address, None);
        assert_eq!(
            e.seen.as_deref(),
            Some("IPv6 default route via fd00::1 on eth0 but only ULA fd00::2 (NAT66 or site-local): no IPv6 egress to the internet assumed")
        );
    }

    #[test]
    fn default_route_and_global_address_is_egress() {
        let e = ipv6_egress_from(ROUTE_SLAAC, ADDR_SLAAC);
        assert!(e.egress);
        assert_eq!(
            e.address,
            Some("2001:db8::5".parse().unwrap()),
            "the stable one"
        );
        assert_eq!(
            e.seen.as_deref(),
            Some("IPv6 default route via fe80::22a:6aff:fe4c:1f41 on eth0, global address 2001:db8::5")
        );
        // Only the temporary address: still egress, and still the one to name.
        let temporary = ADDR_SLAAC.lines().next().unwrap();
        let e = ipv6_egress_from(ROUTE_SLAAC, temporary);
        assert!(e.egress);
        assert_eq!(
            e.address,
            Some("2001:db8::1111:2222:3333:4444".parse().unwrap())
        );
    }

    #[test]
    fn link_local_only_or_no_route_is_no_egress() {
        let link_only = "fe800000000000000216cbfffea1b2c3 02 40 20 80     eth0\n";
        let e = ipv6_egress_from(ROUTE_SLAAC, link_only);
        assert!(!e.egress);
        assert!(
            e.seen.as_deref().unwrap().contains("link-local only"),
            "{e:?}"
        );
        let e = ipv6_egress_from(ROUTE_NONE, ADDR_SLAAC);
        assert!(!e.egress, "a global address without a default route");
        assert!(
            e.seen.as_deref().unwrap().contains("no IPv6 default route"),
            "{e:?}"
        );
        assert_eq!(
            ipv6_egress_from(ROUTE_NONE, link_only),
            Ipv6Egress::default()
        );
        assert_eq!(ipv6_egress_from("", ""), Ipv6Egress::default());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_machine_name_is_the_kernels() {
        // The name /proc shows, as is when qualified, else qualified from /etc/hosts.
        let Ok(kernel) = std::fs::read_to_string("/proc/sys/kernel/hostname") else {
            return;
        };
        let kernel = kernel.trim();
        let name = machine_name().unwrap_or_default();
        assert!(
            name == kernel || (!kernel.contains('.') && name.starts_with(&format!("{kernel}."))),
            "{name:?} for the kernel's {kernel:?}"
        );
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
