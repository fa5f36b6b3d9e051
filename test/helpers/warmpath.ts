// Starts a real warmpath (router + admin listeners on ephemeral 127.0.0.1 ports) from a
// config object, the way `warmpath start` does, with a recording sink.

import { pino } from 'pino';
import { stringify } from 'yaml';
import { parseConfig } from '../../core/index.ts';
import type { ClickHouseStore, Clock, Random } from '../../core/index.ts';
import { serve, RecentRecords, type RunningServices } from '../../bin/serve.ts';
import type { EligibilitySource } from '../../router/index.ts';
import type { Config, ExchangeRecord } from '../../schemas/index.ts';
import { tempDir } from './clickhouse.ts';

export interface TestWarmpath extends RunningServices {
  readonly config: Config;
  readonly records: ExchangeRecord[];
  /** Resolves once `count` records have been written (records are written after the answer). */
  waitForRecords(count: number, timeoutMs?: number): Promise<ExchangeRecord[]>;
}

export const usPolicy = { region: 'us', retention_days: 0, logs_prompts: false, data_classes: ['public', 'pii'], tools: true };

export function route(provider: string, model: string, extra: Record<string, unknown> = {}) {
  return { provider, model, price: { input_per_mtok: 1, output_per_mtok: 2 }, policy: usPolicy, ...extra };
}

export async function startWarmpath(
  config: Record<string, unknown>,
  options: {
    clock?: Clock;
    random?: Random;
    eligibility?: EligibilitySource;
    /** Store records in this embedded ClickHouse too (database: config storage.database, default warmpath). */
    store?: ClickHouseStore;
  } = {},
): Promise<TestWarmpath> {
  const storage = options.store === undefined ? config.storage : { spool_dir: tempDir('spool'), ...(config.storage as object) };
  const text = stringify({
    ...config,
    ...(storage === undefined ? {} : { storage }),
    server: { listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0', shutdown_grace_ms: 2000, ...(config.server as object) },
  });
  const parsed = parseConfig(text, 'test.yaml');
  const sink = new RecentRecords(10_000);
  const { store, ...rest } = options;
  const services = await serve(parsed, {
    ...rest,
    ...(store === undefined ? { sink } : { store, tee: sink }),
    logger: pino({ level: 'silent' }),
  });
  return {
    ...services,
    config: parsed,
    records: sink.records,
    async waitForRecords(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (sink.records.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} records, have ${sink.records.length}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return sink.records;
    },
  };
}
