// The FeedbackWidget: variants, comparison, rating, the version trail with diffs, rollback and
// review. It only renders the state the extension sends and posts what the user asked for;
// the extension checks every message and the server does the work.

import type { Candidate, DiffLine, PromptHistory, Version, VersionChange } from '../src/protocol';
import type { HostMessage, WidgetMessage, WidgetState } from '../src/widget/messages';
import { button, captureViewState, h, restoreViewState, type Child } from './dom';

interface VsCodeApi {
  postMessage(message: WidgetMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

/** What the user picked here; it survives the panel being hidden. */
interface LocalState {
  /** The prompt the picks below belong to. */
  prompt: string | null;
  compare: number[];
  rating: number | null;
}

let state: WidgetState | null = null;
let local: LocalState = restoreLocal();

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  if (event.data?.type !== 'state') return;
  const previousNotice = state?.notice?.text;
  const previousPrompt = state?.prompt?.uri ?? null;
  state = event.data.state;
  const prompt = state.prompt?.uri ?? null;
  if (local.prompt !== prompt) local = { prompt, compare: [], rating: null };
  if (local.compare.some((i) => i >= (state?.variants?.candidates.length ?? 0))) local.compare = [];
  render(previousPrompt === prompt);
  if (state.notice && state.notice.text !== previousNotice) announce(state.notice.text, state.notice.kind);
});
vscode.postMessage({ type: 'ready' });

function post(message: WidgetMessage): void {
  vscode.postMessage(message);
}

function restoreLocal(): LocalState {
  const saved = vscode.getState() as Partial<LocalState> | undefined;
  return {
    prompt: typeof saved?.prompt === 'string' ? saved.prompt : null,
    compare: Array.isArray(saved?.compare) ? saved.compare.filter((n) => Number.isInteger(n)) : [],
    rating: typeof saved?.rating === 'number' ? saved.rating : null,
  };
}

function saveLocal(): void {
  vscode.setState(local);
}

/** Says `text` to screen readers: errors interrupt, the rest waits its turn. */
function announce(text: string, kind: 'info' | 'error' = 'info'): void {
  const region = document.getElementById(kind === 'error' ? 'alert' : 'announce');
  if (region) region.textContent = text;
}

/** Re-renders from the state; on the same prompt, what the user typed or opened stays. */
function render(samePrompt = true): void {
  const app = document.getElementById('app');
  if (!app || !state) return;
  const focused = document.activeElement?.id;
  const kept = samePrompt ? captureViewState(app) : new Map();
  app.replaceChildren(...view(state).filter((c): c is Node | string => Boolean(c)));
  restoreViewState(app, kept);
  app.setAttribute('aria-busy', state.busy ? 'true' : 'false');
  if (focused) document.getElementById(focused)?.focus();
}

function view(s: WidgetState): Child[] {
  return [
    header(s),
    s.notice &&
      h('p', { class: `notice ${s.notice.kind}` }, s.notice.text),
    s.prompt || s.variants || s.busy
      ? null
      : h('p', { class: 'empty' }, 'Open a .prompt file and run PromptOpt: Show Feedback Widget.'),
    !s.prompt && s.variants
      ? h('p', { class: 'hint' }, 'Variants of a new prompt: Apply opens one in a new editor; save it as NAME.prompt to keep it.')
      : null,
    s.variants && variantsSection(s, s.variants.candidates),
    s.variants && local.compare.length === 2 && compareSection(s, s.variants.candidates),
    s.evaluation && evaluationSection(s),
    s.refinement && refinementSection(s),
    s.prompt && ratingSection(s),
    s.prompt && trailSection(s),
  ];
}

function header(s: WidgetState): HTMLElement {
  const disabled = !s.prompt || s.busy !== null;
  const ab = h('input', {
    type: 'checkbox',
    id: 'ab-toggle',
    role: 'switch',
    checked: s.settings.abTesting,
    'aria-checked': String(s.settings.abTesting),
  }) as HTMLInputElement;
  ab.addEventListener('change', () => post({ type: 'setAbTesting', enabled: ab.checked }));
  return h(
    'header',
    {},
    h('h1', {}, s.prompt ? s.prompt.name : s.variants ? 'New prompt' : 'PromptOpt'),
    h(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Prompt actions' },
      // With no prompt, Generate asks for a task instead.
      button('Generate variants', () => post({ type: 'run', command: 'generate' }), { id: 'run-generate', disabled: s.busy !== null }),
      button('Evaluate', () => post({ type: 'run', command: 'evaluate' }), { id: 'run-evaluate', disabled }),
      button('Refine', () => post({ type: 'run', command: 'refine' }), { id: 'run-refine', disabled }),
      button('Refresh', () => post({ type: 'refresh' }), { id: 'refresh', class: 'secondary', disabled: !s.prompt }),
    ),
    h(
      'div',
      { class: 'settings' },
      h('label', { for: 'ab-toggle' }, ab, ' A/B test variants'),
      h(
        'span',
        { class: 'badge', id: 'gating', title: 'promptopt.review.gating' },
        s.settings.reviewGating ? 'Review gating on: deploys need an approval' : 'Review gating off',
      ),
      s.busy && h('span', { class: 'busy', role: 'status' }, `${s.busy}…`),
    ),
  );
}

function scoreText(score: number | undefined): string {
  return score === undefined ? '–' : `${score.toFixed(1)}/5`;
}

function meter(score: number, label: string): HTMLElement {
  return h('meter', { min: '1', max: '5', low: '2.5', high: '4', optimum: '5', value: String(score), 'aria-label': label });
}

function variantsSection(s: WidgetState, candidates: Candidate[]): HTMLElement {
  const notes = s.variants?.notes ?? [];
  const favorites = new Set(s.history?.favorites ?? []);
  const rows = candidates.map((c, index) => {
    const label = variantLabel(s, index);
    const compare = h('input', {
      type: 'checkbox',
      id: `compare-${index}`,
      checked: local.compare.includes(index),
      'aria-label': `Compare ${label}`,
    }) as HTMLInputElement;
    compare.addEventListener('change', () => {
      local.compare = compare.checked
        ? [...local.compare.filter((i) => i !== index), index].slice(-2)
        : local.compare.filter((i) => i !== index);
      saveLocal();
      render();
    });
    const isFavorite = c.versionId !== undefined && favorites.has(c.versionId);
    return h(
      'li',
      { class: 'variant', 'aria-label': `${label}: ${c.strategy}, score ${scoreText(c.score)}` },
      h(
        'div',
        { class: 'variant-head' },
        compare,
        h('strong', {}, label),
        h('span', { class: 'strategy' }, c.strategies.join(' + ') || c.strategy),
        meter(c.score, `${label} score`),
        h('span', { class: 'score' }, scoreText(c.score)),
      ),
      h('p', { class: 'explanation' }, c.explanation),
      h(
        'div',
        { class: 'actions' },
        button(s.prompt ? 'Apply to file' : 'Open in editor', () => post({ type: 'applyVariant', index }), { id: `apply-${index}` }),
        c.versionId
          ? button(isFavorite ? '★ Favorite' : '☆ Favorite', () =>
              post({ type: 'favorite', versionId: c.versionId as string, favorite: !isFavorite }),
            { id: `favorite-${index}`, 'aria-pressed': String(isFavorite), class: 'secondary', disabled: s.busy !== null })
          : null,
        c.versionId ? annotateForm(`variant-${index}`, c.versionId, s.busy !== null) : null,
      ),
      h('details', { id: `prompt-${index}` }, h('summary', {}, 'Show prompt'), h('pre', { class: 'source' }, c.prompt)),
    );
  });
  return h(
    'section',
    { 'aria-labelledby': 'variants-title' },
    h('h2', { id: 'variants-title' }, `Variants (${candidates.length})`),
    candidates.some((c) => c.versionId === undefined)
      ? h('p', { class: 'hint' }, 'Save the prompt once to keep variants in the registry; then they can be favorited and annotated.')
      : null,
    candidates.length > 1 ? h('p', { class: 'hint' }, 'Tick two variants to compare them side by side.') : null,
    h('ol', { class: 'variants' }, ...rows),
    notes.length
      ? h('details', { class: 'notes', id: 'engine-notes', open: candidates.length === 0 }, h('summary', {}, 'Notes from the engine'), h('ul', {}, ...notes.map((n) => h('li', {}, n))))
      : null,
  );
}

function variantLabel(s: WidgetState, index: number): string {
  if (s.settings.abTesting && local.compare.length === 2 && local.compare.includes(index)) {
    return local.compare[0] === index ? 'Arm A' : 'Arm B';
  }
  return `Variant ${index + 1}`;
}

function compareSection(s: WidgetState, candidates: Candidate[]): HTMLElement | null {
  const [left, right] = local.compare.map((i) => candidates[i]);
  if (!left || !right) return null;
  const column = (c: Candidate, index: number) =>
    h(
      'div',
      { class: 'column' },
      h('h3', {}, `${variantLabel(s, index)} · ${c.strategy} · ${scoreText(c.score)}`),
      h(
        'table',
        { class: 'dimensions' },
        h('caption', { class: 'visually-hidden' }, `Rubric of ${variantLabel(s, index)}`),
        ...c.rubric.dimensions.map((d) => h('tr', {}, h('th', { scope: 'row' }, d.dimension), h('td', {}, scoreText(d.score)))),
      ),
      h('pre', { class: 'source' }, c.prompt),
    );
  return h(
    'section',
    { 'aria-labelledby': 'compare-title' },
    h('h2', { id: 'compare-title' }, s.settings.abTesting ? 'A/B comparison' : 'Side by side'),
    h('div', { class: 'compare' }, column(left, local.compare[0] as number), column(right, local.compare[1] as number)),
  );
}

function evaluationSection(s: WidgetState): HTMLElement | null {
  const e = s.evaluation;
  if (!e) return null;
  const cases = e.summary.total
    ? `${e.summary.passed}/${e.summary.total} cases passed`
    : 'no test cases (rubric only)';
  return h(
    'section',
    { 'aria-labelledby': 'evaluation-title' },
    h('h2', { id: 'evaluation-title' }, `Evaluation: ${scoreText(e.score)}`),
    h('p', {}, `${e.feedback} · ${cases} · ${e.modelVersion}`),
    h(
      'table',
      { class: 'dimensions' },
      h('caption', { class: 'visually-hidden' }, 'Rubric dimensions'),
      ...e.rubric.dimensions.map((d) =>
        h('tr', {}, h('th', { scope: 'row' }, d.dimension), h('td', {}, scoreText(d.score)), h('td', {}, d.explanation)),
      ),
    ),
  );
}

function refinementSection(s: WidgetState): HTMLElement | null {
  const r = s.refinement;
  if (!r) return null;
  return h(
    'section',
    { 'aria-labelledby': 'refinement-title' },
    h('h2', { id: 'refinement-title' }, 'Refinement'),
    h('p', {}, r.verdict),
    h('ul', {}, ...r.changes.map((c) => h('li', {}, c))),
    r.changed ? h('pre', { class: 'diff unified' }, ...r.diff.split('\n').map(unifiedLine)) : null,
    r.changed ? button('Apply refinement', () => post({ type: 'applyRefinement' }), { id: 'apply-refinement' }) : null,
  );
}

function unifiedLine(line: string): HTMLElement {
  const kind = line.startsWith('+') && !line.startsWith('+++') ? 'insert' : line.startsWith('-') && !line.startsWith('---') ? 'delete' : 'equal';
  return h('span', { class: `line ${kind}` }, `${line}\n`);
}

function ratingSection(s: WidgetState): HTMLElement {
  const radios = [1, 2, 3, 4, 5].map((n) => {
    const input = h('input', { type: 'radio', name: 'rating', id: `rating-${n}`, value: String(n), checked: local.rating === n }) as HTMLInputElement;
    input.addEventListener('change', () => {
      local.rating = n;
      saveLocal();
    });
    return h('label', { for: `rating-${n}`, class: 'rating-option' }, input, ` ${n}`);
  });
  const notes = h('textarea', { id: 'rating-notes', rows: '2', placeholder: 'What works, what does not (optional)' }) as HTMLTextAreaElement;
  const submit = button(
    'Submit rating',
    () => {
      if (local.rating === null) {
        announce('Pick a rating from 1 to 5 first.');
        document.getElementById('rating-1')?.focus();
        return;
      }
      // The buffer as it is now (the server records it first if it changed), not a head the
      // trail showed before the latest edits.
      post({ type: 'rate', score: local.rating, notes: notes.value || null, versionId: null });
      notes.value = '';
      local.rating = null;
      saveLocal();
    },
    { id: 'rating-submit', disabled: s.busy !== null },
  );
  return h(
    'section',
    { 'aria-labelledby': 'rating-title' },
    h('h2', { id: 'rating-title' }, 'Rate this prompt'),
    h('fieldset', {}, h('legend', {}, 'Score, 1 (poor) to 5 (excellent)'), ...radios),
    h('label', { for: 'rating-notes' }, 'Notes'),
    notes,
    submit,
  );
}

function trailSection(s: WidgetState): HTMLElement {
  const history = s.history;
  if (!history || history.versions.length === 0) {
    return h(
      'section',
      { 'aria-labelledby': 'trail-title' },
      h('h2', { id: 'trail-title' }, 'Version trail'),
      h('p', { class: 'empty' }, 'No versions yet: saving the prompt records one.'),
    );
  }
  const changes = new Map(history.changes.map((c) => [c.versionId, c]));
  const labels = new Map<string, string[]>();
  for (const l of history.labels) labels.set(l.versionId, [...(labels.get(l.versionId) ?? []), l.label]);
  const favorites = new Set(history.favorites);
  const items = [...history.versions].reverse().map((v) => versionItem(s, history, v, changes.get(v.id), labels.get(v.id) ?? [], favorites.has(v.id)));
  return h(
    'section',
    { 'aria-labelledby': 'trail-title' },
    h('h2', { id: 'trail-title' }, `Version trail (${history.versions.length})`),
    s.settings.reviewGating && history.head
      ? button('Request review of the head', () => post({ type: 'requestReview', note: null }), {
          id: 'request-review',
          class: 'secondary',
          disabled: s.busy !== null,
        })
      : null,
    h('ol', { class: 'trail', reversed: true }, ...items),
  );
}

function versionItem(
  s: WidgetState,
  history: PromptHistory,
  v: Version,
  change: VersionChange | undefined,
  labels: string[],
  favorite: boolean,
): HTMLElement {
  const short = v.id.slice(-8);
  const isHead = history.head === v.id;
  const busy = s.busy !== null;
  const facts = [
    v.origin + (v.strategy ? ` (${v.strategy})` : ''),
    v.author,
    v.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    `score ${scoreText(v.score)}`,
    v.review,
    ...labels.map((l) => `label ${l}`),
  ];
  const counts = change ? `+${change.linesAdded} −${change.linesRemoved}` : '';
  return h(
    'li',
    { class: isHead ? 'version head' : 'version', 'aria-label': `Version ${short}${isHead ? ' (head)' : ''}` },
    h(
      'div',
      { class: 'version-head' },
      h('code', {}, short),
      isHead ? h('span', { class: 'badge' }, 'head') : null,
      favorite ? h('span', { class: 'badge', title: 'favorite' }, '★') : null,
      h('span', { class: 'facts' }, facts.join(' · ')),
      h('span', { class: 'counts' }, counts),
    ),
    v.message ? h('p', { class: 'explanation' }, v.message) : null,
    change && change.hunks.length
      ? h('details', { id: `diff-${short}` }, h('summary', {}, `Diff against ${change.parentId ? change.parentId.slice(-8) : 'nothing'}`), diffView(change))
      : null,
    h(
      'div',
      { class: 'actions' },
      button(favorite ? '★ Unfavorite' : '☆ Favorite', () => post({ type: 'favorite', versionId: v.id, favorite: !favorite }), {
        class: 'secondary',
        'aria-pressed': String(favorite),
        id: `trail-favorite-${short}`,
        disabled: busy,
      }),
      annotateForm(`trail-${short}`, v.id, busy),
      isHead ? null : rollbackForm(short, v.id, busy),
      s.settings.reviewGating && v.review === 'inReview'
        ? button('Approve', () => post({ type: 'approve', versionId: v.id }), { id: `approve-${short}`, disabled: busy })
        : null,
      s.settings.reviewGating && v.review === 'approved'
        ? button('Deploy', () => post({ type: 'deploy', versionId: v.id }), { id: `deploy-${short}`, disabled: busy })
        : null,
    ),
  );
}

function diffView(change: VersionChange): HTMLElement {
  return h(
    'pre',
    { class: 'diff', 'aria-label': `${change.linesAdded} lines added, ${change.linesRemoved} removed` },
    ...change.hunks.flatMap((hunk) => [
      h('span', { class: 'line hunk' }, `@@ -${hunk.oldStart} +${hunk.newStart} @@\n`),
      ...hunk.lines.map((line: DiffLine) =>
        h('span', { class: `line ${line.op}` }, `${line.op === 'insert' ? '+' : line.op === 'delete' ? '-' : ' '}${line.text}\n`),
      ),
    ]),
  );
}

/** A button that opens a one-field form; the field is required. */
function inlineForm(
  id: string,
  opener: string,
  field: string,
  submitLabel: string,
  busy: boolean,
  onSubmit: (text: string) => void,
): HTMLElement {
  const input = h('input', { type: 'text', id: `${id}-input`, required: true, 'aria-label': field, placeholder: field }) as HTMLInputElement;
  const form = h(
    'form',
    { class: 'inline', hidden: true, id: `${id}-form` },
    input,
    h('button', { type: 'submit', 'aria-disabled': busy ? 'true' : undefined }, submitLabel),
  ) as HTMLFormElement;
  const open = button(
    opener,
    () => {
      form.hidden = !form.hidden;
      open.setAttribute('aria-expanded', String(!form.hidden));
      if (!form.hidden) input.focus();
    },
    { class: 'secondary', id: `${id}-open`, 'aria-expanded': 'false', 'aria-controls': `${id}-form` },
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    const text = input.value.trim();
    if (!text) {
      announce(`${field} is required.`);
      input.focus();
      return;
    }
    onSubmit(text);
    input.value = '';
    form.hidden = true;
    open.setAttribute('aria-expanded', 'false');
    open.focus();
  });
  return h('span', { class: 'inline-form' }, open, form);
}

function annotateForm(id: string, versionId: string, busy: boolean): HTMLElement {
  return inlineForm(`annotate-${id}`, 'Annotate', 'Annotation', 'Add note', busy, (note) => post({ type: 'annotate', versionId, note }));
}

function rollbackForm(short: string, versionId: string, busy: boolean): HTMLElement {
  return inlineForm(`rollback-${short}`, 'Roll back to this', 'Reason for the rollback', 'Roll back', busy, (reason) =>
    post({ type: 'rollback', versionId, reason }),
  );
}
