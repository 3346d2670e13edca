//! Fuzzes relayctl's shell reader: any bytes as a script that runs postconf, and as every
//! file beside it.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    relayctl_fuzz::run("entrypoint.sh", relayctl::mta::shell::read, data);
});
