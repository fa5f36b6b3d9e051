// The `warmpath` CLI as a user runs it: a child process on the TypeScript entry point, with
// a minimal config file (simulated provider, loopback listeners on ephemeral ports).

import { execFile, spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from './clickhouse.ts';
import { route } from './warmpath.ts';

export const cliPath = new URL('../../bin/warmpath.ts', import.meta.url).pathname;

/** Node flags before the entry point (e.g. `--import` a hook), the environment, how long to wait. */
export interface CliProcessOptions {
  readonly nodeArgs?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/** What follows the node executable: the Node flags, the entry point, the verb's arguments. */
function cliArgv(args: readonly string[], options: CliProcessOptions): string[] {
  return [...(options.nodeArgs ?? []), cliPath, ...args];
}

export function runCli(args: string[], options: CliProcessOptions = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, cliArgv(args, options), { encoding: 'utf8', timeout: options.timeoutMs ?? 20_000, env: options.env ?? process.env });
}

/** Like runCli, without blocking this process (for tests whose upstreams live in it). */
export function runCliAsync(args: string[], options: CliProcessOptions = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const spawnOptions = { encoding: 'utf8' as const, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 << 20, env: options.env ?? process.env };
    execFile(process.execPath, cliArgv(args, options), spawnOptions, (err, stdout, stderr) => {
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

export interface ServingProcess {
  readonly child: ChildProcess;
  /** The match of the `ready` pattern in the process's output. */
  readonly match: RegExpExecArray;
  /** Everything it wrote so far, stdout and stderr. */
  output(): string;
}

/** Starts a serving verb (`start`, `router`, `collector`, `evaluator`) and waits until its output matches `ready`. */
export async function startServing(
  args: string[],
  ready: RegExp,
  options: CliProcessOptions = {},
): Promise<ServingProcess> {
  const child = spawn(process.execPath, cliArgv(args, options), { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  let out = '';
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), options.timeoutMs ?? 30_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  return { child, match, output: () => out };
}

/** Sends SIGTERM; resolves to the exit code (null when a signal ended the process). */
export function stopServing(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}
