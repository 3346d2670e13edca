//! The one integration-test binary (ripgrep's pattern): the real `relayctl` binary run
//! with a scrubbed environment, snapshots of every generator, generated files kept honest.

mod badinput;
mod check_cidr;
mod check_helo;
mod ci_scripts;
mod cli;
mod containers;
mod corpus;
mod explain;
mod files;
mod gen;
mod generated;
#[path = "../hostile/mod.rs"]
mod hostile;
mod layering;
mod lint;
mod probe;
mod pty;
#[path = "../relay/mod.rs"]
mod relay;
mod relay_selftest;
mod render;
mod send_test;
mod sim;
mod sources;
mod support;
