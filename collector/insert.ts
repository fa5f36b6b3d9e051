// How a batch reaches ClickHouse: one insert of RowBinary rows encoded once, when the
// record was taken (row-binary.ts), handed over as the bytes they were built in
// (core/clickhouse.ts bytesInsert): on a server, `INSERT … FORMAT RowBinary` with the
// bytes as the body; on the embedded engine, whose raw insert takes text formats only,
// `INSERT … SELECT FROM file()` of the bytes written to a file in the spool folder.
// Segments spooled by earlier versions go in in their own layout (legacyExchangeColumns):
// RowBinary rows from before the `api` column, JSONCompactEachRow lines from before RowBinary.
//
// optimize_on_insert = 0: the ReplacingMergeTree need not collapse each inserted block on
// the way in (a batch never holds one record twice; merges and FINAL collapse replays).
// Measured: +15-25% rows/s. It rides on each insert (its SETTINGS clause on chDB), so
// other inserts on the same session keep the default.

import type { ClickHouseClient } from '@clickhouse/client';
import { bytesInsert, type BytesInsert } from '../core/clickhouse.ts';
import { WarmpathError } from '../core/errors.ts';
import { exchangeColumnTypes, structureOf } from './row-binary.ts';
import { exchangeColumns, legacyExchangeColumns } from './row.ts';
import type { BatchFormat, InsertBatch } from './writer-types.ts';

/** ClickHouse error codes that mean the data itself is wrong: retrying cannot help. */
const invalidDataCodes = new Set([
  '6', // CANNOT_PARSE_TEXT
  '26', // CANNOT_PARSE_QUOTED_STRING
  '27', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  '32', // ATTEMPT_TO_READ_AFTER_EOF
  '33', // CANNOT_READ_ALL_DATA (RowBinary shorter than its rows)
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
  '469', // VIOLATED_CONSTRAINT
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

const insertSettings = { optimize_on_insert: 0 };

/**
 * The insert the writer uses: `table` is database-qualified; `fileDir` is where the
 * embedded engine's batch files are written (and removed once inserted). `extraSettings`
 * ride along with the collector's own (bench:engine's variants).
 */
export function clickHouseInsert(client: ClickHouseClient, table: string, fileDir: string, extraSettings: Readonly<Record<string, number>> = {}): InsertBatch {
  const settings = { ...insertSettings, ...extraSettings };
  const inserts: Readonly<Record<BatchFormat, BytesInsert>> = {
    RowBinary: bytesInsert(client, table, { format: 'RowBinary', columns: exchangeColumns, structure: structureOf(exchangeColumns), fileDir, settings }),
    LegacyRowBinary: bytesInsert(client, table, { format: 'RowBinary', columns: legacyExchangeColumns, structure: structureOf(legacyExchangeColumns), fileDir, settings }),
    JSONCompactEachRow: bytesInsert(client, table, { format: 'JSONCompactEachRow', columns: legacyExchangeColumns, settings }),
  };
  return (payload, _rows, format) => inserts[format](payload);
}

/**
 * A RowBinary row does not say which column a value fills: the table's columns must have
 * the types the encoder writes, or the rows would be refused (or worse, misread). Checked
 * once when the collector starts; throws STO_SCHEMA_MISMATCH naming each column that differs.
 */
export async function checkExchangeTable(client: ClickHouseClient, database: string, table: string): Promise<void> {
  const result = await client.query({
    query: 'SELECT name, type FROM system.columns WHERE database = {database:String} AND table = {table:String}',
    query_params: { database, table },
    format: 'JSONEachRow',
  });
  const types = new Map((await result.json<{ name: string; type: string }>()).map((c) => [c.name, c.type]));
  const wrong = exchangeColumns.flatMap((name) => {
    const type = types.get(name);
    const want = exchangeColumnTypes[name];
    if (type === want) return [];
    return [type === undefined ? `${name} is missing (want ${want})` : `${name} is ${type} (want ${want})`];
  });
  if (wrong.length > 0) throw new WarmpathError('STO_SCHEMA_MISMATCH', `${database}.${table}: ${wrong.join('; ')}`);
}
