"""The editing features each client asks for, checked for answers an editor can use: hover,
completion, code actions, document symbols, folding, semantic tokens and formatting."""

from __future__ import annotations

import pytest
from lsprotocol import types

from conftest import Editor, apply_edits, by_rule, covered, position, range_of


def at(doc, needle: str, shift: int = 0) -> types.Position:
    """The position `shift` characters into the first occurrence of `needle`."""
    return position(doc.text, doc.text.index(needle) + shift)


def text_of(contents) -> str:
    """A hover's contents as one string, whichever of the protocol's shapes they take."""
    if isinstance(contents, types.MarkupContent):
        return contents.value
    if isinstance(contents, list):
        return "\n".join(text_of(c) for c in contents)
    if isinstance(contents, types.MarkedStringWithLanguage):
        return contents.value
    return str(contents)


def edits_for(edit: types.WorkspaceEdit, uri: str) -> list[types.TextEdit]:
    """The text edits a workspace edit makes to one document, in either of its shapes."""
    found: list[types.TextEdit] = []
    for change in edit.document_changes or []:
        if isinstance(change, types.TextDocumentEdit) and change.text_document.uri == uri:
            found.extend(change.edits)
    found.extend((edit.changes or {}).get(uri, []))
    return found


def flatten(symbols) -> list:
    out = []
    for symbol in symbols or []:
        out.append(symbol)
        out.extend(flatten(getattr(symbol, "children", None)))
    return out


async def test_hover_on_a_variable_shows_its_declaration(editor: Editor):
    doc = editor.open("summarize.prompt")
    hover = await editor.request(
        editor.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(doc.uri),
                position=at(doc, "{{topic}}", 4),
            )
        )
    )
    assert hover is not None, "no hover on {{topic}}"
    text = text_of(hover.contents)
    assert "topic" in text and "string" in text, text
    assert "what to summarize" in text, "the schema's description is shown"
    if isinstance(hover.contents, types.MarkupContent):
        assert hover.contents.kind in editor.capabilities.text_document.hover.content_format
    if hover.range is not None:
        assert covered(doc.text, hover.range) in ("topic", "{{topic}}")


async def test_completion_after_braces_offers_the_declared_inputs(editor: Editor):
    doc = editor.open("summarize.prompt")
    end = "</document>\n"
    editor.replace(doc, end, end + "Also consider {{")
    cursor = position(doc.text, doc.text.index("{{", doc.text.index(end)) + 2)
    result = await editor.request(
        editor.client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(doc.uri),
                position=cursor,
                context=types.CompletionContext(
                    trigger_kind=types.CompletionTriggerKind.TriggerCharacter,
                    trigger_character="{",
                ),
            )
        )
    )
    assert result is not None, "no completion after {{"
    items = result.items if isinstance(result, types.CompletionList) else result
    labels = {item.label for item in items}
    assert {"topic", "text"} <= labels, sorted(labels)


async def test_code_actions_offer_the_findings_fixes(editor: Editor):
    doc = editor.open("summarize.prompt")
    diagnostics = await editor.diagnostics(doc)
    (typo,) = [d for d in by_rule(diagnostics, "undefined-variable") if "topci" in d.message]
    (trailing,) = by_rule(diagnostics, "formatting-hygiene")

    async def quick_fixes(diagnostic: types.Diagnostic) -> list[types.CodeAction]:
        actions = await editor.request(
            editor.client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(doc.uri),
                    range=diagnostic.range,
                    context=types.CodeActionContext(diagnostics=[diagnostic]),
                )
            )
        )
        assert actions, f"no code action at {diagnostic.code}"
        return [
            a
            for a in actions
            if isinstance(a, types.CodeAction) and a.kind == types.CodeActionKind.QuickFix
        ]

    rename = [a for a in await quick_fixes(typo) if "topic" in a.title]
    assert rename, "the typo's quick fix renames it to the declared `topic`"
    assert rename[0].edit is not None
    fixed = apply_edits(doc.text, edits_for(rename[0].edit, doc.uri))
    assert "Mention 🙂 {{topic}} once." in fixed

    trim = [a for a in await quick_fixes(trailing) if "whitespace" in a.title.lower()]
    assert trim and trim[0].edit is not None
    fixed = apply_edits(doc.text, edits_for(trim[0].edit, doc.uri))
    assert "between the tags.\n" in fixed

    # The fixed text, sent back as the editor would, lints clean of that finding.
    editor.replace(doc, "tags. \n", "tags.\n")
    assert by_rule(await editor.diagnostics(doc), "formatting-hygiene") == []


async def test_document_symbols_outline_the_prompt(editor: Editor):
    doc = editor.open("summarize.prompt")
    symbols = await editor.request(
        editor.client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(doc.uri))
        )
    )
    assert symbols, "no document symbols"
    hierarchical = editor.capabilities.text_document.document_symbol
    if not (hierarchical and hierarchical.hierarchical_document_symbol_support):
        assert all(isinstance(s, types.SymbolInformation) for s in symbols)
    names = " ".join(s.name for s in flatten(symbols)).lower()
    assert "system" in names and "user" in names, names
    for symbol in flatten(symbols):
        rng = symbol.range if hasattr(symbol, "range") else symbol.location.range
        assert rng.end.line <= doc.text.count("\n")


async def test_folding_ranges_cover_the_front_matter(editor: Editor):
    doc = editor.open("summarize.prompt")
    ranges = await editor.request(
        editor.client.text_document_folding_range_async(
            types.FoldingRangeParams(text_document=types.TextDocumentIdentifier(doc.uri))
        )
    )
    assert ranges, "no folding ranges"
    closing = doc.text.split("\n").index("---", 1)
    assert any(r.start_line == 0 and r.end_line in (closing - 1, closing) for r in ranges), ranges
    assert all(r.start_line < r.end_line for r in ranges)


async def test_semantic_tokens_mark_variables(editor: Editor):
    if not editor.capabilities.text_document.semantic_tokens:
        pytest.skip(f"{editor.profile} does not ask for semantic tokens")
    legend = editor.init.capabilities.semantic_tokens_provider.legend
    assert legend.token_types, "the legend names no token types"
    doc = editor.open("summarize.prompt")
    tokens = await editor.request(
        editor.client.text_document_semantic_tokens_full_async(
            types.SemanticTokensParams(text_document=types.TextDocumentIdentifier(doc.uri))
        )
    )
    assert tokens is not None and tokens.data, "no semantic tokens"
    assert len(tokens.data) % 5 == 0
    line = start = 0
    decoded = []
    for i in range(0, len(tokens.data), 5):
        delta_line, delta_start, length, kind, _modifiers = tokens.data[i : i + 5]
        line += delta_line
        start = start + delta_start if delta_line == 0 else delta_start
        decoded.append((line, start, length, legend.token_types[kind]))
    topic = range_of(doc.text, "topic}}")
    kinds = {
        kind
        for (ln, st, length, kind) in decoded
        if ln == topic.start.line and st == topic.start.character and length == len("topic")
    }
    assert kinds & {"variable", "parameter", "property"}, (kinds, decoded[:20])


async def test_formatting_tidies_without_changing_the_rendered_prompt(editor: Editor):
    messy = editor.open(
        "messy.prompt",
        "---\nmodel:   openai/gpt-4o-mini\ninput:\n  schema:\n    question: string\n---\n"
        "{{role \"system\"}}\nAnswer in one sentence.\n{{role \"user\"}}\n{{   question   }}\n",
    )

    async def format_once() -> list[types.TextEdit]:
        return await editor.request(
            editor.client.text_document_formatting_async(
                types.DocumentFormattingParams(
                    text_document=types.TextDocumentIdentifier(messy.uri),
                    options=types.FormattingOptions(tab_size=2, insert_spaces=True),
                )
            )
        ) or []

    async def render() -> dict:
        return await editor.request(
            editor.client.workspace_execute_command_async(
                types.ExecuteCommandParams(
                    command="promptopt.render",
                    arguments=[{"uri": messy.uri, "data": {"input": {"question": "Why?"}}}],
                )
            )
        )

    before = await render()
    edits = await format_once()
    assert edits, "nothing to tidy in `{{   question   }}`"
    formatted = apply_edits(messy.text, edits)
    assert formatted != messy.text
    # Sent back as one whole edit, as an editor applies a format.
    whole = types.Range(start=position(messy.text, 0), end=position(messy.text, len(messy.text)))
    editor.edit(messy, whole, formatted)
    assert await render() == before, "formatting changed what the prompt renders to"
    assert await format_once() == [], "formatting is not idempotent"

    clean = editor.open("clean.prompt")
    answer = await editor.request(
        editor.client.text_document_formatting_async(
            types.DocumentFormattingParams(
                text_document=types.TextDocumentIdentifier(clean.uri),
                options=types.FormattingOptions(tab_size=2, insert_spaces=True),
            )
        )
    )
    assert not answer, f"a tidy prompt got edits: {answer}"
