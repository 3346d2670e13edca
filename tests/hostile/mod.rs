//! The hostile SMTP server kit (issue 10): a red-team suite for `relayctl probe` and
//! `relayctl send-test`, independent of the in-tree test relay (tests/relay). Plain std, one
//! thread per connection, each connection a byte script (`Conn`); its own throw-away CA
//! (`ca.rs`, rcgen) and a blocking rustls `ServerConnection`. Every byte the server
//! receives is recorded, split into what came before TLS and what came inside it.
//! Loopback only (127.0.0.1, ::1). The scenarios and their expected exit codes are in
//! README.md next to this file; the tests are in `scenarios.rs`.
// Not every helper is used by every scenario.
#![allow(dead_code)]

mod ca;
mod check;
mod dialogue;
mod scenarios;
mod server;

use ca::CertKind;
use server::Conn;
