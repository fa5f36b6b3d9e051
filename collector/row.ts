// ExchangeRecord → one row of `exchanges` (schemas/migrations/001_exchanges.sql). Column
// names are the contract the evaluator and the Grafana dashboards query: keep them.

import type { ExchangeRecord, WorkloadStorage } from '../schemas/index.ts';
import { clickHouseTime } from '../core/clickhouse-time.ts';
import { storedContent } from './content.ts';

export interface ExchangeRow {
  readonly record_id: string;
  readonly kind: string;
  readonly pair_id: string;
  readonly request_id: string;
  /** `YYYY-MM-DD hh:mm:ss.sss` in UTC: the form every ClickHouse parses as DateTime64(3). */
  readonly ts: string;
  readonly tenant: string;
  readonly workload: string;
  readonly feature: string;
  readonly session: string;
  readonly route: string;
  readonly provider: string;
  readonly model: string;
  readonly request_model: string;
  readonly api: string;
  readonly stream: boolean;
  readonly status: number;
  readonly outcome: string;
  readonly error_class: string;
  readonly fallback: boolean;
  readonly attempt_routes: readonly string[];
  readonly attempt_statuses: readonly number[];
  readonly attempt_error_classes: readonly string[];
  readonly attempt_latency_ms: readonly number[];
  readonly latency_ms: number;
  readonly ttft_ms: number | null;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cost_usd: number;
  readonly finish_reason: string;
  readonly content_mode: string;
  readonly request_json: string;
  readonly response_json: string;
  readonly request_sha256: string;
  readonly response_sha256: string;
  readonly retention_days: number;
}

/** Columns in table order, for `INSERT INTO exchanges (…)` and for readers. */
export const exchangeColumns: readonly (keyof ExchangeRow)[] = [
  'record_id', 'kind', 'pair_id', 'request_id', 'ts', 'tenant', 'workload', 'feature', 'session',
  'route', 'provider', 'model', 'request_model', 'api', 'stream', 'status', 'outcome', 'error_class',
  'fallback', 'attempt_routes', 'attempt_statuses', 'attempt_error_classes', 'attempt_latency_ms',
  'latency_ms', 'ttft_ms', 'input_tokens', 'output_tokens', 'cost_usd', 'finish_reason',
  'content_mode', 'request_json', 'response_json', 'request_sha256', 'response_sha256', 'retention_days',
];

/**
 * The columns of the rows versions before `api` (migration 016) wrote: the layout of the
 * spool segments they left, which are replayed as they are (their rows get api '').
 */
export const legacyExchangeColumns: readonly (keyof ExchangeRow)[] = exchangeColumns.filter((column) => column !== 'api');


export function toExchangeRow(record: ExchangeRecord, storage: WorkloadStorage): ExchangeRow {
  const content = storedContent(record.request, record.response ?? null, storage.content);
  const attempts = record.attempts ?? [];
  return {
    record_id: record.record_id,
    kind: record.kind,
    pair_id: record.pair_id,
    request_id: record.request_id ?? '',
    ts: clickHouseTime(record.ts),
    tenant: record.tenant ?? '',
    workload: record.workload,
    feature: record.feature ?? '',
    session: record.session ?? '',
    route: record.route ?? '',
    provider: record.provider ?? '',
    model: record.model ?? '',
    request_model: record.request_model ?? '',
    api: record.api ?? '',
    stream: record.stream ?? false,
    status: record.status,
    outcome: record.outcome,
    error_class: record.error_class ?? '',
    fallback: record.fallback ?? false,
    attempt_routes: attempts.map((a) => a.route),
    attempt_statuses: attempts.map((a) => a.status),
    attempt_error_classes: attempts.map((a) => a.error_class ?? ''),
    attempt_latency_ms: attempts.map((a) => a.latency_ms),
    latency_ms: record.latency_ms,
    ttft_ms: record.ttft_ms ?? null,
    input_tokens: record.usage?.input_tokens ?? 0,
    output_tokens: record.usage?.output_tokens ?? 0,
    cost_usd: record.cost_usd ?? 0,
    finish_reason: record.finish_reason ?? '',
    content_mode: storage.content,
    request_json: content.request_json,
    response_json: content.response_json,
    request_sha256: content.request_sha256,
    response_sha256: content.response_sha256,
    retention_days: storage.retention_days,
  };
}

/**
 * One JSONCompactEachRow line in legacyExchangeColumns order, no newline: the rows spool
 * segments hold from the versions before RowBinary (the collector now writes RowBinary).
 */
export function legacyJsonRow(r: ExchangeRow): string {
  return JSON.stringify(legacyExchangeColumns.map((column) => r[column]));
}
