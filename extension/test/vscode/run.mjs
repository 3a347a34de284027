// The extension in the real VS Code: code-server 4.100.3 with the packaged VSIX installed,
// driven by Debian's Chromium through playwright-core.
//   1. the extension-host suite (suite.ts), run against the installed extension;
//   2. one UI test through the browser: open a prompt, see the squiggle and the Problems entry,
//      open the Feedback Widget, generate into it, cancel a model call that never answers;
//      with screenshots in .cache/artifacts/vscode/.
// Usage: node extension/test/vscode/run.mjs CODE_SERVER_BINARY VSIX
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CodeServer } from '../../../scripts/code-server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const [binary, vsix] = process.argv.slice(2).map((p) => resolve(p));
if (!binary || !vsix) {
  console.error('usage: run.mjs CODE_SERVER_BINARY VSIX');
  process.exit(2);
}
const artifacts = join(repo, '.cache/artifacts/vscode');
mkdirSync(artifacts, { recursive: true });
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

const root = mkdtempSync(join(tmpdir(), 'promptopt-vscode-'));
const workspace = join(root, 'examples');
cpSync(join(repo, 'examples'), workspace, { recursive: true, filter: (src) => !src.includes('.promptopt') });
const results = join(root, 'suite-results.json');
const server = new CodeServer(binary, root);
let browser;
let failed = false;

try {
  const extensionDir = server.install(vsix, 'promptopt.promptopt');
  server.writeUserSettings({
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'telemetry.telemetryLevel': 'off',
    'security.workspace.trust.enabled': false,
    'window.commandCenter': false,
    'promptopt.registry.user': 'engineer@example.com',
  });
  const env = { ...process.env, PROMPTOPT_TEST_RESULTS: results };
  // The suite checks that the binary inside the VSIX is the one that runs.
  delete env.PROMPTOPT_SERVER_PATH;
  await server.start(workspace, env);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });

  failed = !(await extensionHostSuite(extensionDir)) || failed;
  failed = !(await uiTest()) || failed;
} catch (error) {
  console.error(error);
  failed = true;
} finally {
  await browser?.close();
  server.stop();
  if (failed) console.error(`code-server log:\n${server.output().slice(-4000)}`);
  rmSync(root, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

async function extensionHostSuite(extensionDir) {
  const remote = (path) => `vscode-remote://127.0.0.1:${server.port}${path}`;
  const payload = [
    ['extensionDevelopmentPath', remote(extensionDir)],
    ['extensionTestsPath', remote(join(repo, 'extension/out/test'))],
  ];
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = watchConsole(page);
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  const deadline = Date.now() + 180_000;
  while (!existsSync(results) && Date.now() < deadline) await page.waitForTimeout(500);
  await page.screenshot({ path: join(artifacts, 'suite.png') });
  await page.close();
  if (!existsSync(results)) {
    console.error(`the extension-host suite wrote no results within 180 s; browser errors:\n${errors.join('\n')}`);
    return false;
  }
  const summary = JSON.parse(readFileSync(results, 'utf8'));
  for (const o of summary.outcomes) {
    console.log(`${o.ok ? 'ok  ' : 'FAIL'} ${o.name} (${o.ms} ms)${o.ok ? `: ${o.detail}` : `\n${o.detail}`}`);
  }
  console.log(`extension-host suite: ${summary.passed} passed, ${summary.failed} failed`);
  return summary.failed === 0 && summary.passed > 0;
}

async function uiTest() {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = watchConsole(page);
  const step = async (name, run) => {
    try {
      await run();
      await page.screenshot({ path: join(artifacts, `${name}.png`) });
      console.log(`ok   ui: ${name}`);
    } catch (error) {
      await page.screenshot({ path: join(artifacts, `${name}-failed.png`) }).catch(() => {});
      throw new Error(`ui: ${name}: ${error.message}\nbrowser errors:\n${errors.join('\n')}`);
    }
  };
  try {
    await step('1-workbench', async () => {
      await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await page.locator('.explorer-folders-view').waitFor({ timeout: 30_000 });
    });
    await step('2-open-prompt-with-squiggles', async () => {
      const folder = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'lint-showcase' });
      await folder.click();
      const file = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'support-triage.prompt' });
      await file.waitFor({ timeout: 10_000 });
      await file.dblclick();
      await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 });
    });
    await step('3-problems-panel', async () => {
      await page.keyboard.press('Control+Shift+M');
      const entry = page.locator('.markers-panel .monaco-list-row', { hasText: 'invalid-role' });
      await entry.first().waitFor({ timeout: 20_000 });
    });
    await step('4-feedback-widget', async () => {
      await fromPalette(page, 'PromptOpt: Show Feedback Widget');
      const frame = await widgetFrame(page, 30_000);
      await frame.locator('#trail-title').waitFor({ timeout: 20_000 });
      const heading = await frame.locator('h1').textContent();
      if (!heading?.includes('support-triage.prompt')) throw new Error(`the widget shows ${heading}`);
    });
    await step('5-generate-explains-why-a-broken-prompt-has-no-variants', async () => {
      await fromPalette(page, 'PromptOpt: Generate');
      // The open prompt is offered first: improve it.
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Improve lint-showcase/support-triage.prompt' }).waitFor();
      await page.keyboard.press('Enter');
      const frame = await widgetFrame(page, 30_000);
      const notice = frame.locator('.notice.error', { hasText: 'lint errors' });
      await notice.waitFor({ timeout: 30_000 });
      if ((await frame.locator('li.variant').count()) !== 0) throw new Error('variants of a prompt with lint errors');
    });
    await step('6-generate-variants-and-compare', async () => {
      await page.keyboard.press('Control+P');
      await page.locator('.quick-input-widget input').waitFor();
      await page.keyboard.type('summarize.prompt');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'summarize.prompt' }).first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.tab.active', { hasText: 'summarize.prompt' }).waitFor();
      await fromPalette(page, 'PromptOpt: Generate');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Improve summarize.prompt' }).waitFor();
      await page.keyboard.press('Enter');
      const frame = await widgetFrame(page, 30_000);
      await frame.locator('h1', { hasText: 'summarize.prompt' }).waitFor({ timeout: 30_000 });
      await frame.locator('li.variant').first().waitFor({ timeout: 30_000 });
      const count = await frame.locator('li.variant').count();
      if (count !== 3) throw new Error(`the widget shows ${count} variants`);
      await frame.locator('#compare-0').check();
      await frame.locator('#compare-1').check();
      await frame.locator('#compare-title').waitFor();
    });
    await step('7-cancel-a-slow-model-call', async () => {
      // A model server that takes every request and never answers, so the only way out is
      // the notification's Cancel button. Pointing the provider settings at it also checks
      // that they reach the server.
      const model = await stallingModelServer();
      try {
        mkdirSync(join(workspace, '.vscode'), { recursive: true });
        writeFileSync(
          join(workspace, '.vscode/settings.json'),
          JSON.stringify({
            'promptopt.provider.kind': 'openai',
            'promptopt.provider.model': 'stalls',
            'promptopt.provider.baseUrl': `${model.url}/v1`,
          }),
        );
        // VS Code reloads the file and tells the server; until it has, the built-in engine
        // answers, so try again (a busy machine can take seconds).
        for (let attempt = 1; ; attempt++) {
          await page.waitForTimeout(2000);
          await fromPalette(page, 'PromptOpt: Generate');
          await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Improve summarize.prompt' }).waitFor();
          await page.keyboard.press('Enter');
          try {
            await model.requested(10_000);
            break;
          } catch (error) {
            if (attempt === 3) throw error;
          }
        }
        const toast = page.locator('.notification-toast', { hasText: 'generating variants' });
        await toast.locator('.monaco-button', { hasText: 'Cancel' }).click();
        await model.closed(15_000);
        const frame = await widgetFrame(page, 10_000);
        await frame.locator('.notice', { hasText: 'Cancelled.' }).waitFor({ timeout: 10_000 });
        if (await frame.locator('.busy').count()) throw new Error('the widget still shows the command running');
      } finally {
        model.stop();
      }
    });
    const cspErrors = errors.filter((e) => /Content Security Policy|Refused to/.test(e));
    if (cspErrors.length) throw new Error(`CSP errors in the workbench:\n${cspErrors.join('\n')}`);
    return true;
  } catch (error) {
    console.error(error.message);
    return false;
  } finally {
    await page.close();
  }
}

/** An OpenAI-compatible endpoint that accepts requests and never answers them. */
async function stallingModelServer() {
  const open = new Set();
  let seen = 0;
  let closed = 0;
  const server = createServer((req, res) => {
    seen++;
    open.add(res);
    res.on('close', () => {
      closed++;
      open.delete(res);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const until = async (what, ok, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`the model server: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requested: (ms) => until('a request', () => seen > 0, ms),
    // Every call the server made was abandoned: the cancellation reached the HTTP client.
    closed: (ms) => until('the calls to be dropped', () => seen > 0 && closed === seen, ms),
    stop: () => {
      for (const res of open) res.destroy();
      server.close();
    },
  };
}

/** Runs a command from the Command Palette, as a user types it. */
async function fromPalette(page, title) {
  await page.locator('.monaco-editor').first().click();
  await page.keyboard.press('Control+Shift+P');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type(title);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** The widget's page lives two iframes deep inside the workbench. */
async function widgetFrame(page, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (await frame.locator('#app').count().catch(() => 0)) return frame;
    }
    await page.waitForTimeout(250);
  }
  throw new Error('no Feedback Widget frame appeared');
}

function watchConsole(page) {
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}
