// Stored answers for evaluator tests: an ok, non-streaming exchange of workload `support`
// on a `sim` provider, as the router would have recorded it.

import { randomUUID } from 'node:crypto';
import type { ExchangeRecord } from '../../schemas/index.ts';

/** A record of `kind` answered by `routeName` with `content`; shadows and twins name their primary in `pairId`. */
export function answerRecord(kind: ExchangeRecord['kind'], ts: number, routeName: string, content: string, request: ExchangeRecord['request'], pairId?: string): ExchangeRecord {
  const id = randomUUID();
  return {
    record_id: id, kind, pair_id: pairId ?? id, request_id: pairId ?? id, ts: new Date(ts).toISOString(), tenant: '', workload: 'support',
    feature: '', session: '', route: routeName, provider: 'sim', model: routeName, request_model: 'support', api: 'chat_completions', stream: false, status: 200,
    outcome: 'ok', error_class: null, fallback: false, attempts: [], latency_ms: 100, ttft_ms: null,
    usage: { input_tokens: 10, output_tokens: 30 }, cost_usd: 0, finish_reason: 'stop', request, response: { content, refusal: null, tool_calls: [] },
  };
}
