//! Rules of the `cost` category.

use crate::lint::Rule;

pub(super) static RULES: &[&Rule] = &[];
