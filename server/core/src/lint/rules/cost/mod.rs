//! Rules of the `cost` category.

mod config_key_unknown;
mod cot_on_reasoning_model;
mod params;
mod sampling_param_invalid;
mod token_budget;
mod unknown_or_deprecated_model;

use crate::lint::Rule;

pub(super) static RULES: &[&Rule] = &[
    &token_budget::RULE,
    &unknown_or_deprecated_model::RULE,
    &config_key_unknown::RULE,
    &sampling_param_invalid::RULE,
    &cot_on_reasoning_model::RULE,
];
