// Loads warmpath.yaml once at start: YAML → `${env:…}`/`${file:…}` substitution → JSON
// Schema (ajv, allErrors, strict) → cross-field checks → documented defaults → frozen.
// This is the only module that reads process.env.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ErrorObject } from 'ajv';
import { parseDocument } from 'yaml';
import { configSchema } from '../schemas/json-schemas.ts';
import type {
  Config,
  ParityConfig,
  ProviderConfig,
  RouteConfig,
  StorageConfig,
  WorkloadConfig,
} from '../schemas/config.ts';
import { parseDuration, parseListen, isLoopback } from './durations.ts';
import { ConfigError } from './errors.ts';
import { compileOwnSchema, schemaErrorLine, schemaErrorLines } from './schema-errors.ts';

export interface LoadOptions {
  /** Variables for `${env:NAME}`; defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export function loadConfig(file: string, options: LoadOptions = {}): Config {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError([`${file}: cannot read: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`], 'CFG_UNREADABLE');
  }
  return parseConfig(text, file, { ...options, baseDir: dirname(path), source: path });
}

export interface ParseOptions extends LoadOptions {
  readonly baseDir?: string;
  readonly source?: string;
}

export function parseConfig(text: string, file: string, options: ParseOptions = {}): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => `${file}: ${e.linePos?.[0] ? `line ${e.linePos[0].line}: ` : ''}${e.message.split('\n')[0]}`));
  }
  const raw: unknown = doc.toJS() ?? {};
  const env = options.env ?? process.env;
  const baseDir = options.baseDir ?? process.cwd();
  const referenceProblems: string[] = [];
  const substituted = substitute(raw, '', (ref, pointer) => resolveReference(ref, pointer, env, baseDir, file, referenceProblems));
  if (referenceProblems.length > 0) throw new ConfigError(referenceProblems, 'CFG_REFERENCE');

  if (!validateConfig(substituted)) {
    throw new ConfigError(formatSchemaErrors(validateConfig.errors ?? [], file));
  }
  const input = substituted as RawConfig;
  const problems = crossFieldProblems(input).map((p) => `${file}: ${p}`);
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(withDefaults(input, options.source ?? resolve(file)));
}

// --- references ---------------------------------------------------------------------------

const referencePattern = /\$\{(env|file):([^}]+)\}/g;

function substitute(value: unknown, pointer: string, resolveRef: (ref: { kind: string; name: string }, pointer: string) => string): unknown {
  if (typeof value === 'string') {
    return value.replace(referencePattern, (_m, kind: string, name: string) => resolveRef({ kind, name: name.trim() }, pointer));
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, `${pointer}/${i}`, resolveRef));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, `${pointer}/${escapePointer(k)}`, resolveRef);
    return out;
  }
  return value;
}

function resolveReference(
  ref: { kind: string; name: string },
  pointer: string,
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
  file: string,
  problems: string[],
): string {
  if (ref.kind === 'env') {
    const value = env[ref.name];
    if (value === undefined || value === '') {
      problems.push(`${file}: ${pointer}: environment variable ${ref.name} is not set`);
      return '';
    }
    return value;
  }
  try {
    return readFileSync(resolve(baseDir, ref.name), 'utf8').replace(/\r?\n$/, '');
  } catch (cause) {
    problems.push(`${file}: ${pointer}: cannot read file ${ref.name}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`);
    return '';
  }
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

// --- schema ---------------------------------------------------------------------------------

const validateConfig = compileOwnSchema(configSchema);

function formatSchemaErrors(errors: readonly ErrorObject[], file: string): string[] {
  return schemaErrorLines(errors, describeSchemaError).map((line) => `${file}: ${line}`);
}

function describeSchemaError(e: ErrorObject): string {
  // Names are config keys (providers, routes, workloads): say which names are allowed.
  if (e.keyword === 'propertyNames') {
    const at = e.instancePath === '' ? '/' : e.instancePath;
    return `${at} has an invalid name "${String((e.params as Record<string, unknown>).propertyName)}" (letters, digits, '.', '_', '-'; at most 64)`;
  }
  return schemaErrorLine(e);
}

// --- cross-field checks ------------------------------------------------------------------

type RawConfig = {
  server?: Record<string, unknown>;
  storage?: Record<string, unknown>;
  telemetry?: Record<string, unknown>;
  providers: Record<string, Record<string, unknown> & { kind: ProviderConfig['kind'] }>;
  routes: Record<string, Record<string, unknown> & { provider: string; model: string }>;
  workloads: Record<string, Record<string, unknown> & { primary: string; secondaries?: string[] }>;
  keys?: { key_sha256: string; tenant: string; workload?: string }[];
  evaluator?: { interval?: string; feed_ttl?: string; min_twins?: number; max_pairs_per_run?: number };
  alerts?: { webhook?: string };
};

function crossFieldProblems(c: RawConfig): string[] {
  const problems: string[] = [];
  for (const [name, provider] of Object.entries(c.providers)) {
    if (provider.kind === 'simulated') {
      for (const key of ['base_url', 'api_key'] as const) {
        if (provider[key] !== undefined) problems.push(`/providers/${name}/${key} is not used by simulated providers; remove it`);
      }
    } else if (provider.base_url === undefined) {
      problems.push(`/providers/${name} must have required key "base_url" (${provider.kind} providers call an HTTP API)`);
    }
  }
  for (const [name, route] of Object.entries(c.routes)) {
    const provider = c.providers[route.provider];
    if (provider === undefined) {
      problems.push(`/routes/${name}/provider names unknown provider "${route.provider}" (known: ${Object.keys(c.providers).join(', ')})`);
    } else if (route.simulate !== undefined && provider.kind !== 'simulated') {
      problems.push(`/routes/${name}/simulate is only allowed on routes of a simulated provider ("${route.provider}" is ${provider.kind})`);
    }
  }
  const routeNames = Object.keys(c.routes).join(', ');
  for (const [name, workload] of Object.entries(c.workloads)) {
    if (c.routes[workload.primary] === undefined) {
      problems.push(`/workloads/${name}/primary names unknown route "${workload.primary}" (known: ${routeNames})`);
    }
    (workload.secondaries ?? []).forEach((secondary, i) => {
      if (c.routes[secondary] === undefined) {
        problems.push(`/workloads/${name}/secondaries/${i} names unknown route "${secondary}" (known: ${routeNames})`);
      }
      if (secondary === workload.primary) {
        problems.push(`/workloads/${name}/secondaries/${i} is the workload's primary "${secondary}"; a route cannot be its own failover`);
      }
    });
    problems.push(...assistRouteProblems(c, name, workload.parity as RawParity | undefined));
    const ratio = (workload.parity as { length_ratio?: { min?: number; max?: number } } | undefined)?.length_ratio;
    if (ratio?.min !== undefined && ratio.max !== undefined && ratio.min > ratio.max) {
      problems.push(`/workloads/${name}/parity/length_ratio min ${ratio.min} is greater than max ${ratio.max}`);
    }
  }
  const seen = new Map<string, number>();
  (c.keys ?? []).forEach((key, i) => {
    const first = seen.get(key.key_sha256);
    if (first !== undefined) problems.push(`/keys/${i}/key_sha256 duplicates /keys/${first}/key_sha256`);
    else seen.set(key.key_sha256, i);
    if (key.workload !== undefined && c.workloads[key.workload] === undefined) {
      problems.push(`/keys/${i}/workload names unknown workload "${key.workload}"`);
    }
  });
  const server = c.server ?? {};
  const listen = String(server.listen ?? defaultListen);
  const adminListen = String(server.admin_listen ?? defaultAdminListen);
  if (!isLoopback(parseListen(adminListen).host) && server.admin_token === undefined) {
    problems.push(`/server/admin_token is required because /server/admin_listen "${adminListen}" is not a loopback address`);
  }
  if (listen === adminListen && !listen.endsWith(':0')) {
    problems.push(`/server/admin_listen must differ from /server/listen (both "${listen}")`);
  }
  const redisUrl = (server.shared_limits as { redis_url?: unknown } | undefined)?.redis_url;
  if (typeof redisUrl === 'string' && (!URL.canParse(redisUrl) || new URL(redisUrl).hostname === '')) {
    problems.push('/server/shared_limits/redis_url is not a URL with a host (redis://[user:password@]host[:port][/db])');
  }
  return problems;
}

type RawParity = { embeddings?: { route: string }; judge?: { route: string } };

/** The embeddings and judge routes of a workload's parity: known, and able to do the job. */
function assistRouteProblems(c: RawConfig, workload: string, parity: RawParity | undefined): string[] {
  const problems: string[] = [];
  const known = Object.keys(c.routes).join(', ');
  for (const key of ['embeddings', 'judge'] as const) {
    const name = parity?.[key]?.route;
    if (name === undefined) continue;
    const route = c.routes[name];
    const at = `/workloads/${workload}/parity/${key}/route`;
    if (route === undefined) {
      problems.push(`${at} names unknown route "${name}" (known: ${known})`);
      continue;
    }
    const kind = c.providers[route.provider]?.kind;
    if (key === 'embeddings' && kind !== undefined && !embeddingKinds.includes(kind)) {
      problems.push(`${at} names route "${name}" of ${kind} provider "${route.provider}"; embeddings need an OpenAI-compatible (openai) or simulated provider`);
    }
  }
  return problems;
}

const embeddingKinds: readonly ProviderConfig['kind'][] = ['openai', 'simulated'];

// --- defaults -----------------------------------------------------------------------------

/** What the judge is told to decide when `parity.judge.rubric` is not set. */
export const defaultJudgeRubric = [
  'Two answers to the same request are equivalent when a user who sent the request would be equally well served by either:',
  'the same facts, figures, names, dates and conclusions; the same decision or recommendation; the same instructions in an order that works;',
  'the same structure when one was asked for (JSON keys and value types, list items, tool calls and their arguments); and the same stance',
  '(both answer, or both decline). Wording, tone, formatting and length do not matter unless they change what the user can do with the answer.',
  'A missing required element, a contradicted fact, a changed number, a refusal on one side only, or extra content that is wrong makes them',
  'not equivalent. Judge only what is in the answers; do not prefer either one for style.',
].join(' ');

const defaultListen = '127.0.0.1:8080';
const defaultAdminListen = '127.0.0.1:8081';

export const configDefaults = {
  server: { listen: defaultListen, admin_listen: defaultAdminListen, body_limit_bytes: 4 * 1024 * 1024, shutdown_grace_ms: 10_000, feed_grace: '2m', shared_limits: { key_prefix: 'warmpath' } },
  evaluator: { interval: '15s', feed_ttl: '1m', min_twins: 20, max_pairs_per_run: 50_000 },
  storage: {
    clickhouse: 'embedded:./data',
    database: 'warmpath',
    spool_dir: './data/spool',
    spool_max_mb: 512,
    batch_max_rows: 10_000,
    batch_max_delay_ms: 1000,
    queue_max_rows: 200_000,
  },
  telemetry: { service_name: 'warmpath', log_level: 'info' },
  provider: { max_connections: 256, anthropic_version: '2023-06-01', seed: 1 },
  breaker: { failure_threshold: 5, cooldown_ms: 30_000 },
  workload: {
    on_primary_failure: 'failover',
    retry: { attempts: 2, timeout_ms: 30_000, backoff_ms: 200, max_retry_after_ms: 10_000 },
    shadow: { sample_rate: 0, noise_rate: 0, max_concurrency: 4, max_rps: 2, queue_size: 100, timeout_ms: 60_000, daily_budget_usd: undefined },
    parity: {
      window: '1h',
      min_samples: 50,
      warm_within: '10m',
      min_pass_rate: 0.95,
      enter_after: 3,
      min_similarity: 0.6,
      length_ratio: { min: 0.5, max: 2 },
      latency_ratio_max: 3,
      ttft_ratio_max: 3,
      max_error_rate: 0.05,
      hard_failure_limits: { json: 0.01, schema: 0.01, json_keys: 0.02, tool_calls: 0.02, refusal: 0.02 },
      embeddings: { min_similarity: 0.8, batch_size: 64, max_rps: 5, max_concurrency: 2, timeout_ms: 30_000 },
      judge: { rubric: defaultJudgeRubric, sample_rate: 0.2, max_calls_per_run: 20, max_rps: 1, max_concurrency: 1, timeout_ms: 60_000 },
    },
    storage: { content: 'redacted', retention_days: 30 },
  },
} as const;

function withDefaults(c: RawConfig, source: string): Config {
  const d = configDefaults;
  const server = c.server ?? {};
  const storage = { ...d.storage, ...c.storage } as StorageConfig;
  const telemetry = c.telemetry ?? {};
  const providers: Record<string, ProviderConfig> = {};
  for (const [name, p] of Object.entries(c.providers)) {
    providers[name] = {
      kind: p.kind,
      base_url: p.base_url as string | undefined,
      api_key: p.api_key as string | undefined,
      headers: (p.headers as Record<string, string> | undefined) ?? {},
      anthropic_version: (p.anthropic_version as string | undefined) ?? d.provider.anthropic_version,
      max_connections: (p.max_connections as number | undefined) ?? d.provider.max_connections,
      seed: (p.seed as number | undefined) ?? d.provider.seed,
    };
  }
  const routes: Record<string, RouteConfig> = {};
  for (const [name, r] of Object.entries(c.routes)) {
    routes[name] = {
      name,
      provider: r.provider,
      model: r.model,
      price: r.price as RouteConfig['price'],
      policy: r.policy as RouteConfig['policy'],
      breaker: { ...d.breaker, ...(r.breaker as object | undefined) },
      simulate: r.simulate as RouteConfig['simulate'],
    };
  }
  const workloads: Record<string, WorkloadConfig> = {};
  for (const [name, w] of Object.entries(c.workloads)) {
    const parity = { ...d.workload.parity, ...(w.parity as object | undefined) } as typeof d.workload.parity & Record<string, unknown>;
    const requires = (w.requires ?? {}) as Record<string, unknown>;
    const assist = (w.parity ?? {}) as RawParity;
    workloads[name] = {
      name,
      primary: w.primary,
      secondaries: w.secondaries ?? [],
      on_primary_failure: (w.on_primary_failure as WorkloadConfig['on_primary_failure'] | undefined) ?? d.workload.on_primary_failure,
      retry: { ...d.workload.retry, ...(w.retry as object | undefined) },
      requires: {
        regions: requires.regions as string[] | undefined,
        max_retention_days: requires.max_retention_days as number | undefined,
        data_class: requires.data_class as string | undefined,
        tools: requires.tools as boolean | undefined,
        logs_prompts: requires.logs_prompts as boolean | undefined,
      },
      shadow: { ...d.workload.shadow, ...(w.shadow as object | undefined) },
      parity: {
        window_ms: parseDuration(parity.window),
        min_samples: parity.min_samples,
        warm_within_ms: parseDuration(parity.warm_within),
        min_pass_rate: parity.min_pass_rate,
        enter_after: parity.enter_after,
        min_similarity: parity.min_similarity,
        length_ratio: { ...d.workload.parity.length_ratio, ...parity.length_ratio },
        latency_ratio_max: parity.latency_ratio_max,
        ttft_ratio_max: parity.ttft_ratio_max,
        max_error_rate: parity.max_error_rate,
        hard_failure_limits: { ...d.workload.parity.hard_failure_limits, ...parity.hard_failure_limits },
        ...(assist.embeddings === undefined ? {} : { embeddings: { ...d.workload.parity.embeddings, ...assist.embeddings } }),
        ...(assist.judge === undefined ? {} : { judge: { ...d.workload.parity.judge, ...assist.judge } }),
      } satisfies ParityConfig,
      storage: { ...d.workload.storage, ...(w.storage as object | undefined) },
    };
  }
  return {
    source,
    server: {
      listen: (server.listen as string | undefined) ?? d.server.listen,
      admin_listen: (server.admin_listen as string | undefined) ?? d.server.admin_listen,
      admin_token: server.admin_token as string | undefined,
      body_limit_bytes: (server.body_limit_bytes as number | undefined) ?? d.server.body_limit_bytes,
      shutdown_grace_ms: (server.shutdown_grace_ms as number | undefined) ?? d.server.shutdown_grace_ms,
      feed_url: server.feed_url as string | undefined,
      collector_url: server.collector_url as string | undefined,
      feed_grace_ms: parseDuration((server.feed_grace as string | undefined) ?? d.server.feed_grace),
      shared_limits:
        server.shared_limits === undefined ? undefined : { ...d.server.shared_limits, ...(server.shared_limits as { redis_url: string; key_prefix?: string }) },
    },
    storage: { ...storage, cluster: storage.cluster },
    telemetry: {
      service_name: (telemetry.service_name as string | undefined) ?? d.telemetry.service_name,
      otlp_endpoint: telemetry.otlp_endpoint as string | undefined,
      log_level: (telemetry.log_level as Config['telemetry']['log_level'] | undefined) ?? d.telemetry.log_level,
    },
    providers,
    routes,
    workloads,
    evaluator: (() => {
      const e = { ...d.evaluator, ...c.evaluator };
      return { interval_ms: parseDuration(e.interval), feed_ttl_ms: parseDuration(e.feed_ttl), min_twins: e.min_twins, max_pairs_per_run: e.max_pairs_per_run };
    })(),
    keys: (c.keys ?? []).map((k) => ({ key_sha256: k.key_sha256, tenant: k.tenant, workload: k.workload })),
    alerts: { webhook: c.alerts?.webhook },
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
