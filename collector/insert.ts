// How a batch reaches ClickHouse: one `INSERT … FORMAT JSONCompactEachRow` of rows
// serialised once, when the record was taken; no object is built or stringified a second
// time (facts.md: JSON serialisation is the bottleneck). The batch is UTF-8 bytes
// (batch-encoder.ts) handed over as they are (core/clickhouse.ts bytesInsert).
//
// optimize_on_insert = 0: the ReplacingMergeTree need not collapse each inserted block on
// the way in (a batch never holds one record twice; merges and FINAL collapse replays).
// Measured: +15-25% rows/s. It rides on each insert (its SETTINGS clause on chDB), so
// other inserts on the same session keep the default.

import type { ClickHouseClient } from '@clickhouse/client';
import { bytesInsert } from '../core/clickhouse.ts';
import type { InsertBatch } from './writer-types.ts';
import { exchangeColumns } from './row.ts';

/** ClickHouse error codes that mean the data itself is wrong: retrying cannot help. */
const invalidDataCodes = new Set([
  '6', // CANNOT_PARSE_TEXT
  '26', // CANNOT_PARSE_QUOTED_STRING
  '27', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  '32', // ATTEMPT_TO_READ_AFTER_EOF
  '38', // CANNOT_PARSE_DATE
  '41', // CANNOT_PARSE_DATETIME
  '53', // TYPE_MISMATCH
  '69', // ARGUMENT_OUT_OF_BOUND
  '70', // CANNOT_CONVERT_TYPE
  '72', // CANNOT_PARSE_NUMBER
  '117', // INCORRECT_DATA
  '131', // TOO_LARGE_STRING_SIZE
  '321', // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  '349', // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  '467', // CANNOT_PARSE_BOOL
]);

/**
 * False only for errors about the batch's content; outages, timeouts and overloads retry.
 * The client's errors carry the ClickHouse code as a string `code`, chDB's own as a number
 * `clickhouseCode` (their `code` is a chDB class such as CHDB_INSERT).
 */
export function isRetryableInsertError(err: unknown): boolean {
  const { code, clickhouseCode } = (err ?? {}) as { code?: unknown; clickhouseCode?: unknown };
  if (typeof code === 'string' && invalidDataCodes.has(code)) return false;
  return !(typeof clickhouseCode === 'number' && invalidDataCodes.has(String(clickhouseCode)));
}

/** The insert the writer uses: `table` is database-qualified. */
export function clickHouseInsert(client: ClickHouseClient, table: string): InsertBatch {
  return bytesInsert(client, table, { format: 'JSONCompactEachRow', columns: exchangeColumns, settings: { optimize_on_insert: 0 } });
}
