// The messages between the evaluator's worker thread (thread-worker.ts) and its host
// (thread.ts). Structured-clone data only.

import type { Config, EligibilityEntry } from '../schemas/index.ts';

export interface ThreadData {
  readonly config: Config;
  readonly database: string;
}

export type EvaluatorMethod = 'restore' | 'runOnce' | 'start' | 'stop';

export type HostMessage =
  | { readonly type: 'call'; readonly id: number; readonly method: EvaluatorMethod }
  | { readonly type: 'sql'; readonly id: number; readonly text?: string; readonly error?: string };

export type WorkerMessage =
  | { readonly type: 'done'; readonly id: number; readonly value?: unknown; readonly error?: string }
  | { readonly type: 'select'; readonly id: number; readonly query: string; readonly params: Readonly<Record<string, unknown>> }
  | { readonly type: 'insert'; readonly id: number; readonly table: string; readonly body: Uint8Array }
  | { readonly type: 'publish'; readonly routes: readonly EligibilityEntry[]; readonly nowMs: number }
  | { readonly type: 'ran'; readonly at: number }
  | { readonly type: 'log'; readonly line: string };
