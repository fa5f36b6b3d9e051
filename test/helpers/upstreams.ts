// Local upstream providers for tests: real HTTP servers on 127.0.0.1 speaking OpenAI's Chat
// Completions or Anthropic's Messages API, scripted per test (status, delay, stream, breaks).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Hit {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
}

export interface ScriptedReply {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** JSON body; a string is sent as is. */
  readonly body?: unknown;
  /** SSE events (`data` payloads or {event, data}); the answer is a stream when set. */
  readonly events?: readonly (unknown | { event: string; data: unknown })[];
  /** Destroy the socket after this many events (a mid-stream break). */
  readonly breakAfter?: number;
  readonly delayMs?: number;
  /** Delay before each stream event after the first. */
  readonly eventDelayMs?: number;
}

export interface TestUpstream {
  readonly url: string;
  readonly hits: Hit[];
  /** Replies used in order, one per request; afterwards `fallback` answers. */
  script(...replies: ScriptedReply[]): void;
  fallback: (hit: Hit) => ScriptedReply;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lets what was written reach the client, then drops the connection mid-body. */
async function breakConnection(res: ServerResponse): Promise<void> {
  await new Promise<void>((resolve) => res.write('', () => resolve()));
  await wait(20);
  res.socket?.destroy();
}

async function play(res: ServerResponse, reply: ScriptedReply): Promise<void> {
  if (reply.delayMs) await wait(reply.delayMs);
  if (res.destroyed) return;
  if (reply.events !== undefined) {
    res.writeHead(reply.status ?? 200, { 'content-type': 'text/event-stream', ...reply.headers });
    let sent = 0;
    for (const ev of reply.events) {
      if (reply.breakAfter !== undefined && sent >= reply.breakAfter) return breakConnection(res);
      if (sent > 0 && reply.eventDelayMs) await wait(reply.eventDelayMs);
      const isNamed = ev !== null && typeof ev === 'object' && 'event' in (ev as object) && 'data' in (ev as object);
      const data = isNamed ? (ev as { data: unknown }).data : ev;
      const payload = typeof data === 'string' ? data : JSON.stringify(data);
      res.write(`${isNamed ? `event: ${(ev as { event: string }).event}\n` : ''}data: ${payload}\n\n`);
      sent += 1;
    }
    if (reply.breakAfter !== undefined && sent >= reply.breakAfter) return breakConnection(res);
    res.end();
    return;
  }
  const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
  res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
  res.end(body);
}

export async function startUpstream(fallback: (hit: Hit) => ScriptedReply): Promise<TestUpstream> {
  const queue: ScriptedReply[] = [];
  const hits: Hit[] = [];
  const upstream: TestUpstream = {
    url: '',
    hits,
    script: (...replies) => void queue.push(...replies),
    fallback,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const hit = { path: req.url ?? '', headers: req.headers, body: await readBody(req) };
      hits.push(hit);
      await play(res, queue.shift() ?? upstream.fallback(hit));
    })().catch(() => res.destroy());
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  (upstream as { url: string }).url = `http://127.0.0.1:${port}`;
  const close = upstream.close;
  (upstream as { close: () => Promise<void> }).close = () => {
    server.closeAllConnections();
    return close();
  };
  return upstream;
}

// --- OpenAI-speaking answers ---------------------------------------------------------------

export function openAICompletion(content: string | null, extra: { model?: string; tool_calls?: unknown[]; finish_reason?: string } = {}) {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: extra.model ?? 'upstream-model',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, ...(extra.tool_calls ? { tool_calls: extra.tool_calls } : {}) },
        finish_reason: extra.finish_reason ?? (extra.tool_calls ? 'tool_calls' : 'stop'),
      },
    ],
    usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
  };
}

export function openAIChunks(pieces: readonly string[], model = 'upstream-model'): unknown[] {
  const base = { id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1_700_000_000, model };
  return [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    ...pieces.map((p) => ({ ...base, choices: [{ index: 0, delta: { content: p }, finish_reason: null }] })),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    { ...base, choices: [], usage: { prompt_tokens: 5, completion_tokens: pieces.length, total_tokens: 5 + pieces.length } },
    '[DONE]',
  ];
}

/**
 * A stream that says `text`, then calls one tool whose arguments arrive in `pieces`, and
 * finishes with tool_calls and usage 20/9: what the end-to-end tests of the translated
 * streams (Anthropic tool_use blocks, Responses function_call items) replay.
 */
export function openAIToolCallChunks(text: string, call: { id: string; name: string }, pieces: readonly string[], model = 'gpt-test'): unknown[] {
  const base = { id: 'chatcmpl-t', object: 'chat.completion.chunk', created: 1, model };
  const toolDelta = (args: string, head: boolean) => ({
    ...base,
    choices: [{ index: 0, delta: { tool_calls: [{ index: 0, ...(head ? { id: call.id, type: 'function', function: { name: call.name, arguments: args } } : { function: { arguments: args } }) }] }, finish_reason: null }],
  });
  return [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: text }, finish_reason: null }] },
    toolDelta('', true),
    ...pieces.map((piece) => toolDelta(piece, false)),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
    { ...base, choices: [], usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 } },
    '[DONE]',
  ];
}

export function openAIError(status: number, message: string, code: string | null = null): ScriptedReply {
  return { status, body: { error: { message, type: status === 429 ? 'rate_limit_error' : 'invalid_request_error', param: null, code } } };
}

/** An OpenAI-speaking upstream that answers "hello from <name>" unless scripted otherwise. */
export function startOpenAIUpstream(name = 'openai'): Promise<TestUpstream> {
  return startUpstream((hit) =>
    hit.body.stream === true
      ? { events: openAIChunks(['hello ', 'from ', name], String(hit.body.model)) }
      : { body: openAICompletion(`hello from ${name}`, { model: String(hit.body.model) }) },
  );
}

// --- Anthropic-speaking answers ------------------------------------------------------------

/** How an Anthropic answer stopped: `stop_reason` and, for a stop sequence, which one. */
export interface AnthropicStop {
  readonly stop_reason: string;
  readonly stop_sequence: string | null;
}

const endTurn: AnthropicStop = { stop_reason: 'end_turn', stop_sequence: null };

export function anthropicMessage(text: string, model = 'claude-test', stop: AnthropicStop = endTurn) {
  return {
    id: 'msg_test',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    ...stop,
    usage: { input_tokens: 9, output_tokens: 4 },
  };
}

export function anthropicEvents(pieces: readonly string[], model = 'claude-test', stop: AnthropicStop = endTurn): { event: string; data: unknown }[] {
  return [
    { event: 'message_start', data: { type: 'message_start', message: { ...anthropicMessage('', model), content: [], stop_reason: null, usage: { input_tokens: 9, output_tokens: 1 } } } },
    { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
    ...pieces.map((p) => ({ event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: p } } })),
    { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
    { event: 'message_delta', data: { type: 'message_delta', delta: stop, usage: { output_tokens: pieces.length } } },
    { event: 'message_stop', data: { type: 'message_stop' } },
  ];
}

/** What the Anthropic test upstream's count_tokens answers when not scripted. */
export const anthropicTokenCount = 1234;

export function startAnthropicUpstream(name = 'anthropic'): Promise<TestUpstream> {
  return startUpstream((hit) => {
    if (hit.path.startsWith('/v1/messages/count_tokens')) return { body: { input_tokens: anthropicTokenCount } };
    return hit.body.stream === true
      ? { events: anthropicEvents(['hello ', 'from ', name], String(hit.body.model)) }
      : { body: anthropicMessage(`hello from ${name}`, String(hit.body.model)) };
  });
}
