use tower_lsp_server::ls_types::Position;

use super::*;
use crate::features::World;
use crate::features::testing::world;

/// A world for `text` as is: `world` would read its first `|` as the cursor.
fn world_of(name: &str, text: &str) -> World {
    world(name, &format!("|{text}")).0
}

/// A decoded token: line, UTF-16 start and length, type, modifier bits.
type Absolute = (u32, u32, u32, u32, u32);

fn decode(data: &[SemanticToken]) -> Vec<Absolute> {
    let (mut line, mut start) = (0, 0);
    data.iter()
        .map(|t| {
            line += t.delta_line;
            start = if t.delta_line == 0 {
                start + t.delta_start
            } else {
                t.delta_start
            };
            (
                line,
                start,
                t.length,
                t.token_type,
                t.token_modifiers_bitset,
            )
        })
        .collect()
}

/// Each token as `text type+modifiers`, read back from the source through its UTF-16 range.
fn described(name: &str, text: &str, range: Option<Range>) -> Vec<String> {
    let w = world_of(name, text);
    let tokens = tokens(&w, range).unwrap();
    let legend = legend();
    let lines = w.snapshot.lines();
    decode(&tokens.data)
        .into_iter()
        .map(|(line, start, length, kind, modifiers)| {
            let from = lines.offset(Position::new(line, start));
            let to = lines.offset(Position::new(line, start + length));
            let mut label = legend.token_types[kind as usize].as_str().to_string();
            for (bit, modifier) in legend.token_modifiers.iter().enumerate() {
                if modifiers & (1 << bit) != 0 {
                    label = format!("{label}+{}", modifier.as_str());
                }
            }
            format!("{} {label}", &text[from..to])
        })
        .collect()
}

#[test]
fn dotprompt_tokens_color_what_the_template_means() {
    let text = "{{role \"system\"}}\n\
                {{#each items as |item i|}}{{item.name}} {{@index}} {{json this}}{{/each}}\n\
                {{> card user x=1}}{{!-- c --}} {{#if (eq a true)}}{{else if b}}{{/if}}";
    assert_eq!(
        described("a.prompt", text, None),
        [
            "role macro+defaultLibrary",
            "\"system\" string",
            "each keyword+defaultLibrary",
            "items variable",
            "as keyword",
            "item parameter+declaration",
            "i parameter+declaration",
            "item parameter",
            "name property",
            "@index variable+readonly+defaultLibrary",
            "json function+defaultLibrary",
            "this keyword",
            "each keyword+defaultLibrary",
            "card namespace",
            "user variable",
            "x parameter",
            "1 number",
            "{{!-- c --}} comment",
            "if keyword+defaultLibrary",
            "eq function",
            "a variable",
            "true keyword",
            "else keyword",
            "if keyword+defaultLibrary",
            "b variable",
            "if keyword+defaultLibrary",
        ]
    );
}

#[test]
fn multi_line_tokens_are_split_per_line_in_utf16_units() {
    let text = "😀 {{!-- a\r\nbé --}} {{x}}";
    let w = world_of("a.prompt", text);
    let data = tokens(&w, None).unwrap().data;
    assert_eq!(
        decode(&data),
        [(0, 3, 7, 4, 0), (1, 0, 7, 4, 0), (1, 10, 1, 0, 0)],
        "😀 is two UTF-16 units, é one; the CR is not part of the token"
    );
}

#[test]
fn a_range_keeps_only_the_tokens_overlapping_it() {
    let text = "{{a}}\n{{b}} {{c}}\n{{d}}";
    let range = Range::new(Position::new(1, 2), Position::new(1, 9));
    assert_eq!(
        described("a.prompt", text, Some(range)),
        ["b variable", "c variable"]
    );
}

#[test]
fn sections_over_values_and_partial_blocks_color_their_close_tags_alike() {
    let text = "{{#user}}{{name}}{{/user}}{{#> layout}}x{{/layout}}{{{{raw}}}}{{y}}{{{{/raw}}}}";
    assert_eq!(
        described("a.prompt", text, None),
        [
            "user variable",
            "name variable",
            "user variable",
            "layout namespace",
            "layout namespace",
            "raw keyword",
            "raw keyword",
        ]
    );
}

#[test]
fn prompty_tokens_cover_roles_statements_and_expressions() {
    let text = "---\nname: x\n---\nsystem:\n\
                {% for item in items %}{{ item.name | upper }}{% endfor %}\n\
                {# c #}\n# user:\n{{ 'q' ~ 3 if x is defined else join(y) }}";
    assert_eq!(
        described("a.prompty", text, None),
        [
            "system macro+defaultLibrary",
            "for keyword",
            "item parameter+declaration",
            "in keyword",
            "items variable",
            "item variable",
            "name property",
            "upper function",
            "endfor keyword",
            "{# c #} comment",
            "user macro+defaultLibrary",
            "'q' string",
            "3 number",
            "if keyword",
            "x variable",
            "is keyword",
            "defined function",
            "else keyword",
            "join function",
            "y variable",
        ]
    );
}

#[test]
fn tokens_of_broken_input_are_sorted_disjoint_and_inside_their_lines() {
    let texts = [
        "{{#each}}{{/each}}{{else}}{{",
        "{{!-- never closed\n\n😀",
        "{{a.b.}}{{../}}{{@}}{{> }}{{#> (x)}}{{/x}}{{x y=}}",
        "{{{{raw}}}}\n{{x}}\n",
        "---\r\ninputs: [\r\n---\r\nuser:\r\n{{ 'unclosed }}\r\n{% for %}{{ a.😀 }}{# x",
        "{{ \"\\\" }}",
        "",
    ];
    for text in texts {
        for name in ["a.prompt", "a.prompty", "a.md"] {
            let w = world_of(name, text);
            let lines = w.snapshot.lines();
            let decoded = decode(&tokens(&w, None).unwrap().data);
            for pair in decoded.windows(2) {
                let ((l1, s1, n1, ..), (l2, s2, ..)) = (pair[0], pair[1]);
                assert!(l1 < l2 || (l1 == l2 && s1 + n1 <= s2), "{text:?}: {pair:?}");
            }
            for (line, start, length, ..) in decoded {
                assert!(length > 0);
                let end = lines.position(lines.offset(Position::new(line, start + length)));
                assert_eq!(end, Position::new(line, start + length), "{text:?}");
            }
        }
    }
}

#[test]
fn the_legend_lists_each_kind_once_in_wire_order() {
    let legend = legend();
    assert_eq!(legend.token_types.len(), KINDS.len());
    assert_eq!(kind_index(Kind::Macro), 9);
    assert_eq!(legend.token_types[9], SemanticTokenType::MACRO);
    assert_eq!(
        legend.token_modifiers[2],
        SemanticTokenModifier::DEFAULT_LIBRARY
    );
}
