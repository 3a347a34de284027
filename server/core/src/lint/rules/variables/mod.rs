//! Rules of the `variables` category.

pub(super) mod common;
mod default_mismatch;
mod optional_unguarded;
mod output_schema_undocumented;
mod picoschema_invalid;
mod schema_path_mismatch;
mod undefined_variable;
mod unused_input;

use crate::lint::Rule;

pub(super) static RULES: &[&Rule] = &[
    &undefined_variable::RULE,
    &unused_input::RULE,
    &schema_path_mismatch::RULE,
    &optional_unguarded::RULE,
    &picoschema_invalid::RULE,
    &default_mismatch::RULE,
    &output_schema_undocumented::RULE,
];
