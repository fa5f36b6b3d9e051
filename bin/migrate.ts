// `warmpath migrate`: applies the ClickHouse migrations and prints what ran.

import type { Config } from '../schemas/index.ts';
import { createLogger } from './serve.ts';
import { migrateStore, openStore } from './storage.ts';

export async function runMigrate(config: Config): Promise<number> {
  const logger = createLogger(config);
  let store;
  try {
    store = await openStore(config);
  } catch (err) {
    process.stderr.write(`warmpath: ${(err as Error).message}\n`);
    return 1;
  }
  try {
    const report = await migrateStore(store, logger);
    process.stdout.write(`ClickHouse ${store.location}\n`);
    for (const name of report.applied) process.stdout.write(`applied          ${name}\n`);
    for (const name of report.alreadyApplied) process.stdout.write(`already applied  ${name}\n`);
    if (report.applied.length === 0) process.stdout.write('nothing to apply\n');
    return 0;
  } catch (err) {
    process.stderr.write(`warmpath: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}
