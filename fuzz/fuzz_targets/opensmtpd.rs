//! Fuzzes relayctl's opensmtpd reader: any bytes as smtpd.conf and as every file beside it.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    relayctl_fuzz::run("smtpd.conf", relayctl::mta::opensmtpd::read, data);
});
