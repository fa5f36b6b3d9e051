// An upstream call whose whole answer is read as text, through undici's dispatch API with
// a handler that only collects the body's bytes. `Agent.request` wraps every answer in a
// Readable stream, with its own request handler and abort listener, that `body.text()`
// then consumes; for a non-streaming completion that machinery was most of what one
// upstream call allocated, and it was among the objects that survive a scavenge
// (BENCHMARKS.md, fifth look). Streaming answers still go through `request`.

import type { Dispatcher } from 'undici';

type Headers = Record<string, string | string[] | undefined>;

export interface TextResponse {
  readonly statusCode: number;
  readonly headers: Headers;
  readonly text: string;
}

/**
 * Dispatches the request and resolves with the status, headers and the body decoded as
 * UTF-8 (a leading BOM dropped, as undici's `text()` does). Rejects with the transport
 * error, or with the signal's reason when it aborts the call, wherever the call is.
 */
export function requestText(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, signal: AbortSignal): Promise<TextResponse> {
  return new Promise<TextResponse>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    dispatcher.dispatch(options, new TextHandler(signal, resolve, reject));
  });
}

class TextHandler implements Dispatcher.DispatchHandler {
  readonly #signal: AbortSignal;
  readonly #resolve: (response: TextResponse) => void;
  readonly #reject: (reason: unknown) => void;
  #controller: Dispatcher.DispatchController | undefined;
  /** An abort that came while the request was still queued, for onRequestStart. */
  #pendingAbort: Error | undefined;
  #statusCode = 0;
  #headers: Headers = {};
  #chunks: Buffer[] = [];
  #length = 0;
  #settled = false;
  readonly #onAbort = (): void => {
    const reason = this.#signal.reason instanceof Error ? this.#signal.reason : new Error(String(this.#signal.reason));
    if (this.#controller !== undefined) {
      this.#controller.abort(reason);
      return;
    }
    // Still queued behind busy connections: the caller hears now, the request is dropped
    // when its turn comes.
    this.#pendingAbort = reason;
    this.#settle(undefined, reason);
  };

  constructor(signal: AbortSignal, resolve: (response: TextResponse) => void, reject: (reason: unknown) => void) {
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#pendingAbort !== undefined) controller.abort(this.#pendingAbort);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Headers): void {
    this.#statusCode = statusCode;
    this.#headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  onResponseEnd(): void {
    const chunks = this.#chunks;
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#length);
    const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    this.#settle({ statusCode: this.#statusCode, headers: this.#headers, text: bytes.toString('utf8', bom ? 3 : 0) }, undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#settle(undefined, error);
  }

  #settle(response: TextResponse | undefined, error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#signal.removeEventListener('abort', this.#onAbort);
    if (response !== undefined) this.#resolve(response);
    else this.#reject(error);
  }
}
