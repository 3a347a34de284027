//! The static QA rubric: a 1–5 score for a prompt, per dimension (clarity, specificity,
//! structure, safety, efficiency) and overall, each explained by the lint findings behind it.
//!
//! It reads only the findings, so it is as deterministic as the linter: identical input gives
//! an identical score. Every rule feeds exactly one dimension ([`dimension_of`]); a dimension
//! starts at 5 and loses points by severity, with repeats of one rule counting less than new
//! problems, and never drops below 1.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::lint::{Category, Finding, Severity, rules};
use crate::text::LineIndex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    /// Instructions a model reads one way: no hedges, contradictions or shouting.
    Clarity,
    /// Says exactly what it wants: quantities, the output's format and shape.
    Specificity,
    /// Renders as intended: valid template, declared inputs, well-formed sections.
    Structure,
    /// Resists injection and leaks nothing: delimited inputs, no secrets or personal data.
    Safety,
    /// Spends tokens and money on purpose: model, limits, no filler or repeats.
    Efficiency,
}

impl Dimension {
    pub const ALL: [Dimension; 5] = [
        Dimension::Clarity,
        Dimension::Specificity,
        Dimension::Structure,
        Dimension::Safety,
        Dimension::Efficiency,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Dimension::Clarity => "clarity",
            Dimension::Specificity => "specificity",
            Dimension::Structure => "structure",
            Dimension::Safety => "safety",
            Dimension::Efficiency => "efficiency",
        }
    }

    /// The name as a heading or the start of a sentence: `Clarity`.
    pub const fn title(self) -> &'static str {
        match self {
            Dimension::Clarity => "Clarity",
            Dimension::Specificity => "Specificity",
            Dimension::Structure => "Structure",
            Dimension::Safety => "Safety",
            Dimension::Efficiency => "Efficiency",
        }
    }
}

/// The dimension a rule's findings count against: by the rule's category, except rules whose
/// category is about where they look rather than what they judge.
pub fn dimension_of(rule: &str) -> Dimension {
    match rule {
        "vague-quantifier"
        | "missing-output-format"
        | "json-mode-without-instruction"
        | "output-schema-undocumented"
        | "placeholder-leftover" => Dimension::Specificity,
        "filler-tokens" | "duplicate-instruction" | "wall-of-text" => Dimension::Efficiency,
        _ => match rules::find(rule).map(|r| r.category) {
            Some(Category::Clarity) => Dimension::Clarity,
            Some(Category::Safety) => Dimension::Safety,
            Some(Category::Cost | Category::Style) => Dimension::Efficiency,
            Some(Category::Template | Category::Variables | Category::Structure) | None => {
                Dimension::Structure
            }
        },
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rubric {
    /// The mean of the dimensions, 1.0–5.0 in steps of 0.1.
    pub score: f64,
    pub dimensions: Vec<DimensionScore>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DimensionScore {
    pub dimension: Dimension,
    /// 1.0–5.0 in steps of 0.1.
    pub score: f64,
    /// Why, in one sentence a person reads: the findings that cost points, worst first.
    pub explanation: String,
    /// The rules behind the score, with how many findings each had.
    pub findings: Vec<RuleCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCount {
    pub rule: &'static str,
    pub severity: Severity,
    pub count: usize,
    /// 1-based line of the first finding.
    pub line: u32,
}

/// Points one finding costs, by severity.
fn weight(severity: Severity) -> f64 {
    match severity {
        Severity::Error => 2.0,
        Severity::Warning => 1.0,
        Severity::Info => 0.5,
        Severity::Hint => 0.25,
    }
}

/// Repeats of one rule cost a quarter of the first each, up to four repeats: ten vague
/// words are one habit to fix, not ten.
fn rule_penalty(severity: Severity, count: usize) -> f64 {
    let repeats = count.saturating_sub(1).min(4) as f64;
    weight(severity) * (1.0 + 0.25 * repeats)
}

fn tenth(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Scores a prompt from its findings (`lint::lint`'s output for the same source).
pub fn score(findings: &[Finding], source: &str, lines: &LineIndex) -> Rubric {
    let mut by_rule: BTreeMap<(Dimension, &'static str), RuleCount> = BTreeMap::new();
    for finding in findings {
        let entry = by_rule
            .entry((dimension_of(finding.rule), finding.rule))
            .or_insert_with(|| RuleCount {
                rule: finding.rule,
                severity: finding.severity,
                count: 0,
                line: lines.to_human(source, finding.span.start).line,
            });
        entry.count += 1;
        entry.severity = entry.severity.max(finding.severity);
    }
    let dimensions: Vec<DimensionScore> = Dimension::ALL
        .iter()
        .map(|&dimension| {
            let mut counts: Vec<RuleCount> = by_rule
                .iter()
                .filter(|((d, _), _)| *d == dimension)
                .map(|(_, count)| count.clone())
                .collect();
            counts.sort_by(|a, b| {
                rule_penalty(b.severity, b.count)
                    .total_cmp(&rule_penalty(a.severity, a.count))
                    .then(a.line.cmp(&b.line))
            });
            let lost: f64 = counts
                .iter()
                .map(|c| rule_penalty(c.severity, c.count))
                .sum();
            let score = tenth((5.0 - lost).clamp(1.0, 5.0));
            DimensionScore {
                dimension,
                score,
                explanation: explain(dimension, score, &counts),
                findings: counts,
            }
        })
        .collect();
    let mean = dimensions.iter().map(|d| d.score).sum::<f64>() / dimensions.len() as f64;
    Rubric {
        score: tenth(mean),
        dimensions,
    }
}

fn explain(dimension: Dimension, score: f64, counts: &[RuleCount]) -> String {
    if counts.is_empty() {
        return format!("{score}/5: no {} findings", dimension.as_str());
    }
    let mut out = format!("{score}/5: ");
    for (i, count) in counts.iter().take(3).enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        let times = if count.count > 1 {
            format!(" ×{}", count.count)
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "{} {}{times} (line {})",
            count.severity.as_str(),
            count.rule,
            count.line
        );
    }
    if counts.len() > 3 {
        let _ = write!(out, "; and {} more rules", counts.len() - 3);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{Format, LintOptions, NoWorkspace, ParsedFile, lint};

    fn rubric(source: &str) -> Rubric {
        let file = ParsedFile::parse(source, Format::Dotprompt);
        let findings = lint("a.prompt", &file, &LintOptions::default(), &NoWorkspace);
        score(&findings, source, file.line_index())
    }

    fn dimension(rubric: &Rubric, dimension: Dimension) -> &DimensionScore {
        rubric
            .dimensions
            .iter()
            .find(|d| d.dimension == dimension)
            .unwrap()
    }

    const CLEAN: &str = "---\nmodel: googleai/gemini-2.5-flash\ninput:\n  schema:\n    ticket: string, the customer's message\noutput:\n  format: json\n  schema:\n    category: string, one of billing, shipping, other\n---\n{{role \"system\"}}\nYou sort support tickets for Acme into billing, shipping or other.\nAnswer with JSON that has one field, `category`.\n{{role \"user\"}}\n<ticket>\n{{ticket}}\n</ticket>\n";

    #[test]
    fn a_clean_prompt_scores_five_everywhere() {
        let scored = rubric(CLEAN);
        for d in &scored.dimensions {
            assert_eq!(d.score, 5.0, "{d:?}");
        }
        assert_eq!(scored.score, 5.0);
        assert_eq!(
            dimension(&scored, Dimension::Safety).explanation,
            "5/5: no safety findings"
        );
    }

    #[test]
    fn findings_cost_their_dimension_and_explain_it() {
        let source = CLEAN.replace(
            "Answer with JSON",
            "IMPORTANT: ALWAYS answer with JSON!!! Answer with JSON",
        );
        let scored = rubric(&source);
        let clarity = dimension(&scored, Dimension::Clarity);
        assert!(clarity.score < 5.0, "{clarity:?}");
        assert!(
            clarity.explanation.contains("shouting-and-incentives"),
            "{clarity:?}"
        );
        assert!(clarity.explanation.contains("(line 13)"), "{clarity:?}");
        assert_eq!(dimension(&scored, Dimension::Safety).score, 5.0);
        assert!(scored.score < 5.0);
        let vague = rubric(
            "---\nmodel: googleai/gemini-2.5-flash\n---\nRead the article below and write a short summary.\nThen suggest a few follow-up questions.\n",
        );
        let specificity = dimension(&vague, Dimension::Specificity);
        assert!(specificity.score < 5.0, "{specificity:?}");
        assert!(
            specificity.explanation.contains("vague-quantifier"),
            "{specificity:?}"
        );
    }

    #[test]
    fn scores_stay_between_one_and_five_and_are_deterministic() {
        let broken = "---\nmodel: [\n---\n{{#each}}{{/if}} {{> nope}} {{unknown x}} sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD\n";
        let first = rubric(broken);
        assert_eq!(first, rubric(broken));
        for d in &first.dimensions {
            assert!((1.0..=5.0).contains(&d.score), "{d:?}");
        }
        assert_eq!(dimension(&first, Dimension::Structure).score, 1.0);
    }

    #[test]
    fn every_rule_feeds_one_dimension() {
        for rule in crate::lint::rules::all() {
            let dimension = dimension_of(rule.id);
            assert!(Dimension::ALL.contains(&dimension), "{}", rule.id);
        }
        assert_eq!(dimension_of("vague-quantifier"), Dimension::Specificity);
        assert_eq!(dimension_of("hardcoded-secret"), Dimension::Safety);
        assert_eq!(dimension_of("token-budget"), Dimension::Efficiency);
    }
}
