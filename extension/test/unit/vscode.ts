// The parts of the `vscode` API the client's logic touches, as plain objects and vi.fn()s the
// tests program. Aliased to `vscode` in vitest.config.ts.
import { vi } from 'vitest';

export class EventEmitter<T> {
  private listeners: ((value: T) => void)[] = [];
  event = (listener: (value: T) => void) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(value: T): void {
    for (const l of this.listeners) l(value);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
    readonly query = '',
  ) {}
  static parse(value: string): Uri {
    const url = new URL(value);
    return new Uri(url.protocol.replace(/:$/, ''), decodeURIComponent(url.pathname), url.search.replace(/^\?/, ''));
  }
  static file(path: string): Uri {
    return new Uri('file', path);
  }
  static from(parts: { scheme: string; path: string; query?: string }): Uri {
    return new Uri(parts.scheme, parts.path, parts.query);
  }
  static joinPath(base: Uri, ...segments: string[]): Uri {
    return new Uri(base.scheme, [base.path, ...segments].join('/'));
  }
  toString(): string {
    return `${this.scheme}://${this.path}${this.query ? `?${this.query}` : ''}`;
  }
}

export class Range {
  constructor(
    readonly startLine: number,
    readonly startCharacter: number,
    readonly endLine: number,
    readonly endCharacter: number,
  ) {}
}

export class WorkspaceEdit {
  readonly replacements: { uri: Uri; range: Range; text: string }[] = [];
  replace(uri: Uri, range: Range, text: string): void {
    this.replacements.push({ uri, range, text });
  }
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export class CancellationError extends Error {}

export enum DiagnosticSeverity {
  Error = 0,
  Warning = 1,
  Information = 2,
  Hint = 3,
}
export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}
export enum ConfigurationTarget {
  Global = 1,
  Workspace = 2,
}
export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}
export enum ViewColumn {
  Beside = -2,
}

export const settings = new Map<string, unknown>();
/** Each document's version as `openTextDocument` reports it (default 1), by URI string. */
export const documentVersions = new Map<string, number>();

export const workspace = {
  workspaceFolders: [{ uri: Uri.file('/ws') }] as { uri: Uri }[] | undefined,
  getConfiguration: vi.fn(() => ({
    get: (key: string) => settings.get(key),
    update: vi.fn(async (key: string, value: unknown) => void settings.set(key, value)),
  })),
  openTextDocument: vi.fn(async (arg: unknown) => ({
    uri: arg,
    lineCount: 3,
    version: documentVersions.get(String(arg)) ?? 1,
    getText: () => '',
  })),
  applyEdit: vi.fn(async () => true),
  asRelativePath: vi.fn((uri: Uri) => uri.path.replace(/^\/ws\//, '')),
  onDidChangeConfiguration: vi.fn(() => ({ dispose() {} })),
};

export const window = {
  showInformationMessage: vi.fn(async (): Promise<string | undefined> => undefined),
  showWarningMessage: vi.fn(async (): Promise<string | undefined> => undefined),
  showErrorMessage: vi.fn(async (): Promise<string | undefined> => undefined),
  showInputBox: vi.fn(async (): Promise<string | undefined> => undefined),
  showQuickPick: vi.fn(async (): Promise<unknown> => undefined),
  showTextDocument: vi.fn(async () => undefined),
  withProgress: vi.fn(async (_options: unknown, task: (p: unknown, t: unknown) => Promise<unknown>) =>
    task({ report() {} }, { isCancellationRequested: false }),
  ),
  activeTextEditor: undefined as unknown,
};

export const commands = {
  executeCommand: vi.fn(async () => undefined),
  registerCommand: vi.fn(() => ({ dispose() {} })),
};

export const languages = {
  getDiagnostics: vi.fn(() => []),
  onDidChangeDiagnostics: vi.fn(() => ({ dispose() {} })),
};
