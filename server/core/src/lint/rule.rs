//! A lint rule: its identity, its documentation and its check, as one static value.

use serde::Serialize;

use super::context::Context;
use super::finding::{Finding, Severity};
use super::source::Format;
use crate::text::Span;

/// One rule of the catalog. Each lives in its own file under `rules/<category>/` as a
/// `pub(crate) static RULE: Rule`, with its tests beside it.
pub struct Rule {
    /// Stable kebab-case id, used in config, suppressions and output.
    pub id: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// Off-by-default rules run only when the config turns them on.
    pub enabled_by_default: bool,
    pub fix: FixKind,
    pub formats: Formats,
    /// One line: what the rule catches.
    pub summary: &'static str,
    pub docs: Docs,
    pub check: fn(&Context<'_>, &mut Report),
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule").field("id", &self.id).finish()
    }
}

/// The rule's documentation page.
#[derive(Debug, Clone, Copy)]
pub struct Docs {
    /// Why it matters: what goes wrong at render time or with the model.
    pub why: &'static str,
    /// A prompt (fragment) that triggers the rule.
    pub bad: &'static str,
    /// The same prompt written so the rule is satisfied.
    pub good: &'static str,
    /// How to fix it, by hand or with the quick fix.
    pub fix: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Front matter and Handlebars: what the renderer rejects or silently changes.
    Template,
    /// Input schema and the variables the template uses.
    Variables,
    /// The prompt's shape: sections, output format, ordering.
    Structure,
    /// How clearly the instructions are written.
    Clarity,
    /// Injection, secrets and personal data.
    Safety,
    /// Tokens, models and sampling configuration.
    Cost,
    /// Whitespace and other text hygiene.
    Style,
}

impl Category {
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::Template => "template",
            Category::Variables => "variables",
            Category::Structure => "structure",
            Category::Clarity => "clarity",
            Category::Safety => "safety",
            Category::Cost => "cost",
            Category::Style => "style",
        }
    }
}

/// What kind of quick fix the rule offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FixKind {
    None,
    /// Offered in the editor; `--fix` leaves it to a person.
    Suggested,
    /// Applied by `--fix`.
    Safe,
}

/// The file formats a rule understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    pub dotprompt: bool,
    pub prompty: bool,
    pub plain: bool,
}

impl Formats {
    /// Every format: rules on the prose itself.
    pub const ALL: Formats = Formats {
        dotprompt: true,
        prompty: true,
        plain: true,
    };
    /// Formats with front matter and variables.
    pub const TEMPLATED: Formats = Formats {
        dotprompt: true,
        prompty: true,
        plain: false,
    };
    /// Only dotprompt's Handlebars and picoschema.
    pub const DOTPROMPT: Formats = Formats {
        dotprompt: true,
        prompty: false,
        plain: false,
    };

    pub const fn includes(self, format: Format) -> bool {
        match format {
            Format::Dotprompt => self.dotprompt,
            Format::Prompty => self.prompty,
            Format::Plain => self.plain,
        }
    }
}

/// Collects one rule's findings for one file.
pub struct Report {
    rule: &'static Rule,
    findings: Vec<Finding>,
}

impl Report {
    pub(crate) fn new(rule: &'static Rule) -> Self {
        Self {
            rule,
            findings: Vec::new(),
        }
    }

    /// Reports a finding at the rule's default severity; add fixes on the returned value.
    pub fn add(&mut self, span: Span, message: impl Into<String>) -> &mut Finding {
        self.findings.push(Finding {
            rule: self.rule.id,
            severity: self.rule.severity,
            message: message.into(),
            span,
            fixes: Vec::new(),
            related: Vec::new(),
        });
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }

    pub(crate) fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}
