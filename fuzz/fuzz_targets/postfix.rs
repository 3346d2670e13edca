//! Fuzzes relayctl's postfix reader: any bytes as main.cf and as every file beside it.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    relayctl_fuzz::run("main.cf", relayctl::mta::postfix::read, data);
});
