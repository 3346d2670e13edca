//! What every fuzz target does: arbitrary bytes become the primary file (lossy UTF-8, as
//! the lint command hands files to a reader) and every file beside it, so map, include and
//! beside-file parsing get the same hostile text; the plan then goes through the rules.
//! A reader must not panic, loop or blow up memory on any input (src/mta/mod.rs).

use relayctl::lint::{check, Context};
use relayctl::mta::{self, Beside, FileType, ObservedPlan, Outcome, SourceFile};

/// A reader's entry point (`relayctl::mta::<syntax>::read`).
pub type Reader = fn(&SourceFile, Beside<'_>) -> ObservedPlan;

/// The primary file and a `Beside` that answers every name with the same bytes.
fn hostile(primary_name: &str, data: &[u8]) -> (SourceFile, impl Fn(&str) -> Option<SourceFile>) {
    let text = String::from_utf8_lossy(data).into_owned();
    let primary = SourceFile {
        name: primary_name.to_owned(),
        text: text.clone(),
    };
    let beside = move |name: &str| {
        Some(SourceFile {
            name: name.to_owned(),
            text: text.clone(),
        })
    };
    (primary, beside)
}

/// Reads `data` as the file `primary_name` with `read`, then lints the plan.
pub fn run(primary_name: &str, read: Reader, data: &[u8]) {
    let (primary, beside) = hostile(primary_name, data);
    let plan = read(&primary, &beside);
    let _ = check(&plan, &Context::default());
}

/// Reads `data` as the file `primary_name` of kind `file_type` through `mta::read` (the
/// readers that may answer "unsupported": .env, compose, Kubernetes), then lints the plan.
/// Every file beside it, the directory listing included, is the same bytes.
pub fn run_as(primary_name: &str, file_type: FileType, data: &[u8]) {
    let (primary, beside) = hostile(primary_name, data);
    if let Outcome::Plan(plan) = mta::read(file_type, &primary, &beside) {
        let _ = check(&plan, &Context::default());
    }
}
