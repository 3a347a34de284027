//! Applying fixes to a source: the edits of every chosen fix, in one pass, skipping any fix
//! whose edits overlap one already taken (the next `--fix` round picks it up).

use super::finding::{Edit, Finding, Fix};

/// The fixes `lint --fix` applies: each finding's first safe fix.
pub fn safe_fixes(findings: &[Finding]) -> Vec<(&Finding, &Fix)> {
    findings
        .iter()
        .filter_map(|finding| {
            finding
                .fixes
                .iter()
                .find(|fix| fix.is_safe())
                .map(|fix| (finding, fix))
        })
        .collect()
}

/// Applies fixes; returns the new text and the indices (into `fixes`) of those applied.
pub fn apply(source: &str, fixes: &[&Fix]) -> (String, Vec<usize>) {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = Vec::new();
    for (index, fix) in fixes.iter().enumerate() {
        let fits = fix.edits.iter().all(|edit| {
            source.is_char_boundary(edit.span.start)
                && source.is_char_boundary(edit.span.end)
                && edit.span.start <= edit.span.end
                && edit.span.end <= source.len()
                && taken.iter().all(|other| !overlaps(edit, other))
        }) && !overlapping_within(&fix.edits);
        if fits {
            taken.extend(fix.edits.iter());
            applied.push(index);
        }
    }
    taken.sort_by_key(|edit| (edit.span.start, edit.span.end));
    let mut out = String::with_capacity(source.len());
    let mut cursor = 0;
    for edit in taken {
        out.push_str(&source[cursor..edit.span.start]);
        out.push_str(&edit.text);
        cursor = edit.span.end;
    }
    out.push_str(&source[cursor..]);
    (out, applied)
}

/// What fixing a file until no safe fix is left did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedSource {
    pub source: String,
    /// The findings of the fixed text.
    pub findings: Vec<Finding>,
    /// (rule id, fix title) of every fix applied, in order.
    pub applied: Vec<(&'static str, String)>,
}

/// Applying a fix can reveal another (removing one blank line shows the next), but a bounded
/// number of rounds keeps two fixes that undo each other from looping.
const FIX_ROUNDS: usize = 5;

/// Applies every safe fix, re-linting with `lint` after each round, until none is left: what
/// `promptopt lint --fix` and the editor's "Fix all" do.
pub fn fix_until_stable(source: &str, lint: impl Fn(&str) -> Vec<Finding>) -> FixedSource {
    let mut source = source.to_string();
    let mut findings = lint(&source);
    let mut applied = Vec::new();
    for _ in 0..FIX_ROUNDS {
        let fixes = safe_fixes(&findings);
        if fixes.is_empty() {
            break;
        }
        let just_fixes: Vec<&Fix> = fixes.iter().map(|(_, fix)| *fix).collect();
        let (fixed, taken) = apply(&source, &just_fixes);
        if taken.is_empty() || fixed == source {
            break;
        }
        applied.extend(
            taken
                .iter()
                .filter_map(|&i| fixes.get(i))
                .map(|(finding, fix)| (finding.rule, fix.title.clone())),
        );
        source = fixed;
        findings = lint(&source);
    }
    FixedSource {
        source,
        findings,
        applied,
    }
}

/// Two edits conflict when their spans overlap, or both insert at the same point.
fn overlaps(a: &Edit, b: &Edit) -> bool {
    if a.span.is_empty() && b.span.is_empty() {
        return a.span.start == b.span.start;
    }
    a.span.start < b.span.end && b.span.start < a.span.end
        || (a.span.is_empty() && b.span.start < a.span.start && a.span.start < b.span.end)
        || (b.span.is_empty() && a.span.start < b.span.start && b.span.start < a.span.end)
}

fn overlapping_within(edits: &[Edit]) -> bool {
    edits
        .iter()
        .enumerate()
        .any(|(i, a)| edits[i + 1..].iter().any(|b| overlaps(a, b)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Span;

    #[test]
    fn applies_non_overlapping_edits_in_order() {
        let a = Fix::safe("a", vec![Edit::replace(Span::new(6, 11), "there")]);
        let b = Fix::safe("b", vec![Edit::insert(0, ">> ")]);
        let c = Fix::safe("c", vec![Edit::delete(Span::new(8, 10))]);
        let (text, applied) = apply("hello world", &[&a, &b, &c]);
        assert_eq!(text, ">> hello there");
        assert_eq!(applied, [0, 1]);
    }
}
