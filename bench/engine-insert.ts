// The embedded engine's CPU per stored exchange row, by table and insert variant: what
// storing every exchange costs the engine's threads of a `warmpath start` process
// (BENCHMARKS.md, seventh and tenth looks). Rows are the collector's own (synthetic records
// → toExchangeRow, content mode `redacted`), encoded and inserted as the collector does
// (RowBinary written to a file, INSERT … SELECT FROM file()), or, for `json-lines`, as it
// did before (raw JSONCompactEachRow bytes), in batches of one second of max-throughput
// traffic. A variant's figure is the CPU of every thread of this process but the main
// thread and V8's, from its first insert to 3 s after its last (the merges those inserts
// cause included), divided by the rows inserted. Variants run in alternating order round by
// round; the rows are built before each window, and the time to encode them (RowBinaryBatch,
// or legacyJsonRow and BatchEncoder) is reported beside it: that part is the router's main
// thread.
//
//   npm run build && node dist/bench/engine-insert.js [--rounds 2] [--batches 20] [--rows 15000] [--only a,b]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BatchEncoder } from '../collector/batch-encoder.ts';
import { clickHouseInsert } from '../collector/insert.ts';
import { RowBinaryBatch } from '../collector/row-binary.ts';
import { legacyJsonRow, toExchangeRow, type ExchangeRow } from '../collector/row.ts';
import { syntheticRecord } from '../collector/synthetic.ts';
import type { InsertBatch } from '../collector/writer-types.ts';
import { openClickHouse } from '../core/clickhouse.ts';
import { configDefaults } from '../core/config.ts';
import { migrate } from '../core/migrate.ts';
import type { ContentMode } from '../schemas/index.ts';
import { median } from './measure.ts';
import { threadCpu } from './proc-stats.ts';

interface Variant {
  readonly name: string;
  readonly what: string;
  /** Statements run on the variant's freshly migrated database (`{db}` replaced). */
  readonly alter?: readonly string[];
  /** Insert into a Null-engine copy of the table: parsing and the insert pipeline only. */
  readonly parseOnly?: boolean;
  readonly settings?: Readonly<Record<string, number>>;
  readonly content?: ContentMode;
  /** Rows as JSONCompactEachRow lines through chDB's raw insert: the collector before the tenth look. */
  readonly jsonLines?: boolean;
}

const variants: readonly Variant[] = [
  { name: 'as-shipped', what: 'the collector as it is: RowBinary in a file; the migrations as they are (ZSTD(3) content, two bloom filters, a minmax index)' },
  { name: 'json-lines', what: 'JSONCompactEachRow through the raw insert (the collector before the tenth look)', jsonLines: true },
  {
    name: 'zstd1',
    what: 'content columns CODEC(ZSTD(1))',
    alter: ['ALTER TABLE {db}.exchanges MODIFY COLUMN request_json String CODEC(ZSTD(1)), MODIFY COLUMN response_json String CODEC(ZSTD(1))'],
  },
  {
    name: 'lz4',
    what: 'content columns CODEC(LZ4)',
    alter: ['ALTER TABLE {db}.exchanges MODIFY COLUMN request_json String CODEC(LZ4), MODIFY COLUMN response_json String CODEC(LZ4)'],
  },
  {
    name: 'no-skip-indexes',
    what: 'without the three skip indexes',
    alter: ['ALTER TABLE {db}.exchanges DROP INDEX idx_pair_id, DROP INDEX idx_record_id, DROP INDEX idx_inserted_at'],
  },
  { name: 'serial-parse', what: 'input_format_parallel_parsing = 0', settings: { input_format_parallel_parsing: 0 } },
  { name: 'one-thread', what: 'max_threads = max_insert_threads = 1, serial parsing', settings: { max_threads: 1, max_insert_threads: 1, input_format_parallel_parsing: 0 } },
  { name: 'parse-only', what: 'into a Null-engine table of the same columns: nothing stored', parseOnly: true },
  { name: 'no-content', what: 'content mode none (rows ~250 bytes instead of ~700)', content: 'none' },
];

function rowsOf(count: number, firstSeq: number, content: ContentMode): ExchangeRow[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const seq = firstSeq + i;
    const record = syntheticRecord(seq, { nowMs: now });
    // Unique ids, as in live traffic (synthetic ids repeat with i).
    const id = `${record.record_id}-${seq}`;
    return toExchangeRow({ ...record, record_id: id, pair_id: id, request_id: id }, { content, retention_days: 30 });
  });
}

function engineCpuMs(): number {
  let total = 0;
  for (const thread of threadCpu(process.pid).values()) if (thread.name !== 'main' && !thread.name.startsWith('V8')) total += thread.cpuMs;
  return total;
}

const pause = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '2' },
      batches: { type: 'string', default: '20' },
      rows: { type: 'string', default: '15000' },
      only: { type: 'string' },
    },
  });
  const rounds = Number(values.rounds);
  const batches = Number(values.batches);
  const rows = Number(values.rows);
  const only = values.only?.split(',');
  const unknown = only?.filter((name) => !variants.some((v) => v.name === name)) ?? [];
  if (unknown.length > 0) throw new Error(`--only: no variant ${unknown.join(', ')}; variants: ${variants.map((v) => v.name).join(', ')}`);
  const chosen = only === undefined ? variants : variants.filter((v) => only.includes(v.name));

  const work = mkdtempSync(join(tmpdir(), 'warmpath-engine-insert-'));
  const store = await openClickHouse({ ...configDefaults.storage, cluster: undefined, clickhouse: `embedded:${join(work, 'clickhouse')}` });
  try {
    const inserts = new Map<string, InsertBatch>();
    for (const [i, variant] of chosen.entries()) {
      const database = `engine_insert_${i}`;
      await migrate(store.client, { database, cluster: undefined });
      for (const statement of variant.alter ?? []) await store.client.command({ query: statement.replaceAll('{db}', database) });
      let table = `${database}.exchanges`;
      if (variant.parseOnly === true) {
        table = `${database}.exchanges_parse_only`;
        await store.client.command({ query: `CREATE TABLE ${table} ENGINE = Null AS SELECT * FROM ${database}.exchanges WHERE 0` });
      }
      inserts.set(variant.name, clickHouseInsert(store.client, table, work, variant.settings));
    }

    const perRow = new Map<string, number[]>(chosen.map((v) => [v.name, []]));
    const encodeMs = new Map<string, number[]>(chosen.map((v) => [v.name, []]));
    const rowBinary = new RowBinaryBatch();
    const jsonLines = new BatchEncoder();
    const encode = (variant: Variant, batchRows: readonly ExchangeRow[]): Buffer => {
      if (variant.jsonLines === true) return jsonLines.encode(batchRows.map(legacyJsonRow));
      rowBinary.reset();
      for (const row of batchRows) rowBinary.append(row);
      return rowBinary.bytes();
    };
    let seq = 0;
    for (let round = 0; round < rounds; round += 1) {
      for (const variant of round % 2 === 0 ? chosen : [...chosen].reverse()) {
        let encoding = 0;
        const bodies = Array.from({ length: batches }, () => {
          const batchRows = rowsOf(rows, seq, variant.content ?? 'redacted');
          seq += rows;
          const started = performance.now();
          const encoded = encode(variant, batchRows);
          encoding += performance.now() - started;
          // Copied (untimed): both encoders reuse their Buffer for the next batch.
          return Buffer.from(encoded);
        });
        encodeMs.get(variant.name)?.push((encoding * 1000) / (batches * rows));
        const insert = inserts.get(variant.name) as InsertBatch;
        const format = variant.jsonLines === true ? 'JSONCompactEachRow' : 'RowBinary';
        const before = engineCpuMs();
        for (const body of bodies) {
          await insert(body, rows, format);
          await pause(100);
        }
        await pause(3000);
        const micros = ((engineCpuMs() - before) * 1000) / (batches * rows);
        perRow.get(variant.name)?.push(micros);
        process.stderr.write(`round ${round + 1} ${variant.name}: ${micros.toFixed(2)} µs per row\n`);
      }
    }

    console.log(`\nengine CPU per stored row (${rounds} rounds of ${batches} batches × ${rows} rows)\n`);
    console.log('| variant | µs per row, median | rounds | encoding, µs per row | what |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const variant of chosen) {
      const figures = perRow.get(variant.name) ?? [];
      const encoding = median(encodeMs.get(variant.name) ?? []);
      console.log(`| ${variant.name} | ${median(figures).toFixed(2)} | ${figures.map((f) => f.toFixed(2)).join(', ')} | ${encoding.toFixed(2)} | ${variant.what} |`);
    }
  } finally {
    await store.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
