import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { Agent } from 'undici';
import { requestStream, requestText } from './dispatch-request.ts';

type Route = (req: IncomingMessage, res: ServerResponse) => void;
const routes = new Map<string, Route>();
const hits: string[] = [];
const server = createServer((req, res) => {
  hits.push(req.url ?? '');
  req.resume();
  req.on('end', () => routes.get(req.url ?? '')?.(req, res));
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const agent = new Agent({ connections: 1, headersTimeout: 0 });
after(async () => {
  await agent.close();
  server.closeAllConnections();
  server.close();
});

/** An origin on a port that was free a moment ago: connecting to it is refused. */
async function refusedOrigin(): Promise<string> {
  const spare = createServer();
  spare.listen(0, '127.0.0.1');
  await once(spare, 'listening');
  const port = (spare.address() as AddressInfo).port;
  spare.close();
  await once(spare, 'close');
  return `http://127.0.0.1:${port}`;
}

const post = (path: string) => ({ origin, path, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: '{}' });
const timeout = (ms: number): AbortSignal => AbortSignal.timeout(ms);

test('the body arrives whole: chunks joined, a multi-byte character split across them, a leading BOM dropped', async () => {
  const text = 'réponse: 日本語 ✓';
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
  routes.set('/chunks', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    // Cut inside "日" (3 bytes in UTF-8): the decoder must see the chunks joined.
    const cut = bytes.indexOf(Buffer.from('日')) + 1;
    res.write(bytes.subarray(0, cut));
    setTimeout(() => res.end(bytes.subarray(cut)), 10);
  });
  const answer = await requestText(agent, post('/chunks'), timeout(2000));
  assert.equal(answer.statusCode, 200);
  assert.equal(answer.text, text);
});

test('status and headers pass through as they came', async () => {
  routes.set('/limited', (_req, res) => {
    res.writeHead(429, { 'retry-after': '3', 'content-type': 'application/json' });
    res.end('{"error":{"message":"slow down"}}');
  });
  const answer = await requestText(agent, post('/limited'), timeout(2000));
  assert.equal(answer.statusCode, 429);
  assert.equal(answer.headers['retry-after'], '3');
  assert.equal(answer.text, '{"error":{"message":"slow down"}}');
});

test('an abort mid-answer rejects with the signal reason and closes the connection', async () => {
  let closed = false;
  routes.set('/hang', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"partial":');
    res.on('close', () => (closed = true));
  });
  await assert.rejects(requestText(agent, post('/hang'), timeout(100)), (err: Error) => err.name === 'TimeoutError');
  for (let i = 0; i < 50 && !closed; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(closed, 'the server saw the connection go');
});

test('an abort while queued behind a busy connection rejects at once; the call ahead still completes', async () => {
  routes.set('/slow', (_req, res) => setTimeout(() => res.end('slow done'), 300));
  const ahead = requestText(agent, post('/slow'), timeout(5000));
  const controller = new AbortController();
  const queued = requestText(agent, post('/never'), controller.signal);
  const started = performance.now();
  controller.abort(new DOMException('client closed the connection', 'AbortError'));
  await assert.rejects(queued, (err: Error) => err.name === 'AbortError');
  assert.ok(performance.now() - started < 200, 'rejected without waiting for the connection');
  assert.equal((await ahead).text, 'slow done');
  assert.ok(!hits.includes('/never'), 'the aborted call was never sent');
});

test('an already aborted signal sends nothing; a refused connection rejects with its code', async () => {
  const before = hits.length;
  await assert.rejects(requestText(agent, post('/chunks'), AbortSignal.abort(new DOMException('gone', 'AbortError'))), (err: Error) => err.name === 'AbortError');
  assert.equal(hits.length, before);
  await assert.rejects(requestText(agent, { ...post('/x'), origin: await refusedOrigin() }, timeout(2000)), (err: { code?: string }) => err.code === 'ECONNREFUSED');
});

const collect = async (body: AsyncIterable<Buffer>): Promise<string> => {
  let text = '';
  for await (const chunk of body) text += chunk.toString();
  return text;
};

test('a streamed answer: status and headers first, then every chunk in order, however fast the server writes', async () => {
  const parts = Array.from({ length: 200 }, (_, i) => `data: ${i}\n\n`);
  routes.set('/events', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // One write per turn of the loop: many small chunks, more than the reader keeps up with.
    let i = 0;
    const next = (): void => {
      if (i === parts.length) res.end();
      else {
        res.write(parts[i++]);
        setImmediate(next);
      }
    };
    next();
  });
  const answer = await requestStream(agent, post('/events'), timeout(5000));
  assert.equal(answer.statusCode, 200);
  assert.equal(answer.headers['content-type'], 'text/event-stream');
  // A slow reader: the connection is paused while chunks pile up, and nothing is lost.
  let text = '';
  for await (const chunk of answer.body) {
    text += chunk.toString();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  assert.equal(text, parts.join(''));
});

test('an error answer to a stream request reads as text', async () => {
  routes.set('/stream-error', (_req, res) => {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"bad model"}}');
  });
  const answer = await requestStream(agent, post('/stream-error'), timeout(2000));
  assert.equal(answer.statusCode, 400);
  assert.equal(await answer.body.text(), '{"error":{"message":"bad model"}}');
});

test('a reader that stops early drops the connection; an abort mid-stream ends the body with its reason', async () => {
  let closed = 0;
  routes.set('/endless', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const timer = setInterval(() => res.write('data: more\n\n'), 5);
    res.on('close', () => {
      clearInterval(timer);
      closed += 1;
    });
  });
  const first = await requestStream(agent, post('/endless'), timeout(5000));
  for await (const _chunk of first.body) break;
  for (let i = 0; i < 50 && closed < 1; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(closed, 1, 'breaking off closed the upstream connection');

  const controller = new AbortController();
  const second = await requestStream(agent, post('/endless'), controller.signal);
  setTimeout(() => controller.abort(new DOMException('upstream attempt timed out', 'TimeoutError')), 30);
  await assert.rejects(collect(second.body), (err: Error) => err.name === 'TimeoutError');
  for (let i = 0; i < 50 && closed < 2; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(closed, 2);
});

test('a stream request that cannot connect rejects before any body', async () => {
  await assert.rejects(requestStream(agent, { ...post('/x'), origin: await refusedOrigin() }, timeout(2000)), (err: { code?: string }) => err.code === 'ECONNREFUSED');
});
