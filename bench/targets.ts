// The processes the benchmark measures: mock upstreams, the bare proxy, warmpath and
// Portkey's gateway, each started as its own process on 127.0.0.1 and described as a
// Target (where to send a chat completion, with which headers, which process to charge).

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePort, waitForHttp, waitForListening, type Child, type ProcessGroup } from './processes.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** `.ts` when run from source with type stripping, `.js` from dist/. */
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

export function benchScript(name: string): string {
  return join(here, `${name}${ext}`);
}

/** The repository root: the nearest parent holding node_modules. */
export function repoRoot(): string {
  let dir = here;
  while (!existsSync(join(dir, 'node_modules'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no node_modules above ${here}`);
    dir = parent;
  }
  return dir;
}

export interface Target {
  readonly name: string;
  /** The chat completions URL. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The proxy process to charge CPU and memory to; undefined for direct. */
  readonly child: Child | undefined;
}

export interface Upstream {
  readonly name: string;
  /** Base URL without /v1. */
  readonly origin: string;
  readonly child: Child;
  /** Requests it has answered (chat completions). */
  requests(): Promise<number>;
}

export async function startUpstream(group: ProcessGroup, name: string, delayMs: number, streamGapMs: number): Promise<Upstream> {
  const child = group.spawnNode(name, benchScript('mock-upstream'), ['--delay-ms', String(delayMs), '--stream-gap-ms', String(streamGapMs)]);
  const origin = await waitForListening(child);
  return {
    name,
    origin,
    child,
    async requests() {
      const response = await fetch(`${origin}/__bench/stats`);
      return ((await response.json()) as { requests: number }).requests;
    },
  };
}

export function directTarget(upstream: Upstream): Target {
  return { name: 'direct', url: `${upstream.origin}/v1/chat/completions`, headers: {}, child: undefined };
}

export async function startBareProxy(group: ProcessGroup, upstream: Upstream, nodeArgs: readonly string[] = []): Promise<Target> {
  const child = group.spawnNode('bare-proxy', benchScript('bare-proxy'), ['--upstream', upstream.origin], { nodeArgs });
  const origin = await waitForListening(child);
  return { name: 'bare proxy', url: `${origin}/v1/chat/completions`, headers: {}, child };
}

export async function startPortkey(group: ProcessGroup, upstream: Upstream): Promise<Target> {
  const port = await freePort();
  const script = join(repoRoot(), 'node_modules/@portkey-ai/gateway/build/start-server.js');
  // Node itself, not npx: stopping it must free the port.
  const child = group.spawnNode('portkey', script, ['--headless', `--port=${port}`]);
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(child, `${origin}/`, undefined);
  return {
    name: 'portkey',
    url: `${origin}/v1/chat/completions`,
    headers: {
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': `${upstream.origin}/v1`,
      authorization: 'Bearer x',
    },
    child,
  };
}

export interface WarmpathOptions {
  readonly name: string;
  /** Data directory for the embedded ClickHouse (one per process: chDB locks it). */
  readonly dataDir: string;
  readonly configDir: string;
  /** workload name → its primary upstream. */
  readonly workloads: Readonly<Record<string, Upstream>>;
  readonly secondaries: readonly Upstream[];
  /** Shadow share of each workload's traffic mirrored to every certified secondary. */
  readonly shadowSampleRate: number;
  /** Extra node flags, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
  /** Extra `storage` keys (batching, queue) for experiments. */
  readonly storage?: Readonly<Record<string, unknown>>;
  /** Extra `evaluator` keys (interval, …) for experiments. */
  readonly evaluator?: Readonly<Record<string, unknown>>;
  /** Another checkout to run warmpath from (its TypeScript sources); this one by default. */
  readonly root?: string;
}

const benchPolicy = { region: 'us', retention_days: 0, logs_prompts: false, data_classes: ['public', 'internal', 'pii'], tools: true };

/** The bench config: one OpenAI-compatible provider and route per mock upstream. */
export function warmpathConfig(options: WarmpathOptions, listen: string, adminListen: string): Record<string, unknown> {
  const providers: Record<string, unknown> = {};
  const routes: Record<string, unknown> = {};
  const addRoute = (upstream: Upstream): string => {
    providers[upstream.name] = { kind: 'openai', base_url: `${upstream.origin}/v1`, api_key: 'bench', max_connections: 256 };
    routes[upstream.name] = {
      provider: upstream.name,
      model: 'bench-model',
      price: { input_per_mtok: 1, output_per_mtok: 2 },
      policy: benchPolicy,
    };
    return upstream.name;
  };
  const secondaryRoutes = options.secondaries.map(addRoute);
  const workloads: Record<string, unknown> = {};
  for (const [workload, upstream] of Object.entries(options.workloads)) {
    workloads[workload] = {
      primary: addRoute(upstream),
      secondaries: secondaryRoutes,
      on_primary_failure: 'failover',
      retry: { attempts: 2, timeout_ms: 30_000 },
      requires: { regions: ['us'], max_retention_days: 30, data_class: 'pii', tools: true, logs_prompts: false },
      // Limits high enough that 100% of 200 req/s to 500 ms secondaries (≈100 in flight
      // per target) is never dropped: the figure is the cost of mirroring, not of dropping.
      shadow: {
        sample_rate: options.shadowSampleRate,
        noise_rate: 0,
        max_concurrency: 512,
        max_rps: 5000,
        queue_size: 10_000,
        timeout_ms: 10_000,
        daily_budget_usd: 1_000_000,
      },
      // The default content mode: what an out-of-the-box install stores.
      storage: { content: 'redacted', retention_days: 1 },
    };
  }
  return {
    server: { listen, admin_listen: adminListen, shutdown_grace_ms: 2000 },
    storage: { clickhouse: `embedded:${options.dataDir}`, ...options.storage },
    // Request logging is off in the router anyway; warn keeps start-up lines out of the pipe.
    telemetry: { service_name: 'warmpath-bench', log_level: 'warn' },
    ...(options.evaluator === undefined ? {} : { evaluator: options.evaluator }),
    providers,
    routes,
    workloads,
  };
}

export interface WarmpathTarget extends Target {
  readonly child: Child;
  readonly configFile: string;
}

export async function startWarmpath(group: ProcessGroup, options: WarmpathOptions, workload: string): Promise<WarmpathTarget> {
  const [port, adminPort] = [await freePort(), await freePort()];
  mkdirSync(options.configDir, { recursive: true });
  mkdirSync(options.dataDir, { recursive: true });
  const configFile = join(options.configDir, `${options.name.replace(/[^a-z0-9-]+/gi, '-')}.yaml`);
  writeFileSync(configFile, stringify(warmpathConfig(options, `127.0.0.1:${port}`, `127.0.0.1:${adminPort}`)));
  const script = options.root === undefined ? join(here, '..', 'bin', `warmpath${ext}`) : join(options.root, 'bin', 'warmpath.ts');
  const child = group.spawnNode(options.name, script, ['start', '--config', configFile], {
    nodeArgs: options.nodeArgs ?? [],
    cwd: options.configDir,
  });
  await waitForHttp(child, `http://127.0.0.1:${adminPort}/readyz`, 200);
  return {
    name: options.name,
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    // The workload comes from the request's model; the header says it for every target.
    headers: { 'x-warmpath-workload': workload },
    child,
    configFile,
  };
}
