// The FeedbackWidget in headless Chromium (Debian's, driven by playwright-core): the page the
// extension builds, with its real CSP, script and stylesheet, fed the real server's answers
// (from the release binary in a scratch project) and hostile strings.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CandidateList, EvalResult, PromptHistory } from '../../src/protocol';
import { widgetHtml } from '../../src/widget/html';
import type { WidgetMessage, WidgetState } from '../../src/widget/messages';

const root = join(__dirname, '../../..');
const binary = join(root, 'target/release/promptopt');
const artifacts = join(root, '.cache/artifacts/widget');
const NONCE = 'test-nonce-0123456789';
const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>{{role "system"}} & "quotes"';

/** Enough of VS Code's Dark Modern theme for the screenshot to look like the editor. */
const THEME = `:root {
  --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px;
  --vscode-editor-font-family: monospace; --vscode-editor-font-size: 13px;
  --vscode-foreground: #cccccc; --vscode-descriptionForeground: #9d9d9d; --vscode-editor-background: #1f1f1f;
  --vscode-button-foreground: #ffffff; --vscode-button-background: #0078d4; --vscode-button-hoverBackground: #026ec1;
  --vscode-button-secondaryForeground: #cccccc; --vscode-button-secondaryBackground: #313131;
  --vscode-input-foreground: #cccccc; --vscode-input-background: #313131; --vscode-input-border: #3c3c3c;
  --vscode-focusBorder: #0078d4; --vscode-badge-foreground: #f8f8f8; --vscode-badge-background: #616161;
  --vscode-panel-border: #2b2b2b; --vscode-widget-border: #313131; --vscode-textCodeBlock-background: #2b2b2b;
  --vscode-textBlockQuote-background: #2b2b2b; --vscode-errorForeground: #f85149;
  --vscode-diffEditor-insertedLineBackground: rgba(155,185,85,0.2); --vscode-diffEditor-removedLineBackground: rgba(255,0,0,0.2);
}`;

/** Stands in for VS Code's webview host: records what the widget posts and any CSP violation. */
const HARNESS = `
window.__posted = []; window.__violations = []; let saved;
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => saved, setState: (s) => { saved = s; } });`;

let server: Server;
let origin: string;
let browser: Browser;
let page: Page;
let errors: string[];
let scratch: string;
let sample: { variants: CandidateList; history: PromptHistory; evaluation: EvalResult };

function cli(args: string[], cwd: string): any {
  return JSON.parse(execFileSync(binary, [...args, '--json'], { cwd, encoding: 'utf8', env: { ...process.env, PROMPTOPT_USER: 'engineer@example.com' } }));
}

/** Real answers: a prompt saved twice, three generated variants, an evaluation. */
function realSample() {
  scratch = mkdtempSync(join(tmpdir(), 'promptopt-widget-'));
  cpSync(join(root, 'examples/summarize.prompt'), join(scratch, 'summarize.prompt'));
  cli(['save', 'summarize.prompt'], scratch);
  const file = join(scratch, 'summarize.prompt');
  writeFileSync(file, readFileSync(file, 'utf8').replace('keep each under 20 words', 'keep each under 15 words'));
  cli(['save', 'summarize.prompt', '--message', 'shorter points'], scratch);
  const variants: CandidateList = cli(['generate', 'summarize.prompt', '--count', '3'], scratch);
  const evaluation: EvalResult = cli(['eval', 'summarize.prompt'], scratch);
  const history: PromptHistory = cli(['history', 'summarize.prompt'], scratch);
  const generated = history.versions.filter((v) => v.origin === 'generated');
  variants.candidates.forEach((c, i) => (c.versionId = generated[i]?.id));
  return { variants, history, evaluation };
}

function state(change: Partial<WidgetState> = {}): WidgetState {
  return {
    prompt: { uri: 'file:///ws/summarize.prompt', name: 'summarize.prompt' },
    settings: { abTesting: false, reviewGating: true },
    variants: sample.variants,
    evaluation: sample.evaluation,
    refinement: null,
    history: sample.history,
    busy: null,
    notice: null,
    ...change,
  };
}

async function show(s: WidgetState): Promise<void> {
  await page.evaluate((st) => window.postMessage({ type: 'state', state: st }, '*'), s as unknown as Record<string, unknown>);
  await page.locator(`#app[aria-busy="${s.busy ? 'true' : 'false'}"]`).waitFor();
}

async function posted(): Promise<WidgetMessage[]> {
  return page.evaluate(() => (window as unknown as { __posted: WidgetMessage[] }).__posted);
}

beforeAll(async () => {
  sample = realSample();
  mkdirSync(artifacts, { recursive: true });
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const files: Record<string, [string, string]> = {
      '/dist/webview.js': ['text/javascript', readFileSync(join(root, 'dist/webview.js'), 'utf8')],
      '/dist/widget.css': ['text/css', readFileSync(join(root, 'dist/widget.css'), 'utf8')],
      '/harness.js': ['text/javascript', HARNESS],
      '/theme.css': ['text/css', THEME],
    };
    if (path === '/') {
      const html = widgetHtml({ cspSource: origin, scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/dist/widget.css`, nonce: NONCE })
        .replace('<link rel="stylesheet"', `<link rel="stylesheet" href="${origin}/theme.css">\n<link rel="stylesheet"`)
        .replace(`<script nonce="${NONCE}"`, `<script nonce="${NONCE}" src="${origin}/harness.js"></script>\n<script nonce="${NONCE}"`);
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
      return;
    }
    // The browser asks for a favicon on its own; VS Code's webview host has none either.
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    const file = files[path];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

afterAll(async () => {
  await browser?.close();
  server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 900, height: 1400 } });
  errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(origin);
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
});

describe('the FeedbackWidget', () => {
  it('asks for its state, then renders the variants, the evaluation and the version trail', async () => {
    expect(await posted()).toEqual([{ type: 'ready' }]);
    await show(state());
    expect(await page.locator('h1').textContent()).toBe('summarize.prompt');
    expect(await page.locator('li.variant').count()).toBe(3);
    const strategies = await page.locator('li.variant .strategy').allTextContents();
    expect(strategies).toEqual(sample.variants.candidates.map((c) => c.strategies.join(' + ') || c.strategy));
    expect(await page.locator('#evaluation-title').textContent()).toBe(`Evaluation: ${sample.evaluation.score.toFixed(1)}/5`);
    const versions = page.locator('li.version');
    expect(await versions.count()).toBe(sample.history.versions.length);
    // The newest first; the head is marked; the edit shows as a diff.
    const head = page.locator('li.version.head');
    expect(await head.count()).toBe(1);
    expect(await head.locator('code').textContent()).toBe(sample.history.head?.slice(-8));
    const edited = page.locator('li.version', { hasText: 'shorter points' });
    await edited.locator('summary').click();
    expect(await edited.locator('.line.delete').allTextContents()).toEqual([expect.stringContaining('under 20 words')]);
    expect(await edited.locator('.line.insert').allTextContents()).toEqual([expect.stringContaining('under 15 words')]);
    await page.screenshot({ path: join(artifacts, 'widget.png'), fullPage: true });
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('posts what the user asked for', async () => {
    await show(state());
    await page.locator('#apply-1').click();
    await page.locator('#favorite-0').click();
    await page.locator('#rating-4').check();
    await page.locator('#rating-notes').fill('clear, a bit long');
    await page.locator('#rating-submit').click();
    const first = sample.history.versions[0]!;
    const short = first.id.slice(-8);
    await page.locator(`#rollback-${short}-open`).click();
    await page.locator(`#rollback-${short}-input`).fill('the edit made points too terse');
    await page.locator(`#rollback-${short}-input`).press('Enter');
    await page.locator('#run-evaluate').click();
    expect((await posted()).slice(1)).toEqual([
      { type: 'applyVariant', index: 1 },
      { type: 'favorite', versionId: sample.variants.candidates[0]!.versionId, favorite: true },
      { type: 'rate', score: 4, notes: 'clear, a bit long', versionId: null },
      { type: 'rollback', versionId: first.id, reason: 'the edit made points too terse' },
      { type: 'run', command: 'evaluate' },
    ]);
  });

  it('compares two variants side by side, as A/B arms when the toggle is on', async () => {
    await show(state({ settings: { abTesting: true, reviewGating: true } }));
    await page.locator('#compare-0').check();
    await page.locator('#compare-2').check();
    expect(await page.locator('#compare-title').textContent()).toBe('A/B comparison');
    expect(await page.locator('.compare .column h3').allTextContents()).toEqual([
      expect.stringMatching(/^Arm A · /),
      expect.stringMatching(/^Arm B · /),
    ]);
    await page.locator('#ab-toggle').uncheck();
    expect((await posted()).at(-1)).toEqual({ type: 'setAbTesting', enabled: false });
  });

  it('keeps hostile strings inert and shows them as text', async () => {
    const hostile = structuredClone(sample);
    hostile.variants.candidates[0]!.explanation = HOSTILE;
    hostile.variants.candidates[0]!.prompt = HOSTILE;
    hostile.variants.candidates[0]!.strategies = [HOSTILE];
    hostile.history.versions[0]!.message = HOSTILE;
    hostile.history.versions[0]!.author = HOSTILE;
    await show({
      ...state(),
      prompt: { uri: 'file:///ws/x.prompt', name: HOSTILE },
      variants: hostile.variants,
      history: hostile.history,
      notice: { kind: 'error', text: HOSTILE },
    });
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('#app img, #app script').count()).toBe(0);
    expect(await page.locator('h1').textContent()).toBe(HOSTILE);
    expect(await page.locator('.notice.error').textContent()).toBe(HOSTILE);
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('works from the keyboard and names every control', async () => {
    await show(state());
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('run-generate');
    await page.keyboard.press('Enter');
    expect((await posted()).at(-1)).toEqual({ type: 'run', command: 'generate' });
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('button, input, textarea')]
        .filter((el) => {
          const labelled = el.getAttribute('aria-label') || (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest('label');
          return !(el.textContent?.trim() || labelled);
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(unnamed).toEqual([]);
    expect(await page.locator('#announce[aria-live="polite"]').count()).toBe(1);
  });

  it('shows variants of a new prompt without a file to apply them to', async () => {
    await show(state({ prompt: null, history: null, evaluation: null }));
    expect(await page.locator('h1').textContent()).toBe('New prompt');
    expect(await page.locator('#apply-0').textContent()).toBe('Open in editor');
    expect(await page.locator('#rating-title, #trail-title').count()).toBe(0);
    expect(await page.locator('#run-evaluate').getAttribute('aria-disabled')).toBe('true');
    await page.locator('#run-generate').click();
    expect((await posted()).at(-1)).toEqual({ type: 'run', command: 'generate' });
  });

  it("shows the engine's notes, open when there are no variants", async () => {
    const notes = ['the starting prompt has 6 lint errors: fix them first', 'left out: few-shot (6 lint errors)'];
    await show(state({ variants: { candidates: [], notes } }));
    expect(await page.locator('#variants-title').textContent()).toBe('Variants (0)');
    expect(await page.locator('details.notes').getAttribute('open')).toBe('');
    expect(await page.locator('details.notes li').allTextContents()).toEqual(notes);
  });

  it('shows a running command and disables the actions meanwhile, keeping focus', async () => {
    await show(state());
    await page.locator('#run-generate').focus();
    await show(state({ busy: 'Generating variants' }));
    expect(await page.locator('.busy').textContent()).toBe('Generating variants…');
    expect(await page.locator('#run-generate').getAttribute('aria-disabled')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('run-generate');
    const before = (await posted()).length;
    // force: Playwright itself will not click what says it is disabled; a user still can.
    await page.locator('#run-generate').click({ force: true });
    await page.locator('#favorite-0').click({ force: true });
    expect(await posted()).toHaveLength(before);
    await show(state({ busy: null, notice: { kind: 'info', text: '3 variants generated.' } }));
    expect(await page.locator('#run-generate').getAttribute('aria-disabled')).toBeNull();
    expect(await page.locator('#announce').textContent()).toBe('3 variants generated.');
    await show(state({ notice: { kind: 'error', text: 'the server stopped' } }));
    expect(await page.locator('#alert').textContent()).toBe('the server stopped');
  });

  it('keeps what the user typed and opened when new state arrives, and forgets it on another prompt', async () => {
    await show(state());
    await page.locator('#rating-notes').fill('half-written note');
    await page.locator('#prompt-1 summary').click();
    const first = sample.history.versions[0]!.id.slice(-8);
    await page.locator(`#annotate-trail-${first}-open`).click();
    await page.locator(`#annotate-trail-${first}-input`).fill('draft annotation');
    await show(state({ notice: { kind: 'info', text: 'Rating 4/5 recorded.' } }));
    expect(await page.locator('#rating-notes').inputValue()).toBe('half-written note');
    expect(await page.locator('#prompt-1').getAttribute('open')).toBe('');
    expect(await page.locator(`#annotate-trail-${first}-form`).isVisible()).toBe(true);
    expect(await page.locator(`#annotate-trail-${first}-input`).inputValue()).toBe('draft annotation');
    await show(state({ prompt: { uri: 'file:///ws/other.prompt', name: 'other.prompt' } }));
    expect(await page.locator('#rating-notes').inputValue()).toBe('');
    expect(await page.locator('#prompt-1').getAttribute('open')).toBeNull();
  });

  it('returns focus to the button that opened a form once it is sent', async () => {
    await show(state());
    const first = sample.history.versions[0]!.id.slice(-8);
    await page.locator(`#annotate-trail-${first}-open`).click();
    await page.locator(`#annotate-trail-${first}-input`).fill('tone is off');
    await page.keyboard.press('Enter');
    expect((await posted()).at(-1)).toEqual({ type: 'annotate', versionId: sample.history.versions[0]!.id, note: 'tone is off' });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`annotate-trail-${first}-open`);
    expect(await page.locator(`#annotate-trail-${first}-open`).getAttribute('aria-expanded')).toBe('false');
  });
});
