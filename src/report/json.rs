//! The JSON envelope every `--format json` document uses:
//! `{"schema": "relayctl/<command>/<n>", "version": "<relayctl version>", "data": ...}`.
//! Within a schema number, changes only add fields (docs/json.md).

use std::io::{self, Write};

use serde::Serialize;

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    schema: &'a str,
    version: &'a str,
    data: &'a T,
}

/// Writes `data` in the envelope, pretty-printed, with a final newline.
pub fn write<T: Serialize>(schema: &str, data: &T, out: &mut dyn Write) -> io::Result<()> {
    let env = Envelope {
        schema,
        version: env!("CARGO_PKG_VERSION"),
        data,
    };
    serde_json::to_writer_pretty(&mut *out, &env).map_err(io::Error::from)?;
    out.write_all(b"\n")
}
