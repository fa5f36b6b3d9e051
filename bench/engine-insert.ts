// The embedded engine's CPU per stored exchange row, by table and insert variant: what
// storing every exchange costs the engine's threads of a `warmpath start` process
// (BENCHMARKS.md, seventh look). Rows are the collector's own (synthetic records →
// toExchangeRow → serializeRow, content mode `redacted`), inserted as the collector inserts
// them (raw JSONCompactEachRow bytes), in batches of one second of max-throughput
// traffic. A variant's figure is the CPU of every
// thread of this process but the main thread and V8's, from its first insert to 3 s after
// its last (the merges those inserts cause included), divided by the rows inserted.
// Variants run in alternating order round by round; the rows are built before each window,
// and the time to encode them (serializeRow and the collector's BatchEncoder, or RowBinary
// for the `rowbinary-file` variant) is reported beside it: that part is the router's main thread.
//
//   npm run build && node dist/bench/engine-insert.js [--rounds 2] [--batches 20] [--rows 15000] [--only a,b]

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ClickHouseClient } from '@clickhouse/client';
import { BatchEncoder } from '../collector/batch-encoder.ts';
import { exchangeColumns, serializeRow, toExchangeRow, type ExchangeRow } from '../collector/row.ts';
import { syntheticRecord } from '../collector/synthetic.ts';
import { bytesInsert, openClickHouse, type BytesInsert } from '../core/clickhouse.ts';
import { configDefaults } from '../core/config.ts';
import { migrate } from '../core/migrate.ts';
import type { ContentMode } from '../schemas/index.ts';
import { median } from './measure.ts';
import { threadCpuMs } from './proc-stats.ts';

interface Variant {
  readonly name: string;
  readonly what: string;
  /** Statements run on the variant's freshly migrated database (`{db}` replaced). */
  readonly alter?: readonly string[];
  /** Insert into a Null-engine copy of the table: parsing and the insert pipeline only. */
  readonly parseOnly?: boolean;
  readonly settings?: Readonly<Record<string, number>>;
  readonly content?: ContentMode;
  /**
   * Rows as RowBinary written to a file, inserted with INSERT … SELECT FROM file(): chDB's
   * raw insert takes text formats only (with its whitelist patched by hand, RowBinary
   * batches failed part-way with CANNOT_READ_ALL_DATA).
   */
  readonly rowBinaryFile?: boolean;
}

const collectorSettings = { optimize_on_insert: 0 };

const variants: readonly Variant[] = [
  { name: 'as-shipped', what: 'the migrations as they are: ZSTD(3) content, two bloom filters and a minmax index' },
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
  { name: 'rowbinary-file', what: 'rows as RowBinary in a file, INSERT … SELECT FROM file()', rowBinaryFile: true },
];

/**
 * RowBinary of exchange rows in exchangeColumns order, for the types of
 * schemas/migrations/001_exchanges.sql. Strings: LEB128 length, then UTF-8; DateTime64(3)
 * as Int64 milliseconds; Nullable as a null byte then the value; arrays as LEB128 count
 * then the values. Into one Buffer kept between batches.
 */
class RowBinaryEncoder {
  #buffer = Buffer.allocUnsafeSlow(64 << 20);
  #at = 0;

  encode(rows: readonly ExchangeRow[]): Buffer {
    this.#at = 0;
    for (const r of rows) {
      this.#string(r.record_id);
      this.#string(r.kind);
      this.#string(r.pair_id);
      this.#string(r.request_id);
      this.#int64(Date.parse(`${r.ts.replace(' ', 'T')}Z`));
      for (const text of [r.tenant, r.workload, r.feature, r.session, r.route, r.provider, r.model, r.request_model]) this.#string(text);
      this.#byte(r.stream ? 1 : 0);
      this.#uint16(r.status);
      this.#string(r.outcome);
      this.#string(r.error_class);
      this.#byte(r.fallback ? 1 : 0);
      this.#varint(r.attempt_routes.length);
      for (const route of r.attempt_routes) this.#string(route);
      this.#varint(r.attempt_statuses.length);
      for (const status of r.attempt_statuses) this.#uint16(status);
      this.#varint(r.attempt_error_classes.length);
      for (const errorClass of r.attempt_error_classes) this.#string(errorClass);
      this.#varint(r.attempt_latency_ms.length);
      for (const ms of r.attempt_latency_ms) this.#float64(ms);
      this.#float64(r.latency_ms);
      if (r.ttft_ms === null) this.#byte(1);
      else {
        this.#byte(0);
        this.#float64(r.ttft_ms);
      }
      this.#uint32(r.input_tokens);
      this.#uint32(r.output_tokens);
      this.#float64(r.cost_usd);
      for (const text of [r.finish_reason, r.content_mode, r.request_json, r.response_json, r.request_sha256, r.response_sha256]) this.#string(text);
      this.#uint16(r.retention_days);
    }
    return this.#buffer.subarray(0, this.#at);
  }

  #byte(value: number): void {
    this.#buffer[this.#at++] = value;
  }

  #varint(value: number): void {
    let rest = value;
    while (rest >= 0x80) {
      this.#byte((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    this.#byte(rest);
  }

  #string(text: string): void {
    // Short ASCII strings byte by byte: a native utf8Write per field costs more.
    if (text.length < 128) {
      const start = this.#at;
      let ascii = true;
      for (let i = 0; i < text.length; i += 1) {
        const c = text.charCodeAt(i);
        if (c > 127) {
          ascii = false;
          break;
        }
        this.#buffer[start + 1 + i] = c;
      }
      if (ascii) {
        this.#buffer[start] = text.length;
        this.#at = start + 1 + text.length;
        return;
      }
    }
    const bytes = Buffer.byteLength(text);
    this.#varint(bytes);
    this.#at += this.#buffer.write(text, this.#at, 'utf8');
  }

  #uint16(value: number): void {
    this.#at = this.#buffer.writeUInt16LE(value, this.#at);
  }

  #uint32(value: number): void {
    this.#at = this.#buffer.writeUInt32LE(value, this.#at);
  }

  #int64(value: number): void {
    this.#buffer.writeUInt32LE(value % 0x1_0000_0000, this.#at);
    this.#at = this.#buffer.writeUInt32LE(Math.floor(value / 0x1_0000_0000), this.#at + 4);
  }

  #float64(value: number): void {
    this.#at = this.#buffer.writeDoubleLE(value, this.#at);
  }
}

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
  for (const [thread, ms] of threadCpuMs(process.pid)) if (thread !== 'main' && !thread.startsWith('V8')) total += ms;
  return total;
}

/** The table's columns as file()'s structure argument, quoted for a SQL string literal. */
async function columnsOf(client: ClickHouseClient, database: string): Promise<string> {
  const result = await client.query({
    query: `SELECT name, type FROM system.columns WHERE database = {database:String} AND table = 'exchanges' ORDER BY position`,
    query_params: { database },
    format: 'JSONEachRow',
  });
  const columns = new Map((await result.json<{ name: string; type: string }>()).map((c) => [c.name, c.type]));
  const typed = exchangeColumns.map((name) => {
    const type = columns.get(name);
    if (type === undefined) throw new Error(`${database}.exchanges has no column ${name}`);
    return `${name} ${type}`;
  });
  return typed.join(', ').replaceAll("'", "\\'");
}

/**
 * An insert of RowBinary bytes into `database`.`table` through a file in `work`:
 * `INSERT … SELECT FROM file()` with the table's own column types as the file's structure.
 */
async function rowBinaryFileInsert(
  client: ClickHouseClient,
  work: string,
  database: string,
  table: string,
  settings: Readonly<Record<string, number>> = {},
): Promise<BytesInsert> {
  const structure = await columnsOf(client, database);
  const settingsClause = Object.entries(settings).map(([name, value]) => `${name} = ${value}`).join(', ');
  let files = 0;
  return async (body) => {
    const file = join(work, `rowbinary-${(files += 1)}.bin`);
    writeFileSync(file, body);
    try {
      await client.command({
        query: `INSERT INTO ${table} (${exchangeColumns.join(', ')}) SELECT * FROM file('${file}', RowBinary, '${structure}')${settingsClause === '' ? '' : ` SETTINGS ${settingsClause}`}`,
      });
    } finally {
      rmSync(file);
    }
  };
}

/** The RowBinary encoder's rows must read back equal to the collector's JSON rows, or its figure means nothing. */
async function checkRowBinary(client: ClickHouseClient, work: string, encoder: RowBinaryEncoder): Promise<void> {
  const database = 'engine_insert_check';
  await migrate(client, { database, cluster: undefined });
  await client.command({ query: `CREATE TABLE ${database}.exchanges_rowbinary AS ${database}.exchanges` });
  const rows = rowsOf(1000, 0, 'redacted');
  await bytesInsert(client, `${database}.exchanges`, { format: 'JSONCompactEachRow', columns: exchangeColumns })(new BatchEncoder().encode(rows.map(serializeRow)));
  const insert = await rowBinaryFileInsert(client, work, database, `${database}.exchanges_rowbinary`);
  await insert(encoder.encode(rows));
  const digest = (table: string): string =>
    `SELECT toString(count()) AS n, toString(groupBitXor(cityHash64(${exchangeColumns.join(', ')}))) AS h FROM ${database}.${table}`;
  const [json] = await (await client.query({ query: digest('exchanges'), format: 'JSONEachRow' })).json<{ n: string; h: string }>();
  const [binary] = await (await client.query({ query: digest('exchanges_rowbinary'), format: 'JSONEachRow' })).json<{ n: string; h: string }>();
  if (json === undefined || binary === undefined || json.n !== binary.n || json.h !== binary.h || Number(json.n) !== rows.length) {
    throw new Error(`RowBinary rows do not read back as the JSON rows: ${JSON.stringify({ json, binary })}`);
  }
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
    const inserts = new Map<string, BytesInsert>();
    for (const [i, variant] of chosen.entries()) {
      const database = `engine_insert_${i}`;
      await migrate(store.client, { database, cluster: undefined });
      for (const statement of variant.alter ?? []) await store.client.command({ query: statement.replaceAll('{db}', database) });
      let table = `${database}.exchanges`;
      if (variant.parseOnly === true) {
        table = `${database}.exchanges_parse_only`;
        await store.client.command({ query: `CREATE TABLE ${table} ENGINE = Null AS SELECT * FROM ${database}.exchanges WHERE 0` });
      }
      if (variant.rowBinaryFile === true) {
        inserts.set(variant.name, await rowBinaryFileInsert(store.client, work, database, table, collectorSettings));
      } else {
        inserts.set(variant.name, bytesInsert(store.client, table, { format: 'JSONCompactEachRow', columns: exchangeColumns, settings: { ...collectorSettings, ...variant.settings } }));
      }
    }

    if (chosen.some((v) => v.rowBinaryFile === true)) await checkRowBinary(store.client, work, new RowBinaryEncoder());

    const perRow = new Map<string, number[]>(chosen.map((v) => [v.name, []]));
    const encodeMs = new Map<string, number[]>(chosen.map((v) => [v.name, []]));
    const rowBinary = new RowBinaryEncoder();
    const jsonLines = new BatchEncoder();
    let seq = 0;
    for (let round = 0; round < rounds; round += 1) {
      for (const variant of round % 2 === 0 ? chosen : [...chosen].reverse()) {
        let encoding = 0;
        const bodies = Array.from({ length: batches }, () => {
          const batchRows = rowsOf(rows, seq, variant.content ?? 'redacted');
          seq += rows;
          const started = performance.now();
          const encoded = variant.rowBinaryFile === true ? rowBinary.encode(batchRows) : jsonLines.encode(batchRows.map(serializeRow));
          encoding += performance.now() - started;
          // Copied (untimed): both encoders reuse their Buffer for the next batch.
          return Buffer.from(encoded);
        });
        encodeMs.get(variant.name)?.push((encoding * 1000) / (batches * rows));
        const insert = inserts.get(variant.name) as BytesInsert;
        const before = engineCpuMs();
        for (const body of bodies) {
          await insert(body);
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
