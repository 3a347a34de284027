import { describe, expect, it } from 'vitest';
import { parseWidgetMessage } from '../../src/widget/messages';

const ID = '01a21f57-7f7a-7189-83d9-059671fd7464';

describe('parseWidgetMessage', () => {
  it('accepts each message the widget sends', () => {
    const valid = [
      { type: 'ready' },
      { type: 'refresh' },
      { type: 'run', command: 'generate' },
      { type: 'applyVariant', index: 2 },
      { type: 'applyRefinement' },
      { type: 'rate', score: 5, notes: ' good ', versionId: ID },
      { type: 'favorite', versionId: ID, favorite: true },
      { type: 'annotate', versionId: ID, note: 'tone is off' },
      { type: 'rollback', versionId: ID, reason: 'regressed' },
      { type: 'requestReview', note: null },
      { type: 'approve', versionId: ID },
      { type: 'deploy', versionId: ID },
      { type: 'setAbTesting', enabled: false },
    ];
    for (const message of valid) expect(parseWidgetMessage(message), JSON.stringify(message)).toBeDefined();
  });

  it('trims text and turns blank optional text into null', () => {
    expect(parseWidgetMessage({ type: 'rate', score: 3, notes: '   ', versionId: null })).toEqual({
      type: 'rate',
      score: 3,
      notes: null,
      versionId: null,
    });
    expect(parseWidgetMessage({ type: 'annotate', versionId: ID, note: '  x  ' })).toEqual({ type: 'annotate', versionId: ID, note: 'x' });
  });

  it('refuses anything else', () => {
    const invalid: unknown[] = [
      null,
      'ready',
      [],
      { type: 'exec', command: 'rm -rf /' },
      { type: 'run', command: 'deploy' },
      { type: 'applyVariant', index: -1 },
      { type: 'applyVariant', index: 1.5 },
      { type: 'applyVariant', index: '0' },
      { type: 'rate', score: 0, notes: null, versionId: null },
      { type: 'rate', score: 6, notes: null, versionId: null },
      { type: 'rate', score: 4.5, notes: null, versionId: null },
      { type: 'rate', score: 4, notes: 42, versionId: null },
      { type: 'rate', score: 4, notes: 'x'.repeat(10_001), versionId: null },
      { type: 'rate', score: 4, notes: null, versionId: '../../etc/passwd' },
      { type: 'favorite', versionId: ID, favorite: 'yes' },
      { type: 'annotate', versionId: ID, note: '   ' },
      { type: 'rollback', versionId: ID },
      { type: 'rollback', versionId: `${ID}; DROP TABLE`, reason: 'x' },
      { type: 'approve', versionId: ID.toUpperCase() },
      { type: 'setAbTesting', enabled: 1 },
    ];
    for (const message of invalid) expect(parseWidgetMessage(message), JSON.stringify(message)).toBeUndefined();
  });
});
