// Upstream calls through undici's dispatch API with handlers of our own. `Agent.request`
// wraps every answer in a Readable stream, with its own request handler and abort
// listener; for a router making thousands of calls a second that machinery was most of
// what one call allocated, and it was what survived young-generation collections
// (BENCHMARKS.md, fifth look: ~6 MB promoted per scavenge, 8–13 ms pauses, against
// ~0.5 MB and ~1 ms through these handlers). An answer read whole is collected as bytes
// (requestText); a streamed one is handed over chunk by chunk (requestStream).

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
  return dispatchTo(dispatcher, options, signal, TextHandler);
}

export interface StreamResponse {
  readonly statusCode: number;
  readonly headers: Headers;
  readonly body: ChunkStream;
}

/**
 * Dispatches the request and resolves once the status and headers are in; the body then
 * arrives through `body`. Rejects like requestText until the headers are in; after that
 * a transport error or an abort ends `body` with that error.
 */
export function requestStream(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, signal: AbortSignal): Promise<StreamResponse> {
  return dispatchTo(dispatcher, options, signal, StreamHandler);
}

type HandlerClass<T> = new (signal: AbortSignal, resolve: (value: T) => void, reject: (reason: unknown) => void) => Dispatcher.DispatchHandler;

/** An already aborted signal sends nothing; otherwise the handler settles the promise. */
function dispatchTo<T>(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, signal: AbortSignal, Handler: HandlerClass<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    dispatcher.dispatch(options, new Handler(signal, resolve, reject));
  });
}

/** The abort plumbing both handlers share: the caller's signal aborts the call wherever it is. */
abstract class AbortableHandler<T> implements Dispatcher.DispatchHandler {
  readonly #signal: AbortSignal;
  readonly #resolve: (value: T) => void;
  readonly #reject: (reason: unknown) => void;
  protected controller: Dispatcher.DispatchController | undefined;
  /** An abort that came while the request was still queued, for onRequestStart. */
  #pendingAbort: Error | undefined;
  #settled = false;
  readonly #onAbort = (): void => {
    const reason = this.#signal.reason instanceof Error ? this.#signal.reason : new Error(String(this.#signal.reason));
    if (this.controller !== undefined) {
      this.controller.abort(reason);
      return;
    }
    // Still queued behind busy connections: the caller hears now, the request is dropped
    // when its turn comes.
    this.#pendingAbort = reason;
    this.rejectWith(reason);
  };

  constructor(signal: AbortSignal, resolve: (value: T) => void, reject: (reason: unknown) => void) {
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.#pendingAbort !== undefined) controller.abort(this.#pendingAbort);
  }

  /** Resolves the caller's promise (once); the signal still aborts a body that flows on. */
  protected resolveWith(value: T): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve(value);
  }

  /** Rejects the caller's promise unless it is settled already; the call is over. */
  protected rejectWith(error: unknown): void {
    this.callOver();
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }

  protected callOver(): void {
    this.#signal.removeEventListener('abort', this.#onAbort);
  }
}

class TextHandler extends AbortableHandler<TextResponse> {
  #statusCode = 0;
  #headers: Headers = {};
  #chunks: Buffer[] = [];
  #length = 0;

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Headers): void {
    this.#statusCode = statusCode;
    this.#headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  onResponseEnd(): void {
    this.callOver();
    this.resolveWith({ statusCode: this.#statusCode, headers: this.#headers, text: decodeUtf8(this.#chunks, this.#length) });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.rejectWith(error);
  }
}

class StreamHandler extends AbortableHandler<StreamResponse> {
  #body: ChunkStream | undefined;

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Headers): void {
    this.#body = new ChunkStream(controller);
    this.resolveWith({ statusCode, headers, body: this.#body });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#body?.push(chunk);
  }

  onResponseEnd(): void {
    this.callOver();
    this.#body?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    // Before the headers the caller's promise rejects; after them the body ends with it.
    this.rejectWith(error);
    this.#body?.fail(error);
  }
}

/** Chunks held before the connection is paused until the consumer catches up. */
const highWater = 16;

/** A streamed body: iterate it once; breaking off (or destroy) drops the connection. */
export class ChunkStream implements AsyncIterable<Buffer> {
  readonly #controller: Dispatcher.DispatchController;
  #chunks: Buffer[] = [];
  #ended = false;
  #error: unknown;
  #wake: (() => void) | undefined;

  constructor(controller: Dispatcher.DispatchController) {
    this.#controller = controller;
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    if (this.#chunks.length >= highWater && !this.#controller.paused) this.#controller.pause();
    this.#wakeUp();
  }

  end(): void {
    this.#ended = true;
    this.#wakeUp();
  }

  fail(error: unknown): void {
    this.#error ??= error;
    this.#wakeUp();
  }

  /** Drops the rest of the answer and its connection. */
  destroy(error: Error = new Error('stream consumer stopped reading')): void {
    if (this.#ended || this.#error !== undefined) return;
    this.fail(error);
    if (!this.#controller.aborted) this.#controller.abort(error);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    try {
      for (;;) {
        const chunk = this.#chunks.shift();
        if (chunk !== undefined) {
          if (this.#controller.paused && this.#chunks.length < highWater / 2) this.#controller.resume();
          yield chunk;
          continue;
        }
        if (this.#error !== undefined) throw this.#error;
        if (this.#ended) return;
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
    } finally {
      this.destroy();
    }
  }

  /** The whole body as UTF-8 text (error answers to a stream request). */
  async text(): Promise<string> {
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of this) {
      chunks.push(chunk);
      length += chunk.length;
    }
    return decodeUtf8(chunks, length);
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

function decodeUtf8(chunks: readonly Buffer[], length: number): string {
  const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length);
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return bytes.toString('utf8', bom ? 3 : 0);
}
