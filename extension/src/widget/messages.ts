// What the FeedbackWidget and the extension say to each other. The webview is untrusted input
// as far as the extension is concerned: every message it posts is checked here before
// anything acts on it. Imported by both sides; it must not import `vscode`.

import type { CandidateList, EvalResult, PromptHistory, RefineResult } from '../protocol';

export const WIDGET_VIEW_TYPE = 'PromptOptFeedbackWidget';

/** Everything the widget shows; the extension sends it whole and the widget re-renders. */
export interface WidgetState {
  prompt: { uri: string; name: string } | null;
  settings: { abTesting: boolean; reviewGating: boolean };
  variants: CandidateList | null;
  evaluation: EvalResult | null;
  refinement: RefineResult | null;
  history: PromptHistory | null;
  /** What is running now, if anything. */
  busy: string | null;
  notice: { kind: 'info' | 'error'; text: string } | null;
}

export function emptyState(settings: WidgetState['settings']): WidgetState {
  return {
    prompt: null,
    settings,
    variants: null,
    evaluation: null,
    refinement: null,
    history: null,
    busy: null,
    notice: null,
  };
}

export type HostMessage = { type: 'state'; state: WidgetState };

export type WidgetMessage =
  | { type: 'ready' }
  | { type: 'refresh' }
  | { type: 'run'; command: 'generate' | 'evaluate' | 'refine' }
  | { type: 'applyVariant'; index: number }
  | { type: 'applyRefinement' }
  | { type: 'rate'; score: number; notes: string | null; versionId: string | null }
  | { type: 'favorite'; versionId: string; favorite: boolean }
  | { type: 'annotate'; versionId: string; note: string }
  | { type: 'rollback'; versionId: string; reason: string }
  | { type: 'requestReview'; note: string | null }
  | { type: 'approve'; versionId: string }
  | { type: 'deploy'; versionId: string }
  | { type: 'setAbTesting'; enabled: boolean };

const MAX_TEXT = 10_000;
const VERSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `raw` as a widget message, or `undefined` when it is not one exactly. */
export function parseWidgetMessage(raw: unknown): WidgetMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'refresh':
    case 'applyRefinement':
      return { type: m.type };
    case 'run':
      return m.command === 'generate' || m.command === 'evaluate' || m.command === 'refine'
        ? { type: 'run', command: m.command }
        : undefined;
    case 'applyVariant':
      return isIndex(m.index) ? { type: 'applyVariant', index: m.index } : undefined;
    case 'rate': {
      if (!Number.isInteger(m.score) || (m.score as number) < 1 || (m.score as number) > 5) return undefined;
      const notes = optionalText(m.notes);
      const versionId = m.versionId === null || m.versionId === undefined ? null : versionIdOf(m.versionId);
      if (notes === undefined || versionId === undefined) return undefined;
      return { type: 'rate', score: m.score as number, notes, versionId };
    }
    case 'favorite': {
      const versionId = versionIdOf(m.versionId);
      return versionId && typeof m.favorite === 'boolean'
        ? { type: 'favorite', versionId, favorite: m.favorite }
        : undefined;
    }
    case 'annotate':
    case 'rollback': {
      const versionId = versionIdOf(m.versionId);
      const text = requiredText(m.type === 'annotate' ? m.note : m.reason);
      if (!versionId || !text) return undefined;
      return m.type === 'annotate'
        ? { type: 'annotate', versionId, note: text }
        : { type: 'rollback', versionId, reason: text };
    }
    case 'requestReview': {
      const note = optionalText(m.note);
      return note === undefined ? undefined : { type: 'requestReview', note };
    }
    case 'approve':
    case 'deploy': {
      const versionId = versionIdOf(m.versionId);
      return versionId ? { type: m.type, versionId } : undefined;
    }
    case 'setAbTesting':
      return typeof m.enabled === 'boolean' ? { type: 'setAbTesting', enabled: m.enabled } : undefined;
    default:
      return undefined;
  }
}

function isIndex(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) < 100;
}

function versionIdOf(value: unknown): string | undefined {
  return typeof value === 'string' && VERSION_ID.test(value) ? value : undefined;
}

function requiredText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text && text.length <= MAX_TEXT ? text : undefined;
}

/** `null` for absent or blank, the trimmed text, or `undefined` when it is not text at all. */
function optionalText(value: unknown): string | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || value.length > MAX_TEXT) return undefined;
  return value.trim() || null;
}
