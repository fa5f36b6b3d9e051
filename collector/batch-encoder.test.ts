import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchEncoder, splitAfterRows, splitRows } from './batch-encoder.ts';
import { encodeRows } from './row-batch.ts';

const mib = 1 << 20;

test('rows encode as their lines joined by newlines, in UTF-8', () => {
  const cases: { name: string; lines: string[] }[] = [
    { name: 'no rows', lines: [] },
    { name: 'one row', lines: ['["a",1]'] },
    { name: 'several rows', lines: ['["a",1]', '["b",2]', '["c",3]'] },
    { name: 'multi-byte text', lines: ['["café naïve"]', '["Ελληνικά 日本語"]', '["🚀 and \\" and \\\\"]'] },
    { name: 'empty rows kept in place', lines: ['', '["x"]', ''] },
    { name: 'rows past the first MiB', lines: Array.from({ length: 3000 }, (_, i) => `["${'é'.repeat(400)}",${i}]`) },
  ];
  for (const c of cases) {
    const payload = encodeRows(c.lines);
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
    const payload = encodeRows(c.lines);
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
  const smallBlocks = small.map((line) => Buffer.from(line));
  const first = encoder.join(smallBlocks);
  assert.equal(encoder.join(smallBlocks).buffer, first.buffer, 'same memory for the next batch');

  const huge = Array.from({ length: 40 }, () => Buffer.from('x'.repeat(mib)));
  const big = encoder.join(huge);
  assert.equal(big.length, 40 * mib + 39);
  assert.ok(big.buffer.byteLength >= big.length);

  const after = encoder.join(smallBlocks);
  assert.deepEqual(after, Buffer.from(small.join('\n')));
  assert.ok(after.buffer.byteLength <= mib, `a small batch after a huge one gets a small Buffer (${after.buffer.byteLength} bytes)`);
});

test('encoded blocks join into one payload, newline-separated, blocks without rows adding nothing', () => {
  const cases: { name: string; blocks: string[][] }[] = [
    { name: 'no blocks', blocks: [] },
    { name: 'one block', blocks: [['["a",1]', '["b",2]']] },
    { name: 'several blocks', blocks: [['["a"]'], ['["b"]', '["c"]'], ['["d"]']] },
    { name: 'empty blocks around and between', blocks: [[], ['["a"]'], [], [], ['["b"]'], []] },
    { name: 'multi-byte text', blocks: [['["café"]'], ['["日本語"]', '["🚀"]']] },
    { name: 'past the first MiB', blocks: Array.from({ length: 30 }, (_, i) => Array.from({ length: 100 }, () => `["${'é'.repeat(400)}",${i}]`)) },
  ];
  const encoder = new BatchEncoder();
  for (const c of cases) {
    const payload = encoder.join(c.blocks.map((lines) => Buffer.from(lines.join('\n'))));
    assert.equal(payload.toString(), c.blocks.flat().join('\n'), c.name);
  }
});

test('a block cuts after its first n rows, as views of the same bytes', () => {
  const lines = ['["a"]', '["é"]', '', '["日本"]', '["z"]'];
  const block = Buffer.from(lines.join('\n'));
  for (let n = 1; n < lines.length; n += 1) {
    const [first, rest] = splitAfterRows(block, n);
    assert.equal(first.toString(), lines.slice(0, n).join('\n'), `first ${n}`);
    assert.equal(rest.toString(), lines.slice(n).join('\n'), `rest after ${n}`);
    assert.equal(first.buffer, block.buffer, 'no copy');
  }
});
