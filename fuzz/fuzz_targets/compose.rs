//! Fuzzes relayctl's compose reader: any bytes as a docker-compose file (and every env_file), through `mta::read`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use relayctl::mta::FileType;

fuzz_target!(|data: &[u8]| {
    relayctl_fuzz::run_as("docker-compose.yml", FileType::Compose, data);
});
