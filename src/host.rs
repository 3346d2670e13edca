//! The machine's own name, the default HELO name. Asks the OS; used only by `commands`.

use std::process::Command;

/// The machine's fully qualified name, if one can be found: `hostname --fqdn` (which asks
/// the resolver for the canonical name, as Postfix's `myhostname` default does), then the
/// kernel's host name. The caller validates it (a single label is refused later).
pub fn machine_name() -> Option<String> {
    let fqdn = Command::new("hostname")
        .arg("--fqdn")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    fqdn.or_else(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    })
}
