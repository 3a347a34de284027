//! `promptopt.toml`: rule levels, per-glob overrides, helpers, untrusted inputs, the model and
//! token budget. Parsing is pure (text in, config and problems out); reading the file is the
//! caller's job. Every unknown key, rule id or level is reported, not ignored, so a typo in
//! the config never silently turns a rule back on.

use std::collections::BTreeMap;

use globset::{Glob, GlobSet, GlobSetBuilder};
use toml::{Table, Value};

use super::options::{Level, LintOptions};
use super::rules;

/// The config file's name, looked up at the workspace root.
pub const CONFIG_FILE: &str = "promptopt.toml";

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub base: LintOptions,
    /// Extra files to lint as plain-text prompts (`prompts/**/*.md`).
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// A model table file replacing the embedded one, relative to the config file.
    pub model_table: Option<String>,
    overrides: Vec<Override>,
    include_set: GlobSet,
    exclude_set: GlobSet,
}

#[derive(Debug, Clone)]
struct Override {
    files: GlobSet,
    levels: BTreeMap<String, Level>,
}

/// Something wrong in the config file, with the 1-based line it is on when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub message: String,
    pub line: Option<usize>,
}

/// The keys of `[lint]`.
pub const LINT_KEYS: [&str; 10] = [
    "rules",
    "overrides",
    "extra-helpers",
    "untrusted-inputs",
    "trusted-inputs",
    "model",
    "token-budget",
    "model-table",
    "include",
    "exclude",
];

/// What each key of `[lint]` does, in the order of [`LINT_KEYS`], for editors.
pub const LINT_KEY_DOCS: [&str; 10] = [
    "Rule levels by id: `rule-id = \"off\" | \"hint\" | \"info\" | \"warning\" | \"error\"`.",
    "Per-glob settings: `[[lint.overrides]]` with `files = [\"glob\"]` and its own `rules`.",
    "Helpers your application registers beyond dotprompt's own, so they are not reported as unknown.",
    "Input fields to treat as untrusted (user-supplied) beyond the names the linter guesses.",
    "Input fields never to treat as untrusted, even when their names suggest it.",
    "The model assumed when a prompt names none (for token counts, costs and model rules).",
    "The team's token budget for one prompt (input plus requested output).",
    "A TOML model table replacing the built-in one (path relative to this file).",
    "Globs of Markdown or text files to lint as plain prompts.",
    "Globs of files never to lint.",
];

impl Config {
    /// Reads a config file's text. Problems are returned beside a config holding everything
    /// that could be read.
    pub fn parse(text: &str) -> (Config, Vec<ConfigProblem>) {
        let mut reader = Reader {
            text,
            problems: Vec::new(),
        };
        let config = reader.config();
        (config, reader.problems)
    }

    /// The options for one file, given its path relative to the config's folder.
    pub fn options_for(&self, relative_path: &str) -> LintOptions {
        let mut options = self.base.clone();
        for rule_override in &self.overrides {
            if rule_override.files.is_match(relative_path) {
                options.levels.extend(
                    rule_override
                        .levels
                        .iter()
                        .map(|(id, level)| (id.clone(), *level)),
                );
            }
        }
        options
    }

    /// True when the config names this file as a plain-text prompt.
    pub fn includes(&self, relative_path: &str) -> bool {
        self.include_set.is_match(relative_path)
    }

    pub fn excludes(&self, relative_path: &str) -> bool {
        self.exclude_set.is_match(relative_path)
    }
}

struct Reader<'t> {
    text: &'t str,
    problems: Vec<ConfigProblem>,
}

impl Reader<'_> {
    fn problem(&mut self, key: &str, message: String) {
        let line = self.line_of(key);
        self.problems.push(ConfigProblem { message, line });
    }

    /// The first line that sets `key`: good enough to point a person at it.
    fn line_of(&self, key: &str) -> Option<usize> {
        self.text
            .lines()
            .position(|line| {
                let line = line
                    .trim_start()
                    .trim_start_matches('[')
                    .trim_start_matches('"');
                line.starts_with(key)
            })
            .map(|i| i + 1)
    }

    fn config(&mut self) -> Config {
        let table: Table = match self.text.parse() {
            Ok(table) => table,
            Err(error) => {
                let line = error.span().map(|span| {
                    self.text[..span.start.min(self.text.len())]
                        .lines()
                        .count()
                        .max(1)
                });
                self.problems.push(ConfigProblem {
                    message: format!("{CONFIG_FILE} is not valid TOML: {}", error.message()),
                    line,
                });
                return Config::default();
            }
        };
        let mut config = Config::default();
        for (key, value) in &table {
            match (key.as_str(), value) {
                ("lint", Value::Table(lint)) => self.lint(lint, &mut config),
                ("lint", _) => self.problem("lint", "`lint` must be a table: `[lint]`".into()),
                // Read by the engine, which reports its own problems.
                ("provider" | "engine", _) => {}
                (other, _) => self.problem(
                    other,
                    format!(
                        "unknown section `{other}` in {CONFIG_FILE} (known: [lint], [provider], [engine])"
                    ),
                ),
            }
        }
        config.include_set = self.globs("include", &config.include);
        config.exclude_set = self.globs("exclude", &config.exclude);
        config
    }

    fn lint(&mut self, lint: &Table, config: &mut Config) {
        for (key, value) in lint {
            match key.as_str() {
                "rules" => match value {
                    Value::Table(rules) => config.base.levels = self.levels(rules),
                    _ => self.problem(key, "`lint.rules` must be a table of rule = level".into()),
                },
                "overrides" => self.overrides(value, config),
                "extra-helpers" => config.base.extra_helpers = self.strings(key, value),
                "untrusted-inputs" => config.base.untrusted_inputs = self.strings(key, value),
                "trusted-inputs" => config.base.trusted_inputs = self.strings(key, value),
                "include" => config.include = self.strings(key, value),
                "exclude" => config.exclude = self.strings(key, value),
                "model" => match value.as_str() {
                    Some(model) => config.base.default_model = Some(model.to_string()),
                    None => self.problem(key, "`lint.model` must be a model id string".into()),
                },
                "model-table" => match value.as_str() {
                    Some(path) => config.model_table = Some(path.to_string()),
                    None => self.problem(key, "`lint.model-table` must be a file path".into()),
                },
                "token-budget" => match value.as_integer().and_then(|n| usize::try_from(n).ok()) {
                    Some(budget) if budget > 0 => config.base.token_budget = Some(budget),
                    _ => self.problem(
                        key,
                        "`lint.token-budget` must be a positive number of tokens".into(),
                    ),
                },
                other => {
                    let hint = super::text::did_you_mean(other, LINT_KEYS)
                        .map(|k| format!("; did you mean `{k}`?"))
                        .unwrap_or_default();
                    self.problem(
                        other,
                        format!(
                            "unknown key `lint.{other}` in {CONFIG_FILE}{hint} (known: {})",
                            LINT_KEYS.join(", ")
                        ),
                    );
                }
            }
        }
    }

    fn levels(&mut self, rules_table: &Table) -> BTreeMap<String, Level> {
        let mut levels = BTreeMap::new();
        for (id, value) in rules_table {
            if rules::find(id).is_none() {
                let hint = super::text::did_you_mean(id, rules::all().iter().map(|r| r.id))
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_default();
                self.problem(
                    id,
                    format!("unknown rule `{id}`{hint} (`promptopt rules` lists them)"),
                );
                continue;
            }
            match value.as_str().and_then(Level::parse) {
                Some(level) => {
                    levels.insert(id.clone(), level);
                }
                None => self.problem(
                    id,
                    format!("rule `{id}`: level must be one of off, hint, info, warning, error"),
                ),
            }
        }
        levels
    }

    fn overrides(&mut self, value: &Value, config: &mut Config) {
        let Value::Array(entries) = value else {
            self.problem(
                "overrides",
                "`lint.overrides` must be a list: `[[lint.overrides]]`".into(),
            );
            return;
        };
        for entry in entries {
            let Value::Table(entry) = entry else {
                self.problem(
                    "overrides",
                    "each `[[lint.overrides]]` must be a table".into(),
                );
                continue;
            };
            let mut files = Vec::new();
            let mut levels = BTreeMap::new();
            for (key, value) in entry {
                match (key.as_str(), value) {
                    ("files", value) => files = self.strings("files", value),
                    ("rules", Value::Table(rules)) => levels = self.levels(rules),
                    (other, _) => self.problem(
                        other,
                        format!(
                            "unknown key `{other}` in [[lint.overrides]] (known: files, rules)"
                        ),
                    ),
                }
            }
            if files.is_empty() {
                self.problem("files", "an override needs `files = [\"glob\", …]`".into());
                continue;
            }
            let files = self.globs("files", &files);
            config.overrides.push(Override { files, levels });
        }
    }

    fn strings(&mut self, key: &str, value: &Value) -> Vec<String> {
        match value {
            Value::Array(items) if items.iter().all(Value::is_str) => items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_string))
                .collect(),
            _ => {
                self.problem(key, format!("`{key}` must be a list of strings"));
                Vec::new()
            }
        }
    }

    fn globs(&mut self, key: &str, patterns: &[String]) -> GlobSet {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            match Glob::new(pattern) {
                Ok(glob) => {
                    builder.add(glob);
                }
                Err(error) => {
                    self.problem(key, format!("bad glob `{pattern}` in `{key}`: {error}"))
                }
            }
        }
        builder.build().unwrap_or_else(|_| GlobSet::empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::finding::Severity;

    #[test]
    fn reads_levels_overrides_and_settings() {
        let (config, problems) = Config::parse(
            r#"
[lint]
model = "gpt-4o"
token-budget = 4000
extra-helpers = ["upper"]
include = ["prompts/**/*.md"]

[lint.rules]
hidden-unicode = "warning"

[[lint.overrides]]
files = ["legacy/**"]
rules = { "hidden-unicode" = "off" }
"#,
        );
        assert_eq!(problems, []);
        assert_eq!(config.base.default_model.as_deref(), Some("gpt-4o"));
        assert_eq!(config.base.token_budget, Some(4000));
        assert_eq!(
            config.options_for("a.prompt").levels.get("hidden-unicode"),
            Some(&Level::On(Severity::Warning))
        );
        assert_eq!(
            config
                .options_for("legacy/a.prompt")
                .levels
                .get("hidden-unicode"),
            Some(&Level::Off)
        );
        assert!(config.includes("prompts/x/y.md"));
        assert!(!config.includes("docs/y.md"));
    }

    #[test]
    fn reports_unknown_keys_rules_and_levels() {
        let (_, problems) = Config::parse(
            "[lint]\ntoken-budgt = 5\n[lint.rules]\nhiden-unicode = \"off\"\nhidden-unicode = \"loud\"\n[other]\n",
        );
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(problems.len(), 4, "{messages:?}");
        let typo = problems
            .iter()
            .find(|p| p.message.contains("did you mean `token-budget`"))
            .expect("the typo is reported with a suggestion");
        assert_eq!(typo.line, Some(2));
        assert!(
            messages
                .iter()
                .any(|m| m.contains("unknown rule `hiden-unicode`; did you mean `hidden-unicode`"))
        );
        assert!(messages.iter().any(|m| m.contains("level must be one of")));
        assert!(
            messages
                .iter()
                .any(|m| m.contains("unknown section `other`"))
        );
    }

    #[test]
    fn invalid_toml_is_one_problem_with_a_line() {
        let (_, problems) = Config::parse("[lint]\nrules = {\n");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("not valid TOML"));
    }
}
