//! Fuzzes relayctl's qmail reader: any bytes as smtproutes and as every file beside it.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    relayctl_fuzz::run("smtproutes", relayctl::mta::qmail::read, data);
});
