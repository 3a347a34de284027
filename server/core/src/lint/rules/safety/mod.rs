//! Injection, secrets and personal data.

mod hidden_unicode;
mod undelimited_input;
mod untrusted_input_in_system;

use crate::lint::Rule;

pub(super) static RULES: &[&Rule] = &[
    &hidden_unicode::RULE,
    &untrusted_input_in_system::RULE,
    &undelimited_input::RULE,
];
