//! Front matter and Handlebars: what dotprompt's renderer rejects, drops or changes.

mod frontmatter_invalid_yaml;
mod template_parse_error;

use crate::lint::Rule;

pub(super) static RULES: &[&Rule] = &[&frontmatter_invalid_yaml::RULE, &template_parse_error::RULE];
