// The server's answers to the workspace/executeCommand requests the extension sends, as
// ARCHITECTURE.md gives them. Only the fields the extension reads are typed; the widget shows
// what it is given.

/** The server's command ids (the extension's own palette commands have different ids). */
export const ServerCommand = {
  generate: 'promptopt.generate',
  evaluate: 'promptopt.evaluate',
  refine: 'promptopt.refine',
  feedback: 'promptopt.feedback',
  history: 'promptopt.history',
  rollback: 'promptopt.rollback',
  annotate: 'promptopt.annotate',
  favorite: 'promptopt.favorite',
  review: 'promptopt.review',
  approve: 'promptopt.approve',
  deploy: 'promptopt.deploy',
} as const;
export type ServerCommand = (typeof ServerCommand)[keyof typeof ServerCommand];

export interface RubricDimension {
  dimension: string;
  score: number;
  explanation: string;
}

export interface Rubric {
  score: number;
  dimensions: RubricDimension[];
}

export interface Candidate {
  id: string;
  prompt: string;
  score: number;
  rubric: Rubric;
  strategy: string;
  strategies: string[];
  explanation: string;
  modelVersion: string;
  /** Present when the project's registry recorded the candidate. */
  versionId?: string;
}

export interface CandidateList {
  candidates: Candidate[];
  /** What the engine left out and why (e.g. a starting prompt with lint errors). */
  notes?: string[];
}

export interface EvalResult {
  promptId: string;
  score: number;
  feedback: string;
  rubric: Rubric;
  summary: { total: number; passed: number; failed: number; errors: number; passRate: number | null };
  modelVersion: string;
}

export interface RefineResult {
  promptId: string;
  prompt: string;
  changed: boolean;
  diff: string;
  changes: string[];
  strategies: string[];
  scoreBefore: number;
  scoreAfter: number;
  regressed: boolean;
  verdict: string;
  modelVersion: string;
}

export type ReviewState = 'draft' | 'inReview' | 'approved' | 'deployed' | string;

export interface Version {
  id: string;
  promptId: string;
  parentId: string | null;
  content: string;
  author: string;
  createdAt: string;
  origin: string;
  strategy?: string;
  score?: number;
  message?: string;
  review: ReviewState;
}

export interface DiffLine {
  op: 'equal' | 'insert' | 'delete';
  text: string;
}

export interface VersionChange {
  versionId: string;
  parentId: string | null;
  linesAdded: number;
  linesRemoved: number;
  hunks: { oldStart: number; newStart: number; lines: DiffLine[] }[];
}

export interface AuditEvent {
  seq: number;
  eventType: string;
  versionId?: string;
  user?: string;
  timestamp?: string;
  [field: string]: unknown;
}

export interface PromptHistory {
  promptId: string;
  head: string | null;
  labels: { label: string; versionId: string }[];
  versions: Version[];
  changes: VersionChange[];
  events: AuditEvent[];
  alerts: unknown[];
  favorites: string[];
}
