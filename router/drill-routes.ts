// The drills' admin API, mounted on the admin listener of `warmpath start` and `warmpath
// router` (its bearer-token rule applies): start, list, read and end failover drills.

import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { parseDuration } from '../core/durations.ts';
import type { DrillBoard } from './drill.ts';

export interface DrillStartBody {
  readonly workload: string;
  readonly route?: string;
  readonly share?: number;
  readonly duration?: string;
}

export const drillStartSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['workload'],
  properties: {
    workload: { type: 'string', minLength: 1 },
    route: { type: 'string', minLength: 1 },
    share: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    duration: { type: 'string', pattern: '^\\d+(ms|s|m|h|d)$' },
  },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1 } } } as const;

// The admin listener's default ajv coerces and strips (its query strings need coercion); a
// drill body is refused as sent instead: "0.5" is not a share, an unknown key is a mistake.
const strictAjv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false, strict: true });
const strictValidator = ({ schema }: { schema: unknown }) => strictAjv.compile(schema as object);

export function registerDrillRoutes(app: FastifyInstance, board: DrillBoard): void {
  app.post('/v1/drills', { schema: { body: drillStartSchema }, validatorCompiler: strictValidator }, async (request, reply) => {
    const body = request.body as DrillStartBody;
    const report = board.start({
      workload: body.workload,
      route: body.route,
      share: body.share,
      durationMs: body.duration === undefined ? undefined : parseDuration(body.duration),
    });
    return reply.code(201).header('location', `/v1/drills/${report.id}`).send(report);
  });
  app.get('/v1/drills', async () => board.list());
  app.get('/v1/drills/:id', { schema: { params: idParams } }, async (request) => board.report((request.params as { id: string }).id));
  app.delete('/v1/drills/:id', { schema: { params: idParams } }, async (request) => board.stop((request.params as { id: string }).id));
}
