// PromptOpt for VS Code: starts the language server and wires the commands, the status bar and
// the FeedbackWidget to it. The server does the work; this is glue.

import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { ServerConnection } from './connection';
import { StatusBar } from './statusBar';
import { FeedbackWidget } from './widget/panel';
import { REFINED_SCHEME, Workflows } from './workflows';

/** What the extension hands to other extensions (and to its own extension-host tests). */
export interface PromptOptApi {
  connection: ServerConnection;
  widget: FeedbackWidget;
  workflows: Workflows;
}

let connection: ServerConnection | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<PromptOptApi> {
  const output = vscode.window.createOutputChannel('PromptOpt');
  connection = new ServerConnection(context.extensionPath, output);
  const widget = new FeedbackWidget(context.extensionUri, output);
  const workflows = new Workflows(connection, widget);
  context.subscriptions.push(
    output,
    connection,
    widget,
    workflows,
    new StatusBar(connection),
    vscode.workspace.registerTextDocumentContentProvider(REFINED_SCHEME, workflows.refinedProvider),
    ...registerCommands(connection, workflows, widget),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('promptopt.server.path')) void connection?.restart();
    }),
  );
  await connection.start();
  return { connection, widget, workflows };
}

export async function deactivate(): Promise<void> {
  await connection?.stop();
}
