//! Rules of the `clarity` category: instructions the model cannot follow reliably because they
//! contradict, repeat, hedge or pile up.

mod conflicting_instructions;
mod duplicate_instruction;
mod filler_tokens;
mod instruction;
mod instruction_overload;
mod negative_only_instruction;
mod shouting_and_incentives;
mod vague_or_hedged_directive;
mod vague_quantifier;

use crate::lint::Rule;

pub(super) static RULES: &[&Rule] = &[
    &conflicting_instructions::RULE,
    &duplicate_instruction::RULE,
    &vague_quantifier::RULE,
    &vague_or_hedged_directive::RULE,
    &negative_only_instruction::RULE,
    &instruction_overload::RULE,
    &shouting_and_incentives::RULE,
    &filler_tokens::RULE,
];
