import { describe, expect, it } from 'vitest';
import { newNonce, widgetHtml } from '../../src/widget/html';

describe('widgetHtml', () => {
  const page = widgetHtml({
    cspSource: 'https://webview.example',
    scriptUri: 'https://webview.example/dist/webview.js',
    styleUri: 'https://webview.example/dist/widget.css?a="b"',
    nonce: 'abc123',
  });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(page)?.[1] ?? '';

  it('allows only its own script, by nonce, and its own styles', () => {
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'nonce-abc123'");
    expect(csp).toContain('style-src https://webview.example');
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const scripts = [...page.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toContain('nonce="abc123"');
  });

  it('escapes what goes into attributes', () => {
    expect(page).toContain('widget.css?a=&quot;b&quot;');
  });

  it('has a live region for announcements and a fresh nonce each time', () => {
    expect(page).toContain('aria-live="polite"');
    expect(newNonce()).not.toBe(newNonce());
    expect(newNonce()).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });
});
