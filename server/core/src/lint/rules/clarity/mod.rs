//! Rules of the `clarity` category.

use crate::lint::Rule;

pub(super) static RULES: &[&Rule] = &[];
