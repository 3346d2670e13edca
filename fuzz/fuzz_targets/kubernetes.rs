//! Fuzzes relayctl's kubernetes reader: any bytes as Kubernetes manifests (and every file of the directory), through `mta::read`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use relayctl::mta::FileType;

fuzz_target!(|data: &[u8]| {
    relayctl_fuzz::run_as("deploy.yaml", FileType::Kubernetes, data);
});
