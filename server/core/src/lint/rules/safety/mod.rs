//! Injection, secrets and personal data.

mod hidden_unicode;

use crate::lint::Rule;

pub(super) static RULES: &[&Rule] = &[&hidden_unicode::RULE];
