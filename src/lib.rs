//! relayctl: configure, probe and lint mail servers that relay through Google Workspace's
//! SMTP relay (`smtp-relay.gmail.com`). The binary (`main.rs`) is a thin shell over this
//! library; tests and benchmarks reach the internals through it.
//! Data flows one way: `cli` -> `commands` -> `relay` (the model and its plan) -> `gen` -> `report`.

pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod exit;
pub mod explain;
pub mod finding;
pub mod fsx;
pub mod gen;
pub mod host;
pub mod lint;
pub mod mta;
pub mod net;
pub mod probe;
pub mod redacted;
pub mod relay;
pub mod report;
pub mod secret;
pub mod sim;
pub mod smtp;
pub mod sources;
pub mod terminal;
pub mod usage;
