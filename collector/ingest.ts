// POST /v1/exchanges on the admin listener: NDJSON exchange records from other gateways.
//
// Each non-blank line is validated on its own against schemas/exchange.schema.json (ajv,
// allErrors, strict, formats). Bad lines are refused with their 1-based line number and
// the reason; good lines of the same body are kept. Answer:
//   200 {accepted, rejected, errors: [{line, reason}]}   at least one line kept, or none sent
//   400 the same, plus an OpenAI-shaped `error` (COL_INGEST_INVALID)   every line refused
//   503 COL_QUEUE_FULL (retry-after)   the writer's queue cannot take the good lines: none kept
//   413 REQ_BODY_TOO_LARGE  415 REQ_UNSUPPORTED_MEDIA (only application/x-ndjson is taken)
// `errors` lists the first 100 refused lines; `rejected` counts them all.

import type { FastifyInstance } from 'fastify';
import { WarmpathError } from '../core/errors.ts';
import { compileOwnSchema, schemaErrorLines } from '../core/schema-errors.ts';
import { exchangeSchema } from '../schemas/json-schemas.ts';
import type { ExchangeRecord } from '../schemas/index.ts';
import type { CollectorMetrics } from './metrics.ts';
import type { CollectorSink } from './sink.ts';

export interface LineError {
  readonly line: number;
  readonly reason: string;
}

export interface ParsedBatch {
  readonly records: ExchangeRecord[];
  readonly rejected: number;
  readonly errors: LineError[];
}

export const ndjsonContentTypes = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];
const maxListedErrors = 100;

const validateRecord = compileOwnSchema<ExchangeRecord>(exchangeSchema);

/** Pure: splits an NDJSON body and validates each non-blank line. */
export function parseExchangeLines(body: string): ParsedBatch {
  const records: ExchangeRecord[] = [];
  const errors: LineError[] = [];
  let rejected = 0;
  const reject = (line: number, reason: string): void => {
    rejected += 1;
    if (errors.length < maxListedErrors) errors.push({ line, reason });
  };
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const text = (lines[i] as string).trim();
    if (text === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      reject(i + 1, `not JSON: ${(err as Error).message}`);
      continue;
    }
    if (validateRecord(value)) records.push(value);
    else reject(i + 1, schemaErrorLines(validateRecord.errors ?? []).join('; '));
  }
  return { records, rejected, errors };
}

export interface IngestOptions {
  readonly sink: CollectorSink;
  /** Rows the writer can take right now. */
  readonly freeCapacity: () => number;
  readonly metrics: CollectorMetrics;
}

/** Mounts POST /v1/exchanges (in its own scope: the NDJSON parser stays local to it). */
export async function registerIngestRoute(app: FastifyInstance, options: IngestOptions): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(ndjsonContentTypes, { parseAs: 'string' }, (_request, body, done) => done(null, body));
    // Anything else (JSON included) is read within the body limit, then refused with 415.
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined));
    scope.post('/v1/exchanges', async (request, reply) => {
      const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (!ndjsonContentTypes.includes(type)) {
        throw new WarmpathError('REQ_UNSUPPORTED_MEDIA', `send exchange records as application/x-ndjson, one JSON record per line (got "${type || 'none'}")`);
      }
      const parsed = parseExchangeLines(typeof request.body === 'string' ? request.body : '');
      if (parsed.records.length > options.freeCapacity()) {
        throw new WarmpathError('COL_QUEUE_FULL', `${parsed.records.length} records do not fit; none were kept`, { headers: { 'retry-after': '1' } });
      }
      let accepted = 0;
      for (const record of parsed.records) if (options.sink.take(record, 'ingest')) accepted += 1;
      const dropped = parsed.records.length - accepted;
      if (parsed.rejected > 0) options.metrics.rejected(parsed.rejected);
      const result = { accepted, rejected: parsed.rejected, ...(dropped > 0 ? { dropped } : {}), errors: parsed.errors };
      if (accepted === 0 && parsed.rejected > 0) {
        throw new WarmpathError('COL_INGEST_INVALID', `${parsed.rejected} line(s) refused; see errors`, { details: result });
      }
      return reply.code(200).send(result);
    });
  });
}
