// The `warmpath` CLI as a user runs it: a child process on the TypeScript entry point, with
// a minimal config file (simulated provider, loopback listeners on ephemeral ports).

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from './clickhouse.ts';
import { route } from './warmpath.ts';

export const cliPath = new URL('../../bin/warmpath.ts', import.meta.url).pathname;

export function runCli(args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 20_000 });
}

/** A config file in a folder of its own (its embedded data lands in `dir/data`). */
export function writeCliConfig(extra: Record<string, unknown> = {}): { file: string; dir: string } {
  const dir = tempDir('cli');
  const file = join(dir, 'warmpath.yaml');
  writeFileSync(
    file,
    stringify({
      server: { listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0' },
      telemetry: { log_level: 'silent' },
      providers: { sim: { kind: 'simulated' } },
      routes: { a: route('sim', 'm') },
      workloads: { support: { primary: 'a' } },
      ...extra,
    }),
  );
  return { file, dir };
}
