// The floor every proxy is measured against: fastify 5 and one undici Pool relaying the
// request to the upstream and streaming its body back, with no parsing, no logging, no
// records. Whatever warmpath adds beyond this is the cost of what it does. Own process:
//
//   node dist/bench/bare-proxy.js --upstream http://127.0.0.1:PORT [--port N]
//
// Prints one JSON line `{"listening":"http://127.0.0.1:PORT"}` on stdout once it listens.

import { parseArgs } from 'node:util';
import { fastify, type FastifyInstance } from 'fastify';
import { Pool } from 'undici';

// Hop-by-hop headers (RFC 9110 §7.6.1) are the connection's own, never relayed.
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);
// undici sets the upstream request's host and length itself.
const requestOwn = new Set([...hopByHop, 'host', 'content-length']);

function relayable(headers: Record<string, string | string[] | undefined>, drop: ReadonlySet<string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !drop.has(name)) out[name] = value;
  return out;
}

export function buildBareProxy(upstream: string, connections = 256): FastifyInstance {
  const pool = new Pool(upstream, { connections, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
  const app = fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
  // The body is relayed as bytes: no JSON parse on the way in.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.addHook('onClose', async () => {
    await pool.close();
  });
  app.all('/*', async (request, reply) => {
    const response = await pool.request({
      path: request.url,
      method: request.method as 'GET' | 'POST',
      headers: relayable(request.headers, requestOwn),
      body: request.method === 'GET' || request.method === 'HEAD' ? null : (request.body as Buffer),
    });
    reply.code(response.statusCode).headers(relayable(response.headers, hopByHop));
    return reply.send(response.body);
  });
  return app;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      upstream: { type: 'string' },
      port: { type: 'string', default: '0' },
    },
  });
  if (values.upstream === undefined) {
    process.stderr.write('bare-proxy: --upstream URL is required\n');
    process.exit(2);
  }
  const app = buildBareProxy(values.upstream);
  const url = await app.listen({ host: '127.0.0.1', port: Number(values.port) });
  process.stdout.write(`${JSON.stringify({ listening: url })}\n`);
  const stop = (): void => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
