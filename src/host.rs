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
    use super::qualified_from_hosts;

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
