import { describe, expect, it } from 'vitest';
import { SERVER_PATH_ENV, ServerNotFound, findServer, type LookupInputs } from '../../src/serverBinary';

function inputs(executables: string[], overrides: Partial<LookupInputs> = {}): LookupInputs {
  const present = new Set(executables);
  return {
    env: { PATH: '/usr/local/bin:/usr/bin' },
    setting: undefined,
    extensionPath: '/ext',
    platform: 'linux',
    isExecutable: (file) => present.has(file),
    ...overrides,
  };
}

describe('findServer', () => {
  const all = ['/env/promptopt', '/setting/promptopt', '/ext/server/promptopt', '/usr/bin/promptopt'];

  it('takes the environment variable first, then the setting, the bundled binary and PATH', () => {
    const env = { PATH: '/usr/local/bin:/usr/bin', [SERVER_PATH_ENV]: '/env/promptopt' };
    expect(findServer(inputs(all, { env, setting: '/setting/promptopt' }))).toEqual({ path: '/env/promptopt', source: 'environment' });
    expect(findServer(inputs(all, { setting: '/setting/promptopt' }))).toEqual({ path: '/setting/promptopt', source: 'setting' });
    expect(findServer(inputs(all))).toEqual({ path: '/ext/server/promptopt', source: 'bundled' });
    expect(findServer(inputs(['/usr/bin/promptopt']))).toEqual({ path: '/usr/bin/promptopt', source: 'path' });
  });

  it('treats a blank setting as unset', () => {
    expect(findServer(inputs(all, { setting: '   ' })).source).toBe('bundled');
  });

  it('reports a named path that does not work instead of falling back silently', () => {
    const env = { PATH: '/usr/bin', [SERVER_PATH_ENV]: '/missing/promptopt' };
    expect(() => findServer(inputs(all, { env }))).toThrow(/environment \/missing\/promptopt \(not an executable file\)/);
    expect(() => findServer(inputs(all, { setting: '/nope' }))).toThrow(ServerNotFound);
  });

  it('says what it tried and what to do when nothing works', () => {
    let error: unknown;
    try {
      findServer(inputs([]));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ServerNotFound);
    const message = (error as Error).message;
    expect(message).toContain('/ext/server/promptopt');
    expect(message).toContain('not on PATH');
    expect(message).toContain('cargo build --release -p promptopt-cli');
    expect(message).toContain('promptopt.server.path');
  });

  it('looks for promptopt.exe on Windows, with its PATH separator', () => {
    const found = findServer(
      inputs(['C:\\tools/promptopt.exe'], { platform: 'win32', env: { PATH: 'C:\\nothing;C:\\tools' }, extensionPath: 'C:\\ext' }),
    );
    expect(found.source).toBe('path');
  });
});
