// The settings the client itself reads. Everything under `promptopt.*` also reaches the server
// (it asks for the `promptopt` section), which owns the lint, registry and provider settings.

import * as vscode from 'vscode';

export const SECTION = 'promptopt';

/** The languages the server answers for. */
export const PROMPT_LANGUAGES = ['dotprompt', 'prompty'] as const;

/** Where those documents may live: files and unsaved buffers (not diff previews or git copies). */
export const PROMPT_SCHEMES = ['file', 'untitled'] as const;

/** A document the server lints and the commands act on. */
export function isPromptDocument(document: { languageId: string; uri: { scheme: string } }): boolean {
  return (PROMPT_LANGUAGES as readonly string[]).includes(document.languageId) && isPromptScheme(document.uri);
}

/** Where only a URI is known (diagnostics): a prompt by its file extension. */
export function isPromptUri(uri: { scheme: string; path: string }): boolean {
  return (uri.path.endsWith('.prompt') || uri.path.endsWith('.prompty')) && isPromptScheme(uri);
}

function isPromptScheme(uri: { scheme: string }): boolean {
  return (PROMPT_SCHEMES as readonly string[]).includes(uri.scheme);
}

export interface ClientSettings {
  serverPath: string | undefined;
  variantCount: number;
  abTesting: boolean;
  reviewGating: boolean;
  meshUrl: string | undefined;
}

export function clientSettings(): ClientSettings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const text = (key: string) => config.get<string>(key)?.trim() || undefined;
  return {
    serverPath: text('server.path'),
    variantCount: clamp(config.get<number>('generate.variantCount') ?? 3, 1, 10),
    abTesting: config.get<boolean>('abTesting.enabled') ?? false,
    reviewGating: config.get<boolean>('review.gating') ?? true,
    meshUrl: text('mesh.url'),
  };
}

/** The `promptopt` section as the server reads it at initialization. */
export function serverSettings(): unknown {
  // A WorkspaceConfiguration carries methods: send its values only.
  return JSON.parse(JSON.stringify(vscode.workspace.getConfiguration(SECTION)));
}

export async function setAbTesting(enabled: boolean): Promise<void> {
  await vscode.workspace
    .getConfiguration(SECTION)
    .update(
      'abTesting.enabled',
      enabled,
      vscode.workspace.workspaceFolders?.length
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global,
    );
}

function clamp(n: number, low: number, high: number): number {
  return Number.isFinite(n) ? Math.min(high, Math.max(low, Math.round(n))) : low;
}
