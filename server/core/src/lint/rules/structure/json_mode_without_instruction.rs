//! `json-mode-without-instruction`: JSON output is switched on in the front matter, but there is
//! no schema and the text never says "JSON".

use super::shared::{append_point, declared_output};
use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Format, Formats, Report, Rule, Severity,
};

pub(crate) static RULE: Rule = Rule {
    id: "json-mode-without-instruction",
    category: Category::Structure,
    severity: Severity::Warning,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::TEMPLATED,
    summary: "JSON output with no output schema and no word of JSON in the prompt",
    docs: Docs {
        why: "JSON mode constrains what the model may emit but tells it nothing: with no schema (which Genkit turns into format instructions) and no mention of JSON in the messages, the model does not know it should answer in JSON. OpenAI documents that it may then emit an endless stream of whitespace until it hits the token limit, and its API rejects `response_format: json_object` requests whose messages never contain the word \"JSON\".",
        bad: "---\nmodel: openai/gpt-4o-mini\noutput:\n  format: json\n---\nExtract the name and the date from this message: {{message}}\n",
        good: "---\nmodel: openai/gpt-4o-mini\noutput:\n  format: json\n---\nExtract the name and the date from the message inside <message>.\n<message>\n{{message}}\n</message>\nRespond with JSON only, with the keys \"name\" and \"date\".\n",
        fix: "Add an output schema (dotprompt `output.schema`, Prompty `response_format: json_schema`) or say in the prompt that the answer is JSON and which keys it has. The quick fix appends \"Respond with JSON only.\"; complete it with the keys you expect.",
    },
    check,
};

const LINE: &str = "Respond with JSON only.";

fn check(cx: &Context<'_>, report: &mut Report) {
    let declared = declared_output(cx);
    if !declared.bare_json {
        return;
    }
    let source = cx.source();
    let mentions_json = cx
        .words()
        .iter()
        .any(|word| word.text(source).to_ascii_lowercase().contains("json"));
    if mentions_json {
        return;
    }
    let Some(span) = declared.span else {
        return;
    };
    let consequence = match cx.format() {
        Format::Prompty => {
            "OpenAI rejects `json_object` requests whose messages never mention JSON, and the model is not told what to return"
        }
        _ => {
            "the model is not told to answer in JSON and may pad the response with whitespace until the token limit"
        }
    };
    let finding = report.add(
        span,
        format!(
            "`{}` with no output schema, and the prompt never says \"JSON\": {consequence}; add a schema or a line such as \"{LINE}\"",
            declared.label
        ),
    );
    if let Some(at) = append_point(cx) {
        finding.with_fix(Fix::suggested(
            format!("Append \"{LINE}\""),
            vec![Edit::insert(at, format!("\n{LINE}"))],
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::Format;
    use crate::lint::testing::{check_format, fixed, flagged, messages};

    #[test]
    fn json_format_without_schema_or_mention() {
        let source = "---\noutput:\n  format: json\n---\nExtract the name from {{message}}\n";
        assert_eq!(flagged(&RULE, source), ["json"]);
        assert!(
            messages(&RULE, source)[0].starts_with("`output.format: json` with no output schema")
        );
    }

    #[test]
    fn prompty_json_object() {
        let front = "---\nmodel:\n  api: chat\n  parameters:\n    response_format:\n      type: json_object\n---\n";
        let source = format!("{front}system:\nExtract the name.\nuser:\n{{{{text}}}}\n");
        let found = check_format(&RULE, Format::Prompty, &source);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].span.text(&source), "json_object");
        assert!(found[0].message.contains("OpenAI rejects"), "{found:?}");
        let fixed = crate::lint::apply_fixes(&source, &[&found[0].fixes[0]]).0;
        assert_eq!(
            fixed,
            format!(
                "{front}system:\nExtract the name.\nRespond with JSON only.\nuser:\n{{{{text}}}}\n"
            )
        );
        let ok = format!("{front}system:\nExtract the name as JSON.\nuser:\n{{{{text}}}}\n");
        assert_eq!(check_format(&RULE, Format::Prompty, &ok), []);
    }

    #[test]
    fn near_misses() {
        for source in [
            // a schema tells the model (Genkit turns it into format instructions)
            "---\noutput:\n  format: json\n  schema:\n    name: string\n---\nExtract the name.\n",
            // the text says JSON, in any case or as part of a word
            "---\noutput:\n  format: json\n---\nReturn a json object with the name.\n",
            "---\noutput:\n  format: json\n---\nGive a JSON-formatted answer.\n",
            // not JSON mode
            "---\noutput:\n  format: text\n---\nExtract the name.\n",
            "Extract the name.\n",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }

    #[test]
    fn the_word_in_front_matter_or_comments_does_not_count() {
        let source = "---\ndescription: returns json\noutput:\n  format: json\n---\n{{!-- json please --}}Extract the name.\n";
        assert_eq!(flagged(&RULE, source), ["json"]);
    }

    #[test]
    fn fix_appends_the_instruction_at_the_end_of_the_instructions() {
        let source = "---\noutput:\n  format: json\n---\n{{role \"system\"}}\nExtract the name.\n{{role \"model\"}}\nOk.\n";
        assert_eq!(
            fixed(&RULE, source),
            "---\noutput:\n  format: json\n---\n{{role \"system\"}}\nExtract the name.\nRespond with JSON only.\n{{role \"model\"}}\nOk.\n"
        );
        assert_eq!(messages(&RULE, &fixed(&RULE, source)), Vec::<String>::new());
    }
}
