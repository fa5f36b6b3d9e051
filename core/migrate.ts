// Applies schemas/migrations/NNN_name.sql in name order, each once: `schema_migrations`
// records what ran. Statements are written idempotently (IF NOT EXISTS), so a migration
// interrupted half-way is simply run again. Runs at `warmpath start|collector` and as
// `warmpath migrate`.
//
// Templates, filled from `storage`:
//   {{database}}    the database (storage.database, or the path of storage.clickhouse)
//   {{on_cluster}}  ` ON CLUSTER `name`` when storage.cluster is set, else nothing
//   {{replicated}}  `Replicated` when storage.cluster is set (ReplicatedReplacingMergeTree
//                   with the server's default_replica_path / default_replica_name), else nothing

import type { ClickHouseClient } from '@clickhouse/client';
import { loadMigrationFiles, type MigrationFile } from '../schemas/index.ts';
import { sha256Hex } from './hash.ts';
import { WarmpathError } from './errors.ts';

export interface MigrationTarget {
  readonly database: string;
  readonly cluster: string | undefined;
}

export interface MigrationReport {
  readonly applied: readonly string[];
  readonly alreadyApplied: readonly string[];
}

export interface MigrateOptions extends MigrationTarget {
  readonly migrations?: readonly MigrationFile[];
  /** Told about migrations whose file changed after they ran (they are not run again). */
  readonly onChanged?: (name: string) => void;
}

function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/** Pure: the statements of one migration file with its templates filled in. */
export function renderMigration(sql: string, target: MigrationTarget): string[] {
  const values: Readonly<Record<string, string>> = {
    database: quoteIdentifier(target.database),
    on_cluster: target.cluster === undefined ? '' : `ON CLUSTER ${quoteIdentifier(target.cluster)}`,
    replicated: target.cluster === undefined ? '' : 'Replicated',
  };
  const filled = sql.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_m, key: string) => {
    const value = values[key];
    if (value === undefined) throw new WarmpathError('STO_MIGRATION_FAILED', `unknown template {{${key}}}`);
    return value;
  });
  return filled
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.replace(/[ \t]+$/gm, '').trim())
    .filter((statement) => statement !== '');
}

/** Pure: the bootstrap statements (database and the migrations table). */
export function bootstrapStatements(target: MigrationTarget): string[] {
  return renderMigration(
    `CREATE DATABASE IF NOT EXISTS {{database}} {{on_cluster}};
CREATE TABLE IF NOT EXISTS {{database}}.schema_migrations {{on_cluster}}
(
    name String,
    sha256 String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{replicated}}ReplacingMergeTree
ORDER BY name;`,
    target,
  );
}

export async function migrate(client: ClickHouseClient, options: MigrateOptions): Promise<MigrationReport> {
  const migrations = options.migrations ?? loadMigrationFiles();
  const table = `${quoteIdentifier(options.database)}.schema_migrations`;
  await run(client, 'bootstrap', bootstrapStatements(options));
  const done = new Map<string, string>();
  try {
    const result = await client.query({ query: `SELECT name, any(sha256) AS sha256 FROM ${table} GROUP BY name`, format: 'JSONEachRow' });
    for (const row of await result.json<{ name: string; sha256: string }>()) done.set(row.name, row.sha256);
  } catch (cause) {
    throw new WarmpathError('STO_MIGRATION_FAILED', `cannot read ${table}: ${(cause as Error).message}`, { cause });
  }
  const applied: string[] = [];
  const alreadyApplied: string[] = [];
  for (const migration of migrations) {
    const sha256 = sha256Hex(migration.sql);
    const previous = done.get(migration.name);
    if (previous !== undefined) {
      alreadyApplied.push(migration.name);
      if (previous !== sha256) options.onChanged?.(migration.name);
      continue;
    }
    await run(client, migration.name, renderMigration(migration.sql, options));
    try {
      await client.insert({ table, values: [{ name: migration.name, sha256 }], format: 'JSONEachRow' });
    } catch (cause) {
      throw new WarmpathError('STO_MIGRATION_FAILED', `${migration.name} ran but could not be recorded: ${(cause as Error).message}`, { cause });
    }
    applied.push(migration.name);
  }
  return { applied, alreadyApplied };
}

async function run(client: ClickHouseClient, name: string, statements: readonly string[]): Promise<void> {
  for (const query of statements) {
    try {
      await client.command({ query });
    } catch (cause) {
      throw new WarmpathError('STO_MIGRATION_FAILED', `${name}: ${(cause as Error).message}`, { cause });
    }
  }
}
