// Where the language server binary comes from, in the order the README gives:
// PROMPTOPT_SERVER_PATH, the promptopt.server.path setting, the binary inside the extension,
// then PATH. Pure over the file-system checks it is given, so it is unit-tested as it runs.

import * as path from 'node:path';

export const SERVER_PATH_ENV = 'PROMPTOPT_SERVER_PATH';

export type BinarySource = 'environment' | 'setting' | 'bundled' | 'path';

export interface FoundBinary {
  path: string;
  source: BinarySource;
}

export interface LookupInputs {
  env: Record<string, string | undefined>;
  setting: string | undefined;
  extensionPath: string;
  platform: NodeJS.Platform;
  /** True when `file` exists and may be executed. */
  isExecutable(file: string): boolean;
}

export class ServerNotFound extends Error {
  constructor(readonly tried: { source: BinarySource; path: string; problem: string }[]) {
    super(
      'PromptOpt cannot find its language server (`promptopt`). Tried: ' +
        tried.map((t) => `${t.source} ${t.path} (${t.problem})`).join('; ') +
        '. Build it with `cargo build --release -p promptopt-cli` and set `promptopt.server.path` ' +
        `to target/release/promptopt, or put \`promptopt\` on PATH, or set ${SERVER_PATH_ENV}.`,
    );
  }
}

export function binaryName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'promptopt.exe' : 'promptopt';
}

/** The first candidate that is an executable file; a named candidate that is not is an error. */
export function findServer(inputs: LookupInputs): FoundBinary {
  const tried: { source: BinarySource; path: string; problem: string }[] = [];
  const explicit: [BinarySource, string | undefined][] = [
    ['environment', inputs.env[SERVER_PATH_ENV]],
    ['setting', inputs.setting],
  ];
  for (const [source, given] of explicit) {
    const file = given?.trim();
    if (!file) continue;
    if (inputs.isExecutable(file)) return { path: file, source };
    // A path the user named and that does not work is a mistake to report, not to skip
    // silently past to another binary of another version.
    throw new ServerNotFound([...tried, { source, path: file, problem: 'not an executable file' }]);
  }
  const name = binaryName(inputs.platform);
  const bundled = path.join(inputs.extensionPath, 'server', name);
  if (inputs.isExecutable(bundled)) return { path: bundled, source: 'bundled' };
  tried.push({ source: 'bundled', path: bundled, problem: 'not in this build of the extension' });
  const separator = inputs.platform === 'win32' ? ';' : ':';
  for (const dir of (inputs.env.PATH ?? '').split(separator)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (inputs.isExecutable(candidate)) return { path: candidate, source: 'path' };
  }
  tried.push({ source: 'path', path: name, problem: 'not on PATH' });
  throw new ServerNotFound(tried);
}
