//! What each front-matter key means, for hover and completion in editors.

/// One documented key: where it sits, what it does, and the values it commonly takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyDoc {
    /// The YAML path (`["config", "temperature"]`).
    pub path: &'static [&'static str],
    pub summary: &'static str,
    /// Values to offer after the colon (empty: free-form).
    pub values: &'static [&'static str],
}

const fn key(
    path: &'static [&'static str],
    summary: &'static str,
    values: &'static [&'static str],
) -> KeyDoc {
    KeyDoc {
        path,
        summary,
        values,
    }
}

/// dotprompt's front matter, as Genkit reads it.
pub const DOTPROMPT_KEYS: [KeyDoc; 23] = [
    key(
        &["name"],
        "The prompt's name; defaults to the file name without extension.",
        &[],
    ),
    key(
        &["variant"],
        "A named variant of the prompt (`name.variant.prompt`), for A/B tests.",
        &[],
    ),
    key(&["version"], "The prompt's own version label.", &[]),
    key(
        &["description"],
        "What the prompt is for; shown in tools and used as a tool description.",
        &[],
    ),
    key(
        &["model"],
        "The model to call, as `provider/model` (`googleai/gemini-2.5-flash`, `openai/gpt-4o`).",
        &[],
    ),
    key(&["tools"], "Names of the tools the model may call.", &[]),
    key(&["toolDefs"], "Tool definitions given inline.", &[]),
    key(&["config"], "Generation settings passed to the model.", &[]),
    key(
        &["config", "temperature"],
        "Sampling temperature: 0 for deterministic answers, higher for varied ones (most models accept 0–2).",
        &["0", "0.2", "0.7", "1"],
    ),
    key(
        &["config", "maxOutputTokens"],
        "The most tokens the model may write; counted toward the context window and the cost.",
        &["256", "1024", "4096"],
    ),
    key(
        &["config", "topK"],
        "Sample only from the K most likely tokens.",
        &[],
    ),
    key(
        &["config", "topP"],
        "Nucleus sampling: sample from the smallest set of tokens whose probability reaches P. Set temperature or topP, not both.",
        &[],
    ),
    key(
        &["config", "stopSequences"],
        "Strings that end the answer when the model writes them.",
        &[],
    ),
    key(
        &["config", "version"],
        "A specific version of the model.",
        &[],
    ),
    key(
        &["input"],
        "What the template receives: `schema` and `default`.",
        &[],
    ),
    key(
        &["input", "schema"],
        "The input variables, in picoschema (`name: string, the user's name`) or JSON Schema.",
        &[],
    ),
    key(
        &["input", "default"],
        "Values used for inputs the caller leaves out.",
        &[],
    ),
    key(
        &["output"],
        "What the model must answer with: `format` and `schema`.",
        &[],
    ),
    key(
        &["output", "format"],
        "`json` asks for structured output matching `output.schema`; `text` for prose.",
        &["json", "text", "media"],
    ),
    key(
        &["output", "schema"],
        "The answer's shape, in picoschema or JSON Schema; used for structured output.",
        &[],
    ),
    key(
        &["metadata"],
        "Free-form data for tools; not sent to the model.",
        &[],
    ),
    key(
        &["raw"],
        "Reserved: dotprompt fills it with the front matter as written; do not set it.",
        &[],
    ),
    key(
        &["ext"],
        "Extension fields by namespace (`ext.myorg.owner`); keys with a dot land here.",
        &[],
    ),
];

/// The documentation of the key at `path` in a dotprompt front matter.
pub fn dotprompt_key(path: &[String]) -> Option<&'static KeyDoc> {
    DOTPROMPT_KEYS
        .iter()
        .find(|doc| doc.path.len() == path.len() && doc.path.iter().zip(path).all(|(a, b)| a == b))
}

/// The documented keys directly under `parent` (`[]` for the top level).
pub fn dotprompt_children(parent: &[String]) -> impl Iterator<Item = &'static KeyDoc> {
    DOTPROMPT_KEYS.iter().filter(move |doc| {
        doc.path.len() == parent.len() + 1 && doc.path.iter().zip(parent).all(|(a, b)| a == b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::RESERVED_KEYS;

    #[test]
    fn every_reserved_top_level_key_is_documented() {
        for reserved in RESERVED_KEYS {
            assert!(
                dotprompt_key(&[reserved.to_string()]).is_some(),
                "{reserved} has no documentation"
            );
        }
        let config: Vec<&str> = dotprompt_children(&["config".into()])
            .map(|d| d.path[1])
            .collect();
        assert!(config.contains(&"temperature"));
    }
}
