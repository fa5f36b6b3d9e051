// The `warmpath` CLI as a user runs it: a child process on the TypeScript entry point, with
// a minimal config file (simulated provider, loopback listeners on ephemeral ports).

import { execFile, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from './clickhouse.ts';
import { route } from './warmpath.ts';

export const cliPath = new URL('../../bin/warmpath.ts', import.meta.url).pathname;

export function runCli(args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 20_000 });
}

/** Like runCli, without blocking this process (for tests whose upstreams live in it). */
export function runCliAsync(args: string[], timeoutMs = 60_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ status: code, stdout, stderr });
    });
  });
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
