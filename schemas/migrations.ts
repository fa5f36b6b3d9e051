// The ClickHouse migrations: `migrations/NNN_name.sql`, applied in name order by
// core/migrate.ts. The SQL is a template: {{database}}, {{on_cluster}} and {{replicated}}
// are filled in from `storage` (see renderMigration there).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface MigrationFile {
  /** File name without `.sql`, e.g. `001_exchanges`; what schema_migrations records. */
  readonly name: string;
  readonly sql: string;
}

const migrationName = /^\d{3}_[a-z0-9_]+\.sql$/;

/** The folder holding the .sql files, from the sources or from a build under dist/. */
export function migrationsDirectory(): string {
  const beside = fileURLToPath(new URL('./migrations/', import.meta.url));
  if (existsSync(beside)) return beside;
  // tsc does not copy .sql files: dist/schemas/migrations.js reads the package's schemas/.
  return fileURLToPath(new URL('../../schemas/migrations/', import.meta.url));
}

export function loadMigrationFiles(directory: string = migrationsDirectory()): MigrationFile[] {
  return readdirSync(directory)
    .filter((file) => migrationName.test(file))
    .sort()
    .map((file) => ({ name: file.slice(0, -'.sql'.length), sql: readFileSync(`${directory}/${file}`, 'utf8') }));
}
