// The evaluator on its worker thread, as `warmpath start` runs it: SQL answered by the
// host's client on the real embedded ClickHouse, the feed relayed to the host's publisher,
// log lines to the host's logger, ClickHouse errors back to the caller, and a clean stop.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { toExchangeRow } from '../collector/row.ts';
import { parseConfig } from '../core/index.ts';
import { FeedPublisher } from '../evaluator/feed.ts';
import { clientSql } from '../evaluator/store-sql.ts';
import { startEvaluatorThread } from '../evaluator/thread.ts';
import type { ExchangeRecord } from '../schemas/index.ts';
import { rows, testDatabase } from './helpers/clickhouse.ts';
import { answerRecord } from './helpers/answers.ts';
import { route } from './helpers/warmpath.ts';

const config = parseConfig(
  stringify({
    providers: { sim: { kind: 'simulated' } },
    routes: { main: route('sim', 'm'), backup: route('sim', 'b') },
    workloads: {
      support: {
        primary: 'main',
        secondaries: ['backup'],
        parity: { window: '1h', min_samples: 5, warm_within: '10m', min_pass_rate: 0.8, enter_after: 1, min_similarity: 0.5 },
        storage: { content: 'full', retention_days: 30 },
      },
    },
    evaluator: { interval: '1h', min_twins: 3 },
  }),
  'thread.yaml',
);

const request = { messages: [{ role: 'user' as const, content: 'Where is my parcel?' }] };
const record = (kind: ExchangeRecord['kind'], ts: number, routeName: string, content: string, pairId?: string): ExchangeRecord =>
  answerRecord(kind, ts, routeName, content, request, pairId);

/** A pino logger whose lines are kept. */
function capturingLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

test('on its thread the evaluator scores stored pairs, writes parity rows and feeds the host publisher', async () => {
  const db = await testDatabase('evaluator_thread');
  const now = Date.now();
  const answer = 'Your parcel left the depot this morning and should arrive tomorrow before noon.';
  const records: ExchangeRecord[] = [];
  for (let i = 0; i < 20; i++) {
    const primary = record('primary', now - 30_000 + i, 'main', answer);
    records.push(primary, record('shadow', now - 30_000 + i, 'backup', answer, primary.record_id), record('twin', now - 30_000 + i, 'main', answer, primary.record_id));
  }
  await db.client.insert({ table: `${db.database}.exchanges`, values: records.map((r) => toExchangeRow(r, config.workloads.support!.storage)), format: 'JSONEachRow' });

  const publisher = new FeedPublisher(60_000);
  const { logger } = capturingLogger();
  const evaluator = startEvaluatorThread({ config, database: db.database, sql: clientSql(db.client), publisher, logger });
  try {
    await evaluator.restore();
    assert.equal(evaluator.lastRun(), undefined);
    const run = await evaluator.runOnce();
    assert.deepEqual(run, { scored: 20, twins: 20, changes: 1 });
    assert.ok((evaluator.lastRun() ?? 0) >= now, 'the thread reports when its run completed');
    const backup = publisher.current?.routes.find((e) => e.route === 'backup');
    assert.equal(backup?.eligible, true, `the host's publisher has the thread's feed: ${backup?.reasons.join('; ')}`);
    const stored = await rows<{ kind: string; n: string }>(db, `SELECT kind, count() AS n FROM ${db.database}.parity_results GROUP BY kind ORDER BY kind`);
    assert.deepEqual(stored.map((r) => [r.kind, Number(r.n)]), [['shadow', 20], ['twin', 20]]);
  } finally {
    await evaluator.stop();
  }
  await assert.rejects(evaluator.runOnce(), /evaluator thread exited/, 'a stopped thread takes no more calls');
});

test("a ClickHouse error reaches the caller, and the thread's log lines reach the host's logger", async () => {
  const db = await testDatabase('evaluator_thread_errors');
  const { logger, lines } = capturingLogger();
  // A database without the evaluator's tables: every query fails in ClickHouse.
  const evaluator = startEvaluatorThread({ config, database: `${db.database}_missing`, sql: clientSql(db.client), publisher: new FeedPublisher(60_000), logger });
  try {
    await assert.rejects(evaluator.restore(), /Database evaluator_thread_errors_missing does not exist/);
    evaluator.start();
    const deadline = Date.now() + 10_000;
    while (!lines.some((l) => l.msg === 'evaluation failed; retrying next interval') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const failed = lines.find((l) => l.msg === 'evaluation failed; retrying next interval');
    assert.equal(failed?.level, 50, `the run's failure is logged at error level through the host: ${JSON.stringify(lines)}`);
    assert.match(JSON.stringify(failed?.err), /_missing/, 'with the error that names what was missing');
  } finally {
    await evaluator.stop();
  }
});
