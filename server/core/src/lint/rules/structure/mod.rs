//! Rules of the `structure` category: the prompt's shape (output format, section delimiters,
//! examples, ordering of documents and instructions, cache-friendly ordering).

mod dynamic_before_static;
mod format_conflict;
mod inconsistent_examples;
mod json_mode_without_instruction;
mod long_context_query_first;
mod missing_output_format;
mod mixed_delimiter_styles;
mod shared;
mod unbalanced_xml_tags;
mod wall_of_text;

use crate::lint::Rule;

pub(super) static RULES: &[&Rule] = &[
    &missing_output_format::RULE,
    &format_conflict::RULE,
    &json_mode_without_instruction::RULE,
    &long_context_query_first::RULE,
    &dynamic_before_static::RULE,
    &unbalanced_xml_tags::RULE,
    &mixed_delimiter_styles::RULE,
    &inconsistent_examples::RULE,
    &wall_of_text::RULE,
];
