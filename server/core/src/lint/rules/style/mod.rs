//! Rules of the `style` category: text hygiene that costs tokens and clutters diffs without
//! changing what the prompt says.

mod formatting_hygiene;
mod suppression_unknown_rule;

use crate::lint::Rule;

pub(super) static RULES: &[&Rule] = &[&formatting_hygiene::RULE, &suppression_unknown_rule::RULE];
