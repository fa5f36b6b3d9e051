// Exchange rows as RowBinary, the format the collector inserts: each value in its column's
// binary form, in exchangeColumns order, rows back to back. The embedded engine reads
// these for 29–42% less CPU per row than the same rows as JSON (BENCHMARKS.md, seventh and
// tenth looks), and encoding them costs the router no more than JSON.stringify.
//
// A binary row does not say which column a value fills, so the types below must be the
// table's: checkExchangeTable (insert.ts) compares them with system.columns when the
// collector starts (schemas/migrations/001_exchanges.sql creates exactly these).
//
// Strings: LEB128 byte length, then UTF-8. Bool: one byte. Integers and Float64: little
// endian. DateTime64(3): Int64 milliseconds. Nullable: a byte (1 = NULL), then the value
// when there is one. Array: LEB128 count, then the values.

import { parseClickHouseTime } from '../core/clickhouse-time.ts';
import { exchangeColumns, legacyExchangeColumns, type ExchangeRow } from './row.ts';
import type { BatchFormat } from './writer-types.ts';

/** Each column's type as system.columns names it, in exchangeColumns order. */
export const exchangeColumnTypes: Readonly<Record<keyof ExchangeRow, string>> = {
  record_id: 'String',
  kind: 'LowCardinality(String)',
  pair_id: 'String',
  request_id: 'String',
  ts: "DateTime64(3, 'UTC')",
  tenant: 'LowCardinality(String)',
  workload: 'LowCardinality(String)',
  feature: 'LowCardinality(String)',
  session: 'String',
  route: 'LowCardinality(String)',
  provider: 'LowCardinality(String)',
  model: 'LowCardinality(String)',
  request_model: 'LowCardinality(String)',
  api: 'LowCardinality(String)',
  stream: 'Bool',
  status: 'UInt16',
  outcome: 'LowCardinality(String)',
  error_class: 'LowCardinality(String)',
  fallback: 'Bool',
  attempt_routes: 'Array(LowCardinality(String))',
  attempt_statuses: 'Array(UInt16)',
  attempt_error_classes: 'Array(LowCardinality(String))',
  attempt_latency_ms: 'Array(Float64)',
  latency_ms: 'Float64',
  ttft_ms: 'Nullable(Float64)',
  input_tokens: 'UInt32',
  output_tokens: 'UInt32',
  cost_usd: 'Float64',
  finish_reason: 'LowCardinality(String)',
  content_mode: 'LowCardinality(String)',
  request_json: 'String',
  response_json: 'String',
  request_sha256: 'String',
  response_sha256: 'String',
  retention_days: 'UInt16',
};

/** `name Type, …` in column order: the structure argument of file(…, RowBinary, …). */
export function structureOf(columns: readonly (keyof ExchangeRow)[]): string {
  return columns.map((name) => `${name} ${exchangeColumnTypes[name]}`).join(', ');
}

/** Sizes are rounded up to this, so a batch a little larger than the last does not reallocate. */
const step = 1 << 20;

/**
 * Rows encoded back to back into one Buffer that grows as they come and is reused batch
 * after batch (fresh memory for every batch cost the router page faults: batch-encoder's
 * history in BENCHMARKS.md). A row that fails to encode leaves nothing behind.
 */
export class RowBinaryBatch {
  #buffer: Buffer;
  #at = 0;
  #rows = 0;
  // Rows come in time order, many within the same millisecond at full load.
  #lastTs = '';
  #lastTsMs = 0;

  constructor(initialBytes = step) {
    this.#buffer = Buffer.allocUnsafeSlow(roundUp(initialBytes));
  }

  get rows(): number {
    return this.#rows;
  }

  /** Bytes the Buffer holds, used or not. */
  get capacity(): number {
    return this.#buffer.length;
  }

  /** The rows so far: a view, valid until the next append or reset. */
  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#at);
  }

  reset(): void {
    this.#at = 0;
    this.#rows = 0;
  }

  /** Appends one row; throws a RangeError naming the column when a value does not fit it. */
  append(r: ExchangeRow): void {
    const start = this.#at;
    try {
      this.#encode(r);
    } catch (err) {
      this.#at = start;
      throw err;
    }
    this.#rows += 1;
  }

  #encode(r: ExchangeRow): void {
    this.#string(r.record_id);
    this.#string(r.kind);
    this.#string(r.pair_id);
    this.#string(r.request_id);
    this.#dateTime64(r.ts);
    this.#string(r.tenant);
    this.#string(r.workload);
    this.#string(r.feature);
    this.#string(r.session);
    this.#string(r.route);
    this.#string(r.provider);
    this.#string(r.model);
    this.#string(r.request_model);
    this.#string(r.api);
    this.#byte(r.stream ? 1 : 0);
    this.#uint16(r.status, 'status');
    this.#string(r.outcome);
    this.#string(r.error_class);
    this.#byte(r.fallback ? 1 : 0);
    this.#count(r.attempt_routes.length);
    for (const route of r.attempt_routes) this.#string(route);
    this.#count(r.attempt_statuses.length);
    for (const status of r.attempt_statuses) this.#uint16(status, 'attempt_statuses');
    this.#count(r.attempt_error_classes.length);
    for (const errorClass of r.attempt_error_classes) this.#string(errorClass);
    this.#count(r.attempt_latency_ms.length);
    for (const ms of r.attempt_latency_ms) this.#float64(ms);
    this.#float64(r.latency_ms);
    if (r.ttft_ms === null) this.#byte(1);
    else {
      this.#byte(0);
      this.#float64(r.ttft_ms);
    }
    this.#uint32(r.input_tokens, 'input_tokens');
    this.#uint32(r.output_tokens, 'output_tokens');
    this.#float64(r.cost_usd);
    this.#string(r.finish_reason);
    this.#string(r.content_mode);
    this.#string(r.request_json);
    this.#string(r.response_json);
    this.#string(r.request_sha256);
    this.#string(r.response_sha256);
    this.#uint16(r.retention_days, 'retention_days');
  }

  #ensure(bytes: number): void {
    if (this.#at + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafeSlow(roundUp(Math.max(this.#at + bytes, this.#buffer.length * 2)));
    this.#buffer.copy(grown, 0, 0, this.#at);
    this.#buffer = grown;
  }

  #byte(value: number): void {
    this.#ensure(1);
    this.#buffer[this.#at++] = value;
  }

  #count(value: number): void {
    this.#ensure(5);
    this.#at = writeVarint(this.#buffer, this.#at, value);
  }

  #string(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8; the length at most 5.
    this.#ensure(text.length * 3 + 5);
    const buffer = this.#buffer;
    // Short ASCII strings (ids, route and model names) byte by byte: a native call per
    // field costs more than the copy.
    if (text.length < 128) {
      const start = this.#at;
      let i = 0;
      for (; i < text.length; i += 1) {
        const c = text.charCodeAt(i);
        if (c > 127) break;
        buffer[start + 1 + i] = c;
      }
      if (i === text.length) {
        buffer[start] = text.length;
        this.#at = start + 1 + text.length;
        return;
      }
    }
    const bytes = Buffer.byteLength(text, 'utf8');
    this.#at = writeVarint(buffer, this.#at, bytes);
    this.#at += buffer.write(text, this.#at, "utf8");
  }

  #uint16(value: number, column: string): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`${column} ${value} is not a UInt16`);
    this.#ensure(2);
    this.#at = this.#buffer.writeUInt16LE(value, this.#at);
  }

  #uint32(value: number, column: string): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new RangeError(`${column} ${value} is not a UInt32`);
    this.#ensure(4);
    this.#at = this.#buffer.writeUInt32LE(value, this.#at);
  }

  #float64(value: number): void {
    this.#ensure(8);
    this.#at = this.#buffer.writeDoubleLE(value, this.#at);
  }

  #dateTime64(text: string): void {
    const ms = text === this.#lastTs ? this.#lastTsMs : parseClickHouseTime(text);
    if (!Number.isFinite(ms)) throw new RangeError(`ts "${text}" is not a time`);
    this.#lastTs = text;
    this.#lastTsMs = ms;
    this.#ensure(8);
    if (ms >= 0) {
      this.#buffer.writeUInt32LE(ms % 0x1_0000_0000, this.#at);
      this.#at = this.#buffer.writeUInt32LE(Math.floor(ms / 0x1_0000_0000), this.#at + 4);
    } else {
      this.#at = this.#buffer.writeBigInt64LE(BigInt(ms), this.#at);
    }
  }
}

function writeVarint(buffer: Buffer, at: number, value: number): number {
  let rest = value;
  let i = at;
  while (rest >= 0x80) {
    buffer[i++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  buffer[i++] = rest;
  return i;
}

function roundUp(bytes: number): number {
  return Math.ceil(bytes / step) * step;
}

/** How many bytes one value of a column type takes, from where it starts. */
type Skip = (payload: Buffer, at: number) => number;

function readVarint(payload: Buffer, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const byte = payload[i++];
    if (byte === undefined) throw new RangeError('RowBinary payload ends inside a length');
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, i];
    shift += 7;
  }
}

const fixedSizes: Readonly<Record<string, number>> = { Bool: 1, UInt8: 1, UInt16: 2, UInt32: 4, UInt64: 8, Int64: 8, Float64: 8 };

function skipperOf(type: string): Skip {
  const inner = /^(\w+)\((.*)\)$/.exec(type);
  if (inner !== null) {
    const [, wrapper, argument] = inner as unknown as [string, string, string];
    if (wrapper === 'LowCardinality') return skipperOf(argument);
    if (wrapper === 'DateTime64') return (_payload, at) => at + 8;
    if (wrapper === 'Nullable') {
      const value = skipperOf(argument);
      return (payload, at) => (payload[at] === 1 ? at + 1 : value(payload, at + 1));
    }
    if (wrapper === 'Array') {
      const element = skipperOf(argument);
      return (payload, at) => {
        let [count, next] = readVarint(payload, at);
        for (; count > 0; count -= 1) next = element(payload, next);
        return next;
      };
    }
  }
  if (type === 'String') {
    return (payload, at) => {
      const [length, next] = readVarint(payload, at);
      return next + length;
    };
  }
  const size = fixedSizes[type];
  if (size === undefined) throw new Error(`no RowBinary layout for type ${type}`);
  return (_payload, at) => at + size;
}

const skippersOf = (columns: readonly (keyof ExchangeRow)[]): Skip[] => columns.map((name) => skipperOf(exchangeColumnTypes[name]));
const currentSkippers = skippersOf(exchangeColumns);
const legacySkippers = skippersOf(legacyExchangeColumns);

/**
 * A payload of `rows` RowBinary exchange rows (in the column layout of `format`) cut after
 * its first half of rows, as views of the same bytes: for the rare path that halves a
 * refused batch. Throws when the bytes end before the rows do.
 */
export function splitRowBinary(payload: Buffer, rows: number, format: Exclude<BatchFormat, 'JSONCompactEachRow'> = 'RowBinary'): [first: Buffer, firstRows: number, rest: Buffer, restRows: number] {
  const firstRows = Math.ceil(rows / 2);
  const skippers = format === 'RowBinary' ? currentSkippers : legacySkippers;
  let at = 0;
  for (let n = 0; n < firstRows; n += 1) for (const skip of skippers) at = skip(payload, at);
  if (at > payload.length) throw new RangeError(`RowBinary payload of ${payload.length} bytes ends before row ${firstRows}`);
  return [payload.subarray(0, at), firstRows, payload.subarray(at), rows - firstRows];
}
