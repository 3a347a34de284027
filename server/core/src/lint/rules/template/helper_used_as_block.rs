//! `helper-used-as-block`: `{{#role "system"}}…{{/role}}` and the like. `role`, `history`,
//! `section`, `media` and `json` write a marker or a value and never render a body, so
//! everything inside the block is silently dropped (a prompt written this way renders no
//! messages at all).

use super::calls::{Site, for_each_call, helper};
use crate::lint::{Category, Context, Docs, Edit, Fix, FixKind, Formats, Report, Rule, Severity};
use crate::template::{Block, BlockKind};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "helper-used-as-block",
    category: Category::Template,
    severity: Severity::Error,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::DOTPROMPT,
    summary: "A helper that takes no body used as a block: everything inside it is dropped",
    docs: Docs {
        why: "`role`, `history`, `section`, `media` and `json` are not block helpers: they write a marker or a value and ignore any body. Written as `{{#role \"system\"}}…{{/role}}`, the instructions inside are silently dropped, and a prompt written entirely this way renders zero messages.",
        bad: "{{#role \"system\"}}You are a concise assistant.{{/role}}\n{{#role \"user\"}}{{question}}{{/role}}\n",
        good: "{{role \"system\"}}\nYou are a concise assistant.\n{{role \"user\"}}\n{{question}}\n",
        fix: "Write the helper as a plain tag and put the text after it: `{{role \"system\"}}` starts a message that runs until the next `{{role}}`. The quick fix removes the `#` and the closing tag and keeps the body.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    let Some(document) = cx.document() else {
        return;
    };
    let source = cx.source();
    for_each_call(&document.template.nodes, &mut |call, site| {
        let Site::Block(block) = site else {
            return;
        };
        if block.kind != BlockKind::Section {
            return;
        }
        let Some(info) = call.simple_name().and_then(helper) else {
            return;
        };
        if info.block || cx.options.extra_helpers.iter().any(|h| h == info.name) {
            return;
        }
        let name = info.name;
        let what = match name {
            "role" => "starts a message that runs until the next `{{role}}`",
            "history" => "inserts the conversation history",
            "section" => "marks where a named section starts",
            "media" => "inserts a media part",
            "json" => "writes its argument as JSON",
            _ => "writes a value",
        };
        let message = format!(
            "`{name}` is not a block helper (it {what}): dotprompt drops everything inside `{{{{#{name}}}}}…{{{{/{name}}}}}`, so this text never reaches the model; write `{{{{{name} …}}}}` as a plain tag and put the text after it"
        );
        let finding = report.add(block.open.span, message);
        if let Some(edits) = rewrite(source, block) {
            finding.with_fix(Fix::suggested(
                format!("Rewrite as `{{{{{name} …}}}}` followed by the text"),
                edits,
            ));
        }
    });
}

/// Drops the `#` of the open tag and the close tag; the body stays where it is. Not offered
/// when the block has `{{else}}` branches (what to keep is then a guess).
fn rewrite(source: &str, block: &Block) -> Option<Vec<Edit>> {
    if !block.else_branches.is_empty() {
        return None;
    }
    let open = block.open.span;
    let hash = open.start + 2 + usize::from(block.open.strip_before);
    if source.get(hash..hash + 1) != Some("#") {
        return None;
    }
    let mut edits = vec![Edit::delete(Span::new(hash, hash + 1))];
    if let Some(close) = &block.close {
        edits.push(Edit::delete(close.tag.span));
    }
    Some(edits)
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::rules::template::calls::render;
    use crate::lint::testing::{fixed, flagged, messages};
    use serde_json::json;

    #[test]
    fn catches_non_block_helpers_written_as_blocks() {
        let source = "{{#role \"system\"}}Be brief.{{/role}}{{#json data}}x{{/json}}{{#history}}{{/history}}";
        assert_eq!(
            flagged(&RULE, source),
            ["{{#role \"system\"}}", "{{#json data}}", "{{#history}}"]
        );
        let found = messages(&RULE, "{{#section \"intro\"}}Hi{{/section}}");
        assert!(
            found[0].contains("`section` is not a block helper"),
            "{found:?}"
        );
    }

    #[test]
    fn the_renderer_drops_the_body() {
        let rendered = render(
            "{{#role \"system\"}}Be brief.{{/role}}\n{{#role \"user\"}}{{q}}{{/role}}",
            json!({"q": "Why?"}),
        )
        .expect("renders");
        assert_eq!(rendered["messages"], json!([]));
        let fixed_source = fixed(
            &RULE,
            "{{#role \"system\"}}Be brief.{{/role}}\n{{#role \"user\"}}{{q}}{{/role}}",
        );
        let rendered = render(&fixed_source, json!({"q": "Why?"})).expect("renders");
        assert_eq!(
            rendered["messages"],
            json!([
                {"role": "system", "content": [{"text": "Be brief.\n"}]},
                {"role": "user", "content": [{"text": "Why?"}]}
            ])
        );
    }

    #[test]
    fn fix_keeps_the_body_and_drops_the_close_tag() {
        assert_eq!(
            fixed(&RULE, "{{~#role \"system\"~}}\nBe brief.\n{{~/role~}}"),
            "{{~role \"system\"~}}\nBe brief.\n"
        );
        // With an else branch the intent is unclear: reported, not rewritten.
        let source = "{{#role \"system\"}}a{{else}}b{{/role}}";
        assert_eq!(messages(&RULE, source).len(), 1);
        assert_eq!(fixed(&RULE, source), source);
    }

    #[test]
    fn near_misses() {
        for source in [
            "{{role \"system\"}}Be brief.{{role \"user\"}}{{q}}",
            "{{#if a}}x{{/if}}{{#each xs}}y{{/each}}{{#with u}}z{{/with}}",
            "{{#ifEquals a b}}x{{/ifEquals}}{{#unlessEquals a b}}y{{/unlessEquals}}",
            "{{^role}}no role{{/role}}{{#> card}}fallback{{/card}}",
            "{{#custom x}}y{{/custom}}",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
