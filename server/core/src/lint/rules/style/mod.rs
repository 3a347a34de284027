//! Rules of the `style` category.

use crate::lint::Rule;

pub(super) static RULES: &[&Rule] = &[];
