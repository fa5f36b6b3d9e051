// A collector over this test file's embedded store, in a database of its own.

import { pino } from 'pino';
import { stringify } from 'yaml';
import { parseConfig, type ClickHouseStore } from '../../core/index.ts';
import { startCollector, type Collector, type CollectorOptions } from '../../collector/index.ts';
import type { WorkloadConfig } from '../../schemas/index.ts';
import { tempDir, testDatabase } from './clickhouse.ts';
import { route } from './warmpath.ts';

export const silentLogger = pino({ level: 'silent' });

/** Workloads named after their content mode: full, redacted, hash, none (retention 7 days). */
export function workloadsByMode(): Readonly<Record<string, WorkloadConfig>> {
  const modes = ['full', 'redacted', 'hash', 'none'];
  const config = parseConfig(
    stringify({
      providers: { sim: { kind: 'simulated' } },
      routes: { a: route('sim', 'm') },
      workloads: Object.fromEntries(modes.map((m) => [m, { primary: 'a', storage: { content: m, retention_days: 7 } }])),
    }),
    'test.yaml',
  );
  return config.workloads;
}

export interface TestCollector extends Collector {
  readonly store: ClickHouseStore;
  readonly spoolDir: string;
}

export async function testCollector(database: string, extra: Partial<CollectorOptions> = {}): Promise<TestCollector> {
  const store = await testDatabase(database);
  const spoolDir = extra.spoolDir ?? tempDir('spool');
  const collector = await startCollector({
    client: store.client,
    database,
    spoolDir,
    spoolMaxBytes: 64 * 1024 * 1024,
    batchMaxRows: 1000,
    batchMaxDelayMs: 20,
    queueMaxRows: 10_000,
    workloads: workloadsByMode(),
    defaultStorage: { content: 'redacted', retention_days: 30 },
    logger: silentLogger,
    retryInitialMs: 20,
    retryMaxMs: 100,
    ...extra,
  });
  return { ...collector, store, spoolDir };
}
