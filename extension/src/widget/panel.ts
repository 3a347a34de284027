// The FeedbackWidget's webview panel: one per window, following the prompt it was opened on.
// It renders `WidgetState` and hands every checked message to the workflows; it never talks to
// the server itself.

import * as vscode from 'vscode';
import { clientSettings } from '../config';
import { widgetHtml } from './html';
import { WIDGET_VIEW_TYPE, emptyState, parseWidgetMessage, type WidgetMessage, type WidgetState } from './messages';

export type MessageHandler = (message: WidgetMessage, state: WidgetState) => Promise<void>;

export class FeedbackWidget implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private state: WidgetState = emptyState(settingsNow());
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly output: vscode.OutputChannel,
    private handler: MessageHandler = async () => {},
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('promptopt')) this.update({ settings: settingsNow() });
      }),
    );
  }

  onMessage(handler: MessageHandler): void {
    this.handler = handler;
  }

  /** What the widget shows now (the extension-host tests read it). */
  get current(): WidgetState {
    return this.state;
  }

  get visible(): boolean {
    return this.panel?.visible ?? false;
  }

  /**
   * Opens (or reveals) the widget on `prompt`: a file, `null` for work on no file (variants of
   * a new prompt, applied into a new editor), or `undefined` to keep what it shows. Switching
   * starts from a clean slate, so nothing of one prompt is ever applied to another.
   */
  show(prompt: vscode.Uri | null | undefined): void {
    if (prompt !== undefined && (prompt?.toString() ?? null) !== (this.state.prompt?.uri ?? null)) {
      this.state = {
        ...emptyState(settingsNow()),
        prompt: prompt && { uri: prompt.toString(), name: vscode.workspace.asRelativePath(prompt) },
      };
    }
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
      this.post();
      return;
    }
    const media = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel(
      WIDGET_VIEW_TYPE,
      'PromptOpt Feedback',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: false },
    );
    panel.webview.html = widgetHtml({
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'webview.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'widget.css')).toString(),
    });
    const listening = panel.webview.onDidReceiveMessage((raw) => this.receive(raw));
    panel.onDidDispose(() => {
      listening.dispose();
      this.panel = undefined;
    });
    this.panel = panel;
  }

  /**
   * `update`, if the widget still shows `target` (a prompt's URI, or `null` for no file): a
   * result that arrives after the user moved to another prompt must not land on that one.
   */
  updateFor(target: string | null, change: Partial<WidgetState>): void {
    if ((this.state.prompt?.uri ?? null) === target) this.update(change);
  }

  update(change: Partial<WidgetState>): void {
    this.state = { ...this.state, ...change };
    this.post();
  }

  private async receive(raw: unknown): Promise<void> {
    const message = parseWidgetMessage(raw);
    if (!message) {
      this.output.appendLine(`[widget] ignored a malformed message: ${safeJson(raw)}`);
      return;
    }
    if (message.type === 'ready') {
      this.post();
      return;
    }
    // One thing at a time: a second click while a move is saving must not make a second move.
    if (this.state.busy) {
      this.output.appendLine(`[widget] ignored ${message.type} while ${this.state.busy.toLowerCase()}`);
      return;
    }
    try {
      await this.handler(message, this.state);
    } catch (error) {
      this.update({ busy: null, notice: { kind: 'error', text: errorText(error) } });
    }
  }

  private post(): void {
    void this.panel?.webview.postMessage({ type: 'state', state: this.state });
  }

  dispose(): void {
    this.panel?.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

function settingsNow(): WidgetState['settings'] {
  const { abTesting, reviewGating } = clientSettings();
  return { abTesting, reviewGating };
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value).slice(0, 200);
  } catch {
    return String(value);
  }
}
