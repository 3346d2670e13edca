//! Renderers: domain results -> bytes on a given `Write`. Pure: no network, no context,
//! no terminal queries; callers pass the writers.

pub mod cidr;
pub mod explain;
pub mod gen;
pub mod github;
pub mod helo;
pub mod json;
pub mod lint;
pub mod probe;
pub mod sarif;
pub mod send_test;
