// Child processes of the benchmark: every one is registered in a ProcessGroup as it is
// spawned, and the group ends them all on completion, on error, on SIGINT/SIGTERM and, as a
// last resort, with SIGKILL from the `exit` handler. Ports are probed free on 127.0.0.1.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** The last few KiB of stdout and stderr, for error messages. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<string>;
}

const outputKeep = 8192;

export interface ChildWatcher {
  started(child: Child): void;
  exited(child: Child): void;
}

export class ProcessGroup {
  readonly #children = new Set<Child>();
  readonly #onExit = (): void => this.killAllNow();
  readonly #watch: ChildWatcher;

  /** `watch` sees every child start and exit (to account its CPU). */
  constructor(watch: ChildWatcher = { started: () => {}, exited: () => {} }) {
    this.#watch = watch;
    process.on('exit', this.#onExit);
  }

  /** Starts `node script args` with stdout and stderr piped and drained. */
  spawnNode(name: string, script: string, args: readonly string[], options: { nodeArgs?: readonly string[]; cwd?: string } = {}): Child {
    return this.spawn(name, process.execPath, [...(options.nodeArgs ?? []), script, ...args], options);
  }

  /** Starts `command args` with stdout and stderr piped and drained. */
  spawn(name: string, command: string, args: readonly string[], options: { cwd?: string } = {}): Child {
    const child = spawn(command, args, {
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    let tail = '';
    const keep = (chunk: Buffer): void => {
      tail = (tail + chunk.toString('utf8')).slice(-outputKeep);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve(signal ?? String(code)));
    });
    const entry: Child = { name, pid: child.pid, process: child, output: () => tail, exited };
    this.#children.add(entry);
    this.#watch.started(entry);
    void exited.then(() => {
      this.#children.delete(entry);
      this.#watch.exited(entry);
    });
    return entry;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(child: Child, graceMs = 5000): Promise<void> {
    if (child.process.exitCode !== null || child.process.signalCode !== null) return;
    child.process.kill('SIGTERM');
    const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
    await child.exited;
    clearTimeout(timer);
  }

  async stopAll(graceMs = 5000): Promise<void> {
    await Promise.all([...this.#children].map((c) => this.stop(c, graceMs)));
  }

  killAllNow(): void {
    for (const c of this.#children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
  }

  dispose(): void {
    this.killAllNow();
    process.off('exit', this.#onExit);
  }
}

/** Waits for the child's first stdout line that is JSON with a `listening` URL. */
export function waitForListening(child: Child, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        try {
          const parsed = JSON.parse(line) as { listening?: unknown };
          if (typeof parsed.listening === 'string') {
            done();
            resolve(parsed.listening);
            return;
          }
        } catch {
          // not the line we wait for
        }
      }
    };
    const onExit = (): void => {
      done();
      reject(new Error(`${child.name} exited before listening:\n${child.output()}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${child.name} did not listen within ${timeoutMs} ms:\n${child.output()}`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      child.process.stdout?.off('data', onData);
      child.process.off('exit', onExit);
    };
    child.process.stdout?.on('data', onData);
    child.process.once('exit', onExit);
  });
}

/** Polls `url` until it answers `okStatus` (any status when undefined). */
export async function waitForHttp(child: Child, url: string, okStatus: number | undefined, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(`${child.name} exited before it was ready:\n${child.output()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (okStatus === undefined || response.status === okStatus) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${child.name} was not ready at ${url} within ${timeoutMs} ms:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Where the kernel picks the source ports of connections and the ports of listen(0). */
export function ephemeralPortRange(rangeFile = '/proc/sys/net/ipv4/ip_local_port_range'): { low: number; high: number } {
  try {
    const [low, high] = readFileSync(rangeFile, 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return { low: low as number, high: high as number };
  } catch {
    // not Linux: IANA's range, which macOS and Windows use
  }
  return { low: 49152, high: 65535 };
}

/**
 * A port that was free on 127.0.0.1 a moment ago, for a process started next to bind. It is
 * drawn below the ephemeral range: a port from listen(0) lies inside it, where any new
 * connection's source port can take it before that process binds it (the suite and the
 * benchmark open thousands a second). Once, a redis-server started a second after its port
 * was drawn that way found it in use.
 */
export async function freePort(): Promise<number> {
  const lowest = 10_000;
  const highest = Math.min(ephemeralPortRange().low, 32768) - 1;
  // A kernel whose ephemeral range starts this low leaves no such ports: take its choice.
  if (highest <= lowest) return (await bound(0)) as number;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await bound(lowest + Math.floor(Math.random() * (highest - lowest + 1)));
    if (port !== undefined) return port;
  }
  throw new Error(`no free port between ${lowest} and ${highest} on 127.0.0.1 in 100 draws`);
}

/** Binds `port` on 127.0.0.1 and lets it go: the port bound, or undefined when it was taken. */
async function bound(port: number): Promise<number | undefined> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch {
    return undefined;
  }
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : undefined;
}

/**
 * Runs `node script <json>` to completion and returns its last stdout line parsed as JSON.
 * Killed (and rejected) after `timeoutMs`.
 */
export async function runJsonChild<T>(group: ProcessGroup, name: string, script: string, input: unknown, timeoutMs: number): Promise<T> {
  const child = group.spawnNode(name, script, [JSON.stringify(input)]);
  let stdout = '';
  child.process.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  const timer = setTimeout(() => child.process.kill('SIGKILL'), timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  const lines = stdout.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  if (code !== '0') throw new Error(`${name} ended with ${code}:\n${child.output()}`);
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`${name} printed no JSON result:\n${child.output()}`);
  }
}
