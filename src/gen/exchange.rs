//! Placeholder while the generator is being written.

use super::{Artifact, Form, GenError};
use crate::relay::plan::ClientPlan;

pub(super) fn render(
    _plan: &ClientPlan,
    _edition: super::Edition,
    _edge: bool,
    _form: Form,
) -> Result<Artifact, GenError> {
    unimplemented!("generator exchange")
}
