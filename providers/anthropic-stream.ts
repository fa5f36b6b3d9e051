// Anthropic stream events → OpenAI chat completion chunks. Stateful: message_start gives
// the id and model every chunk repeats, and usage arrives in parts.

import type { ChatCompletionChunk, ChunkDelta, ErrorClass, FinishReason, Usage } from '../schemas/index.ts';
import { classOfErrorType, errorOf, finishReason, matchedStopSequence, openAIUsage, promptTokens } from './anthropic-response.ts';
import type { AnthropicUsage } from './anthropic-response.ts';
import { failure } from './classify.ts';
import { UpstreamStreamError } from './types.ts';
import type { StreamEvent, StreamTranslator } from './types.ts';

interface StreamPayload {
  readonly type?: unknown;
  readonly message?: { readonly id?: unknown; readonly model?: unknown; readonly usage?: AnthropicUsage };
  readonly index?: unknown;
  readonly content_block?: { readonly type?: unknown; readonly id?: unknown; readonly name?: unknown; readonly text?: unknown };
  readonly delta?: { readonly type?: unknown; readonly text?: unknown; readonly partial_json?: unknown; readonly stop_reason?: unknown; readonly stop_sequence?: unknown };
  readonly usage?: AnthropicUsage;
  readonly error?: { readonly type?: unknown; readonly message?: unknown };
}

export function createStreamTranslator(): StreamTranslator {
  const created = Math.floor(Date.now() / 1000);
  let started: { id: string; model: string } | undefined;
  let usage: AnthropicUsage = {};
  // Anthropic numbers all content blocks; OpenAI numbers tool calls only.
  const toolIndexByBlock = new Map<number, number>();

  function event(fields: Pick<ChatCompletionChunk, 'choices'> & { usage?: Usage }): StreamEvent {
    const { id, model } = started as { id: string; model: string };
    const chunk: ChatCompletionChunk = { id, object: 'chat.completion.chunk', created, model, ...fields };
    return { chunk, data: JSON.stringify(chunk) };
  }
  function deltaEvent(delta: ChunkDelta, finish: FinishReason | null = null): StreamEvent {
    return event({ choices: [{ index: 0, delta, finish_reason: finish }] });
  }
  const none = { events: [], done: false } as const;

  return (message) => {
    let payload: StreamPayload;
    try {
      payload = JSON.parse(message.data) as StreamPayload;
    } catch {
      throw streamFailure('malformed_response', `upstream sent a stream event that is not JSON: ${message.data.slice(0, 120)}`);
    }
    if (payload === null || typeof payload !== 'object') throw streamFailure('malformed_response', 'upstream sent a stream event that is not an object');
    const type = typeof payload.type === 'string' ? payload.type : message.event;

    if (type === 'error') {
      const error = errorOf(payload);
      throw streamFailure(classOfErrorType(error.type), `upstream stream error: ${error.message ?? error.type ?? 'unknown'}`);
    }
    if (type === 'ping' || type === 'message_stop') return { events: [], done: type === 'message_stop' };
    if (type === 'message_start') {
      const { id, model } = payload.message ?? {};
      if (typeof id !== 'string' || typeof model !== 'string') throw streamFailure('malformed_response', 'upstream message_start has no message id or model');
      started = { id, model };
      usage = { ...payload.message?.usage };
      return { events: [deltaEvent({ role: 'assistant', content: '' })], done: false };
    }
    if (started === undefined) {
      // Anything else before message_start is either a new kind of event or a broken stream.
      if (type === 'content_block_start' || type === 'content_block_delta' || type === 'message_delta') {
        throw streamFailure('malformed_response', `upstream sent ${type} before message_start`);
      }
      return none;
    }
    switch (type) {
      case 'content_block_start': {
        const block = payload.content_block;
        const blockIndex = Number(payload.index);
        if (block?.type === 'tool_use') {
          const toolIndex = toolIndexByBlock.size;
          toolIndexByBlock.set(blockIndex, toolIndex);
          return {
            events: [
              deltaEvent({
                tool_calls: [{ index: toolIndex, id: String(block.id), type: 'function', function: { name: String(block.name), arguments: '' } }],
              }),
            ],
            done: false,
          };
        }
        if (block?.type === 'text' && typeof block.text === 'string' && block.text !== '') {
          return { events: [deltaEvent({ content: block.text })], done: false };
        }
        return none;
      }
      case 'content_block_delta': {
        const delta = payload.delta;
        if (delta?.type === 'text_delta' && typeof delta.text === 'string') {
          return { events: [deltaEvent({ content: delta.text })], done: false };
        }
        if (delta?.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
          const toolIndex = toolIndexByBlock.get(Number(payload.index));
          if (toolIndex === undefined) throw streamFailure('malformed_response', 'upstream sent tool input for a block that is not a tool call');
          if (delta.partial_json === '') return none;
          return { events: [deltaEvent({ tool_calls: [{ index: toolIndex, function: { arguments: delta.partial_json } }] })], done: false };
        }
        // Thinking, signatures and citations have no place in an OpenAI chunk.
        return none;
      }
      case 'message_delta': {
        usage = { ...usage, ...definedOnly(payload.usage ?? {}) };
        const events: StreamEvent[] = [];
        const finish = finishReason(payload.delta?.stop_reason);
        if (finish !== null) {
          const finishing = deltaEvent({}, finish);
          const stopSequence = matchedStopSequence(payload.delta?.stop_reason, payload.delta?.stop_sequence);
          events.push(stopSequence === undefined ? finishing : { ...finishing, stopSequence });
        }
        events.push(event({ choices: [], usage: openAIUsage(promptTokens(usage), usage.output_tokens ?? 0) }));
        return { events, done: false };
      }
      default:
        // content_block_stop, and event types Anthropic may add later.
        return none;
    }
  };
}

/** Fields of a cumulative usage update that carry a number (null means "unchanged"). */
function definedOnly(usage: AnthropicUsage): AnthropicUsage {
  return Object.fromEntries(Object.entries(usage).filter(([, value]) => typeof value === 'number'));
}

function streamFailure(errorClass: ErrorClass, message: string): UpstreamStreamError {
  return new UpstreamStreamError(failure(errorClass, 200, message));
}
