//! Fuzzes relayctl's exchange reader: any bytes as relay.ps1 and as every file beside it.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    relayctl_fuzz::run("relay.ps1", relayctl::mta::exchange::read, data);
});
