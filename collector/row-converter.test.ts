import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import type { ExchangeRecord, WorkloadStorage } from '../schemas/index.ts';
import { convertBatch, storageOf, type StorageMap } from './row-batch.ts';
import { RowConverter, type RowConverterOptions } from './row-converter.ts';
import { serializeRow, toExchangeRow } from './row.ts';
import { syntheticRecord } from './synthetic.ts';

const storage: StorageMap = {
  workloads: {
    full: { content: 'full', retention_days: 7 },
    redacted: { content: 'redacted', retention_days: 14 },
    hash: { content: 'hash', retention_days: 21 },
    none: { content: 'none', retention_days: 28 },
  },
  fallback: { content: 'redacted', retention_days: 30 },
};
const workloadNames = ['full', 'redacted', 'hash', 'none', 'unknown', 'constructor'];

/** Records across every content mode, a workload the map does not name, and one named like an Object member. */
function mixedRecords(from: number, n: number): ExchangeRecord[] {
  return Array.from({ length: n }, (_, i) => syntheticRecord(from + i, { workload: workloadNames[(from + i) % workloadNames.length] as string }));
}

/** The lines the collector converted in-thread before the worker existed. */
function expectedLines(records: readonly ExchangeRecord[]): string[] {
  return records.map((r) => serializeRow(toExchangeRow(r, storageOf(storage, r.workload))));
}

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

interface Received {
  lines: string[];
  records: number;
  unconvertible: string[];
}

function converter(extra: Partial<RowConverterOptions> = {}): { converter: RowConverter; received: Received; logs: string[] } {
  const received: Received = { lines: [], records: 0, unconvertible: [] };
  const logs: string[] = [];
  const logger = { info: () => {}, warn: (_o: object, msg: string) => void logs.push(msg), error: (_o: object, msg: string) => void logs.push(msg) };
  const c = new RowConverter({
    storage,
    logger,
    onConverted: (rows, records, unconvertible) => {
      const text = rows.bytes.toString();
      const lines = text === '' ? [] : text.split('\n');
      assert.equal(lines.length, rows.rows, 'a block holds as many lines as it says');
      received.lines.push(...lines);
      received.records += records;
      received.unconvertible.push(...unconvertible.map((u) => u.record_id));
    },
    ...extra,
  });
  return { converter: c, received, logs };
}

test('storage settings by workload: configured ones, else the fallback (also for names like Object members)', () => {
  const cases: { workload: string; expected: WorkloadStorage }[] = [
    { workload: 'full', expected: storage.workloads.full as WorkloadStorage },
    { workload: 'none', expected: storage.workloads.none as WorkloadStorage },
    { workload: 'elsewhere', expected: storage.fallback },
    { workload: 'constructor', expected: storage.fallback },
    { workload: '__proto__', expected: storage.fallback },
  ];
  for (const c of cases) assert.deepEqual(storageOf(storage, c.workload), c.expected, c.workload);
});

test('a converted batch: the rows in order, unconvertible records left out and named, in memory of its own', () => {
  const broken = { ...syntheticRecord(3), record_id: 'broken', ts: 'not a time' };
  const cases: { name: string; records: ExchangeRecord[]; unconvertible: string[] }[] = [
    { name: 'no records', records: [], unconvertible: [] },
    { name: 'one record', records: mixedRecords(0, 1), unconvertible: [] },
    { name: 'every content mode', records: mixedRecords(0, 12), unconvertible: [] },
    { name: 'an invalid time among them', records: [...mixedRecords(0, 2), broken, ...mixedRecords(2, 2)], unconvertible: ['broken'] },
  ];
  for (const c of cases) {
    const batch = convertBatch(c.records, storage);
    const valid = c.records.filter((r) => !c.unconvertible.includes(r.record_id));
    assert.equal(batch.bytes.toString(), expectedLines(valid).join('\n'), c.name);
    assert.equal(batch.rows, valid.length, c.name);
    assert.deepEqual(batch.unconvertible.map((u) => u.record_id), c.unconvertible, c.name);
    // Transferring a slice of Node's shared pool would detach the pool for everyone.
    assert.equal(batch.bytes.byteOffset, 0, c.name);
    assert.equal(batch.bytes.buffer.byteLength, batch.bytes.length, c.name);
  }
});

test('the worker hands back exactly the rows in-thread conversion gives, in the order added', async () => {
  const { converter: c, received } = converter({ maxBatchRecords: 7 });
  const records = mixedRecords(0, 500);
  for (const r of records) c.add(r);
  assert.ok(c.onWorker);
  await c.close();
  assert.equal(received.records, 500);
  assert.deepEqual(received.lines, expectedLines(records));
});

test('a partial batch goes after the delay, without a flush', async () => {
  const { converter: c, received } = converter({ maxDelayMs: 5 });
  const records = mixedRecords(0, 3);
  for (const r of records) c.add(r);
  const deadline = Date.now() + 5_000;
  while (received.records < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(received.lines, expectedLines(records));
  await c.close();
});

test('an unconvertible record is reported by id, the others of its batch are converted', async () => {
  const { converter: c, received } = converter();
  const records = [...mixedRecords(0, 3), { ...syntheticRecord(9), record_id: 'bad-ts', ts: '2026-13-45T99:99:99Z' }, ...mixedRecords(3, 3)];
  for (const r of records) c.add(r);
  await c.close();
  assert.equal(received.records, 7);
  assert.deepEqual(received.unconvertible, ['bad-ts']);
  assert.deepEqual(received.lines, expectedLines(records.filter((r) => r.record_id !== 'bad-ts')));
});

test('a batch JSON cannot hold is converted in-thread, in its place in the order', async () => {
  const { converter: c, received, logs } = converter({ maxBatchRecords: 4 });
  // A BigInt: JSON.stringify refuses it, so the batch never reaches the worker, and the
  // row's JSON refuses it too, so that record alone is reported.
  const odd = { ...syntheticRecord(4), record_id: 'bigint', latency_ms: 12n } as unknown as ExchangeRecord;
  const records = [...mixedRecords(0, 4), ...mixedRecords(4, 3), odd, ...mixedRecords(8, 8)];
  for (const r of records) c.add(r);
  await c.close();
  assert.deepEqual(received.lines, expectedLines(records.filter((r) => r !== odd)));
  assert.deepEqual(received.unconvertible, ['bigint']);
  assert.equal(received.records, records.length);
  assert.equal(logs.filter((m) => /could not be posted/.test(m)).length, 1);
});

test('batches JSON cannot hold are logged once per run of them, not per batch', async () => {
  const logs: string[] = [];
  const log = (level: string) => (fields: object, msg: string) => void logs.push(`${level} ${msg} ${JSON.stringify(fields, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`);
  const { converter: c, received } = converter({ maxBatchRecords: 2, logger: { info: log('info'), warn: log('warn'), error: log('error') } });
  const odd = (i: number): ExchangeRecord => ({ ...syntheticRecord(i), record_id: `bigint-${i}`, latency_ms: 1n }) as unknown as ExchangeRecord;
  // Three unpostable batches in a row, a good one, then one more unpostable batch.
  const records = [odd(0), ...mixedRecords(1, 1), odd(2), ...mixedRecords(3, 1), odd(4), ...mixedRecords(5, 1), ...mixedRecords(6, 2), odd(8), ...mixedRecords(9, 1)];
  for (const r of records) c.add(r);
  await c.close();
  const posting = logs.filter((m) => /row converter/.test(m));
  assert.equal(posting.length, 3, posting.join('\n'));
  assert.match(posting[0] as string, /^warn exchange records could not be posted/);
  assert.match(posting[1] as string, /^info exchange records post to the row converter again \{"batches":3\}/);
  assert.match(posting[2] as string, /^warn exchange records could not be posted/);
  assert.equal(received.records, records.length);
  assert.deepEqual(received.unconvertible, ['bigint-0', 'bigint-2', 'bigint-4', 'bigint-8']);
});

test('while the worker is behind, this thread converts batches too; the order holds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warmpath-row-worker-'));
  const script = join(dir, 'slow.mjs');
  // The real worker behind a listener that makes every batch take 30 ms longer.
  const real = new URL('./row-worker.ts', import.meta.url).href;
  writeFileSync(script, `import { parentPort } from 'node:worker_threads';\nconst pause = new Int32Array(new SharedArrayBuffer(4));\nparentPort.on('message', () => Atomics.wait(pause, 0, 0, 30));\nawait import(${JSON.stringify(real)});\n`);
  const { converter: c, received } = converter({ maxBatchRecords: 10, workerUrl: pathToFileURL(script) });
  const records = mixedRecords(0, 100);
  for (const r of records) c.add(r);
  await c.close();
  assert.deepEqual(received.lines, expectedLines(records));
  assert.deepEqual(c.batches, { onWorker: 2, here: 8 }, 'two batches at the worker, the rest converted here');
});

test('a worker that keeps up gets every batch', async () => {
  const { converter: c, received } = converter({ maxBatchRecords: 10 });
  const records = mixedRecords(0, 60);
  for (const [i, r] of records.entries()) {
    c.add(r);
    // Each full batch is answered before the next is posted.
    if (i % 10 === 9) while (c.backlog > 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await c.close();
  assert.deepEqual(received.lines, expectedLines(records));
  assert.deepEqual(c.batches, { onWorker: 6, here: 0 });
});

test('a worker that dies: what it held and everything after is converted in-thread, nothing lost, logged once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warmpath-row-worker-'));
  const script = join(dir, 'dies.mjs');
  writeFileSync(script, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(3));\n");
  const { converter: c, received, logs } = converter({ maxBatchRecords: 10, workerUrl: pathToFileURL(script) });
  const first = mixedRecords(0, 40);
  for (const r of first) c.add(r);
  const deadline = Date.now() + 5_000;
  while (c.onWorker && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(c.onWorker, false, 'the converter noticed the worker is gone');
  const later = mixedRecords(40, 25);
  for (const r of later) c.add(r);
  await c.close();
  assert.deepEqual(received.lines, expectedLines([...first, ...later]));
  assert.equal(logs.filter((m) => /row converter worker failed/.test(m)).length, 1);
});

test('without a worker (useWorker false) the same rows come out', async () => {
  const { converter: c, received } = converter({ useWorker: false, maxBatchRecords: 16 });
  const records = mixedRecords(0, 100);
  for (const r of records) c.add(r);
  assert.equal(c.onWorker, false);
  await c.close();
  assert.deepEqual(received.lines, expectedLines(records));
});
