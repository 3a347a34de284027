// The TextMate grammars, tokenized by the same engine VS Code uses (vscode-textmate with the
// Oniguruma regex library).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const root = join(__dirname, '../../..');
let registry: textmate.Registry;

beforeAll(async () => {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scope) => {
      // source.yaml is VS Code's own: an empty stand-in keeps the embedding rule alive.
      if (scope === 'source.yaml') return { scopeName: 'source.yaml', patterns: [] } as unknown as textmate.IRawGrammar;
      const file = { 'source.dotprompt': 'dotprompt', 'source.prompty': 'prompty' }[scope];
      if (!file) return null;
      const path = join(root, `extension/syntaxes/${file}.tmLanguage.json`);
      return textmate.parseRawGrammar(readFileSync(path, 'utf8'), path);
    },
  });
});

/** Each token's text with its innermost scope, line by line. */
async function tokens(scope: string, text: string): Promise<[string, string[]][]> {
  const grammar = await registry.loadGrammar(scope);
  if (!grammar) throw new Error(`no grammar for ${scope}`);
  let stack = textmate.INITIAL;
  const out: [string, string[]][] = [];
  for (const line of text.split('\n')) {
    const result = grammar.tokenizeLine(line, stack);
    for (const t of result.tokens) out.push([line.slice(t.startIndex, t.endIndex), t.scopes]);
    stack = result.ruleStack;
  }
  return out;
}

function scopesOf(all: [string, string[]][], text: string): string[] {
  const found = all.find(([t]) => t === text);
  if (!found) throw new Error(`no token ${JSON.stringify(text)} in ${JSON.stringify(all.map(([t]) => t))}`);
  return found[1];
}

describe('the dotprompt grammar', () => {
  const source = [
    '---',
    'name: greet',
    '---',
    '{{!-- a comment with {{braces}} --}}',
    '{{role "system"}}',
    '{{#if user.name}}Hello {{user.name}}{{else}}Hi{{/if}}',
    '{{> signature tone="warm"}}',
    '{{{raw}}} {{@index}} {{json data}}',
    'Not a {{role}} marker: plain text',
  ].join('\n');

  it('embeds the front matter as YAML', async () => {
    const all = await tokens('source.dotprompt', source);
    expect(scopesOf(all, 'name: greet')).toContain('meta.embedded.block.frontmatter');
    expect(scopesOf(all, '---')).toContain('punctuation.definition.frontmatter.begin.dotprompt');
  });

  it('scopes comments, role markers, blocks, partials and expressions', async () => {
    const all = await tokens('source.dotprompt', source);
    const expected: [text: string, scope: string][] = [
      [' a comment with {{braces}} ', 'comment.block.handlebars'],
      ['--}}', 'comment.block.handlebars'],
      ['role', 'keyword.other.role.dotprompt'],
      ['"system"', 'string.quoted.double.role.dotprompt'],
      ['if', 'keyword.control.block.handlebars'],
      ['else', 'keyword.control.else.handlebars'],
      ['user.name', 'variable.other.handlebars'],
      ['signature', 'entity.name.function.partial.handlebars'],
      ['tone', 'entity.other.attribute-name.handlebars'],
      ['raw', 'meta.tag.raw.handlebars'],
      ['@index', 'variable.language.data.handlebars'],
      ['json', 'support.function.helper.handlebars'],
    ];
    for (const [text, scope] of expected) expect(scopesOf(all, text), text).toContain(scope);
    expect(scopesOf(all, 'Hello ')).toEqual(['source.dotprompt']);
    expect(scopesOf(all, ' marker: plain text')).toEqual(['source.dotprompt']);
  });

  it('does not take a later --- for front matter', async () => {
    const all = await tokens('source.dotprompt', 'Intro\n---\nname: x\n');
    expect(scopesOf(all, 'name: x')).toEqual(['source.dotprompt']);
  });
});

describe('the Prompty grammar', () => {
  it('scopes front matter, role lines and Jinja', async () => {
    const all = await tokens('source.prompty', '---\nname: x\n---\nsystem:\n{# note #}\n{% if q %}{{ q | upper }}{% endif %}\n');
    expect(scopesOf(all, 'name: x')).toContain('meta.embedded.block.frontmatter');
    expect(scopesOf(all, 'system')).toContain('keyword.other.role.prompty');
    expect(scopesOf(all, ' note ')).toContain('comment.block.jinja');
    expect(scopesOf(all, 'endif')).toContain('keyword.control.jinja');
    expect(scopesOf(all, 'upper')).toContain('support.function.filter.jinja');
  });
});
