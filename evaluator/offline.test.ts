import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { parseConfig } from '../core/index.ts';
import type { Config } from '../schemas/index.ts';
import { answerOfCompletion, assessPromptSet, type CallOutcome, type PromptRun } from './offline.ts';
import type { Answer } from './scorers/index.ts';

const usPolicy = { region: 'us', retention_days: 0, logs_prompts: false, data_classes: ['public'], tools: true };
const route = (extra: Record<string, unknown> = {}) => ({ provider: 'sim', model: 'm', price: { input_per_mtok: 1, output_per_mtok: 2 }, policy: usPolicy, ...extra });

function config(parity: Record<string, unknown> = {}): Config {
  return parseConfig(
    stringify({
      providers: { sim: { kind: 'simulated' } },
      routes: { a: route(), b: route(), eu: route({ policy: { ...usPolicy, region: 'eu' } }) },
      workloads: { support: { primary: 'a', secondaries: ['b', 'eu'], requires: { regions: ['us'] }, parity: { min_samples: 20, min_pass_rate: 0.8, ...parity } } },
      evaluator: { min_twins: 10 },
    }),
    'test.yaml',
  );
}

const answer = (content: string, extra: Partial<Answer> = {}): CallOutcome => ({
  ok: true,
  answer: { content, refusal: null, toolCalls: [], finishReason: 'stop', latencyMs: 100, ttftMs: null, outputTokens: content.split(' ').length, ...extra },
});
const failed: CallOutcome = { ok: false, errorClass: 'server_error', message: 'upstream answered 500' };
const text = (i: number): string => `Refunds for order ${i} are issued to the original payment method within five business days of approval.`;

interface Case {
  readonly name: string;
  readonly prompts: number;
  /** What route b answers to prompt i (the primary and its twin answer text(i)). */
  readonly b: (i: number) => CallOutcome;
  readonly primary?: (i: number) => CallOutcome;
  readonly jsonFormat?: boolean;
  readonly pass: boolean;
  readonly reasons: readonly RegExp[];
  readonly check?: (report: ReturnType<typeof assessPromptSet>) => void;
}

const cases: Case[] = [
  { name: 'same answers on enough prompts: eligible', prompts: 30, b: (i) => answer(text(i)), pass: true, reasons: [] },
  {
    name: 'too few prompts to decide',
    prompts: 8,
    b: (i) => answer(text(i)),
    pass: false,
    reasons: [/^too few pairs: 8 < parity\.min_samples 20/, /^parity: pass rate 100\.0%, lower bound 67\.\d% < 80\.0%$/],
  },
  {
    name: 'a secondary that answers something else fails the semantic check',
    prompts: 30,
    b: (i) => answer(i % 2 === 0 ? text(i) : `I cannot say much about that topic today, sorry, number ${i}.`),
    pass: false,
    reasons: [/^parity: pass rate 50\.0%, lower bound .* \(failing: semantic 15\)$/, /^parity: semantic clearly worse: shadow mean 0\.530 vs twin mean 1\.000/],
    check: (r) => {
      const b = r.routes.find((x) => x.route === 'b');
      assert.equal(b?.failedPairs.length, 15);
      assert.equal(b?.failedPairs[0]?.source, 'p.jsonl:2');
      assert.deepEqual(b?.failedPairs[0]?.failing, ['semantic']);
    },
  },
  {
    name: 'broken JSON where JSON was asked for fails the json check',
    prompts: 30,
    jsonFormat: true,
    primary: (i) => answer(`{"order": ${i}, "status": "shipped"}`),
    b: (i) => answer(i < 10 ? `order ${i}: shipped` : `{"order": ${i}, "status": "shipped"}`),
    pass: false,
    reasons: [/\(failing: json 10, semantic 10\)$/, /^parity: json failures 33\.3% > limit 1\.0%$/, /^parity: semantic clearly worse/],
  },
  {
    name: 'secondary errors over max_error_rate: unhealthy',
    prompts: 30,
    b: (i) => (i < 5 ? failed : answer(text(i))),
    pass: false,
    reasons: [/^unhealthy: shadow error rate 16\.7% > 5\.0%$/],
    check: (r) => {
      const b = r.routes.find((x) => x.route === 'b');
      assert.equal(b?.window?.shadowCalls, 30);
      assert.equal(b?.window?.pairs, 25);
      assert.equal(b?.callErrors[0]?.errorClass, 'server_error');
    },
  },
  {
    name: 'failed primary calls make no pair and are reported, not blamed on the secondary',
    prompts: 30,
    primary: (i) => (i === 0 ? failed : answer(text(i))),
    b: (i) => answer(text(i)),
    pass: true,
    reasons: [],
    check: (r) => {
      // The call and its twin (runsOf asks the same outcome twice).
      assert.equal(r.primaryErrors.length, 2);
      assert.equal(r.routes.find((x) => x.route === 'b')?.window?.pairs, 29);
    },
  },
];

function runsOf(c: Case): PromptRun[] {
  return Array.from({ length: c.prompts }, (_, i) => {
    const primary = c.primary?.(i) ?? answer(text(i));
    return {
      source: `p.jsonl:${i + 1}`,
      request: { responseFormat: c.jsonFormat === true ? { type: 'json_object' } : undefined, tools: undefined },
      primary,
      twin: primary,
      secondaries: new Map([['b', c.b(i)]]),
    };
  });
}

for (const c of cases) {
  test(`offline parity: ${c.name}`, () => {
    const cfg = config();
    const workload = cfg.workloads.support;
    assert.ok(workload);
    const policies = new Map(Object.values(cfg.routes).map((r) => [r.name, r.policy]));
    const report = assessPromptSet(workload, policies, runsOf(c), cfg.evaluator.min_twins);
    const b = report.routes.find((r) => r.route === 'b');
    assert.ok(b);
    assert.equal(b.pass, c.pass, b.reasons.join('; '));
    assert.equal(report.pass, c.pass);
    assert.equal(b.reasons.length, c.reasons.length, b.reasons.join('; '));
    c.reasons.forEach((re, i) => assert.match(b.reasons[i] as string, re));
    // A route the policy refuses is reported with why, never called, and does not fail the set.
    const eu = report.routes.find((r) => r.route === 'eu');
    assert.equal(eu?.certification.certified, false);
    assert.equal(eu?.window, undefined);
    assert.match(eu?.reasons[0] ?? '', /^not certified: region eu not in \[us\]$/);
    c.check?.(report);
  });
}

test('offline parity: the twins set the semantic floor once there are evaluator.min_twins of them', () => {
  const cfg = config();
  const workload = cfg.workloads.support;
  assert.ok(workload);
  const policies = new Map(Object.values(cfg.routes).map((r) => [r.name, r.policy]));
  const runs = (n: number): PromptRun[] =>
    Array.from({ length: n }, (_, i) => ({
      source: `p.jsonl:${i + 1}`,
      request: { responseFormat: undefined, tools: undefined },
      primary: answer(text(i)),
      // The primary rephrases itself a little from one call to the next.
      twin: answer(`${text(i)} Thank you.`),
      secondaries: new Map([['b', answer(text(i))]]),
    }));
  const few = assessPromptSet(workload, policies, runs(5), 10);
  assert.equal(few.noiseFloor, undefined);
  assert.equal(few.twins, 5);
  const enough = assessPromptSet(workload, policies, runs(12), 10);
  assert.equal(enough.twins, 12);
  assert.ok(enough.noiseFloor !== undefined && enough.noiseFloor > 0 && enough.noiseFloor < 1, String(enough.noiseFloor));
  assert.equal(enough.routes.find((r) => r.route === 'b')?.window?.noiseFloor, enough.noiseFloor);
});

test('answerOfCompletion reads the first choice as the scorers see an answer', () => {
  const a = answerOfCompletion(
    {
      id: 'x',
      object: 'chat.completion',
      created: 0,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: 'tool_calls' }],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    },
    12.5,
  );
  assert.deepEqual(a, {
    content: null,
    refusal: null,
    toolCalls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }],
    finishReason: 'tool_calls',
    latencyMs: 12.5,
    ttftMs: null,
    outputTokens: 4,
  });
});
