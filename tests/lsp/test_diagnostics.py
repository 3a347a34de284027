"""Diagnostics as each client gets them: on open, after an incremental edit, on close, and when
something the prompt depends on changes (a partial it includes, the project's promptopt.toml)."""

from __future__ import annotations

from lsprotocol import types

from conftest import Editor, by_rule, covered


async def test_initialize_announces_name_utf16_and_incremental_sync(editor: Editor):
    init = editor.init
    assert init.server_info is not None and init.server_info.name == "promptopt"
    assert init.server_info.version
    caps = init.capabilities
    # UTF-16 is the one encoding every client must accept, whatever else it offers.
    assert caps.position_encoding == types.PositionEncodingKind.Utf16
    sync = caps.text_document_sync
    assert isinstance(sync, types.TextDocumentSyncOptions)
    assert sync.open_close is True
    assert sync.change == types.TextDocumentSyncKind.Incremental
    assert "promptopt.render" in caps.execute_command_provider.commands


async def test_open_prompt_gets_rule_diagnostics_with_docs_links(editor: Editor):
    doc = editor.open("summarize.prompt")
    diagnostics = await editor.diagnostics(doc)

    (typo,) = [d for d in by_rule(diagnostics, "undefined-variable") if "topci" in d.message]
    # The range is counted in UTF-16 units after a non-BMP emoji on the same line.
    assert covered(doc.text, typo.range) == "topci"
    assert typo.severity == types.DiagnosticSeverity.Error
    assert typo.source == "promptopt"
    publish = editor.capabilities.text_document.publish_diagnostics
    if publish.code_description_support:
        assert typo.code_description is not None
        assert typo.code_description.href.startswith("https://")
        assert "undefined-variable" in typo.code_description.href

    (trailing,) = by_rule(diagnostics, "formatting-hygiene")
    assert covered(doc.text, trailing.range) == " "
    # The partial's undeclared variable is reported on the prompt, at the include.
    (via_partial,) = [d for d in by_rule(diagnostics, "undefined-variable") if "tone" in d.message]
    assert covered(doc.text, via_partial.range) == "{{> footer}}"
    # promptopt.toml turns this rule off for the project.
    assert by_rule(diagnostics, "vague-quantifier") == []


async def test_pull_diagnostics_when_the_client_asks_for_them(pull_editor: Editor):
    editor = pull_editor
    assert editor.init.capabilities.diagnostic_provider is not None
    doc = editor.open("summarize.prompt")
    first = await editor.request(
        editor.client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(doc.uri))
        )
    )
    assert first.kind == "full"
    assert {d.code for d in first.items} >= {"undefined-variable", "formatting-hygiene"}
    assert first.result_id

    # Nothing changed: the client may keep what it has.
    again = await editor.request(
        editor.client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(
                text_document=types.TextDocumentIdentifier(doc.uri),
                previous_result_id=first.result_id,
            )
        )
    )
    assert again.kind == "unchanged"
    assert again.result_id == first.result_id

    editor.replace(doc, "topci", "topic")
    after = await editor.pull_diagnostics(doc)
    assert not [d for d in after if "topci" in d.message]
    # A pulling client is never pushed to as well (it would see every finding twice).
    assert editor.client.published[doc.uri] == []


async def test_diagnostics_follow_incremental_edits_and_clear_on_close(editor: Editor):
    doc = editor.open("summarize.prompt")
    before = await editor.diagnostics(doc)
    assert [d for d in before if "topci" in d.message]

    # Two edits, the first one on a line with a non-BMP character: positions are UTF-16.
    editor.replace(doc, "topci", "topic")
    editor.replace(doc, "tags. \n", "tags.\n")
    assert "Mention 🙂 {{topic}} once." in doc.text
    after = await editor.diagnostics(doc)
    assert not [d for d in after if "topci" in d.message]
    assert by_rule(after, "formatting-hygiene") == []
    # What the edits did not touch is still reported, at its place in the new text.
    (via_partial,) = [d for d in by_rule(after, "undefined-variable") if "tone" in d.message]
    assert covered(doc.text, via_partial.range) == "{{> footer}}"

    # A new mistake typed in the middle of the body is found at its new place.
    editor.replace(doc, "{{text}}", "{{txt}}")
    typed = await editor.diagnostics(doc)
    (typo,) = [d for d in typed if "`txt`" in d.message]
    assert covered(doc.text, typo.range) == "txt"

    mark = editor.mark(doc)
    editor.close(doc)
    if editor.pull:
        # The client drops a closed document's diagnostics itself; the server has none left.
        assert await editor.pull_diagnostics(doc) == []
    else:
        cleared = await editor.client.until(
            "diagnostics cleared on close",
            lambda: editor.client.published[doc.uri][mark.published :],
        )
        assert list(cleared[-1].diagnostics) == []


async def test_editing_a_partial_relints_the_prompt_that_includes_it(editor: Editor):
    partial = editor.open("_footer.prompt")
    prompt = editor.open("summarize.prompt")
    diagnostics = await editor.diagnostics(prompt)
    assert [d for d in diagnostics if "`tone`" in d.message]

    mark = editor.mark(prompt)
    # The unsaved text in the editor counts, not the file on disk.
    editor.replace(partial, "{{tone}}", "{{topic}}")
    relinted = await editor.relinted(
        prompt, mark, showing=lambda ds: not [d for d in ds if "`tone`" in d.message]
    )
    assert [d for d in relinted if "topci" in d.message], "the rest is still reported"


async def test_changing_promptopt_toml_on_disk_relints_open_prompts(editor: Editor):
    watches = editor.capabilities.workspace.did_change_watched_files
    if watches.dynamic_registration:
        # The server asks such clients to watch the project file for it.
        registration = await editor.client.until(
            "a file watcher registration",
            lambda: next(
                (
                    r
                    for r in editor.client.registrations
                    if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
                ),
                None,
            ),
        )
        globs = [w["globPattern"] for w in registration.register_options["watchers"]]
        assert "**/promptopt.toml" in globs

    doc = editor.open("questions.prompt")
    assert by_rule(await editor.diagnostics(doc), "vague-quantifier") == []

    config = editor.root / "promptopt.toml"
    config.write_text(config.read_text().replace('"off"', '"warning"'))
    mark = editor.mark(doc)
    editor.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)
            ]
        )
    )
    relinted = await editor.relinted(
        doc, mark, showing=lambda ds: bool(by_rule(ds, "vague-quantifier"))
    )
    vague = by_rule(relinted, "vague-quantifier")
    assert {covered(doc.text, d.range) for d in vague} == {"short summary", "a few"}
    assert {d.severity for d in vague} == {types.DiagnosticSeverity.Warning}
