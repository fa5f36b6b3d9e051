// Storage for the verbs that own it (start, collector, migrate): opens ClickHouse as
// `storage.clickhouse` says (relative embedded paths and spool_dir resolve against the
// config file's folder), applies the migrations, and starts the collector.

import { dirname, resolve } from 'node:path';
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { configDefaults, migrate, openClickHouse, resolveStorage, WarmpathError } from '../core/index.ts';
import type { ClickHouseStore, MigrationReport } from '../core/index.ts';
import { startCollector, type Collector, type InsertBatch } from '../collector/index.ts';
import type { Config } from '../schemas/index.ts';

export interface StorageRuntime {
  readonly store: ClickHouseStore;
  readonly migrations: MigrationReport;
  readonly collector: Collector;
  /** Flushes the collector (what ClickHouse does not take stays spooled), then closes the store. */
  close(): Promise<void>;
}

export interface StorageOptions {
  readonly logger: Logger;
  readonly meter?: Meter;
  /** An open store to use (and leave open): one chDB folder per process, shared. The
   *  database is still the config's. */
  readonly store?: ClickHouseStore;
  readonly wrapInsert?: (insert: InsertBatch) => InsertBatch;
}

export function configDir(config: Config): string {
  return dirname(config.source);
}

export async function openStore(config: Config): Promise<ClickHouseStore> {
  const resolved = resolveStorage(config.storage, { baseDir: configDir(config) });
  try {
    return await openClickHouse(config.storage, { baseDir: configDir(config) });
  } catch (cause) {
    const message = (cause as Error).message.split('\n')[0] ?? String(cause);
    const hint = resolved.target.kind === 'embedded' ? ' (the embedded engine takes one process per folder: is another warmpath using it?)' : '';
    throw new WarmpathError('COL_STORAGE_UNAVAILABLE', `cannot open ${resolved.location}: ${message}${hint}`, { cause });
  }
}

export async function migrateStore(store: ClickHouseStore, logger: Pick<Logger, 'warn'>): Promise<MigrationReport> {
  return migrate(store.client, {
    database: store.database,
    cluster: store.cluster,
    onChanged: (name) => logger.warn({ migration: name }, 'migration file changed after it was applied; it is not run again'),
  });
}

export async function startStorage(config: Config, options: StorageOptions): Promise<StorageRuntime> {
  const store =
    options.store === undefined
      ? await openStore(config)
      : { ...options.store, database: resolveStorage(config.storage, { baseDir: configDir(config) }).database };
  try {
    const migrations = await migrateStore(store, options.logger);
    if (migrations.applied.length > 0) options.logger.info({ applied: migrations.applied, database: store.database }, 'ClickHouse migrations applied');
    const s = config.storage;
    const collector = await startCollector({
      client: store.client,
      database: store.database,
      spoolDir: resolve(configDir(config), s.spool_dir),
      spoolMaxBytes: s.spool_max_mb * 1024 * 1024,
      batchMaxRows: s.batch_max_rows,
      batchMaxDelayMs: s.batch_max_delay_ms,
      queueMaxRows: s.queue_max_rows,
      workloads: config.workloads,
      defaultStorage: configDefaults.workload.storage,
      logger: options.logger,
      ...(options.meter === undefined ? {} : { meter: options.meter }),
      ...(options.wrapInsert === undefined ? {} : { wrapInsert: options.wrapInsert }),
    });
    let closing: Promise<void> | undefined;
    return {
      store,
      migrations,
      collector,
      close: () =>
        (closing ??= (async () => {
          await collector.shutdown();
          if (options.store === undefined) await store.close();
        })()),
    };
  } catch (err) {
    if (options.store === undefined) await store.close();
    throw err;
  }
}

/**
 * startStorage for a process that owns its telemetry: a failed start shuts the telemetry
 * down before the error goes on.
 */
export async function startStorageOrShutdown(
  config: Config,
  telemetry: { readonly meter: Meter; shutdown(): Promise<void> },
  options: Omit<StorageOptions, 'meter'> & { readonly store?: ClickHouseStore | undefined; readonly wrapInsert?: ((insert: InsertBatch) => InsertBatch) | undefined },
): Promise<StorageRuntime> {
  try {
    return await startStorage(config, {
      logger: options.logger,
      meter: telemetry.meter,
      ...(options.store === undefined ? {} : { store: options.store }),
      ...(options.wrapInsert === undefined ? {} : { wrapInsert: options.wrapInsert }),
    });
  } catch (err) {
    await telemetry.shutdown();
    throw err;
  }
}
