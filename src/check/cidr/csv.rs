//! The CSV layout of a list, `description,range[,enabled]` (what a spreadsheet of the
//! console's ranges exports): telling a CSV line from a list line, the header row, RFC 4180
//! fields on one line, and a row read as its range and whether it is enabled.

use std::borrow::Cow;

use super::findings::SyntaxKind;
use crate::relay::console::parse_net;

/// A CSV line has 2 or 3 fields and does not start with a range (a list line may carry a
/// comma in its description; `203.0.113.1,203.0.113.2` is a list written on one line).
pub(super) fn looks_like_csv(text: &str) -> bool {
    let head = text.split([',', ' ', '\t']).next().unwrap_or("");
    text.contains(',')
        && parse_net(head).is_err()
        && csv_fields(text).is_ok_and(|f| (2..=3).contains(&f.len()))
}

/// A header row: `description,range,enabled` and the like.
pub(super) fn is_csv_header(text: &str) -> bool {
    let Ok(f) = csv_fields(text) else {
        return false;
    };
    let word = |i: usize| f.get(i).map(|s| s.to_ascii_lowercase()).unwrap_or_default();
    word(0) == "description"
        || matches!(
            word(1).as_str(),
            "range"
                | "ranges"
                | "cidr"
                | "ip"
                | "ip range"
                | "ip address"
                | "address"
                | "network"
                | "subnet"
        )
}

/// RFC 4180 fields of one line (quotes, `""` escapes; no line breaks inside quotes).
fn csv_fields(row: &str) -> Result<Vec<Cow<'_, str>>, ()> {
    let mut out = Vec::with_capacity(3);
    let mut rest = row;
    loop {
        let t = rest.trim_start_matches([' ', '\t']);
        if let Some(q) = t.strip_prefix('"') {
            let mut val = String::new();
            let mut i = 0;
            let end = loop {
                let j = q[i..].find('"').ok_or(())?;
                val.push_str(&q[i..i + j]);
                if q[i + j + 1..].starts_with('"') {
                    val.push('"');
                    i += j + 2;
                } else {
                    break i + j + 1;
                }
            };
            out.push(Cow::Owned(val.trim().to_owned()));
            let after = q[end..].trim_start_matches([' ', '\t']);
            if after.is_empty() {
                return Ok(out);
            }
            rest = after.strip_prefix(',').ok_or(())?;
        } else {
            match t.find(',') {
                Some(j) => {
                    out.push(Cow::Borrowed(t[..j].trim()));
                    rest = &t[j + 1..];
                }
                None => {
                    out.push(Cow::Borrowed(t.trim()));
                    return Ok(out);
                }
            }
        }
    }
}

/// `true`, `no`, `1`, `off`, ... and the empty field (enabled); `None` for anything else.
fn parse_enabled(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "" | "true" | "yes" | "y" | "1" | "on" | "enabled" => Some(true),
        "false" | "no" | "n" | "0" | "off" | "disabled" => Some(false),
        _ => None,
    }
}

/// One row as an entry: its range field and whether it is enabled (a missing or empty
/// third field means enabled). Else why it is no entry, with the text to quote: the row, or
/// its `enabled` field.
pub(super) fn row(text: &str) -> Result<(Cow<'_, str>, bool), (Cow<'_, str>, SyntaxKind)> {
    let Ok(mut fields) = csv_fields(text) else {
        return Err((Cow::Borrowed(text), SyntaxKind::CsvQuote));
    };
    if !(2..=3).contains(&fields.len()) {
        let n = u32::try_from(fields.len()).unwrap_or(u32::MAX);
        return Err((Cow::Borrowed(text), SyntaxKind::CsvFields(n)));
    }
    let enabled = match fields.get(2).map(|v| parse_enabled(v)) {
        None => true,
        Some(Some(b)) => b,
        Some(None) => return Err((fields.swap_remove(2), SyntaxKind::CsvEnabled)),
    };
    Ok((fields.swap_remove(1), enabled))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{canon, rules, run};

    #[test]
    fn csv_layout() {
        let r = run("\u{feff}description,range,enabled\r\nOffice,203.0.114.0/28,true\r\n\"Lab, 2nd floor\",198.51.101.0/28,\r\n\"old\",198.51.101.0/28,FALSE\r\nweird,203.0.114.64/28,maybe\r\nshort\r\n");
        assert_eq!(r.entries(), 5);
        assert_eq!(r.disabled(), 1);
        assert_eq!(
            rules(&r),
            [
                ("disabled", Some(4)),
                ("syntax", Some(5)),
                ("syntax", Some(6))
            ]
        );
        assert_eq!(canon(&r), ["198.51.101.0/28", "203.0.114.0/28"]);
        // Without a header; two fields.
        let r = run("Office,203.0.114.0/28\n");
        assert_eq!(canon(&r), ["203.0.114.0/28"]);
        // A list line whose description has commas stays a list line.
        let r = run("203.0.114.0/28 office, floor 2, room 3\n");
        assert_eq!(rules(&r), []);
    }
}
