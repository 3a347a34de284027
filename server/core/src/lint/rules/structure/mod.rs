//! Rules of the `structure` category.

use crate::lint::Rule;

pub(super) static RULES: &[&Rule] = &[];
