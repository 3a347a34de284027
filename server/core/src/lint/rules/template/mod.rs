//! Front matter and Handlebars: what dotprompt's renderer rejects, drops or changes.

mod block_mismatch;
mod calls;
mod foreign_placeholder;
mod frontmatter_invalid_field;
mod frontmatter_invalid_yaml;
mod frontmatter_unknown_key;
mod helper_bad_args;
mod helper_used_as_block;
mod html_comment_leak;
mod invalid_role;
mod partial_not_found;
mod placeholder_leftover;
mod role_order;
mod template_parse_error;
mod unknown_helper;

use crate::lint::Rule;

pub(super) static RULES: &[&Rule] = &[
    &frontmatter_invalid_yaml::RULE,
    &frontmatter_invalid_field::RULE,
    &frontmatter_unknown_key::RULE,
    &template_parse_error::RULE,
    &block_mismatch::RULE,
    &unknown_helper::RULE,
    &helper_bad_args::RULE,
    &helper_used_as_block::RULE,
    &invalid_role::RULE,
    &role_order::RULE,
    &partial_not_found::RULE,
    &html_comment_leak::RULE,
    &foreign_placeholder::RULE,
    &placeholder_leftover::RULE,
];

#[cfg(test)]
mod tests {
    use super::RULES;
    use crate::lint::testing::{Partials, check_with};
    use crate::lint::{Format, LintOptions};

    /// A prompt using every dotprompt feature correctly, and the braces, brackets and words
    /// real prompts are full of: no template rule may fire on it.
    const CLEAN: &str = r#"---
model: googleai/gemini-2.5-flash
config:
  temperature: 0.4
input:
  schema:
    question: string
    docs(array):
      title: string
      body: string
    user?(object):
      name: string
  default:
    question: hi
output:
  format: json
  schema:
    answer: string, the answer
    citations(array): integer, indexes of the documents used
myorg.owner: search-team
---
{{!-- TODO: add few-shot examples --}}
{{role "system"}}
You answer questions about our product. Cite documents as [1], [2] by their index.
Return JSON like {"answer": "...", "citations": [0, 2]}.
For a set of ids, write {id | id in docs}. Markdown links look like [text](url).
- [ ] unchecked item
- [x] checked item
TODO lists and FIXME comments in the user's code are fine to discuss.
If something is unknown, answer "TBD". Never write `{% if %}` or `${name}`.
{{#if user}}The user's name is {{user.name}}.{{/if}}
{{> house_style}}
{{history}}
{{role "user"}}
<documents>
{{#each docs as |doc i|}}
<doc index="{{i}}" title="{{doc.title}}">{{doc.body}}</doc>
{{/each}}
</documents>
{{question}}
{{media url=@state.image contentType="image/png"}}
{{section "examples"}}
{{json docs indent=2}}
{{#ifEquals question "help"}}Show the help text.{{else}}Answer.{{/ifEquals}}
```python
print(f"{question}")  # TODO: <!-- not a comment -->
```
"#;

    #[test]
    fn a_clean_prompt_triggers_no_template_rule() {
        let partials = Partials(vec![("house_style", "Write plainly.")]);
        for &rule in RULES {
            let found = check_with(
                rule,
                Format::Dotprompt,
                CLEAN,
                LintOptions::default(),
                &partials,
            );
            assert_eq!(found, [], "{}", rule.id);
        }
    }
}
