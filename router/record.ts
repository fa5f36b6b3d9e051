// Builds the one exchange record every served request produces (design: "Every request
// produces one exchange record").

import type { AnswerSummary } from '../providers/index.ts';
import type {
  ChatCompletionChunk,
  ChatRequest,
  ErrorClass,
  ExchangeApi,
  ExchangeAttempt,
  ExchangeKind,
  ExchangeOutcome,
  ExchangeRecord,
  ExchangeRequestContent,
  Price,
  ToolCall,
} from '../schemas/index.ts';

const contentKeys = new Set(['model', 'messages', 'tools', 'tool_choice', 'response_format', 'stream', 'stream_options']);

export function requestContent(request: ChatRequest): ExchangeRequestContent {
  const params: Record<string, unknown> = {};
  for (const key in request) if (!contentKeys.has(key)) params[key] = request[key];
  return {
    messages: request.messages,
    ...(request.tools === undefined ? {} : { tools: request.tools }),
    ...(request.tool_choice === undefined ? {} : { tool_choice: request.tool_choice }),
    ...(request.response_format === undefined ? {} : { response_format: request.response_format }),
    params,
  };
}

/** Reassembles a streamed answer from its chunks, as the record stores answers whole. */
export class StreamAccumulator {
  #content = '';
  #refusal: string | null = null;
  #sawContent = false;
  readonly #toolCalls = new Map<number, { id: string; name: string; args: string }>();
  #finishReason: string | null = null;
  #inputTokens = 0;
  #outputTokens = 0;
  #model = '';

  add(chunk: ChatCompletionChunk): void {
    if (this.#model === '' && typeof chunk.model === 'string') this.#model = chunk.model;
    if (chunk.usage !== undefined && chunk.usage !== null) {
      this.#inputTokens = chunk.usage.prompt_tokens ?? 0;
      this.#outputTokens = chunk.usage.completion_tokens ?? 0;
    }
    for (const choice of chunk.choices) {
      if (choice.index !== 0) continue;
      const delta = choice.delta;
      if (typeof delta?.content === 'string') {
        this.#content += delta.content;
        this.#sawContent = true;
      }
      if (typeof delta?.refusal === 'string') this.#refusal = (this.#refusal ?? '') + delta.refusal;
      for (const call of delta?.tool_calls ?? []) {
        const entry = this.#toolCalls.get(call.index) ?? { id: '', name: '', args: '' };
        if (call.id !== undefined) entry.id = call.id;
        if (call.function?.name !== undefined) entry.name += call.function.name;
        if (call.function?.arguments !== undefined) entry.args += call.function.arguments;
        this.#toolCalls.set(call.index, entry);
      }
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) this.#finishReason = choice.finish_reason;
    }
  }

  summary(): AnswerSummary {
    const toolCalls: ToolCall[] = [...this.#toolCalls.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, c]) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } }));
    return {
      response: { content: this.#sawContent ? this.#content : null, refusal: this.#refusal, tool_calls: toolCalls },
      finishReason: this.#finishReason,
      inputTokens: this.#inputTokens,
      outputTokens: this.#outputTokens,
      model: this.#model,
    };
  }
}

export function costUsd(price: Price, inputTokens: number, outputTokens: number): number {
  return (inputTokens * price.input_per_mtok + outputTokens * price.output_per_mtok) / 1_000_000;
}

export interface RecordFields {
  readonly recordId: string;
  readonly kind: ExchangeKind;
  readonly pairId: string;
  readonly requestId: string;
  readonly startedAtMs: number;
  readonly tenant: string;
  readonly workload: string;
  readonly feature: string;
  readonly session: string;
  readonly route: string;
  readonly provider: string;
  readonly model: string;
  readonly api: ExchangeApi;
  readonly price: Price;
  readonly request: ChatRequest;
  readonly stream: boolean;
  readonly status: number;
  readonly outcome: ExchangeOutcome;
  readonly errorClass: ErrorClass | null;
  readonly fallback: boolean;
  readonly attempts: readonly ExchangeAttempt[];
  readonly latencyMs: number;
  readonly ttftMs: number | null;
  readonly answer: AnswerSummary | undefined;
}

export function buildRecord(f: RecordFields): ExchangeRecord {
  const input = f.answer?.inputTokens ?? 0;
  const output = f.answer?.outputTokens ?? 0;
  return {
    record_id: f.recordId,
    kind: f.kind,
    pair_id: f.pairId,
    request_id: f.requestId,
    ts: new Date(f.startedAtMs).toISOString(),
    tenant: f.tenant,
    workload: f.workload,
    feature: f.feature,
    session: f.session,
    route: f.route,
    provider: f.provider,
    model: f.answer?.model || f.model,
    request_model: f.request.model,
    api: f.api,
    stream: f.stream,
    status: f.status,
    outcome: f.outcome,
    error_class: f.errorClass,
    fallback: f.fallback,
    attempts: f.attempts,
    latency_ms: Math.round(f.latencyMs * 1000) / 1000,
    ttft_ms: f.ttftMs === null ? null : Math.round(f.ttftMs * 1000) / 1000,
    usage: { input_tokens: input, output_tokens: output },
    cost_usd: costUsd(f.price, input, output),
    finish_reason: f.answer?.finishReason ?? null,
    request: requestContent(f.request),
    response: f.answer?.response ?? null,
  };
}
