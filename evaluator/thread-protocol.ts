// The messages between the evaluator's worker thread (thread-worker.ts) and its host
// (thread.ts), structured-clone data only, and the replies each side awaits by id.

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

/** Answers awaited by id: one side asks, the other replies with the same id. */
export class PendingReplies<T> {
  #lastId = 0;
  readonly #waiting = new Map<number, { resolve: (value: T) => void; reject: (err: Error) => void }>();

  /** Sends the question `send` builds for a fresh id; resolves with the reply to it. */
  ask(send: (id: number) => void): Promise<T> {
    const id = ++this.#lastId;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      send(id);
    });
  }

  /** A reply came: an error message rejects the question, else `value` answers it. */
  settle(id: number, error: string | undefined, value: T): void {
    const waiting = this.#waiting.get(id);
    this.#waiting.delete(id);
    if (error !== undefined) waiting?.reject(new Error(error));
    else waiting?.resolve(value);
  }

  /** The other side is gone: every open question fails with `err`. */
  rejectAll(err: Error): void {
    for (const waiting of this.#waiting.values()) waiting.reject(err);
    this.#waiting.clear();
  }
}

/** What crosses the thread for an error: its message. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
