import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as vscode from 'vscode';
import { documentVersions, settings } from './vscode';
import type { ServerConnection } from '../../src/connection';
import type { FeedbackWidget } from '../../src/widget/panel';
import { emptyState, type WidgetState } from '../../src/widget/messages';
import { DENIED, Workflows } from '../../src/workflows';

const ID = '01a21f57-7f7a-7189-83d9-059671fd7464';
const PROMPT = vscode.Uri.file('/ws/summarize.prompt');

function harness(answers: Record<string, (argument: any) => unknown>) {
  const calls: { command: string; argument: any }[] = [];
  const connection = {
    run: vi.fn(async (command: string, argument: unknown) => {
      calls.push({ command, argument });
      const answer = answers[command];
      if (!answer) throw new Error(`unexpected ${command}`);
      return answer(argument);
    }),
  } as unknown as ServerConnection;
  let state: WidgetState = emptyState({ abTesting: false, reviewGating: true });
  const widget = {
    onMessage: vi.fn(),
    show: vi.fn((uri: vscode.Uri | null | undefined) => {
      if (uri !== undefined) state = { ...state, prompt: uri && { uri: uri.toString(), name: 'summarize.prompt' } };
    }),
    update: vi.fn((change: Partial<WidgetState>) => (state = { ...state, ...change })),
    updateFor: vi.fn((target: string | null, change: Partial<WidgetState>) => {
      if ((state.prompt?.uri ?? null) === target) state = { ...state, ...change };
    }),
    get current() {
      return state;
    },
  } as unknown as FeedbackWidget;
  return { calls, workflows: new Workflows(connection, widget), widget, state: () => state };
}

const history = { promptId: 'summarize', head: ID, labels: [], versions: [], changes: [], events: [], alerts: [], favorites: [] };
const candidates = { candidates: [{ prompt: 'A', score: 4 }, { prompt: 'B', score: 5 }] };

beforeEach(() => {
  settings.clear();
  documentVersions.clear();
  vi.clearAllMocks();
});

describe('workflows', () => {
  it('generate asks for the configured number of variants and shows them in the widget', async () => {
    settings.set('generate.variantCount', 5);
    const h = harness({ 'promptopt.generate': () => candidates, 'promptopt.history': () => history });
    await h.workflows.generate({ uri: PROMPT });
    expect(h.calls[0]).toEqual({ command: 'promptopt.generate', argument: { uri: PROMPT.toString(), count: 5 } });
    expect(h.state().variants).toEqual(candidates);
    expect(h.state().history).toEqual(history);
    expect(h.state().busy).toBeNull();
    expect(h.state().notice?.text).toBe('2 variants generated.');
  });

  it("no variants says why, in the engine's words", async () => {
    const h = harness({
      'promptopt.generate': () => ({ candidates: [], notes: ['the starting prompt has 6 lint errors: fix them first'] }),
      'promptopt.history': () => history,
    });
    await h.workflows.generate({ uri: PROMPT });
    expect(h.state().notice).toEqual({ kind: 'error', text: 'No variants: the starting prompt has 6 lint errors: fix them first' });
  });

  it('generate from a task sends the task and context and clamps the count', async () => {
    settings.set('generate.variantCount', 99);
    const h = harness({ 'promptopt.generate': () => candidates });
    h.state().prompt = { uri: PROMPT.toString(), name: 'summarize.prompt' };
    await h.workflows.generate({ task: 'triage tickets', context: '' });
    expect(h.calls).toEqual([{ command: 'promptopt.generate', argument: { task: 'triage tickets', context: undefined, count: 10 } }]);
    // The widget leaves the open prompt: a new prompt's variants must never overwrite it.
    expect(h.widget.show).toHaveBeenCalledWith(null);
    expect(h.state().prompt).toBeNull();
  });

  it('a failed command ends busy and shows the error in the widget', async () => {
    const h = harness({
      'promptopt.evaluate': () => {
        throw new Error('cannot use the model settings');
      },
    });
    await expect(h.workflows.evaluate(PROMPT)).rejects.toThrow('cannot use the model settings');
    expect(h.state().busy).toBeNull();
    expect(h.state().notice).toEqual({ kind: 'error', text: 'cannot use the model settings' });
  });

  it('a cancelled command says so, not that it failed', async () => {
    const h = harness({
      'promptopt.refine': () => {
        throw new vscode.CancellationError();
      },
    });
    await expect(h.workflows.refine(PROMPT, [])).rejects.toBeInstanceOf(vscode.CancellationError);
    expect(h.state().notice).toEqual({ kind: 'info', text: 'Cancelled.' });
    expect(h.state().busy).toBeNull();
  });

  it('a refused approval can be overridden with a reason, which is sent to the server', async () => {
    let attempts = 0;
    const h = harness({
      'promptopt.approve': (argument) => {
        attempts++;
        if (!argument.override) throw Object.assign(new Error('you wrote this version: ask someone else'), { code: DENIED });
        return {};
      },
      'promptopt.history': () => history,
    });
    vi.mocked(vscode.window.showWarningMessage).mockResolvedValueOnce('Override…' as never);
    vi.mocked(vscode.window.showInputBox).mockResolvedValueOnce('  hotfix for an outage  ');
    h.state().prompt = { uri: PROMPT.toString(), name: 'summarize.prompt' };
    await h.workflows.handle({ type: 'approve', versionId: ID }, h.state());
    expect(attempts).toBe(2);
    expect(h.calls.filter((c) => c.command === 'promptopt.approve').map((c) => c.argument.override)).toEqual([
      undefined,
      'hotfix for an outage',
    ]);
    expect(h.state().notice?.text).toBe('Approved.');
  });

  it('a refusal the user does not override is shown and nothing is retried', async () => {
    const h = harness({
      'promptopt.deploy': () => {
        throw Object.assign(new Error('only an approved version deploys'), { code: DENIED });
      },
      'promptopt.history': () => history,
    });
    vi.mocked(vscode.window.showWarningMessage).mockResolvedValueOnce(undefined);
    await h.workflows.handle({ type: 'deploy', versionId: ID }, { ...h.state(), prompt: { uri: PROMPT.toString(), name: 'x' } });
    expect(h.calls.filter((c) => c.command === 'promptopt.deploy')).toHaveLength(1);
    expect(h.state().notice?.text).toBe('only an approved version deploys');
  });

  it('other errors are not mistaken for refusals', async () => {
    const h = harness({
      'promptopt.rollback': () => {
        throw Object.assign(new Error('unknown version'), { code: -32602 });
      },
    });
    await expect(h.workflows.rollback(PROMPT, ID, 'bad')).rejects.toThrow('unknown version');
    expect(vscode.window.showWarningMessage).not.toHaveBeenCalled();
  });

  it('applying a variant replaces the whole document, or opens a new one when there is no prompt', async () => {
    const h = harness({});
    const state = { ...h.state(), variants: candidates as never };
    await h.workflows.handle({ type: 'applyVariant', index: 1 }, { ...state, prompt: { uri: PROMPT.toString(), name: 'x' } });
    const edit = vi.mocked(vscode.workspace.applyEdit).mock.calls[0]?.[0] as unknown as vscode.WorkspaceEdit & {
      replacements: { text: string }[];
    };
    expect(edit.replacements.map((r) => r.text)).toEqual(['B']);
    await h.workflows.handle({ type: 'applyVariant', index: 0 }, state);
    expect(vscode.workspace.openTextDocument).toHaveBeenLastCalledWith({ language: 'dotprompt', content: 'A' });
    await h.workflows.handle({ type: 'applyVariant', index: 7 }, state);
    expect(vscode.workspace.applyEdit).toHaveBeenCalledTimes(1);
  });

  it('a rating goes to the server with the version and refreshes the trail', async () => {
    const h = harness({ 'promptopt.feedback': () => ({}), 'promptopt.history': () => history });
    await h.workflows.handle({ type: 'rate', score: 2, notes: 'too long', versionId: ID }, { ...h.state(), prompt: { uri: PROMPT.toString(), name: 'x' } });
    expect(h.calls.map((c) => c.command)).toEqual(['promptopt.feedback', 'promptopt.history']);
    expect(h.calls[0]?.argument).toEqual({ uri: PROMPT.toString(), score: 2, notes: 'too long', versionId: ID });
    expect(h.state().notice?.text).toBe('Rating 2/5 recorded.');
  });

  it("a prompt's results never land on the prompt the user moved to meanwhile", async () => {
    let answer: (list: unknown) => void = () => {};
    const h = harness({
      'promptopt.generate': () => new Promise((resolve) => (answer = resolve)),
      'promptopt.history': () => history,
    });
    const running = h.workflows.generate({ uri: PROMPT });
    await vi.waitFor(() => expect(h.calls).toHaveLength(1));
    h.widget.show(vscode.Uri.file('/ws/other.prompt'));
    answer(candidates);
    await running;
    expect(h.state().prompt?.uri).toBe(vscode.Uri.file('/ws/other.prompt').toString());
    expect(h.state().variants).toBeNull();
    expect(h.state().notice).toBeNull();
  });

  it('applying a result to a prompt edited since asks first', async () => {
    const h = harness({ 'promptopt.generate': () => candidates, 'promptopt.history': () => history });
    await h.workflows.generate({ uri: PROMPT });
    documentVersions.set(PROMPT.toString(), 2);
    await h.workflows.handle({ type: 'applyVariant', index: 0 }, h.state());
    expect(vscode.window.showWarningMessage).toHaveBeenCalledWith(expect.stringContaining('changed after these results'), { modal: true }, 'Apply Anyway');
    expect(vscode.workspace.applyEdit).not.toHaveBeenCalled();
    vi.mocked(vscode.window.showWarningMessage).mockResolvedValueOnce('Apply Anyway' as never);
    await h.workflows.handle({ type: 'applyVariant', index: 0 }, h.state());
    expect(vscode.workspace.applyEdit).toHaveBeenCalledTimes(1);
  });

  it('the A/B toggle writes the workspace setting', async () => {
    const h = harness({});
    await h.workflows.handle({ type: 'setAbTesting', enabled: true }, h.state());
    expect(settings.get('abTesting.enabled')).toBe(true);
  });
});
