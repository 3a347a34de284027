//! Injection, secrets and personal data.

mod hardcoded_secret;
mod hidden_unicode;
mod injection_phrase_literal;
mod pii_literal;
mod prompt_as_security_control;
pub(crate) mod undelimited_input;
mod untrusted_input_in_system;

use crate::lint::Rule;

pub(super) static RULES: &[&Rule] = &[
    &hidden_unicode::RULE,
    &untrusted_input_in_system::RULE,
    &undelimited_input::RULE,
    &injection_phrase_literal::RULE,
    &prompt_as_security_control::RULE,
    &hardcoded_secret::RULE,
    &pii_literal::RULE,
];
