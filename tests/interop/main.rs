//! Interop tests: relayctl's generated MTA configuration validated by the real Debian 12
//! software (Postfix, Sendmail + sendmail-cf, Exim + update-exim4.conf, OpenSMTPD) unpacked by
//! tests/harness/fetch-mtas.sh; and `check helo` against a real dnsmasq (tests/harness/dns.sh).
//! Run: `cargo test --features interop --test interop`.

mod dns;
mod e2e;
mod exim;
mod gen;
mod harness;
mod mailserver;
mod opensmtpd;
mod postfix;
mod probe;
mod sendmail;
mod swaks;
