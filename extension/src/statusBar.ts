// One status bar item: the server's state, the prompts' problem count, and where versions are
// kept. Its text is worked out by `describe`, a pure function the unit tests check.

import * as vscode from 'vscode';
import { clientSettings, isPromptDocument, isPromptUri } from './config';
import type { ServerConnection, ServerState } from './connection';

export interface Problems {
  errors: number;
  warnings: number;
}

export interface StatusView {
  text: string;
  tooltip: string;
  severity: 'ok' | 'warning' | 'error';
}

export function describe(state: ServerState, problems: Problems, meshUrl: string | undefined): StatusView {
  const sync = meshUrl
    ? `Sync: ${meshUrl} is configured; versions stay in .promptopt/ until the Mesh API connects.`
    : 'Sync: local only (versions and the audit trail are kept in .promptopt/).';
  const counts = `$(error) ${problems.errors} $(warning) ${problems.warnings}`;
  switch (state.kind) {
    case 'starting':
      return { text: '$(sync~spin) PromptOpt', tooltip: `Starting the language server…\n${sync}`, severity: 'ok' };
    case 'stopped':
      return {
        text: '$(circle-slash) PromptOpt',
        tooltip: `The language server is not running: ${state.reason}\nClick for actions.`,
        severity: 'error',
      };
    case 'running': {
      const version = state.version ? ` ${state.version}` : '';
      return {
        text: `$(check) PromptOpt ${counts}`,
        tooltip:
          `Language server${version} running (${state.binary.path}, found by ${state.binary.source}).\n` +
          `Prompt problems: ${problems.errors} errors, ${problems.warnings} warnings.\n${sync}`,
        severity: problems.errors > 0 ? 'error' : problems.warnings > 0 ? 'warning' : 'ok',
      };
    }
  }
}

/** Problems the server reported on prompt files. */
export function countProblems(all: readonly [vscode.Uri, readonly vscode.Diagnostic[]][]): Problems {
  const problems: Problems = { errors: 0, warnings: 0 };
  for (const [uri, diagnostics] of all) {
    if (!isPromptUri(uri)) continue;
    for (const d of diagnostics) {
      if (d.source !== 'promptopt') continue;
      if (d.severity === vscode.DiagnosticSeverity.Error) problems.errors++;
      else if (d.severity === vscode.DiagnosticSeverity.Warning) problems.warnings++;
    }
  }
  return problems;
}

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('promptopt.status', vscode.StatusBarAlignment.Left, 10);
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly connection: ServerConnection) {
    this.item.name = 'PromptOpt';
    this.item.command = 'promptopt.statusMenu';
    this.subscriptions.push(
      connection.onDidChangeState(() => this.update()),
      vscode.languages.onDidChangeDiagnostics(() => this.update()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('promptopt') && this.update()),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
    );
    this.update();
  }

  private update(): void {
    const view = describe(
      this.connection.current,
      countProblems(vscode.languages.getDiagnostics()),
      clientSettings().meshUrl,
    );
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor =
      view.severity === 'error' && this.connection.current.kind === 'stopped'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : undefined;
    const document = vscode.window.activeTextEditor?.document;
    const relevant = this.connection.current.kind !== 'running' || (document !== undefined && isPromptDocument(document));
    if (relevant) this.item.show();
    else this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
