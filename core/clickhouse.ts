// The one ClickHouse client factory. Every SQL statement warmpath runs goes through
// `@clickhouse/client`; `storage.clickhouse` picks the transport:
//
//   embedded:PATH    chDB in this process (PATH relative to the config file's folder)
//   embedded:memory  chDB in a temporary folder removed on close (tests, demos)
//   http(s)://user:pass@host:port[/database]   a ClickHouse server or cluster
//
// chDB binds one data folder per process: a second folder in the same process fails, and
// a second process on the same folder fails with Code 76 (cannot lock file).

import { rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions, type ClickHouseSettings } from '@clickhouse/client';
import type { ChdbConnection } from 'chdb/connection';
import type { StorageConfig } from '../schemas/index.ts';
import { ConfigError } from './errors.ts';

export type StorageTarget =
  | { readonly kind: 'embedded'; readonly path: string }
  | { readonly kind: 'server'; readonly url: string; readonly username: string; readonly password: string };

export interface ResolvedStorage {
  readonly target: StorageTarget;
  readonly database: string;
  readonly cluster: string | undefined;
  /** Where the data lives, without credentials: for banners and logs. */
  readonly location: string;
}

export interface ClickHouseStore extends ResolvedStorage {
  readonly client: ClickHouseClient;
  close(): Promise<void>;
}

export interface ClickHouseOptions {
  /** Folder a relative `embedded:PATH` is resolved against (the config file's folder). */
  readonly baseDir?: string;
}

type ClientConnection = NonNullable<ClickHouseClientConfigOptions['connection']>;

const databaseName = /^[A-Za-z_][A-Za-z0-9_]*$/;

const embeddedConnections = new WeakMap<ClickHouseClient, ChdbConnection>();

/** True for a client on embedded chDB (openClickHouse/createClickHouse made it). */
export function isEmbeddedClient(client: ClickHouseClient): boolean {
  return embeddedConnections.has(client);
}

/** Row formats a bytes insert takes: one JSON row per line, or RowBinary rows back to back. */
export type RowsFormat = 'JSONEachRow' | 'JSONCompactEachRow' | 'RowBinary';

/** Inserts a body of rows already encoded; resolves once they are stored. */
export type BytesInsert = (body: Buffer) => Promise<void>;

export interface BytesInsertOptions {
  readonly format: RowsFormat;
  /** Needed for the positional formats (JSONCompactEachRow, RowBinary); JSONEachRow rows name their columns. */
  readonly columns?: readonly string[];
  /** Settings of each insert: its SETTINGS clause on chDB, query settings on a server. */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
  /** RowBinary on chDB: `name Type, …` of the columns, in their order (file()'s structure). */
  readonly structure?: string;
  /** RowBinary on chDB: the folder each body is written to as a file, removed once inserted. */
  readonly fileDir?: string;
}

/**
 * An insert of pre-encoded rows as bytes. On embedded chDB, text rows take the raw insert:
 * the engine reads the Buffer where it lies, on its own threads. Through the client's
 * `insert` the same body travels as one large string that the connection copies and the
 * binding re-encodes on the event loop (measured on a 10k-row batch: 14–105 ms of
 * main-thread CPU and a 12 ms median stall of the event loop, against ~5 ms and 2–7 ms this
 * way). The raw insert refuses binary formats (chDB's rawInsert.js), so RowBinary is
 * written to a file that `INSERT … SELECT FROM file()` reads. On a server it is the
 * client's `exec` with the bytes as a plain stream, sent as the request body as it is (its
 * `insert` takes JSON formats only as values to serialise).
 */
export function bytesInsert(client: ClickHouseClient, table: string, options: BytesInsertOptions): BytesInsert {
  const { format } = options;
  const columns = options.columns === undefined ? undefined : [...options.columns];
  const settings = options.settings === undefined ? undefined : { ...options.settings };
  const connection = embeddedConnections.get(client);
  if (connection !== undefined) {
    if (format === 'RowBinary') return fileInsert(client, table, options);
    const insert = { table, format, ...(columns === undefined ? {} : { columns }), ...(settings === undefined ? {} : { settings }) };
    return async (body) => {
      await connection.chdb.rawInsert({ ...insert, values: body });
    };
  }
  const query = `INSERT INTO ${table}${columns === undefined ? '' : ` (${columns.join(', ')})`} FORMAT ${format}`;
  return async (body) => {
    const result = await client.exec({
      query,
      values: Readable.from([body], { objectMode: false }),
      ...(settings === undefined ? {} : { clickhouse_settings: settings as ClickHouseSettings }),
    });
    result.stream.destroy();
  };
}

let insertFiles = 0;

function fileInsert(client: ClickHouseClient, table: string, options: BytesInsertOptions): BytesInsert {
  const { columns, structure, fileDir, settings } = options;
  if (columns === undefined || structure === undefined || fileDir === undefined) {
    throw new Error('a RowBinary insert into embedded chDB needs columns, structure and fileDir');
  }
  const settingsClause = settings === undefined ? '' : ` SETTINGS ${Object.entries(settings).map(([name, value]) => `${name} = ${sqlValue(value)}`).join(', ')}`;
  const head = `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM file(`;
  const tail = `, RowBinary, ${sqlString(structure)})${settingsClause}`;
  return async (body) => {
    insertFiles += 1;
    // `.tmp`: a file left by a crash is removed when the spool opens the folder next.
    const file = join(fileDir, `insert-${process.pid}-${insertFiles}.rowbinary.tmp`);
    await writeFile(file, body);
    try {
      await client.command({ query: `${head}${sqlString(file)}${tail}` });
    } finally {
      await rm(file, { force: true });
    }
  };
}

/** A ClickHouse string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

function sqlValue(value: string | number | boolean): string {
  return typeof value === 'string' ? sqlString(value) : String(typeof value === 'boolean' ? Number(value) : value);
}

/** Every session runs in UTC whatever the process or server time zone (facts: chDB follows TZ). */
export const sessionSettings = { session_timezone: 'UTC' } as const;

/** Pure: what `storage.clickhouse` names. The URL's path, when given, names the database. */
export function resolveStorage(storage: StorageConfig, options: ClickHouseOptions = {}): ResolvedStorage {
  const spec = storage.clickhouse;
  if (spec.startsWith('embedded:')) {
    const rest = spec.slice('embedded:'.length);
    const path = rest === 'memory' ? ':memory:' : isAbsolute(rest) ? rest : resolve(options.baseDir ?? process.cwd(), rest);
    return { target: { kind: 'embedded', path }, database: storage.database, cluster: storage.cluster, location: `embedded:${rest === 'memory' ? 'memory' : path}` };
  }
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new ConfigError([`/storage/clickhouse "${redactUrl(spec)}" is not a URL (expected embedded:PATH, embedded:memory or http(s)://…)`]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError([`/storage/clickhouse must use http or https, not ${url.protocol}`]);
  }
  const fromPath = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
  const database = fromPath === '' ? storage.database : fromPath;
  if (!databaseName.test(database)) {
    throw new ConfigError([`/storage/clickhouse names database "${database}": letters, digits and _ only, not starting with a digit`]);
  }
  return {
    target: {
      kind: 'server',
      url: url.origin,
      username: decodeURIComponent(url.username) || 'default',
      password: decodeURIComponent(url.password),
    },
    database,
    cluster: storage.cluster,
    location: `${url.origin}/${database}`,
  };
}

function redactUrl(spec: string): string {
  return spec.replace(/\/\/[^@/]*@/, '//…@');
}

/** Opens the store `storage.clickhouse` names (for a server, nothing is sent yet). */
export async function openClickHouse(storage: StorageConfig, options: ClickHouseOptions = {}): Promise<ClickHouseStore> {
  const resolved = resolveStorage(storage, options);
  const client = await clientFor(resolved.target);
  let closed: Promise<void> | undefined;
  return {
    ...resolved,
    client,
    close: () => (closed ??= client.close()),
  };
}

/** The bare client, for callers that need nothing else (database: see resolveStorage). */
export async function createClickHouse(storage: StorageConfig, options: ClickHouseOptions = {}): Promise<ClickHouseClient> {
  return clientFor(resolveStorage(storage, options).target);
}

async function clientFor(target: StorageTarget): Promise<ClickHouseClient> {
  if (target.kind === 'embedded') {
    // Loaded here, not at start-up: the engine's library maps ~170 MB into a process, which
    // a router or collector on a ClickHouse server, and every CLI verb without storage, never use.
    const { createChdbConnection } = await import('chdb/connection');
    // chdb and the client each carry a copy of the Connection type (facts.md): one cast.
    const chdb = createChdbConnection({ path: target.path });
    const client = createClient({ connection: chdb as unknown as ClientConnection });
    embeddedConnections.set(client, chdb);
    // A chDB session keeps its settings, so UTC is set once here rather than prefixed to
    // every statement as clickhouse_settings would (that costs ~15% on 10k-row inserts).
    try {
      await client.command({ query: `SET session_timezone = '${sessionSettings.session_timezone}'` });
    } catch (err) {
      await client.close();
      throw err;
    }
    return client;
  }
  return createClient({
    url: target.url,
    username: target.username,
    password: target.password,
    clickhouse_settings: sessionSettings,
  });
}
