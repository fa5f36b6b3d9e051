// Records → one block of insert rows (JSONCompactEachRow lines, UTF-8, newline-separated),
// the unit the row converter's worker hands back. Pure: the worker and the in-thread
// fallback run the same code.

import type { ExchangeRecord, WorkloadStorage } from '../schemas/index.ts';
import { serializeRow, toExchangeRow } from './row.ts';

/** Storage settings by workload, as plain data: it crosses to the worker thread. */
export interface StorageMap {
  readonly workloads: Readonly<Record<string, WorkloadStorage>>;
  /** For records whose workload is not configured (ingest from other gateways). */
  readonly fallback: WorkloadStorage;
}

export function storageOf(map: StorageMap, workload: string): WorkloadStorage {
  return Object.hasOwn(map.workloads, workload) ? (map.workloads[workload] as WorkloadStorage) : map.fallback;
}

/** Converted rows of a batch of records: `rows` lines in `bytes`, no trailing newline. */
export interface EncodedRows {
  readonly bytes: Buffer;
  readonly rows: number;
}

export interface Unconvertible {
  readonly record_id: string;
  readonly message: string;
}

export interface ConvertedBatch extends EncodedRows {
  /** Records that break their own type (e.g. an invalid ts): not in `bytes`. */
  readonly unconvertible: readonly Unconvertible[];
}

/**
 * The batch's rows in one Buffer that owns its memory (never a slice of Node's shared
 * pool), so the worker can transfer it rather than copy it.
 */
export function convertBatch(records: readonly ExchangeRecord[], storage: StorageMap): ConvertedBatch {
  const lines: string[] = [];
  const unconvertible: Unconvertible[] = [];
  for (const record of records) {
    try {
      lines.push(serializeRow(toExchangeRow(record, storageOf(storage, record.workload))));
    } catch (err) {
      unconvertible.push({ record_id: String(record.record_id), message: err instanceof Error ? err.message : String(err) });
    }
  }
  return { bytes: encodeRows(lines), rows: lines.length, unconvertible };
}

/**
 * Rows as one block: UTF-8, newline-separated, no trailing newline, in a Buffer that owns
 * its memory. A batch is at most a few hundred rows, so the joined text stays small.
 */
export function encodeRows(lines: readonly string[]): Buffer {
  const text = lines.join('\n');
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}
