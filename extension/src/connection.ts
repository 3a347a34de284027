// The language client: finds the server, starts `promptopt lsp` over stdio, restarts it, and
// says what state it is in. Everything the editor shows about prompts comes from the server.

import * as fs from 'node:fs';
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  LanguageClient,
  State,
  WorkDoneProgress,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { PROMPT_LANGUAGES, PROMPT_SCHEMES, SECTION, clientSettings, serverSettings } from './config';
import type { ServerCommand } from './protocol';
import { findServer, type FoundBinary } from './serverBinary';

/** Where a command's progress shows: a cancellable notification for long work, else the status bar. */
export type Shown = 'notification' | 'window';

export type ServerState =
  | { kind: 'starting' }
  | { kind: 'running'; binary: FoundBinary; version: string | undefined }
  | { kind: 'stopped'; reason: string };

export class ServerConnection implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private clientListener: vscode.Disposable | undefined;
  /** The start/stop in progress, if any: the next one waits for it. */
  private lifecycle: Promise<void> = Promise.resolve();
  private state: ServerState = { kind: 'stopped', reason: 'not started' };
  private readonly changed = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.changed.event;

  constructor(
    private readonly extensionPath: string,
    readonly output: vscode.OutputChannel,
  ) {}

  get current(): ServerState {
    return this.state;
  }

  /** Starts the server. Starts, stops and restarts run one after another, never at once. */
  start(): Promise<void> {
    return this.serially(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.serially(() => this.doStop());
  }

  restart(): Promise<void> {
    return this.serially(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  /**
   * Two overlapping starts would make two clients, and the second could not register the
   * server's commands, which the first still holds.
   */
  private serially(step: () => Promise<void>): Promise<void> {
    // `lifecycle` never rejects (see below), so the next step always runs.
    const next = this.lifecycle.then(step);
    this.lifecycle = next.catch(() => undefined);
    return next;
  }

  private async doStart(): Promise<void> {
    this.setState({ kind: 'starting' });
    let binary: FoundBinary;
    try {
      binary = findServer({
        env: process.env,
        setting: clientSettings().serverPath,
        extensionPath: this.extensionPath,
        platform: process.platform,
        isExecutable,
      });
    } catch (error) {
      this.fail(error);
      return;
    }
    this.output.appendLine(`[client] starting ${binary.path} lsp (found by ${binary.source})`);
    const server: ServerOptions = { command: binary.path, args: ['lsp'] };
    const options: LanguageClientOptions = {
      // Files and unsaved buffers only: not the refinement preview, git's copies or others.
      documentSelector: [
        ...PROMPT_LANGUAGES.flatMap((language) => PROMPT_SCHEMES.map((scheme) => ({ scheme, language }))),
        { scheme: 'file', pattern: '**/promptopt.toml' },
      ],
      initializationOptions: serverSettings(),
      synchronize: { configurationSection: SECTION },
      outputChannel: this.output,
      traceOutputChannel: this.output,
    };
    const client = new LanguageClient('promptopt', 'PromptOpt', server, options);
    const running = (): ServerState => ({ kind: 'running', binary, version: client.initializeResult?.serverInfo?.version });
    // The client restarts a crashed server by itself (a few times); follow it.
    this.clientListener = client.onDidChangeState((event) => {
      if (this.client !== client || this.state.kind === 'starting') return;
      if (event.newState === State.Stopped) {
        this.setState({ kind: 'stopped', reason: 'the server stopped; see the PromptOpt output' });
      } else if (event.newState === State.Running) {
        this.setState(running());
      }
    });
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.client = undefined;
      this.fail(error);
      return;
    }
    this.setState(running());
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.clientListener?.dispose();
    this.clientListener = undefined;
    if (client) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.output.appendLine(`[client] the server did not stop cleanly: ${String(error)}`);
      }
    }
    this.setState({ kind: 'stopped', reason: 'stopped' });
  }

  /**
   * Runs a server command with the editor's progress notification: the server's `$/progress`
   * messages show in it, and its Cancel button cancels the request (the server stops the
   * model calls in flight). Quick registry reads and moves show in the status bar instead.
   */
  async run<T>(command: ServerCommand, argument: unknown, title: string, shown: Shown = 'notification'): Promise<T> {
    const client = this.client;
    if (!client || this.state.kind !== 'running') {
      throw new Error(
        this.state.kind === 'stopped'
          ? `the PromptOpt server is not running (${this.state.reason}): run "PromptOpt: Restart Server"`
          : 'the PromptOpt server is still starting: try again in a moment',
      );
    }
    return vscode.window.withProgress(
      {
        location: shown === 'notification' ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
        title,
        cancellable: shown === 'notification',
      },
      async (progress, cancel) => {
        const token = `promptopt-${Date.now()}-${Math.random().toString(36).slice(2)}`;
        const listening = client.onProgress(WorkDoneProgress.type, token, (value) => {
          if (value.kind !== 'end' && value.message) progress.report({ message: value.message });
        });
        try {
          return (await client.sendRequest(
            ExecuteCommandRequest.type,
            { command, arguments: [argument], workDoneToken: token },
            cancel,
          )) as T;
        } finally {
          listening.dispose();
        }
      },
    );
  }

  dispose(): void {
    void this.stop();
    this.changed.dispose();
  }

  private fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.output.appendLine(`[client] ${message}`);
    this.setState({ kind: 'stopped', reason: message });
    void vscode.window.showErrorMessage(message, 'Open Settings', 'Show Output').then((choice) => {
      if (choice === 'Open Settings') {
        void vscode.commands.executeCommand('workbench.action.openSettings', 'promptopt.server.path');
      } else if (choice === 'Show Output') {
        this.output.show();
      }
    });
  }

  private setState(state: ServerState): void {
    this.state = state;
    this.changed.fire(state);
  }
}

function isExecutable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
