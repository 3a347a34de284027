//! What several structure rules read: the output the front matter declares, XML-like tags and
//! fenced code in the prose, Markdown headings, and the sentences that set an output format.
//! Everything here reads the model-visible prose (`cx.prose()`, `cx.sentences()`) except
//! [`declared_output`], which reads the front matter on purpose.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::lint::pattern::{Gate, Haystack, WordRegex};

use crate::lint::{Context, Resolved, Usage, VariableUse};
use crate::text::Span;

// ---------------------------------------------------------------------------------------------
// Declared output (front matter)

/// What the front matter says about the response.
#[derive(Debug, Default, Clone)]
pub(super) struct DeclaredOutput {
    /// Any declaration: dotprompt `output.format`/`output.schema`, Prompty `outputs` or a
    /// `response_format`.
    pub declared: bool,
    /// The provider is asked for JSON: dotprompt `output.format: json` (or a schema with no
    /// format, which Genkit treats as JSON), Prompty `response_format` `json_object`/`json_schema`.
    pub json: bool,
    /// JSON mode with nothing to tell the model about JSON: dotprompt `format: json` with no
    /// schema, Prompty `json_object`.
    pub bare_json: bool,
    /// The value that declares JSON, for spans.
    pub span: Option<Span>,
    /// How the declaration reads in the file, for messages: `output.format: json`.
    pub label: String,
}

/// The output declared in the front matter (any format).
pub(super) fn declared_output(cx: &Context<'_>) -> DeclaredOutput {
    let mut out = DeclaredOutput::default();
    let Some(front_matter) = cx.front_matter() else {
        return out;
    };
    // dotprompt
    let format = front_matter
        .get(&["output", "format"])
        .and_then(Value::as_str);
    let schema = front_matter
        .get(&["output", "schema"])
        .is_some_and(|v| !v.is_null());
    if format.is_some() || schema {
        out.declared = true;
        let json = match format {
            Some(f) => matches!(f.to_ascii_lowercase().as_str(), "json" | "jsonl" | "array"),
            None => schema,
        };
        if json {
            out.json = true;
            out.bare_json = !schema;
            out.span = cx
                .yaml_value_span(&["output", "format"])
                .or_else(|| cx.yaml_key_span(&["output", "schema"]));
            out.label = match format {
                Some(f) => format!("output.format: {f}"),
                None => "output.schema".into(),
            };
        }
    }
    // Prompty: `outputs` describes the response; `response_format` sets JSON mode.
    if front_matter.get(&["outputs"]).is_some_and(|v| !v.is_null()) {
        out.declared = true;
    }
    for section in ["parameters", "options"] {
        let path = ["model", section, "response_format"];
        let Some(value) = front_matter.get(&path) else {
            continue;
        };
        let kind = value
            .as_str()
            .or_else(|| value.get("type").and_then(Value::as_str))
            .unwrap_or_default();
        out.declared = true;
        if kind == "json_object" || kind == "json_schema" {
            out.json = true;
            out.bare_json = kind == "json_object";
            out.span = cx
                .yaml_value_span(&["model", section, "response_format", "type"])
                .or_else(|| cx.yaml_value_span(&path));
            out.label = format!("model.{section}.response_format: {kind}");
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Where to append a line

/// Where a line appended "at the end of the prompt's instructions" goes: the end of the last
/// system or user turn that has prose, after its trailing whitespace.
pub(super) fn append_point(cx: &Context<'_>) -> Option<usize> {
    let source = cx.source();
    let turn = cx
        .prose()
        .iter()
        .rev()
        .filter(|p| !cx.text(p.span).trim().is_empty())
        .filter_map(|p| cx.turns().get(p.turn))
        .find(|t| matches!(t.role.as_str(), "system" | "user"))?;
    let end = turn.span.end.min(cx.body().end);
    let text = source.get(turn.span.start..end)?;
    Some(turn.span.start + text.trim_end().len())
}

// ---------------------------------------------------------------------------------------------
// XML-like tags

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TagKind {
    Open,
    Close,
    SelfClosing,
}

#[derive(Debug, Clone)]
pub(super) struct Tag {
    pub span: Span,
    /// Lowercased: models do not care about case, and neither do we.
    pub name: String,
    pub kind: TagKind,
    /// Only whitespace, other tags or template tags before it on its line: a section tag.
    /// A tag after text on its line reads as a mention or a fill-in slot (`Reply to <name>`).
    pub line_start: bool,
    /// Followed by "tag(s)", "element", "block": `wrap it in <answer> tags` names a tag.
    pub named: bool,
    /// Written with a capital (`<Date>`, `<NAME>`): fill-in slots of letter and form
    /// templates are; section tags in prompts rarely are.
    pub capitalized: bool,
}

/// `<name attr="v">`, `</name>`, `<name/>`: a name, then only well-formed attributes. Text
/// with spaces (`<your answer here>`), `a < b`, `<-`, `<=>`, `<https://…>` do not match.
static TAG: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"<(/?)([A-Za-z][A-Za-z0-9_.:-]*)((?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'<>=]+))?)*)\s*(/?)>"#,
    )
    .ok()
});

/// Line prefixes that keep a tag a section tag: whitespace, other tags, template tags.
static LINE_PREFIX: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\s*(?:(?:<[^<>\n]*>|\{\{[^}\n]*\}\}|\{%[^%\n]*%\})\s*)*$").ok());

static NAMED_AFTER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:xml\s+)?(?:tags?|elements?|blocks?|sections?|delimiters?)\b").ok()
});

/// HTML elements with no closing tag.
pub(super) const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// HTML elements whose closing tag may be left out.
const OPTIONAL_CLOSE: &[&str] = &[
    "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "html", "head",
    "body", "colgroup", "caption", "rt", "rp", "optgroup",
];

/// The start of the line containing `offset`.
pub(super) fn line_start(cx: &Context<'_>, offset: usize) -> usize {
    let index = cx.line_index();
    index.line_span(cx.source(), index.line_of(offset)).start
}

/// The end of the line containing `offset` (before its line break).
pub(super) fn line_end(cx: &Context<'_>, offset: usize) -> usize {
    let index = cx.line_index();
    index
        .line_span(cx.source(), index.line_of(offset))
        .end
        .max(offset)
}

/// The text after `offset`, at most `max` bytes, cut at a character boundary.
fn text_after(source: &str, offset: usize, max: usize) -> &str {
    let mut end = offset.saturating_add(max).min(source.len());
    while end > offset && !source.is_char_boundary(end) {
        end -= 1;
    }
    source.get(offset..end).unwrap_or("")
}

/// The XML-like tags of the prose in source order, outside fenced and inline code.
pub(super) fn tags(cx: &Context<'_>) -> Vec<Tag> {
    let (Some(tag_re), Some(prefix_re), Some(named_re)) =
        (TAG.as_ref(), LINE_PREFIX.as_ref(), NAMED_AFTER.as_ref())
    else {
        return Vec::new();
    };
    let source = cx.source();
    let index = cx.line_index();
    let mut out = Vec::new();
    // Walking a line left to right: (line, end of the last tag, only tags and whitespace so
    // far, odd number of backticks so far). Keeps long lines of tags linear.
    let mut state: Option<(usize, usize, bool, bool)> = None;
    for segment in cx.prose() {
        let text = cx.text(segment.span);
        if !text.contains('<') {
            continue;
        }
        for captures in tag_re.captures_iter(text) {
            let (Some(whole), Some(name)) = (captures.get(0), captures.get(2)) else {
                continue;
            };
            let span = Span::new(
                segment.span.start + whole.start(),
                segment.span.start + whole.end(),
            );
            let line = index.line_of(span.start);
            let (from, transparent, odd) = match state {
                Some((l, end, transparent, odd)) if l == line && end <= span.start => {
                    (end, transparent, odd)
                }
                _ => (line_start(cx, span.start), true, false),
            };
            let gap = source.get(from..span.start).unwrap_or("");
            let in_inline_code = odd ^ (gap.matches('`').count() % 2 == 1);
            let at_line_start = transparent && prefix_re.is_match(gap);
            let inside = cx.text(span).matches('`').count() % 2 == 1;
            state = Some((line, span.end, at_line_start, in_inline_code ^ inside));
            if in_inline_code || cx.in_code_block(span.start) {
                continue;
            }
            let closing = captures.get(1).is_some_and(|m| !m.as_str().is_empty());
            let self_closing = captures.get(4).is_some_and(|m| !m.as_str().is_empty());
            let kind = match (closing, self_closing) {
                (true, _) => TagKind::Close,
                (false, true) => TagKind::SelfClosing,
                (false, false) => TagKind::Open,
            };
            out.push(Tag {
                span,
                name: name.as_str().to_ascii_lowercase(),
                kind,
                line_start: at_line_start,
                named: named_re.is_match(text_after(source, span.end, 48)),
                capitalized: name.as_str().starts_with(|c: char| c.is_ascii_uppercase()),
            });
        }
    }
    out
}

/// The result of pairing tags.
#[derive(Debug, Default)]
pub(super) struct Pairing {
    /// (open, close) indices into the tags.
    pub pairs: Vec<(usize, usize)>,
    /// Opening tags never closed, each with the index of the closing tag of the element that
    /// enclosed it (where its own close belongs), if any.
    pub unclosed: Vec<(usize, Option<usize>)>,
    /// Closing tags with no opening tag.
    pub stray: Vec<usize>,
}

/// Pairs opening and closing tags with a stack. Tags that read as mentions or fill-in slots
/// stay out of the report: void HTML elements, self-closing tags, tags named in a sentence
/// (`<answer> tags`), opening tags whose name is never closed when they follow text on their
/// line (`Reply to <name>.`), are capitalized (`<Date>` in a letter template) or are HTML
/// that may omit its end tag (`<p>`, `<li>`), and opening tags after text on their line that
/// are left open (`Wrap it in <answer>` before an `<answer>` block).
pub(super) fn pair(tags: &[Tag]) -> Pairing {
    let mut out = Pairing::default();
    let mut stack: Vec<usize> = Vec::new();
    let closed_names: std::collections::HashSet<&str> = tags
        .iter()
        .filter(|t| t.kind == TagKind::Close)
        .map(|t| t.name.as_str())
        .collect();
    let closed = |name: &str| closed_names.contains(name);
    for (i, tag) in tags.iter().enumerate() {
        if VOID_ELEMENTS.contains(&tag.name.as_str()) || tag.named {
            continue;
        }
        match tag.kind {
            TagKind::SelfClosing => {}
            TagKind::Open => {
                let closes = closed(&tag.name);
                // Never closed: a slot (`Input: <text>`, a `<Date>` line in a letter
                // template) or HTML that may omit its end tag, not a section.
                let slot = !closes
                    && (!tag.line_start
                        || tag.capitalized
                        || OPTIONAL_CLOSE.contains(&tag.name.as_str()));
                if !slot {
                    stack.push(i);
                }
            }
            TagKind::Close => {
                // A closing tag that starts its line closes a section: pair it with the
                // latest section tag of that name, passing over mentions in sentences
                // ("see <policy> above") opened since.
                let named = |open: &usize| tags.get(*open).is_some_and(|o| o.name == tag.name);
                let found = stack
                    .iter()
                    .rposition(|open| {
                        named(open)
                            && (!tag.line_start || tags.get(*open).is_some_and(|o| o.line_start))
                    })
                    .or_else(|| stack.iter().rposition(named));
                match found {
                    Some(at) => {
                        for &inner in stack.get(at + 1..).unwrap_or(&[]) {
                            if tags.get(inner).is_some_and(|t| t.line_start) {
                                out.unclosed.push((inner, Some(i)));
                            }
                        }
                        if let Some(&open) = stack.get(at) {
                            out.pairs.push((open, i));
                        }
                        stack.truncate(at);
                    }
                    None => out.stray.push(i),
                }
            }
        }
    }
    for &open in &stack {
        if tags.get(open).is_some_and(|t| t.line_start) {
            out.unclosed.push((open, None));
        }
    }
    out.unclosed.sort_by_key(|&(open, _)| open);
    out
}

/// True for tag names that are examples: `example`, `examples`, `example_1`, `sample`.
pub(super) fn is_example_tag(name: &str) -> bool {
    name.starts_with("example") || name.starts_with("sample") || name.ends_with("example")
}

// ---------------------------------------------------------------------------------------------
// Lines of prose, fences, headings

/// A line of prose: its span (without the line break) and whether it starts a source line
/// (prose split by a `{{variable}}` continues a line).
#[derive(Debug, Clone, Copy)]
pub(super) struct ProseLine {
    pub span: Span,
    pub turn: usize,
    pub at_line_start: bool,
}

/// Every line of the prose in order. A line interrupted by a template tag yields one piece per
/// prose segment.
pub(super) fn prose_lines(cx: &Context<'_>) -> Vec<ProseLine> {
    let mut out = Vec::new();
    for segment in cx.prose() {
        let text = cx.text(segment.span);
        let mut offset = segment.span.start;
        for piece in text.split_inclusive('\n') {
            let content = piece.strip_suffix('\n').unwrap_or(piece);
            let content = content.strip_suffix('\r').unwrap_or(content);
            out.push(ProseLine {
                span: Span::new(offset, offset + content.len()),
                turn: segment.turn,
                at_line_start: line_start(cx, offset) == offset,
            });
            offset += piece.len();
        }
    }
    out
}

/// A fenced code block of the prose.
#[derive(Debug, Clone)]
pub(super) struct Fence {
    /// From the opening fence line to the end of the closing one.
    pub span: Span,
    /// The opening fence line, for spans.
    pub open: Span,
    /// The info string: ```` ```json ```` → `json`.
    pub info: String,
    /// The lines between the fences.
    pub content: Span,
}

/// The fenced code blocks of the prose, in order (an unclosed fence runs to the body's end).
pub(super) fn fences(cx: &Context<'_>) -> Vec<Fence> {
    let mut out = Vec::new();
    let mut open: Option<(Span, String, &str)> = None;
    for line in prose_lines(cx) {
        if !line.at_line_start {
            continue;
        }
        let text = cx.text(line.span).trim();
        let marker = ["```", "~~~"].into_iter().find(|m| text.starts_with(m));
        match (&open, marker) {
            (None, Some(marker)) => {
                let info = text.trim_start_matches(marker).trim().to_ascii_lowercase();
                open = Some((line.span, info, marker));
            }
            (Some((start, info, opened)), Some(marker)) if marker == *opened => {
                out.push(Fence {
                    span: Span::new(start.start, line.span.end),
                    open: *start,
                    info: info.clone(),
                    content: Span::new(start.end, line.span.start),
                });
                open = None;
            }
            _ => {}
        }
    }
    if let Some((start, info, _)) = open {
        out.push(Fence {
            span: Span::new(start.start, cx.body().end),
            open: start,
            info,
            content: Span::new(start.end, cx.body().end),
        });
    }
    out
}

static HEADING: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\s{0,3}(#{1,6})[ \t]+\S").ok());

/// The level of a Markdown ATX heading line (`## Rules` → 2), outside fenced code.
pub(super) fn heading_level(cx: &Context<'_>, line: &ProseLine) -> Option<usize> {
    if !line.at_line_start || cx.in_code_block(line.span.start) {
        return None;
    }
    let captures = HEADING.as_ref()?.captures(cx.text(line.span))?;
    captures.get(1).map(|m| m.len())
}

// ---------------------------------------------------------------------------------------------
// Variables

/// The name tokens of a variable: the last segment of its resolved path (the array's name for
/// `this` inside `#each`), split at `_`, `-` and camelCase, lowercased.
pub(super) fn name_tokens(variable: &VariableUse) -> Vec<String> {
    let last = match &variable.resolved {
        Resolved::Input(path) => path
            .iter()
            .rev()
            .find(|s| s.as_str() != "[]")
            .cloned()
            .unwrap_or_default(),
        _ => variable
            .written
            .rsplit('.')
            .next()
            .unwrap_or_default()
            .to_string(),
    };
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in last.chars() {
        if c == '_' || c == '-' || c == ' ' {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            tokens.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// Uses that put a value into the text: rendered, iterated or passed to a helper.
pub(super) fn renders(variable: &VariableUse) -> bool {
    matches!(
        variable.usage,
        Usage::Output | Usage::Iteration | Usage::Argument
    )
}

// ---------------------------------------------------------------------------------------------
// Output-format instructions in the text

/// An output format the text can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum OutputKind {
    Json,
    Yaml,
    Xml,
    Csv,
    Markdown,
    Table,
    Html,
    PlainText,
}

impl OutputKind {
    pub fn name(self) -> &'static str {
        match self {
            OutputKind::Json => "JSON",
            OutputKind::Yaml => "YAML",
            OutputKind::Xml => "XML",
            OutputKind::Csv => "CSV",
            OutputKind::Markdown => "Markdown",
            OutputKind::Table => "a table",
            OutputKind::Html => "HTML",
            OutputKind::PlainText => "plain text",
        }
    }

    fn parse(word: &str) -> Option<OutputKind> {
        let word = word.to_ascii_lowercase();
        let word = word.trim();
        Some(match word {
            "json" | "jsonl" => OutputKind::Json,
            "yaml" | "yml" => OutputKind::Yaml,
            "xml" => OutputKind::Xml,
            "csv" | "tsv" => OutputKind::Csv,
            "markdown" => OutputKind::Markdown,
            "html" => OutputKind::Html,
            "table" | "tables" | "a table" => OutputKind::Table,
            _ if word.starts_with("plain") || word == "prose" => OutputKind::PlainText,
            _ => return None,
        })
    }

    /// Whether one response can satisfy both: a Markdown table, HTML in Markdown, a CSV
    /// table, XHTML. Everything else asks for two different responses.
    pub fn compatible(self, other: OutputKind) -> bool {
        use OutputKind::*;
        let (a, b) = if self <= other {
            (self, other)
        } else {
            (other, self)
        };
        a == b
            || matches!(
                (a, b),
                (Markdown, Table) | (Markdown, Html) | (Table, Html) | (Csv, Table) | (Xml, Html)
            )
    }
}

/// A sentence that sets THE output format: "Respond in JSON", "Format your answer as a
/// Markdown table", "Your response must be valid YAML", "Output format: CSV".
#[derive(Debug, Clone, Copy)]
pub(super) struct Directive {
    pub kind: OutputKind,
    /// The format word.
    pub span: Span,
}

const FORMAT_WORD: &str =
    r"(?P<fmt>jsonl?|ya?ml|xml|csv|tsv|markdown|html|plain[\s-]*text|prose|tables?)\b";
const ADJECTIVES: &str = r"(?:(?:a|an|the|valid|plain|proper|strict|pure|raw|well[- ]formed|clean|only|standard|simple|single|compact|minified|properly|correctly|formatted|structured|github[- ]flavou?red|nicely|rich|parsable|parseable|machine[- ]readable)\s+){0,3}";

static DIRECTIVES: LazyLock<Vec<WordRegex>> = LazyLock::new(|| {
    let verbs = r"(?:respond|reply|answer|output|return|format|structure|write|provide|give|present|deliver|produce|generate|render|print|express|emit|send)";
    let objects = r"(?:\s+(?:your|the|all|each|every|only|always|exclusively|strictly|entirely|solely|back|me|it|them|this|that|final|results?|responses?|answers?|outputs?|replies|reply|information|data|findings|everything|content|summary|report|analysis|list|question|questions|user|text))*";
    [
        // Respond in JSON / Format your answer as a table / Provide the results in Markdown
        format!(r"(?i)\b{verbs}{objects}\s+(?:in|as|using|with|into)\s+{ADJECTIVES}{FORMAT_WORD}"),
        // Return JSON / Output valid YAML / Respond only with JSON
        format!(r"(?i)\b(?:respond|reply|answer|output|return|emit|produce|generate|print)\s+(?:(?:only|with|strictly|exclusively|solely)\s+)*{ADJECTIVES}(?P<fmt>jsonl?|ya?ml|xml|csv|markdown|html|tables?)\b"),
        // Use Markdown (formatting)
        format!(r"(?i)\buse\s+{ADJECTIVES}(?P<fmt>markdown|jsonl?|ya?ml|xml|html|csv|tables?)\b"),
        // Output format: JSON
        format!(r"(?i)\b(?:output|response|answer|reply)\s+format\s*(?::|is|-|–|—)\s*{ADJECTIVES}{FORMAT_WORD}"),
        // Your response must be (in / formatted as) valid JSON
        format!(r"(?i)\b(?:output|response|answer|reply|responses|answers|outputs|replies)\s+(?:must|should|shall|will|needs?\s+to|has\s+to|have\s+to)\s+(?:always\s+|only\s+|strictly\s+)?be\s+(?:(?:in|formatted\s+(?:as|in)|written\s+in|a|an)\s+)?{ADJECTIVES}{FORMAT_WORD}"),
    ]
    .into_iter()
    .map(WordRegex::new)
    .collect()
});

/// Every directive names a format (see [`Gate`]): most sentences name none, and one pass over
/// a sentence tells.
const FORMAT_NAMES: &[&str] = &[
    "json", "yaml", "yml", "xml", "csv", "tsv", "markdown", "html", "plain", "prose", "table",
];
static DIRECTIVE_GATE: LazyLock<Gate> = LazyLock::new(|| {
    let needs: &[&[&str]] = &[FORMAT_NAMES];
    Gate::new(&[needs; DIRECTIVE_COUNT])
});
const DIRECTIVE_COUNT: usize = 5;

/// What may come before a directive's verb: nothing (an imperative), or the model addressed
/// as "you", possibly after a short label (`Important: respond in JSON`).
static ADDRESSED: LazyLock<WordRegex> = LazyLock::new(|| {
    WordRegex::new(
        r"(?i)^(?:[^:]{0,40}:)?[\s*_>`-]*(?:(?:please|always|only|then|and|also|finally|just|simply|first|next|now|strictly|exclusively|must|should|will|shall|you|your|i\s+want\s+you\s+to|i\s+need\s+you\s+to|need\s+to|have\s+to|are\s+to|make\s+sure\s+(?:to|you)|be\s+sure\s+to|remember\s+to|ensure\s+(?:that\s+)?(?:you|the)|the|final|all|do)\b[\s,]*)*$",
    )
});

/// Words that make a format a mention rather than THE format: negations ("not in Markdown"),
/// conditions ("if the user asks for a table"), permissions ("you may use Markdown") and
/// examples ("such as JSON").
static HEDGED: LazyLock<WordRegex> = LazyLock::new(|| {
    WordRegex::new(
        r"(?i)\b(?:not|no|never|avoid|without|instead|rather|unless|except|nor|if|when|whenever|where|whether|can|could|may|might|optionally|optional|prefer|preferably|free|e\.g|eg|example|examples|such\s+as|like|etc|either|input|inputs|given|provided|receive|receives|received|contains?|includes?)\b|n't\b|n’t\b",
    )
});

/// Softeners after the format: "use Markdown where appropriate", "tables if needed".
static HEDGED_AFTER: LazyLock<WordRegex> = LazyLock::new(|| {
    WordRegex::new(
        r"(?i)\b(?:where|when|if|as)\s+(?:appropriate|needed|necessary|relevant|applicable|useful|helpful|possible|requested|asked|required)\b|\bunless\b|\bif\s+(?:the\s+user|you|asked|requested)\b",
    )
});

fn in_quotes(sentence: &str, at: usize) -> bool {
    let before = sentence.get(..at).unwrap_or("");
    before.matches('"').count() % 2 == 1
        || before.matches('“').count() > before.matches('”').count()
}

/// Spans of the prose that show examples rather than instruct: fenced code, `<example>`
/// elements, and sections under a heading that names examples.
pub(super) fn example_spans(cx: &Context<'_>, tags: &[Tag]) -> Vec<Span> {
    let mut out: Vec<Span> = fences(cx).into_iter().map(|f| f.span).collect();
    for (open, close) in pair(tags).pairs {
        if let (Some(open), Some(close)) = (tags.get(open), tags.get(close))
            && is_example_tag(&open.name)
        {
            out.push(Span::new(open.span.start, close.span.end));
        }
    }
    let lines = prose_lines(cx);
    let mut section: Option<(usize, usize)> = None;
    for line in &lines {
        let Some(level) = heading_level(cx, line) else {
            continue;
        };
        if let Some((start, open_level)) = section
            && level <= open_level
        {
            out.push(Span::new(start, line.span.start));
            section = None;
        }
        let text = cx.text(line.span).to_ascii_lowercase();
        if section.is_none() && (text.contains("example") || text.contains("sample")) {
            section = Some((line.span.start, level));
        }
    }
    if let Some((start, _)) = section {
        out.push(Span::new(start, cx.body().end));
    }
    out
}

/// The sentences that set the output format, outside examples and code.
pub(super) fn directives(cx: &Context<'_>) -> Vec<Directive> {
    // The example spans cost more than the searches, and most prompts have no sentence that
    // names a format: they are found when the first one does.
    let excluded = std::cell::OnceCell::new();
    let mut out = Vec::new();
    for &sentence in cx.sentences() {
        let text = cx.text(sentence);
        if !DIRECTIVE_GATE.admits_any(DIRECTIVE_GATE.scan(text)) {
            continue;
        }
        let excluded = excluded.get_or_init(|| example_spans(cx, &tags(cx)));
        if excluded.iter().any(|s| s.contains(sentence.start)) {
            continue;
        }
        let mut found: Vec<Directive> = Vec::new();
        let haystack = Haystack::new(text);
        for regex in DIRECTIVES.iter() {
            let Some(regex) = regex.search(&haystack) else {
                continue;
            };
            for captures in regex.captures_iter(text) {
                let (Some(whole), Some(fmt)) = (captures.get(0), captures.name("fmt")) else {
                    continue;
                };
                let Some(kind) = OutputKind::parse(fmt.as_str()) else {
                    continue;
                };
                let before = text.get(..whole.start()).unwrap_or("");
                let up_to_format = text.get(..fmt.start()).unwrap_or("");
                let after = text.get(fmt.end()..).unwrap_or("").trim_start();
                if !ADDRESSED.is_match(before)
                    || HEDGED.is_match(up_to_format)
                    || HEDGED_AFTER.is_match(after)
                    || in_quotes(text, fmt.start())
                    // "JSON or YAML", "JSON/CSV": a choice, not THE format.
                    || after.starts_with("or ")
                    || after.starts_with('/')
                    || up_to_format.trim_end().ends_with(" or")
                    || up_to_format.trim_end().ends_with('/')
                    // "a table of contents", "Markdown code block" are not output formats.
                    || (kind == OutputKind::Table && after.starts_with("of "))
                    || (kind == OutputKind::Markdown
                        && (after.starts_with("code") || after.starts_with("fence")))
                {
                    continue;
                }
                let span = Span::new(sentence.start + fmt.start(), sentence.start + fmt.end());
                if !found.iter().any(|d| d.span == span) {
                    found.push(Directive { kind, span });
                }
            }
        }
        // A sentence naming two different formats is a choice or a combination ("JSON or
        // YAML", "JSON in a Markdown block"): it sets no single format.
        let first = found.first().map(|d| d.kind);
        if found.iter().all(|d| Some(d.kind) == first) {
            if let Some(first) = found.into_iter().min_by_key(|d| d.span.start) {
                out.push(first);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_regex_compiles() {
        assert!(TAG.is_some());
        assert!(LINE_PREFIX.is_some());
        assert!(NAMED_AFTER.is_some());
        assert!(HEADING.is_some());
        assert!(ADDRESSED.compiles());
        assert!(HEDGED.compiles());
        assert!(HEDGED_AFTER.compiles());
        assert_eq!(DIRECTIVES.len(), DIRECTIVE_COUNT);
        assert!(DIRECTIVES.iter().all(WordRegex::compiles));
        for regex in DIRECTIVES
            .iter()
            .chain([&*ADDRESSED, &*HEDGED, &*HEDGED_AFTER])
        {
            crate::lint::pattern::assert_word_regex_exact(regex);
        }
    }

    #[test]
    fn the_directive_gate_admits_every_directive() {
        let patterns: Vec<&str> = DIRECTIVES.iter().map(WordRegex::as_str).collect();
        crate::lint::pattern::assert_gate_sound(&DIRECTIVE_GATE, &patterns);
    }
}
