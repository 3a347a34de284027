// The prompt lifecycle as the editor drives it: each workflow asks the server, shows the
// answer in the FeedbackWidget and says what happened. The palette commands and the widget's
// buttons both come here, so they behave the same.

import * as vscode from 'vscode';
import { clientSettings, setAbTesting } from './config';
import type { ServerConnection } from './connection';
import { ServerCommand, type CandidateList, type EvalResult, type PromptHistory, type RefineResult } from './protocol';
import { errorText, type FeedbackWidget } from './widget/panel';
import type { WidgetMessage, WidgetState } from './widget/messages';

/** The server refused for lack of rights or review (see the server's registry commands). */
export const DENIED = -32003;

export const REFINED_SCHEME = 'promptopt-refined';

export class Workflows {
  /** Refined texts waiting to be applied, by document URI: the diff editor's right side. */
  readonly refined = new Map<string, string>();
  /** The buffer version each prompt's latest variants or refinement were computed from. */
  private readonly basis = new Map<string, number>();
  private readonly refinedChanged = new vscode.EventEmitter<vscode.Uri>();
  readonly refinedProvider: vscode.TextDocumentContentProvider = {
    onDidChange: this.refinedChanged.event,
    provideTextDocumentContent: (uri) => this.refined.get(uri.query) ?? '',
  };

  constructor(
    private readonly connection: ServerConnection,
    private readonly widget: FeedbackWidget,
  ) {
    widget.onMessage((message, state) => this.handle(message, state));
  }

  async generate(request: { uri?: vscode.Uri; task?: string; context?: string }): Promise<CandidateList> {
    const count = clientSettings().variantCount;
    const argument = request.uri
      ? { uri: request.uri.toString(), count }
      : { task: request.task, context: request.context || undefined, count };
    const target = await this.target(request.uri ?? null);
    if (request.uri) await this.remember(request.uri);
    const list = await this.busy(target, 'Generating variants', () =>
      this.connection.run<CandidateList>(ServerCommand.generate, argument, 'PromptOpt: generating variants'),
    );
    const history = request.uri ? await this.fetchHistory(request.uri) : null;
    this.widget.updateFor(target, {
      variants: list,
      ...(history ? { history } : {}),
      notice: generatedNotice(list),
    });
    return list;
  }

  async evaluate(uri: vscode.Uri): Promise<EvalResult> {
    const target = await this.target(uri);
    const result = await this.busy(target, 'Evaluating', () =>
      this.connection.run<EvalResult>(ServerCommand.evaluate, { uri: uri.toString() }, 'PromptOpt: evaluating'),
    );
    this.widget.updateFor(target, {
      evaluation: result,
      notice: { kind: 'info', text: `Scored ${result.score.toFixed(1)}/5: ${result.feedback}` },
    });
    return result;
  }

  async refine(uri: vscode.Uri, feedback: string[]): Promise<RefineResult> {
    const target = await this.target(uri);
    await this.remember(uri);
    const result = await this.busy(target, 'Refining', () =>
      this.connection.run<RefineResult>(ServerCommand.refine, { uri: uri.toString(), feedback }, 'PromptOpt: refining'),
    );
    this.refined.set(uri.toString(), result.prompt);
    this.refinedChanged.fire(refinedUri(uri));
    this.widget.updateFor(target, { refinement: result, notice: { kind: 'info', text: result.verdict } });
    return result;
  }

  /** Shows the refinement beside the prompt and applies it if the user says so. */
  async offerRefinement(uri: vscode.Uri, result: RefineResult): Promise<boolean> {
    if (!result.changed) {
      void vscode.window.showInformationMessage(`PromptOpt: ${result.verdict}`);
      return false;
    }
    await vscode.commands.executeCommand(
      'vscode.diff',
      uri,
      refinedUri(uri),
      `${vscode.workspace.asRelativePath(uri)} ↔ refined`,
      { preview: true },
    );
    const choice = await vscode.window.showInformationMessage(`PromptOpt: ${result.verdict}`, 'Apply', 'Discard');
    if (choice !== 'Apply') return false;
    return this.applyResult(uri, result.prompt);
  }

  /**
   * Replaces the prompt's text with a result computed from it (undoable; saving records the
   * version). If the prompt was edited since the result was asked for, applying would throw
   * those edits away: the user decides.
   */
  async applyResult(uri: vscode.Uri, text: string): Promise<boolean> {
    const document = await vscode.workspace.openTextDocument(uri);
    const basis = this.basis.get(uri.toString());
    if (basis !== undefined && basis !== document.version) {
      const choice = await vscode.window.showWarningMessage(
        `${vscode.workspace.asRelativePath(uri)} changed after these results were made: applying replaces your newer edits.`,
        { modal: true },
        'Apply Anyway',
      );
      if (choice !== 'Apply Anyway') return false;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(0, 0, document.lineCount, 0), text);
    if (!(await vscode.workspace.applyEdit(edit))) {
      throw new Error(`could not change ${vscode.workspace.asRelativePath(uri)}: is it read-only?`);
    }
    await vscode.window.showTextDocument(document, { preserveFocus: false, preview: false });
    return true;
  }

  /** Rates the prompt; with no version, the buffer as it is now (recorded first if it changed). */
  async feedback(uri: vscode.Uri, score: number, notes: string | null, versionId: string | null): Promise<void> {
    await this.registryMove(
      uri,
      ServerCommand.feedback,
      { score, notes: notes ?? undefined, versionId: versionId ?? undefined },
      `Rating ${score}/5 recorded.`,
    );
  }

  async showHistory(uri: vscode.Uri, notice?: string): Promise<PromptHistory> {
    const target = await this.target(uri);
    const history = await this.busy(target, 'Loading the version trail', () => this.fetchHistory(uri));
    this.widget.updateFor(target, { history, ...(notice ? { notice: { kind: 'info', text: notice } } : {}) });
    return history;
  }

  async rollback(uri: vscode.Uri, to: string, reason: string): Promise<void> {
    await this.governed(uri, ServerCommand.rollback, { to, reason }, 'Rolling back', 'Rolled back.');
  }

  /** Shows the widget on `uri` (or on no file) and names what later updates belong to. */
  private async target(uri: vscode.Uri | null): Promise<string | null> {
    if (uri) await ensureOpen(uri);
    this.widget.show(uri);
    return uri?.toString() ?? null;
  }

  /** The buffer's version a result is computed from, for `applyResult` to compare. */
  private async remember(uri: vscode.Uri): Promise<void> {
    const document = await vscode.workspace.openTextDocument(uri);
    this.basis.set(uri.toString(), document.version);
  }

  private async fetchHistory(uri: vscode.Uri): Promise<PromptHistory> {
    return this.connection.run<PromptHistory>(ServerCommand.history, { uri: uri.toString() }, 'PromptOpt: loading history', 'window');
  }

  /**
   * A registry move the review rules may refuse. A refusal offers to override with a reason,
   * which the audit trail records as such.
   */
  private async governed(
    uri: vscode.Uri,
    command: ServerCommand,
    fields: Record<string, unknown>,
    doing: string,
    done: string,
  ): Promise<void> {
    const target = await this.target(uri);
    const argument = { uri: uri.toString(), ...fields };
    const refused = await this.busy(target, doing, async () => {
      try {
        await this.connection.run(command, argument, `PromptOpt: ${doing}`, 'window');
        return undefined;
      } catch (error) {
        if (!isDenied(error)) throw error;
        return error;
      }
    });
    if (refused) {
      const choice = await vscode.window.showWarningMessage(refused.message, { modal: true }, 'Override…');
      if (choice !== 'Override…') {
        await this.showHistory(uri, refused.message);
        return;
      }
      const reason = await vscode.window.showInputBox({
        title: 'Override the review rule',
        prompt: 'Why? The audit trail records this reason with your name.',
        validateInput: (value) => (value.trim() ? undefined : 'A reason is required'),
      });
      if (!reason) return;
      await this.busy(target, doing, () =>
        this.connection.run(command, { ...argument, override: reason.trim() }, `PromptOpt: ${doing}`, 'window'),
      );
    }
    await this.showHistory(uri, done);
  }

  /** The widget's buttons. */
  async handle(message: WidgetMessage, state: WidgetState): Promise<void> {
    const uri = state.prompt ? vscode.Uri.parse(state.prompt.uri) : undefined;
    if (message.type === 'setAbTesting') return setAbTesting(message.enabled);
    if (message.type === 'applyVariant') {
      const candidate = state.variants?.candidates[message.index];
      if (!candidate) return;
      if (uri) {
        await this.applyResult(uri, candidate.prompt);
        return;
      }
      const document = await vscode.workspace.openTextDocument({ language: 'dotprompt', content: candidate.prompt });
      await vscode.window.showTextDocument(document);
      return;
    }
    if (message.type === 'run' && message.command === 'generate' && !uri) {
      await vscode.commands.executeCommand('promptopt.generatePrompt');
      return;
    }
    if (!uri) return;
    switch (message.type) {
      case 'refresh':
        await this.showHistory(uri);
        return;
      case 'run':
        if (message.command === 'generate') await this.generate({ uri });
        else if (message.command === 'evaluate') await this.evaluate(uri);
        else await this.offerRefinement(uri, await this.refine(uri, []));
        return;
      case 'applyRefinement':
        if (state.refinement?.changed) await this.applyResult(uri, state.refinement.prompt);
        return;
      case 'rate':
        await this.feedback(uri, message.score, message.notes, message.versionId);
        return;
      case 'favorite':
        await this.registryMove(uri, ServerCommand.favorite, { versionId: message.versionId, favorite: message.favorite });
        return;
      case 'annotate':
        await this.registryMove(uri, ServerCommand.annotate, { versionId: message.versionId, note: message.note }, 'Annotation added.');
        return;
      case 'rollback':
        await this.rollback(uri, message.versionId, message.reason);
        return;
      case 'requestReview':
        await this.registryMove(uri, ServerCommand.review, { note: message.note ?? undefined }, 'Review requested.');
        return;
      case 'approve':
        await this.governed(uri, ServerCommand.approve, { versionId: message.versionId }, 'Approving', 'Approved.');
        return;
      case 'deploy':
        await this.governed(uri, ServerCommand.deploy, { versionId: message.versionId }, 'Deploying', 'Deployed.');
        return;
    }
  }

  /** A registry write, then the refreshed trail. Busy meanwhile, so a double click is one move. */
  private async registryMove(uri: vscode.Uri, command: ServerCommand, fields: Record<string, unknown>, done?: string): Promise<void> {
    const target = await this.target(uri);
    await this.busy(target, 'Saving', () => this.connection.run(command, { uri: uri.toString(), ...fields }, 'PromptOpt', 'window'));
    await this.showHistory(uri, done);
  }

  /** Runs `work` with the widget showing it for `target`; its error or cancellation shows there too. */
  private async busy<T>(target: string | null, what: string, work: () => Promise<T>): Promise<T> {
    this.widget.updateFor(target, { busy: what, notice: null });
    try {
      return await work();
    } catch (error) {
      this.widget.updateFor(target, {
        notice: isCancellation(error) ? { kind: 'info', text: 'Cancelled.' } : { kind: 'error', text: errorText(error) },
      });
      throw error;
    } finally {
      this.widget.updateFor(target, { busy: null });
    }
  }

  dispose(): void {
    this.refinedChanged.dispose();
  }
}

/** How many variants came back, or the engine's first reason when none did. */
export function generatedNotice(list: CandidateList): WidgetState['notice'] {
  const count = list.candidates.length;
  if (count > 0) return { kind: 'info', text: `${count} variant${count === 1 ? '' : 's'} generated.` };
  return { kind: 'error', text: `No variants: ${list.notes?.[0] ?? 'the engine found none that lint without errors'}` };
}

/** The user cancelled (the client turns the server's RequestCancelled into this too). */
export function isCancellation(error: unknown): boolean {
  return (
    error instanceof vscode.CancellationError ||
    (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === -32800)
  );
}

/** A JSON-RPC error with the server's DENIED code (the client's ResponseError has this shape). */
function isDenied(error: unknown): error is { code: number; message: string } {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === DENIED;
}

export function refinedUri(uri: vscode.Uri): vscode.Uri {
  return vscode.Uri.from({ scheme: REFINED_SCHEME, path: uri.path, query: uri.toString() });
}

/** The server answers only for documents the editor has open. */
async function ensureOpen(uri: vscode.Uri): Promise<void> {
  await vscode.workspace.openTextDocument(uri);
}
