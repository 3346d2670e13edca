//! Fuzzes relayctl's msmtp reader: any bytes as msmtprc and as every file beside it.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    relayctl_fuzz::run("msmtprc", relayctl::mta::msmtp::read, data);
});
