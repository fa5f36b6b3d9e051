// A local OpenAI-compatible upstream for the evaluator's embeddings and judge routes:
// /v1/embeddings answers deterministic vectors (the simulated provider's hashed bag of
// words, so a test can compute the cosine it expects), /v1/chat/completions answers as a
// judge: equivalent unless the candidate answer contains WRONG. Counts calls in flight.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simulatedEmbedding } from '../../providers/index.ts';
import { openAICompletion } from './upstreams.ts';

export type EmbeddingsMode = 'ok' | 'error' | 'malformed' | 'hang';
export type JudgeMode = 'ok' | 'error' | 'hang' | 'prose';

export interface AssistUpstream {
  readonly url: string;
  readonly embeddingCalls: { readonly model: string; readonly inputs: readonly string[]; readonly authorization: string | undefined }[];
  readonly judgeCalls: { readonly model: string; readonly startedAt: number; readonly body: Record<string, unknown> }[];
  readonly maxInFlight: { embeddings: number; judge: number };
  mode: { embeddings: EmbeddingsMode; judge: JudgeMode };
  /** How long each answer takes, so overlapping calls would show. */
  delayMs: number;
  close(): Promise<void>;
}

// Unref'd: a hung answer must not keep the test process alive after close().
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

export function candidateOf(body: Record<string, unknown>): string {
  const messages = body.messages as { role: string; content: string }[];
  const user = messages.find((m) => m.role === 'user')?.content ?? '';
  return /<candidate_answer>\n([\s\S]*?)\n<\/candidate_answer>/.exec(user)?.[1] ?? '';
}

export async function startAssistUpstream(): Promise<AssistUpstream> {
  const inFlight = { embeddings: 0, judge: 0 };
  const upstream: AssistUpstream = {
    url: '',
    embeddingCalls: [],
    judgeCalls: [],
    maxInFlight: { embeddings: 0, judge: 0 },
    mode: { embeddings: 'ok', judge: 'ok' },
    delayMs: 25,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readJson(req);
      const kind = req.url === '/v1/embeddings' ? 'embeddings' : 'judge';
      inFlight[kind]++;
      upstream.maxInFlight[kind] = Math.max(upstream.maxInFlight[kind], inFlight[kind]);
      res.on('close', () => inFlight[kind]--);
      if (kind === 'embeddings') {
        const inputs = body.input as string[];
        upstream.embeddingCalls.push({ model: String(body.model), inputs, authorization: req.headers.authorization });
        const mode = upstream.mode.embeddings;
        await wait(mode === 'hang' ? 60_000 : upstream.delayMs);
        if (res.destroyed) return;
        if (mode === 'error') return send(res, 503, { error: { message: 'embeddings are down', type: 'server_error', param: null, code: null } });
        if (mode === 'malformed') return send(res, 200, { object: 'list', data: inputs.slice(1).map((_, index) => ({ object: 'embedding', index, embedding: [1, 0] })) });
        const data = inputs.map((text, index) => ({ object: 'embedding', index, embedding: simulatedEmbedding(text) }));
        // Answered out of order: the client must sort by index.
        return send(res, 200, { object: 'list', data: data.reverse(), model: body.model, usage: { prompt_tokens: inputs.length * 10, total_tokens: inputs.length * 10 } });
      }
      upstream.judgeCalls.push({ model: String(body.model), startedAt: performance.now(), body });
      const mode = upstream.mode.judge;
      await wait(mode === 'hang' ? 60_000 : upstream.delayMs);
      if (res.destroyed) return;
      if (mode === 'error') return send(res, 500, { error: { message: 'judge is down', type: 'server_error', param: null, code: null } });
      if (mode === 'prose') return send(res, 200, openAICompletion('They look about the same to me.'));
      const candidate = candidateOf(body);
      const verdict = candidate.includes('WRONG')
        ? { equivalent: false, reason: 'The candidate contradicts the reference: it says WRONG.' }
        : { equivalent: true, reason: 'Same facts and conclusion.' };
      return send(res, 200, openAICompletion(JSON.stringify(verdict), { model: String(body.model) }));
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (upstream as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return upstream;
}
