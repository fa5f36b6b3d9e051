import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchEncoder, splitRows } from './batch-encoder.ts';

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
  }
});

test('a payload splits at the newline after its first half of rows, as views of the same bytes', () => {
  const cases: { name: string; lines: string[] }[] = [
    { name: 'two rows', lines: ['["a",1]', '["b",2]'] },
    { name: 'odd count: the first half takes the extra row', lines: ['["a"]', '["b"]', '["c"]'] },
    { name: 'multi-byte text', lines: ['["café"]', '["日本語"]', '["🚀"]', '["x"]'] },
    { name: 'empty rows kept in place', lines: ['', '["x"]', '', ''] },
  ];
  for (const c of cases) {
    const payload = new BatchEncoder().encode(c.lines);
    const [first, firstRows, rest, restRows] = splitRows(payload, c.lines.length);
    const half = Math.ceil(c.lines.length / 2);
    assert.deepEqual([firstRows, restRows], [half, c.lines.length - half], c.name);
    assert.equal(first.toString(), c.lines.slice(0, half).join('\n'), c.name);
    assert.equal(rest.toString(), c.lines.slice(half).join('\n'), c.name);
    assert.equal(first.buffer, payload.buffer, `${c.name}: no copy`);
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
