//! Base64 (RFC 4648 §4, standard alphabet, padded) for SASL payloads, and the search that
//! tells whether a secret went over the wire in any spelling a client could have used.
//! No dependency: the relay needs forty lines of it, not a crate.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes `data` as padded base64.
pub fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes padded or unpadded base64; `None` for any other byte (SASL responses carry no
/// white space, RFC 4954 §4).
pub fn decode(text: &[u8]) -> Option<Vec<u8>> {
    let text = match text.iter().position(|&c| c == b'=') {
        Some(i) if text[i..].iter().all(|&c| c == b'=') && text.len() - i <= 2 => &text[..i],
        Some(_) => return None,
        None => text,
    };
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in text {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Whether `haystack` holds `secret` as is, or base64-encoded at any offset inside a larger
/// payload (AUTH PLAIN's `\0user\0password`, XOAUTH2's `auth=Bearer TOKEN`, LOGIN's bare
/// password). Base64 works in groups of three bytes, so a secret that starts at offset
/// `o` shows the encoding of `secret[s..]` from the first group boundary, `s = (3 - o % 3) % 3`;
/// the three candidates cover every offset. Give secrets of 12 bytes or more so the
/// candidates are long enough to mean something.
pub fn contains_secret(haystack: &[u8], secret: &[u8]) -> bool {
    if secret.is_empty() {
        return false;
    }
    if find(haystack, secret) {
        return true;
    }
    (0..3).any(|skip| {
        let rest = secret.get(skip..).unwrap_or_default();
        let whole = rest.len() / 3 * 3;
        whole > 0 && find(haystack, encode(&rest[..whole]).as_bytes())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    needle.len() <= haystack.len() && haystack.windows(needle.len()).any(|w| w == needle)
}
