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

describe('parseWidgetMessage on random input', () => {
  // A seeded generator of JSON-like values, biased towards the shapes the widget sends, so the
  // checks run deep into each case rather than stopping at `type`.
  function random(seed: number) {
    let state = seed;
    const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)] as T;
    const types = ['ready', 'refresh', 'run', 'applyVariant', 'applyRefinement', 'rate', 'favorite', 'annotate', 'rollback', 'requestReview', 'approve', 'deploy', 'setAbTesting', 'x', ''];
    const value = (depth: number): unknown =>
      pick([
        () => null,
        () => undefined,
        () => next() < 0.5,
        () => Math.floor(next() * 12) - 3,
        () => next() * 10,
        () => pick([ID, ID.slice(1), 'generate', 'evaluate', 'refine', '', ' ', '<img src=x>', 'x'.repeat(10_001)]),
        () => (depth > 2 ? [] : Array.from({ length: Math.floor(next() * 3) }, () => value(depth + 1))),
        () => (depth > 2 ? {} : object(depth + 1)),
      ])();
    const object = (depth: number): Record<string, unknown> => {
      const o: Record<string, unknown> = { type: pick(types) };
      for (const key of ['command', 'index', 'score', 'notes', 'versionId', 'favorite', 'note', 'reason', 'enabled', '__proto__']) {
        if (next() < 0.6) o[key] = value(depth);
      }
      return o;
    };
    return () => object(0);
  }

  it('never throws, and whatever it accepts is well-formed', () => {
    const generate = random(7);
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const raw = generate();
      const message = parseWidgetMessage(raw);
      if (!message) continue;
      accepted++;
      // Accepted messages round-trip through the parser unchanged: nothing half-checked.
      expect(parseWidgetMessage(JSON.parse(JSON.stringify(message)))).toEqual(message);
      if ('versionId' in message && message.versionId !== null) expect(message.versionId).toBe(ID);
      if ('score' in message) expect([1, 2, 3, 4, 5]).toContain(message.score);
    }
    expect(accepted).toBeGreaterThan(100);
  });
});
