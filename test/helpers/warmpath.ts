// Starts a real warmpath (router + admin listeners on ephemeral 127.0.0.1 ports) from a
// config object, the way `warmpath start` does, with a recording sink.

import { pino } from 'pino';
import { stringify } from 'yaml';
import { parseConfig } from '../../core/index.ts';
import type { ClickHouseStore, Clock, Random } from '../../core/index.ts';
import { serve, RecentRecords, type RunningServices } from '../../bin/serve.ts';
import type { EligibilitySource } from '../../router/index.ts';
import type { Config, ExchangeRecord } from '../../schemas/index.ts';
import { tempDir } from './clickhouse.ts';
import { startAnthropicUpstream, startOpenAIUpstream, type TestUpstream } from './upstreams.ts';

export interface TestWarmpath extends RunningServices {
  readonly config: Config;
  readonly records: ExchangeRecord[];
  /** Resolves once `count` records have been written (records are written after the answer). */
  waitForRecords(count: number, timeoutMs?: number): Promise<ExchangeRecord[]>;
}

export const usPolicy = { region: 'us', retention_days: 0, logs_prompts: false, data_classes: ['public', 'pii'], tools: true };

export function route(provider: string, model: string, extra: Record<string, unknown> = {}) {
  return { provider, model, price: { input_per_mtok: 1, output_per_mtok: 2 }, policy: usPolicy, ...extra };
}

/**
 * An OpenAI-speaking primary with an Anthropic-speaking secondary (`support`), the same
 * failing closed (`strict`), and the reverse (`claude`): the end-to-end router tests' setup.
 */
export function failoverConfig(openAIUrl: string, anthropicUrl: string) {
  return {
    providers: {
      oai: { kind: 'openai', base_url: `${openAIUrl}/v1`, api_key: 'sk-upstream-secret' },
      ant: { kind: 'anthropic', base_url: anthropicUrl, api_key: 'ant-upstream-secret' },
    },
    routes: {
      'oai-main': route('oai', 'gpt-test', { breaker: { failure_threshold: 50, cooldown_ms: 1000 } }),
      'ant-backup': route('ant', 'claude-test', { breaker: { failure_threshold: 50, cooldown_ms: 1000 } }),
    },
    workloads: {
      support: { primary: 'oai-main', secondaries: ['ant-backup'], retry: { attempts: 2, timeout_ms: 300, backoff_ms: 10 } },
      strict: { primary: 'oai-main', secondaries: ['ant-backup'], on_primary_failure: 'fail_closed', retry: { attempts: 1, timeout_ms: 300 } },
      claude: { primary: 'ant-backup', secondaries: ['oai-main'], retry: { attempts: 1, timeout_ms: 1000 } },
    },
  };
}

export interface FailoverSetup {
  readonly oai: TestUpstream;
  readonly ant: TestUpstream;
  readonly wp: TestWarmpath;
  /** Forgets the upstreams' hits and the records, between tests. */
  reset(): void;
  close(): Promise<void>;
}

/** failoverConfig's two upstreams and a warmpath in front of them; `extra` adds to the config. */
export async function startFailover(extra: Record<string, unknown> = {}): Promise<FailoverSetup> {
  const oai = await startOpenAIUpstream('openai');
  const ant = await startAnthropicUpstream('anthropic');
  const wp = await startWarmpath({ ...failoverConfig(oai.url, ant.url), ...extra });
  return {
    oai,
    ant,
    wp,
    reset() {
      oai.hits.length = 0;
      ant.hits.length = 0;
      wp.records.length = 0;
    },
    async close() {
      await wp.close();
      await oai.close();
      await ant.close();
    },
  };
}

export async function startWarmpath(
  config: Record<string, unknown>,
  options: {
    clock?: Clock;
    random?: Random;
    eligibility?: EligibilitySource;
    /** Store records in this embedded ClickHouse too (database: config storage.database, default warmpath). */
    store?: ClickHouseStore;
  } = {},
): Promise<TestWarmpath> {
  const storage = options.store === undefined ? config.storage : { spool_dir: tempDir('spool'), ...(config.storage as object) };
  const text = stringify({
    ...config,
    ...(storage === undefined ? {} : { storage }),
    server: { listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0', shutdown_grace_ms: 2000, ...(config.server as object) },
  });
  const parsed = parseConfig(text, 'test.yaml');
  const sink = new RecentRecords(10_000);
  const { store, ...rest } = options;
  const services = await serve(parsed, {
    ...rest,
    ...(store === undefined ? { sink } : { store, tee: sink }),
    logger: pino({ level: 'silent' }),
  });
  return {
    ...services,
    config: parsed,
    records: sink.records,
    async waitForRecords(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (sink.records.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} records, have ${sink.records.length}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return sink.records;
    },
  };
}
