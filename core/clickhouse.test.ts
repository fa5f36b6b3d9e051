// What storage.clickhouse names, and the migrations' templates rendered for a single
// server and for a cluster (no cluster here to run them on: the rendered SQL is the test).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configDefaults } from './config.ts';
import { resolveStorage } from './clickhouse.ts';
import { bootstrapStatements, renderMigration } from './migrate.ts';
import { loadMigrationFiles } from '../schemas/index.ts';
import type { StorageConfig } from '../schemas/index.ts';

const storage = (clickhouse: string, extra: Partial<StorageConfig> = {}): StorageConfig => ({ ...configDefaults.storage, cluster: undefined, clickhouse, ...extra });

const cases = [
  { name: 'embedded, relative to the config folder', spec: 'embedded:./data', want: { target: { kind: 'embedded', path: '/etc/warmpath/data' }, database: 'warmpath', location: 'embedded:/etc/warmpath/data' } },
  { name: 'embedded, absolute', spec: 'embedded:/var/lib/warmpath', want: { target: { kind: 'embedded', path: '/var/lib/warmpath' }, database: 'warmpath', location: 'embedded:/var/lib/warmpath' } },
  { name: 'embedded in memory', spec: 'embedded:memory', want: { target: { kind: 'embedded', path: ':memory:' }, database: 'warmpath', location: 'embedded:memory' } },
  {
    name: 'https with credentials and a database path',
    spec: 'https://writer:p%40ss@ch.example.com:8443/analytics',
    want: { target: { kind: 'server', url: 'https://ch.example.com:8443', username: 'writer', password: 'p@ss' }, database: 'analytics', location: 'https://ch.example.com:8443/analytics' },
  },
  {
    name: 'http without credentials: user default, database from storage.database',
    spec: 'http://localhost:8123',
    want: { target: { kind: 'server', url: 'http://localhost:8123', username: 'default', password: '' }, database: 'warmpath', location: 'http://localhost:8123/warmpath' },
  },
];

for (const c of cases) {
  test(`resolveStorage: ${c.name}`, () => {
    const { target, database, location } = resolveStorage(storage(c.spec), { baseDir: '/etc/warmpath' });
    assert.deepEqual({ target, database, location }, c.want);
  });
}

test('resolveStorage refuses a bad database name in the URL', () => {
  assert.throws(() => resolveStorage(storage('https://h:8443/bad-name')), { code: 'CFG_INVALID' });
});

test('renderMigration without a cluster: plain engines, no ON CLUSTER', () => {
  const sql = 'CREATE TABLE IF NOT EXISTS {{database}}.t {{on_cluster}} (x UInt8)\nENGINE = {{replicated}}ReplacingMergeTree\nORDER BY x;\n-- a comment; with a semicolon\nSELECT 1;';
  assert.deepEqual(renderMigration(sql, { database: 'warmpath', cluster: undefined }), [
    'CREATE TABLE IF NOT EXISTS `warmpath`.t  (x UInt8)\nENGINE = ReplacingMergeTree\nORDER BY x',
    'SELECT 1',
  ]);
});

test('renderMigration with storage.cluster: ON CLUSTER and Replicated engines', () => {
  const statements = bootstrapStatements({ database: 'wp', cluster: 'main' });
  assert.deepEqual(statements, [
    'CREATE DATABASE IF NOT EXISTS `wp` ON CLUSTER `main`',
    "CREATE TABLE IF NOT EXISTS `wp`.schema_migrations ON CLUSTER `main`\n(\n    name String,\n    sha256 String,\n    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)\n)\nENGINE = ReplicatedReplacingMergeTree\nORDER BY name",
  ]);
});

test('every shipped migration renders for a cluster: each statement clustered and replicated', () => {
  for (const migration of loadMigrationFiles()) {
    for (const statement of renderMigration(migration.sql, { database: 'wp', cluster: 'main' })) {
      assert.doesNotMatch(statement, /\{\{/, `${migration.name}: unfilled template`);
      if (/^CREATE (TABLE|MATERIALIZED VIEW|VIEW|DATABASE)/.test(statement)) assert.match(statement, /ON CLUSTER `main`/, `${migration.name}: ${statement.slice(0, 60)}`);
      if (/ENGINE = \w*MergeTree/.test(statement)) assert.match(statement, /ENGINE = Replicated\w*MergeTree/, `${migration.name}: engine not replicated`);
    }
  }
});

test('an unknown template is an error, not silent SQL', () => {
  assert.throws(() => renderMigration('CREATE TABLE {{databse}}.t (x UInt8)', { database: 'wp', cluster: undefined }), { code: 'STO_MIGRATION_FAILED' });
});

test('migration file names are NNN_name.sql and unique by number', () => {
  const names = loadMigrationFiles().map((m) => m.name);
  assert.ok(names.includes('001_exchanges'));
  assert.equal(new Set(names.map((n) => n.slice(0, 3))).size, names.length);
});
