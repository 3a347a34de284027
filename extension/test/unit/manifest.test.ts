// The manifest, the grammars and the snippets are data the extension ships: check they say
// what the code and the server expect.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Command } from '../../src/commands';

const root = join(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const contributes = manifest.contributes;

describe('the manifest', () => {
  it('uses dotprompt for .prompt (VS Code owns `prompt`) and prompty for .prompty', () => {
    const byId = Object.fromEntries(contributes.languages.map((l: any) => [l.id, l]));
    expect(byId.dotprompt.extensions).toEqual(['.prompt']);
    expect(byId.prompty.extensions).toEqual(['.prompty']);
    expect(byId.prompt).toBeUndefined();
    expect(manifest.activationEvents).toEqual(expect.arrayContaining(['onLanguage:dotprompt', 'onLanguage:prompty']));
    for (const language of contributes.languages) expect(existsSync(join(root, language.configuration))).toBe(true);
  });

  it('contributes exactly the commands the extension registers, with titles', () => {
    const contributed = contributes.commands.map((c: any) => c.command).sort();
    expect(contributed).toEqual(Object.values(Command).sort());
    for (const c of contributes.commands) expect(c.category).toBe('PromptOpt');
    const titles = contributes.commands.map((c: any) => c.title);
    for (const title of ['Generate', 'Evaluate', 'Refine', 'Submit Feedback', 'Show History', 'Roll Back', 'Show Feedback Widget', 'Restart Server']) {
      expect(titles).toContain(title);
    }
  });

  it('describes every setting, and has the ones the client reads', () => {
    const properties = contributes.configuration.properties;
    for (const [key, schema] of Object.entries<any>(properties)) {
      expect(schema.description ?? schema.markdownDescription, key).toBeTruthy();
    }
    for (const key of ['server.path', 'generate.variantCount', 'abTesting.enabled', 'review.gating', 'provider.kind', 'mesh.url', 'trace.server']) {
      expect(properties[`promptopt.${key}`], key).toBeDefined();
    }
  });

  it('points at files that exist', () => {
    for (const entry of [...contributes.grammars, ...contributes.snippets]) {
      expect(existsSync(join(root, entry.path)), entry.path).toBe(true);
    }
  });
});

/** A snippet body with every placeholder at its default (the first choice of a choice). */
function expand(body: string[], filenameBase: string): string {
  let text = body
    .join('\n')
    .replaceAll('${TM_FILENAME_BASE/[.]tests$//}', filenameBase.replace(/[.]tests$/, ''))
    .replaceAll('${TM_FILENAME_BASE}', filenameBase);
  const values = new Map<string, string>();
  const placeholder = /\$\{(\d+)(?::((?:[^{}]|\{[^{}]*\})*)|\|([^|]*)\|)?\}|\$(\d+)/g;
  for (let i = 0; i < 5 && placeholder.test(text); i++) {
    text = text.replace(placeholder, (_, n, fallback, choices, bare) => {
      const key = n ?? bare;
      const value = fallback ?? choices?.split(',')[0] ?? values.get(key) ?? '';
      if (!values.has(key) && (fallback !== undefined || choices !== undefined)) values.set(key, value);
      return value;
    });
  }
  return text.replaceAll('\\}', '}').replaceAll('\\$', '$');
}

function snippets(file: string): Record<string, { prefix: string; body: string[]; description: string }> {
  return JSON.parse(readFileSync(join(root, 'snippets', file), 'utf8'));
}

describe('the snippets', () => {
  const binary = join(root, 'target/release/promptopt');
  const scratch: string[] = [];
  const scratchDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'promptopt-snippets-'));
    scratch.push(dir);
    return dir;
  };
  afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('have a prefix, a description and a body each', () => {
    for (const file of ['dotprompt.code-snippets', 'tests-yaml.code-snippets', 'mesh-typescript.code-snippets', 'mesh-python.code-snippets']) {
      for (const [name, s] of Object.entries(snippets(file))) {
        expect(s.prefix, name).toBeTruthy();
        expect(s.description, name).toBeTruthy();
        expect(s.body.length, name).toBeGreaterThan(0);
      }
    }
    const mesh = ['meshGenerate', 'meshEvaluate', 'meshRefine', 'meshFeedback', 'meshRollback', 'meshAudit'];
    expect(Object.keys(snippets('mesh-typescript.code-snippets'))).toEqual(mesh);
    expect(Object.keys(snippets('mesh-python.code-snippets'))).toEqual(mesh);
  });

  it('promptGen lints without errors and evalPrompt is a tests file promptopt eval runs', () => {
    expect(existsSync(binary), `${binary} is missing: cargo build --release -p promptopt-cli`).toBe(true);
    const dir = scratchDir();
    const prompt = join(dir, 'answer.prompt');
    writeFileSync(prompt, expand(snippets('dotprompt.code-snippets').promptGen!.body, 'answer'));
    const lint = JSON.parse(execFileSync(binary, ['lint', '--format', 'json', prompt], { encoding: 'utf8' }));
    expect(lint.summary.errors, JSON.stringify(lint.files[0]?.findings)).toBe(0);
    expect(lint.summary.warnings, JSON.stringify(lint.files[0]?.findings)).toBe(0);
    writeFileSync(join(dir, 'answer.tests.yaml'), expand(snippets('tests-yaml.code-snippets').evalPrompt!.body, 'answer.tests'));
    const evaluation = JSON.parse(execFileSync(binary, ['eval', '--json', prompt], { encoding: 'utf8' }));
    expect(evaluation.summary.total).toBe(2);
  });

  it('refinePrompt is a block refine acts on and removes', () => {
    const dir = scratchDir();
    const prompt = join(dir, 'answer.prompt');
    const source = expand(snippets('dotprompt.code-snippets').promptGen!.body, 'answer');
    const block = expand(snippets('dotprompt.code-snippets').refinePrompt!.body, 'answer');
    writeFileSync(prompt, source.replace('{{role "system"}}\n', `{{role "system"}}\n${block}\n`));
    const refined = JSON.parse(execFileSync(binary, ['refine', '--json', prompt], { encoding: 'utf8' }));
    expect(refined.prompt).not.toContain('promptopt-feedback');
    expect(refined.changes.join('\n')).toContain('promptopt-feedback block');
  });

  it('the TypeScript Mesh snippets are valid TypeScript', async () => {
    const ts = await import('typescript');
    for (const [name, s] of Object.entries(snippets('mesh-typescript.code-snippets'))) {
      const code = `declare const promptSource: string; declare const versionId: string;\nasync function f() {\n${expand(s.body, 'x')}\n}`;
      const out = ts.transpileModule(code, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } });
      expect(out.diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), name).toEqual([]);
    }
  });

  it('the Python Mesh snippets compile', () => {
    for (const [name, s] of Object.entries(snippets('mesh-python.code-snippets'))) {
      const code = `prompt_source = ""\nversion_id = ""\n${expand(s.body, 'x')}`;
      expect(() => execFileSync('python3', ['-c', 'import sys; compile(sys.stdin.read(), "snippet", "exec")'], { input: code }), name).not.toThrow();
    }
  });
});
