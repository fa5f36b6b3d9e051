import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PendingReplies } from './thread-protocol.ts';

test('PendingReplies: each reply settles the question with its id, once; rejectAll fails the rest', async () => {
  const replies = new PendingReplies<string>();
  const sent: number[] = [];
  const first = replies.ask((id) => sent.push(id));
  const second = replies.ask((id) => sent.push(id));
  const third = replies.ask((id) => sent.push(id));
  assert.equal(new Set(sent).size, 3, 'every question gets its own id');
  replies.settle(sent[1]!, undefined, 'two');
  replies.settle(sent[0]!, 'Database x does not exist', '');
  replies.settle(sent[1]!, undefined, 'late duplicate');
  assert.equal(await second, 'two');
  await assert.rejects(first, /Database x does not exist/);
  replies.rejectAll(new Error('the evaluator thread exited (code 1)'));
  await assert.rejects(third, /exited/);
});
