// The admin listener: health, readiness, metrics, and the routes other components mount
// (ingest, eligibility feed, routes table, drills). Off loopback it requires the bearer admin token.

import { timingSafeEqual } from 'node:crypto';
import { fastify, LogController, type FastifyInstance } from 'fastify';
import { WarmpathError } from './errors.ts';
import { installErrorHandling, sendError } from './http-errors.ts';
import type { Telemetry } from './telemetry.ts';
import { isLoopback, parseListen } from './durations.ts';

export interface ReadinessCheck {
  readonly name: string;
  ready(): boolean;
}

export interface AdminOptions {
  readonly listen: string;
  readonly adminToken: string | undefined;
  readonly bodyLimitBytes: number;
  readonly telemetry: Telemetry;
  readonly readiness: readonly ReadinessCheck[];
  readonly logger: FastifyInstance['log'];
}

export function buildAdminApp(options: AdminOptions): FastifyInstance {
  const app = fastify({ loggerInstance: options.logger, logController: new LogController({ disableRequestLogging: true }), bodyLimit: options.bodyLimitBytes });
  installErrorHandling(app);
  const needsToken = !isLoopback(parseListen(options.listen).host) || options.adminToken !== undefined;
  const expected = options.adminToken === undefined ? undefined : Buffer.from(`Bearer ${options.adminToken}`);
  app.addHook('onRequest', async (request, reply) => {
    if (!needsToken || request.url === '/healthz') return;
    const given = Buffer.from(request.headers.authorization ?? '');
    if (expected === undefined || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return sendError(reply, new WarmpathError('AUTH_ADMIN_TOKEN', 'send Authorization: Bearer <admin_token>'));
    }
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const waiting = options.readiness.filter((c) => !c.ready()).map((c) => c.name);
    return reply.code(waiting.length === 0 ? 200 : 503).send({ ready: waiting.length === 0, waiting });
  });
  app.get('/metrics', (request, reply) => {
    reply.hijack();
    options.telemetry.serveMetrics(request.raw, reply.raw);
  });
  return app;
}
