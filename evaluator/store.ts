// Everything the evaluator reads from and writes to ClickHouse. SQL lives here only.
//
// The store reaches ClickHouse through two calls, JSON lines out and in (StoreSql): in
// the process that holds the client they are the client's (store-sql.ts), in the
// evaluator's worker thread they are messages to that process (thread.ts). Rows are
// parsed and serialised here, on whichever thread runs the evaluator.

import { clickHouseTimeOf, insertHorizonSql, insertVisibleWithinS } from '../core/clickhouse-time.ts';
import type { ExchangeRequestContent, ExchangeResponseContent } from '../schemas/index.ts';
import { mapInSlices, nextTurn, sliceSpent } from './slices.ts';
import type { SimilaritySource } from './scorers/types.ts';

/** What the store asks of ClickHouse. */
export interface StoreSql {
  /** A SELECT's rows as JSONEachRow text (one JSON object per line). */
  selectJsonLines(query: string, params: Readonly<Record<string, unknown>>): Promise<string>;
  /** JSONEachRow bytes inserted into a table. */
  insertJsonLines(table: string, body: Buffer): Promise<void>;
}

export interface StoreTarget {
  readonly sql: StoreSql;
  readonly database: string;
}

/** Position in the stream of stored shadows: rows of one insert share `inserted_at`. */
export interface Watermark {
  readonly insertedAt: string;
  readonly recordId: string;
}

export const startOfTime: Watermark = { insertedAt: '1970-01-01 00:00:00.000', recordId: '' };

/** A shadow or twin with its primary (primary fields empty when it is not stored yet). */
export interface CandidatePair {
  readonly record_id: string;
  readonly kind: 'shadow' | 'twin';
  readonly pair_id: string;
  readonly ts: string;
  readonly workload: string;
  readonly route: string;
  readonly outcome: string;
  readonly stream: boolean;
  readonly latency_ms: number;
  readonly ttft_ms: number | null;
  readonly output_tokens: number;
  readonly finish_reason: string;
  readonly response_json: string;
  readonly retention_days: number;
  readonly inserted_at: string;
  readonly p_record_id: string;
  readonly p_route: string;
  readonly p_outcome: string;
  readonly p_latency_ms: number;
  readonly p_ttft_ms: number | null;
  readonly p_output_tokens: number;
  readonly p_finish_reason: string;
  readonly p_request_json: string;
  readonly p_response_json: string;
}

export interface ParityRow {
  readonly record_id: string;
  readonly pair_id: string;
  readonly kind: 'shadow' | 'twin';
  readonly ts: string;
  readonly workload: string;
  readonly route: string;
  readonly primary_route: string;
  readonly pass: boolean;
  readonly failing: readonly string[];
  readonly similarity: number;
  /** `lexical` or `embeddings`: the measure `similarity` is in. */
  readonly similarity_source: string;
  /** The embedded text similarity, whatever the measure. */
  readonly lexical_similarity: number;
  readonly semantic_floor: number;
  readonly floor_source: string;
  readonly check_names: readonly string[];
  readonly check_scores: readonly number[];
  readonly check_passes: readonly boolean[];
  readonly check_details: readonly string[];
  readonly primary_latency_ms: number;
  readonly shadow_latency_ms: number;
  readonly primary_ttft_ms: number | null;
  readonly shadow_ttft_ms: number | null;
  readonly primary_output_tokens: number;
  readonly shadow_output_tokens: number;
  readonly primary_excerpt: string;
  readonly shadow_excerpt: string;
  readonly retention_days: number;
}

export interface VerdictAggregate {
  readonly workload: string;
  readonly route: string;
  readonly pairs: number;
  readonly passes: number;
  readonly newest: string;
  /** Embedded text similarities of every pair. */
  readonly similarities: readonly number[];
  /** Embeddings cosines of the pairs scored with embeddings. */
  readonly embedding_similarities: readonly number[];
  readonly failing_keys: readonly string[];
  readonly failing_counts: readonly number[];
}

export interface ShadowHealth {
  readonly workload: string;
  readonly route: string;
  readonly calls: number;
  readonly errors: number;
}

export interface EligibilityEventRow {
  readonly event_id: string;
  readonly ts: string;
  readonly workload: string;
  readonly route: string;
  readonly eligible: boolean;
  readonly reasons: readonly string[];
  readonly samples: number;
  readonly pass_rate: number | null;
  readonly lower_bound: number | null;
  readonly noise_floor: number | null;
  /** The measure noise_floor and the semantic check were in. */
  readonly similarity_source: SimilaritySource;
  readonly failing_checks: readonly string[];
}


export function parseRequest(json: string): ExchangeRequestContent | undefined {
  if (json === '') return undefined;
  try {
    return JSON.parse(json) as ExchangeRequestContent;
  } catch {
    return undefined;
  }
}

export function parseResponse(json: string): ExchangeResponseContent | undefined {
  if (json === '') return undefined;
  try {
    return JSON.parse(json) as ExchangeResponseContent;
  } catch {
    return undefined;
  }
}

/**
 * A SELECT's rows, parsed with a turn of the event loop whenever a slice is spent: a page
 * of candidate pairs is thousands of JSON objects.
 */
async function rows<T>(target: StoreTarget, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const text = await target.sql.selectJsonLines(query, params);
  const out: T[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start) {
      if (sliceSpent()) await nextTurn();
      out.push(JSON.parse(text.slice(start, end)) as T);
    }
    start = end + 1;
  }
  return out;
}

async function insertRows(target: StoreTarget, table: string, values: readonly object[]): Promise<void> {
  if (values.length === 0) return;
  const lines = await mapInSlices(values, (row) => JSON.stringify(row));
  await target.sql.insertJsonLines(table, Buffer.from(lines.join('\n')));
}

/**
 * Rows within their workload's window. The first bound is the longest window, a constant,
 * so ClickHouse can skip older partitions and granules; the second is each row's own.
 */
const inWindow = `has(mapKeys({windows:Map(String, UInt64)}), workload)
           AND ts >= {now:DateTime64(3)} - toIntervalMillisecond({longest:UInt64})
           AND ts >= {now:DateTime64(3)} - toIntervalMillisecond({windows:Map(String, UInt64)}[workload])`;

function windowParams(nowMs: number, windows: Readonly<Record<string, number>>): Record<string, unknown> {
  return { now: clickHouseTimeOf(nowMs), windows, longest: Math.max(0, ...Object.values(windows)) };
}

export function createEvaluatorStore(target: StoreTarget) {
  const db = target.database;
  return {
    /** Shadows and twins stored after `since` (by insertion time), oldest first, with their primary. */
    candidates(since: Watermark, limit: number): Promise<CandidatePair[]> {
      return rows<CandidatePair>(
        target,
        // No FINAL: it merges the whole table by its sorting key on every run. A record a
        // spool replay stored twice is taken once here (LIMIT 1 BY), and scoring a pair
        // again only replaces its parity row (010_parity_results.sql).
        `WITH fresh AS (
           SELECT record_id, kind, pair_id, ts, workload, route, outcome, stream, latency_ms, ttft_ms, output_tokens,
                  finish_reason, response_json, retention_days, inserted_at
           FROM ${db}.exchanges
           WHERE inserted_at >= {since:DateTime64(3)} AND kind IN ('shadow', 'twin') AND (inserted_at, record_id) > ({since:DateTime64(3)}, {sinceId:String})
           ORDER BY inserted_at, record_id
           LIMIT 1 BY record_id
           LIMIT {limit:UInt32})
         SELECT s.*, p.record_id AS p_record_id, p.route AS p_route, p.outcome AS p_outcome, p.latency_ms AS p_latency_ms,
                p.ttft_ms AS p_ttft_ms, p.output_tokens AS p_output_tokens, p.finish_reason AS p_finish_reason,
                p.request_json AS p_request_json, p.response_json AS p_response_json
         FROM fresh AS s
         LEFT JOIN (
           SELECT record_id, route, outcome, latency_ms, ttft_ms, output_tokens, finish_reason, request_json, response_json
           FROM ${db}.exchanges
           WHERE kind = 'primary' AND record_id IN (SELECT pair_id FROM fresh)
           LIMIT 1 BY record_id) AS p
           ON p.record_id = s.pair_id
         ORDER BY s.inserted_at, s.record_id`,
        { since: since.insertedAt, sinceId: since.recordId, limit },
      );
    },

    /**
     * A watermark in ClickHouse's own clock, the one `inserted_at` is in, `insertVisibleWithinS`
     * back: every row that becomes visible from now on was inserted after it.
     */
    async insertHorizon(): Promise<Watermark> {
      const [row] = await rows<{ horizon: string }>(target, insertHorizonSql, { margin: insertVisibleWithinS });
      return { insertedAt: row?.horizon ?? startOfTime.insertedAt, recordId: '' };
    },

    /** The primaries' median latency and TTFT per workload and stream mode, within each window. */
    primaryLatency(nowMs: number, windows: Readonly<Record<string, number>>): Promise<{ workload: string; stream: boolean; latency_ms: number; ttft_ms: number | null }[]> {
      return rows(
        target,
        // No FINAL (it would merge every part in the window): a median does not move for
        // the odd record a spool replay stored twice.
        `SELECT workload, stream, quantile(0.5)(latency_ms) AS latency_ms, quantileIf(0.5)(ttft_ms, isNotNull(ttft_ms)) AS ttft_ms
         FROM ${db}.exchanges
         WHERE kind = 'primary' AND outcome = 'ok' AND ${inWindow}
         GROUP BY workload, stream`,
        windowParams(nowMs, windows),
      );
    },

    /**
     * Rows serialised in slices and inserted as bytes: through the client's `insert` a few
     * thousand rows were one synchronous stringify and string copy that held the router's
     * event loop 60–95 ms under `warmpath start`.
     */
    insertParity(results: readonly ParityRow[]): Promise<void> {
      return insertRows(target, `${db}.parity_results`, results);
    },

    /** Twin similarities per workload within each workload's window, in both measures. */
    twinSimilarities(nowMs: number, windows: Readonly<Record<string, number>>): Promise<{ workload: string; similarities: number[]; embedding_similarities: number[] }[]> {
      return rows(
        target,
        `SELECT workload, groupArray(20000)(lexical_similarity) AS similarities,
                groupArrayIf(20000)(similarity, similarity_source = 'embeddings') AS embedding_similarities
         FROM ${db}.parity_results FINAL
         WHERE kind = 'twin' AND ${inWindow}
         GROUP BY workload`,
        windowParams(nowMs, windows),
      );
    },

    verdicts(nowMs: number, windows: Readonly<Record<string, number>>): Promise<VerdictAggregate[]> {
      return rows(
        target,
        `SELECT workload, route, toUInt32(count()) AS pairs, toUInt32(countIf(pass)) AS passes, toString(max(ts)) AS newest,
                groupArray(20000)(lexical_similarity) AS similarities,
                groupArrayIf(20000)(similarity, similarity_source = 'embeddings') AS embedding_similarities,
                sumMap(failing, arrayMap(x -> toUInt64(1), failing)) AS failing_map,
                failing_map.1 AS failing_keys, failing_map.2 AS failing_counts
         FROM ${db}.parity_results FINAL
         WHERE kind = 'shadow' AND ${inWindow}
         GROUP BY workload, route`,
        windowParams(nowMs, windows),
      );
    },

    shadowHealth(nowMs: number, windows: Readonly<Record<string, number>>): Promise<ShadowHealth[]> {
      return rows(
        target,
        // Distinct record ids instead of FINAL: exact across replays, and only the shadow
        // rows are counted where FINAL would merge every part in the window.
        `SELECT workload, route, toUInt32(uniqExact(record_id)) AS calls, toUInt32(uniqExactIf(record_id, outcome != 'ok')) AS errors
         FROM ${db}.exchanges
         WHERE kind = 'shadow' AND ${inWindow}
         GROUP BY workload, route`,
        windowParams(nowMs, windows),
      );
    },

    insertEvents(events: readonly EligibilityEventRow[]): Promise<void> {
      return insertRows(target, `${db}.eligibility_events`, events);
    },

    /** The newest event per (workload, route): where each route stood at the last change. */
    latestEvents(): Promise<{ workload: string; route: string; eligible: boolean; changed_at: string }[]> {
      return rows(
        target,
        `SELECT workload, route, argMax(eligible, ts) AS eligible, toString(max(ts)) AS changed_at
         FROM ${db}.eligibility_events FINAL GROUP BY workload, route`,
      );
    },

    async readState(name: string): Promise<string | undefined> {
      const found = await rows<{ value: string }>(target, `SELECT argMax(value, updated_at) AS value FROM ${db}.evaluator_state WHERE name = {name:String} GROUP BY name`, { name });
      return found[0]?.value;
    },

    writeState(name: string, value: string): Promise<void> {
      return insertRows(target, `${db}.evaluator_state`, [{ name, value }]);
    },
  };
}

export type EvaluatorStore = ReturnType<typeof createEvaluatorStore>;
