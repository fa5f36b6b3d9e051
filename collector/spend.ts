// The day's stored shadow spend, read in windows of insertion time: routers hold their daily
// shadow budgets against it (router/spend-sync.ts), so a restarted router remembers the day
// and N routers share one cap. `warmpath start` reads it from its own storage; a lone router
// asks its collector with GET /v1/shadow-spend on the collector's admin listener.

import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance } from 'fastify';
import { Agent, request, type Dispatcher } from 'undici';
import { clickHouseTimeOf, insertHorizonSql, insertVisibleWithinS, parseClickHouseTime } from '../core/clickhouse-time.ts';
import { sessionSettings } from '../core/clickhouse.ts';
import { WarmpathError } from '../core/errors.ts';
import { compileOwnSchema, schemaErrorLines } from '../core/schema-errors.ts';
import type { SpendSource, SpendWindow, SpendWindowQuery } from '../schemas/index.ts';

const dayMs = 86_400_000;

/**
 * Reads stored spend from the exchanges table (`database.table`) in ClickHouse. A window ends
 * `marginS` behind storage's clock, where no insert may still land.
 */
export function storedSpendSource(client: ClickHouseClient, table: string, marginS = insertVisibleWithinS): SpendSource {
  return async (query) => {
    const horizon = await client.query({
      query: insertHorizonSql,
      query_params: { margin: marginS },
      format: 'JSONEachRow',
      clickhouse_settings: sessionSettings,
    });
    const [row] = await horizon.json<{ horizon: string }>();
    const insertedBefore = row === undefined ? query.insertedAfterMs : parseClickHouseTime(row.horizon);
    if (insertedBefore <= query.insertedAfterMs) return { insertedBeforeMs: query.insertedAfterMs, usdByWorkload: new Map() };
    // One row per record_id: a batch stored twice by a spool replay counts once within a window.
    const result = await client.query({
      query: `SELECT workload, sum(cost) AS usd FROM (
                SELECT workload, record_id, any(cost_usd) AS cost
                FROM ${table}
                WHERE kind IN ('shadow', 'twin')
                  AND ts >= {dayStart:DateTime64(3, 'UTC')} AND ts < {dayEnd:DateTime64(3, 'UTC')}
                  AND inserted_at > {after:DateTime64(3, 'UTC')} AND inserted_at <= {before:DateTime64(3, 'UTC')}
                GROUP BY workload, record_id)
              GROUP BY workload`,
      query_params: {
        dayStart: clickHouseTimeOf(query.dayStartMs),
        dayEnd: clickHouseTimeOf(query.dayStartMs + dayMs),
        after: clickHouseTimeOf(query.insertedAfterMs),
        before: clickHouseTimeOf(insertedBefore),
      },
      format: 'JSONEachRow',
      clickhouse_settings: sessionSettings,
    });
    const rows = await result.json<{ workload: string; usd: number }>();
    return { insertedBeforeMs: insertedBefore, usdByWorkload: new Map(rows.map((r) => [r.workload, Number(r.usd)])) };
  };
}

interface SpendAnswer {
  readonly day: string;
  readonly inserted_after_ms: number;
  readonly inserted_before_ms: number;
  readonly workloads: Readonly<Record<string, number>>;
}

const spendAnswerSchema = {
  type: 'object',
  required: ['day', 'inserted_after_ms', 'inserted_before_ms', 'workloads'],
  properties: {
    day: { type: 'string', format: 'date' },
    inserted_after_ms: { type: 'integer', minimum: 0 },
    inserted_before_ms: { type: 'integer', minimum: 0 },
    workloads: { type: 'object', additionalProperties: { type: 'number', minimum: 0 } },
  },
} as const;

const validSpendAnswer = compileOwnSchema<SpendAnswer>(spendAnswerSchema);

const spendQuerySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['day'],
  properties: {
    day: { type: 'string', format: 'date' },
    inserted_after_ms: { type: 'integer', minimum: 0, default: 0 },
  },
} as const;

/** Mounts GET /v1/shadow-spend?day=YYYY-MM-DD&inserted_after_ms=N on an admin app. */
export function registerSpendRoute(app: FastifyInstance, source: SpendSource): void {
  app.get('/v1/shadow-spend', { schema: { querystring: spendQuerySchema } }, async (request): Promise<SpendAnswer> => {
    const query = request.query as { day: string; inserted_after_ms?: number };
    const dayStartMs = Date.parse(`${query.day}T00:00:00Z`);
    const insertedAfterMs = query.inserted_after_ms ?? 0;
    let window: SpendWindow;
    try {
      window = await source({ dayStartMs, insertedAfterMs });
    } catch (err) {
      throw new WarmpathError('COL_STORAGE_UNAVAILABLE', (err as Error).message, { cause: err });
    }
    return {
      day: query.day,
      inserted_after_ms: insertedAfterMs,
      inserted_before_ms: window.insertedBeforeMs,
      workloads: Object.fromEntries(window.usdByWorkload),
    };
  });
}

export interface RemoteSpendOptions {
  /** Sent as `Authorization: Bearer …` (the collector's admin_token). */
  readonly adminToken?: string | undefined;
  readonly requestTimeoutMs?: number;
}

/** Asks a collector (`warmpath collector`, or `warmpath start`'s admin listener) for stored spend. */
export function remoteSpendSource(collectorUrl: string, options: RemoteSpendOptions = {}): SpendSource & { close(): Promise<void> } {
  const endpoint = `${collectorUrl.replace(/\/+$/, '')}/v1/shadow-spend`;
  const timeout = options.requestTimeoutMs ?? 10_000;
  const dispatcher: Dispatcher = new Agent({ connections: 1, headersTimeout: timeout, bodyTimeout: timeout });
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.adminToken !== undefined) headers.authorization = `Bearer ${options.adminToken}`;
  const source = async (query: SpendWindowQuery, signal?: AbortSignal): Promise<SpendWindow> => {
    const day = new Date(query.dayStartMs).toISOString().slice(0, 10);
    const url = `${endpoint}?day=${day}&inserted_after_ms=${Math.max(0, Math.floor(query.insertedAfterMs))}`;
    const response = await request(url, { method: 'GET', headers, dispatcher, ...(signal === undefined ? {} : { signal }) });
    const text = await response.body.text();
    if (response.statusCode !== 200) {
      throw new WarmpathError('RTR_SPEND_UNAVAILABLE', `${endpoint} answered ${response.statusCode}: ${text.slice(0, 200)}`);
    }
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      throw new WarmpathError('RTR_SPEND_UNAVAILABLE', `${endpoint} answered with a body that is not JSON: ${text.slice(0, 120)}`);
    }
    if (!validSpendAnswer(answer)) {
      throw new WarmpathError('RTR_SPEND_UNAVAILABLE', `${endpoint} answered with an invalid body: ${schemaErrorLines(validSpendAnswer.errors ?? []).join('; ')}`);
    }
    if (answer.day !== day) throw new WarmpathError('RTR_SPEND_UNAVAILABLE', `${endpoint} answered for ${answer.day}, not ${day}`);
    return { insertedBeforeMs: answer.inserted_before_ms, usdByWorkload: new Map(Object.entries(answer.workloads)) };
  };
  return Object.assign(source, { close: () => dispatcher.close() });
}
