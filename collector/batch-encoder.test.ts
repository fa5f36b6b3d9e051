import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchEncoder, payloadLines } from './batch-encoder.ts';

const mib = 1 << 20;

test('a batch encodes as its lines joined by newlines, in UTF-8', () => {
  const cases: { name: string; lines: string[] }[] = [
    { name: 'no rows', lines: [] },
    { name: 'one row', lines: ['["a",1]'] },
    { name: 'several rows', lines: ['["a",1]', '["b",2]', '["c",3]'] },
    { name: 'multi-byte text', lines: ['["café naïve"]', '["Ελληνικά 日本語"]', '["🚀 and \\" and \\\\"]'] },
    { name: 'empty rows kept in place', lines: ['', '["x"]', ''] },
    { name: 'rows past the first MiB', lines: Array.from({ length: 3000 }, (_, i) => `["${'é'.repeat(400)}",${i}]`) },
  ];
  const encoder = new BatchEncoder();
  for (const c of cases) {
    const payload = encoder.encode(c.lines);
    assert.deepEqual(payload, Buffer.from(c.lines.join('\n')), c.name);
    if (c.lines.length > 0) assert.deepEqual(payloadLines(payload), c.lines, c.name);
  }
});

test('the Buffer is kept from batch to batch, and let go after an unusually large one', () => {
  const encoder = new BatchEncoder();
  const small = ['["a"]', '["b"]'];
  const first = encoder.encode(small);
  assert.equal(encoder.encode(small).buffer, first.buffer, 'same memory for the next batch');

  const huge = Array.from({ length: 40 }, () => 'x'.repeat(mib));
  const big = encoder.encode(huge);
  assert.equal(big.length, 40 * mib + 39);
  assert.ok(big.buffer.byteLength >= big.length);

  const after = encoder.encode(small);
  assert.deepEqual(after, Buffer.from(small.join('\n')));
  assert.ok(after.buffer.byteLength <= mib, `a small batch after a huge one gets a small Buffer (${after.buffer.byteLength} bytes)`);
});
