// Synthetic exchange records shaped like the router's: for throughput measurements and
// tests. Deterministic in `i`; times relative to `nowMs` (rows older than a table's TTL can
// vanish right after insert).

import type { ExchangeRecord } from '../schemas/index.ts';

const questions = [
  'My order 4471 has not arrived, can you check where it is? You can reach me at jane.doe@example.com.',
  'Summarise the attached ticket thread in three bullet points and suggest a reply.',
  'Return a JSON object with keys answer and confidence for: is the refund window 30 days?',
  'Translate to French: the delivery is delayed because of the weather, sorry for the trouble.',
];

export interface SyntheticOptions {
  readonly workload?: string;
  readonly nowMs?: number;
  readonly kind?: ExchangeRecord['kind'];
}

export function syntheticRecord(i: number, options: SyntheticOptions = {}): ExchangeRecord {
  const now = options.nowMs ?? Date.now();
  const id = `rec-${i.toString(36).padStart(8, '0')}`;
  const route = i % 5 === 0 ? 'claude-sim' : 'gpt-sim';
  const question = questions[i % questions.length] as string;
  return {
    record_id: id,
    kind: options.kind ?? 'primary',
    pair_id: id,
    request_id: id,
    ts: new Date(now - (i % 3_600_000)).toISOString(),
    tenant: `tenant-${i % 7}`,
    workload: options.workload ?? 'support',
    feature: i % 2 === 0 ? 'chat' : 'triage',
    session: `session-${i % 1000}`,
    route,
    provider: route === 'gpt-sim' ? 'sim-east' : 'sim-west',
    model: route === 'gpt-sim' ? 'gpt-4o-sim' : 'claude-sonnet-sim',
    request_model: 'support',
    api: i % 5 === 0 ? 'messages' : 'chat_completions',
    stream: i % 4 === 0,
    status: 200,
    outcome: 'ok',
    error_class: null,
    fallback: false,
    attempts: [{ route, attempt: 1, status: 200, error_class: null, latency_ms: 120 + (i % 50) }],
    latency_ms: 121.5 + (i % 50),
    ttft_ms: i % 4 === 0 ? 40 + (i % 20) : null,
    usage: { input_tokens: 40 + (i % 100), output_tokens: 60 + (i % 200) },
    cost_usd: 0.00031,
    finish_reason: 'stop',
    request: {
      messages: [
        { role: 'system', content: 'You are a helpful support assistant for an online shop.' },
        { role: 'user', content: question },
      ],
      params: { temperature: 0.2 },
    },
    response: {
      content: `Thanks for reaching out about request ${i}. I checked the details and everything is on track; you will get an update by email within two days.`,
      refusal: null,
      tool_calls: [],
    },
  };
}
