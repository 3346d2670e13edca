//! Fuzzes relayctl's env reader: any bytes as a `.env` file, through `mta::read`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use relayctl::mta::FileType;

fuzz_target!(|data: &[u8]| {
    relayctl_fuzz::run_as(".env", FileType::Env, data);
});
