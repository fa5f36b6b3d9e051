// The row converter's worker thread (row-converter.ts): a batch of records in (JSON text),
// its rows out as one transferred Buffer.

import { parentPort, workerData } from 'node:worker_threads';
import type { ExchangeRecord } from '../schemas/index.ts';
import { convertBatch, type StorageMap } from './row-batch.ts';

const storage = workerData as StorageMap;
const port = parentPort;
if (port === null) throw new Error('row-worker.ts runs as a worker thread of the row converter');

port.on('message', (text: string) => {
  const batch = convertBatch(JSON.parse(text) as ExchangeRecord[], storage);
  const buffer = batch.bytes.buffer as ArrayBuffer;
  port.postMessage({ buffer, rows: batch.rows, unconvertible: batch.unconvertible }, [buffer]);
});
