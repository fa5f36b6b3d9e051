// A mock OpenAI-compatible upstream for the benchmark, run as its own process: a fixed
// ~600-byte chat.completion after DELAY_MS, or an SSE stream when the request asks for one
// (first chunk after DELAY_MS, the next ones STREAM_GAP_MS apart). It never parses more of
// the request than it needs to tell a stream from a plain answer.
//
//   node dist/bench/mock-upstream.js [--port N] [--delay-ms N] [--stream-gap-ms N]
//
// Prints one JSON line `{"listening":"http://127.0.0.1:PORT"}` on stdout once it listens;
// `GET /__bench/stats` answers how many completions it was asked for (to see shadow traffic).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

export const completionContent =
  'Thanks for reaching out, and sorry for the wait. Your order shipped yesterday and should arrive within three business days. ' +
  'You can follow it from the link in your confirmation email, or reply here with the order number. Anything else?';

/** The fixed non-stream answer: about 600 bytes of JSON, as a small real completion is. */
export function completionBody(): string {
  return JSON.stringify({
    id: 'chatcmpl-bench000000000000000000000001',
    object: 'chat.completion',
    created: 1_763_700_000,
    model: 'bench-model',
    service_tier: 'default',
    system_fingerprint: 'fp_bench',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: completionContent, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 24, completion_tokens: 38, total_tokens: 62 },
  });
}

/** The SSE events of the streamed answer: role, five content pieces, finish, usage, [DONE]. */
export function streamEvents(): string[] {
  const base = { id: 'chatcmpl-bench000000000000000000000002', object: 'chat.completion.chunk', created: 1_763_700_000, model: 'bench-model' };
  const words = completionContent.split(' ');
  const pieces: string[] = [];
  const size = Math.ceil(words.length / 5);
  for (let i = 0; i < words.length; i += size) pieces.push(`${i === 0 ? '' : ' '}${words.slice(i, i + size).join(' ')}`);
  const chunk = (delta: object, finish: string | null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  const events = [
    chunk({ role: 'assistant', content: '' }, null),
    ...pieces.map((content) => chunk({ content }, null)),
    chunk({}, 'stop'),
    { ...base, choices: [], usage: { prompt_tokens: 24, completion_tokens: 38, total_tokens: 62 } },
  ].map((e) => `data: ${JSON.stringify(e)}\n\n`);
  events.push('data: [DONE]\n\n');
  return events;
}

function wantsStream(body: Buffer): boolean {
  // Enough for the benchmark's own request bodies; a full parse would only add load here.
  return /"stream"\s*:\s*true/.test(body.toString('latin1'));
}

export function startMockUpstream(port: number, delayMs: number, streamGapMs: number): Promise<string> {
  const completion = Buffer.from(completionBody());
  const events = streamEvents().map((e) => Buffer.from(e));
  const later = (ms: number, fn: () => void): void => {
    if (ms > 0) setTimeout(fn, ms);
    else fn();
  };

  const answer = (res: ServerResponse, stream: boolean): void => {
    if (res.destroyed) return;
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': completion.length });
      res.end(completion);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let i = 0;
    const next = (): void => {
      if (res.destroyed) return;
      const event = events[i++] as Buffer;
      if (i === events.length) {
        res.end(event);
        return;
      }
      res.write(event);
      // Back-to-back events go out in one write burst when there is no gap.
      if (streamGapMs > 0) setTimeout(next, streamGapMs);
      else next();
    };
    next();
  };

  let requests = 0;
  const server = createServer({ keepAliveTimeout: 60_000 }, (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/__bench/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ requests }));
      return;
    }
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"object":"list","data":[{"id":"bench-model","object":"model","created":0,"owned_by":"bench"}]}');
      return;
    }
    requests += 1;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const stream = wantsStream(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
      later(delayMs, () => answer(res, stream));
    });
  });
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${bound}`);
    });
  });
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'delay-ms': { type: 'string', default: process.env.DELAY_MS ?? '0' },
      'stream-gap-ms': { type: 'string', default: '0' },
    },
  });
  const url = await startMockUpstream(Number(values.port), Number(values['delay-ms']), Number(values['stream-gap-ms']));
  process.stdout.write(`${JSON.stringify({ listening: url })}\n`);
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
}
