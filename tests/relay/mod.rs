//! The in-tree test relay is `relayctl sim`'s engine (src/sim/): this adapter gives the
//! tests (tests/it, examples/test_relay.rs) its API under the names they use. An SMTP
//! server on 127.0.0.1 that plays Google's relay (banner, capability lists before and
//! after TLS, the real reply texts, docs/sources.md) or a hostile server, with
//! certificates from a throw-away rcgen CA.
//!
//! ```ignore
//! let ca = TestCa::new();
//! let relay = TestRelay::start(&ca, Script::google().account("u@example.com", "app-pass"));
//! // dial 127.0.0.1:relay.port(), trust ca.ca_pem() ...
//! assert!(!contains_secret(&relay.received_raw(), b"app-pass"));
//! ```
// Each includer (tests/it, examples/test_relay.rs) uses a different part of this module.
#![allow(dead_code, unused_imports)]

pub use relayctl::sim::b64;
pub use relayctl::sim::{
    contains_secret, google, AuthAttempt, CertKind, Dir, Event, HeloPolicy, Hostile, Message,
    Script, TlsMode, Transcript, GOOD_NAMES, MAX_LINE, MAX_RECORDED_BYTES, WRONG_NAME,
};
pub use relayctl::sim::{Ca as TestCa, Relay as TestRelay};
