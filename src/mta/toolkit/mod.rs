//! The reader toolkit: what the MTA readers share and no one syntax owns. The problems of
//! one file, capped ([`Problems`]); physical and logical lines, the continuation rule a
//! parameter ([`lines()`], [`logical_lines`]); a cursor over characters that counts lines and
//! columns ([`Cursor`]); the backslash-escaped quoted string ([`unquote`]). Spans are
//! 1-based, columns count characters.

mod cursor;
mod lines;
mod problems;
mod quoted;

pub(crate) use cursor::{Cursor, Pos};
pub(crate) use lines::{
    column, floor_boundary, is_c_space, lines, logical_lines, Continuation, Limits, Logical,
};
pub(crate) use problems::Problems;
pub use problems::MAX_PROBLEMS;
pub(crate) use quoted::unquote;
