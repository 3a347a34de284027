import { describe, expect, it } from 'vitest';
import { DiagnosticSeverity, Uri } from 'vscode';
import { countProblems, describe as describeStatus } from '../../src/statusBar';

const running = {
  kind: 'running' as const,
  binary: { path: '/ext/server/promptopt', source: 'bundled' as const },
  version: '0.1.0',
};

describe('the status bar', () => {
  it('shows the server state, the problem counts and the sync state', () => {
    const view = describeStatus(running, { errors: 2, warnings: 1 }, undefined);
    expect(view.text).toBe('$(check) PromptOpt $(error) 2 $(warning) 1');
    expect(view.severity).toBe('error');
    expect(view.tooltip).toContain('/ext/server/promptopt, found by bundled');
    expect(view.tooltip).toContain('Sync: local only');
    expect(describeStatus(running, { errors: 0, warnings: 0 }, 'https://mesh.example').tooltip).toContain(
      'https://mesh.example is configured',
    );
    expect(describeStatus(running, { errors: 0, warnings: 3 }, undefined).severity).toBe('warning');
  });

  it('says why the server is not running', () => {
    const view = describeStatus({ kind: 'stopped', reason: 'cannot find promptopt' }, { errors: 0, warnings: 0 }, undefined);
    expect(view.text).toContain('circle-slash');
    expect(view.tooltip).toContain('cannot find promptopt');
    expect(describeStatus({ kind: 'starting' }, { errors: 0, warnings: 0 }, undefined).text).toContain('sync~spin');
  });

  it("counts only PromptOpt's findings on prompt files", () => {
    const d = (severity: DiagnosticSeverity, source = 'promptopt') => ({ severity, source }) as never;
    const problems = countProblems([
      [Uri.file('/ws/a.prompt'), [d(DiagnosticSeverity.Error), d(DiagnosticSeverity.Warning), d(DiagnosticSeverity.Hint)]],
      [Uri.file('/ws/b.prompty'), [d(DiagnosticSeverity.Error), d(DiagnosticSeverity.Error, 'yaml')]],
      [Uri.file('/ws/main.ts'), [d(DiagnosticSeverity.Error)]],
      // The refinement preview and git's copies are not the user's prompts.
      [Uri.from({ scheme: 'promptopt-refined', path: '/ws/a.prompt' }), [d(DiagnosticSeverity.Error)]],
      [Uri.from({ scheme: 'git', path: '/ws/a.prompt' }), [d(DiagnosticSeverity.Warning)]],
    ]);
    expect(problems).toEqual({ errors: 2, warnings: 1 });
  });
});
