// The extension-host suite: runs inside a real VS Code (code-server) with the packaged VSIX's
// extension, against the real language server bundled in it. tests/run-vscode.mjs starts it
// with `extensionTestsPath` pointing here and reads the results file this writes.

import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { PromptOptApi } from '../../src/extension';

const EXTENSION_ID = 'promptopt.promptopt';

interface Outcome {
  name: string;
  ok: boolean;
  detail: string;
  ms: number;
}

type Check = [name: string, run: () => Promise<string>];

export async function run(): Promise<void> {
  const outcomes: Outcome[] = [];
  for (const [name, check] of checks()) {
    const started = Date.now();
    try {
      const detail = await check();
      outcomes.push({ name, ok: true, detail, ms: Date.now() - started });
    } catch (error) {
      outcomes.push({ name, ok: false, detail: error instanceof Error ? error.stack ?? error.message : String(error), ms: Date.now() - started });
    }
  }
  const summary = { passed: outcomes.filter((o) => o.ok).length, failed: outcomes.filter((o) => !o.ok).length, outcomes };
  const file = process.env.PROMPTOPT_TEST_RESULTS;
  if (file) writeFileSync(file, JSON.stringify(summary, null, 2));
  console.log(`PROMPTOPT_SUITE_RESULT ${JSON.stringify(summary)}`);
}

function checks(): Check[] {
  let api: PromptOptApi;
  const showcase = () => file('lint-showcase/support-triage.prompt');
  return [
    [
      'the packaged extension activates and starts its bundled server',
      async () => {
        const extension = vscode.extensions.getExtension<PromptOptApi>(EXTENSION_ID);
        assert(extension, `${EXTENSION_ID} is not installed`);
        const document = await vscode.workspace.openTextDocument(showcase());
        assert(document.languageId === 'dotprompt', `.prompt opened as ${document.languageId}`);
        api = await extension.activate();
        await until(() => api.connection.current.kind === 'running', 'the server to start');
        const state = api.connection.current;
        assert(state.kind === 'running', 'not running');
        assert(state.binary.source === 'bundled', `found by ${state.binary.source}: ${state.binary.path}`);
        return `${state.binary.path} (${state.binary.source})`;
      },
    ],
    [
      'diagnostics appear on an example file',
      async () => {
        const document = await vscode.workspace.openTextDocument(showcase());
        await vscode.window.showTextDocument(document);
        const diagnostics = await diagnosticsOf(document.uri, (d) => d.some((x) => code(x) === 'invalid-role'));
        const codes = [...new Set(diagnostics.map(code))].sort();
        for (const expected of ['invalid-role', 'hardcoded-secret', 'undefined-variable']) {
          assert(codes.includes(expected), `no ${expected} among ${codes.join(', ')}`);
        }
        return `${diagnostics.length} diagnostics: ${codes.join(', ')}`;
      },
    ],
    [
      'a quick fix applies and its diagnostic goes away',
      async () => {
        const document = await vscode.workspace.openTextDocument(showcase());
        const diagnostic = (await diagnosticsOf(document.uri, (d) => d.some((x) => code(x) === 'invalid-role'))).find(
          (d) => code(d) === 'invalid-role',
        );
        assert(diagnostic, 'no invalid-role diagnostic');
        const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
          'vscode.executeCodeActionProvider',
          document.uri,
          diagnostic.range,
          vscode.CodeActionKind.QuickFix.value,
        );
        const fix = actions.find((a) => a.title.includes("Use role 'model'"));
        assert(fix?.edit, `no "Use role 'model'" fix among: ${actions.map((a) => a.title).join(' | ')}`);
        const before = document.lineAt(diagnostic.range.start.line).text;
        assert(await vscode.workspace.applyEdit(fix.edit), 'the edit did not apply');
        const after = document.lineAt(diagnostic.range.start.line).text;
        assert(after.includes('"model"') && after !== before, `line is now ${after}`);
        await diagnosticsOf(document.uri, (d) => !d.some((x) => code(x) === 'invalid-role'));
        await vscode.commands.executeCommand('workbench.action.files.revert');
        return `${before.trim()} → ${after.trim()}`;
      },
    ],
    [
      'hover explains a template variable',
      async () => {
        const document = await vscode.workspace.openTextDocument(file('summarize.prompt'));
        const position = positionOf(document, '{{text}}', 3);
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, position);
        const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
        assert(text.includes('text'), `hover: ${text}`);
        return text.split('\n')[0] ?? '';
      },
    ],
    [
      'completion offers the input variables and the snippets',
      async () => {
        const document = await vscode.workspace.openTextDocument(file('summarize.prompt'));
        const position = positionOf(document, '{{text}}', 2);
        const list = await vscode.commands.executeCommand<vscode.CompletionList>(
          'vscode.executeCompletionItemProvider',
          document.uri,
          position,
        );
        const labels = list.items.map(label);
        for (const expected of ['text', 'audience', 'max_points']) {
          assert(labels.includes(expected), `no ${expected} among ${labels.slice(0, 40).join(', ')}`);
        }
        const end = document.lineAt(document.lineCount - 1).range.end;
        const atEnd = await vscode.commands.executeCommand<vscode.CompletionList>(
          'vscode.executeCompletionItemProvider',
          document.uri,
          end,
        );
        const snippets = atEnd.items.filter((i) => i.kind === vscode.CompletionItemKind.Snippet).map(label);
        for (const expected of ['promptGen', 'refinePrompt']) {
          assert(snippets.includes(expected), `no ${expected} snippet among ${snippets.join(', ')}`);
        }
        return `${labels.length} items in {{, snippets ${snippets.join(', ')}`;
      },
    ],
    [
      'the promptGen snippet expands into a prompt that lints clean',
      async () => {
        const uri = file('generated-by-snippet.prompt');
        await vscode.workspace.fs.writeFile(uri, new Uint8Array());
        const document = await vscode.workspace.openTextDocument(uri);
        await vscode.window.showTextDocument(document);
        await vscode.commands.executeCommand('editor.action.insertSnippet', { langId: 'dotprompt', name: 'promptGen' });
        await until(() => document.getText().includes('{{role "system"}}'), 'the snippet to expand');
        const text = document.getText();
        assert(text.startsWith('---\nname: generated-by-snippet\n'), text.slice(0, 80));
        const diagnostics = await diagnosticsOf(uri, () => true, 1500);
        const errors = diagnostics.filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
        assert(errors.length === 0, `errors: ${errors.map((d) => `${code(d)} ${d.message}`).join('; ')}`);
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
        return `${document.lineCount} lines, ${diagnostics.length} findings`;
      },
    ],
    [
      'PromptOpt: Generate returns variants to the widget',
      async () => {
        const list = await vscode.commands.executeCommand<{ candidates: unknown[] }>('promptopt.generatePrompt', {
          task: 'Summarize a support ticket for the on-call engineer',
          context: 'The engineer reads it on a phone',
        });
        assert(list && list.candidates.length === 3, `answer: ${JSON.stringify(list)?.slice(0, 200)}`);
        const shown = api.widget.current.variants?.candidates ?? [];
        assert(shown.length === 3, `the widget shows ${shown.length} variants`);
        assert(api.widget.visible, 'the widget is not visible');
        return shown.map((c) => `${c.strategy} ${c.score}`).join(', ');
      },
    ],
    [
      'PromptOpt: Restart Server (twice at once) brings one new server that lints again',
      async () => {
        const before = api.connection.current;
        // Twice at once, as an impatient user does: the restarts queue instead of racing.
        await Promise.all([
          vscode.commands.executeCommand('promptopt.restartServer'),
          vscode.commands.executeCommand('promptopt.restartServer'),
        ]);
        await until(() => api.connection.current.kind === 'running', 'the server to restart');
        assert(api.connection.current !== before, 'the state did not change');
        const uri = file('lint-showcase/support-triage.prompt');
        const document = await vscode.workspace.openTextDocument(uri);
        await vscode.window.showTextDocument(document);
        // An edit makes the new server publish for this document.
        const edit = new vscode.WorkspaceEdit();
        edit.insert(uri, new vscode.Position(document.lineCount - 1, 0), 'Be brief.\n');
        await vscode.workspace.applyEdit(edit);
        const diagnostics = await diagnosticsOf(uri, (d) => d.some((x) => code(x) === 'invalid-role'));
        await vscode.commands.executeCommand('workbench.action.files.revert');
        return `${diagnostics.length} diagnostics after the restart`;
      },
    ],
    [
      'the widget keeps the version trail: save, rate, history',
      async () => {
        const uri = file('summarize.prompt');
        const document = await vscode.workspace.openTextDocument(uri);
        await vscode.window.showTextDocument(document);
        await vscode.commands.executeCommand('promptopt.showFeedbackWidget');
        await api.workflows.feedback(uri, 4, 'clear and short', null);
        const history = api.widget.current.history;
        assert(history && history.versions.length >= 1, 'no versions in the trail');
        const rated = history.events.some((e) => e.eventType === 'FeedbackSubmitted');
        assert(rated, `events: ${history.events.map((e) => e.eventType).join(', ')}`);
        return `${history.versions.length} versions, ${history.events.length} events`;
      },
    ],
  ];
}

function file(relative: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert(folder, 'no workspace folder is open');
  return vscode.Uri.joinPath(folder.uri, relative);
}

function label(item: vscode.CompletionItem): string {
  return typeof item.label === 'string' ? item.label : item.label.label;
}

function code(d: vscode.Diagnostic): string {
  const c = d.code;
  return typeof c === 'object' && c !== null ? String(c.value) : String(c);
}

function positionOf(document: vscode.TextDocument, needle: string, offsetInNeedle: number): vscode.Position {
  const at = document.getText().indexOf(needle);
  assert(at >= 0, `${needle} not in ${document.uri.path}`);
  return document.positionAt(at + offsetInNeedle);
}

async function diagnosticsOf(
  uri: vscode.Uri,
  ready: (d: vscode.Diagnostic[]) => boolean,
  settleMs = 0,
): Promise<vscode.Diagnostic[]> {
  const ours = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'promptopt');
  await until(() => ready(ours()), `diagnostics on ${uri.path}`);
  if (settleMs) await new Promise((r) => setTimeout(r, settleMs));
  return ours();
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}
