// The palette commands. Each gathers what it needs from the user (or from its arguments, so
// keybindings, tasks and tests can run it without dialogs) and hands over to a workflow.

import * as vscode from 'vscode';
import { isPromptDocument } from './config';
import type { ServerConnection } from './connection';
import type { PromptHistory } from './protocol';
import type { FeedbackWidget } from './widget/panel';
import { errorText } from './widget/panel';
import { isCancellation, type Workflows } from './workflows';

export const Command = {
  generate: 'promptopt.generatePrompt',
  evaluate: 'promptopt.evaluatePrompt',
  refine: 'promptopt.refinePrompt',
  submitFeedback: 'promptopt.submitFeedback',
  showHistory: 'promptopt.showHistory',
  rollBack: 'promptopt.rollBack',
  showWidget: 'promptopt.showFeedbackWidget',
  restartServer: 'promptopt.restartServer',
  showOutput: 'promptopt.showOutput',
  statusMenu: 'promptopt.statusMenu',
} as const;

export interface GenerateArgs {
  task?: string;
  context?: string;
  /** Improve this prompt instead of starting from a task. */
  uri?: string;
}

export function registerCommands(
  connection: ServerConnection,
  workflows: Workflows,
  widget: FeedbackWidget,
): vscode.Disposable[] {
  const register = (id: string, run: (...args: any[]) => Promise<unknown>) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await run(...args);
      } catch (error) {
        if (isCancellation(error)) return undefined;
        void vscode.window.showErrorMessage(`PromptOpt: ${errorText(error)}`);
        return undefined;
      }
    });

  return [
    register(Command.generate, async (args?: GenerateArgs) => {
      const request = args ?? (await askGenerate());
      if (!request) return undefined;
      return workflows.generate({
        uri: request.uri ? vscode.Uri.parse(request.uri) : undefined,
        task: request.task,
        context: request.context,
      });
    }),
    register(Command.evaluate, async (uri?: vscode.Uri) => {
      const prompt = uri ?? requirePrompt();
      return prompt && workflows.evaluate(prompt);
    }),
    register(Command.refine, async (uri?: vscode.Uri, feedback?: string[]) => {
      const prompt = uri ?? requirePrompt();
      if (!prompt) return undefined;
      const notes = feedback ?? (await askFeedbackNotes());
      if (notes === undefined) return undefined;
      const result = await workflows.refine(prompt, notes);
      if (!feedback) await workflows.offerRefinement(prompt, result);
      return result;
    }),
    register(Command.submitFeedback, async () => {
      const prompt = requirePrompt();
      if (!prompt) return undefined;
      const score = await vscode.window.showQuickPick(
        [
          { label: '5', description: 'excellent' },
          { label: '4', description: 'good' },
          { label: '3', description: 'acceptable' },
          { label: '2', description: 'poor' },
          { label: '1', description: 'unusable' },
        ],
        { title: 'Rate this prompt', placeHolder: 'Score from 1 to 5' },
      );
      if (!score) return undefined;
      const notes = await vscode.window.showInputBox({
        title: 'Notes (optional)',
        prompt: 'What works and what does not; QA sees these in the trail.',
      });
      if (notes === undefined) return undefined;
      return workflows.feedback(prompt, Number(score.label), notes.trim() || null, null);
    }),
    register(Command.showHistory, async () => {
      const prompt = requirePrompt();
      return prompt && workflows.showHistory(prompt);
    }),
    register(Command.rollBack, async () => {
      const prompt = requirePrompt();
      if (!prompt) return undefined;
      const history = await workflows.showHistory(prompt);
      const target = await pickVersion(history);
      if (!target) return undefined;
      const reason = await vscode.window.showInputBox({
        title: `Roll back to ${target.slice(-8)}`,
        prompt: 'Why? The audit trail records the reason.',
        validateInput: (value) => (value.trim() ? undefined : 'A reason is required'),
      });
      if (!reason) return undefined;
      return workflows.rollback(prompt, target, reason.trim());
    }),
    register(Command.showWidget, async () => {
      const prompt = activePrompt() ?? undefined;
      if (prompt) return workflows.showHistory(prompt);
      widget.show(undefined);
      return undefined;
    }),
    register(Command.restartServer, () => connection.restart()),
    register(Command.showOutput, async () => connection.output.show()),
    register(Command.statusMenu, async () => {
      const picked = await vscode.window.showQuickPick(
        [
          { label: '$(debug-restart) Restart Server', command: Command.restartServer },
          { label: '$(output) Show Output', command: Command.showOutput },
          { label: '$(feedback) Show Feedback Widget', command: Command.showWidget },
          { label: '$(gear) Settings', command: 'workbench.action.openSettings', args: ['promptopt'] },
        ],
        { title: 'PromptOpt' },
      );
      if (picked) await vscode.commands.executeCommand(picked.command, ...(picked.args ?? []));
    }),
  ];
}

/** The prompt in the active editor. */
export function activePrompt(): vscode.Uri | undefined {
  const document = vscode.window.activeTextEditor?.document;
  return document && isPromptDocument(document) ? document.uri : undefined;
}

function requirePrompt(): vscode.Uri | undefined {
  const prompt = activePrompt();
  if (!prompt) void vscode.window.showWarningMessage('PromptOpt: open a .prompt file first, then run the command again.');
  return prompt;
}

async function askGenerate(): Promise<GenerateArgs | undefined> {
  const open = activePrompt();
  if (open) {
    const choice = await vscode.window.showQuickPick(
      [
        { label: `Improve ${vscode.workspace.asRelativePath(open)}`, improve: true },
        { label: 'Start a new prompt from a task', improve: false },
      ],
      { title: 'PromptOpt: Generate' },
    );
    if (!choice) return undefined;
    if (choice.improve) return { uri: open.toString() };
  }
  const task = await vscode.window.showInputBox({
    title: 'PromptOpt: Generate (1/2)',
    prompt: 'What should the prompt do?',
    placeHolder: 'Summarize a support ticket for the on-call engineer',
    validateInput: (value) => (value.trim() ? undefined : 'Describe the task'),
  });
  if (!task) return undefined;
  const context = await vscode.window.showInputBox({
    title: 'PromptOpt: Generate (2/2)',
    prompt: 'Context: audience, inputs, constraints (optional)',
  });
  if (context === undefined) return undefined;
  return { task: task.trim(), context: context.trim() || undefined };
}

async function askFeedbackNotes(): Promise<string[] | undefined> {
  const text = await vscode.window.showInputBox({
    title: 'PromptOpt: Refine',
    prompt: 'What should improve? Separate notes with ";" (optional: lint findings and the rubric guide refinement too)',
    placeHolder: 'answers are too long; it ignores the JSON format',
  });
  if (text === undefined) return undefined;
  return text
    .split(';')
    .map((note) => note.trim())
    .filter(Boolean);
}

async function pickVersion(history: PromptHistory): Promise<string | undefined> {
  const choices = [...history.versions]
    .reverse()
    .filter((v) => v.id !== history.head)
    .map((v) => ({
      label: v.id.slice(-8),
      description: `${v.origin}${v.strategy ? ` (${v.strategy})` : ''} · ${v.createdAt} · ${v.review}`,
      detail: v.message,
      id: v.id,
    }));
  if (choices.length === 0) {
    void vscode.window.showInformationMessage('PromptOpt: there is no earlier version to roll back to.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(choices, { title: 'Roll back to which version?' });
  return picked?.id;
}
