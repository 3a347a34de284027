//! Rules of the `variables` category.

use crate::lint::Rule;

pub(super) static RULES: &[&Rule] = &[];
