// `warmpath eval` as a CI job runs it: a child process, a prompt file, the config's routes
// reached over real HTTP (OpenAI-speaking test upstreams on 127.0.0.1) or simulated.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCliAsync, writeCliConfig } from './helpers/cli.ts';
import { startAssistUpstream, type AssistUpstream } from './helpers/assist-upstream.ts';
import { openAICompletion, startUpstream, type Hit, type TestUpstream } from './helpers/upstreams.ts';
import { route, usPolicy } from './helpers/warmpath.ts';

const topics = ['refunds', 'shipping', 'passwords', 'invoices', 'accounts', 'coupons', 'returns', 'warranty', 'delivery', 'billing'];
const question = (i: number): string => `How do ${topics[i % topics.length]} work for order ${i}?`;
const reply = (hit: Hit): string => {
  const messages = hit.body.messages as { content: string }[];
  return `Here is how it works: ${messages[messages.length - 1]?.content ?? ''} The team answers within one business day.`;
};

let primary: TestUpstream;
let good: TestUpstream;
let flaky: TestUpstream;
let far: TestUpstream;
let assist: AssistUpstream;
let wrongEvery = 0;
before(async () => {
  assist = await startAssistUpstream();
  assist.delayMs = 1;
  primary = await startUpstream((hit) => ({ body: openAICompletion(reply(hit), { model: String(hit.body.model) }) }));
  // With wrongEvery set, the answers to every so many orders carry a mistake only the judge sees.
  good = await startUpstream((hit) => {
    const order = Number(/order (\d+)/.exec(reply(hit))?.[1]);
    const wrong = wrongEvery > 0 && order % wrongEvery === wrongEvery - 1;
    return { body: openAICompletion(`${reply(hit)}${wrong ? ' WRONG' : ''}`, { model: String(hit.body.model) }) };
  });
  let n = 0;
  // Every third call fails; the others answer something unrelated to the question.
  flaky = await startUpstream((hit) => {
    n += 1;
    return n % 3 === 0
      ? { status: 503, body: { error: { message: 'overloaded', type: 'server_error', param: null, code: null } } }
      : { body: openAICompletion('Sorry, our office is closed on public holidays.', { model: String(hit.body.model) }) };
  });
  far = await startUpstream((hit) => ({ body: openAICompletion(reply(hit), { model: String(hit.body.model) }) }));
});
after(async () => {
  await Promise.all([primary, good, flaky, far, assist].map((u) => u.close()));
});

function writeSetup(options: { secondaries: string[]; prompts: string; parity?: Record<string, unknown>; assisted?: boolean }): { config: string; prompts: string } {
  const provider = (u: TestUpstream) => ({ kind: 'openai', base_url: `${u.url}/v1`, api_key: 'test' });
  const { file, dir } = writeCliConfig({
    providers: { p: provider(primary), g: provider(good), f: provider(flaky), x: provider(far), a: { kind: 'openai', base_url: `${assist.url}/v1`, api_key: 'test' } },
    routes: {
      main: route('p', 'main-model'),
      good: route('g', 'good-model'),
      flaky: route('f', 'flaky-model'),
      far: route('x', 'far-model', { policy: { ...usPolicy, region: 'eu' } }),
      embedder: route('a', 'text-embedding-3-small'),
      referee: route('a', 'gpt-judge'),
    },
    workloads: {
      support: {
        primary: 'main',
        secondaries: options.secondaries,
        requires: { regions: ['us'] },
        parity: {
          min_samples: 20,
          min_pass_rate: 0.85,
          ...(options.assisted === true
            ? {
                embeddings: { route: 'embedder', batch_size: 16, max_rps: 1000, max_concurrency: 2, timeout_ms: 5000 },
                judge: { route: 'referee', sample_rate: 1, max_calls_per_run: 25, max_rps: 1000, max_concurrency: 2, timeout_ms: 5000 },
              }
            : {}),
          ...options.parity,
        },
        retry: { attempts: 1, timeout_ms: 5000 },
      },
    },
    evaluator: { min_twins: 10 },
  });
  const prompts = join(dir, 'prompts.jsonl');
  writeFileSync(prompts, options.prompts);
  return { config: file, prompts };
}

const promptLines = (n: number, extra: Record<string, unknown> = { model: 'support' }): string =>
  `${Array.from({ length: n }, (_, i) => JSON.stringify({ ...extra, messages: [{ role: 'user', content: question(i) }], temperature: 0.2 })).join('\n')}\n`;

function resetHits(): void {
  for (const u of [primary, good, flaky, far]) u.hits.length = 0;
}

test('warmpath eval passes a secondary that answers like the primary, and asks each route what it should', async () => {
  resetHits();
  const { config, prompts } = writeSetup({ secondaries: ['good', 'far'], prompts: promptLines(30) });
  const r = await runCliAsync(['eval', '--config', config, '--prompts', prompts]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^workload support: 30 prompts; primary main answered 60\/60; noise floor [\d.]+ from 30 twins \(lexical\)$/m);
  assert.match(r.stdout, /^good\s+yes\s+30\s+100\.0%\s+8\d\.\d%\s+0\/30\s+1\.00\s+pass$/m);
  assert.match(r.stdout, /^far\s+no\s+.*not certified \(not called\)$/m);
  assert.match(r.stdout, /^ {2}far: not certified: region eu not in \[us\]$/m);
  assert.match(r.stdout, /^eval: pass/m);
  // The primary twice per prompt, the certified secondary once, the refused one never; each
  // with its route's model, not streamed, the request's own parameters kept.
  assert.equal(primary.hits.length, 60);
  assert.equal(good.hits.length, 30);
  assert.equal(far.hits.length, 0);
  assert.equal(good.hits[0]?.body.model, 'good-model');
  assert.equal(good.hits[0]?.body.stream, false);
  assert.equal(good.hits[0]?.body.temperature, 0.2);
});

test('warmpath eval fails a secondary that errs and answers off-topic, naming the prompts and reasons', async () => {
  resetHits();
  const { config, prompts } = writeSetup({ secondaries: ['good', 'flaky'], prompts: promptLines(30) });
  const r = await runCliAsync(['eval', '--config', config, '--prompts', prompts, '--max-failures', '3']);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^flaky\s+yes\s+20\s+0\.0%\s+0\.0%\s+10\/30\s+[\d.]+\s+FAIL$/m);
  assert.match(r.stdout, /^ {2}flaky: unhealthy: shadow error rate 33\.3% > 5\.0%$/m);
  assert.match(r.stdout, /^ {2}flaky: parity: pass rate 0\.0%/m);
  assert.match(r.stdout, /^ {2}flaky [^ ]+prompts\.jsonl:1: similarity [\d.]+ < noise floor/m);
  assert.match(r.stdout, /^ {2}flaky: … 17 more failing pairs$/m);
  assert.match(r.stdout, /^ {2}flaky [^ ]+prompts\.jsonl:3: call failed \(server_error\)/m);
  assert.match(r.stdout, /^eval: FAIL \(support\/flaky would not be eligible\)$/m);

  const json = await runCliAsync(['eval', '--config', config, '--prompts', prompts, '--json']);
  assert.equal(json.status, 1);
  const reports = JSON.parse(json.stdout) as { workload: string; pass: boolean; routes: { route: string; pass: boolean; window: { pairs: number; shadowErrors: number } }[] }[];
  assert.equal(reports[0]?.pass, false);
  assert.deepEqual(
    reports[0]?.routes.map((x) => [x.route, x.pass, x.window.pairs, x.window.shadowErrors]),
    [
      ['good', true, 30, 0],
      ['flaky', false, 20, 10],
    ],
  );
});

test('warmpath eval refuses an invalid prompt file whole, every problem with its line, and calls nothing', async () => {
  resetHits();
  const lines = [
    JSON.stringify({ model: 'support', messages: [{ role: 'user', content: 'fine' }] }),
    '{"model": "support", "messages": [',
    JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    '',
    JSON.stringify({ model: 'support', messages: [] }),
  ].join('\n');
  const { config, prompts } = writeSetup({ secondaries: ['good'], prompts: lines });
  const r = await runCliAsync(['eval', '--config', config, '--prompts', prompts]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /invalid prompt set, nothing was sent/);
  assert.match(r.stderr, /prompts\.jsonl:2: not JSON: /);
  assert.match(r.stderr, /prompts\.jsonl:3: \/model "nope" is not a workload \(workloads: support\); or pass --workload/);
  assert.match(r.stderr, /prompts\.jsonl:5: \/messages must NOT have fewer than 1 items/);
  assert.doesNotMatch(r.stderr, /prompts\.jsonl:[14]:/);
  assert.equal(primary.hits.length + good.hits.length, 0);
});

test('warmpath eval --workload takes lines without a model; usage errors exit 2', async () => {
  resetHits();
  const { config, prompts } = writeSetup({ secondaries: ['good'], prompts: promptLines(4, {}), parity: { min_samples: 4, min_pass_rate: 0.3 } });
  const r = await runCliAsync(['eval', '--config', config, '--prompts', prompts, '--workload', 'support']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^workload support: 4 prompts;/m);
  assert.equal(good.hits.length, 4);

  const help = await runCliAsync(['eval', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: warmpath eval --config FILE --prompts FILE/);
  const missing = await runCliAsync(['eval', '--config', config]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--prompts FILE is required/);
  const bad = await runCliAsync(['eval', '--config', config, '--prompts', prompts, '--concurrency', 'many']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--concurrency must be a positive integer, not "many"/);
  const unknown = await runCliAsync(['eval', '--config', config, '--prompts', prompts, '--workload', 'sales']);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /--workload sales: not a workload \(workloads: support\)/);
});

test('warmpath eval uses the workload\'s embeddings and judge routes, as the live evaluator does', async () => {
  resetHits();
  assist.embeddingCalls.length = 0;
  assist.judgeCalls.length = 0;
  wrongEvery = 5;
  try {
    const { config, prompts } = writeSetup({ secondaries: ['good'], prompts: promptLines(30), assisted: true });
    const r = await runCliAsync(['eval', '--config', config, '--prompts', prompts, '--json']);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const [report] = JSON.parse(r.stdout) as { similaritySource: string; twins: number; routes: { route: string; judged: number; failedPairs: { failing: string[]; details: string[] }[] }[] }[];
    assert.equal(report?.similaritySource, 'embeddings');
    assert.equal(report?.twins, 30);
    const good = report?.routes[0];
    // One judge call per pair up to max_calls_per_run; the answers with a mistake fail it.
    assert.equal(good?.judged, 25);
    assert.equal(assist.judgeCalls.length, 25);
    // Orders 4, 9, …, 24 are judged and fail; order 29's mistake is past the judge's budget.
    assert.equal(good?.failedPairs.length, 5, JSON.stringify(good?.failedPairs));
    for (const f of good?.failedPairs ?? []) assert.ok(f.failing.includes('judge'), JSON.stringify(f));
    assert.match(good?.failedPairs[0]?.details.join('; ') ?? '', /judge referee: not equivalent/);
    // Each distinct answer embedded once, in batches: the 30 primary answers (the twins and
    // the faithful secondary answers are the same texts) and the 6 with a mistake.
    assert.equal(assist.embeddingCalls.reduce((n, c) => n + c.inputs.length, 0), 36);
    assert.ok(assist.embeddingCalls.every((c) => c.model === 'text-embedding-3-small' && c.inputs.length <= 16));
  } finally {
    wrongEvery = 0;
  }
});

test('the README example: warmpath eval on the example config and prompt set passes', async () => {
  const root = new URL('..', import.meta.url).pathname;
  const r = await runCliAsync(['eval', '--config', join(root, 'warmpath.example.yaml'), '--prompts', join(root, 'examples/support-prompts.jsonl'), '--concurrency', '8']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^workload support: 42 prompts; primary gpt-sim answered 84\/84;/m);
  assert.match(r.stdout, /^claude-sim\s+yes\s+42\s+.*pass$/m);
  assert.match(r.stdout, /^cheap-sim\s+no\s+.*not certified \(not called\)$/m);
});
