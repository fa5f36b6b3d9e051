// warmpath's OpenAI chat answer → the Response object an OpenAI SDK client reads from
// POST /v1/responses: output items (the message, then one item per function call), status,
// usage, and the request's settings echoed as the Responses API echoes them.

import type {
  ChatCompletion,
  FinishReason,
  ResponsesAnswer,
  ResponsesFunctionCall,
  ResponsesOutputItem,
  ResponsesOutputMessage,
  ResponsesRequest,
  ResponsesStatus,
  ResponsesUsage,
} from '../schemas/index.ts';

/** The ids of one response's objects, all derived from warmpath's request id (a UUID). */
export class ResponseIds {
  readonly response: string;
  readonly #hex: string;

  constructor(requestId: string) {
    this.#hex = requestId.replaceAll('-', '');
    this.response = `resp_${this.#hex}`;
  }

  /** The id of the message item at `outputIndex`. */
  message(outputIndex: number): string {
    return `msg_${this.#hex}_${outputIndex}`;
  }

  /** The id of the function_call item at `outputIndex` (its call_id is the upstream's tool call id). */
  functionCall(outputIndex: number): string {
    return `fc_${this.#hex}_${outputIndex}`;
  }
}

type Incomplete = ResponsesAnswer['incomplete_details'];

/** A length cut or a content filter leaves the response incomplete, with the reason; else it completed. */
export function completionOf(finish: FinishReason | null | undefined): { readonly status: ResponsesStatus; readonly incomplete: Incomplete } {
  if (finish === 'length') return { status: 'incomplete', incomplete: { reason: 'max_output_tokens' } };
  if (finish === 'content_filter') return { status: 'incomplete', incomplete: { reason: 'content_filter' } };
  return { status: 'completed', incomplete: null };
}

interface ChatUsage {
  readonly prompt_tokens?: number;
  readonly completion_tokens?: number;
  readonly prompt_tokens_details?: { readonly cached_tokens?: number } | null;
  readonly completion_tokens_details?: { readonly reasoning_tokens?: number } | null;
}

export function responsesUsageOf(usage: ChatUsage | null | undefined): ResponsesUsage {
  const input = usage?.prompt_tokens ?? 0;
  const output = usage?.completion_tokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage?.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage?.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: input + output,
  };
}

/** What every Response echoes of its request, whatever the answer. */
export function responseShell(
  request: ResponsesRequest,
  ids: ResponseIds,
  createdAt: number,
  model: string,
): Omit<ResponsesAnswer, 'status' | 'incomplete_details' | 'output' | 'usage'> {
  const format = request.text?.format ?? { type: 'text' as const };
  const verbosity = request.text?.verbosity;
  return {
    id: ids.response,
    object: 'response',
    created_at: createdAt,
    background: false,
    error: null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    metadata: request.metadata ?? {},
    model,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: null },
    store: false,
    temperature: request.temperature ?? null,
    text: typeof verbosity === 'string' ? { format, verbosity } : { format },
    tool_choice: request.tool_choice ?? 'auto',
    tools: request.tools ?? [],
    top_p: request.top_p ?? null,
    truncation: 'disabled',
    user: request.user ?? null,
  };
}

/** `createdAt`: when warmpath took the request, in Unix seconds, as the stream's events say too. */
export function responsesAnswerOf(completion: ChatCompletion, request: ResponsesRequest, ids: ResponseIds, createdAt: number): ResponsesAnswer {
  const choice = completion.choices[0];
  const { status, incomplete } = completionOf(choice?.finish_reason);
  const itemStatus = status === 'incomplete' ? 'incomplete' : 'completed';
  const output: ResponsesOutputItem[] = [];
  if (choice !== undefined) {
    const message = choice.message;
    const content: ResponsesOutputMessage['content'][number][] = [];
    if (typeof message.content === 'string' && message.content !== '') content.push({ type: 'output_text', text: message.content, annotations: [], logprobs: [] });
    if (typeof message.refusal === 'string' && message.refusal !== '') content.push({ type: 'refusal', refusal: message.refusal });
    if (content.length > 0) output.push({ type: 'message', id: ids.message(output.length), status: itemStatus, role: 'assistant', content });
    for (const call of message.tool_calls ?? []) output.push(functionCallItem(ids.functionCall(output.length), call.id, call.function.name, call.function.arguments, itemStatus));
  }
  return {
    ...responseShell(request, ids, createdAt, completion.model),
    status,
    incomplete_details: incomplete,
    output,
    usage: responsesUsageOf(completion.usage),
  };
}

export function functionCallItem(id: string, callId: string, name: string, args: string, status: ResponsesFunctionCall['status']): ResponsesFunctionCall {
  return { type: 'function_call', id, call_id: callId, name, arguments: args, status };
}
