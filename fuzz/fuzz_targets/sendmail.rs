//! Fuzzes relayctl's sendmail reader: any bytes as sendmail.mc and as every file beside it.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    relayctl_fuzz::run("sendmail.mc", relayctl::mta::sendmail::read, data);
});
