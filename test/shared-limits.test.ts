// Shadow limits shared by router replicas through a real redis-server: two real routers
// (`serve`, as `warmpath start` runs it) in front of the same upstreams, the official openai
// SDK as the client. Each router alone would allow max_concurrency and max_rps by itself;
// with server.shared_limits the two together stay within them.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { metrics } from '@opentelemetry/api';
import { pino } from 'pino';
import { ShadowLane } from '../router/shadow-lane.ts';
import { connectSharedLimits, redisLocation } from '../router/shared-limits.ts';
import { freePort } from '../bench/processes.ts';
import { counter, metricValue } from './helpers/metrics.ts';
import { redisUnavailable, startRedis, type TestRedis } from './helpers/redis.ts';
import { openAICompletion } from './helpers/upstreams.ts';
import { route, startWarmpath, type TestWarmpath } from './helpers/warmpath.ts';
import { until } from './helpers/until.ts';

/** An OpenAI-compatible upstream that answers after `delayMs`, counting calls in flight. */
async function countingUpstream(delayMs: number) {
  const seen = { calls: 0, inFlight: 0, maxInFlight: 0, startsMs: [] as number[] };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      seen.calls += 1;
      seen.startsMs.push(performance.now());
      seen.inFlight += 1;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      await sleep(delayMs);
      seen.inFlight -= 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(openAICompletion('fine', { model: 'upstream' })));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    seen,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Upstream = Awaited<ReturnType<typeof countingUpstream>>;

let prefixes = 0;

function routerConfig(primary: Upstream, secondary: Upstream, shadow: Record<string, number>, redisUrl?: string, prefix?: string) {
  return {
    providers: {
      p: { kind: 'openai', base_url: `${primary.url}/v1`, api_key: 'k' },
      s: { kind: 'openai', base_url: `${secondary.url}/v1`, api_key: 'k' },
    },
    routes: { main: route('p', 'gpt-main'), backup: route('s', 'gpt-backup') },
    workloads: { support: { primary: 'main', secondaries: ['backup'], shadow: { sample_rate: 1, queue_size: 1000, timeout_ms: 10_000, ...shadow } } },
    ...(redisUrl === undefined ? {} : { server: { shared_limits: { redis_url: redisUrl, key_prefix: prefix ?? `t${++prefixes}` } } }),
  };
}

const client = (wp: TestWarmpath) => new OpenAI({ baseURL: `${wp.routerUrl}/v1`, apiKey: 'x', maxRetries: 0, defaultHeaders: { 'x-warmpath-workload': 'support' } });

async function askAll(routers: readonly TestWarmpath[], perRouter: number): Promise<void> {
  await Promise.all(
    routers.flatMap((wp) =>
      Array.from({ length: perRouter }, async (_, i) => {
        const answer = await client(wp).chat.completions.create({ model: 'x', messages: [{ role: 'user', content: `question ${i}` }] });
        assert.equal(answer.choices[0]?.message.content, 'fine');
      }),
    ),
  );
}

const skip = redisUnavailable();

describe('shared shadow limits (server.shared_limits, a real redis-server)', { skip }, () => {
  let redis: TestRedis;
  let primary: Upstream;
  const opened: { close(): Promise<void> }[] = [];
  const open = <T extends { close(): Promise<void> }>(thing: T): T => (opened.push(thing), thing);
  before(async () => {
    redis = await startRedis();
    primary = open(await countingUpstream(0));
  });
  after(async () => {
    for (const thing of opened.reverse()) await thing.close();
    await redis.stop();
  });

  test('two routers hold one max_concurrency between them; without Redis each holds its own', async () => {
    const run = async (redisUrl: string | undefined) => {
      const secondary = open(await countingUpstream(150));
      const config = routerConfig(primary, secondary, { max_concurrency: 2, max_rps: 10_000 }, redisUrl, redisUrl === undefined ? undefined : 'concurrency');
      const routers = [open(await startWarmpath(config)), open(await startWarmpath(config))];
      await Promise.all(routers.map((wp) => wp.shadow.limitsReady()));
      await askAll(routers, 10);
      await Promise.all(routers.map((wp) => wp.shadow.drain()));
      return secondary.seen;
    };
    const shared = await run(redis.url);
    assert.equal(shared.calls, 20, 'every sampled call is made, in turn');
    assert.equal(shared.maxInFlight, 2, 'never more than max_concurrency in flight over both routers');
    const alone = await run(undefined);
    assert.equal(alone.calls, 20);
    assert.equal(alone.maxInFlight, 4, 'two routers on their own limits: twice max_concurrency');
  });

  test('two routers hold one max_rps between them: 40 calls at 10/s need three refills', async () => {
    const secondary = open(await countingUpstream(0));
    const config = routerConfig(primary, secondary, { max_concurrency: 100, max_rps: 10 }, redis.url);
    const routers = [open(await startWarmpath(config)), open(await startWarmpath(config))];
    await Promise.all(routers.map((wp) => wp.shadow.limitsReady()));
    await askAll(routers, 20);
    await until(() => secondary.seen.calls === 40, { what: '40 shadow calls' });
    const spanMs = Math.max(...secondary.seen.startsMs) - Math.min(...secondary.seen.startsMs);
    // 10 at once, then 10 per refill: the last call starts at least two refill intervals
    // after the first (one router alone would need one: 20 calls on 10 plus 10).
    assert.ok(spanMs >= 1900, `40 calls went out within ${Math.round(spanMs)} ms`);
  });

  test('the last router started writes its limits into Redis', async () => {
    const secondary = open(await countingUpstream(0));
    const first = open(await startWarmpath(routerConfig(primary, secondary, { max_concurrency: 8, max_rps: 50 }, redis.url, 'newest')));
    await first.shadow.limitsReady();
    const second = open(await startWarmpath(routerConfig(primary, secondary, { max_concurrency: 3, max_rps: 20 }, redis.url, 'newest')));
    await second.shadow.limitsReady();
    const reader = new Redis(redis.url);
    try {
      const [maxConcurrent, reservoirRefreshAmount] = await reader.hmget('b_newest:shadow:support:backup_settings', 'maxConcurrent', 'reservoirRefreshAmount');
      assert.deepEqual([maxConcurrent, reservoirRefreshAmount], ['3', '20']);
    } finally {
      reader.disconnect();
    }
  });

  test('a router that dies mid-call holds its slot only until the batch expires', async () => {
    const quiet = { logger: pino({ level: 'silent' }), meter: metrics.getMeter('test') };
    const limits = { maxConcurrency: 1, maxRps: 100, queueSize: 10 };
    const handlers = { droppedAtStop: () => {}, failed: () => {}, unavailable: () => {} };
    const dying = await connectSharedLimits({ redis_url: redis.url, key_prefix: 'dies' }, quiet);
    const living = await connectSharedLimits({ redis_url: redis.url, key_prefix: 'dies' }, quiet);
    const lane = (shared: typeof dying) => new ShadowLane(limits, handlers, { windowMs: 1, shared: { cluster: shared.clusterOptions('lane'), expirationMs: 800 } });
    const doomed = lane(dying);
    const survivor = lane(living);
    try {
      await Promise.all([doomed.ready, survivor.ready]);
      let hung = false;
      doomed.offer(() => ((hung = true), new Promise<void>(() => {})));
      await until(() => hung, { what: 'the doomed call to hold the only slot' });
      // The doomed router vanishes without freeing its slot: no more heartbeats, no `free`.
      await dying.close();
      const startedMs = performance.now();
      let ranAfterMs: number | undefined;
      survivor.offer(async () => void (ranAfterMs = performance.now() - startedMs));
      await until(() => ranAfterMs !== undefined, { what: 'the survivor to get the slot' });
      assert.ok(ranAfterMs !== undefined && ranAfterMs >= 300, `the slot was free after ${Math.round(ranAfterMs ?? 0)} ms, before the batch expired`);
    } finally {
      await survivor.stop();
      await living.close();
    }
  });

  test('Redis down at start: answers are unaffected, shadow calls wait and go out once Redis answers', async () => {
    const port = await freePort();
    const secondary = open(await countingUpstream(0));
    const wp = open(await startWarmpath(routerConfig(primary, secondary, { max_concurrency: 4, max_rps: 100 }, `redis://127.0.0.1:${port}`)));
    const metrics = async () => (await fetch(`${wp.adminUrl}/metrics`)).text();
    await askAll([wp], 3);
    await sleep(300);
    assert.equal(secondary.seen.calls, 0, 'no shadow call without the shared limits');
    assert.equal(metricValue(await metrics(), 'warmpath_shared_limits_connected'), 0);
    const late = await startRedis(port);
    try {
      await until(() => secondary.seen.calls === 3, { what: 'the queued shadow calls' });
      assert.equal(metricValue(await metrics(), 'warmpath_shared_limits_connected'), 1);
    } finally {
      await late.stop();
    }
    // Redis gone again: calls sampled now fail their Redis commands and are counted.
    await askAll([wp], 2);
    await until(async () => counter(await metrics(), 'warmpath_shadow_dropped_total', { reason: 'limits_unavailable' }) === 2, { what: 'two calls counted as limits_unavailable' });
    assert.equal(secondary.seen.calls, 3);
  });

  test('a router whose Redis never answers still shuts down, giving up on its queued calls', async () => {
    const secondary = open(await countingUpstream(0));
    const wp = await startWarmpath(routerConfig(primary, secondary, { max_concurrency: 4, max_rps: 100 }, `redis://127.0.0.1:${await freePort()}`));
    await askAll([wp], 2);
    const startedMs = performance.now();
    await wp.close();
    const tookMs = performance.now() - startedMs;
    assert.ok(tookMs < 6000, `close took ${Math.round(tookMs)} ms`);
    assert.equal(secondary.seen.calls, 0);
  });
});

test('logs and metrics name Redis by host, port and database, never by its password', () => {
  assert.equal(redisLocation('redis://:s3cret@cache.internal:6380/2'), 'redis://cache.internal:6380/2');
  assert.equal(redisLocation('rediss://user:pw@cache.internal'), 'rediss://cache.internal/0');
});
