//! `frontmatter-unknown-key`: a top-level front-matter key the format does not read.
//!
//! Dotprompt silently drops top-level keys outside its reserved set that have no dot in them
//! (`myorg.owner` is an extension field, kept). The usual causes: a typo (`descrption`), a
//! Prompty habit (`inputs`, `tags`), or a setting written one level too high (`temperature`
//! belongs in `config:`, `schema` in `input:`, `format` in `output:`). The fix renames the key,
//! or moves the entry under the mapping it belongs to. Prompty files have their own key set.

use serde_json::{Map, Value};

use crate::document::RESERVED_KEYS;
use crate::lint::text::{line_ending, line_start};
use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Format, Formats, FrontMatterView, Report, Rule,
    Severity,
};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "frontmatter-unknown-key",
    category: Category::Template,
    severity: Severity::Warning,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::TEMPLATED,
    summary: "A top-level front-matter key the format ignores (`inputs`, top-level `temperature`, a typo)",
    docs: Docs {
        why: "Dotprompt drops top-level keys outside its reserved set (config, description, ext, input, model, name, output, raw, toolDefs, tools, variant, version) without a word, unless they contain a dot. A misspelled `descrption`, a Prompty-style `inputs`, or `temperature` written at the top level instead of under `config:` looks configured but does nothing.",
        bad: "---\nmodel: googleai/gemini-2.5-flash\ntemperature: 0.2\ninputs:\n  text: string\n---\nSummarize {{text}}.\n",
        good: "---\nmodel: googleai/gemini-2.5-flash\nconfig:\n  temperature: 0.2\ninput:\n  schema:\n    text: string\n---\nSummarize the text inside <text>.\n<text>\n{{text}}\n</text>\n",
        fix: "Rename the key, or move the entry where it belongs (`config.temperature`, `input.schema`, `output.format`); the quick fix does either. Keep custom data in dotted extension keys such as `myorg.owner`, which dotprompt's parsers keep (under `ext`); they do not keep a top-level `metadata:`, which is not among their reserved keys.",
    },
    check,
};

/// Prompty's front-matter keys: the v1 schema's, plus `base`, `metadata` and `tools`, which
/// current runtimes read.
const PROMPTY_KEYS: [&str; 14] = [
    "$schema",
    "name",
    "description",
    "version",
    "authors",
    "tags",
    "model",
    "inputs",
    "outputs",
    "sample",
    "template",
    "base",
    "metadata",
    "tools",
];

/// What to tell the author about one unknown key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Advice {
    /// Rename the key where it is.
    Rename(&'static str),
    /// Move the entry under the top-level mapping `parent`, as `child`.
    Nest { parent: &'static str, child: String },
    /// Nothing to edit; say where it belongs.
    Note(&'static str),
    /// Custom data: keep it as a dotted extension key (`myorg.<key>`). No fix: only the
    /// author knows the namespace.
    Extension,
}

fn check(cx: &Context<'_>, report: &mut Report) {
    let Some(front_matter) = cx.front_matter() else {
        return;
    };
    let prompty = cx.format() == Format::Prompty;
    let mut found: Vec<(&str, Span, Option<Advice>)> = Vec::new();
    for (key, value) in front_matter.raw {
        let known = if prompty {
            PROMPTY_KEYS.contains(&key.as_str())
        } else {
            // `$schema` points editors at a JSON Schema; dotprompt ignoring it is the point.
            RESERVED_KEYS.contains(&key.as_str()) || key.contains('.') || key == "$schema"
        };
        if known {
            continue;
        }
        let Some(span) = front_matter
            .spans
            .get(&[key.as_str()])
            .and_then(|node| node.key)
        else {
            continue;
        };
        let advice = if prompty {
            prompty_advice(key)
        } else {
            dotprompt_advice(key, value)
        };
        found.push((key, span, advice));
    }
    let layout = Layout::new(cx, front_matter);
    for (key, span, advice) in &found {
        let message = message(key, advice.as_ref(), prompty, front_matter.raw);
        let finding = report.add(*span, message);
        let fix = match advice {
            Some(Advice::Rename(to)) if !front_matter.raw.contains_key(*to) => Some(
                Fix::suggested(format!("Rename to `{to}`"), vec![Edit::replace(*span, *to)]),
            ),
            Some(Advice::Nest { parent, .. }) => layout.as_ref().and_then(|layout| {
                let moves: Vec<(&str, &str)> = found
                    .iter()
                    .filter_map(|(key, _, advice)| match advice {
                        Some(Advice::Nest { parent: p, child }) if p == parent => {
                            Some((*key, child.as_str()))
                        }
                        _ => None,
                    })
                    .collect();
                layout.nest(parent, &moves)
            }),
            _ => None,
        };
        if let Some(fix) = fix {
            finding.with_fix(fix);
        }
    }
}

fn message(key: &str, advice: Option<&Advice>, prompty: bool, raw: &Map<String, Value>) -> String {
    let dropped = if prompty {
        format!(
            "'{key}' is not a Prompty front-matter key (Prompty's schema allows only {})",
            PROMPTY_KEYS.join(", ")
        )
    } else {
        format!("unknown front-matter key '{key}': dotprompt drops it without a word")
    };
    match advice {
        Some(Advice::Rename(to)) if raw.contains_key(*to) => {
            format!("{dropped}; did you mean `{to}`? (`{to}` is also set: merge the two)")
        }
        Some(Advice::Rename(to)) => format!("{dropped}; did you mean `{to}`?"),
        Some(Advice::Nest { parent, child }) => {
            format!("{dropped}; it belongs under `{parent}:`, as `{parent}.{child}`")
        }
        Some(Advice::Note(note)) => format!("{dropped}; {note}"),
        Some(Advice::Extension) => format!(
            "{dropped}; to keep it, use a dotted extension key such as `myorg.{key}` (dotprompt keeps those, under `ext`)"
        ),
        None => format!("{dropped}; remove it"),
    }
}

/// Dotprompt: settings written a level too high, Prompty habits, typos; anything else can be
/// kept as a dotted extension key.
fn dotprompt_advice(key: &str, value: &Value) -> Option<Advice> {
    let nest = |parent: &'static str, child: &str| Advice::Nest {
        parent,
        child: child.to_string(),
    };
    let has = |names: &[&str]| {
        value
            .as_object()
            .is_some_and(|map| names.iter().any(|n| map.contains_key(*n)))
    };
    Some(match key {
        "temperature" | "maxOutputTokens" | "topP" | "topK" | "stopSequences"
        | "candidateCount" | "presencePenalty" | "frequencyPenalty" | "seed" => nest("config", key),
        "max_tokens" | "maxTokens" | "max_output_tokens" | "max_completion_tokens" => {
            nest("config", "maxOutputTokens")
        }
        "top_p" => nest("config", "topP"),
        "top_k" => nest("config", "topK"),
        "stop" | "stop_sequences" => nest("config", "stopSequences"),
        "presence_penalty" => nest("config", "presencePenalty"),
        "frequency_penalty" => nest("config", "frequencyPenalty"),
        "schema" | "inputSchema" | "input_schema" => nest("input", "schema"),
        "default" | "defaults" => nest("input", "default"),
        "format" => nest("output", "format"),
        "outputSchema" | "output_schema" => nest("output", "schema"),
        "inputs" if has(&["schema", "default"]) => Advice::Rename("input"),
        "inputs" => nest("input", "schema"),
        "outputs" if has(&["schema", "format", "jsonSchema"]) => Advice::Rename("output"),
        "outputs" => nest("output", "schema"),
        "parameters" | "params" | "settings" => Advice::Note(
            "model settings go under `config:` (`config.temperature`, `config.maxOutputTokens`)",
        ),
        "template" | "prompt" => {
            Advice::Note("the template is the file's body, after the closing `---`")
        }
        "sample" | "samples" | "example" | "examples" => Advice::Note(
            "default values for the template go in `input.default`; keep test data in a separate file",
        ),
        _ => match closest(key, &RESERVED_KEYS) {
            Some(better) => Advice::Rename(better),
            None => Advice::Extension,
        },
    })
}

/// Prompty: dotprompt habits and typos.
fn prompty_advice(key: &str) -> Option<Advice> {
    Some(match key {
        "input" => Advice::Rename("inputs"),
        "output" => Advice::Rename("outputs"),
        "author" => Advice::Rename("authors"),
        "tag" => Advice::Rename("tags"),
        "config" | "parameters" => Advice::Note(
            "model settings go under `model.parameters` (`temperature`, `max_tokens`, …)",
        ),
        "temperature" | "max_tokens" | "top_p" | "maxOutputTokens" | "topP" | "stop" | "seed"
        | "frequency_penalty" | "presence_penalty" => {
            Advice::Note("it belongs under `model.parameters`")
        }
        _ => return closest(key, &PROMPTY_KEYS).map(Advice::Rename),
    })
}

/// The known key a typo most likely meant: edit distance counting a swap of neighbouring
/// letters as one edit (`modle`, `ipnut`), within a third of the key's length.
fn closest(key: &str, candidates: &[&'static str]) -> Option<&'static str> {
    let key = key.to_lowercase();
    let limit = (key.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (strsim::osa_distance(&key, &c.to_lowercase()), *c))
        .filter(|&(distance, _)| distance <= limit)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, c)| c)
}

/// Where each top-level entry of the YAML is, for moving entries between mappings. Only
/// block-style YAML whose top-level keys start their lines is edited.
struct Layout<'a> {
    source: &'a str,
    raw: &'a Map<String, Value>,
    /// Top-level entries in order: (key, key span, start of its line, end of its content).
    entries: Vec<(String, Span, usize, usize)>,
    /// Where the front matter's YAML ends.
    end: usize,
    front_matter: FrontMatterView<'a>,
}

impl<'a> Layout<'a> {
    fn new(cx: &Context<'a>, front_matter: FrontMatterView<'a>) -> Option<Self> {
        let source = cx.source();
        let yaml = front_matter.split.yaml;
        let mut starts: Vec<(String, Span, usize)> = Vec::new();
        for node in front_matter.spans.nodes() {
            let ([key], Some(span)) = (node.path.as_slice(), node.key) else {
                continue;
            };
            let line_start = line_start(source, span.start);
            starts.push((key.clone(), span, line_start));
        }
        let mut entries = Vec::new();
        for (i, (key, span, start)) in starts.iter().enumerate() {
            let next = starts.get(i + 1).map_or(yaml.end, |(_, _, next)| *next);
            let text = source.get(*start..next)?;
            entries.push((key.clone(), *span, *start, start + text.trim_end().len()));
        }
        Some(Self {
            source,
            raw: front_matter.raw,
            entries,
            end: yaml.end,
            front_matter,
        })
    }

    fn entry(&self, key: &str) -> Option<&(String, Span, usize, usize)> {
        self.entries.iter().find(|(k, ..)| k == key)
    }

    /// One fix moving every `(key, child)` entry under `parent` (created if missing): one
    /// fix for all, so applying several findings' fixes cannot create `parent` twice.
    fn nest(&self, parent: &str, moves: &[(&str, &str)]) -> Option<Fix> {
        let existing = self.entry(parent);
        let indent = match existing {
            Some(_) => self.child_indent(parent)?,
            None => "  ".to_string(),
        };
        if let Some(Value::Object(children)) = self.raw.get(parent)
            && moves.iter().any(|(_, child)| children.contains_key(*child))
        {
            return None; // already set there: which value wins is for a person to decide
        }
        let nl = line_ending(self.source);
        let mut children = Vec::new();
        let mut deletes = Vec::new();
        for (key, child) in moves {
            let (_, span, start, end) = self.entry(key)?;
            if span.start != *start {
                return None;
            }
            let rest = self.source.get(span.end..*end)?;
            let moved = format!("{child}{rest}");
            let lines: Vec<String> = moved
                .lines()
                .map(|line| indent_line(&indent, line))
                .collect();
            children.push(lines.join(nl));
            deletes.push(self.removal(*start, *end));
        }
        let children = children.join(nl);
        let mut edits = Vec::new();
        match (existing, self.raw.get(parent)) {
            (Some((_, _, _, end)), Some(Value::Object(_))) => {
                let value = self.front_matter.spans.get(&[parent])?.value;
                if self
                    .source
                    .get(value.start..value.end)?
                    .trim_start()
                    .starts_with('{')
                {
                    return None; // a flow mapping: `config: {temperature: 1}`
                }
                edits.push(Edit::insert(*end, format!("{nl}{children}")));
                edits.extend(deletes);
            }
            (Some((_, _, start, end)), Some(Value::Null)) => {
                edits.push(Edit::replace(
                    Span::new(*start, *end),
                    format!("{parent}:{nl}{children}"),
                ));
                edits.extend(deletes);
            }
            (None, None) => {
                let (_, _, start, end) = self.entry(moves.first()?.0)?;
                edits.push(Edit::replace(
                    Span::new(*start, *end),
                    format!("{parent}:{nl}{children}"),
                ));
                edits.extend(deletes.into_iter().skip(1));
            }
            _ => return None,
        }
        let keys: Vec<&str> = moves.iter().map(|(key, _)| *key).collect();
        Some(Fix::suggested(
            format!("Move {} under `{parent}:`", keys.join(", ")),
            edits,
        ))
    }

    /// The indentation of `parent`'s first child key, or two spaces.
    fn child_indent(&self, parent: &str) -> Option<String> {
        let child =
            self.front_matter.spans.nodes().iter().find(|node| {
                node.path.len() == 2 && node.path.first().is_some_and(|p| p == parent)
            });
        match child.and_then(|node| node.key) {
            Some(key) => {
                let start = line_start(self.source, key.start);
                let indent = self.source.get(start..key.start)?;
                indent.chars().all(|c| c == ' ').then(|| indent.to_string())
            }
            None => Some("  ".to_string()),
        }
    }

    /// The span deleting an entry with its line break (`\n` or `\r\n`).
    fn removal(&self, start: usize, end: usize) -> Edit {
        let after = self.source.get(end..).unwrap_or("");
        let after_break = if after.starts_with("\r\n") {
            2
        } else {
            usize::from(after.starts_with('\n'))
        };
        let before = self.source.get(..start).unwrap_or("");
        let before_break = if before.ends_with("\r\n") { 2 } else { 1 };
        if end < self.end && after_break > 0 {
            Edit::delete(Span::new(start, end + after_break))
        } else if start >= before_break {
            Edit::delete(Span::new(start - before_break, end))
        } else {
            Edit::delete(Span::new(start, end))
        }
    }
}

fn indent_line(indent: &str, line: &str) -> String {
    if line.trim().is_empty() {
        String::new()
    } else {
        format!("{indent}{line}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::testing::{check_format, fixed, flagged, messages};

    #[test]
    fn catches_keys_dotprompt_drops() {
        let source =
            "---\nmodel: m\ndescrption: d\ntemperature: 0.2\nowner: qa\nmyorg.team: x\n---\nHi";
        assert_eq!(
            flagged(&RULE, source),
            ["descrption", "temperature", "owner"]
        );
        let found = messages(&RULE, source);
        assert!(
            found[0].ends_with("did you mean `description`?"),
            "{found:?}"
        );
        assert!(found[1].contains("as `config.temperature`"), "{found:?}");
        assert!(
            found[2].ends_with(
                "to keep it, use a dotted extension key such as `myorg.owner` (dotprompt keeps those, under `ext`)"
            ),
            "{found:?}"
        );
    }

    #[test]
    fn custom_keys_are_not_moved_under_metadata() {
        // dotprompt does not reserve `metadata`: a top-level `metadata:` is dropped like
        // `owner:` itself, so moving the entry there would keep nothing.
        let source = "---\nmodel: m\nowner: qa\n---\nHi";
        assert_eq!(fixed(&RULE, source), source);
    }

    #[test]
    fn fix_renames_typos() {
        assert_eq!(
            fixed(&RULE, "---\ndescrption: d\n---\nHi"),
            "---\ndescription: d\n---\nHi"
        );
        assert_eq!(
            fixed(&RULE, "---\ninputs:\n  schema:\n    q: string\n---\n{{q}}"),
            "---\ninput:\n  schema:\n    q: string\n---\n{{q}}"
        );
    }

    #[test]
    fn fix_moves_settings_into_an_existing_mapping() {
        let source =
            "---\nmodel: m\ntemperature: 0.2\nconfig:\n    topK: 20\nmax_tokens: 100\n---\nHi";
        assert_eq!(
            fixed(&RULE, source),
            "---\nmodel: m\nconfig:\n    topK: 20\n    temperature: 0.2\n    maxOutputTokens: 100\n---\nHi"
        );
    }

    #[test]
    fn fix_keeps_crlf_line_endings() {
        let source = "---\r\nmodel: m\r\ntemperature: 0.2\r\nconfig:\r\n  topK: 20\r\nmax_tokens: 100\r\n---\r\nHi";
        assert_eq!(
            fixed(&RULE, source),
            "---\r\nmodel: m\r\nconfig:\r\n  topK: 20\r\n  temperature: 0.2\r\n  maxOutputTokens: 100\r\n---\r\nHi"
        );
        let source =
            "---\r\ntemperature: 0.2\r\nmodel: m\r\nstopSequences:\r\n  - END\r\n---\r\nHi";
        assert_eq!(
            fixed(&RULE, source),
            "---\r\nconfig:\r\n  temperature: 0.2\r\n  stopSequences:\r\n    - END\r\nmodel: m\r\n---\r\nHi"
        );
    }

    #[test]
    fn fix_creates_the_mapping_once_for_several_keys() {
        let source = "---\ntemperature: 0.2\nmodel: m\nstopSequences:\n  - END\n  - STOP\n---\nHi";
        assert_eq!(
            fixed(&RULE, source),
            "---\nconfig:\n  temperature: 0.2\n  stopSequences:\n    - END\n    - STOP\nmodel: m\n---\nHi"
        );
        assert_eq!(
            fixed(
                &RULE,
                "---\nmodel: m\ninputs:\n  q: string\nformat: json\n---\n{{q}}"
            ),
            "---\nmodel: m\ninput:\n  schema:\n    q: string\noutput:\n  format: json\n---\n{{q}}"
        );
    }

    #[test]
    fn no_fix_when_the_target_is_already_set() {
        let source = "---\nconfig:\n  temperature: 0.5\ntemperature: 0.2\n---\nHi";
        assert_eq!(messages(&RULE, source).len(), 1);
        assert_eq!(fixed(&RULE, source), source);
        let both = "---\ninputs:\n  schema: {}\ninput:\n  default: {}\n---\nHi";
        assert!(messages(&RULE, both)[0].contains("also set"));
        assert_eq!(fixed(&RULE, both), both);
    }

    #[test]
    fn near_misses() {
        for source in [
            "---\nname: n\nvariant: v\nversion: 2\ndescription: d\nmodel: m\nconfig:\n  temperature: 1\ninput:\n  schema:\n    q: string\noutput:\n  format: json\ntools: [t]\ntoolDefs: []\nmetadata:\n  owner: me\next: {}\nraw: {}\nmyorg.owner: me\n$schema: ./prompt.json\n---\n{{q}}",
            "---\nbad: [yaml\n---\nHi",
            "No front matter at all.",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }

    #[test]
    fn prompty_keys() {
        assert_eq!(prompty_advice("input"), Some(Advice::Rename("inputs")));
        assert_eq!(
            prompty_advice("descripton"),
            Some(Advice::Rename("description"))
        );
        assert!(matches!(
            prompty_advice("temperature"),
            Some(Advice::Note(_))
        ));
        assert_eq!(prompty_advice("zzzzzz"), None);
        let known = "---\n$schema: x\nname: n\ndescription: d\nversion: 1\nauthors: [a]\ntags: [t]\nmodel:\n  api: chat\ninputs:\n  q:\n    type: string\noutputs: {}\nsample:\n  q: hi\ntemplate: jinja2\nbase: b.prompty\nmetadata: {}\ntools: []\n---\nsystem:\n{{q}}\n";
        assert_eq!(check_format(&RULE, Format::Prompty, known), []);
        let unknown = "---\nname: n\ninput:\n  q: string\nconfig: {}\n---\nsystem:\nHi\n";
        let found = check_format(&RULE, Format::Prompty, unknown);
        let keys: Vec<&str> = found.iter().map(|f| f.span.text(unknown)).collect();
        assert_eq!(keys, ["input", "config"]);
        let message = message("foo", None, true, &Map::new());
        assert!(
            message.contains("not a Prompty front-matter key"),
            "{message}"
        );
    }

    #[test]
    fn dotprompt_advice_table() {
        let json = serde_json::json!({"q": "string"});
        assert_eq!(
            dotprompt_advice("schema", &json),
            Some(Advice::Nest {
                parent: "input",
                child: "schema".into()
            })
        );
        assert_eq!(
            dotprompt_advice("modle", &json),
            Some(Advice::Rename("model"))
        );
        assert_eq!(
            dotprompt_advice("ipnut", &json),
            Some(Advice::Rename("input"))
        );
        assert_eq!(
            dotprompt_advice("tool_defs", &json),
            Some(Advice::Rename("toolDefs"))
        );
        assert_eq!(
            dotprompt_advice("top_p", &json),
            Some(Advice::Nest {
                parent: "config",
                child: "topP".into()
            })
        );
    }
}
