//! Fuzzes relayctl's exim reader: any bytes as update-exim4.conf.conf and as every file beside it.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    relayctl_fuzz::run("update-exim4.conf.conf", relayctl::mta::exim::read, data);
});
