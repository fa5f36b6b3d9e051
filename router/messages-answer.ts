// warmpath's OpenAI-shaped answer → the Anthropic Messages answer an Anthropic SDK client
// reads: the message, its stop reason, and the error body and type for a status.

import type { ChatCompletion, FinishReason, MessagesAnswer, MessagesAnswerBlock, MessagesErrorBody, MessagesStopReason, OpenAIErrorBody } from '../schemas/index.ts';

/**
 * OpenAI's 'stop' does not say whether a stop sequence matched: it is end_turn unless the
 * upstream said which sequence did (messagesStopOf).
 */
const stopReasonByFinish: Readonly<Record<FinishReason, MessagesStopReason>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

const errorTypeByStatus: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** Anthropic-style message id for a warmpath request id (a UUID). */
export function messageId(requestId: string): string {
  return `msg_${requestId.replaceAll('-', '')}`;
}

export function stopReasonOf(finish: FinishReason | null): MessagesStopReason | null {
  return finish === null ? null : (stopReasonByFinish[finish] ?? null);
}

export interface MessagesStop {
  readonly stop_reason: MessagesStopReason | null;
  readonly stop_sequence: string | null;
}

/**
 * The stop reason and sequence an Anthropic client reads for an answer that finished with
 * `finish` (and held a refusal when `refused`). An Anthropic upstream names the sequence
 * that matched; an OpenAI one cannot, and its answers end in end_turn.
 */
export function messagesStopOf(finish: FinishReason | null, stopSequence: string | undefined, refused: boolean): MessagesStop {
  if (refused) return { stop_reason: 'refusal', stop_sequence: null };
  const reason = stopReasonOf(finish);
  return reason === 'end_turn' && stopSequence !== undefined
    ? { stop_reason: 'stop_sequence', stop_sequence: stopSequence }
    : { stop_reason: reason, stop_sequence: null };
}

export function messagesAnswerOf(completion: ChatCompletion, id: string, stopSequence?: string): MessagesAnswer {
  const choice = completion.choices[0];
  const content: MessagesAnswerBlock[] = [];
  let stop: MessagesStop = { stop_reason: null, stop_sequence: null };
  if (choice !== undefined) {
    const message = choice.message;
    if (typeof message.content === 'string' && message.content !== '') content.push({ type: 'text', text: message.content });
    const refusal = typeof message.refusal === 'string' && message.refusal !== '' ? message.refusal : undefined;
    if (refusal !== undefined) content.push({ type: 'text', text: refusal });
    for (const call of message.tool_calls ?? []) {
      content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments) });
    }
    stop = messagesStopOf(choice.finish_reason, stopSequence, refusal !== undefined);
  }
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: completion.model,
    content,
    ...stop,
    usage: { input_tokens: completion.usage?.prompt_tokens ?? 0, output_tokens: completion.usage?.completion_tokens ?? 0 },
  };
}

/**
 * Arguments as the object Anthropic's tool_use carries. Arguments that are not JSON reach
 * the client as the raw string rather than failing an answer the upstream already gave;
 * empty arguments mean a call without any, as the request side's `input ?? {}` does.
 */
function toolInput(args: string): unknown {
  if (args.trim() === '') return {};
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return args;
  }
}

export function messagesErrorType(status: number): string {
  const type = errorTypeByStatus[status];
  if (type !== undefined) return type;
  return status >= 400 && status < 500 ? 'invalid_request_error' : 'api_error';
}

export function messagesErrorOf(status: number, body: OpenAIErrorBody, requestId?: string): MessagesErrorBody {
  const code = body.error.code;
  return {
    type: 'error',
    error: { type: messagesErrorType(status), message: body.error.message, ...(typeof code === 'string' ? { code } : {}) },
    ...(requestId === undefined ? {} : { request_id: requestId }),
  };
}
