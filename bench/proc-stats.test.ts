import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { threadCpu, threadCpuSpent, type ThreadCpu } from './proc-stats.ts';

const reading = (threads: Record<string, [name: string, cpuMs: number]>): ThreadCpu =>
  new Map(Object.entries(threads).map(([tid, [name, cpuMs]]) => [tid, { name, cpuMs }]));

describe('threadCpuSpent: CPU between two readings, thread by thread, summed by name', () => {
  const cases = [
    {
      name: 'threads that keep their names',
      before: reading({ 1: ['main', 1000], 2: ['V8Worker', 300], 3: ['V8Worker', 200] }),
      after: reading({ 1: ['main', 1900], 2: ['V8Worker', 350], 3: ['V8Worker', 260] }),
      want: { main: 900, V8Worker: 110 },
    },
    {
      // By name, QueryPipelineEx would have got the thread's 5,040 ms since it started,
      // and ThreadPool's 5,000 ms before it would never have been taken off.
      name: 'a pooled engine thread that took a query: its 40 ms, under its name now',
      before: reading({ 1: ['main', 1000], 7: ['ThreadPool', 5000], 8: ['ThreadPool', 100] }),
      after: reading({ 1: ['main', 1500], 7: ['QueryPipelineEx', 5040], 8: ['ThreadPool', 130] }),
      want: { main: 500, QueryPipelineEx: 40, ThreadPool: 30 },
    },
    {
      name: 'a thread started in between counts from zero; one that ended is lost',
      before: reading({ 1: ['main', 1000], 9: ['MergeMutate', 800] }),
      after: reading({ 1: ['main', 1200], 10: ['MergeMutate', 60] }),
      want: { main: 200, MergeMutate: 60 },
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(Object.fromEntries(threadCpuSpent(c.before, c.after)), c.want));
});

test('threadCpu reads this process: its main thread as "main", by thread id', () => {
  const threads = threadCpu(process.pid);
  assert.equal(threads.get(String(process.pid))?.name, 'main');
  assert.ok([...threads.values()].every((t) => t.cpuMs >= 0 && t.name.length > 0));
});
