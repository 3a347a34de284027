//! Signature help: the helper being called in the tag under the cursor, with the argument
//! being typed highlighted.

use promptopt_core::lint::Format;
use promptopt_core::render::known_helpers;
use tower_lsp_server::ls_types::{
    Documentation, MarkupContent, MarkupKind, ParameterInformation, ParameterLabel, Position,
    SignatureHelp, SignatureInformation,
};

use super::World;
use super::at::open_tag;
use crate::documents::Kind;

/// The arguments of each helper as its signature names them.
fn parameters(helper: &str) -> &'static [&'static str] {
    match helper {
        "role" => &[r#""system"|"user"|"model""#],
        "section" => &[r#""name""#],
        "media" => &["url=URL", "contentType=TYPE"],
        "json" => &["value", "indent=N"],
        "ifEquals" | "unlessEquals" => &["a", "b"],
        "if" | "unless" | "with" => &["value"],
        "each" => &["list"],
        "lookup" => &["object", "key"],
        "log" => &["value"],
        _ => &[],
    }
}

pub fn signature_help(world: &World, position: Position) -> Option<SignatureHelp> {
    if world.snapshot.kind == Kind::Config {
        return None;
    }
    let text = &world.snapshot.text;
    let offset = world.snapshot.lines().offset(position);
    // Helpers are Handlebars': only a `{{` tag calls one.
    let open = open_tag(text, offset, Format::Dotprompt)?;
    let call = text.get(open..offset)?.trim_start_matches(['~', '#', ' ']);
    let mut words = call.split_whitespace();
    let name = words.next()?;
    // Only once the name is complete: typing the name itself is completion's job.
    if !call[name.len()..].starts_with(char::is_whitespace) {
        return None;
    }
    let info = known_helpers().find(|h| h.name == name)?;
    let typed = words.count();
    let active = if call.ends_with(char::is_whitespace) {
        typed
    } else {
        typed.saturating_sub(1)
    };
    let params = parameters(name);
    let parameters = params
        .iter()
        .map(|label| ParameterInformation {
            label: ParameterLabel::Simple((*label).to_string()),
            documentation: None,
        })
        .collect();
    Some(SignatureHelp {
        signatures: vec![SignatureInformation {
            label: info.signature.to_string(),
            documentation: Some(Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value: info.summary.to_string(),
            })),
            parameters: Some(parameters),
            active_parameter: Some(active.min(params.len().saturating_sub(1)) as u32),
        }],
        active_signature: Some(0),
        active_parameter: Some(active.min(params.len().saturating_sub(1)) as u32),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testing::world;

    fn help(text: &str) -> Option<(String, u32)> {
        let (world, position) = world("a.prompt", text);
        let help = signature_help(&world, position)?;
        let signature = help.signatures.into_iter().next()?;
        Some((signature.label, help.active_parameter?))
    }

    #[test]
    fn shows_the_helper_and_the_argument_being_typed() {
        let (label, active) = help("{{ifEquals status |").unwrap();
        assert_eq!(label, "{{#ifEquals a b}}...{{else}}...{{/ifEquals}}");
        assert_eq!(active, 1);
        let (label, active) = help("{{json |").unwrap();
        assert_eq!(label, "{{json value [indent=N]}}");
        assert_eq!(active, 0);
        assert_eq!(help("{{#each items}}|"), None, "outside the tag");
        assert_eq!(help("{{jso|"), None, "still typing the name");
        assert_eq!(help("{{name |"), None, "not a helper");
    }
}
