//! `relayctl check`: validators for what admins get wrong most often, the console's IP
//! ranges ([`cidr`]) and the HELO identity ([`helo`]). Both report [`Finding`]s; a finding
//! is not an error: `Err` means the check could not run.

pub mod cidr;
pub mod helo;

pub use crate::finding::{reaches, Finding, Severity};
